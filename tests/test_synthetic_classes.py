"""Synthetic multi-class scenes (fairmot.data.synthetic_classes, ``fairmot synth --classes``).

Geometry is checked against formulas recomputed here in float64 (a person's height at a ground row
from the scene's linear perspective), pixels against a render of the same seed without objects,
files against their documented layout.
"""
from __future__ import annotations

import configparser
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fairmot.cli import main
from fairmot.data.synthetic import SceneConfig, write_dataset
from fairmot.data.synthetic_classes import (CLASS_PROFILES, MultiClassSceneConfig, parse_class_list,
                                            render_multiclass_sequence, write_multiclass_dataset,
                                            write_multiclass_sequence)

CLASSES = ("person", "cyclist", "car")
SMALL = MultiClassSceneConfig(width=320, height=180, n_frames=30, n_people=9, min_height=30, max_height=75,
                              poles=0, camera_pan=0.0)


def _render(cfg, seed):
    return list(render_multiclass_sequence(cfg, seed))


def _person_height(cfg: SceneConfig, ground_row: np.ndarray) -> np.ndarray:
    """A person's height (px) at a ground row: linear between the walkable band's top and bottom."""
    top, bottom = cfg.height * 0.42, cfg.height * 0.98
    a = np.clip((np.asarray(ground_row, np.float64) - top) / (bottom - top), 0.0, 1.0)
    return cfg.min_height + a * (cfg.max_height - cfg.min_height)


def test_render_is_deterministic_and_has_every_class():
    a, b = _render(SMALL, 5), _render(SMALL, 5)
    for (fa, ta), (fb, tb) in zip(a, b):
        assert np.array_equal(fa, fb)
        for f in ("ids", "tlwh", "visibility", "class_ids"):
            assert np.array_equal(getattr(ta, f), getattr(tb, f))
    c = _render(SMALL, 6)
    assert not np.array_equal(a[0][0], c[0][0])
    seen = np.concatenate([t.class_ids for _, t in a])
    assert set(seen.tolist()) == {0, 1, 2}
    first = np.bincount(a[0][1].class_ids, minlength=3)
    assert first.sum() <= 9 and first[0] >= first[1] and first[0] >= first[2]  # shares 0.5 / 0.25 / 0.25


def test_class_sizes_and_aspect_ratios_follow_the_profiles():
    cfg = replace(SMALL, min_visibility=0.0)
    rel, asp = {k: [] for k in range(3)}, {k: [] for k in range(3)}
    for _, t in _render(cfg, 1):
        ground = t.tlwh[:, 1] + t.tlwh[:, 3]
        person_h = _person_height(cfg, ground)
        for k in range(3):
            m = t.class_ids == k
            rel[k].extend((t.tlwh[m, 3] / person_h[m]).tolist())
            asp[k].extend((t.tlwh[m, 2] / t.tlwh[m, 3]).tolist())
    for k, name in enumerate(CLASSES):
        prof = CLASS_PROFILES[name]
        assert rel[k] and asp[k]
        assert prof.height[0] - 1e-9 <= min(rel[k]) and max(rel[k]) <= prof.height[1] + 1e-9
        assert prof.aspect[0] - 1e-9 <= min(asp[k]) and max(asp[k]) <= prof.aspect[1] + 1e-9
    # cars wider than tall, cyclists between people and cars
    assert min(asp[2]) > 1.0 > max(asp[0])
    assert max(asp[0]) < min(asp[1]) and max(asp[1]) < min(asp[2])


def test_cars_are_faster_than_cyclists_faster_than_people():
    cfg = replace(SMALL, n_frames=40, min_visibility=0.0, n_people=12)
    pos: dict[int, list[tuple[int, float, float, int]]] = {}
    for f, (_, t) in enumerate(_render(cfg, 2)):
        for i, (x, y, w, h), k in zip(t.ids, t.tlwh, t.class_ids):
            pos.setdefault(int(i), []).append((f, x + w / 2, y + h, int(k)))
    speed = {0: [], 1: [], 2: []}
    for track in pos.values():
        if len(track) < 2:
            continue
        (f0, x0, g0, k), (f1, x1, _, _) = track[0], track[-1]
        if f1 > f0:  # horizontal speed relative to a person's height at that depth
            speed[k].append(abs(x1 - x0) / (f1 - f0) / float(_person_height(cfg, g0)))
    med = [float(np.median(speed[k])) for k in range(3)]
    assert med[0] < med[1] < med[2]


def test_boxes_cover_the_drawn_objects():
    cfg = replace(SMALL, n_frames=1, noise=0.0, min_visibility=0.0)
    (frame, truth), = _render(cfg, 11)
    (empty, _), = _render(replace(cfg, n_people=0), 11)
    diff = np.abs(frame.astype(np.float64) - empty.astype(np.float64)).mean(axis=2)
    inside = np.zeros(diff.shape, bool)
    for x, y, w, h in truth.tlwh:
        x1, y1 = max(int(np.floor(x)), 0), max(int(np.floor(y)), 0)
        x2, y2 = min(int(np.ceil(x + w)), cfg.width), min(int(np.ceil(y + h)), cfg.height)
        inside[y1:y2, x1:x2] = True
        if x2 > x1 and y2 > y1:
            assert diff[y1:y2, x1:x2].mean() > 5.0
    assert (diff[~inside] > 10).mean() < 0.02


def test_occlusion_follows_depth_order_across_classes():
    """Only nearer objects (lower ground row) or the frame border hide an object; the nearest objects
    of an overlapping group stay fully visible; some objects of different classes occlude each other."""
    cfg = replace(SMALL, n_frames=25, n_people=14, min_visibility=0.0)
    cross_class = 0
    for _, t in _render(cfg, 4):
        x1, y1 = t.tlwh[:, 0], t.tlwh[:, 1]
        x2, y2 = x1 + t.tlwh[:, 2], y1 + t.tlwh[:, 3]
        inside = (x1 >= 0) & (x2 <= cfg.width) & (y1 >= 0) & (y2 <= cfg.height)
        for i in range(len(t)):
            nearer = (y2 > y2[i]) & (np.minimum(x2, x2[i]) > np.maximum(x1, x1[i])) & \
                     (np.minimum(y2, y2[i]) > np.maximum(y1, y1[i]))
            nearer[i] = False
            if inside[i] and not nearer.any():
                assert t.visibility[i] > 0.999, (i, t.visibility[i])
            if t.visibility[i] < 0.9 and inside[i]:
                assert nearer.any()
                cross_class += int((t.class_ids[nearer] != t.class_ids[i]).any())
    assert cross_class > 0


def test_write_sequence_gt_labels_and_seqinfo(tmp_path):
    cfg = replace(SMALL, n_frames=8)
    info = write_multiclass_sequence(tmp_path / "S-01", cfg, seed=3, labels_dir=tmp_path / "lab",
                                     id_offsets=(10, 20, 30))
    ini = configparser.ConfigParser()
    ini.read(tmp_path / "S-01" / "seqinfo.ini")
    assert ini["Sequence"]["classes"] == "person,cyclist,car"
    assert ini["Sequence"]["seqLength"] == "8"
    gt = np.loadtxt(tmp_path / "S-01" / "gt" / "gt.txt", delimiter=",", ndmin=2)
    truth = _render(cfg, 3)
    expect = [(f + 1, i, k + 1) for f, (_, t) in enumerate(truth) for i, k in zip(t.ids, t.class_ids)]
    assert [tuple(int(v) for v in r[[0, 1, 7]]) for r in gt] == expect  # class column 1-based
    assert (gt[:, 6] == 1).all()
    assert info["boxes"] == len(gt) and sum(info["boxes_per_class"]) == len(gt)
    # JDE labels: 0-based class, per-class identity = rank of first appearance + offset, normalised box
    rank: list[dict[int, int]] = [{}, {}, {}]
    for f, (_, t) in enumerate(truth, start=1):
        lab = np.loadtxt(tmp_path / "lab" / f"{f:06d}.txt", ndmin=2).reshape(-1, 6)
        assert len(lab) == len(t)
        for row, i, k, (x, y, w, h) in zip(lab, t.ids, t.class_ids, t.tlwh):
            k = int(k)
            r = rank[k].setdefault(int(i), len(rank[k]))
            assert int(row[0]) == k and int(row[1]) == r + (10, 20, 30)[k]
            np.testing.assert_allclose(row[2:], [(x + w / 2) / cfg.width, (y + h / 2) / cfg.height,
                                                 w / cfg.width, h / cfg.height], atol=6e-7)
    assert info["ids_per_class"] == [len(r) for r in rank]


def test_write_dataset_numbers_identities_per_class_and_names_classes(tmp_path):
    cfg = replace(SMALL, n_frames=5, classes=("car", "person"))
    path = write_multiclass_dataset(tmp_path / "d", 2, cfg, seed=1, name="mc")
    data = json.loads(path.read_text())
    assert data["classes"] == ["car", "person"] and data["train"] == {"mc": "mc.train"}
    per_class: dict[int, set[int]] = {0: set(), 1: set()}
    for lab in sorted((tmp_path / "d" / "labels_with_ids").rglob("*.txt")):
        for row in np.loadtxt(lab, ndmin=2).reshape(-1, 6):
            per_class[int(row[0])].add(int(row[1]))
    for ids in per_class.values():  # consecutive from 0 within each class, over both sequences
        assert ids and ids == set(range(len(ids)))
    gt = np.loadtxt(tmp_path / "d" / "images" / "SYN-02" / "gt" / "gt.txt", delimiter=",", ndmin=2)
    assert set(gt[:, 7].astype(int).tolist()) <= {1, 2}
    assert len((tmp_path / "d" / "mc.train").read_text().splitlines()) == 10


@pytest.mark.parametrize("classes, exc", [("person,dog", ValueError), ("person,person", ValueError),
                                          ("", ValueError), ((1, 2), TypeError), (3, TypeError)])
def test_bad_class_lists_are_rejected(classes, exc):
    with pytest.raises(exc, match="classes"):
        parse_class_list(classes)


@pytest.mark.parametrize("kw", [dict(shares=(1.0, 2.0)), dict(shares=(1.0, -1.0, 1.0)), dict(shares=(0.0, 0.0, 0.0)),
                                dict(classes=("person", "bus"))])
def test_config_validation(kw):
    with pytest.raises(ValueError):
        replace(SMALL, **kw).validate()


def test_render_rejects_a_single_class_config():
    with pytest.raises(TypeError, match="config"):
        next(render_multiclass_sequence(SceneConfig(), 0))


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".json"}


def test_synth_cli_without_classes_is_the_single_class_writer(tmp_path):
    assert main(["synth", str(tmp_path / "a"), "--sequences", "1", "--frames", "3", "--people", "3",
                 "--size", "128x96", "--seed", "2"]) == 0
    base = SceneConfig()
    cfg = replace(base, width=128, height=96, n_frames=3, n_people=3, min_height=base.min_height * 96 / base.height,
                  max_height=base.max_height * 96 / base.height)
    write_dataset(tmp_path / "b", 1, cfg, 2)
    a, b = _tree_digest(tmp_path / "a"), _tree_digest(tmp_path / "b")
    assert a == b and a
    assert "classes" not in (tmp_path / "a" / "images" / "SYN-01" / "seqinfo.ini").read_text()
    assert json.loads((tmp_path / "a" / "synthetic.json").read_text()).get("classes") is None


def test_synth_cli_with_classes(tmp_path, capsys):
    root = tmp_path / "mc"
    assert main(["synth", str(root), "--sequences", "1", "--frames", "4", "--people", "6", "--size", "192x108",
                 "--classes", "person,cyclist,car"]) == 0
    out = capsys.readouterr().out
    assert "1=person,2=cyclist,3=car" in out
    assert json.loads((root / "synthetic.json").read_text())["classes"] == list(CLASSES)
    assert "classes=person,cyclist,car" in (root / "images" / "SYN-01" / "seqinfo.ini").read_text()
    assert main(["synth", str(tmp_path / "bad"), "--classes", "person,unicorn"]) == 1
    assert "unicorn" in capsys.readouterr().err


@pytest.mark.parametrize("option", [{"occluders": 1}, {"reentry_prob": 0.5}, {"camera_shake": 4.0}])
def test_identity_scene_features_are_refused_not_ignored(option):
    from fairmot.data.synthetic_classes import MultiClassSceneConfig

    with pytest.raises(ValueError, match="multi-class scenes do not render"):
        MultiClassSceneConfig(**option).validate()
