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

#include "qtsse_global.h"

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qhash.h>
#include <QtCore/qobject.h>
#include <QtCore/qpointer.h>
#include <QtCore/qset.h>
#include <QtCore/qstring.h>
#include <QtCore/qtimer.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkrequest.h>
#if QT_CONFIG(ssl)
#  include <QtNetwork/qsslconfiguration.h>
#endif

#include <functional>
#include <vector>

QT_BEGIN_NAMESPACE
class QNetworkCookieJar;
QT_END_NAMESPACE

namespace QtSse {

// The network access managers that carry the streams of one thread, and what each carries.
//
// QNetworkAccessManager runs one network thread per manager, and that thread polls every
// socket it owns on each wake-up: a manager per stream costs a thread and two descriptors per
// stream, and one manager for every stream costs CPU per event that grows with the streams.
// So streams go on pooled managers ("lanes") that QtSse creates and keeps to itself, each
// carrying at most streamsPerManager() connections (measured with qtsse-bench-scale, see
// BENCHMARKS.md) and to each host as many streams as it opens connections there: six, QNAM's
// HTTP/1.1 limit, which Qt 6.4 cannot raise; on Qt 6.5 and later, once a thread streams from
// a host six times, further lanes open up to streamsPerManager() connections to it
// (QHttp1Configuration), so many streams to one host need few threads while a host with few
// streams does not get a lane's worth of QNAM channels allocated. Lanes belong to a
// profile, and carry only streams of their profile: the application's manager they take the
// cookie jar, proxy and HSTS settings from (or none: the pool's own jar); the user info of the
// URL, so that credentials QNAM caches for one user are never offered for another; and the
// request's TLS configuration and HTTP/2 attributes, since QNAM reuses a connection to a host
// for any request to it, whatever the request's CA certificates or client certificate. A host
// that answers over HTTP/2 multiplexes its streams on one connection, which counts once.
//
// On an application's own manager at most StreamsPerHost streams go to one host, leaving it
// connections for its other requests, and no more than streamsPerManager() in all; further
// streams use lanes of its profile.
//
// One pool per thread (managers are thread-affine); lanes left without streams are deleted
// after IdleLaneMs. Not thread-safe: used from its own thread only.
class QTSSE_AUTOTEST_EXPORT ManagerPool : public QObject
{
    Q_OBJECT
public:
    static constexpr int StreamsPerHost = 4; // on an application's manager
    static constexpr int Http2StreamsPerHost = 64; // well under RFC 9113's recommended 100
    static constexpr int DefaultStreamsPerManager = 34; // see BENCHMARKS.md, "Many streams"
    static constexpr int Http1ConnectionsPerHost = 6; // QNAM's, fixed before Qt 6.5
    static constexpr int IdleLaneMs = 10000;

    // streamsPerManager: the connections one lane carries; <= 0: the default, or the
    // QTSSE_STREAMS_PER_MANAGER environment variable (for measurements). idleLaneMs: how long
    // a lane without streams is kept.
    explicit ManagerPool(int streamsPerManager = 0, int idleLaneMs = IdleLaneMs,
                         QObject *parent = nullptr);
    ~ManagerPool() override;

    // The pool of the calling thread, created on first use and deleted when the thread ends
    // (for the main thread: with the application object).
    static ManagerPool *forCurrentThread();

    // The key streams are counted under: scheme, host and port (default port filled in).
    static QString hostKey(const QUrl &url);

    int streamsPerManager() const { return m_streamsPerManager; }

    struct Lease
    {
        QPointer<QNetworkAccessManager> manager;
        QString key;
        bool pooled = false; // a lane, not the application's manager
        int channels = 0; // a lane's connections to the host
        bool isValid() const { return !manager.isNull(); }
    };
    // A manager for one stream to `url` with `request`'s settings: on `base` (the
    // application's manager, or nullptr) if it has room, else on a lane of that profile,
    // created if none has room.
    Lease acquire(QNetworkAccessManager *base, const QUrl &url,
                  const QNetworkRequest &request = QNetworkRequest());
    void release(Lease &lease);
    // The stream of `lease` was answered over HTTP/2: later streams to that host on the same
    // manager are multiplexed and count once.
    void markHttp2(const Lease &lease);
    // Applies what a lane's requests need (Qt 6.5+: its connections per host).
    void prepareRequest(const Lease &lease, QNetworkRequest &request) const;

    // For tests and the benchmarks.
    int laneCount() const { return int(m_lanes.size()); }
    int count(QNetworkAccessManager *manager, const QString &key) const;
    int connections(QNetworkAccessManager *manager) const;
    bool isHttp2(QNetworkAccessManager *manager, const QString &key) const;
    // Deletes the lanes without streams now, rather than after IdleLaneMs.
    void reapIdleLanes();

private:
    struct HostSlot
    {
        int streams = 0;
        bool http2 = false;
        int channels = 0; // a lane's connections to the host, fixed by its first request there
    };
    struct Tally
    {
        QHash<QString, HostSlot> hosts;
        int connections = 0;
    };
    // What must be equal for two streams to share a lane.
    struct Profile
    {
        QNetworkAccessManager *base = nullptr; // the application's manager, or nullptr
        QString userInfo; // the URL's
#if QT_CONFIG(ssl)
        QSslConfiguration tls;
#endif
        bool http2Allowed = true;
        bool http2Direct = false;
        static Profile of(QNetworkAccessManager *base, const QUrl &url,
                          const QNetworkRequest &request);
        bool operator==(const Profile &other) const;
    };
    struct Lane
    {
        QNetworkAccessManager *manager;
        Profile profile;
        QElapsedTimer idleSince; // valid while it carries no stream
    };

    int channelsFor(const QString &key) const;
    bool tryCount(QNetworkAccessManager *manager, const QString &key, int perHost);
    Lane &createLane(const Profile &profile);
    QNetworkCookieJar *jarFor(const QString &userInfo);
    void watch(QNetworkAccessManager *base);
    void dropProfile(QNetworkAccessManager *base);
    void deleteLanesIf(const std::function<bool(const Lane &)> &doomed);
    void scheduleReap();

    int m_streamsPerManager;
    int m_idleLaneMs;
    QHash<QNetworkAccessManager *, Tally> m_tallies; // lanes, and applications' managers
    std::vector<Lane> m_lanes;
    QHash<QString, QNetworkCookieJar *> m_jars; // the default profile's, per user info
    QHash<QNetworkAccessManager *, QMetaObject::Connection> m_watched;
    QTimer m_reaper;
};

// One stream client's managers: the application's manager it was given (if any), and the
// lease its current stream holds from the pool of its thread.
class QTSSE_AUTOTEST_EXPORT ManagerHandle
{
    Q_DISABLE_COPY_MOVE(ManagerHandle)
public:
    // `streamLost` runs when the application's manager is destroyed while the current stream
    // is on one of its lanes (the stream ends with it, C-16); it should end the lease. `pool`:
    // nullptr for the pool of the thread the stream is opened in.
    ManagerHandle(QObject *owner, std::function<void()> streamLost, ManagerPool *pool = nullptr);
    ~ManagerHandle();

    // The application's manager, or nullptr.
    QNetworkAccessManager *manager() const { return m_manager; }
    // The manager the current stream uses, or nullptr.
    QNetworkAccessManager *leasedManager() const { return m_lease.manager; }
    bool leaseIsPooled() const { return m_lease.pooled && m_lease.manager; }

    // Uses `manager` (not owned) from the next stream on; nullptr: QtSse's own.
    void setManager(QNetworkAccessManager *manager);

    // The manager for a stream to `url` with `request`, leased until endLease(); nullptr if
    // the application's manager was destroyed. `request` gets what the manager needs.
    QNetworkAccessManager *acquire(const QUrl &url, QNetworkRequest *request = nullptr);
    void endLease();

    // The current stream was answered over HTTP/2.
    void noteHttp2();

private:
    QObject *m_owner;
    std::function<void()> m_streamLost;
    QPointer<ManagerPool> m_fixedPool;
    QPointer<ManagerPool> m_leasePool;
    QPointer<QNetworkAccessManager> m_manager;
    ManagerPool::Lease m_lease;
    QMetaObject::Connection m_managerDestroyed;
    bool m_injected = false;
};

} // namespace QtSse

#endif // QTSSE_MANAGERPOOL_P_H
