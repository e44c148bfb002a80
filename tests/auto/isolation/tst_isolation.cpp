// SPDX-License-Identifier: MIT
// What one source may see of another's credentials, and what an application's network access
// manager means, with real servers on loopback: sources that authenticate differently share no
// connection and no cookie; an application's manager (its createRequest(), handlers, proxy
// factory, cookie jar) carries every stream of the sources given it; whatever the application
// does with that manager (replaces its jar, deletes it, moves it to another thread), nothing
// is left pointing at freed memory (the AddressSanitizer build runs these too).
#include "countingmanager.h"
#include "recorder.h"
#include "ssetestserver.h"
#include "testcertificates.h"
#include "tlstestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qthread.h>
#include <QtNetwork/qauthenticator.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookie.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

using namespace Qt::StringLiterals;
using namespace QtSseTest;
using QtSse::EventSource;

namespace {

// A proxy factory that sends everything through one HTTP proxy, counting its queries.
class CountingProxyFactory : public QNetworkProxyFactory
{
public:
    explicit CountingProxyFactory(quint16 port, int *queries) : m_port(port), m_queries(queries) { }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery &) override
    {
        ++*m_queries;
        return { QNetworkProxy(QNetworkProxy::HttpProxy, u"127.0.0.1"_s, m_port) };
    }

private:
    quint16 m_port;
    int *m_queries;
};

struct Sources
{
    std::vector<std::unique_ptr<EventSource>> sources;
    std::vector<std::unique_ptr<Recorder>> recorders;

    EventSource *add(const QUrl &url, QNetworkAccessManager *manager = nullptr)
    {
        sources.push_back(std::make_unique<EventSource>(url));
        if (manager)
            sources.back()->setNetworkAccessManager(manager);
        recorders.push_back(std::make_unique<Recorder>(sources.back().get()));
        return sources.back().get();
    }
    void openAll()
    {
        for (const auto &source : sources)
            source->open();
    }
    int openCount() const
    {
        return int(std::count_if(sources.begin(), sources.end(), [](const auto &s) {
            return s->readyState() == EventSource::Open;
        }));
    }
    int errorCount() const
    {
        int n = 0;
        for (const auto &r : recorders)
            n += int(r->errors.size());
        return n;
    }
};

// An endless stream: its head and one event.
void streamHello(QTcpSocket *socket)
{
    SseTestServer::writeStreamHead(socket);
    socket->write("data: hello\n\n");
}

} // namespace

class tst_Isolation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void differentTokensShareNoConnectionOrCookie();
    void differentUserInfoSharesNoAuthenticationCache();
    void applicationManagerSeesEveryStream();
    void applicationManagerManyStreamsToOneHost();
    void applicationAuthenticationHandlerPastTheFifth();
    void applicationSslErrorsHandlerPastTheFifth();
    void applicationProxyFactoryForEveryStream();
    void applicationJarReplacedMidStream();
    void applicationManagerDeletedMidStream();
    void applicationManagerMovedToAnotherThreadMidStream();
    void differentTrustNeverSharesAVerifiedConnection();
    void differentTrustOnAnApplicationManager();
};

void tst_Isolation::initTestCase()
{
    qRegisterMetaType<QtSse::MessageEvent>();
#if QT_CONFIG(ssl)
    QVERIFY(QSslSocket::supportsSsl()); // loads the TLS backend before the first stream
#endif
}

void tst_Isolation::differentTokensShareNoConnectionOrCookie()
{
    // Two sources to one host with different bearer tokens, on QtSse's own managers. The server
    // sets a session cookie for alice and ends every response cleanly, with keep-alive, so
    // that a manager shared by both would reuse one's connection for the other and send
    // alice's cookie with bob's requests.
    struct Seen
    {
        QByteArray token;
        QByteArray cookie;
        qsizetype connection; // its index in the server's sockets: a closed connection's
                // socket is deleted, and a later one may get its address
    };
    QList<Seen> seen;
    SseTestServer *serverPointer = nullptr;
    SseTestServer server([&seen, &serverPointer](const HttpRequest &request, QTcpSocket *socket) {
        const QByteArray token = request.header("authorization");
        seen.append({ token, request.header("cookie"), serverPointer->sockets.indexOf(socket) });
        const QByteArray body = "retry: 1\ndata: " + token + "\n\n";
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      + QByteArray(token == "Bearer alice" ? "Set-Cookie: session=alice\r\n" : "")
                      + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    });
    serverPointer = &server;
    Sources s;
    s.add(server.url(u"/a"_s))->setRequestHeader("Authorization", "Bearer alice");
    s.add(server.url(u"/b"_s))->setRequestHeader("Authorization", "Bearer bob");
    s.openAll();
    auto requestsOf = [&seen](const QByteArray &token) {
        return std::count_if(seen.begin(), seen.end(),
                             [&token](const Seen &x) { return x.token == token; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(requestsOf("Bearer alice") >= 20 && requestsOf("Bearer bob") >= 20,
                             30000);
    std::set<qsizetype> aliceSockets, bobSockets;
    for (const Seen &x : std::as_const(seen)) {
        QVERIFY2(x.token == "Bearer alice" || x.token == "Bearer bob", x.token.constData());
        if (x.token == "Bearer bob")
            QVERIFY2(x.cookie.isEmpty(),
                     QByteArray("bob's request carried " + x.cookie).constData());
        (x.token == "Bearer alice" ? aliceSockets : bobSockets).insert(x.connection);
    }
    // The jar works: alice's reconnections carry her cookie.
    QVERIFY(std::any_of(seen.begin(), seen.end(), [](const Seen &x) {
        return x.token == "Bearer alice" && x.cookie == "session=alice";
    }));
    for (qsizetype connection : aliceSockets)
        QVERIFY2(!bobSockets.count(connection), "one connection carried both tokens");
    // QNAM reused connections (keep-alive), so sharing would have been possible. (QtSse's own
    // transport, which carries these sources unless QTSSE_TRANSPORT=qnam, sends one request per
    // connection: there the cookies are what could be shared.)
    if (qgetenv("QTSSE_TRANSPORT") == "qnam")
        QVERIFY(aliceSockets.size() < size_t(requestsOf("Bearer alice")));
}

void tst_Isolation::differentUserInfoSharesNoAuthenticationCache()
{
    // Alice's URL carries her credentials; QNAM answers the server's challenge with them and
    // caches them per manager. Bob's source, to the same host and path without credentials,
    // must be challenged and refused, never sent alice's from a cache.
    const QByteArray alice = "Basic " + QByteArray("alice:secret").toBase64();
    QList<QByteArray> sent; // the Authorization of every request, in order
    SseTestServer server([&](const HttpRequest &request, QTcpSocket *socket) {
        sent.append(request.header("authorization"));
        if (request.header("authorization") != alice) {
            socket->write("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"sse\"\r\n"
                          "Content-Length: 0\r\n\r\n");
            return;
        }
        streamHello(socket);
    });
    QUrl aliceUrl = server.url(u"/s"_s);
    aliceUrl.setUserInfo(u"alice:secret"_s);
    EventSource a(aliceUrl);
    Recorder ra(&a);
    a.open();
    QTRY_COMPARE_WITH_TIMEOUT(a.readyState(), EventSource::Open, 20000);
    EventSource b(server.url(u"/s"_s));
    Recorder rb(&b);
    b.open();
    QTRY_COMPARE_WITH_TIMEOUT(b.readyState(), EventSource::Closed, 20000);
    QCOMPARE(rb.errors, QList<EventSource::Error>{ EventSource::HttpStatusError });
    QCOMPARE(b.httpStatus(), 401);
    QCOMPARE(std::count(sent.begin(), sent.end(), alice), 1); // alice's own request only
    QCOMPARE(a.readyState(), EventSource::Open);
}

void tst_Isolation::applicationManagerSeesEveryStream()
{
    // 40 streams over ten hosts on an application's manager subclass: its createRequest() (what
    // a QQmlNetworkAccessManagerFactory installs) makes every one of them.
    std::vector<std::unique_ptr<SseTestServer>> servers;
    for (int h = 0; h < 10; ++h)
        servers.push_back(std::make_unique<SseTestServer>(
                [](const HttpRequest &, QTcpSocket *socket) { streamHello(socket); }));
    CountingManager manager;
    Sources s;
    for (int i = 0; i < 40; ++i)
        s.add(servers[size_t(i % 10)]->url(u"/s%1"_s.arg(i)), &manager);
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 40, 20000);
    QCOMPARE(manager.requests, 40);
    QCOMPARE(s.errorCount(), 0);
}

void tst_Isolation::applicationManagerManyStreamsToOneHost()
{
    // 40 streams to one host on an application's manager: all on it. Qt 6.5+ lets QtSse raise
    // the manager's connections to the host; Qt 6.4 opens six and queues the rest, as for any
    // QNAM user (documented, with what to do).
    int streams = 0;
    SseTestServer server([&streams](const HttpRequest &, QTcpSocket *socket) {
        ++streams;
        streamHello(socket);
    });
    CountingManager manager;
    Sources s;
    for (int i = 0; i < 40; ++i)
        s.add(server.url(u"/s%1"_s.arg(i)), &manager);
    s.openAll();
    QTRY_COMPARE(manager.requests, 40);
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 40, 20000);
#else
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    // The rest wait in the manager's queue; none is moved to a manager it did not make, so a
    // connection that frees up takes the next.
    QCOMPARE(streams, 6);
    s.sources.front()->close();
    QTRY_COMPARE(streams, 7);
#endif
    QCOMPARE(s.errorCount(), 0);
}

void tst_Isolation::applicationAuthenticationHandlerPastTheFifth()
{
    // The server asks for Basic credentials; only the application's handler knows them. Six
    // streams to one host: every one must be answered with them, the sixth included.
    const QByteArray expected = "Basic " + QByteArray("user:secret").toBase64();
    int refused = 0;
    SseTestServer server([&](const HttpRequest &request, QTcpSocket *socket) {
        if (request.header("authorization") != expected) {
            ++refused;
            socket->write("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"sse\"\r\n"
                          "Content-Length: 0\r\n\r\n");
            return;
        }
        streamHello(socket);
    });
    QNetworkAccessManager manager;
    int asked = 0;
    connect(&manager, &QNetworkAccessManager::authenticationRequired, this,
            [&asked](QNetworkReply *, QAuthenticator *authenticator) {
                ++asked;
                authenticator->setUser(u"user"_s);
                authenticator->setPassword(u"secret"_s);
            });
    Sources s;
    for (int i = 0; i < 6; ++i)
        s.add(server.url(u"/s%1"_s.arg(i)), &manager);
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    QVERIFY(asked >= 1);
    QVERIFY(refused >= 1);
    QCOMPARE(s.errorCount(), 0);
}

void tst_Isolation::applicationSslErrorsHandlerPastTheFifth()
{
    // The sources do not trust the test authority; the application's sslErrors handler accepts
    // the test server's certificate. Six streams to one host, six handshakes: each must reach
    // the handler.
#if QT_CONFIG(ssl)
    const TestCertificate server = loadCertificate(u"server"_s);
    QVERIFY2(server.error.isEmpty(), qPrintable(server.error));
    TlsTestServer tls([](const HttpRequest &, QTcpSocket *socket) { streamHello(socket); },
                      server.certificate, server.key);
    QNetworkAccessManager manager;
    std::set<QNetworkReply *> handled;
    connect(&manager, &QNetworkAccessManager::sslErrors, this,
            [&handled, &server](QNetworkReply *reply, const QList<QSslError> &errors) {
                for (const QSslError &e : errors) {
                    if (e.certificate() != server.certificate && !e.certificate().isNull())
                        return; // only the certificate this test knows
                }
                handled.insert(reply);
                reply->ignoreSslErrors();
            });
    Sources s;
    for (int i = 0; i < 6; ++i)
        s.add(tls.httpsUrl(u"/s%1"_s.arg(i)), &manager);
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    QCOMPARE(int(handled.size()), 6);
    QCOMPARE(s.errorCount(), 0);
#else
    QSKIP("Qt without TLS");
#endif
}

void tst_Isolation::applicationProxyFactoryForEveryStream()
{
    // A corporate proxy, found by the application's proxy factory: every stream goes through
    // it, none direct. The "origins" do not listen; only the proxy answers.
    QList<QByteArray> targets;
    SseTestServer proxy([&targets](const HttpRequest &request, QTcpSocket *socket) {
        targets.append(request.target);
        streamHello(socket);
    });
    SseTestServer origin([](const HttpRequest &, QTcpSocket *) {});
    const QUrl originUrl = origin.url(u"/stream"_s);
    origin.close(); // nothing listens there any more
    QNetworkAccessManager manager;
    int queries = 0;
    manager.setProxyFactory(new CountingProxyFactory(proxy.serverPort(), &queries));
    Sources s;
    for (int i = 0; i < 6; ++i) {
        QUrl url = originUrl;
        url.setQuery(u"s=%1"_s.arg(i));
        s.add(url, &manager);
    }
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    QCOMPARE(targets.size(), 6);
    for (const QByteArray &target : std::as_const(targets))
        QVERIFY2(target.startsWith("http://127.0.0.1:"), target.constData()); // proxy form
    QVERIFY(queries >= 6);
    QCOMPARE(s.errorCount(), 0);
}

void tst_Isolation::applicationJarReplacedMidStream()
{
    // The application logs out: it replaces its manager's jar, which deletes the old one. The
    // streams go on, and their reconnections carry the new jar's cookies (and never a freed
    // jar's: the AddressSanitizer build would stop there).
    QList<QPointer<QTcpSocket>> streams;
    QList<QByteArray> cookies;
    SseTestServer server([&](const HttpRequest &request, QTcpSocket *socket) {
        cookies.append(request.header("cookie"));
        streams.append(socket);
        SseTestServer::writeStreamHead(socket);
        socket->write("retry: 1\ndata: hello\n\n");
    });
    QNetworkAccessManager manager;
    manager.cookieJar()->setCookiesFromUrl({ QNetworkCookie("user", "old") }, server.url());
    Sources s;
    for (int i = 0; i < 6; ++i)
        s.add(server.url(u"/s%1"_s.arg(i)), &manager);
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    QCOMPARE(cookies, QList<QByteArray>(6, "user=old"));
    QPointer<QNetworkCookieJar> old = manager.cookieJar();
    auto *jar = new QNetworkCookieJar;
    jar->setCookiesFromUrl({ QNetworkCookie("user", "new") }, server.url());
    manager.setCookieJar(jar);
    QVERIFY(!old); // deleted by the manager
    for (const auto &socket : std::as_const(streams))
        socket->disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(cookies.size(), 12, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    QCOMPARE(cookies.mid(6), QList<QByteArray>(6, "user=new"));
}

void tst_Isolation::applicationManagerDeletedMidStream()
{
    // Every stream on it ends (C-16); nothing keeps its jar; the sources work again once given
    // QtSse's own managers.
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) { streamHello(socket); });
    auto *manager = new QNetworkAccessManager;
    manager->cookieJar()->setCookiesFromUrl({ QNetworkCookie("a", "b") }, server.url());
    Sources s;
    for (int i = 0; i < 6; ++i)
        s.add(server.url(u"/s%1"_s.arg(i)), manager);
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    delete manager;
    for (const auto &source : s.sources)
        QTRY_COMPARE(source->readyState(), EventSource::Closed);
    for (const auto &r : s.recorders)
        QCOMPARE(r->errors, QList<EventSource::Error>{ EventSource::AbortedError });
    const qsizetype before = server.requests.size();
    for (const auto &source : s.sources) {
        source->setNetworkAccessManager(nullptr);
        source->open();
    }
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 6, 20000);
    for (qsizetype i = before; i < server.requests.size(); ++i)
        QVERIFY(!server.requests.at(i).hasHeader("cookie")); // QtSse's jar, not the dead one's
}

void tst_Isolation::applicationManagerMovedToAnotherThreadMidStream()
{
    // moveToThread() takes the replies along: the streams end in their own thread before it
    // (C-16), none is read from two threads, and none is sent on a manager of another thread.
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) { streamHello(socket); });
    auto *manager = new QNetworkAccessManager;
    Sources s;
    for (int i = 0; i < 3; ++i)
        s.add(server.url(u"/s%1"_s.arg(i)), manager);
    s.openAll();
    QTRY_COMPARE_WITH_TIMEOUT(s.openCount(), 3, 20000);
    QThread worker;
    worker.start();
    manager->moveToThread(&worker);
    for (const auto &source : s.sources)
        QCOMPARE(source->readyState(), EventSource::Closed);
    for (const auto &r : s.recorders)
        QCOMPARE(r->errors, QList<EventSource::Error>{ EventSource::AbortedError });
    s.sources.front()->open(); // refused, not sent from here on a manager of another thread
    QTRY_COMPARE(s.sources.front()->readyState(), EventSource::Closed);
    QCOMPARE(s.recorders.front()->errors.size(), 2);
    QMetaObject::invokeMethod(
            manager, [manager] { delete manager; }, Qt::BlockingQueuedConnection);
    worker.quit();
    QVERIFY(worker.wait(10000));
}

void tst_Isolation::differentTrustNeverSharesAVerifiedConnection()
{
    // Source A trusts the test authority and verifies the server, which sets a cookie; its
    // response ends with the connection kept alive. Source B trusts only the system's
    // authorities: a connection A verified must never carry B's request, which has to fail
    // its own verification. Source C skips verification: it connects, on a connection (and
    // with a cookie jar) of its own.
#if QT_CONFIG(ssl)
    const TestCertificate certificate = loadCertificate(u"server"_s);
    QVERIFY2(certificate.error.isEmpty(), qPrintable(certificate.error));
    struct Seen
    {
        QByteArray path;
        QByteArray cookie;
        QTcpSocket *socket;
    };
    QList<Seen> seen;
    TlsTestServer tls(
            [&seen](const HttpRequest &request, QTcpSocket *socket) {
                seen.append({ request.path(), request.header("cookie"), socket });
                const QByteArray body = "data: hi\n\n";
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                              "Set-Cookie: trusted=ca\r\nContent-Length: "
                              + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            },
            certificate.certificate, certificate.key);
    EventSource a(tls.httpsUrl(u"/a"_s));
    a.setRequest(trustingRequest(tls.httpsUrl(u"/a"_s)));
    a.setReconnectionTime(60000);
    Recorder ra(&a);
    a.open();
    QTRY_COMPARE_WITH_TIMEOUT(ra.events.size(), 1, 20000);
    a.close(); // its connection stays open, idle, in its manager
    QCOMPARE(tls.handshakes, 1);

    EventSource b(tls.httpsUrl(u"/b"_s));
    Recorder rb(&b);
    b.open();
    QTRY_COMPARE_WITH_TIMEOUT(b.readyState(), EventSource::Closed, 20000);
    QCOMPARE(rb.errors, QList<EventSource::Error>{ EventSource::TlsError });
    QCOMPARE(seen.size(), 1);

    QNetworkRequest skipping(tls.httpsUrl(u"/c"_s));
    QSslConfiguration none = skipping.sslConfiguration();
    none.setPeerVerifyMode(QSslSocket::VerifyNone);
    skipping.setSslConfiguration(none);
    EventSource c(tls.httpsUrl(u"/c"_s));
    c.setRequest(skipping);
    Recorder rc(&c);
    // B's refused handshake may or may not count at the server (with TLS 1.3 the server is
    // done before the client verifies, as Qt 6.11 shows): C is measured from here.
    const int handshakesBeforeC = tls.handshakes;
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(rc.events.size(), 1, 20000);
    QCOMPARE(seen.size(), 2);
    QCOMPARE(seen.at(1).path, "/c");
    QVERIFY2(seen.at(1).cookie.isEmpty(), seen.at(1).cookie.constData()); // not A's jar
    QVERIFY(seen.at(1).socket != seen.at(0).socket); // not A's connection
    QCOMPARE(tls.handshakes, handshakesBeforeC + 1); // a verification of its own
#else
    QSKIP("Qt without TLS");
#endif
}

void tst_Isolation::differentTrustOnAnApplicationManager()
{
    // Sources that share an application's manager but differ in TLS trust. QNAM keeps the
    // connections of one manager by scheme, host and port: without QtSse keeping them apart, a
    // source that verifies with the system's authorities would be sent on a connection that
    // one skipping verification opened, and get the stream.
#if QT_CONFIG(ssl)
    const TestCertificate certificate = loadCertificate(u"server"_s);
    QVERIFY2(certificate.error.isEmpty(), qPrintable(certificate.error));
    struct Seen
    {
        QByteArray path;
        QTcpSocket *socket;
    };
    QList<Seen> seen;
    TlsTestServer tls(
            [&seen](const HttpRequest &request, QTcpSocket *socket) {
                seen.append({ request.path(), socket });
                const QByteArray body = "data: hi\n\n";
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                              "Content-Length: "
                              + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            },
            certificate.certificate, certificate.key);
    QNetworkAccessManager manager;
    // The test certificate names both localhost and 127.0.0.1.
    const auto url = [&tls](const QString &host, const QString &path) {
        return QUrl(u"https://%1:%2%3"_s.arg(host).arg(tls.serverPort()).arg(path));
    };
    const auto skippingRequest = [](const QUrl &to) {
        QNetworkRequest request(to);
        QSslConfiguration none = request.sslConfiguration();
        none.setPeerVerifyMode(QSslSocket::VerifyNone);
        request.setSslConfiguration(none);
        return request;
    };
    // Opens a source on the application's manager and waits for its event or its failure.
    const auto run = [&manager](EventSource &source, Recorder &recorder) {
        source.setNetworkAccessManager(&manager);
        source.setReconnectionTime(60000);
        source.open();
        QTRY_VERIFY_WITH_TIMEOUT(!recorder.events.isEmpty() || !recorder.errors.isEmpty(), 20000);
        if (source.readyState() != EventSource::Closed)
            source.close(); // its connection stays open, idle, in the manager
    };

    // C skips verification: it connects.
    EventSource c(url(u"localhost"_s, u"/c"_s));
    c.setRequest(skippingRequest(url(u"localhost"_s, u"/c"_s)));
    Recorder rc(&c);
    run(c, rc);
    QCOMPARE(rc.events.size(), 1);
    QCOMPARE(seen.size(), 1);

    // B trusts the system's authorities only: it must verify, and fail, on a connection of its
    // own, never be sent on the one C opened without verification.
    EventSource b(url(u"localhost"_s, u"/b"_s));
    Recorder rb(&b);
    run(b, rb);
    QCOMPARE(rb.errors, QList<EventSource::Error>{ EventSource::TlsError });
    QCOMPARE(rb.events.size(), 0);
    QCOMPARE(seen.size(), 1);

    // A trusts the test authority: it verifies on a connection of its own.
    EventSource a(url(u"localhost"_s, u"/a"_s));
    a.setRequest(trustingRequest(url(u"localhost"_s, u"/a"_s)));
    Recorder ra(&a);
    const int handshakesBeforeA = tls.handshakes;
    run(a, ra);
    QCOMPARE(ra.events.size(), 1);
    QCOMPARE(seen.size(), 2);
    QVERIFY(seen.at(1).socket != seen.at(0).socket);
    QCOMPARE(tls.handshakes, handshakesBeforeA + 1);

    // A2 trusts the same: it may share A's connection, as any of the manager's users would.
    EventSource a2(url(u"localhost"_s, u"/a2"_s));
    a2.setRequest(trustingRequest(url(u"localhost"_s, u"/a2"_s)));
    Recorder ra2(&a2);
    run(a2, ra2);
    QCOMPARE(ra2.events.size(), 1);
    QCOMPARE(seen.size(), 3);
    QCOMPARE(seen.at(2).socket, seen.at(1).socket);
    QCOMPARE(tls.handshakes, handshakesBeforeA + 1);

    // An address has one spelling: one TLS configuration of its own per address besides the
    // default. The first trusts the test authority; one that skips verification is refused,
    // before anything is sent, with what to do.
    EventSource d(url(u"127.0.0.1"_s, u"/d"_s));
    d.setRequest(trustingRequest(url(u"127.0.0.1"_s, u"/d"_s)));
    Recorder rd(&d);
    run(d, rd);
    QCOMPARE(rd.events.size(), 1);
    QCOMPARE(seen.size(), 4);
    EventSource e(url(u"127.0.0.1"_s, u"/e"_s));
    e.setRequest(skippingRequest(url(u"127.0.0.1"_s, u"/e"_s)));
    Recorder re(&e);
    run(e, re);
    QCOMPARE(re.errors, QList<EventSource::Error>{ EventSource::TlsError });
    QVERIFY2(e.errorString().contains(u"manager of its own"_s), qPrintable(e.errorString()));
    QCOMPARE(seen.size(), 4);
#else
    QSKIP("Qt without TLS");
#endif
}

QTEST_MAIN(tst_Isolation)
#include "tst_isolation.moc"
