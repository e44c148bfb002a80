// SPDX-License-Identifier: MIT
#include "processstats.h"

#include <QtCore/qbytearraylist.h>
#include <QtCore/qfile.h>

#if defined(Q_OS_WIN)
#  include <qt_windows.h>
#else
#  include <sys/resource.h>
#  include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace QtSseTest {

// Resident memory and threads come from Linux's /proc: elsewhere they are -1, "unknown", and the
// tests that need them skip or leave the bound out.
qint64 residentBytes()
{
#if !defined(Q_OS_LINUX)
    return -1;
#else
    QFile statm(u"/proc/self/statm"_s);
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.value(1).toLongLong() * qint64(sysconf(_SC_PAGESIZE));
#endif
}

int threadCount()
{
#if !defined(Q_OS_LINUX)
    return -1;
#else
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toInt();
    }
    return -1;
#endif
}

double cpuSeconds()
{
#if defined(Q_OS_WIN)
    FILETIME created, exited, kernel, user;
    if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user))
        return -1;
    const auto seconds = [](const FILETIME &t) {
        return double((quint64(t.dwHighDateTime) << 32) | t.dwLowDateTime) / 1e7; // 100 ns
    };
    return seconds(kernel) + seconds(user);
#else
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
#endif
}

QString mib(qint64 bytes)
{
    return QString::number(double(bytes) / double(MiB), 'f', 1) + u" MiB"_s;
}

} // namespace QtSseTest
