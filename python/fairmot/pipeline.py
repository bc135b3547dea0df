"""Deprecated: moved to :mod:`fairmot.detection.preprocess` (letterbox, input tensors) and :mod:`fairmot.detection.postprocess` (map_to_frame, affine_to_frame). Importing names from here still works for one release and
emits a DeprecationWarning naming the new home."""
from ._deprecated import forward

__getattr__, __dir__ = forward("fairmot.pipeline", ("fairmot.detection.preprocess", "fairmot.detection.postprocess"))
