// SPDX-License-Identifier: MIT
#ifndef QTSSE_HOSTILESERVER_H
#define QTSSE_HOSTILESERVER_H

// One row of a hostile-server table: a server scripted by the row, an EventSource opened on it,
// and what must come of it. HostileRow::setup starts the row's server(s) and configures the
// source; runHostileRow() opens it, waits until the row's `settled` holds, compares the signals,
// event count, final readyState and error with the row's columns, and calls HostileRow::check
// for what the row checks beyond that.

#include "recorder.h"
#include "serverfaults.h"
#include "ssetestserver.h"
#include "tlstestserver.h"

#include <QtSse/EventSource>

#include <QtCore/qmetatype.h>
#include <QtCore/qstringlist.h>

#include <functional>
#include <memory>

namespace QtSseTest {

// What one row set up, and what the run measured.
struct HostileRun
{
    HostileRun();
    Q_DISABLE_COPY_MOVE(HostileRun)

    // Starts `server` with `handler` and points the source at it.
    void serve(SseTestServer::Handler handler);
    // The events carry `data`, in order; the row settles once as many arrived, or an error.
    void expectData(const QStringList &data);

    QtSse::EventSource source;
    Recorder rec{ &source };
    std::unique_ptr<SseTestServer> server;
    std::unique_ptr<SseTestServer> other;
    std::unique_ptr<TlsTestServer> tls;
    std::unique_ptr<SlammingServer> slammer;

    // Set by the row's setup.
    std::function<bool()> settled; // by default: the first signal was logged
    int timeoutMs = 10000;
    // After settling, how long events go on being processed before the checks: for a
    // reconnect that must not happen to show. A loaded machine can only hide such a bug in this
    // time, never make a correct client fail.
    int quietMs = 0;
    QStringList expectedData; // when not empty: the data of every event, in order
    qint64 serverBytes = 0; // for the row's server to count what it sent

    // Measured by runHostileRow(), from just before open() until settled.
    qint64 elapsedMs = 0;
    double cpuUsed = 0;
    qint64 rssBefore = -1; // before the row's setup
    qint64 rssAfter = -1;
};

struct HostileRow
{
    std::function<void(HostileRun &)> setup;
    std::function<void(HostileRun &)> check = [](HostileRun &) {};
};

// The columns of a hostile-server table, for its _data function: "row" (a HostileRow),
// "expectedSignals" (the open/error entries of recorder.h, in order), "signalsRepeat" (the
// list is a cycle, seen one or more times), "expectedEvents" (eventReceived, whatever the
// type), "finalState" and "finalError" (before the source is closed).
void addHostileColumns();

// Runs the current row of such a table; the test function of the table calls it.
void runHostileRow();

} // namespace QtSseTest

Q_DECLARE_METATYPE(QtSseTest::HostileRow)

#endif // QTSSE_HOSTILESERVER_H
