// SPDX-License-Identifier: MIT
#include "responsepolicy_p.h"
#include "contentdecoder_p.h"

using namespace Qt::StringLiterals;

namespace QtSse {
namespace ResponsePolicy {

UrlVerdict checkSourceUrl(const QUrl &url)
{
    if (!url.isValid() || url.isEmpty() || url.isRelative())
        return UrlVerdict::Invalid;
    if (!isHttpScheme(url.scheme().toLower()))
        return UrlVerdict::UnsupportedScheme;
    return UrlVerdict::Accepted;
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

bool isEventStreamType(const QByteArray &contentType)
{
    QByteArray essence = contentType;
    const qsizetype semicolon = essence.indexOf(';');
    if (semicolon >= 0)
        essence.truncate(semicolon);
    return essence.trimmed().compare("text/event-stream", Qt::CaseInsensitive) == 0;
}

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool isHttpScheme(const QString &scheme)
{
    return scheme == "http"_L1 || scheme == "https"_L1;
}

HeadVerdict classifyHead(int status, const QByteArray &contentType)
{
    if (isRedirectStatus(status))
        return HeadVerdict::Redirect;
    if (status != 200)
        return HeadVerdict::StatusFailure;
    return isEventStreamType(contentType) ? HeadVerdict::Stream : HeadVerdict::ContentTypeFailure;
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
                              const QString &lastEventId, bool withoutCredentials)
{
    QNetworkRequest request = base;
    request.setUrl(url);
    if (withoutCredentials) {
        // Never send the user's credentials to another origin (CVE-2022-1650).
        request.setRawHeader("Authorization", QByteArray());
        request.setRawHeader("Cookie", QByteArray());
        request.setRawHeader("Proxy-Authorization", QByteArray());
    }
    request.setRawHeader("Accept", "text/event-stream");                     // C-02
    request.setRawHeader("Cache-Control", "no-cache");                       // C-03
    request.setRawHeader("Last-Event-ID",                                    // C-04, C-05
                         lastEventId.isEmpty() ? QByteArray() : lastEventId.toUtf8());
    // Compression is asked for here, not by QNAM, so that QNAM passes the body on as it came
    // and ContentDecoder decodes it: QNAM's decoding fails or stalls endless streams. A request
    // that names its own encodings keeps them.
    if (!base.hasRawHeader("Accept-Encoding"))
        request.setRawHeader("Accept-Encoding", ContentDecoder::AcceptedEncodings);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    return request;
}

} // namespace ResponsePolicy
} // namespace QtSse
