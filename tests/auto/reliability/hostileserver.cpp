// SPDX-License-Identifier: MIT
#include "hostileserver.h"

#include "processstats.h"

#include <QtCore/qelapsedtimer.h>
#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;
using QtSse::EventSource;

namespace QtSseTest {

HostileRun::HostileRun() : settled([this] { return !rec.log.isEmpty(); })
{
    source.setReconnectionTime(60000); // no reconnect within a row unless the row says so
}

void HostileRun::serve(SseTestServer::Handler handler)
{
    server = std::make_unique<SseTestServer>(std::move(handler));
    source.setUrl(server->url(u"/s"_s));
}

void HostileRun::expectData(const QStringList &data)
{
    expectedData = data;
    settled = [this] { return rec.eventCount >= expectedData.size() || !rec.errors.isEmpty(); };
}

void addHostileColumns()
{
    QTest::addColumn<HostileRow>("row");
    QTest::addColumn<QStringList>("expectedSignals");
    QTest::addColumn<bool>("signalsRepeat");
    QTest::addColumn<int>("expectedEvents");
    QTest::addColumn<EventSource::ReadyState>("finalState");
    QTest::addColumn<EventSource::Error>("finalError");
}

void runHostileRow()
{
    QFETCH(HostileRow, row);
    QFETCH(QStringList, expectedSignals);
    QFETCH(bool, signalsRepeat);
    QFETCH(int, expectedEvents);
    QFETCH(EventSource::ReadyState, finalState);
    QFETCH(EventSource::Error, finalError);

    HostileRun run;
    run.rssBefore = residentBytes();
    row.setup(run);
    if (QTest::currentTestFailed())
        return;

    QElapsedTimer clock;
    clock.start();
    const double cpuBefore = cpuSeconds();
    run.source.open();
    QTRY_VERIFY_WITH_TIMEOUT(run.settled(), run.timeoutMs);
    run.elapsedMs = clock.elapsed();
    run.cpuUsed = cpuSeconds() - cpuBefore;
    run.rssAfter = residentBytes();
    if (run.quietMs > 0)
        QTest::qWait(run.quietMs);

    // The signals, in order, each seen in the right readyState.
    const Recorder &rec = run.rec;
    if (signalsRepeat) {
        QVERIFY2(rec.log.size() >= expectedSignals.size(), qPrintable(rec.log.join(u", "_s)));
        for (qsizetype i = 0; i < rec.log.size(); ++i)
            QCOMPARE(rec.log.at(i), expectedSignals.at(i % expectedSignals.size()));
    } else {
        QCOMPARE(rec.log, expectedSignals);
    }
    QCOMPARE(rec.eventCount, qint64(expectedEvents));
    QCOMPARE(run.source.readyState(), finalState);
    QCOMPARE(run.source.error(), finalError);
    if (finalError == EventSource::NoError)
        QVERIFY(rec.errors.isEmpty());
    else
        QVERIFY(!run.source.errorString().isEmpty());
    if (!run.expectedData.isEmpty())
        QCOMPARE(dataOf(rec.events), run.expectedData);

    row.check(run);
    run.source.close();
}

} // namespace QtSseTest
