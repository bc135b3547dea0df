"""Deprecated: moved to :mod:`fairmot.detection.detector`. Importing names from here still works for one release and
emits a DeprecationWarning naming the new home."""
from ._deprecated import forward

__getattr__, __dir__ = forward("fairmot.detector", ("fairmot.detection.detector",))
