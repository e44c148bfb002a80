// SPDX-License-Identifier: MIT
// QtSse::EventSource against in-process loopback servers that script every byte. Test names
// and comments cite ../shared/conformance/CHECKLIST.md (C, R, X, T, E items).
#include "countingmanager.h"
#include "contentcodings.h"
#include "processstats.h"
#include "ssetestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qeventloop.h>
#include <QtCore/qthread.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookie.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>
#include <utility>

using namespace Qt::StringLiterals;
using QtSse::EventSource;
using QtSse::MessageEvent;

namespace {

// Records every signal of a source in order, each with the readyState seen by the handler.
class Recorder : public QObject
{
public:
    explicit Recorder(EventSource *source) : m_source(source)
    {
        connect(source, &EventSource::opened, this, [this] { add(u"open"_s); });
        connect(source, &EventSource::messageReceived, this, [this](const MessageEvent &e) {
            messages.append(e);
            add(u"message:"_s + e.data());
        });
        connect(source, &EventSource::eventReceived, this,
                [this](const MessageEvent &e) { events.append(e); });
        connect(source, &EventSource::errorOccurred, this, [this](EventSource::Error e) {
            errors.append(e);
            add(u"error:"_s + QString::number(int(e)));
        });
    }
    void add(const QString &what)
    {
        log.append(what + u'@' + QString::number(int(m_source->readyState())));
    }
    QStringList log;
    QList<MessageEvent> messages;
    QList<MessageEvent> events;
    QList<EventSource::Error> errors;

private:
    EventSource *m_source;
};

QString errorEntry(EventSource::Error e, EventSource::ReadyState s)
{
    return u"error:%1@%2"_s.arg(int(e)).arg(int(s));
}

// A server that serves `body` on every request as a 200 stream and closes it.
SseTestServer::Handler streamThenClose(const QByteArray &body)
{
    return [body](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        socket->write(body);
        socket->disconnectFromHost();
    };
}

// A port on which nothing listens.
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost);
    return probe.serverPort();
}

} // namespace

// A receiver with a member slot, as applications write them.
class PriceBoard : public QObject
{
public:
    void onPrice(const MessageEvent &event) { prices.append(event.data()); }
    QStringList prices;
};

class tst_EventSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // R: readyState
    void readyStateValues_R01();
    void noSynchronousSignals_R02();
    // C: requests and responses
    void requestHeaders_C02_C03_C04();
    void lastEventIdOnReconnect_C05_N05();
    void reconnectReusesRequest_C06();
    void cookiesKeptAcrossReconnects_C07();
    void invalidUrl_C08();
    void nonHttpScheme_C09();
    void redirectsFollowed_C10_data();
    void redirectsFollowed_C10();
    void failingStatus_C11_data();
    void failingStatus_C11();
    void noContentOnReconnect_C11();
    void contentType_C12_data();
    void contentType_C12();
    void openBeforeMessages_C13_R03();
    void normalEndReconnects_C14_R04_E04();
    void networkErrorReconnects_C15();
    void managerDestroyedFails_C16();
    void originOfFinalUrl_C17_C01();
    // X: close()
    void closeInOpenHandler_X01();
    void closeCancelsReconnect_X02_T05();
    void closeIsSilent_X03();
    void closeInMessageHandlerDropsRestOfChunk_X04();
    void closeAnyTimes_X05();
    // T: reconnection
    void retryChangesReconnectionTime_T03_T04();
    void retryReceivedAsSent();
    // E: events
    void namedEvents_E03();
    void failureOnlyErrors_E05();
    // Beyond the browser
    void customHeadersMethodAndBodyResent();
    void requestPreparerRunsBeforeEachConnect();
    void initialLastEventIdSent();
    void reconnectNowKeepsLastEventId();
    void reconnectWhileAnErrorBodyArrives();
    void backoffGrowsAndResets();
    void giveUpAfterMaximumRetries();
    void giveUpAfterMaximumDuration();
    void readTimeoutReconnects();
    void eventTooLargeReconnects();
    void largeEventsPastTheReadBufferLimit();
    void errorDetails();
    void errorStateNotifies();
    void durationsAsChrono();
    void credentialsDroppedAcrossOrigins();
    void credentialsKeptSameOrigin();
    void badRedirects_data();
    void badRedirects();
    void twentyStreamsToOneHost_data();
    void twentyStreamsToOneHost();
    void streamsShareThreads_data();
    void streamsShareThreads();
    void replaceManagerWhileStreaming();
    void sharedManagerDestroyedUnderItsStreams();
    void workerThread();
    void destroyWhileOpen();
    void nestedEventLoopInSlot();
    void lateReceiversGetLaterEvents();
    void lastEventIdSetWhileOpen();
    void deleteLaterInSlot();
};

void tst_EventSource::initTestCase()
{
    qRegisterMetaType<QtSse::MessageEvent>();
}

void tst_EventSource::readyStateValues_R01()
{
    QCOMPARE(int(EventSource::Connecting), 0);
    QCOMPARE(int(EventSource::Open), 1);
    QCOMPARE(int(EventSource::Closed), 2);
}

void tst_EventSource::noSynchronousSignals_R02()
{
    SseTestServer server(streamThenClose("data: a\n\n"));
    EventSource source(server.url());
    QCOMPARE(source.readyState(), EventSource::Closed); // before open()
    QSignalSpy stateSpy(&source, &EventSource::readyStateChanged);
    QSignalSpy openSpy(&source, &EventSource::opened);
    QVERIFY(stateSpy.isValid() && openSpy.isValid());
    source.open();
    QCOMPARE(source.readyState(), EventSource::Connecting);
    QCOMPARE(stateSpy.size(), 0); // queued, so handlers attached now still see it
    Recorder rec(&source);
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(stateSpy.first().first().value<EventSource::ReadyState>(), EventSource::Connecting);
    source.setReconnectionTime(1234);
    source.setUrl(server.url(u"/other"_s));
    QCOMPARE(openSpy.size(), 1);
}

void tst_EventSource::requestHeaders_C02_C03_C04()
{
    SseTestServer server(streamThenClose("data: a\n\n"));
    EventSource source(server.url(u"/s"_s));
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    const HttpRequest r = server.requests.first();
    QCOMPARE(r.method, "GET");
    QCOMPARE(r.target, "/s");
    QCOMPARE(r.header("accept"), "text/event-stream");
    QCOMPARE(r.header("cache-control"), "no-cache");
    QVERIFY(!r.hasHeader("last-event-id"));
    // The codings this build decodes, "identity" when none (QNAM adds none of its own then).
    QCOMPARE(r.header("accept-encoding"), QtSseTest::acceptedByThisBuild());
}

void tst_EventSource::lastEventIdOnReconnect_C05_N05()
{
    // 1st body sets an id with U+2026; 2nd resets it; 3rd sees no header. The server chooses
    // by the header it gets (QNAM may resend a request, so it must not count requests).
    bool reset = false;
    QList<QByteArray> seen;
    SseTestServer server([&](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        const QByteArray id = request.hasHeader("last-event-id") ? request.header("last-event-id")
                                                                 : QByteArray("<none>");
        if (seen.isEmpty() || seen.last() != id)
            seen.append(id);
        if (id == "<none>")
            socket->write(reset ? "data: 3\n\n" : "retry: 5\nid: a<\xE2\x80\xA6\ndata: 1\n\n");
        else
            socket->write("id\ndata: 2\n\n"), reset = true;
        socket->disconnectFromHost();
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_VERIFY(rec.messages.size() >= 3);
    source.close();
    QCOMPARE(seen.mid(0, 3), QList<QByteArray>({ "<none>", "a<\xE2\x80\xA6", "<none>" }));
    QCOMPARE(rec.messages.at(0).lastEventId(), u"a<\u2026"_s);
    QCOMPARE(rec.messages.at(1).lastEventId(), u""_s);
    QCOMPARE(rec.messages.at(2).data(), u"3"_s);
}

void tst_EventSource::reconnectReusesRequest_C06()
{
    SseTestServer target(streamThenClose("retry: 5\ndata: x\n\n"));
    SseTestServer entry([&target](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "307 Temporary Redirect",
                                     "Location: " + target.url(u"/t"_s).toEncoded() + "\r\n", {});
    });
    EventSource source(entry.url(u"/start"_s));
    source.setRequestHeader("X-Custom", "kept");
    Recorder rec(&source);
    source.open();
    QTRY_VERIFY(rec.messages.size() >= 2);
    source.close();
    QVERIFY(entry.requests.size() >= 2); // every reconnect starts at the original URL
    for (const HttpRequest &r : std::as_const(entry.requests)) {
        QCOMPARE(r.target, "/start");
        QCOMPARE(r.header("x-custom"), "kept");
    }
    QCOMPARE(source.url(), entry.url(u"/start"_s));
}

void tst_EventSource::cookiesKeptAcrossReconnects_C07()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket,
                                       "Connection: close\r\nSet-Cookie: session=abc; Path=/\r\n");
        socket->write("retry: 5\ndata: " + request.header("cookie") + "\n\n");
        socket->disconnectFromHost();
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_VERIFY(rec.messages.size() >= 2);
    source.close();
    QCOMPARE(rec.messages.at(0).data(), u""_s);
    QCOMPARE(rec.messages.at(1).data(), u"session=abc"_s);
}

void tst_EventSource::invalidUrl_C08()
{
    for (const QUrl &url :
         { QUrl(), QUrl(u"http://exa mple.com:99999/"_s), QUrl(u"relative/path"_s) }) {
        EventSource source(url);
        Recorder rec(&source);
        source.open();
        // Refused up front: still CLOSED, the error readable at once, the signal queued.
        QCOMPARE(source.readyState(), EventSource::Closed);
        QCOMPARE(source.error(), EventSource::InvalidUrlError);
        QVERIFY(rec.log.isEmpty());
        QTRY_COMPARE(rec.log,
                     QStringList{ errorEntry(EventSource::InvalidUrlError, EventSource::Closed) });
    }
}

void tst_EventSource::nonHttpScheme_C09()
{
    for (const char *url :
         { "ftp://127.0.0.1/x", "mailto:a@b.c", "about:blank", "javascript:alert(1)" }) {
        EventSource source(QUrl(QString::fromLatin1(url)));
        Recorder rec(&source);
        source.open();
        QVERIFY(rec.log.isEmpty());
        QTRY_COMPARE(rec.log,
                     QStringList{ errorEntry(EventSource::UnsupportedSchemeError,
                                             EventSource::Closed) });
        QCOMPARE(source.readyState(), EventSource::Closed);
    }
}

void tst_EventSource::redirectsFollowed_C10_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("expectedMethod");
    for (int status : { 301, 302, 303, 307, 308 })
        QTest::addRow("%d GET", status) << status << QByteArray("GET") << QByteArray("GET");
    QTest::newRow("303 POST becomes GET") << 303 << QByteArray("POST") << QByteArray("GET");
    QTest::newRow("302 POST becomes GET") << 302 << QByteArray("POST") << QByteArray("GET");
    QTest::newRow("307 POST stays POST") << 307 << QByteArray("POST") << QByteArray("POST");
    QTest::newRow("308 POST stays POST") << 308 << QByteArray("POST") << QByteArray("POST");
}

void tst_EventSource::redirectsFollowed_C10()
{
    QFETCH(int, status);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, expectedMethod);
    SseTestServer server([status](const HttpRequest &request, QTcpSocket *socket) {
        if (request.path() == "/from") {
            SseTestServer::writeResponse(socket, QByteArray::number(status) + " Moved",
                                         "Location: /to\r\n", "moved");
        } else {
            SseTestServer::writeStreamHead(socket);
            socket->write("data: " + request.method + ' ' + request.body + "\n\n");
        }
    });
    EventSource source(server.url(u"/from"_s));
    source.setMethod(method);
    if (method == "POST") {
        source.setBody("{\"q\":1}");
        source.setRequestHeader("Content-Type", "application/json");
    }
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(rec.log.first(), u"open@1"_s);
    const QString expectedBody = expectedMethod == "POST" ? u"{\"q\":1}"_s : QString();
    QCOMPARE(rec.messages.first().data(),
             QString::fromLatin1(expectedMethod) + u' ' + expectedBody);
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests.at(1).method, expectedMethod);
    source.close();
}

void tst_EventSource::failingStatus_C11_data()
{
    QTest::addColumn<int>("status");
    for (int status : { 204, 205, 210, 299, 404, 410, 500, 502, 503, 504 })
        QTest::addRow("%d", status) << status;
}

void tst_EventSource::failingStatus_C11()
{
    QFETCH(int, status);
    SseTestServer server([status](const HttpRequest &, QTcpSocket *socket) {
        const QByteArray body = status == 204 || status == 205
                ? QByteArray()
                : QByteArray("<html>oops data: x\n\n</html>");
        SseTestServer::writeResponse(socket, QByteArray::number(status) + " Whatever",
                                     "Content-Type: text/event-stream\r\n", body);
    });
    EventSource source(server.url());
    source.setReconnectionTime(5);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.log.size(), 1);
    QCOMPARE(rec.log, QStringList{ errorEntry(EventSource::HttpStatusError, EventSource::Closed) });
    QCOMPARE(source.httpStatus(), status);
    QVERIFY(source.errorString().contains(QString::number(status)));
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    QVERIFY(!errors.wait(100)); // no reconnect
    QCOMPARE(server.requests.size(), 1);
    QVERIFY(rec.messages.isEmpty()); // N-06: the error body is never parsed
}

void tst_EventSource::noContentOnReconnect_C11()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        if (!request.hasHeader("last-event-id")) {
            SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
            socket->write("retry: 5\nid: 1\ndata: once\n\n");
            socket->disconnectFromHost();
        } else {
            SseTestServer::writeResponse(socket, "204 No Content", {}, {});
        }
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(rec.log,
             QStringList({ u"open@1"_s, u"message:once@1"_s,
                           errorEntry(EventSource::StreamEndedError, EventSource::Connecting),
                           errorEntry(EventSource::HttpStatusError, EventSource::Closed) }));
    QCOMPARE(source.httpStatus(), 204);
}

void tst_EventSource::contentType_C12_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("opens");
    QTest::newRow("plain") << QByteArray("text/event-stream") << true;
    QTest::newRow("charset ignored")
            << QByteArray("text/event-stream;charset=windows-1252") << true;
    QTest::newRow("trailing semicolon") << QByteArray("text/event-stream;") << true;
    QTest::newRow("case-insensitive") << QByteArray("Text/Event-Stream ; x=y") << true;
    QTest::newRow("bogus") << QByteArray("text/x-bogus") << false;
    QTest::newRow("unparsable") << QByteArray("x bogus") << false;
    QTest::newRow("html") << QByteArray("text/html") << false;
    QTest::newRow("missing") << QByteArray() << false;
}

void tst_EventSource::contentType_C12()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, opens);
    SseTestServer server([contentType](const HttpRequest &, QTcpSocket *socket) {
        socket->write(
                "HTTP/1.1 200 OK\r\n"
                + (contentType.isNull() ? QByteArray() : "Content-Type: " + contentType + "\r\n")
                + "Connection: close\r\n\r\ndata: \xC3\xA9\n\n");
        socket->disconnectFromHost();
    });
    EventSource source(server.url());
    source.setMaximumRetries(0);
    Recorder rec(&source);
    source.open();
    QTRY_VERIFY(!rec.log.isEmpty() && rec.errors.size() == 1);
    if (opens) {
        QCOMPARE(rec.log.mid(0, 2), QStringList({ u"open@1"_s, u"message:\u00e9@1"_s })); // P-01
    } else {
        QCOMPARE(rec.log,
                 QStringList{ errorEntry(EventSource::ContentTypeError, EventSource::Closed) });
        QCOMPARE(source.httpStatus(), 200);
    }
}

void tst_EventSource::openBeforeMessages_C13_R03()
{
    QPointer<QTcpSocket> stream;
    SseTestServer server([&stream](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        stream = socket;
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    // Announced as soon as the headers arrive, before any event.
    QTRY_COMPARE(rec.log, QStringList{ u"open@1"_s });
    QCOMPARE(source.readyState(), EventSource::Open);
    stream->write("data: first\n\n");
    QTRY_COMPARE(rec.log, QStringList({ u"open@1"_s, u"message:first@1"_s }));
}

void tst_EventSource::normalEndReconnects_C14_R04_E04()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        if (!request.hasHeader("last-event-id"))
            socket->write("retry: 10\nid: 1\ndata: a\n\ndata: b\n\n");
        socket->disconnectFromHost(); // the second body is empty: still a normal end
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_VERIFY(rec.log.size() >= 5);
    QCOMPARE(rec.log.mid(0, 5),
             QStringList({ u"open@1"_s, u"message:a@1"_s, u"message:b@1"_s,
                           errorEntry(EventSource::StreamEndedError, EventSource::Connecting),
                           u"open@1"_s }));
    source.close();
}

void tst_EventSource::networkErrorReconnects_C15()
{
    // Refused: nothing listens. Reconnects, with readyState CONNECTING in the handler.
    EventSource refused(QUrl(u"http://127.0.0.1:%1/"_s.arg(closedPort())));
    refused.setReconnectionTime(10);
    Recorder rec(&refused);
    refused.open();
    QTRY_VERIFY(rec.errors.size() >= 2);
    QCOMPARE(rec.log.first(), errorEntry(EventSource::NetworkError, EventSource::Connecting));
    QCOMPARE(refused.httpStatus(), 0);
    refused.close();

    // Reset in the middle of a chunked body.
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n");
        const QByteArray next = QByteArray::number(request.header("last-event-id").toInt() + 1);
        const QByteArray event = "retry: 10\nid: " + next + "\ndata: " + next + "\n\n";
        socket->write(QByteArray::number(event.size(), 16) + "\r\n" + event + "\r\n");
        socket->flush();
        socket->abort();
    });
    EventSource source(server.url());
    Recorder rec2(&source);
    source.open();
    QTRY_VERIFY(rec2.messages.size() >= 2);
    source.close();
    QVERIFY(rec2.errors.contains(EventSource::NetworkError)
            || rec2.errors.contains(EventSource::StreamEndedError));
    QCOMPARE(rec2.messages.at(0).data(), u"1"_s);
    QCOMPARE(rec2.messages.at(1).data(), u"2"_s); // resumed with Last-Event-ID, nothing lost
}

void tst_EventSource::managerDestroyedFails_C16()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
    });
    auto *manager = new QNetworkAccessManager;
    EventSource source(server.url());
    source.setNetworkAccessManager(manager);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    delete manager;
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(rec.log,
             QStringList(
                     { u"open@1"_s, errorEntry(EventSource::AbortedError, EventSource::Closed) }));
}

void tst_EventSource::originOfFinalUrl_C17_C01()
{
    SseTestServer target([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: x\n\n");
    });
    SseTestServer entry([&target](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "302 Found",
                                     "Location: " + target.url(u"/s"_s).toEncoded() + "\r\n", {});
    });
    EventSource source(entry.url());
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(rec.messages.first().origin(), target.origin());
    QCOMPARE(source.url(), entry.url()); // C-01: unchanged by the redirect
}

void tst_EventSource::closeInOpenHandler_X01()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: never\n\n");
    });
    EventSource source(server.url());
    Recorder rec(&source);
    EventSource::ReadyState seen = EventSource::Open;
    connect(&source, &EventSource::opened, this, [&] {
        source.close();
        seen = source.readyState();
    });
    source.open();
    QTRY_COMPARE(rec.log.size(), 1);
    QCOMPARE(seen, EventSource::Closed);
    QSignalSpy any(&source, &EventSource::eventReceived);
    QVERIFY(!any.wait(100));
    QCOMPARE(rec.log, QStringList{ u"open@1"_s });
}

void tst_EventSource::closeCancelsReconnect_X02_T05()
{
    SseTestServer server(streamThenClose("retry: 50\ndata: a\n\n"));
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.errors.size(), 1); // now waiting to reconnect
    QCOMPARE(source.reconnectDelay(), 50);
    source.close();
    QCOMPARE(source.reconnectDelay(), -1);
    QSignalSpy opened(&source, &EventSource::opened);
    QVERIFY(!opened.wait(200));
    QCOMPARE(server.requests.size(), 1);
}

void tst_EventSource::closeIsSilent_X03()
{
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        stream = socket;
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    source.close();
    QCOMPARE(source.readyState(), EventSource::Closed);
    QTRY_VERIFY(!stream); // the server sees the connection go
    QCOMPARE(rec.log, QStringList{ u"open@1"_s }); // no error for our own abort
    QCOMPARE(source.error(), EventSource::NoError);
}

void tst_EventSource::closeInMessageHandlerDropsRestOfChunk_X04()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: 1\n\ndata: 2\n\nevent: named\ndata: 3\n\n"); // one chunk
    });
    EventSource source(server.url());
    Recorder rec(&source);
    int named = 0;
    source.addEventListener(u"named"_s, this, [&named](const MessageEvent &) { ++named; });
    connect(&source, &EventSource::messageReceived, this, [&source] { source.close(); });
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QSignalSpy any(&source, &EventSource::eventReceived);
    QVERIFY(!any.wait(100));
    QCOMPARE(rec.messages.size(), 1);
    QCOMPARE(named, 0);
    QVERIFY(rec.events.isEmpty()); // closed before the generic signal of event 1 too
}

void tst_EventSource::closeAnyTimes_X05()
{
    SseTestServer server(streamThenClose("retry: 20\ndata: a\n\n"));
    EventSource source(server.url());
    Recorder rec(&source);
    source.close(); // before open
    source.open();
    source.close(); // before the response
    source.close();
    QCOMPARE(source.readyState(), EventSource::Closed);
    // During the wait after the stream ends (20 ms): from the error handler, so that a slow
    // machine cannot let the next attempt start first.
    connect(
            &source, &EventSource::errorOccurred, &source,
            [&source] {
                QCOMPARE(source.readyState(), EventSource::Connecting);
                source.close();
                source.close();
            },
            Qt::SingleShotConnection);
    source.open();
    QTRY_COMPARE(rec.errors.size(), 1);
    QCOMPARE(source.readyState(), EventSource::Closed);
    QVERIFY(!QSignalSpy(&source, &EventSource::errorOccurred).wait(100)); // no reconnect
    EventSource failed(QUrl(u"ftp://x/"_s));
    failed.open();
    QTRY_COMPARE(failed.error(), EventSource::UnsupportedSchemeError);
    failed.close(); // after a failure
    QCOMPARE(failed.readyState(), EventSource::Closed);
}

void tst_EventSource::retryChangesReconnectionTime_T03_T04()
{
    // retry: 2 then retry: 200; the wait follows the latest and persists across connections.
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        socket->write(!request.hasHeader("last-event-id") ? "retry: 2\nid: 1\ndata: a\n\n"
                                                          : "data: b\n\n");
        socket->disconnectFromHost();
    });
    EventSource source(server.url());
    Recorder rec(&source);
    QList<int> delays;
    connect(&source, &EventSource::errorOccurred, this,
            [&] { delays.append(source.reconnectDelay()); });
    source.open();
    QTRY_VERIFY(delays.size() >= 3);
    source.close();
    QCOMPARE(source.reconnectionTime(), 2);
    // Connections that delivered events add no back-off (T-04).
    QCOMPARE(delays.mid(0, 3), QList<int>({ 2, 2, 2 }));

    SseTestServer server2(streamThenClose("retry: 04000\ndata: a\n\nretry: 200\ndata: b\n\n"));
    EventSource source2(server2.url());
    QList<int> delays2;
    connect(&source2, &EventSource::errorOccurred, this,
            [&] { delays2.append(source2.reconnectDelay()); });
    QSignalSpy timeSpy(&source2, &EventSource::reconnectionTimeChanged);
    source2.open();
    QTRY_COMPARE(delays2.size(), 1);
    QCOMPARE(delays2.first(), 200);
    QCOMPARE(timeSpy.size(), 2); // 4000 (leading zero is decimal), then 200
    QCOMPARE(timeSpy.first().first().toInt(), 4000);
}

// retryReceived() reports every retry field as sent, unclamped and even when the reconnection
// time does not change; reconnectionTimeChanged() only the changes, clamped to int.
void tst_EventSource::retryReceivedAsSent()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("retry: 3000\nretry: 4294967296\nretry: 4294967297\nretry: x\nretry: 10\n"
                      "data: done\n\n");
    });
    EventSource source(server.url());
    QSignalSpy received(&source, &EventSource::retryReceived);
    QSignalSpy changed(&source, &EventSource::reconnectionTimeChanged);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    source.close();
    QList<qint64> values;
    for (const QList<QVariant> &args : std::as_const(received))
        values.append(args.first().toLongLong());
    QCOMPARE(values, QList<qint64>({ 3000, 4294967296, 4294967297, 10 }));
    QCOMPARE(changed.size(), 2);
    // Reported as sent; taken up to the cap on server-chosen waits.
    QCOMPARE(changed.at(0).first().toInt(), EventSource::DefaultMaximumServerDelay);
    QCOMPARE(changed.at(1).first().toInt(), 10);
    QCOMPARE(source.reconnectionTime(), 10);
}

void tst_EventSource::namedEvents_E03()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: m1\n\nevent: price\ndata: p1\n\nevent: error\ndata: e1\n\n"
                      "event: open\ndata: o1\n\nevent: message\ndata: m2\n\n");
    });
    EventSource source(server.url());
    Recorder rec(&source);
    QStringList prices, messagesViaListener;
    source.addEventListener(u"price"_s, this,
                            [&prices](const MessageEvent &e) { prices.append(e.data()); });
    PriceBoard board; // a member function of a receiver works too
    source.addEventListener(u"price"_s, &board, &PriceBoard::onPrice);
    source.addEventListener(u"message"_s, this,
                            [&](const MessageEvent &e) { messagesViaListener.append(e.data()); });
    source.open();
    QTRY_COMPARE(rec.events.size(), 5);
    QCOMPARE(prices, QStringList{ u"p1"_s });
    QCOMPARE(board.prices, QStringList{ u"p1"_s });
    QCOMPARE(messagesViaListener, QStringList({ u"m1"_s, u"m2"_s }));
    QCOMPARE(rec.messages.size(), 2);
    // P-17: "error" and "open" events are just events.
    QCOMPARE(rec.errors.size(), 0);
    QCOMPARE(rec.log.count(u"open@1"_s), 1);
    QCOMPARE(rec.events.at(2).type(), u"error"_s);
    QCOMPARE(source.readyState(), EventSource::Open);
}

void tst_EventSource::failureOnlyErrors_E05()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "503 Service Unavailable",
                                     "Content-Type: text/html\r\n", "<h1>busy</h1>");
    });
    EventSource source(server.url());
    Recorder rec(&source);
    QSignalSpy opened(&source, &EventSource::opened);
    source.open();
    QTRY_COMPARE(rec.errors.size(), 1);
    QCOMPARE(opened.size(), 0);
    QCOMPARE(source.errorResponseBody(), "<h1>busy</h1>");
    QVERIFY2(source.errorString().contains(u"503"_s) && source.errorString().contains(u"busy"_s),
             qPrintable(source.errorString()));
}

void tst_EventSource::customHeadersMethodAndBodyResent()
{
    SseTestServer server(streamThenClose("retry: 5\ndata: x\n\n"));
    EventSource source(server.url());
    source.setRequestHeader("Authorization", "Bearer t0k3n");
    source.setRequestHeader("X-Api-Key", "k");
    source.setMethod("REPORT");
    source.setBody("{\"messages\":[]}");
    source.setRequestHeader("Content-Type", "application/json");
    Recorder rec(&source);
    source.open();
    QTRY_VERIFY(server.requests.size() >= 3);
    source.close();
    for (const HttpRequest &r : std::as_const(server.requests)) {
        QCOMPARE(r.method, "REPORT");
        QCOMPARE(r.body, "{\"messages\":[]}");
        QCOMPARE(r.header("authorization"), "Bearer t0k3n");
        QCOMPARE(r.header("x-api-key"), "k");
        QCOMPARE(r.header("content-type"), "application/json");
    }
}

void tst_EventSource::requestPreparerRunsBeforeEachConnect()
{
    SseTestServer server(streamThenClose("retry: 5\nid: 9\ndata: x\n\n"));
    EventSource source(server.url());
    int calls = 0;
    source.setRequestPreparer([&calls](QNetworkRequest &request) {
        request.setRawHeader("Authorization", "Bearer token-" + QByteArray::number(++calls));
    });
    Recorder rec(&source);
    // QNAM may re-send a request on a fresh connection by itself (the server closes quickly), so
    // a token can arrive twice: compare the distinct tokens, in order.
    QList<QByteArray> tokens;
    auto distinctTokens = [&] {
        tokens.clear();
        for (const HttpRequest &r : std::as_const(server.requests)) {
            if (tokens.isEmpty() || tokens.last() != r.header("authorization"))
                tokens.append(r.header("authorization"));
        }
        return tokens.size();
    };
    source.open();
    QTRY_VERIFY(distinctTokens() >= 3);
    source.close();
    for (int i = 0; i < 3; ++i)
        QCOMPARE(tokens.at(i), "Bearer token-" + QByteArray::number(i + 1));
    for (const HttpRequest &r : std::as_const(server.requests)) {
        if (r.header("authorization") != "Bearer token-1")
            QCOMPARE(r.header("last-event-id"), "9"); // the token change keeps the id
    }
}

void tst_EventSource::initialLastEventIdSent()
{
    SseTestServer server(streamThenClose("data: x\n\n"));
    EventSource source(server.url());
    source.setLastEventId(u"resume-42"_s);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    source.close();
    QCOMPARE(server.requests.first().header("last-event-id"), "resume-42");
    QCOMPARE(rec.messages.first().lastEventId(), u"resume-42"_s);
}

void tst_EventSource::reconnectNowKeepsLastEventId()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: 7\ndata: x\n\n");
    });
    EventSource source(server.url());
    source.setReconnectionTime(60000); // reconnect() must not wait for it
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    source.reconnect();
    QTRY_COMPARE(rec.messages.size(), 2);
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests.at(1).header("last-event-id"), "7");
    QVERIFY(rec.errors.isEmpty()); // the dropped connection is not an error
    QCOMPARE(rec.log.count(u"open@1"_s), 2);
}

void tst_EventSource::reconnectWhileAnErrorBodyArrives()
{
    // The first answer is a 503 whose body never completes (its excerpt is still being read);
    // reconnect() then must simply connect again, not report that stale failure.
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        if (request.path() == "/busy") {
            socket->write("HTTP/1.1 503 Busy\r\nContent-Length: 100000\r\n\r\n<html>");
            return;
        }
        SseTestServer::writeStreamHead(socket);
        socket->write("data: ok\n\n");
    });
    EventSource source(server.url(u"/busy"_s));
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.httpStatus(), 503); // the head is in; the body excerpt is pending
    source.setUrl(server.url(u"/ok"_s));
    source.reconnect();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(rec.errors.size(), 0);
    QCOMPARE(source.readyState(), EventSource::Open);
}

void tst_EventSource::backoffGrowsAndResets()
{
    // The server opens and closes with nothing: each attempt fails; waits grow, never below
    // the reconnection time, never above the cap. Then an event resets the count.
    bool deliver = false; // set by the test after the sixth failure
    SseTestServer server([&deliver](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        if (std::exchange(deliver, false))
            socket->write("data: finally\n\n");
        socket->disconnectFromHost();
    });
    EventSource source(server.url());
    source.setReconnectionTime(1);
    source.setMaximumReconnectionDelay(400);
    QList<int> delays;
    connect(&source, &EventSource::errorOccurred, this, [&] {
        delays.append(source.reconnectDelay());
        deliver = delays.size() == 6;
    });
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(delays.size() >= 8, 10000);
    source.close();
    QCOMPARE(delays.at(0), 1); // the first retry waits exactly the reconnection time
    for (int i = 1; i < 6; ++i) {
        const qint64 ceiling = qMin<qint64>(400, qint64(100) << i);
        QVERIFY2(delays.at(i) >= ceiling / 2 && delays.at(i) <= ceiling,
                 qPrintable(u"attempt %1 waited %2"_s.arg(i + 1).arg(delays.at(i))));
    }
    QCOMPARE(delays.at(6), 1); // connection 7 delivered an event: back to the reconnection time
    QCOMPARE(delays.at(7), 1); // first failure of a new streak
}

void tst_EventSource::giveUpAfterMaximumRetries()
{
    EventSource source(QUrl(u"http://127.0.0.1:%1/"_s.arg(closedPort())));
    source.setReconnectionTime(1);
    source.setMaximumReconnectionDelay(5);
    source.setMaximumRetries(3);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(rec.errors,
             QList<EventSource::Error>({ EventSource::NetworkError, EventSource::NetworkError,
                                         EventSource::NetworkError,
                                         EventSource::RetriesExhaustedError }));
    QVERIFY(source.errorString().contains(u"gave up"_s));
}

void tst_EventSource::giveUpAfterMaximumDuration()
{
    EventSource source(QUrl(u"http://127.0.0.1:%1/"_s.arg(closedPort())));
    source.setReconnectionTime(20);
    source.setMaximumReconnectionDelay(20);
    source.setMaximumRetryDuration(150);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(rec.errors.last(), EventSource::RetriesExhaustedError);
    QVERIFY(rec.errors.size() >= 3);
}

void tst_EventSource::readTimeoutReconnects()
{
    // Headers, one event, then silence: dropped after the timeout, reconnected with the id.
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("retry: 5\nid: 3\ndata: x\n\n");
    });
    EventSource source(server.url());
    source.setReadTimeout(std::chrono::milliseconds(150));
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.errors.size(), 1);
    QCOMPARE(rec.errors.first(), EventSource::ReadTimeoutError);
    QTRY_VERIFY(server.requests.size() >= 2);
    QCOMPARE(server.requests.at(1).header("last-event-id"), "3");
    source.close();

    // A server that accepts and never answers is covered too.
    SseTestServer silent([](const HttpRequest &, QTcpSocket *) {});
    EventSource source2(silent.url());
    source2.setReadTimeout(100);
    source2.setMaximumRetries(0);
    Recorder rec2(&source2);
    source2.open();
    QTRY_COMPARE(source2.readyState(), EventSource::Closed);
    QCOMPARE(rec2.errors.last(), EventSource::RetriesExhaustedError);
    QVERIFY(source2.errorString().contains(u"No data received"_s));
}

void tst_EventSource::eventTooLargeReconnects()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        if (!request.hasHeader("last-event-id")) {
            socket->write("retry: 5\nid: 1\ndata: small\n\ndata: ");
            socket->write(QByteArray(5000, 'x')); // no line end, ever
        } else {
            socket->write("data: after\n\n");
        }
    });
    EventSource source(server.url());
    source.setMaximumEventSize(4096);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 2);
    source.close();
    QCOMPARE(rec.errors, QList<EventSource::Error>{ EventSource::EventTooLargeError });
    QCOMPARE(rec.messages.at(1).data(), u"after"_s);
}

void tst_EventSource::largeEventsPastTheReadBufferLimit()
{
    // Written at once, these outrun the parser: the reply's buffer gets bounded (1 MiB) and
    // QNAM reads on as it drains. Events larger than that bound must arrive whole and in order.
    const QByteArray big(3 * 1024 * 1024, 'b');
    SseTestServer server([&big](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        for (int i = 0; i < 4; ++i)
            socket->write("id: " + QByteArray::number(i) + "\ndata: " + big + "\n\n");
        socket->write("data: tail\n\n");
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(rec.messages.size(), 5, 20000);
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(rec.messages.at(i).data().size(), big.size());
        QCOMPARE(rec.messages.at(i).lastEventId(), QString::number(i));
    }
    QCOMPARE(rec.messages.at(4).data(), u"tail"_s);
    QVERIFY(rec.errors.isEmpty());
}

void tst_EventSource::errorDetails()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "403 Forbidden", "Content-Type: application/json\r\n",
                                     "{\"error\":\"token expired\"}" + QByteArray(2000, ' '));
    });
    EventSource source(server.url());
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.errors.size(), 1);
    QCOMPARE(source.error(), EventSource::HttpStatusError);
    QCOMPARE(source.httpStatus(), 403);
    QCOMPARE(source.errorResponseBody().size(), 512);
    QVERIFY(source.errorResponseBody().startsWith("{\"error\":\"token expired\"}"));
    QVERIFY2(source.errorString().contains(u"403 Forbidden"_s), qPrintable(source.errorString()));
    QCOMPARE(source.reconnectDelay(), -1);

    SseTestServer ends(streamThenClose("retry: 1500\ndata: x\n\n"));
    EventSource source2(ends.url());
    QString seen;
    int delay = -2;
    connect(&source2, &EventSource::errorOccurred, this, [&] {
        seen = source2.errorString();
        delay = source2.reconnectDelay();
    });
    source2.open();
    QTRY_VERIFY(!seen.isEmpty());
    source2.close();
    QCOMPARE(delay, 1500);
    QVERIFY2(!seen.contains(u"reconnecting"_s), qPrintable(seen)); // one countdown: the delay
}

// Each error-state property notifies whenever its value changes: on a failure, on open(), and
// when a reconnect opens after a failure. The change signals come before errorOccurred().
void tst_EventSource::errorStateNotifies()
{
    QPointer<QTcpSocket> firstStream;
    SseTestServer server([&firstStream](const HttpRequest &request, QTcpSocket *socket) {
        if (request.path() == "/fail") {
            SseTestServer::writeResponse(socket, "503 Service Unavailable",
                                         "Content-Type: text/plain\r\n", "down");
        } else if (request.header("Last-Event-ID").isEmpty()) {
            SseTestServer::writeStreamHead(socket); // the first stream, ended by the test
            socket->write("id: 1\ndata: one\n\n");
            firstStream = socket;
        } else {
            SseTestServer::writeStreamHead(socket); // the reconnect stays open
            socket->write("data: two\n\n");
        }
    });
    EventSource source(server.url(u"/fail"_s));
    source.setReconnectionTime(1);
    QSignalSpy errorChanged(&source, &EventSource::errorChanged);
    QSignalSpy statusChanged(&source, &EventSource::httpStatusChanged);
    QStringList order;
    connect(&source, &EventSource::errorChanged, this, [&] { order << u"errorChanged"_s; });
    connect(&source, &EventSource::errorOccurred, this, [&] { order << u"errorOccurred"_s; });
    source.open();
    QCOMPARE(errorChanged.size(), 0); // nothing from open() itself
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(source.error(), EventSource::HttpStatusError);
    QCOMPARE(source.errorResponseBody(), "down"_ba);
    QCOMPARE(errorChanged.size(), 1);
    QCOMPARE(statusChanged.size(), 1);
    QCOMPARE(statusChanged.first().first().toInt(), 503);
    QCOMPARE(order, (QStringList{ u"errorChanged"_s, u"errorOccurred"_s }));

    // open() clears the error state and the status, notified from the event loop.
    source.setUrl(server.url(u"/stream"_s));
    source.open();
    QCOMPARE(errorChanged.size(), 1);
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(source.error(), EventSource::NoError);
    QVERIFY(source.errorString().isEmpty());
    QVERIFY(source.errorResponseBody().isEmpty());
    QCOMPARE(errorChanged.size(), 2);
    // 503 -> 0 when open() reset it, then 0 -> 200: notified once, with the value it ended at.
    QCOMPARE(source.httpStatus(), 200);
    QCOMPARE(statusChanged.last().first().toInt(), 200);

    // The stream ends: an error while Connecting; the reconnect opens and clears it.
    QTRY_VERIFY(firstStream);
    firstStream->disconnectFromHost();
    QTRY_COMPARE(errorChanged.size(), 4);
    QCOMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(source.error(), EventSource::NoError);
    QVERIFY(source.errorString().isEmpty());
    QCOMPARE(order.count(u"errorOccurred"_s), 2);
    // After the first failure: cleared by open(), set by the end, cleared by the reconnect.
    QCOMPARE(order.mid(2),
             (QStringList{ u"errorChanged"_s, u"errorChanged"_s, u"errorOccurred"_s,
                           u"errorChanged"_s }));
    source.close();
    QCOMPARE(errorChanged.size(), 4); // close() is silent
}

void tst_EventSource::durationsAsChrono()
{
    using namespace std::chrono_literals;
    EventSource source;
    QSignalSpy changed(&source, &EventSource::maximumRetryDurationChanged);
    source.setReconnectionTime(1500ms);
    source.setMaximumReconnectionDelay(2min);
    source.setMaximumRetryDuration(10s);
    source.setReadTimeout(45s);
    QCOMPARE(source.reconnectionTime(), 1500);
    QCOMPARE(source.reconnectionTimeAsDuration(), 1500ms);
    QCOMPARE(source.maximumReconnectionDelay(), 120000);
    QCOMPARE(source.maximumReconnectionDelayAsDuration(), 2min);
    QCOMPARE(source.maximumRetryDurationAsDuration(), 10s);
    QCOMPARE(source.readTimeoutAsDuration(), 45s);
    QCOMPARE(source.reconnectDelayAsDuration(), -1ms);
    QCOMPARE(changed.size(), 1);
    // Beyond what the int properties hold: clamped, not wrapped; negative counts as 0.
    source.setReadTimeout(std::chrono::hours(24 * 365));
    QCOMPARE(source.readTimeout(), std::numeric_limits<int>::max());
    source.setMaximumRetryDuration(-5s);
    QCOMPARE(source.maximumRetryDuration(), 0);
}

void tst_EventSource::credentialsDroppedAcrossOrigins()
{
    // Two loopback servers on different ports are two origins (CVE-2022-1650).
    SseTestServer other([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: hi\n\n");
    });
    SseTestServer entry([&other](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "307 Temporary Redirect",
                                     "Location: " + other.url(u"/x"_s).toEncoded() + "\r\n", {});
    });
    EventSource source(entry.url());
    source.setRequestHeader("Authorization", "Bearer secret");
    source.setRequestHeader("Cookie", "sid=secret");
    source.setRequestHeader("Proxy-Authorization", "Basic c2VjcmV0");
    source.setRequestHeader("X-Trace", "ok");
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(entry.requests.first().header("authorization"), "Bearer secret");
    const HttpRequest hop = other.requests.first();
    QVERIFY(!hop.hasHeader("authorization"));
    // The header set on the source is dropped; cookies the jar holds for that origin (from
    // servers of earlier tests, on 127.0.0.1) are the jar's to send.
    QVERIFY(!hop.header("cookie").contains("sid=secret"));
    QVERIFY(!hop.hasHeader("proxy-authorization"));
    QCOMPARE(hop.header("x-trace"), "ok");
    QCOMPARE(hop.header("accept"), "text/event-stream");
}

void tst_EventSource::credentialsKeptSameOrigin()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        if (request.path() == "/a") {
            SseTestServer::writeResponse(socket, "302 Found", "Location: /b\r\n", {});
        } else {
            SseTestServer::writeStreamHead(socket);
            socket->write("data: " + request.header("authorization") + "\n\n");
        }
    });
    EventSource source(server.url(u"/a"_s));
    source.setRequestHeader("Authorization", "Bearer same");
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(rec.messages.first().data(), u"Bearer same"_s);
}

void tst_EventSource::badRedirects_data()
{
    QTest::addColumn<QByteArray>("locationHeader");
    QTest::newRow("missing Location") << QByteArray();
    QTest::newRow("empty Location") << QByteArray("Location: \r\n");
    QTest::newRow("another scheme") << QByteArray("Location: ftp://127.0.0.1/x\r\n");
    QTest::newRow("redirect loop") << QByteArray("Location: /loop\r\n");
}

void tst_EventSource::badRedirects()
{
    QFETCH(QByteArray, locationHeader);
    SseTestServer server([locationHeader](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "302 Found", locationHeader, {});
    });
    EventSource source(server.url(u"/loop"_s));
    source.setMaximumRedirects(5);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.errors.size(), 1);
    QCOMPARE(rec.log, QStringList{ errorEntry(EventSource::RedirectError, EventSource::Closed) });
    QVERIFY(server.requests.size() <= 6);
    if (locationHeader.contains("loop"))
        QCOMPARE(server.requests.size(), 6); // the first request and five hops
}

void tst_EventSource::twentyStreamsToOneHost_data()
{
    QTest::addColumn<bool>("sharedManager");
    QTest::newRow("a manager each (default)") << false;
    QTest::newRow("one injected manager") << true;
}

void tst_EventSource::twentyStreamsToOneHost()
{
    // QNAM runs six connections per host; twenty endless streams must all flow. On an
    // application's manager, which carries all of them, Qt 6.4 cannot raise that limit.
    QFETCH(bool, sharedManager);
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    if (sharedManager)
        QSKIP("Qt 6.4 opens six connections per host on one manager "
              "(tst_isolation::applicationManagerManyStreamsToOneHost)");
#endif
    QList<QPointer<QTcpSocket>> streams;
    SseTestServer server([&streams](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: hello\n\n");
        streams.append(socket);
    });
    QNetworkAccessManager manager;
    std::vector<std::unique_ptr<EventSource>> sources;
    std::vector<int> received(20, 0);
    for (int i = 0; i < 20; ++i) {
        sources.push_back(std::make_unique<EventSource>(server.url(u"/%1"_s.arg(i))));
        if (sharedManager)
            sources.back()->setNetworkAccessManager(&manager);
        connect(sources.back().get(), &EventSource::messageReceived, this,
                [&received, i] { ++received[i]; });
        sources.back()->open();
    }
    QTRY_COMPARE_WITH_TIMEOUT(int(streams.size()), 20, 10000);
    for (const auto &s : streams)
        s->write("data: again\n\n");
    QTRY_VERIFY(std::all_of(received.begin(), received.end(), [](int n) { return n == 2; }));
    if (sharedManager) {
        // The application's own requests still get a connection on the shared manager.
        QNetworkReply *reply = manager.get(QNetworkRequest(server.url(u"/plain"_s)));
        QTRY_VERIFY(server.requests.size() == 21);
        delete reply;
    }
}

void tst_EventSource::streamsShareThreads_data()
{
    QTest::addColumn<bool>("sharedManager");
    QTest::addColumn<int>("hosts");
    QTest::addColumn<int>("maxNewThreads");
    // 60 streams. A manager per stream would start 60 network threads; pooled managers carry
    // up to 34 connections each, and 6 to one host before Qt 6.5 (after: 6 on the host's
    // first lane, up to 34 on the next ones).
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    const int oneHost = 3;
#else
    const int oneHost = 10;
#endif
    QTest::newRow("12 hosts, pooled") << false << 12 << 2;
    QTest::newRow("12 hosts, on an application's manager") << true << 12 << 1;
    QTest::newRow("1 host, pooled") << false << 1 << oneHost;
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    // All on the application's manager, which Qt 6.4 cannot open more than six to a host.
    QTest::newRow("1 host, on an application's manager") << true << 1 << 1;
#endif
}

void tst_EventSource::streamsShareThreads()
{
    QFETCH(bool, sharedManager);
    QFETCH(int, hosts);
    QFETCH(int, maxNewThreads);
    if (QtSseTest::threadCount() < 0)
        QSKIP("counts threads in /proc/self/status");
    constexpr int streams = 60;
    std::vector<std::unique_ptr<SseTestServer>> servers;
    QList<QPointer<QTcpSocket>> sockets;
    for (int h = 0; h < hosts; ++h) {
        servers.push_back(std::make_unique<SseTestServer>(
                [&sockets](const HttpRequest &, QTcpSocket *socket) {
                    SseTestServer::writeStreamHead(socket);
                    socket->write("data: hello\n\n");
                    sockets.append(socket);
                }));
    }
    // Threads a process starts once (the network thread of the application's manager, the
    // network-information backend's) are running before the count starts.
    CountingManager manager;
    std::unique_ptr<QNetworkReply> first;
    // The application's manager warms up on a host of its own: QNAM fixes its connections to a
    // host with its first request there, and on Qt 6.5+ the streams' requests ask for more.
    SseTestServer plain([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "200 OK", {}, "ok");
    });
    if (sharedManager) {
        first.reset(manager.get(QNetworkRequest(plain.url(u"/plain"_s))));
        QTRY_COMPARE(plain.requests.size(), 1);
        first.reset();
    }
    {
        EventSource warmUp(servers.front()->url(u"/warm-up"_s));
        warmUp.open();
        QTRY_COMPARE(warmUp.readyState(), EventSource::Open);
    }
    const int warmUps = 1;
    const int before = QtSseTest::threadCount();
    std::vector<std::unique_ptr<EventSource>> sources;
    std::vector<int> received(streams, 0);
    for (int i = 0; i < streams; ++i) {
        sources.push_back(
                std::make_unique<EventSource>(servers[size_t(i % hosts)]->url(u"/s%1"_s.arg(i))));
        if (sharedManager)
            sources.back()->setNetworkAccessManager(&manager);
        connect(sources.back().get(), &EventSource::messageReceived, this,
                [&received, i] { ++received[size_t(i)]; });
        sources.back()->open();
    }
    QTRY_COMPARE_WITH_TIMEOUT(int(sockets.size()), streams + warmUps, 20000);
    for (const auto &socket : std::as_const(sockets)) {
        if (socket)
            socket->write("data: again\n\n");
    }
    QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(received.begin(), received.end(), [](int n) { return n == 2; }), 20000);
    const int added = QtSseTest::threadCount() - before;
    QVERIFY2(added <= maxNewThreads,
             qPrintable(u"%1 new threads for %2 streams"_s.arg(added).arg(streams)));
    if (sharedManager) // every stream on the application's manager, none on a lane
        QCOMPARE(manager.requests, 1 + streams);
    for (const auto &source : sources)
        QCOMPARE(source->readyState(), EventSource::Open);
}

void tst_EventSource::replaceManagerWhileStreaming()
{
    // A stream on a pooled manager must not break when the application sets its own; the next
    // connection uses the application's manager.
    QList<QPointer<QTcpSocket>> streams;
    SseTestServer server([&streams](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: " + request.header("last-event-id") + "x\ndata: hi\n\n");
        streams.append(socket);
    });
    EventSource source(server.url());
    source.setReconnectionTime(5);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(source.networkAccessManager(), nullptr); // QtSse's own, pooled
    CountingManager injected;
    source.setNetworkAccessManager(&injected);
    QCOMPARE(source.networkAccessManager(), &injected);
    streams.first()->write("data: still flowing\n\n");
    QTRY_COMPARE(rec.messages.size(), 2);
    QCOMPARE(rec.errors.size(), 0);
    QCOMPARE(injected.requests, 0);
    streams.first()->disconnectFromHost();
    QTRY_COMPARE(rec.messages.size(), 3); // reconnected through the injected manager
    QCOMPARE(rec.messages.last().lastEventId(), u"xx"_s);
    QCOMPARE(injected.requests, 1);
    source.setNetworkAccessManager(nullptr); // and back to the pool
    streams.last()->disconnectFromHost();
    QTRY_COMPARE(rec.messages.size(), 4);
    QCOMPARE(injected.requests, 1);
}

void tst_EventSource::sharedManagerDestroyedUnderItsStreams()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: x\n\n");
    });
    auto *manager = new QNetworkAccessManager;
    manager->cookieJar()->setCookiesFromUrl({ QNetworkCookie("a", "b") }, server.url());
    std::vector<std::unique_ptr<EventSource>> sources;
    std::vector<std::unique_ptr<Recorder>> recorders;
    for (int i = 0; i < 6; ++i) { // all on the shared manager
        sources.push_back(std::make_unique<EventSource>(server.url()));
        sources.back()->setNetworkAccessManager(manager);
        recorders.push_back(std::make_unique<Recorder>(sources.back().get()));
        sources.back()->open();
    }
    QTRY_VERIFY(std::all_of(recorders.begin(), recorders.end(),
                            [](const auto &r) { return r->messages.size() == 1; }));
    for (const HttpRequest &r : std::as_const(server.requests))
        QCOMPARE(r.header("cookie"), "a=b");
    delete manager;
    for (const auto &source : sources)
        QTRY_COMPARE(source->readyState(), EventSource::Closed);
    for (const auto &r : recorders)
        QCOMPARE(r->errors, QList<EventSource::Error>{ EventSource::AbortedError });
}

void tst_EventSource::workerThread()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: from a worker\n\n");
    });
    QThread worker;
    worker.start();
    auto *source = new EventSource(server.url());
    source->moveToThread(&worker);
    QStringList got;
    QThread *deliveredIn = nullptr;
    connect(source, &EventSource::messageReceived, source, [&](const MessageEvent &e) {
        deliveredIn = QThread::currentThread();
        QMetaObject::invokeMethod(this, [&got, e] { got.append(e.data()); });
    });
    QMetaObject::invokeMethod(source, &EventSource::open);
    QTRY_COMPARE(got, QStringList{ u"from a worker"_s });
    QCOMPARE(deliveredIn, &worker);
    QMetaObject::invokeMethod(source, &QObject::deleteLater);
    worker.quit();
    QVERIFY(worker.wait(5000));
}

void tst_EventSource::destroyWhileOpen()
{
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        stream = socket;
    });
    auto source = std::make_unique<EventSource>(server.url());
    source->open();
    QTRY_COMPARE(source->readyState(), EventSource::Open);
    source.reset();
    QTRY_VERIFY(!stream); // the connection is closed by the destructor
}

// A slot that runs a nested event loop (as a modal dialog does) while more of the stream
// arrives: the rest of the chunk being parsed stays intact, nothing is delivered inside the
// slot, and everything that came meanwhile follows once it returns, in order, each once.
void tst_EventSource::nestedEventLoopInSlot()
{
    constexpr int Later = 200;
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: 1\ndata: one\n\nid: 2\ndata: two\n\n:note\nid: 3\ndata: three\n\n");
        stream = socket;
    });
    EventSource source(server.url());
    QStringList got;
    int depth = 0;
    int deliveredInside = 0;
    connect(&source, &EventSource::messageReceived, this, [&](const MessageEvent &event) {
        if (depth > 0)
            ++deliveredInside;
        got.append(event.lastEventId() + u'=' + event.data());
        if (event.lastEventId() != u"1"_s || !stream)
            return;
        QByteArray more;
        for (int i = 4; i < 4 + Later; ++i)
            more += "id: " + QByteArray::number(i) + "\ndata: later " + QByteArray::number(i)
                    + "\n\n";
        stream->write(more);
        ++depth;
        QEventLoop dialog; // open for a while, as a user would keep it
        QTimer::singleShot(300, &dialog, &QEventLoop::quit);
        dialog.exec();
        --depth;
    });
    source.open();
    QStringList expected{ u"1=one"_s, u"2=two"_s, u"3=three"_s };
    for (int i = 4; i < 4 + Later; ++i)
        expected.append(u"%1=later %1"_s.arg(i));
    QTRY_COMPARE(got.size(), expected.size());
    QCOMPARE(got, expected);
    QCOMPARE(deliveredInside, 0);
    QCOMPARE(source.lastEventId(), QString::number(3 + Later));
    QCOMPARE(source.readyState(), EventSource::Open);
}

// The source skips emitting the per-event signals (eventReceived, messageReceived,
// lastEventIdChanged) until something connects to them: receivers that connect while the stream
// runs, after events went out unheard, get every later event and id change, through
// QObject::connect() and QSignalSpy alike.
void tst_EventSource::lateReceiversGetLaterEvents()
{
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: 1\ndata: one\n\nid: 2\nevent: other\ndata: two\n\n");
        stream = socket;
    });
    EventSource source(server.url());
    QSignalSpy opened(&source, &EventSource::opened);
    source.open();
    QVERIFY(opened.wait());
    QTRY_COMPARE(source.lastEventId(), u"2"_s); // delivered with no receiver at all

    QStringList messages;
    connect(&source, &EventSource::messageReceived, this,
            [&](const MessageEvent &event) { messages.append(event.data()); });
    QSignalSpy events(&source, &EventSource::eventReceived);
    QSignalSpy ids(&source, &EventSource::lastEventIdChanged);
    QVERIFY(stream);
    stream->write("id: 3\ndata: three\n\nevent: other\ndata: four\n\nid: 5\ndata: five\n\n");
    QTRY_COMPARE(events.size(), 3);
    QCOMPARE(messages, (QStringList{ u"three"_s, u"five"_s }));
    QCOMPARE(events.at(1).at(0).value<MessageEvent>().type(), u"other"_s);
    QCOMPARE(ids.size(), 2);
    QCOMPARE(ids.at(0).at(0).toString(), u"3"_s);
    QCOMPARE(ids.at(1).at(0).toString(), u"5"_s);
}

// The last event ID set by the application while the stream runs is what later events report
// (E-02) and what a reconnect sends (C-05), until the stream's next id replaces it (P-18);
// lastEventIdChanged reports each change of the property once: not for events without an id,
// not for an id equal to the property's value.
void tst_EventSource::lastEventIdSetWhileOpen()
{
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write(server.requests.size() == 1 ? "id: 1\ndata: a\n\n" : "data: again\n\n");
        stream = socket;
    });
    EventSource source(server.url());
    source.setReconnectionTime(0);
    QSignalSpy ids(&source, &EventSource::lastEventIdChanged);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.messages.size(), 1);
    QCOMPARE(ids.size(), 1);
    source.setLastEventId(u"app"_s);
    QCOMPARE(source.lastEventId(), u"app"_s);
    QCOMPARE(ids.size(), 2);
    QVERIFY(stream);
    stream->write("data: b\n\nid: app\ndata: c\n\nid\n: the id is empty now\n\n");
    QTRY_COMPARE(source.lastEventId(), QString());
    QCOMPARE(rec.messages.size(), 3);
    QCOMPARE(rec.messages.at(1).lastEventId(), u"app"_s); // E-02: the source's, at dispatch
    QStringList seen;
    for (const QList<QVariant> &args : std::as_const(ids))
        seen.append(args.at(0).toString());
    QCOMPARE(seen, (QStringList{ u"1"_s, u"app"_s, QString() }));
    source.setLastEventId(u"resume"_s);
    stream->write("id: resume\ndata: d\n\n"); // equal to the property: no change
    QTRY_COMPARE(rec.messages.size(), 4);
    QCOMPARE(ids.size(), 4);
    stream->disconnectFromHost();
    QTRY_COMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests.at(1).header("last-event-id"), "resume");
    QCOMPARE(source.lastEventId(), u"resume"_s);
}

// deleteLater() from a slot, the documented way to destroy a source from its own signal.
void tst_EventSource::deleteLaterInSlot()
{
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: 1\n\ndata: 2\n\n");
        stream = socket;
    });
    QPointer<EventSource> source = new EventSource(server.url());
    int messages = 0;
    connect(source, &EventSource::messageReceived, this, [&] {
        ++messages;
        source->close();
        source->deleteLater();
    });
    source->open();
    QTRY_VERIFY(source.isNull());
    QCOMPARE(messages, 1); // close() stopped the chunk; the object went at the next loop turn
    QTRY_VERIFY(!stream); // and its connection with it
}

QTEST_GUILESS_MAIN(tst_EventSource)
#include "tst_eventsource.moc"
