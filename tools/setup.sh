#!/usr/bin/env bash
# Installs what Tern needs on Debian 12 (only what is missing), configures a
# Release build with CMake + Ninja in ./build, and builds everything.
# Idempotent: with everything present it only runs an incremental build.
# Works as root, or with sudo when not root.
#
#   tools/setup.sh [--build-dir DIR] [--build-type TYPE] [--no-build]
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=build
build_type=Release
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --build-type) build_type=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

packages=(
  cmake ninja-build g++ ccache pkg-config clang-format
  clang libclang-rt-14-dev          # fuzz targets (libFuzzer) and sanitizer builds
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libgflags-dev libgoogle-glog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libthrift-dev thrift-compiler libevent-dev   # interop tests and benchmark peers only
  python3-thrift                    # interop tests: Apache Thrift's Python library as a peer
  binutils                          # nm, for the exported-symbol checks
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Let ccache hit across fresh clones of the same tree.
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type"
fi
if [ "$do_build" = 1 ]; then
  cmake --build "$build_dir"
fi
