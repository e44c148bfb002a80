# SPDX-License-Identifier: MIT
# The `docs` target: qdoc over docs/qtsse.qdocconf, then qhelpgenerator for the .qch. Included
# by the top-level CMakeLists.txt when the QML module is built (its types are documented too).
# qdoc and qhelpgenerator come with Debian's qt6-documentation-tools (scripts/deps.sh), in the
# Qt installation's bin and libexec directories; without them there is no docs target.
set(_qtsse_qt_hints)
foreach(_dir IN ITEMS "${QT6_INSTALL_BINS}" "${QT6_INSTALL_LIBEXECS}")
    if(_dir)
        list(APPEND _qtsse_qt_hints "${QT6_INSTALL_PREFIX}/${_dir}")
    endif()
endforeach()
find_program(QTSSE_QDOC_EXECUTABLE NAMES qdoc qdoc6 HINTS ${_qtsse_qt_hints}
    DOC "qdoc, for the docs target")
find_program(QTSSE_QHELPGENERATOR_EXECUTABLE NAMES qhelpgenerator qhelpgenerator6
    HINTS ${_qtsse_qt_hints} DOC "qhelpgenerator, for the docs target's .qch")
if(NOT QTSSE_QDOC_EXECUTABLE OR NOT QTSSE_QHELPGENERATOR_EXECUTABLE)
    message(STATUS "No docs target: qdoc or qhelpgenerator not found (Debian: qt6-documentation-tools)")
    return()
endif()

set(QTSSE_DOCS_OUTPUT "${CMAKE_BINARY_DIR}/docs")
# qdoc parses the headers with clang: it needs the include paths the QML module builds with
# (the library's, the generated export header's, Qt's).
# clang finds no standard library of its own there: the compiler's (<chrono>, <functional>...)
# are passed as system include paths, or the classes that use them would not parse.
set(_qtsse_docs_includes "$<TARGET_PROPERTY:QtSseQml,INCLUDE_DIRECTORIES>")
list(JOIN CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES "|" _qtsse_docs_system_includes)
add_custom_target(docs
    COMMAND ${CMAKE_COMMAND}
        "-DQDOC=${QTSSE_QDOC_EXECUTABLE}"
        "-DQHELPGENERATOR=${QTSSE_QHELPGENERATOR_EXECUTABLE}"
        "-DQDOCCONF=${PROJECT_SOURCE_DIR}/docs/qtsse.qdocconf"
        "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
        "-DOUTPUT=${QTSSE_DOCS_OUTPUT}"
        "-DVERSION=${PROJECT_VERSION}"
        "-DVERSION_TAG=${PROJECT_VERSION_MAJOR}${PROJECT_VERSION_MINOR}${PROJECT_VERSION_PATCH}"
        "-DINCLUDES=$<JOIN:${_qtsse_docs_includes},|>"
        "-DSYSTEM_INCLUDES=${_qtsse_docs_system_includes}"
        "-DQMLTYPES=$<TARGET_PROPERTY:QtSseQml,QT_QML_MODULE_OUTPUT_DIRECTORY>/$<TARGET_PROPERTY:QtSseQml,QT_QML_MODULE_TYPEINFO>"
        -P "${PROJECT_SOURCE_DIR}/cmake/QtSseRunQdoc.cmake"
    WORKING_DIRECTORY "${CMAKE_BINARY_DIR}"
    COMMENT "API reference: ${QTSSE_DOCS_OUTPUT}/html and ${QTSSE_DOCS_OUTPUT}/qtsse.qch"
    VERBATIM)
# The export header is generated, and the QML module's type information (which the check of
# the QML reference reads) comes from its build.
add_dependencies(docs QtSseQml)
