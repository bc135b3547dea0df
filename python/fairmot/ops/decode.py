"""Heatmap decoding of FairMOT / CenterNet outputs (docs/official_behaviour.md §3 steps 3-7)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..config import DEFAULT_K
from . import _library  # noqa: F401  (registers torch.ops.fairmot)
from .errors import OpArgumentError

__all__ = ["heatmap_topk", "mot_decode", "mot_decode_reference_ops", "gather_feat", "gather_embeddings"]


def heatmap_topk(heat: Tensor, k: int = 500, kernel: int = 3) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Local maxima of a heatmap and their top-k, in one pass per image.

    heat (B, C, H, W), scores already through a sigmoid. A cell is a peak when it equals the max
    of its ``kernel x kernel`` neighbourhood (the 3x3 max-pool test); other cells score 0. Per
    image: the best min(k, H*W) cells of each class, then the best k2 = min(k, C * min(k, H*W))
    across classes. Ties go to the lower class, then the lower flat index, so the result equals a
    stable descending sort.

    Returns scores (B, k2) in heat's dtype, inds (B, k2) int64 (y * W + x), classes (B, k2)
    int64, ys and xs (B, k2) float32.

    Raises TypeError if heat is not a tensor and :class:`fairmot.ops.OpArgumentError` (a
    ``ValueError`` and a ``RuntimeError``) for a bad shape, k or kernel.
    """
    if not isinstance(heat, Tensor):
        raise TypeError(f"heatmap_topk: heat must be a torch.Tensor, got {type(heat).__name__}")
    if heat.dim() != 4:
        raise OpArgumentError(f"heatmap_topk: heat must be 4-D (B, C, H, W), got shape {tuple(heat.shape)}")
    if heat.shape[1] == 0 or heat.shape[2] == 0 or heat.shape[3] == 0:
        raise OpArgumentError(f"heatmap_topk: heat must have C, H and W > 0, got shape {tuple(heat.shape)}")
    if not isinstance(k, int) or k < 1:
        raise OpArgumentError(f"heatmap_topk: k must be a positive int, got {k!r}")
    if not isinstance(kernel, int) or kernel < 1 or kernel % 2 == 0:
        raise OpArgumentError(f"heatmap_topk: kernel must be a positive odd int, got {kernel!r}")
    return torch.ops.fairmot.heatmap_topk(heat, k, kernel)


def gather_feat(feat: Tensor, inds: Tensor) -> Tensor:
    """Values of a (B, D, H, W) map at flat indices inds (B, K) -> (B, K, D)."""
    b, d = feat.shape[:2]
    flat = feat.reshape(b, d, -1)
    idx = inds.unsqueeze(1).expand(b, d, inds.shape[1])
    return flat.gather(2, idx).transpose(1, 2)


def gather_embeddings(id_map: Tensor, inds: Tensor, normalize: bool = True) -> Tensor:
    """Identity embeddings (B, K, D) at the detected centres, L2-normalised over D (eps 1e-12).

    Only the K gathered rows are normalised (the official code normalises the whole map first;
    per-position normalisation makes the two equal). On CUDA this keeps the work on the GPU, so
    only K rows need to cross to the host.
    """
    emb = gather_feat(id_map, inds)
    return F.normalize(emb, dim=2) if normalize else emb


def mot_decode(
    heat: Tensor, wh: Tensor, reg: Tensor | None = None, ltrb: bool = True, K: int = DEFAULT_K
) -> tuple[Tensor, Tensor]:
    """FairMOT's ``mot_decode``: detections in output-map units.

    heat (B, C, H, W) after sigmoid; wh (B, 4, H, W) (ltrb distances) or (B, 2, H, W) (sizes);
    reg (B, 2, H, W) sub-cell offsets or None (+0.5). Returns dets (B, K', 6) = (x1, y1, x2, y2,
    score, class) and inds (B, K'), with K' = min(K, C * min(K, H * W)).

    Bad shapes raise :class:`fairmot.ops.OpArgumentError` (a ``ValueError`` and a ``RuntimeError``).
    """
    if not isinstance(heat, Tensor) or heat.dim() != 4:
        raise OpArgumentError(
            f"mot_decode: heat must be a 4-D tensor (B, C, H, W), got {getattr(heat, 'shape', heat)}"
        )
    b, _, h, w = heat.shape
    maps = [("wh", wh, 4 if ltrb else 2)] + ([("reg", reg, 2)] if reg is not None else [])
    for name, t, channels in maps:
        if not isinstance(t, Tensor) or tuple(t.shape) != (b, channels, h, w):
            shape = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise OpArgumentError(f"mot_decode: {name} must have shape ({b}, {channels}, {h}, {w}), got {shape}")
    scores, inds, clses, ys, xs = heatmap_topk(heat, K, 3)
    if reg is not None:
        r = gather_feat(reg, inds)
        xs = xs.to(r.dtype).unsqueeze(2) + r[:, :, 0:1]
        ys = ys.to(r.dtype).unsqueeze(2) + r[:, :, 1:2]
    else:
        xs = xs.to(heat.dtype).unsqueeze(2) + 0.5
        ys = ys.to(heat.dtype).unsqueeze(2) + 0.5
    w = gather_feat(wh, inds)
    if ltrb:
        boxes = torch.cat([xs - w[..., 0:1], ys - w[..., 1:2], xs + w[..., 2:3], ys + w[..., 3:4]], dim=2)
    else:
        boxes = torch.cat(
            [xs - w[..., 0:1] / 2, ys - w[..., 1:2] / 2, xs + w[..., 0:1] / 2, ys + w[..., 1:2] / 2], dim=2
        )
    dets = torch.cat([boxes, scores.unsqueeze(2).to(boxes.dtype), clses.unsqueeze(2).to(boxes.dtype)], dim=2)
    return dets, inds


def mot_decode_reference_ops(
    heat: Tensor, wh: Tensor, reg: Tensor | None = None, ltrb: bool = True, K: int = DEFAULT_K
) -> tuple[Tensor, Tensor]:
    """:func:`mot_decode` written with standard tensor operations only (max-pool, equality mask,
    multiply, top-k, gather), as the official code computes it.

    This is the form that exports to plain ONNX (``MaxPool``, ``Equal``, ``Mul``, ``TopK``,
    ``GatherElements``); :func:`mot_decode` uses the fused ``heatmap_topk`` kernel instead and
    equals this up to the order of exactly tied scores (``topk`` does not promise a stable order).
    Shapes as :func:`mot_decode`; K' = min(K, H * W) per class, then min(K, C * K') overall.
    """
    b, c, h, w = heat.shape
    hmax = F.max_pool2d(heat, kernel_size=3, stride=1, padding=1)
    peaks = heat * (hmax == heat).to(heat.dtype)
    k1 = min(K, h * w)
    cls_scores, cls_inds = torch.topk(peaks.reshape(b, c, h * w), k1)  # (B, C, k1)
    k2 = min(K, c * k1)
    scores, top = torch.topk(cls_scores.reshape(b, c * k1), k2)  # (B, k2)
    inds = cls_inds.reshape(b, c * k1).gather(1, top)
    clses = torch.div(top, k1, rounding_mode="floor")
    ys = torch.div(inds, w, rounding_mode="floor").to(heat.dtype).unsqueeze(2)
    xs = (inds % w).to(heat.dtype).unsqueeze(2)
    if reg is not None:
        r = gather_feat(reg, inds)
        xs, ys = xs + r[:, :, 0:1], ys + r[:, :, 1:2]
    else:
        xs, ys = xs + 0.5, ys + 0.5
    s = gather_feat(wh, inds)
    if ltrb:
        boxes = torch.cat([xs - s[..., 0:1], ys - s[..., 1:2], xs + s[..., 2:3], ys + s[..., 3:4]], dim=2)
    else:
        boxes = torch.cat([xs - s[..., 0:1] / 2, ys - s[..., 1:2] / 2, xs + s[..., 0:1] / 2, ys + s[..., 1:2] / 2],
                          dim=2)
    dets = torch.cat([boxes, scores.unsqueeze(2), clses.unsqueeze(2).to(boxes.dtype)], dim=2)
    return dets, inds
