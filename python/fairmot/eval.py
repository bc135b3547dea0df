"""MOT Challenge evaluation of tracking results (``fairmot eval``).

Follows the official FairMOT evaluation (``tracking_utils/evaluation.py``, docs/official_behaviour.md §6):

* Ground truth of a sequence is ``<gt_root>/<sequence>/gt/gt.txt``, results are ``<results_dir>/<sequence>.txt``;
  both in MOT Challenge format, one box per line: ``frame,id,x,y,w,h,score|mark,class,visibility,...``
  with boxes as top-left x, y, width, height in pixels and frames counted from 1. Lines with fewer than 7
  fields or a frame number < 1 are skipped.
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
  TrackEval. The ``trackeval`` wheel itself is not a dependency: it requires ``opencv-python``, which
  clashes with this package's ``opencv-python-headless`` (both install the ``cv2`` module). The tests
  compare against values produced by TrackEval 1.3.0, and against TrackEval itself when it is importable. Because of the filtering/frame rules above,
  these HOTA values can differ from TrackEval's own MOT Challenge pipeline.

A missing result file for a requested sequence is an error (``FileNotFoundError``), never silently an empty
result: under the official frame rule an empty result would not even count its misses. A result file that
exists but holds no boxes is evaluated (zero frames) with a warning.

Keep the top-level imports light: the CLI imports this module on every start. motmetrics, pandas and scipy
are imported inside the functions that need them.
"""
from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = [
    "METRIC_COLUMNS",
    "evaluate_sequence",
    "evaluate",
    "write_metrics_csv",
    "format_metrics_table",
    "add_command",
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


def _to_frame_boxes(rows: dict[int, list[tuple[float, float, float, float, int]]]) -> _FrameBoxes:
    out: _FrameBoxes = {}
    for frame, items in rows.items():
        arr = np.asarray([r[:4] for r in items], dtype=np.float64).reshape(-1, 4)
        ids = np.asarray([r[4] for r in items], dtype=np.int64).reshape(-1)
        out[frame] = (arr, ids)
    return out


def _read_lines(path: Path) -> Iterable[list[str]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            fields = line.strip().split(",")
            if len(fields) < 7:
                continue
            yield fields


def read_results(path: str | Path) -> _FrameBoxes:
    """Tracker boxes of a MOT Challenge result file: ``{frame: (tlwh (n, 4) float64 px, ids (n,) int64)}``.

    Every line with at least 7 fields and frame >= 1 is used, whatever its score.
    """
    rows: dict[int, list[tuple[float, float, float, float, int]]] = {}
    for f in _read_lines(Path(path)):
        frame = int(float(f[0]))
        if frame < 1:
            continue
        rows.setdefault(frame, []).append(
            (float(f[2]), float(f[3]), float(f[4]), float(f[5]), int(float(f[1]))))
    return _to_frame_boxes(rows)


def read_ground_truth(path: str | Path) -> tuple[_FrameBoxes, _FrameBoxes, set[int]]:
    """Ground truth of ``gt.txt`` as ``(gt, ignore, frames)``.

    ``gt`` and ``ignore`` map frame -> (tlwh (n, 4) float64 px, ids (n,) int64); ``frames`` holds every frame
    number that appears in the file (also frames whose rows are all filtered out). MOT16/MOT17 filtering
    (see the module docstring) applies when ``path`` contains ``MOT16-`` or ``MOT17-``.
    """
    path = Path(path)
    mot1617 = _is_mot1617(path)
    gt: dict[int, list[tuple[float, float, float, float, int]]] = {}
    ignore: dict[int, list[tuple[float, float, float, float, int]]] = {}
    frames: set[int] = set()
    for f in _read_lines(path):
        frame = int(float(f[0]))
        if frame < 1:
            continue
        frames.add(frame)
        row = (float(f[2]), float(f[3]), float(f[4]), float(f[5]), int(float(f[1])))
        if not mot1617:
            gt.setdefault(frame, []).append(row)
            continue
        if len(f) < 9:
            raise ValueError(f"{path}: MOT16/MOT17 ground truth needs 9 fields per line "
                             f"(frame,id,x,y,w,h,mark,class,visibility), got {len(f)}")
        mark, label, visibility = int(float(f[6])), int(float(f[7])), float(f[8])
        if mark != 0 and label in _VALID_LABELS:
            gt.setdefault(frame, []).append(row)
        if label in _IGNORE_LABELS or visibility < 0:
            ignore.setdefault(frame, []).append(row)
    return _to_frame_boxes(gt), _to_frame_boxes(ignore), frames


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
    gt, ignore, gt_frames = read_ground_truth(gt_file)
    results = read_results(result_file)
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


def evaluate_sequence(gt_file: str | Path, result_file: str | Path, *, all_frames: bool = False) -> dict[str, float]:
    """Metrics of one sequence.

    Args:
        gt_file: ``gt.txt`` of the sequence (MOT16/MOT17 filtering when its path contains ``MOT16-``/``MOT17-``).
        result_file: tracker output in MOT Challenge format.
        all_frames: False (official): evaluate only the frames present in ``result_file``; True: also every
            frame of the ground truth (frames without tracker output then count their misses).

    Returns:
        ``{name: value}`` for :data:`METRIC_COLUMNS` (motmetrics names plus ``hota``, ``deta``, ``assa``,
        ``loca``); ratios are fractions, counts are ints. Raises FileNotFoundError for a missing file.
    """
    acc, hota = _accumulate(gt_file, result_file, all_frames=all_frames)
    mh, names = _metrics_host()
    values = mh.compute(acc, metrics=names, return_dataframe=False)
    return _row(values, hota)


def _discover_sequences(gt_root: Path) -> list[str]:
    return sorted(p.parent.parent.name for p in gt_root.glob("*/gt/gt.txt"))


def evaluate(gt_root: str | Path, results_dir: str | Path, sequences: Sequence[str] | None = None, *,
             all_frames: bool = False) -> pd.DataFrame:
    """Metrics per sequence and overall.

    Args:
        gt_root: folder with ``<sequence>/gt/gt.txt``.
        results_dir: folder with ``<sequence>.txt``.
        sequences: names to evaluate; default: every sequence of ``gt_root`` that has ``gt/gt.txt`` (then each
            must have a result file).
        all_frames: see :func:`evaluate_sequence` (default: the official "result frames only" rule).

    Returns:
        DataFrame indexed by sequence name plus a last ``OVERALL`` row, columns :data:`METRIC_COLUMNS`
        (fractions for ratios, ints for counts). OVERALL is motmetrics' ``compute_overall`` of the per-sequence
        results (as the official ``compute_many(..., generate_overall=True)``); overall HOTA combines the
        sequences as TrackEval does (sums of TP/FN/FP, TP-weighted association scores).

    Raises:
        FileNotFoundError: missing ``gt_root``/``results_dir`` or a missing ground-truth/result file.
        ValueError: no sequence to evaluate.
    """
    import pandas as pd

    gt_root, results_dir = Path(gt_root), Path(results_dir)
    if not gt_root.is_dir():
        raise FileNotFoundError(f"ground-truth root not found: {gt_root}")
    if not results_dir.is_dir():
        raise FileNotFoundError(f"results folder not found: {results_dir}")
    if sequences is None:
        sequences = _discover_sequences(gt_root)
        if not sequences:
            raise ValueError(f"no <sequence>/gt/gt.txt under {gt_root}")
    sequences = [str(s) for s in sequences]
    if not sequences:
        raise ValueError("no sequence to evaluate")
    if "OVERALL" in sequences:
        raise ValueError("'OVERALL' is reserved for the summary row; rename that sequence")
    missing = [s for s in sequences if not (results_dir / f"{s}.txt").is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise FileNotFoundError(f"no result file in {results_dir} for {len(missing)} sequence(s): {shown} "
                                "(pass the sequences to evaluate explicitly to evaluate a subset)")

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
    return df


def write_metrics_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Save :func:`evaluate`'s DataFrame as CSV (index column ``sequence``, ratios as fractions)."""
    path = Path(path)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
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


def _fmt(value: Any, kind: str) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "nan"
    if kind == "%":
        return f"{100.0 * v:.1f}%"
    if kind == "d":
        return str(int(round(v)))
    return f"{v:.3f}"


def format_metrics_table(df: pd.DataFrame) -> str:
    """A fixed-width text table of the MOT Challenge metrics (ratios printed as percent, MOTP as distance)."""
    header = [""] + [h for h, _, _ in _TABLE]
    body = [[str(idx)] + [_fmt(row[m], k) if m in row.index else "-" for _, m, k in _TABLE]
            for idx, row in df.iterrows()]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    lines = [" ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
             for r in [header] + body]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ CLI


def _cmd_eval(args: argparse.Namespace) -> int:
    """``fairmot eval``: evaluate, print the table, optionally save the CSV."""
    sequences = None
    if args.sequences:
        sequences = [s for item in args.sequences for s in item.split(",") if s]
    df = evaluate(args.gt, args.results, sequences, all_frames=args.all_frames)
    print(format_metrics_table(df))
    if args.output:
        print(f"metrics           {write_metrics_csv(df, args.output)}")
    return 0


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fairmot eval`` on an argparse sub-parsers object; returns the sub-parser."""
    p = subparsers.add_parser(
        "eval", help="MOT Challenge metrics (MOTA, IDF1, HOTA, ...) of tracking results",
        description="Evaluate MOT Challenge result files against ground truth the way the official FairMOT "
                    "evaluation does (motmetrics, IoU >= 0.5, MOT16/MOT17 class filtering and ignore regions; "
                    "only frames present in each result file are evaluated unless --all-frames).")
    p.add_argument("--gt", required=True, metavar="ROOT", help="folder with <sequence>/gt/gt.txt")
    p.add_argument("--results", required=True, metavar="DIR", help="folder with <sequence>.txt result files")
    p.add_argument("--output", default=None, metavar="CSV",
                   help="save the metrics as CSV (one row per sequence plus OVERALL; ratios as fractions)")
    p.add_argument("--sequences", nargs="+", default=None, metavar="NAME",
                   help="sequences to evaluate (default: every sequence under --gt; each needs a result file)")
    p.add_argument("--all-frames", action="store_true",
                   help="also evaluate ground-truth frames the tracker wrote nothing for (not the official rule)")
    p.set_defaults(func=_cmd_eval)
    return p
