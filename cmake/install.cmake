# Installs headers, the library, a CMake package (find_package(aeternus),
# target aeternus::aeternus) and a pkg-config file (aeternus.pc).
#
# The library is static unless BUILD_SHARED_LIBS is on, so both package files
# also name its private dependencies (threads, xxhash, and zstd/lz4 when the
# build found them): aeternusConfig.cmake finds them again for the consumer,
# aeternus.pc lists them under Requires.private/Libs.private for
# `pkg-config --static`.
include(CMakePackageConfigHelpers)

set(AETERNUS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/aeternus)
set(AETERNUS_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS aeternus EXPORT aeternusTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/aeternus DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT aeternusTargets NAMESPACE aeternus:: FILE aeternusTargets.cmake
  DESTINATION ${AETERNUS_INSTALL_CMAKEDIR})

# CMake package. The optional codecs are recorded as ON/OFF so that the config
# file asks the consumer's system for exactly what this build linked.
if(ZSTD_FOUND)
  set(AETERNUS_CONFIG_WITH_ZSTD ON)
else()
  set(AETERNUS_CONFIG_WITH_ZSTD OFF)
endif()
if(LZ4_FOUND)
  set(AETERNUS_CONFIG_WITH_LZ4 ON)
else()
  set(AETERNUS_CONFIG_WITH_LZ4 OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/aeternusConfig.cmake.in
  ${PROJECT_BINARY_DIR}/aeternusConfig.cmake
  INSTALL_DESTINATION ${AETERNUS_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/aeternusConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/aeternusConfig.cmake ${PROJECT_BINARY_DIR}/aeternusConfigVersion.cmake
  DESTINATION ${AETERNUS_INSTALL_CMAKEDIR})

# pkg-config file. Paths are relative to the .pc file (${pcfiledir}), so the
# file is right whatever `cmake --install --prefix` or DESTDIR is used, and
# whether GNUInstallDirs chose lib/ or lib/<multiarch>/. Absolute install
# directories are written as they are.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(AETERNUS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(AETERNUS_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(AETERNUS_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _aeternus_pc_up "/root/${AETERNUS_INSTALL_PKGCONFIGDIR}" "/root")
  string(REGEX REPLACE "/$" "" _aeternus_pc_up "${_aeternus_pc_up}")
  set(AETERNUS_PC_PREFIX "\${pcfiledir}/${_aeternus_pc_up}")
  set(AETERNUS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(AETERNUS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  unset(_aeternus_pc_up)
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/aeternus.pc.in ${PROJECT_BINARY_DIR}/aeternus.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/aeternus.pc DESTINATION ${AETERNUS_INSTALL_PKGCONFIGDIR})
