"""Synthetic crowds (fairmot.data.synthetic): determinism, ground truth, MOT / JDE writers, dataset, CLI."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from fairmot.cli import main
from fairmot.data.synthetic import (FrameTruth, SceneConfig, render_sequence, sequence_config, write_dataset,
                                    write_sequence)

SMALL = SceneConfig(width=160, height=96, n_frames=6, n_people=4, min_height=30, max_height=80)


def _render(cfg: SceneConfig, seed: int):
    return list(render_sequence(cfg, seed))


def _read_gt(path: Path) -> np.ndarray:
    rows = [line.split(",") for line in path.read_text().splitlines() if line.strip()]
    return np.array(rows, np.float64).reshape(-1, 9)


def _read_ini(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


# ----------------------------------------------------------------------------------------- render_sequence

def test_render_sequence_is_deterministic_per_seed():
    a, b = _render(SMALL, 3), _render(SMALL, 3)
    assert len(a) == len(b) == SMALL.n_frames
    for (fa, ta), (fb, tb) in zip(a, b):
        np.testing.assert_array_equal(fa, fb)
        np.testing.assert_array_equal(ta.ids, tb.ids)
        np.testing.assert_array_equal(ta.tlwh, tb.tlwh)
        np.testing.assert_array_equal(ta.visibility, tb.visibility)


def test_render_sequence_differs_between_seeds():
    (fa, ta), (fb, tb) = _render(SMALL, 1)[0], _render(SMALL, 2)[0]
    assert not np.array_equal(fa, fb)
    assert ta.tlwh.shape != tb.tlwh.shape or not np.allclose(ta.tlwh, tb.tlwh)


def test_frames_have_config_shape_and_uint8_dtype():
    cfg = replace(SMALL, width=96, height=80, max_height=70, n_frames=3)
    frames = _render(cfg, 0)
    assert len(frames) == 3
    for frame, truth in frames:
        assert frame.shape == (80, 96, 3) and frame.dtype == np.uint8
        assert isinstance(truth, FrameTruth)
        assert truth.ids.dtype == np.int64 and truth.tlwh.dtype == np.float64
        assert truth.tlwh.shape == (len(truth), 4) and truth.visibility.shape == (len(truth),)


def test_ids_are_one_based_unique_sorted_and_visibility_in_range():
    cfg = replace(SMALL, n_frames=30, n_people=8, min_visibility=0.3)
    total = 0
    for _, truth in _render(cfg, 5):
        ids = truth.ids
        assert (ids >= 1).all()
        assert len(np.unique(ids)) == len(ids)
        assert (np.diff(ids) > 0).all()
        assert ((truth.visibility >= 0.3) & (truth.visibility <= 1.0)).all()
        assert (truth.tlwh[:, 2:] > 0).all()
        total += len(truth)
    assert total > 0


def test_person_height_follows_configured_range():
    cfg = replace(SMALL, n_frames=10, n_people=8)
    heights = np.concatenate([t.tlwh[:, 3] for _, t in _render(cfg, 4)])
    assert heights.min() >= cfg.min_height - 1e-6
    assert heights.max() <= cfg.max_height + 1e-6
    widths = np.concatenate([t.tlwh[:, 2] for _, t in _render(cfg, 4)])
    assert (widths < heights).all()  # upright people


def test_truth_boxes_cover_the_drawn_figures():
    # same seed without people and without noise: the bare background (and poles)
    cfg = replace(SMALL, n_frames=1, n_people=5, noise=0.0, min_visibility=0.0)
    (frame, truth), = _render(cfg, 11)
    (empty, empty_truth), = _render(replace(cfg, n_people=0), 11)
    assert len(empty_truth) == 0 and len(truth) > 0
    diff = np.abs(frame.astype(np.float64) - empty.astype(np.float64)).mean(axis=2)
    inside = np.zeros(diff.shape, bool)
    for x, y, w, h in truth.tlwh:
        x1, y1 = max(int(np.floor(x)), 0), max(int(np.floor(y)), 0)
        x2, y2 = min(int(np.ceil(x + w)), cfg.width), min(int(np.ceil(y + h)), cfg.height)
        inside[y1:y2, x1:x2] = True
        if x2 > x1 and y2 > y1:
            assert diff[y1:y2, x1:x2].mean() > 5.0  # something is drawn in every box
    assert inside.any() and (~inside).any()
    assert diff[inside].mean() > 5 * max(diff[~inside].mean(), 0.2)
    # almost nothing changes outside the boxes (arms may stick out a little)
    assert (diff[~inside] > 10).mean() < 0.02


def test_people_enter_and_exit_over_a_long_sequence():
    cfg = replace(SMALL, width=128, n_frames=120, n_people=4, speed=(2.0, 3.0), entry_rate=0.3, poles=0)
    frames = _render(cfg, 2)
    first = set(frames[0][1].ids.tolist())
    last = set(frames[-1][1].ids.tolist())
    seen = set().union(*(set(t.ids.tolist()) for _, t in frames))
    assert first - last, "somebody present at the start has left"
    assert seen - first, "somebody new has entered"
    assert max(seen) > cfg.n_people  # new ids continue the numbering


def _best_shift(a: np.ndarray, b: np.ndarray, max_shift: int = 30) -> tuple[int, float, float]:
    """Horizontal shift s minimising mean |a[:, x] - b[:, x + s]|; returns (s, error at s, error at 0)."""
    a = a.astype(np.float64).mean(axis=2)
    b = b.astype(np.float64).mean(axis=2)
    w = a.shape[1]
    errs = {}
    for s in range(-max_shift, max_shift + 1):
        lo, hi = max(0, -s), min(w, w - s)
        errs[s] = np.abs(a[:, lo:hi] - b[:, lo + s:hi + s]).mean()
    best = min(errs, key=errs.get)
    return best, errs[best], errs[0]


def test_camera_pan_shifts_the_background():
    still = replace(SMALL, n_frames=40, n_people=0, noise=0.0, poles=0)
    frames = [f for f, _ in _render(still, 6)]
    np.testing.assert_array_equal(frames[0], frames[-1])  # static camera, nobody there: nothing moves
    panned = [f for f, _ in _render(replace(still, camera_pan=25.0), 6)]
    assert not np.array_equal(panned[0], panned[-1])
    shift, err, err0 = _best_shift(panned[0], panned[-1])
    assert 10 <= abs(shift) <= 25  # at most the configured peak displacement
    assert err < 0.5 * err0  # the change is a horizontal translation


@pytest.mark.parametrize("field,value", [
    ("width", 32), ("height", 40), ("n_frames", 0), ("n_people", -1), ("min_height", 4.0),
    ("max_height", 20.0), ("max_height", 200.0), ("speed", (2.0, 1.0)), ("speed", (-1.0, 1.0)),
    ("min_visibility", 1.5), ("min_visibility", -0.1),
])
def test_scene_config_validate_rejects_bad_values(field, value):
    cfg = replace(SceneConfig(width=160, height=120, min_height=30, max_height=80), **{field: value})
    with pytest.raises(ValueError):
        cfg.validate()
    with pytest.raises(ValueError):
        next(render_sequence(cfg, 0))


def test_scene_config_defaults_are_valid():
    assert SceneConfig().validate() == SceneConfig()
    for k in range(4):
        sequence_config(k, SMALL, seed=1).validate()


# ----------------------------------------------------------------------------------------- write_sequence

def test_write_sequence_gt_matches_render_and_seqinfo_reads_with_open_source(tmp_path):
    from fairmot.io import open_source

    cfg = replace(SMALL, fps=25, n_frames=5)
    seq = tmp_path / "SEQ-01"
    info = write_sequence(seq, cfg, seed=9)
    rendered = _render(cfg, 9)
    assert info["name"] == "SEQ-01" and info["frames"] == 5 and len(info["images"]) == 5
    gt = _read_gt(seq / "gt" / "gt.txt")
    assert info["boxes"] == len(gt) == sum(len(t) for _, t in rendered)
    assert info["ids"] == int(gt[:, 1].max())
    for t, (_, truth) in enumerate(rendered, start=1):
        rows = gt[gt[:, 0] == t]
        np.testing.assert_array_equal(rows[:, 1].astype(int), truth.ids)
        np.testing.assert_allclose(rows[:, 2:6], truth.tlwh, atol=0.006)
        np.testing.assert_allclose(rows[:, 8], truth.visibility, atol=6e-5)
        assert (rows[:, 6] == 1).all() and (rows[:, 7] == 1).all()

    ini = _read_ini(seq / "seqinfo.ini")
    assert ini["seqLength"] == "5" and ini["frameRate"] == "25" and ini["imDir"] == "img1"
    assert (ini["imWidth"], ini["imHeight"]) == ("160", "96")
    src = open_source(seq)
    assert src.frame_count == 5 and src.fps == 25 and src.size == (160, 96)
    frames = list(src)
    assert len(frames) == 5
    for got, (want, _) in zip(frames, rendered):
        assert got.shape == want.shape
        assert np.abs(got.astype(int) - want.astype(int)).mean() < 8  # JPEG of a noisy frame
    assert sorted(p.name for p in (seq / "img1").iterdir()) == [f"{i:06d}.jpg" for i in range(1, 6)]


def test_write_sequence_jde_labels_are_normalised_and_offset(tmp_path):
    cfg = replace(SMALL, n_frames=4)
    labels = tmp_path / "labels"
    write_sequence(tmp_path / "S", cfg, seed=3, labels_dir=labels, id_offset=10)
    gt = _read_gt(tmp_path / "S" / "gt" / "gt.txt")
    for t, (_, truth) in enumerate(_render(cfg, 3), start=1):
        text = (labels / f"{t:06d}.txt").read_text()
        rows = np.array([line.split() for line in text.splitlines()], np.float64).reshape(-1, 6)
        g = gt[gt[:, 0] == t]
        assert len(rows) == len(g) == len(truth)
        assert (rows[:, 0] == 0).all()
        np.testing.assert_array_equal(rows[:, 1], g[:, 1] - 1 + 10)
        np.testing.assert_array_equal(rows[:, 1], truth.ids - 1 + 10)
        x, y, w, h = truth.tlwh.T
        tol = 6e-7  # 6 decimals
        np.testing.assert_allclose(rows[:, 2], (x + w / 2) / 160, atol=tol)
        np.testing.assert_allclose(rows[:, 3], (y + h / 2) / 96, atol=tol)
        np.testing.assert_allclose(rows[:, 4], w / 160, atol=tol)
        np.testing.assert_allclose(rows[:, 5], h / 96, atol=tol)


def test_write_sequence_without_labels_dir_writes_no_labels(tmp_path):
    write_sequence(tmp_path / "S", replace(SMALL, n_frames=2), seed=0)
    assert sorted(p.name for p in (tmp_path / "S").iterdir()) == ["gt", "img1", "seqinfo.ini"]


# ----------------------------------------------------------------------------------------- write_dataset

@pytest.fixture(scope="module")
def dataset_json(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("ds"), n_sequences=3, config=replace(SMALL, n_frames=5), seed=4)


def test_write_dataset_layout_and_list_file(dataset_json):
    root = dataset_json.parent
    assert dataset_json.name == "synthetic.json"
    cfg = json.loads(dataset_json.read_text())
    assert Path(cfg["root"]) == root
    assert cfg["train"] == {"synthetic": "synthetic.train"}
    assert cfg["synthetic"]["n_sequences"] == 3 and cfg["synthetic"]["seed"] == 4
    lines = (root / "synthetic.train").read_text().splitlines()
    assert len(lines) == 15
    assert lines[0] == "images/SYN-01/img1/000001.jpg" and lines[-1] == "images/SYN-03/img1/000005.jpg"
    for line in lines:
        assert (root / line).is_file(), line
        assert (root / line.replace("images", "labels_with_ids").replace(".jpg", ".txt")).is_file()
    for k in (1, 2, 3):
        assert (root / "images" / f"SYN-{k:02d}" / "seqinfo.ini").is_file()


def test_write_dataset_numbers_identities_consecutively_across_sequences(dataset_json):
    root = dataset_json.parent
    offset = 0
    all_ids: list[int] = []
    for k in (1, 2, 3):
        gt = _read_gt(root / "images" / f"SYN-{k:02d}" / "gt" / "gt.txt")
        lab_dir = root / "labels_with_ids" / f"SYN-{k:02d}" / "img1"
        label_ids = []
        for t in range(1, 6):
            rows = np.array([ln.split() for ln in (lab_dir / f"{t:06d}.txt").read_text().splitlines()],
                            np.float64).reshape(-1, 6)
            np.testing.assert_array_equal(rows[:, 1], gt[gt[:, 0] == t][:, 1] - 1 + offset)
            label_ids.extend(int(v) for v in rows[:, 1])
        assert min(label_ids) >= offset
        all_ids.extend(label_ids)
        offset += int(gt[:, 1].max())
    assert max(all_ids) == offset - 1


def test_write_dataset_json_loads_with_jde_dataset(dataset_json):
    from fairmot.data.jde import JDEDataset

    ds = JDEDataset.from_config(dataset_json, img_size=(64, 64), augment=False)
    assert len(ds) == 15
    label_ids = []
    root = dataset_json.parent
    for p in (root / "labels_with_ids").rglob("*.txt"):
        label_ids.extend(int(ln.split()[1]) for ln in p.read_text().splitlines())
    assert ds.nID == max(label_ids) + 2  # max id + 1 identities, + 1 (official count)
    item = ds[0]
    assert tuple(item["input"].shape) == (3, 64, 64)
    assert int(item["reg_mask"].sum()) > 0


def test_write_dataset_is_deterministic_and_rejects_zero_sequences(tmp_path):
    cfg = replace(SMALL, n_frames=2)
    a = write_dataset(tmp_path / "a", n_sequences=2, config=cfg, seed=1, name="x", prefix="P")
    b = write_dataset(tmp_path / "b", n_sequences=2, config=cfg, seed=1, name="x", prefix="P")
    assert a.name == "x.json" and (a.parent / "x.train").is_file()
    for k in ("P-01", "P-02"):
        assert (a.parent / "images" / k / "gt" / "gt.txt").read_text() == \
            (b.parent / "images" / k / "gt" / "gt.txt").read_text()
    with pytest.raises(ValueError):
        write_dataset(tmp_path / "c", n_sequences=0, config=cfg)


# ----------------------------------------------------------------------------------------- CLI

def test_synth_cli_writes_dataset(tmp_path, capsys):
    root = tmp_path / "syn"
    rc = main(["synth", str(root), "--sequences", "2", "--frames", "3", "--people", "3", "--size", "128x96",
               "--seed", "2", "--name", "mini", "--prefix", "T"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "data config" in out and "mini.json" in out
    assert (root / "mini.json").is_file()
    assert len((root / "mini.train").read_text().splitlines()) == 6
    ini = _read_ini(root / "images" / "T-01" / "seqinfo.ini")
    assert (ini["imWidth"], ini["imHeight"], ini["seqLength"]) == ("128", "96", "3")
    img = cv2.imread(str(root / "images" / "T-02" / "img1" / "000003.jpg"))
    assert img.shape == (96, 128, 3)


def test_synth_cli_bad_size_exits_1_with_message(tmp_path, capsys):
    rc = main(["synth", str(tmp_path / "s"), "--size", "big"])
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--size" in err[0]
