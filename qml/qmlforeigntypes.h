// SPDX-License-Identifier: MIT
#ifndef QTSSE_QMLFOREIGNTYPES_H
#define QTSSE_QMLFOREIGNTYPES_H

// QML registrations of the core library's types. The core library does not depend on QtQml;
// these "foreign" structs describe its types to the QML module instead.

#include <QtSse/eventmodel.h>
#include <QtSse/eventsource.h>
#include <QtSse/messageevent.h>

#include <QtCore/qvariant.h>
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

// The event delivered to handlers; value type names must be lower case. An extension in the way
// of Qt Quick's own value types (QML_FOREIGN + QML_EXTENDED with the value as the only member):
// QML sees these members instead of the C++ ones, so json() is an untyped JavaScript value
// (`event.json().price` passes qmllint) while C++ keeps MessageEvent::json() as a QJsonValue.
struct MessageEventValueType
{
    MessageEvent v;

    Q_GADGET
    QML_FOREIGN(QtSse::MessageEvent)
    QML_VALUE_TYPE(messageEvent)
    // Qualified: qmltyperegistrar writes the name as spelled here and finds the extension's own
    // description by it; unqualified, the .qmltypes lacks MessageEventValueType, so tooling
    // (qmllint, Qt Creator) knew no json().
    QML_EXTENDED(QtSse::MessageEventValueType)
    Q_PROPERTY(QString type READ type CONSTANT FINAL)
    Q_PROPERTY(QString data READ data CONSTANT FINAL)
    Q_PROPERTY(QString lastEventId READ lastEventId CONSTANT FINAL)
    Q_PROPERTY(QString origin READ origin CONSTANT FINAL)

public:
    QString type() const { return v.type(); }
    QString data() const { return v.data(); }
    QString lastEventId() const { return v.lastEventId(); }
    QString origin() const { return v.origin(); }
    // A QVariantMap, QVariantList, string, number, bool or null; an undefined JSON value
    // (the data is not JSON) is an invalid QVariant, which QML sees as undefined.
    Q_INVOKABLE QVariant json() const { return v.json().toVariant(); }
};

} // namespace QtSse

#endif // QTSSE_QMLFOREIGNTYPES_H
