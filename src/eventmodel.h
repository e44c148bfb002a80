// SPDX-License-Identifier: MIT
#ifndef QTSSE_EVENTMODEL_H
#define QTSSE_EVENTMODEL_H

#include "qtsse_global.h"
#include "messageevent.h"

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qpointer.h>
#include <QtCore/qset.h>
#include <QtCore/qstringlist.h>

#include <deque>

namespace QtSse {

class EventSource;

class QTSSE_EXPORT EventModel : public QAbstractListModel
{
    Q_OBJECT
    // Qt 6: moc needs the complete type of a pointer property.
    Q_MOC_INCLUDE("eventsource.h")
    Q_PROPERTY(QtSse::EventSource *source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int maximumCount READ maximumCount WRITE setMaximumCount NOTIFY maximumCountChanged)
    Q_PROPERTY(QStringList eventTypes READ eventTypes WRITE setEventTypes NOTIFY eventTypesChanged)
    Q_PROPERTY(bool newestFirst READ isNewestFirst WRITE setNewestFirst NOTIFY newestFirstChanged)

public:
    enum Role {
        TypeRole = Qt::UserRole + 1,
        DataRole,
        LastEventIdRole,
        OriginRole,
        ReceivedAtRole,
        JsonRole,
    };
    Q_ENUM(Role)

    static constexpr int DefaultMaximumCount = 1000;

    explicit EventModel(QObject *parent = nullptr);
    ~EventModel() override;

    EventSource *source() const;
    void setSource(EventSource *source);

    int count() const;

    int maximumCount() const;
    void setMaximumCount(int count);

    QStringList eventTypes() const;
    void setEventTypes(const QStringList &types);

    bool isNewestFirst() const;
    void setNewestFirst(bool newestFirst);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

public Q_SLOTS:
    void append(const QtSse::MessageEvent &event);
    void clear();

Q_SIGNALS:
    void sourceChanged();
    void countChanged();
    void maximumCountChanged();
    void eventTypesChanged();
    void newestFirstChanged();

private:
    struct Entry
    {
        MessageEvent event;
        qint64 receivedAt = 0; // milliseconds since the epoch
        mutable QVariant json;
        mutable bool jsonParsed = false;
    };

    bool accepts(const QString &type) const;
    void scheduleFlush();
    void flush();
    void removeOldest(int n);
    const Entry &entryAt(int row) const;

    QPointer<EventSource> m_source;
    QMetaObject::Connection m_sourceConnection;
    QMetaObject::Connection m_stateConnection;
    QMetaObject::Connection m_destroyedConnection;
    std::deque<Entry> m_entries; // oldest first, whatever the row order
    std::deque<Entry> m_pending; // received since the last flush, oldest first
    QStringList m_eventTypes;
    QSet<QString> m_typeFilter;
    int m_maximumCount = DefaultMaximumCount;
    bool m_newestFirst = false;
    bool m_flushScheduled = false;
};

} // namespace QtSse

#endif // QTSSE_EVENTMODEL_H
