# fairmot._C: torch operators (deformable convolution, heatmap decoding).
#
# Built when the Python that builds the package can import torch (install
# torch first and build with `pip install --no-build-isolation .`).
# CUDA kernels are added when torch has CUDA and nvcc is found, unless
# FAIRMOT_WITH_CUDA=OFF (CMake option or environment variable). CUDA
# architectures: FAIRMOT_CUDA_ARCH_LIST (CMake or environment, e.g. "90" or
# "8.0;9.0"), else TORCH_CUDA_ARCH_LIST, else the local GPU ("native"), else
# a default list.
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
    "import os, torch; print(os.path.dirname(torch.__file__)); print(torch.__version__.split('+')[0]); print(torch.version.cuda or ''); print(int(torch.compiled_with_cxx11_abi()))"
  OUTPUT_VARIABLE _torch_info OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _torch_rc ERROR_QUIET)
if(NOT _torch_rc EQUAL 0)
  message(WARNING "fairmot: torch is not importable by ${Python_EXECUTABLE}; the torch operators "
                  "(fairmot._C) are NOT built. Install torch first and build with --no-build-isolation.")
  return()
endif()
string(REPLACE "\n" ";" _torch_info "${_torch_info}")
list(GET _torch_info 0 TORCH_ROOT)
list(GET _torch_info 1 FAIRMOT_TORCH_VERSION)
list(GET _torch_info 2 TORCH_CUDA_VERSION)
list(GET _torch_info 3 TORCH_CXX11_ABI)
message(STATUS "fairmot: torch ${FAIRMOT_TORCH_VERSION} at ${TORCH_ROOT} (CUDA '${TORCH_CUDA_VERSION}')")

set(_ops_dir ${PROJECT_SOURCE_DIR}/csrc/ops)
set(_ops_sources
  ${_ops_dir}/module.cpp
  ${_ops_dir}/ops.cpp
  ${_ops_dir}/deform_conv2d/deform_conv2d_checks.cpp
  ${_ops_dir}/deform_conv2d/cpu/deform_conv2d_kernel.cpp
  ${_ops_dir}/deform_conv2d/autocast/deform_conv2d_autocast.cpp
  ${_ops_dir}/heatmap_decode/cpu/heatmap_topk_kernel.cpp)

# CUDA: on when torch has it and nvcc is found, unless switched off.
if(DEFINED ENV{FAIRMOT_WITH_CUDA} AND NOT DEFINED FAIRMOT_WITH_CUDA)
  set(FAIRMOT_WITH_CUDA $ENV{FAIRMOT_WITH_CUDA})
endif()
set(_want_cuda OFF)
if(TORCH_CUDA_VERSION AND (NOT DEFINED FAIRMOT_WITH_CUDA OR FAIRMOT_WITH_CUDA))
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(_want_cuda ON)
  elseif(FAIRMOT_WITH_CUDA)
    message(FATAL_ERROR "fairmot: FAIRMOT_WITH_CUDA is on but no CUDA compiler (nvcc) was found")
  else()
    message(STATUS "fairmot: torch has CUDA ${TORCH_CUDA_VERSION} but nvcc was not found: CPU kernels only")
  endif()
endif()

if(_want_cuda)
  # Architecture list.
  if(NOT FAIRMOT_CUDA_ARCH_LIST AND DEFINED ENV{FAIRMOT_CUDA_ARCH_LIST})
    set(FAIRMOT_CUDA_ARCH_LIST $ENV{FAIRMOT_CUDA_ARCH_LIST})
  endif()
  if(NOT FAIRMOT_CUDA_ARCH_LIST AND DEFINED ENV{TORCH_CUDA_ARCH_LIST})
    set(FAIRMOT_CUDA_ARCH_LIST $ENV{TORCH_CUDA_ARCH_LIST})
  endif()
  if(FAIRMOT_CUDA_ARCH_LIST)
    # "8.0 8.6+PTX;9.0" -> "80;86;90"
    string(REGEX REPLACE "[ ,]+" ";" _archs "${FAIRMOT_CUDA_ARCH_LIST}")
    string(REPLACE "+PTX" "" _archs "${_archs}")
    string(REPLACE "." "" _archs "${_archs}")
    set(CMAKE_CUDA_ARCHITECTURES ${_archs})
  elseif(NOT CMAKE_CUDA_ARCHITECTURES)
    execute_process(COMMAND nvidia-smi --query-gpu=compute_cap --format=csv,noheader
                    OUTPUT_VARIABLE _caps RESULT_VARIABLE _smi_rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_smi_rc EQUAL 0 AND _caps)
      set(CMAKE_CUDA_ARCHITECTURES native)
    else()
      set(CMAKE_CUDA_ARCHITECTURES 75 80 86 89 90)
    endif()
  endif()
  enable_language(CUDA)
  list(APPEND _ops_sources
    ${_ops_dir}/deform_conv2d/cuda/deform_conv2d_kernel.cu
    ${_ops_dir}/heatmap_decode/cuda/heatmap_topk_kernel.cu)
  message(STATUS "fairmot: CUDA kernels ON, architectures: ${CMAKE_CUDA_ARCHITECTURES}")
endif()

fairmot_add_python_module(_C ${_ops_sources})
# Recent torch headers need C++20 (the torch-free tracker core stays C++17).
set_target_properties(_C PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON CUDA_STANDARD 20 CUDA_STANDARD_REQUIRED ON)
target_include_directories(_C SYSTEM PRIVATE ${TORCH_ROOT}/include ${TORCH_ROOT}/include/torch/csrc/api/include)
target_include_directories(_C PRIVATE ${_ops_dir})
target_link_directories(_C PRIVATE ${TORCH_ROOT}/lib)
target_link_libraries(_C PRIVATE c10 torch_cpu torch)
target_compile_definitions(_C PRIVATE
  _GLIBCXX_USE_CXX11_ABI=${TORCH_CXX11_ABI}
  FAIRMOT_TORCH_VERSION="${FAIRMOT_TORCH_VERSION}")
# at::parallel_for is a header template: with torch's OpenMP backend it only
# runs in parallel when the code that instantiates it is compiled with OpenMP
# (otherwise every loop runs on the calling thread). libgomp.so.1 then resolves
# to the copy torch loaded (torch/lib), so both share one thread pool.
file(READ "${TORCH_ROOT}/include/ATen/Config.h" _aten_config)
if(_aten_config MATCHES "#define AT_PARALLEL_OPENMP 1")
  find_package(OpenMP COMPONENTS CXX)
  if(OpenMP_CXX_FOUND)
    target_link_libraries(_C PRIVATE OpenMP::OpenMP_CXX)
  else()
    message(WARNING "fairmot: torch uses OpenMP but no OpenMP was found for the compiler: the CPU "
                    "kernels of fairmot._C will run single-threaded")
  endif()
endif()
# Find torch's libraries at run time next to the installed torch package.
set_target_properties(_C PROPERTIES INSTALL_RPATH "$ORIGIN/../torch/lib" BUILD_WITH_INSTALL_RPATH ON)

if(_want_cuda)
  # torch's CUDA headers need the toolkit headers shipped with the nvidia
  # wheels (cusparse.h, ...) when the local toolkit lacks them.
  get_filename_component(_site ${TORCH_ROOT} DIRECTORY)
  file(GLOB _nv_includes "${_site}/nvidia/cu*/include" "${_site}/nvidia/*/include")
  find_package(CUDAToolkit REQUIRED)
  target_include_directories(_C SYSTEM PRIVATE ${CUDAToolkit_INCLUDE_DIRS} ${_nv_includes})
  target_link_libraries(_C PRIVATE c10_cuda torch_cuda CUDA::cudart)
  string(REPLACE ";" "\\;" _arch_str "${CMAKE_CUDA_ARCHITECTURES}")
  target_compile_definitions(_C PRIVATE FAIRMOT_WITH_CUDA FAIRMOT_CUDA_VERSION="${CUDAToolkit_VERSION}"
                                        FAIRMOT_CUDA_ARCHS="${_arch_str}")
  set_target_properties(_C PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
  target_compile_options(_C PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-fPIC>)
endif()
