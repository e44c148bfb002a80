// SPDX-License-Identifier: MIT
// qtsse-bench-parser: throughput of QtSse::EventStreamParser on one core, no network.
//
//   qtsse-bench-parser [--quick] [--reps N] [--case NAME]...
//
// Each case builds one in-memory body, then feeds it to a fresh parser in fixed-size chunks
// (as a socket would deliver it) several times; the median run is reported. The handler
// counts events and sums data lengths, so the figures include building each MessageEvent and
// the full UTF-8 decode into QString, which is what EventSource does per event.
// MB/s = input bytes / secs / 1e6. Exit status is 0 unless an event count or data sum is wrong:
// the timings are printed, never asserted.
#include <QtSse/EventStreamParser>
#include <QtSse/MessageEvent>

#include <QtCore/qbytearray.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qstring.h>
#include <QtCore/qstringlist.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

class CountingHandler final : public QtSse::EventStreamParser::Handler
{
public:
    bool handleEvent(const QtSse::MessageEvent &event) override
    {
        ++events;
        dataUnits += event.data().size();
        return true;
    }

    qint64 events = 0;
    qint64 dataUnits = 0; // UTF-16 code units of data (== bytes for ASCII)
};

struct Case
{
    const char *name;
    const char *what;
    QByteArray body;
    qint64 events = 0;
    qint64 dataUnits = 0;
    qsizetype chunk = 64 * 1024;
    int repeat = 1; // the body is fed this many times per run (for huge events built once)
};

// Printable ASCII payload of n bytes with no CR, LF or colon issues.
QByteArray payload(qsizetype n, int seed = 0)
{
    QByteArray p(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        p[i] = char('!' + (qsizetype(seed) + i) % 90); // '!'..'z': no CR/LF
    return p;
}

// Two-byte UTF-8 payload ("é" repeated) of n bytes (n even): n/2 UTF-16 units.
QByteArray payloadUtf8(qsizetype n)
{
    QByteArray p;
    p.reserve(n);
    while (p.size() + 2 <= n)
        p.append("\xC3\xA9", 2);
    return p;
}

// count events of `size`-byte data; lineEnd "\n" or "\r\n"; withId adds "id: <i>" lines as
// the peer benchmark's server sends them; linesPerEvent splits the data over several lines.
Case makeCase(const char *name, const char *what, qint64 count, qsizetype size, const char *lineEnd,
              bool withId, int linesPerEvent = 1, bool utf8 = false)
{
    Case c;
    c.name = name;
    c.what = what;
    const QByteArray eol(lineEnd);
    QByteArray line;
    qsizetype lineLength = size / linesPerEvent;
    std::vector<QByteArray> lines;
    qsizetype units = 0;
    for (int l = 0; l < linesPerEvent; ++l) {
        const qsizetype n =
                l == linesPerEvent - 1 ? size - lineLength * (linesPerEvent - 1) : lineLength;
        const QByteArray p = utf8 ? payloadUtf8(n) : payload(n, l);
        units += utf8 ? p.size() / 2 : p.size();
        lines.push_back("data: " + p + eol);
    }
    units += linesPerEvent - 1; // the LFs joining data lines
    qsizetype perEvent = 0;
    for (const QByteArray &l : lines)
        perEvent += l.size();
    c.body.reserve(count * (perEvent + eol.size() + (withId ? 16 : 0)));
    for (qint64 i = 1; i <= count; ++i) {
        if (withId)
            c.body.append("id: ").append(QByteArray::number(i)).append(eol);
        for (const QByteArray &l : lines)
            c.body.append(l);
        c.body.append(eol);
    }
    c.events = count;
    c.dataUnits = count * units;
    return c;
}

struct Run
{
    double secs = 0;
    qint64 events = 0;
    qint64 dataUnits = 0;
    QtSse::EventStreamParser::Status status = QtSse::EventStreamParser::Status::Ok;
};

// Not inlined, so profilers can collect just this: valgrind --toggle-collect='*runOnce*'
Q_NEVER_INLINE Run runOnce(const Case &c)
{
    CountingHandler handler;
    QtSse::EventStreamParser parser(&handler);
    QElapsedTimer timer;
    timer.start();
    for (int r = 0; r < c.repeat; ++r) {
        parser.startBody();
        const char *p = c.body.constData();
        const char *const end = p + c.body.size();
        while (p < end) {
            const qsizetype n = std::min<qsizetype>(c.chunk, end - p);
            const auto status = parser.feed(QByteArrayView(p, n));
            if (status != QtSse::EventStreamParser::Status::Ok)
                return Run{ 0, handler.events, handler.dataUnits, status };
            p += n;
        }
        parser.finishBody();
    }
    Run run;
    run.secs = double(timer.nsecsElapsed()) / 1e9;
    run.events = handler.events;
    run.dataUnits = handler.dataUnits;
    return run;
}

QString human(double v)
{
    if (v >= 1e9)
        return QString::number(v / 1e9, 'f', 2) + u" G"_s;
    if (v >= 1e6)
        return QString::number(v / 1e6, 'f', 2) + u" M"_s;
    if (v >= 1e3)
        return QString::number(v / 1e3, 'f', 1) + u" k"_s;
    return QString::number(v, 'f', 0) + u" "_s;
}

void usage()
{
    std::fprintf(stderr,
                 "usage: qtsse-bench-parser [--quick] [--reps N] [--case NAME]... [--list]\n");
}

} // namespace

int main(int argc, char **argv)
{
    bool quick = false;
    bool list = false;
    int reps = 7;
    QStringList only;
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--quick") {
            quick = true;
        } else if (a == "--list") {
            list = true;
        } else if (a == "--reps" && i + 1 < argc) {
            reps = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--case" && i + 1 < argc) {
            only.append(QString::fromLocal8Bit(argv[++i]));
        } else {
            usage();
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    if (quick)
        reps = 1;
    // Full size: each case is 40..100 MB of input so a run lasts tens of milliseconds or more.
    const qint64 k = quick ? 1 : 1000;

    std::vector<Case> cases;
    auto want = [&](const char *name) {
        return only.isEmpty() || only.contains(QString::fromLatin1(name));
    };
    if (want("16B") || list)
        cases.push_back(makeCase("16B", "16 B data, LF, no id", 4000 * k, 16, "\n", false));
    if (want("16B-id") || list)
        cases.push_back(makeCase("16B-id", "16 B data + id (peer-bench wire format), LF", 3000 * k,
                                 16, "\n", true));
    if (want("1KiB") || list)
        cases.push_back(makeCase("1KiB", "1 KiB data + id, LF", 80 * k, 1024, "\n", true));
    if (want("1KiB-crlf") || list)
        cases.push_back(makeCase("1KiB-crlf", "1 KiB data + id, CRLF", 80 * k, 1024, "\r\n", true));
    if (want("1KiB-multiline") || list)
        cases.push_back(makeCase("1KiB-multiline", "1 KiB data as 16 lines of 64 B + id, LF",
                                 80 * k, 1024, "\n", true, 16));
    if (want("1KiB-utf8") || list)
        cases.push_back(makeCase("1KiB-utf8", "1 KiB data of 2-byte UTF-8 (U+00E9) + id, LF",
                                 80 * k, 1024, "\n", true, 1, true));
    if (want("256KiB") || list)
        cases.push_back(makeCase("256KiB", "256 KiB data + id, LF", quick ? 2 : 320, 256 * 1024,
                                 "\n", true));
    if (want("10MiB-2KiB-chunks") || list) {
        Case c = makeCase("10MiB-2KiB-chunks", "10 MiB data in one line + id, fed in 2 KiB chunks",
                          1, quick ? 64 * 1024 : 10 * 1024 * 1024, "\n", true);
        c.chunk = 2 * 1024;
        c.repeat = quick ? 1 : 8;
        c.events *= c.repeat;
        c.dataUnits *= c.repeat;
        cases.push_back(std::move(c));
    }
    if (want("10MiB-multiline-2KiB-chunks") || list) {
        Case c = makeCase("10MiB-multiline-2KiB-chunks",
                          "10 MiB data as 10240 lines of 1 KiB, fed in 2 KiB chunks", 1,
                          quick ? 64 * 1024 : 10 * 1024 * 1024, "\n", true, quick ? 64 : 10240);
        c.chunk = 2 * 1024;
        c.repeat = quick ? 1 : 8;
        c.events *= c.repeat;
        c.dataUnits *= c.repeat;
        cases.push_back(std::move(c));
    }
    if (list) {
        for (const Case &c : cases)
            std::printf("%-28s %s\n", c.name, c.what);
        return 0;
    }
    if (cases.empty()) {
        std::fprintf(stderr, "no such case\n");
        return 2;
    }

    std::printf("qtsse-bench-parser: Qt %s, %d repetition(s) per case, median shown%s\n",
                qVersion(), reps, quick ? " (--quick: tiny inputs)" : "");
    std::printf("%-28s %7s %8s %9s %10s %12s %11s\n", "case", "chunk", "MB in", "events", "secs",
                "MB/s", "events/s");
    int failures = 0;
    for (const Case &c : cases) {
        std::vector<double> secs;
        bool ok = true;
        for (int r = 0; r < reps; ++r) {
            const Run run = runOnce(c);
            if (run.status != QtSse::EventStreamParser::Status::Ok || run.events != c.events
                || run.dataUnits != c.dataUnits) {
                std::fprintf(stderr,
                             "%s: WRONG RESULT status=%d events=%lld (want %lld) data=%lld "
                             "(want %lld)\n",
                             c.name, int(run.status), static_cast<long long>(run.events),
                             static_cast<long long>(c.events),
                             static_cast<long long>(run.dataUnits),
                             static_cast<long long>(c.dataUnits));
                ok = false;
                break;
            }
            secs.push_back(run.secs);
        }
        if (!ok) {
            ++failures;
            continue;
        }
        std::sort(secs.begin(), secs.end());
        const double med = secs[(secs.size() - 1) / 2];
        const double bytes = double(c.body.size()) * c.repeat;
        const double mbs = med > 0 ? bytes / med / 1e6 : 0;
        const double eps = med > 0 ? double(c.events) / med : 0;
        std::printf("%-28s %7lld %8.1f %9lld %10.5f %12.1f %11s\n", c.name,
                    static_cast<long long>(c.chunk), bytes / 1e6, static_cast<long long>(c.events),
                    med, mbs, qPrintable(human(eps)));
    }
    std::fflush(stdout);
    return failures ? 1 : 0;
}
