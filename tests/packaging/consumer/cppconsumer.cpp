// SPDX-License-Identifier: MIT
// The C++ API as a user includes it: the module header, CamelCase headers, the lowercase header
// without the folder, and the version macros.
#include <QtSse/QtSse>
#include <QtSse/EventSource>
#include <QtSse/EventStreamParser>
#include <QtSse/QtSseVersion>
#include <messageevent.h>

#include <QtCore/qcoreapplication.h>

#include <cstdio>
#include <cstring>

using namespace Qt::StringLiterals;

static_assert(QTSSE_VERSION == QTSSE_VERSION_CHECK(EXPECTED_MAJOR, EXPECTED_MINOR, EXPECTED_PATCH),
              "QTSSE_VERSION is not the project's version");
static_assert(QTSSE_VERSION >= QTSSE_VERSION_CHECK(0, 1, 0)
                      && QTSSE_VERSION < QTSSE_VERSION_CHECK(EXPECTED_MAJOR, EXPECTED_MINOR + 1, 0),
              "QTSSE_VERSION_CHECK does not order versions");
#if defined(EXPECT_STATIC) != defined(QTSSE_STATIC)
#  error "QTSSE_STATIC does not say how QtSse was built"
#endif

class Count : public QtSse::EventStreamParser::Handler
{
public:
    bool handleEvent(const QtSse::MessageEvent &event) override
    {
        last = event.data();
        return ++events, true;
    }
    int events = 0;
    QString last;
};

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (std::strcmp(QTSSE_VERSION_STR, EXPECTED_VERSION_STR) != 0) {
        std::fprintf(stderr, "QTSSE_VERSION_STR is %s, not %s\n", QTSSE_VERSION_STR,
                     EXPECTED_VERSION_STR);
        return 1;
    }
    Count count;
    QtSse::EventStreamParser parser(&count);
    parser.feed("data: a\n\ndata: b\n\n");
    QtSse::EventSource source(QUrl(u"http://127.0.0.1:1/"_s));
    const bool ok = count.events == 2 && count.last == u"b"_s
            && source.readyState() == QtSse::EventSource::Closed;
    std::printf("cppconsumer: QtSse %s, EventSource and EventStreamParser: %s\n", QTSSE_VERSION_STR,
                ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
