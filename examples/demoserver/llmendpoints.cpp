// SPDX-License-Identifier: MIT
#include "llmendpoints.h"
#include "demoserver.h"

#include <QtCore/qdatetime.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qrandom.h>
#include <QtCore/qset.h>
#include <QtCore/qurlquery.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

enum class Api { ChatCompletions, Responses, Messages };
enum class Fault { None, Cut, TooManyRequests, InBandError };

struct State
{
    int tokenMs = 40;
    QHash<QByteArray, int> requests; // by path
    QSet<QByteArray> refusedOnce; // requests answered 429 once: the same request is served
};

// One answer to stream: the tokens and what to do to them.
struct Answer
{
    Api api = Api::ChatCompletions;
    Fault fault = Fault::None;
    QString model;
    QString prompt;
    QStringList tokens;
    int inputTokens = 0;

    // How many tokens go out before the fault strikes.
    qsizetype tokensToSend() const
    {
        switch (fault) {
        case Fault::Cut:
            return tokens.size() / 2;
        case Fault::InBandError:
            return tokens.size() / 3;
        case Fault::None:
        case Fault::TooManyRequests:
            break;
        }
        return tokens.size();
    }
    QString text() const { return tokens.join(QString()); }
};

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// An event with a type, as the Responses API and Anthropic send them ("event:" and a "type"
// member in the data), and a data-only event, as chat completions send them.
QByteArray namedEvent(const QString &type, QJsonObject data)
{
    data.insert(u"type"_s, type);
    return "event: " + type.toUtf8() + "\ndata: " + json(data) + "\n\n";
}

QByteArray dataEvent(const QByteArray &data)
{
    return "data: " + data + "\n\n";
}

QByteArray randomId(const char *prefix, int length = 24)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    QByteArray id(prefix);
    for (int i = 0; i < length; ++i)
        id += digits[QRandomGenerator::global()->bounded(int(sizeof(digits) - 1))];
    return id;
}

// The text of a message's content: a string, or an array of parts with "text".
QString textOf(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QString text;
    const QJsonArray parts = content.toArray();
    for (const QJsonValue &part : parts)
        text += part.toObject().value(u"text"_s).toString();
    return text;
}

QString lastMessageText(const QJsonValue &messages)
{
    const QJsonArray list = messages.toArray();
    return list.isEmpty() ? QString() : textOf(list.last().toObject().value(u"content"_s));
}

QStringList tokenize(const QString &text)
{
    QStringList tokens;
    QString current;
    for (const QChar c : text) {
        current += c;
        if (c == u' ') {
            tokens.append(current);
            current.clear();
        }
    }
    if (!current.isEmpty())
        tokens.append(current);
    return tokens;
}

Answer makeAnswer(Api api, Fault fault, const QJsonObject &request)
{
    Answer answer;
    answer.api = api;
    answer.fault = fault;
    answer.model = request.value(u"model"_s).toString(u"demo"_s);
    const QJsonValue input = request.value(u"input"_s);
    answer.prompt = api == Api::Responses
            ? (input.isString() ? input.toString() : lastMessageText(input))
            : lastMessageText(request.value(u"messages"_s));
    answer.prompt = answer.prompt.simplified().left(200);
    const char *format = api == Api::ChatCompletions
            ? "chat-completion chunks ending with data: [DONE]"
            : api == Api::Responses ? "Responses API events ending with response.completed"
                                    : "Anthropic Messages events ending with message_stop";
    const QString text = answer.prompt.isEmpty()
            ? u"Ask me something, and I will stream the answer token by token."_s
            : u"You asked: \u201c%1\u201d. This answer arrives one token at a time, as %2, "
              u"over a single HTTP response. QtSse::EventSource hands each event to your code "
              u"as it arrives, so the text grows while you read it. Press Stop to close the "
              u"stream at any moment."_s.arg(answer.prompt, QString::fromLatin1(format));
    answer.tokens = tokenize(text);
    answer.inputTokens = int(tokenize(answer.prompt).size());
    return answer;
}

// --- The three formats. Each returns what goes out, one entry per timer tick. ---

QList<QByteArray> chatCompletionTicks(const Answer &answer, bool includeUsage)
{
    const QString id = QString::fromLatin1(randomId("chatcmpl-"));
    const qint64 created = QDateTime::currentSecsSinceEpoch();
    const auto chunk = [&](const QJsonArray &choices) {
        return QJsonObject{ { u"id"_s, id },
                            { u"object"_s, u"chat.completion.chunk"_s },
                            { u"created"_s, created },
                            { u"model"_s, answer.model },
                            { u"choices"_s, choices } };
    };
    const auto delta = [&](const QJsonObject &change, const QJsonValue &finishReason) {
        return dataEvent(json(chunk({ QJsonObject{ { u"index"_s, 0 },
                                                   { u"delta"_s, change },
                                                   { u"finish_reason"_s, finishReason } } })));
    };
    QList<QByteArray> ticks;
    ticks.append(
            delta({ { u"role"_s, u"assistant"_s }, { u"content"_s, u""_s } }, QJsonValue::Null));
    for (qsizetype i = 0; i < answer.tokensToSend(); ++i)
        ticks.append(delta({ { u"content"_s, answer.tokens.at(i) } }, QJsonValue::Null));
    if (answer.fault == Fault::Cut)
        return ticks;
    if (answer.fault == Fault::InBandError) {
        // As OpenAI reports a failure in mid-stream: a data-only event with "error".
        const QJsonObject error{ { u"message"_s,
                                   u"The server had an error while processing your request. "
                                   u"Sorry about that! (demo server, fault=error)"_s },
                                 { u"type"_s, u"server_error"_s },
                                 { u"param"_s, QJsonValue::Null },
                                 { u"code"_s, QJsonValue::Null } };
        ticks.append(dataEvent(json({ { u"error"_s, error } })));
        return ticks;
    }
    ticks.append(delta({}, u"stop"_s));
    if (includeUsage) {
        QJsonObject usage = chunk({});
        const int output = int(answer.tokens.size());
        usage.insert(u"usage"_s,
                     QJsonObject{ { u"prompt_tokens"_s, answer.inputTokens },
                                  { u"completion_tokens"_s, output },
                                  { u"total_tokens"_s, answer.inputTokens + output } });
        ticks.append(dataEvent(json(usage)));
    }
    ticks.append(dataEvent("[DONE]"));
    return ticks;
}

QList<QByteArray> responsesTicks(const Answer &answer)
{
    const QString responseId = QString::fromLatin1(randomId("resp_", 32));
    const QString itemId = QString::fromLatin1(randomId("msg_", 32));
    const qint64 created = QDateTime::currentSecsSinceEpoch();
    int sequence = 0;
    const auto event = [&](const QString &type, QJsonObject data) {
        data.insert(u"sequence_number"_s, sequence++);
        return namedEvent(type, data);
    };
    const auto response = [&](const QString &status, const QJsonArray &output) {
        return QJsonObject{ { u"id"_s, responseId },      { u"object"_s, u"response"_s },
                            { u"created_at"_s, created }, { u"status"_s, status },
                            { u"model"_s, answer.model }, { u"output"_s, output } };
    };
    const auto item = [&](const QString &status, const QJsonArray &content) {
        return QJsonObject{ { u"id"_s, itemId },
                            { u"type"_s, u"message"_s },
                            { u"status"_s, status },
                            { u"role"_s, u"assistant"_s },
                            { u"content"_s, content } };
    };
    const auto part = [](const QString &text) {
        return QJsonObject{ { u"type"_s, u"output_text"_s },
                            { u"text"_s, text },
                            { u"annotations"_s, QJsonArray() } };
    };
    const QJsonObject where{ { u"item_id"_s, itemId },
                             { u"output_index"_s, 0 },
                             { u"content_index"_s, 0 } };
    const auto at = [&where](QJsonObject data) {
        for (auto it = where.begin(); it != where.end(); ++it)
            data.insert(it.key(), it.value());
        return data;
    };

    QList<QByteArray> ticks;
    // One statement per event: the sequence numbers follow the order of the stream.
    QByteArray tick =
            event(u"response.created"_s, { { u"response"_s, response(u"in_progress"_s, {}) } });
    tick += event(u"response.in_progress"_s, { { u"response"_s, response(u"in_progress"_s, {}) } });
    ticks.append(tick);
    tick = event(u"response.output_item.added"_s,
                 { { u"output_index"_s, 0 }, { u"item"_s, item(u"in_progress"_s, {}) } });
    tick += event(u"response.content_part.added"_s, at({ { u"part"_s, part({}) } }));
    ticks.append(tick);
    for (qsizetype i = 0; i < answer.tokensToSend(); ++i)
        ticks.append(event(u"response.output_text.delta"_s,
                           at({ { u"delta"_s, answer.tokens.at(i) } })));
    if (answer.fault == Fault::Cut)
        return ticks;
    if (answer.fault == Fault::InBandError) {
        ticks.append(event(u"error"_s,
                           { { u"code"_s, u"server_error"_s },
                             { u"message"_s,
                               u"The server had an error while processing your request. "
                               u"(demo server, fault=error)"_s },
                             { u"param"_s, QJsonValue::Null } }));
        return ticks;
    }
    const QString text = answer.text();
    const QJsonObject done = item(u"completed"_s, { part(text) });
    const int output = int(answer.tokens.size());
    QJsonObject completed = response(u"completed"_s, { done });
    completed.insert(u"usage"_s,
                     QJsonObject{ { u"input_tokens"_s, answer.inputTokens },
                                  { u"output_tokens"_s, output },
                                  { u"total_tokens"_s, answer.inputTokens + output } });
    tick = event(u"response.output_text.done"_s, at({ { u"text"_s, text } }));
    tick += event(u"response.content_part.done"_s, at({ { u"part"_s, part(text) } }));
    tick += event(u"response.output_item.done"_s,
                  { { u"output_index"_s, 0 }, { u"item"_s, done } });
    ticks.append(tick);
    ticks.append(event(u"response.completed"_s, { { u"response"_s, completed } }));
    return ticks;
}

QList<QByteArray> messagesTicks(const Answer &answer)
{
    const QByteArray ping = namedEvent(u"ping"_s, {});
    QList<QByteArray> ticks;
    const QJsonObject message{ { u"id"_s, QString::fromLatin1(randomId("msg_")) },
                               { u"type"_s, u"message"_s },
                               { u"role"_s, u"assistant"_s },
                               { u"content"_s, QJsonArray() },
                               { u"model"_s, answer.model },
                               { u"stop_reason"_s, QJsonValue::Null },
                               { u"stop_sequence"_s, QJsonValue::Null },
                               { u"usage"_s,
                                 QJsonObject{ { u"input_tokens"_s, answer.inputTokens },
                                              { u"output_tokens"_s, 1 } } } };
    ticks.append(namedEvent(u"message_start"_s, { { u"message"_s, message } }));
    ticks.append(namedEvent(u"content_block_start"_s,
                            { { u"index"_s, 0 },
                              { u"content_block"_s,
                                QJsonObject{ { u"type"_s, u"text"_s }, { u"text"_s, u""_s } } } })
                 + ping);
    for (qsizetype i = 0; i < answer.tokensToSend(); ++i) {
        QByteArray tick = namedEvent(u"content_block_delta"_s,
                                     { { u"index"_s, 0 },
                                       { u"delta"_s,
                                         QJsonObject{ { u"type"_s, u"text_delta"_s },
                                                      { u"text"_s, answer.tokens.at(i) } } } });
        if (i % 10 == 9)
            tick += ping; // keep-alives come between the deltas too
        ticks.append(tick);
    }
    if (answer.fault == Fault::Cut)
        return ticks;
    if (answer.fault == Fault::InBandError) {
        ticks.append(
                namedEvent(u"error"_s,
                           { { u"error"_s,
                               QJsonObject{ { u"type"_s, u"overloaded_error"_s },
                                            { u"message"_s,
                                              u"Overloaded (demo server, fault=error)"_s } } } }));
        return ticks;
    }
    ticks.append(namedEvent(u"content_block_stop"_s, { { u"index"_s, 0 } }));
    ticks.append(namedEvent(
            u"message_delta"_s,
            { { u"delta"_s,
                QJsonObject{ { u"stop_reason"_s, u"end_turn"_s },
                             { u"stop_sequence"_s, QJsonValue::Null } } },
              { u"usage"_s, QJsonObject{ { u"output_tokens"_s, int(answer.tokens.size()) } } } }));
    ticks.append(namedEvent(u"message_stop"_s, {}));
    return ticks;
}

// --- Answers ---

void respondWith(QTcpSocket *socket, const QByteArray &status,
                 const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body)
{
    QByteArray head = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    socket->write(head + "Content-Length: " + QByteArray::number(body.size())
                  + "\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
}

// An error answer in the provider's shape: OpenAI's {"error": {...}}, Anthropic's
// {"type": "error", "error": {...}, "request_id": ...}.
void respondError(QTcpSocket *socket, Api api, const QByteArray &requestIdHeader,
                  const QByteArray &requestId, const QByteArray &status, const QString &openAiType,
                  const QString &anthropicType, const QString &message,
                  const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {})
{
    QJsonObject body;
    if (api == Api::Messages) {
        body = { { u"type"_s, u"error"_s },
                 { u"error"_s,
                   QJsonObject{ { u"type"_s, anthropicType }, { u"message"_s, message } } },
                 { u"request_id"_s, QString::fromLatin1(requestId) } };
    } else {
        body = { { u"error"_s,
                   QJsonObject{ { u"message"_s, message },
                                { u"type"_s, openAiType },
                                { u"param"_s, QJsonValue::Null },
                                { u"code"_s,
                                  openAiType == u"requests"_s ? QJsonValue(u"rate_limit_exceeded"_s)
                                                              : QJsonValue(openAiType) } } } };
    }
    respondWith(socket, status, QList{ qMakePair(requestIdHeader, requestId) } + extraHeaders,
                json(body) + '\n');
}

void streamTicks(QTcpSocket *socket, const QByteArray &requestIdHeader, const QByteArray &requestId,
                 const QList<QByteArray> &ticks, int tokenMs)
{
    // No Content-Length: the body ends when the connection closes, after the last tick (or
    // before the finish marker, for fault=cut).
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                  "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"
                  + requestIdHeader + ": " + requestId + "\r\n\r\n");
    auto *timer = new QTimer(socket);
    auto next = std::make_shared<qsizetype>(0);
    QObject::connect(timer, &QTimer::timeout, socket, [socket, timer, ticks, next] {
        if (*next < ticks.size()) {
            socket->write(ticks.at((*next)++));
            return;
        }
        timer->stop();
        socket->disconnectFromHost();
    });
    timer->start(tokenMs);
}

void serve(const std::shared_ptr<State> &state, Api api, QTcpSocket *socket,
           const DemoServer::Request &request)
{
    ++state->requests[request.path];
    const QByteArray idHeader = api == Api::Messages ? "request-id" : "x-request-id";
    const QByteArray requestId = randomId("req_");

    if (api == Api::Messages) {
        if (request.headers.value("x-api-key").isEmpty()
            || request.headers.value("anthropic-version").isEmpty()) {
            respondError(socket, api, idHeader, requestId, "401 Unauthorized", {},
                         u"authentication_error"_s,
                         u"send the x-api-key (any key) and anthropic-version headers"_s);
            return;
        }
    } else if (!request.headers.value("authorization").startsWith("Bearer ")) {
        respondError(socket, api, idHeader, requestId, "401 Unauthorized",
                     u"invalid_request_error"_s, {},
                     u"send an Authorization: Bearer <any key> header"_s);
        return;
    }

    const QString faultName =
            QUrlQuery(QString::fromUtf8(request.query)).queryItemValue(u"fault"_s);
    Fault fault = Fault::None;
    if (faultName == u"cut"_s) {
        fault = Fault::Cut;
    } else if (faultName == u"429"_s) {
        fault = Fault::TooManyRequests;
    } else if (faultName == u"error"_s) {
        fault = Fault::InBandError;
    } else if (!faultName.isEmpty()) {
        respondError(socket, api, idHeader, requestId, "400 Bad Request",
                     u"invalid_request_error"_s, u"invalid_request_error"_s,
                     u"fault must be cut, 429 or error"_s);
        return;
    }

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (!document.isObject()) {
        respondError(socket, api, idHeader, requestId, "400 Bad Request",
                     u"invalid_request_error"_s, u"invalid_request_error"_s,
                     u"the body is not a JSON object: "_s + parseError.errorString());
        return;
    }

    if (fault == Fault::TooManyRequests) {
        // The first attempt of each request is refused; the same request again is served, so
        // that a client's retry after Retry-After visibly works.
        const QByteArray key = request.path + '\n' + request.body;
        if (!state->refusedOnce.contains(key)) {
            state->refusedOnce.insert(key);
            respondError(socket, api, idHeader, requestId, "429 Too Many Requests", u"requests"_s,
                         u"rate_limit_error"_s,
                         u"Rate limit reached (demo server, fault=429: the first attempt is "
                         u"refused, the same request after Retry-After is served)"_s,
                         { qMakePair(QByteArray("retry-after"), QByteArray("2")) });
            return;
        }
        state->refusedOnce.remove(key);
    }

    const QJsonObject body = document.object();
    const Answer answer = makeAnswer(api, fault, body);
    QList<QByteArray> ticks;
    switch (api) {
    case Api::ChatCompletions:
        ticks = chatCompletionTicks(
                answer,
                body.value(u"stream_options"_s).toObject().value(u"include_usage"_s).toBool());
        break;
    case Api::Responses:
        ticks = responsesTicks(answer);
        break;
    case Api::Messages:
        ticks = messagesTicks(answer);
        break;
    }
    streamTicks(socket, idHeader, requestId, ticks, state->tokenMs);
}

} // namespace

void addLlmEndpoints(DemoServer *server, int tokenMs)
{
    auto state = std::make_shared<State>();
    state->tokenMs = tokenMs;
    const QString faults = u"; ?fault=cut|429|error"_s;
    const struct
    {
        Api api;
        const char *path;
        QString description;
    } endpoints[] = {
        { Api::ChatCompletions, "/v1/chat/completions",
          u"OpenAI-compatible chat completion, ending with data: [DONE]"_s + faults },
        { Api::Responses, "/v1/responses",
          u"OpenAI Responses events, ending with response.completed"_s + faults },
        { Api::Messages, "/v1/messages",
          u"Anthropic Messages events, ending with message_stop"_s + faults },
    };
    for (const auto &endpoint : endpoints) {
        const Api api = endpoint.api;
        state->requests.insert(endpoint.path, 0);
        server->addRoute("POST", endpoint.path, endpoint.description,
                         [state, api](QTcpSocket *socket, const DemoServer::Request &request) {
                             serve(state, api, socket, request);
                         });
    }
    server->addRoute("GET", "/control/stats", u"requests received by the /v1 endpoints (JSON)"_s,
                     [state](QTcpSocket *socket, const DemoServer::Request &) {
                         QJsonObject requests;
                         for (auto it = state->requests.cbegin(); it != state->requests.cend();
                              ++it)
                             requests.insert(QString::fromLatin1(it.key()), it.value());
                         DemoServer::respond(socket, "200 OK", "application/json",
                                             json({ { u"requests"_s, requests } }) + '\n');
                     });
}
