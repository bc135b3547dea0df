"""HOTA (Luiten et al., "HOTA: A Higher Order Metric for Evaluating Multi-Object Tracking", IJCV 2020)
as TrackEval 1.3.0's ``HOTA`` reports it.

For each localisation threshold alpha in 0.05, 0.10, ..., 0.95 (:data:`ALPHAS`):

* matching: per frame, one maximum-score assignment of gt to tracker boxes, the score of a pair being
  its IoU times the *global alignment* of the two ids, ``A = S / (n_gt + n_trk - S)`` where ``S`` sums
  over the sequence each frame's ``IoU / (row sum + column sum - IoU)`` of the pair's box overlaps and
  ``n_gt``/``n_trk`` are the ids' box counts; at alpha a matched pair with IoU >= alpha - eps is a TP;
* ``DetA = TP / (TP + FN + FP)``, ``DetRe = TP / (TP + FN)``, ``DetPr = TP / (TP + FP)``;
* for a TP between ids g and t matched ``c`` times at alpha: ``AssA = mean over TPs of
  c / (n_g + n_t - c)``, ``AssRe``: ``c / n_g``, ``AssPr``: ``c / n_t``;
* ``HOTA = sqrt(DetA * AssA)``, ``OWTA = sqrt(DetRe * AssA)``, ``LocA`` = mean IoU of the TPs
  (1 without TPs); ``HOTA(0)``, ``LocA(0)`` are the values at alpha = 0.05, ``HOTALocA(0)`` their product.

Per-alpha fields are (19,) float64 arrays (the counts ``HOTA_TP``/``HOTA_FN``/``HOTA_FP`` too, as in
TrackEval); the headline numbers are their means. The per-frame assignment is the only sequential part
(it runs on exactly TrackEval's score matrices, bit for bit, so ties break the same way); all 19
thresholds are evaluated at once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .averaging import average_over_classes

from .matching import EPS, SequenceData

__all__ = ["ALPHAS", "ALPHA_LABELS", "ARRAY_FIELDS", "INTEGER_ARRAY_FIELDS", "FLOAT_FIELDS", "evaluate_sequence",
           "combine_sequences", "combine_classes_class_averaged", "combine_classes_det_averaged"]

#: The localisation thresholds (TrackEval's ``np.arange(0.05, 0.99, 0.05)``, the same doubles).
ALPHAS = np.arange(0.05, 0.99, 0.05)
#: TrackEval's column suffixes for the thresholds (``HOTA___5`` ... ``HOTA___95``).
ALPHA_LABELS = tuple(int(100 * a) for a in ALPHAS)
ARRAY_FIELDS = ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA")
INTEGER_ARRAY_FIELDS = ("HOTA_TP", "HOTA_FN", "HOTA_FP")
FLOAT_FIELDS = ("HOTA(0)", "LocA(0)", "HOTALocA(0)")


def _empty(data: SequenceData) -> dict[str, Any]:
    n = len(ALPHAS)
    res: dict[str, Any] = {f: np.zeros(n) for f in ARRAY_FIELDS + INTEGER_ARRAY_FIELDS}
    res.update({f: 0.0 for f in FLOAT_FIELDS})
    res["HOTA_FN"] = data.num_gt_dets * np.ones(n)
    res["HOTA_FP"] = data.num_tracker_dets * np.ones(n)
    res["LocA"] = np.ones(n)
    res["LocA(0)"] = 1.0
    return res


def _frame_sums(data: SequenceData) -> tuple[np.ndarray, np.ndarray]:
    """Per gt box the row sum and per tracker box the column sum of its frame's similarity matrix.

    numpy's own reductions of each (n, m) matrix, so that the sums are TrackEval's doubles.
    """
    pairs, sim = data.pairs, data.similarity
    row_sum = np.zeros(data.num_gt_dets)
    col_sum = np.zeros(data.num_tracker_dets)
    start, gs, gc, ts, tc = (pairs.pair_start.tolist(), pairs.gt_start.tolist(), pairs.gt_count.tolist(),
                             pairs.trk_start.tolist(), pairs.trk_count.tolist())
    for k in range(len(pairs)):
        s = sim[start[k]:start[k + 1]].reshape(gc[k], tc[k])
        col_sum[ts[k]:ts[k] + tc[k]] = s.sum(0)
        row_sum[gs[k]:gs[k] + gc[k]] = s.sum(1)
    return row_sum, col_sum


def evaluate_sequence(data: SequenceData) -> dict[str, Any]:
    """HOTA fields of one sequence (TrackEval's ``HOTA.eval_sequence``)."""
    from scipy.optimize import linear_sum_assignment

    if data.num_tracker_dets == 0 or data.num_gt_dets == 0:
        return _empty(data)
    pairs, sim = data.pairs, data.similarity
    n_trk_ids = data.num_tracker_ids
    gt_id_count = np.bincount(data.gt_ids, minlength=data.num_gt_ids).astype(np.float64)
    trk_id_count = np.bincount(data.tracker_ids, minlength=n_trk_ids).astype(np.float64)

    # global alignment of every id pair that overlaps somewhere (the others score 0)
    row_sum, col_sum = _frame_sums(data)
    nz = np.flatnonzero(sim > 0)
    gi, ti = pairs.gt_index[nz], pairs.trk_index[nz]
    s = sim[nz]
    denom = col_sum[ti] + row_sum[gi] - s
    share = np.zeros_like(s)
    ok = denom > 0 + EPS
    share[ok] = s[ok] / denom[ok]
    g, t = data.gt_ids[gi], data.tracker_ids[ti]
    keys, inverse = np.unique(g * n_trk_ids + t, return_inverse=True)
    potential = np.bincount(inverse, weights=share, minlength=keys.size)  # summed in frame order
    kg, kt = keys // n_trk_ids, keys % n_trk_ids
    alignment = potential / (gt_id_count[kg] + trk_id_count[kt] - potential)
    score_values = alignment[inverse] * s

    # per-frame assignment on TrackEval's score matrix (zero where the IoU is zero)
    conflicted = pairs.conflicted(nz)
    nz_frame = pairs.frame_of(nz)
    matched = [nz[~conflicted[nz_frame]]]  # conflict-free frames: every overlapping pair is matched
    nz_start = np.searchsorted(nz_frame, np.arange(len(pairs) + 1), side="left").tolist()
    start, gc, tc = pairs.pair_start.tolist(), pairs.gt_count.tolist(), pairs.trk_count.tolist()
    for k in np.flatnonzero(conflicted).tolist():
        lo, hi = nz_start[k], nz_start[k + 1]
        n, m = gc[k], tc[k]
        score = np.zeros(n * m)
        score[nz[lo:hi] - start[k]] = score_values[lo:hi]
        rows, cols = linear_sum_assignment(-score.reshape(n, m))
        matched.append(start[k] + rows * m + cols)
    pos = np.concatenate(matched)
    msim = sim[pos]
    keep = msim >= ALPHAS[0] - EPS
    pos, msim = pos[keep], msim[keep]
    hits = np.count_nonzero(msim[:, None] >= ALPHAS[None, :] - EPS, axis=1)  # thresholds passed: a prefix
    n_alpha = len(ALPHAS)
    passed = np.arange(n_alpha)[None, :] < hits[:, None]  # (matches, alpha)
    tp = passed.sum(axis=0).astype(np.float64)
    loc_sum = (passed * msim[:, None]).sum(axis=0)

    mg, mt = data.gt_ids[pairs.gt_index[pos]], data.tracker_ids[pairs.trk_index[pos]]
    mkeys, minv = np.unique(mg * n_trk_ids + mt, return_inverse=True)
    hist = np.bincount(minv * (n_alpha + 1) + hits, minlength=mkeys.size * (n_alpha + 1)).reshape(-1, n_alpha + 1)
    # matches of each id pair at alpha a: matches passing more than a thresholds
    count = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:].astype(np.float64)  # (pairs, alpha)
    pg = gt_id_count[mkeys // n_trk_ids][:, None]
    pt = trk_id_count[mkeys % n_trk_ids][:, None]
    res: dict[str, Any] = {
        "HOTA_TP": tp,
        "HOTA_FN": data.num_gt_dets - tp,
        "HOTA_FP": data.num_tracker_dets - tp,
        "AssA": (count * (count / np.maximum(1, pg + pt - count))).sum(axis=0) / np.maximum(1, tp),
        "AssRe": (count * (count / np.maximum(1, pg))).sum(axis=0) / np.maximum(1, tp),
        "AssPr": (count * (count / np.maximum(1, pt))).sum(axis=0) / np.maximum(1, tp),
        "LocA": np.maximum(1e-10, loc_sum) / np.maximum(1e-10, tp),
    }
    return _final_fields(res)


def _final_fields(res: dict[str, Any]) -> dict[str, Any]:
    """TrackEval's ``HOTA._compute_final_fields``."""
    tp, fn, fp = res["HOTA_TP"], res["HOTA_FN"], res["HOTA_FP"]
    res["DetRe"] = tp / np.maximum(1, tp + fn)
    res["DetPr"] = tp / np.maximum(1, tp + fp)
    res["DetA"] = tp / np.maximum(1, tp + fn + fp)
    res["HOTA"] = np.sqrt(res["DetA"] * res["AssA"])
    res["OWTA"] = np.sqrt(res["DetRe"] * res["AssA"])
    res["HOTA(0)"] = float(res["HOTA"][0])
    res["LocA(0)"] = float(res["LocA"][0])
    res["HOTALocA(0)"] = res["HOTA(0)"] * res["LocA(0)"]
    return res


def combine_sequences(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """HOTA over several sequences (TrackEval's ``combine_sequences``): TP/FN/FP summed, AssA/AssRe/AssPr and
    LocA averaged with the TP counts as weights, in the given order."""
    values = list(all_res.values()) if isinstance(all_res, Mapping) else list(all_res)
    res: dict[str, Any] = {f: sum(r[f] for r in values) for f in INTEGER_ARRAY_FIELDS}
    for field in ("AssRe", "AssPr", "AssA"):
        res[field] = sum(r[field] * r["HOTA_TP"] for r in values) / np.maximum(1.0, res["HOTA_TP"])
    loca_weighted = sum(r["LocA"] * r["HOTA_TP"] for r in values)
    res["LocA"] = np.maximum(1e-10, loca_weighted) / np.maximum(1e-10, res["HOTA_TP"])
    return _final_fields(res)


def combine_classes_class_averaged(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """HOTA averaged over classes (TrackEval's ``cls_comb_cls_av``): TP/FN/FP summed; every ratio (the
    per-alpha arrays and ``HOTA(0)``, ``LocA(0)``, ``HOTALocA(0)``) the plain mean of the classes' values,
    empty classes included. Pass each class's result combined over the sequences."""
    return average_over_classes(all_res, INTEGER_ARRAY_FIELDS, FLOAT_FIELDS + ARRAY_FIELDS, scalars=False)


def combine_classes_det_averaged(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """HOTA over the detections of all classes pooled (TrackEval's ``cls_comb_det_av``): the same arithmetic
    as :func:`combine_sequences`, applied to the classes' combined results."""
    return combine_sequences(all_res)
