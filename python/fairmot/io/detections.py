"""Cached detections: what the network hands to the association, saved losslessly per frame.

``fairmot track --save-detections DIR`` writes one folder per stream::

    DIR/detections.json        what the run was (format, frames, frame size and rate, score floor,
                               detector and tracker settings, chunk list)
    DIR/chunk-000000.npz       frames 1 ... 500: numpy's compressed archive of
                                 counts     (F,)   int64    detections per frame
                                 boxes      (N, 4) float32  x1, y1, x2, y2 in frame pixels
                                 scores     (N,)   float32
                                 embeddings (N, D) float32  L2-normalised
                                 class_ids  (N,)   int64    class of each detection (caches
                                                            written before multi-class support
                                                            have none: read as class 0)
    DIR/chunk-000001.npz       frames 501 ... 1000, ...

The arrays are the exact float32 values the detector produced (zlib compression, no rounding), so
:func:`fairmot.tracking.replay` re-runs only the association and reproduces the full run's result
file byte for byte. Chunks are written while the run goes on: an interrupted run keeps every
complete chunk and the frames of the last one (the manifest is rewritten with each chunk).
"""
from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_open

__all__ = ["DetectionCacheWriter", "DetectionCache", "CachedFrame", "FORMAT", "FORMAT_VERSION", "MANIFEST", "open_detections",
           "find_detection_caches"]

logger = logging.getLogger(__name__)

FORMAT = "fairmot-detections"
FORMAT_VERSION = 1
MANIFEST = "detections.json"
#: Frames per chunk file.
CHUNK_FRAMES = 500


def _chunk_name(index: int) -> str:
    return f"chunk-{index:06d}.npz"


class CachedFrame(tuple):
    """One cached frame: a ``(boxes, scores, embeddings)`` tuple (so ``b, s, e = frame`` keeps
    working) with the detections' classes as the attribute ``class_ids`` ((N,) int64, or None for
    caches written without them)."""

    class_ids: np.ndarray | None

    def __new__(cls, boxes: np.ndarray, scores: np.ndarray, embeddings: np.ndarray,
                class_ids: np.ndarray | None = None) -> "CachedFrame":
        self = super().__new__(cls, (boxes, scores, embeddings))
        self.class_ids = class_ids
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (fairmot tune sends frames to worker processes)
        return (CachedFrame, (self[0], self[1], self[2], self.class_ids))

    def detections(self) -> Any:
        """This frame as a :class:`fairmot.tracking.Detections` (validated, class ids included)."""
        from ..tracking.types import Detections

        return Detections(self[0], self[1], self[2], class_ids=self.class_ids)


def _check_class_ids(value: Any, n: int) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"class_ids must hold integers, got {a.dtype}")
    if a.shape != (n,):
        raise ValueError(f"class_ids must be ({n},), got {a.shape}")
    if n and int(a.min()) < 0:
        raise ValueError(f"class_ids must be non-negative, got {int(a.min())}")
    return a.astype(np.int64)


def _check_frame(boxes: Any, scores: Any, embeddings: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float32 copies of one frame's detections (shapes (N, 4), (N,), (N, D))."""
    arrays = []
    for name, value in (("boxes", boxes), ("scores", scores), ("embeddings", embeddings)):
        a = np.asarray(value)
        if a.dtype != np.float32:
            raise TypeError(f"{name} must be float32 (the detector's output), got {a.dtype}")
        arrays.append(a)
    b, s, e = arrays
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"boxes must be (N, 4), got {b.shape}")
    if s.shape != (b.shape[0],):
        raise ValueError(f"scores must be ({b.shape[0]},), got {s.shape}")
    if e.ndim != 2 or e.shape[0] != b.shape[0]:
        raise ValueError(f"embeddings must be ({b.shape[0]}, D), got {e.shape}")
    return b, s, e


@dataclass
class DetectionCacheWriter:
    """Writes a detection cache folder frame by frame (use as a context manager).

    Args:
        path: the folder (created; an existing cache there is replaced).
        meta: what the run was: JSON-serialisable settings stored in the manifest (``frame_size``,
            ``frame_rate``, ``score_floor``, ``detector``, ``tracker``, ``source``, ``sequence``).
        chunk_frames: frames per chunk file.
    """

    path: Path
    meta: Mapping[str, Any] = field(default_factory=dict)
    chunk_frames: int = CHUNK_FRAMES
    frames: int = 0
    dim: int | None = None
    _chunks: list[dict[str, int]] = field(default_factory=list)
    _pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if int(self.chunk_frames) < 1:
            raise ValueError(f"chunk_frames must be >= 1, got {self.chunk_frames}")
        if self.path.exists() and not self.path.is_dir():
            raise NotADirectoryError(f"detections path exists and is not a folder: {self.path}")
        self.path.mkdir(parents=True, exist_ok=True)
        for old in self.path.glob("chunk-*.npz"):  # a previous cache in the same folder
            old.unlink()
        json.dumps(dict(self.meta))  # fail now, not after the run, on settings JSON cannot hold

    def add(self, boxes: Any, scores: np.ndarray | None = None, embeddings: np.ndarray | None = None,
            class_ids: np.ndarray | None = None) -> None:
        """Append the next frame's detections: float32 boxes (N, 4), scores (N,), embeddings (N, D)
        and optionally integer class_ids (N,) (None: class 0), or one
        :class:`fairmot.tracking.Detections` (copied, its class ids included)."""
        if scores is None and embeddings is None and hasattr(boxes, "embeddings"):
            boxes, scores, embeddings, class_ids = boxes.boxes, boxes.scores, boxes.embeddings, boxes.class_ids
        b, s, e = _check_frame(boxes, scores, embeddings)
        c = None if class_ids is None else _check_class_ids(class_ids, b.shape[0]).copy()
        if b.shape[0]:
            if self.dim is None:
                self.dim = int(e.shape[1])
            elif e.shape[1] != self.dim:
                raise ValueError(f"embedding size changed from {self.dim} to {e.shape[1]} at frame {self.frames + 1}")
        self._pending.append((b.copy(), s.copy(), e.copy(), c))
        self.frames += 1
        if len(self._pending) >= self.chunk_frames:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        dim = self.dim or 0
        counts = np.array([p[0].shape[0] for p in self._pending], dtype=np.int64)
        boxes = np.concatenate([p[0] for p in self._pending]) if counts.sum() else np.zeros((0, 4), np.float32)
        scores = np.concatenate([p[1] for p in self._pending]) if counts.sum() else np.zeros(0, np.float32)
        emb = (np.concatenate([p[2] for p in self._pending if p[2].shape[0]]) if counts.sum()
               else np.zeros((0, dim), np.float32))
        arrays = {"counts": counts, "boxes": boxes, "scores": scores, "embeddings": emb}
        if any(p[3] is not None for p in self._pending):  # a frame without class ids is class 0
            arrays["class_ids"] = (np.concatenate([p[3] if p[3] is not None else np.zeros(p[0].shape[0], np.int64)
                                                   for p in self._pending]) if counts.sum() else np.zeros(0, np.int64))
        name = _chunk_name(len(self._chunks))
        with atomic_open(self.path / name, "wb") as f:
            np.savez_compressed(f, **arrays)
        self._chunks.append({"file": name, "frames": int(counts.size), "detections": int(counts.sum())})
        self._pending = []
        self._write_manifest()

    def _write_manifest(self) -> None:
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, "frames": sum(c["frames"] for c in self._chunks),
                    "embedding_dim": self.dim or 0, **dict(self.meta), "chunks": self._chunks}
        with atomic_open(self.path / MANIFEST, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)

    def close(self) -> None:
        """Write the last chunk and the manifest."""
        self._flush()
        if not self._chunks:
            self._write_manifest()

    def __enter__(self) -> "DetectionCacheWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class DetectionCache:
    """A detection cache folder written by :class:`DetectionCacheWriter` (``fairmot track --save-detections``).

    ``len(cache)`` is the number of frames; iterating yields a :class:`CachedFrame` per frame: the tuple
    ``(boxes, scores, embeddings)`` (float32 (N, 4) x1, y1, x2, y2 pixels; (N,); (N, D)) with the
    attribute ``class_ids`` ((N,) int64, None for chunks written without classes: class 0);
    ``cache.meta`` is the manifest.

    Raises:
        FileNotFoundError: no manifest in the folder. ValueError: not a detection cache, an unknown
            format version, or chunk files that are missing, corrupt or disagree with the manifest.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        manifest = self.path / MANIFEST
        if not manifest.is_file():
            raise FileNotFoundError(f"no detection cache in {self.path} (missing {MANIFEST}; write one with "
                                    "fairmot track --save-detections)")
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{manifest}: not a detection cache manifest ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{manifest}: not a fairmot detection cache (format {meta.get('format')!r})"
                             if isinstance(meta, dict) else f"{manifest}: not a detection cache manifest")
        if meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"{manifest}: detection cache format version {meta.get('version')!r}; this fairmot "
                             f"reads version {FORMAT_VERSION}")
        chunks = meta.get("chunks")
        if not isinstance(chunks, list) or not all(isinstance(c, dict) and isinstance(c.get("file"), str)
                                                   and isinstance(c.get("frames"), int) for c in chunks):
            raise ValueError(f"{manifest}: malformed chunk list")
        if sum(c["frames"] for c in chunks) != meta.get("frames"):
            raise ValueError(f"{manifest}: chunk frames do not add up to {meta.get('frames')}")
        self.meta: dict[str, Any] = meta

    def __len__(self) -> int:
        return int(self.meta["frames"])

    @property
    def frame_rate(self) -> float | None:
        """The stream's frame rate the tracker was given (None if not recorded)."""
        fr = self.meta.get("frame_rate")
        return None if fr is None else float(fr)

    @property
    def score_floor(self) -> float | None:
        """Detections scoring at or below this were not saved (None if not recorded)."""
        v = self.meta.get("score_floor")
        return None if v is None else float(v)

    def tracker_settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The association settings of the recorded run (manifest ``tracker``), with ``overrides``
        (None values ignored) on top: keyword arguments for :func:`fairmot.tracking.replay`.

        Only the keys ``replay`` takes are kept (``frame_rate`` is :attr:`frame_rate`)."""
        from ..tracking.replay import SETTINGS

        recorded = self.meta.get("tracker") or {}
        if not isinstance(recorded, dict):
            raise ValueError(f"{self.path / MANIFEST}: 'tracker' must be an object of settings")
        merged = {k: v for k, v in recorded.items() if k in SETTINGS}
        merged.update({k: v for k, v in (overrides or {}).items() if v is not None and k in SETTINGS})
        unknown = sorted(set(overrides or {}) - set(SETTINGS) - {"frame_rate"})
        if unknown:
            raise ValueError(f"unknown tracker settings {unknown}; choose from {sorted(SETTINGS)}")
        return merged

    @property
    def name(self) -> str:
        """The sequence name (the ``sequence`` entry, else the folder name)."""
        return str(self.meta.get("sequence") or self.path.name)

    def _load_chunk(self, chunk: Mapping[str, Any]) -> dict[str, np.ndarray]:
        file = self.path / chunk["file"]
        try:
            with np.load(file, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("counts", "boxes", "scores", "embeddings")}
                if "class_ids" in z.files:
                    arrays["class_ids"] = z["class_ids"]
        except FileNotFoundError:
            raise FileNotFoundError(f"detection cache chunk missing: {file}") from None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise ValueError(f"{file}: corrupt detection cache chunk ({exc})") from None
        counts, boxes, scores, emb = (arrays[k] for k in ("counts", "boxes", "scores", "embeddings"))
        n = int(counts.sum()) if counts.size else 0
        ok = (counts.dtype == np.int64 and counts.ndim == 1 and counts.size == chunk["frames"]
              and (counts >= 0).all() and boxes.dtype == np.float32 and boxes.shape == (n, 4)
              and scores.dtype == np.float32 and scores.shape == (n,) and emb.dtype == np.float32
              and emb.ndim == 2 and emb.shape[0] == n)
        cls = arrays.get("class_ids")
        if cls is not None:
            ok = ok and cls.dtype == np.int64 and cls.shape == (n,) and bool((cls >= 0).all())
        if not ok:
            raise ValueError(f"{file}: detection cache chunk does not match its manifest entry")
        return arrays

    def __iter__(self) -> Iterator[CachedFrame]:
        for chunk in self.meta["chunks"]:
            a = self._load_chunk(chunk)
            cls = a.get("class_ids")
            start = 0
            for c in a["counts"].tolist():
                yield CachedFrame(a["boxes"][start:start + c], a["scores"][start:start + c],
                                  a["embeddings"][start:start + c], None if cls is None else cls[start:start + c])
                start += c

    def frames(self) -> list[CachedFrame]:
        """Every frame's detections in a list (loads the whole cache)."""
        return list(self)


def open_detections(path: str | os.PathLike[str] | DetectionCache) -> DetectionCache:
    """A :class:`DetectionCache` for a folder (or the cache itself)."""
    return path if isinstance(path, DetectionCache) else DetectionCache(path)


def find_detection_caches(root: str | os.PathLike[str]) -> list[DetectionCache]:
    """The caches under ``root``: ``root`` itself when it is one, else each sub-folder holding one
    (sorted by name). Raises FileNotFoundError when there is none."""
    root = Path(root)
    if (root / MANIFEST).is_file():
        return [DetectionCache(root)]
    if not root.is_dir():
        raise FileNotFoundError(f"detections folder not found: {root}")
    caches = [DetectionCache(p) for p in sorted(root.iterdir()) if (p / MANIFEST).is_file()]
    if not caches:
        raise FileNotFoundError(f"no detection caches in {root} (expected {MANIFEST} there or in its sub-folders; "
                                "write them with fairmot track --save-detections)")
    return caches
