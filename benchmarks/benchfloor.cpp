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

// The least SSE parse that run-peers' checks need, over whole lines: a partial line waits in
// m_carry for the rest. The head is skipped up to its empty line.
class FloorReader
{
public:
    explicit FloorReader(bool ping) : m_ping(ping) { }

    // Parses received bytes; returns true once the N-th event (expect) is delivered.
    bool feed(const char *p, const char *end, qint64 expect)
    {
        while (p < end) {
            const char *const eol = static_cast<const char *>(std::memchr(p, '\n', end - p));
            if (!eol) {
                m_carry.append(p, end - p);
                return false;
            }
            bool done;
            if (m_carry.isEmpty()) {
                done = line(p, eol - p, expect);
            } else {
                m_carry.append(p, eol - p);
                done = line(m_carry.constData(), m_carry.size(), expect);
                m_carry.clear();
            }
            if (done)
                return true;
            p = eol + 1;
        }
        return false;
    }

    // The id of the last event delivered: ids come before the data in run-peers' events.
    const QByteArray &lastId() const { return m_id; }

    qint64 events = 0;
    qint64 dataBytes = 0;
    std::vector<double> lats;

private:
    bool line(const char *p, qsizetype n, qint64 expect)
    {
        if (n > 0 && p[n - 1] == '\r')
            --n; // the head's CRLF
        if (!m_inBody) {
            m_inBody = n == 0;
            return false;
        }
        if (n == 0) {
            if (!m_sawData)
                return false;
            if (m_ping)
                lats.push_back(QtSseBench::realtimeMs() - double(m_sentUs) / 1e3);
            m_sawData = false;
            return ++events == expect;
        }
        if (n >= 6 && std::memcmp(p, "data: ", 6) == 0) {
            m_sawData = true;
            dataBytes += n - 6;
            if (m_ping) {
                m_sentUs = 0;
                for (qsizetype i = 6; i < n && p[i] >= '0' && p[i] <= '9'; ++i)
                    m_sentUs = m_sentUs * 10 + unsigned(p[i] - '0');
            }
        } else if (n >= 4 && std::memcmp(p, "id: ", 4) == 0) {
            m_id.resize(0); // keeps its capacity
            m_id.append(p + 4, n - 4);
        }
        return false;
    }

    const bool m_ping;
    bool m_inBody = false;
    bool m_sawData = false;
    unsigned long long m_sentUs = 0;
    QByteArray m_id;
    QByteArray m_carry;
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
        return 1;
    }
    const QByteArray request = "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority)
            + " HTTP/1.1\r\nHost: " + url.host().toLatin1()
            + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
    if (::send(fd, request.constData(), size_t(request.size()), 0) != request.size())
        return 1;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

    FloorReader reader(ping);
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
    const QByteArray first = argc > 1 ? QByteArray(argv[1]) : QByteArray();
    if (first == "--serve")
        return QtSseBench::runServeMode(argc > 2 ? std::atoi(argv[2]) : 1, 600);
    if (first == "--quick")
        return QtSseBench::runClientChecks();
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
