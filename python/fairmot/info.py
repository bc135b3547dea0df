"""``python -m fairmot.info``: what was built, and with which torch / CUDA.

Prints the compiled modules, the torch and CUDA versions the operators were
built against beside the ones running now, and warns on a mismatch.
"""
from __future__ import annotations

import platform
import sys


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


def main() -> int:
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
