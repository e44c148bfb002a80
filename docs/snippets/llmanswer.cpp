// SPDX-License-Identifier: MIT
// The code of the "LLM answer" guide (docs/src/qtsse-llm-guide.qdoc), compiled by the build
// (tests/snippets) so that it stays true. Built, not run: the service is not on loopback.
#include <QtSse/EventSource>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qjsonarray.h>
#include <QtCore/qjsondocument.h>
#include <QtCore/qjsonobject.h>

using namespace Qt::StringLiterals;

// One answer of an OpenAI-compatible chat completion: ask(), then text() as it grows, then
// completed() or failed().
class Answer : public QObject
{
    Q_OBJECT
public:
    explicit Answer(QObject *parent = nullptr);
    void ask(const QUrl &endpoint, const QByteArray &apiKey, const QString &model,
             const QString &prompt);
    void stop();
    QString text() const { return m_text; }

Q_SIGNALS:
    void textChanged(const QString &text);
    void requestIdReceived(const QByteArray &id);
    void waiting(int milliseconds);
    void completed();
    void failed(const QString &reason, bool truncated);

private:
    void onChunk(const QtSse::MessageEvent &event);
    void onError(QtSse::EventSource::Error error);
    QtSse::EventSource m_source;
    QString m_text;
};

Answer::Answer(QObject *parent) : QObject(parent)
{
    //! [policy]
    // Retry a failed request until the first event, never after it: an answer is never
    // requested, and paid for, twice.
    m_source.setReconnectPolicy(QtSse::EventSource::ReconnectBeforeFirstEvent);
    // The answer is complete on this event; a body that ends without it is a truncation.
    m_source.setFinishMarkers({ u"[DONE]"_s });
    // A 429 or 5xx before the first token is retried after the server's Retry-After.
    m_source.setHttpErrorPolicy(QtSse::EventSource::RetryServerErrors);
    m_source.setMaximumRetries(3);
    //! [policy]

    //! [signals]
    connect(&m_source, &QtSse::EventSource::opened, this,
            [this] { Q_EMIT requestIdReceived(m_source.responseHeader("x-request-id")); });
    connect(&m_source, &QtSse::EventSource::messageReceived, this, &Answer::onChunk);
    connect(&m_source, &QtSse::EventSource::finished, this, &Answer::completed);
    connect(&m_source, &QtSse::EventSource::errorOccurred, this, &Answer::onError);
    //! [signals]
}

//! [ask]
void Answer::ask(const QUrl &endpoint, const QByteArray &apiKey, const QString &model,
                 const QString &prompt)
{
    const QJsonObject message{ { u"role"_s, u"user"_s }, { u"content"_s, prompt } };
    const QJsonObject request{ { u"model"_s, model },
                               { u"stream"_s, true },
                               { u"messages"_s, QJsonArray{ message } } };
    m_text.clear();
    m_source.setUrl(endpoint);
    m_source.setMethod("POST");
    m_source.setBody(QJsonDocument(request).toJson(QJsonDocument::Compact));
    m_source.setRequestHeader("Content-Type", "application/json");
    m_source.setRequestHeader("Authorization", "Bearer " + apiKey);
    m_source.open();
}
//! [ask]

//! [chunk]
void Answer::onChunk(const QtSse::MessageEvent &event)
{
    if (event.data() == "[DONE]"_L1)
        return; // the finish marker: finished() follows
    const QJsonValue delta = event.json()["choices"_L1][0]["delta"_L1];
    m_text += delta["content"_L1].toString();
    Q_EMIT textChanged(m_text);
}
//! [chunk]

//! [error]
void Answer::onError(QtSse::EventSource::Error error)
{
    if (m_source.readyState() == QtSse::EventSource::Connecting) {
        // Not yet answered: a retry follows, after the server's Retry-After if it sent one.
        Q_EMIT waiting(m_source.reconnectDelay());
        return;
    }
    // Closed: the answer is over. A truncation keeps the text received so far.
    Q_EMIT failed(m_source.errorString(), error == QtSse::EventSource::StreamTruncatedError);
}
//! [error]

//! [stop]
void Answer::stop()
{
    m_source.close(); // cancels the request: no signal is emitted after this
}
//! [stop]

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Answer answer;
    answer.ask(QUrl(u"https://api.example.com/v1/chat/completions"_s), "key", u"model"_s,
               u"Hello"_s);
    answer.stop();
    return 0;
}

#include "llmanswer.moc"
