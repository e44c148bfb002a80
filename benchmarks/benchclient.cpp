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
        rc = QtSseBench::printResult("qtsse-" QTSSE_VERSION_STRING, events, dataBytes, secs,
                                     lastId.toUtf8(), lats, error);
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

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (int exitCode; QtSseBench::runClientMode(argc, argv, &exitCode))
        return exitCode;
    // Loopback only, like every peer: never a proxy from the environment.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
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
