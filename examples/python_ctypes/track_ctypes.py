"""Track a detection stream by calling libfairmot (the C ABI) through ctypes.

No pybind11 module is involved: this is how any language with a C FFI uses the
tracker core shipped in the wheel. ``python -m fairmot.info --library-dir``
says where ``libfairmot`` is; any copy of the library works (``--library`` or
the ``FAIRMOT_LIBRARY`` environment variable).

Usage::

    python examples/python_ctypes/track_ctypes.py DETECTIONS.txt [--library PATH] [--conf-thres X]

The input and output formats are examples/cpp's: one detection per line
``frame x1 y1 x2 y2 score e_0 ... e_{D-1}``; output lines
``frame,id,x1,y1,w,h,score,-1,-1,-1``.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import sys
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import numpy as np

FAIRMOT_OK = 0
ABI_VERSION = 1
ASSOCIATIONS = {"default": 0, "byte": 1}

_f32p = ctypes.POINTER(ctypes.c_float)
_i64p = ctypes.POINTER(ctypes.c_int64)
_f64p = ctypes.POINTER(ctypes.c_double)


class TrackerOptions(ctypes.Structure):
    """fairmot_tracker_options (fill with fairmot_tracker_options_init)."""

    _fields_ = [("struct_size", ctypes.c_uint32), ("conf_thres", ctypes.c_double),
                ("track_buffer", ctypes.c_int32), ("frame_rate", ctypes.c_double),
                ("association", ctypes.c_int32), ("match_thres", ctypes.c_double),
                ("low_thres", ctypes.c_double), ("reid_buffer", ctypes.c_int32), ("reid_thres", ctypes.c_double)]


class Tracks(ctypes.Structure):
    """fairmot_tracks: library-owned arrays of one frame's output."""

    _fields_ = [("n", ctypes.c_int64), ("ids", _i64p), ("tlwh", _f64p), ("scores", _f64p),
                ("det_index", _i64p), ("class_ids", _i64p)]


class FairmotError(RuntimeError):
    """A libfairmot call failed: ``code`` is the FAIRMOT_E_* value, the message fairmot_last_error()'s."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
        self.message = message


def find_library() -> str:
    """libfairmot: $FAIRMOT_LIBRARY, else the one installed with the fairmot package."""
    env = os.environ.get("FAIRMOT_LIBRARY")
    if env:
        return env
    from fairmot.info import library_path  # only locates the file; the tracking below is pure ctypes

    return str(library_path())


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads libfairmot and declares the C signatures (fairmot/fairmot.h)."""
    lib = ctypes.CDLL(path or find_library())
    lib.fairmot_abi_version.restype = ctypes.c_uint32
    lib.fairmot_abi_version.argtypes = []
    if lib.fairmot_abi_version() != ABI_VERSION:
        raise RuntimeError(f"libfairmot has ABI {lib.fairmot_abi_version()}, this code needs {ABI_VERSION}")
    lib.fairmot_last_error.restype = ctypes.c_char_p
    lib.fairmot_last_error.argtypes = []
    lib.fairmot_tracker_options_init.restype = None
    lib.fairmot_tracker_options_init.argtypes = [ctypes.POINTER(TrackerOptions)]
    lib.fairmot_tracker_create.restype = ctypes.c_int
    lib.fairmot_tracker_create.argtypes = [ctypes.POINTER(TrackerOptions), ctypes.POINTER(ctypes.c_void_p)]
    lib.fairmot_tracker_destroy.restype = None
    lib.fairmot_tracker_destroy.argtypes = [ctypes.c_void_p]
    lib.fairmot_tracker_reset.restype = ctypes.c_int
    lib.fairmot_tracker_reset.argtypes = [ctypes.c_void_p]
    lib.fairmot_tracker_update.restype = ctypes.c_int
    lib.fairmot_tracker_update.argtypes = [ctypes.c_void_p, ctypes.c_int64, _f32p, _f32p, _f32p, ctypes.c_int64,
                                           _i64p, ctypes.POINTER(ctypes.POINTER(Tracks))]
    lib.fairmot_tracker_update_warped.restype = ctypes.c_int
    lib.fairmot_tracker_update_warped.argtypes = [ctypes.c_void_p, ctypes.c_int64, _f32p, _f32p, _f32p,
                                                  ctypes.c_int64, _i64p, _f64p,
                                                  ctypes.POINTER(ctypes.POINTER(Tracks))]
    lib.fairmot_tracks_free.restype = None
    lib.fairmot_tracks_free.argtypes = [ctypes.POINTER(Tracks)]
    lib.fairmot_tracker_frame_id.restype = ctypes.c_int64
    lib.fairmot_tracker_frame_id.argtypes = [ctypes.c_void_p]
    return lib


class Result(NamedTuple):
    """One frame: ids (M,), tlwh (M, 4), scores (M,), det_index (M,), class_ids (M,) (copies)."""

    ids: np.ndarray
    tlwh: np.ndarray
    scores: np.ndarray
    det_index: np.ndarray
    class_ids: np.ndarray


def _ptr(a: Optional[np.ndarray], ctype):  # noqa: ANN001
    return None if a is None else a.ctypes.data_as(ctypes.POINTER(ctype))


class Tracker:
    """One libfairmot tracker (fairmot_tracker_create ... fairmot_tracker_destroy)."""

    def __init__(self, lib: ctypes.CDLL, **options: float) -> None:
        self._lib = lib
        self._handle = ctypes.c_void_p()
        opts = TrackerOptions()
        lib.fairmot_tracker_options_init(ctypes.byref(opts))
        for key, value in options.items():
            setattr(opts, key, ASSOCIATIONS[value] if key == "association" else value)
        self._check(lib.fairmot_tracker_create(ctypes.byref(opts), ctypes.byref(self._handle)))

    def _check(self, code: int) -> None:
        if code != FAIRMOT_OK:
            raise FairmotError(code, self._lib.fairmot_last_error().decode())

    def update(self, boxes: np.ndarray, scores: np.ndarray, embeddings: np.ndarray,
               class_ids: Optional[np.ndarray] = None, warp: Optional[np.ndarray] = None) -> Result:
        """boxes (N, 4) x1, y1, x2, y2; scores (N,); embeddings (N, D); as float32 C-contiguous arrays.
        warp: optional (2, 3) camera motion, previous -> current frame pixels (fairmot_tracker_update_warped)."""
        b = np.ascontiguousarray(boxes, dtype=np.float32)
        s = np.ascontiguousarray(scores, dtype=np.float32)
        e = np.ascontiguousarray(embeddings, dtype=np.float32)
        c = None if class_ids is None else np.ascontiguousarray(class_ids, dtype=np.int64)
        n = b.shape[0]
        dim = e.shape[1] if e.ndim == 2 else 0
        out = ctypes.POINTER(Tracks)()
        if warp is None:
            self._check(self._lib.fairmot_tracker_update(self._handle, n, _ptr(b, ctypes.c_float),
                                                         _ptr(s, ctypes.c_float), _ptr(e, ctypes.c_float), dim,
                                                         _ptr(c, ctypes.c_int64), ctypes.byref(out)))
        else:
            w = np.ascontiguousarray(warp, dtype=np.float64).reshape(2, 3)
            self._check(self._lib.fairmot_tracker_update_warped(self._handle, n, _ptr(b, ctypes.c_float),
                                                                _ptr(s, ctypes.c_float), _ptr(e, ctypes.c_float), dim,
                                                                _ptr(c, ctypes.c_int64), _ptr(w, ctypes.c_double),
                                                                ctypes.byref(out)))
        try:
            t = out.contents
            m = t.n
            return Result(np.ctypeslib.as_array(t.ids, (m,)).copy() if m else np.zeros(0, np.int64),
                          np.ctypeslib.as_array(t.tlwh, (m, 4)).copy() if m else np.zeros((0, 4)),
                          np.ctypeslib.as_array(t.scores, (m,)).copy() if m else np.zeros(0),
                          np.ctypeslib.as_array(t.det_index, (m,)).copy() if m else np.zeros(0, np.int64),
                          np.ctypeslib.as_array(t.class_ids, (m,)).copy() if m else np.zeros(0, np.int64))
        finally:
            self._lib.fairmot_tracks_free(out)

    def reset(self) -> None:
        self._check(self._lib.fairmot_tracker_reset(self._handle))

    @property
    def frame_id(self) -> int:
        return int(self._lib.fairmot_tracker_frame_id(self._handle))

    def close(self) -> None:
        if self._handle:
            self._lib.fairmot_tracker_destroy(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self) -> None:
        self.close()


def read_stream(path: Path) -> Iterator[Tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Frames ``(frame, boxes (N, 4), scores (N,), embeddings (N, D))`` of examples/cpp's format.

    Frame numbers that never appear are yielded as empty frames.
    """
    frames: Dict[int, List[List[float]]] = {}
    for no, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 7 or int(fields[0]) < 1:
            raise ValueError(f"{path}:{no}: expected 'frame x1 y1 x2 y2 score e...'")
        frames.setdefault(int(fields[0]), []).append([float(v) for v in fields[1:]])
    for frame in range(1, max(frames, default=0) + 1):
        rows = np.array(frames.get(frame, []), dtype=np.float32)
        if rows.size == 0:
            yield frame, np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 0), np.float32)
        else:
            yield frame, rows[:, :4], rows[:, 4], rows[:, 5:]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("detections", type=Path)
    parser.add_argument("--library", help="path of libfairmot (default: $FAIRMOT_LIBRARY or the installed one)")
    parser.add_argument("--conf-thres", type=float, default=None)
    args = parser.parse_args(argv)
    lib = load(args.library)
    options = {} if args.conf_thres is None else {"conf_thres": args.conf_thres}
    tracker = Tracker(lib, **options)
    for frame, boxes, scores, emb in read_stream(args.detections):
        r = tracker.update(boxes, scores, emb)
        for k in range(len(r.ids)):
            x, y, w, h = (float(v) for v in r.tlwh[k])  # repr of a Python float round-trips exactly
            print(f"{frame},{int(r.ids[k])},{x!r},{y!r},{w!r},{h!r},{float(r.scores[k])!r},-1,-1,-1")
    tracker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
