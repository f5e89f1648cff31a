"""The README's TOML model file is the lecture's network: `chainrule explain` on it works the same step."""
import pathlib
import re

from .helpers import run_cli

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_toml_model_file_explains_the_lecture_step(tmp_path):
    block = re.search(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    path = tmp_path / "model.toml"
    path.write_text(block, encoding="utf-8")
    code, out, err = run_cli("explain", str(path))
    assert code == 0, err
    assert "= -0.1725 - 1 × 0.2727\n          = -0.4452" in out      # W5(2), as in the README's excerpt
    assert "= -0.7197" in out                                        # b3(2)
