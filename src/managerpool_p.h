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
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkrequest.h>
#if QT_CONFIG(ssl)
#  include <QtNetwork/qsslconfiguration.h>
#endif

#include <functional>
#include <memory>
#include <vector>

namespace QtSse {

// The network access managers that carry the streams of one thread, and what each carries.
//
// QNetworkAccessManager runs one network thread per manager, and that thread polls every
// socket it owns on each wake-up: a manager per stream costs a thread and two descriptors per
// stream, and one manager for every stream costs CPU per event that grows with the streams.
// So the streams of sources without a manager of the application's go on pooled managers
// ("lanes") that QtSse creates and keeps to itself, each carrying at most streamsPerManager()
// connections (measured with qtsse-bench-scale, see BENCHMARKS.md) and to each host as many
// streams as it opens connections there: six, QNAM's HTTP/1.1 limit, which Qt 6.4 cannot
// raise; on Qt 6.5 and later, once a thread streams from a host six times, further lanes open
// up to streamsPerManager() connections to it (QHttp1Configuration), so many streams to one
// host need few threads while a host with few streams does not get a lane's worth of QNAM
// channels allocated. A host that answers over HTTP/2 multiplexes its streams on one
// connection, which counts once.
//
// Isolation: a lane carries the streams of one profile only, and a profile is everything a
// QNAM shares between the requests it carries (connections, the authentication cache, TLS
// sessions, the cookie jar): the URL's user info, the credential headers (Authorization,
// Proxy-Authorization, Cookie, compared by digest), the request's TLS configuration (CA set,
// client certificate and key, peer verification) and its HTTP/2 attributes. Each identity
// (profile without the HTTP/2 attributes) has its own cookie jar, owned by the pool and lent
// to its lanes, and to the streams of that identity on QtSse's own transport (SocketExchange),
// only: sources that authenticate differently never share a connection, a jar or an
// authentication cache, whichever transport carries them.
//
// An application's manager is used whole: every stream of a source given one goes on it, never
// on a lane, so what the application made it (a subclass's createRequest(), its handlers, its
// proxy factory, cookie jar, HSTS, transfer timeout) applies to every stream, and the pool never
// holds the application's jar. Its sources share what it shares, except connections across TLS
// configurations (separateTrust()). QNAM's per-host connection limit then applies (six on Qt 6.4;
// on Qt 6.5+ a stream request that sets no QHttp1Configuration asks for
// ApplicationConnectionsPerHost, which takes effect if it is the manager's first request to
// the host).
//
// One pool per thread (managers are thread-affine); lanes left without streams are deleted
// after IdleLaneMs. Not thread-safe: used from its own thread only.
class QTSSE_AUTOTEST_EXPORT ManagerPool : public QObject
{
    Q_OBJECT
public:
    // What a stream request on an application's manager asks for on Qt 6.5+.
    static constexpr int ApplicationConnectionsPerHost = 64;
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
    // A manager for one stream to `url` with `request`'s settings: `base` (the application's
    // manager) if not nullptr, else a lane of the request's profile, created if none has room.
    Lease acquire(QNetworkAccessManager *base, const QUrl &url,
                  const QNetworkRequest &request = QNetworkRequest());
    void release(Lease &lease);
    // The stream of `lease` was answered over HTTP/2: later streams to that host on the same
    // manager are multiplexed and count once.
    void markHttp2(const Lease &lease);
    // Applies what the lease's requests need (Qt 6.5+: the connections per host).
    void prepareRequest(const Lease &lease, QNetworkRequest &request) const;
    // The cookie jar of the identity `url` and `request` present, the one its lanes use, for
    // a stream on the own transport; created if need be. It is held until releaseCookieJar(),
    // then kept as long as an idle lane would be, so that a reconnect finds its cookies.
    QNetworkCookieJar *holdCookieJar(const QUrl &url, const QNetworkRequest &request);
    void releaseCookieJar(QNetworkCookieJar *jar);
#if QT_CONFIG(ssl)
    // For a request on an application's manager: QNAM keys the connections a manager keeps by
    // scheme, host, port, proxy and the request's peer verify name, whatever the request's TLS
    // configuration, so a connection verified under one CA set, client certificate or peer
    // verification mode would carry a request that asked for another. A request whose TLS
    // configuration is not the default, or that sets a peer verify name, gets a peer verify
    // name of its TLS configuration's own: the host name (or the name the request sets) spelt
    // in a case pattern that configuration alone uses, process-wide; requests with the default
    // configuration and no name keep none. Qt compares names in their ASCII-compatible
    // encoding, in lower case (both for the certificate and for the server name it sends), so
    // what is verified and sent does not change. A name has 2^letters spellings (at most
    // 65,536), an IP address one. False, and `request` unchanged, when the name has no
    // spelling left.
    static bool separateTrust(QNetworkRequest &request);
#endif

    // For tests and the benchmarks.
    int laneCount() const
    {
        return int(m_lanes.size());
    }
    int count(QNetworkAccessManager *manager, const QString &key) const;
    int jarCount() const
    {
        return int(m_jars.size());
    }
    int connections(QNetworkAccessManager *manager) const;
    bool isHttp2(QNetworkAccessManager *manager, const QString &key) const;
    // Deletes the lanes without streams, and the jars no lane or stream holds, now rather than
    // after IdleLaneMs.
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
    // Who a stream authenticates as: what must be equal for two streams to share a cookie jar.
    struct Identity
    {
        QString userInfo; // the URL's
        QByteArray credentials; // digest of the credential headers; empty without any
#if QT_CONFIG(ssl)
        QSslConfiguration tls;
#endif
        static Identity of(const QUrl &url, const QNetworkRequest &request);
        bool isAnonymous() const;
        bool operator==(const Identity &other) const;
    };
    // What must be equal for two streams to share a lane.
    struct Profile
    {
        Identity identity;
        bool http2Allowed = true;
        bool http2Direct = false;
        static Profile of(const QUrl &url, const QNetworkRequest &request);
        bool operator==(const Profile &other) const;
    };
    struct Jar
    {
        Identity identity;
        QNetworkCookieJar *jar;
        int holders = 0; // streams on the own transport
        QElapsedTimer idleSince; // valid once the last holder let go
    };
    struct Lane
    {
        QNetworkAccessManager *manager;
        Profile profile;
        QElapsedTimer idleSince; // valid while it carries no stream
    };

    int channelsFor(const QString &key) const;
    bool tryCount(QNetworkAccessManager *manager, const QString &key);
    Lane &createLane(const Profile &profile);
    Jar &jarFor(const Identity &identity);
    void deleteLanesIf(const std::function<bool(const Lane &)> &doomed, bool jarsNow = false);
    void scheduleReap();

    int m_streamsPerManager;
    int m_idleLaneMs;
    QHash<QNetworkAccessManager *, Tally> m_tallies; // the lanes'
    std::vector<Lane> m_lanes;
    std::vector<Jar> m_jars; // one per identity that has lanes or holders; the anonymous one stays
    QTimer m_reaper;
};

// One stream client's managers: the application's manager it was given (if any), and the
// lease its current stream holds from the pool of its thread.
class QTSSE_AUTOTEST_EXPORT ManagerHandle
{
    Q_DISABLE_COPY_MOVE(ManagerHandle)
public:
    // `streamLost` runs when the application's manager is moved to another thread while the
    // current stream is on it: the reply moves with it, out of the stream's reach, so the stream
    // must end (C-16, as when the manager is destroyed and its replies with it); it should end
    // the lease. `pool`: nullptr for the pool of the thread the stream is opened in.
    explicit ManagerHandle(std::function<void()> streamLost, ManagerPool *pool = nullptr);
    ~ManagerHandle();

    // The application's manager, or nullptr.
    QNetworkAccessManager *manager() const { return m_manager; }
    // An application's manager was set, and may since have been destroyed.
    bool hasApplicationManager() const { return m_injected; }
    // The manager the current stream uses, or nullptr.
    QNetworkAccessManager *leasedManager() const { return m_lease.manager; }
    bool leaseIsPooled() const { return m_lease.pooled && m_lease.manager; }

    // Uses `manager` (not owned) from the next stream on; nullptr: QtSse's own.
    void setManager(QNetworkAccessManager *manager);

    // The manager for a stream to `url` with `request`, leased until endLease(); nullptr if
    // the application's manager was destroyed or lives in another thread, or (`trustRefused`
    // set) if its connections with the request's TLS configuration cannot be kept apart from
    // those of other configurations (ManagerPool::separateTrust()). `request` gets what the
    // manager needs.
    QNetworkAccessManager *acquire(const QUrl &url, QNetworkRequest *request = nullptr,
                                   bool *trustRefused = nullptr);
    void endLease();

    // The cookie jar for a stream to `url` with `request` on the own transport, held until
    // endLease(): the one the pooled managers of its identity use (ManagerPool::holdCookieJar()),
    // whether or not the source has an application's manager, whose jar QtSse never holds.
    QNetworkCookieJar *holdCookieJar(const QUrl &url, const QNetworkRequest &request);

    // The current stream was answered over HTTP/2.
    void noteHttp2();

private:
    std::function<void()> m_streamLost;
    QPointer<ManagerPool> m_fixedPool;
    QPointer<ManagerPool> m_leasePool;
    QPointer<QNetworkAccessManager> m_manager;
    ManagerPool::Lease m_lease;
    QPointer<QNetworkCookieJar> m_heldJar; // its pool is m_leasePool
    std::unique_ptr<QObject> m_moveWatcher; // on the application's manager during a stream
    bool m_injected = false;
};

} // namespace QtSse

#endif // QTSSE_MANAGERPOOL_P_H
