// SPDX-License-Identifier: MIT
// The whole QML API of `import QtSse` in one file: every type, every property (read, and
// written where writable), every enum value, every signal handler with its parameters by name
// and every method. qmllint checks it at zero warnings (it is in the QtSseTest module, so
// all_qmllint lints it, and the ctest qml_api_lint lints it on its own), which fails when
// the generated .qmltypes lacks or mistypes any of them; the ctest qml_api_coverage fails when
// the .qmltypes has a name this file does not use (tests/auto/qml/apicoverage.cmake). The
// functions below also run it, offscreen, as part of tst_qml.
//
// Handlers are function expressions (`onMessageReceived: function(event) {...}`): qmllint
// checks the parameter names against the signal's, which the older `onX: { event... }` form
// does not.
import QtQuick
import QtTest
import QtSse
import QtSseTest

TestCase {
    id: testCase
    name: "ApiCoverage"

    // What the handlers saw, in order.
    property var seen: []
    function note(entry) { seen = seen.concat([entry]) }

    // A messageEvent, read through every member of the value type. The last event a handler
    // was given is kept in a typed property, so that qmllint checks the members read from it.
    // (Not a typed function parameter: qmllint 6.4 crashes on a method call on one.)
    property messageEvent lastEvent
    readonly property string lastEventText: describe(lastEvent)
    readonly property string lastEventType: lastEvent.type
    readonly property string lastEventData: lastEvent.data
    readonly property string lastEventLastEventId: lastEvent.lastEventId
    readonly property string lastEventOrigin: lastEvent.origin
    readonly property var lastEventJson: lastEvent.json()
    function describe(event) {
        const json = event.json()
        return event.type + "|" + event.data + "|" + event.lastEventId + "|" + event.origin
                + "|" + (json === undefined ? "undefined" : JSON.stringify(json))
    }

    EventSource {
        id: stream
        // Every writable property, written where qmllint checks the type of the value.
        active: false
        url: TestServer.url("/coverage")
        lastEventId: "0"
        headers: ({ "X-Coverage": "1" })
        method: "GET"
        body: ""
        reconnectionTime: 50
        maximumReconnectionDelay: 30000
        maximumRetries: -1
        maximumRetryDuration: 0
        httpErrorPolicy: EventSource.CloseOnHttpError
        readTimeout: 0
        maximumEventSize: 1048576
        maximumRedirects: 20
        followNetworkChanges: false
        reconnectPolicy: EventSource.AlwaysReconnect
        finishMarkers: []
        errorEventTypes: []
        dispatchUnterminatedEvent: false
        oversizedEventPolicy: EventSource.ReconnectOnOversizedEvent
        maximumServerDelay: 600000

        // Every signal, each parameter by name.
        onOpened: function() { testCase.note("opened") }
        onFinished: function() { testCase.note("finished") }
        onResponseHeadersChanged: function() { testCase.note("responseHeaders") }
        onEventSkipped: function(type, size) { testCase.note("skipped:" + type + ":" + size) }
        onReconnectPolicyChanged: function(policy) { testCase.note("reconnectPolicy:" + policy) }
        onFinishMarkersChanged: function(markers) {
            testCase.note("finishMarkers:" + markers.join(","))
        }
        onErrorEventTypesChanged: function(types) {
            testCase.note("errorEventTypes:" + types.join(","))
        }
        onDispatchUnterminatedEventChanged: function(dispatch) {
            testCase.note("dispatchUnterminatedEvent:" + dispatch)
        }
        onOversizedEventPolicyChanged: function(policy) {
            testCase.note("oversizedEventPolicy:" + policy)
        }
        onMaximumServerDelayChanged: function(milliseconds) {
            testCase.note("maximumServerDelay:" + milliseconds)
        }
        onMessageReceived: function(event) {
            testCase.lastEvent = event
            testCase.note("message:" + testCase.describe(event))
        }
        onEventReceived: function(event) { testCase.note("event:" + event.type) }
        onCommentReceived: function(text) { testCase.note("comment:" + text) }
        onRetryReceived: function(milliseconds) { testCase.note("retry:" + milliseconds) }
        onErrorOccurred: function(error) { testCase.note("error:" + error) }
        onErrorChanged: function() { testCase.note("errorChanged") }
        onHttpStatusChanged: function(status) { testCase.note("httpStatus:" + status) }
        onReadyStateChanged: function(state) { testCase.note("state:" + state) }
        onUrlChanged: function(url) { testCase.note("url:" + url) }
        onLastEventIdChanged: function(lastEventId) { testCase.note("id:" + lastEventId) }
        onReconnectionTimeChanged: function(milliseconds) {
            testCase.note("reconnectionTime:" + milliseconds)
        }
        onReconnectDelayChanged: function(milliseconds) {
            testCase.note("reconnectDelay:" + milliseconds)
        }
        onMaximumReconnectionDelayChanged: function(milliseconds) {
            testCase.note("maximumReconnectionDelay:" + milliseconds)
        }
        onMaximumRetriesChanged: function(retries) { testCase.note("maximumRetries:" + retries) }
        onMaximumRetryDurationChanged: function(milliseconds) {
            testCase.note("maximumRetryDuration:" + milliseconds)
        }
        onHttpErrorPolicyChanged: function(policy) { testCase.note("policy:" + policy) }
        onReadTimeoutChanged: function(milliseconds) {
            testCase.note("readTimeout:" + milliseconds)
        }
        onMaximumEventSizeChanged: function(bytes) { testCase.note("maximumEventSize:" + bytes) }
        onMaximumRedirectsChanged: function(hops) { testCase.note("maximumRedirects:" + hops) }
        onMethodChanged: function(method) { testCase.note("method:" + String(method)) }
        onBodyChanged: function(body) { testCase.note("body:" + String(body)) }
        onFollowNetworkChangesChanged: function(follow) { testCase.note("follow:" + follow) }
        onActiveChanged: function() { testCase.note("active:" + stream.active) }
        onHeadersChanged: function() { testCase.note("headers") }
    }

    EventModel {
        id: events
        source: stream
        maximumCount: 100
        eventTypes: []
        newestFirst: false

        onSourceChanged: function() { testCase.note("events.source") }
        onCountChanged: function() { testCase.note("events.count:" + events.count) }
        onMaximumCountChanged: function() { testCase.note("events.maximumCount") }
        onEventTypesChanged: function() { testCase.note("events.eventTypes") }
        onNewestFirstChanged: function() { testCase.note("events.newestFirst") }
    }

    // The model's roles, as a delegate sees them.
    Repeater {
        id: rows
        model: events
        delegate: Item {
            required property string type
            required property string eventData
            required property string display
            required property string lastEventId
            required property string origin
            required property date receivedAt
            required property var json
            readonly property string summary: type + "|" + eventData + "|" + display + "|"
                                              + lastEventId + "|" + origin + "|"
                                              + receivedAt.getTime() + "|" + JSON.stringify(json)
        }
    }

    function init() {
        stream.close()
        events.clear()
        seen = []
    }

    // What test_finite changes goes back, whether or not it passed; open() resets the HTTP
    // status and the response headers.
    function cleanup() {
        stream.active = false
        stream.finishMarkers = []
        stream.reconnectPolicy = EventSource.AlwaysReconnect
        stream.url = TestServer.url("/coverage")
        stream.open()
        stream.close()
    }

    // Every enum value by name, against the number C++ gives it.
    function test_enums() {
        compare(EventSource.Connecting, 0)
        compare(EventSource.Open, 1)
        compare(EventSource.Closed, 2)

        compare(EventSource.NoError, 0)
        compare(EventSource.StreamEndedError, 1)
        compare(EventSource.NetworkError, 2)
        compare(EventSource.ReadTimeoutError, 3)
        compare(EventSource.EventTooLargeError, 4)
        compare(EventSource.HttpStatusError, 5)
        compare(EventSource.ContentTypeError, 6)
        compare(EventSource.RedirectError, 7)
        compare(EventSource.InvalidUrlError, 8)
        compare(EventSource.UnsupportedSchemeError, 9)
        compare(EventSource.TlsError, 10)
        compare(EventSource.AbortedError, 11)
        compare(EventSource.RetriesExhaustedError, 12)
        compare(EventSource.OfflineError, 13)
        compare(EventSource.StreamTruncatedError, 14)
        compare(EventSource.ServerEventError, 15)
        compare(EventSource.RequestPreparationError, 16)
        compare(EventSource.InvalidHeaderError, 17)

        compare(EventSource.AlwaysReconnect, 0)
        compare(EventSource.ReconnectBeforeFirstEvent, 1)
        compare(EventSource.NeverReconnect, 2)

        compare(EventSource.ReconnectOnOversizedEvent, 0)
        compare(EventSource.SkipOversizedEvents, 1)

        compare(EventSource.CloseOnHttpError, 0)
        compare(EventSource.RetryServerErrors, 1)

        // Qt::UserRole + 1 and on.
        compare(EventModel.TypeRole, 257)
        compare(EventModel.DataRole, 258)
        compare(EventModel.LastEventIdRole, 259)
        compare(EventModel.OriginRole, 260)
        compare(EventModel.ReceivedAtRole, 261)
        compare(EventModel.JsonRole, 262)
    }

    // Every property read, with the value the declaration above gave it.
    function test_properties() {
        compare(stream.active, false)
        compare(stream.url, TestServer.url("/coverage"))
        compare(stream.readyState, EventSource.Closed)
        compare(stream.lastEventId, "0")
        compare(stream.headers, { "X-Coverage": "1" })
        compare(String(stream.method), "GET")
        compare(String(stream.body), "")
        compare(stream.error, EventSource.NoError)
        compare(stream.errorString, "")
        compare(stream.httpStatus, 0)
        compare(String(stream.errorResponseBody), "")
        compare(stream.reconnectionTime, 50)
        compare(stream.reconnectDelay, -1) // no reconnect pending
        compare(stream.maximumReconnectionDelay, 30000)
        compare(stream.maximumRetries, -1)
        compare(stream.maximumRetryDuration, 0)
        compare(stream.httpErrorPolicy, EventSource.CloseOnHttpError)
        compare(stream.readTimeout, 0)
        compare(stream.maximumEventSize, 1048576)
        compare(stream.maximumRedirects, 20)
        compare(stream.followNetworkChanges, false)
        compare(stream.reconnectPolicy, EventSource.AlwaysReconnect)
        compare(stream.finishMarkers, [])
        compare(stream.errorEventTypes, [])
        compare(stream.dispatchUnterminatedEvent, false)
        compare(stream.oversizedEventPolicy, EventSource.ReconnectOnOversizedEvent)
        compare(stream.maximumServerDelay, 600000)
        compare(stream.responseHeaders, {})
        compare(stream.responseHeader("X-Request-Id"), "")

        compare(events.source, stream)
        compare(events.count, 0)
        compare(events.maximumCount, 100)
        compare(events.eventTypes, [])
        compare(events.newestFirst, false)
    }

    // Every writable property written from JavaScript, and its change signal seen.
    function test_writes() {
        stream.lastEventId = "1"
        stream.headers = { "X-Coverage": "2" }
        stream.method = "POST"
        stream.body = "{}"
        stream.reconnectionTime = 60
        stream.maximumReconnectionDelay = 20000
        stream.maximumRetries = 3
        stream.maximumRetryDuration = 10000
        stream.httpErrorPolicy = EventSource.RetryServerErrors
        stream.readTimeout = 5000
        stream.maximumEventSize = 2048
        stream.maximumRedirects = 5
        stream.followNetworkChanges = true
        stream.reconnectPolicy = EventSource.NeverReconnect
        stream.finishMarkers = ["[DONE]"]
        stream.errorEventTypes = ["error"]
        stream.dispatchUnterminatedEvent = true
        stream.oversizedEventPolicy = EventSource.SkipOversizedEvents
        stream.maximumServerDelay = 1000
        stream.url = TestServer.url("/coverage2")
        events.maximumCount = 10
        events.eventTypes = ["message"]
        events.newestFirst = true
        events.source = null
        for (const entry of ["id:1", "headers", "method:POST", "body:{}", "reconnectionTime:60",
                             "maximumReconnectionDelay:20000", "maximumRetries:3",
                             "maximumRetryDuration:10000",
                             "policy:" + EventSource.RetryServerErrors, "readTimeout:5000",
                             "maximumEventSize:2048", "maximumRedirects:5", "follow:true",
                             "reconnectPolicy:" + EventSource.NeverReconnect,
                             "finishMarkers:[DONE]", "errorEventTypes:error",
                             "dispatchUnterminatedEvent:true",
                             "oversizedEventPolicy:" + EventSource.SkipOversizedEvents,
                             "maximumServerDelay:1000",
                             "url:" + TestServer.url("/coverage2"), "events.maximumCount",
                             "events.eventTypes", "events.newestFirst", "events.source"]) {
            verify(seen.indexOf(entry) >= 0, entry + " in " + JSON.stringify(seen))
        }

        // Back to the declared values for the stream below.
        stream.method = "GET"
        stream.body = ""
        stream.httpErrorPolicy = EventSource.CloseOnHttpError
        stream.followNetworkChanges = false
        stream.reconnectPolicy = EventSource.AlwaysReconnect
        stream.finishMarkers = []
        stream.errorEventTypes = []
        stream.dispatchUnterminatedEvent = false
        stream.oversizedEventPolicy = EventSource.ReconnectOnOversizedEvent
        stream.maximumServerDelay = 600000
        stream.url = TestServer.url("/coverage")
        events.source = stream
        events.maximumCount = 100
        events.eventTypes = []
        events.newestFirst = false
    }

    // The methods, and the signals a live stream fires.
    function test_stream() {
        const listened = []
        const listener = function(event) { listened.push(testCase.describe(event)) }
        stream.addEventListener("custom", listener)

        stream.active = true
        tryCompare(stream, "readyState", EventSource.Open)
        TestServer.send(": hello\nretry: 40\nid: 7\ndata: {\"a\":1}\n\n"
                        + "event: custom\ndata: x\n\n")
        tryCompare(events, "count", 2)
        tryVerify(function() { return rows.count === 2 })
        compare(listened, ["custom|x|7|" + TestServer.origin() + "|undefined"])
        verify(seen.indexOf("opened") >= 0)
        verify(seen.indexOf("comment: hello") >= 0)
        verify(seen.indexOf("retry:40") >= 0)
        verify(seen.indexOf("reconnectionTime:40") >= 0)
        verify(seen.indexOf("id:7") >= 0)
        verify(seen.indexOf("message:message|{\"a\":1}|7|" + TestServer.origin() + "|{\"a\":1}")
               >= 0, JSON.stringify(seen))
        verify(seen.indexOf("event:custom") >= 0)
        compare(lastEventText, "message|{\"a\":1}|7|" + TestServer.origin() + "|{\"a\":1}")
        compare(lastEventType, "message")
        compare(lastEventData, "{\"a\":1}")
        compare(lastEventLastEventId, "7")
        compare(lastEventOrigin, TestServer.origin())
        compare(lastEventJson, { "a": 1 })
        verify(seen.indexOf("state:" + EventSource.Open) >= 0)

        stream.removeEventListener("custom", listener)
        stream.reconnect()
        tryCompare(stream, "readyState", EventSource.Open)
        TestServer.send("event: custom\ndata: y\n\n")
        tryCompare(events, "count", 3)
        compare(listened.length, 1)

        stream.close()
        compare(stream.readyState, EventSource.Closed)
        stream.open()
        tryCompare(stream, "readyState", EventSource.Open)
        stream.active = false
        compare(stream.readyState, EventSource.Closed)

        events.clear()
        compare(events.count, 0)
    }

    // EventModel.append() with an event a handler was given.
    Component {
        id: appendingComponent
        EventSource {
            required property EventModel target
            onMessageReceived: function(event) { target.append(event) }
        }
    }

    function test_append() {
        const manual = createTemporaryObject(appendingComponent, testCase,
                                             { target: events, url: TestServer.url("/three") })
        verify(manual)
        events.source = null
        tryCompare(events, "count", 2)
        events.source = stream
    }

    // A finite stream: the answer, its finish marker, the response headers, finished().
    function test_finite() {
        stream.finishMarkers = ["[DONE]"]
        stream.reconnectPolicy = EventSource.ReconnectBeforeFirstEvent
        stream.url = TestServer.url("/completion")
        stream.active = true
        tryVerify(function() { return seen.indexOf("finished") >= 0 }, 5000, JSON.stringify(seen))
        compare(stream.readyState, EventSource.Closed)
        compare(stream.responseHeaders["x-request-id"], "req_qml")
        compare(stream.responseHeader("X-Request-ID"), "req_qml")
        verify(seen.indexOf("responseHeaders") >= 0)
        tryCompare(events, "count", 3) // the model appends in a queued flush (EventModel)
    }

    // A JSON answer, as an MCP server gives one, through the headers property's Accept.
    function test_jsonAnswer() {
        const answering = createTemporaryQmlObject(
                "import QtSse; import QtSseTest\n"
                + "EventSource { url: TestServer.url(\"/answer\"); method: \"POST\"; body: \"{}\";"
                + " reconnectPolicy: EventSource.NeverReconnect;"
                + " headers: ({ \"Accept\": \"application/json, text/event-stream\" }) }",
                testCase)
        const got = []
        answering.messageReceived.connect(function(event) { got.push(event.json()) })
        tryCompare(answering, "readyState", EventSource.Closed)
        tryCompare(got, "length", 1)
        verify(got[0].result > 0)
        compare(answering.error, EventSource.NoError)
    }

    function test_errors() {
        const failing = createTemporaryQmlObject(
                "import QtSse; import QtSseTest\n"
                + "EventSource { url: TestServer.url(\"/error500\") }", testCase)
        tryCompare(failing, "error", EventSource.HttpStatusError)
        compare(failing.httpStatus, 500)
        verify(failing.errorString.length > 0)
        compare(failing.readyState, EventSource.Closed)
    }
}
