"""The newcomer's path (issue 12, Done-when): every command the README shows, run the README's way.

A clean checkout (``git clone`` of this repository at HEAD) gets a fresh virtual environment with no
access to this machine's packages, the README's install line (``python3 -m pip install -e .``) and
then every command in the README's ``bash`` blocks and inline code, in the clone's folder, with only
the virtual environment's ``python3`` and ``chainrule`` on the path.  Each must exit 0, and the files
they promise must exist.  The files the README leaves to the reader are made from the README itself:
``my_model.py`` is its "Use it like PyTorch" block (a Python file that builds model, criterion,
optimizer, x, y), ``my_answers.txt`` the three lines its ``check`` comment shows; its TOML block is
explained too.  A comment saying a command "needs PyTorch: python3 -m pip install torch" is followed as a
newcomer would: that pip install runs first (for PyTorch, the copy this machine has is linked in instead
when there is one: the same package, without unpacking 700 MB on every run).

Three commands are for developers and are not run here, each for its reason (``DEVELOPER``); the test
fails if the README gains a command it neither runs nor lists.  pip reads its usual configuration and
cache; the install takes a minute or two on a shared machine.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")

INSTALL = "python3 -m pip install -e . && chainrule explain"

#: README commands this test does not run, and why
DEVELOPER = {
    "bash scripts/test.sh": "the test command: it runs the suite this test belongs to",
    "python3 bench/run.py --save": "the benchmark takes minutes and needs the test extra "
                                   "(tests/cli/test_hygiene.py runs it)",
    "bash docs/make_pictures.sh": "rewrites docs/images with Graphviz and Chromium (tests/cli/test_hygiene.py "
                                  "checks its pictures are reproducible)",
}

#: files a command must leave behind (relative to the clone)
PROMISED = {
    "chainrule explain --format html -o solution.html": ["solution.html"],
    "chainrule explain model.toml -o solution.md": ["solution.md"],
    "chainrule draw -o network.svg": ["network.svg"],
    "chainrule draw --lang ko -o network.svg": ["network.svg"],
    "chainrule graph -o graph.svg": ["graph.svg"],
    "chainrule train --dataset moons --out runs/moons": ["runs/moons/metrics.csv", "runs/moons/metrics.json",
                                                         "runs/moons/loss_accuracy.png", "runs/moons/model.safetensors"],
    "chainrule vanishing --depths 2..10 --activations sigmoid,tanh,relu -o vanishing.png": ["vanishing.png"],
}


def readme_blocks(kind: str) -> list[str]:
    text = open(README, encoding="utf-8").read()
    return re.findall(rf"```{kind}\n(.*?)```", text, re.S)


def strip_comment(line: str) -> tuple[str, str]:
    """``"chainrule draw -o n.svg   # the network"`` → ``("chainrule draw -o n.svg", "the network")``."""
    command, _, comment = line.partition("  #")
    return command.strip(), comment.strip().lstrip("#").strip()


def readme_commands() -> list[tuple[str, str]]:
    """(command, its comment) for every line of the README's bash blocks and every inline command."""
    found = []
    for block in readme_blocks("bash"):
        for line in block.splitlines():
            if line.strip():
                found.append(strip_comment(line))
    text = open(README, encoding="utf-8").read()
    for span in re.findall(r"`([^`\n]+)`", text):
        if re.match(r"(chainrule |python3 -m pydoc |python3 bench/|bash )", span) and span not in [c for c, _ in found]:
            found.append((span, ""))
    return found


def test_the_readme_lists_its_commands_as_this_test_reads_them():
    commands = [c for c, _ in readme_commands()]
    assert commands[0] == INSTALL and "bash scripts/test.sh" in commands
    assert set(DEVELOPER) <= set(commands), set(DEVELOPER) - set(commands)
    assert set(PROMISED) <= set(commands), set(PROMISED) - set(commands)
    assert len(commands) >= 15


def _env(venv):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CHAINRULE_")) and k != "PIP_REQUIRE_VIRTUALENV"}
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    env["MPLBACKEND"] = "Agg"
    return env


#: what ``import torch`` and a training step in it load besides NumPy (which the venv has its own of)
TORCH_PARTS = ("torch", "torchgen", "functorch", "typing_extensions", "sympy", "mpmath", "networkx", "jinja2",
               "markupsafe", "filelock", "fsspec")


def _lend_torch(venv, python, env) -> bool:
    """Instead of `pip install torch` (700 MB unpacked, minutes per run), lend the venv the PyTorch this
    machine already has: the same package, linked in after the venv's own site-packages (so nothing the
    README's install put there is shadowed).  False when there is none to lend: then pip installs it."""
    try:
        import torch
    except ImportError:
        return False
    system = os.path.dirname(os.path.dirname(torch.__file__))
    lent = os.path.join(os.path.dirname(venv), "lent-torch")
    os.makedirs(lent, exist_ok=True)
    for name in TORCH_PARTS:
        for candidate in (name, name + ".py"):
            if os.path.exists(os.path.join(system, candidate)):
                os.symlink(os.path.join(system, candidate), os.path.join(lent, candidate))
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env,
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, "lent-torch.pth"), "w") as f:
        f.write(lent + "\n")
    return True


#: README commands that start a server: run until they print their URL, the page is fetched, then Ctrl-C
SERVERS = {"chainrule playground"}


def _serve(line, cwd, env, timeout=120):
    import shlex
    import signal
    import urllib.request
    p = subprocess.Popen(shlex.split(line), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        first = p.stdout.readline()
        assert first.startswith("chainrule playground: http://127.0.0.1:"), (line, first, p.stderr.read())
        page = urllib.request.urlopen(first.split()[2], timeout=timeout).read().decode()
        assert "/static/app.js" in page
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=timeout) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def _run(line, cwd, env, timeout=900):
    done = subprocess.run(["bash", "-c", "set -o pipefail; " + line], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"README command failed ({done.returncode}): {line}\n{done.stdout[-2000:]}\n" \
                                 f"{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_every_readme_command_works_after_the_readme_install(tmp_path):
    if shutil.which("git") is None:
        pytest.fail("git is needed to make a clean checkout")
    clone, venv = str(tmp_path / "chainrule"), str(tmp_path / "venv")
    subprocess.run(["git", "clone", "--quiet", ROOT, clone], check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    env = _env(venv)
    python = os.path.join(venv, "bin", "python3")

    commands = readme_commands()
    install = _run(commands[0][0], clone, env)                  # python3 -m pip install -e . && chainrule explain
    assert "∂L/∂W₅" in install.stdout
    where = subprocess.run([python, "-c", "import chainrule, sys; print(chainrule.__file__, sys.prefix)"], env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(os.path.join(clone, "src")) and venv in where, where   # the clone, in the fresh venv

    # the files the README leaves to the reader, made from the README
    (python_block,) = readme_blocks("python")
    (toml_block,) = readme_blocks("toml")
    with open(os.path.join(clone, "my_model.py"), "w", encoding="utf-8") as f:
        f.write(python_block)
    with open(os.path.join(clone, "readme_block.toml"), "w", encoding="utf-8") as f:
        f.write(toml_block)
    done = _run("chainrule explain readme_block.toml", clone, env)   # the README's TOML model file explains
    assert "W₅(2)" in done.stdout
    check_comment = next(c for cmd, c in commands if cmd == "chainrule check my_answers.txt")
    answers = re.findall(r"([^\s,:]+ = -?[\d.]+)", check_comment)
    with open(os.path.join(clone, "my_answers.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(answers) + "\n")
    assert len(answers) == 3

    done = _run(f"{python} my_model.py", clone, env)             # the "Use it like PyTorch" block runs as shown
    assert "grad_fn=<BinaryCrossEntropyBackward0>" in done.stdout

    ran = []
    for command, comment in commands[1:]:
        if command in DEVELOPER:
            continue
        needs = re.search(r"needs \w+: (python3 -m pip install ([\w\-\[\]=.]+))", comment)
        if needs and not (needs.group(2) == "torch" and _lend_torch(venv, python, env)):
            _run(needs.group(1), clone, env)                  # as the comment tells the reader to
        if command in SERVERS:
            _serve(command, clone, env)
            ran.append(command)
            continue
        done = _run(command, clone, env)
        for path in PROMISED.get(command, []):
            assert os.path.getsize(os.path.join(clone, path)) > 0, (command, path)
        ran.append(command)

    assert "chainrule check my_answers.txt" in ran and "chainrule explain model.toml -o solution.md" in ran
    assert len(ran) + len(DEVELOPER) + 1 == len(commands)    # + the install line
    imported = subprocess.run([python, "-c", "import matplotlib, safetensors, tqdm"], env=env,
                              capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr            # the progress bar, plots, checkpoints: installed
