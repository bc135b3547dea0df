"""FairMOT's ResNet-DCN networks (``resdcn_<depth>`` and ``resfpndcn_<depth>``,
docs/official_behaviour.md §1.8).

A torchvision-style ResNet (7x7 stride-2 stem, max-pool, four stages of BasicBlocks or
Bottlenecks) followed by three up-sampling stages, each ``DCN 3x3 -> BN -> ReLU ->
ConvTranspose 4x4 stride 2 -> BN -> ReLU`` with 256, 128 and 64 channels, and the FairMOT heads on
the 64-channel stride-4 map. Module names follow the official network (``conv1``, ``bn1``,
``layer1..4``, ``deconv_layers.0..17``, heads), so official ``resdcn`` checkpoints load with no
renaming, and the backbone keys are torchvision's ResNet keys (ImageNet weights of a torchvision
ResNet load into it with ``strict=False``; the official code downloads them at construction, this
package never downloads anything).

Shapes: input ``N x 3 x H x W`` (H, W multiples of 32), output ``{head: N x C x H/4 x W/4}``.

Registered as ``resdcn_<depth>`` / ``resfpndcn_<depth>``, recognised in checkpoints by the
ResNet stages plus the up-sampling layers (the depth from the blocks per stage, Bottlenecks by
their ``conv3``).
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor, nn

from ..ops import DCN
from .dla_seg import DeformConv, bilinear_kernel
from .heads import add_heads, check_heads
from .registry import Architecture, register_architecture

__all__ = ["PoseResNetDCN", "PoseResNetFPNDCN", "RESNET_SPECS", "resnet_dcn", "RESNET_DCN_ARCHITECTURE"]

BN_MOMENTUM = 0.1


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual connection (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 -> 3x3 (strided) -> 1x1 x4 with a residual connection (ResNet-50/101/152)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


#: depth -> (block, blocks per stage)
RESNET_SPECS: dict[int, tuple[type[nn.Module], tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}

#: Channels of the three up-sampling stages.
UP_CHANNELS = (256, 128, 64)


@torch.no_grad()
def _fill_up_weights_first_channel(up: nn.ConvTranspose2d) -> None:
    """The official initialisation of the (full, not depthwise) up-sampling transposed convs:
    the bilinear kernel in ``weight[c, 0]`` for every c; the other entries keep their default
    initialisation."""
    w = up.weight
    w[:, 0] = bilinear_kernel(w.shape[2]).to(w.dtype)


class _ResNetBackbone(nn.Module):
    """The torchvision-style ResNet body shared by the ResNet-DCN networks (``conv1`` ...
    ``layer4``) and the FairMOT heads on a 64-channel stride-4 map."""

    def _build_backbone(self, depth: int) -> type[nn.Module]:
        if depth not in RESNET_SPECS:
            raise ValueError(f"ResNet depth must be one of {sorted(RESNET_SPECS)}, got {depth!r}")
        block, blocks = RESNET_SPECS[depth]
        self.depth = depth
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_stage(block, 64, blocks[0], stride=1)
        self.layer2 = self._make_stage(block, 128, blocks[1], stride=2)
        self.layer3 = self._make_stage(block, 256, blocks[2], stride=2)
        self.layer4 = self._make_stage(block, 512, blocks[3], stride=2)
        return block

    def _make_stage(self, block: type[nn.Module], planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion, momentum=BN_MOMENTUM),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def _up_stage(self, planes: int) -> list[nn.Module]:
        """DCN 3x3 -> BN -> ReLU -> ConvTranspose 4x4 s2 -> BN -> ReLU from the current width."""
        dcn = DCN(self.inplanes, planes, kernel_size=(3, 3), stride=1, padding=1, dilation=1, deformable_groups=1)
        up = nn.ConvTranspose2d(planes, planes, kernel_size=4, stride=2, padding=1, output_padding=0, bias=False)
        _fill_up_weights_first_channel(up)
        self.inplanes = planes
        return [dcn, nn.BatchNorm2d(planes, momentum=BN_MOMENTUM), nn.ReLU(inplace=True), up,
                nn.BatchNorm2d(planes, momentum=BN_MOMENTUM), nn.ReLU(inplace=True)]

    def _add_heads(self, heads: dict[str, int], head_conv: int) -> None:
        self.heads = heads
        self.head_conv = head_conv
        add_heads(self, heads, UP_CHANNELS[-1], head_conv, weight_std=0.001)  # official fill_fc_weights

    def _stem(self, x: Tensor) -> Tensor:
        return self.maxpool(self.relu(self.bn1(self.conv1(x))))


class PoseResNetDCN(_ResNetBackbone):
    """ResNet backbone + three DCN up-sampling stages + FairMOT heads (official ``resnet_dcn``).

    Args:
        depth: 18, 34, 50, 101 or 152.
        heads: ``{name: channels}`` in creation order (default hm 1, wh 4, id 128, reg 2).
        head_conv: hidden width of each head's 3x3 conv (0: one 1x1 conv per head).
    """

    def __init__(self, depth: int = 34, heads: Mapping[str, int] | None = None, head_conv: int = 256) -> None:
        super().__init__()
        heads = check_heads(heads, head_conv)
        self._build_backbone(depth)
        self.deconv_layers = nn.Sequential(*[m for planes in UP_CHANNELS for m in self._up_stage(planes)])
        self._add_heads(heads, head_conv)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        x = self.layer4(self.layer3(self.layer2(self.layer1(self._stem(x)))))
        x = self.deconv_layers(x)
        return {name: getattr(self, name)(x) for name in self.heads}


class PoseResNetFPNDCN(_ResNetBackbone):
    """ResNet backbone with FPN-style lateral connections and DCN up-sampling (official
    ``resnet_fpn_dcn``, arch ``resfpndcn_<depth>``): p3 = smooth1(up1(c4) + project1(c3)),
    p2 = smooth2(up2(p3) + project2(c2)), p1 = smooth3(up3(p2) + project3(c1)); heads on p1
    (64 channels, stride 4). ``project``/``smooth`` are DCN -> BN -> ReLU blocks."""

    def __init__(self, depth: int = 34, heads: Mapping[str, int] | None = None, head_conv: int = 256) -> None:
        super().__init__()
        heads = check_heads(heads, head_conv)
        block = self._build_backbone(depth)
        self.deconv_layer1 = nn.Sequential(*self._up_stage(256))
        self.deconv_layer2 = nn.Sequential(*self._up_stage(128))
        self.deconv_layer3 = nn.Sequential(*self._up_stage(64))
        self.smooth_layer1 = DeformConv(256, 256)
        self.smooth_layer2 = DeformConv(128, 128)
        self.smooth_layer3 = DeformConv(64, 64)
        self.project_layer1 = DeformConv(256 * block.expansion, 256)
        self.project_layer2 = DeformConv(128 * block.expansion, 128)
        self.project_layer3 = DeformConv(64 * block.expansion, 64)
        self._add_heads(heads, head_conv)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        c1 = self.layer1(self._stem(x))
        c2 = self.layer2(c1)
        c3 = self.layer3(c2)
        c4 = self.layer4(c3)
        p3 = self.smooth_layer1(self.deconv_layer1(c4) + self.project_layer1(c3))
        p2 = self.smooth_layer2(self.deconv_layer2(p3) + self.project_layer2(c2))
        p1 = self.smooth_layer3(self.deconv_layer3(p2) + self.project_layer3(c1))
        return {name: getattr(self, name)(p1) for name in self.heads}


def resnet_dcn(depth: int = 34, heads: Mapping[str, int] | None = None, head_conv: int = 256) -> PoseResNetDCN:
    """A fresh (randomly initialised) ``resdcn_<depth>`` network."""
    return PoseResNetDCN(depth, heads, head_conv)


# ------------------------------------------------------------------------------- registration

def _build(name: str, heads: dict[str, int], head_conv: int, widths: tuple[int, ...] | None) -> nn.Module:
    kind, depth = name.split("_")
    return (PoseResNetFPNDCN if kind == "resfpndcn" else PoseResNetDCN)(int(depth), heads=heads, head_conv=head_conv)


def _recognise(state_dict: Mapping[str, Tensor]) -> str | None:
    """``resdcn_<d>`` / ``resfpndcn_<d>`` from the blocks per stage, or None."""
    fpn = "deconv_layer1.0.weight" in state_dict and "project_layer1.conv.weight" in state_dict
    if not ((fpn or "deconv_layers.0.weight" in state_dict) and "layer1.0.conv1.weight" in state_dict):
        return None
    blocks = []
    for stage in range(1, 5):
        idx = {int(k.split(".")[1]) for k in state_dict if k.startswith(f"layer{stage}.") and
               k.split(".")[1].isdigit()}
        blocks.append(max(idx) + 1 if idx else 0)
    bottleneck = "layer1.0.conv3.weight" in state_dict
    for depth, (block, spec) in RESNET_SPECS.items():
        if (block is Bottleneck) == bottleneck and tuple(blocks) == spec:
            return f"{'resfpndcn' if fpn else 'resdcn'}_{depth}"
    return None


RESNET_DCN_ARCHITECTURE = register_architecture(Architecture(
    family="resnet_dcn",
    names=tuple(f"{kind}_{d}" for kind in ("resdcn", "resfpndcn") for d in sorted(RESNET_SPECS)),
    build=_build,
    body_prefixes=("conv1.", "bn1.", "layer1.", "layer2.", "layer3.", "layer4.", "deconv_layers.",
                   "deconv_layer", "smooth_layer", "project_layer"),
    recognise=_recognise,
    aliases={**{f"resdcn{d}": f"resdcn_{d}" for d in RESNET_SPECS},
             **{f"resfpndcn{d}": f"resfpndcn_{d}" for d in RESNET_SPECS}},
))
