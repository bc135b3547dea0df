"""``fairmot convert-labels --classes``: MOT / VisDrone-style / synthetic multi-class ground truth -> JDE
labels with the class column, checked against a reference conversion written here."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from fairmot.cli import main
from fairmot.data.convert import SOURCE_CLASSES, convert_mot_sequences, parse_class_map

W, H = 64, 32


def _make_seq(root: Path, name: str, gt_rows: list[str], frames: int = 3, extra_ini: str = "") -> Path:
    seq = root / name
    (seq / "gt").mkdir(parents=True)
    (seq / "img1").mkdir()
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname={name}\nimDir=img1\nframeRate=30\nseqLength={frames}\n"
                                     f"imWidth={W}\nimHeight={H}\nimExt=.jpg\n{extra_ini}")
    (seq / "gt" / "gt.txt").write_text("".join(r + "\n" for r in gt_rows))
    for f in range(1, frames + 1):
        cv2.imwrite(str(seq / "img1" / f"{f:06d}.jpg"), np.full((H, W, 3), 10 * f, np.uint8))
    return seq


def reference_labels(gts: list[np.ndarray], mapping: dict[int, int], n_classes: int) -> list[dict[int, set[str]]]:
    """Per sequence ``{frame: {label lines}}``: rows with mark != 0 and a mapped class; per target class,
    a new identity (from 1, continuing over the sequences) at every change of gt track id in (id, frame) order."""
    counters = [0] * n_classes
    out = []
    for gt in gts:
        labels: dict[int, set[str]] = {}
        for k in range(n_classes):
            rows = [r for r in gt.tolist() if r[6] != 0 and mapping.get(int(r[7])) == k]
            rows.sort(key=lambda r: (r[1], r[0]))
            last = None
            for f, tid, x, y, w, h, *_ in rows:
                if tid != last:
                    counters[k] += 1
                    last = tid
                labels.setdefault(int(f), set()).add(
                    f"{k} {counters[k]} {(x + w / 2) / W:.6f} {(y + h / 2) / H:.6f} {w / W:.6f} {h / H:.6f}")
        out.append(labels)
    return out


def read_labels(out: Path, seq: str) -> dict[int, set[str]]:
    d = out / "labels_with_ids" / "train" / seq / "img1"
    return {int(p.stem): set(p.read_text().splitlines()) for p in sorted(d.glob("*.txt"))}


MOT17_A = ["2,3,10,4,8,16,1,1,0.5", "1,3,8,4,8,16,1,1,1", "1,1,0,0,16,8,1,1,1", "2,1,2,0,16,8,1,1,1",
           "1,2,20,10,4,4,0,3,1",  # mark 0: dropped whatever its class
           "1,4,30,10,10,10,1,3,1", "2,4,31,10,10,10,1,3,1", "3,5,40,5,6,12,1,7,1",
           "3,6,50,0,10,20,1,1,0.1", "3,7,5,5,20,10,1,4,1"]
MOT17_B = ["1,6,32,16,16,8,1,1,1", "1,4,-4,-2,8,8,1,3,1", "2,4,-3,-2,8,8,1,3,1"]


def test_mot17_pedestrians_and_cars_match_the_reference(tmp_path):
    root = tmp_path / "MOT17" / "train"
    _make_seq(root, "MOT17-02-SDP", MOT17_A)
    _make_seq(root, "MOT17-04-SDP", MOT17_B, frames=2)
    res = convert_mot_sequences(root, tmp_path / "out", classes="pedestrian,car", progress=False)
    names, mapping = parse_class_map("pedestrian,car")
    assert names == ["pedestrian", "car"] and mapping == {1: 0, 3: 1}
    gts = [np.loadtxt(root / s / "gt" / "gt.txt", delimiter=",", ndmin=2) for s in ("MOT17-02-SDP", "MOT17-04-SDP")]
    ref = reference_labels(gts, mapping, 2)
    assert read_labels(tmp_path / "out", "MOT17-02-SDP") == ref[0]
    assert read_labels(tmp_path / "out", "MOT17-04-SDP") == ref[1]
    assert res.classes == ["pedestrian", "car"] and res.identities_per_class == [4, 2]
    assert res.boxes == sum(len(v) for r in ref for v in r.values()) == 10
    cfg = json.loads(res.config_file.read_text())
    assert cfg["classes"] == ["pedestrian", "car"]


def test_default_conversion_is_unchanged_by_the_new_code(tmp_path):
    root = tmp_path / "MOT17" / "train"
    _make_seq(root, "MOT17-02-SDP", MOT17_A)
    res = convert_mot_sequences(root, tmp_path / "out")
    assert res.classes is None and res.identities == 3
    assert "classes" not in json.loads(res.config_file.read_text())
    # the official rule: pedestrians (class 1) only, class column 0
    lines = set().union(*read_labels(tmp_path / "out", "MOT17-02-SDP").values())
    assert {line.split()[0] for line in lines} == {"0"} and len(lines) == 5


def test_visdrone_style_categories_merged(tmp_path):
    # VisDrone-MOT: frame,id,x,y,w,h,score,category,truncation,occlusion (score 0 = ignored box)
    rows = ["1,1,0,0,8,16,1,1,0,0", "1,2,10,0,8,16,1,2,0,0", "1,3,20,0,20,10,1,4,0,0", "1,4,40,0,20,10,1,5,0,0",
            "1,5,0,20,30,10,1,6,0,0",   # truck: not requested
            "1,6,0,0,64,32,0,0,0,0",    # ignored region
            "2,1,1,0,8,16,1,1,0,1", "2,3,22,0,20,10,0,4,0,0"]  # score 0: dropped
    root = tmp_path / "vd"
    _make_seq(root, "uav0000013_00000_v", rows, frames=2)
    res = convert_mot_sequences(root, tmp_path / "out", classes="person=pedestrian+people,car=car+van",
                                source_classes="visdrone")
    names, mapping = parse_class_map("person=pedestrian+people,car=car+van", "visdrone")
    assert mapping == {1: 0, 2: 0, 4: 1, 5: 1}
    gt = np.loadtxt(root / "uav0000013_00000_v" / "gt" / "gt.txt", delimiter=",", ndmin=2)
    assert read_labels(tmp_path / "out", "uav0000013_00000_v") == reference_labels([gt], mapping, 2)[0]
    assert res.identities_per_class == [2, 2] and res.boxes == 5


def test_synthetic_multiclass_round_trip(tmp_path):
    from fairmot.data.synthetic_classes import MultiClassSceneConfig, write_multiclass_dataset

    cfg = MultiClassSceneConfig(width=W * 4, height=H * 4, n_frames=6, n_people=8, min_height=30, max_height=100)
    write_multiclass_dataset(tmp_path / "syn", 1, cfg, seed=3)
    res = convert_mot_sequences(tmp_path / "syn" / "images", tmp_path / "out", classes="person,car", images="none")
    assert res.classes == ["person", "car"]  # names resolved through seqinfo.ini (person = 1, car = 3)
    # boxes equal the generator's own labels of those classes (car: 2 -> 1), cyclists dropped
    for f in range(1, 7):
        mine = (tmp_path / "out" / "labels_with_ids" / "train" / "SYN-01" / "img1" / f"{f:06d}.txt")
        theirs = (tmp_path / "syn" / "labels_with_ids" / "SYN-01" / "img1" / f"{f:06d}.txt")
        got = sorted((int(r.split()[0]), r.split(maxsplit=2)[2]) for r in (mine.read_text().splitlines()
                                                                          if mine.exists() else []))
        want = sorted(({0: 0, 2: 1}[int(r.split()[0])], r.split(maxsplit=2)[2])
                      for r in theirs.read_text().splitlines() if int(r.split()[0]) in (0, 2))
        # box columns are recomputed from gt.txt, whose pixels have 2 decimals: up to 0.0075 px / 128 px off
        assert [k for k, _ in got] == [k for k, _ in want]
        for (_, a), (_, b) in zip(got, want):
            np.testing.assert_allclose(np.array(a.split(), float), np.array(b.split(), float), atol=1e-4)


@pytest.mark.parametrize("spec, source, match", [
    ("pedestrian,unicorn", "mot17", "unknown mot17 class 'unicorn'"),
    ("a=1,b=1", "mot17", "mapped twice"),
    ("a=1,a=3", "mot17", "appears twice"),
    ("=1", "mot17", "no class name"),
    ("", "mot17", "empty"),
    ("car", "kitti", "source classes"),
    ("car", "seqinfo", "no classes= line"),
])
def test_bad_class_specs(spec, source, match):
    with pytest.raises(ValueError, match=match):
        parse_class_map(spec, source)


def test_class_spec_type_and_ground_truth_without_classes(tmp_path):
    with pytest.raises(TypeError, match="classes"):
        parse_class_map(3)  # type: ignore[arg-type]
    root = tmp_path / "MOT15"
    _make_seq(root, "ETH", ["1,1,0,0,16,8,1,-1,-1,-1"], frames=1)
    with pytest.raises(ValueError, match="no class column"):
        convert_mot_sequences(root, tmp_path / "o", classes="pedestrian")
    assert set(SOURCE_CLASSES) == {"mot17", "visdrone", "bdd100k"}


def test_cli(tmp_path, capsys):
    root = tmp_path / "MOT17" / "train"
    _make_seq(root, "MOT17-02-SDP", MOT17_A)
    assert main(["convert-labels", str(root), str(tmp_path / "o"), "-q", "--classes", "pedestrian,car=car+bicycle"]) == 0
    out = capsys.readouterr().out
    assert "class 0 pedestrian" in out and "class 1 car" in out and "3 identities" in out
    assert main(["convert-labels", str(root), str(tmp_path / "o2"), "-q", "--classes", "dog"]) == 1
    assert "unknown mot17 class 'dog'" in capsys.readouterr().err
