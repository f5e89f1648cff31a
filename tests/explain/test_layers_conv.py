"""Issue 13, explained: convolution as sliding windows and pooling routes, every printed number PyTorch's.

Done-when: a 1-channel 4×4 input with a 2×2 kernel (stride 1), a 2×2 max-pool and a Linear, one SGD
step, every product printed and checked; a stride-2, padding-1 convolution (its ∂L/∂x as the full
convolution with the flipped kernel); average pooling sharing its gradient.  The same step runs in
PyTorch from the same weights; the text's numbers are read back and compared at the decimals shown.
"""
import re

import numpy as np
import pytest
import torch

import chainrule
from chainrule.explain import explain_step

from .layers_text import close, equations, find, matrix, num, products, value

RNG = np.random.default_rng(13)


class Twin:
    """The same small CNN in chainrule and PyTorch: ``convs`` (in, out, k, stride, padding), a pool, a Linear."""

    def __init__(self, convs, pool, n_in, x):
        self.specs = convs
        self.weights = [(RNG.normal(0, 0.5, (o, i, k, k)), RNG.normal(0, 0.2, o)) for i, o, k, _, _ in convs]
        self.fc = (RNG.normal(0, 0.5, (1, n_in)), RNG.normal(0, 0.2, 1))
        self.pool = pool
        self.x = x

    def build(self, lib):
        layers = []
        for (i, o, k, s, p), (W, b) in zip(self.specs, self.weights):
            c = lib.nn.Conv2d(i, o, k, stride=s, padding=p).double()
            with lib.no_grad():
                c.weight.copy_(lib.tensor(W))
                c.bias.copy_(lib.tensor(b))
            layers.append(c)
        if self.pool:
            layers.append(getattr(lib.nn, self.pool)(2))
        fc = lib.nn.Linear(self.fc[0].shape[1], 1).double()
        with lib.no_grad():
            fc.weight.copy_(lib.tensor(self.fc[0]))
            fc.bias.copy_(lib.tensor(self.fc[1]))
        return lib.nn.Sequential(*layers, lib.nn.Flatten(), fc)

    def run(self, y=0.7, lr=0.1):
        cm = self.build(chainrule)
        target = np.full((self.x.shape[0], 1), y)
        sol = explain_step(cm, chainrule.nn.MSELoss(), chainrule.optim.SGD(cm.parameters(), lr=lr),
                           chainrule.tensor(self.x), chainrule.tensor(target))
        tm = self.build(torch)
        acts = []
        h = torch.tensor(self.x)
        for m in tm:
            h = m(h)
            h.retain_grad()
            acts.append(h)
        loss = torch.nn.functional.mse_loss(h, torch.tensor(target))
        loss.backward()
        grads = {n: p.grad.numpy().copy() for n, p in tm.named_parameters()}
        with torch.no_grad():
            after = {n: (p - lr * p.grad).numpy() for n, p in tm.named_parameters()}
        return sol, {"acts": [a.detach().numpy() for a in acts], "agrads": [a.grad.numpy() for a in acts],
                     "grads": grads, "after": after, "loss": float(loss.detach()), "model": tm}


def _idx(s):
    return tuple(int(i) for i in s.split(","))


def _check_window_sums(text, out_name, W, b, x_of, z):
    """Every ``out[i,j] = W[p,q]·x[r,s] + … + b`` line: the symbols' numbers and the value are PyTorch's."""
    eqs = [(lhs, rows) for lhs, rows in equations(text) if re.fullmatch(re.escape(out_name) + r"\[[\d,]+\]", lhs)]
    assert eqs, f"no worked window sums for {out_name}"
    for lhs, rows in eqs:
        idx = _idx(lhs[len(out_name) + 1:-1])
        syms = re.findall(r"(W\S*?)\[([\d,]+)\]·(?:(\S+?)\[([\d,]+)\]|0)", rows[0])
        pairs = products(rows[1])
        assert len(syms) == len(pairs) and pairs, (lhs, rows)
        for (wname, widx, xname, xidx), (a, c) in zip(syms, pairs):
            assert close(a, W[_idx(widx)]), (lhs, widx, a)
            assert close(c, x_of(_idx(xidx)) if xidx else 0.0), (lhs, xidx, c)
        bias = num(rows[1].rsplit(" ", 1)[-1]) * (-1 if rows[1].rsplit(" ", 2)[-2] in ("−", "-") else 1)
        assert close(bias, b)
        assert close(value(rows), z[idx]), (lhs, value(rows), z[idx])
        # the printed products add up to the printed value (within the rounding of the terms)
        assert abs(sum(a * c for a, c in pairs) + bias - value(rows)) <= 1e-4 * (len(pairs) + 1)
    return eqs


def test_a_4x4_input_2x2_kernel_max_pool_and_linear_every_product_is_pytorchs():
    x = RNG.normal(0, 1, (1, 1, 4, 4)).round(2)
    tw = Twin([(1, 1, 2, 1, 0)], "MaxPool2d", 1, x)
    sol, t = tw.run()
    text = sol.render("text")
    W, b = tw.weights[0]
    z = t["acts"][0][0, 0]
    # forward: all nine windows, each Σ W[p,q]·x[i+p, j+q] + b with PyTorch's numbers
    eqs = _check_window_sums(text, "h₀", W[0, 0], b[0], lambda ix: x[0, 0][ix], z)
    assert len(eqs) == 9
    # max pooling: the window's four numbers, its maximum, and the winner of the backward table
    rows = find(text, "h₁[0,0]")[0]
    assert rows[0] == "max(h₀[0,0], h₀[0,1], h₀[1,0], h₀[1,1])"
    nums = [num(s) for s in re.findall(r"[−-]?\d+\.\d+", rows[1])]
    assert all(close(a, e) for a, e in zip(nums, z[:2, :2].ravel()))
    _, ind = torch.nn.functional.max_pool2d(torch.tensor(t["acts"][0]), 2, return_indices=True)
    r, c = divmod(int(ind.reshape(-1)[0]), 3)
    table = text[text.index("Max pooling routes"):]
    line = next(ln for ln in table.splitlines() if ln.strip().startswith("h₁[0,0]"))
    assert f"h₀[{r},{c}]" in line
    assert close(num(line.split()[-1]), t["agrads"][1].reshape(-1)[0])
    # backward: ∂L/∂W[p,q] = Σ g[i,j]·x[i+p, j+q] over the nine positions, g and x PyTorch's
    g = t["agrads"][0][0, 0]
    for p, q in np.ndindex(2, 2):
        rows = find(text, f"∂L/∂W₀[{p},{q}]")[0]
        pairs = products(rows[1])
        assert len(pairs) == 9
        for (gv, xv), (i, j) in zip(pairs, np.ndindex(3, 3)):
            assert close(gv, g[i, j]) and close(xv, x[0, 0, i + p, j + q])
        assert close(value(rows), t["grads"]["0.weight"][0, 0, p, q])
    assert close(value(find(text, "∂L/∂b₀[0]")[0]), t["grads"]["0.bias"][0])
    # the update: every parameter after the step is PyTorch's
    for p, q in np.ndindex(2, 2):
        assert close(value(find(text, f"W₀[0,0,{p},{q}](2)")[0]), t["after"]["0.weight"][0, 0, p, q])
    assert close(value(find(text, "L")[0]), t["loss"])


def test_stride_2_padding_1_windows_and_the_input_gradient_as_the_flipped_kernels_full_convolution():
    x = RNG.normal(0, 1, (1, 1, 5, 5)).round(2)
    tw = Twin([(1, 1, 2, 1, 0), (1, 1, 3, 2, 1)], None, 4, x)
    sol, t = tw.run()
    text = sol.render("text")
    W2, b2 = tw.weights[1]
    h0 = t["acts"][0][0, 0]                       # 4×4, the second convolution's input
    assert "stride 2, padding 1" in text
    pad = matrix(find(text, "h^pad₀")[0][0])
    assert pad.shape == (6, 6) and np.all(pad[0] == 0) and np.allclose(pad[1:5, 1:5], h0, atol=5e-5)
    eqs = _check_window_sums(text, "h₁", W2[0, 0], b2[0], lambda ix: h0[ix], t["acts"][1][0, 0])
    assert len(eqs) == 4
    assert "W₁[0,0]·0" in find(text, "h₁[0,0]")[0][0]          # the window reaching into the padding
    # ∂L/∂h₀: g spread by the stride, padded, and the kernel turned by 180°
    flip = matrix(find(text, "W^flip₁")[0][0])
    assert np.allclose(flip, W2[0, 0, ::-1, ::-1], atol=5e-5)
    gfull = matrix(find(text, "g^full")[0][0])
    g = t["agrads"][1][0, 0]
    assert gfull.shape == (7, 7) and np.allclose(gfull[2:5:2, 2:5:2], g, atol=5e-5)
    assert np.count_nonzero(gfull) == np.count_nonzero(g)
    dx = t["agrads"][0][0, 0]
    for r, c in np.ndindex(4, 4):
        rows = find(text, f"∂L/∂h₀[{r},{c}]")[0]
        pairs = products(rows[1])
        assert len(pairs) == 9
        for (gv, wv), (p, q) in zip(pairs, np.ndindex(3, 3)):
            assert close(gv, gfull[r + 1 + p, c + 1 + q]) and close(wv, W2[0, 0, 2 - p, 2 - q])
        assert close(value(rows), dx[r, c]), (r, c)


def test_average_pooling_shares_each_gradient_over_its_window():
    x = RNG.normal(0, 1, (1, 1, 5, 5)).round(2)
    tw = Twin([(1, 1, 2, 1, 0)], "AvgPool2d", 4, x)
    sol, t = tw.run()
    text = sol.render("text")
    z = t["acts"][0][0, 0]
    rows = find(text, "h₁[0,1]")[0]
    assert rows[0] == "(h₀[0,2] + h₀[0,3] + h₀[1,2] + h₀[1,3]) / 4"
    assert close(value(rows), z[0:2, 2:4].mean())
    table = text[text.index("Average pooling shares"):]
    g = t["agrads"][1].reshape(-1)
    for k, (i, j) in enumerate(np.ndindex(2, 2)):
        line = next(ln for ln in table.splitlines() if ln.strip().startswith(f"h₁[{i},{j}]"))
        cells = line.split()
        assert close(num(cells[1]), g[k]) and cells[2] == "4" and close(num(cells[-1]), g[k] / 4)


def test_a_large_convolution_works_one_chosen_entry_per_sum_and_says_so():
    x = RNG.normal(0, 1, (2, 3, 8, 8))
    tw = Twin([(3, 4, 3, 1, 1)], "MaxPool2d", 64, x)
    sol, t = tw.run()
    text = sol.render("text")
    assert "One entry," in text and "worked in full" in text
    lhs = next(l for l, _ in equations(text) if re.fullmatch(r"h₀\[\d,\d,\d,\d\]", l))
    n, o, i, j = _idx(lhs[3:-1])
    rows = find(text, lhs)[0]
    assert rows[0] == "s₀ + s₁ + s₂ + b₀[%d]" % o               # the sum over the 3 input channels
    assert close(value(rows), t["acts"][0][n, o, i, j])
    s0 = find(text, "s₀")[0]
    assert len(products(s0[1])) == 9
    want = sum(tw.weights[0][0][o, 0, p, q] * np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))[n, 0, i + p, j + q]
               for p, q in np.ndindex(3, 3))
    assert close(value(s0), want)
    dw = next(l for l, _ in equations(text) if re.fullmatch(r"∂L/∂W₀\[\d,\d,\d,\d\]", l))
    assert close(value(find(text, dw)[0]), t["grads"]["0.weight"][_idx(dw[7:-1])])


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_and_language_carries_the_window_sums(fmt, lang):
    x = RNG.normal(0, 1, (1, 1, 4, 4)).round(2)
    sol, t = Twin([(1, 1, 2, 1, 0)], "MaxPool2d", 1, x).run()
    out = sol.render(fmt, lang=lang)
    words = {"en": ("Convolution: each entry", "Max pooling routes"),
             "ko": ("합성곱: ", "최대 풀링은 기울기")}[lang]
    for w in words:
        assert w in out
    for v in t["acts"][0].ravel():          # every window's value, as this format writes numbers
        assert f"{abs(v):.4f}" in out


def test_the_html_page_steps_the_kernel_window_over_the_input_grid():
    import json
    x = RNG.normal(0, 1, (1, 1, 4, 4)).round(2)
    tw = Twin([(1, 1, 2, 1, 0), (1, 1, 3, 2, 1)], None, 4, np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1))))
    sol, t = tw.run()
    for lang, words in (("en", "Convolution step by step"), ("ko", "합성곱 한 걸음씩")):
        page = sol.render("html", lang=lang)
        assert page.count('<figure class="conv-step">') == 2 and words in page
    figs = page.split('<figure class="conv-step">')[1:]
    for fig, (W, b), z, inp, (_, _, k, s, p) in zip(figs, tw.weights, t["acts"], [tw.x] + t["acts"][:1], tw.specs):
        data = json.loads(re.search(r'<script type="application/json">(.*?)</script>', fig).group(1))
        oh, ow = z.shape[2:]
        assert [w["out"] for w in data["windows"]] == [[i, j] for i in range(oh) for j in range(ow)]
        grid = np.pad(inp[0, 0], p)
        cells = re.search(r'<table class="in">(.*?)</table>', fig).group(1)
        assert cells.count("<td") == grid.size and cells.count("class=pad") == grid.size - inp[0, 0].size
        for w in data["windows"]:
            i, j = w["out"]
            assert w["cells"] == [[i * s + a, j * s + c] for a in range(k) for c in range(k)]
            terms = re.findall(r"([−-]?\d+\.\d+)×([−-]?\d+\.\d+)", w["sum"])
            assert len(terms) == k * k
            for (wv, xv), (a, c) in zip(terms, np.ndindex(k, k)):
                assert close(num(wv), W[0, 0, a, c]) and close(num(xv), grid[i * s + a, j * s + c])
            assert close(num(w["sum"].rsplit("= ", 1)[1]), z[0, 0, i, j])
    assert "ArrowRight" in page and 'class="next"' in page


def test_batch_norm_over_images_lists_each_channels_statistics_and_works_one_entry():
    x = RNG.normal(0, 1, (2, 1, 4, 4))
    W, b = RNG.normal(0, 0.5, (2, 1, 2, 2)), RNG.normal(0, 0.2, 2)
    fw, fb = RNG.normal(0, 0.3, (1, 18)), RNG.normal(0, 0.2, 1)

    def build(lib):
        conv, fc = lib.nn.Conv2d(1, 2, 2).double(), lib.nn.Linear(18, 1).double()
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(W))
            conv.bias.copy_(lib.tensor(b))
            fc.weight.copy_(lib.tensor(fw))
            fc.bias.copy_(lib.tensor(fb))
        return lib.nn.Sequential(conv, lib.nn.BatchNorm2d(2).double(), lib.nn.ReLU(), lib.nn.Flatten(), fc)
    cm = build(chainrule)
    y = np.array([[1.0], [0.0]])
    text = explain_step(cm, chainrule.nn.MSELoss(), chainrule.optim.SGD(cm.parameters(), lr=0.1),
                        chainrule.tensor(x), chainrule.tensor(y)).render("text")
    tm = build(torch)
    h = tm[0](torch.tensor(x))
    h.retain_grad()
    out = tm[1](h)
    out.retain_grad()
    torch.nn.functional.mse_loss(tm[4](tm[3](tm[2](out))), torch.tensor(y)).backward()
    H = h.detach().numpy()
    mu, var = H.mean(axis=(0, 2, 3)), H.var(axis=(0, 2, 3))
    assert "taken over the 18 values of that channel" in text
    table = text[text.index("Batch norm over images"):]
    for c in range(2):
        cells = next(ln for ln in table.splitlines() if ln.strip().startswith(f"{c} ")).split()
        assert close(num(cells[1]), mu[c]) and close(num(cells[2]), 1 / np.sqrt(var[c] + 1e-5))
    lhs = next(l for l, _ in equations(text) if re.fullmatch(r"h₁\[\d,\d,\d,\d\]", l))
    assert close(value(find(text, lhs)[0]), out.detach().numpy()[_idx(lhs[3:-1])])
    assert "Through batch norm with batch statistics" in text
    assert close(value(find(text, "∂L/∂b₀[1]")[0]), tm[0].bias.grad.numpy()[1])
