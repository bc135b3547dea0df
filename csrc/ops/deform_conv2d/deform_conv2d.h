// Modulated deformable convolution (DCNv2) kernels: declarations shared by
// the CPU and CUDA implementations. Semantics, argument order and the offset /
// mask layout are those of torchvision.ops.deform_conv2d:
//   input  (B, C_in, H, W)
//   weight (C_out, C_in / groups, KH, KW)
//   offset (B, 2 * offset_groups * KH * KW, H_out, W_out); for offset group g
//          and kernel tap k = i * KW + j, channel g*2*KH*KW + 2k is the
//          vertical (dy) and 2k + 1 the horizontal (dx) displacement
//   mask   (B, offset_groups * KH * KW, H_out, W_out) (ignored unless use_mask)
//   bias   (C_out)
//   out    (B, C_out, H_out, W_out)
// Samples outside the image read 0 (bilinear with zero padding).
#pragma once

#include <ATen/core/Tensor.h>

#include <tuple>

namespace fairmot {
namespace ops {

struct DeformConvParams {
  int64_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int64_t groups;         // weight groups
  int64_t offset_groups;  // deformable groups
  bool use_mask;
};

// Output spatial size for one dimension.
inline int64_t deform_conv_out_size(int64_t in, int64_t pad, int64_t dilation, int64_t kernel, int64_t stride) {
  return (in + 2 * pad - (dilation * (kernel - 1) + 1)) / stride + 1;
}

at::Tensor deform_conv2d_forward_cpu(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                                     const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p);

// Returns (grad_input, grad_weight, grad_offset, grad_mask, grad_bias).
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_cpu(
    const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p);

at::Tensor deform_conv2d_forward_cuda(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                                      const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p);

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_cuda(
    const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p);

// Checks shapes, dtypes and devices of the forward arguments; throws
// c10::Error (ValueError-like message) naming the problem.
void check_deform_conv2d_args(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                              const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p);

}  // namespace ops
}  // namespace fairmot
