// SPDX-License-Identifier: MIT
// qtsse-bench-memory: what EventSource costs in memory.
//
//   qtsse-bench-memory [--quick] [--sources N] [--streams M] [--events E]
//
// Starts the benchmarks' own SSE server in a child process (so the server's memory never counts),
// then runs each measurement in a fresh child process of its own (so one measurement's freed
// heap cannot hide the next one's growth), and prints:
//   idle            N EventSources constructed with a URL, never opened: RSS and heap per source.
//   streams-own     M open streams, each source with its own QNetworkAccessManager (the default).
//   streams-shared  M open streams on one injected manager, each to a server port of its own.
//   streams-shared-1port
//                   open streams on one injected manager, all to one host:port: as many as the
//                   manager opens connections to it (with the first stream: six on Qt 6.4, 64
//                   on Qt 6.5+, where QtSse's stream requests raise QNAM's limit), at most M.
//   steady          one long stream of mixed sizes (16 B .. 1 MiB): RSS at intervals, to show it
//                   stays flat.
// Per open stream = (RSS with M+1 open streams - RSS with 1 open stream) / M.
// RSS is /proc/self/statm; heap is glibc's mallinfo2 (bytes in use). Exit status is 0 unless a
// stream failed to open or an event count is wrong: memory figures are printed, not asserted.
//
//   qtsse-bench-memory --phase NAME --ports P1,P2,... [options]    (internal: one measurement)
//   qtsse-bench-memory --serve PORTS                               (internal: the child server)
#include "benchcommon.h"

#include <QtSse/EventSource>
#include <QtSse/MessageEvent>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qprocess.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkproxy.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#if defined(__GLIBC__)
#  include <malloc.h>
#endif

using namespace Qt::StringLiterals;

namespace {

struct Options
{
    bool quick = false;
    int sources = 1000;
    int streams = 100;
    qint64 events = 1000000;
    QList<quint16> ports;
};

qint64 heapBytes()
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 info = mallinfo2();
    return qint64(info.uordblks) + qint64(info.hblkhd);
#else
    return -1;
#endif
}

double kib(qint64 bytes)
{
    return double(bytes) / 1024.0;
}

QUrl serverUrl(const Options &options, const QString &path, int portIndex = 0)
{
    return QUrl(u"http://127.0.0.1:%1%2"_s.arg(options.ports.value(portIndex)).arg(path));
}

// Runs the event loop until done() or timeoutMs; returns done().
template <typename Predicate>
bool waitFor(Predicate done, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done() && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return done();
}

void settle(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

int phaseIdle(const Options &options)
{
    const QUrl url = serverUrl(options, u"/idle"_s);
    { // warm-up: metatypes, translations and the like are loaded once
        std::vector<std::unique_ptr<QtSse::EventSource>> warm;
        for (int i = 0; i < 10; ++i)
            warm.push_back(std::make_unique<QtSse::EventSource>(url));
    }
    std::vector<std::unique_ptr<QtSse::EventSource>> sources;
    sources.reserve(size_t(options.sources));
    const qint64 rss0 = QtSseBench::residentBytes();
    const qint64 heap0 = heapBytes();
    for (int i = 0; i < options.sources; ++i)
        sources.push_back(std::make_unique<QtSse::EventSource>(url));
    const qint64 rss1 = QtSseBench::residentBytes();
    const qint64 heap1 = heapBytes();
    std::printf("idle                  %5d sources  RSS %+9.1f KiB = %7.2f KiB/source   heap "
                "%+9.1f KiB = %7.2f KiB/source   threads %d\n",
                options.sources, kib(rss1 - rss0), kib(rss1 - rss0) / options.sources,
                kib(heap1 - heap0), kib(heap1 - heap0) / options.sources,
                QtSseBench::threadCount());
    return 0;
}

enum class StreamMode { Own, Shared, SharedOnePort };

int phaseStreams(const Options &options, StreamMode mode, const char *label)
{
    std::unique_ptr<QNetworkAccessManager> manager;
    if (mode != StreamMode::Own) {
        manager = std::make_unique<QNetworkAccessManager>();
        manager->setProxy(QNetworkProxy::NoProxy);
    }
    // An injected manager carries every stream of its sources: to one host:port, as many as it
    // opens connections there; the others would wait.
    constexpr int OnePortConnections = QT_VERSION >= QT_VERSION_CHECK(6, 5, 0) ? 64 : 6;
    const int streams = mode == StreamMode::SharedOnePort
            ? std::min(options.streams, OnePortConnections - 1)
            : options.streams;
    int opened = 0;
    int errors = 0;
    std::vector<std::unique_ptr<QtSse::EventSource>> sources;
    auto add = [&](int index) {
        // One server port per stream, unless told to crowd one host:port.
        const int port = mode == StreamMode::Shared ? 1 + index : 0;
        auto source = std::make_unique<QtSse::EventSource>(serverUrl(options, u"/idle"_s, port));
        if (manager)
            source->setNetworkAccessManager(manager.get());
        QObject::connect(source.get(), &QtSse::EventSource::messageReceived, qApp,
                         [&opened](const QtSse::MessageEvent &) { ++opened; });
        QObject::connect(source.get(), &QtSse::EventSource::errorOccurred, qApp,
                         [&errors](QtSse::EventSource::Error) { ++errors; });
        source->open();
        sources.push_back(std::move(source));
    };
    // One stream first, so one-time costs (the manager, its thread, plugins) are not counted.
    add(-1);
    if (!waitFor([&] { return opened == 1; }, 30000)) {
        std::printf("%-21s FAILED: the first stream did not open (errors %d)\n", label, errors);
        return 1;
    }
    settle(200);
    const qint64 rss0 = QtSseBench::residentBytes();
    const qint64 heap0 = heapBytes();
    const int threads0 = QtSseBench::threadCount();
    for (int i = 0; i < streams; ++i)
        add(i);
    const bool ok = waitFor([&] { return opened == streams + 1; }, 60000);
    settle(300);
    const qint64 rss1 = QtSseBench::residentBytes();
    const qint64 heap1 = heapBytes();
    const int threads1 = QtSseBench::threadCount();
    std::printf("%-21s %5d streams  RSS %+9.1f KiB = %7.2f KiB/stream   heap %+9.1f KiB = "
                "%7.2f KiB/stream   threads %d -> %d%s\n",
                label, streams, kib(rss1 - rss0), kib(rss1 - rss0) / streams, kib(heap1 - heap0),
                kib(heap1 - heap0) / streams, threads0, threads1,
                ok ? "" : "   FAILED: not all streams opened");
    if (!ok)
        std::printf("%-21s only %d of %d streams opened, %d errors\n", label, opened - 1, streams,
                    errors);
    for (auto &source : sources)
        source->close();
    sources.clear();
    settle(200);
    return ok ? 0 : 1;
}

int phaseSteady(const Options &options)
{
    const qint64 n = options.events;
    const qint64 every = std::max<qint64>(1, n / 10);
    QtSse::EventSource source(serverUrl(options, u"/stream?vary=1&n=%1"_s.arg(n)));
    qint64 events = 0;
    qint64 dataBytes = 0;
    bool failed = false;
    std::vector<qint64> samples;
    QElapsedTimer timer;
    std::printf(
            "steady                one stream of %lld events (16 B / 1 KiB, every 100th 64 KiB, "
            "every 1000th 1 MiB)\n",
            static_cast<long long>(n));
    std::printf("steady                %10s %10s %12s %10s\n", "events", "MB data", "RSS KiB",
                "heap KiB");
    QObject::connect(&source, &QtSse::EventSource::messageReceived, qApp,
                     [&](const QtSse::MessageEvent &event) {
                         ++events;
                         dataBytes += event.data().size();
                         if (events % every == 0 || events == n) {
                             const qint64 rss = QtSseBench::residentBytes();
                             samples.push_back(rss);
                             std::printf("steady                %10lld %10.1f %12.0f %10.0f\n",
                                         static_cast<long long>(events), double(dataBytes) / 1e6,
                                         kib(rss), kib(heapBytes()));
                             std::fflush(stdout);
                         }
                         if (events == n)
                             source.close();
                     });
    QObject::connect(&source, &QtSse::EventSource::errorOccurred, qApp,
                     [&](QtSse::EventSource::Error error) {
                         if (events < n) {
                             std::printf("steady                FAILED: error %d after %lld "
                                         "events\n",
                                         int(error), static_cast<long long>(events));
                             failed = true;
                             source.close();
                         }
                     });
    timer.start();
    source.open();
    waitFor([&] { return failed || events == n; }, options.quick ? 60000 : 600000);
    if (events != n || failed) {
        std::printf("steady                FAILED: %lld of %lld events\n",
                    static_cast<long long>(events), static_cast<long long>(n));
        return 1;
    }
    // Growth after the first interval (warm-up) to the end.
    const qint64 growth = samples.size() > 1 ? samples.back() - samples.front() : 0;
    qint64 peak = 0;
    for (qint64 s : samples)
        peak = std::max(peak, s);
    std::printf("steady                %.1f s, RSS first sample %.0f KiB, last %.0f KiB, growth "
                "%+.0f KiB, peak %.0f KiB\n",
                double(timer.elapsed()) / 1000.0, kib(samples.front()), kib(samples.back()),
                kib(growth), kib(peak));
    return 0;
}

int runPhase(const QByteArray &phase, const Options &options)
{
    if (phase == "idle")
        return phaseIdle(options);
    if (phase == "streams-own")
        return phaseStreams(options, StreamMode::Own, "streams-own");
    if (phase == "streams-shared")
        return phaseStreams(options, StreamMode::Shared, "streams-shared");
    if (phase == "streams-shared-1port")
        return phaseStreams(options, StreamMode::SharedOnePort, "streams-shared-1port");
    if (phase == "steady")
        return phaseSteady(options);
    std::fprintf(stderr, "unknown phase %s\n", phase.constData());
    return 2;
}

int usage()
{
    std::fprintf(stderr,
                 "usage: qtsse-bench-memory [--quick] [--sources N] [--streams M] "
                 "[--events E]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Options options;
    QByteArray phase;
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        const bool hasValue = i + 1 < argc;
        if (a == "--serve") {
            return QtSseBench::runServeMode(hasValue ? std::atoi(argv[i + 1]) : 1, 1800);
        } else if (a == "--quick") {
            options.quick = true;
        } else if (a == "--sources" && hasValue) {
            options.sources = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--streams" && hasValue) {
            options.streams = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--events" && hasValue) {
            options.events = std::max(1LL, std::atoll(argv[++i]));
        } else if (a == "--phase" && hasValue) {
            phase = argv[++i];
        } else if (a == "--ports" && hasValue) {
            for (const QByteArray &p : QByteArray(argv[++i]).split(','))
                options.ports.append(quint16(p.toUInt()));
        } else {
            return usage();
        }
    }
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    if (!phase.isEmpty())
        return runPhase(phase, options);

    if (options.quick) {
        options.sources = 100;
        options.streams = 10;
        options.events = 20000;
    }
    QtSseBench::ChildServer server;
    const int portCount = 1 + options.streams;
    if (!server.start(portCount)) {
        std::fprintf(stderr, "could not start the bench server\n");
        return 1;
    }
    QStringList ports;
    for (quint16 port : server.ports())
        ports.append(QString::number(port));
    std::printf("qtsse-bench-memory: Qt %s%s; RSS at start %.0f KiB\n", qVersion(),
                options.quick ? " (--quick)" : "", kib(QtSseBench::residentBytes()));
    std::fflush(stdout);
    int failures = 0;
    const char *phases[] = { "idle", "streams-own", "streams-shared", "streams-shared-1port",
                             "steady" };
    for (const char *name : phases) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        child.start(QCoreApplication::applicationFilePath(),
                    { u"--phase"_s, QString::fromLatin1(name), u"--ports"_s, ports.join(u','),
                      u"--sources"_s, QString::number(options.sources), u"--streams"_s,
                      QString::number(options.streams), u"--events"_s,
                      QString::number(options.events) });
        if (!child.waitForFinished(900000)) {
            child.kill();
            child.waitForFinished();
        }
        if (child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0) {
            std::printf("%s: FAILED (exit %d)\n", name, child.exitCode());
            ++failures;
        }
        std::fflush(stdout);
    }
    return failures ? 1 : 0;
}
