// SPDX-License-Identifier: MIT
// mcpclient: a small MCP client (Streamable HTTP) on QtSse, with a QML face or headless.
//   mcpclient [--url URL] [--call NAME[=JSON]] [--quit-after MS] [--screenshot FILE.png]
//       the face; without --url it starts the demo server in-process and uses its /mcp
//   mcpclient [--call NAME[=JSON]]... [--elicitation-defaults] [--wait-notifications N] URL
//       headless, as MCP's conformance suite drives clients (it appends the server's URL):
//       initialize, list the tools, call each --call tool in turn, end the session; the
//       exchange is printed as it happens. Exit 0 when every step succeeded.
#include "demoserver.h"
#include "mcpendpoint.h"
#include "mcpsession.h"

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qtimer.h>
#include <QtGui/qguiapplication.h>
#include <QtGui/qimage.h>
#include <QtQml/qqmlapplicationengine.h>
#include <QtQuick/qquickwindow.h>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

void say(const QString &line)
{
    std::fprintf(stdout, "%s\n", qPrintable(line));
    std::fflush(stdout);
}

struct Call
{
    QString tool;
    QJsonObject arguments;
    bool argumentsGiven = false;
};

// NAME or NAME=JSON (the arguments object).
bool parseCall(const QString &text, Call *call, QString *error)
{
    const qsizetype equals = text.indexOf(u'=');
    call->tool = equals < 0 ? text : text.left(equals);
    if (equals < 0)
        return true;
    QJsonParseError parseError;
    const QJsonDocument document =
            QJsonDocument::fromJson(text.mid(equals + 1).toUtf8(), &parseError);
    if (!document.isObject()) {
        *error = u"--call %1: the arguments are not a JSON object (%2)"_s.arg(
                call->tool, parseError.errorString());
        return false;
    }
    call->arguments = document.object();
    call->argumentsGiven = true;
    return true;
}

// The headless client: one session, the calls in turn, then DELETE.
class Headless : public QObject
{
public:
    Headless(const QUrl &url, const QList<Call> &calls, int waitNotifications, bool defaults)
        : m_calls(calls), m_waitNotifications(waitNotifications)
    {
        m_session.setUrl(url);
        m_session.setAcceptElicitationDefaults(defaults);
        connect(&m_session, &McpSession::exchange, this, &say);
        connect(&m_session, &McpSession::ready, this, [this] {
            say(u"session: %1"_s.arg(m_session.statusText()));
            m_session.listTools();
        });
        connect(&m_session, &McpSession::toolsChanged, this, [this] {
            if (m_session.state() != McpSession::Ready)
                return;
            QStringList names;
            for (const QJsonValue &tool : m_session.tools())
                names.append(tool.toObject().value(u"name"_s).toString());
            say(u"tools: %1"_s.arg(names.isEmpty() ? u"(none)"_s : names.join(u", "_s)));
            if (!m_listed) {
                m_listed = true;
                next();
            }
        });
        connect(&m_session, &McpSession::toolResult, this,
                [this](int, const QString &tool, const QJsonObject &result) {
                    const bool isError = result.value(u"isError"_s).toBool();
                    say(u"result of %1%2: %3"_s.arg(tool, isError ? u" (error)"_s : QString(),
                                                    McpSession::resultText(result)));
                    if (isError)
                        m_failed = true;
                    next();
                });
        connect(&m_session, &McpSession::requestFailed, this,
                [this](int id, const QString &method, const QString &message) {
                    say(u"failed: %1 #%2: %3"_s.arg(method).arg(id).arg(message));
                    m_failed = true;
                    if (method == "initialize"_L1)
                        QCoreApplication::exit(1);
                    else if (method != "tools/list"_L1 || !m_listed)
                        next();
                });
        connect(&m_session, &McpSession::notificationReceived, this,
                [this](const QString &, const QJsonObject &, bool onGetStream) {
                    if (onGetStream)
                        ++m_getNotifications;
                    if (m_waiting && m_getNotifications >= m_waitNotifications)
                        finish();
                });
        connect(&m_session, &McpSession::elicitationRequested, this,
                [this](const QJsonValue &id, const QString &message, const QJsonObject &) {
                    say(u"elicitation \"%1\": declined (no user here; "
                        "--elicitation-defaults accepts the defaults)"_s.arg(message));
                    m_session.answerElicitation(id, u"decline"_s, {});
                });
        connect(&m_session, &McpSession::ended, this,
                [this] { QCoreApplication::exit(m_failed ? 1 : 0); });
        m_session.start();
    }

private:
    void next()
    {
        if (m_next < m_calls.size()) {
            const Call call = m_calls.at(m_next++);
            const QJsonObject arguments = call.argumentsGiven
                    ? call.arguments
                    : McpSession::argumentsFromSchema(
                            m_session.tool(call.tool).value(u"inputSchema"_s).toObject());
            m_session.callTool(call.tool, arguments);
            return;
        }
        if (m_getNotifications < m_waitNotifications) {
            say(u"waiting for %1 notifications on the GET stream (%2 so far)"_s
                        .arg(m_waitNotifications)
                        .arg(m_getNotifications));
            m_waiting = true;
            return;
        }
        finish();
    }
    void finish()
    {
        m_waiting = false;
        m_session.end();
    }

    McpSession m_session;
    QList<Call> m_calls;
    qsizetype m_next = 0;
    int m_waitNotifications = 0;
    int m_getNotifications = 0;
    bool m_listed = false;
    bool m_waiting = false;
    bool m_failed = false;
};

} // namespace

int main(int argc, char *argv[])
{
    QCommandLineParser cli;
    cli.setApplicationDescription(u"A small MCP client (Streamable HTTP) on QtSse. Given a "
                                  "server URL it runs headless; else it shows its window."_s);
    const QCommandLineOption helpOption = cli.addHelpOption();
    const QCommandLineOption urlOption(
            u"url"_s, u"The window's MCP endpoint (default: the in-process demo server's /mcp)."_s,
            u"URL"_s);
    const QCommandLineOption callOption(
            u"call"_s,
            u"Call tool NAME, with the JSON object as arguments or else its schema's defaults "
            "(repeatable; the window calls the first once connected)."_s,
            u"NAME[=JSON]"_s);
    const QCommandLineOption defaultsOption(
            u"elicitation-defaults"_s,
            u"Test mode: accept elicitation requests with the schema's defaults."_s);
    const QCommandLineOption waitOption(
            u"wait-notifications"_s,
            u"Headless: end the session once N notifications came on the GET stream."_s, u"N"_s);
    const QCommandLineOption timeoutOption(
            u"timeout"_s, u"Headless: give up after MS ms (default 30000), exit 2."_s, u"MS"_s,
            u"30000"_s);
    const QCommandLineOption quitOption(
            u"quit-after"_s, u"Window: quit after MS ms; exit 1 if no tool result came."_s,
            u"MS"_s);
    const QCommandLineOption shotOption(u"screenshot"_s,
                                        u"Window: save a PNG of it before quitting."_s, u"FILE"_s);
    cli.addOptions({ urlOption, callOption, defaultsOption, waitOption, timeoutOption, quitOption,
                     shotOption });
    cli.addPositionalArgument(u"URL"_s, u"An MCP endpoint: run headless against it."_s);
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    // A URL (or --help) means headless, answered without a window or a display. A command line
    // this parser refuses may hold options of QGuiApplication's own, such as the
    // -qmljsdebugger=... Qt Creator adds when debugging QML: the window's application takes
    // those, and its cli.process() reports what is really wrong.
    const bool headless =
            cli.parse(arguments) && (cli.isSet(helpOption) || !cli.positionalArguments().isEmpty());

    QList<Call> calls;
    const auto parseCalls = [&] {
        for (const QString &text : cli.values(callOption)) {
            Call call;
            QString error;
            if (!parseCall(text, &call, &error)) {
                std::fprintf(stderr, "mcpclient: %s\n", qPrintable(error));
                return false;
            }
            calls.append(call);
        }
        return true;
    };

    if (headless) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(u"mcpclient"_s);
        cli.process(app);
        if (!parseCalls())
            return 1;
        if (cli.positionalArguments().size() != 1)
            cli.showHelp(1);
        const QUrl url = QUrl::fromUserInput(cli.positionalArguments().constFirst());
        Headless client(url, calls, cli.value(waitOption).toInt(), cli.isSet(defaultsOption));
        QTimer::singleShot(cli.value(timeoutOption).toInt(), &app, [] {
            say(u"mcpclient: timed out"_s);
            QCoreApplication::exit(2);
        });
        return QCoreApplication::exec();
    }

    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(u"mcpclient"_s);
    cli.process(app);
    if (!parseCalls())
        return 1;
    QUrl url = QUrl::fromUserInput(cli.value(urlOption));
    if (!cli.isSet(urlOption)) {
        DemoServer *server = DemoServer::startInProcess(u"mcpclient"_s, &app);
        if (!server)
            return 1;
        McpEndpoint::install(server);
        url = server->baseUrl().resolved(QUrl(u"mcp"_s));
    }

    // On the stack, after the application and before the engine: destroyed (with its streams
    // and their replies) while the application's event loop machinery still exists.
    McpSession sessionObject;
    McpSession *session = &sessionObject;
    session->setUrl(url);
    session->setAcceptElicitationDefaults(cli.isSet(defaultsOption));
    QQmlApplicationEngine engine;
    const Call first = calls.value(0);
    engine.setInitialProperties(
            { { u"session"_s, QVariant::fromValue(session) },
              { u"autoCallTool"_s, first.tool },
              { u"autoCallArguments"_s,
                first.argumentsGiven ? QString::fromUtf8(
                        QJsonDocument(first.arguments).toJson(QJsonDocument::Compact))
                                     : QString() } });
    QObject::connect(
            &engine, &QQmlApplicationEngine::objectCreationFailed, &app,
            [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(u"qrc:/qt/qml/McpClient/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    if (cli.isSet(quitOption)) {
        QTimer::singleShot(cli.value(quitOption).toInt(), &app, [&] {
            auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
            if (cli.isSet(shotOption) && window)
                window->grabWindow().save(cli.value(shotOption));
            const int results = window ? window->property("results").toInt() : 0;
            std::printf("mcpclient: %d tools listed, %d tool results\n",
                        int(session->tools().size()), results);
            QCoreApplication::exit(results > 0 ? 0 : 1);
        });
    }
    session->start();
    return QGuiApplication::exec();
}
