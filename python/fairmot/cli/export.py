"""``fairmot export``: the network as a standard ONNX file (:mod:`fairmot.export`)."""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ..export import DEFAULT_OPSET, export_onnx
from .common import add_model_options

logger = logging.getLogger("fairmot.export")



def _cmd_export(args: argparse.Namespace) -> int:
    """``fairmot export``: write the network as an ONNX file."""
    if args.format != "onnx":  # pragma: no cover - argparse choices
        raise ValueError(f"unsupported format {args.format!r}")
    if args.weights is None:
        logger.info("no --weights given: exporting the built-in model")
    try:
        path = export_onnx(args.weights, args.output, img_size=args.img_size, fp16=args.fp16,
                           dynamic_batch=args.dynamic_batch, opset=args.opset, arch=args.arch,
                           dynamo=args.exporter == "dynamo", decode=args.decode, K=args.K)
    except ImportError as exc:
        raise RuntimeError(str(exc)) from exc
    import onnx

    model = onnx.load(str(path), load_external_data=False)

    def shape(v: Any) -> str:
        return "x".join(d.dim_param or str(d.dim_value) for d in v.type.tensor_type.shape.dim)

    elem = model.graph.input[0].type.tensor_type.elem_type
    dtype = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.FLOAT16: "float16"}.get(
        elem, onnx.TensorProto.DataType.Name(elem).lower())
    n_deform = sum(1 for n in model.graph.node if n.op_type == "DeformConv")
    print(f"onnx              {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"opset             {max(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx'))}")
    print(f"input             {model.graph.input[0].name} {shape(model.graph.input[0])} {dtype}")
    print(f"outputs           {', '.join(f'{o.name} {shape(o)}' for o in model.graph.output)}")
    print(f"nodes             {len(model.graph.node)} ({n_deform} DeformConv)")
    return 0


def _opset(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer opset, got {text!r}") from None
    if value < 19:
        raise argparse.ArgumentTypeError(f"opset must be >= 19 (the first with DeformConv), got {value}")
    return value


def register(subparsers: Any) -> None:
    """Register ``fairmot export`` on the CLI's sub-parsers."""
    p = subparsers.add_parser(
        "export", help="export the network to a standard ONNX file (DeformConv, opset 19+)",
        description="Export the FairMOT network (no decoding) to ONNX: input 'image' (N x 3 x H x W RGB in [0, 1]), "
                    "outputs hm, wh, id, reg (raw head maps). Deformable convolutions become standard DeformConv "
                    "nodes, so ONNX Runtime >= 1.25 or TensorRT run the file without plugins; "
                    "'fairmot track --weights model.onnx' tracks with it.")
    add_model_options(p, ("weights", "arch", "img_size"))
    p.add_argument("--format", default="onnx", choices=["onnx"], help="output format (default: %(default)s)")
    p.add_argument("--fp16", action="store_true", help="float16 weights, input and outputs (for GPU runtimes)")
    p.add_argument("--dynamic-batch", action="store_true", help="symbolic batch dimension")
    p.add_argument("--opset", type=_opset, default=DEFAULT_OPSET, help="ONNX opset, >= 19 (default: %(default)s)")
    p.add_argument("--exporter", choices=["dynamo", "torchscript"], default="dynamo",
                   help="torch.onnx exporter (default: %(default)s)")
    p.add_argument("--decode", action="store_true",
                   help="put the decoding in the graph too (standard MaxPool/Equal/Mul/TopK/Gather): outputs dets, "
                        "inds, id_feature instead of the head maps (for runtimes outside fairmot)")
    p.add_argument("-K", "--top-k", dest="K", type=int, default=500,
                   help="decoded centres with --decode (default: %(default)s)")
    p.add_argument("-o", "--output", default="fairmot.onnx", metavar="PATH",
                   help="output file (default: %(default)s)")
    p.set_defaults(func=_cmd_export)
