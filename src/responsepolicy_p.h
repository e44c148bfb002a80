// SPDX-License-Identifier: MIT
#ifndef QTSSE_RESPONSEPOLICY_P_H
#define QTSSE_RESPONSEPOLICY_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

#include "qtsse_global.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qdatetime.h>
#include <QtCore/qstring.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkrequest.h>

namespace QtSse {

// What an event stream client makes of URLs, requests, response heads and redirects: plain
// functions of their inputs, with no network and no state.
namespace ResponsePolicy {

// Whether a source URL may be opened: it must be absolute and valid (C-08), over http or https
// (C-09). UnsupportedPlatform: never on a platform whose network backend cannot stream a body
// (WebAssembly: Qt's backend hands the body over only when the request completes).
enum class UrlVerdict { Accepted, Invalid, UnsupportedScheme, UnsupportedPlatform };
QTSSE_AUTOTEST_EXPORT UrlVerdict checkSourceUrl(const QUrl &url);

// The serialized origin of a URL (C-17): scheme://host[:port], default port omitted, IDN host
// in ASCII form.
QTSSE_AUTOTEST_EXPORT QString serializeOrigin(const QUrl &url);

// C-12: the MIME type's essence must be text/event-stream; parameters are ignored.
QTSSE_AUTOTEST_EXPORT bool isEventStreamType(const QByteArray &contentType);

// application/json or application/<anything>+json; parameters are ignored.
QTSSE_AUTOTEST_EXPORT bool isJsonType(const QByteArray &contentType);

// Whether an Accept header value names application/json among its media ranges.
QTSSE_AUTOTEST_EXPORT bool acceptsJson(const QByteArray &accept);

// Whether HTTP allows a header: its name a token, its value free of CR, LF and NUL (header
// injection).
QTSSE_AUTOTEST_EXPORT bool isValidHeader(QByteArrayView name, QByteArrayView value);

// The name of the first request header that HTTP does not allow, or a null array. Qt 6.7 and
// later drop such headers from a QNetworkRequest silently, so EventSource also checks the
// headers it is given before they reach one.
QTSSE_AUTOTEST_EXPORT QByteArray invalidHeader(const QNetworkRequest &request);

// Header names as every Qt version gives them: Qt 6.7+ lower-cases them, 6.4 keeps the
// server's spelling.
QTSSE_AUTOTEST_EXPORT QList<QPair<QByteArray, QByteArray>>
lowerCaseNames(QList<QPair<QByteArray, QByteArray>> headers);

QTSSE_AUTOTEST_EXPORT bool isRedirectStatus(int status);

// Takes a lower-case scheme.
QTSSE_AUTOTEST_EXPORT bool isHttpScheme(const QString &scheme);

// What a response head means: a redirect to follow, the stream, or a failure (C-11, C-12).
// To a request that accepts JSON, a 2xx JSON response is an answer to deliver as one event,
// and a 202 or 204 an answer without one.
enum class HeadVerdict {
    Redirect,
    Stream,
    JsonAnswer,
    EmptyAnswer,
    ContentTypeFailure,
    StatusFailure
};
QTSSE_AUTOTEST_EXPORT HeadVerdict classifyHead(int status, const QByteArray &contentType,
                                               bool jsonAccepted = false);

// Whether the opt-in retry of HTTP failures retries `status`: 5xx, 429 Too Many Requests and
// 408 Request Timeout. Never 204, the standard's "do not reconnect".
QTSSE_AUTOTEST_EXPORT bool isRetryableStatus(int status);

// A Retry-After header value (RFC 9110, 10.2.3) as milliseconds from `now`: delta-seconds or
// an HTTP-date (IMF-fixdate, RFC 850 or asctime form). -1 for an empty or unparsable value,
// 0 for a date in the past; clamped to what an int holds.
QTSSE_AUTOTEST_EXPORT qint64 retryAfterMilliseconds(const QByteArray &value, const QDateTime &now);

// Fetch: 303 turns into GET (but HEAD), and so do 301 and 302 after POST; the body goes.
QTSSE_AUTOTEST_EXPORT bool redirectBecomesGet(int status, const QByteArray &method);

struct Redirect
{
    enum Verdict { Follow, NoLocation, UnsupportedScheme, InsecureScheme, TooManyHops };
    Verdict verdict = Follow;
    QUrl target; // resolved against the URL redirected from, when there is one
    bool leavesOrigin = false;
    bool becomesGet = false; // redirectBecomesGet()
};

// Whether to follow a redirect of `status` with `location` from `from`, after `hopsFollowed`
// hops of the chain, and how. Refused: no Location, a scheme other than http or https, https
// to http, more than `maximumHops` hops.
QTSSE_AUTOTEST_EXPORT Redirect decideRedirect(const QUrl &from, int status,
                                              const QByteArray &location, const QByteArray &method,
                                              int hopsFollowed, int maximumHops);

// TCP keep-alive of a stream's connection on Qt 6.11 and later: the first probe after 60 s of
// silence, then every 10 s, 6 unanswered probes drop it (two minutes in all).
constexpr int StreamKeepAliveIdleSeconds = 60;
constexpr int StreamKeepAliveIntervalSeconds = 10;
constexpr int StreamKeepAliveProbes = 6;

// The request one hop of a connection sends to `url`: `base` with the event stream headers
// (C-02 to C-05), the HTTP cache off, redirects left to us and, on Qt 6.11+, TCP keep-alive
// probes (unless `base` set its own). `withoutCredentials` drops the
// Authorization, Cookie and Proxy-Authorization headers, once a chain has left the origin.
// `acceptEncoding`: the Accept-Encoding sent unless `base` has one (the decoder's list).
QTSSE_AUTOTEST_EXPORT QNetworkRequest streamRequest(const QNetworkRequest &base, const QUrl &url,
                                                    const QString &lastEventId,
                                                    bool withoutCredentials,
                                                    const QByteArray &acceptEncoding);

} // namespace ResponsePolicy
} // namespace QtSse

#endif // QTSSE_RESPONSEPOLICY_P_H
