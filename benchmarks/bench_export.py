"""The exported network on ONNX Runtime vs our PyTorch path, at FairMOT's 1088x608 input.

One group per device, the implementations side by side:

* ``pytorch``: the DLA-34 network as :class:`fairmot.detection.Detector` runs it (eager,
  ``inference_mode``, channels-last, ``torch.ops.fairmot.deform_conv2d``), float32;
* ``onnxruntime``: the same weights exported by :func:`fairmot.export.export_onnx` (standard
  ``DeformConv``, opset 19) and run by :class:`fairmot.detection.OnnxModel`, float32.

Random weights, with random (non-zero) deformable offsets so that both sides really sample
bilinearly. Time per forward of one 1 x 3 x 608 x 1088 image; the ratio ONNX Runtime /
PyTorch goes into ``extra_info``. On a GPU (when torch sees one, and onnxruntime-gpu is
installed) the same pair runs on CUDA; otherwise those cases are skipped.

Run::

    .venv/bin/python -m pytest benchmarks/bench_export.py --benchmark-only \\
        --benchmark-columns=min,median,mean,rounds
"""

from __future__ import annotations

import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")

IMG_SIZE = (1088, 608)
IMPLS = ["pytorch", "onnxruntime"]
DEVICES = ["cpu", "cuda"]
_TIMES: dict[tuple[str, str], float] = {}


@pytest.fixture(scope="module")
def network():
    import fairmot
    from fairmot.ops import DCN

    torch.manual_seed(0)
    net = fairmot.build_model().eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, DCN):
                w = m.conv_offset_mask.weight
                w.normal_(0.0, 0.1 / (w.shape[1] * 9) ** 0.5)
                m.conv_offset_mask.bias.normal_(0.0, 0.5)
    return net


@pytest.fixture(scope="module")
def onnx_file(network, tmp_path_factory):
    from fairmot.export import export_onnx

    return export_onnx(network, tmp_path_factory.mktemp("bench") / "fairmot_1088x608.onnx", img_size=IMG_SIZE)


def _require(device: str, impl: str) -> None:
    if device == "cuda":
        if not torch.cuda.is_available():
            pytest.skip("no CUDA device")
        if impl == "onnxruntime" and "CUDAExecutionProvider" not in ort.get_available_providers():
            pytest.skip("onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu)")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("impl", IMPLS)
def test_network_forward(benchmark, network, onnx_file, impl, device):
    _require(device, impl)
    from fairmot.detection.detector import Detector

    benchmark.group = f"FairMOT network forward 1x3x{IMG_SIZE[1]}x{IMG_SIZE[0]} {device}"
    x = torch.rand(1, 3, IMG_SIZE[1], IMG_SIZE[0], generator=torch.Generator().manual_seed(0))
    if impl == "pytorch":
        det = Detector(network, img_size=IMG_SIZE, device=device)
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

        def run():
            out = det.forward(x)
            sync()
            return out
    else:
        from fairmot.detection.onnx_runtime import OnnxModel

        model = OnnxModel(onnx_file, device=device)
        blob = x.numpy()

        def run():
            return model(blob)

    benchmark.extra_info.update({
        "impl": impl, "device": device, "input": [1, 3, IMG_SIZE[1], IMG_SIZE[0]], "dtype": "float32",
        "torch": torch.__version__, "onnxruntime": ort.__version__, "torch_threads": torch.get_num_threads(),
    })
    t0 = time.perf_counter()
    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    _TIMES[(device, impl)] = benchmark.stats.stats.min
    other = _TIMES.get((device, "pytorch" if impl == "onnxruntime" else "onnxruntime"))
    if other is not None:
        ort_t = _TIMES.get((device, "onnxruntime"))
        pt_t = _TIMES.get((device, "pytorch"))
        benchmark.extra_info["onnxruntime_over_pytorch"] = float(ort_t / pt_t)
    benchmark.extra_info["wall_s"] = time.perf_counter() - t0


def test_outputs_agree(network, onnx_file):
    """Not a timing: the two implementations agree at this size (max abs difference in extra output)."""
    from fairmot.detection.onnx_runtime import OnnxModel

    x = torch.rand(1, 3, IMG_SIZE[1], IMG_SIZE[0], generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        ref = network(x)
    out = OnnxModel(onnx_file, device="cpu")(x.numpy())
    for k, r in ref.items():
        diff = float(np.abs(out[k] - r.numpy()).max())
        assert diff <= 1e-4 * max(float(r.abs().max()), 1e-3) + 1e-6, (k, diff)
