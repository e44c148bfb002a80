// SPDX-License-Identifier: MIT
#ifndef QTSSE_EVENTMARKERS_P_H
#define QTSSE_EVENTMARKERS_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "messageevent.h"

#include <QtCore/qstringlist.h>

namespace QtSse {

// The events that end a finite stream: finish markers (an event type or a data value, such as
// "[DONE]" or "message_stop") and error types (an event type, such as Anthropic's "error", or
// a top-level member of a message's JSON data holding an object or a non-empty string, such as
// OpenAI's {"error": {...}} chunk). Runs
// per event, so it is cheap: nothing when no marker is set; otherwise the type's verdict is
// remembered while the parser hands out the same shared type string, data is compared only
// when its length is that of a finish marker, and parsed as JSON only when it is an object
// whose text names an error type in quotes.
class EventMarkers
{
public:
    enum class Verdict { None, Finish, Failure };

    QStringList finishMarkers() const { return m_finish; }
    void setFinishMarkers(const QStringList &markers);
    QStringList errorTypes() const { return m_errorTypes; }
    void setErrorTypes(const QStringList &types);

    bool hasFinishMarkers() const { return !m_finish.isEmpty(); }
    bool isErrorType(const QString &type) const { return m_errorTypes.contains(type); }
    bool isEmpty() const { return m_finish.isEmpty() && m_errorTypes.isEmpty(); }

    Verdict classify(const MessageEvent &event)
    {
        if (isEmpty())
            return Verdict::None;
        return classifyMarked(event);
    }

private:
    Verdict classifyMarked(const MessageEvent &event);
    Verdict typeVerdict(const QString &type) const;
    bool dataNamesError(const MessageEvent &event) const;
    void forgetType();

    QStringList m_finish;
    QStringList m_errorTypes;
    QStringList m_quotedErrorTypes; // "type", as a JSON member name is written
    quint64 m_dataLengths = 0; // bit n: a finish marker has n characters (n < 64)
    bool m_longMarker = false; // a finish marker has 64 characters or more
    // The last type looked at, by its storage: the parser shares one string per type.
    QString m_lastType;
    Verdict m_lastTypeVerdict = Verdict::None;
};

} // namespace QtSse

#endif // QTSSE_EVENTMARKERS_P_H
