"""Association: FairMOT's online tracker over the torch-free C++17 core (``fairmot._tracker``).

* :mod:`fairmot.tracking.types`: ``Detections`` (detector -> association) and ``Tracks`` (out).
* :mod:`fairmot.tracking.core`: ``JDETracker``, ``KalmanFilter``, ``lapjv``, ``linear_assignment``,
  ``iou_distance``, ``embedding_distance``, ``fuse_motion`` (numpy in, numpy out).
* :mod:`fairmot.tracking.gmc`: ``GMC``, opt-in camera-motion estimation (previous -> current 2x3 affine).

Boxes are in image pixels: ``x1, y1, x2, y2`` for inputs, ``x1, y1, w, h`` for outputs.
"""
from __future__ import annotations

from .types import Detections, Tracks
from .core import (CHI2INV95, JDETracker, KalmanFilter, TrackResult, embedding_distance, fuse_motion, iou_distance,
                   lapjv, linear_assignment, warp_state)
from .gmc import GMC

__all__ = [
    "Detections",
    "Tracks",
    "JDETracker",
    "TrackResult",
    "KalmanFilter",
    "lapjv",
    "linear_assignment",
    "iou_distance",
    "embedding_distance",
    "fuse_motion",
    "CHI2INV95",
    "GMC",
    "warp_state",
]
