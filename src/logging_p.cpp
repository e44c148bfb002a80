// SPDX-License-Identifier: MIT
#include "logging_p.h"

namespace QtSse {

Q_LOGGING_CATEGORY(lcEventSource, "qtsse.eventsource", QtWarningMsg)

} // namespace QtSse
