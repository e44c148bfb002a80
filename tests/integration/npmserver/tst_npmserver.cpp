// SPDX-License-Identifier: MIT
// QtSse::EventSource against a real SSE server this project did not write: the better-sse
// package from the npm registry, run under node (tests/integration/node/sse-server.js), on a
// loopback port. The test starts and kills the server by its process id.
#include "integrationsupport.h"

#include <QtSse/EventSource>

#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;
using namespace Integration;
using QtSse::EventSource;
using QtSse::MessageEvent;

class tst_NpmServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void receivesExactlyWhatWasSent();
    void resumesAfterServerRestart();
};

void tst_NpmServer::initTestCase()
{
    qRegisterMetaType<QtSse::MessageEvent>();
}

void tst_NpmServer::receivesExactlyWhatWasSent()
{
    INTEGRATION_REQUIRE(nodeServerMissing());
    constexpr int initial = 3; // in the server's log before the client connects
    constexpr int last = 24;
    NodeSseServer server;
    QVERIFY(server.start(0, initial, 250));
    QTRY_VERIFY2_WITH_TIMEOUT(server.isListening(), server.diagnostics().constData(), 20000);

    EventSource source(server.url());
    StreamRecorder recorder(&source);
    QList<MessageEvent> messages;
    QList<MessageEvent> ticks;
    connect(&source, &EventSource::messageReceived, this,
            [&messages](const MessageEvent &e) { messages.append(e); });
    source.addEventListener(u"tick"_s, this, [&ticks](const MessageEvent &e) { ticks.append(e); });
    Pacer pacer(&server, { &source }, last - initial);
    connect(
            &source, &EventSource::opened, &pacer, [&pacer] { pacer.start(); },
            Qt::SingleShotConnection);
    source.open();
    QVERIFY2(pacer.wait(), server.diagnostics().constData());

    QCOMPARE(recorder.ids(), idRange(1, last)); // in order, none lost, none twice
    const QString origin = u"http://127.0.0.1:%1"_s.arg(server.port());
    for (int k = 1; k <= last; ++k) {
        const MessageEvent &e = recorder.events.at(k - 1);
        const ExpectedEvent expected = expectedEvent(k);
        QCOMPARE(e.type(), expected.type);
        QCOMPARE(e.data(), expected.data);
        QCOMPARE(e.lastEventId(), expected.id);
        QCOMPARE(e.origin(), origin);
    }
    QCOMPARE(messages.size(), last / 3);
    QCOMPARE(ticks.size(), last / 3);
    for (const MessageEvent &e : std::as_const(ticks))
        QCOMPARE(e.type(), u"tick"_s);
    QCOMPARE(source.reconnectionTime(), 250); // the server's retry: field
    QCOMPARE(source.lastEventId(), QString::number(last));
    QCOMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(recorder.opens, 1);
    QVERIFY(recorder.errors.isEmpty());

    // What the server saw: no Last-Event-ID on the first request.
    const QList<QJsonObject> connected = server.reports(u"connected"_s);
    QVERIFY(!connected.isEmpty());
    QVERIFY(connected.first().value(u"lastEventId"_s).isNull());
    qInfo("direct to better-sse, publish-to-arrival latency: %s",
          qPrintable(latencySummary(pacer.latenciesUs())));
}

void tst_NpmServer::resumesAfterServerRestart()
{
    INTEGRATION_REQUIRE(nodeServerMissing());
    NodeSseServer server;
    QVERIFY(server.start(0, 5, 250));
    QTRY_VERIFY2_WITH_TIMEOUT(server.isListening(), server.diagnostics().constData(), 20000);
    const quint16 port = server.port();

    EventSource source(server.url());
    source.setMaximumReconnectionDelay(1000); // keep the back-off short while the server is down
    StreamRecorder recorder(&source);
    source.open();
    QTRY_COMPARE(recorder.ids(), idRange(1, 5));
    QCOMPARE(source.reconnectionTime(), 250);

    // A crash: SIGKILL, no clean end of the stream.
    const qint64 firstPid = server.processId();
    server.kill();
    QVERIFY(!server.isRunning());
    QTRY_VERIFY(!recorder.errors.isEmpty());
    QCOMPARE(recorder.errors.first(), EventSource::NetworkError);
    QCOMPARE(recorder.errorStates.first(), EventSource::Connecting); // it will reconnect

    // The restarted server, on the same port, has published 6..8 while the client was away.
    QVERIFY(server.start(port, 8, 250));
    QVERIFY(server.processId() != firstPid);
    QTRY_VERIFY2_WITH_TIMEOUT(server.isListening(), server.diagnostics().constData(), 20000);
    QCOMPARE(server.port(), port);
    QTRY_COMPARE_WITH_TIMEOUT(recorder.ids(), idRange(1, 8), 20000);

    Pacer pacer(&server, { &source }, 2);
    pacer.start();
    QVERIFY2(pacer.wait(), server.diagnostics().constData());
    QCOMPARE(recorder.ids(), idRange(1, 10)); // none lost, none twice
    for (int k = 1; k <= 10; ++k)
        QCOMPARE(recorder.events.at(k - 1).data(), expectedEvent(k).data);
    QCOMPARE(source.readyState(), EventSource::Open);

    // The restarted server got Last-Event-ID: 5 and sent its backlog after it.
    const QList<QJsonObject> connected = server.reports(u"connected"_s);
    QVERIFY(!connected.isEmpty());
    for (const QJsonObject &c : connected) {
        QCOMPARE(c.value(u"lastEventId"_s).toString(), u"5"_s);
    }
    QCOMPARE(connected.last().value(u"backlog"_s).toArray(), QJsonArray({ 6, 7, 8 }));
}

QTEST_MAIN(tst_NpmServer)
#include "tst_npmserver.moc"
