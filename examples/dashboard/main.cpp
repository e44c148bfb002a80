// SPDX-License-Identifier: MIT
// The live dashboard: EventSource + EventModel in QML, against the demo server's ticker.
//   dashboard [--url URL] [--quit-after MS] [--screenshot FILE.png]
// Without --url it starts the demo server in-process, on a free loopback port, and says so.
#include "demoserver.h"
#include "windowsconsole.h"

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qtimer.h>
#include <QtGui/qguiapplication.h>
#include <QtGui/qimage.h>
#include <QtQml/qqmlapplicationengine.h>
#include <QtQuick/qquickwindow.h>

#include <cstdio>

#if defined(QTSSE_STATIC)
#  include <QtQml/qqmlextensionplugin.h>
// A static QtSse: its QML module is linked into the application, not loaded from a directory.
Q_IMPORT_QML_PLUGIN(QtSsePlugin)
#endif

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QtSseExample::attachToParentConsole(); // Windows: the console it was started from
    QGuiApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    const QCommandLineOption urlOption(
            u"url"_s,
            u"The ticker stream, e.g. http://127.0.0.1:8765/ticker (default: the demo server's, "
            "started in-process)."_s,
            u"URL"_s);
    const QCommandLineOption quitOption(
            u"quit-after"_s, u"Quit after MS ms; exit 1 if no event arrived."_s, u"MS"_s);
    const QCommandLineOption shotOption(u"screenshot"_s,
                                        u"Save a PNG of the window before quitting."_s, u"FILE"_s);
    cli.addOptions({ urlOption, quitOption, shotOption });
    cli.process(app);

    QUrl url = QUrl::fromUserInput(cli.value(urlOption));
    if (!cli.isSet(urlOption)) {
        const DemoServer *server = DemoServer::startInProcess(u"dashboard"_s, &app);
        if (!server)
            return 1;
        url = server->baseUrl().resolved(QUrl(u"ticker"_s));
    }

    QQmlApplicationEngine engine;
#ifdef QTSSE_QML_IMPORT_DIR
    engine.addImportPath(QStringLiteral(QTSSE_QML_IMPORT_DIR)); // QtSse built with the example
#endif
#if defined(QTSSE_STATIC)
    engine.addImportPath(
            u"qrc:/qt/qml"_s); // the linked module's qmldir (Qt 6.5+ looks there anyway)
#endif
    engine.setInitialProperties(
            { { u"streamUrl"_s, url }, { u"smokeTest"_s, cli.isSet(quitOption) } });
    QObject::connect(
            &engine, &QQmlApplicationEngine::objectCreationFailed, &app,
            [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(u"qrc:/qt/qml/Dashboard/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    if (cli.isSet(quitOption)) {
        QTimer::singleShot(cli.value(quitOption).toInt(), &app, [&] {
            auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
            if (cli.isSet(shotOption) && window)
                window->grabWindow().save(cli.value(shotOption));
            const int received = window ? window->property("eventsReceived").toInt() : 0;
            std::printf("dashboard: %d events received\n", received);
            QCoreApplication::exit(received > 0 ? 0 : 1);
        });
    }
    return QGuiApplication::exec();
}
