// SPDX-License-Identifier: MIT
// EventSource for finite streams (an LLM's answer, an MCP request): the reconnect policy,
// finish and error markers, unterminated last events, skipped oversized events, the response
// headers, the request of each attempt and the cap on the waits a server chooses.
#include "eventsource.h"
#include "eventsource_p.h"

namespace QtSse {

/*!
    \enum QtSse::EventSource::ReconnectPolicy
    When a source sends its request again after a connection ends or fails. See "Finite
    streams" in the class description.
    \value AlwaysReconnect  The standard's behaviour (the default): every normal end and every
                            network failure reconnects after the reconnection time, POST
                            requests included.
    \value ReconnectBeforeFirstEvent Failures are retried as with AlwaysReconnect until the
                            first event has arrived, and never after it, so an answer is never
                            requested twice once the server started giving it. The end of the
                            body finishes the stream.
    \value NeverReconnect   One request only: the end of the body finishes the stream, and any
                            failure closes the source.
*/

/*!
    \enum QtSse::EventSource::OversizedEventPolicy
    What happens to an event that needs more than maximumEventSize() bytes.
    \value ReconnectOnOversizedEvent The connection is dropped with EventTooLargeError, as a
                            failed attempt (the default).
    \value SkipOversizedEvents The event is skipped without being kept: its \c id still becomes
                            the last event ID, eventSkipped() reports its type and size, and the
                            stream goes on.
*/

/*!
    \class QtSse::EventSource::RequestAttempt
    \inmodule QtSse
    \inheaderfile QtSse/EventSource
    \since QtSse 0.1
    \brief The request one connection attempt, or one redirect hop of it, is about to send.

    A preparer installed with setAttemptPreparer() or setAsyncAttemptPreparer() receives it
    and may change everything in it. EventSource then adds \c Cache-Control, \c Last-Event-ID
    (from lastEventId), \c Accept (unless the request has one) and \c Accept-Encoding (unless
    the request has one). Once a redirect chain has left the URL's origin, the
    \c Authorization, \c Cookie and \c Proxy-Authorization headers are removed whatever the
    preparer sets; other headers of its own, such as an API key, are the preparer's to drop
    when url leaves the servers it trusts.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::url
    The URL to request: url() for an attempt, the redirect target for a hop.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::request
    The request: headers, attributes and TLS configuration. Its own URL is not used.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::method
    The HTTP method; empty means \c GET.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::body
    The request body.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::lastEventId
    The value of the \c Last-Event-ID header this request sends (none when empty): the
    source's last event ID. A preparer that resumes a stream another way, with a cursor in
    the URL's query say, may read it and clear it. The source's own lastEventId() is not
    changed.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::attempt
    Which attempt this is since open(), from 1: 2 and up are reconnects.
*/

/*!
    \variable QtSse::EventSource::RequestAttempt::redirects
    How many redirect hops this attempt followed before this request: 0 for the attempt's
    first request, 1 and up when url is a redirect's target.
*/

/*!
    \typedef QtSse::EventSource::AttemptPreparer
    A function that may change the request of every attempt and redirect hop: see
    setAttemptPreparer().
*/

/*!
    \typedef QtSse::EventSource::AsyncAttemptPreparer
    A function that gives the request of an attempt or redirect hop later, through a QFuture:
    see setAsyncAttemptPreparer().
*/

/*!
    \variable QtSse::EventSource::DefaultMaximumServerDelay
    The default maximumServerDelay(): 600000 ms, ten minutes.
*/

/*!
    \variable QtSse::EventSource::DefaultRequestPreparationTimeout
    The default requestPreparationTimeout(): 30000 ms.
*/

/*!
    Installs \a preparer, called with the request of every attempt (the first connection and
    each reconnect) and of every redirect hop, before it is sent. It may change the URL, the
    method, the body and the request's headers and attributes: a fresh token, a GET that
    resumes what a POST started (MCP), a cursor in the query (OpenAI's background responses).
    RequestAttempt::attempt and RequestAttempt::redirects say which request it is.

    \snippet reference.cpp attempt-preparer

    It runs in the source's thread, and may call close() (nothing is sent then). It replaces
    any preparer set before, by this function, setAsyncAttemptPreparer() or
    setRequestPreparer(). Pass an empty function to remove it.
*/
void EventSource::setAttemptPreparer(AttemptPreparer preparer)
{
    Q_D(EventSource);
    d->asyncPreparer = nullptr;
    d->preparer = std::move(preparer);
}

/*!
    Installs \a preparer, which gives the request of every attempt and redirect hop through a
    QFuture, so that an access token can be refreshed before the request goes out without
    blocking the event loop. It is called with the request as setAttemptPreparer() describes;
    the source stays \l Connecting until the future has a result, then sends that request.

    \snippet reference.cpp async-attempt-preparer

    A future that is cancelled, ends in an exception or ends without a result fails the
    source with RequestPreparationError, and so does one that has no result within
    requestPreparationTimeout(); nothing is sent. close(), reconnect() and destroying the
    source stop the wait; the future's result is then ignored. To refresh a token after a
    401, combine it with setRetryPolicy(): the retry it asks for calls the preparer again.

    It replaces any preparer set before. Pass an empty function to remove it.
*/
void EventSource::setAsyncAttemptPreparer(AsyncAttemptPreparer preparer)
{
    Q_D(EventSource);
    d->preparer = nullptr;
    d->asyncPreparer = std::move(preparer);
}

/*!
    Returns how many milliseconds the source waits for the future of an asynchronous
    preparer before it fails with RequestPreparationError; 30000 by default.
    \sa setAsyncAttemptPreparer()
*/
int EventSource::requestPreparationTimeout() const
{
    return d_func()->preparationTimeout;
}

/*!
    Sets the wait for an asynchronous preparer's future to \a milliseconds (at least 1).
*/
void EventSource::setRequestPreparationTimeout(int milliseconds)
{
    d_func()->preparationTimeout = qMax(1, milliseconds);
}

/*!
    Returns the headers of the last final response (the one after any redirects), names in
    lower case, in the order the server sent them; empty until a response arrives. They are
    set before opened() or errorOccurred() is emitted for that response, and open() clears
    them. A failed response's headers are kept too: \c Retry-After and rate-limit headers
    explain a 429.
    \sa responseHeader(), responseHeadersChanged()
*/
QList<QPair<QByteArray, QByteArray>> EventSource::responseHeaders() const
{
    return d_func()->responseHeaders;
}

/*!
    Returns the value of the response header \a name, compared without regard to case, from
    the last final response; the values of a repeated header joined by ", "; a null array
    when the response has no such header.

    \snippet reference.cpp response-header
*/
QByteArray EventSource::responseHeader(QByteArrayView name) const
{
    QByteArray value;
    bool found = false;
    for (const auto &[headerName, headerValue] : d_func()->responseHeaders) {
        if (headerName.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (found)
            value += ", ";
        value += headerValue;
        found = true;
    }
    return found && value.isNull() ? QByteArray("") : value;
}

/*!
    \property QtSse::EventSource::reconnectPolicy
    \brief When the request is sent again after a connection ends or fails; AlwaysReconnect
    by default, as the standard says.

    An LLM's answer or an MCP response is a finite stream: set ReconnectBeforeFirstEvent (or
    NeverReconnect), so that an answer is never requested, and paid for, twice. The end of
    the body then finishes the stream (finished()), unless finishMarkers() are set and none
    came, which is StreamTruncatedError. A failure after the first event closes the source
    with the failure's error.
*/
EventSource::ReconnectPolicy EventSource::reconnectPolicy() const
{
    return d_func()->reconnectPolicy;
}

/*!
    Sets the reconnectPolicy property to \a policy. It applies from the next end or failure.
*/
void EventSource::setReconnectPolicy(ReconnectPolicy policy)
{
    d_func()->updateProperty(&EventSourcePrivate::reconnectPolicy, policy,
                             &EventSource::reconnectPolicyChanged);
}

/*!
    \property QtSse::EventSource::finishMarkers
    \brief Event types or data values that complete the stream; empty by default.

    An event whose type or whose data equals one of them (\c{[DONE]} of OpenAI-style chat
    completions, Anthropic's \c message_stop, the Responses API's \c response.completed) is
    delivered, then the stream finishes at once, whatever reconnectPolicy() says: the
    connection is released without waiting for the server, readyState() is \l Closed and
    finished() is emitted. Under the finite reconnect policies a body that ends without one
    fails with StreamTruncatedError, so a cut answer cannot pass for a complete one.
*/
QStringList EventSource::finishMarkers() const
{
    return d_func()->markers.finishMarkers();
}

/*!
    Sets the finishMarkers property to \a markers. Empty strings are ignored.
*/
void EventSource::setFinishMarkers(const QStringList &markers)
{
    Q_D(EventSource);
    const QStringList old = d->markers.finishMarkers();
    d->markers.setFinishMarkers(markers);
    if (d->markers.finishMarkers() != old)
        Q_EMIT finishMarkersChanged(d->markers.finishMarkers());
}

/*!
    \property QtSse::EventSource::errorEventTypes
    \brief Event types by which the server reports a failure in the stream, such as
    Anthropic's and OpenAI Responses' \c error; empty by default.

    An entry also matches an unnamed event (type \c message) whose data is a JSON object
    with a top-level member of that name holding an object or a non-empty string (not
    \c null, \c false, a number or \c{""}): that is how OpenAI-compatible
    chat completion servers report a failure in the stream (\c{data: {"error": {...}}}), so
    \c{["error"]} covers the three common LLM APIs. Only data that names an entry in quotes is
    parsed, so ordinary chunks cost a search, not a parse.

    Such an event is delivered like any other, then the connection ends with
    ServerEventError, whose errorString() carries the event's data. Under the finite
    reconnect policies the source is then \l Closed; under AlwaysReconnect it reconnects,
    with back-off.
*/
QStringList EventSource::errorEventTypes() const
{
    return d_func()->markers.errorTypes();
}

/*!
    Sets the errorEventTypes property to \a types. Empty strings are ignored.
*/
void EventSource::setErrorEventTypes(const QStringList &types)
{
    Q_D(EventSource);
    const QStringList old = d->markers.errorTypes();
    d->markers.setErrorTypes(types);
    if (d->markers.errorTypes() != old)
        Q_EMIT errorEventTypesChanged(d->markers.errorTypes());
}

/*!
    \property QtSse::EventSource::dispatchUnterminatedEvent
    \brief Whether a last event that the body does not end with a blank line is dispatched
    when the body ends cleanly; \c false by default, as the standard discards it.

    Some servers (Gemini's, some gateways) omit the blank line after their last event.
    Nothing is dispatched from a body that ends in a network error.
*/
bool EventSource::dispatchUnterminatedEvent() const
{
    return d_func()->dispatchUnterminatedEvent;
}

/*!
    Sets the dispatchUnterminatedEvent property to \a dispatch.
*/
void EventSource::setDispatchUnterminatedEvent(bool dispatch)
{
    d_func()->updateProperty(&EventSourcePrivate::dispatchUnterminatedEvent, dispatch,
                             &EventSource::dispatchUnterminatedEventChanged);
}

/*!
    \property QtSse::EventSource::oversizedEventPolicy
    \brief What happens to an event over maximumEventSize(); ReconnectOnOversizedEvent by
    default.

    With SkipOversizedEvents the event is dropped as it arrives, never held whole, its
    \c id becomes the last event ID (so a reconnect does not ask for it again) and
    eventSkipped() reports it.
*/
EventSource::OversizedEventPolicy EventSource::oversizedEventPolicy() const
{
    return d_func()->oversizedEventPolicy;
}

/*!
    Sets the oversizedEventPolicy property to \a policy.
*/
void EventSource::setOversizedEventPolicy(OversizedEventPolicy policy)
{
    Q_D(EventSource);
    d->parser.setSkipOversizedEvents(policy == SkipOversizedEvents);
    d->updateProperty(&EventSourcePrivate::oversizedEventPolicy, policy,
                      &EventSource::oversizedEventPolicyChanged);
}

/*!
    \property QtSse::EventSource::maximumServerDelay
    \brief The longest wait a server may choose, in milliseconds; 600000 (ten minutes) by
    default.

    A \c retry field sets the reconnection time, and a \c Retry-After header the wait before
    a retried HTTP failure, exactly as the server says up to this cap (MCP requires clients to
    honour them); longer values are cut to it, so a broken or hostile server cannot park the
    source for weeks. It does not limit the waits the application sets itself
    (setReconnectionTime(), a retry policy's delay).
*/
int EventSource::maximumServerDelay() const
{
    return d_func()->maximumServerDelay;
}

/*!
    Returns the maximumServerDelay property as a duration.
*/
std::chrono::milliseconds EventSource::maximumServerDelayAsDuration() const
{
    return std::chrono::milliseconds(maximumServerDelay());
}

/*!
    Sets the maximumServerDelay property to \a milliseconds (negative values count as 0).
*/
void EventSource::setMaximumServerDelay(int milliseconds)
{
    d_func()->updateProperty(&EventSourcePrivate::maximumServerDelay, qMax(0, milliseconds),
                             &EventSource::maximumServerDelayChanged);
}

/*!
    \overload
    Sets the maximumServerDelay property to \a delay.
*/
void EventSource::setMaximumServerDelay(std::chrono::milliseconds delay)
{
    setMaximumServerDelay(clampedMilliseconds(delay));
}

/*!
    \fn void QtSse::EventSource::finished()
    Emitted when a finite stream is complete: an event matched finishMarkers(), a JSON answer
    was delivered, the server answered 202 or 204 to a request that accepts JSON, or the body
    ended cleanly under a finite reconnectPolicy() with no finish marker expected.
    readyState() is already \l Closed, and nothing reconnects.
*/

/*!
    \fn void QtSse::EventSource::responseHeadersChanged()
    Emitted when responseHeaders() changes: when a final response arrives (before opened()
    or errorOccurred() for it), and when open() clears them.
*/

/*!
    \fn void QtSse::EventSource::eventSkipped(const QString &type, qint64 size)
    Emitted under SkipOversizedEvents for each event over maximumEventSize() that was
    skipped, with its \a type and its \a size in bytes as far as it was counted (more than
    maximumEventSize()). Its \c id, if it had one, is already lastEventId().
*/

/*!
    \fn void QtSse::EventSource::reconnectPolicyChanged(QtSse::EventSource::ReconnectPolicy policy)
    Emitted when reconnectPolicy() changes to \a policy.
*/

/*!
    \fn void QtSse::EventSource::finishMarkersChanged(const QStringList &markers)
    Emitted when finishMarkers() changes to \a markers.
*/

/*!
    \fn void QtSse::EventSource::errorEventTypesChanged(const QStringList &types)
    Emitted when errorEventTypes() changes to \a types.
*/

/*!
    \fn void QtSse::EventSource::dispatchUnterminatedEventChanged(bool dispatch)
    Emitted when dispatchUnterminatedEvent() changes to \a dispatch.
*/

/*!
    \fn void QtSse::EventSource::oversizedEventPolicyChanged(QtSse::EventSource::OversizedEventPolicy policy)
    Emitted when oversizedEventPolicy() changes to \a policy.
*/

/*!
    \fn void QtSse::EventSource::maximumServerDelayChanged(int milliseconds)
    Emitted when maximumServerDelay() changes to \a milliseconds.
*/

} // namespace QtSse
