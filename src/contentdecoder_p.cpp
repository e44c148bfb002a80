// SPDX-License-Identifier: MIT
#include "contentdecoder_p.h"

#include <zlib.h>

#include <cstring>
#include <limits>

namespace QtSse {

struct ContentDecoder::Stream
{
    z_stream z;
    bool initialized = false;
    Stream() { std::memset(&z, 0, sizeof z); }
    ~Stream()
    {
        if (initialized)
            inflateEnd(&z);
    }
};

ContentDecoder::ContentDecoder() = default;
ContentDecoder::~ContentDecoder() = default;

bool ContentDecoder::start(const QByteArray &contentEncoding)
{
    m_stream.reset();
    m_input = {};
    m_error.clear();
    m_begun = false;
    m_memberEnded = false;
    m_outputPending = false;
    const QByteArray name = contentEncoding.trimmed().toLower();
    if (name.isEmpty() || name == "identity") {
        m_kind = Kind::Identity;
        m_name.clear();
        return true;
    }
    // RFC 9110 8.4.1.3: x-gzip is gzip.
    if (name == "gzip" || name == "x-gzip")
        m_kind = Kind::Gzip;
    else if (name == "deflate")
        m_kind = Kind::Deflate;
    else
        return false; // br, zstd, a list of codings: not asked for
    m_name = m_kind == Kind::Gzip ? QByteArrayLiteral("gzip") : QByteArrayLiteral("deflate");
    m_stream = std::make_unique<Stream>();
    if (m_output.size() != OutputPieceSize)
        m_output.resize(OutputPieceSize);
    return true;
}

bool ContentDecoder::initStream(bool raw)
{
    // gzip: MAX_WBITS + 16 accepts only a gzip header. deflate is the zlib format (RFC 9110
    // 8.4.1.2), but some servers send raw deflate data: that is told by the first byte.
    const int windowBits = raw ? -MAX_WBITS : m_kind == Kind::Gzip ? MAX_WBITS + 16 : MAX_WBITS;
    if (m_stream->initialized) {
        inflateEnd(&m_stream->z);
        m_stream->initialized = false;
    }
    std::memset(&m_stream->z, 0, sizeof m_stream->z);
    if (inflateInit2(&m_stream->z, windowBits) != Z_OK)
        return false;
    m_stream->initialized = true;
    return true;
}

void ContentDecoder::setInput(QByteArrayView input)
{
    m_input = input;
    if (m_kind == Kind::Identity || input.isEmpty())
        return;
    z_stream &z = m_stream->z;
    if (!m_begun) {
        m_begun = true;
        // A zlib header's first byte says method 8 (deflate) with a window of at most 32 KiB.
        const auto first = uchar(input.front());
        const bool raw = m_kind == Kind::Deflate && ((first & 0x0f) != 8 || (first >> 4) > 7);
        if (!initStream(raw)) {
            m_error = QStringLiteral("zlib could not be initialized");
            return;
        }
    }
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.data()));
    z.avail_in = uInt(qMin<qsizetype>(input.size(), std::numeric_limits<uInt>::max()));
    m_input = input.sliced(z.avail_in); // what did not fit into avail_in
}

ContentDecoder::Result ContentDecoder::next(QByteArrayView *output)
{
    *output = {};
    if (m_kind == Kind::Identity) {
        if (m_input.isEmpty())
            return Result::NeedInput;
        *output = m_input;
        m_input = {};
        return Result::Output;
    }
    if (!m_error.isEmpty() || (m_begun && !m_stream->initialized))
        return Result::Corrupt;
    z_stream &z = m_stream->z;
    for (;;) {
        if (z.avail_in == 0 && !m_input.isEmpty())
            setInput(m_input);
        if (z.avail_in == 0 && !m_outputPending)
            return Result::NeedInput;
        if (m_memberEnded) {
            if (z.avail_in == 0)
                return Result::NeedInput;
            // Another member follows (concatenated gzip members are one body, RFC 1952 2.2).
            inflateReset(&z);
            m_memberEnded = false;
        }
        z.next_out = reinterpret_cast<Bytef *>(m_output.data());
        z.avail_out = uInt(m_output.size());
        const int ret = inflate(&z, Z_NO_FLUSH);
        const qsizetype produced = m_output.size() - qsizetype(z.avail_out);
        // A full piece: zlib may hold more output even with no input left, so ask again before
        // waiting for input.
        m_outputPending = z.avail_out == 0;
        if (ret == Z_STREAM_END) {
            m_memberEnded = true;
            m_outputPending = false;
        } else if (ret == Z_BUF_ERROR) {
            m_outputPending = false; // no progress possible without input
        } else if (ret != Z_OK) {
            m_error = z.msg ? QString::fromLatin1(z.msg)
                            : ret == Z_NEED_DICT ? QStringLiteral("a preset dictionary is needed")
                                                 : QStringLiteral("zlib error %1").arg(ret);
            // What decoded before the bad bytes is delivered first; the next call says Corrupt.
            if (produced == 0)
                return Result::Corrupt;
        }
        if (produced > 0) {
            *output = QByteArrayView(m_output.constData(), produced);
            return Result::Output;
        }
    }
}

bool ContentDecoder::isAtBoundary() const
{
    if (m_kind == Kind::Identity || !m_begun)
        return true;
    return m_memberEnded && m_stream->z.avail_in == 0 && m_input.isEmpty();
}

QByteArray ContentDecoder::decodePrefix(const QByteArray &contentEncoding, const QByteArray &body,
                                        qsizetype limit)
{
    ContentDecoder decoder;
    if (!decoder.start(contentEncoding))
        return body.left(limit);
    QByteArray decoded;
    decoder.setInput(body);
    QByteArrayView piece;
    while (decoded.size() < limit && decoder.next(&piece) == Result::Output)
        decoded += piece.first(qMin(piece.size(), limit - decoded.size()));
    return decoded;
}

} // namespace QtSse
