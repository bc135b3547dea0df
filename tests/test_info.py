"""python -m fairmot.info reports what was built and warns on mismatches."""
from __future__ import annotations

import subprocess
import sys

from fairmot import info


def test_info_runs_and_reports_the_tracker_core():
    proc = subprocess.run([sys.executable, "-m", "fairmot.info"], capture_output=True, text=True, check=True)
    assert "tracker_core" in proc.stdout and "ok" in proc.stdout


def test_collect_has_versions():
    data = info.collect()
    assert data["tracker_core"] == "ok"
    assert "torch" in data and "ops" in data


def test_mismatched_torch_version_is_warned():
    data = {"ops": "ok", "ops_torch_version": "2.0.0", "torch": "2.14.1+cu130", "cuda_available": False,
            "ops_with_cuda": False}
    assert any("rebuild" in w for w in info.warnings_for(data))


def test_missing_cuda_kernels_for_the_gpu_are_warned():
    data = {"ops": "ok", "ops_torch_version": "2.14.1", "torch": "2.14.1", "cuda_available": True,
            "ops_with_cuda": True, "ops_cuda_archs": "90", "gpu_archs": ["80"]}
    assert any("architecture" in w for w in info.warnings_for(data))
    data["ops_with_cuda"] = False
    assert any("without CUDA" in w for w in info.warnings_for(data))


def test_info_prints_the_build_policy_and_how_to_change_it():
    proc = subprocess.run([sys.executable, "-m", "fairmot.info"], capture_output=True, text=True, check=True)
    assert "ops_build_policy" in proc.stdout and "kernels" in proc.stdout
    assert "FAIRMOT_CUDA_ARCH_LIST" in proc.stdout and "FAIRMOT_WITH_CUDA=OFF" in proc.stdout


def test_cmake_architecture_spellings_count_as_built_for_the_gpu():
    data = {"ops": "ok", "ops_torch_version": "2.14.1", "torch": "2.14.1", "cuda_available": True,
            "ops_with_cuda": True, "ops_cuda_archs": "80-real;90", "gpu_archs": ["90", "80"]}
    assert not info.warnings_for(data)
    data["gpu_archs"] = ["86"]
    assert any("86" in w for w in info.warnings_for(data))
