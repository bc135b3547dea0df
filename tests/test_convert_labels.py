"""MOT gt -> JDE labels (``fairmot convert-labels``, docs/official_behaviour.md §5.1) on fake MOT sequences."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from fairmot.cli.convert import register as add_command
from fairmot.data.convert import convert_mot_sequences, read_seqinfo

W, H = 64, 32


def _make_seq(root: Path, name: str, gt_rows: list[str], frames: int = 3, w: int = W, h: int = H) -> Path:
    seq = root / name
    (seq / "gt").mkdir(parents=True)
    (seq / "img1").mkdir()
    (seq / "seqinfo.ini").write_text(
        f"[Sequence]\nname={name}\nimDir=img1\nframeRate=30\nseqLength={frames}\nimWidth={w}\nimHeight={h}\nimExt=.jpg\n")
    (seq / "gt" / "gt.txt").write_text("".join(r + "\n" for r in gt_rows))
    for f in range(1, frames + 1):
        cv2.imwrite(str(seq / "img1" / f"{f:06d}.jpg"), np.full((h, w, 3), 10 * f, np.uint8))
    return seq


# MOT17 rows: frame, id, x, y, w, h, mark, class, visibility (deliberately not sorted)
SEQ_A = [
    "2,3,10,4,8,16,1,1,0.5",
    "1,3,8,4,8,16,1,1,1",
    "1,1,0,0,16,8,1,1,1",
    "2,1,2,0,16,8,1,1,1",
    "1,2,20,10,4,4,0,1,1",     # mark 0 -> skipped
    "1,4,30,10,10,10,1,3,1",   # class 3 (car) -> skipped
    "3,5,40,5,6,12,1,7,1",     # class 7 (static person) -> skipped
    "3,6,50,0,10,20,1,1,0.1",
]
SEQ_B = [
    "1,6,32,16,16,8,1,1,1",    # same gt id as the last track of A: still a new identity
    "1,9,-4,-2,8,8,1,1,1",     # partly outside: not clipped
]


@pytest.fixture()
def mot17(tmp_path: Path) -> Path:
    root = tmp_path / "MOT17" / "train"
    _make_seq(root, "MOT17-02-SDP", SEQ_A)
    _make_seq(root, "MOT17-04-SDP", SEQ_B, frames=2)
    _make_seq(root, "MOT17-04-FRCNN", SEQ_B, frames=2)
    (root / "not-a-sequence").mkdir()
    return root


def _label(out: Path, seq: str, frame: int) -> list[str]:
    return (out / "labels_with_ids" / "train" / seq / "img1" / f"{frame:06d}.txt").read_text().splitlines()


def _fmt(tid: int, x: float, y: float, w: float, h: float, iw: int = W, ih: int = H) -> str:
    return f"0 {tid} {(x + w / 2) / iw:.6f} {(y + h / 2) / ih:.6f} {w / iw:.6f} {h / ih:.6f}"


def test_convert_filters_renumbers_and_normalises(mot17: Path, tmp_path: Path):
    out = tmp_path / "out" / "MOT17"
    res = convert_mot_sequences(mot17, out, pattern="*-SDP")
    assert res.sequences == ["MOT17-02-SDP", "MOT17-04-SDP"]
    # sorted by (track id, frame): gt ids 1 -> 1, 3 -> 2, 6 -> 3 in A; B: 6 -> 4, 9 -> 5
    assert res.identities == 5 and res.boxes == 7 and res.images == 5 and res.label_files == 4
    assert _label(out, "MOT17-02-SDP", 1) == [_fmt(1, 0, 0, 16, 8), _fmt(2, 8, 4, 8, 16)]
    assert _label(out, "MOT17-02-SDP", 2) == [_fmt(1, 2, 0, 16, 8), _fmt(2, 10, 4, 8, 16)]
    assert _label(out, "MOT17-02-SDP", 3) == [_fmt(3, 50, 0, 10, 20)]
    assert _label(out, "MOT17-04-SDP", 1) == [_fmt(4, 32, 16, 16, 8), _fmt(5, -4, -2, 8, 8)]
    assert _label(out, "MOT17-02-SDP", 1)[0] == "0 1 0.125000 0.125000 0.250000 0.250000"
    assert _label(out, "MOT17-04-SDP", 1)[1] == "0 5 0.000000 0.062500 0.125000 0.250000"
    # list file (relative to OUT_ROOT), default name from OUT_ROOT, data config
    assert res.list_file == out / "mot17.train"
    lines = res.list_file.read_text().splitlines()
    assert lines[0] == "images/train/MOT17-02-SDP/img1/000001.jpg" and len(lines) == 5
    assert all((out / line).is_file() for line in lines)  # symlinked image folders
    assert (out / "images/train/MOT17-02-SDP/img1").is_symlink()
    cfg = json.loads(res.config_file.read_text())
    assert cfg == {"root": str(out.resolve()), "train": {"mot17": "mot17.train"}}


def test_converted_dataset_loads(mot17: Path, tmp_path: Path):
    torch = pytest.importorskip("torch")
    from fairmot.data.jde import JDEDataset

    out = tmp_path / "MOT17"
    res = convert_mot_sequences(mot17, out, list_name="m17", pattern="*-SDP")
    ds = JDEDataset.from_config(res.config_file, img_size=(64, 32), augment=False, max_objs=8)
    assert len(ds) == 5 and ds.tid_num == {"m17": 6} and ds.nID == 7  # ids 1..5 -> max + 1 = 6
    item = ds[0]
    assert item["ids"][:2].tolist() == [1, 2] and item["input"].dtype == torch.float32


def test_rerun_is_idempotent_and_copy_mode(mot17: Path, tmp_path: Path):
    out = tmp_path / "o"
    convert_mot_sequences(mot17, out, pattern="*-SDP", list_name="x")
    first = _label(out, "MOT17-02-SDP", 1)
    res = convert_mot_sequences(mot17, out, pattern="*-SDP", list_name="x")  # labels rewritten, not appended
    assert _label(out, "MOT17-02-SDP", 1) == first and res.identities == 5
    out2 = tmp_path / "copy"
    convert_mot_sequences(mot17, out2, pattern="*-04-*", images="copy", list_name="x")
    img_dir = out2 / "images/train/MOT17-04-FRCNN/img1"
    assert not img_dir.is_symlink() and sorted(p.name for p in img_dir.iterdir()) == ["000001.jpg", "000002.jpg"]
    # all sequences: three with gt
    res = convert_mot_sequences(mot17, tmp_path / "all", list_name="x")
    assert res.sequences == ["MOT17-02-SDP", "MOT17-04-FRCNN", "MOT17-04-SDP"] and res.identities == 7


def test_data_already_in_images_folder_is_left_alone(tmp_path: Path):
    out = tmp_path / "MOT16"
    root = out / "images" / "train"
    _make_seq(root, "MOT16-02", SEQ_A)
    res = convert_mot_sequences(root, out, images="symlink")
    img_dir = out / "images/train/MOT16-02/img1"
    assert img_dir.is_dir() and not img_dir.is_symlink()
    assert res.list_file == out / "mot16.train"
    assert (out / "labels_with_ids/train/MOT16-02/img1/000001.txt").is_file()


def test_mot15_gt_without_class_column(tmp_path: Path):
    root = tmp_path / "MOT15" / "train"
    rows = [  # frame, id, x, y, w, h, conf/mark, x, y, z (class column is -1)
        "1,1,0,0,16,8,1,-1,-1,-1",
        "1,2,8,8,8,8,0,-1,-1,-1",   # mark 0 -> skipped
        "2,1,2,0,16,8,1,-1,-1,-1",
    ]
    _make_seq(root, "ETH-Bahnhof", rows, frames=2, w=128, h=64)
    res = convert_mot_sequences(root, tmp_path / "out", list_name="mot15")
    assert res.boxes == 2 and res.identities == 1
    assert _label(tmp_path / "out", "ETH-Bahnhof", 1) == [_fmt(1, 0, 0, 16, 8, 128, 64)]


def test_errors(tmp_path: Path):
    with pytest.raises(ValueError, match="not a folder"):
        convert_mot_sequences(tmp_path / "missing", tmp_path / "o")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no sequences"):
        convert_mot_sequences(tmp_path / "empty", tmp_path / "o")
    seq = _make_seq(tmp_path / "r", "S", ["1,1,0,0,4,4,1,1,1"])
    (seq / "seqinfo.ini").write_text("[Sequence]\nimWidth=10\n")
    with pytest.raises(ValueError, match="imHeight"):
        convert_mot_sequences(tmp_path / "r", tmp_path / "o")
    (seq / "seqinfo.ini").write_text("[Sequence]\nimWidth=10\nimHeight=10\n")
    assert read_seqinfo(seq).width == 10
    (seq / "gt/gt.txt").write_text("1,1,0,0,4,4,1,1,1\n1,2,0,0\n")
    with pytest.raises(ValueError, match="columns"):
        convert_mot_sequences(tmp_path / "r", tmp_path / "o")
    with pytest.raises(ValueError, match="images mode"):
        convert_mot_sequences(tmp_path / "r", tmp_path / "o", images="move")


def test_add_command_parser(mot17: Path, tmp_path: Path, capsys):
    parser = argparse.ArgumentParser(prog="fairmot")
    add_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["convert-labels", str(mot17), str(tmp_path / "o"), "--list-name", "n", "--only",
                              "*-SDP", "-q", "--images", "copy"])
    assert args.split == "train" and args.images == "copy"
    assert args.func(args) == 0
    assert "identities        5" in capsys.readouterr().out
    assert (tmp_path / "o" / "n.train").is_file()


def test_cli_main(mot17: Path, tmp_path: Path, capsys):
    from fairmot.cli import main

    out = tmp_path / "cli"
    assert main(["convert-labels", str(mot17), str(out), "--split", "val", "--list-name", "mot17", "--only",
                 "MOT17-02-*"]) == 0
    assert (out / "labels_with_ids/val/MOT17-02-SDP/img1/000003.txt").is_file()
    assert (out / "mot17.train").read_text().splitlines()[0] == "images/val/MOT17-02-SDP/img1/000001.jpg"
    capsys.readouterr()
    assert main(["convert-labels", str(tmp_path / "nope"), str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fairmot: error:") and "not a folder" in err[0]


def test_module_top_level_is_light():
    import subprocess
    import sys

    code = ("import sys; import fairmot.data.convert; "
            "bad = [m for m in ('torch', 'cv2', 'tqdm') if m in sys.modules]; print(','.join(bad))")
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == ""
