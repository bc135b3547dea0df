"""Reading and validating MOT Challenge text files (ground truth ``gt.txt`` and tracker results).

One box per line, comma-separated numbers, frames counted from 1, boxes as top-left x, y, width,
height in pixels::

    frame, id, x, y, w, h, score|mark, class, visibility[, ...]

Both evaluation protocols read files through :func:`read_mot_file`, which accepts exactly this and
raises :class:`MotFormatError` (a ``ValueError``) naming the file and line for anything else:

* every non-blank line has the same number of fields, at least the minimum the reader asks for
  (one empty field after a trailing comma is dropped, as TrackEval does); blank lines are skipped;
* every field is a finite decimal number (no ``inf``/``nan``, no empty field);
* frames are integers in 1 ... ``seq_length`` (``seqLength`` of ``seqinfo.ini`` when known, else
  ``MAX_FRAME``); ids are integers in 0 ... ``MAX_ID`` (so a 20-digit id is an error, not an
  overflow); width and height are >= 0;
* an id appears at most once per frame (TrackEval's rule; the error names the frame and the id);
* the text is UTF-8, with or without a byte-order mark.

Values are parsed exactly as Python's ``float`` parses them (the same doubles TrackEval and the
official FairMOT reader get), by pandas' C parser when the file is well formed and by a line-by-line
parser otherwise, which finds the offending line.
"""
from __future__ import annotations

import configparser
import io
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_open

__all__ = ["MAX_FRAME", "MAX_ID", "MotFile", "MotFormatError", "RowCheck", "read_mot_file", "read_seq_length",
           "discover_sequences", "resolve_sequences",
           "ids_tlwh", "format_mot_lines", "write_mot_results"]

#: Largest frame number accepted when the sequence length is unknown (int32 range).
MAX_FRAME = 2**31 - 1
#: Largest track id accepted (int32 range; TrackEval sizes arrays by the largest id).
MAX_ID = 2**31 - 1

#: Column indices (0-based) of the MOT Challenge format.
FRAME, ID, X, Y, W, H, SCORE, CLASS, VISIBILITY = range(9)


class MotFormatError(ValueError):
    """A malformed MOT Challenge file; the message names the file and, where there is one, the line."""


#: An extra per-row rule: ``check(values) -> (bad, message)`` where ``bad`` is a boolean mask over the
#: rows of ``values`` ((n, k) float64) and ``message(row)`` describes the first bad row (a (k,) array).
RowCheck = Callable[[np.ndarray], tuple[np.ndarray, Callable[[np.ndarray], str]]]


@dataclass(frozen=True)
class MotFile:
    """The rows of a MOT Challenge file, in file order.

    Attributes:
        path: the file.
        values: (n, k) float64, one row per box, all k columns of the file (k >= the reader's minimum;
            (0, minimum) for a file without boxes).
    """

    path: Path
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def columns(self) -> int:
        return int(self.values.shape[1])

    @property
    def frames(self) -> np.ndarray:
        """(n,) int64 frame numbers (1-based)."""
        return self.values[:, FRAME].astype(np.int64)

    @property
    def ids(self) -> np.ndarray:
        """(n,) int64 track / object ids."""
        return self.values[:, ID].astype(np.int64)

    @property
    def tlwh(self) -> np.ndarray:
        """(n, 4) float64 boxes: top-left x, y, width, height in pixels."""
        return self.values[:, X:H + 1]


# ------------------------------------------------------------------------------------------ parsing


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise MotFormatError(f"{path}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _parse_fast(text: str) -> np.ndarray | None:
    """All rows with pandas' C parser, or None when it cannot (the slow parser then names the line)."""
    if not text.strip():
        return None
    import pandas as pd

    kwargs: dict = {}
    if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 parses floats exactly by default (and deprecates this)
        kwargs["float_precision"] = "round_trip"
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=np.float64, engine="c", comment=None,
                            skip_blank_lines=True, **kwargs)
    except Exception:  # noqa: BLE001 - any parser complaint: fall back to the line-by-line parser
        return None
    values = frame.to_numpy(dtype=np.float64)
    if values.ndim != 2 or not np.isfinite(values).all():
        return None  # empty fields, nan, inf, ragged rows (padded with nan): let the slow parser name the line
    return np.ascontiguousarray(values)


def _parse_number(token: str) -> float:
    if "_" in token:  # float() accepts "1_000"; a MOT file does not
        raise ValueError(token)
    return float(token)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends pandas and the csv module recognise


def _parse_slow(path: Path, text: str, min_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Line-by-line parser: ``(values (n, k) float64, line numbers (n,) int64)``; raises on the first bad line."""
    rows: list[list[float]] = []
    lines: list[int] = []
    width: int | None = None
    first_line = 0
    for lineno, raw in enumerate(_LINE_BREAK.split(text), 1):
        stripped = raw.strip()
        if not stripped:
            continue
        fields = [f.strip() for f in stripped.split(",")]
        if len(fields) > 1 and fields[-1] == "":
            fields.pop()  # one trailing comma
        if width is None:
            if len(fields) < min_columns:
                raise MotFormatError(f"{path}:{lineno}: {len(fields)} comma-separated fields, expected at least "
                                     f"{min_columns} (frame,id,x,y,w,h,...)")
            width, first_line = len(fields), lineno
        elif len(fields) != width:
            raise MotFormatError(f"{path}:{lineno}: {len(fields)} fields, but line {first_line} has {width} "
                                 "(every line needs the same number of fields)")
        row = []
        for col, token in enumerate(fields, 1):
            try:
                value = _parse_number(token)
            except ValueError:
                raise MotFormatError(f"{path}:{lineno}: field {col} ({token!r}) is not a number") from None
            if not math.isfinite(value):
                raise MotFormatError(f"{path}:{lineno}: field {col} is {token!r}; every field must be finite")
            row.append(value)
        rows.append(row)
        lines.append(lineno)
    if width is None:
        return np.zeros((0, min_columns), dtype=np.float64), np.zeros(0, dtype=np.int64)
    return np.asarray(rows, dtype=np.float64).reshape(-1, width), np.asarray(lines, dtype=np.int64)


# ------------------------------------------------------------------------------------------ validation


def _first_problem(values: np.ndarray, min_columns: int, seq_length: int | None,
                   checks: Sequence[RowCheck]) -> tuple[int, str] | None:
    """(row, message) of the first row breaking a rule (the lowest row over all rules), or None."""
    if values.shape[1] < min_columns:
        return 0, f"{values.shape[1]} comma-separated fields, expected at least {min_columns} (frame,id,x,y,w,h,...)"
    frames, ids = values[:, FRAME], values[:, ID]
    limit = MAX_FRAME if seq_length is None else seq_length
    found: list[tuple[int, str]] = []

    def first(bad: np.ndarray, describe: Callable[[np.ndarray], str]) -> None:
        idx = np.flatnonzero(bad)
        if idx.size:
            found.append((int(idx[0]), describe(values[idx[0]])))

    first(frames != np.floor(frames), lambda r: f"frame {float(r[FRAME])!r} is not an integer")
    first((frames < 1) | (frames > limit), lambda r: (
        f"frame {r[FRAME]:.0f} is out of range 1 ... {limit}"
        + ("" if seq_length is None else " (seqLength of seqinfo.ini)")))
    first(ids != np.floor(ids), lambda r: f"id {float(r[ID])!r} is not an integer")
    first((ids < 0) | (ids > MAX_ID), lambda r: f"id {r[ID]:.0f} is out of range 0 ... {MAX_ID}")
    first((values[:, W] < 0) | (values[:, H] < 0),
          lambda r: f"negative box size (width {float(r[W])!r}, height {float(r[H])!r})")
    for check in checks:
        first(*check(values))
    if found:
        return min(found, key=lambda item: item[0])
    return None


def _duplicate(values: np.ndarray) -> tuple[int, int] | None:
    """(first row, repeated row) of the earliest-repeated (frame, id) pair, or None."""
    if len(values) < 2:
        return None
    key = values[:, FRAME].astype(np.int64) * (MAX_ID + 1) + values[:, ID].astype(np.int64)
    order = np.argsort(key, kind="stable")
    same = np.flatnonzero(key[order[1:]] == key[order[:-1]])
    if not same.size:
        return None
    repeated = order[same + 1]
    k = int(np.argmin(repeated))
    return int(order[same[k]]), int(repeated[k])


def read_mot_file(path: str | Path, *, min_columns: int, seq_length: int | None = None,
                  checks: Sequence[RowCheck] = ()) -> MotFile:
    """Read and validate a MOT Challenge file (see the module docstring for the rules).

    Args:
        path: the text file.
        min_columns: fewest fields a line may have (e.g. 7 for results, 8 or 9 for ground truth).
        seq_length: the sequence's frame count (frames must be <= it), or None when unknown.
        checks: extra row rules (e.g. a protocol's class rules), reported with the file and line.

    Returns:
        the rows in file order.

    Raises:
        FileNotFoundError: no such file.
        MotFormatError: (a ValueError) the first problem, as ``<path>:<line>: <what>``.
    """
    path = Path(path)
    text = _decode(path, path.read_bytes())
    values = _parse_fast(text)
    lines: np.ndarray | None = None
    if values is None:
        values, lines = _parse_slow(path, text, min_columns)
    problem = _first_problem(values, min_columns, seq_length, checks)
    duplicate = _duplicate(values) if problem is None else None
    if problem is None and duplicate is None:
        return MotFile(path, values)
    if lines is None:  # the fast parser found the rows; line numbers come from the slow one
        values, lines = _parse_slow(path, text, min_columns)
    if problem is not None:
        row, message = problem
        raise MotFormatError(f"{path}:{lines[row]}: {message}")
    first, again = duplicate  # type: ignore[misc]
    raise MotFormatError(f"{path}:{lines[again]}: id {values[again, ID]:.0f} appears twice in frame "
                         f"{values[again, FRAME]:.0f} (also on line {lines[first]}); ids must be unique per frame")


def read_seq_length(seq_dir: str | Path) -> int | None:
    """``seqLength`` of ``<seq_dir>/seqinfo.ini``, or None when the sequence has no ``seqinfo.ini``.

    Raises:
        MotFormatError: the file exists but has no valid ``[Sequence] seqLength`` (a non-negative integer).
    """
    ini = Path(seq_dir) / "seqinfo.ini"
    if not ini.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read_string(_decode(ini, ini.read_bytes()), source=str(ini))
        raw = parser["Sequence"]["seqLength"]
    except (configparser.Error, KeyError) as exc:
        raise MotFormatError(f"{ini}: no [Sequence] seqLength ({type(exc).__name__})") from None
    try:
        length = int(raw.strip())
    except ValueError:
        raise MotFormatError(f"{ini}: seqLength {raw!r} is not an integer") from None
    if not 0 <= length <= MAX_FRAME:
        raise MotFormatError(f"{ini}: seqLength {length} is out of range 0 ... {MAX_FRAME}")
    return length


def discover_sequences(gt_root: str | Path) -> list[str]:
    """Names of the folders ``<gt_root>/<name>/gt/gt.txt``, sorted."""
    return sorted(p.parent.parent.name for p in Path(gt_root).glob("*/gt/gt.txt"))


def resolve_sequences(gt_root: str | Path, results_dir: str | Path, sequences: Sequence[str] | None,
                      summary_row: str, *, unique: bool = False) -> tuple[Path, Path, list[str]]:
    """The folders and sequence names an evaluation works on, checked.

    Args:
        gt_root: folder with ``<sequence>/gt/gt.txt``.
        results_dir: folder with ``<sequence>.txt``.
        sequences: names to evaluate; None for every sequence of ``gt_root``.
        summary_row: the name of the combined row, which no sequence may have.
        unique: reject a name listed twice.

    Returns:
        ``(gt_root, results_dir, names)``.

    Raises:
        FileNotFoundError: a missing folder, or a sequence without a result file.
        ValueError: no sequence, a sequence named ``summary_row``, or (``unique``) a repeated name.
    """
    gt_root, results_dir = Path(gt_root), Path(results_dir)
    if not gt_root.is_dir():
        raise FileNotFoundError(f"ground-truth root not found: {gt_root}")
    if not results_dir.is_dir():
        raise FileNotFoundError(f"results folder not found: {results_dir}")
    if sequences is None:
        sequences = discover_sequences(gt_root)
        if not sequences:
            raise ValueError(f"no <sequence>/gt/gt.txt under {gt_root}")
    names = [str(s) for s in sequences]
    if not names:
        raise ValueError("no sequence to evaluate")
    if summary_row in names:
        raise ValueError(f"{summary_row!r} is reserved for the summary row; rename that sequence")
    if unique and len(set(names)) != len(names):
        raise ValueError("a sequence is listed twice")
    missing = [s for s in names if not (results_dir / f"{s}.txt").is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise FileNotFoundError(f"no result file in {results_dir} for {len(missing)} sequence(s): {shown} "
                                "(pass the sequences to evaluate explicitly to evaluate a subset)")
    return gt_root, results_dir, names


# ------------------------------------------------------------------------------------------ writing

def ids_tlwh(tracks: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(ids (M,), tlwh (M, 4) float64)`` of anything with ``ids`` and ``tlwh`` (a :class:`fairmot.Tracks`)."""
    ids = np.asarray(tracks.ids).reshape(-1)
    tlwh = np.asarray(tracks.tlwh, dtype=np.float64).reshape(-1, 4)
    if ids.shape[0] != tlwh.shape[0]:
        raise ValueError(f"tracks: {ids.shape[0]} ids but {tlwh.shape[0]} boxes")
    return ids, tlwh


def format_mot_lines(frame_index: int, tracks: Any, class_column: bool = False) -> list[str]:
    """MOT Challenge lines ``frame,id,x1,y1,w,h,1,-1,-1,-1`` of one frame (official ``track.py``).

    ``frame_index`` is 1-based; coordinates are printed as Python floats (full ``repr`` precision,
    as the official writer prints float64); the 7th column is the constant 1. Lines carry no
    newline. An empty frame gives no lines.

    ``class_column=True`` (multi-class networks, docs/multiclass.md) writes each track's class in
    the 8th column, 1-based as the MOT Challenge and VisDrone ground truth number classes
    (network class ``c`` -> ``c + 1``; tracks without class ids: 1):
    ``frame,id,x1,y1,w,h,1,class,-1,-1``.
    """
    frame = int(frame_index)
    ids, tlwh = ids_tlwh(tracks)
    if class_column:
        cls = getattr(tracks, "class_ids", None)
        cls = np.zeros(ids.shape[0], np.int64) if cls is None else np.asarray(cls, np.int64).reshape(-1)
        return [f"{frame},{int(tid)},{float(x1)},{float(y1)},{float(w)},{float(h)},1,{int(c) + 1},-1,-1"
                for tid, (x1, y1, w, h), c in zip(ids.tolist(), tlwh.tolist(), cls.tolist())]
    return [f"{frame},{int(tid)},{float(x1)},{float(y1)},{float(w)},{float(h)},1,-1,-1,-1"
            for tid, (x1, y1, w, h) in zip(ids.tolist(), tlwh.tolist())]


def write_mot_results(path: str | os.PathLike[str], lines: Iterable[str]) -> int:
    """Write MOT lines (one per line, newline-terminated) to ``path``; returns the line count.

    The parent folder is created if needed; the file is replaced atomically.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"results path is a directory: {path}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    n = 0
    with atomic_open(path, "w", encoding="ascii", newline="\n") as f:
        for line in lines:
            f.write(line.rstrip("\n") + "\n")
            n += 1
    return n
