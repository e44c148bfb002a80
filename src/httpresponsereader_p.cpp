// SPDX-License-Identifier: MIT
#include "httpresponsereader_p.h"

#include <algorithm>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

// Choices where RFC 9112 leaves the recipient a choice, or where the grammar is stricter than
// what servers send (each one what curl and llhttp do too, llhttp's strict mode unless said):
// - A bare LF ends a line of the head or of the trailer section (RFC 9112 section 2.2: "a
//   recipient MAY recognize a single LF as a line terminator and ignore any preceding CR").
//   llhttp takes it only in lenient mode, curl always; servers written as scripts (printf, nc)
//   send it, and in a response it smuggles nothing: each line is still one field. A CR that is
//   not followed by LF is an error anywhere (section 2.2: "a recipient ... MUST NOT recognize a
//   bare CR"; rejecting is what llhttp does).
// - The chunked framing (chunk lines, the CRLF after a chunk's data) takes CRLF only: section
//   7.1's grammar, llhttp's strict mode; a chunk line is where framing confusion does harm.
// - A status line without a reason phrase, and without the space before it ("HTTP/1.1 200"), is
//   read (the grammar wants the space; llhttp and curl take both). The status code is three
//   digits, 100 to 999; the version HTTP/1.x with one digit x. Anything else (HTTP/2, HTTP/0.9's
//   headless body, garbage) is an error.
// - Fields: a name is a token with no whitespace before the colon (section 5.1: MUST reject);
//   a line starting with whitespace (obsolete line folding, or whitespace after the status line)
//   is an error (section 5.2 lets a user agent replace it; refusing is simpler and safe); a value
//   holding a control character other than HTAB is an error (RFC 9110 section 5.5 lets NUL, CR
//   and LF be replaced; others are not field-vchar).
// - Framing (section 6.3): 1xx but 101 are interim and skipped; 101, 204, 304, a response to
//   HEAD and a 2xx response to CONNECT have no body. Transfer-Encoding must be exactly chunked
//   (a body in another coding could not be decoded), never with Content-Length (section 6.3
//   point 3: "ought to be handled as an error"), never in an HTTP/1.0 response (section 6.1:
//   "MUST treat the message as if the framing is faulty"). Content-Length values, in several
//   fields or as a list in one, must all be the same decimal number (RFC 9110 section 8.6).
//   Framing fields are checked on every final response, with a body or not.

namespace QtSse {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

// A control character that a field value, a reason phrase or a chunk extension may not hold.
bool isForbiddenControl(char c)
{
    const auto u = uchar(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

QByteArrayView trimmed(QByteArrayView value)
{
    while (!value.isEmpty() && isWhitespace(value.front()))
        value = value.sliced(1);
    while (!value.isEmpty() && isWhitespace(value.back()))
        value.chop(1);
    return value;
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && qstrnicmp(a.data(), a.size(), b.data(), b.size()) == 0;
}

// Calls `f` with each non-empty element of a comma-separated list, OWS trimmed; stops when it
// returns false.
template <typename F>
bool forEachListElement(QByteArrayView list, F f)
{
    while (true) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView element = trimmed(comma < 0 ? list : list.first(comma));
        if (!element.isEmpty() && !f(element))
            return false;
        if (comma < 0)
            return true;
        list = list.sliced(comma + 1);
    }
}

// A few bytes of what the server sent, for an error message: printable ASCII only.
QString excerpt(QByteArrayView bytes)
{
    QString text;
    for (const char c : bytes.first(std::min<qsizetype>(bytes.size(), 32)))
        text += (uchar(c) >= 0x20 && uchar(c) < 0x7f) ? QChar::fromLatin1(c) : u'?';
    if (bytes.size() > 32)
        text += "..."_L1;
    return text;
}

// Content-Length = 1*DIGIT, or a list of identical ones (RFC 9110 section 8.6: a recipient may
// take "42, 42" as 42); `*length` holds the value of an earlier field (-1 if none), which every
// element must equal. Stricter than a list: no empty element, as llhttp. An error, or nothing.
QString readContentLength(QByteArrayView value, qint64 *length)
{
    for (QByteArrayView rest = value;;) {
        const qsizetype comma = rest.indexOf(',');
        const QByteArrayView number = trimmed(comma < 0 ? rest : rest.first(comma));
        if (number.isEmpty() || !std::all_of(number.begin(), number.end(), isDigit))
            return u"HTTP Content-Length \"%1\" is not a decimal number"_s.arg(excerpt(value));
        qint64 parsed = 0;
        for (const char c : number) {
            if (parsed > (std::numeric_limits<qint64>::max() - (c - '0')) / 10)
                return u"HTTP Content-Length \"%1\" overflows"_s.arg(excerpt(value));
            parsed = parsed * 10 + (c - '0');
        }
        if (*length >= 0 && parsed != *length)
            return u"HTTP response has differing Content-Length values"_s;
        *length = parsed;
        if (comma < 0)
            return QString();
        rest = rest.sliced(comma + 1);
    }
}

} // namespace

HttpResponseReader::HttpResponseReader() : HttpResponseReader(Limits()) { }

HttpResponseReader::HttpResponseReader(Limits limits) : m_limits(limits) { }

void HttpResponseReader::reset()
{
    *this = HttpResponseReader(m_limits);
}

void HttpResponseReader::setRequestMethod(QByteArrayView method)
{
    m_headRequest = method == "HEAD";
    m_connectRequest = method == "CONNECT";
}

bool HttpResponseReader::hasError() const
{
    return m_state == State::Failed;
}

bool HttpResponseReader::isCloseDelimited() const
{
    return m_closeDelimited;
}

QByteArray HttpResponseReader::header(QByteArrayView name) const
{
    return joinedField(m_headers, name);
}

QByteArray HttpResponseReader::joinedField(const QList<QPair<QByteArray, QByteArray>> &fields,
                                           QByteArrayView name)
{
    const bool cookie = equalsIgnoringCase(name, "set-cookie");
    QByteArray joined;
    bool found = false;
    for (const auto &[fieldName, value] : fields) {
        if (!equalsIgnoringCase(fieldName, name))
            continue;
        if (found)
            joined += cookie ? "\n" : ", ";
        joined += value;
        found = true;
    }
    if (found && joined.isNull())
        joined = QByteArray(""); // present but empty: not null
    return joined;
}

bool HttpResponseReader::closesConnection() const
{
    bool close = false;
    bool keepAlive = false;
    for (const auto &[name, value] : m_headers) {
        if (!equalsIgnoringCase(name, "connection"))
            continue;
        forEachListElement(value, [&](QByteArrayView option) {
            close = close || equalsIgnoringCase(option, "close");
            keepAlive = keepAlive || equalsIgnoringCase(option, "keep-alive");
            return true;
        });
    }
    return m_closeDelimited || close || (m_minorVersion == 0 && !keepAlive);
}

HttpResponseReader::Step HttpResponseReader::fail(const QString &message)
{
    m_state = State::Failed;
    m_errorString = message;
    m_line.clear();
    return Step::Error;
}

// Takes the next line from `input` at `*pos` (or completes the one held in m_line): Line with
// `*line` (its terminator cut off) a view into `input` or into m_line, Partial when the input
// ran out first (all of it kept in m_line), TooLong when the line would take the section past
// `budget` bytes (terminator counted).
HttpResponseReader::LineRead HttpResponseReader::readLine(QByteArrayView input, qsizetype *pos,
                                                          QByteArrayView *line, qsizetype budget)
{
    const QByteArrayView rest = input.sliced(*pos);
    const auto *lf = static_cast<const char *>(std::memchr(rest.data(), '\n', rest.size()));
    if (!lf) {
        if (m_line.size() + rest.size() > budget)
            return LineRead::TooLong;
        m_line.append(rest.data(), rest.size());
        *pos = input.size();
        return LineRead::Partial;
    }
    const qsizetype length = lf - rest.data(); // without the LF
    if (m_line.size() + length + 1 > budget)
        return LineRead::TooLong;
    m_sectionSize += m_line.size() + length + 1;
    *pos += length + 1;
    if (m_line.isEmpty()) {
        *line = rest.first(length);
    } else {
        m_line.append(rest.data(), length);
        *line = m_line;
    }
    if (line->endsWith('\r'))
        line->chop(1);
    return LineRead::Line;
}

bool HttpResponseReader::statusLine(QByteArrayView line)
{
    // status-line = HTTP-version SP status-code SP [ reason-phrase ]; the last SP optional here.
    if (!line.startsWith("HTTP/")) {
        fail(u"HTTP response does not start with a status line (\"%1\")"_s.arg(excerpt(line)));
        return false;
    }
    if (line.size() < 8 || line[5] != '1' || line[6] != '.' || !isDigit(line[7])
        || (line.size() > 8 && line[8] != ' ')) {
        const qsizetype space = line.indexOf(' ');
        fail(u"HTTP version \"%1\" is not supported (HTTP/1.x only)"_s.arg(
                excerpt(space < 0 ? line : line.first(space))));
        return false;
    }
    if (line.size() < 12 || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11])
        || (line.size() > 12 && line[12] != ' ')) {
        fail(u"HTTP status code is not three digits (\"%1\")"_s.arg(excerpt(line)));
        return false;
    }
    const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (status < 100) {
        fail(u"HTTP status code %1 is out of range"_s.arg(excerpt(line.sliced(9, 3))));
        return false;
    }
    const QByteArrayView reason = line.size() > 13 ? line.sliced(13) : QByteArrayView();
    if (std::any_of(reason.begin(), reason.end(), isForbiddenControl)) {
        fail(u"HTTP reason phrase contains a control character"_s);
        return false;
    }
    if (status < 200 && status != 101) {
        if (m_interimCount >= m_limits.maximumInterimResponses) {
            fail(u"HTTP response has more than %1 interim (1xx) responses"_s.arg(
                    m_limits.maximumInterimResponses));
            return false;
        }
        ++m_interimCount;
    }
    m_status = status;
    m_minorVersion = line[7] - '0';
    m_reason = reason.toByteArray();
    m_state = State::Fields;
    return true;
}

bool HttpResponseReader::fieldLine(QByteArrayView line, bool keep)
{
    const auto section = keep ? "header"_L1 : "trailer"_L1;
    if (isWhitespace(line.front())) {
        fail(u"HTTP %1 line starts with whitespace (obsolete line folding)"_s.arg(section));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0) {
        fail(u"HTTP %1 line has no colon (\"%2\")"_s.arg(section, excerpt(line)));
        return false;
    }
    const QByteArrayView name = line.first(colon);
    if (name.isEmpty() || !std::all_of(name.begin(), name.end(), isTokenChar)) {
        if (!name.isEmpty() && isWhitespace(name.back()))
            fail(u"HTTP %1 field name \"%2\" has whitespace before the colon"_s.arg(
                    section, excerpt(trimmed(name))));
        else
            fail(u"HTTP %1 field name \"%2\" is not a token"_s.arg(section, excerpt(name)));
        return false;
    }
    const QByteArrayView value = trimmed(line.sliced(colon + 1));
    if (std::any_of(value.begin(), value.end(), isForbiddenControl)) {
        fail(u"HTTP %1 field \"%2\" contains a control character"_s.arg(section, excerpt(name)));
        return false;
    }
    if (!keep)
        return true;
    if (++m_fieldCount > m_limits.maximumFieldCount) {
        fail(u"HTTP response head has more than %1 header fields"_s.arg(
                m_limits.maximumFieldCount));
        return false;
    }
    m_headers.append({ name.toByteArray(), value.toByteArray() });
    return true;
}

// The final response's head is complete: its framing (RFC 9112 section 6.3).
bool HttpResponseReader::finishHead()
{
    bool hasLength = false;
    bool hasCoding = false;
    qint64 length = -1;
    QByteArray codings;
    for (const auto &[name, value] : std::as_const(m_headers)) {
        if (equalsIgnoringCase(name, "transfer-encoding")) {
            hasCoding = true;
            if (!codings.isEmpty())
                codings += ", ";
            codings += value;
        } else if (equalsIgnoringCase(name, "content-length")) {
            hasLength = true;
            if (const QString error = readContentLength(value, &length); !error.isEmpty()) {
                fail(error);
                return false;
            }
        }
    }
    if (hasCoding) {
        if (hasLength) {
            fail(u"HTTP response has both Transfer-Encoding and Content-Length"_s);
            return false;
        }
        if (m_minorVersion == 0) {
            fail(u"HTTP/1.0 response has a Transfer-Encoding"_s);
            return false;
        }
        int count = 0;
        bool chunked = false;
        forEachListElement(codings, [&](QByteArrayView coding) {
            ++count;
            chunked = equalsIgnoringCase(coding, "chunked");
            return true;
        });
        if (count != 1 || !chunked) {
            fail(u"HTTP Transfer-Encoding \"%1\" is not supported (chunked only)"_s.arg(
                    excerpt(codings)));
            return false;
        }
    }

    if (m_status == 101 || m_status == 204 || m_status == 304 || m_headRequest
        || (m_connectRequest && m_status >= 200 && m_status < 300)) {
        m_state = State::NoBody;
    } else if (hasCoding) {
        m_remaining = 0;
        m_state = State::ChunkSize;
    } else if (hasLength) {
        m_remaining = length;
        m_state = State::Length;
    } else {
        m_closeDelimited = true;
        m_state = State::UntilClose;
    }
    return true;
}

HttpResponseReader::Step HttpResponseReader::next(QByteArrayView input, qsizetype *consumed,
                                                  QByteArrayView *body)
{
    qsizetype pos = 0;
    QByteArrayView piece;
    const Step step = [&] {
        while (m_state == State::StatusLine || m_state == State::Fields) {
            if (pos == input.size())
                return Step::NeedMore;
            QByteArrayView line;
            switch (readLine(input, &pos, &line, m_limits.maximumHeadSize - m_sectionSize)) {
            case LineRead::Partial:
                return Step::NeedMore;
            case LineRead::TooLong:
                return fail(u"HTTP response head exceeds %1 bytes"_s.arg(m_limits.maximumHeadSize));
            case LineRead::Line:
                break;
            }
            if (line.contains('\r'))
                return fail(u"HTTP response head has a CR without LF"_s);
            bool ok = true;
            bool complete = false;
            if (m_state == State::StatusLine) {
                ok = statusLine(line);
            } else if (!line.isEmpty()) {
                ok = fieldLine(line, true);
            } else if (m_status < 200 && m_status != 101) { // an interim response: skipped
                m_headers.clear();
                m_fieldCount = 0;
                m_sectionSize = 0;
                m_state = State::StatusLine;
            } else {
                ok = finishHead();
                complete = ok;
            }
            m_line.clear();
            if (!ok)
                return Step::Error;
            if (complete)
                return Step::Head;
        }
        switch (m_state) {
        case State::NoBody:
            m_state = State::Done;
            return Step::End;
        case State::Length: {
            if (m_remaining == 0) {
                m_state = State::Done;
                return Step::End;
            }
            if (pos == input.size())
                return Step::NeedMore;
            const qsizetype take = qsizetype(std::min<qint64>(m_remaining, input.size() - pos));
            piece = input.sliced(pos, take);
            pos += take;
            m_remaining -= take;
            return Step::Body;
        }
        case State::UntilClose:
            if (pos == input.size())
                return Step::NeedMore;
            piece = input.sliced(pos);
            pos = input.size();
            return Step::Body;
        case State::Done:
            return Step::End;
        case State::Failed:
            return Step::Error;
        default:
            return readChunked(input, &pos, &piece);
        }
    }();
    if (consumed)
        *consumed = pos;
    if (body)
        *body = piece;
    return step;
}

HttpResponseReader::Step HttpResponseReader::readChunked(QByteArrayView input, qsizetype *pos,
                                                         QByteArrayView *body)
{
    const auto chunkLineError = [this] {
        return fail(u"HTTP chunk line does not end with CRLF"_s);
    };
    while (true) {
        if (*pos == input.size())
            return Step::NeedMore;
        if (m_state == State::ChunkData) {
            const qsizetype take = qsizetype(std::min<qint64>(m_remaining, input.size() - *pos));
            *body = input.sliced(*pos, take);
            *pos += take;
            m_remaining -= take;
            if (m_remaining == 0)
                m_state = State::ChunkDataCr;
            return Step::Body;
        }
        if (m_state == State::Trailer) {
            QByteArrayView line;
            switch (readLine(input, pos, &line, m_limits.maximumTrailerSize - m_sectionSize)) {
            case LineRead::Partial:
                return Step::NeedMore;
            case LineRead::TooLong:
                return fail(u"HTTP trailer section exceeds %1 bytes"_s.arg(
                        m_limits.maximumTrailerSize));
            case LineRead::Line:
                break;
            }
            if (line.contains('\r'))
                return fail(u"HTTP trailer section has a CR without LF"_s);
            const bool end = line.isEmpty();
            const bool ok = end || fieldLine(line, false);
            m_line.clear();
            if (!ok)
                return Step::Error;
            if (end) {
                m_state = State::Done;
                return Step::End;
            }
            continue;
        }

        const char c = input[*pos];
        switch (m_state) {
        case State::ChunkSize:
        case State::ChunkSizeSpace:
        case State::ChunkExtension:
            if (c != '\r' && ++m_chunkLineSize > m_limits.maximumChunkLineSize)
                return fail(
                        u"HTTP chunk line exceeds %1 bytes"_s.arg(m_limits.maximumChunkLineSize));
            break;
        default:
            break;
        }
        switch (m_state) {
        case State::ChunkSize:
            if (const int digit = hexValue(c); digit >= 0) {
                if (m_remaining > (std::numeric_limits<qint64>::max() >> 4))
                    return fail(u"HTTP chunk size overflows"_s);
                m_remaining = m_remaining * 16 + digit;
                ++m_chunkDigits;
            } else if (m_chunkDigits == 0) {
                return fail(u"HTTP chunk size is not hexadecimal"_s);
            } else if (c == '\r') {
                m_state = State::ChunkSizeLf;
            } else if (c == ';') {
                m_state = State::ChunkExtension;
            } else if (isWhitespace(c)) {
                m_state = State::ChunkSizeSpace;
            } else if (c == '\n') {
                return chunkLineError();
            } else {
                return fail(u"HTTP chunk size is not hexadecimal"_s);
            }
            break;
        case State::ChunkSizeSpace: // BWS before a chunk extension
            if (c == '\r')
                m_state = State::ChunkSizeLf;
            else if (c == ';')
                m_state = State::ChunkExtension;
            else if (c == '\n')
                return chunkLineError();
            else if (!isWhitespace(c))
                return fail(u"HTTP chunk size is not hexadecimal"_s);
            break;
        case State::ChunkExtension: // skipped: nothing here needs one
            if (c == '\r')
                m_state = State::ChunkSizeLf;
            else if (c == '\n')
                return chunkLineError();
            else if (isForbiddenControl(c))
                return fail(u"HTTP chunk extension contains a control character"_s);
            break;
        case State::ChunkSizeLf:
            if (c != '\n')
                return chunkLineError();
            m_chunkLineSize = 0;
            m_chunkDigits = 0;
            m_sectionSize = 0;
            m_state = m_remaining == 0 ? State::Trailer : State::ChunkData;
            break;
        case State::ChunkDataCr:
        case State::ChunkDataLf:
            if (c != (m_state == State::ChunkDataCr ? '\r' : '\n'))
                return fail(u"HTTP chunk data is not followed by CRLF"_s);
            m_state = m_state == State::ChunkDataCr ? State::ChunkDataLf : State::ChunkSize;
            break;
        default:
            Q_UNREACHABLE();
        }
        ++*pos;
    }
}

HttpResponseReader::Step HttpResponseReader::closed()
{
    switch (m_state) {
    case State::Failed:
        return Step::Error;
    case State::Done:
        return Step::End;
    case State::NoBody:
    case State::UntilClose:
        m_state = State::Done;
        return Step::End;
    case State::Length:
        if (m_remaining == 0) {
            m_state = State::Done;
            return Step::End;
        }
        return fail(u"The connection closed %1 bytes before the end of the HTTP body"_s.arg(
                m_remaining));
    case State::StatusLine:
    case State::Fields:
        if (m_state == State::StatusLine && m_interimCount == 0 && m_line.isEmpty())
            return fail(u"The connection closed before an HTTP response"_s);
        return fail(u"The connection closed inside the HTTP response head"_s);
    default:
        return fail(u"The connection closed inside the chunked HTTP body"_s);
    }
}

} // namespace QtSse
