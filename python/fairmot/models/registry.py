"""The architecture registry: every network family registers itself from its own file.

A family (DLA-34, ResNet-DCN, HRNet, ...) is one :class:`Architecture`: the canonical names it
builds, their aliases, a builder, and what the checkpoint reader needs to know about it without
building anything -- which state-dict keys belong to its body (the rest are heads), how to
recognise its key signature, which of its names a checkpoint holds, which widths to read from a
checkpoint and the bounds those widths must respect. :mod:`fairmot.models.checkpoint` holds only
generic code over this registry, so a new backbone is one new file ending in
``register_architecture(Architecture(...))`` (imported by ``fairmot/models/__init__.py``, or by
the user before loading).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping, Sequence

from torch import Tensor, nn

__all__ = [
    "Architecture", "register_architecture", "unregister_architecture", "registered_architectures",
    "architecture_of", "canonical_name", "all_names", "body_prefixes", "MAX_HEAD_CHANNELS", "MAX_HEAD_CONV",
]

#: Upper bound of a head's output channels read from a checkpoint (official: 1 .. 512).
MAX_HEAD_CHANNELS = 4096
#: Upper bound of the hidden head width read from a checkpoint (official: 256).
MAX_HEAD_CONV = 4096

#: ``build(name, heads, head_conv, widths)``: a fresh network of the canonical ``name``; ``widths`` is
#: what :attr:`Architecture.read_widths` returned for a checkpoint (``None``: the name's own).
Builder = Callable[[str, dict[str, int], int, "tuple[int, ...] | None"], nn.Module]


def _never(state_dict: Mapping[str, Tensor]) -> str | None:
    return None


@dataclass(frozen=True)
class Architecture:
    """One network family and its checkpoint key signature.

    Attributes:
        family: a short label (``"dla"``, ``"resnet_dcn"``, ``"hrnet"``) used in messages.
        names: canonical names (lower case) this family builds, e.g. ``("hrnet_18", "hrnet_32")``.
        build: :data:`Builder`.
        aliases: other spellings -> canonical name (``{"dla_34": "dla34"}``).
        body_prefixes: state-dict key prefixes of the network body; keys outside them are heads.
        recognise: ``state_dict -> name or None``: the name :func:`fairmot.models.infer_arch` reports
            when the keys carry this family's signature (``None``: not this family).
        identify: ``state_dict -> (name or None, how)``: the exact name a checkpoint holds and how it
            is known, for checking an explicit ``arch`` against the file; default: ``recognise``'s
            name, "recognised from its keys". ``None`` when the keys do not single out one name.
        read_widths: ``state_dict -> widths or None``: backbone widths to build with, read from a
            checkpoint (families whose widths are configurable); ``None`` for fixed-width families.
        check_widths: ``(widths, source) -> None``: raise ``ValueError`` when widths read from a
            checkpoint are outside what this family can sensibly build (called before building).
        default_head_conv: hidden head width when a checkpoint has no heads.
    """

    family: str
    names: tuple[str, ...]
    build: Builder
    body_prefixes: tuple[str, ...]
    recognise: Callable[[Mapping[str, Tensor]], str | None] = _never
    identify: Callable[[Mapping[str, Tensor]], tuple[str | None, str]] | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    read_widths: Callable[[Mapping[str, Tensor]], tuple[int, ...] | None] | None = None
    check_widths: Callable[[Sequence[int], str], None] | None = None
    default_head_conv: int = 256

    def __post_init__(self) -> None:
        if not self.names or not all(isinstance(n, str) and n == n.lower() and n.strip() == n for n in self.names):
            raise ValueError(f"Architecture {self.family!r}: names must be non-empty lower-case strings, "
                             f"got {self.names!r}")
        for alias, target in self.aliases.items():
            if target not in self.names:
                raise ValueError(f"Architecture {self.family!r}: alias {alias!r} points to {target!r}, "
                                 f"which is not one of its names {list(self.names)}")
        if not callable(self.build) or not callable(self.recognise):
            raise TypeError(f"Architecture {self.family!r}: build and recognise must be callables")

    def identify_name(self, state_dict: Mapping[str, Tensor]) -> tuple[str | None, str]:
        """(exact name, how it is known) of a state dict carrying this family's signature."""
        if self.identify is not None:
            return self.identify(state_dict)
        name = self.recognise(state_dict)
        return (name, "recognised from its keys") if name is not None else (None, "")


_lock = threading.Lock()
_registry: dict[str, Architecture] = {}  # family -> Architecture, in registration order


def register_architecture(arch: Architecture, replace: bool = False) -> Architecture:
    """Add a family to the registry (returns it, so a module can keep a handle).

    Raises ``ValueError`` when a name or alias is already taken by another family (unless
    ``replace`` and it is the same family label, which is then replaced).
    """
    if not isinstance(arch, Architecture):
        raise TypeError(f"register_architecture expects an Architecture, got {type(arch).__name__}")
    with _lock:
        taken = {n: fam for fam, a in _registry.items() if fam != arch.family or not replace
                 for n in (*a.names, *a.aliases)}
        if arch.family in _registry and not replace:
            raise ValueError(f"architecture family {arch.family!r} is already registered")
        for n in (*arch.names, *arch.aliases):
            if n in taken:
                raise ValueError(f"architecture name {n!r} of {arch.family!r} is already registered by "
                                 f"{taken[n]!r}")
        _registry[arch.family] = arch
    return arch


def unregister_architecture(family: str) -> None:
    """Remove a family (tests, plug-ins); ``KeyError`` if it is not registered."""
    with _lock:
        del _registry[family]


def registered_architectures() -> list[Architecture]:
    """The registered families, in registration order."""
    with _lock:
        return list(_registry.values())


def _names() -> Iterator[tuple[str, Architecture]]:
    for a in registered_architectures():
        for n in a.names:
            yield n, a


def all_names() -> list[str]:
    """Every canonical architecture name, sorted."""
    return sorted(n for n, _ in _names())


def canonical_name(arch: str) -> tuple[str, Architecture]:
    """``(canonical name, family)`` of an architecture name or alias (case and surrounding blanks
    ignored); ``TypeError`` for a non-string, ``ValueError`` listing the names for an unknown one."""
    if not isinstance(arch, str):
        raise TypeError(f"arch must be a string, got {type(arch).__name__}")
    key = arch.strip().lower()
    for a in registered_architectures():
        key_c = a.aliases.get(key, key)
        if key_c in a.names:
            return key_c, a
    raise ValueError(f"unknown arch {arch!r}; supported: {', '.join(all_names())} (also 'dla_34')")


def architecture_of(state_dict: Mapping[str, Tensor]) -> tuple[str, Architecture] | None:
    """The first registered family whose key signature the state dict carries, with the name its
    ``recognise`` reports; ``None`` when no family recognises it."""
    for a in registered_architectures():
        name = a.recognise(state_dict)
        if name is not None:
            return name, a
    return None


def body_prefixes() -> tuple[str, ...]:
    """Key prefixes of every registered body (keys outside them are heads)."""
    out: list[str] = []
    for a in registered_architectures():
        out.extend(p for p in a.body_prefixes if p not in out)
    return tuple(out)
