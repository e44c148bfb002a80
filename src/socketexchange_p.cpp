// SPDX-License-Identifier: MIT
#include "socketexchange_p.h"

#include "flowcontrol_p.h"

#include <QtCore/qmetaobject.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qhostaddress.h>
#include <QtNetwork/qnetworkcookie.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>
#include <QtNetwork/qtcpsocket.h>
#if QT_CONFIG(ssl)
#  include <QtNetwork/qsslconfiguration.h>
#  include <QtNetwork/qsslerror.h>
#  include <QtNetwork/qsslsocket.h>
#endif

#include <algorithm>
#include <optional>

namespace QtSse {

namespace {

constexpr int HttpPort = 80;
constexpr int HttpsPort = 443;

bool isHttps(const QUrl &url)
{
    return url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
}

// The calls the state machine makes (and the constructor) run with this set, so that whatever
// a socket signals from inside them is looked at from the event loop instead.
struct InCall
{
    explicit InCall(int &depth) : m_depth(depth) { ++m_depth; }
    ~InCall() { --m_depth; }
    Q_DISABLE_COPY_MOVE(InCall)
    int &m_depth;
};

} // namespace

// The proxy QNetworkAccessManager takes for `url`, and how this transport goes through it. QNAM
// asks its own proxy factory, else takes its own proxy, else asks
// QNetworkProxyFactory::proxyForQuery() (the application proxy, the application's proxy
// factory, or the system's configuration; none for localhost and loopback addresses). The
// application's `manager` of the source, if any (and in this thread), answers the same way
// here; QtSse's pooled managers have neither, so without one the application's settings
// answer. Of the list, QNAM takes the first entry it can use: for http, an HttpProxy or
// HttpCachingProxy with the caching capability, to which it sends the request in absolute
// form; otherwise any proxy with the tunnelling capability (none, SOCKS5, HTTP CONNECT). This
// transport takes the same entry and:
//  - NoProxy: connects directly;
//  - Socks5Proxy, or HttpProxy for https (or an HttpProxy without the caching capability):
//    gives it to the socket, whose engine opens the tunnel (SOCKS5 with the proxy's user and
//    password, RFC 1929, or HTTP CONNECT answering the proxy's 407 challenge with them, through
//    QAuthenticator) and has the proxy resolve the host name. The application is not asked
//    for credentials (QNAM's proxyAuthenticationRequired has no counterpart here): a proxy
//    that wants some it does not get fails the exchange (onSocketError() names the proxy).
//    canServe() does not refuse a proxy without credentials: most want none, and which do
//    cannot be known before asking;
//  - HttpProxy for http: connects to the proxy and sends the request with an absolute-form
//    target (RFC 9112, 3.2.2), as QNAM does: many proxies refuse CONNECT to other ports than
//    443 (Squid's default configuration does), and the proxy sees the same requests whichever
//    transport carries them;
//  - HttpCachingProxy: refused, QNAM carries it (its cache semantics are QNAM's); a
//    DefaultProxy answer (the socket would ask the factory again, with another query) and a
//    list without a usable entry (QNAM then fails with ProxyNotFoundError) are refused too.
SocketExchange::ProxyRoute SocketExchange::proxyRoute(const QUrl &url,
                                                      const QNetworkAccessManager *manager)
{
    ProxyRoute route;
    const bool tls = isHttps(url);
    const QNetworkProxyQuery query(url);
    QList<QNetworkProxy> proxies;
    if (manager && manager->thread() != QThread::currentThread())
        manager = nullptr; // its settings are its thread's to read (its streams fail there)
    if (manager && manager->proxyFactory())
        proxies = manager->proxyFactory()->queryProxy(query);
    else if (manager && manager->proxy().type() != QNetworkProxy::DefaultProxy)
        proxies.append(manager->proxy());
    else
        proxies = QNetworkProxyFactory::proxyForQuery(query);
    if (proxies.isEmpty()) // as QNAM reads an empty answer
        proxies.append(QNetworkProxy(QNetworkProxy::NoProxy));
    for (const QNetworkProxy &proxy : std::as_const(proxies)) {
        const QNetworkProxy::Capabilities capabilities = proxy.capabilities();
        if (!tls && (capabilities & QNetworkProxy::CachingCapability)
            && (proxy.type() == QNetworkProxy::HttpProxy
                || proxy.type() == QNetworkProxy::HttpCachingProxy)) {
            route.proxy = proxy;
            if (proxy.type() == QNetworkProxy::HttpCachingProxy) {
                route.kind = ProxyRoute::Refused;
                route.refusal = tr("the socket transport does not use a caching proxy "
                                   "(QNetworkProxy::HttpCachingProxy)");
            } else {
                route.kind = ProxyRoute::AbsoluteForm;
            }
            return route;
        }
        if (capabilities & QNetworkProxy::TunnelingCapability) {
            route.proxy = proxy;
            switch (proxy.type()) {
            case QNetworkProxy::NoProxy:
                route.kind = ProxyRoute::Direct;
                break;
            case QNetworkProxy::Socks5Proxy:
            case QNetworkProxy::HttpProxy:
                route.kind = ProxyRoute::Tunnel;
                break;
            default:
                route.kind = ProxyRoute::Refused;
                route.refusal = tr("the proxy factory answered with a default proxy, which the "
                                   "socket transport does not resolve");
                break;
            }
            return route;
        }
    }
    route.kind = ProxyRoute::Refused;
    route.refusal = tr("no proxy for the URL that the socket transport can use (it uses "
                       "SOCKS5 and HTTP proxies)");
    return route;
}

bool SocketExchange::canServe(const QUrl &url, const QNetworkRequest &request, QString *reason,
                              const QNetworkAccessManager *manager)
{
    const auto refuse = [reason](const QString &why) {
        if (reason)
            *reason = why;
        return false;
    };
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("https")) {
#if QT_CONFIG(ssl)
        if (!QSslSocket::supportsSsl())
            return refuse(tr("the socket transport found no TLS backend for https"));
#else
        return refuse(tr("this Qt was built without TLS: the socket transport cannot carry https"));
#endif
    } else if (scheme != QLatin1String("http")) {
        return refuse(tr("the socket transport carries only http and https URLs"));
    }
    if (url.host().isEmpty())
        return refuse(tr("the URL has no host"));
    if (!url.userInfo().isEmpty())
        return refuse(tr("the socket transport does not answer authentication challenges yet "
                         "(the URL carries user info)"));
    if (request.attribute(QNetworkRequest::Http2DirectAttribute).toBool())
        return refuse(tr("the socket transport does not speak HTTP/2 (the request asks for it "
                         "directly)"));
    // The proxy QNAM would take (a source has no proxy setting of its own).
    const ProxyRoute route = proxyRoute(url, manager);
    if (route.kind == ProxyRoute::Refused)
        return refuse(route.refusal);
    if (reason)
        reason->clear();
    return true;
}

SocketExchange::SocketExchange(const QUrl &url, const QNetworkRequest &request,
                               const QByteArray &method, const QByteArray &body,
                               QNetworkCookieJar *jar, const QNetworkAccessManager *manager,
                               QObject *parent, Start start)
    : Exchange(parent), m_url(url), m_jar(jar), m_tls(isHttps(url))
{
    const InCall inCall(m_inCall);
    m_saveCookies = request.attribute(QNetworkRequest::CookieSaveControlAttribute,
                                      QNetworkRequest::Automatic)
                            .toInt()
            == QNetworkRequest::Automatic;
    m_proxy = proxyRoute(url, manager);
    m_request = requestBytes(request, method, body);
    m_reader.setRequestMethod(method); // a response to HEAD has no body

#if QT_CONFIG(ssl)
    if (m_tls) {
        m_sslConfiguration = request.sslConfiguration();
        // One stream per connection, over HTTP/1.1: a server must not pick HTTP/2.
        m_sslConfiguration.setAllowedNextProtocols(
                { QByteArray(QSslConfiguration::NextProtocolHttp1_1) });
        m_peerVerifyName = request.peerVerifyName();
    }
#endif
    if (start == Start::Now)
        this->start();
}

void SocketExchange::start()
{
    if (m_started || m_concluded)
        return;
    const InCall inCall(m_inCall);
    m_started = true;
    m_countedIn = QThread::currentThread();
    ++liveCount();
    makeSocket();
    if (m_proxy.kind == ProxyRoute::Refused) { // the factory changed its mind since canServe()
        conclude(Failure::Network,
                 tr("No usable proxy for %1: %2").arg(m_url.host(), m_proxy.refusal), true);
        return;
    }
    if (m_proxy.kind == ProxyRoute::AbsoluteForm) {
        m_socket->connectToHost(m_proxy.proxy.hostName(), m_proxy.proxy.port());
        return;
    }
    const quint16 port = quint16(m_url.port(m_tls ? HttpsPort : HttpPort));
#if QT_CONFIG(ssl)
    if (m_tls) {
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(m_url.host(), port);
        return;
    }
#endif
    m_socket->connectToHost(m_url.host(), port);
}

// The socket, made in the thread that reads it (start()): QSslSocket keeps objects of its TLS
// backend that are not its children, which moving it to another thread would leave behind.
void SocketExchange::makeSocket()
{
#if QT_CONFIG(ssl)
    if (m_tls) {
        auto *socket = new QSslSocket(this);
        socket->setSslConfiguration(m_sslConfiguration);
        if (!m_peerVerifyName.isEmpty())
            socket->setPeerVerifyName(m_peerVerifyName);
        connect(socket, &QSslSocket::sslErrors, this, &SocketExchange::onSslErrors);
        connect(socket, &QSslSocket::encrypted, this, &SocketExchange::onEncrypted);
        m_socket = socket;
    }
#endif
    if (!m_socket)
        m_socket = new QTcpSocket(this);
    // The proxy canServe() found for the URL, for a tunnel; none otherwise: the socket must not
    // find one of its own (a factory may answer a TcpSocket query otherwise than a URL one).
    m_socket->setProxy(m_proxy.kind == ProxyRoute::Tunnel ? m_proxy.proxy
                                                          : QNetworkProxy(QNetworkProxy::NoProxy));
    // Past this many unread bytes Qt stops reading the socket, so the kernel's buffers fill
    // and TCP slows the server: what waits for the application is at most this bound plus
    // m_buffer. QSslSocket bounds its TCP socket's buffer (encrypted bytes) by the size, and
    // decrypts all of that whenever fewer decrypted bytes than the size wait: it holds up to
    // three times the size (measured with Qt 6.4 to 6.11, tst_socketexchange
    // flowControlOverTls), so a TLS socket gets a third.
    m_socket->setReadBufferSize(m_tls ? m_socketReadBound / 3 : m_socketReadBound);
    connect(m_socket, &QAbstractSocket::connected, this, &SocketExchange::onConnected);
    connect(m_socket, &QAbstractSocket::readyRead, this, &SocketExchange::onReadyRead);
    connect(m_socket, &QAbstractSocket::disconnected, this, &SocketExchange::onInputEnded);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &SocketExchange::onSocketError);
}

void SocketExchange::setSocketReadBound(qint64 bytes)
{
    Q_ASSERT(!m_started);
    m_socketReadBound = bytes;
}

int &SocketExchange::liveCount()
{
    thread_local int count = 0;
    return count;
}

int SocketExchange::liveInThisThread()
{
    return liveCount();
}

QNetworkCookieJar *SocketExchange::takeCookieJar()
{
    QNetworkCookieJar *jar = m_saveCookies ? m_jar.data() : nullptr;
    m_jar = nullptr;
    return jar;
}

void SocketExchange::saveCookies(QNetworkCookieJar *jar,
                                 const QList<QPair<QByteArray, QByteArray>> &fields,
                                 const QUrl &url)
{
    if (!jar)
        return;
    QList<QNetworkCookie> cookies;
    for (const auto &field : fields) {
        if (field.first.compare("set-cookie", Qt::CaseInsensitive) == 0)
            cookies += QNetworkCookie::parseCookies(field.second);
    }
    if (!cookies.isEmpty())
        jar->setCookiesFromUrl(cookies, url);
}

SocketExchange::~SocketExchange()
{
    // Counted where it started; an exchange is deleted in its thread (deleteLater()).
    if (m_countedIn == QThread::currentThread())
        --liveCount();
    closeDirectReads();
    if (m_socket)
        disconnect(m_socket, nullptr, this, nullptr);
}

bool SocketExchange::readsDirectly() const
{
#if QTSSE_DIRECT_SOCKET_READS
    return m_fd >= 0;
#else
    return false;
#endif
}

void SocketExchange::closeDirectReads()
{
#if QTSSE_DIRECT_SOCKET_READS
    if (m_fd < 0)
        return;
    // Unregistered before its descriptor is closed; deleted later, as this may run inside
    // its activated() signal.
    m_notifier->setEnabled(false);
    disconnect(m_notifier, nullptr, this, nullptr);
    m_notifier->deleteLater();
    m_notifier = nullptr;
    DirectSocket::close(m_fd);
    m_fd = -1;
    m_readable = false;
#endif
}

// The request as QNAM's HTTP/1.1 client writes it, less what only QNAM does: no
// "Connection: Keep-Alive" (nor "Connection: close", which a server need not see: each
// exchange has a connection of its own, which it closes once the response ended, so no
// server waits on it), no Accept-Language and no default User-Agent (the request's own are
// sent), no default Content-Type for a body.
QByteArray SocketExchange::requestBytes(const QNetworkRequest &request, const QByteArray &method,
                                        const QByteArray &body) const
{
    QUrl target = m_url;
    // To an HTTP proxy, the absolute form (without user info), as QNAM sends it.
    const bool absoluteForm = m_proxy.kind == ProxyRoute::AbsoluteForm;
    QUrl::FormattingOptions format = QUrl::RemoveFragment | QUrl::FullyEncoded;
    format |= absoluteForm ? QUrl::FormattingOptions(QUrl::RemoveUserInfo)
                           : QUrl::RemoveScheme | QUrl::RemoveAuthority;
    if (target.path().isEmpty())
        target.setPath(QStringLiteral("/"));
    else
        format |= QUrl::NormalizePathSegments; // as QNAM does
    QByteArray out;
    out.reserve(512 + body.size());
    out += method;
    out += ' ';
    out += target.toEncoded(format);
    out += " HTTP/1.1\r\n";

    if (!request.hasRawHeader("Host")) { // QNAM, too, sends the request's own Host
        const QString host = m_url.host();
        out += "Host: ";
        if (host.contains(u':')) // an IPv6 address
            out += '[' + host.toLatin1() + ']';
        else
            out += QUrl::toAce(host);
        const int port = m_url.port();
        if (port != -1 && port != (m_tls ? HttpsPort : HttpPort))
            out += ':' + QByteArray::number(port);
        out += "\r\n";
    }
    // Every header of the request, those set with QNetworkRequest::setHeader() (Content-Type,
    // Cookie, User-Agent, ...) included: rawHeaderList() lists them as QNAM sends them. The
    // body's framing is this client's to say.
    const QList<QByteArray> names = request.rawHeaderList();
    for (const QByteArray &name : names) {
        if (name.compare("content-length", Qt::CaseInsensitive) == 0
            || name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            continue;
        }
        out += name;
        out += ": ";
        out += request.rawHeader(name);
        out += "\r\n";
    }
    // The proxy's credentials, once for the connection, in the Basic scheme: a proxy that wants
    // another, or other credentials, answers 407, which the state machine reports as the HTTP
    // error it is (this transport asks the application for none). The request's own
    // Proxy-Authorization, if any, goes instead.
    if (absoluteForm && !m_proxy.proxy.user().isEmpty()
        && !request.hasRawHeader("Proxy-Authorization")) {
        out += "Proxy-Authorization: Basic ";
        out += (m_proxy.proxy.user() + u':' + m_proxy.proxy.password()).toUtf8().toBase64();
        out += "\r\n";
    }
    // As QNAM: the jar's cookies only when the request has no Cookie header of its own.
    const bool loadCookies = request.attribute(QNetworkRequest::CookieLoadControlAttribute,
                                               QNetworkRequest::Automatic)
                                     .toInt()
            == QNetworkRequest::Automatic;
    if (m_jar && loadCookies && !request.hasRawHeader("Cookie")) {
        const QList<QNetworkCookie> cookies = m_jar->cookiesForUrl(m_url);
        if (!cookies.isEmpty()) {
            out += "Cookie: ";
            for (qsizetype i = 0; i < cookies.size(); ++i) {
                if (i > 0)
                    out += "; ";
                out += cookies.at(i).toRawForm(QNetworkCookie::NameAndValueOnly);
            }
            out += "\r\n";
        }
    }
    // QNAM sends a GET without a body with get(), anything else with sendCustomRequest() and
    // the body in a device, whose size it always sends: "Content-Length: 0" for a POST
    // without a body.
    if (method != "GET" || !body.isEmpty())
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "\r\n";
    out += body;
    return out;
}

void SocketExchange::onConnected()
{
    m_tcpConnected = true;
    if (m_tls)
        return; // written once encrypted
    m_socket->write(m_request); // the whole request in one write
#if QTSSE_DIRECT_SOCKET_READS
    if (m_proxy.kind == ProxyRoute::Direct && directReadsAllowed()) {
        m_socket->flush(); // as much as the kernel takes now
        if (m_socket->bytesToWrite() > 0)
            connect(m_socket, &QAbstractSocket::bytesWritten, this,
                    &SocketExchange::readDirectlyOnceWritten);
        else
            readDirectlyOnceWritten();
    }
#endif
}

#if QTSSE_DIRECT_SOCKET_READS
// QTSSE_SOCKET_READS=qt keeps every plain connection on QTcpSocket's reads (to compare, and to
// test both ways); read once.
bool SocketExchange::directReadsAllowed()
{
    static const bool allowed = qgetenv("QTSSE_SOCKET_READS") != "qt";
    return allowed;
}

// Once the whole request is written, a plain connection is read with recv() straight into
// m_buffer: QTcpSocket cannot be unbuffered, and its buffer costs a copy of every byte and a
// ring of blocks to manage. The socket's descriptor is duplicated, QTcpSocket let go of its
// own (abort() only closes it: the connection stays open through the duplicate), and a read
// notifier watches the duplicate. It stays enabled while the application keeps up, and is
// disabled when a notification finds the last one not read yet (onDirectReadable()) until a
// recv() finds nothing more: what waits for the application is then m_buffer, and the
// kernel's buffers hold the rest (TCP slows the server). If the response started before the
// request was written (a server that answers early), the exchange stays on QTcpSocket's reads.
void SocketExchange::readDirectlyOnceWritten()
{
    if (m_concluded || m_fd >= 0 || m_socket->bytesToWrite() > 0)
        return;
    disconnect(m_socket, &QAbstractSocket::bytesWritten, this,
               &SocketExchange::readDirectlyOnceWritten);
    if (m_socket->state() != QAbstractSocket::ConnectedState || m_socket->bytesAvailable() > 0
        || m_headReceived)
        return;
    const int fd = DirectSocket::duplicate(m_socket->socketDescriptor());
    if (fd < 0)
        return; // out of descriptors: QTcpSocket reads on
    disconnect(m_socket, nullptr, this, nullptr);
    m_socket->abort(); // closes its descriptor, the duplicate keeps the connection
    m_fd = fd;
    m_readable = false;
    // Level-triggered: whatever arrived already is announced by the event loop.
    m_notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SocketExchange::onDirectReadable);
}

void SocketExchange::onDirectReadable()
{
    if (deferred(&SocketExchange::onDirectReadable))
        return;
    if (m_readable) {
        // Announced before and not read since: the application is behind. No more
        // notifications (the kernel's buffers fill, TCP slows the server) until a recv()
        // finds nothing more.
        m_notifier->setEnabled(false);
        return;
    }
    m_readable = true;
    onReadyRead();
}

// recv() into m_buffer. Past the end of the input or a failure, m_inputEnded (and
// m_socketError) say which; with nothing to read now, the notifier waits for more.
bool SocketExchange::receive()
{
    if (!m_readable)
        return false;
    if (m_buffer.size() < m_receiveSize)
        m_buffer.resize(m_receiveSize);
    const DirectSocket::Received got = DirectSocket::receive(m_fd, m_buffer.data(), m_receiveSize);
    m_position = 0;
    m_end = got.size;
    switch (got.outcome) {
    case DirectSocket::Outcome::Data:
        if (got.size == m_receiveSize) {
            // Filled: more is likely waiting. Grow towards a chunk, so a busy stream takes
            // fewer calls and a slow one keeps a small buffer.
            m_receiveSize = std::min(m_receiveSize * 2, FlowControl::ReadChunkSize);
        } else {
            // Less than asked: the kernel had no more. The notifier says when it has.
            m_readable = false;
            m_notifier->setEnabled(true); // (no-op unless the application was behind)
        }
        return true;
    case DirectSocket::Outcome::WouldBlock:
        m_readable = false;
        m_notifier->setEnabled(true);
        return false;
    case DirectSocket::Outcome::Failed:
        m_socketError = got.errorString;
        break;
    case DirectSocket::Outcome::Closed:
        break;
    }
    m_readable = false;
    m_inputEnded = true;
    return false;
}
#endif

void SocketExchange::onEncrypted()
{
    m_encrypted = true;
    m_socket->write(m_request);
}

// Whether a socket slot must not run now: the outcome is decided, or the slot came inside a
// call of the state machine (readChunk(), abort(), the constructor), in which case it runs
// again from the event loop.
bool SocketExchange::deferred(void (SocketExchange::*slot)())
{
    if (m_concluded)
        return true;
    if (m_inCall) {
        QMetaObject::invokeMethod(this, slot, Qt::QueuedConnection);
        return true;
    }
    return false;
}

void SocketExchange::onReadyRead()
{
    if (deferred(&SocketExchange::onReadyRead))
        return;
    if (!m_headReceived)
        readHead();
    else if (!drained())
        Q_EMIT readyRead();
}

// The socket closed or failed; the bytes it holds are still to be read.
void SocketExchange::onInputEnded()
{
    if (m_concluded)
        return;
    m_inputEnded = true;
    if (deferred(&SocketExchange::onInputEnded))
        return;
    if (!m_headReceived)
        readHead();
    else if (drained())
        concludeIfComplete(false);
    // else the state machine reads the rest, and readChunk() ends the exchange
}

void SocketExchange::onSocketError()
{
    if (deferred(&SocketExchange::onSocketError))
        return;
    // Whatever ends a TLS connection before its handshake completed (a plain HTTP server, a
    // refused handshake, a close) is a TLS failure.
    if (m_tls && m_tcpConnected && !m_encrypted) {
        conclude(Failure::Tls, m_socket->errorString(), false);
        return;
    }
    // Before the connection (the tunnel, through a proxy) was established, the failure is the
    // proxy's, if there is one: a refused CONNECT or SOCKS request, an authentication the proxy
    // asked for and did not get, the proxy unreachable. Say so.
    if (m_proxy.kind != ProxyRoute::Direct && !m_tcpConnected) {
        conclude(Failure::Network,
                 tr("Through the %1 proxy %2:%3: %4")
                         .arg(m_proxy.proxy.type() == QNetworkProxy::Socks5Proxy
                                      ? QLatin1String("SOCKS5")
                                      : QLatin1String("HTTP"),
                              m_proxy.proxy.hostName(), QString::number(m_proxy.proxy.port()),
                              m_socket->errorString()),
                 false);
        return;
    }
    // A close (or a reset, which Qt reports alike) ends the input; the reader decides whether
    // the response was complete. Anything else (DNS, refused, unreachable) fails it.
    if (m_socket->error() != QAbstractSocket::RemoteHostClosedError)
        m_socketError = m_socket->errorString();
    onInputEnded();
}

#if QT_CONFIG(ssl)
void SocketExchange::onSslErrors(const QList<QSslError> &errors)
{
    if (m_concluded)
        return;
    // Fail closed: nothing here ignores an error. (With QSslSocket::VerifyNone in the request's
    // configuration, Qt reports none.)
    QStringList texts;
    for (const QSslError &error : errors)
        texts.append(error.errorString());
    m_closeLater = true; // not from inside the socket's handshake
    conclude(Failure::Tls, texts.join(QLatin1String("; ")), m_inCall > 0);
}
#endif

// Refills the buffer from the socket, once every byte of it went to the reader.
bool SocketExchange::refill()
{
    Q_ASSERT(m_position == m_end);
#if QTSSE_DIRECT_SOCKET_READS
    if (m_fd >= 0)
        return receive();
#endif
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return false;
    // The buffer grows to what arrives at once, up to a chunk: a slow stream keeps a few
    // hundred bytes, not a chunk.
    const qsizetype wanted = qsizetype(std::min<qint64>(available, FlowControl::ReadChunkSize));
    if (m_buffer.size() < wanted)
        m_buffer.resize(std::max(wanted, FlowControl::MinimumBufferSize));
    const qint64 got = m_socket->read(m_buffer.data(), wanted);
    m_position = 0;
    m_end = got > 0 ? qsizetype(got) : 0;
    return m_end > 0;
}

bool SocketExchange::drained() const
{
    if (m_position != m_end)
        return false;
#if QTSSE_DIRECT_SOCKET_READS
    if (m_fd >= 0)
        return !m_readable;
#endif
    return m_socket->bytesAvailable() <= 0;
}

// Gives the reader the buffered bytes it has not taken. A step that took nothing and gave
// nothing (NeedMore or Body: a correct reader never returns it with bytes to read) would make
// the loops below spin: it concludes the exchange instead, and gives std::nullopt.
std::optional<HttpResponseReader::Step> SocketExchange::nextStep(QByteArrayView *piece,
                                                                 bool fromCall)
{
    qsizetype used = 0;
    const HttpResponseReader::Step step = m_reader.next(
            QByteArrayView(m_buffer.constData() + m_position, m_end - m_position), &used, piece);
    m_position += used;
    if (used == 0 && piece->isEmpty()
        && (step == HttpResponseReader::Step::NeedMore || step == HttpResponseReader::Step::Body)) {
        conclude(Failure::Protocol, tr("The HTTP response reader made no progress"), fromCall);
        return std::nullopt;
    }
    return step;
}

// Reads up to the final response's head (from the socket's slots only).
void SocketExchange::readHead()
{
    for (;;) {
        if (m_position == m_end && !refill()) {
            if (m_inputEnded)
                endOfInput(false);
            return;
        }
        QByteArrayView piece;
        const std::optional<HttpResponseReader::Step> step = nextStep(&piece, false);
        if (!step)
            return;
        switch (*step) {
        case HttpResponseReader::Step::NeedMore:
            continue;
        case HttpResponseReader::Step::Head:
            break;
        case HttpResponseReader::Step::Error:
            return conclude(Failure::Protocol, m_reader.errorString(), false);
        case HttpResponseReader::Step::Body:
        case HttpResponseReader::Step::End:
            return conclude(Failure::Protocol, tr("The HTTP response reader ended before a head"),
                            false);
        }
        break;
    }

    m_headReceived = true;
    if (m_saveCookies)
        saveCookies(m_jar, m_reader.headers(), m_url);
    const QPointer<SocketExchange> self(this);
    Q_EMIT headReceived();
    if (!self || m_concluded)
        return;
    if (!drained()) {
        Q_EMIT readyRead();
        return;
    }
    // Nothing follows the head yet: the response may be complete already (no body, or an
    // empty one).
    concludeIfComplete(false);
}

// Every byte received went to the reader: the response may be complete (the reader says so
// only when asked again, with nothing: a Content-Length body's last bytes come as Body), or
// the input ended.
void SocketExchange::concludeIfComplete(bool fromCall)
{
    qsizetype used = 0;
    QByteArrayView piece;
    const HttpResponseReader::Step step = m_reader.next(QByteArrayView(), &used, &piece);
    if (step == HttpResponseReader::Step::End)
        conclude(Failure::None, QString(), fromCall);
    else if (step == HttpResponseReader::Step::Error)
        conclude(Failure::Protocol, m_reader.errorString(), fromCall);
    else if (m_inputEnded)
        endOfInput(fromCall);
}

// Every byte the socket had was read: the exchange ends as the reader says of the close.
void SocketExchange::endOfInput(bool fromCall)
{
    if (!m_socketError.isEmpty())
        return conclude(Failure::Network, m_socketError, fromCall);
    if (m_reader.closed() == HttpResponseReader::Step::End)
        return conclude(Failure::None, QString(), fromCall);
    QString text = m_reader.errorString();
    if (text.isEmpty())
        text = tr("The connection closed in the middle of the HTTP response");
    conclude(Failure::Network, text, fromCall);
}

QByteArrayView SocketExchange::readChunk()
{
    if (!m_headReceived || m_concluded)
        return {};
    const InCall inCall(m_inCall);
    for (;;) {
        if (m_position == m_end && !refill()) {
            concludeIfComplete(true);
            return {};
        }
        QByteArrayView piece;
        const std::optional<HttpResponseReader::Step> step = nextStep(&piece, true);
        if (!step)
            return {};
        switch (*step) {
        case HttpResponseReader::Step::Body:
            if (!piece.isEmpty())
                return piece;
            continue;
        case HttpResponseReader::Step::NeedMore:
            continue;
        case HttpResponseReader::Step::End:
            conclude(Failure::None, QString(), true);
            return {};
        case HttpResponseReader::Step::Error:
            conclude(Failure::Protocol, m_reader.errorString(), true);
            return {};
        case HttpResponseReader::Step::Head:
            conclude(Failure::Protocol, tr("The HTTP response reader found a second head"), true);
            return {};
        }
    }
}

// The outcome is decided: the connection closes now, finished() follows, from the event loop
// when the decision was made inside a call of the state machine.
void SocketExchange::conclude(Failure failure, const QString &errorString, bool fromCall)
{
    if (m_concluded)
        return;
    m_concluded = true;
    m_failure = failure;
    m_errorString = errorString;
    closeSocket();
    if (fromCall || m_inCall > 0)
        QMetaObject::invokeMethod(this, &SocketExchange::emitFinished, Qt::QueuedConnection);
    else
        emitFinished();
}

void SocketExchange::emitFinished()
{
    if (m_aborted || m_finished)
        return;
    m_finished = true;
    Q_EMIT finished();
}

void SocketExchange::closeSocket()
{
    closeDirectReads();
    if (!m_socket)
        return; // never started
    disconnect(m_socket, nullptr, this, nullptr);
    if (m_closeLater) {
        // From sslErrors(): the socket drops the connection itself when the slot returns
        // without ignoring them; abort it from the event loop all the same.
        QAbstractSocket *const socket = m_socket;
        QMetaObject::invokeMethod(
                socket, [socket] { socket->abort(); }, Qt::QueuedConnection);
        return;
    }
    m_socket->abort();
}

void SocketExchange::abort()
{
    if (m_aborted)
        return;
    const InCall inCall(m_inCall);
    m_aborted = true;
    if (!m_concluded) {
        m_concluded = true;
        closeSocket();
    }
}

int SocketExchange::statusCode() const
{
    return m_headReceived ? m_reader.statusCode() : 0;
}

QByteArray SocketExchange::reasonPhrase() const
{
    return m_headReceived ? m_reader.reasonPhrase() : QByteArray();
}

QByteArray SocketExchange::header(QByteArrayView name) const
{
    return m_headReceived ? m_reader.header(name) : QByteArray();
}

QList<QPair<QByteArray, QByteArray>> SocketExchange::headers() const
{
    return m_headReceived ? m_reader.headers() : QList<QPair<QByteArray, QByteArray>>();
}

} // namespace QtSse
