// SPDX-License-Identifier: MIT
// widgetsticker: a Qt Widgets client of the demo server's ticker feed.
//   widgetsticker [--url URL] [--quit-after MS]
// Without --url it starts the demo server in-process, on a free loopback port, and says so.
#include "demoserver.h"
#include "tickerwindow.h"
#include "windowsconsole.h"

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qtimer.h>
#include <QtWidgets/qapplication.h>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QtSseExample::attachToParentConsole(); // Windows: the console it was started from
    QApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    const QCommandLineOption urlOption(
            u"url"_s,
            u"The ticker stream, e.g. http://127.0.0.1:8765/ticker (default: the demo server's, "
            "started in-process)."_s,
            u"URL"_s);
    const QCommandLineOption quitAfter(
            u"quit-after"_s, u"Quit after MS ms; exit 1 if no event arrived (for smoke tests)."_s,
            u"MS"_s);
    cli.addOptions({ urlOption, quitAfter });
    cli.process(app);
    QUrl url = QUrl::fromUserInput(cli.value(urlOption));
    if (!cli.isSet(urlOption)) {
        const DemoServer *server = DemoServer::startInProcess(u"widgetsticker"_s, &app);
        if (!server)
            return 1;
        url = server->baseUrl().resolved(QUrl(u"ticker"_s));
    }
    TickerWindow window(url);
    window.show();
    if (cli.isSet(quitAfter)) {
        QTimer::singleShot(cli.value(quitAfter).toInt(), &app, [&window] {
            const int received = window.eventsReceived();
            std::printf("widgetsticker: %d events received\n", received);
            QCoreApplication::exit(received > 0 ? 0 : 1);
        });
    }
    return QApplication::exec();
}
