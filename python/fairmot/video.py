"""Deprecated: split into :mod:`fairmot.io.sources`, :mod:`fairmot.io.writer`, :mod:`fairmot.io.draw` and :mod:`fairmot.io.mot`. Importing names from here still works for one release and
emits a DeprecationWarning naming the new home."""
from ._deprecated import forward

__getattr__, __dir__ = forward("fairmot.video", ("fairmot.io.sources", "fairmot.io.writer", "fairmot.io.draw", "fairmot.io.mot"))
