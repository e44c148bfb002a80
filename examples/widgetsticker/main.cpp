// SPDX-License-Identifier: MIT
// widgetsticker: a Qt Widgets client of the demo server's ticker feed.
//   widgetsticker [URL]     (default http://127.0.0.1:8765/ticker; run ssedemoserver first)
#include "tickerwindow.h"

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qtimer.h>
#include <QtWidgets/qapplication.h>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    cli.addPositionalArgument(u"URL"_s,
                              u"The ticker stream (default http://127.0.0.1:8765/ticker)."_s);
    const QCommandLineOption quitAfter(
            u"quit-after"_s, u"Quit after MS ms; exit 1 if no event arrived (for smoke tests)."_s,
            u"MS"_s);
    cli.addOption(quitAfter);
    cli.process(app);
    const QUrl url = cli.positionalArguments().isEmpty()
            ? QUrl(u"http://127.0.0.1:8765/ticker"_s)
            : QUrl::fromUserInput(cli.positionalArguments().constFirst());
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
