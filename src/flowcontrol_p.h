// SPDX-License-Identifier: MIT
#ifndef QTSSE_FLOWCONTROL_P_H
#define QTSSE_FLOWCONTROL_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "qtsse_global.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qbytearrayview.h>
#include <QtCore/qelapsedtimer.h>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace QtSse {

// How a stream's reply is read: in chunks into one reused buffer, and, once the stream proves
// fast, with a bounded read buffer in the reply so that TCP flow control slows the server.
class QTSSE_AUTOTEST_EXPORT FlowControl
{
public:
    // Read from the reply in chunks of this size.
    static constexpr qsizetype ReadChunkSize = 64 * 1024;
    // The read buffer starts at this size and grows to what one readyRead() brings.
    static constexpr qsizetype MinimumBufferSize = 512;
    // The most bytes a fast stream's reply may buffer ahead of the parser: QNAM then stops
    // reading the socket, so a fast server cannot grow our memory without bound.
    static constexpr qint64 ReadBufferLimit = 1024 * 1024;
    // A stream is fast once one readyRead() brings a full read chunk, or this many bytes
    // arrive within one window. Slower streams keep QNAM's unbounded path: with a bound, QNAM's
    // thread is woken on every read to learn that buffer space was freed, which costs latency.
    static constexpr qint64 FastStreamBytes = 1024 * 1024;
    static constexpr qint64 FastStreamWindowMs = 1000;

    // A new reply: its rate is measured afresh.
    void reset() { m_window.invalidate(); }

    // Called at each readyRead() of `reply`, before reading: bounds its read buffer once the
    // stream proves fast.
    void watch(QNetworkReply *reply);

    // Counts `arrived` bytes in the current window; true once the stream is fast.
    bool isFast(qint64 arrived);

    // Reads the next chunk of `reply`; empty when nothing is left to read.
    QByteArrayView readChunk(QNetworkReply *reply);
    // The read buffer's size (for tests).
    qsizetype bufferSize() const { return m_buffer.size(); }

private:
    QElapsedTimer m_window; // the current one-second window
    qint64 m_windowBytes = 0;
    QByteArray m_buffer;
};

} // namespace QtSse

#endif // QTSSE_FLOWCONTROL_P_H
