# SPDX-License-Identifier: MIT
# How an example built on its own finds QtSse: Qt Creator opening examples/<name>/CMakeLists.txt,
# or `cmake -S examples/<name>`. Each example includes this file (OPTIONAL) after finding Qt,
# then calls find_package(QtSse) itself if QtSse::QtSse still does not exist:
#   - an installed QtSse (find_package, CMAKE_PREFIX_PATH) is used when there is one;
#   - otherwise, inside QtSse's source tree, QtSse is built from that tree into the example's
#     build directory (<build>/qtsse; what the example uses, no tests or examples), and one
#     configure line says so. Opening an example and pressing Run then needs no other step.
# An example copied out of the tree has no such tree above it: its own find_package(QtSse)
# fails with CMake's usual message, which says to set CMAKE_PREFIX_PATH or QtSse_DIR.
include_guard(DIRECTORY)
if(TARGET QtSse::QtSse)
    return()
endif()
find_package(QtSse 0.1 CONFIG QUIET)
if(QtSse_FOUND)
    # Said, since an older installed QtSse (in /usr/local, say) is taken before this tree.
    message(STATUS "QtSse ${QtSse_VERSION}: the installed one in ${QtSse_DIR}")
    return()
endif()
get_filename_component(_qtsse_source_dir "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(_qtsse_project_line "")
if(EXISTS "${_qtsse_source_dir}/CMakeLists.txt")
    file(STRINGS "${_qtsse_source_dir}/CMakeLists.txt" _qtsse_project_line
        REGEX "^project\\(QtSse[ )]" LIMIT_COUNT 1)
endif()
if(_qtsse_project_line)
    message(STATUS "QtSse is not installed: building it from the source tree "
        "${_qtsse_source_dir} into ${CMAKE_BINARY_DIR}/qtsse")
    # No tests, benchmarks or examples of its own (option() takes these as defaults, CMP0077).
    set(QTSSE_BUILD_TESTS OFF)
    set(QTSSE_BUILD_BENCHMARKS OFF)
    set(QTSSE_BUILD_EXAMPLES OFF)
    # The QML module's import root, set here so that the example sees it too: a QML example
    # passes it to its engine (QTSSE_QML_IMPORT_DIR), as in the tree's own build.
    if(NOT DEFINED QT_QML_OUTPUT_DIRECTORY)
        set(QT_QML_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/qml")
    endif()
    # Qt Creator's QML code model reads QML_IMPORT_PATH from the cache: there it finds
    # "import QtSse" for completion and without a "module not found" mark.
    set(QML_IMPORT_PATH "${QT_QML_OUTPUT_DIRECTORY}" CACHE STRING
        "Where Qt Creator's QML code model looks for imports (QtSse's QML module)")
    # Windows has no RPATH: the QtSse DLLs go beside the example's .exe, so that it also runs
    # outside Qt Creator (which adds the build's library folders to PATH). Reviewed, not built.
    if(WIN32 AND NOT DEFINED CMAKE_RUNTIME_OUTPUT_DIRECTORY)
        set(CMAKE_RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
    endif()
    # The message above is the one line the example's configure says about QtSse: the tree's
    # own status lines (codecs, install paths) are for those who build QtSse itself; warnings
    # still show. EXCLUDE_FROM_ALL: only what the example links or depends on is built (a QML
    # example depends on the QML plugin; a C++ one builds no QML module).
    set(CMAKE_MESSAGE_LOG_LEVEL NOTICE)
    add_subdirectory("${_qtsse_source_dir}" "${CMAKE_BINARY_DIR}/qtsse" EXCLUDE_FROM_ALL)
    unset(CMAKE_MESSAGE_LOG_LEVEL)
endif()
unset(_qtsse_project_line)
unset(_qtsse_source_dir)
