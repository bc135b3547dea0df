// Heatmap peak extraction + top-k on the CPU, one pass per class plane:
// local maxima are found and ranked without materialising the max-pooled
// map, the mask or a full sort.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "heatmap_decode/heatmap_decode.h"

namespace fairmot {
namespace ops {
namespace {

struct Ranked {
  double score;
  int64_t index;
};

// max(a, b) that propagates NaN from either side, so that "v >= the window
// maximum" is false exactly when some cell of the window (v included) is NaN
// or larger than v -- the peak test of the official max-pool comparison.
template <typename A>
inline A nan_max(A a, A b) {
  return (a != a || a >= b) ? a : b;
}

// Per-thread scratch of the peak test.
template <typename A>
struct PeakScratch {
  std::vector<A> row_max;     // (h, w): max over each cell's horizontal window
  std::vector<uint8_t> peak;  // (h, w): 1 where the cell is a local maximum
  std::vector<Ranked> pos, neg;
};

// Top k1 cells of one plane by (masked score desc, index asc), where the
// masked score is the cell's value at a local maximum and 0 elsewhere.
// The kernel x kernel max is separable: a horizontal pass into row_max, then
// the vertical max of row_max at each cell (windows clipped at the border,
// as max_pool2d's -inf padding does).
template <typename T>
void topk_plane(const T* plane, int64_t h, int64_t w, int64_t radius, int64_t k1, std::vector<Ranked>& out,
                PeakScratch<at::opmath_type<T>>& s) {
  using A = at::opmath_type<T>;
  s.row_max.resize(static_cast<size_t>(h * w));
  s.peak.resize(static_cast<size_t>(h * w));
  s.pos.clear();
  s.neg.clear();
  for (int64_t y = 0; y < h; ++y) {
    const T* row = plane + y * w;
    A* rm = s.row_max.data() + y * w;
    if (radius == 1 && w >= 2) {
      rm[0] = nan_max(static_cast<A>(row[0]), static_cast<A>(row[1]));
      for (int64_t x = 1; x + 1 < w; ++x) {
        rm[x] = nan_max(nan_max(static_cast<A>(row[x - 1]), static_cast<A>(row[x])), static_cast<A>(row[x + 1]));
      }
      rm[w - 1] = nan_max(static_cast<A>(row[w - 2]), static_cast<A>(row[w - 1]));
    } else {
      for (int64_t x = 0; x < w; ++x) {
        const int64_t x0 = std::max<int64_t>(0, x - radius), x1 = std::min<int64_t>(w - 1, x + radius);
        A m = static_cast<A>(row[x0]);
        for (int64_t xx = x0 + 1; xx <= x1; ++xx) m = nan_max(m, static_cast<A>(row[xx]));
        rm[x] = m;
      }
    }
  }
  // Vertical pass: the peak mask (a branch-free loop per row), then the
  // peaks are collected in index order.
  for (int64_t y = 0; y < h; ++y) {
    const int64_t y0 = std::max<int64_t>(0, y - radius), y1 = std::min<int64_t>(h - 1, y + radius);
    const T* row = plane + y * w;
    uint8_t* pk = s.peak.data() + y * w;
    if (y1 - y0 == 2) {
      const A* r0 = s.row_max.data() + y0 * w;
      const A* r1 = r0 + w;
      const A* r2 = r1 + w;
      for (int64_t x = 0; x < w; ++x) {
        pk[x] = static_cast<A>(row[x]) >= nan_max(nan_max(r0[x], r1[x]), r2[x]);  // false on a NaN
      }
    } else {
      for (int64_t x = 0; x < w; ++x) {
        A m = s.row_max[y0 * w + x];
        for (int64_t yy = y0 + 1; yy <= y1; ++yy) m = nan_max(m, s.row_max[yy * w + x]);
        pk[x] = static_cast<A>(row[x]) >= m;
      }
    }
    for (int64_t x = 0; x < w; ++x) {
      if (!pk[x]) continue;
      const A v = static_cast<A>(row[x]);
      if (v != A(0)) (v > A(0) ? s.pos : s.neg).push_back({static_cast<double>(v), y * w + x});
    }
  }
  auto better = [](const Ranked& a, const Ranked& b) {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  };
  out.clear();
  const int64_t n_pos = static_cast<int64_t>(s.pos.size());
  if (n_pos > k1) {  // a total order (indices are distinct): same result as a full sort
    std::nth_element(s.pos.begin(), s.pos.begin() + k1, s.pos.end(), better);
    s.pos.resize(k1);
  }
  std::sort(s.pos.begin(), s.pos.end(), better);
  out.insert(out.end(), s.pos.begin(), s.pos.end());
  // Then cells scoring exactly 0 (non-peaks and zero-valued peaks), by index.
  for (int64_t idx = 0; idx < h * w && static_cast<int64_t>(out.size()) < k1; ++idx) {
    if (!s.peak[idx] || static_cast<A>(plane[idx]) == A(0)) out.push_back({0.0, idx});
  }
  if (static_cast<int64_t>(out.size()) < k1) {  // negative peaks last
    std::sort(s.neg.begin(), s.neg.end(), better);
    for (const Ranked& r : s.neg) {
      if (static_cast<int64_t>(out.size()) >= k1) break;
      out.push_back(r);
    }
  }
}

template <typename T>
void topk_impl(const at::Tensor& heat, int64_t k, int64_t kernel, at::Tensor& scores, at::Tensor& inds,
               at::Tensor& classes, at::Tensor& ys, at::Tensor& xs) {
  const int64_t B = heat.size(0), C = heat.size(1), H = heat.size(2), W = heat.size(3);
  const int64_t k1 = std::min<int64_t>(k, H * W), k2 = std::min<int64_t>(k, C * k1);
  const int64_t radius = (kernel - 1) / 2;
  const T* data = heat.const_data_ptr<T>();
  T* s_out = scores.mutable_data_ptr<T>();
  int64_t* i_out = inds.mutable_data_ptr<int64_t>();
  int64_t* c_out = classes.mutable_data_ptr<int64_t>();
  float* y_out = ys.mutable_data_ptr<float>();
  float* x_out = xs.mutable_data_ptr<float>();
  at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
    std::vector<Ranked> per_class;
    PeakScratch<at::opmath_type<T>> scratch;
    std::vector<std::pair<Ranked, int64_t>> merged;  // (cell, class)
    for (int64_t b = begin; b < end; ++b) {
      merged.clear();
      for (int64_t c = 0; c < C; ++c) {
        topk_plane(data + (b * C + c) * H * W, H, W, radius, k1, per_class, scratch);
        for (const Ranked& r : per_class) merged.emplace_back(r, c);
      }
      // Across classes: score desc; the stable sort keeps class, then index, order on ties.
      std::stable_sort(merged.begin(), merged.end(),
                       [](const auto& a, const auto& b) { return a.first.score > b.first.score; });
      for (int64_t q = 0; q < k2; ++q) {
        const auto& [cell, cls] = merged[q];
        const int64_t o = b * k2 + q;
        s_out[o] = static_cast<T>(cell.score);
        i_out[o] = cell.index;
        c_out[o] = cls;
        y_out[o] = static_cast<float>(cell.index / W);
        x_out[o] = static_cast<float>(cell.index % W);
      }
    }
  });
}

TopkResult topk_op(const at::Tensor& heat, int64_t k, int64_t kernel) { return heatmap_topk_cpu(heat, k, kernel); }

}  // namespace

TopkResult heatmap_topk_cpu(const at::Tensor& heat_, int64_t k, int64_t kernel) {
  check_heatmap_topk_args(heat_, k, kernel);
  const at::Tensor heat = heat_.contiguous();
  const int64_t B = heat.size(0), C = heat.size(1), H = heat.size(2), W = heat.size(3);
  const int64_t k2 = std::min<int64_t>(k, C * std::min<int64_t>(k, H * W));
  at::Tensor scores = at::empty({B, k2}, heat.options());
  at::Tensor inds = at::empty({B, k2}, heat.options().dtype(at::kLong));
  at::Tensor classes = at::empty({B, k2}, heat.options().dtype(at::kLong));
  at::Tensor ys = at::empty({B, k2}, heat.options().dtype(at::kFloat));
  at::Tensor xs = at::empty({B, k2}, heat.options().dtype(at::kFloat));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, heat.scalar_type(), "heatmap_topk_cpu",
                                  [&] { topk_impl<scalar_t>(heat, k, kernel, scores, inds, classes, ys, xs); });
  return {scores, inds, classes, ys, xs};
}

TORCH_LIBRARY_IMPL(fairmot, CPU, m) { m.impl("heatmap_topk", &topk_op); }

}  // namespace ops
}  // namespace fairmot
