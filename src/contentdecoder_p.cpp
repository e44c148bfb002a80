// SPDX-License-Identifier: MIT
#include "contentdecoder_p.h"

#ifdef QTSSE_HAVE_ZLIB
#  include <zlib.h>
#endif
#ifdef QTSSE_HAVE_BROTLI
#  include <brotli/decode.h>
#endif
#ifdef QTSSE_HAVE_ZSTD
#  include <zstd.h>
#endif

#include <cstring>
#include <limits>

namespace QtSse {

// As in eventsource.cpp: exported from QtSse.dll for MinGW.
#ifdef __MINGW32__
constexpr qsizetype ContentDecoder::OutputPieceSize;
#endif

namespace {
#ifdef QTSSE_HAVE_ZSTD
// RFC 9659: an HTTP zstd decoder need not take a window above 8 MiB, and should not.
constexpr int ZstdWindowLogMax = 23;
// RFC 8878 3.1.1.2: a block header is 3 bytes.
constexpr size_t ZstdBlockHeaderSize = 3;
constexpr size_t ZstdFrameHeaderPrefix = 5;
#endif

// The codings this build decodes, for Accept-Encoding; with none, `identity`: QNAM then adds no
// Accept-Encoding of its own, whose decoding fails endless streams (contentdecoder_p.h).
#if defined(QTSSE_HAVE_ZLIB) || defined(QTSSE_HAVE_BROTLI) || defined(QTSSE_HAVE_ZSTD)
constexpr char Accepted[] =
#  ifdef QTSSE_HAVE_ZLIB
        ", gzip, deflate"
#  endif
#  ifdef QTSSE_HAVE_BROTLI
        ", br"
#  endif
#  ifdef QTSSE_HAVE_ZSTD
        ", zstd"
#  endif
        ;
const char *const AcceptedList = Accepted + 2; // without the first ", "
#else
const char *const AcceptedList = "identity";
#endif
} // namespace

struct ContentDecoder::Stream
{
#ifdef QTSSE_HAVE_ZLIB
    z_stream z;
    bool initialized = false;
#endif
#ifdef QTSSE_HAVE_BROTLI
    BrotliDecoderState *brotli = nullptr;
#endif
#ifdef QTSSE_HAVE_ZSTD
    ZSTD_DStream *zstd = nullptr;
#endif
#ifdef QTSSE_HAVE_ZLIB
    Stream()
    {
        std::memset(&z, 0, sizeof z);
    }
#else
    Stream() = default;
#endif
    ~Stream()
    {
#ifdef QTSSE_HAVE_ZLIB
        if (initialized)
            inflateEnd(&z);
#endif
#ifdef QTSSE_HAVE_BROTLI
        if (brotli)
            BrotliDecoderDestroyInstance(brotli);
#endif
#ifdef QTSSE_HAVE_ZSTD
        ZSTD_freeDStream(zstd); // null is fine
#endif
    }
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;
};

ContentDecoder::ContentDecoder() = default;
ContentDecoder::~ContentDecoder() = default;

const char *ContentDecoder::acceptedEncodings()
{
    return AcceptedList;
}

bool ContentDecoder::start(const QByteArray &contentEncoding)
{
    m_stream.reset();
    m_input = {};
    m_error.clear();
    m_begun = false;
    m_memberEnded = false;
    m_outputPending = false;
    m_zstdHint = 0;
    const QByteArray name = contentEncoding.trimmed().toLower();
    if (name.isEmpty() || name == "identity") {
        m_kind = Kind::Identity;
        m_name.clear();
        return true;
    }
    Kind kind = Kind::Identity; // stays so for a coding this build does not decode
#ifdef QTSSE_HAVE_ZLIB
    // RFC 9110 8.4.1.3: x-gzip is gzip.
    if (name == "gzip" || name == "x-gzip")
        kind = Kind::Gzip;
    else if (name == "deflate")
        kind = Kind::Deflate;
#endif
#ifdef QTSSE_HAVE_BROTLI
    if (name == "br")
        kind = Kind::Brotli;
#endif
#ifdef QTSSE_HAVE_ZSTD
    if (name == "zstd")
        kind = Kind::Zstd;
#endif
    if (kind == Kind::Identity)
        return false; // an encoding this build does not decode, a list of codings: not asked for
    m_kind = kind;
    m_name = name == "x-gzip" ? QByteArrayLiteral("gzip") : name;
    m_stream = std::make_unique<Stream>();
#ifdef QTSSE_HAVE_BROTLI
    if (m_kind == Kind::Brotli) {
        m_stream->brotli = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
        if (!m_stream->brotli)
            m_error = QStringLiteral("the brotli decoder could not be created");
    }
#endif
#ifdef QTSSE_HAVE_ZSTD
    if (m_kind == Kind::Zstd) {
        m_stream->zstd = ZSTD_createDStream();
        if (!m_stream->zstd
            || ZSTD_isError(
                    ZSTD_DCtx_setParameter(m_stream->zstd, ZSTD_d_windowLogMax, ZstdWindowLogMax)))
            m_error = QStringLiteral("the zstd decoder could not be created");
    }
#endif
    if (m_output.size() != OutputPieceSize)
        m_output.resize(OutputPieceSize);
    return true;
}

bool ContentDecoder::initStream(bool raw)
{
#ifdef QTSSE_HAVE_ZLIB
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
#else
    Q_UNUSED(raw);
    return false; // start() refuses gzip and deflate
#endif
}

void ContentDecoder::setInput(QByteArrayView input)
{
    m_input = input;
    if (m_kind == Kind::Identity || input.isEmpty())
        return;
    // brotli and zstd read m_input itself, whatever its size.
    if (m_kind == Kind::Brotli || m_kind == Kind::Zstd) {
        m_begun = true;
        return;
    }
#ifdef QTSSE_HAVE_ZLIB
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
#endif
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
    if (!m_error.isEmpty())
        return Result::Corrupt;
    switch (m_kind) {
    case Kind::Brotli:
        return nextBrotli(output);
    case Kind::Zstd:
        return nextZstd(output);
    default:
        return nextInflated(output);
    }
}

ContentDecoder::Result ContentDecoder::nextInflated(QByteArrayView *output)
{
#ifdef QTSSE_HAVE_ZLIB
    if (m_begun && !m_stream->initialized)
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
            m_error = z.msg              ? QString::fromLatin1(z.msg)
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
#else
    Q_UNUSED(output);
    return Result::Corrupt; // start() refuses gzip and deflate
#endif
}

ContentDecoder::Result ContentDecoder::nextBrotli(QByteArrayView *output)
{
#ifdef QTSSE_HAVE_BROTLI
    for (;;) {
        if (m_memberEnded) {
            // A brotli stream is the whole body: nothing may follow it.
            if (m_input.isEmpty())
                return Result::NeedInput;
            m_error = QStringLiteral("data after the end of the brotli stream");
            return Result::Corrupt;
        }
        if (m_input.isEmpty() && !m_outputPending)
            return Result::NeedInput;
        size_t availIn = size_t(m_input.size());
        auto nextIn = reinterpret_cast<const uint8_t *>(m_input.data());
        size_t availOut = size_t(m_output.size());
        auto nextOut = reinterpret_cast<uint8_t *>(m_output.data());
        const BrotliDecoderResult ret = BrotliDecoderDecompressStream(
                m_stream->brotli, &availIn, &nextIn, &availOut, &nextOut, nullptr);
        m_input = m_input.sliced(m_input.size() - qsizetype(availIn));
        const qsizetype produced = m_output.size() - qsizetype(availOut);
        // A full piece: brotli may hold more output, even when it says it needs input (it
        // pushes output out before it waits for input, as much as fits).
        m_outputPending = ret == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT || availOut == 0
                || BrotliDecoderHasMoreOutput(m_stream->brotli);
        if (ret == BROTLI_DECODER_RESULT_SUCCESS) {
            m_memberEnded = true;
        } else if (ret == BROTLI_DECODER_RESULT_ERROR) {
            m_error = QString::fromLatin1(
                    BrotliDecoderErrorString(BrotliDecoderGetErrorCode(m_stream->brotli)));
            if (produced == 0)
                return Result::Corrupt;
        }
        if (produced > 0) {
            *output = QByteArrayView(m_output.constData(), produced);
            return Result::Output;
        }
    }
#else
    Q_UNUSED(output);
    return Result::Corrupt; // start() refuses br
#endif
}

ContentDecoder::Result ContentDecoder::nextZstd(QByteArrayView *output)
{
#ifdef QTSSE_HAVE_ZSTD
    for (;;) {
        if (m_input.isEmpty() && !m_outputPending)
            return Result::NeedInput;
        // At most the next block's bytes in one call, without the next block's header: zstd
        // reports an error in that header before it hands out the block it decoded, so a
        // corrupt block after good ones in the same input would take their output with it.
        // A frame's start (hint 0) is its magic number and first header byte.
        const size_t wanted = m_zstdHint == 0      ? ZstdFrameHeaderPrefix
                : m_zstdHint > ZstdBlockHeaderSize ? m_zstdHint - ZstdBlockHeaderSize
                                                   : m_zstdHint;
        const size_t size = qMin(size_t(m_input.size()), wanted);
        ZSTD_inBuffer in = { m_input.data(), size, 0 };
        ZSTD_outBuffer out = { m_output.data(), size_t(m_output.size()), 0 };
        const size_t ret = ZSTD_decompressStream(m_stream->zstd, &out, &in);
        m_input = m_input.sliced(qsizetype(in.pos));
        const qsizetype produced = qsizetype(out.pos);
        if (ZSTD_isError(ret)) {
            m_error = QString::fromLatin1(ZSTD_getErrorName(ret));
            m_outputPending = false;
            if (produced == 0)
                return Result::Corrupt;
        } else {
            // 0: a frame ended and all of it is out. Another frame may follow (concatenated
            // frames are one body, RFC 8878 3.1). A call that moved nothing changes nothing.
            m_zstdHint = ret;
            if (ret == 0)
                m_memberEnded = true;
            else if (in.pos > 0 || produced > 0)
                m_memberEnded = false;
            m_outputPending = ret != 0 && out.pos == out.size;
        }
        if (produced > 0) {
            *output = QByteArrayView(m_output.constData(), produced);
            return Result::Output;
        }
        if (in.pos == 0 && !m_outputPending)
            return Result::NeedInput; // no progress: not expected, but never spin
    }
#else
    Q_UNUSED(output);
    return Result::Corrupt; // start() refuses zstd
#endif
}

bool ContentDecoder::isAtBoundary() const
{
    if (m_kind == Kind::Identity || !m_begun)
        return true;
    if (m_kind == Kind::Brotli || m_kind == Kind::Zstd)
        return m_memberEnded && m_input.isEmpty();
#ifdef QTSSE_HAVE_ZLIB
    return m_memberEnded && m_stream->z.avail_in == 0 && m_input.isEmpty();
#else
    return true; // start() refuses gzip and deflate
#endif
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
