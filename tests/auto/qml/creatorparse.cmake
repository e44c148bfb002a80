# SPDX-License-Identifier: MIT
# cmake -DSOURCE_DIR=<repository root> -P creatorparse.cmake
#
# Fails on QML that Qt Creator 9's code model cannot parse, in the QML the project gives its
# users to open (examples/ and docs/snippets/). Creator 9.0 (Debian 12's) bundles a QML parser
# whose grammar takes an initializer on a `list<T>` property only as a list of objects
# (`property list<Item> items: [ Item {} ]`): `property list<real> prices: []` reports
# "Unexpected token `]`" and `: [1, 2]` "Expected token `{`". Qt 6.4 and later accept both. A
# list property without an initializer is empty and parses everywhere, so that is what the
# examples declare; this check finds any `list<...>` property declared with an initializer.
# (Creator's parser cannot run headless, hence a check of this one construct.)

cmake_minimum_required(VERSION 3.16)

if(NOT IS_DIRECTORY "${SOURCE_DIR}/examples")
    message(FATAL_ERROR "creatorparse: SOURCE_DIR (${SOURCE_DIR}) is not the repository root")
endif()
file(GLOB_RECURSE files LIST_DIRECTORIES false
    "${SOURCE_DIR}/examples/*.qml" "${SOURCE_DIR}/docs/snippets/*.qml")
list(LENGTH files n_files)
if(n_files EQUAL 0)
    message(FATAL_ERROR "creatorparse: no QML files found under ${SOURCE_DIR}")
endif()

set(bad "")
foreach(file IN LISTS files)
    file(STRINGS "${file}" lines)
    set(number 0)
    foreach(line IN LISTS lines)
        math(EXPR number "${number} + 1")
        string(REGEX REPLACE "//.*" "" code "${line}")
        if(code MATCHES "(^|[ \t])property[ \t]+list[ \t]*<[^>]*>[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*:")
            file(RELATIVE_PATH shown "${SOURCE_DIR}" "${file}")
            string(STRIP "${line}" line)
            list(APPEND bad "${shown}:${number}: ${line}")
        endif()
    endforeach()
endforeach()

if(bad)
    list(JOIN bad "\n  " bad)
    message(FATAL_ERROR "creatorparse: a list property with an initializer, which Qt Creator 9 "
        "cannot parse (declare it without one: it starts empty):\n  ${bad}")
endif()
message(STATUS "creatorparse: ${n_files} QML files, no list property with an initializer")
