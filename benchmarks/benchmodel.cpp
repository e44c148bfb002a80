// SPDX-License-Identifier: MIT
// qtsse-bench-model: events per second appended through QtSse::EventModel with maximumCount
// 10,000, without a view and with a ListView attached (offscreen), and resident memory before
// and after, to show it stays flat once the ring is full.
//   qtsse-bench-model [--quick] [--events N] [--batch B]
#include "benchcommon.h"

#include <QtSse/EventModel>

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qelapsedtimer.h>
#include <QtGui/qguiapplication.h>
#include <QtQml/qqmlapplicationengine.h>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

struct Result
{
    double secs = 0;
    qint64 rssBeforeKiB = 0;
    qint64 rssAfterKiB = 0;
    int rows = 0;
};

// Appends `events` events, `batch` per event-loop turn (as a fast stream delivers them), and
// lets the loop run between batches so the model flushes (and a view, if any, updates).
Result feed(QtSse::EventModel &model, qint64 events, int batch)
{
    const QString type = u"tick"_s;
    const QString origin = u"http://127.0.0.1:8765"_s;
    Result r;
    // Warm up: fill the ring once, so the figure is the steady state.
    for (int i = 0; i < model.maximumCount(); ++i)
        model.append(QtSse::MessageEvent(type, QString::number(i), QString::number(i), origin));
    QCoreApplication::processEvents();
    r.rssBeforeKiB = (QtSseBench::residentBytes() / 1024);
    QElapsedTimer timer;
    timer.start();
    for (qint64 done = 0; done < events;) {
        const qint64 n = qMin<qint64>(batch, events - done);
        for (qint64 i = 0; i < n; ++i) {
            const QString seq = QString::number(done + i);
            model.append(QtSse::MessageEvent(type, u"{\"seq\":"_s + seq + u'}', seq, origin));
        }
        done += n;
        QCoreApplication::processEvents();
    }
    r.secs = double(timer.nsecsElapsed()) / 1e9;
    r.rssAfterKiB = (QtSseBench::residentBytes() / 1024);
    r.rows = model.rowCount();
    return r;
}

void print(const char *name, qint64 events, const Result &r)
{
    std::printf("%-22s %9lld events  %8.3f s  %10.2f M events/s  rows %d  RSS %lld -> %lld KiB\n",
                name, static_cast<long long>(events), r.secs, double(events) / r.secs / 1e6, r.rows,
                static_cast<long long>(r.rssBeforeKiB), static_cast<long long>(r.rssAfterKiB));
}

} // namespace

int main(int argc, char *argv[])
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    const QCommandLineOption quick(u"quick"_s, u"Tiny inputs (for ctest)."_s);
    const QCommandLineOption eventsOption(u"events"_s, u"Events per run (default 2,000,000)."_s,
                                          u"N"_s);
    const QCommandLineOption batchOption(u"batch"_s,
                                         u"Events per event-loop turn (default 1000)."_s, u"B"_s);
    cli.addOptions({ quick, eventsOption, batchOption });
    cli.process(app);
    const qint64 events = cli.isSet(quick)             ? 20000
            : cli.value(eventsOption).toLongLong() > 0 ? cli.value(eventsOption).toLongLong()
                                                       : 2000000;
    const int batch = cli.value(batchOption).toInt() > 0 ? cli.value(batchOption).toInt() : 1000;
    std::printf("qtsse-bench-model: Qt %s, maximumCount 10000, %d events per event-loop turn\n",
                qVersion(), batch);

    {
        QtSse::EventModel model;
        model.setMaximumCount(10000);
        print("model, no view", events, feed(model, events, batch));
    }
    {
        QtSse::EventModel model;
        model.setMaximumCount(10000);
        model.setNewestFirst(true);
        QQmlApplicationEngine engine;
        engine.loadData(
                "import QtQuick\n"
                "Window {\n"
                "    width: 480; height: 800; visible: true\n"
                "    property alias model: list.model\n"
                "    ListView {\n"
                "        id: list; anchors.fill: parent\n"
                "        delegate: Text { required property string display; text: display }\n"
                "    }\n"
                "}\n");
        if (engine.rootObjects().isEmpty())
            return 1;
        engine.rootObjects().constFirst()->setProperty("model", QVariant::fromValue(&model));
        QCoreApplication::processEvents();
        print("model + ListView", events, feed(model, events, batch));
    }
    return 0;
}
