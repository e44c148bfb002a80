// SPDX-License-Identifier: MIT
// The QML of the "Live dashboard" guide (docs/src/qtsse-dashboard-guide.qdoc), which
// tests/snippets checks with qmllint so that it stays true.
import QtQuick
import QtSse

Column {
    id: dashboard
    width: 600
    height: 400
    property real lastPrice: -1
    property real reconnectAt: 0 // ms since the epoch; 0 when no reconnect is pending
    property real now: Date.now()

    //! [source]
    EventSource {
        id: feed
        url: "https://example.com/prices"
        headers: ({ "Authorization": "Bearer demo" })
        // Outlive a deploy or a restarting proxy: retry 5xx, 429 and 408 too, after the
        // server's Retry-After when it sends one.
        httpErrorPolicy: EventSource.RetryServerErrors
        Component.onCompleted: addEventListener("tick", event => {
            dashboard.lastPrice = event.json().price
        })
        // Set before errorOccurred: the countdown starts with the failure it follows.
        onReconnectDelayChanged: dashboard.reconnectAt = reconnectDelay >= 0
                                 ? Date.now() + reconnectDelay : 0
    }
    //! [source]

    //! [status]
    Text {
        textFormat: Text.PlainText // errorString may quote the server's error body
        text: {
            switch (feed.readyState) {
            case EventSource.Open:
                return qsTr("Live · last event %1").arg(feed.lastEventId)
            case EventSource.Connecting:
                return dashboard.reconnectAt > 0
                        ? qsTr("Reconnecting in %1 s · %2")
                              .arg(Math.max(0, (dashboard.reconnectAt - dashboard.now) / 1000)
                                   .toFixed(1))
                              .arg(feed.errorString)
                        : qsTr("Connecting…")
            default:
                return qsTr("Stopped · %1").arg(feed.errorString)
            }
        }
        Timer {
            interval: 100
            repeat: true
            running: dashboard.reconnectAt > 0
            onTriggered: dashboard.now = Date.now()
        }
    }
    //! [status]

    //! [view]
    ListView {
        width: parent.width
        height: 300
        clip: true
        model: EventModel {
            source: feed
            maximumCount: 500  // a ring: memory stays flat on an endless stream
            newestFirst: true
        }
        delegate: Text {
            required property string type
            required property string eventData
            required property string lastEventId
            text: "#" + lastEventId + " " + type + ": " + eventData
            textFormat: Text.PlainText
        }
    }
    //! [view]

    //! [pause]
    Text {
        text: feed.active ? qsTr("Pause") : qsTr("Resume")
        TapHandler { onTapped: feed.active = !feed.active }
    }
    //! [pause]
}
