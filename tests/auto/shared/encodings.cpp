// SPDX-License-Identifier: MIT
#include "encodings.h"

#include <QtCore/qrandom.h>

namespace QtSseTest {

namespace {
quint32 crc32(QByteArrayView bytes)
{
    quint32 crc = 0xFFFFFFFFu;
    for (const char ch : bytes) {
        crc ^= quint8(ch);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void appendLe32(QByteArray &out, quint32 value)
{
    for (int i = 0; i < 4; ++i)
        out.append(char((value >> (8 * i)) & 0xFF));
}
} // namespace

QByteArray gzipHeader()
{
    return QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
}

QByteArray zlibOf(const QByteArray &plain)
{
    return qCompress(plain, 9).mid(4); // qCompress() puts a 4-byte length first
}

QByteArray gzipOf(const QByteArray &plain)
{
    // The raw deflate data of the zlib stream (without its 2-byte header and Adler-32 trailer)
    // between a gzip header and a CRC-32 + size trailer.
    const QByteArray zlib = zlibOf(plain);
    QByteArray out = gzipHeader() + zlib.mid(2, zlib.size() - 6);
    appendLe32(out, crc32(plain));
    appendLe32(out, quint32(plain.size()));
    return out;
}

QByteArray storedBlock(const QByteArray &piece)
{
    Q_ASSERT(piece.size() <= 0xFFFF);
    const quint16 length = quint16(piece.size());
    const quint16 inverse = quint16(~length);
    QByteArray out;
    out.append('\0'); // BFINAL 0, BTYPE 00, padding to the byte boundary
    out.append(char(length & 0xFF)).append(char(length >> 8));
    out.append(char(inverse & 0xFF)).append(char(inverse >> 8));
    return out + piece;
}

QByteArray chunkedOf(const QByteArray &body, quint32 seed)
{
    QRandomGenerator rng(seed);
    QByteArray out;
    for (qsizetype at = 0; at < body.size();) {
        const qsizetype size = qMin<qsizetype>(1 + rng.bounded(3), body.size() - at);
        out += QByteArray::number(size, 16) + "\r\n" + body.mid(at, size) + "\r\n";
        at += size;
    }
    return out;
}

} // namespace QtSseTest
