// SPDX-License-Identifier: MIT
#include "testserver.h"

#include <QtCore/qurlquery.h>

using namespace Qt::StringLiterals;

TestServer::TestServer(QObject *parent)
    : QObject(parent),
      m_server([this](const HttpRequest &request, QTcpSocket *socket) { handle(request, socket); })
{
    if (!m_server.isListening())
        qFatal("TestServer: cannot listen on 127.0.0.1");
}

QUrl TestServer::url(const QString &path) const
{
    return m_server.url(path);
}

QString TestServer::origin() const
{
    return m_server.origin();
}

int TestServer::requestCount() const
{
    return int(m_server.requests.size());
}

QString TestServer::requestPath(int index) const
{
    return QString::fromUtf8(m_server.requests.value(index).path());
}

QString TestServer::requestMethod(int index) const
{
    return QString::fromUtf8(m_server.requests.value(index).method);
}

QString TestServer::requestBody(int index) const
{
    return QString::fromUtf8(m_server.requests.value(index).body);
}

QString TestServer::requestHeader(int index, const QString &name) const
{
    return QString::fromUtf8(m_server.requests.value(index).header(name.toUtf8()));
}

int TestServer::countRequests(const QString &path) const
{
    const QByteArray wanted = path.toUtf8();
    return int(std::count_if(m_server.requests.cbegin(), m_server.requests.cend(),
                             [&](const HttpRequest &request) { return request.path() == wanted; }));
}

void TestServer::send(const QString &text)
{
    if (m_idleStream)
        m_idleStream->write(text.toUtf8());
}

void TestServer::endStream()
{
    if (m_idleStream)
        m_idleStream->disconnectFromHost();
}

void TestServer::handle(const HttpRequest &request, QTcpSocket *socket)
{
    const QByteArray path = request.path();
    if (path == "/error500") {
        SseTestServer::writeResponse(socket, "500 Internal Server Error",
                                     "Content-Type: text/plain\r\n", "boom");
    } else if (path == "/three") {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: one\n\ndata: two\n\nevent: custom\ndata: three\n\n");
    } else if (path == "/json") {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: {\"price\": 42, \"symbol\": \"QT\"}\n\ndata: not json\n\n");
    } else if (path == "/named") {
        SseTestServer::writeStreamHead(socket);
        socket->write("event: price\ndata: 1\n\n"
                      "event: news\ndata: hello\n\n"
                      "event: price\ndata: 2\n\n"
                      "data: plain\n\n");
    } else if (path == "/completion") {
        // An LLM's answer: a request id header, tokens, a finish marker; the connection stays.
        SseTestServer::writeStreamHead(socket, "X-Request-Id: req_qml\r\n");
        socket->write("data: Hel\n\ndata: lo\n\ndata: [DONE]\n\n");
    } else if (path == "/answer") {
        // A JSON answer to a request whose Accept names application/json, as MCP servers give.
        SseTestServer::writeResponse(socket, "200 OK", "Content-Type: application/json\r\n",
                                     "{\"result\":" + QByteArray::number(request.headers.size())
                                             + "}");
    } else if (path == "/burst") {
        const QUrlQuery query(QUrl(QString::fromUtf8(request.target)));
        const int n = query.queryItemValue(u"n"_s).toInt();
        QByteArray body;
        for (int i = 0; i < n; ++i)
            body += "data: " + QByteArray::number(i) + "\n\n";
        SseTestServer::writeStreamHead(socket);
        socket->write(body);
    } else {
        SseTestServer::writeStreamHead(socket);
        m_idleStream = socket;
    }
    Q_EMIT requestCountChanged();
}
