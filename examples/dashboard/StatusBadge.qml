// SPDX-License-Identifier: MIT
import QtQuick
import QtSse

// A dot and a line of text for an EventSource's state, with the reconnect countdown.
Row {
    id: badge
    required property EventSource source
    property real reconnectAt: 0 // ms since the epoch, 0 when no reconnect is pending
    property int reconnectDelay: -1 // the pending wait in ms, -1 when there is none
    property real now: Date.now()
    // Why the connection failed. While a reconnect is pending, errorString ends with the wait
    // ("Connection refused; reconnecting in 5852 ms"): the countdown shows that, so the
    // text leaves it out rather than show a second, frozen countdown.
    readonly property string cause: {
        const text = badge.source.errorString
        const cut = text.lastIndexOf("; ")
        return badge.reconnectDelay >= 0 && cut >= 0
                && text.indexOf(String(badge.reconnectDelay), cut) >= 0 ? text.slice(0, cut) : text
    }
    spacing: 8

    Connections {
        target: badge.source
        function onReconnectDelayChanged(delay) {
            badge.reconnectDelay = delay
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
                              .arg(badge.cause)
                        : qsTr("Connecting…")
            default:
                return qsTr("Closed · %1").arg(badge.cause)
            }
        }
    }
}
