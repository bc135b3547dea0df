"""Deprecated: ``fairmot train`` moved to :mod:`fairmot.cli.train`. Importing names from here still works
for one release and emits a ``DeprecationWarning`` naming the new home."""
from .._deprecated import forward

__getattr__, __dir__ = forward("fairmot.train.cli", ("fairmot.cli.train",),
                               {"add_command": "fairmot.cli.train:register"})
