// SPDX-License-Identifier: MIT
// SocketExchange's direct reads: the POSIX socket calls (socketexchange_p.h, DirectSocket).
// Built where POSIX sockets exist (src/CMakeLists.txt); elsewhere SocketExchange reads through
// QTcpSocket's buffer.
#include "socketexchange_p.h"

#if QTSSE_DIRECT_SOCKET_READS

#  include <cerrno>
#  include <fcntl.h>
#  include <sys/socket.h>
#  include <unistd.h>

namespace QtSse::DirectSocket {

int duplicate(qintptr descriptor)
{
    return ::fcntl(int(descriptor), F_DUPFD_CLOEXEC, 0);
}

Received receive(int fd, char *buffer, qsizetype size)
{
    ssize_t got;
    do {
        got = ::recv(fd, buffer, size_t(size), 0);
    } while (got < 0 && errno == EINTR);
    Received result;
    if (got > 0) {
        result.outcome = Outcome::Data;
        result.size = qsizetype(got);
    } else if (got == 0 || errno == ECONNRESET || errno == EPIPE) {
        result.outcome = Outcome::Closed;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        result.outcome = Outcome::WouldBlock;
    } else {
        result.outcome = Outcome::Failed;
        result.errorString = qt_error_string(errno);
    }
    return result;
}

void close(int fd)
{
    ::close(fd);
}

} // namespace QtSse::DirectSocket

#endif // QTSSE_DIRECT_SOCKET_READS
