// CUDA kernels of the modulated deformable convolution (DCNv2), with the
// semantics of torchvision.ops.deform_conv2d (see deform_conv2d.h).
//
// Forward, per chunk of images: a deformable im2col writes the sampled input
// into a column buffer (C_in * KH * KW, n * H_out * W_out), then one batched
// GEMM per weight group (cuBLAS) gives the output.
// Backward, per chunk: grad columns = W^T * grad_out (GEMM); a col2im kernel
// scatters them into grad_input (atomics), a coordinate kernel gives
// grad_offset and grad_mask; the columns are recomputed for grad_weight.
#include "deform_conv2d/deform_conv2d.h"
#include "deform_conv2d/deform_conv2d_geometry.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/cuda/Atomic.cuh>
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
// Upper bound of the column buffer of one chunk of images.
constexpr int64_t kMaxColumnBytes = int64_t(256) << 20;

inline unsigned int grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(std::max<int64_t>(1, std::min<int64_t>(blocks, kMaxBlocks)));
}

// The call's geometry (deform_conv2d_geometry.h) and the images of the current chunk.
struct Geometry : DeformConvGeometry {
  int64_t n_imgs;
};

// Bilinear sample with zero padding; 0 when (y, x) is at least one pixel
// outside the image or not a number.
template <typename scalar_t, typename acc_t>
__device__ __forceinline__ acc_t bilinear(const scalar_t* plane, int64_t height, int64_t width, acc_t y, acc_t x) {
  if (!sample_inside(y, x, height, width)) {
    return acc_t(0);
  }
  const acc_t yf = floor(y);
  const acc_t xf = floor(x);
  const Corners<acc_t> c = read_corners<acc_t>(plane, height, width, static_cast<int64_t>(yf), static_cast<int64_t>(xf));
  return blend(c, y - yf, x - xf);
}

// Columns (C_in * KH * KW, n * H_out * W_out): row c * KH * KW + i * KW + j,
// column b * H_out * W_out + oy * W_out + ox. One thread per
// (c, b, oy, ox), looping over the taps.
template <typename scalar_t>
__global__ void deformable_im2col_kernel(const scalar_t* __restrict__ input, const scalar_t* __restrict__ offset,
                                         const scalar_t* __restrict__ mask, bool use_mask, Geometry g,
                                         scalar_t* __restrict__ columns) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t spatial = g.h_out * g.w_out;
  const int64_t n_cols = g.n_imgs * spatial;
  const int64_t total = g.c_in * n_cols;
  const int64_t taps = g.kh * g.kw;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t ox = idx % g.w_out;
    const int64_t oy = (idx / g.w_out) % g.h_out;
    const int64_t b = (idx / spatial) % g.n_imgs;
    const int64_t c = idx / n_cols;
    const int64_t grp = c / g.channels_per_offset_group();
    const scalar_t* plane = input + (b * g.c_in + c) * g.h * g.w;
    const scalar_t* off = offset + (b * g.offset_groups + grp) * 2 * taps * spatial + oy * g.w_out + ox;
    const scalar_t* msk = use_mask ? mask + (b * g.offset_groups + grp) * taps * spatial + oy * g.w_out + ox : nullptr;
    scalar_t* col = columns + c * taps * n_cols + b * spatial + oy * g.w_out + ox;
    const acc_t y0 = static_cast<acc_t>(oy * g.stride_h - g.pad_h);
    const acc_t x0 = static_cast<acc_t>(ox * g.stride_w - g.pad_w);
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t k = i * g.kw + j;
        const acc_t y = y0 + static_cast<acc_t>(i * g.dil_h) + static_cast<acc_t>(off[(2 * k) * spatial]);
        const acc_t x = x0 + static_cast<acc_t>(j * g.dil_w) + static_cast<acc_t>(off[(2 * k + 1) * spatial]);
        acc_t v = bilinear<scalar_t, acc_t>(plane, g.h, g.w, y, x);
        if (use_mask) {
          v *= static_cast<acc_t>(msk[k * spatial]);
        }
        col[k * n_cols] = static_cast<scalar_t>(v);
      }
    }
  }
}

// Scatters grad columns into grad_input (layout (n, C_in, H, W), type
// grad_t) with the bilinear weights. One thread per column entry.
template <typename scalar_t, typename grad_t>
__global__ void deformable_col2im_kernel(const scalar_t* __restrict__ grad_col, const scalar_t* __restrict__ offset,
                                         const scalar_t* __restrict__ mask, bool use_mask, Geometry g,
                                         grad_t* __restrict__ grad_input) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t spatial = g.h_out * g.w_out;
  const int64_t n_cols = g.n_imgs * spatial;
  const int64_t taps = g.kh * g.kw;
  const int64_t total = g.c_in * taps * n_cols;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t ox = idx % g.w_out;
    const int64_t oy = (idx / g.w_out) % g.h_out;
    const int64_t b = (idx / spatial) % g.n_imgs;
    const int64_t row = idx / n_cols;  // c * taps + k
    const int64_t k = row % taps;
    const int64_t c = row / taps;
    const int64_t i = k / g.kw;
    const int64_t j = k % g.kw;
    const int64_t grp = c / g.channels_per_offset_group();
    const int64_t pix = oy * g.w_out + ox;
    const scalar_t* off = offset + (b * g.offset_groups + grp) * 2 * taps * spatial + pix;
    const acc_t y = static_cast<acc_t>(g.base_y(oy, i)) + static_cast<acc_t>(off[(2 * k) * spatial]);
    const acc_t x = static_cast<acc_t>(g.base_x(ox, j)) + static_cast<acc_t>(off[(2 * k + 1) * spatial]);
    if (!sample_inside(y, x, g.h, g.w)) {
      continue;
    }
    acc_t gval = static_cast<acc_t>(grad_col[idx]);
    if (use_mask) {
      gval *= static_cast<acc_t>(mask[(b * g.offset_groups + grp) * taps * spatial + k * spatial + pix]);
    }
    const acc_t yf = floor(y);
    const acc_t xf = floor(x);
    const int64_t yl = static_cast<int64_t>(yf);
    const int64_t xl = static_cast<int64_t>(xf);
    const acc_t ly = y - yf;
    const acc_t lx = x - xf;
    grad_t* plane = grad_input + (b * g.c_in + c) * g.h * g.w;
    for (int64_t dy = 0; dy < 2; ++dy) {
      const int64_t yp = yl + dy;
      if (yp < 0 || yp >= g.h) {
        continue;
      }
      const acc_t wy = dy ? ly : acc_t(1) - ly;
      for (int64_t dx = 0; dx < 2; ++dx) {
        const int64_t xp = xl + dx;
        if (xp < 0 || xp >= g.w) {
          continue;
        }
        const acc_t wx = dx ? lx : acc_t(1) - lx;
        gpuAtomicAdd(plane + yp * g.w + xp, static_cast<grad_t>(wy * wx * gval));
      }
    }
  }
}

// grad_offset (n, 2 * og * KH * KW, H_out, W_out) and grad_mask
// (n, og * KH * KW, H_out, W_out). One thread per grad_offset element; the
// vertical-direction thread also writes grad_mask.
template <typename scalar_t>
__global__ void deformable_col2im_coord_kernel(const scalar_t* __restrict__ grad_col,
                                               const scalar_t* __restrict__ input,
                                               const scalar_t* __restrict__ offset,
                                               const scalar_t* __restrict__ mask, bool use_mask, Geometry g,
                                               scalar_t* __restrict__ grad_offset, scalar_t* __restrict__ grad_mask) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t spatial = g.h_out * g.w_out;
  const int64_t n_cols = g.n_imgs * spatial;
  const int64_t taps = g.kh * g.kw;
  const int64_t off_channels = 2 * g.offset_groups * taps;
  const int64_t total = g.n_imgs * off_channels * spatial;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t pix = idx % spatial;
    const int64_t ox = pix % g.w_out;
    const int64_t oy = pix / g.w_out;
    const int64_t oc = (idx / spatial) % off_channels;
    const int64_t b = idx / (spatial * off_channels);
    const int64_t grp = oc / (2 * taps);
    const int64_t k = (oc % (2 * taps)) / 2;
    const bool is_y = (oc % 2) == 0;
    const int64_t i = k / g.kw;
    const int64_t j = k % g.kw;

    const scalar_t* off = offset + (b * g.offset_groups + grp) * 2 * taps * spatial + pix;
    const acc_t y = static_cast<acc_t>(g.base_y(oy, i)) + static_cast<acc_t>(off[(2 * k) * spatial]);
    const acc_t x = static_cast<acc_t>(g.base_x(ox, j)) + static_cast<acc_t>(off[(2 * k + 1) * spatial]);
    const int64_t mask_idx = (b * g.offset_groups + grp) * taps * spatial + k * spatial + pix;
    const acc_t m = use_mask ? static_cast<acc_t>(mask[mask_idx]) : acc_t(1);
    if (isnan(y) || isnan(x)) {  // as on the CPU: a NaN sample gets no gradient
      grad_offset[idx] = scalar_t(0);
      if (use_mask && is_y) {
        grad_mask[mask_idx] = scalar_t(0);
      }
      continue;
    }

    const acc_t yf = floor(y);
    const acc_t xf = floor(x);
    const int64_t yl = clamped_floor(yf, g.h);
    const int64_t xl = clamped_floor(xf, g.w);
    const acc_t fy = y - yf;
    const acc_t fx = x - xf;

    acc_t grad_off = 0;
    acc_t grad_m = 0;
    const int64_t c_begin = grp * g.channels_per_offset_group();
    const int64_t c_end = c_begin + g.channels_per_offset_group();
    for (int64_t c = c_begin; c < c_end; ++c) {
      const scalar_t* plane = input + (b * g.c_in + c) * g.h * g.w;
      const acc_t gc = static_cast<acc_t>(grad_col[(c * taps + k) * n_cols + b * spatial + pix]);
      const Corners<acc_t> cr = read_corners<acc_t>(plane, g.h, g.w, yl, xl);
      const acc_t dv = is_y ? blend_dy(cr, fx) : blend_dx(cr, fy);
      grad_off += m * dv * gc;
      if (use_mask && is_y) {
        grad_m += gc * bilinear<scalar_t, acc_t>(plane, g.h, g.w, y, x);
      }
    }
    grad_offset[idx] = static_cast<scalar_t>(grad_off);
    if (use_mask && is_y) {
      grad_mask[mask_idx] = static_cast<scalar_t>(grad_m);
    }
  }
}

// Images per chunk so that the column buffer stays below kMaxColumnBytes.
int64_t chunk_images(const Geometry& g, int64_t batch, int64_t elem_size) {
  const int64_t per_image = std::max<int64_t>(1, g.c_in * g.kh * g.kw * g.h_out * g.w_out * elem_size);
  return std::max<int64_t>(1, std::min<int64_t>(batch, kMaxColumnBytes / per_image));
}

void launch_im2col(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask, bool use_mask,
                   const Geometry& g, at::Tensor& columns) {
  const int64_t total = g.c_in * g.n_imgs * g.h_out * g.w_out;
  if (total == 0) {
    return;
  }
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "deform_conv2d_im2col_cuda", [&] {
    deformable_im2col_kernel<scalar_t><<<grid_for(total), kThreads, 0, stream>>>(
        input.const_data_ptr<scalar_t>(), offset.const_data_ptr<scalar_t>(),
        use_mask ? mask.const_data_ptr<scalar_t>() : nullptr, use_mask, g, columns.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void check_cuda_inputs(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                       const at::Tensor& mask, const at::Tensor& bias, bool use_mask) {
  TORCH_CHECK(input.is_cuda(), "deform_conv2d (CUDA): input must be a CUDA tensor");
  const auto dev = input.device();
  const auto same = [&](const at::Tensor& t, const char* name) {
    TORCH_CHECK(t.device() == dev, "deform_conv2d (CUDA): ", name, " is on ", t.device(), " but input is on ",
                dev);
    TORCH_CHECK(t.scalar_type() == input.scalar_type(), "deform_conv2d (CUDA): ", name, " has dtype ",
                t.scalar_type(), " but input has dtype ", input.scalar_type());
  };
  same(weight, "weight");
  same(offset, "offset");
  if (use_mask) {
    same(mask, "mask");
  }
  if (bias.defined() && bias.numel() > 0) {
    same(bias, "bias");
  }
}

}  // namespace

at::Tensor deform_conv2d_forward_cuda(const at::Tensor& input_, const at::Tensor& weight_, const at::Tensor& offset_,
                                      const at::Tensor& mask_, const at::Tensor& bias_, const DeformConvParams& p) {
  check_cuda_inputs(input_, weight_, offset_, mask_, bias_, p.use_mask);
  at::cuda::CUDAGuard guard(input_.device());
  const at::Tensor input = input_.contiguous();
  const at::Tensor weight = weight_.contiguous();
  const at::Tensor offset = offset_.contiguous();
  const at::Tensor mask = p.use_mask ? mask_.contiguous() : at::Tensor();

  Geometry g{make_geometry(input, weight, p), 0};
  const int64_t batch = input.size(0);
  const int64_t c_out = weight.size(0);
  const int64_t groups = p.groups;
  const int64_t c_out_g = c_out / groups;
  const int64_t k_g = (g.c_in / groups) * g.kh * g.kw;
  TORCH_CHECK(g.h_out > 0 && g.w_out > 0, "deform_conv2d (CUDA): computed output size is not positive (",
              g.h_out, " x ", g.w_out, ")");

  at::Tensor out = at::zeros({batch, c_out, g.h_out, g.w_out}, input.options());
  if (batch == 0 || c_out == 0) {
    return out;
  }
  if (g.c_in > 0) {
    const int64_t spatial = g.h_out * g.w_out;
    const int64_t chunk = chunk_images(g, batch, input.element_size());
    const at::Tensor w3 = weight.view({groups, c_out_g, k_g});
    at::Tensor columns_buf = at::empty({g.c_in * g.kh * g.kw * chunk * spatial}, input.options());
    for (int64_t b0 = 0; b0 < batch; b0 += chunk) {
      const int64_t n = std::min(chunk, batch - b0);
      g.n_imgs = n;
      at::Tensor columns = columns_buf.narrow(0, 0, g.c_in * g.kh * g.kw * n * spatial);
      launch_im2col(input.narrow(0, b0, n), offset.narrow(0, b0, n),
                    p.use_mask ? mask.narrow(0, b0, n) : mask, p.use_mask, g, columns);
      // (groups, C_out/groups, n * spatial) -> (n, C_out, H_out, W_out)
      at::Tensor res = at::bmm(w3, columns.view({groups, k_g, n * spatial}));
      out.narrow(0, b0, n).copy_(res.view({c_out, n, g.h_out, g.w_out}).transpose(0, 1));
    }
  }
  if (bias_.defined() && bias_.numel() > 0) {
    out.add_(bias_.view({1, c_out, 1, 1}));
  }
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_cuda(
    const at::Tensor& grad_out_, const at::Tensor& input_, const at::Tensor& weight_, const at::Tensor& offset_,
    const at::Tensor& mask_, const at::Tensor& bias_, const DeformConvParams& p) {
  // grad_input is accumulated with atomicAdd (deformable_col2im_kernel): the order of the
  // additions, hence the last bits, vary from run to run. Under
  // torch.use_deterministic_algorithms(True) this raises (warns with warn_only=True), as
  // torch's own non-deterministic CUDA backward passes do.
  at::globalContext().alertNotDeterministic("deform_conv2d_backward_cuda");
  check_cuda_inputs(input_, weight_, offset_, mask_, bias_, p.use_mask);
  TORCH_CHECK(grad_out_.device() == input_.device(), "deform_conv2d backward (CUDA): grad is on ",
              grad_out_.device(), " but input is on ", input_.device());
  at::cuda::CUDAGuard guard(input_.device());
  const at::Tensor input = input_.contiguous();
  const at::Tensor weight = weight_.contiguous();
  const at::Tensor offset = offset_.contiguous();
  const at::Tensor mask = p.use_mask ? mask_.contiguous() : at::Tensor();
  const at::Tensor grad_out = grad_out_.to(input.scalar_type()).contiguous();

  Geometry g{make_geometry(input, weight, p), 0};
  const int64_t batch = input.size(0);
  const int64_t c_out = weight.size(0);
  const int64_t groups = p.groups;
  const int64_t c_out_g = c_out / groups;
  const int64_t k_g = (g.c_in / groups) * g.kh * g.kw;
  const int64_t spatial = g.h_out * g.w_out;
  TORCH_CHECK(grad_out.dim() == 4 && grad_out.size(0) == batch && grad_out.size(1) == c_out &&
                  grad_out.size(2) == g.h_out && grad_out.size(3) == g.w_out,
              "deform_conv2d backward (CUDA): grad has shape ", grad_out.sizes(), ", expected [", batch, ", ",
              c_out, ", ", g.h_out, ", ", g.w_out, "]");

  const auto acc_type = at::toOpMathType(input.scalar_type());
  const bool reduced = acc_type != input.scalar_type();
  // Reduced-precision gradients of input and weight accumulate in float.
  at::Tensor grad_input_acc = at::zeros(input.sizes(), input.options().dtype(acc_type));
  at::Tensor grad_weight_acc = at::zeros(weight.sizes(), weight.options().dtype(acc_type));
  at::Tensor grad_offset = at::zeros_like(offset);
  at::Tensor grad_mask = p.use_mask ? at::zeros_like(mask) : at::zeros_like(mask_);

  if (batch > 0 && g.c_in > 0 && c_out > 0 && spatial > 0) {
    const int64_t chunk = chunk_images(g, batch, input.element_size());
    const int64_t rows = g.c_in * g.kh * g.kw;
    at::Tensor columns_buf = at::empty({rows * chunk * spatial}, input.options());
    const at::Tensor w3t = weight.view({groups, c_out_g, k_g}).transpose(1, 2);
    at::Tensor gw3 = grad_weight_acc.view({groups, c_out_g, k_g});
    cudaStream_t stream = at::cuda::getCurrentCUDAStream();
    for (int64_t b0 = 0; b0 < batch; b0 += chunk) {
      const int64_t n = std::min(chunk, batch - b0);
      const int64_t n_cols = n * spatial;
      g.n_imgs = n;
      const at::Tensor in_c = input.narrow(0, b0, n);
      const at::Tensor off_c = offset.narrow(0, b0, n);
      const at::Tensor mask_c = p.use_mask ? mask.narrow(0, b0, n) : mask;
      // grad_out chunk as (groups, C_out/groups, n * spatial)
      const at::Tensor go = grad_out.narrow(0, b0, n).transpose(0, 1).contiguous().view({groups, c_out_g, n_cols});

      // Grad columns (groups, k_g, n_cols) = (C_in * KH * KW, n_cols).
      const at::Tensor grad_col = at::bmm(w3t, go).contiguous();

      const int64_t col_total = rows * n_cols;
      const int64_t coord_total = n * 2 * g.offset_groups * g.kh * g.kw * spatial;
      at::Tensor gi_c = grad_input_acc.narrow(0, b0, n);
      at::Tensor goff_c = grad_offset.narrow(0, b0, n);
      at::Tensor gmask_c = p.use_mask ? grad_mask.narrow(0, b0, n) : grad_mask;
      AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "deform_conv2d_bwd_cuda", [&] {
        using acc_t = at::opmath_type<scalar_t>;
        const scalar_t* mask_ptr = p.use_mask ? mask_c.const_data_ptr<scalar_t>() : nullptr;
        if (col_total > 0) {
          deformable_col2im_kernel<scalar_t, acc_t><<<grid_for(col_total), kThreads, 0, stream>>>(
              grad_col.const_data_ptr<scalar_t>(), off_c.const_data_ptr<scalar_t>(), mask_ptr, p.use_mask, g,
              gi_c.mutable_data_ptr<acc_t>());
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        }
        if (coord_total > 0) {
          deformable_col2im_coord_kernel<scalar_t><<<grid_for(coord_total), kThreads, 0, stream>>>(
              grad_col.const_data_ptr<scalar_t>(), in_c.const_data_ptr<scalar_t>(), off_c.const_data_ptr<scalar_t>(),
              mask_ptr, p.use_mask, g, goff_c.mutable_data_ptr<scalar_t>(),
              p.use_mask ? gmask_c.mutable_data_ptr<scalar_t>() : nullptr);
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        }
      });

      // grad_weight += grad_out * columns^T per group.
      at::Tensor columns = columns_buf.narrow(0, 0, rows * n_cols);
      launch_im2col(in_c, off_c, mask_c, p.use_mask, g, columns);
      const at::Tensor gw = at::bmm(go, columns.view({groups, k_g, n_cols}).transpose(1, 2));
      if (reduced) {
        gw3.add_(gw.to(acc_type));
      } else {
        gw3.add_(gw);
      }
    }
  }

  at::Tensor grad_input = reduced ? grad_input_acc.to(input.scalar_type()) : grad_input_acc;
  at::Tensor grad_weight = reduced ? grad_weight_acc.to(weight.scalar_type()) : grad_weight_acc;
  at::Tensor grad_bias;
  if (bias_.defined() && bias_.numel() > 0) {
    grad_bias = grad_out.sum({0, 2, 3}, /*keepdim=*/false, acc_type).to(bias_.scalar_type());
  } else {
    grad_bias = bias_.defined() ? at::zeros_like(bias_) : at::zeros({c_out}, input.options());
  }
  return {grad_input, grad_weight, grad_offset, grad_mask, grad_bias};
}

namespace {

at::Tensor deform_conv2d_cuda_op(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                                 const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w,
                                 int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                                 int64_t offset_groups, bool use_mask) {
  const DeformConvParams p =
      make_params(stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
  check_deform_conv2d_args(input, weight, offset, mask, bias, p);
  return deform_conv2d_forward_cuda(input, weight, offset, mask, bias, p);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_cuda_op(
    const at::Tensor& grad, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w,
    int64_t dilation_h, int64_t dilation_w, int64_t groups, int64_t offset_groups, bool use_mask) {
  const DeformConvParams p =
      make_params(stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
  check_deform_conv2d_args(input, weight, offset, mask, bias, p);
  return deform_conv2d_backward_cuda(grad, input, weight, offset, mask, bias, p);
}

}  // namespace

}  // namespace ops
}  // namespace fairmot

TORCH_LIBRARY_IMPL(fairmot, CUDA, m) {
  m.impl("deform_conv2d", TORCH_FN(fairmot::ops::deform_conv2d_cuda_op));
  m.impl("_deform_conv2d_backward", TORCH_FN(fairmot::ops::deform_conv2d_backward_cuda_op));
}
