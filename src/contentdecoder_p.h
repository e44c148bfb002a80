// SPDX-License-Identifier: MIT
#ifndef QTSSE_CONTENTDECODER_P_H
#define QTSSE_CONTENTDECODER_P_H

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
#include <QtCore/qstring.h>

#include <cstddef>
#include <memory>

namespace QtSse {

// Decodes a stream's Content-Encoding (gzip and deflate, br, zstd where the build found zlib,
// libbrotlidec, libzstd: cmake/QtSseCodecs.cmake) incrementally, in bounded output pieces.
//
// QtSse asks for these encodings itself (ResponsePolicy::streamRequest() sends Accept-Encoding),
// so QNetworkAccessManager hands the body over as it came and does not decode it. QNAM's own
// decoding does not suit an endless stream: its decompression safety check stops a long stream
// that compresses well (past 10 MiB decompressed at more than 40:1 for gzip). Qt 6.4 reports
// that only through errorOccurred(), with an empty reason, and the reply goes silent; and QNAM
// decodes ahead of the reader into a buffer of its own. Here memory is bounded by the read
// buffer (compressed bytes), one output piece and zlib's window; the parser's maximumEventSize
// bounds the rest. brotli's window is at most 16 MiB; zstd's is capped at 8 MiB (RFC 9659).
class QTSSE_AUTOTEST_EXPORT ContentDecoder
{
public:
    // The encodings the decoder understands, for the request's Accept-Encoding: "gzip, deflate",
    // "br" and "zstd" where this build decodes them (zlib, libbrotlidec, libzstd), in that
    // order; "identity" where it decodes none.
    static const char *acceptedEncodings();
    // The most bytes one next() returns.
    static constexpr qsizetype OutputPieceSize = 64 * 1024;

    enum class Result { Output, NeedInput, Corrupt };

    ContentDecoder();
    ~ContentDecoder();
    ContentDecoder(const ContentDecoder &) = delete;
    ContentDecoder &operator=(const ContentDecoder &) = delete;

    // Starts a body of `contentEncoding` (the header's value; empty or "identity": none).
    // False when the encoding is not one of acceptedEncodings().
    bool start(const QByteArray &contentEncoding);
    // The encoding of the body, lower case ("gzip"), or empty when it is not encoded.
    QByteArray encoding() const { return m_name; }
    bool isEncoded() const { return m_kind != Kind::Identity; }

    // The next input. It must stay valid until next() returns NeedInput.
    void setInput(QByteArrayView input);
    // The next piece of decoded bytes in `output` (valid until the next call), NeedInput when
    // the input is used up and nothing is held back, or Corrupt (see errorString()). What
    // decoded before corrupt bytes comes out first; with br only what brotli handed out before
    // it read them (it hands out output when a piece is full or it waits for input).
    Result next(QByteArrayView *output);
    // True when the body so far ends where a compressed member, brotli stream or zstd frame (or
    // an unencoded body) may end: false for a body cut short in mid-member.
    bool isAtBoundary() const;
    // The decoding library's reason for Corrupt (zlib's, BrotliDecoderErrorString(),
    // ZSTD_getErrorName()), or one of its own (bytes after the end of a brotli stream).
    QString errorString() const { return m_error; }

    // The start of a decoded body, at most `limit` bytes, for an error excerpt: what decodes
    // of `body` (a prefix of a body of `contentEncoding`).
    static QByteArray decodePrefix(const QByteArray &contentEncoding, const QByteArray &body,
                                   qsizetype limit);

private:
    enum class Kind { Identity, Gzip, Deflate, Brotli, Zstd };
    struct Stream;

    bool initStream(bool raw);
    Result nextInflated(QByteArrayView *output);
    Result nextBrotli(QByteArrayView *output);
    Result nextZstd(QByteArrayView *output);

    Kind m_kind = Kind::Identity;
    QByteArray m_name;
    std::unique_ptr<Stream> m_stream;
    QByteArrayView m_input;
    QByteArray m_output;
    QString m_error;
    bool m_begun = false; // the first input byte was seen (deflate: zlib or raw decided)
    bool m_memberEnded = false; // the last member (brotli stream, zstd frame) ended
    bool m_outputPending = false; // the last call filled the piece: the library may hold more
    size_t m_zstdHint = 0; // zstd: the input the next call wants (0: a frame ended)
};

} // namespace QtSse

#endif // QTSSE_CONTENTDECODER_P_H
