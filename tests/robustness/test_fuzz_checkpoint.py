"""Fuzz the checkpoint loader with files whose header is valid JSON but whose contents lie.

tests/io/test_load_rejects.py flips random bytes (mostly breaking the JSON); this target keeps the
header parseable and replaces one field — a tensor's dtype, shape or offsets, a metadata entry, or a
node of chainrule's structure metadata — with any JSON value.  ``chainrule.load`` must return a dict
or raise ``SafetensorsFileError``; nothing else, and nothing is executed.
"""
from __future__ import annotations

import io
import json
import struct

from hypothesis import given, strategies as st

import chainrule
from chainrule.io import SafetensorsFileError, loads

from .fuzzing import fuzz_settings


def _valid():
    buf = io.BytesIO()
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.Adam([w])
    (w * w).sum().backward()
    opt.step()
    chainrule.save({"model": {"w": chainrule.arange(6).float().reshape(2, 3), "mask": chainrule.tensor([True, False])},
                    "opt": opt.state_dict(), "note": "hi", "epoch": 3}, buf)
    raw = buf.getvalue()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


HEADER, DATA = _valid()
STRUCTURE = json.loads(HEADER["__metadata__"]["chainrule.structure"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["F32", "F64", "I64", "BOOL", "BF16", "$tensor", "$dict", "$tuple", "model.w", "opt.state.0.step"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=6) | st.sampled_from(["$tensor", "$dict", "$tuple", "$list", "dtype", "shape"]), inner,
        max_size=3),
    max_leaves=10)


def _paths(node, at=()):
    """Every (path) into a JSON tree, so one node can be replaced."""
    yield at
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, at + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, at + (i,))


def _replace(tree, path, value):
    if not path:
        return value
    tree = json.loads(json.dumps(tree))
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


HEADER_PATHS = [p for p in _paths(HEADER) if p[:2] != ("__metadata__", "chainrule.structure")]
STRUCTURE_PATHS = list(_paths(STRUCTURE))


def _load(header: dict, data: bytes = DATA):
    h = json.dumps(header).encode()
    blob = struct.pack("<Q", len(h)) + h + data
    try:
        out = loads(blob, "fuzz.safetensors")
    except SafetensorsFileError as e:
        assert str(e).startswith("fuzz.safetensors: "), e
        return None
    _assert_plain(out)
    return out


def _assert_plain(value):
    """What a checkpoint may hold: tensors, numbers, strings, None, and dicts/lists/tuples of them."""
    if isinstance(value, dict):
        assert all(isinstance(k, (str, int)) for k in value)
        for v in value.values():
            _assert_plain(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _assert_plain(v)
    else:
        assert value is None or isinstance(value, (bool, int, float, str, chainrule.Tensor)), type(value)


def test_the_unmodified_file_loads():
    out = _load(HEADER)
    assert out["model"]["w"].tolist() == [[0, 1, 2], [3, 4, 5]] and out["epoch"] == 3


@fuzz_settings(150)
@given(path=st.sampled_from(HEADER_PATHS), value=json_values)
def test_fuzz_one_header_field_replaced(path, value):
    _load(_replace(HEADER, path, value))


@fuzz_settings(150)
@given(path=st.sampled_from(STRUCTURE_PATHS), value=json_values)
def test_fuzz_one_node_of_the_structure_metadata_replaced(path, value):
    header = json.loads(json.dumps(HEADER))
    header["__metadata__"]["chainrule.structure"] = json.dumps(_replace(STRUCTURE, path, value))
    _load(header)


@fuzz_settings(60)
@given(keep=st.lists(st.sampled_from(sorted(HEADER)), unique=True), extra=st.binary(max_size=16))
def test_fuzz_tensors_dropped_and_bytes_added(keep, extra):
    _load({k: HEADER[k] for k in keep}, DATA + extra)
