// Long-gap re-identification gallery (the rule is documented in reid_gallery.hpp).
#include "fairmot/tracker/reid_gallery.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fairmot/tracker/defaults.hpp"
#include "fairmot/tracker/distances.hpp"
#include "fairmot/tracker/lapjv.hpp"
#include "fairmot/tracker/warp.hpp"

namespace fairmot {

void ReidGallery::add(GalleryEntry e) {
  entries_.push_back(std::move(e));
  while (entries_.size() > settings_.capacity) entries_.pop_front();
}

void ReidGallery::expire(int64_t frame) {
  // Entries are in order of removal, so the expired ones are a prefix.
  while (!entries_.empty() && frame - entries_.front().removed > settings_.max_frames) entries_.pop_front();
}

void ReidGallery::warp(const double* A) {
  for (GalleryEntry& e : entries_) warp_state(A, e.mean, nullptr);
}

bool ReidGallery::plausible(const GalleryEntry& e, const double* xyah, int64_t frame) const {
  const double hl = e.mean[3], hd = xyah[3];
  if (!(hl > 0.0) || !(hd > 0.0)) return false;
  if (!(std::max(hd / hl, hl / hd) <= defaults::kReidMaxSizeRatio)) return false;
  const double gap = static_cast<double>(frame - e.last_seen);
  const double lost_for = static_cast<double>(e.removed - e.last_seen);
  // The path: p0 (last seen) + tau * d, tau in [0, 1].
  const double p0x = e.mean[0] - e.mean[4] * lost_for, p0y = e.mean[1] - e.mean[5] * lost_for;
  const double dx = e.mean[4] * gap, dy = e.mean[5] * gap;
  const double qx = xyah[0] - p0x, qy = xyah[1] - p0y;
  const double len2 = dx * dx + dy * dy;
  double tau = len2 > 0.0 ? (qx * dx + qy * dy) / len2 : 0.0;
  tau = std::min(1.0, std::max(0.0, tau));
  const double ex = qx - tau * dx, ey = qy - tau * dy;
  const double dist = std::sqrt(ex * ex + ey * ey);
  const double allowed =
      0.5 * (hl + hd) * (defaults::kReidBaseDistance + defaults::kReidMaxSpeed * gap / settings_.frame_rate);
  return dist <= allowed;
}

std::vector<int64_t> ReidGallery::match(int64_t frame, const double* xyah, const float* feats, const int64_t* cls,
                                        int64_t m, int64_t dim) const {
  std::vector<int64_t> out(static_cast<size_t>(m), -1);
  const int64_t n = static_cast<int64_t>(entries_.size());
  if (n == 0 || m == 0) return out;
  std::vector<float> gf(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<float>& f = entries_[i].feat;
    std::copy(f.begin(), f.end(), gf.begin() + i * dim);
  }
  std::vector<double> cost(static_cast<size_t>(n * m));
  embedding_distance(gf.data(), n, feats, m, dim, cost.data());
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      const int64_t c = cls ? cls[j] : 0;
      if (c != entries_[i].cls || !plausible(entries_[i], xyah + 4 * j, frame)) cost[i * m + j] = inf;
    }
  }
  const MatchResult r = linear_assignment(cost.data(), n, m, settings_.thres);
  for (size_t k = 0; k < r.matches.size(); k += 2) out[r.matches[k + 1]] = r.matches[k];
  return out;
}

void ReidGallery::erase(std::vector<int64_t> indices) {
  std::sort(indices.begin(), indices.end());
  for (auto it = indices.rbegin(); it != indices.rend(); ++it) entries_.erase(entries_.begin() + *it);
}

}  // namespace fairmot
