"""CLEAR MOT metrics (Bernardin & Stiefelhagen 2008) as TrackEval 1.3.0's ``CLEAR`` reports them.

Per frame, gt and tracker boxes with IoU >= 0.5 are matched by a maximum-score assignment whose score
is ``1000 * [tracker continues the gt's match of the previous frame] + IoU``: keeping an identity wins
over a better overlap. Counts: ``CLR_TP`` matches, ``CLR_FN`` unmatched gt, ``CLR_FP`` unmatched tracker
boxes, ``IDSW`` a gt matched to another tracker id than the last time it was matched, ``Frag`` a gt's
match resumed after a frame in which it was not matched, MT/PT/ML gt ids matched in > 80 % / >= 20 % /
< 20 % of their frames. Ratios are fractions: ``MOTA = (TP - FP - IDSW) / (TP + FN)``,
``MODA = (TP - FP) / (TP + FN)``, ``MOTP`` = mean IoU of the matches, and TrackEval's extras.

As in TrackEval, frames where one side has no box leave the "matched in the previous frame" state
untouched, and a sequence without tracker (or gt) boxes returns only its counts (other fields 0,
``MLR`` 1, ``CLR_Frames`` 0).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .averaging import average_over_classes

from .matching import EPS, SequenceData, sequential_segment_sums

__all__ = ["THRESHOLD", "INTEGER_FIELDS", "FLOAT_FIELDS", "FIELDS", "SUMMED_FIELDS", "evaluate_sequence",
           "combine_sequences", "combine_classes_class_averaged", "combine_classes_det_averaged"]

#: Similarity a match needs (>= 0.5 - eps).
THRESHOLD = 0.5
INTEGER_FIELDS = ("CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "CLR_Frames")
FLOAT_FIELDS = ("MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR", "sMOTA",
                "CLR_F1", "FP_per_frame", "MOTAL", "MOTP_sum")
FIELDS = FLOAT_FIELDS + INTEGER_FIELDS
SUMMED_FIELDS = INTEGER_FIELDS + ("MOTP_sum",)


def evaluate_sequence(data: SequenceData) -> dict[str, Any]:
    """CLEAR fields of one sequence (TrackEval's ``CLEAR.eval_sequence``): counts as ints, ratios as floats."""
    res: dict[str, Any] = {field: 0 for field in FIELDS}
    if data.num_tracker_dets == 0:
        res.update(CLR_FN=data.num_gt_dets, ML=data.num_gt_ids, MLR=1.0)
        return res
    if data.num_gt_dets == 0:
        res.update(CLR_FP=data.num_tracker_dets, MLR=1.0)
        return res

    pairs, sim = data.pairs, data.similarity
    gt_ids, trk_ids = data.gt_ids, data.tracker_ids
    matches = _match(data)  # flat pair positions of the matches, frame by frame
    k = pairs.frame_of(matches)
    mg, mt = gt_ids[pairs.gt_index[matches]], trk_ids[pairs.trk_index[matches]]

    # each gt id's matches in time order: a switch when the tracker id changes, a fragment when the
    # previous match was not in the previous scored frame (frames where one side is empty do not count)
    order = np.lexsort((k, mg))
    g_o, t_o, k_o = mg[order], mt[order], k[order]
    same_gt = g_o[1:] == g_o[:-1]
    res["IDSW"] = int(np.count_nonzero(same_gt & (t_o[1:] != t_o[:-1])))
    res["Frag"] = int(np.count_nonzero(same_gt & (k_o[1:] != k_o[:-1] + 1)))

    gt_count = np.bincount(gt_ids, minlength=data.num_gt_ids)
    matched_count = np.bincount(mg, minlength=data.num_gt_ids)
    seen = gt_count > 0
    tracked_ratio = matched_count[seen] / gt_count[seen]
    res["MT"] = int(np.sum(np.greater(tracked_ratio, 0.8)))
    res["PT"] = int(np.sum(np.greater_equal(tracked_ratio, 0.2))) - res["MT"]
    res["ML"] = data.num_gt_ids - res["MT"] - res["PT"]
    tp = int(matches.size)
    res["CLR_TP"] = tp
    res["CLR_FN"] = data.num_gt_dets - tp
    res["CLR_FP"] = data.num_tracker_dets - tp
    res["MOTP_sum"] = sequential_segment_sums(sim[matches], k)
    res["CLR_Frames"] = data.num_timesteps
    return _final_fields(res)


def _match(data: SequenceData) -> np.ndarray:
    """Flat pair positions of CLEAR's matches in every frame, in increasing order.

    A frame's candidates are its pairs with IoU >= 0.5 - eps. Where no box has two candidates, the
    candidates are the matches; elsewhere the frame is solved as TrackEval does, on the score
    ``1000 * [tracker id = the gt's match in the previous scored frame] + IoU`` (0 off the candidates).
    """
    from scipy.optimize import linear_sum_assignment

    pairs, sim = data.pairs, data.similarity
    gt_ids, trk_ids = data.gt_ids, data.tracker_ids
    cand = np.flatnonzero(sim >= THRESHOLD - EPS)
    conflicted = pairs.conflicted(cand)
    if not conflicted.any():
        return cand
    cand_frame = pairs.frame_of(cand)
    cand_start = np.searchsorted(cand_frame, np.arange(len(pairs) + 1), side="left")
    solved: dict[int, np.ndarray] = {}  # frame -> match positions, for the conflicted frames
    prev_step = np.full(data.num_gt_ids, -1, dtype=np.int64)  # tracker id matched in the previous frame
    for k in np.flatnonzero(conflicted).tolist():
        before = solved.get(k - 1)
        if before is None:
            before = cand[cand_start[k - 1]:cand_start[k]] if k > 0 else cand[:0]
        prev_g = gt_ids[pairs.gt_index[before]]
        prev_step[prev_g] = trk_ids[pairs.trk_index[before]]
        n, m, base = int(pairs.gt_count[k]), int(pairs.trk_count[k]), int(pairs.pair_start[k])
        local = cand[cand_start[k]:cand_start[k + 1]] - base
        bonus = trk_ids[pairs.trk_index[base + local]] == prev_step[gt_ids[pairs.gt_index[base + local]]]
        score = np.zeros(n * m)
        score[local] = 1000 * bonus + sim[base + local]
        score = score.reshape(n, m)
        rows, cols = linear_sum_assignment(-score)
        ok = score[rows, cols] > 0 + EPS
        solved[k] = base + rows[ok] * m + cols[ok]
        prev_step[prev_g] = -1
    keep = ~conflicted[cand_frame]
    return np.sort(np.concatenate([cand[keep], *solved.values()]))


def _final_fields(res: dict[str, Any]) -> dict[str, Any]:
    """TrackEval's ``CLEAR._compute_final_fields``: the ratios from the counts (per sequence and combined)."""
    num_gt_ids = res["MT"] + res["ML"] + res["PT"]
    res["MTR"] = res["MT"] / np.maximum(1.0, num_gt_ids)
    res["MLR"] = res["ML"] / np.maximum(1.0, num_gt_ids)
    res["PTR"] = res["PT"] / np.maximum(1.0, num_gt_ids)
    res["CLR_Re"] = res["CLR_TP"] / np.maximum(1.0, res["CLR_TP"] + res["CLR_FN"])
    res["CLR_Pr"] = res["CLR_TP"] / np.maximum(1.0, res["CLR_TP"] + res["CLR_FP"])
    res["MODA"] = (res["CLR_TP"] - res["CLR_FP"]) / np.maximum(1.0, res["CLR_TP"] + res["CLR_FN"])
    res["MOTA"] = (res["CLR_TP"] - res["CLR_FP"] - res["IDSW"]) / np.maximum(1.0, res["CLR_TP"] + res["CLR_FN"])
    res["MOTP"] = res["MOTP_sum"] / np.maximum(1.0, res["CLR_TP"])
    res["sMOTA"] = (res["MOTP_sum"] - res["CLR_FP"] - res["IDSW"]) / np.maximum(1.0, res["CLR_TP"] + res["CLR_FN"])
    res["CLR_F1"] = res["CLR_TP"] / np.maximum(1.0, res["CLR_TP"] + 0.5 * res["CLR_FN"] + 0.5 * res["CLR_FP"])
    res["FP_per_frame"] = res["CLR_FP"] / np.maximum(1.0, res["CLR_Frames"])
    safe_log_idsw = np.log10(res["IDSW"]) if res["IDSW"] > 0 else res["IDSW"]
    res["MOTAL"] = (res["CLR_TP"] - res["CLR_FP"] - safe_log_idsw) / np.maximum(1.0, res["CLR_TP"] + res["CLR_FN"])
    for field in FLOAT_FIELDS:
        res[field] = float(res[field])
    return res


def combine_sequences(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """CLEAR over several sequences (TrackEval's ``combine_sequences``: counts and ``MOTP_sum`` summed in the
    given order, ratios recomputed)."""
    values = list(all_res.values()) if isinstance(all_res, Mapping) else list(all_res)
    res: dict[str, Any] = {field: sum(r[field] for r in values) for field in SUMMED_FIELDS}
    for field in INTEGER_FIELDS:
        res[field] = int(res[field])
    return _final_fields(res)


def combine_classes_class_averaged(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """CLEAR averaged over classes (TrackEval's ``cls_comb_cls_av``): counts summed, every ratio (and
    ``MOTP_sum``) the plain mean of the classes' values, empty classes included."""
    return average_over_classes(all_res, INTEGER_FIELDS, FLOAT_FIELDS)


def combine_classes_det_averaged(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """CLEAR over the detections of all classes pooled (TrackEval's ``cls_comb_det_av``): counts and
    ``MOTP_sum`` summed, ratios recomputed, as :func:`combine_sequences`."""
    return combine_sequences(all_res)
