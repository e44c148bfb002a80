// SPDX-License-Identifier: MIT
// Runs the ssecat example as a user would and checks what it prints.
#include <QtCore/qfile.h>
#include <QtCore/qprocess.h>
#include <QtTest/qtest.h>

using namespace Qt::StringLiterals;

class tst_Ssecat : public QObject
{
    Q_OBJECT

private:
    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    Run run(const QStringList &args, const QByteArray &stdinData = QByteArray())
    {
        QProcess process;
        process.start(QStringLiteral(SSECAT_PATH), args);
        if (!process.waitForStarted())
            return {};
        if (!stdinData.isNull())
            process.write(stdinData);
        process.closeWriteChannel();
        process.waitForFinished(60000);
        return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                 process.readAllStandardOutput(), process.readAllStandardError() };
    }

private Q_SLOTS:
    void inputJsonMatchesGolden();
    void inputFromStdin();
    void inputSeededLastEventId();
    void inputReadable();
    void inputMissingFile();
    void inputEventTooLarge();
    void usageErrors();
};

void tst_Ssecat::inputJsonMatchesGolden()
{
    QFile golden(QFINDTESTDATA("data/sample.jsonl"));
    QVERIFY(golden.open(QIODevice::ReadOnly));
    const Run r = run({ u"--json"_s, u"--input"_s, QFINDTESTDATA("data/sample.sse") });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, golden.readAll());
    QVERIFY(r.err.isEmpty());
}

void tst_Ssecat::inputFromStdin()
{
    const Run r = run({ u"--json"_s, u"--input"_s, u"-"_s }, "data: a\n\ndata: b\n\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"a\",\"lastEventId\":\"\"}\n"
                    "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"b\",\"lastEventId\":\"\"}\n"
                    "{\"kind\":\"end\",\"lastEventId\":\"\"}\n");
}

void tst_Ssecat::inputSeededLastEventId()
{
    // P-23: a reconnected body starts from the committed ID.
    const Run r = run({ u"--json"_s, u"--last-event-id"_s, u"-5"_s, u"--input"_s, u"-"_s },
                      "data: x\n\ndata: y\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, "{\"kind\":\"event\",\"type\":\"message\",\"data\":\"x\",\"lastEventId\":\"-5\"}\n"
                    "{\"kind\":\"end\",\"lastEventId\":\"-5\"}\n");
}

void tst_Ssecat::inputReadable()
{
    const Run r = run({ u"--input"_s, u"-"_s }, "event: tick\nid: 3\ndata: a\ndata: b\n\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, "event: tick\nid: 3\ndata: a\ndata: b\n\n# end of stream, last event id \"3\"\n");
}

void tst_Ssecat::inputMissingFile()
{
    const Run r = run({ u"--input"_s, u"/nonexistent/qtsse.sse"_s });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("cannot open"));
}

void tst_Ssecat::inputEventTooLarge()
{
    const Run r = run({ u"--json"_s, u"--max-event-size"_s, u"100"_s, u"--input"_s, u"-"_s },
                      "data: ok\n\ndata: " + QByteArray(200, 'x') + "\n\n");
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.startsWith("{\"kind\":\"event\",\"type\":\"message\",\"data\":\"ok\""));
    QVERIFY(r.err.contains("maximum event size"));
}

void tst_Ssecat::usageErrors()
{
    QCOMPARE(run({ u"--bogus"_s }).exitCode, 2);
    QCOMPARE(run({}).exitCode, 2);
    QCOMPARE(run({ u"--max-event-size"_s, u"-3"_s, u"--input"_s, u"-"_s }).exitCode, 2);
    const Run help = run({ u"--help"_s });
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("--input"));
}

QTEST_GUILESS_MAIN(tst_Ssecat)
#include "tst_ssecat.moc"
