// SPDX-License-Identifier: MIT
#include "mcpsession.h"

#include <QtCore/qjsondocument.h>
#include <QtNetwork/qnetworkreply.h>

using namespace Qt::StringLiterals;
using QtSse::EventSource;

namespace {

QString compact(const QJsonObject &object, int limit = 240)
{
    QString text = QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
    if (text.size() > limit)
        text = text.left(limit) + u"…"_s;
    return text;
}

QString shorten(QString text, int limit = 240)
{
    text.replace(u'\n', u' ');
    return text.size() > limit ? text.left(limit) + u"…"_s : text;
}

} // namespace

McpSession::McpSession(QObject *parent) : QObject(parent)
{
    // A server that neither opens nor refuses the GET stream does not hold the session up.
    m_getStreamGrace.setSingleShot(true);
    m_getStreamGrace.setInterval(2000);
    connect(&m_getStreamGrace, &QTimer::timeout, this, &McpSession::becomeReady);
}

McpSession::~McpSession()
{
    // The sources are children, which QObject would delete after the members, m_manager among
    // them: delete them first, while the manager they stream on still exists.
    m_pending.clear();
    qDeleteAll(findChildren<EventSource *>(Qt::FindDirectChildrenOnly));
}

void McpSession::setUrl(const QUrl &url)
{
    if (m_url == url)
        return;
    m_url = url;
    Q_EMIT urlChanged();
}

void McpSession::setAcceptElicitationDefaults(bool accept)
{
    if (m_acceptDefaults == accept)
        return;
    m_acceptDefaults = accept;
    Q_EMIT acceptElicitationDefaultsChanged();
}

void McpSession::setState(State state, const QString &text)
{
    m_state = state;
    m_statusText = text;
    Q_EMIT stateChanged();
}

void McpSession::start()
{
    if (m_state == Initializing || m_state == Ready || m_state == Ending)
        return;
    m_sessionId.clear();
    m_protocolVersion.clear();
    m_serverName.clear();
    if (!m_tools.isEmpty()) {
        m_tools = {};
        Q_EMIT toolsChanged();
    }
    setState(Initializing, tr("Initializing with %1").arg(m_url.toDisplayString()));
    const QJsonObject params{
        { u"protocolVersion"_s, QString::fromLatin1(ProtocolVersion) },
        // Form elicitation: the server may ask the user for values while a tool runs.
        { u"capabilities"_s, QJsonObject{ { u"elicitation"_s, QJsonObject() } } },
        { u"clientInfo"_s,
          QJsonObject{ { u"name"_s, u"qtsse-mcpclient"_s }, { u"version"_s, u"0.1.0"_s } } },
    };
    request(u"initialize"_s, params);
}

int McpSession::listTools()
{
    return request(u"tools/list"_s, {});
}

int McpSession::callTool(const QString &name, const QJsonObject &arguments)
{
    return request(u"tools/call"_s,
                   QJsonObject{ { u"name"_s, name }, { u"arguments"_s, arguments } }, name);
}

int McpSession::request(const QString &method, const QJsonObject &params, const QString &tool)
{
    const qint64 id = m_nextId++;
    QJsonObject message{ { u"jsonrpc"_s, u"2.0"_s }, { u"id"_s, id }, { u"method"_s, method } };
    if (!params.isEmpty() || method == "tools/list"_L1)
        message.insert(u"params"_s, params);
    trace(u"→ POST %1 #%2%3"_s.arg(method).arg(id).arg(tool.isEmpty() ? QString()
                                                                      : u" "_s + compact(params)));
    m_pending.insert(id, { method, tool, nullptr });
    EventSource *source = post(message, id);
    if (m_pending.contains(id)) // not failed at once
        m_pending[id].source = source;
    return int(id);
}

EventSource *McpSession::notify(const QString &method, const QJsonObject &params)
{
    QJsonObject message{ { u"jsonrpc"_s, u"2.0"_s }, { u"method"_s, method } };
    if (!params.isEmpty())
        message.insert(u"params"_s, params);
    trace(u"→ POST %1"_s.arg(method));
    return post(message, -1);
}

void McpSession::respond(const QJsonValue &id, const QJsonObject &resultOrError, bool isError)
{
    const QJsonObject message{ { u"jsonrpc"_s, u"2.0"_s },
                               { u"id"_s, id },
                               { isError ? u"error"_s : u"result"_s, resultOrError } };
    const QString idText = id.isDouble() ? QString::number(id.toDouble()) : id.toString();
    trace(u"→ POST response to server request %1: %2"_s.arg(idText, compact(resultOrError)));
    post(message, -1);
}

void McpSession::addSessionHeaders(QNetworkRequest &request) const
{
    if (!m_sessionId.isEmpty())
        request.setRawHeader("Mcp-Session-Id", m_sessionId);
    if (!m_protocolVersion.isEmpty())
        request.setRawHeader("MCP-Protocol-Version", m_protocolVersion.toLatin1());
}

// One POST: a request (id >= 0), a notification or a response (id -1). Its answer is JSON (one
// message event, then finished()), 202 Accepted (finished() alone) or an event stream.
EventSource *McpSession::post(const QJsonObject &message, qint64 id)
{
    auto *source = new EventSource(m_url, this);
    source->setNetworkAccessManager(&m_manager);
    QNetworkRequest request;
    request.setRawHeader("Content-Type", "application/json");
    request.setRawHeader("Accept", "application/json, text/event-stream");
    addSessionHeaders(request);
    source->setRequest(request);
    source->setMethod("POST");
    source->setBody(QJsonDocument(message).toJson(QJsonDocument::Compact));
    source->setMaximumRetries(5);
    // The POST goes out once. A reconnect only resumes its event stream, as the transport
    // says: a GET with the Last-Event-ID of the last event, after the server's `retry`. With
    // no event ID there is nothing to resume, and the request fails rather than be sent again.
    source->setAttemptPreparer([this, source, id](EventSource::RequestAttempt &attempt) {
        if (attempt.attempt == 1)
            return;
        if (attempt.lastEventId.isEmpty()) {
            source->close();
            if (id >= 0)
                failRequest(id,
                            tr("the answer ended before the response, with no event ID "
                               "to resume it from"));
            dispose(source);
            return;
        }
        attempt.method = "GET";
        attempt.body.clear();
        attempt.request.setRawHeader("Content-Type", QByteArray());
        attempt.request.setRawHeader("Accept", "text/event-stream");
        trace(u"→ GET (resumes #%1, Last-Event-ID: %2)"_s.arg(id).arg(attempt.lastEventId));
    });
    connect(source, &EventSource::opened, this, [this, source, id] {
        const QByteArray type = source->responseHeader("content-type");
        QString line = u"← %1 %2"_s.arg(source->httpStatus())
                               .arg(type.isEmpty() ? u"(no body)"_s : QString::fromLatin1(type));
        if (id >= 0)
            line += u" for #%1"_s.arg(id);
        const QByteArray session = source->responseHeader("mcp-session-id");
        if (!session.isEmpty() && session != m_sessionId)
            line += u", Mcp-Session-Id: "_s + QString::fromLatin1(session);
        trace(line);
    });
    connect(source, &EventSource::eventReceived, this,
            [this, source](const QtSse::MessageEvent &event) { handleEvent(source, event); });
    connect(source, &EventSource::retryReceived, this,
            [this](qint64 ms) { trace(u"← retry: %1 ms"_s.arg(ms)); });
    connect(source, &EventSource::finished, this, [this, source, id] {
        if (id >= 0 && m_pending.contains(id))
            failRequest(id, tr("the server ended the answer without a response"));
        dispose(source);
    });
    connect(source, &EventSource::errorOccurred, this, [this, source, id] {
        if (source->readyState() != EventSource::Closed && !source->lastEventId().isEmpty()) {
            trace(u"× #%1 stream dropped: %2; resuming in %3 ms"_s.arg(id)
                          .arg(source->errorString())
                          .arg(source->reconnectDelay()));
            return; // the attempt preparer resumes it
        }
        if (source->readyState() != EventSource::Closed) {
            // Nothing to resume from, and the POST is not sent again: the request failed.
            const QString reason = source->errorString();
            trace(u"← %1 failed: %2"_s.arg(id >= 0 ? u"#%1"_s.arg(id) : u"POST"_s, reason));
            if (id >= 0 && m_pending.contains(id))
                failRequest(id, reason);
            dispose(source);
            return;
        }
        // The error string quotes the start of the server's answer (a JSON-RPC error).
        QString failure = source->errorString();
        trace(u"← %1 %2"_s.arg(id >= 0 ? u"#%1 failed:"_s.arg(id) : u"failed:"_s, failure));
        if (id >= 0 && m_pending.contains(id)) {
            if (source->httpStatus() == 404 && !m_sessionId.isEmpty())
                failure += tr(" (the session has ended on the server: start a new one)");
            failRequest(id, failure);
        }
        dispose(source);
    });
    source->open();
    return source;
}

void McpSession::dispose(EventSource *source)
{
    source->close();
    source->deleteLater();
}

void McpSession::handleEvent(EventSource *source, const QtSse::MessageEvent &event)
{
    // A priming event (an id, maybe a retry, empty data) only makes the stream resumable.
    if (event.data().trimmed().isEmpty()) {
        trace(u"← priming event (id %1)"_s.arg(event.lastEventId()));
        return;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(event.data().toUtf8(), &error);
    if (!document.isObject()) {
        trace(u"← ignored a non-JSON-RPC event: %1"_s.arg(shorten(event.data(), 80)));
        return;
    }
    handleMessage(document.object(), source);
}

void McpSession::handleMessage(const QJsonObject &message, EventSource *source)
{
    const bool onGetStream = source && source == m_getStream;
    const QString via = onGetStream ? u"GET stream"_s : u"answer"_s;
    if (message.contains(u"method"_s)) {
        const QString method = message.value(u"method"_s).toString();
        if (message.contains(u"id"_s)) {
            trace(u"← server request on the %1: %2"_s.arg(via, compact(message)));
            handleServerRequest(message);
            return;
        }
        trace(u"← notification on the %1: %2"_s.arg(via, compact(message)));
        Q_EMIT notificationReceived(method, message.value(u"params"_s).toObject(), onGetStream);
        if (method == "notifications/tools/list_changed"_L1 && m_state == Ready)
            listTools();
        return;
    }
    const QJsonValue idValue = message.value(u"id"_s);
    if (!idValue.isDouble() || !m_pending.contains(qint64(idValue.toDouble()))) {
        // A resumed stream may replay what was answered already.
        trace(u"← ignored (no pending request of its id): %1"_s.arg(compact(message, 120)));
        return;
    }
    trace(u"← response on the %1: %2"_s.arg(via, compact(message)));
    handleResponse(qint64(idValue.toDouble()), message);
}

void McpSession::handleResponse(qint64 id, const QJsonObject &message)
{
    const Pending pending = m_pending.take(id);
    // The response completes the request: its stream is released at once, and never resumed.
    if (pending.source && pending.source != m_getStream) {
        if (pending.method == "initialize"_L1)
            m_sessionId = pending.source->responseHeader("mcp-session-id");
        dispose(pending.source);
    }
    if (message.contains(u"error"_s)) {
        const QJsonObject error = message.value(u"error"_s).toObject();
        const QString text = u"%1 (%2)"_s.arg(error.value(u"message"_s).toString())
                                     .arg(error.value(u"code"_s).toInt());
        if (pending.method == "initialize"_L1)
            setState(Failed, tr("initialize failed: %1").arg(text));
        Q_EMIT requestFailed(int(id), pending.method, text);
        return;
    }
    const QJsonObject result = message.value(u"result"_s).toObject();
    if (pending.method == "initialize"_L1) {
        onInitializeResult(result);
    } else if (pending.method == "tools/list"_L1) {
        m_tools = result.value(u"tools"_s).toArray();
        Q_EMIT toolsChanged();
    } else if (pending.method == "tools/call"_L1) {
        Q_EMIT toolResult(int(id), pending.tool, result);
    }
}

void McpSession::failRequest(qint64 id, const QString &message)
{
    const Pending pending = m_pending.take(id);
    if (pending.method == "initialize"_L1)
        setState(Failed, tr("initialize failed: %1").arg(message));
    Q_EMIT requestFailed(int(id), pending.method, message);
}

void McpSession::onInitializeResult(const QJsonObject &result)
{
    // The server's choice of version is the session's: it goes on every later request.
    m_protocolVersion = result.value(u"protocolVersion"_s).toString();
    const QJsonObject info = result.value(u"serverInfo"_s).toObject();
    m_serverName =
            u"%1 %2"_s.arg(info.value(u"name"_s).toString(), info.value(u"version"_s).toString())
                    .trimmed();
    setState(Initializing, tr("Initialized %1").arg(m_serverName));
    // The GET stream, and every later request, once the server has taken the notification.
    EventSource *initialized = notify(u"notifications/initialized"_s);
    connect(initialized, &EventSource::finished, this, &McpSession::openGetStream);
    connect(initialized, &EventSource::errorOccurred, this, [this, initialized] {
        if (initialized->readyState() == EventSource::Closed)
            openGetStream();
    });
}

// The GET stream: what the server says outside any request (notifications, its own requests).
// A standard endless stream: reconnects after the server's `retry`, with Last-Event-ID. A
// server without one answers 405; any refusal means no GET stream, not a failed session.
void McpSession::openGetStream()
{
    if (m_state != Initializing || m_getStream)
        return;
    auto *source = new EventSource(m_url, this);
    m_getStream = source;
    source->setNetworkAccessManager(&m_manager);
    QNetworkRequest request;
    request.setRawHeader("Accept", "text/event-stream");
    addSessionHeaders(request);
    source->setRequest(request);
    source->setAttemptPreparer([this](EventSource::RequestAttempt &attempt) {
        trace(attempt.lastEventId.isEmpty()
                      ? u"→ GET stream"_s
                      : u"→ GET stream (resumes, Last-Event-ID: %1)"_s.arg(attempt.lastEventId));
    });
    connect(source, &EventSource::opened, this, [this, source] {
        trace(u"← %1 %2 (GET stream open)"_s.arg(source->httpStatus())
                      .arg(QString::fromLatin1(source->responseHeader("content-type"))));
        m_getStreamOpen = true;
        Q_EMIT getStreamOpenChanged();
        becomeReady();
    });
    connect(source, &EventSource::eventReceived, this,
            [this, source](const QtSse::MessageEvent &event) { handleEvent(source, event); });
    connect(source, &EventSource::retryReceived, this,
            [this](qint64 ms) { trace(u"← retry: %1 ms (GET stream)"_s.arg(ms)); });
    connect(source, &EventSource::errorOccurred, this, [this, source] {
        if (m_getStreamOpen) {
            m_getStreamOpen = false;
            Q_EMIT getStreamOpenChanged();
        }
        if (source->readyState() != EventSource::Closed) {
            trace(u"× GET stream dropped: %1; reconnecting in %2 ms"_s.arg(source->errorString())
                          .arg(source->reconnectDelay()));
            return;
        }
        trace(u"← %1: no GET stream (%2)"_s.arg(source->httpStatus()).arg(source->errorString()));
        dispose(source);
        becomeReady();
    });
    connect(source, &EventSource::finished, this, [source] { dispose(source); });
    m_getStreamGrace.start();
    source->open();
}

void McpSession::becomeReady()
{
    m_getStreamGrace.stop();
    if (m_state != Initializing)
        return;
    setState(Ready,
             tr("Connected to %1 (MCP %2%3)")
                     .arg(m_serverName.isEmpty() ? m_url.toDisplayString() : m_serverName,
                          m_protocolVersion,
                          m_getStreamOpen ? tr(", GET stream open") : QString()));
    Q_EMIT ready();
}

void McpSession::handleServerRequest(const QJsonObject &message)
{
    const QJsonValue id = message.value(u"id"_s);
    const QString method = message.value(u"method"_s).toString();
    const QJsonObject params = message.value(u"params"_s).toObject();
    if (method == "ping"_L1) {
        respond(id, QJsonObject());
    } else if (method == "elicitation/create"_L1
               && params.value(u"mode"_s).toString(u"form"_s) == "form"_L1) {
        const QJsonObject schema = params.value(u"requestedSchema"_s).toObject();
        if (m_acceptDefaults) {
            answerElicitation(id, u"accept"_s, schemaDefaults(schema));
            return;
        }
        Q_EMIT elicitationRequested(id, params.value(u"message"_s).toString(), schema);
    } else {
        respond(id,
                QJsonObject{ { u"code"_s, -32601 },
                             { u"message"_s, u"Method not found: %1"_s.arg(method) } },
                true);
    }
}

void McpSession::answerElicitation(const QJsonValue &requestId, const QString &action,
                                   const QJsonObject &content)
{
    QJsonObject result{ { u"action"_s, action } };
    if (action == "accept"_L1)
        result.insert(u"content"_s, content);
    respond(requestId, result);
}

void McpSession::end()
{
    if (m_state == Ending || m_state == Ended)
        return;
    for (const Pending &pending : std::as_const(m_pending)) {
        if (pending.source)
            dispose(pending.source);
    }
    m_pending.clear();
    if (m_getStream)
        dispose(m_getStream);
    m_getStream = nullptr;
    m_getStreamGrace.stop();
    if (m_getStreamOpen) {
        m_getStreamOpen = false;
        Q_EMIT getStreamOpenChanged();
    }
    if (m_sessionId.isEmpty()) {
        setState(Ended, tr("Ended (no session to delete)"));
        QMetaObject::invokeMethod(this, &McpSession::ended, Qt::QueuedConnection);
        return;
    }
    // Ends the session on the server: a DELETE with its id. 405 means the server keeps
    // sessions until they expire, which ends it on this side all the same.
    setState(Ending, tr("Ending the session"));
    QNetworkRequest request(m_url);
    addSessionHeaders(request);
    trace(u"→ DELETE (Mcp-Session-Id: %1)"_s.arg(QString::fromLatin1(m_sessionId)));
    QNetworkReply *reply = m_manager.deleteResource(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        trace(status > 0 ? u"← %1 (session deleted)"_s.arg(status)
                         : u"← DELETE failed: %1"_s.arg(reply->errorString()));
        m_sessionId.clear();
        setState(Ended, tr("Session ended"));
        Q_EMIT ended();
    });
}

QJsonObject McpSession::tool(const QString &name) const
{
    for (const QJsonValue &tool : m_tools) {
        if (tool.toObject().value(u"name"_s).toString() == name)
            return tool.toObject();
    }
    return {};
}

QJsonObject McpSession::schemaDefaults(const QJsonObject &schema)
{
    QJsonObject content;
    const QJsonObject properties = schema.value(u"properties"_s).toObject();
    for (auto it = properties.begin(); it != properties.end(); ++it) {
        const QJsonObject property = it.value().toObject();
        if (property.contains(u"default"_s))
            content.insert(it.key(), property.value(u"default"_s));
    }
    return content;
}

QJsonObject McpSession::argumentsFromSchema(const QJsonObject &schema)
{
    QJsonObject arguments = schemaDefaults(schema);
    const QJsonObject properties = schema.value(u"properties"_s).toObject();
    for (const QJsonValue &required : schema.value(u"required"_s).toArray()) {
        const QString name = required.toString();
        if (arguments.contains(name))
            continue;
        const QString type = properties.value(name).toObject().value(u"type"_s).toString();
        if (type == "number"_L1 || type == "integer"_L1)
            arguments.insert(name, 1);
        else if (type == "boolean"_L1)
            arguments.insert(name, false);
        else if (type == "array"_L1)
            arguments.insert(name, QJsonArray());
        else if (type == "object"_L1)
            arguments.insert(name, QJsonObject());
        else
            arguments.insert(name, u""_s);
    }
    return arguments;
}

QString McpSession::resultText(const QJsonObject &result)
{
    QStringList parts;
    for (const QJsonValue &item : result.value(u"content"_s).toArray()) {
        const QJsonObject content = item.toObject();
        if (content.value(u"type"_s).toString() == "text"_L1)
            parts.append(content.value(u"text"_s).toString());
        else
            parts.append(u"[%1]"_s.arg(content.value(u"type"_s).toString()));
    }
    if (parts.isEmpty() && result.contains(u"structuredContent"_s))
        parts.append(compact(result.value(u"structuredContent"_s).toObject(), 2000));
    return parts.join(u'\n');
}
