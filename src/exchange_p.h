// SPDX-License-Identifier: MIT
#ifndef QTSSE_EXCHANGE_P_H
#define QTSSE_EXCHANGE_P_H

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
#include <QtCore/qlist.h>
#include <QtCore/qobject.h>
#include <QtCore/qpair.h>
#include <QtCore/qstring.h>

namespace QtSse {

// One HTTP request and its response as the attempt state machine (EventSourcePrivate) sees
// them, whatever carries them: QNetworkAccessManager (QnamExchange) or QtSse's own HTTP/1.1
// client (SocketExchange). An exchange follows no redirect: the state machine reads a 3xx head
// and starts another exchange. It decodes no Content-Encoding: readChunk() gives the body as
// it came, which ContentDecoder decodes for both transports.
//
// Signals are emitted from the event loop of the thread the exchange lives in (the source's),
// never from inside a call the state machine makes (readChunk(), abort()), and never after
// abort(). Order: headReceived() once (the final response's head; 1xx are skipped), then
// readyRead() any number of times, then finished() once. finished() may come without
// headReceived() (a connection, TLS or protocol failure before any head).
class QTSSE_AUTOTEST_EXPORT Exchange : public QObject
{
    Q_OBJECT
public:
    // Why an exchange finished, when it did not finish cleanly.
    enum class Failure {
        None, // the body ended as its framing says (or the connection closed a close-delimited one)
        Network, // DNS, connection refused or reset, a timeout, a truncated body
        Tls, // the TLS handshake or the peer's verification failed
        Protocol, // a malformed or over-bound response head or body framing (own transport)
        UnsupportedProtocol, // a scheme the transport cannot carry
        Aborted, // cancelled by someone other than the state machine (QNAM: the reply aborted)
        ManagerLost, // QNAM: the manager carrying it was destroyed or moved to another thread
    };

    using QObject::QObject;

    // The final response's head; valid once headReceived() was emitted (0 and empty before).
    virtual int statusCode() const = 0;
    virtual QByteArray reasonPhrase() const = 0;
    // The value of the header field `name`, compared case-insensitively; fields of the same name
    // joined as QNetworkReply::rawHeader() joins them (", "; "\n" for Set-Cookie). Null when
    // absent.
    virtual QByteArray header(QByteArrayView name) const = 0;
    // Every field of the head, in the order received, names as the server spelt them.
    virtual QList<QPair<QByteArray, QByteArray>> headers() const = 0;
    // The response came over HTTP/2 (QNAM only).
    virtual bool usedHttp2() const { return false; }

    // The next body bytes available now, still content-coded; empty when none are. The view is
    // valid until the next call. What the exchange holds ahead of the reader is bounded
    // (FlowControl::ReadBufferLimit): past it, the transport stops reading the socket, so TCP
    // slows a server the application does not keep up with.
    virtual QByteArrayView readChunk() = 0;

    // finished() was emitted.
    virtual bool isFinished() const = 0;
    virtual Failure failure() const = 0;
    // A readable reason when failure() is not None.
    virtual QString errorString() const = 0;

    // Ends the exchange now and silently: no signal follows, the connection is closed. The
    // state machine then deletes it with deleteLater().
    virtual void abort() = 0;

Q_SIGNALS:
    void headReceived();
    void readyRead();
    void finished();
};

} // namespace QtSse

#endif // QTSSE_EXCHANGE_P_H
