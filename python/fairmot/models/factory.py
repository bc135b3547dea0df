"""Model factory: ``build_model(arch, heads, head_conv)``."""
from __future__ import annotations

from typing import Callable, Mapping

from torch import nn

from .dla_seg import DEFAULT_HEADS, DLASeg

__all__ = ["build_model", "available_archs", "normalize_arch", "DEFAULT_HEAD_CONV"]

#: Width of the hidden head conv for DLA (official ``--head_conv -1`` resolves to 256).
DEFAULT_HEAD_CONV = 256


def _build_dla34(heads: dict[str, int], head_conv: int) -> nn.Module:
    return DLASeg(heads=heads, head_conv=head_conv, down_ratio=4, final_kernel=1, last_level=5)


# canonical name -> builder; a new backbone is one new entry (and one new file).
_ARCHS: dict[str, Callable[[dict[str, int], int], nn.Module]] = {"dla34": _build_dla34}
_ALIASES = {"dla_34": "dla34"}


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


def build_model(arch: str = "dla34", heads: Mapping[str, int] | None = None, head_conv: int = DEFAULT_HEAD_CONV
                ) -> nn.Module:
    """Build a freshly initialised FairMOT network (no ImageNet weights, no ``base.fc``).

    Args:
        arch: ``"dla34"`` (alias ``"dla_34"``).
        heads: ``{name: channels}`` in creation order; default ``{hm: 1, wh: 4, id: 128, reg: 2}``.
        head_conv: hidden width of each head (negative: the DLA default 256; 0: single conv heads).

    Returns:
        an ``nn.Module`` (train mode) whose ``forward(x)`` maps ``N x 3 x H x W`` (H, W multiples of
        32) to ``{head: N x C x H/4 x W/4}`` raw outputs.
    """
    name = normalize_arch(arch)
    heads = dict(DEFAULT_HEADS if heads is None else heads)
    if head_conv is None or head_conv < 0:
        head_conv = DEFAULT_HEAD_CONV
    return _ARCHS[name](heads, int(head_conv))
