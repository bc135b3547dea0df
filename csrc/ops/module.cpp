// fairmot._C: loading this module registers the fairmot torch operators
// (TORCH_LIBRARY in ops.cpp and the kernel files) and reports how it was built.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "fairmot_build_config.h"  // generated at configure time

PYBIND11_MODULE(_C, m) {
  m.doc() = "fairmot._C: torch operators (deformable convolution, heatmap decoding)";
#ifdef FAIRMOT_WITH_CUDA
  m.attr("with_cuda") = true;
#else
  m.attr("with_cuda") = false;
#endif
  m.attr("torch_version") = FAIRMOT_TORCH_VERSION;  // torch the module was compiled against
  m.attr("cuda_version") = FAIRMOT_CUDA_VERSION;    // CUDA toolkit of the build ("" without CUDA)
  m.attr("cuda_archs") = FAIRMOT_CUDA_ARCHS;        // CMake form, e.g. "90-real" or "80-real;90"
  m.attr("build_policy") = FAIRMOT_BUILD_POLICY;    // why these kernels were built, and how to change it
}
