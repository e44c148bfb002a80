// SPDX-License-Identifier: MIT
#ifndef QTSSE_THREADEDEXCHANGE_P_H
#define QTSSE_THREADEDEXCHANGE_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "exchange_p.h"

#include <QtCore/qpointer.h>
#include <QtCore/qurl.h>

#include <memory>

QT_BEGIN_NAMESPACE
class QAbstractEventDispatcher;
class QNetworkAccessManager;
class QNetworkCookieJar;
class QNetworkRequest;
class QThread;
QT_END_NAMESPACE

namespace QtSse {

class SocketExchange;
struct ThreadedChannel;

// A new event dispatcher for a reading thread, whose wake-up costs in proportion to the ready
// sockets only (EpollEventDispatcher on Linux); null where QtSse has none (Qt's default then).
QAbstractEventDispatcher *readingThreadDispatcher();
// Whether the calling thread runs such a dispatcher already.
bool dispatcherScales();

// An exchange of the own transport whose socket is read in one of QtSse's reading threads, seen
// from the thread it lives in (the source's) as any other Exchange. Qt's event dispatchers poll
// every socket a thread watches on each wake-up, so a thread that reads many streams pays for
// all of them on every event; the reading threads run an epoll dispatcher (Linux) whose
// wake-up costs in proportion to the ready sockets only.
//
// The reading thread copies the body into a queue of reused blocks, bounded by half of
// FlowControl::ReadBufferLimit: past it the reading side stops reading the SocketExchange, which
// then stops reading its socket, so TCP slows a server the application does not keep up with.
// The socket's own bound is lowered by as much (SocketExchange::setSocketReadBound()), so what
// waits for the application stays within ReadBufferLimit and a few 64 KiB chunks.
// This thread is woken once per batch (not per chunk), and takes a whole block per
// readChunk(). The head, the body and the end arrive in the order the server sent them;
// cookies are saved here, in the jar's thread.
class QTSSE_AUTOTEST_EXPORT ThreadedExchange : public Exchange
{
    Q_OBJECT
public:
    // The exchange for a request on the own transport (the SocketExchange constructor's
    // arguments): in the calling thread while it reads fewer than a few exchanges of its own,
    // or runs an epoll dispatcher already, or where QtSse has no such dispatcher (Linux only);
    // otherwise in the least busy reading thread.
    // QTSSE_READING_THREADS=never keeps every exchange in its source's thread, =always puts
    // every one in a reading thread (for tests).
    static Exchange *create(const QUrl &url, const QNetworkRequest &request,
                            const QByteArray &method, const QByteArray &body,
                            QNetworkCookieJar *jar, const QNetworkAccessManager *manager,
                            QObject *parent);

    ~ThreadedExchange() override;

    int statusCode() const override { return m_status; }
    QByteArray reasonPhrase() const override { return m_reason; }
    QByteArray header(QByteArrayView name) const override;
    QList<QPair<QByteArray, QByteArray>> headers() const override { return m_headers; }
    QByteArrayView readChunk() override;
    bool isFinished() const override { return m_finished; }
    Failure failure() const override { return m_failure; }
    QString errorString() const override { return m_errorString; }
    void abort() override;

    // The thread that reads the socket.
    QThread *readingThread() const { return m_thread; }

protected:
    bool event(QEvent *event) override;

private:
    // Takes `exchange` (made with SocketExchange::Start::Later in this thread, without a
    // parent) and starts it in `thread`, one of the reading threads.
    ThreadedExchange(SocketExchange *exchange, const QUrl &url, QThread *thread, QObject *parent);

    void deliver();
    void release();

    std::shared_ptr<ThreadedChannel> m_channel;
    QThread *m_thread = nullptr;
    QUrl m_url;
    QPointer<QNetworkCookieJar> m_jar; // saves the response's cookies, if any
    int m_status = 0;
    QByteArray m_reason;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QByteArray m_block; // what readChunk() gave out last
    bool m_headDelivered = false;
    bool m_finished = false;
    bool m_aborted = false;
    Failure m_failure = Failure::None;
    QString m_errorString;
};

} // namespace QtSse

#endif // QTSSE_THREADEDEXCHANGE_P_H
