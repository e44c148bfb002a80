// SPDX-License-Identifier: MIT
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import McpClient

// The face of the MCP client: the server's tools, a call with JSON arguments and its answer,
// the questions the server asks (elicitation), and the exchange as it happens. The protocol is
// McpSession's (C++), which the headless mode uses too.
ApplicationWindow {
    id: window
    required property McpSession session
    // --call NAME[=JSON]: called once the tools are listed (the smoke test and the screenshot).
    property string autoCallTool
    property string autoCallArguments
    property int results: 0
    property int notifications: 0
    property var elicitationId: null

    width: 1000
    height: 660
    visible: true
    title: qsTr("QtSse MCP client")

    function selectTool(index: int) {
        toolList.currentIndex = index
        const tool = window.session.tools[index]
        if (!tool)
            return
        toolName.text = tool.name
        toolDescription.text = tool.description ?? ""
        argumentsEdit.text = JSON.stringify(
                    window.session.argumentsFromSchema(tool.inputSchema ?? {}), null, 2)
    }

    function callSelected() {
        let args
        try {
            args = JSON.parse(argumentsEdit.text || "{}")
        } catch (e) {
            answer.text = qsTr("The arguments are not JSON: %1").arg(e.message)
            return
        }
        answer.text = qsTr("Calling %1…").arg(toolName.text)
        answer.color = window.palette.text
        window.session.callTool(toolName.text, args)
    }

    function answerElicitation(action: string, content: var) {
        window.session.answerElicitation(window.elicitationId, action, content)
        elicitation.close()
    }

    function log(line: string) {
        exchangeModel.append({ line: line })
        if (exchangeModel.count > 300)
            exchangeModel.remove(0, exchangeModel.count - 300)
        exchangeView.positionViewAtEnd()
    }

    Connections {
        target: window.session
        function onExchange(line: string) {
            window.log(line)
        }
        function onToolsChanged() {
            const tools = window.session.tools
            if (tools.length === 0)
                return
            let index = 0
            for (let i = 0; i < tools.length; ++i) {
                if (tools[i].name === window.autoCallTool)
                    index = i
            }
            window.selectTool(index)
            if (window.autoCallTool !== "" && tools[index].name === window.autoCallTool) {
                if (window.autoCallArguments !== "")
                    argumentsEdit.text = window.autoCallArguments
                window.autoCallTool = ""
                window.callSelected()
            }
        }
        function onToolResult(requestId: int, tool: string, result: var) {
            window.results++
            answer.color = result.isError ? "#c62828" : window.palette.text
            answer.text = window.session.resultText(result)
        }
        function onRequestFailed(requestId: int, method: string, message: string) {
            answer.color = "#c62828"
            answer.text = qsTr("%1 failed: %2").arg(method).arg(message)
        }
        function onNotificationReceived(method: string, params: var, onGetStream: bool) {
            window.notifications++
        }
        function onElicitationRequested(requestId: var, message: string, schema: var) {
            window.elicitationId = requestId
            elicitationMessage.text = message
            elicitationContent.text = JSON.stringify(window.session.schemaDefaults(schema),
                                                     null, 2)
            elicitation.open()
        }
        function onReady() {
            window.session.listTools()
        }
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            anchors.rightMargin: 8
            Label {
                Layout.fillWidth: true
                text: window.session.statusText
                elide: Text.ElideRight
            }
            Label {
                text: qsTr("%1 notifications · %2").arg(window.notifications).arg(
                          window.session.getStreamOpen ? qsTr("GET stream open")
                                                       : qsTr("no GET stream"))
                color: window.session.getStreamOpen ? "#2e7d32" : "#757575"
            }
            Button {
                text: window.session.state === McpSession.Ready ? qsTr("End session")
                                                                  : qsTr("Connect")
                enabled: window.session.state !== McpSession.Initializing
                         && window.session.state !== McpSession.Ending
                onClicked: window.session.state === McpSession.Ready ? window.session.end()
                                                                       : window.session.start()
            }
        }
    }

    SplitView {
        anchors.fill: parent
        orientation: Qt.Vertical

        SplitView {
            SplitView.fillHeight: true
            orientation: Qt.Horizontal

            ColumnLayout {
                SplitView.preferredWidth: 260
                spacing: 0
                Label {
                    padding: 10
                    font.bold: true
                    text: qsTr("Tools (%1)").arg(toolList.count)
                }
                ListView {
                    id: toolList
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    clip: true
                    model: window.session.tools
                    delegate: ItemDelegate {
                        required property int index
                        required property var modelData
                        width: ListView.view.width
                        highlighted: ListView.isCurrentItem
                        text: modelData.name
                        onClicked: ListView.view.currentIndex = index
                    }
                    onCurrentIndexChanged: window.selectTool(currentIndex)
                }
            }

            Pane {
                SplitView.fillWidth: true
                ColumnLayout {
                    anchors.fill: parent
                    spacing: 8
                    Label {
                        id: toolName
                        font.pixelSize: 20
                        font.bold: true
                        text: qsTr("No tool selected")
                    }
                    Label {
                        id: toolDescription
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        textFormat: Text.PlainText // the server's text, never rendered as markup
                    }
                    Label {
                        text: qsTr("Arguments (JSON)")
                    }
                    Frame {
                        Layout.fillWidth: true
                        Layout.preferredHeight: 120
                        padding: 2
                        ScrollView {
                            anchors.fill: parent
                            TextArea {
                                id: argumentsEdit
                                font.family: "monospace"
                            }
                        }
                    }
                    Button {
                        text: qsTr("Call")
                        highlighted: true
                        enabled: window.session.state === McpSession.Ready && toolList.count > 0
                        onClicked: window.callSelected()
                    }
                    Label {
                        text: qsTr("Answer")
                    }
                    Frame {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        padding: 2
                        ScrollView {
                            anchors.fill: parent
                            TextArea {
                                id: answer
                                readOnly: true
                                wrapMode: TextEdit.Wrap
                                textFormat: TextEdit.PlainText
                                font.pixelSize: 15
                            }
                        }
                    }
                }
            }
        }

        Rectangle {
            SplitView.preferredHeight: 210
            color: "#f6f8fa"
            ListView {
                id: exchangeView
                anchors.fill: parent
                anchors.margins: 4
                clip: true
                model: ListModel {
                    id: exchangeModel
                }
                delegate: Text {
                    required property string line
                    width: ListView.view.width
                    leftPadding: 8
                    text: line
                    elide: Text.ElideRight
                    textFormat: Text.PlainText
                    font.family: "monospace"
                    font.pixelSize: 12
                    color: line.startsWith("→") ? "#1565c0" : line.startsWith("×") ? "#c62828"
                                                                                     : "#37474f"
                }
            }
        }
    }

    // A question from the server while a tool runs (elicitation/create): the schema's
    // defaults, to edit, accept or decline.
    Dialog {
        id: elicitation
        anchors.centerIn: parent
        width: 420
        modal: true
        title: qsTr("The server asks")
        ColumnLayout {
            anchors.fill: parent
            Label {
                id: elicitationMessage
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                textFormat: Text.PlainText
            }
            TextArea {
                id: elicitationContent
                Layout.fillWidth: true
                font.family: "monospace"
            }
        }
        footer: DialogButtonBox {
            Button {
                text: qsTr("Accept")
                onClicked: {
                    let content = {}
                    try {
                        content = JSON.parse(elicitationContent.text || "{}")
                    } catch (e) {
                        content = {}
                    }
                    window.answerElicitation("accept", content)
                }
            }
            Button {
                text: qsTr("Decline")
                onClicked: window.answerElicitation("decline", {})
            }
            Button {
                text: qsTr("Cancel")
                onClicked: window.answerElicitation("cancel", {})
            }
        }
    }
}
