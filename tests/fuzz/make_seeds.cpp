// SPDX-License-Identifier: MIT
// make_seeds VECTORS_JSON OUT_DIR: writes the fuzz seed corpus, two files per parse vector: the
// body with the vector's own chunk boundaries as split offsets, and the body whole. The format is
// fuzz_parser.cpp's: a control byte, 16-bit little-endian split offsets, the body.
#include <QtCore/qbytearray.h>
#include <QtCore/qdir.h>
#include <QtCore/qfile.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>

#include <cstdio>

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

} // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: make_seeds VECTORS_JSON OUT_DIR\n");
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
