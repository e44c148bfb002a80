// SPDX-License-Identifier: MIT
#ifndef QTSSE_SCRIPTEDSTREAMS_H
#define QTSSE_SCRIPTEDSTREAMS_H

// Event streams made by a script, with what a client must make of them.

#include <QtCore/qbytearray.h>
#include <QtCore/qlist.h>
#include <QtCore/qstringlist.h>

namespace QtSseTest {

struct ScriptedStream
{
    QByteArray bytes;
    QList<QByteArray> blocks; // each event's bytes
    QStringList data; // each event's data
};

// `count` events with ids 1..count: LF, CRLF and CR line ends, multi-line data, non-ASCII text,
// comments; `tag` starts every data.
ScriptedStream mixedStream(int count, const QString &tag);

// ---- Repetitive JSON, as a service's compression middleware sees it ----

// The data of event n: about 330 bytes that gzip compresses past 40:1 (the ratio at which
// Qt's own decoder gives up).
QByteArray jsonData(qint64 n);
// Event n: "id: n", then jsonData(n).
QByteArray jsonEvent(qint64 n);

// ---- The fault-injection soak stream ----

constexpr int SoakEvents = 20000;
constexpr int SoakDrops = 200;

// Event n of the soak stream: its data and its type.
QString soakData(int n);
QString soakType(int n);

struct SoakStream
{
    QByteArray bytes;
    QList<qsizetype> eventStart; // eventStart[n]: offset of event n (1-based); [N + 1] = end
};

// SoakEvents numbered events with mixed line ends, comments and retry fields.
SoakStream makeSoakStream();

// Where a drop falls: inside a line, between the CR and LF of a CRLF, inside a UTF-8
// character, or on an event boundary.
enum DropKind { MidLine, MidCrLf, MidUtf8, BetweenEvents, DropKinds };

// SoakDrops distinct drop offsets (how many bytes a connection has sent when the server drops
// it), in order, as many of each kind; counts them in perKind.
QList<qsizetype> chooseDrops(const SoakStream &s, quint32 seed, int perKind[DropKinds]);

} // namespace QtSseTest

#endif // QTSSE_SCRIPTEDSTREAMS_H
