"""Detection: one frame in, detections in frame pixels out.

* :mod:`.preprocess`: letterbox and the network input tensor (numpy / torch);
* :mod:`.postprocess`: the official affine from output-map units back to frame pixels;
* :mod:`.detector`: ``Detector`` = network + decoding (torch), the per-frame detector;
* :mod:`.onnx_runtime`: ``OnnxModel``, an exported network run by ONNX Runtime in place of torch.

Importing this package needs neither torch nor onnxruntime; ``Detector`` and ``OnnxModel`` load them
on first use.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Detector", "resolve_device", "OnnxModel", "letterbox", "to_input_tensor", "map_to_frame",
           "affine_to_frame"]

_LAZY = {
    "Detector": ".detector", "resolve_device": ".detector", "OnnxModel": ".onnx_runtime",
    "letterbox": ".preprocess", "to_input_tensor": ".preprocess", "map_to_frame": ".postprocess",
    "affine_to_frame": ".postprocess",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
