# SPDX-License-Identifier: MIT
# The content decoders QtSse links, each optional: zlib (gzip, deflate), libbrotlidec (br) and
# libzstd (zstd). Each is looked for through its CMake package first, under the names vcpkg and
# Conan give it (ZLIB::ZLIB; unofficial::brotli::brotlidec or brotli::brotlidec;
# zstd::libzstd_shared or zstd::libzstd_static), then through pkg-config. Without a decoder its
# coding is not asked for in Accept-Encoding; without any, a stream asks for `identity`.
#
# Included by the top-level CMakeLists.txt, so the imported targets are seen by every directory
# (src/ links them; tests/auto links the encoders beside them). It sets:
#   qtsse_content_codecs      an INTERFACE target with only the definitions QTSSE_HAVE_ZLIB,
#                             QTSSE_HAVE_BROTLI, QTSSE_HAVE_ZSTD of the decoders found (what
#                             Accept-Encoding names; tests use them to know what to expect)
#   QTSSE_CODEC_TARGETS       the imported targets of the decoders, linked privately by QtSse
#   QTSSE_CODEC_DEPENDENCIES  the find calls the installed package config of a static QtSse
#                             makes to find them again (only those this build used)
#   QTSSE_HAVE_ZLIB, QTSSE_HAVE_BROTLI, QTSSE_HAVE_ZSTD   ON or OFF
# Hide one with -DCMAKE_DISABLE_FIND_PACKAGE_<ZLIB|unofficial-brotli|brotli|zstd>=ON and, for the
# pkg-config fallback, -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON (scripts/suite.sh does both).
# Needs QTSSE_LIBRARY_TYPE (a static QtSse prefers a static libzstd).

find_package(PkgConfig QUIET)
# Cross-compiling, pkg-config answers with this machine's libraries unless it is pointed at the
# target's (PKG_CONFIG_LIBDIR or PKG_CONFIG_SYSROOT_DIR in the environment): then, as in Qt's own
# build, it is not asked (a MinGW build found Linux's zlib.pc and failed on <zlib.h>).
if(PKG_CONFIG_FOUND AND CMAKE_CROSSCOMPILING AND NOT DEFINED ENV{PKG_CONFIG_LIBDIR}
        AND NOT DEFINED ENV{PKG_CONFIG_SYSROOT_DIR})
    message(STATUS "QtSse: cross-compiling without PKG_CONFIG_LIBDIR or PKG_CONFIG_SYSROOT_DIR: "
        "the content decoders are not looked for through pkg-config")
    set(PKG_CONFIG_FOUND FALSE)
endif()

set(QTSSE_CODEC_TARGETS)
set(QTSSE_CODEC_DEPENDENCIES)
set(_qtsse_codecs)
set(_qtsse_pkg_config_used OFF)
add_library(qtsse_content_codecs INTERFACE)

# pkg-config second: an imported target PkgConfig::<prefix> of `module`, visible everywhere.
macro(_qtsse_codec_from_pkg_config prefix module)
    if(NOT _qtsse_codec_target AND PKG_CONFIG_FOUND)
        pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
        if(TARGET PkgConfig::${prefix})
            set(_qtsse_codec_target PkgConfig::${prefix})
            set(_qtsse_codec_find
                "pkg_check_modules(${prefix} REQUIRED QUIET IMPORTED_TARGET ${module})")
            set(_qtsse_pkg_config_used ON)
        endif()
    endif()
endmacro()

macro(_qtsse_codec_found define coding)
    if(_qtsse_codec_target)
        # Under add_subdirectory() or FetchContent, a static QtSse's link interface names the
        # decoder in the consumer's directories too: make a target found here global.
        get_target_property(_qtsse_aliased ${_qtsse_codec_target} ALIASED_TARGET)
        get_target_property(_qtsse_global ${_qtsse_codec_target} IMPORTED_GLOBAL)
        get_target_property(_qtsse_defined_in ${_qtsse_codec_target} SOURCE_DIR)
        if(NOT _qtsse_aliased AND NOT _qtsse_global
                AND _qtsse_defined_in STREQUAL CMAKE_CURRENT_SOURCE_DIR)
            set_target_properties(${_qtsse_codec_target} PROPERTIES IMPORTED_GLOBAL TRUE)
        endif()
        set(${define} ON)
        list(APPEND QTSSE_CODEC_TARGETS ${_qtsse_codec_target})
        list(APPEND QTSSE_CODEC_DEPENDENCIES "${_qtsse_codec_find}")
        target_compile_definitions(qtsse_content_codecs INTERFACE ${define})
        list(APPEND _qtsse_codecs "${coding} (${_qtsse_codec_target})")
    else()
        set(${define} OFF)
    endif()
endmacro()

# zlib: CMake's FindZLIB (which vcpkg and Conan serve), then zlib.pc.
set(_qtsse_codec_target)
find_package(ZLIB QUIET)
if(TARGET ZLIB::ZLIB)
    set(_qtsse_codec_target ZLIB::ZLIB)
    set(_qtsse_codec_find "find_dependency(ZLIB)")
endif()
_qtsse_codec_from_pkg_config(QTSSE_ZLIB zlib)
_qtsse_codec_found(QTSSE_HAVE_ZLIB "gzip, deflate")

# brotli: vcpkg's unofficial-brotli, Conan's brotli, then libbrotlidec.pc (Debian).
set(_qtsse_codec_target)
foreach(_qtsse_package IN ITEMS unofficial-brotli brotli)
    if(NOT _qtsse_codec_target)
        find_package(${_qtsse_package} CONFIG QUIET)
        foreach(_qtsse_candidate IN ITEMS unofficial::brotli::brotlidec brotli::brotlidec)
            if(NOT _qtsse_codec_target AND TARGET ${_qtsse_candidate})
                set(_qtsse_codec_target ${_qtsse_candidate})
                set(_qtsse_codec_find "find_dependency(${_qtsse_package} CONFIG)")
            endif()
        endforeach()
    endif()
endforeach()
_qtsse_codec_from_pkg_config(QTSSE_BROTLIDEC libbrotlidec)
_qtsse_codec_found(QTSSE_HAVE_BROTLI "br")

# zstd: its own CMake package (upstream, vcpkg, Conan, Debian), then libzstd.pc.
set(_qtsse_codec_target)
find_package(zstd CONFIG QUIET)
set(_qtsse_zstd_order zstd::libzstd_shared zstd::libzstd_static)
if(QTSSE_LIBRARY_TYPE STREQUAL "STATIC")
    set(_qtsse_zstd_order zstd::libzstd_static zstd::libzstd_shared)
endif()
foreach(_qtsse_candidate IN LISTS _qtsse_zstd_order)
    if(NOT _qtsse_codec_target AND TARGET ${_qtsse_candidate})
        set(_qtsse_codec_target ${_qtsse_candidate})
        set(_qtsse_codec_find "find_dependency(zstd CONFIG)")
    endif()
endforeach()
_qtsse_codec_from_pkg_config(QTSSE_ZSTD libzstd)
_qtsse_codec_found(QTSSE_HAVE_ZSTD "zstd")

if(_qtsse_pkg_config_used)
    list(PREPEND QTSSE_CODEC_DEPENDENCIES "find_dependency(PkgConfig)")
endif()
if(_qtsse_codecs)
    list(JOIN _qtsse_codecs ", " _qtsse_codecs)
    message(STATUS "QtSse decodes Content-Encoding: ${_qtsse_codecs}")
else()
    message(STATUS "QtSse decodes no Content-Encoding (no zlib, brotli or zstd found): "
        "streams ask for Accept-Encoding: identity")
endif()
