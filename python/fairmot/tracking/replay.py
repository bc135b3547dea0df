"""Replay the association on cached detections: the tracker without the network.

A detection cache (``fairmot track --save-detections DIR``, :mod:`fairmot.io.detections`) holds, per
frame, exactly the float32 boxes, scores and embeddings the detector handed to the association.
:func:`replay` feeds them to a fresh :class:`~fairmot.tracking.JDETracker` and applies the official
output filter, so with the recorded settings it reproduces the full run's tracks exactly (and
``fairmot track --from-detections`` its result file byte for byte); with other settings it answers
"what would the tracker have done" in microseconds per frame instead of a network pass.

The only limit is the cache's *score floor*: detections scoring at or below it were not saved, so a
replay whose lowest score threshold (``conf_thres``, or ``low_thres`` in byte mode) is under the
floor would silently miss detections; it is refused with a ValueError instead.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..config import TrackerConfig
from .core import JDETracker
from .output import output_tracks
from .types import Detections, Tracks

__all__ = ["SETTINGS", "replay", "replay_results"]

#: The settings :func:`replay` takes besides ``frame_rate`` (association + output filter).
SETTINGS = ("conf_thres", "track_buffer", "association", "match_thres", "low_thres", "iou_thres",
            "unconfirmed_thres", "min_box_area", "max_aspect_ratio")

_UNSET: Any = object()


def _frames_of(detections: Any) -> tuple[Iterable[Any], Any]:
    """(frames, cache or None) for a cache, a cache folder or an iterable of frames."""
    from ..io.detections import DetectionCache

    if isinstance(detections, (str, os.PathLike)):
        detections = DetectionCache(detections)
    if isinstance(detections, DetectionCache):
        return detections, detections
    if isinstance(detections, (np.ndarray, Detections)) or not isinstance(detections, Iterable):
        raise TypeError("detections must be a detection cache (folder or DetectionCache) or an iterable of frames "
                        f"(Detections or (boxes, scores, embeddings) tuples), got {type(detections).__name__}")
    return detections, None


def _settings(cache: Any, given: dict[str, Any], frame_rate: Any) -> tuple[dict[str, Any], float]:
    """The settings to replay with: given ones, else the cache's recorded ones, else the official ones."""
    base = {k: getattr(TrackerConfig, k) for k in SETTINGS}
    if cache is not None:
        base.update(cache.tracker_settings())
    base.update({k: v for k, v in given.items() if v is not _UNSET})
    if frame_rate is _UNSET or frame_rate is None:
        frame_rate = cache.frame_rate if cache is not None and cache.frame_rate is not None else TrackerConfig.frame_rate
    return base, frame_rate


def replay(detections: Any, *, conf_thres: float = _UNSET, track_buffer: int = _UNSET, frame_rate: float = _UNSET,
           association: str = _UNSET, match_thres: float = _UNSET, low_thres: float = _UNSET,
           iou_thres: float = _UNSET, unconfirmed_thres: float = _UNSET, min_box_area: float | None = _UNSET,
           max_aspect_ratio: float | None = _UNSET) -> Iterator[Tracks]:
    """Run the association alone over cached detections; yields each frame's reported tracks.

    Args:
        detections: a detection cache folder (``fairmot track --save-detections``), a
            :class:`fairmot.io.detections.DetectionCache`, or any iterable of frames, each a
            :class:`~fairmot.tracking.Detections` or a ``(boxes (N, 4) x1 y1 x2 y2 px, scores (N,),
            embeddings (N, D))`` tuple (a cache's frames also carry their ``class_ids``, which
            the association uses: tracks never change class).
        conf_thres, track_buffer, frame_rate, association, match_thres, low_thres, iou_thres,
            unconfirmed_thres: as :class:`~fairmot.tracking.JDETracker`. A setting left out is the
            one the cache recorded (the run that wrote it), else the official default; ``frame_rate``
            likewise (the cache's, else 30).
        min_box_area, max_aspect_ratio: the official output filter (None disables either), defaulting
            the same way.

    Yields:
        :class:`~fairmot.tracking.Tracks` per frame, in frame order (frame 1 first).

    Raises:
        ValueError: a score threshold below the cache's score floor (those detections were not
            saved), bad settings (as ``JDETracker``), or a corrupt cache. TypeError: ``detections`` of
            the wrong kind.
    """
    frames, cache = _frames_of(detections)
    given = dict(conf_thres=conf_thres, track_buffer=track_buffer, association=association, match_thres=match_thres,
                 low_thres=low_thres, iou_thres=iou_thres, unconfirmed_thres=unconfirmed_thres,
                 min_box_area=min_box_area, max_aspect_ratio=max_aspect_ratio)
    settings, rate = _settings(cache, given, frame_rate)
    floor = cache.score_floor if cache is not None else None
    if floor is not None:
        lowest = ("conf_thres", settings["conf_thres"])
        if settings["association"] == "byte" and settings["low_thres"] < settings["conf_thres"]:
            lowest = ("low_thres", settings["low_thres"])
        if lowest[1] < floor:
            raise ValueError(f"{lowest[0]}={lowest[1]:g} is below the detection cache's score floor {floor:g}: "
                             f"detections scoring <= {floor:g} were not saved (write the cache with a lower "
                             "--save-score-floor to replay lower thresholds)")
    tracker = JDETracker(conf_thres=settings["conf_thres"], track_buffer=settings["track_buffer"], frame_rate=rate,
                         association=settings["association"], match_thres=settings["match_thres"],
                         low_thres=settings["low_thres"], iou_thres=settings["iou_thres"],
                         unconfirmed_thres=settings["unconfirmed_thres"])
    min_area, max_ratio = settings["min_box_area"], settings["max_aspect_ratio"]
    return _run(tracker, frames, min_area, max_ratio)


def _run(tracker: JDETracker, frames: Iterable[Any], min_area: float | None, max_ratio: float | None
         ) -> Iterator[Tracks]:
    for frame in frames:
        if isinstance(frame, Detections):
            res = tracker.update(frame)
        else:
            try:
                boxes, scores, embeddings = frame
            except (TypeError, ValueError):
                raise TypeError("each frame must be a Detections or a (boxes, scores, embeddings) tuple, got "
                                f"{type(frame).__name__}") from None
            res = tracker.update(boxes, scores, embeddings, getattr(frame, "class_ids", None))
        yield output_tracks(res, min_area, max_ratio)


def replay_results(detections: Any, **settings: Any) -> np.ndarray:
    """:func:`replay` as MOT Challenge result rows: (n, 10) float64 ``frame, id, x1, y1, w, h, 1, -1,
    -1, -1``, frames from 1, in the order ``fairmot track`` writes its lines (the values those lines
    parse back to: they are written at full ``repr`` precision)."""
    chunks = []
    for index, tracks in enumerate(replay(detections, **settings), start=1):
        m = len(tracks)
        if not m:
            continue
        rows = np.empty((m, 10), dtype=np.float64)
        rows[:, 0] = index
        rows[:, 1] = tracks.ids
        rows[:, 2:6] = tracks.tlwh
        rows[:, 6] = 1.0
        rows[:, 7:] = -1.0
        chunks.append(rows)
    return np.concatenate(chunks) if chunks else np.zeros((0, 10), dtype=np.float64)
