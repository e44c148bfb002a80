// SPDX-License-Identifier: MIT
#include "eventmodel.h"
#include "eventsource.h"

#include <QtCore/qdatetime.h>
#include <QtCore/qjsonvalue.h>

#include <algorithm>
#include <iterator>

namespace QtSse {

// As in eventsource.cpp: exported from QtSse.dll for MinGW.
#ifdef __MINGW32__
constexpr int EventModel::DefaultMaximumCount;
#endif

/*!
    \class QtSse::EventModel
    \inmodule QtSse
    \inheaderfile QtSse/EventModel
    \since QtSse 0.1
    \brief A list model of the events received from an EventSource, for views.

    \table
    \row \li In QML: \li \l [QML] {EventModel}
    \endtable

    EventModel keeps the most recent events of a stream as rows, one row per event, so that a
    QML \c ListView or a Qt Widgets view can show a live stream without any glue code. Feed it
    either by setting source to an EventSource, which adds every event the source
    dispatches (whatever its type, through EventSource::eventReceived()), or by calling
    append() from C++. Both may be combined.

    \section1 Roles
    \table
    \header \li Role \li Name \li Type \li Value
    \row \li TypeRole \li \c type \li QString \li MessageEvent::type()
    \row \li DataRole (also Qt::DisplayRole) \li \c eventData \li QString \li MessageEvent::data()
    \row \li LastEventIdRole \li \c lastEventId \li QString \li MessageEvent::lastEventId()
    \row \li OriginRole \li \c origin \li QString \li MessageEvent::origin()
    \row \li ReceivedAtRole \li \c receivedAt \li QDateTime \li When the model received the
        event, in local time with millisecond precision.
    \row \li JsonRole \li \c json \li QVariant \li The data parsed as JSON
        (MessageEvent::json()): a QVariantMap, QVariantList, string, number, bool or null.
        An invalid QVariant (\c undefined in QML) when the data is not JSON. Parsed once, on
        first access.
    \endtable

    The data role is named \c eventData, not \c data: a delegate's required property named
    \c data would hide Item's default property \c data, and its children could no longer be
    added.

    \section1 High event rates
    Rows are not inserted one event at a time. Events received during one pass of the event
    loop are buffered and inserted together on the next pass, with a single
    beginInsertRows() / endInsertRows() pair and a single countChanged(). A burst of 10,000
    events therefore costs a view one insertion, not 10,000. A consequence is that an event
    passed to append() shows up in rowCount() only once control returns to the event loop.
    The exception is the end of a stream: when the source leaves the Open state (it finished,
    failed or is reconnecting), the events it delivered are inserted at once, so that a handler
    of EventSource::finished() or EventSource::errorOccurred() (\c onFinished in QML) sees every
    one of them in count.

    \section1 Bounded memory
    With a non-zero maximumCount (1000 by default) the model is a ring: once it is full,
    the oldest rows are removed as new ones arrive, so an endless stream uses constant
    memory. The storage is a deque, so dropping old rows costs nothing per remaining row, and
    when one batch alone exceeds the cap only its newest maximumCount events are kept (older
    ones are never inserted). Set maximumCount to 0 for an unbounded model.

    \section1 Order and filtering
    Rows are oldest first by default (new rows at the end, like a log); set newestFirst to
    put new rows at the top. Set eventTypes to keep only events of some types.

    \snippet reference.cpp event-model
*/

/*!
    \enum QtSse::EventModel::Role
    The roles of the model's rows. roleNames() gives each its QML name.

    \value TypeRole         \c type: the event type.
    \value DataRole         \c eventData: the event data (Qt::DisplayRole returns it too).
    \value LastEventIdRole  \c lastEventId: the last event ID when the event was dispatched.
    \value OriginRole       \c origin: the origin of the stream the event came from.
    \value ReceivedAtRole   \c receivedAt: the QDateTime at which the model received the event.
    \value JsonRole         \c json: the data parsed as JSON, or an invalid QVariant when it is
                            not JSON.
*/

/*!
    \variable QtSse::EventModel::DefaultMaximumCount
    The default maximumCount: 1000 rows.
*/

/*!
    Constructs an empty model with the given \a parent. It has no source; its maximumCount is
    DefaultMaximumCount, it accepts every event type and its rows are oldest first.
*/
EventModel::EventModel(QObject *parent) : QAbstractListModel(parent) { }

/*!
    Destroys the model. Its source, if any, is not affected.
*/
EventModel::~EventModel() = default;

/*!
    \property QtSse::EventModel::source
    \brief The EventSource whose events the model shows.

    Every event the source dispatches, whatever its type, becomes a row (subject to
    eventTypes). The model does not own the source; when the source is destroyed the
    property becomes \c nullptr. Changing the source keeps the rows already in the model;
    call clear() to drop them. The default is \c nullptr: the model is fed only by append().
*/
EventSource *EventModel::source() const
{
    return m_source;
}

/*!
    Makes the model show the events of \a source from now on; \c nullptr detaches it.
*/
void EventModel::setSource(EventSource *source)
{
    if (m_source == source)
        return;
    disconnect(m_sourceConnection);
    disconnect(m_stateConnection);
    disconnect(m_destroyedConnection);
    m_source = source;
    if (source) {
        m_sourceConnection =
                connect(source, &EventSource::eventReceived, this, &EventModel::append);
        // The source announces Closed or Connecting before finished() or errorOccurred().
        m_stateConnection = connect(source, &EventSource::readyStateChanged, this,
                                    [this](EventSource::ReadyState state) {
                                        if (state != EventSource::Open)
                                            flush();
                                    });
        // QPointer has already been cleared when destroyed() is emitted.
        m_destroyedConnection =
                connect(source, &QObject::destroyed, this, [this] { Q_EMIT sourceChanged(); });
    }
    Q_EMIT sourceChanged();
}

/*!
    \property QtSse::EventModel::count
    \brief The number of rows, the same as rowCount().

    countChanged() is emitted at most once per batch of inserted events.
*/
int EventModel::count() const
{
    return int(m_entries.size());
}

/*!
    \property QtSse::EventModel::maximumCount
    \brief The most rows the model keeps; 0 means no limit.

    When a new batch of events would make the model exceed this count, the oldest rows are
    removed first, so memory stays flat on an endless stream. Lowering the value removes the
    oldest rows at once. Negative values are taken as 0. The default is DefaultMaximumCount
    (1000).
*/
int EventModel::maximumCount() const
{
    return m_maximumCount;
}

/*!
    Sets the maximumCount property to \a count; 0 keeps every event.
*/
void EventModel::setMaximumCount(int count)
{
    count = qMax(0, count);
    if (m_maximumCount == count)
        return;
    m_maximumCount = count;
    if (count > 0) {
        const int before = this->count();
        removeOldest(before - count);
        while (m_pending.size() > size_t(count))
            m_pending.pop_front();
        if (this->count() != before)
            Q_EMIT countChanged();
    }
    Q_EMIT maximumCountChanged();
}

/*!
    \property QtSse::EventModel::eventTypes
    \brief The event types the model keeps; empty means every type.

    Events whose MessageEvent::type() is not in the list are ignored when they arrive. Setting
    the list also removes the rows that no longer match (with a model reset); events that were
    ignored or removed are not brought back by widening the list later. The default is an
    empty list.
*/
QStringList EventModel::eventTypes() const
{
    return m_eventTypes;
}

/*!
    Sets the eventTypes property to \a types; an empty list keeps every type.
*/
void EventModel::setEventTypes(const QStringList &types)
{
    if (m_eventTypes == types)
        return;
    m_eventTypes = types;
    m_typeFilter = QSet<QString>(types.cbegin(), types.cend());

    const auto rejected = [this](const Entry &entry) { return !accepts(entry.event.type()); };
    m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(), rejected), m_pending.end());
    if (std::any_of(m_entries.cbegin(), m_entries.cend(), rejected)) {
        beginResetModel();
        m_entries.erase(std::remove_if(m_entries.begin(), m_entries.end(), rejected),
                        m_entries.end());
        endResetModel();
        Q_EMIT countChanged();
    }
    Q_EMIT eventTypesChanged();
}

/*!
    \property QtSse::EventModel::newestFirst
    \brief Whether the newest event is row 0.

    When \c false (the default), rows are in arrival order: row 0 is the oldest event and new
    rows are appended at the end. When \c true, row 0 is the newest event and new rows are
    inserted at the top. Changing it reverses the rows with a layout change; persistent
    indexes follow their rows.
*/
bool EventModel::isNewestFirst() const
{
    return m_newestFirst;
}

/*!
    Sets the newestFirst property to \a newestFirst.
*/
void EventModel::setNewestFirst(bool newestFirst)
{
    if (m_newestFirst == newestFirst)
        return;
    if (m_entries.empty()) {
        m_newestFirst = newestFirst;
    } else {
        const QList<QPersistentModelIndex> parents;
        Q_EMIT layoutAboutToBeChanged(parents, QAbstractItemModel::VerticalSortHint);
        const QModelIndexList from = persistentIndexList();
        QModelIndexList to;
        to.reserve(from.size());
        const int last = count() - 1;
        for (const QModelIndex &index : from)
            to.append(index.isValid() ? createIndex(last - index.row(), index.column())
                                      : QModelIndex());
        m_newestFirst = newestFirst;
        changePersistentIndexList(from, to);
        Q_EMIT layoutChanged(parents, QAbstractItemModel::VerticalSortHint);
    }
    Q_EMIT newestFirstChanged();
}

/*!
    \reimp
*/
int EventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

/*!
    \reimp
*/
QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Entry &entry = entryAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case DataRole:
        return entry.event.data();
    case TypeRole:
        return entry.event.type();
    case LastEventIdRole:
        return entry.event.lastEventId();
    case OriginRole:
        return entry.event.origin();
    case ReceivedAtRole:
        return QDateTime::fromMSecsSinceEpoch(entry.receivedAt);
    case JsonRole:
        if (!entry.jsonParsed) {
            const QJsonValue json = entry.event.json();
            entry.json = json.isUndefined() ? QVariant() : json.toVariant();
            entry.jsonParsed = true;
        }
        return entry.json;
    default:
        return QVariant();
    }
}

/*!
    \reimp
    Returns the role names used by QML delegates: \c type, \c eventData, \c lastEventId,
    \c origin, \c receivedAt and \c json, plus Qt's default \c display.
*/
QHash<int, QByteArray> EventModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(TypeRole, QByteArrayLiteral("type"));
    names.insert(DataRole, QByteArrayLiteral("eventData"));
    names.insert(LastEventIdRole, QByteArrayLiteral("lastEventId"));
    names.insert(OriginRole, QByteArrayLiteral("origin"));
    names.insert(ReceivedAtRole, QByteArrayLiteral("receivedAt"));
    names.insert(JsonRole, QByteArrayLiteral("json"));
    return names;
}

/*!
    Adds \a event to the model, stamped with the current time, unless eventTypes excludes
    its type.

    The row is inserted on the next pass of the event loop, together with every other event
    appended before then (see the High event rates section above). Costs amortized constant time; while
    events wait, at most maximumCount of them are kept.
*/
void EventModel::append(const QtSse::MessageEvent &event)
{
    if (!accepts(event.type()))
        return;
    m_pending.push_back(Entry{ event, QDateTime::currentMSecsSinceEpoch(), QVariant(), false });
    if (m_maximumCount > 0 && m_pending.size() > size_t(m_maximumCount))
        m_pending.pop_front();
    scheduleFlush();
}

/*!
    Removes every row and every event still waiting to be inserted, with a model reset.
    The source and the settings are kept.
*/
void EventModel::clear()
{
    m_pending.clear();
    if (m_entries.empty())
        return;
    beginResetModel();
    m_entries.clear();
    endResetModel();
    Q_EMIT countChanged();
}

/*!
    \fn void QtSse::EventModel::sourceChanged()
    Emitted when source changes, including when the source is destroyed.
*/

/*!
    \fn void QtSse::EventModel::countChanged()
    Emitted when count changes: at most once per inserted batch, and after removals.
*/

/*!
    \fn void QtSse::EventModel::maximumCountChanged()
    Emitted when maximumCount changes.
*/

/*!
    \fn void QtSse::EventModel::eventTypesChanged()
    Emitted when eventTypes changes.
*/

/*!
    \fn void QtSse::EventModel::newestFirstChanged()
    Emitted when newestFirst changes.
*/

bool EventModel::accepts(const QString &type) const
{
    return m_typeFilter.isEmpty() || m_typeFilter.contains(type);
}

void EventModel::scheduleFlush()
{
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    // One queued call per event-loop pass, however many events arrive in it. A queued call
    // addressed to this object is discarded if the model is destroyed first.
    QMetaObject::invokeMethod(this, &EventModel::flush, Qt::QueuedConnection);
}

// Inserts every pending event with one beginInsertRows()/endInsertRows(), after removing the
// oldest rows the cap no longer leaves room for.
void EventModel::flush()
{
    m_flushScheduled = false;
    if (m_pending.empty())
        return;
    if (m_maximumCount > 0) {
        while (m_pending.size() > size_t(m_maximumCount))
            m_pending.pop_front();
    }
    const int before = count();
    const int incoming = int(m_pending.size());
    if (m_maximumCount > 0)
        removeOldest(before + incoming - m_maximumCount);

    const int first = m_newestFirst ? 0 : count();
    beginInsertRows(QModelIndex(), first, first + incoming - 1);
    m_entries.insert(m_entries.end(), std::make_move_iterator(m_pending.begin()),
                     std::make_move_iterator(m_pending.end()));
    m_pending.clear();
    endInsertRows();

    if (count() != before)
        Q_EMIT countChanged();
}

// Removes the n oldest rows (no signal but the model's own remove signals).
void EventModel::removeOldest(int n)
{
    n = qMin(n, count());
    if (n <= 0)
        return;
    const int first = m_newestFirst ? count() - n : 0;
    beginRemoveRows(QModelIndex(), first, first + n - 1);
    m_entries.erase(m_entries.begin(), m_entries.begin() + n);
    endRemoveRows();
}

const EventModel::Entry &EventModel::entryAt(int row) const
{
    // Storage is oldest first; the row order is a view of it.
    return m_newestFirst ? m_entries[m_entries.size() - 1 - size_t(row)] : m_entries[size_t(row)];
}

} // namespace QtSse
