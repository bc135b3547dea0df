"""The end-to-end video tracker: ``fairmot.Tracker`` and ``fairmot.track_video``."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .config import TrackerConfig
from .tracking import JDETracker

__all__ = ["Tracker", "FrameTracks", "track_video", "filter_tracks"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameTracks:
    """Tracks of one frame after the official output filter.

    ids (M,) int64; tlwh (M, 4) float64 ``x1, y1, w, h`` in frame pixels; scores (M,) float64.
    """

    ids: np.ndarray
    tlwh: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def filter_tracks(ids: np.ndarray, tlwh: np.ndarray, scores: np.ndarray, min_box_area: float = 100.0,
                  max_aspect_ratio: float = 1.6) -> FrameTracks:
    """The official ``track.py`` filter: keep w * h > min_box_area and not w / h > max_aspect_ratio."""
    w, h = tlwh[:, 2], tlwh[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (w * h > min_box_area) & ~(w / h > max_aspect_ratio)
    return FrameTracks(ids[keep], tlwh[keep], scores[keep])


class Tracker:
    """FairMOT on a stream of frames: network, decoding and association.

    Args:
        weights: path to a FairMOT checkpoint (official ``.pth`` layout), or a model. ``None``
            uses the built-in model shipped with the package (when available).
        arch: network architecture of the checkpoint ("dla34").
        img_size: network input (width, height); official 1088x608 (also 864x480, 576x320).
        conf_thres: detection threshold (official 0.4).
        device: "auto", "cpu" or "cuda[:i]".
        dtype: "float32", or "float16" / "bfloat16" on GPU.
        track_buffer, frame_rate: association buffer (frames at 30 fps) and stream frame rate.
        min_box_area, max_aspect_ratio: the official output filter (100, 1.6); None disables.
        association: "default" (official) or "byte".
    """

    def __init__(self, weights=None, arch: str = "dla34", img_size: tuple[int, int] = (1088, 608),
                 conf_thres: float = TrackerConfig.conf_thres, device: str = "auto", dtype: str = "float32",
                 track_buffer: int = TrackerConfig.track_buffer, frame_rate: float = TrackerConfig.frame_rate,
                 min_box_area: float | None = TrackerConfig.min_box_area,
                 max_aspect_ratio: float | None = TrackerConfig.max_aspect_ratio, association: str = "default",
                 K: int = 500) -> None:
        import torch

        from .detector import Detector
        from .models import load_model

        if weights is None:
            from .weights import default_weights

            weights = default_weights()
            logger.info("no weights given: using the built-in model %s", weights)
        if isinstance(weights, torch.nn.Module):
            model = weights
        else:
            if not os.path.exists(weights):
                raise FileNotFoundError(f"checkpoint not found: {weights}")
            model = load_model(weights, arch=arch)
        dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
        if dtype not in dtypes:
            raise ValueError(f"dtype must be one of {sorted(dtypes)}, got {dtype!r}")
        self.detector = Detector(model, img_size=img_size, conf_thres=conf_thres, K=K, device=device,
                                 dtype=dtypes[dtype])
        self.association = JDETracker(conf_thres=conf_thres, track_buffer=track_buffer, frame_rate=frame_rate,
                                      association=association)
        self.min_box_area = min_box_area
        self.max_aspect_ratio = max_aspect_ratio

    @property
    def frame_id(self) -> int:
        return self.association.frame_id

    def reset(self) -> None:
        """Start a new stream (ids restart at 1)."""
        self.association.reset()

    def update(self, frame_bgr: np.ndarray) -> FrameTracks:
        """Track one BGR uint8 frame (H, W, 3); returns this frame's (filtered) tracks."""
        boxes, scores, emb = self.detector.detect(frame_bgr)
        res = self.association.update(boxes, scores, emb)
        if self.min_box_area is None and self.max_aspect_ratio is None:
            return FrameTracks(res.ids, res.tlwh, res.scores)
        return filter_tracks(res.ids, res.tlwh, res.scores,
                             -np.inf if self.min_box_area is None else self.min_box_area,
                             np.inf if self.max_aspect_ratio is None else self.max_aspect_ratio)


def track_video(source, weights=None, **kwargs) -> Iterator[tuple[int, np.ndarray, FrameTracks]]:
    """Track a video file, a folder of frames or a camera index.

    Yields (frame_index starting at 1, frame_bgr, FrameTracks). Keyword arguments go to
    :class:`Tracker`; the frame rate defaults to the source's, as the official code gives it to
    the tracker: the container FPS rounded to an int, or ``frameRate`` of a MOT ``seqinfo.ini``.
    """
    from .video import open_source

    src = open_source(source)
    kwargs.setdefault("frame_rate", src.frame_rate)
    tracker = Tracker(weights, **kwargs)
    for index, frame in enumerate(src, start=1):
        yield index, frame, tracker.update(frame)
