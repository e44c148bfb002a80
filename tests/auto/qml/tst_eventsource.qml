// SPDX-License-Identifier: MIT
import QtQuick
import QtTest
import QtSse
import QtSseTest

TestCase {
    id: testCase
    name: "EventSource"

    Component {
        id: sourceComponent
        EventSource {
            property var jsonLog: []
            property var handlerLog: []
            function log(entry) { handlerLog = handlerLog.concat([entry]) }
            onOpened: log("opened")
            onReadyStateChanged: (state) => { log("state:" + state) }
            onMessageReceived: (event) => {
                jsonLog = jsonLog.concat([event.json()])
                log("message:" + event.data)
            }
            onEventReceived: (event) => { log("event:" + event.type) }
            onErrorOccurred: (error) => { log("error:" + error) }
        }
    }

    // Declared in QML (not set from JavaScript), so qmllint checks these assignments.
    Component {
        id: postComponent
        EventSource {
            url: TestServer.url("/post")
            method: "POST"
            body: "hello"
            headers: ({ "X-Token": "abc", "X-Other": "1" })
        }
    }

    // Server errors retried, declared in QML so that qmllint checks the enum assignment.
    Component {
        id: retryingComponent
        EventSource {
            url: TestServer.url("/error500")
            reconnectionTime: 1
            httpErrorPolicy: EventSource.RetryServerErrors
            property var statesAtError: []
            onErrorOccurred: statesAtError = statesAtError.concat([readyState])
        }
    }

    Component {
        id: relativeComponent
        EventSource {
            url: "relative/stream"
        }
    }

    // The error state as a QML user shows it: through bindings, not handlers.
    Component {
        id: boundStatusComponent
        Item {
            id: boundView
            property alias source: boundSource
            property alias errorText: errorLabel.text
            property alias statusText: statusLabel.text
            // What the bound Text showed when each errorOccurred() arrived.
            property var textsAtError: []
            EventSource {
                id: boundSource
                reconnectionTime: 1
                onErrorOccurred: boundView.textsAtError = boundView.textsAtError.concat([errorLabel.text])
            }
            Text { id: errorLabel; text: boundSource.errorString }
            Text { id: statusLabel; text: String(boundSource.httpStatus) }
        }
    }

    Component {
        id: spyComponent
        SignalSpy { }
    }

    function createSource(properties) {
        const source = createTemporaryObject(sourceComponent, testCase, properties)
        verify(source)
        return source
    }

    function spy(target, signalName) {
        const result = createTemporaryObject(spyComponent, testCase,
                                             { target: target, signalName: signalName })
        verify(result.valid)
        return result
    }

    function lastRequest() {
        return TestServer.requestCount - 1
    }

    function test_enums() {
        compare(EventSource.Connecting, 0)
        compare(EventSource.Open, 1)
        compare(EventSource.Closed, 2)
        compare(EventSource.NoError, 0)
        verify(EventSource.HttpStatusError > 0)
        verify(EventSource.HttpStatusError !== EventSource.NetworkError)
    }

    function test_defaults() {
        const source = createSource({})
        compare(source.active, true)
        compare(source.readyState, EventSource.Closed)
        compare(source.url.toString(), "")
        compare(source.headers, {})
        compare(String(source.method), "GET") // QByteArray: set from a string, read as ArrayBuffer
        compare(source.error, EventSource.NoError)
    }

    function test_maximumEventSizeRefusesWhatIsNotASize_data() {
        return [
            { tag: "NaN", value: NaN },
            { tag: "Infinity", value: Infinity },
            { tag: "-Infinity", value: -Infinity },
            { tag: "1e300", value: 1e300 },
            { tag: "2^63", value: 9223372036854775808 },
        ]
    }

    function test_maximumEventSizeRefusesWhatIsNotASize(data) {
        const source = createSource({ active: false })
        source.maximumEventSize = 65536
        const changes = spy(source, "maximumEventSizeChanged")
        ignoreWarning(new RegExp("maximumEventSize: .* is not a number of bytes; the size stays 65536"))
        source.maximumEventSize = data.value
        compare(source.maximumEventSize, 65536)
        compare(changes.count, 0)
        source.maximumEventSize = 1e6 // a size still takes
        compare(source.maximumEventSize, 1000000)
    }

    function test_declarationOrder_data() {
        return [
            { tag: "active before url",
              qml: "import QtSse; import QtSseTest\n"
                   + "EventSource { active: true; url: TestServer.url(\"/three\") }" },
            { tag: "url before active",
              qml: "import QtSse; import QtSseTest\n"
                   + "EventSource { url: TestServer.url(\"/three\"); active: true }" },
            { tag: "url only: active by default",
              qml: "import QtSse; import QtSseTest\n"
                   + "EventSource { url: TestServer.url(\"/three\") }" },
            { tag: "headers last",
              qml: "import QtSse; import QtSseTest\n"
                   + "EventSource { url: TestServer.url(\"/three\"); active: true;"
                   + " headers: ({ \"X-Order\": \"last\" }) }" },
        ]
    }

    function test_declarationOrder(data) {
        const before = TestServer.requestCount
        const source = createTemporaryQmlObject(data.qml, testCase)
        verify(source)
        const messages = spy(source, "messageReceived")
        tryCompare(source, "readyState", EventSource.Open)
        tryCompare(messages, "count", 2)
        // One connection, made once the object was complete.
        compare(TestServer.requestCount, before + 1)
        compare(TestServer.requestPath(lastRequest()), "/three")
        if (data.tag === "headers last")
            compare(TestServer.requestHeader(lastRequest(), "x-order"), "last")
    }

    function test_inactiveDoesNotConnect() {
        const before = TestServer.countRequests("/inactive")
        const idle = createTemporaryQmlObject(
                "import QtSse; import QtSseTest\n"
                + "EventSource { active: false; url: TestServer.url(\"/inactive\") }", testCase)
        // Created after the inactive one: once it is open, the other would have connected too.
        const witness = createSource({ url: TestServer.url("/witness") })
        tryCompare(witness, "readyState", EventSource.Open)
        compare(idle.readyState, EventSource.Closed)
        compare(TestServer.countRequests("/inactive"), before)
    }

    function test_nothingHappensBeforeCompletion_data() {
        return [
            { tag: "url before active",
              qml: "import QtSse\nEventSource { url: \"relative/stream\"; active: false }" },
            { tag: "active before url",
              qml: "import QtSse\nEventSource { active: false; url: \"relative/stream\" }" },
        ]
    }

    function test_nothingHappensBeforeCompletion(data) {
        // Whatever order the engine writes the properties in, an inactive source neither
        // resolves nor tries its URL (which, relative to this local file, would fail).
        const source = createTemporaryQmlObject(data.qml, testCase)
        verify(source)
        compare(String(source.url), "relative/stream")
        compare(source.error, EventSource.NoError)
        compare(source.readyState, EventSource.Closed)

        const errors = spy(source, "errorOccurred")
        source.active = true
        // Resolved against the creating context's URL (TestCase.qml's, for createQmlObject).
        verify(String(source.url) !== "relative/stream")
        verify(String(source.url).endsWith("/relative/stream"))
        compare(source.error, EventSource.UnsupportedSchemeError)
        tryCompare(errors, "count", 1)
    }

    function test_activeToggling() {
        const source = createSource({ url: TestServer.url("/toggle"), active: false })
        const activeChanges = spy(source, "activeChanged")
        const opened = spy(source, "opened")
        const before = TestServer.countRequests("/toggle")
        compare(source.readyState, EventSource.Closed)

        source.active = true
        tryCompare(source, "readyState", EventSource.Open)
        compare(TestServer.countRequests("/toggle"), before + 1)

        source.active = false
        compare(source.readyState, EventSource.Closed) // at once
        source.active = true
        tryCompare(source, "readyState", EventSource.Open)
        compare(TestServer.countRequests("/toggle"), before + 2)
        compare(opened.count, 2)
        compare(activeChanges.count, 3)

        source.active = true // no change, no signal, no reconnect
        compare(activeChanges.count, 3)
        compare(source.readyState, EventSource.Open)
    }

    function test_urlChangeReconnects() {
        const source = createSource({ url: TestServer.url("/first") })
        tryCompare(source, "readyState", EventSource.Open)
        const before = TestServer.requestCount
        const messages = spy(source, "messageReceived")
        const states = spy(source, "readyStateChanged")
        const urls = spy(source, "urlChanged")

        source.url = TestServer.url("/three")
        compare(urls.count, 1)
        tryCompare(messages, "count", 2)
        compare(TestServer.requestCount, before + 1)
        compare(TestServer.requestPath(lastRequest()), "/three")
        compare(source.url, TestServer.url("/three"))
        compare(states.signalArguments[0][0], EventSource.Connecting)
        compare(states.signalArguments[states.count - 1][0], EventSource.Open)

        // An inactive source only records the new URL.
        source.active = false
        const closedCount = TestServer.requestCount
        source.url = TestServer.url("/elsewhere")
        compare(source.readyState, EventSource.Closed)
        source.active = true
        tryCompare(source, "readyState", EventSource.Open)
        compare(TestServer.requestCount, closedCount + 1)
        compare(TestServer.requestPath(lastRequest()), "/elsewhere")
    }

    function test_handlers() {
        const source = createSource({ url: TestServer.url("/three"), active: false })
        const opened = spy(source, "opened")
        const messages = spy(source, "messageReceived")
        const events = spy(source, "eventReceived")
        const states = spy(source, "readyStateChanged")
        const errors = spy(source, "errorOccurred")
        source.active = true

        tryCompare(events, "count", 3)
        compare(opened.count, 1)
        compare(messages.count, 2)
        compare(messages.signalArguments[0][0].type, "message")
        compare(messages.signalArguments[0][0].data, "one")
        compare(messages.signalArguments[1][0].data, "two")
        compare(messages.signalArguments[0][0].origin, TestServer.origin())
        compare(events.signalArguments[2][0].type, "custom")
        compare(events.signalArguments[2][0].data, "three")
        compare(states.count, 2)
        compare(states.signalArguments[0][0], EventSource.Connecting)
        compare(states.signalArguments[1][0], EventSource.Open)
        compare(errors.count, 0)

        // The same, seen by the handlers declared in sourceComponent.
        compare(source.handlerLog, [
            "state:" + EventSource.Connecting,
            "state:" + EventSource.Open, "opened",
            "message:one", "event:message",
            "message:two", "event:message",
            "event:custom",
        ])
    }

    function test_addEventListener() {
        const source = createSource({ url: TestServer.url("/named"), active: false })
        const events = spy(source, "eventReceived")
        let prices = []
        let news = []
        let messages = []
        const onPrice = (event) => { prices.push(event.json()) }
        source.addEventListener("price", onPrice)
        source.addEventListener("price", onPrice) // the same listener twice: called once
        source.addEventListener("news", (event) => { news.push(event.type + ":" + event.data) })
        source.addEventListener("message", (event) => { messages.push(event.data) })
        source.removeEventListener("price", () => {}) // not added: no effect
        source.active = true

        tryCompare(events, "count", 4)
        compare(prices, [1, 2])
        compare(news, ["news:hello"])
        compare(messages, ["plain"])

        // Removed listeners are not called any more; the others still are.
        source.removeEventListener("price", onPrice)
        events.clear()
        source.reconnect()
        tryCompare(events, "count", 4)
        compare(prices, [1, 2])
        compare(news, ["news:hello", "news:hello"])
    }

    function test_throwingListenerIsReported() {
        const source = createSource({ url: TestServer.url("/named"), active: false })
        const events = spy(source, "eventReceived")
        let news = 0
        source.addEventListener("news", (event) => { throw new Error("listener failed") })
        source.addEventListener("news", (event) => { news += 1 })
        ignoreWarning(new RegExp("tst_eventsource\\.qml:\\d+: Error: listener failed"))
        source.active = true
        tryCompare(events, "count", 4)
        compare(news, 1) // the other listener still ran
        compare(source.readyState, EventSource.Open)
    }

    function test_addEventListenerRejectsNonFunctions() {
        const source = createSource({ url: TestServer.url("/named"), active: false })
        ignoreWarning(new RegExp("addEventListener: the callback for \"price\" is not a function"))
        source.addEventListener("price", 42)
    }

    function test_json() {
        const source = createSource({ url: TestServer.url("/json") })
        const messages = spy(source, "messageReceived")
        tryCompare(messages, "count", 2)
        // In a handler (see sourceComponent) ...
        compare(source.jsonLog.length, 2)
        compare(source.jsonLog[0].price, 42)
        compare(source.jsonLog[0].symbol, "QT")
        compare(source.jsonLog[1], undefined)
        // ... and on a stored event.
        compare(messages.signalArguments[0][0].json().price, 42)
        compare(messages.signalArguments[1][0].json(), undefined)
        compare(messages.signalArguments[1][0].data, "not json")
    }

    function test_errorOn500() {
        const source = createSource({ url: TestServer.url("/error500"), active: false })
        const errors = spy(source, "errorOccurred")
        const opened = spy(source, "opened")
        const messages = spy(source, "messageReceived")
        source.active = true

        tryCompare(errors, "count", 1)
        compare(errors.signalArguments[0][0], EventSource.HttpStatusError)
        compare(source.error, EventSource.HttpStatusError)
        compare(source.readyState, EventSource.Closed)
        compare(source.httpStatus, 500)
        verify(source.errorString.length > 0)
        compare(opened.count, 0)
        compare(messages.count, 0)
        compare(source.active, true) // the wish stays; readyState tells the outcome
        compare(source.handlerLog, [
            "state:" + EventSource.Connecting,
            "state:" + EventSource.Closed,
            "error:" + EventSource.HttpStatusError,
        ])

        // Toggling active tries again.
        source.active = false
        source.active = true
        tryCompare(errors, "count", 2)
        compare(source.readyState, EventSource.Closed)
    }

    function test_retryServerErrors() {
        compare(createSource({}).httpErrorPolicy, EventSource.CloseOnHttpError)
        const before = TestServer.countRequests("/error500")
        const source = createTemporaryObject(retryingComponent, testCase)
        verify(source)
        compare(source.httpErrorPolicy, EventSource.RetryServerErrors)
        const errors = spy(source, "errorOccurred")
        // The 500 is retried: each error arrives while Connecting, and the server is asked again.
        tryVerify(() => errors.count >= 2, 10000)
        verify(TestServer.countRequests("/error500") - before >= 2)
        compare(errors.signalArguments[0][0], EventSource.HttpStatusError)
        compare(source.statesAtError[0], EventSource.Connecting)
        compare(source.statesAtError[1], EventSource.Connecting)
        verify(source.errorString.indexOf("HTTP 500") === 0, source.errorString)
        verify(source.errorString.indexOf("reconnecting") < 0, source.errorString) // reconnectDelay has it
        compare(source.httpStatus, 500)

        // Back to the standard's behaviour: the next 500 closes the source.
        const policyChanges = spy(source, "httpErrorPolicyChanged")
        source.httpErrorPolicy = EventSource.CloseOnHttpError
        compare(policyChanges.count, 1)
        tryCompare(source, "readyState", EventSource.Closed)
        compare(source.statesAtError[source.statesAtError.length - 1], EventSource.Closed)
    }

    function test_headers() {
        const source = createSource({ url: TestServer.url("/headers"),
                                      headers: { "X-Token": "abc", "X-Other": "1" } })
        tryCompare(source, "readyState", EventSource.Open)
        const first = lastRequest()
        compare(TestServer.requestPath(first), "/headers")
        compare(TestServer.requestHeader(first, "x-token"), "abc")
        compare(TestServer.requestHeader(first, "x-other"), "1")

        // A change does not interrupt the stream; it applies to the next connection.
        const states = spy(source, "readyStateChanged")
        source.headers = { "X-Token": "def" }
        compare(source.readyState, EventSource.Open)
        compare(states.count, 0)
        source.reconnect()
        tryCompare(TestServer, "requestCount", first + 2)
        compare(TestServer.requestHeader(lastRequest(), "x-token"), "def")
        compare(TestServer.requestHeader(lastRequest(), "x-other"), "")
    }

    function test_methodBodyAndHeadersDeclared() {
        const source = createTemporaryObject(postComponent, testCase)
        verify(source)
        tryCompare(source, "readyState", EventSource.Open)
        compare(String(source.method), "POST")
        compare(TestServer.requestPath(lastRequest()), "/post")
        compare(TestServer.requestMethod(lastRequest()), "POST")
        compare(TestServer.requestBody(lastRequest()), "hello")
        compare(TestServer.requestHeader(lastRequest(), "x-token"), "abc")
    }

    function test_usesTheEngineNetworkAccessManager() {
        // The test's QQmlNetworkAccessManagerFactory tags every request of the engine's manager.
        const source = createSource({ url: TestServer.url("/engine-manager") })
        tryCompare(source, "readyState", EventSource.Open)
        compare(TestServer.requestPath(lastRequest()), "/engine-manager")
        compare(TestServer.requestHeader(lastRequest(), "x-engine-manager"), "1")
    }

    function test_relativeUrlResolvesAgainstTheDocument() {
        const source = createTemporaryObject(relativeComponent, testCase)
        verify(source)
        const errors = spy(source, "errorOccurred")
        compare(String(source.url), String(Qt.resolvedUrl("relative/stream")))
        // The document is a local file, so the resolved URL is not http(s).
        tryCompare(errors, "count", 1)
        compare(source.error, EventSource.UnsupportedSchemeError)
        compare(source.readyState, EventSource.Closed)
    }

    // A failure shows in bound Texts, and a recovery clears them: after open() and after a
    // reconnect that succeeds.
    function test_errorPropertiesNotifyBindings() {
        const view = createTemporaryObject(boundStatusComponent, testCase,
                                           { "source.url": TestServer.url("/error500") })
        verify(view)
        const source = view.source
        tryCompare(source, "readyState", EventSource.Closed)
        verify(view.errorText.indexOf("500") >= 0, view.errorText)
        compare(view.statusText, "500")
        compare(view.textsAtError, [view.errorText])

        // Recovery through a new URL (an open() behind the scenes): the bindings clear.
        source.url = TestServer.url("/recovering")
        tryCompare(source, "readyState", EventSource.Open)
        compare(source.error, EventSource.NoError)
        compare(view.errorText, "")
        compare(view.statusText, "200")

        // The stream ends: an error while reconnecting, then a recovery by the reconnect.
        const before = TestServer.countRequests("/recovering")
        TestServer.endStream()
        tryVerify(() => view.textsAtError.length === 2)
        verify(view.textsAtError[1].indexOf("The server ended the stream") === 0,
               view.textsAtError[1])
        tryVerify(() => TestServer.countRequests("/recovering") > before)
        tryCompare(source, "readyState", EventSource.Open)
        compare(source.error, EventSource.NoError)
        tryCompare(view, "errorText", "")
        compare(view.statusText, "200")
    }

    function test_liveEvents() {
        const source = createSource({ url: TestServer.url("/live") })
        tryCompare(source, "readyState", EventSource.Open)
        const events = spy(source, "eventReceived")
        TestServer.send("event: tick\ndata: 1\nid: a\n\n")
        tryCompare(events, "count", 1)
        compare(events.signalArguments[0][0].type, "tick")
        compare(source.lastEventId, "a")
        source.close()
        compare(source.readyState, EventSource.Closed)
    }
}
