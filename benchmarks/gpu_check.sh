#!/usr/bin/env bash
# One-shot GPU verification, for a session that is lent a CUDA machine (see DEVELOPERS notes in
# benchmarks/RESULTS.md, section GPU). Run from the repository root on that machine:
#
#     OUT=/some/dir bash benchmarks/gpu_check.sh
#
# It builds fairmot from source for the local GPU, runs the CUDA tests, the GPU operator
# benchmark (bench_cuda.py) and `fairmot bench` on a full-size DLA-34 (random weights with
# calibrated head biases: ~40 detections per frame) in float32 / float16 / bfloat16, and leaves
# every log and JSON under $OUT. Nothing here needs the network.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/fairmot-gpu-check}"
mkdir -p "$OUT"
PY="${PYTHON:-python}"

echo "== build" | tee "$OUT/summary.txt"
export FAIRMOT_WITH_CUDA=ON
export FAIRMOT_CUDA_ARCH_LIST="${FAIRMOT_CUDA_ARCH_LIST:-90}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-16}"
if ! $PY -m pip install --no-build-isolation --no-deps -v . > "$OUT/build.log" 2>&1; then
  tail -n 60 "$OUT/build.log"
  exit 1
fi
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
$PY -m fairmot.info 2>&1 | tee "$OUT/info.txt"

echo "== CUDA tests" | tee -a "$OUT/summary.txt"
$PY -m pytest -q -p no:cacheprovider tests/test_ops_cuda.py tests/test_tracker_cuda.py tests/test_pipeline.py \
  tests/test_ops_decode.py 2>&1 | tee "$OUT/tests.txt" | tail -n 15
tail -n 3 "$OUT/tests.txt" >> "$OUT/summary.txt"

echo "== operator benchmark" | tee -a "$OUT/summary.txt"
$PY benchmarks/bench_cuda.py --json "$OUT/bench_cuda.json" 2>&1 | tee "$OUT/bench_cuda.md" | tee -a "$OUT/summary.txt"

echo "== whole-frame benchmark (DLA-34, 1088x608, 1920x1080 frames)" | tee -a "$OUT/summary.txt"
$PY - "$OUT/dla34_bench.pth" <<'EOF' 2>&1 | tail -n 2
import sys
sys.path.insert(0, "benchmarks")
import fairmot
from bench_pipeline import _frame, _network  # random DLA-34, head biases calibrated on a frame
fairmot.save_checkpoint(sys.argv[1], _network(_frame()), meta={"arch": "dla34", "img_size": [1088, 608]})
print("checkpoint", sys.argv[1])
EOF
for dtype in float32 float16 bfloat16; do
  $PY -m fairmot bench --weights "$OUT/dla34_bench.pth" --device cuda --dtype "$dtype" --frames 300 --warmup 30 \
    --json "$OUT/bench_$dtype.json" 2>&1 | tee "$OUT/bench_$dtype.txt" | tee -a "$OUT/summary.txt"
done
echo "== done: $OUT" | tee -a "$OUT/summary.txt"
