"""Modulated deformable convolution (DCNv2) and the ``DCN`` module of FairMOT."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn.modules.utils import _pair

from . import _library  # noqa: F401  (registers torch.ops.fairmot)

__all__ = ["deform_conv2d", "DCN"]


def _check_tensor(name: str, t: object) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"deform_conv2d: {name} must be a torch.Tensor, got {type(t).__name__}")
    return t


def deform_conv2d(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    mask: Tensor | None = None,
) -> Tensor:
    """Deformable convolution v2, with ``torchvision.ops.deform_conv2d``'s signature and results.

    Args:
        input: (B, C_in, H, W).
        offset: (B, 2 * offset_groups * KH * KW, H_out, W_out); for offset group g and kernel tap
            k = i * KW + j, channel g * 2 * KH * KW + 2k is the vertical and 2k + 1 the horizontal
            displacement, in input pixels.
        weight: (C_out, C_in / groups, KH, KW); ``groups`` is inferred from C_in.
        bias: (C_out,) or None.
        stride, padding, dilation: ints or (h, w) pairs.
        mask: (B, offset_groups * KH * KW, H_out, W_out) modulation, or None (DCNv1).

    Returns:
        (B, C_out, H_out, W_out). float32/float64 on the CPU; float32/float16/bfloat16 (and float64) on CUDA.
    """
    for name, t in (("input", input), ("offset", offset), ("weight", weight)):
        _check_tensor(name, t)
    if input.dim() != 4:
        raise ValueError(f"deform_conv2d: input must be 4-D (B, C, H, W), got shape {tuple(input.shape)}")
    if weight.dim() != 4:
        raise ValueError(f"deform_conv2d: weight must be 4-D, got shape {tuple(weight.shape)}")
    if offset.dim() != 4:
        raise ValueError(f"deform_conv2d: offset must be 4-D, got shape {tuple(offset.shape)}")
    stride_h, stride_w = _pair(stride)
    pad_h, pad_w = _pair(padding)
    dil_h, dil_w = _pair(dilation)
    kh, kw = weight.shape[-2:]
    if weight.shape[1] == 0 or input.shape[1] % weight.shape[1] != 0:
        raise ValueError(
            f"deform_conv2d: input channels ({input.shape[1]}) must be a multiple of the weight's input "
            f"channels ({weight.shape[1]})"
        )
    groups = input.shape[1] // weight.shape[1]
    if offset.shape[1] % (2 * kh * kw) != 0 or offset.shape[1] == 0:
        raise ValueError(
            f"deform_conv2d: offset channels ({offset.shape[1]}) must be a positive multiple of "
            f"2 * {kh} * {kw} = {2 * kh * kw}"
        )
    offset_groups = offset.shape[1] // (2 * kh * kw)
    use_mask = mask is not None
    if mask is None:
        mask = input.new_zeros((input.shape[0], 0, 1, 1))
    else:
        _check_tensor("mask", mask)
    if bias is None:
        bias = input.new_zeros((weight.shape[0],))
    else:
        _check_tensor("bias", bias)
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
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        deformable_groups: int = 1,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
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
