// Heatmap peak extraction + top-k on the CPU, one pass per class plane:
// local maxima are found and ranked without materialising the max-pooled
// map, the mask or a full sort.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "heatmap_decode/heatmap_decode.h"

namespace fairmot {
namespace ops {
namespace {

void check_topk_args(const at::Tensor& heat, int64_t k, int64_t kernel) {
  TORCH_CHECK_VALUE(heat.dim() == 4, "heatmap_topk: heat must be 4-D (B, C, H, W), got ", heat.dim(), "-D");
  TORCH_CHECK_TYPE(heat.is_floating_point(), "heatmap_topk: heat must be a floating-point tensor, got ",
                   heat.scalar_type());
  TORCH_CHECK_VALUE(k >= 1, "heatmap_topk: k must be >= 1, got ", k);
  TORCH_CHECK_VALUE(kernel >= 1 && kernel % 2 == 1, "heatmap_topk: kernel must be a positive odd number, got ",
                    kernel);
  TORCH_CHECK_VALUE(heat.size(2) > 0 && heat.size(3) > 0 && heat.size(1) > 0,
                    "heatmap_topk: heat must have non-empty C, H and W, got ", heat.sizes());
}

struct Ranked {
  double score;
  int64_t index;
};

// Top k1 cells of one plane by (masked score desc, index asc), where the
// masked score is the cell's value at a local maximum and 0 elsewhere.
template <typename T>
void topk_plane(const T* plane, int64_t h, int64_t w, int64_t radius, int64_t k1, std::vector<Ranked>& out,
                std::vector<Ranked>& scratch_pos, std::vector<Ranked>& scratch_neg) {
  scratch_pos.clear();
  scratch_neg.clear();
  auto is_peak = [&](int64_t y, int64_t x, T v) {
    const int64_t y_lo = std::max<int64_t>(0, y - radius), y_hi = std::min<int64_t>(h - 1, y + radius);
    const int64_t x_lo = std::max<int64_t>(0, x - radius), x_hi = std::min<int64_t>(w - 1, x + radius);
    for (int64_t yy = y_lo; yy <= y_hi; ++yy) {
      const T* row = plane + yy * w;
      for (int64_t xx = x_lo; xx <= x_hi; ++xx) {
        if (!(v >= row[xx])) return false;
      }
    }
    return true;
  };
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const T v = plane[y * w + x];
      if (v == T(0) || !is_peak(y, x, v)) continue;
      (v > T(0) ? scratch_pos : scratch_neg).push_back({static_cast<double>(v), y * w + x});
    }
  }
  auto better = [](const Ranked& a, const Ranked& b) {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  };
  out.clear();
  const int64_t n_pos = static_cast<int64_t>(scratch_pos.size());
  if (n_pos > k1) {
    std::partial_sort(scratch_pos.begin(), scratch_pos.begin() + k1, scratch_pos.end(), better);
    scratch_pos.resize(k1);
  } else {
    std::sort(scratch_pos.begin(), scratch_pos.end(), better);
  }
  out.insert(out.end(), scratch_pos.begin(), scratch_pos.end());
  // Then cells scoring exactly 0 (non-peaks and zero-valued peaks), by index.
  for (int64_t idx = 0; idx < h * w && static_cast<int64_t>(out.size()) < k1; ++idx) {
    const T v = plane[idx];
    if (v == T(0) || !is_peak(idx / w, idx % w, v)) out.push_back({0.0, idx});
  }
  if (static_cast<int64_t>(out.size()) < k1) {  // negative peaks last
    std::sort(scratch_neg.begin(), scratch_neg.end(), better);
    for (const Ranked& r : scratch_neg) {
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
    std::vector<Ranked> per_class, pos, neg;
    std::vector<std::pair<Ranked, int64_t>> merged;  // (cell, class)
    for (int64_t b = begin; b < end; ++b) {
      merged.clear();
      for (int64_t c = 0; c < C; ++c) {
        topk_plane(data + (b * C + c) * H * W, H, W, radius, k1, per_class, pos, neg);
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
  check_topk_args(heat_, k, kernel);
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
