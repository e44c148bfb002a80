// SPDX-License-Identifier: MIT
#include "eventsource.h"
#include "eventsource_p.h"

#include <QtCore/qloggingcategory.h>
#include <QtCore/qmutex.h>
#include <QtCore/qrandom.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qset.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>

#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace QtSse {

Q_LOGGING_CATEGORY(lcEventSource, "qtsse.eventsource", QtWarningMsg)

namespace {

// QNetworkAccessManager runs at most six HTTP/1.1 connections per host and Qt 6.4 cannot raise
// that, so an endless stream holds one of them for good. On a manager the application shares
// (injected, or the QML engine's), QtSse keeps at most this many streams per host, leaving the
// other connections to the application's own requests; further streams use a private manager.
constexpr int SharedManagerStreamsPerHost = 4;

// Once a host has answered over HTTP/2 through a shared manager, its streams are multiplexed on
// one connection and the HTTP/1.1 limit above does not apply; this one keeps well under the
// 100 concurrent streams that RFC 9113 recommends servers allow (nginx allows 128).
constexpr int SharedManagerHttp2StreamsPerHost = 64;

// Read from the reply in chunks of this size into one reused buffer.
constexpr qsizetype ReadChunkSize = 64 * 1024;
// The most bytes a fast stream's reply may buffer ahead of the parser: QNAM then stops reading
// the socket and TCP flow control slows the server, so a fast server cannot grow our memory
// without bound.
constexpr qint64 ReadBufferLimit = 1024 * 1024;
// A stream is fast once one readyRead() brings a full read chunk, or this many bytes arrive
// within one window. Slower streams keep QNAM's unbounded path: a bound from the first byte
// raised the ping benchmark's median latency by about 0.04 ms (QNAM's thread is woken on
// every read to learn that buffer space was freed).
constexpr qint64 FastStreamBytes = 1024 * 1024;
constexpr qint64 FastStreamWindowMs = 1000;

// The most bytes of a failed response's body kept for errorResponseBody().
constexpr qsizetype ErrorBodyExcerptSize = 512;

// How long a failed response may take to send its body excerpt before the failure is reported.
constexpr int ErrorBodyGraceMs = 1000;

// The smallest unit of exponential back-off, so that retry: 0 cannot spin.
constexpr int MinimumBackoffUnitMs = 100;

class StreamCounter
{
public:
    int acquire(QNetworkAccessManager *manager, const QString &key)
    {
        QMutexLocker locker(&m_mutex);
        return ++m_counts[{ manager, key }];
    }
    int count(QNetworkAccessManager *manager, const QString &key)
    {
        QMutexLocker locker(&m_mutex);
        return m_counts.value({ manager, key });
    }
    // Remembers that `key` answered over HTTP/2 through `manager`, until the manager is destroyed.
    void markHttp2(QNetworkAccessManager *manager, const QString &key)
    {
        QMutexLocker locker(&m_mutex);
        if (!m_http2.contains(manager))
            QObject::connect(manager, &QObject::destroyed, manager, [this, manager] {
                QMutexLocker guard(&m_mutex);
                m_http2.remove(manager);
            });
        m_http2[manager].insert(key);
    }
    bool isHttp2(QNetworkAccessManager *manager, const QString &key)
    {
        QMutexLocker locker(&m_mutex);
        return m_http2.value(manager).contains(key);
    }
    void release(QNetworkAccessManager *manager, const QString &key)
    {
        QMutexLocker locker(&m_mutex);
        const auto it = m_counts.find({ manager, key });
        if (it != m_counts.end() && --it.value() <= 0)
            m_counts.erase(it);
    }

private:
    QMutex m_mutex;
    QHash<std::pair<QNetworkAccessManager *, QString>, int> m_counts;
    QHash<QNetworkAccessManager *, QSet<QString>> m_http2;
};
Q_GLOBAL_STATIC(StreamCounter, streamCounter)

// The serialized origin of a URL (C-17): scheme://host[:port], default port omitted, IDN host
// in ASCII form.
QString serializeOrigin(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    QString host = url.host(QUrl::EncodeUnicode | QUrl::FullyEncoded);
    if (host.contains(u':'))
        host = u'[' + host + u']';
    const int port = url.port();
    const int defaultPort = scheme == "https"_L1 ? 443 : scheme == "http"_L1 ? 80 : -1;
    if (port < 0 || port == defaultPort)
        return scheme + "://"_L1 + host;
    return scheme + "://"_L1 + host + u':' + QString::number(port);
}

// C-12: the MIME type's essence must be text/event-stream; parameters are ignored.
bool isEventStreamType(const QByteArray &contentType)
{
    QByteArray essence = contentType;
    const qsizetype semicolon = essence.indexOf(';');
    if (semicolon >= 0)
        essence.truncate(semicolon);
    return essence.trimmed().compare("text/event-stream", Qt::CaseInsensitive) == 0;
}

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool isHttpScheme(const QString &scheme)
{
    return scheme == "http"_L1 || scheme == "https"_L1;
}

QString hostKey(const QUrl &url)
{
    return url.scheme() + "://"_L1 + url.host() + u':'
            + QString::number(url.port(url.scheme() == "https"_L1 ? 443 : 80));
}

// Whether an event is of the default type, for messageReceived(). Inline: it runs per event.
inline bool isMessageType(const QString &type)
{
    return type.size() == 7
            && std::memcmp(type.constData(), u"message", 7 * sizeof(char16_t)) == 0;
}

QString excerptText(const QByteArray &body)
{
    QString text = QString::fromUtf8(body).simplified();
    if (text.size() > 200)
        text = text.left(200) + u'\x2026';
    return text;
}

} // namespace

/*!
    \class QtSse::EventTypeChannel
    \inmodule QtSse
    \brief Emits the events of one type from an EventSource.

    EventSource::eventChannel() returns the channel of a type; connect to its received() signal
    to get exactly the events of that type, without comparing strings in every slot.
    EventSource::addEventListener() does that in one call. Channels are owned by their source.
*/

/*!
    Constructs a channel for events of \a type, owned by \a parent.
*/
EventTypeChannel::EventTypeChannel(const QString &type, QObject *parent)
    : QObject(parent), m_type(type)
{
}

/*!
    \fn QString QtSse::EventTypeChannel::type() const
    Returns the event type this channel emits.
*/

/*!
    \fn void QtSse::EventTypeChannel::received(const QtSse::MessageEvent &event)
    Emitted for every dispatched \a event of type type().
*/

/*!
    \class QtSse::EventSource
    \inmodule QtSse
    \brief A client of a Server-Sent Events stream: the \c EventSource of the WHATWG HTML
    standard, for Qt.

    EventSource connects to a \c text/event-stream URL over QNetworkAccessManager, parses the
    stream as it arrives and emits a signal for every event. When the connection ends or fails
    on the network it reconnects after the reconnection time, sending the last event ID in a
    \c Last-Event-ID header, exactly as the standard says; the server's \c retry field changes
    the reconnection time.

    \code
    auto *source = new QtSse::EventSource(QUrl(u"https://example.com/stream"_s), this);
    connect(source, &QtSse::EventSource::messageReceived, this,
            [](const QtSse::MessageEvent &event) { qDebug() << event.data(); });
    source->addEventListener(u"price"_s, this, &Ticker::onPrice);
    source->open();
    \endcode

    \section1 States and signals
    readyState() is \l Closed until open(), then \l Connecting, \l Open when a 200 response
    with a \c text/event-stream type arrives (opened() is emitted), and \l Connecting again
    while a reconnect is pending. A response that is not such a 200, a 204 included, fails the
    source: errorOccurred() is emitted with readyState() already \l Closed, and it stays closed
    (C-11). A normal end of the body, or a network error, reconnects: errorOccurred() is
    emitted with readyState() already \l Connecting. Event signals are never emitted
    synchronously from the constructor, open(), reconnect() or a setter; they come from the
    event loop, so handlers connected right after open() see every one.

    Every event is emitted by eventReceived(). Events of the default type \c message are also
    emitted by messageReceived(), and events of any type by the received() signal of that
    type's channel (E-03).

    close() is synchronous, silent and final: nothing is emitted after it, not even events
    already parsed from the same network chunk.

    \section1 Requests
    Each connection sends the request() (custom headers and attributes kept) with method() and
    body() (GET with no body by default), plus "Accept: text/event-stream",
    "Cache-Control: no-cache", and \c Last-Event-ID when the last event ID is not empty. The
    HTTP cache is never used. Cookies a response sets are sent on later requests through the
    manager's cookie jar (C-07). setRequestPreparer() installs a function that may change the
    request before every connection, for example to put a fresh access token in.

    \section1 Reconnection and back-off
    After a connection that delivered at least one event, the next attempt waits exactly the
    reconnection time (T-03, T-04). After consecutive failed attempts (no event delivered,
    the server unreachable, a read timeout, an event too large) the wait grows exponentially
    with jitter, from the reconnection time up to maximumReconnectionDelay(); it is never
    shorter than the reconnection time. maximumRetries() and maximumRetryDuration() give up
    after that many failed attempts or that much time, with RetriesExhaustedError.

    \section1 Redirects and credentials
    Redirects (301, 302, 303, 307, 308) are followed by EventSource itself, at most
    maximumRedirects() hops. A redirect without a \c Location, to a scheme other than http or
    https, or from https to http fails the source with RedirectError. When a redirect leaves
    the origin, the \c Authorization, \c Cookie and \c Proxy-Authorization headers set on the
    request are not sent to the new origin, nor to any later hop of that chain.
    QNetworkAccessManager itself would forward them.

    \section1 Connections per host
    QNetworkAccessManager opens at most six HTTP/1.1 connections to one host, and an endless
    stream holds one for good. Without an injected manager each EventSource creates its own,
    so any number of sources can stream from one host. With a shared manager (setNetworkAccessManager(),
    or the QML engine's), EventSource puts at most four streams per host on it, so the
    application's other requests still get connections; further sources stream through a
    private manager that shares the cookie jar and proxy of the shared one. Once a host has
    answered over HTTP/2 through the shared manager, its streams are multiplexed on one
    connection, and up to 64 streams per host stay on the shared manager.

    \section1 Threads
    EventSource lives in the thread it was created in (or moved to), which needs a running
    event loop. Its own manager is created in that thread.

    \section1 Slots
    A slot connected to an EventSource signal may call close(), open() or reconnect(), and may
    run a nested event loop (a modal dialog): events that arrive meanwhile are delivered, in
    order, after the slot returns. To destroy the source from such a slot, call deleteLater(),
    as with QNetworkReply; \c delete there would pull the object out from under the code that
    emitted the signal.
*/

/*!
    \enum EventSource::ReadyState
    The state of the connection, with the values of the standard.
    \value Connecting The source is connecting, or waiting to reconnect.
    \value Open       A stream is open and events are being dispatched.
    \value Closed     The source is not connected and will not reconnect until open().
*/

/*!
    \enum EventSource::Error
    What the last error was. After the errors marked "reconnects" readyState() is
    \l Connecting and a reconnect follows after reconnectDelay(); after the others it is
    \l Closed.
    \value NoError                No error has occurred.
    \value StreamEndedError       The server ended the stream normally (reconnects, C-14).
    \value NetworkError           A network error: refused, reset, DNS failure (reconnects, C-15).
    \value ReadTimeoutError       No bytes arrived for readTimeout() ms (reconnects).
    \value EventTooLargeError     One event exceeded maximumEventSize() (reconnects; counts as
                                  a failed attempt).
    \value HttpStatusError        The final response status was not 200 (a 204 included),
                                  see httpStatus() and errorResponseBody() (C-11).
    \value ContentTypeError       A 200 response whose type is not \c text/event-stream (C-12).
    \value RedirectError          A redirect without a usable \c Location, to another scheme,
                                  from https to http, or past maximumRedirects().
    \value InvalidUrlError        The URL is empty or cannot be parsed (C-08).
    \value UnsupportedSchemeError The URL's scheme is not http or https (C-09).
    \value TlsError               The TLS handshake failed: certificate errors fail closed.
    \value AbortedError           The request was aborted by something other than close(), such
                                  as the network access manager being destroyed (C-16).
    \value RetriesExhaustedError  maximumRetries() or maximumRetryDuration() was reached.
*/

/*!
    \typedef QtSse::EventSource::RequestPreparer
    A function that may change the request before each connection: see setRequestPreparer().
*/

/*!
    \variable QtSse::EventSource::DefaultReconnectionTime
    The reconnection time before the server sets one: 3000 ms (T-02).
*/

/*!
    \variable QtSse::EventSource::DefaultMaximumReconnectionDelay
    The default cap of the back-off: 30000 ms.
*/

/*!
    \variable QtSse::EventSource::DefaultMaximumRedirects
    The default most redirect hops per connection: 20, as in Fetch.
*/

//! @cond internal
EventSourcePrivate::EventSourcePrivate(EventSource *q) : q_ptr(q)
{
    parser.setHandler(this);
    reconnectTimer.setSingleShot(true);
    reconnectTimer.setTimerType(Qt::PreciseTimer);
    readTimer.setSingleShot(true);
}

EventSourcePrivate::~EventSourcePrivate() = default;
//! @endcond

/*!
    Constructs an event source with no URL, owned by \a parent.
*/
EventSource::EventSource(QObject *parent) : QObject(parent), d_ptr(new EventSourcePrivate(this))
{
    Q_D(EventSource);
    d->reconnectTimer.setParent(this);
    d->readTimer.setParent(this);
    connect(&d->reconnectTimer, &QTimer::timeout, this, [d] { d->startAttempt(); });
    connect(&d->readTimer, &QTimer::timeout, this, [d] { d->onReadTimer(); });
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
    d->releaseReply();
    d->reconnectTimer.setParent(nullptr);
    d->readTimer.setParent(nullptr);
}

/*!
    \property QtSse::EventSource::url
    \brief The URL of the event stream.

    Every connection, reconnects included, starts at this URL and follows redirects afresh
    (C-06); it does not change when a redirect is followed (C-01). A new URL takes effect at
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
    Q_D(EventSource);
    if (d->url == url)
        return;
    d->url = url;
    Q_EMIT urlChanged(url);
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
    if (!request.url().isEmpty())
        setUrl(request.url());
}

/*!
    Sets the request header \a name to \a value for every later connection; a null \a value
    removes it. Use it for \c Authorization, API keys and the like.
*/
void EventSource::setRequestHeader(const QByteArray &name, const QByteArray &value)
{
    d_func()->request.setRawHeader(name, value);
}

/*!
    Installs \a preparer, called with the request just before each connection, reconnects
    included, and before the redirect hops of that connection reuse it. It may change headers
    and attributes: refresh an access token, add a signature. It runs in the source's thread.
    Pass an empty function to remove it.
*/
void EventSource::setRequestPreparer(RequestPreparer preparer)
{
    d_func()->preparer = std::move(preparer);
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
    Q_D(EventSource);
    const QByteArray m = method.isEmpty() ? QByteArrayLiteral("GET") : method;
    if (d->method == m)
        return;
    d->method = m;
    Q_EMIT methodChanged(m);
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
    Q_D(EventSource);
    if (d->body == body)
        return;
    d->body = body;
    Q_EMIT bodyChanged(body);
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

    It changes at the blank line that ends a block with an \c id field (P-21), and persists
    across reconnects (P-23). Set it before open() to resume a stream from an ID saved
    earlier; the first request then sends it too.
*/
QString EventSource::lastEventId() const
{
    return d_func()->lastEventId;
}

/*!
    Sets the lastEventId property to \a id.
*/
void EventSource::setLastEventId(const QString &id)
{
    Q_D(EventSource);
    if (d->lastEventId == id)
        return;
    d->lastEventId = id;
    Q_EMIT lastEventIdChanged(id);
}

/*!
    \property QtSse::EventSource::error
    \brief The last error, or NoError.
*/
EventSource::Error EventSource::error() const
{
    return d_func()->error;
}

/*!
    \property QtSse::EventSource::errorString
    \brief A readable description of the last error: what happened, the HTTP status and an
    excerpt of the response body where there was one, and whether and when a reconnect follows.
*/
QString EventSource::errorString() const
{
    return d_func()->errorString;
}

/*!
    \property QtSse::EventSource::httpStatus
    \brief The HTTP status of the last response received, or 0 when none was.
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
    \property QtSse::EventSource::reconnectionTime
    \brief The reconnection time in milliseconds: 3000 until the server's \c retry field or
    this setter changes it (T-02, T-03). Values beyond what \c int holds are clamped.
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
    Q_D(EventSource);
    milliseconds = qMax(0, milliseconds);
    if (d->reconnectionTime == milliseconds)
        return;
    d->reconnectionTime = milliseconds;
    Q_EMIT reconnectionTimeChanged(milliseconds);
}

/*!
    \overload
    Sets the reconnection time to \a time.
*/
void EventSource::setReconnectionTime(std::chrono::milliseconds time)
{
    setReconnectionTime(int(qBound<qint64>(0, qint64(time.count()), qint64(std::numeric_limits<int>::max()))));
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
    Q_D(EventSource);
    milliseconds = qMax(0, milliseconds);
    if (d->maximumReconnectionDelay == milliseconds)
        return;
    d->maximumReconnectionDelay = milliseconds;
    Q_EMIT maximumReconnectionDelayChanged(milliseconds);
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
    Q_D(EventSource);
    retries = qMax(-1, retries);
    if (d->maximumRetries == retries)
        return;
    d->maximumRetries = retries;
    Q_EMIT maximumRetriesChanged(retries);
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
    Q_D(EventSource);
    milliseconds = qMax(0, milliseconds);
    if (d->maximumRetryDuration == milliseconds)
        return;
    d->maximumRetryDuration = milliseconds;
    Q_EMIT maximumRetryDurationChanged(milliseconds);
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
    d->readTimeout = milliseconds;
    if (d->reply && !d->failing) {
        if (milliseconds > 0) {
            d->lastActivity.start();
            d->readTimer.start(milliseconds);
        } else {
            d->readTimer.stop();
        }
    }
    Q_EMIT readTimeoutChanged(milliseconds);
}

/*!
    \overload
    Sets the read timeout to \a timeout.
*/
void EventSource::setReadTimeout(std::chrono::milliseconds timeout)
{
    setReadTimeout(int(qBound<qint64>(0, qint64(timeout.count()), qint64(std::numeric_limits<int>::max()))));
}

/*!
    \property QtSse::EventSource::maximumEventSize
    \brief The most bytes one event may buffer while it arrives; 128 MiB by default.

    A server that exceeds it (an endless line, say) has its connection dropped with
    EventTooLargeError, which counts as a failed attempt; memory stays bounded.
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
    Q_D(EventSource);
    hops = qMax(0, hops);
    if (d->maximumRedirects == hops)
        return;
    d->maximumRedirects = hops;
    Q_EMIT maximumRedirectsChanged(hops);
}

/*!
    Returns the network access manager: the one set with setNetworkAccessManager(), or the
    one the source created for itself at its first connection, or \c nullptr before that.
*/
QNetworkAccessManager *EventSource::networkAccessManager() const
{
    return d_func()->manager;
}

/*!
    Makes the source connect through \a manager from the next connection on; the source does
    not take ownership. Use it to share a cookie jar, a proxy or an HTTP/2 connection. If the
    source had created a manager of its own, that one is deleted once no longer in use.
    Passing \c nullptr makes the source create its own again.
*/
void EventSource::setNetworkAccessManager(QNetworkAccessManager *manager)
{
    Q_D(EventSource);
    if (d->manager == manager)
        return;
    if (d->ownsManager && d->manager) {
        // The reply in flight lives in our old manager: retire it with that reply.
        if (d->reply && d->reply->manager() == d->manager)
            d->retiredManager = d->manager;
        else
            d->manager->deleteLater();
    }
    d->dropOverflowManager();
    d->manager = manager;
    d->ownsManager = false;
    d->managerInjected = manager != nullptr;
    if (manager) {
        // If the application destroys its manager, a stream on our overflow manager ends
        // too (C-16), and the overflow manager must not keep the borrowed cookie jar.
        QObject::connect(manager, &QObject::destroyed, this, [d] {
            if (!d->overflowManager || d->manager)
                return; // not the manager we use now (QPointer is cleared before destroyed())
            if (d->reply && d->reply->manager() == d->overflowManager) {
                d->fail(AbortedError, tr("The request was aborted: the network access manager "
                                         "was destroyed"));
            }
            d->dropOverflowManager();
        });
    }
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

    An empty or unparsable URL is refused at once (C-08): readyState() stays \l Closed, error()
    is InvalidUrlError right after the call, and errorOccurred() follows from the event loop.
    A URL with a scheme other than http or https fails the same way with
    UnsupportedSchemeError and never opens (C-09).
*/
void EventSource::open()
{
    Q_D(EventSource);
    if (d->readyState != Closed)
        return;
    d->consecutiveFailures = 0;
    d->setReconnectDelay(-1);
    ++d->generation;
    if (!d->url.isValid() || d->url.isEmpty() || d->url.isRelative()) {
        // QUrl::errorString() quotes the URL as given, password included: keep only its reason.
        const QString reason = d->url.isValid()
                ? QString()
                : u": "_s + d->url.errorString().section(u"; source was"_s, 0, 0);
        d->setError(InvalidUrlError,
                    tr("Invalid URL \"%1\"%2")
                            .arg(d->url.toDisplayString(QUrl::RemoveUserInfo), reason));
        d->refusedUrl = true;
    } else if (!isHttpScheme(d->url.scheme().toLower())) {
        d->setError(UnsupportedSchemeError,
                    tr("Unsupported URL scheme \"%1\": only http and https are supported")
                            .arg(d->url.scheme()));
        d->refusedUrl = true;
    } else {
        d->refusedUrl = false;
        d->error = NoError;
        d->errorString.clear();
        d->httpStatus = 0;
        d->errorBody.clear();
        d->readyState = Connecting;
    }
    d->scheduleStart();
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
    Q_D(EventSource);
    ++d->generation;
    d->refusedUrl = false;
    d->releaseReply();
    d->reconnectTimer.stop();
    d->readTimer.stop();
    d->setReconnectDelay(-1);
    d->readyState = Closed;
    d->notifyReadyState();
}

/*!
    Drops the current connection, if any, and connects again at once, keeping the last event
    ID; a pending reconnect wait is skipped and the back-off starts afresh. Use it after a
    network change, or when new credentials should be sent. No error is reported for the
    dropped connection. On a closed source it is the same as open().
*/
void EventSource::reconnect()
{
    Q_D(EventSource);
    if (d->readyState == Closed) {
        open();
        return;
    }
    ++d->generation;
    d->releaseReply();
    d->reconnectTimer.stop();
    d->readTimer.stop();
    d->setReconnectDelay(-1);
    d->consecutiveFailures = 0;
    d->readyState = Connecting;
    d->scheduleStart();
}

//! @cond internal
void EventSourcePrivate::scheduleStart()
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    QMetaObject::invokeMethod(
            q,
            [this, attempt] {
                if (attempt != generation)
                    return;
                if (refusedUrl) {
                    // A URL refused by open(): report it now, from the event loop.
                    refusedUrl = false;
                    readyState = EventSource::Closed;
                    notifyReadyState();
                    Q_EMIT q_func()->errorOccurred(error);
                    return;
                }
                if (readyState == EventSource::Connecting)
                    startAttempt();
            },
            Qt::QueuedConnection);
}

void EventSourcePrivate::startAttempt()
{
    if (readyState != EventSource::Connecting)
        return; // T-05: closed during the wait
    setReconnectDelay(-1);
    notifyReadyState();
    if (readyState != EventSource::Connecting)
        return; // closed by a readyStateChanged handler
    currentUrl = url;
    redirectCount = 0;
    credentialsStripped = false;
    currentMethod = method;
    currentBody = body;
    chainRequest = request;
    if (preparer)
        preparer(chainRequest);
    sendRequest();
}

QNetworkAccessManager *EventSourcePrivate::managerFor(const QUrl &target)
{
    Q_Q(EventSource);
    if (!manager) {
        if (managerInjected)
            return nullptr; // the application's manager was destroyed (C-16)
        manager = new QNetworkAccessManager(q);
        ownsManager = true;
    }
    if (ownsManager)
        return manager; // one stream at a time on a manager of our own: no limit to meet
    const QString key = hostKey(target);
    const int limit = streamCounter->isHttp2(manager, key) ? SharedManagerHttp2StreamsPerHost
                                                          : SharedManagerStreamsPerHost;
    if (streamCounter->count(manager, key) < limit) {
        streamCounter->acquire(manager, key);
        leasedManager = manager;
        leaseKey = key;
        return manager;
    }
    if (!overflowManager) {
        qCInfo(lcEventSource) << "more than" << SharedManagerStreamsPerHost
                              << "streams to" << key
                              << "on a shared network access manager; this one uses its own";
        overflowManager = new QNetworkAccessManager(q);
        if (QNetworkCookieJar *jar = manager->cookieJar()) {
            QObject *jarParent = jar->parent();
            overflowManager->setCookieJar(jar); // takes ownership ...
            jar->setParent(jarParent);          // ... which stays with the shared manager
        }
        overflowManager->setProxy(manager->proxy());
    }
    return overflowManager;
}

void EventSourcePrivate::sendRequest()
{
    Q_Q(EventSource);
    QNetworkAccessManager *nam = managerFor(currentUrl);
    if (!nam) {
        fail(EventSource::AbortedError,
             EventSource::tr("The network access manager was destroyed"));
        return;
    }
    QNetworkRequest req = chainRequest;
    req.setUrl(currentUrl);
    if (credentialsStripped) {
        // Never send the user's credentials to another origin (CVE-2022-1650).
        req.setRawHeader("Authorization", QByteArray());
        req.setRawHeader("Cookie", QByteArray());
        req.setRawHeader("Proxy-Authorization", QByteArray());
    }
    req.setRawHeader("Accept", "text/event-stream");                     // C-02
    req.setRawHeader("Cache-Control", "no-cache");                       // C-03
    req.setRawHeader("Last-Event-ID",
                     lastEventId.isEmpty() ? QByteArray() : lastEventId.toUtf8()); // C-04, C-05
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);

    announced = false;
    failing = false;
    deliveredEvent = false;
    QNetworkReply *r = currentMethod == "GET" && currentBody.isEmpty()
            ? nam->get(req)
            : nam->sendCustomRequest(req, currentMethod, currentBody);
    reply = r;
    rateWindow.invalidate();
    const quint64 attempt = generation;
    QObject::connect(r, &QNetworkReply::metaDataChanged, q, [this, attempt] {
        if (isCurrent(attempt))
            onMetaDataChanged();
    });
    QObject::connect(r, &QIODevice::readyRead, q, [this, attempt] {
        if (isCurrent(attempt))
            onReadyRead();
    });
    QObject::connect(r, &QNetworkReply::finished, q, [this, attempt] {
        if (isCurrent(attempt))
            onFinished();
    });
    QObject::connect(r, &QObject::destroyed, q, [this, attempt] { onReplyDestroyed(attempt); });
    if (readTimeout > 0) {
        lastActivity.start();
        readTimer.start(readTimeout);
    }
    qCDebug(lcEventSource) << "connecting to" << currentUrl.toDisplayString(QUrl::RemoveUserInfo);
}

void EventSourcePrivate::onMetaDataChanged()
{
    if (announced || failing)
        return;
    if (handleResponseHead())
        onReadyRead(); // bytes that came with the head
}

// Looks at the status and type of the response. Returns true when the reply is still ours to
// read: an announced stream or a failure collecting its body excerpt.
bool EventSourcePrivate::handleResponseHead()
{
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttribute.isValid())
        return false;
    const int status = statusAttribute.toInt();
    httpStatus = status;
    // A host that answers over HTTP/2 through a shared manager (or its overflow managers) takes
    // this source's later connections, and other sources', on the shared manager.
    if (!ownsManager && manager && reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool())
        streamCounter->markHttp2(manager, hostKey(currentUrl));
    if (isRedirectStatus(status)) {
        followRedirect(status);
        return false;
    }
    const QByteArray contentType = reply->rawHeader("Content-Type");
    if (status == 200 && isEventStreamType(contentType)) {
        announce();
        return announced && reply;
    }
    // C-11, C-12: fail, after keeping a short excerpt of the body for the error report.
    failing = true;
    responseFailure = status == 200 ? EventSource::ContentTypeError : EventSource::HttpStatusError;
    errorBody.clear();
    readTimer.start(ErrorBodyGraceMs);
    return true;
}

void EventSourcePrivate::followRedirect(int status)
{
    const QByteArray location = reply->rawHeader("Location");
    if (location.trimmed().isEmpty()) {
        fail(EventSource::RedirectError,
             EventSource::tr("HTTP %1 redirect without a Location header").arg(status));
        return;
    }
    const QUrl target = currentUrl.resolved(QUrl::fromEncoded(location.trimmed()));
    if (!target.isValid() || !isHttpScheme(target.scheme().toLower())) {
        fail(EventSource::RedirectError,
             EventSource::tr("Refused a redirect to \"%1\": only http and https are followed")
                     .arg(target.toDisplayString(QUrl::RemoveUserInfo)));
        return;
    }
    if (currentUrl.scheme().toLower() == "https"_L1 && target.scheme().toLower() == "http"_L1) {
        fail(EventSource::RedirectError,
             EventSource::tr("Refused an insecure redirect from https to \"%1\"")
                     .arg(target.toDisplayString(QUrl::RemoveUserInfo)));
        return;
    }
    if (++redirectCount > maximumRedirects) {
        fail(EventSource::RedirectError,
             EventSource::tr("Too many redirects (more than %1)").arg(maximumRedirects));
        return;
    }
    if (serializeOrigin(target) != serializeOrigin(currentUrl))
        credentialsStripped = true;
    // Fetch: 303 turns into GET (but HEAD), and so do 301 and 302 after POST; the body goes.
    if ((status == 303 && currentMethod != "HEAD")
        || ((status == 301 || status == 302) && currentMethod == "POST")) {
        currentMethod = QByteArrayLiteral("GET");
        currentBody.clear();
        chainRequest.setHeader(QNetworkRequest::ContentTypeHeader, QVariant());
    }
    qCDebug(lcEventSource) << "redirected" << status << "to"
                           << target.toDisplayString(QUrl::RemoveUserInfo);
    releaseReply();
    currentUrl = target;
    sendRequest();
}

void EventSourcePrivate::announce()
{
    Q_Q(EventSource);
    // C-13: OPEN and opened() in one step, before any event of this body.
    announced = true;
    parser.startBody(lastEventId);
    parser.setOrigin(serializeOrigin(currentUrl));
    readyState = EventSource::Open;
    const quint64 attempt = generation;
    notifyReadyState();
    if (!isCurrent(attempt) || readyState != EventSource::Open)
        return;
    Q_EMIT q->opened();
}

void EventSourcePrivate::onReadyRead()
{
    if (readTimeout > 0)
        lastActivity.start();
    if (failing) {
        collectErrorBody();
        return;
    }
    if (!announced)
        return; // the body of a redirect: not ours to parse
    if (parsing) {
        // A slot of ours is running a nested event loop (a modal dialog, a QEventLoop) while
        // the parser is in the middle of readBuffer: reading now would overwrite the chunk it
        // parses, and deliver later bytes before earlier ones. The outer call reads these bytes
        // once the slot returns; if it no longer reads this reply, a queued call does.
        readDeferred = true;
        return;
    }
    if (readBuffer.size() != ReadChunkSize)
        readBuffer.resize(ReadChunkSize);
    watchStreamRate(reply->bytesAvailable()); // the bytes this readyRead() brought
    const quint64 attempt = generation;
    parsing = true;
    const auto done = qScopeGuard([this] {
        parsing = false;
        if (!readDeferred)
            return;
        readDeferred = false;
        const quint64 current = generation;
        QMetaObject::invokeMethod(
                q_func(),
                [this, current] {
                    if (isCurrent(current))
                        onReadyRead();
                },
                Qt::QueuedConnection);
    });
    while (isCurrent(attempt)) {
        const qint64 n = reply->read(readBuffer.data(), readBuffer.size());
        if (n <= 0)
            return;
        const EventStreamParser::Status status =
                parser.feed(QByteArrayView(readBuffer.constData(), n));
        if (status == EventStreamParser::Status::Stopped)
            return; // closed, or reconnected, by a handler
        if (!isCurrent(attempt))
            return;
        syncLastEventId(parser.lastEventId()); // an id-only block commits without an event
        if (!isCurrent(attempt))
            return;
        if (status == EventStreamParser::Status::EventTooLarge) {
            reestablish(EventSource::EventTooLargeError,
                        EventSource::tr("An event exceeded the maximum event size of %1 bytes")
                                .arg(parser.maximumEventSize()));
            return;
        }
    }
}

// QNAM's thread hands a reply's bytes over as fast as the socket gives them; while this thread
// is busy they wait in its event queue, where bytesAvailable() does not see them and nothing
// bounds them. So a stream that proves fast gets a bounded read buffer (ReadBufferLimit) at
// once: what is already queued when the bound is set escapes it, so it must come early.
void EventSourcePrivate::watchStreamRate(qint64 arrived)
{
    if (reply->readBufferSize() != 0)
        return; // bounded already
    if (!rateWindow.isValid() || rateWindow.elapsed() > FastStreamWindowMs) {
        rateWindow.start();
        rateBytes = 0;
    }
    rateBytes += arrived;
    if (rateBytes >= FastStreamBytes || arrived >= ReadChunkSize) {
        qCDebug(lcEventSource) << "fast stream: read buffer bounded to" << ReadBufferLimit
                               << "bytes";
        reply->setReadBufferSize(ReadBufferLimit);
    }
}

void EventSourcePrivate::collectErrorBody()
{
    // Keep the first bytes; read and drop the rest until the reply finishes (or the grace
    // timer fires), since tearing down an error reply in mid-body makes Qt warn.
    if (errorBody.size() < ErrorBodyExcerptSize)
        errorBody += reply->read(ErrorBodyExcerptSize - errorBody.size());
    if (reply->bytesAvailable() > 0)
        reply->skip(reply->bytesAvailable());
}

void EventSourcePrivate::finishFailedResponse()
{
    const EventSource::Error code = responseFailure;
    const QString reason = reply
            ? reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()
            : QString();
    QString message;
    if (code == EventSource::ContentTypeError) {
        const QByteArray type = reply ? reply->rawHeader("Content-Type") : QByteArray();
        message = EventSource::tr("The response is not an event stream: Content-Type is \"%1\"")
                          .arg(QString::fromLatin1(type));
    } else if (httpStatus == 204) {
        message = EventSource::tr("HTTP 204 No Content: the server asks the client not to "
                                  "reconnect");
    } else {
        message = EventSource::tr("HTTP %1 %2").arg(httpStatus).arg(reason).trimmed();
    }
    if (!errorBody.isEmpty())
        message += EventSource::tr(" (body: \"%1\")").arg(excerptText(errorBody));
    const QByteArray excerpt = errorBody;
    fail(code, message);
    errorBody = excerpt;
}

void EventSourcePrivate::onFinished()
{
    const QNetworkReply::NetworkError code = reply->error();
    if (!announced && !failing) {
        // Normally metaDataChanged() came first; this covers a reply that skipped it.
        const quint64 attempt = generation;
        if (handleResponseHead() && announced)
            onReadyRead();
        if (!isCurrent(attempt))
            return; // redirected, failed or closed above
    }
    if (failing) {
        collectErrorBody();
        finishFailedResponse();
        return;
    }
    const QString message = reply->errorString();
    if (code == QNetworkReply::OperationCanceledError) {
        fail(EventSource::AbortedError, EventSource::tr("The request was aborted"));
        return;
    }
    if (announced) {
        parser.finishBody(); // P-22, P-27: the unfinished block is dropped
        if (code == QNetworkReply::NoError)
            reestablish(EventSource::StreamEndedError, EventSource::tr("The server ended the stream"));
        else
            reestablish(EventSource::NetworkError, message);
        return;
    }
    switch (code) {
    case QNetworkReply::SslHandshakeFailedError:
        fail(EventSource::TlsError, message);
        return;
    case QNetworkReply::ProtocolUnknownError:
        fail(EventSource::UnsupportedSchemeError, message);
        return;
    default:
        reestablish(EventSource::NetworkError, message);
    }
}

void EventSourcePrivate::onReadTimer()
{
    if (!reply)
        return;
    if (failing) {
        finishFailedResponse(); // the excerpt took too long: report what we have
        return;
    }
    if (readTimeout <= 0)
        return;
    const qint64 idle = lastActivity.elapsed();
    if (idle < readTimeout) {
        readTimer.start(int(readTimeout - idle));
        return;
    }
    if (announced)
        parser.finishBody();
    reestablish(EventSource::ReadTimeoutError,
                EventSource::tr("No data received for %1 ms").arg(readTimeout));
}

void EventSourcePrivate::onReplyDestroyed(quint64 attempt)
{
    if (releasing || attempt != generation || readyState == EventSource::Closed)
        return;
    // Destroyed under us, not by releaseReply(): the manager went away (C-16).
    if (leasedManager) {
        streamCounter->release(leasedManager, leaseKey);
        leasedManager = nullptr;
    }
    reply = nullptr;
    fail(EventSource::AbortedError, EventSource::tr("The request was aborted: the network "
                                                    "access manager was destroyed"));
}

void EventSourcePrivate::dropOverflowManager()
{
    if (!overflowManager)
        return;
    // Give the borrowed jar back before the manager goes (it would delete only its own).
    overflowManager->setCookieJar(new QNetworkCookieJar(overflowManager));
    if (reply && reply->manager() == overflowManager)
        retiredOverflowManager = overflowManager;
    else
        overflowManager->deleteLater();
    overflowManager = nullptr;
}

void EventSourcePrivate::releaseReply()
{
    readTimer.stop();
    if (leasedManager) {
        streamCounter->release(leasedManager, leaseKey);
        leasedManager = nullptr;
    }
    QNetworkReply *r = reply;
    reply = nullptr;
    if (!r)
        return;
    releasing = true;
    QObject::disconnect(r, nullptr, q_ptr, nullptr);
    // Aborting emits finished() and errorOccurred(OperationCanceledError) synchronously; we
    // are disconnected, so our own abort is never reported. A reply that already
    // carries an error (a 4xx/5xx) is not aborted again (Qt warns); deleting it drops its
    // connection.
    if (r->isRunning() && r->error() == QNetworkReply::NoError)
        r->abort();
    r->deleteLater();
    releasing = false;
    // A manager replaced while this reply used it goes with the reply.
    for (QPointer<QNetworkAccessManager> *retired : { &retiredManager, &retiredOverflowManager }) {
        if (*retired)
            (*retired)->deleteLater();
        *retired = nullptr;
    }
}

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
    const qint64 jittered = ceiling / 2 + qint64(QRandomGenerator::global()->bounded(
                                                  quint32(ceiling - ceiling / 2 + 1)));
    return int(qMax<qint64>(reconnectionTime, jittered));
}

void EventSourcePrivate::reestablish(EventSource::Error code, const QString &message)
{
    Q_Q(EventSource);
    releaseReply();
    if (!deliveredEvent) {
        if (consecutiveFailures++ == 0)
            failureStreak.start();
    }
    const bool retriesSpent = maximumRetries >= 0 && consecutiveFailures > maximumRetries;
    const bool timeSpent = maximumRetryDuration > 0 && consecutiveFailures > 0
            && failureStreak.elapsed() >= maximumRetryDuration;
    if (retriesSpent || timeSpent) {
        fail(EventSource::RetriesExhaustedError,
             EventSource::tr("%1; gave up after %2 failed attempts").arg(message).arg(consecutiveFailures));
        return;
    }
    const int delay = nextDelay();
    // T-01, R-04: CONNECTING in the same step as the error; the wait is already running, so
    // close() in a handler cancels it.
    readyState = EventSource::Connecting;
    setError(code, EventSource::tr("%1; reconnecting in %2 ms").arg(message).arg(delay));
    reconnectTimer.start(delay);
    const quint64 attempt = generation;
    setReconnectDelay(delay);
    if (attempt != generation || readyState != EventSource::Connecting)
        return;
    notifyReadyState();
    if (attempt != generation || readyState != EventSource::Connecting)
        return;
    qCDebug(lcEventSource) << "reconnecting in" << delay << "ms:" << message;
    Q_EMIT q->errorOccurred(code);
}

void EventSourcePrivate::fail(EventSource::Error code, const QString &message)
{
    Q_Q(EventSource);
    ++generation;
    releaseReply();
    reconnectTimer.stop();
    refusedUrl = false;
    setError(code, message);
    readyState = EventSource::Closed;
    const quint64 attempt = generation;
    setReconnectDelay(-1);
    notifyReadyState();
    if (attempt != generation || readyState != EventSource::Closed)
        return;
    qCDebug(lcEventSource) << "failed:" << message;
    Q_EMIT q->errorOccurred(code);
}

void EventSourcePrivate::setError(EventSource::Error code, const QString &message)
{
    error = code;
    errorString = message;
    if (code != EventSource::HttpStatusError && code != EventSource::ContentTypeError)
        errorBody.clear();
    if (code == EventSource::NetworkError || code == EventSource::InvalidUrlError
        || code == EventSource::UnsupportedSchemeError)
        httpStatus = 0;
}

void EventSourcePrivate::notifyReadyState()
{
    if (notifiedState == readyState)
        return;
    notifiedState = readyState;
    Q_EMIT q_func()->readyStateChanged(readyState);
}

void EventSourcePrivate::setReconnectDelay(int delay)
{
    if (reconnectDelay == delay)
        return;
    reconnectDelay = delay;
    Q_EMIT q_func()->reconnectDelayChanged(delay);
}

void EventSourcePrivate::syncLastEventId(const QString &id)
{
    // Runs per event: shared data (the parser keeps the string until the id changes) is equal
    // without a look at the text, and other strings compare as raw UTF-16 units, cheaper than
    // QString's general comparison.
    const qsizetype n = id.size();
    const bool same = n == lastEventId.size()
            && (n == 0 || id.constData() == lastEventId.constData()
                || std::memcmp(id.constData(), lastEventId.constData(), size_t(n) * sizeof(QChar))
                        == 0);
    if (same)
        return;
    lastEventId = id;
    Q_EMIT q_func()->lastEventIdChanged(id);
}

bool EventSourcePrivate::handleEvent(const MessageEvent &event)
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (!isCurrent(attempt) || readyState != EventSource::Open)
        return false;
    deliveredEvent = true;
    consecutiveFailures = 0;
    syncLastEventId(event.lastEventId());
    if (!isCurrent(attempt))
        return false;
    if (isMessageType(event.type())) {
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
    Q_EMIT q->eventReceived(event);
    return isCurrent(attempt);
}

bool EventSourcePrivate::handleRetry(qint64 milliseconds)
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (!isCurrent(attempt))
        return false;
    q->setReconnectionTime(int(qMin<qint64>(milliseconds, std::numeric_limits<int>::max())));
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
//! @endcond

/*!
    \fn void QtSse::EventSource::opened()
    Emitted when a connection opens: a 200 response with a \c text/event-stream type arrived.
    readyState() is already \l Open.
*/

/*!
    \fn void QtSse::EventSource::messageReceived(const QtSse::MessageEvent &event)
    Emitted for every \a event of the default type \c message (E-03).
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
    \fn void QtSse::EventSource::errorOccurred(QtSse::EventSource::Error error)
    Emitted for every error event of the standard, with \a error saying what happened: when a
    connection ends or fails and a reconnect follows (readyState() is \l Connecting and
    reconnectDelay() says when), and when the source fails for good (readyState() is
    \l Closed). errorString() has the details. close() never causes it.
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

} // namespace QtSse
