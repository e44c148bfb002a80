// SPDX-License-Identifier: MIT
// mcpclient (examples/mcpclient, headless) against MCP's reference server,
// @modelcontextprotocol/server-everything over Streamable HTTP, through a TCP proxy of the
// test's that drops the GET stream and watches the requests on the wire.
#include "integrationsupport.h"

#include <QtCore/qregularexpression.h>
#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;

namespace {

QString mcpDir()
{
    return QString::fromLocal8Bit(QTSSE_MCP_DIR);
}
QString serverScript()
{
    return mcpDir() + u"/node_modules/@modelcontextprotocol/server-everything/dist/index.js"_s;
}

// A TCP proxy in front of the server. It logs each request head it forwards, drops the
// connection of the GET stream once a notification has passed through it, and then holds any
// GET request back until release(): so the server stores notifications while the client has
// no stream, and the client's resumed GET must fetch them with Last-Event-ID.
class DroppingProxy : public QObject
{
public:
    explicit DroppingProxy(quint16 upstreamPort) : m_upstreamPort(upstreamPort)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &DroppingProxy::onConnection);
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    quint16 port() const { return m_server.serverPort(); }
    void release()
    {
        m_holdGets = false;
        for (Pipe *pipe : std::as_const(m_pipes))
            forwardRequests(pipe);
    }

    QStringList requests; // "GET /mcp last-event-id=…", in the order they went out
    int drops = 0;

private:
    struct Pipe
    {
        QTcpSocket *client = nullptr;
        QTcpSocket *upstream = nullptr;
        QByteArray fromClient; // not forwarded yet
        qint64 bodyLeft = 0;
        QByteArray method; // of the request in flight on this connection
        QByteArray answer; // what the server sent for it so far
    };

    void onConnection()
    {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            auto *pipe = new Pipe;
            pipe->client = client;
            pipe->upstream = new QTcpSocket(client);
            m_pipes.append(pipe);
            connect(client, &QTcpSocket::readyRead, this, [this, pipe] {
                pipe->fromClient += pipe->client->readAll();
                forwardRequests(pipe);
            });
            connect(pipe->upstream, &QTcpSocket::connected, this,
                    [this, pipe] { forwardRequests(pipe); });
            connect(pipe->upstream, &QTcpSocket::readyRead, this,
                    [this, pipe] { onUpstreamData(pipe); });
            connect(pipe->upstream, &QTcpSocket::disconnected, client,
                    &QTcpSocket::disconnectFromHost);
            connect(client, &QTcpSocket::disconnected, this, [this, pipe] {
                m_pipes.removeOne(pipe);
                pipe->upstream->abort();
                pipe->client->deleteLater();
                delete pipe;
            });
            pipe->upstream->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
        }
    }

    // Forwards whole requests (head, then Content-Length bytes of body), logging each head; a
    // GET waits while GETs are held.
    void forwardRequests(Pipe *pipe)
    {
        if (pipe->upstream->state() != QAbstractSocket::ConnectedState)
            return;
        while (!pipe->fromClient.isEmpty()) {
            if (pipe->bodyLeft > 0) {
                const QByteArray part = pipe->fromClient.left(pipe->bodyLeft);
                pipe->upstream->write(part);
                pipe->fromClient.remove(0, part.size());
                pipe->bodyLeft -= part.size();
                continue;
            }
            const qsizetype end = pipe->fromClient.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = pipe->fromClient.left(end + 4);
            const QList<QByteArray> lines = head.split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            QByteArray lastEventId;
            qint64 length = 0;
            for (const QByteArray &line : lines) {
                const qsizetype colon = line.indexOf(':');
                const QByteArray name = line.left(colon).trimmed().toLower();
                if (name == "last-event-id")
                    lastEventId = line.mid(colon + 1).trimmed();
                else if (name == "content-length")
                    length = line.mid(colon + 1).trimmed().toLongLong();
            }
            if (requestLine.value(0) == "GET" && m_holdGets)
                return; // until release()
            pipe->method = requestLine.value(0);
            pipe->answer.clear();
            QByteArray logged = requestLine.value(0) + ' ' + requestLine.value(1);
            if (!lastEventId.isEmpty())
                logged += " last-event-id=" + lastEventId;
            requests.append(QString::fromLatin1(logged));
            pipe->upstream->write(head);
            pipe->fromClient.remove(0, head.size());
            pipe->bodyLeft = length;
        }
    }

    void onUpstreamData(Pipe *pipe)
    {
        const QByteArray data = pipe->upstream->readAll();
        pipe->client->write(data);
        pipe->answer += data; // an event may come in more than one read
        if (pipe->method == "GET" && drops == 0 && pipe->answer.contains("\"notifications/")) {
            // The notification goes through, then the stream's connection is closed.
            ++drops;
            m_holdGets = true;
            pipe->upstream->abort();
            pipe->client->disconnectFromHost();
        }
    }

    QTcpServer m_server;
    quint16 m_upstreamPort;
    QList<Pipe *> m_pipes;
    bool m_holdGets = false;
};

} // namespace

class tst_McpEverything : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sessionWithResumedGetStream();
};

void tst_McpEverything::sessionWithResumedGetStream()
{
    QString missing;
    if (Integration::nodeExecutable().isEmpty())
        missing = u"node was not found when CMake ran"_s;
    else if (!QFileInfo::exists(serverScript()))
        missing = u"server-everything is not installed: run `npm ci` in %1"_s.arg(mcpDir());
    INTEGRATION_REQUIRE(missing);

    // The server listens on all interfaces, on the port in PORT: nothing else of the test's
    // binds that port, and the server is stopped by its process id.
    const quint16 port = Integration::freePort();
    QVERIFY(port != 0);
    Integration::ChildProcess server;
    qputenv("PORT", QByteArray::number(port));
    const bool started = server.start(Integration::nodeExecutable(),
                                      { serverScript(), u"streamableHttp"_s }, mcpDir());
    qunsetenv("PORT");
    QVERIFY2(started, server.standardError().constData());
    QTRY_VERIFY2_WITH_TIMEOUT(Integration::acceptsConnections(port),
                              server.standardError().constData(), 20000);

    DroppingProxy proxy(port);
    QVERIFY(proxy.listen());

    // echo, then simulated logging on (a notification on the GET stream at once, which the
    // proxy lets through and then drops the stream), off, and on again (a notification the
    // server can only store: the GET stream is down). The resumed stream must bring it.
    Integration::ChildProcess client;
    const QString url = u"http://127.0.0.1:%1/mcp"_s.arg(proxy.port());
    QVERIFY(client.start(QString::fromLocal8Bit(QTSSE_MCPCLIENT),
                         { u"--call"_s, u"echo={\"message\":\"Hello from QtSse\"}"_s, u"--call"_s,
                           u"toggle-simulated-logging"_s, u"--call"_s,
                           u"toggle-simulated-logging"_s, u"--call"_s,
                           u"toggle-simulated-logging"_s, u"--wait-notifications"_s, u"2"_s,
                           u"--timeout"_s, u"40000"_s, url }));
    const auto output = [&client] { return QString::fromUtf8(client.standardOutput()); };
    QTRY_VERIFY2_WITH_TIMEOUT(output().count(u"result of toggle-simulated-logging"_s) == 3
                                      || !client.isRunning(),
                              qPrintable(output()), 30000);
    QCOMPARE(proxy.drops, 1);
    proxy.release();
    QTRY_VERIFY2_WITH_TIMEOUT(!client.isRunning(), qPrintable(output()), 30000);
    client.kill(); // reaps it, and collects the rest of its output

    const QString exchange = output();
    qInfo().noquote() << u"mcpclient's exchange with server-everything (through the proxy):\n"_s
                    + exchange;
    qInfo().noquote() << u"requests on the wire:\n  "_s + proxy.requests.join(u"\n  "_s);

    QVERIFY2(exchange.contains(u"→ POST initialize #1"_s), qPrintable(exchange));
    QVERIFY2(exchange.contains(u", Mcp-Session-Id: "_s), qPrintable(exchange));
    QVERIFY2(exchange.contains(QRegularExpression(u"^tools: .*\\becho\\b"_s,
                                                  QRegularExpression::MultilineOption)),
             qPrintable(exchange));
    QVERIFY2(exchange.contains(u"result of echo: Echo: Hello from QtSse"_s), qPrintable(exchange));
    QVERIFY2(exchange.count(u"← notification on the GET stream"_s) >= 2, qPrintable(exchange));
    QVERIFY2(exchange.contains(u"→ GET stream (resumes, Last-Event-ID: "_s), qPrintable(exchange));
    QVERIFY2(exchange.contains(u"← 200 (session deleted)"_s), qPrintable(exchange));
    // On the wire: a GET that resumed, carrying the Last-Event-ID, after the drop.
    const QStringList resumed = proxy.requests.filter(u"GET /mcp last-event-id="_s);
    QCOMPARE(resumed.size(), 1);
    QVERIFY2(proxy.requests.last().startsWith(u"DELETE /mcp"_s),
             qPrintable(proxy.requests.join(u'\n')));
}

QTEST_GUILESS_MAIN(tst_McpEverything)
#include "tst_mcpeverything.moc"
