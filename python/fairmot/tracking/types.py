"""The two types between the stages: :class:`Detections` flow from the detector to the association,
:class:`Tracks` flow out of it (numpy only, no torch).

Both validate their arrays when built (shapes, dtypes, finiteness) and raise ``ValueError`` /
``TypeError`` naming the field, so a bad array fails where it is made, not frames later in C++.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

__all__ = ["Detections", "Tracks"]

#: Rows of ``Detections.embeddings`` must have an L2 norm within this of 1 (or be all zeros, as
#: ``F.normalize`` leaves an all-zero vector).
EMBEDDING_NORM_TOLERANCE = 1e-2  # loose enough for float16 / bfloat16 networks


def _real_array(value: Any, name: str, dtype: type, ndim: int) -> np.ndarray:
    """``value`` as a C-contiguous ``dtype`` array of ``ndim`` dimensions; real numbers only."""
    arr = np.asarray(value)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    with np.errstate(over="ignore"):  # an overflow to inf is reported just below
        out = np.ascontiguousarray(arr, dtype=dtype)
    if np.issubdtype(dtype, np.floating) and not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite (no NaN / inf after conversion to {np.dtype(dtype).name})")
    return out


def _int_array(value: Any, name: str, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if arr.size == 0 and arr.ndim == 1:  # an empty list is fine
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Detections:
    """The detections of one frame, from the detector to the association.

    Attributes:
        boxes: (N, 4) float32 ``x1, y1, x2, y2`` in frame pixels (``xyxy``).
        scores: (N,) float32 detection confidences in [0, 1] (after the ``conf_thres`` cut).
        embeddings: (N, D) float32 appearance embeddings, each row L2-normalised (norm 1, or all
            zeros); D is the network's re-identification size (128 for FairMOT).
        class_ids: (N,) int64 class of each detection (the heatmap channel it was decoded from; the
            detector fills it, all 0 for a single-class network), or None (class 0).

    Iterating gives ``(boxes, scores, embeddings)``, so code that unpacked the detector's old tuple
    (``boxes, scores, emb = detector.detect(frame)``) keeps working; ``len()`` is N.
    """

    boxes: np.ndarray
    scores: np.ndarray
    embeddings: np.ndarray
    class_ids: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        boxes = _real_array(self.boxes, "Detections.boxes", np.float32, 2)
        n = boxes.shape[0]
        if boxes.shape[1] != 4:
            raise ValueError(f"Detections.boxes must have shape (N, 4), got {boxes.shape}")
        scores = _real_array(self.scores, "Detections.scores", np.float32, 1)
        if scores.shape != (n,):
            raise ValueError(f"Detections.scores must have shape ({n},) like boxes, got {scores.shape}")
        emb = np.asarray(self.embeddings)
        if emb.ndim == 1 and emb.size == 0 and n == 0:
            emb = emb.reshape(0, 0)
        emb = _real_array(emb, "Detections.embeddings", np.float32, 2)
        if emb.shape[0] != n:
            raise ValueError(f"Detections.embeddings must have {n} rows like boxes, got shape {emb.shape}")
        if n and emb.shape[1] == 0:
            raise ValueError("Detections.embeddings must have at least one column")
        norms = np.sqrt(np.einsum("ij,ij->i", emb.astype(np.float64), emb.astype(np.float64)))
        bad = ~((np.abs(norms - 1.0) <= EMBEDDING_NORM_TOLERANCE) | (norms == 0.0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Detections.embeddings must be L2-normalised rows; row {i} has norm {norms[i]:.6g}")
        class_ids = None if self.class_ids is None else _int_array(self.class_ids, "Detections.class_ids", n)
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "embeddings", emb)
        object.__setattr__(self, "class_ids", class_ids)

    @classmethod
    def empty(cls, dim: int = 0) -> "Detections":
        """No detections, embeddings of size ``dim``."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, int(dim)), np.float32))

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.boxes, self.scores, self.embeddings))

    @property
    def xyxy(self) -> np.ndarray:
        """(N, 4) float32 ``x1, y1, x2, y2`` pixels (the same array as ``boxes``)."""
        return self.boxes

    @property
    def tlwh(self) -> np.ndarray:
        """(N, 4) float32 ``x1, y1, w, h`` pixels (a new array)."""
        out = self.boxes.copy()
        out[:, 2:] -= out[:, :2]
        return out

    @property
    def dim(self) -> int:
        """Embedding size D."""
        return int(self.embeddings.shape[1])


@dataclass(frozen=True, eq=False)
class Tracks:
    """The tracks reported for one frame, out of the association (after the output filter when they
    come from :class:`fairmot.Tracker`).

    Attributes:
        ids: (M,) int64 track identities, consecutive per tracker from 1.
        tlwh: (M, 4) float64 ``x1, y1, w, h`` in frame pixels (the Kalman state).
        scores: (M,) float64 score of the detection each track was matched to this frame.
        det_index: (M,) int64 row of that detection in this frame's :class:`Detections`, or None.
        class_ids: (M,) int64 class of each track, or None.

    ``fairmot.tracker.FrameTracks`` is this type (its ``ids, tlwh, scores`` keep their order).
    """

    ids: np.ndarray
    tlwh: np.ndarray
    scores: np.ndarray
    det_index: np.ndarray | None = None
    class_ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        ids_in = np.asarray(self.ids)
        if ids_in.ndim != 1:
            raise ValueError(f"Tracks.ids must have shape (M,), got {ids_in.shape}")
        m = ids_in.shape[0]
        ids = _int_array(ids_in, "Tracks.ids", m)
        tlwh = np.asarray(self.tlwh)
        if tlwh.size == 0 and m == 0:
            tlwh = tlwh.reshape(0, 4)
        tlwh = _real_array(tlwh, "Tracks.tlwh", np.float64, 2)
        if tlwh.shape != (m, 4):
            raise ValueError(f"Tracks.tlwh must have shape ({m}, 4) like ids, got {tlwh.shape}")
        scores = _real_array(self.scores, "Tracks.scores", np.float64, 1)
        if scores.shape != (m,):
            raise ValueError(f"Tracks.scores must have shape ({m},) like ids, got {scores.shape}")
        det_index = None if self.det_index is None else _int_array(self.det_index, "Tracks.det_index", m)
        class_ids = None if self.class_ids is None else _int_array(self.class_ids, "Tracks.class_ids", m)
        for name, value in (("ids", ids), ("tlwh", tlwh), ("scores", scores), ("det_index", det_index),
                            ("class_ids", class_ids)):
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def xyxy(self) -> np.ndarray:
        """(M, 4) float64 ``x1, y1, x2, y2`` pixels (a new array)."""
        out = self.tlwh.copy()
        out[:, 2:] += out[:, :2]
        return out

    def select(self, keep: np.ndarray) -> "Tracks":
        """The tracks where the boolean mask / index array ``keep`` selects, every field alike."""
        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[keep]

        return Tracks(self.ids[keep], self.tlwh[keep], self.scores[keep], pick(self.det_index), pick(self.class_ids))
