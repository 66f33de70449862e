#!/usr/bin/env bash
# Installs a built aeternus into a temporary prefix, then builds and runs
# examples/consumer against it in both supported ways:
#   1. CMake: find_package(aeternus) + aeternus::aeternus, CMAKE_PREFIX_PATH;
#   2. pkg-config: c++ main.cc $(pkg-config --cflags --libs --static aeternus).
# Both must resolve the static library's private dependencies (threads,
# xxhash, and zstd/lz4 when built with them) without help from the consumer.
#
# Usage: install_test.sh <build dir> <source dir> [<cmake> [<c++> [<config>]]]
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 <build dir> <source dir> [<cmake> [<c++> [<config>]]]" >&2
  exit 2
fi
build_dir=$(realpath "$1")
source_dir=$(realpath "$2")
cmake=${3:-cmake}
cxx=${4:-c++}
config=${5:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aeternus-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
consumer_src=$source_dir/examples/consumer

step() { echo "== $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "install $build_dir into $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" ${config:+--config "$config"}

# GNUInstallDirs picks lib/ or lib/<multiarch>/; find what was installed.
pc_file=$(find "$prefix" -path '*/pkgconfig/aeternus.pc' | head -n 1)
config_file=$(find "$prefix" -path '*/cmake/aeternus/aeternusConfig.cmake' | head -n 1)
[[ -n $pc_file ]] || fail "no pkgconfig/aeternus.pc under $prefix"
[[ -n $config_file ]] || fail "no cmake/aeternus/aeternusConfig.cmake under $prefix"
[[ -f $prefix/include/aeternus/db.h ]] || fail "no include/aeternus/db.h under $prefix"
lib_dir=$(dirname "$(dirname "$pc_file")")
echo "library directory: $lib_dir"
ls "$lib_dir"

# A shared build needs the loader to find libaeternus.so; a static one does not.
export LD_LIBRARY_PATH=$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

step "CMake consumer: find_package(aeternus) with CMAKE_PREFIX_PATH=$prefix"
"$cmake" -S "$consumer_src" -B "$tmp/consumer-cmake" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Release
found_dir=$(sed -n 's/^aeternus_DIR:[A-Z]*=//p' "$tmp/consumer-cmake/CMakeCache.txt")
[[ $found_dir == "$prefix"/* ]] || fail "find_package used $found_dir, not the prefix"
"$cmake" --build "$tmp/consumer-cmake" --verbose
"$tmp/consumer-cmake/consumer" "$tmp/db-cmake"

step "pkg-config consumer: PKG_CONFIG_PATH=$(dirname "$pc_file")"
cat "$pc_file"
pc_flags=$(PKG_CONFIG_PATH=$(dirname "$pc_file") pkg-config --cflags --libs --static aeternus)
echo "pkg-config --cflags --libs --static aeternus: $pc_flags"
[[ $pc_flags == *"-L$prefix/"* ]] || fail "pkg-config flags do not point into $prefix"
# The sources come before the libraries: a static archive only resolves
# symbols that objects before it on the command line need.
# shellcheck disable=SC2086  # the flags are meant to be split
"$cxx" "$consumer_src/main.cc" $pc_flags -o "$tmp/consumer-pkgconfig"
"$tmp/consumer-pkgconfig" "$tmp/db-pkgconfig"

step "ok"
