// SPDX-License-Identifier: MIT
// qtsse-bench-floor: the floor of any client that delivers events in a Qt thread, for the peer
// benchmark (shared/bench/run-peers.sh, a client given by its path). No QtSse and no Qt network
// class: a blocking connect(), the request, then a QSocketNotifier in the application's event
// loop, recv() of up to 64 KiB when it fires, and the least parse that counts run-peers' events
// (LF line ends, the "id" and "data" fields; the event type is not looked at). What QtSse adds
// to a workload is the difference from this client; what is left of the distance to c-count
// (a blocking recv() loop) is the event loop's, which any Qt client pays.
//
//   qtsse-bench-floor URL N tput|ping [EVENT] [TIMEOUT_S]    (URL: http://127.0.0.1:PORT/...)
//       the RESULT line of run-peers.sh, as qtsse-bench-client prints it
//   qtsse-bench-floor --quick
//       a smoke run for ctest against the benchmarks' own server; verifies counts, never timings
//   qtsse-bench-floor --serve PORTS      (internal: the child server of --quick)
#include "benchcommon.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qtimer.h>
#include <QtCore/qurl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

int usage()
{
    std::fprintf(stderr,
                 "usage: qtsse-bench-floor http://127.0.0.1:PORT/PATH N tput|ping [EVENT] "
                 "[TIMEOUT_S]\n"
                 "       qtsse-bench-floor --quick\n");
    return 2;
}

// The least SSE parse that run-peers' checks need. A line is classified by its first bytes
// (at most six wait in m_prefix when a read ends before them); the rest of a data line is
// counted where it lies, never copied, so a 256 KiB value costs what it costs c-count. The
// head is skipped up to its empty line.
class FloorReader
{
public:
    explicit FloorReader(bool ping) : m_ping(ping) { }

    // Parses received bytes; returns true once the N-th event (expect) is delivered.
    bool feed(const char *p, const char *const end, qint64 expect)
    {
        while (p < end) {
            if (m_kind == Kind::Start && m_prefix.isEmpty()) {
                // One search for the line's end; its first bytes say what it is.
                const char *const eol = static_cast<const char *>(std::memchr(p, '\n', end - p));
                const char *const stop = eol ? eol : end;
                if (eol || stop - p >= PrefixLength) {
                    take(p + classify(p, std::min<qsizetype>(stop - p, PrefixLength)), stop);
                    if (!eol)
                        return false; // the rest of the line comes in the next read
                    p = eol + 1;
                    if (endLine(expect))
                        return true;
                    continue;
                }
            }
            if (m_kind == Kind::Start) {
                // A read ended within the line's first bytes: they are gathered in m_prefix.
                const qsizetype want = PrefixLength - m_prefix.size();
                const char *const eol = static_cast<const char *>(
                        std::memchr(p, '\n', std::min<qsizetype>(end - p, want)));
                const char *const stop = eol ? eol : p + std::min<qsizetype>(end - p, want);
                m_prefix.append(p, stop - p);
                if (!eol && m_prefix.size() < PrefixLength)
                    return false; // the next read has more of them
                const char *const prefix = m_prefix.constData();
                take(prefix + classify(prefix, m_prefix.size()), prefix + m_prefix.size());
                m_prefix.resize(0);
                p = stop;
                if (eol) {
                    ++p;
                    if (endLine(expect))
                        return true;
                }
                continue;
            }
            const char *const eol = static_cast<const char *>(std::memchr(p, '\n', end - p));
            const char *const stop = eol ? eol : end;
            take(p, stop);
            if (!eol)
                return false;
            p = eol + 1;
            if (endLine(expect))
                return true;
        }
        return false;
    }

    // The id of the last event delivered: ids come before the data in run-peers' events.
    const QByteArray &lastId() const { return m_id; }

    qint64 events = 0;
    qint64 dataBytes = 0;
    std::vector<double> lats;

private:
    enum class Kind { Start, Data, Id, Other };
    static constexpr qsizetype PrefixLength = 6; // "data: "

    // What a line whose first n bytes are at p is; returns where its value starts among them
    // (n when it has none to take).
    qsizetype classify(const char *p, qsizetype n)
    {
        if (n >= 6 && std::memcmp(p, "data: ", 6) == 0 && m_inBody) {
            m_kind = Kind::Data;
            m_sawData = true;
            m_sentUs = 0;
            return 6;
        }
        if (n >= 4 && std::memcmp(p, "id: ", 4) == 0 && m_inBody) {
            m_kind = Kind::Id;
            m_id.resize(0); // keeps its capacity
            return 4;
        }
        m_kind = Kind::Other;
        if (!m_inBody) {
            m_inBody = n == 0 || (n == 1 && p[0] == '\r'); // the head's empty line
        } else if (n == 0 && m_sawData) {
            m_kind = Kind::Start;
            m_dispatch = true; // an empty line ends an event that has data
        }
        return n;
    }

    void take(const char *p, const char *end)
    {
        if (m_kind == Kind::Data) {
            dataBytes += end - p;
            for (; m_ping && p < end && *p >= '0' && *p <= '9'; ++p)
                m_sentUs = m_sentUs * 10 + unsigned(*p - '0');
        } else if (m_kind == Kind::Id) {
            m_id.append(p, end - p);
        }
    }

    // At a line end: true if it ended the N-th event.
    bool endLine(qint64 expect)
    {
        m_kind = Kind::Start;
        if (!m_dispatch)
            return false;
        m_dispatch = false;
        m_sawData = false;
        if (m_ping)
            lats.push_back(QtSseBench::realtimeMs() - double(m_sentUs) / 1e3);
        return ++events == expect;
    }

    const bool m_ping;
    bool m_inBody = false;
    bool m_sawData = false;
    bool m_dispatch = false;
    Kind m_kind = Kind::Start;
    unsigned long long m_sentUs = 0;
    QByteArray m_id;
    QByteArray m_prefix;
};

int runWorkload(const QUrl &url, qint64 expect, bool ping, int timeoutSec)
{
    QElapsedTimer timer;
    timer.start();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(quint16(url.port(80)));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::inet_pton(AF_INET, url.host().toLatin1().constData(), &address.sin_addr) != 1
        || ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        std::fprintf(stderr, "cannot connect to %s\n", qPrintable(url.toString()));
        if (fd >= 0)
            ::close(fd);
        return 1;
    }
    const QByteArray request = "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority)
            + " HTTP/1.1\r\nHost: " + url.host().toLatin1()
            + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
    if (::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL) != request.size()) {
        std::fprintf(stderr, "cannot send the request to %s\n", qPrintable(url.toString()));
        ::close(fd);
        return 1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

    FloorReader reader(ping);
    if (ping)
        reader.lats.reserve(size_t(expect)); // as qtsse-bench-client: no growth while measuring
    std::vector<char> buffer(64 * 1024);
    int rc = 1;
    bool done = false;
    const auto finish = [&](const char *error) {
        if (done)
            return;
        done = true;
        const double secs = double(timer.nsecsElapsed()) / 1e9;
        rc = QtSseBench::printResult("qt-floor", reader.events, reader.dataBytes, secs,
                                     reader.lastId(), reader.lats, error);
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    };
    QSocketNotifier notifier(qintptr(fd), QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, qApp, [&] {
        for (;;) {
            const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
            if (got > 0) {
                if (reader.feed(buffer.data(), buffer.data() + got, expect)) {
                    notifier.setEnabled(false);
                    finish(nullptr);
                    return;
                }
                if (size_t(got) < buffer.size())
                    return; // the kernel had no more: the notifier says when it has
                continue;
            }
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            notifier.setEnabled(false);
            const QByteArray name = "closed_after_" + QByteArray::number(reader.events);
            finish(name.constData());
            return;
        }
    });
    QTimer::singleShot(timeoutSec * 1000, qApp, [&] {
        notifier.setEnabled(false);
        finish("timeout");
    });
    QCoreApplication::exec();
    ::close(fd);
    return rc;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (int exitCode; QtSseBench::runClientMode(argc, argv, &exitCode))
        return exitCode;
    if (argc < 4)
        return usage();
    const QUrl url(QString::fromLocal8Bit(argv[1]));
    const qint64 expect = QByteArray(argv[2]).toLongLong();
    const QByteArray mode(argv[3]);
    const int timeoutSec = argc > 5 ? std::max(1, std::atoi(argv[5])) : 120;
    if (!url.isValid() || url.scheme() != QLatin1String("http") || expect <= 0
        || (mode != "tput" && mode != "ping"))
        return usage();
    return runWorkload(url, expect, mode == "ping", timeoutSec);
}
