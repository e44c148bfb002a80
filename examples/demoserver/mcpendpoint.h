// SPDX-License-Identifier: MIT
#ifndef MCPENDPOINT_H
#define MCPENDPOINT_H

#include "demoserver.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qhash.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qobject.h>
#include <QtCore/qpointer.h>
#include <QtCore/qtimer.h>

#include <chrono>
#include <memory>

// A minimal MCP server over Streamable HTTP (revision 2025-11-25) for the demo server, enough
// for the mcpclient example and its smoke test:
//   POST   /mcp  initialize (a new session: Mcp-Session-Id), tools/list, tools/call, ping;
//                notifications and responses answered 202
//   GET    /mcp  the session's event stream: a priming event, a ping request (the client
//                POSTs its answer), then a log notification every 5 s (resumption keeps
//                counting event ids; the session stream replays nothing, an answer does)
//   DELETE /mcp  ends the session
// Tools: echo (a JSON answer), countdown (an event-stream answer: a priming event, progress
// notifications, then the result), greet (asks the client for a name with elicitation/create
// inside its event-stream answer, and answers once the client has POSTed the reply).
// An event-stream answer whose connection drops goes on: a GET of the same session with the
// Last-Event-ID of one of its events resumes it, replaying what came after that event (MCP's
// resumability). A finished answer stays resumable too (its last events may have been lost with
// its connection), within bounds: see setFinishedAnswerRetention().
class McpEndpoint : public QObject
{
    Q_OBJECT
public:
    // Adds the routes to `server`, which owns the endpoint.
    static McpEndpoint *install(DemoServer *server, const QByteArray &path = "/mcp");

    // How many finished event-stream answers stay resumable, and for how long after each
    // finished (defaults 256 and 5 minutes; a client resumes within seconds). Past the count the
    // oldest finished goes first, and each goes once its time is up (seen as answers finish and
    // resume), with the ids of all its events: what a finished answer holds is freed one answer
    // at a time, and at most `count` are held, whatever the traffic. A session's answers go
    // with it (DELETE), as does one still waiting for the client's reply to its question
    // (greet); a countdown runs for at most a few seconds.
    void setFinishedAnswerRetention(qsizetype count, std::chrono::milliseconds time);

private:
    explicit McpEndpoint(DemoServer *server);

    struct Session
    {
        QList<QPointer<QTcpSocket>> getStreams;
    };
    // One event-stream answer to a POST: every event it sent, so that a GET with the
    // Last-Event-ID of one of them resumes it on a new connection.
    struct Answer
    {
        QByteArray sessionId; // only a GET of this session resumes it
        QPointer<QTcpSocket> socket; // the connection it streams on now, if any
        QList<std::pair<qint64, QByteArray>> events;
        bool done = false;
        QDeadlineTimer resumableUntil; // once done
    };
    using AnswerPointer = std::shared_ptr<Answer>;
    struct PendingElicitation
    {
        AnswerPointer answer;
        QJsonValue callId;
    };

    void post(QTcpSocket *socket, const DemoServer::Request &request);
    void get(QTcpSocket *socket, const DemoServer::Request &request);
    void remove(QTcpSocket *socket, const DemoServer::Request &request);
    void callTool(QTcpSocket *socket, const QByteArray &sessionId, const QJsonObject &message);
    void logTick();
    QByteArray event(const QJsonObject &message);
    AnswerPointer startAnswer(QTcpSocket *socket, const QByteArray &sessionId);
    void send(const AnswerPointer &answer, const QJsonObject &message, bool last = false);
    bool resume(QTcpSocket *socket, const QByteArray &sessionId, qint64 lastEventId);
    void forget(const AnswerPointer &answer);
    void forgetExpiredAnswers();
    static void answer(QTcpSocket *socket, const QByteArray &status, const QJsonObject &message,
                       const QByteArray &sessionId = {});
    static void startEventStream(QTcpSocket *socket, const QByteArray &sessionId);
    static QJsonObject result(const QJsonValue &id, const QJsonObject &result);
    static QJsonObject error(const QJsonValue &id, int code, const QString &message);
    static QJsonObject textResult(const QString &text);

    QHash<QByteArray, Session> m_sessions;
    QHash<QString, PendingElicitation> m_elicitations;
    QHash<qint64, AnswerPointer> m_answerOfEvent; // event id -> the answer that sent it
    QList<AnswerPointer> m_finishedAnswers; // still resumable, the oldest finished first
    qsizetype m_keepFinishedAnswers = 256;
    std::chrono::milliseconds m_keepFinishedTime = std::chrono::minutes(5);
    qint64 m_eventId = 0;
    qint64 m_requestId = 0;
    QTimer m_logTimer;
};

#endif // MCPENDPOINT_H
