// SPDX-License-Identifier: MIT
// The QML LLM snippet of README.md ("LLM and MCP streams"), checked by qmllint in
// tests/snippets so that it stays true.
// README:llm-qml-begin
//! [llm]
import QtQuick
import QtSse

Text {
    id: answer
    property string apiKey
    property bool complete: false
    width: 400
    wrapMode: Text.Wrap
    textFormat: Text.PlainText // the server's text, never rendered as markup

    EventSource {
        url: "https://api.anthropic.com/v1/messages"
        method: "POST"
        headers: ({ "x-api-key": answer.apiKey, "anthropic-version": "2023-06-01",
                    "Content-Type": "application/json" })
        body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 1024, stream: true,
                               messages: [{ role: "user", content: "Hello" }] })
        reconnectPolicy: EventSource.ReconnectBeforeFirstEvent
        finishMarkers: ["message_stop"]
        errorEventTypes: ["error"]
        Component.onCompleted: addEventListener("content_block_delta", event => {
            answer.text += event.json().delta.text ?? ""
        })
        onFinished: answer.complete = true
        onErrorOccurred: if (readyState === EventSource.Closed)
                             answer.text += "\n[" + errorString + "]"
    }
}
//! [llm]
// README:llm-qml-end
