"""The build's CUDA policy: architecture lists in every form people write them, and the
configure step of the real project (which kernels, which architectures, the recorded facts).

The list parser (cmake/FairmotCudaArch.cmake) runs in CMake script mode; the configure tests run
the project's real CMake configure step in a temporary folder and read the generated build-config
header, which is what ``fairmot._C`` reports at run time.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CMAKE = shutil.which("cmake")
needs_cmake = pytest.mark.skipif(CMAKE is None, reason="cmake is not installed")

# The forms the README documents, and the CMake CUDA_ARCHITECTURES list each must give.
# 'X.Y' and 'XY' are SASS only ('-real'); '+PTX' adds the PTX of that architecture (plain 'XY').
FORMS = {
    "9.0": "90-real",
    "8.0;9.0": "80-real;90-real",
    "8.0 8.6 9.0": "80-real;86-real;90-real",
    "75 80 86 89 90": "75-real;80-real;86-real;89-real;90-real",
    "9.0+PTX": "90",
}
MORE_FORMS = {
    "8.0,9.0": "80-real;90-real",
    " 8.0 ;; 9.0 ": "80-real;90-real",
    "8.6+PTX 9.0": "86;90-real",
    "90+PTX": "90",
    "9.0a": "90a-real",
    "10.0f": "100f-real",
    "sm_90": "90-real",
    "compute_90": "90-virtual",
    "80-real;90-virtual": "80-real;90-virtual",
    "9.0;9.0;90": "90-real",
    "native": "native",
    "all-major": "all-major",
}
BAD_FORMS = ["nine", "9", "9.0.1", "8.0;native", "sm90", "9.0+ptx+ptx", ";", "9.0-fast"]


def _parse(arch_list: str) -> subprocess.CompletedProcess:
    script = (
        f'include("{ROOT / "cmake" / "FairmotCudaArch.cmake"}")\n'
        'fairmot_parse_cuda_arch_list("${ARCHS}" out)\n'
        'message("RESULT=[${out}]")\n'
    )
    return subprocess.run([CMAKE, f"-DARCHS={arch_list}", "-P", "/dev/stdin"], input=script, text=True,
                          capture_output=True, timeout=60)


@needs_cmake
@pytest.mark.parametrize("arch_list, expected", sorted({**FORMS, **MORE_FORMS}.items()))
def test_architecture_list_forms_parse_to_cmake_architectures(arch_list, expected):
    proc = _parse(arch_list)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"RESULT=\[(.*)\]", proc.stderr).group(1) == expected


@needs_cmake
@pytest.mark.parametrize("arch_list", BAD_FORMS)
def test_unreadable_architecture_list_stops_with_a_message_naming_it(arch_list):
    proc = _parse(arch_list)
    assert proc.returncode != 0
    assert "fairmot:" in proc.stderr and "CUDA architecture list" in proc.stderr


# ----------------------------------------------------------------------------- the real configure step


def _torch_cuda() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.version.cuda


def _has_gpu() -> bool:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    proc = subprocess.run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"], capture_output=True,
                          text=True)
    return proc.returncode == 0 and bool(re.search(r"\d+\.\d", proc.stdout))


def _configure(build: Path, env_vars: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Configures the project in ``build`` with only ``env_vars`` set among the build variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FAIRMOT_") and k not in ("TORCH_CUDA_ARCH_LIST", "CUDAARCHS")}
    env.update(env_vars)
    header = build / "generated" / "fairmot_build_config.h"
    if header.exists():
        header.unlink()
    cmd = [CMAKE, "-S", str(ROOT), "-B", str(build), "-DFAIRMOT_BUILD_PYTHON=ON",
           f"-DPython_EXECUTABLE={sys.executable}"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    facts = {}
    if header.exists():
        facts = dict(re.findall(r'#define FAIRMOT_(\w+) "(.*)"', header.read_text()))
    return proc, facts


needs_cuda_toolchain = pytest.mark.skipif(
    CMAKE is None or not _torch_cuda() or shutil.which("nvcc") is None,
    reason="needs cmake, a CUDA build of torch and nvcc on the PATH",
)


@pytest.fixture(scope="module")
def cuda_build(tmp_path_factory) -> Path:
    """One build folder for the CUDA configure tests: each test configures it again with its own
    variables (the CUDA compiler is detected once; the policy is decided afresh every time)."""
    return tmp_path_factory.mktemp("cuda-configure")


@needs_cuda_toolchain
@pytest.mark.parametrize("arch_list", list(FORMS))
def test_configure_with_an_explicit_list_records_its_architectures(cuda_build, arch_list):
    proc, facts = _configure(cuda_build, {"FAIRMOT_CUDA_ARCH_LIST": arch_list})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert facts["CUDA_ARCHS"] == FORMS[arch_list]
    assert facts["BUILD_POLICY"] == f"CUDA kernels for FAIRMOT_CUDA_ARCH_LIST='{arch_list}'"
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", facts["CUDA_VERSION"])
    assert "CUDA kernels ON, architectures: " + FORMS[arch_list] in proc.stdout


@needs_cuda_toolchain
def test_configure_reads_torch_cuda_arch_list_when_ours_is_unset(cuda_build):
    proc, facts = _configure(cuda_build, {"TORCH_CUDA_ARCH_LIST": "8.0 9.0+PTX"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert facts["CUDA_ARCHS"] == "80-real;90"
    assert "TORCH_CUDA_ARCH_LIST" in facts["BUILD_POLICY"]


@needs_cuda_toolchain
def test_configure_rejects_an_unreadable_list_before_compiling(cuda_build):
    proc, _ = _configure(cuda_build, {"FAIRMOT_CUDA_ARCH_LIST": "9.0;volta"})
    assert proc.returncode != 0
    assert "cannot read 'volta'" in proc.stderr


@pytest.mark.skipif(CMAKE is None or _torch_cuda() is None or _has_gpu(),
                    reason="needs cmake and a CUDA build of torch on a machine without a GPU")
def test_configure_without_gpu_or_list_builds_cpu_kernels_and_says_how_to_get_cuda(tmp_path):
    proc, facts = _configure(tmp_path / "build", {})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert facts["CUDA_ARCHS"] == "" and facts["CUDA_VERSION"] == ""
    assert facts["BUILD_POLICY"].startswith("CPU kernels only: no GPU was found")
    assert "FAIRMOT_CUDA_ARCH_LIST" in facts["BUILD_POLICY"]
    # the CUDA compiler is not even probed on this path
    assert "Looking for a CUDA compiler" not in proc.stdout


@needs_cuda_toolchain
def test_configure_with_cuda_forced_on_and_no_gpu_uses_the_default_list(cuda_build):
    if _has_gpu():
        pytest.skip("a GPU is present: the local GPU's architecture is used instead")
    proc, facts = _configure(cuda_build, {"FAIRMOT_WITH_CUDA": "ON"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert facts["CUDA_ARCHS"] == "75-real;80-real;86-real;89-real;90"


@pytest.mark.skipif(CMAKE is None or _torch_cuda() is None, reason="needs cmake and a CUDA build of torch")
def test_configure_with_cuda_off_builds_cpu_kernels(tmp_path):
    proc, facts = _configure(tmp_path / "build", {"FAIRMOT_WITH_CUDA": "OFF", "FAIRMOT_CUDA_ARCH_LIST": "9.0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert facts["CUDA_ARCHS"] == ""
    assert facts["BUILD_POLICY"] == "CPU kernels only: FAIRMOT_WITH_CUDA=OFF"


def test_the_installed_build_reports_its_policy():
    import fairmot.ops
    from fairmot import info

    built = fairmot.ops.build_info()
    assert built["build_policy"]
    assert built["with_cuda"] == built["build_policy"].startswith("CUDA kernels")
    assert bool(built["cuda_archs"]) == built["with_cuda"]
    facts = info.collect()
    assert facts["ops_build_policy"] == built["build_policy"]
