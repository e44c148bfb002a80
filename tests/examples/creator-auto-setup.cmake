# SPDX-License-Identifier: MIT
# Stands in for Qt Creator's package-manager/auto-setup.cmake, which Creator passes as
# CMAKE_PROJECT_INCLUDE_BEFORE when it configures a project, where Qt Creator is not installed
# (standalone.sh uses the real one when it is). What matters here of the real file: it reads the
# variables Creator always passes, so that CMake does not warn that the project left them
# unused (the examples enable no C, and use no qmake). No conan or vcpkg set-up.
foreach(_qtc_var IN ITEMS QT_QMAKE_EXECUTABLE CMAKE_PREFIX_PATH CMAKE_C_COMPILER CMAKE_CXX_COMPILER)
    set(_qtc_unused "${${_qtc_var}}")
endforeach()
unset(_qtc_unused)
