// SPDX-License-Identifier: MIT
#ifndef DEMOSERVER_H
#define DEMOSERVER_H

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qhash.h>
#include <QtCore/qlist.h>
#include <QtCore/qpointer.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

// A small Server-Sent Events server for the QtSse examples:
//   GET  /ticker              a numeric feed: "tick" events, JSON {"seq","price","volume"}
//   GET  /logs                a log feed: "log" events, JSON {"seq","level","message"}
//   POST /v1/chat/completions a token stream shaped like the common chat-completion APIs,
//                             ending with "data: [DONE]"; needs an Authorization header
//   POST /control/drop        drops every open stream, so clients reconnect
//   GET  /                    a short text index
// Every feed resumes after the Last-Event-ID it is sent, and sends "retry: 2000".
class DemoServer : public QTcpServer
{
    Q_OBJECT
public:
    struct Options
    {
        int tickMs = 250;
        int logMs = 700;
        int tokenMs = 40;
        int dropEverySeconds = 0; // 0: never drop on its own
    };

    explicit DemoServer(const Options &options, QObject *parent = nullptr);

    void dropAll();

private:
    struct Stream
    {
        QPointer<QTcpSocket> socket;
        qint64 seq = 0;
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void handle(QTcpSocket *socket, const QByteArray &method, const QByteArray &path,
                const QHash<QByteArray, QByteArray> &headers, const QByteArray &body);
    void startStream(QTcpSocket *socket, QList<Stream> &streams, qint64 lastId);
    void startTokens(QTcpSocket *socket, const QByteArray &body);
    void tick();
    void log();
    static void respond(QTcpSocket *socket, const QByteArray &status, const QByteArray &type,
                        const QByteArray &body);
    static QByteArray tickerEvent(qint64 seq);
    static QByteArray logEvent(qint64 seq);

    Options m_options;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Stream> m_tickers;
    QList<Stream> m_logs;
    QTimer m_tickTimer;
    QTimer m_logTimer;
    QTimer m_dropTimer;
};

#endif // DEMOSERVER_H
