"""ONNX export of ``torch.ops.fairmot.deform_conv2d`` as the standard ONNX ``DeformConv``.

ONNX has a ``DeformConv`` operator since opset 19 (inputs ``X, W, offset, B, mask``; attributes
``dilations, group, offset_group, pads, strides, kernel_shape``). Its offset and mask layouts are
the ones of our operator (and of ``torchvision.ops.deform_conv2d``):

* ``offset``: (N, offset_group * kH * kW * 2, oH, oW); for offset group ``g`` and kernel tap
  ``k = i * kW + j``, channel ``g * 2 * kH * kW + 2 * k`` is the vertical and ``+ 1`` the
  horizontal displacement, in input pixels;
* ``mask``: (N, offset_group * kH * kW, oH, oW), channel ``g * kH * kW + k``;
* samples outside the image (``y <= -1``, ``y >= H``, ``x <= -1``, ``x >= W``) contribute 0, and
  the four bilinear corners that fall outside are dropped one by one.

So the mapping is one node, with no re-ordering of channels. Both exporters are covered:

* ``torch.onnx.export(..., dynamo=True, custom_translation_table=custom_translation_table())``
  (the ``torch.export``-based exporter; the translation is an onnxscript function);
* ``torch.onnx.export(..., dynamo=False)`` after :func:`register_torchscript_symbolic` (the
  legacy TorchScript exporter, while the installed torch still has it).

Runtimes: ONNX Runtime implements ``DeformConv`` from version 1.25 (CPU: float32/float64; CUDA),
``onnx.reference.ReferenceEvaluator`` implements it too (slow, pure numpy).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import torch

from . import _library  # noqa: F401  (registers torch.ops.fairmot)

__all__ = [
    "MIN_OPSET",
    "MIN_ONNXRUNTIME_VERSION",
    "deform_conv_attributes",
    "deform_conv2d_translation",
    "custom_translation_table",
    "deform_conv2d_symbolic",
    "register_torchscript_symbolic",
]

logger = logging.getLogger(__name__)

#: First ONNX opset with ``DeformConv``.
MIN_OPSET = 19
#: First ONNX Runtime release with ``DeformConv`` kernels (CPU float/double and CUDA): one home, fairmot.config.
from ..config import MIN_ONNXRUNTIME_VERSION  # noqa: E402


def deform_conv_attributes(
    kernel_shape: tuple[int, int] | None,
    stride_h: int,
    stride_w: int,
    pad_h: int,
    pad_w: int,
    dilation_h: int,
    dilation_w: int,
    groups: int,
    offset_groups: int,
) -> dict[str, Any]:
    """Attributes of the ONNX ``DeformConv`` node equivalent to our operator's arguments.

    ``pads`` is ``[top, left, bottom, right]`` (symmetric here, as in our operator);
    ``kernel_shape`` is omitted when unknown (ONNX infers it from ``W``).
    """
    attrs: dict[str, Any] = {
        "dilations": [int(dilation_h), int(dilation_w)],
        "group": int(groups),
        "offset_group": int(offset_groups),
        "pads": [int(pad_h), int(pad_w), int(pad_h), int(pad_w)],
        "strides": [int(stride_h), int(stride_w)],
    }
    if kernel_shape is not None:
        attrs["kernel_shape"] = [int(kernel_shape[0]), int(kernel_shape[1])]
    return attrs


def _static_kernel_shape(weight: Any) -> tuple[int, int] | None:
    """(kH, kW) of a weight value of either exporter, when its shape is known."""
    shape = getattr(weight, "shape", None)
    if shape is None:
        try:  # TorchScript value
            sizes = weight.type().sizes()
        except Exception:  # noqa: BLE001 - unknown rank or not a tensor type
            return None
        shape = sizes
    try:
        dims = list(shape)
    except TypeError:
        return None
    if len(dims) != 4 or not all(isinstance(d, int) for d in dims[2:]):
        return None
    return int(dims[2]), int(dims[3])


def deform_conv2d_translation(
    input: Any,
    weight: Any,
    offset: Any,
    mask: Any,
    bias: Any,
    stride_h: int,
    stride_w: int,
    pad_h: int,
    pad_w: int,
    dilation_h: int,
    dilation_w: int,
    groups: int,
    offset_groups: int,
    use_mask: bool,
) -> Any:
    """onnxscript translation of ``fairmot::deform_conv2d`` for the dynamo-based exporter.

    Called by ``torch.onnx.export(dynamo=True)`` with the operator's arguments (tensors as
    onnxscript values, the integer arguments as Python ints): emits one ``DeformConv`` node. The
    placeholder mask of DCNv1 calls (``use_mask=False``) is left out, which is how ONNX
    ``DeformConv`` spells "no modulation".
    """
    from onnxscript import (
        opset19 as op,  # DeformConv-19; opset 22 only widens its types
    )

    attrs = deform_conv_attributes(_static_kernel_shape(weight), stride_h, stride_w, pad_h, pad_w,
                                   dilation_h, dilation_w, groups, offset_groups)
    if use_mask:
        return op.DeformConv(input, weight, offset, bias, mask, **attrs)
    return op.DeformConv(input, weight, offset, bias, **attrs)


def custom_translation_table() -> dict[Callable, Callable]:
    """``custom_translation_table`` for ``torch.onnx.export(..., dynamo=True)``.

    Raises ImportError (saying what to install) when onnxscript is missing.
    """
    try:
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "exporting to ONNX needs onnx and onnxscript: pip install 'fairmot[onnx]' "
            "(or pip install onnx onnxscript)"
        ) from exc
    return {torch.ops.fairmot.deform_conv2d.default: deform_conv2d_translation}


def deform_conv2d_symbolic(
    g: Any,
    input: Any,
    weight: Any,
    offset: Any,
    mask: Any,
    bias: Any,
    stride_h: int,
    stride_w: int,
    pad_h: int,
    pad_w: int,
    dilation_h: int,
    dilation_w: int,
    groups: int,
    offset_groups: int,
    use_mask: bool,
) -> Any:
    """TorchScript-exporter symbolic of ``fairmot::deform_conv2d`` (opset >= 19): one ``DeformConv``.

    Takes the integer arguments as Python values; :func:`register_torchscript_symbolic` wraps it
    with ``symbolic_helper.parse_args``, which turns the graph constants into them.
    """
    attrs = deform_conv_attributes(_static_kernel_shape(weight), stride_h, stride_w, pad_h, pad_w,
                                   dilation_h, dilation_w, groups, offset_groups)
    kwargs = {f"{name}_i": value for name, value in attrs.items()}
    inputs = [input, weight, offset, bias] + ([mask] if use_mask else [])
    return g.op("DeformConv", *inputs, **kwargs)


_registered_symbolic = False


def register_torchscript_symbolic() -> bool:
    """Register :func:`deform_conv2d_symbolic` with the TorchScript-based exporter (idempotent).

    It applies from opset 19 on (exporting our operator at a lower opset fails with torch's
    "unsupported operator" error). Returns False, with a log message, when the installed torch
    has no TorchScript exporter any more.
    """
    global _registered_symbolic
    if _registered_symbolic:
        return True
    register = getattr(torch.onnx, "register_custom_op_symbolic", None)
    if register is None:
        logger.info("this torch (%s) has no TorchScript ONNX exporter; use dynamo=True", torch.__version__)
        return False
    from torch.onnx import symbolic_helper

    symbolic = symbolic_helper.parse_args("v", "v", "v", "v", "v", "i", "i", "i", "i", "i", "i", "i", "i", "b")(
        deform_conv2d_symbolic)
    register("fairmot::deform_conv2d", symbolic, MIN_OPSET)
    _registered_symbolic = True
    return True
