// SPDX-License-Identifier: MIT
// QtSse::EventSource through nginx (Debian's package) as a reverse proxy in front of a real SSE
// server (better-sse under node), all started by the test on loopback ports and killed by
// process id. The nginx settings are the ones docs/nginx.md recommends.
//
// Events are paced by handshake: the server publishes event k+1 only after the client has
// received event k, so a proxy that held events back would stall the test instead of letting
// it pass late. No test here depends on how long anything takes.
#include "contentcodings.h"
#include "integrationsupport.h"
#include "scriptedstreams.h"
#include "ssetestserver.h"

#include <QtSse/EventSource>

#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;
using namespace Integration;
using QtSse::EventSource;
using QtSse::MessageEvent;

namespace {

// The proxy settings for event streams (docs/nginx.md), shared by the locations below.
const char *const streamProxySettings = R"(
        proxy_pass http://127.0.0.1:%2/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_cache off;
        proxy_read_timeout 1h;)";

QString proxyConfig(quint16 listenPort, quint16 upstreamPort, quint16 longStreamPort)
{
    const QString settings = QString::fromLatin1(streamProxySettings);
    const QString config = uR"(
    server {
        listen 127.0.0.1:%1;

        # Buffering off in nginx.
        location /plain/ {)"_s
            + settings + uR"(
            proxy_buffering off;
        }
        # Buffering on (nginx's default); the upstream sends X-Accel-Buffering: no.
        location /accel/ {)"_s
            + settings + uR"(
        }
        # gzip, with either setting.
        location /gzip-plain/ {)"_s
            + settings + uR"(
            proxy_buffering off;
            gzip on;
            gzip_types text/event-stream;
        }
        location /gzip-accel/ {)"_s
            + settings + uR"(
            gzip on;
            gzip_types text/event-stream;
        }
        # gzip at its best ratio, in front of the in-process upstream of a long stream.
        location /gzip-long/ {
            proxy_pass http://127.0.0.1:%3/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache off;
            proxy_read_timeout 1h;
            proxy_buffering off;
            gzip on;
            gzip_types text/event-stream;
            gzip_comp_level 9;
        }
        # The mistake: gzip with buffering on and the upstream's header ignored.
        location /gzip-buffered/ {)"_s
            + settings + uR"(
            proxy_ignore_headers X-Accel-Buffering;
            gzip on;
            gzip_types text/event-stream;
        }
        # While the upstream is down, answer with an empty stream that asks the client to
        # retry, instead of a 502 that closes an EventSource for good.
        location /resilient/ {)"_s
            + settings + uR"(
            proxy_buffering off;
            error_page 502 503 504 = @sse_retry;
        }
        location @sse_retry {
            default_type text/event-stream;
            add_header Cache-Control no-store always;
            return 200 "retry: 500\n\n";
        }
    }
)"_s;
    return config.arg(listenPort).arg(upstreamPort).arg(longStreamPort);
}

} // namespace

class tst_NginxProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void pacedThroughProxy_data();
    void pacedThroughProxy();
    void gzipWithBufferingHoldsEvents();
    void gzipLongStream();
    void upstreamRestartResumesThroughProxy();
    void upstreamDownWithoutFallbackFails();

private:
    QUrl proxyUrl(const QString &pathAndQuery) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_proxyPort).arg(pathAndQuery));
    }

    // nginx logs a request when it ends: the log line of the GET of `target`, or empty.
    QByteArray accessLogLine(const QByteArray &target) const
    {
        const QByteArray request = "\"GET " + target + " HTTP/1.1\"";
        for (const QByteArray &line : m_nginx->accessLog()) {
            if (line.contains(request))
                return line;
        }
        return QByteArray();
    }

    std::unique_ptr<NodeSseServer> m_node;
    std::unique_ptr<Nginx> m_nginx;
    std::unique_ptr<SseTestServer> m_longUpstream; // plain text; its handler is the test's
    quint16 m_proxyPort = 0;
};

void tst_NginxProxy::initTestCase()
{
    qRegisterMetaType<QtSse::MessageEvent>();
}

// Every test gets a fresh server and proxy: a killed or restarted upstream stays in its test.
void tst_NginxProxy::init()
{
    INTEGRATION_REQUIRE(nodeServerMissing());
    INTEGRATION_REQUIRE(nginxExecutable().isEmpty() ? u"nginx was not found when CMake ran"_s
                                                    : QString());
    m_node = std::make_unique<NodeSseServer>();
    QVERIFY(m_node->start());
    QTRY_VERIFY2_WITH_TIMEOUT(m_node->isListening(), m_node->diagnostics().constData(), 20000);
    m_longUpstream = std::make_unique<SseTestServer>(SseTestServer::Handler());
    QVERIFY(m_longUpstream->isListening());
    m_nginx = std::make_unique<Nginx>();
    m_proxyPort = freePort();
    QVERIFY(m_proxyPort != 0);
    QVERIFY(m_nginx->start(proxyConfig(m_proxyPort, m_node->port(), m_longUpstream->serverPort())));
    QTRY_VERIFY2(acceptsConnections(m_proxyPort) || !m_nginx->isRunning(),
                 m_nginx->diagnostics().constData());
    QVERIFY2(m_nginx->isRunning(), m_nginx->diagnostics().constData());
}

void tst_NginxProxy::cleanup()
{
    if (QTest::currentTestFailed()) {
        if (m_node)
            qWarning("%s", m_node->diagnostics().constData());
        if (m_nginx)
            qWarning("%s", m_nginx->diagnostics().constData());
    }
    m_nginx.reset(); // kills nginx
    m_node.reset(); // kills node
    m_longUpstream.reset();
}

void tst_NginxProxy::pacedThroughProxy_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("proxied");
    QTest::addColumn<bool>("gzip");
    QTest::newRow("direct, no proxy (baseline)") << u"/events?accel=0"_s << false << false;
    QTest::newRow("proxy_buffering off") << u"/plain/events?accel=0"_s << true << false;
    QTest::newRow("X-Accel-Buffering: no") << u"/accel/events"_s << true << false;
    QTest::newRow("gzip, proxy_buffering off") << u"/gzip-plain/events?accel=0"_s << true << true;
    QTest::newRow("gzip, X-Accel-Buffering: no") << u"/gzip-accel/events"_s << true << true;
}

void tst_NginxProxy::pacedThroughProxy()
{
    QFETCH(QString, path);
    QFETCH(bool, proxied);
    QFETCH(bool, gzip);
    if (gzip) // nginx compresses only what the client asks for
        QTSSE_SKIP_UNLESS_TESTABLE("gzip");
    constexpr int last = 30;
    EventSource source(proxied ? proxyUrl(path) : m_node->url(path));
    StreamRecorder recorder(&source);
    Pacer pacer(m_node.get(), { &source }, last);
    connect(
            &source, &EventSource::opened, &pacer, [&pacer] { pacer.start(); },
            Qt::SingleShotConnection);
    source.open();
    QVERIFY(pacer.wait(20000));

    // Exactly what the server sent, in order, each before the next was published.
    QCOMPARE(recorder.ids(), idRange(1, last));
    for (int k = 1; k <= last; ++k) {
        QCOMPARE(recorder.events.at(k - 1).type(), expectedEvent(k).type);
        QCOMPARE(recorder.events.at(k - 1).data(), expectedEvent(k).data);
    }
    QCOMPARE(source.reconnectionTime(), 250);
    QVERIFY(recorder.errors.isEmpty());
    qInfo("%s: publish-to-arrival latency %s", QTest::currentDataTag(),
          qPrintable(latencySummary(pacer.latenciesUs())));

    if (!proxied)
        return;
    // nginx logs the request when it ends: it went through the proxy, compressed or not.
    source.close();
    const auto logLine = [this, &path] { return accessLogLine(path.toUtf8()); };
    QTRY_VERIFY(!logLine().isEmpty());
    QVERIFY2(logLine().contains(gzip ? " enc=gzip " : " enc=- "), logLine().constData());
    const QList<QJsonObject> connected = m_node->reports(u"connected"_s);
    QVERIFY(!connected.isEmpty());
    if (gzip) // the client asked for it; nginx compressed, the upstream did not
        QVERIFY(connected.first().value(u"acceptEncoding"_s).toString().contains(u"gzip"_s));
}

// The negative control for the handshake: with gzip and buffering on (the upstream's
// X-Accel-Buffering ignored), nginx holds events back; the first one reaches the client only
// after many more were published. A paced test on this location would stall.
void tst_NginxProxy::gzipWithBufferingHoldsEvents()
{
    QTSSE_SKIP_UNLESS_TESTABLE("gzip");
    EventSource source(proxyUrl(u"/gzip-buffered/events?accel=0"_s));
    StreamRecorder recorder(&source);
    int publishedAtFirstArrival = -1;
    connect(&source, &EventSource::eventReceived, this, [&] {
        if (publishedAtFirstArrival < 0)
            publishedAtFirstArrival = m_node->lastPublished();
    });
    source.open();
    constexpr int batch = 100;
    constexpr int limit = 50000;
    int published = 0;
    while (recorder.events.isEmpty() && published < limit) {
        m_node->publish(batch);
        published += batch;
        QTRY_COMPARE(m_node->lastPublished(), published); // the server has written them
    }
    QTRY_VERIFY2(!recorder.events.isEmpty(), "nginx held every event");
    QCOMPARE(recorder.events.first().lastEventId(), u"1"_s);
    QVERIFY2(publishedAtFirstArrival > 1, QByteArray::number(publishedAtFirstArrival).constData());
    qInfo("gzip with buffering: event 1 arrived once %d events were published",
          publishedAtFirstArrival);
}

// nginx gzips (gzip on, level 9) a long, repetitive stream from an upstream that sends it
// plain as fast as TCP lets it: 40 MB at about 50:1, past the 10 MiB and 40:1 at which Qt's
// own decoder failed such a stream ("Decompression failed: "). Every event arrives once.
void tst_NginxProxy::gzipLongStream()
{
    QTSSE_SKIP_UNLESS_TESTABLE("gzip");
    constexpr qint64 PlainBytes = 40'000'000;
    const qint64 total = PlainBytes / QtSseTest::jsonEvent(1).size() + 1;
    m_longUpstream->setHandler([total](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        auto next = std::make_shared<qint64>(1);
        auto pump = [socket, next, total] {
            while (*next <= total && socket->bytesToWrite() < 256 * 1024) {
                QByteArray batch;
                while (*next <= total && batch.size() < 64 * 1024)
                    batch += QtSseTest::jsonEvent((*next)++);
                socket->write(batch);
            }
        };
        QObject::connect(socket, &QIODevice::bytesWritten, socket, pump);
        pump();
    });
    EventSource source(proxyUrl(u"/gzip-long/events"_s));
    qint64 expected = 1;
    qint64 wrong = 0;
    connect(&source, &EventSource::messageReceived, this, [&](const MessageEvent &event) {
        const qint64 id = event.lastEventId().toLongLong();
        if (id != expected || event.data() != QLatin1StringView(QtSseTest::jsonData(id)))
            ++wrong;
        expected = id + 1;
        if (expected > total)
            source.close();
    });
    QList<EventSource::Error> errors;
    connect(&source, &EventSource::errorOccurred, this,
            [&](EventSource::Error e) { errors.append(e); });
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(source.readyState() == EventSource::Closed, 600'000);
    QVERIFY2(errors.isEmpty(), qPrintable(source.errorString()));
    QCOMPARE(wrong, 0);
    QCOMPARE(expected, total + 1);
    QCOMPARE(m_longUpstream->requests.size(), 1);
    // The client asked for gzip (nginx passes the header on); the upstream sent plain text, and
    // nginx compressed it.
    QVERIFY(m_longUpstream->requests.first().header("accept-encoding").contains("gzip"));
    const auto logLine = [this] { return accessLogLine("/gzip-long/events"); };
    QTRY_VERIFY(!logLine().isEmpty());
    QVERIFY2(logLine().contains(" enc=gzip "), logLine().constData());
    qInfo("%lld events through nginx gzip: %s", static_cast<long long>(total),
          logLine().constData());
}

void tst_NginxProxy::upstreamRestartResumesThroughProxy()
{
    EventSource source(proxyUrl(u"/resilient/events?accel=0"_s));
    source.setMaximumReconnectionDelay(1000); // keep the back-off short while the server is down
    StreamRecorder recorder(&source);
    {
        Pacer pacer(m_node.get(), { &source }, 5);
        connect(
                &source, &EventSource::opened, &pacer, [&pacer] { pacer.start(); },
                Qt::SingleShotConnection);
        source.open();
        QVERIFY(pacer.wait());
    }
    QCOMPARE(recorder.ids(), idRange(1, 5));
    const quint16 upstreamPort = m_node->port();

    // Crash the upstream. nginx cuts the stream; the reconnects meet no upstream and get the
    // fallback's empty stream with retry: 500, so the source keeps trying.
    m_node->kill();
    QTRY_COMPARE(source.reconnectionTime(), 500); // the fallback answered
    QVERIFY(recorder.errors.contains(EventSource::StreamEndedError)); // its empty stream ended
    QCOMPARE(recorder.errorStates.last(), EventSource::Connecting);
    QCOMPARE(source.lastEventId(), u"5"_s);
    qInfo("while the upstream was down: errors %s", qPrintable(QDebug::toString(recorder.errors)));

    // Restarted on the same port, with 6..8 published while it was down.
    QVERIFY(m_node->start(upstreamPort, 8));
    QTRY_VERIFY_WITH_TIMEOUT(m_node->isListening(), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(recorder.ids(), idRange(1, 8), 20000);
    Pacer pacer(m_node.get(), { &source }, 4);
    pacer.start();
    QVERIFY(pacer.wait());
    QCOMPARE(recorder.ids(), idRange(1, 12)); // none lost, none twice
    for (int k = 1; k <= 12; ++k)
        QCOMPARE(recorder.events.at(k - 1).data(), expectedEvent(k).data);
    QCOMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(source.reconnectionTime(), 250); // the upstream's own again

    // Last-Event-ID went through nginx to the restarted server.
    const QList<QJsonObject> connected = m_node->reports(u"connected"_s);
    QVERIFY(!connected.isEmpty());
    for (const QJsonObject &c : connected)
        QCOMPARE(c.value(u"lastEventId"_s).toString(), u"5"_s);
    QCOMPARE(connected.last().value(u"backlog"_s).toArray(), QJsonArray({ 6, 7, 8 }));
    // And the fallback answered while the upstream was down.
    bool fallbackLogged = false;
    for (const QByteArray &line : m_nginx->accessLog())
        fallbackLogged = fallbackLogged || (line.contains(" 200 ") && line.contains("up=502"));
    QVERIFY2(fallbackLogged, m_nginx->accessLog().join('\n').constData());
}

// Without the fallback, nginx answers 502 while the upstream is down, and an EventSource (like
// a browser's) fails for good on a status other than 200: docs/nginx.md explains the fallback.
void tst_NginxProxy::upstreamDownWithoutFallbackFails()
{
    EventSource source(proxyUrl(u"/plain/events?accel=0"_s));
    StreamRecorder recorder(&source);
    {
        Pacer pacer(m_node.get(), { &source }, 2);
        connect(
                &source, &EventSource::opened, &pacer, [&pacer] { pacer.start(); },
                Qt::SingleShotConnection);
        source.open();
        QVERIFY(pacer.wait());
    }
    m_node->kill();
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(source.error(), EventSource::HttpStatusError);
    QCOMPARE(source.httpStatus(), 502);
    QCOMPARE(recorder.errorStates.last(), EventSource::Closed);
    QCOMPARE(recorder.ids(), idRange(1, 2));
}

QTEST_MAIN(tst_NginxProxy)
#include "tst_nginxproxy.moc"
