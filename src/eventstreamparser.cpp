// SPDX-License-Identifier: MIT
#include "eventstreamparser.h"
#include "linescan_p.h"

#include <cstring>
#include <limits>

namespace QtSse {

// As in eventsource.cpp: exported from QtSse.dll for MinGW.
#ifdef __MINGW32__
constexpr qint64 EventStreamParser::DefaultMaximumEventSize;
#endif

/*!
    \class QtSse::EventStreamParser
    \inmodule QtSse
    \inheaderfile QtSse/EventStreamParser
    \since QtSse 0.1
    \brief An incremental parser of \c text/event-stream bodies: bytes in, events out.

    EventStreamParser implements the "parsing an event stream" and "interpreting an event
    stream" steps of the WHATWG HTML standard. It has no QObject, no network and no event loop:
    feed() it the bytes of one response body as they arrive, in chunks of any size, and it calls
    its Handler for each dispatched event, each valid \c retry field and each comment, in stream
    order. EventSource uses one internally; use it directly to parse recorded streams, files or
    bodies you fetched yourself.

    \section1 Conformance
    The parser implements the parsing rules of the standard, item by item as the
    \l{EventSource conformance checklist} lists them:
    \list
    \li The body is decoded as UTF-8 whatever the \c Content-Type says, with one U+FFFD per
        maximal ill-formed subsequence, exactly as the WHATWG Encoding standard's decoder;
        characters split across chunks decode whole.
    \li One U+FEFF is removed only when it is the very first character of a body, even when
        its three bytes arrive in separate chunks.
    \li Lines end at CRLF, LF or CR, mixed freely and split anywhere across chunks. A CR ends
        its line at once; a following LF is skipped even when it arrives in the next chunk.
        Nothing else breaks lines.
    \li Field parsing, comments, single-space stripping, \c data / \c event / \c id /
        \c retry and dispatch follow the standard exactly. \c retry accepts ASCII digits
        only; values beyond the range of qint64 saturate at its maximum rather than wrap.
    \li An unfinished block at the end of a body is discarded, and its \c id is never
        committed. startBody() seeds the new body with the committed last event ID.
    \endlist

    \section1 Cost and limits
    The parser is linear in its input: each byte is scanned once, complete lines are parsed in
    place in the caller's buffer, and only an unfinished line is copied, with geometric growth,
    so a 10 MiB event arriving in 2 KiB chunks costs no more than one arriving whole. There is no
    line-length limit at practical sizes. To bound memory against a hostile server, the
    bytes buffered for one event (its unfinished line plus its data) may not exceed
    maximumEventSize(); past it, feed() returns Status::EventTooLarge and the parser refuses
    further input until the next startBody(). With setSkipOversizedEvents(), such an event is
    skipped instead: its data is counted but not kept, its \c id is committed at its blank line
    as any block's is, Handler::handleSkippedEvent() reports it, and parsing goes on.

    \section1 Unterminated events
    The standard discards a block that the body does not end with a blank line, which
    finishBody() does. Some servers omit the final blank line of their last event; flush()
    dispatches that block, as if the blank line had come.
*/

/*!
    \class QtSse::EventStreamParser::Handler
    \inmodule QtSse
    \inheaderfile QtSse/EventStreamParser
    \since QtSse 0.1
    \brief Receives what an EventStreamParser dispatches.

    Each function returns \c true to let the parser go on, or \c false to stop it at once:
    feed() then returns Status::Stopped without looking at the rest of its chunk. EventSource
    uses this so that nothing is delivered after EventSource::close().
*/

/*!
    Destroys the handler.
*/
EventStreamParser::Handler::~Handler() = default;

/*!
    \fn bool QtSse::EventStreamParser::Handler::handleEvent(const QtSse::MessageEvent &event)
    Called for every dispatched \a event. Return \c false to stop parsing.
*/

/*!
    Called when a valid \c retry field sets the reconnection time to \a milliseconds. The
    default implementation does nothing and returns \c true.
*/
bool EventStreamParser::Handler::handleRetry(qint64 milliseconds)
{
    Q_UNUSED(milliseconds);
    return true;
}

/*!
    Called for every comment line with \a text, everything after the leading colon, verbatim.
    The default implementation does nothing and returns \c true.
*/
bool EventStreamParser::Handler::handleComment(const QString &text)
{
    Q_UNUSED(text);
    return true;
}

/*!
    Called instead of handleEvent() for an event that outgrew maximumEventSize() while
    skipOversizedEvents() is set, with its \a type and its \a size: the bytes of its lines
    counted up to its blank line (at least maximumEventSize() + 1). The event's \c id, if it
    had one, is already the last event ID. The default implementation does nothing and returns
    \c true.
*/
bool EventStreamParser::Handler::handleSkippedEvent(const QString &type, qint64 size)
{
    Q_UNUSED(type);
    Q_UNUSED(size);
    return true;
}

/*!
    \enum QtSse::EventStreamParser::Status
    \value Ok            All input so far was parsed.
    \value Stopped       The handler returned \c false; the rest of the chunk was not parsed.
    \value EventTooLarge One event needed more than maximumEventSize() bytes of buffer. The
                         parser takes no more input until startBody().
*/

/*!
    \variable QtSse::EventStreamParser::DefaultMaximumEventSize
    The default maximumEventSize(): 16 MiB. Large enough for the largest events real streams
    send (LaunchDarkly's SDK contract tests send 10 MiB events), small enough that a few
    sources on a phone survive a hostile or compressed server: an event costs this many bytes
    while it arrives and twice as many as a QString.
*/

namespace {

constexpr char16_t ReplacementCharacter = 0xFFFD;

// Buffers up to RetainLimit are kept from one event to the next, so a stream of large events
// does not allocate, and fault in fresh pages for, its buffers again for every event. Larger
// ones are given back at once, and every RetainWindow events a kept buffer much larger than
// what the window needed is given back too: memory stays flat.
constexpr qsizetype RetainLimit = 1024 * 1024;
constexpr qsizetype SmallBuffer = 64 * 1024;
constexpr int RetainWindow = 64;
// An unfinished data line at the end of a chunk is decoded as it arrives once it holds this
// much: its field name, its colon and the byte after that, which settles the leading space.
constexpr qsizetype StreamThreshold = 6;

// Empties a buffer, keeping its capacity unless it is over the limit.
void recycle(QByteArray &buffer)
{
    if (buffer.capacity() > RetainLimit)
        buffer.clear();
    else
        buffer.resize(0);
}

void shrinkUnused(QByteArray &buffer, qsizetype needed)
{
    if (buffer.capacity() > qMax(SmallBuffer, 2 * needed))
        buffer.clear();
}

// Whether a buffer of this capacity is not much larger than n units: a kept event may pin it.
inline bool fitsTightly(qsizetype capacity, qsizetype n)
{
    return capacity >= n && capacity <= 2 * n + 64;
}

// Makes out n units long (contents unspecified), reusing its buffer when no one else holds it
// (the previous event's, which its receivers did not keep) and it fits n tightly. Runs twice per
// event: the reuse is inline, the allocation is not.
Q_NEVER_INLINE void allocate(QString &out, qsizetype n)
{
    out = QString(n, Qt::Uninitialized);
}

inline void reuseOrAllocate(QString &out, qsizetype n)
{
    if (Q_UNLIKELY(!out.isDetached() || !fitsTightly(out.capacity(), n)))
        allocate(out, n);
    else if (out.size() != n)
        out.resize(n);
}

// A literal: copies share static data, so the default type costs no allocation per event.
inline QString messageType()
{
    return QStringLiteral("message");
}

// Makes target share source's data, unless it already does.
inline void assignShared(QString &target, const QString &source)
{
    if (target.constData() != source.constData() || target.size() != source.size())
        target = source;
}

// Parses a retry value: one or more ASCII digits and nothing else (P-24). Saturates instead
// of wrapping. Returns -1 when the value is not valid.
qint64 parseRetry(const char *p, qsizetype n)
{
    if (n == 0)
        return -1; // P-25 / N-02: an empty value is ignored
    constexpr qint64 max = std::numeric_limits<qint64>::max();
    qint64 value = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned digit = unsigned(static_cast<unsigned char>(p[i])) - unsigned('0');
        if (digit > 9)
            return -1;
        if (value > (max - qint64(digit)) / 10)
            value = max;
        else
            value = value * 10 + qint64(digit);
    }
    return value;
}

// Makes buffer hold exactly the n bytes at p, reusing its allocation.
inline void assignBytes(QByteArray &buffer, const char *p, qsizetype n)
{
    buffer.resize(n);
    if (n)
        std::memcpy(buffer.data(), p, size_t(n));
}

// Appends the n bytes at p and an LF: one data value in the data buffer.
inline void appendLine(QByteArray &buffer, const char *p, qsizetype n)
{
    const qsizetype old = buffer.size();
    buffer.resize(old + n + 1); // grows geometrically: a long run of data lines stays linear
    char *const out = buffer.data() + old;
    if (n)
        std::memcpy(out, p, size_t(n));
    out[n] = '\n';
}

// A comment's text, decoded only when someone listens. Out of line: inlined, its string and
// its decoding would make every line's parsing save more registers.
Q_NEVER_INLINE bool reportComment(EventStreamParser::Handler *handler, QByteArrayView text)
{
    return handler ? handler->handleComment(EventStreamParser::decodeUtf8(text)) : true;
}

using LineScan::findLineEnd; // linescan_p.h: SSE2, NEON or scalar
using LineScan::findLineEndScalar;

// The four bytes of a word as four UTF-16 units, in a register: each byte is moved into the low
// half of its own 16-bit lane. The lanes keep the bytes' order on either byte order, so the
// result is the word that memcpy() of those four units would load.
inline quint64 widenWord(quint32 word)
{
    quint64 units = word;
    units = (units | (units << 16)) & Q_UINT64_C(0x0000FFFF0000FFFF);
    return (units | (units << 8)) & Q_UINT64_C(0x00FF00FF00FF00FF);
}

// Four bytes as four UTF-16 units.
inline void widen4(char16_t *dst, const unsigned char *p)
{
    quint32 bytes;
    std::memcpy(&bytes, p, 4);
#if defined(QTSSE_LINESCAN_SSE2)
    const __m128i units = _mm_unpacklo_epi8(_mm_cvtsi32_si128(int(bytes)), _mm_setzero_si128());
    _mm_storel_epi64(reinterpret_cast<__m128i *>(dst), units);
#else
    const quint64 units = widenWord(bytes);
    std::memcpy(dst, &units, 8);
#endif
}

inline void widen8(char16_t *dst, const unsigned char *p)
{
#if defined(QTSSE_LINESCAN_SSE2)
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(dst),
                     _mm_unpacklo_epi8(bytes, _mm_setzero_si128()));
#else
    widen4(dst, p);
    widen4(dst + 4, p + 4);
#endif
}

// Whether the n <= ShortValue bytes at p are all ASCII: two overlapping word tests. Ids, types
// and small data values are this short; per event, a loop's branches cost more than these.
constexpr qsizetype ShortValue = 16;
inline bool isShortAscii(const unsigned char *p, qsizetype n)
{
    Q_ASSERT(n <= ShortValue);
    if (n >= 8) {
        quint64 head, tail;
        std::memcpy(&head, p, 8);
        std::memcpy(&tail, p + n - 8, 8);
        return ((head | tail) & Q_UINT64_C(0x8080808080808080)) == 0;
    }
    if (n >= 4) {
        quint32 head, tail;
        std::memcpy(&head, p, 4);
        std::memcpy(&tail, p + n - 4, 4);
        return ((head | tail) & 0x80808080u) == 0;
    }
    unsigned bits = 0;
    for (qsizetype i = 0; i < n; ++i)
        bits |= p[i];
    return bits < 0x80;
}

// Decodes a value of at most ShortValue bytes that is all ASCII: one unit per byte, in two
// overlapping loads and stores instead of a loop. Returns false, having written nothing, when
// a byte is not ASCII.
inline bool decodeShortAscii(char16_t *dst, const unsigned char *p, qsizetype n)
{
    if (!isShortAscii(p, n))
        return false;
    if (n >= 8) {
        widen8(dst, p);
        widen8(dst + n - 8, p + n - 8);
    } else if (n >= 4) {
        widen4(dst, p);
        widen4(dst + n - 4, p + n - 4);
    } else {
        for (qsizetype i = 0; i < n; ++i)
            dst[i] = p[i];
    }
    return true;
}

// Whether the n <= ShortValue ASCII bytes at b are the n units at t: the bytes are widened in
// registers and compared with the units in two overlapping steps, with no exit on the first
// difference. Widening into memory first would cost a failed store-to-load forward: the
// overlapping stores of decodeShortAscii() cannot forward to a load that spans both.
inline bool sameShortAscii(const unsigned char *b, const char16_t *t, qsizetype n)
{
    const auto load32 = [](const unsigned char *p) {
        quint32 word;
        std::memcpy(&word, p, 4);
        return word;
    };
    const auto load64 = [](const char16_t *p) {
        quint64 word;
        std::memcpy(&word, p, 8);
        return word;
    };
    if (n >= 8) {
#if defined(QTSSE_LINESCAN_SSE2)
        const __m128i zero = _mm_setzero_si128();
        const __m128i head =
                _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(b)), zero);
        const __m128i tail = _mm_unpacklo_epi8(
                _mm_loadl_epi64(reinterpret_cast<const __m128i *>(b + n - 8)), zero);
        const __m128i same = _mm_and_si128(
                _mm_cmpeq_epi16(head, _mm_loadu_si128(reinterpret_cast<const __m128i *>(t))),
                _mm_cmpeq_epi16(tail,
                                _mm_loadu_si128(reinterpret_cast<const __m128i *>(t + n - 8))));
        return _mm_movemask_epi8(same) == 0xFFFF;
#else
        return ((widenWord(load32(b)) ^ load64(t)) | (widenWord(load32(b + 4)) ^ load64(t + 4))
                | (widenWord(load32(b + n - 8)) ^ load64(t + n - 8))
                | (widenWord(load32(b + n - 4)) ^ load64(t + n - 4)))
                == 0;
#endif
    }
    if (n >= 4)
        return ((widenWord(load32(b)) ^ load64(t))
                | (widenWord(load32(b + n - 4)) ^ load64(t + n - 4)))
                == 0;
    unsigned d = 0;
    for (qsizetype i = 0; i < n; ++i)
        d |= unsigned(t[i] ^ b[i]);
    return d == 0;
}

// Whether a word holds a zero byte. Exact: the expression flags some byte of the word if, and
// only if, one of its bytes is zero.
template <typename Word>
inline bool zeroByteIn(Word word)
{
    constexpr Word ones = Word(~Word(0)) / 0xFF; // 0x01 in every byte
    return ((word - ones) & ~word & (ones << 7)) != 0;
}

// A field's value: what follows the name of nameLength bytes, less the colon and then exactly
// one leading space (P-11). A line without a colon (nameLength == length) has an empty value.
inline const char *fieldValue(const char *line, qsizetype length, qsizetype nameLength,
                              qsizetype &valueLength)
{
    const char *value = line + nameLength;
    valueLength = length - nameLength;
    if (valueLength > 0) {
        ++value;
        --valueLength;
        if (valueLength > 0 && *value == ' ') {
            ++value;
            --valueLength;
        }
    }
    return value;
}

// Whether the n bytes at p hold a NUL. Ids are short: for them two overlapping word tests cost
// less than a call.
inline bool containsNul(const char *p, qsizetype n)
{
    if (n > ShortValue)
        return std::memchr(p, '\0', size_t(n)) != nullptr;
    if (n >= 8) {
        quint64 head, tail;
        std::memcpy(&head, p, 8);
        std::memcpy(&tail, p + n - 8, 8);
        return zeroByteIn(head) || zeroByteIn(tail);
    }
    if (n >= 4) {
        quint32 head, tail;
        std::memcpy(&head, p, 4);
        std::memcpy(&tail, p + n - 4, 4);
        return zeroByteIn(head) || zeroByteIn(tail);
    }
    bool nul = false;
    for (qsizetype i = 0; i < n; ++i)
        nul |= p[i] == '\0';
    return nul;
}

// Whether bytes, once decoded, equal text. ASCII decodes one unit per byte, so it is compared
// in place; only an id with other bytes is decoded to compare. Nothing exits early: a stream's
// ids usually differ only in their last characters, where an exit would be a mispredicted branch
// per event. A short id, what most streams send, is widened and compared whole in registers.
bool sameText(QByteArrayView bytes, const QString &text)
{
    const qsizetype n = bytes.size();
    const auto *b = reinterpret_cast<const unsigned char *>(bytes.data());
    if (n <= ShortValue && isShortAscii(b, n))
        return n == text.size()
                && sameShortAscii(b, reinterpret_cast<const char16_t *>(text.constData()), n)
                && (n > 0 || !text.isNull()); // an empty id replaces a null one
    unsigned bits = 0;
    for (qsizetype i = 0; i < n; ++i)
        bits |= b[i];
    if (bits >= 0x80)
        return EventStreamParser::decodeUtf8(bytes) == text;
    if (n != text.size())
        return false;
    const char16_t *t = reinterpret_cast<const char16_t *>(text.constData());
    unsigned differ = 0;
    for (qsizetype i = 0; i < n; ++i)
        differ |= unsigned(t[i] ^ b[i]);
    return differ == 0 && (n > 0 || !text.isNull()); // an empty id replaces a null one
}

// Decodes [from, end) to dst as the WHATWG Encoding standard's UTF-8 decoder does; returns the
// end of what it wrote, at most end - from units. An unfinished character at the end becomes
// one U+FFFD, as at the end of a stream. With StopAtLineEnd, it stops at the first CR or LF
// instead, as if the bytes ended there, and moves from to it (or to end): one pass finds a
// line's end and decodes it.
template <bool StopAtLineEnd>
char16_t *decodeUtf8Core(char16_t *dst, const unsigned char *&from, const unsigned char *const end)
{
    const unsigned char *p = from;
    while (p < end) {
        if (*p < 0x80) {
            // An ASCII run: sixteen bytes at a time, then eight, then one. Only tried at an
            // ASCII byte, so text in other scripts does not pay for it at every character.
#if defined(QTSSE_LINESCAN_SSE2) // linescan_p.h includes <emmintrin.h> where SSE2 is there
            const __m128i zero = _mm_setzero_si128();
            while (end - p >= 16) {
                const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
                __m128i stops = chunk; // the sign bit: a byte past ASCII
                if constexpr (StopAtLineEnd) {
                    stops = _mm_or_si128(stops, _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\n')));
                    stops = _mm_or_si128(stops, _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\r')));
                }
                if (_mm_movemask_epi8(stops))
                    break;
                _mm_storeu_si128(reinterpret_cast<__m128i *>(dst), _mm_unpacklo_epi8(chunk, zero));
                _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + 8),
                                 _mm_unpackhi_epi8(chunk, zero));
                dst += 16;
                p += 16;
            }
#endif
            while (!StopAtLineEnd && end - p >= 8) {
                quint64 word;
                std::memcpy(&word, p, 8);
                if (word & Q_UINT64_C(0x8080808080808080))
                    break;
                for (int i = 0; i < 8; ++i)
                    dst[i] = p[i];
                dst += 8;
                p += 8;
            }
            while (p < end && *p < 0x80) {
                if (StopAtLineEnd && (*p == '\n' || *p == '\r')) {
                    from = p;
                    return dst;
                }
                *dst++ = char16_t(*p++);
            }
            continue;
        }
        const unsigned b = *p;
        // Lead byte: how many continuation bytes, and the bounds of the first one.
        int needed;
        unsigned lower = 0x80, upper = 0xBF;
        char32_t cp;
        if (b >= 0xC2 && b <= 0xDF) {
            needed = 1;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            needed = 2;
            cp = b & 0x0F;
            if (b == 0xE0)
                lower = 0xA0;
            else if (b == 0xED)
                upper = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            needed = 3;
            cp = b & 0x07;
            if (b == 0xF0)
                lower = 0x90;
            else if (b == 0xF4)
                upper = 0x8F;
        } else {
            *dst++ = ReplacementCharacter;
            ++p;
            continue;
        }
        ++p;
        int seen = 0;
        while (seen < needed && p < end && *p >= lower && *p <= upper) {
            cp = (cp << 6) | (*p & 0x3F);
            lower = 0x80;
            upper = 0xBF;
            ++seen;
            ++p;
        }
        if (seen < needed) {
            // A maximal ill-formed subsequence: one replacement; the byte that broke it (if
            // any) is decoded afresh by the next iteration.
            *dst++ = ReplacementCharacter;
            continue;
        }
        if (cp >= 0x10000) {
            *dst++ = char16_t(0xD800 + ((cp - 0x10000) >> 10));
            *dst++ = char16_t(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            *dst++ = char16_t(cp);
        }
    }
    from = p;
    return dst;
}

char16_t *decodeUtf8To(char16_t *dst, const unsigned char *p, const unsigned char *const end)
{
    return decodeUtf8Core<false>(dst, p, end);
}

// Decodes into out, reusing its buffer when no one else holds it (the previous event's data,
// which its receivers did not keep) and it is not much larger than needed, so a kept event
// never pins a buffer far larger than its data.
inline void decodeInto(QString &out, QByteArrayView bytes)
{
    const qsizetype n = bytes.size();
    if (n == 0) {
        out = QString(QLatin1StringView(""));
        return;
    }
    // Each byte yields at most one UTF-16 code unit (a 4-byte sequence yields two).
    reuseOrAllocate(out, n);
    char16_t *const begin = reinterpret_cast<char16_t *>(out.data());
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    if (n <= ShortValue && decodeShortAscii(begin, p, n))
        return;
    char16_t *const dst = decodeUtf8To(begin, p, p + n);
    if (dst - begin != n)
        out.truncate(dst - begin);
}

// The end of the longest prefix of [p, end) that decodes the same whatever bytes follow it:
// before the last lead byte of the last four bytes, whose character may be unfinished.
// A character is at most four bytes long, and a byte that is not a continuation byte always
// starts afresh, so cutting before one changes nothing.
const char *completePrefixEnd(const char *p, const char *const end)
{
    for (const char *q = end; q > p && end - q < 4;) {
        const auto b = static_cast<unsigned char>(*--q);
        if (b < 0x80)
            return end;
        if (b >= 0xC0)
            return q;
    }
    return end;
}

// Appends the decoded bytes [p, end) to out, growing it geometrically; with StopAtLineEnd,
// only those before the first CR or LF. Returns where it stopped: that line end, or end.
template <bool StopAtLineEnd = false>
const char *appendDecoded(QString &out, const char *p, const char *end)
{
    while (p < end) {
        // A line may end long before end: room is made step by step then, each step as long
        // as the text so far (at least MinimumStep) and ending where no character is cut.
        constexpr qsizetype MinimumStep = 256;
        const char *stepEnd = end;
        const qsizetype step = qMax(MinimumStep, out.size());
        if (StopAtLineEnd && end - p > step)
            stepEnd = completePrefixEnd(p, p + step);
        const qsizetype n = stepEnd - p;
        const qsizetype old = out.size();
        if (out.capacity() < old + n)
            out.reserve(qMax(old + n, 2 * old));
        out.resize(old + n);
        char16_t *const begin = reinterpret_cast<char16_t *>(out.data()) + old;
        const auto *bytes = reinterpret_cast<const unsigned char *>(p);
        const char16_t *const written = decodeUtf8Core<StopAtLineEnd>(
                begin, bytes, reinterpret_cast<const unsigned char *>(stepEnd));
        out.truncate(old + (written - begin));
        p = reinterpret_cast<const char *>(bytes);
        if (p != stepEnd)
            return p; // a line end
    }
    return end;
}

} // namespace

/*!
    Constructs a parser that reports to \a handler (which may be set later with setHandler()).
    The parser starts at the beginning of a body with an empty last event ID.
*/
EventStreamParser::EventStreamParser(Handler *handler) : m_handler(handler) { }

/*!
    Destroys the parser. The handler is not owned and is not deleted.
*/
EventStreamParser::~EventStreamParser() = default;

/*!
    \fn QtSse::EventStreamParser::Handler *QtSse::EventStreamParser::handler() const
    Returns the handler that receives events, or \c nullptr.
*/

/*!
    \fn void QtSse::EventStreamParser::setHandler(QtSse::EventStreamParser::Handler *handler)
    Makes \a handler receive events from now on. The parser does not take ownership.
*/

/*!
    \fn qint64 QtSse::EventStreamParser::maximumEventSize() const
    Returns the most bytes one event may buffer: its unfinished line plus its data.
    The default is DefaultMaximumEventSize (16 MiB).
*/

/*!
    Sets the most bytes one event may buffer to \a bytes. Values below 1 are taken as 1.
*/
void EventStreamParser::setMaximumEventSize(qint64 bytes)
{
    m_maximumEventSize = qMax<qint64>(1, bytes);
}

/*!
    \fn bool QtSse::EventStreamParser::skipOversizedEvents() const
    Returns whether an event over maximumEventSize() is skipped (see
    setSkipOversizedEvents()); \c false by default.
*/

/*!
    \fn void QtSse::EventStreamParser::setSkipOversizedEvents(bool skip)
    When \a skip is \c true, an event that needs more than maximumEventSize() bytes is skipped
    instead of stopping the parser: its data is counted, not kept, its \c id is committed at
    its blank line, and Handler::handleSkippedEvent() reports its type and size. When \c false
    (the default) feed() returns Status::EventTooLarge.
*/

/*!
    \fn QString QtSse::EventStreamParser::origin() const
    Returns the origin stamped on every dispatched MessageEvent.
*/

/*!
    \fn void QtSse::EventStreamParser::setOrigin(const QString &origin)
    Stamps \a origin on every MessageEvent dispatched from now on.
*/

/*!
    Starts a new body, keeping the committed last event ID. Everything buffered from the
    previous body is dropped, the BOM check starts again and the status is reset to
    Status::Ok.
*/
void EventStreamParser::startBody()
{
    m_status = Status::Ok;
    endText(true);
    m_line.clear();
    m_data.clear();
    m_eventType.clear();
    m_pendingId.clear();
    m_dataRef = nullptr; // a handler may start a new body in the middle of a chunk
    m_idRef = nullptr;
    m_idPending = false;
    m_skipping = false;
    m_skipLine = false;
    m_skippedSize = 0;
    m_bomMatched = 0;
    m_atBodyStart = true;
    m_skipLf = false;
}

/*!
    \overload
    Starts a new body whose committed last event ID is \a lastEventId, as when a connection is
    reestablished with a \c Last-Event-ID header.
*/
void EventStreamParser::startBody(const QString &lastEventId)
{
    startBody();
    setLastEventId(lastEventId);
}

/*!
    Makes \a id the committed last event ID, as if a block's \c id field had committed it: the
    events dispatched from now on report it, until a block's \c id replaces it. An \c id
    field already seen in the unfinished block still commits at its blank line.
*/
void EventStreamParser::setLastEventId(const QString &id)
{
    if (m_event.m_lastEventId == id && m_event.m_lastEventId.isNull() == id.isNull())
        return;
    m_event.m_lastEventId = id;
    ++m_lastEventIdChanges;
}

/*!
    Ends the current body: the unfinished line and block are discarded and an \c id seen only
    in that block is never committed. Nothing is dispatched. Call startBody()
    before feeding the next body.
*/
void EventStreamParser::finishBody()
{
    startBody();
}

/*!
    Dispatches what the body left unterminated, as if it ended with a blank line: the
    unfinished last line is parsed as complete, then the block is dispatched (an event if it
    has data, the \c id committed if it has one). For servers that omit the final blank line;
    the standard discards that block instead (finishBody()). Returns Status::Stopped when the
    handler stopped, otherwise the status of the body. Call finishBody() afterwards.
*/
EventStreamParser::Status EventStreamParser::flush()
{
    if (m_status == Status::EventTooLarge)
        return m_status;
    m_status = Status::Ok;
    bool goOn = true;
    if (m_skipLine) {
        m_skipLine = false; // the dropped line is over
    } else if (m_streaming) {
        finishStreamedLine(); // the streamed line ends here
    } else if (!m_line.isEmpty()) {
        goOn = processLine(m_line.constData(), m_line.size(), false);
        m_line.clear();
        if (m_status == Status::EventTooLarge)
            return m_status;
    }
    flushChunkReferences();
    if (goOn)
        goOn = dispatch();
    m_status = goOn ? Status::Ok : Status::Stopped;
    return m_status;
}

/*!
    \fn QtSse::EventStreamParser::Status QtSse::EventStreamParser::status() const
    Returns the status of the last feed().
*/

/*!
    \fn QString QtSse::EventStreamParser::lastEventId() const
    Returns the committed last event ID: the value a reconnect sends as \c Last-Event-ID.
*/

/*!
    \fn quint64 QtSse::EventStreamParser::lastEventIdChanges() const
    Returns how many times the committed last event ID has changed so far, by a block's \c id
    field, setLastEventId() or startBody() with an ID. Compare it with an earlier value to see
    whether lastEventId() changed without comparing the strings: an ID equal to the committed
    one does not count.
*/

/*!
    Returns how many bytes the current, unfinished event holds in buffers: its unfinished line,
    its data, its event type and its pending id.
*/
qint64 EventStreamParser::bufferedSize() const
{
    return qint64(m_line.size()) + qint64(m_data.size()) + (m_dataRef ? m_dataRefLength + 1 : 0)
            + m_textBytes + m_streamLineBytes + qint64(m_eventType.size()) + pendingIdSize();
}

bool EventStreamParser::overCap(qint64 pending) const
{
    return bufferedSize() + pending > m_maximumEventSize;
}

/*!
    Parses \a bytes, the next chunk of the current body, and calls the handler for everything
    it completes. A chunk may be empty and may split lines, CRLF pairs and UTF-8 characters
    anywhere. Returns Status::Ok, or why parsing stopped.
*/
EventStreamParser::Status EventStreamParser::feed(QByteArrayView bytes)
{
    if (m_status == Status::EventTooLarge)
        return m_status;
    m_status = Status::Ok;
    const char *p = bytes.data();
    const char *const end = p + bytes.size();

    if (m_atBodyStart) {
        // P-02: strip one leading EF BB BF, whose bytes may come in separate chunks.
        static const char bom[3] = { '\xEF', '\xBB', '\xBF' };
        while (p < end && m_bomMatched < 3 && *p == bom[m_bomMatched]) {
            ++m_bomMatched;
            ++p;
        }
        if (m_bomMatched == 3) {
            m_atBodyStart = false;
        } else if (p < end) {
            // Not a BOM after all: the bytes matched so far are ordinary input.
            m_atBodyStart = false;
            const int matched = m_bomMatched;
            if (matched > 0) {
                m_status = processBytes(bom, bom + matched);
                if (m_status != Status::Ok)
                    return m_status;
            }
        } else {
            return m_status; // the chunk was a prefix of a BOM; wait for more
        }
    }
    m_status = processBytes(p, end);
    return m_status;
}

EventStreamParser::Status EventStreamParser::processBytes(const char *p, const char *const end)
{
    const Status status = processLines(p, end);
    flushChunkReferences();
    return status;
}

// Drops the event being buffered, whole, because it needs more than maximumEventSize().
EventStreamParser::Status EventStreamParser::dropTooLargeEvent()
{
    endText();
    m_line.clear();
    m_data.clear();
    m_eventType.clear();
    m_pendingId.clear();
    m_dataRef = nullptr;
    m_idRef = nullptr;
    m_idPending = false;
    return Status::EventTooLarge;
}

// Starts skipping the current block, which needs `pending` more bytes than its buffers hold
// and so outgrows maximumEventSize(): its buffered data goes, its id and type stay. False when
// the parser does not skip such events (the caller stops with Status::EventTooLarge).
bool EventStreamParser::startSkipping(qint64 pending)
{
    if (!m_skipOversized)
        return false;
    m_skippedSize = (m_skipping ? m_skippedSize : bufferedSize()) + pending;
    m_skipping = true;
    endText();
    m_line.clear();
    m_data.clear();
    m_dataRef = nullptr;
    return true;
}

// The blank line of a skipped block: the type is reported with the size, and the block ends.
bool EventStreamParser::dispatchSkipped()
{
    const QString type = m_eventType.isEmpty() ? messageType() : decodeUtf8(m_eventType);
    const qint64 size = m_skippedSize;
    m_eventType.resize(0);
    m_skipping = false;
    m_skippedSize = 0;
    return m_handler ? m_handler->handleSkippedEvent(type, size) : true;
}

// Copies the values still referred to in the chunk being parsed into the parser's own buffers,
// before the caller's chunk goes away.
void EventStreamParser::flushChunkReferences()
{
    if (m_dataRef) {
        appendLine(m_data, m_dataRef, m_dataRefLength);
        m_dataRef = nullptr;
    }
    if (m_idRef) {
        assignBytes(m_pendingId, m_idRef, m_idRefLength);
        m_idRef = nullptr;
    }
}

EventStreamParser::Status EventStreamParser::processLines(const char *p, const char *const end)
{
    if (p == end)
        return Status::Ok;
    if (m_skipLf) {
        m_skipLf = false;
        if (*p == '\n')
            ++p;
    }
    if (m_streaming) {
        const char *eol = nullptr;
        if (end - p <= m_maximumEventSize - bufferedSize()) {
            eol = streamLine(p, end); // within the limit, whatever it finds
        } else {
            eol = findLineEnd(p, end);
            const char *const stop = eol ? eol : end;
            if (!overCap(stop - p)) {
                appendText(p, stop, false);
                m_streamLineBytes += stop - p;
            } else if (!startSkipping(stop - p)) {
                return dropTooLargeEvent(); // as for a line gathered in m_line
            } else if (!eol) {
                m_skipLine = true; // skipped from here: the rest of the line is dropped
            }
        }
        if (!eol)
            return Status::Ok;
        if (m_streaming)
            finishStreamedLine();
        p = pastLineEnd(eol, end);
    }
    // Parses one complete line that lies in the chunk. The lines of nearly every event are
    // parsed here, in a few comparisons: a blank line, the first "data:" line of a block and an
    // "id:" line, each within the size limit. Anything else, including those lines when the
    // limit or the state of the block asks for more, goes to processLine(), which parses it the
    // same way. A lambda, so that it is inlined here: as a function of its own it was a call
    // per line, which cost w1 (three lines per event) 6% of its time.
    const auto chunkLine = [this](const char *line, qsizetype length) {
        if (length == 0)
            return dispatch(); // P-16, P-21
        if (length >= 5 && std::memcmp(line, "data:", 5) == 0) { // P-14
            if (!m_skipping && !m_textMode && !m_dataRef && m_data.isEmpty()) {
                qsizetype valueLength;
                const char *const value = fieldValue(line, length, 4, valueLength);
                if (bufferedSize() + valueLength + 1 <= m_maximumEventSize) {
                    m_dataRef = value; // referred to, copied only if the block outlives the chunk
                    m_dataRefLength = valueLength;
                    return true;
                }
            }
        } else if (length >= 3 && std::memcmp(line, "id:", 3) == 0) { // P-18, P-19, P-20
            qsizetype valueLength;
            const char *const value = fieldValue(line, length, 2, valueLength);
            if (!containsNul(value, valueLength)
                && bufferedSize() - pendingIdSize() + valueLength <= m_maximumEventSize) {
                m_idRef = value;
                m_idRefLength = valueLength;
                m_idPending = true;
                return true;
            }
        }
        return processLine(line, length, true);
    };
    while (p < end) {
        const char *const eol = findLineEnd(p, end);
        if (!eol) {
            // Unfinished line: keep it for the next chunk.
            const qsizetype tail = end - p;
            if (m_skipLine) {
                m_skippedSize += tail;
                return Status::Ok;
            }
            if (overCap(tail)) {
                if (!startSkipping(tail))
                    return dropTooLargeEvent();
                m_skipLine = true; // a line too long to keep: dropped unparsed
                return Status::Ok;
            }
            // The block's first data line, if long enough to know its value's start (a block of
            // many data lines keeps gathering its bytes, decoded at once when it ends).
            if (tail >= StreamThreshold && m_line.isEmpty() && !m_skipping && !m_textMode
                && m_data.isEmpty() && !m_dataRef && std::memcmp(p, "data:", 5) == 0) {
                startStreaming(p, end);
                return Status::Ok;
            }
            m_line.append(p, tail);
            return Status::Ok;
        }
        bool goOn = true;
        if (m_skipLine) {
            m_skippedSize += eol - p; // the end of a dropped line
            m_skipLine = false;
        } else if (m_line.isEmpty()) {
            goOn = chunkLine(p, eol - p);
        } else if (overCap(eol - p)) {
            if (!startSkipping(eol - p))
                return dropTooLargeEvent();
            // The line is dropped unparsed.
        } else {
            m_line.append(p, eol - p);
            m_windowPeak = qMax(m_windowPeak, m_line.size());
            goOn = processLine(m_line.constData(), m_line.size(), false);
            recycle(m_line);
        }
        if (m_status == Status::EventTooLarge)
            return m_status;
        p = pastLineEnd(eol, end);
        if (!goOn)
            return Status::Stopped;
    }
    return Status::Ok;
}

// Past the line end at eol, and past the LF of a CRLF; at the end of the chunk, that LF may
// come first in the next one (P-07).
const char *EventStreamParser::pastLineEnd(const char *eol, const char *end)
{
    const char *const p = eol + 1;
    if (*eol != '\r')
        return p;
    if (p == end) {
        m_skipLf = true;
        return p;
    }
    return *p == '\n' ? p + 1 : p;
}

// Parses one complete line. inChunk: the line lies in the caller's chunk (not in m_line), so
// its value may be referred to until the chunk ends instead of being copied.
bool EventStreamParser::processLine(const char *line, qsizetype length, bool inChunk)
{
    if (length == 0)
        return dispatch(); // P-16, P-21
    if (line[0] == ':')
        return reportComment(m_handler, QByteArrayView(line + 1, length - 1)); // P-09
    // P-10, P-12: the name ends at the first colon; no colon means the whole line is the name.
    // Every field the standard knows has a name of at most five characters, and names compare
    // exactly (P-13), so a line whose first six characters hold no colon is an unknown field
    // whatever follows: the colon is looked for among those six only.
    qsizetype nameLength = length;
    const qsizetype probe = qMin<qsizetype>(length, 6);
    for (qsizetype i = 0; i < probe; ++i) {
        if (line[i] == ':') {
            nameLength = i;
            break;
        }
    }
    if (nameLength > 5)
        return true; // unknown field: ignored (P-13)
    qsizetype valueLength;
    const char *const value = fieldValue(line, length, nameLength, valueLength);
    switch (nameLength) {
    case 4:
        if (std::memcmp(line, "data", 4) == 0) { // P-14
            if (m_skipping) {
                m_skippedSize += valueLength + 1;
                break;
            }
            // The line itself is released once parsed, so only the data buffer counts here.
            if (bufferedSize() - m_line.size() + valueLength + 1 > m_maximumEventSize) {
                if (startSkipping(valueLength + 1 - (inChunk ? 0 : m_line.size())))
                    break;
                m_status = dropTooLargeEvent();
                return false;
            }
            if (m_textMode) {
                m_text.append(u'\n'); // a value came before: the block is text since then
                appendText(value, value + valueLength, true);
                m_textBytes += valueLength + 1;
            } else if (m_data.isEmpty() && !m_dataRef) {
                if (inChunk) {
                    // The first data line of a block: referred to, copied only if the block
                    // does not end in this chunk.
                    m_dataRef = value;
                    m_dataRefLength = valueLength;
                } else {
                    // A long line carried over chunks: reuse its buffer instead of copying it.
                    m_data.swap(m_line);
                    m_data.remove(0, value - line);
                    m_data.append('\n');
                }
            } else {
                if (m_dataRef) {
                    appendLine(m_data, m_dataRef, m_dataRefLength);
                    m_dataRef = nullptr;
                }
                appendLine(m_data, value, valueLength);
            }
        }
        break;
    case 5:
        if (std::memcmp(line, "event", 5) == 0) { // P-17
            // The value replaces the type buffered so far; the line is released once parsed.
            if (bufferedSize() - m_line.size() - m_eventType.size() + valueLength
                > m_maximumEventSize) {
                m_status = dropTooLargeEvent();
                return false;
            }
            assignBytes(m_eventType, value, valueLength);
        } else if (std::memcmp(line, "retry", 5) == 0) { // P-24, P-25, P-26
            const qint64 ms = parseRetry(value, valueLength);
            if (ms >= 0 && m_handler)
                return m_handler->handleRetry(ms);
        }
        break;
    case 2:
        if (line[0] == 'i' && line[1] == 'd'
            && !containsNul(value, valueLength)) { // P-18, P-19, P-20
            if (bufferedSize() - m_line.size() - pendingIdSize() + valueLength
                > m_maximumEventSize) {
                m_status = dropTooLargeEvent();
                return false;
            }
            if (inChunk) {
                m_idRef = value;
                m_idRefLength = valueLength;
            } else {
                m_idRef = nullptr;
                assignBytes(m_pendingId, value, valueLength);
            }
            m_idPending = true;
        }
        break;
    default:
        break; // unknown field: ignored (P-13)
    }
    return true;
}

// The block's data is bytes again, none yet. m_text keeps its buffer, for the next text, if
// keepBuffer (the retain window looks after it then) or if it is within the limit.
void EventStreamParser::endText(bool keepBuffer)
{
    m_textMode = false;
    m_streaming = false;
    m_textBytes = 0;
    m_streamLineBytes = 0;
    m_heldCount = 0;
    if (!m_text.isDetached() || (!keepBuffer && m_text.capacity() > RetainLimit))
        m_text = QString();
    else
        m_text.resize(0);
}

// The block's first data line, unfinished at the end of a chunk, [line, end), at least
// StreamThreshold long: its value so far is decoded now, and the rest as it comes
// (processLines()).
void EventStreamParser::startStreaming(const char *line, const char *end)
{
    m_textMode = true; // the block has no data yet
    m_streamValueOffset = line[5] == ' ' ? 6 : 5; // P-11: one leading space goes
    m_streamLineBytes = end - line;
    m_streaming = true;
    appendText(line + m_streamValueOffset, end, false);
}

// The streamed line ended: its value is one of the block's, as if gathered and parsed whole.
void EventStreamParser::finishStreamedLine()
{
    appendText(nullptr, nullptr, true);
    m_textBytes += m_streamLineBytes - m_streamValueOffset + 1;
    m_streamLineBytes = 0;
    m_streaming = false;
}

// Decodes the next bytes of a value, [p, end), onto m_text after those held back from the bytes
// before. Unless the value is complete, bytes that may begin an unfinished character are held
// back in turn, so a character split between chunks decodes whole.
void EventStreamParser::appendText(const char *p, const char *end, bool complete)
{
    if (m_heldCount > 0) {
        p = decodeHeld(p, end, complete);
        if (!p)
            return;
    }
    const char *const cut = complete ? end : completePrefixEnd(p, end);
    appendDecoded(m_text, p, cut);
    hold(cut, end);
}

// Decodes the held bytes joined with the first few of [p, end): far enough that the cut lies
// past the held bytes, unless [p, end) is shorter. Returns where the rest of [p, end) begins,
// or nullptr when nothing is left (what may be unfinished is held again, unless complete).
const char *EventStreamParser::decodeHeld(const char *p, const char *end, bool complete)
{
    char joined[sizeof(m_held) + 8];
    const int held = m_heldCount;
    const qsizetype k = qMin<qsizetype>(end - p, 8);
    std::memcpy(joined, m_held, size_t(held));
    if (k > 0)
        std::memcpy(joined + held, p, size_t(k));
    m_heldCount = 0;
    const char *const joinedEnd = joined + held + k;
    const bool whole = k == end - p;
    const char *const cut = complete && whole ? joinedEnd : completePrefixEnd(joined, joinedEnd);
    appendDecoded(m_text, joined, cut);
    if (whole) {
        hold(cut, joinedEnd);
        return nullptr;
    }
    return p + ((cut - joined) - held);
}

void EventStreamParser::hold(const char *p, const char *end)
{
    m_heldCount = int(end - p);
    if (m_heldCount > 0)
        std::memcpy(m_held, p, size_t(m_heldCount));
}

// The streamed line's next bytes, [p, end), decoded up to the line's end in one pass. Returns
// that end (its CR or LF), or nullptr when [p, end) does not finish the line; a character left
// unfinished at end is held back.
const char *EventStreamParser::streamLine(const char *p, const char *const end)
{
    const char *const start = p;
    if (m_heldCount > 0) {
        if (const char *eol = findLineEndScalar(p, p + qMin<qsizetype>(end - p, 8))) {
            appendText(p, eol, true);
            m_streamLineBytes += eol - start;
            return eol;
        }
        p = decodeHeld(p, end, false);
        if (!p) {
            m_streamLineBytes += end - start;
            return nullptr;
        }
    }
    const char *const cut = completePrefixEnd(p, end);
    const char *eol = appendDecoded<true>(m_text, p, cut);
    if (eol == cut) {
        // No line end before the bytes that may be held back: perhaps among them.
        eol = findLineEndScalar(cut, end);
        if (eol)
            appendDecoded(m_text, cut, eol);
        else
            hold(cut, end);
    }
    m_streamLineBytes += (eol ? eol : end) - start;
    return eol;
}

bool EventStreamParser::dispatch()
{
    // P-21: commit the last-event-ID buffer first, whether or not an event fires.
    if (m_idPending) {
        m_idPending = false;
        const QByteArrayView id =
                m_idRef ? QByteArrayView(m_idRef, m_idRefLength) : QByteArrayView(m_pendingId);
        m_idRef = nullptr;
        if (!sameText(id, m_event.m_lastEventId)) {
            // The id before the current one is no longer held by anyone once its event was
            // delivered: its buffer takes the new id, so changing ids cost no allocation.
            m_spareId.swap(m_event.m_lastEventId);
            decodeInto(m_event.m_lastEventId, id);
            ++m_lastEventIdChanges;
        }
    }
    if (m_skipping)
        return dispatchSkipped();
    if (m_data.isEmpty() && !m_dataRef && !m_textMode) {
        // P-16: nothing to fire; the type buffer is cleared all the same.
        m_eventType.resize(0);
        return true;
    }
    // P-15: drop the one trailing LF. The data is decoded straight into the event the parser
    // keeps, reusing its buffer when no receiver kept the previous event.
    if (m_textMode) {
        // Decoded as it came: handed over whole when its buffer fits it, otherwise copied into
        // the previous event's buffer if no receiver kept that event and it fits, so that a
        // kept event never pins a buffer far larger than its data.
        const qsizetype n = m_text.size();
        QString &data = m_event.m_data;
        if (fitsTightly(m_text.capacity(), n)) {
            data.swap(m_text); // the previous event's buffer is the next text's, if not kept
        } else {
            reuseOrAllocate(data, n);
            std::memcpy(data.data(), m_text.constData(), size_t(n) * sizeof(QChar));
        }
        if (data.isNull())
            data = QString(QLatin1StringView("")); // empty, not null, as decodeInto() makes it
        m_windowPeak = qMax(m_windowPeak, n);
        endText(true);
    } else if (m_dataRef) {
        decodeInto(m_event.m_data, QByteArrayView(m_dataRef, m_dataRefLength));
        m_dataRef = nullptr;
    } else {
        decodeInto(m_event.m_data, QByteArrayView(m_data.constData(), m_data.size() - 1));
        m_windowPeak = qMax(m_windowPeak, m_data.size());
        recycle(m_data);
    }
    if (++m_windowEvents == RetainWindow) {
        shrinkUnused(m_line, m_windowPeak);
        shrinkUnused(m_data, m_windowPeak);
        if (m_text.capacity() > qMax(SmallBuffer, 2 * m_windowPeak))
            m_text = QString();
        m_windowEvents = 0;
        m_windowPeak = 0;
    }

    if (m_eventType.isEmpty()) {
        assignShared(m_event.m_type, messageType());
    } else {
        // Streams tend to repeat one type; decode it once and share the string.
        if (m_eventType != m_cachedTypeBytes) {
            m_cachedTypeBytes = m_eventType;
            m_cachedType = decodeUtf8(m_eventType);
        }
        assignShared(m_event.m_type, m_cachedType);
        m_eventType.resize(0);
    }
    assignShared(m_event.m_origin, m_origin); // changes rarely: no reference counting per event
    if (!m_handler)
        return true;
    return m_handler->handleEvent(m_event);
}

/*!
    Decodes \a bytes as UTF-8 the way the WHATWG Encoding standard's decoder does: each maximal
    ill-formed subsequence becomes one U+FFFD, and a leading U+FEFF is kept.
    QString::fromUtf8() differs on both counts, which is why the parser does not use it.
*/
QString EventStreamParser::decodeUtf8(QByteArrayView bytes)
{
    QString out;
    decodeInto(out, bytes);
    return out;
}

} // namespace QtSse
