"""Old import paths kept for one release: each old module forwards its names to their new home and
warns (``DeprecationWarning``) when a name is taken from it (internal)."""
from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable, Mapping, Sequence

#: The release that removes the old paths.
REMOVED_IN = "0.2.0"


def forward(old: str, homes: Sequence[str], renamed: Mapping[str, str] | None = None,
            ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the old module ``old``.

    Args:
        old: the old module's name, e.g. ``"fairmot.api"``.
        homes: the new modules, searched in order for a name (``"fairmot.tracker"``).
        renamed: ``{old name: "new.module:new_name"}`` for names that changed too.

    Taking a name warns ``DeprecationWarning: fairmot.api.Tracker moved to fairmot.tracker.Tracker ...``
    every time (not only on first import), so the warning reaches each caller.
    """
    renamed = dict(renamed or {})

    def _resolve(name: str) -> tuple[Any, str]:
        if name in renamed:
            module, _, attr = renamed[name].partition(":")
            return getattr(importlib.import_module(module), attr), f"{module}.{attr}"
        for home in homes:
            module = importlib.import_module(home)
            if hasattr(module, name):
                return getattr(module, name), f"{home}.{name}"
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        value, where = _resolve(name)
        warnings.warn(f"{old}.{name} moved to {where}; the old path is removed in fairmot {REMOVED_IN}",
                      DeprecationWarning, stacklevel=2)
        return value

    def __dir__() -> list[str]:
        names: set[str] = set(renamed)
        for home in homes:
            module = importlib.import_module(home)
            names.update(getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")]))
        return sorted(names)

    return __getattr__, __dir__
