// SPDX-License-Identifier: MIT
// Flow control: every reply's read buffer is bounded from its start, whatever the stream's rate,
// and the chunked reads from the reply. A scripted reply stands in for the network (the
// reliability stress test pauses a real client against a real fast server).
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
    void startBoundsEveryReply_data();
    void startBoundsEveryReply();
    void readChunk();
    void slowStreamKeepsASmallBuffer();
};

void tst_FlowControl::startBoundsEveryReply_data()
{
    QTest::addColumn<qint64>("available");
    // Slow or fast so far, a stream can stop being read at any moment (a paused application):
    // its bound must already be there.
    QTest::newRow("nothing yet") << qint64(0);
    QTest::newRow("slow") << qint64(512);
    QTest::newRow("fast") << qint64(FlowControl::ReadChunkSize);
}

void tst_FlowControl::startBoundsEveryReply()
{
    QFETCH(qint64, available);
    ScriptedReply reply(QByteArray(available, 'x'));
    QCOMPARE(reply.readBufferSize(), qint64(0)); // QNAM's default: unbounded
    FlowControl::start(&reply);
    QCOMPARE(reply.readBufferSize(), FlowControl::ReadBufferLimit);
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
