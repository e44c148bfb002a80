// SPDX-License-Identifier: MIT
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtQml/qqmlengine.h>
#include <QtQml/qqmlnetworkaccessmanagerfactory.h>
#include <QtQuickTest/quicktest.h>

#if defined(QTSSE_STATIC)
#  include <QtQml/qqmlextensionplugin.h>
Q_IMPORT_QML_PLUGIN(QtSsePlugin)
#endif

// Every manager the QML engine creates tags its requests with "X-Engine-Manager: 1", so the
// tests can see that EventSource uses the engine's manager when none was injected.
class TaggingManager : public QNetworkAccessManager
{
public:
    using QNetworkAccessManager::QNetworkAccessManager;

protected:
    QNetworkReply *createRequest(Operation operation, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override
    {
        QNetworkRequest tagged(request);
        tagged.setRawHeader("X-Engine-Manager", "1");
        return QNetworkAccessManager::createRequest(operation, tagged, outgoingData);
    }
};

class TaggingManagerFactory : public QQmlNetworkAccessManagerFactory
{
public:
    QNetworkAccessManager *create(QObject *parent) override { return new TaggingManager(parent); }
};

class Setup : public QObject
{
    Q_OBJECT
public:
    Setup() = default;

public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // The test server itself is the QML singleton TestServer (module QtSseTest).
        engine->setNetworkAccessManagerFactory(&m_factory);
    }

private:
    TaggingManagerFactory m_factory;
};

QUICK_TEST_MAIN_WITH_SETUP(tst_qml, Setup)

#include "tst_qml.moc"
