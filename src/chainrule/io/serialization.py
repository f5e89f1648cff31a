"""``chainrule.save`` / ``chainrule.load``: state dicts in the safetensors format — data only, never code.

    >>> chainrule.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(chainrule.load("model.safetensors"))
    >>> chainrule.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, "ckpt.safetensors")

The file is a standard safetensors file: an 8-byte little-endian header length, a JSON header naming
each tensor's dtype, shape and byte range, then the raw bytes.  A flat ``{name: tensor}`` dict is stored
under its own names, so ``safetensors.torch.load_file`` gives PyTorch the same state dict (and a file that
``safetensors.torch.save_file`` wrote loads here).  Anything around the tensors (optimizer
``param_groups``, step counts, scheduler state, nested dicts) is kept as JSON in the header's
``__metadata__`` under ``chainrule.structure``, with each tensor replaced by a reference to its name.

Writes are atomic (``chainrule.io.atomic``).  Loading reads bytes and JSON only — there is no pickle —
and checks the file before trusting it: a pickle / ``torch.save`` archive, a truncated file, a corrupted
or oversized header, an unsupported dtype, or a shape that disagrees with its byte range is rejected
with an error naming the file and the problem.
"""
from __future__ import annotations

import json
import math
import os
import re
import stat
import struct
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor

__all__ = ["save", "load", "SafetensorsFileError"]

# Bounds on what a header may ask of load (a hostile file is refused in well under 2 s and 200 MB):
MAX_HEADER_BYTES = 16_000_000           # a real checkpoint's header is kilobytes (safetensors allows 100 MB)
MAX_TENSORS = 10_000                    # a large model with its optimizer state has a few thousand
MAX_JSON_VALUES = 300_000               # JSON values in the header (and in chainrule's structure metadata)
STRUCTURE_KEY = "chainrule.structure"
FORMAT_KEY = "chainrule.format"
FORMAT_VERSION = "1"

# safetensors dtype names chainrule can hold, and their NumPy types
_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8, "U8": np.uint8,
           "I16": np.int16, "I32": np.int32, "I64": np.int64, "BOOL": np.bool_}
_KNOWN_UNSUPPORTED = {"BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "U16", "U32", "U64",
                      "C64", "C128"}


class SafetensorsFileError(ValueError):
    """A file that ``chainrule.load`` refuses to read: the message names the file and what is wrong."""


def _require_safetensors():
    try:
        import safetensors.numpy as st_numpy
    except ImportError as e:    # pragma: no cover - exercised by a test that hides the package
        raise ImportError("chainrule.save/load need the 'safetensors' package: pip install safetensors "
                          "(or pip install 'chainrule[io]')") from e
    return st_numpy


# ----------------------------------------------------------------------------------------------- save
def _sorted_header(data: bytes) -> bytes:
    """The same file with its JSON header's keys sorted, so equal state dicts give equal bytes.

    safetensors writes header keys in hash-map order, which changes from run to run.  Sorting only
    reorders the header's text (same length; the tensor bytes and their offsets are untouched).
    """
    n = int.from_bytes(data[:8], "little")
    raw = data[8:8 + n]
    text = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(text) > n:  # never expected; keep the library's own bytes rather than move the data
        return data
    return data[:8] + text + b" " * (n - len(text)) + data[8 + n:]


def save(obj, f) -> None:
    """Write ``obj`` — a state dict, or dicts/lists/tuples of tensors, numbers, strings and None — to ``f``.

    ``f`` is a path (written atomically) or a binary file object.
    """
    st_numpy = _require_safetensors()
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        raise TypeError(f"chainrule.save stores state dicts, not {type(obj).__name__} objects (saving objects "
                        f"means pickling code): use chainrule.save(obj.state_dict(), path)")
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, [], arrays)
    metadata = {"format": "pt", FORMAT_KEY: FORMAT_VERSION,
                STRUCTURE_KEY: json.dumps(structure, separators=(",", ":"))}
    data = _sorted_header(st_numpy.save(arrays, metadata=metadata))
    if isinstance(f, (str, bytes, os.PathLike)):
        from .atomic import write_bytes
        write_bytes(f, data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"chainrule.save: expected a path or a binary file object to write to, "
                        f"got {type(f).__name__}")


def _encode(obj, path: list, arrays: dict):
    """JSON-able description of ``obj``; tensors go into ``arrays`` and are referenced by name."""
    where = ".".join(path) or "the top level"
    if isinstance(obj, Tensor):
        return {"$tensor": _store(obj._data, path, arrays)}
    if isinstance(obj, np.ndarray):
        return {"$ndarray": _store(obj, path, arrays)}
    if _is_torch_tensor(obj):
        return {"$tensor": _store(obj.detach().cpu().numpy(), path, arrays)}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else {"$float": repr(v)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"chainrule.save: dict keys must be str or int, got {type(k).__name__} key {k!r} "
                                f"at {where}")
            items.append([k, _encode(v, path + [str(k)], arrays)])
        return {"$odict" if isinstance(obj, OrderedDict) else "$dict": items}
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(v, path + [str(i)], arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, path + [str(i)], arrays) for i, v in enumerate(obj)]
    raise TypeError(f"chainrule.save can store tensors, numbers, strings, None and dicts/lists/tuples of them; "
                    f"got {type(obj).__name__} at {where}")


def _is_torch_tensor(obj) -> bool:
    return type(obj).__module__.startswith("torch") and hasattr(obj, "detach") and hasattr(obj, "numpy")


def _store(arr: np.ndarray, path: list, arrays: dict) -> str:
    if arr.dtype.type not in _DTYPES.values():
        raise TypeError(f"chainrule.save: the tensor at {'.'.join(path) or 'the top level'} has dtype {arr.dtype}, "
                        f"which safetensors files here cannot hold")
    name = ".".join(path) or "tensor"
    base, n = name, 1
    while name in arrays:
        name = f"{base}#{n}"
        n += 1
    arrays[name] = np.array(arr, dtype=arr.dtype.newbyteorder("<"), order="C")   # keeps 0-d arrays 0-d
    return name


# ----------------------------------------------------------------------------------------------- load
def load(f, map_location=None, weights_only: bool = True, mmap=None, **kwargs):
    """Read what ``save`` wrote (or any safetensors file) back: tensors as chainrule tensors.

    ``map_location`` / ``weights_only`` are accepted for ``torch.load`` compatibility (everything is CPU,
    and loading is always weights-only).  A file that is not a valid safetensors file raises
    ``SafetensorsFileError`` naming the file and the problem; nothing is executed.
    """
    from ..device import check_device
    if map_location is not None and not callable(map_location) and not isinstance(map_location, dict):
        check_device(map_location)
    if isinstance(f, (str, bytes, os.PathLike)):
        name = os.fsdecode(f)
        try:
            with open(f, "rb") as fh:
                data = _read(fh, name)
        except IsADirectoryError:
            raise SafetensorsFileError(f"{name}: is a folder, not a file") from None
    elif hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        data = _read(f, name)
    else:
        raise TypeError(f"chainrule.load: expected a path or a binary file object, got {type(f).__name__}")
    return loads(data, name)


def _read(fh, name: str) -> bytes:
    """The file's bytes, read so that a hostile one cannot make load read without end (``/dev/zero``, a
    pipe): the length field and the header first, checked, then the data section the header describes."""
    head = fh.read(8)
    if len(head) < 8 or struct.unpack("<Q", head)[0] > MAX_HEADER_BYTES:
        return head                     # loads names the problem
    raw_header = fh.read(struct.unpack("<Q", head)[0])
    _bound_header(raw_header, name)
    try:
        regular = stat.S_ISREG(os.fstat(fh.fileno()).st_mode)
    except (OSError, AttributeError, ValueError):      # an in-memory file object: its size is already bounded
        regular = True
    if regular:
        return head + raw_header + fh.read()
    ends = [int(m) for m in re.findall(rb'"data_offsets"\s*:\s*\[\s*\d+\s*,\s*(\d+)', raw_header)]
    want, chunks = max(ends, default=0) + 1, []
    while want > 0:                      # in pieces: read(n) would allocate all n bytes up front
        chunk = fh.read(min(want, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        want -= len(chunk)
    return head + raw_header + b"".join(chunks)


def _bound_header(raw_header: bytes, name: str) -> None:
    """Refuse a header that would cost more than a real checkpoint's before parsing it: too many tensors,
    too many JSON values (each costs memory once parsed)."""
    tensors = raw_header.count(b'"data_offsets"')
    if tensors > MAX_TENSORS:
        raise SafetensorsFileError(f"{name}: the header lists {tensors} tensors, more than the {MAX_TENSORS} "
                                   f"chainrule.load reads (corrupted or hostile; a model's checkpoint has far fewer)")
    values = raw_header.count(b",") + raw_header.count(b"[") + raw_header.count(b"{")
    if values > MAX_JSON_VALUES:
        raise SafetensorsFileError(f"{name}: the header holds about {values} JSON values, more than the "
                                   f"{MAX_JSON_VALUES} chainrule.load reads (corrupted or hostile)")


def loads(data: bytes, name: str = "<bytes>"):
    """``load`` from bytes already in memory; ``name`` is used in error messages."""
    header, metadata, data_start = _check(data, name)
    st_numpy = _require_safetensors()
    try:
        raw = st_numpy.load(bytes(data))
    except Exception as e:     # safetensors' own checks, should ours have missed something
        raise SafetensorsFileError(f"{name}: not a valid safetensors file ({e})") from None
    arrays = {}
    for key, arr in raw.items():
        if arr.dtype == np.bool_:
            spec = header[key]
            b, e = spec["data_offsets"]
            raw_bytes = np.frombuffer(data, dtype=np.uint8, count=e - b, offset=data_start + b)
            if raw_bytes.size and raw_bytes.max() > 1:
                raise SafetensorsFileError(f"{name}: tensor '{key}' is BOOL but holds bytes other than 0 and 1 "
                                           f"(corrupted file)")
        arrays[key] = np.array(arr, dtype=arr.dtype.newbyteorder("="), copy=True)
    if STRUCTURE_KEY not in metadata:
        return OrderedDict((k, Tensor._make(arrays[k])) for k in header if k != "__metadata__")
    try:
        structure = json.loads(metadata[STRUCTURE_KEY])
    except (ValueError, RecursionError) as e:
        raise SafetensorsFileError(f"{name}: corrupted metadata: '{STRUCTURE_KEY}' is not valid JSON ({e})") from None
    try:
        return _decode(structure, arrays, name)
    except RecursionError:
        raise SafetensorsFileError(f"{name}: corrupted metadata: '{STRUCTURE_KEY}' is nested too deeply") from None


def _decode(node, arrays: dict, name: str):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, name) for v in node]
    if isinstance(node, dict) and len(node) == 1:
        (tag, value), = node.items()
        if tag in ("$tensor", "$ndarray"):
            if not isinstance(value, str) or value not in arrays:
                raise SafetensorsFileError(f"{name}: corrupted metadata: it refers to a tensor {value!r} that the "
                                           f"file does not contain")
            return Tensor._make(arrays[value]) if tag == "$tensor" else arrays[value]
        if tag in ("$dict", "$odict") and isinstance(value, list):
            out = OrderedDict() if tag == "$odict" else {}
            for item in value:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))):
                    raise SafetensorsFileError(f"{name}: corrupted metadata: a dict entry is {item!r}, "
                                               f"expected [key, value]")
                out[item[0]] = _decode(item[1], arrays, name)
            return out
        if tag == "$tuple" and isinstance(value, list):
            return tuple(_decode(v, arrays, name) for v in value)
        if tag == "$float" and value in ("nan", "inf", "-inf"):
            return float(value)
    raise SafetensorsFileError(f"{name}: corrupted metadata: unexpected entry {str(node)[:80]!r} in "
                               f"'{STRUCTURE_KEY}'")


def _check(data: bytes, name: str):
    """Validate the safetensors layout before any of it is used; return (header, metadata, data_start)."""
    size = len(data)
    head = bytes(data[:8])
    if head.startswith(b"PK\x03\x04"):
        raise SafetensorsFileError(
            f"{name}: this is a zip archive — most likely a PyTorch checkpoint written by torch.save, which "
            f"stores pickled Python objects. chainrule never unpickles (unpickling can run arbitrary code). "
            f"Convert it in PyTorch: safetensors.torch.save_file(torch.load(path, weights_only=True), "
            f"'model.safetensors')")
    if size >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise SafetensorsFileError(
            f"{name}: this is a Python pickle (protocol {head[1]}), e.g. from torch.save or pickle.dump. "
            f"chainrule never unpickles (unpickling can run arbitrary code); save the state dict as safetensors "
            f"instead: chainrule.save(state_dict, path) or safetensors.torch.save_file(state_dict, path)")
    if head.startswith(b"\x93NUMPY"):
        raise SafetensorsFileError(f"{name}: this is a NumPy .npy file, not safetensors; read it with numpy.load "
                                   f"and wrap the array with chainrule.from_numpy")
    if size < 8:
        raise SafetensorsFileError(f"{name}: truncated or empty: {size} bytes, but a safetensors file starts "
                                   f"with an 8-byte header length")
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER_BYTES:
        raise SafetensorsFileError(f"{name}: header claims {n} bytes, more than the {MAX_HEADER_BYTES} byte limit "
                                   f"(not a safetensors file, corrupted, or hostile)")
    if 8 + n > size:
        raise SafetensorsFileError(f"{name}: truncated: the header says it is {n} bytes long but the file has "
                                   f"only {size - 8} bytes after the length field")
    raw_header = bytes(data[8:8 + n])
    if not raw_header.startswith(b"{"):
        raise SafetensorsFileError(f"{name}: corrupted header: it does not start with '{{' (not a safetensors file)")
    _bound_header(raw_header, name)
    try:
        header = json.loads(raw_header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise SafetensorsFileError(f"{name}: corrupted header: not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsFileError(f"{name}: corrupted header: expected a JSON object")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise SafetensorsFileError(f"{name}: corrupted header: __metadata__ must map strings to strings")
    data_len = size - 8 - n
    spans = []
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        if not isinstance(spec, dict) or not {"dtype", "shape", "data_offsets"} <= set(spec):
            raise SafetensorsFileError(f"{name}: corrupted header: tensor '{key}' needs dtype, shape and "
                                       f"data_offsets")
        dtype = spec["dtype"]
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            if isinstance(dtype, str) and dtype in _KNOWN_UNSUPPORTED:
                raise SafetensorsFileError(f"{name}: tensor '{key}' has dtype {dtype}, which chainrule cannot hold "
                                           f"(supported: {', '.join(_DTYPES)}); convert it before saving, e.g. "
                                           f"tensor.float()")
            raise SafetensorsFileError(f"{name}: corrupted header: tensor '{key}' has unknown dtype {dtype!r}")
        shape = spec["shape"]
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise SafetensorsFileError(f"{name}: corrupted header: tensor '{key}' has shape {shape!r}; expected a "
                                       f"list of non-negative integers")
        offsets = spec["data_offsets"]
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
                or not 0 <= offsets[0] <= offsets[1]):
            raise SafetensorsFileError(f"{name}: corrupted header: tensor '{key}' has data_offsets {offsets!r}; "
                                       f"expected [begin, end] with 0 <= begin <= end")
        need = math.prod(shape) * np.dtype(_DTYPES[dtype]).itemsize
        have = offsets[1] - offsets[0]
        if need != have:
            raise SafetensorsFileError(f"{name}: tensor '{key}' has shape {shape} of {dtype}, which needs {need} "
                                       f"bytes, but its data_offsets cover {have} bytes (corrupted file)")
        if offsets[1] > data_len:
            raise SafetensorsFileError(f"{name}: truncated: tensor '{key}' ends at byte {offsets[1]} of the data "
                                       f"section, which has only {data_len} bytes")
        spans.append((offsets[0], offsets[1], key))
    spans.sort()
    pos = 0
    for b, e, key in spans:
        if b != pos:
            raise SafetensorsFileError(f"{name}: corrupted header: tensor '{key}' starts at byte {b} but the "
                                       f"previous data ends at {pos} (tensors overlap or leave a gap)")
        pos = e
    if pos != data_len:
        raise SafetensorsFileError(f"{name}: {data_len - pos} unexpected bytes after the last tensor "
                                   f"(corrupted file, or something was appended to it)")
    return header, metadata, 8 + n

