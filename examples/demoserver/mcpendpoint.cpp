// SPDX-License-Identifier: MIT
#include "mcpendpoint.h"

#include <QtCore/qdatetime.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/quuid.h>

#include <memory>

using namespace Qt::StringLiterals;

McpEndpoint *McpEndpoint::install(DemoServer *server, const QByteArray &path)
{
    auto *endpoint = new McpEndpoint(server);
    server->addRoute("POST", path, u"MCP (Streamable HTTP): JSON-RPC requests"_s,
                     [endpoint](QTcpSocket *socket, const DemoServer::Request &request) {
                         endpoint->post(socket, request);
                     });
    server->addRoute("GET", path, u"MCP: the session's event stream"_s,
                     [endpoint](QTcpSocket *socket, const DemoServer::Request &request) {
                         endpoint->get(socket, request);
                     });
    server->addRoute("DELETE", path, u"MCP: ends the session"_s,
                     [endpoint](QTcpSocket *socket, const DemoServer::Request &request) {
                         endpoint->remove(socket, request);
                     });
    return endpoint;
}

McpEndpoint::McpEndpoint(DemoServer *server) : QObject(server)
{
    connect(&m_logTimer, &QTimer::timeout, this, &McpEndpoint::logTick);
    m_logTimer.start(5000);
}

void McpEndpoint::setFinishedAnswerRetention(qsizetype count, std::chrono::milliseconds time)
{
    m_keepFinishedAnswers = qMax(qsizetype(0), count);
    m_keepFinishedTime = time; // for the answers that finish from now on
    forgetExpiredAnswers();
}

QJsonObject McpEndpoint::result(const QJsonValue &id, const QJsonObject &result)
{
    return { { u"jsonrpc"_s, u"2.0"_s }, { u"id"_s, id }, { u"result"_s, result } };
}

QJsonObject McpEndpoint::error(const QJsonValue &id, int code, const QString &message)
{
    return { { u"jsonrpc"_s, u"2.0"_s },
             { u"id"_s, id },
             { u"error"_s, QJsonObject{ { u"code"_s, code }, { u"message"_s, message } } } };
}

QJsonObject McpEndpoint::textResult(const QString &text)
{
    return { { u"content"_s,
               QJsonArray{ QJsonObject{ { u"type"_s, u"text"_s }, { u"text"_s, text } } } } };
}

void McpEndpoint::answer(QTcpSocket *socket, const QByteArray &status, const QJsonObject &message,
                         const QByteArray &sessionId)
{
    const QByteArray body = message.isEmpty()
            ? QByteArray()
            : QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n';
    QByteArray head = "HTTP/1.1 " + status + "\r\n";
    if (!body.isEmpty())
        head += "Content-Type: application/json\r\n";
    if (!sessionId.isEmpty())
        head += "Mcp-Session-Id: " + sessionId + "\r\n";
    socket->write(head + "Content-Length: " + QByteArray::number(body.size())
                  + "\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
}

void McpEndpoint::startEventStream(QTcpSocket *socket, const QByteArray &sessionId)
{
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"
                  "Mcp-Session-Id: "
                  + sessionId + "\r\n\r\n");
}

// One event with an id, so a client can resume after it.
QByteArray McpEndpoint::event(const QJsonObject &message)
{
    return "id: " + QByteArray::number(++m_eventId)
            + "\ndata: " + QJsonDocument(message).toJson(QJsonDocument::Compact) + "\n\n";
}

void McpEndpoint::post(QTcpSocket *socket, const DemoServer::Request &request)
{
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    if (!document.isObject()) {
        answer(socket, "400 Bad Request",
               error(QJsonValue::Null, -32700, u"Parse error: one JSON-RPC message per POST"_s));
        return;
    }
    const QJsonObject message = document.object();
    const QString method = message.value(u"method"_s).toString();
    const QJsonValue id = message.value(u"id"_s);
    QByteArray sessionId = request.headers.value("mcp-session-id");

    if (method == "initialize"_L1) {
        // A new session. The client's version when it is one this server speaks, else ours.
        const QString asked =
                message.value(u"params"_s).toObject().value(u"protocolVersion"_s).toString();
        const QStringList known{ u"2025-11-25"_s, u"2025-06-18"_s, u"2025-03-26"_s };
        sessionId = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        m_sessions.insert(sessionId, {});
        const QJsonObject answerResult{
            { u"protocolVersion"_s, known.contains(asked) ? asked : known.constFirst() },
            { u"capabilities"_s,
              QJsonObject{ { u"tools"_s, QJsonObject{ { u"listChanged"_s, false } } },
                           { u"logging"_s, QJsonObject() } } },
            { u"serverInfo"_s,
              QJsonObject{ { u"name"_s, u"qtsse-demo-mcp"_s }, { u"version"_s, u"0.1"_s } } },
            { u"instructions"_s,
              u"The QtSse demo server's MCP endpoint: try echo, countdown "
              "and greet."_s },
        };
        answer(socket, "200 OK", result(id, answerResult), sessionId);
        return;
    }
    if (sessionId.isEmpty()) {
        answer(socket, "400 Bad Request", error(id, -32000, u"Missing Mcp-Session-Id"_s));
        return;
    }
    if (!m_sessions.contains(sessionId)) {
        answer(socket, "404 Not Found", error(id, -32001, u"Session not found"_s));
        return;
    }
    if (method.isEmpty() || id.isUndefined()) {
        // A notification, or the client's response to a request of ours.
        if (method.isEmpty()) {
            const PendingElicitation pending = m_elicitations.take(id.toString());
            if (pending.answer) {
                const QJsonObject reply = message.value(u"result"_s).toObject();
                const QString name =
                        reply.value(u"content"_s).toObject().value(u"name"_s).toString();
                const QString greeting =
                        reply.value(u"action"_s).toString() == "accept"_L1 && !name.isEmpty()
                        ? u"Hello, %1! This answer waited for your reply to the server's "
                          "question, on the same event stream."_s.arg(name)
                        : u"Hello, whoever you are."_s;
                send(pending.answer, result(pending.callId, textResult(greeting)), true);
            }
        }
        answer(socket, "202 Accepted", {});
        return;
    }
    if (method == "ping"_L1) {
        answer(socket, "200 OK", result(id, {}));
    } else if (method == "tools/list"_L1) {
        const auto schema = [](const QJsonObject &properties, const QJsonArray &required) {
            return QJsonObject{ { u"type"_s, u"object"_s },
                                { u"properties"_s, properties },
                                { u"required"_s, required } };
        };
        const QJsonArray tools{
            QJsonObject{ { u"name"_s, u"echo"_s },
                         { u"description"_s, u"Echoes the message (a JSON answer)."_s },
                         { u"inputSchema"_s,
                           schema({ { u"message"_s,
                                      QJsonObject{ { u"type"_s, u"string"_s },
                                                   { u"default"_s, u"Hello from QtSse"_s } } } },
                                  { u"message"_s }) } },
            QJsonObject{
                    { u"name"_s, u"countdown"_s },
                    { u"description"_s,
                      u"Counts down, one log notification every 300 ms, then answers "
                      "(an event-stream answer)."_s },
                    { u"inputSchema"_s,
                      schema({ { u"from"_s,
                                 QJsonObject{ { u"type"_s, u"integer"_s },
                                              { u"minimum"_s, 1 },
                                              { u"maximum"_s, 10 },
                                              { u"default"_s, 3 } } },
                               { u"dropAfter"_s,
                                 QJsonObject{ { u"type"_s, u"integer"_s },
                                              { u"minimum"_s, 0 },
                                              { u"default"_s, 0 },
                                              { u"description"_s,
                                                u"A fault to try: drop the answer's connection "
                                                "after this many notifications (0: never); the "
                                                "client resumes with Last-Event-ID."_s } } } },
                             {}) } },
            QJsonObject{
                    { u"name"_s, u"greet"_s },
                    { u"description"_s, u"Asks for your name (elicitation), then greets you."_s },
                    { u"inputSchema"_s, schema({}, {}) } },
        };
        answer(socket, "200 OK", result(id, QJsonObject{ { u"tools"_s, tools } }));
    } else if (method == "tools/call"_L1) {
        callTool(socket, sessionId, message);
    } else {
        answer(socket, "200 OK", error(id, -32601, u"Method not found: %1"_s.arg(method)));
    }
}

void McpEndpoint::callTool(QTcpSocket *socket, const QByteArray &sessionId,
                           const QJsonObject &message)
{
    const QJsonValue id = message.value(u"id"_s);
    const QJsonObject params = message.value(u"params"_s).toObject();
    const QString name = params.value(u"name"_s).toString();
    const QJsonObject arguments = params.value(u"arguments"_s).toObject();
    if (name == "echo"_L1) {
        answer(socket, "200 OK",
               result(id, textResult(u"Echo: "_s + arguments.value(u"message"_s).toString())));
        return;
    }
    if (name != "countdown"_L1 && name != "greet"_L1) {
        answer(socket, "200 OK", error(id, -32602, u"Unknown tool: %1"_s.arg(name)));
        return;
    }
    // An event-stream answer, primed with an event ID and a retry time (SEP-1699).
    const AnswerPointer stream = startAnswer(socket, sessionId);
    if (name == "greet"_L1) {
        const QString requestId = u"greet-%1"_s.arg(++m_requestId);
        m_elicitations.insert(requestId, { stream, id });
        const QJsonObject schema{
            { u"type"_s, u"object"_s },
            { u"properties"_s,
              QJsonObject{ { u"name"_s,
                             QJsonObject{ { u"type"_s, u"string"_s },
                                          { u"title"_s, u"Your name"_s },
                                          { u"default"_s, u"Qt developer"_s } } } } },
            { u"required"_s, QJsonArray{ u"name"_s } },
        };
        send(stream,
             { { u"jsonrpc"_s, u"2.0"_s },
               { u"id"_s, requestId },
               { u"method"_s, u"elicitation/create"_s },
               { u"params"_s,
                 QJsonObject{ { u"message"_s, u"What is your name?"_s },
                              { u"requestedSchema"_s, schema } } } });
        return;
    }
    // The countdown goes on whether or not a connection carries it: a dropped one is resumed.
    // dropAfter N (a fault to try) drops the answer's first connection after N notifications.
    const int from = qBound(1, arguments.value(u"from"_s).toInt(3), 10);
    auto remaining = std::make_shared<int>(from);
    auto dropAfter = std::make_shared<int>(arguments.value(u"dropAfter"_s).toInt(0));
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, [this, timer, remaining, dropAfter, stream, id] {
        if (*remaining > 0) {
            send(stream,
                 { { u"jsonrpc"_s, u"2.0"_s },
                   { u"method"_s, u"notifications/message"_s },
                   { u"params"_s,
                     QJsonObject{ { u"level"_s, u"info"_s },
                                  { u"data"_s, u"%1…"_s.arg(*remaining) } } } });
            --*remaining;
            if (*dropAfter > 0 && --*dropAfter == 0 && stream->socket)
                stream->socket->abort();
            return;
        }
        send(stream, result(id, textResult(u"Lift-off!"_s)), /*last*/ true);
        timer->deleteLater();
    });
    timer->start(300);
}

McpEndpoint::AnswerPointer McpEndpoint::startAnswer(QTcpSocket *socket, const QByteArray &sessionId)
{
    auto stream = std::make_shared<Answer>();
    stream->sessionId = sessionId;
    stream->socket = socket;
    startEventStream(socket, sessionId);
    const qint64 id = ++m_eventId;
    const QByteArray priming = "id: " + QByteArray::number(id) + "\nretry: 1000\ndata:\n\n";
    stream->events.append({ id, priming });
    m_answerOfEvent.insert(id, stream);
    socket->write(priming);
    return stream;
}

void McpEndpoint::send(const AnswerPointer &stream, const QJsonObject &message, bool last)
{
    const qint64 id = m_eventId + 1;
    const QByteArray text = event(message); // takes id
    stream->events.append({ id, text });
    m_answerOfEvent.insert(id, stream);
    stream->done = last;
    if (stream->socket) {
        stream->socket->write(text);
        if (last)
            stream->socket->disconnectFromHost();
    }
    // A finished answer stays resumable (its last events may have been lost with a connection),
    // within the bounds of setFinishedAnswerRetention().
    if (last) {
        stream->resumableUntil = QDeadlineTimer(m_keepFinishedTime);
        m_finishedAnswers.append(stream);
        forgetExpiredAnswers();
    }
}

// The answer is no longer resumable: its events' ids map to nothing.
void McpEndpoint::forget(const AnswerPointer &stream)
{
    for (const auto &sent : std::as_const(stream->events))
        m_answerOfEvent.remove(sent.first);
}

// The finished answers past the count, oldest first, and those whose time is up: at the front,
// as they finished in order with the same time to stay (but for a change of that time, after
// which the expired behind one that is not wait for it, still within the count).
void McpEndpoint::forgetExpiredAnswers()
{
    while (!m_finishedAnswers.isEmpty()
           && (m_finishedAnswers.size() > m_keepFinishedAnswers
               || m_finishedAnswers.constFirst()->resumableUntil.hasExpired()))
        forget(m_finishedAnswers.takeFirst());
}

bool McpEndpoint::resume(QTcpSocket *socket, const QByteArray &sessionId, qint64 lastEventId)
{
    forgetExpiredAnswers();
    const AnswerPointer stream = m_answerOfEvent.value(lastEventId);
    if (!stream || stream->sessionId != sessionId)
        return false;
    if (stream->socket)
        stream->socket->abort(); // one connection per answer
    startEventStream(socket, sessionId);
    for (const auto &sent : std::as_const(stream->events)) {
        if (sent.first > lastEventId)
            socket->write(sent.second);
    }
    if (stream->done)
        socket->disconnectFromHost();
    else
        stream->socket = socket;
    return true;
}

void McpEndpoint::get(QTcpSocket *socket, const DemoServer::Request &request)
{
    const QByteArray sessionId = request.headers.value("mcp-session-id");
    if (!request.headers.value("accept").contains("text/event-stream")) {
        answer(socket, "406 Not Acceptable",
               error(QJsonValue::Null, -32000, u"Accept text/event-stream"_s));
        return;
    }
    if (!m_sessions.contains(sessionId)) {
        answer(socket, sessionId.isEmpty() ? "400 Bad Request" : "404 Not Found",
               error(QJsonValue::Null, -32001, u"Session not found"_s));
        return;
    }
    // Last-Event-ID of an event-stream answer to a POST: that answer goes on here.
    if (resume(socket, sessionId, request.headers.value("last-event-id").toLongLong()))
        return;
    startEventStream(socket, sessionId);
    socket->write("id: " + QByteArray::number(++m_eventId) + "\nretry: 2000\ndata:\n\n");
    // A request of the server's own, which the client answers with a POST.
    socket->write(event({ { u"jsonrpc"_s, u"2.0"_s },
                          { u"id"_s, u"ping-%1"_s.arg(++m_requestId) },
                          { u"method"_s, u"ping"_s } }));
    m_sessions[sessionId].getStreams.append(socket);
}

void McpEndpoint::remove(QTcpSocket *socket, const DemoServer::Request &request)
{
    const QByteArray sessionId = request.headers.value("mcp-session-id");
    if (!m_sessions.contains(sessionId)) {
        answer(socket, "404 Not Found", error(QJsonValue::Null, -32001, u"Session not found"_s));
        return;
    }
    for (const QPointer<QTcpSocket> &stream : m_sessions.take(sessionId).getStreams) {
        if (stream)
            stream->disconnectFromHost();
    }
    // Its answers are no longer resumable; those waiting for a reply get none. (A countdown
    // still running finishes on its connection, if any, and then goes as finished ones go.)
    m_finishedAnswers.removeIf([this, &sessionId](const AnswerPointer &finished) {
        if (finished->sessionId != sessionId)
            return false;
        forget(finished);
        return true;
    });
    m_elicitations.removeIf([this, &sessionId](const auto &pending) {
        if (pending.value().answer->sessionId != sessionId)
            return false;
        if (pending.value().answer->socket)
            pending.value().answer->socket->disconnectFromHost();
        forget(pending.value().answer);
        return true;
    });
    answer(socket, "200 OK", {});
}

void McpEndpoint::logTick()
{
    const QJsonObject notification{
        { u"jsonrpc"_s, u"2.0"_s },
        { u"method"_s, u"notifications/message"_s },
        { u"params"_s,
          QJsonObject{
                  { u"level"_s, u"info"_s },
                  { u"logger"_s, u"demo"_s },
                  { u"data"_s,
                    u"Server time %1"_s.arg(QTime::currentTime().toString(u"HH:mm:ss"_s)) } } },
    };
    for (Session &session : m_sessions) {
        session.getStreams.removeIf([](const QPointer<QTcpSocket> &s) { return !s; });
        for (const QPointer<QTcpSocket> &stream : std::as_const(session.getStreams))
            stream->write(event(notification));
    }
}
