// SPDX-License-Identifier: MIT
// EpollEventDispatcher: why it exists and the semantics it keeps are in epolleventdispatcher_p.h.
// Linux only (*_linux.cpp: src/CMakeLists.txt builds it there alone, and the portability check
// of the library's sources, tests/libraryalone.cmake, leaves such files out).
#include "epolleventdispatcher_p.h"
#include "threadedexchange_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qthread.h>
#include <QtCore/qvarlengtharray.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

// epoll_pwait2() takes the timeout as a timespec (glibc 2.35, Linux 5.11), so a PreciseTimer
// wakes the thread at its deadline; without it (or with an older kernel: ENOSYS) the timeout
// is epoll_wait()'s milliseconds, rounded up, so a timer may fire up to 1 ms late, never early.
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#  if __GLIBC_PREREQ(2, 35)
#    define QTSSE_HAVE_EPOLL_PWAIT2
#  endif
#endif

using namespace std::chrono_literals;

namespace QtSse {

namespace {

using Clock = std::chrono::steady_clock; // CLOCK_MONOTONIC, as Qt's timers and QElapsedTimer
using TimePoint = Clock::time_point;
using Nanoseconds = std::chrono::nanoseconds;

// Events in one epoll_wait(); more ready descriptors are reported by the next wake-up (epoll
// queues a level-triggered descriptor behind the others once reported, so none starves).
constexpr int MaxEventsPerWait = 256;

// How a timer's deadlines are placed (Qt's timer types, after Qt's corrections of the type).
enum class Placement {
    Exact, // PreciseTimer; CoarseTimer of 20 ms or less
    Coarse, // CoarseTimer above 20 ms and under 20 s: later by at most 5%, to a round time
    WholeSeconds, // VeryCoarseTimer; CoarseTimer of 20 s or more
};

struct Timer;
using TimerQueue = std::multimap<TimePoint, Timer *>;

struct Timer
{
    int id = 0;
    Nanoseconds interval{}; // as registered
    Qt::TimerType type = Qt::CoarseTimer; // as registered
    QObject *object = nullptr;
    Placement placement = Placement::Exact;
    Nanoseconds step{}; // what a deadline advances by (whole seconds for WholeSeconds)
    TimePoint nominal; // the deadline the interval counts from, before coarsening
    TimePoint due; // when it fires: nominal, or later for coarse timers; key in the queue
    TimerQueue::iterator position;
    // Set while its timerEvent() runs: it does not fire again from a nested event loop, and
    // unregistering it clears the activating code's pointer to it.
    Timer **activation = nullptr;
    quint64 pass = 0; // the last activateTimers() pass that fired it
};

// The earliest round time in [nominal, nominal + interval / 20]: a second, half a second, ...,
// one millisecond, preferring the roundest, so coarse timers of a thread wake it together.
TimePoint coarsen(TimePoint nominal, Nanoseconds interval)
{
    static constexpr std::array<Nanoseconds, 12> Grains = { 1000ms, 500ms, 250ms, 200ms,
                                                            100ms,  50ms,  25ms,  20ms,
                                                            10ms,   5ms,   2ms,   1ms };
    const Nanoseconds slack = interval / 20;
    const Nanoseconds since = nominal.time_since_epoch();
    for (const Nanoseconds grain : Grains) {
        const Nanoseconds rounded = ((since + grain - 1ns) / grain) * grain;
        if (rounded - since <= slack)
            return TimePoint(rounded);
    }
    return nominal;
}

// now + step, or the end of time for intervals too long to add (Qt 6.8's nanosecond timers).
TimePoint later(TimePoint t, Nanoseconds step)
{
    return step < TimePoint::max() - t ? t + step : TimePoint::max();
}

TimePoint ceilToSecond(TimePoint t)
{
    if (t > TimePoint::max() - 1s)
        return TimePoint::max();
    return TimePoint(std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()));
}

// The index of a notifier's type in a Watch: QSocketNotifier::Read, Write, Exception.
constexpr int TypeCount = 3;

// What epoll reports that activates a notifier of each type: as QEventDispatcherUNIX reads
// poll()'s revents, so a socket sees a hang-up or an error by reading (or writing) and failing.
constexpr std::array<quint32, TypeCount> ActivatingEvents = {
    EPOLLIN | EPOLLHUP | EPOLLERR, // Read
    EPOLLOUT | EPOLLERR, // Write
    EPOLLPRI, // Exception
};
constexpr std::array<quint32, TypeCount> RequestedEvents = { EPOLLIN, EPOLLOUT, EPOLLPRI };

const char *typeName(int type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return "Read";
    case QSocketNotifier::Write:
        return "Write";
    default:
        return "Exception";
    }
}

// The notifiers of one descriptor. `serials` tell one registration from the next: a wake-up
// records the serial it saw, and a notifier unregistered (disabled, deleted) and perhaps
// registered again since is not activated by it.
struct Watch
{
    std::array<QSocketNotifier *, TypeCount> notifiers = {};
    std::array<quint64, TypeCount> serials = {};
    quint32 events = 0; // as registered with epoll; 0: not registered
    bool polled = false; // epoll refused it (EPERM: a regular file): always ready, as poll() says
};

struct Pending
{
    int fd;
    int type;
    quint64 serial;
};

} // namespace

struct EpollEventDispatcher::Private
{
    int epollFd = -1; // the wake-up eventfd and every watched descriptor
    int wakeEpollFd = -1; // the wake-up eventfd only: waits that exclude socket notifiers
    int wakeFd = -1;
    std::atomic<bool> wakePending{ false };
    std::atomic<bool> interrupted{ false };
#ifdef QTSSE_HAVE_EPOLL_PWAIT2
    bool pwait2Missing = false;
#endif

    std::vector<Watch> watches; // by descriptor
    std::vector<int> polledFds;
    quint64 lastSerial = 0;

    std::unordered_map<int, std::unique_ptr<Timer>> timers; // by id
    std::unordered_map<QObject *, std::vector<Timer *>> timersByObject;
    TimerQueue queue;
    quint64 lastPass = 0;

    void updateEpoll(int fd, Watch &watch, bool force = false);
    int wait(int fd, epoll_event *events, std::optional<Nanoseconds> timeout);
    void drainWakeUps();
    int activateNotifiers(const Pending *pending, qsizetype count);

    void registerTimer(int id, Nanoseconds interval, Qt::TimerType type, QObject *object);
    bool unregisterTimer(int id);
    void removeTimer(Timer *timer); // from the queue and the maps; deletes it
    void schedule(Timer &timer, TimePoint now, bool first);
    std::optional<Nanoseconds> timeToNextTimer(TimePoint now) const;
    int activateTimers();
    Nanoseconds remaining(int id) const; // negative: no such timer
};

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : EventDispatcherBase(parent), d(std::make_unique<Private>())
{
    d->epollFd = epoll_create1(EPOLL_CLOEXEC);
    d->wakeEpollFd = epoll_create1(EPOLL_CLOEXEC);
    d->wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->epollFd < 0 || d->wakeEpollFd < 0 || d->wakeFd < 0)
        qFatal("QtSse::EpollEventDispatcher: epoll_create1() or eventfd() failed: %s",
               qPrintable(qt_error_string(errno)));
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.fd = d->wakeFd;
    if (epoll_ctl(d->epollFd, EPOLL_CTL_ADD, d->wakeFd, &event) != 0
        || epoll_ctl(d->wakeEpollFd, EPOLL_CTL_ADD, d->wakeFd, &event) != 0)
        qFatal("QtSse::EpollEventDispatcher: epoll_ctl() of the eventfd failed: %s",
               qPrintable(qt_error_string(errno)));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    // Notifiers and timers still registered are forgotten, as Qt's dispatchers do.
    ::close(d->wakeFd);
    ::close(d->wakeEpollFd);
    ::close(d->epollFd);
}

// ---- Waiting and waking

void EpollEventDispatcher::wakeUp()
{
    // One write until the wake-up is read: posting many events costs one system call.
    if (!d->wakePending.exchange(true, std::memory_order_acq_rel)) {
        const quint64 one = 1;
        if (::write(d->wakeFd, &one, sizeof one) < 0 && errno != EAGAIN)
            qErrnoWarning("QtSse::EpollEventDispatcher::wakeUp: write() to the eventfd");
    }
}

void EpollEventDispatcher::interrupt()
{
    d->interrupted.store(true, std::memory_order_release);
    wakeUp();
}

void EpollEventDispatcher::Private::drainWakeUps()
{
    // Read, then cleared: a wakeUp() from then on writes again. One that comes between the two
    // writes nothing, and what it announced (posted events, an interrupt) is seen by the caller
    // and the next processEvents() before it can wait. Cleared first, a wakeUp() in between
    // would write a count this read takes, and leave wakePending set with nothing to read:
    // every later wakeUp() would be lost.
    quint64 count = 0;
    if (::read(wakeFd, &count, sizeof count) < 0 && errno != EAGAIN)
        qErrnoWarning("QtSse::EpollEventDispatcher: read() of the eventfd");
    wakePending.store(false, std::memory_order_release);
}

int EpollEventDispatcher::Private::wait(int fd, epoll_event *events,
                                        std::optional<Nanoseconds> timeout)
{
    int n = -1;
#ifdef QTSSE_HAVE_EPOLL_PWAIT2
    if (!pwait2Missing) {
        timespec spec = {};
        if (timeout) {
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*timeout);
            spec.tv_sec = static_cast<time_t>(seconds.count());
            spec.tv_nsec = static_cast<long>((*timeout - seconds).count());
        }
        n = epoll_pwait2(fd, events, MaxEventsPerWait, timeout ? &spec : nullptr, nullptr);
        if (n >= 0 || errno != ENOSYS)
            return n;
        pwait2Missing = true;
    }
#endif
    int milliseconds = -1;
    if (timeout) {
        const auto rounded = std::chrono::ceil<std::chrono::milliseconds>(*timeout).count();
        milliseconds = int(qMin<qint64>(rounded, std::numeric_limits<int>::max()));
    }
    n = epoll_wait(fd, events, MaxEventsPerWait, milliseconds);
    return n;
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    d->interrupted.store(false, std::memory_order_relaxed);
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();

    const bool includeNotifiers = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    const bool includeTimers = !flags.testFlag(QEventLoop::X11ExcludeTimers);
    const bool canWait = flags.testFlag(QEventLoop::WaitForMoreEvents)
            && !d->interrupted.load(std::memory_order_acquire);
    if (canWait)
        Q_EMIT aboutToBlock();
    if (d->interrupted.load(std::memory_order_acquire))
        return false;

    // Events posted from here on have woken the eventfd: the wait returns at once.
    std::optional<Nanoseconds> timeout; // none: until woken
    if (!canWait || (includeNotifiers && !d->polledFds.empty()))
        timeout = 0ns;
    else if (includeTimers)
        timeout = d->timeToNextTimer(Clock::now());

    std::array<epoll_event, MaxEventsPerWait> events;
    const int count =
            d->wait(includeNotifiers ? d->epollFd : d->wakeEpollFd, events.data(), timeout);
    if (count < 0 && errno != EINTR)
        qErrnoWarning("QtSse::EpollEventDispatcher: epoll_wait()");

    int activated = 0;
    QVarLengthArray<Pending, 64> pending;
    for (int i = 0; i < count; ++i) {
        const int fd = events[size_t(i)].data.fd;
        if (fd == d->wakeFd) {
            d->drainWakeUps();
            ++activated;
            continue;
        }
        if (size_t(fd) >= d->watches.size())
            continue;
        const Watch &watch = d->watches[size_t(fd)];
        for (int type = 0; type < TypeCount; ++type) {
            if (watch.notifiers[size_t(type)]
                && (events[size_t(i)].events & ActivatingEvents[size_t(type)]))
                pending.append(Pending{ fd, type, watch.serials[size_t(type)] });
        }
    }
    if (includeNotifiers) {
        // Descriptors epoll cannot watch (regular files) are always ready, as poll() has them.
        for (const int fd : d->polledFds) {
            const Watch &watch = d->watches[size_t(fd)];
            for (int type = 0; type < QSocketNotifier::Exception; ++type) {
                if (watch.notifiers[size_t(type)])
                    pending.append(Pending{ fd, type, watch.serials[size_t(type)] });
            }
        }
        activated += d->activateNotifiers(pending.constData(), pending.size());
    }
    if (includeTimers)
        activated += d->activateTimers();
    return activated > 0;
}

// ---- Socket notifiers

int EpollEventDispatcher::Private::activateNotifiers(const Pending *pending, qsizetype count)
{
    int activated = 0;
    for (qsizetype i = 0; i < count; ++i) {
        const Pending &p = pending[i];
        // Looked up again each time: an activation may have unregistered any notifier,
        // registered others (the vector may have grown), or deleted them.
        if (size_t(p.fd) >= watches.size())
            continue;
        const Watch &watch = watches[size_t(p.fd)];
        if (watch.serials[size_t(p.type)] != p.serial)
            continue;
        QSocketNotifier *notifier = watch.notifiers[size_t(p.type)];
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        ++activated;
    }
    return activated;
}

void EpollEventDispatcher::Private::updateEpoll(int fd, Watch &watch, bool force)
{
    quint32 wanted = 0;
    for (int type = 0; type < TypeCount; ++type) {
        if (watch.notifiers[size_t(type)])
            wanted |= RequestedEvents[size_t(type)];
    }
    if (watch.polled) {
        if (!wanted) {
            watch.polled = false;
            polledFds.erase(std::find(polledFds.begin(), polledFds.end(), fd));
        }
        return;
    }
    if (wanted == watch.events && !force)
        return;
    epoll_event event = {};
    event.events = wanted;
    event.data.fd = fd;
    int result = 0;
    if (!wanted) {
        // The descriptor may be closed already (the kernel then forgot it): not an error.
        result = epoll_ctl(epollFd, EPOLL_CTL_DEL, fd, &event);
        if (result != 0 && (errno == EBADF || errno == ENOENT))
            result = 0;
    } else if (watch.events) {
        result = epoll_ctl(epollFd, EPOLL_CTL_MOD, fd, &event);
        // Closed and its number reused since: the kernel forgot the old registration.
        if (result != 0 && errno == ENOENT)
            result = epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &event);
    } else {
        result = epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &event);
        if (result != 0 && errno == EEXIST)
            result = epoll_ctl(epollFd, EPOLL_CTL_MOD, fd, &event);
        if (result != 0 && errno == EPERM) {
            watch.polled = true;
            polledFds.push_back(fd);
            watch.events = 0;
            return;
        }
    }
    if (result != 0) {
        qErrnoWarning("QtSse::EpollEventDispatcher: epoll_ctl() of socket %d", fd);
        watch.events = 0;
        return;
    }
    watch.events = wanted;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr socket = notifier->socket();
    const int type = int(notifier->type());
    if (socket < 0 || socket > std::numeric_limits<int>::max() || type < 0 || type >= TypeCount)
        return;
    if (notifier->thread() != thread() || thread() != QThread::currentThread()) {
        qWarning("QSocketNotifier: socket notifiers cannot be enabled from another thread");
        return;
    }
    const int fd = int(socket);
    if (size_t(fd) >= d->watches.size())
        d->watches.resize(size_t(fd) + 1);
    Watch &watch = d->watches[size_t(fd)];
    // Another notifier of this type: most likely its descriptor was closed while it was still
    // enabled and the number is reused; the kernel forgot the old registration with the old
    // descriptor, so this one is registered again whatever the events.
    const bool replaced =
            watch.notifiers[size_t(type)] && watch.notifiers[size_t(type)] != notifier;
    if (replaced)
        qWarning("QtSse::EpollEventDispatcher: Multiple socket notifiers for same socket %d and "
                 "type %s",
                 fd, typeName(type));
    watch.notifiers[size_t(type)] = notifier;
    watch.serials[size_t(type)] = ++d->lastSerial;
    d->updateEpoll(fd, watch, replaced);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr socket = notifier->socket();
    const int type = int(notifier->type());
    if (socket < 0 || size_t(socket) >= d->watches.size() || type < 0 || type >= TypeCount)
        return;
    if (notifier->thread() != thread() || thread() != QThread::currentThread()) {
        qWarning("QSocketNotifier: socket notifiers cannot be disabled from another thread");
        return;
    }
    const int fd = int(socket);
    Watch &watch = d->watches[size_t(fd)];
    if (watch.notifiers[size_t(type)] != notifier)
        return;
    watch.notifiers[size_t(type)] = nullptr;
    watch.serials[size_t(type)] = 0;
    d->updateEpoll(fd, watch);
}

// ---- Timers

void EpollEventDispatcher::Private::schedule(Timer &timer, TimePoint now, bool first)
{
    if (first) {
        timer.nominal = later(now, timer.step);
    } else {
        // The next deadline counts from the last one, so a timer does not drift; one late by
        // more than its interval counts from now (missed activations are not made up).
        timer.nominal = later(timer.nominal, timer.step);
        if (timer.nominal < now)
            timer.nominal = later(now, timer.step);
    }
    switch (timer.placement) {
    case Placement::Exact:
        timer.due = timer.nominal;
        break;
    case Placement::Coarse:
        timer.due = coarsen(timer.nominal, timer.step);
        break;
    case Placement::WholeSeconds:
        timer.due = ceilToSecond(timer.nominal);
        break;
    }
    timer.position = queue.emplace(timer.due, &timer);
}

void EpollEventDispatcher::Private::registerTimer(int id, Nanoseconds interval, Qt::TimerType type,
                                                  QObject *object)
{
    if (id <= 0 || !object)
        return;
    if (timers.count(id)) {
        qWarning("QtSse::EpollEventDispatcher: timer id %d registered twice", id);
        unregisterTimer(id);
    }
    auto owned = std::make_unique<Timer>();
    Timer &timer = *owned;
    timer.id = id;
    timer.interval = qMax(interval, Nanoseconds::zero());
    timer.type = type;
    timer.object = object;
    timer.step = timer.interval;
    // Qt's corrections: a coarse timer of 20 ms or less is precise (5% is under a millisecond),
    // one of 20 s or more is very coarse (5% is a second or more).
    switch (type) {
    case Qt::PreciseTimer:
        timer.placement = Placement::Exact;
        break;
    case Qt::CoarseTimer:
        timer.placement = timer.interval <= 20ms ? Placement::Exact
                : timer.interval >= 20s          ? Placement::WholeSeconds
                                                 : Placement::Coarse;
        break;
    case Qt::VeryCoarseTimer:
        timer.placement = timer.interval < 500ms ? Placement::Coarse : Placement::WholeSeconds;
        break;
    }
    if (timer.placement == Placement::Coarse && timer.interval <= 20ms)
        timer.placement = Placement::Exact;
    if (timer.placement == Placement::WholeSeconds) {
        // Rounded to the nearest second, 500 ms up.
        timer.step = timer.interval < Nanoseconds::max() - 500ms
                ? std::chrono::floor<std::chrono::seconds>(timer.interval + 500ms)
                : timer.interval;
    }
    timersByObject[object].push_back(&timer);
    timers.emplace(id, std::move(owned));
    schedule(timer, Clock::now(), true);
}

void EpollEventDispatcher::Private::removeTimer(Timer *timer)
{
    if (timer->activation)
        *timer->activation = nullptr;
    queue.erase(timer->position);
    const auto byObject = timersByObject.find(timer->object);
    if (byObject != timersByObject.end()) {
        std::vector<Timer *> &list = byObject->second;
        const auto it = std::find(list.begin(), list.end(), timer);
        if (it != list.end()) {
            *it = list.back();
            list.pop_back();
        }
        if (list.empty())
            timersByObject.erase(byObject);
    }
    timers.erase(timer->id); // deletes it
}

bool EpollEventDispatcher::Private::unregisterTimer(int id)
{
    const auto it = timers.find(id);
    if (it == timers.end())
        return false;
    removeTimer(it->second.get());
    return true;
}

std::optional<Nanoseconds> EpollEventDispatcher::Private::timeToNextTimer(TimePoint now) const
{
    // A timer whose timerEvent() runs (a nested event loop) is not waited for: it cannot fire.
    for (const auto &[due, timer] : queue) {
        if (timer->activation)
            continue;
        return due > now ? due - now : 0ns;
    }
    return std::nullopt;
}

int EpollEventDispatcher::Private::activateTimers()
{
    if (queue.empty())
        return 0;
    const TimePoint now = Clock::now();
    // Only the timers due now, each once: a zero-interval timer rescheduled below is due again
    // at once, and must not keep the others (or the descriptors) waiting.
    size_t dueCount = 0;
    for (auto it = queue.begin(); it != queue.end() && it->first <= now; ++it)
        ++dueCount;
    const quint64 pass = ++lastPass;
    int activated = 0;
    while (dueCount-- > 0 && !queue.empty()) {
        Timer *timer = queue.begin()->second;
        if (timer->due > now || timer->pass == pass)
            break;
        timer->pass = pass;
        queue.erase(timer->position);
        schedule(*timer, now, false);
        if (timer->interval > 0ns)
            ++activated; // as Qt counts: zero-interval timers are idle work
        if (timer->activation)
            continue; // its timerEvent() runs further up this stack
        Timer *current = timer;
        timer->activation = &current;
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
        QTimerEvent event(Qt::TimerId(timer->id));
#else
        QTimerEvent event(timer->id);
#endif
        QCoreApplication::sendEvent(timer->object, &event);
        if (current) // not unregistered meanwhile
            current->activation = nullptr;
    }
    return activated;
}

Nanoseconds EpollEventDispatcher::Private::remaining(int id) const
{
    const auto it = timers.find(id);
    if (it == timers.end())
        return Nanoseconds(-1);
    const TimePoint now = Clock::now();
    return it->second->due > now ? it->second->due - now : 0ns;
}

#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)

void EpollEventDispatcher::registerTimer(Qt::TimerId timerId, Duration interval,
                                         Qt::TimerType timerType, QObject *object)
{
    d->registerTimer(qToUnderlying(timerId), interval, timerType, object);
}

bool EpollEventDispatcher::unregisterTimer(Qt::TimerId timerId)
{
    return d->unregisterTimer(qToUnderlying(timerId));
}

QList<QAbstractEventDispatcher::TimerInfoV2>
EpollEventDispatcher::timersForObject(QObject *object) const
{
    QList<TimerInfoV2> list;
    const auto it = d->timersByObject.find(object);
    if (it != d->timersByObject.end()) {
        for (const Timer *timer : it->second)
            list.append(TimerInfoV2{ timer->interval, Qt::TimerId(timer->id), timer->type });
    }
    return list;
}

QAbstractEventDispatcher::Duration EpollEventDispatcher::remainingTime(Qt::TimerId timerId) const
{
    const Nanoseconds remaining = d->remaining(qToUnderlying(timerId));
    return remaining < 0ns ? Duration::min() : remaining;
}

#else

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    d->registerTimer(timerId, std::chrono::milliseconds(interval), timerType, object);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    return d->unregisterTimer(timerId);
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    const auto it = d->timersByObject.find(object);
    if (it != d->timersByObject.end()) {
        for (const Timer *timer : it->second) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timer->interval);
            list.append(TimerInfo(timer->id, int(ms.count()), timer->type));
        }
    }
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const Nanoseconds remaining = d->remaining(timerId);
    if (remaining < 0ns)
        return -1;
    // Rounded up: a timer that has not fired has time left. A very coarse timer of the longest
    // interval fires up to a second after it: no more than the longest int says.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
    return int(qMin<qint64>(ms, std::numeric_limits<int>::max()));
}

#endif

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    const auto it = d->timersByObject.find(object);
    if (it == d->timersByObject.end())
        return false;
    const std::vector<Timer *> list = it->second; // removeTimer() edits the original
    for (Timer *timer : list)
        d->removeTimer(timer);
    return true;
}

QAbstractEventDispatcher *readingThreadDispatcher()
{
    return new EpollEventDispatcher;
}

bool dispatcherScales()
{
    return qobject_cast<EpollEventDispatcher *>(QThread::currentThread()->eventDispatcher());
}

} // namespace QtSse
