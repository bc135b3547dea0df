"""Tracking core: Jonker-Volgenant assignment, Kalman filter, distances and
FairMOT's ``JDETracker``, implemented in C++ (``fairmot._tracker``).

Boxes are in image pixels. ``x1, y1, x2, y2`` ("tlbr") for inputs,
``x1, y1, w, h`` ("tlwh") for outputs; Kalman measurements are ``xyah`` =
(centre x, centre y, aspect w/h, height). Everything follows the official
FairMOT tracker (see docs/official_behaviour.md §4), with per-instance, consecutive track ids.
"""
from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np

from .. import _tracker
from ..config import TrackerConfig
from .types import Detections
from ..validation import ASSOCIATION, NON_NEGATIVE_NUMBER, POSITIVE_NUMBER, REID_BUFFER, SCORE_THRESHOLD, TRACK_BUFFER

__all__ = [
    "JDETracker",
    "TrackResult",
    "KalmanFilter",
    "lapjv",
    "linear_assignment",
    "iou_distance",
    "embedding_distance",
    "fuse_motion",
    "CHI2INV95",
    "warp_state",
]

logger = logging.getLogger(__name__)

#: 0.95 quantile of the chi-square distribution by degrees of freedom.
CHI2INV95: dict[int, float] = dict(_tracker.CHI2INV95)  # the C++ table (kalman_filter.hpp), one copy

# ------------------------------------------------------------------ assignment

#: ``lapjv(cost, extend_cost=False, cost_limit=inf, return_cost=True, *, partial=False)
#: -> (total_cost, x, y)``, or ``(x, y)`` with ``return_cost=False``
#:
#: Dense linear assignment, a drop-in for ``lap.lapjv`` (lap / lapx 0.5.x):
#: same parameters in the same order, same results; the differences are
#: listed in docs/compatibility.md. ``cost`` is an (N, M) real matrix; ``x``
#: (N,) holds the column of each row and ``y`` (M,) the row of each column,
#: -1 where unassigned (int32, as lap); ``total_cost`` is the sum of ``cost``
#: over the assigned pairs (a Python float, summed as numpy sums, so it is
#: lap's total bit for bit when ``x`` is the same). Where the optimum is
#: unique, ``x`` and ``y`` are lap's; among several optima either may be
#: returned.
#:
#: * ``+inf`` marks a forbidden pair. If forbidden pairs leave no complete
#:   assignment of finite cost (``cost_limit`` infinite; complete = the
#:   smaller side all assigned), the result is, as with lap, a complete
#:   assignment with ``total_cost == inf``: test ``total_cost == inf`` to
#:   detect infeasibility. Its finite pairs form the cheapest matching among
#:   those with the most finite pairs; the indices of the smaller side left
#:   over (ascending) take the lowest free indices of the other side
#:   (ascending). lap completes the assignment arbitrarily.
#: * ``partial=True`` (keyword only, not in lap): for such a problem return
#:   just that cheapest matching of maximum size, -1 for the indices left
#:   unmatched and a finite total; no forbidden pair is ever assigned. On a
#:   feasible problem, or with a finite ``cost_limit``, it changes nothing.
#: * ``NaN`` and ``-inf`` entries raise ``ValueError`` (lap's answer is
#:   meaningless there); so do a NaN or ``-inf`` ``cost_limit`` and a
#:   non-square matrix without ``extend_cost=True`` (also with a finite
#:   ``cost_limit``, as lap 0.5).
#: * ``extend_cost=True``: the smaller side is assigned completely.
#: * finite ``cost_limit`` L: minimises ``sum(matched c) + L/2 * (#unmatched
#:   rows + #unmatched columns)``, i.e. maximises ``sum(L - c)`` over matched
#:   pairs, so no pair costing more than L is ever matched. This is *not* the
#:   same as solving the full problem and then dropping pairs above L: the
#:   full solution may pair a row with an expensive column to free a cheap
#:   column for another row, and dropping the expensive pair afterwards loses
#:   both. FairMOT's association relies on the thresholded problem.
lapjv = _tracker.lapjv

#: ``linear_assignment(cost, thresh) -> (matches (K, 2), unmatched_rows, unmatched_cols)``
#:
#: FairMOT's association primitive: ``lapjv(cost, extend_cost=True,
#: cost_limit=thresh, partial=True)``, so a forbidden (``inf``) pair is never
#: matched, even with ``thresh=inf``; matches in ascending row order,
#: unmatched indices ascending (int64). An empty matrix leaves everything
#: unmatched.
linear_assignment = _tracker.linear_assignment


def iou_distance(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """1 - IoU between (N, 4) and (M, 4) ``x1, y1, x2, y2`` boxes -> (N, M) float64.

    Uses the official "+1 pixel" convention: area = (x2 - x1 + 1)(y2 - y1 + 1).
    """
    return _tracker.iou_distance(boxes_a, boxes_b)


def embedding_distance(track_features: np.ndarray, detection_features: np.ndarray) -> np.ndarray:
    """Cosine distance max(0, 1 - cos) between (N, D) and (M, D) features -> (N, M) float64."""
    return _tracker.embedding_distance(track_features, detection_features)


def fuse_motion(
    kf: "KalmanFilter | None",
    cost: np.ndarray,
    mean: np.ndarray,
    covariance: np.ndarray,
    measurements: np.ndarray,
    lambda_: float = TrackerConfig.fuse_lambda,
    only_position: bool = False,
) -> np.ndarray:
    """FairMOT's motion gating and fusion of an appearance cost.

    cost (N, M); mean (N, 8) and covariance (N, 8, 8) of the N tracks;
    measurements (M, 4) ``xyah`` of the detections. Entries whose squared
    Mahalanobis distance d exceeds the 95% chi-square quantile (9.4877 for 4
    dof) become inf; then cost = lambda_ * cost + (1 - lambda_) * d. Returns a
    new (N, M) float64 array. ``kf`` is accepted for API symmetry with the
    official code; the filter has no parameters.
    """
    del kf
    return _tracker.fuse_motion(cost, mean, covariance, measurements, only_position, lambda_)


# ------------------------------------------------------------------ Kalman


def _real(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` as float64; TypeError for anything but real numbers (complex values, strings,
    objects), which a float64 conversion would silently truncate or parse."""
    a = np.asarray(array)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def _as_batch(array: np.ndarray, single_ndim: int, name: str) -> tuple[np.ndarray, bool]:
    a = _real(array, name)
    if a.ndim == single_ndim:
        return a[None], True
    if a.ndim == single_ndim + 1:
        return a, False
    raise ValueError(f"{name} must have {single_ndim} or {single_ndim + 1} dimensions, got shape {a.shape}")


class KalmanFilter:
    """8-D constant-velocity Kalman filter over ``xyah`` (docs/official_behaviour.md §4.5), float64.

    Every method takes one track (mean (8,), covariance (8, 8), measurement
    (4,)) or a batch (means (N, 8), covariances (N, 8, 8), measurements
    (N, 4)) and returns new arrays of the same rank; inputs are not modified.
    """

    ndim = 4
    dt = 1.0
    std_weight_position = 1.0 / 20
    std_weight_velocity = 1.0 / 160

    def initiate(self, measurement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Track state from an unassociated ``xyah`` measurement."""
        z, single = _as_batch(measurement, 1, "measurement")
        mean, cov = _tracker.kf_initiate(z)
        return (mean[0], cov[0]) if single else (mean, cov)

    def predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One time step (dt = 1) ahead."""
        m, single = _as_batch(mean, 1, "mean")
        m2, c2 = _tracker.kf_predict(m, _as_batch(covariance, 2, "covariance")[0])
        return (m2[0], c2[0]) if single else (m2, c2)

    multi_predict = predict

    def project(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Measurement-space mean (4,) and covariance (4, 4) (or batches)."""
        m, single = _as_batch(mean, 1, "mean")
        pm, pc = _tracker.kf_project(m, _as_batch(covariance, 2, "covariance")[0])
        return (pm[0], pc[0]) if single else (pm, pc)

    def update(
        self, mean: np.ndarray, covariance: np.ndarray, measurement: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Correct the state with an ``xyah`` measurement."""
        m, single = _as_batch(mean, 1, "mean")
        c = _as_batch(covariance, 2, "covariance")[0]
        z = _real(measurement, "measurement")
        if single and z.ndim == 1:
            z = z[None]
        m2, c2 = _tracker.kf_update(m, c, z)
        return (m2[0], c2[0]) if single else (m2, c2)

    def gating_distance(
        self,
        mean: np.ndarray,
        covariance: np.ndarray,
        measurements: np.ndarray,
        only_position: bool = False,
        metric: str = "maha",
    ) -> np.ndarray:
        """Squared Mahalanobis distance of (M, 4) measurements to the projected state.

        One track -> (M,); a batch of N tracks -> (N, M). ``only_position``
        uses (cx, cy) only. ``metric="gaussian"`` gives the squared Euclidean
        distance instead.
        """
        m, single = _as_batch(mean, 1, "mean")
        c = _as_batch(covariance, 2, "covariance")[0]
        z = _real(measurements, "measurements")
        if z.ndim != 2 or z.shape[1] != 4:
            raise ValueError(f"measurements must have shape (M, 4), got {z.shape}")
        if metric == "maha":
            d = _tracker.kf_gating_distance(m, c, z, only_position)
        elif metric == "gaussian":
            pm, _ = _tracker.kf_project(m, c)
            k = 2 if only_position else 4
            diff = z[None, :, :k] - pm[:, None, :k]
            d = np.sum(diff * diff, axis=2)
        else:
            raise ValueError(f"metric must be 'maha' or 'gaussian', got {metric!r}")
        return d[0] if single else d


def warp_state(mean: np.ndarray, covariance: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kalman states moved by a camera motion, exactly as ``JDETracker.update(..., warp=warp)`` moves its tracks.

    mean (8,) or (N, 8) ``cx, cy, a, h, vcx, vcy, va, vh`` (pixels, pixels per frame); covariance
    (8, 8) or (N, 8, 8); warp (2, 3) affine ``[L | t]`` from previous-frame to current-frame pixels.
    Returns new float64 arrays of the input ranks: centre ``L c + t``, aspect kept, height and its
    velocity times ``s = sqrt(|det L|)``, centre velocity ``L v``, covariance ``M P M^T`` with
    ``M = diag(L, 1, s, L, 1, s)``. ``ValueError`` for a warp outside the valid range (see
    :meth:`JDETracker.update`).
    """
    m, single = _as_batch(mean, 1, "mean")
    c = _as_batch(covariance, 2, "covariance")[0]
    m2, c2 = _tracker.warp_state(m, c, _warp(warp))
    return (m2[0], c2[0]) if single else (m2, c2)


# ------------------------------------------------------------------ tracker


class TrackResult(NamedTuple):
    """One frame's output: the activated, tracked targets in official order.

    ids (M,) int64, consecutive per tracker from 1; tlwh (M, 4) float64
    ``x1, y1, w, h`` in pixels from the Kalman state; scores (M,) float64;
    det_index (M,) int64: the input row each target was matched to this frame;
    class_ids (M,) int64: each target's class (that of the detection that started it; 0 when the
    tracker is given no class ids).
    """

    ids: np.ndarray
    tlwh: np.ndarray
    scores: np.ndarray
    det_index: np.ndarray
    class_ids: np.ndarray

    def __len__(self) -> int:  # number of targets, not of fields
        return int(self.ids.shape[0])


def _class_ids(value) -> np.ndarray:
    """(N,) int64 class ids from an integer array-like; ``TypeError`` / ``ValueError`` naming the fault."""
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError("class_ids contains NaN")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if not (arr.size == 0 and arr.ndim == 1):
            raise TypeError(f"class_ids must hold integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
    if arr.ndim != 1:
        raise ValueError(f"class_ids must have shape (N,), got {arr.shape}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"class_ids must be non-negative, got {int(arr.min())}")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise ValueError("class_ids must fit in int64")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _warp(value) -> np.ndarray:
    """A (2, 3) float64 affine from an array-like; ``TypeError`` / ``ValueError`` naming ``warp``."""
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"warp must be a (2, 3) array of real numbers, got dtype {arr.dtype}")
    if arr.shape != (2, 3):
        raise ValueError(f"warp must have shape (2, 3), got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)  # finiteness and range: checked by the core


class JDETracker:
    """FairMOT's online association (``JDETracker.update`` of the official code).

    Args:
        conf_thres: detections need ``score > conf_thres`` (official 0.4); in [0, 1).
        track_buffer: frames (at 30 fps) a lost track is kept (official 30); a positive int.
        frame_rate: stream frame rate, finite and > 0; ``max_time_lost = int(frame_rate / 30 *
            track_buffer)``, saturated at 2**31 - 1 (a huge rate: lost tracks never expire).
        association: ``"default"`` (official) or ``"byte"``, which adds a third
            IoU pass over the low-score detections (``low_thres < score <
            conf_thres``), starts new tracks only above ``conf_thres + 0.1``
            and updates the score on re-activation (ByteTrack's FairMOT variant).
        match_thres: threshold of the embedding + motion stage (official 0.4); finite, >= 0.
        low_thres: lower score bound of the byte mode's second band (0.2); in [0, 1).
        iou_thres: threshold of the IoU stage over the tracked tracks the embedding stage left
            (official 0.5, a cost 1 - IoU); finite, >= 0.
        unconfirmed_thres: threshold of the IoU stage over unconfirmed (one-frame) tracks
            (official 0.7); finite, >= 0.
        reid_buffer: long-gap re-identification (not in the official tracker; docs/identity.md):
            frames at 30 fps (scaled by ``frame_rate / 30`` like ``track_buffer``) a confirmed
            track stays in a gallery after the official tracker forgets it. A detection that would
            start a new track is first matched against the gallery (one optimal assignment on the
            embeddings' cosine distance, gated by time gap, distance travelled, size and class) and
            revives the old id. 0 (default) = off: the official tracker, bit for bit. The gallery
            holds at most ``TrackerConfig.reid_gallery_size`` entries (oldest evicted).
        reid_thres: the gallery's cosine-distance threshold (default 0.3); finite, >= 0.

    Arguments are checked with the rules of ``fairmot track``'s options (:mod:`fairmot.validation`):
    ``TypeError`` for a wrong type (a bool, a string, a float ``track_buffer``), ``ValueError`` for a
    value out of range (NaN, inf, negative), each naming the argument and the value.

    ``update`` is thread-safe per instance (it runs without the GIL; the state
    properties may be read from other threads meanwhile, they wait for the
    running update); separate instances are independent.
    Detections whose aspect ratio ``w / h`` is not finite are ignored, like detections under the score
    threshold: a zero height, or a height so small (subnormal, e.g. ``5e-324``) that ``w / h`` overflows (the
    official tracker would produce NaN / inf boxes). Boxes with negative width or height are processed exactly
    as the official tracker processes them. A call rejected with an exception leaves the
    tracker's state unchanged.
    """

    def __init__(
        self,
        conf_thres: float = TrackerConfig.conf_thres,
        track_buffer: int = TrackerConfig.track_buffer,
        frame_rate: float = TrackerConfig.frame_rate,
        association: str = TrackerConfig.association,
        match_thres: float = TrackerConfig.match_thres,
        low_thres: float = TrackerConfig.low_thres,
        iou_thres: float = TrackerConfig.iou_thres,
        unconfirmed_thres: float = TrackerConfig.unconfirmed_thres,
        reid_buffer: int = TrackerConfig.reid_buffer,
        reid_thres: float = TrackerConfig.reid_thres,
    ) -> None:
        conf_thres = SCORE_THRESHOLD(conf_thres, "conf_thres")
        track_buffer = TRACK_BUFFER(track_buffer, "track_buffer")
        frame_rate = POSITIVE_NUMBER(frame_rate, "frame_rate")
        association = ASSOCIATION(association, "association")
        match_thres = NON_NEGATIVE_NUMBER(match_thres, "match_thres")
        low_thres = SCORE_THRESHOLD(low_thres, "low_thres")
        iou_thres = NON_NEGATIVE_NUMBER(iou_thres, "iou_thres")
        unconfirmed_thres = NON_NEGATIVE_NUMBER(unconfirmed_thres, "unconfirmed_thres")
        reid_buffer = REID_BUFFER(reid_buffer, "reid_buffer")
        reid_thres = NON_NEGATIVE_NUMBER(reid_thres, "reid_thres")
        self._core = _tracker.JDETracker(conf_thres, track_buffer, frame_rate, association, match_thres, low_thres,
                                         iou_thres, unconfirmed_thres, reid_buffer, reid_thres)
        self.reid_buffer = reid_buffer
        self.reid_thres = reid_thres
        self.conf_thres = conf_thres
        self.track_buffer = track_buffer
        self.frame_rate = frame_rate
        self.association = association
        self.match_thres = match_thres
        self.low_thres = low_thres
        self.iou_thres = iou_thres
        self.unconfirmed_thres = unconfirmed_thres

    def update(self, boxes: np.ndarray | Detections, scores: np.ndarray | None = None,
               embeddings: np.ndarray | None = None, class_ids: np.ndarray | None = None,
               warp: np.ndarray | None = None) -> TrackResult:
        """Associate one frame of detections.

        boxes (N, 4) ``x1, y1, x2, y2`` pixels; scores (N,); embeddings (N, D)
        (L2-normalised; stored as float32 like the official tracker). float32
        or float64; N may be 0 (then any empty arrays are accepted). A
        :class:`fairmot.tracking.Detections` may be passed alone instead (its
        ``class_ids`` are used).

        class_ids (N,) integers >= 0, or None (every detection class 0: the official
        single-class tracker, bit for bit). A track keeps the class of the detection that
        started it; no stage (embedding, IoU, unconfirmed, byte low-score, duplicate removal)
        pairs a detection with a track of another class, so the result equals one
        official tracker per class run side by side, with ids unique across classes.
        Bad class ids raise ``TypeError`` (not integers) or ``ValueError`` (NaN, wrong
        length, negative) and leave the state unchanged.

        warp: camera-motion compensation (not in the official tracker; docs/identity.md): a
        (2, 3) affine ``A`` mapping previous-frame pixels to this frame's (``p = A[:, :2] @ p_prev +
        A[:, 2]``, e.g. from :class:`fairmot.tracking.GMC`). Before prediction, every track's Kalman
        state (tracked and lost) and the re-id gallery's boxes move with it: centre by ``A``,
        height by ``s = sqrt(|det A[:, :2]|)``, aspect kept, centre velocity by ``A[:, :2]``,
        height velocity by ``s``, covariance ``M P M^T`` with ``M = diag(L, 1, s, L, 1, s)``.
        None or the exact identity: no change, bit for bit. ``TypeError`` for a non-numeric array,
        ``ValueError`` for a wrong shape, a non-finite entry, a linear part with an entry beyond +-2 or
        ``|det|`` outside [0.5, 2], or a translation beyond +-1e50 px; the state is then unchanged.
        """
        if isinstance(boxes, Detections):
            if scores is not None or embeddings is not None or class_ids is not None:
                raise TypeError("JDETracker.update: pass a Detections alone, or boxes, scores and embeddings")
            boxes, scores, embeddings, class_ids = boxes.boxes, boxes.scores, boxes.embeddings, boxes.class_ids
        elif scores is None or embeddings is None:
            raise TypeError("JDETracker.update needs boxes, scores and embeddings (or one Detections)")
        if class_ids is not None:
            class_ids = _class_ids(class_ids)
        if warp is not None:
            warp = _warp(warp)
        return TrackResult(*self._core.update(boxes, scores, embeddings, class_ids, warp))

    def reset(self) -> None:
        """Forget every track and restart frame and id counters."""
        self._core.reset()

    @property
    def frame_id(self) -> int:
        """Number of frames seen since construction or the last reset."""
        return self._core.frame_id

    @property
    def max_time_lost(self) -> int:
        """Frames a lost track is kept: ``int(frame_rate / 30 * track_buffer)``, at most 2**31 - 1."""
        return self._core.max_time_lost

    @property
    def num_tracked(self) -> int:
        return self._core.num_tracked

    @property
    def num_lost(self) -> int:
        return self._core.num_lost

    @property
    def reid_max_frames(self) -> int:
        """Frames a removed track stays in the re-id gallery: ``int(frame_rate / 30 * reid_buffer)``
        (at least 1 when ``reid_buffer > 0``; 0 when re-identification is off)."""
        return self._core.reid_max_frames

    @property
    def gallery_size(self) -> int:
        """Entries in the re-id gallery now (at most ``TrackerConfig.reid_gallery_size``)."""
        return self._core.gallery_size

    def reid_gallery(self) -> dict[str, np.ndarray]:
        """A copy of the re-id gallery, oldest removal first: ``ids``, ``class_ids``,
        ``start_frame``, ``last_seen`` (frame of the last matched detection), ``removed`` (frame it
        entered the gallery), each (K,) int64; ``mean`` (K, 8) float64 Kalman mean at removal
        (``cx, cy, a, h, vcx, vcy, va, vh``, pixels and pixels per frame, moved by every warp since);
        ``features`` (K, D) float32 smoothed embeddings."""
        return dict(self._core.gallery())

    def __repr__(self) -> str:
        return (
            f"JDETracker(conf_thres={self.conf_thres}, track_buffer={self.track_buffer}, "
            f"frame_rate={self.frame_rate}, association={self.association!r}, frame_id={self.frame_id})"
        )
