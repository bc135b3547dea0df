"""The end-to-end tracker on a CUDA device agrees with the CPU path: same pre-processing values,
same detections up to float rounding of the network, the same identities; float16 / bfloat16
inference runs and stays close. Skipped without a CUDA device or CUDA kernels."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)
import cv2  # noqa: E402,F401

import fairmot  # noqa: E402
from fairmot.data.synthetic import SceneConfig, render_sequence  # noqa: E402
from fairmot.ops import build_info  # noqa: E402
from fairmot.detection.preprocess import letterbox  # noqa: E402

if not build_info()["with_cuda"]:
    pytest.skip("fairmot was built without CUDA kernels", allow_module_level=True)


@pytest.fixture(scope="module")
def frames():
    cfg = SceneConfig(n_frames=40)
    return [f for f, _ in itertools.islice(render_sequence(cfg, seed=4242), 40)]


def _run(frames, **kw):
    trk = fairmot.Tracker(None, **kw)
    return trk, [trk.update(f) for f in frames]


def test_cuda_detections_match_cpu(frames):
    cpu = fairmot.Tracker(None, device="cpu").detector
    gpu = fairmot.Tracker(None, device="cuda").detector
    for frame in frames[:10]:
        canvas = letterbox(frame, *cpu.img_size)[0]
        assert torch.equal(gpu.blob(canvas).cpu(), cpu.blob(canvas))
        bc, sc, ec = cpu.detect(frame)
        bg, sg, eg = gpu.detect(frame)
        # TF32 / kernel order differences move scores by ~1e-3: compare detections well above the threshold
        strong_c, strong_g = sc > 0.5, sg > 0.5
        assert abs(int(strong_c.sum()) - int(strong_g.sum())) <= 1
        for b, s in zip(bc[strong_c], sc[strong_c]):
            d = np.abs(bg - b).max(axis=1)
            j = int(np.argmin(d))
            assert d[j] < 1.0 and abs(sg[j] - s) < 0.02


def _iou(a, b):
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_cuda_tracking_gives_the_cpu_identities(frames):
    # Float rounding may shift a score across the threshold now and then (and with it later id
    # numbers), so compare the grouping: boxes matched by IoU > 0.5, ids mapped consistently.
    _, cpu = _run(frames, device="cpu")
    _, gpu = _run(frames, device="cuda")
    pairs, total = {}, 0
    for a, b in zip(cpu, gpu):
        total += len(a)
        used = set()
        for i in range(len(a)):
            cands = [(j, _iou(a.tlwh[i], b.tlwh[j])) for j in range(len(b)) if j not in used]
            if cands:
                j, iou = max(cands, key=lambda c: c[1])
                if iou > 0.5:
                    used.add(j)
                    pairs.setdefault(int(a.ids[i]), []).append(int(b.ids[j]))
    matched = sum(len(v) for v in pairs.values())
    consistent = sum(max(v.count(x) for x in set(v)) for v in pairs.values())
    assert total > 0 and matched >= 0.95 * total
    assert consistent >= 0.95 * matched


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_reduced_precision_inference_runs_and_stays_close(frames, dtype):
    _, ref = _run(frames[:15], device="cuda")
    _, low = _run(frames[:15], device="cuda", dtype=dtype)
    assert sum(len(t) for t in low) > 0
    counts = np.array([len(t) for t in ref]), np.array([len(t) for t in low])
    assert np.abs(counts[0] - counts[1]).max() <= 2
