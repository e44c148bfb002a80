// SPDX-License-Identifier: MIT
#ifndef QTSSE_GLOBAL_H
#define QTSSE_GLOBAL_H

#include <QtCore/qglobal.h>
#include "qtsse_export.h"
#include "qtsseversion.h"

// On the private classes and functions the autotests use, as Qt's Q_AUTOTEST_EXPORT: exported
// by a build with tests (QTSSE_AUTOTEST_EXPORTS, src/CMakeLists.txt), hidden in a user's.
#if defined(QTSSE_AUTOTEST_EXPORTS)
#  define QTSSE_AUTOTEST_EXPORT QTSSE_EXPORT
#else
#  define QTSSE_AUTOTEST_EXPORT
#endif

#endif // QTSSE_GLOBAL_H
