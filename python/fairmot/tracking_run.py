"""The per-frame loop of ``fairmot track`` and ``fairmot demo``: run a tracker over frames and
record what it produces (MOT Challenge lines, an annotated video with trails, timing)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from .video import TrackTrails, VideoWriter, draw_tracks, format_mot_lines


@dataclass
class TrackingRun:
    """Feeds frames to ``tracker.update`` and keeps the results.

    The state is updated frame by frame, so whatever was tracked before an exception (for
    example ``KeyboardInterrupt``) is still in ``lines`` / ``frames`` when it propagates.

    Attributes:
        tracker: anything with ``update(frame_bgr) -> tracks`` (``fairmot.Tracker``).
        writer: annotated frames go here when given (boxes coloured by id, labels, fps).
        trails: track centre trails drawn on the annotated frames when given.
        bar: a tqdm progress bar to annotate with the number of tracks (optional).
        lines: MOT Challenge result lines, frames numbered from 1.
        ids_seen: every track id reported so far.
        frames: frames tracked.
        elapsed: seconds spent in ``tracker.update`` (network + decoding + association).
    """

    tracker: Any
    writer: VideoWriter | None = None
    trails: TrackTrails | None = None
    bar: Any = None
    lines: list[str] = field(default_factory=list)
    ids_seen: set[int] = field(default_factory=set)
    frames: int = 0
    elapsed: float = 0.0

    @property
    def fps(self) -> float:
        """Frames per second of ``tracker.update`` so far (NaN before the first frame)."""
        return self.frames / self.elapsed if self.elapsed > 0 else float("nan")

    def step(self, frame_bgr: np.ndarray) -> Any:
        """Track one frame, record its lines and draw it; returns the tracker's result."""
        t0 = time.perf_counter()
        tracks = self.tracker.update(frame_bgr)
        self.elapsed += time.perf_counter() - t0
        self.frames += 1
        self.lines.extend(format_mot_lines(self.frames, tracks))
        self.ids_seen.update(int(i) for i in tracks.ids)
        if self.bar is not None:
            self.bar.set_postfix(tracks=len(tracks), refresh=False)
        if self.writer is not None:
            if self.trails is not None:
                self.trails.update(tracks)
            fps = self.fps if self.elapsed > 0 else None
            self.writer.write(draw_tracks(frame_bgr, tracks, trails=self.trails, frame_index=self.frames,
                                          fps=fps, copy=False))
        return tracks

    def run(self, frames: Iterable[np.ndarray]) -> "TrackingRun":
        """Track every frame of ``frames``; returns ``self``."""
        for frame in frames:
            self.step(frame)
        return self
