"""How formulas are typeset, in every format: signs in sums, powers of indexed symbols, fences,
nested subscripts.  (What Chromium makes of the MathML is in tests/browser/test_static_html.py.)"""
import re

import pytest

import chainrule
from chainrule import nn, optim
from chainrule.explain import explain_step
from chainrule.explain import derivation as D
from chainrule.explain.render import html, latex_math, render, text
from chainrule.explain.locale import messages

T, TEX, MML = text.TextMath(4), latex_math.LatexMath(4), html.MathML(4)
a = D.Sym("a", sub="2")


def test_a_sum_whose_term_starts_with_a_negative_number_writes_one_minus():
    e = D.Add((D.Mul((D.Num(0.5), D.Num(0.25)), "times"), D.Mul((D.Num(-1.1082), D.Num(0.4154)), "times"),
               D.Num(-0.3), D.Neg(a)))
    assert T(e) == "0.5000 × 0.2500 - 1.1082 × 0.4154 - 0.3000 - a₂"
    assert TEX(e) == r"0.5000 \times 0.2500 - 1.1082 \times 0.4154 - 0.3000 - {a}_{2}"
    assert "<mo>+</mo>" not in MML(e) and MML(e).count("<mo>-</mo>") == 3


def test_subtracting_a_negative_term_parenthesises_it():
    e = D.Sub(a, D.Mul((D.Num(-2.0), a), "juxt"))
    assert T(e) == "a₂ - (-2.0000a₂)"
    assert TEX(e) == "{a}_{2} - (-2.0000 {a}_{2})"


def test_a_power_of_a_symbol_with_a_sample_index_is_parenthesised():
    e = D.Pow(D.Sym("a", sub="2", sample=3), D.Num(2, integer=True))
    assert T(e) == "(a₂[3])²"
    assert TEX(e) == "{({a}_{2}^{[3]})}^{2}"
    assert MML(e).startswith('<msup><mrow><mo stretchy="false">(</mo>')
    assert T(D.Pow(a, D.Num(2, integer=True))) == "a₂²"          # a plain symbol needs none


def test_parentheses_stretch_only_around_tall_content():
    yhat = D.Sym("y", hat=True)
    one_line = D.Func("log", (yhat,))
    assert TEX(one_line) == r"\log({\hat{y}})"
    assert 'stretchy="false"' in MML(one_line)
    tall = D.Paren(D.Frac(D.Num(1, integer=True), yhat))
    assert TEX(tall).startswith(r"\left(") and 'stretchy="false"' not in MML(tall)


def test_an_optimiser_state_has_the_parameter_as_a_nested_subscript():
    m = D.Sym("m", sub=D.Sym("W", sub="7"), time=2)
    assert TEX(m) == "{m}_{{W}_{7}}(2)"
    assert MML(m).startswith("<mrow><msub><mi>m</mi><msub><mi>W</mi><mn>7</mn></msub></msub>")
    assert T(m) == "m_W₇(2)"


def _batch_adam_solution():
    chainrule.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    model[0].weight.data = chainrule.tensor([[-1.1082, 0.3], [0.5, -0.2]])
    model[0].bias.data = chainrule.tensor([0.25, -0.1084])   # a negative bias: printed "- 0.1084", never "+ -"
    return explain_step(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.1),
                        chainrule.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 1.0]]),
                        chainrule.tensor([[0.5], [-0.5], [1.0]]))


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
def test_whole_solutions_never_write_plus_minus_or_stacked_powers(fmt):
    from chainrule.commands.explain import load_problem
    sols = [explain_step(*load_problem(None)), _batch_adam_solution()]
    for sol in sols:
        out = render(sol.derivation, fmt, messages("en"))
        assert not re.search(r"\+\s*-(?!>)", out)
        assert "<mo>+</mo><mn>-" not in out
        assert "]}}^{2}" not in out and "]²" not in out.replace(")²", "")
    md = sols[1].render("markdown")
    assert r"{m}_{{W}_{1}}" in md and r"{v}_{{W}_{6}}" in md
    assert "z₂[1] = 0.5000 × 1 - 0.2000 × 2 - 0.1084" in str(sols[1])


def test_the_bce_formula_uses_text_sized_parentheses():
    from chainrule.commands.explain import load_problem
    md = explain_step(*load_problem(None)).render("markdown")
    assert r"\log({\hat{y}})" in md and r"\left({\hat{y}}" not in md


def test_hand_results_show_the_exact_value_beside_the_dagger():
    from chainrule.commands.explain import load_problem
    sol = explain_step(*load_problem(None), hand=True)
    assert "b₃(2) = b₃(1) - α·∂L/∂b₃(1)" in str(sol) and "= -0.7196† (exact -0.7197)" in str(sol)
    assert "= -0.7196† (정확한 값 -0.7197)" in sol.render("text", lang="ko")
    assert r"-0.7196^{\dagger}\ (\text{exact}\ -0.7197)" in sol.render("markdown")
    assert r"-0.7196^{\dagger}\ (\text{exact}\ -0.7197)" in sol.render("latex")
    page = sol.render("html")
    static = render(sol.derivation, "html", messages("en"))
    for html_out in (page, static):
        assert "<mtext>&#xA0;(exact&#xA0;</mtext><mn>-0.7197</mn>" in html_out
    # inside a product the mark stays bare (its exact value is beside the result that computed it)
    assert "= 1.7106† × 0.2428 × 0.6565" in str(sol)
    plain = explain_step(*load_problem(None))
    assert "exact" not in str(plain).split("Numbering")[1] and "†" not in str(plain)


def test_a_value_too_small_for_the_decimals_is_carried_with_significant_digits():
    from chainrule.explain.render.numbers import carried
    assert carried(-0.71973, 4) == -0.7197
    assert carried(3.14159e-6, 4) == 3.1416e-06           # written 3.1416×10⁻⁶, so carried as such
    assert carried(0.0, 4) == 0.0


def test_adam_by_hand_keeps_its_tiny_second_moments():
    """At 4 decimals Adam's v (≈ g²/1000) would round to 0 and √v̂ + ε explode the step; carried with
    4 significant digits, every hand-computed update stays within half a learning rate of the exact one
    (gradients of 0.0014 keep only two digits at 4 decimals; rounded to 0.0000, v made steps of 1000)."""
    sol = explain_step(*_adam_problem(), hand=True)
    updates = [b.rows[-1] for s in sol.derivation.sections for b in s.blocks
               if isinstance(b, D.Equation) and isinstance(b.lhs, D.Sym) and b.lhs.base in ("W", "b")
               and b.lhs.time == 2]
    assert len(updates) == 9
    for n in updates:
        assert abs(n.value - (n.value if n.exact is None else n.exact)) <= 5e-3, n
    md = sol.render("markdown")
    assert r"\times 10^{-" in md and r"}^{\dagger}" in md and r"}^{\dagger}^" not in md


def _adam_problem():
    chainrule.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)).to(chainrule.float64)
    x = chainrule.tensor([[0.3, -0.2], [0.1, 0.4]], dtype=chainrule.float64)
    y = chainrule.tensor([[0.05], [-0.02]], dtype=chainrule.float64)
    return model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), x, y


def test_hand_values_of_a_whole_array_are_each_elements_carried_value():
    """``carried_array`` (the --hand builder's rounding of whole layers) writes down what ``carried``
    writes for every element: half away from zero, the sign of −0, scientific form below ½·10⁻ᴰ."""
    import numpy as np
    from chainrule.explain.render.numbers import carried, carried_array
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.normal(size=2000) * 10.0 ** rng.integers(-12, 6, 2000),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-5, -5e-5, 1.5e-4, 0.00125, -2.5]])
    for d in (0, 2, 4, 6):
        one_by_one = np.array([carried(v, d) for v in a])
        whole = carried_array(a, d)
        assert np.array_equal(one_by_one, whole, equal_nan=True), d
        assert np.array_equal(np.signbit(one_by_one), np.signbit(whole)), d
