"""Export of the network for other runtimes: :mod:`.onnx` (standard ONNX with ``DeformConv``).

``fairmot export`` is :mod:`fairmot.cli.export`. Importing this package needs neither torch nor onnx.
"""
from __future__ import annotations

from .._deprecated import forward as _forward
from .onnx import (DECODED_OUTPUTS, DEFAULT_OPSET, INPUT_NAME, META_HEADS, META_IMG_SIZE, META_INPUT, META_VERSION,
                   export_onnx)

__all__ = ["export_onnx", "DEFAULT_OPSET", "INPUT_NAME", "DECODED_OUTPUTS", "META_IMG_SIZE", "META_HEADS",
           "META_VERSION", "META_INPUT"]

# fairmot.export.add_command (the old CLI hook) -> fairmot.cli.export.register, for one release.
__getattr__, _ = _forward("fairmot.export", (), {"add_command": "fairmot.cli.export:register"})
