"""JDETracker's Python API: input handling, errors that keep state, threads, memory."""
from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import fairmot.tracking as tracking  # noqa: E402
JDETracker = tracking.JDETracker

from reference_tracker import ReferenceJDETracker  # noqa: E402
from streams import make_stream  # noqa: E402


def _unit_rows(rng, n, d=128):
    e = rng.normal(size=(n, d)).astype(np.float32)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def _frame(rng, n=5, d=128, dtype=np.float32):
    xy = rng.uniform(0, 1000, size=(n, 2))
    wh = rng.uniform(30, 120, size=(n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1).astype(dtype)
    scores = rng.uniform(0.5, 0.95, size=n).astype(dtype)
    return boxes, scores, _unit_rows(rng, n, d).astype(dtype)


def _snapshot(trk):
    return trk.frame_id, trk.num_tracked, trk.num_lost


def _run(trk, frames):
    out = []
    for f in frames:
        r = trk.update(*f)
        out.append((r.ids.copy(), r.tlwh.copy(), r.scores.copy(), r.det_index.copy()))
    return out


def _same(a, b):
    assert len(a) == len(b)
    for (i1, t1, s1, d1), (i2, t2, s2, d2) in zip(a, b):
        np.testing.assert_array_equal(i1, i2)
        np.testing.assert_array_equal(t1, t2)
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(d1, d2)


def test_defaults_match_the_official_options():
    trk = JDETracker()
    assert trk.conf_thres == 0.4 and trk.track_buffer == 30 and trk.frame_rate == 30
    assert trk.max_time_lost == 30
    assert JDETracker(frame_rate=10).max_time_lost == 10
    assert JDETracker(frame_rate=14).max_time_lost == 14
    assert JDETracker(frame_rate=25, track_buffer=60).max_time_lost == 50


def test_result_fields_have_documented_types_and_shapes():
    rng = np.random.default_rng(0)
    trk = JDETracker()
    res = trk.update(*_frame(rng, 4))
    assert len(res) == 4
    assert res.ids.dtype == np.int64 and res.ids.shape == (4,)
    assert res.tlwh.dtype == np.float64 and res.tlwh.shape == (4, 4)
    assert res.scores.dtype == np.float64 and res.scores.shape == (4,)
    assert res.det_index.dtype == np.int64 and sorted(res.det_index.tolist()) == [0, 1, 2, 3]
    np.testing.assert_array_equal(res.ids, [1, 2, 3, 4])
    assert trk.frame_id == 1


@pytest.mark.parametrize("empty", [
    (np.zeros((0, 4)), np.zeros(0), np.zeros((0, 128))),
    (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 64), np.float32)),
    (np.zeros(0), np.zeros(0), np.zeros(0)),
    ([], [], []),
])
def test_empty_frames_are_accepted_and_advance_the_frame(empty):
    trk = JDETracker()
    res = trk.update(*empty)
    assert len(res) == 0 and res.tlwh.shape == (0, 4)
    assert trk.frame_id == 1


def test_det_index_points_at_the_input_row_of_each_target():
    rng = np.random.default_rng(1)
    boxes, scores, emb = _frame(rng, 6)
    scores[[1, 4]] = 0.1  # filtered out
    trk = JDETracker()
    res = trk.update(boxes, scores, emb)
    assert sorted(res.det_index.tolist()) == [0, 2, 3, 5]
    for k, row in enumerate(res.det_index):
        x1, y1, x2, y2 = boxes[row].astype(np.float64)
        np.testing.assert_allclose(res.tlwh[k], [x1, y1, x2 - x1, y2 - y1], rtol=1e-6)
        assert res.scores[k] == pytest.approx(float(scores[row]))
    # next frame: shuffled rows, det_index follows the rows
    perm = np.array([5, 3, 0, 2, 1, 4])
    res2 = trk.update(boxes[perm] + 1, scores[perm], emb[perm])
    by_id = dict(zip(res.ids.tolist(), res.det_index.tolist()))
    for tid, row in zip(res2.ids.tolist(), res2.det_index.tolist()):
        assert perm[row] == by_id[tid]


def test_lists_and_integer_inputs_are_converted():
    trk = JDETracker()
    res = trk.update([[10, 10, 60, 160], [300, 40, 350, 200]], [0.9, 0.8], [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(res.ids, [1, 2])


BAD_INPUTS = [
    ("boxes with 3 columns", lambda b, s, e: (b[:, :3], s, e), ValueError),
    ("1-D boxes", lambda b, s, e: (b.ravel(), s, e), ValueError),
    ("3-D embeddings", lambda b, s, e: (b, s, e[:, :, None]), ValueError),
    ("2-D scores", lambda b, s, e: (b, s[:, None], e), ValueError),
    ("too few scores", lambda b, s, e: (b, s[:-1], e), ValueError),
    ("too few embeddings", lambda b, s, e: (b, s, e[:-1]), ValueError),
    ("NaN box", lambda b, s, e: (np.where(np.arange(b.size).reshape(b.shape) == 5, np.nan, b), s, e), ValueError),
    ("inf score", lambda b, s, e: (b, np.where(np.arange(s.size) == 1, np.inf, s), e), ValueError),
    ("NaN embedding", lambda b, s, e: (b, s, np.where(np.arange(e.size).reshape(e.shape) == 7, np.nan, e)), ValueError),
    ("zero embedding", lambda b, s, e: (b, s, np.where(np.arange(e.shape[0])[:, None] == 2, 0, e)), ValueError),
    ("string boxes", lambda b, s, e: (b.astype(str), s, e), TypeError),
    ("complex scores", lambda b, s, e: (b, s.astype(np.complex64), e), TypeError),
    ("object embeddings", lambda b, s, e: (b, s, e.astype(object)), TypeError),
    ("other embedding dimension", lambda b, s, e: (b, s, e[:, :64]), ValueError),
]


@pytest.mark.parametrize("name,mutate,exc", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_raises_and_keeps_the_state(name, mutate, exc):
    rng = np.random.default_rng(2)
    frames = [_frame(rng, 5) for _ in range(4)]
    trk, twin = JDETracker(), JDETracker()
    _run(trk, frames[:3])
    _run(twin, frames[:3])
    before = _snapshot(trk)
    with pytest.raises(exc):
        trk.update(*mutate(*frames[3]))
    assert _snapshot(trk) == before
    # The rejected call left no trace: both continue identically.
    _same(_run(trk, frames[3:]), _run(twin, frames[3:]))


def test_error_messages_name_the_problem():
    rng = np.random.default_rng(3)
    b, s, e = _frame(rng, 3)
    trk = JDETracker()
    with pytest.raises(ValueError, match="same length"):
        trk.update(b, s[:2], e)
    with pytest.raises(ValueError, match=r"boxes must have shape \(N, 4\)"):
        trk.update(b[:, :2], s, e)
    trk.update(b, s, e)
    with pytest.raises(ValueError, match="embedding dimension 64 differs"):
        trk.update(b, s, e[:, :64])


def test_embedding_dimension_may_change_after_reset():
    rng = np.random.default_rng(4)
    trk = JDETracker()
    trk.update(*_frame(rng, 3, d=128))
    trk.reset()
    assert trk.frame_id == 0
    res = trk.update(*_frame(rng, 3, d=64))
    np.testing.assert_array_equal(res.ids, [1, 2, 3])


@pytest.mark.parametrize("kwargs,exc", [
    ({"association": "hungarian"}, ValueError),
    ({"frame_rate": 0}, ValueError),
    ({"frame_rate": float("nan")}, ValueError),
    ({"track_buffer": -1}, ValueError),
    ({"track_buffer": 2.5}, TypeError),
    ({"conf_thres": float("nan")}, ValueError),
])
def test_bad_options_raise(kwargs, exc):
    with pytest.raises(exc):
        JDETracker(**kwargs)


def test_zero_height_boxes_are_ignored_other_degenerate_boxes_tracked_as_official():
    emb = np.eye(4, 16, dtype=np.float32)
    boxes = np.array([[10, 10, 50, 110], [200, 10, 190, 110], [400, 50, 460, 50], [600, 100, 640, 90]],
                     np.float32)
    scores = np.full(4, 0.9, np.float32)
    ours = JDETracker()
    res = ours.update(boxes, scores, emb)
    # row 2 has zero height; row 1 (negative width) and row 3 (negative height) are tracked
    assert sorted(res.det_index.tolist()) == [0, 1, 3]
    keep = [0, 1, 3]
    ref = ReferenceJDETracker()
    rres = ref.update(boxes[keep], scores[keep], emb[keep])
    np.testing.assert_allclose(np.sort(res.tlwh, axis=0), np.sort(rres.tlwh, axis=0), rtol=1e-9)
    for t in range(1, 6):
        shift = np.float32(3 * t)
        b = boxes.copy()
        b[:, [0, 2]] += shift
        res = ours.update(b, scores, emb)
        rres = ref.update(b[keep], scores[keep], emb[keep])
        assert len(res) == len(rres)
        np.testing.assert_allclose(res.tlwh, rres.tlwh, rtol=1e-6, atol=1e-6)


def _stream(seed, n_frames=200):
    return make_stream(seed, n_frames=n_frames, n_objects=15)


def test_two_trackers_in_two_threads_match_sequential_runs():
    streams = [_stream(10), _stream(11)]
    expected = [_run(JDETracker(), s) for s in streams]
    results = [None, None]
    barrier = threading.Barrier(2)

    def work(k):
        trk = JDETracker()
        barrier.wait()
        results[k] = _run(trk, streams[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        _same(results[k], expected[k])


def _longest_stall(call):
    """Run `call` in a worker thread while this thread keeps time-stamping.

    Returns the longest gap between this thread's stamps during the call, as a
    fraction of the call's duration: near 1 when the call holds the GIL (this
    thread cannot run), small when the call releases it."""
    import time

    stamps = []
    window = {}
    started = threading.Event()

    def worker():
        started.wait()
        window["start"] = time.perf_counter()
        call()
        window["end"] = time.perf_counter()

    th = threading.Thread(target=worker)
    th.start()
    started.set()
    while th.is_alive():
        stamps.append(time.perf_counter())
    th.join()
    lo, hi = window["start"], window["end"]
    assert hi - lo > 0.02, "native call too short for the check"
    inside = [lo] + [t for t in stamps if lo < t < hi] + [hi]
    return max(b - a for a, b in zip(inside, inside[1:])) / (hi - lo)


def test_update_releases_the_gil():
    rng = np.random.default_rng(5)
    n = 3000
    first = _frame(rng, n)
    second = (first[0] + np.float32(1.0), first[1], first[2])
    trk = JDETracker()
    trk.update(*first)
    assert _longest_stall(lambda: trk.update(*second)) < 0.5


def test_lapjv_releases_the_gil():
    cost = np.random.default_rng(6).random((1500, 1500))
    assert _longest_stall(lambda: tracking.lapjv(cost)) < 0.5


def _rss_kib():
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import resource

    return pages * resource.getpagesize() // 1024


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="needs /proc")
def test_memory_stays_flat_over_100k_frames_with_track_churn():
    # 1000 distinct frames replayed with a shifting offset: objects keep
    # appearing, getting lost and expiring, so tracks are created and freed
    # throughout the 100,000 frames.
    base = make_stream(21, n_frames=1000, n_objects=8, mean_lifetime=60.0)
    trk = JDETracker()
    n_frames = 100_000
    rss = {}
    max_live = 0
    for t in range(n_frames):
        boxes, scores, emb = base[t % 1000]
        if t // 1000 % 2:
            boxes = boxes + np.float32(400)  # jump: everything is lost, new tracks start
        trk.update(boxes, scores, emb)
        max_live = max(max_live, trk.num_tracked + trk.num_lost)
        if t in (20_000, n_frames - 1):
            gc.collect()
            rss[t] = _rss_kib()
    assert trk.frame_id == n_frames
    assert max_live < 200  # removed tracks are freed, the lists stay bounded
    assert rss[n_frames - 1] - rss[20_000] < 4096, rss  # KiB


# ------------------------------------------------------------------ argument rules (those of fairmot track)

@pytest.mark.parametrize("kwargs,exc", [
    ({"conf_thres": -1}, ValueError),
    ({"conf_thres": 1.0}, ValueError),
    ({"conf_thres": float("inf")}, ValueError),
    ({"conf_thres": True}, TypeError),
    ({"conf_thres": "0.4"}, TypeError),
    ({"conf_thres": None}, TypeError),
    ({"track_buffer": 0}, ValueError),
    ({"track_buffer": 2 ** 31}, ValueError),
    ({"track_buffer": True}, TypeError),
    ({"track_buffer": 30.0}, TypeError),
    ({"frame_rate": -25}, ValueError),
    ({"frame_rate": float("inf")}, ValueError),
    ({"frame_rate": False}, TypeError),
    ({"frame_rate": "30"}, TypeError),
    ({"association": "Byte"}, ValueError),
    ({"association": 1}, TypeError),
    ({"match_thres": -0.1}, ValueError),
    ({"match_thres": float("nan")}, ValueError),
    ({"low_thres": 1.5}, ValueError),
    ({"low_thres": np.True_}, TypeError),
])
def test_constructor_errors_name_the_argument_and_the_bad_value(kwargs, exc):
    (name, value), = kwargs.items()
    with pytest.raises(exc) as ei:
        JDETracker(**kwargs)
    assert str(ei.value).startswith(f"{name} must be ") and repr(value) in str(ei.value)


def test_constructor_accepts_numpy_scalars_and_range_edges():
    trk = JDETracker(conf_thres=np.float32(0.0), track_buffer=np.int64(1), frame_rate=np.int32(25),
                     match_thres=0, low_thres=0.0)
    assert (trk.conf_thres, trk.track_buffer, trk.frame_rate, trk.match_thres) == (0.0, 1, 25.0, 0.0)
    assert type(trk.track_buffer) is int and type(trk.frame_rate) is float
    assert JDETracker(conf_thres=0.999, track_buffer=2 ** 31 - 1).track_buffer == 2 ** 31 - 1


def test_constructor_and_cli_accept_the_same_conf_thres_and_track_buffer():
    import argparse

    from fairmot.cli import _positive_int, _track_buffer, _unit_float

    def accepted(call, *args, error: type[Exception], **kwargs) -> bool:
        try:
            call(*args, **kwargs)
        except error:
            return False
        return True

    for text in ["0", "0.4", "0.999", "1", "-1", "nan", "inf", "-0.0"]:
        cli_ok = accepted(_unit_float, text, error=argparse.ArgumentTypeError)
        assert accepted(JDETracker, conf_thres=float(text), error=ValueError) == cli_ok, text
    for text in ["1", "30", "0", "-3", str(2 ** 31 - 1), str(2 ** 31)]:
        cli_ok = accepted(_track_buffer, text, error=argparse.ArgumentTypeError)
        assert accepted(JDETracker, track_buffer=int(text), error=ValueError) == cli_ok, text
    assert _positive_int("3") == 3


# ------------------------------------------------------------------ max_time_lost saturation

INT_MAX = 2 ** 31 - 1


def test_max_time_lost_keeps_the_official_truncation_for_normal_frame_rates():
    for fps, buf in [(30, 30), (29.97, 30), (14, 30), (25, 60), (0.5, 1), (1e6, 30)]:
        assert JDETracker(frame_rate=fps, track_buffer=buf).max_time_lost == int(fps / 30.0 * buf)


def test_huge_frame_rate_saturates_max_time_lost_instead_of_overflowing():
    assert JDETracker(frame_rate=1e10).max_time_lost == INT_MAX
    assert JDETracker(frame_rate=1e300).max_time_lost == INT_MAX
    assert JDETracker(frame_rate=30, track_buffer=INT_MAX).max_time_lost == INT_MAX
    assert JDETracker(frame_rate=1.0, track_buffer=INT_MAX).max_time_lost == int(1.0 / 30.0 * INT_MAX)


def _lost_and_found(trk, gap):
    """One person at frame 1, nobody for ``gap`` frames, the same person again; returns
    (num_lost at the end of the gap, ids output when the person is back)."""
    box = np.array([[100.0, 100.0, 150.0, 220.0]])
    emb = np.eye(1, 16, dtype=np.float32)
    score = np.array([0.9])
    assert trk.update(box, score, emb).ids.tolist() == [1]
    empty = (np.zeros((0, 4)), np.zeros(0), np.zeros((0, 16), np.float32))
    for _ in range(gap):
        trk.update(*empty)
    return trk.num_lost, trk.update(box, score, emb).ids.tolist()


def test_huge_frame_rate_keeps_lost_tracks():
    assert _lost_and_found(JDETracker(frame_rate=1e10), 200) == (1, [1])  # found again, same id
    assert _lost_and_found(JDETracker(frame_rate=1e300), 200) == (1, [1])
    assert _lost_and_found(JDETracker(frame_rate=30), 200) == (0, [])  # expired: a new, unconfirmed track


# ------------------------------------------------------------------ state getters while update runs

def test_state_getters_from_another_thread_while_update_runs():
    rng = np.random.default_rng(11)
    frames = [_frame(rng, n=300, d=128) for _ in range(4)]
    trk = JDETracker()
    n_frames = 150
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[tuple[int, int, int, int, int]] = []

    def writer():
        try:
            for k in range(n_frames):
                trk.update(*frames[k % len(frames)])
                if k % 50 == 49:
                    trk.reset()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    def reader():
        try:
            while not stop.is_set():
                seen.append((trk.frame_id, trk.num_tracked, trk.num_lost, trk.max_time_lost, trk._core.feature_dim))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    assert seen, "the readers ran"
    for frame_id, n_tracked, n_lost, max_lost, dim in seen:
        assert 0 <= frame_id <= 50
        assert 0 <= n_tracked <= 4 * 300 and 0 <= n_lost <= 4 * 300  # a torn read would be wild
        assert max_lost == 30 and dim in (0, 128)
    assert trk.frame_id == n_frames % 50
