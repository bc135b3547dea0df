#!/usr/bin/env bash
# Native checks of the torch-free tracker core (issue 13 item 5), in a few minutes:
#   1. an AddressSanitizer + UndefinedBehaviorSanitizer build (FAIRMOT_SANITIZE=ON) of the core,
#      its C++ tests (csrc/tracker/fuzz/core_checks.cpp), the C++ example track_stream on a
#      generated detection stream, and the fuzz target's standalone driver (the regression inputs
#      in csrc/tracker/fuzz/regressions/, then random inputs);
#   2. a libFuzzer run of the structured fuzz target (FAIRMOT_FUZZ_SECONDS, default 60) when clang
#      with libFuzzer is available (installed with apt-get when missing and possible); without it,
#      more random inputs through the standalone driver instead.
# Longer runs: docs/native_checks.md. Environment: FAIRMOT_NATIVE_WORK (build folder, default a
# temporary one), FAIRMOT_FUZZ_SECONDS, FAIRMOT_FUZZ_RUNS (standalone random inputs, 20000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="${FAIRMOT_NATIVE_WORK:-$(mktemp -d)}"
FUZZ_SECONDS="${FAIRMOT_FUZZ_SECONDS:-60}"
FUZZ_RUNS="${FAIRMOT_FUZZ_RUNS:-20000}"
JOBS="$(nproc 2>/dev/null || echo 2)"
mkdir -p "$WORK"

if ! command -v clang++ >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "native checks: installing clang (libFuzzer) with apt-get"
  apt-get install -y -qq clang >/dev/null 2>&1 || echo "native checks: apt-get install clang failed; using the default compiler"
fi
if command -v clang++ >/dev/null 2>&1; then CXX_BIN=clang++; else CXX_BIN="${CXX:-c++}"; fi
echo "native checks: compiler $($CXX_BIN --version | head -n 1)"

cmake -S "$ROOT" -B "$WORK/build" -DCMAKE_CXX_COMPILER="$CXX_BIN" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFAIRMOT_SANITIZE=ON -DFAIRMOT_FUZZ=ON -DFAIRMOT_BUILD_EXAMPLES=ON \
  -DFAIRMOT_BUILD_PYTHON=OFF -DFAIRMOT_BUILD_CAPI=OFF -DFAIRMOT_INSTALL=OFF > "$WORK/configure.log" 2>&1 \
  || { tail -n 40 "$WORK/configure.log"; exit 1; }
cmake --build "$WORK/build" -j "$JOBS" > "$WORK/build.log" 2>&1 || { tail -n 60 "$WORK/build.log"; exit 1; }
BIN="$WORK/build/csrc/tracker/fuzz"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "native checks: C++ tests under ASan + UBSan"
"$BIN/fairmot_core_checks"

echo "native checks: examples/cpp track_stream under ASan + UBSan"
python3 - "$WORK/stream.txt" <<'PY'
import random, sys
random.seed(0)
with open(sys.argv[1], "w") as f:
    for frame in range(1, 61):
        for k in range(4):
            if random.random() < 0.1:
                continue  # missed detections: tracks get lost and come back
            x, y = 60 + 150 * k + 2 * frame, 40 + frame
            emb = " ".join("1" if e == k else "0" for e in range(8))
            f.write(f"{frame} {x} {y} {x + 40} {y + 100} {random.uniform(0.5, 1):.3f} {emb}\n")
PY
"$WORK/build/examples/cpp/track_stream" "$WORK/stream.txt" > "$WORK/tracks.txt"
test "$(wc -l < "$WORK/tracks.txt")" -gt 100 || { echo "track_stream wrote too few lines" >&2; exit 1; }

echo "native checks: fuzz target, standalone driver (regression inputs + $FUZZ_RUNS random inputs)"
"$BIN/fairmot_fuzz_tracker_replay" --runs "$FUZZ_RUNS" "$ROOT/csrc/tracker/fuzz/regressions"

if [ -x "$BIN/fairmot_fuzz_tracker" ]; then
  echo "native checks: libFuzzer, ${FUZZ_SECONDS} s"
  mkdir -p "$WORK/corpus"
  cp "$ROOT"/csrc/tracker/fuzz/regressions/* "$WORK/corpus/"
  if ! "$BIN/fairmot_fuzz_tracker" -max_total_time="$FUZZ_SECONDS" -max_len=2048 -print_final_stats=1 \
      -artifact_prefix="$WORK/" "$WORK/corpus" > "$WORK/fuzz.log" 2>&1; then
    tail -n 60 "$WORK/fuzz.log"
    echo "native checks: the fuzzer found a failing input (above; the file is under $WORK)." >&2
    echo "Replay it with: FAIRMOT_FUZZ_VERBOSE=1 $BIN/fairmot_fuzz_tracker_replay <file>" >&2
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$WORK/fuzz.log" || true
else
  echo "native checks: no libFuzzer (clang with -fsanitize=fuzzer not found): 10x random inputs instead"
  "$BIN/fairmot_fuzz_tracker_replay" --runs "$((FUZZ_RUNS * 10))" --seed 2
fi
echo "native checks: passed"
