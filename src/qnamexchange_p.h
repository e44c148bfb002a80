// SPDX-License-Identifier: MIT
#ifndef QTSSE_QNAMEXCHANGE_P_H
#define QTSSE_QNAMEXCHANGE_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "exchange_p.h"
#include "flowcontrol_p.h"

#include <QtCore/qpointer.h>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace QtSse {

// An exchange carried by QNetworkAccessManager: one QNetworkReply, read through FlowControl.
// QNAM follows no redirect for a stream request (ResponsePolicy::streamRequest() asks it not
// to) and decodes no Content-Encoding (the request names the encodings itself).
//
// The reply's metaDataChanged() with a status code is headReceived(); a reply that finishes
// without it has its head announced just before finished(). Its destruction under the exchange
// (the manager destroyed, C-16) finishes it with ManagerLost, at once.
class QTSSE_AUTOTEST_EXPORT QnamExchange : public Exchange
{
    Q_OBJECT
public:
    // Takes over reading `reply` (a reply just made by a manager of this thread): bounds its
    // read buffer before any byte arrives.
    explicit QnamExchange(QNetworkReply *reply, QObject *parent = nullptr);
    ~QnamExchange() override;

    int statusCode() const override;
    QByteArray reasonPhrase() const override;
    QByteArray header(QByteArrayView name) const override;
    QList<QPair<QByteArray, QByteArray>> headers() const override;
    bool usedHttp2() const override;
    QByteArrayView readChunk() override;
    bool isFinished() const override { return m_finished; }
    Failure failure() const override { return m_failure; }
    QString errorString() const override { return m_errorString; }
    void abort() override;

private:
    void onMetaDataChanged();
    void onFinished();
    void onReplyDestroyed();
    bool takeHead();

    QPointer<QNetworkReply> m_reply;
    FlowControl m_flow;
    Failure m_failure = Failure::None;
    QString m_errorString;
    bool m_headSeen = false;
    bool m_finished = false;
    bool m_aborted = false;
};

} // namespace QtSse

#endif // QTSSE_QNAMEXCHANGE_P_H
