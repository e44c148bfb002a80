// SPDX-License-Identifier: MIT
#ifndef QTSSE_RECORDER_H
#define QTSSE_RECORDER_H

// What an EventSource emits, recorded for comparison: the open and error signals in order, each
// with the readyState its handler saw ("open@Open", "error:NetworkError@Connecting"), and the
// events.

#include <QtSse/EventSource>

#include <QtCore/qlist.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qobject.h>
#include <QtCore/qstringlist.h>

namespace QtSseTest {

// The name of an enumerator of a Q_ENUM, e.g. "Connecting".
template <typename E>
QString keyOf(E value)
{
    return QString::fromLatin1(QMetaEnum::fromType<E>().valueToKey(int(value)));
}

// The log entry of an errorOccurred(error) seen in `state`.
QString errorEntry(QtSse::EventSource::Error error, QtSse::EventSource::ReadyState state);

// The log entry of opened(), which is always seen in the Open state.
QString openEntry();

class Recorder : public QObject
{
public:
    explicit Recorder(QtSse::EventSource *source, bool keep = true);

    QStringList log;
    QList<QtSse::MessageEvent> events;
    qint64 eventCount = 0;
    QList<QtSse::EventSource::Error> errors;
    bool keepEvents; // false: only count them (for very large events)
};

// The data of each event, in order.
QStringList dataOf(const QList<QtSse::MessageEvent> &events);

} // namespace QtSseTest

#endif // QTSSE_RECORDER_H
