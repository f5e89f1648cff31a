"""`chainrule check`: a hand-worked solution marked value by value, the post's slips caught."""
from seed_toml import seed_toml

from .helpers import run_cli


def answers(tmp_path, text):
    p = tmp_path / "answers.txt"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_all_correct_exits_zero(tmp_path):
    path = answers(tmp_path, "z1 = 0.6478\nσ3 = 0.4154\ndL/dz3 = 0.4154\n∂L/∂W1 = -0.0162\nW6(2) = -0.1668\n")
    code, out, err = run_cli("check", path)
    assert code == 0, err
    assert out.count("✓") == 5 and "All 5 values are correct" in out


def test_the_posts_slip_is_caught_with_the_missing_factors(tmp_path):
    path = answers(tmp_path, "z1 = 0.6478\ndL/dW1 = -0.0717\nW5(2) = -0.4452\nb3(2) = -0.7196\n")
    code, out, _ = run_cli("check", path)
    assert code == 1
    assert "✗ dL/dW1 = -0.0717: correct value -0.0162" in out
    assert "dL/dσ1 = -0.0717" in out and "dσ1/dz1·dz1/dW1" in out
    assert "✓ b3(2) = -0.7196 (hand-rounded; exact -0.7197)" in out
    assert "First step where the chain went wrong: dL/dW1." in out


def test_the_posts_swapped_table_is_caught(tmp_path):
    path = answers(tmp_path, "W2(2) = 0.1848\nW3(2) = 0.3707\n")
    code, out, _ = run_cli("check", path, "--lang", "ko")
    assert code == 1 and "W3(2) = 0.1848" in out and "정답 0.3707" in out


def test_misuse_exits_two(tmp_path):
    code, _, err = run_cli("check", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err
    code, _, err = run_cli("check", answers(tmp_path, "z1 = zero\n"))
    assert code == 2 and ":1: the value of z1 must be a number" in err


# -- batches, indexed names, and the chain-structure diagnosis ----------------------------------------

BATCH_TOML = seed_toml(x=[[1, 1], [0.5, -1]], y=[[0], [1]], lr=0.5)


def batch_record(tmp_path):
    from chainrule.commands.explain import load_problem
    from chainrule.explain.recorder import record_step
    path = tmp_path / "batch.toml"
    path.write_text(BATCH_TOML)
    return str(path), record_step(*load_problem(str(path)))


def f4(v):
    return f"{v:.4f}"


def test_a_batch_is_checked_per_sample_with_the_explanations_names(tmp_path):
    model, rec = batch_record(tmp_path)
    L1, L2 = rec.layers
    per = rec.loss_fn.per_sample(rec.out, rec.y)
    path = answers(tmp_path, f"z1[2] = {f4(L1.z[1, 0])}\nσ3[1] = {f4(L2.a[0, 0])}\nℓ[2] = {f4(per[1])}\n"
                             f"L = {f4(rec.loss)}\ndℓ[1]/dz3[1] = {f4(L2.dz[0, 0] * 2)}\n"
                             f"∂ℓ[2]/∂W5 = {f4(L2.dz[1, 0] * 2 * L1.a[1, 0])}\n"
                             f"dL/dW5 = {f4(L2.weight_grad[0, 0])}\nW5(2) = {f4(L2.weight_after[0, 0])}\n")
    code, out, err = run_cli("check", path, "--model", model)
    assert code == 0, out + err
    assert "All 8 values are correct" in out


def test_a_batch_gradient_summed_or_from_one_sample_is_named(tmp_path):
    model, rec = batch_record(tmp_path)
    L1, L2 = rec.layers
    terms = [L2.dz[n, 0] * 2 * L1.a[n, 0] for n in range(2)]
    path = answers(tmp_path, f"dL/dW5 = {f4(sum(terms))}\ndL/dW6 = {f4(L2.dz[1, 0] * 2 * L1.a[1, 1])}\n")
    code, out, _ = run_cli("check", path, "--model", model)
    assert code == 1
    assert "that is the sum of the 2 samples' terms; the mean loss divides it by 2" in out
    assert "that is sample 2's term only; the batch gradient is the mean over all 2 samples" in out


def test_the_learning_rate_left_out_of_an_update_is_named(tmp_path):
    model, rec = batch_record(tmp_path)
    L2 = rec.layers[1]
    path = answers(tmp_path, f"W5(2) = {f4(L2.weight[0, 0] - L2.weight_grad[0, 0])}\n"
                             f"b3(2) = {f4(L2.bias[0] + 0.5 * L2.bias_grad[0])}\n")
    code, out, _ = run_cli("check", path, "--model", model)
    assert code == 1
    assert "the learning rate α = 0.5 is missing" in out
    assert "that adds the gradient; the update subtracts it" in out
    code, out, _ = run_cli("check", path, "--model", model, "--lang", "ko")
    assert code == 1 and "학습률 α(= 0.5)가 빠졌습니다" in out   # the particle follows α, whatever the number


def test_indexed_names_in_any_spelling(tmp_path):
    path = answers(tmp_path, "z^(1)_1 = 0.6478\nσ⁽²⁾₁ = 0.4154\nW^{(1)}_{12}(2) = 0.3707\n∂L/∂W⁽²⁾₁₁ = 0.2727\n"
                             "dL/dW_21^(1) = 0.0103\nW_1 = 0.4352\n")
    code, out, err = run_cli("check", path)
    assert "? W_1: not a quantity of this step" in out     # W1 without a time is not a value of the step
    assert "W⁽¹⁾₁₂ in indexed notation; z1[2] for sample 2 of a batch" in out
    assert out.count("✓") == 5, out


def test_a_chain_in_indexed_names_that_stops_early(tmp_path):
    code, out, _ = run_cli("check", answers(tmp_path, "∂L/∂W⁽¹⁾₁₁ = -0.0717\n"))
    assert code == 1
    assert "dL/dσ⁽¹⁾₁ = -0.0717" in out and "·dσ⁽¹⁾₁/dz⁽¹⁾₁·dz⁽¹⁾₁/dW⁽¹⁾₁₁" in out


def test_a_missing_factor_is_named(tmp_path):
    code, out, _ = run_cli("check", answers(tmp_path, "dL/dW5 = 1.1231\n"))      # 1.7107 × 0.6565
    assert code == 1 and "the chain misses the factor dσ3/dz3 = 0.2428" in out


def test_a_factor_that_is_another_quantity_is_named(tmp_path):
    code, out, _ = run_cli("check", answers(tmp_path, "dL/dW5 = 0.4665\n"))      # σ3 used as ∂σ3/∂z3
    assert code == 1
    assert "the product fits if dσ3/dz3 were 0.4154, which is σ3; but dσ3/dz3 = 0.2428" in out


def test_a_wrong_sign_is_named(tmp_path):
    code, out, _ = run_cli("check", answers(tmp_path, "dL/dW5 = -0.2727\nz3 = 0.3415\n"))
    assert code == 1 and out.count("the sign is wrong") == 2


def test_diagnoses_in_korean(tmp_path):
    code, out, _ = run_cli("check", answers(tmp_path, "dL/dW5 = 1.1231\n"), "--lang", "ko")
    assert "연쇄 법칙의 곱에서 dσ3/dz3 = 0.2428 항이 빠졌습니다" in out


def test_cross_entropy_probabilities_per_sample(tmp_path):
    from chainrule.commands.explain import load_problem
    from chainrule.explain.recorder import record_step
    model = tmp_path / "ce.toml"
    model.write_text('layers = [2, 3]\nactivations = ["identity"]\ndtype = "float64"\nx = [[1, 0.5], [-1, 2]]\n'
                     'y = [2, 0]\n[loss]\nname = "cross_entropy"\n')
    rec = record_step(*load_problem(str(model)))
    p = rec.loss_fn.softmax(rec.out)
    path = answers(tmp_path, f"p3[1] = {f4(p[0, 2])}\np1[2] = {f4(p[1, 0])}\np2[2] = {f4(p[1, 0])}\n")
    code, out, _ = run_cli("check", path, "--model", str(model))
    assert code == 1 and out.count("✓") == 2 and f"✗ p2[2] = {f4(p[1, 0])}: correct value {f4(p[1, 1])}" in out
