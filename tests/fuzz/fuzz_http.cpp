// SPDX-License-Identifier: MIT
// libFuzzer target for QtSse::HttpResponseReader, the own transport's HTTP/1.1 response reader.
//
// Input: one control byte, then 2 * k bytes of split offsets, then the bytes of one connection
// (fuzzinput.h's layout, shared with fuzz_parser.cpp, so the seed runner serves both):
//   control & 0x1F = k, the number of split offsets (little-endian 16-bit, taken modulo the body
//                    size + 1; repeated offsets make zero-length reads);
//   control & 0x20 = the connection closes after the bytes (closed() is called);
//   control & 0x40 = small limits (a few fields, interim responses and bytes per line), so that
//                    every bound is reached by short inputs;
//   control & 0x80 = the request was HEAD (no body whatever the head says).
//
// Checks, aborting on any failure:
//   - the reader's contract on every step: *consumed within the input; NeedMore consumes it all;
//     Head and Body consume something (unless the input is empty); a body piece is non-empty and
//     lies inside the bytes consumed by its step (a view, not a copy); calls after End or Error
//     consume nothing and say the same again; hasError() agrees with the last step;
//   - bounded memory: the bytes the reader holds never exceed its head or trailer limit;
//   - the split invariant: the bytes split at the fuzzer's offsets, and fed one byte at a time,
//     give the same steps (NeedMore left out, runs of Body as one), head, concatenated body,
//     error string, unconsumed bytes after End and framing answers as the whole input fed at once;
//   - what a Head reports is well formed: a status of 100 to 999 (no interim one but 101), field
//     names that are tokens, values without CR, LF or NUL and without surrounding whitespace,
//     no more fields than the limit; a Content-Length body that ended is as long as it says;
//   - reset() leaves nothing behind: a known response read after it gives exactly its head and
//     body;
//   - the reader agrees with a reference model (Reference below) written for a whole input from
//     RFC 9112 and the reader's stated choices, with regular expressions for the lines and none
//     of the reader's incremental state: the same steps, head, body and unconsumed bytes (the
//     error's wording aside).
#include "fuzzinput.h"
#include "httpresponsereader_p.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qlist.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qstring.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

using namespace Qt::StringLiterals;
using QtSse::HttpResponseReader;
using Step = HttpResponseReader::Step;

namespace {

[[noreturn]] void fail(const char *what, const QString &detail = QString())
{
    std::fprintf(stderr, "fuzz_http: %s %s\n", what, qPrintable(detail));
    std::abort();
}

struct Outcome
{
    std::vector<Step> steps;
    int status = 0;
    int minorVersion = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QString error;
    QByteArray unconsumed;
    bool closeDelimited = false;
    bool closesConnection = false;
    bool operator==(const Outcome &o) const
    {
        return steps == o.steps && status == o.status && minorVersion == o.minorVersion
                && reason == o.reason && headers == o.headers && body == o.body && error == o.error
                && unconsumed == o.unconsumed && closeDelimited == o.closeDelimited
                && closesConnection == o.closesConnection;
    }
};

QString describe(const Outcome &o)
{
    QString steps;
    for (const Step s : o.steps)
        steps += QChar::fromLatin1("NHBEX"[int(s)]);
    return u"steps %1, status %2, %3 fields, body %4 bytes, error \"%5\", %6 unconsumed"_s
            .arg(steps)
            .arg(o.status)
            .arg(o.headers.size())
            .arg(o.body.size())
            .arg(o.error)
            .arg(o.unconsumed.size());
}

HttpResponseReader::Limits limitsFor(bool small)
{
    HttpResponseReader::Limits limits;
    if (small) {
        limits.maximumHeadSize = 96;
        limits.maximumFieldCount = 3;
        limits.maximumInterimResponses = 2;
        limits.maximumChunkLineSize = 12;
        limits.maximumTrailerSize = 24;
    }
    return limits;
}

bool isToken(const QByteArray &name)
{
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c));
    });
}

void checkHead(const HttpResponseReader &reader, const HttpResponseReader::Limits &limits)
{
    const int status = reader.statusCode();
    if (status < 100 || status > 999 || (status < 200 && status != 101))
        fail("a head with the status", QString::number(status));
    if (reader.headers().size() > limits.maximumFieldCount)
        fail("more fields than the limit");
    for (const auto &[name, value] : reader.headers()) {
        if (!isToken(name))
            fail("a field name that is not a token", QString::fromLatin1(name));
        if (value.contains('\r') || value.contains('\n') || value.contains('\0'))
            fail("CR, LF or NUL in a field value");
        if (!value.isEmpty()
            && (value.front() == ' ' || value.front() == '\t' || value.back() == ' '
                || value.back() == '\t'))
            fail("whitespace around a field value");
        if (reader.header(name).isNull())
            fail("header() does not find a field the head has");
    }
}

// Feeds `bytes` cut at the sorted offsets `cuts`, each piece copied into a reused buffer that is
// scribbled over after its steps (a body piece must be copied out at once, as a transport does).
Outcome run(const QByteArray &bytes, const std::vector<qsizetype> &cuts, bool close, bool small,
            bool head)
{
    const HttpResponseReader::Limits limits = limitsFor(small);
    HttpResponseReader reader(limits);
    if (head)
        reader.setRequestMethod("HEAD");
    Outcome out;
    bool over = false;
    QByteArray scratch;
    qsizetype at = 0;
    qint64 contentLength = -1;
    const auto feed = [&](qsizetype end) {
        const QByteArrayView piece(bytes.constData() + at, end - at);
        at = end;
        if (over) {
            if (out.steps.back() == Step::End)
                out.unconsumed += piece.toByteArray();
            return;
        }
        scratch.resize(piece.size());
        if (!piece.isEmpty())
            std::memcpy(scratch.data(), piece.data(), size_t(piece.size()));
        QByteArrayView input = scratch;
        for (;;) {
            qsizetype used = -1;
            QByteArrayView body;
            const Step step = reader.next(input, &used, &body);
            if (used < 0 || used > input.size())
                fail("consumed outside the input", u"%1 of %2"_s.arg(used).arg(input.size()));
            if (reader.bufferedSize() > std::max(limits.maximumHeadSize, limits.maximumTrailerSize))
                fail("buffered more than the limits", QString::number(reader.bufferedSize()));
            if (step != Step::Body && !body.isEmpty())
                fail("a body piece with another step");
            switch (step) {
            case Step::NeedMore:
                if (used != input.size())
                    fail("NeedMore left bytes", u"%1 of %2"_s.arg(used).arg(input.size()));
                break;
            case Step::Head:
            case Step::Body:
                if (used == 0)
                    fail("a Head or Body step consumed nothing");
                if (step == Step::Head) {
                    checkHead(reader, limits);
                    out.status = reader.statusCode();
                    out.minorVersion = reader.minorVersion();
                    out.reason = reader.reasonPhrase();
                    out.headers = reader.headers();
                    const QByteArray length = reader.header("content-length");
                    if (!length.isNull() && !reader.isCloseDelimited()) {
                        bool ok = false;
                        contentLength = length.split(',').constFirst().trimmed().toLongLong(&ok);
                        if (!ok)
                            fail("a Content-Length taken that is not a number");
                    }
                    out.steps.push_back(step);
                } else {
                    if (body.isEmpty() || body.data() < input.data()
                        || body.data() + body.size() > input.data() + used)
                        fail("a body piece outside the bytes consumed");
                    out.body += body.toByteArray();
                    if (out.steps.back() != Step::Body)
                        out.steps.push_back(step);
                }
                break;
            case Step::End:
            case Step::Error:
                out.steps.push_back(step);
                over = true;
                if (step == Step::End)
                    out.unconsumed += input.sliced(used).toByteArray();
                break;
            }
            input = input.sliced(used);
            if (step == Step::NeedMore || over)
                break;
        }
        scratch.fill('\xA5');
    };
    for (const qsizetype cut : cuts)
        feed(cut);
    feed(bytes.size());
    if (!over && close) {
        const Step step = reader.closed();
        if (step != Step::End && step != Step::Error)
            fail("closed() said neither End nor Error");
        out.steps.push_back(step);
        over = true;
    }
    if (over) {
        qsizetype used = -1;
        QByteArrayView body;
        if (reader.next("HTTP/1.1 200 OK\r\n\r\n", &used, &body) != out.steps.back() || used != 0
            || !body.isEmpty() || reader.closed() != out.steps.back())
            fail("a call after the end consumed something or said something else");
    }
    const bool error = !out.steps.empty() && out.steps.back() == Step::Error;
    if (reader.hasError() != error || reader.errorString().isEmpty() != !error)
        fail("hasError() or errorString() disagrees with the last step");
    if (!out.steps.empty() && out.steps.back() == Step::End && contentLength >= 0 && !head
        && out.status != 204 && out.status != 304 && out.status != 101
        && out.body.size() != contentLength)
        fail("a Content-Length body ended at another length",
             u"%1 != %2"_s.arg(out.body.size()).arg(contentLength));
    out.error = reader.errorString();
    out.closeDelimited = reader.isCloseDelimited();
    out.closesConnection = reader.closesConnection();

    // A response after reset() sees nothing of this one.
    reader.reset();
    const QByteArray known =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    qsizetype used = 0;
    QByteArrayView body;
    if (reader.next(known, &used, &body) != Step::Head || reader.headers().size() != 1
        || reader.statusCode() != 200)
        fail("reset() left something behind (head)");
    QByteArrayView rest = QByteArrayView(known).sliced(used);
    if (reader.next(rest, &used, &body) != Step::Body || body != "ok")
        fail("reset() left something behind (body)");
    rest = rest.sliced(used);
    if (reader.next(rest, &used, &body) != Step::End || used != rest.size())
        fail("reset() left something behind (end)");
    return out;
}

// The model's lines, compiled once.
const QRegularExpression
        FieldLine(QStringLiteral("\\A([!#$%&'*+\\-.^_`|~0-9A-Za-z]+):[ \\t]*(.*?)[ \\t]*\\z"),
                  QRegularExpression::DotMatchesEverythingOption);
const QRegularExpression Control(QStringLiteral("[\\x00-\\x08\\x0a-\\x1f\\x7f]"),
                                 QRegularExpression::DotMatchesEverythingOption);
const QRegularExpression StatusLine(
        QStringLiteral("\\AHTTP/1\\.([0-9]) ([1-9][0-9][0-9])( [\\t\\x20-\\x7e\\x80-\\xff]*)?\\z"),
        QRegularExpression::DotMatchesEverythingOption);
const QRegularExpression Digits(QStringLiteral("\\A[0-9]+\\z"),
                                QRegularExpression::DotMatchesEverythingOption);
const QRegularExpression ChunkLinePrefix(
        QStringLiteral("\\A([0-9A-Fa-f]+([ \\t]*(;[^\\x00-\\x08\\x0a-\\x1f\\x7f]*)?)?)?\\z"),
        QRegularExpression::DotMatchesEverythingOption);

// RFC 9112 as HttpResponseReader's comment reads it, written for a whole input with none of the
// reader's incremental state: regular expressions for the lines, plain loops for the framing.
// What it gives is compared with the reader's outcome but for the error's wording.
struct Reference
{
    const QByteArray &bytes;
    const HttpResponseReader::Limits &limits;
    bool close;
    bool head;
    Outcome out;
    qsizetype p = 0;

    enum Line { Complete, Incomplete, Bad };

    void end(Step step)
    {
        out.steps.push_back(step);
        if (step == Step::End)
            out.unconsumed = bytes.mid(p);
    }
    // Incomplete input: an error if the connection closed, else the reader waits for more.
    void incomplete(bool closeEnds = false)
    {
        if (close)
            out.steps.push_back(closeEnds ? Step::End : Step::Error);
    }
    // A head or trailer line within `*budget` bytes (terminator counted); a bare LF ends it.
    Line line(qsizetype *budget, QByteArray *text)
    {
        const qsizetype lf = bytes.indexOf('\n', p);
        if (lf < 0)
            return bytes.size() - p > *budget ? Bad : Incomplete;
        if (lf + 1 - p > *budget)
            return Bad;
        *budget -= lf + 1 - p;
        *text = bytes.mid(p, lf - p);
        if (text->endsWith('\r'))
            text->chop(1);
        p = lf + 1;
        return text->contains('\r') ? Bad : Complete;
    }
    static bool matches(const QRegularExpression &re, const QByteArray &text,
                        QRegularExpressionMatch *match = nullptr)
    {
        const QRegularExpressionMatch m = re.match(QString::fromLatin1(text));
        if (match)
            *match = m;
        return m.hasMatch();
    }
    static bool field(const QByteArray &text, QPair<QByteArray, QByteArray> *parsed)
    {
        QRegularExpressionMatch m;
        if (!matches(FieldLine, text, &m))
            return false;
        *parsed = { m.captured(1).toLatin1(), m.captured(2).toLatin1() };
        return !matches(Control, parsed->second);
    }
    static QByteArray ows(const QByteArray &element)
    {
        qsizetype from = 0, to = element.size();
        while (from < to && (element[from] == ' ' || element[from] == '\t'))
            ++from;
        while (to > from && (element[to - 1] == ' ' || element[to - 1] == '\t'))
            --to;
        return element.mid(from, to - from);
    }

    void run()
    {
        int interim = 0;
        QList<QPair<QByteArray, QByteArray>> fields;
        int status = 0;
        int minor = 0;
        QByteArray finalReason;
        for (;;) { // a head
            qsizetype budget = limits.maximumHeadSize;
            QByteArray text;
            Line l = line(&budget, &text);
            if (l == Incomplete)
                return incomplete();
            QRegularExpressionMatch m;
            if (l == Bad || !matches(StatusLine, text, &m))
                return end(Step::Error);
            minor = m.captured(1).toInt();
            status = m.captured(2).toInt();
            const QByteArray reason = m.captured(3).toLatin1().mid(1);
            const bool isInterim = status < 200 && status != 101;
            if (isInterim && interim++ == limits.maximumInterimResponses)
                return end(Step::Error);
            fields.clear();
            for (;;) {
                l = line(&budget, &text);
                if (l == Incomplete)
                    return incomplete();
                if (l == Bad)
                    return end(Step::Error);
                if (text.isEmpty())
                    break;
                QPair<QByteArray, QByteArray> f;
                if (!field(text, &f) || fields.size() == limits.maximumFieldCount)
                    return end(Step::Error);
                fields.append(f);
            }
            if (!isInterim) {
                finalReason = reason;
                break;
            }
        }

        // Framing.
        QList<QByteArray> codings;
        bool hasCoding = false;
        qint64 length = -1;
        for (const auto &[name, value] : std::as_const(fields)) {
            if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
                hasCoding = true;
                for (const QByteArray &element : value.split(',')) {
                    if (!ows(element).isEmpty())
                        codings.append(ows(element).toLower());
                }
            } else if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
                for (const QByteArray &element : value.split(',')) {
                    const QByteArray digits = ows(element);
                    if (!matches(Digits, digits))
                        return end(Step::Error);
                    bool ok = false;
                    const qint64 n = digits.toLongLong(&ok);
                    // toLongLong fails past qint64 (leading zeros are fine for it)
                    if (!ok || (length >= 0 && n != length))
                        return end(Step::Error);
                    length = n;
                }
            }
        }
        if (hasCoding && (length >= 0 || minor == 0 || codings != QList<QByteArray>{ "chunked" }))
            return end(Step::Error);
        out.status = status;
        out.minorVersion = minor;
        out.reason = finalReason;
        out.headers = fields;
        out.steps.push_back(Step::Head);
        if (head || status == 101 || status == 204 || status == 304)
            return end(Step::End);
        if (length >= 0) {
            const qint64 available = bytes.size() - p;
            out.body = bytes.mid(p, qsizetype(std::min(available, length)));
            p += out.body.size();
            if (available >= length)
                return end(Step::End);
            return incomplete();
        }
        if (!hasCoding) {
            out.body = bytes.mid(p);
            p = bytes.size();
            return incomplete(true);
        }
        for (;;) { // a chunk
            // chunk-size [BWS ";" extension] CRLF, extension without controls but HTAB.
            qsizetype at = p;
            while (at < bytes.size() && bytes[at] != '\r' && bytes[at] != '\n')
                ++at;
            const QByteArray chunkLine = bytes.mid(p, at - p);
            qsizetype digits = 0;
            while (digits < chunkLine.size() && isxdigit(uchar(chunkLine[digits])))
                ++digits;
            qint64 size = 0;
            bool overflow = false;
            for (qsizetype i = 0; i < digits; ++i) {
                overflow = overflow || size > (std::numeric_limits<qint64>::max() >> 4);
                if (!overflow)
                    size = size * 16 + QByteArray(1, chunkLine[i]).toInt(nullptr, 16);
            }
            const bool prefixOk = matches(ChunkLinePrefix, chunkLine);
            if (!prefixOk || overflow || chunkLine.size() > limits.maximumChunkLineSize)
                return end(Step::Error);
            if (at == bytes.size())
                return incomplete();
            if (bytes[at] == '\n' || digits == 0)
                return end(Step::Error);
            if (at + 1 == bytes.size())
                return incomplete();
            if (bytes[at + 1] != '\n')
                return end(Step::Error);
            p = at + 2;
            if (size == 0)
                break;
            const qint64 available = bytes.size() - p;
            out.body += bytes.mid(p, qsizetype(std::min(available, size)));
            if (available < size) {
                p = bytes.size();
                return incomplete();
            }
            p += size;
            for (const char expected : { '\r', '\n' }) {
                if (p == bytes.size())
                    return incomplete();
                if (bytes[p++] != expected)
                    return end(Step::Error);
            }
        }
        qsizetype budget = limits.maximumTrailerSize;
        for (;;) { // the trailer section
            QByteArray text;
            const Line l = line(&budget, &text);
            if (l == Incomplete)
                return incomplete();
            if (l == Bad)
                return end(Step::Error);
            if (text.isEmpty())
                return end(Step::End);
            QPair<QByteArray, QByteArray> f;
            if (!field(text, &f))
                return end(Step::Error);
        }
    }
};

void compareWithReference(const Outcome &reader, const QByteArray &bytes, bool close, bool small,
                          bool head)
{
    const HttpResponseReader::Limits limits = limitsFor(small);
    Reference reference{ bytes, limits, close, head, {} };
    reference.run();
    Outcome expected = reference.out;
    // The reader's framing answers and wording are not the model's to say.
    expected.error = reader.error;
    expected.closeDelimited = reader.closeDelimited;
    expected.closesConnection = reader.closesConnection;
    if (!expected.steps.empty() && expected.steps.back() == Step::Error) {
        // Where an error stops the reader inside a body is not the model's either: only that
        // what it gave before is a prefix of the body.
        if (!expected.body.startsWith(reader.body) && !reader.body.startsWith(expected.body))
            fail("body before the error differs from the reference model");
        expected.body = reader.body;
    }
    if (!expected.body.isEmpty()) // the model gives the body whole: one run of Body steps
        expected.steps.insert(expected.steps.begin() + 1, Step::Body);
    if (!(expected == reader))
        fail("the reader disagrees with the reference model",
             u"\nreader:    "_s + describe(reader) + u"\nreference: "_s + describe(expected));
}

void compare(const Outcome &whole, const Outcome &split, const char *how)
{
    if (!(whole == split))
        fail(how, u"\nwhole: "_s + describe(whole) + u"\nsplit: "_s + describe(split));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::optional<QtSseFuzz::Input> input = QtSseFuzz::decodeInput(data, size);
    if (!input)
        return 0;
    const QByteArray &bytes = input->bytes;
    const bool close = input->control & 0x20;
    const bool small = input->control & 0x40;
    const bool head = input->control & 0x80;

    const Outcome whole = run(bytes, {}, close, small, head);
    compareWithReference(whole, bytes, close, small, head);
    compare(whole, run(bytes, input->cuts, close, small, head), "split at the fuzzer's offsets");
    if (bytes.size() <= 4096)
        compare(whole, run(bytes, QtSseFuzz::everyByte(bytes), close, small, head),
                "fed one byte at a time");
    return 0;
}
