// SPDX-License-Identifier: MIT
// Which transport carries a source's requests (issue 24): the transport property, the
// QTSSE_TRANSPORT environment variable for AutomaticTransport, a stream over QtSse's own
// HTTP/1.1 client, and the cookie jar it shares with the pooled managers of its identity.
//
// The executable runs three times (CMakeLists.txt): with QTSSE_TRANSPORT=qnam, =own and empty
// (the default), read once per process; automaticFollowsEnvironment() checks each.

#include "countingmanager.h"
#include "recorder.h"
#include "ssetestserver.h"

#include "managerpool_p.h"
#include "socketexchange_p.h"

#include <QtSse/EventSource>

#include <QtCore/qscopeguard.h>
#include <QtNetwork/qnetworkcookie.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

using QtSse::EventSource;
using QtSse::ManagerPool;
using QtSseTest::Recorder;
using namespace Qt::StringLiterals;

namespace {

// A server that answers every request with a stream of two events, the second's id the
// number of the request, then closes (a source reconnects), except on /open, which stays open
// (its source keeps its manager's lease).
class TwoEventServer : public SseTestServer
{
public:
    explicit TwoEventServer(QByteArray extraHeaders = QByteArray())
        : SseTestServer(Handler([this](const HttpRequest &request, QTcpSocket *socket) {
              writeStreamHead(socket, m_extraHeaders);
              socket->write("data: first\n\nid: " + QByteArray::number(requests.size())
                            + "\ndata: second\n\n");
              if (request.path() != "/open")
                  socket->disconnectFromHost();
          })),
          m_extraHeaders(std::move(extraHeaders))
    {
    }

private:
    QByteArray m_extraHeaders;
};

// A proxy factory answering URL queries with `proxy`, every other query (the test's servers)
// with none.
class UrlProxyFactory : public QNetworkProxyFactory
{
public:
    explicit UrlProxyFactory(const QNetworkProxy &proxy) : m_proxy(proxy) { }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery &query) override
    {
        if (query.queryType() != QNetworkProxyQuery::UrlRequest)
            return { QNetworkProxy(QNetworkProxy::NoProxy) };
        return { m_proxy };
    }

private:
    QNetworkProxy m_proxy;
};

// The lanes (pooled managers) of this thread; idle ones deleted first, so that a lane counted
// later carries a stream.
int lanesAfterReaping()
{
    ManagerPool *pool = ManagerPool::forCurrentThread();
    pool->reapIdleLanes();
    return pool->laneCount();
}

} // namespace

class tst_Transport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void property();
    void socketTransportStreams_data();
    void socketTransportStreams();
    void networkAccessManagerTransportUsesQnam();
    void automaticFollowsEnvironment();
    void socketTransportRefusesWhatItCannotCarry();
    void throughAnHttpProxy_data();
    void throughAnHttpProxy();
    void socketTransportReportsTheProxysFailure();
    void socketTransportSharesTheIdentitysJar();
    void socketTransportFailsABrokenChunkedBody();
};

void tst_Transport::init()
{
    lanesAfterReaping();
}

void tst_Transport::property()
{
    EventSource source;
    QCOMPARE(source.transport(), EventSource::AutomaticTransport);
    QSignalSpy changed(&source, &EventSource::transportChanged);
    source.setTransport(EventSource::SocketTransport);
    source.setTransport(EventSource::SocketTransport);
    QCOMPARE(source.transport(), EventSource::SocketTransport);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).value<EventSource::Transport>(), EventSource::SocketTransport);
    QCOMPARE(source.property("transport").value<EventSource::Transport>(),
             EventSource::SocketTransport);
}

void tst_Transport::socketTransportStreams_data()
{
    QTest::addColumn<bool>("applicationManager");
    QTest::newRow("pooled") << false;
    // SocketTransport wins over the application's manager.
    QTest::newRow("application's manager") << true;
}

// Events, ids, the end of the body and the reconnection with Last-Event-ID, all over the own
// transport: no manager, pooled or the application's, carries a request.
void tst_Transport::socketTransportStreams()
{
    QFETCH(bool, applicationManager);
    TwoEventServer server;
    QVERIFY(server.isListening());
    CountingManager manager;
    EventSource source(server.url(QStringLiteral("/stream")));
    if (applicationManager)
        source.setNetworkAccessManager(&manager);
    source.setTransport(EventSource::SocketTransport);
    source.setReconnectionTime(10);
    Recorder recorder(&source);
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(recorder.events.size() >= 4, 20000);
    source.close();

    QCOMPARE(QtSseTest::dataOf(recorder.events).mid(0, 4),
             QStringList({ u"first"_s, u"second"_s, u"first"_s, u"second"_s }));
    QCOMPARE(recorder.events.at(1).lastEventId(), QStringLiteral("1"));
    QCOMPARE(recorder.events.at(3).lastEventId(), QStringLiteral("2"));
    QCOMPARE(recorder.events.at(0).origin(), server.origin());
    QVERIFY(server.requests.size() >= 2);
    QVERIFY(!server.requests.at(0).hasHeader("last-event-id"));
    QCOMPARE(server.requests.at(1).header("last-event-id"), QByteArray("1"));
    QCOMPARE(server.requests.at(0).header("accept"), QByteArray("text/event-stream"));
    QCOMPARE(source.responseHeader("content-type"), QByteArray("text/event-stream"));
    QCOMPARE(manager.requests, 0);
    QCOMPARE(lanesAfterReaping(), 0);
}

void tst_Transport::networkAccessManagerTransportUsesQnam()
{
    TwoEventServer server;
    QVERIFY(server.isListening());
    CountingManager manager;
    EventSource source(server.url(QStringLiteral("/stream")));
    source.setNetworkAccessManager(&manager);
    source.setTransport(EventSource::NetworkAccessManagerTransport);
    source.setReconnectPolicy(EventSource::NeverReconnect);
    Recorder recorder(&source);
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(source.readyState(), EventSource::Closed, 20000);
    QCOMPARE(QtSseTest::dataOf(recorder.events), QStringList({ u"first"_s, u"second"_s }));
    QCOMPARE(manager.requests, 1);

    // Without the application's manager: a pooled one carries it.
    EventSource pooled(server.url(QStringLiteral("/open")));
    pooled.setTransport(EventSource::NetworkAccessManagerTransport);
    Recorder pooledRecorder(&pooled);
    pooled.open();
    QTRY_VERIFY_WITH_TIMEOUT(!pooledRecorder.events.isEmpty(), 20000);
    QCOMPARE(lanesAfterReaping(), 1);
}

// AutomaticTransport: an application's manager always carries its source's streams; without
// one, QTSSE_TRANSPORT=qnam keeps the source on a pooled manager, =own (and the default, the
// variable empty) puts it on the own transport.
void tst_Transport::automaticFollowsEnvironment()
{
    if (!qEnvironmentVariableIsSet("QTSSE_TRANSPORT"))
        QSKIP("Run with QTSSE_TRANSPORT=qnam, own or empty (ctest runs all three)");
    const QByteArray mode = qgetenv("QTSSE_TRANSPORT");
    QVERIFY2(mode.isEmpty() || mode == "qnam" || mode == "own", mode.constData());
    TwoEventServer server;
    QVERIFY(server.isListening());

    CountingManager manager;
    EventSource withManager(server.url(QStringLiteral("/stream")));
    withManager.setNetworkAccessManager(&manager);
    withManager.setReconnectPolicy(EventSource::NeverReconnect);
    withManager.open();
    QTRY_COMPARE_WITH_TIMEOUT(withManager.readyState(), EventSource::Closed, 20000);
    QCOMPARE(manager.requests, 1);

    EventSource source(server.url(QStringLiteral("/open")));
    QCOMPARE(source.transport(), EventSource::AutomaticTransport);
    Recorder recorder(&source);
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(!recorder.events.isEmpty(), 20000);
    QCOMPARE(recorder.events.at(0).data(), QStringLiteral("first"));
    QCOMPARE(lanesAfterReaping(), mode == "qnam" ? 1 : 0);
}

// SocketTransport where the own transport cannot carry the request: the attempt fails at
// once, saying why, and nothing is sent.
void tst_Transport::socketTransportRefusesWhatItCannotCarry()
{
    TwoEventServer server;
    QVERIFY(server.isListening());
    EventSource source(server.url(QStringLiteral("/stream")));
    QNetworkRequest request;
    request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    source.setRequest(request);
    source.setTransport(EventSource::SocketTransport);
    QString reason;
    QVERIFY(!QtSse::SocketExchange::canServe(source.url(), request, &reason));
    QVERIFY(!reason.isEmpty());
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    source.open();
    QVERIFY(errors.wait(20000));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(source.error(), EventSource::UnsupportedSchemeError);
    QCOMPARE(source.readyState(), EventSource::Closed);
    QVERIFY2(source.errorString().contains(reason), qPrintable(source.errorString()));
    QCOMPARE(server.requests.size(), 0);
    QCOMPARE(lanesAfterReaping(), 0);
}

void tst_Transport::throughAnHttpProxy_data()
{
    QTest::addColumn<EventSource::Transport>("transport");
    QTest::addColumn<bool>("managersProxy"); // else the application's proxy factory
    QTest::newRow("own, application's factory") << EventSource::SocketTransport << false;
    QTest::newRow("QNAM, application's factory")
            << EventSource::NetworkAccessManagerTransport << false;
    QTest::newRow("own, the source's manager's proxy") << EventSource::SocketTransport << true;
    QTest::newRow("QNAM, the source's manager's proxy")
            << EventSource::NetworkAccessManagerTransport << true;
}

// A stream through an HTTP proxy (here the test server itself, answering the requests it is
// sent in absolute form), the application's or that of the source's manager: both transports
// send the proxy the same request target, and the events arrive. (Qt's application settings
// give no proxy for loopback hosts: the URL names a host under .test, RFC 6761, which only the
// proxy would resolve.) tst_socketexchange covers SOCKS5, CONNECT, proxy credentials and
// refusals.
void tst_Transport::throughAnHttpProxy()
{
    QFETCH(EventSource::Transport, transport);
    QFETCH(bool, managersProxy);
    TwoEventServer proxyServer;
    QVERIFY(proxyServer.isListening());
    const QNetworkProxy proxy(QNetworkProxy::HttpProxy, u"127.0.0.1"_s, proxyServer.serverPort());
    const auto restore =
            qScopeGuard([] { QNetworkProxyFactory::setApplicationProxyFactory(nullptr); });
    CountingManager manager;
    if (managersProxy)
        manager.setProxy(proxy);
    else
        QNetworkProxyFactory::setApplicationProxyFactory(new UrlProxyFactory(proxy));
    const QUrl url(u"http://events.test:8123/stream?x=1"_s);
    QVERIFY(QtSse::SocketExchange::canServe(url, QNetworkRequest(url), nullptr,
                                            managersProxy ? &manager : nullptr));

    EventSource source(url);
    if (managersProxy)
        source.setNetworkAccessManager(&manager);
    source.setTransport(transport);
    source.setReconnectPolicy(EventSource::NeverReconnect);
    Recorder recorder(&source);
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(source.readyState(), EventSource::Closed, 20000);
    QCOMPARE(QtSseTest::dataOf(recorder.events), QStringList({ u"first"_s, u"second"_s }));
    QCOMPARE(proxyServer.requests.size(), 1);
    QCOMPARE(proxyServer.requests.at(0).target, QByteArray("http://events.test:8123/stream?x=1"));
    QCOMPARE(proxyServer.requests.at(0).header("host"), QByteArray("events.test:8123"));
    QCOMPARE(manager.requests,
             managersProxy && transport == EventSource::NetworkAccessManagerTransport ? 1 : 0);
}

// A proxy that cannot be reached (or refuses, tst_socketexchange): NetworkError, naming the
// proxy, and nothing reaches the server.
void tst_Transport::socketTransportReportsTheProxysFailure()
{
    quint16 closedPort = 0;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        closedPort = closed.serverPort();
    }
    QNetworkProxyFactory::setApplicationProxyFactory(new UrlProxyFactory(
            QNetworkProxy(QNetworkProxy::Socks5Proxy, u"127.0.0.1"_s, closedPort)));
    const auto restore =
            qScopeGuard([] { QNetworkProxyFactory::setApplicationProxyFactory(nullptr); });
    EventSource source(QUrl(u"http://events.test:8123/stream"_s));
    source.setTransport(EventSource::SocketTransport);
    source.setReconnectPolicy(EventSource::NeverReconnect);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(source.readyState(), EventSource::Closed, 20000);
    QVERIFY(!errors.isEmpty());
    QCOMPARE(source.error(), EventSource::NetworkError);
    const QString expected = u"Through the SOCKS5 proxy 127.0.0.1:%1: "_s.arg(closedPort);
    QVERIFY2(source.errorString().startsWith(expected), qPrintable(source.errorString()));
}

// A cookie set on a stream over the own transport goes into the jar of the source's identity:
// its reconnection sends it, and so does a request of the same identity on a pooled manager.
void tst_Transport::socketTransportSharesTheIdentitysJar()
{
    TwoEventServer server(QByteArrayLiteral("Set-Cookie: transport=own; Path=/\r\n"));
    QVERIFY(server.isListening());
    const QByteArray token = QByteArrayLiteral("Bearer transport-jar-test");
    EventSource source(server.url(QStringLiteral("/stream")));
    source.setRequestHeader("Authorization", token);
    source.setTransport(EventSource::SocketTransport);
    source.setReconnectionTime(10);
    Recorder recorder(&source);
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(server.requests.size() >= 2, 20000);
    QVERIFY(!server.requests.at(0).hasHeader("cookie"));
    QCOMPARE(server.requests.at(1).header("cookie"), QByteArray("transport=own"));

    source.close();

    // The same identity on a pooled manager: the jar outlives the stream that held it by as
    // long as an idle lane is kept (ManagerPool::IdleLaneMs).
    EventSource qnam(server.url(QStringLiteral("/stream")));
    qnam.setRequestHeader("Authorization", token);
    qnam.setTransport(EventSource::NetworkAccessManagerTransport);
    qnam.setReconnectPolicy(EventSource::NeverReconnect);
    const qsizetype qnamFirst = server.requests.size();
    qnam.open();
    QTRY_COMPARE_WITH_TIMEOUT(qnam.readyState(), EventSource::Closed, 20000);
    QCOMPARE(server.requests.size(), qnamFirst + 1);
    QCOMPARE(server.requests.at(qnamFirst).header("cookie"), QByteArray("transport=own"));

    // Another identity's jar has none of it.
    EventSource other(server.url(QStringLiteral("/stream")));
    other.setTransport(EventSource::SocketTransport);
    other.setReconnectPolicy(EventSource::NeverReconnect);
    const qsizetype otherFirst = server.requests.size();
    other.open();
    QTRY_COMPARE_WITH_TIMEOUT(other.readyState(), EventSource::Closed, 20000);
    QVERIFY(server.requests.size() > otherFirst);
    QVERIFY(!server.requests.at(otherFirst).hasHeader("cookie"));
}

QTEST_GUILESS_MAIN(tst_Transport)
// A finite answer whose chunked body breaks (a chunk size that is not hexadecimal) after its
// first event: QNAM takes such a chunk for the last one and the body "ends cleanly" (README,
// "Known limits of Qt's HTTP layer"), so without finish markers the truncation would pass for a
// complete answer. The own transport fails it: errorOccurred(NetworkError), never finished().
void tst_Transport::socketTransportFailsABrokenChunkedBody()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"
                      "b\r\ndata: one\n\n\r\n"
                      "zz\r\ndata: two\n\n\r\n0\r\n\r\n");
        socket->disconnectFromHost();
    });
    QVERIFY(server.isListening());
    EventSource source(server.url(QStringLiteral("/answer")));
    source.setTransport(EventSource::SocketTransport);
    source.setReconnectPolicy(EventSource::ReconnectBeforeFirstEvent);
    QStringList received;
    connect(&source, &EventSource::messageReceived, this,
            [&](const QtSse::MessageEvent &event) { received << event.data(); });
    QSignalSpy finished(&source, &EventSource::finished);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    source.open();
    QVERIFY(errors.wait(20000));
    QCOMPARE(received, QStringList{ QStringLiteral("one") });
    QCOMPARE(source.error(), EventSource::NetworkError);
    QVERIFY2(source.errorString().contains(QStringLiteral("hexadecimal")),
             qPrintable(source.errorString()));
    QCOMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(finished.size(), 0);
    QCOMPARE(server.requests.size(), 1); // an answer is never asked for twice
}

#include "tst_transport.moc"
