// SPDX-License-Identifier: MIT
#include "eventmarkers_p.h"

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
    return Verdict::None;
}

} // namespace QtSse
