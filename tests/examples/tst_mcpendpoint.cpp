// SPDX-License-Identifier: MIT
// The demo server's /mcp endpoint (examples/demoserver/mcpendpoint.*): which finished
// event-stream answers a GET with Last-Event-ID still resumes. In-process, over loopback, with
// plain QNetworkAccessManager requests (the endpoint's own protocol, no MCP client in between).
#include "demoserver.h"
#include "mcpendpoint.h"

#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qregularexpression.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtTest/qtest.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {
constexpr int Patience = 10000; // ms: for what takes well under a second
}

class tst_McpEndpoint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void oldestFinishedGoFirst();
    void finishedGoWhenTheirTimeIsUp();

private:
    QByteArray initialize();
    // A countdown from 1 to its end: the id of the answer's first (priming) event.
    qint64 countdown(const QByteArray &sessionId);
    // What a GET with Last-Event-ID answers: true when it resumes a finished answer (its
    // remaining events, its result), false when it opens the session's own stream (a ping).
    bool resumes(const QByteArray &sessionId, qint64 lastEventId);

    std::unique_ptr<DemoServer> m_server;
    McpEndpoint *m_endpoint = nullptr;
    QNetworkAccessManager m_manager;
    QUrl m_url;
    int m_nextId = 0;
};

void tst_McpEndpoint::init()
{
    m_server = std::make_unique<DemoServer>(DemoServer::Options());
    m_endpoint = McpEndpoint::install(m_server.get());
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    m_url = m_server->baseUrl().resolved(QUrl(u"mcp"_s));
}

void tst_McpEndpoint::cleanup()
{
    m_server.reset();
    m_endpoint = nullptr;
}

QByteArray tst_McpEndpoint::initialize()
{
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    std::unique_ptr<QNetworkReply> reply(
            m_manager.post(request,
                           QJsonDocument(QJsonObject{ { u"jsonrpc"_s, u"2.0"_s },
                                                      { u"id"_s, ++m_nextId },
                                                      { u"method"_s, u"initialize"_s },
                                                      { u"params"_s, QJsonObject() } })
                                   .toJson()));
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, Patience))
        return {};
    return reply->rawHeader("Mcp-Session-Id");
}

qint64 tst_McpEndpoint::countdown(const QByteArray &sessionId)
{
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    request.setRawHeader("Accept", "application/json, text/event-stream");
    request.setRawHeader("Mcp-Session-Id", sessionId);
    const QJsonObject call{ { u"jsonrpc"_s, u"2.0"_s },
                            { u"id"_s, ++m_nextId },
                            { u"method"_s, u"tools/call"_s },
                            { u"params"_s,
                              QJsonObject{
                                      { u"name"_s, u"countdown"_s },
                                      { u"arguments"_s, QJsonObject{ { u"from"_s, 1 } } } } } };
    std::unique_ptr<QNetworkReply> reply(m_manager.post(request, QJsonDocument(call).toJson()));
    // The answer's connection closes after its result.
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, Patience))
        return -1;
    const QByteArray body = reply->readAll();
    if (!body.contains("Lift-off!"))
        return -1;
    const QRegularExpressionMatch first =
            QRegularExpression(u"^id: (\\d+)\n"_s).match(QString::fromUtf8(body));
    return first.hasMatch() ? first.captured(1).toLongLong() : -1;
}

bool tst_McpEndpoint::resumes(const QByteArray &sessionId, qint64 lastEventId)
{
    QNetworkRequest request(m_url);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Mcp-Session-Id", sessionId);
    request.setRawHeader("Last-Event-ID", QByteArray::number(lastEventId));
    std::unique_ptr<QNetworkReply> reply(m_manager.get(request));
    QByteArray body;
    QObject::connect(reply.get(), &QIODevice::readyRead, reply.get(),
                     [&] { body += reply->readAll(); });
    // Either ends: the resumed answer's result, or the session stream's ping (which stays open).
    const bool answered = QTest::qWaitFor(
            [&] { return body.contains("Lift-off!") || body.contains("\"method\":\"ping\""); },
            Patience);
    reply->abort();
    if (!answered)
        qWarning("no answer to the GET: %s", body.constData());
    return body.contains("Lift-off!") && !body.contains("\"method\":\"ping\"");
}

// Two kept: the first of three finished answers is no longer resumable, the other two are, and
// only by their own session.
void tst_McpEndpoint::oldestFinishedGoFirst()
{
    m_endpoint->setFinishedAnswerRetention(2, 1h);
    const QByteArray session = initialize();
    QVERIFY(!session.isEmpty());
    const qint64 first = countdown(session);
    QVERIFY(first > 0);
    QVERIFY(resumes(session, first)); // kept while within the count
    const qint64 second = countdown(session);
    const qint64 third = countdown(session);
    QVERIFY(second > first);
    QVERIFY(third > second);
    QVERIFY(!resumes(session, first));
    QVERIFY(resumes(session, second));
    QVERIFY(resumes(session, third));
    const QByteArray other = initialize();
    QVERIFY(!other.isEmpty());
    QVERIFY(!resumes(other, third));
    QVERIFY(resumes(session, third)); // still there
}

// No time to stay: a finished answer is not resumable at all. The count alone would keep it.
void tst_McpEndpoint::finishedGoWhenTheirTimeIsUp()
{
    m_endpoint->setFinishedAnswerRetention(256, 0ms);
    const QByteArray session = initialize();
    QVERIFY(!session.isEmpty());
    const qint64 answer = countdown(session);
    QVERIFY(answer > 0);
    QVERIFY(!resumes(session, answer));
}

QTEST_GUILESS_MAIN(tst_McpEndpoint)
#include "tst_mcpendpoint.moc"
