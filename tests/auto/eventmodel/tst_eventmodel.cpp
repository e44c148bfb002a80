// SPDX-License-Identifier: MIT
#include <QtSse/EventModel>
#include <QtSse/EventSource>

#include "ssetestserver.h"

#include <QtCore/qdatetime.h>
#include <QtTest/qabstractitemmodeltester.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>

using namespace Qt::StringLiterals;
using QtSse::EventModel;
using QtSse::EventSource;
using QtSse::MessageEvent;

// The rows of every test that must hold in both row orders.
static void addRowOrderRows()
{
    QTest::addColumn<bool>("newestFirst");
    QTest::newRow("oldest first") << false;
    QTest::newRow("newest first") << true;
}

class tst_EventModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void roleNames();
    void roles();
    void json_data();
    void json();
    void rowsArriveFromTheEventLoop();
    void batching_data();
    void batching();
    void ring_data();
    void ring();
    void batchLargerThanCap_data();
    void batchLargerThanCap();
    void endlessStreamStaysBounded();
    void loweringMaximumCount_data();
    void loweringMaximumCount();
    void unlimited();
    void filter();
    void changingFilterRemovesRows();
    void newestFirst();
    void toggleOrderKeepsPersistentIndexes();
    void clear();
    void clearDropsPendingEvents();
    void feedFromEventSource();
    void completeWhenTheSourceFinishes();
    void sourceDestroyed();
    void changeSource();

private:
    // The data role of every row, in row order.
    static QStringList rowData(const EventModel &model)
    {
        QStringList result;
        for (int row = 0; row < model.rowCount(); ++row)
            result.append(model.index(row).data(EventModel::DataRole).toString());
        return result;
    }
    static MessageEvent event(const QString &data, const QString &type = u"message"_s)
    {
        return MessageEvent(type, data, QString());
    }
    static QStringList numbers(int from, int to) // [from, to]
    {
        QStringList result;
        for (int i = from; i <= to; ++i)
            result.append(QString::number(i));
        return result;
    }
};

void tst_EventModel::defaults()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.count(), 0);
    QCOMPARE(model.maximumCount(), EventModel::DefaultMaximumCount);
    QCOMPARE(model.maximumCount(), 1000);
    QVERIFY(model.eventTypes().isEmpty());
    QVERIFY(!model.isNewestFirst());
    QCOMPARE(model.source(), nullptr);
    QCOMPARE(model.property("count").toInt(), 0);
}

void tst_EventModel::roleNames()
{
    EventModel model;
    const QHash<int, QByteArray> names = model.roleNames();
    QCOMPARE(EventModel::TypeRole, Qt::UserRole + 1);
    QCOMPARE(names.value(EventModel::TypeRole), "type"_ba);
    QCOMPARE(names.value(EventModel::DataRole), "eventData"_ba);
    QCOMPARE(names.value(EventModel::LastEventIdRole), "lastEventId"_ba);
    QCOMPARE(names.value(EventModel::OriginRole), "origin"_ba);
    QCOMPARE(names.value(EventModel::ReceivedAtRole), "receivedAt"_ba);
    QCOMPARE(names.value(EventModel::JsonRole), "json"_ba);
    QCOMPARE(names.value(Qt::DisplayRole), "display"_ba);
}

void tst_EventModel::roles()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    model.append(MessageEvent(u"price"_s, u"{\"symbol\":\"QT\",\"value\":42}"_s, u"id-7"_s,
                              u"http://example.com:8080"_s));
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    QTRY_COMPARE(model.rowCount(), 1);

    const QModelIndex index = model.index(0);
    QCOMPARE(index.data(EventModel::TypeRole).toString(), u"price"_s);
    QCOMPARE(index.data(EventModel::DataRole).toString(), u"{\"symbol\":\"QT\",\"value\":42}"_s);
    QCOMPARE(index.data(Qt::DisplayRole).toString(), u"{\"symbol\":\"QT\",\"value\":42}"_s);
    QCOMPARE(index.data(EventModel::LastEventIdRole).toString(), u"id-7"_s);
    QCOMPARE(index.data(EventModel::OriginRole).toString(), u"http://example.com:8080"_s);

    const QVariant receivedAt = index.data(EventModel::ReceivedAtRole);
    QCOMPARE(receivedAt.metaType(), QMetaType::fromType<QDateTime>());
    QVERIFY(receivedAt.toDateTime().isValid());
    QCOMPARE_GE(receivedAt.toDateTime().toMSecsSinceEpoch(), before);
    QCOMPARE_LE(receivedAt.toDateTime().toMSecsSinceEpoch(), after);

    const QVariantMap json = index.data(EventModel::JsonRole).toMap();
    QCOMPARE(json.value(u"symbol"_s).toString(), u"QT"_s);
    QCOMPARE(json.value(u"value"_s).toInt(), 42);

    QVERIFY(!index.data(Qt::ToolTipRole).isValid());
    QVERIFY(!index.data(EventModel::JsonRole + 1).isValid());
}

void tst_EventModel::json_data()
{
    QTest::addColumn<QString>("data");
    QTest::addColumn<QVariant>("expected");

    QTest::newRow("object") << u"{\"a\":1}"_s << QVariant(QVariantMap{ { u"a"_s, 1.0 } });
    QTest::newRow("array") << u"[1,\"two\"]"_s << QVariant(QVariantList{ 1.0, u"two"_s });
    QTest::newRow("number") << u"3.5"_s << QVariant(3.5);
    QTest::newRow("string") << u"\"text\""_s << QVariant(u"text"_s);
    QTest::newRow("boolean") << u"true"_s << QVariant(true);
    QTest::newRow("null") << u"null"_s << QVariant::fromValue(nullptr);
    QTest::newRow("plain text is not JSON") << u"hello world"_s << QVariant();
    QTest::newRow("empty data is not JSON") << QString() << QVariant();
    QTest::newRow("two values are not JSON") << u"1 2"_s << QVariant();
    QTest::newRow("truncated object") << u"{\"a\":"_s << QVariant();
}

void tst_EventModel::json()
{
    QFETCH(QString, data);
    QFETCH(QVariant, expected);

    EventModel model;
    model.append(event(data));
    QTRY_COMPARE(model.rowCount(), 1);
    const QVariant json = model.index(0).data(EventModel::JsonRole);
    QCOMPARE(json.isValid(), expected.isValid());
    QCOMPARE(json.metaType().id() == QMetaType::Nullptr,
             expected.metaType().id() == QMetaType::Nullptr);
    if (expected.metaType().id() != QMetaType::Nullptr)
        QCOMPARE(json, expected);
    // Parsed once and cached: asking again gives the same answer.
    QCOMPARE(model.index(0).data(EventModel::JsonRole).metaType(), json.metaType());
}

void tst_EventModel::rowsArriveFromTheEventLoop()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    QSignalSpy countChanged(&model, &EventModel::countChanged);
    QVERIFY(countChanged.isValid());

    model.append(event(u"one"_s));
    model.append(event(u"two"_s));
    // Nothing is inserted synchronously ...
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(countChanged.size(), 0);
    // ... but on the next pass of the event loop, in one batch.
    QVERIFY(inserted.wait(5000));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 1);
    QCOMPARE(countChanged.size(), 1);
    QCOMPARE(model.count(), 2);
    QCOMPARE(rowData(model), (QStringList{ u"one"_s, u"two"_s }));

    // A later turn is a later batch.
    model.append(event(u"three"_s));
    QVERIFY(inserted.wait(5000));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 2);
    QCOMPARE(inserted.at(1).at(2).toInt(), 2);
    QCOMPARE(countChanged.size(), 2);
    QCOMPARE(rowData(model), (QStringList{ u"one"_s, u"two"_s, u"three"_s }));
}

void tst_EventModel::batching_data()
{
    QTest::addColumn<int>("maximumCount");
    QTest::addColumn<bool>("newestFirst");
    QTest::addColumn<int>("expectedRows");

    QTest::newRow("unlimited, oldest first") << 0 << false << 10000;
    QTest::newRow("unlimited, newest first") << 0 << true << 10000;
    QTest::newRow("default cap keeps the newest 1000")
            << EventModel::DefaultMaximumCount << false << 1000;
    QTest::newRow("default cap, newest first") << EventModel::DefaultMaximumCount << true << 1000;
}

void tst_EventModel::batching()
{
    QFETCH(int, maximumCount);
    QFETCH(bool, newestFirst);
    QFETCH(int, expectedRows);

    EventModel model;
    model.setMaximumCount(maximumCount);
    model.setNewestFirst(newestFirst);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    QVERIFY(removed.isValid());
    QSignalSpy countChanged(&model, &EventModel::countChanged);
    QVERIFY(countChanged.isValid());

    constexpr int events = 10000;
    for (int i = 0; i < events; ++i)
        model.append(event(QString::number(i)));
    QCOMPARE(inserted.size(), 0);

    QTRY_COMPARE(model.rowCount(), expectedRows);
    QCOMPARE(inserted.size(), 1); // exactly one insertion for the whole burst
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), expectedRows - 1);
    QCOMPARE(removed.size(), 0); // the events beyond the cap were never inserted
    QCOMPARE(countChanged.size(), 1);

    // Only the newest events are kept, in the requested order.
    const int first = events - expectedRows;
    const QModelIndex newest = model.index(newestFirst ? 0 : expectedRows - 1);
    const QModelIndex oldest = model.index(newestFirst ? expectedRows - 1 : 0);
    QCOMPARE(newest.data(EventModel::DataRole).toString(), QString::number(events - 1));
    QCOMPARE(oldest.data(EventModel::DataRole).toString(), QString::number(first));
    QCOMPARE(model.index(1).data().toString(),
             QString::number(newestFirst ? events - 2 : first + 1));
}

void tst_EventModel::ring_data()
{
    QTest::addColumn<bool>("newestFirst");
    QTest::addColumn<int>("removedRow"); // where the oldest row is, and so is removed
    QTest::addColumn<int>("insertedRow");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("oldest first: drop at the top, append at the bottom")
            << false << 0 << 2 << QStringList{ u"2"_s, u"3"_s, u"4"_s };
    QTest::newRow("newest first: drop at the bottom, insert at the top")
            << true << 2 << 0 << QStringList{ u"4"_s, u"3"_s, u"2"_s };
}

void tst_EventModel::ring()
{
    QFETCH(bool, newestFirst);
    QFETCH(int, removedRow);
    QFETCH(int, insertedRow);
    QFETCH(QStringList, expected);

    EventModel model;
    model.setMaximumCount(3);
    model.setNewestFirst(newestFirst);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    QVERIFY(removed.isValid());

    for (int i = 0; i < 3; ++i) {
        model.append(event(QString::number(i)));
        QTRY_COMPARE(model.rowCount(), i + 1);
    }
    QCOMPARE(removed.size(), 0);

    for (int i = 3; i < 5; ++i) {
        inserted.clear();
        removed.clear();
        model.append(event(QString::number(i)));
        QTRY_COMPARE(inserted.size(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(removed.at(0).at(1).toInt(), removedRow);
        QCOMPARE(removed.at(0).at(2).toInt(), removedRow);
        QCOMPARE(inserted.at(0).at(1).toInt(), insertedRow);
        QCOMPARE(inserted.at(0).at(2).toInt(), insertedRow);
    }
    QCOMPARE(rowData(model), expected);
}

void tst_EventModel::batchLargerThanCap_data()
{
    addRowOrderRows();
}

void tst_EventModel::batchLargerThanCap()
{
    QFETCH(bool, newestFirst);

    EventModel model;
    model.setMaximumCount(5);
    model.setNewestFirst(newestFirst);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 4; ++i)
        model.append(event(u"old"_s + QString::number(i)));
    QTRY_COMPARE(model.rowCount(), 4);

    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    QVERIFY(removed.isValid());
    // Three rows would fit after removing two; a batch of 8 replaces everything.
    for (int i = 0; i < 8; ++i)
        model.append(event(QString::number(i)));
    QTRY_COMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 3);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 4);
    QStringList expected = numbers(3, 7);
    if (newestFirst)
        std::reverse(expected.begin(), expected.end());
    QCOMPARE(rowData(model), expected);
}

void tst_EventModel::endlessStreamStaysBounded()
{
    // Many batches of mixed sizes through a small ring: the row count never exceeds the cap
    // and the rows are always the newest events.
    EventModel model;
    model.setMaximumCount(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    int maximumSeen = 0;
    connect(&model, &EventModel::rowsInserted, this,
            [&] { maximumSeen = qMax(maximumSeen, model.rowCount()); });
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());

    int next = 0;
    for (int batch = 0; batch < 50; ++batch) {
        const int size = (batch * 37) % 150 + 1;
        for (int i = 0; i < size; ++i)
            model.append(event(QString::number(next++)));
        QTRY_COMPARE(inserted.size(), batch + 1);
    }
    QCOMPARE(maximumSeen, 100);
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(rowData(model), numbers(next - 100, next - 1));
}

void tst_EventModel::loweringMaximumCount_data()
{
    addRowOrderRows();
}

void tst_EventModel::loweringMaximumCount()
{
    QFETCH(bool, newestFirst);

    EventModel model;
    model.setNewestFirst(newestFirst);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 10; ++i)
        model.append(event(QString::number(i)));
    QTRY_COMPARE(model.rowCount(), 10);

    QSignalSpy maximumChanged(&model, &EventModel::maximumCountChanged);
    QVERIFY(maximumChanged.isValid());
    QSignalSpy countChanged(&model, &EventModel::countChanged);
    QVERIFY(countChanged.isValid());
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    QVERIFY(removed.isValid());

    model.setMaximumCount(4);
    QCOMPARE(model.maximumCount(), 4);
    QCOMPARE(maximumChanged.size(), 1);
    QCOMPARE(countChanged.size(), 1);
    QCOMPARE(model.rowCount(), 4); // at once, not on the next turn
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), newestFirst ? 4 : 0);
    QCOMPARE(removed.at(0).at(2).toInt(), newestFirst ? 9 : 5);
    QStringList expected = numbers(6, 9);
    if (newestFirst)
        std::reverse(expected.begin(), expected.end());
    QCOMPARE(rowData(model), expected);

    // Raising it removes nothing; the same value emits nothing.
    model.setMaximumCount(8);
    model.setMaximumCount(8);
    QCOMPARE(maximumChanged.size(), 2);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(countChanged.size(), 1);

    // Negative values mean "no limit", like 0.
    model.setMaximumCount(-5);
    QCOMPARE(model.maximumCount(), 0);
}

void tst_EventModel::unlimited()
{
    EventModel model;
    model.setMaximumCount(0);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 1500; ++i)
            model.append(event(QString::number(round * 1500 + i)));
        QTRY_COMPARE(model.rowCount(), (round + 1) * 1500);
    }
    QCOMPARE(model.index(0).data().toString(), u"0"_s);
    QCOMPARE(model.index(4499).data().toString(), u"4499"_s);
}

void tst_EventModel::filter()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy typesChanged(&model, &EventModel::eventTypesChanged);
    QVERIFY(typesChanged.isValid());
    model.setEventTypes({ u"a"_s, u"c"_s });
    model.setEventTypes({ u"a"_s, u"c"_s });
    QCOMPARE(typesChanged.size(), 1);
    QCOMPARE(model.eventTypes(), (QStringList{ u"a"_s, u"c"_s }));

    model.append(event(u"1"_s, u"a"_s));
    model.append(event(u"2"_s, u"b"_s));
    model.append(event(u"3"_s, u"c"_s));
    model.append(event(u"4"_s, u"message"_s));
    model.append(event(u"5"_s, u"a"_s));
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(rowData(model), (QStringList{ u"1"_s, u"3"_s, u"5"_s }));

    // Filtered-out events take no room in the ring.
    model.setMaximumCount(3);
    for (int i = 0; i < 10; ++i)
        model.append(event(u"ignored"_s, u"b"_s));
    model.append(event(u"6"_s, u"c"_s));
    QTRY_COMPARE(model.index(2).data().toString(), u"6"_s);
    QCOMPARE(rowData(model), (QStringList{ u"3"_s, u"5"_s, u"6"_s }));

    // An empty list accepts everything again.
    model.setEventTypes({});
    model.append(event(u"7"_s, u"b"_s));
    QTRY_COMPARE(model.index(2).data().toString(), u"7"_s);
}

void tst_EventModel::changingFilterRemovesRows()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append(event(u"1"_s, u"a"_s));
    model.append(event(u"2"_s, u"b"_s));
    model.append(event(u"3"_s, u"a"_s));
    QTRY_COMPARE(model.rowCount(), 3);
    // Pending events are filtered too.
    model.append(event(u"4"_s, u"b"_s));
    model.append(event(u"5"_s, u"a"_s));

    QSignalSpy countChanged(&model, &EventModel::countChanged);
    QVERIFY(countChanged.isValid());
    QSignalSpy reset(&model, &EventModel::modelReset);
    QVERIFY(reset.isValid());
    model.setEventTypes({ u"a"_s });
    QCOMPARE(reset.size(), 1);
    QCOMPARE(countChanged.size(), 1);
    QCOMPARE(rowData(model), (QStringList{ u"1"_s, u"3"_s }));
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(rowData(model), (QStringList{ u"1"_s, u"3"_s, u"5"_s }));

    // A filter that keeps every row does not reset the model.
    model.setEventTypes({ u"a"_s, u"b"_s });
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 3);
}

void tst_EventModel::newestFirst()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy orderChanged(&model, &EventModel::newestFirstChanged);
    QVERIFY(orderChanged.isValid());
    model.setNewestFirst(true);
    model.setNewestFirst(true);
    QCOMPARE(orderChanged.size(), 1);
    QVERIFY(model.isNewestFirst());

    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    model.append(event(u"1"_s));
    model.append(event(u"2"_s));
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(rowData(model), (QStringList{ u"2"_s, u"1"_s }));
    model.append(event(u"3"_s));
    model.append(event(u"4"_s));
    QTRY_COMPARE(model.rowCount(), 4);
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 0);
    QCOMPARE(inserted.at(1).at(2).toInt(), 1);
    QCOMPARE(rowData(model), (QStringList{ u"4"_s, u"3"_s, u"2"_s, u"1"_s }));

    // Back to oldest first: the same rows, reversed, with a layout change.
    QSignalSpy layoutChanged(&model, &EventModel::layoutChanged);
    QVERIFY(layoutChanged.isValid());
    model.setNewestFirst(false);
    QCOMPARE(layoutChanged.size(), 1);
    QCOMPARE(orderChanged.size(), 2);
    QCOMPARE(rowData(model), (QStringList{ u"1"_s, u"2"_s, u"3"_s, u"4"_s }));
}

void tst_EventModel::toggleOrderKeepsPersistentIndexes()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 5; ++i)
        model.append(event(QString::number(i)));
    QTRY_COMPARE(model.rowCount(), 5);

    const QPersistentModelIndex second(model.index(1));
    QCOMPARE(second.data().toString(), u"1"_s);
    model.setNewestFirst(true);
    QVERIFY(second.isValid());
    QCOMPARE(second.row(), 3);
    QCOMPARE(second.data().toString(), u"1"_s);
    model.setNewestFirst(false);
    QCOMPARE(second.row(), 1);
    QCOMPARE(second.data().toString(), u"1"_s);
}

void tst_EventModel::clear()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy countChanged(&model, &EventModel::countChanged);
    QVERIFY(countChanged.isValid());
    model.clear(); // empty: nothing to do, nothing emitted
    QCOMPARE(countChanged.size(), 0);

    for (int i = 0; i < 3; ++i)
        model.append(event(QString::number(i)));
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(countChanged.size(), 1);

    QSignalSpy reset(&model, &EventModel::modelReset);
    QVERIFY(reset.isValid());
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.count(), 0);
    QCOMPARE(reset.size(), 1);
    QCOMPARE(countChanged.size(), 2);

    // The model still works after clear(), settings kept.
    model.append(event(u"after"_s));
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data().toString(), u"after"_s);
    QCOMPARE(model.maximumCount(), EventModel::DefaultMaximumCount);
}

void tst_EventModel::clearDropsPendingEvents()
{
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    model.append(event(u"pending"_s));
    model.clear();
    model.append(event(u"kept"_s));
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data().toString(), u"kept"_s);
    QCOMPARE(inserted.size(), 1);
}

void tst_EventModel::feedFromEventSource()
{
    SseTestServer server([](const HttpRequest &request, QTcpSocket *socket) {
        if (request.path() != "/stream") {
            SseTestServer::writeResponse(socket, "404 Not Found", QByteArray(), "no");
            return;
        }
        SseTestServer::writeStreamHead(socket);
        socket->write("data: first\n\n"
                      "event: price\ndata: {\"v\": 1}\nid: 7\n\n"
                      ": a comment is not an event\n\n"
                      "event: other\ndata: third\n\n");
    });
    QVERIFY(server.isListening());

    EventSource source(server.url(u"/stream"_s));
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy sourceChanged(&model, &EventModel::sourceChanged);
    QVERIFY(sourceChanged.isValid());
    model.setSource(&source);
    model.setSource(&source);
    QCOMPARE(model.source(), &source);
    QCOMPARE(sourceChanged.size(), 1);

    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QVERIFY(inserted.isValid());
    source.open();
    QTRY_COMPARE(model.rowCount(), 3);
    // The three events arrived in one network chunk, so they were inserted in one batch.
    QCOMPARE(inserted.size(), 1);

    QCOMPARE(model.index(0).data(EventModel::TypeRole).toString(), u"message"_s);
    QCOMPARE(model.index(0).data(EventModel::DataRole).toString(), u"first"_s);
    QCOMPARE(model.index(0).data(EventModel::LastEventIdRole).toString(), QString());
    QCOMPARE(model.index(0).data(EventModel::OriginRole).toString(), server.origin());
    QCOMPARE(model.index(1).data(EventModel::TypeRole).toString(), u"price"_s);
    QCOMPARE(model.index(1).data(EventModel::LastEventIdRole).toString(), u"7"_s);
    QCOMPARE(model.index(1).data(EventModel::JsonRole).toMap().value(u"v"_s).toInt(), 1);
    QCOMPARE(model.index(2).data(EventModel::TypeRole).toString(), u"other"_s);
    QCOMPARE(model.index(2).data(EventModel::LastEventIdRole).toString(), u"7"_s);

    // Later events on the same stream keep coming in.
    QVERIFY(server.lastSocket);
    server.lastSocket->write("data: fourth\n\n");
    QTRY_COMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(3).data().toString(), u"fourth"_s);

    // Detached, the model keeps its rows and ignores the source.
    model.setSource(nullptr);
    QCOMPARE(sourceChanged.size(), 2);
    server.lastSocket->write("data: fifth\n\n");
    QSignalSpy received(&source, &EventSource::eventReceived);
    QVERIFY(received.isValid());
    QVERIFY(received.wait(5000));
    QCoreApplication::processEvents(); // a flush, if one had been (wrongly) scheduled
    QCOMPARE(model.rowCount(), 4);
    source.close();
}

// An application reads the model when the answer is complete: in finished() (onFinished in
// QML), every event the source delivered is a row, though rows otherwise arrive a pass later.
void tst_EventModel::completeWhenTheSourceFinishes()
{
    SseTestServer server([](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        socket->write("data: one\n\ndata: two\n\ndata: three\n\ndata: [DONE]\n\n");
    });
    QVERIFY(server.isListening());
    EventSource source(server.url(u"/answer"_s));
    source.setReconnectPolicy(EventSource::ReconnectBeforeFirstEvent);
    source.setFinishMarkers({ u"[DONE]"_s });
    EventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSource(&source);
    int rowsWhenFinished = -1;
    QStringList lastRow;
    connect(&source, &EventSource::finished, this, [&] {
        rowsWhenFinished = model.count();
        if (rowsWhenFinished > 0)
            lastRow << model.index(rowsWhenFinished - 1).data().toString();
    });
    QSignalSpy finished(&source, &EventSource::finished);
    source.open();
    QVERIFY(finished.wait(10000));
    // The marker event is delivered too, then the stream finishes.
    QCOMPARE(rowsWhenFinished, 4);
    QCOMPARE(lastRow, QStringList{ u"[DONE]"_s });
}

void tst_EventModel::sourceDestroyed()
{
    EventModel model;
    auto source = std::make_unique<EventSource>();
    model.setSource(source.get());
    QSignalSpy sourceChanged(&model, &EventModel::sourceChanged);
    QVERIFY(sourceChanged.isValid());
    source.reset();
    QCOMPARE(sourceChanged.size(), 1);
    QCOMPARE(model.source(), nullptr);
}

void tst_EventModel::changeSource()
{
    EventModel model;
    EventSource first;
    EventSource second;
    model.setSource(&first);
    model.setSource(&second);
    QCOMPARE(model.source(), &second);
    // The old source's destruction no longer concerns the model.
    QSignalSpy sourceChanged(&model, &EventModel::sourceChanged);
    QVERIFY(sourceChanged.isValid());
    {
        EventSource third;
        model.setSource(&third);
        model.setSource(&second);
    }
    QCOMPARE(sourceChanged.size(), 2);
    QCOMPARE(model.source(), &second);
}

QTEST_GUILESS_MAIN(tst_EventModel)
#include "tst_eventmodel.moc"
