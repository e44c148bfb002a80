// SPDX-License-Identifier: MIT
import QtQuick
import QtQuick.Controls
import QtSse

// The live dashboard: an EventSource feeding an EventModel shown in a ListView, a status badge
// with the reconnect countdown, and a sparkline of the price field of the "tick" events.
ApplicationWindow {
    id: window
    required property url streamUrl
    property bool smokeTest: false
    property int eventsReceived: 0
    // Empty by default. No `: []`: Qt Creator 9's QML parser accepts an initializer on a list
    // property only as a list of objects (tests/auto/qml/creatorparse.cmake).
    property list<real> prices
    property real lastPrice: -1 // no tick yet

    width: 980
    height: 640
    visible: true
    color: "#0d1117"
    title: qsTr("QtSse live dashboard")

    EventSource {
        id: source
        url: window.streamUrl
        // Only the "tick" events carry a price; other types still reach the model.
        Component.onCompleted: addEventListener("tick", event => {
            const tick = event.json()
            window.lastPrice = tick.price
            window.prices = window.prices.concat([tick.price]).slice(-120)
        })
        onEventReceived: window.eventsReceived++
    }

    EventModel {
        id: events
        source: source
        maximumCount: 500
        newestFirst: true
    }

    Column {
        anchors.fill: parent
        anchors.margins: 20
        spacing: 14

        Row {
            width: parent.width
            spacing: 20
            Text {
                text: qsTr("QT")
                color: "#8b949e"
                font.pixelSize: 34
                font.bold: true
            }
            Text {
                text: window.lastPrice < 0 ? "—" : window.lastPrice.toFixed(2)
                color: "#f0f6fc"
                font.pixelSize: 34
                font.bold: true
            }
            StatusBadge {
                source: source
                anchors.verticalCenter: parent.verticalCenter
            }
        }

        Sparkline {
            width: parent.width
            height: 170
            values: window.prices
        }

        Row {
            spacing: 10
            Button {
                text: source.active ? qsTr("Pause") : qsTr("Resume")
                onClicked: source.active = !source.active
            }
            Button {
                text: qsTr("Drop connections on the server")
                onClicked: {
                    // XMLHttpRequest is a global of the QML engine; Qt 6.8's qmllint does not know it.
                    // qmllint disable unqualified
                    const request = new XMLHttpRequest()
                    // qmllint enable unqualified
                    request.open("POST", new URL("/control/drop", String(source.url)).toString())
                    request.send()
                }
            }
            Button {
                text: qsTr("Clear")
                onClicked: events.clear()
            }
            Text {
                anchors.verticalCenter: parent.verticalCenter
                color: "#8b949e"
                text: qsTr("%1 events received, %2 shown").arg(window.eventsReceived).arg(events.count)
            }
        }

        ListView {
            id: list
            width: parent.width
            height: parent.height - y
            clip: true
            model: events
            spacing: 2
            delegate: Rectangle {
                id: row
                required property string type
                required property string eventData
                required property string lastEventId
                required property date receivedAt
                width: ListView.view.width
                height: 26
                color: "#161b22"
                radius: 4
                Row {
                    anchors.verticalCenter: parent.verticalCenter
                    x: 10
                    spacing: 16
                    Text { color: "#8b949e"; text: Qt.formatTime(row.receivedAt, "hh:mm:ss.zzz"); font.family: "monospace" }
                    // The server's text (type, id, data): plain, never rendered as markup.
                    Text { color: "#d2a8ff"; text: row.type; textFormat: Text.PlainText; width: 40 }
                    Text { color: "#8b949e"; text: "#" + row.lastEventId; textFormat: Text.PlainText; width: 60 }
                    Text { color: "#c9d1d9"; text: row.eventData; textFormat: Text.PlainText; font.family: "monospace" }
                }
            }
        }
    }
}
