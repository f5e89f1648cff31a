"""chainrule.load refuses files that are not what they claim: each case gets a message naming the file
and the problem, nothing is executed, and nothing else is touched.  A fuzz property closes the list."""
from __future__ import annotations

import json
import os
import pickle
import struct

import numpy as np
import pytest
import torch
import safetensors.numpy as st_numpy
import safetensors.torch as st_torch
from hypothesis import given, settings, strategies as st

import chainrule
from chainrule.io import SafetensorsFileError, loads


def _valid_bytes():
    buf = __import__("io").BytesIO()
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.Adam([w])
    (w * w).sum().backward()
    opt.step()
    chainrule.save({"model": {"w": chainrule.arange(6).float().reshape(2, 3), "mask": chainrule.tensor([True, False])},
                    "opt": opt.state_dict()}, buf)
    return buf.getvalue()


VALID = _valid_bytes()


def _file(tmp_path, data: bytes, name="bad.safetensors"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _raw(header: dict, data: bytes = b"") -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def _rejects(tmp_path, data, match):
    path = _file(tmp_path, data)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(SafetensorsFileError, match=match) as info:
        chainrule.load(path)
    assert str(path) in str(info.value)           # the message names the file
    assert sorted(os.listdir(tmp_path)) == before and path.read_bytes() == data    # nothing touched
    return info


class _Payload:
    """Unpickling this would create a file: the proof that loading ran code."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_pickle_is_rejected_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"w": _Payload(str(marker))}, protocol=4)
    _rejects(tmp_path, data, "Python pickle.*never unpickles")
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_every_pickle_protocol_is_recognised(tmp_path, protocol):
    _rejects(tmp_path, pickle.dumps({"a": 1}, protocol=protocol), f"pickle \\(protocol {protocol}\\)")


def test_a_torch_save_checkpoint_is_rejected_with_how_to_convert(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(SafetensorsFileError, match=r"zip archive.*torch\.save.*safetensors\.torch\.save_file"):
        chainrule.load(path)


def test_a_numpy_file_is_rejected(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(SafetensorsFileError, match="NumPy .npy file"):
        chainrule.load(path)


@pytest.mark.parametrize("data,match", [(b"", "truncated or empty: 0 bytes"), (b"\x10\x00\x00", "3 bytes")])
def test_empty_and_tiny_files(tmp_path, data, match):
    _rejects(tmp_path, data, match)


def test_truncated_inside_the_header(tmp_path):
    _rejects(tmp_path, VALID[:40], r"truncated: the header says it is \d+ bytes long but the file has only 32")


def test_truncated_inside_the_data(tmp_path):
    _rejects(tmp_path, VALID[:-3], r"truncated: tensor '.*' ends at byte \d+ of the data section")


def test_every_truncation_is_rejected():
    for cut in range(len(VALID)):
        with pytest.raises(SafetensorsFileError):
            loads(VALID[:cut], "cut")


def test_oversized_header(tmp_path):
    _rejects(tmp_path, struct.pack("<Q", 2 ** 40) + b"{}", r"header claims 1099511627776 bytes, more than the")


def test_header_that_is_not_json(tmp_path):
    _rejects(tmp_path, struct.pack("<Q", 5) + b"{abc}", "corrupted header: not valid JSON")


def test_header_that_does_not_start_with_a_brace(tmp_path):
    _rejects(tmp_path, struct.pack("<Q", 2) + b"[]", "does not start with")


def test_header_that_is_not_an_object(tmp_path):
    _rejects(tmp_path, struct.pack("<Q", 4) + b"{}[]", "not valid JSON")


def test_header_in_invalid_utf8(tmp_path):
    _rejects(tmp_path, struct.pack("<Q", 3) + b"{\xff}", "not valid JSON")


def test_deeply_nested_header_json(tmp_path):
    h = b"{" + b'"a":' * 1 + b"[" * 100000 + b"]" * 100000 + b"}"
    _rejects(tmp_path, struct.pack("<Q", len(h)) + h, "corrupted header")


@pytest.mark.parametrize("dtype", ["BF16", "F8_E4M3", "U32", "C64"])
def test_dtypes_chainrule_cannot_hold(tmp_path, dtype):
    data = _raw({"x": {"dtype": dtype, "shape": [1], "data_offsets": [0, 2 if dtype == "BF16" else 4]}},
                b"\x00" * (2 if dtype == "BF16" else 4))
    _rejects(tmp_path, data, f"tensor 'x' has dtype {dtype}, which chainrule cannot hold")


def test_a_bfloat16_file_from_pytorch(tmp_path):
    path = tmp_path / "bf16.safetensors"
    st_torch.save_file({"w": torch.zeros(2, dtype=torch.bfloat16)}, str(path))
    with pytest.raises(SafetensorsFileError, match="dtype BF16.*tensor.float()"):
        chainrule.load(path)


def test_unknown_dtype(tmp_path):
    _rejects(tmp_path, _raw({"x": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
             "unknown dtype 'F33'")


def test_shape_and_byte_count_disagree(tmp_path):
    data = _raw({"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}, b"\0" * 20)
    _rejects(tmp_path, data, r"tensor 'x' has shape \[2, 3\] of F32, which needs 24 bytes, but its data_offsets cover 20")


def test_huge_shape_with_few_bytes(tmp_path):
    data = _raw({"x": {"dtype": "F64", "shape": [2 ** 31, 2 ** 31], "data_offsets": [0, 8]}}, b"\0" * 8)
    _rejects(tmp_path, data, "which needs")


@pytest.mark.parametrize("shape", [[-1], [1.5], "3", [True]])
def test_malformed_shapes(tmp_path, shape):
    _rejects(tmp_path, _raw({"x": {"dtype": "F32", "shape": shape, "data_offsets": [0, 4]}}, b"\0" * 4),
             "expected a list of non-negative integers")


@pytest.mark.parametrize("offsets", [[4, 0], [0], "0,4", [-4, 0], [0.0, 4.0]])
def test_malformed_offsets(tmp_path, offsets):
    _rejects(tmp_path, _raw({"x": {"dtype": "F32", "shape": [1], "data_offsets": offsets}}, b"\0" * 4),
             "data_offsets")


def test_missing_fields(tmp_path):
    _rejects(tmp_path, _raw({"x": {"dtype": "F32"}}), "needs dtype, shape and data_offsets")


def test_overlapping_tensors(tmp_path):
    data = _raw({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8)
    _rejects(tmp_path, data, "overlap or leave a gap")


def test_gap_between_tensors(tmp_path):
    data = _raw({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8)
    _rejects(tmp_path, data, "starts at byte 4 but the previous data ends at 0")


def test_bytes_appended_after_the_data(tmp_path):
    _rejects(tmp_path, VALID + b"extra", "5 unexpected bytes after the last tensor")


def test_metadata_must_map_strings_to_strings(tmp_path):
    _rejects(tmp_path, _raw({"__metadata__": {"a": 1}}), "__metadata__ must map strings to strings")


def test_bool_tensor_with_invalid_bytes(tmp_path):
    data = _raw({"m": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07")
    _rejects(tmp_path, data, "tensor 'm' is BOOL but holds bytes other than 0 and 1")


@pytest.mark.parametrize("structure,match", [
    ("{not json", "is not valid JSON"),
    ('{"$tensor": "nope"}', "refers to a tensor 'nope' that the file does not contain"),
    ('{"$eval": "__import__(\'os\')"}', "unexpected entry"),
    ('{"$dict": [[1]]}', "a dict entry is"),
    ('{"a": 1, "b": 2}', "unexpected entry"),
    ('{"$float": "1e999x"}', "unexpected entry"),
    ("[" * 50000 + "]" * 50000, "corrupted metadata"),
])
def test_corrupted_structure_metadata(tmp_path, structure, match):
    data = st_numpy.save({"x": np.zeros(1, np.float32)}, metadata={"chainrule.structure": structure})
    _rejects(tmp_path, data, match)


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(SafetensorsFileError, match="is a folder"):
        chainrule.load(tmp_path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nothing.safetensors")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_corrupted_files_load_or_raise_the_documented_error(data):
    blob = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(blob)))
        blob = blob[:cut]
    try:
        out = loads(bytes(blob), "fuzz")
    except SafetensorsFileError:
        return
    assert isinstance(out, dict)
