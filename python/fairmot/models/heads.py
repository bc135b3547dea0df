"""The FairMOT heads, shared by every backbone: for each output (hm, wh, id, reg) a 3x3 conv to
``head_conv`` channels, ReLU and a ``final_kernel`` conv (or one conv when ``head_conv`` is 0) on
the stride-4 feature map, with the official initialisation."""
from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

__all__ = ["DEFAULT_HEADS", "DEFAULT_HEAD_CONV", "HM_BIAS_INIT", "check_heads", "make_head", "add_heads"]

#: Default FairMOT heads (ltrb wh, reid_dim 128), in the official creation order.
DEFAULT_HEADS: dict[str, int] = {"hm": 1, "wh": 4, "id": 128, "reg": 2}

#: Width of the hidden head conv (official ``--head_conv -1`` resolves to 256).
DEFAULT_HEAD_CONV = 256

#: Initial bias of the heatmap head's last conv (sigmoid(-2.19) ~ 0.1).
HM_BIAS_INIT = -2.19


def check_heads(heads: Mapping[str, int] | None, head_conv: int) -> dict[str, int]:
    """``heads`` (default :data:`DEFAULT_HEADS`) as a dict, after checking names, channel counts
    and ``head_conv``; raises ValueError naming what is wrong."""
    heads = dict(DEFAULT_HEADS if heads is None else heads)
    for name, ch in heads.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"head names must be identifiers, got {name!r}")
        if not isinstance(ch, int) or ch <= 0:
            raise ValueError(f"head {name!r}: channel count must be a positive int, got {ch!r}")
    if head_conv < 0:
        raise ValueError(f"head_conv must be >= 0, got {head_conv}")
    return heads


def make_head(in_channels: int, out_channels: int, head_conv: int, final_kernel: int = 1) -> nn.Module:
    """One head: Conv3x3 -> ReLU -> Conv(final_kernel) (a ``Sequential``), or a single conv."""
    if head_conv > 0:
        return nn.Sequential(
            nn.Conv2d(in_channels, head_conv, kernel_size=3, padding=1, bias=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(head_conv, out_channels, kernel_size=final_kernel, stride=1, padding=final_kernel // 2,
                      bias=True),
        )
    return nn.Conv2d(in_channels, out_channels, kernel_size=final_kernel, stride=1, padding=final_kernel // 2,
                     bias=True)


def add_heads(module: nn.Module, heads: Mapping[str, int], in_channels: int, head_conv: int,
              final_kernel: int = 1, weight_std: float | None = None) -> None:
    """Create the heads as submodules of ``module`` in ``heads`` order, initialised as the official
    networks do: the heatmap's last bias is :data:`HM_BIAS_INIT`; every other head's conv biases
    are 0 and, with ``weight_std`` (ResNet-DCN networks), their weights N(0, weight_std)."""
    for name, classes in heads.items():
        if hasattr(module, name):
            raise ValueError(f"head name {name!r} clashes with an attribute of the network")
        head = make_head(in_channels, classes, head_conv, final_kernel)
        convs = [m for m in head.modules() if isinstance(m, nn.Conv2d)]
        with torch.no_grad():
            if name == "hm":
                convs[-1].bias.fill_(HM_BIAS_INIT)
            else:
                for conv in convs:
                    if weight_std is not None:
                        nn.init.normal_(conv.weight, std=weight_std)
                    conv.bias.zero_()
        module.add_module(name, head)
