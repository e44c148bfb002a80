// SPDX-License-Identifier: MIT
// How an EventSource recovers: the back-off between failed attempts, the retry decision on a
// failed HTTP response (httpErrorPolicy, the retry policy, Retry-After), and following the
// machine's network (waiting while offline, reconnecting on its return or a new medium).
#include "eventsource_p.h"
#include "logging_p.h"
#include "responsepolicy_p.h"

#include <QtCore/qdatetime.h>
#include <QtCore/qrandom.h>

namespace QtSse {

namespace {
// The smallest unit of exponential back-off, so that retry: 0 cannot spin.
constexpr int MinimumBackoffUnitMs = 100;
} // namespace

int EventSourcePrivate::nextDelay()
{
    // The first retry after a failure waits the reconnection time; each further consecutive
    // failure doubles a ceiling (from at least MinimumBackoffUnitMs), up to the maximum, and
    // the wait is drawn from its upper half. Never less than the reconnection time (T-04).
    if (consecutiveFailures <= 1)
        return reconnectionTime;
    const qint64 unit = qMax(reconnectionTime, MinimumBackoffUnitMs);
    const int shift = qMin(consecutiveFailures - 1, 30);
    const qint64 ceiling = qMin<qint64>(qint64(maximumReconnectionDelay), unit << shift);
    const qint64 jittered = ceiling / 2
            + qint64(QRandomGenerator::global()->bounded(quint32(ceiling - ceiling / 2 + 1)));
    return int(qMax<qint64>(reconnectionTime, jittered));
}

// Whether a failed response (HttpStatusError or ContentTypeError) is retried, by
// httpErrorPolicy or the retry policy, and after what wait (-1: the back-off). A 204 never is
// (C-11): it is the server's "do not reconnect", and the policy is not asked. `abandoned` is
// set when the policy closed, reopened or reconnected the source itself.
bool EventSourcePrivate::retryFailedResponse(EventSource::Error code, int *delay, bool *abandoned)
{
    if (httpStatus == 204)
        return false;
    const qint64 retryAfter = exchange
            ? ResponsePolicy::retryAfterMilliseconds(exchange->header("Retry-After"),
                                                     QDateTime::currentDateTimeUtc())
            : -1;
    EventSource::HttpFailure failure;
    failure.error = code;
    failure.httpStatus = httpStatus;
    failure.retryAfter = std::chrono::milliseconds(retryAfter);
    failure.consecutiveFailures = consecutiveFailures + 1;
    failure.retriedByPolicy = code == EventSource::HttpStatusError
            && httpErrorPolicy == EventSource::RetryServerErrors
            && ResponsePolicy::isRetryableStatus(httpStatus);
    EventSource::RetryDecision decision{ failure.retriedByPolicy, std::chrono::milliseconds(-1) };
    if (retryPolicy) {
        if (exchange)
            failure.headers = responseHeaders;
        const quint64 attempt = generation;
        decision = retryPolicy(failure);
        if (!isCurrent(attempt)) {
            *abandoned = true;
            return false;
        }
    }
    if (!decision.reconnect)
        return false;
    if (decision.delay.count() >= 0) // the policy's own wait, as chosen
        *delay = clampedMilliseconds(decision.delay);
    else if (retryAfter >= 0) // the server's wait, up to the cap, never shorter than the
        // reconnection time
        *delay = int(qMax<qint64>(qMin<qint64>(retryAfter, maximumServerDelay), reconnectionTime));
    return true;
}

void EventSourcePrivate::setFollowNetworkChanges(bool follow)
{
    followNetworkChanges = follow;
    if (follow) {
        if (readyState != EventSource::Closed)
            watchNetwork();
        return;
    }
    networkDropped = false;
    if (waitingForNetwork) {
        waitingForNetwork = false;
        scheduleStart(); // no longer held back: try now
    }
}

bool EventSourcePrivate::isOffline() const
{
    return followNetworkChanges && watchingNetwork && NetworkMonitor::instance()->isOffline()
            && NetworkMonitor::followsNetwork(url.host());
}

void EventSourcePrivate::watchNetwork()
{
    if (!followNetworkChanges || watchingNetwork)
        return;
    watchingNetwork = true;
    NetworkMonitor *monitor = NetworkMonitor::instance();
    // Queued into the source's thread when it is not the monitor's; gone with the source.
    QObject::connect(monitor, &NetworkMonitor::reachabilityChanged, q_ptr,
                     [this](NetworkMonitor::Reachability reachability) {
                         if (followNetworkChanges)
                             onReachabilityChanged(reachability);
                     });
    QObject::connect(monitor, &NetworkMonitor::transportMediumChanged, q_ptr, [this] {
        if (followNetworkChanges)
            onTransportMediumChanged();
    });
    QObject::connect(monitor, &NetworkMonitor::resumed, q_ptr, [this] {
        if (followNetworkChanges)
            onApplicationResumed();
    });
}

// Offline: no attempt, no retry budget spent; Connecting, with OfflineError reported once.
void EventSourcePrivate::waitForNetwork()
{
    Q_Q(EventSource);
    releaseExchange();
    reconnectTimer.stop();
    const bool reported = waitingForNetwork;
    waitingForNetwork = true;
    networkDropped = false;
    readyState = EventSource::Connecting;
    setError(EventSource::OfflineError,
             EventSource::tr("The network is offline; connecting when it is back"));
    const quint64 attempt = generation;
    setReconnectDelay(-1);
    if (attempt != generation)
        return;
    notifyState();
    if (reported || attempt != generation || readyState != EventSource::Connecting)
        return;
    qCDebug(lcEventSource) << "offline: waiting for the network";
    Q_EMIT q->errorOccurred(EventSource::OfflineError);
}

void EventSourcePrivate::onReachabilityChanged(NetworkMonitor::Reachability reachability)
{
    if (readyState == EventSource::Closed)
        return;
    if (reachability == NetworkMonitor::Reachability::Offline) {
        // The connection may not survive; what to do is decided when the network is back.
        networkDropped = exchange || reconnectTimer.isActive();
        return;
    }
    if (waitingForNetwork) {
        qCDebug(lcEventSource) << "the network is back: connecting now";
        waitingForNetwork = false;
        consecutiveFailures = 0;
        scheduleStart();
    } else if (networkDropped) {
        networkDropped = false;
        if (exchange && !mayReconnect())
            return; // a finite stream's request is not sent again; a dead connection fails
        qCDebug(lcEventSource) << "the network dropped and is back: reconnecting now";
        reconnect();
    }
}

void EventSourcePrivate::onTransportMediumChanged()
{
    if (readyState == EventSource::Closed || waitingForNetwork)
        return;
    if (exchange && !mayReconnect())
        return; // a finite stream's request is not sent again; a dead connection fails
    if (exchange || reconnectTimer.isActive()) {
        // A connection made over the old medium is likely dead, and a pending wait pointless.
        qCDebug(lcEventSource) << "the transport medium changed: reconnecting now";
        reconnect();
    }
}

// Back from a suspension (iOS, Android): the socket may be dead while the stream looks open,
// and nothing tells until a read timeout, which is off by default. Reconnect now, with
// Last-Event-ID, as after a change of network.
void EventSourcePrivate::onApplicationResumed()
{
    if (readyState == EventSource::Closed || waitingForNetwork)
        return;
    if (exchange && !mayReconnect())
        return; // a finite stream's request is not sent again; a dead connection fails
    qCDebug(lcEventSource) << "the application resumed: reconnecting now";
    reconnect();
}

} // namespace QtSse
