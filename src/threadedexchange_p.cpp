// SPDX-License-Identifier: MIT
#include "threadedexchange_p.h"

#include "flowcontrol_p.h"
#include "httpresponsereader_p.h"
#include "logging_p.h"
#include "socketexchange_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qlist.h>
#include <QtCore/qmutex.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qnetworkcookiejar.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <vector>

namespace QtSse {

namespace {

// What the reading side may queue ahead of the source's reads. The SocketExchange behind it
// holds its own read buffer besides (at most 64 KiB with direct reads).
constexpr qsizetype QueueLimit = FlowControl::ReadBufferLimit / 2;
// The size of a fresh block; a chunk larger than that gets a block of its own size.
constexpr qsizetype BlockSize = 64 * 1024;
// Blocks kept for reuse per exchange.
constexpr qsizetype SpareBlocks = 4;
// A thread whose dispatcher polls every socket reads this many exchanges itself, and hands the
// others to the reading threads: below it, a socket's share of each wake-up (about 0.24 us on
// Qt's dispatchers) costs less than the hand-off.
constexpr int InThreadLimit = 8;
// Reading threads at most (fewer on machines with fewer cores).
constexpr int MaximumReadingThreads = 4;
#if defined(QTSSE_HAVE_EPOLL_DISPATCHER)
constexpr bool HandOverByDefault = true;
#else
// Without a dispatcher of QtSse's, a reading thread would poll all its sockets on each wake-up
// as the source's thread does (the gain unmeasured), and under Wine the hand-over once left a
// closed connection unseen by its server (tst_socketexchange hostile, 3 of 7 threaded runs;
// not diagnosed): streams stay in their source's thread unless QTSSE_READING_THREADS=always.
constexpr bool HandOverByDefault = false;
#endif

QEvent::Type wakeEventType()
{
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}

enum class Placement { Automatic, Never, Always };

// Set in a reading thread once its event loop has ended: what is still to start there is not.
thread_local bool t_readingThreadEnding = false;

// QTSSE_READING_THREADS, read once per process.
Placement placement()
{
    static const Placement value = [] {
        const QByteArray mode = qgetenv("QTSSE_READING_THREADS").trimmed().toLower();
        if (mode == "never")
            return Placement::Never;
        if (mode == "always")
            return Placement::Always;
        if (!mode.isEmpty() && mode != "auto")
            qCWarning(lcEventSource)
                    << "QTSSE_READING_THREADS is" << mode << "not never, always or auto: ignored";
        return Placement::Automatic;
    }();
    return value;
}

} // namespace

#if !defined(QTSSE_HAVE_EPOLL_DISPATCHER)
// Where QtSse has no dispatcher of its own, reading threads keep Qt's.
QAbstractEventDispatcher *readingThreadDispatcher()
{
    return nullptr;
}

bool dispatcherScales()
{
    return false;
}
#endif

// What the two sides of a ThreadedExchange share, under its mutex. Each side posts the other a
// wake event (at most one pending each way) while holding the mutex, and clears its own pointer
// under it when it goes, so a post never reaches a destroyed object.
struct ThreadedChannel
{
    QMutex mutex;
    QObject *source = nullptr; // the ThreadedExchange, until it is destroyed
    QObject *reader = nullptr; // the ThreadedReader, until it is destroyed
    std::atomic<int> *load = nullptr; // its reading thread's count of exchanges
    bool sourceWoken = false;
    bool readerWoken = false;
    bool released = false; // the source aborted or is gone: the reader closes the connection

    // From the reading side, in the order the server sent them.
    bool head = false;
    int status = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    std::deque<QByteArray> blocks;
    qsizetype queued = 0;
    bool full = false; // the reader stopped at QueueLimit and waits to be woken
    bool finished = false;
    Exchange::Failure failure = Exchange::Failure::None;
    QString errorString;

    std::vector<QByteArray> spare; // blocks the source side read, for the reader to reuse

    void wake(QObject *receiver, bool *woken)
    {
        if (!receiver || *woken)
            return;
        *woken = true;
        QCoreApplication::postEvent(receiver, new QEvent(wakeEventType()));
    }
    void wakeSource() { wake(source, &sourceWoken); }
    void wakeReader() { wake(reader, &readerWoken); }
};

namespace {

// The reading side: lives in a reading thread and owns the SocketExchange there. Deleted once
// the exchange finished or the source let go, or with its thread.
class ThreadedReader : public QObject
{
public:
    ThreadedReader(SocketExchange *exchange, std::shared_ptr<ThreadedChannel> channel)
        : m_exchange(exchange), m_channel(std::move(channel))
    {
        m_exchange->setParent(this);
        connect(m_exchange, &Exchange::headReceived, this, &ThreadedReader::onHead);
        connect(m_exchange, &Exchange::readyRead, this, &ThreadedReader::pump);
        connect(m_exchange, &Exchange::finished, this, &ThreadedReader::onFinished);
    }
    ~ThreadedReader() override
    {
        const QMutexLocker locker(&m_channel->mutex);
        m_channel->reader = nullptr;
        if (m_channel->load)
            m_channel->load->fetch_sub(1, std::memory_order_relaxed);
        m_channel->load = nullptr;
    }
    Q_DISABLE_COPY_MOVE(ThreadedReader)

    // Handles the posts that reach it before its thread ends (see ReadingThread::run()).
    void settleIn(QObject *home)
    {
        if (!parent())
            setParent(home);
    }

protected:
    bool event(QEvent *event) override
    {
        if (event->type() != wakeEventType())
            return QObject::event(event);
        bool released;
        {
            const QMutexLocker locker(&m_channel->mutex);
            m_channel->readerWoken = false;
            released = m_channel->released;
        }
        if (released || t_readingThreadEnding) {
            m_exchange->abort();
            deleteLater();
        } else if (!m_started) {
            m_started = true;
            m_exchange->start();
        } else {
            pump();
        }
        return true;
    }

private:
    void onHead()
    {
        const QMutexLocker locker(&m_channel->mutex);
        m_channel->status = m_exchange->statusCode();
        m_channel->reason = m_exchange->reasonPhrase();
        m_channel->headers = m_exchange->headers();
        m_channel->head = true;
        m_channel->wakeSource();
    }

    // Moves what the exchange has into the queue, until the queue is full.
    void pump()
    {
        {
            const QMutexLocker locker(&m_channel->mutex);
            if (m_channel->released)
                return;
            if (m_channel->queued >= QueueLimit) {
                m_channel->full = true;
                return;
            }
        }
        for (;;) {
            const QByteArrayView piece = m_exchange->readChunk();
            if (piece.isEmpty())
                return;
            const QMutexLocker locker(&m_channel->mutex);
            append(piece);
            m_channel->wakeSource();
            if (m_channel->released)
                return;
            if (m_channel->queued >= QueueLimit) {
                m_channel->full = true;
                return;
            }
        }
    }

    // Under the mutex: `piece` at the end of the last block if it fits there, else in a block
    // of its own (a spare one when there is one).
    void append(QByteArrayView piece)
    {
        auto &blocks = m_channel->blocks;
        if (blocks.empty() || blocks.back().capacity() - blocks.back().size() < piece.size()) {
            QByteArray block;
            if (!m_channel->spare.empty()) {
                block = std::move(m_channel->spare.back());
                m_channel->spare.pop_back();
                block.resize(0); // keeps the capacity
            }
            if (block.capacity() < piece.size())
                block.reserve(std::max(piece.size(), BlockSize));
            blocks.push_back(std::move(block));
        }
        blocks.back().append(piece);
        m_channel->queued += piece.size();
    }

    void onFinished()
    {
        {
            const QMutexLocker locker(&m_channel->mutex);
            m_channel->failure = m_exchange->failure();
            m_channel->errorString = m_exchange->errorString();
            m_channel->finished = true;
            m_channel->wakeSource();
        }
        deleteLater();
    }

    SocketExchange *m_exchange;
    std::shared_ptr<ThreadedChannel> m_channel;
    bool m_started = false;
};

// A thread of QtSse's that reads sockets, on readingThreadDispatcher(). What is still in it when
// it ends (the application quits with streams open) is deleted in it.
class ReadingThread : public QThread
{
public:
    ReadingThread()
    {
        setObjectName(QStringLiteral("QtSse reading thread"));
        if (QAbstractEventDispatcher *dispatcher = readingThreadDispatcher())
            setEventDispatcher(dispatcher);
        m_home.moveToThread(this);
    }
    ~ReadingThread() override
    {
        quit();
        wait();
    }
    Q_DISABLE_COPY_MOVE(ReadingThread)

    QObject *home() { return &m_home; }
    std::atomic<int> load{ 0 };

protected:
    void run() override
    {
        exec();
        // What was posted before the end (readers to settle in, starts, which now abort), then
        // everything still here.
        t_readingThreadEnding = true;
        QCoreApplication::sendPostedEvents();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        const QObjectList readers = m_home.children();
        qDeleteAll(readers);
        m_home.moveToThread(nullptr);
    }

private:
    QObject m_home; // parent of the readers that live here
};

// The process's reading threads, made as streams need them, ended with the application (a post
// routine: QCoreApplication's destructor).
class ReadingThreads
{
public:
    // Held while a thread is picked and an exchange handed to it, so that the application's end
    // (end()) cannot delete the thread in between.
    class Lock
    {
    public:
        Lock() { s_mutex.lock(); }
        ~Lock() { s_mutex.unlock(); }
        Q_DISABLE_COPY_MOVE(Lock)
    };

    // The least busy reading thread (a new one while there are fewer than the machine's cores,
    // up to MaximumReadingThreads, and each has some); null once the application is gone. With
    // a Lock held.
    static ReadingThread *pick()
    {
        if (s_ended || !QCoreApplication::instance())
            return nullptr;
        if (!s_routineAdded) {
            qAddPostRoutine(&ReadingThreads::end);
            s_routineAdded = true;
        }
        auto &threads = s_threads;
        const auto least = std::min_element(threads.begin(), threads.end(), [](auto *a, auto *b) {
            return a->load.load(std::memory_order_relaxed)
                    < b->load.load(std::memory_order_relaxed);
        });
        const auto cap =
                qsizetype(std::clamp(QThread::idealThreadCount(), 1, MaximumReadingThreads));
        const bool idle =
                least != threads.end() && (*least)->load.load(std::memory_order_relaxed) == 0;
        if (idle || (least != threads.end() && qsizetype(threads.size()) >= cap))
            return *least;
        auto *thread = new ReadingThread;
        thread->start();
        threads.push_back(thread);
        return thread;
    }

private:
    static void end()
    {
        std::vector<ReadingThread *> threads;
        {
            const QMutexLocker locker(&s_mutex);
            s_ended = true;
            threads.swap(s_threads);
        }
        qDeleteAll(threads); // each quits and is waited for
    }

    static inline QMutex s_mutex;
    static inline std::vector<ReadingThread *> s_threads;
    static inline bool s_ended = false;
    static inline bool s_routineAdded = false;
};

} // namespace

Exchange *ThreadedExchange::create(const QUrl &url, const QNetworkRequest &request,
                                   const QByteArray &method, const QByteArray &body,
                                   QNetworkCookieJar *jar, const QNetworkAccessManager *manager,
                                   QObject *parent)
{
    bool handOver = false;
    switch (placement()) {
    case Placement::Never:
        break;
    case Placement::Always:
        handOver = true;
        break;
    case Placement::Automatic:
        handOver = HandOverByDefault && SocketExchange::liveInThisThread() >= InThreadLimit
                && !dispatcherScales();
        break;
    }
    if (handOver) {
        const ReadingThreads::Lock lock;
        if (ReadingThread *thread = ReadingThreads::pick()) {
            auto *exchange = new SocketExchange(url, request, method, body, jar, manager, nullptr,
                                                SocketExchange::Start::Later);
            // The queue holds part of what may wait for the application; the socket the rest.
            exchange->setSocketReadBound(FlowControl::ReadBufferLimit - QueueLimit);
            return new ThreadedExchange(exchange, url, thread, parent);
        }
    }
    return new SocketExchange(url, request, method, body, jar, manager, parent,
                              SocketExchange::Start::Now);
}

ThreadedExchange::ThreadedExchange(SocketExchange *exchange, const QUrl &url, QThread *thread,
                                   QObject *parent)
    : Exchange(parent),
      m_channel(std::make_shared<ThreadedChannel>()),
      m_thread(thread),
      m_url(url),
      m_jar(exchange->takeCookieJar())
{
    // create() holds ReadingThreads::Lock: the thread cannot end before this is done.
    auto *reader = new ThreadedReader(exchange, m_channel);
    auto *readingThread = static_cast<ReadingThread *>(thread);
    readingThread->load.fetch_add(1, std::memory_order_relaxed);
    {
        // Both sides known before the reader can run (and be deleted) in its thread.
        const QMutexLocker locker(&m_channel->mutex);
        m_channel->source = this;
        m_channel->reader = reader;
        m_channel->load = &readingThread->load;
    }
    reader->moveToThread(thread);
    QObject *home = readingThread->home();
    // Parented to the thread's home in that thread, so that the thread's end deletes it.
    QMetaObject::invokeMethod(
            home, [reader, home] { reader->settleIn(home); }, Qt::QueuedConnection);
    const QMutexLocker locker(&m_channel->mutex);
    m_channel->wakeReader(); // starts it
}

ThreadedExchange::~ThreadedExchange()
{
    release();
    const QMutexLocker locker(&m_channel->mutex);
    m_channel->source = nullptr;
}

void ThreadedExchange::release()
{
    const QMutexLocker locker(&m_channel->mutex);
    if (m_channel->released)
        return;
    m_channel->released = true;
    m_channel->wakeReader();
}

QByteArray ThreadedExchange::header(QByteArrayView name) const
{
    return m_headDelivered ? HttpResponseReader::joinedField(m_headers, name) : QByteArray();
}

QByteArrayView ThreadedExchange::readChunk()
{
    if (!m_headDelivered || m_finished || m_aborted)
        return {};
    const QMutexLocker locker(&m_channel->mutex);
    ThreadedChannel &channel = *m_channel;
    if (!m_block.isNull()) {
        if (qsizetype(channel.spare.size()) < SpareBlocks)
            channel.spare.push_back(std::move(m_block));
        m_block = QByteArray();
    }
    if (channel.blocks.empty()) {
        if (channel.finished)
            channel.wakeSource(); // finished() follows, from the event loop
        return {};
    }
    m_block = std::move(channel.blocks.front());
    channel.blocks.pop_front();
    channel.queued -= m_block.size();
    if (channel.full && channel.queued <= QueueLimit / 2) {
        channel.full = false;
        channel.wakeReader();
    }
    return m_block;
}

void ThreadedExchange::abort()
{
    if (m_aborted)
        return;
    m_aborted = true;
    release();
}

bool ThreadedExchange::event(QEvent *event)
{
    if (event->type() != wakeEventType())
        return Exchange::event(event);
    deliver();
    return true;
}

// Emits what the reading side found since the last wake-up: the head, that body bytes wait,
// and the end once every body byte was read.
void ThreadedExchange::deliver()
{
    bool head = false;
    bool body = false;
    {
        const QMutexLocker locker(&m_channel->mutex);
        m_channel->sourceWoken = false;
        if (m_aborted)
            return;
        if (m_channel->head && !m_headDelivered) {
            head = true;
            m_status = m_channel->status;
            m_reason = m_channel->reason;
            m_headers = m_channel->headers;
        }
        body = !m_channel->blocks.empty();
    }
    const QPointer<ThreadedExchange> self(this);
    // A handler may run a nested event loop, in which a later wake-up delivers the rest (and
    // finished()): then this one is done.
    if (head) {
        m_headDelivered = true;
        SocketExchange::saveCookies(m_jar, m_headers, m_url);
        Q_EMIT headReceived();
        if (!self || m_aborted || m_finished)
            return;
    }
    if (body) {
        Q_EMIT readyRead();
        if (!self || m_aborted || m_finished)
            return;
    }
    {
        const QMutexLocker locker(&m_channel->mutex);
        if (!m_channel->finished || !m_channel->blocks.empty() || m_finished)
            return;
        m_failure = m_channel->failure;
        m_errorString = m_channel->errorString;
    }
    m_finished = true;
    Q_EMIT finished();
}

} // namespace QtSse
