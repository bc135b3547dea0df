"""Deprecated: moved to :mod:`fairmot.io.mot` (one home for MOT Challenge files). Importing names from
here still works for one release and emits a ``DeprecationWarning`` naming the new home."""
from .._deprecated import forward

__getattr__, __dir__ = forward("fairmot.evaluation.mot_files", ("fairmot.io.mot",))
