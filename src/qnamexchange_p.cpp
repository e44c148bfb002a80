// SPDX-License-Identifier: MIT
#include "qnamexchange_p.h"

#include <QtNetwork/qnetworkreply.h>

namespace QtSse {

QnamExchange::QnamExchange(QNetworkReply *reply, QObject *parent) : Exchange(parent), m_reply(reply)
{
    m_flow.start(reply);
    connect(reply, &QNetworkReply::metaDataChanged, this, &QnamExchange::onMetaDataChanged);
    connect(reply, &QIODevice::readyRead, this, [this] {
        if (m_headSeen)
            Q_EMIT readyRead();
    });
    connect(reply, &QNetworkReply::finished, this, &QnamExchange::onFinished);
    connect(reply, &QObject::destroyed, this, &QnamExchange::onReplyDestroyed);
}

QnamExchange::~QnamExchange()
{
    abort();
}

// The head is there once the reply has a status code: QNAM may announce meta data without
// one, and then again with it.
bool QnamExchange::takeHead()
{
    if (m_headSeen || !m_reply
        || !m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid())
        return false;
    m_headSeen = true;
    return true;
}

void QnamExchange::onMetaDataChanged()
{
    if (takeHead())
        Q_EMIT headReceived();
}

void QnamExchange::onFinished()
{
    if (takeHead()) {
        // Normally metaDataChanged() came first; this covers a reply that skipped it.
        const QPointer<QnamExchange> self(this);
        Q_EMIT headReceived();
        if (!self || m_aborted || m_finished || !m_reply)
            return; // aborted by the state machine, or the reply destroyed, under the signal
    }
    switch (m_reply->error()) {
    case QNetworkReply::NoError:
        m_failure = Failure::None;
        break;
    case QNetworkReply::SslHandshakeFailedError:
        m_failure = Failure::Tls;
        break;
    case QNetworkReply::ProtocolUnknownError:
        m_failure = Failure::UnsupportedProtocol;
        break;
    case QNetworkReply::OperationCanceledError:
        m_failure = Failure::Aborted;
        break;
    default: // including an HTTP error status, which the state machine judges by the head
        m_failure = Failure::Network;
        break;
    }
    if (m_failure != Failure::None)
        m_errorString = m_reply->errorString();
    m_finished = true;
    Q_EMIT finished();
}

void QnamExchange::onReplyDestroyed()
{
    if (m_aborted || m_finished)
        return;
    // Destroyed under us, not by abort(): the manager went away (C-16).
    m_failure = Failure::ManagerLost;
    m_errorString = tr("The network access manager was destroyed");
    m_finished = true;
    Q_EMIT finished();
}

int QnamExchange::statusCode() const
{
    if (!m_headSeen || !m_reply)
        return 0;
    return m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

QByteArray QnamExchange::reasonPhrase() const
{
    if (!m_headSeen || !m_reply)
        return {};
    // QNAM keeps the reason phrase as Latin-1 text: this gives its bytes back.
    return m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString().toLatin1();
}

QByteArray QnamExchange::header(QByteArrayView name) const
{
    if (!m_reply)
        return {};
    return m_reply->rawHeader(name.toByteArray());
}

QList<QPair<QByteArray, QByteArray>> QnamExchange::headers() const
{
    if (!m_reply)
        return {};
    return m_reply->rawHeaderPairs();
}

bool QnamExchange::usedHttp2() const
{
    return m_reply && m_reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool();
}

QByteArrayView QnamExchange::readChunk()
{
    if (!m_reply || m_aborted)
        return {};
    return m_flow.readChunk(m_reply);
}

void QnamExchange::abort()
{
    if (m_aborted)
        return;
    m_aborted = true;
    QNetworkReply *r = m_reply;
    m_reply = nullptr;
    if (!r)
        return;
    QObject::disconnect(r, nullptr, this, nullptr);
    // Aborting emits finished() and errorOccurred(OperationCanceledError) synchronously; we
    // are disconnected, so our own abort is never reported. A reply that already
    // carries an error (a 4xx/5xx) is not aborted again (Qt warns); deleting it drops its
    // connection.
    if (r->isRunning() && r->error() == QNetworkReply::NoError)
        r->abort();
    r->deleteLater();
}

} // namespace QtSse
