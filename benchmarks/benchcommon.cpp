// SPDX-License-Identifier: MIT
#include "benchcommon.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qfile.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qtimer.h>
#include <QtCore/qurlquery.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace QtSseBench {

qint64 residentBytes()
{
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    if (fields.size() < 2)
        return -1;
    return fields.at(1).toLongLong() * qint64(sysconf(_SC_PAGESIZE));
}

qint64 statusField(const char *name)
{
    QFile f(u"/proc/self/status"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray key = QByteArray(name) + ':';
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

int threadCount()
{
    return int(statusField("Threads"));
}

double realtimeMs()
{
    timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

double nearestRank(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    size_t k = size_t(std::ceil(p * double(sorted.size())));
    k = std::clamp<size_t>(k, 1, sorted.size());
    return sorted[k - 1];
}

namespace {

constexpr qsizetype MaxPayload = 8 * 1024 * 1024;
constexpr qsizetype BatchBytes = 256 * 1024; // bytes of events built per write
constexpr qint64 SocketHighWater = 1024 * 1024; // stop building while this much is queued

const QByteArray &payload()
{
    static const QByteArray bytes = [] {
        static const char pattern[] =
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        QByteArray p(MaxPayload, Qt::Uninitialized);
        for (qsizetype i = 0; i < MaxPayload; ++i)
            p[i] = pattern[i % (sizeof pattern - 1)];
        return p;
    }();
    return bytes;
}

const char SseHeaders[] = "HTTP/1.1 200 OK\r\n"
                          "Content-Type: text/event-stream\r\n"
                          "Cache-Control: no-cache\r\n"
                          "Connection: close\r\n"
                          "\r\n";

// Event sizes of /stream?vary=1: mostly small, now and then large, so buffers must shrink back
// (about 2.2 KiB per event on average).
qsizetype varySize(qint64 id)
{
    if (id % 1000 == 0)
        return 1024 * 1024;
    if (id % 100 == 0)
        return 64 * 1024;
    return id % 2 ? 16 : 1024;
}

class Connection : public QObject
{
public:
    explicit Connection(QTcpSocket *socket) : m_socket(socket)
    {
        m_socket->setParent(this);
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        QObject::connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        QObject::connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
            if (m_mode == Mode::Stream)
                pump();
        });
        QObject::connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    }

private:
    enum class Mode { Request, Stream, Ping, Idle, Done };

    void onReadyRead()
    {
        if (m_mode != Mode::Request) {
            m_socket->readAll(); // ignore anything after the request
            return;
        }
        m_request += m_socket->readAll();
        if (!m_request.contains("\r\n\r\n") && !m_request.contains("\n\n")) {
            if (m_request.size() > 8192)
                reply("400 Bad Request");
            return;
        }
        const QList<QByteArray> words = m_request.left(m_request.indexOf('\n')).split(' ');
        if (words.size() < 2 || words.at(0) != "GET") {
            reply("405 Method Not Allowed");
            return;
        }
        const QUrl target = QUrl::fromEncoded(QByteArray("http://127.0.0.1" + words.at(1)));
        const QUrlQuery query(target);
        auto number = [&query](const QString &key, qint64 fallback) {
            bool ok = false;
            const qint64 v = query.queryItemValue(key).toLongLong(&ok);
            return ok ? v : fallback;
        };
        const QString event = query.queryItemValue(u"event"_s);
        m_event = event.isEmpty() ? QByteArray() : "event: " + event.toUtf8() + '\n';
        const QString path = target.path();
        if (path == "/stream"_L1) {
            m_count = number(u"n"_s, 1000);
            m_size = std::clamp<qint64>(number(u"size"_s, 16), 0, MaxPayload);
            m_vary = number(u"vary"_s, 0) != 0;
            m_mode = Mode::Stream;
            m_socket->write(SseHeaders, sizeof SseHeaders - 1);
            pump();
        } else if (path == "/ping"_L1) {
            m_count = std::clamp<qint64>(number(u"count"_s, 200), 0, 1000000);
            m_mode = Mode::Ping;
            m_socket->write(SseHeaders, sizeof SseHeaders - 1);
            m_socket->flush();
            m_timer.setTimerType(Qt::PreciseTimer);
            QObject::connect(&m_timer, &QTimer::timeout, this, [this] { ping(); });
            m_timer.start(int(std::clamp<qint64>(number(u"interval_ms"_s, 10), 0, 60000)));
        } else if (path == "/idle"_L1) {
            m_mode = Mode::Idle;
            m_socket->write(SseHeaders, sizeof SseHeaders - 1);
            m_socket->write("data: open\n\n");
            m_socket->flush();
            QObject::connect(&m_timer, &QTimer::timeout, this,
                             [this] { m_socket->write(": keep-alive\n\n"); });
            m_timer.start(15000);
        } else {
            reply("404 Not Found");
        }
    }

    void reply(const char *status)
    {
        m_mode = Mode::Done;
        m_socket->write("HTTP/1.1 " + QByteArray(status)
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        m_socket->disconnectFromHost();
    }

    void appendEvent(QByteArray &out)
    {
        const qsizetype size = m_vary ? varySize(m_next) : m_size;
        out.append("id: ").append(QByteArray::number(m_next)).append('\n').append(m_event);
        out.append("data: ").append(payload().constData(), size).append("\n\n");
        ++m_next;
    }

    void pump()
    {
        while (m_next <= m_count && m_socket->bytesToWrite() < SocketHighWater) {
            QByteArray batch;
            batch.reserve(BatchBytes + 64);
            while (m_next <= m_count && batch.size() < BatchBytes)
                appendEvent(batch);
            m_socket->write(batch);
        }
        if (m_next > m_count) {
            m_mode = Mode::Done;
            m_socket->disconnectFromHost(); // after the queued bytes are written
        }
    }

    void ping()
    {
        if (m_next > m_count) {
            m_timer.stop();
            m_mode = Mode::Done;
            m_socket->disconnectFromHost();
            return;
        }
        timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        const qint64 us = qint64(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
        m_socket->write("id: " + QByteArray::number(m_next) + '\n' + m_event
                        + "data: " + QByteArray::number(us) + "\n\n");
        m_socket->flush();
        ++m_next;
    }

    QTcpSocket *m_socket;
    QTimer m_timer;
    QByteArray m_request;
    QByteArray m_event;
    Mode m_mode = Mode::Request;
    qint64 m_next = 1;
    qint64 m_count = 0;
    qint64 m_size = 0;
    bool m_vary = false;
};

} // namespace

BenchServer::BenchServer(QObject *parent) : QObject(parent)
{
    payload(); // build it before anything is timed
}

BenchServer::~BenchServer() = default;

bool BenchServer::listen(int portCount)
{
    for (int i = 0; i < portCount; ++i) {
        auto *server = new QTcpServer(this);
        if (!server->listen(QHostAddress::LocalHost, 0)) {
            std::fprintf(stderr, "bench server: listen failed: %s\n",
                         qPrintable(server->errorString()));
            return false;
        }
        QObject::connect(server, &QTcpServer::newConnection, this,
                         [this, server] { onNewConnection(server); });
        m_servers.append(server);
    }
    return true;
}

QList<quint16> BenchServer::ports() const
{
    QList<quint16> result;
    for (const QTcpServer *server : m_servers)
        result.append(server->serverPort());
    return result;
}

QUrl BenchServer::url(const QString &pathAndQuery, int portIndex) const
{
    return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_servers.at(portIndex)->serverPort())
                        .arg(pathAndQuery));
}

void BenchServer::onNewConnection(QTcpServer *server)
{
    while (QTcpSocket *socket = server->nextPendingConnection()) {
        ++m_connections;
        auto *connection = new Connection(socket);
        connection->setParent(this);
        QObject::connect(connection, &QObject::destroyed, this, [this] { --m_connections; });
    }
}

int runServeMode(int portCount, int maxSeconds)
{
    BenchServer server;
    if (!server.listen(portCount))
        return 1;
    QByteArray line("PORTS");
    for (quint16 port : server.ports())
        line += ' ' + QByteArray::number(port);
    std::printf("%s\n", line.constData());
    std::fflush(stdout);
    // Ends when the parent closes our standard input, or dies.
    QSocketNotifier stdinNotifier(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinNotifier, &QSocketNotifier::activated, qApp, [&stdinNotifier] {
        char buffer[256];
        if (::read(STDIN_FILENO, buffer, sizeof buffer) <= 0) {
            stdinNotifier.setEnabled(false);
            QCoreApplication::quit();
        }
    });
    QTimer::singleShot(maxSeconds * 1000, qApp, &QCoreApplication::quit);
    return QCoreApplication::exec();
}

ChildServer::~ChildServer()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.closeWriteChannel();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(2000);
    }
}

bool ChildServer::start(int portCount)
{
    m_process.setProgram(QCoreApplication::applicationFilePath());
    m_process.setArguments({ u"--serve"_s, QString::number(portCount) });
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start();
    if (!m_process.waitForStarted(10000))
        return false;
    QDeadlineTimer deadline(10000);
    QByteArray out;
    while (!deadline.hasExpired()) {
        if (!m_process.waitForReadyRead(int(deadline.remainingTime())))
            break;
        out += m_process.readAllStandardOutput();
        const qsizetype eol = out.indexOf('\n');
        if (eol < 0)
            continue;
        const QList<QByteArray> words = out.left(eol).trimmed().split(' ');
        if (words.value(0) != "PORTS")
            return false;
        for (qsizetype i = 1; i < words.size(); ++i)
            m_ports.append(quint16(words.at(i).toUInt()));
        return m_ports.size() == portCount;
    }
    return false;
}

QUrl ChildServer::url(const QString &pathAndQuery, int portIndex) const
{
    return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_ports.at(portIndex)).arg(pathAndQuery));
}

int printResult(const char *client, qint64 events, qint64 dataBytes, double secs,
                const QByteArray &lastId, std::vector<double> &lats, const char *error)
{
    std::printf("RESULT client=%s events=%lld bytes=%lld secs=%.6f lastid=%s", client,
                static_cast<long long>(events), static_cast<long long>(dataBytes), secs,
                lastId.isEmpty() ? "0" : lastId.constData());
    if (!lats.empty()) {
        if (qEnvironmentVariableIsSet("QTSSE_BENCH_DUMP_LATENCIES")) {
            for (size_t i = 0; i < lats.size(); ++i) // in arrival order, to stderr
                std::fprintf(stderr, "latency %zu %.3f\n", i + 1, lats[i]);
        }
        std::sort(lats.begin(), lats.end());
        std::printf(" lat_med_ms=%.3f lat_p99_ms=%.3f", nearestRank(lats, 0.5),
                    nearestRank(lats, 0.99));
    }
    if (error)
        std::printf(" error=%s", error);
    std::printf("\n");
    std::fflush(stdout);
    return error ? 1 : 0;
}

bool runClientMode(int argc, char **argv, int *exitCode)
{
    const QByteArray first = argc > 1 ? QByteArray(argv[1]) : QByteArray();
    if (first == "--serve")
        *exitCode = runServeMode(argc > 2 ? std::atoi(argv[2]) : 1, 600);
    else if (first == "--quick")
        *exitCode = runClientChecks();
    else
        return false;
    return true;
}

int runClientChecks()
{
    ChildServer server;
    if (!server.start(1)) {
        std::fprintf(stderr, "could not start the bench server\n");
        return 1;
    }
    struct Run
    {
        QString path;
        qint64 n;
        const char *mode;
        QString event;
        qint64 size;
    };
    const Run runs[] = {
        { u"/stream?n=2000&size=16"_s, 2000, "tput", QString(), 16 },
        { u"/stream?n=200&size=1024&event=tick"_s, 200, "tput", u"tick"_s, 1024 },
        { u"/stream?n=4&size=262144"_s, 4, "tput", QString(), 262144 },
        { u"/ping?count=10&interval_ms=10"_s, 10, "ping", QString(), -1 },
    };
    int failures = 0;
    for (const Run &run : runs) {
        // Each run in its own process, exactly as run-peers.sh starts the client.
        QProcess client;
        client.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QStringList args{ server.url(run.path).toString(), QString::number(run.n),
                          QString::fromLatin1(run.mode), run.event, u"60"_s };
        client.start(QCoreApplication::applicationFilePath(), args);
        if (!client.waitForFinished(90000)) {
            client.kill();
            client.waitForFinished();
        }
        const QByteArray out = client.readAllStandardOutput().trimmed() + ' ';
        std::printf("%s\n", out.constData());
        // The same checks as run-peers.sh: events, last id and the sum of data lengths.
        const QByteArray want = " events=" + QByteArray::number(run.n);
        bool ok = client.exitStatus() == QProcess::NormalExit && client.exitCode() == 0
                && out.startsWith("RESULT ") && out.contains(want)
                && out.contains(QByteArray(" lastid=" + QByteArray::number(run.n) + ' '))
                && !out.contains(" error=");
        if (run.size >= 0)
            ok = ok
                    && out.contains(
                            QByteArray(" bytes=" + QByteArray::number(run.n * run.size) + ' '));
        else
            ok = ok && out.contains(" lat_med_ms=") && out.contains(" lat_p99_ms=");
        std::printf("%s: %s %s\n", ok ? "ok" : "FAILED", run.mode, qPrintable(run.path));
        failures += ok ? 0 : 1;
    }
    std::printf("%d passed, %d failed\n", int(std::size(runs)) - failures, failures);
    return failures ? 1 : 0;
}

} // namespace QtSseBench
