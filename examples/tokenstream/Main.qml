// SPDX-License-Identifier: MIT
import QtQuick
import QtQuick.Controls
import QtSse

// An LLM-style token stream: a POST with a JSON body and an Authorization header to an
// endpoint that answers with Server-Sent Events, one token per event, ending with [DONE].
ApplicationWindow {
    id: window
    required property url streamUrl
    property bool smokeTest: false
    property int eventsReceived: 0

    width: 760
    height: 520
    visible: true
    title: qsTr("QtSse token stream")

    EventSource {
        id: completion
        active: false // connect on Send only
        url: window.streamUrl
        method: "POST"
        headers: ({ "Authorization": "Bearer demo-token", "Content-Type": "application/json" })
        body: JSON.stringify({
            model: "demo",
            stream: true,
            messages: [{ role: "user", content: prompt.text }]
        })
        // A finite stream: retried only until the first token, complete on [DONE], and a body
        // that ends without [DONE] is reported as truncated, never resent.
        reconnectPolicy: EventSource.ReconnectBeforeFirstEvent
        finishMarkers: ["[DONE]"]
        onMessageReceived: event => {
            window.eventsReceived++
            if (event.data === "[DONE]")
                return
            const delta = event.json().choices[0].delta
            answer.text += delta.content ?? ""
        }
        onFinished: completion.active = false // ready for the next question
        onErrorOccurred: {
            if (completion.readyState === EventSource.Closed)
                answer.text += "\n[" + completion.errorString + "]"
        }
    }

    Column {
        anchors.fill: parent
        anchors.margins: 16
        spacing: 10

        TextField {
            id: prompt
            width: parent.width
            placeholderText: qsTr("Ask something")
            text: qsTr("What are Server-Sent Events?")
            onAccepted: send.clicked()
        }
        Row {
            spacing: 8
            Button {
                id: send
                text: qsTr("Send")
                enabled: !completion.active
                onClicked: {
                    answer.text = ""
                    completion.active = true
                }
            }
            Button {
                text: qsTr("Stop")
                enabled: completion.active
                onClicked: completion.active = false // close(): nothing more arrives
            }
            BusyIndicator {
                running: completion.active
                height: send.height
                width: height
            }
        }
        ScrollView {
            width: parent.width
            height: parent.height - y
            TextArea {
                id: answer
                readOnly: true
                wrapMode: TextEdit.Wrap
                font.pixelSize: 16
            }
        }
    }

    Component.onCompleted: if (window.smokeTest) send.clicked()
}
