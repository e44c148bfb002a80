// SPDX-License-Identifier: MIT
#ifndef QTSSE_PROCESSSTATS_H
#define QTSSE_PROCESSSTATS_H

// What the test process uses: resident memory and threads (Linux: -1, "unknown", elsewhere) and
// CPU time.

#include <QtCore/qstring.h>

// 1 when AddressSanitizer instruments this build: its quarantine holds freed memory, so RSS says
// little about leaks.
#if defined(__SANITIZE_ADDRESS__)
#  define QTSSE_UNDER_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define QTSSE_UNDER_ASAN 1
#  endif
#endif
#ifndef QTSSE_UNDER_ASAN
#  define QTSSE_UNDER_ASAN 0
#endif

namespace QtSseTest {

constexpr qint64 MiB = 1024 * 1024;

// The resident set size in bytes, or -1.
qint64 residentBytes();

// The threads of this process, or -1.
int threadCount();

// User and system CPU time of the whole process (every thread), in seconds, or -1.
double cpuSeconds();

// "12.3 MiB".
QString mib(qint64 bytes);

} // namespace QtSseTest

#endif // QTSSE_PROCESSSTATS_H
