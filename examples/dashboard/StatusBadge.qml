// SPDX-License-Identifier: MIT
import QtQuick
import QtSse

// A dot and a line of text for an EventSource's state, with the reconnect countdown.
Row {
    id: badge
    required property EventSource source
    property real reconnectAt: 0 // ms since the epoch, 0 when no reconnect is pending
    property real now: Date.now()
    spacing: 8

    Connections {
        target: badge.source
        function onReconnectDelayChanged(delay) {
            badge.now = Date.now() // the timer has not run since the last wait
            badge.reconnectAt = delay >= 0 ? badge.now + delay : 0
        }
    }
    Timer {
        interval: 100
        repeat: true
        running: badge.reconnectAt > 0
        onTriggered: badge.now = Date.now()
    }
    Rectangle {
        width: 14
        height: 14
        radius: 7
        anchors.verticalCenter: parent.verticalCenter
        color: badge.source.readyState === EventSource.Open ? "#3fb950"
             : badge.source.readyState === EventSource.Connecting ? "#d29922" : "#f85149"
    }
    Text {
        color: "#c9d1d9"
        font.pixelSize: 15
        // errorString quotes the server's error body: plain text, so that a server cannot
        // style it or make it load remote images (AutoText would render rich text).
        textFormat: Text.PlainText
        text: {
            switch (badge.source.readyState) {
            case EventSource.Open:
                return qsTr("Open · last event ID %1").arg(badge.source.lastEventId)
            case EventSource.Connecting:
                return badge.reconnectAt > 0
                        ? qsTr("Reconnecting in %1 s · %2")
                              .arg(Math.max(0, (badge.reconnectAt - badge.now) / 1000).toFixed(1))
                              .arg(badge.source.errorString)
                        : qsTr("Connecting…")
            default:
                return qsTr("Closed · %1").arg(badge.source.errorString)
            }
        }
    }
}
