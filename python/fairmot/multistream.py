"""``fairmot.MultiStreamTracker``: N video streams through ONE batched network forward per call, each
stream with its own association state (its own C++ ``JDETracker``, frame counter and frame rate).

The network, the peak decoding (batched ``heatmap_topk``) and the embedding gather run once per
call on the frames that arrived; letterboxing, the mapping back to frame pixels and the association
are per stream, so streams may have different frame sizes and frame rates. See docs/multistream.md.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence, overload

import numpy as np

from .config import DEFAULT_K, TrackerConfig
from .tracker import Tracker
from .tracking import JDETracker
from .tracking.types import Tracks
from .validation import POSITIVE_INT, POSITIVE_NUMBER

__all__ = ["MultiStreamTracker"]

logger = logging.getLogger(__name__)


class MultiStreamTracker:
    """FairMOT on ``streams`` independent streams with one batched network call per update.

    Args:
        weights, arch, img_size, conf_thres, device, dtype, track_buffer, min_box_area,
        max_aspect_ratio, association, K, match_thres, low_thres, iou_thres, unconfirmed_thres: as
            :class:`fairmot.Tracker` (checked with the same rules).
        streams: number of streams (a positive int); streams are numbered ``0 .. streams - 1``.
        frame_rate: one frame rate for every stream, or a sequence of ``streams`` frame rates
            (each stream's association uses its own, as a separate ``Tracker`` would).
        max_batch: at most this many frames per network call (None: all frames of an update in one
            call). On a CPU, large inputs (DLA-34 at 1088x608) can run slower in big batches than
            one by one (benchmarks/RESULTS.md, "Streams"); GPUs gain from big batches.

    ``update`` takes a list of ``streams`` frames (``None`` where a stream has no new frame) or a
    dict ``{stream: frame}`` and returns a list (``None`` for streams without a frame) or a dict of
    :class:`fairmot.tracking.Tracks` in the same shape. Frames are BGR uint8 (H_i, W_i, 3); their
    sizes may differ between streams and over time. An ONNX network exported with a fixed batch of 1
    runs the batch one image at a time (same results, no batching gain): export with
    ``--dynamic-batch`` for a real batched call.

    Every input is checked before anything runs: a rejected call (``ValueError`` / ``TypeError``
    naming the stream) changes no stream's state.
    """

    def __init__(self, weights=None, streams: int = 1, arch: str | None = None,
                 img_size: tuple[int, int] | None = None, conf_thres: float = TrackerConfig.conf_thres,
                 device: str = "auto", dtype: str = "float32", track_buffer: int = TrackerConfig.track_buffer,
                 frame_rate: float | Sequence[float] = TrackerConfig.frame_rate,
                 min_box_area: float | None = TrackerConfig.min_box_area,
                 max_aspect_ratio: float | None = TrackerConfig.max_aspect_ratio,
                 association: str = TrackerConfig.association, K: int = DEFAULT_K,
                 max_batch: int | None = None, match_thres: float = TrackerConfig.match_thres,
                 low_thres: float = TrackerConfig.low_thres, iou_thres: float = TrackerConfig.iou_thres,
                 unconfirmed_thres: float = TrackerConfig.unconfirmed_thres) -> None:
        streams = POSITIVE_INT(streams, "streams")
        self.max_batch = None if max_batch is None else POSITIVE_INT(max_batch, "max_batch")
        if isinstance(frame_rate, (str, bytes)):
            raise TypeError(f"frame_rate must be a number or a sequence of {streams} numbers, got {frame_rate!r}")
        if isinstance(frame_rate, (Sequence, np.ndarray)):
            rates = list(frame_rate)
            if len(rates) != streams:
                raise ValueError(f"frame_rate has {len(rates)} values for {streams} streams")
            rates = [POSITIVE_NUMBER(r, f"frame_rate[{i}]") for i, r in enumerate(rates)]
        else:
            rates = [POSITIVE_NUMBER(frame_rate, "frame_rate")] * streams
        # one Tracker checks every shared argument and loads the network once; its detector is shared
        self._first = Tracker(weights, arch=arch, img_size=img_size, conf_thres=conf_thres, device=device,
                              dtype=dtype, track_buffer=track_buffer, frame_rate=rates[0],
                              min_box_area=min_box_area, max_aspect_ratio=max_aspect_ratio,
                              association=association, K=K, match_thres=match_thres, low_thres=low_thres,
                              iou_thres=iou_thres, unconfirmed_thres=unconfirmed_thres)
        self.detector = self._first.detector
        self.frame_rates: tuple[float, ...] = tuple(rates)
        self.associations: list[JDETracker] = [self._first.association] + [
            JDETracker(frame_rate=r, **{k: v for k, v in self._first.settings().items()
                                        if k not in ("min_box_area", "max_aspect_ratio")}) for r in rates[1:]]

    @property
    def streams(self) -> int:
        """Number of streams."""
        return len(self.associations)

    def _stream(self, stream: Any) -> int:
        if isinstance(stream, (bool, np.bool_)) or not isinstance(stream, (int, np.integer)):
            raise TypeError(f"stream must be an int in [0, {self.streams}), got {stream!r}")
        if not 0 <= int(stream) < self.streams:
            raise ValueError(f"stream {int(stream)} out of range: this tracker has streams 0..{self.streams - 1}")
        return int(stream)

    def frame_id(self, stream: int = 0) -> int:
        """Frames tracked so far on ``stream`` (0 after a reset)."""
        return self.associations[self._stream(stream)].frame_id

    def reset(self, stream: int | None = None) -> None:
        """Start ``stream`` anew (its ids restart at 1); ``None`` resets every stream."""
        if stream is None:
            for a in self.associations:
                a.reset()
        else:
            self.associations[self._stream(stream)].reset()

    @overload
    def update(self, frames: Mapping[int, np.ndarray]) -> dict[int, Tracks]: ...

    @overload
    def update(self, frames: Sequence[np.ndarray | None]) -> list[Tracks | None]: ...

    def update(self, frames):
        """Track one new frame on each given stream with one batched network forward.

        Args:
            frames: a list of exactly ``streams`` BGR uint8 frames (H_i, W_i, 3), ``None`` for a
                stream without a new frame; or a dict ``{stream index: frame}`` (non-empty).

        Returns:
            the per-stream :class:`Tracks` (after the official output filter) as a list with ``None``
            where no frame was given, or as a dict with the given keys, in the given order.
        """
        from .detection.detector import check_frame

        if isinstance(frames, Mapping):
            if not frames:
                raise ValueError("update: the dict of frames is empty (give at least one {stream: frame})")
            items = [(self._stream(k), v) for k, v in frames.items()]
        elif isinstance(frames, (list, tuple)):
            if len(frames) != self.streams:
                raise ValueError(f"update: got {len(frames)} frames for {self.streams} streams "
                                 "(use None for a stream without a frame, or a dict {stream: frame})")
            items = [(i, f) for i, f in enumerate(frames) if f is not None]
            if not items:
                raise ValueError("update: every frame is None")
        else:
            raise TypeError(f"update: frames must be a list of {self.streams} frames or a dict {{stream: frame}}, "
                            f"got {type(frames).__name__}")
        for i, f in items:
            check_frame(f, f"the frame of stream {i}")
        step = self.max_batch or len(items)
        detections = [d for start in range(0, len(items), step)
                      for d in self.detector.detect_batch([f for _, f in items[start:start + step]])]
        results = {i: self._first.output(self.associations[i].update(d))
                   for (i, _), d in zip(items, detections)}
        if isinstance(frames, Mapping):
            return results
        return [results.get(i) for i in range(self.streams)]
