"""Frame sources: video files, streams, image folders, MOT sequences, cameras, and a prefetch thread.

* :func:`open_source` opens a video file, a stream URL, a folder of images (also a MOT Challenge
  sequence folder with ``img1/`` and ``seqinfo.ini``), a single image, or a camera index, and returns
  an iterable of BGR uint8 frames with ``.fps``, ``.frame_rate``, ``.size`` and, when known, ``len()``.
* :func:`prefetch` reads the next frames on a background thread while the current one is tracked.

Writing lives beside: :mod:`fairmot.io.writer` (videos), :mod:`fairmot.io.draw` (annotations),
:mod:`fairmot.io.mot` (MOT Challenge files).

Video files are read as the official demo (``LoadVideo``) reads them: every frame is resized to
**1920x1080** (``cv2.resize``, default bilinear interpolation) whatever the video's own size, so the
network input and the output boxes are those of the official system (boxes live in that 1920x1080
space). ``video_size=None`` (``fairmot track --native-size``) keeps the native resolution instead.
Image folders, MOT sequences, single images and cameras are always read at native size (the official
``LoadImages`` does not resize).
"""
from __future__ import annotations

import logging
import math
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from .._io import import_cv2
from .mot import read_seqinfo_section

__all__ = [
    "IMAGE_EXTENSIONS",
    "DEFAULT_FPS",
    "FrameSource",
    "VideoFileSource",
    "ImageFolderSource",
    "CameraSource",
    "LiveSource",
    "STREAM_SCHEMES",
    "OFFICIAL_VIDEO_SIZE",
    "open_source",
    "prefetch",
]

logger = logging.getLogger(__name__)

#: Image file extensions read from folders (case-insensitive); the official LoadImages reads
#: .jpg/.jpeg/.png/.tif.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
#: Size (width, height) the official demo resizes every video frame to before letterboxing.
OFFICIAL_VIDEO_SIZE = (1920, 1080)
#: Frame rate used when a source does not report one (0, NaN or missing).
DEFAULT_FPS = 30.0
#: URL schemes that :func:`open_source` reads as live streams (``live=None``).
STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "rtp", "udp", "tcp", "srt", "http", "https", "mms", "mmsh")


def _cv2():
    return import_cv2("fairmot.io.sources")


def _valid_fps(fps: Any) -> float | None:
    try:
        f = float(fps)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f) or f <= 0:
        return None
    return f


class FrameSource:
    """Base class of frame sources: iterate for BGR uint8 (H, W, 3) frames.

    Attributes:
        fps: frames per second (float) reported by the source, ``DEFAULT_FPS`` when unknown.
        frame_rate: the integer rate the official code gives the tracker (``int(round(fps))``; for MOT
            sequences the ``frameRate`` of ``seqinfo.ini``); the association buffer is
            ``int(frame_rate / 30 * track_buffer)``.
        size: (width, height) of the frames (of the first frame for image folders).
        name: a printable description of the source.

    ``len(source)`` is the number of frames when known; otherwise it raises ``TypeError`` (so tools
    such as tqdm treat the length as unknown). ``source.frame_count`` is the same, or ``None``.
    """

    fps: float = DEFAULT_FPS
    size: tuple[int, int] = (0, 0)
    name: str = ""
    frame_count: int | None = None

    @property
    def frame_rate(self) -> int:
        return max(1, int(round(self.fps)))

    def __len__(self) -> int:
        if self.frame_count is None:
            raise TypeError(f"the number of frames of {self.name} is not known")
        return self.frame_count

    def __bool__(self) -> bool:  # never falsy because of an unknown / zero length
        return True

    def __iter__(self) -> Iterator[np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        n = "?" if self.frame_count is None else self.frame_count
        return f"{type(self).__name__}({self.name!r}, fps={self.fps:g}, size={self.size[0]}x{self.size[1]}, frames={n})"


class VideoFileSource(FrameSource):
    """A video file (or stream URL) read with ``cv2.VideoCapture``.

    The file is probed on construction (it must open and yield a first frame); each iteration
    reopens it, so the source can be iterated more than once. ``frame_count`` comes from the
    container and may be approximate for some formats (``None`` when the container has none).

    Args:
        path: the video file or stream URL.
        resize_to: (width, height) every frame is resized to, as the official demo does
            (default ``OFFICIAL_VIDEO_SIZE``, 1920x1080); ``None`` keeps the native size.
            ``size`` is the size frames come out at; ``native_size`` the video's own.
    """

    def __init__(self, path: str | os.PathLike[str],
                 resize_to: tuple[int, int] | None = OFFICIAL_VIDEO_SIZE) -> None:
        cv2 = _cv2()
        self.path = os.fspath(path)
        self.name = self.path
        if resize_to is not None:
            if (not isinstance(resize_to, (tuple, list)) or len(resize_to) != 2
                    or not all(isinstance(v, (int, np.integer)) and v > 0 for v in resize_to)):
                raise ValueError(f"resize_to must be (width, height) positive integers or None, got {resize_to!r}")
            resize_to = (int(resize_to[0]), int(resize_to[1]))
        self.resize_to = resize_to
        cap = self._open()
        try:
            ok, frame = cap.read()
            if not ok or frame is None:
                raise ValueError(f"cannot read any frame from video: {self.path}")
            fps = _valid_fps(cap.get(cv2.CAP_PROP_FPS))
            if fps is None:
                logger.warning("%s reports no frame rate; assuming %g fps", self.path, DEFAULT_FPS)
            self.fps = fps if fps is not None else DEFAULT_FPS
            self.native_size = (int(frame.shape[1]), int(frame.shape[0]))
            self.size = resize_to if resize_to is not None else self.native_size
            count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            self.frame_count = int(count) if _valid_fps(count) is not None else None
        finally:
            cap.release()

    def _open(self):
        cv2 = _cv2()
        cap = cv2.VideoCapture(self.path)
        if not cap.isOpened():
            cap.release()
            raise ValueError(f"cannot open video (unreadable or unsupported format): {self.path}")
        return cap

    def __iter__(self) -> Iterator[np.ndarray]:
        cv2 = _cv2()
        cap = self._open()
        try:
            while True:
                ok, frame = cap.read()
                if not ok or frame is None:
                    return
                frame = _as_bgr(frame, self.path)
                if self.resize_to is not None and (frame.shape[1], frame.shape[0]) != self.resize_to:
                    frame = cv2.resize(frame, self.resize_to)  # official LoadVideo: default interpolation
                yield frame
        finally:
            cap.release()


class CameraSource(FrameSource):
    """A camera (``cv2.VideoCapture(index)``); frames until the camera stops or the loop breaks."""

    def __init__(self, index: int) -> None:
        cv2 = _cv2()
        self.index = int(index)
        self.name = f"camera {self.index}"
        self._cap = cv2.VideoCapture(self.index)
        if not self._cap.isOpened():
            self._cap.release()
            raise ValueError(f"cannot open camera {self.index}")
        fps = _valid_fps(self._cap.get(cv2.CAP_PROP_FPS))
        self.fps = fps if fps is not None else DEFAULT_FPS
        self.size = (int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self.frame_count = None

    def __iter__(self) -> Iterator[np.ndarray]:
        while self._cap.isOpened():
            ok, frame = self._cap.read()
            if not ok or frame is None:
                return
            yield _as_bgr(frame, self.name)

    def release(self) -> None:
        self._cap.release()

    def __del__(self) -> None:
        cap = getattr(self, "_cap", None)
        if cap is not None:
            cap.release()


def _seqinfo_frame_rate(path: Path, seq: Mapping[str, str]) -> float | None:
    """``frameRate`` of a ``seqinfo.ini`` (the tracker's frame rate); None (with a warning) when
    absent. A value that is not a finite number > 0 is a ``ValueError`` naming the file: it would
    reach the tracker as its frame rate (a huge finite one is kept: lost tracks never expire)."""
    raw = seq.get("frameRate")
    if raw is None or not str(raw).strip():
        logger.warning("%s has no frameRate; assuming %g fps", path, DEFAULT_FPS)
        return None
    fps = _valid_fps(str(raw).strip())
    if fps is None:
        raise ValueError(f"{path}: frameRate must be a finite number > 0, got {raw!r}")
    return fps


class ImageFolderSource(FrameSource):
    """Images of a folder sorted by file name (or a single image file).

    A MOT Challenge sequence folder (``seqinfo.ini`` + ``img1/``) reads ``img1/`` (or the
    ``imDir`` of ``seqinfo.ini``) at the ``frameRate`` of ``seqinfo.ini`` (``ValueError`` naming
    the file unless a finite number > 0); so does its ``img1`` folder given directly. Otherwise
    (or without a ``frameRate``) the rate is ``DEFAULT_FPS``. Each image is read when
    iterated; an unreadable image raises ``ValueError`` naming it.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float | None = None) -> None:
        root = Path(path)
        self.name = os.fspath(path)
        seq_fps: float | None = None
        image_dir = root
        if root.is_file():
            files = [root]
        else:
            info: Path | None = None
            seq: dict[str, str] = {}
            if (root / "seqinfo.ini").is_file():  # a MOT sequence folder
                info = root / "seqinfo.ini"
                seq = read_seqinfo_section(info)
                image_dir = root / seq.get("imDir", "img1")
                if not image_dir.is_dir():
                    raise ValueError(f"{info} names image folder {image_dir}, which does not exist")
            elif (root.parent / "seqinfo.ini").is_file():  # the img1/ folder of a MOT sequence
                parent_seq = read_seqinfo_section(root.parent / "seqinfo.ini")
                if Path(parent_seq.get("imDir", "img1")).name == root.name:
                    info, seq = root.parent / "seqinfo.ini", parent_seq
            if info is None and (root / "img1").is_dir() and not _list_images(root):  # MOT layout, no seqinfo
                image_dir = root / "img1"
            if info is not None:
                seq_fps = _seqinfo_frame_rate(info, seq)
            files = _list_images(image_dir)
            if not files:
                raise ValueError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found in folder: {image_dir}")
        self.files = files
        self.frame_count = len(files)
        self.fps = _valid_fps(fps) or seq_fps or DEFAULT_FPS
        first = _read_image(files[0])
        self.size = (int(first.shape[1]), int(first.shape[0]))

    def __iter__(self) -> Iterator[np.ndarray]:
        for f in self.files:
            yield _read_image(f)


def _list_images(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS),
                  key=lambda p: p.name)


def _read_image(path: Path) -> np.ndarray:
    cv2 = _cv2()
    img = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        raise ValueError(f"cannot read image: {path}")
    return _as_bgr(img, path)


def _as_bgr(frame: np.ndarray, where: Any) -> np.ndarray:
    if frame.dtype != np.uint8:  # 16-bit images / videos
        if frame.dtype == np.uint16:
            frame = (frame >> 8).astype(np.uint8)
        else:
            raise ValueError(f"{where}: unsupported pixel type {frame.dtype}")
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    elif frame.shape[2] == 4:
        frame = np.ascontiguousarray(frame[:, :, :3])
    return frame


def _is_stream_url(text: str) -> bool:
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.lower() in STREAM_SCHEMES


def open_source(source: Any, video_size: tuple[int, int] | None = OFFICIAL_VIDEO_SIZE, *,
                live: bool | None = None, **live_options: Any) -> FrameSource:
    """Open a frame source.

    Args:
        source: a video file path, a stream URL (``scheme://...``), a folder of images (sorted by
            name; a MOT sequence folder with ``seqinfo.ini`` and ``img1/`` too), a single image, a
            camera index (``int`` or a string of digits that is not an existing path), or an
            existing :class:`FrameSource` (returned as is).
        video_size: (width, height) video frames are resized to, as the official demo does
            (default 1920x1080); ``None`` keeps their native size. Other sources are never resized.
        live: read with the live policy (:class:`LiveSource`: a reader thread keeps only the newest
            frame, frames the consumer cannot keep up with are dropped, reconnection with backoff).
            ``None`` (default): live for cameras and stream URLs (``STREAM_SCHEMES``: rtsp, http(s),
            udp, ...); ``False`` reads every frame of a URL in order (a video file served over HTTP)
            and opens cameras as :class:`CameraSource`.
        live_options: keyword arguments of :class:`LiveSource` (``max_backoff``, ``give_up_after``,
            ``timeout``).

    Returns:
        a :class:`FrameSource` yielding BGR uint8 frames.

    Raises:
        FileNotFoundError: the path does not exist ("... not found").
        ValueError: unreadable video, folder without images, unreadable first image, camera that
            cannot be opened (the message names the path).
    """
    if isinstance(source, FrameSource):
        return source
    if isinstance(source, (bool, np.bool_)):
        raise TypeError(f"source must be a path or a camera index, got {source!r}")
    if live is not None and not isinstance(live, bool):
        raise TypeError(f"live must be True, False or None, got {live!r}")
    if live_options and live is False:
        raise ValueError(f"live source options {sorted(live_options)} need live=True or None")
    if isinstance(source, (int, np.integer)):
        return CameraSource(int(source)) if live is False else LiveSource(int(source), **live_options)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a path or a camera index, got {type(source).__name__}")
    text = os.fspath(source)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise ValueError("empty source path")
    path = Path(text)
    if not path.exists():
        if text.isdigit():
            return CameraSource(int(text)) if live is False else LiveSource(int(text), **live_options)
        if "://" in text:
            if live or (live is None and _is_stream_url(text)):
                return LiveSource(text, resize_to=video_size, **live_options)
            return VideoFileSource(text, resize_to=video_size)
        raise FileNotFoundError(f"source not found: {text}")
    if path.is_dir() or path.suffix.lower() in IMAGE_EXTENSIONS:
        return ImageFolderSource(path)
    return VideoFileSource(path, resize_to=video_size)


class LiveSource(FrameSource):
    """A live stream (URL) or camera read with the live policy.

    A background reader thread reads frames as fast as the stream delivers them and keeps only the
    newest; iterating yields that newest frame (waiting for the next one when the consumer is
    ahead). Frames that arrive while the consumer is busy are dropped and counted in ``dropped``.
    When the stream drops (a read fails), the reader reconnects with exponential backoff (0.25 s,
    0.5 s, ... up to ``max_backoff``) until it reconnects or the stream has been down for
    ``give_up_after`` seconds, which ends the iteration (``None``: retry for ever). ``close()`` (or
    leaving the loop, or Ctrl-C in the consumer) stops the reader. Iterating twice reconnects.

    Args:
        target: a stream URL or a camera index.
        resize_to: (width, height) frames are resized to (URLs only; cameras are never resized),
            None keeps the native size.
        max_backoff: longest wait between reconnection attempts, seconds (default 8).
        give_up_after: seconds without a frame after which a dropped stream ends (default 30;
            None never gives up).
        timeout: seconds an open or a read may block (FFmpeg backend) before it counts as failed
            (default 5).

    Attributes:
        dropped: frames read but never yielded (the consumer was busy).
        reconnects: successful reconnections.
        live: True (the CLI uses it to skip read-ahead and to show ``dropped``).

    Raises ``ValueError`` naming the target when the first connection gives no frame.
    """

    live = True

    def __init__(self, target: int | str, resize_to: tuple[int, int] | None = None, *, max_backoff: float = 8.0,
                 give_up_after: float | None = 30.0, timeout: float = 5.0) -> None:
        if isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, np.integer, str)):
            raise TypeError(f"target must be a stream URL or a camera index, got {target!r}")
        for name, value in (("max_backoff", max_backoff), ("timeout", timeout)):
            if _valid_fps(value) is None or isinstance(value, bool):
                raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
        if give_up_after is not None and (_valid_fps(give_up_after) is None or isinstance(give_up_after, bool)):
            raise ValueError(f"give_up_after must be a finite number of seconds > 0 or None, got {give_up_after!r}")
        if resize_to is not None:
            if (not isinstance(resize_to, (tuple, list)) or len(resize_to) != 2
                    or not all(isinstance(v, (int, np.integer)) and v > 0 for v in resize_to)):
                raise ValueError(f"resize_to must be (width, height) positive integers or None, got {resize_to!r}")
            resize_to = (int(resize_to[0]), int(resize_to[1]))
        self.camera = isinstance(target, (int, np.integer))
        self.target: int | str = int(target) if self.camera else target
        self.name = f"camera {self.target}" if self.camera else str(target)
        self.resize_to = None if self.camera else resize_to
        self.max_backoff = float(max_backoff)
        self.give_up_after = None if give_up_after is None else float(give_up_after)
        self.timeout = float(timeout)
        self.dropped = 0
        self.reconnects = 0
        self.frame_count = None
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        cap = self._connect()
        if cap is None:
            raise ValueError(f"cannot open {self.name}" + ("" if self.camera else " (no frame from the stream)"))
        cap, first = cap
        cv2 = _cv2()
        fps = _valid_fps(cap.get(cv2.CAP_PROP_FPS))
        self.fps = fps if fps is not None else DEFAULT_FPS
        self.native_size = (int(first.shape[1]), int(first.shape[0]))
        self.size = self.resize_to if self.resize_to is not None else self.native_size
        self._probe: tuple[Any, np.ndarray] | None = (cap, first)  # handed to the first reader

    # ---------------------------------------------------------------- reader side
    def _connect(self) -> tuple[Any, np.ndarray] | None:
        """Open the target and read one frame; None (capture released) when either fails."""
        cv2 = _cv2()
        ms = int(self.timeout * 1000)
        if self.camera:
            cap = cv2.VideoCapture(self.target)
        else:
            cap = cv2.VideoCapture(self.target, cv2.CAP_FFMPEG,
                                   [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms])
        if not cap.isOpened():
            cap.release()
            return None
        ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            return None
        return cap, frame

    def _publish(self, frame: np.ndarray, state: dict) -> None:
        frame = _as_bgr(frame, self.name)
        if self.resize_to is not None and (frame.shape[1], frame.shape[0]) != self.resize_to:
            frame = _cv2().resize(frame, self.resize_to)
        with self._lock:
            if state["frame"] is not None:
                self.dropped += 1
            state["frame"] = frame
            self._lock.notify_all()

    def _reader(self, state: dict, probe: tuple[Any, np.ndarray] | None, stop: threading.Event) -> None:
        cap = None
        try:
            if probe is None:  # a second iteration: connect again
                probe = self._reconnect(stop, wait_first=False)
            if probe is None:
                return
            cap, frame = probe
            self._publish(frame, state)
            while not stop.is_set():
                ok, frame = cap.read()
                if ok and frame is not None:
                    self._publish(frame, state)
                    continue
                cap.release()
                cap = None
                logger.warning("%s: stream dropped; reconnecting", self.name)
                probe = self._reconnect(stop)
                if probe is None:
                    return
                cap, frame = probe
                self.reconnects += 1
                logger.info("%s: reconnected", self.name)
                self._publish(frame, state)
        except BaseException as exc:  # handed to the consumer
            with self._lock:
                state["error"] = exc
        finally:
            if cap is not None:
                cap.release()
            with self._lock:
                state["done"] = True
                self._lock.notify_all()

    def _reconnect(self, stop: threading.Event, wait_first: bool = True) -> tuple[Any, np.ndarray] | None:
        """Connect again with exponential backoff; None when stopped or after ``give_up_after`` s."""
        start = time.monotonic()
        wait = 0.25
        while not stop.is_set():
            if wait_first and stop.wait(wait):
                return None
            wait_first = True
            probe = self._connect()
            if probe is not None:
                return probe
            down = time.monotonic() - start
            if self.give_up_after is not None and down >= self.give_up_after:
                logger.warning("%s: no frame for %.1f s; giving up", self.name, down)
                return None
            wait = min(self.max_backoff, wait * 2.0)
            if self.give_up_after is not None:
                wait = min(wait, max(0.01, self.give_up_after - down))
        return None

    # ---------------------------------------------------------------- consumer side
    def __iter__(self) -> Iterator[np.ndarray]:
        probe, self._probe = self._probe, None  # the constructor's connection serves the first iteration
        self._stop_reader()  # a previous iteration's reader
        stop = self._stop = threading.Event()
        state: dict = {"frame": None, "done": False, "error": None}
        thread = threading.Thread(target=self._reader, args=(state, probe, stop), name="fairmot-live", daemon=True)
        self._thread = thread
        thread.start()
        try:
            while True:
                with self._lock:
                    while state["frame"] is None and not state["done"]:
                        self._lock.wait(0.1)
                    frame, state["frame"] = state["frame"], None
                    if frame is None:
                        if state["error"] is not None:
                            raise state["error"]
                        return
                yield frame
        finally:
            stop.set()

    def _stop_reader(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.timeout + 1.0)

    def close(self) -> None:
        """Stop the reader thread (waits up to ``timeout`` + 1 s for a blocked read) and release the stream."""
        self._stop_reader()
        probe, self._probe = self._probe, None
        if probe is not None:
            probe[0].release()

    def __del__(self) -> None:
        try:
            self._stop.set()
            probe = getattr(self, "_probe", None)
            if probe is not None:
                probe[0].release()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


def prefetch(frames: Iterable[Any], depth: int = 4) -> Iterator[Any]:
    """Yield the items of ``frames`` in order while a background thread reads up to ``depth``
    items ahead, so that decoding / resizing the next frames overlaps with tracking this one
    (OpenCV and torch release the GIL while they work).

    An exception raised by ``frames`` is re-raised here, at the position it occurred. Stopping
    early (``break``, an exception in the consumer, closing the generator) stops the reader.
    """
    if depth < 1:
        raise ValueError(f"prefetch depth must be >= 1, got {depth}")
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            for item in frames:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer
            put(_Failure(exc))
            return
        put(_END)

    thread = threading.Thread(target=reader, name="fairmot-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5.0)
