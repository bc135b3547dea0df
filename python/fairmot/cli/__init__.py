"""The ``fairmot`` command line: :mod:`.main` builds the parser from one small module per command
(:mod:`.track`, :mod:`.demo`, :mod:`.eval`, :mod:`.convert`, :mod:`.train`, :mod:`.export`, :mod:`.synth`,
:mod:`.bench`); :mod:`.common` holds what they share. Library modules hold no argparse."""
from __future__ import annotations

from .common import (  # noqa: F401  (argparse types)
                     _arch,
                     _device,
                     _positive_int,
                     _track_buffer,
                     _unit_float,
                     parse_frame_size,
                     parse_img_size,
)
from .main import build_parser, main

__all__ = ["main", "build_parser", "parse_img_size", "parse_frame_size"]
