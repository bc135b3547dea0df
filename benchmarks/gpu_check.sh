#!/usr/bin/env bash
# One-shot GPU verification, for a session that is lent a CUDA machine. Run from the repository
# root on that machine (one command, well under 10 minutes on an H100 with 16 cores):
#
#     OUT=/some/dir bash benchmarks/gpu_check.sh
#
# It builds fairmot from source for the local GPU, runs the CUDA tests, the GPU operator
# benchmark (bench_cuda.py) and `fairmot bench` on a full-size DLA-34 (random weights with
# calibrated head biases, ~20-40 detections per frame) in float32 / float16 / bfloat16. Results
# come back as few files: $OUT/summary.txt (everything a reader needs), $OUT/bench_cuda.json and
# $OUT/logs.tgz (build log, test log, per-dtype JSON). Nothing here needs the network.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/fairmot-gpu-check}"
WORK="$(mktemp -d)"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
FRAMES="${FRAMES:-200}"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
say() { echo "$@" | tee -a "$SUMMARY"; }

say "== build ($(date -u +%FT%TZ))"
export FAIRMOT_WITH_CUDA=ON
export FAIRMOT_CUDA_ARCH_LIST="${FAIRMOT_CUDA_ARCH_LIST:-90}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-16}"
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
if ! $PY -m pip install --no-build-isolation --no-deps -v . > "$WORK/build.log" 2>&1; then
  tail -n 60 "$WORK/build.log" | tee -a "$SUMMARY"
  tar czf "$OUT/logs.tgz" -C "$WORK" .
  exit 1
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$SUMMARY"
$PY -m fairmot.info 2>&1 | tee -a "$SUMMARY"

say "== CUDA tests"
$PY -m pytest -q -p no:cacheprovider tests/test_ops_cuda.py tests/test_tracker_cuda.py tests/test_pipeline.py \
  > "$WORK/tests.txt" 2>&1
tail -n 25 "$WORK/tests.txt" | tee -a "$SUMMARY"

say "== operator benchmark"
$PY benchmarks/bench_cuda.py --json "$OUT/bench_cuda.json" 2>&1 | tee -a "$SUMMARY"

say "== whole-frame benchmark (DLA-34, 1088x608 input, 1920x1080 synthetic frames, $FRAMES frames)"
$PY - "$WORK/dla34_bench.pth" <<'EOF' 2>&1 | tail -n 2 | tee -a "$SUMMARY"
import sys
sys.path.insert(0, "benchmarks")
import fairmot
from bench_pipeline import _frame, _network  # random DLA-34, head biases calibrated on a frame
fairmot.save_checkpoint(sys.argv[1], _network(_frame()), meta={"arch": "dla34", "img_size": [1088, 608]})
print("checkpoint written")
EOF
for dtype in float32 float16 bfloat16; do
  $PY -m fairmot bench --weights "$WORK/dla34_bench.pth" --device cuda --dtype "$dtype" --frames "$FRAMES" \
    --warmup 20 --json "$WORK/bench_$dtype.json" 2>&1 | tee -a "$SUMMARY"
done
rm -f "$WORK/dla34_bench.pth"
tar czf "$OUT/logs.tgz" -C "$WORK" .
say "== done ($(date -u +%FT%TZ)): $OUT"
