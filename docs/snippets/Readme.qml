// SPDX-License-Identifier: MIT
// The QML snippet of README.md, checked by qmllint in tests/snippets so that it stays true.
// README:qml-begin
//! [readme]
import QtQuick
import QtSse

ListView {
    width: 400; height: 300
    model: EventModel {
        maximumCount: 200          // a ring: memory stays flat on an endless stream
        newestFirst: true
        source: EventSource {
            url: "http://127.0.0.1:8765/ticker"   // connects once the component is complete
            headers: ({ "Authorization": "Bearer demo" })
            onErrorOccurred: console.log(errorString)
            Component.onCompleted: addEventListener("tick", event => console.log(event.json().price))
        }
    }
    delegate: Text {
        required property string type
        required property string eventData
        text: type + ": " + eventData
        textFormat: Text.PlainText // the server's text, never rendered as markup
    }
}
//! [readme]
// README:qml-end
