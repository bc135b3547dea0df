"""Where frames come from and where results go.

* :mod:`fairmot.io.sources`: video files, streams, image folders, MOT sequences, cameras, prefetch.
* :mod:`fairmot.io.writer`: the annotated-video writer.
* :mod:`fairmot.io.draw`: boxes, ids and trails drawn on frames.
* :mod:`fairmot.io.mot`: MOT Challenge files: ``seqinfo.ini``, ground truth and results, read and written.

Nothing here needs torch; OpenCV is imported on first use.
"""
from __future__ import annotations

from .draw import TrackTrails, draw_counts, draw_tracks, id_color
from .mot import (MotFile, MotFormatError, format_mot_lines, read_mot_file, read_seq_length, read_seqinfo_section,
                  write_mot_results)
from .sources import (DEFAULT_FPS, IMAGE_EXTENSIONS, OFFICIAL_VIDEO_SIZE, CameraSource, FrameSource, ImageFolderSource,
                      LiveSource, VideoFileSource, open_source, prefetch)
from .writer import VideoWriter

__all__ = [
    "DEFAULT_FPS", "IMAGE_EXTENSIONS", "OFFICIAL_VIDEO_SIZE", "FrameSource", "VideoFileSource", "ImageFolderSource",
    "CameraSource", "LiveSource", "open_source", "prefetch", "VideoWriter", "TrackTrails", "id_color", "draw_tracks",
    "draw_counts",
    "MotFile", "MotFormatError", "read_mot_file", "read_seq_length", "read_seqinfo_section", "format_mot_lines", "write_mot_results",
]
