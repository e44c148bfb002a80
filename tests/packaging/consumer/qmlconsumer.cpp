// SPDX-License-Identifier: MIT
// `import QtSse` as a QML application does: EventSource {} and EventModel {} are instantiated,
// unversioned and as `import QtSse 0.1`. Shared, the engine finds the module through
// QML_IMPORT_PATH; static, the plugin is linked in.
#include <QtCore/qcoreapplication.h>
#include <QtQml/qqmlcomponent.h>
#include <QtQml/qqmlengine.h>

#include <cstdio>
#include <memory>

#if defined(EXPECT_STATIC) != defined(QTSSE_STATIC)
#  error "QTSSE_STATIC does not say how QtSse was built"
#endif
#if defined(QTSSE_STATIC)
#  include <QtQml/qqmlextensionplugin.h>
Q_IMPORT_QML_PLUGIN(QtSsePlugin)
#endif

using namespace Qt::StringLiterals;

static bool check(QQmlEngine &engine, const QByteArray &import)
{
    QQmlComponent component(&engine);
    component.setData(import
                              + "\n"
                                "EventSource {\n"
                                "    id: source\n"
                                "    active: false\n"
                                "    url: \"http://127.0.0.1:1/\"\n"
                                "    property int openValue: EventSource.Open\n"
                                "    property int closedValue: EventSource.Closed\n"
                                "    property EventModel model: EventModel { source: source; "
                                "maximumCount: 5 }\n"
                                "}\n",
                      QUrl(u"qrc:/consumer.qml"_s));
    std::unique_ptr<QObject> object(component.create());
    if (!object) {
        std::fprintf(stderr, "%s: %s\n", import.constData(), qPrintable(component.errorString()));
        return false;
    }
    auto *model = object->property("model").value<QObject *>();
    const bool ok = object->property("openValue").toInt() == 1
            && object->property("closedValue").toInt() == 2
            && object->property("readyState").toInt() == 2 // inactive: Closed
            && model && model->property("maximumCount").toInt() == 5
            && model->property("count").toInt() == 0;
    std::printf("qmlconsumer: %s: EventSource and EventModel: %s\n", import.constData(),
                ok ? "ok" : "FAILED");
    return ok;
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QQmlEngine engine;
#if defined(QTSSE_STATIC)
    engine.addImportPath(
            u"qrc:/qt/qml"_s); // the linked module's qmldir (Qt 6.5+ looks there anyway)
#endif
    const bool ok = check(engine, "import QtSse") && check(engine, "import QtSse 0.1");
    return ok ? 0 : 1;
}
