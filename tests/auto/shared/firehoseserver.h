// SPDX-License-Identifier: MIT
#ifndef QTSSE_FIREHOSESERVER_H
#define QTSSE_FIREHOSESERVER_H

// A server on its own thread that writes 1 KiB events ("id: n", data payload(n)) as fast as TCP
// lets it, for a client that stops reading for a while. Once the client has set clientPaused,
// the server watches for the connection to stall (nothing written for StallMs): only flow
// control can stall it then, since the client's thread no longer reads; a pause of the
// client's thread before that (a loaded machine) does not count. The verdict is released once
// the connection stalled, the server wrote Limit bytes more without a stall, or it gave up.
// Then it writes TailEvents more and a "done" event whose data is the last id.

#include <QtCore/qbytearray.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qthread.h>

#include <atomic>

namespace QtSseTest {

class FirehoseServer : public QThread
{
public:
    static constexpr qint64 Limit = qint64(64) * 1024 * 1024; // after the pause: unbounded
    static constexpr int StallMs = 300;
    static constexpr qint64 TailEvents = 2000;
    // How long the server waits for the client at all: long, since a loaded machine is slow,
    // and a give-up only fails the test.
    static constexpr int GiveUpMs = 180000;

    static QByteArray payload(qint64 id);

    QSemaphore listening;
    QSemaphore verdict;
    std::atomic<int> port{ 0 };
    std::atomic<bool> clientPaused{ false }; // set by the client before it stops reading
    std::atomic<qint64> writtenAtPause{ -1 };
    std::atomic<qint64> writtenAtVerdict{ -1 };
    std::atomic<bool> stalled{ false };
    std::atomic<bool> gaveUp{ false }; // no client, a lost connection, or GiveUpMs passed
    std::atomic<qint64> lastId{ 0 };

protected:
    void run() override;
};

} // namespace QtSseTest

#endif // QTSSE_FIREHOSESERVER_H
