"""Deprecated: ``TrackingRun`` moved to :mod:`fairmot.tracker`. Importing names from here still works for one release and
emits a DeprecationWarning naming the new home."""
from ._deprecated import forward

__getattr__, __dir__ = forward("fairmot.tracking_run", ("fairmot.tracker",))
