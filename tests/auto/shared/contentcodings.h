// SPDX-License-Identifier: MIT
#ifndef QTSSE_CONTENTCODINGS_H
#define QTSSE_CONTENTCODINGS_H

// The content codings this build decodes and the tests can make. Header-only: the defines come
// from the test's own target (qtsse_content_codecs: QTSSE_HAVE_*; qtsse_test_encoders:
// QTSSE_TEST_*).

#include <QtCore/qbytearray.h>
#include <QtCore/qstring.h>

namespace QtSseTest {

// What a request asks for: gzip and deflate always, br and zstd where the library decodes them.
inline QByteArray acceptedByThisBuild()
{
    QByteArray list = QByteArrayLiteral("gzip, deflate");
#ifdef QTSSE_HAVE_BROTLI
    list += ", br";
#endif
#ifdef QTSSE_HAVE_ZSTD
    list += ", zstd";
#endif
    return list;
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
    Q_UNUSED(encoding);
    return true;
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
