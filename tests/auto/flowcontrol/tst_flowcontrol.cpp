// SPDX-License-Identifier: MIT
// Flow control: every reply's read buffer is bounded from its start, whatever the stream's rate,
// the chunked reads from the reply, and how often QNAM's thread is told of freed space. A
// scripted reply stands in for the network, and real QNAM replies from a loopback server show
// the acknowledgements (the reliability stress test pauses a real client against a real fast
// server).
#include "flowcontrol_p.h"
#include "ssetestserver.h"

#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtTest/qtest.h>

#include <cstring>
#include <memory>

using namespace Qt::StringLiterals;

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

// Counts the acknowledgements a QNAM reply sends its network thread: QNetworkReplyHttpImpl's
// readBufferFreed(qint64) signal (Qt 6.4 to 6.11), one queued call to that thread each.
class AckCounter : public QObject
{
    Q_OBJECT
public:
    bool attach(QNetworkReply *reply)
    {
        return connect(reply, SIGNAL(readBufferFreed(qint64)), this, SLOT(freed(qint64)));
    }
    int acks = 0;
    qint64 bytes = 0;

public Q_SLOTS:
    void freed(qint64 size)
    {
        ++acks;
        bytes += size;
    }
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
    void slowStreamIsNotAcknowledgedPerRead();
    void fastStreamIsAcknowledgedAndFlows();
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
    FlowControl flow;
    flow.start(&reply);
    QCOMPARE(reply.readBufferSize(), FlowControl::ReadBufferLimit);
}

void tst_FlowControl::readChunk()
{
    QByteArray body(FlowControl::ReadChunkSize + 10, Qt::Uninitialized);
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char('a' + i % 26);
    ScriptedReply reply(body);
    FlowControl flow;
    flow.start(&reply);
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
    flow.start(&small);
    QCOMPARE(flow.readChunk(&small).size(), 40);
    QCOMPARE(flow.bufferSize(), FlowControl::MinimumBufferSize);
    ScriptedReply larger(QByteArray(3000, 'y'));
    flow.start(&larger);
    QCOMPARE(flow.readChunk(&larger).size(), 3000);
    QCOMPARE(flow.bufferSize(), 3000);
    ScriptedReply small2(QByteArray(10, 'z'));
    flow.start(&small2);
    QCOMPARE(flow.readChunk(&small2), QByteArrayView("zzzzzzzzzz"));
    QCOMPARE(flow.bufferSize(), 3000); // never shrinks: no reallocation per read
}

// Reads everything `reply` has now, appending it to `into`.
static void readAll(FlowControl &flow, QNetworkReply *reply, QByteArray &into)
{
    for (QByteArrayView chunk = flow.readChunk(reply); !chunk.isEmpty();
         chunk = flow.readChunk(reply))
        into.append(chunk);
}

void tst_FlowControl::slowStreamIsNotAcknowledgedPerRead()
{
    // A bounded reply tells QNAM's thread of freed space whenever a read empties its buffer,
    // and that thread then wakes and polls all its sockets: once per event of each slow
    // stream, a third more CPU per event with 1,000 streams. Reads leave the last byte in the
    // reply instead, until half the bound was read; every byte still reaches the parser at once.
    QPointer<QTcpSocket> stream;
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        stream = socket;
    });
    QNetworkAccessManager manager;
    std::unique_ptr<QNetworkReply> reply(manager.get(QNetworkRequest(server.url(u"/slow"_s))));
    FlowControl flow;
    flow.start(reply.get());
    AckCounter counter;
    QVERIFY(counter.attach(reply.get()));
    QTRY_VERIFY(stream && reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid());

    constexpr int Events = 200;
    QByteArray sent, received;
    for (int i = 1; i <= Events; ++i) {
        const QByteArray event = "id: " + QByteArray::number(i) + "\ndata: sixteen bytes..\n\n";
        stream->write(event);
        sent += event;
        // The whole event, its last byte included, is read as soon as it arrives.
        QTRY_COMPARE_WITH_TIMEOUT((readAll(flow, reply.get(), received), received.size()),
                                  sent.size(), 10000);
        QCOMPARE(received, sent);
    }
    // Before: one acknowledgement per event (each arrives on its own).
    QCOMPARE(counter.acks, 0);
    QCOMPARE(flow.unacknowledged(), sent.size());
}

void tst_FlowControl::fastStreamIsAcknowledgedAndFlows()
{
    // A server far faster than the reader: QNAM's thread stops at the bound and resumes on the
    // acknowledgements, every half bound read; every byte arrives, in order.
    constexpr qint64 Total = 16 * FlowControl::ReadBufferLimit;
    QByteArray block(64 * 1024, Qt::Uninitialized);
    qint64 written = 0;
    const auto pattern = [](qint64 at) { return char('a' + (at * 7 + at / 4093) % 26); };
    QPointer<QTcpSocket> stream;
    const auto writeMore = [&] {
        // Keep about a block in the socket's buffer: TCP then paces the writes.
        while (stream && written < Total && stream->bytesToWrite() < block.size()) {
            for (qsizetype i = 0; i < block.size(); ++i)
                block[i] = pattern(written + i);
            stream->write(block);
            written += block.size();
        }
    };
    SseTestServer server([&](const HttpRequest &, QTcpSocket *socket) {
        SseTestServer::writeStreamHead(socket);
        stream = socket;
        QObject::connect(socket, &QTcpSocket::bytesWritten, socket, writeMore);
        writeMore();
    });
    QNetworkAccessManager manager;
    std::unique_ptr<QNetworkReply> reply(manager.get(QNetworkRequest(server.url(u"/fast"_s))));
    FlowControl flow;
    flow.start(reply.get());
    AckCounter counter;
    QVERIFY(counter.attach(reply.get()));
    qint64 received = 0;
    qint64 wrong = 0;
    qint64 mostWaiting = 0;
    QObject::connect(reply.get(), &QIODevice::readyRead, this, [&] {
        mostWaiting = qMax(mostWaiting, reply->bytesAvailable());
        for (QByteArrayView chunk = flow.readChunk(reply.get()); !chunk.isEmpty();
             chunk = flow.readChunk(reply.get())) {
            for (const char c : chunk)
                wrong += c != pattern(received++);
        }
    });
    QTRY_COMPARE_WITH_TIMEOUT(received, Total, 120000);
    qInfo("%d acknowledgements, %lld bytes", counter.acks, counter.bytes);
    QCOMPARE(wrong, 0);
    QVERIFY2(mostWaiting <= FlowControl::ReadBufferLimit, qPrintable(QString::number(mostWaiting)));
    // QNAM's thread holds back what passes the bound, so all but the last bound's worth was
    // acknowledged; each acknowledgement frees at least half the bound: a few dozen in all,
    // not one per read.
    QVERIFY2(counter.bytes >= Total - FlowControl::ReadBufferLimit,
             qPrintable(QString::number(counter.bytes)));
    QVERIFY2(counter.acks <= Total / FlowControl::AcknowledgeBytes + 2,
             qPrintable(QString::number(counter.acks)));
}

QTEST_GUILESS_MAIN(tst_FlowControl)

#include "tst_flowcontrol.moc"
