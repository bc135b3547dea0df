"""Small helpers shared by the package (internal): atomic file writes, the lazy OpenCV import."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import IO, Any, Iterator


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path`` and move it into place only when the block succeeds,
    so readers never see a half-written file and a failed write leaves no debris."""
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def import_cv2(user: str) -> Any:
    """Import OpenCV on first use, or raise an ImportError naming ``user`` (the module that needs
    it) and the package to install. Importing ``fairmot`` itself never needs OpenCV."""
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise ImportError(f"{user} needs OpenCV: pip install opencv-python-headless") from exc
    return cv2
