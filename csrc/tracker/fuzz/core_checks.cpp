// C++ tests of the tracker core, run under AddressSanitizer + UndefinedBehaviorSanitizer by
// .ci/native_checks.sh (they run as well without sanitizers). Each check has an independent
// reference: brute force for the assignment, the IoU formula written out, invariants of the
// tracker on a synthetic stream; plus the regressions of the robustness probe (issue 13).
// Prints one line per group and exits non-zero on the first failure.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "fairmot/tracker/distances.hpp"
#include "fairmot/tracker/jde_tracker.hpp"
#include "fairmot/tracker/kalman_filter.hpp"
#include "fairmot/tracker/lapjv.hpp"

namespace {

int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "core_checks: FAILED line %d: %s\n", __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

constexpr double kInf = std::numeric_limits<double>::infinity();

// Minimum total over complete assignments of the smaller side (brute force, square n x n here).
double best_complete(const std::vector<double>& c, int n, int row, uint32_t used) {
  if (row == n) return 0.0;
  double best = kInf;
  for (int j = 0; j < n; ++j) {
    if (used & (1u << j)) continue;
    best = std::min(best, c[row * n + j] + best_complete(c, n, row + 1, used | (1u << j)));
  }
  return best;
}

void check_lapjv() {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-5.0, 5.0);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 6);
    std::vector<double> c(static_cast<size_t>(n * n));
    for (double& v : c) v = std::round(u(rng) * 8) / 8;
    const fairmot::AssignmentResult r = fairmot::lapjv(c.data(), n, n);
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      CHECK(r.x[i] >= 0 && r.y[r.x[i]] == i);
      total += c[i * n + r.x[i]];
    }
    CHECK(std::fabs(total - best_complete(c, n, 0, 0)) < 1e-9);
  }
  // Regression: the 2^200 rescale must not round 1e-60 onto the limit 0.
  const double huge[2] = {1e300, 1e-60};
  const fairmot::AssignmentResult r = fairmot::lapjv(huge, 1, 2, true, 0.0);
  CHECK(r.x[0] == -1 && r.y[0] == -1 && r.y[1] == -1);
  // Bad input: std::invalid_argument, nothing else.
  const double bad[1] = {std::nan("")};
  bool threw = false;
  try {
    fairmot::lapjv(bad, 1, 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  std::printf("core_checks: lapjv (300 random problems vs brute force, regressions)\n");
}

void check_distances() {
  const double a[8] = {0, 0, 9, 9, 5, 5, 14, 14};
  double out[4];
  fairmot::iou_distance(a, 2, a, 2, out);
  // Written out: areas 100 each, overlap 5 x 5 = 25, union 175.
  CHECK(out[0] == 0.0 && out[3] == 0.0);
  CHECK(std::fabs(out[1] - (1.0 - 25.0 / 175.0)) < 1e-15 && out[1] == out[2]);
  const double tiny[4] = {1e-200, 2e-200, 0, 0}, tiny2[4] = {2e-200, 4e-200, 0, 0};
  double d = -1;
  fairmot::embedding_distance(tiny, 1, tiny2, 1, 4, &d);
  CHECK(std::fabs(d) < 1e-15);  // parallel vectors, however small
  std::printf("core_checks: distances\n");
}

void check_kalman() {
  const double z[4] = {100, 200, 0.5, 1e50};
  double mean[8], cov[64];
  fairmot::kalman::initiate(z, 1, mean, cov);
  for (int k = 0; k < 10; ++k) {
    fairmot::kalman::predict(mean, cov, 1);
    fairmot::kalman::update(mean, cov, z, 1);
  }
  bool finite = true;
  for (double v : mean) finite = finite && std::isfinite(v);
  for (double v : cov) finite = finite && std::isfinite(v);
  CHECK(finite);
  CHECK(std::fabs(mean[3] / 1e50 - 1.0) < 1e-9);
  std::printf("core_checks: kalman (boxes at the 1e50 limit stay finite)\n");
}

void check_tracker() {
  // Three targets moving steadily for 40 frames; each must keep one id.
  fairmot::JDETracker t;
  std::vector<int64_t> first_ids;
  for (int f = 0; f < 40; ++f) {
    std::vector<double> tlwh, scores;
    std::vector<float> feats;
    for (int k = 0; k < 3; ++k) {
      tlwh.insert(tlwh.end(), {100.0 + 200 * k + 2.0 * f, 50.0 + f, 40.0, 100.0});
      scores.push_back(0.9);
      for (int e = 0; e < 4; ++e) feats.push_back(e == k ? 1.0f : 0.0f);
    }
    fairmot::DetectionBatch b;
    b.n = 3;
    b.tlwh = tlwh.data();
    b.scores = scores.data();
    b.features = feats.data();
    b.dim = 4;
    const auto out = t.update(b);
    CHECK(out.size() == 3);
    std::vector<int64_t> ids;
    for (const auto& o : out) ids.push_back(o.id);
    std::sort(ids.begin(), ids.end());
    if (f == 0) first_ids = ids;
    CHECK(ids == first_ids);
  }
  // A rejected frame leaves the state untouched.
  const double bad_box[4] = {0, 0, 10, std::nan("")}, score = 0.9;
  const float feat[4] = {1, 0, 0, 0};
  fairmot::DetectionBatch b;
  b.n = 1;
  b.tlwh = bad_box;
  b.scores = &score;
  b.features = feat;
  b.dim = 4;
  const int64_t frame = t.frame_id(), tracked = t.num_tracked();
  bool threw = false;
  try {
    t.update(b);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw && t.frame_id() == frame && t.num_tracked() == tracked);
  // Regressions: a subnormal height (aspect w/h overflows) is ignored; an embedding whose float32
  // norm overflows is normalised, not turned into NaN.
  fairmot::JDETracker t2;
  const double boxes[8] = {532.3125, 0, 143.3125, 5e-324, 100, 100, 50, 120};
  const double sc[2] = {1.0, 1.0};
  const float big[8] = {3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f};
  b.n = 2;
  b.tlwh = boxes;
  b.scores = sc;
  b.features = big;
  for (int f = 0; f < 3; ++f) {
    const auto out = t2.update(b);
    CHECK(out.size() == 1 && out[0].det_index == 1);
    for (const auto& o : out) {
      for (double v : o.tlwh) CHECK(std::isfinite(v));
    }
  }
  std::printf("core_checks: tracker (40-frame stream, rejected frame, regressions)\n");
}

}  // namespace

int main() {
  check_lapjv();
  check_distances();
  check_kalman();
  check_tracker();
  if (failures) {
    std::fprintf(stderr, "core_checks: %d check(s) failed\n", failures);
    return 1;
  }
  std::printf("core_checks: all passed\n");
  return 0;
}
