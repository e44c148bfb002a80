// SPDX-License-Identifier: MIT
#ifndef INTEGRATIONSUPPORT_H
#define INTEGRATIONSUPPORT_H

// Real servers for the integration tests: each runs as a child process that the test starts
// on a loopback port and kills by its process id. A guard object owns each one, so it is
// killed when the test function returns, passes or fails; PR_SET_PDEATHSIG kills it too if
// the test process itself dies (a crash, or ctest's timeout).
//
// The paths of the tools come from CMake (find_program). When one is missing the tests skip,
// unless QTSSE_REQUIRE_INTEGRATION=1 is set (scripts/test.sh sets it): then they fail.

#include <QtSse/EventSource>

#include <QtCore/qbytearray.h>
#include <QtCore/qdir.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qhash.h>
#include <QtCore/qfile.h>
#include <QtCore/qfileinfo.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qlist.h>
#include <QtCore/qprocess.h>
#include <QtCore/qstring.h>
#include <QtCore/qtemporarydir.h>
#include <QtCore/qtimer.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <algorithm>
#include <csignal>
#include <memory>

#if defined(Q_OS_LINUX)
#  include <sys/prctl.h>
#endif
#include <sys/types.h>

namespace Integration {

// The configured path of a tool, or an empty string when CMake did not find it.
inline QString toolPath(const char *configured)
{
    const QString path = QString::fromLocal8Bit(configured);
    const QFileInfo info(path);
    return info.isFile() && info.isExecutable() ? path : QString();
}

inline QString nodeExecutable()
{
    return toolPath(QTSSE_NODE_EXECUTABLE);
}
inline QString nginxExecutable()
{
    return toolPath(QTSSE_NGINX_EXECUTABLE);
}
inline QString nodeServerDir()
{
    return QString::fromLocal8Bit(QTSSE_NODE_SERVER_DIR);
}

inline bool integrationRequired()
{
    return qEnvironmentVariableIntValue("QTSSE_REQUIRE_INTEGRATION") != 0;
}

// What is missing for the node server, or an empty string.
inline QString nodeServerMissing()
{
    if (nodeExecutable().isEmpty())
        return QStringLiteral("node was not found when CMake ran");
    if (!QFileInfo::exists(nodeServerDir()
                           + QStringLiteral("/node_modules/better-sse/package.json")))
        return QStringLiteral("better-sse is not installed: run `npm ci` in %1")
                .arg(nodeServerDir());
    return QString();
}

// Skips the test when `missing` is not empty, or fails it when integration tests are required.
#define INTEGRATION_REQUIRE(missing)               \
  do {                                             \
    const QString integrationMissing_ = (missing); \
    if (!integrationMissing_.isEmpty()) {          \
      if (Integration::integrationRequired())      \
        QFAIL(qPrintable(integrationMissing_));    \
      QSKIP(qPrintable(integrationMissing_));      \
    }                                              \
  } while (false)

// A loopback TCP port that nothing listens on right now.
inline quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost))
        return 0;
    return probe.serverPort();
}

// Whether something accepts TCP connections on 127.0.0.1:port. Poll it with QTRY_VERIFY.
inline bool acceptsConnections(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    const bool connected = socket.waitForConnected(200);
    socket.abort();
    return connected;
}

// A child process, killed by its process id when this guard goes away.
class ChildProcess
{
public:
    ChildProcess()
    {
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                         [this] { m_stdout += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_stderr += m_process.readAllStandardError(); });
#if defined(Q_OS_LINUX)
        // Dies with the test process, even when that one is killed or crashes.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    }
    ~ChildProcess()
    {
        kill();
    }
    Q_DISABLE_COPY_MOVE(ChildProcess)

    bool start(const QString &program, const QStringList &arguments,
               const QString &workingDirectory = QString())
    {
        kill();
        m_stdout.clear();
        m_stderr.clear();
        m_process.setWorkingDirectory(workingDirectory);
        m_process.start(program, arguments);
        if (!m_process.waitForStarted(10000)) {
            m_stderr += m_process.errorString().toLocal8Bit();
            return false;
        }
        return true;
    }

    qint64 processId() const
    {
        return m_process.processId();
    }
    bool isRunning() const
    {
        return m_process.state() != QProcess::NotRunning;
    }

    // Kills the process by its id (SIGKILL: no clean shutdown, like a crash) and reaps it.
    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        const qint64 pid = m_process.processId();
        if (pid > 0)
            ::kill(pid_t(pid), SIGKILL);
        m_process.waitForFinished(10000);
        m_stdout += m_process.readAllStandardOutput();
        m_stderr += m_process.readAllStandardError();
    }

    void write(const QByteArray &data)
    {
        m_process.write(data);
    }

    QByteArray standardOutput() const
    {
        return m_stdout;
    }
    QByteArray standardError() const
    {
        return m_stderr;
    }

private:
    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
};

// The expected event k of tests/integration/node/sse-server.js's log.
struct ExpectedEvent
{
    QString id;
    QString type;
    QString data;
};

inline ExpectedEvent expectedEvent(int k)
{
    static const QString types[] = { QStringLiteral("update"), QStringLiteral("message"),
                                     QStringLiteral("tick") };
    QString text = QStringLiteral("event %1").arg(k);
    if (k % 4 == 0)
        text = QStringLiteral("line one of %1\\nline two of %1").arg(k); // JSON-escaped newline
    else if (k % 5 == 0)
        text = QStringLiteral("\u00fcn\u00efc\u00f6d\u00e9 \u2713 %1").arg(k);
    return { QString::number(k), types[k % 3],
             QStringLiteral("{\"seq\":%1,\"text\":\"%2\"}").arg(k).arg(text) };
}

// tests/integration/node/sse-server.js: a better-sse server under node.
class NodeSseServer
{
public:
    // Starts the server on `port` (0: the system picks) with events 1..initial published.
    // Poll isListening() with QTRY_VERIFY afterwards.
    bool start(quint16 port = 0, int initial = 0, int retryMs = 250)
    {
        m_port = 0;
        m_published = initial;
        return m_process.start(nodeExecutable(),
                               { nodeServerDir() + QStringLiteral("/sse-server.js"),
                                 QStringLiteral("--port"), QString::number(port),
                                 QStringLiteral("--initial"), QString::number(initial),
                                 QStringLiteral("--retry"), QString::number(retryMs) },
                               nodeServerDir());
    }

    bool isListening()
    {
        if (m_port == 0) {
            const QList<QJsonObject> listening = reports(QStringLiteral("listening"));
            if (!listening.isEmpty())
                m_port = quint16(listening.first().value(QStringLiteral("port")).toInt());
        }
        return m_port != 0;
    }

    quint16 port() const { return m_port; }
    QUrl url(const QString &pathAndQuery = QStringLiteral("/events")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(pathAndQuery));
    }

    // Publishes n more events (to every open stream, and to the log later streams resume from).
    void publish(int n = 1)
    {
        m_published += n;
        m_process.write("publish " + QByteArray::number(n) + '\n');
    }
    // The number of the last event asked for: the server publishes up to it.
    int published() const { return m_published; }

    // The number of the last event the server has published, as it reported.
    int lastPublished() const
    {
        const QList<QJsonObject> published = reports(QStringLiteral("published"));
        return published.isEmpty() ? -1 : published.last().value(QStringLiteral("last")).toInt();
    }

    void kill() { m_process.kill(); }
    bool isRunning() const { return m_process.isRunning(); }
    qint64 processId() const { return m_process.processId(); }

    // The JSON lines the server reported of one kind, in order.
    QList<QJsonObject> reports(const QString &kind) const
    {
        QList<QJsonObject> result;
        const QList<QByteArray> lines = m_process.standardOutput().split('\n');
        for (const QByteArray &line : lines) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (object.value(QStringLiteral("kind")).toString() == kind)
                result.append(object);
        }
        return result;
    }

    QByteArray diagnostics() const
    {
        return "node stdout:\n" + m_process.standardOutput() + "\nnode stderr:\n"
                + m_process.standardError();
    }

private:
    ChildProcess m_process;
    quint16 m_port = 0;
    int m_published = 0;
};

// nginx (Debian's package) with a configuration of the test's, in a temporary prefix
// directory: one process (daemon off, master_process off), its logs and temp files there.
class Nginx
{
public:
    Nginx() = default;
    Q_DISABLE_COPY_MOVE(Nginx)

    QString filePath(const QString &name) const { return m_dir.filePath(name); }

    // Writes nginx.conf with `httpBlock` inside its http { } and starts nginx. Poll
    // acceptsConnections() on its ports with QTRY_VERIFY afterwards.
    bool start(const QString &httpBlock)
    {
        if (!m_dir.isValid())
            return false;
        const QString prefix = m_dir.path();
        const QString config = QStringLiteral(R"(daemon off;
master_process off;
pid %1/nginx.pid;
error_log %1/error.log info;
events { worker_connections 512; }
http {
    log_format integration '$connection $connection_requests $server_protocol $status '
                           '"$request" enc=$sent_http_content_encoding up=$upstream_status';
    access_log %1/access.log integration;
    client_body_temp_path %1/tmp-body;
    proxy_temp_path %1/tmp-proxy;
    fastcgi_temp_path %1/tmp-fastcgi;
    uwsgi_temp_path %1/tmp-uwsgi;
    scgi_temp_path %1/tmp-scgi;
    default_type application/octet-stream;
%2
}
)")
                                       .arg(prefix, httpBlock);
        QFile file(filePath(QStringLiteral("nginx.conf")));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || file.write(config.toUtf8()) < 0)
            return false;
        file.close();
        return m_process.start(nginxExecutable(),
                               { QStringLiteral("-p"), prefix, QStringLiteral("-c"),
                                 filePath(QStringLiteral("nginx.conf")), QStringLiteral("-e"),
                                 filePath(QStringLiteral("error.log")) },
                               prefix);
    }

    bool isRunning() const { return m_process.isRunning(); }
    void kill() { m_process.kill(); }

    // The access log's lines; nginx writes one when a request ends.
    QList<QByteArray> accessLog() const
    {
        QFile file(filePath(QStringLiteral("access.log")));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QList<QByteArray> lines = file.readAll().split('\n');
        lines.removeAll(QByteArray());
        return lines;
    }

    QByteArray diagnostics() const
    {
        QFile file(filePath(QStringLiteral("error.log")));
        const QByteArray errorLog = file.open(QIODevice::ReadOnly)
                ? file.readAll()
                : QByteArray("(cannot open: " + file.errorString().toUtf8() + ')');
        return "nginx error.log:\n" + errorLog + "\nnginx stderr:\n" + m_process.standardError()
                + "\naccess.log:\n" + accessLog().join('\n');
    }

private:
    QTemporaryDir m_dir;
    ChildProcess m_process;
};

// Records what one EventSource emits, with the time each event arrived.
class StreamRecorder : public QObject
{
public:
    explicit StreamRecorder(QtSse::EventSource *source)
    {
        m_clock.start();
        connect(source, &QtSse::EventSource::opened, this, [this] { ++opens; });
        connect(source, &QtSse::EventSource::eventReceived, this,
                [this](const QtSse::MessageEvent &event) {
                    events.append(event);
                    receivedAtNs.append(m_clock.nsecsElapsed());
                });
        connect(source, &QtSse::EventSource::errorOccurred, this,
                [this, source](QtSse::EventSource::Error error) {
                    errors.append(error);
                    errorStates.append(source->readyState());
                });
    }

    QStringList ids() const
    {
        QStringList result;
        for (const QtSse::MessageEvent &event : events)
            result.append(event.lastEventId());
        return result;
    }

    int opens = 0;
    QList<QtSse::MessageEvent> events;
    QList<qint64> receivedAtNs;
    QList<QtSse::EventSource::Error> errors;
    QList<QtSse::EventSource::ReadyState> errorStates;

private:
    QElapsedTimer m_clock;
};

// The ids "from".."to" as strings, for comparing with StreamRecorder::ids().
inline QStringList idRange(int from, int to)
{
    QStringList result;
    for (int k = from; k <= to; ++k)
        result.append(QString::number(k));
    return result;
}

// Paces a NodeSseServer by handshake: it publishes `count` events, event k+1 only after every
// source has received event k. A proxy that held an event back would stall it, so a
// test fails (by its QTRY timeout) instead of passing late. Records each event's latency from
// publishing to arrival, per source.
class Pacer : public QObject
{
public:
    Pacer(NodeSseServer *server, const QList<QtSse::EventSource *> &sources, int count)
        : m_server(server), m_published(server->published()), m_last(m_published + count)
    {
        m_clock.start();
        for (QtSse::EventSource *source : sources) {
            m_latest.insert(source, 0);
            connect(source, &QtSse::EventSource::eventReceived, this,
                    [this, source](const QtSse::MessageEvent &event) { onEvent(source, event); });
        }
    }

    // Publishes the first event; the rest follow by handshake.
    void start() { publishNext(); }
    bool isDone() const { return m_published == m_last && allHave(m_last); }

    // Runs the event loop until every source has the last event, or the timeout fails it.
    // (Not QTRY_*: its polling sleeps 10 ms between passes, which would swamp the latencies.)
    bool wait(int timeoutMs = 20000)
    {
        if (isDone())
            return true;
        QEventLoop loop;
        m_loop = &loop;
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
        m_loop = nullptr;
        return isDone();
    }
    int published() const { return m_published; }
    QList<qint64> latenciesUs() const { return m_latenciesUs; }

private:
    bool allHave(int k) const
    {
        return std::all_of(m_latest.cbegin(), m_latest.cend(), [k](int seen) { return seen >= k; });
    }
    void publishNext()
    {
        ++m_published;
        m_publishedAtNs = m_clock.nsecsElapsed();
        m_server->publish(1);
    }
    void onEvent(QtSse::EventSource *source, const QtSse::MessageEvent &event)
    {
        const int k = event.lastEventId().toInt();
        m_latest[source] = qMax(m_latest.value(source), k);
        if (k != m_published)
            return; // from a backlog on (re)connect
        m_latenciesUs.append((m_clock.nsecsElapsed() - m_publishedAtNs) / 1000);
        if (m_published < m_last && allHave(m_published))
            publishNext();
        else if (m_loop && isDone())
            m_loop->quit();
    }

    NodeSseServer *m_server;
    int m_published;
    int m_last;
    qint64 m_publishedAtNs = 0;
    QElapsedTimer m_clock;
    QHash<QtSse::EventSource *, int> m_latest;
    QList<qint64> m_latenciesUs;
    QEventLoop *m_loop = nullptr;
};

// Sorted latencies in microseconds, summarised for the log.
inline QString latencySummary(QList<qint64> micros)
{
    if (micros.isEmpty())
        return QStringLiteral("no samples");
    std::sort(micros.begin(), micros.end());
    const auto at = [&micros](double q) {
        return double(micros.at(qsizetype(q * double(micros.size() - 1)))) / 1000.0;
    };
    return QStringLiteral("%1 events: min %2 ms, median %3 ms, p90 %4 ms, max %5 ms")
            .arg(micros.size())
            .arg(at(0.0), 0, 'f', 2)
            .arg(at(0.5), 0, 'f', 2)
            .arg(at(0.9), 0, 'f', 2)
            .arg(at(1.0), 0, 'f', 2);
}

} // namespace Integration

#endif // INTEGRATIONSUPPORT_H
