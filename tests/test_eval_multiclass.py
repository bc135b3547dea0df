"""Per-class evaluation (``fairmot eval`` on multi-class ground truth) against TrackEval 1.3.0.

The oracle is TrackEval itself, run class by class: for class k, a copy of the ground truth holding
only class k's rows and a copy of the results holding only class k's rows are evaluated by
TrackEval's MotChallenge2DBox (MOT15 rules: no distractor matching, zero-marked gt ignored) with HOTA,
CLEAR and Identity; then TrackEval's own ``combine_classes_class_averaged`` and
``combine_classes_det_averaged`` (what its Evaluator computes as ``cls_comb_cls_av`` and
``cls_comb_det_av``) combine the classes' COMBINED_SEQ results. Ratios agree to 1e-9, counts exactly.

The data: multi-class synthetic sequences (``fairmot synth --classes``) and a perturbed tracker output
(misses, jitter, identity switches, an identity swap, class confusions, false positives, a track
whose id is reused by another class later, zero-marked gt rows, an empty class).
"""
from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import trackeval  # noqa: E402  (the oracle; installed in CI with --no-deps)

from fairmot.cli import main
from fairmot.data.synthetic_classes import MultiClassSceneConfig, write_multiclass_sequence
from fairmot.evaluation import clear, evaluate, hota, identity, write_metrics_csv
from fairmot.evaluation import multiclass as mcl
from fairmot.io.mot import read_mot_file

CLASSES = ("person", "cyclist", "car")
CFG = MultiClassSceneConfig(width=320, height=180, n_frames=40, n_people=10, min_height=30, max_height=75)


def _fmt(v) -> str:
    return f"{int(v)}" if float(v).is_integer() else repr(float(v))


def perturbed_results(gt: np.ndarray, seed: int, n_classes: int) -> np.ndarray:
    """Tracker rows ``frame,id,x,y,w,h,score,class,-1,-1`` made from gt rows ``frame,id,x,y,w,h,mark,class,vis``."""
    rng = np.random.default_rng(seed)
    out = []
    ids = {int(i): 100 + int(i) for i in np.unique(gt[:, 1])}
    objs = list(ids)
    swap = rng.choice(objs, 2, replace=False) if len(objs) >= 2 else []
    n_frames = int(gt[:, 0].max())
    for f, oid, x, y, w, h, _, cls, _ in gt:
        oid = int(oid)
        if rng.random() < 0.1:
            continue  # missed
        if rng.random() < 0.02:
            ids[oid] += 1000  # identity switch
        tid = ids[oid]
        if len(swap) and oid in swap and f > n_frames // 2:
            tid = ids[int(swap[1] if oid == swap[0] else swap[0])]
        box = np.array([x, y, w, h]) + rng.normal(0, 0.06, 4) * np.array([w, h, w, h])
        box[2:] = np.maximum(box[2:], 1.0)
        k = int(cls)
        if rng.random() < 0.05:  # class confusion
            k = int(rng.integers(1, n_classes + 1))
        out.append([f, tid, *np.round(box, 2), round(float(rng.uniform(0.3, 1)), 2), k, -1, -1])
    for j in range(n_frames // 2):  # false positives, one per class in turn
        f = int(rng.integers(1, n_frames + 1))
        box = np.round(rng.uniform(0, 150, 4) * [2, 1, 0.3, 0.5] + [0, 0, 5, 10], 1)
        out.append([f, 50000 + j, *box, 0.3, 1 + j % n_classes, -1, -1])
    # an id used by a class-2 track early and by a class-3 track late (per-class evaluation separates them)
    for f in range(1, 6):
        out.append([f, 77777, 10.0 + f, 20.0, 30.0, 30.0, 0.9, 2, -1, -1])
    for f in range(n_frames - 4, n_frames + 1):
        out.append([f, 77777, 200.0 + f, 100.0, 60.0, 25.0, 0.9, 3, -1, -1])
    res = np.array(out, np.float64)
    return res[np.lexsort((res[:, 1], res[:, 0]))]


def _write_rows(path: Path, rows: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(_fmt(v) for v in r) + "\n" for r in rows))


@pytest.fixture(scope="module")
def multiclass_data(tmp_path_factory):
    """Two synthetic sequences (gt with zero-marked rows added) and perturbed results."""
    root = tmp_path_factory.mktemp("mc")
    gt_root, res_dir = root / "gt", root / "trackers" / "mine" / "data"
    for k, seed in enumerate((1, 2)):
        seq = f"SYN-0{k + 1}"
        write_multiclass_sequence(gt_root / seq, replace(CFG, n_frames=40 - 10 * k), seed=seed)
        shutil.rmtree(gt_root / seq / "img1")  # evaluation needs no images
        gt = np.loadtxt(gt_root / seq / "gt" / "gt.txt", delimiter=",", ndmin=2)
        rng = np.random.default_rng(seed)
        gt[rng.random(len(gt)) < 0.05, 6] = 0  # some zero-marked rows: ignored
        _write_rows(gt_root / seq / "gt" / "gt.txt", gt)
        _write_rows(res_dir / f"{seq}.txt", perturbed_results(gt, 10 + seed, len(CLASSES)))
    return gt_root, res_dir


def run_trackeval_per_class(gt_root: Path, res_dir: Path, work: Path, classes=CLASSES) -> dict:
    """``{class: {sequence | "COMBINED_SEQ": {metric: {field: value}}}}`` from TrackEval, one class at a time."""
    out = {}
    seqs = sorted(p.name for p in gt_root.iterdir())
    for k, name in enumerate(classes, start=1):
        g_root, r_dir = work / name / "gt", work / name / "trackers" / "t" / "data"
        lengths = {}
        for seq in seqs:
            gt = read_mot_file(gt_root / seq / "gt" / "gt.txt", min_columns=9).values
            res = read_mot_file(res_dir / f"{seq}.txt", min_columns=8).values
            g, r = gt[gt[:, 7] == k].copy(), res[res[:, 7] == k].copy()
            g[:, 7], r[:, 7] = -1, -1  # MOT15 files: no classes
            _write_rows(g_root / seq / "gt" / "gt.txt", g)
            _write_rows(r_dir / f"{seq}.txt", r)
            ini = (gt_root / seq / "seqinfo.ini").read_text()
            (g_root / seq / "seqinfo.ini").write_text(ini)
            lengths[seq] = int(ini.split("seqLength=")[1].split()[0])
        evaluator = trackeval.Evaluator({
            "USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
            "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None,
            "BREAK_ON_ERROR": True, "DISPLAY_LESS_PROGRESS": False})
        dataset = trackeval.datasets.MotChallenge2DBox({
            "GT_FOLDER": str(g_root), "TRACKERS_FOLDER": str(r_dir.parent.parent), "TRACKERS_TO_EVAL": ["t"],
            "TRACKER_SUB_FOLDER": "data", "OUTPUT_FOLDER": str(work / name / "out"), "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": lengths, "BENCHMARK": "MOT15", "PRINT_CONFIG": False})
        metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
                   trackeval.metrics.Identity({"PRINT_CONFIG": False})]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            res, _ = evaluator.evaluate([dataset], metrics)
        out[name] = {s: v["pedestrian"] for s, v in res["MotChallenge2DBox"]["t"].items()}
    return out


def trackeval_class_combinations(theirs: dict) -> dict:
    """What TrackEval's Evaluator computes over the classes (its metrics' own class combinations)."""
    metrics = {"HOTA": trackeval.metrics.HOTA(), "CLEAR": trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               "Identity": trackeval.metrics.Identity({"PRINT_CONFIG": False}), "Count": trackeval.metrics.Count()}
    combos = {mcl.CLASS_AVERAGED: {}, mcl.DETECTION_AVERAGED: {}}
    for name, metric in metrics.items():
        per_class = {c: theirs[c]["COMBINED_SEQ"][name] for c in theirs}
        combos[mcl.CLASS_AVERAGED][name] = metric.combine_classes_class_averaged(per_class)
        combos[mcl.DETECTION_AVERAGED][name] = metric.combine_classes_det_averaged(per_class)
    return combos


_INTEGER = set(clear.INTEGER_FIELDS + identity.INTEGER_FIELDS + hota.INTEGER_ARRAY_FIELDS
               + ("Dets", "GT_Dets", "IDs", "GT_IDs"))


def assert_same(mine: dict, expected: dict, where) -> None:
    for metric in ("HOTA", "CLEAR", "Identity", "Count"):
        assert set(mine[metric]) == set(expected[metric]) - {"Frames"}, (where, metric)
        for name, value in mine[metric].items():
            a, b = np.asarray(value, np.float64), np.asarray(expected[metric][name], np.float64)
            assert a.shape == b.shape, (where, metric, name)
            if name in _INTEGER:
                assert np.array_equal(a, b), (where, metric, name, value, expected[metric][name])
            else:
                assert np.max(np.abs(a - b), initial=0.0) <= 1e-9, (where, metric, name, value, expected[metric][name])


def test_per_class_and_class_combinations_equal_trackeval(multiclass_data, tmp_path):
    gt_root, res_dir = multiclass_data
    ours = mcl.evaluate_classes(gt_root, res_dir)
    assert ours.classes == CLASSES and ours.sequences == ["SYN-01", "SYN-02"]
    assert ours.seq_lengths == {"SYN-01": 40, "SYN-02": 30}
    theirs = run_trackeval_per_class(gt_root, res_dir, tmp_path)
    for c in CLASSES:
        assert set(theirs[c]) == {"SYN-01", "SYN-02", "COMBINED_SEQ"}
        for seq in ("SYN-01", "SYN-02", "COMBINED_SEQ"):
            assert_same(ours.per_class[c]["COMBINED" if seq == "COMBINED_SEQ" else seq], theirs[c][seq], (c, seq))
        assert theirs[c]["COMBINED_SEQ"]["Count"]["GT_Dets"] > 0  # every class is present and evaluated
    combos = trackeval_class_combinations(theirs)
    assert_same(ours.class_averaged, combos[mcl.CLASS_AVERAGED], mcl.CLASS_AVERAGED)
    assert_same(ours.detection_averaged, combos[mcl.DETECTION_AVERAGED], mcl.DETECTION_AVERAGED)
    # the two combinations differ on this data (classes of different sizes and quality)
    assert ours.class_averaged["CLEAR"]["MOTA"] != pytest.approx(ours.detection_averaged["CLEAR"]["MOTA"], abs=1e-6)


def test_an_empty_class_counts_in_the_class_average_like_trackeval(multiclass_data, tmp_path):
    gt_root, res_dir = multiclass_data
    names = CLASSES + ("bus",)  # no gt and no result row of class 4
    ours = mcl.evaluate_classes(gt_root, res_dir, classes=names)
    theirs = run_trackeval_per_class(gt_root, res_dir, tmp_path, names)
    assert_same(ours.per_class["bus"]["COMBINED"], theirs["bus"]["COMBINED_SEQ"], "bus")
    combos = trackeval_class_combinations(theirs)
    assert_same(ours.class_averaged, combos[mcl.CLASS_AVERAGED], mcl.CLASS_AVERAGED)
    assert_same(ours.detection_averaged, combos[mcl.DETECTION_AVERAGED], mcl.DETECTION_AVERAGED)
    assert ours.class_averaged["CLEAR"]["MOTA"] < mcl.evaluate_classes(gt_root, res_dir).class_averaged["CLEAR"]["MOTA"]


def test_evaluate_dataframe_table_csv_and_cli(multiclass_data, tmp_path, capsys):
    gt_root, res_dir = multiclass_data
    df = evaluate(gt_root, res_dir)  # classes="auto": seqinfo.ini names them
    assert df.index.names == ["class", "sequence"]
    assert list(df.index)[-2:] == [(mcl.CLASS_AVERAGED, "COMBINED"), (mcl.DETECTION_AVERAGED, "COMBINED")]
    assert len(df) == 3 * 3 + 2 and df.attrs["classes"] == list(CLASSES)
    ours = mcl.evaluate_classes(gt_root, res_dir)
    assert df.loc[("car", "SYN-02"), "IDF1"] == ours.per_class["car"]["SYN-02"]["Identity"]["IDF1"]
    assert df.loc[(mcl.CLASS_AVERAGED, "COMBINED"), "HOTA"] == pytest.approx(
        np.mean([ours.per_class[c]["COMBINED"]["HOTA"]["HOTA"].mean() for c in CLASSES]), abs=1e-12)
    csv = write_metrics_csv(df, tmp_path / "m.csv")
    assert csv.read_text().splitlines()[0].startswith("class,sequence,HOTA")
    assert main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "-q", "--output", str(tmp_path / "c.csv")]) == 0
    out = capsys.readouterr().out
    assert "per class" in out and "1 person, 2 cyclist, 3 car" in out
    for row in ("person/SYN-01", "car/COMBINED", "cls_comb_cls_av/COMBINED", "cls_comb_det_av/COMBINED"):
        assert row in out
    # explicit names override seqinfo.ini
    assert main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "-q", "--classes", "a,b,c"]) == 0
    assert "b/SYN-02" in capsys.readouterr().out


def test_single_class_ground_truth_is_evaluated_as_before(tmp_path):
    from fairmot.evaluation import motchallenge as mc

    gt_root, res_dir = tmp_path / "gt", tmp_path / "res"
    rows = np.array([[f, 1, 10 + f, 20, 30, 60, 1, 1, 1.0] for f in range(1, 11)], np.float64)
    _write_rows(gt_root / "S-01" / "gt" / "gt.txt", rows)
    (gt_root / "S-01" / "seqinfo.ini").write_text("[Sequence]\nname=S-01\nseqLength=12\n")
    res = rows[:8].copy()
    res[:, 6:] = [0.9, -1, -1]
    _write_rows(res_dir / "S-01.txt", res)
    df = evaluate(gt_root, res_dir)
    ref = mc.evaluate(gt_root, res_dir).to_frame()
    assert df.index.nlevels == 1 and df.equals(ref)
    assert evaluate(gt_root, res_dir, classes=None).equals(ref)


def test_bad_inputs_name_the_problem(multiclass_data, tmp_path):
    gt_root, res_dir = multiclass_data
    bad = tmp_path / "res"
    shutil.copytree(res_dir, bad)
    lines = (bad / "SYN-01.txt").read_text().splitlines()
    parts = lines[3].split(",")
    parts[7] = "-1"  # a single-class result row
    lines[3] = ",".join(parts)
    (bad / "SYN-01.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"SYN-01.txt:4: class -1 in column 8"):
        evaluate(gt_root, bad)
    with pytest.raises(ValueError, match="class 3 in column 8"):  # gt class beyond the list
        mcl.evaluate_classes(gt_root, res_dir, classes=("person", "cyclist"))
    with pytest.raises(ValueError, match="motchallenge protocol"):
        evaluate(gt_root, res_dir, protocol="fairmot", classes=list(CLASSES))
    with pytest.raises(ValueError, match="benchmark"):
        evaluate(gt_root, res_dir, benchmark="MOT17")
    with pytest.raises(ValueError, match="appears twice"):
        mcl.evaluate_classes(gt_root, res_dir, classes=("a", "a", "b"))
    with pytest.raises(TypeError, match=r"classes\[1\]"):
        mcl.evaluate_classes(gt_root, res_dir, classes=("a", 2))
    mixed = tmp_path / "mixed"
    shutil.copytree(gt_root, mixed)
    ini = mixed / "SYN-02" / "seqinfo.ini"
    ini.write_text(ini.read_text().replace("classes=person,cyclist,car", "classes=person,car,cyclist"))
    with pytest.raises(ValueError, match="different classes"):
        evaluate(mixed, res_dir)
    nocls = tmp_path / "nocls"
    shutil.copytree(gt_root, nocls)
    for seq in ("SYN-01", "SYN-02"):
        ini = nocls / seq / "seqinfo.ini"
        ini.write_text(ini.read_text().replace("classes=person,cyclist,car\n", ""))
    with pytest.raises(ValueError, match="no class list"):
        mcl.evaluate_classes(nocls, res_dir)
