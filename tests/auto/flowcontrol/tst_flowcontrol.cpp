// SPDX-License-Identifier: MIT
// Flow control: when a stream counts as fast and has its reply's read buffer bounded, and the
// chunked reads from the reply. A scripted reply stands in for the network.
#include "flowcontrol_p.h"

#include <QtNetwork/qnetworkreply.h>
#include <QtTest/qtest.h>

#include <cstring>

using QtSse::FlowControl;

namespace {

// A finished reply whose body is `data`, read like a network reply's.
class ScriptedReply : public QNetworkReply
{
public:
    explicit ScriptedReply(const QByteArray &data) : m_data(data)
    {
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }
    void abort() override { }
    qint64 bytesAvailable() const override
    {
        return m_data.size() - m_pos + QNetworkReply::bytesAvailable();
    }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = qMin(maxSize, qint64(m_data.size() - m_pos));
        std::memcpy(data, m_data.constData() + m_pos, size_t(n));
        m_pos += n;
        return n;
    }

private:
    QByteArray m_data;
    qsizetype m_pos = 0;
};

} // namespace

class tst_FlowControl : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isFast_data();
    void isFast();
    void resetStartsAFreshWindow();
    void watchBoundsAFastReply_data();
    void watchBoundsAFastReply();
    void watchLeavesABoundAlone();
    void readChunk();
    void slowStreamKeepsASmallBuffer();
};

void tst_FlowControl::isFast_data()
{
    QTest::addColumn<QList<qint64>>("arrivals"); // bytes per readyRead(), within one window
    QTest::addColumn<bool>("fast"); // after the last one

    QTest::newRow("nothing") << QList<qint64>{ 0 } << false;
    QTest::newRow("small chunks") << QList<qint64>{ 100, 2000, 30 } << false;
    QTest::newRow("one byte short of a chunk")
            << QList<qint64>{ FlowControl::ReadChunkSize - 1 } << false;
    QTest::newRow("a full chunk at once") << QList<qint64>{ FlowControl::ReadChunkSize } << true;
    QTest::newRow("a full chunk after small ones")
            << QList<qint64>{ 10, 10, FlowControl::ReadChunkSize } << true;
    // Parts smaller than a read chunk, so that only the window's total counts.
    QList<qint64> justUnder(32, FlowControl::FastStreamBytes / 32);
    justUnder.last() -= 1;
    QTest::newRow("just under the window's bytes") << justUnder << false;
    QTest::newRow("the window's bytes in smaller parts")
            << QList<qint64>(32, FlowControl::FastStreamBytes / 32) << true;
}

void tst_FlowControl::isFast()
{
    QFETCH(QList<qint64>, arrivals);
    QFETCH(bool, fast);
    FlowControl flow;
    bool last = false;
    for (qint64 arrived : arrivals)
        last = flow.isFast(arrived);
    QCOMPARE(last, fast);
}

void tst_FlowControl::resetStartsAFreshWindow()
{
    const qint64 part = FlowControl::FastStreamBytes / 32; // less than a read chunk
    QVERIFY(part < FlowControl::ReadChunkSize);
    FlowControl flow;
    for (int i = 0; i < 31; ++i)
        QVERIFY(!flow.isFast(part));
    flow.reset(); // a new reply: the bytes of the old one do not count
    for (int i = 0; i < 31; ++i)
        QVERIFY(!flow.isFast(part));
    QVERIFY(flow.isFast(part));
}

void tst_FlowControl::watchBoundsAFastReply_data()
{
    QTest::addColumn<qint64>("available");
    QTest::addColumn<qint64>("readBufferSize");

    QTest::newRow("slow") << qint64(512) << qint64(0);
    QTest::newRow("fast") << qint64(FlowControl::ReadChunkSize) << FlowControl::ReadBufferLimit;
}

void tst_FlowControl::watchBoundsAFastReply()
{
    QFETCH(qint64, available);
    QFETCH(qint64, readBufferSize);
    ScriptedReply reply(QByteArray(available, 'x'));
    FlowControl flow;
    flow.watch(&reply);
    QCOMPARE(reply.readBufferSize(), readBufferSize);
}

void tst_FlowControl::watchLeavesABoundAlone()
{
    ScriptedReply reply(QByteArray(FlowControl::ReadChunkSize, 'x'));
    reply.setReadBufferSize(4096); // bounded already: not the stream rate's business
    FlowControl flow;
    flow.watch(&reply);
    QCOMPARE(reply.readBufferSize(), qint64(4096));
}

void tst_FlowControl::readChunk()
{
    QByteArray body(FlowControl::ReadChunkSize + 10, Qt::Uninitialized);
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char('a' + i % 26);
    ScriptedReply reply(body);
    FlowControl flow;
    const QByteArrayView first = flow.readChunk(&reply);
    QCOMPARE(first.size(), FlowControl::ReadChunkSize);
    QVERIFY(first == QByteArrayView(body).first(FlowControl::ReadChunkSize));
    const QByteArrayView second = flow.readChunk(&reply);
    QVERIFY(second == QByteArrayView(body).sliced(FlowControl::ReadChunkSize));
    QVERIFY(second.data() == first.data()); // one reused buffer
    QVERIFY(flow.readChunk(&reply).isEmpty());
}

void tst_FlowControl::slowStreamKeepsASmallBuffer()
{
    // A thousand slow streams in one process: each keeps a buffer the size of what arrives,
    // not a 64 KiB chunk.
    FlowControl flow;
    ScriptedReply small(QByteArray(40, 'x'));
    QCOMPARE(flow.readChunk(&small).size(), 40);
    QCOMPARE(flow.bufferSize(), FlowControl::MinimumBufferSize);
    ScriptedReply larger(QByteArray(3000, 'y'));
    QCOMPARE(flow.readChunk(&larger).size(), 3000);
    QCOMPARE(flow.bufferSize(), 3000);
    ScriptedReply small2(QByteArray(10, 'z'));
    QCOMPARE(flow.readChunk(&small2), QByteArrayView("zzzzzzzzzz"));
    QCOMPARE(flow.bufferSize(), 3000); // never shrinks: no reallocation per read
}

QTEST_GUILESS_MAIN(tst_FlowControl)

#include "tst_flowcontrol.moc"
