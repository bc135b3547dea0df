"""Sanity tests of the NumPy reference tracker (tests/reference_tracker.py) against
docs/official_behaviour.md §4."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import reference_tracker as R
from reference_tracker import KalmanFilter, ReferenceJDETracker, bbox_ious, linear_assignment
from streams import make_dense_stream, make_scenarios, make_stream

SCENARIOS = make_scenarios()


def _unit(v):
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def _run(trk, frames):
    return [trk.update(*f) for f in frames]


# ------------------------------------------------------------------------------- primitives
def test_bbox_ious_spec_examples():
    iou = bbox_ious(np.array([[0, 0, 9, 9]]), np.array([[10, 0, 19, 9], [9, 0, 18, 9], [0, 0, 9, 9]]))
    assert iou[0, 0] == 0.0
    assert iou[0, 1] == pytest.approx(10 / 190, abs=1e-15)
    assert iou[0, 2] == 1.0
    z = np.array([[5.0, 5.0, 5.0, 5.0]])
    assert bbox_ious(z, z)[0, 0] == 1.0  # zero-size boxes: +1 convention
    assert bbox_ious(np.zeros((0, 4)), z).shape == (0, 1)


def _padded_optimum(C, thresh):
    """Generic solver on the padded formulation of §4.6."""
    n, m = C.shape
    big = 1e9
    P = np.zeros((n + m, n + m))
    P[:n, :m] = np.where(np.isfinite(C), C, big)
    P[:n, m:] = big
    P[n:, :m] = big
    P[np.arange(n), m + np.arange(n)] = thresh / 2
    P[n + np.arange(m), np.arange(m)] = thresh / 2
    r, c = scipy.optimize.linear_sum_assignment(P)
    return sorted((i, j) for i, j in zip(r, c) if i < n and j < m)


def test_linear_assignment_thresholded_optimum():
    rng = np.random.default_rng(0)
    for k in range(400):
        n, m = rng.integers(1, 8, 2)
        C = rng.uniform(0, 1, (n, m))
        if k % 2:
            C[rng.random((n, m)) < 0.3] = np.inf
        th = [0.4, 0.5, 0.7][k % 3]
        matches, ua, ub = linear_assignment(C.copy(), th)
        assert sorted(matches) == _padded_optimum(C, th)
        assert all(C[i, j] <= th for i, j in matches)
        assert sorted(ua + [i for i, _ in matches]) == list(range(n))
        assert sorted(ub + [j for _, j in matches]) == list(range(m))


def test_linear_assignment_is_not_hungarian_then_filter():
    # Hungarian on the full matrix: (0,1)+(1,0) = 0.6 beats 10.0, both pairs are <= 0.5.
    # The thresholded problem maximises sum(thresh - c): 0.2 + 0.2 = 0.4 < 0.5 for (0,0) alone.
    C = np.array([[0.0, 0.3], [0.3, 10.0]])
    r, c = scipy.optimize.linear_sum_assignment(C)
    assert sorted(zip(r.tolist(), c.tolist())) == [(0, 1), (1, 0)]
    matches, ua, ub = linear_assignment(C, 0.5)
    assert matches == [(0, 0)] and ua == [1] and ub == [1]


def test_linear_assignment_prefers_thresholded_optimum():
    C = np.array([[0.45, 0.9], [0.0, 0.35]])
    matches, ua, ub = linear_assignment(C, 0.5)
    assert matches == _padded_optimum(C, 0.5)
    assert linear_assignment(np.array([[0.41]]), 0.4)[0] == []
    assert linear_assignment(np.array([[0.39]]), 0.4)[0] == [(0, 0)]
    assert linear_assignment(np.array([[np.inf, 0.1]]), 0.4)[0] == [(0, 1)]
    m, ua, ub = linear_assignment(np.zeros((0, 3)), 0.4)
    assert m == [] and ua == [] and ub == [0, 1, 2]
    m, ua, ub = linear_assignment(np.zeros((2, 0)), 0.4)
    assert m == [] and ua == [0, 1] and ub == []


def test_kalman_against_textbook_formulas():
    kf = KalmanFilter()
    z = np.array([100.0, 200.0, 0.4, 150.0])
    mean, P = kf.initiate(z)
    assert np.allclose(np.sqrt(np.diag(P)), [15, 15, 1e-2, 15, 150 / 16, 150 / 16, 1e-5, 150 / 16])
    F = np.eye(8) + np.eye(8, k=4)
    m2, P2 = kf.predict(mean, P)
    h = mean[3]
    Q = np.diag(np.square([h / 20, h / 20, 1e-2, h / 20, h / 160, h / 160, 1e-5, h / 160]))
    assert np.allclose(m2, F @ mean) and np.allclose(P2, F @ P @ F.T + Q)
    H = np.eye(4, 8)
    zz = np.array([103.0, 198.0, 0.41, 152.0])
    m3, P3 = kf.update(m2, P2, zz)
    Rm = np.diag(np.square([m2[3] / 20, m2[3] / 20, 0.1, m2[3] / 20]))
    S = H @ P2 @ H.T + Rm
    K = P2 @ H.T @ np.linalg.inv(S)
    assert np.allclose(m3, m2 + K @ (zz - H @ m2), rtol=1e-12)
    assert np.allclose(P3, P2 - K @ S @ K.T, rtol=1e-10, atol=1e-12)
    d = kf.gating_distance(m2, P2, np.stack([zz, z]))
    ref = [(x - H @ m2) @ np.linalg.inv(S) @ (x - H @ m2) for x in (zz, z)]
    assert np.allclose(d, ref, rtol=1e-10)


# ------------------------------------------------------------------------------- tracker basics
def test_frame1_outputs_every_kept_detection():
    rng = np.random.default_rng(1)
    boxes = np.array([[10, 20, 50, 120], [300, 40, 340, 150], [600, 60, 650, 200], [900, 0, 930, 80]],
                     np.float32)
    scores = np.array([0.9, np.float32(0.4), 0.41, 0.2], np.float32)  # exactly 0.4 is dropped
    emb = _unit(rng.standard_normal((4, 128)))
    trk = ReferenceJDETracker()
    r = trk.update(boxes, scores, emb)
    assert trk.frame_id == 1
    assert r.ids.tolist() == [1, 2] and r.det_index.tolist() == [0, 2]
    exp = boxes[[0, 2]].copy()
    exp[:, 2:] -= exp[:, :2]
    assert np.allclose(r.tlwh, exp.astype(np.float64), rtol=0, atol=1e-9)
    assert r.scores.tolist() == [float(np.float32(0.9)), float(np.float32(0.41))]
    assert r.tlwh.dtype == np.float64 and r.scores.dtype == np.float64


def test_empty_frames():
    trk = ReferenceJDETracker()
    for _ in range(3):
        r = trk.update(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 128), np.float32))
        assert len(r) == 0 and r.tlwh.shape == (0, 4)
    assert trk.frame_id == 3
    box = np.array([[10, 10, 50, 110]], np.float32)
    e = _unit(np.ones((1, 128)))
    r = trk.update(box, np.array([0.9], np.float32), e)
    assert len(r) == 0, "frame 4 is not frame 1: the new track is unconfirmed"
    r = trk.update(box, np.array([0.9], np.float32), e)
    assert r.ids.tolist() == [1]
    r = trk.update(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 128), np.float32))
    assert len(r) == 0 and len(trk.lost_stracks) == 1


def test_steady_object_keeps_its_id_for_100_frames():
    rng = np.random.default_rng(2)
    base = rng.standard_normal(128)
    trk = ReferenceJDETracker()
    for t in range(100):
        x = 100 + 4.0 * t
        b = np.array([[x, 200, x + 50, 330]], np.float32)
        e = _unit(base + 0.3 * rng.standard_normal(128) / np.sqrt(128))[None]
        r = trk.update(b, np.array([0.8], np.float32), e)
        assert r.ids.tolist() == [1]
        assert np.allclose(r.tlwh[0], [x, 200, 50, 130], atol=2.0)
    assert trk._id_count == 1


def test_ids_have_gaps_and_reset():
    fr = make_stream(3, n_frames=120)
    trk = ReferenceJDETracker()
    seen = set()
    for f in fr:
        seen |= set(trk.update(*f).ids.tolist())
    assert trk._id_count > len(seen), "unconfirmed tracks that die consume ids"
    trk.reset()
    assert trk.frame_id == 0 and trk._id_count == 0
    assert trk.update(*fr[0]).ids.tolist()[:1] == [1]


def test_float64_input_is_close_to_float32():
    fr = make_stream(4, n_frames=60)
    a, b = ReferenceJDETracker(), ReferenceJDETracker()
    for bx, s, e in fr:
        ra = a.update(bx, s, e)
        rb = b.update(bx.astype(np.float64), s.astype(np.float64), e.astype(np.float64))
        assert ra.ids.tolist() == rb.ids.tolist()
        assert np.allclose(ra.tlwh, rb.tlwh, rtol=1e-5, atol=1e-3)


def test_max_time_lost_follows_frame_rate():
    assert ReferenceJDETracker(frame_rate=30).max_time_lost == 30
    assert ReferenceJDETracker(frame_rate=25).max_time_lost == 25
    assert ReferenceJDETracker(frame_rate=10).max_time_lost == 10
    assert ReferenceJDETracker(frame_rate=14).max_time_lost == 14
    assert ReferenceJDETracker(frame_rate=30, track_buffer=60).max_time_lost == 60


def test_lost_tracks_are_not_recovered_by_iou():
    rng = np.random.default_rng(5)
    box = np.array([[400, 300, 460, 450]], np.float32)
    e1, e2 = _unit(rng.standard_normal((2, 128)))
    trk = ReferenceJDETracker()
    for _ in range(5):
        assert trk.update(box, np.array([0.9], np.float32), e1[None]).ids.tolist() == [1]
    trk.update(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 128), np.float32))
    # same box, different appearance: stage 1 fails, stage 2 does not try lost tracks
    r = trk.update(box, np.array([0.9], np.float32), e2[None])
    assert len(r) == 0 and trk.lost_stracks[0].track_id == 1


# ------------------------------------------------------------------------------- scenarios
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    sc = SCENARIOS[name]
    trk = ReferenceJDETracker(**sc.tracker_kwargs)
    sc.check(_run(trk, sc.frames), sc)


def test_gap_plus_1_is_refound_from_removed_state():
    sc = SCENARIOS["gap_max_time_lost_plus_1"]
    trk = ReferenceJDETracker()
    for f in sc.frames[:41]:
        trk.update(*f)
    lost = trk.lost_stracks
    assert len(lost) == 1 and lost[0].state == R.TrackState.Removed, "§4.8: removed but still listed"
    assert lost[0] in trk.removed_stracks
    trk.update(*sc.frames[41])
    assert trk.tracked_stracks[-1].track_id == lost[0].track_id  # re-found goes to the end


@pytest.mark.parametrize("name", ["duplicate_new_over_lost", "duplicate_lost_dropped"])
def test_duplicate_scenarios_depend_on_duplicate_removal(name, monkeypatch):
    sc = SCENARIOS[name]
    monkeypatch.setattr(R, "remove_duplicate_tracks", lambda a, b: (a, b))
    with pytest.raises(AssertionError):
        sc.check(_run(ReferenceJDETracker(**sc.tracker_kwargs), sc.frames), sc)


# ------------------------------------------------------------------------------- streams
def test_streams_are_seeded_and_well_formed():
    a = make_stream(7, n_frames=40)
    b = make_stream(7, n_frames=40)
    for (b1, s1, e1), (b2, s2, e2) in zip(a, b):
        assert np.array_equal(b1, b2) and np.array_equal(s1, s2) and np.array_equal(e1, e2)
        assert b1.dtype == s1.dtype == e1.dtype == np.float32
        assert b1.shape == (len(s1), 4) and e1.shape == (len(s1), 128)
        if len(s1):
            assert np.allclose(np.linalg.norm(e1, axis=1), 1, atol=1e-5)
            assert np.all(b1[:, 2] > b1[:, 0]) and np.all(b1[:, 3] > b1[:, 1])
    d = make_dense_stream(0, 50, n_frames=5)
    assert all(len(s) == 50 for _, s, _ in d)


def test_stream_exercises_the_tracker_paths(monkeypatch):
    """Realistic streams should contain re-finds (also from the Removed state), expiries,
    duplicate removals and unconfirmed tracks that die."""
    counts = {"refind": 0, "refind_removed": 0, "dup": 0}
    orig_re, orig_dup = R.RefTrack.re_activate, R.remove_duplicate_tracks

    def re(self, kf, det, frame_id, update_score):
        counts["refind"] += 1
        counts["refind_removed"] += self.state == R.TrackState.Removed
        return orig_re(self, kf, det, frame_id, update_score)

    def dup(a, b):
        ra, rb = orig_dup(a, b)
        counts["dup"] += len(a) + len(b) - len(ra) - len(rb)
        return ra, rb

    monkeypatch.setattr(R.RefTrack, "re_activate", re)
    monkeypatch.setattr(R, "remove_duplicate_tracks", dup)
    removed = 0
    for seed in range(2):
        trk = ReferenceJDETracker()
        for f in make_stream(seed, n_frames=250):
            trk.update(*f)
        removed += len(trk.removed_stracks)
    assert counts["refind"] > 100 and counts["dup"] > 5 and removed > 50
    assert counts["refind_removed"] >= 1
