// SPDX-License-Identifier: MIT
// HttpResponseReader, the own transport's HTTP/1.1 response reader (RFC 9112), as a plain class:
// each row is a response as a server sends it, fed whole, split at every point, a byte at a time
// and in random pieces; every way must give the same head, the same body and the same end or
// error. The runner checks the reader's contract on every step (consumed within the input, body
// pieces inside what was consumed, NeedMore consumes everything, bytes after End left alone).
#include "httpresponsereader_p.h"

#include <QtCore/qrandom.h>
#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;
using QtSse::HttpResponseReader;
using Step = HttpResponseReader::Step;
using Limits = HttpResponseReader::Limits;

namespace {

// What a response read to its end (or error) gave.
struct Outcome
{
    QList<Step> steps; // NeedMore left out, runs of Body as one
    int status = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QString error;
    QByteArray unconsumed; // the bytes after End
    bool closeDelimited = false;
    bool closesConnection = false;
    QString contractBroken; // the first breach of next()'s contract seen

    bool operator==(const Outcome &other) const
    {
        return steps == other.steps && status == other.status && reason == other.reason
                && headers == other.headers && body == other.body && error == other.error
                && unconsumed == other.unconsumed && closeDelimited == other.closeDelimited
                && closesConnection == other.closesConnection;
    }
};

QByteArray describe(const Outcome &o)
{
    QByteArray steps;
    for (Step s : o.steps)
        steps += "NHBEX"[int(s)]; // NeedMore, Head, Body, End, Error
    return "steps " + steps + " status " + QByteArray::number(o.status) + " body "
            + o.body.left(80).toPercentEncoding() + " error \"" + o.error.toUtf8()
            + "\" unconsumed " + o.unconsumed.toPercentEncoding() + " " + o.contractBroken.toUtf8();
}

// Feeds `pieces` in order (each dropped once consumed, as a socket reader does), then the
// close of the connection when `close` and the response is not over.
Outcome feed(const QList<QByteArray> &pieces, bool close, const Limits &limits = Limits(),
             QByteArrayView method = "GET")
{
    HttpResponseReader reader(limits);
    reader.setRequestMethod(method);
    Outcome o;
    bool over = false;
    const auto breach = [&](const QString &what) {
        if (o.contractBroken.isEmpty())
            o.contractBroken = what;
    };
    for (const QByteArray &piece : pieces) {
        QByteArrayView input = piece;
        if (over) {
            if (o.steps.last() == Step::End)
                o.unconsumed += piece;
            continue;
        }
        while (!over) {
            qsizetype used = -1;
            QByteArrayView body;
            const Step step = reader.next(input, &used, &body);
            if (used < 0 || used > input.size())
                breach(u"consumed %1 of %2"_s.arg(used).arg(input.size()));
            used = qBound<qsizetype>(0, used, input.size());
            if (reader.bufferedSize() > std::max(limits.maximumHeadSize, limits.maximumTrailerSize))
                breach(u"buffered %1"_s.arg(reader.bufferedSize()));
            switch (step) {
            case Step::NeedMore:
                if (used != input.size())
                    breach(u"NeedMore consumed %1 of %2"_s.arg(used).arg(input.size()));
                break;
            case Step::Head:
            case Step::Body:
                if (used == 0)
                    breach(u"a step that consumed nothing"_s);
                if (step == Step::Head) {
                    o.status = reader.statusCode();
                    o.reason = reader.reasonPhrase();
                    o.headers = reader.headers();
                    o.steps.append(step);
                } else {
                    if (body.isEmpty() || body.data() < input.data()
                        || body.data() + body.size() > input.data() + used)
                        breach(u"a body piece outside the consumed input"_s);
                    o.body += body.toByteArray();
                    if (o.steps.isEmpty() || o.steps.last() != Step::Body)
                        o.steps.append(step);
                }
                break;
            case Step::End:
            case Step::Error:
                o.steps.append(step);
                over = true;
                if (step == Step::End)
                    o.unconsumed += input.sliced(used).toByteArray();
                break;
            }
            if (!body.isEmpty() && step != Step::Body)
                breach(u"a body piece with another step"_s);
            input = input.sliced(used);
            if (step == Step::NeedMore)
                break;
        }
    }
    if (!over && close)
        o.steps.append(reader.closed());
    if (reader.hasError() != (!o.steps.isEmpty() && o.steps.last() == Step::Error))
        breach(u"hasError() disagrees with the last step"_s);
    o.error = reader.errorString();
    o.closeDelimited = reader.isCloseDelimited();
    o.closesConnection = reader.closesConnection();
    // Calls after the end change nothing and consume nothing.
    if (over) {
        qsizetype used = -1;
        QByteArrayView body;
        const Step again = reader.next("more", &used, &body);
        if (again != o.steps.last() || used != 0 || !body.isEmpty())
            breach(u"a call after the end consumed or said something else"_s);
    }
    return o;
}

QList<QByteArray> splitAt(const QByteArray &input, const QList<qsizetype> &points)
{
    QList<QByteArray> pieces;
    qsizetype from = 0;
    for (qsizetype point : points) {
        pieces.append(input.sliced(from, point - from));
        from = point;
    }
    pieces.append(input.sliced(from));
    return pieces;
}

QByteArray repeated(QByteArrayView line, int count)
{
    QByteArray out;
    for (int i = 0; i < count; ++i)
        out += line;
    return out;
}

} // namespace

class tst_HttpResponseReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void responses_data();
    void responses();
    void limits_data();
    void limits();
    void customLimits_data();
    void customLimits();
    void headerJoining();
    void connectionClose_data();
    void connectionClose();
    void requestMethod_data();
    void requestMethod();
    void zeroCopy();
    void hugeChunk();
    void resetForAnotherResponse();
    void closedWithoutBytes();
    void closedRightAfterTheBody_data();
    void closedRightAfterTheBody();
};

void tst_HttpResponseReader::responses_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("close"); // the connection closes after the input
    QTest::addColumn<int>("last"); // the last step
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error"); // a part of errorString()
    QTest::addColumn<QByteArray>("unconsumed");

    const auto end = [](const char *name, const QByteArray &input, int status,
                        const QByteArray &body, const QByteArray &unconsumed = {},
                        bool close = false) {
        QTest::newRow(name) << input << close << int(Step::End) << status << body << QString()
                            << unconsumed;
    };
    const auto error = [](const char *name, const QByteArray &input, const QString &message,
                          bool close = false) {
        QTest::newRow(name) << input << close << int(Step::Error) << -1 << QByteArray() << message
                            << QByteArray();
    };

    // Content-Length.
    end("length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello");
    end("length, bytes after", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200", 200,
        "hello", "HTTP/1.1 200");
    end("length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nnext", 200, "", "next");
    end("length, identical fields",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 200, "abc");
    end("length, identical list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", 200, "abc");
    end("length, OWS", "HTTP/1.1 200 OK\r\ncontent-length: \t 3 \t\r\n\r\nabc", 200, "abc");
    end("length, leading zeros", "HTTP/1.1 200 OK\r\nContent-Length: 0003\r\n\r\nabc", 200, "abc");
    end("length, binary body",
        QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\0\r\n\r\xff\n", 44), 200,
        QByteArray("\0\r\n\r\xff\n", 6));
    error("length, differing fields",
          "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
          u"differing Content-Length"_s);
    error("length, differing list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd",
          u"differing Content-Length"_s);
    error("length, sign", "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
          u"is not a decimal number"_s);
    error("length, hex", "HTTP/1.1 200 OK\r\nContent-Length: 0x3\r\n\r\nabc",
          u"is not a decimal number"_s);
    error("length, inner space", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\nabc",
          u"is not a decimal number"_s);
    error("length, empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
          u"is not a decimal number"_s);
    error("length, empty element", "HTTP/1.1 200 OK\r\nContent-Length: ,3, 3\r\n\r\nabc",
          u"is not a decimal number"_s);
    error("length, trailing comma", "HTTP/1.1 200 OK\r\nContent-Length: 3,\r\n\r\nabc",
          u"is not a decimal number"_s);
    error("length, empty after a value",
          "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: \r\n\r\nabc",
          u"is not a decimal number"_s);
    error("length, overflow", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n",
          u"overflows"_s);
    error("length, huge overflow",
          "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n", u"overflows"_s);
    error("length, cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
          u"closed 5 bytes before the end"_s, true);

    // Chunked.
    end("chunked",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
        "world\r\n0\r\n\r\n",
        200, "hello world");
    end("chunked, bytes after",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET", 200, "abc",
        "GET");
    end("chunked, hex sizes",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\nb\r\n"
        "0123456789a\r\n00000\r\n\r\n",
        200, "01234567890123456789a");
    end("chunked, case", "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
        200, "x");
    end("chunked, extensions",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;name=value\r\nabc\r\n2 ; a ; b=\"q;\\\"x\" \r\nde\r\n0;last\r\n\r\n",
        200, "abcde");
    end("chunked, trailers",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
        "Expires: never\r\nX-Checksum: 1234\r\n\r\nrest",
        200, "abc", "rest");
    end("chunked, trailers with LF",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nA: b\n\n", 200,
        "abc");
    end("chunked, CRLF in data",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n\r\n\r\n\r\n0\r\n\r\n", 200,
        "\r\n\r\n");
    end("chunked, OWS list", "HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n",
        200, "");
    error("chunked, not hex",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n",
          u"HTTP chunk size is not hexadecimal"_s);
    error("chunked, not hex after digits",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3g\r\nabc\r\n0\r\n\r\n",
          u"HTTP chunk size is not hexadecimal"_s);
    error("chunked, empty size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
          u"HTTP chunk size is not hexadecimal"_s);
    error("chunked, sign", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
          u"HTTP chunk size is not hexadecimal"_s);
    error("chunked, 0x", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n",
          u"HTTP chunk size is not hexadecimal"_s);
    error("chunked, space before size",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n",
          u"HTTP chunk size is not hexadecimal"_s);
    error("chunked, overflow",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nabc",
          u"HTTP chunk size overflows"_s);
    error("chunked, overflow by one digit",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80000000000000000\r\n",
          u"HTTP chunk size overflows"_s);
    error("chunked, bare LF line",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n",
          u"does not end with CRLF"_s);
    error("chunked, bare CR line",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n",
          u"does not end with CRLF"_s);
    error("chunked, data too long",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
          u"HTTP chunk data is not followed by CRLF"_s);
    error("chunked, data then LF",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
          u"HTTP chunk data is not followed by CRLF"_s);
    error("chunked, extension control",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a\x01\r\nabc\r\n",
          u"chunk extension contains a control character"_s);
    error("chunked, trailer folding",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n",
          u"trailer line starts with whitespace"_s);
    error("chunked, trailer bare CR",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\rc\r\n\r\n",
          u"CR without LF"_s);
    error("chunked, cut in data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
          u"inside the chunked HTTP body"_s, true);
    error("chunked, cut before last chunk",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
          u"inside the chunked HTTP body"_s, true);
    error("chunked, cut in trailer",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n",
          u"inside the chunked HTTP body"_s, true);
    error("chunked, cut before trailer end",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
          u"inside the chunked HTTP body"_s, true);
    error("TE and CL",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n"
          "0\r\n\r\n",
          u"both Transfer-Encoding and Content-Length"_s);
    error("CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
          u"both Transfer-Encoding and Content-Length"_s);
    error("TE gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
          u"Transfer-Encoding \"gzip\" is not supported"_s);
    error("TE gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
          u"is not supported"_s);
    error("TE gzip then chunked fields",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
          u"is not supported"_s);
    error("TE chunked, gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
          u"is not supported"_s);
    error("TE chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
          u"is not supported"_s);
    error("TE empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n", u"is not supported"_s);
    error("TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          u"HTTP/1.0 response has a Transfer-Encoding"_s);

    // Delimited by the close, or no body.
    end("close delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n",
        200, "data: x\n\n", {}, true);
    end("close delimited, empty", "HTTP/1.1 200 OK\r\n\r\n", 200, "", {}, true);
    end("HTTP/1.0 close delimited", "HTTP/1.0 200 OK\r\n\r\nabc", 200, "abc", {}, true);
    end("204", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP", 204, "", "HTTP");
    end("304", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 304, "",
        "0\r\n\r\n");
    end("101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", 101,
        "", "\x81\x05hello");
    error("204, TE and CL",
          "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
          u"both Transfer-Encoding and Content-Length"_s);

    // 1xx interim responses.
    end("100 then 200",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, "ok");
    end("103 with fields then 200",
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
        "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
        201, "");
    end("32 interim", repeated("HTTP/1.1 100 Continue\r\n\r\n", 32) + "HTTP/1.1 200 OK\r\n\r\n",
        200, "", {}, true);
    error("33 interim", repeated("HTTP/1.1 100 Continue\r\n\r\n", 33) + "HTTP/1.1 200 OK\r\n\r\n",
          u"more than 32 interim (1xx) responses"_s);
    error("interim flood", repeated("HTTP/1.1 102 Processing\r\n\r\n", 1000),
          u"more than 32 interim (1xx) responses"_s);
    error("cut after interim", "HTTP/1.1 100 Continue\r\n\r\n", u"inside the HTTP response head"_s,
          true);
    error("interim with a bad field", "HTTP/1.1 100 Continue\r\nbad line\r\n\r\n",
          u"has no colon"_s);

    // Status line.
    end("no reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 200, "");
    end("no space, no reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200, "");
    end("reason with spaces", "HTTP/1.1 404 Not  Found at all\r\nContent-Length: 0\r\n\r\n", 404,
        "");
    end("reason obs-text", "HTTP/1.1 200 \xc3\x9c\tok\r\nContent-Length: 0\r\n\r\n", 200, "");
    end("HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, "x");
    end("HTTP/1.9", "HTTP/1.9 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, "x");
    end("status 999", "HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n", 999, "");
    end("bare LF head", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, "ok");
    end("mixed LF and CRLF", "HTTP/1.1 200 OK\nA: b\r\nContent-Length: 2\n\r\nok", 200, "ok");
    error("HTTP/2", "HTTP/2 200\r\n\r\n", u"HTTP version \"HTTP/2\" is not supported"_s);
    error("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", u"\"HTTP/2.0\" is not supported"_s);
    error("HTTP/1.10", "HTTP/1.10 200 OK\r\n\r\n", u"is not supported"_s);
    error("HTTP/1.", "HTTP/1. 200 OK\r\n\r\n", u"is not supported"_s);
    error("lower-case http", "http/1.1 200 OK\r\n\r\n", u"does not start with a status line"_s);
    error("HTTP/0.9 body", "<html>hello</html>\r\n", u"does not start with a status line"_s);
    error("binary garbage", QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 12),
          u"does not start with a status line"_s);
    error("empty line first", "\r\nHTTP/1.1 200 OK\r\n\r\n",
          u"does not start with a status line"_s);
    error("ICY", "ICY 200 OK\r\n\r\n", u"does not start with a status line"_s);
    error("two digit status", "HTTP/1.1 20 OK\r\n\r\n", u"not three digits"_s);
    error("four digit status", "HTTP/1.1 2000 OK\r\n\r\n", u"not three digits"_s);
    error("two spaces", "HTTP/1.1  200 OK\r\n\r\n", u"not three digits"_s);
    error("no status", "HTTP/1.1\r\n\r\n", u"not three digits"_s);
    error("status 099", "HTTP/1.1 099 Low\r\n\r\n", u"status code 099 is out of range"_s);
    error("reason control", "HTTP/1.1 200 O\x01K\r\n\r\n", u"reason phrase contains"_s);
    error("reason NUL", QByteArray("HTTP/1.1 200 O\0K\r\n\r\n", 20), u"reason phrase contains"_s);
    error("bare CR in status line", "HTTP/1.1 200 O\rK\r\n\r\n", u"CR without LF"_s);
    error("cut in status line", "HTTP/1.1 200 O", u"inside the HTTP response head"_s, true);
    error("cut in fields", "HTTP/1.1 200 OK\r\nA: b\r\n", u"inside the HTTP response head"_s, true);

    // Field lines.
    end("field OWS and empty value", "HTTP/1.1 200 OK\r\nA:\r\nB:  x  y \t\r\n\r\n", 200, "", {},
        true);
    error("folding", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", u"obsolete line folding"_s);
    error("folding, tab", "HTTP/1.1 200 OK\r\nA: b\r\n\tc\r\n\r\n", u"obsolete line folding"_s);
    error("whitespace after status line", "HTTP/1.1 200 OK\r\n A: b\r\n\r\n",
          u"obsolete line folding"_s);
    error("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc",
          u"whitespace before the colon"_s);
    error("tab before colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding\t: chunked\r\n\r\n",
          u"whitespace before the colon"_s);
    error("no colon", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", u"has no colon"_s);
    error("empty name", "HTTP/1.1 200 OK\r\n: value\r\n\r\n", u"is not a token"_s);
    error("name not a token", "HTTP/1.1 200 OK\r\nA(b): c\r\n\r\n", u"is not a token"_s);
    error("name with slash", "HTTP/1.1 200 OK\r\nA/b: c\r\n\r\n", u"is not a token"_s);
    error("value NUL", QByteArray("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 27),
          u"contains a control character"_s);
    error("value DEL", "HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", u"contains a control character"_s);
    error("bare CR in value", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", u"CR without LF"_s);
    error("bare CR ends a line", "HTTP/1.1 200 OK\r\nA: b\r\r\n\r\n", u"CR without LF"_s);
    error("CR CR LF at the end", "HTTP/1.1 200 OK\r\nA: b\r\n\r\r\n", u"CR without LF"_s);
}

void tst_HttpResponseReader::responses()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, close);
    QFETCH(int, last);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QFETCH(QByteArray, unconsumed);

    const Outcome whole = feed({ input }, close);
    QVERIFY2(whole.contractBroken.isEmpty(), describe(whole).constData());
    QVERIFY2(!whole.steps.isEmpty() && int(whole.steps.last()) == last,
             describe(whole).constData());
    if (last == int(Step::Error)) {
        QVERIFY2(whole.error.contains(error), qPrintable(whole.error));
    } else {
        QVERIFY2(whole.error.isEmpty(), qPrintable(whole.error));
        QCOMPARE(whole.steps.first(), Step::Head);
        QCOMPARE(whole.status, status);
        QCOMPARE(whole.body, body);
        QCOMPARE(whole.unconsumed, unconsumed);
    }

    // The same outcome however the input arrives: split at each point, a byte at a time, in
    // random pieces, and (short inputs) split at every pair of points.
    const auto same = [&](const QList<QByteArray> &pieces, const char *how) {
        const Outcome split = feed(pieces, close);
        if (!(split == whole) || !split.contractBroken.isEmpty()) {
            QByteArray sizes;
            for (const QByteArray &piece : pieces)
                sizes += QByteArray::number(piece.size()) + ' ';
            qWarning("%s (%s): %s\nwhole: %s", how, sizes.constData(), describe(split).constData(),
                     describe(whole).constData());
            return false;
        }
        return true;
    };
    for (qsizetype point = 0; point <= input.size(); ++point)
        QVERIFY(same(splitAt(input, { point }), "one split"));
    QList<qsizetype> bytes;
    for (qsizetype point = 1; point < input.size(); ++point)
        bytes.append(point);
    QVERIFY(same(splitAt(input, bytes), "a byte at a time"));
    if (input.size() <= 80) {
        for (qsizetype a = 1; a < input.size(); ++a) {
            for (qsizetype b = a; b < input.size(); ++b)
                QVERIFY(same(splitAt(input, { a, b }), "two splits"));
        }
    }
    QRandomGenerator random(quint32(qHash(input)));
    for (int round = 0; round < 50; ++round) {
        QList<qsizetype> points;
        for (qsizetype at = 0; at < input.size();) {
            at += 1 + random.bounded(round % 2 ? 4 : 40);
            if (at < input.size())
                points.append(at);
        }
        QVERIFY(same(splitAt(input, points), "random pieces"));
    }
}

void tst_HttpResponseReader::limits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("error");

    Limits limits;
    const QByteArray status = "HTTP/1.1 200 OK\r\n";
    // The head's size counts every byte up to and including the empty line.
    const auto head = [&](qsizetype size) -> QByteArray {
        const QByteArray start = status + "X: ";
        return start + QByteArray(size - start.size() - 4, 'a') + "\r\n\r\n";
    };
    QTest::newRow("head at the limit") << head(limits.maximumHeadSize) << true << QString();
    QTest::newRow("head over the limit") << head(limits.maximumHeadSize + 1) << false
                                         << u"HTTP response head exceeds 65536 bytes"_s;
    QTest::newRow("endless status line")
            << QByteArray(200000, 'H') << false << u"HTTP response head exceeds 65536 bytes"_s;
    QTest::newRow("endless field") << status + "X: " + QByteArray(200000, 'a') << false
                                   << u"HTTP response head exceeds 65536 bytes"_s;
    QTest::newRow("small fields flood") << status + repeated("A:\r\n", 20000) << false
                                        << u"HTTP response head has more than 128 header fields"_s;
    QTest::newRow("128 fields") << status + repeated("A: b\r\n", limits.maximumFieldCount) + "\r\n"
                                << true << QString();
    QTest::newRow("129 fields") << status + repeated("A: b\r\n", limits.maximumFieldCount + 1)
                    + "\r\n" << false
                                << u"HTTP response head has more than 128 header fields"_s;
    QTest::newRow("big fields flood")
            << status + repeated(QByteArray("A: " + QByteArray(1000, 'x') + "\r\n"), 70) << false
            << u"HTTP response head exceeds 65536 bytes"_s;
    // Each interim head has the whole budget.
    QTest::newRow("interim heads of 60000 bytes")
            << "HTTP/1.1 100 Continue\r\nX: " + QByteArray(60000, 'a') + "\r\n\r\n" + head(60000)
            << true << QString();

    const QByteArray chunked = status + "Transfer-Encoding: chunked\r\n\r\n";
    // A chunk line (size and extensions, CRLF not counted) of 1024 bytes passes, 1025 fail.
    QTest::newRow("chunk line at the limit") << chunked + "1;"
                    + QByteArray(limits.maximumChunkLineSize - 2, 'e') + "\r\nx\r\n0\r\n\r\n"
                                             << true << QString();
    QTest::newRow("chunk line over the limit") << chunked + "1;"
                    + QByteArray(limits.maximumChunkLineSize - 1, 'e') + "\r\nx\r\n0\r\n\r\n"
                                               << false << u"HTTP chunk line exceeds 1024 bytes"_s;
    QTest::newRow("leading zeros over the limit")
            << chunked + QByteArray(2000, '0') + "1\r\nx\r\n0\r\n\r\n"
            << false << u"HTTP chunk line exceeds 1024 bytes"_s;
    QTest::newRow("endless extension") << chunked + "1;" + QByteArray(100000, 'e') << false
                                       << u"HTTP chunk line exceeds 1024 bytes"_s;
    // The trailer section counts every byte after the last chunk's line.
    const auto trailer = [&](qsizetype size) -> QByteArray {
        return chunked + "0\r\nX: " + QByteArray(size - 3 - 4, 't') + "\r\n\r\n";
    };
    QTest::newRow("trailer at the limit")
            << trailer(limits.maximumTrailerSize) << true << QString();
    QTest::newRow("trailer over the limit") << trailer(limits.maximumTrailerSize + 1) << false
                                            << u"HTTP trailer section exceeds 16384 bytes"_s;
    QTest::newRow("trailer flood") << chunked + "0\r\n" + repeated("A: b\r\n", 10000) << false
                                   << u"HTTP trailer section exceeds 16384 bytes"_s;
}

void tst_HttpResponseReader::limits()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, ok);
    QFETCH(QString, error);

    const Limits limits;
    for (qsizetype piece : { qsizetype(0), qsizetype(1), qsizetype(7), qsizetype(4096) }) {
        QList<qsizetype> points;
        for (qsizetype at = piece; piece && at < input.size(); at += piece)
            points.append(at);
        const Outcome o = feed(splitAt(input, points), true, limits);
        QVERIFY2(o.contractBroken.isEmpty(), describe(o).constData());
        QCOMPARE(o.steps.last(), ok ? Step::End : Step::Error);
        QCOMPARE(o.error, error);
    }
}

void tst_HttpResponseReader::customLimits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("error"); // empty: read to its end

    // Limits of 50 bytes of head, 2 fields, 1 interim response, 4 bytes of chunk line and 10 of
    // trailer section: each reached, and each passed by one.
    const QByteArray chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    QTest::newRow("head of 50") << "HTTP/1.1 200 OK\r\nA: " + QByteArray(26, 'a') + "\r\n\r\n"
                                << QString();
    QTest::newRow("head of 51") << "HTTP/1.1 200 OK\r\nA: " + QByteArray(27, 'a') + "\r\n\r\n"
                                << u"HTTP response head exceeds 50 bytes"_s;
    QTest::newRow("2 fields") << QByteArray("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n") << QString();
    QTest::newRow("3 fields") << QByteArray("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
                              << u"HTTP response head has more than 2 header fields"_s;
    QTest::newRow("1 interim") << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
                               << QString();
    QTest::newRow("2 interim") << QByteArray(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Hints\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
                               << u"HTTP response has more than 1 interim (1xx) responses"_s;
    QTest::newRow("chunk line of 4") << chunked + "1;ab\r\nx\r\n0\r\n\r\n" << QString();
    QTest::newRow("chunk line of 5") << chunked + "1;abc\r\nx\r\n0\r\n\r\n"
                                     << u"HTTP chunk line exceeds 4 bytes"_s;
    QTest::newRow("trailer of 10") << chunked + "0\r\nA: 123\r\n\r\n" << QString();
    QTest::newRow("trailer of 11") << chunked + "0\r\nA: 1234\r\n\r\n"
                                   << u"HTTP trailer section exceeds 10 bytes"_s;
}

void tst_HttpResponseReader::customLimits()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, error);
    Limits limits;
    limits.maximumHeadSize = 50;
    limits.maximumFieldCount = 2;
    limits.maximumInterimResponses = 1;
    limits.maximumChunkLineSize = 4;
    limits.maximumTrailerSize = 10;
    for (const QList<QByteArray> &pieces :
         { QList<QByteArray>{ input }, splitAt(input, { 1, 20 }) }) {
        const Outcome o = feed(pieces, true, limits);
        QVERIFY2(o.contractBroken.isEmpty(), describe(o).constData());
        QCOMPARE(o.steps.last(), error.isEmpty() ? Step::End : Step::Error);
        QCOMPARE(o.error, error);
    }
}

void tst_HttpResponseReader::headerJoining()
{
    HttpResponseReader reader;
    const QByteArray input = "HTTP/1.1 200 OK\r\nX-A: 1\r\nSet-Cookie: a=1\r\nx-a:  2 \r\n"
                             "set-cookie: b=2\r\nEmpty:\r\nContent-Length: 0\r\n\r\n";
    qsizetype used = 0;
    QByteArrayView body;
    QCOMPARE(reader.next(input, &used, &body), Step::Head);
    QCOMPARE(used, input.size());
    QCOMPARE(reader.statusCode(), 200);
    QCOMPARE(reader.minorVersion(), 1);
    QCOMPARE(reader.reasonPhrase(), "OK");
    QCOMPARE(reader.header("x-a"), "1, 2");
    QCOMPARE(reader.header("SET-COOKIE"), "a=1\nb=2");
    QVERIFY(!reader.header("empty").isNull());
    QVERIFY(reader.header("empty").isEmpty());
    QVERIFY(reader.header("absent").isNull());
    QCOMPARE(reader.headers().size(), 6);
    QCOMPARE(reader.headers().at(2).first, "x-a"); // as received, in order
    QCOMPARE(reader.headers().at(2).second, "2");
    QVERIFY(!reader.isCloseDelimited());
    QCOMPARE(reader.next({}, &used, &body), Step::End);
    QCOMPARE(used, 0);
}

void tst_HttpResponseReader::connectionClose_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("closes");

    QTest::newRow("1.1") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false;
    QTest::newRow("1.1 close") << QByteArray(
            "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n")
                               << true;
    QTest::newRow("1.1 close in a list") << QByteArray(
            "HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\nContent-Length: 0\r\n\r\n")
                                         << true;
    QTest::newRow("1.1 closed-ish token")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n")
            << false;
    QTest::newRow("1.1 close delimited") << QByteArray("HTTP/1.1 200 OK\r\n\r\n") << true;
    QTest::newRow("1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n") << true;
    QTest::newRow("1.0 keep-alive")
            << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
            << false;
}

void tst_HttpResponseReader::connectionClose()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, closes);
    HttpResponseReader reader;
    qsizetype used = 0;
    QByteArrayView body;
    QCOMPARE(reader.next(head, &used, &body), Step::Head);
    QCOMPARE(reader.closesConnection(), closes);
}

void tst_HttpResponseReader::requestMethod_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("unconsumed");

    QTest::newRow("HEAD, length") << QByteArray("HEAD")
                                  << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnext")
                                  << QByteArray() << QByteArray("next");
    QTest::newRow("HEAD, chunked")
            << QByteArray("HEAD")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") << QByteArray()
            << QByteArray();
    QTest::newRow("CONNECT 200") << QByteArray(
            "CONNECT") << QByteArray("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03")
                                 << QByteArray() << QByteArray("\x16\x03");
    QTest::newRow("CONNECT 407") << QByteArray(
            "CONNECT") << QByteArray("HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\nno")
                                 << QByteArray("no") << QByteArray();
    QTest::newRow("GET") << QByteArray("GET")
                         << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                         << QByteArray("ok") << QByteArray();
}

void tst_HttpResponseReader::requestMethod()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, unconsumed);
    const Outcome o = feed({ input }, false, Limits(), method);
    QVERIFY2(o.contractBroken.isEmpty(), describe(o).constData());
    QCOMPARE(o.steps.last(), Step::End);
    QCOMPARE(o.body, body);
    QCOMPARE(o.unconsumed, unconsumed);
}

void tst_HttpResponseReader::zeroCopy()
{
    // Body pieces are views into the caller's input, never copies.
    const QByteArray input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\n\r\n";
    HttpResponseReader reader;
    QByteArrayView rest = input;
    QList<QByteArrayView> pieces;
    for (;;) {
        qsizetype used = 0;
        QByteArrayView body;
        const Step step = reader.next(rest, &used, &body);
        if (step == Step::Body)
            pieces.append(body);
        rest = rest.sliced(used);
        if (step == Step::End || step == Step::Error || step == Step::NeedMore)
            break;
    }
    QCOMPARE(pieces.size(), 2);
    QCOMPARE(pieces.at(0).data(), input.constData() + input.indexOf("hello"));
    QCOMPARE(pieces.at(0), "hello");
    QCOMPARE(pieces.at(1).data(), input.constData() + input.indexOf("abc"));
    QCOMPARE(pieces.at(1), "abc");
    QVERIFY(rest.isEmpty());
}

void tst_HttpResponseReader::hugeChunk()
{
    // The largest chunk size there is: a body piece per feed, never an allocation of its size.
    HttpResponseReader reader;
    qsizetype used = 0;
    QByteArrayView body;
    const QByteArray head =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n";
    QCOMPARE(reader.next(head, &used, &body), Step::Head);
    QCOMPARE(reader.next(QByteArrayView(head).sliced(used), &used, &body), Step::NeedMore);
    const QByteArray data(1 << 20, 'd');
    for (int i = 0; i < 16; ++i) {
        QCOMPARE(reader.next(data, &used, &body), Step::Body);
        QCOMPARE(used, data.size());
        QCOMPARE(body.data(), data.constData());
        QCOMPARE(body.size(), data.size());
    }
    QVERIFY(reader.bufferedSize() == 0);
    QCOMPARE(reader.closed(), Step::Error);
    QVERIFY(reader.errorString().contains(u"inside the chunked HTTP body"_s));
}

void tst_HttpResponseReader::resetForAnotherResponse()
{
    HttpResponseReader reader;
    reader.setRequestMethod("HEAD");
    qsizetype used = 0;
    QByteArrayView body;
    QCOMPARE(reader.next("garbage\r\n", &used, &body), Step::Error);
    QVERIFY(reader.hasError());
    reader.reset();
    QVERIFY(!reader.hasError());
    QVERIFY(reader.errorString().isEmpty());
    QVERIFY(reader.headers().isEmpty());
    // Back to GET: the body is read.
    QCOMPARE(reader.next("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", &used, &body),
             Step::Head);
    QCOMPARE(reader.next("z", &used, &body), Step::Body);
    QCOMPARE(body, "z");
    QCOMPARE(reader.next({}, &used, &body), Step::End);
}

void tst_HttpResponseReader::closedWithoutBytes()
{
    HttpResponseReader reader;
    qsizetype used = -1;
    QByteArrayView body;
    QCOMPARE(reader.next({}, &used, &body), Step::NeedMore);
    QCOMPARE(used, 0);
    QCOMPARE(reader.closed(), Step::Error);
    QCOMPARE(reader.errorString(), u"The connection closed before an HTTP response"_s);
    QCOMPARE(reader.closed(), Step::Error); // stays in error
}

void tst_HttpResponseReader::closedRightAfterTheBody_data()
{
    QTest::addColumn<QByteArray>("input");
    // Complete responses whose End has not been asked for yet when the connection closes.
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n");
    QTest::newRow("length 0") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    QTest::newRow("length 2") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

void tst_HttpResponseReader::closedRightAfterTheBody()
{
    QFETCH(QByteArray, input);
    HttpResponseReader reader;
    QByteArrayView rest = input;
    qsizetype used = 0;
    QByteArrayView body;
    QCOMPARE(reader.next(rest, &used, &body), Step::Head);
    rest = rest.sliced(used);
    if (!rest.isEmpty()) {
        QCOMPARE(reader.next(rest, &used, &body), Step::Body);
        QCOMPARE(used, rest.size());
    }
    QCOMPARE(reader.closed(), Step::End);
    QVERIFY(!reader.hasError());
    QCOMPARE(reader.next({}, &used, &body), Step::End);
}

QTEST_APPLESS_MAIN(tst_HttpResponseReader)
#include "tst_httpresponsereader.moc"
