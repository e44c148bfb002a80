// SPDX-License-Identifier: MIT
// ssedemoserver: the Server-Sent Events server the QtSse examples run against.
#include "demoserver.h"
#include "mcpendpoint.h"

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qcoreapplication.h>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"ssedemoserver"_s);
    QCommandLineParser cli;
    cli.setApplicationDescription(u"The SSE server of the QtSse examples (loopback only)."_s);
    cli.addHelpOption();
    const QCommandLineOption portOption(
            u"port"_s, u"Port to listen on (default 8765; 0 picks one)."_s, u"PORT"_s, u"8765"_s);
    const QCommandLineOption dropOption(
            u"drop-every"_s, u"Drop every open stream each SECONDS seconds, to show reconnects."_s,
            u"SECONDS"_s);
    const QCommandLineOption tickOption(u"tick-ms"_s, u"Ticker period in ms (default 250)."_s,
                                        u"MS"_s);
    cli.addOptions({ portOption, dropOption, tickOption });
    cli.process(app);

    DemoServer::Options options;
    options.dropEverySeconds = cli.value(dropOption).toInt();
    if (cli.isSet(tickOption))
        options.tickMs = qMax(1, cli.value(tickOption).toInt());
    DemoServer server(options);
    McpEndpoint::install(&server);
    if (!server.listen(QHostAddress::LocalHost, quint16(cli.value(portOption).toUInt()))) {
        std::fprintf(stderr, "ssedemoserver: cannot listen: %s\n",
                     qPrintable(server.errorString()));
        return 1;
    }
    std::printf("ssedemoserver listening on http://127.0.0.1:%u/\n", unsigned(server.serverPort()));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
