# Cross-build for aarch64 Linux with clang-19 (the Android NDK's compiler
# family) against the same Debian arm64 sysroot as the GCC build.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld")
include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu-common.cmake)
