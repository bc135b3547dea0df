"""Deprecated: moved to :mod:`fairmot.evaluation` (``evaluate``, ``write_metrics_csv``, ...; the
implementation is :mod:`fairmot.evaluation.evaluator`) and the ``fairmot eval`` command to
:mod:`fairmot.cli.eval`. Importing names from here still works for one release and emits a
``DeprecationWarning`` naming the new home."""
from ._deprecated import forward

__getattr__, __dir__ = forward("fairmot.eval", ("fairmot.evaluation.evaluator",),
                               {"add_command": "fairmot.cli.eval:register"})
