"""Deprecated: moved to :mod:`fairmot.tracker` (``Tracker``, ``track_video``, ``FrameTracks``, ``filter_tracks``). Importing names from here still works for one release and
emits a DeprecationWarning naming the new home."""
from ._deprecated import forward

__getattr__, __dir__ = forward("fairmot.api", ("fairmot.tracker",))
