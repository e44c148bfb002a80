// SPDX-License-Identifier: MIT
// EventSource and the machine's network: offline waits spend no attempt and no retry budget,
// the network's return reconnects at once with the back-off reset, and a drop-and-return or a
// new transport medium under an open stream reconnects at once, keeping the last event ID.
#include "networkmonitor_p.h"
#include "ssetestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qpointer.h>
#include <QtCore/qscopeguard.h>
#include <QtNetwork/qnetworkinformation.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

using namespace QtSse;
using namespace Qt::StringLiterals;

namespace {
constexpr int Wifi = int(QNetworkInformation::TransportMedium::WiFi);
constexpr int Ethernet = int(QNetworkInformation::TransportMedium::Ethernet);

void setNetwork(NetworkMonitor::Reachability reachability, int medium = Wifi)
{
    NetworkMonitor::instance()->setState(reachability, medium);
}

// A stream that answers each request by its Last-Event-ID: events id+1 and id+2, then stays
// open (the test ends it through `last`). So a reconnect resumes, and nothing repeats.
struct ResumingServer
{
    ResumingServer()
        : server([this](const HttpRequest &request, QTcpSocket *socket) {
              const int from = request.header("Last-Event-ID").toInt();
              SseTestServer::writeStreamHead(socket);
              for (int id = from + 1; id <= from + 2; ++id)
                  socket->write("id: " + QByteArray::number(id) + "\ndata: e"
                                + QByteArray::number(id) + "\n\n");
              last = socket;
          })
    {
    }
    SseTestServer server;
    QPointer<QTcpSocket> last;
};
} // namespace

class tst_NetworkChanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void loopbackIgnoresTheNetwork();
    void offlineAtOpenWaitsWithoutAttempts();
    void offlineSpendsNoRetryBudget();
    void failureWhileOfflineWaits();
    void backOnlineResetsTheBackoff();
    void dropAndReturnWhileOpenReconnects();
    void transportChangeWhileOpenReconnects();
    void finiteStreamNotSentAgain_data();
    void finiteStreamNotSentAgain();
    void briefDropWithoutAStreamChangesNothing();
    void followNetworkChangesOff();
    void closeWhileOfflineIsFinal();
};

void tst_NetworkChanges::initTestCase()
{
    // Only this test changes the monitor's state: the machine's own network stays out of it.
    NetworkMonitor::setBackendEnabled(false);
    // The servers are on loopback, which ignores the network unless told otherwise.
    NetworkMonitor::setLoopbackExempt(false);
}

void tst_NetworkChanges::loopbackIgnoresTheNetwork()
{
    NetworkMonitor::setLoopbackExempt(true);
    const auto restore = qScopeGuard([] { NetworkMonitor::setLoopbackExempt(false); });
    QVERIFY(!NetworkMonitor::followsNetwork(u"127.0.0.1"_s));
    QVERIFY(!NetworkMonitor::followsNetwork(u"::1"_s));
    QVERIFY(!NetworkMonitor::followsNetwork(u"LocalHost"_s));
    QVERIFY(!NetworkMonitor::followsNetwork(u"api.localhost"_s));
    QVERIFY(NetworkMonitor::followsNetwork(u"example.com"_s));
    QVERIFY(NetworkMonitor::followsNetwork(u"192.168.1.10"_s));
    // Offline, a local server is still reached at once.
    ResumingServer s;
    EventSource source(s.server.url());
    setNetwork(NetworkMonitor::Reachability::Offline);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(source.error(), EventSource::NoError);
}

void tst_NetworkChanges::init()
{
    setNetwork(NetworkMonitor::Reachability::Online);
}

void tst_NetworkChanges::offlineAtOpenWaitsWithoutAttempts()
{
    ResumingServer s;
    EventSource source(s.server.url());
    source.setReconnectionTime(1);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    QSignalSpy opened(&source, &EventSource::opened);
    setNetwork(NetworkMonitor::Reachability::Offline);
    source.open();
    QVERIFY(errors.wait());
    QCOMPARE(errors.first().first().value<EventSource::Error>(), EventSource::OfflineError);
    QCOMPARE(source.readyState(), EventSource::Connecting);
    QCOMPARE(source.error(), EventSource::OfflineError);
    QVERIFY2(source.errorString().contains(u"offline"_s), qPrintable(source.errorString()));
    QCOMPARE(source.reconnectDelay(), -1);
    // Held back: with a 1 ms reconnection time, any attempt would have reached the server.
    QVERIFY(!errors.wait(300));
    QCOMPARE(errors.size(), 1);
    QVERIFY(s.server.requests.isEmpty());

    setNetwork(NetworkMonitor::Reachability::Online);
    QVERIFY(opened.wait());
    QCOMPARE(s.server.requests.size(), 1);
    QCOMPARE(source.error(), EventSource::NoError);
    QVERIFY(source.errorString().isEmpty());
}

void tst_NetworkChanges::offlineSpendsNoRetryBudget()
{
    // Every attempt is refused: the server is gone. One retry allowed.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    EventSource source(QUrl(u"http://127.0.0.1:%1/"_s.arg(port)));
    source.setReconnectionTime(1);
    source.setMaximumRetries(1);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    // The first refusal (one retry left) comes as the network goes: its retry comes due
    // while offline, and the source waits instead of spending it.
    connect(
            &source, &EventSource::errorOccurred, this,
            [](EventSource::Error error) {
                if (error == EventSource::NetworkError)
                    setNetwork(NetworkMonitor::Reachability::Offline);
            },
            Qt::SingleShotConnection);
    source.open();
    QTRY_COMPARE(errors.size(), 2);
    QCOMPARE(errors.first().first().value<EventSource::Error>(), EventSource::NetworkError);
    QCOMPARE(source.error(), EventSource::OfflineError);
    QCOMPARE(source.readyState(), EventSource::Connecting);
    QVERIFY(!errors.wait(300));
    QCOMPARE(source.readyState(), EventSource::Connecting);
    // Back online: the budget starts again, so the next refusal is retried, not fatal.
    setNetwork(NetworkMonitor::Reachability::Online);
    QTRY_VERIFY(errors.size() >= 3);
    QCOMPARE(errors.at(1).first().value<EventSource::Error>(), EventSource::OfflineError);
    QCOMPARE(errors.at(2).first().value<EventSource::Error>(), EventSource::NetworkError);
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(source.error(), EventSource::RetriesExhaustedError);
}

void tst_NetworkChanges::failureWhileOfflineWaits()
{
    // A stream is open, with no event yet, when the network goes; then the server ends it.
    // An attempt without an event is a failed one, and there is no retry to spare: the failure
    // must not end the source while offline.
    QPointer<QTcpSocket> stream;
    SseTestServer server([&stream](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        stream = socket;
    });
    EventSource source(server.url());
    source.setMaximumRetries(0);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    setNetwork(NetworkMonitor::Reachability::Offline);
    stream->disconnectFromHost();
    QVERIFY(errors.wait());
    QCOMPARE(errors.first().first().value<EventSource::Error>(), EventSource::OfflineError);
    QCOMPARE(source.readyState(), EventSource::Connecting);
    QCOMPARE(server.requests.size(), 1);
    // Back online, the attempt it waited for is made and answered.
    setNetwork(NetworkMonitor::Reachability::Online);
    QTRY_COMPARE(server.requests.size(), 2);
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(errors.size(), 1);
}

void tst_NetworkChanges::backOnlineResetsTheBackoff()
{
    // A server that refuses with a reset connection: each attempt fails fast, and the back-off
    // grows. Long waits, so that only the network's return can explain an early attempt.
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) { socket->abort(); });
    EventSource source(server.url());
    source.setReconnectionTime(60000);
    source.setMaximumReconnectionDelay(600000);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    source.open();
    QTRY_COMPARE(errors.size(), 1);
    QCOMPARE(source.readyState(), EventSource::Connecting);
    QVERIFY(source.reconnectDelay() >= 60000);
    setNetwork(NetworkMonitor::Reachability::Offline);
    setNetwork(NetworkMonitor::Reachability::Online);
    // At once, not in a minute: a second request, and its failure waits exactly the
    // reconnection time again (the first failure of a streak).
    QTRY_COMPARE(server.requests.size(), 2);
    QTRY_COMPARE(errors.size(), 2);
    QCOMPARE(source.reconnectDelay(), 60000);
    source.close();
}

void tst_NetworkChanges::dropAndReturnWhileOpenReconnects()
{
    ResumingServer s;
    EventSource source(s.server.url());
    QStringList ids;
    connect(&source, &EventSource::messageReceived, this,
            [&](const MessageEvent &event) { ids << event.lastEventId(); });
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    source.open();
    QTRY_COMPARE(ids.size(), 2);
    QPointer<QTcpSocket> first = s.last;
    setNetwork(NetworkMonitor::Reachability::Offline);
    QCOMPARE(source.readyState(), EventSource::Open); // the connection may yet survive
    setNetwork(NetworkMonitor::Reachability::Online);
    // A new connection at once (the reconnection time is 3 s), resuming after id 2.
    QTRY_COMPARE(s.server.requests.size(), 2);
    QCOMPARE(s.server.requests.at(1).header("Last-Event-ID"), "2"_ba);
    QTRY_COMPARE(ids.size(), 4);
    QCOMPARE(ids, (QStringList{ u"1"_s, u"2"_s, u"3"_s, u"4"_s }));
    QCOMPARE(source.readyState(), EventSource::Open);
    QVERIFY(errors.isEmpty()); // a reconnect we chose is not an error
    QTRY_VERIFY(!first || first->state() != QAbstractSocket::ConnectedState); // the old one is gone
}

void tst_NetworkChanges::transportChangeWhileOpenReconnects()
{
    ResumingServer s;
    EventSource source(s.server.url());
    QSignalSpy messages(&source, &EventSource::messageReceived);
    source.open();
    QTRY_COMPARE(messages.size(), 2);
    setNetwork(NetworkMonitor::Reachability::Online, Ethernet); // Wi-Fi to a cable
    QTRY_COMPARE(s.server.requests.size(), 2);
    QCOMPARE(s.server.requests.at(1).header("Last-Event-ID"), "2"_ba);
    QTRY_COMPARE(messages.size(), 4);
    QCOMPARE(source.lastEventId(), u"4"_s);
}

void tst_NetworkChanges::finiteStreamNotSentAgain_data()
{
    QTest::addColumn<bool>("dropAndReturn"); // or a new medium
    QTest::newRow("drop and return") << true;
    QTest::newRow("new medium") << false;
}

void tst_NetworkChanges::finiteStreamNotSentAgain()
{
    // An LLM's answer that already gave events is not requested again on a network change:
    // the connection either survives or fails, and the failure closes the source.
    QFETCH(bool, dropAndReturn);
    ResumingServer s;
    EventSource source(s.server.url());
    source.setMethod("POST");
    source.setBody("question");
    source.setReconnectPolicy(EventSource::ReconnectBeforeFirstEvent);
    QSignalSpy messages(&source, &EventSource::messageReceived);
    source.open();
    QTRY_COMPARE(messages.size(), 2);
    if (dropAndReturn) {
        setNetwork(NetworkMonitor::Reachability::Offline);
        setNetwork(NetworkMonitor::Reachability::Online);
    } else {
        setNetwork(NetworkMonitor::Reachability::Online, Ethernet);
    }
    QSignalSpy connections(&s.server, &QTcpServer::newConnection);
    QVERIFY(!connections.wait(500)); // the reconnection time is 3 s; a reconnect would be now
    QCOMPARE(s.server.requests.size(), 1);
    QCOMPARE(source.readyState(), EventSource::Open);
    QVERIFY(s.last && s.last->state() == QAbstractSocket::ConnectedState);
}

void tst_NetworkChanges::briefDropWithoutAStreamChangesNothing()
{
    // Closed sources and sources that never opened ignore the network.
    ResumingServer s;
    EventSource source(s.server.url());
    QSignalSpy states(&source, &EventSource::readyStateChanged);
    setNetwork(NetworkMonitor::Reachability::Offline);
    setNetwork(NetworkMonitor::Reachability::Online, Ethernet);
    QVERIFY(!states.wait(100));
    QCOMPARE(source.readyState(), EventSource::Closed);
    QVERIFY(s.server.requests.isEmpty());
}

void tst_NetworkChanges::followNetworkChangesOff()
{
    ResumingServer s;
    EventSource source(s.server.url());
    QSignalSpy changed(&source, &EventSource::followNetworkChangesChanged);
    QCOMPARE(source.followNetworkChanges(), true);
    setNetwork(NetworkMonitor::Reachability::Offline);
    source.open();
    QTRY_COMPARE(source.error(), EventSource::OfflineError);
    QVERIFY(s.server.requests.isEmpty());
    // Turned off while waiting: the source tries at once, and loopback answers.
    source.setFollowNetworkChanges(false);
    QCOMPARE(changed.size(), 1);
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(s.server.requests.size(), 1);
    // Off, the network's changes leave an open stream alone.
    setNetwork(NetworkMonitor::Reachability::Online, Ethernet);
    QVERIFY(!QSignalSpy(&source, &EventSource::readyStateChanged).wait(200));
    QCOMPARE(s.server.requests.size(), 1);
}

void tst_NetworkChanges::closeWhileOfflineIsFinal()
{
    ResumingServer s;
    EventSource source(s.server.url());
    setNetwork(NetworkMonitor::Reachability::Offline);
    source.open();
    QTRY_COMPARE(source.error(), EventSource::OfflineError);
    source.close();
    QCOMPARE(source.readyState(), EventSource::Closed);
    QSignalSpy states(&source, &EventSource::readyStateChanged);
    setNetwork(NetworkMonitor::Reachability::Online);
    QVERIFY(!states.wait(200));
    QCOMPARE(source.readyState(), EventSource::Closed);
    QVERIFY(s.server.requests.isEmpty());
}

QTEST_GUILESS_MAIN(tst_NetworkChanges)
#include "tst_networkchanges.moc"
