// SPDX-License-Identifier: MIT
#ifndef QTSSE_LOGGING_P_H
#define QTSSE_LOGGING_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include <QtCore/qloggingcategory.h>

namespace QtSse {

// "qtsse.eventsource": connections, redirects, reconnects and the manager pool's decisions.
Q_DECLARE_LOGGING_CATEGORY(lcEventSource)

} // namespace QtSse

#endif // QTSSE_LOGGING_P_H
