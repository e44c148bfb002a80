// SPDX-License-Identifier: MIT
// make_seeds VECTORS_JSON OUT_DIR: writes the fuzz seed corpus, two files per parse vector: the
// body with the vector's own chunk boundaries as split offsets, and the body whole. The format is
// fuzz_parser.cpp's: a control byte, 16-bit little-endian split offsets, the body.
//
// make_seeds --http OUT_DIR: writes fuzz_http.cpp's seed corpus (the same format) from the
// responses below: each whole, split inside its framing, with the close of the connection after
// it and with small limits.
#include <QtCore/qbytearray.h>
#include <QtCore/qdir.h>
#include <QtCore/qfile.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>

#include <cstdio>
#include <cstring>

using namespace Qt::StringLiterals;

namespace {

QByteArray seed(const QList<QByteArray> &chunks, bool seeded, bool keepCuts)
{
    QByteArray body;
    QList<qsizetype> cuts;
    for (const QByteArray &chunk : chunks) {
        if (!body.isEmpty() || !cuts.isEmpty())
            cuts.append(body.size());
        body += chunk;
    }
    if (!keepCuts)
        cuts.clear();
    cuts = cuts.mid(0, 31);
    QByteArray out;
    out.append(char(cuts.size() | (seeded ? 0x20 : 0)));
    for (const qsizetype cut : cuts)
        out.append(char(cut & 0xFF)).append(char((cut >> 8) & 0xFF));
    return out + body;
}

bool write(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            && file.write(bytes) == bytes.size();
}

// Responses of every framing and every error class the reader knows (tst_httpresponsereader
// has them all; these are the shapes).
const char *const HttpResponses[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 12\r\n\r\n"
    "data: hi\n\n\n\nHTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
    "6;ext=\"v\"\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA ; a=b\r\n0123456789\r\n"
    "00\r\n\r\nnext",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: close delimited\n\n",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
    "HTTP/1.1 200\nSet-Cookie: a=1\nSet-Cookie: b=2\nContent-Length: 3, 3\n\nabc",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc",
    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\nB : c\r\n\r\n",
    "HTTP/2 200\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
};

int writeHttpSeeds(const QString &outDir)
{
    if (!QDir().mkpath(outDir)) {
        std::fprintf(stderr, "make_seeds: cannot create %s\n", qPrintable(outDir));
        return 1;
    }
    int written = 0;
    int index = 0;
    for (const char *response : HttpResponses) {
        const QByteArray bytes(response);
        // Whole; split after the head and in the middle of what follows; byte pairs near the end.
        const qsizetype headEnd =
                bytes.indexOf("\n\r\n") >= 0 ? bytes.indexOf("\n\r\n") + 3 : bytes.size() / 2;
        const QList<QList<QByteArray>> splits = {
            { bytes },
            { bytes.left(headEnd), bytes.mid(headEnd, (bytes.size() - headEnd) / 2),
              bytes.mid(headEnd + (bytes.size() - headEnd) / 2) },
            { bytes.left(bytes.size() - 2), bytes.right(2) },
        };
        int variant = 0;
        for (const QList<QByteArray> &chunks : splits) {
            // Control bits: 0x20 closes after the bytes, 0x40 small limits, 0x80 HEAD.
            for (const int flags : { 0x00, 0x20, 0x40, 0x80 }) {
                QByteArray file = seed(chunks, false, true);
                file[0] = char(file[0] | flags);
                const QString name = u"%1/http-%2-%3-%4"_s.arg(outDir)
                                             .arg(index, 2, 10, QLatin1Char('0'))
                                             .arg(variant)
                                             .arg(flags, 2, 16, QLatin1Char('0'));
                if (!write(name, file)) {
                    std::fprintf(stderr, "make_seeds: cannot write into %s\n", qPrintable(outDir));
                    return 1;
                }
                ++written;
            }
            ++variant;
        }
        ++index;
    }
    std::printf("make_seeds: %d HTTP seed files from %d responses\n", written, index);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--http") == 0)
        return writeHttpSeeds(QString::fromLocal8Bit(argv[2]));
    if (argc != 3) {
        std::fprintf(stderr, "usage: make_seeds VECTORS_JSON OUT_DIR | --http OUT_DIR\n");
        return 2;
    }
    QFile file(QString::fromLocal8Bit(argv[1]));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "make_seeds: cannot read %s\n", argv[1]);
        return 1;
    }
    const QJsonArray vectors = QJsonDocument::fromJson(file.readAll()).array();
    const QString outDir = QString::fromLocal8Bit(argv[2]);
    if (vectors.isEmpty() || !QDir().mkpath(outDir)) {
        std::fprintf(stderr, "make_seeds: no vectors, or cannot create %s\n", argv[2]);
        return 1;
    }
    int written = 0;
    for (const QJsonValue &value : vectors) {
        const QJsonObject vector = value.toObject();
        QList<QByteArray> chunks;
        if (vector.contains(QLatin1StringView("input_chunks_b64"))) {
            for (const QJsonValue &chunk :
                 vector.value(QLatin1StringView("input_chunks_b64")).toArray())
                chunks.append(QByteArray::fromBase64(chunk.toString().toLatin1()));
        } else {
            for (const QJsonValue &chunk :
                 vector.value(QLatin1StringView("input_chunks")).toArray())
                chunks.append(chunk.toString().toUtf8());
        }
        const bool seeded =
                !vector.value(QLatin1StringView("initial_last_event_id")).toString().isEmpty();
        const QString name = outDir + u'/' + vector.value(QLatin1StringView("id")).toString();
        if (!write(name + QLatin1StringView("-chunks"), seed(chunks, seeded, true))
            || !write(name + QLatin1StringView("-whole"), seed(chunks, seeded, false))) {
            std::fprintf(stderr, "make_seeds: cannot write into %s\n", argv[2]);
            return 1;
        }
        written += 2;
    }
    std::printf("make_seeds: %d seed files from %d vectors\n", written, int(vectors.size()));
    return 0;
}
