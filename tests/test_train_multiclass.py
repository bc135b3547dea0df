"""Multi-class training (issue 17 item 3, MC-FairMOT): targets per class against a slow reference
written here, identities numbered per class over datasets, one identity classifier per class in
the loss (against a reference written here), a training step whose loss falls over a few steps,
``fairmot train`` with a data config naming classes, and the single-class path unchanged."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from fairmot.cli import main  # noqa: E402
from fairmot.data.jde import JDEDataset, load_data_config  # noqa: E402
from fairmot.data.targets import build_targets  # noqa: E402
from fairmot.models import build_model, load_model  # noqa: E402
from fairmot.train.losses import MotLoss  # noqa: E402
from fairmot.train.trainer import ModelWithLoss  # noqa: E402
from multiclass_data import write_multiclass_jde  # noqa: E402

NAMES = ["person", "cyclist", "car"]


# ------------------------------------------------------------------------------------------ targets

def _slow_radius(h: float, w: float, mo: float = 0.7) -> float:
    """CenterNet's radius (with its missing /2a), written out per case in float64."""
    cases = [(1.0, h + w, w * h * (1 - mo) / (1 + mo)), (4.0, 2 * (h + w), (1 - mo) * w * h),
             (4 * mo, -2 * mo * (h + w), (mo - 1) * w * h)]
    return min((b + math.sqrt(b * b - 4 * a * c)) / 2 for a, b, c in cases)


def _slow_heatmaps(labels: np.ndarray, out_w: int, out_h: int, num_classes: int) -> np.ndarray:
    """Per pixel, per object: the Gaussian value of the object's class channel, max over objects."""
    hm = np.zeros((num_classes, out_h, out_w), np.float32)
    for cls, _, cx, cy, w, h in labels.astype(np.float32):
        bw, bh = np.float32(w) * np.float32(out_w), np.float32(h) * np.float32(out_h)
        if not (bw > 0 and bh > 0):
            continue
        r = max(0, int(_slow_radius(math.ceil(bh), math.ceil(bw))))
        x = int(min(max(np.float32(cx) * np.float32(out_w), 0), out_w - 1))
        y = int(min(max(np.float32(cy) * np.float32(out_h), 0), out_h - 1))
        sigma = (2 * r + 1) / 6.0
        peak_floor = np.finfo(np.float64).eps  # CenterNet zeroes values below eps * max (max = 1)
        for yy in range(max(0, y - r), min(out_h, y + r + 1)):
            for xx in range(max(0, x - r), min(out_w, x + r + 1)):
                v = math.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma * sigma))
                v = 0.0 if v < peak_floor else v
                hm[int(cls), yy, xx] = max(hm[int(cls), yy, xx], np.float32(v))
    return hm


def _random_labels(rng, n, num_classes):
    cls = rng.integers(0, num_classes, n).astype(np.float32)
    ids = rng.integers(-1, 20, n).astype(np.float32)
    ctr = rng.uniform(-0.05, 1.05, (n, 2))
    wh = rng.uniform(0.01, 0.4, (n, 2))
    wh[rng.random(n) < 0.1, 0] = 0.0  # some degenerate boxes: skipped, their slot left empty
    return np.column_stack([cls, ids, ctr, wh]).astype(np.float32)


@pytest.mark.parametrize("seed", range(4))
def test_targets_per_class_match_a_slow_reference(seed):
    rng = np.random.default_rng(seed)
    labels = _random_labels(rng, 25, 3)
    t = build_targets(labels, 48, 28, num_classes=3, max_objs=30)
    np.testing.assert_array_equal(t["hm"], _slow_heatmaps(labels, 48, 28, 3))
    filled = t["reg_mask"] == 1
    np.testing.assert_array_equal(t["cls"][:25][filled[:25]], labels[filled[:25], 0].astype(np.int64))
    assert (t["cls"][~filled] == 0).all()
    # boxes, offsets, indices and identities do not depend on the class: the same as one class
    one = labels.copy()
    one[:, 0] = 0
    t1 = build_targets(one, 48, 28, num_classes=1, max_objs=30)
    assert "cls" not in t1 and set(t1) == {"hm", "reg_mask", "ind", "wh", "reg", "ids"}
    for k in ("reg_mask", "ind", "wh", "reg", "ids"):
        np.testing.assert_array_equal(t[k], t1[k], err_msg=k)
    # single-class heatmap = the per-class maps merged by maximum
    np.testing.assert_array_equal(t1["hm"][0], t["hm"].max(axis=0))


def test_targets_refuse_classes_outside_the_network():
    labels = np.array([[3, 0, 0.5, 0.5, 0.1, 0.2]], np.float32)
    with pytest.raises(ValueError, match=r"class 3.0, expected an integer in \[0, 3\)"):
        build_targets(labels, 16, 16, num_classes=3)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        build_targets(labels, 16, 16, num_classes=0)


# ------------------------------------------------------------------------------------------ dataset

def _write_labels(root: Path, seq: str, frames: list[list[tuple[int, int]]]) -> Path:
    """Label files (class, id) per frame with fixed boxes, a blank image each; returns the list file."""
    import cv2

    img_dir, lab_dir = root / "images" / seq, root / "labels_with_ids" / seq
    img_dir.mkdir(parents=True)
    lab_dir.mkdir(parents=True)
    lines = []
    for f, objs in enumerate(frames):
        cv2.imwrite(str(img_dir / f"{f:06d}.jpg"), np.full((64, 64, 3), 100, np.uint8))
        (lab_dir / f"{f:06d}.txt").write_text("".join(f"{c} {i} {0.1 + 0.1 * k} 0.5 0.05 0.2\n"
                                                     for k, (c, i) in enumerate(objs)))
        lines.append(f"images/{seq}/{f:06d}.jpg")
    path = root / f"{seq}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_identities_are_numbered_per_class_over_datasets(tmp_path):
    a = _write_labels(tmp_path, "a", [[(0, 0), (0, 4), (2, 1)], [(1, 2), (2, -1)]])
    b = _write_labels(tmp_path, "b", [[(0, 1), (1, 0), (2, 3)], [(1, 5)]])
    cfg = tmp_path / "data.json"
    cfg.write_text(json.dumps({"root": str(tmp_path), "train": {"a": str(a), "b": str(b)}, "classes": NAMES}))
    ds = JDEDataset.from_config(cfg, img_size=(64, 64), augment=False)
    assert ds.num_classes == 3 and ds.class_names == NAMES
    # reference: per class, dataset a's ids keep their numbers, b's are shifted past a's largest + 1
    assert ds.tid_num_per_class == {"a": [5, 3, 2], "b": [2, 6, 4]}
    assert ds.tid_start_per_class == {"a": [0, 0, 0], "b": [5, 3, 2]}
    assert ds.nIDs == [5 + 2 + 1, 3 + 6 + 1, 2 + 4 + 1]  # the official count (+1) per class
    expected = {0: [(0, 0), (0, 4), (2, 1)], 1: [(1, 2), (2, -1)], 2: [(0, 6), (1, 3), (2, 5)], 3: [(1, 8)]}
    for index, objs in expected.items():
        lab = ds.labels_of(index)
        assert [(int(c), int(i)) for c, i in lab[:, :2]] == objs
        item = ds[index]
        n = len(objs)
        assert item["cls"][:n].tolist() == [c for c, _ in objs] and item["ids"][:n].tolist() == [i for _, i in objs]
        assert item["hm"].shape == (3, 16, 16)


def test_single_class_dataset_is_unchanged(tmp_path):
    a = _write_labels(tmp_path, "a", [[(0, 0), (0, 4)], [(0, 2)]])
    b = _write_labels(tmp_path, "b", [[(0, 1), (0, -1)]])
    cfg = tmp_path / "data.json"
    cfg.write_text(json.dumps({"root": str(tmp_path), "train": {"a": str(a), "b": str(b)}}))
    ds = JDEDataset.from_config(cfg, img_size=(64, 64), augment=False)
    assert ds.num_classes == 1 and ds.class_names is None and ds.nID == 5 + 2 + 1 and ds.nIDs == [ds.nID]
    assert ds.labels_of(2)[:, 1].tolist() == [6.0, -1.0]
    assert "cls" not in ds[0]


def test_data_config_classes_are_validated(tmp_path):
    a = _write_labels(tmp_path, "a", [[(0, 0)]])
    for bad, match in (("person", "list of class names"), ([], "empty"), (["a", "a"], "twice"),
                       (["a,b"], "without commas"), ([1, 2], "must be a string")):
        cfg = tmp_path / "bad.json"
        cfg.write_text(json.dumps({"root": str(tmp_path), "train": {"a": str(a)}, "classes": bad}))
        with pytest.raises(ValueError, match=match):
            load_data_config(cfg)
    cfg.write_text(json.dumps({"root": str(tmp_path), "train": {"a": str(a)}, "classes": NAMES}))
    with pytest.raises(ValueError, match="names 3 classes but num_classes=2"):
        JDEDataset.from_config(cfg, num_classes=2)


# ------------------------------------------------------------------------------------------ loss

def test_per_class_identity_loss_matches_a_reference():
    torch.manual_seed(0)
    loss = MotLoss([4, 7, 3], emb_dim=8)
    assert len(loss.classifiers) == 3 and not hasattr(loss, "classifier")
    B, K, H, W = 2, 6, 8, 8
    outputs = {"hm": torch.randn(B, 3, H, W), "wh": torch.randn(B, 4, H, W), "reg": torch.randn(B, 2, H, W),
               "id": torch.randn(B, 8, H, W)}
    ind = torch.randint(0, H * W, (B, K))
    cls = torch.tensor([[0, 1, 2, 1, 0, 2], [2, 2, 1, 0, 1, 0]])
    ids = torch.tensor([[3, 6, -1, 0, 1, 2], [0, 1, 5, -1, 4, 2]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.uint8)
    batch = {"hm": torch.rand(B, 3, H, W), "reg_mask": mask, "ind": ind, "wh": torch.rand(B, K, 4),
             "reg": torch.rand(B, K, 2), "ids": ids, "cls": cls}
    _, stats = loss(outputs, batch)
    # reference: object by object, its class's classifier, log-softmax by hand in float64
    total, count = 0.0, 0
    for b, k in ((b, k) for b in range(B) for k in range(K)):
        with torch.no_grad():
            if not mask[b, k] or ids[b, k] < 0:
                continue
            c = int(cls[b, k])
            y, x = divmod(int(ind[b, k]), W)
            e = outputs["id"][b, :, y, x].double()
            e = loss.emb_scales[c] * e / e.norm().clamp_min(1e-12)
            z = loss.classifiers[c].weight.double() @ e + loss.classifiers[c].bias.double()
            total += float(torch.logsumexp(z, 0) - z[int(ids[b, k])])
            count += 1
    assert loss.emb_scales == [math.sqrt(2) * math.log(n - 1) for n in (4, 7, 3)]
    assert float(stats["id_loss"]) == pytest.approx(total / count, rel=1e-5)
    with pytest.raises(ValueError, match="needs the targets' 'cls'"):
        loss(outputs, {k: v for k, v in batch.items() if k != "cls"})


def test_one_class_sequence_is_the_single_class_loss():
    torch.manual_seed(0)
    a = MotLoss(9, emb_dim=8)
    torch.manual_seed(0)
    b = MotLoss([9], emb_dim=8)
    assert a.state_dict().keys() == b.state_dict().keys() and b.num_classes == 1
    for bad in (0, [], [3, 0], "3", [2.0]):
        with pytest.raises(ValueError, match="nID must be"):
            MotLoss(bad)


def test_multiclass_training_steps_reduce_the_loss(tmp_path):
    cfg = write_multiclass_jde(tmp_path, n_frames=2, size=(64, 64), names=NAMES)
    ds = JDEDataset.from_config(cfg, img_size=(64, 64), augment=False)
    batch = torch.utils.data.default_collate([ds[0], ds[1]])
    torch.manual_seed(0)
    model = build_model("dla34_tiny", num_classes=3, head_conv=16,
                        heads={"hm": 3, "wh": 4, "id": 16, "reg": 2})
    module = ModelWithLoss(model, MotLoss(ds.nIDs, emb_dim=16))
    opt = torch.optim.Adam(module.parameters(), 2e-3)
    losses = []
    for _ in range(8):
        loss, stats = module(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
        assert all(math.isfinite(float(v)) for v in stats.values())
    # every class's classifier learns (its objects are in the batch)
    assert all(c.weight.grad is not None and c.weight.grad.abs().sum() > 0 for c in module.loss.classifiers)
    assert losses[-1] < losses[0] - 0.5, losses


def test_fairmot_train_with_a_multiclass_config(tmp_path):
    cfg = write_multiclass_jde(tmp_path / "data", n_frames=4, size=(64, 64), names=NAMES)
    out = tmp_path / "exp"
    rc = main(["train", "--data", str(cfg), "--output", str(out), "--arch", "dla34_tiny", "--img-size", "64x64",
               "--head-conv", "16", "--reid-dim", "16", "--epochs", "1", "--batch-size", "2", "--num-workers",
               "0", "--max-iters", "1", "--threads", "1", "--device", "cpu", "--no-augment", "-q"])
    assert rc == 0
    model = load_model(out / "model_last.pth")
    assert model.num_classes == 3 and model.class_names == NAMES
    meta = model.checkpoint_meta
    assert meta["classes"] == NAMES and meta["nIDs"] == [3, 3, 3] and meta["heads"]["hm"] == 3
    state = torch.load(out / "model_last.pth", map_location="cpu", weights_only=True)["loss_state"]
    assert [state[f"classifiers.{c}.weight"].shape[0] for c in range(3)] == [3, 3, 3]


def test_fine_tuning_from_a_single_class_checkpoint_and_resuming(tmp_path):
    from fairmot.models import save_checkpoint
    from fairmot.train.trainer import TrainConfig, load_matching, train

    torch.manual_seed(0)
    official = build_model("dla34_tiny", head_conv=16, heads={"hm": 1, "wh": 4, "id": 16, "reg": 2})
    save_checkpoint(tmp_path / "one.pth", official)
    three = build_model("dla34_tiny", num_classes=3, head_conv=16, heads={"hm": 3, "wh": 4, "id": 16, "reg": 2})
    loaded, skipped = load_matching(three, tmp_path / "one.pth")
    assert skipped == ["hm.2.bias", "hm.2.weight"]  # only the heatmap's last conv differs
    assert loaded == len(three.state_dict()) - 2
    cfg = write_multiclass_jde(tmp_path / "data", n_frames=4, size=(64, 64), names=NAMES)
    base = dict(data=str(cfg), output_dir=str(tmp_path / "exp"), arch="dla34_tiny", img_size=(64, 64), head_conv=16,
                reid_dim=16, batch_size=2, num_workers=0, max_iters=1, threads=1, device="cpu", augment=False,
                load_model=str(tmp_path / "one.pth"))
    train(TrainConfig(epochs=1, **base), progress=False)
    last = train(TrainConfig(epochs=2, resume=True, **base), progress=False)  # the per-class classifiers resume
    state = torch.load(last, map_location="cpu", weights_only=True)
    assert state["epoch"] == 2 and state["meta"]["classes"] == NAMES
    assert {k for k in state["loss_state"] if k.startswith("classifiers.")} == {
        f"classifiers.{c}.{p}" for c in range(3) for p in ("weight", "bias")}
