// SPDX-License-Identifier: MIT
#include "recorder.h"

using namespace Qt::StringLiterals;
using QtSse::EventSource;
using QtSse::MessageEvent;

namespace QtSseTest {

QString errorEntry(EventSource::Error error, EventSource::ReadyState state)
{
    return u"error:"_s + keyOf(error) + u'@' + keyOf(state);
}

QString openEntry()
{
    return u"open@"_s + keyOf(EventSource::Open);
}

Recorder::Recorder(EventSource *source, bool keep) : keepEvents(keep)
{
    connect(source, &EventSource::opened, this,
            [this, source] { log.append(u"open@"_s + keyOf(source->readyState())); });
    connect(source, &EventSource::eventReceived, this, [this](const MessageEvent &e) {
        ++eventCount;
        if (keepEvents)
            events.append(e);
    });
    connect(source, &EventSource::errorOccurred, this, [this, source](EventSource::Error e) {
        errors.append(e);
        log.append(errorEntry(e, source->readyState()));
    });
}

QStringList dataOf(const QList<MessageEvent> &events)
{
    QStringList out;
    for (const MessageEvent &e : events)
        out.append(e.data());
    return out;
}

} // namespace QtSseTest
