"""Writing annotated videos: :class:`VideoWriter` (``.mp4``, ``mp4v``)."""
from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from .._io import import_cv2
from .sources import DEFAULT_FPS, _valid_fps

__all__ = ["VideoWriter"]

logger = logging.getLogger(__name__)


def _cv2():
    return import_cv2("fairmot.io.writer")


class VideoWriter:
    """Write BGR uint8 frames to a video file (``.mp4`` with the ``mp4v`` codec by default).

    Args:
        path: output file; its folder is created if needed.
        fps: frame rate of the output.
        size: (width, height); ``None`` takes the size of the first frame.
        fourcc: four-character codec code; default ``mp4v`` (``MJPG`` for ``.avi``).

    Every frame must have the writer's size. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float = DEFAULT_FPS, size: tuple[int, int] | None = None,
                 fourcc: str | None = None) -> None:
        self.path = os.fspath(path)
        self.fps = _valid_fps(fps) or DEFAULT_FPS
        if fourcc is None:
            fourcc = "MJPG" if self.path.lower().endswith(".avi") else "mp4v"
        if len(fourcc) != 4:
            raise ValueError(f"fourcc must be 4 characters, got {fourcc!r}")
        self.fourcc = fourcc
        self.size: tuple[int, int] | None = None
        self.frames_written = 0
        self._writer = None
        if os.path.isdir(self.path):
            raise IsADirectoryError(f"video output path is a directory: {self.path}")
        parent = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(parent, exist_ok=True)
        if size is not None:
            self._open(size)

    def _open(self, size: tuple[int, int]) -> None:
        cv2 = _cv2()
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0:
            raise ValueError(f"video size must be positive, got {w}x{h}")
        writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*self.fourcc), self.fps, (w, h))
        if not writer.isOpened():
            writer.release()
            raise OSError(f"OpenCV cannot write video {self.path} (codec {self.fourcc!r}, {w}x{h}); "
                          f"check the folder is writable and the extension matches the codec (.mp4 / mp4v)")
        self._writer = writer
        self.size = (w, h)

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3) BGR uint8 frame."""
        if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 BGR frame, got "
                             f"{getattr(frame, 'shape', type(frame))} {getattr(frame, 'dtype', '')}")
        if self._writer is None:
            if self.size is not None:
                raise ValueError(f"video writer for {self.path} is closed")
            self._open((frame.shape[1], frame.shape[0]))
        if (frame.shape[1], frame.shape[0]) != self.size:
            raise ValueError(f"frame size {frame.shape[1]}x{frame.shape[0]} differs from the video size "
                             f"{self.size[0]}x{self.size[1]} of {self.path}")
        self._writer.write(np.ascontiguousarray(frame))
        self.frames_written += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
