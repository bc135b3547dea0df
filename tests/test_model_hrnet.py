"""HRNetV2 networks (hrnet_18 / hrnet_32): the official multi-branch layout (transitions, modules,
fuse layers), heads on the concatenated stride-4 features, checkpoints recognised from their keys."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import fairmot.ops  # noqa: E402,F401

import fairmot  # noqa: E402
from fairmot.models import build_model, infer_arch, load_model, save_checkpoint  # noqa: E402

WIDTHS = {18: (18, 36, 72, 144), 32: (32, 64, 128, 256)}


@pytest.mark.parametrize("width", [18, 32])
def test_heads_see_all_four_branches_at_stride_4(width):
    m = build_model(f"hrnet_{width}").eval()
    with torch.no_grad():
        out = m(torch.rand(2, 3, 128, 96))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "hm": (2, 1, 32, 24), "wh": (2, 4, 32, 24), "id": (2, 128, 32, 24), "reg": (2, 2, 32, 24)}
    assert m.hm[0].in_channels == sum(WIDTHS[width]) and m.hm[0].out_channels == 256
    assert torch.all(m.hm[-1].bias == -2.19) and torch.all(m.wh[0].bias == 0)


def test_branch_layout_follows_the_official_w18_config():
    m = build_model("hrnet_18")
    w = WIDTHS[18]
    # stem to stride 4, then 4 Bottlenecks to 256 channels
    assert (m.conv1.stride, m.conv2.stride) == ((2, 2), (2, 2)) and len(m.layer1) == 4
    assert m.layer1[0].conv3.out_channels == 256
    # transitions: width change on kept branches, a strided conv from the coarsest for new ones
    t1 = m.transition1
    assert t1[0][0].in_channels == 256 and t1[0][0].out_channels == w[0] and t1[0][0].stride == (1, 1)
    assert t1[1][0][0].in_channels == 256 and t1[1][0][0].out_channels == w[1] and t1[1][0][0].stride == (2, 2)
    assert m.transition2[0] is None and m.transition2[1] is None
    assert (m.transition2[2][0][0].in_channels, m.transition2[2][0][0].out_channels) == (w[1], w[2])
    assert (m.transition3[3][0][0].in_channels, m.transition3[3][0][0].out_channels) == (w[2], w[3])
    # modules per stage 1 / 4 / 3, branches 2 / 3 / 4, four BasicBlocks per branch
    for stage, modules, branches in ((m.stage2, 1, 2), (m.stage3, 4, 3), (m.stage4, 3, 4)):
        assert len(stage) == modules
        for mod in stage:
            assert len(mod.branches) == branches and all(len(b) == 4 for b in mod.branches)
            assert len(mod.fuse_layers) == branches  # every output resolution is kept
            for i, row in enumerate(mod.fuse_layers):
                for j, f in enumerate(row):
                    if j == i:
                        assert f is None
                    elif j > i:  # 1x1 conv to branch i's width, nearest x2^(j-i)
                        assert f[0].kernel_size == (1, 1) and f[0].out_channels == w[i]
                        assert f[2].scale_factor == 2 ** (j - i) and f[2].mode == "nearest"
                    else:  # i - j strided 3x3 convs
                        assert len(f) == i - j and all(step[0].stride == (2, 2) for step in f)
                        assert f[-1][0].out_channels == w[i] and len(f[-1]) == 2  # no ReLU on the last


def test_state_dict_names_of_the_official_network():
    sd = build_model("hrnet_18").state_dict()
    for key, shape in {
        "conv1.weight": (64, 3, 3, 3), "conv2.weight": (64, 64, 3, 3),
        "layer1.0.downsample.0.weight": (256, 64, 1, 1),
        "transition1.0.0.weight": (18, 256, 3, 3), "transition1.1.0.0.weight": (36, 256, 3, 3),
        "transition2.2.0.0.weight": (72, 36, 3, 3), "transition3.3.0.0.weight": (144, 72, 3, 3),
        "stage2.0.branches.0.0.conv1.weight": (18, 18, 3, 3),
        "stage2.0.fuse_layers.0.1.0.weight": (18, 36, 1, 1),
        "stage2.0.fuse_layers.1.0.0.0.weight": (36, 18, 3, 3),
        "stage4.2.fuse_layers.3.0.2.0.weight": (144, 18, 3, 3),
        "stage4.2.fuse_layers.3.0.0.0.weight": (18, 18, 3, 3),
        "hm.0.weight": (256, 270, 3, 3), "id.2.weight": (128, 256, 1, 1),
    }.items():
        assert tuple(sd[key].shape) == shape, key
    assert not any(k.startswith(("deconv_layers", "base.")) for k in sd)


def test_official_style_checkpoint_loads_as_hrnet(tmp_path):
    torch.manual_seed(0)
    src = build_model("hrnet_18").eval()
    with torch.no_grad():
        for p in src.parameters():  # the official init is nearly zero; make the check meaningful
            p.add_(torch.randn_like(p) * 0.05)
    path = tmp_path / "hrnet18.pth"
    torch.save({"epoch": 30, "state_dict": {f"module.{k}": v for k, v in src.state_dict().items()}}, path)
    assert infer_arch(src.state_dict()) == "hrnet_18"
    model = load_model(path)
    assert model.load_report.ok and type(model).__name__ == "HRNet" and model.width == 18
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        a, b = src(x), model(x)
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)


def test_tracker_runs_an_hrnet_checkpoint(tmp_path):
    path = tmp_path / "hrnet18.pth"
    save_checkpoint(path, build_model("hrnet_18"), meta={"img_size": [160, 96]})
    trk = fairmot.Tracker(str(path), device="cpu", conf_thres=0.05)
    frame = np.random.default_rng(1).integers(0, 255, (100, 180, 3), dtype=np.uint8)
    res = trk.update(frame)
    assert res.tlwh.shape[1] == 4


def test_bad_hrnet_requests_raise():
    with pytest.raises(ValueError, match="head_conv"):
        build_model("hrnet_18", head_conv=64)
    with pytest.raises(ValueError, match="width"):
        fairmot.models.HRNet(48)
    with pytest.raises(ValueError, match="widths"):
        build_model("hrnet_18", channels=(16, 32, 64, 128, 256, 512))
