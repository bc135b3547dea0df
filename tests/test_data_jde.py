"""JDE training dataset (docs/official_behaviour.md §5.1 - §5.3) on a tiny dataset written by the test."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fairmot.data.augment import hflip, hsv_jitter, labels_to_xyxy, random_affine, xyxy_to_normalized  # noqa: E402
from fairmot.data.jde import JDEDataset, label_path_for, load_data_config, read_label_file  # noqa: E402
from fairmot.data.targets import build_targets  # noqa: E402
from fairmot.detection.preprocess import letterbox, to_input_tensor  # noqa: E402

IMG_SIZE = (128, 64)  # network input (W, H) -> output maps 32 x 16


def _write_image(path: Path, w: int, h: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    img = cv2.resize(rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    assert cv2.imwrite(str(path), img)


def _write_labels(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(" ".join(str(v) for v in r) + "\n" for r in rows))


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    """root/A (3 images, ids up to 4, one image without label file), root/B (2 images, ids 0..2 and -1)."""
    root = tmp_path / "root"
    a = "A/images/seq1/img1"
    _write_image(root / a / "000001.png", 160, 96, 1)
    _write_image(root / a / "000002.png", 160, 96, 2)
    _write_image(root / a / "000003.png", 160, 96, 3)
    _write_labels(root / "A/labels_with_ids/seq1/img1/000001.txt",
                  [(0, 0, 0.3, 0.5, 0.2, 0.6), (0, 4, 0.7, 0.4, 0.25, 0.5)])
    _write_labels(root / "A/labels_with_ids/seq1/img1/000002.txt", [(0, 1, 0.5, 0.5, 0.3, 0.7)])
    # 000003 has no label file
    b = "B/images/x"
    _write_image(root / b / "a.jpg", 96, 96, 4)
    _write_image(root / b / "b.jpg", 200, 60, 5)
    _write_labels(root / "B/labels_with_ids/x/a.txt", [(0, 2, 0.5, 0.5, 0.4, 0.5), (0, -1, 0.2, 0.3, 0.1, 0.2)])
    _write_labels(root / "B/labels_with_ids/x/b.txt", [(0, 0, 0.6, 0.5, 0.1, 0.8)])
    cfg_dir = tmp_path / "cfg"
    (cfg_dir / "lists").mkdir(parents=True)
    (cfg_dir / "lists/a.train").write_text(f"{a}/000001.png\n\n{a}/000002.png\n{a}/000003.png\n")
    (cfg_dir / "lists/b.train").write_text(f"{b}/a.jpg\n{b}/b.jpg\n")
    (cfg_dir / "data.json").write_text(json.dumps(
        {"root": str(root), "train": {"dsA": "lists/a.train", "dsB": "lists/b.train"}, "test": {"x": "nope"}}))
    return tmp_path


def test_label_path_for():
    assert label_path_for("MOT17/images/train/S/img1/000001.jpg") == "MOT17/labels_with_ids/train/S/img1/000001.txt"
    assert label_path_for(Path("a/images/b.png")) == "a/labels_with_ids/b.txt"


def test_load_data_config_relative_lists_and_errors(tiny: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path / "root")  # list files are not found relative to the working directory
    cfg = load_data_config(tiny / "cfg/data.json")
    assert list(cfg["train"]) == ["dsA", "dsB"]
    assert Path(cfg["train"]["dsA"]) == tiny / "cfg/lists/a.train"
    assert cfg["test"] == {"x": "nope"}
    bad = tmp_path / "bad.json"
    for text, match in [("{not json", "JSON"), ("[1]", "object"), ('{"train": {"a": "x"}}', "root"),
                        ('{"root": "r", "train": {}}', "train"), ('{"root": "r", "train": {"a": 3}}', "list-file"),
                        ('{"root": "r", "train": {"a": "missing.train"}}', "not found")]:
        bad.write_text(text)
        with pytest.raises(ValueError, match=match):
            load_data_config(bad)


def test_identity_space_and_layout(tiny: Path):
    ds = JDEDataset.from_config(tiny / "cfg/data.json", img_size=IMG_SIZE, augment=False)
    assert len(ds) == 5
    assert ds.tid_num == {"dsA": 5, "dsB": 3}
    assert ds.tid_start_index == {"dsA": 0, "dsB": 5}
    assert ds.nID == 9  # total + 1, as the official code
    assert ds.img_size == IMG_SIZE and ds.out_size == (32, 16)
    assert [Path(p).name for p in ds.img_files["dsA"]] == ["000001.png", "000002.png", "000003.png"]
    assert ds.label_files["dsB"][1].endswith("B/labels_with_ids/x/b.txt")
    assert ds.locate(0) == ("dsA", 0) and ds.locate(3) == ("dsB", 0) and ds.locate(4) == ("dsB", 1)
    with pytest.raises(IndexError):
        ds.locate(5)
    # ids > -1 are shifted by the dataset's offset, -1 stays
    assert ds.labels_of(3)[:, 1].tolist() == [7, -1]
    assert ds.labels_of(4)[:, 1].tolist() == [5]
    assert ds.labels_of(1)[:, 1].tolist() == [1]
    item = ds[3]
    assert item["ids"][:3].tolist() == [7, -1, 0] and item["reg_mask"][:3].tolist() == [1, 1, 0]


def test_item_without_augmentation_is_letterbox_plus_targets(tiny: Path):
    ds = JDEDataset.from_config(tiny / "cfg/data.json", img_size=IMG_SIZE, augment=False, max_objs=16)
    for index in range(len(ds)):
        item = ds[index]
        assert set(item) == {"input", "hm", "reg_mask", "ind", "wh", "reg", "ids"}
        assert item["input"].shape == (3, 64, 128) and item["input"].dtype == torch.float32
        assert item["hm"].shape == (1, 16, 32) and item["wh"].shape == (16, 4)
        assert item["ind"].dtype == torch.int64 and item["reg_mask"].dtype == torch.uint8
        name, local = ds.locate(index)
        img0 = cv2.imread(ds.img_files[name][local])
        canvas, ratio, dw, dh = letterbox(img0, *IMG_SIZE)
        assert torch.equal(item["input"], to_input_tensor(canvas)[0])
        # labels re-derived independently in float64: pixel box in the canvas, normalised by the input size
        lab = ds.labels_of(index).astype(np.float64)
        h0, w0 = img0.shape[:2]
        x1 = ratio * w0 * (lab[:, 2] - lab[:, 4] / 2) + dw
        x2 = ratio * w0 * (lab[:, 2] + lab[:, 4] / 2) + dw
        y1 = ratio * h0 * (lab[:, 3] - lab[:, 5] / 2) + dh
        y2 = ratio * h0 * (lab[:, 3] + lab[:, 5] / 2) + dh
        norm = np.stack([lab[:, 0], lab[:, 1], (x1 + x2) / 2 / 128, (y1 + y2) / 2 / 64, (x2 - x1) / 128,
                         (y2 - y1) / 64], axis=1)
        ref = build_targets(norm, 32, 16, max_objs=16)
        np.testing.assert_array_equal(item["ind"].numpy(), ref["ind"])
        np.testing.assert_array_equal(item["reg_mask"].numpy(), ref["reg_mask"])
        np.testing.assert_array_equal(item["ids"].numpy(), ref["ids"])
        np.testing.assert_allclose(item["wh"].numpy(), ref["wh"], atol=1e-4)
        np.testing.assert_allclose(item["reg"].numpy(), ref["reg"], atol=1e-4)
        np.testing.assert_allclose(item["hm"].numpy(), ref["hm"], atol=1e-6)
    empty = ds[2]  # image without label file
    assert not empty["hm"].any() and not empty["reg_mask"].any()


def test_augmented_item_follows_the_documented_draw_order(tiny: Path):
    ds = JDEDataset.from_config(tiny / "cfg/data.json", img_size=IMG_SIZE, augment=True, seed=7, max_objs=16)
    kept = 0
    for index in (0, 3, 4):
        item = ds[index]
        rng = ds.rng_for(index)
        name, local = ds.locate(index)
        img = hsv_jitter(cv2.imread(ds.img_files[name][local]), rng)
        h0, w0 = img.shape[:2]
        img, ratio, dw, dh = letterbox(img, *IMG_SIZE)
        lab = labels_to_xyxy(ds.labels_of(index), w0, h0, ratio, dw, dh)
        img, lab, _ = random_affine(img, lab, degrees=(-5, 5), translate=(0.1, 0.1), scale=(0.5, 1.2), rng=rng)
        lab = xyxy_to_normalized(lab, *IMG_SIZE)
        if rng.random() > 0.5:
            img, lab = hflip(img, lab)
        assert torch.equal(item["input"], to_input_tensor(img)[0])
        ref = build_targets(lab, 32, 16, max_objs=16)
        for key, value in ref.items():
            np.testing.assert_array_equal(item[key].numpy(), value)
        assert 0.0 <= float(item["input"].min()) and float(item["input"].max()) <= 1.0
        kept += int(item["reg_mask"].sum())
    assert kept > 0


def test_determinism_epochs_and_seed_none(tiny: Path):
    kw = dict(img_size=IMG_SIZE, augment=True, max_objs=16)
    d1 = JDEDataset.from_config(tiny / "cfg/data.json", seed=123, **kw)
    d2 = JDEDataset.from_config(tiny / "cfg/data.json", seed=123, **kw)
    for i in (4, 0):
        a, b = d1[i], d2[i]
        for k in a:
            assert torch.equal(a[k], b[k]), k
    first = d1[0]["input"]
    d1.set_epoch(1)
    assert d1.epoch == 1
    assert not torch.equal(d1[0]["input"], first)
    d1.set_epoch(0)
    assert torch.equal(d1[0]["input"], first)
    d3 = JDEDataset.from_config(tiny / "cfg/data.json", seed=None, **kw)
    assert d3[0]["input"].shape == (3, 64, 128)


def test_dataloader_with_two_workers(tiny: Path):
    ds = JDEDataset.from_config(tiny / "cfg/data.json", img_size=IMG_SIZE, augment=True, seed=5, max_objs=16)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, shuffle=False, num_workers=2)
    batches = list(loader)
    assert [b["input"].shape[0] for b in batches] == [2, 2, 1]
    assert batches[0]["hm"].shape == (2, 1, 16, 32) and batches[0]["wh"].shape == (2, 16, 4)
    ids = torch.cat([b["ids"] for b in batches])
    inputs = torch.cat([b["input"] for b in batches])
    for i in range(len(ds)):  # same as direct access: the generators do not depend on the worker
        item = ds[i]
        assert torch.equal(inputs[i], item["input"]) and torch.equal(ids[i], item["ids"])


def test_errors_name_the_file(tiny: Path):
    root = tiny / "root"
    lists = tiny / "cfg/lists"
    bad_label = root / "A/labels_with_ids/seq1/img1/000002.txt"
    bad_label.write_text("0 1 0.5 0.5 0.3\n")
    with pytest.raises(ValueError, match=r"000002\.txt.*line 1"):
        JDEDataset(root, {"dsA": lists / "a.train"}, img_size=IMG_SIZE)
    bad_label.write_text("0 1 0.5 abc 0.3 0.2\n")
    with pytest.raises(ValueError, match=r"000002\.txt"):
        JDEDataset(root, {"dsA": lists / "a.train"}, img_size=IMG_SIZE)
    bad_label.write_text("0 1 0.5 0.5 0.3 0.7\n\n")  # blank lines are fine
    assert read_label_file(bad_label).shape == (1, 6)
    (root / "B/images/x/b.jpg").write_bytes(b"not an image")
    ds = JDEDataset(root, {"dsB": lists / "b.train"}, img_size=IMG_SIZE, augment=False)
    assert ds[0]["input"].shape == (3, 64, 128)
    with pytest.raises(ValueError, match=r"b\.jpg"):
        ds[1]
    with pytest.raises(ValueError, match="multiple"):
        JDEDataset(root, {"dsB": lists / "b.train"}, img_size=(130, 64))


def test_empty_dataset_in_the_middle_and_no_ids(tiny: Path):
    lists = tiny / "cfg/lists"
    (lists / "empty.train").write_text("\n")
    root = tiny / "root"
    _write_labels(root / "B/labels_with_ids/x/a.txt", [(0, -1, 0.5, 0.5, 0.4, 0.5)])
    _write_labels(root / "B/labels_with_ids/x/b.txt", [(0, -1, 0.5, 0.5, 0.4, 0.5)])
    ds = JDEDataset(root, {"dsA": lists / "a.train", "E": lists / "empty.train", "dsB": lists / "b.train"},
                    img_size=IMG_SIZE, augment=False)
    assert ds.tid_num == {"dsA": 5, "E": 0, "dsB": 0}
    assert ds.tid_start_index == {"dsA": 0, "E": 5, "dsB": 5}
    assert ds.nID == 6
    assert ds.locate(3) == ("dsB", 0)
    assert ds[3]["ids"][0].item() == -1
