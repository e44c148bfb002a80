// SPDX-License-Identifier: MIT
#ifndef QTSSE_QMLFOREIGNTYPES_H
#define QTSSE_QMLFOREIGNTYPES_H

// QML registrations of the core library's types. The core library does not depend on QtQml;
// these "foreign" structs describe its types to the QML module instead.

#include <QtSse/eventmodel.h>
#include <QtSse/eventsource.h>
#include <QtSse/messageevent.h>

#include <QtQml/qqml.h>

namespace QtSse {

// The base class of the QML EventSource: known to QML (properties, signals, enums), but
// neither creatable nor nameable; `EventSource.Open` resolves through the QML subclass.
struct EventSourceForeign
{
    Q_GADGET
    QML_FOREIGN(QtSse::EventSource)
    QML_ANONYMOUS
};

struct EventModelForeign
{
    Q_GADGET
    QML_FOREIGN(QtSse::EventModel)
    QML_NAMED_ELEMENT(EventModel)
};

// The event delivered to handlers; value type names must be lower case.
struct MessageEventForeign
{
    Q_GADGET
    QML_FOREIGN(QtSse::MessageEvent)
    QML_VALUE_TYPE(messageEvent)
};

} // namespace QtSse

#endif // QTSSE_QMLFOREIGNTYPES_H
