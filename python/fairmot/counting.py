"""Counting on top of tracks: :class:`LineCounter` (crossings of a directed line segment, per
direction) and :class:`ZoneCounter` (occupancy and unique entries of a polygon).

Both work on any tracks: a :class:`fairmot.Tracks` (anything with ``ids`` (M,) and ``tlwh`` (M, 4)),
or plain arrays ``update(ids, tlwh)``. numpy only (no torch, no OpenCV).

The rules (docs/counting.md):

* **Anchor**: the bottom-centre of the box, ``(x + w / 2, y + h)`` in frame pixels (where the feet are).
* **Debounce**: a track's *confirmed* side of a line (or inside / outside of a zone) changes only when
  its anchor has been on the new side for ``min_frames`` consecutive frames in which the track is
  reported (frames where the track is missing neither advance nor reset the run). A one-frame
  flicker therefore never counts while ``min_frames >= 2``. The first confirmed side of a new track
  is not a crossing.
* **Line crossings**: a confirmed change from the negative to the positive side is ``in``, from the
  positive to the negative side ``out``. Each change is one crossing, so a track counts at most once
  per direction unless it really comes back (confirmed on the first side again) and crosses again.
  The side of ``P`` for the directed line ``A -> B`` is the sign of
  ``(B - A) x (P - A) = (bx - ax) * (py - ay) - (by - ay) * (px - ax)``; in image coordinates (y
  down) a line drawn left to right has its positive side below it, so ``in`` is top to bottom.
  Anchors whose projection falls beyond the segment's ends are on a third side, *outside*: a track
  confirmed outside has no side, and walking round the end of the segment never counts. An anchor
  exactly on the line is ignored for that frame.
* **Zones**: a confirmed change to *inside* is an entry; ``total`` counts unique track ids that ever
  entered (a track that appears inside and stays ``min_frames`` frames enters too); ``occupancy``
  is the number of tracks reported this frame whose confirmed state is inside. Points on the
  polygon's boundary are inside.
* **Ids < 0 never count** (untracked detections); they are ignored.
* **Bounded memory**: a track not reported for more than ``max_age`` frames is forgotten (a later
  return starts as a new track with no confirmed side).

Bad input raises ``ValueError`` / ``TypeError`` naming what was wrong, and the counter keeps its state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["DEFAULT_MIN_FRAMES", "DEFAULT_MAX_AGE", "Crossing", "LineCounter", "ZoneCounter", "CountingSet", "anchors",
           "parse_line", "parse_polygon"]

#: Consecutive reported frames an anchor must stay on a new side before it is confirmed.
DEFAULT_MIN_FRAMES = 2
#: Frames a track may go unreported before the counters forget it.
DEFAULT_MAX_AGE = 60

_OUTSIDE = 0  # the third "side" of a line: beyond the segment's ends
_UNCONFIRMED = -99  # the "previous" confirmed value of a track's first confirmation


@dataclass(frozen=True)
class Crossing:
    """One counted event: ``frame`` (1-based update number), ``track_id`` and ``direction``
    (``"in"`` / ``"out"`` for lines, ``"enter"`` / ``"exit"`` for zones)."""

    frame: int
    track_id: int
    direction: str


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _points(values: Any, name: str) -> np.ndarray:
    """A flat sequence of numbers or an (N, 2) array -> (N, 2) float64, finite."""
    if isinstance(values, str):
        values = parse_numbers(values, name)
    arr = np.asarray(values)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        if arr.size % 2:
            raise ValueError(f"{name} must hold x,y pairs, got {arr.size} numbers")
        arr = arr.reshape(-1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be x,y pairs (N, 2), got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite numbers")
    return arr


def parse_numbers(text: str, name: str) -> list[float]:
    """``"x1,y1,x2,y2"`` -> floats; ``ValueError`` naming ``name`` on anything else."""
    try:
        return [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers, got {text!r}") from None


def parse_line(values: Any, name: str = "line") -> np.ndarray:
    """``x1,y1,x2,y2`` (a string, a sequence or a (2, 2) array) -> (2, 2) float64 ``[A, B]``.

    ``ValueError`` unless 4 finite numbers with ``A != B``."""
    pts = _points(values, name)
    if pts.shape != (2, 2):
        raise ValueError(f"{name} must be x1,y1,x2,y2 (two points), got {pts.shape[0]} points")
    if np.array_equal(pts[0], pts[1]):
        raise ValueError(f"{name} must have two different end points, got {pts[0].tolist()} twice")
    return pts


def parse_polygon(values: Any, name: str = "zone") -> np.ndarray:
    """``x1,y1,x2,y2,x3,y3,...`` (a string, a sequence or an (N, 2) array) -> (N, 2) float64.

    ``ValueError`` unless at least 3 finite vertices enclosing a non-zero area."""
    pts = _points(values, name)
    if pts.shape[0] < 3:
        raise ValueError(f"{name} must have at least 3 vertices (6 numbers), got {pts.shape[0]}")
    x, y = pts[:, 0], pts[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    if not area > 0:
        raise ValueError(f"{name} encloses no area (its vertices are collinear)")
    return pts


def anchors(tlwh: np.ndarray) -> np.ndarray:
    """Bottom-centre points of (M, 4) ``x, y, w, h`` boxes: (M, 2) float64 ``(x + w / 2, y + h)``."""
    tlwh = np.asarray(tlwh, dtype=np.float64).reshape(-1, 4)
    return np.stack([tlwh[:, 0] + tlwh[:, 2] / 2.0, tlwh[:, 1] + tlwh[:, 3]], axis=1)


def _ids_tlwh(tracks: Any, tlwh: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(ids (M,) int64, tlwh (M, 4) float64)`` from a tracks object or two arrays."""
    if tlwh is None:
        if not (hasattr(tracks, "ids") and hasattr(tracks, "tlwh")):
            raise TypeError("update() takes tracks with .ids and .tlwh (a fairmot.Tracks) or (ids, tlwh) arrays, "
                            f"got {type(tracks).__name__}")
        ids, tlwh = tracks.ids, tracks.tlwh
    else:
        ids = tracks
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must have shape (M,), got {ids.shape}")
    if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        if not (ids.size == 0 or (np.issubdtype(ids.dtype, np.floating) and np.isfinite(ids).all()
                                  and (ids == np.round(ids)).all())):
            raise TypeError(f"ids must hold integers, got dtype {ids.dtype}")
    ids = ids.astype(np.int64)
    box = np.asarray(tlwh)
    if box.size == 0 and ids.size == 0:
        box = box.reshape(0, 4)
    if box.dtype == bool or not (np.issubdtype(box.dtype, np.integer) or np.issubdtype(box.dtype, np.floating)):
        raise TypeError(f"tlwh must hold real numbers, got dtype {box.dtype}")
    if box.shape != (ids.shape[0], 4):
        raise ValueError(f"tlwh must have shape ({ids.shape[0]}, 4) like ids, got {box.shape}")
    box = box.astype(np.float64)
    if not np.isfinite(box).all():
        raise ValueError("tlwh must be finite (no NaN / inf)")
    valid = ids[ids >= 0]
    if np.unique(valid).size != valid.size:
        raise ValueError("ids must be unique within a frame (a track id appears twice)")
    return ids, box


class _Debounced:
    """Per-track debounced state: ``stable`` confirmed value (None until confirmed), the candidate
    value and its run length, and the last frame the track was seen."""

    __slots__ = ("stable", "candidate", "run", "last_seen", "entered")

    def __init__(self) -> None:
        self.stable: int | None = None
        self.candidate: int | None = None
        self.run = 0
        self.last_seen = 0
        self.entered = False  # zones: this track has entered (counted once in ``total``)

    def observe(self, value: int, min_frames: int) -> int | None:
        """Feed one observation; returns the previous confirmed value when this one confirms a
        change (``_UNCONFIRMED`` for a track's first confirmation), else None."""
        if value == self.stable:
            self.candidate, self.run = None, 0
            return None
        if value == self.candidate:
            self.run += 1
        else:
            self.candidate, self.run = value, 1
        if self.run >= min_frames:
            previous = self.stable
            self.stable, self.candidate, self.run = value, None, 0
            return _UNCONFIRMED if previous is None else previous
        return None


class _Counter:
    """What lines and zones share: validation, the frame counter, per-track states, forgetting."""

    def __init__(self, min_frames: int, max_age: int, name: str) -> None:
        self.min_frames = _check_int(min_frames, "min_frames", 1)
        self.max_age = _check_int(max_age, "max_age", 0)
        self.name = str(name)
        self.frame = 0
        self._states: dict[int, _Debounced] = {}

    def _values(self, points: np.ndarray) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def _event(self, tid: int, state: _Debounced, previous: int,
               now: int) -> Crossing | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, tracks: Any, tlwh: Any = None) -> list[Crossing]:
        """Count one frame.

        Args:
            tracks: a :class:`fairmot.Tracks` (``ids`` (M,), ``tlwh`` (M, 4) ``x, y, w, h`` pixels), or
                the ids (M,) int when ``tlwh`` is given.
            tlwh: (M, 4) boxes when ``tracks`` is an ids array.

        Returns the events this frame confirmed (:class:`Crossing`), in the order of the tracks.
        Raises ``ValueError`` / ``TypeError`` on bad input, leaving the counter unchanged.
        """
        ids, box = _ids_tlwh(tracks, tlwh)
        keep = ids >= 0
        ids, pts = ids[keep], anchors(box[keep])
        values = self._values(pts)  # validated, computed: nothing below can fail
        self.frame += 1
        t = self.frame
        for tid in [k for k, s in self._states.items() if t - s.last_seen > self.max_age]:
            del self._states[tid]
        events: list[Crossing] = []
        for tid, value in zip(ids.tolist(), values):
            state = self._states.get(tid)
            if state is None:
                state = self._states[tid] = _Debounced()
            state.last_seen = t
            if value is None:
                continue
            previous = state.observe(value, self.min_frames)
            if previous is not None:
                event = self._event(tid, state, previous, value)
                if event is not None:
                    events.append(event)
        return events

    def reset(self) -> None:
        """Forget every track and zero the counts."""
        self.frame = 0
        self._states.clear()

    @property
    def tracked(self) -> int:
        """Tracks currently remembered (bounded by the tracks seen in the last ``max_age`` frames)."""
        return len(self._states)


class LineCounter(_Counter):
    """Crossings of the directed segment ``A -> B`` by track anchors, per direction.

    Args:
        line: ``x1,y1,x2,y2`` (string, 4 numbers or a (2, 2) array) in frame pixels.
        min_frames: consecutive reported frames on the new side before a crossing counts
            (default ``DEFAULT_MIN_FRAMES`` = 2; 1 counts every side change).
        max_age: frames a track may be missing before it is forgotten (default 60).
        name: a label (CSV columns, drawing).

    Attributes:
        in_count: crossings from the negative to the positive side (see the module docstring;
            top to bottom for a line drawn left to right).
        out_count: crossings from the positive to the negative side.
    """

    def __init__(self, line: Any, min_frames: int = DEFAULT_MIN_FRAMES, max_age: int = DEFAULT_MAX_AGE,
                 name: str = "line") -> None:
        super().__init__(min_frames, max_age, name)
        self.line = parse_line(line, "line")
        self.in_count = 0
        self.out_count = 0

    def side(self, points: np.ndarray) -> np.ndarray:
        """(N,) int: +1 / -1 the side of each (N, 2) point, 0 beyond the segment's ends, and
        ``2`` exactly on the line (ignored by the counter)."""
        a, b = self.line
        d = b - a
        rel = np.asarray(points, dtype=np.float64).reshape(-1, 2) - a
        cross = d[0] * rel[:, 1] - d[1] * rel[:, 0]
        proj = rel @ d
        within = (proj >= 0) & (proj <= float(d @ d))
        out = np.where(cross > 0, 1, -1)
        out[cross == 0] = 2
        out[~within] = _OUTSIDE
        return out.astype(np.int64)

    def _values(self, points: np.ndarray) -> list:
        return [None if v == 2 else v for v in self.side(points).tolist()]

    def _event(self, tid: int, state: _Debounced, previous: int, now: int) -> Crossing | None:
        if previous == -1 and now == 1:
            self.in_count += 1
            return Crossing(self.frame, tid, "in")
        if previous == 1 and now == -1:
            self.out_count += 1
            return Crossing(self.frame, tid, "out")
        return None

    def reset(self) -> None:
        super().reset()
        self.in_count = self.out_count = 0

    def __repr__(self) -> str:
        return (f"LineCounter({self.name!r}, {self.line.ravel().tolist()}, in={self.in_count}, "
                f"out={self.out_count}, min_frames={self.min_frames})")


class ZoneCounter(_Counter):
    """Occupancy and unique entries of a polygon by track anchors.

    Args:
        polygon: ``x1,y1,x2,y2,x3,y3,...`` (string, numbers or an (N, 2) array), N >= 3, pixels.
        min_frames, max_age, name: as for :class:`LineCounter`.

    Attributes:
        occupancy: tracks reported in the last frame whose confirmed state is inside.
        total: unique tracks that ever entered (confirmed inside; a track forgotten after
            ``max_age`` frames and back is a new track).
    """

    def __init__(self, polygon: Any, min_frames: int = DEFAULT_MIN_FRAMES, max_age: int = DEFAULT_MAX_AGE,
                 name: str = "zone") -> None:
        super().__init__(min_frames, max_age, name)
        self.polygon = parse_polygon(polygon, "zone")
        self.occupancy = 0
        self.total = 0

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(N,) bool: each (N, 2) point inside the polygon or on its boundary (even-odd rule)."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        x, y = p[:, :1], p[:, 1:]
        v0 = self.polygon
        v1 = np.roll(self.polygon, -1, axis=0)
        x0, y0, x1, y1 = v0[:, 0], v0[:, 1], v1[:, 0], v1[:, 1]
        # ray to +x: edges straddling the point's row (half-open in y) whose crossing is right of it
        straddle = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside = (np.count_nonzero(straddle & (x < xc), axis=1) % 2) == 1
        # on an edge: collinear and within the edge's bounding box
        cross = (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)
        on_edge = ((cross == 0) & (x >= np.minimum(x0, x1)) & (x <= np.maximum(x0, x1))
                   & (y >= np.minimum(y0, y1)) & (y <= np.maximum(y0, y1))).any(axis=1)
        return inside | on_edge

    def _values(self, points: np.ndarray) -> list:
        return self.contains(points).astype(np.int64).tolist()

    def update(self, tracks: Any, tlwh: Any = None) -> list[Crossing]:
        events = super().update(tracks, tlwh)
        # occupancy: tracks reported this frame (their state's last_seen is this frame) confirmed inside
        self.occupancy = sum(1 for s in self._states.values() if s.last_seen == self.frame and s.stable == 1)
        return events

    def _event(self, tid: int, state: _Debounced, previous: int, now: int) -> Crossing | None:
        if now == 1:
            if not state.entered:
                state.entered = True
                self.total += 1
            return Crossing(self.frame, tid, "enter")
        if previous == 1:
            return Crossing(self.frame, tid, "exit")
        return None

    def reset(self) -> None:
        super().reset()
        self.occupancy = 0
        self.total = 0

    def __repr__(self) -> str:
        return (f"ZoneCounter({self.name!r}, {len(self.polygon)} vertices, occupancy={self.occupancy}, "
                f"total={self.total}, min_frames={self.min_frames})")


class CountingSet:
    """Several :class:`LineCounter` s and :class:`ZoneCounter` s fed the same tracks, with one
    ``counts.csv`` row per frame (what ``fairmot track --count-line / --zone`` writes).

    CSV columns: ``frame`` (1-based), then for each line ``<name>_in,<name>_out`` (cumulative
    crossings), then for each zone ``<name>_occupancy,<name>_total`` (tracks inside now, unique
    entries so far). Names default to ``line1, line2, ...`` and ``zone1, zone2, ...``.

    Args:
        lines: line specifications (see :func:`parse_line`).
        zones: polygon specifications (see :func:`parse_polygon`).
        min_frames, max_age: as for :class:`LineCounter`.
        csv_path: where the rows go (written and flushed frame by frame, so an interrupted run keeps
            what was counted); None keeps no file.
    """

    def __init__(self, lines: Sequence[Any] = (), zones: Sequence[Any] = (), min_frames: int = DEFAULT_MIN_FRAMES,
                 max_age: int = DEFAULT_MAX_AGE, csv_path: Any = None) -> None:
        self.lines = [LineCounter(v, min_frames, max_age, name=f"line{i}") for i, v in enumerate(lines, start=1)]
        self.zones = [ZoneCounter(v, min_frames, max_age, name=f"zone{i}") for i, v in enumerate(zones, start=1)]
        self.csv_path = csv_path
        self._file = None
        if csv_path is not None:
            import os

            parent = os.path.dirname(os.fspath(csv_path))
            if parent:
                os.makedirs(parent, exist_ok=True)
            self._file = open(csv_path, "w", encoding="utf-8", newline="")
            self._file.write(",".join(self.header()) + "\n")

    def __bool__(self) -> bool:
        return bool(self.lines or self.zones)

    def header(self) -> list[str]:
        cols = ["frame"]
        for c in self.lines:
            cols += [f"{c.name}_in", f"{c.name}_out"]
        for z in self.zones:
            cols += [f"{z.name}_occupancy", f"{z.name}_total"]
        return cols

    def row(self) -> list[int]:
        """The current counts in :meth:`header` order."""
        frame = (self.lines or self.zones)[0].frame if self else 0
        out = [frame]
        for c in self.lines:
            out += [c.in_count, c.out_count]
        for z in self.zones:
            out += [z.occupancy, z.total]
        return out

    def update(self, tracks: Any, tlwh: Any = None) -> list[int]:
        """Count one frame with every counter (the tracks are validated once, first) and write its row."""
        ids, box = _ids_tlwh(tracks, tlwh)
        for counter in (*self.lines, *self.zones):
            counter.update(ids, box)
        row = self.row()
        if self._file is not None:
            self._file.write(",".join(str(v) for v in row) + "\n")
            self._file.flush()
        return row

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "CountingSet":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
