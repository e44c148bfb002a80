// SPDX-License-Identifier: MIT
#include "messageevent.h"

#include <QtCore/qdebug.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>

namespace QtSse {

/*!
    \class QtSse::MessageEvent
    \inmodule QtSse
    \inheaderfile QtSse/MessageEvent
    \since QtSse 0.1
    \brief One event dispatched from a \c text/event-stream: its type, data, last event ID
    and origin.

    \table
    \row \li In QML: \li \l [QML] {messageEvent}
    \endtable

    MessageEvent is an implicitly shared value type, cheap to copy and pass through queued
    connections. It corresponds to the \c MessageEvent the browser's \c EventSource dispatches.
*/

/*!
    \fn QtSse::MessageEvent::MessageEvent()
    Constructs an empty event: every field is a null string.
*/

/*!
    \fn QtSse::MessageEvent::MessageEvent(const QString &type, const QString &data, const QString &lastEventId, const QString &origin)
    Constructs an event of \a type carrying \a data, \a lastEventId and \a origin.
*/

/*!
    \property QtSse::MessageEvent::type
    \brief The event type: the value of the block's last \c event field, or \c "message"
    when it had none.
*/

/*!
    \property QtSse::MessageEvent::data
    \brief The event data: the block's \c data lines joined with line feeds.
*/

/*!
    \property QtSse::MessageEvent::lastEventId
    \brief The source's last event ID at the moment this event was dispatched.
*/

/*!
    \property QtSse::MessageEvent::origin
    \brief The serialized origin (\c scheme://host[:port]) of the final, post-redirect
    response URL the event came from. Empty for events parsed offline.
*/

/*!
    Returns the data parsed as JSON: an object, array, string, number, boolean or null.
    Returns an undefined QJsonValue when the data is not valid JSON. In QML, \c json() of a
    \c messageEvent returns the same value as a plain JavaScript value, so
    \c event.json().price works directly.
*/
QJsonValue MessageEvent::json() const
{
    QJsonParseError error;
    // JSON scalars ("42", "\"x\"") are valid JSON texts; QJsonDocument only takes objects
    // and arrays, so wrap the text in an array and unwrap it.
    QByteArray text;
    text.reserve(m_data.size() + 2);
    text.append('[').append(m_data.toUtf8()).append(']');
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return QJsonValue(QJsonValue::Undefined);
    return doc.array().first();
}

/*!
    \fn bool QtSse::MessageEvent::operator==(const MessageEvent &a, const MessageEvent &b)
    Returns \c true when \a a and \a b have the same type, data, last event ID and origin.
*/

/*!
    \fn bool QtSse::MessageEvent::operator!=(const MessageEvent &a, const MessageEvent &b)
    Returns \c true when \a a and \a b differ in any field.
*/

/*!
    \relates QtSse::MessageEvent
    Writes \a event to \a debug, for logging.
*/
QDebug operator<<(QDebug debug, const MessageEvent &event)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "QtSse::MessageEvent(type=" << event.type() << ", data=" << event.data()
                    << ", lastEventId=" << event.lastEventId() << ", origin=" << event.origin()
                    << ')';
    return debug;
}

} // namespace QtSse
