// SPDX-License-Identifier: MIT
#ifndef QTSSE_SOCKETEXCHANGE_P_H
#define QTSSE_SOCKETEXCHANGE_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "exchange_p.h"
#include "flowcontrol_p.h"
#include "httpresponsereader_p.h"

#include <QtCore/qpointer.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtNetwork/qtnetwork-config.h>
#if QT_CONFIG(ssl)
#  include <QtNetwork/qsslconfiguration.h>
#endif

#include <optional>

// Plain connections are read with recv() where the platform has POSIX sockets (see
// SocketExchange::readDirectlyOnceWritten()); elsewhere through QTcpSocket's buffer.
#if defined(Q_OS_UNIX) && !defined(Q_OS_WASM)
#  define QTSSE_DIRECT_SOCKET_READS 1
#else
#  define QTSSE_DIRECT_SOCKET_READS 0
#endif

QT_BEGIN_NAMESPACE
class QAbstractSocket;
class QThread;
class QSocketNotifier;
class QNetworkAccessManager;
class QNetworkCookieJar;
#if QT_CONFIG(ssl)
class QSslError;
#endif
QT_END_NAMESPACE

namespace QtSse {

#if QTSSE_DIRECT_SOCKET_READS
// The POSIX socket calls of SocketExchange's direct reads (socketexchange_unix.cpp, built only
// where they exist).
namespace DirectSocket {
// A duplicate of `descriptor`, close-on-exec; -1 if none could be made.
int duplicate(qintptr descriptor);
enum class Outcome { Data, WouldBlock, Closed, Failed };
struct Received
{
    Outcome outcome = Outcome::Closed;
    qsizetype size = 0; // bytes received, with Data
    QString errorString; // with Failed
};
// One recv() of up to `size` bytes (interrupted calls retried). A reset is Closed, as Qt
// reports it (RemoteHostClosedError).
Received receive(int fd, char *buffer, qsizetype size);
void close(int fd);
} // namespace DirectSocket
#endif

// One request and its response over QtSse's own HTTP/1.1 client: a QTcpSocket (QSslSocket for
// https) of its own, in the thread it lives in, one request per connection, directly or
// through the proxy QNAM would take (proxyRoute()). DNS through Qt's resolver (or the
// proxy's); TLS with the request's QSslConfiguration (the default one, with the system's
// certificate authorities, unless the request sets its own), failing closed on any sslErrors;
// cookies from and to the given jar as QNAM uses its manager's. The response is read by an
// HttpResponseReader from one reused buffer, and its body given out by readChunk() as views
// into that buffer; the socket's read buffer is bounded (FlowControl::ReadBufferLimit), so TCP
// slows a server the application does not keep up with.
class QTSSE_AUTOTEST_EXPORT SocketExchange : public Exchange
{
    Q_OBJECT
public:
    // Whether this transport can carry `request` for `url`; if not, why (user-facing) in
    // `*reason`. It cannot: other schemes than http and https (https only with TLS support),
    // user info in the URL (QNAM answers the authentication challenge), HTTP/2 prior knowledge
    // (Http2DirectAttribute), a proxy it does not use (see proxyRoute(): it uses none, SOCKS5
    // and HTTP proxies, as QNAM picks them, and leaves caching proxies to QNAM). `manager`:
    // the application's manager of the source, if any, whose proxy settings apply.
    static bool canServe(const QUrl &url, const QNetworkRequest &request, QString *reason = nullptr,
                         const QNetworkAccessManager *manager = nullptr);

    // How a request for a URL goes: directly, through a tunnel the socket opens (SOCKS5, HTTP
    // CONNECT), or to an HTTP proxy in absolute form; or not on this transport.
    struct ProxyRoute
    {
        enum Kind { Direct, Tunnel, AbsoluteForm, Refused };
        Kind kind = Direct;
        QNetworkProxy proxy = QNetworkProxy(QNetworkProxy::NoProxy);
        QString refusal; // why, when Refused (user-facing)
    };
    static ProxyRoute proxyRoute(const QUrl &url, const QNetworkAccessManager *manager = nullptr);

    // Starts at once (the signals come later, from the event loop), unless `start` is Later:
    // then start() does, perhaps in another thread (ThreadedExchange moves it there first).
    // `request` gives the raw headers (validated by the caller: no CR or LF in them) and, for
    // https, the TLS configuration and peer verify name; `jar` (may be null) gives the Cookie
    // header and takes the response's Set-Cookie fields (see takeCookieJar()); `manager` (may be
    // null) is the application's manager whose proxy settings apply, as in canServe().
    enum class Start { Now, Later };
    SocketExchange(const QUrl &url, const QNetworkRequest &request, const QByteArray &method,
                   const QByteArray &body, QNetworkCookieJar *jar,
                   const QNetworkAccessManager *manager = nullptr, QObject *parent = nullptr,
                   Start start = Start::Now);
    ~SocketExchange() override;

    // Connects (once; the constructor does unless told Start::Later). The socket is made here,
    // in the thread that reads it.
    void start();
    // What the socket may hold unread (before start(); FlowControl::ReadBufferLimit unless
    // set): less when another buffer holds part of what waits for the application
    // (ThreadedExchange's queue). A TLS socket gets a third, as always.
    void setSocketReadBound(qint64 bytes);

    // The jar that would take the response's cookies (null if none, or the request says not
    // to), which the exchange then no longer touches: for an exchange read in another thread
    // than its jar's, whose owner saves them with saveCookies() in the jar's thread.
    QNetworkCookieJar *takeCookieJar();
    // Saves the Set-Cookie fields among `fields`, of a response from `url`, into `jar`.
    static void saveCookies(QNetworkCookieJar *jar,
                            const QList<QPair<QByteArray, QByteArray>> &fields, const QUrl &url);

    // How many exchanges live in the calling thread (ThreadedExchange::create() keeps a thread's
    // own under a bound).
    static int liveInThisThread();

    int statusCode() const override;
    QByteArray reasonPhrase() const override;
    QByteArray header(QByteArrayView name) const override;
    QList<QPair<QByteArray, QByteArray>> headers() const override;
    QByteArrayView readChunk() override;
    bool isFinished() const override { return m_finished; }
    Failure failure() const override { return m_failure; }
    QString errorString() const override { return m_errorString; }
    void abort() override;

    // Whether the connection is read with recv() now, past QTcpSocket's buffer (for tests).
    bool readsDirectly() const;

private:
    QByteArray requestBytes(const QNetworkRequest &request, const QByteArray &method,
                            const QByteArray &body) const;
    void onConnected();
    void onEncrypted();
    bool deferred(void (SocketExchange::*slot)());
    void onReadyRead();
    void onInputEnded();
    void onSocketError();
#if QT_CONFIG(ssl)
    void onSslErrors(const QList<QSslError> &errors);
#endif
    static int &liveCount();
    void makeSocket();
    bool refill();
    bool drained() const;
    void closeDirectReads();
#if QTSSE_DIRECT_SOCKET_READS
    static bool directReadsAllowed();
    void readDirectlyOnceWritten();
    void onDirectReadable();
    bool receive();
#endif
    std::optional<HttpResponseReader::Step> nextStep(QByteArrayView *piece, bool fromCall);
    void readHead();
    void concludeIfComplete(bool fromCall);
    void endOfInput(bool fromCall);
    void conclude(Failure failure, const QString &errorString, bool fromCall);
    void emitFinished();
    void closeSocket();

    QUrl m_url;
    ProxyRoute m_proxy;
    QPointer<QNetworkCookieJar> m_jar;
    bool m_saveCookies = true;
    QByteArray m_request; // head and body, written once connected (encrypted, for https)
#if QT_CONFIG(ssl)
    QSslConfiguration m_sslConfiguration; // for https: the socket's, made by start()
    QString m_peerVerifyName;
#endif
    qint64 m_socketReadBound = FlowControl::ReadBufferLimit;
    QAbstractSocket *m_socket = nullptr;
    HttpResponseReader m_reader;
    // The one read buffer: bytes [m_position, m_end) are not yet given to the reader.
    QByteArray m_buffer;
    qsizetype m_position = 0;
    qsizetype m_end = 0;
    bool m_tls = false;
    bool m_tcpConnected = false;
    bool m_encrypted = false;
    bool m_headReceived = false;
    bool m_inputEnded = false; // the socket closed or failed; its buffered bytes may remain
    QString m_socketError; // why it failed, when it did not just close
    bool m_concluded = false; // the outcome is decided (finished() may still be queued)
    bool m_finished = false;
    bool m_aborted = false;
    bool m_closeLater = false; // the socket is aborted from the event loop (see closeSocket())
    int m_inCall = 0; // inside the constructor, start(), readChunk() or abort()
    bool m_started = false;
    QThread *m_countedIn = nullptr; // the thread whose liveInThisThread() counts it
#if QTSSE_DIRECT_SOCKET_READS
    // Reading with recv() (see readDirectlyOnceWritten()): the duplicated descriptor, its read
    // notifier, whether a recv() may find bytes, and how much the next one asks for.
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    bool m_readable = false;
    qsizetype m_receiveSize = FlowControl::MinimumBufferSize;
#endif
    Failure m_failure = Failure::None;
    QString m_errorString;
};

} // namespace QtSse

#endif // QTSSE_SOCKETEXCHANGE_P_H
