"""Independent NumPy reference of the official FairMOT tracker (docs/official_behaviour.md §4, §9).

This module is written from ``docs/official_behaviour.md`` only.  It is
deliberately slow and literal: Python lists of track objects, a Python loop
per track for the Kalman filter, ``lap.lapjv`` for the thresholded
assignment, the list bookkeeping exactly in the order of §4.4 step 8 (which
produces the "removed but still listed" effect of §4.8 by itself) and the
duplicate removal of §4.9.  It is used by the tests to check the C++ tracker
frame by frame.

Differences from the official tracker, all intended:

* the track id counter is per tracker instance (starts at 1 on construction
  and on ``reset()``), not a process-wide class attribute;
* the input is a detection array (x1, y1, x2, y2) + scores + embeddings
  instead of a network output (docs/official_behaviour.md §3 steps 1-9 are done by the caller);
* every output row reports ``det_index``, the row of the caller's input
  arrays (before the ``score > conf_thres`` filter) that the track was
  updated with / created from in this frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, List, Optional

import lap
import numpy as np
import scipy.linalg
from scipy.spatial.distance import cdist

__all__ = [
    "KalmanFilter",
    "TrackState",
    "RefTrack",
    "RefResult",
    "ReferenceJDETracker",
    "linear_assignment",
    "bbox_ious",
    "joint_tracks",
    "sub_tracks",
    "CHI2INV95_4",
]


def _single_threaded_blas() -> None:
    """Run the OpenBLAS libraries loaded by NumPy/SciPy single-threaded.

    The reference only multiplies and factorises 4x4 / 8x8 matrices; on a busy machine the
    BLAS worker threads that a small ``solve_triangular`` wakes up cost ~1 ms per call (and
    make the reference 10x slower).  Thread counts do not change any result used here.
    """
    import ctypes

    try:
        with open("/proc/self/maps") as fh:
            libs = sorted({ln.split()[-1] for ln in fh if "openblas" in ln.lower() and "/" in ln})
    except OSError:  # not Linux
        return
    names = ("openblas_set_num_threads", "scipy_openblas_set_num_threads",
             "scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_")
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(1)
                break


_single_threaded_blas()

CHI2INV95_4 = 9.4877  # chi-square 95 % quantile, 4 dof (§4.5)
FUSE_LAMBDA = 0.98  # fuse_motion lambda (§4.4 step 3)
FEAT_ALPHA = 0.9  # embedding smoothing (§4.1)


# --------------------------------------------------------------------------------------------
# Kalman filter (§4.5), float64, one track at a time
# --------------------------------------------------------------------------------------------
class KalmanFilter:
    ndim = 4
    std_weight_position = 1.0 / 20
    std_weight_velocity = 1.0 / 160

    def __init__(self) -> None:
        self.F = np.eye(8, dtype=np.float64)
        for i in range(4):
            self.F[i, i + 4] = 1.0
        self.H = np.eye(4, 8, dtype=np.float64)

    def initiate(self, z: np.ndarray):
        z = np.asarray(z, dtype=np.float64)
        mean = np.concatenate([z, np.zeros(4, dtype=np.float64)])
        h = z[3]
        sp, sv = self.std_weight_position, self.std_weight_velocity
        std = [2 * sp * h, 2 * sp * h, 1e-2, 2 * sp * h,
               10 * sv * h, 10 * sv * h, 1e-5, 10 * sv * h]
        cov = np.diag(np.square(np.asarray(std, dtype=np.float64)))
        return mean, cov

    def predict(self, mean: np.ndarray, cov: np.ndarray):
        h = mean[3]  # height before the prediction
        sp, sv = self.std_weight_position, self.std_weight_velocity
        std = [sp * h, sp * h, 1e-2, sp * h, sv * h, sv * h, 1e-5, sv * h]
        Q = np.diag(np.square(np.asarray(std, dtype=np.float64)))
        mean = self.F @ mean
        cov = self.F @ cov @ self.F.T + Q
        return mean, cov

    def project(self, mean: np.ndarray, cov: np.ndarray):
        h = mean[3]
        sp = self.std_weight_position
        std = [sp * h, sp * h, 1e-1, sp * h]
        R = np.diag(np.square(np.asarray(std, dtype=np.float64)))
        return self.H @ mean, self.H @ cov @ self.H.T + R

    def update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray):
        m, S = self.project(mean, cov)
        c, lower = scipy.linalg.cho_factor(S, lower=True, check_finite=False)
        # K = P H^T S^-1   <=>   S K^T = H P^T
        K = scipy.linalg.cho_solve((c, lower), (cov @ self.H.T).T, check_finite=False).T
        innovation = np.asarray(z, dtype=np.float64) - m
        new_mean = mean + innovation @ K.T
        new_cov = cov - K @ S @ K.T
        return new_mean, new_cov

    def gating_distance(self, mean: np.ndarray, cov: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance (4 dof, metric 'maha') of each row of Z."""
        m, S = self.project(mean, cov)
        d = np.asarray(Z, dtype=np.float64) - m
        L = np.linalg.cholesky(S)
        zz = scipy.linalg.solve_triangular(L, d.T, lower=True, check_finite=False)
        return np.sum(zz * zz, axis=0)


# --------------------------------------------------------------------------------------------
# Track object (§4.1)
# --------------------------------------------------------------------------------------------
class TrackState:
    New = 0
    Tracked = 1
    Lost = 2
    Removed = 3


def _normalized_f32(v: np.ndarray) -> np.ndarray:
    """v / ||v|| in float32 (the official code divides a float32 array by its float32 norm)."""
    return v / np.linalg.norm(v)


class RefTrack:
    def __init__(self, tlwh: np.ndarray, score, feat: np.ndarray, det_index: int) -> None:
        # tlwh: already computed in the input dtype, widened to float64 (§4.1, §9)
        self._tlwh = np.asarray(tlwh, dtype=np.float64)
        self.score = score
        self.det_index = int(det_index)
        self.mean: Optional[np.ndarray] = None
        self.covariance: Optional[np.ndarray] = None
        self.track_id = 0
        self.state = TrackState.New
        self.is_activated = False
        self.start_frame = 0
        self.frame_id = 0
        self.tracklet_len = 0
        self.smooth_feat: Optional[np.ndarray] = None
        self.curr_feat: Optional[np.ndarray] = None
        self.update_features(np.array(feat, dtype=np.float32, copy=True))

    # -- features ---------------------------------------------------------------------------
    def update_features(self, feat: np.ndarray) -> None:
        feat = _normalized_f32(feat)
        self.curr_feat = feat
        if self.smooth_feat is None:
            # same array: the renormalisation below also renormalises curr_feat (§4.1)
            self.smooth_feat = _normalized_f32(feat)
            self.curr_feat = self.smooth_feat
        else:
            smooth = FEAT_ALPHA * self.smooth_feat + (1 - FEAT_ALPHA) * feat
            assert smooth.dtype == np.float32
            self.smooth_feat = _normalized_f32(smooth)

    # -- box accessors ----------------------------------------------------------------------
    @property
    def tlwh(self) -> np.ndarray:
        if self.mean is None:
            return self._tlwh.copy()
        ret = self.mean[:4].copy()
        ret[2] *= ret[3]
        ret[:2] -= ret[2:] / 2
        return ret

    @property
    def tlbr(self) -> np.ndarray:
        ret = self.tlwh
        ret[2:] += ret[:2]
        return ret

    @staticmethod
    def tlwh_to_xyah(tlwh: np.ndarray) -> np.ndarray:
        ret = np.asarray(tlwh, dtype=np.float64).copy()
        ret[:2] += ret[2:] / 2
        ret[2] /= ret[3]
        return ret

    def to_xyah(self) -> np.ndarray:
        return self.tlwh_to_xyah(self.tlwh)

    # -- life cycle -------------------------------------------------------------------------
    def predict(self, kf: KalmanFilter) -> None:
        mean = self.mean.copy()
        if self.state != TrackState.Tracked:
            mean[7] = 0.0
        self.mean, self.covariance = kf.predict(mean, self.covariance)

    def activate(self, kf: KalmanFilter, frame_id: int, track_id: int) -> None:
        self.track_id = track_id
        self.mean, self.covariance = kf.initiate(self.tlwh_to_xyah(self._tlwh))
        self.tracklet_len = 0
        self.state = TrackState.Tracked
        self.is_activated = frame_id == 1
        self.frame_id = frame_id
        self.start_frame = frame_id

    def re_activate(self, kf: KalmanFilter, det: "RefTrack", frame_id: int, update_score: bool) -> None:
        self.mean, self.covariance = kf.update(self.mean, self.covariance, det.to_xyah())
        self.update_features(det.curr_feat)
        self.tracklet_len = 0
        self.state = TrackState.Tracked
        self.is_activated = True
        self.frame_id = frame_id
        self.det_index = det.det_index
        if update_score:
            self.score = det.score

    def update(self, kf: KalmanFilter, det: "RefTrack", frame_id: int) -> None:
        self.frame_id = frame_id
        self.tracklet_len += 1
        self.mean, self.covariance = kf.update(self.mean, self.covariance, det.to_xyah())
        self.state = TrackState.Tracked
        self.is_activated = True
        self.score = det.score
        self.det_index = det.det_index
        self.update_features(det.curr_feat)

    def mark_lost(self) -> None:
        self.state = TrackState.Lost

    def mark_removed(self) -> None:
        self.state = TrackState.Removed

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return (f"RefTrack(id={self.track_id}, state={self.state}, act={self.is_activated}, "
                f"start={self.start_frame}, last={self.frame_id})")


# --------------------------------------------------------------------------------------------
# Matching helpers (§4.6, §4.7, §4.4 step 3)
# --------------------------------------------------------------------------------------------
def linear_assignment(cost: np.ndarray, thresh: float):
    """lap.lapjv(extend_cost=True, cost_limit=thresh), as the official code calls it."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.size == 0:
        return [], list(range(cost.shape[0])), list(range(cost.shape[1]))
    _, x, y = lap.lapjv(cost, extend_cost=True, cost_limit=thresh)
    matches = [(i, int(x[i])) for i in range(len(x)) if x[i] >= 0]
    u_a = [int(i) for i in np.where(x < 0)[0]]
    u_b = [int(j) for j in np.where(y < 0)[0]]
    return matches, u_a, u_b


def bbox_ious(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU with the +1 pixel convention of cython_bbox (§4.7), float64."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    out = np.zeros((len(a), len(b)), dtype=np.float64)
    if out.size == 0:
        return out
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]) + 1
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]) + 1
    ok = (iw > 0) & (ih > 0)
    inter = iw * ih
    ua = area_a[:, None] + area_b[None, :] - inter
    out[ok] = inter[ok] / ua[ok]
    return out


def iou_distance(atracks: List[RefTrack], btracks: List[RefTrack]) -> np.ndarray:
    if len(atracks) == 0 or len(btracks) == 0:
        return np.zeros((len(atracks), len(btracks)), dtype=np.float64)
    ious = bbox_ious(np.array([t.tlbr for t in atracks]), np.array([t.tlbr for t in btracks]))
    return 1 - ious


def embedding_distance(tracks: List[RefTrack], dets: List[RefTrack]) -> np.ndarray:
    cost = np.zeros((len(tracks), len(dets)), dtype=np.float64)
    if cost.size == 0:
        return cost
    det_f = np.asarray([d.curr_feat for d in dets], dtype=np.float64)
    trk_f = np.asarray([t.smooth_feat for t in tracks], dtype=np.float64)
    return np.maximum(0.0, cdist(trk_f, det_f, "cosine"))


def fuse_motion(kf: KalmanFilter, cost: np.ndarray, tracks: List[RefTrack], dets: List[RefTrack]) -> np.ndarray:
    if cost.size == 0:
        return cost
    Z = np.asarray([d.to_xyah() for d in dets])
    for row, t in enumerate(tracks):
        g = kf.gating_distance(t.mean, t.covariance, Z)
        cost[row, g > CHI2INV95_4] = np.inf
        cost[row] = FUSE_LAMBDA * cost[row] + (1 - FUSE_LAMBDA) * g
    return cost


def joint_tracks(a: List[RefTrack], b: List[RefTrack]) -> List[RefTrack]:
    seen = set()
    res = []
    for t in a:
        seen.add(t.track_id)
        res.append(t)
    for t in b:
        if t.track_id not in seen:
            seen.add(t.track_id)
            res.append(t)
    return res


def sub_tracks(a: List[RefTrack], b: List[RefTrack]) -> List[RefTrack]:
    d = {}
    for t in a:
        d[t.track_id] = t
    for t in b:
        d.pop(t.track_id, None)
    return list(d.values())


def remove_duplicate_tracks(a: List[RefTrack], b: List[RefTrack]):
    pdist = iou_distance(a, b)
    dup_a, dup_b = set(), set()
    for p, q in zip(*np.where(pdist < 0.15)):
        time_p = a[p].frame_id - a[p].start_frame
        time_q = b[q].frame_id - b[q].start_frame
        if time_p > time_q:
            dup_b.add(int(q))
        else:
            dup_a.add(int(p))
    return ([t for i, t in enumerate(a) if i not in dup_a],
            [t for i, t in enumerate(b) if i not in dup_b])


# --------------------------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------------------------
@dataclass
class RefResult:
    ids: np.ndarray
    tlwh: np.ndarray
    scores: np.ndarray
    det_index: np.ndarray
    tracks: List[RefTrack] = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[dict]:
        for i in range(len(self.ids)):
            yield {"id": int(self.ids[i]), "tlwh": self.tlwh[i], "score": float(self.scores[i]),
                   "det_index": int(self.det_index[i])}


# --------------------------------------------------------------------------------------------
# Tracker (§4.3, §4.4, §4.11 "motion + reid")
# --------------------------------------------------------------------------------------------
class ReferenceJDETracker:
    def __init__(self, conf_thres: float = 0.4, track_buffer: int = 30, frame_rate: float = 30,
                 association: str = "default", match_thres: float = 0.4, iou_thres: float = 0.5,
                 unconfirmed_thres: float = 0.7) -> None:
        # The official code hard-codes 0.4 / 0.5 / 0.7 (ByteTrack's variant reads match_thres from its
        # options); our tracker exposes all three for tuning, so the reference takes them too.
        if association not in ("default", "byte"):
            raise ValueError(f"unknown association {association!r}")
        self.conf_thres = float(conf_thres)
        self.track_buffer = track_buffer
        self.frame_rate = frame_rate
        self.association = association
        self.match_thres = float(match_thres)
        self.iou_thres = float(iou_thres)
        self.unconfirmed_thres = float(unconfirmed_thres)
        self.det_thresh = self.conf_thres + 0.1 if association == "byte" else self.conf_thres
        self.buffer_size = int(frame_rate / 30.0 * track_buffer)
        self.max_time_lost = self.buffer_size
        self.kalman_filter = KalmanFilter()
        self.reset()

    def reset(self) -> None:
        self.tracked_stracks: List[RefTrack] = []
        self.lost_stracks: List[RefTrack] = []
        self.removed_stracks: List[RefTrack] = []
        self.frame_id = 0
        self._id_count = 0

    def _next_id(self) -> int:
        self._id_count += 1
        return self._id_count

    # ---------------------------------------------------------------------------------------
    @staticmethod
    def _thr(scores: np.ndarray, t: float):
        """A threshold in the dtype of the scores (float32 compare for float32 scores)."""
        return scores.dtype.type(t)

    def _make_dets(self, boxes, scores, feats, idx) -> List[RefTrack]:
        dets = []
        for i in idx:
            b = boxes[i]
            tlwh = b.copy()
            tlwh[2:] -= tlwh[:2]  # in the input dtype (float32 for float32 input)
            dets.append(RefTrack(tlwh, scores[i], feats[i], int(i)))
        return dets

    def update(self, boxes_xyxy, scores, embeddings) -> RefResult:
        boxes = np.asarray(boxes_xyxy)
        scores = np.asarray(scores)
        feats = np.asarray(embeddings)
        if boxes.dtype not in (np.float32, np.float64):
            boxes = boxes.astype(np.float32)
        if scores.dtype not in (np.float32, np.float64):
            scores = scores.astype(np.float32)
        boxes = boxes.reshape(-1, 4)
        scores = scores.reshape(-1)
        n = len(scores)
        feats = feats.astype(np.float32).reshape(n, -1) if n else np.zeros((0, 1), np.float32)
        assert len(boxes) == n

        kf = self.kalman_filter
        self.frame_id += 1
        activated: List[RefTrack] = []
        refind: List[RefTrack] = []
        lost: List[RefTrack] = []
        removed: List[RefTrack] = []

        # §3 step 10: keep rows with score > conf_thres (strict)
        remain = np.where(scores > self._thr(scores, self.conf_thres))[0]
        detections = self._make_dets(boxes, scores, feats, remain)
        if self.association == "byte":
            low = np.where((scores > self._thr(scores, 0.2)) &
                           (scores < self._thr(scores, self.conf_thres)))[0]
        else:
            low = np.zeros(0, dtype=np.int64)

        # step 2
        unconfirmed, tracked = [], []
        for t in self.tracked_stracks:
            (tracked if t.is_activated else unconfirmed).append(t)

        # step 3: embedding + motion
        pool = joint_tracks(tracked, self.lost_stracks)
        for t in pool:
            t.predict(kf)
        dists = embedding_distance(pool, detections)
        dists = fuse_motion(kf, dists, pool, detections)
        matches, u_track, u_det = linear_assignment(dists, self.match_thres)
        for it, idet in matches:
            t, d = pool[it], detections[idet]
            if t.state == TrackState.Tracked:
                t.update(kf, d, self.frame_id)
                activated.append(t)
            else:
                t.re_activate(kf, d, self.frame_id, update_score=self.association == "byte")
                refind.append(t)

        # step 4: IoU
        detections = [detections[i] for i in u_det]
        r_tracked = [pool[i] for i in u_track if pool[i].state == TrackState.Tracked]
        dists = iou_distance(r_tracked, detections)
        matches, u_track, u_det = linear_assignment(dists, self.iou_thres)
        for it, idet in matches:
            t, d = r_tracked[it], detections[idet]
            if t.state == TrackState.Tracked:
                t.update(kf, d, self.frame_id)
                activated.append(t)
            else:  # unreachable (only Tracked tracks are in r_tracked)
                t.re_activate(kf, d, self.frame_id, update_score=self.association == "byte")
                refind.append(t)

        if self.association == "byte":
            # §4.11: third association of the still-unmatched Tracked tracks with low-score dets
            dets_second = self._make_dets(boxes, scores, feats, low)
            second = [r_tracked[i] for i in u_track if r_tracked[i].state == TrackState.Tracked]
            dists = iou_distance(second, dets_second)
            matches2, u_track2, _ = linear_assignment(dists, 0.4)
            for it, idet in matches2:
                t, d = second[it], dets_second[idet]
                if t.state == TrackState.Tracked:
                    t.update(kf, d, self.frame_id)
                    activated.append(t)
                else:  # unreachable
                    t.re_activate(kf, d, self.frame_id, update_score=True)
                    refind.append(t)
            for it in u_track2:
                t = second[it]
                if t.state != TrackState.Lost:
                    t.mark_lost()
                    lost.append(t)
        else:
            for it in u_track:
                t = r_tracked[it]
                if t.state != TrackState.Lost:
                    t.mark_lost()
                    lost.append(t)

        # step 5: unconfirmed tracks (un-predicted means) vs detections left after stage 2
        detections = [detections[i] for i in u_det]
        dists = iou_distance(unconfirmed, detections)
        matches, u_unconf, u_det = linear_assignment(dists, self.unconfirmed_thres)
        for it, idet in matches:
            unconfirmed[it].update(kf, detections[idet], self.frame_id)
            activated.append(unconfirmed[it])
        for it in u_unconf:
            t = unconfirmed[it]
            t.mark_removed()
            removed.append(t)

        # step 6: new tracks
        for inew in u_det:
            t = detections[inew]
            if t.score < self._thr(scores, self.det_thresh):
                continue
            t.activate(kf, self.frame_id, self._next_id())
            activated.append(t)

        # step 7: expire lost tracks (the list as it was at the start of the frame)
        for t in self.lost_stracks:
            if self.frame_id - t.frame_id > self.max_time_lost:
                t.mark_removed()
                removed.append(t)

        # step 8: bookkeeping, in this order
        self.tracked_stracks = [t for t in self.tracked_stracks if t.state == TrackState.Tracked]
        self.tracked_stracks = joint_tracks(self.tracked_stracks, activated)
        self.tracked_stracks = joint_tracks(self.tracked_stracks, refind)
        self.lost_stracks = sub_tracks(self.lost_stracks, self.tracked_stracks)
        self.lost_stracks.extend(lost)
        self.lost_stracks = sub_tracks(self.lost_stracks, self.removed_stracks)
        self.removed_stracks.extend(removed)
        self.tracked_stracks, self.lost_stracks = remove_duplicate_tracks(
            self.tracked_stracks, self.lost_stracks)

        # step 9: output
        out = [t for t in self.tracked_stracks if t.is_activated]
        for t in out:
            assert t.frame_id == self.frame_id, "every output track was updated in this frame"
        m = len(out)
        return RefResult(
            ids=np.array([t.track_id for t in out], dtype=np.int64),
            tlwh=np.array([t.tlwh for t in out], dtype=np.float64).reshape(m, 4),
            scores=np.array([float(t.score) for t in out], dtype=np.float64),
            det_index=np.array([t.det_index for t in out], dtype=np.int64),
            tracks=out,
        )
