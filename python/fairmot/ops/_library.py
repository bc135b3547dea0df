"""Loads the compiled torch operators (``fairmot._C``) and registers their
autograd formulas and fake (meta) kernels.

Importing this module is what makes ``torch.ops.fairmot.*`` available.
"""
from __future__ import annotations

import logging
import warnings

logger = logging.getLogger(__name__)

try:
    import torch
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError("fairmot.ops needs PyTorch: install torch first (pip install torch)") from exc

try:
    from .. import _C  # registers the fairmot:: operators with torch
except ImportError as exc:
    raise ImportError(
        f"fairmot's torch operators (fairmot._C) could not be loaded: {exc}. fairmot was built without torch "
        "or against another torch than the one installed now. Rebuild it against the installed torch: "
        "pip install --no-build-isolation --no-deps --force-reinstall <path to fairmot>"
    ) from exc


def _base_version(v: str) -> str:
    return v.split("+")[0]


if _base_version(_C.torch_version) != _base_version(torch.__version__):
    warnings.warn(
        f"fairmot._C was built against torch {_C.torch_version} but torch {torch.__version__} is running; "
        "rebuild fairmot (pip install --no-build-isolation --no-deps --force-reinstall .) if operators fail",
        RuntimeWarning,
        stacklevel=2,
    )

# ----------------------------------------------------------------------------- deform_conv2d


def _out_size(size: int, pad: int, dilation: int, kernel: int, stride: int) -> int:
    return (size + 2 * pad - (dilation * (kernel - 1) + 1)) // stride + 1


@torch.library.register_fake("fairmot::deform_conv2d")
def _deform_conv2d_fake(input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dilation_h,
                        dilation_w, groups, offset_groups, use_mask):
    torch._check(input.dim() == 4, lambda: "deform_conv2d: input must be 4-D")
    torch._check(weight.dim() == 4, lambda: "deform_conv2d: weight must be 4-D")
    kh, kw = weight.shape[2], weight.shape[3]
    h_out = _out_size(input.shape[2], pad_h, dilation_h, kh, stride_h)
    w_out = _out_size(input.shape[3], pad_w, dilation_w, kw, stride_w)
    return input.new_empty((input.shape[0], weight.shape[0], h_out, w_out))


@torch.library.register_fake("fairmot::_deform_conv2d_backward")
def _deform_conv2d_backward_fake(grad, input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w,
                                 dilation_h, dilation_w, groups, offset_groups, use_mask):
    # The real kernels return contiguous gradients whatever the inputs' memory format.
    return (
        input.new_empty(input.shape),
        weight.new_empty(weight.shape),
        offset.new_empty(offset.shape),
        mask.new_empty(mask.shape),
        grad.new_empty((weight.shape[0],)),
    )


def _deform_conv2d_setup_context(ctx, inputs, output):
    input, weight, offset, mask, bias, *params = inputs
    ctx.save_for_backward(input, weight, offset, mask, bias)
    ctx.params = params


def _deform_conv2d_backward(ctx, grad):
    input, weight, offset, mask, bias = ctx.saved_tensors
    use_mask = ctx.params[-1]
    grad_input, grad_weight, grad_offset, grad_mask, grad_bias = torch.ops.fairmot._deform_conv2d_backward(
        grad, input, weight, offset, mask, bias, *ctx.params
    )
    return (grad_input, grad_weight, grad_offset, grad_mask if use_mask else None, grad_bias) + (None,) * 9


torch.library.register_autograd(
    "fairmot::deform_conv2d", _deform_conv2d_backward, setup_context=_deform_conv2d_setup_context
)

# Autocast (mixed precision): csrc/ops/deform_conv2d/autocast/ runs the operator in float32.

# ----------------------------------------------------------------------------- heatmap_topk


@torch.library.register_fake("fairmot::heatmap_topk")
def _heatmap_topk_fake(heat, k, kernel):
    torch._check(heat.dim() == 4, lambda: "heatmap_topk: heat must be 4-D")
    b, c, h, w = heat.shape
    k2 = min(k, c * min(k, h * w))
    return (
        heat.new_empty((b, k2)),
        heat.new_empty((b, k2), dtype=torch.int64),
        heat.new_empty((b, k2), dtype=torch.int64),
        heat.new_empty((b, k2), dtype=torch.float32),
        heat.new_empty((b, k2), dtype=torch.float32),
    )


def build_info() -> dict:
    """How the compiled operators were built."""
    return {
        "with_cuda": bool(_C.with_cuda),
        "torch_version": _C.torch_version,
        "cuda_version": _C.cuda_version,
        "cuda_archs": _C.cuda_archs,
        "build_policy": _C.build_policy,
    }
