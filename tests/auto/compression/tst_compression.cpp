// SPDX-License-Identifier: MIT
// Compressed event streams (Content-Encoding gzip and deflate; br and zstd where the build decodes
// them): parsed as they arrive (C-13, P-31 in docs/conformance.md), and a corrupt or cut-short
// body is a network error that reconnects (C-15; the Qt trap in section Q). In-process servers
// compress with zlib, libbrotlienc or libzstd as they send, a batch at a time, so a 100 MB stream
// never exists in memory. Each test asserts what must hold on a loaded
// machine: every event once, in order; memory bounded with a wide margin; a corrupt or cut-short
// body reported in words and reconnected from Last-Event-ID. Nothing is timed.
#include "contentcodings.h"
#include "processstats.h"
#include "scriptedstreams.h"
#include "ssetestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qpointer.h>
#include <QtCore/qtimer.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <zlib.h>
#ifdef QTSSE_TEST_BROTLI
#  include <brotli/encode.h>
#endif
#ifdef QTSSE_TEST_ZSTD
#  include <zstd.h>
#endif

#include <cstring>
#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace QtSseTest;
using QtSse::EventSource;
using QtSse::MessageEvent;

namespace {

// RSS growth allowed while a stream of a huge ratio or an endless compressed line is read: the
// client's own bounds (1 MiB read buffer, 64 KiB pieces, the event size cap) are far below it,
// and the decompressed body (256 MiB) far above.
constexpr qint64 RssGrowthLimit = 64 * MiB;

enum class Format { Gzip, Zlib, RawDeflate, Brotli, Zstd };

QByteArray encodingName(Format format)
{
    switch (format) {
    case Format::Gzip:
        return QByteArrayLiteral("gzip");
    case Format::Brotli:
        return QByteArrayLiteral("br");
    case Format::Zstd:
        return QByteArrayLiteral("zstd");
    default:
        return QByteArrayLiteral("deflate");
    }
}

// A compressor in the format a server sends: zlib's deflate, libbrotlienc's or libzstd's
// streaming encoder.
class Compressor
{
public:
    explicit Compressor(Format format, int level = Z_BEST_COMPRESSION) : m_format(format)
    {
        std::memset(&m_z, 0, sizeof m_z);
#ifdef QTSSE_TEST_BROTLI
        if (format == Format::Brotli) {
            // Quality 9 of 11: a ratio like gzip -9's on these streams, at a speed that lets the
            // server keep up.
            m_brotli = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
            BrotliEncoderSetParameter(m_brotli, BROTLI_PARAM_QUALITY, 9);
            BrotliEncoderSetParameter(m_brotli, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
            return;
        }
#endif
#ifdef QTSSE_TEST_ZSTD
        if (format == Format::Zstd) {
            m_zstd = ZSTD_createCCtx();
            ZSTD_CCtx_setParameter(m_zstd, ZSTD_c_compressionLevel, level);
            ZSTD_CCtx_setParameter(m_zstd, ZSTD_c_checksumFlag, 1);
            return;
        }
#endif
        const int bits = format == Format::Gzip ? MAX_WBITS + 16
                : format == Format::Zlib        ? MAX_WBITS
                                                : -MAX_WBITS;
        const int ret = deflateInit2(&m_z, level, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY);
        Q_ASSERT(ret == Z_OK);
        Q_UNUSED(ret);
    }
    ~Compressor()
    {
#ifdef QTSSE_TEST_BROTLI
        if (m_brotli)
            BrotliEncoderDestroyInstance(m_brotli);
#endif
#ifdef QTSSE_TEST_ZSTD
        ZSTD_freeCCtx(m_zstd);
#endif
        if (m_format != Format::Brotli && m_format != Format::Zstd)
            deflateEnd(&m_z);
    }
    Compressor(const Compressor &) = delete;
    Compressor &operator=(const Compressor &) = delete;

    // Compresses `plain`; `flush` is Z_NO_FLUSH or Z_SYNC_FLUSH (all output out, member, brotli
    // stream or zstd frame open).
    QByteArray compress(QByteArrayView plain, int flush)
    {
#ifdef QTSSE_TEST_BROTLI
        if (m_brotli)
            return compressBrotli(plain, flush);
#endif
#ifdef QTSSE_TEST_ZSTD
        if (m_zstd)
            return compressZstd(plain, flush);
#endif
        QByteArray out;
        m_z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(plain.data()));
        m_z.avail_in = uInt(plain.size());
        char buffer[64 * 1024];
        for (;;) {
            m_z.next_out = reinterpret_cast<Bytef *>(buffer);
            m_z.avail_out = sizeof buffer;
            const int ret = deflate(&m_z, flush);
            out.append(buffer, qsizetype(sizeof buffer - m_z.avail_out));
            if (ret == Z_STREAM_END || (m_z.avail_in == 0 && m_z.avail_out != 0))
                break;
        }
        return out;
    }

private:
#ifdef QTSSE_TEST_BROTLI
    QByteArray compressBrotli(QByteArrayView plain, int flush)
    {
        QByteArray out;
        size_t availIn = size_t(plain.size());
        auto nextIn = reinterpret_cast<const uint8_t *>(plain.data());
        const BrotliEncoderOperation op =
                flush == Z_SYNC_FLUSH ? BROTLI_OPERATION_FLUSH : BROTLI_OPERATION_PROCESS;
        uint8_t buffer[64 * 1024];
        do {
            size_t availOut = sizeof buffer;
            uint8_t *nextOut = buffer;
            if (!BrotliEncoderCompressStream(m_brotli, op, &availIn, &nextIn, &availOut, &nextOut,
                                             nullptr))
                break;
            out.append(reinterpret_cast<const char *>(buffer), qsizetype(sizeof buffer - availOut));
        } while (availIn > 0 || BrotliEncoderHasMoreOutput(m_brotli));
        return out;
    }
    BrotliEncoderState *m_brotli = nullptr;
#endif
#ifdef QTSSE_TEST_ZSTD
    QByteArray compressZstd(QByteArrayView plain, int flush)
    {
        QByteArray out;
        ZSTD_inBuffer in = { plain.data(), size_t(plain.size()), 0 };
        const ZSTD_EndDirective mode = flush == Z_SYNC_FLUSH ? ZSTD_e_flush : ZSTD_e_continue;
        char buffer[64 * 1024];
        for (;;) {
            ZSTD_outBuffer output = { buffer, sizeof buffer, 0 };
            const size_t left = ZSTD_compressStream2(m_zstd, &output, &in, mode);
            out.append(buffer, qsizetype(output.pos));
            if (ZSTD_isError(left) || (mode == ZSTD_e_flush ? left == 0 : in.pos == in.size))
                break;
        }
        return out;
    }
    ZSTD_CCtx *m_zstd = nullptr;
#endif
    Format m_format;
    z_stream m_z;
};

// Bytes before and after compression, of every response that counts into it.
struct WireStats
{
    qint64 plainBytes = 0;
    qint64 wireBytes = 0;
    double ratio() const { return double(plainBytes) / double(wireBytes); }
};

// One compressed response, written as the socket drains: events first..last, each event's
// bytes from makeEvent(n). Batches of about 64 KiB are compressed as they are needed; with
// `flushEvery` > 0 the stream is flushed (Z_SYNC_FLUSH) after every flushEvery events and waits
// for resume() (the client got them) before the next batch. After the last event the stream is
// flushed and stays open.
class CompressedResponse : public QObject
{
public:
    CompressedResponse(QTcpSocket *socket, Format format, std::function<QByteArray(qint64)> event,
                       qint64 first, qint64 last, qint64 flushEvery = 0, WireStats *stats = nullptr)
        : QObject(socket),
          compressor(format),
          m_socket(socket),
          m_event(std::move(event)),
          m_next(first),
          m_last(last),
          m_flushEvery(flushEvery),
          m_stats(stats)
    {
        SseTestServer::writeStreamHead(socket,
                                       "Content-Encoding: " + encodingName(format) + "\r\n");
        connect(socket, &QIODevice::bytesWritten, this, &CompressedResponse::pump);
        QTimer::singleShot(0, this, &CompressedResponse::pump);
    }
    void resume()
    {
        m_waiting = false;
        pump();
    }
    void pump()
    {
        // Never much in the socket's buffer, and never more than 4 MiB compressed in one go:
        // the client shares this thread.
        qint64 plainThisTime = 0;
        while (m_socket && !m_waiting && m_next <= m_last && m_socket->bytesToWrite() < 256 * 1024
               && plainThisTime < 4 * MiB) {
            QByteArray batch;
            bool flush = false;
            while (m_next <= m_last && batch.size() < 64 * 1024 && !flush) {
                batch += m_event(m_next);
                flush = m_flushEvery > 0 && m_next % m_flushEvery == 0;
                ++m_next;
            }
            const bool done = m_next > m_last;
            const int mode = done || flush ? Z_SYNC_FLUSH : Z_NO_FLUSH;
            const QByteArray wire = compressor.compress(batch, mode);
            m_socket->write(wire);
            plainThisTime += batch.size();
            if (m_stats) {
                m_stats->plainBytes += batch.size();
                m_stats->wireBytes += wire.size();
            }
            if (flush && !done)
                m_waiting = true;
        }
        if (m_socket && !m_waiting && m_next <= m_last && m_socket->bytesToWrite() < 256 * 1024)
            QTimer::singleShot(0, this, &CompressedResponse::pump); // the 4 MiB were spent
    }

    Compressor compressor;

private:
    QPointer<QTcpSocket> m_socket;
    std::function<QByteArray(qint64)> m_event;
    qint64 m_next;
    qint64 m_last;
    qint64 m_flushEvery;
    WireStats *m_stats;
    bool m_waiting = false;
};

// Samples the process's RSS until destroyed; peak() is the highest seen.
class RssSampler
{
public:
    RssSampler() : m_base(residentBytes()), m_peak(m_base)
    {
        m_timer.setInterval(20);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { sample(); });
        m_timer.start();
    }
    void sample() { m_peak = qMax(m_peak, residentBytes()); }
    qint64 growth()
    {
        sample();
        return m_peak - m_base;
    }

private:
    QTimer m_timer;
    qint64 m_base;
    qint64 m_peak;
};

// Counts events n = 1, 2, ... by id and data against `expectedData`.
struct IdChecker
{
    qint64 expected = 1;
    qint64 wrong = 0; // out of order, duplicated, or with other data
    QString firstWrong;
    void check(const MessageEvent &event, const std::function<QByteArray(qint64)> &expectedData)
    {
        const qint64 id = event.lastEventId().toLongLong();
        if (id != expected || event.data() != QLatin1StringView(expectedData(id))) {
            if (wrong++ == 0)
                firstWrong = u"expected %1, got id %2: %3"_s.arg(expected).arg(
                        event.lastEventId(), event.data().left(80));
        }
        expected = id + 1;
    }
};

// A run against a server whose first connection `firstResponse` writes (it leaves the socket
// open or closes it), and whose later connections resume after Last-Event-ID, up to event
// `total`, in `format`. The source closes once event `total` arrived.
struct ResumingRun
{
    QList<EventSource::Error> errors;
    QStringList messages; // errorString() at each error
    qint64 beforeError = -1; // the events received before the first error
    QList<HttpRequest> requests;
    IdChecker ids;

    void run(Format format, qint64 total, const std::function<void(QTcpSocket *)> &firstResponse)
    {
        bool firstServed = false;
        SseTestServer server([&](const HttpRequest &request, QTcpSocket *socket) {
            const qint64 resumeAt = request.header("last-event-id").toLongLong();
            if (!firstServed) {
                firstServed = true;
                SseTestServer::writeStreamHead(socket,
                                               "Content-Encoding: " + encodingName(format)
                                                       + "\r\nConnection: close\r\n");
                firstResponse(socket);
                return;
            }
            new CompressedResponse(socket, format, jsonEvent, resumeAt + 1, total);
        });
        EventSource source(server.url(u"/resume"_s));
        source.setReconnectionTime(0);
        QObject::connect(&source, &EventSource::messageReceived, &source,
                         [&](const MessageEvent &event) {
                             ids.check(event, jsonData);
                             if (ids.expected > total)
                                 source.close();
                         });
        QObject::connect(&source, &EventSource::errorOccurred, &source, [&](EventSource::Error e) {
            errors.append(e);
            messages.append(source.errorString());
            if (beforeError < 0)
                beforeError = ids.expected - 1;
        });
        source.open();
        QTRY_VERIFY_WITH_TIMEOUT(source.readyState() == EventSource::Closed, 120'000);
        requests = server.requests;
    }
};

} // namespace

class tst_Compression : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<MessageEvent>(); }
    void requestAsksForCompression();
    void longStream_data();
    void longStream();
    void veryCompressibleStream();
    void endlessCompressedLine();
    void compressedEventPastTheDefaultLimit();
    void corruptBody_data();
    void corruptBody();
    void cutShort_data();
    void cutShort();
    void unaskedEncoding();
};

// The request names what the library decodes, so that the server may compress.
void tst_Compression::requestAsksForCompression()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
    });
    EventSource source(server.url(u"/s"_s));
    QSignalSpy opened(&source, &EventSource::opened);
    source.open();
    QVERIFY(opened.wait());
    QCOMPARE(server.requests.first().header("accept-encoding"), acceptedByThisBuild());
}

void tst_Compression::longStream_data()
{
    QTest::addColumn<Format>("format");
    QTest::addColumn<qint64>("plainBytes");
    // Qt 6.4's own decoder stopped these after 10 MiB (30,613 events): its safety check.
    QTest::newRow("gzip, 100 MB") << Format::Gzip << qint64(100'000'000);
    QTest::newRow("deflate (zlib format), 24 MB") << Format::Zlib << qint64(24'000'000);
    QTest::newRow("deflate (raw, as some servers send it), 24 MB")
            << Format::RawDeflate << qint64(24'000'000);
    QTest::newRow("br, 24 MB") << Format::Brotli << qint64(24'000'000);
    QTest::newRow("zstd, 24 MB") << Format::Zstd << qint64(24'000'000);
}

// A long repetitive stream, compressed as it is sent: every event arrives once, in order.
void tst_Compression::longStream()
{
    QFETCH(Format, format);
    QFETCH(qint64, plainBytes);
    QTSSE_SKIP_UNLESS_TESTABLE(encodingName(format));
    const qint64 total = plainBytes / jsonEvent(1).size() + 1; // the shortest event
    WireStats stats;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        new CompressedResponse(socket, format, jsonEvent, 1, total, 0, &stats);
    });
    EventSource source(server.url(u"/long"_s));
    IdChecker ids;
    QObject::connect(&source, &EventSource::messageReceived, &source,
                     [&](const MessageEvent &event) {
                         ids.check(event, jsonData);
                         if (ids.expected > total)
                             source.close();
                     });
    QList<EventSource::Error> errors;
    QObject::connect(&source, &EventSource::errorOccurred, &source,
                     [&](EventSource::Error e) { errors.append(e); });
    RssSampler rss;
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(source.readyState() == EventSource::Closed, 900'000);
    QVERIFY2(errors.isEmpty(), qPrintable(source.errorString()));
    QVERIFY2(ids.wrong == 0, qPrintable(ids.firstWrong));
    QCOMPARE(ids.expected, total + 1);
    QCOMPARE(server.requests.size(), 1);
    QVERIFY(stats.plainBytes >= plainBytes);
    const qint64 growth = rss.growth();
    if (!QTSSE_UNDER_ASAN)
        QVERIFY2(growth < RssGrowthLimit, qPrintable(mib(growth)));
    // Past 10 MiB at more than 40:1: what Qt's decompression safety check refuses.
    QVERIFY2(stats.ratio() > 40, qPrintable(QString::number(stats.ratio())));
    qInfo("%lld events, %lld bytes decompressed from %lld on the wire (%.0f:1), RSS grew %s",
          static_cast<long long>(total), static_cast<long long>(stats.plainBytes),
          static_cast<long long>(stats.wireBytes), stats.ratio(), qPrintable(mib(growth)));
}

// 1 KiB events at a ratio far past 300:1, 256 MiB decompressed, flushed every 512 events, the
// next batch sent only once the client has the last event of the one before: a client that
// holds back decoded bytes until more input comes stalls here. With Qt 6.4's own decoder the
// stream went silent after 10,240 events (10 MiB: the decompression safety check). Memory stays
// bounded by the client's buffers, not by the body.
void tst_Compression::veryCompressibleStream()
{
    const QByteArray payload(1000, 'x');
    constexpr qint64 Total = 256 * 1024;
    constexpr qint64 Batch = 512;
    auto makeEvent = [payload](qint64 n) -> QByteArray {
        // An id every 1000 events; the count says the rest.
        return (n % 1000 == 0 ? "id: " + QByteArray::number(n) + "\n" : QByteArray())
                + "data: " + payload + "\n\n";
    };
    QPointer<CompressedResponse> response;
    WireStats stats;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        response = new CompressedResponse(socket, Format::Gzip, makeEvent, 1, Total, Batch, &stats);
    });
    EventSource source(server.url(u"/ratio"_s));
    source.setMaximumEventSize(64 * 1024);
    qint64 received = 0;
    qint64 wrong = 0;
    const QString expectedData = QString::fromLatin1(payload);
    QObject::connect(
            &source, &EventSource::messageReceived, &source, [&](const MessageEvent &event) {
                ++received;
                if (event.data() != expectedData
                    || (received % 1000 == 0 && event.lastEventId() != QString::number(received)))
                    ++wrong;
                if (received == Total)
                    source.close();
                else if (received % Batch == 0 && response)
                    response->resume();
            });
    QList<EventSource::Error> errors;
    QObject::connect(&source, &EventSource::errorOccurred, &source,
                     [&](EventSource::Error e) { errors.append(e); });
    RssSampler rss;
    source.open();
    // A stall is seen as a stop of `received`, which QTRY reports with its value.
    QTRY_COMPARE_WITH_TIMEOUT(received, Total, 900'000);
    QVERIFY2(errors.isEmpty(), qPrintable(source.errorString()));
    QCOMPARE(wrong, 0);
    QCOMPARE(server.requests.size(), 1);
    QVERIFY2(stats.ratio() >= 300, qPrintable(QString::number(stats.ratio())));
    const qint64 growth = rss.growth();
    qInfo("%lld bytes decompressed from %lld (%.0f:1), RSS grew %s",
          static_cast<long long>(stats.plainBytes), static_cast<long long>(stats.wireBytes),
          stats.ratio(), qPrintable(mib(growth)));
    if (!QTSSE_UNDER_ASAN)
        QVERIFY2(growth < RssGrowthLimit, qPrintable(mib(growth)));
}

// A compressed line that never ends: the event size cap ends it (EventTooLargeError) long before
// the 256 MiB the server offers, and memory stays bounded.
void tst_Compression::endlessCompressedLine()
{
    const QByteArray chunk(64 * 1024, 'x');
    auto piece = [chunk](qint64 n) -> QByteArray {
        return n == 1 ? QByteArray("data: " + chunk) : chunk;
    };
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        new CompressedResponse(socket, Format::Gzip, piece, 1, 4096); // 256 MiB
    });
    EventSource source(server.url(u"/endless"_s));
    source.setMaximumEventSize(MiB);
    QList<EventSource::Error> errors;
    QString message;
    QObject::connect(&source, &EventSource::errorOccurred, &source, [&](EventSource::Error e) {
        errors.append(e);
        message = source.errorString();
        source.close();
    });
    RssSampler rss;
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 300'000);
    QCOMPARE(errors, QList<EventSource::Error>{ EventSource::EventTooLargeError });
    QVERIFY2(message.contains(u"maximum event size"_s), qPrintable(message));
    const qint64 growth = rss.growth();
    qInfo("RSS grew %s", qPrintable(mib(growth)));
    if (!QTSSE_UNDER_ASAN)
        QVERIFY2(growth < RssGrowthLimit, qPrintable(mib(growth)));
}

void tst_Compression::compressedEventPastTheDefaultLimit()
{
    // About 40 KiB of gzip that decodes to a 10 MiB event type and 10 MiB of data: each fits
    // the default maximumEventSize (16 MiB), together they do not, and the event is refused
    // before it costs 20 MiB, and 40 MiB more as a string.
    const QByteArray chunk(64 * 1024, 'x');
    constexpr qint64 PerField = 160; // chunks: 10 MiB
    auto piece = [chunk](qint64 n) -> QByteArray {
        if (n == 1)
            return "event: " + chunk;
        if (n == PerField + 1)
            return "\ndata: " + chunk;
        if (n == 2 * PerField + 1)
            return QByteArray("\n\n");
        return chunk;
    };
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        new CompressedResponse(socket, Format::Gzip, piece, 1, 2 * PerField + 1);
    });
    EventSource source(server.url(u"/bomb"_s));
    QCOMPARE(source.maximumEventSize(), 16 * MiB);
    QList<EventSource::Error> errors;
    qint64 delivered = 0;
    QObject::connect(&source, &EventSource::eventReceived, &source, [&] { ++delivered; });
    QObject::connect(&source, &EventSource::errorOccurred, &source, [&](EventSource::Error e) {
        errors.append(e);
        source.close();
    });
    RssSampler rss;
    source.open();
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty() || delivered > 0, 300'000);
    QCOMPARE(delivered, 0);
    QCOMPARE(errors, QList<EventSource::Error>{ EventSource::EventTooLargeError });
    const qint64 growth = rss.growth();
    qInfo("RSS grew %s", qPrintable(mib(growth)));
    if (!QTSSE_UNDER_ASAN)
        QVERIFY2(growth < RssGrowthLimit, qPrintable(mib(growth)));
}

void tst_Compression::corruptBody_data()
{
    QTest::addColumn<Format>("format");
    QTest::addColumn<QByteArray>("garbage");
    QTest::newRow("gzip, garbage after 50 events")
            << Format::Gzip << QByteArray("\xff\xfe\xfd not deflate data at all \x00\x01", 30);
    QTest::newRow("deflate, garbage after 50 events")
            << Format::Zlib << QByteArray("\xff\xfe\xfd not deflate data at all \x00\x01", 30);
    QTest::newRow("br, garbage after 50 events")
            << Format::Brotli << QByteArray("\xff\xfe\xfd not brotli data at all \x00\x01", 29);
    // A block header of reserved type (3), then more bytes.
    QTest::newRow("zstd, garbage after 50 events")
            << Format::Zstd << QByteArray("\xff\xfe\xfd not zstd data at all \x00\x01", 27);
}

// The first connection sends 50 good events, then bytes that are not deflate data. The client
// reports it in words (NetworkError) and reconnects; the second connection resumes from
// Last-Event-ID and every event arrives once.
void tst_Compression::corruptBody()
{
    QFETCH(Format, format);
    QFETCH(QByteArray, garbage);
    QTSSE_SKIP_UNLESS_TESTABLE(encodingName(format));
    constexpr qint64 Total = 200;
    ResumingRun run;
    run.run(format, Total, [&](QTcpSocket *socket) {
        Compressor compressor(format);
        QByteArray plain;
        for (qint64 n = 1; n <= 50; ++n)
            plain += jsonEvent(n);
        socket->write(compressor.compress(plain, Z_SYNC_FLUSH) + garbage);
        // The client closes this connection.
    });
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(run.errors, QList<EventSource::Error>{ EventSource::NetworkError });
    const QString prefix = u"The server's %1-compressed stream is corrupt: "_s.arg(
            QString::fromLatin1(encodingName(format)));
    const QString message = run.messages.first();
    QVERIFY2(message.startsWith(prefix), qPrintable(message));
    // The library's reason follows the colon: never empty.
    QVERIFY2(!message.mid(prefix.size()).section(u';', 0, 0).trimmed().isEmpty(),
             qPrintable(message));
    // What decoded before the bad bytes was delivered. brotli hands out decoded bytes only when
    // it waits for input or fills a piece, so the events of the read that held the bad bytes may
    // come only after the reconnect (from Last-Event-ID: nothing is lost or repeated).
    if (format == Format::Brotli)
        QVERIFY2(run.beforeError <= 50, qPrintable(QString::number(run.beforeError)));
    else
        QCOMPARE(run.beforeError, 50);
    QCOMPARE(run.requests.size(), 2);
    QCOMPARE(run.requests.at(1).header("last-event-id").toLongLong(), run.beforeError);
    QVERIFY2(run.ids.wrong == 0, qPrintable(run.ids.firstWrong));
    QCOMPARE(run.ids.expected, Total + 1);
}

void tst_Compression::cutShort_data()
{
    QTest::addColumn<Format>("format");
    QTest::addColumn<bool>("midBlock");
    QTest::newRow("gzip, cut after a flush (no trailer)") << Format::Gzip << false;
    QTest::newRow("gzip, cut inside a compressed block") << Format::Gzip << true;
    QTest::newRow("deflate, cut inside a compressed block") << Format::Zlib << true;
    QTest::newRow("br, cut after a flush (stream not ended)") << Format::Brotli << false;
    QTest::newRow("br, cut inside a compressed block") << Format::Brotli << true;
    QTest::newRow("zstd, cut after a flush (frame not ended)") << Format::Zstd << false;
    QTest::newRow("zstd, cut inside a compressed block") << Format::Zstd << true;
}

// The first connection sends a gzip member of 100 events and closes before the member ends
// (the server's process died, a proxy timed out): the events before the cut arrive, then a
// NetworkError that says the stream was cut short, then the reconnect from Last-Event-ID.
// Nothing arrives twice.
void tst_Compression::cutShort()
{
    QFETCH(Format, format);
    QFETCH(bool, midBlock);
    QTSSE_SKIP_UNLESS_TESTABLE(encodingName(format));
    constexpr qint64 Total = 300;
    constexpr qint64 BeforeCut = 100;
    ResumingRun run;
    run.run(format, Total, [&](QTcpSocket *socket) {
        Compressor compressor(format);
        QByteArray plain;
        for (qint64 n = 1; n <= BeforeCut; ++n)
            plain += jsonEvent(n);
        QByteArray wire = compressor.compress(plain, Z_SYNC_FLUSH);
        if (midBlock) {
            // 20 more events, of which only the first half of the compressed bytes is sent.
            QByteArray more;
            for (qint64 n = BeforeCut + 1; n <= BeforeCut + 20; ++n)
                more += jsonEvent(n);
            const QByteArray rest = compressor.compress(more, Z_SYNC_FLUSH);
            wire += rest.left(rest.size() / 2);
        }
        socket->write(wire);
        socket->disconnectFromHost(); // no Content-Length: the close ends the body
    });
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(run.errors, QList<EventSource::Error>{ EventSource::NetworkError });
    const QString encoding = QString::fromLatin1(encodingName(format));
    QVERIFY2(run.messages.first().startsWith(
                     u"The server's %1-compressed stream was cut short"_s.arg(encoding)),
             qPrintable(run.messages.first()));
    // Every whole event before the cut arrived before the error; the partial ones did not.
    QVERIFY2(run.beforeError >= BeforeCut && run.beforeError < BeforeCut + 20,
             qPrintable(QString::number(run.beforeError)));
    QCOMPARE(run.requests.size(), 2);
    QCOMPARE(run.requests.at(1).header("last-event-id").toLongLong(), run.beforeError);
    QVERIFY2(run.ids.wrong == 0, qPrintable(run.ids.firstWrong));
    QCOMPARE(run.ids.expected, Total + 1);
}

// A server that compresses with a coding the request did not name: a network-class failure that
// says so, then the usual reconnect.
void tst_Compression::unaskedEncoding()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket, "Content-Encoding: compress\r\n");
        socket->write("\x1f\x9d\x90"); // not for us to read
    });
    EventSource source(server.url(u"/compress"_s));
    source.setReconnectionTime(0);
    QList<EventSource::Error> errors;
    QString message;
    QObject::connect(&source, &EventSource::errorOccurred, &source, [&](EventSource::Error e) {
        errors.append(e);
        message = source.errorString();
        if (errors.size() == 2)
            source.close();
    });
    source.open();
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 2, 60'000);
    QCOMPARE(errors.first(), EventSource::NetworkError);
    QVERIFY2(message.contains(u"Content-Encoding \"compress\""_s), qPrintable(message));
    QCOMPARE(server.requests.size(), 2); // reconnected
}

QTEST_GUILESS_MAIN(tst_Compression)
#include "tst_compression.moc"
