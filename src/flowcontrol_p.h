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

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace QtSse {

// How a stream's reply is read: in chunks into one reused buffer, with a bounded read buffer in
// the reply from its start, so that TCP flow control slows a server the application does not
// keep up with, and with QNAM's thread told of the space read only every AcknowledgeBytes.
class QTSSE_AUTOTEST_EXPORT FlowControl
{
public:
    // Read from the reply in chunks of this size.
    static constexpr qsizetype ReadChunkSize = 64 * 1024;
    // The read buffer starts at this size and grows to what one readyRead() brings.
    static constexpr qsizetype MinimumBufferSize = 512;
    // The most bytes a reply may hold ahead of the parser, counting those QNAM's thread has
    // handed over but this thread has not yet seen: QNAM then stops reading the socket, so a
    // server faster than the application cannot grow its memory without bound.
    static constexpr qint64 ReadBufferLimit = 1024 * 1024;
    // QNAM's thread is told that read buffer space was freed once this much has been read
    // since it was last told (flowcontrol_p.cpp says why half the limit, and why no later).
    static constexpr qint64 AcknowledgeBytes = ReadBufferLimit / 2;

    // A new reply: bounds its read buffer before any byte arrives, and forgets the last one.
    void start(QNetworkReply *reply);

    // Reads the next chunk of `reply`; empty when nothing is left to read.
    QByteArrayView readChunk(QNetworkReply *reply);
    // The read buffer's size (for tests).
    qsizetype bufferSize() const { return m_buffer.size(); }
    // Bytes read since QNAM's thread was last told of freed space (for tests).
    qint64 unacknowledged() const { return m_unacknowledged; }

private:
    QByteArray m_buffer;
    qint64 m_unacknowledged = 0;
    // The reply still holds the last byte returned (peeked, not read): see readChunk().
    bool m_holdsLastByte = false;
};

} // namespace QtSse

#endif // QTSSE_FLOWCONTROL_P_H
