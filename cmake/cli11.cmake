# CLI11 (header-only, Debian libcli11-dev), which the tools and the server
# parse their flags with: defines CLI11::CLI11 when it is found.
find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  find_path(AETERNUS_CLI11_INCLUDE_DIR CLI/CLI.hpp)
  if(AETERNUS_CLI11_INCLUDE_DIR)
    add_library(CLI11::CLI11 INTERFACE IMPORTED)
    target_include_directories(CLI11::CLI11 INTERFACE ${AETERNUS_CLI11_INCLUDE_DIR})
  endif()
endif()
