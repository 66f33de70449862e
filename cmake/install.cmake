# Installs headers, the library, a CMake package (find_package(aeternus),
# target aeternus::aeternus) and a pkg-config file (aeternus.pc).
include(CMakePackageConfigHelpers)

install(TARGETS aeternus EXPORT aeternusTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/aeternus DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT aeternusTargets NAMESPACE aeternus:: FILE aeternusTargets.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/aeternus)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/aeternusConfig.cmake.in
  ${PROJECT_BINARY_DIR}/aeternusConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/aeternus)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/aeternusConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/aeternusConfig.cmake ${PROJECT_BINARY_DIR}/aeternusConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/aeternus)
configure_file(${PROJECT_SOURCE_DIR}/cmake/aeternus.pc.in ${PROJECT_BINARY_DIR}/aeternus.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/aeternus.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
