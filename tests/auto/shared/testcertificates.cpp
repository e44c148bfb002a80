// SPDX-License-Identifier: MIT
#include "testcertificates.h"

#include <QtCore/qfile.h>
#include <QtNetwork/qsslconfiguration.h>

using namespace Qt::StringLiterals;

namespace QtSseTest {

namespace {
QByteArray readAll(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
        return {};
    }
    return file.readAll();
}
} // namespace

QString certificatePath(const QString &fileName)
{
    return QString::fromLocal8Bit(QTSSE_TEST_CERTS_DIR) + u'/' + fileName;
}

TestCertificate loadCertificate(const QString &name)
{
    TestCertificate out;
    const QByteArray pem = readAll(certificatePath(name + u".pem"_s), &out.error);
    const QByteArray key = readAll(certificatePath(name + u".key"_s), &out.error);
    if (!out.error.isEmpty())
        return out;
    out.certificate = QSslCertificate(pem, QSsl::Pem);
    out.key = QSslKey(key, QSsl::Ec, QSsl::Pem);
    if (out.certificate.isNull() || out.key.isNull())
        out.error = u"Qt could not load the certificate or key of %1"_s.arg(name);
    return out;
}

QSslCertificate testAuthority()
{
    QString error;
    return QSslCertificate(readAll(certificatePath(u"ca.pem"_s), &error), QSsl::Pem);
}

QNetworkRequest trustingRequest(const QUrl &url)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates({ testAuthority() });
    QNetworkRequest request(url);
    request.setSslConfiguration(configuration);
    return request;
}

} // namespace QtSseTest
