// SPDX-License-Identifier: MIT
#include "networkmonitor_p.h"
#include "logging_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qmutex.h>
#include <QtCore/qpointer.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qhostaddress.h>
#include <QtNetwork/qnetworkinformation.h>

namespace QtSse {

namespace {
std::atomic<bool> backendEnabled{ true };
std::atomic<bool> loopbackExempt{ true };

NetworkMonitor::Reachability fromQt(QNetworkInformation::Reachability reachability)
{
    switch (reachability) {
    case QNetworkInformation::Reachability::Unknown:
        return NetworkMonitor::Reachability::Unknown;
    case QNetworkInformation::Reachability::Disconnected:
        return NetworkMonitor::Reachability::Offline;
    case QNetworkInformation::Reachability::Local:
    case QNetworkInformation::Reachability::Site:
    case QNetworkInformation::Reachability::Online:
        break;
    }
    // A server on the local network or the same site is still reachable: only "no network at
    // all" holds the sources back.
    return NetworkMonitor::Reachability::Online;
}
} // namespace

NetworkMonitor::NetworkMonitor() = default;

NetworkMonitor *NetworkMonitor::instance()
{
    // Made by whichever thread asks first; it then lives in the application's thread, whose
    // event loop outlives the sources' worker threads, and goes with the application.
    static QBasicMutex mutex;
    static QPointer<NetworkMonitor> current;
    const QMutexLocker lock(&mutex);
    if (!current) {
        auto *monitor = new NetworkMonitor;
        current = monitor;
        if (QCoreApplication *app = QCoreApplication::instance()) {
            monitor->moveToThread(app->thread());
            monitor->watchApplicationState(app);
            QObject::connect(
                    app, &QObject::destroyed, monitor, [monitor] { delete monitor; },
                    Qt::DirectConnection);
            if (backendEnabled.load())
                QMetaObject::invokeMethod(monitor, &NetworkMonitor::loadBackend,
                                          Qt::QueuedConnection);
        }
    }
    return current.data();
}

void NetworkMonitor::setBackendEnabled(bool enabled)
{
    backendEnabled.store(enabled);
}

void NetworkMonitor::setLoopbackExempt(bool exempt)
{
    loopbackExempt.store(exempt);
}

bool NetworkMonitor::followsNetwork(const QString &host)
{
    if (!loopbackExempt.load())
        return true;
    return !(host.compare(u"localhost", Qt::CaseInsensitive) == 0
             || host.endsWith(u".localhost", Qt::CaseInsensitive)
             || QHostAddress(host).isLoopback());
}

void NetworkMonitor::loadBackend()
{
    if (!backendEnabled.load() || !QNetworkInformation::loadDefaultBackend())
        return;
    QNetworkInformation *info = QNetworkInformation::instance();
    if (!info)
        return;
    const auto update = [this, info] {
        if (backendEnabled.load())
            setState(fromQt(info->reachability()), int(info->transportMedium()));
    };
    connect(info, &QNetworkInformation::reachabilityChanged, this, update);
    connect(info, &QNetworkInformation::transportMediumChanged, this, update);
    qCDebug(lcEventSource) << "network information from the" << info->backendName() << "backend";
    update();
}

// QGuiApplication::applicationStateChanged(), where the application is a GUI one: found by
// name, so that the library needs no Qt GUI.
void NetworkMonitor::watchApplicationState(QCoreApplication *app)
{
    const QMetaObject *meta = app->metaObject();
    const int signal = meta->indexOfSignal("applicationStateChanged(Qt::ApplicationState)");
    const int slot =
            staticMetaObject.indexOfSlot("onApplicationStateChanged(Qt::ApplicationState)");
    if (signal < 0 || slot < 0)
        return;
    connect(app, meta->method(signal), this, staticMetaObject.method(slot));
}

void NetworkMonitor::onApplicationStateChanged(Qt::ApplicationState state)
{
    if (state == Qt::ApplicationSuspended) {
        qCDebug(lcEventSource) << "the application is suspended";
        m_suspended = true;
    } else if (state == Qt::ApplicationActive && m_suspended) {
        qCDebug(lcEventSource) << "the application is active again after a suspension";
        m_suspended = false;
        Q_EMIT resumed();
    }
}

void NetworkMonitor::setState(Reachability reachability, int transportMedium)
{
    const Reachability before = Reachability(m_reachability.exchange(int(reachability)));
    const int transportBefore = m_transport.exchange(transportMedium);
    if (before != reachability) {
        qCDebug(lcEventSource) << "network reachability" << int(before) << "->"
                               << int(reachability);
        Q_EMIT reachabilityChanged(reachability);
    }
    // The first medium a backend reports is no change of medium.
    if (transportBefore != transportMedium && transportBefore != 0 && transportMedium != 0)
        Q_EMIT transportMediumChanged();
}

} // namespace QtSse
