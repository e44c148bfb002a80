// SPDX-License-Identifier: MIT
#ifndef QTSSE_SERVERFAULTS_H
#define QTSSE_SERVERFAULTS_H

// What a test server may do to a client's connection: close it with a FIN or an RST, flood it
// with back-pressure, trickle bytes into it, redirect it, or slam the door at once.

#include <QtCore/qbytearray.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <functional>

namespace QtSseTest {

// Closes a server socket after everything queued was sent: with a FIN, or with an RST
// (SO_LINGER 0), which the client sees as a reset connection.
void closeAfterFlush(QTcpSocket *socket, bool reset);

// Writes `total` bytes made by `next(offset, size)` with back-pressure: at most about 1 MiB is
// queued in the socket at any time. `done` runs once, after the last byte was queued.
using Producer = std::function<QByteArray(qint64 offset, qint64 size)>;
void pump(QTcpSocket *socket, qint64 total, Producer next, std::function<void()> done = {});

// Writes `bytes` a few at a time from a timer: `perTick` bytes every `intervalMs`; `done` runs
// after the last ones.
void drip(QTcpSocket *socket, const QByteArray &bytes, int intervalMs, int perTick,
          std::function<void()> done = {});

// A redirect response (301, 302, 303, 307 or 308) to `location`; the connection then closes.
void writeRedirect(QTcpSocket *socket, int status, const QByteArray &location);

// A server that closes every connection as soon as it is accepted, before reading anything,
// after writing `greeting` (if any).
class SlammingServer : public QTcpServer
{
public:
    explicit SlammingServer(const QByteArray &greeting = {});
    QUrl url() const;
    int connects = 0;
};

} // namespace QtSseTest

#endif // QTSSE_SERVERFAULTS_H
