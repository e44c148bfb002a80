// SPDX-License-Identifier: MIT
#ifndef QTSSE_TESTCERTIFICATES_H
#define QTSSE_TESTCERTIFICATES_H

// The committed test certificates of tests/shared/certs (see its README.md): a certificate
// authority, a server certificate it signed for 127.0.0.1 and localhost ("server"), and one it
// signed for another host name only ("wronghost").

#include <QtCore/qstring.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtNetwork/qsslcertificate.h>
#include <QtNetwork/qsslkey.h>

namespace QtSseTest {

struct TestCertificate
{
    QSslCertificate certificate;
    QSslKey key;
    QString error; // empty when both loaded
};

// The absolute path of a file of tests/shared/certs, e.g. "server.pem".
QString certificatePath(const QString &fileName);

// "<name>.pem" and "<name>.key": "server" or "wronghost".
TestCertificate loadCertificate(const QString &name);

// The certificate authority that signed every test certificate.
QSslCertificate testAuthority();

// A request for `url` that trusts the test authority, and no other: not the system's. The
// trust is the request's own; the default QSslConfiguration is left as it is.
QNetworkRequest trustingRequest(const QUrl &url = QUrl());

} // namespace QtSseTest

#endif // QTSSE_TESTCERTIFICATES_H
