# Shared by the aarch64 toolchain files: Debian's arm64 multiarch layout.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# Q4T_QEMU picks the emulator binary (scripts/test passes the newest it has).
if(NOT Q4T_QEMU)
    set(Q4T_QEMU qemu-aarch64)
endif()
# The guest's dynamic loader is run explicitly rather than found through
# qemu's -L prefix: with -L, pthread_create hangs in the emulated program
# (seen with qemu 7.2 and 11.1 on these machines).
# The guest's libc: Debian's cross package (/usr/aarch64-linux-gnu) on an
# x86-64 host; on an arm64 host, where this file also serves (each emulated
# feature set under qemu), the system's own.
if(EXISTS /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1)
    set(Q4T_GUEST_LIB /usr/aarch64-linux-gnu/lib)
else()
    set(Q4T_GUEST_LIB /lib/aarch64-linux-gnu)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${Q4T_QEMU};${Q4T_GUEST_LIB}/ld-linux-aarch64.so.1;--library-path;${Q4T_GUEST_LIB}")
set(Q4T_OBJDUMP aarch64-linux-gnu-objdump)
