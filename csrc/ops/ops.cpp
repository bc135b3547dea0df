// Operator schemas of the fairmot torch library. Kernels register their
// implementations next to their code (cpu/, cuda/); autograd formulas and
// fake (meta) kernels are registered from Python (fairmot/ops/).
#include <torch/library.h>

TORCH_LIBRARY(fairmot, m) {
  m.def(
      "deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, int stride_h, "
      "int stride_w, int pad_h, int pad_w, int dilation_h, int dilation_w, int groups, int offset_groups, "
      "bool use_mask) -> Tensor");
  m.def(
      "_deform_conv2d_backward(Tensor grad, Tensor input, Tensor weight, Tensor offset, Tensor mask, "
      "Tensor bias, int stride_h, int stride_w, int pad_h, int pad_w, int dilation_h, int dilation_w, "
      "int groups, int offset_groups, bool use_mask) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def("heatmap_topk(Tensor heat, int k, int kernel) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
}
