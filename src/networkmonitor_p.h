// SPDX-License-Identifier: MIT
#ifndef QTSSE_NETWORKMONITOR_P_H
#define QTSSE_NETWORKMONITOR_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "qtsse_global.h"

#include <QtCore/qobject.h>

QT_BEGIN_NAMESPACE
class QCoreApplication;
QT_END_NAMESPACE

#include <atomic>

namespace QtSse {

// What the process knows of the machine's network: reachability and the transport medium, from
// QNetworkInformation where a backend exists, else Unknown (which counts as reachable). One per
// process, living in the application's thread; sources in any thread read its state and get its
// signals queued. It knows nothing of EventSource.
class QTSSE_AUTOTEST_EXPORT NetworkMonitor : public QObject
{
    Q_OBJECT
public:
    enum class Reachability { Unknown, Offline, Online };

    // The process-wide monitor, made on first use. Loads the default QNetworkInformation
    // backend, from the application's thread, unless setBackendEnabled(false) came first.
    static NetworkMonitor *instance();
    // For tests: no QNetworkInformation backend, so that only setState() changes the state.
    static void setBackendEnabled(bool enabled);
    // Whether streams from this machine itself (a loopback host) ignore the network, as they
    // do by default: a server on localhost answers whatever the network does. Tests whose
    // servers are on loopback turn it off.
    static void setLoopbackExempt(bool exempt);
    // Whether a stream from `host` is held back while offline.
    static bool followsNetwork(const QString &host);

    Reachability reachability() const { return Reachability(m_reachability.load()); }
    bool isOffline() const { return reachability() == Reachability::Offline; }
    // An opaque value (QNetworkInformation::TransportMedium); a change is a new medium.
    int transportMedium() const { return m_transport.load(); }

    // Sets the state and emits what changed. The backend calls it, and tests.
    void setState(Reachability reachability, int transportMedium);

Q_SIGNALS:
    void reachabilityChanged(QtSse::NetworkMonitor::Reachability reachability);
    void transportMediumChanged();
    // The application came back from Qt::ApplicationSuspended (iOS, Android): the sockets it
    // had may be dead while their streams look open.
    void resumed();

private Q_SLOTS:
    void onApplicationStateChanged(Qt::ApplicationState state);

private:
    NetworkMonitor();
    void loadBackend();
    void watchApplicationState(QCoreApplication *app);

    bool m_suspended = false; // in the application's thread

    std::atomic<int> m_reachability{ int(Reachability::Unknown) };
    std::atomic<int> m_transport{ 0 };
};

} // namespace QtSse

#endif // QTSSE_NETWORKMONITOR_P_H
