"""Drawing tracks on frames, official ``plot_tracking`` style: identity colours, ids, trails."""
from __future__ import annotations

import math
from collections import deque
from typing import Any, Mapping, Sequence

import numpy as np

from .._io import import_cv2
from .mot import ids_tlwh

__all__ = ["id_color", "TrackTrails", "draw_tracks", "draw_counts"]


def _cv2():
    return import_cv2("fairmot.io.draw")


def id_color(track_id: int) -> tuple[int, int, int]:
    """The official stable BGR colour of a track id (``plot_tracking``'s ``get_color``)."""
    idx = int(track_id) * 3
    return ((37 * idx) % 255, (17 * idx) % 255, (29 * idx) % 255)


class TrackTrails(dict):
    """Past box centres per id, for :func:`draw_tracks`: ``{id: deque[(x, y)]}``.

    ``update(tracks)`` appends this frame's centres (at most ``length`` per id) and forgets ids
    not seen for more than ``max_age`` updates.
    """

    def __init__(self, length: int = 30, max_age: int = 30) -> None:
        super().__init__()
        self.length = int(length)
        self.max_age = int(max_age)
        self._last_seen: dict[int, int] = {}
        self._t = 0

    def update(self, tracks: Any) -> "TrackTrails":
        self._t += 1
        ids, tlwh = ids_tlwh(tracks)
        for tid, (x, y, w, h) in zip(ids.tolist(), tlwh.tolist()):
            self.setdefault(tid, deque(maxlen=self.length)).append((x + w / 2.0, y + h / 2.0))
            self._last_seen[tid] = self._t
        for tid in [t for t, seen in self._last_seen.items() if self._t - seen > self.max_age]:
            self.pop(tid, None)
            del self._last_seen[tid]
        return self



def draw_tracks(frame: np.ndarray, tracks: Any, trails: Mapping[int, Sequence[tuple[float, float]]] | None = None,
                frame_index: int | None = None, fps: float | None = None, copy: bool = True,
                class_names: Sequence[str] | None = None) -> np.ndarray:
    """Draw tracks on a BGR frame, official ``plot_tracking`` style.

    Args:
        frame: (H, W, 3) uint8 BGR image.
        tracks: a :class:`fairmot.Tracks` (anything with ``ids`` (M,) and ``tlwh`` (M, 4)).
        trails: optional ``{id: [(x, y), ...]}`` past centres (e.g. a :class:`TrackTrails`), drawn
            as polylines in the id's colour.
        frame_index, fps: optional header text ("frame: N  fps: F  num: M").
        copy: draw on a copy (default) or in place.
        class_names: display name of each class index (multi-class networks): labels then read
            ``"<id> <class name>"`` for tracks with ``class_ids``. None (default): the id alone, as
            the official drawing.

    Returns the annotated image (same shape and dtype as ``frame``).
    """
    cv2 = _cv2()
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 BGR frame, got {getattr(frame, 'shape', type(frame))}")
    img = np.ascontiguousarray(frame.copy() if copy else frame)
    ids, tlwh = ids_tlwh(tracks)
    width = img.shape[1]
    text_scale = max(1.0, width / 1600.0)
    thickness = max(1, int(width / 500.0))
    font_scale = 0.5 * text_scale
    if trails:
        for tid, pts in trails.items():
            if len(pts) < 2:
                continue
            poly = np.round(np.asarray(list(pts), dtype=np.float64)).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(img, [poly], False, id_color(tid), thickness, cv2.LINE_AA)
    cls = getattr(tracks, "class_ids", None) if class_names is not None else None
    cls_list = np.asarray(cls).reshape(-1).tolist() if cls is not None else [None] * len(ids)
    for tid, (x, y, w, h), c in zip(ids.tolist(), tlwh.tolist(), cls_list):
        if not all(math.isfinite(v) for v in (x, y, w, h)):
            continue
        color = id_color(tid)
        p1 = (int(round(x)), int(round(y)))
        p2 = (int(round(x + w)), int(round(y + h)))
        cv2.rectangle(img, p1, p2, color, thickness)
        label = str(int(tid))
        if c is not None:
            label += " " + (class_names[int(c)] if 0 <= int(c) < len(class_names) else str(int(c)))
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_PLAIN, font_scale * 2, thickness)
        ty = max(p1[1], th + 2)
        cv2.rectangle(img, (p1[0], ty - th - 2), (p1[0] + tw + 2, ty + base - 2), color, -1)
        cv2.putText(img, label, (p1[0] + 1, ty - 1), cv2.FONT_HERSHEY_PLAIN, font_scale * 2, (255, 255, 255),
                    thickness, cv2.LINE_AA)
    if frame_index is not None or fps is not None:
        parts = []
        if frame_index is not None:
            parts.append(f"frame: {int(frame_index)}")
        if fps is not None:
            parts.append(f"fps: {fps:.1f}")
        parts.append(f"num: {len(ids)}")
        cv2.putText(img, "  ".join(parts), (0, int(15 * text_scale)), cv2.FONT_HERSHEY_PLAIN, text_scale,
                    (0, 0, 255), thickness)
    return img


def draw_counts(frame: np.ndarray, lines: Sequence[Any] = (), zones: Sequence[Any] = (),
                copy: bool = True) -> np.ndarray:
    """Draw counting lines and zones with their counts on a BGR frame.

    Args:
        frame: (H, W, 3) uint8 BGR image.
        lines: :class:`fairmot.LineCounter` s: the segment (yellow), an arrow from its middle towards
            the positive side, and ``name in/out``.
        zones: :class:`fairmot.ZoneCounter` s: the polygon (cyan) and ``name occupancy/total``.
        copy: draw on a copy (default) or in place.
        class_names: display name of each class index (multi-class networks): labels then read
            ``"<id> <class name>"`` for tracks with ``class_ids``. None (default): the id alone, as
            the official drawing.

    Returns the annotated image.
    """
    cv2 = _cv2()
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 BGR frame, got {getattr(frame, 'shape', type(frame))}")
    img = np.ascontiguousarray(frame.copy() if copy else frame)
    width = img.shape[1]
    text_scale = max(1.0, width / 1600.0)
    thickness = max(1, int(width / 500.0))

    def label(text: str, at: tuple[int, int], color: tuple[int, int, int]) -> None:
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_PLAIN, text_scale, thickness)
        x, y = at
        cv2.rectangle(img, (x, y - th - 2), (x + tw + 2, y + base), (0, 0, 0), -1)
        cv2.putText(img, text, (x + 1, y - 1), cv2.FONT_HERSHEY_PLAIN, text_scale, color, thickness, cv2.LINE_AA)

    for c in lines:
        (ax, ay), (bx, by) = np.asarray(c.line, np.float64)
        color = (0, 255, 255)
        cv2.line(img, (int(round(ax)), int(round(ay))), (int(round(bx)), int(round(by))), color, 2 * thickness,
                 cv2.LINE_AA)
        mx, my = (ax + bx) / 2.0, (ay + by) / 2.0
        nx, ny = -(by - ay), bx - ax  # normal towards the positive side
        norm = math.hypot(nx, ny) or 1.0
        tip = (int(round(mx + 20 * text_scale * nx / norm)), int(round(my + 20 * text_scale * ny / norm)))
        cv2.arrowedLine(img, (int(round(mx)), int(round(my))), tip, color, thickness, cv2.LINE_AA, tipLength=0.4)
        label(f"{c.name} in {c.in_count} out {c.out_count}", (int(round(ax)), max(12, int(round(ay)) - 4)), color)
    for z in zones:
        color = (255, 255, 0)
        poly = np.round(np.asarray(z.polygon, np.float64)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [poly], True, color, 2 * thickness, cv2.LINE_AA)
        x0, y0 = poly.reshape(-1, 2).min(axis=0)
        label(f"{z.name} now {z.occupancy} total {z.total}", (int(x0), max(12, int(y0) - 4)), color)
    return img
