"""GPU side-by-side benchmark of the torch operators (run on a machine with a CUDA device).

* ``deform_conv2d`` forward over the 16 deformable convolutions of DLA-34 at a 1088x608 input
  (batch 1, 3x3, with mask): fairmot in float32 / float16 / bfloat16 vs
  ``torchvision.ops.deform_conv2d`` in float32 (and float16 where torchvision supports it), plus
  forward+backward in float32. Target (issue 3): float32 forward >= 1.3x torchvision.
* decoding at 1x1x152x272, K = 500: ``heatmap_topk`` vs the official max_pool2d + topk code, and
  ``mot_decode`` + ``gather_embeddings`` vs the official decode + gathers, all on the GPU.
  Target: >= 3x.

Every fairmot result is checked against the reference before it is timed. Times are CUDA-event
medians over ``--repeat`` runs after a warm-up. Run::

    python benchmarks/bench_cuda.py [--repeat 50] [--json out.json]

It prints a Markdown table (card, torch, ratios) ready for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ops as bo  # noqa: E402  (official decode transcriptions, input makers)
import fairmot.ops as fm_ops  # noqa: E402
import torchvision.ops as tv_ops  # noqa: E402

#: The 16 deformable convolutions of DLA-34 at 1088x608: (C_in, C_out, H, W).
DLA34_DCN_LAYERS = [(512, 256, 19, 34), (256, 256, 38, 68), (256, 128, 38, 68), (128, 128, 76, 136),
                    (256, 128, 38, 68), (128, 128, 76, 136)] + [(128, 64, 76, 136), (64, 64, 152, 272)] * 3 + [
                    (128, 64, 76, 136), (64, 64, 152, 272), (256, 64, 38, 68), (64, 64, 152, 272)]


def cuda_time(fn, repeat: int, warmup: int = 5) -> float:
    """Median milliseconds of ``fn()`` measured with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def layer_inputs(dtype: torch.dtype, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    data = []
    for cin, cout, h, w in DLA34_DCN_LAYERS:
        tensors = [torch.randn(1, cin, h, w, generator=g), torch.randn(1, 18, h, w, generator=g) * 2,
                   torch.randn(cout, cin, 3, 3, generator=g) / (cin * 9) ** 0.5, torch.randn(cout, generator=g) * 0.1,
                   torch.rand(1, 9, h, w, generator=g)]
        data.append([t.cuda().to(dtype) for t in tensors])
    return data


def run_layers(fn, data, grad: bool = False):
    for x, off, wt, b, msk in data:
        if grad:
            ts = [t.detach().requires_grad_(True) for t in (x, off, wt, b, msk)]
            fn(ts[0], ts[1], ts[2], ts[3], stride=1, padding=1, dilation=1, mask=ts[4]).sum().backward()
        else:
            with torch.no_grad():
                fn(x, off, wt, b, stride=1, padding=1, dilation=1, mask=msk)


def check_layers(data, dtype):
    tol = {torch.float32: 1e-3, torch.float16: 2e-2, torch.bfloat16: 1e-1}[dtype]
    for x, off, wt, b, msk in data[:3]:
        ours = fm_ops.deform_conv2d(x, off, wt, b, padding=1, mask=msk).float()
        ref = tv_ops.deform_conv2d(x.float(), off.float(), wt.float(), b.float(), padding=1, mask=msk.float())
        err = (ours - ref).abs().max().item() / max(ref.abs().max().item(), 1e-6)
        if err > tol:
            raise AssertionError(f"fairmot {dtype} deform_conv2d differs from torchvision by {err:.2e} (> {tol})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA device", file=sys.stderr)
        return 2
    if not fm_ops.build_info()["with_cuda"]:
        print("fairmot was built without CUDA kernels", file=sys.stderr)
        return 2
    torch.backends.cudnn.benchmark = True
    card = torch.cuda.get_device_name()
    rows, out = [], {"card": card, "torch": torch.__version__, "repeat": args.repeat}

    fp32 = layer_inputs(torch.float32)
    check_layers(fp32, torch.float32)
    t_tv = cuda_time(lambda: run_layers(tv_ops.deform_conv2d, fp32), args.repeat)
    t_fm = cuda_time(lambda: run_layers(fm_ops.deform_conv2d, fp32), args.repeat)
    rows.append(("deform_conv2d fwd, 16 DLA-34 layers, float32", t_fm, t_tv, ">= 1.3x"))
    t_tv_b = cuda_time(lambda: run_layers(tv_ops.deform_conv2d, fp32, grad=True), max(5, args.repeat // 5))
    t_fm_b = cuda_time(lambda: run_layers(fm_ops.deform_conv2d, fp32, grad=True), max(5, args.repeat // 5))
    rows.append(("deform_conv2d fwd+bwd, 16 layers, float32", t_fm_b, t_tv_b, "(info)"))
    for dtype in (torch.float16, torch.bfloat16):
        data = layer_inputs(dtype)
        check_layers(data, dtype)
        t = cuda_time(lambda d=data: run_layers(fm_ops.deform_conv2d, d), args.repeat)
        try:
            t_ref = cuda_time(lambda d=data: run_layers(tv_ops.deform_conv2d, d), args.repeat)
            name = f"torchvision {str(dtype)[6:]}"
        except RuntimeError:  # torchvision without this dtype: compare with its float32
            t_ref, name = t_tv, "torchvision float32"
        rows.append((f"deform_conv2d fwd, 16 layers, {str(dtype)[6:]} (vs {name})", t, t_ref, "(info)"))

    heat, wh, reg, id_map = (t.cuda() for t in bo.decode_inputs())
    ours, ref = fm_ops.heatmap_topk(heat, 500, 3), bo.official_heatmap_topk(heat, 500, 3)
    torch.testing.assert_close(ours[0], ref[0])
    rows.append(("heatmap_topk (1,1,152,272) K=500", cuda_time(lambda: fm_ops.heatmap_topk(heat, 500, 3), args.repeat),
                 cuda_time(lambda: bo.official_heatmap_topk(heat, 500, 3), args.repeat), ">= 3x"))
    rows.append(("mot_decode + embeddings K=500 D=128",
                 cuda_time(lambda: bo.fairmot_decode(heat, wh, reg, id_map), args.repeat),
                 cuda_time(lambda: bo.official_decode(heat, wh, reg, id_map), args.repeat), ">= 3x"))

    print(f"GPU: {card}; torch {torch.__version__}; CUDA-event medians of {args.repeat} runs")
    print()
    print("| what | fairmot | reference | reference / fairmot | target |")
    print("|---|---|---|---|---|")
    out["rows"] = []
    for name, ours_ms, ref_ms, target in rows:
        print(f"| {name} | {ours_ms:.3f} ms | {ref_ms:.3f} ms | {ref_ms / ours_ms:.2f}x | {target} |")
        out["rows"].append({"what": name, "fairmot_ms": ours_ms, "reference_ms": ref_ms, "target": target})
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
