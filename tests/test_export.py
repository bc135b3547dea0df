"""ONNX export (standard DeformConv, opset 19+), ONNX Runtime inference, torch.export / torch.compile.

* one ``DeformConv`` node per ``fairmot.ops.deform_conv2d`` call, from both torch.onnx exporters,
  numerically checked against our operator with masks, groups, offset groups, strides,
  dilations, paddings, rectangular kernels and DCNv1 (no mask), on ONNX Runtime and on
  ``onnx.reference.ReferenceEvaluator``;
* the whole DLA-34 network (random weights, BatchNorm statistics calibrated so that every layer
  carries signal, random deformable offsets), exported by ``fairmot export``: signature, checker,
  dynamic batch, metadata, ONNX Runtime output vs PyTorch (max abs difference reported);
* fp16 export structure; the error messages for missing kernels;
* ``fairmot.Tracker("model.onnx")`` vs ``fairmot.Tracker(model)`` on a synthetic clip;
* ``torch.export.export`` and ``torch.compile(fullgraph=True)`` of the network vs eager.

Sizes are small so the file runs in about a minute on two cores.
"""
from __future__ import annotations

import copy
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")

import fairmot  # noqa: E402
from streams import calibrate_heatmap, make_clip  # noqa: E402
from fairmot import cli  # noqa: E402
from fairmot.export import export_onnx  # noqa: E402
from fairmot.detection.onnx_runtime import MIN_ONNXRUNTIME_VERSION, OnnxModel  # noqa: E402
from fairmot.ops import DCN, deform_conv2d  # noqa: E402
from fairmot.ops.onnx import custom_translation_table, register_torchscript_symbolic  # noqa: E402

IMG_SIZE = (160, 96)  # network input (W, H) of the whole-network tests
ORT_HAS_DEFORM_CONV = tuple(int(p) for p in ort.__version__.split(".")[:2]) >= MIN_ONNXRUNTIME_VERSION[:2]
needs_ort_deform_conv = pytest.mark.skipif(
    not ORT_HAS_DEFORM_CONV, reason=f"onnxruntime {ort.__version__} has no DeformConv kernel (needs >= 1.25)")


def _report(name: str, value: float) -> None:
    sys.stderr.write(f"\n[test_export] {name}: {value:.3g}\n")


def _ort_session(model: "onnx.ModelProto") -> "ort.InferenceSession":
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


# ------------------------------------------------------------------------------------ one layer

#: (C_out, kernel, stride, padding, dilation, groups, offset_groups, mask, bias); C_in = 4. Small,
#: because onnx's reference DeformConv is a Python loop over every output and input channel.
LAYER_CASES = [
    (4, (3, 3), (1, 1), (1, 1), (1, 1), 1, 1, True, True),      # FairMOT's DCN
    (4, (3, 3), (2, 2), (1, 1), (1, 1), 2, 2, True, True),      # stride, groups, offset groups
    (2, (3, 3), (1, 1), (2, 2), (2, 2), 1, 4, True, False),     # dilation, 4 offset groups, no bias
    (4, (3, 2), (2, 1), (1, 0), (1, 2), 4, 1, False, True),     # rectangular, depthwise, DCNv1 (no mask)
    (2, (1, 1), (1, 1), (0, 0), (1, 1), 2, 4, True, True),      # 1x1, one offset group per channel
]
C_IN = 4
LAYER_INPUT = (1, C_IN, 7, 9)


class _ManyDeformConvs(torch.nn.Module):
    """One deform_conv2d per LAYER_CASES entry on a shared input; offsets (a few pixels, some
    samples outside the image) and masks come from ordinary convolutions of the input."""

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.cases = LAYER_CASES
        for i, (cout, k, s, p, d, groups, og, _use_mask, use_bias) in enumerate(LAYER_CASES):
            taps = k[0] * k[1]
            off = torch.nn.Conv2d(C_IN, 2 * og * taps, k, stride=s, padding=p, dilation=d)
            msk = torch.nn.Conv2d(C_IN, og * taps, k, stride=s, padding=p, dilation=d)
            with torch.no_grad():
                off.weight.normal_(0.0, 0.6, generator=g)
                off.bias.normal_(0.0, 1.5, generator=g)
                msk.weight.normal_(0.0, 0.5, generator=g)
            self.add_module(f"off{i}", off)
            self.add_module(f"msk{i}", msk)
            self.register_parameter(f"w{i}", torch.nn.Parameter(torch.randn(cout, C_IN // groups, *k, generator=g)))
            self.register_parameter(f"b{i}", torch.nn.Parameter(torch.randn(cout, generator=g)) if use_bias else None)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = []
        for i, (_, _, s, p, d, _, _, use_mask, _) in enumerate(self.cases):
            offset = getattr(self, f"off{i}")(x)
            mask = torch.sigmoid(getattr(self, f"msk{i}")(x)) if use_mask else None
            outs.append(deform_conv2d(x, offset, getattr(self, f"w{i}"), getattr(self, f"b{i}"), s, p, d, mask))
        return tuple(outs)


def _export_layers(exporter: str, module: torch.nn.Module, x: torch.Tensor, opset: int = 19) -> "onnx.ModelProto":
    names = [f"y{i}" for i in range(len(LAYER_CASES))]
    if exporter == "dynamo":
        prog = torch.onnx.export(module, (x,), dynamo=True, opset_version=opset, input_names=["x"], output_names=names,
                                 custom_translation_table=custom_translation_table(), verbose=False)
        return prog.model_proto
    import io
    import warnings

    assert register_torchscript_symbolic()
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), buf, dynamo=False, opset_version=opset, input_names=["x"], output_names=names)
    return onnx.load_from_string(buf.getvalue())


@pytest.fixture(scope="module")
def layers():
    torch.manual_seed(0)
    module = _ManyDeformConvs().eval()
    x = torch.randn(*LAYER_INPUT)
    with torch.no_grad():
        ref = [t.numpy() for t in module(x)]
    return module, x, ref


@pytest.fixture(scope="module", params=["dynamo", "torchscript"])
def layer_export(request, layers):
    module, x, ref = layers
    return request.param, _export_layers(request.param, module, x), x, ref


def test_deform_conv_exports_to_one_standard_node_per_call(layer_export):
    exporter, model, _, _ = layer_export
    onnx.checker.check_model(model, full_check=True)
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 19
    nodes = [n for n in model.graph.node if n.op_type == "DeformConv"]
    assert len(nodes) == len(LAYER_CASES)
    assert all(n.domain in ("", "ai.onnx") for n in nodes)  # the standard operator, no custom domain
    assert not [n for n in model.graph.node if "fairmot" in n.domain or "fairmot" in n.op_type]
    # node order follows the cases: check inputs and attributes of each
    for node, (_cout, k, s, p, d, groups, og, use_mask, _) in zip(nodes, LAYER_CASES):
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        assert list(attrs["strides"]) == list(s), exporter
        assert list(attrs["dilations"]) == list(d)
        assert list(attrs["pads"]) == [p[0], p[1], p[0], p[1]]
        assert attrs["group"] == groups and attrs["offset_group"] == og
        assert list(attrs["kernel_shape"]) == list(k)
        assert len([i for i in node.input if i]) == (5 if use_mask else 4)  # X, W, offset, B[, mask]


@needs_ort_deform_conv
def test_deform_conv_layer_onnxruntime_matches_ours(layer_export):
    exporter, model, x, ref = layer_export
    outs = _ort_session(model).run(None, {"x": x.numpy()})
    worst = 0.0
    for i, (y, r) in enumerate(zip(outs, ref)):
        assert y.shape == r.shape, (exporter, i)
        diff = float(np.abs(y - r).max())
        worst = max(worst, diff / float(np.abs(r).max()))
        np.testing.assert_allclose(y, r, rtol=1e-4, atol=1e-4 * float(np.abs(r).max()), err_msg=f"case {i}")
    _report(f"DeformConv layers, onnxruntime vs ours ({exporter}), max rel diff", worst)


def test_deform_conv_layer_reference_evaluator_matches_ours(layer_export):
    from onnx.reference import ReferenceEvaluator

    exporter, model, x, ref = layer_export
    outs = ReferenceEvaluator(model).run(None, {"x": x.numpy()})
    for i, (y, r) in enumerate(zip(outs, ref)):
        np.testing.assert_allclose(y, r, rtol=1e-4, atol=1e-4 * float(np.abs(r).max()), err_msg=f"{exporter} case {i}")


def test_export_refuses_opsets_without_deform_conv():
    with pytest.raises(ValueError, match="19"):
        export_onnx(torch.nn.Identity(), "unused.onnx", img_size=(64, 64), opset=18)


# -------------------------------------------------------------------------------- whole network


def randomize_network(net: torch.nn.Module, seed: int = 0, size: tuple[int, int] = IMG_SIZE) -> torch.nn.Module:
    """Random offsets in every DCN and BatchNorm statistics measured on random images, so that
    all layers of a freshly built network carry unit-scale signal (a fresh one outputs ~1e-6).
    Variances are floored so that the network is as well conditioned as a trained one: with a
    channel's variance near 0, eval-mode BatchNorm multiplies by up to 1/sqrt(1e-5) and PyTorch's
    own float32 result drifts 5e-4 (relative) from float64."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, DCN):
                w = m.conv_offset_mask.weight
                fan_in = w.shape[1] * w.shape[2] * w.shape[3]
                w.normal_(0.0, 1.0 / fan_in ** 0.5, generator=g)
                m.conv_offset_mask.bias.normal_(0.0, 0.5, generator=g)
            elif isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # cumulative average: one pass sets the statistics
        net.train()
        net(torch.rand(2, 3, size[1], size[0], generator=g))
        net.eval()
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # no 300x gain on (nearly) constant channels:
                m.running_var.clamp_(min=0.05)      # keeps float32 rounding at its usual level
                m.momentum = 0.1
    return net


@pytest.fixture(scope="module")
def network():
    """A random DLA-34 (see randomize_network) whose heads give a few detections above 0.4 on
    the synthetic clip: hm rescaled to a spread of ~1.5 around -4 (calibrated on the first frame),
    wh close to a constant upright box (ltrb 3, 6, 3, 6 output cells)."""
    from fairmot.detection.preprocess import letterbox, to_input_tensor

    torch.manual_seed(0)
    net = randomize_network(fairmot.build_model())
    x = to_input_tensor(letterbox(make_clip(1)[0], *IMG_SIZE)[0])
    calibrate_heatmap(net, x)
    with torch.no_grad():
        z = net(x)["wh"] - net.wh[-1].bias.view(1, -1, 1, 1)
        net.wh[-1].weight.mul_(0.3 / float(z.std()))
        net.wh[-1].bias.copy_(torch.tensor([3.0, 6.0, 3.0, 6.0]))
    return net


@pytest.fixture(scope="module")
def cli_export(network, tmp_path_factory):
    """``fairmot export`` of a checkpoint of ``network`` with a dynamic batch: (rc, stdout, path)."""
    folder = tmp_path_factory.mktemp("export")
    ckpt = folder / "random_dla34.pth"
    fairmot.save_checkpoint(ckpt, network)
    out = folder / "model.onnx"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli.main(["export", "--weights", str(ckpt), "--format", "onnx",
                       "--img-size", f"{IMG_SIZE[0]}x{IMG_SIZE[1]}", "--dynamic-batch", "-o", str(out)])
    return rc, buf.getvalue(), out


def test_cli_export_exit_code_and_summary(cli_export):
    rc, stdout, path = cli_export
    assert rc == 0
    assert path.is_file() and path.stat().st_size > 50e6  # weights inside the file
    assert not list(path.parent.glob("*.data"))  # no external data file
    assert "16 DeformConv" in stdout
    assert f"image batchx3x{IMG_SIZE[1]}x{IMG_SIZE[0]} float32" in stdout


def test_cli_export_missing_weights_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "m.onnx"
    rc = cli.main(["export", "--weights", str(tmp_path / "missing.pth"), "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert len(err.splitlines()) == 1 and "missing.pth" in err and err.startswith("fairmot: error:")
    assert not out.exists()


def test_exported_network_signature_checker_and_metadata(cli_export):
    model = onnx.load(str(cli_export[2]))
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    w, h = IMG_SIZE

    def dims(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    assert [i.name for i in model.graph.input] == ["image"]
    assert dims(model.graph.input[0]) == ["batch", 3, h, w]
    assert [o.name for o in model.graph.output] == ["hm", "wh", "id", "reg"]
    assert [dims(o) for o in inferred.graph.output] == [["batch", c, h // 4, w // 4] for c in (1, 4, 128, 2)]
    assert all(o.type.tensor_type.elem_type == onnx.TensorProto.FLOAT for o in model.graph.output)
    ops = {n.op_type for n in model.graph.node}
    assert "DeformConv" in ops and all(n.domain in ("", "ai.onnx") for n in model.graph.node)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["fairmot.img_size"] == f"{w}x{h}"


@needs_ort_deform_conv
def test_exported_network_onnxruntime_matches_pytorch(cli_export, network):
    sess = _ort_session(onnx.load(str(cli_export[2])))
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2, 3, IMG_SIZE[1], IMG_SIZE[0], generator=g)  # dynamic batch: 2 images
    with torch.no_grad():
        ref = network(x)
    outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"image": x.numpy()})))
    worst_abs, worst_rel = 0.0, 0.0
    for name, r in ref.items():
        r = r.numpy()
        y = outs[name]
        assert y.shape == r.shape
        scale = float(np.abs(r).max())
        assert scale > 1e-2, f"{name}: the test network carries no signal"
        diff = float(np.abs(y - r).max())
        worst_abs, worst_rel = max(worst_abs, diff), max(worst_rel, diff / scale)
        assert diff <= 1e-4 * scale, f"{name}: max abs diff {diff:.3g} vs max |output| {scale:.3g}"
    _report("DLA-34 onnxruntime vs pytorch, max abs diff", worst_abs)
    _report("DLA-34 onnxruntime vs pytorch, max diff / max |output|", worst_rel)
    # batch 1 through the same dynamic-batch file equals the batch-2 result's first image
    one = sess.run(["hm"], {"image": x[:1].numpy()})[0]
    np.testing.assert_allclose(one, outs["hm"][:1], rtol=1e-5, atol=1e-5)


@needs_ort_deform_conv
def test_onnx_model_backend_and_detector(cli_export, network):
    from fairmot.detection.detector import Detector

    model = OnnxModel(cli_export[2], device="cpu")
    assert model.heads == {"hm": 1, "wh": 4, "id": 128, "reg": 2}
    assert model.img_size == IMG_SIZE and model.input_name == "image"
    with pytest.raises(ValueError, match=r"160x96"):
        Detector(model, img_size=(320, 192))
    det = Detector(model, img_size=IMG_SIZE)
    assert det.ltrb is True
    x = torch.rand(1, 3, IMG_SIZE[1], IMG_SIZE[0])
    out = det.forward(x)
    with torch.no_grad():
        ref = network(x)
    for k in ref:
        torch.testing.assert_close(out[k], ref[k], rtol=1e-4, atol=1e-4 * float(ref[k].abs().max()))


def test_onnx_model_explains_old_onnxruntime(cli_export, monkeypatch):
    monkeypatch.setattr(ort, "__version__", "1.24.4")
    with pytest.raises(RuntimeError, match=r"onnxruntime 1\.24\.4 has no DeformConv kernel.*>= 1\.25"):
        OnnxModel(cli_export[2], device="cpu")


# ------------------------------------------------------------------------------------------ fp16


class _TinyNet(torch.nn.Module):
    """A small FairMOT-shaped network (DCN + heads at stride 4) for fast export tests."""

    def __init__(self) -> None:
        super().__init__()
        self.heads = {"hm": 1, "wh": 4, "id": 8, "reg": 2}
        self.stem = torch.nn.Conv2d(3, 4, 3, stride=4, padding=1)
        self.dcn = DCN(4, 4, 3, padding=1)
        with torch.no_grad():
            self.dcn.conv_offset_mask.weight.normal_(0.0, 0.3)
        for name, ch in self.heads.items():
            self.add_module(name, torch.nn.Conv2d(4, ch, 1))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        f = torch.relu(self.dcn(torch.relu(self.stem(x))))
        return {name: getattr(self, name)(f) for name in self.heads}


@pytest.fixture(scope="module")
def fp16_export(tmp_path_factory):
    torch.manual_seed(0)
    net = _TinyNet().eval()
    path = export_onnx(net, tmp_path_factory.mktemp("fp16") / "tiny16.onnx", img_size=(32, 32), fp16=True)
    return net, path


def test_fp16_export_structure(fp16_export):
    net, path = fp16_export
    assert next(net.parameters()).dtype == torch.float32  # the caller's network is not modified
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    f16 = onnx.TensorProto.FLOAT16
    assert model.graph.input[0].name == "image" and model.graph.input[0].type.tensor_type.elem_type == f16
    assert [o.name for o in model.graph.output] == ["hm", "wh", "id", "reg"]
    assert all(o.type.tensor_type.elem_type == f16 for o in model.graph.output)
    assert {t.data_type for t in model.graph.initializer if t.data_type in (onnx.TensorProto.FLOAT, f16)} == {f16}
    assert sum(n.op_type == "DeformConv" for n in model.graph.node) == 1


def test_fp16_export_reference_evaluator_close_to_float32(fp16_export):
    from onnx.reference import ReferenceEvaluator

    net, path = fp16_export
    x = torch.rand(1, 3, 32, 32)
    ys = ReferenceEvaluator(str(path)).run(None, {"image": x.half().numpy()})
    with torch.no_grad():
        ref = net(x)
    for y, (name, r) in zip(ys, ref.items()):
        assert y.dtype == np.float16
        np.testing.assert_allclose(y.astype(np.float32), r.numpy(), atol=2e-2 * float(r.abs().max()) + 1e-3,
                                   err_msg=name)


@needs_ort_deform_conv
def test_fp16_model_on_onnxruntime_cpu(fp16_export):
    """ONNX Runtime's CPU DeformConv kernel is float32/float64; its cast-insertion pass runs float16
    graphs anyway (1.32 does). Either the model runs and is close to float32, or the error says
    what to do."""
    net, path = fp16_export
    try:
        model = OnnxModel(path, device="cpu")
    except RuntimeError as exc:
        assert "float16" in str(exc) and "onnxruntime-gpu" in str(exc)
        return
    assert model.input_dtype == np.float16
    x = torch.rand(1, 3, 32, 32)
    out = model(x.numpy())  # float32 in, cast to float16 for the session, float32 out
    with torch.no_grad():
        ref = net(x)
    for name, r in ref.items():
        assert out[name].dtype == np.float32
        np.testing.assert_allclose(out[name], r.numpy(), atol=2e-2 * float(r.abs().max()) + 1e-3, err_msg=name)


# -------------------------------------------------------------------------------------- tracker


@needs_ort_deform_conv
def test_tracker_on_onnx_model_gives_the_same_tracks(cli_export, network):
    from fairmot import Tracker

    net, path = copy.deepcopy(network), cli_export[2]
    clip = make_clip(4)
    kw = dict(conf_thres=0.4, device="cpu")
    t_torch = Tracker(net, img_size=IMG_SIZE, **kw)
    t_onnx = Tracker(str(path), **kw)  # img_size from the file
    assert t_onnx.detector.img_size == IMG_SIZE
    n_tracks = 0
    for frame in clip:
        a, b = t_torch.update(frame), t_onnx.update(frame)
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_allclose(a.tlwh, b.tlwh, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-4, atol=1e-5)
        n_tracks += len(a)
    assert n_tracks > 0, "the clip produced no tracks: the comparison would be empty"


def test_tracker_onnx_refuses_other_dtypes(cli_export):
    from fairmot import Tracker

    with pytest.raises(ValueError, match="float16"):
        Tracker(str(cli_export[2]), dtype="float16", device="cpu")


# ---------------------------------------------------------------------- torch.export / compile


def test_torch_export_matches_eager(network):
    x = torch.rand(1, 3, 64, 128)
    with torch.no_grad():
        ref = network(x)
        ep = torch.export.export(network, (x,))
        out = ep.module()(x)
    assert any(n.target == torch.ops.fairmot.deform_conv2d.default for n in ep.graph.nodes)
    for k in ref:
        torch.testing.assert_close(out[k], ref[k], rtol=0, atol=0)


def test_torch_compile_fullgraph_matches_eager(network):
    torch._dynamo.reset()
    x = torch.rand(1, 3, 64, 128)
    compiled = torch.compile(network, fullgraph=True, backend="aot_eager")  # fake kernels + functionalisation
    with torch.no_grad():
        ref = network(x)
        out = compiled(x)
    for k in ref:
        torch.testing.assert_close(out[k], ref[k], rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(os.environ.get("FAIRMOT_TEST_INDUCTOR") != "1",
                    reason="inductor compiles the whole DLA-34 in ~2 min on 2 cores; set FAIRMOT_TEST_INDUCTOR=1")
def test_torch_compile_inductor_matches_eager(network):
    torch._dynamo.reset()
    x = torch.rand(1, 3, 64, 128)
    compiled = torch.compile(network, fullgraph=True)
    with torch.no_grad():
        ref = network(x)
        out = compiled(x)
    for k in ref:
        torch.testing.assert_close(out[k], ref[k], rtol=1e-4, atol=1e-4 * float(ref[k].abs().max()))


# ------------------------------------------------------------------------------ decoding in the graph


def test_standard_ops_decode_equals_the_fused_decode_without_ties():
    from fairmot.ops import mot_decode
    from fairmot.ops.decode import mot_decode_reference_ops

    g = torch.Generator().manual_seed(3)
    for c, ltrb, with_reg in [(1, True, True), (2, True, False), (1, False, True)]:
        heat = torch.rand(2, c, 24, 40, generator=g)  # continuous values: no exact ties
        wh = torch.rand(2, 4 if ltrb else 2, 24, 40, generator=g) * 5
        reg = torch.rand(2, 2, 24, 40, generator=g) if with_reg else None
        for k in (7, 100, 5000):
            ours, inds = mot_decode_reference_ops(heat, wh, reg, ltrb=ltrb, K=k)
            ref, ref_inds = mot_decode(heat, wh, reg, ltrb=ltrb, K=k)
            assert ours.shape == ref.shape
            # zero-score cells (suppressed non-peaks) may tie: compare the positive-score part exactly
            pos = ref[..., 4] > 0
            assert torch.equal(pos, ours[..., 4] > 0)
            torch.testing.assert_close(ours[pos], ref[pos], rtol=0, atol=1e-6)
            assert torch.equal(inds[pos], ref_inds[pos])


@needs_ort_deform_conv
def test_decode_in_graph_export_runs_on_onnxruntime_like_pytorch(network, tmp_path):
    from fairmot.export import DECODED_OUTPUTS, export_onnx
    from fairmot.ops import gather_embeddings, mot_decode

    path = export_onnx(network, tmp_path / "decoded.onnx", img_size=IMG_SIZE, decode=True, K=50)
    model = onnx.load(str(path))
    assert [o.name for o in model.graph.output] == list(DECODED_OUTPUTS)
    ops = {n.op_type for n in model.graph.node}
    assert {"DeformConv", "MaxPool", "TopK"} <= ops
    sess = _ort_session(model)
    x = torch.rand(1, 3, IMG_SIZE[1], IMG_SIZE[0], generator=torch.Generator().manual_seed(5))
    dets, inds, emb = sess.run(None, {"image": x.numpy()})
    with torch.no_grad():
        out = network(x)
        ref_dets, ref_inds = mot_decode(out["hm"].sigmoid(), out["wh"], out["reg"], ltrb=True, K=50)
        ref_emb = gather_embeddings(out["id"], ref_inds)
    assert dets.shape == (1, 50, 6) and inds.shape == (1, 50) and emb.shape == (1, 50, 128)
    pos = ref_dets[..., 4].numpy() > 0  # suppressed (zero-score) cells tie: their order is free
    assert pos.sum() >= 10
    np.testing.assert_array_equal(inds[pos], ref_inds.numpy()[pos])
    np.testing.assert_allclose(dets[pos], ref_dets.numpy()[pos], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(emb[pos], ref_emb.numpy()[pos], rtol=1e-4, atol=1e-4)
    # fairmot.Tracker runs raw-head files; a decoded file is refused with an explanation
    with pytest.raises(ValueError, match="decoding inside"):
        fairmot.Tracker(str(path))
