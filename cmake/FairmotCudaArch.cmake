# CUDA architecture lists: parsing and the build policy.
#
# fairmot_parse_cuda_arch_list(<list> <out_var>)
#   Turns an architecture list as people write it into CMake's
#   CUDA_ARCHITECTURES form. Separators: ';', ' ' or ','. Accepted entries:
#     9.0      -> 90-real    (SASS for sm_90; torch's TORCH_CUDA_ARCH_LIST form)
#     9.0+PTX  -> 90         (SASS for sm_90 and PTX for compute_90, which newer GPUs JIT-compile)
#     90       -> 90-real    (CMake's numeric form; '90+PTX' -> 90)
#     9.0a, 90a, 100f        (architecture-specific variants, same rules)
#     sm_90 -> 90-real, compute_90 -> 90-virtual
#     90-real, 90-virtual    (CMake's own spellings, unchanged)
#     native, all, all-major (CMake keywords, alone)
#   Anything else stops the configure step with an error naming the entry.
#   Duplicates are removed; order is kept.
#
# Usable in script mode (cmake -P), which the tests do.

function(fairmot_parse_cuda_arch_list input out_var)
  string(STRIP "${input}" _in)
  string(REGEX REPLACE "[ ,;]+" ";" _items "${_in}")
  list(FILTER _items EXCLUDE REGEX "^$")
  if(NOT _items)
    message(FATAL_ERROR "fairmot: the CUDA architecture list '${input}' is empty")
  endif()
  set(_out "")
  foreach(_item IN LISTS _items)
    string(TOLOWER "${_item}" _lc)
    # torch's dotted form ("9.0", "8.6+PTX") is the numeric one without the dot.
    if(_lc MATCHES "^[0-9]+\\.[0-9][af]?(\\+ptx)?$")
      string(REPLACE "." "" _lc "${_lc}")
    endif()
    if(_lc MATCHES "^(native|all|all-major)$")
      list(LENGTH _items _n)
      if(NOT _n EQUAL 1)
        message(FATAL_ERROR "fairmot: '${_item}' must be the only entry of the CUDA architecture list "
                            "(got '${input}')")
      endif()
      set(_arch "${_lc}")
    elseif(_lc MATCHES "^([0-9][0-9]+)([af]?)(\\+ptx)?$")
      if(CMAKE_MATCH_3)
        set(_arch "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
      else()
        set(_arch "${CMAKE_MATCH_1}${CMAKE_MATCH_2}-real")
      endif()
    elseif(_lc MATCHES "^sm_([0-9][0-9]+[af]?)$")
      set(_arch "${CMAKE_MATCH_1}-real")
    elseif(_lc MATCHES "^compute_([0-9][0-9]+[af]?)$")
      set(_arch "${CMAKE_MATCH_1}-virtual")
    elseif(_lc MATCHES "^[0-9][0-9]+[af]?-(real|virtual)$")
      set(_arch "${_lc}")
    else()
      message(FATAL_ERROR
        "fairmot: cannot read '${_item}' in the CUDA architecture list '${input}'. Write compute "
        "capabilities such as '9.0', '8.0;9.0', '8.0 8.6 9.0', '75 80 86 89 90' or '9.0+PTX' "
        "(FAIRMOT_CUDA_ARCH_LIST or TORCH_CUDA_ARCH_LIST).")
    endif()
    list(APPEND _out "${_arch}")
  endforeach()
  list(REMOVE_DUPLICATES _out)
  set(${out_var} "${_out}" PARENT_SCOPE)
endfunction()

# fairmot_local_gpu_archs(<out_var>)
#   The compute capabilities of the GPUs nvidia-smi sees, as a CMake
#   architecture list (e.g. "90-real"), or "" when there is no GPU (no
#   nvidia-smi, no driver, or no device).
function(fairmot_local_gpu_archs out_var)
  set(_archs "")
  find_program(_fairmot_smi nvidia-smi)
  if(_fairmot_smi)
    execute_process(COMMAND "${_fairmot_smi}" --query-gpu=compute_cap --format=csv,noheader
                    OUTPUT_VARIABLE _caps RESULT_VARIABLE _rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE
                    TIMEOUT 30)
    if(_rc EQUAL 0 AND _caps MATCHES "[0-9]+\\.[0-9]")
      string(REGEX MATCHALL "[0-9]+\\.[0-9]" _caps "${_caps}")
      fairmot_parse_cuda_arch_list("${_caps}" _archs)
    endif()
  endif()
  set(${out_var} "${_archs}" PARENT_SCOPE)
endfunction()
