// SPDX-License-Identifier: MIT
#ifndef QTSSE_HTTPRESPONSEREADER_P_H
#define QTSSE_HTTPRESPONSEREADER_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "qtsse_global.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qbytearrayview.h>
#include <QtCore/qlist.h>
#include <QtCore/qpair.h>
#include <QtCore/qstring.h>

namespace QtSse {

// An incremental reader of one HTTP/1.1 response (RFC 9112) as a client receives it: the status
// line and header fields (1xx interim responses skipped), then the body, whatever its framing:
// Content-Length, chunked (extensions and trailer fields skipped) or delimited by the close of
// the connection; 204 and 304 have none. It copies none of the body: a body piece is a view
// into the caller's input. Every part of the head and of the chunked framing is bounded (Limits);
// anything malformed or past a bound is an error, never a clean end: a non-hex or overflowing
// chunk size, Transfer-Encoding with Content-Length, differing Content-Length values, a
// Transfer-Encoding other than chunked, an obsolete line folding, a bare CR. A bare LF ends a
// line of the head or of the trailer section (RFC 9112 section 2.2 lets a recipient take it, as
// curl does); the chunked framing takes CRLF only. The choices, with their reasons, head
// httpresponsereader_p.cpp.
//
// The caller feeds what it has; the reader keeps the few bytes of a partial head line or chunk
// line itself (bounded), so the caller may drop whatever was consumed:
//
//     for (;;) {
//         qsizetype used = 0;
//         QByteArrayView piece;
//         const Step step = reader.next(input, &used, &piece);
//         input = input.sliced(used);
//         if (step == Step::Body) consume(piece);
//         else if (step == Step::NeedMore) break;   // input is now empty
//         else ...                                  // Head, End, Error
//     }
class QTSSE_AUTOTEST_EXPORT HttpResponseReader
{
public:
    struct Limits
    {
        // Status line plus fields, CRLFs and the empty line included; each head (an interim
        // response's too) on its own.
        qsizetype maximumHeadSize = 64 * 1024;
        int maximumFieldCount = 128; // per head
        int maximumInterimResponses = 32; // 1xx before the final response
        qsizetype maximumChunkLineSize = 1024; // chunk size plus extensions, CRLF not counted
        qsizetype maximumTrailerSize = 16 * 1024; // the fields, CRLFs and empty line included
    };

    enum class Step {
        NeedMore, // every byte of the input was consumed; nothing more to say until more come
        Head, // the final response's head is complete: statusCode(), headers()
        Body, // `*body` holds body bytes: a view into the input
        End, // the response is complete; the bytes after it (if any) were not consumed
        Error, // malformed or over a bound: errorString(); the reader stays in error
    };

    // (Two constructors, not a default argument: GCC cannot take Limits() as the default of an
    // argument inside the class that encloses Limits.)
    HttpResponseReader();
    explicit HttpResponseReader(Limits limits);

    // Forgets everything, for a new response (the limits stay; the request method goes back to
    // GET).
    void reset();
    // The method of the request this response answers, when it matters to the framing (RFC 9112
    // section 6.3): a response to HEAD has no body; a 2xx response to CONNECT has none either
    // (the tunnel begins after its head). Set it before the first next().
    void setRequestMethod(QByteArrayView method);

    // Reads from `input`: sets `*consumed` to the bytes it used (0 < *consumed for every step but
    // End and Error, or when `input` is empty) and, for Body, `*body` to a view into `input`.
    Step next(QByteArrayView input, qsizetype *consumed, QByteArrayView *body);
    // The connection was closed: End for a body delimited by the close (complete or not, it is
    // what the server sent), Error for anything else not complete (a head, a Content-Length or
    // chunked body cut short).
    Step closed();

    // The final response's head (valid from Step::Head on).
    int statusCode() const { return m_status; }
    int minorVersion() const { return m_minorVersion; } // HTTP/1.x
    QByteArray reasonPhrase() const { return m_reason; }
    // As Exchange::header(): case-insensitive, same-name fields joined with ", " ("\n" for
    // Set-Cookie), null when absent.
    QByteArray header(QByteArrayView name) const;
    // The same, among `fields` (a head kept apart from its reader: ThreadedExchange).
    static QByteArray joinedField(const QList<QPair<QByteArray, QByteArray>> &fields,
                                  QByteArrayView name);
    const QList<QPair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    // The body is delimited by the close of the connection (no Content-Length, not chunked).
    bool isCloseDelimited() const;
    // The response asks for the connection to close after it (Connection: close, or HTTP/1.0
    // without keep-alive).
    bool closesConnection() const;

    bool hasError() const;
    QString errorString() const { return m_errorString; }

    // The bytes the reader holds itself (a partial head or trailer line): never more than
    // maximumHeadSize or maximumTrailerSize. For tests and the fuzzer.
    qsizetype bufferedSize() const { return m_line.size(); }

private:
    enum class State {
        StatusLine, // a head's first line (an interim response's or the final one's)
        Fields, // the head's field lines
        NoBody, // the head was read and no body follows: End next
        Length, // a Content-Length body: m_remaining bytes to come
        UntilClose, // a body delimited by the close of the connection
        ChunkSize, // a chunk line's hex digits (m_chunkDigits seen so far)
        ChunkSizeSpace, // whitespace after the chunk size (before ';' or CR)
        ChunkExtension, // a chunk extension, skipped up to CR
        ChunkSizeLf, // the LF that ends a chunk line
        ChunkData, // m_remaining bytes of chunk data
        ChunkDataCr, // the CRLF after a chunk's data
        ChunkDataLf,
        Trailer, // trailer field lines up to an empty line
        Done,
        Failed,
    };
    enum class LineRead { Line, Partial, TooLong };

    LineRead readLine(QByteArrayView input, qsizetype *pos, QByteArrayView *line, qsizetype budget);
    bool statusLine(QByteArrayView line);
    bool fieldLine(QByteArrayView line, bool keep);
    bool finishHead();
    Step readChunked(QByteArrayView input, qsizetype *pos, QByteArrayView *body);
    Step fail(const QString &message);

    // Implementation state: free to change (the helper that implements this owns it).
    Limits m_limits;
    State m_state = State::StatusLine;
    bool m_headRequest = false;
    bool m_connectRequest = false;
    bool m_closeDelimited = false;
    int m_status = 0;
    int m_minorVersion = 1;
    int m_fieldCount = 0;
    int m_interimCount = 0;
    qsizetype m_sectionSize = 0; // bytes of the head or the trailer section so far
    qsizetype m_chunkLineSize = 0;
    int m_chunkDigits = 0;
    qint64 m_remaining = 0;
    QByteArray m_line; // a partial head or trailer line
    QByteArray m_reason;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QString m_errorString;
};

} // namespace QtSse

#endif // QTSSE_HTTPRESPONSEREADER_P_H
