"""Model factory: ``build_model(arch, heads, head_conv)``."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

from torch import nn

from .dla import DLA, DLA34_CHANNELS, DLA34_LEVELS
from .dla_seg import DLASeg
from .heads import DEFAULT_HEADS
from .hrnet import HEAD_CONV as HRNET_HEAD_CONV
from .hrnet import HRNET_WIDTHS, HRNet
from .resnet_dcn import RESNET_SPECS, PoseResNetDCN, PoseResNetFPNDCN

__all__ = ["build_model", "available_archs", "normalize_arch", "DEFAULT_HEAD_CONV", "ARCH_CHANNELS"]

#: Width of the hidden head conv for DLA (official ``--head_conv -1`` resolves to 256).
DEFAULT_HEAD_CONV = 256

#: Backbone widths (channels of levels 0..5) of each DLA-34-topology architecture. ``dla34`` is the
#: official network; ``dla34_tiny`` is the same graph at reduced width (about 1.4 M parameters),
#: the architecture of the built-in model that trains on a CPU.
ARCH_CHANNELS: dict[str, tuple[int, ...]] = {
    "dla34": tuple(DLA34_CHANNELS),
    "dla34_tiny": (8, 16, 24, 32, 64, 128),
}


def _build_dla34(heads: dict[str, int], head_conv: int, channels: Sequence[int] | None = None) -> nn.Module:
    backbone = DLA(DLA34_LEVELS, tuple(channels) if channels is not None else DLA34_CHANNELS)
    return DLASeg(heads=heads, head_conv=head_conv, down_ratio=4, final_kernel=1, last_level=5, backbone=backbone)


def _build_dla34_tiny(heads: dict[str, int], head_conv: int, channels: Sequence[int] | None = None) -> nn.Module:
    return _build_dla34(heads, head_conv, channels if channels is not None else ARCH_CHANNELS["dla34_tiny"])


def _resnet_dcn_builder(depth: int, fpn: bool = False) -> Callable[..., nn.Module]:
    name = f"{'resfpndcn' if fpn else 'resdcn'}_{depth}"

    def build(heads: dict[str, int], head_conv: int, channels: Sequence[int] | None = None) -> nn.Module:
        if channels is not None:
            raise ValueError(f"{name} has no configurable backbone widths (channels={channels!r})")
        return (PoseResNetFPNDCN if fpn else PoseResNetDCN)(depth, heads=heads, head_conv=head_conv)

    return build


def _hrnet_builder(width: int) -> Callable[..., nn.Module]:
    def build(heads: dict[str, int], head_conv: int, channels: Sequence[int] | None = None) -> nn.Module:
        if channels is not None:
            raise ValueError(f"hrnet_{width} has no configurable backbone widths (channels={channels!r})")
        return HRNet(width, heads=heads, head_conv=HRNET_HEAD_CONV if head_conv == DEFAULT_HEAD_CONV else head_conv)

    return build


# canonical name -> builder; a new backbone is one new entry (and one new file).
_ARCHS: dict[str, Callable[..., nn.Module]] = {
    "dla34": _build_dla34,
    "dla34_tiny": _build_dla34_tiny,
    **{f"resdcn_{d}": _resnet_dcn_builder(d) for d in sorted(RESNET_SPECS)},
    **{f"resfpndcn_{d}": _resnet_dcn_builder(d, fpn=True) for d in sorted(RESNET_SPECS)},
    **{f"hrnet_{w}": _hrnet_builder(w) for w in sorted(HRNET_WIDTHS)},
}
_ALIASES = {"dla_34": "dla34", "dla-34": "dla34", "dla34-tiny": "dla34_tiny",
            **{f"resdcn{d}": f"resdcn_{d}" for d in RESNET_SPECS},
            **{f"resfpndcn{d}": f"resfpndcn_{d}" for d in RESNET_SPECS},
            **{f"hrnet{w}": f"hrnet_{w}" for w in HRNET_WIDTHS}}


def available_archs() -> list[str]:
    return sorted(_ARCHS)


def normalize_arch(arch: str) -> str:
    """Map an architecture name (``"dla34"`` or the official ``"dla_34"``) to its canonical form."""
    if not isinstance(arch, str):
        raise TypeError(f"arch must be a string, got {type(arch).__name__}")
    key = arch.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _ARCHS:
        raise ValueError(f"unknown arch {arch!r}; supported: {', '.join(available_archs())} (also 'dla_34')")
    return key


def build_model(arch: str = "dla34", heads: Mapping[str, int] | None = None, head_conv: int = DEFAULT_HEAD_CONV,
                channels: Sequence[int] | None = None) -> nn.Module:
    """Build a freshly initialised FairMOT network (no ImageNet weights, no ``base.fc``).

    Args:
        arch: ``"dla34"`` (alias ``"dla_34"``; the official network), ``"dla34_tiny"`` (same graph,
            reduced width: the built-in model's architecture), or the official ResNet-DCN variants
            ``"resdcn_18"``, ``"resdcn_34"``, ``"resdcn_50"``, ``"resdcn_101"``, ``"resdcn_152"``
            (and the FPN variants ``"resfpndcn_<depth>"``) and HRNetV2 ``"hrnet_18"``, ``"hrnet_32"``
            (head_conv fixed at 256) -- randomly initialised: no ImageNet download.
        heads: ``{name: channels}`` in creation order; default ``{hm: 1, wh: 4, id: 128, reg: 2}``.
        head_conv: hidden width of each head (negative: the DLA default 256; 0: single conv heads).
        channels: DLA backbone widths of levels 0..5 (six positive ints); default: the arch's
            (:data:`ARCH_CHANNELS`). Checkpoint loading passes the widths found in the file.

    Returns:
        an ``nn.Module`` (train mode) whose ``forward(x)`` maps ``N x 3 x H x W`` (H, W multiples of
        32) to ``{head: N x C x H/4 x W/4}`` raw outputs.
    """
    name = normalize_arch(arch)
    heads = dict(DEFAULT_HEADS if heads is None else heads)
    if head_conv is None or head_conv < 0:
        head_conv = DEFAULT_HEAD_CONV
    if channels is not None:
        channels = tuple(channels)
        if len(channels) != 6 or not all(isinstance(c, int) and c > 0 for c in channels):
            raise ValueError(f"channels must be six positive ints (levels 0..5), got {channels!r}")
    return _ARCHS[name](heads, int(head_conv), channels)
