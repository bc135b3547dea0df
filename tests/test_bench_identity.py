"""benchmarks/bench_identity.py end to end on tiny sequences, and its embedding diagnostic against numpy."""
from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_identity.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_identity", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_identity"] = module
    spec.loader.exec_module(module)
    return module


def test_held_out_seeds_are_not_the_training_seeds(bench):
    forbidden = bench.training_seeds()
    assert len(forbidden) == 8
    seeds = [bench.sequence_plan(s, k, 10)[2] for s in bench.SETS for k in range(20)]
    assert len(set(seeds)) == len(seeds) and not set(seeds) & forbidden
    for s in bench.SETS:  # the presets' settings reach the sequences
        _, cfg, _ = bench.sequence_plan(s, 0, 10)
        assert cfg.n_frames == 10
        assert (cfg.occluders > 0) == (s == "occlusion") and (cfg.reentry_prob > 0) == (s == "reentry")
        assert (cfg.camera_shake > 0) == (s == "moving-camera")


def test_official_variant_end_to_end_equals_the_full_tracker(bench, tmp_path, capsys):
    from fairmot.evaluation import evaluate
    from fairmot.io import open_source
    from fairmot.tracker import Tracker, TrackingRun
    from fairmot.weights import builtin_warning_suppressed

    work = tmp_path / "work"
    result = bench.main(["--sets", "demo,moving-camera", "--sequences", "1", "--frames", "8", "--workdir", str(work)])
    out = capsys.readouterr().out
    assert "| demo | official |" in out and "| moving-camera | official |" in out
    # camera diagnostic: sparse GMC against the renderer's own camera offsets (gt/camera.txt)
    cam = result["camera"]
    assert cam["frames"] == 7 and cam["motion_p50"] > 1.0 and cam["error_p50"] < 0.5
    cams = np.loadtxt(work / "sets" / "moving-camera" / "ID-MOVING-CAMERA-00" / "gt" / "camera.txt", delimiter=",")
    warps = np.load(work / "detections" / "ID-MOVING-CAMERA-00" / "warps-sparse.npy")
    assert warps.shape == (8, 2, 3)
    np.testing.assert_allclose(warps[0], np.eye(2, 3))
    np.testing.assert_allclose(warps[1:, :, 2], -(cams[1:, 1:] - cams[:-1, 1:]), atol=1.0)
    for s, name in (("demo", "SYN-DEMO-00"), ("moving-camera", "ID-MOVING-CAMERA-00")):
        seq = work / "sets" / s / name
        # the reference: fairmot.Tracker() over the same frames, network and association together
        with builtin_warning_suppressed():
            tracker = Tracker(None, device="cpu", frame_rate=open_source(seq).frame_rate)
        run = TrackingRun(tracker).run(open_source(seq))
        got = (work / "results" / "official" / s / f"{name}.txt").read_text().splitlines()
        assert got == run.lines and len(got) > 0
        ref_dir = tmp_path / "ref" / s
        ref_dir.mkdir(parents=True)
        (ref_dir / f"{name}.txt").write_text("".join(line + "\n" for line in run.lines))
        want = evaluate(work / "sets" / s, ref_dir, [name]).loc["COMBINED"]
        for m in bench.METRICS:
            assert result["metrics"][(s, "official")][m] == pytest.approx(float(want[m]))
    # a second run reuses the sequences and the caches (nothing is rendered or detected again)
    stamp = (work / "detections" / "SYN-DEMO-00" / "chunk-000000.npz").stat().st_mtime_ns
    again = bench.main(["--sets", "demo", "--sequences", "1", "--frames", "8", "--workdir", str(work), "--no-diagnostic"])
    assert (work / "detections" / "SYN-DEMO-00" / "chunk-000000.npz").stat().st_mtime_ns == stamp
    assert again["metrics"][("demo", "official")] == result["metrics"][("demo", "official")]


def test_variants_the_tracker_lacks_are_refused_clearly(bench, tmp_path):
    from fairmot.tracking import JDETracker

    with pytest.raises(SystemExit):
        bench.main(["--variants", "nope"])
    has_reid = "reid_buffer" in inspect.signature(JDETracker.__init__).parameters
    has_warp = "warp" in inspect.signature(JDETracker.update).parameters
    for variant, present, needs in (("reid", has_reid, "reid_buffer"), ("gmc", has_warp, "warp")):
        argv = ["--sets", "demo", "--variants", f"official,{variant}", "--sequences", "1", "--frames", "4",
                "--workdir", str(tmp_path), "--no-diagnostic"]
        if present:  # a tracker with the option: the variant runs
            assert ("demo", variant) in bench.main(argv)["metrics"]
        else:
            with pytest.raises(SystemExit, match=needs):
                bench.main(argv)


def test_gmc_variant_feeds_each_frame_its_warp(bench, tmp_path, monkeypatch):
    """The replay plumbing alone, with a stand-in tracker that takes ``warp=`` and records it (the real one
    may not have it yet): frame i gets warps[i], and a tracker that ignores the warp tracks as the official."""
    import fairmot.tracking as tracking

    real = tracking.JDETracker
    seen: list[np.ndarray] = []

    class WarpRecorder(real):  # type: ignore[misc, valid-type]
        def update(self, boxes, scores=None, embeddings=None, class_ids=None, warp=None):
            seen.append(np.array(warp))
            return super().update(boxes, scores, embeddings, class_ids)

    work = tmp_path / "w"
    bench.main(["--sets", "moving-camera", "--sequences", "1", "--frames", "6", "--workdir", str(work), "--no-diagnostic"])
    monkeypatch.setattr(tracking, "JDETracker", WarpRecorder)
    result = bench.main(["--sets", "moving-camera", "--variants", "official,gmc", "--sequences", "1", "--frames", "6",
                         "--workdir", str(work), "--no-diagnostic"])
    warps = np.load(work / "detections" / "ID-MOVING-CAMERA-00" / "warps-sparse.npy")
    gmc_calls = [w for w in seen if w.ndim == 2]
    assert len(gmc_calls) == 6
    np.testing.assert_array_equal(np.stack(gmc_calls), warps)
    official = (work / "results" / "official" / "moving-camera" / "ID-MOVING-CAMERA-00.txt").read_text()
    assert (work / "results" / "gmc" / "moving-camera" / "ID-MOVING-CAMERA-00.txt").read_text() == official
    assert result["metrics"][("moving-camera", "gmc")] == result["metrics"][("moving-camera", "official")]


def _write_fixture(tmp_path: Path, fps: int = 10):
    """A sequence where identity 1 leaves for 3 s and returns; embeddings near one axis per identity."""
    from fairmot.io.detections import DetectionCacheWriter

    rng = np.random.default_rng(0)
    seq, det = tmp_path / "SEQ", tmp_path / "det"
    (seq / "gt").mkdir(parents=True)
    axes = {1: 0, 2: 1, 3: 2}
    frames = 60
    rows = []
    with DetectionCacheWriter(det, meta={"frame_rate": fps}) as w:
        for t in range(1, frames + 1):
            ids = [2, 3] + ([1] if t <= 15 or t >= 46 else [])  # id 1 absent for frames 16..45 (3 s)
            boxes, embs = [], []
            for pid in ids:
                x = 40.0 * pid + t
                rows.append(f"{t},{pid},{x},50,20,50,1,1,1")
                boxes.append([x, 50, x + 20, 100])
                e = np.full(8, 0.05) + rng.normal(0, 0.02, 8)
                e[axes[pid]] = 1.0
                embs.append(e / np.linalg.norm(e))
            w.add(np.asarray(boxes, np.float32), np.full(len(ids), 0.9, np.float32), np.asarray(embs, np.float32))
    (seq / "gt" / "gt.txt").write_text("\n".join(rows) + "\n")
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname=SEQ\nframeRate={fps}\nseqLength={frames}\nimWidth=160\n"
                                     "imHeight=120\n")
    return seq, det


def test_embedding_diagnostic_against_direct_numpy(bench, tmp_path):
    from fairmot.io.detections import DetectionCache

    seq, det = _write_fixture(tmp_path)
    window = 5
    res = bench.embedding_diagnostic([(seq, det)], fps=10, window=window)
    emb = [e.astype(np.float64) for _, _, e in DetectionCache(det)]
    emb = [e / np.linalg.norm(e, axis=1, keepdims=True) for e in emb]
    # frame t (1-based) holds ids [2, 3] (+ [1] at index 2 when present)
    pre = np.stack([emb[t - 1][2] for t in range(11, 16)])
    post = np.stack([emb[t - 1][2] for t in range(46, 51)])
    same = (1 - pre @ post.T).ravel()
    others = np.stack([emb[t - 1][k] for t in range(46, 51) for k in (0, 1)])
    diff = (1 - pre @ others.T).ravel()
    assert res["same_gap"]["n"] == same.size and res["different"]["n"] == diff.size
    for p in (5, 50, 95):
        assert res["same_gap"][f"p{p}"] == pytest.approx(np.percentile(same, p))
        assert res["different"][f"p{p}"] == pytest.approx(np.percentile(diff, p))
    assert res["auc"] == 1.0  # one-hot identities: every same pair is closer than every different pair
    assert res["adjacent"]["n"] == 2 * 59 + 14 + 14
    # identity 1 returns once; ids 2 and 3 are present then, so the gallery is {1} alone: too small to rank
    assert res["returns"] == 0
    # the gate (last seen <= 12 s before, <= 0.25 x 160 px away): identity 1 left at x 65 and returns at x 96
    assert (res["gated_returns"], res["gated_covered"], res["gated"], res["gated_gallery_mean"]) == (1, 1, 1, 1.0)


def test_embedding_diagnostic_rank1_counts_returns_among_the_absent(bench, tmp_path):
    seq, det = _write_fixture(tmp_path)
    gt = (seq / "gt" / "gt.txt").read_text().splitlines()
    # drop identity 3 after frame 20 from the ground truth only: it is then "absent" when 1 returns (gallery {1, 3})
    keep = [r for r in gt if not (r.split(",")[1] == "3" and int(r.split(",")[0]) > 20)]
    (seq / "gt" / "gt.txt").write_text("\n".join(keep) + "\n")
    res = bench.embedding_diagnostic([(seq, det)], fps=10, window=5)
    assert res["returns"] == 1 and res["rank1"] == 1 and res["gallery_mean"] == 2.0
    # identity 3 was last seen at x 150, 54 px from the return (> 40 px): outside the gate
    assert res["gated_gallery_mean"] == 1.0 and res["gated"] == 1
    wide = bench.embedding_diagnostic([(seq, det)], fps=10, window=5, gate_width=0.5)
    assert wide["gated_gallery_mean"] == 2.0 and wide["gated"] == 1
