"""matmul / @ / mm / dot / bmm against PyTorch in all of its 1-D, 2-D and batched cases, with gradients."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import chainrule
from oracle import compare
from .strategies import arrays, dtypes


@st.composite
def matmul_pair(draw):
    """Shapes (a, b) that PyTorch's matmul accepts: vectors, matrices and broadcast batches."""
    n, k, m = (draw(st.integers(0, 4)) for _ in range(3))
    k = draw(st.integers(1, 4)) if draw(st.booleans()) else k
    nd_a, nd_b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))
    ba = [draw(st.sampled_from([1, b])) for b in batch][4 - nd_a:] if nd_a > 2 else []
    bb = [draw(st.sampled_from([1, b])) for b in batch][4 - nd_b:] if nd_b > 2 else []
    sa = (k,) if nd_a == 1 else tuple(ba) + (n, k)
    sb = (k,) if nd_b == 1 else tuple(bb) + (k, m)
    dt = draw(dtypes)
    return draw(arrays(sa, dt)), draw(arrays(sb, dt))


@given(pair=matmul_pair())
def test_matmul_all_cases(pair):
    compare(lambda lib, x, y: x @ y, *pair)
    compare(lambda lib, x, y: lib.matmul(x, y), *pair)
    compare(lambda lib, x, y: x.matmul(y), *pair)


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((0, 3), (3, 2)),
                                   ((2, 0), (0, 3))])
def test_matmul_named_cases(sa, sb):
    rng = np.random.default_rng(1)
    compare(lambda lib, x, y: x @ y, rng.standard_normal(sa), rng.standard_normal(sb))
    compare(lambda lib, x, y: x @ y, rng.standard_normal(sa).astype(np.float32),
            rng.standard_normal(sb).astype(np.float32))


def test_mm_dot_bmm():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    compare(lambda lib, x, y: lib.mm(x, y), a, b)
    compare(lambda lib, x, y: x.mm(y), a, b)
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    compare(lambda lib, x, y: lib.dot(x, y), u, v)
    compare(lambda lib, x, y: x.dot(y), u, v)
    p, q = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 3, 5))
    compare(lambda lib, x, y: lib.bmm(x, y), p, q)
    compare(lambda lib, x, y: x.bmm(y), p, q)


def test_matmul_of_int_tensors():
    compare(lambda lib, x, y: x @ y, np.arange(6).reshape(2, 3), np.arange(3), grad=False)


def test_rmatmul_with_numpy_left_operand():
    a = chainrule.tensor([[1.0, 2.0]], requires_grad=True)
    out = np.array([[1.0], [2.0]], dtype=np.float32) @ a
    assert isinstance(out, chainrule.Tensor) and out.shape == (2, 2)


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("ij->j", [(3, 4)]),
    ("ij->", [(3, 4)]), ("i,j->ij", [(3,), (4,)]), ("ij,ij->i", [(2, 3), (2, 3)]), ("ij,jk", [(2, 3), (3, 4)]),
    ("ij->ji", [(2, 3)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("ij,kl->ijkl", [(2, 2), (3, 1)]), ("i,i->", [(4,), (4,)]),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_einsum(eq, shapes, dtype):
    rng = np.random.default_rng(3)
    arrs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    compare(lambda lib, *xs: lib.einsum(eq, *xs), *arrs)
    compare(lambda lib, *xs: lib.einsum(eq, list(xs)), *arrs)


def test_einsum_gradcheck_and_errors():
    from chainrule.autograd import gradcheck
    rng = np.random.default_rng(4)
    a = chainrule.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda x, y: chainrule.einsum("ij,jk->ik", x, y).tanh(), (a, b))
    assert gradcheck(lambda x: chainrule.einsum("ij->i", x), (a,))
    with pytest.raises(RuntimeError, match=r"einsum\('ij,jk->ik'\): operands of shapes \(2, 3\), \(2, 3\)"):
        chainrule.einsum("ij,jk->ik", a, a)
    with pytest.raises(NotImplementedError, match="ellipsis"):
        chainrule.einsum("...ij->...ji", a)
