"""The network forward on the CPU: memory layout, batch-norm folding and ONNX Runtime, interleaved.

Variants, each the same weights on the same input (hand-run script, not pytest)::

    nchw            the network as loaded, contiguous (NCHW) input
    channels_last   channels_last weights and input (the Detector default before folding)
    folded          batch-norm folded into the convolutions (fairmot.models.fold), NCHW
    folded_cl       folded + channels_last (the Detector default on the CPU)
    onnxruntime     the network exported by fairmot.export.export_onnx, run by ONNX Runtime (CPU
                    provider, graph optimisations on: ORT folds batch-norms itself; as many
                    threads as torch, spinning off so that it does not slow the next variant)

Models: DLA-34 at 1088x608 (random weights with realistic batch-norm statistics) and the built-in
model at its 320x192. Rounds are interleaved (one forward of each variant per round) so that load
from other processes hits all variants alike; the table gives the median and the ratio to ONNX
Runtime and to ``nchw``, and the largest output difference of each variant to ``nchw``. Run::

    python benchmarks/bench_cpu_layout.py [--rounds 7] [--threads 2] [--models dla34 builtin]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def _realistic_bn(net: torch.nn.Module, seed: int = 0) -> None:
    """Give every BatchNorm2d non-trivial statistics (a fresh network has mean 0, var 1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)


def _load(name: str) -> tuple[torch.nn.Module, tuple[int, int]]:
    from fairmot.models import build_model, load_model

    if name == "dla34":
        net = build_model("dla34")
        _realistic_bn(net)
        return net.eval(), (1088, 608)
    from fairmot.weights import default_weights

    net = load_model(default_weights())
    size = tuple(int(v) for v in net.checkpoint_meta.get("img_size", (320, 192)))
    return net.eval(), size


def _heads(out):
    if isinstance(out, (list, tuple)):
        out = out[-1]
    return out


def bench(name: str, rounds: int, tmp: Path) -> None:
    import copy

    from fairmot.detection.onnx_runtime import OnnxModel
    from fairmot.export.onnx import export_onnx
    from fairmot.models.fold import fold_batchnorm

    net, (w, h) = _load(name)
    x = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(1))
    folded, n = fold_batchnorm(net, torch.rand(1, 3, 64, 64))
    cl = copy.deepcopy(net).to(memory_format=torch.channels_last)
    folded_cl = copy.deepcopy(folded).to(memory_format=torch.channels_last)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    path = export_onnx(net, tmp / f"{name}.onnx", img_size=(w, h), check=False)
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = torch.get_num_threads()
    # idle ORT threads would spin after each run and slow down the torch variant that follows
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    ort = OnnxModel(path, device="cpu", session_options=opts)
    x_np = x.numpy()

    def run_torch(model, inp):
        with torch.inference_mode():
            return {k: v.float().contiguous() for k, v in _heads(model(inp)).items()}

    variants = {
        "nchw": lambda: run_torch(net, x),
        "channels_last": lambda: run_torch(cl, x_cl),
        "folded": lambda: run_torch(folded, x),
        "folded_cl": lambda: run_torch(folded_cl, x_cl),
        "onnxruntime": lambda: {k: torch.from_numpy(np.asarray(v)) for k, v in ort(x_np).items()},
    }
    ref = variants["nchw"]()
    diffs = {}
    for key, fn in variants.items():  # warm-up + output check
        out = fn()
        diffs[key] = max(float((out[k] - ref[k]).abs().max()) / max(float(ref[k].abs().max()), 1e-12)
                         for k in ref)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(rounds):
        for key, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{name} at {w}x{h}, {rounds} interleaved rounds, torch threads {torch.get_num_threads()}, "
          f"{n} batch-norms folded")
    print(f"{'variant':<15}{'median s':>10}{'min s':>9}{'vs ORT':>9}{'vs nchw':>9}{'max rel diff':>14}")
    for key in variants:
        print(f"{key:<15}{med[key]:>10.4f}{min(times[key]):>9.4f}{med[key] / med['onnxruntime']:>9.3f}"
              f"{med[key] / med['nchw']:>9.3f}{diffs[key]:>14.2e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--models", nargs="+", default=["builtin", "dla34"], choices=["builtin", "dla34"])
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            bench(name, args.rounds, Path(tmp))


if __name__ == "__main__":
    main()
