// SPDX-License-Identifier: MIT
// QtSse::EventSource over TLS and HTTP/2: nginx (Debian's package) terminates TLS with the
// committed test certificate for 127.0.0.1 (tests/shared/certs), signed by the test
// certificate authority that the client trusts through the request's QSslConfiguration; the
// upstream is a real SSE
// server (better-sse under node). Everything runs on loopback ports, started by the test and
// killed by process id. nginx's access log tells the protocol and connection of each request.
#include "integrationsupport.h"
#include "testcertificates.h"

#include <QtSse/EventSource>

#include <QtCore/qset.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qsslcertificate.h>
#include <QtNetwork/qsslsocket.h>
#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;
using namespace Integration;
using QtSse::EventSource;
using QtSse::MessageEvent;

class tst_NginxTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void trustedCertificateFlows_data();
    void trustedCertificateFlows();
    void untrustedCertificateFails();
    void fortyStreamsOverHttp2_data();
    void fortyStreamsOverHttp2();

private:
    QUrl url(const QString &tag) const
    {
        return QUrl(u"https://127.0.0.1:%1/events?accel=0&test=%2"_s.arg(m_tlsPort).arg(tag));
    }
    // The access log's lines of requests whose URL has "test=<tag>".
    QList<QByteArray> logLines(const QString &tag) const
    {
        QList<QByteArray> result;
        const QByteArray needle = "test=" + tag.toUtf8() + ' ';
        for (const QByteArray &line : m_nginx->accessLog()) {
            if (line.contains(needle))
                result.append(line);
        }
        return result;
    }

    std::unique_ptr<NodeSseServer> m_node;
    std::unique_ptr<Nginx> m_nginx;
    quint16 m_tlsPort = 0;
};

void tst_NginxTls::initTestCase()
{
    qRegisterMetaType<QtSse::MessageEvent>();
    INTEGRATION_REQUIRE(nodeServerMissing());
    INTEGRATION_REQUIRE(nginxExecutable().isEmpty() ? u"nginx was not found when CMake ran"_s
                                                    : QString());
    INTEGRATION_REQUIRE(QSslSocket::supportsSsl() ? QString() : u"Qt has no TLS backend"_s);

    m_node = std::make_unique<NodeSseServer>();
    QVERIFY(m_node->start());
    QTRY_VERIFY2_WITH_TIMEOUT(m_node->isListening(), m_node->diagnostics().constData(), 20000);

    m_tlsPort = freePort();
    QVERIFY(m_tlsPort != 0);
    m_nginx = std::make_unique<Nginx>();
    QVERIFY(m_nginx->start(uR"(
    server {
        listen 127.0.0.1:%1 ssl http2;
        ssl_certificate %3;
        ssl_certificate_key %4;
        location /events {
            proxy_pass http://127.0.0.1:%2;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
        }
    }
)"_s.arg(m_tlsPort)
                                   .arg(m_node->port())
                                   .arg(QtSseTest::certificatePath(u"server.pem"_s),
                                        QtSseTest::certificatePath(u"server.key"_s))));
    QTRY_VERIFY2(acceptsConnections(m_tlsPort) || !m_nginx->isRunning(),
                 m_nginx->diagnostics().constData());
    QVERIFY2(m_nginx->isRunning(), m_nginx->diagnostics().constData());
}

void tst_NginxTls::cleanupTestCase()
{
    m_nginx.reset(); // kills nginx
    m_node.reset(); // kills node
}

void tst_NginxTls::cleanup()
{
    if (QTest::currentTestFailed()) {
        if (m_node)
            qWarning("%s", m_node->diagnostics().constData());
        if (m_nginx)
            qWarning("%s", m_nginx->diagnostics().constData());
    }
}

void tst_NginxTls::trustedCertificateFlows_data()
{
    QTest::addColumn<EventSource::Transport>("transport");
    QTest::addColumn<bool>("http2Allowed");
    QTest::addColumn<QByteArray>("protocol");
    QTest::addColumn<QString>("tag");
    // HTTP/2 is QNAM's alone; the own transport offers only http/1.1 in its ALPN.
    QTest::newRow("HTTP/2 (Qt's default over TLS)") << EventSource::NetworkAccessManagerTransport
                                                    << true << QByteArray("HTTP/2.0") << u"h2"_s;
    QTest::newRow("HTTP/1.1 (Http2AllowedAttribute false)")
            << EventSource::NetworkAccessManagerTransport << false << QByteArray("HTTP/1.1")
            << u"h1"_s;
    QTest::newRow("own transport (HTTP/1.1 though HTTP/2 is allowed)")
            << EventSource::SocketTransport << true << QByteArray("HTTP/1.1") << u"own"_s;
}

void tst_NginxTls::trustedCertificateFlows()
{
    QFETCH(EventSource::Transport, transport);
    QFETCH(bool, http2Allowed);
    QFETCH(QByteArray, protocol);
    QFETCH(QString, tag);
    QNetworkRequest request = QtSseTest::trustingRequest(url(tag));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, http2Allowed);
    EventSource source;
    source.setTransport(transport);
    source.setRequest(request);
    QCOMPARE(source.url(), url(tag));
    StreamRecorder recorder(&source);
    Pacer pacer(m_node.get(), { &source }, 10);
    connect(
            &source, &EventSource::opened, &pacer, [&pacer] { pacer.start(); },
            Qt::SingleShotConnection);
    source.open();
    QVERIFY(pacer.wait(20000));
    QCOMPARE(recorder.ids(), idRange(1, m_node->published())); // the backlog, then paced
    for (int k = 1; k <= m_node->published(); ++k)
        QCOMPARE(recorder.events.at(k - 1).data(), expectedEvent(k).data);
    QCOMPARE(recorder.events.first().origin(), u"https://127.0.0.1:%1"_s.arg(m_tlsPort));
    QVERIFY(recorder.errors.isEmpty());
    qInfo("%s: publish-to-arrival latency %s", QTest::currentDataTag(),
          qPrintable(latencySummary(pacer.latenciesUs())));

    source.close();
    // nginx logs the request when it sees the close: give a loaded machine time.
    QTRY_VERIFY_WITH_TIMEOUT(!logLines(tag).isEmpty(), 20000);
    const QByteArray needle = ' ' + protocol + ' ';
    for (const QByteArray &line : logLines(tag))
        QVERIFY2(line.contains(needle), line.constData());
}

void tst_NginxTls::untrustedCertificateFails()
{
    EventSource source(url(u"untrusted"_s)); // the system's CAs only
    StreamRecorder recorder(&source);
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(source.readyState(), EventSource::Closed, 20000); // a TLS handshake
    QCOMPARE(source.error(), EventSource::TlsError);
    QCOMPARE(recorder.errors, QList<EventSource::Error>{ EventSource::TlsError });
    QCOMPARE(recorder.errorStates, QList<EventSource::ReadyState>{ EventSource::Closed });
    QCOMPARE(recorder.opens, 0);
    QVERIFY(recorder.events.isEmpty());
    qInfo("untrusted: %s", qPrintable(source.errorString()));
}

// Forty sources share one injected manager and stream from one host at once over HTTP/2.
// The manager carries every one of them (QtSse never moves a stream to a manager the
// application did not make), and QNAM negotiates HTTP/2 on one connection before it opens
// more: all forty are multiplexed on it. The test reports how many connections nginx saw.
void tst_NginxTls::fortyStreamsOverHttp2_data()
{
    QTest::addColumn<QString>("tagPrefix");
    QTest::addColumn<bool>("firstOneAlone");
    QTest::addColumn<int>("expectedConnections");
    // Opened together, before anything is known of the host: still one connection.
    QTest::newRow("forty at once") << u"forty-"_s << false << 1;
    // Opened after the first one answered over HTTP/2: all multiplexed on one connection.
    QTest::newRow("after the first") << u"staggered-"_s << true << 1;
}

void tst_NginxTls::fortyStreamsOverHttp2()
{
    QFETCH(QString, tagPrefix);
    QFETCH(bool, firstOneAlone);
    QFETCH(int, expectedConnections);
    constexpr int streams = 40;
    QNetworkAccessManager manager;
    std::vector<std::unique_ptr<EventSource>> sources;
    std::vector<std::unique_ptr<StreamRecorder>> recorders;
    QList<EventSource *> pointers;
    for (int i = 0; i < streams; ++i) {
        const QString tag = tagPrefix + QString::number(i);
        auto source = std::make_unique<EventSource>();
        source->setNetworkAccessManager(&manager);
        source->setRequest(QtSseTest::trustingRequest(url(tag)));
        recorders.push_back(std::make_unique<StreamRecorder>(source.get()));
        pointers.append(source.get());
        sources.push_back(std::move(source));
    }
    if (firstOneAlone) {
        pointers.first()->open();
        QTRY_COMPARE_WITH_TIMEOUT(recorders.front()->opens, 1, 20000);
    }
    for (EventSource *source : std::as_const(pointers))
        source->open();
    const auto openCount = [&recorders] {
        return int(std::count_if(recorders.cbegin(), recorders.cend(),
                                 [](const auto &r) { return r->opens == 1; }));
    };
    QTRY_COMPARE_WITH_TIMEOUT(openCount(), streams, 30000);

    // All forty flow at once: event k+1 is published only after all forty have event k.
    const int backlog = m_node->published();
    Pacer pacer(m_node.get(), pointers, 5);
    pacer.start();
    QVERIFY(pacer.wait(30000));
    for (int i = 0; i < streams; ++i) {
        QCOMPARE(recorders.at(i)->ids(), idRange(1, backlog + 5));
        QVERIFY(recorders.at(i)->errors.isEmpty());
        QCOMPARE(pointers.at(i)->readyState(), EventSource::Open);
    }
    qInfo("40 streams over HTTP/2: publish-to-arrival latency %s",
          qPrintable(latencySummary(pacer.latenciesUs())));

    // Closing them makes nginx log each request with its connection's serial number.
    sources.clear();
    const auto fortyLines = [this, &tagPrefix] {
        QList<QByteArray> lines;
        for (const QByteArray &line : m_nginx->accessLog()) {
            if (line.contains(QByteArray("test=" + tagPrefix.toUtf8())))
                lines.append(line);
        }
        return lines;
    };
    QTRY_COMPARE_WITH_TIMEOUT(fortyLines().size(), streams, 20000);
    QSet<QByteArray> connections;
    for (const QByteArray &line : fortyLines()) {
        QVERIFY2(line.contains(" HTTP/2.0 "), line.constData());
        connections.insert(line.left(line.indexOf(' ')));
    }
    qInfo("40 streams over HTTP/2 sharing one QNetworkAccessManager: nginx saw %d TCP connections",
          int(connections.size()));
    QCOMPARE(int(connections.size()), expectedConnections);
}

QTEST_MAIN(tst_NginxTls)
#include "tst_nginxtls.moc"
