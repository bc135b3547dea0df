"""Default settings, each in one place, equal to the official FairMOT values (docs/official_behaviour.md §8).

The tracker's defaults live in the C++ header ``csrc/tracker/include/fairmot/tracker/defaults.hpp``;
the bindings expose them as ``fairmot._tracker.DEFAULTS`` and :class:`TrackerConfig` reads them from
there, so the C++ core, its bindings, the Python API and the CLI share one set of numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _tracker

__all__ = ["TrackerConfig", "TRACKER_DEFAULTS", "INPUT_STRIDE", "DEFAULT_IMG_SIZE", "DEFAULT_K", "DOWN_RATIO",
           "MIN_ONNXRUNTIME_VERSION", "is_valid_img_size"]

#: The tracker defaults of ``defaults.hpp`` (``fairmot._tracker.DEFAULTS``), as a plain dict.
TRACKER_DEFAULTS: dict[str, Any] = dict(_tracker.DEFAULTS)


@dataclass(frozen=True)
class TrackerConfig:
    """Association defaults (official ``opts.py`` and ``multitracker.py``), read from ``defaults.hpp``."""

    conf_thres: float = float(TRACKER_DEFAULTS["conf_thres"])
    track_buffer: int = int(TRACKER_DEFAULTS["track_buffer"])
    frame_rate: float = float(TRACKER_DEFAULTS["frame_rate"])
    match_thres: float = float(TRACKER_DEFAULTS["match_thres"])  # embedding + motion stage
    low_thres: float = float(TRACKER_DEFAULTS["low_thres"])  # byte mode only
    iou_thres: float = float(TRACKER_DEFAULTS["iou_thres"])  # IoU stage over the tracked tracks
    unconfirmed_thres: float = float(TRACKER_DEFAULTS["unconfirmed_thres"])  # IoU stage over unconfirmed tracks
    #: track.py output filter: keep w*h > min_box_area
    min_box_area: float = float(TRACKER_DEFAULTS["min_box_area"])
    #: track.py output filter: drop w/h > max_aspect_ratio
    max_aspect_ratio: float = float(TRACKER_DEFAULTS["max_aspect_ratio"])
    association: str = str(TRACKER_DEFAULTS["association"])  # "default" or "byte"
    fuse_lambda: float = float(TRACKER_DEFAULTS["fuse_lambda"])  # appearance weight of fuse_motion
    # --- long-gap re-identification (opt-in; docs/identity.md). reid_buffer 0 = off (official).
    reid_buffer: int = int(TRACKER_DEFAULTS["reid_buffer"])  # frames at 30 fps a removed track stays in the gallery
    reid_thres: float = float(TRACKER_DEFAULTS["reid_thres"])  # gallery match: embedding cosine distance <= this
    reid_gallery_size: int = int(TRACKER_DEFAULTS["reid_gallery_size"])  # most gallery entries (oldest evicted)
    reid_max_size_ratio: float = float(TRACKER_DEFAULTS["reid_max_size_ratio"])  # plausibility: height ratio
    reid_base_distance: float = float(TRACKER_DEFAULTS["reid_base_distance"])  # plausibility: box heights
    reid_max_speed: float = float(TRACKER_DEFAULTS["reid_max_speed"])  # plausibility: box heights per second
    # --- camera-motion compensation (opt-in, Python side: fairmot.tracking.GMC; docs/identity.md)
    gmc: str = "none"  # "none" (official), "sparse" or "ecc"
    gmc_downscale: int = 4  # the frame is shrunk by this integer factor before estimating the motion
    gmc_max_corners: int = 100  # sparse: corners tracked between frames
    gmc_ecc_motion: str = "euclidean"  # ecc: "euclidean" (rotation + translation) or "affine"


#: Network input sizes are multiples of this (the backbones downsample by 32).
INPUT_STRIDE = 32
#: Official network input (width, height).
DEFAULT_IMG_SIZE = (1088, 608)
#: Decoded centres per frame (official ``K``).
DEFAULT_K = 500
#: Output maps are 1 / DOWN_RATIO of the input.
DOWN_RATIO = 4
#: Oldest ONNX Runtime that runs exported models (the first with ``DeformConv``, opset 19).
MIN_ONNXRUNTIME_VERSION = (1, 25, 0)


def is_valid_img_size(width: int, height: int) -> bool:
    """The input-size rule, once: both sides positive multiples of :data:`INPUT_STRIDE` (32)."""
    return width > 0 and height > 0 and width % INPUT_STRIDE == 0 and height % INPUT_STRIDE == 0
