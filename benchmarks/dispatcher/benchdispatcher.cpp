// SPDX-License-Identifier: MIT
// qtsse-bench-dispatcher: what one event costs a thread that watches many sockets, on Qt's
// event dispatchers and on QtSse's EpollEventDispatcher (issue 24).
//
//   qtsse-bench-dispatcher [--quick] [--idle N1,N2,...] [--messages M] [--seconds S]
//
// For each N (default 10, 1000, 5000; --quick: 10, 100), a fresh thread per dispatcher watches
// N idle sockets (read notifiers on both ends of N/2 socketpairs, never written to) and one
// socketpair whose two ends ping-pong one byte: each end's read notifier reads it and writes it
// back. After 100 warm-up round trips it runs M round trips (default 20,000; --quick: 300), or
// as many as fit in S seconds of wall time (default 3; --quick 1), and prints per round trip
// the wall time and, per event (two per round trip), the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID). The dispatchers: Qt's default for a QThread here (glib on Debian's
// Qt), Qt's own UNIX one (QT_NO_GLIB=1), and EpollEventDispatcher. Figures are printed, never
// asserted; the exit status is 0 unless a round trip went wrong.
#include "epolleventdispatcher_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qthread.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

enum class Dispatcher { QtDefault, QtUnix, Epoll };

struct Result
{
    QByteArray dispatcherName;
    qint64 roundTrips = 0;
    qint64 wallNs = 0;
    qint64 cpuNs = 0;
    bool ok = false;
};

qint64 threadCpuNs()
{
    timespec now = {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

bool socketPair(int fds[2])
{
    return ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0;
}

// The measurement, run in the thread under test by its event loop.
class PingPong : public QObject
{
public:
    PingPong(int idle, qint64 roundTrips, qint64 maxWallNs, Result *result)
        : m_idle(idle), m_roundTrips(roundTrips), m_maxWallNs(maxWallNs), m_result(result)
    {
    }
    ~PingPong() override
    {
        qDeleteAll(m_notifiers);
        for (const int fd : m_fds)
            ::close(fd);
    }

    void start()
    {
        m_result->dispatcherName = QAbstractEventDispatcher::instance()->metaObject()->className();
        int fds[2];
        for (int i = 0; i < (m_idle + 1) / 2; ++i) {
            if (!socketPair(fds))
                return fail("socketpair (raise the descriptor limit)");
            m_fds.push_back(fds[0]);
            m_fds.push_back(fds[1]);
            for (int end = 0; end < 2 && i * 2 + end < m_idle; ++end)
                m_notifiers.push_back(new QSocketNotifier(fds[end], QSocketNotifier::Read));
        }
        if (!socketPair(m_pair))
            return fail("socketpair");
        m_fds.push_back(m_pair[0]);
        m_fds.push_back(m_pair[1]);
        auto *ping = new QSocketNotifier(m_pair[0], QSocketNotifier::Read);
        auto *pong = new QSocketNotifier(m_pair[1], QSocketNotifier::Read);
        m_notifiers.push_back(ping);
        m_notifiers.push_back(pong);
        QObject::connect(pong, &QSocketNotifier::activated, this, [this] {
            if (!bounce(m_pair[1]))
                fail("pong");
        });
        QObject::connect(ping, &QSocketNotifier::activated, this, [this] { pinged(); });
        if (!send(m_pair[0]))
            fail("first ping");
    }

private:
    static bool send(int fd)
    {
        const char byte = 'x';
        return ::write(fd, &byte, 1) == 1;
    }
    static bool bounce(int fd)
    {
        char byte = 0;
        return ::read(fd, &byte, 1) == 1 && send(fd);
    }

    void pinged()
    {
        char byte = 0;
        if (::read(m_pair[0], &byte, 1) != 1)
            return fail("ping");
        ++m_count;
        if (m_count == WarmUp) {
            m_clock.start();
            m_cpuStart = threadCpuNs();
        } else if (m_count > WarmUp
                   && (m_count - WarmUp == m_roundTrips || m_clock.nsecsElapsed() >= m_maxWallNs)) {
            m_result->wallNs = m_clock.nsecsElapsed();
            m_result->cpuNs = threadCpuNs() - m_cpuStart;
            m_result->roundTrips = m_count - WarmUp;
            m_result->ok = true;
            QThread::currentThread()->quit();
            return;
        }
        if (!send(m_pair[0]))
            fail("ping write");
    }

    void fail(const char *what)
    {
        std::fprintf(stderr, "qtsse-bench-dispatcher: %s failed\n", what);
        m_result->ok = false;
        QThread::currentThread()->quit();
    }

    static constexpr qint64 WarmUp = 100;
    const int m_idle;
    const qint64 m_roundTrips;
    const qint64 m_maxWallNs;
    Result *const m_result;
    std::vector<int> m_fds;
    std::vector<QSocketNotifier *> m_notifiers;
    int m_pair[2] = { -1, -1 };
    qint64 m_count = 0;
    QElapsedTimer m_clock;
    qint64 m_cpuStart = 0;
};

Result measure(Dispatcher dispatcher, int idle, qint64 roundTrips, qint64 maxWallNs)
{
    Result result;
    // Qt reads QT_NO_GLIB when it makes a thread's dispatcher (QThread::start()).
    if (dispatcher == Dispatcher::QtUnix)
        qputenv("QT_NO_GLIB", "1");
    else
        qunsetenv("QT_NO_GLIB");
    QThread thread;
    if (dispatcher == Dispatcher::Epoll)
        thread.setEventDispatcher(new QtSse::EpollEventDispatcher);
    std::unique_ptr<PingPong> work;
    QObject::connect(
            &thread, &QThread::started, &thread,
            [&] {
                work = std::make_unique<PingPong>(idle, roundTrips, maxWallNs, &result);
                work->start();
            },
            Qt::DirectConnection);
    QObject::connect(
            &thread, &QThread::finished, &thread, [&] { work.reset(); }, Qt::DirectConnection);
    thread.start();
    thread.wait();
    qunsetenv("QT_NO_GLIB");
    return result;
}

QList<int> parseList(const QString &text)
{
    QList<int> list;
    const QStringList parts = text.split(u',', Qt::SkipEmptyParts);
    for (const QString &part : parts)
        list.append(part.toInt());
    return list;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const bool quick = args.contains(u"--quick"_s);
    QList<int> idleCounts = quick ? QList<int>{ 10, 100 } : QList<int>{ 10, 1000, 5000 };
    qint64 roundTrips = quick ? 300 : 20000;
    double seconds = quick ? 1 : 3;
    for (qsizetype i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == u"--idle"_s)
            idleCounts = parseList(args[i + 1]);
        else if (args[i] == u"--messages"_s)
            roundTrips = args[i + 1].toLongLong();
        else if (args[i] == u"--seconds"_s)
            seconds = args[i + 1].toDouble();
    }

    // Two descriptors per idle pair: raise the soft limit as far as allowed.
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }

    std::printf("qtsse-bench-dispatcher: one socketpair ping-ponging one byte, beside N idle "
                "watched sockets, in one thread\n"
                "Qt %s; at most %lld round trips or %.1f s per row\n\n",
                qVersion(), static_cast<long long>(roundTrips), seconds);
    std::printf("%8s  %-28s %12s %18s %16s\n", "idle N", "dispatcher", "round trips",
                "wall us/round trip", "CPU us/event");
    bool ok = true;
    for (const int idle : idleCounts) {
        for (const Dispatcher dispatcher :
             { Dispatcher::QtDefault, Dispatcher::QtUnix, Dispatcher::Epoll }) {
            const Result r = measure(dispatcher, idle, roundTrips, qint64(seconds * 1e9));
            if (!r.ok || r.roundTrips <= 0) {
                std::printf("%8d  %-28s failed\n", idle, r.dispatcherName.constData());
                ok = false;
                continue;
            }
            const double trips = double(r.roundTrips);
            std::printf("%8d  %-28s %12lld %18.2f %16.2f\n", idle, r.dispatcherName.constData(),
                        static_cast<long long>(r.roundTrips), double(r.wallNs) / trips / 1000.0,
                        double(r.cpuNs) / (2 * trips) / 1000.0);
            std::fflush(stdout);
        }
    }
    return ok ? 0 : 1;
}
