// SPDX-License-Identifier: MIT
#ifndef QTSSE_MESSAGEEVENT_H
#define QTSSE_MESSAGEEVENT_H

#include "qtsse_global.h"

#include <QtCore/qjsonvalue.h>
#include <QtCore/qmetatype.h>
#include <QtCore/qobjectdefs.h>
#include <QtCore/qstring.h>

namespace QtSse {

class QTSSE_EXPORT MessageEvent
{
    Q_GADGET
    Q_PROPERTY(QString type READ type CONSTANT FINAL)
    Q_PROPERTY(QString data READ data CONSTANT FINAL)
    Q_PROPERTY(QString lastEventId READ lastEventId CONSTANT FINAL)
    Q_PROPERTY(QString origin READ origin CONSTANT FINAL)

public:
    MessageEvent() = default;
    MessageEvent(const QString &type, const QString &data, const QString &lastEventId,
                 const QString &origin = QString())
        : m_type(type), m_data(data), m_lastEventId(lastEventId), m_origin(origin)
    {
    }

    const QString &type() const { return m_type; }
    const QString &data() const { return m_data; }
    const QString &lastEventId() const { return m_lastEventId; }
    const QString &origin() const { return m_origin; }

    QJsonValue json() const;

    friend bool operator==(const MessageEvent &a, const MessageEvent &b) noexcept
    {
        return a.m_type == b.m_type && a.m_data == b.m_data && a.m_lastEventId == b.m_lastEventId
                && a.m_origin == b.m_origin;
    }
    friend bool operator!=(const MessageEvent &a, const MessageEvent &b) noexcept
    {
        return !(a == b);
    }

private:
    friend class EventStreamParser; // fills one event in place, field by field
    QString m_type;
    QString m_data;
    QString m_lastEventId;
    QString m_origin;
};

QTSSE_EXPORT QDebug operator<<(QDebug debug, const MessageEvent &event);

} // namespace QtSse

Q_DECLARE_METATYPE(QtSse::MessageEvent)

#endif // QTSSE_MESSAGEEVENT_H
