// SPDX-License-Identifier: MIT
#include "managerpool_p.h"
#include "logging_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadstorage.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qhstspolicy.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtNetwork/qnetworkrequest.h>
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
#  include <QtNetwork/qhttp1configuration.h>
#endif

#include <algorithm>

using namespace Qt::StringLiterals;

namespace QtSse {

namespace {

int configuredStreamsPerManager()
{
    bool ok = false;
    const int fromEnvironment = qEnvironmentVariableIntValue("QTSSE_STREAMS_PER_MANAGER", &ok);
    return ok && fromEnvironment > 0 ? fromEnvironment : ManagerPool::DefaultStreamsPerManager;
}

// Lends `jar` to `manager` without giving it away: setCookieJar() takes ownership.
void lendJar(QNetworkAccessManager *manager, QNetworkCookieJar *jar)
{
    QObject *owner = jar->parent();
    manager->setCookieJar(jar);
    jar->setParent(owner);
}

// Takes a lent jar back before it or the manager goes (a manager deletes only its own jar).
void takeJarBack(QNetworkAccessManager *manager)
{
    manager->setCookieJar(new QNetworkCookieJar(manager));
}

} // namespace

ManagerPool::ManagerPool(int streamsPerManager, int idleLaneMs, QObject *parent)
    : QObject(parent),
      m_streamsPerManager(streamsPerManager > 0 ? streamsPerManager
                                                : configuredStreamsPerManager()),
      m_idleLaneMs(idleLaneMs)
{
    m_reaper.setSingleShot(true);
    connect(&m_reaper, &QTimer::timeout, this, [this] {
        deleteLanesIf([this](const Lane &lane) {
            return lane.idleSince.isValid() && lane.idleSince.hasExpired(m_idleLaneMs * 9 / 10);
        });
        scheduleReap();
    });
}

ManagerPool::~ManagerPool()
{
    for (const QMetaObject::Connection &c : std::as_const(m_watched))
        disconnect(c);
    // The lanes are our children; the jars lent to them go back first.
    for (const Lane &lane : m_lanes)
        takeJarBack(lane.manager);
}

namespace {

QThreadStorage<ManagerPool *> &threadPools()
{
    static QThreadStorage<ManagerPool *> pools;
    return pools;
}

// Called from the application object's destructor, in the main thread: its pool goes first,
// with every lane and what they hold, while Qt can still tear them down.
void deleteMainThreadPool()
{
    threadPools().setLocalData(nullptr); // deletes the previous value
}

} // namespace

ManagerPool *ManagerPool::forCurrentThread()
{
    // A worker thread's pool is deleted when the thread ends (QThreadStorage), the main
    // thread's with the application object.
    QThreadStorage<ManagerPool *> &pools = threadPools();
    if (!pools.hasLocalData() || !pools.localData()) {
        pools.setLocalData(new ManagerPool);
        const QCoreApplication *app = QCoreApplication::instance();
        if (app && app->thread() == QThread::currentThread())
            qAddPostRoutine(deleteMainThreadPool);
    }
    return pools.localData();
}

QString ManagerPool::hostKey(const QUrl &url)
{
    return url.scheme() + "://"_L1 + url.host() + u':'
            + QString::number(url.port(url.scheme() == "https"_L1 ? 443 : 80));
}

// How many connections a lane opens to a host it has not carried yet. QNAM fixes that number
// with the first request for the host (from the request's QHttp1Configuration on Qt 6.5+) and
// allocates a channel for each: six, as QNAM's default, unless the thread already streams from
// the host six times, in which case as many as the lane carries.
int ManagerPool::channelsFor(const QString &key) const
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    int streams = 0;
    for (const Tally &tally : m_tallies)
        streams += tally.hosts.value(key).streams;
    if (streams >= Http1ConnectionsPerHost)
        return std::max(m_streamsPerManager, Http1ConnectionsPerHost);
#else
    Q_UNUSED(key);
#endif
    return Http1ConnectionsPerHost;
}

// perHost: the streams `manager` may carry to `key`; 0 for a lane, whose limit is the number of
// connections it opens to the host (channelsFor() the first time, then the same for its life).
bool ManagerPool::tryCount(QNetworkAccessManager *manager, const QString &key, int perHost)
{
    Tally &tally = m_tallies[manager];
    HostSlot &slot = tally.hosts[key];
    const bool lane = perHost == 0;
    const int channels = lane && slot.channels == 0 ? channelsFor(key) : slot.channels;
    const bool newConnection = !slot.http2 || slot.streams == 0;
    const int limit = slot.http2 ? Http2StreamsPerHost : lane ? channels : perHost;
    if (slot.streams >= limit || (newConnection && tally.connections >= m_streamsPerManager)) {
        if (slot.streams == 0 && slot.channels == 0)
            tally.hosts.remove(key);
        return false;
    }
    if (lane)
        slot.channels = channels;
    ++slot.streams;
    if (newConnection)
        ++tally.connections;
    return true;
}

ManagerPool::Profile ManagerPool::Profile::of(QNetworkAccessManager *base, const QUrl &url,
                                              const QNetworkRequest &request)
{
    Profile profile;
    profile.base = base;
    profile.userInfo = url.userInfo(QUrl::FullyEncoded);
#if QT_CONFIG(ssl)
    profile.tls = request.sslConfiguration();
#endif
    profile.http2Allowed = request.attribute(QNetworkRequest::Http2AllowedAttribute, true).toBool();
    profile.http2Direct = request.attribute(QNetworkRequest::Http2DirectAttribute, false).toBool();
    return profile;
}

bool ManagerPool::Profile::operator==(const Profile &other) const
{
    return base == other.base && userInfo == other.userInfo && http2Allowed == other.http2Allowed
            && http2Direct == other.http2Direct
#if QT_CONFIG(ssl)
            && tls == other.tls
#endif
            ;
}

ManagerPool::Lease ManagerPool::acquire(QNetworkAccessManager *base, const QUrl &url,
                                        const QNetworkRequest &request)
{
    Lease lease;
    lease.key = hostKey(url);
    if (base && tryCount(base, lease.key, StreamsPerHost)) {
        watch(base);
        lease.manager = base;
        return lease;
    }
    const Profile profile = Profile::of(base, url, request);
    // A lane that multiplexes this host over HTTP/2 first, then the first with room.
    Lane *chosen = nullptr;
    for (int pass = 0; pass < 2 && !chosen; ++pass) {
        for (Lane &lane : m_lanes) {
            if (pass == 0 && !isHttp2(lane.manager, lease.key))
                continue;
            if (!(lane.profile == profile))
                continue;
            if (tryCount(lane.manager, lease.key, 0)) {
                chosen = &lane;
                break;
            }
        }
    }
    if (!chosen) {
        chosen = &createLane(profile);
        tryCount(chosen->manager, lease.key, 0);
    }
    chosen->idleSince.invalidate();
    lease.manager = chosen->manager;
    lease.pooled = true;
    lease.channels = m_tallies.value(chosen->manager).hosts.value(lease.key).channels;
    return lease;
}

void ManagerPool::release(Lease &lease)
{
    QNetworkAccessManager *manager = lease.manager;
    lease.manager = nullptr;
    if (!manager)
        return;
    const auto tally = m_tallies.find(manager);
    if (tally == m_tallies.end())
        return;
    const auto slot = tally->hosts.find(lease.key);
    if (slot == tally->hosts.end())
        return;
    if (!slot->http2 || slot->streams == 1)
        --tally->connections;
    // A lane remembers what it opened to the host (QNAM keeps the connection object cached).
    if (--slot->streams <= 0 && slot->channels == 0)
        tally->hosts.erase(slot);
    if (tally->connections > 0 || !lease.pooled)
        return;
    const auto lane = std::find_if(m_lanes.begin(), m_lanes.end(),
                                   [manager](const Lane &l) { return l.manager == manager; });
    if (lane != m_lanes.end()) {
        lane->idleSince.start();
        scheduleReap();
    }
}

void ManagerPool::markHttp2(const Lease &lease)
{
    if (!lease.manager)
        return;
    const auto tally = m_tallies.find(lease.manager);
    if (tally == m_tallies.end())
        return;
    const auto slot = tally->hosts.find(lease.key);
    if (slot == tally->hosts.end() || slot->http2)
        return;
    // The host's streams so far counted a connection each; from now on they share one.
    tally->connections -= slot->streams - 1;
    slot->http2 = true;
}

void ManagerPool::prepareRequest(const Lease &lease, QNetworkRequest &request) const
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    if (lease.pooled) {
        QHttp1Configuration http1;
        http1.setNumberOfConnectionsPerHost(qsizetype(lease.channels));
        request.setHttp1Configuration(http1);
    }
#else
    Q_UNUSED(lease);
    Q_UNUSED(request);
#endif
}

int ManagerPool::count(QNetworkAccessManager *manager, const QString &key) const
{
    const auto tally = m_tallies.constFind(manager);
    return tally == m_tallies.cend() ? 0 : tally->hosts.value(key).streams;
}

int ManagerPool::connections(QNetworkAccessManager *manager) const
{
    return m_tallies.value(manager).connections;
}

bool ManagerPool::isHttp2(QNetworkAccessManager *manager, const QString &key) const
{
    const auto tally = m_tallies.constFind(manager);
    return tally != m_tallies.cend() && tally->hosts.value(key).http2;
}

void ManagerPool::reapIdleLanes()
{
    deleteLanesIf([](const Lane &lane) { return lane.idleSince.isValid(); });
}

ManagerPool::Lane &ManagerPool::createLane(const Profile &profile)
{
    auto *manager = new QNetworkAccessManager(this);
    if (QNetworkAccessManager *base = profile.base) {
        watch(base);
        if (QNetworkCookieJar *jar = base->cookieJar())
            lendJar(manager, jar);
        manager->setProxy(base->proxy());
        manager->setStrictTransportSecurityEnabled(base->isStrictTransportSecurityEnabled());
        manager->addStrictTransportSecurityHosts(base->strictTransportSecurityHosts());
    } else {
        lendJar(manager, jarFor(profile.userInfo));
    }
    qCDebug(lcEventSource) << "a new pooled network access manager:" << m_lanes.size() + 1
                           << "in this thread, up to" << m_streamsPerManager << "streams each";
    m_lanes.push_back({ manager, profile, {} });
    return m_lanes.back();
}

// The default profile's jar: one per user info, so that sources keep their cookies whichever
// lane they reconnect on, and credentials of one user never meet another's cookies.
QNetworkCookieJar *ManagerPool::jarFor(const QString &userInfo)
{
    QNetworkCookieJar *&jar = m_jars[userInfo];
    if (!jar)
        jar = new QNetworkCookieJar(this);
    return jar;
}

void ManagerPool::watch(QNetworkAccessManager *base)
{
    if (m_watched.contains(base))
        return;
    m_watched.insert(base,
                     connect(base, &QObject::destroyed, this, [this, base] { dropProfile(base); }));
}

// The application destroyed its manager: its lanes go too (their streams end, C-16), and give
// its jar back before it is deleted with the manager.
void ManagerPool::dropProfile(QNetworkAccessManager *base)
{
    m_watched.remove(base);
    m_tallies.remove(base);
    deleteLanesIf([base](const Lane &lane) { return lane.profile.base == base; });
}

void ManagerPool::deleteLanesIf(const std::function<bool(const Lane &)> &doomed)
{
    const auto gone = std::stable_partition(m_lanes.begin(), m_lanes.end(),
                                            [&doomed](const Lane &lane) { return !doomed(lane); });
    QSet<QString> userInfos;
    for (auto lane = gone; lane != m_lanes.end(); ++lane) {
        m_tallies.remove(lane->manager);
        takeJarBack(lane->manager);
        lane->manager->deleteLater();
        if (lane->profile.base == nullptr && !lane->profile.userInfo.isEmpty())
            userInfos.insert(lane->profile.userInfo);
    }
    m_lanes.erase(gone, m_lanes.end());
    // A user info's jar goes with its last lane; the anonymous one stays with the pool.
    for (const QString &userInfo : std::as_const(userInfos)) {
        if (std::none_of(m_lanes.begin(), m_lanes.end(), [&userInfo](const Lane &l) {
                return l.profile.base == nullptr && l.profile.userInfo == userInfo;
            }))
            delete m_jars.take(userInfo);
    }
}

void ManagerPool::scheduleReap()
{
    if (m_reaper.isActive())
        return;
    if (std::any_of(m_lanes.begin(), m_lanes.end(),
                    [](const Lane &l) { return l.idleSince.isValid(); }))
        m_reaper.start(m_idleLaneMs);
}

ManagerHandle::ManagerHandle(QObject *owner, std::function<void()> streamLost, ManagerPool *pool)
    : m_owner(owner), m_streamLost(std::move(streamLost)), m_fixedPool(pool)
{
}

ManagerHandle::~ManagerHandle()
{
    QObject::disconnect(m_managerDestroyed);
    endLease();
}

void ManagerHandle::setManager(QNetworkAccessManager *manager)
{
    if (m_manager == manager && m_injected == (manager != nullptr))
        return;
    QObject::disconnect(m_managerDestroyed);
    m_manager = manager;
    m_injected = manager != nullptr;
    if (!manager)
        return;
    // If the application destroys its manager, a stream on one of its lanes ends too (C-16).
    m_managerDestroyed = QObject::connect(manager, &QObject::destroyed, m_owner, [this] {
        if (leaseIsPooled())
            m_streamLost();
    });
}

QNetworkAccessManager *ManagerHandle::acquire(const QUrl &url, QNetworkRequest *request)
{
    endLease();
    if (m_injected && !m_manager)
        return nullptr; // the application's manager was destroyed (C-16)
    ManagerPool *pool = m_fixedPool ? m_fixedPool.data() : ManagerPool::forCurrentThread();
    m_lease = request ? pool->acquire(m_manager, url, *request) : pool->acquire(m_manager, url);
    m_leasePool = pool;
    if (request)
        pool->prepareRequest(m_lease, *request);
    return m_lease.manager;
}

void ManagerHandle::endLease()
{
    if (m_leasePool)
        m_leasePool->release(m_lease);
    m_lease = {};
    m_leasePool = nullptr;
}

void ManagerHandle::noteHttp2()
{
    if (m_leasePool)
        m_leasePool->markHttp2(m_lease);
}

} // namespace QtSse
