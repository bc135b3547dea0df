"""Multi-class association (issue 17): JDETracker.update(..., class_ids).

The reference is written here: one official-behaviour tracker per class, fed only that class's
detections, merged frame by frame. Two references are used: separate instances of our own
single-class tracker (boxes must then agree bit for bit) and the independent numpy
reference tracker of tests/reference_tracker.py (boxes to its tolerance).
"""
from __future__ import annotations

import numpy as np
import pytest

import fairmot
import fairmot.tracking as tracking
from reference_tracker import ReferenceJDETracker  # noqa: E402
from streams import make_stream  # noqa: E402

JDETracker = tracking.JDETracker


def _multiclass_stream(seed: int, n_frames: int = 60, n_objects: int = 8):
    """Frames (boxes, scores, embeddings, class_ids) with three classes, rows shuffled.

    Class 1 is a near copy of class 0 (boxes shifted by 2 px, the same embeddings): a tracker
    that matched across classes would swap them. Class 2 is an independent stream.
    """
    rng = np.random.default_rng(seed)
    a = make_stream(seed, n_frames=n_frames, n_objects=n_objects, width=800, height=600)
    c = make_stream(seed + 1000, n_frames=n_frames, n_objects=n_objects // 2, width=800, height=600)
    frames = []
    for (b0, s0, e0), (b2, s2, e2) in zip(a, c):
        b1 = np.asarray(b0, np.float64) + 2.0
        s1 = np.clip(np.asarray(s0) + rng.normal(0, 0.02, len(s0)), 0.0, 1.0)
        boxes = np.concatenate([b0, b1, b2]).astype(np.float32)
        scores = np.concatenate([s0, s1, s2]).astype(np.float32)
        emb = np.concatenate([e0, e0, e2]).astype(np.float32)
        cls = np.concatenate([np.zeros(len(b0)), np.ones(len(b1)), np.full(len(b2), 2)]).astype(np.int64)
        order = rng.permutation(len(cls))
        frames.append((boxes[order], scores[order], emb[order], cls[order]))
    return frames


def _check_against_per_class(frames, make_reference, exact: bool, **kwargs):
    ours = JDETracker(**kwargs)
    refs: dict[int, object] = {}
    relabel: dict[tuple[int, int], int] = {}  # (class, reference id) -> our id
    next_id = 1
    classes = sorted({int(k) for f in frames for k in f[3]})
    for c in classes:
        refs[c] = make_reference(**kwargs)
    n_out = 0
    for t, (b, s, e, k) in enumerate(frames, start=1):
        r = ours.update(b, s, e, class_ids=k)
        assert r.class_ids.shape == r.ids.shape and r.class_ids.dtype == np.int64
        # ids unique across classes, consecutive in output order
        assert len(set(r.ids.tolist())) == len(r.ids)
        for i in r.ids.tolist():
            if i >= next_id:
                assert i == next_id, f"frame {t}: id {i} before {next_id}"
                next_id += 1
        # every output's class is that of its detection row
        np.testing.assert_array_equal(r.class_ids, k[r.det_index])
        n_out += len(r.ids)
        for c in classes:
            rows = np.flatnonzero(k == c)
            q = refs[c].update(b[rows], s[rows], e[rows])
            mine = r.class_ids == c
            assert int(mine.sum()) == len(q.ids), f"frame {t} class {c}: {int(mine.sum())} vs {len(q.ids)} tracks"
            np.testing.assert_array_equal(r.det_index[mine], rows[q.det_index], err_msg=f"frame {t} class {c}")
            for our_id, ref_id in zip(r.ids[mine].tolist(), q.ids.tolist()):
                assert relabel.setdefault((c, ref_id), our_id) == our_id, f"frame {t} class {c}: identity differs"
            if exact:
                np.testing.assert_array_equal(r.tlwh[mine], q.tlwh)
                np.testing.assert_array_equal(r.scores[mine], q.scores)
            else:
                np.testing.assert_allclose(r.tlwh[mine], q.tlwh, rtol=1e-6, atol=1e-6)
                np.testing.assert_allclose(r.scores[mine], q.scores, rtol=1e-6, atol=1e-6)
    # the relabelling is a bijection: no two (class, reference id) share one of our ids
    assert len(set(relabel.values())) == len(relabel)
    assert n_out > 0
    return ours


@pytest.mark.parametrize("association", ["default", "byte"])
def test_equals_one_tracker_per_class_bit_for_bit(association):
    frames = _multiclass_stream(3, n_frames=80)
    _check_against_per_class(frames, JDETracker, exact=True, association=association)


def test_equals_the_independent_reference_per_class():
    frames = _multiclass_stream(11, n_frames=40, n_objects=6)
    _check_against_per_class(frames, ReferenceJDETracker, exact=False)


def test_the_stream_would_cross_classes_without_class_ids():
    """The check above has teeth: ignoring the classes gives another result on this stream."""
    frames = _multiclass_stream(3, n_frames=80)
    with_cls, without = JDETracker(), JDETracker()
    differs = False
    for b, s, e, k in frames:
        r1 = with_cls.update(b, s, e, class_ids=k)
        r2 = without.update(b, s, e)
        if len(r1.ids) != len(r2.ids) or not np.array_equal(r1.det_index, r2.det_index):
            differs = True
    assert differs


def test_none_or_one_class_is_bit_identical_to_single_class():
    frames = make_stream(5, n_frames=60, n_objects=10)
    a, b, c = JDETracker(), JDETracker(), JDETracker()
    for bx, sc, em in frames:
        ra = a.update(bx, sc, em)
        rb = b.update(bx, sc, em, class_ids=np.full(len(sc), 4, np.int64))
        rc = c.update(tracking.Detections(bx, sc, em))
        for r in (rb, rc):
            np.testing.assert_array_equal(ra.ids, r.ids)
            np.testing.assert_array_equal(ra.tlwh, r.tlwh)
            np.testing.assert_array_equal(ra.scores, r.scores)
            np.testing.assert_array_equal(ra.det_index, r.det_index)
        assert (ra.class_ids == 0).all() and (rb.class_ids == 4).all()


def test_detections_carry_class_ids():
    frames = _multiclass_stream(7, n_frames=10)
    a, b = JDETracker(), JDETracker()
    for bx, sc, em, k in frames:
        ra = a.update(bx, sc, em, class_ids=k)
        rb = b.update(tracking.Detections(bx, sc, em, class_ids=k))
        np.testing.assert_array_equal(ra.ids, rb.ids)
        np.testing.assert_array_equal(ra.class_ids, rb.class_ids)


@pytest.mark.parametrize("bad, exc, message", [
    (lambda n: np.zeros(n + 1, np.int64), ValueError, "class_ids must have shape"),
    (lambda n: np.zeros((n, 1), np.int64), ValueError, "class_ids must have shape"),
    (lambda n: np.full(n, -1, np.int64), ValueError, "non-negative"),
    (lambda n: np.full(n, np.nan), ValueError, "NaN"),
    (lambda n: np.zeros(n, np.float32), TypeError, "integers"),
    (lambda n: np.zeros(n, bool), TypeError, "integers"),
    (lambda n: ["a"] * n, TypeError, "integers"),
])
def test_bad_class_ids_raise_and_keep_the_state(bad, exc, message):
    frames = _multiclass_stream(9, n_frames=12)
    trk, ref = JDETracker(), JDETracker()
    for t, (b, s, e, k) in enumerate(frames):
        if t == 6:
            before = (trk.frame_id, trk.num_tracked, trk.num_lost)
            with pytest.raises(exc, match=message):
                trk.update(b, s, e, class_ids=bad(len(s)))
            assert (trk.frame_id, trk.num_tracked, trk.num_lost) == before
        r1 = trk.update(b, s, e, class_ids=k)
        r2 = ref.update(b, s, e, class_ids=k)
        np.testing.assert_array_equal(r1.ids, r2.ids)
        np.testing.assert_array_equal(r1.tlwh, r2.tlwh)


def test_native_binding_rejects_bad_class_ids_itself():
    """The extension checks too (callers that bypass the Python wrapper)."""
    core = fairmot._tracker.JDETracker()
    b = np.array([[0, 0, 10, 20]], np.float32)
    s = np.array([0.9], np.float32)
    e = np.ones((1, 4), np.float32) / 2
    with pytest.raises(ValueError, match="non-negative"):
        core.update(b, s, e, np.array([-3], np.int64))
    with pytest.raises(TypeError, match="integer dtype"):
        core.update(b, s, e, np.array([0.5]))
    with pytest.raises(ValueError, match="shape"):
        core.update(b, s, e, np.array([0, 1], np.int64))
    assert core.frame_id == 0


def test_tracker_output_carries_class_ids():
    from fairmot.tracker import filter_tracks

    frames = _multiclass_stream(2, n_frames=5)
    trk = JDETracker()
    for b, s, e, k in frames:
        r = trk.update(b, s, e, class_ids=k)
    out = filter_tracks(r.ids, r.tlwh, r.scores, 0.0, np.inf, r.det_index, r.class_ids)
    np.testing.assert_array_equal(out.class_ids, r.class_ids)
