// SPDX-License-Identifier: MIT
// ssecat: print the events of a text/event-stream, the way curl prints an HTTP body.
//
//   ssecat [options] URL       connect with QtSse::EventSource and print what arrives
//   ssecat [options]           the same against the demo server, started in-process (its ticker)
//   ssecat --input FILE        parse FILE (or - for stdin) as one connection's body
//   ssecat --json ...          one JSON object per line, for scripts
//
// An example of both C++ APIs: QtSse::EventSource with signals and lambdas for the network
// mode, and QtSse::EventStreamParser with a Handler for the offline mode.
#include <QtSse/EventSource>
#include <QtSse/EventStreamParser>

#include "demoserver.h"

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qfile.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtNetwork/qsslconfiguration.h>
#include <QtNetwork/qsslcertificate.h>

#include <algorithm>
#include <cstdio>
#ifdef Q_OS_UNIX
#  include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace {

enum ExitCode { ExitOk = 0, ExitFailed = 1, ExitUsage = 2 };

// Writes what ssecat reports, as JSON lines or in a readable form, to stdout.
class Printer
{
public:
    explicit Printer(bool json) : m_json(json) { }

    void event(const QtSse::MessageEvent &e)
    {
        if (m_json) {
            beginObject("event");
            field("type", e.type());
            field("data", e.data());
            field("lastEventId", e.lastEventId());
            if (!e.origin().isEmpty())
                field("origin", e.origin());
            endObject();
            return;
        }
        // Readable: the event as it would be written on the wire, normalised.
        if (e.type() != "message"_L1)
            line(u"event: "_s + e.type());
        if (!e.lastEventId().isEmpty())
            line(u"id: "_s + e.lastEventId());
        for (const QStringView l : QStringView(e.data()).split(u'\n'))
            line(u"data: "_s + l.toString());
        line(QString());
    }
    void retry(qint64 ms)
    {
        if (m_json) {
            beginObject("retry");
            m_out += ",\"ms\":" + QByteArray::number(ms);
            endObject();
        } else {
            line(u"retry: "_s + QString::number(ms));
        }
    }
    void comment(const QString &text)
    {
        if (m_json) {
            beginObject("comment");
            field("text", text);
            endObject();
        } else {
            line(u':' + text);
        }
    }
    // With -i, the status and headers (lower-case names, repeats joined) come along.
    void open(int status = 0, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        if (m_json) {
            beginObject("open");
            if (status > 0) {
                m_out += ",\"status\":" + QByteArray::number(status) + ",\"headers\":{";
                bool first = true;
                for (const auto &[name, value] : headers) {
                    m_out += first ? "\"" : ",\"";
                    first = false;
                    appendJsonEscaped(QString::fromLatin1(name));
                    m_out += "\":\"";
                    appendJsonEscaped(QString::fromUtf8(value));
                    m_out += '"';
                }
                m_out += '}';
            }
            endObject();
            return;
        }
        line(status > 0 ? u"# open (HTTP %1)"_s.arg(status) : u"# open"_s);
        for (const auto &[name, value] : headers)
            line(u"# "_s + QString::fromLatin1(name) + u": "_s + QString::fromUtf8(value));
    }
    void finished(const QString &lastEventId)
    {
        if (m_json) {
            beginObject("finished");
            field("lastEventId", lastEventId);
            endObject();
        } else {
            line(u"# finished"_s);
        }
        flush();
    }
    void skipped(const QString &type, qint64 size)
    {
        if (m_json) {
            beginObject("skipped");
            field("type", type);
            m_out += ",\"size\":" + QByteArray::number(size);
            endObject();
        } else {
            line(u"# skipped an event of type \"%1\" and %2 bytes"_s.arg(type).arg(size));
        }
    }
    void error(const QString &message, bool reconnecting, int httpStatus)
    {
        if (m_json) {
            beginObject("error");
            field("message", message);
            field("readyState", reconnecting ? u"connecting"_s : u"closed"_s);
            m_out += ",\"httpStatus\":" + QByteArray::number(httpStatus);
            endObject();
        } else {
            line(u"# error: "_s + message);
        }
    }
    void end(const QString &lastEventId)
    {
        if (m_json) {
            beginObject("end");
            field("lastEventId", lastEventId);
            endObject();
        } else {
            line(u"# end of stream, last event id \""_s + lastEventId + u'"');
        }
        flush();
    }
    void flush()
    {
        if (!m_out.isEmpty()) {
            std::fwrite(m_out.constData(), 1, size_t(m_out.size()), stdout);
            std::fflush(stdout);
            m_out.resize(0);
        }
    }

private:
    void beginObject(const char *kind)
    {
        m_out += "{\"kind\":\"";
        m_out += kind;
        m_out += '"';
    }
    void endObject() { m_out += "}\n"; }
    void line(const QString &text)
    {
        m_out += text.toUtf8();
        m_out += '\n';
    }
    void field(const char *name, const QString &value)
    {
        m_out += ",\"";
        m_out += name;
        m_out += "\":\"";
        appendJsonEscaped(value);
        m_out += '"';
    }
    void appendJsonEscaped(const QString &value)
    {
        static const char hex[] = "0123456789abcdef";
        const QByteArray utf8 = value.toUtf8();
        for (const char c : utf8) {
            switch (c) {
            case '"':
                m_out += "\\\"";
                break;
            case '\\':
                m_out += "\\\\";
                break;
            case '\n':
                m_out += "\\n";
                break;
            case '\r':
                m_out += "\\r";
                break;
            case '\t':
                m_out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    m_out += "\\u00";
                    m_out += hex[(c >> 4) & 0xF];
                    m_out += hex[c & 0xF];
                } else {
                    m_out += c;
                }
            }
        }
    }

    QByteArray m_out;
    bool m_json;
};

class PrintingHandler : public QtSse::EventStreamParser::Handler
{
public:
    explicit PrintingHandler(Printer &printer) : m_printer(printer) { }
    bool handleEvent(const QtSse::MessageEvent &event) override
    {
        m_printer.event(event);
        return true;
    }
    bool handleRetry(qint64 ms) override
    {
        m_printer.retry(ms);
        return true;
    }
    bool handleComment(const QString &text) override
    {
        m_printer.comment(text);
        return true;
    }
    bool handleSkippedEvent(const QString &type, qint64 size) override
    {
        m_printer.skipped(type, size);
        return true;
    }

private:
    Printer &m_printer;
};

// Offline mode: the file is one connection's body.
struct FileOptions
{
    QString lastEventId;
    qint64 maxEventSize = 0;
    bool flushAtEnd = false;
    bool skipOversize = false;
};

int parseFile(const QString &path, const FileOptions &options, Printer &printer)
{
    QFile file;
    const bool opened = path == "-"_L1
            ? file.open(stdin, QIODevice::ReadOnly | QIODevice::Unbuffered)
            : (file.setFileName(path), file.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
    if (!opened) {
        std::fprintf(stderr, "ssecat: cannot open %s: %s\n", qPrintable(path),
                     qPrintable(file.errorString()));
        return ExitFailed;
    }
    PrintingHandler handler(printer);
    QtSse::EventStreamParser parser(&handler);
    if (options.maxEventSize > 0)
        parser.setMaximumEventSize(options.maxEventSize);
    parser.setSkipOversizedEvents(options.skipOversize);
    parser.startBody(options.lastEventId);
    QByteArray buffer(64 * 1024, Qt::Uninitialized);
    for (;;) {
        const qint64 n = file.read(buffer.data(), buffer.size());
        if (n < 0) {
            std::fprintf(stderr, "ssecat: read error: %s\n", qPrintable(file.errorString()));
            return ExitFailed;
        }
        if (n == 0)
            break;
        if (parser.feed(QByteArrayView(buffer.constData(), n))
            == QtSse::EventStreamParser::Status::EventTooLarge) {
            printer.flush();
            std::fprintf(stderr, "ssecat: an event exceeds the maximum event size (%lld bytes)\n",
                         static_cast<long long>(parser.maximumEventSize()));
            return ExitFailed;
        }
        printer.flush();
    }
    if (options.flushAtEnd)
        parser.flush();
    parser.finishBody();
    printer.end(parser.lastEventId());
    return ExitOk;
}

// Network mode: one EventSource, its signals printed as they come.
class NetworkCat : public QObject
{
public:
    struct Options
    {
        QUrl url;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray method;
        QByteArray body;
        QString lastEventId;
        int reconnectTime = -1;
        int readTimeout = 0;
        qint64 maxEventSize = 0;
        qint64 maxEvents = 0;
        bool noReconnect = false;
        bool retryHttpErrors = false;
        QStringList finishMarkers;
        QtSse::EventSource::ReconnectPolicy reconnectPolicy = QtSse::EventSource::AlwaysReconnect;
        QtSse::EventSource::Transport transport = QtSse::EventSource::AutomaticTransport;
        bool flushAtEnd = false;
        bool include = false;
        bool skipOversize = false;
        bool commands = false;
        QString caCertificates;
    };

    NetworkCat(const Options &options, Printer &printer) : m_options(options), m_printer(printer)
    {
        using QtSse::EventSource;
        m_source.setUrl(options.url);
        QNetworkRequest request;
        for (const auto &[name, value] : options.headers)
            request.setRawHeader(name, value);
        if (!options.caCertificates.isEmpty()) {
            QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
            tls.addCaCertificates(QSslCertificate::fromPath(options.caCertificates));
            request.setSslConfiguration(tls);
        }
        m_source.setRequest(request);
        m_source.setMethod(options.method);
        m_source.setBody(options.body);
        m_source.setLastEventId(options.lastEventId);
        if (options.reconnectTime >= 0)
            m_source.setReconnectionTime(options.reconnectTime);
        m_source.setReadTimeout(options.readTimeout);
        if (options.maxEventSize > 0)
            m_source.setMaximumEventSize(options.maxEventSize);
        if (options.retryHttpErrors)
            m_source.setHttpErrorPolicy(EventSource::RetryServerErrors);
        m_source.setFinishMarkers(options.finishMarkers);
        m_source.setReconnectPolicy(options.reconnectPolicy);
        m_source.setTransport(options.transport);
        m_source.setDispatchUnterminatedEvent(options.flushAtEnd);
        if (options.skipOversize)
            m_source.setOversizedEventPolicy(EventSource::SkipOversizedEvents);

        connect(&m_source, &EventSource::opened, this, [this] {
            if (m_options.include) {
                // One entry per name, in the server's order, repeats joined as the API joins.
                QList<QPair<QByteArray, QByteArray>> headers;
                for (const auto &header : m_source.responseHeaders()) {
                    if (std::none_of(headers.cbegin(), headers.cend(),
                                     [&](const auto &h) { return h.first == header.first; }))
                        headers.append({ header.first, m_source.responseHeader(header.first) });
                }
                m_printer.open(m_source.httpStatus(), headers);
            } else {
                m_printer.open();
            }
            scheduleFlush();
        });
        connect(&m_source, &EventSource::finished, this, [this] {
            m_printer.finished(m_source.lastEventId());
            finish(ExitOk);
        });
        connect(&m_source, &EventSource::eventSkipped, this,
                [this](const QString &type, qint64 size) {
                    m_printer.skipped(type, size);
                    scheduleFlush();
                });
        connect(&m_source, &EventSource::eventReceived, this, [this](const QtSse::MessageEvent &e) {
            m_printer.event(e);
            scheduleFlush();
            if (m_options.maxEvents > 0 && ++m_events >= m_options.maxEvents)
                finish(ExitOk);
        });
        connect(&m_source, &EventSource::commentReceived, this, [this](const QString &text) {
            m_printer.comment(text);
            scheduleFlush();
        });
        // Every retry field as the server sent it, not the reconnection time it results in
        // (which changes only when the value does, and is clamped to int).
        connect(&m_source, &EventSource::retryReceived, this, [this](qint64 ms) {
            m_printer.retry(ms);
            scheduleFlush();
        });
        connect(&m_source, &EventSource::errorOccurred, this, [this](EventSource::Error error) {
            const bool reconnecting = m_source.readyState() == EventSource::Connecting;
            if (reconnecting && m_options.noReconnect) {
                // The connection ended: report it as the end it was, not as a pending retry.
                const QString lastId = m_source.lastEventId();
                const QString message =
                        m_source.errorString() + u"; not reconnecting (--no-reconnect)"_s;
                m_source.close();
                if (error == EventSource::StreamEndedError) {
                    m_printer.end(lastId);
                    finish(ExitOk);
                } else {
                    m_printer.error(message, false, m_source.httpStatus());
                    finish(ExitFailed);
                }
                return;
            }
            // The source's text says why; the line also says when the next attempt follows.
            QString message = m_source.errorString();
            if (reconnecting)
                message += u"; reconnecting in %1 ms"_s.arg(m_source.reconnectDelay());
            m_printer.error(message, reconnecting, m_source.httpStatus());
            scheduleFlush();
            if (!reconnecting) // failed for good; a 204 is the server asking us to stop
                finish(m_source.httpStatus() == 204 ? ExitOk : ExitFailed);
        });
    }

    void start()
    {
#ifdef Q_OS_UNIX
        if (m_options.commands) {
            m_stdin = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
            connect(m_stdin, &QSocketNotifier::activated, this, [this] { readCommands(); });
        }
#endif
        m_source.open();
    }

private:
    void scheduleFlush()
    {
        if (m_flushScheduled)
            return;
        m_flushScheduled = true;
        QTimer::singleShot(0, this, [this] {
            m_flushScheduled = false;
            m_printer.flush();
        });
    }

    void finish(int code)
    {
        m_source.close();
        m_printer.flush();
        QCoreApplication::exit(code);
    }

#ifdef Q_OS_UNIX
    void readCommands()
    {
        char buffer[1024];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) {
            m_stdin->setEnabled(false); // end of the commands; keep streaming
            return;
        }
        m_commandBuffer.append(buffer, n);
        qsizetype eol;
        while ((eol = m_commandBuffer.indexOf('\n')) >= 0) {
            const QByteArray command = m_commandBuffer.left(eol).trimmed();
            m_commandBuffer.remove(0, eol + 1);
            if (command == "restart") {
                m_source.reconnect();
            } else if (command == "close") {
                finish(ExitOk);
                return;
            } else if (!command.isEmpty()) {
                std::fprintf(stderr, "ssecat: unknown command \"%s\" (restart, close)\n",
                             command.constData());
            }
        }
    }
    QSocketNotifier *m_stdin = nullptr;
    QByteArray m_commandBuffer;
#endif

    QtSse::EventSource m_source;
    Options m_options;
    Printer &m_printer;
    qint64 m_events = 0;
    bool m_flushScheduled = false;
};

bool parseNonNegative(const QString &text, qint64 *value)
{
    bool ok = false;
    *value = text.toLongLong(&ok);
    return ok && *value >= 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"ssecat"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);

    QCommandLineParser cli;
    cli.setApplicationDescription(u"Prints the events of a text/event-stream: from URL with "
                                  u"QtSse::EventSource, or from a file with --input."_s);
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addPositionalArgument(u"URL"_s,
                              u"The event stream to connect to (http or https). Without one, "
                              u"the demo server is started in-process and its ticker shown."_s,
                              u"[URL]"_s);
    const QCommandLineOption inputOption(
            u"input"_s, u"Parse FILE (- for stdin) as one connection's body, offline."_s,
            u"FILE"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print one JSON object per line."_s);
    const QCommandLineOption lastIdOption(u"last-event-id"_s, u"The last event ID to start from."_s,
                                          u"ID"_s);
    const QCommandLineOption maxSizeOption(
            u"max-event-size"_s, u"The most bytes one event may buffer (default 16 MiB)."_s,
            u"BYTES"_s);
    const QCommandLineOption headerOption(QStringList{ u"H"_s, u"header"_s },
                                          u"Add a request header, as 'Name: value' (repeatable)."_s,
                                          u"HEADER"_s);
    const QCommandLineOption methodOption(QStringList{ u"X"_s, u"request"_s },
                                          u"The request method (default GET, or POST with -d)."_s,
                                          u"METHOD"_s);
    const QCommandLineOption dataOption(
            QStringList{ u"d"_s, u"data"_s },
            u"Send BODY with the request (POST unless -X says otherwise)."_s, u"BODY"_s);
    const QCommandLineOption reconnectOption(
            u"reconnect-time"_s, u"The initial reconnection time in ms (default 3000)."_s, u"MS"_s);
    const QCommandLineOption readTimeoutOption(
            u"read-timeout"_s, u"Reconnect when no bytes arrive for MS ms (default off)."_s,
            u"MS"_s);
    const QCommandLineOption countOption(
            u"n"_s, u"Exit 0 after N events, counted across reconnects."_s, u"N"_s);
    const QCommandLineOption noReconnectOption(
            u"no-reconnect"_s,
            u"Exit when the connection ends: 0 after a normal end, 1 after a failure."_s);
    const QCommandLineOption retryHttpErrorsOption(
            u"retry-http-errors"_s,
            u"Retry server errors (5xx, 429, 408) as network errors are, honouring Retry-After, "
            u"instead of exiting 1 (other statuses still end the run)."_s);
    const QCommandLineOption commandsOption(
            u"commands"_s,
            u"Read commands from stdin, one per line: restart (reconnect now, keeping the "
            u"last event ID), close (close and exit 0)."_s);
    const QCommandLineOption finishOnOption(
            u"finish-on"_s,
            u"The stream is complete when an event arrives whose type or data is MARKER "
            u"(repeatable): it is printed, then the finished line, and ssecat exits 0 at once."_s,
            u"MARKER"_s);
    const QCommandLineOption reconnectPolicyOption(
            u"reconnect-policy"_s,
            u"always (default: the standard's), before-first-event (retry failures until the "
            u"first event only) or never (one request). Under the last two a clean end finishes "
            u"(exit 0), or is a truncation (exit 1) when --finish-on was given and no marker came; "
            u"a failure after the first event exits 1."_s,
            u"POLICY"_s);
    const QCommandLineOption transportOption(
            u"transport"_s,
            u"What carries the requests: qnam (QNetworkAccessManager), own (QtSse's own "
            u"HTTP/1.1 client; a request it cannot carry fails, saying why) or auto (default: "
            u"QtSse chooses)."_s,
            u"TRANSPORT"_s);
    const QCommandLineOption flushOption(
            u"flush-at-end"_s,
            u"Dispatch an unterminated last event when the body ends cleanly."_s);
    const QCommandLineOption includeOption(
            QStringList{ u"i"_s, u"include"_s },
            u"Print the status and headers of the final response with the open line."_s);
    const QCommandLineOption skipOversizeOption(
            u"skip-oversize"_s,
            u"Skip an event over --max-event-size (its id is kept) instead of reconnecting."_s);
    const QCommandLineOption caOption(
            u"cacert"_s, u"Trust the CA certificates in FILE (PEM) as well as the system's."_s,
            u"FILE"_s);
    cli.addOptions({ inputOption,       jsonOption,   lastIdOption,      maxSizeOption,
                     headerOption,      methodOption, dataOption,        reconnectOption,
                     readTimeoutOption, countOption,  noReconnectOption, retryHttpErrorsOption,
                     commandsOption,    caOption,     finishOnOption,    reconnectPolicyOption,
                     transportOption,   flushOption,  includeOption,     skipOversizeOption });
    if (!cli.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "ssecat: %s\n", qPrintable(cli.errorText()));
        return ExitUsage;
    }
    if (cli.isSet(u"help"_s)) {
        std::fputs(qPrintable(cli.helpText()), stdout);
        return ExitOk;
    }
    if (cli.isSet(u"version"_s)) {
        std::printf("ssecat %s\n", qPrintable(QCoreApplication::applicationVersion()));
        return ExitOk;
    }
    auto usage = [](const char *message) {
        std::fprintf(stderr, "ssecat: %s (see --help)\n", message);
        return int(ExitUsage);
    };
    qint64 maxEventSize = 0;
    if (cli.isSet(maxSizeOption)
        && (!parseNonNegative(cli.value(maxSizeOption), &maxEventSize) || maxEventSize == 0))
        return usage("--max-event-size takes a positive number of bytes");
    Printer printer(cli.isSet(jsonOption));
    if (cli.isSet(inputOption)) {
        if (!cli.positionalArguments().isEmpty())
            return usage("--input takes no URL");
        return parseFile(cli.value(inputOption),
                         { cli.value(lastIdOption), maxEventSize, cli.isSet(flushOption),
                           cli.isSet(skipOversizeOption) },
                         printer);
    }
    if (cli.positionalArguments().size() > 1)
        return usage("give one URL, or --input FILE");

    NetworkCat::Options options;
    if (cli.positionalArguments().isEmpty()) {
        // As Qt Creator's Run starts it: something to show without setting anything up.
        const DemoServer *server = DemoServer::startInProcess(u"ssecat"_s, &app, u"ssecat URL"_s);
        if (!server)
            return 1;
        options.url = server->baseUrl().resolved(QUrl(u"ticker"_s));
    } else {
        options.url = QUrl::fromUserInput(cli.positionalArguments().constFirst());
    }
    options.lastEventId = cli.value(lastIdOption);
    options.maxEventSize = maxEventSize;
    for (const QString &header : cli.values(headerOption)) {
        const qsizetype colon = header.indexOf(u':');
        if (colon <= 0)
            return usage("-H takes 'Name: value'");
        options.headers.append({ header.left(colon).trimmed().toUtf8(),
                                 header.mid(colon + 1).trimmed().toUtf8() });
    }
    if (cli.isSet(dataOption)) {
        options.body = cli.value(dataOption).toUtf8();
        options.method = "POST";
    }
    if (cli.isSet(methodOption))
        options.method = cli.value(methodOption).toUtf8();
    qint64 number = 0;
    if (cli.isSet(reconnectOption)) {
        if (!parseNonNegative(cli.value(reconnectOption), &number) || number > INT_MAX)
            return usage("--reconnect-time takes milliseconds");
        options.reconnectTime = int(number);
    }
    if (cli.isSet(readTimeoutOption)) {
        if (!parseNonNegative(cli.value(readTimeoutOption), &number) || number > INT_MAX)
            return usage("--read-timeout takes milliseconds");
        options.readTimeout = int(number);
    }
    if (cli.isSet(countOption)) {
        if (!parseNonNegative(cli.value(countOption), &options.maxEvents) || options.maxEvents == 0)
            return usage("-n takes a positive number of events");
    }
    options.noReconnect = cli.isSet(noReconnectOption);
    options.retryHttpErrors = cli.isSet(retryHttpErrorsOption);
    options.commands = cli.isSet(commandsOption);
    options.finishMarkers = cli.values(finishOnOption);
    if (cli.isSet(reconnectPolicyOption)) {
        const QString policy = cli.value(reconnectPolicyOption);
        if (policy == "always"_L1)
            options.reconnectPolicy = QtSse::EventSource::AlwaysReconnect;
        else if (policy == "before-first-event"_L1)
            options.reconnectPolicy = QtSse::EventSource::ReconnectBeforeFirstEvent;
        else if (policy == "never"_L1)
            options.reconnectPolicy = QtSse::EventSource::NeverReconnect;
        else
            return usage("--reconnect-policy takes always, before-first-event or never");
    }
    if (cli.isSet(transportOption)) {
        const QString transport = cli.value(transportOption);
        if (transport == "auto"_L1)
            options.transport = QtSse::EventSource::AutomaticTransport;
        else if (transport == "qnam"_L1)
            options.transport = QtSse::EventSource::NetworkAccessManagerTransport;
        else if (transport == "own"_L1)
            options.transport = QtSse::EventSource::SocketTransport;
        else
            return usage("--transport takes qnam, own or auto");
    }
    options.flushAtEnd = cli.isSet(flushOption);
    options.include = cli.isSet(includeOption);
    options.skipOversize = cli.isSet(skipOversizeOption);
    options.caCertificates = cli.value(caOption);

    NetworkCat cat(options, printer);
    cat.start();
    return QCoreApplication::exec();
}
