// SPDX-License-Identifier: MIT
// libFuzzer target for QtSse::EventStreamParser.
//
// Input: one control byte, then 2 * k bytes of split offsets, then the body of one connection.
//   control & 0x1F = k, the number of split offsets (little-endian 16-bit, taken modulo the body
//                    size + 1; repeated offsets make zero-length reads);
//   control & 0x20 = the body is a reconnect: seed it with a committed last event ID.
//
// Checks, aborting on any failure:
//   - the chunking invariant (P-30): the body split at the fuzzer's offsets, and fed one byte at a
//     time, gives exactly the same events, retry values, comments, final status and final last
//     event ID as the whole body fed at once;
//   - what the parser emits is well formed: no CR or LF in a type, ID or comment, no CR in data,
//     no NUL in an ID, a type never empty;
//   - finishBody() leaves nothing behind: a second body sees only its own bytes;
//   - with a small maximumEventSize, the buffered bytes never exceed it, EventTooLarge is sticky
//     until startBody(), and the parser works again after it;
//   - decodeUtf8() agrees with QString::fromUtf8() on valid UTF-8 and is lossless exactly then;
//   - the line-end search's vector path (SSE2 or NEON, linescan_p.h) finds every line end the
//     scalar loop finds, from the body's first 16 start offsets;
//   - the parser agrees with a reference model written straight from the standard's text: decode
//     the whole body, drop a leading U+FEFF, split the text into lines and interpret each line,
//     with none of the parser's buffering, in-place references or shortcuts.
#include "eventstreamparser.h"
#include "fuzzinput.h"
#include "linescan_p.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qlist.h>
#include <QtCore/qstring.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

using namespace Qt::StringLiterals;
using QtSse::EventStreamParser;

namespace {

struct Entry
{
    char kind = 0; // 'E'vent, 'R'etry, 'C'omment
    QString type, data, id, origin;
    qint64 number = 0;
    friend bool operator==(const Entry &a, const Entry &b)
    {
        return a.kind == b.kind && a.type == b.type && a.data == b.data && a.id == b.id
                && a.origin == b.origin && a.number == b.number;
    }
};

[[noreturn]] void fail(const char *what, const QString &detail = QString())
{
    std::fprintf(stderr, "fuzz_parser: %s %s\n", what, qPrintable(detail));
    std::abort();
}

class Recorder final : public EventStreamParser::Handler
{
public:
    bool handleEvent(const QtSse::MessageEvent &event) override
    {
        Entry e;
        e.kind = 'E';
        e.type = event.type();
        e.data = event.data();
        e.id = event.lastEventId();
        e.origin = event.origin();
        if (e.type.isEmpty() || e.type.contains(u'\r') || e.type.contains(u'\n'))
            fail("bad event type", e.type);
        if (e.data.contains(u'\r'))
            fail("CR in event data", e.data);
        if (e.id.contains(u'\r') || e.id.contains(u'\n') || e.id.contains(QChar(0)))
            fail("bad last event ID", e.id);
        entries.push_back(std::move(e));
        return true;
    }
    bool handleRetry(qint64 milliseconds) override
    {
        if (milliseconds < 0)
            fail("negative retry");
        Entry e;
        e.kind = 'R';
        e.number = milliseconds;
        entries.push_back(std::move(e));
        return true;
    }
    bool handleComment(const QString &text) override
    {
        if (text.contains(u'\r') || text.contains(u'\n'))
            fail("line break in a comment", text);
        Entry e;
        e.kind = 'C';
        e.data = text;
        entries.push_back(std::move(e));
        return true;
    }
    std::vector<Entry> entries;
};

struct Outcome
{
    std::vector<Entry> entries;
    QString lastEventId;
    EventStreamParser::Status status = EventStreamParser::Status::Ok;
};

const QString SeedId = u"seeded-\u00e9-id"_s;
const QString Origin = u"https://fuzz.example"_s;

// Feeds `body` cut at the sorted offsets `cuts` (cuts may repeat: zero-length reads).
Outcome run(const QByteArray &body, const std::vector<qsizetype> &cuts, bool seeded)
{
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setOrigin(Origin);
    if (seeded)
        parser.startBody(SeedId);
    qsizetype at = 0;
    Outcome out;
    // Each chunk is copied into one reused buffer that is scribbled over after feed(), as
    // EventSource reuses its read buffer: a reference kept into a chunk shows as wrong bytes.
    QByteArray scratch;
    auto feed = [&](qsizetype end) {
        scratch.resize(end - at);
        if (end > at)
            std::memcpy(scratch.data(), body.constData() + at, size_t(end - at));
        out.status = parser.feed(scratch);
        scratch.fill('\xA5');
        at = end;
    };
    for (const qsizetype cut : cuts)
        feed(cut);
    feed(body.size());
    parser.finishBody();
    out.lastEventId = parser.lastEventId();
    out.entries = std::move(recorder.entries);

    // A second body sees nothing of the first: no partial line, no pending id, no data.
    recorder.entries.clear();
    parser.startBody();
    if (parser.feed("data: after\n\n") != EventStreamParser::Status::Ok
        || recorder.entries.size() != 1 || recorder.entries.front().data != u"after"_s
        || recorder.entries.front().type != u"message"_s
        || recorder.entries.front().id != out.lastEventId)
        fail("the second body is not clean");
    return out;
}

// The standard's "parsing an event stream" and "interpreting an event stream", as literally as
// possible: the whole body is decoded first (CR, LF, colon and space are ASCII, so decoding
// before or after splitting lines gives the same text), then read line by line.
Outcome reference(const QByteArray &body, bool seeded)
{
    QString text = EventStreamParser::decodeUtf8(body);
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    Outcome out;
    QString data, type, idBuffer = seeded ? SeedId : QString();
    out.lastEventId = idBuffer;
    qsizetype pos = 0;
    for (;;) {
        qsizetype eol = pos;
        while (eol < text.size() && text[eol] != u'\r' && text[eol] != u'\n')
            ++eol;
        if (eol == text.size())
            break; // an unterminated last line is discarded, with the block it is in
        const QString line = text.mid(pos, eol - pos);
        pos = eol + 1;
        if (text[eol] == u'\r' && pos < text.size() && text[pos] == u'\n')
            ++pos;
        if (line.isEmpty()) { // dispatch
            out.lastEventId = idBuffer;
            if (data.isEmpty()) {
                type.clear();
                continue;
            }
            data.chop(1);
            Entry e;
            e.kind = 'E';
            e.type = type.isEmpty() ? u"message"_s : type;
            e.data = data;
            e.id = idBuffer;
            e.origin = Origin;
            out.entries.push_back(std::move(e));
            data.clear();
            type.clear();
            continue;
        }
        if (line.startsWith(u':')) {
            Entry e;
            e.kind = 'C';
            e.data = line.mid(1);
            out.entries.push_back(std::move(e));
            continue;
        }
        const qsizetype colon = line.indexOf(u':');
        const QString field = colon < 0 ? line : line.left(colon);
        QString value = colon < 0 ? QString() : line.mid(colon + 1);
        if (value.startsWith(u' '))
            value.remove(0, 1);
        if (field == u"event"_s) {
            type = value;
        } else if (field == u"data"_s) {
            data += value + u'\n';
        } else if (field == u"id"_s) {
            if (!value.contains(QChar(0)))
                idBuffer = value;
        } else if (field == u"retry"_s && !value.isEmpty()) {
            bool digits = true;
            for (QChar c : value)
                digits = digits && c >= u'0' && c <= u'9';
            if (digits) {
                Entry e;
                e.kind = 'R';
                e.number = std::numeric_limits<qint64>::max();
                bool ok = false;
                const qint64 n = value.toLongLong(&ok);
                if (ok)
                    e.number = n;
                out.entries.push_back(std::move(e));
            }
        }
    }
    return out;
}

QString describe(const Outcome &o)
{
    QString s = u"status %1, last id \"%2\", %3 entries:"_s.arg(int(o.status))
                        .arg(o.lastEventId)
                        .arg(o.entries.size());
    for (const Entry &e : o.entries)
        s += u" [%1 %2|%3|%4 %5]"_s.arg(QChar::fromLatin1(e.kind))
                     .arg(e.type, e.data, e.id)
                     .arg(e.number);
    return s;
}

void compare(const Outcome &whole, const Outcome &split, const char *how)
{
    if (whole.status != split.status || whole.lastEventId != split.lastEventId
        || whole.entries.size() != split.entries.size()) {
        fail(how, u"\nwhole: "_s + describe(whole) + u"\nsplit: "_s + describe(split));
    }
    for (size_t i = 0; i < whole.entries.size(); ++i) {
        if (!(whole.entries[i] == split.entries[i]))
            fail(how,
                 u"entry %1 differs\nwhole: "_s.arg(i) + describe(whole) + u"\nsplit: "_s
                         + describe(split));
    }
}

// With a small cap: never more than the cap buffered; EventTooLarge is sticky until startBody().
void checkCap(const QByteArray &body, const std::vector<qsizetype> &cuts, qint64 cap)
{
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setMaximumEventSize(cap);
    qsizetype at = 0;
    bool tooLarge = false;
    auto feed = [&](qsizetype end) {
        const auto status = parser.feed(QByteArrayView(body.constData() + at, end - at));
        at = end;
        if (tooLarge && status != EventStreamParser::Status::EventTooLarge)
            fail("EventTooLarge was not sticky");
        tooLarge = status == EventStreamParser::Status::EventTooLarge;
        if (parser.bufferedSize() > cap)
            fail("buffered more than maximumEventSize",
                 u"%1 > %2"_s.arg(parser.bufferedSize()).arg(cap));
    };
    for (const qsizetype cut : cuts)
        feed(cut);
    feed(body.size());
    for (const Entry &e : recorder.entries) {
        // Each raw byte decodes to at most one UTF-16 code unit.
        if (e.kind == 'E' && e.data.size() > cap)
            fail("an event larger than maximumEventSize was dispatched");
    }
    parser.startBody();
    recorder.entries.clear();
    // An empty data line buffers one byte (its LF): within any cap.
    if (parser.feed("data:\n\n") != EventStreamParser::Status::Ok || recorder.entries.size() != 1)
        fail("the parser did not recover after startBody()");
}

void checkDecoder(const QByteArray &bytes)
{
    const QString mine = EventStreamParser::decodeUtf8(bytes);
    const bool lossless = mine.toUtf8() == bytes;
    const QString qt = QString::fromUtf8(bytes);
    const bool valid = qt.toUtf8() == bytes; // fromUtf8 replaces anything invalid
    const bool bom = bytes.startsWith("\xEF\xBB\xBF"); // fromUtf8 drops it, decodeUtf8 keeps it
    if (!bom && valid != lossless)
        fail("decodeUtf8 and fromUtf8 disagree on validity");
    if (!bom && valid && mine != qt)
        fail("decodeUtf8 and fromUtf8 disagree on valid UTF-8");
    if (mine.size() > bytes.size())
        fail("decodeUtf8 made more code units than bytes");
}

// Every line end of the body, from each of its first 16 bytes, by the vector path and the scalar
// loop in turn: the same positions.
void checkLineScan(const QByteArray &body)
{
    const char *const end = body.constData() + body.size();
    for (qsizetype start = 0; start < qMin<qsizetype>(16, body.size()); ++start) {
        const char *p = body.constData() + start;
        for (;;) {
            const char *const vector = QtSse::LineScan::findLineEnd(p, end);
            const char *const scalar = QtSse::LineScan::findLineEndScalar(p, end);
            if (vector != scalar)
                fail("the vector line-end search disagrees with the scalar one");
            if (!scalar)
                break;
            p = scalar + 1;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::optional<QtSseFuzz::Input> input = QtSseFuzz::decodeInput(data, size);
    if (!input)
        return 0;
    const QByteArray &body = input->bytes;
    const bool seeded = input->control & 0x20;

    checkLineScan(body);
    const Outcome whole = run(body, {}, seeded);
    compare(reference(body, seeded), whole, "parser against the reference model");
    compare(whole, run(body, input->cuts, seeded), "split at the fuzzer's offsets");
    if (body.size() <= 4096) {
        compare(whole, run(body, QtSseFuzz::everyByte(body), seeded), "fed one byte at a time");
        checkDecoder(body);
    }
    checkCap(body, input->cuts, 1 + qint64((input->splitCount * 37 + size) % 160));
    return 0;
}
