// SPDX-License-Identifier: MIT
// EpollEventDispatcher, the epoll event dispatcher of threads that watch many sockets, keeping
// the semantics of Qt's own: the whole test runs on it in the main thread (main() installs it
// before QCoreApplication exists, so QTest's own waits run on it too), and most scenarios run
// again in a QThread given one. Real descriptors throughout: QTcpSocket pairs over loopback
// exchanging data, QSocketNotifiers on socketpairs and pipes (hang-up and error), 2,000 idle
// notifiers beside a busy pair, notifiers disabled or deleted by another's activation in the
// same wake-up; timers of each type never firing before they may, zero-interval timers that
// starve nothing, timers killed or restarted from timerEvent(), thousands of timers; posted
// events, deleteLater(), wakeUp() and interrupt() from another thread, QThread::quit().
#include "epolleventdispatcher_p.h"

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qpointer.h>
#include <QtCore/qrandom.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qtemporaryfile.h>
#include <QtCore/qthread.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using QtSse::EpollEventDispatcher;

namespace {

// A thread whose event loop runs on an EpollEventDispatcher; quit and joined when destroyed.
class EpollThread : public QThread
{
public:
    EpollThread() { setEventDispatcher(new EpollEventDispatcher); }
    ~EpollThread() override
    {
        quit();
        wait();
    }
};

// One test's work, done in the thread the scenario lives in: its body makes what it needs as
// the scenario's children (and descriptors through socketPair()/pipe()) and calls finish(),
// with what went wrong or nothing.
class Scenario : public QObject
{
    Q_OBJECT
public:
    using Body = std::function<void(Scenario *)>;
    explicit Scenario(Body body) : m_body(std::move(body)) { }
    ~Scenario() override
    {
        // The notifiers go before their descriptors are closed.
        const QObjectList kids = children();
        qDeleteAll(kids);
        for (const int fd : m_fds)
            ::close(fd);
    }

    void start() { m_body(this); }

    void finish(const QString &failure = QString())
    {
        if (m_finished)
            return;
        m_finished = true;
        Q_EMIT finished(failure);
    }

    // Finishes with `why` unless `condition`; returns whether it failed.
    bool fails(bool condition, const QString &why)
    {
        if (!condition)
            finish(why);
        return !condition;
    }

    std::array<int, 2> socketPair()
    {
        std::array<int, 2> fds = { -1, -1 };
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()) != 0)
            qFatal("socketpair: %s", qPrintable(qt_error_string(errno)));
        m_fds.push_back(fds[0]);
        m_fds.push_back(fds[1]);
        return fds;
    }

    std::array<int, 2> pipe()
    {
        std::array<int, 2> fds = { -1, -1 };
        if (::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) != 0)
            qFatal("pipe2: %s", qPrintable(qt_error_string(errno)));
        m_fds.push_back(fds[0]);
        m_fds.push_back(fds[1]);
        return fds;
    }

    void closeFd(int fd)
    {
        m_fds.erase(std::find(m_fds.begin(), m_fds.end(), fd));
        ::close(fd);
    }

    // A notifier of this scenario counting its activations in `*count`.
    QSocketNotifier *notifier(int fd, QSocketNotifier::Type type, std::shared_ptr<int> count)
    {
        auto *n = new QSocketNotifier(fd, type, this);
        connect(n, &QSocketNotifier::activated, this, [count] { ++*count; });
        return n;
    }

Q_SIGNALS:
    void finished(const QString &failure);

private:
    Body m_body;
    std::vector<int> m_fds;
    bool m_finished = false;
};

// Counts its timer events by id; `onTimer` (if any) runs in each.
class TimerProbe : public QObject
{
public:
    std::function<void(TimerProbe *, int)> onTimer;
    QList<int> fired;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        fired.append(event->timerId());
        if (onTimer)
            onTimer(this, event->timerId());
    }
};

QString toString(const QList<int> &list)
{
    QStringList parts;
    for (const int i : list)
        parts.append(QString::number(i));
    return parts.join(u' ');
}

bool writeByte(int fd, char c = 'x')
{
    return ::write(fd, &c, 1) == 1;
}

// Everything readable now (0: end of file; -1: nothing).
qsizetype readAll(int fd)
{
    char buffer[4096];
    qsizetype total = -1;
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0)
            return n == 0 && total < 0 ? 0 : total;
        total = qMax<qsizetype>(total, 0) + n;
    }
}

QList<int> timerIdsOf(QObject *object)
{
    QList<int> ids;
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
    const auto infos = QAbstractEventDispatcher::instance()->timersForObject(object);
    for (const auto &info : infos)
        ids.append(qToUnderlying(info.timerId));
#else
    const auto infos = QAbstractEventDispatcher::instance()->registeredTimers(object);
    for (const auto &info : infos)
        ids.append(info.timerId);
#endif
    std::sort(ids.begin(), ids.end());
    return ids;
}

} // namespace

class tst_EpollEventDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void tcpExchange_data() { placements(); }
    void tcpExchange();
    void tcpReset_data() { placements(); }
    void tcpReset();
    void connectionRefused_data() { placements(); }
    void connectionRefused();
    void hangUpActivatesRead_data() { placements(); }
    void hangUpActivatesRead();
    void errorActivatesWrite_data() { placements(); }
    void errorActivatesWrite();
    void readAndWriteOnOneDescriptor_data() { placements(); }
    void readAndWriteOnOneDescriptor();
    void manyIdleNotifiers_data() { placements(); }
    void manyIdleNotifiers();
    void notifierGoneInSameWakeUp_data();
    void notifierGoneInSameWakeUp();
    void excludeSocketNotifiers();
    void descriptorNumberReused();
    void regularFileAlwaysReady();

    void timersNeverEarly_data();
    void timersNeverEarly();
    void coarsePlacement_data();
    void coarsePlacement();
    void repeatingTimerDoesNotDrift_data() { placements(); }
    void repeatingTimerDoesNotDrift();
    void zeroTimersStarveNothing_data() { placements(); }
    void zeroTimersStarveNothing();
    void singleShotZero_data() { placements(); }
    void singleShotZero();
    void killedInAnotherTimersEvent_data();
    void killedInAnotherTimersEvent();
    void restartedFromOwnEvent_data() { placements(); }
    void restartedFromOwnEvent();
    void noRecursionIntoOwnEvent_data() { placements(); }
    void noRecursionIntoOwnEvent();
    void thousandsOfTimers_data() { placements(); }
    void thousandsOfTimers();
    void timerBookkeeping_data() { placements(); }
    void timerBookkeeping();

    void postedEventsAndDeleteLater_data() { placements(); }
    void postedEventsAndDeleteLater();
    void wakeUpFromAnotherThread_data();
    void wakeUpFromAnotherThread();
    void quitThread();
    void noWakeUpLost();

private:
    static void placements();
    void runScenario(Scenario::Body body, int timeoutMs = 60000);
};

void tst_EpollEventDispatcher::placements()
{
    QTest::addColumn<bool>("inWorker");
    QTest::newRow("main thread") << false;
    QTest::newRow("worker thread") << true;
}

// Runs `body` as a Scenario in the main thread or in an EpollThread, as the row says, and
// fails with what it reports.
void tst_EpollEventDispatcher::runScenario(Scenario::Body body, int timeoutMs)
{
    QFETCH(bool, inWorker);
    std::unique_ptr<EpollThread> thread;
    auto *scenario = new Scenario(std::move(body));
    if (inWorker) {
        thread = std::make_unique<EpollThread>();
        thread->start();
        scenario->moveToThread(thread.get());
    }
    std::optional<QString> result;
    QObject receiver;
    connect(scenario, &Scenario::finished, &receiver,
            [&result](const QString &failure) { result = failure; });
    QMetaObject::invokeMethod(
            scenario, [scenario] { scenario->start(); }, Qt::QueuedConnection);
    const bool done = QTest::qWaitFor([&result] { return result.has_value(); }, timeoutMs);
    // Deleted in its own thread, with what it made.
    if (inWorker) {
        QMetaObject::invokeMethod(
                scenario, [scenario] { delete scenario; }, Qt::BlockingQueuedConnection);
    } else {
        delete scenario;
    }
    QVERIFY2(done, "the scenario did not finish");
    QVERIFY2(result->isEmpty(), qPrintable(*result));
}

void tst_EpollEventDispatcher::initTestCase()
{
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    EpollThread thread;
    thread.start();
    std::atomic<bool> epoll{ false };
    // The thread's dispatcher lives in it: a context for code run there.
    QMetaObject::invokeMethod(
            thread.eventDispatcher(),
            [&epoll] {
                epoll = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance())
                        != nullptr;
            },
            Qt::BlockingQueuedConnection);
    QVERIFY(epoll);
}

// ---- Sockets

// A client sends 512 KiB, the server's socket echoes it, the client closes when all came back:
// read and write notifiers on one descriptor, both busy, then an end of stream.
void tst_EpollEventDispatcher::tcpExchange()
{
    runScenario([](Scenario *self) {
        auto *server = new QTcpServer(self);
        if (self->fails(server->listen(QHostAddress::LocalHost),
                        u"listen: "_s + server->errorString()))
            return;
        QByteArray payload(512 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char(i * 7 + i / 251);
        auto received = std::make_shared<QByteArray>();
        QObject::connect(server, &QTcpServer::newConnection, self, [=] {
            QTcpSocket *peer = server->nextPendingConnection();
            QObject::connect(peer, &QTcpSocket::readyRead, peer,
                             [peer] { peer->write(peer->readAll()); });
            QObject::connect(peer, &QTcpSocket::disconnected, self, [=] {
                self->finish(*received == payload
                                     ? QString()
                                     : u"the echo differs: %1 bytes"_s.arg(received->size()));
            });
        });
        auto *client = new QTcpSocket(self);
        QObject::connect(client, &QTcpSocket::connected, self, [=] { client->write(payload); });
        QObject::connect(client, &QTcpSocket::readyRead, self, [=] {
            received->append(client->readAll());
            if (received->size() >= payload.size())
                client->disconnectFromHost();
        });
        QObject::connect(client, &QTcpSocket::errorOccurred, self,
                         [=](QAbstractSocket::SocketError error) {
                             if (error != QAbstractSocket::RemoteHostClosedError)
                                 self->finish(u"client: "_s + client->errorString());
                         });
        client->connectToHost(QHostAddress::LocalHost, server->serverPort());
    });
}

// The server resets the connection (SO_LINGER 0): the idle client's read notifier sees the
// error and the socket tells of it.
void tst_EpollEventDispatcher::tcpReset()
{
    runScenario([](Scenario *self) {
        auto *server = new QTcpServer(self);
        if (self->fails(server->listen(QHostAddress::LocalHost),
                        u"listen: "_s + server->errorString()))
            return;
        auto *client = new QTcpSocket(self);
        auto errors = std::make_shared<int>(0);
        QObject::connect(server, &QTcpServer::newConnection, self, [=] {
            QTcpSocket *peer = server->nextPendingConnection();
            // Once the client has the first bytes (it is connected and reading), reset.
            peer->write("hello");
            QObject::connect(client, &QTcpSocket::readyRead, peer, [=] {
                client->readAll();
                const linger reset = { 1, 0 };
                ::setsockopt(int(peer->socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset,
                             sizeof reset);
                peer->abort();
            });
        });
        QObject::connect(client, &QTcpSocket::errorOccurred, self, [=] { ++*errors; });
        QObject::connect(client, &QTcpSocket::disconnected, self, [=] {
            self->finish(*errors > 0 ? QString() : u"disconnected without an error"_s);
        });
        client->connectToHost(QHostAddress::LocalHost, server->serverPort());
    });
}

// A connection to a port nobody listens on fails as refused.
void tst_EpollEventDispatcher::connectionRefused()
{
    runScenario([](Scenario *self) {
        quint16 port = 0;
        {
            QTcpServer server;
            if (self->fails(server.listen(QHostAddress::LocalHost), u"listen"_s))
                return;
            port = server.serverPort();
        }
        auto *client = new QTcpSocket(self);
        QObject::connect(client, &QTcpSocket::errorOccurred, self,
                         [=](QAbstractSocket::SocketError error) {
                             self->finish(error == QAbstractSocket::ConnectionRefusedError
                                                  ? QString()
                                                  : u"not refused: "_s + client->errorString());
                         });
        QObject::connect(client, &QTcpSocket::connected, self,
                         [=] { self->finish(u"connected"_s); });
        client->connectToHost(QHostAddress::LocalHost, port);
    });
}

// A pipe whose writer is gone reports only a hang-up (no data): the reader's Read notifier is
// activated, and reads the end of file.
void tst_EpollEventDispatcher::hangUpActivatesRead()
{
    runScenario([](Scenario *self) {
        const auto fds = self->pipe();
        auto *reader = new QSocketNotifier(fds[0], QSocketNotifier::Read, self);
        QObject::connect(reader, &QSocketNotifier::activated, self, [=] {
            reader->setEnabled(false);
            self->finish(readAll(fds[0]) == 0 ? QString() : u"no end of file"_s);
        });
        self->closeFd(fds[1]);
    });
}

// A full pipe is not writable: its Write notifier stays quiet until the reader goes, then the
// error (epoll's EPOLLERR alone) activates it.
void tst_EpollEventDispatcher::errorActivatesWrite()
{
    runScenario([](Scenario *self) {
        const auto fds = self->pipe();
        const QByteArray block(4096, 'p');
        while (::write(fds[1], block.constData(), size_t(block.size())) > 0) { }
        auto writes = std::make_shared<int>(0);
        auto *writer = self->notifier(fds[1], QSocketNotifier::Write, writes);
        // Had the pipe been seen writable, the notifier would have been activated before a
        // timer that starts after it was registered.
        QTimer::singleShot(50, self, [=] {
            if (self->fails(*writes == 0, u"a full pipe seen writable"_s))
                return;
            QObject::connect(writer, &QSocketNotifier::activated, self, [=] {
                writer->setEnabled(false);
                self->finish();
            });
            self->closeFd(fds[0]);
        });
    });
}

// Read and Write notifiers on one descriptor, enabled and disabled independently.
void tst_EpollEventDispatcher::readAndWriteOnOneDescriptor()
{
    runScenario([](Scenario *self) {
        const auto fds = self->socketPair();
        auto reads = std::make_shared<int>(0);
        auto writes = std::make_shared<int>(0);
        auto *reader = self->notifier(fds[0], QSocketNotifier::Read, reads);
        auto *writer = self->notifier(fds[0], QSocketNotifier::Write, writes);
        // 1. Writable at once, nothing to read: the writer only; then the writer is disabled.
        QObject::connect(writer, &QSocketNotifier::activated, self, [=] {
            writer->setEnabled(false);
            if (*writes != 1)
                return;
            QTimer::singleShot(30, self, [=] {
                if (self->fails(*reads == 0 && *writes == 1,
                                u"1: reads %1, writes %2"_s.arg(*reads).arg(*writes)))
                    return;
                // 2. Data arrives: the reader only (the writer is disabled).
                writeByte(fds[1]);
            });
        });
        QObject::connect(reader, &QSocketNotifier::activated, self, [=] {
            if (*reads == 1) {
                // 3. The reader disabled with data still there: quiet; the writer enabled:
                // active.
                reader->setEnabled(false);
                writer->setEnabled(true);
                QTimer::singleShot(30, self, [=] {
                    if (self->fails(*reads == 1 && *writes >= 2,
                                    u"3: reads %1, writes %2"_s.arg(*reads).arg(*writes)))
                        return;
                    writer->setEnabled(false);
                    // 4. The reader enabled again: the byte is still there (level-triggered).
                    reader->setEnabled(true);
                });
            } else if (*reads == 2) {
                reader->setEnabled(false);
                self->finish(readAll(fds[0]) == 1 ? QString() : u"4: not one byte"_s);
            }
        });
    });
}

// 2,000 idle notifiers (1,000 socketpairs, both ends), some disabled and enabled again as it
// goes, beside one pair ping-ponging 500 round trips: every byte goes where it should and no
// idle notifier is ever activated.
void tst_EpollEventDispatcher::manyIdleNotifiers()
{
    runScenario([](Scenario *self) {
        constexpr int IdleNotifiers = 2000;
        constexpr int RoundTrips = 500;
        auto idleActivations = std::make_shared<int>(0);
        auto idle = std::make_shared<std::vector<QSocketNotifier *>>();
        for (int i = 0; i < IdleNotifiers / 2; ++i) {
            const auto fds = self->socketPair();
            idle->push_back(self->notifier(fds[0], QSocketNotifier::Read, idleActivations));
            idle->push_back(self->notifier(fds[1], QSocketNotifier::Read, idleActivations));
        }
        const auto pair = self->socketPair();
        auto rounds = std::make_shared<int>(0);
        auto *ping = new QSocketNotifier(pair[0], QSocketNotifier::Read, self);
        auto *pong = new QSocketNotifier(pair[1], QSocketNotifier::Read, self);
        QObject::connect(pong, &QSocketNotifier::activated, self, [=] {
            if (self->fails(readAll(pair[1]) == 1, u"pong: not one byte"_s))
                return;
            writeByte(pair[1]);
        });
        QObject::connect(ping, &QSocketNotifier::activated, self, [=] {
            if (self->fails(readAll(pair[0]) == 1, u"ping: not one byte"_s))
                return;
            // Registration churn among the idle ones.
            (*idle)[size_t(*rounds % IdleNotifiers)]->setEnabled(false);
            (*idle)[size_t((*rounds + IdleNotifiers - 1) % IdleNotifiers)]->setEnabled(true);
            if (++*rounds == RoundTrips) {
                ping->setEnabled(false);
                pong->setEnabled(false);
                self->finish(*idleActivations == 0
                                     ? QString()
                                     : u"%1 idle activations"_s.arg(*idleActivations));
                return;
            }
            writeByte(pair[0]);
        });
        writeByte(pair[0]);
    });
}

void tst_EpollEventDispatcher::notifierGoneInSameWakeUp_data()
{
    QTest::addColumn<bool>("inWorker");
    QTest::addColumn<int>("mode"); // 0: deleted, 1: disabled, 2: disabled and enabled again
    for (const bool inWorker : { false, true }) {
        const char *where = inWorker ? "worker" : "main";
        QTest::addRow("deleted, %s", where) << inWorker << 0;
        QTest::addRow("disabled, %s", where) << inWorker << 1;
        QTest::addRow("enabled again, %s", where) << inWorker << 2;
    }
}

// Two notifiers ready in the same wake-up: whichever is activated first deletes (or disables)
// the other, which must then not be activated (ASan: nor touched); one disabled and enabled
// again is a new registration, activated by a later wake-up only.
void tst_EpollEventDispatcher::notifierGoneInSameWakeUp()
{
    QFETCH(int, mode);
    runScenario([mode](Scenario *self) {
        const auto first = self->socketPair();
        const auto second = self->socketPair();
        auto wakeUps = std::make_shared<int>(0);
        QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::awake,
                         self, [=] { ++*wakeUps; });
        auto activations = std::make_shared<QList<int>>(); // the wake-up of each
        auto notifiers = std::make_shared<std::array<QPointer<QSocketNotifier>, 2>>();
        for (int i = 0; i < 2; ++i) {
            const int fd = i == 0 ? first[0] : second[0];
            auto *n = new QSocketNotifier(fd, QSocketNotifier::Read, self);
            (*notifiers)[size_t(i)] = n;
            QObject::connect(n, &QSocketNotifier::activated, self, [=] {
                activations->append(*wakeUps);
                n->setEnabled(false);
                QSocketNotifier *other = (*notifiers)[size_t(1 - i)];
                if (!other || activations->size() > 1)
                    return;
                if (mode == 0) {
                    delete other;
                } else {
                    other->setEnabled(false);
                    if (mode == 2)
                        other->setEnabled(true);
                }
            });
        }
        // Both readable before the dispatcher waits again.
        writeByte(first[1]);
        writeByte(second[1]);
        QTimer::singleShot(50, self, [=] {
            const bool ok = mode == 2
                    ? activations->size() == 2 && activations->at(1) > activations->at(0)
                    : activations->size() == 1;
            self->finish(ok ? QString()
                            : u"activations in wake-ups %1"_s.arg(toString(*activations)));
        });
    });
}

// processEvents(ExcludeSocketNotifiers) leaves a ready notifier alone, and waits for a
// wake-up rather than for the ready descriptor; the next processEvents() activates it.
void tst_EpollEventDispatcher::excludeSocketNotifiers()
{
    auto *dispatcher = QAbstractEventDispatcher::instance();
    std::array<int, 2> fds = { -1, -1 };
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()), 0);
    const auto closeFds = qScopeGuard([&fds] {
        ::close(fds[0]);
        ::close(fds[1]);
    });
    int reads = 0;
    {
        QSocketNotifier notifier(fds[0], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, &notifier, [&] {
            ++reads;
            readAll(fds[0]);
        });
        QVERIFY(writeByte(fds[1]));
        for (int i = 0; i < 3; ++i)
            dispatcher->processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(reads, 0);
        // Waiting: a posted event's wake-up ends the wait (the ready descriptor would not).
        bool posted = false;
        QMetaObject::invokeMethod(
                &notifier, [&posted] { posted = true; }, Qt::QueuedConnection);
        dispatcher->processEvents(QEventLoop::ExcludeSocketNotifiers
                                  | QEventLoop::WaitForMoreEvents);
        QVERIFY(posted);
        QCOMPARE(reads, 0);
        QTRY_COMPARE(reads, 1);
    }
}

// A descriptor closed while its notifier is enabled (the kernel forgets it), its number reused
// by a new socket with a notifier of the same type: the new one is watched (Qt warns of two
// notifiers, as its own dispatcher does).
void tst_EpollEventDispatcher::descriptorNumberReused()
{
    std::array<int, 2> old = { -1, -1 };
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, old.data()), 0);
    auto stale = std::make_unique<QSocketNotifier>(old[0], QSocketNotifier::Read);
    ::close(old[0]);
    ::close(old[1]);
    std::array<int, 2> fds = { -1, -1 };
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()), 0);
    const auto closeFds = qScopeGuard([&fds] {
        ::close(fds[0]);
        ::close(fds[1]);
    });
    if (fds[0] != old[0] && fds[1] != old[0])
        QSKIP("the descriptor number was not reused");
    const int reused = fds[0] == old[0] ? 0 : 1;
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(u"Multiple socket notifiers for same socket"_s));
    int reads = 0;
    {
        QSocketNotifier notifier(fds[size_t(reused)], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, &notifier, [&] {
            ++reads;
            readAll(fds[size_t(reused)]);
        });
        QVERIFY(writeByte(fds[size_t(1 - reused)]));
        QTRY_COMPARE(reads, 1);
        stale.reset(); // not the registered one any more: changes nothing
        QVERIFY(writeByte(fds[size_t(1 - reused)]));
        QTRY_COMPARE(reads, 2);
    }
}

// epoll refuses regular files; poll() says they are always ready, and so does the dispatcher.
void tst_EpollEventDispatcher::regularFileAlwaysReady()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    QVERIFY(file.write("data") == 4);
    QVERIFY(file.flush());
    int reads = 0;
    int writes = 0;
    QSocketNotifier reader(file.handle(), QSocketNotifier::Read);
    QSocketNotifier writer(file.handle(), QSocketNotifier::Write);
    connect(&reader, &QSocketNotifier::activated, &reader, [&] {
        if (++reads == 3)
            reader.setEnabled(false);
    });
    connect(&writer, &QSocketNotifier::activated, &writer, [&] {
        if (++writes == 3)
            writer.setEnabled(false);
    });
    QTRY_COMPARE(reads, 3);
    QTRY_COMPARE(writes, 3);
}

// ---- Timers

void tst_EpollEventDispatcher::timersNeverEarly_data()
{
    QTest::addColumn<bool>("inWorker");
    QTest::addColumn<Qt::TimerType>("type");
    QTest::addColumn<int>("interval");
    QTest::addColumn<int>("earliest"); // ms after start()
    for (const bool inWorker : { false, true }) {
        const char *where = inWorker ? "worker" : "main";
        QTest::addRow("precise 1 ms, %s", where) << inWorker << Qt::PreciseTimer << 1 << 1;
        QTest::addRow("precise 37 ms, %s", where) << inWorker << Qt::PreciseTimer << 37 << 37;
        QTest::addRow("coarse 15 ms, %s", where) << inWorker << Qt::CoarseTimer << 15 << 15;
        QTest::addRow("coarse 130 ms, %s", where) << inWorker << Qt::CoarseTimer << 130 << 130;
        // Rounded to the nearest second: 1.4 s is 1 s, 1.5 s is 2 s.
        QTest::addRow("very coarse 1400 ms, %s", where)
                << inWorker << Qt::VeryCoarseTimer << 1400 << 1000;
        QTest::addRow("very coarse 1500 ms, %s", where)
                << inWorker << Qt::VeryCoarseTimer << 1500 << 2000;
        // Under half a second: coarse.
        QTest::addRow("very coarse 300 ms, %s", where)
                << inWorker << Qt::VeryCoarseTimer << 300 << 300;
    }
}

// A single-shot timer of each type fires, and never before it may: ours never fire early
// (Qt's coarse timers may, by 5%), very coarse ones keep whole seconds.
void tst_EpollEventDispatcher::timersNeverEarly()
{
    QFETCH(Qt::TimerType, type);
    QFETCH(int, interval);
    QFETCH(int, earliest);
    runScenario([=](Scenario *self) {
        auto *timer = new QTimer(self);
        timer->setSingleShot(true);
        timer->setTimerType(type);
        auto clock = std::make_shared<QElapsedTimer>();
        QObject::connect(timer, &QTimer::timeout, self, [=] {
            const qint64 elapsed = clock->elapsed();
            self->finish(elapsed >= earliest
                                 ? QString()
                                 : u"fired after %1 ms, before %2 ms"_s.arg(elapsed).arg(earliest));
        });
        clock->start();
        timer->start(interval);
    });
}

void tst_EpollEventDispatcher::coarsePlacement_data()
{
    QTest::addColumn<bool>("inWorker");
    QTest::addColumn<Qt::TimerType>("type");
    QTest::addColumn<int>("interval");
    QTest::addColumn<int>("latest"); // the most remainingTime() may say right after start()
    QTest::newRow("coarse 100 ms") << false << Qt::CoarseTimer << 100 << 105;
    QTest::newRow("coarse 1000 ms") << false << Qt::CoarseTimer << 1000 << 1050;
    QTest::newRow("coarse 19 s") << false << Qt::CoarseTimer << 19000 << 19950;
    // From 20 s, coarse is very coarse: whole seconds, so up to a second later.
    QTest::newRow("coarse 25 s") << false << Qt::CoarseTimer << 25000 << 26000;
    QTest::newRow("very coarse 2 s") << false << Qt::VeryCoarseTimer << 2000 << 3000;
    QTest::newRow("very coarse 2 s, worker") << true << Qt::VeryCoarseTimer << 2000 << 3000;
    QTest::newRow("precise 500 ms, worker") << true << Qt::PreciseTimer << 500 << 500;
}

// remainingTime() right after start(): never more than the type's leeway past the interval
// (time only makes it smaller), and a timer that has not fired has time left.
void tst_EpollEventDispatcher::coarsePlacement()
{
    QFETCH(Qt::TimerType, type);
    QFETCH(int, interval);
    QFETCH(int, latest);
    runScenario([=](Scenario *self) {
        auto *timer = new QTimer(self);
        timer->setTimerType(type);
        timer->start(interval);
        const int remaining = timer->remainingTime();
        self->finish(remaining > 0 && remaining <= latest
                             ? QString()
                             : u"remainingTime() %1 ms, at most %2"_s.arg(remaining).arg(latest));
    });
}

// A repeating precise timer's n-th activation comes no earlier than n intervals after it
// started: each deadline counts from the last one.
void tst_EpollEventDispatcher::repeatingTimerDoesNotDrift()
{
    runScenario([](Scenario *self) {
        constexpr int Interval = 15;
        auto *timer = new QTimer(self);
        timer->setTimerType(Qt::PreciseTimer);
        auto clock = std::make_shared<QElapsedTimer>();
        auto count = std::make_shared<int>(0);
        QObject::connect(timer, &QTimer::timeout, self, [=] {
            const qint64 elapsed = clock->elapsed();
            ++*count;
            if (self->fails(elapsed >= *count * Interval,
                            u"activation %1 after %2 ms"_s.arg(*count).arg(elapsed)))
                return;
            if (*count == 10) {
                timer->stop();
                self->finish();
            }
        });
        clock->start();
        timer->start(Interval);
    });
}

// A repeating zero-interval timer fires again and again, and a timer, a notifier and posted
// events are served meanwhile.
void tst_EpollEventDispatcher::zeroTimersStarveNothing()
{
    runScenario([](Scenario *self) {
        auto *idleWork = new QTimer(self);
        auto zeroes = std::make_shared<int>(0);
        QObject::connect(idleWork, &QTimer::timeout, self, [=] { ++*zeroes; });
        idleWork->start(0);
        auto *second = new QTimer(self);
        second->start(0);
        QObject::connect(second, &QTimer::timeout, self, [=] { ++*zeroes; });

        const auto fds = self->socketPair();
        auto reads = std::make_shared<int>(0);
        auto *reader = self->notifier(fds[0], QSocketNotifier::Read, reads);
        auto posted = std::make_shared<int>(0);
        auto timed = std::make_shared<int>(0);
        auto check = [=] {
            if (*reads >= 1 && *posted >= 1 && *timed >= 1) {
                idleWork->stop();
                second->stop();
                reader->setEnabled(false);
                self->finish(*zeroes > 2 ? QString()
                                         : u"zero timers fired %1 times"_s.arg(*zeroes));
            }
        };
        QObject::connect(reader, &QSocketNotifier::activated, self, check);
        QTimer::singleShot(40, Qt::PreciseTimer, self, [=] {
            ++*timed;
            check();
        });
        QMetaObject::invokeMethod(
                self,
                [=] {
                    ++*posted;
                    check();
                },
                Qt::QueuedConnection);
        writeByte(fds[1]);
    });
}

// QTimer::singleShot(0) and a single-shot QTimer of 0 ms.
void tst_EpollEventDispatcher::singleShotZero()
{
    runScenario([](Scenario *self) {
        auto fired = std::make_shared<int>(0);
        auto *timer = new QTimer(self);
        timer->setSingleShot(true);
        QObject::connect(timer, &QTimer::timeout, self, [=] {
            if (++*fired == 2)
                self->finish();
        });
        QTimer::singleShot(0, self, [=] {
            if (++*fired == 2)
                self->finish();
        });
        timer->start(0);
    });
}

void tst_EpollEventDispatcher::killedInAnotherTimersEvent_data()
{
    QTest::addColumn<bool>("inWorker");
    QTest::addColumn<bool>("deleteObject");
    QTest::newRow("killTimer, main thread") << false << false;
    QTest::newRow("object deleted, main thread") << false << true;
    QTest::newRow("killTimer, worker thread") << true << false;
    QTest::newRow("object deleted, worker thread") << true << true;
}

// Timers due in the same pass (zero intervals: due at once); the first to fire kills the other
// (or deletes its object): the other never fires.
void tst_EpollEventDispatcher::killedInAnotherTimersEvent()
{
    QFETCH(bool, deleteObject);
    runScenario([deleteObject](Scenario *self) {
        auto *a = new TimerProbe;
        a->setParent(self);
        auto *b = new TimerProbe;
        b->setParent(self);
        auto total = std::make_shared<int>(0);
        const int idA = a->startTimer(0, Qt::PreciseTimer);
        const int idB = b->startTimer(0, Qt::PreciseTimer);
        auto onTimer = [=](TimerProbe *probe, int id) {
            ++*total;
            probe->killTimer(id);
            TimerProbe *other = probe == a ? b : a;
            if (deleteObject)
                delete other;
            else
                other->killTimer(other == a ? idA : idB);
        };
        a->onTimer = onTimer;
        b->onTimer = onTimer;
        QTimer::singleShot(50, self, [=] {
            self->finish(*total == 1 ? QString() : u"%1 timer events"_s.arg(*total));
        });
    });
}

// A QTimer restarted from its own timeout (killed and registered again, perhaps with the same
// id), and a timer killed and started again from its own timerEvent(), keep firing.
void tst_EpollEventDispatcher::restartedFromOwnEvent()
{
    runScenario([](Scenario *self) {
        auto *timer = new QTimer(self);
        timer->setTimerType(Qt::PreciseTimer);
        auto qtimerFired = std::make_shared<int>(0);
        auto probeFired = std::make_shared<int>(0);
        auto check = [=] {
            if (*qtimerFired == 5 && *probeFired == 5)
                self->finish();
        };
        QObject::connect(timer, &QTimer::timeout, self, [=] {
            if (++*qtimerFired < 5)
                timer->start(5 + *qtimerFired);
            else
                timer->stop();
            check();
        });
        timer->start(5);

        auto *probe = new TimerProbe;
        probe->setParent(self);
        probe->onTimer = [=](TimerProbe *p, int id) {
            p->killTimer(id);
            if (++*probeFired < 5)
                p->startTimer(*probeFired % 2 == 0 ? 0 : 3, Qt::PreciseTimer);
            check();
        };
        probe->startTimer(3, Qt::PreciseTimer);
    });
}

// A timer whose timerEvent() runs a nested event loop does not fire inside it (Qt's rule);
// another timer does, and the outer timer fires again afterwards.
void tst_EpollEventDispatcher::noRecursionIntoOwnEvent()
{
    runScenario([](Scenario *self) {
        auto *probe = new TimerProbe;
        probe->setParent(self);
        auto others = std::make_shared<int>(0);
        auto *other = new QTimer(self);
        other->setTimerType(Qt::PreciseTimer);
        QObject::connect(other, &QTimer::timeout, self, [=] { ++*others; });
        auto nested = std::make_shared<bool>(false);
        probe->onTimer = [=](TimerProbe *p, int id) {
            if (*nested)
                return self->finish(u"fired inside its own timerEvent()"_s);
            if (p->fired.size() == 1) {
                *nested = true;
                QEventLoop loop;
                QTimer::singleShot(100, Qt::PreciseTimer, &loop, &QEventLoop::quit);
                loop.exec();
                *nested = false;
                if (self->fails(*others >= 2, u"the other timer fired %1 times"_s.arg(*others)))
                    return;
            } else {
                p->killTimer(id);
                other->stop();
                self->finish();
            }
        };
        probe->startTimer(5, Qt::PreciseTimer);
        other->start(5);
    });
}

// 3,000 single-shot timers of random intervals and types up to 300 ms, started at once: each
// fires once, none before its time; none is left registered.
void tst_EpollEventDispatcher::thousandsOfTimers()
{
    runScenario([](Scenario *self) {
        constexpr int Count = 3000;
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        auto fired = std::make_shared<int>(0);
        QRandomGenerator random(24);
        auto *owner = new QObject(self);
        for (int i = 0; i < Count; ++i) {
            const int interval = int(random.bounded(301));
            const Qt::TimerType type = i % 2 ? Qt::PreciseTimer : Qt::CoarseTimer;
            auto *timer = new QTimer(owner);
            timer->setSingleShot(true);
            timer->setTimerType(type);
            QObject::connect(timer, &QTimer::timeout, self, [=] {
                const qint64 elapsed = clock->elapsed();
                if (self->fails(elapsed >= interval,
                                u"a %1 ms timer fired after %2 ms"_s.arg(interval).arg(elapsed)))
                    return;
                if (++*fired == Count) {
                    const auto left = owner->findChildren<QTimer *>();
                    for (QTimer *t : left) {
                        if (self->fails(!t->isActive() && timerIdsOf(t).isEmpty(),
                                        u"a timer left registered"_s))
                            return;
                    }
                    self->finish();
                }
            });
            timer->start(interval);
        }
    });
}

// registeredTimers()/timersForObject(), remainingTime() and unregisterTimers() as
// QObject::startTimer(), killTimer() and ~QObject() use them.
void tst_EpollEventDispatcher::timerBookkeeping()
{
    runScenario([](Scenario *self) {
        auto *dispatcher = QAbstractEventDispatcher::instance();
        auto *object = new QObject(self);
        const int a = object->startTimer(60000, Qt::PreciseTimer);
        const int b = object->startTimer(1000, Qt::CoarseTimer);
        QList<int> expected = { a, b };
        std::sort(expected.begin(), expected.end());
        if (self->fails(timerIdsOf(object) == expected, u"registered timers"_s))
            return;
        // An id that is no timer: one just killed. (Qt 6.8's ids are large: an id made up by
        // arithmetic on others could overflow, or name another thread's timer.)
        const int gone = object->startTimer(1000);
        object->killTimer(gone);
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
        const auto remaining = dispatcher->remainingTime(Qt::TimerId(a));
        if (self->fails(remaining > std::chrono::seconds(50)
                                && remaining <= std::chrono::seconds(60),
                        u"remainingTime of a 60 s timer"_s))
            return;
        if (self->fails(dispatcher->remainingTime(Qt::TimerId(gone)) < 0ns,
                        u"remainingTime of no timer"_s))
            return;
#else
        const int remaining = dispatcher->remainingTime(a);
        if (self->fails(remaining > 50000 && remaining <= 60000,
                        u"remainingTime of a 60 s timer: %1"_s.arg(remaining)))
            return;
        if (self->fails(dispatcher->remainingTime(gone) == -1, u"remainingTime of no timer"_s))
            return;
#endif
        object->killTimer(a);
        if (self->fails(timerIdsOf(object) == QList<int>{ b }, u"after killTimer"_s))
            return;
        // The longest intervals each API takes: no overflow, time left.
        auto *longest = new QTimer(self);
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
        // Qt 6.8's QTimer::remainingTime() turns the dispatcher's nanoseconds into an int
        // itself: a coarse timer of INT_MAX ms (whole seconds, so later) overflows it there,
        // with Qt's own dispatcher too. The dispatcher's own figure is checked below.
        longest->setTimerType(Qt::PreciseTimer);
#endif
        longest->start(std::numeric_limits<int>::max());
        if (self->fails(longest->remainingTime() > 0,
                        u"remainingTime of the longest timer: %1"_s.arg(longest->remainingTime())))
            return;
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
        const int endless = object->startTimer(std::chrono::nanoseconds::max(), Qt::CoarseTimer);
        if (self->fails(dispatcher->remainingTime(Qt::TimerId(endless)) > 24h,
                        u"remainingTime of an endless timer"_s))
            return;
        object->killTimer(endless);
#endif
        auto *other = new QObject(self);
        other->startTimer(1, Qt::PreciseTimer);
        other->startTimer(0, Qt::PreciseTimer);
        delete other; // ~QObject: unregisterTimers(); ASan: nothing fires for it
        if (self->fails(!dispatcher->unregisterTimers(self), u"timers on a timerless object"_s))
            return;
        QTimer::singleShot(30, self, [=] { self->finish(); });
    });
}

// ---- Posted events, wake-ups, quitting

namespace {
class EventRecorder : public QObject
{
public:
    int received = 0;

protected:
    bool event(QEvent *event) override
    {
        if (event->type() == QEvent::User) {
            ++received;
            return true;
        }
        return QObject::event(event);
    }
};
} // namespace

// postEvent(), deleteLater() and queued calls, including ones posted while posted events are
// being sent.
void tst_EpollEventDispatcher::postedEventsAndDeleteLater()
{
    runScenario([](Scenario *self) {
        auto *recorder = new EventRecorder;
        recorder->setParent(self);
        for (int i = 0; i < 100; ++i)
            QCoreApplication::postEvent(recorder, new QEvent(QEvent::User));
        auto *doomed = new QObject(self);
        QPointer<QObject> watch(doomed);
        doomed->deleteLater();
        QMetaObject::invokeMethod(
                self,
                [=] {
                    // Posted from a posted event: sent by a later pass.
                    QMetaObject::invokeMethod(
                            self,
                            [=] {
                                if (self->fails(recorder->received == 100,
                                                u"%1 events"_s.arg(recorder->received)))
                                    return;
                                QTimer::singleShot(0, self, [=] {
                                    self->finish(watch.isNull() ? QString()
                                                                : u"deleteLater() did not"_s);
                                });
                            },
                            Qt::QueuedConnection);
                },
                Qt::QueuedConnection);
    });
}

void tst_EpollEventDispatcher::wakeUpFromAnotherThread_data()
{
    QTest::addColumn<bool>("interrupt");
    QTest::newRow("wakeUp") << false;
    QTest::newRow("interrupt") << true;
}

// A thread blocked in processEvents(WaitForMoreEvents), with nothing to do, stays blocked until
// another thread calls wakeUp() (or interrupt()).
void tst_EpollEventDispatcher::wakeUpFromAnotherThread()
{
    QFETCH(bool, interrupt);
    class OneWait : public QThread
    {
    public:
        std::atomic<bool> blocking{ false };
        std::atomic<bool> woke{ false };

    protected:
        void run() override
        {
            auto *dispatcher = QAbstractEventDispatcher::instance();
            QObject::connect(
                    dispatcher, &QAbstractEventDispatcher::aboutToBlock, dispatcher,
                    [this] { blocking = true; }, Qt::DirectConnection);
            QObject::connect(
                    dispatcher, &QAbstractEventDispatcher::awake, dispatcher,
                    [this] {
                        if (blocking)
                            woke = true;
                    },
                    Qt::DirectConnection);
            dispatcher->processEvents(QEventLoop::WaitForMoreEvents);
        }
    };
    OneWait thread;
    auto *dispatcher = new EpollEventDispatcher;
    thread.setEventDispatcher(dispatcher);
    thread.start();
    QTRY_VERIFY(thread.blocking);
    // It waits (this could pass wrongly on a slow machine, never fail wrongly).
    QTest::qWait(100);
    QVERIFY(!thread.isFinished());
    if (interrupt)
        dispatcher->interrupt();
    else
        dispatcher->wakeUp();
    QVERIFY(thread.wait(60000));
    QVERIFY(!thread.woke); // awake() comes before aboutToBlock(), once per processEvents()
}

// QThread::quit() ends a thread's event loop that is waiting with work registered: a
// notifier, a long timer.
void tst_EpollEventDispatcher::quitThread()
{
    EpollThread thread;
    thread.start();
    std::array<int, 2> fds = { -1, -1 };
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()), 0);
    const auto closeFds = qScopeGuard([&fds] {
        ::close(fds[0]);
        ::close(fds[1]);
    });
    QMetaObject::invokeMethod(
            thread.eventDispatcher(),
            [&] {
                // Deleted in the thread as it finishes.
                auto *context = new QObject;
                QObject::connect(&thread, &QThread::finished, context, &QObject::deleteLater);
                new QSocketNotifier(fds[0], QSocketNotifier::Read, context);
                auto *timer = new QTimer(context);
                timer->start(600000);
            },
            Qt::BlockingQueuedConnection);
    thread.quit();
    QVERIFY(thread.wait(60000));
}

// Events posted to a thread from two others, each poster waiting for its event to be handled
// before the next: every event is handled. A wake-up lost in the race between the thread
// reading its eventfd and a poster writing it leaves an event unhandled while the thread
// waits (as a reading thread that never saw its quit() once did).
void tst_EpollEventDispatcher::noWakeUpLost()
{
    constexpr int Rounds = 100000;
    EpollThread thread;
    thread.start();
    QObject target;
    target.moveToThread(&thread);
    // Should a wake-up be lost, this timer wakes the thread in the end, so that the test fails
    // rather than hangs.
    QMetaObject::invokeMethod(
            &target,
            [&target] {
                auto *timer = new QTimer(&target);
                QObject::connect(timer, &QTimer::timeout, [] {});
                timer->start(30s);
            },
            Qt::BlockingQueuedConnection);
    std::atomic<int> handled{ 0 };
    std::atomic<int> stalls{ 0 };
    const auto poster = [&] {
        for (int i = 0; i < Rounds && stalls.load() == 0; ++i) {
            const int before = handled.load();
            QMetaObject::invokeMethod(
                    &target, [&handled] { ++handled; }, Qt::QueuedConnection);
            // No sleep: the tighter the loop, the likelier the race. A lost wake-up never ends.
            const QDeadlineTimer deadline(20s);
            while (handled.load() == before && !deadline.hasExpired())
                QThread::yieldCurrentThread();
            if (handled.load() == before)
                ++stalls;
        }
    };
    std::unique_ptr<QThread> second(QThread::create(poster));
    second->start();
    poster();
    QVERIFY(second->wait(120000));
    QCOMPARE(stalls.load(), 0);
    QTRY_COMPARE(handled.load(), 2 * Rounds);
    QMetaObject::invokeMethod(
            &target,
            [&target] {
                qDeleteAll(target.children());
                target.moveToThread(nullptr);
            },
            Qt::BlockingQueuedConnection);
}

int main(int argc, char *argv[])
{
    // The main thread's dispatcher too: QTest's waits (QTRY_*, qWait) run on it.
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    tst_EpollEventDispatcher test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
