"""Reading and writing FairMOT checkpoints (docs/official_behaviour.md §1.7).

Official ``.pth`` files are ``torch.save`` of ``{'epoch': int, 'state_dict': {...}[, 'optimizer': {...}]}``
(a bare state dict is accepted too). They are read with ``torch.load(..., weights_only=True)``:
files that need arbitrary Python objects to unpickle are refused; a file whose pickle would call
Python code (``os.system``, ...) is refused with a message saying so, and nothing in it is run.
Every state-dict entry must be a finite real floating-point tensor whose elements are in the file
(BatchNorm ``num_batches_tracked`` counters: int64 scalars), see
:func:`fairmot.models.checkpoint_checks.check_tensors`.

Architectures are found through the registry (:mod:`fairmot.models.registry`): each family
registers from its own file how its keys look, which widths a checkpoint sets and their bounds.
:func:`load_model` checks the widths and head layout read from a file against those bounds and
compares the file's shapes with the network built on the ``meta`` device (no memory) before the
real network is built, so a small crafted file cannot make it build a huge network.

:func:`load_model` builds the network whose heads match the file and loads it:

* a leading ``module.`` (DataParallel) is stripped from every key (``module_list...`` is kept);
* ``base.fc.*`` (the ImageNet classifier the official factory adds, never used) is ignored;
* head layout comes from the file: channels of each head from its last conv
  (``hm.2.weight`` -> number of classes, ``wh.2.weight`` -> 2 or 4, ``id.2.weight`` -> re-ID
  dimension), ``head_conv`` from ``hm.0.weight`` (0 when the heads are single convs);
* BatchNorm ``num_batches_tracked`` counters absent from old files are tolerated (left at 0);
* anything else that does not fit is an error in strict mode (``ValueError`` listing the
  missing, unexpected and shape-mismatched keys); with ``strict=False`` the matching tensors are
  loaded, the rest is logged (``logging``, logger ``fairmot.models.checkpoint``) and described
  by ``model.load_report`` (a :class:`LoadReport`, attached in both modes).
"""
from __future__ import annotations

import io
import logging
import os
import pickle
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, Union

import torch
from torch import Tensor, nn

from .._io import atomic_open
from ..weights import is_builtin, resolve_legacy_builtin, warn_builtin
from .checkpoint_checks import check_tensors, code_in_pickle
from .classes import check_class_names
from .dla_seg import infer_channels
from .factory import DEFAULT_HEAD_CONV, build_model, normalize_arch
from .heads import DEFAULT_HEADS
from .registry import MAX_HEAD_CHANNELS, MAX_HEAD_CONV, architecture_of, body_prefixes, canonical_name

__all__ = [
    "LoadReport", "load_model", "save_checkpoint", "read_checkpoint", "infer_heads", "infer_channels",
    "clean_state_dict", "checkpoint_arch", "check_layout", "MAX_PARAMETERS",
]

logger = logging.getLogger(__name__)

PathOrState = Union[str, "os.PathLike[str]", io.IOBase, Mapping[str, Any]]

#: Most parameters a network built from a checkpoint may have (official networks: 2 M .. 66 M); a
#: file whose shapes imply more is refused before the network is built.
MAX_PARAMETERS = 1_000_000_000
#: Entries of official checkpoints that are not part of our model and are dropped silently.
_IGNORED_PREFIXES = ("base.fc.",)
#: Official head creation order; other heads follow in file order.
_CANONICAL_HEAD_ORDER = ("hm", "wh", "id", "reg")
_MAX_LISTED = 40


@dataclass
class LoadReport:
    """What :func:`load_model` did with the entries of a checkpoint.

    Attributes:
        source: file path (or a description of the object) the weights came from.
        epoch: the checkpoint's ``epoch`` entry, if any.
        heads, head_conv: the head layout the model was built with.
        loaded: model keys set from the checkpoint.
        missing: model keys absent from the checkpoint (they keep their initial values).
        unexpected: checkpoint keys the model does not have (not loaded).
        mismatched: ``(key, checkpoint_shape, model_shape)`` for keys whose shapes differ (not loaded).
        ignored: checkpoint keys dropped on purpose (``base.fc.*``).
        defaulted: BatchNorm ``num_batches_tracked`` counters absent from the file (left at 0).
    """

    source: str
    epoch: int | None = None
    heads: dict[str, int] = field(default_factory=dict)
    head_conv: int = DEFAULT_HEAD_CONV
    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    defaulted: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        """Keys that did not make it into the model: missing, unexpected and shape-mismatched."""
        return list(self.missing) + list(self.unexpected) + [k for k, _, _ in self.mismatched]

    @property
    def ok(self) -> bool:
        """True when every model entry was loaded and every checkpoint entry was used (or ignored)."""
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self, limit: int = _MAX_LISTED) -> str:
        lines = []
        if self.missing:
            lines.append(f"missing keys ({len(self.missing)}): {_join(self.missing, limit)}")
        if self.unexpected:
            lines.append(f"unexpected keys ({len(self.unexpected)}): {_join(self.unexpected, limit)}")
        if self.mismatched:
            items = [f"{k} (checkpoint {_shape(a)} vs model {_shape(b)})" for k, a, b in self.mismatched]
            lines.append(f"shape mismatches ({len(self.mismatched)}): {_join(items, limit)}")
        return "\n".join(lines) if lines else "all keys matched"


def _shape(s: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in s) + "]"


def _join(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f", ... and {len(items) - limit} more"
    return shown


def _describe_source(obj: Any) -> str:
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(obj).__name__}>"


#: Bytes read from the start of a file to say what it is when torch cannot read it.
_SNIFF_BYTES = 512


def _sniff(head: bytes, size: int | None, complete_zip: bool | None = None) -> str:
    """Why a file torch could not read is not a checkpoint, from its first bytes (and size);
    ``complete_zip``: whether a zip archive has its end record (None: unknown)."""
    if size == 0 or (size is None and not head):
        return "the file is empty"
    if head.startswith(b"PK\x03\x04"):  # torch.save's zip archive
        if complete_zip is False:
            return "a truncated zip archive, its end is missing: an interrupted download or copy?"
        return "a zip archive that is damaged or was not written by torch.save"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # a pickle stream
        return "a pickle stream that is truncated or damaged, or holds no torch.save checkpoint"
    if b"\x00" not in head:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample
            text = head[:exc.start].decode("utf-8") if exc.start > len(head) - 4 else None
        if text is not None and all(c.isprintable() or c in "\r\n\t" for c in text):
            first = text.strip().splitlines()[0][:60] if text.strip() else ""
            if first.startswith("version https://git-lfs"):
                return "a Git LFS pointer file, not the weights it points to: run git lfs pull"
            if first.lower().startswith(("<!doctype html", "<html")):
                return "an HTML page: a failed download?"
            return f"a text file starting {first!r}"
    return "unrecognised content: neither a torch.save zip archive nor a legacy pickle checkpoint"


def _why_unreadable(path: Any) -> str:
    """:func:`_sniff` of a path or seekable binary file object."""
    head, size, complete = b"", None, None
    try:
        if isinstance(path, (str, os.PathLike)):
            with open(path, "rb") as f:
                head = f.read(_SNIFF_BYTES)
            size = os.path.getsize(path)
            complete = zipfile.is_zipfile(path)
        elif hasattr(path, "seek") and hasattr(path, "read"):
            pos = path.tell()
            path.seek(0)
            data = path.read(_SNIFF_BYTES)
            complete = zipfile.is_zipfile(path)
            path.seek(pos)
            head = data if isinstance(data, bytes) else b""
    except (OSError, ValueError):
        pass
    return _sniff(head, size, complete)


def _torch_load(path: Any, map_location: Any) -> Any:
    src = _describe_source(path)
    if isinstance(path, (str, os.PathLike)):
        path = resolve_legacy_builtin(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"checkpoint not found: {src}")
        if os.path.isdir(path):
            raise IsADirectoryError(f"checkpoint path is a directory: {src}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as e:  # unpickling / zip / EOF errors of files that are not (whole) checkpoints
        # torch's own message for refused files advises loading them unsafely: never pass it on
        torch_advice = "weights_only" in str(e)
        code = code_in_pickle(path)
        if code:
            shown = ", ".join(code[:5]) + (f" and {len(code) - 5} more" if len(code) > 5 else "")
            raise ValueError(
                f"{src}: refused: the file contains code that would run if it were loaded (its pickle calls "
                f"{shown}); it was read with torch.load(weights_only=True), which runs none of it. FairMOT "
                f"checkpoints hold only tensors and plain containers: do not load this file with pickle or "
                f"torch.load(weights_only=False)"
            ) from None
        unsafe = isinstance(e, pickle.UnpicklingError) and re.search(
            r"Unsupported global: GLOBAL (\S+)|unsupported GLOBAL (\S+)", str(e))
        if unsafe:
            raise ValueError(
                f"{src}: refused to load: the file needs the Python object {unsafe.group(1) or unsafe.group(2)}, "
                f"which safe loading (torch.load(weights_only=True)) does not allow; FairMOT checkpoints contain "
                f"only tensors and plain containers"
            ) from None
        raise ValueError(f"{src} is not a PyTorch checkpoint ({_why_unreadable(path)})") from (
            None if torch_advice else e)


def clean_state_dict(state_dict: Mapping[str, Any], source: str = "<state dict>") -> tuple[dict[str, Tensor], list[str]]:
    """Strip a leading ``module.`` and drop ``base.fc.*``; returns (state dict, ignored keys).

    Raises ``ValueError`` if a key is not a string or a value is not a tensor.
    """
    out: dict[str, Tensor] = {}
    ignored: list[str] = []
    for k, v in state_dict.items():
        if not isinstance(k, str):
            raise ValueError(f"{source}: state dict key {k!r} is not a string")
        if not isinstance(v, Tensor):
            raise ValueError(f"{source}: state dict entry {k!r} is a {type(v).__name__}, not a tensor")
        if k.startswith("module.") and not k.startswith("module_list"):
            k = k[len("module."):]
        if k.startswith(_IGNORED_PREFIXES):
            ignored.append(k)
            continue
        if k in out:
            raise ValueError(f"{source}: key {k!r} appears twice (with and without 'module.' prefix)")
        out[k] = v
    return out, ignored


def read_checkpoint(path_or_state: PathOrState, map_location: Any = "cpu") -> tuple[dict[str, Tensor], int | None, list[str]]:
    """Read a checkpoint file (or an already loaded object) into ``(state_dict, epoch, ignored_keys)``.

    ``path_or_state`` may be a path, a binary file object, a checkpoint dict
    (``{'state_dict': ..., 'epoch': ...}``) or a bare state dict. The state dict is cleaned with
    :func:`clean_state_dict`.
    """
    sd, epoch, ignored, _ = _read_checkpoint(path_or_state, map_location)
    return sd, epoch, ignored


def _read_meta(obj: Mapping[str, Any], src: str) -> dict[str, Any]:
    meta = obj.get("meta", {}) if "state_dict" in obj else {}
    if not isinstance(meta, Mapping):
        raise ValueError(f"{src}: 'meta' entry is a {type(meta).__name__}, not a dict")
    return dict(meta)


def _read_checkpoint(path_or_state: PathOrState, map_location: Any = "cpu"
                     ) -> tuple[dict[str, Tensor], int | None, list[str], dict[str, Any]]:
    if isinstance(path_or_state, Mapping):
        obj: Any = path_or_state
        src = "<state dict>"
    else:
        src = _describe_source(path_or_state)
        obj = _torch_load(path_or_state, map_location)
    if not isinstance(obj, Mapping):
        raise ValueError(f"{src}: not a FairMOT checkpoint (top-level object is a {type(obj).__name__}, "
                         f"expected a dict with 'state_dict' or a state dict)")
    epoch = None
    if "state_dict" in obj:
        sd = obj["state_dict"]
        if not isinstance(sd, Mapping):
            raise ValueError(f"{src}: 'state_dict' entry is a {type(sd).__name__}, not a dict")
        ep = obj.get("epoch")
        if isinstance(ep, Tensor) and ep.numel() == 1:
            ep = int(ep.item())
        epoch = ep if isinstance(ep, int) else None
    else:
        sd = obj
    if len(sd) == 0:
        raise ValueError(f"{src}: not a FairMOT checkpoint (empty state dict)")
    if not all(isinstance(v, Tensor) for v in sd.values()):
        bad = next(k for k, v in sd.items() if not isinstance(v, Tensor))
        where = "of 'state_dict' " if "state_dict" in obj else ""
        raise ValueError(f"{src}: not a FairMOT checkpoint (entry {bad!r} {where}is a "
                         f"{type(sd[bad]).__name__}, not a tensor)")
    clean, ignored = clean_state_dict(sd, src)
    check_tensors(clean, src)
    return clean, epoch, ignored, _read_meta(obj, src)


def infer_arch(state_dict: Mapping[str, Tensor]) -> str | None:
    """The architecture a (cleaned) state dict was saved from, when its keys tell (the first
    registered family whose signature they carry): ``resdcn_<d>`` or ``resfpndcn_<d>`` from the
    ResNet stages (Bottleneck blocks have ``conv3``; the depth from the blocks per stage),
    ``hrnet_<w>`` from the width of the first branch, ``dla34`` for a DLA backbone, else ``None``."""
    found = architecture_of(state_dict)
    return found[0] if found is not None else None


def checkpoint_arch(state_dict: Mapping[str, Tensor], meta: Mapping[str, Any] | None = None,
                    source: str = "<state dict>") -> tuple[str | None, str]:
    """The architecture of a checkpoint and how it is known: ``(arch, how)``.

    ``meta['arch']`` when the file records one (checkpoints of :func:`save_checkpoint`); otherwise
    what its keys show (:func:`infer_arch`), DLA backbones named by their widths (``dla34`` or
    ``dla34_tiny``); ``(None, "")`` when neither tells (also for DLA-34 backbones of other widths,
    which load under any DLA name: widths are read from the file).
    """
    recorded = (meta or {}).get("arch")
    if recorded is not None:
        if not isinstance(recorded, str):
            raise ValueError(f"{source}: meta['arch'] must be a string, got {recorded!r}")
        return normalize_arch(recorded), "recorded in its meta"
    found = architecture_of(state_dict)
    if found is None:
        return None, ""
    return found[1].identify_name(state_dict)


def _head_layout(entries: dict[str, Tensor]) -> tuple[int, int] | None:
    """(out channels, head_conv) of one head from its entries (keys relative to the head)."""
    indexed: dict[int, Tensor] = {}
    for rest, t in entries.items():
        parts = rest.split(".")
        if len(parts) == 2 and parts[0].isdigit() and parts[1] == "weight" and t.dim() == 4:
            indexed[int(parts[0])] = t
    if indexed:
        last = indexed[max(indexed)]
        head_conv = indexed[min(indexed)].shape[0] if len(indexed) > 1 else 0
        return int(last.shape[0]), int(head_conv)
    w = entries.get("weight")
    if w is not None and w.dim() == 4:
        return int(w.shape[0]), 0
    return None


def infer_heads(state_dict: Mapping[str, Tensor]) -> tuple[dict[str, int], int | None]:
    """Head layout ``({name: channels}, head_conv)`` of a (cleaned) state dict.

    Heads are ordered hm, wh, id, reg, then any others in file order. ``head_conv`` is read from
    ``hm`` (or the first head); ``None`` if the file has no heads.
    """
    groups: dict[str, dict[str, Tensor]] = {}
    prefixes = body_prefixes()
    for k, v in state_dict.items():
        if k.startswith(prefixes):
            continue
        name, sep, rest = k.partition(".")
        if not sep:
            continue
        groups.setdefault(name, {})[rest] = v
    layouts = {name: lay for name, e in groups.items() if (lay := _head_layout(e)) is not None}
    order = [n for n in _CANONICAL_HEAD_ORDER if n in layouts] + [n for n in layouts if n not in _CANONICAL_HEAD_ORDER]
    heads = {n: layouts[n][0] for n in order}
    head_conv = layouts[order[0]][1] if order else None
    return heads, head_conv


def check_layout(arch: str, channels: Sequence[int] | None, heads: Mapping[str, int] | None,
                 head_conv: int | None, source: str, build_heads: Mapping[str, int] | None = None,
                 build_head_conv: int | None = None) -> nn.Module:
    """Check a layout read from a checkpoint against its architecture's bounds, before building.

    ``channels`` (backbone widths read from the file, or None), ``heads`` / ``head_conv`` (read from
    the file; None: given by the caller, not checked) must be within the family's
    ``check_widths`` and :data:`~fairmot.models.registry.MAX_HEAD_CHANNELS` /
    :data:`~fairmot.models.registry.MAX_HEAD_CONV`; then the network (``build_heads`` /
    ``build_head_conv``, default ``heads`` / ``head_conv``) is built on the ``meta`` device (no
    memory, no initialisation, RNG untouched) and must have at most :data:`MAX_PARAMETERS`
    parameters. Returns that meta network (its ``state_dict()`` gives every shape); raises
    ``ValueError`` naming ``source`` otherwise.
    """
    family = canonical_name(arch)[1]
    if channels is not None and family.check_widths is not None:
        family.check_widths(channels, source)
    _check_head_bounds(heads or {}, head_conv, source)
    heads = dict(build_heads if build_heads is not None else heads if heads is not None else DEFAULT_HEADS)
    head_conv = build_head_conv if build_head_conv is not None else (
        head_conv if head_conv is not None else family.default_head_conv)
    with torch.device("meta"):
        skeleton = build_model(arch, heads=heads, head_conv=head_conv, channels=channels)
    n_params = sum(t.numel() for t in skeleton.state_dict().values())
    if n_params > MAX_PARAMETERS:
        raise ValueError(
            f"{source}: the checkpoint's shapes describe a {arch} network with {n_params:,} parameters "
            f"(more than the {MAX_PARAMETERS:,} supported; official networks have at most about 66 million): "
            f"a crafted or damaged file? (heads {heads}, head_conv {head_conv}"
            f"{f', backbone widths {list(channels)}' if channels is not None else ''})")
    return skeleton


def _check_head_bounds(heads: Mapping[str, int], head_conv: int | None, source: str) -> None:
    """Head widths read from a checkpoint must be within :data:`~fairmot.models.registry.MAX_HEAD_CHANNELS`
    / :data:`~fairmot.models.registry.MAX_HEAD_CONV` (checked before anything is built)."""
    for name, ch in heads.items():
        if ch > MAX_HEAD_CHANNELS:
            raise ValueError(f"{source}: head {name!r} has {ch} output channels in the checkpoint, more than the "
                             f"{MAX_HEAD_CHANNELS} supported: a crafted or damaged file?")
    if head_conv is not None and head_conv > MAX_HEAD_CONV:
        raise ValueError(f"{source}: the checkpoint's heads have a hidden width (head_conv) of {head_conv}, more "
                         f"than the {MAX_HEAD_CONV} supported: a crafted or damaged file?")


def _device_of(map_location: Any) -> torch.device | None:
    if isinstance(map_location, torch.device):
        return map_location
    if isinstance(map_location, str):
        try:
            return torch.device(map_location)
        except (RuntimeError, ValueError):
            return None
    return None


def load_model(
    path_or_state: PathOrState,
    arch: str | None = None,
    heads: Mapping[str, int] | None = None,
    head_conv: int | None = None,
    strict: bool = True,
    map_location: Any = "cpu",
) -> nn.Module:
    """Build a FairMOT network matching a checkpoint and load its weights.

    Args:
        path_or_state: ``.pth`` path / binary file object, a checkpoint dict, or a bare state dict.
        arch: ``"dla34"`` / ``"dla_34"`` / ``"dla34_tiny"`` / ``"resdcn_34"`` ...; ``None`` (default):
            the file's ``meta['arch']`` if it has one (checkpoints written by
            :func:`save_checkpoint`), else what its keys show (:func:`checkpoint_arch`: ResNet-DCN
            depth, HRNet width, DLA-34 by its backbone widths), else ``"dla34"``. An explicit arch
            that differs from the recorded / recognised one is a ``ValueError`` naming both.
            DLA backbone widths are read from the file.
        heads: ``{name: channels}``; ``None`` (default) infers them from the file (default heads if
            the file has none).
        head_conv: hidden head width; ``None`` (default) infers it from the file (256 if absent).
        strict: raise ``ValueError`` (listing the keys) if anything other than ``base.fc.*`` (and
            absent BatchNorm counters) does not match; if False, load what matches and log the rest.
        map_location: passed to ``torch.load``; if it names a device, the model is moved there.

    Loading the package's built-in model (or any checkpoint of its recipe) logs one warning that it
    is trained on synthetic scenes only (:func:`fairmot.weights.warn_builtin`).

    Returns:
        the model, in **eval mode**, with ``model.load_report`` (:class:`LoadReport`) describing
        what was loaded and what was skipped (``report.skipped``, ``report.ok``) and
        ``model.checkpoint_meta`` (the file's ``meta`` dict, e.g. ``img_size``; empty for official files),
        ``model.num_classes`` (the ``hm`` head's output channels: 1 for official files) and
        ``model.class_names`` (``meta['classes']``, checked to name ``num_classes`` classes; None
        when the file has none).

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: unreadable / corrupt / unsafe / non-checkpoint file (``"<path> is not a PyTorch
            checkpoint (<why>)"`` and the like, naming the file); a pickle that would run code
            (``"<path>: refused: the file contains code that would run if it were loaded ..."``);
            a tensor that is not a finite real floating-point one (naming it; BatchNorm counters:
            int64 scalars) or claims more elements than the file stores; widths or heads beyond the
            architecture's bounds or a network of more than :data:`MAX_PARAMETERS` parameters
            (all refused before the network is built); an ``arch`` that contradicts the
            checkpoint, or a strict-mode mismatch (found on a ``meta``-device network, before the
            real one is built).
    """
    sd, epoch, ignored, meta = _read_checkpoint(path_or_state, map_location=map_location)
    src = "<state dict>" if isinstance(path_or_state, Mapping) else _describe_source(path_or_state)
    file_arch, how = checkpoint_arch(sd, meta, src)
    if arch is None:  # the recorded / identified name, else the family recognised from the keys, else dla34
        arch = file_arch or infer_arch(sd) or "dla34"
    else:
        arch = normalize_arch(arch)
        if file_arch is not None and arch != file_arch:
            raise ValueError(
                f"{src}: arch {arch!r} was given but the checkpoint holds a {file_arch} network ({how}); "
                f"pass arch={file_arch!r} or leave arch unset")
    family = canonical_name(arch)[1]
    channels = family.read_widths(sd) if family.read_widths is not None else None  # e.g. DLA widths
    file_heads, file_head_conv = infer_heads(sd)
    heads_from_file, head_conv_from_file = heads is None, head_conv is None
    if heads is None:
        heads = file_heads if file_heads else dict(DEFAULT_HEADS)
    heads = dict(heads)
    if head_conv is None:
        head_conv = file_head_conv if file_head_conv is not None else family.default_head_conv
    num_classes = int(heads.get("hm", 1))
    class_names = (check_class_names(meta["classes"], num_classes, f"{src}: meta['classes']")
                   if meta.get("classes") is not None else None)
    skeleton = check_layout(arch, channels, heads if heads_from_file else None,
                            head_conv if head_conv_from_file else None, src,
                            build_heads=heads, build_head_conv=head_conv)
    model_sd = skeleton.state_dict()
    report = LoadReport(source=src, epoch=epoch, heads=dict(heads), head_conv=int(head_conv), ignored=ignored)
    to_load: dict[str, Tensor] = {}
    for k, v in sd.items():
        target = model_sd.get(k)
        if target is None:
            report.unexpected.append(k)
        elif tuple(v.shape) != tuple(target.shape):
            report.mismatched.append((k, tuple(v.shape), tuple(target.shape)))
        else:
            to_load[k] = v
    for k in model_sd:
        if k not in sd:
            (report.defaulted if k.endswith(".num_batches_tracked") else report.missing).append(k)
    report.loaded = [k for k in model_sd if k in to_load]

    if not report.ok and strict:
        raise ValueError(
            f"{src}: checkpoint does not match the {arch} model (heads {heads}, head_conv {head_conv}):\n"
            f"{report.describe()}\n(use strict=False to load the matching entries)"
        )
    del skeleton, model_sd
    model = build_model(arch, heads=heads, head_conv=head_conv, channels=channels)
    model_sd = model.state_dict()
    result = model.load_state_dict(to_load, strict=False)
    not_loaded = set(report.missing) | set(report.defaulted) | {k for k, _, _ in report.mismatched}
    leftover = [k for k in result.missing_keys if k not in not_loaded]
    if leftover or result.unexpected_keys:  # pragma: no cover - our bookkeeping guarantees this
        raise RuntimeError(f"internal error loading {src}: {leftover} {result.unexpected_keys}")
    if not report.ok:
        logger.warning("%s: loaded %d of %d model entries; skipped:\n%s", src, len(report.loaded),
                       len(model_sd), report.describe())
    if report.ignored:
        logger.debug("%s: ignored %s", src, ", ".join(report.ignored))
    if report.defaulted:
        logger.debug("%s: %d BatchNorm counters absent, left at 0", src, len(report.defaulted))

    device = _device_of(map_location)
    if device is not None and device.type != "cpu":
        model = model.to(device)
    model.eval()
    model.load_report = report
    model.checkpoint_meta = meta
    model.num_classes = num_classes
    model.class_names = class_names
    if is_builtin(path_or_state, meta):
        warn_builtin()  # synthetic-only: say so, once per load (fairmot demo suppresses it)
    return model


def _unwrap(model: nn.Module) -> nn.Module:
    while True:
        if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        elif hasattr(model, "_orig_mod") and isinstance(model._orig_mod, nn.Module):  # torch.compile
            model = model._orig_mod
        else:
            return model


def save_checkpoint(path: str | os.PathLike[str], model: nn.Module, epoch: int = 0, optimizer: Any = None,
                    meta: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None) -> None:
    """Write ``{'epoch', 'state_dict'[, 'optimizer'][, 'meta']}`` (the official layout) to ``path``.

    DataParallel / DDP / ``torch.compile`` wrappers are unwrapped so keys carry no prefix.
    ``optimizer`` may be an optimizer or its state dict. ``meta`` (plain ints / floats / strings /
    lists / dicts, readable with ``weights_only``) records e.g. ``arch`` and ``img_size``;
    official readers ignore it. ``extra`` adds further top-level entries (training state for
    resuming). The file is written atomically.
    """
    net = _unwrap(model)
    data: dict[str, Any] = {"epoch": int(epoch), "state_dict": net.state_dict()}
    if optimizer is not None:
        data["optimizer"] = optimizer.state_dict() if hasattr(optimizer, "state_dict") else dict(optimizer)
    if meta:
        data["meta"] = dict(meta)
    for k, v in (extra or {}).items():
        if k in data:
            raise ValueError(f"extra entry {k!r} clashes with a checkpoint entry")
        data[k] = v
    with atomic_open(path, "wb") as f:
        torch.save(data, f)
