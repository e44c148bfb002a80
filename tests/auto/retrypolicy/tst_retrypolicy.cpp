// SPDX-License-Identifier: MIT
// The opt-in retry of HTTP failures against a loopback server: which statuses httpErrorPolicy
// retries, Retry-After in both forms, the retry policy hook, and the retry budget ending it.
// Waits are asserted through reconnectDelay(), never through wall time.
#include "recorder.h"
#include "ssetestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qlocale.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <chrono>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using QtSse::EventSource;
using QtSseTest::errorEntry;
using QtSseTest::openEntry;
using QtSseTest::Recorder;

namespace {

// Fails the first `failures` requests with `statusLine` (and `headers`), then streams one
// event on each request after that.
SseTestServer::Handler failThenStream(const QByteArray &statusLine, int failures = 1,
                                      const QByteArray &headers = QByteArray())
{
    auto count = std::make_shared<int>(0);
    return [=](const HttpRequest &, QTcpSocket *socket) {
        if ((*count)++ < failures) {
            const bool noBody = statusLine.startsWith("204");
            SseTestServer::writeResponse(socket, statusLine,
                                         "Content-Type: text/plain\r\n" + headers,
                                         noBody ? QByteArray() : QByteArray("down"));
            return;
        }
        SseTestServer::writeStreamHead(socket);
        socket->write("data: back\n\n");
    };
}

QByteArray httpDate(const QDateTime &utc)
{
    return QLocale::c().toString(utc, u"ddd, dd MMM yyyy HH:mm:ss 'GMT'"_s).toLatin1();
}

} // namespace

class tst_RetryPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void property();
    void statusClasses_data();
    void statusClasses();
    void retriedErrorString();
    void retryAfterSeconds();
    void retryAfterDate_data();
    void retryAfterDate();
    void hookSeesTheFailure();
    void hookCloses();
    void hookPicksItsDelay();
    void hookRetriesContentType();
    void hookNotAskedFor204();
    void hookClosesTheSourceItself();
    void budgetEndsRetries();
    void durationEndsRetries();
};

void tst_RetryPolicy::property()
{
    EventSource source;
    QCOMPARE(source.httpErrorPolicy(), EventSource::CloseOnHttpError);
    QSignalSpy changed(&source, &EventSource::httpErrorPolicyChanged);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    QCOMPARE(source.httpErrorPolicy(), EventSource::RetryServerErrors);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().first().value<EventSource::HttpErrorPolicy>(),
             EventSource::RetryServerErrors);
    QVERIFY(source.setProperty("httpErrorPolicy", int(EventSource::CloseOnHttpError)));
    QCOMPARE(source.httpErrorPolicy(), EventSource::CloseOnHttpError);
    QCOMPARE(changed.size(), 2);
}

void tst_RetryPolicy::statusClasses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("policy");
    QTest::addColumn<bool>("retried");
    const int close = EventSource::CloseOnHttpError;
    const int retry = EventSource::RetryServerErrors;
    for (int status : { 400, 401, 403, 404, 410, 418, 429, 408, 500, 502, 503, 504, 204 })
        QTest::addRow("%d by default", status) << status << close << false;
    for (int status : { 400, 401, 403, 404, 410, 418, 204 })
        QTest::addRow("%d with RetryServerErrors", status) << status << retry << false;
    for (int status : { 429, 408, 500, 502, 503, 504, 599 })
        QTest::addRow("%d with RetryServerErrors", status) << status << retry << true;
}

void tst_RetryPolicy::statusClasses()
{
    QFETCH(int, status);
    QFETCH(int, policy);
    QFETCH(bool, retried);
    SseTestServer server(failThenStream(QByteArray::number(status) + " Whatever"));
    EventSource source(server.url());
    source.setReconnectionTime(5);
    source.setHttpErrorPolicy(EventSource::HttpErrorPolicy(policy));
    Recorder rec(&source);
    source.open();
    if (!retried) {
        QTRY_COMPARE(rec.log.size(), 1);
        QCOMPARE(rec.log,
                 QStringList{ errorEntry(EventSource::HttpStatusError, EventSource::Closed) });
        QCOMPARE(source.httpStatus(), status);
        QSignalSpy errors(&source, &EventSource::errorOccurred);
        QVERIFY(!errors.wait(100)); // no reconnect follows
        QCOMPARE(server.requests.size(), 1);
        return;
    }
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(rec.log,
             QStringList({ errorEntry(EventSource::HttpStatusError, EventSource::Connecting),
                           openEntry() }));
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(source.error(), EventSource::NoError); // recovered
    QCOMPARE(source.httpStatus(), 200);
}

void tst_RetryPolicy::retriedErrorString()
{
    SseTestServer server(failThenStream("503 Service Unavailable"));
    EventSource source(server.url());
    source.setReconnectionTime(7);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    QString seen;
    int delay = -2;
    EventSource::ReadyState state = EventSource::Open;
    connect(&source, &EventSource::errorOccurred, this, [&] {
        seen = source.errorString();
        delay = source.reconnectDelay();
        state = source.readyState();
        QCOMPARE(source.httpStatus(), 503);
        QCOMPARE(source.errorResponseBody(), "down"_ba);
    });
    source.open();
    QTRY_VERIFY(!seen.isEmpty());
    QCOMPARE(state, EventSource::Connecting);
    QCOMPARE(delay, 7); // the first failure waits the reconnection time
    QCOMPARE(seen, u"HTTP 503 Service Unavailable (body: \"down\")"_s);
    QTRY_COMPARE(source.readyState(), EventSource::Open);
}

void tst_RetryPolicy::retryAfterSeconds()
{
    // Retry-After: 2 sets the wait; close() in the handler ends the test without waiting it.
    SseTestServer server(failThenStream("503 Service Unavailable", 1, "Retry-After: 2\r\n"));
    EventSource source(server.url());
    source.setReconnectionTime(5);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    int delay = -2;
    QString message;
    connect(&source, &EventSource::errorOccurred, this, [&] {
        delay = source.reconnectDelay();
        message = source.errorString();
        source.close();
    });
    source.open();
    QTRY_COMPARE(delay, 2000);
    QVERIFY2(message.startsWith(u"HTTP 503 Service Unavailable"_s), qPrintable(message));

    // Retry-After: 0 waits the reconnection time, never less.
    server.setHandler(failThenStream("429 Too Many Requests", 1, "Retry-After: 0\r\n"));
    source.setReconnectionTime(40);
    delay = -2;
    source.open();
    QTRY_COMPARE(delay, 40);
}

void tst_RetryPolicy::retryAfterDate_data()
{
    QTest::addColumn<int>("seconds"); // from now
    QTest::addColumn<int>("least");
    QTest::addColumn<int>("most");
    // The date has whole seconds and is written a moment before the client reads it: the
    // wait is a little under the full amount, by any amount a loaded machine may take.
    QTest::newRow("future") << 90 << 30000 << 90000;
    QTest::newRow("past") << -90 << 25 << 25;
}

void tst_RetryPolicy::retryAfterDate()
{
    QFETCH(int, seconds);
    QFETCH(int, least);
    QFETCH(int, most);
    SseTestServer server([seconds](const HttpRequest &, QTcpSocket *socket) {
        const QByteArray date = httpDate(QDateTime::currentDateTimeUtc().addSecs(seconds));
        SseTestServer::writeResponse(socket, "503 Service Unavailable",
                                     "Retry-After: " + date + "\r\n", "down");
    });
    EventSource source(server.url());
    source.setReconnectionTime(25);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    int delay = -2;
    connect(&source, &EventSource::errorOccurred, this, [&] {
        delay = source.reconnectDelay();
        source.close();
    });
    source.open();
    QTRY_VERIFY(delay != -2);
    QVERIFY2(delay >= least && delay <= most, qPrintable(QString::number(delay)));
}

void tst_RetryPolicy::hookSeesTheFailure()
{
    SseTestServer server(failThenStream("503 Service Unavailable", 3,
                                        "Retry-After: 7\r\nX-Request-Id: abc\r\n"));
    EventSource source(server.url());
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    QList<EventSource::HttpFailure> seen;
    source.setRetryPolicy([&seen](const EventSource::HttpFailure &failure) {
        seen.append(failure);
        return EventSource::RetryDecision{ true, 1ms };
    });
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(seen.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const EventSource::HttpFailure &f = seen.at(i);
        QCOMPARE(f.error, EventSource::HttpStatusError);
        QCOMPARE(f.httpStatus, 503);
        QCOMPARE(f.retryAfter, 7s);
        QCOMPARE(f.consecutiveFailures, i + 1);
        QVERIFY(f.retriedByPolicy);
        QVERIFY(f.headers.contains(qMakePair("x-request-id"_ba, "abc"_ba)));
    }
}

void tst_RetryPolicy::hookCloses()
{
    // RetryServerErrors would retry this 503; the hook says no.
    SseTestServer server(failThenStream("503 Service Unavailable"));
    EventSource source(server.url());
    source.setReconnectionTime(5);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    int calls = 0;
    source.setRetryPolicy([&calls](const EventSource::HttpFailure &) {
        ++calls;
        return EventSource::RetryDecision{};
    });
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.log.size(), 1);
    QCOMPARE(rec.log, QStringList{ errorEntry(EventSource::HttpStatusError, EventSource::Closed) });
    QCOMPARE(calls, 1);
    QCOMPARE(source.reconnectDelay(), -1);
    QVERIFY(!source.errorString().contains(u"reconnecting"_s));

    // An empty function removes the hook: the policy decides again.
    source.setRetryPolicy({});
    source.open();
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(calls, 1);
}

void tst_RetryPolicy::hookPicksItsDelay()
{
    // A 404 (never retried by the policy), with a Retry-After the hook's own delay overrides.
    SseTestServer server(failThenStream("404 Not Found", 1, "Retry-After: 60\r\n"));
    EventSource source(server.url());
    source.setRetryPolicy([](const EventSource::HttpFailure &failure) {
        return EventSource::RetryDecision{ !failure.retriedByPolicy, 30ms };
    });
    int delay = -2;
    QString message;
    connect(&source, &EventSource::errorOccurred, this, [&] {
        delay = source.reconnectDelay();
        message = source.errorString();
    });
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(delay, 30);
    QCOMPARE(message, u"HTTP 404 Not Found (body: \"down\")"_s);
    QCOMPARE(rec.log,
             QStringList({ errorEntry(EventSource::HttpStatusError, EventSource::Connecting),
                           openEntry() }));
}

void tst_RetryPolicy::hookRetriesContentType()
{
    // A proxy's 200 HTML page during a deploy: ContentTypeError, retried by the hook.
    auto count = std::make_shared<int>(0);
    SseTestServer server([count](const HttpRequest &, QTcpSocket *socket) {
        if ((*count)++ == 0) {
            SseTestServer::writeResponse(socket, "200 OK", "Content-Type: text/html\r\n", "<p>");
            return;
        }
        SseTestServer::writeStreamHead(socket);
        socket->write("data: back\n\n");
    });
    EventSource source(server.url());
    source.setHttpErrorPolicy(EventSource::RetryServerErrors); // alone, it does not retry this
    QList<EventSource::Error> seen;
    source.setRetryPolicy([&seen](const EventSource::HttpFailure &failure) {
        seen.append(failure.error);
        return EventSource::RetryDecision{ !failure.retriedByPolicy, 1ms };
    });
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(seen, QList<EventSource::Error>{ EventSource::ContentTypeError });
    QCOMPARE(rec.log.first(), errorEntry(EventSource::ContentTypeError, EventSource::Connecting));
}

void tst_RetryPolicy::hookNotAskedFor204()
{
    // 204 is the server's "do not reconnect": final whatever the policy and the hook.
    SseTestServer server(failThenStream("204 No Content"));
    EventSource source(server.url());
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    int calls = 0;
    source.setRetryPolicy([&calls](const EventSource::HttpFailure &) {
        ++calls;
        return EventSource::RetryDecision{ true, 1ms };
    });
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(rec.log.size(), 1);
    QCOMPARE(rec.log, QStringList{ errorEntry(EventSource::HttpStatusError, EventSource::Closed) });
    QCOMPARE(calls, 0);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    QVERIFY(!errors.wait(100));
    QCOMPARE(server.requests.size(), 1);
}

void tst_RetryPolicy::hookClosesTheSourceItself()
{
    SseTestServer server(failThenStream("503 Service Unavailable"));
    EventSource source(server.url());
    source.setRetryPolicy([&source](const EventSource::HttpFailure &) {
        source.close();
        return EventSource::RetryDecision{ true, 1ms }; // ignored: the source is closed
    });
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(server.requests.size(), 1);
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QSignalSpy errors(&source, &EventSource::errorOccurred);
    QVERIFY(!errors.wait(100));
    QVERIFY(rec.log.isEmpty()); // close() is silent
    QCOMPARE(server.requests.size(), 1);
}

void tst_RetryPolicy::budgetEndsRetries()
{
    SseTestServer server(failThenStream("503 Service Unavailable", 1000, "Retry-After: 0\r\n"));
    EventSource source(server.url());
    source.setReconnectionTime(1);
    source.setMaximumReconnectionDelay(5);
    source.setMaximumRetries(2);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(rec.log,
             QStringList({ errorEntry(EventSource::HttpStatusError, EventSource::Connecting),
                           errorEntry(EventSource::HttpStatusError, EventSource::Connecting),
                           errorEntry(EventSource::RetriesExhaustedError, EventSource::Closed) }));
    QVERIFY2(source.errorString().startsWith(u"HTTP 503 Service Unavailable"_s),
             qPrintable(source.errorString()));
    QVERIFY2(source.errorString().endsWith(u"gave up after 3 failed attempts"_s),
             qPrintable(source.errorString()));
    QCOMPARE(server.requests.size(), 3);

    // A hook's reconnects count the same way.
    server.setHandler(failThenStream("404 Not Found", 1000));
    source.setRetryPolicy([](const EventSource::HttpFailure &) {
        return EventSource::RetryDecision{ true, 1ms };
    });
    rec.log.clear();
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(rec.log.size(), 3);
    QCOMPARE(rec.log.last(), errorEntry(EventSource::RetriesExhaustedError, EventSource::Closed));
}

void tst_RetryPolicy::durationEndsRetries()
{
    SseTestServer server(failThenStream("502 Bad Gateway", 100000));
    EventSource source(server.url());
    source.setReconnectionTime(20);
    source.setMaximumReconnectionDelay(20);
    source.setMaximumRetryDuration(150);
    source.setHttpErrorPolicy(EventSource::RetryServerErrors);
    Recorder rec(&source);
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(source.readyState(), EventSource::Closed, 20000);
    QCOMPARE(rec.errors.last(), EventSource::RetriesExhaustedError);
    QVERIFY(rec.errors.size() >= 2);
    for (qsizetype i = 0; i + 1 < rec.errors.size(); ++i)
        QCOMPARE(rec.errors.at(i), EventSource::HttpStatusError);
}

QTEST_GUILESS_MAIN(tst_RetryPolicy)
#include "tst_retrypolicy.moc"
