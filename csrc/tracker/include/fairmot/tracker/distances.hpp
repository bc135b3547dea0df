// Cost matrices used by the FairMOT association (docs/official_behaviour.md §4.4, §4.7).
#pragma once

#include <cstdint>

namespace fairmot {

// out (n, m) = 1 - IoU between boxes a (n, 4) and b (m, 4), given as
// x1, y1, x2, y2 with the official "+1 pixel" convention: area =
// (x2 - x1 + 1) * (y2 - y1 + 1), overlap iw = min(x2) - max(x1) + 1, likewise
// ih; IoU = iw * ih / union when iw > 0 and ih > 0, else 0 (also 0 when the
// union is not positive, which only degenerate boxes produce).
void iou_distance(const double* a, int64_t n, const double* b, int64_t m, double* out);

// out (n, m) = max(0, 1 - <u, v> / (|u| |v|)) in float64, for feature rows
// u of a (n, d) and v of b (m, d). A zero vector gives distance 1 (cosine 0).
template <typename T>
void embedding_distance(const T* a, int64_t n, const T* b, int64_t m, int64_t d, double* out);

// FairMOT's fuse_motion, in place on cost (n, m): for each track i, gate the
// squared Mahalanobis distance g_ij of each measurement xyah (m, 4) to the
// track's projected state (n tracks: mean (n, 8), cov (n, 8, 8)); entries with
// g_ij > chi2inv95[dof] become +inf, then cost = lambda * cost + (1 - lambda) * g.
// Returns false when a track's projected covariance is not positive definite.
bool fuse_motion(double* cost, int64_t n, int64_t m, const double* mean, const double* cov,
                 const double* xyah, bool only_position = false, double lambda = 0.98);

// The tracker's stage-1 cost in one pass: for each track i (feature a_i,
// state mean/cov) and detection j (feature b_j, measurement xyah_j),
// cost_ij = +inf when the squared Mahalanobis distance g_ij > chi2inv95[4],
// else lambda * max(0, 1 - cos(a_i, b_j)) + (1 - lambda) * g_ij. Identical to
// embedding_distance followed by fuse_motion, but the appearance term is only
// computed for pairs that pass the gate. Tracks whose covariance cannot be
// factorised get a row of +inf.
void gated_embedding_cost(const float* a, int64_t n, const float* b, int64_t m, int64_t d, const double* mean,
                          const double* cov, const double* xyah, double* out, double lambda = 0.98);

}  // namespace fairmot
