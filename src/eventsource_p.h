// SPDX-License-Identifier: MIT
#ifndef QTSSE_EVENTSOURCE_P_H
#define QTSSE_EVENTSOURCE_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "contentdecoder_p.h"
#include "eventmarkers_p.h"
#include "eventsource.h"
#include "eventstreamparser.h"
#include "exchange_p.h"
#include "managerpool_p.h"
#include "networkmonitor_p.h"

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qhash.h>
#include <QtCore/qpointer.h>
#include <QtCore/qtimer.h>

#include <atomic>
#include <chrono>
#include <limits>

namespace QtSse {

// A duration as the int milliseconds the properties and timers hold: negative as 0, beyond
// INT_MAX clamped.
inline int clampedMilliseconds(std::chrono::milliseconds duration)
{
    return int(
            qBound<qint64>(0, qint64(duration.count()), qint64(std::numeric_limits<int>::max())));
}

// The attempt state machine of an EventSource: connecting, following redirects, reading the
// stream, failing or reestablishing, and the back-off between attempts. The response and
// redirect rules come from ResponsePolicy, the network access managers from a ManagerHandle.
class EventSourcePrivate : public EventStreamParser::Handler
{
    Q_DECLARE_PUBLIC(EventSource)
public:
    explicit EventSourcePrivate(EventSource *q);
    ~EventSourcePrivate() override;

    // EventStreamParser::Handler
    bool handleEvent(const MessageEvent &event) override;
    bool handleRetry(qint64 milliseconds) override;
    bool handleComment(const QString &text) override;
    bool handleSkippedEvent(const QString &type, qint64 size) override;

    void open();
    void close();
    void reconnect();
    void setReadTimeout(int milliseconds);
    void setFollowNetworkChanges(bool follow);
    bool isOffline() const;
    void watchNetwork();
    void waitForNetwork();
    void onReachabilityChanged(NetworkMonitor::Reachability reachability);
    void onApplicationResumed();
    void onTransportMediumChanged();
    void scheduleStart();
    void startAttempt();
    void prepareRequest(EventSource::RequestAttempt attempt);
    void onPreparationFinished(quint64 attempt);
    void cancelPreparation();
    void sendPrepared(const EventSource::RequestAttempt &attempt);
    void sendRequest();
    enum class Route { Qnam, Socket, Refused };
    Route chooseTransport(const QNetworkRequest &req, QString *refusal) const;
    void startExchange(Exchange *started);
    void onHeadReceived();
    void onReadyRead();
    bool parseDecoded(quint64 attempt);
    void onFinished();
    void onReadTimer();
    bool handleResponseHead();
    void followRedirect(int status);
    void announce();
    bool collectAnswer(QByteArrayView piece);
    void endOfBody();
    void deliverAnswer();
    bool mayReconnect() const;
    void finishStream();
    bool settleClosed();
    void collectErrorBody();
    void finishFailedResponse();
    bool retryFailedResponse(EventSource::Error code, int *delay, bool *abandoned);
    void reestablish(EventSource::Error code, const QString &message, int chosenDelay = -1);
    void fail(EventSource::Error code, const QString &message);
    void releaseExchange();
    void failManagerDestroyed();
    void setError(EventSource::Error code, const QString &message);
    void clearError();
    void notifyState();
    void setReconnectDelay(int delay);
    bool syncLastEventId();
    void setLastEventId(const QString &id);
    int nextDelay();
    bool isCurrent(quint64 attempt) const { return attempt == generation && exchange; }

    // Sets a property's member to `value` and emits its change signal, if the value changed.
    template <typename T, typename Arg>
    void updateProperty(T EventSourcePrivate::*member, T value, void (EventSource::*changed)(Arg))
    {
        if (this->*member == value)
            return;
        this->*member = value;
        Q_EMIT(q_func()->*changed)(value);
    }

    EventSource *q_ptr;

    // Settings.
    QUrl url;
    QNetworkRequest request;
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray body;
    QByteArrayList refusedHeaders; // given to setRequestHeader() with a value HTTP does not allow
    EventSource::AttemptPreparer preparer; // setRequestPreparer() and setAttemptPreparer()
    EventSource::AsyncAttemptPreparer asyncPreparer;
    int preparationTimeout = EventSource::DefaultRequestPreparationTimeout;
    EventSource::ReconnectPolicy reconnectPolicy = EventSource::AlwaysReconnect;
    EventMarkers markers;
    bool dispatchUnterminatedEvent = false;
    EventSource::OversizedEventPolicy oversizedEventPolicy = EventSource::ReconnectOnOversizedEvent;
    int maximumServerDelay = EventSource::DefaultMaximumServerDelay;
    int reconnectionTime = EventSource::DefaultReconnectionTime;
    int maximumReconnectionDelay = EventSource::DefaultMaximumReconnectionDelay;
    int maximumRetries = -1;
    int maximumRetryDuration = 0;
    EventSource::HttpErrorPolicy httpErrorPolicy = EventSource::CloseOnHttpError;
    EventSource::RetryPolicy retryPolicy;
    int readTimeout = 0;
    int maximumRedirects = EventSource::DefaultMaximumRedirects;
    bool followNetworkChanges = true;
    EventSource::Transport transport = EventSource::AutomaticTransport;
    ManagerHandle managers; // the network access managers, and the current stream's lease

    // State.
    EventSource::ReadyState readyState = EventSource::Closed;
    EventSource::Error error = EventSource::NoError;
    QString errorString;
    int httpStatus = 0;
    QByteArray errorBody;
    // The values last announced by notifyState().
    EventSource::ReadyState notifiedState = EventSource::Closed;
    EventSource::Error notifiedError = EventSource::NoError;
    QString notifiedErrorString;
    QByteArray notifiedErrorBody;
    int notifiedHttpStatus = 0;
    QList<QPair<QByteArray, QByteArray>> responseHeaders; // the last final response's
    quint64 responseHeadersSerial = 0; // changes with responseHeaders
    quint64 notifiedResponseHeadersSerial = 0;
    qint64 eventsSinceOpen = 0; // delivered or skipped: the server has answered
    int attemptNumber = 0; // since open()
    bool refusedUrl = false; // open() refused the URL; the queued start reports error
    EventSource::Error responseFailure = EventSource::NoError; // while failing: what to report
    int reconnectDelay = -1;
    // The parser holds the last event ID (the property), whether the stream or the application
    // set it: a stream whose every event has a new id costs no copy of it per event.
    EventStreamParser parser;
    quint64 seenIdChanges = 0; // parser.lastEventIdChanges() when lastEventIdChanged went out
    // Whether the per-event signals have ever had a receiver (set by EventSource::connectNotify,
    // never cleared): an emission without receivers costs about as much as parsing the event's
    // line, so a stream nobody listens to that way skips it. Atomic: connections may be made
    // from other threads.
    std::atomic<bool> messageReceivedWanted{ false };
    std::atomic<bool> eventReceivedWanted{ false };
    std::atomic<bool> lastEventIdChangedWanted{ false };

    // The current attempt: every callback checks that it still belongs to it.
    quint64 generation = 0;
    QPointer<Exchange> exchange; // the request and response, whatever transport carries them
    bool announced = false;
    bool failing = false;
    bool deliveredEvent = false;
    QUrl currentUrl;
    QNetworkRequest chainRequest; // the prepared request, reused by every redirect hop
    QByteArray currentMethod;
    QByteArray currentBody;
    QString sentLastEventId; // the prepared attempt's Last-Event-ID
    bool acceptsJson = false; // the request's Accept names application/json
    bool answer = false; // the response is a JSON answer (or an empty one), not a stream
    QByteArray answerBody;
    QFutureWatcher<EventSource::RequestAttempt> *preparation = nullptr; // the async preparer's
    QTimer preparationTimer;
    int redirectCount = 0;
    bool credentialsStripped = false;

    // Network changes.
    bool watchingNetwork = false; // connected to the NetworkMonitor
    bool waitingForNetwork = false; // Connecting, held back while the machine is offline
    bool networkDropped = false; // the network dropped under a connection or a pending retry

    // Back-off.
    int consecutiveFailures = 0;
    QElapsedTimer failureStreak;

    QTimer reconnectTimer;
    QTimer readTimer;
    QElapsedTimer lastActivity;
    ContentDecoder decoder; // the stream's Content-Encoding
    bool parsing = false; // onReadyRead() is feeding a read chunk to the parser
    bool readDeferred = false; // a nested onReadyRead() left bytes for the outer one

    QHash<QString, EventTypeChannel *> channels;
};

} // namespace QtSse

#endif // QTSSE_EVENTSOURCE_P_H
