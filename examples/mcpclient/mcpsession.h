// SPDX-License-Identifier: MIT
#ifndef MCPSESSION_H
#define MCPSESSION_H

#include <QtSse/EventSource>

#include <QtCore/qhash.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qjsonvalue.h>
#include <QtCore/qobject.h>
#include <QtCore/qpointer.h>
#include <QtCore/qtimer.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtQml/qqmlregistration.h>

// One session with an MCP server over Streamable HTTP (protocol revision 2025-11-25), on
// QtSse::EventSource. Every JSON-RPC message the client sends is one POST whose answer is
// JSON, 202 Accepted, or an event stream; the optional GET stream carries what the server says
// on its own. Messages are matched to requests by their id, whichever stream brings them.
//
//   start()      initialize, notifications/initialized, then the GET stream; ready() after it
//   listTools()  tools/list: toolsChanged()
//   callTool()   tools/call: toolResult() or requestFailed()
//   end()        DELETE with the session id: ended()
//
// Server requests (elicitation/create, ping) are answered by POSTing the response; an
// elicitation is accepted with the schema's defaults when acceptElicitationDefaults is set
// (test mode), else elicitationRequested() asks the application, which calls
// answerElicitation(). exchange() reports every request and answer, for a log.
class McpSession : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged FINAL)
    Q_PROPERTY(State state READ state NOTIFY stateChanged FINAL)
    Q_PROPERTY(QString statusText READ statusText NOTIFY stateChanged FINAL)
    Q_PROPERTY(QString sessionId READ sessionId NOTIFY stateChanged FINAL)
    Q_PROPERTY(QString protocolVersion READ protocolVersion NOTIFY stateChanged FINAL)
    Q_PROPERTY(QString serverName READ serverName NOTIFY stateChanged FINAL)
    Q_PROPERTY(bool getStreamOpen READ getStreamOpen NOTIFY getStreamOpenChanged FINAL)
    // The tools as tools/list gave them (name, description, inputSchema...).
    Q_PROPERTY(QVariantList tools READ toolList NOTIFY toolsChanged FINAL)
    Q_PROPERTY(bool acceptElicitationDefaults READ acceptElicitationDefaults WRITE
                       setAcceptElicitationDefaults NOTIFY acceptElicitationDefaultsChanged FINAL)

public:
    enum State { Idle, Initializing, Ready, Ending, Ended, Failed };
    Q_ENUM(State)

    static constexpr auto ProtocolVersion = "2025-11-25";

    explicit McpSession(QObject *parent = nullptr);
    ~McpSession() override;

    QUrl url() const { return m_url; }
    void setUrl(const QUrl &url);
    State state() const { return m_state; }
    QString statusText() const { return m_statusText; }
    QString sessionId() const { return QString::fromLatin1(m_sessionId); }
    QString protocolVersion() const { return m_protocolVersion; }
    QString serverName() const { return m_serverName; }
    bool getStreamOpen() const { return m_getStreamOpen; }
    QJsonArray tools() const { return m_tools; }
    QVariantList toolList() const { return m_tools.toVariantList(); }
    bool acceptElicitationDefaults() const { return m_acceptDefaults; }
    void setAcceptElicitationDefaults(bool accept);

    // The tool's description in tools(), or an empty object.
    Q_INVOKABLE QJsonObject tool(const QString &name) const;
    // Arguments for a tool from its input schema: each property's default, and a placeholder
    // of the right type for a required property without one.
    Q_INVOKABLE static QJsonObject argumentsFromSchema(const QJsonObject &schema);
    // The content an elicitation accepted with defaults sends: the properties' defaults.
    Q_INVOKABLE static QJsonObject schemaDefaults(const QJsonObject &schema);
    // The text parts of a tool result's content, joined by new lines.
    Q_INVOKABLE static QString resultText(const QJsonObject &result);

public Q_SLOTS:
    void start();
    int listTools();
    int callTool(const QString &name, const QJsonObject &arguments);
    // action: "accept" (with content), "decline" or "cancel".
    void answerElicitation(const QJsonValue &requestId, const QString &action,
                           const QJsonObject &content);
    void end();

Q_SIGNALS:
    void urlChanged();
    void stateChanged();
    void getStreamOpenChanged();
    void toolsChanged();
    void acceptElicitationDefaultsChanged();
    void ready();
    void toolResult(int requestId, const QString &tool, const QJsonObject &result);
    void requestFailed(int requestId, const QString &method, const QString &message);
    void notificationReceived(const QString &method, const QJsonObject &params, bool onGetStream);
    void elicitationRequested(const QJsonValue &requestId, const QString &message,
                              const QJsonObject &schema);
    void exchange(const QString &line);
    void ended();

private:
    struct Pending
    {
        QString method;
        QString tool;
        QPointer<QtSse::EventSource> source;
    };

    QtSse::EventSource *post(const QJsonObject &message, qint64 id);
    int request(const QString &method, const QJsonObject &params, const QString &tool = {});
    QtSse::EventSource *notify(const QString &method, const QJsonObject &params = {});
    void respond(const QJsonValue &id, const QJsonObject &resultOrError, bool isError = false);
    void addSessionHeaders(QNetworkRequest &request) const;
    void handleEvent(QtSse::EventSource *source, const QtSse::MessageEvent &event);
    void handleMessage(const QJsonObject &message, QtSse::EventSource *source);
    void handleResponse(qint64 id, const QJsonObject &message);
    void handleServerRequest(const QJsonObject &message);
    void failRequest(qint64 id, const QString &message);
    void onInitializeResult(const QJsonObject &result);
    void openGetStream();
    void becomeReady();
    void setState(State state, const QString &text);
    void trace(const QString &line) { Q_EMIT exchange(line); }
    static void dispose(QtSse::EventSource *source);

    QUrl m_url;
    State m_state = Idle;
    QString m_statusText;
    QByteArray m_sessionId;
    QString m_protocolVersion;
    QString m_serverName;
    bool m_getStreamOpen = false;
    bool m_acceptDefaults = false;
    QJsonArray m_tools;
    qint64 m_nextId = 1;
    QHash<qint64, Pending> m_pending;
    QPointer<QtSse::EventSource> m_getStream;
    QTimer m_getStreamGrace;
    QNetworkAccessManager m_manager;
};

#endif // MCPSESSION_H
