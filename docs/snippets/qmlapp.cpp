// SPDX-License-Identifier: MIT
// The main() of a QML application that uses QtSse, quoted by the "Getting started" page
// (docs/src/qtsse-gettingstarted.qdoc) and compiled by the build (tests/snippets). Built, not
// run: it loads a QML file the application would ship.
//! [static-import]
#include <QtGui/qguiapplication.h>
#include <QtQml/qqmlapplicationengine.h>

#if defined(QTSSE_STATIC)
#  include <QtQml/qqmlextensionplugin.h>
// A static QtSse: its QML module is linked into the application, not loaded from a directory.
Q_IMPORT_QML_PLUGIN(QtSsePlugin)
#endif

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QQmlApplicationEngine engine;
#if defined(QTSSE_STATIC)
    // Qt 6.5 and later look in the resources' QML root by themselves; Qt 6.4 does not.
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
#endif
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/MyApp/Main.qml")));
    return engine.rootObjects().isEmpty() ? 1 : QGuiApplication::exec();
}
//! [static-import]
