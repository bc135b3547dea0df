"""Long-gap re-identification in the tracker core (JDETracker(reid_buffer=..., reid_thres=...)).

The reference is a numpy / scipy transcription of the documented gallery rule, written here: cosine
distance of the embeddings (scipy cdist), the plausibility gate (time gap, distance to the
constant-velocity path, size ratio, class) and one thresholded optimal assignment solved with
scipy's linear_sum_assignment on the usual augmented matrix (unmatched row or column = thres / 2).
It is fed the gallery the tracker holds just before the frame (JDETracker.reid_gallery()) and the
frame's detections; crafted sequences make every detection of that frame a would-be new track.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from fairmot.config import TrackerConfig
from fairmot.tracking import JDETracker
from streams import make_stream

CFG = TrackerConfig()
DIM = 16


# ---------------------------------------------------------------- the reference rule

def ref_plausible(mean: np.ndarray, last_seen: int, removed: int, xyah: np.ndarray, frame: int, fps: float) -> bool:
    hl, hd = float(mean[3]), float(xyah[3])
    if not (hl > 0 and hd > 0):
        return False
    if max(hd / hl, hl / hd) > CFG.reid_max_size_ratio:
        return False
    gap = frame - last_seen
    v = np.asarray(mean[4:6], dtype=np.float64)
    p0 = np.asarray(mean[:2], dtype=np.float64) - v * (removed - last_seen)  # where it was last seen
    d = v * gap  # the constant-velocity path p0 + tau * d, tau in [0, 1]
    q = np.asarray(xyah[:2], dtype=np.float64) - p0
    tau = float(np.clip(q @ d / (d @ d), 0.0, 1.0)) if d @ d > 0 else 0.0
    dist = float(np.linalg.norm(q - tau * d))
    return dist <= 0.5 * (hl + hd) * (CFG.reid_base_distance + CFG.reid_max_speed * gap / fps)


def ref_match(gallery: dict, frame: int, xyah: np.ndarray, feats: np.ndarray, cls: np.ndarray, thres: float,
              fps: float, max_frames: int) -> dict[int, int]:
    """{detection row: gallery id} by the documented rule, entries older than max_frames dropped first."""
    keep = frame - gallery["removed"] <= max_frames
    gallery = {k: v[keep] for k, v in gallery.items()}
    n, m = len(gallery["ids"]), len(xyah)
    if n == 0 or m == 0:
        return {}
    cost = np.maximum(0.0, cdist(gallery["features"].astype(np.float64), feats.astype(np.float64), "cosine"))
    allowed = np.zeros((n, m), dtype=bool)
    for i in range(n):
        for j in range(m):
            allowed[i, j] = gallery["class_ids"][i] == cls[j] and ref_plausible(
                gallery["mean"][i], gallery["last_seen"][i], gallery["removed"][i], xyah[j], frame, fps)
    big = np.full((n + m, m + n), thres / 2.0)
    big[:n, :m] = np.where(allowed, cost, 1e9)
    big[n:, m:] = 0.0
    rows, cols = linear_sum_assignment(big)
    out = {}
    for i, j in zip(rows, cols):
        if i < n and j < m and allowed[i, j] and cost[i, j] <= thres:
            out[int(j)] = int(gallery["ids"][i])
    return out


# ---------------------------------------------------------------- crafted scenes

def unit(*v: float) -> np.ndarray:
    e = np.zeros(DIM)
    e[:len(v)] = v
    return (e / np.linalg.norm(e)).astype(np.float32)


class Scene:
    """A scripted stream: people given by (first frame, last frame, path(t) -> (cx, cy, h), embedding,
    class), visible in frames where visible(t) is true."""

    def __init__(self) -> None:
        self.people: list[dict] = []

    def add(self, path, emb, visible, cls=0) -> None:
        self.people.append({"path": path, "emb": emb, "visible": visible, "cls": cls})

    def frame(self, t: int):
        boxes, feats, cls = [], [], []
        for p in self.people:
            if p["visible"](t):
                cx, cy, h = p["path"](t)
                w = 0.4 * h
                boxes.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                feats.append(p["emb"])
                cls.append(p["cls"])
        return (np.asarray(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.9, np.float32),
                np.asarray(feats, np.float32).reshape(-1, DIM), np.asarray(cls, np.int64))


def xyah_of(boxes: np.ndarray) -> np.ndarray:
    b = boxes.astype(np.float64)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    return np.column_stack([b[:, 0] + w / 2, b[:, 1] + h / 2, w / h, h])


def run_scene(scene: Scene, n_frames: int, check_frames=(), **kw):
    """Runs the scene; at each check frame compares the tracker's revivals with the reference.
    Returns the per-frame {det row: id} maps and the tracker."""
    trk = JDETracker(**kw)
    per_frame = []
    for t in range(n_frames):
        boxes, scores, feats, cls = scene.frame(t)
        if t in check_frames:
            gal = trk.reid_gallery()
            assert trk.num_tracked == 0 and trk.num_lost == 0, "crafted: every detection must be a would-be new track"
            expected = ref_match(gal, trk.frame_id + 1, xyah_of(boxes), feats, cls,
                                 kw.get("reid_thres", CFG.reid_thres), kw.get("frame_rate", 30.0), trk.reid_max_frames)
        r = trk.update(boxes, scores, feats, class_ids=cls)
        got = dict(zip(r.det_index.tolist(), r.ids.tolist()))
        if t in check_frames:
            revived = {j: i for j, i in got.items() if i in set(gal["ids"].tolist())}
            assert revived == expected, (t, revived, expected)
        assert len(set(r.ids.tolist())) == len(r.ids)  # ids unique
        per_frame.append(got)
    return per_frame, trk


def walker(x0, y0, vx, vy, h, dh=0.0):
    return lambda t: (x0 + vx * t, y0 + vy * t, h + dh * t)


def ids_of_person(per_frame, scene: Scene, k: int, frames) -> set[int]:
    """Ids reported for person k's detection row in the given frames."""
    out = set()
    for t in frames:
        row = sum(1 for p in scene.people[:k] if p["visible"](t))
        if scene.people[k]["visible"](t) and row in per_frame[t]:
            out.add(per_frame[t][row])
    return out


@pytest.mark.parametrize("gap_seconds", [2, 5, 10])
def test_person_returning_after_a_gap_keeps_the_id(gap_seconds):
    """Leaves at the left edge, returns to the same place after 2-10 s: the same id with reid_buffer
    (the reference agrees at the return frame); a new id without."""
    gap = 30 * gap_seconds
    back = 40 + gap
    scene = Scene()
    scene.add(lambda t: (200.0 - 2.0 * min(t, 40) + 1.5 * max(0, t - back), 500.0, 180.0), unit(1, 0.2),
              lambda t: t < 40 or t >= back)
    per_frame, trk = run_scene(scene, back + 20, check_frames={back}, reid_buffer=300)
    assert ids_of_person(per_frame, scene, 0, range(back + 20)) == {1}
    per_frame, _ = run_scene(scene, back + 20)
    assert ids_of_person(per_frame, scene, 0, range(back, back + 20)) == {2}


def test_return_beyond_the_gallery_buffer_is_a_new_id():
    back = 40 + 31 + 61  # removed at frame 71; reid_buffer 60 frames -> expired at 132
    scene = Scene()
    scene.add(walker(300, 500, 0, 0, 180), unit(1), lambda t: t < 40 or t >= back)
    per_frame, trk = run_scene(scene, back + 5, check_frames={back}, reid_buffer=60)
    assert ids_of_person(per_frame, scene, 0, range(back, back + 5)) == {2}
    assert trk.gallery_size == 0


@pytest.mark.parametrize("case", ["too_far", "too_big", "other_class"])
def test_implausible_return_gets_a_new_id(case):
    back = 40 + 60  # 2 s after it left

    def path(t):
        if t < back:
            return 300.0, 500.0, 150.0
        if case == "too_far":  # 2.3 s after last seen: allowed (1 + 2.3) * 150 = 500 px; 1500 px away
            return 1800.0, 500.0, 150.0
        if case == "too_big":  # 2x the height
            return 300.0, 500.0, 300.0
        return 300.0, 500.0, 150.0

    scene = Scene()
    if case == "other_class":
        scene.add(path, unit(1, 0.1), lambda t: t < 40)
        scene.add(path, unit(1, 0.1), lambda t: t >= back, cls=1)
    else:
        scene.add(path, unit(1, 0.1), lambda t: t < 40 or t >= back)
    per_frame, trk = run_scene(scene, back + 10, check_frames={back}, reid_buffer=300)
    ids = set()
    for t in range(back, back + 10):
        ids.update(per_frame[t].values())
    assert ids == {2}
    assert trk.gallery_size == 1  # the old one is still waiting


def test_plausible_far_return_after_a_long_gap_and_along_the_path():
    """Hidden behind an occluder while walking on: found far from where it was last seen, on its path."""
    back = 40 + 150  # 5 s
    scene = Scene()
    scene.add(walker(100, 500, 3.0, 0, 150), unit(0.3, 1), lambda t: t < 40 or t >= back)
    per_frame, _ = run_scene(scene, back + 10, check_frames={back}, reid_buffer=300)
    assert ids_of_person(per_frame, scene, 0, range(back + 10)) == {1}


def test_two_people_returning_at_once_use_one_optimal_assignment():
    """Cosine distances A-d1 0.10, A-d2 0.20, B-d1 0.15, B-d2 0.50 (threshold 0.3). Greedy would pair
    A-d1 and leave B new; the optimal assignment revives both: A-d2 and B-d1."""
    gA, gB = unit(1.0, 0.0), unit(0.8, 0.6)
    d1 = unit(0.9, (0.85 - 0.72) / 0.6, np.sqrt(1 - 0.81 - ((0.85 - 0.72) / 0.6) ** 2))
    y2 = (0.5 - 0.64) / 0.6
    d2 = unit(0.8, y2, 0.0, np.sqrt(1 - 0.64 - y2 ** 2))
    dist = 1 - np.array([[gA @ d1, gA @ d2], [gB @ d1, gB @ d2]], dtype=np.float64)
    np.testing.assert_allclose(dist, [[0.10, 0.20], [0.15, 0.50]], atol=1e-6)
    back = 40 + 90
    scene = Scene()
    scene.add(walker(300, 500, 0, 0, 160), gA, lambda t: t < 40)
    scene.add(walker(500, 500, 0, 0, 160), gB, lambda t: t < 40)
    scene.add(walker(320, 500, 0, 0, 160), d1, lambda t: t >= back)
    scene.add(walker(480, 500, 0, 0, 160), d2, lambda t: t >= back)
    per_frame, trk = run_scene(scene, back + 1, check_frames={back}, reid_buffer=300)
    assert per_frame[back] == {0: 2, 1: 1}  # d1 -> B (id 2), d2 -> A (id 1)
    assert trk.gallery_size == 0


def test_revived_track_embedding_follows_the_official_re_activation():
    """After the revival the track's embedding is 0.9 * old + 0.1 * new, normalised (float32): checked by
    letting it expire into the gallery again."""
    back = 40 + 60
    e_old, e_new = unit(1, 0), unit(0.9, 0.3)
    scene = Scene()
    scene.add(walker(300, 500, 0, 0, 160), e_old, lambda t: t < 40)
    scene.add(walker(300, 500, 0, 0, 160), e_new, lambda t: back <= t < back + 1)
    _, trk = run_scene(scene, back + 40, reid_buffer=300)
    gal = trk.reid_gallery()
    assert gal["ids"].tolist() == [1]
    f = np.float32(0.9) * e_old + np.float32(0.1) * e_new
    f = f / np.float32(np.linalg.norm(f.astype(np.float64)))
    np.testing.assert_allclose(gal["features"][0], f, rtol=1e-6, atol=1e-7)
    assert gal["last_seen"][0] == back + 1  # frame numbers start at 1


# ---------------------------------------------------------------- off = official, bounds, errors

@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("association", ["default", "byte"])
def test_reid_buffer_zero_is_bit_identical(seed, association):
    frames = make_stream(seed, n_frames=300, n_objects=15, max_gap=80, occlusion_rate=0.02)
    a = JDETracker(association=association)
    b = JDETracker(association=association, reid_buffer=0, reid_thres=1.0)
    for boxes, scores, emb in frames:
        for x, y in zip(a.update(boxes, scores, emb), b.update(boxes, scores, emb)):
            assert np.array_equal(x, y)
    assert b.gallery_size == 0 and b.reid_max_frames == 0


def test_reid_on_random_streams_keeps_ids_unique_and_revives():
    frames = make_stream(13, n_frames=600, n_objects=15, max_gap=120, occlusion_rate=0.02)
    trk = JDETracker(reid_buffer=300)
    revived = 0
    for boxes, scores, emb in frames:
        before = set(trk.reid_gallery()["ids"].tolist())
        r = trk.update(boxes, scores, emb)
        ids = r.ids.tolist()
        assert len(set(ids)) == len(ids)
        revived += len(before & set(ids))
        assert not (set(trk.reid_gallery()["ids"].tolist()) & set(ids))  # never in the gallery and tracked
    assert revived > 0


def test_gallery_size_is_bounded_over_100k_frames():
    """People live 3 frames with random appearance and never return: every one enters the gallery,
    which never holds more than reid_gallery_size entries."""
    rng = np.random.default_rng(0)
    cap = CFG.reid_gallery_size
    trk = JDETracker(reid_buffer=1_000_000, track_buffer=1)
    n_frames, births, period, dim = 100_000, 2, 5, 64
    emb = rng.normal(size=(n_frames, births, dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=2, keepdims=True)
    # a person born at frame t stands in slots (t % period) * births + k for frames t, t+1, t+2; a slot
    # is reused only after its previous person has been lost for two frames (no IoU hand-over)
    slots = np.arange(period * births)
    x = 50.0 + 150.0 * (slots % 12)
    y = 100.0 + 300.0 * (slots // 12)
    base = np.column_stack([x, y, x + 60, y + 150]).astype(np.float32)
    scores = np.full(len(slots), 0.9, np.float32)
    peak = 0
    for t in range(n_frames):
        born = [b for b in (t, t - 1, t - 2) if b >= 0]
        rows = [(b % period) * births + k for b in born for k in range(births)]
        trk.update(base[rows], scores[rows], emb[born].reshape(-1, dim))
        size = trk.gallery_size
        assert size <= cap
        peak = max(peak, size)
    assert peak == cap
    assert trk.num_tracked + trk.num_lost < 50


@pytest.mark.parametrize("kw, exc", [
    ({"reid_buffer": -1}, ValueError), ({"reid_buffer": 2.5}, TypeError), ({"reid_buffer": True}, TypeError),
    ({"reid_buffer": 2 ** 31}, ValueError), ({"reid_thres": float("nan")}, ValueError),
    ({"reid_thres": -0.1}, ValueError), ({"reid_thres": "0.3"}, TypeError),
])
def test_bad_reid_options(kw, exc):
    with pytest.raises(exc, match=next(iter(kw))):
        JDETracker(**kw)


def test_reid_max_frames_scales_with_frame_rate():
    assert JDETracker(reid_buffer=300).reid_max_frames == 300
    assert JDETracker(reid_buffer=300, frame_rate=15).reid_max_frames == 150
    assert JDETracker(reid_buffer=1, frame_rate=10).reid_max_frames == 1  # at least one frame when on
    assert JDETracker().reid_max_frames == 0


def test_rejected_frame_keeps_the_gallery_and_reset_clears_it():
    frames = make_stream(14, n_frames=200, n_objects=10, max_gap=80, occlusion_rate=0.03)
    a, b = JDETracker(reid_buffer=300), JDETracker(reid_buffer=300)
    for boxes, scores, emb in frames[:150]:
        a.update(boxes, scores, emb)
        b.update(boxes, scores, emb)
    assert a.gallery_size > 0
    boxes, scores, emb = frames[150]
    bad = boxes.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        a.update(bad, scores, emb)
    with pytest.raises(ValueError, match="warp"):
        a.update(boxes, scores, emb, warp=np.full((2, 3), np.inf))
    g1, g2 = a.reid_gallery(), b.reid_gallery()
    for k in g1:
        assert np.array_equal(g1[k], g2[k])
    for boxes, scores, emb in frames[150:]:
        for x, y in zip(a.update(boxes, scores, emb), b.update(boxes, scores, emb)):
            assert np.array_equal(x, y)
    a.reset()
    assert a.gallery_size == 0 and a.frame_id == 0


def test_gallery_boxes_move_with_the_warp():
    scene = Scene()
    scene.add(walker(300, 500, 0, 0, 160), unit(1), lambda t: t < 20)
    _, trk = run_scene(scene, 60, reid_buffer=300)
    before = trk.reid_gallery()["mean"][0].copy()
    A = np.array([[1.0, 0.0, 40.0], [0.0, 1.0, -10.0]])
    trk.update(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, DIM), np.float32), warp=A)
    after = trk.reid_gallery()["mean"][0]
    np.testing.assert_allclose(after[:2], before[:2] + [40.0, -10.0])
    assert np.array_equal(after[2:], before[2:])
