"""FairMOT's HRNetV2 networks (``hrnet_18``, ``hrnet_32``; docs/official_behaviour.md §1.8).

Stem (two 3x3 stride-2 convs, stride 4), a Bottleneck stage (``layer1``), then three multi-branch
stages (``stage2..4``, entered through ``transition1..3``) whose parallel branches at strides 4, 8,
16, 32 exchange information in every module (``fuse_layers``: 1x1 conv + nearest up-sampling
towards finer branches, strided 3x3 convs towards coarser ones). The four outputs of the last stage
are bilinearly up-sampled to stride 4 and concatenated (18+36+72+144 = 270 channels for W18); each
head is Conv3x3 (-> 256) -> ReLU -> Conv1x1. Module names follow the official network, so official
HRNet checkpoints load without renaming.

Shapes: input ``N x 3 x H x W`` (H, W multiples of 32), output ``{head: N x C x H/4 x W/4}``.

Registered as ``hrnet_18`` / ``hrnet_32``, recognised in checkpoints by ``transition1`` and the
fourth branch of ``stage4`` (the width from the first branch).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .heads import DEFAULT_HEAD_CONV, add_heads, check_heads
from .registry import Architecture, register_architecture
from .resnet_dcn import BasicBlock, Bottleneck

__all__ = ["HRNet", "HRNET_WIDTHS", "HighResolutionModule", "HRNET_ARCHITECTURE"]

BN_MOMENTUM = 0.1
#: (modules, blocks per branch) of stages 2, 3, 4 (the official w18 / w32 configs).
STAGE_LAYOUT = ((1, 4), (4, 4), (3, 4))
#: branch widths of the last stage per model width.
HRNET_WIDTHS: dict[int, tuple[int, int, int, int]] = {18: (18, 36, 72, 144), 32: (32, 64, 128, 256)}
HEAD_CONV = 256


class HighResolutionModule(nn.Module):
    """Parallel branches of BasicBlocks, then every output branch sums all branches brought to its
    resolution and channels (``fuse_layers[i][j]`` maps branch j to branch i; None on the diagonal).
    With ``multi_scale_output=False`` only the finest output is produced."""

    def __init__(self, in_channels: Sequence[int], channels: Sequence[int], blocks: int,
                 multi_scale_output: bool = True) -> None:
        super().__init__()
        n = len(channels)
        if len(in_channels) != n:
            raise ValueError(f"{len(in_channels)} input branches for {n} branches")
        self.num_branches = n
        self.in_channels = list(in_channels)
        branches = []
        for b in range(n):
            downsample = None
            if self.in_channels[b] != channels[b] * BasicBlock.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.in_channels[b], channels[b] * BasicBlock.expansion, 1, stride=1, bias=False),
                    nn.BatchNorm2d(channels[b] * BasicBlock.expansion, momentum=BN_MOMENTUM),
                )
            layers = [BasicBlock(self.in_channels[b], channels[b], 1, downsample)]
            self.in_channels[b] = channels[b] * BasicBlock.expansion
            layers += [BasicBlock(self.in_channels[b], channels[b]) for _ in range(1, blocks)]
            branches.append(nn.Sequential(*layers))
        self.branches = nn.ModuleList(branches)
        self.fuse_layers = self._make_fuse_layers(multi_scale_output) if n > 1 else None
        self.relu = nn.ReLU(True)

    def _make_fuse_layers(self, multi_scale_output: bool) -> nn.ModuleList:
        c = self.in_channels
        fuse = []
        for i in range(self.num_branches if multi_scale_output else 1):
            row: list[nn.Module | None] = []
            for j in range(self.num_branches):
                if j > i:  # coarser -> finer: 1x1 conv, nearest up-sampling
                    row.append(nn.Sequential(nn.Conv2d(c[j], c[i], 1, 1, 0, bias=False), nn.BatchNorm2d(c[i]),
                                             nn.Upsample(scale_factor=2 ** (j - i), mode="nearest")))
                elif j == i:
                    row.append(None)
                else:  # finer -> coarser: (i - j) strided 3x3 convs, ReLU between them
                    steps: list[nn.Module] = []
                    for k in range(i - j):
                        if k == i - j - 1:
                            steps.append(nn.Sequential(nn.Conv2d(c[j], c[i], 3, 2, 1, bias=False),
                                                       nn.BatchNorm2d(c[i])))
                        else:
                            steps.append(nn.Sequential(nn.Conv2d(c[j], c[j], 3, 2, 1, bias=False), nn.BatchNorm2d(c[j]),
                                                       nn.ReLU(True)))
                    row.append(nn.Sequential(*steps))
            fuse.append(nn.ModuleList(row))
        return nn.ModuleList(fuse)

    def forward(self, xs: list[Tensor]) -> list[Tensor]:
        xs = [branch(x) for branch, x in zip(self.branches, xs)]
        if self.fuse_layers is None:
            return xs
        out = []
        for i, row in enumerate(self.fuse_layers):
            y = xs[0] if i == 0 else row[0](xs[0])
            for j in range(1, self.num_branches):
                y = y + (xs[j] if i == j else row[j](xs[j]))
            out.append(self.relu(y))
        return out


def _transition(pre: Sequence[int], cur: Sequence[int]) -> nn.ModuleList:
    """Branch adapters between stages: a 3x3 conv where a kept branch changes width (None when it
    does not); new branches come from the coarsest previous branch through strided 3x3 convs."""
    layers: list[nn.Module | None] = []
    for i, c in enumerate(cur):
        if i < len(pre):
            layers.append(None if c == pre[i] else nn.Sequential(
                nn.Conv2d(pre[i], c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)))
        else:
            steps = []
            for j in range(i + 1 - len(pre)):
                out = c if j == i - len(pre) else pre[-1]
                steps.append(nn.Sequential(nn.Conv2d(pre[-1], out, 3, 2, 1, bias=False), nn.BatchNorm2d(out),
                                           nn.ReLU(inplace=True)))
            layers.append(nn.Sequential(*steps))
    return nn.ModuleList(layers)


class HRNet(nn.Module):
    """HRNetV2-W``width`` with FairMOT heads (official ``pose_hrnet``).

    Args:
        width: 18 or 32.
        heads: ``{name: channels}`` in creation order (default hm 1, wh 4, id 128, reg 2).
        head_conv: hidden width of the heads; the official network fixes it at 256.
    """

    def __init__(self, width: int = 18, heads: Mapping[str, int] | None = None, head_conv: int = HEAD_CONV) -> None:
        super().__init__()
        if width not in HRNET_WIDTHS:
            raise ValueError(f"HRNet width must be one of {sorted(HRNET_WIDTHS)}, got {width!r}")
        if head_conv != HEAD_CONV:
            raise ValueError(f"the official HRNet heads have head_conv {HEAD_CONV}, got {head_conv}")
        heads = check_heads(heads, head_conv)
        widths = HRNET_WIDTHS[width]
        self.width = width
        self.heads = heads
        self.head_conv = head_conv
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, momentum=BN_MOMENTUM)
        self.conv2 = nn.Conv2d(64, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        down = nn.Sequential(nn.Conv2d(64, 256, 1, stride=1, bias=False), nn.BatchNorm2d(256, momentum=BN_MOMENTUM))
        self.layer1 = nn.Sequential(Bottleneck(64, 64, 1, down), *[Bottleneck(256, 64) for _ in range(3)])
        pre: list[int] = [256]
        for s, (modules, blocks) in enumerate(STAGE_LAYOUT, start=2):
            cur = list(widths[:s])
            setattr(self, f"transition{s - 1}", _transition(pre, cur))
            stage = []
            for _ in range(modules):
                stage.append(HighResolutionModule(cur, cur, blocks, multi_scale_output=True))
                cur = stage[-1].in_channels
            setattr(self, f"stage{s}", nn.Sequential(*stage))
            pre = cur
        # the official initialisation of the body (before the heads are made)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.001)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        add_heads(self, heads, sum(widths), head_conv)  # made after the body's initialisation, as officially

    @staticmethod
    def _enter(transition: nn.ModuleList, ys: list[Tensor], n_prev: int) -> list[Tensor]:
        xs = []
        for i, t in enumerate(transition):
            if t is None:
                xs.append(ys[i])
            else:
                xs.append(t(ys[i] if i < n_prev else ys[-1]))
        return xs

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        x = self.layer1(x)
        ys = self.stage2(self._enter(self.transition1, [x], 1))
        ys = self.stage3(self._enter(self.transition2, ys, 2))
        ys = self.stage4(self._enter(self.transition3, ys, 3))
        h, w = ys[0].shape[2], ys[0].shape[3]
        feat = torch.cat([ys[0]] + [F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)
                                    for y in ys[1:]], 1)
        return {name: getattr(self, name)(feat) for name in self.heads}


# ------------------------------------------------------------------------------- registration

def _build(name: str, heads: dict[str, int], head_conv: int, widths: tuple[int, ...] | None) -> nn.Module:
    return HRNet(int(name.split("_")[1]), heads=heads, head_conv=HEAD_CONV if head_conv == DEFAULT_HEAD_CONV else head_conv)


def _recognise(state_dict: Mapping[str, Tensor]) -> str | None:
    t = state_dict.get("transition1.0.0.weight")
    if isinstance(t, Tensor) and t.dim() == 4 and "stage4.0.branches.3.0.conv1.weight" in state_dict:
        return f"hrnet_{int(t.shape[0])}" if int(t.shape[0]) in HRNET_WIDTHS else None
    return None


HRNET_ARCHITECTURE = register_architecture(Architecture(
    family="hrnet",
    names=tuple(f"hrnet_{w}" for w in sorted(HRNET_WIDTHS)),
    build=_build,
    body_prefixes=("conv1.", "bn1.", "conv2.", "bn2.", "layer1.", "transition1.", "transition2.", "transition3.",
                   "stage2.", "stage3.", "stage4."),
    recognise=_recognise,
    aliases={f"hrnet{w}": f"hrnet_{w}" for w in HRNET_WIDTHS},
    default_head_conv=HEAD_CONV,
))
