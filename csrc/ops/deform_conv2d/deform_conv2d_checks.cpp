// Argument checks shared by the CPU and CUDA deform_conv2d kernels.
//
// They raise RuntimeError (TORCH_CHECK), as torchvision's deform_conv2d kernels
// do: the raw operator and scripted callers (torch.jit.script skips the Python
// checks of fairmot.ops.deform_conv2d) catch them with `except RuntimeError`.
// The Python wrapper checks the same conditions first and raises
// fairmot.ops.OpArgumentError / OpDtypeError (RuntimeError and ValueError /
// TypeError); keep the two in step.
#include <c10/util/Exception.h>

#include "deform_conv2d/deform_conv2d.h"

namespace fairmot {
namespace ops {
namespace {

// a * b + c in int64, or false when it overflows (sizes and parameters near 2^62 would
// otherwise wrap around: undefined behaviour and nonsense messages).
bool mul_add(int64_t a, int64_t b, int64_t c, int64_t* out) {
  int64_t prod = 0;
  return !__builtin_mul_overflow(a, b, &prod) && !__builtin_add_overflow(prod, c, out);
}

}  // namespace

void check_deform_conv2d_args(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                              const at::Tensor& mask, const at::Tensor& bias, const DeformConvParams& p) {
  TORCH_CHECK(input.dim() == 4, "deform_conv2d: input must be 4-D (B, C, H, W), got ", input.dim(), "-D");
  TORCH_CHECK(weight.dim() == 4, "deform_conv2d: weight must be 4-D (C_out, C_in / groups, KH, KW), got ",
              weight.dim(), "-D");
  TORCH_CHECK(offset.dim() == 4, "deform_conv2d: offset must be 4-D, got ", offset.dim(), "-D");
  TORCH_CHECK(p.stride_h > 0 && p.stride_w > 0, "deform_conv2d: stride must be positive");
  TORCH_CHECK(p.pad_h >= 0 && p.pad_w >= 0, "deform_conv2d: padding must be non-negative");
  TORCH_CHECK(p.dilation_h > 0 && p.dilation_w > 0, "deform_conv2d: dilation must be positive");
  TORCH_CHECK(p.groups > 0, "deform_conv2d: groups must be positive");
  TORCH_CHECK(p.offset_groups > 0, "deform_conv2d: offset groups must be positive");
  TORCH_CHECK(input.is_floating_point(), "deform_conv2d: input must be a floating-point tensor, got ",
              input.scalar_type());
  const auto dtype = input.scalar_type();
  TORCH_CHECK(weight.scalar_type() == dtype && offset.scalar_type() == dtype,
              "deform_conv2d: input, weight and offset must have the same dtype, got ", dtype, ", ",
              weight.scalar_type(), " and ", offset.scalar_type());
  const auto device = input.device();
  TORCH_CHECK(weight.device() == device && offset.device() == device,
              "deform_conv2d: input, weight and offset must be on the same device, got ", device, ", ",
              weight.device(), " and ", offset.device());

  const int64_t batch = input.size(0), c_in = input.size(1), h = input.size(2), w = input.size(3);
  const int64_t c_out = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  TORCH_CHECK(kh > 0 && kw > 0, "deform_conv2d: kernel size must be positive");
  // Every size below is computed with overflow checks first.
  int64_t padded_h = 0, padded_w = 0, span_h = 0, span_w = 0, taps = 0, mask_channels = 0, offset_channels = 0;
  TORCH_CHECK(mul_add(2, p.pad_h, h, &padded_h) && mul_add(2, p.pad_w, w, &padded_w),
              "deform_conv2d: padding (", p.pad_h, ", ", p.pad_w, ") is too large: input size + 2 * padding ",
              "overflows a 64-bit integer");
  TORCH_CHECK(mul_add(p.dilation_h, kh - 1, 1, &span_h) && mul_add(p.dilation_w, kw - 1, 1, &span_w),
              "deform_conv2d: dilation (", p.dilation_h, ", ", p.dilation_w, ") is too large for a ", kh, "x", kw,
              " kernel: the dilated kernel size overflows a 64-bit integer");
  TORCH_CHECK(mul_add(kh, kw, 0, &taps) && mul_add(p.offset_groups, taps, 0, &mask_channels) &&
                  mul_add(2, mask_channels, 0, &offset_channels),
              "deform_conv2d: offset groups * kernel taps (", p.offset_groups, " * ", kh, " * ", kw,
              ") overflow a 64-bit integer");
  TORCH_CHECK(c_in % p.groups == 0, "deform_conv2d: input channels (", c_in, ") must be divisible by groups (",
              p.groups, ")");
  TORCH_CHECK(weight.size(1) * p.groups == c_in, "deform_conv2d: weight has ", weight.size(1),
              " input channels per group, expected input channels / groups = ", c_in / p.groups);
  TORCH_CHECK(c_out % p.groups == 0, "deform_conv2d: output channels (", c_out, ") must be divisible by groups (",
              p.groups, ")");
  TORCH_CHECK(c_in % p.offset_groups == 0, "deform_conv2d: input channels (", c_in,
              ") must be divisible by offset groups (", p.offset_groups, ")");
  // The dilated kernel must fit in the padded input (C++ division truncates
  // toward zero, so the size formula alone would not catch a negative span).
  TORCH_CHECK(padded_h >= span_h && padded_w >= span_w, "deform_conv2d: the (dilated) kernel ", span_h, "x", span_w,
              " is larger than the padded input ", padded_h, "x", padded_w);
  const int64_t h_out = deform_conv_out_size(h, p.pad_h, p.dilation_h, kh, p.stride_h);
  const int64_t w_out = deform_conv_out_size(w, p.pad_w, p.dilation_w, kw, p.stride_w);
  TORCH_CHECK(h_out > 0 && w_out > 0, "deform_conv2d: the output would be empty (input ", h, "x", w, ", kernel ",
              kh, "x", kw, ")");
  TORCH_CHECK(offset.size(0) == batch, "deform_conv2d: offset batch size ", offset.size(0),
              " differs from the input's ", batch);
  // "the shape of the offset ..." and "mask.shape[1] is not valid" as in torchvision's messages.
  TORCH_CHECK(offset.size(1) == offset_channels,
              "deform_conv2d: the shape of the offset tensor at dimension 1 is not valid: offset must have 2 * ",
              p.offset_groups, " * ", kh, " * ", kw, " = ", offset_channels, " channels, got ",
              offset.size(1));
  TORCH_CHECK(offset.size(2) == h_out && offset.size(3) == w_out, "deform_conv2d: offset spatial size ",
              offset.size(2), "x", offset.size(3), " differs from the output size ", h_out, "x", w_out);
  if (p.use_mask) {
    TORCH_CHECK(mask.dim() == 4, "deform_conv2d: mask must be 4-D, got ", mask.dim(), "-D");
    TORCH_CHECK(mask.scalar_type() == dtype, "deform_conv2d: mask dtype ", mask.scalar_type(),
                " differs from the input's ", dtype);
    TORCH_CHECK(mask.device() == device, "deform_conv2d: mask is on ", mask.device(), ", input on ", device);
    TORCH_CHECK(mask.size(0) == batch, "deform_conv2d: mask batch size ", mask.size(0), " differs from the input's ",
                batch);
    TORCH_CHECK(mask.size(1) == mask_channels,
                "deform_conv2d: mask.shape[1] is not valid: mask must have ", p.offset_groups, " * ", kh, " * ", kw,
                " = ", mask_channels, " channels, got ", mask.size(1));
    TORCH_CHECK(mask.size(2) == h_out && mask.size(3) == w_out, "deform_conv2d: mask spatial size ", mask.size(2),
                "x", mask.size(3), " differs from the output size ", h_out, "x", w_out);
  }
  if (bias.defined() && bias.numel() > 0) {
    TORCH_CHECK(bias.dim() == 1 && bias.size(0) == c_out, "deform_conv2d: bias must have shape (", c_out,
                ",), got ", bias.sizes());
    TORCH_CHECK(bias.scalar_type() == dtype, "deform_conv2d: bias dtype ", bias.scalar_type(),
                " differs from the input's ", dtype);
    TORCH_CHECK(bias.device() == device, "deform_conv2d: bias is on ", bias.device(), ", input on ", device);
  }
}

}  // namespace ops
}  // namespace fairmot
