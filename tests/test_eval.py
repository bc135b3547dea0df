"""MOT Challenge evaluation (``fairmot.evaluation``, ``fairmot eval``), the ``fairmot`` protocol: official FairMOT
conventions (docs/official_behaviour.md §6). The ``motchallenge`` protocol (the default) is tested against
TrackEval in tests/test_eval_motchallenge.py."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

import motmetrics  # noqa: E402,F401
import pandas  # noqa: E402,F401
import trackeval  # noqa: E402  (the oracle; installed in CI with --no-deps)

from fairmot import cli  # noqa: E402
from fairmot.evaluation import evaluator as fe  # noqa: E402

# ------------------------------------------------------------------------------------------ helpers


def gt_line(frame, oid, box, mark=1, cls=1, vis=1.0):
    x, y, w, h = box
    return f"{frame},{oid},{x},{y},{w},{h},{mark},{cls},{vis}"


def res_line(frame, tid, box, score=1.0):
    x, y, w, h = box
    return f"{frame},{tid},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{score},-1,-1,-1"


def write_sequence(root: Path, results: Path, name: str, gt_lines, res_lines) -> tuple[Path, Path]:
    gt_file = root / name / "gt" / "gt.txt"
    gt_file.parent.mkdir(parents=True, exist_ok=True)
    gt_file.write_text("\n".join(gt_lines) + "\n")
    results.mkdir(parents=True, exist_ok=True)
    res_file = results / f"{name}.txt"
    res_file.write_text("\n".join(res_lines) + ("\n" if res_lines else ""))
    return gt_file, res_file


def walking_people(n_frames=20, n_people=3):
    """{frame: [(id, box)]}: people walking right in separate rows (no overlaps)."""
    return {t: [(p + 1, (10.0 + 4 * t + 30 * p, 20.0 + 80 * p, 20.0, 50.0)) for p in range(n_people)]
            for t in range(1, n_frames + 1)}


def perfect(tmp_path, name="seq", **kw):
    scene = walking_people(**kw)
    gts = [gt_line(t, i, b) for t, objs in scene.items() for i, b in objs]
    res = [res_line(t, 100 + i, b) for t, objs in scene.items() for i, b in objs]
    return write_sequence(tmp_path / "gt", tmp_path / "res", name, gts, res)


A = (0.0, 0.0, 10.0, 10.0)
B = (100.0, 0.0, 10.0, 10.0)
B_OFF = (106.0, 0.0, 10.0, 10.0)  # IoU with B = 40 / 160 = 0.25 < 0.5
FAR = (500.0, 500.0, 10.0, 10.0)


def hand_case(tmp_path, name="hand"):
    """4 frames, gt A (frames 1-4) and B (frames 1-3).

    frame 1: tracks 1 on A, 2 on B                   -> 2 matches
    frame 2: 1 on A, 2 off B (IoU 0.25)              -> 1 match, B missed (FN), track 2 FP
    frame 3: 3 on A (A was 1: ID switch), 2 on B     -> 2 matched, 1 switch, B fragmented
    frame 4: 3 on A, 5 far away                      -> 1 match, 1 FP
    """
    gts = [gt_line(t, 1, A) for t in (1, 2, 3, 4)] + [gt_line(t, 2, B) for t in (1, 2, 3)]
    res = [res_line(1, 1, A), res_line(1, 2, B), res_line(2, 1, A), res_line(2, 2, B_OFF),
           res_line(3, 3, A), res_line(3, 2, B), res_line(4, 3, A), res_line(4, 5, FAR)]
    return write_sequence(tmp_path / "gt", tmp_path / "res", name, gts, res)


# ------------------------------------------------------------------------------------------ metrics


def test_perfect_tracking_gives_mota_and_idf1_of_one(tmp_path):
    gt_file, res_file = perfect(tmp_path)
    m = fe.evaluate_sequence(gt_file, res_file, protocol="fairmot")
    assert m["mota"] == 1.0 and m["idf1"] == 1.0
    assert m["precision"] == 1.0 and m["recall"] == 1.0
    assert m["num_false_positives"] == m["num_misses"] == m["num_switches"] == 0
    assert m["mostly_tracked"] == 3 and m["mostly_lost"] == 0
    assert m["motp"] == pytest.approx(0.0, abs=1e-9)  # mean distance 1 - IoU
    assert m["num_frames"] == 20 and m["num_objects"] == 60 and m["num_unique_objects"] == 3
    assert set(m) == set(fe.METRIC_COLUMNS)


def test_hand_computed_case_counts_fp_fn_switches_and_mota(tmp_path):
    m = fe.evaluate_sequence(*hand_case(tmp_path), protocol="fairmot")
    # 7 gt boxes (A x4, B x3), 8 tracker boxes
    assert m["num_objects"] == 7 and m["num_predictions"] == 8
    assert m["num_misses"] == 1  # B in frame 2
    assert m["num_false_positives"] == 2  # track 2 in frame 2, track 5 in frame 4
    assert m["num_switches"] == 1  # A: 1 -> 3 in frame 3
    assert m["num_fragmentations"] == 1  # B: tracked, lost, tracked
    assert m["mota"] == pytest.approx(1 - (1 + 2 + 1) / 7)  # = 3/7
    assert m["recall"] == pytest.approx(6 / 7) and m["precision"] == pytest.approx(6 / 8)
    # IDF1: best id pairs A<->1 (or 3) and B<->2 share 2 + 2 boxes: 2 * 4 / (7 + 8)
    assert m["idf1"] == pytest.approx(8 / 15)


def test_pairs_below_iou_half_are_not_matched(tmp_path):
    gts = [gt_line(1, 1, (0, 0, 10, 10))]
    just_in = [res_line(1, 1, (0, 0, 10, 20))]  # IoU exactly 0.5: allowed
    just_out = [res_line(1, 1, (0, 0, 10, 20.5))]  # IoU < 0.5
    m_in = fe.evaluate_sequence(*write_sequence(tmp_path / "g1", tmp_path / "r1", "s", gts, just_in),
                                protocol="fairmot")
    m_out = fe.evaluate_sequence(*write_sequence(tmp_path / "g2", tmp_path / "r2", "s", gts, just_out),
                                  protocol="fairmot")
    assert m_in["num_matches"] == 1 and m_in["motp"] == pytest.approx(0.5)
    assert m_out["num_matches"] == 0 and m_out["num_misses"] == 1 and m_out["num_false_positives"] == 1


def mot17_rows():
    """One frame. gt 1: pedestrian; 2: pedestrian with mark 0; 3: static person (class 7, ignore);
    4: car (class 3); 5: distractor (class 8, ignore). The tracker puts a box on each of them."""
    boxes = {k: (50.0 * k, 0.0, 20.0, 40.0) for k in range(1, 6)}
    gts = [gt_line(1, 1, boxes[1]), gt_line(1, 2, boxes[2], mark=0), gt_line(1, 3, boxes[3], cls=7),
           gt_line(1, 4, boxes[4], cls=3), gt_line(1, 5, boxes[5], cls=8, mark=0)]
    res = [res_line(1, 10 + k, boxes[k]) for k in boxes]
    return gts, res


def test_mot17_filtering_drops_rows_and_removes_tracker_boxes_on_ignore_regions(tmp_path):
    gts, res = mot17_rows()
    m = fe.evaluate_sequence(*write_sequence(tmp_path / "gt", tmp_path / "res", "MOT17-02-SDP", gts, res),
                           protocol="fairmot")
    assert m["num_objects"] == 1  # only gt 1 survives (mark 0 and class != 1 dropped)
    assert m["num_matches"] == 1
    # boxes on 3 and 5 (ignore classes) are removed; boxes on 2 (mark 0) and 4 (car) are false positives
    assert m["num_predictions"] == 3 and m["num_false_positives"] == 2
    assert m["num_misses"] == 0


def test_mot16_paths_are_filtered_too_and_negative_visibility_is_ignore(tmp_path):
    box = (0.0, 0.0, 20.0, 40.0)
    gts = [gt_line(1, 1, box, cls=1, vis=-1)]  # kept as gt *and* an ignore region (official quirk)
    m = fe.evaluate_sequence(*write_sequence(tmp_path / "gt", tmp_path / "res", "MOT16-09", gts,
                                             [res_line(1, 1, box)]), protocol="fairmot")
    assert m["num_objects"] == 1 and m["num_predictions"] == 0 and m["num_misses"] == 1


def test_other_datasets_use_every_gt_row_without_ignore_regions(tmp_path):
    gts, res = mot17_rows()
    m = fe.evaluate_sequence(*write_sequence(tmp_path / "gt", tmp_path / "res", "MOT20-01", gts, res),
                           protocol="fairmot")
    assert m["num_objects"] == 5 and m["num_matches"] == 5
    assert m["num_false_positives"] == 0 and m["mota"] == 1.0


def test_frames_missing_from_the_results_file_are_not_counted(tmp_path):
    scene = walking_people(n_frames=10, n_people=2)
    gts = [gt_line(t, i, b) for t, objs in scene.items() for i, b in objs]
    res = [res_line(t, i, b) for t, objs in scene.items() for i, b in objs if t <= 6]  # nothing for 7..10
    files = write_sequence(tmp_path / "gt", tmp_path / "res", "seq", gts, res)
    official = fe.evaluate_sequence(*files, protocol="fairmot")
    assert official["num_frames"] == 6 and official["num_objects"] == 12
    assert official["num_misses"] == 0 and official["mota"] == 1.0
    every = fe.evaluate_sequence(*files, protocol="fairmot", all_frames=True)
    assert every["num_frames"] == 10 and every["num_objects"] == 20 and every["num_misses"] == 8
    assert every["mota"] == pytest.approx(1 - 8 / 20)


def test_a_result_file_without_boxes_evaluates_no_frame_with_a_warning(tmp_path, caplog):
    scene = walking_people(n_frames=3, n_people=1)
    gts = [gt_line(t, i, b) for t, objs in scene.items() for i, b in objs]
    files = write_sequence(tmp_path / "gt", tmp_path / "res", "seq", gts, [])
    with caplog.at_level("WARNING", logger="fairmot.evaluation.evaluator"):
        m = fe.evaluate_sequence(*files, protocol="fairmot")
    assert m["num_frames"] == 0 and m["num_objects"] == 0
    assert "no frame is evaluated" in caplog.text
    assert fe.evaluate_sequence(*files, protocol="fairmot", all_frames=True)["num_misses"] == 3


# ------------------------------------------------------------------------------------------ HOTA


def test_hota_of_perfect_tracking_is_one(tmp_path):
    m = fe.evaluate_sequence(*perfect(tmp_path), protocol="fairmot")
    assert m["hota"] == pytest.approx(1.0) and m["deta"] == pytest.approx(1.0) and m["assa"] == pytest.approx(1.0)
    assert m["loca"] == pytest.approx(1.0)


def test_hota_decreases_with_an_id_switch(tmp_path):
    scene = walking_people(n_frames=20, n_people=2)
    gts = [gt_line(t, i, b) for t, objs in scene.items() for i, b in objs]
    res = [res_line(t, i if not (i == 1 and t > 10) else 7, b) for t, objs in scene.items() for i, b in objs]
    m = fe.evaluate_sequence(*write_sequence(tmp_path / "gt", tmp_path / "res", "seq", gts, res), protocol="fairmot")
    assert m["num_switches"] == 1
    assert m["deta"] == pytest.approx(1.0)  # detection is still perfect
    assert m["assa"] == pytest.approx((20 * 1.0 + 10 * 0.5 + 10 * 0.5) / 40)  # 0.75
    assert m["hota"] == pytest.approx(math.sqrt(0.75)) and m["hota"] < 1.0


def _random_frames(seed, n_frames=15):
    rng = np.random.default_rng(seed)
    gt_ids, trk_ids, sims = [], [], []
    for _ in range(n_frames):
        n, k = rng.integers(0, 5), rng.integers(0, 5)
        gt_ids.append(rng.choice(6, size=n, replace=False))
        trk_ids.append(rng.choice(8, size=k, replace=False) + 10)
        sim = rng.uniform(0, 1, (n, k)) * (rng.uniform(0, 1, (n, k)) < 0.6)
        sims.append(sim)
    return gt_ids, trk_ids, sims


#: mean HOTA from trackeval 1.3.0 (``HOTA().eval_sequence`` / ``combine_sequences``) on _random_frames(0), (1), both
PINNED = (0.19017341908581842, 0.2008635240631268, 0.19651224722367863)


def test_hota_matches_values_pinned_from_trackeval():
    # values produced by trackeval 1.3.0's HOTA on _random_frames(0) / (1) and their combination
    r0 = fe._hota_sequence(*_random_frames(0))
    r1 = fe._hota_sequence(*_random_frames(1))
    s0, s1, sc = (fe._hota_summary(r) for r in (r0, r1, fe._hota_combine([r0, r1])))
    assert s0["hota"] == pytest.approx(PINNED[0], abs=1e-9)
    assert s1["hota"] == pytest.approx(PINNED[1], abs=1e-9)
    assert sc["hota"] == pytest.approx(PINNED[2], abs=1e-9)


def test_hota_matches_trackeval():
    metric = trackeval.metrics.HOTA()
    all_ours, all_theirs = [], {}
    for seed in range(4):
        gt_ids, trk_ids, sims = _random_frames(seed)
        # TrackEval wants contiguous 0-based ids
        gu = np.unique(np.concatenate(gt_ids))
        tu = np.unique(np.concatenate(trk_ids))
        data = {
            "num_gt_ids": len(gu), "num_tracker_ids": len(tu),
            "num_gt_dets": sum(len(g) for g in gt_ids), "num_tracker_dets": sum(len(t) for t in trk_ids),
            "gt_ids": [np.searchsorted(gu, g) for g in gt_ids],
            "tracker_ids": [np.searchsorted(tu, t) for t in trk_ids],
            "similarity_scores": sims,
        }
        theirs = metric.eval_sequence(data)
        ours = fe._hota_sequence(gt_ids, trk_ids, sims)
        for field in ("HOTA", "DetA", "AssA", "LocA", "HOTA_TP"):
            np.testing.assert_allclose(ours[field], theirs[field], rtol=0, atol=1e-12)
        all_ours.append(ours)
        all_theirs[seed] = theirs
    theirs = metric.combine_sequences(all_theirs)
    ours = fe._hota_combine(all_ours)
    for field in ("HOTA", "DetA", "AssA", "LocA"):
        np.testing.assert_allclose(ours[field], theirs[field], rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------ whole data sets


def tud_campus_like(root: Path, results: Path):
    """A TUD-Campus-sized sequence (71 frames, 640x480, 8 people crossing) built offline, and a tracker
    output with small box jitter (IoU stays > 0.5), one id switch and one person lost for 5 frames."""
    rng = np.random.default_rng(7)
    gts, res = [], []
    for p in range(1, 9):
        start, length = int(rng.integers(1, 30)), int(rng.integers(30, 42))
        x0, y = float(rng.uniform(0, 200)), 150.0 + 35.0 * (p % 4)
        vx = float(rng.uniform(2, 5))
        for t in range(start, min(start + length, 72)):
            box = (x0 + vx * (t - start), y + (p // 4) * 120.0, 40.0, 110.0)
            gts.append(gt_line(t, p, box, mark=1, cls=-1, vis=-1))  # MOT15 style: class/visibility unused
            if p == 3 and start + 10 <= t < start + 15:
                continue  # lost for 5 frames
            tid = 30 + p if not (p == 5 and t >= start + 20) else 99  # id switch for person 5
            jitter = rng.uniform(-2, 2, 4)
            res.append(res_line(t, tid, tuple(np.asarray(box) + jitter)))
    return write_sequence(root, results, "TUD-Campus", gts, res), len(gts)


def test_tud_campus_like_sequence_gives_the_expected_counts(tmp_path):
    (gt_file, res_file), n_gt = tud_campus_like(tmp_path / "gt", tmp_path / "res")
    m = fe.evaluate_sequence(gt_file, res_file, protocol="fairmot")
    assert m["num_objects"] == n_gt and m["num_unique_objects"] == 8
    assert m["num_misses"] == 5 and m["num_false_positives"] == 0
    assert m["num_switches"] == 1 and m["num_fragmentations"] == 1
    assert m["mota"] == pytest.approx(1 - 6 / n_gt)
    assert m["mostly_tracked"] == 8 and m["mostly_lost"] == 0
    assert 0.0 < m["motp"] < 0.2  # jitter of +-2 px on 40x110 boxes
    assert 0.9 < m["idf1"] < 1.0 and 0.6 < m["hota"] < 1.0


def two_sequences(tmp_path):
    perfect(tmp_path, name="MOT17-02-SDP")
    hand_case(tmp_path, name="hand")
    return tmp_path / "gt", tmp_path / "res"


def test_evaluate_has_one_row_per_sequence_and_an_overall_row(tmp_path):
    gt_root, res_dir = two_sequences(tmp_path)
    df = fe.evaluate(gt_root, res_dir, protocol="fairmot")
    assert df.attrs["protocol"] == "fairmot"
    assert list(df.index) == ["MOT17-02-SDP", "hand", "OVERALL"]
    assert list(df.columns) == list(fe.METRIC_COLUMNS)
    hand = df.loc["hand"]
    assert hand["num_switches"] == 1 and hand["mota"] == pytest.approx(3 / 7)
    overall = df.loc["OVERALL"]
    assert overall["num_objects"] == 60 + 7 and overall["num_false_positives"] == 2
    assert overall["mota"] == pytest.approx(1 - 4 / 67)  # from the summed counts, not a mean of MOTAs
    assert df.loc["MOT17-02-SDP", "hota"] == pytest.approx(1.0)
    assert df.loc["hand", "hota"] < overall["hota"] < 1.0
    # only the requested sequences
    assert list(fe.evaluate(gt_root, res_dir, ["hand"], protocol="fairmot").index) == ["hand", "OVERALL"]


def test_missing_result_file_is_an_error_naming_the_sequence(tmp_path):
    gt_root, res_dir = two_sequences(tmp_path)
    (res_dir / "hand.txt").unlink()
    for protocol in fe.PROTOCOLS:
        with pytest.raises(FileNotFoundError, match="hand"):
            fe.evaluate(gt_root, res_dir, protocol=protocol)
        with pytest.raises(FileNotFoundError):
            fe.evaluate(tmp_path / "nope", res_dir, protocol=protocol)


def test_csv_layout_has_overall_row_motmetrics_columns_and_fractions(tmp_path):
    gt_root, res_dir = two_sequences(tmp_path)
    out = fe.write_metrics_csv(fe.evaluate(gt_root, res_dir, protocol="fairmot"), tmp_path / "out" / "metrics.csv")
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["sequence"] for r in rows] == ["MOT17-02-SDP", "hand", "OVERALL"]
    for name in ("mota", "idf1", "hota", "deta", "assa", "num_switches", "num_false_positives", "num_misses",
                 "mostly_tracked", "mostly_lost", "num_fragmentations", "precision", "recall", "motp", "idp",
                 "idr", "num_frames", "num_objects", "num_predictions", "num_unique_objects"):
        assert name in rows[0], name
    hand = rows[1]
    assert float(hand["mota"]) == pytest.approx(3 / 7, abs=1e-6)  # a fraction, not 42.9
    assert float(hand["precision"]) == pytest.approx(0.75) and hand["num_switches"] == "1"


def test_table_prints_ratios_as_percent(tmp_path):
    gt_root, res_dir = two_sequences(tmp_path)
    text = fe.format_metrics_table(fe.evaluate(gt_root, res_dir, protocol="fairmot"))
    lines = text.splitlines()
    assert lines[0].startswith("protocol: fairmot (official FairMOT evaluation")
    lines = lines[1:]
    assert lines[0].split() == ["IDF1", "IDP", "IDR", "Rcll", "Prcn", "GT", "MT", "PT", "ML", "FP", "FN", "IDs",
                                "FM", "MOTA", "MOTP", "HOTA", "DetA", "AssA"]
    assert lines[-1].startswith("OVERALL") and "42.9%" in lines[2]


# ------------------------------------------------------------------------------------------ CLI


def test_cli_eval_prints_the_table_and_writes_the_csv(tmp_path, capsys):
    gt_root, res_dir = two_sequences(tmp_path)
    out = tmp_path / "metrics.csv"
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "--output", str(out),
                     "--protocol", "fairmot"]) == 0
    assert out.is_file() and "OVERALL" in out.read_text()
    printed = capsys.readouterr().out
    assert "MOTA" in printed and "OVERALL" in printed


def test_cli_eval_missing_folder_exits_1_with_one_line(tmp_path, capsys):
    gt_root, res_dir = two_sequences(tmp_path)
    assert cli.main(["eval", "--gt", str(tmp_path / "missing"), "--results", str(res_dir)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("fairmot: error:") and "missing" in err and len(err.splitlines()) == 1
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(tmp_path / "none")]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_eval_sequences_option_selects_a_subset(tmp_path, capsys):
    gt_root, res_dir = two_sequences(tmp_path)
    (res_dir / "hand.txt").unlink()
    out = tmp_path / "m.csv"
    args = ["eval", "--gt", str(gt_root), "--results", str(res_dir), "--output", str(out)]
    assert cli.main(args) == 1  # hand has no result file
    assert cli.main(args + ["--sequences", "MOT17-02-SDP"]) == 0
    assert [r["sequence"] for r in csv.DictReader(open(out, newline=""))] == ["MOT17-02-SDP", "COMBINED"]
    assert cli.main(args + ["--sequences", "MOT17-02-SDP", "--protocol", "fairmot"]) == 0
    assert [r["sequence"] for r in csv.DictReader(open(out, newline=""))] == ["MOT17-02-SDP", "OVERALL"]


def test_cli_module_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, fairmot.evaluation.evaluator; bad = [m for m in ('motmetrics', 'pandas', 'scipy', 'trackeval') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------------------ NumPy 2 shim


def test_numpy_asfarray_shim_adds_a_float_asarray_only_when_missing(monkeypatch):
    monkeypatch.delattr(np, "asfarray", raising=False)
    assert fe._ensure_numpy_asfarray() is True
    out = np.asfarray([1, 2, 3])
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]
    assert np.asfarray([1, 2], dtype=np.int32).dtype == np.float64  # non-float dtypes become float64
    assert np.asfarray([1, 2], dtype=np.float32).dtype == np.float32
    assert fe._ensure_numpy_asfarray() is False  # idempotent

    sentinel = object()
    monkeypatch.setattr(np, "asfarray", sentinel, raising=False)
    assert fe._ensure_numpy_asfarray() is False and np.asfarray is sentinel  # never replaces NumPy's own


def test_motmetrics_iou_matrix_runs_on_installed_numpy():
    mm = fe._import_motmetrics()
    d = mm.distances.iou_matrix([[0, 0, 10, 10]], [[0, 0, 10, 10], [5, 0, 10, 10], [50, 50, 1, 1]], max_iou=0.5)
    assert d[0, 0] == pytest.approx(0.0) and np.isnan(d[0, 1]) and np.isnan(d[0, 2])  # IoU 1/3 < 0.5


# ------------------------------------------------------------------ motmetrics' own TUD sequences

#: motmetrics' expected values for its bundled TUD files (motmetrics/tests/test_metrics.py):
#: idf1, idp, idr, recall, precision, GT, MT, PT, ML, FP, FN, IDs, FM, MOTA, MOTP.
TUD_EXPECTED = {
    "TUD-Campus": (0.557659, 0.729730, 0.451253, 0.582173, 0.941441, 8, 1, 6, 1, 13, 150, 7, 7, 0.526462, 0.277201),
    "TUD-Stadtmitte": (0.644619, 0.819760, 0.531142, 0.608997, 0.939920, 10, 5, 4, 1, 45, 452, 7, 6, 0.564014,
                       0.345904),
}
TUD_COLUMNS = ("idf1", "idp", "idr", "recall", "precision", "num_unique_objects", "mostly_tracked",
               "partially_tracked", "mostly_lost", "num_false_positives", "num_misses", "num_switches",
               "num_fragmentations", "mota", "motp")


def test_eval_cli_on_motmetrics_tud_files_gives_motmetrics_numbers(tmp_path):
    import shutil


    data = Path(motmetrics.__file__).parent / "data"
    if not (data / "TUD-Campus" / "gt.txt").is_file():
        pytest.skip("this motmetrics installation ships no TUD data files")
    gt_root, res_dir = tmp_path / "gt", tmp_path / "res"
    for seq in TUD_EXPECTED:
        (gt_root / seq / "gt").mkdir(parents=True)
        shutil.copy(data / seq / "gt.txt", gt_root / seq / "gt" / "gt.txt")
        res_dir.mkdir(exist_ok=True)
        shutil.copy(data / seq / "test.txt", res_dir / f"{seq}.txt")
    out = tmp_path / "metrics.csv"
    assert cli.main(["eval", "--gt", str(gt_root), "--results", str(res_dir), "--output", str(out),
                     "--protocol", "fairmot"]) == 0
    with open(out, newline="") as f:
        rows = {r[next(iter(r))]: r for r in csv.DictReader(f)}
    assert set(rows) == {*TUD_EXPECTED, "OVERALL"}
    for seq, expected in TUD_EXPECTED.items():
        for col, value in zip(TUD_COLUMNS, expected):
            assert float(rows[seq][col]) == pytest.approx(value, abs=1e-6), (seq, col)
    overall = rows["OVERALL"]  # motmetrics' expected OVERALL row: FP 58, FN 602, IDs 14, FM 13, MOTA, MOTP
    for col, value in (("num_false_positives", 58), ("num_misses", 602), ("num_switches", 14),
                       ("num_fragmentations", 13), ("mota", 0.555116), ("motp", 0.330177)):
        assert float(overall[col]) == pytest.approx(value, abs=1e-6), col
