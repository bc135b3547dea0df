"""Camera-motion compensation in the tracker core: JDETracker.update(..., warp=A) and warp_state.

References: the transformation written out in numpy float64 here (centre by the full affine,
aspect kept, height by sqrt(|det L|), velocities by the linear part, covariance M P M^T), and the
numpy transcription of the official tracker (tests/reference_tracker.py) whose tracks are moved by
that numpy transformation before each frame.
"""
from __future__ import annotations

import numpy as np
import pytest

from fairmot.tracking import JDETracker, KalmanFilter, warp_state
from reference_tracker import ReferenceJDETracker
from streams import make_stream


def ref_warp(mean: np.ndarray, cov: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The documented transformation, float64, one state."""
    A = np.asarray(A, dtype=np.float64)
    L, t = A[:, :2], A[:, 2]
    s = np.sqrt(abs(np.linalg.det(L)))
    M = np.zeros((8, 8))
    for b in (0, 4):
        M[b:b + 2, b:b + 2] = L
        M[b + 2, b + 2] = 1.0
        M[b + 3, b + 3] = s
    m = M @ mean
    m[:2] += t
    return m, M @ cov @ M.T


def random_warp(rng: np.random.Generator, shift: float = 4.0, angle_deg: float = 0.6, scale: float = 0.01,
                shear: float = 0.0) -> np.ndarray:
    a = np.deg2rad(rng.uniform(-angle_deg, angle_deg))
    k = 1.0 + rng.uniform(-scale, scale)
    L = k * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    L = L @ np.array([[1.0, rng.uniform(-shear, shear)], [0.0, 1.0]])
    return np.hstack([L, rng.uniform(-shift, shift, size=(2, 1))])


def random_states(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    kf = KalmanFilter()
    z = np.column_stack([rng.uniform(0, 1920, n), rng.uniform(0, 1080, n), rng.uniform(0.3, 0.6, n),
                         rng.uniform(40, 300, n)])
    mean, cov = kf.initiate(z)
    mean[:, 4:] = rng.normal(0, 3, size=(n, 4))
    for _ in range(3):  # correlated covariances
        mean, cov = kf.predict(mean, cov)
    return mean, cov


@pytest.mark.parametrize("shear", [0.0, 0.05])
def test_warp_state_matches_numpy_reference(shear):
    rng = np.random.default_rng(0)
    mean, cov = random_states(rng, 40)
    for _ in range(20):
        A = random_warp(rng, shift=30.0, angle_deg=5.0, scale=0.1, shear=shear)
        m2, c2 = warp_state(mean, cov, A)
        for i in range(len(mean)):
            rm, rc = ref_warp(mean[i], cov[i], A)
            np.testing.assert_allclose(m2[i], rm, rtol=1e-13, atol=1e-9)
            np.testing.assert_allclose(c2[i], rc, rtol=1e-12, atol=1e-9)
        assert np.array_equal(c2, np.swapaxes(c2, 1, 2))  # exactly symmetric
        # one state in, one state out
        m1, c1 = warp_state(mean[3], cov[3], A)
        assert np.array_equal(m1, m2[3]) and np.array_equal(c1, c2[3])


def test_warp_state_pure_translation_and_identity():
    rng = np.random.default_rng(1)
    mean, cov = random_states(rng, 5)
    A = np.array([[1.0, 0.0, 12.5], [0.0, 1.0, -3.0]])
    m2, c2 = warp_state(mean, cov, A)
    assert np.array_equal(m2[:, 2:], mean[:, 2:]) and np.array_equal(c2, cov)
    assert np.array_equal(m2[:, :2], mean[:, :2] + [12.5, -3.0])
    m3, c3 = warp_state(mean, cov, np.eye(2, 3))
    assert np.array_equal(m3, mean) and np.array_equal(c3, cov)


def test_warp_state_scale_changes_height_not_aspect():
    rng = np.random.default_rng(2)
    mean, cov = random_states(rng, 3)
    A = np.array([[1.25, 0.0, 0.0], [0.0, 1.25, 0.0]])
    m2, _ = warp_state(mean, cov, A)
    np.testing.assert_allclose(m2[:, 3], 1.25 * mean[:, 3])
    assert np.array_equal(m2[:, 2], mean[:, 2])


def _frames(seed: int, n_frames: int):
    return make_stream(seed, n_frames=n_frames, n_objects=12)


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("association", ["default", "byte"])
def test_warp_none_and_identity_are_bit_identical(seed, association):
    a = JDETracker(association=association)
    b = JDETracker(association=association)
    c = JDETracker(association=association)
    identity = np.eye(2, 3)
    for boxes, scores, emb in _frames(seed, 250):
        ra = a.update(boxes, scores, emb)
        rb = b.update(boxes, scores, emb, warp=None)
        rc = c.update(boxes, scores, emb, warp=identity)
        for r in (rb, rc):
            for x, y in zip(ra, r):
                assert np.array_equal(x, y)


@pytest.mark.parametrize("seed", [5, 6])
def test_tracker_with_warp_matches_reference_with_numpy_warp(seed):
    """Over a whole stream with a random camera motion every frame, our tracker with warp=A equals the
    official tracker's transcription whose tracked and lost tracks are moved by the numpy transform."""
    rng = np.random.default_rng(seed)
    ours = JDETracker()
    ref = ReferenceJDETracker()
    relabel: dict[int, int] = {}
    outputs = 0
    for t, (boxes, scores, emb) in enumerate(_frames(seed, 250), start=1):
        A = random_warp(rng) if t > 1 else np.eye(2, 3)
        for trk in ref.tracked_stracks + ref.lost_stracks:
            trk.mean, trk.covariance = ref_warp(trk.mean, trk.covariance, A)
        r = ours.update(boxes, scores, emb, warp=A)
        q = ref.update(boxes, scores, emb)
        for rid in q.ids.tolist():
            relabel.setdefault(rid, len(relabel) + 1)
        assert np.array_equal(r.det_index, q.det_index), t
        assert np.array_equal(r.ids, [relabel[i] for i in q.ids.tolist()]), t
        np.testing.assert_allclose(r.tlwh, q.tlwh, rtol=1e-6, atol=1e-6)
        outputs += len(r)
    assert outputs > 500


def test_warp_moves_lost_tracks_so_a_panned_person_keeps_the_id():
    """A still person is missed for 10 frames while the camera pans 25 px per frame: with the warp the
    lost track moves to where the person reappears (same id); without, it stays behind (new id)."""
    emb = np.zeros((1, 16), np.float32)
    emb[0, 0] = 1.0

    def run(use_warp: bool) -> list[int]:
        trk = JDETracker()
        ids = []
        x = 400.0
        for t in range(40):
            panning = 10 <= t < 20
            if panning:
                x += 25.0  # the camera pans left: the scene moves right in the image
            A = np.array([[1.0, 0.0, 25.0 if panning else 0.0], [0.0, 1.0, 0.0]]) if use_warp else None
            if panning:
                r = trk.update(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 16), np.float32),
                               warp=A)
            else:
                box = np.array([[x, 300.0, x + 60.0, 450.0]], np.float32)
                r = trk.update(box, np.array([0.9], np.float32), emb, warp=A)
            ids.extend(r.ids.tolist())
        return ids

    assert set(run(True)) == {1}
    assert set(run(False)) == {1, 2}


@pytest.mark.parametrize("warp, exc, words", [
    (np.eye(3), ValueError, "shape (2, 3)"),
    (np.zeros(6), ValueError, "shape (2, 3)"),
    (np.array([[1.0, 0.0, np.nan], [0.0, 1.0, 0.0]]), ValueError, "finite"),
    (np.array([[1.0, 0.0, np.inf], [0.0, 1.0, 0.0]]), ValueError, "finite"),
    (np.zeros((2, 3)), ValueError, "det"),
    (np.array([[4.0, 0.0, 0.0], [0.0, 0.25, 0.0]]), ValueError, "+-2"),
    (np.array([[1.8, 0.0, 0.0], [0.0, 1.8, 0.0]]), ValueError, "det"),
    (np.array([[1.0, 0.0, 1e60], [0.0, 1.0, 0.0]]), ValueError, "translation"),
    (np.array([["a", "b", "c"], ["d", "e", "f"]]), TypeError, "warp"),
    ([[True, False, False], [False, True, False]], TypeError, "warp"),
])
def test_bad_warp_raises_and_keeps_state(warp, exc, words):
    frames = _frames(7, 60)
    a, b = JDETracker(reid_buffer=100), JDETracker(reid_buffer=100)
    for boxes, scores, emb in frames[:40]:
        a.update(boxes, scores, emb)
        b.update(boxes, scores, emb)
    boxes, scores, emb = frames[40]
    with pytest.raises(exc, match="warp") as info:
        a.update(boxes, scores, emb, warp=warp)
    assert words in str(info.value)
    assert a.frame_id == b.frame_id == 40
    for boxes, scores, emb in frames[40:]:
        for x, y in zip(a.update(boxes, scores, emb), b.update(boxes, scores, emb)):
            assert np.array_equal(x, y)


def test_native_binding_rejects_bad_warp_too():
    import fairmot._tracker as native

    core = native.JDETracker()
    with pytest.raises(ValueError, match="finite"):
        core.update(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 4)), None, np.array([[1.0, 0, 0], [0, 1, np.nan]]))
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        core.update(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 4)), None, np.ones((3, 2)))
    assert core.frame_id == 0
