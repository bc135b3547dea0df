"""Running an exported FairMOT network (``fairmot export``) with ONNX Runtime.

:class:`OnnxModel` loads the file into an ``onnxruntime.InferenceSession`` and is called like
the torch network, on a numpy batch: ``model(blob) -> {head: map}`` (float32 numpy arrays).
:class:`fairmot.detection.Detector` accepts it in place of a torch network, and
``fairmot.Tracker("model.onnx")`` builds one, so tracking uses the same letterbox, decoding and
association as with the torch network.

ONNX Runtime runs the standard ``DeformConv`` operator from version 1.25 on (CPU kernels for
float32 and float64, which float16 models reach through ONNX Runtime's automatic casts; CUDA).
onnxruntime is an optional dependency: ``pip install 'fairmot[onnx]'``.
"""
from __future__ import annotations

import json
import logging
import os
import re
from typing import Any, Sequence

import numpy as np

from ..config import (
    MIN_ONNXRUNTIME_VERSION,  # first ONNX Runtime with DeformConv kernels
)

__all__ = ["OnnxModel", "onnxruntime_providers", "MIN_ONNXRUNTIME_VERSION"]

logger = logging.getLogger(__name__)

_MIN_VERSION_TEXT = ".".join(str(v) for v in MIN_ONNXRUNTIME_VERSION)

_NP_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64}


def _import_ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError(
            f"running ONNX models needs onnxruntime >= {_MIN_VERSION_TEXT}: pip install 'fairmot[onnx]' "
            "(or pip install onnxruntime; onnxruntime-gpu for CUDA)"
        ) from exc
    return onnxruntime


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        m = re.match(r"\d+", piece)
        parts.append(int(m.group()) if m else 0)
    return tuple(parts)


def onnxruntime_providers(device: str = "auto") -> list[Any]:
    """ONNX Runtime execution providers for a fairmot device string.

    ``"auto"``: CUDA when onnxruntime has its CUDA provider, else the CPU; ``"cpu"``;
    ``"cuda"`` / ``"cuda:i"`` (ValueError when the CUDA provider is not installed).
    """
    ort = _import_ort()
    available = ort.get_available_providers()
    device = str(device).strip().lower()
    if device == "auto":
        return (["CUDAExecutionProvider", "CPUExecutionProvider"] if "CUDAExecutionProvider" in available
                else ["CPUExecutionProvider"])
    if device == "cpu":
        return ["CPUExecutionProvider"]
    m = re.fullmatch(r"cuda(?::(\d+))?", device)
    if m:
        if "CUDAExecutionProvider" not in available:
            raise ValueError(f"device {device!r} requested but this onnxruntime has no CUDAExecutionProvider "
                             f"(available: {', '.join(available)}); install onnxruntime-gpu")
        return [("CUDAExecutionProvider", {"device_id": int(m.group(1) or 0)}), "CPUExecutionProvider"]
    raise ValueError(f"unknown device {device!r}: expected auto, cpu, cuda or cuda:N")


class OnnxModel:
    """An exported FairMOT network run by ONNX Runtime, called like the torch network.

    Args:
        path: the ``.onnx`` file (one image input; one output per head).
        device: "auto", "cpu", "cuda" or "cuda:N" (see :func:`onnxruntime_providers`).
        providers: explicit ONNX Runtime providers (overrides ``device``).
        session_options: an ``onnxruntime.SessionOptions`` (thread counts, ...).

    Attributes:
        heads: ``{name: channels}`` in output order.
        input_name, input_dtype: the graph input and its numpy dtype (float16 models take
            float16; calls cast for you).
        img_size: (width, height) the file was exported for, or None if its H and W are symbolic.
        class_names: the class names recorded at export (metadata ``fairmot.classes``), or None; the
            number of classes is ``heads['hm']`` (the heatmap channels).

    Raises:
        ImportError: onnxruntime missing. FileNotFoundError: no such file.
        RuntimeError: the installed onnxruntime cannot run the model (no ``DeformConv`` kernel:
            onnxruntime < 1.25, or a float16 model on the CPU), with what to do.
    """

    def __init__(self, path: str | os.PathLike[str], device: str = "auto", providers: Sequence[Any] | None = None,
                 session_options: Any = None) -> None:
        ort = _import_ort()
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"ONNX model not found: {self.path}")
        version = _version_tuple(ort.__version__)
        if version < MIN_ONNXRUNTIME_VERSION:
            raise RuntimeError(
                f"onnxruntime {ort.__version__} has no DeformConv kernel, which FairMOT models need: "
                f"install onnxruntime >= {_MIN_VERSION_TEXT} (pip install -U onnxruntime)")
        self.providers = list(providers) if providers is not None else onnxruntime_providers(device)
        try:
            self.session = ort.InferenceSession(self.path, sess_options=session_options, providers=self.providers)
        except Exception as exc:  # onnxruntime raises its own exception types
            msg = str(exc)
            if "DeformConv" in msg and ("NOT_IMPLEMENTED" in msg or "implementation" in msg):
                raise RuntimeError(self._no_kernel_message(ort, msg)) from exc
            raise RuntimeError(f"onnxruntime could not load {self.path}: {msg.strip().splitlines()[0]}") from exc
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"{self.path}: expected one input (the image), got {[i.name for i in inputs]}")
        self.input_name = inputs[0].name
        self.input_dtype = _NP_TYPES.get(inputs[0].type, np.float32)
        shape = list(inputs[0].shape)
        if len(shape) != 4:
            raise ValueError(f"{self.path}: input {self.input_name} must be 4-D (N, 3, H, W), got {shape}")
        h, w = shape[2], shape[3]
        self.img_size: tuple[int, int] | None = (w, h) if isinstance(w, int) and isinstance(h, int) else None
        self.fixed_batch: int | None = shape[0] if isinstance(shape[0], int) else None
        outputs = self.session.get_outputs()
        self.output_names = [o.name for o in outputs]
        meta = self.session.get_modelmeta().custom_metadata_map or {}
        declared: dict[str, int] = {}
        if "fairmot.heads" in meta:
            try:
                declared = {str(k): int(v) for k, v in json.loads(meta["fairmot.heads"]).items()}
            except (ValueError, TypeError, AttributeError):
                declared = {}
        if self.output_names[:3] == ["dets", "inds", "id_feature"]:
            raise ValueError(f"{self.path}: this network was exported with the decoding inside (outputs "
                             f"{self.output_names}); fairmot.Tracker runs files that output the raw heads "
                             "(fairmot export without --decode)")
        self.heads: dict[str, int] = {}
        for o in outputs:
            ch = o.shape[1] if len(o.shape) == 4 and isinstance(o.shape[1], int) else declared.get(o.name, 0)
            self.heads[o.name] = int(ch)
        self.class_names: list[str] | None = None
        if "fairmot.classes" in meta:
            from ..models.classes import check_class_names

            try:
                self.class_names = check_class_names(json.loads(meta["fairmot.classes"]), self.heads.get("hm"),
                                                     f"{self.path}: metadata fairmot.classes")
            except (ValueError, TypeError) as exc:
                logger.warning("%s: class names ignored (%s)", self.path, exc)
        missing = [k for k in ("hm", "wh", "id") if k not in self.heads]
        if missing:
            raise ValueError(f"{self.path}: not a FairMOT network: outputs {self.output_names} lack {missing}")
        logger.info("ONNX model %s on %s: input %s %s, outputs %s", self.path,
                    ", ".join(self.session.get_providers()), self.input_name, shape, self.heads)

    def _no_kernel_message(self, ort: Any, msg: str) -> str:
        names = [p if isinstance(p, str) else p[0] for p in self.providers]
        base = f"onnxruntime {ort.__version__} ({', '.join(names)})"
        first = msg.strip().splitlines()[0] if msg.strip() else ""
        if self._input_type_hint() == "float16":
            return (f"{base} has no float16 DeformConv kernel for {self.path}: the CPU kernel is float32/float64 "
                    "only. Run float16 models with onnxruntime-gpu (device='cuda'), or export without --fp16")
        return (f"{base} cannot run DeformConv in {self.path}: DeformConv needs onnxruntime >= {_MIN_VERSION_TEXT} "
                f"with the CPU or CUDA provider (pip install -U onnxruntime). ({first})")

    def _input_type_hint(self) -> str:
        """The element type of the model's first input, read with onnx if installed (best effort, for messages)."""
        try:
            import onnx

            model = onnx.load(self.path, load_external_data=False)
            return onnx.TensorProto.DataType.Name(model.graph.input[0].type.tensor_type.elem_type).lower()
        except Exception:  # noqa: BLE001 - only used to word an error message
            return ""

    def __call__(self, blob: np.ndarray) -> dict[str, np.ndarray]:
        """Raw head maps ``{name: (N, C, H/4, W/4) float32}`` of an (N, 3, H, W) float image batch."""
        x = np.asarray(blob)
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected an (N, 3, H, W) batch, got shape {x.shape}")
        if self.img_size is not None and (x.shape[3], x.shape[2]) != self.img_size:
            raise ValueError(f"{self.path} takes {self.img_size[0]}x{self.img_size[1]} input, got "
                             f"{x.shape[3]}x{x.shape[2]}")
        x = np.ascontiguousarray(x, dtype=self.input_dtype)
        outs = self.session.run(self.output_names, {self.input_name: x})
        return {name: np.asarray(out, dtype=np.float32) for name, out in zip(self.output_names, outs)}

    def __repr__(self) -> str:
        return f"OnnxModel({self.path!r}, providers={self.session.get_providers()}, heads={self.heads})"
