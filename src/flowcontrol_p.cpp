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
// queued, and a stream that has kept up so far can stop being read at any moment. The cost is
// one queued notification to QNAM's thread per read (BENCHMARKS.md, "Many streams").
void FlowControl::start(QNetworkReply *reply)
{
    reply->setReadBufferSize(ReadBufferLimit);
}

QByteArrayView FlowControl::readChunk(QNetworkReply *reply)
{
    // The buffer grows to what arrives at once, up to a chunk: a slow stream (a thousand of
    // them in one process) keeps a few hundred bytes, not a chunk each.
    const qint64 available = reply->bytesAvailable();
    const qsizetype wanted =
            qsizetype(std::clamp<qint64>(available, MinimumBufferSize, ReadChunkSize));
    if (m_buffer.size() < wanted)
        m_buffer.resize(wanted);
    const qint64 n = reply->read(m_buffer.data(), m_buffer.size());
    if (n <= 0)
        return {};
    return QByteArrayView(m_buffer.constData(), n);
}

} // namespace QtSse
