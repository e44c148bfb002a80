// SPDX-License-Identifier: MIT
#include "serverfaults.h"

#include "ssetestserver.h"

#include <QtCore/qhash.h>
#include <QtCore/qtimer.h>

#if defined(Q_OS_WIN)
#  include <winsock2.h>
#else
#  include <sys/socket.h>
#endif

#include <memory>

using namespace Qt::StringLiterals;

namespace QtSseTest {

namespace {
constexpr qint64 PumpMaximumQueued = 1024 * 1024;
constexpr qint64 PumpPiece = 256 * 1024;
} // namespace

void closeAfterFlush(QTcpSocket *socket, bool reset)
{
    if (!reset) {
        socket->disconnectFromHost(); // flushes first
        return;
    }
    auto resetNow = [socket] {
        if (socket->bytesToWrite() > 0 || socket->state() != QAbstractSocket::ConnectedState)
            return;
        const linger hard{ 1, 0 };
#if defined(Q_OS_WIN)
        setsockopt(SOCKET(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER,
                   reinterpret_cast<const char *>(&hard), int(sizeof hard));
#else
        setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
#endif
        socket->abort();
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, resetNow);
    resetNow();
}

void pump(QTcpSocket *socket, qint64 total, Producer next, std::function<void()> done)
{
    struct State
    {
        qint64 sent = 0;
        bool finished = false;
    };
    auto state = std::make_shared<State>();
    auto step = [socket, total, next, done, state] {
        while (state->sent < total && socket->state() == QAbstractSocket::ConnectedState
               && socket->bytesToWrite() < PumpMaximumQueued) {
            const QByteArray piece =
                    next(state->sent, qMin<qint64>(total - state->sent, PumpPiece));
            socket->write(piece);
            state->sent += piece.size();
        }
        if (state->sent >= total && !state->finished) {
            state->finished = true;
            if (done)
                done();
        }
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, step);
    step();
}

void drip(QTcpSocket *socket, const QByteArray &bytes, int intervalMs, int perTick,
          std::function<void()> done)
{
    auto *timer = new QTimer(socket);
    auto offset = std::make_shared<qsizetype>(0);
    QObject::connect(timer, &QTimer::timeout, socket, [=] {
        if (*offset >= bytes.size()) {
            timer->stop();
            if (done)
                done();
            return;
        }
        socket->write(bytes.mid(*offset, perTick));
        *offset += perTick;
    });
    timer->start(intervalMs);
}

void writeRedirect(QTcpSocket *socket, int status, const QByteArray &location)
{
    static const QHash<int, QByteArray> reasons = {
        { 301, "Moved Permanently" },  { 302, "Found" },
        { 303, "See Other" },          { 307, "Temporary Redirect" },
        { 308, "Permanent Redirect" },
    };
    SseTestServer::writeResponse(socket, QByteArray::number(status) + ' ' + reasons.value(status),
                                 "Location: " + location + "\r\n", {});
}

SlammingServer::SlammingServer(const QByteArray &greeting)
{
    connect(this, &QTcpServer::newConnection, this, [this, greeting] {
        while (QTcpSocket *socket = nextPendingConnection()) {
            ++connects;
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            if (!greeting.isEmpty())
                socket->write(greeting);
            socket->disconnectFromHost();
        }
    });
    listen(QHostAddress::LocalHost);
}

QUrl SlammingServer::url() const
{
    return QUrl(u"http://127.0.0.1:%1/"_s.arg(serverPort()));
}

} // namespace QtSseTest
