"""Per-frame cost of ``JDETracker.update``: ours (C++) vs ``ReferenceJDETracker`` (NumPy).

Streams (``tests/streams.py``):

* ``dense-N``: ``make_dense_stream(seed, N)`` -- N objects in every frame, N = 10, 50, 200, 500;
* ``mot17``: ``make_stream(seed, n_objects=30)`` -- pedestrian-like scene with births, deaths,
  occlusions and false positives, ~25 detections per frame (19..32), as on MOT17.

Every stream is generated once.  A tracker is warmed up on the first ``WARMUP`` frames (not
timed: that is where the tracks are born); then every benchmark round is ONE ``update`` call on
the next frame of the stream, so the statistics pytest-benchmark prints are per frame.  When the
stream is used up a fresh tracker is warmed up again (untimed) and the frames are replayed.
The reference is slow at 500 objects, so its number of rounds is limited.
"""

from __future__ import annotations

import numpy as np
import pytest

from fairmot.tracking import JDETracker
from reference_tracker import ReferenceJDETracker
from streams import make_dense_stream, make_stream

WARMUP = 10
N_FRAMES = 60  # 10 warm-up + 50 measured frames
DENSE_SIZES = [10, 50, 200, 500]
MOT17_OBJECTS = 30  # gives ~25 detections per frame
MOT17_FRAMES = 110  # 10 warm-up + 100 measured frames

IMPLS = {"fairmot": JDETracker, "reference": ReferenceJDETracker}

_STREAM_CACHE: dict = {}


def case_names():
    return [f"dense-{n}" for n in DENSE_SIZES] + ["mot17"]


def get_stream(case: str, n_frames: int | None = None):
    """The frames of a benchmark case (cached): a list of (boxes_xyxy, scores, embeddings)."""
    key = (case, n_frames)
    if key not in _STREAM_CACHE:
        if case == "mot17":
            frames = make_stream(0, n_frames=n_frames or MOT17_FRAMES, n_objects=MOT17_OBJECTS)
        elif case.startswith("dense-"):
            frames = make_dense_stream(0, int(case.split("-", 1)[1]), n_frames=n_frames or N_FRAMES)
        else:
            raise ValueError(case)
        _STREAM_CACHE[key] = frames
    return _STREAM_CACHE[key]


def mean_detections(frames, start: int = WARMUP) -> float:
    return float(np.mean([len(f[1]) for f in frames[start:]]))


class WarmStream:
    """Hands out (tracker, frame) pairs: frame ``WARMUP``, ``WARMUP + 1``, ... of ``frames``,
    after an untimed warm-up of a fresh tracker on the first ``warmup`` frames; starts over with
    a fresh tracker when the frames run out."""

    def __init__(self, factory, frames, warmup: int = WARMUP):
        if len(frames) <= warmup:
            raise ValueError("the stream needs more frames than the warm-up")
        self.factory = factory
        self.frames = frames
        self.warmup = warmup
        self.tracker = None
        self.pos = len(frames)

    def restart(self):
        self.tracker = self.factory()
        for boxes, scores, emb in self.frames[: self.warmup]:
            self.tracker.update(boxes, scores, emb)
        self.pos = self.warmup

    def next(self):
        if self.pos >= len(self.frames):
            self.restart()
        frame = self.frames[self.pos]
        self.pos += 1
        return self.tracker, frame

    def pedantic_setup(self):
        """``benchmark.pedantic`` setup: args for ``type(tracker).update(tracker, *frame)``."""
        tracker, (boxes, scores, emb) = self.next()
        return (tracker, boxes, scores, emb), {}


def rounds_for(impl: str, case: str) -> int:
    """Enough rounds for stable statistics, without spending minutes on the reference."""
    if impl == "fairmot":
        return {"dense-200": 100, "dense-500": 50}.get(case, 300)
    return {"dense-10": 100, "dense-50": 50, "dense-200": 20, "dense-500": 8}.get(case, 100)


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("case", case_names())
def test_tracker_update(benchmark, case, impl):
    frames = get_stream(case)
    cls = IMPLS[impl]
    feeder = WarmStream(cls, frames)
    benchmark.group = f"JDETracker.update per frame, {case}"
    benchmark.extra_info.update(case=case, impl=impl, warmup_frames=WARMUP,
                                mean_detections=round(mean_detections(frames), 2))
    result = benchmark.pedantic(cls.update, setup=feeder.pedantic_setup,
                                rounds=rounds_for(impl, case), iterations=1, warmup_rounds=0)
    assert len(result.ids) > 0
