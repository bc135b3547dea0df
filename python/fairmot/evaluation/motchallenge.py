"""The MOTChallenge protocol: TrackEval 1.3.0's ``MotChallenge2DBox`` with ``HOTA``, ``CLEAR`` and ``Identity``.

This is what the MOTChallenge leaderboards (MOT15/16/17/20) and DanceTrack report. For each sequence:

1. Files: ``<gt_root>/<seq>/gt/gt.txt`` (``frame,id,x,y,w,h,mark,class,visibility``, at least 8 fields)
   and ``<results_dir>/<seq>.txt`` (``frame,id,x,y,w,h,score[,...]``, at least 7 fields), read and
   validated by :mod:`.mot_files`. The sequence has ``seqLength`` frames of ``<seq>/seqinfo.ini``;
   without a ``seqinfo.ini``, the last frame of its ground truth and results. Every frame counts
   (a frame the tracker wrote nothing for misses all its gt boxes).
2. Preprocessing per frame (not for MOT15): tracker boxes are matched to *all* gt boxes (optimal
   assignment of IoU, pairs with IoU >= 0.5); tracker boxes matched to a gt box of a distractor class
   (2 person on vehicle, 7 static person, 8 distractor, 12 reflection; MOT20 also 6 non-motorised
   vehicle) are removed. Then only gt boxes of class 1 (pedestrian) with a non-zero mark (column 7) are
   kept; for MOT15 every gt box with a non-zero mark. Results must not claim other classes than
   pedestrians (column 8 <= 1 when present), gt classes must be 1 ... 13 (not checked for MOT15).
3. Metrics on IoU similarities: :mod:`.hota`, :mod:`.clear`, :mod:`.identity`, plus TrackEval's
   ``Count`` (``Dets``, ``GT_Dets``, ``IDs``, ``GT_IDs``).

``COMBINED`` combines the sequences as TrackEval's ``COMBINED_SEQ`` does (counts summed, ratios from the
sums; AssA/AssRe/AssPr/LocA TP-weighted), summing in sorted sequence order as TrackEval does.

The benchmark (which distractor classes, whether to preprocess) is ``MOT15``, ``MOT16``, ``MOT17`` or
``MOT20``; ``"auto"`` takes it from the sequence names (``MOT20-..``, ``MOT16-..``, ``MOT17-..``) or else
from the last folders of the ground-truth path (``MOT20``, ``MOT15``, ``2DMOT2015``, ``MOT16``), and
uses MOT17 (TrackEval's default, also right for DanceTrack and synthetic data) otherwise. MOT16 and
MOT17 rules are the same.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io.mot import CLASS, MotFile, read_mot_file, read_seq_length, resolve_sequences
from . import clear, hota, identity
from .matching import EPS, FramePairs, SequenceData, frame_pairs, pair_iou

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["BENCHMARKS", "DISTRACTOR_CLASSES", "COMBINED", "Rules", "MotChallengeResult", "rules_for",
           "infer_benchmark", "load_sequence", "evaluate_data", "evaluate", "summary_columns", "detailed_columns"]

BENCHMARKS = ("MOT15", "MOT16", "MOT17", "MOT20")
#: Row name of the combined result (TrackEval prints COMBINED for its ``COMBINED_SEQ``).
COMBINED = "COMBINED"
PEDESTRIAN = 1
#: MOT Challenge gt classes (1 pedestrian ... 13 crowd).
VALID_GT_CLASSES = tuple(range(1, 14))
#: gt classes whose matched tracker boxes are removed, per benchmark.
DISTRACTOR_CLASSES: dict[str, tuple[int, ...]] = {
    "MOT15": (), "MOT16": (2, 7, 8, 12), "MOT17": (2, 7, 8, 12), "MOT20": (2, 6, 7, 8, 12)}
CLASS_NAMES = {1: "pedestrian", 2: "person on vehicle", 3: "car", 4: "bicycle", 5: "motorbike",
               6: "non-motorised vehicle", 7: "static person", 8: "distractor", 9: "occluder",
               10: "occluder on the ground", 11: "occluder full", 12: "reflection", 13: "crowd"}
GT_MIN_COLUMNS = 8  # frame,id,x,y,w,h,mark,class (TrackEval reads the class column of every gt file)
RESULT_MIN_COLUMNS = 7  # frame,id,x,y,w,h,score
MATCH_THRESHOLD = 0.5  # distractor matching: IoU >= 0.5 - eps


@dataclass(frozen=True)
class Rules:
    """Preprocessing rules of a benchmark.

    Attributes:
        benchmark: ``MOT15``, ``MOT16``, ``MOT17`` or ``MOT20``.
        preprocess: remove tracker boxes on distractors and keep only pedestrian gt (False for MOT15).
        distractor_classes: gt classes whose matched tracker boxes are removed.
    """

    benchmark: str
    preprocess: bool
    distractor_classes: tuple[int, ...]

    def describe(self) -> str:
        """One line for the output: what the preprocessing does."""
        if not self.preprocess:
            return f"{self.benchmark} rules: no class filtering, gt boxes with mark 0 ignored"
        names = ", ".join(f"{c} {CLASS_NAMES[c]}" for c in self.distractor_classes)
        return (f"{self.benchmark} rules: tracker boxes matched to distractors ({names}) removed, "
                "pedestrian gt with mark 1 evaluated")


def rules_for(benchmark: str) -> Rules:
    """The :class:`Rules` of ``benchmark`` (one of :data:`BENCHMARKS`, case-insensitive)."""
    name = str(benchmark).upper()
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r}: expected one of {', '.join(BENCHMARKS)} or auto")
    return Rules(name, name != "MOT15", DISTRACTOR_CLASSES[name])


def infer_benchmark(gt_root: str | Path, sequences: Iterable[str]) -> str:
    """The benchmark named by the sequences (``MOT20-..``, ``MOT16-..``, ``MOT17-..``) or else by the last
    three folders of ``gt_root`` (``MOT20``, ``MOT15``/``2DMOT2015``, ``MOT16``, ``MOT17``); MOT17 otherwise."""
    names = [n.upper() for n in sequences]
    for benchmark in ("MOT20", "MOT16", "MOT17"):
        if any(n.startswith(f"{benchmark}-") for n in names):
            return benchmark
    folders = " ".join(Path(gt_root).absolute().parts[-3:]).upper()
    for pattern, benchmark in ((r"MOT20(?![0-9])", "MOT20"), (r"MOT15|MOT2015", "MOT15"), (r"MOT16", "MOT16")):
        if re.search(pattern, folders):
            return benchmark
    return "MOT17"


# ------------------------------------------------------------------------------------------ reading


def _trunc_int(column: np.ndarray) -> np.ndarray:
    """NumPy's float -> int cast (truncation towards zero), as TrackEval reads classes and marks."""
    return np.trunc(column).astype(np.int64)


def _result_class_check(values: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], str]]:
    bad = _trunc_int(values[:, CLASS]) > PEDESTRIAN if values.shape[1] > CLASS else np.zeros(len(values), bool)
    return bad, lambda row: (f"class {row[CLASS]:g} in column 8: MOT Challenge evaluation is only valid for "
                             "pedestrians (class 1, or -1 when not given)")


def _gt_class_check(values: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], str]]:
    bad = ~np.isin(_trunc_int(values[:, CLASS]), VALID_GT_CLASSES)
    return bad, lambda row: (f"class {row[CLASS]:g} in column 8 is not a MOT Challenge class (1 ... 13); "
                             "ground truth without classes (MOT15) needs benchmark MOT15")


def _dense_ids(ids: np.ndarray) -> tuple[np.ndarray, int]:
    unique, dense = np.unique(ids, return_inverse=True)
    return dense.reshape(-1).astype(np.int64), int(unique.size)


def _remove_on_distractors(rules: Rules, gt: np.ndarray, sim: np.ndarray, raw: FramePairs,
                           n_trk: int) -> np.ndarray:
    """(T,) bool: tracker boxes matched (optimal assignment over all gt boxes, IoU >= 0.5) to a distractor."""
    from scipy.optimize import linear_sum_assignment

    remove = np.zeros(n_trk, dtype=bool)
    if not rules.preprocess or not rules.distractor_classes or len(raw) == 0:
        return remove
    distractor = np.isin(_trunc_int(gt[:, CLASS]), rules.distractor_classes)
    candidate = np.flatnonzero((sim >= MATCH_THRESHOLD - EPS) & distractor[raw.gt_index])
    if candidate.size == 0:
        return remove
    # frames where no box has two candidates: the candidates are the matches
    everything = np.flatnonzero(sim >= MATCH_THRESHOLD - EPS)
    conflicted = raw.conflicted(everything)
    free = candidate[~conflicted[raw.frame_of(candidate)]]
    remove[raw.trk_index[free]] = True
    for k in np.unique(raw.frame_of(candidate)[conflicted[raw.frame_of(candidate)]]).tolist():
        n, m = int(raw.gt_count[k]), int(raw.trk_count[k])
        scores = sim[raw.pair_start[k]:raw.pair_start[k + 1]].reshape(n, m).copy()
        scores[scores < MATCH_THRESHOLD - EPS] = 0
        rows, cols = linear_sum_assignment(-scores)
        ok = scores[rows, cols] > 0 + EPS
        rows, cols = rows[ok], cols[ok]
        on_distractor = distractor[raw.gt_start[k] + rows]
        remove[raw.trk_start[k] + cols[on_distractor]] = True
    return remove


def prepare(name: str, gt_file: MotFile, result_file: MotFile, num_timesteps: int, rules: Rules) -> SequenceData:
    """Preprocess one sequence's rows into what the metrics evaluate (step 2 of the module docstring)."""
    gt = gt_file.values[np.argsort(gt_file.frames, kind="stable")]
    trk = result_file.values[np.argsort(result_file.frames, kind="stable")]
    gt_frames, trk_frames = gt[:, 0].astype(np.int64), trk[:, 0].astype(np.int64)
    raw = frame_pairs(gt_frames, trk_frames)
    sim = pair_iou(gt[:, 2:6], trk[:, 2:6], raw.gt_index, raw.trk_index)
    remove = _remove_on_distractors(rules, gt, sim, raw, len(trk))
    keep_gt = _trunc_int(gt[:, 6]) != 0
    if rules.preprocess:
        keep_gt &= _trunc_int(gt[:, CLASS]) == PEDESTRIAN
    keep_trk = ~remove
    pairs, kept = raw.select(keep_gt, keep_trk)
    gt_ids, num_gt_ids = _dense_ids(gt[keep_gt, 1].astype(np.int64))
    trk_ids, num_trk_ids = _dense_ids(trk[keep_trk, 1].astype(np.int64))
    return SequenceData(name, int(num_timesteps), gt_ids, trk_ids, num_gt_ids, num_trk_ids, pairs, sim[kept])


def load_sequence(name: str, gt_file: str | Path, result_file: str | Path, rules: Rules,
                  seq_length: int | None = None) -> SequenceData:
    """Read, validate and preprocess one sequence.

    Args:
        name: sequence name (for messages).
        gt_file: its ``gt.txt``; result_file: the tracker's result file.
        rules: the benchmark's rules.
        seq_length: frames of the sequence (``seqinfo.ini``); None: the last frame of gt and results.

    Raises:
        FileNotFoundError: a missing file; ValueError (:class:`~.mot_files.MotFormatError`): a malformed one.
    """
    gt_checks = (_gt_class_check,) if rules.preprocess else ()
    gt = read_mot_file(gt_file, min_columns=GT_MIN_COLUMNS, seq_length=seq_length, checks=gt_checks)
    res = read_mot_file(result_file, min_columns=RESULT_MIN_COLUMNS, seq_length=seq_length,
                        checks=(_result_class_check,))
    if seq_length is None:
        seq_length = int(max(gt.frames.max(initial=0), res.frames.max(initial=0)))
    return prepare(name, gt, res, seq_length, rules)


# ------------------------------------------------------------------------------------------ metrics


def _count(data: SequenceData) -> dict[str, int]:
    return {"Dets": data.num_tracker_dets, "GT_Dets": data.num_gt_dets, "IDs": data.num_tracker_ids,
            "GT_IDs": data.num_gt_ids}


def evaluate_data(data: SequenceData) -> dict[str, dict[str, Any]]:
    """All metrics of one preprocessed sequence: ``{"HOTA": {...}, "CLEAR": {...}, "Identity": {...},
    "Count": {...}}`` with TrackEval's field names and values."""
    return {"HOTA": hota.evaluate_sequence(data), "CLEAR": clear.evaluate_sequence(data),
            "Identity": identity.evaluate_sequence(data), "Count": _count(data)}


def combine(results: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """TrackEval's ``COMBINED_SEQ`` of per-sequence results (pass them in sorted sequence order)."""
    return {"HOTA": hota.combine_sequences([r["HOTA"] for r in results]),
            "CLEAR": clear.combine_sequences([r["CLEAR"] for r in results]),
            "Identity": identity.combine_sequences([r["Identity"] for r in results]),
            "Count": {k: int(sum(r["Count"][k] for r in results)) for k in ("Dets", "GT_Dets", "IDs", "GT_IDs")}}


# ------------------------------------------------------------------------------------------ tables


def summary_columns() -> tuple[str, ...]:
    """Scalar columns of :meth:`MotChallengeResult.to_frame` (HOTA's per-alpha fields as their means)."""
    return (hota.ARRAY_FIELDS + hota.FLOAT_FIELDS + clear.FLOAT_FIELDS + clear.INTEGER_FIELDS
            + identity.FLOAT_FIELDS + identity.INTEGER_FIELDS + ("Dets", "GT_Dets", "IDs", "GT_IDs"))


def detailed_columns() -> tuple[str, ...]:
    """Per-alpha columns, TrackEval's detailed names: ``HOTA___5`` ... ``HOTA___95`` for each HOTA array field."""
    return tuple(f"{f}___{a}" for f in hota.ARRAY_FIELDS + hota.INTEGER_ARRAY_FIELDS for a in hota.ALPHA_LABELS)


_INTEGER_COLUMNS = frozenset(clear.INTEGER_FIELDS + identity.INTEGER_FIELDS + ("Dets", "GT_Dets", "IDs", "GT_IDs")
                             + tuple(f"{f}___{a}" for f in hota.INTEGER_ARRAY_FIELDS for a in hota.ALPHA_LABELS))


def _row(result: dict[str, dict[str, Any]]) -> dict[str, float | int]:
    row: dict[str, float | int] = {}
    h = result["HOTA"]
    for f in hota.ARRAY_FIELDS:
        row[f] = float(np.mean(h[f]))
    for f in hota.FLOAT_FIELDS:
        row[f] = float(h[f])
    for metric in ("CLEAR", "Identity", "Count"):
        for f, v in result[metric].items():
            row[f] = int(v) if f in _INTEGER_COLUMNS else float(v)
    for f in hota.ARRAY_FIELDS + hota.INTEGER_ARRAY_FIELDS:
        for a, v in zip(hota.ALPHA_LABELS, h[f]):
            row[f"{f}___{a}"] = int(round(v)) if f in hota.INTEGER_ARRAY_FIELDS else float(v)
    return row


@dataclass
class MotChallengeResult:
    """Results of :func:`evaluate`.

    Attributes:
        rules: the benchmark rules used.
        sequences: the sequence names, in evaluation order.
        per_sequence: ``{sequence: {"HOTA"|"CLEAR"|"Identity"|"Count": {field: value}}}``, TrackEval's
            fields and values (HOTA's per-alpha fields as (19,) arrays over :data:`.hota.ALPHAS`).
        combined: the same for all sequences together (TrackEval's ``COMBINED_SEQ``).
        seq_lengths: frames per sequence.
    """

    rules: Rules
    sequences: list[str]
    per_sequence: dict[str, dict[str, dict[str, Any]]]
    combined: dict[str, dict[str, Any]]
    seq_lengths: dict[str, int] = field(default_factory=dict)

    def row(self, sequence: str = COMBINED) -> dict[str, float | int]:
        """One row of :meth:`to_frame` as ``{column: value}`` (``COMBINED`` or a sequence name)."""
        return _row(self.combined if sequence == COMBINED else self.per_sequence[sequence])

    def to_frame(self) -> pd.DataFrame:
        """One row per sequence plus ``COMBINED``; columns :func:`summary_columns` then
        :func:`detailed_columns` (ratios as fractions, counts as ints)."""
        import pandas as pd

        columns = list(summary_columns() + detailed_columns())
        rows = [_row(self.per_sequence[s]) for s in self.sequences] + [_row(self.combined)]
        df = pd.DataFrame(rows, index=pd.Index([*self.sequences, COMBINED], name="sequence"), columns=columns)
        for col in columns:
            if col in _INTEGER_COLUMNS:
                df[col] = df[col].astype("int64")
        df.attrs["protocol"] = "motchallenge"
        df.attrs["benchmark"] = self.rules.benchmark
        return df


def each_sequence(sequences: Sequence[str], progress: bool) -> Iterator[str]:
    """The sequence names in order, with a tqdm progress bar (on stderr when it is a terminal) when
    ``progress``; close the generator (``contextlib.closing``) to close the bar on an error."""
    if not progress:
        yield from sequences
        return
    from tqdm import tqdm

    bar = tqdm(total=len(sequences), desc="evaluating", unit="seq", disable=None, dynamic_ncols=True)
    try:
        for seq in sequences:
            bar.set_postfix_str(seq, refresh=False)
            yield seq
            bar.update(1)
    finally:
        bar.close()


def evaluate(gt_root: str | Path, results_dir: str | Path, sequences: Sequence[str] | None = None, *,
             benchmark: str = "auto", progress: bool = False) -> MotChallengeResult:
    """Evaluate result files the way TrackEval's MotChallenge2DBox + HOTA/CLEAR/Identity does.

    Args:
        gt_root: folder with ``<sequence>/gt/gt.txt`` (and ``<sequence>/seqinfo.ini``).
        results_dir: folder with ``<sequence>.txt``.
        sequences: names to evaluate; default: every sequence of ``gt_root`` (each then needs a result file).
        benchmark: ``MOT15``, ``MOT16``, ``MOT17``, ``MOT20`` or ``auto`` (:func:`infer_benchmark`).
        progress: show a progress bar over the sequences (tqdm, on stderr when it is a terminal).

    Raises:
        FileNotFoundError: a missing folder or file; ValueError: a malformed file or no sequence.
    """
    gt_root, results_dir, sequences = resolve_sequences(gt_root, results_dir, sequences, COMBINED, unique=True)
    rules = rules_for(infer_benchmark(gt_root, sequences) if str(benchmark).lower() == "auto" else benchmark)

    per_sequence: dict[str, dict[str, dict[str, Any]]] = {}
    lengths: dict[str, int] = {}
    with closing(each_sequence(sequences, progress)) as seqs:
        for seq in seqs:
            data = load_sequence(seq, gt_root / seq / "gt" / "gt.txt", results_dir / f"{seq}.txt", rules,
                                 read_seq_length(gt_root / seq))
            per_sequence[seq] = evaluate_data(data)
            lengths[seq] = data.num_timesteps
    combined = combine([per_sequence[s] for s in sorted(sequences)])
    return MotChallengeResult(rules, sequences, per_sequence, combined, lengths)
