// SPDX-License-Identifier: MIT
import QtQuick
import QtTest
import QtSse
import QtSseTest

TestCase {
    id: testCase
    name: "EventModel"
    width: 200
    height: 400
    when: windowShown

    Component {
        id: sourceComponent
        EventSource { }
    }

    Component {
        id: modelComponent
        EventModel { }
    }

    Component {
        id: viewComponent
        ListView {
            width: 200
            height: 400
            delegate: Item {
                required property var model
                required property string type
                required property string eventData
                required property string display
                required property string lastEventId
                required property string origin
                required property date receivedAt
                required property var json
                width: 200
                height: 4
            }
        }
    }

    Component {
        id: spyComponent
        SignalSpy { }
    }

    function spy(target, signalName) {
        const result = createTemporaryObject(spyComponent, testCase,
                                             { target: target, signalName: signalName })
        verify(result.valid)
        return result
    }

    // A model and a view fed by a source streaming `path`.
    function createFixture(path, modelProperties) {
        const source = createTemporaryObject(sourceComponent, testCase,
                                             { url: TestServer.url(path), active: false })
        verify(source)
        const properties = modelProperties || {}
        properties.source = source
        const model = createTemporaryObject(modelComponent, testCase, properties)
        verify(model)
        const view = createTemporaryObject(viewComponent, testCase, { model: model })
        verify(view)
        return { source: source, model: model, view: view }
    }

    function test_defaults() {
        const model = createTemporaryObject(modelComponent, testCase)
        compare(model.count, 0)
        compare(model.maximumCount, 1000)
        compare(model.eventTypes.length, 0)
        compare(model.newestFirst, false)
        compare(model.source, null)
    }

    function test_rowsAndRoles() {
        const before = new Date()
        const f = createFixture("/three")
        f.source.active = true
        tryCompare(f.model, "count", 3)
        tryCompare(f.view, "count", 3)
        tryVerify(() => f.view.itemAtIndex(2) !== null)

        const first = f.view.itemAtIndex(0)
        compare(first.type, "message")
        compare(first.eventData, "one")
        compare(first.display, "one")
        compare(first.model.eventData, "one")
        compare(first.lastEventId, "")
        compare(first.origin, TestServer.origin())
        verify(first.receivedAt instanceof Date)
        verify(first.receivedAt.getTime() >= before.getTime() - 1000)
        verify(first.receivedAt.getTime() <= new Date().getTime() + 1000)
        compare(first.json, undefined)
        compare(f.view.itemAtIndex(1).display, "two")
        compare(f.view.itemAtIndex(2).type, "custom")
        compare(f.view.itemAtIndex(2).display, "three")
    }

    function test_jsonRole() {
        const f = createFixture("/json")
        f.source.active = true
        tryCompare(f.model, "count", 2)
        tryVerify(() => f.view.itemAtIndex(1) !== null)
        compare(f.view.itemAtIndex(0).json.price, 42)
        compare(f.view.itemAtIndex(0).json.symbol, "QT")
        compare(f.view.itemAtIndex(1).json, undefined)
    }

    function test_maximumCount() {
        const f = createFixture("/three", { maximumCount: 2 })
        f.source.active = true
        tryCompare(f.model, "count", 2)
        tryVerify(() => f.view.itemAtIndex(1) !== null)
        compare(f.view.itemAtIndex(0).display, "two")
        compare(f.view.itemAtIndex(1).display, "three")

        f.model.maximumCount = 1 // removes the oldest row at once
        compare(f.model.count, 1)
        tryCompare(f.view, "count", 1)
        tryVerify(() => f.view.itemAtIndex(0) !== null
                  && f.view.itemAtIndex(0).display === "three")
    }

    function test_eventTypes() {
        const f = createFixture("/three", { eventTypes: ["custom"] })
        const events = spy(f.source, "eventReceived")
        f.source.active = true
        tryCompare(events, "count", 3)
        tryCompare(f.model, "count", 1)
        tryVerify(() => f.view.itemAtIndex(0) !== null)
        compare(f.view.itemAtIndex(0).type, "custom")
    }

    function test_newestFirst() {
        const f = createFixture("/three", { newestFirst: true })
        f.source.active = true
        tryCompare(f.model, "count", 3)
        tryVerify(() => f.view.itemAtIndex(2) !== null)
        compare(f.view.itemAtIndex(0).display, "three")
        compare(f.view.itemAtIndex(2).display, "one")

        f.model.newestFirst = false
        tryVerify(() => f.view.itemAtIndex(0) !== null && f.view.itemAtIndex(0).display === "one")
        compare(f.view.itemAtIndex(2).display, "three")
    }

    function test_batchedInsertion() {
        const f = createFixture("/burst?n=200", { maximumCount: 0 })
        const inserted = spy(f.model, "rowsInserted")
        const counts = spy(f.model, "countChanged")
        const events = spy(f.source, "eventReceived")
        f.source.active = true
        tryCompare(f.model, "count", 200)
        compare(events.count, 200)
        // 200 events written in one go: one insertion, one count change.
        compare(inserted.count, 1)
        compare(counts.count, 1)
        tryCompare(f.view, "count", 200)
    }

    function test_clear() {
        const f = createFixture("/three")
        f.source.active = true
        tryCompare(f.model, "count", 3)
        f.model.clear()
        compare(f.model.count, 0)
        tryCompare(f.view, "count", 0)
    }
}
