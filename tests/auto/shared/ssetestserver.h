// SPDX-License-Identifier: MIT
#ifndef SSETESTSERVER_H
#define SSETESTSERVER_H

// An in-process HTTP/1.1 server for tests, in the style of qtnetworkauth's WebServer: it
// listens on 127.0.0.1 with a port picked by the system, reads each request (head and a
// Content-Length body), and hands it to a per-test handler together with the socket. Unlike
// a plain HTTP server it never closes a socket by itself, because event streams stay open:
// the handler writes every byte, pause and fault it wants.

#include <QtCore/qbytearray.h>
#include <QtCore/qhash.h>
#include <QtCore/qlist.h>
#include <QtCore/qpointer.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <functional>

struct HttpRequest
{
    QByteArray method;
    QByteArray target; // the request target as sent, e.g. "/stream?x=1"
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;

    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    bool hasHeader(const QByteArray &name) const { return headers.contains(name.toLower()); }
    QByteArray path() const
    {
        const qsizetype q = target.indexOf('?');
        return q < 0 ? target : target.left(q);
    }
};

class SseTestServer : public QTcpServer
{
    Q_OBJECT
public:
    using Handler = std::function<void(const HttpRequest &request, QTcpSocket *socket)>;
    using HeadHandler = std::function<void(const QByteArray &requestHead, QTcpSocket *socket)>;

    explicit SseTestServer(Handler handler, QObject *parent = nullptr)
        : QTcpServer(parent), m_handler(std::move(handler))
    {
        connect(this, &QTcpServer::newConnection, this, &SseTestServer::acceptConnections);
        listen(QHostAddress::LocalHost);
    }
    // For handlers that only look at the raw request head.
    explicit SseTestServer(HeadHandler handler, QObject *parent = nullptr)
        : SseTestServer(Handler([handler](const HttpRequest &request, QTcpSocket *socket) {
                            handler(request.method + ' ' + request.target, socket);
                        }),
                        parent)
    {
    }

    void setHandler(Handler handler) { m_handler = std::move(handler); }

    QUrl url(const QString &path = QStringLiteral("/")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(serverPort()).arg(path));
    }
    QString origin() const { return QStringLiteral("http://127.0.0.1:%1").arg(serverPort()); }

    // The head of a 200 event stream, kept open; extra lines (each ending in \r\n) may follow.
    static void writeStreamHead(QTcpSocket *socket, const QByteArray &extraHeaders = QByteArray())
    {
        socket->write("HTTP/1.1 200 OK\r\n"
                      "Content-Type: text/event-stream\r\n"
                      "Cache-Control: no-cache\r\n"
                      + extraHeaders + "\r\n");
    }
    // A complete response with a Content-Length body; the connection is then closed.
    static void writeResponse(QTcpSocket *socket, const QByteArray &statusLine,
                              const QByteArray &headers, const QByteArray &body)
    {
        socket->write("HTTP/1.1 " + statusLine + "\r\n" + headers + "Content-Length: "
                      + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        socket->disconnectFromHost();
    }

    QList<HttpRequest> requests; // every request received, in order
    QList<QPointer<QTcpSocket>> sockets; // every accepted connection, in order
    QPointer<QTcpSocket> lastSocket; // the socket of the last request

private:
    void acceptConnections()
    {
        while (QTcpSocket *socket = nextPendingConnection()) {
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            sockets.append(socket);
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                m_buffers.remove(socket);
                socket->deleteLater();
            });
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readRequest(socket); });
        }
    }

    void readRequest(QTcpSocket *socket)
    {
        m_buffers[socket] += socket->readAll();
        for (;;) {
            if (!m_buffers.contains(socket))
                return;
            QByteArray &buffer = m_buffers[socket];
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            HttpRequest request;
            const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            request.method = requestLine.value(0);
            request.target = requestLine.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines.at(i).indexOf(':');
                if (colon > 0)
                    request.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                           lines.at(i).mid(colon + 1).trimmed());
            }
            const qsizetype bodyLength = request.header("content-length").toLongLong();
            if (buffer.size() < headEnd + 4 + bodyLength)
                return; // wait for the rest of the body
            request.body = buffer.mid(headEnd + 4, bodyLength);
            buffer.remove(0, headEnd + 4 + bodyLength);
            requests.append(request);
            lastSocket = socket;
            m_handler(request, socket);
            if (socket->state() != QAbstractSocket::ConnectedState)
                return;
        }
    }

    Handler m_handler;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

#endif // SSETESTSERVER_H
