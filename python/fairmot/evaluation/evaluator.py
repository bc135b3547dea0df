"""MOT Challenge evaluation of tracking results (``fairmot eval``), in one of two protocols.

``protocol="motchallenge"`` (the default) computes what the MOTChallenge leaderboards and DanceTrack
report: TrackEval 1.3.0's ``MotChallenge2DBox`` preprocessing with its ``HOTA``, ``CLEAR`` and
``Identity`` metrics, every frame of each sequence counted (:mod:`fairmot.evaluation.motchallenge`; the
numbers equal TrackEval's). Its DataFrame uses TrackEval's field names (``HOTA``, ``MOTA``, ``IDF1``,
``IDSW``, ``CLR_FP``, ..., per-alpha ``HOTA___5`` ...) and a last row ``COMBINED``.

``protocol="fairmot"`` is the official FairMOT evaluation (``tracking_utils/evaluation.py``,
docs/official_behaviour.md §6), kept to reproduce the paper's numbers; the rest of this docstring
describes it:

* Ground truth of a sequence is ``<gt_root>/<sequence>/gt/gt.txt``, results are ``<results_dir>/<sequence>.txt``;
  both in MOT Challenge format, one box per line: ``frame,id,x,y,w,h,score|mark,class,visibility,...``
  with boxes as top-left x, y, width, height in pixels and frames counted from 1. Files are read and
  validated by :func:`fairmot.evaluation.read_mot_file` (both protocols): at least 7 fields per line (9
  for MOT16/MOT17 ground truth), finite numbers, integer frames >= 1 (and <= ``seqLength`` of the
  sequence's ``seqinfo.ini`` when there is one), integer ids >= 0, sizes >= 0, an id at most once per
  frame; anything else is a ``ValueError`` naming the file and line.
* When the ground-truth path contains ``MOT16-`` or ``MOT17-``: ground-truth rows are kept only if
  mark (column 7) != 0 and class (column 8) == 1; "ignore" rows are those with class in {2, 7, 8, 12}
  (person on vehicle, static person, distractor, reflection) or visibility (column 9) < 0. For every other
  data set (MOT15, MOT20, TUD-..., your own) all ground-truth rows are used and there are no ignore rows.
* Per frame, tracker boxes matched to ignore boxes (optimal assignment on 1 - IoU, only pairs with
  IoU >= 0.5) are removed; then the motmetrics accumulator is updated with the distance matrix 1 - IoU,
  pairs with IoU < 0.5 disallowed (motmetrics IoU: no +1 pixel convention).
* **Quirk kept from the official code:** only the frames that appear in the result file are evaluated;
  ground truth in frames where the tracker wrote nothing is not counted as missed. Pass
  ``all_frames=True`` (``--all-frames``) to evaluate every frame of the ground truth as well.
* Metrics use motmetrics' names (``mota``, ``idf1``, ``num_switches``, ...); ratios are fractions in [0, 1]
  (MOTA can be negative). ``motp`` is motmetrics' MOTP: the mean **distance** 1 - IoU of the matched pairs
  (lower is better; the MOT Challenge devkit reports 100 * (1 - motp)). The ``OVERALL`` row is motmetrics'
  ``compute_overall`` over all sequences, as in the official summary.
* HOTA (``hota``, ``deta``, ``assa``, ``loca``: means over the 19 localisation thresholds 0.05 ... 0.95) is
  computed on the same frames and the same filtered boxes, with IoU as similarity, by our own
  implementation of the metric (Luiten et al., IJCV 2020) with the matching rule of its reference code,
  TrackEval. Because of the filtering/frame rules above, these HOTA values differ from the
  MOTChallenge protocol's.

A missing result file for a requested sequence is an error (``FileNotFoundError``), never silently an empty
result: under the official frame rule an empty result would not even count its misses. A result file that
exists but holds no boxes is evaluated (zero frames) with a warning.

TrackEval itself is not a dependency (its wheel requires ``opencv-python``, which clashes with this
package's ``opencv-python-headless``); the tests compare against it, installed with ``--no-deps``.

Keep the top-level imports light: the CLI imports this module on every start. motmetrics, pandas and scipy
are imported inside the functions that need them.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io.mot import MotFile, read_mot_file, read_seq_length, resolve_sequences

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = [
    "PROTOCOLS",
    "METRIC_COLUMNS",
    "evaluate_sequence",
    "evaluate",
    "write_metrics_csv",
    "format_metrics_table",
    "read_ground_truth",
    "read_results",
]

#: motmetrics metrics computed per sequence (the official FairMOT list, ``motchallenge_metrics``, plus counts).
MOTMETRICS_METRICS: tuple[str, ...] = (
    "mota", "idf1", "motp", "idp", "idr", "precision", "recall",
    "num_switches", "num_false_positives", "num_misses", "num_fragmentations",
    "mostly_tracked", "partially_tracked", "mostly_lost",
    "num_frames", "num_objects", "num_predictions", "num_unique_objects", "num_matches",
    "num_transfer", "num_ascend", "num_migrate",
)
#: HOTA family (fractions, means over the localisation thresholds 0.05 ... 0.95).
HOTA_METRICS: tuple[str, ...] = ("hota", "deta", "assa", "loca")
#: Column order of :func:`evaluate`'s DataFrame and of the CSV.
METRIC_COLUMNS: tuple[str, ...] = (
    MOTMETRICS_METRICS[:3] + HOTA_METRICS + MOTMETRICS_METRICS[3:]
)
_COUNT_COLUMNS = frozenset(
    name for name in METRIC_COLUMNS if name.startswith("num_") or name in
    ("mostly_tracked", "partially_tracked", "mostly_lost")
)
_MOT1617_TAGS = ("MOT16-", "MOT17-")
_VALID_LABELS = frozenset({1})
_IGNORE_LABELS = frozenset({2, 7, 8, 12})
_IOU_THRESHOLD = 0.5  # pairs need IoU >= 0.5, i.e. distance 1 - IoU <= 0.5

_FrameBoxes = dict[int, tuple[np.ndarray, np.ndarray]]  # frame -> (tlwh float64 (n, 4), ids int64 (n,))


# ------------------------------------------------------------------------------------------ motmetrics


def _ensure_numpy_asfarray() -> bool:
    """Give NumPy >= 2 back ``np.asfarray`` (removed in 2.0), which motmetrics 1.4.0 still calls.

    This is the single place that deals with motmetrics' NumPy 2 incompatibility; it only adds the name
    when it is missing (NumPy 1.x keeps its own). Returns True if it was added.
    """
    if hasattr(np, "asfarray"):
        return False

    def asfarray(a: Any, dtype: Any = np.float64) -> np.ndarray:
        """NumPy 1.x ``asfarray``: ``a`` as an array of a floating (or complex) dtype, float64 otherwise."""
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.inexact):
            dtype = np.dtype(np.float64)
        return np.asarray(a, dtype=dtype)

    np.asfarray = asfarray  # type: ignore[attr-defined]
    return True


def _import_motmetrics() -> Any:
    """Import motmetrics after making sure it can run on the installed NumPy."""
    _ensure_numpy_asfarray()
    try:
        import motmetrics
    except ImportError as exc:  # pragma: no cover - core dependency
        raise RuntimeError("fairmot eval needs motmetrics: pip install motmetrics") from exc
    return motmetrics


# ------------------------------------------------------------------------------------------ reading


def _is_mot1617(path: str | Path) -> bool:
    """True when the official MOT16/MOT17 filtering applies (the path names such a sequence)."""
    text = str(path)
    return any(tag in text for tag in _MOT1617_TAGS)


def _to_frame_boxes(frames: np.ndarray, tlwh: np.ndarray, ids: np.ndarray) -> _FrameBoxes:
    """Group rows by frame (file order within a frame): ``{frame: (tlwh (n, 4) float64, ids (n,) int64)}``."""
    out: _FrameBoxes = {}
    if frames.size == 0:
        return out
    order = np.argsort(frames, kind="stable")
    frames, tlwh, ids = frames[order], tlwh[order], ids[order]
    cuts = np.flatnonzero(np.diff(frames)) + 1
    for f, box, oid in zip(np.split(frames, cuts), np.split(tlwh, cuts), np.split(ids, cuts)):
        out[int(f[0])] = (np.ascontiguousarray(box, dtype=np.float64).reshape(-1, 4), oid.astype(np.int64))
    return out


def _boxes(rows: MotFile, mask: np.ndarray | None = None) -> _FrameBoxes:
    frames, tlwh, ids = rows.frames, rows.tlwh, rows.ids
    if mask is not None:
        frames, tlwh, ids = frames[mask], tlwh[mask], ids[mask]
    return _to_frame_boxes(frames, tlwh, ids)


def _seq_length_of(gt_file: Path) -> int | None:
    """``seqLength`` of the sequence holding ``<seq>/gt/gt.txt`` (None without a seqinfo.ini)."""
    return read_seq_length(gt_file.parent.parent) if gt_file.parent.name == "gt" else None


def read_results(path: str | Path, seq_length: int | None = None) -> _FrameBoxes:
    """Tracker boxes of a MOT Challenge result file: ``{frame: (tlwh (n, 4) float64 px, ids (n,) int64)}``.

    Every line is used, whatever its score. Lines need at least 7 fields; frames must be <= ``seq_length``
    when given. Raises ValueError (naming file and line) for a malformed file.
    """
    return _boxes(read_mot_file(path, min_columns=7, seq_length=seq_length))


def read_ground_truth(path: str | Path, seq_length: int | None = None) -> tuple[_FrameBoxes, _FrameBoxes, set[int]]:
    """Ground truth of ``gt.txt`` as ``(gt, ignore, frames)``.

    ``gt`` and ``ignore`` map frame -> (tlwh (n, 4) float64 px, ids (n,) int64); ``frames`` holds every frame
    number that appears in the file (also frames whose rows are all filtered out). MOT16/MOT17 filtering
    (see the module docstring) applies when ``path`` contains ``MOT16-`` or ``MOT17-``; such files need 9
    fields per line (frame,id,x,y,w,h,mark,class,visibility), others 7. Raises ValueError for a malformed file.
    """
    path = Path(path)
    mot1617 = _is_mot1617(path)
    rows = read_mot_file(path, min_columns=9 if mot1617 else 7, seq_length=seq_length)
    frames = set(rows.frames.tolist())
    if not mot1617:
        return _boxes(rows), {}, frames
    mark = np.trunc(rows.values[:, 6]).astype(np.int64)  # int(float(field)), as the official reader
    label = np.trunc(rows.values[:, 7]).astype(np.int64)
    visibility = rows.values[:, 8]
    keep = (mark != 0) & np.isin(label, sorted(_VALID_LABELS))
    ignore = np.isin(label, sorted(_IGNORE_LABELS)) | (visibility < 0)
    return _boxes(rows, keep), _boxes(rows, ignore), frames


# ------------------------------------------------------------------------------------------ HOTA (TrackEval port)

#: HOTA's localisation thresholds alpha = 0.05, 0.10, ..., 0.95 (the metric is averaged over them).
_HOTA_ALPHAS = np.arange(0.05, 0.99, 0.05)
_EPS = np.finfo("float").eps
_HOTA_SUMS = ("HOTA_TP", "HOTA_FN", "HOTA_FP", "loc_sum", "assa_sum", "assre_sum", "asspr_sum")


def _dense(ids: Sequence[np.ndarray]) -> tuple[list[np.ndarray], int]:
    """Per-frame ids -> per-frame indices into the sorted set of all ids, and that set's size."""
    arrays = [np.asarray(x, dtype=np.int64).reshape(-1) for x in ids]
    universe = np.unique(np.concatenate(arrays)) if arrays else np.zeros(0, np.int64)
    return [np.searchsorted(universe, x) for x in arrays], len(universe)


def _hota_sequence(gt_ids: Sequence[np.ndarray], trk_ids: Sequence[np.ndarray],
                   similarity: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """HOTA of one sequence (Luiten et al., "HOTA: A Higher Order Metric for Evaluating Multi-Object
    Tracking", IJCV 2020), with the matching rule of the reference implementation TrackEval.

    Matching: in every frame, gt and tracker boxes are paired by a maximum-score assignment where
    the score of a pair is its similarity times the *global alignment* of the two identities (their
    soft IoU over the whole sequence), so consistent identities are preferred; at threshold alpha a
    pair is a true positive when its similarity >= alpha. For a true positive c between identities
    g and t, A(c) = |TPA| / (|TPA| + |FNA| + |FPA|) = n_gt / (size_g + size_t - n_gt) where n_gt
    counts the TPs pairing g and t; AssA = mean of A(c) over TPs, DetA = TP / (TP + FN + FP),
    HOTA = sqrt(DetA AssA), LocA = mean similarity of the TPs.

    Args:
        gt_ids: per frame, ground-truth ids (n_t,) (any integers, unique within a frame).
        trk_ids: per frame, tracker ids (m_t,) (any integers, unique within a frame).
        similarity: per frame, IoU matrix (n_t, m_t) in [0, 1].

    Returns:
        arrays over the 19 thresholds: the sums (``HOTA_TP``, ``HOTA_FN``, ``HOTA_FP``, ``loc_sum``,
        ``assa_sum``, ``assre_sum``, ``asspr_sum``) and the scores of :func:`_hota_final`.
    """
    from scipy.optimize import linear_sum_assignment

    alphas = _HOTA_ALPHAS
    n_alpha = len(alphas)
    g_idx, n_gt = _dense(gt_ids)
    t_idx, n_trk = _dense(trk_ids)
    frames = [(g, t, np.asarray(s, dtype=np.float64).reshape(len(g), len(t))) for g, t, s in zip(g_idx, t_idx, similarity)]
    sums = {k: np.zeros(n_alpha) for k in _HOTA_SUMS}

    # identity sizes (detections per identity) and their soft overlap -> global alignment
    gt_size = np.bincount(np.concatenate(g_idx + [np.zeros(0, np.int64)]), minlength=n_gt).astype(np.float64)
    trk_size = np.bincount(np.concatenate(t_idx + [np.zeros(0, np.int64)]), minlength=n_trk).astype(np.float64)
    overlap = np.zeros((n_gt, n_trk))
    for g, t, sim in frames:
        if sim.size == 0:
            continue
        union = sim.sum(axis=1, keepdims=True) + sim.sum(axis=0, keepdims=True) - sim
        share = np.zeros_like(sim)
        np.divide(sim, union, out=share, where=union > _EPS)
        overlap[np.ix_(g, t)] += share
    with np.errstate(invalid="ignore", divide="ignore"):
        alignment = overlap / (gt_size[:, None] + trk_size[None, :] - overlap)

    # per-frame matching, evaluated at every threshold at once
    pair_counts = np.zeros((n_alpha, n_gt, n_trk))
    for g, t, sim in frames:
        if len(g) == 0 or len(t) == 0:
            sums["HOTA_FN"] += len(g)
            sums["HOTA_FP"] += len(t)
            continue
        rows, cols = linear_sum_assignment(-(alignment[np.ix_(g, t)] * sim))
        matched = sim[rows, cols]
        hit = matched[None, :] >= alphas[:, None] - _EPS  # (alpha, pairs)
        n_hit = hit.sum(axis=1)
        sums["HOTA_TP"] += n_hit
        sums["HOTA_FN"] += len(g) - n_hit
        sums["HOTA_FP"] += len(t) - n_hit
        sums["loc_sum"] += (hit * matched[None, :]).sum(axis=1)
        a_i, p_i = np.nonzero(hit)
        np.add.at(pair_counts, (a_i, g[rows[p_i]], t[cols[p_i]]), 1.0)

    # association: sum over TPs of A(c) (and its recall / precision variants)
    size_sum = gt_size[None, :, None] + trk_size[None, None, :]
    sums["assa_sum"] = (pair_counts ** 2 / np.maximum(1.0, size_sum - pair_counts)).sum(axis=(1, 2))
    sums["assre_sum"] = (pair_counts ** 2 / np.maximum(1.0, gt_size[None, :, None])).sum(axis=(1, 2))
    sums["asspr_sum"] = (pair_counts ** 2 / np.maximum(1.0, trk_size[None, None, :])).sum(axis=(1, 2))
    return _hota_final(sums)


def _hota_final(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Scores (per threshold) from the sums: DetA, DetRe, DetPr, AssA, AssRe, AssPr, LocA, HOTA."""
    res = {k: np.asarray(sums[k], dtype=np.float64) for k in _HOTA_SUMS}
    tp, fn, fp = res["HOTA_TP"], res["HOTA_FN"], res["HOTA_FP"]
    res["DetRe"] = tp / np.maximum(1.0, tp + fn)
    res["DetPr"] = tp / np.maximum(1.0, tp + fp)
    res["DetA"] = tp / np.maximum(1.0, tp + fn + fp)
    res["AssA"] = res["assa_sum"] / np.maximum(1.0, tp)
    res["AssRe"] = res["assre_sum"] / np.maximum(1.0, tp)
    res["AssPr"] = res["asspr_sum"] / np.maximum(1.0, tp)
    res["LocA"] = np.maximum(1e-10, res["loc_sum"]) / np.maximum(1e-10, tp)  # 1 when there is no TP
    res["HOTA"] = np.sqrt(res["DetA"] * res["AssA"])
    return res


def _hota_combine(all_res: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """HOTA over several sequences: the per-sequence sums add up (TP-weighted means of AssA, LocA)."""
    n_alpha = len(_HOTA_ALPHAS)
    return _hota_final({k: sum((r[k] for r in all_res), np.zeros(n_alpha)) for k in _HOTA_SUMS})


def _hota_summary(res: dict[str, np.ndarray]) -> dict[str, float]:
    """Scalar HOTA metrics: means over the 19 thresholds."""
    return {"hota": float(np.mean(res["HOTA"])), "deta": float(np.mean(res["DetA"])),
            "assa": float(np.mean(res["AssA"])), "loca": float(np.mean(res["LocA"]))}


# ------------------------------------------------------------------------------------------ evaluation


def _accumulate(gt_file: str | Path, result_file: str | Path, *, all_frames: bool) -> tuple[Any, dict]:
    """Run the official per-frame procedure; returns (motmetrics accumulator, HOTA sums)."""
    mm = _import_motmetrics()
    gt_file, result_file = Path(gt_file), Path(result_file)
    if not gt_file.is_file():
        raise FileNotFoundError(f"ground truth not found: {gt_file}")
    if not result_file.is_file():
        raise FileNotFoundError(f"result file not found: {result_file}")
    seq_length = _seq_length_of(gt_file)
    gt, ignore, gt_frames = read_ground_truth(gt_file, seq_length)
    results = read_results(result_file, seq_length)
    if not results:
        logger.warning("%s holds no boxes: no frame is evaluated%s", result_file,
                       "" if all_frames else " (only frames present in the result file count)")
    frames = sorted(set(results) | gt_frames) if all_frames else sorted(results)

    empty_boxes = np.zeros((0, 4), dtype=np.float64)
    empty_ids = np.zeros(0, dtype=np.int64)
    acc = mm.MOTAccumulator(auto_id=True)
    hota_gt: list[np.ndarray] = []
    hota_trk: list[np.ndarray] = []
    hota_sim: list[np.ndarray] = []
    for frame in frames:
        trk_tlwh, trk_ids = results.get(frame, (empty_boxes, empty_ids))
        gt_tlwh, gt_ids = gt.get(frame, (empty_boxes, empty_ids))
        ign_tlwh = ignore.get(frame, (empty_boxes, empty_ids))[0]

        # remove tracker boxes that match ignore regions (optimal assignment, IoU >= 0.5)
        ign_dist = mm.distances.iou_matrix(ign_tlwh, trk_tlwh, max_iou=_IOU_THRESHOLD)
        if len(ign_dist) > 0:
            rows, cols = mm.lap.linear_sum_assignment(ign_dist)
            rows, cols = np.asarray(rows, dtype=int), np.asarray(cols, dtype=int)
            cols = cols[~np.isnan(ign_dist[rows, cols])]
            keep = np.ones(len(trk_tlwh), dtype=bool)
            keep[cols] = False
            trk_tlwh, trk_ids = trk_tlwh[keep], trk_ids[keep]

        dist = mm.distances.iou_matrix(gt_tlwh, trk_tlwh, max_iou=_IOU_THRESHOLD)
        acc.update(gt_ids, trk_ids, dist)

        hota_gt.append(gt_ids)
        hota_trk.append(trk_ids)
        if len(gt_tlwh) and len(trk_tlwh):
            sim = mm.distances.boxiou(gt_tlwh[:, None], trk_tlwh[None, :])
        else:
            sim = np.zeros((len(gt_tlwh), len(trk_tlwh)))
        hota_sim.append(np.clip(np.asarray(sim, dtype=np.float64), 0.0, 1.0))
    return acc, _hota_sequence(hota_gt, hota_trk, hota_sim)


def _metrics_host() -> tuple[Any, list[str]]:
    mm = _import_motmetrics()
    return mm.metrics.create(), list(MOTMETRICS_METRICS)


def _row(motmetrics_values: dict, hota: dict[str, np.ndarray]) -> dict[str, float]:
    row: dict[str, float] = {}
    for name in MOTMETRICS_METRICS:
        v = motmetrics_values[name]
        row[name] = int(v) if name in _COUNT_COLUMNS else float(v)
    row.update(_hota_summary(hota))
    return {name: row[name] for name in METRIC_COLUMNS}


def evaluate_sequence(gt_file: str | Path, result_file: str | Path, *, protocol: str = "motchallenge",
                      all_frames: bool = False, benchmark: str = "auto") -> dict[str, float]:
    """Metrics of one sequence.

    Args:
        gt_file: ``gt.txt`` of the sequence. fairmot protocol: MOT16/MOT17 filtering when its path contains
            ``MOT16-``/``MOT17-``. Both: the sequence length is ``seqLength`` of ``<seq>/seqinfo.ini`` when
            ``gt_file`` is ``<seq>/gt/gt.txt`` and that file exists (motchallenge: else the last frame).
        result_file: tracker output in MOT Challenge format.
        protocol: ``"motchallenge"`` (TrackEval's numbers) or ``"fairmot"`` (official FairMOT evaluation).
        all_frames: fairmot protocol only. False (official): evaluate only the frames present in
            ``result_file``; True: also every frame of the ground truth.
        benchmark: motchallenge protocol only: ``MOT15``, ``MOT16``, ``MOT17``, ``MOT20`` or ``auto``
            (from the path).

    Returns:
        motchallenge: ``{name: value}`` for TrackEval's fields (the columns of :func:`evaluate`); fairmot:
        :data:`METRIC_COLUMNS` (motmetrics names plus ``hota``, ``deta``, ``assa``, ``loca``). Ratios are
        fractions, counts are ints. Raises FileNotFoundError for a missing file, ValueError for a malformed one.
    """
    protocol = _check_protocol(protocol, all_frames)
    if protocol == "motchallenge":
        from . import motchallenge as mc

        gt_file = Path(gt_file)
        name = gt_file.parent.parent.name if gt_file.parent.name == "gt" else gt_file.stem
        rules = mc.rules_for(mc.infer_benchmark(gt_file.parent, [name]) if str(benchmark).lower() == "auto"
                             else benchmark)
        data = mc.load_sequence(name, gt_file, result_file, rules, _seq_length_of(gt_file))
        return mc.MotChallengeResult(rules, [name], {name: mc.evaluate_data(data)}, {}).row(name)
    acc, hota = _accumulate(gt_file, result_file, all_frames=all_frames)
    mh, names = _metrics_host()
    values = mh.compute(acc, metrics=names, return_dataframe=False)
    return _row(values, hota)


#: The evaluation protocols: TrackEval's MOTChallenge numbers (default) and the official FairMOT evaluation.
PROTOCOLS = ("motchallenge", "fairmot")


def _check_protocol(protocol: str, all_frames: bool) -> str:
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}: expected one of {', '.join(PROTOCOLS)}")
    if all_frames and protocol != "fairmot":
        raise ValueError("all_frames (--all-frames) applies to the fairmot protocol only; the motchallenge "
                         "protocol always evaluates every frame")
    return protocol


def evaluate(gt_root: str | Path, results_dir: str | Path, sequences: Sequence[str] | None = None, *,
             protocol: str = "motchallenge", all_frames: bool = False, benchmark: str = "auto",
             progress: bool = False, classes: Any = "auto") -> pd.DataFrame:
    """Metrics per sequence and combined.

    Args:
        gt_root: folder with ``<sequence>/gt/gt.txt`` (and, for the sequence lengths, ``<sequence>/seqinfo.ini``).
        results_dir: folder with ``<sequence>.txt``.
        sequences: names to evaluate; default: every sequence of ``gt_root`` that has ``gt/gt.txt`` (then each
            must have a result file).
        protocol: ``"motchallenge"`` (default): TrackEval's MotChallenge2DBox with HOTA, CLEAR and Identity,
            the leaderboard numbers; ``"fairmot"``: the official FairMOT evaluation (motmetrics).
        all_frames: fairmot protocol only, see :func:`evaluate_sequence` (default: the official "result
            frames only" rule).
        benchmark: motchallenge protocol only: ``MOT15``, ``MOT16``, ``MOT17``, ``MOT20`` or ``auto`` (from the
            folder and sequence names; MOT17 rules otherwise), see :mod:`fairmot.evaluation.motchallenge`.
        progress: show a progress bar over the sequences (motchallenge protocol; on a terminal only).
        classes: motchallenge protocol: per-class evaluation (:mod:`fairmot.evaluation.multiclass`).
            ``"auto"`` (default): when the sequences' ``seqinfo.ini`` name their classes (``classes=``,
            as ``fairmot synth --classes`` writes), else the single-class protocol, unchanged; a list of
            names (or a comma-separated string): per class with those names for the 1-based ids of
            column 8; ``None``: never per class.

    Returns:
        motchallenge: DataFrame indexed by sequence name plus a last ``COMBINED`` row (TrackEval's
        ``COMBINED_SEQ``), TrackEval's field names as columns (:func:`fairmot.evaluation.motchallenge.summary_columns`
        then the per-alpha HOTA columns), ``attrs["protocol"] == "motchallenge"`` and ``attrs["benchmark"]``.
        fairmot: DataFrame indexed by sequence name plus a last ``OVERALL`` row, columns :data:`METRIC_COLUMNS`;
        OVERALL is motmetrics' ``compute_overall`` of the per-sequence results (as the official
        ``compute_many(..., generate_overall=True)``); overall HOTA combines the sequences as TrackEval does.
        Ratios are fractions, counts ints.
        Per class (motchallenge): indexed by ``(class, sequence)``: each class's sequences and ``COMBINED``,
        then ``(cls_comb_cls_av, COMBINED)`` (class average) and ``(cls_comb_det_av, COMBINED)``
        (detections pooled), ``attrs["classes"]`` the names; see
        :meth:`fairmot.evaluation.multiclass.MultiClassResult.to_frame`.

    Raises:
        FileNotFoundError: missing ``gt_root``/``results_dir`` or a missing ground-truth/result file.
        ValueError: no sequence to evaluate, a malformed file (naming file and line), a bad option.
    """
    protocol = _check_protocol(protocol, all_frames)
    explicit_classes = classes is not None and not (isinstance(classes, str) and classes.lower() in ("auto", "none"))
    if protocol == "fairmot" and explicit_classes:
        raise ValueError("classes: per-class evaluation uses the motchallenge protocol (--protocol motchallenge)")
    if protocol == "motchallenge":
        from . import motchallenge as mc

        if classes is not None and not (isinstance(classes, str) and classes.lower() == "none"):
            from . import multiclass

            root, _, names = resolve_sequences(gt_root, results_dir, sequences, mc.COMBINED, unique=True)
            class_names = multiclass.resolve_classes(root, names, classes)
            if class_names is not None:
                if str(benchmark).lower() != "auto":
                    raise ValueError(f"benchmark {benchmark!r} applies to single-class (pedestrian) evaluation; "
                                     f"the ground truth has classes {','.join(class_names)} (pass classes=None "
                                     "to evaluate it as one class)")
                return multiclass.evaluate_classes(gt_root, results_dir, names, classes=class_names,
                                                   progress=progress).to_frame()
        return mc.evaluate(gt_root, results_dir, sequences, benchmark=benchmark, progress=progress).to_frame()
    import pandas as pd

    gt_root, results_dir, sequences = resolve_sequences(gt_root, results_dir, sequences, "OVERALL")

    mh, names = _metrics_host()
    partials: list[dict] = []
    hotas: list[dict[str, np.ndarray]] = []
    rows: list[dict[str, float]] = []
    for seq in sequences:
        acc, hota = _accumulate(gt_root / seq / "gt" / "gt.txt", results_dir / f"{seq}.txt",
                                all_frames=all_frames)
        cached = mh.compute(acc, metrics=names, return_cached=True, return_dataframe=False, name=seq)
        partials.append(cached)
        hotas.append(hota)
        rows.append(_row(cached, hota))
        logger.debug("%s: MOTA %.4f IDF1 %.4f HOTA %.4f", seq, rows[-1]["mota"], rows[-1]["idf1"], rows[-1]["hota"])
    overall = mh.compute_overall(partials, metrics=names, return_dataframe=False, name="OVERALL")
    rows.append(_row(overall, _hota_combine(hotas)))

    df = pd.DataFrame(rows, index=pd.Index(sequences + ["OVERALL"], name="sequence"),
                      columns=list(METRIC_COLUMNS))
    for name in _COUNT_COLUMNS:
        df[name] = df[name].astype("int64")
    df.attrs["protocol"] = "fairmot"
    return df


def _protocol_of(df: pd.DataFrame) -> str:
    protocol = df.attrs.get("protocol")
    if protocol in PROTOCOLS:
        return protocol
    return "motchallenge" if "HOTA" in df.columns else "fairmot"


def write_metrics_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Save :func:`evaluate`'s DataFrame as CSV (index column ``sequence``, ratios as fractions).

    motchallenge: every digit (``repr`` of each double, to compare with TrackEval); fairmot: 6 significant
    digits, as before.
    """
    path = Path(path)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    if _protocol_of(df) == "motchallenge":
        df.to_csv(path, index_label=list(df.index.names) if df.index.nlevels > 1 else "sequence")
    else:
        df.to_csv(path, index_label="sequence", float_format="%.6g")
    return path


#: printed columns: (header, metric, kind) with kind "%" (ratio shown as percent), "d" (count), "f" (3 decimals)
_TABLE = (
    ("IDF1", "idf1", "%"), ("IDP", "idp", "%"), ("IDR", "idr", "%"), ("Rcll", "recall", "%"),
    ("Prcn", "precision", "%"), ("GT", "num_unique_objects", "d"), ("MT", "mostly_tracked", "d"),
    ("PT", "partially_tracked", "d"), ("ML", "mostly_lost", "d"), ("FP", "num_false_positives", "d"),
    ("FN", "num_misses", "d"), ("IDs", "num_switches", "d"), ("FM", "num_fragmentations", "d"),
    ("MOTA", "mota", "%"), ("MOTP", "motp", "f"), ("HOTA", "hota", "%"), ("DetA", "deta", "%"),
    ("AssA", "assa", "%"),
)
#: the motchallenge table: TrackEval's names; ratios in percent with 3 decimals (TrackEval prints 5 digits)
_MOTCHALLENGE_TABLE = (
    ("HOTA", "HOTA", "p"), ("DetA", "DetA", "p"), ("AssA", "AssA", "p"), ("LocA", "LocA", "p"),
    ("MOTA", "MOTA", "p"), ("MOTP", "MOTP", "p"), ("IDF1", "IDF1", "p"), ("IDP", "IDP", "p"), ("IDR", "IDR", "p"),
    ("IDSW", "IDSW", "d"), ("Frag", "Frag", "d"), ("MT", "MT", "d"), ("PT", "PT", "d"), ("ML", "ML", "d"),
    ("FP", "CLR_FP", "d"), ("FN", "CLR_FN", "d"), ("GT_IDs", "GT_IDs", "d"),
)


def _fmt(value: Any, kind: str) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "nan"
    if kind == "%":
        return f"{100.0 * v:.1f}%"
    if kind == "p":
        return f"{100.0 * v:.3f}"
    if kind == "d":
        return str(int(round(v)))
    return f"{v:.3f}"


def describe_protocol(df: pd.DataFrame) -> str:
    """One line naming the protocol (and benchmark rules) that produced :func:`evaluate`'s DataFrame."""
    if _protocol_of(df) == "fairmot":
        return ("protocol: fairmot (official FairMOT evaluation: motmetrics, only the frames present in each "
                "result file; --protocol motchallenge for the leaderboard numbers)")
    if df.attrs.get("classes"):
        names = ", ".join(f"{k} {c}" for k, c in enumerate(df.attrs["classes"], start=1))
        return (f"protocol: motchallenge per class (TrackEval 1.3.0 HOTA/CLEAR/Identity on each class's gt and "
                f"result rows, every frame; classes in column 8: {names}; no distractor matching, gt with mark 0 "
                "ignored; cls_comb_cls_av = mean over classes, cls_comb_det_av = detections pooled)")
    from .motchallenge import rules_for

    benchmark = df.attrs.get("benchmark", "MOT17")
    return (f"protocol: motchallenge (TrackEval 1.3.0 MotChallenge2DBox, HOTA/CLEAR/Identity, every frame; "
            f"{rules_for(benchmark).describe()})")


def format_metrics_table(df: pd.DataFrame) -> str:
    """A fixed-width text table of :func:`evaluate`'s DataFrame, after a line naming the protocol.

    motchallenge: TrackEval's headline fields, ratios in percent (3 decimals); fairmot: the official
    summary, ratios as percent, MOTP as a distance.
    """
    table = _MOTCHALLENGE_TABLE if _protocol_of(df) == "motchallenge" else _TABLE
    header = [""] + [h for h, _, _ in table]
    body = [["/".join(map(str, idx)) if isinstance(idx, tuple) else str(idx)]
            + [_fmt(row[m], k) if m in row.index else "-" for _, m, k in table]
            for idx, row in df.iterrows()]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    lines = [" ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
             for r in [header] + body]
    return "\n".join([describe_protocol(df)] + lines)
