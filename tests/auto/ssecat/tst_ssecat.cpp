// SPDX-License-Identifier: MIT
// Runs the ssecat example as a user would and checks what it prints.
#include "ssetestserver.h"

#include <QtCore/qfile.h>
#include <QtCore/qprocess.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>

using namespace Qt::StringLiterals;

class tst_Ssecat : public QObject
{
    Q_OBJECT

private:
    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    Run run(const QStringList &args, const QByteArray &stdinData = QByteArray())
    {
        QProcess process;
        process.start(QStringLiteral(SSECAT_PATH), args);
        if (!process.waitForStarted())
            return {};
        if (!stdinData.isNull())
            process.write(stdinData);
        process.closeWriteChannel();
        process.waitForFinished(60000);
        return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                 process.readAllStandardOutput(), process.readAllStandardError() };
    }

    // Starts ssecat without blocking, so the in-process server keeps serving.
    std::unique_ptr<QProcess> startCat(const QStringList &args)
    {
        auto process = std::make_unique<QProcess>();
        process->start(QStringLiteral(SSECAT_PATH), args);
        return process;
    }
    static bool waitExit(QProcess *process)
    {
        QSignalSpy finished(process, &QProcess::finished);
        return process->state() == QProcess::NotRunning || finished.wait(20000);
    }
    static QList<QByteArray> splitLines(const QByteArray &output)
    {
        QList<QByteArray> out = output.split('\n');
        if (!out.isEmpty() && out.last().isEmpty())
            out.removeLast();
        return out;
    }
    static QList<QByteArray> lines(QProcess *process)
    {
        return splitLines(process->readAllStandardOutput());
    }

private Q_SLOTS:
    void inputJsonMatchesGolden();
    void inputFromStdin();
    void inputSeededLastEventId();
    void inputReadable();
    void inputMissingFile();
    void inputEventTooLarge();
    void inputRetryAsReceived();
    void usageErrors();
    void networkNoReconnectNormalEnd();
    void networkCountAcrossReconnects();
    void networkFailureExitCodes_data();
    void networkFailureExitCodes();
    void networkRetryAsReceived();
    void networkNoReconnectSaysSo();
    void networkRetryHttpErrors();
    void networkRequestOptions();
    void networkReadTimeout();
    void networkCommands();
    void networkUsageErrors();
    void networkFinishOn();
    void networkReconnectPolicy_data();
    void networkReconnectPolicy();
    void networkFlushAtEnd();
    void networkInclude();
    void networkJsonAnswer();
    void networkSkipOversize();
    void inputFlushAndSkip();
    void finiteUsageErrors();
    void networkTransport_data();
    void networkTransport();
};

namespace {
// A chunked 200 stream head, so that a reset is an error for the client, not an end.
void writeChunkedStream(QTcpSocket *socket, const QByteArray &events)
{
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"
                  + QByteArray::number(events.size(), 16) + "\r\n" + events + "\r\n");
}
} // namespace

void tst_Ssecat::inputJsonMatchesGolden()
{
    QFile golden(QFINDTESTDATA("data/sample.jsonl"));
    QVERIFY(golden.open(QIODevice::ReadOnly));
    const Run r = run({ u"--json"_s, u"--input"_s, QFINDTESTDATA("data/sample.sse") });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, golden.readAll());
    QVERIFY(r.err.isEmpty());
}

void tst_Ssecat::inputFromStdin()
{
    const Run r = run({ u"--json"_s, u"--input"_s, u"-"_s }, "data: a\n\ndata: b\n\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
             "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"a\",\"lastEventId\":\"\"}\n"
             "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"b\",\"lastEventId\":\"\"}\n"
             "{\"kind\":\"end\",\"lastEventId\":\"\"}\n");
}

void tst_Ssecat::inputSeededLastEventId()
{
    // P-23: a reconnected body starts from the committed ID.
    const Run r = run({ u"--json"_s, u"--last-event-id"_s, u"-5"_s, u"--input"_s, u"-"_s },
                      "data: x\n\ndata: y\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
             "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"x\",\"lastEventId\":\"-5\"}\n"
             "{\"kind\":\"end\",\"lastEventId\":\"-5\"}\n");
}

void tst_Ssecat::inputReadable()
{
    const Run r = run({ u"--input"_s, u"-"_s }, "event: tick\nid: 3\ndata: a\ndata: b\n\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
             "event: tick\nid: 3\ndata: a\ndata: b\n\n# end of stream, last event id \"3\"\n");
}

void tst_Ssecat::inputMissingFile()
{
    const Run r = run({ u"--input"_s, u"/nonexistent/qtsse.sse"_s });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("cannot open"));
}

void tst_Ssecat::inputEventTooLarge()
{
    const Run r = run({ u"--json"_s, u"--max-event-size"_s, u"100"_s, u"--input"_s, u"-"_s },
                      "data: ok\n\ndata: " + QByteArray(200, 'x') + "\n\n");
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.startsWith("{\"kind\":\"event\",\"type\":\"message\",\"data\":\"ok\""));
    QVERIFY(r.err.contains("maximum event size"));
}

void tst_Ssecat::inputRetryAsReceived()
{
    const Run r = run({ u"--json"_s, u"--input"_s, u"-"_s },
                      "retry: 3000\nretry: 4294967296\nretry: 3000\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
             "{\"kind\":\"retry\",\"ms\":3000}\n"
             "{\"kind\":\"retry\",\"ms\":4294967296}\n"
             "{\"kind\":\"retry\",\"ms\":3000}\n"
             "{\"kind\":\"end\",\"lastEventId\":\"\"}\n");
}

void tst_Ssecat::usageErrors()
{
    QCOMPARE(run({ u"--bogus"_s }).exitCode, 2);
    // No URL is not an error: ssecat then runs the demo server in-process (smoke_ssecat_inprocess).
    QCOMPARE(run({ u"http://127.0.0.1:1/a"_s, u"http://127.0.0.1:1/b"_s }).exitCode, 2);
    QCOMPARE(run({ u"--max-event-size"_s, u"-3"_s, u"--input"_s, u"-"_s }).exitCode, 2);
    const Run help = run({ u"--help"_s });
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("--input"));
    QVERIFY(help.out.contains("--retry-http-errors"));
}

void tst_Ssecat::networkNoReconnectNormalEnd()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        socket->write("retry: 100\n: keep alive\nid: 1\nevent: tick\ndata: x\n\nid: 2\n\n");
        socket->disconnectFromHost();
    });
    auto cat = startCat({ u"--json"_s, u"--no-reconnect"_s, server.url(u"/s"_s).toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QByteArray origin = server.origin().toUtf8();
    QCOMPARE(lines(cat.get()),
             QList<QByteArray>({ "{\"kind\":\"open\"}", "{\"kind\":\"retry\",\"ms\":100}",
                                 "{\"kind\":\"comment\",\"text\":\" keep alive\"}",
                                 "{\"kind\":\"event\",\"type\":\"tick\",\"data\":\"x\","
                                 "\"lastEventId\":\"1\",\"origin\":\""
                                         + origin + "\"}",
                                 "{\"kind\":\"end\",\"lastEventId\":\"2\"}" }));
}

void tst_Ssecat::networkCountAcrossReconnects()
{
    // A resuming server: each connection sends the event after Last-Event-ID, then ends.
    // (QNAM may resend a request on a fresh connection, so the server must not count them.)
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        const QByteArray next = QByteArray::number(request.header("last-event-id").toInt() + 1);
        socket->write("id: " + next + "\ndata: " + next + "\n\n");
        socket->disconnectFromHost();
    });
    auto cat = startCat({ u"--json"_s, u"--reconnect-time"_s, u"10"_s, u"-n"_s, u"3"_s,
                          server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.count("{\"kind\":\"open\"}"), 3);
    QCOMPARE(std::count_if(out.begin(), out.end(),
                           [](const QByteArray &l) {
                               return l.startsWith("{\"kind\":\"error\"")
                                       && l.contains("\"readyState\":\"connecting\"")
                                       && l.contains("\"httpStatus\":200");
                           }),
             2);
    for (int i = 1; i <= 3; ++i) {
        QVERIFY2(out.count("{\"kind\":\"event\",\"type\":\"message\",\"data\":\""
                           + QByteArray::number(i) + "\",\"lastEventId\":\"" + QByteArray::number(i)
                           + "\",\"origin\":\"" + server.origin().toUtf8() + "\"}")
                         == 1,
                 out.join('\n').constData());
    }
    QVERIFY(out.last().contains("\"data\":\"3\""));
}

void tst_Ssecat::networkFailureExitCodes_data()
{
    QTest::addColumn<QByteArray>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("500 fails") << QByteArray("500 Internal Server Error") << QByteArray("text/html")
                               << 1;
    QTest::newRow("200 text/html fails") << QByteArray("200 OK") << QByteArray("text/html") << 1;
    QTest::newRow("204 stops cleanly")
            << QByteArray("204 No Content") << QByteArray("text/event-stream") << 0;
}

void tst_Ssecat::networkFailureExitCodes()
{
    QFETCH(QByteArray, status);
    QFETCH(QByteArray, contentType);
    QFETCH(int, exitCode);
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, status, "Content-Type: " + contentType + "\r\n",
                                     status.startsWith("204") ? QByteArray()
                                                              : QByteArray("<p>no</p>"));
    });
    auto cat = startCat({ u"--json"_s, server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), exitCode);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.size(), 1);
    QVERIFY(out.first().startsWith("{\"kind\":\"error\",\"message\":\""));
    QVERIFY(out.first().endsWith(
            QByteArray(",\"readyState\":\"closed\",\"httpStatus\":" + status.left(3) + "}")));
}

void tst_Ssecat::networkRetryAsReceived()
{
    // Each retry field as the server sent it: the default 3000 and a value past int included,
    // and a repeat that changes nothing; the library clamps and deduplicates, ssecat does not.
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        socket->write("retry: 3000\nretry: 4294967296\nretry: 4294967296\ndata: x\n\n");
        socket->disconnectFromHost();
    });
    auto cat = startCat({ u"--json"_s, u"--no-reconnect"_s, server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.mid(0, 4),
             QList<QByteArray>({ "{\"kind\":\"open\"}", "{\"kind\":\"retry\",\"ms\":3000}",
                                 "{\"kind\":\"retry\",\"ms\":4294967296}",
                                 "{\"kind\":\"retry\",\"ms\":4294967296}" }));
}

void tst_Ssecat::networkNoReconnectSaysSo()
{
    // A failure that would reconnect (nothing listens on the port): under --no-reconnect the
    // line says what happens instead.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    auto cat = startCat({ u"--json"_s, u"--no-reconnect"_s, u"http://127.0.0.1:%1/"_s.arg(port) });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 1);
    const QList<QByteArray> out = lines(cat.get());
    QVERIFY(!out.isEmpty());
    const QByteArray error = out.last();
    QVERIFY2(error.startsWith("{\"kind\":\"error\""), error.constData());
    QVERIFY2(!error.contains("reconnecting in"), error.constData());
    QVERIFY2(error.contains("; not reconnecting (--no-reconnect)\",\"readyState\":\"closed\""),
             error.constData());
}

void tst_Ssecat::networkRetryHttpErrors()
{
    auto count = std::make_shared<int>(0);
    SseTestServer server([count](const HttpRequest &, QTcpSocket *socket) {
        if ((*count)++ == 0) {
            SseTestServer::writeResponse(socket, "503 Service Unavailable",
                                         "Retry-After: 0\r\nContent-Type: text/plain\r\n",
                                         "deploying");
            return;
        }
        SseTestServer::writeStreamHead(socket);
        socket->write("data: back\n\n");
    });
    // Without the flag the 503 ends the run (networkFailureExitCodes); with it, it is retried.
    auto cat = startCat({ u"--json"_s, u"--retry-http-errors"_s, u"--reconnect-time"_s, u"10"_s,
                          u"-n"_s, u"1"_s, server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.size(), 3);
    QVERIFY2(out.at(0).startsWith("{\"kind\":\"error\",\"message\":\"HTTP 503 Service Unavailable"),
             out.at(0).constData());
    QVERIFY2(out.at(0).endsWith(
                     "; reconnecting in 10 ms\",\"readyState\":\"connecting\",\"httpStatus\":503}"),
             out.at(0).constData());
    QCOMPARE(out.at(1), "{\"kind\":\"open\"}");
    QVERIFY(out.at(2).contains("\"data\":\"back\""));

    // A 404 still ends it.
    SseTestServer missing([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "404 Not Found", "Content-Type: text/plain\r\n", "no");
    });
    auto cat404 = startCat({ u"--json"_s, u"--retry-http-errors"_s, missing.url().toString() });
    QVERIFY(waitExit(cat404.get()));
    QCOMPARE(cat404->exitCode(), 1);
    QCOMPARE(missing.requests.size(), 1);
}

void tst_Ssecat::networkRequestOptions()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Connection: close\r\n");
        socket->write("data: " + request.method + '|' + request.body + '|' + request.header("x-a")
                      + '|' + request.header("authorization") + '|'
                      + request.header("last-event-id") + "\n\n");
        socket->disconnectFromHost();
    });
    auto post = startCat({ u"--json"_s, u"-n"_s, u"1"_s, u"-H"_s, u"X-A: 1"_s, u"-H"_s,
                           u"Authorization: Bearer t"_s, u"-d"_s, u"-body-"_s, u"--last-event-id"_s,
                           u"-7"_s, server.url().toString() });
    QVERIFY(waitExit(post.get()));
    QCOMPARE(post->exitCode(), 0);
    QVERIFY(lines(post.get()).last().contains("\"data\":\"POST|-body-|1|Bearer t|-7\""));

    auto put = startCat({ u"--json"_s, u"-n"_s, u"1"_s, u"-X"_s, u"PUT"_s, u"-d"_s, u"b"_s,
                          server.url().toString() });
    QVERIFY(waitExit(put.get()));
    QVERIFY(lines(put.get()).last().contains("\"data\":\"PUT|b|||\""));
}

void tst_Ssecat::networkReadTimeout()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket); // then silence
    });
    auto cat = startCat({ u"--json"_s, u"--no-reconnect"_s, u"--read-timeout"_s, u"200"_s,
                          server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 1);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.size(), 2);
    QVERIFY(out.at(1).contains("No data received for 200 ms"));
    QVERIFY(out.at(1).contains("\"readyState\":\"closed\""));
}

void tst_Ssecat::networkCommands()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: a\ndata: hi\n\n");
    });
    auto cat = startCat({ u"--json"_s, u"--commands"_s, server.url().toString() });
    // Each command waits for the open it follows: a "close" read before the restarted stream's
    // response would end the run with one open printed.
    QByteArray printed;
    const auto opens = [&] {
        printed += cat->readAllStandardOutput();
        return printed.count("{\"kind\":\"open\"}");
    };
    QTRY_COMPARE(opens(), 1);
    cat->write("restart\n");
    QTRY_COMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests.at(1).header("last-event-id"), "a");
    QTRY_COMPARE(opens(), 2);
    cat->write("close\n");
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QList<QByteArray> out = splitLines(printed + cat->readAllStandardOutput());
    QCOMPARE(out.count("{\"kind\":\"open\"}"), 2);
    QVERIFY(std::none_of(out.begin(), out.end(),
                         [](const QByteArray &l) { return l.contains("error"); }));
}

void tst_Ssecat::networkUsageErrors()
{
    QCOMPARE(run({ u"http://127.0.0.1:1/"_s, u"http://127.0.0.1:2/"_s }).exitCode, 2);
    QCOMPARE(run({ u"-H"_s, u"no colon"_s, u"http://127.0.0.1:1/"_s }).exitCode, 2);
    QCOMPARE(run({ u"-n"_s, u"0"_s, u"http://127.0.0.1:1/"_s }).exitCode, 2);
    QCOMPARE(run({ u"--read-timeout"_s, u"x"_s, u"http://127.0.0.1:1/"_s }).exitCode, 2);
    const Run scheme = run({ u"--json"_s, u"ftp://127.0.0.1/x"_s });
    QCOMPARE(scheme.exitCode, 1);
    QVERIFY(scheme.out.contains("\"httpStatus\":0"));
}

void tst_Ssecat::networkFinishOn()
{
    // The server keeps the connection open after [DONE]: ssecat exits at once all the same.
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: 1\ndata: tok\n\nevent: message_stop\ndata: {}\n\ndata: after\n\n");
    });
    auto json = startCat({ u"--json"_s, u"--finish-on"_s, u"[DONE]"_s, u"--finish-on"_s,
                           u"message_stop"_s, server.url().toString() });
    QVERIFY(waitExit(json.get()));
    QCOMPARE(json->exitCode(), 0);
    const QList<QByteArray> out = lines(json.get());
    QCOMPARE(out.size(), 4);
    QCOMPARE(out.at(0), "{\"kind\":\"open\"}");
    QVERIFY(out.at(1).contains("\"data\":\"tok\""));
    QVERIFY(out.at(2).contains("\"type\":\"message_stop\""));
    QCOMPARE(out.at(3), "{\"kind\":\"finished\",\"lastEventId\":\"1\"}");

    auto readable = startCat({ u"--finish-on"_s, u"message_stop"_s, server.url().toString() });
    QVERIFY(waitExit(readable.get()));
    QCOMPARE(readable->exitCode(), 0);
    QCOMPARE(lines(readable.get()).last(), "# finished");
    QCOMPARE(server.requests.size(), 2); // one per run
}

void tst_Ssecat::networkReconnectPolicy_data()
{
    QTest::addColumn<QString>("policy");
    QTest::addColumn<QByteArray>("ending"); // clean, stall, early stall, truncated
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("lastLine"); // a fragment of it
    QTest::addColumn<int>("requests");
    QTest::newRow("before-first-event, clean end") << u"before-first-event"_s << QByteArray("clean")
                                                   << 0 << QByteArray("\"kind\":\"finished\"") << 1;
    QTest::newRow("never, clean end")
            << u"never"_s << QByteArray("clean") << 0 << QByteArray("\"kind\":\"finished\"") << 1;
    QTest::newRow("before-first-event, stalls after an event")
            << u"before-first-event"_s << QByteArray("stall") << 1
            << QByteArray("\"readyState\":\"closed\"") << 1;
    QTest::newRow("never, stalls after an event") << u"never"_s << QByteArray("stall") << 1
                                                  << QByteArray("\"readyState\":\"closed\"") << 1;
    QTest::newRow("before-first-event, no marker")
            << u"before-first-event"_s << QByteArray("truncated") << 1
            << QByteArray("without a finish marker") << 1;
    QTest::newRow("never, stalls before any event") << u"never"_s << QByteArray("early stall") << 1
                                                    << QByteArray("\"readyState\":\"closed\"") << 1;
    QTest::newRow("before-first-event, stalls before any event, then an answer")
            << u"before-first-event"_s << QByteArray("early stall") << 0
            << QByteArray("\"kind\":\"finished\"") << 2;
}

void tst_Ssecat::networkReconnectPolicy()
{
    QFETCH(QString, policy);
    QFETCH(QByteArray, ending);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, lastLine);
    QFETCH(int, requests);
    int served = 0;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        ++served;
        if (ending == "stall" || (ending == "early stall" && served == 1)) {
            // The answer stops coming: --read-timeout fails the connection. (A connection
            // closed inside a chunked body is not used here: Qt 6.4's HTTP layer reports some
            // of those as a complete body, see the README's known limits.)
            writeChunkedStream(socket, ending == "stall" ? "data: half\n\n" : ": wait\n");
            return;
        }
        SseTestServer::writeResponse(socket, "200 OK", "Content-Type: text/event-stream\r\n",
                                     "data: a\n\ndata: b\n\n");
    });
    QStringList args{ u"--json"_s, u"--reconnect-time"_s,   u"10"_s, u"--read-timeout"_s,
                      u"300"_s,    u"--reconnect-policy"_s, policy };
    if (ending == "truncated")
        args << u"--finish-on"_s << u"[DONE]"_s;
    auto cat = startCat(args << server.url().toString());
    QVERIFY(waitExit(cat.get()));
    const QList<QByteArray> out = lines(cat.get());
    QVERIFY2(cat->exitCode() == exitCode, out.join('\n').constData());
    QVERIFY2(out.last().contains(lastLine), out.last().constData());
    QCOMPARE(served, requests);
}

void tst_Ssecat::networkFlushAtEnd()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "200 OK", "Content-Type: text/event-stream\r\n",
                                     "data: a\n\ndata: {\"last\":true}");
    });
    auto flushed = startCat({ u"--json"_s, u"--reconnect-policy"_s, u"never"_s, u"--flush-at-end"_s,
                              server.url().toString() });
    QVERIFY(waitExit(flushed.get()));
    QCOMPARE(flushed->exitCode(), 0);
    QList<QByteArray> out = lines(flushed.get());
    QCOMPARE(out.size(), 4);
    QVERIFY(out.at(2).contains(R"("data":"{\"last\":true}")"));
    QVERIFY(out.at(3).contains("\"kind\":\"finished\""));

    auto standard =
            startCat({ u"--json"_s, u"--reconnect-policy"_s, u"never"_s, server.url().toString() });
    QVERIFY(waitExit(standard.get()));
    out = lines(standard.get());
    QCOMPARE(out.size(), 3); // P-22: the unterminated event is discarded
}

void tst_Ssecat::networkInclude()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        if (request.path() == "/start") {
            SseTestServer::writeResponse(socket, "302 Found", "Location: /final\r\n", "");
            return;
        }
        SseTestServer::writeStreamHead(socket, "X-Request-Id: req_1\r\nVary: A\r\nVary: B\r\n");
        socket->write("data: [DONE]\n\n");
    });
    auto cat = startCat({ u"--json"_s, u"-i"_s, u"--finish-on"_s, u"[DONE]"_s,
                          server.url(u"/start"_s).toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QByteArray open = lines(cat.get()).first();
    QVERIFY2(open.startsWith("{\"kind\":\"open\",\"status\":200,\"headers\":{"), open);
    QVERIFY2(open.contains("\"content-type\":\"text/event-stream\""), open);
    QVERIFY2(open.contains("\"x-request-id\":\"req_1\""), open);
    QVERIFY2(open.contains("\"vary\":\"A, B\""), open);
    QCOMPARE(open.count("\"vary\""), 1);

    auto readable = startCat(
            { u"--include"_s, u"--finish-on"_s, u"[DONE]"_s, server.url(u"/final"_s).toString() });
    QVERIFY(waitExit(readable.get()));
    const QList<QByteArray> out = lines(readable.get());
    QCOMPARE(out.first(), "# open (HTTP 200)");
    QVERIFY(out.contains("# x-request-id: req_1"));
}

void tst_Ssecat::networkJsonAnswer()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        if (request.header("accept") != "application/json, text/event-stream") {
            SseTestServer::writeResponse(socket, "406 Not Acceptable", "", "");
            return;
        }
        SseTestServer::writeResponse(socket, "200 OK",
                                     "Content-Type: application/json; charset=utf-8\r\n",
                                     R"({"jsonrpc":"2.0","id":1,"result":{}})");
    });
    auto cat = startCat({ u"--json"_s, u"-H"_s, u"Accept: application/json, text/event-stream"_s,
                          u"-d"_s, u"{}"_s, server.url(u"/mcp"_s).toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.size(), 3);
    QVERIFY2(out.at(1).startsWith(
                     R"({"kind":"event","type":"message","data":"{\"jsonrpc\":\"2.0\",\"id\":1,)"),
             out.at(1));
    QVERIFY(out.at(2).contains("\"kind\":\"finished\""));
    QCOMPARE(server.requests.size(), 1);
}

void tst_Ssecat::networkSkipOversize()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("id: 1\ndata: small\n\nid: 2\nevent: big\ndata: " + QByteArray(4096, 'x')
                      + "\n\ndata: [DONE]\n\n");
    });
    auto cat = startCat({ u"--json"_s, u"--max-event-size"_s, u"1024"_s, u"--skip-oversize"_s,
                          u"--finish-on"_s, u"[DONE]"_s, server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    const QList<QByteArray> out = lines(cat.get());
    QCOMPARE(out.size(), 5);
    QVERIFY2(out.at(2).startsWith(R"({"kind":"skipped","type":"big","size":)"), out.at(2));
    QVERIFY(out.at(3).contains(R"("data":"[DONE]","lastEventId":"2")"));
}

void tst_Ssecat::inputFlushAndSkip()
{
    // The limit counts an unfinished line whole, field name included: "data: end" fits in 12.
    // The skipped size counts what the event held: its data line (13 + LF) and its id (1).
    const Run r = run({ u"--json"_s, u"--max-event-size"_s, u"12"_s, u"--skip-oversize"_s,
                        u"--flush-at-end"_s, u"--input"_s, u"-"_s },
                      "id: 1\ndata: 1234567890123\n\ndata: ok\n\ndata: end");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
             "{\"kind\":\"skipped\",\"type\":\"message\",\"size\":15}\n"
             "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"ok\",\"lastEventId\":\"1\"}\n"
             "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"end\",\"lastEventId\":\"1\"}\n"
             "{\"kind\":\"end\",\"lastEventId\":\"1\"}\n");
}

void tst_Ssecat::finiteUsageErrors()
{
    QCOMPARE(run({ u"--reconnect-policy"_s, u"sometimes"_s, u"http://127.0.0.1:1/"_s }).exitCode,
             2);
}

void tst_Ssecat::networkTransport_data()
{
    QTest::addColumn<QString>("transport");
    QTest::newRow("qnam") << u"qnam"_s;
    QTest::newRow("own") << u"own"_s;
    QTest::newRow("auto") << u"auto"_s;
}

// --transport sets the transport: each streams. The own transport refuses a URL with user
// info (it answers no authentication challenge, SocketExchange::canServe()), QNAM does not.
void tst_Ssecat::networkTransport()
{
    QFETCH(QString, transport);
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeResponse(socket, "200 OK", "Content-Type: text/event-stream\r\n",
                                     "data: a\n\n");
    });
    auto cat = startCat({ u"--json"_s, u"--no-reconnect"_s, u"--transport"_s, transport,
                          server.url().toString() });
    QVERIFY(waitExit(cat.get()));
    QCOMPARE(cat->exitCode(), 0);
    QVERIFY(lines(cat.get()).contains("{\"kind\":\"open\"}"));

    QUrl withUserInfo = server.url();
    withUserInfo.setUserInfo(u"user:secret"_s);
    auto refused = startCat({ u"--json"_s, u"--no-reconnect"_s, u"--transport"_s, transport,
                              withUserInfo.toString() });
    QVERIFY(waitExit(refused.get()));
    const QList<QByteArray> out = lines(refused.get());
    if (transport == "own"_L1) {
        QCOMPARE(refused->exitCode(), 1);
        QVERIFY2(out.last().contains("socket transport"), out.last().constData());
    } else {
        QVERIFY2(refused->exitCode() == 0, out.join('\n').constData());
    }
    QCOMPARE(run({ u"--transport"_s, u"socket"_s, server.url().toString() }).exitCode, 2);
}

QTEST_GUILESS_MAIN(tst_Ssecat)
#include "tst_ssecat.moc"
