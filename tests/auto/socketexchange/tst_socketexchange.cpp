// SPDX-License-Identifier: MIT
// SocketExchange, QtSse's own HTTP/1.1 exchange, against in-process servers on loopback that
// script every byte: the request as it goes on the wire; every body framing, split at random
// points; 1xx skipped; cookies from and to a jar; hostile servers (floods, malformed and
// overflowing framing) failing with Protocol, connections cut short failing with Network; TLS
// trusted, untrusted, for another host, unverified, and spoken to a plain HTTP server; the
// flow-control bound with a server faster than the client; abort() silencing it. Throughout:
// no signal from inside readChunk() or abort(), headReceived() once and first, finished() once
// and last.
#include "firehoseserver.h"
#include "serverfaults.h"
#include "testcertificates.h"
#include "tlstestserver.h"

#include "flowcontrol_p.h"
#include "socketexchange_p.h"
#include "threadedexchange_p.h"

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qendian.h>
#include <QtCore/qpointer.h>
#include <QtCore/qrandom.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qnetworkcookie.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtNetwork/qsslsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>
#include <QtTest/qtest.h>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace QtSseTest;
using QtSse::Exchange;
using QtSse::SocketExchange;
using QtSse::ThreadedExchange;
using Failure = QtSse::Exchange::Failure;

Q_DECLARE_METATYPE(QtSse::Exchange::Failure)

namespace {

constexpr int FinishTimeoutMs = 30000;

// A server that keeps the raw bytes of the first request on each connection (its head and a
// Content-Length body) and then runs `script` with the socket.
class RawServer : public QTcpServer
{
public:
    using Script = std::function<void(QTcpSocket *socket)>;
    explicit RawServer(Script script, const QHostAddress &address = QHostAddress::LocalHost)
        : m_script(std::move(script))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                ++connections;
                lastSocket = socket;
                socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    ++disconnections;
                    socket->deleteLater();
                });
                // Each connection's own state (a new socket may reuse a deleted one's address).
                auto state = std::make_shared<Connection>();
                connect(socket, &QTcpSocket::readyRead, this,
                        [this, socket, state] { read(socket, *state); });
            }
        });
        listen(address);
    }
    QUrl url(const QString &pathAndQuery = u"/"_s) const
    {
        const QString host = serverAddress().protocol() == QAbstractSocket::IPv6Protocol
                ? u"[::1]"_s
                : u"127.0.0.1"_s;
        return QUrl(u"http://%1:%2%3"_s.arg(host).arg(serverPort()).arg(pathAndQuery));
    }

    QByteArray request; // the last request, head and body, as received
    QByteArray firstRead; // the first bytes read from the last connection
    int connections = 0;
    int disconnections = 0;
    QPointer<QTcpSocket> lastSocket;

private:
    struct Connection
    {
        QByteArray buffer;
        bool answered = false;
    };

    void read(QTcpSocket *socket, Connection &connection)
    {
        const QByteArray bytes = socket->readAll();
        if (connection.buffer.isEmpty())
            firstRead = bytes;
        connection.buffer += bytes;
        if (connection.answered)
            return;
        const QByteArray &buffer = connection.buffer;
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        qsizetype length = 0;
        const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
        for (const QByteArray &line : lines) {
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        }
        if (buffer.size() < headEnd + 4 + length)
            return;
        request = buffer.left(headEnd + 4 + length);
        connection.answered = true;
        m_script(socket);
    }

    Script m_script;
};

// Writes `bytes` cut at `cuts` (ascending offsets), one piece every millisecond, then closes
// the connection when asked: `Keep`, a FIN or an RST.
enum class Then { Keep, Close, Reset };
void writeInPieces(QTcpSocket *socket, const QByteArray &bytes, const QList<qsizetype> &cuts,
                   Then then)
{
    auto pieces = std::make_shared<QList<QByteArray>>();
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        if (cut > from && cut < bytes.size()) {
            pieces->append(bytes.mid(from, cut - from));
            from = cut;
        }
    }
    pieces->append(bytes.mid(from));
    auto *timer = new QTimer(socket);
    timer->setInterval(1);
    QObject::connect(timer, &QTimer::timeout, socket, [socket, timer, pieces, then] {
        if (pieces->isEmpty()) {
            timer->stop();
            if (then != Then::Keep)
                closeAfterFlush(socket, then == Then::Reset);
            return;
        }
        socket->write(pieces->takeFirst());
        socket->flush();
    });
    timer->start();
}

QList<qsizetype> randomCuts(QRandomGenerator &random, qsizetype size, int count)
{
    QList<qsizetype> cuts;
    for (int i = 0; i < count; ++i)
        cuts.append(qsizetype(random.bounded(quint64(size))));
    std::sort(cuts.begin(), cuts.end());
    return cuts;
}

QByteArray randomBytes(QRandomGenerator &random, qsizetype size)
{
    // Bytes of every kind, CR and LF often, so that no framing can be found in the body.
    QByteArray out(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i) {
        const quint32 r = random.bounded(8u);
        out[i] = r == 0 ? '\r' : r == 1 ? '\n' : char(random.bounded(256u));
    }
    return out;
}

QByteArray chunked(QRandomGenerator &random, const QByteArray &body, bool extensions)
{
    QByteArray out;
    qsizetype at = 0;
    while (at < body.size()) {
        const qsizetype size =
                std::min<qsizetype>(body.size() - at, 1 + qsizetype(random.bounded(20000u)));
        out += QByteArray::number(size, 16);
        if (extensions)
            out += ";name=\"va;lue\" ; flag";
        out += "\r\n" + body.mid(at, size) + "\r\n";
        at += size;
    }
    out += extensions ? "0;last\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n" : "0\r\n\r\n";
    return out;
}

// One exchange and what it signalled. readyRead() drains it (unless `reading` is off), as the
// state machine does; every signal notes whether it came from inside a call to the exchange.
class Client : public QObject
{
public:
    explicit Client(const QUrl &url, const QNetworkRequest &request = QNetworkRequest(),
                    const QByteArray &method = "GET", const QByteArray &requestBody = QByteArray(),
                    QNetworkCookieJar *jar = nullptr)
    {
        QNetworkRequest r = request;
        r.setUrl(url);
        // QTSSE_READING_THREADS=always (a run of its own, CMakeLists.txt): every exchange read
        // in a reading thread, handed over by a ThreadedExchange.
        if (qgetenv("QTSSE_READING_THREADS") == "always") {
            exchange.reset(
                    ThreadedExchange::create(url, r, method, requestBody, jar, nullptr, nullptr));
            if (!qobject_cast<ThreadedExchange *>(exchange.get()))
                qFatal("QTSSE_READING_THREADS=always made no ThreadedExchange");
        } else {
            exchange = std::make_unique<SocketExchange>(url, r, method, requestBody, jar);
        }
        connect(exchange.get(), &Exchange::headReceived, this, [this] {
            note("head");
            if (onHead)
                onHead();
        });
        connect(exchange.get(), &Exchange::readyRead, this, [this] {
            note("ready");
            if (reading)
                drain();
        });
        connect(exchange.get(), &Exchange::finished, this, [this] {
            note("finished");
            if (onFinished)
                onFinished();
        });
    }

    void drain()
    {
        for (;;) {
            inside = true;
            const QByteArrayView piece = exchange->readChunk();
            inside = false;
            if (piece.isEmpty())
                return;
            body += piece;
            ++pieces;
            if (onPiece && !onPiece(piece))
                return;
        }
    }
    void abort()
    {
        inside = true;
        exchange->abort();
        inside = false;
        aborted = true;
    }
    bool finished() const { return log.contains(u"finished"_s); }
    // What is wrong with the order of the signals, if anything.
    QString orderProblem() const
    {
        if (signalsInside > 0)
            return u"%1 signal(s) from inside readChunk() or abort()"_s.arg(signalsInside);
        if (signalsAfterAbort > 0)
            return u"%1 signal(s) after abort()"_s.arg(signalsAfterAbort);
        if (log.count(u"head"_s) > 1 || (log.contains(u"head"_s) && log.first() != u"head"))
            return u"headReceived() not once and first: "_s + log.join(u' ');
        if (log.count(u"finished"_s) > 1 || (finished() && log.last() != u"finished"))
            return u"finished() not once and last: "_s + log.join(u' ');
        if (log.contains(u"ready"_s) && !log.contains(u"head"_s))
            return u"readyRead() without headReceived()"_s;
        if (finished() != exchange->isFinished())
            return u"isFinished() disagrees with finished()"_s;
        return QString();
    }

    // The exchange read in this thread; null when a reading thread reads it.
    SocketExchange *inThread() const { return qobject_cast<SocketExchange *>(exchange.get()); }

    std::unique_ptr<Exchange> exchange;
    QStringList log;
    QByteArray body;
    int pieces = 0;
    bool reading = true;
    bool inside = false;
    bool aborted = false;
    int signalsInside = 0;
    int signalsAfterAbort = 0;
    std::function<void()> onHead;
    std::function<void()> onFinished;
    std::function<bool(QByteArrayView)> onPiece; // false: stop draining

private:
    void note(const char *what)
    {
        if (inside)
            ++signalsInside;
        if (aborted)
            ++signalsAfterAbort;
        log.append(QString::fromLatin1(what));
    }
};

#define CHECK_ORDER(client) \
  QVERIFY2((client).orderProblem().isEmpty(), qPrintable((client).orderProblem()))

#define WAIT_FINISHED(client)                                       \
  do {                                                              \
    QTRY_VERIFY_WITH_TIMEOUT((client).finished(), FinishTimeoutMs); \
    CHECK_ORDER(client);                                            \
  } while (false)

// A proxy factory answering URL queries with `proxies` and every other query (the test's
// servers and the proxies' own upstream sockets) with no proxy.
class FixedProxyFactory : public QNetworkProxyFactory
{
public:
    explicit FixedProxyFactory(const QList<QNetworkProxy> &proxies) : m_proxies(proxies) { }
    explicit FixedProxyFactory(const QNetworkProxy &proxy) : m_proxies{ proxy } { }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery &query) override
    {
        if (query.queryType() != QNetworkProxyQuery::UrlRequest)
            return { QNetworkProxy(QNetworkProxy::NoProxy) };
        return m_proxies;
    }

private:
    QList<QNetworkProxy> m_proxies;
};

// Installs a FixedProxyFactory for the scope.
struct ScopedProxyFactory
{
    explicit ScopedProxyFactory(const QList<QNetworkProxy> &proxies)
    {
        QNetworkProxyFactory::setApplicationProxyFactory(new FixedProxyFactory(proxies));
    }
    ~ScopedProxyFactory() { QNetworkProxyFactory::setApplicationProxyFactory(nullptr); }
    Q_DISABLE_COPY_MOVE(ScopedProxyFactory)
};

// An in-process proxy on loopback, forwarding to loopback only. Http: a CONNECT request opens
// a tunnel (answered `connectStatus`), any other request is forwarded as received to the host
// of its absolute-form target; with `credentials` set ("user:password"), a request without
// them in a Basic Proxy-Authorization is answered 407 (on the same connection, which stays
// open). Socks5: RFC 1928 CONNECT with the no-authentication method, or, with `credentials`
// set, only the username/password one (RFC 1929); a request is answered `socksReply`.
class TestProxy : public QTcpServer
{
public:
    enum class Kind { Http, Socks5 };
    explicit TestProxy(Kind kind) : m_kind(kind)
    {
        setProxy(QNetworkProxy::NoProxy);
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                ++connections;
                auto state = std::make_shared<Connection>();
                connect(socket, &QTcpSocket::readyRead, this,
                        [this, socket, state] { read(socket, *state); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        listen(QHostAddress::LocalHost);
    }
    QNetworkProxy proxy(const QString &user = QString(), const QString &password = QString()) const
    {
        QNetworkProxy proxy(m_kind == Kind::Http ? QNetworkProxy::HttpProxy
                                                 : QNetworkProxy::Socks5Proxy,
                            u"127.0.0.1"_s, serverPort(), user, password);
        return proxy;
    }

    QByteArray credentials; // required when not empty: "user:password"
    int connectStatus = 200;
    quint8 socksReply = 0x00;

    int connections = 0;
    QList<QByteArray> requestLines; // Http: each request line received
    QList<QByteArray> proxyAuthorizations; // Http: each request's Proxy-Authorization (or "")
    QList<QByteArray> socksMethods; // Socks5: each greeting's methods
    QList<QByteArray> socksCredentials; // Socks5: each RFC 1929 "user:password" received
    QStringList targets; // each tunnel or forwarding target asked for: "host:port"

private:
    enum class Stage { Greeting, Password, Request, Head, Upstream, Spliced, Done };
    struct Connection
    {
        Stage stage = Stage::Greeting;
        QByteArray buffer;
        QPointer<QTcpSocket> upstream;
    };

    void read(QTcpSocket *socket, Connection &c)
    {
        c.buffer += socket->readAll();
        if (c.stage == Stage::Greeting && m_kind == Kind::Http)
            c.stage = Stage::Head;
        for (;;) {
            const Stage before = c.stage;
            const qsizetype size = c.buffer.size();
            switch (c.stage) {
            case Stage::Greeting:
                greeting(socket, c);
                break;
            case Stage::Password:
                password(socket, c);
                break;
            case Stage::Request:
                socksRequest(socket, c);
                break;
            case Stage::Head:
                httpHead(socket, c);
                break;
            case Stage::Spliced:
                if (c.upstream && !c.buffer.isEmpty())
                    c.upstream->write(c.buffer);
                c.buffer.clear();
                return;
            case Stage::Upstream: // the buffer goes upstream once connected
            case Stage::Done:
                return;
            }
            if (c.stage == before && c.buffer.size() == size)
                return; // needs more bytes
        }
    }

    void greeting(QTcpSocket *socket, Connection &c)
    {
        if (c.buffer.size() < 2 || c.buffer.size() < 2 + quint8(c.buffer.at(1)))
            return;
        const QByteArray methods = c.buffer.mid(2, quint8(c.buffer.at(1)));
        c.buffer.remove(0, 2 + methods.size());
        socksMethods.append(methods);
        const char wanted = credentials.isEmpty() ? '\x00' : '\x02';
        if (!methods.contains(wanted)) {
            socket->write("\x05\xff", 2);
            finish(socket, c);
            return;
        }
        socket->write(QByteArray("\x05", 1) + wanted);
        c.stage = credentials.isEmpty() ? Stage::Request : Stage::Password;
    }

    void password(QTcpSocket *socket, Connection &c)
    {
        // VER ULEN UNAME PLEN PASSWD
        if (c.buffer.size() < 2)
            return;
        const int userLength = quint8(c.buffer.at(1));
        if (c.buffer.size() < 3 + userLength)
            return;
        const int passwordLength = quint8(c.buffer.at(2 + userLength));
        if (c.buffer.size() < 3 + userLength + passwordLength)
            return;
        const QByteArray given =
                c.buffer.mid(2, userLength) + ':' + c.buffer.mid(3 + userLength, passwordLength);
        c.buffer.remove(0, 3 + userLength + passwordLength);
        socksCredentials.append(given);
        if (given != credentials) {
            socket->write("\x01\x01", 2);
            finish(socket, c);
            return;
        }
        socket->write("\x01\x00", 2);
        c.stage = Stage::Request;
    }

    void socksRequest(QTcpSocket *socket, Connection &c)
    {
        // VER CMD RSV ATYP DST.ADDR DST.PORT
        if (c.buffer.size() < 5)
            return;
        const char type = c.buffer.at(3);
        qsizetype addressLength = type == '\x01' ? 4
                : type == '\x04'                 ? 16
                                                 : 1 + quint8(c.buffer.at(4));
        if (c.buffer.size() < 4 + addressLength + 2)
            return;
        const QByteArray address = c.buffer.mid(4, addressLength);
        const quint16 port = quint16((quint8(c.buffer.at(4 + addressLength)) << 8)
                                     | quint8(c.buffer.at(5 + addressLength)));
        c.buffer.remove(0, 4 + addressLength + 2);
        QString host;
        if (type == '\x01')
            host = QHostAddress(qFromBigEndian<quint32>(address.constData())).toString();
        else if (type == '\x04')
            host = QHostAddress(reinterpret_cast<const quint8 *>(address.constData())).toString();
        else
            host = QString::fromLatin1(address.mid(1));
        targets.append(u"%1:%2"_s.arg(host).arg(port));
        const QByteArray failed("\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00", 10);
        if (socksReply != 0x00) {
            QByteArray reply = failed;
            reply[1] = char(socksReply);
            socket->write(reply);
            finish(socket, c);
            return;
        }
        openUpstream(socket, c, host, port, [socket](bool ok) {
            socket->write(ok ? QByteArray("\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00", 10)
                             : QByteArray("\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00", 10));
        });
    }

    void httpHead(QTcpSocket *socket, Connection &c)
    {
        const qsizetype end = c.buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QByteArray head = c.buffer.left(end + 4);
        const QList<QByteArray> lines = head.left(end).split('\n');
        const QByteArray requestLine = lines.constFirst().trimmed();
        requestLines.append(requestLine);
        QByteArray authorization;
        for (const QByteArray &line : lines) {
            if (line.toLower().startsWith("proxy-authorization:"))
                authorization = line.mid(20).trimmed();
        }
        proxyAuthorizations.append(authorization);
        if (!credentials.isEmpty() && authorization != "Basic " + credentials.toBase64()) {
            c.buffer.remove(0, head.size());
            socket->write("HTTP/1.1 407 Proxy Authentication Required\r\n"
                          "Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n");
            return; // the connection stays open for the next try
        }
        const QList<QByteArray> parts = requestLine.split(' ');
        if (parts.size() != 3) {
            socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            finish(socket, c);
            return;
        }
        if (parts.at(0) == "CONNECT") {
            c.buffer.remove(0, head.size());
            const QUrl authority(u"//"_s + QString::fromLatin1(parts.at(1)));
            targets.append(u"%1:%2"_s.arg(authority.host()).arg(authority.port()));
            if (connectStatus != 200) {
                socket->write("HTTP/1.1 " + QByteArray::number(connectStatus)
                              + " Refused\r\nContent-Length: 0\r\n\r\n");
                finish(socket, c);
                return;
            }
            openUpstream(socket, c, authority.host(), quint16(authority.port()), [socket](bool ok) {
                socket->write(ok ? "HTTP/1.1 200 Connection established\r\n\r\n"
                                 : "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            });
            return;
        }
        // Absolute form: the request goes upstream as it came, head included.
        const QUrl target(QString::fromLatin1(parts.at(1)));
        targets.append(u"%1:%2"_s.arg(target.host()).arg(target.port(80)));
        openUpstream(socket, c, target.host(), quint16(target.port(80)), [socket](bool ok) {
            if (!ok)
                socket->write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        });
    }

    // Connects to a loopback `host`, answers with `reply(connected)`, then splices.
    void openUpstream(QTcpSocket *socket, Connection &c, const QString &host, quint16 port,
                      std::function<void(bool)> reply)
    {
        c.stage = Stage::Upstream;
        QHostAddress address(host);
        if (host.endsWith(u".test"_s)) // the tests' names (Qt asks no proxy for loopback)
            address = QHostAddress::LocalHost;
        if (!address.isLoopback()) { // loopback only, always
            reply(false);
            finish(socket, c);
            return;
        }
        auto *upstream = new QTcpSocket(socket);
        upstream->setProxy(QNetworkProxy::NoProxy);
        c.upstream = upstream;
        Connection *state = &c;
        connect(upstream, &QTcpSocket::connected, socket, [socket, upstream, state, reply] {
            reply(true);
            state->stage = Stage::Spliced;
            if (!state->buffer.isEmpty())
                upstream->write(state->buffer);
            state->buffer.clear();
        });
        connect(upstream, &QTcpSocket::readyRead, socket,
                [socket, upstream] { socket->write(upstream->readAll()); });
        connect(upstream, &QTcpSocket::errorOccurred, socket, [this, socket, state, reply] {
            if (state->stage == Stage::Upstream)
                reply(false);
            finish(socket, *state);
        });
        upstream->connectToHost(address, port);
    }

    void finish(QTcpSocket *socket, Connection &c)
    {
        c.stage = Stage::Done;
        c.buffer.clear();
        socket->disconnectFromHost(); // after what was written
    }

    Kind m_kind;
};
} // namespace

class tst_SocketExchange : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void canServe_data();
    void canServe();
    void canServeProxies_data();
    void canServeProxies();
    void canServeApplicationProxy();

    void requestOnTheWire_data();
    void requestOnTheWire();
    void hostHeader_data();
    void hostHeader();
    void cookiesFromJar();
    void setCookieStored();

    void bodies_data();
    void bodies();
    void interimResponsesSkipped();
    void noBodyEndsWithoutClose_data();
    void noBodyEndsWithoutClose();
    void beforeTheHead();

    void hostile_data();
    void hostile();
    void cutShort_data();
    void cutShort();
    void connectionRefused();

    void tls_data();
    void tls();
    void plainHttpOnHttpsUrl();

    void flowControlBoundsWhatIsHeld();
    void responseBeforeTheRequestIsWritten();
    void flowControlOverTls();

    void abortSilences_data();
    void abortSilences();
    void nestedLoopInHeadReceived();

    void throughProxy_data();
    void throughProxy();
    void proxyRefusals_data();
    void proxyRefusals();
    void proxyUnusableOnceStarted();
};

void tst_SocketExchange::canServe_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<bool>("http2Direct");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    QTest::newRow("http") << QUrl(u"http://127.0.0.1:8080/events"_s) << false << true << QString();
    QTest::newRow("http, upper case scheme")
            << QUrl(u"HTTP://example.com/"_s) << false << true << QString();
    QTest::newRow("ftp") << QUrl(u"ftp://127.0.0.1/"_s) << false << false << u"http and https"_s;
    QTest::newRow("file") << QUrl(u"file:///tmp/x"_s) << false << false << u"http and https"_s;
    QTest::newRow("user info") << QUrl(u"http://user:secret@127.0.0.1/"_s) << false << false
                               << u"authentication"_s;
    QTest::newRow("user name only")
            << QUrl(u"http://user@127.0.0.1/"_s) << false << false << u"authentication"_s;
    QTest::newRow("HTTP/2 direct") << QUrl(u"http://127.0.0.1/"_s) << true << false << u"HTTP/2"_s;
    if (QSslSocket::supportsSsl())
        QTest::newRow("https") << QUrl(u"https://127.0.0.1/"_s) << false << true << QString();
}

void tst_SocketExchange::canServe()
{
    QFETCH(QUrl, url);
    QFETCH(bool, http2Direct);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);

    QNetworkRequest request(url);
    if (http2Direct)
        request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    QString reason = u"stale"_s;
    QCOMPARE(SocketExchange::canServe(url, request, &reason), expected);
    if (expected)
        QVERIFY2(reason.isEmpty(), qPrintable(reason));
    else
        QVERIFY2(reason.contains(reasonContains), qPrintable(reason));
    QCOMPARE(SocketExchange::canServe(url, request), expected); // no reason asked
}

// The proxy QNAM would take for the URL decides (SocketExchange::proxyRoute()): the first
// usable entry of the factory's answer. (Qt asks no proxy for loopback addresses and
// localhost: the tests' URLs name hosts under .test, RFC 6761, which only the test proxies
// resolve, to loopback.)
void tst_SocketExchange::canServeProxies_data()
{
    QTest::addColumn<QList<QNetworkProxy>>("proxies");
    QTest::addColumn<bool>("http");
    QTest::addColumn<bool>("https");
    QTest::addColumn<QString>("reasonContains"); // for a refusal

    const QNetworkProxy socks(QNetworkProxy::Socks5Proxy, u"127.0.0.1"_s, 1080);
    const QNetworkProxy http(QNetworkProxy::HttpProxy, u"127.0.0.1"_s, 3128);
    QNetworkProxy tunnelOnly = http;
    tunnelOnly.setCapabilities(QNetworkProxy::TunnelingCapability);
    const QNetworkProxy caching(QNetworkProxy::HttpCachingProxy, u"127.0.0.1"_s, 3128);
    const QNetworkProxy ftp(QNetworkProxy::FtpCachingProxy, u"127.0.0.1"_s, 2121);
    const QNetworkProxy none(QNetworkProxy::NoProxy);

    QTest::newRow("no proxy") << QList<QNetworkProxy>{ none } << true << true << QString();
    QTest::newRow("SOCKS5") << QList<QNetworkProxy>{ socks } << true << true << QString();
    QTest::newRow("HTTP") << QList<QNetworkProxy>{ http } << true << true << QString();
    QTest::newRow("HTTP, tunnelling only")
            << QList<QNetworkProxy>{ tunnelOnly } << true << true << QString();
    QTest::newRow("HTTP caching") << QList<QNetworkProxy>{ caching } << false << false
                                  << u"caching proxy|no proxy for the URL"_s;
    QTest::newRow("FTP caching") << QList<QNetworkProxy>{ ftp } << false << false
                                 << u"no proxy for the URL"_s;
    QTest::newRow("FTP caching, then SOCKS5")
            << QList<QNetworkProxy>{ ftp, socks } << true << true << QString();
    // QNAM takes the caching proxy for http and skips it for https.
    QTest::newRow("HTTP caching, then SOCKS5")
            << QList<QNetworkProxy>{ caching, socks } << false << true << u"caching proxy"_s;
    QTest::newRow("default proxy")
            << QList<QNetworkProxy>{ QNetworkProxy() } << false << false << u"default proxy"_s;
}

void tst_SocketExchange::canServeProxies()
{
    QFETCH(QList<QNetworkProxy>, proxies);
    QFETCH(bool, http);
    QFETCH(bool, https);
    QFETCH(QString, reasonContains);

    const ScopedProxyFactory factory(proxies);
    const QStringList reasons = reasonContains.split(u'|');
    for (const QString &scheme : { u"http"_s, u"https"_s }) {
        if (scheme == u"https" && !QSslSocket::supportsSsl())
            continue;
        const QUrl url(u"%1://sse.test:8080/events"_s.arg(scheme));
        const bool expected = scheme == u"http" ? http : https;
        QString reason = u"stale"_s;
        QCOMPARE(SocketExchange::canServe(url, QNetworkRequest(url), &reason), expected);
        if (expected) {
            QVERIFY2(reason.isEmpty(), qPrintable(reason));
        } else {
            const QString wanted = reasons.value(scheme == u"http" ? 0 : reasons.size() - 1);
            QVERIFY2(reason.contains(wanted), qPrintable(scheme + u": "_s + reason));
        }
    }
}

// The application proxy answers through the same query as a factory.
void tst_SocketExchange::canServeApplicationProxy()
{
    const QUrl url(u"http://sse.test:8080/events"_s);
    const QNetworkRequest request(url);
    const auto restore = qScopeGuard([] {
        QNetworkProxyFactory::setApplicationProxyFactory(nullptr);
        QNetworkProxy::setApplicationProxy(QNetworkProxy(QNetworkProxy::DefaultProxy));
    });
    QString reason;
    QNetworkProxy::setApplicationProxy(
            QNetworkProxy(QNetworkProxy::Socks5Proxy, u"127.0.0.1"_s, 1080));
    QVERIFY2(SocketExchange::canServe(url, request, &reason), qPrintable(reason));
    QCOMPARE(SocketExchange::proxyRoute(url).kind, SocketExchange::ProxyRoute::Tunnel);
    QNetworkProxy::setApplicationProxy(
            QNetworkProxy(QNetworkProxy::HttpProxy, u"127.0.0.1"_s, 3128));
    QVERIFY2(SocketExchange::canServe(url, request, &reason), qPrintable(reason));
    QCOMPARE(SocketExchange::proxyRoute(url).kind, SocketExchange::ProxyRoute::AbsoluteForm);
    QNetworkProxy::setApplicationProxy(
            QNetworkProxy(QNetworkProxy::HttpCachingProxy, u"127.0.0.1"_s, 3128));
    QVERIFY(!SocketExchange::canServe(url, request, &reason));
    QVERIFY2(reason.contains(u"caching proxy"_s), qPrintable(reason));
    QNetworkProxy::setApplicationProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    QVERIFY2(SocketExchange::canServe(url, request, &reason), qPrintable(reason));
    QCOMPARE(SocketExchange::proxyRoute(url).kind, SocketExchange::ProxyRoute::Direct);
}

// The request's bytes, exactly: nothing QNAM alone adds (Connection, Accept-Language, a default
// User-Agent), the request's own headers, Content-Length for a body (and for a POST without
// one), the whole request in the first segment the server reads.
void tst_SocketExchange::requestOnTheWire_data()
{
    QTest::addColumn<QString>("pathAndQuery");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QPair<QByteArray, QByteArray>>>("rawHeaders");
    QTest::addColumn<QString>("contentType"); // set with setHeader(), if not empty
    QTest::addColumn<QString>("userAgent"); // set with setHeader(), if not empty
    QTest::addColumn<QByteArray>("expected"); // with %HOST% for Host's value

    using Headers = QList<QPair<QByteArray, QByteArray>>;
    QTest::newRow("GET with a query")
            << u"/events/feed?topic=a%20b&x=1"_s << QByteArray("GET") << QByteArray()
            << Headers{ { "Accept", "text/event-stream" }, { "Last-Event-ID", "41" } } << QString()
            << QString()
            << QByteArray("GET /events/feed?topic=a%20b&x=1 HTTP/1.1\r\nHost: %HOST%\r\n"
                          "Accept: text/event-stream\r\nLast-Event-ID: 41\r\n\r\n");
    QTest::newRow("GET, empty path, fragment")
            << u"#fragment"_s << QByteArray("GET") << QByteArray() << Headers{} << QString()
            << QString() << QByteArray("GET / HTTP/1.1\r\nHost: %HOST%\r\n\r\n");
    QTest::newRow("POST with a body")
            << u"/mcp"_s << QByteArray("POST") << QByteArray("{\"jsonrpc\":\"2.0\"}")
            << Headers{ { "Accept", "application/json, text/event-stream" } }
            << u"application/json"_s << QString()
            << QByteArray("POST /mcp HTTP/1.1\r\nHost: %HOST%\r\n"
                          "Accept: application/json, text/event-stream\r\n"
                          "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n"
                          "{\"jsonrpc\":\"2.0\"}");
    QTest::newRow("POST without a body")
            << u"/"_s << QByteArray("POST") << QByteArray() << Headers{} << QString() << QString()
            << QByteArray("POST / HTTP/1.1\r\nHost: %HOST%\r\nContent-Length: 0\r\n\r\n");
    QTest::newRow("GET with a body")
            << u"/q"_s << QByteArray("GET") << QByteArray("abc") << Headers{} << QString()
            << QString()
            << QByteArray("GET /q HTTP/1.1\r\nHost: %HOST%\r\nContent-Length: 3\r\n\r\nabc");
    QTest::newRow("User-Agent when set")
            << u"/"_s << QByteArray("GET") << QByteArray() << Headers{} << QString()
            << u"agent/1.0"_s
            << QByteArray("GET / HTTP/1.1\r\nHost: %HOST%\r\nUser-Agent: agent/1.0\r\n\r\n");
    QTest::newRow("the request's own framing headers dropped")
            << u"/"_s << QByteArray("PUT") << QByteArray("xy")
            << Headers{ { "Content-Length", "99" }, { "Transfer-Encoding", "chunked" } }
            << QString() << QString()
            << QByteArray("PUT / HTTP/1.1\r\nHost: %HOST%\r\nContent-Length: 2\r\n\r\nxy");
    QTest::newRow("the request's own Host")
            << u"/"_s << QByteArray("GET") << QByteArray()
            << Headers{ { "Host", "virtual.example" } } << QString() << QString()
            << QByteArray("GET / HTTP/1.1\r\nHost: virtual.example\r\n\r\n");
}

void tst_SocketExchange::requestOnTheWire()
{
    QFETCH(QString, pathAndQuery);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, body);
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    QFETCH(Headers, rawHeaders);
    QFETCH(QString, contentType);
    QFETCH(QString, userAgent);
    QFETCH(QByteArray, expected);

    RawServer server([](QTcpSocket *socket) { socket->write("HTTP/1.1 204 No Content\r\n\r\n"); });
    QVERIFY(server.isListening());
    QNetworkRequest request;
    for (const auto &header : rawHeaders)
        request.setRawHeader(header.first, header.second);
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (!userAgent.isEmpty())
        request.setHeader(QNetworkRequest::UserAgentHeader, userAgent);
    Client client(server.url(pathAndQuery), request, method, body);
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::None);
    QCOMPARE(client.exchange->statusCode(), 204);

    expected.replace("%HOST%", QByteArray("127.0.0.1:" + QByteArray::number(server.serverPort())));
    // Header names as Qt keeps them: Qt 6.7 and later keep them in lower case.
    QCOMPARE(server.request.toLower(), expected.toLower());
    QCOMPARE(server.request.left(server.request.indexOf(' ')), method); // the method as given
    // The first bytes the server read: the whole request, written at once.
    QCOMPARE(server.firstRead, server.request);
}

void tst_SocketExchange::hostHeader_data()
{
    QTest::addColumn<bool>("ipv6");
    QTest::addColumn<bool>("byName");
    QTest::newRow("IPv4 address") << false << false;
    QTest::newRow("IPv6 address") << true << false;
    QTest::newRow("localhost, through Qt's resolver") << false << true;
}

void tst_SocketExchange::hostHeader()
{
    QFETCH(bool, ipv6);
    QFETCH(bool, byName);

    RawServer server([](QTcpSocket *socket) { socket->write("HTTP/1.1 204 No Content\r\n\r\n"); },
                     ipv6 ? QHostAddress::LocalHostIPv6 : QHostAddress::LocalHost);
    if (ipv6 && !server.isListening())
        QSKIP("no IPv6 loopback here");
    QVERIFY(server.isListening());
    QUrl url = server.url(u"/x"_s);
    if (byName)
        url.setHost(u"localhost"_s);
    Client client(url);
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::None);
    const QByteArray port = QByteArray::number(server.serverPort());
    const QByteArray host = QByteArray(byName         ? "localhost:"
                                               : ipv6 ? "[::1]:"
                                                      : "127.0.0.1:")
            + port;
    QVERIFY2(server.request.contains(QByteArray("\r\nHost: " + host + "\r\n")),
             server.request.constData());
}

void tst_SocketExchange::cookiesFromJar()
{
    RawServer server([](QTcpSocket *socket) { socket->write("HTTP/1.1 204 No Content\r\n\r\n"); });
    QVERIFY(server.isListening());
    const QUrl url = server.url(u"/stream"_s);
    QNetworkCookieJar jar;
    QNetworkCookie a("session", "s1");
    QNetworkCookie b("theme", "dark");
    QNetworkCookie elsewhere("other", "no");
    elsewhere.setPath(u"/elsewhere"_s);
    QVERIFY(jar.setCookiesFromUrl({ a, b, elsewhere }, url));

    {
        Client client(url, QNetworkRequest(), "GET", QByteArray(), &jar);
        WAIT_FINISHED(client);
        QCOMPARE(client.exchange->failure(), Failure::None);
        const qsizetype at = server.request.indexOf("\r\nCookie: ");
        QVERIFY2(at >= 0, server.request.constData());
        const QByteArray line =
                server.request.mid(at + 10, server.request.indexOf("\r\n", at + 2) - at - 10);
        QList<QByteArray> sent = line.split(';');
        for (QByteArray &cookie : sent)
            cookie = cookie.trimmed();
        std::sort(sent.begin(), sent.end());
        QCOMPARE(sent, (QList<QByteArray>{ "session=s1", "theme=dark" }));
    }
    { // the request's own Cookie header wins, as with QNAM
        QNetworkRequest request;
        request.setRawHeader("Cookie", "mine=1");
        Client client(url, request, "GET", QByteArray(), &jar);
        WAIT_FINISHED(client);
        // Header names as Qt keeps them: Qt 6.7 and later keep the request's in lower case.
        const QByteArray sent = server.request.toLower();
        QCOMPARE(sent.count("cookie:"), 1);
        QVERIFY2(sent.contains("\r\ncookie: mine=1\r\n"), server.request.constData());
    }
    { // CookieLoadControlAttribute Manual: none from the jar
        QNetworkRequest request;
        request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
        Client client(url, request, "GET", QByteArray(), &jar);
        WAIT_FINISHED(client);
        QVERIFY2(!server.request.toLower().contains("cookie"), server.request.constData());
    }
}

void tst_SocketExchange::setCookieStored()
{
    RawServer server([](QTcpSocket *socket) {
        writeInPieces(socket,
                      "HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/; HttpOnly\r\n"
                      "Content-Type: text/event-stream\r\nset-cookie: lang=en\r\n"
                      "Content-Length: 5\r\n\r\nhello",
                      { 20, 60 }, Then::Keep);
    });
    QVERIFY(server.isListening());
    const QUrl url = server.url(u"/login"_s);
    QNetworkCookieJar jar;
    int cookiesAtHead = -1;
    Client client(url, QNetworkRequest(), "GET", QByteArray(), &jar);
    client.onHead = [&] { cookiesAtHead = int(jar.cookiesForUrl(url).size()); };
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::None);
    QCOMPARE(client.body, QByteArray("hello"));
    QCOMPARE(cookiesAtHead, 2); // stored before headReceived()
    QStringList names;
    for (const QNetworkCookie &cookie : jar.cookiesForUrl(url))
        names.append(QString::fromLatin1(cookie.name() + '=' + cookie.value()));
    names.sort();
    QCOMPARE(names, (QStringList{ u"lang=en"_s, u"session=abc"_s }));
    QCOMPARE(client.exchange->header("SET-COOKIE"),
             QByteArray("session=abc; Path=/; HttpOnly\n"
                        "lang=en"));

    // CookieSaveControlAttribute Manual: nothing stored
    QNetworkCookieJar untouched;
    QNetworkRequest manual;
    manual.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    Client second(url, manual, "GET", QByteArray(), &untouched);
    WAIT_FINISHED(second);
    QCOMPARE(second.exchange->failure(), Failure::None);
    QVERIFY(untouched.cookiesForUrl(url).isEmpty());
}

void tst_SocketExchange::bodies_data()
{
    QTest::addColumn<QString>("framing");
    QTest::addColumn<int>("size");
    QTest::addColumn<quint32>("seed");

    // The row names are built here, not by addRow()'s format: GCC's -O3 format checks take a
    // range-for over string literals for a possibly null %s argument.
    const QStringList framings{ u"content-length"_s, u"chunked"_s, u"chunked+extensions"_s,
                                u"close"_s };
    for (const QString &framing : framings) {
        for (int size : { 0, 1, 1000, 300 * 1024 }) {
            for (quint32 seed = 1; seed <= 3; ++seed) {
                const QByteArray tag =
                        u"%1, %2 bytes, seed %3"_s.arg(framing).arg(size).arg(seed).toUtf8();
                QTest::newRow(tag.constData()) << framing << size << seed;
            }
        }
    }
}

// Every framing, the response cut at random points (each piece its own write, a millisecond
// apart): the body as sent, byte for byte, and a clean end by the framing (the connection is
// left open) or by the close.
void tst_SocketExchange::bodies()
{
    QFETCH(QString, framing);
    QFETCH(int, size);
    QFETCH(quint32, seed);

    QRandomGenerator random(seed);
    const QByteArray body = randomBytes(random, size);
    QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
    Then then = Then::Keep;
    if (framing == u"content-length") {
        response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    } else if (framing.startsWith(u"chunked")) {
        response += "Transfer-Encoding: chunked\r\n\r\n"
                + chunked(random, body, framing.endsWith(u"extensions"));
    } else {
        response += "\r\n" + body;
        then = Then::Close;
    }
    const QList<qsizetype> cuts = randomCuts(random, response.size(), size > 100000 ? 60 : 12);
    RawServer server([&](QTcpSocket *socket) { writeInPieces(socket, response, cuts, then); });
    QVERIFY(server.isListening());

    Client client(server.url(u"/stream"_s));
    WAIT_FINISHED(client);
    QVERIFY2(client.exchange->failure() == Failure::None,
             qPrintable(client.exchange->errorString()));
    QVERIFY(client.exchange->errorString().isEmpty());
    QCOMPARE(client.exchange->statusCode(), 200);
    QCOMPARE(client.exchange->reasonPhrase(), QByteArray("OK"));
    QCOMPARE(client.exchange->header("content-type"), QByteArray("text/event-stream"));
    QCOMPARE(client.body.size(), body.size());
    QVERIFY(client.body == body);
    QCOMPARE(client.exchange->readChunk().size(), 0); // nothing after the end
}

void tst_SocketExchange::interimResponsesSkipped()
{
    RawServer server([](QTcpSocket *socket) {
        writeInPieces(socket,
                      "HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                      "HTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 4\r\n\r\ndone",
                      { 10, 30, 70, 100 }, Then::Keep);
    });
    QVERIFY(server.isListening());
    Client client(server.url());
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::None);
    QCOMPARE(client.log.count(u"head"_s), 1);
    QCOMPARE(client.exchange->statusCode(), 201);
    QCOMPARE(client.exchange->reasonPhrase(), QByteArray("Created"));
    QCOMPARE(client.exchange->header("x-final"), QByteArray("yes"));
    QVERIFY(client.exchange->header("link").isNull());
    const auto headers = client.exchange->headers();
    QCOMPARE(headers.size(), 2);
    QCOMPARE(headers.at(0).first, QByteArray("X-Final")); // as the server spelt it
    QCOMPARE(client.body, QByteArray("done"));
}

void tst_SocketExchange::noBodyEndsWithoutClose_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<int>("status");
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n") << 204;
    QTest::newRow("304") << QByteArray("HTTP/1.1 304 Not Modified\r\n\r\n") << 304;
    QTest::newRow("Content-Length: 0")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << 200;
    QTest::newRow("empty chunked")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 200;
}

// A response without a body ends when its head does: the connection stays open.
void tst_SocketExchange::noBodyEndsWithoutClose()
{
    QFETCH(QByteArray, response);
    QFETCH(int, status);
    // The server never closes: the exchange can only end by the framing.
    RawServer server([&response](QTcpSocket *socket) { socket->write(response); });
    QVERIFY(server.isListening());
    Client client(server.url());
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::None);
    QCOMPARE(client.exchange->statusCode(), status);
    QVERIFY(client.body.isEmpty());
    // The client closes its connection once the exchange ended. (Whether the server sees that
    // before finished() arrives depends on the event dispatcher: Windows' delivers socket
    // messages before posted events, so Wine's run saw the close first.)
    QTRY_COMPARE_WITH_TIMEOUT(server.disconnections, 1, FinishTimeoutMs);
}

void tst_SocketExchange::beforeTheHead()
{
    RawServer server([](QTcpSocket *socket) { socket->write("HTTP/1.1 200 OK\r\nX-A:"); });
    QVERIFY(server.isListening());
    Client client(server.url());
    QCOMPARE(client.exchange->statusCode(), 0);
    QVERIFY(client.exchange->reasonPhrase().isEmpty());
    QVERIFY(client.exchange->headers().isEmpty());
    QVERIFY(client.exchange->header("x-a").isNull());
    QVERIFY(client.exchange->readChunk().isEmpty());
    QVERIFY(!client.exchange->isFinished());
    QCOMPARE(client.exchange->failure(), Failure::None);
    QTRY_VERIFY_WITH_TIMEOUT(server.request.size() > 0, FinishTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(server.lastSocket && server.lastSocket->bytesToWrite() == 0,
                             FinishTimeoutMs);
    QVERIFY(client.log.isEmpty()); // half a head: no signal
    QCOMPARE(client.exchange->statusCode(), 0);
}

void tst_SocketExchange::hostile_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("headFirst"); // the head was good: headReceived() came first

    const QByteArray ok = "HTTP/1.1 200 OK\r\n";
    QByteArray flood = ok;
    for (int i = 0; i < 1000; ++i)
        flood += "X-Flood-" + QByteArray::number(i) + ": x\r\n";
    QTest::newRow("header field flood") << flood + "\r\n" << false;
    QTest::newRow("huge head") << ok + "X-Big: " + QByteArray(100 * 1024, 'a') + "\r\n\r\n"
                               << false;
    QByteArray interim;
    for (int i = 0; i < 1000; ++i)
        interim += "HTTP/1.1 100 Continue\r\n\r\n";
    QTest::newRow("1xx flood") << interim + ok + "Content-Length: 0\r\n\r\n" << false;
    QTest::newRow("Transfer-Encoding and Content-Length")
            << ok + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            << false;
    QTest::newRow("differing Content-Lengths")
            << ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" << false;
    QTest::newRow("Transfer-Encoding gzip") << ok + "Transfer-Encoding: gzip\r\n\r\nxxxx" << false;
    QTest::newRow("obsolete line folding") << ok + "X-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n"
                                           << false;
    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n") << false;
    QTest::newRow("bad status code") << QByteArray("HTTP/1.1 2000 OK\r\n\r\n") << false;
    QTest::newRow("huge line without end") << ok + QByteArray(200 * 1024, 'h') << false;

    const QByteArray chunkedHead = ok + "Transfer-Encoding: chunked\r\n\r\n";
    QTest::newRow("chunk size overflow")
            << chunkedHead + "5\r\nhello\r\n10000000000000000\r\nxyz" << true;
    QTest::newRow("chunk size overflow, 64 bits")
            << chunkedHead + "ffffffffffffffffff\r\nxyz" << true;
    QTest::newRow("non-hex chunk size") << chunkedHead + "5\r\nhello\r\nzz\r\n\r\n" << true;
    QTest::newRow("huge chunk line") << chunkedHead + "5;" + QByteArray(64 * 1024, 'e')
                    + "\r\nhello\r\n" << true;
    QTest::newRow("chunk shorter than its size") << chunkedHead + "a\r\nhello\r\n0\r\n\r\n\r\n"
                                                 << true;
    QTest::newRow("chunk without its CRLF") << chunkedHead + "5\r\nhelloX\r\n0\r\n\r\n" << true;
    QTest::newRow("trailer flood") << chunkedHead + "0\r\n" + QByteArray(64 * 1024, 't')
                    + "\r\n\r\n" << true;
}

// A malformed or over-bound response fails with Protocol, never ends cleanly, and the client
// closes the connection at once (the server is left writing or waiting).
void tst_SocketExchange::hostile()
{
    QFETCH(QByteArray, response);
    QFETCH(bool, headFirst);

    RawServer server([&response](QTcpSocket *socket) {
        // Written in pieces so that the reader meets the fault wherever it is in a read.
        QRandomGenerator random(7);
        writeInPieces(socket, response, randomCuts(random, response.size(), 8), Then::Keep);
    });
    QVERIFY(server.isListening());
    Client client(server.url());
    WAIT_FINISHED(client);
    QVERIFY2(client.exchange->failure() == Failure::Protocol,
             qPrintable(u"failure %1: %2"_s.arg(int(client.exchange->failure()))
                                .arg(client.exchange->errorString())));
    QVERIFY(!client.exchange->errorString().isEmpty());
    qInfo("%s", qPrintable(client.exchange->errorString()));
    QCOMPARE(client.log.contains(u"head"_s), headFirst);
    QTRY_COMPARE_WITH_TIMEOUT(server.disconnections, 1, FinishTimeoutMs);
}

void tst_SocketExchange::cutShort_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("reset");
    QTest::addColumn<bool>("headFirst");

    const QByteArray length =
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + QByteArray(100, 'b');
    const QByteArray chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "64\r\n"
            + QByteArray(100, 'c') + "\r\n200\r\n" + QByteArray(50, 'c');
    for (bool reset : { false, true }) {
        const char *how = reset ? "reset" : "closed";
        QTest::addRow("Content-Length body, %s", how) << length << reset << true;
        QTest::addRow("chunked body, %s", how) << chunks << reset << true;
        QTest::addRow("chunked, before the last chunk, %s", how)
                << QByteArray(chunks.left(chunks.indexOf("200\r\n"))) << reset << true;
        QTest::addRow("head, %s", how)
                << QByteArray("HTTP/1.1 200 OK\r\nContent-Ty") << reset << false;
        QTest::addRow("before any byte, %s", how) << QByteArray() << reset << false;
    }
}

// A connection that closes (or is reset) before the response's framing ended fails with
// Network, what came before it delivered.
void tst_SocketExchange::cutShort()
{
    QFETCH(QByteArray, response);
    QFETCH(bool, reset);
    QFETCH(bool, headFirst);

    RawServer server([&](QTcpSocket *socket) {
        writeInPieces(socket, response, { response.size() / 2 }, reset ? Then::Reset : Then::Close);
    });
    QVERIFY(server.isListening());
    Client client(server.url());
    WAIT_FINISHED(client);
    QVERIFY2(client.exchange->failure() == Failure::Network,
             qPrintable(u"failure %1: %2"_s.arg(int(client.exchange->failure()))
                                .arg(client.exchange->errorString())));
    QVERIFY(!client.exchange->errorString().isEmpty());
    qInfo("%s", qPrintable(client.exchange->errorString()));
    QCOMPARE(client.log.contains(u"head"_s), headFirst);
    if (headFirst && !reset) // a reset may drop what the kernel held
        QVERIFY(client.body.size() >= 100);
}

void tst_SocketExchange::connectionRefused()
{
    quint16 port = 0;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        port = closed.serverPort();
    }
    for (const QString &scheme : { u"http"_s, u"https"_s }) {
        if (scheme == u"https" && !QSslSocket::supportsSsl())
            continue;
        const QUrl url(u"%1://127.0.0.1:%2/"_s.arg(scheme).arg(port));
        Client client(url);
        WAIT_FINISHED(client);
        QCOMPARE(client.exchange->failure(), Failure::Network); // not Tls: no connection
        QVERIFY(client.exchange->errorString().contains(u"refused"_s, Qt::CaseInsensitive));
        QVERIFY(client.log == QStringList{ u"finished"_s });
    }
}

void tst_SocketExchange::tls_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("trust"); // "test CA", "system", "none"
    QTest::addColumn<QString>("peerVerifyName");
    QTest::addColumn<Failure>("expected");

    QTest::newRow("trusted CA") << u"server"_s << u"test CA"_s << QString() << Failure::None;
    QTest::newRow("untrusted CA") << u"server"_s << u"system"_s << QString() << Failure::Tls;
    QTest::newRow("another host's certificate")
            << u"wronghost"_s << u"test CA"_s << QString() << Failure::Tls;
    QTest::newRow("another host's certificate, that host's name asked")
            << u"wronghost"_s << u"test CA"_s << u"wrong.example.invalid"_s << Failure::None;
    QTest::newRow("untrusted CA, no verification")
            << u"server"_s << u"none"_s << QString() << Failure::None;
}

void tst_SocketExchange::tls()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    QFETCH(QString, certificate);
    QFETCH(QString, trust);
    QFETCH(QString, peerVerifyName);
    QFETCH(Failure, expected);

    const TestCertificate identity = loadCertificate(certificate);
    QVERIFY2(identity.error.isEmpty(), qPrintable(identity.error));
    TlsTestServer server(
            [](const HttpRequest &, QTcpSocket *socket) {
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
            },
            identity.certificate, identity.key);
    QVERIFY(server.isListening());
    const QUrl url = server.httpsUrl(u"/tls"_s);
    QNetworkRequest request = trust == u"test CA" ? trustingRequest(url) : QNetworkRequest(url);
    if (trust == u"none") {
        QSslConfiguration configuration = request.sslConfiguration();
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
        request.setSslConfiguration(configuration);
    }
    if (!peerVerifyName.isEmpty())
        request.setPeerVerifyName(peerVerifyName);
    Client client(url, request);
    WAIT_FINISHED(client);
    QVERIFY2(client.exchange->failure() == expected,
             qPrintable(u"failure %1: %2"_s.arg(int(client.exchange->failure()))
                                .arg(client.exchange->errorString())));
    if (expected == Failure::None) {
        QCOMPARE(client.body, QByteArray("secret"));
        QCOMPARE(server.requests.size(), 1);
        QCOMPARE(server.requests.constFirst().target, QByteArray("/tls"));
    } else {
        qInfo("%s", qPrintable(client.exchange->errorString()));
        QVERIFY(!client.exchange->errorString().isEmpty());
        QVERIFY(client.log == QStringList{ u"finished"_s });
        QVERIFY(server.requests.isEmpty()); // no byte of the request went out
    }
}

// A plain HTTP server answering an https URL: the handshake fails (Tls), whatever it says.
void tst_SocketExchange::plainHttpOnHttpsUrl()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    RawServer server([](QTcpSocket *) {});
    // Answers whatever comes (a ClientHello) as a plain server would, and closes.
    connect(&server, &QTcpServer::newConnection, this, [&server] {
        QTcpSocket *socket = server.lastSocket;
        connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n"
                          "Connection: close\r\n\r\nbad request");
            socket->disconnectFromHost();
        });
    });
    QVERIFY(server.isListening());
    QUrl url = server.url(u"/stream"_s);
    url.setScheme(u"https"_s);
    Client client(url, trustingRequest(url));
    WAIT_FINISHED(client);
    QVERIFY2(client.exchange->failure() == Failure::Tls,
             qPrintable(u"failure %1: %2"_s.arg(int(client.exchange->failure()))
                                .arg(client.exchange->errorString())));
    qInfo("%s", qPrintable(client.exchange->errorString()));
    QVERIFY(client.log == QStringList{ u"finished"_s });
}

// A server writing as fast as TCP lets it, a client that stops reading 2 MiB in while its
// event loop runs on: what the socket holds for the client reaches the bound and no more, so
// the server stalls (TCP flow control); once the client reads again every byte arrives, in
// order, exactly once.
void tst_SocketExchange::flowControlBoundsWhatIsHeld()
{
    FirehoseServer server;
    server.start();
    auto join = qScopeGuard([&server] { server.wait(); });
    QVERIFY(server.listening.tryAcquire(1, 10000));
    QVERIFY(server.port > 0);

    const QUrl url(u"http://127.0.0.1:%1/firehose"_s.arg(server.port.load()));
    Client client(url);
    // Read in a reading thread, the exchange's socket is not this thread's to look at: only
    // the server's stall shows the bound then.
    SocketExchange *inThread = client.inThread();
    QAbstractSocket *socket = inThread ? inThread->findChild<QAbstractSocket *>() : nullptr;
    QVERIFY(socket || !inThread);
    if (socket)
        QCOMPARE(socket->readBufferSize(), QtSse::FlowControl::ReadBufferLimit);

    QByteArray pending; // received, not yet a whole event
    qint64 expected = 1;
    qint64 wrong = 0;
    qint64 doneAt = -1;
    bool paused = false;
    client.onPiece = [&](QByteArrayView piece) {
        pending += piece;
        qsizetype from = 0;
        for (;;) {
            const qsizetype end = pending.indexOf("\n\n", from);
            if (end < 0)
                break;
            const QByteArray event = pending.mid(from, end - from);
            from = end + 2;
            if (event.startsWith("event: done\ndata: ")) {
                doneAt = event.mid(18).toLongLong();
            } else if (event
                       != "id: " + QByteArray::number(expected)
                               + "\ndata: " + FirehoseServer::payload(expected)) {
                ++wrong;
            }
            ++expected;
        }
        pending.remove(0, from);
        if (!paused && expected > 2048) {
            // 2 MiB in: stop reading, as an application that falls behind would; its event
            // loop goes on running (the socket's notifications come, nothing calls
            // readChunk()).
            paused = true;
            server.clientPaused = true;
            client.reading = false;
            return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(paused, 2 * FirehoseServer::GiveUpMs);
    bool verdict = false;
    const auto hasVerdict = [&] { return verdict || (verdict = server.verdict.tryAcquire()); };
    QTRY_VERIFY_WITH_TIMEOUT(hasVerdict(), FirehoseServer::GiveUpMs + 30000);
    QVERIFY2(!server.gaveUp, "the server gave up before a verdict: no client, or it was too slow");
    // Only the bound stalls it: the client's thread kept running its event loop.
    QVERIFY2(
            server.stalled,
            qPrintable(u"the server wrote %1 bytes after the client paused and never stalled"_s.arg(
                    server.writtenAtVerdict - server.writtenAtPause)));
    qInfo("the server stalled %lld bytes after the client paused",
          static_cast<long long>(server.writtenAtVerdict - server.writtenAtPause));
    // A plain connection is read with recv() once the request is written, where the platform
    // has POSIX sockets, unless QTSSE_SOCKET_READS=qt (this test runs both ways).
    if (inThread) {
#if defined(Q_OS_UNIX) && !defined(Q_OS_WASM)
        QCOMPARE(inThread->readsDirectly(), qgetenv("QTSSE_SOCKET_READS") != "qt");
#else
        QVERIFY(!inThread->readsDirectly());
#endif
    }
    if (!inThread) {
        // Read in a reading thread: what it holds is its queue's bound plus the exchange's
        // buffer there, which the server's stall above shows.
    } else if (inThread->readsDirectly()) {
        // Nothing waits in QTcpSocket's buffer (it let go of the connection): what the client
        // holds is its one read buffer, and the kernel's buffers hold the rest.
        QCOMPARE(socket->bytesAvailable(), 0);
    } else {
        // Qt filled the socket's buffer to the bound (the server has far more queued in the
        // kernel), and stopped there.
        QTRY_COMPARE_WITH_TIMEOUT(socket->bytesAvailable(), QtSse::FlowControl::ReadBufferLimit,
                                  FinishTimeoutMs);
        QVERIFY(socket->bytesAvailable() <= QtSse::FlowControl::ReadBufferLimit);
    }
    QVERIFY(!client.finished());

    client.reading = true;
    client.drain();
    QTRY_VERIFY_WITH_TIMEOUT(client.finished(), 2 * FirehoseServer::GiveUpMs);
    CHECK_ORDER(client);
    QCOMPARE(client.exchange->failure(), Failure::None); // close-delimited
    QCOMPARE(doneAt, server.lastId.load());
    QCOMPARE(expected, doneAt + 2); // every event, once, in order, then "done"
    QCOMPARE(wrong, 0);
    QVERIFY(pending.isEmpty());
}

// A server may answer before it has read the whole request (a stream that starts at once, an
// early error). The response arrives while a large body is still being written: the exchange
// reads it as it comes, and stays on QTcpSocket's reads once the request is written (direct
// reads start only when nothing was received before), so nothing received is lost.
void tst_SocketExchange::responseBeforeTheRequestIsWritten()
{
    constexpr qsizetype BodySize = 16 * 1024 * 1024; // more than loopback's buffers hold
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QByteArray head; // the request's head, once complete
    QByteArray pending;
    qint64 bodyReceived = 0;
    bool answeredEarly = false;
    bool answeredLate = false;
    connect(&server, &QTcpServer::newConnection, &server, [&] {
        QTcpSocket *socket = server.nextPendingConnection();
        QVERIFY(socket);
        connect(socket, &QTcpSocket::readyRead, socket, [&, socket] {
            const QByteArray bytes = socket->readAll();
            if (head.isEmpty()) {
                pending += bytes;
                const qsizetype end = pending.indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                head = pending.left(end + 4);
                bodyReceived = pending.size() - head.size();
                // The stream starts before the body is read.
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "d\r\ndata: early\n\n\r\n");
                answeredEarly = true;
            } else {
                bodyReceived += bytes.size();
            }
            if (bodyReceived == BodySize && !answeredLate) {
                socket->write("c\r\ndata: late\n\n\r\n0\r\n\r\n");
                answeredLate = true;
            }
        });
    });

    Client client(QUrl(u"http://127.0.0.1:%1/upload"_s.arg(server.serverPort())), QNetworkRequest(),
                  "POST", QByteArray(BodySize, 'x'));
    WAIT_FINISHED(client);
    QVERIFY(answeredEarly);
    QVERIFY2(client.exchange->failure() == Failure::None,
             qPrintable(client.exchange->errorString()));
    QVERIFY(answeredLate);
    QCOMPARE(bodyReceived, BodySize);
    const QByteArray contentLength = "\r\nContent-Length: " + QByteArray::number(BodySize) + "\r\n";
    QVERIFY(head.contains(contentLength));
    QCOMPARE(client.body, QByteArray("data: early\n\ndata: late\n\n"));
    if (SocketExchange *inThread = client.inThread())
        QVERIFY(!inThread->readsDirectly());
    CHECK_ORDER(client);
}

// The bound holds over TLS too: a server with far more to send than the bound, a client that
// stops reading 2 MiB in while its event loop runs: the server's socket is left with bytes it
// cannot send (TCP flow control), the client holds no more than the bound (decrypted and
// encrypted bytes together) plus what TLS reads ahead, and once it reads again every byte
// arrives in order.
void tst_SocketExchange::flowControlOverTls()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    constexpr qint64 Total = qint64(24) * 1024 * 1024;
    constexpr qint64 PauseAt = qint64(2) * 1024 * 1024;
    const auto pattern = [](qint64 offset) { return char('a' + (offset / 1000) % 26); };
    const TestCertificate identity = loadCertificate(u"server"_s);
    QVERIFY2(identity.error.isEmpty(), qPrintable(identity.error));
    TlsTestServer server(
            [&pattern](const HttpRequest &, QTcpSocket *socket) {
                QByteArray response = "HTTP/1.1 200 OK\r\nContent-Length: "
                        + QByteArray::number(Total) + "\r\n\r\n";
                socket->write(response);
                QByteArray block(1024 * 1024, Qt::Uninitialized);
                for (qint64 at = 0; at < Total; at += block.size()) {
                    for (qsizetype i = 0; i < block.size(); ++i)
                        block[i] = pattern(at + i);
                    socket->write(block);
                }
            },
            identity.certificate, identity.key);
    QVERIFY(server.isListening());
    const QUrl url = server.httpsUrl(u"/firehose"_s);
    Client client(url, trustingRequest(url));
    qint64 received = 0;
    qint64 wrong = 0;
    bool paused = false;
    client.onPiece = [&](QByteArrayView piece) {
        for (qsizetype i = 0; i < piece.size(); ++i) {
            if (piece[i] != pattern(received + i))
                ++wrong;
        }
        received += piece.size();
        if (received >= PauseAt && !paused) {
            paused = true;
            client.reading = false;
            return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(paused, FinishTimeoutMs);

    QVERIFY(server.lastSocket);
    QTcpSocket *serverEncrypted = server.lastSocket->findChild<QTcpSocket *>();
    QVERIFY(serverEncrypted);
    // Wait until the server's unsent bytes stop going down (or it sent all).
    qint64 lastUnsent = -1;
    QElapsedTimer unchanged;
    const auto settled = [&] {
        const qint64 unsent = serverEncrypted->bytesToWrite();
        if (unsent != lastUnsent) {
            lastUnsent = unsent;
            unchanged.start();
        }
        return unsent == 0 || unchanged.elapsed() > 500;
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 120000);
    QVERIFY2(lastUnsent > 0, "the server sent everything: nothing held it back");
    // What the client's sockets hold, when this thread reads them (a reading thread's are not
    // this thread's to look at: the server's stall shows the bound then).
    if (SocketExchange *inThread = client.inThread()) {
        auto *tls = inThread->findChild<QSslSocket *>();
        QVERIFY(tls);
        QTcpSocket *encrypted = tls->findChild<QTcpSocket *>(); // QSslSocket's own TCP socket
        QVERIFY(encrypted);
        const qint64 held = tls->bytesAvailable() + encrypted->bytesAvailable();
        qInfo("paused at %lld bytes: the client holds %lld decrypted + %lld encrypted bytes; the "
              "server has %lld encrypted bytes it cannot send",
              static_cast<long long>(received), static_cast<long long>(tls->bytesAvailable()),
              static_cast<long long>(encrypted->bytesAvailable()),
              static_cast<long long>(lastUnsent));
        QVERIFY2(held <= QtSse::FlowControl::ReadBufferLimit + 64 * 1024,
                 qPrintable(u"the client holds %1 bytes"_s.arg(held)));
    }

    client.reading = true;
    client.drain();
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::None);
    QCOMPARE(received, Total);
    QCOMPARE(wrong, 0);
}

// A handler of headReceived() that runs a nested event loop (a modal dialog in a slot of
// opened()) sees the body and finished() delivered inside it; once it returns, nothing more
// comes: no readyRead() after finished(). (Read in a reading thread, the outer delivery had
// found body bytes waiting before it emitted headReceived().)
void tst_SocketExchange::nestedLoopInHeadReceived()
{
    RawServer server([](QTcpSocket *socket) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    });
    QVERIFY(server.isListening());
    Client client(server.url());
    bool nestedEnded = false;
    client.onHead = [&client, &nestedEnded] {
        client.drain();
        QEventLoop loop;
        QObject::connect(client.exchange.get(), &Exchange::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(FinishTimeoutMs, &loop, &QEventLoop::quit); // fails below if so
        if (!client.exchange->isFinished())
            loop.exec();
        nestedEnded = client.exchange->isFinished();
    };
    QTRY_VERIFY_WITH_TIMEOUT(nestedEnded, 2 * FinishTimeoutMs);
    // Whatever the outer delivery would still emit comes within a few turns of the loop: a
    // whole exchange's worth of them pass while another one runs.
    RawServer witnessServer(
            [](QTcpSocket *socket) { socket->write("HTTP/1.1 204 No Content\r\n\r\n"); });
    Client witness(witnessServer.url());
    WAIT_FINISHED(witness);
    WAIT_FINISHED(client);
    QCOMPARE(client.body, QByteArray("hello"));
    QCOMPARE(client.exchange->failure(), Failure::None);
}

void tst_SocketExchange::abortSilences_data()
{
    QTest::addColumn<QString>("when");
    QTest::newRow("at once") << u"at once"_s;
    QTest::newRow("in headReceived()") << u"head"_s;
    QTest::newRow("in readyRead()") << u"ready"_s;
    QTest::newRow("after the end was read, before finished()") << u"ended"_s;
}

// After abort(), no signal; the connection closes.
void tst_SocketExchange::abortSilences()
{
    QFETCH(QString, when);
    RawServer server([&when](QTcpSocket *socket) {
        if (when == u"ended") {
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
            return;
        }
        // A stream that goes on: an event every 5 ms.
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
        auto *timer = new QTimer(socket);
        QObject::connect(timer, &QTimer::timeout, socket,
                         [socket] { socket->write("data: tick\n\n"); });
        timer->start(5);
    });
    QVERIFY(server.isListening());
    Client client(server.url());
    if (when == u"at once") {
        client.abort();
    } else if (when == u"head") {
        client.onHead = [&client] { client.abort(); };
    } else {
        client.onPiece = [&client, &when](QByteArrayView) {
            if (when == u"ended") {
                // The end follows the body in the same read: readChunk() finds it now and
                // finished() is queued; abort() must cancel it.
                client.inside = true;
                while (!client.exchange->readChunk().isEmpty()) { }
                client.inside = false;
            }
            client.abort();
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(client.aborted, FinishTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(server.disconnections, 1, FinishTimeoutMs);
    }
    // A late signal would come within a few turns of the event loop: a whole exchange's worth
    // of them pass while another one runs.
    RawServer witnessServer(
            [](QTcpSocket *socket) { socket->write("HTTP/1.1 204 No Content\r\n\r\n"); });
    Client witness(witnessServer.url());
    WAIT_FINISHED(witness);
    CHECK_ORDER(client);
    QVERIFY(!client.log.contains(u"finished"_s));
    QVERIFY(!client.exchange->isFinished());
    QVERIFY(client.exchange->readChunk().isEmpty());
}

namespace {

const QByteArray ProxiedBody = "data: one\n\ndata: two\n\n";
const QByteArray ProxiedResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                   "Content-Length: 22\r\n\r\n"
        + ProxiedBody;

} // namespace

// A stream through an in-process SOCKS5 or HTTP proxy to a server on loopback: the proxy is
// asked for the server (tunnel or absolute form, as QNAM picks), with the proxy's credentials
// when it wants them, and the events arrive.
void tst_SocketExchange::throughProxy_data()
{
    QTest::addColumn<bool>("socks"); // else HTTP
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("host"); // the proxy resolves it (to loopback)
    QTest::addColumn<bool>("tunnelOnly"); // the HTTP proxy lacks the caching capability
    QTest::addColumn<QString>("credentials"); // the proxy wants them, and has them

    QTest::newRow("SOCKS5, http") << true << u"http"_s << u"events.test"_s << false << QString();
    QTest::newRow("SOCKS5, http, user and password")
            << true << u"http"_s << u"events.test"_s << false << u"user:s3cret"_s;
    QTest::newRow("SOCKS5, https") << true << u"https"_s << u"events.test"_s << false << QString();
    QTest::newRow("HTTP, http: absolute form")
            << false << u"http"_s << u"events.test"_s << false << QString();
    QTest::newRow("HTTP, http: absolute form, credentials")
            << false << u"http"_s << u"events.test"_s << false << u"user:s3cret"_s;
    QTest::newRow("HTTP without caching, http: CONNECT")
            << false << u"http"_s << u"events.test"_s << true << QString();
    QTest::newRow("HTTP, https: CONNECT")
            << false << u"https"_s << u"events.test"_s << false << QString();
    QTest::newRow("HTTP, https: CONNECT, credentials")
            << false << u"https"_s << u"events.test"_s << false << u"user:s3cret"_s;
}

void tst_SocketExchange::throughProxy()
{
    QFETCH(bool, socks);
    QFETCH(QString, scheme);
    QFETCH(QString, host);
    QFETCH(bool, tunnelOnly);
    QFETCH(QString, credentials);
    const bool tls = scheme == u"https";
    if (tls && !QSslSocket::supportsSsl())
        QSKIP("no TLS backend");

    RawServer plain([](QTcpSocket *socket) { socket->write(ProxiedResponse); });
    QVERIFY(plain.isListening());
    const TestCertificate identity = loadCertificate(u"server"_s);
    QVERIFY2(identity.error.isEmpty(), qPrintable(identity.error));
    TlsTestServer secure(
            [](const HttpRequest &, QTcpSocket *socket) { socket->write(ProxiedResponse); },
            identity.certificate, identity.key);
    QVERIFY(secure.isListening());
    const quint16 port = tls ? secure.serverPort() : plain.serverPort();
    const QUrl url(u"%1://%2:%3/events?x=1"_s.arg(scheme, host).arg(port));

    TestProxy proxy(socks ? TestProxy::Kind::Socks5 : TestProxy::Kind::Http);
    QVERIFY(proxy.isListening());
    proxy.credentials = credentials.toUtf8();
    QNetworkProxy entry =
            proxy.proxy(credentials.section(u':', 0, 0), credentials.section(u':', 1));
    if (tunnelOnly)
        entry.setCapabilities(QNetworkProxy::TunnelingCapability
                              | QNetworkProxy::HostNameLookupCapability);
    const ScopedProxyFactory factory({ entry });
    QVERIFY(SocketExchange::canServe(url, QNetworkRequest(url)));

    QNetworkRequest request = tls ? trustingRequest(url) : QNetworkRequest(url);
    if (tls)
        request.setPeerVerifyName(u"localhost"_s); // the certificate's name; verified
    Client client(url, request);
    WAIT_FINISHED(client);
    QVERIFY2(client.exchange->failure() == Failure::None,
             qPrintable(client.exchange->errorString()));
    QCOMPARE(client.exchange->statusCode(), 200);
    QCOMPARE(client.body, ProxiedBody);
    QCOMPARE(proxy.targets, QStringList{ u"%1:%2"_s.arg(host).arg(port) });

    const QByteArray basic = "Basic " + credentials.toUtf8().toBase64();
    if (socks) {
        QVERIFY(!proxy.socksMethods.isEmpty());
        if (credentials.isEmpty()) {
            QVERIFY(proxy.socksCredentials.isEmpty());
        } else {
            QVERIFY2(proxy.socksMethods.constLast().contains('\x02'),
                     proxy.socksMethods.constLast().toHex().constData());
            QCOMPARE(proxy.socksCredentials, QList<QByteArray>{ credentials.toUtf8() });
        }
    } else if (!tls && !tunnelOnly) {
        // One request, in absolute form, with the credentials at once; the proxy sends it on
        // as it came.
        const QByteArray line = "GET http://" + host.toLatin1() + ':' + QByteArray::number(port)
                + "/events?x=1 HTTP/1.1";
        QCOMPARE(proxy.requestLines, QList<QByteArray>{ line });
        QCOMPARE(proxy.proxyAuthorizations,
                 QList<QByteArray>{ credentials.isEmpty() ? QByteArray() : basic });
        QVERIFY2(plain.request.startsWith(QByteArray(line + "\r\n")), plain.request.constData());
    } else {
        // CONNECT (again with the credentials, after a 407), then the request in the tunnel.
        const QByteArray line =
                "CONNECT " + host.toLatin1() + ':' + QByteArray::number(port) + " HTTP/1.1";
        QVERIFY(!proxy.requestLines.isEmpty());
        for (const QByteArray &seen : std::as_const(proxy.requestLines))
            QCOMPARE(seen, line);
        QCOMPARE(proxy.proxyAuthorizations.constLast(),
                 credentials.isEmpty() ? QByteArray() : basic);
        if (tls) {
            QCOMPARE(secure.requests.size(), 1);
            QCOMPARE(secure.requests.constFirst().target, QByteArray("/events?x=1"));
        } else {
            QVERIFY2(plain.request.startsWith("GET /events?x=1 HTTP/1.1\r\n"),
                     plain.request.constData());
        }
    }
}

// A proxy that refuses, or wants credentials it does not get: the exchange fails before any
// head, saying the proxy did, and nothing reaches the server. An HTTP proxy's 407 to an
// absolute-form request is that request's response.
void tst_SocketExchange::proxyRefusals_data()
{
    QTest::addColumn<bool>("socks");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<int>("connectStatus");
    QTest::addColumn<int>("socksReply");
    QTest::addColumn<QString>("wanted"); // the credentials the proxy wants
    QTest::addColumn<QString>("given"); // those the QNetworkProxy has
    QTest::addColumn<bool>("listening"); // else nothing listens at the proxy's port

    QTest::newRow("CONNECT 403") << false << u"https"_s << 403 << 0 << QString() << QString()
                                 << true;
    QTest::newRow("CONNECT 407, no credentials")
            << false << u"https"_s << 200 << 0 << u"user:s3cret"_s << QString() << true;
    QTest::newRow("CONNECT 407, wrong credentials")
            << false << u"https"_s << 200 << 0 << u"user:s3cret"_s << u"user:wrong"_s << true;
    QTest::newRow("SOCKS5 connection refused (0x05)")
            << true << u"http"_s << 200 << 5 << QString() << QString() << true;
    QTest::newRow("SOCKS5 not allowed (0x02)")
            << true << u"https"_s << 200 << 2 << QString() << QString() << true;
    QTest::newRow("SOCKS5, no credentials")
            << true << u"http"_s << 200 << 0 << u"user:s3cret"_s << QString() << true;
    QTest::newRow("SOCKS5, wrong password")
            << true << u"http"_s << 200 << 0 << u"user:s3cret"_s << u"user:wrong"_s << true;
    QTest::newRow("HTTP proxy not listening")
            << false << u"http"_s << 200 << 0 << QString() << QString() << false;
    QTest::newRow("absolute form 407")
            << false << u"http"_s << 200 << 0 << u"user:s3cret"_s << QString() << true;
}

void tst_SocketExchange::proxyRefusals()
{
    QFETCH(bool, socks);
    QFETCH(QString, scheme);
    QFETCH(int, connectStatus);
    QFETCH(int, socksReply);
    QFETCH(QString, wanted);
    QFETCH(QString, given);
    QFETCH(bool, listening);
    const bool tls = scheme == u"https";
    if (tls && !QSslSocket::supportsSsl())
        QSKIP("no TLS backend");

    RawServer origin([](QTcpSocket *socket) { socket->write(ProxiedResponse); });
    QVERIFY(origin.isListening());
    const QUrl url(u"%1://events.test:%2/events"_s.arg(scheme).arg(origin.serverPort()));

    auto proxy =
            std::make_unique<TestProxy>(socks ? TestProxy::Kind::Socks5 : TestProxy::Kind::Http);
    QVERIFY(proxy->isListening());
    proxy->connectStatus = connectStatus;
    proxy->socksReply = quint8(socksReply);
    proxy->credentials = wanted.toUtf8();
    const QNetworkProxy entry = proxy->proxy(given.section(u':', 0, 0), given.section(u':', 1));
    if (!listening)
        proxy.reset(); // its port is closed now
    const ScopedProxyFactory factory({ entry });

    Client client(url, tls ? trustingRequest(url) : QNetworkRequest(url));
    WAIT_FINISHED(client);
    qInfo("%s", qPrintable(client.exchange->errorString()));
    QCOMPARE(origin.connections, 0); // the proxy had to refuse, whatever it was asked

    if (!socks && !tls && !wanted.isEmpty()) {
        QCOMPARE(client.exchange->failure(), Failure::None);
        QCOMPARE(client.exchange->statusCode(), 407);
        QCOMPARE(proxy->requestLines.size(), 1);
        return;
    }
    QCOMPARE(client.exchange->failure(), Failure::Network);
    QVERIFY(client.log == QStringList{ u"finished"_s });
    const QString expected = u"Through the %1 proxy 127.0.0.1:%2: "_s.arg(
            socks ? u"SOCKS5"_s : u"HTTP"_s, QString::number(entry.port()));
    QVERIFY2(client.exchange->errorString().startsWith(expected),
             qPrintable(client.exchange->errorString()));
    if (!proxy)
        return;
    QVERIFY(proxy->connections >= 1);
    if (socks) {
        QCOMPARE(proxy->socksCredentials,
                 given.isEmpty() ? QList<QByteArray>() : QList<QByteArray>{ given.toUtf8() });
        if (socksReply != 0) // asked, and refused
            QCOMPARE(proxy->targets, QStringList{ u"events.test:%1"_s.arg(origin.serverPort()) });
        else
            QVERIFY(proxy->targets.isEmpty()); // refused before
    } else {
        QVERIFY(!proxy->requestLines.isEmpty());
        QCOMPARE(proxy->requestLines.constFirst(),
                 "CONNECT events.test:" + QByteArray::number(origin.serverPort()) + " HTTP/1.1");
        if (!given.isEmpty()) // tried with them
            QCOMPARE(proxy->proxyAuthorizations.constLast(), "Basic " + given.toUtf8().toBase64());
        else
            QVERIFY(proxy->proxyAuthorizations.constLast().isEmpty());
    }
}

// The factory answers otherwise once the exchange starts than when canServe() asked: the
// exchange fails from the event loop, saying why, and connects nowhere.
void tst_SocketExchange::proxyUnusableOnceStarted()
{
    RawServer origin([](QTcpSocket *socket) { socket->write(ProxiedResponse); });
    QVERIFY(origin.isListening());
    const QUrl url(u"http://events.test:%1/events"_s.arg(origin.serverPort()));
    const ScopedProxyFactory factory(
            { QNetworkProxy(QNetworkProxy::HttpCachingProxy, u"127.0.0.1"_s, 3128) });
    Client client(url);
    QVERIFY(client.log.isEmpty()); // not from inside the constructor
    WAIT_FINISHED(client);
    QCOMPARE(client.exchange->failure(), Failure::Network);
    QVERIFY2(client.exchange->errorString().startsWith(u"No usable proxy for events.test: "_s),
             qPrintable(client.exchange->errorString()));
    QVERIFY(client.log == QStringList{ u"finished"_s });
    QCOMPARE(origin.connections, 0);
}

QTEST_GUILESS_MAIN(tst_SocketExchange)
#include "tst_socketexchange.moc"
