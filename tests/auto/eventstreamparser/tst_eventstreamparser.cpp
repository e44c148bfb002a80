// SPDX-License-Identifier: MIT
// Tests of QtSse::EventStreamParser. Every row names the checklist item it covers
// (../shared/conformance/CHECKLIST.md, section P).
#include <QtSse/EventStreamParser>

#include <QtCore/qfile.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qrandom.h>
#include <QtTest/qtest.h>

#include <cstring>

using namespace Qt::StringLiterals;
using QtSse::EventStreamParser;
using QtSse::MessageEvent;

namespace {

struct Expected
{
    QList<MessageEvent> events;
    qint64 retry = -1; // the last valid retry, -1 when none
    QString finalLastEventId;
    QStringList comments;
};

class Recorder : public EventStreamParser::Handler
{
public:
    bool handleEvent(const MessageEvent &event) override
    {
        result.events.append(event);
        return stopAfterEvents < 0 || result.events.size() < stopAfterEvents;
    }
    bool handleRetry(qint64 ms) override
    {
        result.retry = ms;
        return !stopOnRetry;
    }
    bool handleComment(const QString &text) override
    {
        result.comments.append(text);
        return true;
    }
    Expected result;
    int stopAfterEvents = -1;
    bool stopOnRetry = false;
};

Expected parseChunks(const QList<QByteArray> &chunks, const QString &initialId = QString())
{
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.startBody(initialId);
    // Each chunk goes through one reused buffer that is scribbled over after each feed(), as
    // EventSource's read buffer is reused: the parser may keep nothing pointing into a chunk.
    QByteArray scratch;
    for (const QByteArray &chunk : chunks) {
        scratch.resize(chunk.size());
        if (!chunk.isEmpty())
            std::memcpy(scratch.data(), chunk.constData(), size_t(chunk.size()));
        parser.feed(scratch);
        scratch.fill('\xA5');
    }
    parser.finishBody();
    recorder.result.finalLastEventId = parser.lastEventId();
    return recorder.result;
}

QList<QByteArray> wholeSplit(const QList<QByteArray> &chunks)
{
    QByteArray all;
    for (const QByteArray &c : chunks)
        all += c;
    return { all };
}

QList<QByteArray> byteSplit(const QList<QByteArray> &chunks)
{
    QList<QByteArray> out;
    for (const QByteArray &c : chunks)
        for (char b : c)
            out.append(QByteArray(1, b));
    return out;
}

// Random boundaries, zero-length reads included; reproducible from the seed.
QList<QByteArray> randomSplit(const QList<QByteArray> &chunks, quint32 seed)
{
    const QByteArray all = wholeSplit(chunks).constFirst();
    QRandomGenerator rng(seed);
    QList<QByteArray> out;
    qsizetype pos = 0;
    while (pos < all.size()) {
        const qsizetype len = qMin<qsizetype>(rng.bounded(0, 8), all.size() - pos);
        out.append(all.mid(pos, len));
        pos += len;
    }
    return out;
}

QString describe(const Expected &e)
{
    QString s;
    for (const MessageEvent &ev : e.events)
        s += u"{%1|%2|%3} "_s.arg(ev.type(), ev.data(), ev.lastEventId());
    return s + u"retry=%1 final=%2"_s.arg(e.retry).arg(e.finalLastEventId);
}

void compareResult(const Expected &actual, const Expected &expected, const char *mode)
{
    if (actual.events != expected.events || actual.retry != expected.retry
        || actual.finalLastEventId != expected.finalLastEventId) {
        QFAIL(qPrintable(u"%1 split:\n  actual:   %2\n  expected: %3"_s.arg(
                QLatin1StringView(mode), describe(actual), describe(expected))));
    }
}

// Checks the invariant of P-30: every way of chunking gives the same outcome.
void checkAllSplits(const QList<QByteArray> &chunks, const QString &initialId,
                    const Expected &expected)
{
    compareResult(parseChunks(chunks, initialId), expected, "given");
    if (QTest::currentTestFailed())
        return;
    compareResult(parseChunks(wholeSplit(chunks), initialId), expected, "whole");
    if (QTest::currentTestFailed())
        return;
    compareResult(parseChunks(byteSplit(chunks), initialId), expected, "byte-by-byte");
    for (quint32 seed = 1; seed <= 25 && !QTest::currentTestFailed(); ++seed)
        compareResult(parseChunks(randomSplit(chunks, seed), initialId), expected, "random");
}

MessageEvent ev(const QString &data, const QString &id = QString(),
                const QString &type = u"message"_s)
{
    return MessageEvent(type, data, id);
}

} // namespace

Q_DECLARE_METATYPE(Expected)

class tst_EventStreamParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void conformanceVectors_data();
    void conformanceVectors();
    void rules_data();
    void rules();
    void decodeUtf8_data();
    void decodeUtf8();
    void comments();
    void bomAcrossChunksPerBody();
    void crThenLfInNextChunkDispatchesAtOnce();
    void handlerStopsParsing();
    void handlerStopKeepsBlockInProgress();
    void handlerRestartsBodyMidChunk();
    void lastEventIdChangesCounted();
    void lastEventIdChangeDetected_data();
    void lastEventIdChangeDetected();
    void idWithNulIgnored_data();
    void idWithNulIgnored();
    void sizeCapEndlessLine();
    void sizeCapManyDataLines();
    void sizeCapCountsTypeAndId_data();
    void sizeCapCountsTypeAndId();
    void sizeCapRecoversOnNextBody();
    void largeEventInSmallChunks();
    void largeEventWithinCapDelivered();
    void retrySaturates();
    void originStampedOnEvents();
    void jsonHelper();
};

void tst_EventStreamParser::conformanceVectors_data()
{
    QTest::addColumn<QList<QByteArray>>("chunks");
    QTest::addColumn<QString>("initialId");
    QTest::addColumn<Expected>("expected");

    QFile file(QFINDTESTDATA("data/sse-vectors.json"));
    QVERIFY2(file.open(QIODevice::ReadOnly), "sse-vectors.json not found");
    const QJsonArray cases = QJsonDocument::fromJson(file.readAll()).array();
    QVERIFY(cases.size() >= 61);
    for (const QJsonValue &v : cases) {
        const QJsonObject c = v.toObject();
        QList<QByteArray> chunks;
        if (c.contains(u"input_chunks_b64"_s)) {
            for (const QJsonValue &chunk : c.value(u"input_chunks_b64"_s).toArray())
                chunks.append(QByteArray::fromBase64(chunk.toString().toLatin1()));
        } else {
            for (const QJsonValue &chunk : c.value(u"input_chunks"_s).toArray())
                chunks.append(chunk.toString().toUtf8());
        }
        Expected e;
        for (const QJsonValue &x : c.value(u"expect"_s).toArray()) {
            const QJsonObject o = x.toObject();
            e.events.append(MessageEvent(o.value(u"type"_s).toString(),
                                         o.value(u"data"_s).toString(),
                                         o.value(u"lastEventId"_s).toString()));
        }
        const QJsonValue retry = c.value(u"expect_retry_ms"_s);
        e.retry = retry.isNull() ? -1 : qint64(retry.toDouble());
        e.finalLastEventId = c.value(u"expect_final_last_event_id"_s).toString();
        const QString name =
                c.value(u"checklist"_s).toString() + u' ' + c.value(u"id"_s).toString();
        QTest::newRow(qPrintable(name))
                << chunks << c.value(u"initial_last_event_id"_s).toString() << e;
    }
}

void tst_EventStreamParser::conformanceVectors()
{
    QFETCH(QList<QByteArray>, chunks);
    QFETCH(QString, initialId);
    QFETCH(Expected, expected);
    checkAllSplits(chunks, initialId, expected);
}

// Hand-written rows, one or more per P-item. Each runs whole, byte by byte and split at random.
void tst_EventStreamParser::rules_data()
{
    QTest::addColumn<QList<QByteArray>>("chunks");
    QTest::addColumn<QString>("initialId");
    QTest::addColumn<Expected>("expected");

    auto row = [](const char *name, QList<QByteArray> chunks, QList<MessageEvent> events,
                  qint64 retry = -1, const QString &finalId = QString(),
                  const QString &initialId = QString()) {
        Expected e;
        e.events = std::move(events);
        e.retry = retry;
        e.finalLastEventId = finalId;
        QTest::newRow(name) << chunks << initialId << e;
    };

    row("P-01 utf-8 whatever the charset", { "data: \xC3\xA9t\xC3\xA9\n\n" },
        { ev(u"\u00e9t\u00e9"_s) });
    row("P-02 bom stripped",
        { "\xEF\xBB\xBF"
          "data:a\n\n" },
        { ev(u"a"_s) });
    row("P-02 bom in three chunks",
        { "\xEF", "\xBB",
          "\xBF"
          "data:a\n\n" },
        { ev(u"a"_s) });
    row("P-02 partial bom is data",
        { "\xEF\xBB"
          "data:a\n\n" },
        {});
    row("P-03 second bom spoils name",
        { "\xEF\xBB\xBF\xEF\xBB\xBF"
          "data:a\n\ndata:b\n\n" },
        { ev(u"b"_s) });
    row("P-03 bom inside value kept", { "data:\xEF\xBB\xBFx\n\n" }, { ev(u"\uFEFFx"_s) });
    row("P-04 truncated sequence", { "data:\xE2\x82(\n\n" }, { ev(u"\uFFFD("_s) });
    row("P-04 surrogate bytes", { "data:\xED\xA0\x80\n\n" }, { ev(u"\uFFFD\uFFFD\uFFFD"_s) });
    row("P-04 above U+10FFFF", { "data:\xF4\x90\x80\x80\n\n" },
        { ev(u"\uFFFD\uFFFD\uFFFD\uFFFD"_s) });
    row("P-04 overlong", { "data:\xC0\xAF\n\n" }, { ev(u"\uFFFD\uFFFD"_s) });
    row("P-04 truncated before line end", { "data:\xF0\x9F\x98\n\n" }, { ev(u"\uFFFD"_s) });
    row("P-04 invalid in event name", { "event:\xFF\nid:\xC3\ndata:x\n\n" },
        { ev(u"x"_s, u"\uFFFD"_s, u"\uFFFD"_s) }, -1, u"\uFFFD"_s);
    row("P-05 split 4-byte character", { "data:\xF0\x9F", "\x98\x80\n\n" },
        { ev(u"\U0001F600"_s) });
    row("P-06 mixed line ends", { "data:a\rdata:b\ndata:c\r\n\r\n" }, { ev(u"a\nb\nc"_s) });
    row("P-06 cr only", { "data:a\r\rdata:b\r\r" }, { ev(u"a"_s), ev(u"b"_s) });
    row("P-07 crlf split", { "data:a\r", "\n", "\r", "\n" }, { ev(u"a"_s) });
    row("P-07 cr then empty reads then lf", { "data:a\r", "", "", "\n\r\n" }, { ev(u"a"_s) });
    row("P-08 lf cr is two line ends", { "data:a\n\r" }, { ev(u"a"_s) });
    row("P-08 cr cr dispatches", { "data:a\r\r" }, { ev(u"a"_s) });
    row("P-08 final cr ends its line", { "data:a\n\r" }, { ev(u"a"_s) });
    row("P-09 comment with data text", { ":data: x\n\n" }, {});
    row("P-09 comment with nul", { QByteArray(":\0x\ndata:y\n\n", 13) }, { ev(u"y"_s) });
    row("P-09 space colon is a field", { " :x\ndata:y\n\n" }, { ev(u"y"_s) });
    row("P-10 later colons in value", { "data:a:b: c\n\n" }, { ev(u"a:b: c"_s) });
    row("P-11 one space stripped", { "data:  two\n\n" }, { ev(u" two"_s) });
    row("P-11 tab kept", { "data:\tx \n\n" }, { ev(u"\tx "_s) });
    row("P-11 space in next chunk", { "data:", " x\n\n" }, { ev(u"x"_s) });
    row("P-12 data without colon", { "data\ndata\ndata:x\n\n" }, { ev(u"\n\nx"_s) });
    row("P-12 event without colon clears type", { "event:a\nevent\ndata:x\n\n" }, { ev(u"x"_s) });
    row("P-12 id without colon resets", { "id:1\ndata:a\n\nid\ndata:b\n\n" },
        { ev(u"a"_s, u"1"_s), ev(u"b"_s) });
    row("P-12 retry without colon ignored", { "retry\ndata:x\n\n" }, { ev(u"x"_s) });
    row("P-13 case-sensitive names",
        { "Data:a\nDATA:b\ndata :c\n data:d\nda-ta:e\ndata_5:f\ndata:g\n\n" }, { ev(u"g"_s) });
    row("P-13 nul in name", { QByteArray("data\0:a\ndata:b\n\n", 16) }, { ev(u"b"_s) });
    row("P-13 names past five characters ignored",
        { "datadata:x\ndata123\nevents:x\nretry1:5\nidx:9\n" + QByteArray(100, 'd')
          + ":y\ndata:z\n\n" },
        { ev(u"z"_s) });
    row("P-13 colon at the sixth character", { "data :x\nretry :5\nevent :e\ndata:y\n\n" },
        { ev(u"y"_s) });
    row("P-14 lines joined with lf", { "data:1\ndata:2\ndata:3\n\n" }, { ev(u"1\n2\n3"_s) });
    row("P-15 two empty data lines", { "data:\ndata:\n\n" }, { ev(u"\n"_s) });
    row("P-16 empty data still fires", { "data:\n\n" }, { ev(QString(u""_s)) });
    row("P-16 no data no event", { "event:x\n\n\n\ndata:y\n\n" }, { ev(u"y"_s) });
    row("P-17 last event line wins", { "event:a\nevent:b\ndata:x\n\n" },
        { ev(u"x"_s, {}, u"b"_s) });
    row("P-17 type reset after blank line", { "event:a\ndata:x\n\ndata:y\n\n" },
        { ev(u"x"_s, {}, u"a"_s), ev(u"y"_s) });
    row("P-17 error and open are just names", { "event:error\ndata:x\n\nevent:open\ndata:y\n\n" },
        { ev(u"x"_s, {}, u"error"_s), ev(u"y"_s, {}, u"open"_s) });
    row("P-17 repeated type reused",
        { "event:tick\ndata:1\n\nevent:tick\ndata:2\n\nevent:tock\ndata:3\n\n" },
        { ev(u"1"_s, {}, u"tick"_s), ev(u"2"_s, {}, u"tick"_s), ev(u"3"_s, {}, u"tock"_s) });
    row("P-18 id persists", { "id:7\ndata:a\n\ndata:b\n\n" },
        { ev(u"a"_s, u"7"_s), ev(u"b"_s, u"7"_s) }, -1, u"7"_s);
    row("P-18 id after data in block", { "data:a\nid:9\n\n" }, { ev(u"a"_s, u"9"_s) }, -1, u"9"_s);
    row("P-18 id verbatim", { "id: <x y>\xE2\x80\xA6\ndata:a\n\n" },
        { ev(u"a"_s, u"<x y>\u2026"_s) }, -1, u"<x y>\u2026"_s);
    row("P-18 ids compared as text",
        { "id:a\ndata:1\n\nid:ab\ndata:2\n\nid:a\ndata:3\n\nid:a\ndata:4\n\n" },
        { ev(u"1"_s, u"a"_s), ev(u"2"_s, u"ab"_s), ev(u"3"_s, u"a"_s), ev(u"4"_s, u"a"_s) }, -1,
        u"a"_s);
    row("P-18 non-ascii ids compared decoded",
        { "id:\xC3\xA9\ndata:1\n\nid:\xC3\xA9\ndata:2\n\nid:\xFF\ndata:3\n\nid:\xFE\ndata:4\n\nid:"
          "e\xCC\x81\ndata:5\n\nid:e\ndata:6\n\n" },
        { ev(u"1"_s, u"\u00e9"_s), ev(u"2"_s, u"\u00e9"_s), ev(u"3"_s, u"\uFFFD"_s),
          ev(u"4"_s, u"\uFFFD"_s), ev(u"5"_s, u"e\u0301"_s), ev(u"6"_s, u"e"_s) },
        -1, u"e"_s);
    row("P-18 id equal to the seeded id", { "id:\xC3\xA9\ndata:a\n\nid:x\ndata:b\n\n" },
        { ev(u"a"_s, u"\u00e9"_s), ev(u"b"_s, u"x"_s) }, -1, u"x"_s, u"\u00e9"_s);
    row("P-19 id with nul ignored", { "id:1\ndata:a\n\n", QByteArray("id:2\0x\ndata:b\n\n", 15) },
        { ev(u"a"_s, u"1"_s), ev(u"b"_s, u"1"_s) }, -1, u"1"_s);
    row("P-20 empty id resets", { "id:1\ndata:a\n\nid:\ndata:b\n\nid:5\n\nid: \ndata:c\n\n" },
        { ev(u"a"_s, u"1"_s), ev(u"b"_s), ev(u"c"_s) });
    row("P-21 id-only block commits", { "id:42\n\n" }, {}, -1, u"42"_s);
    row("P-22 id in unfinished block dropped", { "id:1\ndata:a\n\nid:2\ndata:b\n" },
        { ev(u"a"_s, u"1"_s) }, -1, u"1"_s);
    row("P-23 seeded id carries", { "data:a\n\nid:n\ndata:b\n\n" },
        { ev(u"a"_s, u"old"_s), ev(u"b"_s, u"n"_s) }, -1, u"n"_s, u"old"_s);
    row("P-23 seeded id kept at eof", { "data:a\n" }, {}, -1, u"old"_s, u"old"_s);
    row("P-24 leading zeros", { "retry:03000\n" }, {}, 3000);
    row("P-24 beyond 32 bits", { "retry:8589934592\n" }, {}, Q_INT64_C(8589934592));
    row("P-24 spaces and signs ignored",
        { "retry:100\nretry:  200\nretry:300 \nretry:-1\nretry:+5\n" }, {}, 100);
    row("P-24 one space is stripped", { "retry: 250\n" }, {}, 250);
    row("P-25 empty retry keeps event", { "retry:\ndata:x\n\n" }, { ev(u"x"_s) });
    row("P-26 retry in discarded block", { "retry:900\ndata:x\n" }, {}, 900);
    row("P-27 unterminated last line", { "data:a\n\ndata:b" }, { ev(u"a"_s) });
    row("P-28 nul kept in data and type", { QByteArray("event:a\0b\ndata:c\0d\n\n", 21) },
        { ev(u"c\0d"_s, {}, u"a\0b"_s) });
    row("P-29 only cr and lf break lines",
        { "data:a\xE2\x80\xA8"
          "b\xC2\x85"
          "c\x0B\x0C"
          "d\n\n" },
        { ev(u"a\u2028b\u0085c\u000B\u000Cd"_s) });
    row("P-30 boundaries inside name and before lf",
        { "da", "ta", ":", " ", "x", "\r", "\n", "", "\n" }, { ev(u"x"_s) });
    row("P-31 long comment lines", { QByteArray(":") + QByteArray(4096, 'c') + "\ndata:x\n\n" },
        { ev(u"x"_s) });
}

void tst_EventStreamParser::rules()
{
    QFETCH(QList<QByteArray>, chunks);
    QFETCH(QString, initialId);
    QFETCH(Expected, expected);
    checkAllSplits(chunks, initialId, expected);
}

void tst_EventStreamParser::decodeUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("text");
    // P-04: one U+FFFD per maximal ill-formed subsequence, as the WHATWG decoder.
    QTest::newRow("ascii long") << QByteArray("abcdefghijklmnopqrstuvwxyz")
                                << u"abcdefghijklmnopqrstuvwxyz"_s;
    QTest::newRow("C3 28") << QByteArray("\xC3\x28") << u"\uFFFD("_s;
    QTest::newRow("ED A0 80") << QByteArray("\xED\xA0\x80") << u"\uFFFD\uFFFD\uFFFD"_s;
    QTest::newRow("F4 90 80 80") << QByteArray("\xF4\x90\x80\x80") << u"\uFFFD\uFFFD\uFFFD\uFFFD"_s;
    QTest::newRow("C0 AF") << QByteArray("\xC0\xAF") << u"\uFFFD\uFFFD"_s;
    QTest::newRow("E0 80 80") << QByteArray("\xE0\x80\x80") << u"\uFFFD\uFFFD\uFFFD"_s;
    QTest::newRow("F0 9F 98 then ascii") << QByteArray("\xF0\x9F\x98x") << u"\uFFFDx"_s;
    QTest::newRow("E2 82 at end") << QByteArray("\xE2\x82") << u"\uFFFD"_s;
    QTest::newRow("FE FF") << QByteArray("\xFE\xFF") << u"\uFFFD\uFFFD"_s;
    QTest::newRow("F8 5-byte form")
            << QByteArray("\xF8\x88\x80\x80\x80") << u"\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"_s;
    QTest::newRow("bom kept") << QByteArray("\xEF\xBB\xBFx") << u"\uFEFFx"_s;
    QTest::newRow("max code point") << QByteArray("\xF4\x8F\xBF\xBF") << u"\U0010FFFF"_s;
    QTest::newRow("mixed after 8 ascii") << QByteArray("12345678\xC3\xA9"
                                                       "9")
                                         << u"12345678\u00e99"_s;
    QTest::newRow("empty") << QByteArray() << u""_s;
    // Values of up to 16 bytes take a path of their own: every length around it, ASCII, and with
    // an invalid byte (one U+FFFD) at each position.
    for (int n = 1; n <= 20; ++n) {
        QByteArray ascii;
        for (int i = 0; i < n; ++i)
            ascii.append(char('A' + (i * 7) % 58));
        QTest::addRow("ascii %d", n) << ascii << QString::fromLatin1(ascii);
        for (int at = 0; at < n; ++at) {
            QByteArray bytes = ascii;
            bytes[at] = '\xff';
            QString text = QString::fromLatin1(ascii);
            text[at] = QChar(0xFFFD);
            QTest::addRow("ascii %d, invalid byte at %d", n, at) << bytes << text;
        }
    }
}

void tst_EventStreamParser::decodeUtf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, text);
    QCOMPARE(EventStreamParser::decodeUtf8(bytes), text);
}

void tst_EventStreamParser::comments()
{
    // P-09: comment text is everything after the colon, verbatim (space kept), in stream order.
    const QList<QByteArray> chunks = { ": keep-alive\n:\n:x: y\r\ndata:a\n\n" };
    for (const QList<QByteArray> &split : { chunks, byteSplit(chunks) }) {
        const Expected r = parseChunks(split);
        QCOMPARE(r.comments, QStringList({ u" keep-alive"_s, u""_s, u"x: y"_s }));
        QCOMPARE(r.events.size(), 1);
    }
}

void tst_EventStreamParser::bomAcrossChunksPerBody()
{
    // P-02: each body gets its own BOM check.
    Recorder recorder;
    EventStreamParser parser(&recorder);
    for (int body = 0; body < 2; ++body) {
        parser.startBody();
        parser.feed("\xEF\xBB");
        parser.feed("\xBF"
                    "data:x\n\n");
        parser.finishBody();
    }
    QCOMPARE(recorder.result.events.size(), 2);
    QCOMPARE(recorder.result.events.at(1).data(), u"x"_s);
}

void tst_EventStreamParser::crThenLfInNextChunkDispatchesAtOnce()
{
    // P-07: a CR ends its line at once, so the event is out before the LF arrives.
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.feed("data:a\r\r");
    QCOMPARE(recorder.result.events.size(), 1);
    parser.feed("\ndata:b\n\n");
    QCOMPARE(recorder.result.events.size(), 2);
    QCOMPARE(recorder.result.events.at(1).data(), u"b"_s);
}

void tst_EventStreamParser::handlerStopsParsing()
{
    Recorder recorder;
    recorder.stopAfterEvents = 1;
    EventStreamParser parser(&recorder);
    QCOMPARE(parser.feed("id:1\ndata:a\n\nid:2\ndata:b\n\n"), EventStreamParser::Status::Stopped);
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(parser.lastEventId(), u"1"_s); // nothing past the stop was looked at
}

// A stop in mid-block (here at a retry field) leaves the block's data and id intact for the
// next chunk, although they were only referred to in the stopped chunk, never copied.
void tst_EventStreamParser::handlerStopKeepsBlockInProgress()
{
    Recorder recorder;
    recorder.stopOnRetry = true;
    EventStreamParser parser(&recorder);
    QByteArray chunk("id:7\ndata:first\nretry:5\ndata:ignored-after-stop\n");
    QCOMPARE(parser.feed(chunk), EventStreamParser::Status::Stopped);
    QCOMPARE(recorder.result.retry, 5);
    QCOMPARE(parser.bufferedSize(), qint64(sizeof("first") - 1 + 1 + sizeof("7") - 1));
    chunk.fill('#'); // the parser may not look at the old chunk any more
    recorder.stopOnRetry = false;
    QCOMPARE(parser.feed("data:second\n\n"), EventStreamParser::Status::Ok);
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(recorder.result.events.first(), ev(u"first\nsecond"_s, u"7"_s));
    QCOMPARE(parser.lastEventId(), u"7"_s);
}

// A handler that starts a new body from inside a callback (as EventSource does when a slot
// reconnects): nothing of the old chunk's block may leak into the new body.
void tst_EventStreamParser::handlerRestartsBodyMidChunk()
{
    struct Restarter : Recorder
    {
        EventStreamParser *parser = nullptr;
        bool handleComment(const QString &text) override
        {
            Recorder::handleComment(text);
            parser->startBody();
            return false;
        }
    } recorder;
    EventStreamParser parser(&recorder);
    recorder.parser = &parser;
    QCOMPARE(parser.feed("id:9\ndata:stale\n:restart\n"), EventStreamParser::Status::Stopped);
    QCOMPARE(parser.bufferedSize(), 0);
    QCOMPARE(parser.feed("data:fresh\n\n"), EventStreamParser::Status::Ok);
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(recorder.result.events.first(), ev(u"fresh"_s));
    QCOMPARE(parser.lastEventId(), QString());
}

// lastEventIdChanges() counts each change of the committed ID (P-18 to P-21), whichever way it
// came, and nothing else; setLastEventId() is reported by the next events (E-02), and an id
// already pending in the block still commits at its blank line.
void tst_EventStreamParser::lastEventIdChangesCounted()
{
    Recorder recorder;
    EventStreamParser parser(&recorder);
    QCOMPARE(parser.lastEventIdChanges(), quint64(0));
    parser.feed("data: no id\n\nid: 1\ndata: a\n\nid: 1\ndata: b\n\nid: 2\n\n");
    QCOMPARE(parser.lastEventIdChanges(), quint64(2)); // "1", then "2"; the repeat is no change
    QCOMPARE(parser.lastEventId(), u"2"_s);
    parser.feed("id: 3\ndata: c"); // pending, not committed
    QCOMPARE(parser.lastEventIdChanges(), quint64(2));
    parser.setLastEventId(u"app"_s);
    QCOMPARE(parser.lastEventIdChanges(), quint64(3));
    parser.setLastEventId(u"app"_s);
    QCOMPARE(parser.lastEventIdChanges(), quint64(3));
    parser.feed("\n\ndata: d\n\n");
    QCOMPARE(parser.lastEventIdChanges(), quint64(4)); // the pending "3" committed
    parser.setLastEventId(u"app"_s);
    parser.feed("data: e\n\n");
    const QList<MessageEvent> &events = recorder.result.events;
    QCOMPARE(events.size(), 6);
    QCOMPARE(events.at(3).lastEventId(), u"3"_s);
    QCOMPARE(events.at(4).lastEventId(), u"3"_s);
    QCOMPARE(events.at(5).lastEventId(), u"app"_s);
    parser.startBody(); // keeps the ID: no change
    QCOMPARE(parser.lastEventIdChanges(), quint64(5));
    parser.startBody(u"seed"_s);
    QCOMPARE(parser.lastEventIdChanges(), quint64(6));
    QCOMPARE(parser.lastEventId(), u"seed"_s);
}

void tst_EventStreamParser::lastEventIdChangeDetected_data()
{
    QTest::addColumn<QByteArray>("previous");
    QTest::addColumn<QByteArray>("next");
    QTest::addColumn<bool>("changed");
    QTest::newRow("last digit") << QByteArray("1299") << QByteArray("1300") << true;
    QTest::newRow("same digits") << QByteArray("1299") << QByteArray("1299") << false;
    QTest::newRow("longer") << QByteArray("12") << QByteArray("123") << true;
    QTest::newRow("shorter") << QByteArray("123") << QByteArray("12") << true;
    QTest::newRow("first of many") << QByteArray(64, 'a') << "b" + QByteArray(63, 'a') << true;
    QTest::newRow("emptied") << QByteArray("a") << QByteArray() << true;
    QTest::newRow("same non-ASCII")
            << QByteArray("\xc3\xa9t\xc3\xa9") << QByteArray("\xc3\xa9t\xc3\xa9") << false;
    QTest::newRow("non-ASCII then ASCII") << QByteArray("\xc3\xa9") << QByteArray("e") << true;
    QTest::newRow("ASCII then non-ASCII") << QByteArray("ab") << QByteArray("\xc3\xa9") << true;
    // P-20, E-02: ids compare as decoded text; an invalid byte is U+FFFD, as is its encoding.
    QTest::newRow("U+FFFD both ways")
            << QByteArray("x\xff") << QByteArray("x\xef\xbf\xbd") << false;
    // Every id length around the short ids' path, the same and differing at each position.
    for (int n = 1; n <= 20; ++n) {
        const QByteArray id = QByteArray("0123456789abcdefghij").left(n);
        QTest::addRow("%d bytes, same", n) << id << id << false;
        for (int at = 0; at < n; ++at) {
            QByteArray next = id;
            next[at] = next[at] == '0' ? '1' : '0';
            QTest::addRow("%d bytes, differing at %d", n, at) << id << next << true;
        }
    }
}

void tst_EventStreamParser::idWithNulIgnored_data()
{
    QTest::addColumn<QByteArray>("id");
    // P-19: an id field whose value holds a NUL, wherever it is, is ignored, at every length.
    for (int n = 1; n <= 20; ++n) {
        for (int at = 0; at < n; ++at) {
            QByteArray id(n, 'k');
            id[at] = '\0';
            QTest::addRow("%d bytes, NUL at %d", n, at) << id;
        }
    }
}

void tst_EventStreamParser::idWithNulIgnored()
{
    QFETCH(QByteArray, id);
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.feed(QByteArray("id: before\nid: " + id + "\ndata: x\n\n"));
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(recorder.result.events.constFirst().lastEventId(), u"before"_s);
    // Without the NUL, the same value is taken.
    QByteArray clean = id;
    clean.replace('\0', 'k');
    parser.feed(QByteArray("id: " + clean + "\ndata: y\n\n"));
    QCOMPARE(recorder.result.events.size(), 2);
    QCOMPARE(recorder.result.events.constLast().lastEventId(), QString::fromLatin1(clean));
}

void tst_EventStreamParser::lastEventIdChangeDetected()
{
    QFETCH(QByteArray, previous);
    QFETCH(QByteArray, next);
    QFETCH(bool, changed);
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.feed(QByteArray("id: " + previous + "\n\n"));
    const quint64 before = parser.lastEventIdChanges();
    parser.feed(QByteArray("id: " + next + "\ndata: x\n\n"));
    QCOMPARE(parser.lastEventIdChanges() - before, quint64(changed ? 1 : 0));
    QCOMPARE(parser.lastEventId(), EventStreamParser::decodeUtf8(next));
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(recorder.result.events.at(0).lastEventId(), EventStreamParser::decodeUtf8(next));
}

void tst_EventStreamParser::sizeCapEndlessLine()
{
    // A hostile server streaming one endless line: the cap fires, memory stays bounded.
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setMaximumEventSize(64 * 1024);
    const QByteArray chunk(1000, 'x');
    EventStreamParser::Status status = parser.feed("data:");
    int fed = 0;
    while (status == EventStreamParser::Status::Ok && fed < 1000) {
        status = parser.feed(chunk);
        ++fed;
        QVERIFY(parser.bufferedSize() <= parser.maximumEventSize());
    }
    QCOMPARE(status, EventStreamParser::Status::EventTooLarge);
    // "data:" + 65 chunks = 65005 bytes fit in 65536; the 66th chunk would not.
    QCOMPARE(fed, 66);
    QCOMPARE(parser.bufferedSize(), 0);
    QCOMPARE(parser.feed("\n\ndata:y\n\n"), EventStreamParser::Status::EventTooLarge);
    QVERIFY(recorder.result.events.isEmpty());
}

void tst_EventStreamParser::sizeCapCountsTypeAndId_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<int>("chunkSize"); // 0: the whole block in one chunk
    QTest::newRow("event, one chunk") << QByteArray("event") << 0;
    QTest::newRow("event, small chunks") << QByteArray("event") << 7;
    QTest::newRow("id, one chunk") << QByteArray("id") << 0;
    QTest::newRow("id, small chunks") << QByteArray("id") << 7;
}

void tst_EventStreamParser::sizeCapCountsTypeAndId()
{
    // The event type and the id are buffered with the data: each fits the cap alone, together
    // they do not. bufferedSize() counts them all the while.
    QFETCH(QByteArray, field);
    QFETCH(int, chunkSize);
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setMaximumEventSize(1000);
    const QByteArray block =
            field + ':' + QByteArray(600, 'x') + "\ndata:" + QByteArray(500, 'y') + "\n\n";
    EventStreamParser::Status status = EventStreamParser::Status::Ok;
    if (chunkSize == 0) {
        status = parser.feed(block);
    } else {
        for (qsizetype i = 0; i < block.size() && status == EventStreamParser::Status::Ok;
             i += chunkSize) {
            status = parser.feed(QByteArrayView(block).sliced(i).first(
                    std::min<qsizetype>(chunkSize, block.size() - i)));
            QVERIFY(parser.bufferedSize() <= parser.maximumEventSize());
        }
    }
    QCOMPARE(status, EventStreamParser::Status::EventTooLarge);
    QVERIFY(recorder.result.events.isEmpty());
    QCOMPARE(parser.bufferedSize(), 0);
    // Under the cap together, the same fields make an event.
    parser.startBody();
    const QByteArray fits =
            field + ':' + QByteArray(400, 'x') + "\ndata:" + QByteArray(500, 'y') + "\n\n";
    QCOMPARE(parser.feed(fits), EventStreamParser::Status::Ok);
    QCOMPARE(recorder.result.events.size(), 1);
}

void tst_EventStreamParser::sizeCapManyDataLines()
{
    // The cap counts the whole event, not one line: many short data lines hit it too.
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setMaximumEventSize(1000);
    QByteArray body;
    for (int i = 0; i < 200; ++i)
        body += "data:0123456789\n";
    QCOMPARE(parser.feed(body), EventStreamParser::Status::EventTooLarge);
    QVERIFY(recorder.result.events.isEmpty());

    // Exactly at the cap is allowed: 99 lines of 10 bytes plus their line feeds = 1089 > 1000,
    // 90 lines = 990 <= 1000.
    parser.startBody();
    body.clear();
    for (int i = 0; i < 90; ++i)
        body += "data:0123456789\n";
    QCOMPARE(parser.feed(QByteArray(body + "\n")), EventStreamParser::Status::Ok);
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(recorder.result.events.first().data().size(), 90 * 11 - 1);
}

void tst_EventStreamParser::sizeCapRecoversOnNextBody()
{
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setMaximumEventSize(16);
    QCOMPARE(parser.feed("id:5\n\ndata:0123456789abcdefXYZ\n\n"),
             EventStreamParser::Status::EventTooLarge);
    QCOMPARE(parser.status(), EventStreamParser::Status::EventTooLarge);
    parser.startBody();
    QCOMPARE(parser.status(), EventStreamParser::Status::Ok);
    QCOMPARE(parser.feed("data:ok\n\n"), EventStreamParser::Status::Ok);
    QCOMPARE(recorder.result.events.size(), 1);
    QCOMPARE(recorder.result.events.first().lastEventId(), u"5"_s); // committed before the overflow
}

void tst_EventStreamParser::largeEventInSmallChunks()
{
    // 10 MiB in one data line, fed in 2 KiB chunks (P-31: no line cap at practical sizes).
    // Speed is shown by the parser benchmark; here the content must be exact.
    const qsizetype size = 10 * 1024 * 1024;
    QByteArray body = "id:big\ndata:";
    QByteArray payload(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        payload[i] = char('a' + i % 26);
    body += payload + "\ndata:" + payload.left(1000) + "\n\n";
    Recorder recorder;
    EventStreamParser parser(&recorder);
    for (qsizetype pos = 0; pos < body.size(); pos += 2048)
        QCOMPARE(parser.feed(QByteArrayView(body).sliced(pos,
                                                         qMin<qsizetype>(2048, body.size() - pos))),
                 EventStreamParser::Status::Ok);
    QCOMPARE(recorder.result.events.size(), 1);
    const QString data = recorder.result.events.first().data();
    QCOMPARE(data.size(), size + 1 + 1000);
    QCOMPARE(data.left(size), QString::fromLatin1(payload));
    QCOMPARE(data.mid(size), u'\n' + QString::fromLatin1(payload.left(1000)));
    QCOMPARE(recorder.result.events.first().lastEventId(), u"big"_s);
    QCOMPARE(parser.bufferedSize(), 0);
}

void tst_EventStreamParser::largeEventWithinCapDelivered()
{
    // The cap counts the unfinished line, name included: a line of exactly the cap is buffered
    // and delivered; one byte more is refused.
    for (const int extra : { 0, 1 }) {
        Recorder recorder;
        EventStreamParser parser(&recorder);
        parser.setMaximumEventSize(1024 * 1024);
        const QByteArray value(1024 * 1024 - 5 + extra, 'v'); // "data:" + value = the cap (+1)
        QByteArray body = "data:" + value + "\n\n";
        EventStreamParser::Status status = EventStreamParser::Status::Ok;
        for (qsizetype pos = 0; pos < body.size() && status == EventStreamParser::Status::Ok;
             pos += 4096)
            status = parser.feed(
                    QByteArrayView(body).sliced(pos, qMin<qsizetype>(4096, body.size() - pos)));
        if (extra == 0) {
            QCOMPARE(status, EventStreamParser::Status::Ok);
            QCOMPARE(recorder.result.events.size(), 1);
            QCOMPARE(recorder.result.events.first().data().size(), value.size());
        } else {
            QCOMPARE(status, EventStreamParser::Status::EventTooLarge);
            QCOMPARE(recorder.result.events.size(), 0);
        }
    }
}

void tst_EventStreamParser::retrySaturates()
{
    const Expected r = parseChunks({ "retry:123456789012345678901234567890\n" });
    QCOMPARE(r.retry, std::numeric_limits<qint64>::max());
}

void tst_EventStreamParser::originStampedOnEvents()
{
    Recorder recorder;
    EventStreamParser parser(&recorder);
    parser.setOrigin(u"http://127.0.0.1:8080"_s);
    parser.feed("data:x\n\n");
    QCOMPARE(recorder.result.events.first().origin(), u"http://127.0.0.1:8080"_s);
}

void tst_EventStreamParser::jsonHelper()
{
    QCOMPARE(MessageEvent(u"message"_s, u"{\"a\":1}"_s, {}).json().toObject().value(u"a"_s).toInt(),
             1);
    QCOMPARE(MessageEvent(u"message"_s, u"[1,2]"_s, {}).json().toArray().size(), 2);
    QCOMPARE(MessageEvent(u"message"_s, u"42"_s, {}).json().toInt(), 42);
    QCOMPARE(MessageEvent(u"message"_s, u"\"s\""_s, {}).json().toString(), u"s"_s);
    QVERIFY(MessageEvent(u"message"_s, u"not json"_s, {}).json().isUndefined());
    QVERIFY(MessageEvent(u"message"_s, u"1] [2"_s, {}).json().isUndefined());
}

QTEST_GUILESS_MAIN(tst_EventStreamParser)
#include "tst_eventstreamparser.moc"
