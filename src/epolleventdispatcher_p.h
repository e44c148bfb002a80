// SPDX-License-Identifier: MIT
#ifndef QTSSE_EPOLLEVENTDISPATCHER_P_H
#define QTSSE_EPOLLEVENTDISPATCHER_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "qtsse_global.h"

#include <QtCore/qabstracteventdispatcher.h>

#include <memory>

namespace QtSse {

#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
// Qt 6.8 made the timer API of a dispatcher std::chrono and Qt::TimerId based; the int-based
// virtuals are final in QAbstractEventDispatcherV2.
using EventDispatcherBase = QAbstractEventDispatcherV2;
#else
using EventDispatcherBase = QAbstractEventDispatcher;
#endif

// An event dispatcher on Linux's event poll (EPOLL), for threads that watch many sockets
// (issue 24: one reading thread carries 1,000-2,000 streams). Qt's own dispatchers
// (QEventDispatcherUNIX, QEventDispatcherGlib) hand every watched descriptor to poll() on every
// wake-up, so each event costs time in proportion to the number of sockets of the thread; here
// a descriptor is registered with the kernel once, and a wake-up costs in proportion to the
// descriptors that are ready. Timers are kept ordered by deadline (one tree, no descriptor per
// timer: each stream has an idle timer), and the earliest sets the wait's timeout. Built only on
// Linux (QTSSE_HAVE_EPOLL_DISPATCHER and the code's *_linux.cpp file, src/CMakeLists.txt); other
// systems keep Qt's dispatcher. This header is portable: it names no Linux-only header or call
// in lower case, which tests/libraryalone.cmake would take for Linux-only code.
//
// Qt's semantics, on public Qt API only: socket notifiers are activated as QEventDispatcherUNIX
// does (level-triggered; Read on readable, hang-up or error; Write on writable or error;
// Exception on priority data), at most once per wake-up, never after being disabled or deleted
// within the same wake-up; a descriptor the kernel cannot watch so (a regular file) is always
// ready, as poll() has it. Timers: PreciseTimer never fires early; CoarseTimer (intervals above
// 20 ms) is moved later by at most 5% of its interval, to a round time that other timers share;
// CoarseTimer from 20 s and VeryCoarseTimer keep whole seconds (interval rounded to the nearest
// second, fired on a second boundary, never early; a VeryCoarseTimer under half a second is a
// CoarseTimer). A timer fires at most once per processEvents() and not while its own
// timerEvent() runs. Posted events go through QCoreApplication::sendPostedEvents(); wakeUp() is
// an eventfd, safe from any thread.
class QTSSE_AUTOTEST_EXPORT EpollEventDispatcher : public EventDispatcherBase
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    QT_WARNING_PUSH
    // The other registerTimer(), unregisterTimer() and remainingTime() overloads of the base stay
    // reachable through it; Qt's own dispatchers hide them the same way.
    QT_WARNING_DISABLE_GCC("-Woverloaded-virtual")
    QT_WARNING_DISABLE_CLANG("-Woverloaded-virtual")
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
    void registerTimer(Qt::TimerId timerId, Duration interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(Qt::TimerId timerId) override;
    QList<TimerInfoV2> timersForObject(QObject *object) const override;
    Duration remainingTime(Qt::TimerId timerId) const override;
#else
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
#endif
    QT_WARNING_POP
    bool unregisterTimers(QObject *object) override;

    void wakeUp() override;
    void interrupt() override;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace QtSse

#endif // QTSSE_EPOLLEVENTDISPATCHER_P_H
