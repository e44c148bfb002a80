// SPDX-License-Identifier: MIT
#ifndef QTSSE_ENCODINGS_H
#define QTSSE_ENCODINGS_H

// Content and transfer encodings of a response body, made without a zlib dependency.

#include <QtCore/qbytearray.h>
#include <QtCore/qstring.h> // QByteArray's operator+ (QStringBuilder)

namespace QtSseTest {

// The 10-byte header of a gzip member (no name, no time stamp).
QByteArray gzipHeader();

// A zlib stream (Content-Encoding: deflate) of `plain`.
QByteArray zlibOf(const QByteArray &plain);

// A whole gzip member (Content-Encoding: gzip) of `plain`.
QByteArray gzipOf(const QByteArray &plain);

// One stored (uncompressed), non-final deflate block of at most 65535 bytes: after
// gzipHeader(), a gzip stream can be flushed after every event and stay open for ever, as a
// live compressed event stream does.
QByteArray storedBlock(const QByteArray &piece);

// `body` as HTTP/1.1 chunks of 1 to 3 bytes, sized by a generator seeded with `seed`, without
// the last (empty) chunk.
QByteArray chunkedOf(const QByteArray &body, quint32 seed);

} // namespace QtSseTest

#endif // QTSSE_ENCODINGS_H
