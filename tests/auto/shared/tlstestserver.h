// SPDX-License-Identifier: MIT
#ifndef QTSSE_TLSTESTSERVER_H
#define QTSSE_TLSTESTSERVER_H

// SseTestServer over TLS: every accepted socket is a QSslSocket in server mode that presents
// `certificate` (see testcertificates.h). Header-only, like ssetestserver.h, which a test using
// it lists among its sources.

#include "ssetestserver.h"

#include <QtNetwork/qsslcertificate.h>
#include <QtNetwork/qsslkey.h>
#include <QtNetwork/qsslsocket.h>

namespace QtSseTest {

class TlsTestServer : public SseTestServer
{
public:
    TlsTestServer(Handler handler, const QSslCertificate &certificate, const QSslKey &key)
        : SseTestServer(std::move(handler)), m_certificate(certificate), m_key(key)
    {
    }
    QUrl httpsUrl(const QString &path = QStringLiteral("/")) const
    {
        return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(serverPort()).arg(path));
    }
    int handshakes = 0; // completed on the server's side

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->setLocalCertificate(m_certificate);
        socket->setPrivateKey(m_key);
        socket->setPeerVerifyMode(QSslSocket::VerifyNone);
        connect(socket, &QSslSocket::encrypted, this, [this] { ++handshakes; });
        socket->startServerEncryption();
        addPendingConnection(socket);
    }

private:
    QSslCertificate m_certificate;
    QSslKey m_key;
};

} // namespace QtSseTest

#endif // QTSSE_TLSTESTSERVER_H
