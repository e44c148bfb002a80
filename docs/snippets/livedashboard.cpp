// SPDX-License-Identifier: MIT
// The C++ of the "Live dashboard" guide (docs/src/qtsse-dashboard-guide.qdoc), compiled by the
// build (tests/snippets) so that it stays true. Built, not run: the URL is not on loopback.
#include <QtSse/EventModel>
#include <QtSse/EventSource>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qdatetime.h>
#include <QtCore/qjsonobject.h>

using namespace Qt::StringLiterals;

// The state of a live feed, as one line of text for a status bar.
class Feed : public QObject
{
    Q_OBJECT
public:
    explicit Feed(const QUrl &url, QObject *parent = nullptr);
    QtSse::EventModel *model() const { return m_model; }
    QString status() const;

Q_SIGNALS:
    void priceChanged(double price);
    void statusChanged();

private:
    void onTick(const QtSse::MessageEvent &event);
    QtSse::EventSource m_source;
    QtSse::EventModel *m_model = new QtSse::EventModel(this);
    qint64 m_reconnectAt = 0; // ms since the epoch; 0 when no reconnect is pending
};

Feed::Feed(const QUrl &url, QObject *parent) : QObject(parent)
{
    //! [source]
    m_source.setUrl(url);
    // Outlive a deploy or a restarting proxy: retry 5xx, 429 and 408 too, after the server's
    // Retry-After when it sends one.
    m_source.setHttpErrorPolicy(QtSse::EventSource::RetryServerErrors);
    m_source.addEventListener(u"tick"_s, this, &Feed::onTick);

    m_model->setSource(&m_source);
    m_model->setMaximumCount(500); // a ring: memory stays flat on an endless stream
    m_model->setNewestFirst(true);
    //! [source]

    //! [status]
    // reconnectDelay() is set before errorOccurred(): the countdown starts with the failure.
    connect(&m_source, &QtSse::EventSource::reconnectDelayChanged, this, [this](int delay) {
        m_reconnectAt = delay >= 0 ? QDateTime::currentMSecsSinceEpoch() + delay : 0;
        Q_EMIT statusChanged();
    });
    connect(&m_source, &QtSse::EventSource::readyStateChanged, this, &Feed::statusChanged);
    connect(&m_source, &QtSse::EventSource::errorChanged, this, &Feed::statusChanged);
    //! [status]
    m_source.open();
}

//! [status-text]
QString Feed::status() const
{
    switch (m_source.readyState()) {
    case QtSse::EventSource::Open:
        return tr("Live · last event %1").arg(m_source.lastEventId());
    case QtSse::EventSource::Connecting:
        if (m_reconnectAt > 0) {
            const qint64 left = m_reconnectAt - QDateTime::currentMSecsSinceEpoch();
            return tr("Reconnecting in %1 s · %2")
                    .arg(double(qMax<qint64>(0, left)) / 1000, 0, 'f', 1)
                    .arg(m_source.errorString());
        }
        return tr("Connecting…");
    case QtSse::EventSource::Closed:
        break;
    }
    return tr("Stopped · %1").arg(m_source.errorString());
}
//! [status-text]

void Feed::onTick(const QtSse::MessageEvent &event)
{
    Q_EMIT priceChanged(event.json().toObject().value(u"price"_s).toDouble());
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Feed feed(QUrl(u"https://example.com/prices"_s));
    return feed.status().isEmpty() ? 1 : 0;
}

#include "livedashboard.moc"
