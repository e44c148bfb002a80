// SPDX-License-Identifier: MIT
// qtsse-bench-client: the end-to-end QtSse client of the peer benchmark
// (shared/bench/run-peers.sh, PROJECT_CLIENT=...). It uses only the public API: an
// EventSource, and a lambda on messageReceived (or on addEventListener(EVENT) when the run
// names an event type), so it measures what an application gets.
//
//   qtsse-bench-client URL N tput|ping [EVENT] [TIMEOUT_S]
//       prints one line and exits 0 on success:
//       RESULT client=qtsse-<version> events= bytes= secs= lastid= [lat_med_ms= lat_p99_ms=]
//       secs = from just before open() to the delivery of the N-th event; bytes = sum of the
//       data lengths; ping latency = CLOCK_REALTIME at delivery - the server's send time
//       carried in the data (microseconds).
//   qtsse-bench-client --quick
//       a smoke run for ctest: starts the benchmarks' own SSE server in a child process and
//       runs a small tput and ping workload against it. Verifies counts, never timings.
//   qtsse-bench-client --serve PORTS      (internal: the child server of --quick)
// With QTSSE_BENCH_DUMP_LATENCIES set, a ping run also prints every latency to stderr.
// QTSSE_BENCH_FINISH_MARKERS (comma-separated) sets finishMarkers that the workloads never
// send, so a run measures what checking each event against markers costs.
#include "benchcommon.h"

#include <QtSse/EventSource>
#include <QtSse/MessageEvent>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qprocess.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qnetworkproxy.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

struct Options
{
    QUrl url;
    qint64 expect = 0;
    bool ping = false;
    QString event;
    int timeoutSec = 120;
};

// Runs one workload with the event loop of the application and prints the RESULT line.
// Returns the exit code: 0 when the N-th event arrived, 1 otherwise.
int runWorkload(const Options &options)
{
    QtSse::EventSource source(options.url);
    const QString markers = qEnvironmentVariable("QTSSE_BENCH_FINISH_MARKERS");
    if (!markers.isEmpty())
        source.setFinishMarkers(markers.split(u','));
    qint64 events = 0;
    qint64 dataBytes = 0;
    std::vector<double> lats;
    if (options.ping)
        lats.reserve(size_t(options.expect));
    bool done = false;
    int rc = 0;
    QElapsedTimer timer;

    auto finish = [&](const char *error) {
        if (done)
            return;
        done = true;
        const double secs = double(timer.nsecsElapsed()) / 1e9;
        // The id of the last event delivered: the source keeps it (lastEventId), so the handler
        // need not copy it per event.
        const QString lastId = source.lastEventId();
        source.close();
        std::printf("RESULT client=qtsse-%s events=%lld bytes=%lld secs=%.6f lastid=%s",
                    QTSSE_VERSION_STRING, static_cast<long long>(events),
                    static_cast<long long>(dataBytes), secs,
                    lastId.isEmpty() ? "0" : qPrintable(lastId));
        if (options.ping && !lats.empty()) {
            if (qEnvironmentVariableIsSet("QTSSE_BENCH_DUMP_LATENCIES")) {
                for (size_t i = 0; i < lats.size(); ++i) // in arrival order, to stderr
                    std::fprintf(stderr, "latency %zu %.3f\n", i + 1, lats[i]);
            }
            std::sort(lats.begin(), lats.end());
            std::printf(" lat_med_ms=%.3f lat_p99_ms=%.3f", QtSseBench::nearestRank(lats, 0.5),
                        QtSseBench::nearestRank(lats, 0.99));
        }
        if (error) {
            std::printf(" error=%s", error);
            rc = 1;
        }
        std::printf("\n");
        std::fflush(stdout);
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    };

    auto onEvent = [&](const QtSse::MessageEvent &event) {
        if (done)
            return;
        const QString &data = event.data();
        if (options.ping)
            lats.push_back(QtSseBench::realtimeMs() - data.toDouble() / 1e3);
        ++events;
        dataBytes += data.size();
        if (events == options.expect)
            finish(nullptr);
    };
    if (options.event.isEmpty() || options.event == "message"_L1)
        QObject::connect(&source, &QtSse::EventSource::messageReceived, qApp, onEvent);
    else
        source.addEventListener(options.event, qApp, onEvent);

    // The stream ends when the server closes it; EventSource would reconnect, but a complete
    // run has closed the source by then. Any error before the N-th event ends the run.
    QObject::connect(&source, &QtSse::EventSource::errorOccurred, qApp,
                     [&](QtSse::EventSource::Error error) {
                         if (done)
                             return;
                         const QByteArray name = "error_after_" + QByteArray::number(events) + '_'
                                 + QByteArray::number(int(error));
                         finish(name.constData());
                     });
    QTimer::singleShot(options.timeoutSec * 1000, qApp, [&] { finish("timeout"); });

    timer.start();
    source.open();
    QCoreApplication::exec();
    return rc;
}

int usage()
{
    std::fprintf(stderr,
                 "usage: qtsse-bench-client URL N tput|ping [EVENT] [TIMEOUT_S]\n"
                 "       qtsse-bench-client --quick\n");
    return 2;
}

// --quick: a small tput and ping run against the benchmarks' own server, for ctest.
int runQuick()
{
    QtSseBench::ChildServer server;
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

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QByteArray first = argc > 1 ? QByteArray(argv[1]) : QByteArray();
    if (first == "--serve")
        return QtSseBench::runServeMode(argc > 2 ? std::atoi(argv[2]) : 1, 600);
    // Loopback only, like every peer: never a proxy from the environment.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    if (first == "--quick")
        return runQuick();
    if (argc < 4)
        return usage();

    Options options;
    options.url = QUrl(QString::fromLocal8Bit(argv[1]));
    options.expect = QByteArray(argv[2]).toLongLong();
    const QByteArray mode(argv[3]);
    if (mode != "tput" && mode != "ping")
        return usage();
    options.ping = mode == "ping";
    if (argc > 4)
        options.event = QString::fromLocal8Bit(argv[4]);
    if (argc > 5)
        options.timeoutSec = std::max(1, std::atoi(argv[5]));
    if (!options.url.isValid() || options.expect <= 0)
        return usage();
    return runWorkload(options);
}
