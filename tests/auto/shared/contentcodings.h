// SPDX-License-Identifier: MIT
#ifndef QTSSE_CONTENTCODINGS_H
#define QTSSE_CONTENTCODINGS_H

// The content codings this build decodes and the tests can make. Header-only: the defines come
// from the test's own target (qtsse_content_codecs, which every test links: QTSSE_HAVE_*;
// qtsse_test_encoders: QTSSE_TEST_*).

#include <QtCore/qbytearray.h>
#include <QtCore/qbytearraylist.h>
#include <QtCore/qstring.h>

namespace QtSseTest {

// What a request asks for: gzip and deflate, br, zstd where the library decodes them; identity
// where it decodes none.
inline QByteArray acceptedByThisBuild()
{
    QByteArrayList list;
#ifdef QTSSE_HAVE_ZLIB
    list << QByteArrayLiteral("gzip") << QByteArrayLiteral("deflate");
#endif
#ifdef QTSSE_HAVE_BROTLI
    list << QByteArrayLiteral("br");
#endif
#ifdef QTSSE_HAVE_ZSTD
    list << QByteArrayLiteral("zstd");
#endif
    return list.isEmpty() ? QByteArrayLiteral("identity") : list.join(", ");
}

// Whether the library decodes `encoding` (lower case; x-gzip is gzip). A body that is not
// encoded (empty, identity) always is.
inline bool decodes(const QByteArray &encoding)
{
    if (encoding.isEmpty() || encoding == "identity")
        return true;
    const QByteArray wanted = encoding == "x-gzip" ? QByteArrayLiteral("gzip") : encoding;
    const QByteArrayList accepted = acceptedByThisBuild().split(',');
    for (const QByteArray &name : accepted) {
        if (name.trimmed() == wanted)
            return true;
    }
    return false;
}

// Whether the library decodes, and the test can make, `encoding` (lower case).
inline bool canTestEncoding(const QByteArray &encoding)
{
#ifndef QTSSE_TEST_BROTLI
    if (encoding == "br")
        return false;
#endif
#ifndef QTSSE_TEST_ZSTD
    if (encoding == "zstd")
        return false;
#endif
    return decodes(encoding);
}

} // namespace QtSseTest

// Skips the current row when the build does not decode `encoding`.
#define QTSSE_SKIP_UNLESS_TESTABLE(encoding)                         \
  do {                                                               \
    const QByteArray qtsse_encoding_ = (encoding);                   \
    if (!QtSseTest::canTestEncoding(qtsse_encoding_))                \
      QSKIP(qPrintable(QStringLiteral("this build does not decode ") \
                       + QString::fromLatin1(qtsse_encoding_)));     \
  } while (false)

#endif // QTSSE_CONTENTCODINGS_H
