// SPDX-License-Identifier: MIT
// The response and redirect policy of EventSource, as plain functions: each row feeds a URL,
// a status, headers or a method in and checks the decision. Comments cite
// ../shared/conformance/CHECKLIST.md (C items).
#include "responsepolicy_p.h"

#include <QtCore/qtimezone.h>
#include <QtTest/qtest.h>

#include <limits>

using namespace Qt::StringLiterals;
namespace Policy = QtSse::ResponsePolicy;
using Policy::HeadVerdict;
using Policy::Redirect;
using Policy::UrlVerdict;

// What a caller passes as the Accept-Encoding to send (EventSource: the decoder's list).
const QByteArray AcceptEncoding = QByteArrayLiteral("gzip, br");

class tst_ResponsePolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void checkSourceUrl_data();
    void checkSourceUrl();
    void serializeOrigin_data();
    void serializeOrigin();
    void isEventStreamType_data();
    void isEventStreamType();
    void classifyHead_data();
    void classifyHead();
    void isRetryableStatus_data();
    void isRetryableStatus();
    void retryAfterMilliseconds_data();
    void retryAfterMilliseconds();
    void redirectBecomesGet_data();
    void redirectBecomesGet();
    void decideRedirect_data();
    void decideRedirect();
    void streamRequest_data();
    void streamRequest();
    void streamRequestKeepAlive();
    void jsonAnswers_data();
    void jsonAnswers();
    void acceptsJson_data();
    void acceptsJson();
    void invalidHeader_data();
    void invalidHeader();
};

void tst_ResponsePolicy::checkSourceUrl_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<int>("verdict");

    const auto row = [](const char *name, const QUrl &url, UrlVerdict verdict) {
        QTest::newRow(name) << url << int(verdict);
    };
    row("http", QUrl(u"http://example.com/stream"_s), UrlVerdict::Accepted);
    row("https with port", QUrl(u"https://example.com:8443/s?x=1"_s), UrlVerdict::Accepted);
    row("upper-case scheme", QUrl(u"HTTPS://example.com/"_s), UrlVerdict::Accepted);
    row("empty (C-08)", QUrl(), UrlVerdict::Invalid);
    row("relative (C-08)", QUrl(u"stream"_s), UrlVerdict::Invalid);
    row("unparsable (C-08)", QUrl(u"http://exa mple.com:99999/"_s, QUrl::StrictMode),
        UrlVerdict::Invalid);
    row("ftp (C-09)", QUrl(u"ftp://example.com/stream"_s), UrlVerdict::UnsupportedScheme);
    row("file (C-09)", QUrl(u"file:///tmp/stream"_s), UrlVerdict::UnsupportedScheme);
    row("ws (C-09)", QUrl(u"ws://example.com/stream"_s), UrlVerdict::UnsupportedScheme);
}

void tst_ResponsePolicy::checkSourceUrl()
{
    QFETCH(QUrl, url);
    QFETCH(int, verdict);
    QCOMPARE(int(Policy::checkSourceUrl(url)), verdict);
}

void tst_ResponsePolicy::serializeOrigin_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("origin");

    QTest::newRow("http") << QUrl(u"http://example.com/a/b?c#d"_s) << u"http://example.com"_s;
    QTest::newRow("http default port")
            << QUrl(u"http://example.com:80/"_s) << u"http://example.com"_s;
    QTest::newRow("https default port")
            << QUrl(u"https://example.com:443/"_s) << u"https://example.com"_s;
    QTest::newRow("https other port")
            << QUrl(u"https://example.com:8443/x"_s) << u"https://example.com:8443"_s;
    QTest::newRow("http on 443") << QUrl(u"http://example.com:443/"_s)
                                 << u"http://example.com:443"_s;
    QTest::newRow("case") << QUrl(u"HTTP://Example.COM/"_s) << u"http://example.com"_s;
    QTest::newRow("user info dropped")
            << QUrl(u"https://user:secret@example.com/"_s) << u"https://example.com"_s;
    QTest::newRow("IPv6") << QUrl(u"http://[::1]:8080/s"_s) << u"http://[::1]:8080"_s;
    QTest::newRow("IDN in ASCII") << QUrl(u"http://b\u00fccher.example/"_s)
                                  << u"http://xn--bcher-kva.example"_s;
}

void tst_ResponsePolicy::serializeOrigin()
{
    QFETCH(QUrl, url);
    QFETCH(QString, origin);
    QCOMPARE(Policy::serializeOrigin(url), origin);
}

void tst_ResponsePolicy::isEventStreamType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("eventStream");

    QTest::newRow("exact") << "text/event-stream"_ba << true;
    QTest::newRow("charset parameter") << "text/event-stream; charset=utf-8"_ba << true;
    QTest::newRow("empty parameter") << "text/event-stream;"_ba << true;
    QTest::newRow("case and spaces") << "  Text/Event-Stream  ;x=y"_ba << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("plain text") << "text/plain"_ba << false;
    QTest::newRow("longer essence") << "text/event-streams"_ba << false;
    QTest::newRow("only in a parameter") << "application/json; x=text/event-stream"_ba << false;
}

void tst_ResponsePolicy::isEventStreamType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, eventStream);
    QCOMPARE(Policy::isEventStreamType(contentType), eventStream);
}

void tst_ResponsePolicy::classifyHead_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("verdict");

    const QByteArray sse = "text/event-stream"_ba;
    const auto row = [](const char *name, int status, const QByteArray &type, HeadVerdict v) {
        QTest::newRow(name) << status << type << int(v);
    };
    row("200 stream", 200, sse, HeadVerdict::Stream);
    row("200 stream with charset", 200, "text/event-stream;charset=utf-8"_ba, HeadVerdict::Stream);
    row("200 html (C-12)", 200, "text/html"_ba, HeadVerdict::ContentTypeFailure);
    row("200 no type (C-12)", 200, QByteArray(), HeadVerdict::ContentTypeFailure);
    row("204 (C-11)", 204, sse, HeadVerdict::StatusFailure);
    row("201", 201, sse, HeadVerdict::StatusFailure);
    row("300", 300, sse, HeadVerdict::StatusFailure);
    row("301", 301, QByteArray(), HeadVerdict::Redirect);
    row("302", 302, QByteArray(), HeadVerdict::Redirect);
    row("303", 303, QByteArray(), HeadVerdict::Redirect);
    row("304", 304, sse, HeadVerdict::StatusFailure);
    row("305", 305, QByteArray(), HeadVerdict::StatusFailure);
    row("307", 307, QByteArray(), HeadVerdict::Redirect);
    row("308", 308, sse, HeadVerdict::Redirect);
    row("401", 401, sse, HeadVerdict::StatusFailure);
    row("404 html", 404, "text/html"_ba, HeadVerdict::StatusFailure);
    row("503", 503, sse, HeadVerdict::StatusFailure);
}

void tst_ResponsePolicy::classifyHead()
{
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(int, verdict);
    QCOMPARE(int(Policy::classifyHead(status, contentType)), verdict);
}

void tst_ResponsePolicy::isRetryableStatus_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("retryable");
    for (int status : { 500, 502, 503, 504, 599, 429, 408 })
        QTest::addRow("%d", status) << status << true;
    for (int status : { 200, 204, 205, 301, 400, 401, 403, 404, 410, 499, 600 })
        QTest::addRow("%d", status) << status << false;
}

void tst_ResponsePolicy::isRetryableStatus()
{
    QFETCH(int, status);
    QFETCH(bool, retryable);
    QCOMPARE(Policy::isRetryableStatus(status), retryable);
}

void tst_ResponsePolicy::retryAfterMilliseconds_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("milliseconds");
    constexpr qint64 Most = std::numeric_limits<int>::max();
    QTest::newRow("absent") << QByteArray() << qint64(-1);
    QTest::newRow("blank") << QByteArray("  ") << qint64(-1);
    QTest::newRow("delta-seconds") << QByteArray("120") << qint64(120000);
    QTest::newRow("zero") << QByteArray("0") << qint64(0);
    QTest::newRow("padded") << QByteArray(" 5 ") << qint64(5000);
    QTest::newRow("huge delta clamped") << QByteArray("4294967296") << Most;
    QTest::newRow("endless delta clamped") << QByteArray(40, '9') << Most;
    QTest::newRow("negative") << QByteArray("-5") << qint64(-1);
    QTest::newRow("fraction") << QByteArray("1.5") << qint64(-1);
    QTest::newRow("garbage") << QByteArray("soon") << qint64(-1);
    QTest::newRow("date future") << QByteArray("Wed, 01 Dec 2027 12:00:30 GMT") << qint64(30000);
    QTest::newRow("date past") << QByteArray("Tue, 01 Dec 2026 11:59:00 GMT") << qint64(0);
    QTest::newRow("date now") << QByteArray("Wed, 01 Dec 2027 12:00:00 GMT") << qint64(0);
    QTest::newRow("date far future clamped") << QByteArray("Wed, 01 Dec 2100 12:00:00 GMT") << Most;
    QTest::newRow("RFC 850 date") << QByteArray("Wednesday, 01-Dec-27 12:01:00 GMT")
                                  << qint64(60000);
    QTest::newRow("asctime date") << QByteArray("Wed Dec  1 12:00:02 2027") << qint64(2000);
    QTest::newRow("date with a wrong weekday")
            << QByteArray("Fri, 01 Dec 2027 12:00:30 GMT") << qint64(-1);
    QTest::newRow("date not GMT") << QByteArray("Wed, 01 Dec 2027 12:00:30 PST") << qint64(-1);
    QTest::newRow("date garbage") << QByteArray("Wed, 41 Dec 2027 12:00:30 GMT") << qint64(-1);
}

void tst_ResponsePolicy::retryAfterMilliseconds()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, milliseconds);
    const QDateTime now(QDate(2027, 12, 1), QTime(12, 0), QTimeZone::utc());
    QCOMPARE(Policy::retryAfterMilliseconds(value, now), milliseconds);
}

void tst_ResponsePolicy::redirectBecomesGet_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("becomesGet");

    QTest::newRow("303 GET") << 303 << "GET"_ba << true;
    QTest::newRow("303 POST") << 303 << "POST"_ba << true;
    QTest::newRow("303 PUT") << 303 << "PUT"_ba << true;
    QTest::newRow("303 HEAD") << 303 << "HEAD"_ba << false;
    QTest::newRow("301 POST") << 301 << "POST"_ba << true;
    QTest::newRow("302 POST") << 302 << "POST"_ba << true;
    QTest::newRow("301 GET") << 301 << "GET"_ba << false;
    QTest::newRow("302 PUT") << 302 << "PUT"_ba << false;
    QTest::newRow("307 POST") << 307 << "POST"_ba << false;
    QTest::newRow("308 POST") << 308 << "POST"_ba << false;
}

void tst_ResponsePolicy::redirectBecomesGet()
{
    QFETCH(int, status);
    QFETCH(QByteArray, method);
    QFETCH(bool, becomesGet);
    QCOMPARE(Policy::redirectBecomesGet(status, method), becomesGet);
}

void tst_ResponsePolicy::decideRedirect_data()
{
    QTest::addColumn<QUrl>("from");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("hopsFollowed");
    QTest::addColumn<int>("maximumHops");
    QTest::addColumn<int>("verdict");
    QTest::addColumn<QUrl>("target");
    QTest::addColumn<bool>("leavesOrigin");
    QTest::addColumn<bool>("becomesGet");

    const QUrl http(u"http://a.test/stream"_s);
    const QUrl https(u"https://a.test/stream"_s);
    const auto follow = [](const char *name, const QUrl &from, int status, const QByteArray &to,
                           const QByteArray &method, const QUrl &target, bool leaves, bool get) {
        QTest::newRow(name) << from << status << to << method << 0 << 20 << int(Redirect::Follow)
                            << target << leaves << get;
    };
    follow("relative path", http, 302, "/next"_ba, "GET"_ba, QUrl(u"http://a.test/next"_s), false,
           false);
    follow("location trimmed", http, 307, "  /next \r"_ba, "GET"_ba, QUrl(u"http://a.test/next"_s),
           false, false);
    follow("same origin, explicit default port", http, 301, "http://a.test:80/x"_ba, "GET"_ba,
           QUrl(u"http://a.test:80/x"_s), false, false);
    follow("other host", http, 302, "http://b.test/s"_ba, "GET"_ba, QUrl(u"http://b.test/s"_s),
           true, false);
    follow("other port", http, 302, "http://a.test:8080/s"_ba, "GET"_ba,
           QUrl(u"http://a.test:8080/s"_s), true, false);
    follow("http to https leaves the origin", http, 308, "https://a.test/stream"_ba, "GET"_ba,
           QUrl(u"https://a.test/stream"_s), true, false);
    follow("scheme-relative", https, 302, "//b.test/s"_ba, "GET"_ba, QUrl(u"https://b.test/s"_s),
           true, false);
    follow("303 after POST becomes GET", http, 303, "/next"_ba, "POST"_ba,
           QUrl(u"http://a.test/next"_s), false, true);
    follow("302 after POST becomes GET", https, 302, "/next"_ba, "POST"_ba,
           QUrl(u"https://a.test/next"_s), false, true);
    follow("307 keeps POST", https, 307, "/next"_ba, "POST"_ba, QUrl(u"https://a.test/next"_s),
           false, false);
    follow("303 keeps HEAD", http, 303, "/next"_ba, "HEAD"_ba, QUrl(u"http://a.test/next"_s), false,
           false);

    const auto refuse = [](const char *name, const QUrl &from, const QByteArray &to, int hops,
                           int maximum, Redirect::Verdict verdict, const QUrl &target) {
        QTest::newRow(name) << from << 302 << to << "GET"_ba << hops << maximum << int(verdict)
                            << target << false << false;
    };
    refuse("no Location", http, QByteArray(), 0, 20, Redirect::NoLocation, QUrl());
    refuse("blank Location", http, "  \t"_ba, 0, 20, Redirect::NoLocation, QUrl());
    refuse("to ftp", http, "ftp://a.test/s"_ba, 0, 20, Redirect::UnsupportedScheme,
           QUrl(u"ftp://a.test/s"_s));
    refuse("to data", https, "data:text/plain,x"_ba, 0, 20, Redirect::UnsupportedScheme,
           QUrl(u"data:text/plain,x"_s));
    refuse("https to http", https, "http://a.test/stream"_ba, 0, 20, Redirect::InsecureScheme,
           QUrl(u"http://a.test/stream"_s));
    refuse("past the maximum", http, "/next"_ba, 20, 20, Redirect::TooManyHops,
           QUrl(u"http://a.test/next"_s));
    refuse("maximum 0", http, "/next"_ba, 0, 0, Redirect::TooManyHops,
           QUrl(u"http://a.test/next"_s));
    QTest::newRow("last hop allowed") << http << 302 << "/next"_ba
                                      << "GET"_ba << 19 << 20 << int(Redirect::Follow)
                                      << QUrl(u"http://a.test/next"_s) << false << false;
}

void tst_ResponsePolicy::decideRedirect()
{
    QFETCH(QUrl, from);
    QFETCH(int, status);
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, method);
    QFETCH(int, hopsFollowed);
    QFETCH(int, maximumHops);
    QFETCH(int, verdict);
    QFETCH(QUrl, target);
    QFETCH(bool, leavesOrigin);
    QFETCH(bool, becomesGet);

    const Redirect redirect =
            Policy::decideRedirect(from, status, location, method, hopsFollowed, maximumHops);
    QCOMPARE(int(redirect.verdict), verdict);
    QCOMPARE(redirect.target, target);
    QCOMPARE(redirect.leavesOrigin, leavesOrigin);
    QCOMPARE(redirect.becomesGet, becomesGet);
}

void tst_ResponsePolicy::streamRequest_data()
{
    QTest::addColumn<QByteArrayList>("baseHeaders"); // name, value, name, value ...
    QTest::addColumn<QString>("lastEventId");
    QTest::addColumn<bool>("withoutCredentials");
    QTest::addColumn<QByteArrayList>("expectedHeaders"); // name, value ...; "" value: absent

    const QByteArrayList credentials = {
        "Authorization"_ba,       "Bearer t"_ba, "Cookie"_ba,    "a=b"_ba,
        "Proxy-Authorization"_ba, "Basic p"_ba,  "X-Api-Key"_ba, "k"_ba
    };
    QTest::newRow("plain (C-02, C-03)")
            << QByteArrayList() << QString() << false
            << QByteArrayList{ "Accept"_ba,   "text/event-stream"_ba, "Cache-Control"_ba,
                               "no-cache"_ba, "Last-Event-ID"_ba,     QByteArray() };
    QTest::newRow("last event ID (C-04)") << QByteArrayList() << u"42"_s << false
                                          << QByteArrayList{ "Last-Event-ID"_ba, "42"_ba };
    QTest::newRow("last event ID in UTF-8")
            << QByteArrayList() << u"\u00e9t\u00e9"_s << false
            << QByteArrayList{ "Last-Event-ID"_ba, "\xc3\xa9t\xc3\xa9"_ba };
    QTest::newRow("empty ID drops the base's header (C-05)")
            << QByteArrayList{ "Last-Event-ID"_ba, "old"_ba } << QString() << false
            << QByteArrayList{ "Last-Event-ID"_ba, QByteArray() };
    QTest::newRow("own headers override the base's")
            << QByteArrayList{ "Cache-Control"_ba, "max-age=60"_ba } << QString() << false
            << QByteArrayList{ "Accept"_ba, "text/event-stream"_ba, "Cache-Control"_ba,
                               "no-cache"_ba };
    QTest::newRow("the caller's Accept is sent as set (MCP)")
            << QByteArrayList{ "Accept"_ba, "application/json, text/event-stream"_ba } << QString()
            << false << QByteArrayList{ "Accept"_ba, "application/json, text/event-stream"_ba };
    QTest::newRow("sends the Accept-Encoding it is given")
            << QByteArrayList() << QString() << false
            << QByteArrayList{ "Accept-Encoding"_ba, AcceptEncoding };
    QTest::newRow("the base's own Accept-Encoding is kept")
            << QByteArrayList{ "Accept-Encoding"_ba, "identity"_ba } << QString() << false
            << QByteArrayList{ "Accept-Encoding"_ba, "identity"_ba };
    QTest::newRow("credentials kept on the origin")
            << credentials << QString() << false << credentials;
    QTest::newRow("credentials dropped off the origin")
            << credentials << u"7"_s << true
            << QByteArrayList{ "Authorization"_ba,       QByteArray(), "Cookie"_ba,    QByteArray(),
                               "Proxy-Authorization"_ba, QByteArray(), "X-Api-Key"_ba, "k"_ba,
                               "Last-Event-ID"_ba,       "7"_ba };
}

void tst_ResponsePolicy::streamRequest()
{
    QFETCH(QByteArrayList, baseHeaders);
    QFETCH(QString, lastEventId);
    QFETCH(bool, withoutCredentials);
    QFETCH(QByteArrayList, expectedHeaders);

    QNetworkRequest base(QUrl(u"http://base.test/ignored"_s));
    for (qsizetype i = 0; i + 1 < baseHeaders.size(); i += 2)
        base.setRawHeader(baseHeaders.at(i), baseHeaders.at(i + 1));
    base.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    const QUrl url(u"https://a.test/stream"_s);

    const QNetworkRequest request =
            Policy::streamRequest(base, url, lastEventId, withoutCredentials, AcceptEncoding);
    QCOMPARE(request.url(), url);
    for (qsizetype i = 0; i + 1 < expectedHeaders.size(); i += 2) {
        const QByteArray &name = expectedHeaders.at(i);
        const QByteArray &value = expectedHeaders.at(i + 1);
        QVERIFY2(request.hasRawHeader(name) == !value.isEmpty(), name.constData());
        QCOMPARE(request.rawHeader(name), value);
    }
    QCOMPARE(request.attribute(QNetworkRequest::CacheLoadControlAttribute).toInt(),
             int(QNetworkRequest::AlwaysNetwork));
    QCOMPARE(request.attribute(QNetworkRequest::CacheSaveControlAttribute).toBool(), false);
    QCOMPARE(request.attribute(QNetworkRequest::RedirectPolicyAttribute).toInt(),
             int(QNetworkRequest::ManualRedirectPolicy));
    // The base's own attributes are kept.
    QCOMPARE(request.attribute(QNetworkRequest::Http2AllowedAttribute).toBool(), false);
}

void tst_ResponsePolicy::streamRequestKeepAlive()
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 11, 0)
    using namespace std::chrono_literals;
    const QUrl url(u"https://example.com/stream"_s);
    const QNetworkRequest probed =
            Policy::streamRequest(QNetworkRequest(), url, QString(), false, AcceptEncoding);
    QCOMPARE(probed.tcpKeepAliveIdleTimeBeforeProbes(), 60s);
    QCOMPARE(probed.tcpKeepAliveIntervalBetweenProbes(), 10s);
    QCOMPARE(probed.tcpKeepAliveProbeCount(), 6);
    // The user's own choice stands.
    QNetworkRequest own;
    own.setTcpKeepAliveIdleTimeBeforeProbes(15s);
    const QNetworkRequest kept = Policy::streamRequest(own, url, QString(), false, AcceptEncoding);
    QCOMPARE(kept.tcpKeepAliveIdleTimeBeforeProbes(), 15s);
    QCOMPARE(kept.tcpKeepAliveProbeCount(), QNetworkRequest().tcpKeepAliveProbeCount());
#else
    QSKIP("per-request TCP keep-alive needs Qt 6.11");
#endif
}

// To a request whose Accept names application/json, 2xx JSON is an answer and 202/204 an
// empty one; to any other request they fail as the standard says (C-11, C-12).
void tst_ResponsePolicy::jsonAnswers_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("jsonAccepted");
    QTest::addColumn<int>("verdict");
    const auto row = [](const char *name, int status, const QByteArray &type, bool accepted,
                        HeadVerdict v) {
        QTest::newRow(name) << status << type << accepted << int(v);
    };
    row("200 json", 200, "application/json"_ba, true, HeadVerdict::JsonAnswer);
    row("200 json, charset", 200, "application/json; charset=utf-8"_ba, true,
        HeadVerdict::JsonAnswer);
    row("200 JSON in capitals", 200, "Application/JSON"_ba, true, HeadVerdict::JsonAnswer);
    row("200 +json", 200, "application/problem+json"_ba, true, HeadVerdict::JsonAnswer);
    row("201 json", 201, "application/json"_ba, true, HeadVerdict::JsonAnswer);
    row("200 bare +json is no type", 200, "application/+json"_ba, true,
        HeadVerdict::ContentTypeFailure);
    row("200 text/json", 200, "text/json"_ba, true, HeadVerdict::ContentTypeFailure);
    row("202", 202, QByteArray(), true, HeadVerdict::EmptyAnswer);
    row("204", 204, QByteArray(), true, HeadVerdict::EmptyAnswer);
    row("200 stream stays a stream", 200, "text/event-stream"_ba, true, HeadVerdict::Stream);
    row("400 json is a failure", 400, "application/json"_ba, true, HeadVerdict::StatusFailure);
    row("200 json not accepted (C-12)", 200, "application/json"_ba, false,
        HeadVerdict::ContentTypeFailure);
    row("204 not accepted (C-11)", 204, QByteArray(), false, HeadVerdict::StatusFailure);
}

void tst_ResponsePolicy::jsonAnswers()
{
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(bool, jsonAccepted);
    QFETCH(int, verdict);
    QCOMPARE(int(QtSse::ResponsePolicy::classifyHead(status, contentType, jsonAccepted)), verdict);
}

void tst_ResponsePolicy::acceptsJson_data()
{
    QTest::addColumn<QByteArray>("accept");
    QTest::addColumn<bool>("expected");
    QTest::newRow("MCP") << "application/json, text/event-stream"_ba << true;
    QTest::newRow("reversed, q values")
            << "text/event-stream;q=1,application/json;q=0.9"_ba << true;
    QTest::newRow("capitals") << "APPLICATION/JSON"_ba << true;
    QTest::newRow("event stream only") << "text/event-stream"_ba << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("a +json type is not json") << "application/ld+json"_ba << false;
    QTest::newRow("wildcards are not named") << "*/*"_ba << false;
}

void tst_ResponsePolicy::acceptsJson()
{
    QFETCH(QByteArray, accept);
    QFETCH(bool, expected);
    QCOMPARE(QtSse::ResponsePolicy::acceptsJson(accept), expected);
}

void tst_ResponsePolicy::invalidHeader_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("refused");
    QTest::newRow("plain") << "Authorization"_ba
                           << "Bearer abc.def"_ba << false;
    QTest::newRow("obs-text value") << "X-Name"_ba
                                    << "gr\xC3\xBC\xC3\x9F"_ba << false;
    QTest::newRow("tab in value") << "X-A"_ba
                                  << "a\tb"_ba << false;
    QTest::newRow("LF in value") << "X-A"_ba
                                 << "a\nb"_ba << true;
    QTest::newRow("CR in value") << "X-A"_ba
                                 << "a\rb"_ba << true;
    QTest::newRow("NUL in value") << "X-A"_ba << QByteArray("a\0b", 3) << true;
    QTest::newRow("space in name") << "X A"_ba
                                   << "v"_ba << true;
    QTest::newRow("colon in name") << "X:A"_ba
                                   << "v"_ba << true;
    QTest::newRow("non-ASCII name") << "X-\xC3\xBC"_ba
                                    << "v"_ba << true;
}

void tst_ResponsePolicy::invalidHeader()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(bool, refused);
    QCOMPARE(!QtSse::ResponsePolicy::isValidHeader(name, value), refused);
    // A request that holds it (Qt 6.7+ drops such headers from a QNetworkRequest itself).
    QNetworkRequest request;
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader(name, value);
    if (request.rawHeader(name) == value)
        QCOMPARE(QtSse::ResponsePolicy::invalidHeader(request), refused ? name : QByteArray());
}

QTEST_APPLESS_MAIN(tst_ResponsePolicy)

#include "tst_responsepolicy.moc"
