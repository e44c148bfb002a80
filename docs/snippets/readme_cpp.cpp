// SPDX-License-Identifier: MIT
// The C++ snippet of README.md, compiled by the build (tests/snippets) so that it stays true.
#include <QtCore/qcoreapplication.h>
#include <QtCore/qjsonobject.h>

// README:cpp-begin
//! [readme]
#include <QtSse/EventSource>

class Ticker : public QObject
{
public:
    explicit Ticker(const QByteArray &token, QObject *parent = nullptr) : QObject(parent)
    {
        m_source.setUrl(QUrl(QStringLiteral("https://example.com/stream")));
        m_source.setRequestHeader("Authorization", "Bearer " + token);
        connect(&m_source, &QtSse::EventSource::messageReceived, this,
                [](const QtSse::MessageEvent &event) { qDebug() << event.data(); });
        // One named event type, straight to a member function: no string compares.
        m_source.addEventListener(QStringLiteral("price"), this, &Ticker::onPrice);
        connect(&m_source, &QtSse::EventSource::errorOccurred, this, [this] {
            // What happened, the HTTP status, and whether and when it reconnects.
            qWarning() << m_source.errorString();
        });
        m_source.open();
    }

private:
    void onPrice(const QtSse::MessageEvent &event)
    {
        qDebug() << "price" << event.json().toObject().value(QStringLiteral("last")).toDouble();
    }
    QtSse::EventSource m_source;
};
//! [readme]
// README:cpp-end

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Ticker ticker("token");
    return 0; // compiled and linked, not run: example.com is not on loopback
}
