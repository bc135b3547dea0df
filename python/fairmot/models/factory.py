"""Model factory: ``build_model(arch, heads, head_conv)`` over the architecture registry.

The architectures register themselves (:mod:`fairmot.models.registry`) from their own files,
imported here so that the built-in ones are always available.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from torch import nn

from . import dla_seg as _dla_seg  # noqa: F401  (registers dla34, dla34_tiny)
from . import hrnet as _hrnet  # noqa: F401  (registers hrnet_18, hrnet_32)
from . import resnet_dcn as _resnet_dcn  # noqa: F401  (registers resdcn_*, resfpndcn_*)
from .dla_seg import ARCH_CHANNELS
from .classes import check_num_classes
from .heads import DEFAULT_HEAD_CONV, DEFAULT_HEADS
from .registry import all_names, canonical_name

__all__ = ["build_model", "available_archs", "normalize_arch", "DEFAULT_HEAD_CONV", "ARCH_CHANNELS"]


def available_archs() -> list[str]:
    """Every registered architecture name, sorted."""
    return all_names()


def normalize_arch(arch: str) -> str:
    """Map an architecture name (``"dla34"`` or the official ``"dla_34"``) to its canonical form.

    Raises ``TypeError`` for a non-string and ``ValueError`` (listing the names) for an unknown one.
    """
    return canonical_name(arch)[0]


def build_model(arch: str = "dla34", heads: Mapping[str, int] | None = None, head_conv: int = DEFAULT_HEAD_CONV,
                channels: Sequence[int] | None = None, num_classes: int | None = None) -> nn.Module:
    """Build a freshly initialised FairMOT network (no ImageNet weights, no ``base.fc``).

    Args:
        arch: ``"dla34"`` (alias ``"dla_34"``; the official network), ``"dla34_tiny"`` (same graph,
            reduced width: the built-in model's architecture), or the official ResNet-DCN variants
            ``"resdcn_18"``, ``"resdcn_34"``, ``"resdcn_50"``, ``"resdcn_101"``, ``"resdcn_152"``
            (and the FPN variants ``"resfpndcn_<depth>"``) and HRNetV2 ``"hrnet_18"``, ``"hrnet_32"``
            (head_conv fixed at 256) -- randomly initialised: no ImageNet download. Any other
            registered architecture (:func:`fairmot.models.register_architecture`) too.
        heads: ``{name: channels}`` in creation order; default ``{hm: 1, wh: 4, id: 128, reg: 2}``.
        head_conv: hidden width of each head (negative: the DLA default 256; 0: single conv heads).
        channels: backbone widths, for architectures with configurable widths (DLA: levels 0..5,
            six positive ints; default: the arch's, :data:`ARCH_CHANNELS`). Checkpoint loading
            passes the widths found in the file.
        num_classes: number of object classes C (MC-FairMOT design): the ``hm`` head gets C channels,
            one heatmap per class; the box, offset and identity heads stay shared. None (default):
            ``heads['hm']`` (1 with the default heads, the official single-class network). A value
            that contradicts an explicit ``heads['hm']`` is a ``ValueError``.

    Returns:
        an ``nn.Module`` (train mode) whose ``forward(x)`` maps ``N x 3 x H x W`` (H, W multiples of
        32) to ``{head: N x C x H/4 x W/4}`` raw outputs.
    """
    name, family = canonical_name(arch)
    explicit_hm = None if heads is None else heads.get("hm")
    heads = dict(DEFAULT_HEADS if heads is None else heads)
    if num_classes is not None:
        num_classes = check_num_classes(num_classes)
        if explicit_hm is not None and explicit_hm != num_classes:
            raise ValueError(f"num_classes={num_classes} contradicts heads['hm']={explicit_hm}")
        heads["hm"] = num_classes
    if head_conv is None or head_conv < 0:
        head_conv = DEFAULT_HEAD_CONV
    widths: tuple[int, ...] | None = None
    if channels is not None:
        if family.read_widths is None:
            raise ValueError(f"{name} has no configurable backbone widths (channels={channels!r})")
        widths = tuple(channels)
    return family.build(name, heads, int(head_conv), widths)
