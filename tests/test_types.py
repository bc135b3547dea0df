"""Detections / Tracks: the types between the stages, validated at construction (checked against numpy)."""
from __future__ import annotations

import numpy as np
import pytest

from fairmot.tracker import FrameTracks, filter_tracks
from fairmot.tracking import Detections, JDETracker, Tracks


def _unit_rows(n: int, d: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_detections_normalise_dtypes_and_views():
    boxes = np.array([[10, 20, 30, 60], [0.5, 1.5, 2.5, 4.5]], np.float64)
    d = Detections(boxes, [0.9, 0.5], _unit_rows(2, 8))
    assert d.boxes.dtype == np.float32 and d.scores.dtype == np.float32 and d.embeddings.dtype == np.float32
    assert len(d) == 2 and d.dim == 8 and d.class_ids is None
    assert d.xyxy is d.boxes
    np.testing.assert_array_equal(d.tlwh, np.array([[10, 20, 20, 40], [0.5, 1.5, 2, 3]], np.float32))
    b, s, e = d  # the detector's old tuple
    assert b is d.boxes and s is d.scores and e is d.embeddings
    d2 = Detections(boxes, [0.9, 0.5], _unit_rows(2, 8), class_ids=[0, 3])
    assert d2.class_ids.dtype == np.int64 and d2.class_ids.tolist() == [0, 3]
    assert len(Detections.empty(128)) == 0 and Detections.empty(128).dim == 128
    assert len(Detections(np.zeros((0, 4)), [], [])) == 0
    # an all-zero embedding is what F.normalize leaves for a zero vector: accepted
    Detections(np.zeros((1, 4)), [0.5], np.zeros((1, 4)))


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(boxes=np.zeros((2, 3))), ValueError, r"boxes must have shape \(N, 4\)"),
    (dict(boxes=np.zeros(4)), ValueError, "boxes must have 2 dimension"),
    (dict(boxes=np.array([["a"] * 4] * 2)), TypeError, "boxes must hold real numbers"),
    (dict(boxes=np.ones((2, 4), bool)), TypeError, "boxes must hold real numbers"),
    (dict(boxes=np.ones((2, 4), complex)), TypeError, "boxes must hold real numbers"),
    (dict(boxes=np.full((2, 4), np.nan)), ValueError, "boxes must be finite"),
    (dict(boxes=np.full((2, 4), 1e300)), ValueError, "boxes must be finite.*float32"),
    (dict(scores=[0.5]), ValueError, r"scores must have shape \(2,\)"),
    (dict(scores=[0.5, np.inf]), ValueError, "scores must be finite"),
    (dict(embeddings=_unit_rows(3, 4)), ValueError, "embeddings must have 2 rows"),
    (dict(embeddings=np.full((2, 4), 3e38, np.float32)), ValueError, "embeddings must be finite|L2-normalised"),
    (dict(embeddings=2 * _unit_rows(2, 4)), ValueError, "row 0 has norm 2"),
    (dict(embeddings=np.zeros((2, 0))), ValueError, "at least one column"),
    (dict(class_ids=[0.5, 1.0]), TypeError, "class_ids must hold integers"),
    (dict(class_ids=[1, 2, 3]), ValueError, r"class_ids must have shape \(2,\)"),
])
def test_detections_reject_bad_arrays_naming_the_field(kwargs, error, match):
    args = dict(boxes=np.zeros((2, 4)), scores=[0.5, 0.6], embeddings=_unit_rows(2, 4))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        Detections(**args)


def test_tracks_views_and_selection():
    tlwh = np.array([[10.0, 20.0, 5.0, 10.0], [1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 2.0, 1.0]])
    t = Tracks(np.array([3, 1, 2], np.int32), tlwh, [0.9, 0.8, 0.7], det_index=[2, 0, 1])
    assert t.ids.dtype == np.int64 and t.tlwh.dtype == np.float64 and len(t) == 3
    ref = np.column_stack([tlwh[:, 0], tlwh[:, 1], tlwh[:, 0] + tlwh[:, 2], tlwh[:, 1] + tlwh[:, 3]])
    np.testing.assert_array_equal(t.xyxy, ref)
    s = t.select(np.array([True, False, True]))
    assert s.ids.tolist() == [3, 2] and s.det_index.tolist() == [2, 1] and s.scores.tolist() == [0.9, 0.7]
    assert FrameTracks is Tracks
    f = FrameTracks(t.ids, t.tlwh, t.scores)  # the old three-field form
    assert f.det_index is None and len(f) == 3


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(ids=[[1, 2]]), ValueError, r"ids must have shape \(M,\)"),
    (dict(ids=[1.5, 2.0]), TypeError, "ids must hold integers"),
    (dict(tlwh=np.zeros((2, 5))), ValueError, r"tlwh must have shape \(2, 4\)"),
    (dict(tlwh=np.full((2, 4), np.nan)), ValueError, "tlwh must be finite"),
    (dict(scores=[1.0]), ValueError, r"scores must have shape \(2,\)"),
    (dict(det_index=[0]), ValueError, r"det_index must have shape \(2,\)"),
    (dict(det_index=[0.0, 1.0]), TypeError, "det_index must hold integers"),
])
def test_tracks_reject_bad_arrays_naming_the_field(kwargs, error, match):
    args = dict(ids=[1, 2], tlwh=np.ones((2, 4)), scores=[0.5, 0.6])
    args.update(kwargs)
    with pytest.raises(error, match=match):
        Tracks(**args)


def test_filter_tracks_matches_a_direct_numpy_filter_and_keeps_det_index():
    rng = np.random.default_rng(1)
    tlwh = np.column_stack([rng.uniform(0, 100, 50), rng.uniform(0, 100, 50), rng.uniform(0, 30, 50),
                            rng.uniform(0, 30, 50)])
    ids, scores, det = np.arange(1, 51), rng.uniform(0, 1, 50), rng.permutation(50)
    out = filter_tracks(ids, tlwh, scores, det_index=det)
    keep = [i for i in range(50) if tlwh[i, 2] * tlwh[i, 3] > 100.0 and not tlwh[i, 2] / tlwh[i, 3] > 1.6]
    assert out.ids.tolist() == ids[keep].tolist() and out.det_index.tolist() == det[keep].tolist()


def test_jde_tracker_takes_detections_alone_with_the_same_result():
    boxes = np.array([[10, 10, 40, 100], [200, 50, 240, 150]], np.float32)
    scores = np.array([0.9, 0.8], np.float32)
    emb = _unit_rows(2, 16).astype(np.float32)
    a, b = JDETracker(), JDETracker()
    for k in range(3):
        shift = np.float32(2 * k)
        ra = a.update(boxes + shift, scores, emb)
        rb = b.update(Detections(boxes + shift, scores, emb))
        for x, y in zip(ra, rb):
            np.testing.assert_array_equal(x, y)
    with pytest.raises(TypeError, match="Detections alone"):
        a.update(Detections(boxes, scores, emb), scores)
    with pytest.raises(TypeError, match="needs boxes, scores and embeddings"):
        a.update(boxes)
