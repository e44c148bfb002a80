// SPDX-License-Identifier: MIT
#include "firehoseserver.h"

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qscopeguard.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <limits>
#include <memory>

namespace QtSseTest {

QByteArray FirehoseServer::payload(qint64 id)
{
    QByteArray data = QByteArray::number(id) + ':';
    data += QByteArray(1024 - data.size(), char('a' + id % 26));
    return data;
}

void FirehoseServer::run()
{
    bool released = false;
    auto release = qScopeGuard([&] {
        if (!released) {
            gaveUp = true;
            verdict.release();
        }
    });
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost)) {
        listening.release();
        return;
    }
    port = server.serverPort();
    listening.release();
    if (!server.waitForNewConnection(GiveUpMs))
        return;
    std::unique_ptr<QTcpSocket> socket(server.nextPendingConnection());
    QByteArray head;
    while (!head.contains("\r\n\r\n") && socket->waitForReadyRead(GiveUpMs))
        head += socket->readAll();
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Cache-Control: no-cache\r\n\r\n");
    qint64 id = 0;
    qint64 queued = 0; // body bytes handed to the socket
    auto queueEvents = [&](qint64 upTo) {
        QByteArray batch;
        while (batch.size() < 64 * 1024 && id < upTo) {
            ++id;
            batch += "id: " + QByteArray::number(id) + "\ndata: " + payload(id) + "\n\n";
        }
        queued += batch.size();
        socket->write(batch);
    };
    // Phase 1: as fast as the client takes it, until, once the client has paused, the
    // connection stalls or passes Limit.
    QElapsedTimer deadline;
    deadline.start();
    for (;;) {
        while (socket->bytesToWrite() < 256 * 1024)
            queueEvents(std::numeric_limits<qint64>::max());
        const qint64 written = queued - socket->bytesToWrite();
        if (clientPaused && writtenAtPause < 0)
            writtenAtPause = written;
        if (writtenAtPause >= 0 && written - writtenAtPause > Limit) {
            writtenAtVerdict = written;
            break;
        }
        const bool progress = socket->waitForBytesWritten(StallMs);
        if (socket->state() != QAbstractSocket::ConnectedState || deadline.hasExpired(GiveUpMs))
            return;
        if (!progress && writtenAtPause >= 0) {
            stalled = true;
            writtenAtVerdict = queued - socket->bytesToWrite();
            break;
        }
    }
    released = true;
    verdict.release();
    // Phase 2: a tail of events and "done", for the client to drain once it reads again.
    const qint64 last = id + TailEvents;
    while (id < last)
        queueEvents(last);
    socket->write("event: done\ndata: " + QByteArray::number(id) + "\n\n");
    lastId = id;
    while (socket->bytesToWrite() > 0 && socket->waitForBytesWritten(GiveUpMs)) { }
    socket->disconnectFromHost();
    if (socket->state() != QAbstractSocket::UnconnectedState)
        socket->waitForDisconnected(10000);
}

} // namespace QtSseTest
