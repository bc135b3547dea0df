// Autocast (mixed precision) kernels of fairmot::deform_conv2d.
//
// Under autocast the offset/mask convolution of a DCN runs in float16 or
// bfloat16 while the DCN weight stays float32, so the operator would see
// mixed dtypes. As torchvision does for its deform_conv2d, the operator is
// run in float32 then: every float32/float16/bfloat16 argument is cast to
// float32 (float64 is not autocast-eligible and is left alone) and the call
// is re-dispatched with autocast excluded, through autograd to the CPU or
// CUDA kernel. The result stays float32.
#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/library.h>

namespace fairmot {
namespace ops {
namespace {

at::Tensor to_float32(const at::Tensor& t) {
  if (!t.defined() || !t.is_floating_point() || t.scalar_type() == at::kDouble) return t;
  return t.scalar_type() == at::kFloat ? t : t.to(at::kFloat);
}

template <c10::DispatchKey AutocastKey>
at::Tensor deform_conv2d_autocast(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                                  const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w,
                                  int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                                  int64_t offset_groups, bool use_mask) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(AutocastKey);
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("fairmot::deform_conv2d", "")
                             .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                               const at::Tensor&, const at::Tensor&, int64_t, int64_t, int64_t,
                                               int64_t, int64_t, int64_t, int64_t, int64_t, bool)>();
  return op.call(to_float32(input), to_float32(weight), to_float32(offset), to_float32(mask), to_float32(bias),
                 stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups, use_mask);
}

}  // namespace
}  // namespace ops
}  // namespace fairmot

TORCH_LIBRARY_IMPL(fairmot, AutocastCPU, m) {
  m.impl("deform_conv2d", TORCH_FN(fairmot::ops::deform_conv2d_autocast<c10::DispatchKey::AutocastCPU>));
}

TORCH_LIBRARY_IMPL(fairmot, AutocastCUDA, m) {
  m.impl("deform_conv2d", TORCH_FN(fairmot::ops::deform_conv2d_autocast<c10::DispatchKey::AutocastCUDA>));
}
