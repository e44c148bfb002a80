// SPDX-License-Identifier: MIT
// Helpers shared by the QtSse benchmarks: a loopback SSE server (the routes of the peer
// benchmark's sse-server.c, plus /idle), a way to run it in a child process, /proc readers,
// and what the run-peers clients share (their RESULT line, --serve and --quick).
#ifndef QTSSE_BENCHCOMMON_H
#define QTSSE_BENCHCOMMON_H

#include <QtCore/qbytearray.h>
#include <QtCore/qlist.h>
#include <QtCore/qobject.h>
#include <QtCore/qprocess.h>
#include <QtCore/qurl.h>

#include <vector>

QT_BEGIN_NAMESPACE
class QTcpServer;
QT_END_NAMESPACE

namespace QtSseBench {

// Resident set size of this process in bytes (/proc/self/statm), or -1.
qint64 residentBytes();
// A numeric field of /proc/self/status ("Threads", "VmRSS" in KiB, ...), or -1.
qint64 statusField(const char *name);
// Threads of this process (/proc/self/status), or -1.
int threadCount();
// CLOCK_REALTIME in milliseconds, as the peer clients take it.
double realtimeMs();
// Nearest-rank percentile of sorted values (p in 0..1), as the peer clients compute it.
double nearestRank(const std::vector<double> &sorted, double p);

// Prints run-peers.sh's RESULT line of a client: events, the sum of the data lengths, secs and
// the last id, then for a ping run (lats not empty) the median and p99 latency (lats is sorted
// here; with QTSSE_BENCH_DUMP_LATENCIES set, each latency goes to stderr first, in arrival
// order), then " error=ERROR" if error is set. Returns the exit code: 1 with an error, else 0.
int printResult(const char *client, qint64 events, qint64 dataBytes, double secs,
                const QByteArray &lastId, std::vector<double> &lats, const char *error);

// --quick of a run-peers client: starts the benchmarks' own SSE server in a child process and
// runs this executable against it, each run in its own process as run-peers.sh starts a
// client, on a small tput and ping workload of each kind, with run-peers.sh's checks (events,
// last id, the sum of the data lengths; latencies for ping). Verifies counts, never timings.
// Returns the exit code.
int runClientChecks();

// The modes a run-peers client of these benchmarks has beside its workloads: "--serve PORTS"
// (the child server of --quick, runServeMode()) and "--quick" (runClientChecks()). Returns
// true, with the exit code in *exitCode, when argv asks for one of them.
bool runClientMode(int argc, char **argv, int *exitCode);

// A loopback SSE server listening on one or more ports of 127.0.0.1. Routes (GET only):
//   /stream?n=N&size=S[&event=E][&vary=1]  N events "id: i\n[event: E\n]data: <S bytes>\n\n",
//                                           then the connection closes. vary=1 mixes sizes
//                                           instead: 16 B and 1 KiB, every 100th 64 KiB,
//                                           every 1000th 1 MiB.
//   /ping?count=C&interval_ms=I            C events every I ms; data = CLOCK_REALTIME in us.
//   /idle                                  one event "data: open", then nothing until the
//                                           server stops (a comment every 15 s).
// Each response is 200 text/event-stream with Connection: close and no length.
class BenchServer : public QObject
{
    Q_OBJECT
public:
    explicit BenchServer(QObject *parent = nullptr);
    ~BenchServer() override;

    bool listen(int portCount = 1);
    QList<quint16> ports() const;
    QUrl url(const QString &pathAndQuery, int portIndex = 0) const;
    int connectionCount() const { return m_connections; }

private:
    void onNewConnection(QTcpServer *server);

    QList<QTcpServer *> m_servers;
    int m_connections = 0;
};

// Runs a BenchServer in this process until standard input closes (the parent died or closed
// it) or maxSeconds pass; prints "PORTS p1 p2 ...\n" to stdout first. For "--serve" modes.
int runServeMode(int portCount, int maxSeconds);

// Starts this executable again with "--serve PORTCOUNT" and waits for its ports, so the server
// side of a memory measurement never counts in this process's RSS.
class ChildServer
{
public:
    ChildServer() = default;
    ~ChildServer();
    ChildServer(const ChildServer &) = delete;
    ChildServer &operator=(const ChildServer &) = delete;

    bool start(int portCount);
    QList<quint16> ports() const { return m_ports; }
    QUrl url(const QString &pathAndQuery, int portIndex = 0) const;

private:
    QProcess m_process;
    QList<quint16> m_ports;
};

} // namespace QtSseBench

#endif // QTSSE_BENCHCOMMON_H
