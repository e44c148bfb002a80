// SPDX-License-Identifier: MIT
#include "flowcontrol_p.h"

#include <QtNetwork/qnetworkreply.h>

#include <algorithm>

namespace QtSse {

// As in eventsource.cpp: exported from QtSse.dll for MinGW.
#ifdef __MINGW32__
constexpr qsizetype FlowControl::ReadChunkSize;
constexpr qsizetype FlowControl::MinimumBufferSize;
constexpr qint64 FlowControl::ReadBufferLimit;
#endif

// QNAM's thread hands a reply's bytes over as fast as the socket gives them; while this thread
// is busy (or paused in a slot) they wait in its event queue, where bytesAvailable() does not
// see them and only the reply's read buffer bound counts them. So every reply is bounded from
// its start: a bound set later (say, once a stream proves fast) lets through what is already
// queued, and a stream that has kept up so far can stop being read at any moment.
void FlowControl::start(QNetworkReply *reply)
{
    m_unacknowledged = 0;
    m_holdsLastByte = false;
    reply->setReadBufferSize(ReadBufferLimit);
}

// What a bounded reply costs, and how it is kept to a few reads a megabyte (Qt 6.4 to 6.11,
// qnetworkreplyhttpimpl.cpp, qhttpthreaddelegate.cpp, qiodevice.cpp):
//
// QNAM's thread (QHttpThreadDelegate) hands bytes over while fewer than the bound are
// unacknowledged, and stops otherwise. The reply acknowledges what it handed over
// (readBufferFreed) whenever a read finds its buffer empty: QIODevice calls readData(), with
// zero bytes if need be, each time a read empties the buffer. That is a queued call to QNAM's
// thread, which wakes, looks for more, and polls every socket it holds: with a bound, every
// event of a slow stream cost that thread a second wake-up (+25-50% CPU per event with 1,000
// streams, BENCHMARKS.md "Many streams").
//
// So a read that would empty the buffer leaves the last byte in it, peeked (returned but not
// consumed), unless AcknowledgeBytes have been read since the last acknowledgement; the next
// read drops that byte. QNAM's thread stalls only with at least half the bound unacknowledged
// (it stops after a block when what room is left is no larger than the block, and the block is
// part of what it handed over), all of which reaches this thread and is read: the read that
// empties the buffer then acknowledges it. A stalled stream therefore always resumes, and what
// waits for the application is still at most the bound, whatever the stream did before.
QByteArrayView FlowControl::readChunk(QNetworkReply *reply)
{
    const qint64 held = m_holdsLastByte ? 1 : 0;
    const qint64 fresh = reply->bytesAvailable() - held;
    if (fresh <= 0)
        return {}; // no read: reading now would empty the buffer and acknowledge
    // The buffer grows to what arrives at once, up to a chunk: a slow stream (a thousand of
    // them in one process) keeps a few hundred bytes, not a chunk each.
    const qint64 n = std::min<qint64>(fresh, ReadChunkSize);
    const qsizetype wanted = qsizetype(std::max<qint64>(held + n, MinimumBufferSize));
    if (m_buffer.size() < wanted)
        m_buffer.resize(wanted);
    char *const data = m_buffer.data();
    // Keep the last byte in the reply when this read would empty it without acknowledging.
    const bool keepLast =
            n == fresh && m_unacknowledged + n < AcknowledgeBytes && !reply->isFinished();
    const qint64 toRead = keepLast ? held + n - 1 : held + n;
    const qint64 got = toRead > 0 ? reply->read(data, toRead) : 0;
    if (got < held)
        return {}; // a failed read: nothing was consumed
    qint64 end = got;
    m_holdsLastByte = false;
    if (keepLast && got == toRead && reply->peek(data + got, 1) == 1) {
        ++end;
        m_holdsLastByte = true;
    }
    if (!m_holdsLastByte && reply->bytesAvailable() == 0)
        m_unacknowledged = 0; // the read emptied the reply's buffer: QNAM's thread was told
    else
        m_unacknowledged += end - held;
    if (end == held)
        return {};
    return QByteArrayView(data + held, end - held);
}

} // namespace QtSse
