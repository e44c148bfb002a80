// SPDX-License-Identifier: MIT
#include "scriptedstreams.h"

#include <QtCore/qrandom.h>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace QtSseTest {

namespace {
const QByteArray &eolOf(int n)
{
    static const QByteArray eols[] = { "\n", "\r\n", "\r" };
    return eols[n % 3];
}
} // namespace

ScriptedStream mixedStream(int count, const QString &tag)
{
    ScriptedStream s;
    for (int n = 1; n <= count; ++n) {
        const QByteArray &eol = eolOf(n);
        const QString data = n % 2 ? u"%1 %2 caf\u00e9 \u6f22\u5b57 \U0001F600"_s.arg(tag).arg(n)
                                   : u"%1 %2\nsecond line"_s.arg(tag).arg(n);
        QByteArray block =
                ": note " + QByteArray::number(n) + eol + "id: " + QByteArray::number(n) + eol;
        for (const QString &line : data.split(u'\n'))
            block += "data: " + line.toUtf8() + eol;
        block += eol;
        s.bytes += block;
        s.blocks.append(block);
        s.data.append(data);
    }
    return s;
}

QString soakData(int n)
{
    switch (n % 5) {
    case 0:
        return u"event %1"_s.arg(n);
    case 1:
        return u"line one of %1\nline two of %1"_s.arg(n);
    case 2:
        return u"caf\u00e9 \u6f22\u5b57 %1 \U0001F600"_s.arg(n);
    case 3:
        return u"%1: a value: with colons and  two spaces "_s.arg(n);
    default:
        return u"first %1\n\n\u00fcber \u00e9t\u00e9 \u0394"_s.arg(n);
    }
}

QString soakType(int n)
{
    return n % 7 == 0 ? u"tick"_s : u"message"_s;
}

SoakStream makeSoakStream()
{
    SoakStream s;
    s.bytes = ": QtSse soak\nretry: 1\n\n";
    s.eventStart.append(0);
    for (int n = 1; n <= SoakEvents; ++n) {
        s.eventStart.append(s.bytes.size());
        const QByteArray &eol = eolOf(n);
        if (n % 1000 == 0)
            s.bytes += "retry: 1" + eol;
        if (n % 11 == 0)
            s.bytes += ": keep-alive " + QByteArray::number(n) + eol;
        s.bytes += "id: " + QByteArray::number(n) + eol;
        if (soakType(n) != u"message"_s)
            s.bytes += "event: " + soakType(n).toUtf8() + eol;
        for (const QString &line : soakData(n).split(u'\n'))
            s.bytes += (line.isEmpty() ? QByteArray("data:") : "data: " + line.toUtf8()) + eol;
        s.bytes += eol;
    }
    s.eventStart.append(s.bytes.size());
    return s;
}

QList<qsizetype> chooseDrops(const SoakStream &s, quint32 seed, int perKind[DropKinds])
{
    QRandomGenerator rng(seed);
    const QByteArray &b = s.bytes;
    auto isEol = [&b](qsizetype i) { return b.at(i) == '\r' || b.at(i) == '\n'; };
    auto matches = [&](DropKind kind, qsizetype p) {
        switch (kind) {
        case MidLine:
            return !isEol(p - 1) && !isEol(p);
        case MidCrLf:
            return b.at(p - 1) == '\r' && b.at(p) == '\n';
        case MidUtf8:
            return (quint8(b.at(p)) & 0xC0) == 0x80;
        default:
            return false;
        }
    };
    QList<qsizetype> drops;
    for (int i = 0; i < SoakDrops; ++i) {
        const auto kind = DropKind(i % DropKinds);
        qsizetype at = -1;
        while (at < 0 || drops.contains(at)) {
            const int n = 2 + int(rng.bounded(SoakEvents - 1)); // an event 2..N
            if (kind == BetweenEvents) {
                at = s.eventStart.at(n);
                continue;
            }
            QList<qsizetype> candidates;
            for (qsizetype p = s.eventStart.at(n) + 1; p < s.eventStart.at(n + 1); ++p) {
                if (matches(kind, p))
                    candidates.append(p);
            }
            at = candidates.isEmpty() ? -1 : candidates.at(rng.bounded(int(candidates.size())));
        }
        drops.append(at);
        ++perKind[kind];
    }
    std::sort(drops.begin(), drops.end());
    return drops;
}

QByteArray jsonData(qint64 n)
{
    return R"({"seq":)" + QByteArray::number(n)
            + R"(,"type":"tick","source":"sensor-17","unit":"celsius","value":21.5,)"
              R"("status":"ok","tags":["indoor","ground-floor","north"],"note":"nothing to report",)"
              R"("site":{"building":"main","room":"lab-3","rack":"r12","owner":"facilities"},)"
              R"("limits":{"low":18.0,"high":26.0,"alarm":false}})";
}

QByteArray jsonEvent(qint64 n)
{
    return "id: " + QByteArray::number(n) + "\ndata: " + jsonData(n) + "\n\n";
}

} // namespace QtSseTest
