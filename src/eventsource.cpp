// SPDX-License-Identifier: MIT
#include "eventsource.h"
#include "eventsource_p.h"
#include "responsepolicy_p.h"

#include <QtCore/qmetaobject.h>

namespace QtSse {

// MinGW's GCC exports an inline static data member of an exported class only from a translation
// unit that defines it: without these definitions (redundant since C++17), code that takes one by
// reference (QCOMPARE, std::max) does not link against QtSse.dll (seen in scripts/mingw-wine.sh).
#ifdef __MINGW32__
constexpr int EventSource::DefaultReconnectionTime;
constexpr int EventSource::DefaultMaximumReconnectionDelay;
constexpr int EventSource::DefaultMaximumRedirects;
constexpr int EventSource::DefaultMaximumServerDelay;
constexpr int EventSource::DefaultRequestPreparationTimeout;
#endif

/*!
    \class QtSse::EventSource
    \inmodule QtSse
    \inheaderfile QtSse/EventSource
    \since QtSse 0.1
    \brief A client of a Server-Sent Events stream: the \c EventSource of the WHATWG HTML
    standard, for Qt.

    \table
    \row \li In QML: \li \l [QML] {EventSource}
    \endtable

    EventSource connects to a \c text/event-stream URL over QNetworkAccessManager, parses the
    stream as it arrives and emits a signal for every event. When the connection ends or fails
    on the network it reconnects after the reconnection time, sending the last event ID in a
    \c Last-Event-ID header, exactly as the standard says; the server's \c retry field changes
    the reconnection time.

    \snippet reference.cpp overview

    with the handler of the \c price events a member function:

    \snippet reference.cpp on-price

    \section1 States and signals
    readyState() is \l Closed until open(), then \l Connecting, \l Open when a 200 response
    with a \c text/event-stream type arrives (opened() is emitted), and \l Connecting again
    while a reconnect is pending. A response that is not such a 200, a 204 included, fails the
    source: errorOccurred() is emitted with readyState() already \l Closed, and it stays
    closed, unless httpErrorPolicy() or setRetryPolicy() asks for such failures to be
    retried. A normal end of the body, or a network error, reconnects: errorOccurred() is
    emitted with readyState() already \l Connecting. Event signals are never emitted
    synchronously from the constructor, open(), reconnect() or a setter; they come from the
    event loop, so handlers connected right after open() see every one.

    Every event is emitted by eventReceived(). Events of the default type \c message are also
    emitted by messageReceived(), and events of any type by the received() signal of that
    type's channel.

    close() is synchronous, silent and final: nothing is emitted after it, not even events
    already parsed from the same network chunk.

    \section1 Requests
    Each connection sends the request() (custom headers and attributes kept) with method() and
    body() (GET with no body by default), plus "Accept: text/event-stream",
    "Cache-Control: no-cache", and \c Last-Event-ID when the last event ID is not empty. The
    HTTP cache is never used. Cookies a response sets are sent on later requests through the
    manager's cookie jar. setRequestPreparer() installs a function that may change the
    request before every connection, for example to put a fresh access token in.

    The request also sends "Accept-Encoding: gzip, deflate" (with ", br" and ", zstd" where
    QtSse was built with libbrotlidec and libzstd) unless request() sets its own
    \c Accept-Encoding. QtSse decodes a stream in those encodings itself, as it reads, so a
    compressed stream may be endless and compress at any ratio: memory stays bounded by the
    read buffer and maximumEventSize(). (Qt's own decoding, used when QNetworkAccessManager asks
    for compression, stops a long, well-compressed stream after 10 MiB.) A corrupt or cut-short
    compressed stream is a NetworkError that names the encoding and the decoding library's
    reason.

    \section1 Finite streams: LLM answers and MCP
    The standard's EventSource reconnects forever and sends the same request each time, which
    suits a stream of notifications. An LLM's answer or an MCP response is a finite stream,
    and sending its request again asks, and pays, for the answer twice. For them:
    \list
    \li reconnectPolicy() ReconnectBeforeFirstEvent retries failures only until the first
        event; NeverReconnect sends one request. A body that ends cleanly then finishes the
        stream: finished() is emitted and readyState() is \l Closed.
    \li finishMarkers() (\c{[DONE]}, \c message_stop, \c response.completed) finish the
        stream on the event that carries one, without waiting for the server to close; with
        markers set, a body that ends without one is StreamTruncatedError.
        errorEventTypes() turn an in-band error event into ServerEventError.
    \li responseHeaders() and responseHeader() give the headers of the response (a request
        id, rate limits, MCP's \c Mcp-Session-Id) from opened() on.
    \li A request whose \c Accept header names \c application/json (MCP's
        "application/json, text/event-stream") also takes a JSON answer: a 2xx response of a
        JSON type is delivered as one \c message event whose data is the body, then the stream
        finishes; a 202 or 204 finishes it with no event.
    \li setAttemptPreparer() and setAsyncAttemptPreparer() decide the URL, method, body and
        headers of every attempt and redirect hop, the latter after an asynchronous token
        refresh.
    \endlist

    \snippet llmstream.cpp llm

    Qt's HTTP layer reads a malformed chunk size as the last chunk, and reports some
    connections closed or reset inside a chunked body as a complete body, so a body that
    breaks that way ends "cleanly": with no finish markers set, the finite policies cannot
    tell it from a complete answer. Set the markers the service sends.

    \section1 Reconnection and back-off
    After a connection that delivered at least one event, the next attempt waits exactly the
    reconnection time. After consecutive failed attempts (no event delivered,
    the server unreachable, a read timeout, an event too large) the wait grows exponentially
    with jitter, from the reconnection time up to maximumReconnectionDelay(); it is never
    shorter than the reconnection time. maximumRetries() and maximumRetryDuration() give up
    after that many failed attempts or that much time, with RetriesExhaustedError.

    \section1 Network changes
    Where Qt has a QNetworkInformation backend (NetworkManager on Linux, the system's own
    elsewhere) and followNetworkChanges is \c true (the default), the source follows the
    machine's network. While it is offline no attempt is made and no retry budget is spent:
    readyState() stays \l Connecting and error() is OfflineError. When the network comes back
    the source connects at once, with the back-off reset. When the network drops and returns,
    or the transport medium changes (Wi-Fi to Ethernet, say), while a stream is open, the
    source reconnects at once instead of waiting on a connection that may be dead; the last
    event ID is kept. Without a backend nothing changes, and streams from the machine itself
    (\c localhost, loopback addresses) never wait for the network.

    \section1 Server errors
    By default a failing HTTP status closes the source, as the standard says. A dashboard
    that should outlive a deploy or a restarting proxy sets httpErrorPolicy() to
    RetryServerErrors: 5xx, 429 and 408 are then retried like a network error, honouring
    \c Retry-After. setRetryPolicy() decides any failed response case by case.

    \section1 Redirects and credentials
    Redirects (301, 302, 303, 307, 308) are followed by EventSource itself, at most
    maximumRedirects() hops. A redirect without a \c Location, to a scheme other than http or
    https, or from https to http fails the source with RedirectError. When a redirect leaves
    the origin, the \c Authorization, \c Cookie and \c Proxy-Authorization headers set on the
    request are not sent to the new origin, nor to any later hop of that chain.
    QNetworkAccessManager itself would forward them.

    \section1 Connections and threads
    Without a manager set with setNetworkAccessManager(), sources stream through
    QNetworkAccessManagers that QtSse pools per thread, so any number of sources can stream
    from one host, many streams share a network thread, and sources with different
    credentials never share a connection (see "Isolation" below). \l{Connections, threads
    and tuning} says how many streams a pooled manager carries, how many threads a process
    then needs, and how to trade threads for CPU.

    \section2 Isolation
    A QNetworkAccessManager shares between all the requests it carries its connections (a
    connection to a host, verified once, serves any later request to that host), its
    authentication cache, its TLS sessions and its cookie jar. So QtSse's pooled managers
    carry only sources that present the same credentials: sources that differ in any of
    \list
    \li the \c Authorization, \c Proxy-Authorization or \c Cookie request header (whether
        set with setRequestHeader(), setRequest(), QML \c headers or the request preparer),
    \li the user info of the URL,
    \li the request's TLS configuration: CA certificates, client certificate and key, peer
        verification,
    \endlist
    never share a connection, a cookie jar or an authentication cache. Each such identity has
    its own cookie jar, kept while it has pooled managers (the jar of sources without
    credentials is kept for the thread's life), so a source keeps its cookies whichever pooled
    manager it reconnects on, and the cookies a server sets for one token are never sent with
    another's requests. After a redirect to another origin, which strips the credentials, the
    stream is one of the sources without credentials. Sources with the same credentials share
    what a manager shares: that is safe, since each could send the other's requests anyway.

    \section2 An application's network access manager
    A manager set with setNetworkAccessManager() (in QML, the engine's, from a
    QQmlNetworkAccessManagerFactory or not) carries every stream of the source, and QtSse never
    moves a stream to a manager the application did not make: its \c createRequest(), its
    handlers (\c authenticationRequired, \c proxyAuthenticationRequired, \c sslErrors,
    \c encrypted), proxy factory, cookie jar, HSTS and transfer timeout apply to every stream.
    QtSse never holds its cookie jar: the application may replace the jar, delete the
    manager (the streams on it end with AbortedError) or move it to another thread (the
    same, before its replies move; a source whose manager lives in another thread fails to
    connect) at any time. Sources that share a manager share what it shares (its cookie jar,
    authentication cache and connections), as any of its users do, with one exception: sources
    whose TLS configurations differ (CA certificates, client certificate and key, peer
    verification) never share a connection or a TLS session on it. QNAM keeps a manager's
    connections by scheme, host, port, proxy and the request's peer verify name only, so
    QtSse sends the requests of a source whose TLS configuration is not the default (or whose
    request sets a peer verify name) with a peer verify name of that configuration's own: the
    host name (or the name the request sets) spelt in a pattern of upper and lower case
    letters that only sources with that configuration use. Qt verifies the server's
    certificate against the name in lower case (OpenSSL's backend also sends it so; Schannel
    and Secure Transport send it as spelt, and servers compare names without regard to case),
    so what is verified does not change; an application's \c createRequest() and handlers see the spelling in the
    request. A host name has a spelling for each pattern of its first 16 letters; an IP
    address has one, so per address one TLS configuration besides the default can have
    connections of its own on applications' managers, and a source with another fails with
    TlsError before anything is sent: give it a manager of its own (or \c nullptr for QtSse's
    pooled managers, which keep every TLS configuration apart). A configuration keeps its
    spelling for the life of the process, so configurations that change (a rotated client
    certificate) each use one up. To keep sources with different
    cookies or credentials apart, give each its own manager.

    Qt's limit on connections per host then applies to the manager's streams: on Qt 6.4 a
    stream past the limit waits until another closes. \l{Connections, threads and tuning}
    gives the limits of each Qt version and the ways past them.

    \section2 Transports
    The transport property decides what carries a source's requests: QNetworkAccessManager,
    as described above, or QtSse's own HTTP/1.1 client (SocketTransport), one QTcpSocket or
    QSslSocket per stream, with the request's TLS configuration and the system's certificate
    authorities, failing closed. By default (AutomaticTransport) a source with an
    application's manager streams through that manager, and any other over the own client
    where it can carry the request. A thread reads its first 8 streams on the own client
    itself; on Linux, QtSse reads the others in up to 4 threads of its own, whose event
    dispatcher costs in proportion to the sockets that are ready, not to all those watched,
    and hands each stream's head, body and end to the source's thread in order. Redirects, the response and retry
    policies, decoding, flow control and parsing are the same on both, and so are the
    signals and errors. A stream on the own transport keeps its cookies in the jar of its
    identity that the pooled managers use (see "Isolation"), never in an application's
    manager's. It carries no request over HTTP/2 or to a URL with user info: those stay on
    QNetworkAccessManager.

    Both transports take the proxy QNetworkAccessManager would take for the URL: that of an
    application's manager of the source (its own proxy factory or proxy), else what
    \c{QNetworkProxyFactory::proxyForQuery()} gives (the application proxy or the
    application's proxy factory; Qt gives none for \c localhost and loopback addresses):
    the first entry each can use. The own transport goes through a SOCKS5 proxy, through
    an HTTP proxy with \c CONNECT for https, and sends an HTTP proxy plain http requests in
    absolute form (\c{GET http://host/path}), as QNetworkAccessManager does: many proxies
    refuse \c CONNECT to other ports than 443. Caching proxies
    (\c{QNetworkProxy::HttpCachingProxy}) stay on QNetworkAccessManager. It authenticates to
    the proxy with the user and password of the QNetworkProxy only: it does not ask the
    application (there is no \c proxyAuthenticationRequired), so a proxy that wants
    credentials it does not get fails the attempt: with NetworkError naming the proxy for a
    tunnel, with HttpStatusError (the proxy's 407) for an absolute-form request. A source whose
    proxy credentials the application gives when asked uses NetworkAccessManagerTransport.

    \section1 Known limits of Qt's HTTP layer
    Measured on Qt 6.4.2; each with what QtSse does about it.
    \list
    \li A chunked body whose chunk size is not hexadecimal (\c zz) ends as if that were the
        last chunk: the reply finishes without an error, so a broken body and a clean end look
        the same (with nothing after it, the reply hangs instead). The source drops the
        unfinished event and reconnects with the last event ID, as at any end of the stream;
        a hang is caught only by readTimeout. Where the end of the body is taken as the end of
        the data, such a truncation cannot be seen: have the server send a final event that
        says the data is complete.
    \li QNetworkAccessManager reuses a connection for any request to its host, port and
        proxy, whatever the request's TLS configuration, and offers credentials cached for a
        URL's user info to later requests to the host: QtSse keeps sources that differ in
        either apart on its own managers, and sources that differ in TLS configuration apart
        on an application's: see "Isolation" and "An application's network access manager"
        above.
    \li A limit on HTTP/1.1 connections per host and manager on Qt 6.4 (see
        \l{Connections, threads and tuning}).
    \li Under Qt's default redirect policy a cross-origin redirect keeps the
        \c Authorization and \c Cookie headers: QtSse follows redirects itself and strips
        them when a hop leaves the origin.
    \li Qt adds \c{Accept-Language: en,*} and \c{User-Agent: Mozilla/5.0} to requests that
        set neither.
    \li TCP keep-alive is set on Qt 6.11 and later only: a dead connection is otherwise seen
        through network changes, the application's return from a suspension, or readTimeout.
    \li Qt for WebAssembly delivers a body only when the request completes, so an endless
        stream never opens there.
    \endlist

    \section1 Threads
    EventSource lives in the thread it was created in (or moved to), which needs a running
    event loop. The pooled managers it streams through belong to that thread.

    \section1 Slots
    A slot connected to an EventSource signal may call close(), open() or reconnect(), and may
    run a nested event loop (a modal dialog): events that arrive meanwhile are delivered, in
    order, after the slot returns. To destroy the source from such a slot, call deleteLater(),
    as with QNetworkReply; \c delete there would pull the object out from under the code that
    emitted the signal.
*/

/*!
    \enum QtSse::EventSource::ReadyState
    The state of the connection, with the values of the standard.
    \value Connecting The source is connecting, or waiting to reconnect.
    \value Open       A stream is open and events are being dispatched.
    \value Closed     The source is not connected and will not reconnect until open().
*/

/*!
    \enum QtSse::EventSource::Error
    What the last error was. After the errors marked "reconnects" readyState() is
    \l Connecting and a reconnect follows after reconnectDelay(); after the others it is
    \l Closed.
    \value NoError                No error has occurred.
    \value StreamEndedError       The server ended the stream normally (reconnects).
    \value NetworkError           A network error: refused, reset, DNS failure, or a compressed
                                  stream that is corrupt, cut short or in an encoding not asked
                                  for (reconnects).
    \value ReadTimeoutError       No bytes arrived for readTimeout() ms (reconnects).
    \value EventTooLargeError     One event exceeded maximumEventSize() (reconnects; counts as
                                  a failed attempt).
    \value HttpStatusError        The final response status was not 200 (a 204 included),
                                  see httpStatus() and errorResponseBody(). Reconnects
                                  when httpErrorPolicy() or the retry policy says so.
    \value ContentTypeError       A 200 response whose type is not \c text/event-stream.
                                  Reconnects when the retry policy says so.
    \value RedirectError          A redirect without a usable \c Location, to another scheme,
                                  from https to http, or past maximumRedirects().
    \value InvalidUrlError        The URL is empty or cannot be parsed.
    \value UnsupportedSchemeError The URL's scheme is not http or https, or the
                                  platform cannot stream (WebAssembly; see open()).
    \value TlsError               The TLS handshake failed: certificate errors fail closed.
    \value AbortedError           The request was aborted by something other than close(), such
                                  as the network access manager being destroyed.
    \value RetriesExhaustedError  maximumRetries() or maximumRetryDuration() was reached.
    \value OfflineError           The machine has no network: the source waits in
                                  \l Connecting, without attempts, and connects as soon as the
                                  network is back (see followNetworkChanges).
    \value StreamTruncatedError   Under a finite reconnectPolicy(), the body ended without any
                                  of the finishMarkers(): the answer is incomplete.
    \value ServerEventError       An event that errorEventTypes() match arrived; errorString()
                                  carries its data (reconnects under AlwaysReconnect only).
    \value RequestPreparationError The asynchronous request preparer failed or gave no request
                                  in time; nothing was sent.
    \value InvalidHeaderError     A request header (from the request, a preparer, or the last
                                  event ID) holds a CR, LF or NUL character, or its name is not
                                  a valid token; nothing was sent.
*/

/*!
    \typedef QtSse::EventSource::RequestPreparer
    A function that may change the request before each connection: see setRequestPreparer().
*/

/*!
    \variable QtSse::EventSource::DefaultReconnectionTime
    The reconnection time before the server sets one: 3000 ms.
*/

/*!
    \variable QtSse::EventSource::DefaultMaximumReconnectionDelay
    The default cap of the back-off: 30000 ms.
*/

/*!
    \variable QtSse::EventSource::DefaultMaximumRedirects
    The default most redirect hops per connection: 20, as in Fetch.
*/

/*!
    Constructs an event source with no URL, owned by \a parent.
*/
EventSource::EventSource(QObject *parent) : QObject(parent), d_ptr(new EventSourcePrivate(this))
{
    Q_D(EventSource);
    d->reconnectTimer.setParent(this);
    d->readTimer.setParent(this);
    d->preparationTimer.setParent(this);
    connect(&d->reconnectTimer, &QTimer::timeout, this, [d] { d->startAttempt(); });
    connect(&d->readTimer, &QTimer::timeout, this, [d] { d->onReadTimer(); });
    connect(&d->preparationTimer, &QTimer::timeout, this, [d] {
        d->fail(RequestPreparationError,
                tr("The request preparer gave no request within %1 ms; nothing was sent")
                        .arg(d->preparationTimeout));
    });
}

/*!
    Constructs an event source for \a url, owned by \a parent. Call open() to connect.
*/
EventSource::EventSource(const QUrl &url, QObject *parent) : EventSource(parent)
{
    d_func()->url = url;
}

/*!
    Destroys the event source. An open connection is aborted silently, as by close().
*/
EventSource::~EventSource()
{
    Q_D(EventSource);
    d->releaseExchange();
    d->reconnectTimer.setParent(nullptr);
    d->readTimer.setParent(nullptr);
    d->preparationTimer.setParent(nullptr);
}

/*!
    \reimp
*/
void EventSource::connectNotify(const QMetaMethod &signal)
{
    // Notes the per-event signals that have a receiver, whichever way it connected (QObject::
    // connect(), QSignalSpy, QML handlers and bindings): the source skips the others' emissions.
    // Never cleared, since disconnectNotify() is not called for every way a connection ends.
    Q_D(EventSource);
    if (signal == QMetaMethod::fromSignal(&EventSource::messageReceived))
        d->messageReceivedWanted.store(true, std::memory_order_relaxed);
    else if (signal == QMetaMethod::fromSignal(&EventSource::eventReceived))
        d->eventReceivedWanted.store(true, std::memory_order_relaxed);
    else if (signal == QMetaMethod::fromSignal(&EventSource::lastEventIdChanged))
        d->lastEventIdChangedWanted.store(true, std::memory_order_relaxed);
}

/*!
    \property QtSse::EventSource::url
    \brief The URL of the event stream.

    Every connection, reconnects included, starts at this URL and follows redirects afresh; it
    does not change when a redirect is followed. A new URL takes effect at
    the next connection; call reconnect() to use it at once.
*/
QUrl EventSource::url() const
{
    return d_func()->url;
}

/*!
    Sets the url property to \a url.
*/
void EventSource::setUrl(const QUrl &url)
{
    d_func()->updateProperty(&EventSourcePrivate::url, url, &EventSource::urlChanged);
}

/*!
    Returns the request every connection is built from: its headers, attributes and SSL
    configuration. Its URL is not used; url() is.
*/
QNetworkRequest EventSource::request() const
{
    return d_func()->request;
}

/*!
    Makes every later connection start from \a request: its raw headers, attributes and SSL
    configuration (to trust a private certificate authority, say). If \a request has a URL,
    it becomes url(). The headers that EventSource sets itself (\c Accept, \c Cache-Control,
    \c Last-Event-ID) override the request's.
*/
void EventSource::setRequest(const QNetworkRequest &request)
{
    Q_D(EventSource);
    d->request = request;
    d->refusedHeaders.clear();
    if (!request.url().isEmpty())
        setUrl(request.url());
}

/*!
    Sets the request header \a name to \a value for every later connection; a null \a value
    removes it. Use it for \c Authorization, API keys and the like.
*/
void EventSource::setRequestHeader(const QByteArray &name, const QByteArray &value)
{
    Q_D(EventSource);
    // A header HTTP does not allow fails the next connection with InvalidHeaderError: it must
    // not be sent, nor vanish silently (Qt 6.7+ drops it from the request without a word).
    d->refusedHeaders.removeAll(name);
    if (!value.isNull() && !ResponsePolicy::isValidHeader(name, value)) {
        d->refusedHeaders.append(name);
        return;
    }
    d->request.setRawHeader(name, value);
}

/*!
    Installs \a preparer, called with the request just before each connection, reconnects
    included, and before the redirect hops of that connection reuse it. It may change headers
    and attributes: refresh an access token, add a signature. It runs in the source's thread.
    Pass an empty function to remove it.

    It is the simple form of setAttemptPreparer(), which may also change the URL, method and
    body of each attempt and sees each redirect hop; setAsyncAttemptPreparer() may take its
    time. Each replaces the preparer the others set.
*/
void EventSource::setRequestPreparer(RequestPreparer preparer)
{
    if (!preparer) {
        setAttemptPreparer(nullptr);
        return;
    }
    setAttemptPreparer([preparer = std::move(preparer)](RequestAttempt &attempt) {
        if (attempt.redirects == 0) // hops reuse the request prepared for their attempt
            preparer(attempt.request);
    });
}

/*!
    \property QtSse::EventSource::method
    \brief The HTTP method of every connection; \c GET by default.

    Streams that answer a request body, such as LLM token streams, use \c POST. The method and
    body() are sent again on every reconnect.
*/
QByteArray EventSource::method() const
{
    return d_func()->method;
}

/*!
    Sets the method property to \a method; an empty one means \c GET.
*/
void EventSource::setMethod(const QByteArray &method)
{
    d_func()->updateProperty(&EventSourcePrivate::method,
                             method.isEmpty() ? QByteArrayLiteral("GET") : method,
                             &EventSource::methodChanged);
}

/*!
    \property QtSse::EventSource::body
    \brief The request body sent with method() on every connection; empty by default.

    Set a \c Content-Type header to go with it (setRequestHeader()).
*/
QByteArray EventSource::body() const
{
    return d_func()->body;
}

/*!
    Sets the body property to \a body.
*/
void EventSource::setBody(const QByteArray &body)
{
    d_func()->updateProperty(&EventSourcePrivate::body, body, &EventSource::bodyChanged);
}

/*!
    \property QtSse::EventSource::readyState
    \brief The state of the connection. \l Closed until open() is called.
*/
EventSource::ReadyState EventSource::readyState() const
{
    return d_func()->readyState;
}

/*!
    \property QtSse::EventSource::lastEventId
    \brief The last event ID: the value the next reconnect sends as \c Last-Event-ID.

    It changes at the blank line that ends a block with an \c id field, and persists
    across reconnects. Set it before open() to resume a stream from an ID saved
    earlier; the first request then sends it too. Set while the stream is open, it is what
    later events report and what a reconnect sends, until the stream's next \c id replaces it.
*/
QString EventSource::lastEventId() const
{
    return d_func()->parser.lastEventId();
}

/*!
    Sets the lastEventId property to \a id.
*/
void EventSource::setLastEventId(const QString &id)
{
    d_func()->setLastEventId(id);
}

/*!
    \property QtSse::EventSource::error
    \brief The last error, or NoError.

    The error state (error, errorString and errorResponseBody) describes the latest failure.
    open() clears it, and so does a connection that opens after a failure. errorChanged() is
    emitted whenever any of the three changes, before readyStateChanged() and errorOccurred(),
    so bindings on them are current in those handlers.
*/
EventSource::Error EventSource::error() const
{
    return d_func()->error;
}

/*!
    \property QtSse::EventSource::errorString
    \brief A readable description of the last error: what happened, the HTTP status and an
    excerpt of the response body where there was one, and, when the source gives up, why.

    While a reconnect is pending (readyState() is \l Connecting after errorOccurred()), the
    wait is reconnectDelay() and is not repeated in the text, so that an application shows one
    countdown: "Connection refused" and "reconnecting in 4.9 s" from reconnectDelay().
*/
QString EventSource::errorString() const
{
    return d_func()->errorString;
}

/*!
    \property QtSse::EventSource::httpStatus
    \brief The HTTP status of the last response received, or 0 when none was.

    open() resets it to 0; httpStatusChanged() is emitted on every change, a \c 200 that opens
    the stream included.
*/
int EventSource::httpStatus() const
{
    return d_func()->httpStatus;
}

/*!
    \property QtSse::EventSource::errorResponseBody
    \brief The first bytes (at most 512) of the body of the last failed response, for
    diagnostics.
*/
QByteArray EventSource::errorResponseBody() const
{
    return d_func()->errorBody;
}

/*!
    Returns the network access manager set with setNetworkAccessManager(), or \c nullptr:
    the source then streams through the managers QtSse pools for its thread (see
    "Connections and threads" in the class description).
*/
QNetworkAccessManager *EventSource::networkAccessManager() const
{
    return d_func()->managers.manager();
}

/*!
    Makes the source connect through \a manager from the next connection on; the source does
    not take ownership. Use it to share a cookie jar, a proxy, an authentication cache or an
    HTTP/2 connection. A stream already open stays on the manager it uses. Passing \c nullptr
    returns the source to QtSse's pooled managers.
*/
void EventSource::setNetworkAccessManager(QNetworkAccessManager *manager)
{
    d_func()->managers.setManager(manager);
}

/*!
    Returns the channel that emits the events of \a type, creating it on first use. It is
    owned by the source.
    \sa addEventListener()
*/
EventTypeChannel *EventSource::eventChannel(const QString &type)
{
    Q_D(EventSource);
    EventTypeChannel *&channel = d->channels[type];
    if (!channel)
        channel = new EventTypeChannel(type, this);
    return channel;
}

/*!
    \fn template<typename Receiver, typename Functor> QMetaObject::Connection QtSse::EventSource::addEventListener(const QString &type, const Receiver *context, Functor &&slot)

    Connects \a slot (a member function of \a context, or any functor) to the events of
    \a type, as the browser's \c addEventListener does. Only events of that type reach it; use
    \c "message" for events without an \c event field. The connection ends when \a context is
    destroyed, or with QObject::disconnect() on the returned connection.
*/

/*!
    Connects to url(). Does nothing unless readyState() is \l Closed. The request is sent from
    the event loop, and every signal comes from there too.

    An empty or unparsable URL is refused at once: readyState() stays \l Closed, error()
    is InvalidUrlError right after the call, and errorOccurred() follows from the event loop.
    A URL with a scheme other than http or https fails the same way with
    UnsupportedSchemeError and never opens. On WebAssembly every URL fails so, with an
    errorString() that says why: Qt's network backend there hands a response body over only when
    the request completes, so a stream would stay \l Connecting and buffer for ever.
*/
void EventSource::open()
{
    d_func()->open();
}

/*!
    Closes the connection, at once and for good: readyState() is \l Closed when the call
    returns, the request in flight is aborted and a pending reconnect cancelled. No error is
    reported and no event is emitted afterwards, not even one already received in the same
    network chunk. It may be called any number of times, in any state and from
    any of the source's signal handlers.
*/
void EventSource::close()
{
    d_func()->close();
}

/*!
    Drops the current connection, if any, and connects again at once, keeping the last event
    ID; a pending reconnect wait is skipped and the back-off starts afresh. Use it after a
    network change, or when new credentials should be sent. No error is reported for the
    dropped connection. On a closed source it is the same as open().
*/
void EventSource::reconnect()
{
    d_func()->reconnect();
}

/*!
    \fn void QtSse::EventSource::opened()
    Emitted when a connection opens: a 200 response with a \c text/event-stream type arrived.
    readyState() is already \l Open.
*/

/*!
    \fn void QtSse::EventSource::messageReceived(const QtSse::MessageEvent &event)
    Emitted for every \a event of the default type \c message.
*/

/*!
    \fn void QtSse::EventSource::eventReceived(const QtSse::MessageEvent &event)
    Emitted for every \a event, whatever its type, after the type-specific signals.
*/

/*!
    \fn void QtSse::EventSource::commentReceived(const QString &text)
    Emitted for every comment line of the stream, with \a text, everything after the colon.
    Servers send comments as keep-alives.
*/

/*!
    \fn void QtSse::EventSource::retryReceived(qint64 milliseconds)
    Emitted for every \c retry field of the stream, with \a milliseconds exactly as the
    server sent it, before reconnectionTime() takes the value (clamped to what \c int holds;
    reconnectionTimeChanged() follows only if it changed).
*/

/*!
    \fn void QtSse::EventSource::errorOccurred(QtSse::EventSource::Error error)
    Emitted for every error event of the standard, with \a error saying what happened: when a
    connection ends or fails and a reconnect follows (readyState() is \l Connecting and
    reconnectDelay() says when), and when the source fails for good (readyState() is
    \l Closed). errorString() has the details. close() never causes it.
*/

/*!
    \fn void QtSse::EventSource::errorChanged()
    Emitted when error(), errorString() or errorResponseBody() changes: on a failure, and when
    open() or a connection that opens clears a previous failure.
*/

/*!
    \fn void QtSse::EventSource::httpStatusChanged(int status)
    Emitted when httpStatus() changes to \a status.
*/

/*!
    \fn void QtSse::EventSource::readyStateChanged(QtSse::EventSource::ReadyState state)
    Emitted when readyState() changes to \a state.
*/

/*!
    \fn void QtSse::EventSource::urlChanged(const QUrl &url)
    Emitted when the \a url property changes.
*/

/*!
    \fn void QtSse::EventSource::lastEventIdChanged(const QString &lastEventId)
    Emitted when the last event ID changes to \a lastEventId.
*/

/*!
    \fn void QtSse::EventSource::reconnectionTimeChanged(int milliseconds)
    Emitted when the reconnection time changes to \a milliseconds, by the server's \c retry
    field or the setter.
*/

/*!
    \fn void QtSse::EventSource::reconnectDelayChanged(int milliseconds)
    Emitted when a reconnect is scheduled to happen in \a milliseconds, and with -1 when the
    wait ends or is cancelled.
*/

/*!
    \fn void QtSse::EventSource::maximumReconnectionDelayChanged(int milliseconds)
    Emitted when the back-off cap changes to \a milliseconds.
*/

/*!
    \fn void QtSse::EventSource::maximumRetriesChanged(int retries)
    Emitted when maximumRetries() changes to \a retries.
*/

/*!
    \fn void QtSse::EventSource::maximumRetryDurationChanged(int milliseconds)
    Emitted when maximumRetryDuration() changes to \a milliseconds.
*/

/*!
    \fn void QtSse::EventSource::httpErrorPolicyChanged(QtSse::EventSource::HttpErrorPolicy policy)
    Emitted when httpErrorPolicy() changes to \a policy.
*/

/*!
    \fn void QtSse::EventSource::readTimeoutChanged(int milliseconds)
    Emitted when the read timeout changes to \a milliseconds.
*/

/*!
    \fn void QtSse::EventSource::maximumEventSizeChanged(qint64 bytes)
    Emitted when the maximum event size changes to \a bytes.
*/

/*!
    \fn void QtSse::EventSource::maximumRedirectsChanged(int hops)
    Emitted when maximumRedirects() changes to \a hops.
*/

/*!
    \fn void QtSse::EventSource::methodChanged(const QByteArray &method)
    Emitted when the request \a method changes.
*/

/*!
    \fn void QtSse::EventSource::bodyChanged(const QByteArray &body)
    Emitted when the request \a body changes.
*/

/*!
    \fn void QtSse::EventSource::followNetworkChangesChanged(bool follow)
    Emitted when followNetworkChanges changes to \a follow.
*/

} // namespace QtSse
