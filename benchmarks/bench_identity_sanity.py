"""A quick end-to-end sanity check of the identity options on the synthetic scenes that exist before the
issue-15 presets: a panning camera (SceneConfig(camera_pan=150), a slow sinusoidal pan) and a static one,
two held-out seeds each, the built-in model. The network runs once per frame; the association is then
replayed with official / +reid (reid_buffer=300) / +gmc (sparse, downscale 4) / both, and each run is
scored with the MOTChallenge protocol. These scenes have no returning identities (people leave for good),
so +reid can only show its false revivals here; benchmarks/bench_identity.py (the re-entry, occlusion and
moving-camera presets) is the real evidence.

Usage: ``python benchmarks/bench_identity_sanity.py [CAMERA_PAN]`` (writes sequences and results under
/tmp/idexp).
"""
import itertools, sys, numpy as np, cv2
from pathlib import Path
import fairmot
from fairmot.data.synthetic import SceneConfig, write_sequence
from fairmot.tracking import GMC, JDETracker
from fairmot.io.mot import format_mot_lines
from fairmot.evaluation.evaluator import evaluate_sequence
cv2.setNumThreads(1)
root = Path("/tmp/idexp/seqs")
cfgs = {"pan": SceneConfig(width=640, height=360, n_frames=300, camera_pan=float(sys.argv[1]) if len(sys.argv) > 1 else 150.0, poles=2),
        "static": SceneConfig(width=640, height=360, n_frames=300, poles=3)}
trk = fairmot.Tracker(device="cpu")
rows = []
for name, cfg in cfgs.items():
    for seed in (71001, 71002):
        seq = root / f"{name}-{seed}"
        if not (seq / "gt" / "gt.txt").exists():
            write_sequence(seq, cfg, seed=seed)
        imgs = sorted((seq / "img1").glob("*.jpg"))
        dets, warps = [], {"sparse": []}
        g = GMC("sparse", downscale=4)
        for p in imgs:
            f = cv2.imread(str(p))
            dets.append(trk.detect(f))
            warps["sparse"].append(g.apply(f))
        for label, reid, gmc in (("official", 0, None), ("+reid", 300, None), ("+gmc", 0, "sparse"), ("both", 300, "sparse")):
            core = JDETracker(reid_buffer=reid)
            lines = []
            for k, d in enumerate(dets):
                r = core.update(d, warp=warps[gmc][k] if gmc else None)
                lines += format_mot_lines(k + 1, trk.output(r))
            out = Path(f"/tmp/idexp/res-{name}-{seed}-{label}.txt")
            out.write_text("".join(l if l.endswith("\n") else l + "\n" for l in lines))
            m = evaluate_sequence(seq / "gt" / "gt.txt", out)
            rows.append((name, seed, label, m))
keys = None
for name, seed, label, m in rows:
    if keys is None:
        keys = [k for k in ("MOTA", "IDF1", "HOTA", "AssA", "IDSW") if k in m]
        if not keys: print(sorted(m)[:40])
    print(f"{name:6s} {seed} {label:9s} " + " ".join(f"{k}={m[k]:.4g}" for k in keys))
