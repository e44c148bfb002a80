// SPDX-License-Identifier: MIT
#ifndef QTSSE_GLOBAL_H
#define QTSSE_GLOBAL_H

#include <QtCore/qglobal.h>
#include "qtsse_export.h"
#include "qtsseversion.h"

#endif // QTSSE_GLOBAL_H
