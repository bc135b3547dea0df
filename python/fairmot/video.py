"""Reading frame sources, writing videos, drawing tracks and MOT result files.

* :func:`open_source` opens a video file, a stream URL, a folder of images (also a MOT Challenge
  sequence folder with ``img1/`` and ``seqinfo.ini``), a single image, or a camera index, and returns
  an iterable of BGR uint8 frames with ``.fps``, ``.frame_rate``, ``.size`` and, when known, ``len()``.
* :class:`VideoWriter` writes BGR frames to ``.mp4`` (``mp4v``) with a clear error when OpenCV cannot.
* :func:`draw_tracks` draws identity-coloured boxes, ids and optional trails.
* :func:`format_mot_lines` / :func:`write_mot_results` produce the official MOT result format
  (docs/official_behaviour.md §4.10).

Video files are read as the official demo (``LoadVideo``) reads them: every frame is resized to
**1920x1080** (``cv2.resize``, default bilinear interpolation) whatever the video's own size, so the
network input and the output boxes are those of the official system (boxes live in that 1920x1080
space). ``video_size=None`` (``fairmot track --native-size``) keeps the native resolution instead.
Image folders, MOT sequences, single images and cameras are always read at native size (the official
``LoadImages`` does not resize).
"""
from __future__ import annotations

import configparser
import logging
import math
import os
import queue
import threading
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ._io import atomic_open, import_cv2

__all__ = [
    "IMAGE_EXTENSIONS",
    "DEFAULT_FPS",
    "FrameSource",
    "VideoFileSource",
    "ImageFolderSource",
    "CameraSource",
    "open_source",
    "VideoWriter",
    "TrackTrails",
    "id_color",
    "draw_tracks",
    "format_mot_lines",
    "write_mot_results",
]

logger = logging.getLogger(__name__)

#: Image file extensions read from folders (case-insensitive); the official LoadImages reads
#: .jpg/.jpeg/.png/.tif.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
#: Size (width, height) the official demo resizes every video frame to before letterboxing.
OFFICIAL_VIDEO_SIZE = (1920, 1080)
#: Frame rate used when a source does not report one (0, NaN or missing).
DEFAULT_FPS = 30.0


def _cv2():
    return import_cv2("fairmot.video")


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


def _read_seqinfo(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.optionxform = str  # keep key case (frameRate, imDir, ...)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ValueError(f"cannot parse {path}: {exc}") from exc
    if not parser.has_section("Sequence"):
        raise ValueError(f"{path}: no [Sequence] section")
    return dict(parser["Sequence"])


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
                seq = _read_seqinfo(info)
                image_dir = root / seq.get("imDir", "img1")
                if not image_dir.is_dir():
                    raise ValueError(f"{info} names image folder {image_dir}, which does not exist")
            elif (root.parent / "seqinfo.ini").is_file():  # the img1/ folder of a MOT sequence
                parent_seq = _read_seqinfo(root.parent / "seqinfo.ini")
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


def open_source(source: Any, video_size: tuple[int, int] | None = OFFICIAL_VIDEO_SIZE) -> FrameSource:
    """Open a frame source.

    Args:
        source: a video file path, a stream URL (``scheme://...``), a folder of images (sorted by
            name; a MOT sequence folder with ``seqinfo.ini`` and ``img1/`` too), a single image, a
            camera index (``int`` or a string of digits that is not an existing path), or an
            existing :class:`FrameSource` (returned as is).
        video_size: (width, height) video frames are resized to, as the official demo does
            (default 1920x1080); ``None`` keeps their native size. Other sources are never resized.

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
    if isinstance(source, (int, np.integer)):
        return CameraSource(int(source))
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
            return CameraSource(int(text))
        if "://" in text:
            return VideoFileSource(text, resize_to=video_size)
        raise FileNotFoundError(f"source not found: {text}")
    if path.is_dir() or path.suffix.lower() in IMAGE_EXTENSIONS:
        return ImageFolderSource(path)
    return VideoFileSource(path, resize_to=video_size)


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


# ------------------------------------------------------------------------------------------ writing


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


# ------------------------------------------------------------------------------------------ drawing


def id_color(track_id: int) -> tuple[int, int, int]:
    """The official stable BGR colour of a track id (``plot_tracking``'s ``get_color``)."""
    idx = int(track_id) * 3
    return ((37 * idx) % 255, (17 * idx) % 255, (29 * idx) % 255)


class TrackTrails(dict):
    """Past box centres per id, for :func:`draw_tracks`: ``{id: deque[(x, y)]}``.

    ``update(tracks)`` appends this frame's centres (at most ``length`` per id) and forgets ids
    not seen for more than ``max_age`` updates.
    """

    def __init__(self, length: int = 30, max_age: int = 30) -> None:
        super().__init__()
        self.length = int(length)
        self.max_age = int(max_age)
        self._last_seen: dict[int, int] = {}
        self._t = 0

    def update(self, tracks: Any) -> "TrackTrails":
        self._t += 1
        ids, tlwh = _ids_tlwh(tracks)
        for tid, (x, y, w, h) in zip(ids.tolist(), tlwh.tolist()):
            self.setdefault(tid, deque(maxlen=self.length)).append((x + w / 2.0, y + h / 2.0))
            self._last_seen[tid] = self._t
        for tid in [t for t, seen in self._last_seen.items() if self._t - seen > self.max_age]:
            self.pop(tid, None)
            del self._last_seen[tid]
        return self


def _ids_tlwh(tracks: Any) -> tuple[np.ndarray, np.ndarray]:
    ids = np.asarray(tracks.ids).reshape(-1)
    tlwh = np.asarray(tracks.tlwh, dtype=np.float64).reshape(-1, 4)
    if ids.shape[0] != tlwh.shape[0]:
        raise ValueError(f"tracks: {ids.shape[0]} ids but {tlwh.shape[0]} boxes")
    return ids, tlwh


def draw_tracks(frame: np.ndarray, tracks: Any, trails: Mapping[int, Sequence[tuple[float, float]]] | None = None,
                frame_index: int | None = None, fps: float | None = None, copy: bool = True) -> np.ndarray:
    """Draw tracks on a BGR frame, official ``plot_tracking`` style.

    Args:
        frame: (H, W, 3) uint8 BGR image.
        tracks: a :class:`fairmot.api.FrameTracks` (anything with ``ids`` (M,) and ``tlwh`` (M, 4)).
        trails: optional ``{id: [(x, y), ...]}`` past centres (e.g. a :class:`TrackTrails`), drawn
            as polylines in the id's colour.
        frame_index, fps: optional header text ("frame: N  fps: F  num: M").
        copy: draw on a copy (default) or in place.

    Returns the annotated image (same shape and dtype as ``frame``).
    """
    cv2 = _cv2()
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 BGR frame, got {getattr(frame, 'shape', type(frame))}")
    img = np.ascontiguousarray(frame.copy() if copy else frame)
    ids, tlwh = _ids_tlwh(tracks)
    width = img.shape[1]
    text_scale = max(1.0, width / 1600.0)
    thickness = max(1, int(width / 500.0))
    font_scale = 0.5 * text_scale
    if trails:
        for tid, pts in trails.items():
            if len(pts) < 2:
                continue
            poly = np.round(np.asarray(list(pts), dtype=np.float64)).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(img, [poly], False, id_color(tid), thickness, cv2.LINE_AA)
    for tid, (x, y, w, h) in zip(ids.tolist(), tlwh.tolist()):
        if not all(math.isfinite(v) for v in (x, y, w, h)):
            continue
        color = id_color(tid)
        p1 = (int(round(x)), int(round(y)))
        p2 = (int(round(x + w)), int(round(y + h)))
        cv2.rectangle(img, p1, p2, color, thickness)
        label = str(int(tid))
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_PLAIN, font_scale * 2, thickness)
        ty = max(p1[1], th + 2)
        cv2.rectangle(img, (p1[0], ty - th - 2), (p1[0] + tw + 2, ty + base - 2), color, -1)
        cv2.putText(img, label, (p1[0] + 1, ty - 1), cv2.FONT_HERSHEY_PLAIN, font_scale * 2, (255, 255, 255),
                    thickness, cv2.LINE_AA)
    if frame_index is not None or fps is not None:
        parts = []
        if frame_index is not None:
            parts.append(f"frame: {int(frame_index)}")
        if fps is not None:
            parts.append(f"fps: {fps:.1f}")
        parts.append(f"num: {len(ids)}")
        cv2.putText(img, "  ".join(parts), (0, int(15 * text_scale)), cv2.FONT_HERSHEY_PLAIN, text_scale,
                    (0, 0, 255), thickness)
    return img


# ------------------------------------------------------------------------------------------ results


def format_mot_lines(frame_index: int, tracks: Any) -> list[str]:
    """MOT Challenge lines ``frame,id,x1,y1,w,h,1,-1,-1,-1`` of one frame (official ``track.py``).

    ``frame_index`` is 1-based; coordinates are printed as Python floats (full ``repr`` precision,
    as the official writer prints float64); the 7th column is the constant 1. Lines carry no
    newline. An empty frame gives no lines.
    """
    frame = int(frame_index)
    ids, tlwh = _ids_tlwh(tracks)
    return [f"{frame},{int(tid)},{float(x1)},{float(y1)},{float(w)},{float(h)},1,-1,-1,-1"
            for tid, (x1, y1, w, h) in zip(ids.tolist(), tlwh.tolist())]


def write_mot_results(path: str | os.PathLike[str], lines: Iterable[str]) -> int:
    """Write MOT lines (one per line, newline-terminated) to ``path``; returns the line count.

    The parent folder is created if needed; the file is replaced atomically.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"results path is a directory: {path}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    n = 0
    with atomic_open(path, "w", encoding="ascii", newline="\n") as f:
        for line in lines:
            f.write(line.rstrip("\n") + "\n")
            n += 1
    return n
