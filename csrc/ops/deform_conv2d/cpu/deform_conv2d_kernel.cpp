// Modulated deformable convolution on the CPU (float32 / float64).
//
// Forward (channels-last gather): the input is read as NHWC, so the four
// bilinear corners of a sample are contiguous C-vectors and a column row
// (one output pixel, all taps and channels) is a contiguous blend of four
// vectors. The output pixels are split into bands whose column buffer (band
// pixels x C_in * KH * KW) stays in a core's L2 cache; each thread takes bands
// one at a time, gathers the columns and multiplies them by the weight
// straight into the NCHW output, so the columns never leave its cache.
//
// Backward: per band of output rows, the sampling geometry (corner, fractions,
// mask) of each (offset group, tap, pixel) is computed once and shared by the
// channels of the offset group; columns (C_in * KH * KW, band pixels) are
// recomputed for grad_weight; grad columns W^T * grad_out are scattered into
// grad_input with the bilinear weights (parallel over channels, so without
// races) and reduced into grad_offset and grad_mask (parallel over offset
// group and tap). The band height keeps the column buffer under
// kColumnBudgetBytes instead of one buffer for the whole image (about 95 MB
// for 64 channels at 152 x 272).
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/LegacyTypeDispatch.h>
#include <torch/library.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "deform_conv2d/deform_conv2d.h"
#include "deform_conv2d/deform_conv2d_geometry.h"

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

using Shape = DeformConvGeometry;

// Output rows per band so that the column buffer fits the budget.
int64_t band_rows(const Shape& s, int64_t elem_size) {
  const int64_t per_row = s.c_in * s.taps() * s.w_out * elem_size;
  return std::max<int64_t>(1, std::min<int64_t>(s.h_out, kColumnBudgetBytes / std::max<int64_t>(per_row, 1)));
}

// Geometry of rows [r0, r0 + rows) of image `b`: samples[(g * taps + k) * P + p].
template <typename T>
void compute_samples(const Shape& s, const T* offset, const T* mask, int64_t r0,
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
        const T y = static_cast<T>(s.base_y(ho, i)) + dy_plane[at_];
        const T x = static_cast<T>(s.base_x(wo, j)) + dx_plane[at_];
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
        smp.y0 = static_cast<int32_t>(clamped_floor(yf, s.h));
        smp.x0 = static_cast<int32_t>(clamped_floor(xf, s.w));
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
inline Corners<T> corners(const T* im, int64_t h, int64_t w, const Sample<T>& smp) {
  return read_corners<T>(im, h, w, smp.y0, smp.x0);
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
// front of `columns`; returns the (C_in * taps, P) view that was filled (the
// backward needs both: the geometry for its scatter, the columns for grad_weight).
template <typename T>
at::Tensor band_columns(const Shape& s, const T* image, const T* offset, const T* mask,
                        int64_t r0, int64_t rows, std::vector<Sample<T>>& samples, at::Tensor& columns) {
  const int64_t P = rows * s.w_out;
  compute_samples(s, offset, mask, r0, rows, samples);
  at::Tensor cols = columns.narrow(0, 0, s.c_in * s.taps() * P);
  im2col(s, image, samples, P, cols.mutable_data_ptr<T>());
  return cols;
}

// ----------------------------------------------------------------------------
// Forward.
//
// A column row is cols[q, (g * KH * KW + k) * C_in/G + c] for band pixel q,
// weight group g, tap k and channel c of the group: per group, cols is a
// (band, KH * KW * C_in/G) matrix that multiplies the weight permuted to
// (C_out/G, KH, KW, C_in/G).

// Column buffer per thread: the size of a core's L2 cache (1 MiB here), so that
// the GEMM reads the columns from the cache they were just written to; larger
// bands measured slower (4 MiB: +15% at 64 channels 152 x 272).
constexpr int64_t kForwardBandBytes = int64_t{1} << 20;
// Fewest pixels per band: below this the GEMM (N = band pixels) loses more
// than the cache gains (512 channels: 18 KiB per column row).
constexpr int64_t kForwardMinBandPixels = 128;

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FAIRMOT_DCN_AVX2_GATHER 1
#define FAIRMOT_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define FAIRMOT_DCN_AVX2_GATHER 0
#define FAIRMOT_ALWAYS_INLINE inline
#endif

// dst[c] = w0 * a[c] + w1 * b[c] + w2 * c2[c] + w3 * d[c], c < n. The sources
// may coincide (all the zero row); only dst is written.
template <typename T>
FAIRMOT_ALWAYS_INLINE void blend4(T* __restrict__ dst, const T* __restrict__ a, const T* __restrict__ b,
                                  const T* __restrict__ c2, const T* __restrict__ d, T w0, T w1, T w2, T w3,
                                  int64_t n) {
  for (int64_t c = 0; c < n; ++c) dst[c] = w0 * a[c] + w1 * b[c] + w2 * c2[c] + w3 * d[c];
}

// Column rows of output pixels [p0, p0 + n) of one image into cols (n rows of
// KH * KW * C_in). image: NHWC; offset, mask: this image's planes; zeros:
// C_in zeros, read in place of corners outside the image (never pixel 0 with
// weight 0, which would turn an inf / NaN there into NaN).
template <typename T>
FAIRMOT_ALWAYS_INLINE void gather_rows_impl(const Shape& s, const T* image,
                                            const T* offset, const T* mask, const T* zeros, int64_t p0, int64_t n,
                                            T* cols) {
  const int64_t taps = s.taps(), cpg = s.channels_per_offset_group(), cg = s.c_in / s.groups;
  const int64_t row = taps * s.c_in, plane = s.h_out * s.w_out, C = s.c_in;
  // Tap-major: the band's offset / mask planes are read sequentially and
  // consecutive pixels sample neighbouring image pixels.
  for (int64_t k = 0; k < taps; ++k) {
    const int64_t i = k / s.kw, j = k % s.kw;
    for (int64_t og = 0; og < s.offset_groups; ++og) {
      const T* dy_plane = offset + (og * 2 * taps + 2 * k) * plane + p0;
      const T* dx_plane = dy_plane + plane;
      const T* m_plane = s.use_mask ? mask + (og * taps + k) * plane + p0 : nullptr;
      int64_t ho = p0 / s.w_out, wo = p0 % s.w_out;
      for (int64_t q = 0; q < n; ++q) {
        const T y = static_cast<T>(s.base_y(ho, i)) + dy_plane[q];
        const T x = static_cast<T>(s.base_x(wo, j)) + dx_plane[q];
        if (++wo == s.w_out) {
          wo = 0;
          ++ho;
        }
        const T m = m_plane ? m_plane[q] : T(1);
        // A sample outside (-1, H) x (-1, W), or NaN, reads zeros only
        // (torchvision's rule), as do its corners outside the image.
        const T* src[4] = {zeros, zeros, zeros, zeros};
        T w[4] = {T(0), T(0), T(0), T(0)};
        if (sample_inside(y, x, s.h, s.w)) {
          // floor() of a value in (-1, H): truncation, one less on (-1, 0).
          // Exact, and inline where the baseline x86-64 target calls floor().
          int64_t y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x);
          y0 -= static_cast<T>(y0) > y;
          x0 -= static_cast<T>(x0) > x;
          const T fy = y - static_cast<T>(y0), fx = x - static_cast<T>(x0), hy = 1 - fy, hx = 1 - fx;
          const bool y0_ok = y0 >= 0, y1_ok = y0 + 1 < s.h, x0_ok = x0 >= 0, x1_ok = x0 + 1 < s.w;
          const T* r0 = image + (y0 * s.w + x0) * C;
          const T* r1 = r0 + s.w * C;
          if (y0_ok && x0_ok) {
            src[0] = r0;
            w[0] = m * (hy * hx);
          }
          if (y0_ok && x1_ok) {
            src[1] = r0 + C;
            w[1] = m * (hy * fx);
          }
          if (y1_ok && x0_ok) {
            src[2] = r1;
            w[2] = m * (fy * hx);
          }
          if (y1_ok && x1_ok) {
            src[3] = r1 + C;
            w[3] = m * (fy * fx);
          }
        }
        T* dst_row = cols + q * row;
        // The offset group's channels, split where they cross a weight group.
        for (int64_t c0 = og * cpg, c_end = c0 + cpg; c0 < c_end;) {
          const int64_t g = c0 / cg, c1 = std::min(c_end, (g + 1) * cg);
          blend4(dst_row + (g * taps + k) * cg + (c0 - g * cg), src[0] + c0, src[1] + c0, src[2] + c0, src[3] + c0,
                 w[0], w[1], w[2], w[3], c1 - c0);
          c0 = c1;
        }
      }
    }
  }
}

#if FAIRMOT_DCN_AVX2_GATHER
// The same loop compiled for AVX2 + FMA (the extension targets baseline
// x86-64, i.e. SSE2): 20-25% faster gathers where the CPU has them.
template <typename T>
__attribute__((target("avx2,fma"))) void gather_rows_avx2(const Shape& s, const T* image,
                                                         const T* offset, const T* mask, const T* zeros, int64_t p0,
                                                         int64_t n, T* cols) {
  gather_rows_impl(s, image, offset, mask, zeros, p0, n, cols);
}
#endif

template <typename T>
void gather_rows(const Shape& s, const T* image, const T* offset, const T* mask,
                 const T* zeros, int64_t p0, int64_t n, T* cols) {
#if FAIRMOT_DCN_AVX2_GATHER
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) {
    gather_rows_avx2(s, image, offset, mask, zeros, p0, n, cols);
    return;
  }
#endif
  gather_rows_impl(s, image, offset, mask, zeros, p0, n, cols);
}

// input: channels-last; out: NCHW.
template <typename T>
void forward_impl(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                  const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p, at::Tensor& out) {
  const Shape s = make_geometry(input, weight, p);
  const int64_t batch = input.size(0), taps = s.taps(), G = s.groups, cg = s.c_in / G, og_out = s.c_out / G;
  const int64_t row = taps * s.c_in, P = s.h_out * s.w_out;
  const int64_t row_bytes = std::max<int64_t>(row * static_cast<int64_t>(sizeof(T)), 1);
  const int64_t band = std::min(P, std::max(kForwardMinBandPixels, kForwardBandBytes / row_bytes));
  const int64_t bands = (P + band - 1) / band, tasks = batch * bands;
  // Per weight group (C_out/G, KH * KW * C_in/G), in the order of a column row.
  const at::Tensor wp = weight.permute({0, 2, 3, 1}).contiguous().view({G, og_out, taps * cg});
  std::vector<at::Tensor> w_g, bias_g;
  for (int64_t g = 0; g < G; ++g) {
    w_g.push_back(wp[g]);
    if (bias.defined() && bias.numel() > 0) bias_g.push_back(bias.narrow(0, g * og_out, og_out).view({og_out, 1}));
  }
  const at::Tensor zeros = at::zeros({s.c_in}, input.options());
  const at::Tensor out3 = out.view({batch, s.c_out, P});
  const T* in_data = input.const_data_ptr<T>();
  const T* off_data = offset.const_data_ptr<T>();
  const T* mask_data = s.use_mask ? mask.const_data_ptr<T>() : nullptr;

  // One worker per thread, each taking the next band as it finishes one: on a
  // shared machine a thread that loses its core does not hold up the others
  // the way a static split would.
  std::atomic<int64_t> next{0};
  at::parallel_for(0, std::min<int64_t>(tasks, at::get_num_threads()), 1, [&](int64_t, int64_t) {
    // The worker threads do not inherit the caller's dispatch state; the
    // tensors here never need autograd, so skip it (and its checks).
    at::AutoDispatchBelowADInplaceOrView guard;
    at::Tensor columns = at::empty({band, row}, input.options());
    for (int64_t t = next++; t < tasks; t = next++) {
      const int64_t b = t / bands, p0 = (t % bands) * band, n = std::min(band, P - p0);
      gather_rows(s, in_data + b * s.c_in * s.h * s.w, off_data + b * offset.stride(0),
                  mask_data ? mask_data + b * mask.stride(0) : nullptr, zeros.const_data_ptr<T>(), p0, n,
                  columns.mutable_data_ptr<T>());
      // out[b, :, p0:p0+n] = W' cols^T (+ bias): the GEMM writes the NCHW band
      // in place (its ldc is the output's row stride); inside the parallel
      // region BLAS runs on this thread only.
      const at::Tensor res = out3[b].narrow(1, p0, n);
      const at::Tensor cols_t = (n == band ? columns : columns.narrow(0, 0, n)).t();
      for (int64_t g = 0; g < G; ++g) {
        at::Tensor res_g = G == 1 ? res : res.narrow(0, g * og_out, og_out);
        const at::Tensor cols_g = G == 1 ? cols_t : cols_t.narrow(0, g * taps * cg, taps * cg);
        if (bias_g.empty()) {
          at::mm_out(res_g, w_g[g], cols_g);
        } else {
          at::addmm_out(res_g, bias_g[g].expand({og_out, n}), w_g[g], cols_g);
        }
      }
    }
  });
}

template <typename T>
void backward_impl(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& weight,
                   const at::Tensor& offset, const at::Tensor& mask, const DeformConvParams& p,
                   at::Tensor& grad_input, at::Tensor& grad_weight, at::Tensor& grad_offset, at::Tensor& grad_mask) {
  const Shape s = make_geometry(input, weight, p);
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
      const at::Tensor cols = band_columns(s, image, off, msk, r0, rows, samples, columns);
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
              const T wy = blend_dy(cr, sm.fx);
              const T wx = blend_dx(cr, sm.fy);
              acc_y += wy * gcv;
              acc_x += wx * gcv;
              if (gm_plane && sm.inside) acc_m += gcv * blend(cr, sm.fy, sm.fx);
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

void check_cpu_dtype(const at::Tensor& input) {
  TORCH_CHECK(input.scalar_type() == at::kFloat || input.scalar_type() == at::kDouble,
              "deform_conv2d on the CPU supports float32 and float64, got ", input.scalar_type());
  // Sampling offsets within a channel plane are stored as int32.
  int64_t plane = 0;
  TORCH_CHECK(!__builtin_mul_overflow(input.size(2), input.size(3), &plane) && plane < (int64_t{1} << 31),
              "deform_conv2d on the CPU: an input plane of ", input.size(2), "x", input.size(3),
              " pixels is too large");
}

at::Tensor forward_op(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                      const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w,
                      int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                      int64_t offset_groups, bool use_mask) {
  const DeformConvParams p =
      make_params(stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
  check_deform_conv2d_args(input, weight, offset, mask, bias, p);
  check_cpu_dtype(input);
  return deform_conv2d_forward_cpu(input, weight, offset, mask, bias, p);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_op(
    const at::Tensor& grad, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w, int64_t pad_h,
    int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups, int64_t offset_groups, bool use_mask) {
  const DeformConvParams p =
      make_params(stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
  check_deform_conv2d_args(input, weight, offset, mask, bias, p);
  check_cpu_dtype(input);
  return deform_conv2d_backward_cpu(grad, input, weight, offset, mask, bias, p);
}

}  // namespace

at::Tensor deform_conv2d_forward_cpu(const at::Tensor& input_, const at::Tensor& weight_, const at::Tensor& offset_,
                                     const at::Tensor& mask_, const at::Tensor& bias, const DeformConvParams& p) {
  // The gather reads NHWC: a copy of an NCHW input (a few ms at 64 x 152 x 272,
  // well under what the gather saves), none for a channels-last one.
  const at::Tensor input = input_.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor weight = weight_.contiguous(), offset = offset_.contiguous();
  const at::Tensor mask = p.use_mask ? mask_.contiguous() : at::Tensor();
  const Shape s = make_geometry(input, weight, p);
  at::Tensor out = at::empty({input.size(0), s.c_out, s.h_out, s.w_out}, input.options());
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "deform_conv2d_forward_cpu",
                             [&] { forward_impl<scalar_t>(input, weight, offset, mask, bias, p, out); });
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_cpu(
    const at::Tensor& grad_out_, const at::Tensor& input_, const at::Tensor& weight_, const at::Tensor& offset_,
    const at::Tensor& mask_, const at::Tensor& /*bias*/, const DeformConvParams& p) {
  const at::Tensor input = input_.contiguous(), weight = weight_.contiguous(), offset = offset_.contiguous();
  const at::Tensor grad_out = grad_out_.contiguous();
  const at::Tensor mask = p.use_mask ? mask_.contiguous() : at::Tensor();
  const Shape s = make_geometry(input, weight, p);
  TORCH_CHECK(grad_out.dim() == 4 && grad_out.size(0) == input.size(0) && grad_out.size(1) == s.c_out &&
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
