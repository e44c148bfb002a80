// SPDX-License-Identifier: MIT
#ifndef QTSSE_EVENTSOURCE_H
#define QTSSE_EVENTSOURCE_H

#include "qtsse_global.h"
#include "messageevent.h"

#include <QtCore/qfuture.h>
#include <QtCore/qlist.h>
#include <QtCore/qobject.h>
#include <QtCore/qpair.h>
#include <QtCore/qstring.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkrequest.h>

#include <chrono>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace QtSse {

class EventSourcePrivate;

class QTSSE_EXPORT EventTypeChannel : public QObject
{
    Q_OBJECT
public:
    QString type() const { return m_type; }

Q_SIGNALS:
    void received(const QtSse::MessageEvent &event);

private:
    friend class EventSource; // the only creator: EventSource::eventChannel()
    explicit EventTypeChannel(const QString &type, QObject *parent);
    Q_DISABLE_COPY_MOVE(EventTypeChannel)
    QString m_type;
};

class QTSSE_EXPORT EventSource : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged FINAL)
    Q_PROPERTY(ReadyState readyState READ readyState NOTIFY readyStateChanged FINAL)
    Q_PROPERTY(QString lastEventId READ lastEventId WRITE setLastEventId NOTIFY lastEventIdChanged
                       FINAL)
    Q_PROPERTY(Error error READ error NOTIFY errorChanged FINAL)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorChanged FINAL)
    Q_PROPERTY(int httpStatus READ httpStatus NOTIFY httpStatusChanged FINAL)
    Q_PROPERTY(QByteArray errorResponseBody READ errorResponseBody NOTIFY errorChanged FINAL)
    Q_PROPERTY(int reconnectionTime READ reconnectionTime WRITE setReconnectionTime NOTIFY
                       reconnectionTimeChanged FINAL)
    Q_PROPERTY(int reconnectDelay READ reconnectDelay NOTIFY reconnectDelayChanged FINAL)
    Q_PROPERTY(int maximumReconnectionDelay READ maximumReconnectionDelay WRITE
                       setMaximumReconnectionDelay NOTIFY maximumReconnectionDelayChanged FINAL)
    Q_PROPERTY(int maximumRetries READ maximumRetries WRITE setMaximumRetries NOTIFY
                       maximumRetriesChanged FINAL)
    Q_PROPERTY(int maximumRetryDuration READ maximumRetryDuration WRITE setMaximumRetryDuration
                       NOTIFY maximumRetryDurationChanged FINAL)
    Q_PROPERTY(HttpErrorPolicy httpErrorPolicy READ httpErrorPolicy WRITE setHttpErrorPolicy NOTIFY
                       httpErrorPolicyChanged FINAL)
    Q_PROPERTY(
            int readTimeout READ readTimeout WRITE setReadTimeout NOTIFY readTimeoutChanged FINAL)
    // Not FINAL: the QML EventSource overrides it with a number property, since Qt 6.4's QML
    // has no 64-bit integer type (qml/qmleventsource.h).
    Q_PROPERTY(qint64 maximumEventSize READ maximumEventSize WRITE setMaximumEventSize NOTIFY
                       maximumEventSizeChanged)
    Q_PROPERTY(int maximumRedirects READ maximumRedirects WRITE setMaximumRedirects NOTIFY
                       maximumRedirectsChanged FINAL)
    Q_PROPERTY(QByteArray method READ method WRITE setMethod NOTIFY methodChanged FINAL)
    Q_PROPERTY(QByteArray body READ body WRITE setBody NOTIFY bodyChanged FINAL)
    Q_PROPERTY(bool followNetworkChanges READ followNetworkChanges WRITE setFollowNetworkChanges
                       NOTIFY followNetworkChangesChanged FINAL)
    Q_PROPERTY(ReconnectPolicy reconnectPolicy READ reconnectPolicy WRITE setReconnectPolicy NOTIFY
                       reconnectPolicyChanged FINAL)
    Q_PROPERTY(QStringList finishMarkers READ finishMarkers WRITE setFinishMarkers NOTIFY
                       finishMarkersChanged FINAL)
    Q_PROPERTY(QStringList errorEventTypes READ errorEventTypes WRITE setErrorEventTypes NOTIFY
                       errorEventTypesChanged FINAL)
    Q_PROPERTY(bool dispatchUnterminatedEvent READ dispatchUnterminatedEvent WRITE
                       setDispatchUnterminatedEvent NOTIFY dispatchUnterminatedEventChanged FINAL)
    Q_PROPERTY(OversizedEventPolicy oversizedEventPolicy READ oversizedEventPolicy WRITE
                       setOversizedEventPolicy NOTIFY oversizedEventPolicyChanged FINAL)
    Q_PROPERTY(int maximumServerDelay READ maximumServerDelay WRITE setMaximumServerDelay NOTIFY
                       maximumServerDelayChanged FINAL)
    Q_PROPERTY(Transport transport READ transport WRITE setTransport NOTIFY transportChanged FINAL)

public:
    enum ReadyState {
        Connecting = 0,
        Open = 1,
        Closed = 2,
    };
    Q_ENUM(ReadyState)

    enum Error {
        NoError = 0,
        StreamEndedError,
        NetworkError,
        ReadTimeoutError,
        EventTooLargeError,
        HttpStatusError,
        ContentTypeError,
        RedirectError,
        InvalidUrlError,
        UnsupportedSchemeError,
        TlsError,
        AbortedError,
        RetriesExhaustedError,
        OfflineError,
        StreamTruncatedError,
        ServerEventError,
        RequestPreparationError,
        InvalidHeaderError,
    };
    Q_ENUM(Error)

    enum ReconnectPolicy {
        AlwaysReconnect = 0,
        ReconnectBeforeFirstEvent = 1,
        NeverReconnect = 2,
    };
    Q_ENUM(ReconnectPolicy)

    enum OversizedEventPolicy {
        ReconnectOnOversizedEvent = 0,
        SkipOversizedEvents = 1,
    };
    Q_ENUM(OversizedEventPolicy)

    enum HttpErrorPolicy {
        CloseOnHttpError = 0,
        RetryServerErrors = 1,
    };
    Q_ENUM(HttpErrorPolicy)

    enum Transport {
        AutomaticTransport = 0,
        NetworkAccessManagerTransport = 1,
        SocketTransport = 2,
    };
    Q_ENUM(Transport)

    using RequestPreparer = std::function<void(QNetworkRequest &request)>;

    struct RequestAttempt
    {
        QUrl url;
        QNetworkRequest request;
        QByteArray method;
        QByteArray body;
        QString lastEventId;
        int attempt = 1;
        int redirects = 0;
    };

    using AttemptPreparer = std::function<void(RequestAttempt &attempt)>;
    using AsyncAttemptPreparer =
            std::function<QFuture<RequestAttempt>(const RequestAttempt &attempt)>;

    struct HttpFailure
    {
        Error error = HttpStatusError;
        int httpStatus = 0;
        QList<QPair<QByteArray, QByteArray>> headers;
        std::chrono::milliseconds retryAfter{ -1 };
        int consecutiveFailures = 0;
        bool retriedByPolicy = false;
    };

    struct RetryDecision
    {
        bool reconnect = false;
        std::chrono::milliseconds delay{ -1 };
    };

    using RetryPolicy = std::function<RetryDecision(const HttpFailure &failure)>;

    static constexpr int DefaultReconnectionTime = 3000;
    static constexpr int DefaultMaximumReconnectionDelay = 30000;
    static constexpr int DefaultMaximumRedirects = 20;
    static constexpr int DefaultMaximumServerDelay = 600000;
    static constexpr int DefaultRequestPreparationTimeout = 30000;

    explicit EventSource(QObject *parent = nullptr);
    explicit EventSource(const QUrl &url, QObject *parent = nullptr);
    ~EventSource() override;

    QUrl url() const;
    void setUrl(const QUrl &url);

    QNetworkRequest request() const;
    void setRequest(const QNetworkRequest &request);
    void setRequestHeader(const QByteArray &name, const QByteArray &value);
    void setRequestPreparer(RequestPreparer preparer);
    void setAttemptPreparer(AttemptPreparer preparer);
    void setAsyncAttemptPreparer(AsyncAttemptPreparer preparer);
    int requestPreparationTimeout() const;
    void setRequestPreparationTimeout(int milliseconds);

    QByteArray method() const;
    void setMethod(const QByteArray &method);
    QByteArray body() const;
    void setBody(const QByteArray &body);

    ReadyState readyState() const;
    QString lastEventId() const;
    void setLastEventId(const QString &id);

    Error error() const;
    QString errorString() const;
    int httpStatus() const;
    QByteArray errorResponseBody() const;
    QList<QPair<QByteArray, QByteArray>> responseHeaders() const;
    QByteArray responseHeader(QByteArrayView name) const;

    int reconnectionTime() const;
    std::chrono::milliseconds reconnectionTimeAsDuration() const;
    void setReconnectionTime(int milliseconds);
    void setReconnectionTime(std::chrono::milliseconds time);
    int reconnectDelay() const;
    std::chrono::milliseconds reconnectDelayAsDuration() const;
    int maximumReconnectionDelay() const;
    std::chrono::milliseconds maximumReconnectionDelayAsDuration() const;
    void setMaximumReconnectionDelay(int milliseconds);
    void setMaximumReconnectionDelay(std::chrono::milliseconds delay);
    int maximumRetries() const;
    void setMaximumRetries(int retries);
    int maximumRetryDuration() const;
    std::chrono::milliseconds maximumRetryDurationAsDuration() const;
    void setMaximumRetryDuration(int milliseconds);
    void setMaximumRetryDuration(std::chrono::milliseconds duration);
    HttpErrorPolicy httpErrorPolicy() const;
    void setHttpErrorPolicy(HttpErrorPolicy policy);
    void setRetryPolicy(RetryPolicy policy);
    int readTimeout() const;
    std::chrono::milliseconds readTimeoutAsDuration() const;
    void setReadTimeout(int milliseconds);
    void setReadTimeout(std::chrono::milliseconds timeout);
    qint64 maximumEventSize() const;
    void setMaximumEventSize(qint64 bytes);
    int maximumRedirects() const;
    void setMaximumRedirects(int hops);

    bool followNetworkChanges() const;
    void setFollowNetworkChanges(bool follow);

    ReconnectPolicy reconnectPolicy() const;
    void setReconnectPolicy(ReconnectPolicy policy);
    QStringList finishMarkers() const;
    void setFinishMarkers(const QStringList &markers);
    QStringList errorEventTypes() const;
    void setErrorEventTypes(const QStringList &types);
    bool dispatchUnterminatedEvent() const;
    void setDispatchUnterminatedEvent(bool dispatch);
    OversizedEventPolicy oversizedEventPolicy() const;
    void setOversizedEventPolicy(OversizedEventPolicy policy);
    int maximumServerDelay() const;
    std::chrono::milliseconds maximumServerDelayAsDuration() const;
    void setMaximumServerDelay(int milliseconds);
    void setMaximumServerDelay(std::chrono::milliseconds delay);

    QNetworkAccessManager *networkAccessManager() const;
    void setNetworkAccessManager(QNetworkAccessManager *manager);
    Transport transport() const;
    void setTransport(Transport transport);

    EventTypeChannel *eventChannel(const QString &type);

    template <typename Receiver, typename Functor>
    QMetaObject::Connection addEventListener(const QString &type, const Receiver *context,
                                             Functor &&slot)
    {
        return QObject::connect(eventChannel(type), &EventTypeChannel::received, context,
                                std::forward<Functor>(slot));
    }

public Q_SLOTS:
    void open();
    void close();
    void reconnect();

Q_SIGNALS:
    void opened();
    void finished();
    void messageReceived(const QtSse::MessageEvent &event);
    void eventReceived(const QtSse::MessageEvent &event);
    void commentReceived(const QString &text);
    void retryReceived(qint64 milliseconds);
    void errorOccurred(QtSse::EventSource::Error error);
    void errorChanged();
    void httpStatusChanged(int status);
    void readyStateChanged(QtSse::EventSource::ReadyState state);
    void urlChanged(const QUrl &url);
    void lastEventIdChanged(const QString &lastEventId);
    void reconnectionTimeChanged(int milliseconds);
    void reconnectDelayChanged(int milliseconds);
    void maximumReconnectionDelayChanged(int milliseconds);
    void maximumRetriesChanged(int retries);
    void maximumRetryDurationChanged(int milliseconds);
    void httpErrorPolicyChanged(QtSse::EventSource::HttpErrorPolicy policy);
    void readTimeoutChanged(int milliseconds);
    void maximumEventSizeChanged(qint64 bytes);
    void maximumRedirectsChanged(int hops);
    void methodChanged(const QByteArray &method);
    void bodyChanged(const QByteArray &body);
    void followNetworkChangesChanged(bool follow);
    void responseHeadersChanged();
    void eventSkipped(const QString &type, qint64 size);
    void reconnectPolicyChanged(QtSse::EventSource::ReconnectPolicy policy);
    void finishMarkersChanged(const QStringList &markers);
    void errorEventTypesChanged(const QStringList &types);
    void dispatchUnterminatedEventChanged(bool dispatch);
    void oversizedEventPolicyChanged(QtSse::EventSource::OversizedEventPolicy policy);
    void maximumServerDelayChanged(int milliseconds);
    void transportChanged(QtSse::EventSource::Transport transport);

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    Q_DECLARE_PRIVATE(EventSource)
    Q_DISABLE_COPY_MOVE(EventSource)
    std::unique_ptr<EventSourcePrivate> d_ptr;
};

} // namespace QtSse

#endif // QTSSE_EVENTSOURCE_H
