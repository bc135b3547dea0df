"""ONNX export of a multi-class network (issue 17 item 2): the heatmap output carries one channel
per class, the class names travel in the file's metadata, and ONNX Runtime gives the same
detections and class ids as torch through ``Detector`` and ``Tracker``."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")

import fairmot  # noqa: E402
from fairmot.detection.detector import Detector  # noqa: E402
from fairmot.detection.onnx_runtime import MIN_ONNXRUNTIME_VERSION, OnnxModel  # noqa: E402
from fairmot.export import export_onnx  # noqa: E402
from fairmot.models import save_checkpoint  # noqa: E402
from multiclass_data import three_class_network  # noqa: E402
from streams import make_clip  # noqa: E402

NAMES = ["person", "cyclist", "car"]
IMG = (128, 64)
pytestmark = pytest.mark.skipif(
    tuple(int(p) for p in ort.__version__.split(".")[:2]) < MIN_ONNXRUNTIME_VERSION[:2],
    reason=f"onnxruntime {ort.__version__} has no DeformConv kernel")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(torch network, .onnx path) of a 3-class dla34_tiny whose classes all fire on the clip."""
    net = three_class_network(IMG, make_clip(1)[0])
    folder = tmp_path_factory.mktemp("mc_export")
    ckpt = folder / "mc.pth"
    save_checkpoint(ckpt, net, meta={"arch": "dla34_tiny", "classes": NAMES, "img_size": list(IMG)})
    path = export_onnx(str(ckpt), folder / "mc.onnx")
    return net, path


def test_exported_heatmap_has_one_channel_per_class_and_names(exported):
    _, path = exported
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["fairmot.heads"]) == {"hm": 3, "wh": 4, "id": 128, "reg": 2}
    assert json.loads(meta["fairmot.classes"]) == NAMES
    backend = OnnxModel(path, device="cpu")
    assert backend.heads["hm"] == 3 and backend.class_names == NAMES


def test_onnxruntime_gives_the_same_detections_and_class_ids(exported):
    net, path = exported
    d_torch = Detector(copy.deepcopy(net), img_size=IMG, conf_thres=0.3, device="cpu", fold_bn=False)
    d_onnx = Detector(OnnxModel(path, device="cpu"), img_size=IMG, conf_thres=0.3)
    assert d_onnx.num_classes == 3 and d_onnx.class_names == NAMES
    seen = set()
    for frame in make_clip(4):
        a, b = d_torch.detect(frame), d_onnx.detect(frame)
        assert len(a) == len(b) > 0
        np.testing.assert_array_equal(a.class_ids, b.class_ids)
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(a.boxes, b.boxes, rtol=1e-4, atol=1e-2)
        seen.update(a.class_ids.tolist())
    assert seen == {0, 1, 2}


def test_tracker_on_the_onnx_file_reports_the_same_classes(exported):
    net, path = exported
    kw = dict(device="cpu", min_box_area=None, max_aspect_ratio=None)
    t_torch = fairmot.Tracker(copy.deepcopy(net), img_size=IMG, **kw)
    t_onnx = fairmot.Tracker(str(path), **kw)
    assert t_onnx.class_names == NAMES and t_onnx.num_classes == 3
    n = 0
    for frame in make_clip(4):
        a, b = t_torch.update(frame), t_onnx.update(frame)
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.class_ids, b.class_ids)
        np.testing.assert_allclose(a.tlwh, b.tlwh, rtol=1e-4, atol=1e-2)
        n += len(a)
    assert n > 0
