"""Pieces shared by the commands: argparse types built from :mod:`fairmot.validation` (the same rules as
the Python constructors)."""
from __future__ import annotations

from ..validation import ARCH, DEVICE, FRAME_SIZE, IMG_SIZE, POSITIVE_INT, SCORE_THRESHOLD, TRACK_BUFFER, parse_wxh

__all__ = ["parse_img_size", "parse_frame_size"]

# argparse types: the rules of fairmot.validation, shared with the Python constructors.
#: ``"WxH"`` -> (W, H); both positive multiples of 32 (network input sizes).
parse_img_size = IMG_SIZE.arg_type(parse_wxh)
#: ``"WxH"`` -> (W, H); any positive size (frame sizes).
parse_frame_size = FRAME_SIZE.arg_type(parse_wxh)
_positive_int = POSITIVE_INT.arg_type(int)
_unit_float = SCORE_THRESHOLD.arg_type(float)
_track_buffer = TRACK_BUFFER.arg_type(int)
_device = DEVICE.arg_type()
_arch = ARCH.arg_type()
