// SPDX-License-Identifier: MIT
#include "responsepolicy_p.h"

#include <QtCore/qlocale.h>
#include <QtCore/qtimezone.h>

#include <algorithm>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace QtSse {
namespace ResponsePolicy {

UrlVerdict checkSourceUrl(const QUrl &url)
{
#if defined(Q_OS_WASM)
    // Qt's WebAssembly network backend hands a body over only when the request completes: a
    // stream would stay Connecting and buffer for ever. Refuse it at once instead.
    Q_UNUSED(url);
    return UrlVerdict::UnsupportedPlatform;
#else
    if (!url.isValid() || url.isEmpty() || url.isRelative())
        return UrlVerdict::Invalid;
    if (!isHttpScheme(url.scheme().toLower()))
        return UrlVerdict::UnsupportedScheme;
    return UrlVerdict::Accepted;
#endif
}

QString serializeOrigin(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    QString host = url.host(QUrl::EncodeUnicode | QUrl::FullyEncoded);
    if (host.contains(u':'))
        host = u'[' + host + u']';
    const int port = url.port();
    const int defaultPort = scheme == "https"_L1 ? 443 : scheme == "http"_L1 ? 80 : -1;
    if (port < 0 || port == defaultPort)
        return scheme + "://"_L1 + host;
    return scheme + "://"_L1 + host + u':' + QString::number(port);
}

namespace {
// A MIME type's essence: parameters cut off, whitespace trimmed (case kept).
QByteArray mimeEssence(const QByteArray &type)
{
    const qsizetype semicolon = type.indexOf(';');
    return (semicolon >= 0 ? type.left(semicolon) : type).trimmed();
}
} // namespace

bool isEventStreamType(const QByteArray &contentType)
{
    return mimeEssence(contentType).compare("text/event-stream", Qt::CaseInsensitive) == 0;
}

bool isJsonType(const QByteArray &contentType)
{
    const QByteArray essence = mimeEssence(contentType).toLower();
    return essence == "application/json"
            || (essence.startsWith("application/") && essence.endsWith("+json")
                && essence.size() > int(sizeof("application/+json")) - 1);
}

bool acceptsJson(const QByteArray &accept)
{
    for (const QByteArray &range : accept.split(',')) {
        if (mimeEssence(range).compare("application/json", Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool isValidHeader(QByteArrayView name, QByteArrayView value)
{
    // RFC 9110: a field name is a token; a value holds no CR, LF or NUL (obs-text allowed).
    if (name.isEmpty())
        return false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || std::strchr("\"(),/:;<=>?@[\\]{}", c))
            return false;
    }
    for (const char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

QByteArray invalidHeader(const QNetworkRequest &request)
{
    for (const QByteArray &name : request.rawHeaderList()) {
        if (!isValidHeader(name, request.rawHeader(name)))
            return name;
    }
    return QByteArray();
}

QList<QPair<QByteArray, QByteArray>> lowerCaseNames(QList<QPair<QByteArray, QByteArray>> headers)
{
    for (auto &header : headers)
        header.first = header.first.toLower();
    return headers;
}

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool isHttpScheme(const QString &scheme)
{
    return scheme == "http"_L1 || scheme == "https"_L1;
}

HeadVerdict classifyHead(int status, const QByteArray &contentType, bool jsonAccepted)
{
    if (isRedirectStatus(status))
        return HeadVerdict::Redirect;
    if (status == 200 && isEventStreamType(contentType))
        return HeadVerdict::Stream;
    if (jsonAccepted && status >= 200 && status <= 299) {
        if (status == 202 || status == 204)
            return HeadVerdict::EmptyAnswer;
        if (isJsonType(contentType))
            return HeadVerdict::JsonAnswer;
    }
    return status == 200 ? HeadVerdict::ContentTypeFailure : HeadVerdict::StatusFailure;
}

bool isRetryableStatus(int status)
{
    return (status >= 500 && status <= 599) || status == 429 || status == 408;
}

qint64 retryAfterMilliseconds(const QByteArray &value, const QDateTime &now)
{
    constexpr qint64 Most = std::numeric_limits<int>::max();
    const QByteArray text = value.simplified();
    if (text.isEmpty())
        return -1;
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // delta-seconds: any number of digits; past what fits, the clamp applies.
        if (text.size() > 12)
            return Most;
        return qMin(text.toLongLong() * 1000, Most);
    }
    // HTTP-date: IMF-fixdate, or the obsolete RFC 850 and asctime forms (whitespace
    // simplified, so asctime's padded day is one space). Date and time are parsed apart, so
    // that no local time (and no daylight saving gap) is involved.
    const QList<QByteArray> t = text.split(' ');
    const QLocale c = QLocale::c();
    QDate date;
    QByteArray time;
    if (t.size() == 6 && t.at(5) == "GMT") { // Sun, 06 Nov 1994 08:49:37 GMT
        date = c.toDate(QString::fromLatin1(t.mid(0, 4).join(' ')), u"ddd, dd MMM yyyy"_s);
        time = t.at(4);
    } else if (t.size() == 4 && t.at(3) == "GMT" && t.at(0).endsWith(',')) {
        // Sunday, 06-Nov-94 08:49:37 GMT. The weekday is left out: Qt would check it against a
        // year of the 1900s. Two-digit years before 70 are of this century.
        date = c.toDate(QString::fromLatin1(t.at(1)), u"dd-MMM-yy"_s);
        if (date.isValid() && date.year() < 1970)
            date = date.addYears(100);
        time = t.at(2);
    } else if (t.size() == 5) { // Sun Nov  6 08:49:37 1994
        date = c.toDate(QString::fromLatin1(t.mid(0, 3).join(' ') + ' ' + t.at(4)),
                        u"ddd MMM d yyyy"_s);
        time = t.at(3);
    }
    const QTime clock = c.toTime(QString::fromLatin1(time), u"HH:mm:ss"_s);
    if (!date.isValid() || !clock.isValid())
        return -1;
    const QDateTime utc(date, clock, QTimeZone::utc());
    return qBound<qint64>(0, now.msecsTo(utc), Most);
}

bool redirectBecomesGet(int status, const QByteArray &method)
{
    return (status == 303 && method != "HEAD")
            || ((status == 301 || status == 302) && method == "POST");
}

Redirect decideRedirect(const QUrl &from, int status, const QByteArray &location,
                        const QByteArray &method, int hopsFollowed, int maximumHops)
{
    Redirect redirect;
    const QByteArray trimmed = location.trimmed();
    if (trimmed.isEmpty()) {
        redirect.verdict = Redirect::NoLocation;
        return redirect;
    }
    redirect.target = from.resolved(QUrl::fromEncoded(trimmed));
    const QString scheme = redirect.target.scheme().toLower();
    if (!redirect.target.isValid() || !isHttpScheme(scheme))
        redirect.verdict = Redirect::UnsupportedScheme;
    else if (from.scheme().toLower() == "https"_L1 && scheme == "http"_L1)
        redirect.verdict = Redirect::InsecureScheme;
    else if (hopsFollowed + 1 > maximumHops)
        redirect.verdict = Redirect::TooManyHops;
    if (redirect.verdict != Redirect::Follow)
        return redirect;
    redirect.leavesOrigin = serializeOrigin(redirect.target) != serializeOrigin(from);
    redirect.becomesGet = redirectBecomesGet(status, method);
    return redirect;
}

QNetworkRequest streamRequest(const QNetworkRequest &base, const QUrl &url,
                              const QString &lastEventId, bool withoutCredentials,
                              const QByteArray &acceptEncoding)
{
    QNetworkRequest request = base;
    request.setUrl(url);
    if (withoutCredentials) {
        // Never send the user's credentials to another origin (CVE-2022-1650).
        request.setRawHeader("Authorization", QByteArray());
        request.setRawHeader("Cookie", QByteArray());
        request.setRawHeader("Proxy-Authorization", QByteArray());
    }
    if (!base.hasRawHeader("Accept")) // C-02; a caller's own Accept is sent as set
        request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache"); // C-03
    request.setRawHeader("Last-Event-ID", // C-04, C-05
                         lastEventId.isEmpty() ? QByteArray() : lastEventId.toUtf8());
    // Compression is asked for here, not by QNAM, so that QNAM passes the body on as it came
    // and ContentDecoder decodes it: QNAM's decoding fails or stalls endless streams. A request
    // that names its own encodings keeps them.
    if (!base.hasRawHeader("Accept-Encoding"))
        request.setRawHeader("Accept-Encoding", acceptEncoding);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
#if QT_VERSION >= QT_VERSION_CHECK(6, 11, 0)
    // A peer that vanished (the laptop slept, the network changed) is found by TCP keep-alive
    // probes within two minutes, while a quiet but healthy stream is never dropped, as a read
    // timeout would drop it. Unless the user's request chose its own probes.
    const QNetworkRequest plain;
    if (request.tcpKeepAliveIdleTimeBeforeProbes() == plain.tcpKeepAliveIdleTimeBeforeProbes()
        && request.tcpKeepAliveIntervalBetweenProbes() == plain.tcpKeepAliveIntervalBetweenProbes()
        && request.tcpKeepAliveProbeCount() == plain.tcpKeepAliveProbeCount()) {
        request.setTcpKeepAliveIdleTimeBeforeProbes(
                std::chrono::seconds(StreamKeepAliveIdleSeconds));
        request.setTcpKeepAliveIntervalBetweenProbes(
                std::chrono::seconds(StreamKeepAliveIntervalSeconds));
        request.setTcpKeepAliveProbeCount(StreamKeepAliveProbes);
    }
#endif
    return request;
}

} // namespace ResponsePolicy
} // namespace QtSse
