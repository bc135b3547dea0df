// CUDA heatmap decoding: max-pool peak extraction and deterministic top-k
// (see heatmap_decode.h for the contract). float32/float16/bfloat16: one
// kernel turns every cell into a (peak score, index) key, torch.topk picks
// the top keys, one kernel decodes them. float64: peaks + two stable sorts.
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

// Whether cell idx of a (.., height, width) map, of value v, is the maximum
// of its kernel x kernel window (out-of-image cells ignored). Positive form,
// as the CPU kernel: a NaN cell (or a NaN neighbour) is no peak.
template <typename scalar_t, typename acc_t>
__device__ __forceinline__ bool is_window_max(const scalar_t* __restrict__ heat, int64_t idx, int64_t height,
                                              int64_t width, int64_t radius, acc_t v) {
  const int64_t x = idx % width;
  const int64_t y = (idx / width) % height;
  const scalar_t* plane = heat + (idx - y * width - x);
  const int64_t y0 = y > radius ? y - radius : 0;
  const int64_t y1 = y + radius < height ? y + radius : height - 1;
  const int64_t x0 = x > radius ? x - radius : 0;
  const int64_t x1 = x + radius < width ? x + radius : width - 1;
  for (int64_t yy = y0; yy <= y1; ++yy) {
    for (int64_t xx = x0; xx <= x1; ++xx) {
      if (!(v >= static_cast<acc_t>(plane[yy * width + xx]))) return false;
    }
  }
  return true;
}

// One thread per cell: keep the value when it is the maximum of its
// kernel x kernel neighbourhood, else 0.
template <typename scalar_t>
__global__ void heatmap_peaks_kernel(const scalar_t* __restrict__ heat, int64_t total, int64_t height, int64_t width,
                                     int64_t radius, scalar_t* __restrict__ out) {
  using acc_t = at::opmath_type<scalar_t>;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const acc_t v = static_cast<acc_t>(heat[idx]);
    const bool is_peak = is_window_max(heat, idx, height, width, radius, v);
    out[idx] = (is_peak && v != acc_t(0)) ? heat[idx] : scalar_t(0);  // +0.0 for every zero, as on the CPU
  }
}

// Order-preserving 64-bit key of (masked score, flat index c * H * W + i
// within one image): a larger key is a higher score, then a lower class, then
// a lower index -- the order of the CPU operator. Scores are float32 values
// (exact for float16/bfloat16/float32 heatmaps); -0.0 is folded into +0.0.
// The keys of one image are distinct, so torch.topk on them is exact and
// deterministic whatever its tie handling.
__device__ __forceinline__ int64_t topk_key(float v, uint32_t flat) {
  const uint32_t u = __float_as_uint(v == 0.0f ? 0.0f : v);
  const uint32_t ordered = (u & 0x80000000u) ? ~u : (u | 0x80000000u);  // monotonic in v
  const uint64_t key = (static_cast<uint64_t>(ordered) << 32) | static_cast<uint64_t>(0xFFFFFFFFu - flat);
  return static_cast<int64_t>(key ^ 0x8000000000000000ull);  // unsigned order -> signed order
}

__device__ __forceinline__ float topk_key_score(int64_t key) {
  const uint32_t ordered = static_cast<uint32_t>((static_cast<uint64_t>(key) ^ 0x8000000000000000ull) >> 32);
  return __uint_as_float((ordered & 0x80000000u) ? (ordered ^ 0x80000000u) : ~ordered);
}

__device__ __forceinline__ int64_t topk_key_flat(int64_t key) {
  return static_cast<int64_t>(0xFFFFFFFFu - static_cast<uint32_t>(static_cast<uint64_t>(key) & 0xFFFFFFFFull));
}

// One thread per cell: the same peak test (is_window_max), written
// straight into the cell's key (no masked map is materialised).
template <typename scalar_t>
__global__ void heatmap_peak_keys_kernel(const scalar_t* __restrict__ heat, int64_t total, int64_t image_cells,
                                         int64_t height, int64_t width, int64_t radius, int64_t* __restrict__ keys) {
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const float v = static_cast<float>(heat[idx]);
    const bool is_peak = is_window_max(heat, idx, height, width, radius, v);
    keys[idx] = topk_key(is_peak ? v : 0.0f, static_cast<uint32_t>(idx % image_cells));
  }
}

// Top keys -> scores, flat indices, classes, ys, xs (one thread per output).
template <typename scalar_t>
__global__ void decode_topk_keys_kernel(const int64_t* __restrict__ keys, int64_t total, int64_t plane_cells,
                                        int64_t width, scalar_t* __restrict__ scores, int64_t* __restrict__ inds,
                                        int64_t* __restrict__ classes, float* __restrict__ ys,
                                        float* __restrict__ xs) {
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < total;
       o += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t key = keys[o];
    const int64_t flat = topk_key_flat(key);
    const int64_t ind = flat % plane_cells;
    scores[o] = static_cast<scalar_t>(topk_key_score(key));
    inds[o] = ind;
    classes[o] = flat / plane_cells;
    ys[o] = static_cast<float>(ind / width);
    xs[o] = static_cast<float>(ind % width);
  }
}

// The shared checks (heatmap_decode.h), then the device.
void check_on_cuda(const at::Tensor& heat) {
  TORCH_CHECK_VALUE(heat.is_cuda(), "heatmap_topk (CUDA): heat must be a CUDA tensor, got one on ", heat.device());
}

}  // namespace

at::Tensor heatmap_peaks_cuda(const at::Tensor& heat_, int64_t kernel) {
  check_heatmap_args(heat_, kernel);
  check_on_cuda(heat_);
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
  check_heatmap_topk_args(heat_, k, kernel);
  check_on_cuda(heat_);
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

  if (heat_.scalar_type() != at::kDouble && classes * height * width <= int64_t(0xFFFFFFFF)) {
    // One kernel computes every cell's (peak score, index) key, torch.topk
    // selects the k2 largest keys of each image (radix select, no full sort),
    // one small kernel decodes them.
    const at::Tensor heat = heat_.contiguous();
    const int64_t image_cells = classes * height * width;
    const int64_t total = batch * image_cells;
    at::Tensor keys = at::empty({batch, image_cells}, long_opts);
    cudaStream_t stream = at::cuda::getCurrentCUDAStream();
    const int64_t blocks = std::min<int64_t>((total + kThreads - 1) / kThreads, kMaxBlocks);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, heat.scalar_type(), "heatmap_peak_keys_cuda", [&] {
      heatmap_peak_keys_kernel<scalar_t><<<static_cast<unsigned int>(blocks), kThreads, 0, stream>>>(
          heat.const_data_ptr<scalar_t>(), total, image_cells, height, width, (kernel - 1) / 2,
          keys.mutable_data_ptr<int64_t>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
    const at::Tensor top = std::get<0>(at::topk(keys, k2, /*dim=*/1, /*largest=*/true, /*sorted=*/true)).contiguous();
    at::Tensor scores = at::empty({batch, k2}, heat.options());
    at::Tensor inds = at::empty({batch, k2}, long_opts);
    at::Tensor cls = at::empty({batch, k2}, long_opts);
    at::Tensor ys = at::empty({batch, k2}, float_opts);
    at::Tensor xs = at::empty({batch, k2}, float_opts);
    const int64_t n_out = batch * k2;
    const int64_t out_blocks = std::min<int64_t>((n_out + kThreads - 1) / kThreads, kMaxBlocks);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, heat.scalar_type(), "decode_topk_keys_cuda", [&] {
      decode_topk_keys_kernel<scalar_t><<<static_cast<unsigned int>(out_blocks), kThreads, 0, stream>>>(
          top.const_data_ptr<int64_t>(), n_out, height * width, width, scores.mutable_data_ptr<scalar_t>(),
          inds.mutable_data_ptr<int64_t>(), cls.mutable_data_ptr<int64_t>(), ys.mutable_data_ptr<float>(),
          xs.mutable_data_ptr<float>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
    return {scores, inds, cls, ys, xs};
  }

  // float64 heatmaps (and more than 2^32 cells per image): peaks, then two
  // stable sorts.
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
