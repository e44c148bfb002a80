// SPDX-License-Identifier: MIT
// ssecat: print the events of a text/event-stream, the way curl prints an HTTP body.
//
//   ssecat --input FILE        parse FILE (or - for stdin) as one connection's body
//   ssecat --json ...          one JSON object per line, for scripts
//
// An example of QtSse::EventStreamParser: a Handler receives events, retry changes and
// comments as the bytes are fed in.
#include <QtSse/eventstreamparser.h>

#include <QtCore/qcommandlineparser.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qfile.h>

#include <cstdio>

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
            line(u"data: "_s + l);
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
            case '"': m_out += "\\\""; break;
            case '\\': m_out += "\\\\"; break;
            case '\n': m_out += "\\n"; break;
            case '\r': m_out += "\\r"; break;
            case '\t': m_out += "\\t"; break;
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

private:
    Printer &m_printer;
};

// Offline mode: the file is one connection's body.
int parseFile(const QString &path, const QString &lastEventId, qint64 maxEventSize,
              Printer &printer)
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
    if (maxEventSize > 0)
        parser.setMaximumEventSize(maxEventSize);
    parser.startBody(lastEventId);
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
    parser.finishBody();
    printer.end(parser.lastEventId());
    return ExitOk;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"ssecat"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);

    QCommandLineParser cli;
    cli.setApplicationDescription(u"Prints the events of a text/event-stream."_s);
    cli.addHelpOption();
    cli.addVersionOption();
    const QCommandLineOption inputOption(u"input"_s,
            u"Parse FILE (- for stdin) as one connection's body, offline."_s, u"FILE"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print one JSON object per line."_s);
    const QCommandLineOption lastIdOption(u"last-event-id"_s,
            u"The last event ID to start from."_s, u"ID"_s);
    const QCommandLineOption maxSizeOption(u"max-event-size"_s,
            u"The most bytes one event may buffer (default 128 MiB)."_s, u"BYTES"_s);
    cli.addOptions({ inputOption, jsonOption, lastIdOption, maxSizeOption });
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
    qint64 maxEventSize = 0;
    if (cli.isSet(maxSizeOption)) {
        bool ok = false;
        maxEventSize = cli.value(maxSizeOption).toLongLong(&ok);
        if (!ok || maxEventSize <= 0) {
            std::fprintf(stderr, "ssecat: --max-event-size takes a positive number of bytes\n");
            return ExitUsage;
        }
    }
    Printer printer(cli.isSet(jsonOption));
    if (cli.isSet(inputOption)) {
        if (!cli.positionalArguments().isEmpty()) {
            std::fprintf(stderr, "ssecat: --input takes no URL\n");
            return ExitUsage;
        }
        return parseFile(cli.value(inputOption), cli.value(lastIdOption), maxEventSize, printer);
    }
    std::fprintf(stderr, "ssecat: give --input FILE (see --help)\n");
    return ExitUsage;
}
