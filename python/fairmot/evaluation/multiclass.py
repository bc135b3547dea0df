"""Per-class MOTChallenge metrics for ground truth with several object classes (issue 17).

TrackEval evaluates multi-class benchmarks (KITTI, BDD100K, TAO) one class at a time and then
combines the classes; this module does the same with the MOTChallenge metrics of
:mod:`fairmot.evaluation.motchallenge` (HOTA, CLEAR, Identity, Count, TrackEval's arithmetic):

1. Classes: a list of names; class ``k`` (1-based) is ``names[k - 1]``. Column 8 of ``gt.txt`` and
   of the result files (``frame,id,x,y,w,h,score,class,-1,-1``) holds that 1-based id. The names come
   from the ``classes=`` line of the sequences' ``seqinfo.ini`` (written by ``fairmot synth
   --classes``) or are given explicitly. Every gt and result row must carry a class in 1 ... C (a
   result file without a class column, or with class -1, is an error naming the file and line).
2. Per class and sequence: only that class's gt rows and that class's result rows are evaluated,
   with no distractor matching; gt rows with mark (column 7) 0 are ignored (TrackEval's rule for
   data without distractor classes). Every frame of the sequence counts (``seqLength`` of
   ``seqinfo.ini``, else the last frame in any of its files). Ids are per file, so a gt id or a
   tracker id may appear in several classes; each class sees only its own.
3. Per class, the sequences combine as TrackEval's ``COMBINED_SEQ``.
4. Over the classes, two combinations of the per-class ``COMBINED_SEQ`` results, as TrackEval's
   ``Evaluator`` computes them when a data set combines classes:

   * ``cls_comb_cls_av`` (:data:`CLASS_AVERAGED`): every ratio is the plain mean of the classes'
     values (each class weighs the same, also a class without any box, whose ratios are 0); counts
     are summed;
   * ``cls_comb_det_av`` (:data:`DETECTION_AVERAGED`): the detections of all classes pooled, i.e.
     counts summed and ratios recomputed from the sums (AssA, AssRe, AssPr, LocA weighted by HOTA's
     TP counts), as if the classes were sequences.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io.mot import (CLASS, MotFile, read_mot_file, read_seq_length, read_seqinfo_section,
                      resolve_sequences)
from ..validation import check_class_names as _check_names
from . import clear, hota, identity
from .motchallenge import COMBINED, each_sequence, Rules, _row, _trunc_int, combine, detailed_columns, evaluate_data, prepare, \
    summary_columns, _INTEGER_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CLASS_AVERAGED", "DETECTION_AVERAGED", "MULTICLASS_RULES", "MultiClassResult", "read_class_names",
           "check_class_names", "resolve_classes", "load_sequence_classes", "combine_classes_class_averaged",
           "combine_classes_det_averaged", "evaluate_classes"]

#: Row (class) name of the class-averaged combination (TrackEval's key).
CLASS_AVERAGED = "cls_comb_cls_av"
#: Row (class) name of the detection-averaged (pooled) combination (TrackEval's key).
DETECTION_AVERAGED = "cls_comb_det_av"
#: Per-class evaluation: no distractor matching, no class filter inside a class, mark-0 gt ignored.
MULTICLASS_RULES = Rules("MULTICLASS", False, ())
GT_MIN_COLUMNS = 8  # frame,id,x,y,w,h,mark,class
RESULT_MIN_COLUMNS = 8  # frame,id,x,y,w,h,score,class


def check_class_names(names: Any, *, source: str = "classes") -> tuple[str, ...]:
    """Validate class names for an evaluation: the package's rule (:func:`fairmot.validation.check_class_names`:
    a non-empty sequence of unique non-empty strings without commas or surrounding blanks), and no name equal to
    a combined row's name.

    Raises TypeError (not a sequence of strings) or ValueError (empty, blank, repeated, comma, or a
    name equal to a combined row's name), naming ``source``.
    """
    out = _check_names(names, source=source)
    for n in out:
        if n in (CLASS_AVERAGED, DETECTION_AVERAGED):
            raise ValueError(f"{source}: {n!r} is reserved for a combined row")
    return tuple(out)


def read_class_names(seq_dir: str | Path) -> tuple[str, ...] | None:
    """The ``classes=`` entry of ``<seq_dir>/seqinfo.ini`` (comma-separated names, 1-based ids in that
    order), or None when there is no ``seqinfo.ini`` or no such entry. Raises ValueError for a bad list."""
    ini = Path(seq_dir) / "seqinfo.ini"
    if not ini.is_file():
        return None
    raw = read_seqinfo_section(ini).get("classes")  # MotFormatError naming the file when unreadable
    if raw is None:
        return None
    return check_class_names([c.strip() for c in raw.split(",")], source=f"{ini}: classes")


def resolve_classes(gt_root: str | Path, sequences: Sequence[str], classes: Any = "auto") -> tuple[str, ...] | None:
    """The class list of an evaluation, or None for the single-class (pedestrian) protocol.

    ``classes``: ``"auto"`` (the ``seqinfo.ini`` ``classes=`` entries: all sequences must name the same
    list, or none of them names one -> None), ``None`` (single-class), or a list of names (or one
    comma-separated string) that overrides ``seqinfo.ini``.
    """
    if classes is None:
        return None
    if isinstance(classes, str) and classes.lower() == "none":
        return None
    if isinstance(classes, str) and classes.lower() != "auto":
        classes = [c.strip() for c in classes.split(",")]
    if not isinstance(classes, str):
        return check_class_names(classes)
    found = {s: read_class_names(Path(gt_root) / s) for s in sequences}
    lists = set(found.values())
    if lists == {None}:
        return None
    if len(lists) > 1:
        shown = "; ".join(f"{s}: {','.join(v) if v else '(none)'}" for s, v in list(found.items())[:4])
        raise ValueError(f"the sequences' seqinfo.ini name different classes ({shown}); evaluate them separately "
                         "or pass the class list explicitly")
    return next(iter(lists))  # type: ignore[return-value]


def _class_check(n_classes: int, what: str) -> Callable[[np.ndarray], tuple[np.ndarray, Callable[[np.ndarray], str]]]:
    def check(values: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], str]]:
        cls = values[:, CLASS]
        bad = (cls != np.trunc(cls)) | (cls < 1) | (cls > n_classes)
        return bad, lambda row: (f"class {row[CLASS]:g} in column 8: {what} need a class id in 1 ... {n_classes} "
                                 "(1-based position in the class list) for per-class evaluation")
    return check


def _subset(f: MotFile, mask: np.ndarray) -> MotFile:
    return MotFile(f.path, f.values[mask])


def load_sequence_classes(name: str, gt_file: str | Path, result_file: str | Path, n_classes: int,
                          seq_length: int | None = None) -> list[Any]:
    """Read and validate one sequence, then preprocess it once per class.

    Returns a list of C :class:`~fairmot.evaluation.matching.SequenceData` (class 1 first). Raises
    FileNotFoundError for a missing file and ValueError (naming file and line) for a malformed one or a
    row whose class is not in 1 ... C.
    """
    gt = read_mot_file(gt_file, min_columns=GT_MIN_COLUMNS, seq_length=seq_length,
                       checks=(_class_check(n_classes, "ground-truth rows"),))
    res = read_mot_file(result_file, min_columns=RESULT_MIN_COLUMNS, seq_length=seq_length,
                        checks=(_class_check(n_classes, "result rows"),))
    if seq_length is None:
        seq_length = int(max(gt.frames.max(initial=0), res.frames.max(initial=0)))
    gt_cls, res_cls = _trunc_int(gt.values[:, CLASS]), _trunc_int(res.values[:, CLASS])
    return [prepare(name, _subset(gt, gt_cls == k), _subset(res, res_cls == k), seq_length, MULTICLASS_RULES)
            for k in range(1, n_classes + 1)]


def combine_classes_class_averaged(results: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """TrackEval's ``cls_comb_cls_av`` of per-class results (each combined over the sequences)."""
    return {"HOTA": hota.combine_classes_class_averaged([r["HOTA"] for r in results]),
            "CLEAR": clear.combine_classes_class_averaged([r["CLEAR"] for r in results]),
            "Identity": identity.combine_classes_class_averaged([r["Identity"] for r in results]),
            "Count": {k: int(sum(r["Count"][k] for r in results)) for k in ("Dets", "GT_Dets", "IDs", "GT_IDs")}}


def combine_classes_det_averaged(results: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """TrackEval's ``cls_comb_det_av`` of per-class results: all classes' detections pooled."""
    return {"HOTA": hota.combine_classes_det_averaged([r["HOTA"] for r in results]),
            "CLEAR": clear.combine_classes_det_averaged([r["CLEAR"] for r in results]),
            "Identity": identity.combine_classes_det_averaged([r["Identity"] for r in results]),
            "Count": {k: int(sum(r["Count"][k] for r in results)) for k in ("Dets", "GT_Dets", "IDs", "GT_IDs")}}


@dataclass
class MultiClassResult:
    """Results of :func:`evaluate_classes`.

    Attributes:
        classes: class names (class id k is ``classes[k - 1]``).
        sequences: sequence names, in evaluation order.
        per_class: ``{class: {sequence | "COMBINED": {"HOTA"|"CLEAR"|"Identity"|"Count": {field: value}}}}``.
        class_averaged: ``cls_comb_cls_av`` (same layout as one entry of ``per_class[c]``).
        detection_averaged: ``cls_comb_det_av``.
        seq_lengths: frames per sequence.
    """

    classes: tuple[str, ...]
    sequences: list[str]
    per_class: dict[str, dict[str, dict[str, dict[str, Any]]]]
    class_averaged: dict[str, dict[str, Any]]
    detection_averaged: dict[str, dict[str, Any]]
    seq_lengths: dict[str, int] = field(default_factory=dict)
    rules: Rules = MULTICLASS_RULES

    def row(self, cls: str, sequence: str = COMBINED) -> dict[str, float | int]:
        """One row of :meth:`to_frame`: a class (or :data:`CLASS_AVERAGED` / :data:`DETECTION_AVERAGED`,
        sequence ``COMBINED`` only) and a sequence name or ``COMBINED``."""
        if cls == CLASS_AVERAGED:
            return _row(self.class_averaged)
        if cls == DETECTION_AVERAGED:
            return _row(self.detection_averaged)
        return _row(self.per_class[cls][sequence])

    def to_frame(self) -> pd.DataFrame:
        """Rows indexed by ``(class, sequence)``: each class's sequences and ``COMBINED``, then
        ``(cls_comb_cls_av, COMBINED)`` and ``(cls_comb_det_av, COMBINED)``; the columns of the
        single-class table. ``attrs``: ``protocol`` ``"motchallenge"``, ``benchmark`` ``"MULTICLASS"``,
        ``classes`` (the names)."""
        import pandas as pd

        columns = list(summary_columns() + detailed_columns())
        keys = [(c, s) for c in self.classes for s in [*self.sequences, COMBINED]]
        keys += [(CLASS_AVERAGED, COMBINED), (DETECTION_AVERAGED, COMBINED)]
        rows = [self.row(c, s) for c, s in keys]
        df = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(keys, names=["class", "sequence"]), columns=columns)
        for col in columns:
            if col in _INTEGER_COLUMNS:
                df[col] = df[col].astype("int64")
        df.attrs["protocol"] = "motchallenge"
        df.attrs["benchmark"] = self.rules.benchmark
        df.attrs["classes"] = list(self.classes)
        return df


def evaluate_classes(gt_root: str | Path, results_dir: str | Path, sequences: Sequence[str] | None = None, *,
                     classes: Any = "auto", progress: bool = False) -> MultiClassResult:
    """Evaluate multi-class result files per class, and over the classes (see the module docstring).

    Args:
        gt_root: folder with ``<sequence>/gt/gt.txt`` (and ``<sequence>/seqinfo.ini``).
        results_dir: folder with ``<sequence>.txt`` (``frame,id,x,y,w,h,score,class,...``).
        sequences: names to evaluate; default: every sequence of ``gt_root``.
        classes: ``"auto"`` (from ``seqinfo.ini``) or the class names (list or comma-separated string).
        progress: progress bar over the sequences.

    Raises:
        FileNotFoundError: a missing folder or file; ValueError: a malformed file, a row of an unknown
        class, no class list (``auto`` and no ``classes=`` in ``seqinfo.ini``), inconsistent lists.
    """
    gt_root, results_dir, sequences = resolve_sequences(gt_root, results_dir, sequences, COMBINED, unique=True)
    names = resolve_classes(gt_root, sequences, classes)
    if names is None:
        raise ValueError(f"no class list: the sequences' seqinfo.ini under {gt_root} have no 'classes=' entry; "
                         "pass the class names")
    per_class: dict[str, dict[str, dict[str, dict[str, Any]]]] = {c: {} for c in names}
    lengths: dict[str, int] = {}
    with closing(each_sequence(sequences, progress)) as seqs:
        for seq in seqs:
            datas = load_sequence_classes(seq, gt_root / seq / "gt" / "gt.txt", results_dir / f"{seq}.txt",
                                          len(names), read_seq_length(gt_root / seq))
            for c, data in zip(names, datas):
                per_class[c][seq] = evaluate_data(data)
            lengths[seq] = datas[0].num_timesteps
    for c in names:
        per_class[c][COMBINED] = combine([per_class[c][s] for s in sorted(sequences)])
    combined = [per_class[c][COMBINED] for c in names]
    return MultiClassResult(names, list(sequences), per_class, combine_classes_class_averaged(combined),
                            combine_classes_det_averaged(combined), lengths)
