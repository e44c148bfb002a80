// SPDX-License-Identifier: MIT
#ifndef QTSSE_MANAGERPOOL_P_H
#define QTSSE_MANAGERPOOL_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include <QtCore/qhash.h>
#include <QtCore/qmutex.h>
#include <QtCore/qobject.h>
#include <QtCore/qpointer.h>
#include <QtCore/qset.h>
#include <QtCore/qstring.h>
#include <QtCore/qurl.h>

#include <functional>
#include <utility>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace QtSse {

// The connection budget of shared network access managers, across every stream of the
// process: how many streams each manager carries to each host, and which hosts answered it
// over HTTP/2. Thread-safe.
class ManagerPool
{
public:
    // QNetworkAccessManager runs at most six HTTP/1.1 connections per host and Qt 6.4 cannot
    // raise that, so an endless stream holds one of them for good. On a manager the
    // application shares, at most this many streams go to one host, leaving the other
    // connections to the application's own requests; further streams use a private manager.
    static constexpr int StreamsPerHost = 4;
    // Once a host has answered over HTTP/2 through a shared manager, its streams are
    // multiplexed on one connection and the HTTP/1.1 limit does not apply; this keeps well
    // under the 100 concurrent streams that RFC 9113 recommends servers allow.
    static constexpr int Http2StreamsPerHost = 64;

    // The pool every source uses.
    static ManagerPool *instance();

    // The key streams are counted under: scheme, host and port (default port filled in).
    static QString hostKey(const QUrl &url);

    // Counts one more stream to `key` on `manager` if that stays within its limit.
    bool tryAcquire(QNetworkAccessManager *manager, const QString &key);
    void release(QNetworkAccessManager *manager, const QString &key);
    int count(QNetworkAccessManager *manager, const QString &key);

    // Remembers that `key` answered over HTTP/2 through `manager`, until the manager is
    // destroyed.
    void markHttp2(QNetworkAccessManager *manager, const QString &key);
    bool isHttp2(QNetworkAccessManager *manager, const QString &key);

private:
    QMutex m_mutex;
    QHash<std::pair<QNetworkAccessManager *, QString>, int> m_counts;
    QHash<QNetworkAccessManager *, QSet<QString>> m_http2;
};

// The managers of one stream client, and the lease its current stream holds on one of them.
// The manager is one the client created for itself, or a shared one it was given; streams
// beyond a shared manager's budget go through an overflow manager that borrows the shared
// one's cookie jar and proxy. A manager replaced while the current stream uses it is retired,
// and deleted with deleteRetired() once that stream is gone.
class ManagerHandle
{
    Q_DISABLE_COPY_MOVE(ManagerHandle)
public:
    // Managers created here are children of `owner`. `streamLost` runs when the shared manager
    // is destroyed while the current stream is on its overflow manager (the stream ends with
    // it, C-16); it should end the lease.
    ManagerHandle(QObject *owner, std::function<void()> streamLost,
                  ManagerPool *pool = ManagerPool::instance());
    ~ManagerHandle();

    // The shared manager, or the one created for the client, or nullptr before that.
    QNetworkAccessManager *manager() const { return m_manager; }
    QNetworkAccessManager *overflowManager() const { return m_overflow; }

    // Uses `manager` (not owned) from the next stream on; nullptr: one created here.
    void setManager(QNetworkAccessManager *manager);

    // The manager for a stream to `url`, leased until endLease(); nullptr if the shared
    // manager was destroyed.
    QNetworkAccessManager *acquire(const QUrl &url);
    void endLease();
    // Deletes the managers retired while the stream that ended used them.
    void deleteRetired();

    // The stream to `url` was answered over HTTP/2: later streams to that host on the shared
    // manager, this client's and others', are multiplexed.
    void noteHttp2(const QUrl &url);

private:
    void dropOverflowManager();

    QObject *m_owner;
    std::function<void()> m_streamLost;
    ManagerPool *m_pool;
    QPointer<QNetworkAccessManager> m_manager;
    QPointer<QNetworkAccessManager> m_overflow;
    QPointer<QNetworkAccessManager> m_retired;         // replaced while the stream used it
    QPointer<QNetworkAccessManager> m_retiredOverflow; // likewise
    QPointer<QNetworkAccessManager> m_inUse;           // the leased manager, whichever it is
    QNetworkAccessManager *m_counted = nullptr;        // the shared manager the lease counts on
    QString m_countedKey;
    QMetaObject::Connection m_managerDestroyed;
    bool m_ownsManager = false;
    bool m_injected = false;
};

} // namespace QtSse

#endif // QTSSE_MANAGERPOOL_P_H
