// Sampling geometry of the deformable convolution, shared by the CPU and CUDA
// kernels: the sizes of one call (DeformConvGeometry, built once on the host by
// make_geometry), the parameter bundle (make_params), where tap (i, j) of output
// pixel (ho, wo) samples before its offset, and the bilinear corners of a sample
// with zero padding. Everything a kernel calls is FAIRMOT_HOST_DEVICE: plain
// inline functions for the C++ compiler, __host__ __device__ under nvcc, so the
// CPU tests exercise the same code the CUDA kernels run.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "deform_conv2d/deform_conv2d.h"

#if defined(__CUDACC__)
#define FAIRMOT_HOST_DEVICE __host__ __device__
#else
#define FAIRMOT_HOST_DEVICE
#endif

namespace fairmot {
namespace ops {

// Sizes of one call (all 64-bit).
struct DeformConvGeometry {
  int64_t c_in, h, w;      // input channels and plane size
  int64_t c_out, kh, kw;   // output channels, kernel size
  int64_t h_out, w_out;    // output plane size
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
  int64_t groups, offset_groups;
  bool use_mask;

  FAIRMOT_HOST_DEVICE int64_t taps() const { return kh * kw; }
  FAIRMOT_HOST_DEVICE int64_t channels_per_offset_group() const { return c_in / offset_groups; }
  // Undeformed sampling row / column of kernel row i (column j) at output row ho (column wo).
  FAIRMOT_HOST_DEVICE int64_t base_y(int64_t ho, int64_t i) const { return ho * stride_h - pad_h + i * dil_h; }
  FAIRMOT_HOST_DEVICE int64_t base_x(int64_t wo, int64_t j) const { return wo * stride_w - pad_w + j * dil_w; }
};

inline DeformConvParams make_params(int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w,
                                    int64_t dilation_h, int64_t dilation_w, int64_t groups, int64_t offset_groups,
                                    bool use_mask) {
  return DeformConvParams{stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask};
}

// The geometry of input (B, C_in, H, W) and weight (C_out, C_in / groups, KH, KW);
// the arguments must have passed check_deform_conv2d_args.
inline DeformConvGeometry make_geometry(const at::Tensor& input, const at::Tensor& weight, const DeformConvParams& p) {
  DeformConvGeometry g;
  g.c_in = input.size(1);
  g.h = input.size(2);
  g.w = input.size(3);
  g.c_out = weight.size(0);
  g.kh = weight.size(2);
  g.kw = weight.size(3);
  g.h_out = deform_conv_out_size(g.h, p.pad_h, p.dilation_h, g.kh, p.stride_h);
  g.w_out = deform_conv_out_size(g.w, p.pad_w, p.dilation_w, g.kw, p.stride_w);
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.pad_h = p.pad_h;
  g.pad_w = p.pad_w;
  g.dil_h = p.dilation_h;
  g.dil_w = p.dilation_w;
  g.groups = p.groups;
  g.offset_groups = p.offset_groups;
  g.use_mask = p.use_mask;
  return g;
}

// True when a sample at (y, x) can touch the image: -1 < y < H and -1 < x < W.
// Written in the positive form so that NaN coordinates fail it (a NaN sample
// reads 0 and gets no gradient).
template <typename T>
FAIRMOT_HOST_DEVICE inline bool sample_inside(T y, T x, int64_t h, int64_t w) {
  return y > T(-1) && y < static_cast<T>(h) && x > T(-1) && x < static_cast<T>(w);
}

// An integral floor value vf clamped to [-2, limit] and converted: huge offsets
// cannot overflow the conversion, and every corner of a clamped sample lies
// outside the image.
template <typename T>
FAIRMOT_HOST_DEVICE inline int64_t clamped_floor(T vf, int64_t limit) {
  const T lo = T(-2), hi = static_cast<T>(limit);
  return static_cast<int64_t>(vf < lo ? lo : (vf > hi ? hi : vf));
}

// The four neighbours of a sample: (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1).
template <typename T>
struct Corners {
  T v00, v01, v10, v11;
};

// Value of plane (h x w) at integer (y, x), converted to A; 0 outside the image.
template <typename A, typename S>
FAIRMOT_HOST_DEVICE inline A pixel_or_zero(const S* plane, int64_t h, int64_t w, int64_t y, int64_t x) {
  return (y >= 0 && y < h && x >= 0 && x < w) ? static_cast<A>(plane[y * w + x]) : A(0);
}

// The corners of the sample whose floor is (y0, x0) (0 outside the image).
template <typename A, typename S>
FAIRMOT_HOST_DEVICE inline Corners<A> read_corners(const S* plane, int64_t h, int64_t w, int64_t y0, int64_t x0) {
  Corners<A> c;
  c.v00 = pixel_or_zero<A>(plane, h, w, y0, x0);
  c.v01 = pixel_or_zero<A>(plane, h, w, y0, x0 + 1);
  c.v10 = pixel_or_zero<A>(plane, h, w, y0 + 1, x0);
  c.v11 = pixel_or_zero<A>(plane, h, w, y0 + 1, x0 + 1);
  return c;
}

// Bilinear blend of the corners with fractional parts (fy, fx).
template <typename T>
FAIRMOT_HOST_DEVICE inline T blend(const Corners<T>& c, T fy, T fx) {
  const T hy = T(1) - fy, hx = T(1) - fx;
  return hy * hx * c.v00 + hy * fx * c.v01 + fy * hx * c.v10 + fy * fx * c.v11;
}

// Derivatives of the blend with respect to the sample's y and x.
template <typename T>
FAIRMOT_HOST_DEVICE inline T blend_dy(const Corners<T>& c, T fx) {
  return fx * (c.v11 - c.v01) + (T(1) - fx) * (c.v10 - c.v00);
}
template <typename T>
FAIRMOT_HOST_DEVICE inline T blend_dx(const Corners<T>& c, T fy) {
  return fy * (c.v11 - c.v10) + (T(1) - fy) * (c.v01 - c.v00);
}

}  // namespace ops
}  // namespace fairmot
