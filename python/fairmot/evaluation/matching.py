"""Box overlaps per frame, and the data the metrics evaluate.

All boxes of a sequence sit in flat arrays ordered by frame (file order within a frame). For every
frame that has both ground-truth and tracker boxes, :class:`FramePairs` lists all of its (gt, tracker)
box pairs row-major, so that the pairs of frame ``k`` are exactly the entries of that frame's
``(n, m)`` similarity matrix, in memory order. Element-wise work (IoU, thresholds) then runs on the
whole sequence at once, and only what has to be sequential (optimal assignment per frame) loops.

IoU follows TrackEval's ``_calculate_box_ious`` operation by operation (``x1 = x0 + w``, areas from
the corners, zero intersection for boxes of area <= eps), so every similarity is the same double
TrackEval computes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EPS", "FramePairs", "SequenceData", "box_iou", "frame_pairs", "pair_iou", "segment_starts",
           "sequential_segment_sums"]

#: ``np.finfo(float).eps``: TrackEval's tolerance in every threshold comparison.
EPS = float(np.finfo(np.float64).eps)


def segment_starts(frames: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and count of each frame of ``wanted`` in ``frames`` (sorted (n,) int64)."""
    start = np.searchsorted(frames, wanted, side="left")
    stop = np.searchsorted(frames, wanted, side="right")
    return start.astype(np.int64), (stop - start).astype(np.int64)


@dataclass(frozen=True)
class FramePairs:
    """The frames where both sides have boxes, and all (gt, tracker) box pairs of each.

    For frame ``k`` (0 ... F-1) the gt boxes are ``gt_start[k] : gt_start[k] + gt_count[k]`` and the
    tracker boxes ``trk_start[k] : trk_start[k] + trk_count[k]`` (indices into the sequence's
    frame-ordered arrays); its ``gt_count[k] * trk_count[k]`` pairs are
    ``pair_start[k] : pair_start[k + 1]``, row-major (gt row, tracker column).

    Attributes:
        frames: (F,) int64 frame numbers, increasing.
        gt_start, gt_count, trk_start, trk_count: (F,) int64.
        pair_start: (F + 1,) int64 offsets into the pair arrays (last = number of pairs P).
        gt_index, trk_index: (P,) int64 box index of each pair's gt and tracker box.
    """

    frames: np.ndarray
    gt_start: np.ndarray
    gt_count: np.ndarray
    trk_start: np.ndarray
    trk_count: np.ndarray
    pair_start: np.ndarray
    gt_index: np.ndarray
    trk_index: np.ndarray

    def __len__(self) -> int:
        return int(self.frames.size)

    def frame_of(self, positions: np.ndarray) -> np.ndarray:
        """(n,) int64: the frame position k of the pairs at flat ``positions`` (n,)."""
        return np.searchsorted(self.pair_start, positions, side="right") - 1

    def conflicted(self, positions: np.ndarray) -> np.ndarray:
        """(F,) bool: frames where a box belongs to more than one of the pairs at flat ``positions``.

        Where no box is in two of the given pairs, the pairs are the positive part of every optimal
        assignment of scores that are positive on exactly them, whatever the solver: such frames need no
        assignment and have no ties to break.
        """
        out = np.zeros(len(self), dtype=bool)
        if positions.size == 0:
            return out
        g, t = self.gt_index[positions], self.trk_index[positions]
        shared = (np.bincount(g)[g] > 1) | (np.bincount(t)[t] > 1)
        out[self.frame_of(positions[shared])] = True
        return out

    def select(self, keep_gt: np.ndarray, keep_trk: np.ndarray) -> tuple[FramePairs, np.ndarray]:
        """The pairs of the kept boxes, with the kept boxes renumbered in order.

        Args:
            keep_gt: (G,) bool over the gt boxes; keep_trk: (T,) bool over the tracker boxes.

        Returns:
            the pairs of the kept boxes (frames where both sides keep a box) and a (P,) bool mask of
            the kept pairs among this object's pairs (their order is preserved: the kept pairs of a frame
            are the row-major entries of its similarity matrix with the dropped rows and columns removed).
        """
        mask = keep_gt[self.gt_index] & keep_trk[self.trk_index]
        gt_before = _kept_before(keep_gt)  # (G + 1,): kept boxes before index i = new index of box i if kept
        trk_before = _kept_before(keep_trk)
        gt_count = gt_before[self.gt_start + self.gt_count] - gt_before[self.gt_start]
        trk_count = trk_before[self.trk_start + self.trk_count] - trk_before[self.trk_start]
        live = (gt_count > 0) & (trk_count > 0)
        counts = gt_count[live] * trk_count[live]
        pair_start = np.zeros(int(live.sum()) + 1, dtype=np.int64)
        np.cumsum(counts, out=pair_start[1:])
        pairs = FramePairs(self.frames[live], gt_before[self.gt_start[live]], gt_count[live],
                           trk_before[self.trk_start[live]], trk_count[live], pair_start,
                           gt_before[self.gt_index[mask]], trk_before[self.trk_index[mask]])
        return pairs, mask


def sequential_segment_sums(values: np.ndarray, segment: np.ndarray) -> float:
    """``sum over segments of (sum of the segment's values)``, each sum taken left to right.

    The order of TrackEval's accumulations (``total += sum(values of this frame)``), so that the total is
    the same double. ``segment`` (n,) int64 is non-decreasing (the segment of each value).
    """
    if values.size == 0:
        return 0.0
    _, start, count = np.unique(segment, return_index=True, return_counts=True)
    table = np.zeros((start.size, int(count.max())))
    table[np.repeat(np.arange(start.size), count), np.arange(values.size) - np.repeat(start, count)] = values
    per_segment = np.cumsum(table, axis=1)[:, -1]  # cumsum adds left to right; trailing zeros add nothing
    return float(np.cumsum(per_segment)[-1])


def _kept_before(keep: np.ndarray) -> np.ndarray:
    """(n + 1,) int64: how many of ``keep[:i]`` are True, for i = 0 ... n."""
    before = np.zeros(keep.size + 1, dtype=np.int64)
    np.cumsum(keep, out=before[1:])
    return before


def frame_pairs(gt_frames: np.ndarray, trk_frames: np.ndarray) -> FramePairs:
    """All (gt, tracker) box pairs of the frames where both sides have boxes.

    Args:
        gt_frames: (G,) int64 frame of each gt box, non-decreasing.
        trk_frames: (T,) int64 frame of each tracker box, non-decreasing.
    """
    frames = np.intersect1d(gt_frames, trk_frames)
    gt_start, gt_count = segment_starts(gt_frames, frames)
    trk_start, trk_count = segment_starts(trk_frames, frames)
    pair_start = np.zeros(frames.size + 1, dtype=np.int64)
    np.cumsum(gt_count * trk_count, out=pair_start[1:])
    # one "row" per gt box of these frames: its frame's tracker boxes
    row_frame = np.repeat(np.arange(frames.size, dtype=np.int64), gt_count)
    row_in_frame = np.arange(row_frame.size, dtype=np.int64) - np.repeat(np.cumsum(gt_count) - gt_count, gt_count)
    row_gt = gt_start[row_frame] + row_in_frame
    row_len = trk_count[row_frame]
    row_pair_start = pair_start[row_frame] + row_in_frame * row_len
    gt_index = np.repeat(row_gt, row_len)
    trk_index = np.arange(int(pair_start[-1]), dtype=np.int64)
    trk_index -= np.repeat(row_pair_start - trk_start[row_frame], row_len)
    return FramePairs(frames.astype(np.int64), gt_start, gt_count, trk_start, trk_count, pair_start,
                      gt_index, trk_index)


def _corners(tlwh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x0, y0, x1 = x0 + w, y1 = y0 + h and the area from the corners, each (n,) float64 (TrackEval's order)."""
    box = np.asarray(tlwh, dtype=np.float64).reshape(-1, 4)
    x0, y0 = np.ascontiguousarray(box[:, 0]), np.ascontiguousarray(box[:, 1])
    x1, y1 = x0 + box[:, 2], y0 + box[:, 3]
    return x0, y0, x1, y1, (x1 - x0) * (y1 - y0)


_CHUNK = 1 << 16  # pairs per block: the temporaries stay in cache


def pair_iou(gt_tlwh: np.ndarray, trk_tlwh: np.ndarray, gt_index: np.ndarray, trk_index: np.ndarray) -> np.ndarray:
    """IoU of the box pairs ``(gt_tlwh[gt_index[p]], trk_tlwh[trk_index[p]])``, TrackEval's arithmetic.

    Args:
        gt_tlwh: (G, 4) float64 boxes (x, y, w, h) in pixels; trk_tlwh: (T, 4).
        gt_index, trk_index: (P,) int64 pair members.

    Returns:
        (P,) float64 IoU in [0, 1].
    """
    gx0, gy0, gx1, gy1, garea = _corners(gt_tlwh)
    tx0, ty0, tx1, ty1, tarea = _corners(trk_tlwh)
    out = np.empty(gt_index.size, dtype=np.float64)
    for lo in range(0, gt_index.size, _CHUNK):
        gi, ti = gt_index[lo:lo + _CHUNK], trk_index[lo:lo + _CHUNK]
        width = np.minimum(gx1.take(gi), tx1.take(ti))
        width -= np.maximum(gx0.take(gi), tx0.take(ti))
        np.maximum(width, 0, out=width)
        height = np.minimum(gy1.take(gi), ty1.take(ti))
        height -= np.maximum(gy0.take(gi), ty0.take(ti))
        np.maximum(height, 0, out=height)
        inter = width
        inter *= height
        a1, a2 = garea.take(gi), tarea.take(ti)
        union = a1 + a2
        union -= inter
        inter[(a1 <= 0 + EPS) | (a2 <= 0 + EPS) | (union <= 0 + EPS)] = 0
        union[union <= 0 + EPS] = 1
        np.divide(inter, union, out=out[lo:lo + _CHUNK])
    return out


def box_iou(gt_tlwh: np.ndarray, trk_tlwh: np.ndarray) -> np.ndarray:
    """(n, m) IoU matrix of two box sets (x, y, w, h), TrackEval's arithmetic."""
    n, m = len(gt_tlwh), len(trk_tlwh)
    gi, ti = np.divmod(np.arange(n * m, dtype=np.int64), max(m, 1))
    return pair_iou(gt_tlwh, trk_tlwh, gi, ti).reshape(n, m)


@dataclass(frozen=True)
class SequenceData:
    """One sequence as the metrics see it (after a protocol's preprocessing): TrackEval's ``data``.

    Boxes are ordered by frame (file order within a frame); ids are dense (0 ... num_ids - 1, in the
    order of the original ids).

    Attributes:
        name: sequence name.
        num_timesteps: frames in the sequence.
        gt_ids: (G,) int64 dense gt id of each gt box; tracker_ids: (T,) likewise.
        num_gt_ids, num_tracker_ids: number of distinct ids.
        pairs: every (gt, tracker) box pair of the frames where both sides have boxes.
        similarity: (P,) float64 IoU of each pair of ``pairs``.
    """

    name: str
    num_timesteps: int
    gt_ids: np.ndarray
    tracker_ids: np.ndarray
    num_gt_ids: int
    num_tracker_ids: int
    pairs: FramePairs
    similarity: np.ndarray

    @property
    def num_gt_dets(self) -> int:
        return int(self.gt_ids.size)

    @property
    def num_tracker_dets(self) -> int:
        return int(self.tracker_ids.size)
