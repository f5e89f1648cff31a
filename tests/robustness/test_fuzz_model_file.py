"""Fuzz the TOML model-file parser: whatever the file holds, the only error is ``ModelFileError``.

Three sources of files: documents drawn field by field (right keys, wrong values), the seed's model file
with one field replaced, and the seed's file with bytes mutated.  A parse either gives a model that can
run one forward pass, or a one-line ``ModelFileError`` naming the file; never a traceback from inside.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from chainrule.explain.model_file import ModelFileError, load_model_file
from seed_toml import seed_toml

from .fuzzing import fuzz_settings, toml_document, values

SEED_TOML = seed_toml(seed=3, reduction="mean", lr=1, momentum=0.5)
FIELDS = ["layers", "activations", "dtype", "seed", "x", "y", "init", "loss", "optimizer"]


def parse(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "model.toml"
    path.write_bytes(data)
    try:
        m = load_model_file(str(path))
    except ModelFileError as e:
        message = str(e)
        assert message.startswith(str(path)), message
        assert "\n" not in message and len(message) < 600, message
        return None
    out = m.model(m.x)                                       # a parsed model runs
    assert out.shape[0] == m.x.shape[0]
    assert np.isfinite(m.x.numpy()).all()
    return m


def test_the_seed_model_file_parses(tmp_path_factory):
    m = parse(tmp_path_factory, SEED_TOML.encode())
    assert m is not None and m.model[0].weight.tolist()[0] == [0.4352, 0.3545]


@fuzz_settings(120)
@given(doc=st.dictionaries(st.sampled_from(FIELDS), values, max_size=9))
def test_fuzz_documents_of_the_right_keys_with_any_values(tmp_path_factory, doc):
    parse(tmp_path_factory, toml_document(doc).encode())


@fuzz_settings(150)
@given(field=st.sampled_from(FIELDS + ["init.weights", "init.biases", "loss.name", "loss.reduction",
                                       "optimizer.name", "optimizer.lr", "optimizer.momentum"]),
       value=values)
def test_fuzz_the_seed_file_with_one_field_replaced(tmp_path_factory, field, value):
    import tomllib
    from .fuzzing import toml_value
    doc = tomllib.loads(SEED_TOML)
    table, _, key = field.rpartition(".")
    (doc[table] if table else doc)[key] = value
    text = "".join(f"{k} = {toml_value(v)}\n" for k, v in doc.items())
    parse(tmp_path_factory, text.encode())


@fuzz_settings(200)
@given(edits=st.lists(st.tuples(st.integers(0, len(SEED_TOML)), st.integers(0, 3),
                                st.binary(min_size=0, max_size=3) | st.sampled_from(
                                    [b"[", b"]", b"=", b'"', b"\n", b",", b"-", b"9" * 30, b"nan", b"\xff"])),
                      min_size=1, max_size=4))
def test_fuzz_mutated_bytes_of_the_seed_file(tmp_path_factory, edits):
    data = bytearray(SEED_TOML.encode())
    for at, delete, insert in edits:
        at = min(at, len(data))
        data[at:at + delete] = insert
    parse(tmp_path_factory, bytes(data))


@pytest.mark.parametrize("text,words", [
    ('layers = [2, 20000000, 1]\nx = [[1, 1]]\ny = [[0]]\n', "declares 80,000,001 parameters; a model file may"),
    ('layers = [2, 1]\nx = 5\ny = [[0]]\n', "field 'x' must list the inputs"),
    ('layers = [2, 1]\nx = [[nan, 1]]\ny = [[0]]\n', "field 'x' holds a value that is not a finite number"),
    ('layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\nloss = 3\n', "'loss' must be a table such as [loss]"),
    ('layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\noptimizer = [1]\n', "'optimizer' must be a table"),
    ('layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\nseed = -1\n', "field 'seed' must be a non-negative integer"),
    ('layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\n[optimizer]\nname = "sgd"\nlr = inf\n', "'optimizer.lr' must be"),
    ('layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\n[optimizer]\nname = "sgd"\nlr = 1\nmomentum = nan\n',
     "'optimizer.momentum' must be a finite number"),
    ('layers = [2, 1]\nx = [[1, 1]]\ny = [[0]]\n[optimizer]\nname = "adam"\nlr = 1\nbetas = [0.9, "a"]\n',
     "'optimizer.betas' must be a finite number pair"),
    ("a = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
])
def test_fuzz_findings_are_named_errors(tmp_path, text, words):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ModelFileError) as info:
        load_model_file(str(path))
    assert words in str(info.value)


def test_a_model_file_that_is_not_utf8_or_is_a_folder(tmp_path):
    path = tmp_path / "m.toml"
    path.write_bytes(b'layers = [2, 1]\n# caf\xe9\n')
    with pytest.raises(ModelFileError, match=r"m\.toml:2: not UTF-8 text"):
        load_model_file(str(path))
    py = tmp_path / "m.py"
    py.write_bytes(b"x = 1\n\x00\n")
    with pytest.raises(ModelFileError, match="syntax error"):
        load_model_file(str(py))
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(ModelFileError, match="is a folder, not a model file"):
        load_model_file(str(tmp_path / "dir.toml"))
