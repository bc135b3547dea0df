// Structured fuzz target of the tracker core: lapjv (float and double), linear_assignment and
// JDETracker::update sequences, built from the fuzzer's bytes (random shapes, NaN / inf / huge /
// tiny / negative values, empty inputs, embedding sizes that change between frames).
//
// Every call must either succeed and satisfy the invariants checked below, or throw
// std::invalid_argument (bad input) and, for the tracker, leave the state unchanged. Anything
// else (another exception, a failed invariant, a sanitizer report) is a finding.
//
// Built as a libFuzzer target (clang -fsanitize=fuzzer) and, with FAIRMOT_FUZZ_STANDALONE, as a
// plain program (standalone_main.cpp) that replays a corpus and runs N random inputs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

#include "fairmot/tracker/jde_tracker.hpp"
#include "fairmot/tracker/lapjv.hpp"

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "fuzz_tracker: invariant failed at line %d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

// FAIRMOT_FUZZ_VERBOSE=1 prints every tracker frame (to read a crash input).
bool verbose() {
  static const bool on = std::getenv("FAIRMOT_FUZZ_VERBOSE") != nullptr;
  return on;
}

// Reads the fuzzer's bytes; zeros once they run out.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  bool flag() { return u8() & 1; }
  bool empty() const { return p_ >= end_; }
  // An ordinary value in [-lo, hi) with 1/100 resolution, or (1 in `special_one_in`) a special one.
  double value(int special_one_in = 4) {
    const uint8_t b = u8();
    if (b % special_one_in == 0) {
      static const double specials[] = {0.0,     std::nan(""), kInf,    -kInf,   1e300,  -1e300,
                                        1.7e308, -1.7e308,     1e-300,  5e-324,  -1.0,   0x1p200,
                                        1e50,    -1e50,        1.3e155, 3e38,    1e-60,  -0.0};
      return specials[(b / special_one_in) % (sizeof(specials) / sizeof(specials[0]))];
    }
    return (static_cast<int>(u16()) - 16384) / 100.0;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// ---------------------------------------------------------------- assignment

// The best thresholded objective sum(c_ij - L) over matchings of pairs with c_ij <= L
// (brute force over every matching of a small matrix).
double best_thresholded(const std::vector<double>& c, int n, int m, double limit, int row, uint32_t used) {
  if (row == n) return 0.0;
  double best = best_thresholded(c, n, m, limit, row + 1, used);  // row unmatched
  for (int j = 0; j < m; ++j) {
    if (used & (1u << j)) continue;
    const double v = c[row * m + j];
    if (!(v <= limit)) continue;
    best = std::min(best, (v - limit) + best_thresholded(c, n, m, limit, row + 1, used | (1u << j)));
  }
  return best;
}

template <typename T>
void fuzz_lapjv(Reader& r) {
  const int n = r.u8() % 7, m = r.u8() % 7;
  const bool extend = r.u8() % 4 != 0, partial = r.flag();
  const uint8_t mode = r.u8() % 4;  // 0: no limit, 1: ordinary limit, 2: special limit, 3: limit 0
  double limit = kInf;
  if (mode == 1) limit = r.value(1000);
  if (mode == 2) limit = r.value(1);
  if (mode == 3) limit = 0.0;
  const bool ordinary_only = r.flag();
  std::vector<T> cost(static_cast<size_t>(n * m));
  for (T& v : cost) v = static_cast<T>(ordinary_only ? r.value(1000) : r.value());
  std::vector<int64_t> x(static_cast<size_t>(n)), y(static_cast<size_t>(m));
  double total = 0.0;
  try {
    total = fairmot::lapjv_into(cost.data(), n, m, extend, limit, x.data(), y.data(), partial);
  } catch (const std::invalid_argument&) {
    return;  // NaN / -inf entries, a NaN or -inf limit, a rectangular matrix without extend
  }
  FUZZ_CHECK(extend || n == m);
  FUZZ_CHECK(!std::isnan(limit) && limit != -kInf);
  int matched = 0;
  for (int i = 0; i < n; ++i) {
    FUZZ_CHECK(x[i] >= -1 && x[i] < m);
    if (x[i] < 0) continue;
    ++matched;
    FUZZ_CHECK(y[x[i]] == i);
    const double c = static_cast<double>(cost[i * m + x[i]]);
    FUZZ_CHECK(!std::isnan(c));
    if (limit < kInf) FUZZ_CHECK(c <= limit);  // the limit rule, for every finite input
    if (partial || limit < kInf) FUZZ_CHECK(c < kInf);
  }
  for (int j = 0; j < m; ++j) {
    FUZZ_CHECK(y[j] >= -1 && y[j] < n);
    if (y[j] >= 0) FUZZ_CHECK(x[y[j]] == j);
  }
  if (limit == kInf && !partial) FUZZ_CHECK(matched == std::min(n, m));  // complete (total inf if forced)
  if (std::isnan(total)) {
    // numpy's sum (what lap reports) is NaN only when the assigned costs overflow both ways: their positive
    // part sums to +inf and their negative part to -inf (e.g. 1e308 + 1e308 and -1e308 - 1e308)
    double pos = 0.0, neg = 0.0;
    for (int i = 0; i < n; ++i) {
      if (x[i] < 0) continue;
      const double c = static_cast<double>(cost[i * m + x[i]]);
      (c > 0 ? pos : neg) += c;
    }
    FUZZ_CHECK(pos == kInf && neg == -kInf);
  }
  // Optimality on ordinary, finite matrices with a finite limit, against brute force.
  if (ordinary_only && limit < kInf && std::fabs(limit) < 1e6) {
    std::vector<double> c(cost.begin(), cost.end());
    double got = 0.0;
    for (int i = 0; i < n; ++i) {
      if (x[i] >= 0) got += c[i * m + x[i]] - limit;
    }
    const double want = best_thresholded(c, n, m, limit, 0, 0);
    FUZZ_CHECK(std::fabs(got - want) <= 1e-9 * (1.0 + std::fabs(want)));
  }
}

void fuzz_linear_assignment(Reader& r) {
  const int n = r.u8() % 7, m = r.u8() % 7;
  const double thresh = r.u8() % 3 == 0 ? r.value(1) : r.value(1000) / 100.0;
  std::vector<double> cost(static_cast<size_t>(n * m));
  for (double& v : cost) v = r.value();
  fairmot::MatchResult res;
  try {
    res = fairmot::linear_assignment(cost.data(), n, m, thresh);
  } catch (const std::invalid_argument&) {
    return;
  }
  FUZZ_CHECK(res.matches.size() % 2 == 0);
  std::vector<int> row_seen(static_cast<size_t>(n), 0), col_seen(static_cast<size_t>(m), 0);
  for (size_t k = 0; k < res.matches.size(); k += 2) {
    const int64_t i = res.matches[k], j = res.matches[k + 1];
    FUZZ_CHECK(i >= 0 && i < n && j >= 0 && j < m);
    ++row_seen[i];
    ++col_seen[j];
    FUZZ_CHECK(cost[i * m + j] <= thresh);
    FUZZ_CHECK(cost[i * m + j] < kInf);
  }
  for (int64_t i : res.unmatched_rows) {
    FUZZ_CHECK(i >= 0 && i < n);
    ++row_seen[i];
  }
  for (int64_t j : res.unmatched_cols) {
    FUZZ_CHECK(j >= 0 && j < m);
    ++col_seen[j];
  }
  for (int v : row_seen) FUZZ_CHECK(v == 1);
  for (int v : col_seen) FUZZ_CHECK(v == 1);
}

// ---------------------------------------------------------------- tracker

// identity: also the opt-in re-id gallery (short buffers, so tracks expire into it and come back)
// and a camera-motion warp before some frames (ordinary small motions, or special values that
// must be rejected with the state untouched).
void fuzz_tracker(Reader& r, bool identity) {
  fairmot::TrackerOptions o;
  if (r.u8() % 4 == 0) {
    o.conf_thres = r.value(3);
    o.track_buffer = static_cast<int>(r.u16()) - 1000;
    o.frame_rate = r.value(3);
    o.match_thres = r.value(3);
    o.low_thres = r.value(3);
  }
  if (identity) {
    o.track_buffer = r.u8() % 8;
    o.reid_buffer = r.u8() % 64;
    o.reid_thres = r.u8() % 16 == 0 ? r.value(3) : r.u8() / 128.0;
  }
  o.association = r.flag() ? fairmot::Association::Byte : fairmot::Association::Default;
  std::unique_ptr<fairmot::JDETracker> tracker;
  try {
    tracker = std::make_unique<fairmot::JDETracker>(o);
  } catch (const std::invalid_argument&) {
    return;
  }
  int64_t dim = 1 + r.u8() % 6;
  // A few anchors that detections scatter around, so tracks form, match, get lost and return.
  double anchors[4][4];
  for (auto& a : anchors) {
    a[0] = r.u8() * 4.0;
    a[1] = r.u8() * 3.0;
    a[2] = 10.0 + r.u8();
    a[3] = 20.0 + r.u8();
  }
  const int frames = 1 + r.u8() % 24;
  for (int f = 0; f < frames && !r.empty(); ++f) {
    if (r.u8() % 16 == 0) dim = r.u8() % 7;  // changes between frames (0: invalid when n > 0)
    const int64_t n = r.u8() % 9;
    const bool specials = r.u8() % 8 == 0;
    std::vector<double> tlwh(static_cast<size_t>(4 * n)), scores(static_cast<size_t>(n));
    std::vector<float> feats(static_cast<size_t>(n * std::max<int64_t>(dim, 0)));
    for (int64_t i = 0; i < n; ++i) {
      const double* a = anchors[r.u8() % 4];
      for (int k = 0; k < 4; ++k) {
        tlwh[4 * i + k] = specials && r.u8() % 4 == 0 ? r.value(1) : a[k] + (r.u8() - 128) / 16.0;
      }
      scores[i] = specials && r.u8() % 4 == 0 ? r.value(1) : r.u8() / 255.0;
      for (int64_t k = 0; k < dim; ++k) {
        feats[i * dim + k] = specials && r.u8() % 4 == 0 ? static_cast<float>(r.value(1))
                                                           : static_cast<float>((r.u8() % 4) - 1.5);
      }
    }
    fairmot::DetectionBatch b;
    b.n = n;
    b.tlwh = n ? tlwh.data() : nullptr;
    b.scores = n ? scores.data() : nullptr;
    b.scores_float32 = r.flag();
    b.features = n ? feats.data() : nullptr;
    b.dim = dim;
    if (verbose()) {
      std::fprintf(stderr, "frame %d: n=%lld dim=%lld\n", f, static_cast<long long>(n), static_cast<long long>(dim));
      for (int64_t i = 0; i < n; ++i) {
        std::fprintf(stderr, "  tlwh %.17g %.17g %.17g %.17g score %.17g\n", tlwh[4 * i], tlwh[4 * i + 1],
                     tlwh[4 * i + 2], tlwh[4 * i + 3], scores[i]);
      }
    }
    double warp[6] = {1.0, 0.0, 0.0, 0.0, 1.0, 0.0};
    const bool warped = identity && r.flag();
    if (warped) {
      const double angle = (r.u8() - 128) / 2000.0, scale = 1.0 + (r.u8() - 128) / 4000.0;
      warp[0] = scale * std::cos(angle);
      warp[1] = -scale * std::sin(angle);
      warp[3] = scale * std::sin(angle);
      warp[4] = scale * std::cos(angle);
      warp[2] = (r.u8() - 128) / 8.0;
      warp[5] = (r.u8() - 128) / 8.0;
      if (r.u8() % 8 == 0) warp[r.u8() % 6] = r.value(1);  // NaN, inf, huge, zero scale ...
    }
    const int64_t frame_before = tracker->frame_id();
    const int64_t tracked_before = tracker->num_tracked(), lost_before = tracker->num_lost();
    const int64_t gallery_before = tracker->gallery_size();
    std::vector<fairmot::OutputTrack> out;
    try {
      out = warped ? tracker->update(b, warp) : tracker->update(b);
    } catch (const std::invalid_argument&) {
      // Rejected: the state is untouched.
      FUZZ_CHECK(tracker->frame_id() == frame_before);
      FUZZ_CHECK(tracker->num_tracked() == tracked_before && tracker->num_lost() == lost_before);
      FUZZ_CHECK(tracker->gallery_size() == gallery_before);
      continue;
    }
    FUZZ_CHECK(tracker->frame_id() == frame_before + 1);
    if (verbose()) {
      for (const auto& t : out) {
        std::fprintf(stderr, "  -> id %lld det %lld tlwh %.17g %.17g %.17g %.17g\n", static_cast<long long>(t.id),
                     static_cast<long long>(t.det_index), t.tlwh[0], t.tlwh[1], t.tlwh[2], t.tlwh[3]);
      }
    }
    std::set<int64_t> ids;
    for (const auto& t : out) {
      FUZZ_CHECK(t.id > 0);
      FUZZ_CHECK(ids.insert(t.id).second);
      FUZZ_CHECK(t.det_index >= 0 && t.det_index < n);  // every output track was matched this frame
      for (double v : t.tlwh) FUZZ_CHECK(std::isfinite(v));
      FUZZ_CHECK(std::isfinite(t.score));
    }
    FUZZ_CHECK(static_cast<int64_t>(out.size()) <= tracker->num_tracked());
    if (identity) {
      // The gallery is bounded and never holds an id that is being reported.
      FUZZ_CHECK(tracker->gallery_size() <= fairmot::defaults::kReidGallerySize);
      for (const fairmot::GalleryEntry& e : tracker->gallery()) FUZZ_CHECK(ids.count(e.id) == 0);
    }
    if (r.u8() == 255) tracker->reset();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r(data, size);
  const uint8_t mode = r.u8();
  switch (mode % 4) {
    case 0:
      fuzz_lapjv<double>(r);
      break;
    case 1:
      fuzz_lapjv<float>(r);
      break;
    case 2:
      fuzz_linear_assignment(r);
      break;
    default:
      fuzz_tracker(r, mode >= 128);  // the first byte's high bit adds the identity options (issue 15)
      break;
  }
  return 0;
}
