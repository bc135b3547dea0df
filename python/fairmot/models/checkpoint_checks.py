"""Checks a checkpoint must pass before anything is built from it.

* :func:`code_in_pickle`: the Python callables a checkpoint's pickle would call when loaded
  unsafely (``os.system``, ``builtins.exec``, ...), found by reading its opcodes -- nothing is
  unpickled. Used to refuse such files with a message that says so, instead of torch's advice to
  load them unsafely.
* :func:`check_tensors`: every state-dict entry is a dense, finite, real floating-point tensor
  whose elements are really in the file, except the integer BatchNorm counters
  (``*.num_batches_tracked``, int64 scalars) that official checkpoints contain.
"""
from __future__ import annotations

import io
import os
import pickletools
import re
import zipfile
from typing import Any, Iterable, Mapping

import torch
from torch import Tensor

__all__ = ["code_in_pickle", "check_tensors", "TENSOR_GLOBALS", "FLOAT_DTYPES"]

#: Globals a ``torch.save`` of tensors and plain containers refers to (the tensor machinery).
TENSOR_GLOBALS = frozenset({
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    "torch._tensor._rebuild_from_type_v2", "torch.Size", "torch.device", "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage", "torch.UntypedStorage",
})
_TORCH_STORAGE = re.compile(r"^torch\.[A-Za-z0-9]*Storage$")
_TORCH_DTYPE = re.compile(r"^torch\.(u?int\d+|float\d*|half|double|bfloat16|bool|complex\d+|long|short|bits\d+\w*)$")

#: Floating-point dtypes accepted for weights (official checkpoints: float32).
FLOAT_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)

_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING",
               "STRING"}
_MAX_PICKLES = 6  # a legacy torch.save file is 5 pickles (magic, protocol, sys info, object, keys) + data
_MAX_PICKLE_BYTES = 256 << 20


def _globals_of(data: bytes) -> list[str]:
    """Dotted names of the globals referenced by the pickles at the start of ``data``."""
    found: list[str] = []
    stream = io.BytesIO(data)
    for _ in range(_MAX_PICKLES):
        if stream.tell() >= len(data):
            break
        pushed: list[Any] = []  # what each push put on the stack (strings; None for anything else)
        memo: dict[int, Any] = {}
        try:
            for op, arg, _pos in pickletools.genops(stream):
                name = op.name
                if name in ("GLOBAL", "INST"):
                    found.append(str(arg).replace(" ", "."))
                elif name == "STACK_GLOBAL":
                    mod, attr = (pushed[-2], pushed[-1]) if len(pushed) >= 2 else (None, None)
                    found.append(f"{mod}.{attr}" if isinstance(mod, str) and isinstance(attr, str)
                                 else "<a global named at run time>")
                elif name in _STRING_OPS:
                    pushed.append(arg if isinstance(arg, str) else arg.decode("latin-1")
                                  if isinstance(arg, bytes) else None)
                elif name == "MEMOIZE":
                    memo[len(memo)] = pushed[-1] if pushed else None
                elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                    memo[int(arg)] = pushed[-1] if pushed else None
                elif name in ("GET", "BINGET", "LONG_BINGET"):
                    pushed.append(memo.get(int(arg)))
                elif op.stack_after:
                    pushed.append(None)
        except Exception:  # the end of the pickles (raw tensor data) or a damaged stream
            break
    return found


def _pickle_bytes(source: Any) -> list[bytes]:
    """The pickle streams of a checkpoint: the ``*.pkl`` members of a ``torch.save`` zip archive, or
    the file itself (legacy format or plain pickle). ``source``: a path or a seekable binary file."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return _pickle_bytes(f)
    pos = source.tell()
    try:
        source.seek(0)
        if zipfile.is_zipfile(source):
            source.seek(0)
            with zipfile.ZipFile(source) as z:
                return [z.read(i) for i in z.infolist()
                        if i.filename.endswith(".pkl") and i.file_size <= _MAX_PICKLE_BYTES]
        source.seek(0)
        data = source.read(_MAX_PICKLE_BYTES)
        return [data] if isinstance(data, bytes) else []
    finally:
        source.seek(pos)


def code_in_pickle(source: Any) -> list[str]:
    """Callables (dotted names) outside the tensor machinery that loading ``source`` with plain
    ``pickle`` / ``torch.load(weights_only=False)`` would import and call; empty when there are
    none or the file cannot be read. Nothing is unpickled."""
    try:
        streams = _pickle_bytes(source)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, RuntimeError):
        return []
    out: list[str] = []
    for data in streams:
        for g in _globals_of(data):
            benign = g in TENSOR_GLOBALS or _TORCH_STORAGE.match(g) or _TORCH_DTYPE.match(g)
            if not benign and g not in out:
                out.append(g)
    return out


def _storage_holds(t: Tensor) -> bool:
    """Whether the tensor's elements are really stored: its storage has room for all of them (a
    tensor with zero strides or overlapping strides claims more elements than its storage holds)."""
    try:
        nbytes = t.untyped_storage().nbytes()
    except (RuntimeError, NotImplementedError):
        return False
    return t.numel() * t.element_size() <= nbytes - t.storage_offset() * t.element_size()


def _is_counter(key: str, t: Tensor) -> bool:
    return key.endswith(".num_batches_tracked") and t.dtype == torch.int64 and t.dim() == 0


def _shape(t: Tensor) -> str:
    return "[" + ", ".join(str(d) for d in t.shape) + "]"


def check_tensors(state_dict: Mapping[str, Tensor], source: str, keys: Iterable[str] | None = None) -> None:
    """Raise ``ValueError`` naming the first bad entry (and the file) unless every tensor (of
    ``keys``, default all) is a dense strided CPU/CUDA tensor of a real floating dtype
    (:data:`FLOAT_DTYPES`) with finite values, at least one element and elements really stored in
    the file; ``*.num_batches_tracked`` must be int64 scalars >= 0 (as in official checkpoints)."""
    for k in (state_dict if keys is None else keys):
        t = state_dict[k]
        where = f"{source}: tensor {k!r}"
        if t.layout != torch.strided or t.is_quantized or t.device.type == "meta":
            raise ValueError(f"{where} is a {t.layout} {'quantized ' if t.is_quantized else ''}tensor on "
                             f"{t.device.type}; FairMOT checkpoints hold dense tensors")
        if k.endswith(".num_batches_tracked"):
            if not _is_counter(k, t):
                raise ValueError(f"{where} must be an int64 scalar (a BatchNorm counter), got {t.dtype} "
                                 f"of shape {_shape(t)}")
            if int(t) < 0:
                raise ValueError(f"{where} (a BatchNorm counter) is negative ({int(t)})")
            continue
        if t.dtype not in FLOAT_DTYPES:
            raise ValueError(f"{where} has dtype {t.dtype}; weights must be real floating point "
                             f"(float32, float16, bfloat16 or float64)")
        if t.numel() == 0:
            raise ValueError(f"{where} has no elements (shape {_shape(t)})")
        if not _storage_holds(t):
            raise ValueError(f"{where} claims shape {_shape(t)} ({t.numel()} elements) but the file stores only "
                             f"{t.untyped_storage().nbytes() // t.element_size()} elements for it: a crafted or "
                             f"damaged checkpoint")
        lo, hi = torch.aminmax(t)  # NaN propagates; no full-size temporary (isfinite's costs ~10x more)
        if not (bool(torch.isfinite(lo)) and bool(torch.isfinite(hi))):
            bad = int((~torch.isfinite(t)).sum())
            kinds = [name for name, hit in (("NaN", torch.isnan(t).any()), ("inf", torch.isinf(t).any())) if hit]
            raise ValueError(f"{where} has {bad} non-finite value(s) ({' and '.join(kinds)}): the weights are "
                             f"damaged (a diverged training run?)")
