# SPDX-License-Identifier: MIT
# cmake -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DEXTRA=<option>] -P libraryalone.cmake
# Configures QtSse as Windows and macOS users build it for their applications, the library and
# its QML module alone (-DQTSSE_BUILD_TESTS=OFF -DQTSSE_BUILD_BENCHMARKS=OFF
# -DQTSSE_BUILD_EXAMPLES=OFF), and fails when the generated build files name a file of tests/,
# benchmarks/ or examples/, or when a source they compile includes a Linux-only header (sys/,
# unistd.h, linux/, malloc.h, epoll) or reads /proc. EXTRA (the self-test's
# -DQTSSE_BUILD_BENCHMARKS=ON) adds an option.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
        -DQTSSE_BUILD_TESTS=OFF -DQTSSE_BUILD_BENCHMARKS=OFF -DQTSSE_BUILD_EXAMPLES=OFF ${EXTRA}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "the library alone does not configure:\n${output}")
endif()

file(GLOB_RECURSE build_files LIST_DIRECTORIES false "${WORK_DIR}/*.ninja" "${WORK_DIR}/*.make"
    "${WORK_DIR}/Makefile" "${WORK_DIR}/*.vcxproj" "${WORK_DIR}/*.pbxproj")
if(NOT build_files)
    message(FATAL_ERROR "no build files in ${WORK_DIR}")
endif()
set(sources)
foreach(build_file IN LISTS build_files)
    file(READ "${build_file}" text)
    foreach(dir IN ITEMS tests benchmarks examples)
        string(FIND "${text}" "${SOURCE_DIR}/${dir}/" at)
        if(NOT at EQUAL -1)
            string(SUBSTRING "${text}" ${at} 200 excerpt)
            message(FATAL_ERROR "${build_file} names a file of ${dir}/: ${excerpt}")
        endif()
    endforeach()
    string(REGEX MATCHALL "${SOURCE_DIR}/[A-Za-z0-9_/.-]+" found "${text}")
    list(FILTER found INCLUDE REGEX "\\.(cpp|c|h)$")
    list(APPEND sources ${found})
endforeach()
list(REMOVE_DUPLICATES sources)
# Only the project's own files, not what the build generates (the build may be in the tree).
get_filename_component(work_dir "${WORK_DIR}" ABSOLUTE)
list(FILTER sources EXCLUDE REGEX "^${work_dir}/")
# A unit named *_unix.cpp or *_linux.cpp (Qt's convention) is for those platforms alone: its
# CMakeLists.txt adds it under if(UNIX ...) or if(LINUX ...), so a Windows build never sees it.
list(FILTER sources EXCLUDE REGEX "_(unix|linux)\\.cpp$")
list(LENGTH sources count)
if(count EQUAL 0)
    message(FATAL_ERROR "no QtSse source found in the build files")
endif()
foreach(source IN LISTS sources)
    file(STRINGS "${source}" lines REGEX
        "#[ \t]*include[ \t]*<(sys/|unistd\\.h|linux/|malloc\\.h)|epoll|/proc/")
    if(lines)
        message(FATAL_ERROR "${source} is built and is Linux-only: ${lines}")
    endif()
endforeach()
message(STATUS "libraryalone: ${count} sources in the build files, none Linux-only, nothing of "
    "tests/, benchmarks/ or examples/")
file(REMOVE_RECURSE "${WORK_DIR}")
