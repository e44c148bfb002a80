// SPDX-License-Identifier: MIT
#ifndef COUNTINGMANAGER_H
#define COUNTINGMANAGER_H

#include <QtNetwork/qnetworkaccessmanager.h>

// An application's manager that counts the requests made through it, as a subclass with its
// own createRequest() (what QQmlNetworkAccessManagerFactory users install) does.
class CountingManager : public QNetworkAccessManager
{
public:
    int requests = 0;

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override
    {
        ++requests;
        return QNetworkAccessManager::createRequest(op, request, outgoingData);
    }
};

#endif // COUNTINGMANAGER_H
