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

#include <tuple>

namespace fairmot {
namespace ops {

using TopkResult = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor>;

TopkResult heatmap_topk_cpu(const at::Tensor& heat, int64_t k, int64_t kernel);
TopkResult heatmap_topk_cuda(const at::Tensor& heat, int64_t k, int64_t kernel);

// Peak mask kernel used by the CUDA path: out = heat where heat is the
// maximum of its neighbourhood, else 0 (same shape and dtype as heat).
at::Tensor heatmap_peaks_cuda(const at::Tensor& heat, int64_t kernel);

}  // namespace ops
}  // namespace fairmot
