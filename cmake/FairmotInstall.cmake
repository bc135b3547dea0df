# Install rules of the native libraries: headers, fairmot::tracker (static C++
# core), fairmot::fairmot (libfairmot, the C ABI), fairmotConfig.cmake and
# fairmot.pc. Both files are relocatable: the CMake package finds its prefix
# from its own location and fairmot.pc from ${pcfiledir}, so the same files
# work from `cmake --install` and from inside the wheel.
#
# Layout: a plain CMake install uses GNUInstallDirs (include/, lib/,
# lib/cmake/fairmot, lib/pkgconfig); the wheel (scikit-build-core, SKBUILD)
# puts everything inside the package: fairmot/include, fairmot/lib,
# fairmot/lib/cmake/fairmot, fairmot/lib/pkgconfig
# (python -m fairmot.info --include-dir / --library-dir / --cmake-dir).
#
# Components: fairmot_runtime (the shared library) and fairmot_development
# (headers, static core, CMake and pkg-config files).
include(CMakePackageConfigHelpers)

set(_dev COMPONENT fairmot_development)
set(_rt COMPONENT fairmot_runtime)

install(TARGETS fairmot_tracker fairmot_c EXPORT fairmotTargets
  LIBRARY DESTINATION ${FAIRMOT_INSTALL_LIBDIR} ${_rt} NAMELINK_COMPONENT fairmot_development
  ARCHIVE DESTINATION ${FAIRMOT_INSTALL_LIBDIR} ${_dev}
  RUNTIME DESTINATION ${FAIRMOT_INSTALL_BINDIR} ${_rt}
  INCLUDES DESTINATION ${FAIRMOT_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/csrc/tracker/include/ ${PROJECT_SOURCE_DIR}/csrc/capi/include/
  DESTINATION ${FAIRMOT_INSTALL_INCLUDEDIR} ${_dev} FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(EXPORT fairmotTargets NAMESPACE fairmot:: FILE fairmotTargets.cmake
  DESTINATION ${FAIRMOT_INSTALL_CMAKEDIR} ${_dev})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/fairmotConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fairmotConfig.cmake INSTALL_DESTINATION ${FAIRMOT_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fairmotConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fairmotConfig.cmake ${PROJECT_BINARY_DIR}/fairmotConfigVersion.cmake
  DESTINATION ${FAIRMOT_INSTALL_CMAKEDIR} ${_dev})

# fairmot.pc: prefix relative to the .pc file's own directory.
function(_fairmot_pc_path var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
set(_pcdir "${FAIRMOT_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${_pcdir}")
  set(FAIRMOT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _up "/root/${_pcdir}" "/root")
  string(REGEX REPLACE "/$" "" _up "${_up}")
  set(FAIRMOT_PC_PREFIX "\${pcfiledir}/${_up}")
endif()
_fairmot_pc_path(FAIRMOT_PC_LIBDIR "${FAIRMOT_INSTALL_LIBDIR}")
_fairmot_pc_path(FAIRMOT_PC_INCLUDEDIR "${FAIRMOT_INSTALL_INCLUDEDIR}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/fairmot.pc.in ${PROJECT_BINARY_DIR}/fairmot.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/fairmot.pc DESTINATION ${_pcdir} ${_dev})
