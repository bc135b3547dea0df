// CUDA heatmap decoding: max-pool peak extraction and deterministic top-k
// (see heatmap_decode.h for the contract).
#include "heatmap_decode/heatmap_decode.h"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include <algorithm>
#include <cstdint>

namespace fairmot {
namespace ops {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 65536;

// One thread per cell: keep the value when it is the maximum of its
// kernel x kernel neighbourhood (out-of-image cells ignored), else 0.
template <typename scalar_t>
__global__ void heatmap_peaks_kernel(const scalar_t* __restrict__ heat, int64_t total, int64_t height, int64_t width,
                                     int64_t radius, scalar_t* __restrict__ out) {
  using acc_t = at::opmath_type<scalar_t>;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t x = idx % width;
    const int64_t y = (idx / width) % height;
    const scalar_t* plane = heat + (idx - y * width - x);
    const acc_t v = static_cast<acc_t>(heat[idx]);
    const int64_t y0 = y > radius ? y - radius : 0;
    const int64_t y1 = y + radius < height ? y + radius : height - 1;
    const int64_t x0 = x > radius ? x - radius : 0;
    const int64_t x1 = x + radius < width ? x + radius : width - 1;
    bool is_peak = true;
    for (int64_t yy = y0; yy <= y1 && is_peak; ++yy) {
      for (int64_t xx = x0; xx <= x1; ++xx) {
        // Positive form, as the CPU kernel: a NaN cell (or a NaN neighbour) is no peak.
        if (!(v >= static_cast<acc_t>(plane[yy * width + xx]))) {
          is_peak = false;
          break;
        }
      }
    }
    out[idx] = (is_peak && v != acc_t(0)) ? heat[idx] : scalar_t(0);  // +0.0 for every zero, as on the CPU
  }
}

// Same checks (and Python exception types) as the CPU operator.
void check_heat(const at::Tensor& heat, int64_t kernel) {
  TORCH_CHECK_VALUE(heat.dim() == 4, "heatmap_topk: heat must be 4-D (B, C, H, W), got ", heat.dim(), "-D");
  TORCH_CHECK_TYPE(heat.is_floating_point(), "heatmap_topk: heat must be a floating-point tensor, got ",
                   heat.scalar_type());
  TORCH_CHECK_VALUE(kernel >= 1 && kernel % 2 == 1, "heatmap_topk: kernel must be a positive odd number, got ",
                    kernel);
  TORCH_CHECK_VALUE(heat.is_cuda(), "heatmap_topk (CUDA): heat must be a CUDA tensor, got one on ", heat.device());
}

}  // namespace

at::Tensor heatmap_peaks_cuda(const at::Tensor& heat_, int64_t kernel) {
  check_heat(heat_, kernel);
  at::cuda::CUDAGuard guard(heat_.device());
  const at::Tensor heat = heat_.contiguous();
  at::Tensor out = at::empty_like(heat, at::MemoryFormat::Contiguous);
  const int64_t total = heat.numel();
  if (total == 0) {
    return out;
  }
  const int64_t blocks = std::min<int64_t>((total + kThreads - 1) / kThreads, kMaxBlocks);
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, heat.scalar_type(), "heatmap_peaks_cuda", [&] {
    heatmap_peaks_kernel<scalar_t><<<static_cast<unsigned int>(blocks), kThreads, 0, stream>>>(
        heat.const_data_ptr<scalar_t>(), total, heat.size(2), heat.size(3), (kernel - 1) / 2,
        out.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return out;
}

TopkResult heatmap_topk_cuda(const at::Tensor& heat_, int64_t k, int64_t kernel) {
  TORCH_CHECK_VALUE(heat_.dim() == 4, "heatmap_topk: heat must be 4-D (B, C, H, W), got ", heat_.dim(), "-D");
  TORCH_CHECK_TYPE(heat_.is_floating_point(), "heatmap_topk: heat must be a floating-point tensor, got ",
                   heat_.scalar_type());
  TORCH_CHECK_VALUE(k >= 1, "heatmap_topk: k must be >= 1, got ", k);
  check_heat(heat_, kernel);
  TORCH_CHECK_VALUE(heat_.size(1) > 0 && heat_.size(2) > 0 && heat_.size(3) > 0,
                    "heatmap_topk: heat must have non-empty C, H and W, got ", heat_.sizes());
  at::cuda::CUDAGuard guard(heat_.device());
  const int64_t batch = heat_.size(0);
  const int64_t classes = heat_.size(1);
  const int64_t height = heat_.size(2);
  const int64_t width = heat_.size(3);
  const int64_t k1 = std::min(k, height * width);
  const int64_t k2 = std::min(k, classes * k1);
  const auto long_opts = heat_.options().dtype(at::kLong);
  const auto float_opts = heat_.options().dtype(at::kFloat);
  if (batch == 0 || k2 == 0) {
    return {at::empty({batch, k2}, heat_.options()), at::empty({batch, k2}, long_opts),
            at::empty({batch, k2}, long_opts), at::empty({batch, k2}, float_opts), at::empty({batch, k2}, float_opts)};
  }

  const at::Tensor peaks = heatmap_peaks_cuda(heat_, kernel).view({batch, classes, height * width});
  // Stable descending sorts: equal scores keep the lower flat index first.
  auto per_class = at::sort(peaks, /*stable=*/true, /*dim=*/-1, /*descending=*/true);
  const at::Tensor cls_scores = std::get<0>(per_class).narrow(-1, 0, k1).reshape({batch, classes * k1});
  const at::Tensor cls_inds = std::get<1>(per_class).narrow(-1, 0, k1).reshape({batch, classes * k1});
  // Candidates are ordered by class, then by rank within the class, so a
  // stable sort breaks ties by lower class, then lower flat index.
  auto across = at::sort(cls_scores, /*stable=*/true, /*dim=*/-1, /*descending=*/true);
  const at::Tensor scores = std::get<0>(across).narrow(-1, 0, k2).contiguous();
  const at::Tensor order = std::get<1>(across).narrow(-1, 0, k2).contiguous();
  const at::Tensor cls = at::div(order, k1, "floor");
  const at::Tensor inds = at::gather(cls_inds, 1, order);
  const at::Tensor ys = at::div(inds, width, "floor").to(at::kFloat);
  const at::Tensor xs = at::remainder(inds, width).to(at::kFloat);
  return {scores, inds, cls, ys, xs};
}

namespace {

TopkResult heatmap_topk_cuda_op(const at::Tensor& heat, int64_t k, int64_t kernel) {
  return heatmap_topk_cuda(heat, k, kernel);
}

}  // namespace

}  // namespace ops
}  // namespace fairmot

TORCH_LIBRARY_IMPL(fairmot, CUDA, m) {
  m.impl("heatmap_topk", TORCH_FN(fairmot::ops::heatmap_topk_cuda_op));
}
