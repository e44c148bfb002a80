// SPDX-License-Identifier: MIT
// A small LLM chat on QtSse: one POST per answer, the answer streamed token by token, to an
// OpenAI-compatible chat completion, the OpenAI Responses API or Anthropic's Messages API.
//   tokenstream [--url URL] [--api openai|responses|anthropic] [--model MODEL]
//               [--fault cut|429|error] [--prompt TEXT] [--stop-after TOKENS]
//               [--quit-after MS] [--screenshot FILE.png]
// Without a URL it starts the demo server in-process. The environment variables
// QTSSE_CHAT_URL, QTSSE_CHAT_KEY, QTSSE_CHAT_MODEL and QTSSE_CHAT_API point it at a real
// provider instead (the command line wins).
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

namespace {

QString optionOrEnvironment(const QCommandLineParser &cli, const QCommandLineOption &option,
                            const char *variable)
{
    return cli.isSet(option) ? cli.value(option) : qEnvironmentVariable(variable);
}

} // namespace

int main(int argc, char *argv[])
{
    QtSseExample::attachToParentConsole(); // Windows: the console it was started from
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"tokenstream"_s);
    QCommandLineParser cli;
    cli.setApplicationDescription(
            u"A small LLM chat on QtSse. Without --url (or QTSSE_CHAT_URL) it starts the demo "
            u"server in-process. QTSSE_CHAT_KEY is the API key: sent as "
            u"\"Authorization: Bearer KEY\", or for --api anthropic as x-api-key with "
            u"anthropic-version 2023-06-01."_s);
    cli.addHelpOption();
    const QCommandLineOption urlOption(
            u"url"_s,
            u"The API's base URL, such as https://api.openai.com/v1, or an endpoint's full URL "
            u"(default: QTSSE_CHAT_URL, else the in-process demo server)."_s,
            u"URL"_s);
    const QCommandLineOption apiOption(
            u"api"_s,
            u"openai (chat completions, the default), responses or anthropic (default: "
            u"QTSSE_CHAT_API)."_s,
            u"API"_s);
    const QCommandLineOption modelOption(
            u"model"_s, u"The model (default: QTSSE_CHAT_MODEL, else one per API)."_s, u"MODEL"_s);
    const QCommandLineOption faultOption(
            u"fault"_s, u"The demo server's fault: cut, 429 or error (default none)."_s,
            u"FAULT"_s);
    const QCommandLineOption promptOption(
            u"prompt"_s,
            u"Send TEXT at start, print how the answer ended and exit: 0 when it is "
            u"complete, 1 otherwise."_s,
            u"TEXT"_s);
    const QCommandLineOption stopOption(
            u"stop-after"_s, u"Press Stop after TOKENS tokens (with --prompt)."_s, u"TOKENS"_s);
    const QCommandLineOption quitOption(
            u"quit-after"_s, u"Send at start and quit after MS ms; exit 1 if no token arrived."_s,
            u"MS"_s);
    const QCommandLineOption shotOption(
            u"screenshot"_s, u"Save a PNG of the window before quitting (--quit-after)."_s,
            u"FILE"_s);
    cli.addOptions({ urlOption, apiOption, modelOption, faultOption, promptOption, stopOption,
                     quitOption, shotOption });
    cli.process(app);

    const QString api = optionOrEnvironment(cli, apiOption, "QTSSE_CHAT_API").toLower();
    if (!api.isEmpty() && api != u"openai"_s && api != u"responses"_s && api != u"anthropic"_s) {
        std::fprintf(stderr,
                     "tokenstream: --api (QTSSE_CHAT_API) is openai, responses or "
                     "anthropic, not %s\n",
                     qPrintable(api));
        return 2;
    }
    const QString fault = cli.value(faultOption);
    if (!fault.isEmpty() && fault != u"cut"_s && fault != u"429"_s && fault != u"error"_s) {
        std::fprintf(stderr, "tokenstream: --fault is cut, 429 or error\n");
        return 2;
    }
    QString model = optionOrEnvironment(cli, modelOption, "QTSSE_CHAT_MODEL");
    QString key = qEnvironmentVariable("QTSSE_CHAT_KEY");
    const QString url = optionOrEnvironment(cli, urlOption, "QTSSE_CHAT_URL");

    QUrl baseUrl;
    if (url.isEmpty()) {
        DemoServer *server = DemoServer::startInProcess(u"tokenstream"_s, &app);
        if (!server)
            return 1;
        baseUrl = server->baseUrl().resolved(QUrl(u"v1"_s));
    } else {
        baseUrl = QUrl::fromUserInput(url);
    }
    // The demo server takes any key; a real provider needs one, and has no faults to offer.
    const bool demoServer = key.isEmpty();
    if (demoServer)
        key = u"demo-key"_s;
    if (model.isEmpty())
        model = demoServer              ? u"demo"_s
                : api == u"anthropic"_s ? u"claude-sonnet-4-5"_s
                                        : u"gpt-4.1-mini"_s;

    QQmlApplicationEngine engine;
#ifdef QTSSE_QML_IMPORT_DIR
    engine.addImportPath(QStringLiteral(QTSSE_QML_IMPORT_DIR)); // in-tree build
#endif
#if defined(QTSSE_STATIC)
    engine.addImportPath(
            u"qrc:/qt/qml"_s); // the linked module's qmldir (Qt 6.5+ looks there anyway)
#endif
    QString prompt = cli.value(promptOption);
    if (prompt.isEmpty() && cli.isSet(quitOption))
        prompt = u"What are Server-Sent Events?"_s;
    engine.setInitialProperties({
            { u"baseUrl"_s, baseUrl.toString() },
            { u"apiKey"_s, key },
            { u"model"_s, model },
            { u"demoServer"_s, demoServer },
            { u"api"_s, api.isEmpty() ? u"openai"_s : api },
            { u"fault"_s, fault },
            { u"autoPrompt"_s, prompt },
            { u"stopAfterTokens"_s, cli.value(stopOption).toInt() },
            { u"exitWhenDone"_s, cli.isSet(promptOption) && !cli.isSet(quitOption) },
    });
    QObject::connect(
            &engine, &QQmlApplicationEngine::objectCreationFailed, &app,
            [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(u"qrc:/qt/qml/TokenStream/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (cli.isSet(quitOption)) {
        QTimer::singleShot(cli.value(quitOption).toInt(), &app, [&] {
            if (cli.isSet(shotOption) && window)
                window->grabWindow().save(cli.value(shotOption));
            const int tokens = window ? window->property("tokens").toInt() : 0;
            std::printf("tokenstream: %d tokens received\n", tokens);
            QCoreApplication::exit(tokens > 0 ? 0 : 1);
        });
    }
    const int status = QGuiApplication::exec();
    // With --prompt, the chat exits when the answer ends; say how.
    if (window && cli.isSet(promptOption) && !cli.isSet(quitOption)) {
        std::printf("tokenstream: %s\n", qPrintable(window->property("outcome").toString()));
        std::fflush(stdout);
    }
    return status;
}
