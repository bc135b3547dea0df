// Modulated deformable convolution on the CPU (float32 / float64).
//
// Forward: per image and per band of output rows, a deformable im2col fills a
// column buffer (C_in * KH * KW, pixels of the band), then one batched GEMM
// per weight group gives the output. The band height is chosen so that the
// column buffer stays under kColumnBudgetBytes, instead of one buffer for the
// whole image (about 95 MB for 64 channels at 152 x 272). The sampling
// geometry (corner, fractions, mask) of each (offset group, tap, pixel) is
// computed once and shared by all channels of the offset group.
//
// Backward: columns are recomputed per band for grad_weight; grad columns
// W^T * grad_out are scattered into grad_input with the bilinear weights
// (parallel over channels, so without races) and reduced into grad_offset
// and grad_mask (parallel over offset group and tap).
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>

#include "deform_conv2d/deform_conv2d.h"

namespace fairmot {
namespace ops {
namespace {

constexpr int64_t kColumnBudgetBytes = int64_t{16} << 20;

// Sampling point of one (offset group, tap, output pixel).
template <typename T>
struct Sample {
  int32_t y0, x0;  // floor of the sampling point (clamped far outside the image)
  T fy, fx;        // fractional parts
  T m;             // modulation (1 without a mask)
  bool inside;     // -1 < y < H and -1 < x < W: the forward sample may be non-zero
  // Forward gather, branch-free: value = sum_q w[q] * plane[idx[q]] over the four
  // neighbours (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1); the mask is folded
  // into w, and neighbours outside the image have w = 0 and idx = 0.
  int32_t idx[4];
  T w[4];
};

struct Shape {
  int64_t c_in, h, w, c_out, kh, kw, h_out, w_out, groups, offset_groups;
  bool use_mask;
  int64_t taps() const { return kh * kw; }
  int64_t channels_per_offset_group() const { return c_in / offset_groups; }
};

Shape shape_of(const at::Tensor& input, const at::Tensor& weight, const DeformConvParams& p) {
  Shape s;
  s.c_in = input.size(1);
  s.h = input.size(2);
  s.w = input.size(3);
  s.c_out = weight.size(0);
  s.kh = weight.size(2);
  s.kw = weight.size(3);
  s.h_out = deform_conv_out_size(s.h, p.pad_h, p.dilation_h, s.kh, p.stride_h);
  s.w_out = deform_conv_out_size(s.w, p.pad_w, p.dilation_w, s.kw, p.stride_w);
  s.groups = p.groups;
  s.offset_groups = p.offset_groups;
  s.use_mask = p.use_mask;
  return s;
}

// Output rows per band so that the column buffer fits the budget.
int64_t band_rows(const Shape& s, int64_t elem_size) {
  const int64_t per_row = s.c_in * s.taps() * s.w_out * elem_size;
  return std::max<int64_t>(1, std::min<int64_t>(s.h_out, kColumnBudgetBytes / std::max<int64_t>(per_row, 1)));
}

// Geometry of rows [r0, r0 + rows) of image `b`: samples[(g * taps + k) * P + p].
template <typename T>
void compute_samples(const Shape& s, const DeformConvParams& p, const T* offset, const T* mask, int64_t r0,
                     int64_t rows, std::vector<Sample<T>>& samples) {
  const int64_t taps = s.taps(), P = rows * s.w_out, plane = s.h_out * s.w_out;
  samples.resize(static_cast<size_t>(s.offset_groups * taps * P));
  at::parallel_for(0, s.offset_groups * taps, 1, [&](int64_t begin, int64_t end) {
    for (int64_t gk = begin; gk < end; ++gk) {
      const int64_t g = gk / taps, k = gk % taps, i = k / s.kw, j = k % s.kw;
      const T* dy_plane = offset + (g * 2 * taps + 2 * k) * plane;
      const T* dx_plane = dy_plane + plane;
      const T* m_plane = s.use_mask ? mask + (g * taps + k) * plane : nullptr;
      Sample<T>* out = samples.data() + gk * P;
      for (int64_t q = 0; q < P; ++q) {
        const int64_t ho = r0 + q / s.w_out, wo = q % s.w_out, at_ = ho * s.w_out + wo;
        const T y = static_cast<T>(ho * p.stride_h - p.pad_h + i * p.dilation_h) + dy_plane[at_];
        const T x = static_cast<T>(wo * p.stride_w - p.pad_w + j * p.dilation_w) + dx_plane[at_];
        Sample<T>& smp = out[q];
        smp.m = m_plane ? m_plane[at_] : T(1);
        if (std::isnan(y) || std::isnan(x)) {
          smp.y0 = smp.x0 = -2;
          smp.fy = smp.fx = T(0);
          smp.inside = false;
          for (int q = 0; q < 4; ++q) {
            smp.idx[q] = 0;
            smp.w[q] = T(0);
          }
          continue;
        }
        smp.inside = !(y <= -1 || y >= s.h || x <= -1 || x >= s.w);
        const T yf = std::floor(y), xf = std::floor(x);
        smp.fy = y - yf;
        smp.fx = x - xf;
        smp.y0 = static_cast<int32_t>(std::min<T>(std::max<T>(yf, T(-2)), static_cast<T>(s.h)));
        smp.x0 = static_cast<int32_t>(std::min<T>(std::max<T>(xf, T(-2)), static_cast<T>(s.w)));
        const T hy = 1 - smp.fy, hx = 1 - smp.fx;
        const T wq[4] = {hy * hx, hy * smp.fx, smp.fy * hx, smp.fy * smp.fx};
        for (int q = 0; q < 4; ++q) {
          const int64_t yy = smp.y0 + (q >> 1), xx = smp.x0 + (q & 1);
          const bool ok = smp.inside && yy >= 0 && yy < s.h && xx >= 0 && xx < s.w;
          smp.idx[q] = ok ? static_cast<int32_t>(yy * s.w + xx) : 0;
          smp.w[q] = ok ? smp.m * wq[q] : T(0);
        }
      }
    }
  });
}

// The four neighbours of a sample in one channel plane (0 outside the image).
template <typename T>
struct Corners {
  T v00, v01, v10, v11;  // (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1)
};

template <typename T>
inline Corners<T> corners(const T* im, int64_t h, int64_t w, const Sample<T>& smp) {
  const bool y0_ok = smp.y0 >= 0 && smp.y0 < h, y1_ok = smp.y0 + 1 >= 0 && smp.y0 + 1 < h;
  const bool x0_ok = smp.x0 >= 0 && smp.x0 < w, x1_ok = smp.x0 + 1 >= 0 && smp.x0 + 1 < w;
  const T* r0 = im + static_cast<int64_t>(smp.y0) * w;
  const T* r1 = r0 + w;
  Corners<T> c;
  c.v00 = y0_ok && x0_ok ? r0[smp.x0] : T(0);
  c.v01 = y0_ok && x1_ok ? r0[smp.x0 + 1] : T(0);
  c.v10 = y1_ok && x0_ok ? r1[smp.x0] : T(0);
  c.v11 = y1_ok && x1_ok ? r1[smp.x0 + 1] : T(0);
  return c;
}

template <typename T>
inline T bilinear(const Corners<T>& c, const Sample<T>& smp) {
  const T hy = 1 - smp.fy, hx = 1 - smp.fx;
  return hy * hx * c.v00 + hy * smp.fx * c.v01 + smp.fy * hx * c.v10 + smp.fy * smp.fx * c.v11;
}

// columns[(c * taps + k) * P + q] = mask * bilinear sample of channel c.
// Channels are processed in blocks of kChannelBlock that share an offset group,
// so each sample's geometry is read once per block rather than once per
// channel (the geometry array, not the arithmetic, bounds this loop).
constexpr int64_t kChannelBlock = 8;

template <typename T>
void im2col(const Shape& s, const T* image, const std::vector<Sample<T>>& samples, int64_t P, T* columns) {
  const int64_t taps = s.taps(), cpg = s.channels_per_offset_group(), plane = s.h * s.w;
  const int64_t blocks_per_group = (cpg + kChannelBlock - 1) / kChannelBlock;
  at::parallel_for(0, s.offset_groups * blocks_per_group, 1, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      const int64_t g = blk / blocks_per_group;
      const int64_t c0 = g * cpg + (blk % blocks_per_group) * kChannelBlock;
      const int64_t nc = std::min(kChannelBlock, (g + 1) * cpg - c0);
      for (int64_t k = 0; k < taps; ++k) {
        const Sample<T>* smp = samples.data() + (g * taps + k) * P;
        for (int64_t q = 0; q < P; ++q) {
          const Sample<T>& sm = smp[q];
          const int32_t i0 = sm.idx[0], i1 = sm.idx[1], i2 = sm.idx[2], i3 = sm.idx[3];
          const T w0 = sm.w[0], w1 = sm.w[1], w2 = sm.w[2], w3 = sm.w[3];
          for (int64_t cc = 0; cc < nc; ++cc) {
            const T* im = image + (c0 + cc) * plane;
            columns[((c0 + cc) * taps + k) * P + q] = w0 * im[i0] + w1 * im[i1] + w2 * im[i2] + w3 * im[i3];
          }
        }
      }
    }
  });
}

// Geometry and columns of output rows [r0, r0 + rows) of one image, in the
// front of `columns`; returns the (C_in * taps, P) view that was filled. The
// forward and the backward (for grad_weight) both need exactly this.
template <typename T>
at::Tensor band_columns(const Shape& s, const DeformConvParams& p, const T* image, const T* offset, const T* mask,
                        int64_t r0, int64_t rows, std::vector<Sample<T>>& samples, at::Tensor& columns) {
  const int64_t P = rows * s.w_out;
  compute_samples(s, p, offset, mask, r0, rows, samples);
  at::Tensor cols = columns.narrow(0, 0, s.c_in * s.taps() * P);
  im2col(s, image, samples, P, cols.mutable_data_ptr<T>());
  return cols;
}

template <typename T>
void forward_impl(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                  const at::Tensor& mask, const DeformConvParams& p, at::Tensor& out) {
  const Shape s = shape_of(input, weight, p);
  const int64_t batch = input.size(0), taps = s.taps(), G = s.groups;
  const int64_t rows_per_band = band_rows(s, sizeof(T));
  const at::Tensor w3 = weight.reshape({G, s.c_out / G, s.c_in / G * taps});
  std::vector<Sample<T>> samples;
  at::Tensor columns = at::empty({s.c_in * taps * rows_per_band * s.w_out}, input.options());
  for (int64_t b = 0; b < batch; ++b) {
    const T* image = input[b].const_data_ptr<T>();
    const T* off = offset[b].const_data_ptr<T>();
    const T* msk = s.use_mask ? mask[b].const_data_ptr<T>() : nullptr;
    at::Tensor out_b = out[b].view({s.c_out, s.h_out * s.w_out});
    for (int64_t r0 = 0; r0 < s.h_out; r0 += rows_per_band) {
      const int64_t rows = std::min(rows_per_band, s.h_out - r0), P = rows * s.w_out;
      const at::Tensor cols = band_columns(s, p, image, off, msk, r0, rows, samples, columns);
      const at::Tensor res = at::bmm(w3, cols.view({G, s.c_in / G * taps, P}));
      out_b.narrow(1, r0 * s.w_out, P).copy_(res.view({s.c_out, P}));
    }
  }
}

template <typename T>
void backward_impl(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& weight,
                   const at::Tensor& offset, const at::Tensor& mask, const DeformConvParams& p,
                   at::Tensor& grad_input, at::Tensor& grad_weight, at::Tensor& grad_offset, at::Tensor& grad_mask) {
  const Shape s = shape_of(input, weight, p);
  const int64_t batch = input.size(0), taps = s.taps(), G = s.groups, cpg = s.channels_per_offset_group();
  const int64_t rows_per_band = band_rows(s, sizeof(T));
  const int64_t plane_in = s.h * s.w, plane_out = s.h_out * s.w_out;
  const at::Tensor w3 = weight.reshape({G, s.c_out / G, s.c_in / G * taps});
  const at::Tensor w3t = w3.transpose(1, 2);
  at::Tensor gw = at::zeros_like(w3);
  std::vector<Sample<T>> samples;
  at::Tensor columns = at::empty({s.c_in * taps * rows_per_band * s.w_out}, input.options());
  for (int64_t b = 0; b < batch; ++b) {
    const T* image = input[b].const_data_ptr<T>();
    const T* off = offset[b].const_data_ptr<T>();
    const T* msk = s.use_mask ? mask[b].const_data_ptr<T>() : nullptr;
    T* gin = grad_input[b].mutable_data_ptr<T>();
    T* goff = grad_offset[b].mutable_data_ptr<T>();
    T* gmask = s.use_mask ? grad_mask[b].mutable_data_ptr<T>() : nullptr;
    const at::Tensor go_b = grad_out[b].view({s.c_out, plane_out});
    for (int64_t r0 = 0; r0 < s.h_out; r0 += rows_per_band) {
      const int64_t rows = std::min(rows_per_band, s.h_out - r0), P = rows * s.w_out;
      const at::Tensor cols = band_columns(s, p, image, off, msk, r0, rows, samples, columns);
      const at::Tensor go = go_b.narrow(1, r0 * s.w_out, P).contiguous().view({G, s.c_out / G, P});
      const at::Tensor cols3 = cols.view({G, s.c_in / G * taps, P});
      gw.add_(at::bmm(go, cols3.transpose(1, 2)));
      const at::Tensor gcols = at::bmm(w3t, go).contiguous();  // (G, C_in/G * taps, P) == (C_in * taps, P)
      const T* gc = gcols.const_data_ptr<T>();

      // grad_input: scatter each grad column entry to its four neighbours.
      at::parallel_for(0, s.c_in, 1, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
          T* gim = gin + c * plane_in;
          const int64_t g = c / cpg;
          for (int64_t k = 0; k < taps; ++k) {
            const Sample<T>* smp = samples.data() + (g * taps + k) * P;
            const T* gcol = gc + (c * taps + k) * P;
            for (int64_t q = 0; q < P; ++q) {
              const Sample<T>& sm = smp[q];
              const T v = gcol[q] * sm.m;
              if (v == T(0)) continue;
              const bool y0_ok = sm.y0 >= 0 && sm.y0 < s.h, y1_ok = sm.y0 + 1 >= 0 && sm.y0 + 1 < s.h;
              const bool x0_ok = sm.x0 >= 0 && sm.x0 < s.w, x1_ok = sm.x0 + 1 >= 0 && sm.x0 + 1 < s.w;
              const T hy = 1 - sm.fy, hx = 1 - sm.fx;
              T* r0p = gim + static_cast<int64_t>(sm.y0) * s.w;
              T* r1p = r0p + s.w;
              if (y0_ok && x0_ok) r0p[sm.x0] += hy * hx * v;
              if (y0_ok && x1_ok) r0p[sm.x0 + 1] += hy * sm.fx * v;
              if (y1_ok && x0_ok) r1p[sm.x0] += sm.fy * hx * v;
              if (y1_ok && x1_ok) r1p[sm.x0 + 1] += sm.fy * sm.fx * v;
            }
          }
        }
      });

      // grad_offset and grad_mask: reduce over the channels of each offset group.
      at::parallel_for(0, s.offset_groups * taps, 1, [&](int64_t begin, int64_t end) {
        for (int64_t gk = begin; gk < end; ++gk) {
          const int64_t g = gk / taps, k = gk % taps;
          const Sample<T>* smp = samples.data() + gk * P;
          T* gy_plane = goff + (g * 2 * taps + 2 * k) * plane_out + r0 * s.w_out;
          T* gx_plane = gy_plane + plane_out;
          T* gm_plane = gmask ? gmask + (g * taps + k) * plane_out + r0 * s.w_out : nullptr;
          for (int64_t q = 0; q < P; ++q) {
            const Sample<T>& sm = smp[q];
            T acc_y = 0, acc_x = 0, acc_m = 0;
            for (int64_t c = g * cpg; c < (g + 1) * cpg; ++c) {
              const T gcv = gc[(c * taps + k) * P + q];
              if (gcv == T(0)) continue;
              const Corners<T> cr = corners(image + c * plane_in, s.h, s.w, sm);
              const T wy = sm.fx * (cr.v11 - cr.v01) + (1 - sm.fx) * (cr.v10 - cr.v00);
              const T wx = sm.fy * (cr.v11 - cr.v10) + (1 - sm.fy) * (cr.v01 - cr.v00);
              acc_y += wy * gcv;
              acc_x += wx * gcv;
              if (gm_plane && sm.inside) acc_m += gcv * bilinear(cr, sm);
            }
            gy_plane[q] = sm.m * acc_y;
            gx_plane[q] = sm.m * acc_x;
            if (gm_plane) gm_plane[q] = acc_m;
          }
        }
      });
    }
  }
  grad_weight.copy_(gw.view_as(grad_weight));
}

DeformConvParams params(int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                        int64_t dilation_w, int64_t groups, int64_t offset_groups, bool use_mask) {
  return DeformConvParams{stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask};
}

void check_cpu_dtype(const at::Tensor& input) {
  TORCH_CHECK_TYPE(input.scalar_type() == at::kFloat || input.scalar_type() == at::kDouble,
                   "deform_conv2d on the CPU supports float32 and float64, got ", input.scalar_type());
  // Sampling offsets within a channel plane are stored as int32.
  TORCH_CHECK_VALUE(input.size(2) * input.size(3) < (int64_t{1} << 31),
                    "deform_conv2d on the CPU: an input plane of ", input.size(2), "x", input.size(3),
                    " pixels is too large");
}

at::Tensor forward_op(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                      const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w,
                      int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                      int64_t offset_groups, bool use_mask) {
  const DeformConvParams p =
      params(stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
  check_deform_conv2d_args(input, weight, offset, mask, bias, p);
  check_cpu_dtype(input);
  return deform_conv2d_forward_cpu(input, weight, offset, mask, bias, p);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_op(
    const at::Tensor& grad, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w, int64_t pad_h,
    int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups, int64_t offset_groups, bool use_mask) {
  const DeformConvParams p =
      params(stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
  check_deform_conv2d_args(input, weight, offset, mask, bias, p);
  check_cpu_dtype(input);
  return deform_conv2d_backward_cpu(grad, input, weight, offset, mask, bias, p);
}

}  // namespace

at::Tensor deform_conv2d_forward_cpu(const at::Tensor& input_, const at::Tensor& weight_, const at::Tensor& offset_,
                                     const at::Tensor& mask_, const at::Tensor& bias, const DeformConvParams& p) {
  const at::Tensor input = input_.contiguous(), weight = weight_.contiguous(), offset = offset_.contiguous();
  const at::Tensor mask = p.use_mask ? mask_.contiguous() : at::Tensor();
  const Shape s = shape_of(input, weight, p);
  at::Tensor out = at::empty({input.size(0), s.c_out, s.h_out, s.w_out}, input.options());
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "deform_conv2d_forward_cpu",
                             [&] { forward_impl<scalar_t>(input, weight, offset, mask, p, out); });
  if (bias.defined() && bias.numel() > 0) out.add_(bias.view({1, s.c_out, 1, 1}));
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_cpu(
    const at::Tensor& grad_out_, const at::Tensor& input_, const at::Tensor& weight_, const at::Tensor& offset_,
    const at::Tensor& mask_, const at::Tensor& /*bias*/, const DeformConvParams& p) {
  const at::Tensor input = input_.contiguous(), weight = weight_.contiguous(), offset = offset_.contiguous();
  const at::Tensor grad_out = grad_out_.contiguous();
  const at::Tensor mask = p.use_mask ? mask_.contiguous() : at::Tensor();
  const Shape s = shape_of(input, weight, p);
  TORCH_CHECK_VALUE(grad_out.dim() == 4 && grad_out.size(0) == input.size(0) && grad_out.size(1) == s.c_out &&
                        grad_out.size(2) == s.h_out && grad_out.size(3) == s.w_out,
                    "deform_conv2d backward: grad has shape ", grad_out.sizes(), ", expected the output's shape");
  at::Tensor grad_input = at::zeros_like(input);
  at::Tensor grad_weight = at::empty_like(weight);
  at::Tensor grad_offset = at::zeros_like(offset);
  at::Tensor grad_mask = p.use_mask ? at::zeros_like(mask) : at::zeros_like(mask_);
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "deform_conv2d_backward_cpu", [&] {
    backward_impl<scalar_t>(grad_out, input, weight, offset, mask, p, grad_input, grad_weight, grad_offset,
                            grad_mask);
  });
  at::Tensor grad_bias = grad_out.sum({0, 2, 3});
  return {grad_input, grad_weight, grad_offset, grad_mask, grad_bias};
}

TORCH_LIBRARY_IMPL(fairmot, CPU, m) {
  m.impl("deform_conv2d", &forward_op);
  m.impl("_deform_conv2d_backward", &backward_op);
}

}  // namespace ops
}  // namespace fairmot
