"""FairMOT's DLA-34 network: backbone + deformable up-sampling path + heads
(docs/official_behaviour.md §1.4-1.6), and its registration (architectures ``dla34`` and
``dla34_tiny``, recognised in checkpoints by their ``base.level*`` keys, widths read from the file).

Module names match the official network, so ``DLASeg.state_dict()`` has exactly the keys,
shapes and order of official checkpoints (minus ``base.fc.*``).

Shapes: input ``N x 3 x H x W`` (RGB in [0, 1], H and W multiples of 32); output a dict
``{head: N x C_head x H/4 x W/4}`` of raw (pre-activation) maps, in head creation order.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import torch
from torch import Tensor, nn

from ..ops import DCN
from .dla import BN_MOMENTUM, DLA, DLA34_CHANNELS, DLA34_LEVELS, dla34
from .heads import DEFAULT_HEADS, add_heads, check_heads
from .registry import Architecture, register_architecture

__all__ = ["DeformConv", "IDAUp", "DLAUp", "DLASeg", "fill_up_weights", "bilinear_kernel", "DEFAULT_HEADS",
           "ARCH_CHANNELS", "MAX_DLA_WIDTH", "infer_channels", "DLA_ARCHITECTURE"]


def bilinear_kernel(k: int) -> Tensor:
    """The ``k x k`` bilinear up-sampling kernel used by ``fill_up_weights`` (float32)."""
    f = math.ceil(k / 2)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    v = torch.tensor([1 - abs(i / f - c) for i in range(k)], dtype=torch.float64)
    return torch.outer(v, v).to(torch.float32)


@torch.no_grad()
def fill_up_weights(up: nn.ConvTranspose2d) -> None:
    """Initialise a (depthwise) transposed convolution with the bilinear kernel in every channel."""
    w = up.weight
    kh, kw = w.shape[2], w.shape[3]
    if kh != kw:
        raise ValueError("fill_up_weights expects a square kernel")
    w.copy_(bilinear_kernel(kh).to(w.dtype).expand_as(w))


class DeformConv(nn.Module):
    """DCN 3x3 (``conv``) followed by BN + ReLU (``actf``); ``actf`` is registered first."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.actf = nn.Sequential(nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM), nn.ReLU(inplace=True))
        self.conv = DCN(in_channels, out_channels, kernel_size=3, stride=1, padding=1, dilation=1,
                        deformable_groups=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.actf(self.conv(x))


class IDAUp(nn.Module):
    """Iterative deep aggregation: for i >= 1, ``proj_i`` (DeformConv c_i -> o), ``up_i`` (depthwise
    ConvTranspose2d, factor f_i, bilinear init) and ``node_i`` (DeformConv o -> o).

    ``forward(layers, startp, endp)`` updates ``layers`` in place: for i in startp+1 .. endp-1,
    ``layers[i] = node(up(proj(layers[i])) + layers[i-1])`` with the modules of suffix i - startp.
    """

    def __init__(self, out_channels: int, channels: Sequence[int], up_factors: Sequence[int]) -> None:
        super().__init__()
        if len(channels) != len(up_factors):
            raise ValueError("IDAUp: channels and up_factors must have the same length")
        self.out_channels = out_channels
        for i in range(1, len(channels)):
            c = int(channels[i])
            f = int(up_factors[i])
            proj = DeformConv(c, out_channels)
            node = DeformConv(out_channels, out_channels)
            up = nn.ConvTranspose2d(out_channels, out_channels, f * 2, stride=f, padding=f // 2,
                                    output_padding=0, groups=out_channels, bias=False)
            fill_up_weights(up)
            # Registration order (state-dict order): proj, up, node.
            setattr(self, f"proj_{i}", proj)
            setattr(self, f"up_{i}", up)
            setattr(self, f"node_{i}", node)

    def forward(self, layers: list[Tensor], startp: int, endp: int) -> None:
        for i in range(startp + 1, endp):
            s = i - startp
            up = getattr(self, f"up_{s}")
            proj = getattr(self, f"proj_{s}")
            node = getattr(self, f"node_{s}")
            layers[i] = up(proj(layers[i]))
            layers[i] = node(layers[i] + layers[i - 1])


class DLAUp(nn.Module):
    """Three IDAUps (``ida_0`` .. ``ida_2`` for DLA-34) merging the deepest levels step by step.

    ``forward(layers)`` takes the backbone outputs and returns the merged maps, shallowest
    first: ``[stride 4 / 64 ch, stride 8 / 128 ch, stride 16 / 256 ch, stride 32 / 512 ch]``.
    The list passed in is modified in place.
    """

    def __init__(self, startp: int, channels: Sequence[int], scales: Sequence[int],
                 in_channels: Sequence[int] | None = None) -> None:
        super().__init__()
        self.startp = startp
        channels = [int(c) for c in channels]
        scales = [int(s) for s in scales]
        in_ch = list(channels) if in_channels is None else [int(c) for c in in_channels]
        self.channels = channels
        n = len(channels)
        for i in range(n - 1):
            j = n - 2 - i
            ida = IDAUp(channels[j], in_ch[j:], [s // scales[j] for s in scales[j:]])
            setattr(self, f"ida_{i}", ida)
            for k in range(j + 1, n):
                scales[k] = scales[j]
                in_ch[k] = channels[j]

    def forward(self, layers: list[Tensor]) -> list[Tensor]:
        out = [layers[-1]]
        n = len(layers)
        for i in range(len(self.channels) - 1):
            ida: IDAUp = getattr(self, f"ida_{i}")
            ida(layers, n - i - 2, n)
            out.insert(0, layers[-1])
        return out


class DLASeg(nn.Module):
    """DLA-34 + DLAUp + IDAUp + heads. ``forward(x)`` returns ``{head: raw map at stride 4}``.

    Args:
        heads: ``{name: channels}``, created (and stored in the state dict) in this order.
        head_conv: width of each head's hidden 3x3 conv (0: a single conv per head).
        down_ratio: output stride; only 4 is supported by the official DLA-34 configuration.
        final_kernel: kernel size of each head's last conv.
        last_level: deepest backbone level merged by the final IDAUp (5).
        backbone: an already built :class:`DLA` (default: a fresh DLA-34).
    """

    def __init__(
        self,
        heads: Mapping[str, int] | None = None,
        head_conv: int = 256,
        down_ratio: int = 4,
        final_kernel: int = 1,
        last_level: int = 5,
        backbone: DLA | None = None,
    ) -> None:
        super().__init__()
        heads = check_heads(heads, head_conv)
        if down_ratio not in (2, 4, 8, 16):
            raise ValueError(f"down_ratio must be one of 2, 4, 8, 16, got {down_ratio}")
        self.heads = heads
        self.head_conv = head_conv
        self.down_ratio = down_ratio
        self.first_level = int(math.log2(down_ratio))
        self.last_level = last_level
        self.base = dla34() if backbone is None else backbone
        channels = self.base.channels
        scales = [2 ** i for i in range(len(channels[self.first_level:]))]
        self.dla_up = DLAUp(self.first_level, channels[self.first_level:], scales)
        out_channel = channels[self.first_level]
        self.ida_up = IDAUp(out_channel, channels[self.first_level:self.last_level],
                            [2 ** i for i in range(self.last_level - self.first_level)])
        add_heads(self, heads, channels[self.first_level], head_conv, final_kernel)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        layers = self.base(x)
        layers = self.dla_up(layers)
        y = [layers[i].clone() for i in range(self.last_level - self.first_level)]
        self.ida_up(y, 0, len(y))
        feat = y[-1]
        return {name: getattr(self, name)(feat) for name in self.heads}


# ------------------------------------------------------------------------------- registration

#: Backbone widths (channels of levels 0..5) of each DLA-34-topology architecture. ``dla34`` is the
#: official network; ``dla34_tiny`` is the same graph at reduced width (about 1.4 M parameters),
#: the architecture of the built-in model that trains on a CPU.
ARCH_CHANNELS: dict[str, tuple[int, ...]] = {
    "dla34": tuple(DLA34_CHANNELS),
    "dla34_tiny": (8, 16, 24, 32, 64, 128),
}

#: Largest backbone width accepted from a checkpoint (official DLA-34: 512 at level 5); a file
#: claiming more is refused before anything is built.
MAX_DLA_WIDTH = 2048


def infer_channels(state_dict: Mapping[str, Tensor]) -> tuple[int, ...] | None:
    """Backbone widths (levels 0..5) of a DLA state dict, or ``None`` if it has no DLA backbone.

    Level 0/1 widths come from ``base.level{0,1}.0.weight``; levels 2..5 from their root conv.
    """
    def out_ch(key: str) -> int | None:
        t = state_dict.get(key)
        return int(t.shape[0]) if isinstance(t, Tensor) and t.dim() == 4 else None

    chans: list[int | None] = [out_ch("base.level0.0.weight"), out_ch("base.level1.0.weight")]
    for i in range(2, 6):
        roots = sorted(k for k in state_dict if k.startswith(f"base.level{i}.") and k.endswith("root.conv.weight"))
        chans.append(out_ch(roots[0]) if roots else None)
    if any(c is None for c in chans):
        return None
    return tuple(int(c) for c in chans)  # type: ignore[arg-type]


def _check_channels(channels: Sequence[int], source: str, bounded: bool = True) -> None:
    """Six positive ints; with ``bounded`` (widths read from a checkpoint) none above :data:`MAX_DLA_WIDTH`."""
    channels = tuple(channels)
    if len(channels) != 6 or not all(isinstance(c, int) and c > 0 for c in channels):
        raise ValueError(f"{source}channels must be six positive ints (levels 0..5), got {channels!r}")
    if bounded and max(channels) > MAX_DLA_WIDTH:
        raise ValueError(f"{source}DLA backbone widths {list(channels)} exceed the largest supported width "
                         f"{MAX_DLA_WIDTH} (official DLA-34: {list(DLA34_CHANNELS)}): a damaged or crafted file?")


def _build(name: str, heads: dict[str, int], head_conv: int, widths: tuple[int, ...] | None) -> nn.Module:
    if widths is not None:
        _check_channels(widths, "", bounded=False)
    channels = tuple(widths) if widths is not None else ARCH_CHANNELS[name]
    backbone = DLA(DLA34_LEVELS, channels)
    return DLASeg(heads=heads, head_conv=head_conv, down_ratio=4, final_kernel=1, last_level=5, backbone=backbone)


def _recognise(state_dict: Mapping[str, Tensor]) -> str | None:
    return "dla34" if infer_channels(state_dict) is not None else None


def _identify(state_dict: Mapping[str, Tensor]) -> tuple[str | None, str]:
    widths = infer_channels(state_dict)
    for name, chans in ARCH_CHANNELS.items():
        if tuple(chans) == widths:
            return name, f"recognised from its keys: backbone widths {list(widths)}"
    return None, ""  # a DLA-34 of other widths: no name to check (any DLA arch loads it)


DLA_ARCHITECTURE = register_architecture(Architecture(
    family="dla",
    names=tuple(ARCH_CHANNELS),
    build=_build,
    body_prefixes=("base.", "dla_up.", "ida_up."),
    recognise=_recognise,
    identify=_identify,
    aliases={"dla_34": "dla34", "dla-34": "dla34", "dla34-tiny": "dla34_tiny"},
    read_widths=infer_channels,
    check_widths=lambda widths, source: _check_channels(widths, f"{source}: " if source else ""),
))
