// SPDX-License-Identifier: MIT
#include "eventsource_p.h"
#include "logging_p.h"
#include "qnamexchange_p.h"
#include "responsepolicy_p.h"
#include "socketexchange_p.h"
#include "threadedexchange_p.h"

#include <QtCore/qscopeguard.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>

using namespace Qt::StringLiterals;

namespace QtSse {

namespace {

// The most bytes of a failed response's body kept for errorResponseBody().
constexpr qsizetype ErrorBodyExcerptSize = 512;

// How long a failed response may take to send its body excerpt before the failure is reported.
constexpr int ErrorBodyGraceMs = 1000;

QString excerptText(const QByteArray &body)
{
    QString text = QString::fromUtf8(body).simplified();
    if (text.size() > 200)
        text = text.left(200) + u'\x2026';
    return text;
}

// Why a URL cannot be requested (C-08, C-09), or NoError.
EventSource::Error refuseUrl(const QUrl &url, QString *message)
{
    switch (ResponsePolicy::checkSourceUrl(url)) {
    case ResponsePolicy::UrlVerdict::Invalid: {
        // QUrl::errorString() quotes the URL as given, password included: keep only its reason.
        const QString reason = url.isValid()
                ? QString()
                : u": "_s + url.errorString().section(u"; source was"_s, 0, 0);
        *message = EventSource::tr("Invalid URL \"%1\"%2")
                           .arg(url.toDisplayString(QUrl::RemoveUserInfo), reason);
        return EventSource::InvalidUrlError;
    }
    case ResponsePolicy::UrlVerdict::UnsupportedScheme:
        *message = EventSource::tr("Unsupported URL scheme \"%1\": only http and https are "
                                   "supported")
                           .arg(url.scheme());
        return EventSource::UnsupportedSchemeError;
    case ResponsePolicy::UrlVerdict::UnsupportedPlatform: // WebAssembly (README, "Platforms")
        *message = EventSource::tr("Streaming needs a platform whose network backend streams "
                                   "response bodies; this one hands a body over only when the "
                                   "request completes");
        return EventSource::UnsupportedSchemeError;
    case ResponsePolicy::UrlVerdict::Accepted:
        break;
    }
    return EventSource::NoError;
}

// What AutomaticTransport chooses for a source without an application's manager, when
// QTSSE_TRANSPORT does not say: the own transport where it can serve (its reading threads
// carry many streams at less than half the CPU per event of the pooled QNAM lanes).
constexpr bool AutomaticPrefersSocketByDefault = true;

// Whether AutomaticTransport puts a source without an application's manager on the own
// transport (where it can serve): QTSSE_TRANSPORT=own says yes, =qnam no, =auto (or nothing)
// the default. Read once per process.
bool automaticPrefersSocket()
{
    static const bool prefers = [] {
        const QByteArray mode = qgetenv("QTSSE_TRANSPORT").trimmed().toLower();
        if (mode == "own")
            return true;
        if (mode == "qnam")
            return false;
        if (!mode.isEmpty() && mode != "auto")
            qCWarning(lcEventSource)
                    << "QTSSE_TRANSPORT is" << mode << "not qnam, own or auto: ignored";
        return AutomaticPrefersSocketByDefault;
    }();
    return prefers;
}

} // namespace

EventSourcePrivate::EventSourcePrivate(EventSource *q)
    : q_ptr(q), managers([this] { failManagerDestroyed(); })
{
    parser.setHandler(this);
    preparationTimer.setSingleShot(true);
    reconnectTimer.setSingleShot(true);
    reconnectTimer.setTimerType(Qt::PreciseTimer);
    readTimer.setSingleShot(true);
}

EventSourcePrivate::~EventSourcePrivate() = default;

void EventSourcePrivate::open()
{
    if (readyState != EventSource::Closed)
        return;
    waitingForNetwork = false;
    networkDropped = false;
    watchNetwork();
    consecutiveFailures = 0;
    eventsSinceOpen = 0;
    attemptNumber = 0;
    if (!responseHeaders.isEmpty()) {
        responseHeaders.clear();
        ++responseHeadersSerial;
    }
    setReconnectDelay(-1);
    ++generation;
    QString refusal;
    const EventSource::Error refused = refuseUrl(url, &refusal);
    refusedUrl = refused != EventSource::NoError;
    if (refusedUrl) {
        setError(refused, refusal);
    } else {
        clearError();
        httpStatus = 0;
        readyState = EventSource::Connecting;
    }
    scheduleStart();
}

void EventSourcePrivate::close()
{
    ++generation;
    refusedUrl = false;
    waitingForNetwork = false;
    networkDropped = false;
    releaseExchange();
    reconnectTimer.stop();
    readTimer.stop();
    setReconnectDelay(-1);
    readyState = EventSource::Closed;
    notifyState();
}

void EventSourcePrivate::reconnect()
{
    if (readyState == EventSource::Closed) {
        open();
        return;
    }
    ++generation;
    releaseExchange();
    reconnectTimer.stop();
    readTimer.stop();
    setReconnectDelay(-1);
    consecutiveFailures = 0;
    waitingForNetwork = false;
    networkDropped = false;
    readyState = EventSource::Connecting;
    scheduleStart();
}

void EventSourcePrivate::setReadTimeout(int milliseconds)
{
    readTimeout = milliseconds;
    if (exchange && !failing) {
        if (milliseconds > 0) {
            lastActivity.start();
            readTimer.start(milliseconds);
        } else {
            readTimer.stop();
        }
    }
}

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
                    notifyState();
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
    if (isOffline()) {
        waitForNetwork();
        return;
    }
    setReconnectDelay(-1);
    notifyState();
    if (readyState != EventSource::Connecting)
        return; // closed by a readyStateChanged handler
    redirectCount = 0;
    credentialsStripped = false;
    prepareRequest(EventSource::RequestAttempt{ url, request, method, body, parser.lastEventId(),
                                                ++attemptNumber, 0 });
}

// Runs the preparer, if any, on the request of an attempt or of one of its redirect hops,
// then sends what it made. An asynchronous preparer is waited for, at most
// preparationTimeout ms; close(), reconnect() and a failure cancel the wait.
void EventSourcePrivate::prepareRequest(EventSource::RequestAttempt attempt)
{
    Q_Q(EventSource);
    const quint64 current = generation;
    if (asyncPreparer) {
        QFuture<EventSource::RequestAttempt> future = asyncPreparer(attempt);
        if (current != generation)
            return; // closed or restarted by the preparer
        cancelPreparation();
        preparation = new QFutureWatcher<EventSource::RequestAttempt>(q);
        QObject::connect(preparation, &QFutureWatcherBase::finished, q,
                         [this, current] { onPreparationFinished(current); });
        preparation->setFuture(future);
        preparationTimer.start(preparationTimeout);
        return;
    }
    if (preparer) {
        preparer(attempt);
        if (current != generation)
            return;
    }
    sendPrepared(attempt);
}

void EventSourcePrivate::onPreparationFinished(quint64 attempt)
{
    if (attempt != generation || !preparation)
        return;
    const QFuture<EventSource::RequestAttempt> future = preparation->future();
    cancelPreparation();
    // An exception in the future cancels it too: no result is read from a failed one.
    if (future.isCanceled() || future.resultCount() == 0) {
        fail(EventSource::RequestPreparationError,
             EventSource::tr("The request preparer failed: its future was cancelled or gave no "
                             "request; nothing was sent"));
        return;
    }
    sendPrepared(future.result());
}

void EventSourcePrivate::cancelPreparation()
{
    preparationTimer.stop();
    if (!preparation)
        return;
    QObject::disconnect(preparation, nullptr, q_ptr, nullptr);
    preparation->deleteLater(); // it may be emitting the signal that brought us here
    preparation = nullptr;
}

void EventSourcePrivate::sendPrepared(const EventSource::RequestAttempt &attempt)
{
    QString refusal;
    const EventSource::Error refused = refuseUrl(attempt.url, &refusal);
    if (refused != EventSource::NoError) {
        fail(refused, EventSource::tr("The request preparer gave a bad URL: %1").arg(refusal));
        return;
    }
    currentUrl = attempt.url;
    chainRequest = attempt.request;
    currentMethod = attempt.method.isEmpty() ? QByteArrayLiteral("GET") : attempt.method;
    currentBody = attempt.body;
    sentLastEventId = attempt.lastEventId;
    sendRequest();
}

void EventSourcePrivate::sendRequest()
{
    Q_Q(EventSource);
    QNetworkRequest req =
            ResponsePolicy::streamRequest(chainRequest, currentUrl, sentLastEventId,
                                          credentialsStripped, ContentDecoder::acceptedEncodings());
    QByteArray badHeader = refusedHeaders.value(0, ResponsePolicy::invalidHeader(req));
    if (badHeader.isNull()
        && !ResponsePolicy::isValidHeader("Last-Event-ID", sentLastEventId.toUtf8()))
        badHeader = QByteArrayLiteral("Last-Event-ID");
    if (!badHeader.isNull()) {
        fail(EventSource::InvalidHeaderError,
             EventSource::tr("The request header \"%1\" has a name or value that HTTP does not "
                             "allow (a CR, LF or NUL character): nothing was sent")
                     .arg(QString::fromLatin1(badHeader.left(64))));
        return;
    }
    acceptsJson = ResponsePolicy::acceptsJson(req.rawHeader("Accept"));
    QString refusal;
    switch (chooseTransport(req, &refusal)) {
    case Route::Refused:
        fail(EventSource::UnsupportedSchemeError,
             EventSource::tr("The socket transport cannot carry this request: %1; nothing was "
                             "sent")
                     .arg(refusal));
        return;
    case Route::Socket:
        // Cookies go to and come from the jar the pooled managers of the source's identity
        // use, whatever manager the source has: never the application's (Isolation).
        // The proxy is the one the source's manager would take (an application's manager's
        // own proxy settings apply).
        startExchange(ThreadedExchange::create(currentUrl, req, currentMethod, currentBody,
                                               managers.holdCookieJar(currentUrl, req),
                                               managers.manager(), q));
        return;
    case Route::Qnam:
        break;
    }
    bool trustRefused = false;
    QNetworkAccessManager *nam = managers.acquire(currentUrl, &req, &trustRefused);
    if (trustRefused) {
        fail(EventSource::TlsError,
             EventSource::tr("QtSse cannot keep this source's connections to %1 apart from "
                             "those of other TLS configurations on an application's network "
                             "access manager (an IP address allows one besides the default): "
                             "give the source a network access manager of its own")
                     .arg(currentUrl.host()));
        return;
    }
    if (!nam) {
        fail(EventSource::AbortedError,
             EventSource::tr("The network access manager was destroyed or lives in another "
                             "thread"));
        return;
    }

    QNetworkReply *r = currentMethod == "GET" && currentBody.isEmpty()
            ? nam->get(req)
            : nam->sendCustomRequest(req, currentMethod, currentBody);
    startExchange(new QnamExchange(r, q));
}

// What carries the attempt's request `req` (EventSource::Transport): Refused, with the reason
// in `refusal`, when SocketTransport is asked for and the own transport cannot carry it.
EventSourcePrivate::Route EventSourcePrivate::chooseTransport(const QNetworkRequest &req,
                                                              QString *refusal) const
{
    switch (transport) {
    case EventSource::NetworkAccessManagerTransport:
        return Route::Qnam;
    case EventSource::SocketTransport:
        return SocketExchange::canServe(currentUrl, req, refusal, managers.manager())
                ? Route::Socket
                : Route::Refused;
    case EventSource::AutomaticTransport:
        break;
    }
    // An application's manager carries every stream of its source, even once destroyed (the
    // attempt then fails, C-16).
    if (managers.hasApplicationManager() || !automaticPrefersSocket())
        return Route::Qnam;
    return SocketExchange::canServe(currentUrl, req) ? Route::Socket : Route::Qnam;
}

// The attempt's exchange, sent: from here on the state machine sees it only as an Exchange.
void EventSourcePrivate::startExchange(Exchange *started)
{
    Q_Q(EventSource);
    announced = false;
    failing = false;
    answer = false;
    answerBody.clear();
    deliveredEvent = false;
    exchange = started;
    const quint64 attempt = generation;
    QObject::connect(started, &Exchange::headReceived, q, [this, attempt] {
        if (isCurrent(attempt))
            onHeadReceived();
    });
    QObject::connect(started, &Exchange::readyRead, q, [this, attempt] {
        if (isCurrent(attempt))
            onReadyRead();
    });
    QObject::connect(started, &Exchange::finished, q, [this, attempt] {
        if (isCurrent(attempt))
            onFinished();
    });
    if (readTimeout > 0) {
        lastActivity.start();
        readTimer.start(readTimeout);
    }
    qCDebug(lcEventSource) << "connecting to" << currentUrl.toDisplayString(QUrl::RemoveUserInfo)
                           << "through" << started->metaObject()->className();
}

void EventSourcePrivate::onHeadReceived()
{
    if (announced || failing)
        return;
    if (handleResponseHead())
        onReadyRead(); // bytes that came with the head
}

// Looks at the status and type of the response. Returns true when the exchange is still ours
// to read: an announced stream or a failure collecting its body excerpt.
bool EventSourcePrivate::handleResponseHead()
{
    const int status = exchange->statusCode();
    httpStatus = status;
    // A host that answers over HTTP/2 multiplexes this source's later streams, and others', on
    // the manager this one used.
    if (exchange->usedHttp2())
        managers.noteHttp2();
    using ResponsePolicy::HeadVerdict;
    const HeadVerdict verdict =
            ResponsePolicy::classifyHead(status, exchange->header("Content-Type"), acceptsJson);
    if (verdict == HeadVerdict::Redirect) {
        followRedirect(status);
        return false;
    }
    // The final response of the chain: its headers are the source's from here on.
    responseHeaders = ResponsePolicy::lowerCaseNames(exchange->headers());
    ++responseHeadersSerial;
    if (verdict == HeadVerdict::EmptyAnswer) {
        // 202 or 204 to a request that accepts JSON: the server's "done, nothing to say".
        const quint64 attempt = generation;
        announce();
        if (isCurrent(attempt) && readyState == EventSource::Open)
            finishStream();
        return false;
    }
    if (verdict == HeadVerdict::JsonAnswer) {
        const qint64 length = exchange->header("Content-Length").trimmed().toLongLong();
        if (length > parser.maximumEventSize()) {
            reestablish(EventSource::EventTooLargeError,
                        EventSource::tr("The JSON answer of %1 bytes exceeds the maximum event "
                                        "size of %2 bytes")
                                .arg(length)
                                .arg(parser.maximumEventSize()));
            return false;
        }
        answer = true;
    }
    if (verdict == HeadVerdict::Stream || verdict == HeadVerdict::JsonAnswer) {
        const QByteArray encoding = exchange->header("Content-Encoding");
        if (!decoder.start(encoding)) {
            reestablish(EventSource::NetworkError,
                        EventSource::tr("The server sent the stream in Content-Encoding \"%1\", "
                                        "which was not asked for")
                                .arg(QString::fromLatin1(encoding)));
            return false;
        }
        announce();
        return announced && exchange;
    }
    // C-11, C-12: fail, after keeping a short excerpt of the body for the error report.
    failing = true;
    responseFailure = verdict == ResponsePolicy::HeadVerdict::ContentTypeFailure
            ? EventSource::ContentTypeError
            : EventSource::HttpStatusError;
    errorBody.clear();
    readTimer.start(ErrorBodyGraceMs);
    return true;
}

void EventSourcePrivate::followRedirect(int status)
{
    using ResponsePolicy::Redirect;
    const Redirect redirect =
            ResponsePolicy::decideRedirect(currentUrl, status, exchange->header("Location"),
                                           currentMethod, redirectCount, maximumRedirects);
    const QString target = redirect.target.toDisplayString(QUrl::RemoveUserInfo);
    QString refusal;
    switch (redirect.verdict) {
    case Redirect::NoLocation:
        refusal = EventSource::tr("HTTP %1 redirect without a Location header").arg(status);
        break;
    case Redirect::UnsupportedScheme:
        refusal = EventSource::tr("Refused a redirect to \"%1\": only http and https are "
                                  "followed")
                          .arg(target);
        break;
    case Redirect::InsecureScheme:
        refusal = EventSource::tr("Refused an insecure redirect from https to \"%1\"").arg(target);
        break;
    case Redirect::TooManyHops:
        refusal = EventSource::tr("Too many redirects (more than %1)").arg(maximumRedirects);
        break;
    case Redirect::Follow:
        break;
    }
    if (redirect.verdict != Redirect::Follow) {
        fail(EventSource::RedirectError, refusal);
        return;
    }
    ++redirectCount;
    if (redirect.leavesOrigin)
        credentialsStripped = true;
    EventSource::RequestAttempt hop{ redirect.target, chainRequest,  currentMethod, currentBody,
                                     sentLastEventId, attemptNumber, redirectCount };
    if (redirect.becomesGet) {
        hop.method = QByteArrayLiteral("GET");
        hop.body.clear();
        hop.request.setHeader(QNetworkRequest::ContentTypeHeader, QVariant());
    }
    qCDebug(lcEventSource) << "redirected" << status << "to" << target;
    releaseExchange();
    prepareRequest(std::move(hop));
}

void EventSourcePrivate::announce()
{
    Q_Q(EventSource);
    // C-13: OPEN and opened() in one step, before any event of this body. The connection
    // recovered: the error state of the failure before it is cleared.
    announced = true;
    clearError();
    parser.startBody(); // the committed last event ID carries over (P-23, N-01)
    parser.setOrigin(ResponsePolicy::serializeOrigin(currentUrl));
    readyState = EventSource::Open;
    const quint64 attempt = generation;
    notifyState();
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
        // the parser is in the middle of a read chunk: reading now would overwrite the chunk it
        // parses, and deliver later bytes before earlier ones. The outer call reads these bytes
        // once the slot returns; if it no longer reads this exchange, a queued call does.
        readDeferred = true;
        return;
    }
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
        const QByteArrayView chunk = exchange->readChunk();
        if (chunk.isEmpty())
            return;
        decoder.setInput(chunk);
        if (!parseDecoded(attempt))
            return;
    }
}

// Feeds what the decoder makes of its input to the parser, piece by piece. False once this
// attempt is over: closed, reconnected or failed by a handler, or by the stream.
bool EventSourcePrivate::parseDecoded(quint64 attempt)
{
    QByteArrayView piece;
    for (;;) {
        switch (decoder.next(&piece)) {
        case ContentDecoder::Result::NeedInput:
            return true;
        case ContentDecoder::Result::Corrupt:
            parser.finishBody(); // P-22: the unfinished block is dropped
            reestablish(
                    EventSource::NetworkError,
                    EventSource::tr("The server's %1-compressed stream is corrupt: %2")
                            .arg(QString::fromLatin1(decoder.encoding()), decoder.errorString()));
            return false;
        case ContentDecoder::Result::Output:
            break;
        }
        if (answer) {
            if (!collectAnswer(piece))
                return false;
            continue;
        }
        const EventStreamParser::Status status = parser.feed(piece);
        if (status == EventStreamParser::Status::Stopped)
            return false; // closed, or reconnected, by a handler
        if (!isCurrent(attempt))
            return false;
        if (syncLastEventId() && !isCurrent(attempt)) // an id-only block commits without an event
            return false;
        if (status == EventStreamParser::Status::EventTooLarge) {
            reestablish(EventSource::EventTooLargeError,
                        EventSource::tr("An event exceeded the maximum event size of %1 bytes")
                                .arg(parser.maximumEventSize()));
            return false;
        }
    }
}

// Appends a piece of a JSON answer's body, within maximumEventSize: nothing is kept past it.
bool EventSourcePrivate::collectAnswer(QByteArrayView piece)
{
    if (answerBody.size() + piece.size() > parser.maximumEventSize()) {
        answerBody.clear();
        reestablish(EventSource::EventTooLargeError,
                    EventSource::tr("The JSON answer exceeds the maximum event size of %1 bytes")
                            .arg(parser.maximumEventSize()));
        return false;
    }
    answerBody.append(piece);
    return true;
}

// The whole JSON answer arrived: one message event with the body as its data, then the end.
void EventSourcePrivate::deliverAnswer()
{
    const quint64 attempt = generation;
    if (!answerBody.isEmpty()) {
        const MessageEvent event(QStringLiteral("message"),
                                 EventStreamParser::decodeUtf8(answerBody), parser.lastEventId(),
                                 ResponsePolicy::serializeOrigin(currentUrl));
        answerBody.clear();
        if (!handleEvent(event))
            return; // closed, restarted or finished by a handler or a marker
    }
    if (isCurrent(attempt))
        finishStream();
}

// The body ended cleanly: an unterminated last event is dispatched when asked for, then the
// stream reconnects (AlwaysReconnect, the standard's way) or is over: finished, or truncated
// when finish markers were expected and none came.
void EventSourcePrivate::endOfBody()
{
    const quint64 attempt = generation;
    if (dispatchUnterminatedEvent) {
        const EventStreamParser::Status status = parser.flush();
        if (status == EventStreamParser::Status::Stopped || !isCurrent(attempt))
            return;
        if (syncLastEventId() && !isCurrent(attempt)) // an id-only block commits without an event
            return;
    }
    parser.finishBody(); // P-22, P-27: the unfinished block is dropped
    if (reconnectPolicy == EventSource::AlwaysReconnect) {
        reestablish(EventSource::StreamEndedError, EventSource::tr("The server ended the stream"));
    } else if (markers.hasFinishMarkers()) {
        fail(EventSource::StreamTruncatedError,
             EventSource::tr("The stream ended without a finish marker (%1) after %n event(s): "
                             "the answer is incomplete",
                             nullptr, int(qMin<qint64>(eventsSinceOpen, INT_MAX)))
                     .arg(markers.finishMarkers().join(u", "_s)));
    } else {
        finishStream();
    }
}

bool EventSourcePrivate::mayReconnect() const
{
    switch (reconnectPolicy) {
    case EventSource::AlwaysReconnect:
        return true;
    case EventSource::ReconnectBeforeFirstEvent:
        return eventsSinceOpen == 0;
    case EventSource::NeverReconnect:
        break;
    }
    return false;
}

void EventSourcePrivate::collectErrorBody()
{
    // Keep the first bytes; read and drop the rest until the response finishes (or the grace
    // timer fires), since tearing down an error reply in mid-body makes Qt warn.
    for (QByteArrayView chunk = exchange->readChunk(); !chunk.isEmpty();
         chunk = exchange->readChunk()) {
        if (errorBody.size() < ErrorBodyExcerptSize)
            errorBody += chunk.first(qMin(chunk.size(), ErrorBodyExcerptSize - errorBody.size()));
    }
}

void EventSourcePrivate::finishFailedResponse()
{
    const EventSource::Error code = responseFailure;
    const QString reason = exchange ? QString::fromLatin1(exchange->reasonPhrase()) : QString();
    QString message;
    if (code == EventSource::ContentTypeError) {
        const QByteArray type = exchange ? exchange->header("Content-Type") : QByteArray();
        message = EventSource::tr("The response is not an event stream: Content-Type is \"%1\"")
                          .arg(QString::fromLatin1(type));
    } else if (httpStatus == 204) {
        message = EventSource::tr("HTTP 204 No Content: the server asks the client not to "
                                  "reconnect");
    } else {
        message = EventSource::tr("HTTP %1 %2").arg(httpStatus).arg(reason).trimmed();
    }
    if (exchange && !errorBody.isEmpty()) // the excerpt as the server meant it, not compressed
        errorBody = ContentDecoder::decodePrefix(exchange->header("Content-Encoding"), errorBody,
                                                 ErrorBodyExcerptSize);
    if (!errorBody.isEmpty())
        message += EventSource::tr(" (body: \"%1\")").arg(excerptText(errorBody));
    int delay = -1;
    bool abandoned = false;
    const bool retry = mayReconnect() && retryFailedResponse(code, &delay, &abandoned);
    if (abandoned)
        return; // the retry policy closed or restarted the source
    if (retry)
        reestablish(code, message, delay);
    else
        fail(code, message);
}

void EventSourcePrivate::onFinished()
{
    // The exchange announced the head before finishing, if there was one: the state is now
    // announced, failing, or neither (no head: a connection, TLS or protocol failure).
    const Exchange::Failure failure = exchange->failure();
    if (failure == Exchange::Failure::ManagerLost) {
        // The reply was destroyed under us, not by releaseExchange(): the manager went away
        // (C-16).
        managers.endLease();
        failManagerDestroyed();
        return;
    }
    if (failing) {
        collectErrorBody();
        finishFailedResponse();
        return;
    }
    const QString message = exchange->errorString();
    if (failure == Exchange::Failure::Aborted) {
        fail(EventSource::AbortedError, EventSource::tr("The request was aborted"));
        return;
    }
    if (announced) {
        if (failure == Exchange::Failure::None && !decoder.isAtBoundary()) {
            parser.finishBody();
            reestablish(
                    EventSource::NetworkError,
                    EventSource::tr("The server's %1-compressed %2 was cut short: it "
                                    "ended inside a compressed member")
                            .arg(QString::fromLatin1(decoder.encoding()),
                                 answer ? EventSource::tr("answer") : EventSource::tr("stream")));
            return;
        }
        if (failure != Exchange::Failure::None) {
            parser.finishBody(); // P-22, P-27: the unfinished block is dropped
            reestablish(EventSource::NetworkError, message);
        } else if (answer) {
            deliverAnswer();
        } else {
            endOfBody();
        }
        return;
    }
    switch (failure) {
    case Exchange::Failure::Tls:
        fail(EventSource::TlsError, message);
        return;
    case Exchange::Failure::UnsupportedProtocol:
        fail(EventSource::UnsupportedSchemeError, message);
        return;
    default:
        reestablish(EventSource::NetworkError, message);
    }
}

void EventSourcePrivate::onReadTimer()
{
    if (!exchange)
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

void EventSourcePrivate::failManagerDestroyed()
{
    fail(EventSource::AbortedError,
         EventSource::tr("The request was aborted: the network "
                         "access manager was destroyed or moved to another thread"));
}

// Ends the current exchange, if any, silently (QnamExchange::abort() says what that does to a
// reply), and the lease of its manager.
void EventSourcePrivate::releaseExchange()
{
    cancelPreparation();
    readTimer.stop();
    managers.endLease();
    Exchange *x = exchange;
    exchange = nullptr;
    if (!x)
        return;
    QObject::disconnect(x, nullptr, q_ptr, nullptr);
    x->abort();
    x->deleteLater();
}

void EventSourcePrivate::reestablish(EventSource::Error code, const QString &message,
                                     int chosenDelay)
{
    Q_Q(EventSource);
    if (!mayReconnect()) {
        // A finite stream: a failure after its first event, or any under NeverReconnect, is
        // the end. Sending the request again could duplicate an answer.
        fail(code,
             eventsSinceOpen > 0
                     ? EventSource::tr("%1; not reconnecting after %n event(s) (reconnect "
                                       "policy)",
                                       nullptr, int(qMin<qint64>(eventsSinceOpen, INT_MAX)))
                               .arg(message)
                     : EventSource::tr("%1; not reconnecting (reconnect policy)").arg(message));
        return;
    }
    releaseExchange();
    if (isOffline()) {
        waitForNetwork(); // a failure while offline spends no retry budget
        return;
    }
    if (!deliveredEvent) {
        if (consecutiveFailures++ == 0)
            failureStreak.start();
    }
    const bool retriesSpent = maximumRetries >= 0 && consecutiveFailures > maximumRetries;
    const bool timeSpent = maximumRetryDuration > 0 && consecutiveFailures > 0
            && failureStreak.elapsed() >= maximumRetryDuration;
    if (retriesSpent || timeSpent) {
        fail(EventSource::RetriesExhaustedError,
             EventSource::tr("%1; gave up after %2 failed attempts")
                     .arg(message)
                     .arg(consecutiveFailures));
        return;
    }
    const int delay = chosenDelay >= 0 ? chosenDelay : nextDelay();
    // T-01, R-04: CONNECTING in the same step as the error; the wait is already running, so
    // close() in a handler cancels it.
    readyState = EventSource::Connecting;
    // The wait is reconnectDelay(), not part of the text: an application shows one countdown.
    setError(code, message);
    reconnectTimer.start(delay);
    const quint64 attempt = generation;
    setReconnectDelay(delay);
    if (attempt != generation || readyState != EventSource::Connecting)
        return;
    notifyState();
    if (attempt != generation || readyState != EventSource::Connecting)
        return;
    qCDebug(lcEventSource) << "reconnecting in" << delay << "ms:" << message;
    Q_EMIT q->errorOccurred(code);
}

// Ends the source for good, as fail() and finishStream() do: the connection released, no
// reconnect pending, readyState Closed and announced. False when a handler of the
// announcements opened or reconnected the source, which then must not hear more of this end.
bool EventSourcePrivate::settleClosed()
{
    ++generation;
    releaseExchange();
    reconnectTimer.stop();
    refusedUrl = false;
    readyState = EventSource::Closed;
    const quint64 attempt = generation;
    setReconnectDelay(-1);
    if (attempt != generation)
        return false;
    notifyState();
    return attempt == generation && readyState == EventSource::Closed;
}

void EventSourcePrivate::fail(EventSource::Error code, const QString &message)
{
    setError(code, message);
    if (!settleClosed())
        return;
    qCDebug(lcEventSource) << "failed:" << message;
    Q_EMIT q_func()->errorOccurred(code);
}

// A finite stream is complete: a finish marker, the end of its body, or a JSON answer.
void EventSourcePrivate::finishStream()
{
    if (!settleClosed())
        return;
    qCDebug(lcEventSource) << "finished after" << eventsSinceOpen << "events";
    Q_EMIT q_func()->finished();
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

void EventSourcePrivate::clearError()
{
    error = EventSource::NoError;
    errorString.clear();
    errorBody.clear();
}

// Emits the change signals of the error state, the HTTP status and the ready state, each
// once and only if its value changed since it was last notified, in that order: a handler of
// readyStateChanged() or errorOccurred() sees bindings on the error properties up to date.
// Values change silently in between (open() notifies nothing itself); this is where they are
// announced. A handler may close or restart the source: nothing stale is emitted after that.
void EventSourcePrivate::notifyState()
{
    Q_Q(EventSource);
    const quint64 attempt = generation;
    if (notifiedError != error || notifiedErrorString != errorString
        || notifiedErrorBody != errorBody) {
        notifiedError = error;
        notifiedErrorString = errorString;
        notifiedErrorBody = errorBody;
        Q_EMIT q->errorChanged();
        if (attempt != generation)
            return;
    }
    if (notifiedResponseHeadersSerial != responseHeadersSerial) {
        notifiedResponseHeadersSerial = responseHeadersSerial;
        Q_EMIT q->responseHeadersChanged();
        if (attempt != generation)
            return;
    }
    if (notifiedHttpStatus != httpStatus) {
        notifiedHttpStatus = httpStatus;
        Q_EMIT q->httpStatusChanged(httpStatus);
        if (attempt != generation)
            return;
    }
    if (notifiedState == readyState)
        return;
    notifiedState = readyState;
    Q_EMIT q->readyStateChanged(readyState);
}

void EventSourcePrivate::setReconnectDelay(int delay)
{
    if (reconnectDelay == delay)
        return;
    reconnectDelay = delay;
    Q_EMIT q_func()->reconnectDelayChanged(delay);
}

} // namespace QtSse
