// Heatmap peak extraction + top-k ("max-pool NMS" of CenterNet / FairMOT).
//
// heat (B, C, H, W), already passed through a sigmoid. A cell is a peak when
// it equals the maximum of its kernel x kernel neighbourhood (stride 1,
// padding (kernel - 1) / 2, out-of-image cells ignored); every other cell
// scores 0. Per image: the k1 = min(k, H*W) best cells of each class, then the
// k2 = min(k, C*k1) best of those across classes. Ties are broken by the
// lower class, then the lower flat index (y * W + x), so results are
// deterministic.
// Returns scores (B, k2) in heat's dtype, inds (B, k2) int64 flat index
// within the class plane, classes (B, k2) int64, ys and xs (B, k2) float32.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

#include <tuple>

namespace fairmot {
namespace ops {

using TopkResult = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor>;

TopkResult heatmap_topk_cpu(const at::Tensor& heat, int64_t k, int64_t kernel);
TopkResult heatmap_topk_cuda(const at::Tensor& heat, int64_t k, int64_t kernel);

// Peak mask kernel used by the CUDA path: out = heat where heat is the
// maximum of its neighbourhood, else 0 (same shape and dtype as heat).
at::Tensor heatmap_peaks_cuda(const at::Tensor& heat, int64_t kernel);

// The argument checks, written once for every device (ValueError / TypeError in Python).
// heat: 4-D floating point.
inline void check_heat_tensor(const at::Tensor& heat) {
  TORCH_CHECK_VALUE(heat.dim() == 4, "heatmap_topk: heat must be 4-D (B, C, H, W), got ", heat.dim(), "-D");
  TORCH_CHECK_TYPE(heat.is_floating_point(), "heatmap_topk: heat must be a floating-point tensor, got ",
                   heat.scalar_type());
}
// kernel: a positive odd number.
inline void check_heatmap_kernel(int64_t kernel) {
  TORCH_CHECK_VALUE(kernel >= 1 && kernel % 2 == 1, "heatmap_topk: kernel must be a positive odd number, got ",
                    kernel);
}
// The peak mask: heat and kernel.
inline void check_heatmap_args(const at::Tensor& heat, int64_t kernel) {
  check_heat_tensor(heat);
  check_heatmap_kernel(kernel);
}
// heatmap_topk: heat, k >= 1, kernel, then non-empty C, H and W.
inline void check_heatmap_topk_args(const at::Tensor& heat, int64_t k, int64_t kernel) {
  check_heat_tensor(heat);
  TORCH_CHECK_VALUE(k >= 1, "heatmap_topk: k must be >= 1, got ", k);
  check_heatmap_kernel(kernel);
  TORCH_CHECK_VALUE(heat.size(1) > 0 && heat.size(2) > 0 && heat.size(3) > 0,
                    "heatmap_topk: heat must have non-empty C, H and W, got ", heat.sizes());
}

}  // namespace ops
}  // namespace fairmot
