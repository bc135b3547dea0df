"""The per-frame loop shared by ``fairmot track`` and ``fairmot demo`` (TrackingRun): MOT lines
numbered from 1, ids, annotated frames, and partial results kept when the loop is interrupted."""
from __future__ import annotations

import numpy as np
import pytest

import cv2  # noqa: E402,F401

from fairmot.tracker import FrameTracks  # noqa: E402
from fairmot.tracker import TrackingRun  # noqa: E402
from fairmot.io import TrackTrails  # noqa: E402


class ScriptedTracker:
    """Reports track k (k = 1..frame) at a fixed box on frame `frame`; raises on `fail_at`."""

    def __init__(self, fail_at: int | None = None, error: type[BaseException] = KeyboardInterrupt):
        self.frame = 0
        self.fail_at = fail_at
        self.error = error

    def update(self, frame_bgr):
        self.frame += 1
        if self.frame == self.fail_at:
            raise self.error("stop")
        ids = np.arange(1, self.frame + 1, dtype=np.int64)
        tlwh = np.array([[10.0 * k, 5.0, 8.0, 20.0] for k in ids]).reshape(-1, 4)
        return FrameTracks(ids, tlwh, np.full(len(ids), 0.9))


class ListWriter:
    def __init__(self):
        self.frames = []

    def write(self, frame):
        self.frames.append(frame)


def _frames(n):
    return [np.full((48, 64, 3), 40 * k % 255, np.uint8) for k in range(n)]


def test_lines_ids_and_counts_follow_the_frames():
    run = TrackingRun(ScriptedTracker()).run(_frames(3))
    assert run.frames == 3
    assert run.ids_seen == {1, 2, 3}
    assert len(run.lines) == 1 + 2 + 3
    assert run.lines[0] == "1,1,10.0,5.0,8.0,20.0,1,-1,-1,-1"
    assert run.lines[-1] == "3,3,30.0,5.0,8.0,20.0,1,-1,-1,-1"
    assert run.elapsed > 0 and run.fps > 0


def test_annotated_frames_go_to_the_writer():
    frames = _frames(4)
    originals = [f.copy() for f in frames]
    writer = ListWriter()
    run = TrackingRun(ScriptedTracker(), writer=writer, trails=TrackTrails())
    run.run(frames)
    assert len(writer.frames) == 4
    assert all(w.shape == f.shape and w.dtype == np.uint8 for w, f in zip(writer.frames, frames))
    assert any(not np.array_equal(w, o) for w, o in zip(writer.frames, originals))


def test_interrupt_keeps_what_was_tracked():
    run = TrackingRun(ScriptedTracker(fail_at=3))
    with pytest.raises(KeyboardInterrupt):
        run.run(_frames(5))
    assert run.frames == 2
    assert [line.split(",")[0] for line in run.lines] == ["1", "2", "2"]


def test_fps_is_nan_before_the_first_frame():
    assert np.isnan(TrackingRun(ScriptedTracker()).fps)


# ------------------------------------------------------------------------------------ prefetch
def test_prefetch_keeps_order_and_everything():
    from fairmot.io import prefetch

    assert list(prefetch(range(100), depth=3)) == list(range(100))
    assert list(prefetch([], depth=1)) == []
    with pytest.raises(ValueError, match="depth"):
        list(prefetch(range(3), depth=0))


def test_prefetch_reraises_the_readers_error_in_place():
    from fairmot.io import prefetch

    def frames():
        yield 1
        yield 2
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetch(frames()):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_stops_the_reader_when_the_consumer_stops():
    import threading

    from fairmot.io import prefetch

    produced = []
    closed = threading.Event()

    def frames():
        try:
            for k in range(10_000):
                produced.append(k)
                yield k
        finally:
            closed.set()

    gen = prefetch(frames(), depth=2)
    assert [next(gen) for _ in range(3)] == [0, 1, 2]
    gen.close()
    assert closed.wait(5.0), "the source generator was not closed"
    assert len(produced) < 10  # read ahead by at most depth (+1 in flight)
