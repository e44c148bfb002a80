// SPDX-License-Identifier: MIT
// The content decoder: gzip, zlib and raw deflate bodies fed in slices of any size, concatenated
// gzip members, bodies cut short or corrupt, and the encodings it refuses; br and zstd bodies
// where the build decodes them. zlib, libbrotlienc and libzstd make the input.
#include "contentdecoder_p.h"
#include "contentcodings.h"

#include <QtTest/qtest.h>

#include <zlib.h>
#ifdef QTSSE_TEST_BROTLI
#  include <brotli/encode.h>
#endif
#ifdef QTSSE_TEST_ZSTD
#  include <zstd.h>
#endif

#include <algorithm>
#include <cstring>

using namespace Qt::StringLiterals;
using QtSse::ContentDecoder;

namespace {

// `plain` compressed by zlib with `windowBits` (31: gzip, 15: zlib, -15: raw deflate).
QByteArray deflated(const QByteArray &plain, int windowBits)
{
    z_stream z;
    std::memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, windowBits, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out(int(deflateBound(&z, uLong(plain.size()))), Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(plain.constData()));
    z.avail_in = uInt(plain.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.truncate(qsizetype(z.total_out));
    deflateEnd(&z);
    return out;
}

// `plain` compressed by libbrotlienc (empty when the test is built without it).
QByteArray brotli(const QByteArray &plain)
{
#ifdef QTSSE_TEST_BROTLI
    size_t size = BrotliEncoderMaxCompressedSize(size_t(plain.size()));
    QByteArray out(qsizetype(size), Qt::Uninitialized);
    if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                               size_t(plain.size()),
                               reinterpret_cast<const uint8_t *>(plain.constData()), &size,
                               reinterpret_cast<uint8_t *>(out.data())))
        return {};
    out.truncate(qsizetype(size));
    return out;
#else
    Q_UNUSED(plain);
    return {};
#endif
}

// `plain` compressed by libzstd, one frame (empty when the test is built without it).
QByteArray zstd(const QByteArray &plain)
{
#ifdef QTSSE_TEST_ZSTD
    QByteArray out(qsizetype(ZSTD_compressBound(size_t(plain.size()))), Qt::Uninitialized);
    const size_t size = ZSTD_compress(out.data(), size_t(out.size()), plain.constData(),
                                      size_t(plain.size()), 19);
    if (ZSTD_isError(size))
        return {};
    out.truncate(qsizetype(size));
    return out;
#else
    Q_UNUSED(plain);
    return {};
#endif
}

// `plain` compressed and flushed, the brotli stream or zstd frame left open, as a server sends
// a stream that has not ended.
QByteArray flushedOpen(const QByteArray &encoding, const QByteArray &plain)
{
    QByteArray out(qsizetype(plain.size() + 1024), Qt::Uninitialized); // incompressible: fits
#ifdef QTSSE_TEST_BROTLI
    if (encoding == "br") {
        BrotliEncoderState *state = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
        size_t availIn = size_t(plain.size());
        auto nextIn = reinterpret_cast<const uint8_t *>(plain.constData());
        size_t availOut = size_t(out.size());
        auto nextOut = reinterpret_cast<uint8_t *>(out.data());
        while (BrotliEncoderCompressStream(state, BROTLI_OPERATION_FLUSH, &availIn, &nextIn,
                                           &availOut, &nextOut, nullptr)
               && (availIn > 0 || BrotliEncoderHasMoreOutput(state))) { }
        BrotliEncoderDestroyInstance(state);
        out.truncate(out.size() - qsizetype(availOut));
        return out;
    }
#endif
#ifdef QTSSE_TEST_ZSTD
    if (encoding == "zstd") {
        ZSTD_CCtx *cctx = ZSTD_createCCtx();
        ZSTD_inBuffer in = { plain.constData(), size_t(plain.size()), 0 };
        ZSTD_outBuffer output = { out.data(), size_t(out.size()), 0 };
        while (ZSTD_compressStream2(cctx, &output, &in, ZSTD_e_flush) > 0) { }
        ZSTD_freeCCtx(cctx);
        out.truncate(qsizetype(output.pos));
        return out;
    }
#endif
    Q_UNUSED(encoding);
    Q_UNUSED(plain);
    return {};
}

QByteArray plainText()
{
    QByteArray text;
    for (int i = 0; i < 20000; ++i)
        text += "id: " + QByteArray::number(i) + "\ndata: the same words again and again\n\n";
    return text;
}

// Feeds `body` in slices of `slice` bytes; what decoded, and the last result.
struct Decoded
{
    QByteArray bytes;
    ContentDecoder::Result last = ContentDecoder::Result::NeedInput;
    qsizetype largestPiece = 0;
};
Decoded decode(ContentDecoder &decoder, const QByteArray &body, qsizetype slice)
{
    Decoded decoded;
    for (qsizetype at = 0; at < body.size(); at += slice) {
        decoder.setInput(QByteArrayView(body).sliced(at, qMin(slice, body.size() - at)));
        QByteArrayView piece;
        while ((decoded.last = decoder.next(&piece)) == ContentDecoder::Result::Output) {
            decoded.bytes += piece;
            decoded.largestPiece = qMax(decoded.largestPiece, piece.size());
        }
        if (decoded.last == ContentDecoder::Result::Corrupt)
            break;
    }
    return decoded;
}

} // namespace

class tst_ContentDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodes_data();
    void decodes();
    void encodings_data();
    void encodings();
    void emptyBody_data();
    void emptyBody();
    void cutShort_data();
    void cutShort();
    void flushedStreamNotHeldBack_data();
    void flushedStreamNotHeldBack();
    void corrupt_data();
    void corrupt();
    void corruptAfterGoodBytes();
    void errorExcerptPlain();
    void errorExcerpt_data();
    void errorExcerpt();
};

void tst_ContentDecoder::decodes_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qsizetype>("slice");
    const QByteArray plain = plainText();
    const QByteArray gzip = deflated(plain, MAX_WBITS + 16);
    QTest::newRow("gzip, whole") << "gzip"_ba << gzip << gzip.size();
    QTest::newRow("gzip, 1-byte slices") << "gzip"_ba << gzip << qsizetype(1);
    QTest::newRow("x-gzip, 7-byte slices") << "x-gzip"_ba << gzip << qsizetype(7);
    QTest::newRow("GZIP (case)") << "GZIP"_ba << gzip << qsizetype(4096);
    QTest::newRow("deflate (zlib format)")
            << "deflate"_ba << deflated(plain, MAX_WBITS) << qsizetype(1000);
    QTest::newRow("deflate (raw)") << "deflate"_ba << deflated(plain, -MAX_WBITS) << qsizetype(3);
    QTest::newRow("two gzip members (RFC 1952 2.2)")
            << "gzip"_ba << gzip + deflated(plain, MAX_WBITS + 16) << qsizetype(5000);
    QTest::newRow("identity") << "identity"_ba << plain << qsizetype(100);
    QTest::newRow("no Content-Encoding") << QByteArray() << plain << qsizetype(100);
    const QByteArray br = brotli(plain);
    QTest::newRow("br, whole") << "br"_ba << br << br.size();
    QTest::newRow("br, 1-byte slices") << "br"_ba << br << qsizetype(1);
    QTest::newRow("br, 7-byte slices") << "br"_ba << br << qsizetype(7);
    QTest::newRow("BR (case), 4096-byte slices") << "BR"_ba << br << qsizetype(4096);
    const QByteArray zst = zstd(plain);
    QTest::newRow("zstd, whole") << "zstd"_ba << zst << zst.size();
    QTest::newRow("zstd, 1-byte slices") << "zstd"_ba << zst << qsizetype(1);
    QTest::newRow("zstd, 7-byte slices") << "zstd"_ba << zst << qsizetype(7);
    QTest::newRow("zstd, 4096-byte slices") << "zstd"_ba << zst << qsizetype(4096);
    QTest::newRow("two zstd frames (RFC 8878 3.1)")
            << "zstd"_ba << zst + zstd(plain) << qsizetype(5000);
    QTest::newRow("two zstd frames, 1-byte slices") << "zstd"_ba << zst + zst << qsizetype(1);
}

void tst_ContentDecoder::decodes()
{
    QFETCH(QByteArray, encoding);
    QFETCH(QByteArray, body);
    QFETCH(qsizetype, slice);
    QTSSE_SKIP_UNLESS_TESTABLE(encoding.toLower());
    QByteArray expected = plainText();
    if (QByteArray(QTest::currentDataTag()).startsWith("two "))
        expected += plainText();
    ContentDecoder decoder;
    QVERIFY(decoder.start(encoding));
    const Decoded decoded = decode(decoder, body, slice);
    QCOMPARE(decoded.last, ContentDecoder::Result::NeedInput);
    QCOMPARE(decoded.bytes.size(), expected.size());
    QVERIFY(decoded.bytes == expected);
    // Decoded bytes come in pieces of at most OutputPieceSize; unencoded ones as they were read.
    QVERIFY(decoded.largestPiece
            <= (decoder.isEncoded() ? ContentDecoder::OutputPieceSize : slice));
    QVERIFY(decoder.isAtBoundary());
}

// An empty body, and an encoder's output for no bytes: nothing decodes, and the body ends well.
void tst_ContentDecoder::emptyBody_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("gzip, no bytes") << "gzip"_ba << QByteArray();
    QTest::newRow("gzip of nothing") << "gzip"_ba << deflated({}, MAX_WBITS + 16);
    QTest::newRow("br, no bytes") << "br"_ba << QByteArray();
    QTest::newRow("br of nothing") << "br"_ba << brotli({});
    QTest::newRow("zstd, no bytes") << "zstd"_ba << QByteArray();
    QTest::newRow("zstd of nothing") << "zstd"_ba << zstd({});
}

void tst_ContentDecoder::emptyBody()
{
    QFETCH(QByteArray, encoding);
    QFETCH(QByteArray, body);
    QTSSE_SKIP_UNLESS_TESTABLE(encoding);
    ContentDecoder decoder;
    QVERIFY(decoder.start(encoding));
    const Decoded decoded = decode(decoder, body, 1);
    QCOMPARE(decoded.last, ContentDecoder::Result::NeedInput);
    QVERIFY(decoded.bytes.isEmpty());
    QVERIFY(decoder.isAtBoundary());
}

void tst_ContentDecoder::encodings_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QByteArray>("name");
    QTest::newRow("gzip") << "gzip"_ba << true << "gzip"_ba;
    QTest::newRow("x-gzip") << "x-gzip"_ba << true << "gzip"_ba;
    QTest::newRow("deflate") << " Deflate "_ba << true << "deflate"_ba;
    QTest::newRow("identity") << "identity"_ba << true << QByteArray();
#ifdef QTSSE_HAVE_BROTLI
    QTest::newRow("br") << " BR"_ba << true << "br"_ba;
#else
    QTest::newRow("br (not in this build)") << "br"_ba << false << QByteArray();
#endif
#ifdef QTSSE_HAVE_ZSTD
    QTest::newRow("zstd") << "Zstd"_ba << true << "zstd"_ba;
#else
    QTest::newRow("zstd (not in this build)") << "zstd"_ba << false << QByteArray();
#endif
    QTest::newRow("compress (never)") << "compress"_ba << false << QByteArray();
    QTest::newRow("a list of codings") << "gzip, gzip"_ba << false << QByteArray();
}

void tst_ContentDecoder::encodings()
{
    QFETCH(QByteArray, encoding);
    QFETCH(bool, accepted);
    QFETCH(QByteArray, name);
    ContentDecoder decoder;
    QCOMPARE(decoder.start(encoding), accepted);
    if (accepted)
        QCOMPARE(decoder.encoding(), name);
    // Accept-Encoding names what start() takes, and nothing else.
    const QByteArrayList asked = QByteArray(ContentDecoder::acceptedEncodings()).split(',');
    const bool named = std::any_of(asked.cbegin(), asked.cend(), [&](const QByteArray &coding) {
        return coding.trimmed() == encoding.trimmed().toLower();
    });
    if (!encoding.contains(',') && encoding != "identity" && encoding != "x-gzip")
        QCOMPARE(named, accepted);
}

// A member (brotli stream, zstd frame) without its end: everything that decoded is out, and the
// body is not at a boundary.
void tst_ContentDecoder::cutShort_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::addColumn<QByteArray>("body");
    const QByteArray gzip = deflated(plainText(), MAX_WBITS + 16);
    QTest::newRow("gzip, no trailer") << "gzip"_ba << gzip.left(gzip.size() - 4);
    const QByteArray br = brotli(plainText());
    QTest::newRow("br, last byte missing") << "br"_ba << br.left(br.size() - 1);
    QTest::newRow("br, half") << "br"_ba << br.left(br.size() / 2);
    const QByteArray zst = zstd(plainText());
    QTest::newRow("zstd, last byte missing") << "zstd"_ba << zst.left(zst.size() - 1);
    QTest::newRow("zstd, half") << "zstd"_ba << zst.left(zst.size() / 2);
    QTest::newRow("zstd, second frame cut short") << "zstd"_ba << zst + zst.left(100);
    QTest::newRow("zstd, only a frame header's start") << "zstd"_ba << zst.left(3);
}

void tst_ContentDecoder::cutShort()
{
    QFETCH(QByteArray, encoding);
    QFETCH(QByteArray, body);
    QTSSE_SKIP_UNLESS_TESTABLE(encoding);
    ContentDecoder decoder;
    QVERIFY(decoder.start(encoding));
    const Decoded decoded = decode(decoder, body, 512);
    QCOMPARE(decoded.last, ContentDecoder::Result::NeedInput);
    QVERIFY(decoded.largestPiece <= ContentDecoder::OutputPieceSize);
    QVERIFY(QByteArray(plainText() + plainText()).startsWith(decoded.bytes));
    QVERIFY(!decoder.isAtBoundary());
}

// br and zstd bodies that are not what they say: Corrupt, with the library's reason, and what
// decoded before the damage delivered first.
// A flushed, unended stream that decodes to many pieces: all of them come out before more input
// is asked for (nothing held back until the next bytes arrive), and it is not at a boundary.
void tst_ContentDecoder::flushedStreamNotHeldBack_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::newRow("br") << "br"_ba;
    QTest::newRow("zstd") << "zstd"_ba;
}

void tst_ContentDecoder::flushedStreamNotHeldBack()
{
    QFETCH(QByteArray, encoding);
    QTSSE_SKIP_UNLESS_TESTABLE(encoding);
    const QByteArray plain = plainText();
    const QByteArray body = flushedOpen(encoding, plain);
    QVERIFY(!body.isEmpty());
    ContentDecoder decoder;
    QVERIFY(decoder.start(encoding));
    const Decoded decoded = decode(decoder, body, body.size());
    QCOMPARE(decoded.last, ContentDecoder::Result::NeedInput);
    QCOMPARE(decoded.bytes.size(), plain.size());
    QVERIFY(decoded.bytes == plain);
    QVERIFY(decoded.largestPiece <= ContentDecoder::OutputPieceSize);
    QVERIFY(!decoder.isAtBoundary());
}

void tst_ContentDecoder::corrupt_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reason"); // a part of errorString()
    // Damage inside a block may decode to wrong bytes before the decoder sees it: those rows
    // check only that it is seen.
    // BrotliDecoderErrorString() names the check that failed ("PADDING_2"): any reason will do.
    const QByteArray br = brotli(plainText());
    QTest::newRow("br, not brotli") << "br"_ba << QByteArray(64, '\xff') << QString();
    QTest::newRow("br, bytes after the stream")
            << "br"_ba << br + "x" << u"after the end of the brotli stream"_s;
    const QByteArray zst = zstd(plainText());
    QTest::newRow("zstd, not zstd") << "zstd"_ba << QByteArray(64, 'z') << u"Unknown frame"_s;
    QTest::newRow("zstd, garbage after a frame")
            << "zstd"_ba << zst + QByteArray(16, 'z') << u"Unknown frame"_s;
    QByteArray damaged = zst;
    for (qsizetype i = damaged.size() / 2; i < damaged.size(); ++i)
        damaged[i] = char(0xa5);
    QTest::newRow("zstd, damaged second half") << "zstd"_ba << damaged << QString();
}

void tst_ContentDecoder::corrupt()
{
    QFETCH(QByteArray, encoding);
    QFETCH(QByteArray, body);
    QFETCH(QString, reason);
    QTSSE_SKIP_UNLESS_TESTABLE(encoding);
    for (const qsizetype slice : { body.size(), qsizetype(1), qsizetype(1000) }) {
        ContentDecoder decoder;
        QVERIFY(decoder.start(encoding));
        const Decoded decoded = decode(decoder, body, slice);
        QCOMPARE(decoded.last, ContentDecoder::Result::Corrupt);
        if (!QByteArray(QTest::currentDataTag()).contains("damaged"))
            QVERIFY(plainText().startsWith(decoded.bytes));
        QVERIFY(decoded.largestPiece <= ContentDecoder::OutputPieceSize);
        QVERIFY(!decoder.errorString().isEmpty());
        if (!reason.isEmpty())
            QVERIFY2(decoder.errorString().contains(reason), qPrintable(decoder.errorString()));
        QByteArrayView piece;
        QCOMPARE(decoder.next(&piece), ContentDecoder::Result::Corrupt); // it stays corrupt
    }
}

// Bytes that are not deflate data after good ones, in the same input: the good output comes
// first, then Corrupt with zlib's reason.
void tst_ContentDecoder::corruptAfterGoodBytes()
{
    const QByteArray plain = "data: before the damage\n\n";
    z_stream z;
    std::memset(&z, 0, sizeof z);
    QCOMPARE(deflateInit2(&z, 6, Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    char out[256];
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(plain.constData()));
    z.avail_in = uInt(plain.size());
    z.next_out = reinterpret_cast<Bytef *>(out);
    z.avail_out = sizeof out;
    deflate(&z, Z_SYNC_FLUSH);
    const QByteArray body = QByteArray(out, qsizetype(sizeof out - z.avail_out)) + "\xff\xff\xff";
    deflateEnd(&z);

    ContentDecoder decoder;
    QVERIFY(decoder.start("gzip"));
    const Decoded decoded = decode(decoder, body, body.size());
    QCOMPARE(decoded.bytes, plain);
    QCOMPARE(decoded.last, ContentDecoder::Result::Corrupt);
    QVERIFY(!decoder.errorString().isEmpty());
    QByteArrayView piece;
    QCOMPARE(decoder.next(&piece), ContentDecoder::Result::Corrupt); // it stays corrupt
}

// An error response's excerpt: the start of the decoded body, at most the limit.
void tst_ContentDecoder::errorExcerptPlain()
{
    const QByteArray text(2000, 'e');
    QCOMPARE(ContentDecoder::decodePrefix("gzip", deflated(text, MAX_WBITS + 16), 512),
             text.left(512));
    QCOMPARE(ContentDecoder::decodePrefix("identity", text, 10), text.left(10));
    QCOMPARE(ContentDecoder::decodePrefix("compress", "\x1f\x9d", 10), QByteArray("\x1f\x9d"));
}

void tst_ContentDecoder::errorExcerpt_data()
{
    QTest::addColumn<QByteArray>("encoding");
    QTest::newRow("gzip") << "gzip"_ba;
    QTest::newRow("br") << "br"_ba;
    QTest::newRow("zstd") << "zstd"_ba;
}

void tst_ContentDecoder::errorExcerpt()
{
    QFETCH(QByteArray, encoding);
    QTSSE_SKIP_UNLESS_TESTABLE(encoding);
    const QByteArray text = plainText(); // decodes to more than one output piece
    const QByteArray body = encoding == "gzip" ? deflated(text, MAX_WBITS + 16)
            : encoding == "br"                 ? brotli(text)
                                               : zstd(text);
    QCOMPARE(ContentDecoder::decodePrefix(encoding, body, 512), text.left(512));
    const qsizetype beyondOnePiece = ContentDecoder::OutputPieceSize + 10;
    QCOMPARE(ContentDecoder::decodePrefix(encoding, body, beyondOnePiece),
             text.left(beyondOnePiece));
    // Of a body cut short, what decodes of it.
    QVERIFY(text.startsWith(
            ContentDecoder::decodePrefix(encoding, body.left(body.size() / 2), text.size())));
    if (encoding == "zstd") // two frames
        QCOMPARE(ContentDecoder::decodePrefix(encoding, body + body, 2 * text.size()),
                 QByteArray(text + text));
}

QTEST_APPLESS_MAIN(tst_ContentDecoder)

#include "tst_contentdecoder.moc"
