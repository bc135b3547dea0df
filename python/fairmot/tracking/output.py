"""The official output filter of ``track.py``: which associated tracks are reported.

The core reports every activated track; the official script then keeps only boxes with
``w * h > min_box_area`` (100 px²) and not ``w / h > max_aspect_ratio`` (1.6, i.e. not too wide for
a standing person). :class:`fairmot.Tracker`, :func:`fairmot.tracking.replay` and the CLI apply it
through :func:`output_tracks`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..config import TrackerConfig
from .types import Tracks

__all__ = ["filter_tracks", "output_tracks", "select_classes"]


def filter_tracks(ids: np.ndarray, tlwh: np.ndarray, scores: np.ndarray,
                  min_box_area: float = TrackerConfig.min_box_area,
                  max_aspect_ratio: float = TrackerConfig.max_aspect_ratio,
                  det_index: np.ndarray | None = None, class_ids: np.ndarray | None = None) -> Tracks:
    """The official ``track.py`` filter: keep w * h > min_box_area and not w / h > max_aspect_ratio.

    ids (M,) int64; tlwh (M, 4) ``x1, y1, w, h`` pixels; scores (M,); det_index, class_ids (M,) or None."""
    tracks = Tracks(ids, tlwh, scores, det_index, class_ids)
    w, h = tracks.tlwh[:, 2], tracks.tlwh[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (w * h > min_box_area) & ~(w / h > max_aspect_ratio)
    return tracks.select(keep)


def output_tracks(res: Any, min_box_area: float | None = TrackerConfig.min_box_area,
                  max_aspect_ratio: float | None = TrackerConfig.max_aspect_ratio) -> Tracks:
    """The tracks a ``JDETracker.update`` result reports after the output filter (None disables
    either bound; both None: every track, unfiltered)."""
    if min_box_area is None and max_aspect_ratio is None:
        return Tracks(res.ids, res.tlwh, res.scores, res.det_index, getattr(res, "class_ids", None))
    return filter_tracks(res.ids, res.tlwh, res.scores,
                         -np.inf if min_box_area is None else min_box_area,
                         np.inf if max_aspect_ratio is None else max_aspect_ratio, res.det_index,
                         getattr(res, "class_ids", None))


def select_classes(tracks: Tracks, classes: Any) -> Tracks:
    """The tracks whose class is one of ``classes`` (an iterable of class indices); tracks without
    class ids are class 0. A selection applied to the output, after the association: the tracker
    still follows every class, so track ids are those of an unfiltered run (with gaps where other
    classes' tracks were left out)."""
    keep_classes = np.asarray(sorted({int(c) for c in classes}), dtype=np.int64)
    cls = tracks.class_ids if tracks.class_ids is not None else np.zeros(len(tracks), np.int64)
    return tracks.select(np.isin(cls, keep_classes))
