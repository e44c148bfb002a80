// SPDX-License-Identifier: MIT
// Uses the installed C++ API (both include styles) and imports the installed QML module.
#include <QtSse/eventsource.h>
#include <eventstreamparser.h>

#include <QtCore/qcoreapplication.h>
#include <QtQml/qqmlcomponent.h>
#include <QtQml/qqmlengine.h>

#include <cstdio>

using namespace Qt::StringLiterals;

class Count : public QtSse::EventStreamParser::Handler
{
public:
    bool handleEvent(const QtSse::MessageEvent &) override { return ++events, true; }
    int events = 0;
};

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Count count;
    QtSse::EventStreamParser parser(&count);
    parser.feed("data: a\n\ndata: b\n\n");
    QtSse::EventSource source(QUrl(u"http://127.0.0.1:1/"_s));
    if (count.events != 2 || source.readyState() != QtSse::EventSource::Closed)
        return 1;

    QQmlEngine engine; // finds the module through QML_IMPORT_PATH
    QQmlComponent component(&engine);
    component.setData("import QtSse\nEventSource { active: false; url: \"http://127.0.0.1:1/\"\n"
                      "  property int open: EventSource.Open\n"
                      "  property EventModel model: EventModel { maximumCount: 5 } }",
                      QUrl());
    std::unique_ptr<QObject> object(component.create());
    if (!object) {
        std::fprintf(stderr, "%s\n", qPrintable(component.errorString()));
        return 1;
    }
    const bool ok = object->property("open").toInt() == 1
            && object->property("model").value<QObject *>()->property("maximumCount").toInt() == 5;
    std::printf("consumer: C++ and QML from the installed package: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
