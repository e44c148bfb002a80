// SPDX-License-Identifier: MIT
// The content decoder: gzip, zlib and raw deflate bodies fed in slices of any size, concatenated
// gzip members, bodies cut short or corrupt, and the encodings it refuses. zlib makes the input.
#include "contentdecoder_p.h"

#include <QtTest/qtest.h>

#include <zlib.h>

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
    void cutShort();
    void corruptAfterGoodBytes();
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
}

void tst_ContentDecoder::decodes()
{
    QFETCH(QByteArray, encoding);
    QFETCH(QByteArray, body);
    QFETCH(qsizetype, slice);
    QByteArray expected = plainText();
    if (QByteArray(QTest::currentDataTag()).startsWith("two gzip"))
        expected += plainText();
    ContentDecoder decoder;
    QVERIFY(decoder.start(encoding));
    const Decoded decoded = decode(decoder, body, slice);
    QCOMPARE(decoded.last, ContentDecoder::Result::NeedInput);
    QCOMPARE(decoded.bytes.size(), expected.size());
    QVERIFY(decoded.bytes == expected);
    QVERIFY(decoded.largestPiece <= qMax(ContentDecoder::OutputPieceSize, slice));
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
    QTest::newRow("br (not asked for)") << "br"_ba << false << QByteArray();
    QTest::newRow("zstd (not asked for)") << "zstd"_ba << false << QByteArray();
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
}

// A member without its end (and trailer): everything that decoded is out, and the body is not
// at a boundary.
void tst_ContentDecoder::cutShort()
{
    const QByteArray gzip = deflated(plainText(), MAX_WBITS + 16);
    ContentDecoder decoder;
    QVERIFY(decoder.start("gzip"));
    const Decoded decoded = decode(decoder, gzip.left(gzip.size() - 4), 512);
    QCOMPARE(decoded.last, ContentDecoder::Result::NeedInput);
    QVERIFY(plainText().startsWith(decoded.bytes));
    QVERIFY(!decoder.isAtBoundary());
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
void tst_ContentDecoder::errorExcerpt()
{
    const QByteArray text(2000, 'e');
    QCOMPARE(ContentDecoder::decodePrefix("gzip", deflated(text, MAX_WBITS + 16), 512),
             text.left(512));
    QCOMPARE(ContentDecoder::decodePrefix("identity", text, 10), text.left(10));
    QCOMPARE(ContentDecoder::decodePrefix("br", "\x0b\x02", 10), QByteArray("\x0b\x02"));
}

QTEST_APPLESS_MAIN(tst_ContentDecoder)

#include "tst_contentdecoder.moc"
