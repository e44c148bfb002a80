// SPDX-License-Identifier: MIT
// The C++ code the class reference quotes (\snippet reference.cpp NAME in src/*.cpp), compiled
// by the build (tests/snippets) so that it stays true. Built, not run: the URLs are not on
// loopback.
#include <QtSse/EventModel>
#include <QtSse/EventSource>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qjsonobject.h>
#include <QtCore/qpromise.h>

using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

// Hands out access tokens; a real one would refresh them over the network.
class TokenStore : public QObject
{
public:
    using QObject::QObject;
    QFuture<QByteArray> fresh()
    {
        QPromise<QByteArray> promise;
        promise.start();
        promise.addResult(QByteArrayLiteral("token"));
        promise.finish();
        return promise.future();
    }
};

class Ticker : public QObject
{
public:
    explicit Ticker(QObject *parent = nullptr);

private:
    void onPrice(const QtSse::MessageEvent &event);
    void prepareRequests(QtSse::EventSource *source);
    TokenStore *m_tokens = new TokenStore(this);
};

Ticker::Ticker(QObject *parent) : QObject(parent)
{
    //! [overview]
    auto *source = new QtSse::EventSource(QUrl(u"https://example.com/stream"_s), this);
    connect(source, &QtSse::EventSource::messageReceived, this,
            [](const QtSse::MessageEvent &event) { qDebug() << event.data(); });
    // Events of type "price" only, straight to a member function.
    source->addEventListener(u"price"_s, this, &Ticker::onPrice);
    source->open();
    //! [overview]

    //! [response-header]
    connect(source, &QtSse::EventSource::opened, this,
            [source] { qInfo() << "request id" << source->responseHeader("x-request-id"); });
    //! [response-header]

    //! [retry-policy]
    source->setRetryPolicy([](const QtSse::EventSource::HttpFailure &failure) {
        if (failure.httpStatus == 401 && failure.consecutiveFailures == 1)
            return QtSse::EventSource::RetryDecision{ true, 0ms }; // once, with a fresh token
        return QtSse::EventSource::RetryDecision{ failure.retriedByPolicy, -1ms };
    });
    //! [retry-policy]

    //! [event-model]
    auto *model = new QtSse::EventModel(this);
    model->setSource(source);
    model->setMaximumCount(200); // a ring: the newest 200 events
    model->setNewestFirst(true); // row 0 is the newest
    model->setEventTypes({ u"price"_s });
    // Then view->setModel(model): a QListView, or a QTableView through a proxy per column.
    //! [event-model]
    prepareRequests(source);
}

//! [on-price]
void Ticker::onPrice(const QtSse::MessageEvent &event)
{
    qDebug() << "price" << event.json().toObject().value(u"last"_s).toDouble();
}
//! [on-price]

void Ticker::prepareRequests(QtSse::EventSource *source)
{
    //! [attempt-preparer]
    source->setAttemptPreparer([](QtSse::EventSource::RequestAttempt &attempt) {
        if (attempt.attempt > 1 && !attempt.lastEventId.isEmpty()) {
            // Resume with a GET carrying Last-Event-ID instead of POSTing the question again.
            attempt.method = "GET";
            attempt.body.clear();
        }
    });
    //! [attempt-preparer]

    //! [async-attempt-preparer]
    source->setAsyncAttemptPreparer([this](const QtSse::EventSource::RequestAttempt &attempt) {
        return m_tokens->fresh().then(this, [attempt](const QByteArray &token) {
            auto prepared = attempt;
            prepared.request.setRawHeader("Authorization", "Bearer " + token);
            return prepared;
        });
    });
    //! [async-attempt-preparer]
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Ticker ticker;
    return 0;
}
