// SPDX-License-Identifier: MIT
#include "qmleventsource.h"

#include <QtCore/qscopedvaluerollback.h>
#include <QtQml/qjsengine.h>
#include <QtQml/qqmlcontext.h>
#include <QtQml/qqmlengine.h>
#include <QtQml/qqmlinfo.h>

using namespace Qt::StringLiterals;

namespace QtSse {

/*!
    \qmlmodule QtSse
    \title QtSse QML Types
    \since QtSse 0.1
    \brief Server-Sent Events for QML: EventSource, EventModel and messageEvent.

    The QtSse QML module brings Server-Sent Events to Qt Quick: a declarative
    \l EventSource that connects once it is complete and reconnects as the standard says,
    an \l EventModel that shows a stream in a \c ListView, and the \l messageEvent value
    type that handlers receive. Import it with \c{import QtSse} (or \c{import QtSse 0.1};
    the version is the library's). A live list of events:

    \snippet Readme.qml readme

    \section1 The types
    \list
    \li \l EventSource is the C++ QtSse::EventSource with a declarative face: every
        property, signal, enumeration and slot of the C++ class, plus \c active, \c headers
        (a JavaScript object) and \c addEventListener(). It uses the QML engine's network
        access manager, so an application's QQmlNetworkAccessManagerFactory (proxy, cookies,
        TLS) applies to its streams.
    \li \l EventModel is QtSse::EventModel: one row per event, inserted in batches, capped
        by \c maximumCount.
    \li \l messageEvent is QtSse::MessageEvent: \c type, \c data, \c lastEventId,
        \c origin and \c json().
    \endlist

    \section1 Using the module
    The module is built with the library. Installed into Qt's own prefix, it is found with
    no further step; installed elsewhere, or built into an application's build directory,
    its directory goes on the QML import path; a static build links its plugin and imports
    it with \c{Q_IMPORT_QML_PLUGIN(QtSsePlugin)}. \l{Getting Started with QtSse} has each
    case.

    \section1 Guides and examples
    \list
    \li \l{Live dashboard guide} and \l{LLM answer guide}: the two main uses, in QML and C++.
    \li \l{Live Dashboard} and \l{LLM Chat}: QML applications to run from Qt Creator.
    \li \l{QtSse C++ Classes}: the same API in C++.
    \endlist
*/

/*!
    \qmltype EventSource
    \inqmlmodule QtSse
    \since QtSse 0.1
    \brief Receives a stream of Server-Sent Events, like the browser's EventSource.

    \table
    \row \li In C++: \li \l [CPP] {QtSse::EventSource}
    \endtable

    The QML EventSource is the C++ QtSse::EventSource with a declarative face: every property,
    signal, enum value and slot of the C++ class is available (\c readyState,
    \c errorString, \c lastEventId, \c reconnectionTime, \c open(), \c close(), ...), and
    this type adds \l active, \l headers and DOM-style event listeners.

    It connects as soon as it is complete and has a \c url: \l active is \c true by default,
    so the smallest use is

    \snippet Reference.qml smallest

    Nothing connects before the whole object is created, so the order in which properties
    are written never matters. Changing \c url while active reconnects to the new URL;
    setting \l active to \c false closes the connection.

    A relative \c url is resolved against the URL of the QML document that declares the
    object, as \c Image.source is. When no QNetworkAccessManager was set from C++, the source
    uses the engine's QQmlEngine::networkAccessManager(), so an application's
    QQmlNetworkAccessManagerFactory (proxy, cookies, TLS settings, handlers) applies to every
    event stream. The trade-off, on Qt 6.4: Qt's limit on connections per host and manager
    applies to them (see \l{Connections, threads and tuning}).

    \section1 Handlers
    \list
    \li \c{onOpened: () => ...} when a response is accepted and the stream is open.
    \li \c{onMessageReceived: (event) => ...} for every event of type \c message.
    \li \c{onEventReceived: (event) => ...} for every event, whatever its type.
    \li \c{onErrorOccurred: (error) => ...} on every failure; \c errorString describes it
        and \c readyState tells whether the source will reconnect (\c EventSource.Connecting)
        or gave up (\c EventSource.Closed).
    \li \c{onReadyStateChanged: (state) => ...} on every change of \c readyState.
    \endlist

    Bindings on \c error, \c errorString, \c errorResponseBody and \c httpStatus update on
    every change: a \c{Text { text: source.errorString; textFormat: Text.PlainText }} shows a
    failure and empties when the stream recovers. Show \c errorString (which quotes the
    server's error body) and event data as plain text: a \c Text's default \c AutoText
    renders what looks like rich text, so a server could style it and make it load remote
    images. \c followNetworkChanges (default \c true) makes the source wait while the
    machine is offline (\c EventSource.OfflineError), reconnect when the network returns,
    and reconnect at once, keeping the last event ID, when the application becomes active
    again after being suspended (\c Qt.ApplicationSuspended, on iOS and Android).

    Each \c event is a \l messageEvent. Events of a named type (\c{event: price} in the
    stream) also reach the functions given to addEventListener().

    The ready states are \c EventSource.Connecting, \c EventSource.Open and
    \c EventSource.Closed; error codes are reachable the same way (\c EventSource.NetworkError).
*/

/*!
    \qmltype messageEvent
    \inqmlmodule QtSse
    \since QtSse 0.1
    \brief One event of a Server-Sent Events stream.

    \table
    \row \li In C++: \li \l [CPP] {QtSse::MessageEvent}
    \endtable

    A value type, delivered to EventSource handlers and listeners. It has the read-only
    properties \c type, \c data, \c lastEventId and \c origin, and the method \c json(), which
    returns the data parsed as JSON (an object, array, string, number, boolean or null), or
    \c undefined when the data is not JSON.
*/

/*!
    \qmltype EventModel
    \inqmlmodule QtSse
    \since QtSse 0.1
    \brief A list model of the events received from an EventSource.

    \table
    \row \li In C++: \li \l [CPP] {QtSse::EventModel}
    \endtable

    See QtSse::EventModel for the details. Its properties are \c source, \c count,
    \c maximumCount (1000 by default, 0 for no limit), \c eventTypes and \c newestFirst; its
    methods are \c append() and \c clear(). Its roles, by the names delegates use and the
    numbers the \c EventModel.Role enumeration gives them:

    \table
    \header \li Name \li Role \li Value
    \row \li \c type \li \c EventModel.TypeRole \li The event type.
    \row \li \c eventData \li \c EventModel.DataRole \li The event data; \c display holds it
        too.
    \row \li \c lastEventId \li \c EventModel.LastEventIdRole \li The last event ID when the
        event was dispatched.
    \row \li \c origin \li \c EventModel.OriginRole \li The origin of the stream.
    \row \li \c receivedAt \li \c EventModel.ReceivedAtRole \li When the model received the
        event, as a date.
    \row \li \c json \li \c EventModel.JsonRole \li The data parsed as JSON, or \c undefined.
    \endtable

    \snippet Reference.qml model

    The data role is \c eventData rather than \c data, which would hide Item's default
    property \c data in a delegate with child items.
*/

/*!
    \class QtSse::QmlEventSource
    \internal
    \brief The C++ class behind the QML EventSource type: QtSse::EventSource plus
    QQmlParserStatus, \c active, \c headers and addEventListener(). Part of the QML module
    only; not installed.
*/

/*!
    \internal
    Constructs an active source with the given \a parent. Changing the URL of a complete,
    active source reconnects it.
*/
QmlEventSource::QmlEventSource(QObject *parent) : EventSource(parent)
{
    connect(this, &EventSource::urlChanged, this, [this] {
        if (!m_resolvingUrl)
            sync();
    });
    connect(this, &EventSource::maximumEventSizeChanged, this,
            &QmlEventSource::maximumEventSizeNumberChanged);
}

QmlEventSource::~QmlEventSource() = default;

/*!
    \qmlproperty bool EventSource::active

    Whether the source should be connected. When \c true (the default) and \c url is set, the
    source connects once the object is complete; setting it to \c false closes the
    connection, and setting it back to \c true connects again.

    It states the wish, not the outcome: after a fatal error (\c readyState
    \c EventSource.Closed) it stays \c true. Call \c open(), or toggle it, to try again.
*/
void QmlEventSource::setActive(bool active)
{
    if (m_active == active)
        return;
    m_active = active;
    Q_EMIT activeChanged();
    sync();
}

/*!
    \qmlproperty real EventSource::maximumEventSize

    The most bytes one event may buffer while it arrives; 16 MiB by default. A server that
    exceeds it has its connection dropped with \c EventSource.EventTooLargeError.

    A JavaScript number rather than a 64-bit integer, which Qt 6.4's QML does not know; it is
    exact up to 2^53 bytes. \c NaN, the infinities and numbers beyond 64 bits are refused with
    a warning, and the size stays as it was. \c maximumEventSizeChanged(bytes) reports changes as in C++.
*/

// NaN, an infinity or a number past qint64 would make the cast undefined behaviour.
void QmlEventSource::setMaximumEventSizeFromNumber(double bytes)
{
    constexpr double Limit = 9223372036854775808.0; // 2^63
    if (!(bytes > -Limit && bytes < Limit)) {
        qmlWarning(this) << "maximumEventSize: " << bytes
                         << " is not a number of bytes; the size stays " << maximumEventSize();
        return;
    }
    setMaximumEventSize(qint64(bytes));
}

/*!
    \qmlproperty var EventSource::responseHeaders
    The headers of the last final response (after any redirects), as a JavaScript object
    mapping lower-case header names to values; repeated headers are joined by ", ". Set
    before \c onOpened (and before \c onErrorOccurred for a failed response), cleared by
    \c open(); bindings update with \c responseHeadersChanged.

    \snippet Reference.qml response-headers

    Use \l responseHeader() to look a name up in any case.
*/
QVariant QmlEventSource::responseHeaderMap() const
{
    QVariantMap map;
    for (const auto &[name, value] : responseHeaders()) {
        const QString key = QString::fromLatin1(name);
        const QString text = QString::fromUtf8(value);
        const auto it = map.find(key);
        if (it == map.end())
            map.insert(key, text);
        else
            *it = QString(it->toString() + u", "_s + text);
    }
    return QVariant(map);
}

/*!
    \qmlmethod string EventSource::responseHeader(string name)
    Returns the value of the response header \a name, in any case, from the last final
    response (repeated headers joined by ", "), or an empty string.
*/
QString QmlEventSource::responseHeader(const QString &name) const
{
    return QString::fromUtf8(EventSource::responseHeader(name.toLatin1()));
}

/*!
    \qmlproperty object EventSource::headers

    Extra HTTP request headers, as a JavaScript object mapping header names to values:

    \snippet Reference.qml headers

    Values are sent as UTF-8 text. Changes apply from the next connection attempt, including
    the automatic reconnections; an open stream is not interrupted. Headers the source manages
    itself (\c Cache-Control, \c Last-Event-ID) are overridden by it; an \c Accept given
    here is sent as given (\c{"application/json, text/event-stream"} for MCP also takes JSON
    answers). A name or value holding CR, LF or NUL fails the source with
    \c EventSource.InvalidHeaderError; nothing is sent.
*/
void QmlEventSource::setHeaders(const QVariantMap &headers)
{
    if (m_headers == headers)
        return;
    m_headers = headers;
    applyHeaders();
    Q_EMIT headersChanged();
}

/*!
    \qmlmethod void EventSource::addEventListener(string type, function callback)

    Calls \a callback with the \l messageEvent of every event of \a type, as the browser's
    \c addEventListener does. Adding the same function twice for one type has no further
    effect. Events of every type also arrive through \c onEventReceived; events of type
    \c message through \c onMessageReceived.

    \snippet Reference.qml listener
*/
void QmlEventSource::addEventListener(const QString &type, const QJSValue &callback)
{
    if (!callback.isCallable()) {
        qmlWarning(this) << "addEventListener: the callback for \"" << type
                         << "\" is not a function";
        return;
    }
    for (const Listener &listener : std::as_const(m_listeners)) {
        if (listener.type == type && listener.callback.strictlyEquals(callback))
            return;
    }
    Listener listener{ type, callback, QMetaObject::Connection() };
    listener.connection = connect(
            eventChannel(type), &EventTypeChannel::received, this,
            [this, callback](const QtSse::MessageEvent &event) { callListener(callback, event); });
    m_listeners.append(listener);
}

/*!
    \qmlmethod void EventSource::removeEventListener(string type, function callback)

    Stops calling \a callback for events of \a type. Does nothing when it was not added.
*/
void QmlEventSource::removeEventListener(const QString &type, const QJSValue &callback)
{
    for (qsizetype i = 0; i < m_listeners.size(); ++i) {
        const Listener &listener = m_listeners.at(i);
        if (listener.type == type && listener.callback.strictlyEquals(callback)) {
            disconnect(listener.connection);
            m_listeners.removeAt(i);
            return;
        }
    }
}

/*!
    \internal
    Defers connecting until componentComplete(), and makes the source use the engine's
    network access manager.
*/
void QmlEventSource::classBegin()
{
    m_complete = false;
    // Prefer the engine's manager (its QQmlNetworkAccessManagerFactory applies). This runs
    // before any C++ code can reach the object, so a manager set later from C++ wins.
    if (QQmlEngine *engine = qmlEngine(this))
        setNetworkAccessManager(engine->networkAccessManager());
}

/*!
    \internal
    Connects, when active and a URL is set.
*/
void QmlEventSource::componentComplete()
{
    m_complete = true;
    sync();
}

// Brings the connection in line with active/url: (re)connects or closes.
void QmlEventSource::sync()
{
    if (!m_complete)
        return;
    if (!m_active || url().isEmpty()) {
        if (readyState() != Closed)
            close();
        return;
    }
    if (const QQmlContext *context = qmlContext(this)) {
        const QUrl resolved = context->resolvedUrl(url());
        if (resolved != url()) {
            const QScopedValueRollback<bool> guard(m_resolvingUrl, true);
            setUrl(resolved);
        }
    }
    applyHeaders();
    reconnect(); // opens a closed source; drops and replaces a live connection
}

// Writes `headers` into the request: removed names are cleared, the others set.
void QmlEventSource::applyHeaders()
{
    QList<QByteArray> applied;
    applied.reserve(m_headers.size());
    for (auto it = m_headers.cbegin(); it != m_headers.cend(); ++it) {
        const QByteArray name = it.key().toUtf8();
        setRequestHeader(name, it.value().toString().toUtf8());
        applied.append(name);
    }
    for (const QByteArray &name : std::as_const(m_appliedHeaders)) {
        if (!applied.contains(name))
            setRequestHeader(name, QByteArray()); // a null value removes the header
    }
    m_appliedHeaders = applied;
}

void QmlEventSource::callListener(const QJSValue &callback, const QtSse::MessageEvent &event)
{
    QJSEngine *engine = qjsEngine(this);
    if (!engine)
        return;
    const QJSValue result = callback.call({ engine->toScriptValue(event) });
    if (result.isError()) {
        qmlWarning(this).noquote()
                << result.property(u"fileName"_s).toString() << ':'
                << result.property(u"lineNumber"_s).toInt() << ": " << result.toString();
    }
}

} // namespace QtSse
