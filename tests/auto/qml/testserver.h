// SPDX-License-Identifier: MIT
#ifndef QTSSE_TESTSERVER_H
#define QTSSE_TESTSERVER_H

#include "ssetestserver.h"

#include <QtCore/qobject.h>
#include <QtQml/qqml.h>

// The in-process SSE server of the QML tests, as the singleton `TestServer` of the test
// module `QtSseTest`: a registered type rather than a context property, so qmllint can check
// the test files.
//
// Paths:
//   /three       a stream: "one", "two" (type message), then "three" of type "custom"
//   /json        a stream: {"price": 42, "symbol": "QT"}, then "not json"
//   /named       a stream: price "1", news "hello", price "2", then "plain" (type message)
//   /burst?n=N   a stream of N events "0".."N-1", written in one go
//   /error500    a 500 response
//   anything else: a stream that stays open and silent until send()
class TestServer : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(TestServer)
    QML_SINGLETON
    Q_PROPERTY(int requestCount READ requestCount NOTIFY requestCountChanged)

public:
    explicit TestServer(QObject *parent = nullptr);

    Q_INVOKABLE QUrl url(const QString &path) const;
    Q_INVOKABLE QString origin() const;

    int requestCount() const;
    Q_INVOKABLE QString requestPath(int index) const;
    Q_INVOKABLE QString requestMethod(int index) const;
    Q_INVOKABLE QString requestBody(int index) const;
    Q_INVOKABLE QString requestHeader(int index, const QString &name) const;
    Q_INVOKABLE int countRequests(const QString &path) const;

    // Writes text to the most recent silent stream.
    Q_INVOKABLE void send(const QString &text);
    // Ends the most recent silent stream (a normal end of the body: the source reconnects).
    Q_INVOKABLE void endStream();

Q_SIGNALS:
    void requestCountChanged();

private:
    void handle(const HttpRequest &request, QTcpSocket *socket);

    SseTestServer m_server;
    QPointer<QTcpSocket> m_idleStream;
};

#endif // QTSSE_TESTSERVER_H
