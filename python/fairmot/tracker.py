"""The end-to-end video tracker: ``fairmot.Tracker`` (frame -> tracks), ``fairmot.track_video`` and
``TrackingRun``, the per-frame loop of ``fairmot track`` / ``fairmot demo`` that records what it produces."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np

from .config import DEFAULT_IMG_SIZE, DEFAULT_K, TrackerConfig
from .io.draw import TrackTrails, draw_counts, draw_tracks
from .io.mot import format_mot_lines
from .io.sources import OFFICIAL_VIDEO_SIZE
from .io.writer import VideoWriter
from .tracking import JDETracker
from .tracking.output import filter_tracks, output_tracks, select_classes
from .tracking.types import Detections, Tracks
from .validation import (ARCH, ASSOCIATION, DEVICE, DTYPE, IMG_SIZE, NON_NEGATIVE_NUMBER, POSITIVE_INT, POSITIVE_NUMBER,
                         SCORE_THRESHOLD, TRACK_BUFFER, check_optional, check_weights)

__all__ = ["Tracker", "FrameTracks", "track_video", "filter_tracks", "TrackingRun"]

logger = logging.getLogger(__name__)


#: Tracks of one frame after the official output filter: ids (M,) int64; tlwh (M, 4) float64
#: ``x1, y1, w, h`` in frame pixels; scores (M,) float64; det_index (M,) int64. The old name of
#: :class:`fairmot.tracking.Tracks` (same type).
FrameTracks = Tracks


def lowest_score_used(conf_thres: float, association: str, low_thres: float = TrackerConfig.low_thres) -> float:
    """The lowest detection score the association reads: ``conf_thres``, or ``min(conf_thres,
    low_thres)`` in byte mode (its second, lower band); the detector must keep scores above it."""
    return min(conf_thres, low_thres) if association == "byte" else conf_thres


class Tracker:
    """FairMOT on a stream of frames: network, decoding and association.

    Args:
        weights: path to a FairMOT checkpoint (official ``.pth`` layout), or a model. ``None``
            uses the built-in model shipped with the package (when available; trained on synthetic
            scenes only, it finds few people on real footage and logs a warning saying so: pass real
            weights such as ``fairmot_dla34.pth``, see README "Models"). A path ending in
            ``.onnx`` (a network written by ``fairmot export``) runs the network with ONNX Runtime
            (``pip install 'fairmot[onnx]'``, onnxruntime >= 1.25) with the same pre-processing,
            decoding and association; a :class:`fairmot.detection.onnx_runtime.OnnxModel` is accepted too.
            For ONNX files, ``arch`` is unused, ``img_size`` None means the file's input size,
            ``device`` picks the ONNX Runtime provider and ``dtype`` must be "float32" (the file
            keeps the precision it was exported with).
        arch: network architecture of the checkpoint ("dla34", "dla34_tiny"); None: as recorded in
            the checkpoint, else "dla34". A name that contradicts the checkpoint is an error.
        img_size: network input (width, height); None: the checkpoint's ``meta['img_size']`` (the
            built-in model's training size), else the official 1088x608 (also 864x480, 576x320).
        conf_thres: detection threshold (official 0.4).
        device: "auto", "cpu" or "cuda[:i]".
        dtype: "float32", or "float16" / "bfloat16" on GPU.
        track_buffer, frame_rate: association buffer (frames at 30 fps) and stream frame rate.
        min_box_area, max_aspect_ratio: the official output filter (100, 1.6); None disables.
        association: "default" (official) or "byte".
        K: decoded centres per frame (official 500).
        match_thres, low_thres, iou_thres, unconfirmed_thres: the association's thresholds (official
            0.4, 0.2 (byte mode only), 0.5, 0.7; see :class:`fairmot.tracking.JDETracker`).
        score_floor: the detector keeps decoded centres scoring above this (default: the lowest
            score the association uses: ``conf_thres``, or ``min(conf_thres, low_thres)`` in byte
            mode). Lower it to see more detections in :meth:`detect` (e.g. to save them for
            :func:`fairmot.tracking.replay` at lower thresholds): the association still applies its
            own thresholds, so the tracks do not change. Must not exceed that default.

    Every argument is checked first with the rules of ``fairmot track``'s options
    (:mod:`fairmot.validation`): ``TypeError`` / ``ValueError`` naming the argument and the value.
    """

    def __init__(self, weights=None, arch: str | None = None, img_size: tuple[int, int] | None = None,
                 conf_thres: float = TrackerConfig.conf_thres, device: str = "auto", dtype: str = "float32",
                 track_buffer: int = TrackerConfig.track_buffer, frame_rate: float = TrackerConfig.frame_rate,
                 min_box_area: float | None = TrackerConfig.min_box_area,
                 max_aspect_ratio: float | None = TrackerConfig.max_aspect_ratio, association: str = TrackerConfig.association,
                 K: int = DEFAULT_K, match_thres: float = TrackerConfig.match_thres,
                 low_thres: float = TrackerConfig.low_thres, iou_thres: float = TrackerConfig.iou_thres,
                 unconfirmed_thres: float = TrackerConfig.unconfirmed_thres, score_floor: float | None = None) -> None:
        # the rules of fairmot track's options (fairmot.validation), before anything is loaded
        weights = check_weights(weights)
        arch = check_optional(ARCH, arch, "arch")
        img_size = check_optional(IMG_SIZE, img_size, "img_size")
        conf_thres = SCORE_THRESHOLD(conf_thres, "conf_thres")
        device = DEVICE(device, "device")
        dtype = DTYPE(dtype, "dtype")
        track_buffer = TRACK_BUFFER(track_buffer, "track_buffer")
        frame_rate = POSITIVE_NUMBER(frame_rate, "frame_rate")
        min_box_area = check_optional(NON_NEGATIVE_NUMBER, min_box_area, "min_box_area")
        max_aspect_ratio = check_optional(POSITIVE_NUMBER, max_aspect_ratio, "max_aspect_ratio")
        association = ASSOCIATION(association, "association")
        K = POSITIVE_INT(K, "K")
        # the association's own checks (JDETracker) run before the network is loaded too
        association_core = JDETracker(conf_thres=conf_thres, track_buffer=track_buffer, frame_rate=frame_rate,
                                      association=association, match_thres=match_thres, low_thres=low_thres,
                                      iou_thres=iou_thres, unconfirmed_thres=unconfirmed_thres)
        lowest = lowest_score_used(conf_thres, association, association_core.low_thres)
        score_floor = check_optional(SCORE_THRESHOLD, score_floor, "score_floor")
        if score_floor is None:
            score_floor = lowest
        elif score_floor > lowest:
            raise ValueError(f"score_floor={score_floor!r} is above the lowest score the association uses "
                             f"({lowest!r}): the tracker would miss detections; use score_floor <= {lowest!r}")

        import torch

        from .detection.detector import Detector
        from .models import load_model

        if weights is None:
            from .weights import default_weights

            weights = default_weights()  # load_model warns that it is the synthetic-only built-in model
        if isinstance(weights, torch.nn.Module):
            model = weights
        elif _is_onnx_model(weights):
            model = _onnx_model(weights, device, dtype)
            if img_size is None and model.img_size is not None:
                img_size = model.img_size
        else:
            if not os.path.exists(weights):
                raise FileNotFoundError(f"checkpoint not found: {weights}")
            model = load_model(weights, arch=arch)
        if img_size is None:
            meta_size = getattr(model, "checkpoint_meta", {}).get("img_size")
            img_size = tuple(int(v) for v in meta_size) if meta_size else DEFAULT_IMG_SIZE
        dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
        self.detector = Detector(model, img_size=img_size, conf_thres=score_floor, K=K, device=device,
                                 dtype=dtypes[dtype])
        self.association = association_core
        self.score_floor = score_floor
        self.min_box_area = min_box_area
        self.max_aspect_ratio = max_aspect_ratio

    @property
    def num_classes(self) -> int:
        """Object classes of the network (its heatmap channels; 1 for the official network)."""
        return self.detector.num_classes

    @property
    def class_names(self) -> list[str] | None:
        """The network's class names (checkpoint ``meta['classes']`` / ONNX metadata), or None."""
        return self.detector.class_names

    @property
    def frame_id(self) -> int:
        return self.association.frame_id

    def reset(self) -> None:
        """Start a new stream (ids restart at 1)."""
        self.association.reset()

    def update(self, frame_bgr: np.ndarray) -> Tracks:
        """Track one BGR uint8 frame (H, W, 3); returns this frame's (filtered) tracks."""
        return self.associate(self.detect(frame_bgr))

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """The network and decoding alone: one BGR uint8 frame (H, W, 3) -> the detections scoring
        above ``score_floor``, in frame pixels (what :meth:`associate` takes)."""
        return self.detector.detect(frame_bgr)

    def associate(self, detections: Detections) -> Tracks:
        """The association alone: one frame's detections -> this frame's (filtered) tracks."""
        return self.output(self.association.update(detections))

    def settings(self) -> dict[str, Any]:
        """The association and output-filter settings, JSON-ready (what a detection cache records)."""
        a = self.association
        return {"conf_thres": a.conf_thres, "track_buffer": a.track_buffer, "association": a.association,
                "match_thres": a.match_thres, "low_thres": a.low_thres, "iou_thres": a.iou_thres,
                "unconfirmed_thres": a.unconfirmed_thres, "min_box_area": self.min_box_area,
                "max_aspect_ratio": self.max_aspect_ratio}

    def output(self, res) -> Tracks:
        """The tracks a ``JDETracker.update`` result reports after the official output filter
        (``min_box_area`` / ``max_aspect_ratio``; None disables either)."""
        return output_tracks(res, self.min_box_area, self.max_aspect_ratio)


def _is_onnx_model(weights) -> bool:
    """An ONNX Runtime network: an ``OnnxModel`` or a path ending in ``.onnx``."""
    if isinstance(weights, (str, os.PathLike)):
        return os.fspath(weights).lower().endswith(".onnx")
    return type(weights).__name__ == "OnnxModel" and callable(weights)


def _onnx_model(weights, device: str, dtype: str):
    """Load an exported network with ONNX Runtime (or pass an ``OnnxModel`` through)."""
    from .detection.onnx_runtime import OnnxModel

    if dtype != "float32":
        raise ValueError(f"dtype {dtype!r} does not apply to ONNX models: their precision is fixed at export "
                         "(fairmot export --fp16)")
    if isinstance(weights, OnnxModel):
        return weights
    if not os.path.exists(weights):
        raise FileNotFoundError(f"ONNX model not found: {weights}")
    return OnnxModel(weights, device=device)


def track_video(source, weights=None, video_size: tuple[int, int] | None = OFFICIAL_VIDEO_SIZE,
                **kwargs) -> Iterator[tuple[int, np.ndarray, FrameTracks]]:
    """Track a video file, a folder of frames or a camera index.

    Yields (frame_index starting at 1, frame_bgr, FrameTracks). Video frames are resized to
    ``video_size`` first, 1920x1080 by default as the official demo does (boxes are then in that
    space); ``video_size=None`` keeps the native size. Image folders and cameras are never resized.
    Stream URLs and cameras are read live (:class:`fairmot.io.sources.LiveSource`: the newest frame each
    time, frames the tracker cannot keep up with are dropped).
    Other keyword arguments go to :class:`Tracker`; the frame rate defaults to the source's, as the
    official code gives it to the tracker: the container FPS rounded to an int, or ``frameRate``
    of a MOT ``seqinfo.ini``.
    """
    from .io.sources import open_source, prefetch

    src = open_source(source, video_size=video_size)
    kwargs.setdefault("frame_rate", src.frame_rate)
    tracker = Tracker(weights, **kwargs)
    # the next frames are read meanwhile; a live source reads on its own thread and keeps only the newest
    frames = src if getattr(src, "live", False) else prefetch(src)
    for index, frame in enumerate(frames, start=1):
        yield index, frame, tracker.update(frame)


@dataclass
class TrackingRun:
    """Feeds frames to ``tracker.update`` and keeps the results.

    The state is updated frame by frame, so whatever was tracked before an exception (for
    example ``KeyboardInterrupt``) is still in ``lines`` / ``frames`` when it propagates.

    Attributes:
        tracker: anything with ``update(frame_bgr) -> tracks`` (``fairmot.Tracker``).
        writer: annotated frames go here when given (boxes coloured by id, labels, fps).
        trails: track centre trails drawn on the annotated frames when given.
        bar: a tqdm progress bar to annotate with the number of tracks (optional).
        detections: a :class:`fairmot.io.detections.DetectionCacheWriter` receiving each frame's
            detections (``tracker.detect`` then ``tracker.associate`` are called instead of
            ``tracker.update``), or None.
        counting: a :class:`fairmot.counting.CountingSet` fed every frame's tracks and drawn on the
            annotated frames (optional).
        source: a live source (:class:`fairmot.io.sources.LiveSource`) whose ``dropped`` count is shown
            in the progress bar (optional).
        classes: report only tracks of these class indices (multi-class networks; after the
            association, so ids are those of an unfiltered run), or None for every track.
        class_column: write each track's class in column 8 of the result lines (1-based, see
            :func:`fairmot.io.mot.format_mot_lines`); False: the official format.
        class_names: display names of the classes for the drawn labels (``"<id> <name>"``), or
            None: the id alone (the official drawing).
        lines: MOT Challenge result lines, frames numbered from 1.
        ids_seen: every track id reported so far.
        frames: frames tracked.
        elapsed: seconds spent in ``tracker.update`` (network + decoding + association).
    """

    tracker: Any
    writer: VideoWriter | None = None
    trails: TrackTrails | None = None
    bar: Any = None
    detections: Any = None
    counting: Any = None
    source: Any = None
    classes: Any = None
    class_column: bool = False
    class_names: Any = None
    lines: list[str] = field(default_factory=list)
    ids_seen: set[int] = field(default_factory=set)
    frames: int = 0
    elapsed: float = 0.0

    @property
    def fps(self) -> float:
        """Frames per second of ``tracker.update`` so far (NaN before the first frame)."""
        return self.frames / self.elapsed if self.elapsed > 0 else float("nan")

    def step(self, frame_bgr: np.ndarray) -> Any:
        """Track one frame, record its lines and draw it; returns the tracker's result."""
        t0 = time.perf_counter()
        if self.detections is None:
            tracks = self.tracker.update(frame_bgr)
        else:
            dets = self.tracker.detect(frame_bgr)
            self.detections.add(dets)
            tracks = self.tracker.associate(dets)
        self.elapsed += time.perf_counter() - t0
        self.frames += 1
        if self.classes is not None:
            tracks = select_classes(tracks, self.classes)
        self.lines.extend(format_mot_lines(self.frames, tracks, class_column=self.class_column))
        self.ids_seen.update(int(i) for i in tracks.ids)
        if self.counting is not None:
            self.counting.update(tracks)
        if self.bar is not None:
            if self.source is not None:
                self.bar.set_postfix(tracks=len(tracks), dropped=self.source.dropped, refresh=False)
            else:
                self.bar.set_postfix(tracks=len(tracks), refresh=False)
        if self.writer is not None:
            if self.trails is not None:
                self.trails.update(tracks)
            fps = self.fps if self.elapsed > 0 else None
            img = draw_tracks(frame_bgr, tracks, trails=self.trails, frame_index=self.frames, fps=fps, copy=False,
                              class_names=self.class_names)
            if self.counting is not None:
                img = draw_counts(img, self.counting.lines, self.counting.zones, copy=False)
            self.writer.write(img)
        return tracks

    def run(self, frames: Iterable[np.ndarray]) -> "TrackingRun":
        """Track every frame of ``frames``; returns ``self``."""
        for frame in frames:
            self.step(frame)
        return self
