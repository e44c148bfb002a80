// SPDX-License-Identifier: MIT
// EventSource's reconnection, back-off, give-up, timeout and size-limit properties.
#include "eventsource.h"
#include "eventsource_p.h"

namespace QtSse {

/*!
    \property QtSse::EventSource::reconnectionTime
    \brief The reconnection time in milliseconds: 3000 until the server's \c retry field or
    this setter changes it. Values beyond what \c int holds are clamped.
*/
int EventSource::reconnectionTime() const
{
    return d_func()->reconnectionTime;
}

/*!
    Sets the reconnectionTime property to \a milliseconds (negative values count as 0).
*/
void EventSource::setReconnectionTime(int milliseconds)
{
    d_func()->updateProperty(&EventSourcePrivate::reconnectionTime, qMax(0, milliseconds),
                             &EventSource::reconnectionTimeChanged);
}

/*!
    \overload
    Sets the reconnection time to \a time.
*/
void EventSource::setReconnectionTime(std::chrono::milliseconds time)
{
    setReconnectionTime(clampedMilliseconds(time));
}

/*!
    Returns the reconnectionTime property as a duration.
*/
std::chrono::milliseconds EventSource::reconnectionTimeAsDuration() const
{
    return std::chrono::milliseconds(reconnectionTime());
}

/*!
    \property QtSse::EventSource::reconnectDelay
    \brief How many milliseconds the pending reconnect waits, or -1 when none is pending.

    It is set before errorOccurred() is emitted, so an error handler can show a countdown.
*/
int EventSource::reconnectDelay() const
{
    return d_func()->reconnectDelay;
}

/*!
    Returns the reconnectDelay property as a duration (-1 ms when no reconnect is pending).
*/
std::chrono::milliseconds EventSource::reconnectDelayAsDuration() const
{
    return std::chrono::milliseconds(reconnectDelay());
}

/*!
    \property QtSse::EventSource::maximumReconnectionDelay
    \brief The cap of the exponential back-off in milliseconds; 30000 by default.

    A server's \c retry larger than this is still honoured: the reconnection time is the
    least wait.
*/
int EventSource::maximumReconnectionDelay() const
{
    return d_func()->maximumReconnectionDelay;
}

/*!
    Sets the maximumReconnectionDelay property to \a milliseconds.
*/
void EventSource::setMaximumReconnectionDelay(int milliseconds)
{
    d_func()->updateProperty(&EventSourcePrivate::maximumReconnectionDelay, qMax(0, milliseconds),
                             &EventSource::maximumReconnectionDelayChanged);
}

/*!
    \overload
    Sets the maximumReconnectionDelay property to \a delay.
*/
void EventSource::setMaximumReconnectionDelay(std::chrono::milliseconds delay)
{
    setMaximumReconnectionDelay(clampedMilliseconds(delay));
}

/*!
    Returns the maximumReconnectionDelay property as a duration.
*/
std::chrono::milliseconds EventSource::maximumReconnectionDelayAsDuration() const
{
    return std::chrono::milliseconds(maximumReconnectionDelay());
}

/*!
    \property QtSse::EventSource::maximumRetries
    \brief How many consecutive failed attempts are retried before giving up; -1 (the
    default) retries for ever.

    An attempt fails when it delivers no event. Giving up closes the source with
    RetriesExhaustedError.
*/
int EventSource::maximumRetries() const
{
    return d_func()->maximumRetries;
}

/*!
    Sets the maximumRetries property to \a retries; -1 retries for ever.
*/
void EventSource::setMaximumRetries(int retries)
{
    d_func()->updateProperty(&EventSourcePrivate::maximumRetries, qMax(-1, retries),
                             &EventSource::maximumRetriesChanged);
}

/*!
    \property QtSse::EventSource::maximumRetryDuration
    \brief How long, in milliseconds, consecutive failed attempts are retried before giving
    up; 0 (the default) retries for ever.
*/
int EventSource::maximumRetryDuration() const
{
    return d_func()->maximumRetryDuration;
}

/*!
    Sets the maximumRetryDuration property to \a milliseconds; 0 retries for ever.
*/
void EventSource::setMaximumRetryDuration(int milliseconds)
{
    d_func()->updateProperty(&EventSourcePrivate::maximumRetryDuration, qMax(0, milliseconds),
                             &EventSource::maximumRetryDurationChanged);
}

/*!
    \overload
    Sets the maximumRetryDuration property to \a duration.
*/
void EventSource::setMaximumRetryDuration(std::chrono::milliseconds duration)
{
    setMaximumRetryDuration(clampedMilliseconds(duration));
}

/*!
    Returns the maximumRetryDuration property as a duration.
*/
std::chrono::milliseconds EventSource::maximumRetryDurationAsDuration() const
{
    return std::chrono::milliseconds(maximumRetryDuration());
}

/*!
    \enum QtSse::EventSource::HttpErrorPolicy
    What a failing HTTP status does to the source: see httpErrorPolicy.
    \value CloseOnHttpError  The standard's behaviour: any final status other than 200 closes
                             the source with HttpStatusError. The default.
    \value RetryServerErrors The statuses a restarting server or proxy answers with are
                             retried like a network error: 5xx, 429 Too Many Requests and
                             408 Request Timeout. Other statuses (4xx, 204) still close.
*/

/*!
    \property QtSse::EventSource::httpErrorPolicy
    \brief Whether failing HTTP statuses close the source (CloseOnHttpError, the default) or
    the server errors among them are retried (RetryServerErrors).

    A retried failure reports errorOccurred() with HttpStatusError while readyState() is
    already \l Connecting: errorString() says why (for example "HTTP 503 Service
    Unavailable") and reconnectDelay() when the reconnect follows. A \c Retry-After header
    (delta-seconds or an HTTP-date) sets that wait, though never below the reconnection time,
    and like the server's \c retry field even beyond maximumReconnectionDelay(); without one
    the exponential back-off applies. Retried failures count against
    maximumRetries() and maximumRetryDuration(), which end the retries with
    RetriesExhaustedError.

    A 204 No Content always closes the source, whatever the policy: it is the server's way
    of saying "do not reconnect". setRetryPolicy() decides case by case.
*/
EventSource::HttpErrorPolicy EventSource::httpErrorPolicy() const
{
    return d_func()->httpErrorPolicy;
}

/*!
    Sets the httpErrorPolicy property to \a policy. It applies from the next failure on.
*/
void EventSource::setHttpErrorPolicy(HttpErrorPolicy policy)
{
    d_func()->updateProperty(&EventSourcePrivate::httpErrorPolicy, policy,
                             &EventSource::httpErrorPolicyChanged);
}

/*!
    \struct QtSse::EventSource::HttpFailure
    \inmodule QtSse
    \brief A failed response, as a RetryPolicy sees it.
*/

/*!
    \variable QtSse::EventSource::HttpFailure::error
    HttpStatusError for a status other than 200, ContentTypeError for a 200 response that is
    not an event stream.
*/

/*!
    \variable QtSse::EventSource::HttpFailure::httpStatus
    The HTTP status of the response.
*/

/*!
    \variable QtSse::EventSource::HttpFailure::headers
    The response headers in the order received, each name in lower case (as on every Qt
    version), each value as sent.
*/

/*!
    \variable QtSse::EventSource::HttpFailure::retryAfter
    The wait the response's \c Retry-After header asks for, clamped to what an \c int of
    milliseconds holds; 0 for a date in the past, -1 ms when there is no usable header.
*/

/*!
    \variable QtSse::EventSource::HttpFailure::consecutiveFailures
    How many attempts in a row have failed, this one included.
*/

/*!
    \variable QtSse::EventSource::HttpFailure::retriedByPolicy
    Whether httpErrorPolicy() alone would retry this failure: the decision a policy may
    fall back to.
*/

/*!
    \struct QtSse::EventSource::RetryDecision
    \inmodule QtSse
    \brief What a RetryPolicy decides about a failed response.

    The default decision closes the source. A decision with \c reconnect set and no delay
    reconnects after the usual wait; with a delay of \c 10s, after ten seconds.
*/

/*!
    \variable QtSse::EventSource::RetryDecision::reconnect
    Whether to reconnect; false closes the source with the failure's error.
*/

/*!
    \variable QtSse::EventSource::RetryDecision::delay
    How long to wait before reconnecting, exactly. Negative (the default) means the usual
    wait: the \c Retry-After header's if there is one (never below the reconnection time),
    otherwise the exponential back-off.
*/

/*!
    \typedef QtSse::EventSource::RetryPolicy
    A function that decides whether a failed response is retried: see setRetryPolicy().
*/

/*!
    Installs \a policy, called with every failed response (a status other than 200, or a
    200 that is not an event stream), except a 204, which always closes the source. It
    replaces the decision of httpErrorPolicy(), which the failure's
    HttpFailure::retriedByPolicy reports, and may choose the wait:

    \snippet reference.cpp retry-policy

    A reconnect it asks for counts against maximumRetries() and maximumRetryDuration() like
    any other. It runs in the source's thread, before errorOccurred(); it may call close(),
    open() or reconnect(), and then its decision is ignored. Pass an empty function to remove
    it.
*/
void EventSource::setRetryPolicy(RetryPolicy policy)
{
    d_func()->retryPolicy = std::move(policy);
}

/*!
    \property QtSse::EventSource::readTimeout
    \brief How many milliseconds may pass without a byte from the server before the
    connection is dropped and reestablished with ReadTimeoutError; 0 (the default) is off.

    It covers the wait for the response headers too. Servers that send a comment line every
    few seconds as a keep-alive suit a timeout of a few times that period.
*/
int EventSource::readTimeout() const
{
    return d_func()->readTimeout;
}

/*!
    Sets the readTimeout property to \a milliseconds; 0 turns it off.
*/
void EventSource::setReadTimeout(int milliseconds)
{
    Q_D(EventSource);
    milliseconds = qMax(0, milliseconds);
    if (d->readTimeout == milliseconds)
        return;
    d->setReadTimeout(milliseconds);
    Q_EMIT readTimeoutChanged(milliseconds);
}

/*!
    \overload
    Sets the read timeout to \a timeout.
*/
void EventSource::setReadTimeout(std::chrono::milliseconds timeout)
{
    setReadTimeout(clampedMilliseconds(timeout));
}

/*!
    Returns the readTimeout property as a duration.
*/
std::chrono::milliseconds EventSource::readTimeoutAsDuration() const
{
    return std::chrono::milliseconds(readTimeout());
}

/*!
    \property QtSse::EventSource::maximumEventSize
    \brief The most bytes one event may buffer while it arrives; 16 MiB by default.

    A server that exceeds it (an endless line, say) has its connection dropped with
    EventTooLargeError, which counts as a failed attempt; memory stays bounded. It counts
    every buffer the parser holds for the event: the unfinished line, the data, the event
    type and the id. One event then costs at most about three times this (its bytes, then
    the UTF-16 string delivered), plus, for a compressed stream, the decoder's window (32 KiB
    for gzip and deflate, at most 8 MiB for zstd and 16 MiB for br; larger windows are
    refused), so a compression bomb costs no more than an honest large event. The default
    passes the largest events real services send (LaunchDarkly's SDK contract tests send
    10 MiB events).
*/
qint64 EventSource::maximumEventSize() const
{
    return d_func()->parser.maximumEventSize();
}

/*!
    Sets the maximumEventSize property to \a bytes.
*/
void EventSource::setMaximumEventSize(qint64 bytes)
{
    Q_D(EventSource);
    const qint64 old = d->parser.maximumEventSize();
    d->parser.setMaximumEventSize(bytes);
    if (d->parser.maximumEventSize() != old)
        Q_EMIT maximumEventSizeChanged(d->parser.maximumEventSize());
}

/*!
    \property QtSse::EventSource::maximumRedirects
    \brief The most redirect hops one connection follows; 20 by default. One more fails the
    source with RedirectError.
*/
int EventSource::maximumRedirects() const
{
    return d_func()->maximumRedirects;
}

/*!
    Sets the maximumRedirects property to \a hops.
*/
void EventSource::setMaximumRedirects(int hops)
{
    d_func()->updateProperty(&EventSourcePrivate::maximumRedirects, qMax(0, hops),
                             &EventSource::maximumRedirectsChanged);
}

/*!
    \property QtSse::EventSource::followNetworkChanges
    \brief Whether the source follows the machine's network (see "Network changes" in the
    class documentation); \c true by default.

    Turning it off while the source waits for the network makes it try at once.

    It also covers a suspended application. After iOS or Android suspends an application,
    its sockets may be dead while the stream looks open, and nothing tells until a read
    timeout (readTimeout is off by default). So in a GUI application (a QGuiApplication, whose
    applicationStateChanged() the library finds at run time: it links no Qt GUI), a source
    that is not closed reconnects at once when the application becomes
    Qt::ApplicationActive again after Qt::ApplicationSuspended, keeping the last event ID.
    Other state changes (inactive, hidden) leave the stream alone.
*/
bool EventSource::followNetworkChanges() const
{
    return d_func()->followNetworkChanges;
}

/*!
    Sets the followNetworkChanges property to \a follow.
*/
void EventSource::setFollowNetworkChanges(bool follow)
{
    Q_D(EventSource);
    if (d->followNetworkChanges == follow)
        return;
    d->setFollowNetworkChanges(follow);
    Q_EMIT followNetworkChangesChanged(follow);
}

/*!
    \enum QtSse::EventSource::Transport
    What carries a source's requests and responses. Redirects, the response and retry
    policies, decoding, flow control and parsing are the same on each, and so are the
    signals, the errors and the isolation rules (see "Isolation" in the class description).
    \value AutomaticTransport QtSse chooses (the default). A source given a network access
                            manager (setNetworkAccessManager()) streams through it; any other
                            through QtSse's own HTTP/1.1 client wherever it can carry the
                            request (http and https without user info in the URL, HTTP/2
                            prior knowledge or a caching proxy), else through the
                            QNetworkAccessManager QtSse pools for the thread. The environment
                            variable \c QTSSE_TRANSPORT set to \c qnam keeps every such
                            source on QNetworkAccessManager, \c own (or \c auto) is the
                            default; it is read once per process.
    \value NetworkAccessManagerTransport Always QNetworkAccessManager: the application's
                            manager if it gave one, else those QtSse pools for the thread.
    \value SocketTransport  Always QtSse's own HTTP/1.1 client, on a QTcpSocket or QSslSocket
                            read in the source's thread, or in one of QtSse's reading threads
                            once that thread reads 8 streams, whether or not the source has a
                            manager (its cookie jar is that of the pooled managers of the
                            source's identity). An attempt whose request it cannot carry fails
                            at once with UnsupportedSchemeError, saying why.
*/

/*!
    \property QtSse::EventSource::transport
    \brief What carries the source's requests; AutomaticTransport by default.

    A change applies from the next attempt: a stream already open stays on what carries it.
*/
EventSource::Transport EventSource::transport() const
{
    return d_func()->transport;
}

/*!
    Sets the transport property to \a transport.
*/
void EventSource::setTransport(Transport transport)
{
    d_func()->updateProperty(&EventSourcePrivate::transport, transport,
                             &EventSource::transportChanged);
}

/*!
    \fn void QtSse::EventSource::transportChanged(QtSse::EventSource::Transport transport)
    Emitted when transport() changes to \a transport.
*/

} // namespace QtSse
