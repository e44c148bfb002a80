// SPDX-License-Identifier: MIT
// Delivering what the parser finds (EventStreamParser::Handler): events to messageReceived(),
// the type's channel and eventReceived(); retry fields; comments; the last event ID. Each
// signal may close or restart the source, so each is followed by a check that the attempt is
// still the current one.
#include "eventsource_p.h"

#include <cstring>

namespace QtSse {

namespace {
// Whether an event is of the default type, for messageReceived(). Inline: it runs per event.
inline bool isMessageType(const QString &type)
{
    return type.size() == 7 && std::memcmp(type.constData(), u"message", 7 * sizeof(char16_t)) == 0;
}
} // namespace

void EventSourcePrivate::setLastEventId(const QString &id)
{
    if (parser.lastEventId() == id)
        return;
    parser.setLastEventId(id); // what events report from now on, and what a reconnect sends
    seenIdChanges = parser.lastEventIdChanges();
    Q_EMIT q_func()->lastEventIdChanged(id);
}

// Reports an id the stream committed since the last call; true if it emitted a signal, whose
// receivers may have closed or restarted the source. Runs per event: the parser counts its
// changes, so an unchanged id costs one comparison, and a new one no copy unless someone
// listens.
bool EventSourcePrivate::syncLastEventId()
{
    const quint64 changes = parser.lastEventIdChanges();
    if (changes == seenIdChanges)
        return false;
    seenIdChanges = changes;
    if (!lastEventIdChangedWanted.load(std::memory_order_relaxed))
        return false;
    Q_EMIT q_func()->lastEventIdChanged(parser.lastEventId());
    return true;
}

bool EventSourcePrivate::handleEvent(const MessageEvent &event)
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (!isCurrent(attempt) || readyState != EventSource::Open)
        return false;
    const EventMarkers::Verdict verdict = markers.classify(event);
    ++eventsSinceOpen;
    if (verdict != EventMarkers::Verdict::Failure) {
        // The server is answering: the back-off starts afresh. A reported failure is not that.
        deliveredEvent = true;
        consecutiveFailures = 0;
    }
    if (syncLastEventId() && !isCurrent(attempt))
        return false;
    // Emissions without receivers are skipped: per event they cost as much as the parsing.
    if (messageReceivedWanted.load(std::memory_order_relaxed) && isMessageType(event.type())) {
        Q_EMIT q->messageReceived(event);
        if (!isCurrent(attempt))
            return false;
    }
    if (!channels.isEmpty()) {
        if (EventTypeChannel *channel = channels.value(event.type())) {
            Q_EMIT channel->received(event);
            if (!isCurrent(attempt))
                return false;
        }
    }
    if (eventReceivedWanted.load(std::memory_order_relaxed)) {
        Q_EMIT q->eventReceived(event);
        if (!isCurrent(attempt))
            return false;
    }
    switch (verdict) {
    case EventMarkers::Verdict::None:
        return true;
    case EventMarkers::Verdict::Finish:
        finishStream(); // delivered; the connection goes without waiting for the server
        return false;
    case EventMarkers::Verdict::Failure:
        parser.finishBody();
        reestablish(EventSource::ServerEventError,
                    (markers.isErrorType(event.type())
                             ? EventSource::tr("The server reported an error (\"%1\" event): %2")
                             : EventSource::tr("The server reported an error (in the data of "
                                               "a \"%1\" event): %2"))
                            .arg(event.type(), event.data()));
        return false;
    }
    return false;
}

bool EventSourcePrivate::handleSkippedEvent(const QString &type, qint64 size)
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (!isCurrent(attempt) || readyState != EventSource::Open)
        return false;
    ++eventsSinceOpen;
    deliveredEvent = true;
    consecutiveFailures = 0;
    if (syncLastEventId() && !isCurrent(attempt)) // the skipped event's id is committed
        return false;
    Q_EMIT q->eventSkipped(type, size);
    return isCurrent(attempt);
}

bool EventSourcePrivate::handleRetry(qint64 milliseconds)
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (!isCurrent(attempt))
        return false;
    Q_EMIT q->retryReceived(milliseconds); // as received, before the int clamp
    if (!isCurrent(attempt))
        return false;
    // Honoured exactly, up to the application's cap on waits a server chooses.
    const int time =
            qMin(clampedMilliseconds(std::chrono::milliseconds(milliseconds)), maximumServerDelay);
    updateProperty(&EventSourcePrivate::reconnectionTime, time,
                   &EventSource::reconnectionTimeChanged);
    return isCurrent(attempt);
}

bool EventSourcePrivate::handleComment(const QString &text)
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (!isCurrent(attempt))
        return false;
    Q_EMIT q->commentReceived(text);
    return isCurrent(attempt);
}

} // namespace QtSse
