"""repr(tensor) and node names as PyTorch prints them (with 'torch.' → 'chainrule.' in dtypes)."""
from __future__ import annotations

import pytest
import torch

import chainrule

CASES = [
    "torch.tensor([0.4154])",
    "torch.tensor([-0.3]).sigmoid()",
    "torch.tensor([1.0, 2.0], requires_grad=True)",
    "torch.tensor([1.0, 2.0], requires_grad=True) * 2",
    "torch.tensor([[0.4352, 0.3545], [1.0, -2.5]])",
    "torch.tensor([[1, 2], [3, 40]])",
    "torch.tensor([True, False])",
    "torch.tensor(3.5)",
    "torch.tensor(7)",
    "torch.tensor([1e-8, 1.0, 2.0])",
    "torch.tensor([1e10, 1.0])",
    "torch.tensor([123456.0, 0.5])",
    "torch.tensor([1.0, 2.0, 3.0])",
    "torch.tensor([0.0, -0.0, 1.5])",
    "torch.tensor([float('nan'), float('inf'), -float('inf'), 1.5])",
    "torch.tensor([1.5], dtype=torch.float64)",
    "torch.tensor([1, 2], dtype=torch.int32)",
    "torch.zeros(0)",
    "torch.zeros(2, 0)",
    "torch.zeros(3, 2, 2)",
    "torch.arange(2000.0)",
    "torch.arange(12.0).reshape(3, 4) / 7",
    "torch.linspace(-1, 1, 30)",
    "torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)",
    "torch.tensor([1.0], requires_grad=True).sum()",
    "torch.full((2, 3), 1e-5)",
    "torch.tensor([[1e-5, 1.0], [100.0, 1000.0]])",
    "torch.zeros(0, dtype=torch.int64)",
    "torch.zeros(2, 0, dtype=torch.float64)",
    "torch.arange(3000).reshape(30, 100)",
    "torch.arange(24.0).reshape(2, 3, 4) * 1.5",
    "torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64).sigmoid()",
    "torch.linspace(0, 1, 20, dtype=torch.float64, requires_grad=True).exp()",
    "torch.tensor([12345678.0, 1.0], dtype=torch.float64, requires_grad=True)",
    "torch.arange(2000.0).reshape(2, 1000)",
    "torch.tensor([[True, False], [False, True]])",
    "torch.tensor([-1, 200, 3])",
    "torch.tensor([1.0, 2.0]).max(0)",
    "torch.tensor([[1.0, 2.0], [0.5, 3.0]], requires_grad=True).min(1)",
]


@pytest.mark.parametrize("expr", CASES)
def test_repr_matches_torch(expr):
    theirs = repr(eval(expr, {"torch": torch})).replace("torch.", "chainrule.")
    ours = repr(eval(expr, {"torch": chainrule}))
    assert ours == theirs


def test_str_and_print_match_repr():
    x = chainrule.tensor([0.4154])
    assert str(x) == repr(x) == "tensor([0.4154])"
    assert f"{chainrule.tensor(2.5):.2f}" == "2.50"


NAMES = ['x**2', 'x**x', '2**x', '1-x', 'x-1', 'x.sum()', 'x.sum(0)', 'x.mean()', 'x.mean(1)', 'x.max()',
         'x.max(0)[0]', 'x.amax(0)', 'x.min()', 'x[0]', 'x[:,1:]', 'x[0,1]', 'x[torch.tensor([0,1])]', 'x[x>0]',
         'x.unsqueeze(0)', 'x.squeeze()', 'x.squeeze(0)', 'x.transpose(0,1)', 'x.t()', 'x.T', 'x.permute(1,0)',
         'x@x.T', 'v@v', 'x@v', 'b@b.transpose(1,2)', 'x.reshape(3,2)', 'x.view(-1)',
         'x.flatten()', 'x.var()', 'x.std()', 'x.std(0)', 'x.norm()', 'x.prod()', 'x.clamp(0,1)', 'x.clamp(min=0)', 'x.double()',
         'x.expand(2,2,3)', 'x.repeat(2,1)', 'torch.cat([x,x])', 'torch.stack([x,x])', 'x.softmax(0)',
         'x.log_softmax(0)', 'x.logsumexp(0)', 'torch.where(x>0,x,x)', 'x.relu()', 'x.abs()', 'x.sign()', '-x',
         'x/2', 'x.sqrt()', 'x.rsqrt()', 'x.log1p()', 'x.exp()', 'x.clone()', 'torch.maximum(x,x)',
         'x*2', 'x+1', '2*x', 'x.tanh()', 'x.sigmoid()', 'x.log()', 'x.sin()', 'x.cos()', 'x.log2()', 'x.expm1()', 'x.erf()', 'x.atan()', 'x.cosh()']


@pytest.mark.parametrize("expr", NAMES)
def test_node_names_match_torch(expr):
    def name(lib):
        scope = {"torch": lib, "x": lib.ones(2, 3, requires_grad=True), "v": lib.ones(3, requires_grad=True),
                 "b": lib.ones(4, 2, 3, requires_grad=True)}
        return eval(expr, scope).grad_fn.name() if lib is torch else eval(expr, scope).grad_fn.name
    assert name(chainrule) == name(torch)


@pytest.fixture
def restore_printoptions():
    yield
    chainrule.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize("opts", [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False),
                                  dict(threshold=5, edgeitems=1), dict(linewidth=30), dict(profile="short")])
def test_set_printoptions_like_torch(opts, restore_printoptions):
    chainrule.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    for expr in ["torch.arange(12.0).reshape(3, 4) / 7", "torch.tensor([1e-6, 1.0])", "torch.arange(10.0)"]:
        assert repr(eval(expr, {"torch": chainrule})) == repr(eval(expr, {"torch": torch})).replace("torch.", "chainrule.")


def test_finfo_iinfo_like_torch():
    for d in ("float32", "float64"):
        ours, theirs = chainrule.finfo(getattr(chainrule, d)), torch.finfo(getattr(torch, d))
        assert (ours.eps, ours.max, ours.min, ours.tiny, ours.bits) == (theirs.eps, theirs.max, theirs.min,
                                                                       theirs.tiny, theirs.bits)
    assert chainrule.finfo().eps == torch.finfo().eps
    assert (chainrule.iinfo(chainrule.int64).max, chainrule.iinfo(chainrule.int32).min) == \
        (torch.iinfo(torch.int64).max, torch.iinfo(torch.int32).min)
