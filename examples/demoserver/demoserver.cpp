// SPDX-License-Identifier: MIT
#include "demoserver.h"
#include "llmendpoints.h"

#include <cmath>
#include <cstdio>

using namespace Qt::StringLiterals;

DemoServer::DemoServer(const Options &options, QObject *parent)
    : QTcpServer(parent), m_options(options)
{
    connect(this, &QTcpServer::newConnection, this, &DemoServer::onNewConnection);
    connect(&m_tickTimer, &QTimer::timeout, this, &DemoServer::tick);
    connect(&m_logTimer, &QTimer::timeout, this, &DemoServer::log);
    connect(&m_dropTimer, &QTimer::timeout, this, &DemoServer::dropAll);
    m_tickTimer.start(options.tickMs);
    m_logTimer.start(options.logMs);
    if (options.dropEverySeconds > 0)
        m_dropTimer.start(options.dropEverySeconds * 1000);
    addBuiltInRoutes();
}

void DemoServer::addRoute(const QByteArray &method, const QByteArray &path,
                          const QString &description, Handler handler)
{
    m_routes.append({ method, path, description, std::move(handler) });
}

QUrl DemoServer::baseUrl() const
{
    return QUrl(u"http://127.0.0.1:%1/"_s.arg(serverPort()));
}

DemoServer *DemoServer::startInProcess(const QString &who, QObject *parent,
                                       const QString &howToChoose)
{
    auto *server = new DemoServer(Options(), parent);
    if (!server->listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "%s: no URL given, and the in-process demo server cannot listen: %s\n",
                     qPrintable(who), qPrintable(server->errorString()));
        delete server;
        return nullptr;
    }
    std::fprintf(stderr,
                 "%s: no URL given: started the demo server in-process on %s "
                 "(%s chooses another server)\n",
                 qPrintable(who), qPrintable(server->baseUrl().toString()),
                 qPrintable(howToChoose));
    return server;
}

void DemoServer::addBuiltInRoutes()
{
    addRoute("GET", "/ticker", u"tick events (JSON: seq, price, volume)"_s,
             [this](QTcpSocket *socket, const Request &request) {
                 startStream(socket, m_tickers,
                             request.headers.value("last-event-id").toLongLong());
             });
    addRoute("GET", "/logs", u"log events (JSON: seq, level, message)"_s,
             [this](QTcpSocket *socket, const Request &request) {
                 startStream(socket, m_logs, request.headers.value("last-event-id").toLongLong());
             });
    addLlmEndpoints(this, m_options.tokenMs); // /v1/chat/completions, /v1/responses, ...
    addRoute("POST", "/control/drop", u"drop every open ticker and log stream"_s,
             [this](QTcpSocket *socket, const Request &) {
                 respond(socket, "200 OK", "text/plain", "dropped\n");
                 dropAll();
             });
}

void DemoServer::dropAll()
{
    for (QList<Stream> *streams : { &m_tickers, &m_logs }) {
        for (const Stream &s : std::as_const(*streams)) {
            if (s.socket)
                s.socket->abort();
        }
        streams->clear();
    }
}

void DemoServer::onNewConnection()
{
    while (QTcpSocket *socket = nextPendingConnection()) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void DemoServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    if (buffer.size() > 1024 * 1024) {
        respond(socket, "413 Content Too Large", "text/plain", "request too large\n");
        return;
    }
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return;
    const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    QHash<QByteArray, QByteArray> headers;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon > 0)
            headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                           lines.at(i).mid(colon + 1).trimmed());
    }
    const qsizetype length = headers.value("content-length").toLongLong();
    if (buffer.size() < headEnd + 4 + length)
        return;
    Request request;
    request.method = requestLine.value(0);
    const QByteArray target = requestLine.value(1);
    const qsizetype question = target.indexOf('?');
    request.path = question < 0 ? target : target.left(question);
    request.query = question < 0 ? QByteArray() : target.mid(question + 1);
    request.headers = std::move(headers);
    request.body = buffer.mid(headEnd + 4, length);
    m_buffers.remove(socket);
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    handle(socket, request);
}

void DemoServer::handle(QTcpSocket *socket, const Request &request)
{
    for (const Route &route : std::as_const(m_routes)) {
        if (route.method == request.method && route.path == request.path) {
            route.handler(socket, request);
            return;
        }
    }
    if (request.method == "GET" && request.path == "/") {
        QByteArray index = "QtSse demo server\n";
        for (const Route &route : std::as_const(m_routes))
            index += route.method.leftJustified(5) + ' ' + route.path.leftJustified(26) + ' '
                    + route.description.toUtf8() + '\n';
        respond(socket, "200 OK", "text/plain; charset=utf-8", index);
        return;
    }
    respond(socket, "404 Not Found", "text/plain", "not found\n");
}

void DemoServer::respond(QTcpSocket *socket, const QByteArray &status, const QByteArray &type,
                         const QByteArray &body)
{
    socket->write("HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
}

void DemoServer::startStream(QTcpSocket *socket, QList<Stream> &streams, qint64 lastId)
{
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
                  "Access-Control-Allow-Origin: *\r\n\r\n"
                  ": QtSse demo server\nretry: 2000\n\n");
    streams.append({ socket, lastId });
}

QByteArray DemoServer::tickerEvent(qint64 seq)
{
    // A deterministic random walk, so a resumed stream continues where it left off.
    const double price = 100.0 + 12.0 * std::sin(double(seq) / 17.0)
            + 4.0 * std::sin(double(seq) / 3.1) + 1.5 * std::sin(double(seq) * 1.7);
    const int volume = 100 + int(std::fmod(double(seq) * 7919.0, 900.0));
    return "event: tick\nid: " + QByteArray::number(seq) + "\ndata: {\"seq\":"
            + QByteArray::number(seq) + ",\"price\":" + QByteArray::number(price, 'f', 2)
            + ",\"volume\":" + QByteArray::number(volume) + "}\n\n";
}

QByteArray DemoServer::logEvent(qint64 seq)
{
    static const char *const levels[] = { "info",    "info", "info", "debug",
                                          "warning", "info", "error" };
    static const char *const messages[] = {
        "request served",
        "cache refreshed",
        "user signed in",
        "token rotated",
        "slow query (412 ms)",
        "job finished",
        "upstream timed out, retrying",
    };
    const int i = int(seq % 7);
    return "event: log\nid: " + QByteArray::number(seq)
            + "\ndata: {\"seq\":" + QByteArray::number(seq) + ",\"level\":\"" + levels[i]
            + "\",\"message\":\"" + messages[i] + "\"}\n\n";
}

void DemoServer::tick()
{
    for (Stream &s : m_tickers) {
        if (s.socket)
            s.socket->write(tickerEvent(++s.seq));
    }
    m_tickers.removeIf([](const Stream &s) { return !s.socket; });
}

void DemoServer::log()
{
    for (Stream &s : m_logs) {
        if (s.socket)
            s.socket->write(logEvent(++s.seq));
    }
    m_logs.removeIf([](const Stream &s) { return !s.socket; });
}
