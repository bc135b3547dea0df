"""``python -m fairmot.info``: what was built, and with which torch / CUDA.

Prints the compiled modules, the torch and CUDA versions the operators were
built against beside the ones running now, and warns on a mismatch.

``--include-dir``, ``--library-dir``, ``--cmake-dir`` and ``--pkgconfig-dir``
print where the installed package keeps the C ABI (``fairmot/fairmot.h``,
``libfairmot``), the C++ core headers and static library, ``fairmotConfig.cmake``
and ``fairmot.pc`` (like ``pybind11 --cmakedir``), for building C, C++ and FFI
programs against the wheel; see the README, "From C and C++".
"""
from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Optional, Sequence


#: How to change what was built (the policy is in the README, "Build policy").
REBUILD_HINT = (
    "to change it, rebuild: FAIRMOT_CUDA_ARCH_LIST='8.0;9.0' (CUDA kernels for those GPUs) or "
    "FAIRMOT_WITH_CUDA=OFF (CPU only) pip install --no-build-isolation --no-deps --force-reinstall <fairmot source>"
)


def collect() -> dict:
    """Build and runtime facts as a dict (also used by tests and bug reports)."""
    from . import __version__

    info: dict = {"fairmot": __version__, "python": platform.python_version(), "platform": platform.platform()}
    try:
        from . import _tracker  # noqa: F401

        info["tracker_core"] = "ok"
    except ImportError as exc:  # pragma: no cover - broken install
        info["tracker_core"] = f"failed to load: {exc}"
    try:
        import torch
    except ImportError:
        info["torch"] = None
        info["ops"] = "not available: torch is not installed"
        return info
    info["torch"] = torch.__version__
    info["torch_cuda"] = torch.version.cuda
    info["cuda_available"] = torch.cuda.is_available()
    if info["cuda_available"]:
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["gpu_archs"] = [
            "%d%d" % torch.cuda.get_device_capability(i) for i in range(torch.cuda.device_count())
        ]
    try:
        from .ops import build_info

        info["ops"] = "ok"
        info.update({f"ops_{k}": v for k, v in build_info().items()})
        info["ops_rebuild"] = REBUILD_HINT
    except ImportError as exc:
        info["ops"] = f"failed to load: {exc}"
    return info


def warnings_for(info: dict) -> list[str]:
    """Human-readable problems found in ``collect()``'s result."""
    out = []
    if info.get("ops") == "ok":
        built, running = info["ops_torch_version"], (info["torch"] or "").split("+")[0]
        if built != running:
            out.append(f"operators built against torch {built}, running torch {running}: rebuild fairmot")
        if info.get("cuda_available") and not info["ops_with_cuda"]:
            out.append("a GPU is available but the operators were built without CUDA kernels (CPU only)")
        if info.get("cuda_available") and info["ops_with_cuda"]:
            archs = {a.split("-")[0] for a in str(info["ops_cuda_archs"]).replace(" ", "").split(";")}
            missing = [a for a in info.get("gpu_archs", []) if a not in archs and archs.isdisjoint(
                {"native", "all", "all-major"})]
            if missing:
                out.append(f"no CUDA kernels for this GPU's architecture(s) {missing}; built for {sorted(archs)}")
    elif info.get("torch") is not None:
        out.append(str(info.get("ops")))
    return out


#: The native-library locations: flag -> (relative path inside the package, file that must exist there).
NATIVE_DIRS = {
    "--include-dir": ("include", "fairmot/fairmot.h"),
    "--library-dir": ("lib", None),
    "--cmake-dir": ("lib/cmake/fairmot", "fairmotConfig.cmake"),
    "--pkgconfig-dir": ("lib/pkgconfig", "fairmot.pc"),
}
_LIBRARY_NAMES = ("libfairmot.so", "libfairmot.dylib", "fairmot.dll")


def _package_dirs() -> list[Path]:
    # Every directory of the fairmot package: one for a normal install; for an editable install the
    # source tree and the site-packages folder holding the compiled files.
    from . import __path__ as package_path

    return [Path(p).resolve() for p in package_path]


def native_dir(kind: str) -> Path:
    """Absolute directory of the installed native files.

    ``kind``: ``"include"`` (``fairmot/fairmot.h``, ``fairmot/tracker/*.hpp``), ``"library"``
    (``libfairmot`` and ``libfairmot_tracker.a``), ``"cmake"`` (``fairmotConfig.cmake``) or
    ``"pkgconfig"`` (``fairmot.pc``). Raises ValueError for another kind and FileNotFoundError
    when this installation has no such files (a build with FAIRMOT_BUILD_CAPI=OFF).
    """
    flag = f"--{kind}-dir"
    if flag not in NATIVE_DIRS:
        raise ValueError(f"kind must be one of {[f[2:-4] for f in NATIVE_DIRS]}, got {kind!r}")
    rel, marker = NATIVE_DIRS[flag]
    for base in _package_dirs():
        d = base / rel
        if marker is not None and (d / marker).is_file():
            return d
        if marker is None and any((d / name).is_file() for name in _LIBRARY_NAMES):
            return d
    raise FileNotFoundError(
        f"this fairmot installation has no {rel}/ with the C ABI files (looked in "
        f"{', '.join(str(b) for b in _package_dirs())}); reinstall fairmot with FAIRMOT_BUILD_CAPI=ON")


def library_path() -> Path:
    """Absolute path of ``libfairmot`` (for ``ctypes.CDLL``); FileNotFoundError if not installed."""
    d = native_dir("library")
    for name in _LIBRARY_NAMES:
        if (d / name).is_file():
            return d / name
    raise FileNotFoundError(f"no libfairmot in {d}")  # pragma: no cover - native_dir checked it


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        if len(args) != 1 or args[0] not in NATIVE_DIRS:
            print(f"usage: python -m fairmot.info [{' | '.join(NATIVE_DIRS)}]", file=sys.stderr)
            return 2
        try:
            print(native_dir(args[0][2:-4]))
        except FileNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    info = collect()
    width = max(len(k) for k in info)
    for key, value in info.items():
        print(f"{key:<{width}}  {value}")
    problems = warnings_for(info)
    for p in problems:
        print(f"WARNING: {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
