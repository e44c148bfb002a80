// SPDX-License-Identifier: MIT
// The QML the QML type reference quotes (\snippet Reference.qml NAME in qml/*.cpp and
// docs/src), which tests/snippets checks with qmllint so that it stays true.
import QtQuick
import QtSse

Item {
    id: root
    property string token: "demo"

    //! [smallest]
    EventSource {
        url: "https://example.com/stream"
        onMessageReceived: (event) => console.log(event.data, event.json())
    }
    //! [smallest]

    //! [model]
    ListView {
        anchors.fill: parent
        model: EventModel { source: prices; newestFirst: true }
        delegate: Text {
            required property string type
            required property string eventData
            text: type + ": " + eventData
            textFormat: Text.PlainText // the server's text, never rendered as markup
        }
    }
    //! [model]

    //! [headers]
    EventSource {
        url: "https://example.com/stream"
        headers: ({ "Authorization": "Bearer " + root.token })
    }
    //! [headers]

    //! [listener]
    EventSource {
        id: prices
        url: "https://example.com/prices"
        Component.onCompleted: prices.addEventListener("price", (event) => {
            console.log(event.json().symbol)
        })
    }
    //! [listener]

    //! [finish-markers]
    EventSource {
        id: answer
        url: "https://api.example.com/v1/chat/completions"
        method: "POST"
        reconnectPolicy: EventSource.ReconnectBeforeFirstEvent
        finishMarkers: ["[DONE]"]
        onFinished: console.log("answer complete")
    }
    //! [finish-markers]

    //! [response-headers]
    Text {
        text: "request " + (answer.responseHeaders["x-request-id"] ?? "")
    }
    //! [response-headers]
}
