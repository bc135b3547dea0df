# Helpers for the Python extension modules of fairmot.
find_package(Python 3.10 REQUIRED COMPONENTS Interpreter Development.Module)
if(NOT pybind11_DIR)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" -c "import pybind11; print(pybind11.get_cmake_dir())"
    OUTPUT_VARIABLE _pybind11_dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    set(pybind11_DIR "${_pybind11_dir}")
  endif()
endif()
find_package(pybind11 CONFIG REQUIRED)

# fairmot_add_python_module(<name> <sources...>): a module installed as fairmot.<name>.
function(fairmot_add_python_module name)
  pybind11_add_module(${name} MODULE ${ARGN})
  target_compile_features(${name} PRIVATE cxx_std_17)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
  endif()
  install(TARGETS ${name} LIBRARY DESTINATION fairmot)
endfunction()
