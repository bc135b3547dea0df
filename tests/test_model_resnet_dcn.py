"""The official ResNet-DCN variants (resdcn_18/34/50/101/152): module names (torchvision's ResNet
keys for the backbone, the official deconv_layers / heads layout), shapes, initialisation, and
checkpoints that load with the architecture recognised from their keys."""
from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")
import fairmot.ops  # noqa: E402,F401

import fairmot  # noqa: E402
from fairmot.models import build_model, infer_arch, load_model, save_checkpoint  # noqa: E402

HEADS = ("hm", "wh", "id", "reg")


def _torchvision():
    """torchvision, the reference for the backbone keys (absent beside a CPU-only torch build)."""
    return pytest.importorskip("torchvision", reason="torchvision is the reference here")


def _backbone(sd):
    return {k: v for k, v in sd.items() if not k.startswith(("deconv_layers.",) + tuple(h + "." for h in HEADS))}


@pytest.mark.parametrize("depth", [18, 34, 50])
def test_backbone_keys_are_torchvision_resnet_keys(depth):
    ours = build_model(f"resdcn_{depth}").state_dict()
    tv = getattr(_torchvision().models, f"resnet{depth}")(weights=None).state_dict()
    tv = {k: v for k, v in tv.items() if not k.startswith("fc.")}
    body = _backbone(ours)
    assert list(body) == list(tv)
    assert all(tuple(body[k].shape) == tuple(tv[k].shape) for k in tv)


@pytest.mark.parametrize("depth,inplanes", [(34, 512), (50, 2048)])
def test_up_sampling_stages_follow_the_official_layout(depth, inplanes):
    sd = build_model(f"resdcn_{depth}").state_dict()
    expected = {}
    for stage, planes in enumerate((256, 128, 64)):
        b = 6 * stage
        expected[f"deconv_layers.{b}.weight"] = (planes, inplanes, 3, 3)  # DCN
        expected[f"deconv_layers.{b}.bias"] = (planes,)
        expected[f"deconv_layers.{b}.conv_offset_mask.weight"] = (27, inplanes, 3, 3)
        expected[f"deconv_layers.{b}.conv_offset_mask.bias"] = (27,)
        for bn in (b + 1, b + 4):
            for name in ("weight", "bias", "running_mean", "running_var"):
                expected[f"deconv_layers.{bn}.{name}"] = (planes,)
            expected[f"deconv_layers.{bn}.num_batches_tracked"] = ()
        expected[f"deconv_layers.{b + 3}.weight"] = (planes, planes, 4, 4)  # ConvTranspose, no bias
        inplanes = planes
    got = {k: tuple(v.shape) for k, v in sd.items() if k.startswith("deconv_layers.")}
    assert got == expected
    heads = [k for k in sd if k.split(".")[0] in HEADS]
    assert heads[:4] == ["hm.0.weight", "hm.0.bias", "hm.2.weight", "hm.2.bias"]
    assert tuple(sd["hm.0.weight"].shape) == (256, 64, 3, 3) and tuple(sd["id.2.weight"].shape) == (128, 256, 1, 1)


def test_forward_gives_every_head_at_stride_4_and_official_init():
    torch.manual_seed(0)
    m = build_model("resdcn_18").eval()
    with torch.no_grad():
        out = m(torch.rand(2, 3, 96, 160))
    assert list(out) == list(HEADS)
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "hm": (2, 1, 24, 40), "wh": (2, 4, 24, 40), "id": (2, 128, 24, 40), "reg": (2, 2, 24, 40)}
    assert torch.all(m.hm[-1].bias == -2.19)
    assert torch.all(m.wh[-1].bias == 0) and float(m.wh[-1].weight.detach().std()) < 0.01
    up = m.deconv_layers[3].weight
    f = 2
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    v = torch.tensor([1 - abs(i / f - c) for i in range(4)])
    kernel = torch.outer(v, v)
    assert torch.allclose(up[:, 0], kernel.expand_as(up[:, 0]))
    single = build_model("resdcn_18", head_conv=0)
    assert isinstance(single.hm, torch.nn.Conv2d) and single.hm.in_channels == 64


@pytest.mark.parametrize("depth", [18, 50])
def test_official_style_checkpoint_loads_with_the_arch_read_from_its_keys(depth, tmp_path):
    torch.manual_seed(depth)
    src = build_model(f"resdcn_{depth}", heads={"hm": 1, "wh": 4, "id": 64, "reg": 2}).eval()
    with torch.no_grad():  # non-trivial BN statistics
        for mod in src.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
    # the official layout: {'epoch', 'state_dict'} with DataParallel's 'module.' prefix, no meta
    path = tmp_path / f"resdcn_{depth}.pth"
    torch.save({"epoch": 30, "state_dict": {f"module.{k}": v for k, v in src.state_dict().items()}}, path)
    assert infer_arch(src.state_dict()) == f"resdcn_{depth}"
    model = load_model(path)
    assert model.load_report.ok and model.heads == {"hm": 1, "wh": 4, "id": 64, "reg": 2}
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        a, b = src(x), model(x)
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)


def test_arch_inference_covers_every_depth_and_dla():
    for depth in (18, 34, 50, 101, 152):
        assert infer_arch(build_model(f"resdcn_{depth}").state_dict()) == f"resdcn_{depth}"
    assert infer_arch(build_model("dla34_tiny").state_dict()) == "dla34"
    assert infer_arch({"foo.weight": torch.zeros(1)}) is None


def test_imagenet_resnet_weights_fill_the_whole_backbone():
    tv = _torchvision().models.resnet34(weights=None).state_dict()
    m = build_model("resdcn_34")
    result = m.load_state_dict(tv, strict=False)
    assert result.unexpected_keys == ["fc.weight", "fc.bias"]
    assert all(k.startswith(("deconv_layers.",) + tuple(h + "." for h in HEADS)) for k in result.missing_keys)


def test_tracker_runs_a_resdcn_checkpoint(tmp_path):
    torch.manual_seed(1)
    path = tmp_path / "resdcn_18.pth"
    save_checkpoint(path, build_model("resdcn_18"), meta={"img_size": [160, 96]})
    trk = fairmot.Tracker(str(path), device="cpu", conf_thres=0.05)
    assert trk.detector.img_size == (160, 96)
    frame = np.random.default_rng(0).integers(0, 255, (120, 200, 3), dtype=np.uint8)
    for _ in range(2):
        res = trk.update(frame)
    assert res.tlwh.shape[1] == 4 and len(res.ids) == len(res.scores)


def test_bad_resdcn_requests_raise():
    with pytest.raises(ValueError, match="unknown arch"):
        build_model("resdcn_35")
    with pytest.raises(ValueError, match="widths"):
        build_model("resdcn_34", channels=(16, 32, 64, 128, 256, 512))
    with pytest.raises(ValueError, match="head_conv"):
        fairmot.models.PoseResNetDCN(34, head_conv=-1)
    assert len(build_model("resdcn101").layer3) == 23  # alias resdcn101


def test_resdcn_exports_to_onnx_and_runs_in_onnx_runtime(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from fairmot.export import export_onnx

    torch.manual_seed(0)
    m = build_model("resdcn_18").eval()
    path = tmp_path / "resdcn18.onnx"
    export_onnx(m, path, img_size=(160, 96))
    x = torch.rand(1, 3, 96, 160)
    with torch.no_grad():
        ref = m(x)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"image": x.numpy()})))
    for name in HEADS:
        np.testing.assert_allclose(outs[name], ref[name].numpy(), rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------ resfpndcn (ResNet-FPN-DCN)
@pytest.mark.parametrize("depth,expansion", [(34, 1), (50, 4)])
def test_fpn_variant_layout(depth, expansion):
    sd = build_model(f"resfpndcn_{depth}").state_dict()
    tv = getattr(_torchvision().models, f"resnet{depth}")(weights=None).state_dict()
    body = [k for k in sd if k.startswith(("conv1.", "bn1.", "layer"))]
    assert body == [k for k in tv if not k.startswith("fc.")]
    shapes = {k: tuple(v.shape) for k, v in sd.items()}
    inplanes = 512 * expansion
    for n, planes in enumerate((256, 128, 64), start=1):
        assert shapes[f"deconv_layer{n}.0.weight"] == (planes, inplanes, 3, 3)  # DCN
        assert shapes[f"deconv_layer{n}.3.weight"] == (planes, planes, 4, 4)  # ConvTranspose
        assert shapes[f"smooth_layer{n}.conv.weight"] == (planes, planes, 3, 3)
        assert shapes[f"smooth_layer{n}.actf.0.running_var"] == (planes,)
        assert shapes[f"project_layer{n}.conv.weight"] == (planes, planes * expansion, 3, 3)
        assert shapes[f"project_layer{n}.conv.conv_offset_mask.weight"] == (27, planes * expansion, 3, 3)
        inplanes = planes
    order = [k.split(".")[0] for k in sd if not k.startswith(("conv1.", "bn1.", "layer"))]
    firsts = list(dict.fromkeys(order))
    assert firsts == ["deconv_layer1", "deconv_layer2", "deconv_layer3", "smooth_layer1", "smooth_layer2",
                      "smooth_layer3", "project_layer1", "project_layer2", "project_layer3", "hm", "wh", "id", "reg"]


def test_fpn_variant_forward_and_checkpoint_round_trip(tmp_path):
    torch.manual_seed(3)
    src = build_model("resfpndcn_18").eval()
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        out = src(x)
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "hm": (1, 1, 16, 24), "wh": (1, 4, 16, 24), "id": (1, 128, 16, 24), "reg": (1, 2, 16, 24)}
    path = tmp_path / "fpn.pth"
    torch.save({"epoch": 1, "state_dict": src.state_dict()}, path)
    assert infer_arch(src.state_dict()) == "resfpndcn_18"
    model = load_model(path)
    assert type(model).__name__ == "PoseResNetFPNDCN" and model.load_report.ok
    with torch.no_grad():
        again = model(x)
    for k in out:
        torch.testing.assert_close(again[k], out[k], rtol=0, atol=0)
