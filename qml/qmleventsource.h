// SPDX-License-Identifier: MIT
#ifndef QTSSE_QMLEVENTSOURCE_H
#define QTSSE_QMLEVENTSOURCE_H

#include <QtSse/eventsource.h>

#include <QtCore/qlist.h>
#include <QtCore/qvariantmap.h>
#include <QtQml/qjsvalue.h>
#include <QtQml/qqml.h>
#include <QtQml/qqmlparserstatus.h>

namespace QtSse {

// The QML EventSource: the C++ EventSource plus QQmlParserStatus, `active`, `headers` and
// DOM-style event listeners. Not installed; only the QML module uses it. The base class is
// spelled out in full so that qmltyperegistrar finds it among the core library's types.
class QmlEventSource : public QtSse::EventSource, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(QVariantMap headers READ headers WRITE setHeaders NOTIFY headersChanged)
    // A number in QML: Qt 6.4's QML knows no 64-bit integer type, so there the base class's
    // qint64 property failed to load from `maximumEventSize: 65536` ("unsupported type
    // qlonglong") and qmllint found no type for it. A double holds every size up to 2^53
    // exactly; the same on every Qt version, so tooling sees one type everywhere.
    Q_PROPERTY(double maximumEventSize READ maximumEventSizeAsNumber WRITE
                       setMaximumEventSizeFromNumber NOTIFY maximumEventSizeNumberChanged)
    // The C++ class gives a list of pairs; QML gets an object to index by lower-case name. A
    // var, not a QVariantMap: qmllint would warn on every responseHeaders["x-request-id"].
    Q_PROPERTY(QVariant responseHeaders READ responseHeaderMap NOTIFY responseHeadersChanged)
    QML_NAMED_ELEMENT(EventSource)

public:
    explicit QmlEventSource(QObject *parent = nullptr);
    ~QmlEventSource() override;

    bool isActive() const { return m_active; }
    void setActive(bool active);

    QVariantMap headers() const { return m_headers; }
    void setHeaders(const QVariantMap &headers);

    double maximumEventSizeAsNumber() const { return double(maximumEventSize()); }
    void setMaximumEventSizeFromNumber(double bytes);

    QVariant responseHeaderMap() const;
    using EventSource::responseHeader;
    Q_INVOKABLE QString responseHeader(const QString &name) const;

    Q_INVOKABLE void addEventListener(const QString &type, const QJSValue &callback);
    Q_INVOKABLE void removeEventListener(const QString &type, const QJSValue &callback);

    void classBegin() override;
    void componentComplete() override;

Q_SIGNALS:
    void activeChanged();
    void headersChanged();
    // Emitted with maximumEventSizeChanged(): the notifier of the number property above.
    void maximumEventSizeNumberChanged();

private:
    struct Listener
    {
        QString type;
        QJSValue callback;
        QMetaObject::Connection connection;
    };

    void sync();
    void applyHeaders();
    void callListener(const QJSValue &callback, const QtSse::MessageEvent &event);

    QList<Listener> m_listeners;
    QVariantMap m_headers;
    QList<QByteArray> m_appliedHeaders;
    bool m_active = true;
    bool m_complete = true;
    bool m_resolvingUrl = false;
};

} // namespace QtSse

#endif // QTSSE_QMLEVENTSOURCE_H
