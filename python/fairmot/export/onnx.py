"""Export of the FairMOT network to standard ONNX (the command is :mod:`fairmot.cli.export`).

The exported graph is the network only: input ``image`` (N x 3 x H x W, RGB in [0, 1], the
letterboxed canvas of :mod:`fairmot.detection.preprocess`) and one output per head, named after it and in
the network's head order (``hm``, ``wh``, ``id``, ``reg`` for FairMOT), holding the raw maps
``forward`` returns (no sigmoid, no normalisation). The deformable convolutions become ONNX
``DeformConv`` nodes (opset >= 19, see :mod:`fairmot.ops.onnx`); every other node is a standard
ONNX operator, so the file runs on ONNX Runtime >= 1.25, TensorRT or any runtime with
``DeformConv``, without plugins. Decoding and association stay in Python
(``fairmot.Tracker("model.onnx")``).

The module's top level imports no torch or onnx.
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence, Union

from ..config import DEFAULT_IMG_SIZE, DEFAULT_K

if TYPE_CHECKING:  # pragma: no cover
    import onnx
    import torch

__all__ = ["export_onnx", "DEFAULT_OPSET", "INPUT_NAME"]

logger = logging.getLogger(__name__)

#: Default ONNX opset (the first with ``DeformConv``).
DEFAULT_OPSET = 19
#: Name of the graph input.
INPUT_NAME = "image"
#: Batch size of the example input of dynamic-batch exports (1 would be specialised by torch.export).
_DYNAMIC_EXAMPLE_BATCH = 2
#: Metadata keys written into exported models (read back by :class:`fairmot.detection.onnx_runtime.OnnxModel`).
META_IMG_SIZE = "fairmot.img_size"
META_HEADS = "fairmot.heads"
META_VERSION = "fairmot.version"
META_INPUT = "fairmot.input"
#: JSON list of class names (written when the network has them: multi-class checkpoints of ``fairmot train``).
META_CLASSES = "fairmot.classes"

ModelSource = Union[None, str, "os.PathLike[str]", "torch.nn.Module"]


def _require_onnx() -> Any:
    try:
        import onnx
        import onnxscript  # noqa: F401  (needed by torch.onnx's dynamo exporter)
    except ImportError as exc:
        raise ImportError(
            f"exporting to ONNX needs onnx and onnxscript ({exc}): pip install 'fairmot[onnx]' "
            "(or pip install onnx onnxscript onnxruntime)"
        ) from exc
    return onnx


def _check_img_size(img_size: Sequence[int]) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in img_size)
    except (TypeError, ValueError):
        raise ValueError(f"img_size must be (width, height), got {img_size!r}") from None
    from ..config import is_valid_img_size

    if not is_valid_img_size(w, h):
        raise ValueError(f"img_size must be positive multiples of 32 (e.g. 1088x608), got {w}x{h}")
    return w, h


def _load_network(model_or_weights: ModelSource, arch: str | None) -> "torch.nn.Module":
    """A private, CPU, eval-mode copy of the network to export."""
    import torch

    if model_or_weights is None:
        from ..weights import default_weights

        model_or_weights = default_weights()
        logger.info("no weights given: exporting the built-in model %s", model_or_weights)
    if isinstance(model_or_weights, torch.nn.Module):
        net = model_or_weights
        while True:  # DataParallel / DDP / torch.compile wrappers
            if isinstance(net, (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)):
                net = net.module
            elif isinstance(getattr(net, "_orig_mod", None), torch.nn.Module):
                net = net._orig_mod
            else:
                break
        net = copy.deepcopy(net)
    elif isinstance(model_or_weights, (str, os.PathLike)):
        path = os.fspath(model_or_weights)
        if path.lower().endswith(".onnx"):
            raise ValueError(f"{path} is already an ONNX model; export takes a PyTorch checkpoint (.pth)")
        if not os.path.exists(path):
            raise FileNotFoundError(f"checkpoint not found: {path}")
        from ..models import load_model

        net = load_model(path) if arch is None else load_model(path, arch=arch)
    else:
        raise TypeError(f"model_or_weights must be a checkpoint path, an nn.Module or None, "
                        f"got {type(model_or_weights).__name__}")
    return net.float().cpu().eval()


def _head_names(net: "torch.nn.Module", example: "torch.Tensor") -> list[str]:
    """Head names in output order: ``net.heads`` when the network has it, else one forward pass."""
    import torch

    heads = getattr(net, "heads", None)
    if isinstance(heads, dict) and heads:
        return [str(k) for k in heads]
    with torch.no_grad():
        out = net(example)
    if isinstance(out, (list, tuple)):
        out = out[-1]
    if not isinstance(out, dict) or not out:
        raise TypeError("the network must return a dict of head maps (or a list ending with one)")
    return [str(k) for k in out]


def _heads_module(net: "torch.nn.Module", heads: list[str]) -> "torch.nn.Module":
    """Wrap ``net`` so that ``forward(image)`` returns the head maps as a tuple, in ``heads`` order."""
    import torch

    class _HeadsAsTuple(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
            out = self.net(image)
            if isinstance(out, (list, tuple)):
                out = out[-1]
            return tuple(out[name] for name in heads)

    return _HeadsAsTuple().eval()


#: Output names of a network exported with ``decode=True``.
DECODED_OUTPUTS = ("dets", "inds", "id_feature")


def _decoded_module(net: "torch.nn.Module", heads: list[str], K: int) -> "torch.nn.Module":
    """Wrap ``net`` so that ``forward(image)`` returns the decoded top-K centres with standard
    operators only: ``dets`` (N, K, 6) x1, y1, x2, y2, score, class in output-map units (stride 4),
    ``inds`` (N, K) flat map indices, ``id_feature`` (N, K, D) L2-normalised embeddings."""
    import torch
    import torch.nn.functional as F

    from ..ops.decode import gather_feat, mot_decode_reference_ops

    missing = [h for h in ("hm", "wh", "id") if h not in heads]
    if missing:
        raise ValueError(f"decode=True needs the heads hm, wh and id; the network lacks {missing}")

    class _Decoded(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            out = self.net(image)
            if isinstance(out, (list, tuple)):
                out = out[-1]
            wh = out["wh"]
            dets, inds = mot_decode_reference_ops(out["hm"].sigmoid(), wh, out.get("reg"), ltrb=wh.shape[1] == 4,
                                                  K=K)
            emb = F.normalize(gather_feat(out["id"], inds), dim=2)
            return dets, inds, emb

    return _Decoded().eval()


@contextlib.contextmanager
def _quiet_loggers(names: Sequence[str], level: int = logging.WARNING) -> Iterator[None]:
    """Raise the level of chatty third-party loggers (onnx_ir logs every pass at INFO) for a block."""
    saved = {}
    for name in names:
        lg = logging.getLogger(name)
        saved[name] = lg.level
        if lg.getEffectiveLevel() < level:
            lg.setLevel(level)
    try:
        yield
    finally:
        for name, lvl in saved.items():
            logging.getLogger(name).setLevel(lvl)


def _export_dynamo(module: "torch.nn.Module", example: "torch.Tensor", heads: list[str], opset: int,
                   dynamic_batch: bool) -> "onnx.ModelProto":
    import torch

    from ..ops.onnx import custom_translation_table

    dynamic_shapes = None
    if dynamic_batch:
        dynamic_shapes = {INPUT_NAME: {0: torch.export.Dim("batch", min=1, max=4096)}}
    with warnings.catch_warnings(), _quiet_loggers(("onnx_ir", "onnxscript", "torch.onnx")):
        warnings.filterwarnings("ignore", category=FutureWarning)
        program = torch.onnx.export(
            module, (example,), dynamo=True, opset_version=opset, input_names=[INPUT_NAME], output_names=heads,
            dynamic_shapes=dynamic_shapes, custom_translation_table=custom_translation_table(), verbose=False,
            optimize=True,
        )
    return program.model_proto


def _export_torchscript(module: "torch.nn.Module", example: "torch.Tensor", heads: list[str], opset: int,
                        dynamic_batch: bool) -> "onnx.ModelProto":
    import io

    import onnx
    import torch

    from ..ops.onnx import register_torchscript_symbolic

    if not register_torchscript_symbolic():
        raise RuntimeError(f"torch {torch.__version__} has no TorchScript ONNX exporter; use dynamo=True")
    dynamic_axes = None
    if dynamic_batch:
        dynamic_axes = {name: {0: "batch"} for name in [INPUT_NAME, *heads]}
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation notice and tracer warnings
        torch.onnx.export(module, (example,), buf, dynamo=False, opset_version=opset, input_names=[INPUT_NAME],
                          output_names=heads, dynamic_axes=dynamic_axes, do_constant_folding=True)
    return onnx.load_from_string(buf.getvalue())


def export_onnx(
    model_or_weights: ModelSource = None,
    path: str | os.PathLike[str] = "fairmot.onnx",
    img_size: tuple[int, int] | None = None,
    fp16: bool = False,
    dynamic_batch: bool = False,
    opset: int = DEFAULT_OPSET,
    *,
    arch: str | None = None,
    dynamo: bool = True,
    check: bool = True,
    decode: bool = False,
    K: int = DEFAULT_K,
) -> Path:
    """Export a FairMOT network to a standard ONNX file.

    Args:
        model_or_weights: a checkpoint path (read with :func:`fairmot.models.load_model`, which
            builds the matching network), a network (``forward(x) -> {head: map}``; it is copied,
            not modified), or None for the built-in model.
        path: output file (written atomically; weights inside the file).
        img_size: network input (width, height), multiples of 32; None: the checkpoint's
            ``meta['img_size']`` (the built-in model's training size), else 1088x608.
        fp16: export in float16 (input, weights, outputs), for GPU runtimes (ONNX Runtime's CPU
            ``DeformConv`` kernel is float32/float64; it runs float16 files through inserted casts).
        dynamic_batch: make the batch dimension (of the input and every output) symbolic, ``batch``.
        opset: ONNX opset, at least 19.
        arch: network architecture of a checkpoint; None lets ``load_model`` decide.
        dynamo: use the ``torch.export``-based exporter (default) or the TorchScript one.
        check: run ``onnx.checker.check_model(full_check=True)`` (with shape inference).
        decode: also put the decoding into the graph, as standard operators (``MaxPool``,
            ``Equal``, ``Mul``, ``TopK``, ``GatherElements``): the outputs are then ``dets`` (N, K, 6:
            x1, y1, x2, y2 in output-map units, score, class), ``inds`` (N, K) and ``id_feature``
            (N, K, D, L2-normalised) instead of the head maps. For runtimes outside fairmot;
            ``fairmot.Tracker`` runs the default (raw heads) files.
        K: number of decoded centres when ``decode`` (official 500).

    Returns:
        the path written. The graph's input is ``image`` (N x 3 x H x W) and its outputs are
        the heads, named after them, as ``forward`` returns them (``hm`` has one channel per
        class: C for a multi-class network). Metadata properties record the input size, the heads
        and their channels, the class names when the network has them (``fairmot.classes``, a
        JSON list) and the fairmot version.

    Raises:
        FileNotFoundError: the checkpoint (or the built-in model) does not exist.
        ValueError: bad ``img_size`` / ``opset`` / checkpoint; ImportError: onnx/onnxscript missing.
    """
    if img_size is not None:
        _check_img_size(img_size)
    opset = int(opset)
    from ..ops.onnx import MIN_OPSET

    if opset < MIN_OPSET:
        raise ValueError(f"opset must be >= {MIN_OPSET} (the first opset with DeformConv), got {opset}")
    onnx = _require_onnx()
    import torch

    from .. import __version__

    net = _load_network(model_or_weights, arch)
    if img_size is None:
        meta_size = (getattr(net, "checkpoint_meta", None) or {}).get("img_size")
        img_size = tuple(int(v) for v in meta_size) if meta_size else DEFAULT_IMG_SIZE
    w, h = _check_img_size(img_size)
    batch = _DYNAMIC_EXAMPLE_BATCH if dynamic_batch else 1
    example = torch.zeros(batch, 3, h, w)
    heads = _head_names(net, example[:1])
    if fp16:
        net = net.half()
        example = example.half()
    if decode:
        if not isinstance(K, int) or K < 1:
            raise ValueError(f"K must be a positive int, got {K!r}")
        module = _decoded_module(net, heads, K)
        outputs = list(DECODED_OUTPUTS)
    else:
        module = _heads_module(net, heads)
        outputs = heads
    exporter = _export_dynamo if dynamo else _export_torchscript
    logger.info("exporting %s to ONNX (opset %d, %dx%d, %s%s, %s exporter)", type(net).__name__, opset, w, h,
                "float16" if fp16 else "float32", ", dynamic batch" if dynamic_batch else "",
                "dynamo" if dynamo else "TorchScript")
    model = exporter(module, example, outputs, opset, dynamic_batch)

    graph_inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    graph_outputs = [o.name for o in model.graph.output]
    if graph_inputs != [INPUT_NAME] or graph_outputs != outputs:  # pragma: no cover - exporter guarantees
        raise RuntimeError(f"unexpected ONNX signature: inputs {graph_inputs}, outputs {graph_outputs}")
    if decode:
        channels = {name: int(c) for name, c in (getattr(net, "heads", None) or {}).items()}
        described = (f"RGB in [0, 1], N x 3 x H x W, letterboxed (fairmot.detection.preprocess); outputs the top-{K} decoded "
                     "centres: dets (x1, y1, x2, y2 at stride 4, score, class), inds, id_feature (L2-normalised)")
    else:
        channels = {o.name: o.type.tensor_type.shape.dim[1].dim_value for o in model.graph.output}
        described = "RGB in [0, 1], N x 3 x H x W, letterboxed (fairmot.detection.preprocess); outputs raw head maps at stride 4"
    meta = {
        META_VERSION: __version__,
        META_IMG_SIZE: f"{w}x{h}",
        META_HEADS: json.dumps(channels),
        META_INPUT: described,
    }
    from ..models.classes import class_names_of

    class_names = class_names_of(net)
    if class_names is not None:
        meta[META_CLASSES] = json.dumps(list(class_names))
    for key, value in meta.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    model.doc_string = f"FairMOT network exported by fairmot {__version__}"
    if check:
        onnx.checker.check_model(model, full_check=True)
    from .._io import atomic_open

    out = Path(path)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(out, "wb") as f:
        f.write(model.SerializeToString())
    logger.info("wrote %s (%.1f MB)", out, out.stat().st_size / 1e6)
    return out
