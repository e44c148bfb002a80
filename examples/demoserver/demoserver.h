// SPDX-License-Identifier: MIT
#ifndef DEMOSERVER_H
#define DEMOSERVER_H

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qhash.h>
#include <QtCore/qurl.h>
#include <QtCore/qlist.h>
#include <QtCore/qpointer.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <functional>

// A small Server-Sent Events server for the QtSse examples:
//   GET  /ticker              a numeric feed: "tick" events, JSON {"seq","price","volume"}
//   GET  /logs                a log feed: "log" events, JSON {"seq","level","message"}
//   POST /v1/chat/completions, /v1/responses, /v1/messages: LLM-style token streams with
//                             faults to try (see llmendpoints.h); GET /control/stats counts them
//   POST /control/drop        drops every open stream, so clients reconnect
//   GET  /                    a short text index
// Every feed resumes after the Last-Event-ID it is sent, and sends "retry: 2000".
// More endpoints are added with addRoute(); GET / lists every route with its description.
//
// The server is a static library (ssedemoserver_core) beside the ssedemoserver program, so an
// example started without a URL runs it in-process: see startInProcess().
class DemoServer : public QTcpServer
{
    Q_OBJECT
public:
    // One parsed request: the whole body has arrived (Content-Length).
    struct Request
    {
        QByteArray method;
        QByteArray path; // without the query
        QByteArray query; // after '?', undecoded
        QHash<QByteArray, QByteArray> headers; // names in lower case
        QByteArray body;
    };
    // Answers a request on the socket; the handler owns the socket's answer from then on.
    using Handler = std::function<void(QTcpSocket *socket, const Request &request)>;

    struct Options
    {
        int tickMs = 250;
        int logMs = 700;
        int tokenMs = 40;
        int dropEverySeconds = 0; // 0: never drop on its own
    };

    explicit DemoServer(const Options &options, QObject *parent = nullptr);

    void dropAll();

    // Serves METHOD PATH with the handler; the description is shown by GET /.
    void addRoute(const QByteArray &method, const QByteArray &path, const QString &description,
                  Handler handler);

    // http://127.0.0.1:PORT/ once listening.
    QUrl baseUrl() const;

    // Starts a server with the default options on a free loopback port, owned by parent, and
    // says so on stderr ("<who>: no URL given, ..."), with how to choose another server (the
    // example's own option). Returns nullptr (and says why) if it cannot listen.
    static DemoServer *startInProcess(const QString &who, QObject *parent,
                                      const QString &howToChoose = QStringLiteral("--url URL"));

    // A complete, non-streamed answer; the connection is closed after it.
    static void respond(QTcpSocket *socket, const QByteArray &status, const QByteArray &type,
                        const QByteArray &body);

private:
    struct Stream
    {
        QPointer<QTcpSocket> socket;
        qint64 seq = 0;
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void handle(QTcpSocket *socket, const Request &request);
    void addBuiltInRoutes();
    void startStream(QTcpSocket *socket, QList<Stream> &streams, qint64 lastId);
    void tick();
    void log();
    static QByteArray tickerEvent(qint64 seq);
    static QByteArray logEvent(qint64 seq);

    struct Route
    {
        QByteArray method;
        QByteArray path;
        QString description;
        Handler handler;
    };

    Options m_options;
    QList<Route> m_routes;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Stream> m_tickers;
    QList<Stream> m_logs;
    QTimer m_tickTimer;
    QTimer m_logTimer;
    QTimer m_dropTimer;
};

#endif // DEMOSERVER_H
