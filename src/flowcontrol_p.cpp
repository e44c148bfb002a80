// SPDX-License-Identifier: MIT
#include "flowcontrol_p.h"
#include "logging_p.h"

#include <QtNetwork/qnetworkreply.h>

#include <algorithm>

namespace QtSse {

// QNAM's thread hands a reply's bytes over as fast as the socket gives them; while this thread
// is busy they wait in its event queue, where bytesAvailable() does not see them and nothing
// bounds them. So a stream that proves fast gets a bounded read buffer at once: what is already
// queued when the bound is set escapes it, so it must come early.
void FlowControl::watch(QNetworkReply *reply)
{
    if (reply->readBufferSize() != 0)
        return; // bounded already
    if (isFast(reply->bytesAvailable())) { // the bytes this readyRead() brought
        qCDebug(lcEventSource) << "fast stream: read buffer bounded to" << ReadBufferLimit
                               << "bytes";
        reply->setReadBufferSize(ReadBufferLimit);
    }
}

bool FlowControl::isFast(qint64 arrived)
{
    if (!m_window.isValid() || m_window.elapsed() > FastStreamWindowMs) {
        m_window.start();
        m_windowBytes = 0;
    }
    m_windowBytes += arrived;
    return m_windowBytes >= FastStreamBytes || arrived >= ReadChunkSize;
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
