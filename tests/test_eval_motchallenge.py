"""``fairmot eval --protocol motchallenge``: equal to TrackEval 1.3.0 (MotChallenge2DBox + HOTA, CLEAR,
Identity) on generated data, and the file rules shared by both protocols.

TrackEval is the oracle: it runs in-process on the same folders (``pip install --no-deps trackeval==1.3.0``,
see requirements-ci.txt). Ratios must agree to 1e-9, counts exactly, per sequence and COMBINED.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import trackeval  # noqa: E402  (the oracle; installed in CI with --no-deps)

from fairmot import cli  # noqa: E402
from fairmot.evaluation import evaluator as fe  # noqa: E402
from fairmot.evaluation import clear, hota, identity, motchallenge as mc  # noqa: E402
from fairmot.io.mot import read_mot_file  # noqa: E402

# ------------------------------------------------------------------------------------------ generated data

PEDESTRIAN, PERSON_ON_VEHICLE, CAR, NON_MOT_VEHICLE, STATIC, DISTRACTOR, OCCLUDER, REFLECTION, CROWD = (
    1, 2, 3, 6, 7, 8, 9, 12, 13)


@dataclass
class Scene:
    """One sequence: gt rows ``(frame, id, x, y, w, h, mark, class, visibility)`` and result rows
    ``(frame, id, x, y, w, h, score)``, both in the order they are written."""

    gt: list[tuple] = field(default_factory=list)
    res: list[tuple] = field(default_factory=list)


def crowd(seed: int, *, n_frames: int = 60, n_objects: int = 12, classes=(PEDESTRIAN,) * 6 + (
        STATIC, DISTRACTOR, PERSON_ON_VEHICLE, REFLECTION, CAR, OCCLUDER, CROWD), grid: bool = True,
        mot15: bool = False) -> Scene:
    """Objects walking in a small image (many overlaps), a noisy tracker with misses, false positives,
    identity switches, an identity swap, duplicated boxes (exact ties), boxes at IoU exactly 0.5, and
    frames where the tracker or the ground truth has nothing."""
    rng = np.random.default_rng(seed)
    scene = Scene()
    tracks: dict[int, list[tuple[int, np.ndarray]]] = {}
    for oid in range(1, n_objects + 1):
        cls = int(rng.choice(classes))
        start = int(rng.integers(1, n_frames // 2))
        stop = int(min(n_frames, start + rng.integers(8, n_frames)))
        pos = rng.uniform(0, 200, 2)
        vel = rng.normal(0, 3, 2) * (cls != STATIC)
        size = rng.uniform(12, 40) * np.array([0.5, 1.0])
        zero_marked = cls != PEDESTRIAN or rng.random() < 0.15
        for t in range(start, stop + 1):
            box = np.concatenate([pos + vel * (t - start), size])
            if grid:
                box = np.round(box)
            mark = 0 if zero_marked and (cls != PEDESTRIAN or rng.random() < 0.8) else 1
            vis = round(float(rng.uniform(0, 1)), 3) if rng.random() < 0.8 else 0.0
            if mot15:
                scene.gt.append((t, oid, *box, 1, -1, -1))
            else:
                scene.gt.append((t, oid, *box, mark, cls, vis))
            tracks.setdefault(oid, []).append((t, box))
    gt_gaps = set(rng.choice(np.arange(1, n_frames + 1), 3, replace=False).tolist())
    scene.gt = [r for r in scene.gt if r[0] not in gt_gaps]

    next_id = 100
    swap = list(rng.choice(list(tracks), 2, replace=False)) if len(tracks) >= 2 else []
    swap_at = n_frames // 2
    ids = {oid: next_id + oid for oid in tracks}
    for oid, boxes in tracks.items():
        for t, box in boxes:
            if rng.random() < 0.12:
                continue  # missed
            if rng.random() < 0.02:
                ids[oid] = ids[oid] + 1000  # identity switch
            tid = ids[oid]
            if oid in swap and t >= swap_at:  # the two swapped objects exchange ids
                tid = ids[swap[1] if oid == swap[0] else swap[0]]
            r = rng.random()
            if r < 0.05:
                out = box.copy()  # exact box
            elif r < 0.1:
                out = np.array([box[0], box[1], box[2], 2 * box[3]])  # IoU exactly 0.5
            else:
                out = box + rng.normal(0, 0.08, 4) * box[[2, 3, 2, 3]]
                out[2:] = np.maximum(out[2:], 1.0)
                out = np.round(out, 2)
            scene.res.append((t, tid, *out, round(float(rng.uniform(0.3, 1)), 2)))
            if rng.random() < 0.04:  # a duplicate box under another id: an exact tie
                scene.res.append((t, tid + 5000, *out, 0.5))
    for k in range(n_frames // 3):  # false positives, some short tracks
        t0 = int(rng.integers(1, n_frames + 1))
        box = np.round(rng.uniform(0, 200, 4) * [1, 1, 0.2, 0.3] + [0, 0, 5, 10], 1)
        for t in range(t0, min(n_frames, t0 + int(rng.integers(1, 4))) + 1):
            scene.res.append((t, 9000 + k, *box, 0.3))
    trk_gaps = set(rng.choice(np.arange(1, n_frames + 1), 4, replace=False).tolist())
    scene.res = [r for r in scene.res if r[0] not in trk_gaps]
    scene.res.sort(key=lambda r: (r[0], r[1]))  # trackers write frame by frame
    return scene


def _fmt(v) -> str:
    return f"{int(v)}" if float(v).is_integer() else repr(float(v))


def write_scene(gt_root: Path, res_dir: Path, name: str, scene: Scene, *, seq_length: int | None,
                result_columns: int = 10, gt_columns: int = 9) -> None:
    """``gt_root/name/gt/gt.txt`` (+ ``seqinfo.ini`` when ``seq_length``) and ``res_dir/name.txt``."""
    (gt_root / name / "gt").mkdir(parents=True, exist_ok=True)
    res_dir.mkdir(parents=True, exist_ok=True)
    (gt_root / name / "gt" / "gt.txt").write_text(
        "".join(",".join(_fmt(v) for v in row[:gt_columns]) + "\n" for row in scene.gt))
    extra = ["-1"] * (result_columns - 7)
    (res_dir / f"{name}.txt").write_text(
        "".join(",".join([_fmt(v) for v in row] + extra) + "\n" for row in scene.res))
    if seq_length is not None:
        (gt_root / name / "seqinfo.ini").write_text(
            f"[Sequence]\nname={name}\nimDir=img1\nframeRate=30\nseqLength={seq_length}\n"
            "imWidth=256\nimHeight=256\nimExt=.jpg\n")


def last_frame(scene: Scene) -> int:
    return int(max([r[0] for r in scene.gt + scene.res], default=0))


# ------------------------------------------------------------------------------------------ the oracle


def run_trackeval(gt_root: Path, res_dir: Path, lengths: dict[str, int], benchmark: str) -> dict:
    """TrackEval's results ``{sequence | "COMBINED_SEQ": {"HOTA"|"CLEAR"|"Identity"|"Count": {...}}}``."""
    evaluator = trackeval.Evaluator({
        "USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
        "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None,
        "BREAK_ON_ERROR": True, "DISPLAY_LESS_PROGRESS": False})
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(gt_root), "TRACKERS_FOLDER": str(res_dir.parent.parent),
        "TRACKERS_TO_EVAL": [res_dir.parent.name],
        "TRACKER_SUB_FOLDER": res_dir.name, "OUTPUT_FOLDER": str(res_dir.parent.parent / "out"),
        "SKIP_SPLIT_FOL": True, "SEQ_INFO": dict(lengths), "BENCHMARK": benchmark, "PRINT_CONFIG": False})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        out, _ = evaluator.evaluate([dataset], metrics)
    res = out["MotChallenge2DBox"][res_dir.parent.name]
    return {seq: value["pedestrian"] for seq, value in res.items()}


_INTEGER = set(clear.INTEGER_FIELDS + identity.INTEGER_FIELDS + hota.INTEGER_ARRAY_FIELDS
               + ("Dets", "GT_Dets", "IDs", "GT_IDs"))


def assert_equal_to_trackeval(ours: mc.MotChallengeResult, theirs: dict) -> float:
    """Every field of every sequence and of COMBINED: counts exactly, the rest to 1e-9. Returns the max diff."""
    assert set(theirs) == set(ours.sequences) | {"COMBINED_SEQ"}
    worst = 0.0
    for seq in [*ours.sequences, "COMBINED_SEQ"]:
        mine = ours.combined if seq == "COMBINED_SEQ" else ours.per_sequence[seq]
        for metric in ("HOTA", "CLEAR", "Identity", "Count"):
            expected = theirs[seq][metric]
            assert set(mine[metric]) == set(expected) - {"Frames"}, (seq, metric)
            for name, value in mine[metric].items():
                a = np.asarray(value, dtype=np.float64)
                b = np.asarray(expected[name], dtype=np.float64)
                assert a.shape == b.shape, (seq, metric, name)
                if name in _INTEGER:
                    assert np.array_equal(a, b), (seq, metric, name, value, expected[name])
                else:
                    diff = float(np.max(np.abs(a - b), initial=0.0))
                    assert diff <= 1e-9, (seq, metric, name, value, expected[name])
                    worst = max(worst, diff)
    return worst


def evaluate_both(tmp_path: Path, scenes: dict[str, Scene], benchmark: str, *, no_seqinfo=(),
                  result_columns: int = 10, gt_columns: int = 9, ours_benchmark: str | None = None):
    gt_root, res_dir = tmp_path / "gt", tmp_path / "trackers" / "tracker" / "data"
    lengths = {}
    for name, scene in scenes.items():
        seq_length = None if name in no_seqinfo else max(last_frame(scene), 1) + 3  # trailing empty frames
        write_scene(gt_root, res_dir, name, scene, seq_length=seq_length, result_columns=result_columns,
                    gt_columns=gt_columns)
        lengths[name] = seq_length if seq_length is not None else last_frame(scene)
    ours = mc.evaluate(gt_root, res_dir, benchmark=ours_benchmark or benchmark)
    assert ours.seq_lengths == lengths
    return ours, run_trackeval(gt_root, res_dir, lengths, benchmark)


# ------------------------------------------------------------------------------------------ equality


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mot17_crowds_equal_trackeval(tmp_path, seed):
    scenes = {f"MOT17-0{k}-SDP": crowd(10 * seed + k) for k in range(3)}
    scenes["MOT17-09-SDP"] = crowd(99 + seed, n_frames=40, n_objects=20)
    ours, theirs = evaluate_both(tmp_path, scenes, "MOT17", no_seqinfo=("MOT17-01-SDP",))
    assert_equal_to_trackeval(ours, theirs)
    combined = ours.combined["CLEAR"]
    assert combined["IDSW"] > 0 and combined["CLR_FP"] > 0 and combined["CLR_FN"] > 0


def test_mot20_removes_boxes_on_non_motorised_vehicles_like_trackeval(tmp_path):
    classes = (PEDESTRIAN,) * 4 + (NON_MOT_VEHICLE,) * 3 + (STATIC, CAR)
    scenes = {f"MOT20-0{k}": crowd(40 + k, classes=classes) for k in range(1, 3)}
    ours, theirs = evaluate_both(tmp_path, scenes, "MOT20", ours_benchmark="auto")
    assert ours.rules.benchmark == "MOT20"
    assert_equal_to_trackeval(ours, theirs)
    as_mot17 = mc.evaluate(tmp_path / "gt", tmp_path / "trackers" / "tracker" / "data", benchmark="MOT17")
    assert as_mot17.combined["Count"]["Dets"] > ours.combined["Count"]["Dets"]  # class 6 is not a distractor there


def test_mot15_has_no_class_filter_like_trackeval(tmp_path):
    scenes = {"TUD-Like": crowd(7, mot15=True), "PETS-Like": crowd(8, mot15=True, grid=False)}
    ours, theirs = evaluate_both(tmp_path, scenes, "MOT15", gt_columns=10)
    assert_equal_to_trackeval(ours, theirs)


def test_dancetrack_folders_without_seqinfo_and_seven_column_results_equal_trackeval(tmp_path):
    scenes = {f"dancetrack{k:04d}": crowd(70 + k, classes=(PEDESTRIAN,), grid=False) for k in (1, 2)}
    ours, theirs = evaluate_both(tmp_path, scenes, "MOT17", no_seqinfo=tuple(scenes), result_columns=7)
    assert ours.rules.benchmark == "MOT17"
    assert_equal_to_trackeval(ours, theirs)


def test_empty_tracker_empty_ground_truth_and_empty_sequences_equal_trackeval(tmp_path):
    busy = crowd(5)
    nothing_written = Scene(gt=busy.gt, res=[])
    only_distractors = crowd(6, classes=(STATIC, DISTRACTOR, CAR))
    empty = Scene()
    scenes = {"MOT17-02": busy, "MOT17-04": nothing_written, "MOT17-05": only_distractors, "MOT17-09": empty}
    ours, theirs = evaluate_both(tmp_path, scenes, "MOT17")
    assert_equal_to_trackeval(ours, theirs)
    assert ours.per_sequence["MOT17-04"]["CLEAR"]["CLR_FN"] == ours.per_sequence["MOT17-04"]["Count"]["GT_Dets"] > 0
    assert ours.per_sequence["MOT17-05"]["Count"]["GT_Dets"] == 0


def test_a_tracker_that_writes_nothing_alone_equals_trackeval(tmp_path):
    ours, theirs = evaluate_both(tmp_path, {"MOT17-11": Scene(gt=crowd(3).gt, res=[])}, "MOT17")
    assert_equal_to_trackeval(ours, theirs)
    assert ours.combined["HOTA"]["HOTA"].max() == 0 and ours.combined["CLEAR"]["MOTA"] == 0


def test_perfect_tracking_scores_one_and_equals_trackeval(tmp_path):
    scene = crowd(11, classes=(PEDESTRIAN,))
    scene.gt = [(*r[:6], 1, 1, r[8]) for r in scene.gt]
    scene.res = [(*r[:6], 1.0) for r in scene.gt]
    ours, theirs = evaluate_both(tmp_path, {"MOT17-13": scene}, "MOT17")
    assert_equal_to_trackeval(ours, theirs)
    c = ours.combined
    assert c["CLEAR"]["MOTA"] == 1.0 and c["Identity"]["IDF1"] == 1.0 and np.allclose(c["HOTA"]["HOTA"], 1.0)


def test_ids_written_twice_in_one_frame_are_rejected_by_both(tmp_path):
    scene = crowd(12)
    t, tid, *box = scene.res[5][:7]
    scene.res.insert(6, (t, tid, *box))
    gt_root, res_dir = tmp_path / "gt", tmp_path / "trackers" / "tracker" / "data"
    write_scene(gt_root, res_dir, "MOT17-02", scene, seq_length=60)
    with pytest.raises(ValueError, match=rf"MOT17-02\.txt:7: id {tid} appears twice in frame {t}"):
        mc.evaluate(gt_root, res_dir)
    with pytest.raises(trackeval.utils.TrackEvalException, match="same ID more than once"):
        run_trackeval(gt_root, res_dir, {"MOT17-02": 60}, "MOT17")


def test_evaluate_returns_trackeval_columns_and_a_combined_row(tmp_path):
    scenes = {"MOT17-02": crowd(1), "MOT17-04": crowd(2)}
    gt_root, res_dir = tmp_path / "gt", tmp_path / "res"
    for name, scene in scenes.items():
        write_scene(gt_root, res_dir, name, scene, seq_length=70)
    df = fe.evaluate(gt_root, res_dir)
    assert list(df.index) == ["MOT17-02", "MOT17-04", "COMBINED"]
    assert df.attrs == {"protocol": "motchallenge", "benchmark": "MOT17"}
    assert list(df.columns[:4]) == ["HOTA", "DetA", "AssA", "DetRe"]
    assert {"MOTA", "IDF1", "IDSW", "CLR_FP", "CLR_FN", "IDTP", "HOTA___5", "HOTA___95", "HOTA_TP___50"} <= set(df)
    assert df["IDSW"].dtype == np.int64 and df["HOTA_TP___50"].dtype == np.int64
    result = mc.evaluate(gt_root, res_dir)
    assert df.loc["COMBINED", "HOTA"] == pytest.approx(float(np.mean(result.combined["HOTA"]["HOTA"])), abs=0)
    assert df.loc["MOT17-02", "DetA___50"] == result.per_sequence["MOT17-02"]["HOTA"]["DetA"][9]
    one = fe.evaluate_sequence(gt_root / "MOT17-02" / "gt" / "gt.txt", res_dir / "MOT17-02.txt")
    assert one == pytest.approx(df.loc["MOT17-02"].to_dict(), abs=0)


# ------------------------------------------------------------------------------------------ CLI


def two_sequences(tmp_path):
    gt_root, res_dir = tmp_path / "gt", tmp_path / "res"
    write_scene(gt_root, res_dir, "MOT17-02-SDP", crowd(21), seq_length=64)
    write_scene(gt_root, res_dir, "MOT17-04-SDP", crowd(22), seq_length=64)
    return gt_root, res_dir


def test_cli_default_protocol_is_motchallenge_and_says_so(tmp_path, capsys):
    gt_root, res_dir = two_sequences(tmp_path)
    out = tmp_path / "m.csv"
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "--output", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("protocol: motchallenge (TrackEval 1.3.0 MotChallenge2DBox")
    assert "MOT17 rules" in lines[0]
    assert lines[1].split()[:5] == ["HOTA", "DetA", "AssA", "LocA", "MOTA"]
    assert lines[-2].startswith("COMBINED") and lines[-1].startswith("metrics")
    import pandas as pd

    df = pd.read_csv(out, index_col=0)
    expected = fe.evaluate(gt_root, res_dir)
    assert list(df.index) == list(expected.index)
    assert (df["HOTA"] == expected["HOTA"]).all()  # every digit is written


def test_cli_fairmot_protocol_and_benchmark_options(tmp_path, capsys):
    gt_root, res_dir = two_sequences(tmp_path)
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "--protocol", "fairmot"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("protocol: fairmot") and printed[-1].startswith("OVERALL")
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "--benchmark", "mot15"]) == 0
    assert "MOT15 rules" in capsys.readouterr().out
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "--all-frames"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("fairmot: error:") and "fairmot protocol only" in err and len(err.splitlines()) == 1


def test_cli_prints_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    gt_root, res_dir = two_sequences(tmp_path)
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir)]) == 0
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------------------------ malformed files

GOOD_GT = "1,1,10,10,20,40,1,1,1.0\n2,1,12,10,20,40,1,1,1.0\n"
GOOD_RES = "1,5,10,10,20,40,0.9,-1,-1,-1\n2,5,12,10,20,40,0.9,-1,-1,-1\n"

MALFORMED = [
    ("wrong column count", "1,5,10,10,20,40\n", r"res/S\.txt:1: 6 comma-separated fields, expected at least 7"),
    ("ragged", GOOD_RES + "3,5,12,10,20,40,0.9\n", r"res/S\.txt:3: 7 fields, but line 1 has 10"),
    ("non-numeric", "1,5,10,ten,20,40,0.9,-1,-1,-1\n", r"res/S\.txt:1: field 4 \('ten'\) is not a number"),
    ("empty field", "1,5,10,,20,40,0.9,-1,-1,-1\n", r"res/S\.txt:1: field 4 \(''\) is not a number"),
    ("inf", GOOD_RES + "2,6,inf,10,20,40,0.9,-1,-1,-1\n", r"res/S\.txt:3: field 3 is 'inf'"),
    ("nan", "1,5,10,10,20,nan,0.9,-1,-1,-1\n", r"res/S\.txt:1: field 6 is 'nan'"),
    ("frame 0", "0,5,10,10,20,40,0.9,-1,-1,-1\n", r"res/S\.txt:1: frame 0 is out of range 1 \.\.\. 9"),
    ("frame beyond seqLength", GOOD_RES + "10,5,10,10,20,40,0.9,-1,-1,-1\n",
     r"res/S\.txt:3: frame 10 is out of range 1 \.\.\. 9 \(seqLength of seqinfo\.ini\)"),
    ("fractional frame", "1.5,5,10,10,20,40,0.9,-1,-1,-1\n", r"res/S\.txt:1: frame 1\.5 is not an integer"),
    ("negative id", "1,-1,10,10,20,40,0.9,-1,-1,-1\n", r"res/S\.txt:1: id -1 is out of range"),
    ("20-digit id", "1,12345678901234567890,10,10,20,40,0.9,-1,-1,-1\n",
     r"res/S\.txt:1: id 12345678901234567168 is out of range 0 \.\.\. 2147483647"),
    ("negative size", GOOD_RES + "\n2,7,10,10,-20,40,0.9,-1,-1,-1\n", r"res/S\.txt:4: negative box size"),
    ("duplicate id", GOOD_RES + "2,5,50,10,20,40,0.9,-1,-1,-1\n",
     r"res/S\.txt:3: id 5 appears twice in frame 2 \(also on line 2\)"),
]


def malformed_case(tmp_path, text, gt=GOOD_GT, name="S"):
    gt_root, res_dir = tmp_path / "gt", tmp_path / "res"
    (gt_root / name / "gt").mkdir(parents=True)
    (gt_root / name / "gt" / "gt.txt").write_text(gt)
    (gt_root / name / "seqinfo.ini").write_text("[Sequence]\nseqLength=9\n")
    res_dir.mkdir()
    (res_dir / f"{name}.txt").write_bytes(text.encode() if isinstance(text, str) else text)
    return gt_root, res_dir


@pytest.mark.parametrize("protocol", fe.PROTOCOLS)
@pytest.mark.parametrize("case, text, message", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_result_files_are_value_errors_naming_file_and_line(tmp_path, protocol, case, text, message):
    gt_root, res_dir = malformed_case(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        fe.evaluate(gt_root, res_dir, protocol=protocol)


@pytest.mark.parametrize("protocol", fe.PROTOCOLS)
def test_malformed_ground_truth_is_reported_with_its_line(tmp_path, protocol):
    gt_root, res_dir = malformed_case(tmp_path, GOOD_RES, gt=GOOD_GT + "3,2,1,1,1,1,1,1,x\n")
    with pytest.raises(ValueError, match=r"gt/gt\.txt:3: field 9 \('x'\) is not a number"):
        fe.evaluate(gt_root, res_dir, protocol=protocol)
    gt_root, res_dir = malformed_case(tmp_path / "dup", GOOD_RES, gt=GOOD_GT + "2,1,50,50,5,5,1,1,1\n")
    with pytest.raises(ValueError, match=r"gt/gt\.txt:3: id 1 appears twice in frame 2"):
        fe.evaluate(gt_root, res_dir, protocol=protocol)


@pytest.mark.parametrize("protocol", fe.PROTOCOLS)
def test_a_utf8_byte_order_mark_is_accepted(tmp_path, protocol):
    plain = fe.evaluate(*malformed_case(tmp_path / "a", GOOD_RES), protocol=protocol)
    bom = fe.evaluate(*malformed_case(tmp_path / "b", b"\xef\xbb\xbf" + GOOD_RES.encode(),
                                      gt="\ufeff" + GOOD_GT), protocol=protocol)
    assert plain.equals(bom)


def test_motchallenge_class_rules_name_the_line(tmp_path):
    gt_root, res_dir = malformed_case(tmp_path, "1,5,10,10,20,40,0.9,2,-1,-1\n")
    with pytest.raises(ValueError, match=r"S\.txt:1: class 2 in column 8: .*only valid for pedestrians"):
        fe.evaluate(gt_root, res_dir)
    fe.evaluate(gt_root, res_dir, protocol="fairmot")  # the official evaluation ignores result classes
    gt_root, res_dir = malformed_case(tmp_path / "no-classes", GOOD_RES, gt="1,1,10,10,20,40,1,-1,-1\n")
    with pytest.raises(ValueError, match=r"gt\.txt:1: class -1 .* needs benchmark MOT15"):
        fe.evaluate(gt_root, res_dir)
    assert fe.evaluate(gt_root, res_dir, benchmark="MOT15").loc["COMBINED", "CLR_TP"] == 1


def test_cli_malformed_file_is_one_error_line_and_exit_1(tmp_path, capsys):
    text = "1,5,10,10,20,40,0.9,-1,-1,-1\n1,99999999999999999999,1,1,1,1,1,1,1,1\n"
    gt_root, res_dir = malformed_case(tmp_path, text)
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("fairmot: error:") and "S.txt:2: id" in err


def test_reader_values_are_pythons_floats_and_blank_lines_and_trailing_commas_are_accepted(tmp_path):
    rng = np.random.default_rng(0)
    tokens = [repr(float(v)) for v in rng.uniform(-1e3, 1e3, 40)] + ["0.1", "1e-5", "123456789.123456789"]
    lines = [f"{k + 1},{k},{tokens[k % len(tokens)]},{tokens[(k + 1) % len(tokens)]},3,4,0.5" for k in range(60)]
    path = tmp_path / "r.txt"
    path.write_text("\n".join(lines) + "\n")
    fast = read_mot_file(path, min_columns=7)
    expected = np.array([[float(x) for x in line.split(",")] for line in lines])
    assert np.array_equal(fast.values, expected)
    # CRLF line ends, a blank line, a trailing comma on some lines: the same rows (the slow parser's path)
    path.write_text("\r\n".join(line + "," for line in lines[:30]) + "\r\n\r\n" + "\r\n".join(lines[30:]) + "\r\n")
    assert np.array_equal(read_mot_file(path, min_columns=7).values, expected)


# ------------------------------------------------------------------------------------------ pieces


def test_benchmark_is_inferred_from_sequence_names_then_folders():
    assert mc.infer_benchmark("/data/whatever", ["MOT20-01", "MOT20-02"]) == "MOT20"
    assert mc.infer_benchmark("/data/MOT20-runs/x", ["MOT17-02-SDP"]) == "MOT17"  # the names decide
    assert mc.infer_benchmark("/data/MOT16/train", ["MOT16-02"]) == "MOT16"
    assert mc.infer_benchmark("/data/2DMOT2015/train", ["TUD-Campus"]) == "MOT15"
    assert mc.infer_benchmark("/data/MOT15/train", ["ADL-Rundle-6"]) == "MOT15"
    assert mc.infer_benchmark("/data/MOT20/train", ["x"]) == "MOT20"
    assert mc.infer_benchmark("/data/dancetrack/val", ["dancetrack0004"]) == "MOT17"
    assert mc.rules_for("mot20").distractor_classes == (2, 6, 7, 8, 12) and not mc.rules_for("MOT15").preprocess
    with pytest.raises(ValueError, match="unknown benchmark"):
        mc.rules_for("KITTI")


def test_identity_matching_per_connected_group_equals_one_dense_assignment(monkeypatch):
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(3)
    for _ in range(30):
        n_edges = int(rng.integers(1, 60))
        rows, cols = rng.integers(0, 25, n_edges), rng.integers(0, 40, n_edges)
        key = np.unique(rows * 100 + cols)
        rows, cols = key // 100, key % 100
        weights = rng.integers(1, 9, key.size)
        dense = np.zeros((25, 40))
        dense[rows, cols] = weights
        i, j = linear_sum_assignment(dense, maximize=True)
        best = int(dense[i, j].sum())
        assert identity.max_weight_matching(rows, cols, weights) == best
        monkeypatch.setattr(identity, "_DENSE_LIMIT", 0)  # per connected component
        assert identity.max_weight_matching(rows, cols, weights) == best
        monkeypatch.undo()
