// SPDX-License-Identifier: MIT
#include "managerpool_p.h"
#include "logging_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qcryptographichash.h>
#include <QtCore/qmutex.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadstorage.h>
#include <QtNetwork/qhostaddress.h>
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

// As in eventsource.cpp: exported from QtSse.dll for MinGW.
#ifdef __MINGW32__
constexpr int ManagerPool::ApplicationConnectionsPerHost;
constexpr int ManagerPool::Http2StreamsPerHost;
constexpr int ManagerPool::DefaultStreamsPerManager;
constexpr int ManagerPool::Http1ConnectionsPerHost;
constexpr int ManagerPool::IdleLaneMs;
#endif

namespace {

int configuredStreamsPerManager()
{
    bool ok = false;
    const int fromEnvironment = qEnvironmentVariableIntValue("QTSSE_STREAMS_PER_MANAGER", &ok);
    return ok && fromEnvironment > 0 ? fromEnvironment : ManagerPool::DefaultStreamsPerManager;
}

// Lends the pool's `jar` to its lane `manager` without giving it away: setCookieJar() takes
// ownership. Only the pool's own jars are lent, to its own lanes: never an application's jar,
// which its manager may delete at any time (setCookieJar(), or with the manager).
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

#if QT_CONFIG(ssl)
// The TLS configurations streams on applications' managers used, per host name (lower case),
// in the order first seen: the i-th has the host name's i-th spelling (see
// ManagerPool::separateTrust()). Process-wide, since a manager may move between threads.
struct TrustSpellings
{
    QMutex mutex;
    QHash<QString, QList<QSslConfiguration>> byName;
};
Q_GLOBAL_STATIC(TrustSpellings, trustSpellings)

// At most this many letters of a host name are used to spell it: 2^16 spellings.
constexpr int SpellingLetters = 16;

bool isAsciiLetter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

// `name` with its first SpellingLetters ASCII letters in the cases of `pattern`.
QString spelled(const QString &name, quint32 pattern)
{
    QString result = name.toLower();
    int letter = 0;
    for (QChar &c : result) {
        if (!isAsciiLetter(c))
            continue;
        if (pattern & (1u << letter))
            c = c.toUpper();
        if (++letter == SpellingLetters)
            break;
    }
    return result;
}
#endif // QT_CONFIG(ssl)

// The headers that carry credentials: requests that differ in one never share a manager.
constexpr const char *CredentialHeaders[] = { "Authorization", "Proxy-Authorization", "Cookie" };

// A digest of the credential headers `request` carries; empty when it carries none. The pool
// compares digests, so it keeps no copy of a token.
QByteArray credentialDigest(const QNetworkRequest &request)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    bool any = false;
    for (const char *name : CredentialHeaders) {
        if (!request.hasRawHeader(name))
            continue;
        any = true;
        const QByteArray value = request.rawHeader(name);
        hash.addData(QByteArrayView(name));
        hash.addData(QByteArrayView(":"));
        hash.addData(QByteArray::number(value.size()));
        hash.addData(QByteArrayView(":"));
        hash.addData(value);
    }
    return any ? hash.result() : QByteArray();
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

// Counts a stream to `key` on the lane `manager` if it has room: as many streams to the host as
// it opens connections there (channelsFor() the first time, then the same for its life), and
// streamsPerManager() connections in all.
bool ManagerPool::tryCount(QNetworkAccessManager *manager, const QString &key)
{
    Tally &tally = m_tallies[manager];
    HostSlot &slot = tally.hosts[key];
    const int channels = slot.channels == 0 ? channelsFor(key) : slot.channels;
    const bool newConnection = !slot.http2 || slot.streams == 0;
    const int limit = slot.http2 ? Http2StreamsPerHost : channels;
    if (slot.streams >= limit || (newConnection && tally.connections >= m_streamsPerManager)) {
        if (slot.streams == 0 && slot.channels == 0)
            tally.hosts.remove(key);
        return false;
    }
    slot.channels = channels;
    ++slot.streams;
    if (newConnection)
        ++tally.connections;
    return true;
}

ManagerPool::Identity ManagerPool::Identity::of(const QUrl &url, const QNetworkRequest &request)
{
    Identity identity;
    identity.userInfo = url.userInfo(QUrl::FullyEncoded);
    identity.credentials = credentialDigest(request);
#if QT_CONFIG(ssl)
    identity.tls = request.sslConfiguration();
#endif
    return identity;
}

bool ManagerPool::Identity::isAnonymous() const
{
    return userInfo.isEmpty() && credentials.isEmpty()
#if QT_CONFIG(ssl)
            && tls == QNetworkRequest().sslConfiguration()
#endif
            ;
}

bool ManagerPool::Identity::operator==(const Identity &other) const
{
    return userInfo == other.userInfo && credentials == other.credentials
#if QT_CONFIG(ssl)
            && tls == other.tls
#endif
            ;
}

ManagerPool::Profile ManagerPool::Profile::of(const QUrl &url, const QNetworkRequest &request)
{
    Profile profile;
    profile.identity = Identity::of(url, request);
    profile.http2Allowed = request.attribute(QNetworkRequest::Http2AllowedAttribute, true).toBool();
    profile.http2Direct = request.attribute(QNetworkRequest::Http2DirectAttribute, false).toBool();
    return profile;
}

bool ManagerPool::Profile::operator==(const Profile &other) const
{
    return identity == other.identity && http2Allowed == other.http2Allowed
            && http2Direct == other.http2Direct;
}

ManagerPool::Lease ManagerPool::acquire(QNetworkAccessManager *base, const QUrl &url,
                                        const QNetworkRequest &request)
{
    Lease lease;
    lease.key = hostKey(url);
    if (base) {
        // The application's manager carries all its streams: no lane takes over what it made.
        lease.manager = base;
        return lease;
    }
    const Profile profile = Profile::of(url, request);
    // A lane that multiplexes this host over HTTP/2 first, then the first with room.
    Lane *chosen = nullptr;
    for (int pass = 0; pass < 2 && !chosen; ++pass) {
        for (Lane &lane : m_lanes) {
            if (pass == 0 && !isHttp2(lane.manager, lease.key))
                continue;
            if (!(lane.profile == profile))
                continue;
            if (tryCount(lane.manager, lease.key)) {
                chosen = &lane;
                break;
            }
        }
    }
    if (!chosen) {
        chosen = &createLane(profile);
        tryCount(chosen->manager, lease.key);
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
    if (!manager || !lease.pooled)
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
    if (tally->connections > 0)
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
    if (!lease.manager || !lease.pooled)
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
    } else if (request.http1Configuration() == QHttp1Configuration()) {
        // The application's manager: more than six streams to a host, unless the application
        // chose its own limit (QNAM fixes it with the manager's first request to the host).
        QHttp1Configuration http1;
        http1.setNumberOfConnectionsPerHost(qsizetype(ApplicationConnectionsPerHost));
        request.setHttp1Configuration(http1);
    }
#else
    Q_UNUSED(lease);
    Q_UNUSED(request);
#endif
}

#if QT_CONFIG(ssl)
bool ManagerPool::separateTrust(QNetworkRequest &request)
{
    const QSslConfiguration tls = request.sslConfiguration();
    const QString given = request.peerVerifyName();
    if (given.isEmpty() && tls == QNetworkRequest().sslConfiguration())
        return true; // the manager's own trust, under no name: what the application's requests use
    // Every other request is spelt by its TLS configuration, a name set by the application
    // included (its own case is dropped), so that no two configurations share a spelling.
    const QString name = given.isEmpty() ? request.url().host() : given;
    if (name.isEmpty())
        return false;
    int letters = 0;
    if (QHostAddress(name).isNull()) {
        for (const QChar c : name)
            letters += isAsciiLetter(c) ? 1 : 0;
    } // else an address: one spelling, its own
    const qsizetype spellings = qsizetype(1) << std::min(letters, SpellingLetters);
    qsizetype index = 0;
    {
        TrustSpellings &registry = *trustSpellings();
        const QMutexLocker lock(&registry.mutex);
        QList<QSslConfiguration> &seen = registry.byName[name.toLower()];
        index = seen.indexOf(tls);
        if (index < 0) {
            if (seen.size() >= spellings)
                return false;
            index = seen.size();
            seen.append(tls);
        }
    }
    request.setPeerVerifyName(spelled(name, quint32(index)));
    return true;
}
#endif // QT_CONFIG(ssl)

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
    deleteLanesIf([](const Lane &lane) { return lane.idleSince.isValid(); }, true);
}

ManagerPool::Lane &ManagerPool::createLane(const Profile &profile)
{
    auto *manager = new QNetworkAccessManager(this);
    lendJar(manager, jarFor(profile.identity).jar);
    qCDebug(lcEventSource) << "a new pooled network access manager:" << m_lanes.size() + 1
                           << "in this thread, up to" << m_streamsPerManager << "streams each";
    m_lanes.push_back({ manager, profile, {} });
    return m_lanes.back();
}

// An identity's jar: sources keep their cookies whichever lane they reconnect on, and the
// cookies set for one identity are never sent with another's requests.
ManagerPool::Jar &ManagerPool::jarFor(const Identity &identity)
{
    const auto found = std::find_if(m_jars.begin(), m_jars.end(),
                                    [&identity](const Jar &j) { return j.identity == identity; });
    if (found != m_jars.end())
        return *found;
    m_jars.push_back({ identity, new QNetworkCookieJar(this), 0, {} });
    return m_jars.back();
}

QNetworkCookieJar *ManagerPool::holdCookieJar(const QUrl &url, const QNetworkRequest &request)
{
    Jar &jar = jarFor(Identity::of(url, request));
    ++jar.holders;
    jar.idleSince.invalidate();
    return jar.jar;
}

void ManagerPool::releaseCookieJar(QNetworkCookieJar *jar)
{
    const auto found = std::find_if(m_jars.begin(), m_jars.end(),
                                    [jar](const Jar &j) { return j.jar == jar; });
    if (found == m_jars.end() || found->holders <= 0 || --found->holders > 0)
        return;
    found->idleSince.start();
    scheduleReap();
}

void ManagerPool::deleteLanesIf(const std::function<bool(const Lane &)> &doomed, bool jarsNow)
{
    const auto gone = std::stable_partition(m_lanes.begin(), m_lanes.end(),
                                            [&doomed](const Lane &lane) { return !doomed(lane); });
    for (auto lane = gone; lane != m_lanes.end(); ++lane) {
        m_tallies.remove(lane->manager);
        takeJarBack(lane->manager);
        lane->manager->deleteLater();
    }
    m_lanes.erase(gone, m_lanes.end());
    // An identity's jar goes with its last lane, once no stream on the own transport holds it
    // and the last that did let go as long ago as a lane is kept idle (at once with `jarsNow`);
    // the anonymous one stays with the pool.
    for (Jar &jar : m_jars) {
        if (jar.idleSince.isValid() && (jarsNow || jar.idleSince.hasExpired(m_idleLaneMs * 9 / 10)))
            jar.idleSince.invalidate();
    }
    const auto unused = std::stable_partition(m_jars.begin(), m_jars.end(), [this](const Jar &j) {
        return j.identity.isAnonymous() || j.holders > 0 || j.idleSince.isValid()
                || std::any_of(m_lanes.begin(), m_lanes.end(),
                               [&j](const Lane &l) { return l.profile.identity == j.identity; });
    });
    for (auto jar = unused; jar != m_jars.end(); ++jar)
        delete jar->jar;
    m_jars.erase(unused, m_jars.end());
}

void ManagerPool::scheduleReap()
{
    if (m_reaper.isActive())
        return;
    if (std::any_of(m_lanes.begin(), m_lanes.end(),
                    [](const Lane &l) { return l.idleSince.isValid(); })
        || std::any_of(m_jars.begin(), m_jars.end(),
                       [](const Jar &j) { return j.idleSince.isValid(); }))
        m_reaper.start(m_idleLaneMs);
}

ManagerHandle::ManagerHandle(std::function<void()> streamLost, ManagerPool *pool)
    : m_streamLost(std::move(streamLost)), m_fixedPool(pool)
{
}

ManagerHandle::~ManagerHandle()
{
    endLease();
}

void ManagerHandle::setManager(QNetworkAccessManager *manager)
{
    m_manager = manager;
    m_injected = manager != nullptr;
}

namespace {

// Watches the application's manager while a stream is on it: moveToThread() sends it
// ThreadChange in its old thread, before its replies move with it.
class MoveWatcher : public QObject
{
public:
    MoveWatcher(QNetworkAccessManager *manager, std::function<void()> moving)
        : m_manager(manager), m_moving(std::move(moving))
    {
        manager->installEventFilter(this);
    }
    ~MoveWatcher() override
    {
        if (m_manager)
            m_manager->removeEventFilter(this);
    }
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched == m_manager && event->type() == QEvent::ThreadChange) {
            m_manager->removeEventFilter(this); // it would be in another thread than we are
            m_manager = nullptr;
            m_moving();
        }
        return false;
    }

private:
    QPointer<QNetworkAccessManager> m_manager;
    std::function<void()> m_moving;
};

} // namespace

QNetworkAccessManager *ManagerHandle::acquire(const QUrl &url, QNetworkRequest *request,
                                              bool *trustRefused)
{
    endLease();
    if (trustRefused)
        *trustRefused = false;
    if (m_injected && (!m_manager || m_manager->thread() != QThread::currentThread()))
        return nullptr; // the application's manager was destroyed or moved away (C-16)
#if QT_CONFIG(ssl)
    if (m_manager && request && !ManagerPool::separateTrust(*request)) {
        if (trustRefused)
            *trustRefused = true;
        return nullptr;
    }
#endif
    ManagerPool *pool = m_fixedPool ? m_fixedPool.data() : ManagerPool::forCurrentThread();
    m_lease = request ? pool->acquire(m_manager, url, *request) : pool->acquire(m_manager, url);
    m_leasePool = pool;
    if (request)
        pool->prepareRequest(m_lease, *request);
    if (m_manager) // its callback may end the lease, which deletes it: it touches nothing after
        m_moveWatcher = std::make_unique<MoveWatcher>(m_manager, m_streamLost);
    return m_lease.manager;
}

QNetworkCookieJar *ManagerHandle::holdCookieJar(const QUrl &url, const QNetworkRequest &request)
{
    endLease();
    ManagerPool *pool = m_fixedPool ? m_fixedPool.data() : ManagerPool::forCurrentThread();
    m_leasePool = pool;
    m_heldJar = pool->holdCookieJar(url, request);
    return m_heldJar;
}

void ManagerHandle::endLease()
{
    m_moveWatcher.reset();
    if (m_leasePool) {
        m_leasePool->release(m_lease);
        if (m_heldJar)
            m_leasePool->releaseCookieJar(m_heldJar);
    }
    m_heldJar = nullptr;
    m_lease = {};
    m_leasePool = nullptr;
}

void ManagerHandle::noteHttp2()
{
    if (m_leasePool)
        m_leasePool->markHttp2(m_lease);
}

} // namespace QtSse
