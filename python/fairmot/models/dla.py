"""DLA-34 backbone (Deep Layer Aggregation), laid out like FairMOT's ``base`` module.

Reference: docs/official_behaviour.md §1.2-1.3. Module and parameter names follow the official network, so
the state-dict keys of :class:`DLA` are exactly the ``base.*`` keys of official checkpoints
(without ``base.fc``, the unused ImageNet classifier).

Shapes: input ``N x 3 x H x W``; output a list of six maps with strides 1, 2, 4, 8, 16, 32 and
channels 16, 32, 64, 128, 256, 512 (for DLA-34).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

__all__ = ["BasicBlock", "Root", "Tree", "DLA", "dla34", "DLA34_LEVELS", "DLA34_CHANNELS"]

BN_MOMENTUM = 0.1

DLA34_LEVELS = (1, 1, 1, 2, 2, 1)
DLA34_CHANNELS = (16, 32, 64, 128, 256, 512)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, momentum=BN_MOMENTUM)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual supplied by the caller (the input if none).

    ``conv1`` (stride ``stride``) -> ``bn1`` -> ReLU -> ``conv2`` -> ``bn2`` -> + residual -> ReLU.
    """

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)
        self.bn1 = _bn(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = _bn(planes)
        self.stride = stride

    def forward(self, x: Tensor, residual: Tensor | None = None) -> Tensor:
        if residual is None:
            residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + residual)


class Root(nn.Module):
    """Aggregation node: concat inputs (in argument order) -> 1x1 conv -> BN -> [+ first input] -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, residual: bool = False) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=(kernel_size - 1) // 2,
                              bias=False)
        self.bn = _bn(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.residual = residual

    def forward(self, *inputs: Tensor) -> Tensor:
        y = self.bn(self.conv(torch.cat(inputs, dim=1)))
        if self.residual:
            y = y + inputs[0]
        return self.relu(y)


class Tree(nn.Module):
    """Hierarchical aggregation tree (docs/official_behaviour.md §1.3).

    Quirks kept on purpose (they fix the checkpoint layout and the training-mode BatchNorm
    statistics): ``tree1`` receives the *un-downsampled* input; when ``tree1`` is itself a Tree it
    ignores the residual handed to it, yet this tree's ``project`` is still computed; the root
    concatenates ``[x2, x1, *children]`` with ``children`` = [downsampled input (if level_root),
    outputs of enclosing trees' ``tree1``...].
    """

    def __init__(
        self,
        levels: int,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        level_root: bool = False,
        root_dim: int = 0,
        root_kernel_size: int = 1,
        dilation: int = 1,
        root_residual: bool = False,
        block: type[BasicBlock] = BasicBlock,
    ) -> None:
        super().__init__()
        if levels < 1:
            raise ValueError(f"Tree levels must be >= 1, got {levels}")
        if root_dim == 0:
            root_dim = 2 * out_channels
        if level_root:
            root_dim += in_channels
        self.levels = levels
        self.level_root = level_root
        self.root_dim = root_dim
        if levels == 1:
            self.tree1 = block(in_channels, out_channels, stride, dilation=dilation)
            self.tree2 = block(out_channels, out_channels, 1, dilation=dilation)
            self.root = Root(root_dim, out_channels, root_kernel_size, root_residual)
        else:
            self.tree1 = Tree(levels - 1, in_channels, out_channels, stride, root_dim=0,
                              root_kernel_size=root_kernel_size, dilation=dilation,
                              root_residual=root_residual, block=block)
            self.tree2 = Tree(levels - 1, out_channels, out_channels, 1, root_dim=root_dim + out_channels,
                              root_kernel_size=root_kernel_size, dilation=dilation,
                              root_residual=root_residual, block=block)
            self.root = None
        self.downsample = nn.MaxPool2d(stride, stride=stride) if stride > 1 else None
        if in_channels != out_channels:
            self.project = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, bias=False),
                _bn(out_channels),
            )
        else:
            self.project = None

    def forward(self, x: Tensor, residual: Tensor | None = None, children: list[Tensor] | None = None) -> Tensor:
        # ``residual`` is accepted (and ignored) so that a Tree can stand where a block stands.
        children = [] if children is None else children
        bottom = self.downsample(x) if self.downsample is not None else x
        residual = self.project(bottom) if self.project is not None else bottom
        if self.level_root:
            children.append(bottom)
        x1 = self.tree1(x, residual)
        if self.levels == 1:
            x2 = self.tree2(x1)
            return self.root(x2, x1, *children)
        children.append(x1)
        return self.tree2(x1, children=children)


def _conv_level(inplanes: int, planes: int, convs: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    modules: list[nn.Module] = []
    for i in range(convs):
        modules += [
            nn.Conv2d(inplanes, planes, 3, stride=stride if i == 0 else 1, padding=dilation, dilation=dilation,
                      bias=False),
            _bn(planes),
            nn.ReLU(inplace=True),
        ]
        inplanes = planes
    return nn.Sequential(*modules)


class DLA(nn.Module):
    """DLA backbone: ``base_layer``, ``level0`` .. ``level5``; forward returns the six level outputs."""

    def __init__(
        self,
        levels: Sequence[int] = DLA34_LEVELS,
        channels: Sequence[int] = DLA34_CHANNELS,
        block: type[BasicBlock] = BasicBlock,
        residual_root: bool = False,
    ) -> None:
        super().__init__()
        if len(levels) != 6 or len(channels) != 6:
            raise ValueError("DLA needs six levels and six channel counts")
        self.channels = list(channels)
        self.base_layer = nn.Sequential(
            nn.Conv2d(3, channels[0], kernel_size=7, stride=1, padding=3, bias=False),
            _bn(channels[0]),
            nn.ReLU(inplace=True),
        )
        self.level0 = _conv_level(channels[0], channels[0], levels[0])
        self.level1 = _conv_level(channels[0], channels[1], levels[1], stride=2)
        self.level2 = Tree(levels[2], channels[1], channels[2], 2, level_root=False,
                           root_residual=residual_root, block=block)
        self.level3 = Tree(levels[3], channels[2], channels[3], 2, level_root=True,
                           root_residual=residual_root, block=block)
        self.level4 = Tree(levels[4], channels[3], channels[4], 2, level_root=True,
                           root_residual=residual_root, block=block)
        self.level5 = Tree(levels[5], channels[4], channels[5], 2, level_root=True,
                           root_residual=residual_root, block=block)

    def forward(self, x: Tensor) -> list[Tensor]:
        x = self.base_layer(x)
        outputs: list[Tensor] = []
        for i in range(6):
            x = getattr(self, f"level{i}")(x)
            outputs.append(x)
        return outputs


def dla34() -> DLA:
    """DLA-34 (levels [1, 1, 1, 2, 2, 1], channels [16, 32, 64, 128, 256, 512]), no classifier."""
    return DLA(DLA34_LEVELS, DLA34_CHANNELS, block=BasicBlock, residual_root=False)
