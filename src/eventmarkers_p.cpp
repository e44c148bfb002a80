// SPDX-License-Identifier: MIT
#include "eventmarkers_p.h"

#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>

namespace QtSse {

void EventMarkers::setFinishMarkers(const QStringList &markers)
{
    m_finish = markers;
    m_finish.removeAll(QString());
    m_dataLengths = 0;
    m_longMarker = false;
    for (const QString &marker : std::as_const(m_finish)) {
        if (marker.size() < 64)
            m_dataLengths |= quint64(1) << marker.size();
        else
            m_longMarker = true;
    }
    forgetType();
}

void EventMarkers::setErrorTypes(const QStringList &types)
{
    m_errorTypes = types;
    m_errorTypes.removeAll(QString());
    m_quotedErrorTypes.clear();
    for (const QString &type : std::as_const(m_errorTypes))
        m_quotedErrorTypes.append(u'"' + type + u'"');
    forgetType();
}

void EventMarkers::forgetType()
{
    m_lastType = QString();
    m_lastTypeVerdict = Verdict::None;
}

EventMarkers::Verdict EventMarkers::typeVerdict(const QString &type) const
{
    if (m_errorTypes.contains(type))
        return Verdict::Failure;
    return m_finish.contains(type) ? Verdict::Finish : Verdict::None;
}

EventMarkers::Verdict EventMarkers::classifyMarked(const MessageEvent &event)
{
    const QString &type = event.type();
    if (type.constData() != m_lastType.constData() || type.size() != m_lastType.size()) {
        m_lastType = type; // shares the parser's string: the next event of this type matches
        m_lastTypeVerdict = typeVerdict(type);
    }
    if (m_lastTypeVerdict != Verdict::None)
        return m_lastTypeVerdict;
    const qsizetype n = event.data().size();
    const bool lengthMatches = n < 64 ? (m_dataLengths >> n) & 1 : m_longMarker;
    if (lengthMatches && m_finish.contains(event.data()))
        return Verdict::Finish;
    if (!m_errorTypes.isEmpty() && dataNamesError(event))
        return Verdict::Failure;
    return Verdict::None;
}

bool EventMarkers::dataNamesError(const MessageEvent &event) const
{
    // Only unnamed events: a named one is judged by its type alone.
    if (event.type() != QLatin1StringView("message"))
        return false;
    const QString &data = event.data();
    qsizetype start = 0;
    while (start < data.size() && data.at(start).isSpace())
        ++start;
    if (start == data.size() || data.at(start) != u'{')
        return false;
    bool named = false;
    for (const QString &quoted : m_quotedErrorTypes) {
        if (data.contains(quoted)) {
            named = true;
            break;
        }
    }
    if (!named) // every ordinary chunk ends here, unparsed
        return false;
    const QJsonObject object = QJsonDocument::fromJson(data.toUtf8()).object();
    for (const QString &type : m_errorTypes) {
        // An error is described: an object, or a message. null, false, 0 and "" say "none".
        const auto member = object.constFind(type);
        if (member != object.constEnd()
            && (member->isObject() || (member->isString() && !member->toString().isEmpty())))
            return true;
    }
    return false;
}

} // namespace QtSse
