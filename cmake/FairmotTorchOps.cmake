# fairmot._C: torch operators (deformable convolution, heatmap decoding).
#
# Built when the Python that builds the package can import torch (install
# torch first and build with `pip install --no-build-isolation .`).
# Whether CUDA kernels are added, and for which architectures, is the policy
# written out below (and in the README).
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

# CUDA policy (README "Build policy"; reported by `python -m fairmot.info`):
#   torch without CUDA, or FAIRMOT_WITH_CUDA=OFF      -> CPU kernels only
#   an explicit list (FAIRMOT_CUDA_ARCH_LIST, else
#   TORCH_CUDA_ARCH_LIST)                             -> CUDA kernels for that list
#   no list, a GPU visible to nvidia-smi              -> CUDA kernels for the local GPU(s)
#   no list, no GPU, FAIRMOT_WITH_CUDA=ON             -> CUDA kernels for a default list
#   no list, no GPU, FAIRMOT_WITH_CUDA unset          -> CPU kernels only, with a notice
# The CUDA compiler is probed only when CUDA kernels are wanted.
include(FairmotCudaArch)
if(DEFINED ENV{FAIRMOT_WITH_CUDA} AND NOT DEFINED FAIRMOT_WITH_CUDA)
  set(FAIRMOT_WITH_CUDA $ENV{FAIRMOT_WITH_CUDA})
endif()
if(NOT DEFINED FAIRMOT_CUDA_ARCH_LIST AND DEFINED ENV{FAIRMOT_CUDA_ARCH_LIST})
  set(FAIRMOT_CUDA_ARCH_LIST "$ENV{FAIRMOT_CUDA_ARCH_LIST}")
endif()
set(FAIRMOT_CUDA_DEFAULT_ARCHS "7.5 8.0 8.6 8.9 9.0+PTX")
set(_how_to_cuda "set FAIRMOT_CUDA_ARCH_LIST (e.g. FAIRMOT_CUDA_ARCH_LIST=9.0) to build CUDA kernels, or FAIRMOT_WITH_CUDA=ON for a default list (${FAIRMOT_CUDA_DEFAULT_ARCHS})")
set(_want_cuda OFF)
# nvcc missing is an error when CUDA was asked for (FAIRMOT_WITH_CUDA=ON or FAIRMOT_CUDA_ARCH_LIST).
set(_cuda_required OFF)
if(FAIRMOT_WITH_CUDA)
  set(_cuda_required ON)
endif()
set(_archs "")
set(FAIRMOT_BUILD_POLICY "")
if(DEFINED FAIRMOT_WITH_CUDA AND NOT FAIRMOT_WITH_CUDA)
  set(FAIRMOT_BUILD_POLICY "CPU kernels only: FAIRMOT_WITH_CUDA=${FAIRMOT_WITH_CUDA}")
elseif(NOT TORCH_CUDA_VERSION)
  if(FAIRMOT_WITH_CUDA)
    message(FATAL_ERROR "fairmot: FAIRMOT_WITH_CUDA=${FAIRMOT_WITH_CUDA} but torch ${FAIRMOT_TORCH_VERSION} "
                        "was built without CUDA; install a CUDA build of torch or unset FAIRMOT_WITH_CUDA")
  endif()
  set(FAIRMOT_BUILD_POLICY "CPU kernels only: torch ${FAIRMOT_TORCH_VERSION} has no CUDA")
elseif(FAIRMOT_CUDA_ARCH_LIST)
  fairmot_parse_cuda_arch_list("${FAIRMOT_CUDA_ARCH_LIST}" _archs)
  set(_want_cuda ON)
  set(_cuda_required ON)
  set(FAIRMOT_BUILD_POLICY "CUDA kernels for FAIRMOT_CUDA_ARCH_LIST='${FAIRMOT_CUDA_ARCH_LIST}'")
elseif(DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT "$ENV{TORCH_CUDA_ARCH_LIST}" STREQUAL "")
  fairmot_parse_cuda_arch_list("$ENV{TORCH_CUDA_ARCH_LIST}" _archs)
  set(_want_cuda ON)
  set(FAIRMOT_BUILD_POLICY "CUDA kernels for TORCH_CUDA_ARCH_LIST='$ENV{TORCH_CUDA_ARCH_LIST}'")
else()
  fairmot_local_gpu_archs(_archs)
  if(_archs)
    set(_want_cuda ON)
    set(FAIRMOT_BUILD_POLICY "CUDA kernels for the local GPU(s) (nvidia-smi)")
  elseif(FAIRMOT_WITH_CUDA)
    fairmot_parse_cuda_arch_list("${FAIRMOT_CUDA_DEFAULT_ARCHS}" _archs)
    set(_want_cuda ON)
    set(FAIRMOT_BUILD_POLICY "CUDA kernels for the default list '${FAIRMOT_CUDA_DEFAULT_ARCHS}' (FAIRMOT_WITH_CUDA=${FAIRMOT_WITH_CUDA}, no GPU found)")
  else()
    set(FAIRMOT_BUILD_POLICY "CPU kernels only: no GPU was found and no CUDA architecture list was given; ${_how_to_cuda}")
  endif()
endif()
if(_want_cuda)
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    if(_cuda_required)
      message(FATAL_ERROR "fairmot: CUDA kernels were asked for (${FAIRMOT_BUILD_POLICY}) but no CUDA "
                          "compiler (nvcc) was found; put nvcc on the PATH or set CUDACXX")
    endif()
    message(WARNING "fairmot: torch has CUDA ${TORCH_CUDA_VERSION} but nvcc was not found: CPU kernels only")
    set(FAIRMOT_BUILD_POLICY "CPU kernels only: no CUDA compiler (nvcc) was found; put nvcc on the PATH and rebuild")
    set(_want_cuda OFF)
    set(_archs "")
  endif()
endif()

if(_want_cuda)
  set(CMAKE_CUDA_ARCHITECTURES ${_archs})
  enable_language(CUDA)
  list(APPEND _ops_sources
    ${_ops_dir}/deform_conv2d/cuda/deform_conv2d_kernel.cu
    ${_ops_dir}/heatmap_decode/cuda/heatmap_topk_kernel.cu)
  message(STATUS "fairmot: CUDA kernels ON, architectures: ${CMAKE_CUDA_ARCHITECTURES}")
else()
  message(STATUS "fairmot: ${FAIRMOT_BUILD_POLICY}")
endif()
set(FAIRMOT_CUDA_ARCHS_STR "${_archs}")
string(REPLACE "\\" "\\\\" FAIRMOT_BUILD_POLICY_STR "${FAIRMOT_BUILD_POLICY}")
string(REPLACE "\"" "\\\"" FAIRMOT_BUILD_POLICY_STR "${FAIRMOT_BUILD_POLICY_STR}")

fairmot_add_python_module(_C ${_ops_sources})
# Recent torch headers need C++20 (the torch-free tracker core stays C++17).
set_target_properties(_C PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON CUDA_STANDARD 20 CUDA_STANDARD_REQUIRED ON)
target_include_directories(_C SYSTEM PRIVATE ${TORCH_ROOT}/include ${TORCH_ROOT}/include/torch/csrc/api/include)
target_include_directories(_C PRIVATE ${_ops_dir})
target_link_directories(_C PRIVATE ${TORCH_ROOT}/lib)
target_link_libraries(_C PRIVATE c10 torch_cpu torch)
target_compile_definitions(_C PRIVATE _GLIBCXX_USE_CXX11_ABI=${TORCH_CXX11_ABI})
# Build facts go through a generated header, not compile definitions, so no
# shell or build-tool quoting can break them (an architecture list holds ';').
set(FAIRMOT_CUDA_VERSION_STR "")
if(_want_cuda)
  set(FAIRMOT_CUDA_VERSION_STR "${CMAKE_CUDA_COMPILER_VERSION}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/fairmot_build_config.h.in
               ${CMAKE_CURRENT_BINARY_DIR}/generated/fairmot_build_config.h @ONLY)
target_include_directories(_C PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated)
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
  target_compile_definitions(_C PRIVATE FAIRMOT_WITH_CUDA)
  set_target_properties(_C PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
  target_compile_options(_C PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-fPIC>)
endif()
