"""Issue 13: ``chainrule vanishing --through-time`` — the gradient reaching each time step of a sequence,
for a plain tanh RNN against an LSTM and a GRU, each number PyTorch's for the same weights and inputs."""
import json

import numpy as np
import pytest
import torch

from chainrule.viz import vanishing


def run_cli(*argv):
    import contextlib
    import io

    from chainrule.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_the_norm_per_time_step_is_pytorchs(kind):
    T, H, B = 12, 8, 5
    ours = vanishing.time_gradient_norms(kind, T, hidden=H, batch=B, seed=3, forget_bias=1.0)
    cell, head, x, target = vanishing.time_setup(kind, T, H, B, 4, 3, 1.0)
    tcell = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind](4, H)
    thead = torch.nn.Linear(H, 1)
    with torch.no_grad():
        for m, tm in ((cell, tcell), (head, thead)):
            for k, v in m.state_dict().items():
                tm.state_dict()[k].copy_(torch.tensor(v.numpy()))
    xt = torch.tensor(x.numpy())
    h, c = torch.zeros(B, H), torch.zeros(B, H)
    states = []
    for t in range(T):
        if kind == "lstm":
            h, c = tcell(xt[t], (h, c))
        else:
            h = tcell(xt[t], h)
        h.retain_grad()
        states.append(h)
    torch.nn.functional.mse_loss(thead(h), torch.tensor(target.numpy())).backward()
    theirs = np.array([float(s.grad.double().norm()) for s in states])
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)


def test_the_lesson_in_time_a_tanh_rnn_loses_the_gradient_an_lstm_keeps_it():
    r = vanishing.time_study([30], ["rnn", "lstm", "gru"], hidden=16, batch=8, seed=0, forget_bias=1.0)
    n = r.norms[("rnn", 30)]
    assert np.all(np.diff(n[:-1]) > 0)            # shrinking step by step going back in time
    assert r.ratio("rnn", 30) < 1e-6
    assert r.ratio("lstm", 30) > 1e3 * r.ratio("rnn", 30)
    assert r.ratio("gru", 30) > r.ratio("rnn", 30)


def test_cli_through_time_prints_the_table_writes_json_and_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    js, png = tmp_path / "t.json", tmp_path / "t.png"
    code, out, err = run_cli("vanishing", "--through-time", "--lengths", "4,8", "--hidden", "8", "--batch", "4",
                             "--forget-bias", "1", "--json", str(js), "-o", str(png))
    assert code == 0, err
    assert "‖∂L/∂h⁽ᵗ⁾‖" in out and "lstm at length 8: step 1 / step T" in out
    data = json.loads(js.read_text())
    row = next(r for r in data["results"] if r["cell"] == "rnn" and r["length"] == 8)
    want = vanishing.time_gradient_norms("rnn", 8, hidden=8, batch=4, seed=0)
    np.testing.assert_allclose(row["grad_norms_per_step"], want, rtol=1e-6)
    assert f"{row['first_over_last']:.2e}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = run_cli("vanishing", "--through-time", "--lengths", "3", "--cells", "rnn", "--hidden", "4",
                           "--batch", "2", "-o", "none", "--lang", "ko")
    assert code == 0 and "길이 3: 1단계 / T단계" in out


def test_bad_cells_and_lengths_are_refused():
    with pytest.raises(ValueError, match="unknown cell 'lstn'"):
        vanishing.time_study([3], ["lstn"])
    with pytest.raises(ValueError, match="sequence length must be at least 1"):
        vanishing.time_gradient_norms("rnn", 0)
    for argv, msg in ((["--cells", ","], "--cells needs at least one name"),
                      (["--cells", "rnn,lstn"], "--cells: unknown cell 'lstn'"),
                      (["--hidden", "0"], "--hidden and --batch must be at least 1"),
                      (["--lengths", "a..b"], "cannot read lengths")):
        code, out, err = run_cli("vanishing", "--through-time", "-o", "none", *argv)
        assert code == 2 and msg in err and "Traceback" not in err, (argv, err)
