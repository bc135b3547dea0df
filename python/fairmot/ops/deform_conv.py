"""Modulated deformable convolution (DCNv2) and the ``DCN`` module of FairMOT.

:func:`deform_conv2d` is a drop-in for ``torchvision.ops.deform_conv2d`` (same signature and
results, autograd, ``torch.compile``, ``torch.jit.script``); see docs/compatibility.md.

No ``from __future__ import annotations`` here: ``torch.jit.script`` compiles
:func:`deform_conv2d` and ``DCN.forward`` from their annotations, which must be TorchScript
types (``Optional[Tensor]``, ``Tuple[int, int]``, ``Union[...]``).
"""
import math
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor, nn
from torch.nn.modules.utils import _pair

from . import _library  # noqa: F401  (registers torch.ops.fairmot)
from .errors import OpArgumentError, OpDtypeError

__all__ = ["deform_conv2d", "DCN"]

# stride / padding / dilation: an int, or an (h, w) pair given as a tuple or a list.
_IntPair = Union[int, Tuple[int, int], List[int]]


def _check_tensor(name: str, t) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"deform_conv2d: {name} must be a torch.Tensor, got {type(t).__name__}")
    return t


def _eager_pair(name: str, value, minimum: int) -> Tuple[int, int]:
    pair = _pair(value)
    if len(pair) != 2:
        raise OpArgumentError(f"deform_conv2d: {name} must be an int or an (h, w) pair, got {value!r}")
    h, w = pair
    if h < minimum or w < minimum:
        what = "positive" if minimum > 0 else "non-negative"
        raise OpArgumentError(f"deform_conv2d: {name} must be {what}, got {value!r}")
    return h, w


def _eager_check_args(input, offset, weight, bias, stride, padding, dilation, mask):
    """All argument checks of the C++ operator, done in Python first so that a bad argument raises
    :class:`OpArgumentError` / :class:`OpDtypeError` (a ``RuntimeError`` as torchvision's errors, and
    a ``ValueError`` / ``TypeError`` as fairmot's always were). Returns the operator's integer
    arguments. Not compiled by ``torch.jit.script`` (the scripted function lets the C++ checks,
    which raise ``RuntimeError``, do it); traced by ``torch.compile``."""
    for name, t in (("input", input), ("offset", offset), ("weight", weight)):
        _check_tensor(name, t)
    if mask is not None:
        _check_tensor("mask", mask)
    if bias is not None:
        _check_tensor("bias", bias)
    if input.dim() != 4:
        raise OpArgumentError(f"deform_conv2d: input must be 4-D (B, C, H, W), got shape {tuple(input.shape)}")
    if weight.dim() != 4:
        raise OpArgumentError(
            f"deform_conv2d: weight must be 4-D (C_out, C_in / groups, KH, KW), got shape {tuple(weight.shape)}"
        )
    if offset.dim() != 4:
        raise OpArgumentError(f"deform_conv2d: offset must be 4-D, got shape {tuple(offset.shape)}")
    stride_h, stride_w = _eager_pair("stride", stride, 1)
    pad_h, pad_w = _eager_pair("padding", padding, 0)
    dil_h, dil_w = _eager_pair("dilation", dilation, 1)

    device = input.device
    for name, t in (("weight", weight), ("offset", offset), ("mask", mask), ("bias", bias)):
        if t is not None and t.device != device:
            raise OpArgumentError(f"deform_conv2d: {name} is on {t.device} but input is on {device}")
    # Under autocast the operator casts float16/bfloat16/float32 arguments to float32 itself.
    # Which dtypes a kernel computes (float32/float64 on the CPU) is left to the kernel: under
    # torch.export / torch.compile only the fake kernel runs, and an exported float16 graph is fine.
    autocast = device.type in ("cpu", "cuda") and torch.is_autocast_enabled(device.type)
    if not autocast:
        dtype = input.dtype
        if not input.is_floating_point():
            raise OpDtypeError(f"deform_conv2d: input must be a floating-point tensor, got {dtype}")
        for name, t in (("weight", weight), ("offset", offset), ("mask", mask), ("bias", bias)):
            if t is not None and t.dtype != dtype:
                raise OpDtypeError(f"deform_conv2d: {name} has dtype {t.dtype} but input has dtype {dtype}")

    batch, c_in, h, w = input.shape
    c_out, c_in_g, kh, kw = weight.shape
    if kh == 0 or kw == 0:
        raise OpArgumentError(f"deform_conv2d: kernel size must be positive, got weight shape {tuple(weight.shape)}")
    if c_in_g == 0 or c_in % c_in_g != 0:
        raise OpArgumentError(
            f"deform_conv2d: input channels ({c_in}) must be a multiple of the weight's input channels ({c_in_g})"
        )
    groups = c_in // c_in_g
    if c_out % groups != 0:
        raise OpArgumentError(f"deform_conv2d: output channels ({c_out}) must be divisible by groups ({groups})")
    taps = kh * kw
    if offset.shape[1] == 0 or offset.shape[1] % (2 * taps) != 0:
        raise OpArgumentError(
            "deform_conv2d: the shape of the offset tensor at dimension 1 is not valid: offset channels "
            f"({offset.shape[1]}) must be a positive multiple of 2 * {kh} * {kw} = {2 * taps}"
        )
    offset_groups = offset.shape[1] // (2 * taps)
    if c_in % offset_groups != 0:
        raise OpArgumentError(
            f"deform_conv2d: input channels ({c_in}) must be divisible by offset groups ({offset_groups})"
        )
    span_h, span_w = dil_h * (kh - 1) + 1, dil_w * (kw - 1) + 1
    if h + 2 * pad_h < span_h or w + 2 * pad_w < span_w:
        raise OpArgumentError(
            f"deform_conv2d: the (dilated) kernel {span_h}x{span_w} is larger than the padded input "
            f"{h + 2 * pad_h}x{w + 2 * pad_w}"
        )
    h_out = (h + 2 * pad_h - span_h) // stride_h + 1
    w_out = (w + 2 * pad_w - span_w) // stride_w + 1
    if offset.shape[0] != batch:
        raise OpArgumentError(f"deform_conv2d: offset batch size {offset.shape[0]} differs from the input's {batch}")
    if offset.shape[2] != h_out or offset.shape[3] != w_out:
        raise OpArgumentError(
            f"deform_conv2d: offset spatial size {offset.shape[2]}x{offset.shape[3]} differs from the output size "
            f"{h_out}x{w_out}"
        )
    if mask is not None:
        if mask.dim() != 4:
            raise OpArgumentError(f"deform_conv2d: mask must be 4-D, got shape {tuple(mask.shape)}")
        if mask.shape[0] != batch:
            raise OpArgumentError(f"deform_conv2d: mask batch size {mask.shape[0]} differs from the input's {batch}")
        if mask.shape[1] != offset_groups * taps:
            raise OpArgumentError(
                f"deform_conv2d: mask.shape[1] is not valid: mask must have offset_groups * KH * KW = "
                f"{offset_groups} * {kh} * {kw} = {offset_groups * taps} channels, got {mask.shape[1]}"
            )
        if mask.shape[2] != h_out or mask.shape[3] != w_out:
            raise OpArgumentError(
                f"deform_conv2d: mask spatial size {mask.shape[2]}x{mask.shape[3]} differs from the output size "
                f"{h_out}x{w_out}"
            )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != c_out):
        raise OpArgumentError(f"deform_conv2d: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    return stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, offset_groups


def _script_pair(value: _IntPair) -> Tuple[int, int]:
    if isinstance(value, int):
        return value, value
    if isinstance(value, list):
        h, w = value  # a RuntimeError unless 2 elements
        return h, w
    return value


def _script_groups(input: Tensor, offset: Tensor, weight: Tensor) -> Tuple[int, int]:
    """groups and offset_groups as the eager checks infer them, at least 1: where the channel
    counts do not fit, the C++ checks then reject them (with a ``RuntimeError``) in the words of
    the mismatch ("the shape of the offset tensor at dimension 1 is not valid: ...")."""
    groups = 1
    offset_groups = 1
    if input.dim() == 4 and weight.dim() == 4 and offset.dim() == 4:
        if weight.shape[1] > 0:
            groups = max(input.shape[1] // weight.shape[1], 1)
        taps = weight.shape[2] * weight.shape[3]
        if taps > 0:
            offset_groups = max(offset.shape[1] // (2 * taps), 1)
    return groups, offset_groups


def deform_conv2d(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: _IntPair = 1,
    padding: _IntPair = 0,
    dilation: _IntPair = 1,
    mask: Optional[Tensor] = None,
) -> Tensor:
    """Deformable convolution v2, with ``torchvision.ops.deform_conv2d``'s signature and results.

    Args:
        input: (B, C_in, H, W).
        offset: (B, 2 * offset_groups * KH * KW, H_out, W_out); for offset group g and kernel tap
            k = i * KW + j, channel g * 2 * KH * KW + 2k is the vertical and 2k + 1 the horizontal
            displacement, in input pixels.
        weight: (C_out, C_in / groups, KH, KW); ``groups`` is inferred from C_in.
        bias: (C_out,) or None.
        stride, padding, dilation: ints or (h, w) pairs (tuples or lists).
        mask: (B, offset_groups * KH * KW, H_out, W_out) modulation, or None (DCNv1).

    Returns:
        (B, C_out, H_out, W_out). float32/float64 on the CPU; float32/float16/bfloat16 (and float64) on CUDA.

    Raises:
        TypeError: input, offset, weight, mask or bias is not a tensor.
        fairmot.ops.OpArgumentError: (a ``ValueError`` and a ``RuntimeError``) bad shapes, sizes
            that do not fit together, invalid stride / padding / dilation, tensors on different devices.
        fairmot.ops.OpDtypeError: (a ``TypeError`` and a ``RuntimeError``) mismatched dtypes, a non-floating-point input.

    Under ``torch.jit.script`` the checks are the C++ operator's and raise ``RuntimeError``.
    """
    if torch.jit.is_scripting():
        stride_h, stride_w = _script_pair(stride)
        pad_h, pad_w = _script_pair(padding)
        dil_h, dil_w = _script_pair(dilation)
        groups, offset_groups = _script_groups(input, offset, weight)
    else:
        stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, offset_groups = _eager_check_args(
            input, offset, weight, bias, stride, padding, dilation, mask
        )
    use_mask = mask is not None
    if mask is None:
        mask = input.new_zeros((input.shape[0], 0, 1, 1))
    if bias is None:
        bias = input.new_zeros((weight.shape[0],))
    return torch.ops.fairmot.deform_conv2d(
        input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups,
        offset_groups, use_mask,
    )


class DCN(nn.Module):
    """FairMOT's modulated deformable convolution block (DCNv2 package layout).

    Parameters ``weight`` (C_out, C_in, k, k) and ``bias`` (C_out), and ``conv_offset_mask``, an
    ordinary convolution predicting 3 * deformable_groups * k * k channels from the input: the
    first two thirds are the offsets (in their original order) and the last third, through a
    sigmoid, the mask. Names and order match official FairMOT checkpoints.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _IntPair,
        stride: _IntPair = 1,
        padding: _IntPair = 0,
        dilation: _IntPair = 1,
        deformable_groups: int = 1,
    ) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("deformable_groups", deformable_groups)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"DCN: {name} must be an int, got {type(value).__name__} {value!r}")
            if value < 1:
                raise ValueError(f"DCN: {name} must be positive, got {value}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _eager_pair("kernel_size", kernel_size, 1)
        self.stride = _eager_pair("stride", stride, 1)
        self.padding = _eager_pair("padding", padding, 0)
        self.dilation = _eager_pair("dilation", dilation, 1)
        self.deformable_groups = deformable_groups
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size))
        self.bias = nn.Parameter(torch.empty(out_channels))
        kh, kw = self.kernel_size
        self.conv_offset_mask = nn.Conv2d(
            in_channels, deformable_groups * 3 * kh * kw, kernel_size=self.kernel_size, stride=self.stride,
            padding=self.padding, bias=True,
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        n = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(n)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.zeros_(self.bias)
        nn.init.zeros_(self.conv_offset_mask.weight)
        nn.init.zeros_(self.conv_offset_mask.bias)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv_offset_mask(x)
        o1, o2, m = torch.chunk(out, 3, dim=1)
        offset = torch.cat((o1, o2), dim=1)
        mask = torch.sigmoid(m)
        return deform_conv2d(x, offset, self.weight, self.bias, self.stride, self.padding, self.dilation, mask)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, deformable_groups={self.deformable_groups}"
        )
