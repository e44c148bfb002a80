// SPDX-License-Identifier: MIT
// The manager pool: which network access manager each stream goes on (the application's whole, or a
// pooled "lane" of its profile), the budgets that keep threads and per-event CPU bounded, the
// cookie jars and settings lanes take, and when lanes go. No request is sent: a lease is all a
// stream needs from the pool. (tst_eventsource and tst_reliability run real streams on it.)
#include "managerpool_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qhstspolicy.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookie.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtNetwork/qnetworkrequest.h>
#if QT_CONFIG(ssl)
#  include <QtNetwork/qsslconfiguration.h>
#  include <QtNetwork/qsslsocket.h>
#endif
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
#  include <QtNetwork/qhttp1configuration.h>
#endif
#include <QtTest/qtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

using namespace Qt::StringLiterals;
using QtSse::ManagerHandle;
using QtSse::ManagerPool;
using Lease = ManagerPool::Lease;

namespace {

QUrl host(int i)
{
    return QUrl(u"http://h%1.test/stream"_s.arg(i));
}

const QUrl hostA(u"http://a.test/stream"_s);

// Runs the deleteLater()s posted so far.
void runDeferredDeletes()
{
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

std::set<QNetworkAccessManager *> managersOf(const std::vector<Lease> &leases)
{
    std::set<QNetworkAccessManager *> managers;
    for (const Lease &lease : leases)
        managers.insert(lease.manager);
    return managers;
}

} // namespace

class tst_ManagerPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hostKey_data();
    void hostKey();
    void defaultBudgetIsTheMeasuredOne();
    void lanesFillUpToTheirBudget();
    void hostsBeyondTheHttp1LimitTakeAnotherLane();
    void lanesKeepTheirChannelsToAHost();
    void releasedRoomIsReused();
    void http2HostCountsOnce();
    void applicationManagerCarriesEveryStream();
    void defaultLanesShareOneJar();
    void socketStreamsHoldTheirIdentitysJar();
    void userInfoGetsItsOwnLanesAndJar();
    void credentialHeadersGetTheirOwnLanesAndJar();
    void tlsConfigurationGetsItsOwnLanesAndJar();
    void http2AttributesGetTheirOwnLanes();
    void applicationManagerTrustIsSpeltApart();
    void idleLanesAreReaped();
    void idleLaneReapedAfterItsTime();
    void applicationManagerDestroyedUnderItsLeases();
    void prepareRequestRaisesTheHostLimit();
    void handleLeasesAndReleases();
    void handleStreamLostWhenTheApplicationManagerMoves();
    void handleOnDestroyedApplicationManagerGivesNone();
    void handleOnApplicationManagerOfAnotherThreadGivesNone();
    void handleUsesThePoolOfItsThread();
};

void tst_ManagerPool::hostKey_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("key");

    QTest::newRow("http") << QUrl(u"http://a.test/x?y"_s) << u"http://a.test:80"_s;
    QTest::newRow("https") << QUrl(u"https://a.test"_s) << u"https://a.test:443"_s;
    QTest::newRow("explicit default port")
            << QUrl(u"https://a.test:443/s"_s) << u"https://a.test:443"_s;
    QTest::newRow("other port") << QUrl(u"http://a.test:8080/"_s) << u"http://a.test:8080"_s;
    QTest::newRow("host case") << QUrl(u"http://A.Test/"_s) << u"http://a.test:80"_s;
}

void tst_ManagerPool::hostKey()
{
    QFETCH(QUrl, url);
    QFETCH(QString, key);
    QCOMPARE(ManagerPool::hostKey(url), key);
}

void tst_ManagerPool::defaultBudgetIsTheMeasuredOne()
{
    if (qEnvironmentVariableIsSet("QTSSE_STREAMS_PER_MANAGER"))
        QSKIP("QTSSE_STREAMS_PER_MANAGER overrides the default");
    ManagerPool pool;
    QCOMPARE(pool.streamsPerManager(), ManagerPool::DefaultStreamsPerManager);
    QCOMPARE(ManagerPool(7).streamsPerManager(), 7);
}

void tst_ManagerPool::lanesFillUpToTheirBudget()
{
    // Streams to many hosts: each lane takes its budget of connections, then a new one opens.
    ManagerPool pool(10);
    std::vector<Lease> leases;
    for (int i = 0; i < 25; ++i)
        leases.push_back(pool.acquire(nullptr, host(i)));
    QCOMPARE(pool.laneCount(), 3);
    const std::set<QNetworkAccessManager *> lanes = managersOf(leases);
    QCOMPARE(int(lanes.size()), 3);
    QCOMPARE(leases[0].manager, leases[9].manager);
    QVERIFY(leases[9].manager != leases[10].manager);
    QCOMPARE(pool.connections(leases[0].manager), 10);
    QCOMPARE(pool.connections(leases[24].manager), 5);
    for (const Lease &lease : leases) {
        QVERIFY(lease.pooled);
        QCOMPARE(lease.manager->parent(), &pool);
    }
}

void tst_ManagerPool::hostsBeyondTheHttp1LimitTakeAnotherLane()
{
    // Twenty streams to one host never wait for a connection: no lane takes more of them than
    // it opens connections to that host. That is six, QNAM's default, for the first six of a
    // thread; on Qt 6.5 and later further lanes open a lane's budget to a host that busy.
    ManagerPool pool(10);
    std::vector<Lease> leases;
    for (int i = 0; i < 20; ++i)
        leases.push_back(pool.acquire(nullptr, hostA));
    const QString a = ManagerPool::hostKey(hostA);
    std::vector<int> perLane;
    for (QNetworkAccessManager *lane : managersOf(leases))
        perLane.push_back(pool.count(lane, a));
    std::sort(perLane.begin(), perLane.end());
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    QCOMPARE(perLane, (std::vector<int>{ 4, 6, 10 }));
    QCOMPARE(leases[0].channels, 6);
    QCOMPARE(leases[6].channels, 10);
#else
    QCOMPARE(perLane, (std::vector<int>{ 2, 6, 6, 6 }));
    for (const Lease &lease : leases)
        QCOMPARE(lease.channels, ManagerPool::Http1ConnectionsPerHost);
#endif
    // Another host still fits on the first lane, which has connections to spare.
    QCOMPARE(pool.acquire(nullptr, host(1)).manager, leases.front().manager);
}

void tst_ManagerPool::lanesKeepTheirChannelsToAHost()
{
    // QNAM keeps a host's connection object cached with the channel count of its first
    // request: a lane that once opened six to a host never takes a seventh stream there,
    // however busy the host has become since.
    ManagerPool pool(10);
    Lease first = pool.acquire(nullptr, hostA);
    QNetworkAccessManager *lane = first.manager;
    pool.release(first);
    std::vector<Lease> leases;
    for (int i = 0; i < 12; ++i)
        leases.push_back(pool.acquire(nullptr, hostA));
    QCOMPARE(pool.count(lane, ManagerPool::hostKey(hostA)), 6);
    QCOMPARE(leases[0].manager, lane);
    QCOMPARE(leases[0].channels, 6);
    QVERIFY(leases[6].manager != lane);
}

void tst_ManagerPool::releasedRoomIsReused()
{
    ManagerPool pool(4);
    std::vector<Lease> leases;
    for (int i = 0; i < 8; ++i)
        leases.push_back(pool.acquire(nullptr, host(i)));
    QCOMPARE(pool.laneCount(), 2);
    QNetworkAccessManager *first = leases[1].manager;
    pool.release(leases[1]);
    QVERIFY(!leases[1].isValid());
    QCOMPARE(pool.connections(first), 3);
    const Lease again = pool.acquire(nullptr, host(100));
    QCOMPARE(again.manager, first);
    QCOMPARE(pool.laneCount(), 2);
    pool.release(leases[1]); // released twice: nothing happens
    QCOMPARE(pool.connections(first), 4);
}

void tst_ManagerPool::http2HostCountsOnce()
{
    ManagerPool pool(4);
    std::vector<Lease> leases{ pool.acquire(nullptr, hostA), pool.acquire(nullptr, hostA) };
    QNetworkAccessManager *lane = leases[0].manager;
    QCOMPARE(leases[1].manager, lane);
    QCOMPARE(pool.connections(lane), 2);
    pool.markHttp2(leases[0]);
    QVERIFY(pool.isHttp2(lane, ManagerPool::hostKey(hostA)));
    QCOMPARE(pool.connections(lane), 1); // both share one connection now
    for (int i = 2; i < ManagerPool::Http2StreamsPerHost; ++i)
        leases.push_back(pool.acquire(nullptr, hostA));
    QCOMPARE(managersOf(leases), std::set<QNetworkAccessManager *>{ lane });
    QCOMPARE(pool.connections(lane), 1);
    // Other hosts still get the rest of the lane, and the 65th stream another lane.
    for (int i = 0; i < 3; ++i)
        QCOMPARE(pool.acquire(nullptr, host(i)).manager, lane);
    QVERIFY(pool.acquire(nullptr, hostA).manager != lane);
    // The host's connection is counted until its last stream goes.
    for (int i = 0; i < ManagerPool::Http2StreamsPerHost - 1; ++i)
        pool.release(leases[size_t(i)]);
    QCOMPARE(pool.connections(lane), 4);
    pool.release(leases.back());
    QCOMPARE(pool.connections(lane), 3);
}

void tst_ManagerPool::applicationManagerCarriesEveryStream()
{
    // An application's manager is used whole: 40 streams over ten hosts and 40 to one host all
    // go on it, and the pool makes no lane of its own for them (a lane would lose what the
    // application made its manager: createRequest(), handlers, proxy factory, jar).
    ManagerPool pool(8);
    QNetworkAccessManager app;
    std::vector<Lease> leases;
    for (int i = 0; i < 40; ++i)
        leases.push_back(pool.acquire(&app, host(i % 10)));
    for (int i = 0; i < 40; ++i)
        leases.push_back(pool.acquire(&app, hostA));
    for (const Lease &lease : leases) {
        QCOMPARE(lease.manager, &app);
        QVERIFY(!lease.pooled);
    }
    QCOMPARE(pool.laneCount(), 0);
    QCOMPARE(pool.jarCount(), 0);
    // A source without a manager never lands on the application's.
    QVERIFY(pool.acquire(nullptr, hostA).manager != &app);
    for (Lease &lease : leases)
        pool.release(lease);
    QCOMPARE(app.parent(), nullptr); // never adopted
}

void tst_ManagerPool::defaultLanesShareOneJar()
{
    // A source keeps its cookies whichever lane it reconnects on.
    ManagerPool pool(2);
    const Lease a = pool.acquire(nullptr, host(1));
    const Lease b = pool.acquire(nullptr, host(2));
    const Lease c = pool.acquire(nullptr, host(3));
    QVERIFY(a.manager != c.manager);
    QCOMPARE(a.manager->cookieJar(), c.manager->cookieJar());
    QCOMPARE(a.manager->cookieJar()->parent(), &pool);
    a.manager->cookieJar()->setCookiesFromUrl({ QNetworkCookie("k", "v") }, host(1));
    QCOMPARE(c.manager->cookieJar()->cookiesForUrl(host(1)).size(), 1);
}

void tst_ManagerPool::socketStreamsHoldTheirIdentitysJar()
{
    // A stream on the own transport uses the jar its identity's lanes use, and holds it: the
    // jar is not deleted with the identity's last lane while a stream holds it, nor at once
    // after (a reconnect finds its cookies), only as an idle lane would be.
    ManagerPool pool(2, 3600 * 1000);
    QNetworkRequest alice;
    alice.setRawHeader("Authorization", "Bearer alice");
    Lease lane = pool.acquire(nullptr, host(1), alice);
    QPointer<QNetworkCookieJar> jar = pool.holdCookieJar(host(2), alice);
    QCOMPARE(lane.manager->cookieJar(), jar.data());
    QVERIFY(jar != pool.holdCookieJar(host(1), QNetworkRequest())); // the anonymous one
    pool.release(lane);
    pool.reapIdleLanes();
    runDeferredDeletes();
    QCOMPARE(pool.laneCount(), 0);
    QVERIFY(jar); // held
    pool.releaseCookieJar(jar);
    QVERIFY(jar); // kept as long as an idle lane
    QCOMPARE(pool.holdCookieJar(host(1), alice), jar.data());
    pool.releaseCookieJar(jar);
    pool.reapIdleLanes(); // now
    QVERIFY(!jar);
    QCOMPARE(pool.jarCount(), 1); // the anonymous one stays
}

void tst_ManagerPool::userInfoGetsItsOwnLanesAndJar()
{
    // QNAM caches the credentials of a URL per manager: a lane never carries two users.
    ManagerPool pool(32);
    const QUrl alice(u"http://alice:secret@a.test/s"_s);
    const QUrl bob(u"http://bob:other@a.test/s"_s);
    const Lease anonymous = pool.acquire(nullptr, hostA);
    const Lease a1 = pool.acquire(nullptr, alice);
    const Lease b1 = pool.acquire(nullptr, bob);
    const Lease a2 = pool.acquire(nullptr, alice);
    QCOMPARE(a1.manager, a2.manager);
    QCOMPARE(int(managersOf({ anonymous, a1, b1 }).size()), 3);
    QCOMPARE(int(std::set<QNetworkCookieJar *>{ anonymous.manager->cookieJar(),
                                                a1.manager->cookieJar(), b1.manager->cookieJar() }
                         .size()),
             3);
}

void tst_ManagerPool::credentialHeadersGetTheirOwnLanesAndJar()
{
    // The documented way to authenticate is a header: sources with different tokens (or
    // proxy credentials, or cookies of their own) never share a lane, so never a connection or
    // a jar; sources with the same token do.
    ManagerPool pool(32);
    auto request = [](const QByteArray &name, const QByteArray &value) {
        QNetworkRequest r(hostA);
        r.setRawHeader(name, value);
        return r;
    };
    const Lease anonymous = pool.acquire(nullptr, hostA, QNetworkRequest(hostA));
    const Lease alice = pool.acquire(nullptr, hostA, request("Authorization", "Bearer alice"));
    const Lease bob = pool.acquire(nullptr, hostA, request("Authorization", "Bearer bob"));
    const Lease alice2 = pool.acquire(nullptr, hostA, request("authorization", "Bearer alice"));
    const Lease proxy = pool.acquire(nullptr, hostA, request("Proxy-Authorization", "Basic eA=="));
    const Lease cookie = pool.acquire(nullptr, hostA, request("Cookie", "session=1"));
    const Lease other = pool.acquire(nullptr, hostA, request("X-Trace", "1"));
    QCOMPARE(alice2.manager, alice.manager);
    QCOMPARE(other.manager, anonymous.manager); // not a credential
    QCOMPARE(int(managersOf({ anonymous, alice, bob, proxy, cookie }).size()), 5);
    std::set<QNetworkCookieJar *> jars;
    for (const Lease *lease : { &anonymous, &alice, &bob, &proxy, &cookie })
        jars.insert(lease->manager->cookieJar());
    QCOMPARE(int(jars.size()), 5);
    alice.manager->cookieJar()->setCookiesFromUrl({ QNetworkCookie("k", "v") }, hostA);
    QVERIFY(bob.manager->cookieJar()->cookiesForUrl(hostA).isEmpty());
    QVERIFY(anonymous.manager->cookieJar()->cookiesForUrl(hostA).isEmpty());
}

void tst_ManagerPool::tlsConfigurationGetsItsOwnLanesAndJar()
{
    // QNAM hands a cached connection to any request for its host: a stream that trusts another
    // CA, or presents a client certificate, must never share a manager with one that does not
    // (tst_nginxtls::untrustedCertificateFails shows it against nginx).
#if QT_CONFIG(ssl)
    ManagerPool pool(32);
    const QUrl url(u"https://a.test/s"_s);
    QNetworkRequest plain(url);
    QNetworkRequest trusting(url);
    QSslConfiguration tls = trusting.sslConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    trusting.setSslConfiguration(tls);
    const Lease a = pool.acquire(nullptr, url, plain);
    const Lease b = pool.acquire(nullptr, url, trusting);
    const Lease c = pool.acquire(nullptr, url, QNetworkRequest(url));
    const Lease d = pool.acquire(nullptr, url, trusting);
    QVERIFY(a.manager != b.manager);
    QCOMPARE(c.manager, a.manager);
    QCOMPARE(d.manager, b.manager);
    QVERIFY(a.manager->cookieJar() != b.manager->cookieJar()); // trust is a credential too
    QCOMPARE(c.manager->cookieJar(), a.manager->cookieJar());
#else
    QSKIP("Qt without TLS");
#endif
}

void tst_ManagerPool::http2AttributesGetTheirOwnLanes()
{
    ManagerPool pool(32);
    QNetworkRequest h1(hostA);
    h1.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkRequest direct(hostA);
    direct.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    const Lease a = pool.acquire(nullptr, hostA, QNetworkRequest(hostA));
    const Lease b = pool.acquire(nullptr, hostA, h1);
    const Lease c = pool.acquire(nullptr, hostA, direct);
    QCOMPARE(int(managersOf({ a, b, c }).size()), 3);
}

void tst_ManagerPool::applicationManagerTrustIsSpeltApart()
{
    // On an application's manager, connections are kept by peer verify name: each TLS
    // configuration gets a spelling of the host name of its own, the same every time, which Qt
    // verifies and sends as the host name in lower case.
#if QT_CONFIG(ssl)
    const QUrl url(u"https://spelling.test/s"_s);
    const auto with = [&url](QSslSocket::PeerVerifyMode mode, const QString &name = {}) {
        QNetworkRequest request(url);
        QSslConfiguration tls = request.sslConfiguration();
        tls.setPeerVerifyMode(mode);
        request.setSslConfiguration(tls);
        request.setPeerVerifyName(name);
        return request;
    };
    QNetworkRequest plain(url);
    QVERIFY(ManagerPool::separateTrust(plain));
    QCOMPARE(plain.peerVerifyName(), QString()); // the default, as the application's own requests
    QNetworkRequest none = with(QSslSocket::VerifyNone);
    QNetworkRequest peer = with(QSslSocket::VerifyPeer); // not AutoVerifyPeer, the default
    QNetworkRequest none2 = with(QSslSocket::VerifyNone);
    QVERIFY(ManagerPool::separateTrust(none));
    QVERIFY(ManagerPool::separateTrust(peer));
    QVERIFY(ManagerPool::separateTrust(none2));
    QCOMPARE(none.peerVerifyName().toLower(), u"spelling.test"_s);
    QCOMPARE(peer.peerVerifyName().toLower(), u"spelling.test"_s);
    QVERIFY(none.peerVerifyName() != peer.peerVerifyName());
    QCOMPARE(none2.peerVerifyName(), none.peerVerifyName());
    // A name the request sets is spelt too: the default configuration under it is one more.
    QNetworkRequest named(url);
    named.setPeerVerifyName(none.peerVerifyName());
    QVERIFY(ManagerPool::separateTrust(named));
    QCOMPARE(named.peerVerifyName().toLower(), u"spelling.test"_s);
    QVERIFY(named.peerVerifyName() != none.peerVerifyName());
    QVERIFY(named.peerVerifyName() != peer.peerVerifyName());

    // An address has one spelling: one configuration besides the default.
    const QUrl address(u"https://192.0.2.7/s"_s);
    QNetworkRequest first(address);
    QSslConfiguration tls = first.sslConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    first.setSslConfiguration(tls);
    QVERIFY(ManagerPool::separateTrust(first));
    QCOMPARE(first.peerVerifyName(), u"192.0.2.7"_s);
    QNetworkRequest second(address);
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    second.setSslConfiguration(tls);
    QVERIFY(!ManagerPool::separateTrust(second));
    QCOMPARE(second.peerVerifyName(), QString());
#else
    QSKIP("Qt without TLS");
#endif
}

void tst_ManagerPool::idleLanesAreReaped()
{
    ManagerPool pool(2, 3600 * 1000);
    std::vector<Lease> leases;
    for (int i = 0; i < 4; ++i)
        leases.push_back(pool.acquire(nullptr, host(i)));
    QPointer<QNetworkAccessManager> busy = leases[0].manager;
    QPointer<QNetworkAccessManager> idle = leases[2].manager;
    QNetworkCookieJar *jar = idle->cookieJar();
    pool.release(leases[2]);
    pool.release(leases[3]);
    pool.release(leases[1]);
    pool.reapIdleLanes();
    runDeferredDeletes();
    QVERIFY(!idle);
    QVERIFY(busy); // one stream left on it
    QCOMPARE(pool.laneCount(), 1);
    QCOMPARE(busy->cookieJar(), jar); // the shared jar outlives the lane that borrowed it
}

void tst_ManagerPool::idleLaneReapedAfterItsTime()
{
    ManagerPool pool(2, 50);
    Lease lease = pool.acquire(nullptr, hostA);
    QPointer<QNetworkAccessManager> lane = lease.manager;
    pool.release(lease);
    QVERIFY(lane);
    // Used again before its time: it stays.
    lease = pool.acquire(nullptr, hostA);
    QCOMPARE(lease.manager, lane);
    pool.release(lease);
    QTRY_VERIFY(!lane);
    QCOMPARE(pool.laneCount(), 0);
}

void tst_ManagerPool::applicationManagerDestroyedUnderItsLeases()
{
    ManagerPool pool(32);
    auto app = std::make_unique<QNetworkAccessManager>();
    std::vector<Lease> leases;
    for (int i = 0; i < 8; ++i)
        leases.push_back(pool.acquire(app.get(), hostA));
    const Lease other = pool.acquire(nullptr, hostA);
    app.reset();
    for (Lease &lease : leases) {
        QVERIFY(!lease.isValid());
        pool.release(lease); // nothing to do
    }
    QCOMPARE(pool.connections(other.manager), 1);
}

void tst_ManagerPool::prepareRequestRaisesTheHostLimit()
{
    ManagerPool pool(20);
    QNetworkAccessManager app;
    std::vector<Lease> leases;
    for (int i = 0; i < 7; ++i)
        leases.push_back(pool.acquire(nullptr, hostA));
    const Lease onApp = pool.acquire(&app, hostA);
    QNetworkRequest first(hostA);
    QNetworkRequest seventh(hostA);
    QNetworkRequest appRequest(hostA);
    pool.prepareRequest(leases[0], first);
    pool.prepareRequest(leases[6], seventh);
    pool.prepareRequest(onApp, appRequest);
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    QCOMPARE(first.http1Configuration().numberOfConnectionsPerHost(), 6);
    QCOMPARE(seventh.http1Configuration().numberOfConnectionsPerHost(), 20);
    // The application's manager: more than six streams to a host, unless the request sets
    // its own limit.
    QCOMPARE(appRequest.http1Configuration().numberOfConnectionsPerHost(),
             ManagerPool::ApplicationConnectionsPerHost);
    QNetworkRequest chosen(hostA);
    QHttp1Configuration three;
    three.setNumberOfConnectionsPerHost(3);
    chosen.setHttp1Configuration(three);
    pool.prepareRequest(onApp, chosen);
    QCOMPARE(chosen.http1Configuration(), three);
#else
    QCOMPARE(first, QNetworkRequest(hostA));
    QCOMPARE(seventh, QNetworkRequest(hostA));
    QCOMPARE(appRequest, QNetworkRequest(hostA));
#endif
}

void tst_ManagerPool::handleLeasesAndReleases()
{
    ManagerPool pool(32);
    ManagerHandle handle([] {}, &pool);
    QCOMPARE(handle.manager(), nullptr);
    QNetworkRequest request(hostA);
    QNetworkAccessManager *lane = handle.acquire(hostA, &request);
    QVERIFY(lane);
    QVERIFY(handle.leaseIsPooled());
    QCOMPARE(handle.leasedManager(), lane);
    QCOMPARE(pool.count(lane, ManagerPool::hostKey(hostA)), 1);
    // A new stream ends the old lease first.
    QCOMPARE(handle.acquire(hostA), lane);
    QCOMPARE(pool.count(lane, ManagerPool::hostKey(hostA)), 1);
    handle.endLease();
    QCOMPARE(pool.count(lane, ManagerPool::hostKey(hostA)), 0);
    QCOMPARE(handle.leasedManager(), nullptr);

    QNetworkAccessManager app;
    handle.setManager(&app);
    QCOMPARE(handle.manager(), &app);
    QCOMPARE(handle.acquire(hostA), &app);
    QVERIFY(!handle.leaseIsPooled());
    handle.setManager(nullptr); // the stream stays where it is; the next uses a lane
    QCOMPARE(handle.leasedManager(), &app);
    QCOMPARE(handle.acquire(hostA), lane);
    QCOMPARE(pool.count(&app, ManagerPool::hostKey(hostA)), 0);
}

void tst_ManagerPool::handleStreamLostWhenTheApplicationManagerMoves()
{
    // moveToThread() takes the stream's reply along, out of the stream's thread: the stream is
    // told before, in its own thread, and a stream that has ended is not.
    ManagerPool pool(32);
    QNetworkAccessManager app;
    int lost = 0;
    ManagerHandle handle([&lost] { ++lost; }, &pool);
    handle.setManager(&app);
    QCOMPARE(handle.acquire(hostA), &app);
    QThread worker;
    worker.start();
    app.moveToThread(&worker);
    QCOMPARE(lost, 1);
    QMetaObject::invokeMethod(
            &app, [&app] { app.moveToThread(QCoreApplication::instance()->thread()); },
            Qt::BlockingQueuedConnection);
    QCOMPARE(app.thread(), QThread::currentThread());
    QCOMPARE(lost, 1); // no stream was on it
    QCOMPARE(handle.acquire(hostA), &app);
    handle.endLease();
    app.moveToThread(&worker);
    QCOMPARE(lost, 1);
    QMetaObject::invokeMethod(
            &app, [&app] { app.moveToThread(QCoreApplication::instance()->thread()); },
            Qt::BlockingQueuedConnection);
    worker.quit();
    QVERIFY(worker.wait(5000));
}

void tst_ManagerPool::handleOnDestroyedApplicationManagerGivesNone()
{
    ManagerPool pool(32);
    ManagerHandle handle([] {}, &pool);
    auto app = std::make_unique<QNetworkAccessManager>();
    handle.setManager(app.get());
    app.reset();
    QCOMPARE(handle.acquire(hostA), nullptr); // C-16: not silently another manager
    handle.setManager(nullptr);
    QVERIFY(handle.acquire(hostA));
}

void tst_ManagerPool::handleOnApplicationManagerOfAnotherThreadGivesNone()
{
    // QNAM is thread-affine: a stream never sends on a manager of another thread.
    ManagerPool pool(32);
    ManagerHandle handle([] {}, &pool);
    QNetworkAccessManager app;
    QThread worker;
    worker.start();
    app.moveToThread(&worker);
    handle.setManager(&app);
    QCOMPARE(handle.acquire(hostA), nullptr);
    QMetaObject::invokeMethod(
            &app, [&app] { app.moveToThread(QCoreApplication::instance()->thread()); },
            Qt::BlockingQueuedConnection);
    QCOMPARE(handle.acquire(hostA), &app);
    worker.quit();
    QVERIFY(worker.wait(5000));
}

void tst_ManagerPool::handleUsesThePoolOfItsThread()
{
    ManagerHandle handle([] {});
    QNetworkAccessManager *mine = handle.acquire(hostA);
    QCOMPARE(mine->parent(), ManagerPool::forCurrentThread());
    QCOMPARE(ManagerPool::forCurrentThread(), ManagerPool::forCurrentThread());

    QThread worker;
    worker.start();
    ManagerPool *theirs = nullptr;
    QPointer<QNetworkAccessManager> theirLane;
    auto *context = new QObject;
    context->moveToThread(&worker);
    QMetaObject::invokeMethod(
            context,
            [&] {
                theirs = ManagerPool::forCurrentThread();
                ManagerHandle workerHandle([] {});
                theirLane = workerHandle.acquire(hostA);
            },
            Qt::BlockingQueuedConnection);
    QVERIFY(theirs);
    QVERIFY(theirs != ManagerPool::forCurrentThread());
    QVERIFY(theirLane);
    QCOMPARE(theirLane->thread(), &worker);
    worker.quit();
    QVERIFY(worker.wait(5000));
    delete context; // its thread has finished

    QVERIFY(!theirLane); // the thread's pool went with the thread, and its lanes
}

QTEST_MAIN(tst_ManagerPool)
#include "tst_managerpool.moc"
