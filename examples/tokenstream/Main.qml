// SPDX-License-Identifier: MIT
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtSse

// A small LLM chat: one POST per answer to an OpenAI-compatible chat completion, the OpenAI
// Responses API or Anthropic's Messages API, the answer streamed token by token. Stop closes
// the stream; a truncated answer, an in-band error and a retry after 429 are shown as such.
ApplicationWindow {
    id: window

    // Set by main.cpp.
    required property string baseUrl // the API's base URL (…/v1), or an endpoint's full URL
    required property string apiKey
    required property string model
    required property bool demoServer // offer the demo server's faults
    property string api: "openai" // openai | responses | anthropic
    property string fault // the demo server's: "", cut, 429 or error
    property string autoPrompt // sent once at start, for tests and screenshots
    property int stopAfterTokens: 0 // press Stop after this many tokens (tests)
    property bool exitWhenDone: false // quit with the outcome as exit status (tests)

    // One choice of the API or the fault: a checkable button bound to chat[target].
    component Choice: Button {
        id: choice
        required property var chat // the window
        required property string value
        required property string target
        visible: choice.target === "api" || choice.chat.demoServer // the faults: the demo's
        checkable: true
        checked: choice.chat[choice.target] === choice.value
        onClicked: choice.chat[choice.target] = choice.value
    }

    // The current answer. phase: idle, waiting, streaming, retrying, complete, stopped,
    // truncated, failed.
    property string phase: "idle"
    property int tokens: 0
    property int retries: 0
    property string requestId
    property string question
    property string answerApi: window.api // the API the current answer comes from
    property string answer
    property string problem // why a failed or truncated answer ended
    property real retryAt: 0 // ms since the epoch while a retry waits, else 0
    property real now: Date.now()
    property string outcome // one line saying how the answer ended (printed by main.cpp)

    readonly property bool busy: phase === "waiting" || phase === "streaming" || phase === "retrying"

    // What differs between the three APIs. Everything else is the same EventSource.
    readonly property var apis: ({
        openai: {
            title: qsTr("OpenAI-compatible chat completions"),
            path: "chat/completions",
            finishMarkers: ["[DONE]"],
            errorEventTypes: ["error"],
            requestIdHeader: "x-request-id",
            headers: key => ({ "Authorization": "Bearer " + key }),
            body: (model, prompt) => ({
                model: model, stream: true, stream_options: { include_usage: true },
                messages: [{ role: "user", content: prompt }]
            }),
            // Chunks carry choices[0].delta.content. A chunk {"error": {...}} is how OpenAI
            // reports a failure in mid-stream, without an event type: errorEventTypes
            // ["error"] matches that top-level member too.
            text: (type, data) => type === "message" && data.choices && data.choices.length > 0
                  ? data.choices[0].delta.content ?? "" : ""
        },
        responses: {
            title: qsTr("OpenAI Responses API"),
            path: "responses",
            finishMarkers: ["response.completed"],
            errorEventTypes: ["error", "response.failed"],
            requestIdHeader: "x-request-id",
            headers: key => ({ "Authorization": "Bearer " + key }),
            body: (model, prompt) => ({ model: model, stream: true, input: prompt }),
            text: (type, data) => type === "response.output_text.delta" ? data.delta ?? "" : ""
        },
        anthropic: {
            title: qsTr("Anthropic Messages"),
            path: "messages",
            finishMarkers: ["message_stop"],
            errorEventTypes: ["error"],
            requestIdHeader: "request-id",
            headers: key => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }),
            body: (model, prompt) => ({
                model: model, max_tokens: 1024, stream: true,
                messages: [{ role: "user", content: prompt }]
            }),
            text: (type, data) => type === "content_block_delta" && data.delta
                  && data.delta.type === "text_delta" ? data.delta.text : ""
        }
    })

    width: 980
    height: 640
    visible: true
    color: "#0d1117"
    title: qsTr("QtSse chat")

    // The endpoint of the chosen API: the base URL and the API's path, unless the URL given
    // is already the endpoint; the demo server's fault goes in the query.
    function endpoint(spec, fault) {
        let url = window.baseUrl.replace(/\/+$/, "")
        if (!url.endsWith("/" + spec.path))
            url += "/" + spec.path
        return fault.length > 0 ? url + "?fault=" + fault : url
    }

    // One Send, one request: the request is built here, once, and the source opened.
    function send() {
        const spec = window.apis[window.api]
        const text = prompt.text.trim()
        if (text.length === 0 || window.busy)
            return
        source.close()
        source.url = window.endpoint(spec, window.demoServer ? window.fault : "")
        source.headers = Object.assign({ "Content-Type": "application/json" },
                                       spec.headers(window.apiKey))
        source.body = JSON.stringify(spec.body(window.model, text))
        source.finishMarkers = spec.finishMarkers
        source.errorEventTypes = spec.errorEventTypes
        window.question = text
        window.answerApi = window.api
        window.answer = ""
        window.tokens = 0
        window.retries = 0
        window.requestId = ""
        window.problem = ""
        window.retryAt = 0
        window.phase = "waiting"
        source.open()
    }

    function stop() {
        source.close() // cancels: the connection is closed, nothing more arrives
        window.retryAt = 0
        window.end("stopped", "")
    }

    function end(phase, problem) {
        window.phase = phase
        window.problem = problem
        const id = window.requestId.length > 0 ? window.requestId : qsTr("none")
        switch (phase) {
        case "complete":
            window.outcome = `answer complete: ${window.tokens} tokens, request id ${id}, `
                    + `retries ${window.retries}`
            break
        case "stopped":
            window.outcome = `stopped: ${window.tokens} tokens, request id ${id}`
            break
        case "truncated":
            window.outcome = `truncated: ${window.tokens} tokens, request id ${id}: ${problem}`
            break
        default:
            window.outcome = `failed: ${problem} (${window.tokens} tokens, request id ${id})`
        }
        if (window.exitWhenDone)
            Qt.exit(phase === "complete" ? 0 : 1)
    }

    // Whether a chunk's top-level "error" member describes an error, as errorEventTypes judge
    // it: an object or a non-empty string (null, false, 0 and "" say "none").
    function describesError(member) {
        return (typeof member === "object" && member !== null)
                || (typeof member === "string" && member.length > 0)
    }

    // The message of an in-band error event in any of the three shapes.
    function errorMessage(data) {
        const error = data.error ?? (data.response ? data.response.error : null) ?? data
        if (!error || !error.message)
            return JSON.stringify(data)
        const kind = error.type && error.type !== "error" ? error.type : error.code
        return kind ? kind + ": " + error.message : error.message
    }

    EventSource {
        id: source
        active: false // opened by send(), once per answer
        method: "POST"
        // Retried only before the first event (a 429, a 5xx, a refused connection), never
        // after it: an answer is never requested, and paid for, twice.
        reconnectPolicy: EventSource.ReconnectBeforeFirstEvent
        httpErrorPolicy: EventSource.RetryServerErrors // 429, 5xx, 408, after Retry-After
        reconnectionTime: 1000
        maximumRetries: 3

        onOpened: {
            window.phase = "streaming"
            window.retryAt = 0
            window.requestId = source.responseHeader(window.apis[window.answerApi].requestIdHeader)
        }
        onEventReceived: event => {
            if (event.data === "[DONE]")
                return
            const data = event.json()
            if (data === undefined || data === null)
                return
            // An in-band error: an event of an error type, or OpenAI's unnamed {"error": ...}.
            if (source.errorEventTypes.indexOf(event.type) >= 0
                    || (event.type === "message" && window.describesError(data.error))) {
                window.problem = qsTr("server error: %1").arg(window.errorMessage(data))
                return // ServerEventError follows
            }
            const text = window.apis[window.answerApi].text(event.type, data)
            if (text.length === 0)
                return
            window.answer += text
            if (++window.tokens === window.stopAfterTokens)
                window.stop()
        }
        onFinished: window.end("complete", "")
        onReconnectDelayChanged: delay => window.retryAt = delay >= 0 ? Date.now() + delay : 0
        onErrorOccurred: {
            if (source.readyState === EventSource.Connecting) { // a retry is pending
                window.retries++
                window.phase = "retrying"
                const after = source.responseHeader("retry-after")
                window.problem = source.httpStatus > 0
                        ? qsTr("HTTP %1%2").arg(source.httpStatus)
                              .arg(after.length > 0 ? qsTr(" (Retry-After: %1)").arg(after) : "")
                        : source.errorString // the wait is the countdown (reconnectDelay)
                return
            }
            switch (source.error) {
            case EventSource.StreamTruncatedError:
                window.end("truncated", source.errorString)
                break
            case EventSource.ServerEventError:
                window.end("failed", window.problem)
                break
            default:
                window.end("failed", source.errorString)
            }
        }
    }

    Timer {
        interval: 100
        repeat: true
        running: window.retryAt > 0
        onTriggered: window.now = Date.now()
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 20
        spacing: 12

        RowLayout {
            spacing: 12
            Label {
                text: qsTr("Chat")
                color: "#f0f6fc"
                font.pixelSize: 28
                font.bold: true
            }
            Rectangle {
                implicitWidth: 12
                implicitHeight: 12
                radius: 6
                color: status.color
            }
            Label {
                id: status
                Layout.fillWidth: true
                elide: Text.ElideRight
                font.pixelSize: 15
                textFormat: Text.PlainText // errors quote the server: never rendered as markup
                color: window.phase === "failed" || window.phase === "truncated" ? "#f85149"
                     : window.phase === "retrying" || window.phase === "stopped" ? "#d29922"
                     : window.phase === "idle" ? "#8b949e" : "#3fb950"
                readonly property string request: window.requestId.length > 0
                        ? qsTr(" · request id %1").arg(window.requestId) : ""
                readonly property string retried: window.retries > 0
                        ? qsTr(" · after %n retries", "", window.retries) : ""
                text: {
                    switch (window.phase) {
                    case "idle":
                        return window.demoServer
                                ? qsTr("Demo server at %1").arg(window.baseUrl)
                                : qsTr("%1 at %2").arg(window.apis[window.api].title)
                                      .arg(window.baseUrl)
                    case "waiting":
                        return qsTr("Waiting for the answer…")
                    case "retrying":
                        return qsTr("%1: retrying in %2 s")
                                .arg(window.problem)
                                .arg(Math.max(0, (window.retryAt - window.now) / 1000).toFixed(1))
                    case "streaming":
                        return qsTr("Streaming · %n tokens", "", window.tokens) + status.request
                                + status.retried
                    case "complete":
                        return qsTr("Complete · %n tokens", "", window.tokens) + status.request
                                + status.retried
                    case "stopped":
                        return qsTr("Stopped · %n tokens", "", window.tokens) + status.request
                    case "truncated": // the reason is shown under the answer
                        return qsTr("Truncated · %n tokens", "", window.tokens) + status.request
                    default:
                        return qsTr("Failed · %n tokens", "", window.tokens) + status.request
                    }
                }
            }
        }

        RowLayout {
            spacing: 8
            Label {
                text: qsTr("API")
                color: "#8b949e"
            }
            // Buttons, not a ComboBox: Qt 6.4's pixmap cache never frees the ComboBox's arrow
            // image, which the suite's LeakSanitizer run would report.
            Choice { chat: window; text: qsTr("OpenAI-compatible"); value: "openai"; target: "api" }
            Choice { chat: window; text: qsTr("Responses"); value: "responses"; target: "api" }
            Choice { chat: window; text: qsTr("Anthropic"); value: "anthropic"; target: "api" }
            Label {
                leftPadding: 8
                text: qsTr("Fault")
                color: "#8b949e"
                visible: window.demoServer
            }
            Choice { chat: window; text: qsTr("none"); value: ""; target: "fault" }
            Choice { chat: window; text: qsTr("cut"); value: "cut"; target: "fault" }
            Choice { chat: window; text: qsTr("429"); value: "429"; target: "fault" }
            Choice { chat: window; text: qsTr("in-band error"); value: "error"; target: "fault" }
            Item { Layout.fillWidth: true }
            Label {
                text: qsTr("model %1").arg(window.model)
                textFormat: Text.PlainText
                color: "#8b949e"
            }
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            color: "#161b22"
            border.color: "#30363d"
            radius: 6

            ScrollView {
                id: conversation
                anchors.fill: parent
                anchors.margins: 16
                contentWidth: availableWidth

                Column {
                    width: conversation.availableWidth
                    spacing: 8

                    Label {
                        text: qsTr("You")
                        color: "#8b949e"
                        visible: window.question.length > 0
                    }
                    Label {
                        width: parent.width
                        text: window.question
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        color: "#f0f6fc"
                        font.pixelSize: 16
                        visible: window.question.length > 0
                    }
                    Item {
                        width: 1
                        height: 8
                    }
                    Label {
                        text: window.apis[window.answerApi].title
                        color: "#8b949e"
                        visible: window.question.length > 0
                    }
                    TextEdit {
                        width: parent.width
                        readOnly: true
                        selectByMouse: true
                        wrapMode: TextEdit.Wrap
                        textFormat: TextEdit.PlainText // the server's text, never markup
                        color: "#c9d1d9"
                        selectionColor: "#1f6feb"
                        font.pixelSize: 16
                        // A block cursor while tokens arrive.
                        text: window.answer + (window.phase === "streaming" ? "\u258D" : "")
                    }
                    Label {
                        width: parent.width
                        visible: window.phase === "failed" || window.phase === "truncated"
                        text: (window.phase === "truncated" ? qsTr("Truncated: %1")
                                                            : qsTr("Failed: %1"))
                                .arg(window.problem)
                        textFormat: Text.PlainText // errors quote the server
                        wrapMode: Text.Wrap
                        color: "#f85149"
                        font.pixelSize: 15
                    }
                }
            }
        }

        RowLayout {
            spacing: 8
            TextField {
                id: prompt
                Layout.fillWidth: true
                placeholderText: qsTr("Ask something")
                text: window.autoPrompt.length > 0 ? window.autoPrompt
                                                   : qsTr("What are Server-Sent Events?")
                onAccepted: window.send()
            }
            Button {
                text: qsTr("Send")
                enabled: !window.busy && prompt.text.trim().length > 0
                onClicked: window.send()
            }
            Button {
                text: qsTr("Stop")
                enabled: window.busy
                onClicked: window.stop()
            }
        }
    }

    Component.onCompleted: if (window.autoPrompt.length > 0) window.send()
}
