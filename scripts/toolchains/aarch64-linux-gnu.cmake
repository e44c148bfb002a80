# SPDX-License-Identifier: MIT
# Debian's aarch64 cross compilers against an arm64 sysroot of Debian's own packages
# (QTSSE_ARM64_SYSROOT, made by scripts/arm64.sh), the programs run under qemu-user. Qt's host
# tools (moc, rcc...) are this machine's: QT_HOST_PATH.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
if(NOT QTSSE_ARM64_SYSROOT)
    set(QTSSE_ARM64_SYSROOT "$ENV{QTSSE_ARM64_SYSROOT}")
endif()
if(NOT QTSSE_ARM64_SYSROOT)
    message(FATAL_ERROR "Set QTSSE_ARM64_SYSROOT to the arm64 sysroot (see scripts/arm64.sh)")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES QTSSE_ARM64_SYSROOT)
set(CMAKE_SYSROOT "${QTSSE_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L "${QTSSE_ARM64_SYSROOT}")
set(QT_HOST_PATH /usr)
set(QT_HOST_PATH_CMAKE_DIR /usr/lib/x86_64-linux-gnu/cmake)
