// Per-update time of the C++ core (fairmot::JDETracker, inputs prepared
// outside the timing) and of the C ABI (fairmot_tracker_update from float32
// arrays + fairmot_tracks_free) on one stream. Built and run by
// benchmarks/bench_capi.py; reads the stream format of tests/capi/capi_check.c
// and prints JSON.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fairmot/fairmot.h>
#include <fairmot/tracker/jde_tracker.hpp>

namespace {

struct Frame {
  int64_t n = 0;
  std::vector<float> boxes, scores, emb;
  std::vector<double> tlwh, scores64;  // the core's input, prepared as the bindings prepare it
};

using Clock = std::chrono::steady_clock;

double ns(Clock::time_point a, Clock::time_point b) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: capi_bench STREAM.bin REPEATS WARMUP\n");
    return 2;
  }
  const int repeats = std::atoi(argv[2]);
  const int64_t warmup = std::atoll(argv[3]);
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) return 2;
  int64_t n_frames = 0, dim = 0;
  if (std::fread(&n_frames, 8, 1, f) != 1 || std::fread(&dim, 8, 1, f) != 1) return 2;
  std::vector<Frame> frames(static_cast<size_t>(n_frames));
  for (auto& fr : frames) {
    if (std::fread(&fr.n, 8, 1, f) != 1) return 2;
    fr.boxes.resize(4 * fr.n);
    fr.scores.resize(fr.n);
    fr.emb.resize(fr.n * dim);
    if (std::fread(fr.boxes.data(), 4, fr.boxes.size(), f) != fr.boxes.size() ||
        std::fread(fr.scores.data(), 4, fr.scores.size(), f) != fr.scores.size() ||
        std::fread(fr.emb.data(), 4, fr.emb.size(), f) != fr.emb.size()) {
      return 2;
    }
    for (int64_t i = 0; i < fr.n; ++i) {
      const float* p = fr.boxes.data() + 4 * i;
      fr.tlwh.insert(fr.tlwh.end(), {p[0], p[1], static_cast<double>(p[2] - p[0]), static_cast<double>(p[3] - p[1])});
      fr.scores64.push_back(fr.scores[i]);
    }
  }
  std::fclose(f);

  double best_core = 1e300, best_c = 1e300, best_core_empty = 1e300, best_c_empty = 1e300;
  int64_t timed = 0, outputs_core = 0, outputs_c = 0;
  for (int rep = 0; rep < repeats; ++rep) {
    // C++ core
    {
      fairmot::JDETracker t;
      double total = 0;
      timed = 0;
      outputs_core = 0;
      for (int64_t k = 0; k < n_frames; ++k) {
        const Frame& fr = frames[k];
        fairmot::DetectionBatch b;
        b.n = fr.n;
        b.tlwh = fr.tlwh.data();
        b.scores = fr.scores64.data();
        b.scores_float32 = true;
        b.features = fr.emb.data();
        b.dim = fr.n > 0 ? dim : 0;
        const auto a = Clock::now();
        const auto out = t.update(b);
        const auto z = Clock::now();
        if (k >= warmup) {
          total += ns(a, z);
          ++timed;
          outputs_core += static_cast<int64_t>(out.size());
        }
      }
      best_core = std::min(best_core, total / timed);
      fairmot::DetectionBatch empty;
      double e = 1e300;
      for (int i = 0; i < 200; ++i) {
        const auto a = Clock::now();
        t.update(empty);
        e = std::min(e, ns(a, Clock::now()));
      }
      best_core_empty = std::min(best_core_empty, e);
    }
    // C ABI
    {
      fairmot_tracker* t = nullptr;
      if (fairmot_tracker_create(nullptr, &t) != FAIRMOT_OK) return 1;
      double total = 0;
      outputs_c = 0;
      for (int64_t k = 0; k < n_frames; ++k) {
        const Frame& fr = frames[k];
        fairmot_tracks* out = nullptr;
        const auto a = Clock::now();
        if (fairmot_tracker_update(t, fr.n, fr.boxes.data(), fr.scores.data(), fr.emb.data(), dim, nullptr, &out) !=
            FAIRMOT_OK) {
          std::fprintf(stderr, "%s\n", fairmot_last_error());
          return 1;
        }
        const int64_t m = out->n;
        fairmot_tracks_free(out);
        const auto z = Clock::now();
        if (k >= warmup) {
          total += ns(a, z);
          outputs_c += m;
        }
      }
      best_c = std::min(best_c, total / timed);
      double e = 1e300;
      for (int i = 0; i < 200; ++i) {
        fairmot_tracks* out = nullptr;
        const auto a = Clock::now();
        fairmot_tracker_update(t, 0, nullptr, nullptr, nullptr, 0, nullptr, &out);
        fairmot_tracks_free(out);
        e = std::min(e, ns(a, Clock::now()));
      }
      best_c_empty = std::min(best_c_empty, e);
      fairmot_tracker_destroy(t);
    }
  }
  if (outputs_core != outputs_c) {
    std::fprintf(stderr, "outputs differ: %lld vs %lld\n", static_cast<long long>(outputs_core),
                 static_cast<long long>(outputs_c));
    return 1;
  }
  std::printf("{\"frames_timed\": %lld, \"core_ns\": %.1f, \"capi_ns\": %.1f, \"core_empty_ns\": %.1f, "
              "\"capi_empty_ns\": %.1f, \"outputs\": %lld}\n",
              static_cast<long long>(timed), best_core, best_c, best_core_empty, best_c_empty,
              static_cast<long long>(outputs_c));
  return 0;
}
