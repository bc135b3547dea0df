"""FairMOT training losses (docs/official_behaviour.md §5.4).

Shapes (B images, K = max objects per image, C classes, D re-ID dimension, H x W output map):

* network outputs ``hm`` (B, C, H, W) logits, ``wh`` (B, 4 or 2, H, W), ``reg`` (B, 2, H, W),
  ``id`` (B, D, H, W);
* targets (from :func:`fairmot.data.targets.build_targets`, batched) ``hm`` (B, C, H, W) in [0, 1],
  ``reg_mask`` (B, K) 0/1, ``ind`` (B, K) flat index ``y * W + x``, ``wh`` (B, K, 4 or 2),
  ``reg`` (B, K, 2), ``ids`` (B, K) identity or -1; with several classes also ``cls`` (B, K), the
  class of each slot (identities are then numbered within each class).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..ops.decode import gather_feat as _gather_feat

__all__ = [
    "clamped_sigmoid", "focal_loss", "gather_feat", "reg_l1_loss", "MotLoss",
]


def clamped_sigmoid(x: Tensor) -> Tensor:
    """``clamp(sigmoid(x), 1e-4, 1 - 1e-4)`` (the official ``_sigmoid``)."""
    return torch.clamp(torch.sigmoid(x), min=1e-4, max=1 - 1e-4)


def focal_loss(pred: Tensor, gt: Tensor) -> Tensor:
    """CornerNet's penalty-reduced focal loss (alpha 2, beta 4) on probabilities ``pred``.

    Positives (``gt == 1``) add ``log(p) (1-p)^2``, negatives ``log(1-p) p^2 (1-gt)^4``; the sum is
    divided by the number of positives (``-sum_neg`` alone when there is none).
    """
    pos = gt.eq(1).to(pred.dtype)
    neg = gt.lt(1).to(pred.dtype)
    neg_weights = torch.pow(1 - gt, 4)
    pos_loss = (torch.log(pred) * torch.pow(1 - pred, 2) * pos).sum()
    neg_loss = (torch.log(1 - pred) * torch.pow(pred, 2) * neg_weights * neg).sum()
    num_pos = pos.sum()
    if num_pos == 0:
        return -neg_loss
    return -(pos_loss + neg_loss) / num_pos


def gather_feat(output: Tensor, ind: Tensor) -> Tensor:
    """Map values at flat indices: (B, C, H, W) x (B, K) any integer dtype -> (B, K, C)
    (:func:`fairmot.ops.decode.gather_feat`, the one implementation)."""
    return _gather_feat(output, ind.long())


def reg_l1_loss(output: Tensor, mask: Tensor, ind: Tensor, target: Tensor) -> Tensor:
    """Masked L1 at the object centres: ``sum |pred m - target m| / (sum m + 1e-4)``, with the
    mask broadcast over the channel dim (so the denominator counts objects x channels)."""
    pred = gather_feat(output, ind)
    m = mask.unsqueeze(2).expand_as(pred).to(pred.dtype)
    loss = F.l1_loss(pred * m, target.to(pred.dtype) * m, reduction="sum")
    return loss / (m.sum() + 1e-4)


class MotLoss(nn.Module):
    """Detection + identity loss with the learned uncertainty weighting (official ``MotLoss``).

    Args:
        nID: number of training identities (the classifier's classes); or, for multi-class training
            (MC-FairMOT), one count per object class: a sequence ``[nID_0, ..., nID_{C-1}]``
            creates one identity classifier per class (``classifiers[c]``, each with its own
            ``emb_scale``), the batch must then carry ``cls`` and each object's embedding is
            classified among its own class's identities. A one-element sequence is the
            single-class loss (``classifier``), exactly as with an int.
        emb_dim: re-ID dimension D.
        hm_weight, wh_weight, off_weight: detection term weights (official 1, 0.1, 1).
        multi_loss: ``"uncertainty"`` (official default: ``0.5 (e^-s_det det + e^-s_id id + s_det + s_id)``
            with learnable ``s_det = -1.85``, ``s_id = -1.05``) or ``"fix"`` (``det + 0.1 id``).
        reg_offset: whether the ``reg`` head exists (official: yes).

    ``forward(outputs, batch)`` returns ``(loss, stats)`` with ``stats`` the detached terms
    ``loss, hm_loss, wh_loss, off_loss, id_loss``.

    Deviations (no effect on normal batches): a batch whose objects all have identity -1 gets
    ``id_loss = 0`` (the official cross-entropy returns NaN); ``emb_scale`` uses
    ``max(nID - 1, 2)`` so a one- or two-identity set does not give a zero or negative scale.
    """

    def __init__(self, nID: int | Sequence[int], emb_dim: int = 128, hm_weight: float = 1.0, wh_weight: float = 0.1,
                 off_weight: float = 1.0, multi_loss: str = "uncertainty", reg_offset: bool = True) -> None:
        super().__init__()
        if not isinstance(nID, int) and isinstance(nID, Sequence) and len(nID) == 1:
            nID = nID[0]
        counts = [nID] if isinstance(nID, int) else list(nID) if isinstance(nID, Sequence) else [nID]
        if not counts or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in counts):
            raise ValueError(f"nID must be a positive int or a non-empty sequence of them, got {nID!r}")
        if multi_loss not in ("uncertainty", "fix"):
            raise ValueError(f"multi_loss must be 'uncertainty' or 'fix', got {multi_loss!r}")
        self.nID = nID
        self.emb_dim = emb_dim
        self.hm_weight, self.wh_weight, self.off_weight = hm_weight, wh_weight, off_weight
        self.multi_loss = multi_loss
        self.reg_offset = reg_offset
        self.num_classes = len(counts)
        if self.num_classes == 1:
            self.classifier = nn.Linear(emb_dim, counts[0])
            self.emb_scale = math.sqrt(2) * math.log(max(counts[0] - 1, 2))
        else:  # one identity classifier per class (MC-FairMOT)
            self.classifiers = nn.ModuleList([nn.Linear(emb_dim, n) for n in counts])
            self.emb_scales = [math.sqrt(2) * math.log(max(n - 1, 2)) for n in counts]
        self.s_det = nn.Parameter(-1.85 * torch.ones(1))
        self.s_id = nn.Parameter(-1.05 * torch.ones(1))

    def forward(self, outputs: Mapping[str, Tensor], batch: Mapping[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        hm = clamped_sigmoid(outputs["hm"].float())
        hm_loss = focal_loss(hm, batch["hm"].float())
        mask, ind = batch["reg_mask"], batch["ind"]
        zero = hm_loss.new_zeros(())
        wh_loss = reg_l1_loss(outputs["wh"].float(), mask, ind, batch["wh"]) if self.wh_weight > 0 else zero
        off_loss = (reg_l1_loss(outputs["reg"].float(), mask, ind, batch["reg"])
                    if self.reg_offset and self.off_weight > 0 else zero)

        id_head = gather_feat(outputs["id"].float(), ind)[mask > 0]
        id_target = batch["ids"][mask > 0].long()
        valid = id_target >= 0
        if self.num_classes > 1:
            if "cls" not in batch:
                raise ValueError("MotLoss with one identity classifier per class needs the targets' 'cls' "
                                 "(JDEDataset with num_classes > 1)")
            id_loss = self._per_class_id_loss(outputs, id_head, id_target, batch["cls"][mask > 0].long(), zero)
        elif bool(valid.any()):
            emb = self.emb_scale * F.normalize(id_head)
            logits = self.classifier(emb)
            id_loss = F.cross_entropy(logits, id_target, ignore_index=-1)
        else:
            # no identity in the batch: zero, but keep every parameter in the graph (DDP needs that)
            id_loss = zero + 0.0 * (outputs["id"].sum() + self.classifier.weight.sum() + self.classifier.bias.sum())

        det_loss = self.hm_weight * hm_loss + self.wh_weight * wh_loss + self.off_weight * off_loss
        if self.multi_loss == "uncertainty":
            loss = torch.exp(-self.s_det) * det_loss + torch.exp(-self.s_id) * id_loss + (self.s_det + self.s_id)
            loss = 0.5 * loss.squeeze(0)
        else:
            loss = det_loss + 0.1 * id_loss
        stats = {"loss": loss.detach(), "hm_loss": hm_loss.detach(), "wh_loss": wh_loss.detach(),
                 "off_loss": off_loss.detach(), "id_loss": id_loss.detach()}
        return loss, stats

    def _per_class_id_loss(self, outputs: Mapping[str, Tensor], id_head: Tensor, id_target: Tensor, cls: Tensor,
                           zero: Tensor) -> Tensor:
        """Cross-entropy of each object's embedding among its own class's identities, summed over
        every object with an identity and divided by their number (the mean over objects, as the
        single-class loss; MC-FairMOT). Objects of a class outside ``[0, C)`` are a ``ValueError``."""
        if cls.numel() and (int(cls.min()) < 0 or int(cls.max()) >= self.num_classes):
            raise ValueError(f"MotLoss: target classes must be in [0, {self.num_classes}), got "
                             f"{int(cls.min())} .. {int(cls.max())}")
        valid = id_target >= 0
        # every classifier stays in the graph (DDP needs each parameter to receive a gradient)
        total = zero + 0.0 * (outputs["id"].sum() + sum(p.sum() for p in self.classifiers.parameters()))
        count = int(valid.sum())
        for c, classifier in enumerate(self.classifiers):
            pick = valid & (cls == c)
            if bool(pick.any()):
                emb = self.emb_scales[c] * F.normalize(id_head[pick])
                total = total + F.cross_entropy(classifier(emb), id_target[pick], reduction="sum")
        return total / count if count else total
