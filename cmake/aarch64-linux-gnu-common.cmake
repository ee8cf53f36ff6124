# Shared by the aarch64 toolchain files: Debian's arm64 multiarch layout.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# Q4T_QEMU picks the emulator binary (scripts/test passes the newest it has).
if(NOT Q4T_QEMU)
    set(Q4T_QEMU qemu-aarch64)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${Q4T_QEMU};-L;/usr/aarch64-linux-gnu")
set(Q4T_OBJDUMP aarch64-linux-gnu-objdump)
