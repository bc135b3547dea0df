"""Torch operators on the CPU: ``fairmot.ops`` vs torchvision / plain torch.

* ``deform_conv2d`` forward, and forward + backward (gradients of input, offset, mask, weight
  and bias), ``fairmot.ops.deform_conv2d`` vs ``torchvision.ops.deform_conv2d`` at the DCN
  shapes of FairMOT's DLA-34 up-sampling path for a 1088x608 frame: B=1, 3x3, stride 1, pad 1,
  with mask, at 64 ch x 152x272, 128 ch x 76x136 and 256 ch x 38x68 (C_in = C_out);
* ``heatmap_topk`` vs the official ``_nms`` (max_pool2d) + two ``torch.topk`` at
  (1, 1, 152, 272), K = 500;
* ``mot_decode`` + ``gather_embeddings`` vs the official Python decode at the same shape.

Each case is its own group, so pytest-benchmark prints the implementations side by side.
Peak memory of the 64 ch 152x272 forward is measured per implementation in a fresh
subprocess (growth of the peak RSS over the forward, inputs already materialised; the peak mark
is reset first via ``/proc/self/clear_refs``, falling back to ``ru_maxrss``) and also with
``torch.profiler(profile_memory=True)`` (bytes allocated by the ops of one forward); both go
into the benchmark's ``extra_info``.

Run::

    /work/venv/bin/python -m pytest benchmarks/bench_ops.py --benchmark-only \\
        --benchmark-columns=min,median,mean,rounds
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F

tv_ops = pytest.importorskip("torchvision.ops")

try:
    import fairmot.ops as fm_ops
except ImportError:  # the operators are optional until built
    fm_ops = None

DCN_SHAPES = {  # name -> (channels, H, W)
    "64ch_152x272": (64, 152, 272),
    "128ch_76x136": (128, 76, 136),
    "256ch_38x68": (256, 38, 68),
}
IMPLS = ["fairmot", "torchvision"]
MEMORY_SHAPE = "64ch_152x272"


def _require(impl):
    if impl == "fairmot" and fm_ops is None:
        pytest.skip("fairmot.ops is not built")


def dcn_inputs(C, H, W, seed=0, requires_grad=False):
    """x, offset (N(0, 2), interleaved dy/dx), weight, bias, mask (sigmoid) for a 3x3 pad-1 DCN."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, C, H, W, generator=g)
    offset = torch.randn(1, 18, H, W, generator=g) * 2.0
    mask = torch.sigmoid(torch.randn(1, 9, H, W, generator=g))
    weight = torch.randn(C, C, 3, 3, generator=g) / (C * 9) ** 0.5
    bias = torch.randn(C, generator=g) * 0.1
    tensors = [x, offset, weight, bias, mask]
    if requires_grad:
        tensors = [t.requires_grad_(True) for t in tensors]
    return tensors


def dcn_fn(impl):
    return fm_ops.deform_conv2d if impl == "fairmot" else tv_ops.deform_conv2d


def _forward(fn, x, offset, weight, bias, mask):
    return fn(x, offset, weight, bias, stride=1, padding=1, dilation=1, mask=mask)


def _info(benchmark, impl, C, H, W):
    benchmark.extra_info.update({"impl": impl, "shape": [1, C, H, W], "kernel": [3, 3], "mask": True,
                                 "torch_threads": torch.get_num_threads(), "torch": torch.__version__})


# ------------------------------------------------------------------------------- peak memory
_MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    import torch
    import torchvision.ops as tv_ops
    impl, C, H, W = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if impl == "fairmot":
        import fairmot.ops as m
        fn = m.deform_conv2d
    else:
        fn = tv_ops.deform_conv2d
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, C, H, W, generator=g)
    off = torch.randn(1, 18, H, W, generator=g) * 2.0
    mask = torch.sigmoid(torch.randn(1, 9, H, W, generator=g))
    w = torch.randn(C, C, 3, 3, generator=g) / (C * 9) ** 0.5
    b = torch.randn(C, generator=g) * 0.1
    # tiny warm-up (loads kernels / thread pools) that cannot raise the high-water mark much
    fn(x[..., :8, :8].contiguous(), off[..., :8, :8].contiguous(), w, b, 1, 1, 1, mask[..., :8, :8].contiguous())
    def status_kib(key):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise KeyError(key)

    try:  # reset the peak-RSS mark (Linux >= 4.0): import-time peaks must not hide the forward's
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        peak = lambda: status_kib("VmHWM")
        method = "VmHWM after clear_refs=5"
    except OSError:
        peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        method = "ru_maxrss (may hide growth below the import-time peak)"
    before = peak()
    with torch.no_grad():
        y = fn(x, off, w, b, 1, 1, 1, mask)
    after = peak()
    print(json.dumps({"peak_before_kib": before, "peak_after_kib": after, "method": method,
                      "output_bytes": y.numel() * y.element_size()}))
    """
)


def peak_rss_forward(impl, C, H, W):
    """Peak-RSS growth (MiB) of one forward in a fresh interpreter (inputs already in memory)."""
    proc = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, impl, str(C), str(H), str(W)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"rc {proc.returncode}"}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "peak_rss_growth_mib": (res["peak_after_kib"] - res["peak_before_kib"]) / 1024.0,
        "peak_rss_mib": res["peak_after_kib"] / 1024.0,
        "peak_rss_method": res["method"],
        "output_mib": res["output_bytes"] / 2**20,
    }


def profiler_allocated_forward(fn, inputs):
    """Bytes allocated by the ops of one forward (torch.profiler, profile_memory=True): the sum of
    the positive self-allocations, and the largest single allocation."""
    from torch.profiler import ProfilerActivity, profile

    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        _forward(fn, *inputs)
    allocs = [e.self_cpu_memory_usage for e in prof.events() if e.self_cpu_memory_usage > 0]
    return {"profiler_allocated_mib": sum(allocs) / 2**20,
            "profiler_largest_alloc_mib": (max(allocs) if allocs else 0) / 2**20}


# ------------------------------------------------------------------------------ deform_conv2d
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", list(DCN_SHAPES))
def test_deform_conv2d_forward(benchmark, shape, impl):
    _require(impl)
    C, H, W = DCN_SHAPES[shape]
    benchmark.group = f"deform_conv2d forward {shape}"
    _info(benchmark, impl, C, H, W)
    fn = dcn_fn(impl)
    inputs = dcn_inputs(C, H, W)
    if impl == "fairmot":  # sanity: same answer as the oracle before timing it
        ref = _forward(tv_ops.deform_conv2d, *inputs)
        torch.testing.assert_close(_forward(fn, *inputs), ref, rtol=0, atol=1e-3)
    if shape == MEMORY_SHAPE:
        benchmark.extra_info.update(peak_rss_forward(impl, C, H, W))
        benchmark.extra_info.update(profiler_allocated_forward(fn, inputs))

    def run():
        with torch.no_grad():
            return _forward(fn, *inputs)

    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", list(DCN_SHAPES))
def test_deform_conv2d_forward_backward(benchmark, shape, impl):
    _require(impl)
    C, H, W = DCN_SHAPES[shape]
    benchmark.group = f"deform_conv2d forward+backward {shape}"
    _info(benchmark, impl, C, H, W)
    fn = dcn_fn(impl)
    inputs = dcn_inputs(C, H, W, requires_grad=True)
    grad_out = torch.randn(1, C, H, W, generator=torch.Generator().manual_seed(1))

    def run():
        out = _forward(fn, *inputs)
        return torch.autograd.grad(out, inputs, grad_out)

    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)


# ------------------------------------------------------------------------------- heatmap_topk
def official_heatmap_topk(heat, K=500, kernel=3):
    """The official FairMOT ``_nms`` + ``_topk`` (torch.topk, unstable ties)."""
    B, C, H, W = heat.shape
    hmax = F.max_pool2d(heat, kernel, stride=1, padding=(kernel - 1) // 2)
    heat = heat * (hmax == heat).to(heat.dtype)
    k1 = min(K, H * W)
    scores, inds = torch.topk(heat.view(B, C, -1), k1)
    k2 = min(K, C * k1)
    score, ind = torch.topk(scores.view(B, -1), k2)
    classes = torch.div(ind, k1, rounding_mode="floor")
    inds = inds.view(B, -1).gather(1, ind)
    ys = torch.div(inds, W, rounding_mode="floor").float()
    xs = (inds % W).float()
    return score, inds, classes, ys, xs


def official_decode(heat, wh, reg, id_map, K=500):
    """Official ``mot_decode`` (ltrb, with reg) + F.normalize'd id features at the same indices."""
    B = heat.shape[0]
    scores, inds, classes, ys, xs = official_heatmap_topk(heat, K)
    Kx = scores.shape[1]

    def gather(feat):
        D = feat.shape[1]
        return feat.view(B, D, -1).permute(0, 2, 1).gather(1, inds.unsqueeze(-1).expand(-1, -1, D))

    r = gather(reg)
    cx = xs + r[..., 0]
    cy = ys + r[..., 1]
    g = gather(wh)
    dets = torch.stack([cx - g[..., 0], cy - g[..., 1], cx + g[..., 2], cy + g[..., 3], scores,
                        classes.float()], dim=-1)
    emb = F.normalize(id_map, dim=1).view(B, id_map.shape[1], -1).permute(0, 2, 1)
    emb = emb.gather(1, inds.unsqueeze(-1).expand(-1, -1, id_map.shape[1]))
    return dets.view(B, Kx, 6), inds, emb


def fairmot_decode(heat, wh, reg, id_map, K=500):
    dets, inds = fm_ops.mot_decode(heat, wh, reg, ltrb=True, K=K)
    return dets, inds, fm_ops.gather_embeddings(id_map, inds)


def decode_inputs(H=152, W=272, D=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(1, 1, H, W, generator=g)
    heat = torch.sigmoid(F.avg_pool2d(z, 5, 1, 2) * 8 - 4)
    wh = torch.rand(1, 4, H, W, generator=g) * 20
    reg = torch.rand(1, 2, H, W, generator=g)
    id_map = torch.randn(1, D, H, W, generator=g)
    return heat, wh, reg, id_map


@pytest.mark.parametrize("impl", ["fairmot", "official_torch"])
def test_heatmap_topk(benchmark, impl):
    _require(impl)
    benchmark.group = "heatmap_topk (1,1,152,272) K=500"
    benchmark.extra_info.update({"impl": impl, "shape": [1, 1, 152, 272], "K": 500,
                                 "torch_threads": torch.get_num_threads()})
    heat = decode_inputs()[0]
    fn = fm_ops.heatmap_topk if impl == "fairmot" else official_heatmap_topk
    if impl == "fairmot":
        ours, ref = fn(heat, 500, 3), official_heatmap_topk(heat, 500, 3)
        torch.testing.assert_close(ours[0], ref[0])  # scores agree (tie order may differ)
    benchmark(fn, heat, 500, 3)


@pytest.mark.parametrize("impl", ["fairmot", "official_torch"])
def test_decode_with_embeddings(benchmark, impl):
    _require(impl)
    benchmark.group = "mot_decode + embeddings (1,1,152,272) K=500 D=128"
    benchmark.extra_info.update({"impl": impl, "shape": [1, 1, 152, 272], "K": 500, "D": 128,
                                 "torch_threads": torch.get_num_threads()})
    args = decode_inputs()
    fn = fairmot_decode if impl == "fairmot" else official_decode
    benchmark(fn, *args)
