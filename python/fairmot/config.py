"""Default settings, in one place, equal to the official FairMOT values (docs/official_behaviour.md §8)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrackerConfig:
    """Association defaults (official ``opts.py`` and ``multitracker.py``)."""

    conf_thres: float = 0.4
    track_buffer: int = 30
    frame_rate: float = 30.0
    match_thres: float = 0.4  # embedding + motion stage
    low_thres: float = 0.2  # byte mode only
    min_box_area: float = 100.0  # track.py output filter: keep w*h > min_box_area
    max_aspect_ratio: float = 1.6  # track.py output filter: drop w/h > 1.6
