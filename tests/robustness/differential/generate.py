"""Random programs from a seed.

``program(seed, families)`` draws 1–3 leaves (0-d, 0-size and broadcastable shapes; float32, float64,
int64, bool; edge values ±0, ±inf, nan, huge, tiny) and then 3–12 statements.  Each statement comes
from one op family below; PyTorch runs it as it is drawn, so the next statement can use what it made
(its shape, dtype, whether it is a view).  A statement PyTorch refuses is kept now and then, so that
raising-versus-not is compared too; nothing later uses its result.

Families: elementwise, reduction, matmul, shape (views and shape ops), indexing (basic, advanced,
boolean), setitem and inplace (on non-leaves and on views of them), select (where/clamp/masked_fill),
loss, functional.
"""
from __future__ import annotations

import random
import warnings

import numpy as np
import torch

from .program import Leaf, Program

FAMILIES = ("elementwise", "reduction", "matmul", "shape", "indexing", "setitem", "inplace", "select",
            "loss", "functional")


class NoCandidate(Exception):
    """The drawing found no variable that fits this op: draw another op."""


class Draw:
    """The drawing state: the random stream and PyTorch's values of every variable so far."""

    def __init__(self, rng: random.Random, ns: dict):
        self.r, self.ns = rng, ns

    # -- variables -------------------------------------------------------------------------------
    def names(self, pred=lambda t: True):
        return [k for k, v in self.ns.items() if k[:1] in "xv" and k[1:].isdigit()
                and isinstance(v, torch.Tensor) and _safely(pred, v)]

    def pick(self, pred=lambda t: True, prefer=None) -> str:
        names = self.names(pred)
        if not names:
            raise NoCandidate
        if prefer is not None:
            liked = [n for n in names if _safely(prefer, self.ns[n])]
            if liked and self.r.random() < 0.7:
                names = liked
        # later variables are more interesting (they carry history)
        weights = [1 + i for i in range(len(names))]
        return self.r.choices(names, weights)[0]

    def t(self, name) -> torch.Tensor:
        return self.ns[name]

    # -- arguments -------------------------------------------------------------------------------
    def dim(self, name, allow_bad=True) -> int:
        nd = self.t(name).ndim
        if allow_bad and self.r.random() < 0.03:
            return self.r.choice([nd, -nd - 1, 5])
        if nd == 0:
            return self.r.choice([0, -1])
        return self.r.randint(-nd, nd - 1)

    def scalar(self, kind="float", arithmetic=False) -> str:
        """A Python number; for arithmetic, not 1e30 / 1e-30: ``1e30 % x`` or a gradient scaled by 1e30
        turns a last-bit difference (a NumPy and a PyTorch sinh) into any value at all."""
        if kind == "int":
            return str(self.r.choice([0, 1, 2, 3, -1, -2, 7]))
        pool = ["2.0", "-1.5", "0.5", "3", "0.0", "-0.0", "1e-3", "2.5", "inf", "-inf", "nan", "-2"]
        return self.r.choice(pool if arithmetic else pool + ["1e30", "1e-30"])

    def small(self, lo, hi) -> int:
        return self.r.randint(lo, hi)

    def index(self, name, advanced=True) -> str:
        """An index expression for ``name``: basic, advanced or boolean; sometimes out of range."""
        t = self.t(name)
        shape, r = list(t.shape), self.r
        kind = r.random()
        if advanced and kind < 0.2 and shape:
            mask_names = self.names(lambda m: m.dtype == torch.bool and list(m.shape) == shape[:m.ndim] and m.ndim >= 1)
            if mask_names and r.random() < 0.6:
                return r.choice(mask_names)
            n = shape[0]
            return "lib.tensor([" + ", ".join(r.choice(["True", "False"]) for _ in range(n)) + "])"
        parts = []
        for size in shape[:r.randint(0, len(shape))] if shape else []:
            c = r.random()
            if c < 0.3:
                parts.append(str(r.randint(-size, max(size - 1, -size)) if size and r.random() > 0.05 else size))
            elif c < 0.6:
                a, b = r.choice(["", "0", "1", "-1"]), r.choice(["", "2", "-1", str(size)])
                step = r.choice(["", "", ":2"])
                parts.append(f"{a}:{b}{step}")
            elif c < 0.85 and advanced:
                k = r.randint(0, 3)
                items = ", ".join(str(r.randint(-size, size - 1)) if size else "0" for _ in range(k))
                parts.append(r.choice([f"[{items}]", f"lib.tensor([{items}], dtype=lib.int64)"]))
            elif c < 0.92 and advanced and size:
                parts.append(f"lib.tensor({r.randint(0, size - 1)})")
            else:
                parts.append(r.choice(["None", "...", ":"]))
        if not parts:
            return r.choice(["...", "None", ":"]) if r.random() < 0.5 else "..."
        return ", ".join(parts)


def _safely(pred, t) -> bool:
    """``pred(t)``, False where PyTorch refuses to even describe ``t`` (a split view modified in place)."""
    try:
        return bool(pred(t))
    except RuntimeError:
        return False


def is_float(t):
    return t.dtype.is_floating_point


def nonleaf_float(t):
    return t.dtype.is_floating_point and not (t.is_leaf and t.requires_grad)


def view_like(t):
    return t._is_view()


# -- op families: each returns one line of Python over lib and F -------------------------------------------

UNARY = ["lib.exp({a})", "lib.log({a})", "lib.sqrt({a})", "lib.sigmoid({a})", "lib.tanh({a})", "lib.abs({a})",
         "lib.neg({a})", "lib.sin({a})", "lib.cos({a})", "lib.tan({a})", "lib.asin({a})", "lib.acos({a})",
         "lib.atan({a})", "lib.sinh({a})", "lib.cosh({a})", "lib.erf({a})", "lib.expm1({a})", "lib.log1p({a})",
         "lib.log2({a})", "lib.log10({a})", "lib.exp2({a})", "lib.reciprocal({a})", "lib.rsqrt({a})",
         "lib.square({a})", "lib.sign({a})", "lib.floor({a})", "lib.ceil({a})", "lib.round({a})",
         "lib.trunc({a})", "lib.relu({a})", "lib.isnan({a})", "lib.isinf({a})", "lib.isfinite({a})",
         "lib.logical_not({a})", "{a}.float()", "{a}.double()", "{a}.long()", "{a}.bool()", "-{a}",
         "{a} ** 2", "{a} ** 0.5", "{a} ** -1", "abs({a})", "{a}.clone()", "{a}.detach()"]
BINARY = ["{a} + {b}", "{a} - {b}", "{a} * {b}", "{a} / {b}", "{a} // {b}", "{a} % {b}", "{a} ** {b}",
          "lib.maximum({a}, {b})", "lib.minimum({a}, {b})", "{a} == {b}", "{a} != {b}", "{a} < {b}",
          "{a} <= {b}", "{a} > {b}", "{a} >= {b}", "lib.logical_and({a}, {b})", "lib.logical_or({a}, {b})",
          "lib.logical_xor({a}, {b})", "lib.add({a}, {b}, alpha=2)", "lib.sub({a}, {b})",
          "lib.div({a}, {b}, rounding_mode='floor')", "lib.div({a}, {b}, rounding_mode='trunc')",
          "lib.remainder({a}, {b})", "lib.pow({a}, {b})", "lib.mul({a}, {b})", "lib.true_divide({a}, {b})",
          "lib.floor_divide({a}, {b})", "lib.clamp_max({a}, {b})", "lib.where({b} > 0, {a}, {b})",
          "lib.eq({a}, {b})", "lib.isclose({a}, {b})"]
SCALAR = ["{a} + {s}", "{s} - {a}", "{a} * {s}", "{s} / {a}", "{a} / {s}", "{a} % {s}", "{s} % {a}",
          "{a} // {s}", "{s} // {a}", "{a} ** {s}", "{s} ** {a}", "lib.clamp({a}, min={s})", "{a} > {s}"]


def op_glue(d: Draw) -> str:
    a = d.pick()
    return d.r.choice([f"{a} * 1", f"{a}.clone()", f"{a} + 0", f"{a} * 2"])


def op_elementwise(d: Draw) -> str:
    r = d.r
    c = r.random()
    if c < 0.4:
        return r.choice(UNARY).format(a=d.pick())
    if c < 0.55:
        return r.choice(SCALAR).format(a=d.pick(), s=d.scalar(r.choice(["float", "int"]), arithmetic=True))
    a = d.pick()
    shape = tuple(d.t(a).shape)
    b = d.pick(prefer=lambda t: tuple(t.shape) == shape or tuple(t.shape) == shape[-t.ndim:] if t.ndim else True)
    return r.choice(BINARY).format(a=a, b=b)


def op_reduction(d: Draw) -> str:
    r = d.r
    a = d.pick()
    dim, kd = d.dim(a), r.choice(["", ", keepdim=True"])
    forms = [f"{a}.sum()", f"{a}.sum(dim={dim}{kd})", f"{a}.mean()", f"{a}.mean({dim}{kd})", f"{a}.prod()",
             f"{a}.prod({dim}{kd})", f"{a}.amax({dim}{kd})", f"{a}.amin({dim})", f"{a}.amax()", f"{a}.max()",
             f"{a}.min()", f"{a}.max({dim}{kd}).values", f"{a}.min({dim}).indices", f"{a}.std()",
             f"{a}.std({dim}{kd})", f"{a}.var({dim})", f"{a}.var(unbiased=False)", f"{a}.norm()",
             f"{a}.norm(dim={dim}{kd})", f"{a}.norm(p=1)", f"lib.logsumexp({a}, {dim}{kd})",
             f"{a}.argmax()", f"{a}.argmax({dim}{kd})", f"{a}.argmin({dim})", f"{a}.all()", f"{a}.any({dim})",
             f"lib.count_nonzero({a})", f"lib.count_nonzero({a}, dim={dim})", f"{a}.cumsum({dim})",
             f"lib.softmax({a}, {dim})", f"{a}.log_softmax({dim})", f"F.softmax({a}, dim={dim})",
             f"F.log_softmax({a}, dim={dim})", f"{a}.sort({dim}).values", f"{a}.sort({dim}, descending=True).values",
             f"{a}.sort(descending=True).indices", f"{a}.argsort({dim})",
             f"{a}.topk({r.randint(0, 2)}, dim={dim}).values", f"{a}.topk(1, largest=False).values",
             f"{a}.sum(({dim},){kd})", f"{a}.mean(dim=[]){''}", f"lib.sum({a}, {dim})",
             f"lib.max({a}, {dim}).values", f"lib.min({a})", f"{a}.nonzero()", f"{a}.norm(p=float('inf'))",
             f"{a}.var({dim}, unbiased=False{kd})", f"lib.amax({a}, dim=({dim},))", f"{a}.mean()" ]
    return r.choice(forms)


def op_matmul(d: Draw) -> str:
    r = d.r
    a = d.pick(lambda t: t.ndim >= 1)
    ta = d.t(a)
    k = ta.shape[-1]
    fits = d.names(lambda t: t.ndim >= 1 and (t.shape[0] == k if t.ndim <= 2 else t.shape[-2] == k))
    c = r.random()
    if fits and c < 0.5:
        return r.choice(["lib.matmul({a}, {b})", "{a} @ {b}"]).format(a=a, b=r.choice(fits))
    if ta.ndim == 2:
        return r.choice([f"{a} @ {a}.t()", f"lib.mm({a}.t(), {a})", f"lib.mm({a}, {a}.T)",
                         f"F.linear({a}, {a})", f"F.linear({a}, {a}, {a}[:, 0])",
                         f"lib.einsum('ij,kj->ik', {a}, {a})", f"lib.einsum('ij->j', {a})"])
    if ta.ndim == 1:
        return r.choice([f"lib.dot({a}, {a})", f"lib.outer({a}, {a})", f"{a} @ {a}",
                         f"lib.einsum('i,i->', {a}, {a})"])
    return r.choice([f"lib.bmm({a}, {a}.transpose(1, 2))" if ta.ndim == 3 else f"{a} @ {a}.mT",
                     f"{a} @ {a}.transpose(-1, -2)", f"lib.matmul({a}, {a}.mT)"])


def op_shape(d: Draw) -> str:
    r = d.r
    a = d.pick()
    t = d.t(a)
    nd, n = t.ndim, t.numel()
    dim = d.dim(a)
    perm = list(range(nd))
    r.shuffle(perm)
    forms = [f"{a}.reshape(-1)", f"{a}.reshape({n}, 1)" if n else f"{a}.reshape(0, 2)", f"{a}.view(-1)",
             f"{a}.unsqueeze({r.randint(-nd - 1, nd)})", f"{a}.squeeze()", f"{a}.squeeze({dim})",
             f"{a}.squeeze(())", f"{a}.flatten()", f"{a}.flip({dim})", f"{a}.flip(())", f"{a}.flip([])",
             f"{a}.permute({', '.join(map(str, perm))})" if nd else f"{a}.permute()",
             f"{a}.contiguous()", f"{a}[None]", f"lib.cat([{a}, {a}], {dim})", f"lib.stack([{a}, {a}], {dim})",
             f"{a}.repeat({', '.join(['2'] + ['1'] * nd)})", f"{a}.tile((2,))", f"{a}.expand(2, *{a}.shape)",
             f"lib.tril({a})", f"lib.triu({a}, 1)", f"{a}.unbind({dim})[0]", f"{a}.split(1, {dim})[0]",
             f"{a}.chunk(2, {dim})[-1]", f"{a}.view_as({a})", f"{a}.reshape_as({a})",
             f"lib.cat([{a}, {d.pick()}], {dim})", f"lib.stack([{a}, {d.pick()}])", f"lib.flatten({a})",
             f"{a}.expand_as({d.pick()})", f"{a}.clone().view(-1)"]
    if nd >= 2:
        forms += [f"{a}.t()", f"{a}.T", f"{a}.transpose(0, -1)", f"{a}.mT", f"{a}.view({n})",
                  f"{a}.t().reshape(-1)", f"{a}.movedim(0, -1)", f"{a}.swapaxes(0, 1)",
                  f"{a}.t().contiguous().view(-1)", f"{a}.narrow({dim}, 0, 1)", f"{a}.select({dim}, 0)",
                  f"{a}.unflatten(-1, ({t.shape[-1]}, 1))", f"{a}.flatten(0, 1)",
                  f"{a}.index_select({dim}, lib.tensor([0, 0]))", f"{a}.index_select(0, lib.tensor([1, 0]) % {t.shape[0] or 1})",
                  f"lib.gather({a}, {dim}, lib.zeros(1, 1, dtype=lib.int64))"]
    if nd >= 1:
        forms += [f"{a}.narrow(0, 0, {r.randint(0, t.shape[0])})", f"{a}.select(0, -1)", f"{a}.t()",
                  f"{a}.expand(3, *{a}.shape)", f"{a}.unsqueeze(-1).expand(*{a}.shape, 2)"]
    return r.choice(forms)


def op_indexing(d: Draw) -> str:
    a = d.pick(lambda t: t.ndim >= 1) if d.r.random() < 0.9 else d.pick()
    return f"{a}[{d.index(a)}]"


def _value_for(d: Draw, target) -> str:
    """Something to write into ``target``: a scalar, a tensor that requires grad, a broadcastable one."""
    r = d.r
    c = r.random()
    if c < 0.4:
        return d.scalar()
    if c < 0.7:
        return f"{d.pick(is_float)}.sum()" + r.choice(["", " * 2"])
    return d.pick()


def op_setitem(d: Draw) -> str:
    a = d.pick(lambda t: t.ndim >= 1 and not (t.is_leaf and t.requires_grad) if d.r.random() < 0.95 else True,
               prefer=view_like)
    return f"{a}[{d.index(a)}] = {_value_for(d, a)}"


INPLACE = ["{a}.add_({v})", "{a}.mul_({v})", "{a}.sub_({v})", "{a}.div_({v})", "{a}.clamp_(min={s})",
           "{a}.clamp_(-1.0, 1.0)", "{a}.sigmoid_()", "{a}.tanh_()", "{a}.relu_()", "{a}.exp_()", "{a}.zero_()",
           "{a}.fill_({s})", "{a}.copy_({v})", "{a}.pow_(2)", "{a}.sqrt_()", "{a}.abs_()", "{a}.neg_()",
           "{a}.square_()", "{a}.log_()", "{a}.lerp_({v}, 0.5)", "{a}.lerp_({v}, 1.0)", "{a} += {v}",
           "{a} *= {v}", "{a} -= {s}", "{a} /= {v}", "{a}.masked_fill_({a} > 0, {s})", "F.relu_({a})",
           "{a}.addcmul_({v}, {v}, value=0.5)", "{a}.addcdiv_({v}, {v})", "{a}.detach_()",
           "{a}.requires_grad_()"]


def op_inplace(d: Draw) -> str:
    r = d.r
    bases = {id(d.t(n)._base) for n in d.names(view_like)}
    bases.discard(id(None))
    a = d.pick(nonleaf_float if r.random() < 0.9 else (lambda t: True),
               prefer=lambda t: t._is_view() or id(t) in bases)
    return r.choice(INPLACE).format(a=a, v=_value_for(d, a), s=d.scalar())


def op_select(d: Draw) -> str:
    r = d.r
    a = d.pick()
    b = d.pick(prefer=lambda t: t.shape == d.t(a).shape)
    s = d.scalar()
    forms = [f"lib.where({a} > 0, {a}, {b})", f"lib.where({b} > {a}, {s}, {a})", f"lib.where({a} != {a}, 0.0, {a})",
             f"{a}.clamp(min=0)", f"{a}.clamp(-1, 1)", f"{a}.clamp(max={s})", f"{a}.clamp(min=-0.5, max=0.5)",
             f"lib.clamp({a}, {b})", f"{a}.clamp(min=0).sqrt()", f"lib.clamp_min({a}, 0.1)",
             f"{a}.clip(0, 2)", f"{a}.masked_fill({a} > 0, {s})", f"{a}.masked_fill({b} < 0, 0.0)",
             f"lib.masked_fill({a}, {a}.isnan(), 0.0)", f"F.relu({a}).sqrt()", f"lib.maximum({a}, {b}).sqrt()",
             f"F.leaky_relu({a}, 0.2).sqrt()", f"lib.where({a} > 0, {a}.sqrt(), 0.0)"]
    return r.choice(forms)


def op_loss(d: Draw) -> str:
    r = d.r
    a = d.pick(is_float)
    t = d.t(a)
    same = d.pick(lambda u: u.shape == t.shape and u.dtype.is_floating_point) if r.random() < 0.7 else f"lib.ones_like({a})"
    red = r.choice(["", ", reduction='sum'", ", reduction='none'", ", reduction='mean'"])
    forms = [f"F.mse_loss({a}, {same}{red})", f"F.l1_loss({a}, {same}{red})",
             f"F.huber_loss({a}, {same}, delta=0.5{red})", f"F.smooth_l1_loss({a}, {same}, beta=0.5{red})",
             f"F.binary_cross_entropy(lib.sigmoid({a}), lib.sigmoid({same}).detach(){red})",
             f"F.binary_cross_entropy_with_logits({a}, ({same} > 0).to({a}.dtype){red})",
             f"F.binary_cross_entropy({a}, {same}{red})",
             f"F.binary_cross_entropy_with_logits({a}, lib.sigmoid({same}), pos_weight=lib.ones_like({a}) * 2{red})"]
    if t.ndim in (1, 2):
        c = t.shape[-1] if t.ndim == 2 else t.shape[0]
        n = t.shape[0] if t.ndim == 2 else None
        if c:
            tgt = (f"lib.tensor([{', '.join(str(r.randint(0, c - 1)) for _ in range(n))}], dtype=lib.int64)"
                   if n is not None else f"lib.tensor({r.randint(0, c - 1)})")
            ign = r.choice(["", "", ", ignore_index=0", ", label_smoothing=0.1"])
            forms += [f"F.cross_entropy({a}, {tgt}{ign}{red})", f"F.nll_loss(F.log_softmax({a}, dim=-1), {tgt}{red})",
                      f"F.cross_entropy({a}, {a}.softmax(-1).detach(){red})", f"F.nll_loss({a}, {tgt}{ign})"]
    return r.choice(forms)


def op_functional(d: Draw) -> str:
    r = d.r
    a = d.pick(is_float)
    t = d.t(a)
    forms = [f"F.gelu({a})", f"F.gelu({a}, approximate='tanh')", f"F.silu({a})", f"F.softplus({a})",
             f"F.softplus({a}, beta=2.0, threshold=5.0)", f"F.elu({a})", f"F.elu({a}, alpha=0.5)",
             f"F.leaky_relu({a}, 0.1)", f"F.relu6({a})", f"F.hardtanh({a})", f"F.hardtanh({a}, -0.5, 0.5)",
             f"F.logsigmoid({a})", f"F.sigmoid({a})", f"F.tanh({a})", f"F.relu({a})",
             f"F.dropout({a}, p=0.0)", f"F.dropout({a}, p=0.5, training=False)",
             f"F.relu6({d.pick()})", f"F.gelu({d.pick()})"]
    if t.ndim >= 1:
        forms += [f"F.layer_norm({a}, {tuple(t.shape[-1:])})", f"F.normalize({a}, dim=-1)",
                  f"F.layer_norm({a}, {tuple(t.shape[-1:])}, weight=lib.ones({t.shape[-1]}, dtype={a}.dtype) * 2)",
                  f"F.normalize({a}, p=1.0, dim=0)"]
    if t.ndim == 2:
        forms += [f"F.batch_norm({a}, None, None, training=True)", f"F.linear({a}, {a})",
                  f"F.embedding(lib.tensor([0, {t.shape[0] - 1 if t.shape[0] else 0}]), {a})"]
    ints = d.names(lambda u: u.dtype == torch.int64)
    if ints:
        forms += [f"F.one_hot({r.choice(ints)}.clamp(0, 3), 4)", f"F.one_hot({r.choice(ints)}.abs())"]
    return r.choice(forms)


OPS = {"elementwise": op_elementwise, "reduction": op_reduction, "matmul": op_matmul, "shape": op_shape,
       "indexing": op_indexing, "setitem": op_setitem, "inplace": op_inplace, "select": op_select,
       "loss": op_loss, "functional": op_functional}


# -- leaves ------------------------------------------------------------------------------------------------

def _edge(r, dtype):
    if dtype == "float32":
        return r.choice([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 3e38, -3e38, 1e-45, 1e-40, 1e20, 1.0])
    return r.choice([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 5e-324, 1e-310, 1e200, 1.0])


def _values(r, dtype, n, edge_rate):
    if dtype == "bool":
        return tuple(r.random() < 0.5 for _ in range(n))
    if dtype == "int64":
        return tuple(r.randint(-3, 5) for _ in range(n))
    return tuple(_edge(r, dtype) if r.random() < edge_rate else round(r.gauss(0, 1.5), 2) for _ in range(n))


def _shape(r, base=None):
    if base is not None and r.random() < 0.6:
        # broadcastable with base: a suffix, with some sizes set to 1
        k = r.randint(0, len(base))
        return tuple(1 if r.random() < 0.25 else s for s in base[len(base) - k:])
    nd = r.choice([0, 1, 1, 2, 2, 2, 3])
    return tuple(0 if r.random() < 0.06 else r.choice([1, 2, 2, 3, 3, 4]) for _ in range(nd))


def leaves(r: random.Random):
    edge_rate = 0.0 if r.random() < 0.5 else r.choice([0.1, 0.3])
    main = r.choice(["float32", "float64"]) if r.random() < 0.85 else r.choice(["int64", "bool"])
    out, base = [], None
    for i in range(r.randint(1, 3)):
        shape = _shape(r, base)
        base = base if base is not None else shape
        dtype = main if r.random() < 0.75 else r.choice(["float32", "float64", "int64", "bool"])
        n = int(np.prod(shape)) if shape else 1
        rg = dtype.startswith("float") and r.random() < 0.75
        out.append(Leaf(f"x{i}", dtype, shape, _values(r, dtype, n, edge_rate), rg))
    return out


# -- programs ----------------------------------------------------------------------------------------------

def program(seed: int, families=FAMILIES, keep_error_rate: float = 0.15) -> Program:
    """The program drawn from ``seed``: 3–12 statements from ``families`` (and glue that copies)."""
    r = random.Random(seed)
    ins = leaves(r)
    ns = {"lib": torch, "F": torch.nn.functional, "np": np, "nan": float("nan"), "inf": float("inf")}
    for leaf in ins:
        exec(leaf.source(), ns)
    statements, want, tries = [], r.randint(3, 12), 0
    d = Draw(r, ns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while len(statements) < want and tries < 20 * want:
            tries += 1
            fam = r.choice(families) if r.random() < 0.85 else "glue"
            try:
                expr = op_glue(d) if fam == "glue" else OPS[fam](d)
            except NoCandidate:
                continue
            target = f"v{len(statements)}"
            line = expr if fam in ("setitem", "inplace") else f"{target} = {expr}"
            trial = dict(ns)
            try:
                exec(line, trial)
            except Exception:
                if r.random() >= keep_error_rate:
                    continue
                statements.append(line)
                continue
            if fam not in ("setitem", "inplace") and not isinstance(trial.get(target), torch.Tensor):
                continue
            # an in-place op changes tensors shared with ns, so run it there too (trial shares objects)
            ns.update(trial)
            statements.append(line)
    return Program(tuple(ins), tuple(statements), tuple(families))
