"""Checkpoints are reproducible: the same state gives the same bytes, whatever the process."""


def test_equal_state_dicts_give_byte_identical_files_across_processes(tmp_path):
    """safetensors orders its header by hash map; chainrule.save sorts it, so checkpoints are reproducible."""
    import hashlib
    import subprocess
    import sys
    script = ("import chainrule as t; from chainrule import nn, optim; t.manual_seed(0); m = nn.Linear(3, 2); "
              "o = optim.Adam(m.parameters()); m(t.ones(1, 3)).sum().backward(); o.step(); "
              "t.save({'model': m.state_dict(), 'optimizer': o.state_dict()}, PATH)")
    digests = []
    for seed in ("1", "2", "3"):
        path = str(tmp_path / f"ckpt{seed}.safetensors")
        env = {**__import__("os").environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script.replace('PATH', repr(path))], check=True, env=env)
        digests.append(hashlib.sha256(open(path, "rb").read()).hexdigest())
    assert len(set(digests)) == 1
