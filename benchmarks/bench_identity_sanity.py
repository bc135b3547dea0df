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
from __future__ import annotations

import sys
from pathlib import Path

import cv2

import fairmot
from fairmot.data.synthetic import SceneConfig, write_sequence
from fairmot.evaluation.evaluator import evaluate_sequence
from fairmot.io.mot import format_mot_lines
from fairmot.tracking import GMC, JDETracker

WORK = Path("/tmp/idexp")
SEEDS = (71001, 71002)
VARIANTS = (("official", 0, None), ("+reid", 300, None), ("+gmc", 0, "sparse"), ("both", 300, "sparse"))
KEYS = ("MOTA", "IDF1", "HOTA", "AssA", "IDSW")


def main(argv: list[str]) -> None:
    cv2.setNumThreads(1)
    pan = float(argv[0]) if argv else 150.0
    cfgs = {"pan": SceneConfig(width=640, height=360, n_frames=300, camera_pan=pan, poles=2),
            "static": SceneConfig(width=640, height=360, n_frames=300, poles=3)}
    trk = fairmot.Tracker(device="cpu")
    for name, cfg in cfgs.items():
        for seed in SEEDS:
            seq = WORK / "seqs" / f"{name}-{seed}"
            if not (seq / "gt" / "gt.txt").exists():
                write_sequence(seq, cfg, seed=seed)
            dets, warps, gmc = [], [], GMC("sparse", downscale=4)
            for path in sorted((seq / "img1").glob("*.jpg")):
                frame = cv2.imread(str(path))
                dets.append(trk.detect(frame))
                warps.append(gmc.apply(frame))
            for label, reid, method in VARIANTS:
                core = JDETracker(reid_buffer=reid)
                lines: list[str] = []
                for k, d in enumerate(dets):
                    res = core.update(d, warp=warps[k] if method else None)
                    lines += format_mot_lines(k + 1, trk.output(res))
                out = WORK / f"res-{name}-{seed}-{label}.txt"
                out.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines))
                m = evaluate_sequence(seq / "gt" / "gt.txt", out)
                print(f"{name:6s} {seed} {label:9s} " + " ".join(f"{k}={m[k]:.4g}" for k in KEYS if k in m))


if __name__ == "__main__":
    main(sys.argv[1:])
