"""Identity metrics (Ristani et al. 2016: IDF1, IDP, IDR) as TrackEval 1.3.0's ``Identity`` reports them.

Each gt id is assigned to at most one tracker id for the whole sequence so that the number of boxes
they share (frames where their boxes have IoU >= 0.5) is maximal. ``IDTP`` is that number,
``IDFN = gt boxes - IDTP``, ``IDFP = tracker boxes - IDTP``; ``IDR = IDTP / (IDTP + IDFN)``,
``IDP = IDTP / (IDTP + IDFP)``, ``IDF1 = IDTP / (IDTP + (IDFN + IDFP) / 2)``.

TrackEval finds the assignment on a square (gt ids + tracker ids) cost matrix; its optimum is the
maximum-weight matching of the shared-box counts, which is unique in value, so it is computed here as
that matching (per connected group of ids that share any box), with the same integer results.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .averaging import average_over_classes

from .matching import SequenceData

__all__ = ["THRESHOLD", "INTEGER_FIELDS", "FLOAT_FIELDS", "FIELDS", "evaluate_sequence", "combine_sequences",
           "combine_classes_class_averaged", "combine_classes_det_averaged", "max_weight_matching"]

#: Similarity a shared box needs (>= 0.5, no tolerance, as TrackEval).
THRESHOLD = 0.5
INTEGER_FIELDS = ("IDTP", "IDFN", "IDFP")
FLOAT_FIELDS = ("IDF1", "IDR", "IDP")
FIELDS = FLOAT_FIELDS + INTEGER_FIELDS

_DENSE_LIMIT = 1 << 22  # solve one dense problem up to this many entries, else per connected component


def max_weight_matching(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> int:
    """Total weight of a maximum-weight matching of a bipartite graph with non-negative integer weights.

    Args:
        rows, cols: (E,) int64 endpoints of the edges (unique pairs); weights: (E,) integer weights.
    """
    from scipy.optimize import linear_sum_assignment

    if rows.size == 0:
        return 0
    r_ids, r = np.unique(rows, return_inverse=True)
    c_ids, c = np.unique(cols, return_inverse=True)
    if r_ids.size * c_ids.size <= _DENSE_LIMIT:
        dense = np.zeros((r_ids.size, c_ids.size))
        dense[r, c] = weights
        i, j = linear_sum_assignment(dense, maximize=True)
        return int(round(dense[i, j].sum()))
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_r = r_ids.size
    graph = coo_matrix((np.ones(r.size), (r, n_r + c)), shape=(n_r + c_ids.size,) * 2)
    _, label = connected_components(graph, directed=False)
    comp = label[r]
    order = np.argsort(comp, kind="stable")
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    total = 0
    for edges in np.split(order, bounds):
        if edges.size == 1:
            total += int(weights[edges[0]])
            continue
        _, rr = np.unique(r[edges], return_inverse=True)
        _, cc = np.unique(c[edges], return_inverse=True)
        dense = np.zeros((rr.max() + 1, cc.max() + 1))
        dense[rr, cc] = weights[edges]
        i, j = linear_sum_assignment(dense, maximize=True)
        total += int(round(dense[i, j].sum()))
    return total


def evaluate_sequence(data: SequenceData) -> dict[str, Any]:
    """Identity fields of one sequence (TrackEval's ``Identity.eval_sequence``)."""
    res: dict[str, Any] = {field: 0 for field in FIELDS}
    if data.num_tracker_dets == 0:
        res["IDFN"] = data.num_gt_dets
        return res
    if data.num_gt_dets == 0:
        res["IDFP"] = data.num_tracker_dets
        return res
    pairs = data.pairs
    hit = np.flatnonzero(np.greater_equal(data.similarity, THRESHOLD))
    g = data.gt_ids[pairs.gt_index[hit]]
    t = data.tracker_ids[pairs.trk_index[hit]]
    key, shared = np.unique(g * data.num_tracker_ids + t, return_counts=True)
    idtp = max_weight_matching(key // data.num_tracker_ids, key % data.num_tracker_ids, shared)
    res["IDTP"] = idtp
    res["IDFN"] = data.num_gt_dets - idtp
    res["IDFP"] = data.num_tracker_dets - idtp
    return _final_fields(res)


def _final_fields(res: dict[str, Any]) -> dict[str, Any]:
    """TrackEval's ``Identity._compute_final_fields``."""
    res["IDR"] = float(res["IDTP"] / np.maximum(1.0, res["IDTP"] + res["IDFN"]))
    res["IDP"] = float(res["IDTP"] / np.maximum(1.0, res["IDTP"] + res["IDFP"]))
    res["IDF1"] = float(res["IDTP"] / np.maximum(1.0, res["IDTP"] + 0.5 * res["IDFP"] + 0.5 * res["IDFN"]))
    return res


def combine_sequences(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Identity over several sequences: counts summed, ratios recomputed (TrackEval's ``combine_sequences``)."""
    values = list(all_res.values()) if isinstance(all_res, Mapping) else list(all_res)
    res: dict[str, Any] = {field: int(sum(r[field] for r in values)) for field in INTEGER_FIELDS}
    return _final_fields(res)


def combine_classes_class_averaged(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Identity metrics averaged over classes (TrackEval's ``cls_comb_cls_av``): IDTP/IDFN/IDFP summed,
    IDF1/IDR/IDP the plain mean of the classes' values, empty classes included."""
    return average_over_classes(all_res, INTEGER_FIELDS, FLOAT_FIELDS)


def combine_classes_det_averaged(all_res: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Identity metrics over the detections of all classes pooled (TrackEval's ``cls_comb_det_av``):
    counts summed, ratios recomputed, as :func:`combine_sequences`."""
    return combine_sequences(all_res)
