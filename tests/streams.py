"""Seeded synthetic detection streams for tracker tests and benchmarks.

``make_stream`` produces pedestrian-like scenes (what a detector + re-ID head would emit after
docs/official_behaviour.md §3): people walking with random turns, entering and leaving, crossing
each other, being occluded for 1..40 frames (so both lost-track recovery and the expiry of the lost buffer are
exercised), a few appearance changes (re-ID failures), near-duplicate detections, clutter that
fires for a few frames, random false positives, and scores spread around and below the usual
0.4 threshold.  Detection order is shuffled per frame.

``make_clip`` is a tiny BGR video (two coloured blocks walking right) for the video, CLI and
export tests.

``make_dense_stream`` keeps N objects visible in every frame at moderate overlap (for
benchmarks and scaling checks).

Every frame is ``(boxes_xyxy float32 (N,4), scores float32 (N,), embeddings float32 (N,dim))``
with L2-normalised embedding rows.
"""

from __future__ import annotations

from typing import List, Tuple

import numpy as np

Frame = Tuple[np.ndarray, np.ndarray, np.ndarray]

__all__ = ["make_stream", "make_dense_stream", "scripted_stream", "Obj", "Frame"]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _pairwise_iou(b: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    iw = np.clip(np.minimum(x2[:, None], x2[None]) - np.maximum(x1[:, None], x1[None]), 0, None)
    ih = np.clip(np.minimum(y2[:, None], y2[None]) - np.maximum(y1[:, None], y1[None]), 0, None)
    inter = iw * ih
    area = (x2 - x1) * (y2 - y1)
    return inter / (area[:, None] + area[None] - inter + 1e-9)


def make_stream(seed: int, n_frames: int = 300, n_objects: int = 20, width: int = 1920,
                height: int = 1080, dim: int = 128, fp_rate: float = 1.0, miss_rate: float = 0.04,
                occlusion_rate: float = 0.008, max_gap: int = 40, mean_lifetime: float = 250.0,
                speed: float = 2.5, turn_rate: float = 0.03, emb_noise: Tuple[float, float] = (0.3, 0.8),
                similar_fraction: float = 0.3, appearance_change: float = 0.15,
                duplicate_rate: float = 0.01, clutter_rate: float = 0.03, jitter: float = 0.02,
                score_mean: float = 0.66, score_std: float = 0.15, size_scale: float = 1.0,
                return_gt: bool = False):
    """A realistic synthetic stream of detections.

    Parameters are densities / rates per frame.  ``speed`` is the mean walking speed in pixels
    per frame (use a larger value to emulate a low frame rate).  With ``return_gt=True`` the
    function returns ``(frames, gt)`` where ``gt[t]`` holds the identity of every detection row
    (-1 for false positives / clutter, identity + 100000 for near-duplicates).
    ``size_scale`` scales every box (small boxes make the +1 pixel IoU convention matter).
    """
    rng = np.random.default_rng(seed)
    T = int(n_frames)

    # ---------------- identities: initial population + births keeping it roughly stable
    n_births = rng.poisson(n_objects * T / mean_lifetime) if n_objects > 0 else 0
    n_ids = n_objects + n_births
    start = np.concatenate([np.zeros(n_objects, int), rng.integers(1, max(T, 2), n_births)])
    life = np.maximum(5, rng.exponential(mean_lifetime, n_ids)).astype(int)
    end = np.minimum(T, start + life)  # exclusive

    # appearance: identity base vectors, some identities share a group direction (similar looks)
    n_groups = max(1, n_ids // 4)
    groups = _unit(rng.standard_normal((n_groups, dim)))
    base = _unit(rng.standard_normal((n_ids, dim)))
    similar = rng.random(n_ids) < similar_fraction
    gidx = rng.integers(0, n_groups, n_ids)
    base[similar] = _unit(groups[gidx[similar]] + 0.55 * base[similar])
    noise_lvl = rng.uniform(emb_noise[0], emb_noise[1], n_ids)

    # geometry: foot position, height grows with y (perspective), aspect ~0.4
    horizon = 0.25 * height
    foot_y = rng.uniform(horizon + 80, height + 40, n_ids)
    x = rng.uniform(-0.02 * width, 1.02 * width, n_ids)
    # births enter from the left/right border or from "doors" inside the image
    born_edge = (start > 0) & (rng.random(n_ids) < 0.6)
    x[born_edge] = np.where(rng.random(born_edge.sum()) < 0.5, -10.0, width + 10.0)
    aspect = rng.uniform(0.33, 0.48, n_ids)
    spd = np.abs(rng.normal(speed, 0.45 * speed, n_ids))
    ang = rng.uniform(-0.35, 0.35, n_ids) + np.where(rng.random(n_ids) < 0.5, 0.0, np.pi)
    ang[born_edge] = np.where(x[born_edge] < 0, 0.0, np.pi) + rng.uniform(-0.3, 0.3, born_edge.sum())
    standing = rng.random(n_ids) < 0.12
    spd[standing] = 0.05 * speed

    # a few forced crossings: pairs on the same line walking towards each other
    n_cross = min(n_objects // 2, max(1, n_objects // 6)) if n_objects >= 2 else 0
    for k in range(n_cross):
        a, b = 2 * k, 2 * k + 1
        foot_y[b] = foot_y[a] + rng.normal(0, 8)
        x[a], x[b] = rng.uniform(0.1, 0.4) * width, rng.uniform(0.6, 0.9) * width
        ang[a], ang[b] = 0.0, np.pi
        spd[a], spd[b] = speed * rng.uniform(0.8, 1.6), speed * rng.uniform(0.8, 1.6)

    def height_at(fy):
        return size_scale * np.clip(40 + 300 * (fy - horizon) / (height - horizon), 30, 380)

    # ---------------- simulate trajectories (vectorised over identities)
    pos_x = np.empty((n_ids, T))
    pos_y = np.empty((n_ids, T))
    for t in range(T):
        turn = rng.random(n_ids) < turn_rate
        ang = ang + np.where(turn, rng.normal(0, 0.8, n_ids), rng.normal(0, 0.03, n_ids))
        s = np.maximum(0.0, spd * (1 + rng.normal(0, 0.05, n_ids)))
        x = x + s * np.cos(ang)
        foot_y = foot_y + 0.35 * s * np.sin(ang)
        # keep feet inside the walkable band (reflect)
        lo, hi = horizon + 60, height + 60
        ang = np.where((foot_y < lo) | (foot_y > hi), -ang, ang)
        foot_y = np.clip(foot_y, lo, hi)
        pos_x[:, t], pos_y[:, t] = x, foot_y
    alive = (np.arange(T)[None] >= start[:, None]) & (np.arange(T)[None] < end[:, None])
    # leaving the image ends the life (no re-entry of the same identity at the far side)
    inside = (pos_x > -0.05 * width) & (pos_x < 1.05 * width)
    left = np.cumsum(~inside & alive, axis=1) > 0
    alive &= ~left | (np.arange(T)[None] < start[:, None])
    alive &= inside

    h_all = height_at(pos_y)
    w_all = aspect[:, None] * h_all

    # ---------------- visibility: occlusion gaps, crowd occlusion, random misses
    visible = alive.copy()
    gap_lengths = np.concatenate([np.arange(1, max_gap + 1), [29, 30, 31, 32, 33, 9, 10, 11, 24, 25, 26,
                                                              13, 14, 15]])
    changes = []  # (identity, frame) where the appearance changes after a gap
    for i in range(n_ids):
        t = start[i] + 2
        while t < end[i]:
            if rng.random() < occlusion_rate:
                g = int(rng.choice(gap_lengths))
                visible[i, t:t + g] = False
                if rng.random() < appearance_change:
                    changes.append((i, t + g))
                t += g + 2
            else:
                t += 1
    visible &= rng.random((n_ids, T)) >= miss_rate

    # appearance per frame (base can change after a gap)
    change_at = {}
    for i, t in changes:
        change_at.setdefault(i, []).append(t)

    # clutter sources: static things firing for a few consecutive frames
    n_clutter = rng.poisson(clutter_rate * T)
    cl_t0 = rng.integers(0, max(T, 1), n_clutter)
    cl_len = rng.integers(1, 6, n_clutter)
    cl_fy = rng.uniform(horizon + 80, height, n_clutter)
    cl_h = height_at(cl_fy) * rng.uniform(0.6, 1.1, n_clutter)
    cl_box = np.stack([rng.uniform(0, width, n_clutter), cl_fy - cl_h, cl_h * rng.uniform(0.3, 0.6, n_clutter),
                       cl_h], axis=1)  # cx, top, w, h
    cl_emb = _unit(rng.standard_normal((n_clutter, dim)))

    frames: List[Frame] = []
    gts: List[np.ndarray] = []
    cur_base = base.copy()
    for t in range(T):
        for i, ts in change_at.items():
            if t in ts:
                cur_base[i] = _unit(rng.standard_normal(dim))
        ids = np.where(visible[:, t])[0]
        cx = pos_x[ids, t]
        h = h_all[ids, t]
        w = w_all[ids, t]
        cy = pos_y[ids, t] - h / 2
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        # crowd occlusion: the farther of two heavily overlapping people is usually missed
        if len(ids) > 1:
            iou = _pairwise_iou(boxes)
            np.fill_diagonal(iou, 0)
            farther = pos_y[ids, t][:, None] < pos_y[ids, t][None, :]
            hidden = ((iou > 0.45) & farther).any(axis=1) & (rng.random(len(ids)) < 0.8)
            partial = ((iou > 0.15) & farther).any(axis=1)
        else:
            hidden = np.zeros(len(ids), bool)
            partial = np.zeros(len(ids), bool)
        keep = ~hidden
        ids, boxes, w, h, partial = ids[keep], boxes[keep], w[keep], h[keep], partial[keep]
        n = len(ids)
        # jitter
        jx = rng.normal(0, jitter, (n, 1)) * w[:, None]
        jy = rng.normal(0, jitter, (n, 1)) * h[:, None]
        js = rng.normal(0, jitter, (n, 4)) * np.stack([w, h, w, h], axis=1)
        boxes = boxes + np.concatenate([jx, jy, jx, jy], axis=1) + js
        scores = np.clip(rng.normal(score_mean, score_std, n) - 0.15 * partial, 0.02, 0.995)
        emb = _unit(cur_base[ids] + noise_lvl[ids, None] * rng.standard_normal((n, dim)) / np.sqrt(dim))
        gt = ids.copy()

        extra_b, extra_s, extra_e, extra_g = [boxes], [scores], [emb], [gt]
        # near-duplicate detections of real objects
        dup = rng.random(n) < duplicate_rate
        if dup.any():
            db = boxes[dup] + rng.normal(0, 0.06, (dup.sum(), 4)) * np.stack([w, h, w, h], 1)[dup]
            extra_b.append(db)
            extra_s.append(np.clip(scores[dup] - rng.uniform(0.0, 0.3, dup.sum()), 0.02, 0.99))
            extra_e.append(_unit(emb[dup] + 0.3 * rng.standard_normal((dup.sum(), dim)) / np.sqrt(dim)))
            extra_g.append(gt[dup] + 100000)
        # clutter
        on = np.where((cl_t0 <= t) & (t < cl_t0 + cl_len))[0]
        if len(on):
            c = cl_box[on]
            cb = np.stack([c[:, 0] - c[:, 2] / 2, c[:, 1], c[:, 0] + c[:, 2] / 2, c[:, 1] + c[:, 3]], 1)
            cb = cb + rng.normal(0, 2.0, cb.shape)
            extra_b.append(cb)
            extra_s.append(rng.uniform(0.3, 0.75, len(on)))
            extra_e.append(_unit(cl_emb[on] + 0.4 * rng.standard_normal((len(on), dim)) / np.sqrt(dim)))
            extra_g.append(np.full(len(on), -1))
        # random false positives
        n_fp = rng.poisson(fp_rate)
        if n_fp:
            fy = rng.uniform(horizon, height + 20, n_fp)
            fh = height_at(fy) * rng.uniform(0.3, 1.2, n_fp)
            fw = fh * rng.uniform(0.25, 0.9, n_fp)
            fx = rng.uniform(0, width, n_fp)
            extra_b.append(np.stack([fx - fw / 2, fy - fh, fx + fw / 2, fy], 1))
            extra_s.append(rng.uniform(0.05, 0.65, n_fp))
            extra_e.append(_unit(rng.standard_normal((n_fp, dim))))
            extra_g.append(np.full(n_fp, -1))

        B = np.concatenate(extra_b).astype(np.float32)
        S = np.concatenate(extra_s).astype(np.float32)
        E = np.concatenate(extra_e).astype(np.float32)
        G = np.concatenate(extra_g)
        order = rng.permutation(len(S))
        B, S, E, G = B[order], S[order], E[order], G[order]
        E = _unit(E).astype(np.float32)
        frames.append((np.ascontiguousarray(B.reshape(-1, 4)), np.ascontiguousarray(S),
                       np.ascontiguousarray(E.reshape(-1, dim))))
        gts.append(G)
    if return_gt:
        return frames, gts
    return frames


def make_dense_stream(seed: int, n_objects: int, n_frames: int = 100, width: int = 1920,
                      height: int = 1080, dim: int = 128, speed: float = 1.5,
                      fp_rate: float = 0.0) -> List[Frame]:
    """N objects always visible (no births, deaths or gaps) at moderate overlap.

    Objects are placed on a jittered grid whose cell size follows N, so the typical IoU between
    neighbours stays moderate (~0-0.3) from 10 up to 500+ objects; each object drifts slowly and
    bounces inside its neighbourhood.  Scores are well above 0.4, embeddings are distinct.
    """
    rng = np.random.default_rng(seed)
    N, T = int(n_objects), int(n_frames)
    cols = max(1, int(np.ceil(np.sqrt(N * width / height))))
    rows = max(1, int(np.ceil(N / cols)))
    cw, ch = width / cols, height / rows
    cell = rng.permutation(rows * cols)[:N]
    home_x = (cell % cols + 0.5) * cw
    home_y = (cell // cols + 0.5) * ch
    h = np.clip(ch * rng.uniform(0.9, 1.4, N), 16, 360)
    w = h * rng.uniform(0.33, 0.48, N)
    amp = np.stack([0.35 * cw * np.ones(N), 0.35 * ch * np.ones(N)], 1)
    phase = rng.uniform(0, 2 * np.pi, (N, 2))
    freq = speed / np.maximum(amp, 1.0) * rng.uniform(0.6, 1.4, (N, 2))
    base = _unit(rng.standard_normal((N, dim)))
    noise = rng.uniform(0.3, 0.6, N)
    frames: List[Frame] = []
    for t in range(T):
        cx = home_x + amp[:, 0] * np.sin(freq[:, 0] * t + phase[:, 0])
        cy = home_y + amp[:, 1] * np.sin(freq[:, 1] * t + phase[:, 1])
        hh = h * (1 + rng.normal(0, 0.015, N))
        ww = w * (1 + rng.normal(0, 0.015, N))
        B = np.stack([cx - ww / 2, cy - hh / 2, cx + ww / 2, cy + hh / 2], 1)
        B = B + rng.normal(0, 0.8, B.shape)
        S = rng.uniform(0.5, 0.95, N)
        E = _unit(base + noise[:, None] * rng.standard_normal((N, dim)) / np.sqrt(dim))
        n_fp = rng.poisson(fp_rate) if fp_rate > 0 else 0
        if n_fp:
            fx, fy = rng.uniform(0, width, n_fp), rng.uniform(0, height, n_fp)
            fh = rng.uniform(30, 200, n_fp)
            fw = 0.4 * fh
            B = np.concatenate([B, np.stack([fx - fw / 2, fy - fh / 2, fx + fw / 2, fy + fh / 2], 1)])
            S = np.concatenate([S, rng.uniform(0.1, 0.6, n_fp)])
            E = np.concatenate([E, _unit(rng.standard_normal((n_fp, dim)))])
        order = rng.permutation(len(S))
        frames.append((np.ascontiguousarray(B[order].astype(np.float32)),
                       np.ascontiguousarray(S[order].astype(np.float32)),
                       np.ascontiguousarray(_unit(E[order]).astype(np.float32))))
    return frames


class Obj:
    """One scripted object for :func:`scripted_stream`.

    ``frames``: the 1-based frame numbers in which it is detected; the box at frame t is
    ``box0 + vel * (t - 1)`` (x1, y1, x2, y2 and a per-frame velocity for x/y); ``emb``: an
    integer appearance key (objects with the same key look the same) or an explicit vector;
    ``score``: a constant or a callable ``score(t)``.
    """

    def __init__(self, frames, box0, vel=(0.0, 0.0), emb=0, score=0.9, emb_noise=0.2):
        self.frames = set(int(f) for f in frames)
        self.box0 = np.asarray(box0, dtype=np.float64)
        self.vel = np.asarray(vel, dtype=np.float64)
        self.emb = emb
        self.score = score
        self.emb_noise = emb_noise

    def box(self, t: int) -> np.ndarray:
        d = self.vel * (t - 1)
        return self.box0 + np.array([d[0], d[1], d[0], d[1]])


def scripted_stream(objects, n_frames: int, dim: int = 128, seed: int = 0, shuffle: bool = False):
    """A deterministic hand-built stream.  Returns ``(frames, labels)``; ``labels[t-1]`` lists,
    for every detection row of frame t, the index of the object in ``objects``."""
    rng = np.random.default_rng(seed)
    keys = {}

    def base(key):
        if isinstance(key, (int, np.integer)):
            if key not in keys:
                keys[key] = _unit(np.random.default_rng(10_000 + int(key)).standard_normal(dim))
            return keys[key]
        return _unit(np.asarray(key, dtype=np.float64))

    frames, labels = [], []
    for t in range(1, n_frames + 1):
        rows = [k for k, o in enumerate(objects) if t in o.frames]
        if shuffle:
            rows = list(rng.permutation(rows)) if rows else rows
        B = np.array([objects[k].box(t) for k in rows], dtype=np.float64).reshape(-1, 4)
        S = np.array([o.score(t) if callable(o.score) else o.score for o in (objects[k] for k in rows)],
                     dtype=np.float64)
        E = np.array([_unit(base(objects[k].emb) + objects[k].emb_noise * rng.standard_normal(dim) / np.sqrt(dim))
                      for k in rows], dtype=np.float64).reshape(-1, dim)
        frames.append((B.astype(np.float32), S.astype(np.float32), E.astype(np.float32)))
        labels.append(list(rows))
    return frames, labels


# --------------------------------------------------------------------------------------------
# Scripted scenarios with known expected behaviour
# (docs/official_behaviour.md §4.4 consequences, §4.8, §4.9, §4.11)
# --------------------------------------------------------------------------------------------
class Scenario:
    """frames/labels from :func:`scripted_stream`, tracker keyword arguments, and ``check``:
    a function ``check(results, sc)`` asserting the expected behaviour on a list of per-frame
    results (objects with ``ids``, ``tlwh``, ``scores``, ``det_index`` arrays)."""

    def __init__(self, name, objects, n_frames, check, tracker_kwargs=None, seed=0):
        self.name = name
        self.objects = objects
        self.frames, self.labels = scripted_stream(objects, n_frames, seed=seed)
        self.check = check
        self.tracker_kwargs = dict(tracker_kwargs or {})

    def ids_of(self, results, obj: int):
        """{frame (1-based): output id} of scripted object ``obj``."""
        out = {}
        for t, (res, lab) in enumerate(zip(results, self.labels), start=1):
            for tid, di in zip(np.asarray(res.ids), np.asarray(res.det_index)):
                if lab[int(di)] == obj:
                    out[t] = int(tid)
        return out

    def score_of(self, results, obj: int):
        out = {}
        for t, (res, lab) in enumerate(zip(results, self.labels), start=1):
            for sc, di in zip(np.asarray(res.scores), np.asarray(res.det_index)):
                if lab[int(di)] == obj:
                    out[t] = float(sc)
        return out


def _box(x, y, w=60.0, h=150.0):
    return (x, y, x + w, y + h)


def _r(a, b):
    return range(a, b + 1)


def _check_short_occlusion(res, sc):
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 20)) + list(_r(31, 60)), sorted(a)
    assert len(set(a.values())) == 1, "recovered through embeddings with the same id"
    assert len(set(sc.ids_of(res, 1).values())) == 1


def _check_gap_31(res, sc):
    # last update frame 10, missed 11..41 (= max_time_lost + 1), detected again at 42 (§4.8)
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 10)) + list(_r(42, 50)) + list(_r(54, 60)), sorted(a)
    assert a[42] == a[1], "re-found after max_time_lost+1 missed frames keeps its id"
    # the revived track still has its id in the removed history: lost again at 51 it vanishes,
    # so the detection at 53 starts a new (unconfirmed) track, output from 54 with a new id
    assert a[54] != a[1] and len({a[t] for t in _r(54, 60)}) == 1
    assert a[54] not in sc.ids_of(res, 1).values()


def _check_gap_32(res, sc):
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 10)) + list(_r(44, 55)), sorted(a)
    assert a[44] != a[1], "after max_time_lost+2 missed frames the track is gone"


def _check_gap_30(res, sc):
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 10)) + list(_r(41, 50)), sorted(a)
    assert a[41] == a[1]


def _check_false_positive(res, sc):
    assert sc.ids_of(res, 1) == {}, "a single-frame false positive is never output"
    assert sc.ids_of(res, 2) == {}, "non-consecutive detections never confirm a track"
    assert len(set(sc.ids_of(res, 0).values())) == 1


def _check_births(res, sc):
    first = res[0]
    assert len(first.ids) == 3, "every frame-1 detection is output at frame 1"
    c = sc.ids_of(res, 3)
    assert min(c) == 7 and sorted(c) == list(_r(7, 20)), "a later new object is output from its 2nd frame"
    assert len(set(c.values())) == 1 and c[7] not in [int(i) for i in first.ids]


def _check_duplicate_new_over_lost(res, sc):
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 20))
    b = sc.ids_of(res, 1)
    # the new object sits on the lost track's predicted box: §4.9 drops the younger (new) one
    # every frame until the lost track is finally dropped at the end of frame 52 (§4.8)
    assert sorted(b) == list(_r(53, 70)), sorted(b)
    assert b[53] != a[1]


def _check_duplicate_lost_dropped(res, sc):
    b = sc.ids_of(res, 1)
    assert sorted(b) == list(_r(11, 20)) + list(_r(24, 40)), sorted(b)
    assert b[24] != b[11], "the younger lost duplicate was dropped, so the object comes back as new"


def _check_score_on_refind_default(res, sc):
    a = sc.ids_of(res, 0)
    s = sc.score_of(res, 0)
    assert sorted(a) == list(_r(1, 10)) + list(_r(14, 20)) and len(set(a.values())) == 1
    assert abs(s[14] - float(np.float32(0.81))) < 1e-7, "re_activate keeps the pre-loss score"
    assert abs(s[15] - float(np.float32(0.95))) < 1e-7


def _check_score_on_refind_byte(res, sc):
    a = sc.ids_of(res, 0)
    s = sc.score_of(res, 0)
    assert sorted(a) == list(_r(1, 10)) + list(_r(14, 20)) and len(set(a.values())) == 1
    assert abs(s[14] - float(np.float32(0.9))) < 1e-7, "byte re_activate updates the score"


def _check_low_score_default(res, sc):
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 9)) + list(_r(13, 20)) and len(set(a.values())) == 1
    assert sorted(sc.ids_of(res, 1)) == list(_r(3, 20)), "score 0.45 > 0.4 starts a track"


def _check_low_score_byte(res, sc):
    a = sc.ids_of(res, 0)
    assert sorted(a) == list(_r(1, 20)) and len(set(a.values())) == 1, "kept by the low-score stage"
    s = sc.score_of(res, 0)
    assert abs(s[11] - float(np.float32(0.3))) < 1e-7
    assert sc.ids_of(res, 1) == {}, "new tracks need score >= conf_thres + 0.1 in byte mode"


def _score_dip(t):
    return 0.3 if 10 <= t <= 12 else 0.9


def _score_ramp(t):
    return {10: 0.81}.get(t, 0.95 if t >= 15 else (0.9 if t >= 14 else 0.7))


def make_scenarios():
    """name -> Scenario.  Boxes are in pixels, 30 fps, track_buffer 30 unless stated."""
    S = {}
    S["short_occlusion"] = Scenario("short_occlusion", [
        Obj(list(_r(1, 20)) + list(_r(31, 60)), _box(100, 300), vel=(3.0, 0.5), emb=1),
        Obj(_r(1, 60), _box(900, 500, 80, 200), vel=(-1.0, 0.0), emb=2),
    ], 60, _check_short_occlusion)
    S["gap_max_time_lost_plus_1"] = Scenario("gap_max_time_lost_plus_1", [
        Obj(list(_r(1, 10)) + list(_r(42, 50)) + list(_r(53, 60)), _box(400, 300), emb=1),
        Obj(_r(1, 60), _box(1200, 400, 70, 170), emb=2),
    ], 60, _check_gap_31)
    S["gap_max_time_lost_plus_2"] = Scenario("gap_max_time_lost_plus_2", [
        Obj(list(_r(1, 10)) + list(_r(43, 55)), _box(400, 300), emb=1),
        Obj(_r(1, 55), _box(1200, 400, 70, 170), emb=2),
    ], 55, _check_gap_32)
    S["gap_max_time_lost"] = Scenario("gap_max_time_lost", [
        Obj(list(_r(1, 10)) + list(_r(41, 50)), _box(400, 300), emb=1),
        Obj(_r(1, 50), _box(1200, 400, 70, 170), emb=2),
    ], 50, _check_gap_30)
    S["false_positive"] = Scenario("false_positive", [
        Obj(_r(1, 20), _box(300, 300), vel=(2.0, 0.0), emb=1),
        Obj([5], _box(1500, 200, 50, 120), emb=7, score=0.7),
        Obj([8, 10, 12], _box(1000, 600, 50, 120), emb=8, score=0.7),
    ], 20, _check_false_positive)
    S["births"] = Scenario("births", [
        Obj(_r(1, 20), _box(100, 300), vel=(2.0, 0.0), emb=1),
        Obj(_r(1, 20), _box(600, 350), vel=(-1.0, 0.0), emb=2),
        Obj(_r(1, 20), _box(1100, 400), vel=(0.0, 1.0), emb=3),
        Obj(_r(6, 20), _box(1600, 300), vel=(-2.0, 0.0), emb=4),
    ], 20, _check_births)
    S["duplicate_new_over_lost"] = Scenario("duplicate_new_over_lost", [
        Obj(_r(1, 20), _box(500, 300), emb=1),
        Obj(_r(23, 70), _box(501, 301), emb=99),
        Obj(_r(1, 70), _box(1300, 300), emb=2),
    ], 70, _check_duplicate_new_over_lost)
    S["duplicate_lost_dropped"] = Scenario("duplicate_lost_dropped", [
        Obj(_r(1, 40), _box(500, 300), emb=1),
        Obj(list(_r(10, 20)) + list(_r(23, 40)), _box(503, 300), emb=5),
    ], 40, _check_duplicate_lost_dropped)
    S["score_on_refind_default"] = Scenario("score_on_refind_default", [
        Obj(list(_r(1, 10)) + list(_r(14, 20)), _box(500, 300), vel=(1.0, 0.0), emb=1, score=_score_ramp),
    ], 20, _check_score_on_refind_default)
    S["score_on_refind_byte"] = Scenario("score_on_refind_byte", [
        Obj(list(_r(1, 10)) + list(_r(14, 20)), _box(500, 300), vel=(1.0, 0.0), emb=1, score=_score_ramp),
    ], 20, _check_score_on_refind_byte, tracker_kwargs=dict(association="byte"))
    S["low_score_default"] = Scenario("low_score_default", [
        Obj(_r(1, 20), _box(500, 300), vel=(1.5, 0.0), emb=1, score=_score_dip),
        Obj(_r(2, 20), _box(1200, 300), emb=2, score=0.45),
    ], 20, _check_low_score_default)
    S["low_score_byte"] = Scenario("low_score_byte", [
        Obj(_r(1, 20), _box(500, 300), vel=(1.5, 0.0), emb=1, score=_score_dip),
        Obj(_r(2, 20), _box(1200, 300), emb=2, score=0.45),
    ], 20, _check_low_score_byte, tracker_kwargs=dict(association="byte"))
    return S


def make_clip(n: int = 6, w: int = 160, h: int = 128) -> list[np.ndarray]:
    """Textured background with two coloured 'people' walking right."""
    rng = np.random.default_rng(0)
    bg = rng.integers(40, 90, (h, w, 3), dtype=np.uint8)
    frames = []
    for t in range(n):
        f = bg.copy()
        for x, y, c in [(20, 30, (0, 0, 230)), (90, 50, (230, 200, 0))]:
            x0 = x + 4 * t
            f[y:y + 48, x0:x0 + 24] = c
        frames.append(f)
    return frames


def calibrate_heatmap(net, x, spread: float = 1.5, shift: float = -4.0) -> None:
    """Rescale ``net``'s heatmap head in place so that its logits on the blob ``x`` have standard
    deviation ``spread`` around ``shift`` (a fresh network's heatmap is nearly flat): a few peaks
    then score above 0.4. ``net`` is a FairMOT torch network; ``x`` a (1, 3, H, W) blob."""
    import torch

    with torch.no_grad():
        z = net(x)["hm"] - net.hm[-1].bias
        k = spread / float(z.std())
        net.hm[-1].weight.mul_(k)
        net.hm[-1].bias.fill_(-k * float(z.mean()) + shift)
