# Cross-build for aarch64 Linux with Debian's GCC cross toolchain and the arm64
# multiarch -dev packages; tests run under qemu-aarch64 (QEMU_CPU picks the CPU).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu-common.cmake)
