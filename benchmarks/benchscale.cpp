// SPDX-License-Identifier: MIT
// qtsse-bench-scale: many concurrent QtSse streams in one process, and what they cost. The
// contract (method, RESULT keys) is that of benchmarks/scale/README.md and of its Node peer
// scaleprobe.mjs, so the two print comparable lines.
//
//   qtsse-bench-scale --n N --base-port B [--ports K] [--seconds T] [--period-ms P]
//                     [--open-timeout S] [--settle-ms MS] [--mode default|shared]
//       source i connects to http://127.0.0.1:(B + i % K)/s<i>; prints one RESULT line.
//       mode default: every source is left to itself (QtSse's own managers);
//       mode shared:  one QNetworkAccessManager, set on every source, as an application (or
//                     the QML engine) shares its own.
//   qtsse-bench-scale --quick SERVER
//       the smoke run ctest does: starts SERVER (sse-scale-server) on 3 ports, runs 12 sources
//       in each mode for a short window, prints the RESULT lines. It fails only when a run
//       does not work at all (a source never opened, or nothing arrived), never on a figure.
#include "benchcommon.h"

#include <QtSse/EventSource>
#include <QtSse/MessageEvent>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qdir.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfile.h>
#include <QtCore/qprocess.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qnetworkaccessmanager.h>

#include <sys/resource.h>
#include <unistd.h>

// Under valgrind --tool=callgrind the window is measured alone: its instruction counts do not
// depend on what else the machine runs (BENCHMARKS.md, "Many streams"). Outside valgrind the
// requests are a few no-op instructions.
#if __has_include(<valgrind/callgrind.h>)
#  include <valgrind/callgrind.h>
#else
#  define CALLGRIND_ZERO_STATS
#  define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

struct Options
{
    int n = 10;
    int basePort = 0;
    int ports = 1;
    int seconds = 10;
    int periodMs = 1000;
    int openTimeoutS = 60;
    int settleMs = 2000;
    bool shared = false;
};

struct Usage
{
    double cpu = 0; // seconds, every thread
    double mainCpu = 0; // seconds, the main thread
    long csw = 0;
};

double mainThreadCpu()
{
    QFile file(u"/proc/self/task/%1/schedstat"_s.arg(::getpid()));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    return file.readAll().split(' ').constFirst().toDouble() / 1e9;
}

Usage usageNow()
{
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    Usage u;
    u.cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
            + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    u.mainCpu = mainThreadCpu();
    u.csw = ru.ru_nvcsw + ru.ru_nivcsw;
    return u;
}

// The nearest-rank percentile in ms, -1 without values (as scaleprobe.mjs prints it).
double percentileMs(const std::vector<double> &sorted, double p)
{
    return sorted.empty() ? -1 : QtSseBench::nearestRank(sorted, p);
}

struct Result
{
    int opened = 0;
    int events = 0;
};

// One measurement, as scaleprobe.mjs makes it.
Result run(const Options &opts)
{
    int opened = 0, opens = 0, errors = 0, events = 0, windowEvents0 = 0;
    qint64 openMs = -1;
    bool windowStarted = false, windowEnded = false;
    Usage window0;
    QElapsedTimer sinceStart, sinceWindow;
    std::vector<double> latencies; // ms
    latencies.reserve(size_t(opts.n) * size_t(opts.seconds) * 1000 / size_t(opts.periodMs) + 64);
    std::vector<char> hasOpened(size_t(opts.n), 0);
    QString lastError;

    QEventLoop loop;
    QTimer openTimer;
    openTimer.setSingleShot(true);
    QTimer windowTimer;
    windowTimer.setSingleShot(true);
    windowTimer.setTimerType(Qt::PreciseTimer);
    QNetworkAccessManager sharedManager;
    std::vector<std::unique_ptr<QtSse::EventSource>> sources;
    sources.reserve(size_t(opts.n));

    const auto startWindow = [&] {
        if (windowStarted)
            return;
        windowStarted = true;
        openTimer.stop();
        window0 = usageNow();
        windowEvents0 = events;
        CALLGRIND_ZERO_STATS;
        sinceWindow.start();
        std::printf("WINDOW_START opened=%d\n", opened);
        std::fflush(stdout);
        windowTimer.start(opts.seconds * 1000);
    };
    QObject::connect(&openTimer, &QTimer::timeout, &loop, startWindow);
    QObject::connect(&windowTimer, &QTimer::timeout, &loop, [&] {
        CALLGRIND_DUMP_STATS_AT("window");
        const Usage u = usageNow();
        windowEnded = true;
        std::sort(latencies.begin(), latencies.end());
        const double win = double(sinceWindow.nsecsElapsed()) / 1e9;
        const int fds = int(QDir(u"/proc/self/fd"_s).entryList(QDir::Files | QDir::System).size());
        std::printf("RESULT client=qtsse-%s n=%d mode=%s ports=%d opened=%d opens=%d errors=%d "
                    "events=%d win_s=%.3f win_events=%d expected=%lld threads=%d fds=%d "
                    "rss_mib=%.1f hwm_mib=%.1f cpu_s=%.3f win_cpu_s=%.3f win_main_cpu_s=%.3f "
                    "win_csw_per_s=%.1f open_ms=%lld all_open=%d lat_p50_ms=%.3f "
                    "lat_p99_ms=%.3f lat_max_ms=%.3f\n",
                    QTSSE_VERSION_STRING, opts.n, opts.shared ? "shared" : "default", opts.ports,
                    opened, opens, errors, events, win, events - windowEvents0,
                    qint64(opts.n) * opts.seconds * 1000 / opts.periodMs, QtSseBench::threadCount(),
                    fds, double(QtSseBench::statusField("VmRSS")) / 1024,
                    double(QtSseBench::statusField("VmHWM")) / 1024, u.cpu, u.cpu - window0.cpu,
                    u.mainCpu - window0.mainCpu, double(u.csw - window0.csw) / win,
                    openMs < 0 ? sinceStart.elapsed() : openMs, opened == opts.n ? 1 : 0,
                    percentileMs(latencies, 0.5), percentileMs(latencies, 0.99),
                    percentileMs(latencies, 1));
        if (errors)
            std::printf("LAST_ERROR %s\n", qPrintable(lastError));
        std::fflush(stdout);
        loop.quit();
    });

    sinceStart.start();
    for (int i = 0; i < opts.n; ++i) {
        auto source = std::make_unique<QtSse::EventSource>();
        if (opts.shared)
            source->setNetworkAccessManager(&sharedManager);
        QtSse::EventSource *es = source.get();
        QObject::connect(es, &QtSse::EventSource::opened, &loop, [&, i] {
            ++opens;
            if (hasOpened[size_t(i)])
                return;
            hasOpened[size_t(i)] = 1;
            if (++opened == opts.n) {
                openMs = sinceStart.elapsed();
                openTimer.stop();
                QTimer::singleShot(opts.settleMs, &loop, startWindow);
            }
        });
        QObject::connect(es, &QtSse::EventSource::messageReceived, &loop,
                         [&](const QtSse::MessageEvent &event) {
                             ++events;
                             if (windowStarted && !windowEnded)
                                 latencies.push_back(QtSseBench::realtimeMs()
                                                     - event.data().toDouble() / 1000);
                         });
        QObject::connect(es, &QtSse::EventSource::errorOccurred, &loop, [&, es] {
            ++errors;
            lastError = es->errorString();
        });
        es->setUrl(QUrl(u"http://127.0.0.1:%1/s%2"_s.arg(opts.basePort + i % opts.ports).arg(i)));
        es->open();
        sources.push_back(std::move(source));
    }
    openTimer.start(opts.openTimeoutS * 1000);
    loop.exec();
    sources.clear();
    return { opened, events };
}

int quick(const QString &server)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(server,
                  { u"--ports"_s, u"3"_s, u"--period-ms"_s, u"100"_s, u"--lifetime"_s, u"60"_s });
    if (!process.waitForStarted(10000) || !process.waitForReadyRead(10000)) {
        std::fprintf(stderr, "qtsse-bench-scale: %s did not start\n", qPrintable(server));
        return 1;
    }
    // "PORTS base=B count=K"
    const QByteArray line = process.readLine().trimmed();
    const qsizetype at = line.indexOf("base=");
    const int base = at < 0 ? 0 : line.mid(at + 5).split(' ').constFirst().toInt();
    if (base <= 0) {
        std::fprintf(stderr, "qtsse-bench-scale: no ports from the server: %s\n", line.constData());
        return 1;
    }
    int failures = 0;
    for (const bool shared : { false, true }) {
        Options opts;
        opts.n = 12;
        opts.basePort = base;
        opts.ports = 3;
        opts.seconds = 1;
        opts.periodMs = 100;
        opts.openTimeoutS = 30;
        opts.settleMs = 100;
        opts.shared = shared;
        const Result result = run(opts);
        if (result.opened != opts.n || result.events == 0)
            ++failures;
    }
    process.terminate();
    process.waitForFinished(5000);
    return failures == 0 ? 0 : 1;
}

[[noreturn]] void usage()
{
    std::fprintf(stderr,
                 "usage: qtsse-bench-scale --n N --base-port B [--ports K] [--seconds T] "
                 "[--period-ms P] [--open-timeout S] [--settle-ms MS] [--mode default|shared]\n"
                 "       qtsse-bench-scale --quick SERVER\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    if (args.size() == 2 && args.at(0) == "--quick"_L1)
        return quick(args.at(1));
    Options opts;
    for (qsizetype i = 0; i < args.size(); i += 2) {
        if (i + 1 >= args.size())
            usage();
        const QString &key = args.at(i);
        const QString &value = args.at(i + 1);
        bool ok = true;
        if (key == "--mode"_L1) {
            if (value != "default"_L1 && value != "shared"_L1)
                usage();
            opts.shared = value == "shared"_L1;
            continue;
        }
        // The numeric options, named as scaleprobe.mjs names them.
        const std::pair<QLatin1String, int Options::*> numbers[] = {
            { "--n"_L1, &Options::n },
            { "--base-port"_L1, &Options::basePort },
            { "--ports"_L1, &Options::ports },
            { "--seconds"_L1, &Options::seconds },
            { "--period-ms"_L1, &Options::periodMs },
            { "--open-timeout"_L1, &Options::openTimeoutS },
            { "--settle-ms"_L1, &Options::settleMs },
        };
        const auto option = std::find_if(std::begin(numbers), std::end(numbers),
                                         [&key](const auto &entry) { return key == entry.first; });
        const int number = value.toInt(&ok);
        if (option == std::end(numbers) || !ok)
            usage();
        opts.*(option->second) = number;
    }
    if (opts.n < 1 || opts.basePort <= 0 || opts.ports < 1 || opts.periodMs < 1)
        usage();
    run(opts);
    return 0;
}
