// SPDX-License-Identifier: MIT
#include "processstats.h"

#include <QtCore/qbytearraylist.h>
#include <QtCore/qfile.h>

#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace QtSseTest {

qint64 residentBytes()
{
    QFile statm(u"/proc/self/statm"_s);
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.value(1).toLongLong() * qint64(sysconf(_SC_PAGESIZE));
}

int threadCount()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toInt();
    }
    return -1;
}

double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

QString mib(qint64 bytes)
{
    return QString::number(double(bytes) / double(MiB), 'f', 1) + u" MiB"_s;
}

} // namespace QtSseTest
