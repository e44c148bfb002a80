// SPDX-License-Identifier: MIT
// The manager pool: the per-host stream budget of shared network access managers, and one
// client's handle on its managers (own, shared, overflow, retired). No request is sent: a lease
// is all a stream needs from the pool.
#include "managerpool_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtTest/qtest.h>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using QtSse::ManagerHandle;
using QtSse::ManagerPool;

namespace {

const QUrl hostA(u"http://a.test/stream"_s);
const QUrl hostB(u"http://b.test/stream"_s);

// Runs the deleteLater()s posted so far.
void runDeferredDeletes()
{
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

// `manager` was replaced while the stream used it: it lives until that stream ends.
void verifyRetiredUntilTheLeaseEnds(ManagerHandle &handle,
                                    const QPointer<QNetworkAccessManager> &manager)
{
    runDeferredDeletes();
    QVERIFY(manager);
    handle.endLease();
    handle.deleteRetired();
    runDeferredDeletes();
    QVERIFY(!manager);
}

// A client's handle on a pool, with a manager to share.
struct Fixture
{
    ManagerPool pool;
    QNetworkAccessManager shared;
    QObject owner;
    ManagerHandle handle{ &owner, [] {}, &pool }; // destroyed first
};

// Clients that each hold a lease on `shared` to `url`, as streams of other sources would.
struct Streams
{
    Streams(ManagerPool *pool, QNetworkAccessManager *shared, const QUrl &url, int count)
    {
        for (int i = 0; i < count; ++i) {
            handles.push_back(std::make_unique<ManagerHandle>(&owner, [] {}, pool));
            handles.back()->setManager(shared);
            leased.push_back(handles.back()->acquire(url));
        }
    }
    QObject owner;
    std::vector<std::unique_ptr<ManagerHandle>> handles; // destroyed before owner
    std::vector<QNetworkAccessManager *> leased;
};

} // namespace

class tst_ManagerPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hostKey_data();
    void hostKey();
    void budgetPerManagerAndHost();
    void http2RaisesTheBudget();
    void http2ForgottenWithTheManager();
    void ownManagerCreatedOnFirstUse();
    void ownManagerIsNotCounted();
    void overflowBeyondTheSharedBudget();
    void endedLeaseFreesTheBudget();
    void noteHttp2OnSharedManager();
    void replacedOwnManagerRetiredWhileInUse();
    void replacedOwnManagerDeletedWhenIdle();
    void nullManagerMeansOwnAgain();
    void destroyedInjectedManagerGivesNone();
    void droppedOverflowGivesTheJarBack();
    void overflowRetiredWhileInUse();
    void sharedDestroyedUnderOverflowStream();
    void sharedDestroyedWhileOverflowIdle();
    void handleDestroyedBeforeSharedManager();
};

void tst_ManagerPool::hostKey_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("key");

    QTest::newRow("http") << QUrl(u"http://a.test/x?y"_s) << u"http://a.test:80"_s;
    QTest::newRow("https") << QUrl(u"https://a.test"_s) << u"https://a.test:443"_s;
    QTest::newRow("explicit default port") << QUrl(u"https://a.test:443/s"_s)
                                           << u"https://a.test:443"_s;
    QTest::newRow("other port") << QUrl(u"http://a.test:8080/"_s) << u"http://a.test:8080"_s;
    QTest::newRow("host case") << QUrl(u"http://A.Test/"_s) << u"http://a.test:80"_s;
}

void tst_ManagerPool::hostKey()
{
    QFETCH(QUrl, url);
    QFETCH(QString, key);
    QCOMPARE(ManagerPool::hostKey(url), key);
}

void tst_ManagerPool::budgetPerManagerAndHost()
{
    ManagerPool pool;
    QNetworkAccessManager first;
    QNetworkAccessManager second;
    const QString a = ManagerPool::hostKey(hostA);
    const QString b = ManagerPool::hostKey(hostB);
    for (int i = 0; i < ManagerPool::StreamsPerHost; ++i)
        QVERIFY(pool.tryAcquire(&first, a));
    QVERIFY(!pool.tryAcquire(&first, a));
    QCOMPARE(pool.count(&first, a), ManagerPool::StreamsPerHost);
    QVERIFY(pool.tryAcquire(&first, b));   // another host has its own budget
    QVERIFY(pool.tryAcquire(&second, a));  // and so has another manager
    pool.release(&first, a);
    QCOMPARE(pool.count(&first, a), ManagerPool::StreamsPerHost - 1);
    QVERIFY(pool.tryAcquire(&first, a));
    pool.release(&second, a);
    pool.release(&second, a); // more releases than acquires: stays at zero
    QCOMPARE(pool.count(&second, a), 0);
}

void tst_ManagerPool::http2RaisesTheBudget()
{
    ManagerPool pool;
    QNetworkAccessManager shared;
    const QString a = ManagerPool::hostKey(hostA);
    QVERIFY(!pool.isHttp2(&shared, a));
    pool.markHttp2(&shared, a);
    QVERIFY(pool.isHttp2(&shared, a));
    QVERIFY(!pool.isHttp2(&shared, ManagerPool::hostKey(hostB)));
    for (int i = 0; i < ManagerPool::Http2StreamsPerHost; ++i)
        QVERIFY(pool.tryAcquire(&shared, a));
    QVERIFY(!pool.tryAcquire(&shared, a));
}

void tst_ManagerPool::http2ForgottenWithTheManager()
{
    ManagerPool pool;
    auto *shared = new QNetworkAccessManager;
    const QString a = ManagerPool::hostKey(hostA);
    pool.markHttp2(shared, a);
    pool.markHttp2(shared, a); // marking twice is harmless
    QNetworkAccessManager *const dead = shared;
    delete shared;
    QVERIFY(!pool.isHttp2(dead, a));
}

void tst_ManagerPool::ownManagerCreatedOnFirstUse()
{
    Fixture f;
    QCOMPARE(f.handle.manager(), nullptr);
    QNetworkAccessManager *own = f.handle.acquire(hostA);
    QVERIFY(own);
    QCOMPARE(own->parent(), &f.owner);
    QCOMPARE(f.handle.manager(), own);
    f.handle.endLease();
    QCOMPARE(f.handle.acquire(hostB), own);
}

void tst_ManagerPool::ownManagerIsNotCounted()
{
    Fixture f;
    QNetworkAccessManager *own = f.handle.acquire(hostA);
    QCOMPARE(f.pool.count(own, ManagerPool::hostKey(hostA)), 0);
    f.handle.noteHttp2(hostA); // one stream at a time on an own manager: nothing to share
    QVERIFY(!f.pool.isHttp2(own, ManagerPool::hostKey(hostA)));
}

void tst_ManagerPool::overflowBeyondTheSharedBudget()
{
    Fixture f;
    f.shared.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, u"proxy.test"_s, 3128));
    QNetworkCookieJar *jar = f.shared.cookieJar();
    Streams others(&f.pool, &f.shared, hostA, ManagerPool::StreamsPerHost);
    for (QNetworkAccessManager *leased : others.leased)
        QCOMPARE(leased, &f.shared);

    f.handle.setManager(&f.shared);
    QCOMPARE(f.handle.manager(), &f.shared);
    QNetworkAccessManager *overflow = f.handle.acquire(hostA);
    QVERIFY(overflow);
    QVERIFY(overflow != &f.shared);
    QCOMPARE(f.handle.overflowManager(), overflow);
    QCOMPARE(overflow->parent(), &f.owner);
    QCOMPARE(overflow->cookieJar(), jar); // shared ...
    QCOMPARE(jar->parent(), &f.shared);   // ... and still owned by the shared manager
    QCOMPARE(overflow->proxy(), f.shared.proxy());
    QCOMPARE(f.pool.count(&f.shared, ManagerPool::hostKey(hostA)), ManagerPool::StreamsPerHost);

    // Another host still fits on the shared manager.
    f.handle.endLease();
    QCOMPARE(f.handle.acquire(hostB), &f.shared);
    f.handle.endLease();
    // The same overflow manager serves the next stream past the budget.
    QCOMPARE(f.handle.acquire(hostA), overflow);
}

void tst_ManagerPool::endedLeaseFreesTheBudget()
{
    Fixture f;
    Streams others(&f.pool, &f.shared, hostA, ManagerPool::StreamsPerHost);
    f.handle.setManager(&f.shared);
    QVERIFY(f.handle.acquire(hostA) != &f.shared);
    f.handle.endLease();

    others.handles.front()->endLease();
    others.handles.front()->endLease(); // ending twice releases once
    QCOMPARE(f.pool.count(&f.shared, ManagerPool::hostKey(hostA)), ManagerPool::StreamsPerHost - 1);
    QCOMPARE(f.handle.acquire(hostA), &f.shared);
    QCOMPARE(f.pool.count(&f.shared, ManagerPool::hostKey(hostA)), ManagerPool::StreamsPerHost);
}

void tst_ManagerPool::noteHttp2OnSharedManager()
{
    Fixture f;
    f.handle.setManager(&f.shared);
    QCOMPARE(f.handle.acquire(hostA), &f.shared);
    f.handle.noteHttp2(hostA);
    QVERIFY(f.pool.isHttp2(&f.shared, ManagerPool::hostKey(hostA)));
    // Streams of other clients to that host now share the manager well past four.
    Streams others(&f.pool, &f.shared, hostA, ManagerPool::Http2StreamsPerHost - 1);
    for (QNetworkAccessManager *leased : others.leased)
        QCOMPARE(leased, &f.shared);
    Streams oneMore(&f.pool, &f.shared, hostA, 1);
    QVERIFY(oneMore.leased.front() != &f.shared);
}

void tst_ManagerPool::replacedOwnManagerRetiredWhileInUse()
{
    Fixture f;
    const QPointer<QNetworkAccessManager> own = f.handle.acquire(hostA);
    f.handle.setManager(&f.shared);
    QCOMPARE(f.handle.manager(), &f.shared);
    verifyRetiredUntilTheLeaseEnds(f.handle, own);
}

void tst_ManagerPool::replacedOwnManagerDeletedWhenIdle()
{
    Fixture f;
    const QPointer<QNetworkAccessManager> own = f.handle.acquire(hostA);
    f.handle.endLease();
    f.handle.setManager(&f.shared);
    runDeferredDeletes();
    QVERIFY(!own);
}

void tst_ManagerPool::nullManagerMeansOwnAgain()
{
    Fixture f;
    f.handle.setManager(&f.shared);
    f.handle.setManager(nullptr);
    QCOMPARE(f.handle.manager(), nullptr);
    QNetworkAccessManager *own = f.handle.acquire(hostA);
    QVERIFY(own);
    QVERIFY(own != &f.shared);
    QCOMPARE(own->parent(), &f.owner);
    QCOMPARE(f.pool.count(&f.shared, ManagerPool::hostKey(hostA)), 0);
}

void tst_ManagerPool::destroyedInjectedManagerGivesNone()
{
    ManagerPool pool;
    QObject owner;
    ManagerHandle handle(&owner, [] {}, &pool);
    auto *shared = new QNetworkAccessManager;
    handle.setManager(shared);
    delete shared;
    QCOMPARE(handle.manager(), nullptr);
    QCOMPARE(handle.acquire(hostA), nullptr); // not a manager of its own in its place (C-16)
}

void tst_ManagerPool::droppedOverflowGivesTheJarBack()
{
    Fixture f;
    const QPointer<QNetworkCookieJar> jar = f.shared.cookieJar();
    Streams others(&f.pool, &f.shared, hostA, ManagerPool::StreamsPerHost);
    f.handle.setManager(&f.shared);
    const QPointer<QNetworkAccessManager> overflow = f.handle.acquire(hostA);
    QVERIFY(overflow && overflow != &f.shared);
    f.handle.endLease();
    f.handle.setManager(nullptr);
    QCOMPARE(f.handle.overflowManager(), nullptr);
    runDeferredDeletes();
    QVERIFY(!overflow);
    QVERIFY(jar);
    QCOMPARE(f.shared.cookieJar(), jar.data());
}

void tst_ManagerPool::overflowRetiredWhileInUse()
{
    Fixture f;
    QNetworkAccessManager other;
    Streams others(&f.pool, &f.shared, hostA, ManagerPool::StreamsPerHost);
    f.handle.setManager(&f.shared);
    const QPointer<QNetworkAccessManager> overflow = f.handle.acquire(hostA);
    f.handle.setManager(&other);
    QVERIFY(overflow->cookieJar() != f.shared.cookieJar()); // the jar went back at once
    verifyRetiredUntilTheLeaseEnds(f.handle, overflow);
    QVERIFY(f.shared.cookieJar());
}

void tst_ManagerPool::sharedDestroyedUnderOverflowStream()
{
    ManagerPool pool;
    auto *shared = new QNetworkAccessManager;
    auto others = std::make_unique<Streams>(&pool, shared, hostA, ManagerPool::StreamsPerHost);
    QObject owner;
    int lost = 0;
    std::unique_ptr<ManagerHandle> handle;
    handle = std::make_unique<ManagerHandle>(&owner, [&] {
        ++lost;
        handle->endLease(); // as the client does when its stream ends
    }, &pool);
    handle->setManager(shared);
    const QPointer<QNetworkAccessManager> overflow = handle->acquire(hostA);
    QVERIFY(overflow && overflow != shared);
    delete shared;
    QCOMPARE(lost, 1);
    QCOMPARE(handle->overflowManager(), nullptr);
    runDeferredDeletes();
    QVERIFY(!overflow);
    QCOMPARE(handle->acquire(hostA), nullptr);
    handle.reset();
}

void tst_ManagerPool::sharedDestroyedWhileOverflowIdle()
{
    ManagerPool pool;
    auto *shared = new QNetworkAccessManager;
    Streams others(&pool, shared, hostA, ManagerPool::StreamsPerHost);
    QObject owner;
    int lost = 0;
    ManagerHandle handle(&owner, [&] { ++lost; }, &pool);
    handle.setManager(shared);
    const QPointer<QNetworkAccessManager> overflow = handle.acquire(hostA);
    handle.endLease();
    delete shared;
    QCOMPARE(lost, 0);
    runDeferredDeletes();
    QVERIFY(!overflow);
}

void tst_ManagerPool::handleDestroyedBeforeSharedManager()
{
    ManagerPool pool;
    QObject owner;
    int lost = 0;
    auto *shared = new QNetworkAccessManager;
    {
        ManagerHandle handle(&owner, [&] { ++lost; }, &pool);
        handle.setManager(shared);
        QCOMPARE(handle.acquire(hostA), shared);
        // Destroyed with its lease held: the lease ends, and the handle stops listening.
    }
    QCOMPARE(pool.count(shared, ManagerPool::hostKey(hostA)), 0);
    delete shared;
    QCOMPARE(lost, 0);
}

QTEST_GUILESS_MAIN(tst_ManagerPool)

#include "tst_managerpool.moc"
