// SPDX-License-Identifier: MIT
// The LLM streaming snippet of README.md ("LLM and MCP streams") and of the EventSource class
// documentation, compiled by the build (tests/snippets) so that it stays true.
#include <QtCore/qcoreapplication.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsonobject.h>

// README:llm-cpp-begin
//! [llm]
#include <QtSse/EventSource>

// One answer of an OpenAI-compatible chat completion, streamed token by token.
class Completion : public QObject
{
    Q_OBJECT
public:
    Completion(const QByteArray &apiKey, const QByteArray &requestJson, QObject *parent = nullptr)
        : QObject(parent)
    {
        m_source.setUrl(QUrl(QStringLiteral("https://api.openai.com/v1/chat/completions")));
        m_source.setRequestHeader("Authorization", "Bearer " + apiKey);
        m_source.setRequestHeader("Content-Type", "application/json");
        m_source.setMethod("POST");
        m_source.setBody(requestJson); // {"model": ..., "stream": true, "messages": [...]}
        // Retry only until the first token: an answer is never requested, and paid for, twice.
        m_source.setReconnectPolicy(QtSse::EventSource::ReconnectBeforeFirstEvent);
        // The answer is complete on [DONE]; a body that ends without it is a truncation.
        m_source.setFinishMarkers({ QStringLiteral("[DONE]") });
        connect(&m_source, &QtSse::EventSource::opened, this, [this] {
            qInfo() << "request" << m_source.responseHeader("x-request-id");
        });
        connect(&m_source, &QtSse::EventSource::messageReceived, this,
                [this](const QtSse::MessageEvent &event) {
                    const QJsonValue choice = event.json()[QLatin1String("choices")][0];
                    Q_EMIT token(choice[QLatin1String("delta")][QLatin1String("content")]
                                         .toString());
                });
        connect(&m_source, &QtSse::EventSource::finished, this, &Completion::done);
        connect(&m_source, &QtSse::EventSource::errorOccurred, this, [this] {
            if (m_source.readyState() == QtSse::EventSource::Closed) // truncated or failed
                Q_EMIT failed(m_source.errorString());
        });
        m_source.open();
    }
    void stop() { m_source.close(); } // cancels: nothing is emitted after it

Q_SIGNALS:
    void token(const QString &text);
    void done();
    void failed(const QString &reason);

private:
    QtSse::EventSource m_source;
};
//! [llm]
// README:llm-cpp-end

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Completion completion("key", R"({"stream":true})");
    completion.stop();
    return 0; // compiled and linked, not run: the service is not on loopback
}

#include "llmstream.moc"
