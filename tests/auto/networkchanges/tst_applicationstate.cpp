// SPDX-License-Identifier: MIT
// EventSource and a suspended application: after iOS or Android suspends an application its
// sockets may be dead while the stream looks open, so when QGuiApplication reports the
// application active again after Qt::ApplicationSuspended, an open stream reconnects at once,
// keeping Last-Event-ID. Other state changes (inactive, hidden) leave it alone.
//
// The state change is driven through QGuiApplication's own applicationStateChanged() signal,
// emitted as the platform plugin's report would emit it (QGuiApplicationPrivate and
// QWindowSystemInterface are private API, whose headers Debian ships apart).
#include "networkmonitor_p.h"
#include "ssetestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qpointer.h>
#include <QtGui/qguiapplication.h>
#include <QtTest/qtest.h>

using namespace QtSse;
using namespace Qt::StringLiterals;

namespace {

void emitApplicationState(Qt::ApplicationState state)
{
    QVERIFY(QMetaObject::invokeMethod(QGuiApplication::instance(), "applicationStateChanged",
                                      Qt::DirectConnection, Q_ARG(Qt::ApplicationState, state)));
}

// Answers each request by its Last-Event-ID with the next event, and stays open.
struct ResumingServer
{
    ResumingServer()
        : server([this](const HttpRequest &request, QTcpSocket *socket) {
              lastEventIds.append(request.header("Last-Event-ID"));
              const int next = request.header("Last-Event-ID").toInt() + 1;
              SseTestServer::writeStreamHead(socket);
              socket->write("id: " + QByteArray::number(next) + "\ndata: e\n\n");
          })
    {
    }
    SseTestServer server;
    QList<QByteArray> lastEventIds;
};

} // namespace

class tst_ApplicationState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void resumeAfterSuspensionReconnects();
    void otherStateChangesLeaveTheStreamAlone();
    void notFollowingTheNetworkIgnoresIt();
};

void tst_ApplicationState::initTestCase()
{
    NetworkMonitor::setBackendEnabled(false); // only the application's state matters here
    QVERIFY(qobject_cast<QGuiApplication *>(QCoreApplication::instance()));
}

void tst_ApplicationState::resumeAfterSuspensionReconnects()
{
    ResumingServer s;
    EventSource source(s.server.url(u"/s"_s));
    int events = 0;
    connect(&source, &EventSource::messageReceived, this, [&events] { ++events; });
    source.open();
    QTRY_COMPARE(events, 1);
    QCOMPARE(source.lastEventId(), u"1"_s);

    emitApplicationState(Qt::ApplicationInactive);
    emitApplicationState(Qt::ApplicationSuspended);
    QCOMPARE(source.readyState(), EventSource::Open); // nothing to do while suspended
    emitApplicationState(Qt::ApplicationActive);
    QCOMPARE(source.readyState(), EventSource::Connecting); // at once, not after a back-off
    QTRY_COMPARE(events, 2);
    QCOMPARE(source.readyState(), EventSource::Open);
    QCOMPARE(s.lastEventIds, (QList<QByteArray>{ QByteArray(), "1" }));

    // Once: a later activation without a suspension is no resume.
    emitApplicationState(Qt::ApplicationInactive);
    emitApplicationState(Qt::ApplicationActive);
    QCOMPARE(source.readyState(), EventSource::Open);

    // A closed source stays closed.
    source.close();
    emitApplicationState(Qt::ApplicationSuspended);
    emitApplicationState(Qt::ApplicationActive);
    QCOMPARE(source.readyState(), EventSource::Closed);
    QCOMPARE(s.server.requests.size(), 2);
}

void tst_ApplicationState::otherStateChangesLeaveTheStreamAlone()
{
    ResumingServer s;
    EventSource source(s.server.url(u"/s"_s));
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    for (Qt::ApplicationState state :
         { Qt::ApplicationInactive, Qt::ApplicationHidden, Qt::ApplicationActive,
           Qt::ApplicationHidden, Qt::ApplicationActive }) {
        emitApplicationState(state);
        QCOMPARE(source.readyState(), EventSource::Open);
    }
    QCOMPARE(s.server.requests.size(), 1);
}

void tst_ApplicationState::notFollowingTheNetworkIgnoresIt()
{
    ResumingServer s;
    EventSource source(s.server.url(u"/s"_s));
    source.setFollowNetworkChanges(false);
    source.open();
    QTRY_COMPARE(source.readyState(), EventSource::Open);
    emitApplicationState(Qt::ApplicationSuspended);
    emitApplicationState(Qt::ApplicationActive);
    QCOMPARE(source.readyState(), EventSource::Open);
}

QTEST_MAIN(tst_ApplicationState)
#include "tst_applicationstate.moc"
