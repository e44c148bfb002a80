// SPDX-License-Identifier: MIT
#include "managerpool_p.h"
#include "logging_p.h"

#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkcookiejar.h>
#include <QtNetwork/qnetworkproxy.h>

using namespace Qt::StringLiterals;

namespace QtSse {

Q_GLOBAL_STATIC(ManagerPool, globalManagerPool)

ManagerPool *ManagerPool::instance()
{
    return globalManagerPool();
}

QString ManagerPool::hostKey(const QUrl &url)
{
    return url.scheme() + "://"_L1 + url.host() + u':'
            + QString::number(url.port(url.scheme() == "https"_L1 ? 443 : 80));
}

bool ManagerPool::tryAcquire(QNetworkAccessManager *manager, const QString &key)
{
    QMutexLocker locker(&m_mutex);
    const int limit = m_http2.value(manager).contains(key) ? Http2StreamsPerHost : StreamsPerHost;
    const std::pair<QNetworkAccessManager *, QString> stream{ manager, key };
    const int count = m_counts.value(stream);
    if (count >= limit)
        return false;
    m_counts.insert(stream, count + 1);
    return true;
}

void ManagerPool::release(QNetworkAccessManager *manager, const QString &key)
{
    QMutexLocker locker(&m_mutex);
    const auto it = m_counts.find({ manager, key });
    if (it != m_counts.end() && --it.value() <= 0)
        m_counts.erase(it);
}

int ManagerPool::count(QNetworkAccessManager *manager, const QString &key)
{
    QMutexLocker locker(&m_mutex);
    return m_counts.value({ manager, key });
}

void ManagerPool::markHttp2(QNetworkAccessManager *manager, const QString &key)
{
    QMutexLocker locker(&m_mutex);
    if (!m_http2.contains(manager))
        QObject::connect(manager, &QObject::destroyed, manager, [this, manager] {
            QMutexLocker guard(&m_mutex);
            m_http2.remove(manager);
        });
    m_http2[manager].insert(key);
}

bool ManagerPool::isHttp2(QNetworkAccessManager *manager, const QString &key)
{
    QMutexLocker locker(&m_mutex);
    return m_http2.value(manager).contains(key);
}

ManagerHandle::ManagerHandle(QObject *owner, std::function<void()> streamLost, ManagerPool *pool)
    : m_owner(owner), m_streamLost(std::move(streamLost)), m_pool(pool)
{
}

ManagerHandle::~ManagerHandle()
{
    QObject::disconnect(m_managerDestroyed);
    endLease();
}

void ManagerHandle::setManager(QNetworkAccessManager *manager)
{
    if (m_manager == manager)
        return;
    if (m_ownsManager && m_manager) {
        if (m_inUse == m_manager)
            m_retired = m_manager;
        else
            m_manager->deleteLater();
    }
    dropOverflowManager();
    QObject::disconnect(m_managerDestroyed);
    m_manager = manager;
    m_ownsManager = false;
    m_injected = manager != nullptr;
    if (!manager)
        return;
    // If the application destroys its manager, a stream on our overflow manager ends too
    // (C-16), and the overflow manager must not keep the borrowed cookie jar.
    m_managerDestroyed = QObject::connect(manager, &QObject::destroyed, m_owner, [this] {
        if (!m_overflow)
            return;
        if (m_inUse && m_inUse == m_overflow)
            m_streamLost();
        dropOverflowManager();
    });
}

QNetworkAccessManager *ManagerHandle::acquire(const QUrl &url)
{
    if (!m_manager) {
        if (m_injected)
            return nullptr; // the application's manager was destroyed (C-16)
        m_manager = new QNetworkAccessManager(m_owner);
        m_ownsManager = true;
    }
    if (m_ownsManager) {
        m_inUse = m_manager; // one stream at a time on a manager of our own: no limit to meet
        return m_manager;
    }
    const QString key = ManagerPool::hostKey(url);
    if (m_pool->tryAcquire(m_manager, key)) {
        m_counted = m_manager;
        m_countedKey = key;
        m_inUse = m_manager;
        return m_manager;
    }
    if (!m_overflow) {
        qCInfo(lcEventSource) << "more than" << ManagerPool::StreamsPerHost << "streams to" << key
                              << "on a shared network access manager; this one uses its own";
        m_overflow = new QNetworkAccessManager(m_owner);
        if (QNetworkCookieJar *jar = m_manager->cookieJar()) {
            QObject *jarParent = jar->parent();
            m_overflow->setCookieJar(jar); // takes ownership ...
            jar->setParent(jarParent);     // ... which stays with the shared manager
        }
        m_overflow->setProxy(m_manager->proxy());
    }
    m_inUse = m_overflow;
    return m_overflow;
}

void ManagerHandle::endLease()
{
    m_inUse = nullptr;
    if (!m_counted)
        return;
    m_pool->release(m_counted, m_countedKey);
    m_counted = nullptr;
}

void ManagerHandle::deleteRetired()
{
    for (QPointer<QNetworkAccessManager> *retired : { &m_retired, &m_retiredOverflow }) {
        if (*retired)
            (*retired)->deleteLater();
        *retired = nullptr;
    }
}

void ManagerHandle::noteHttp2(const QUrl &url)
{
    if (!m_ownsManager && m_manager)
        m_pool->markHttp2(m_manager, ManagerPool::hostKey(url));
}

void ManagerHandle::dropOverflowManager()
{
    if (!m_overflow)
        return;
    // Give the borrowed jar back before the manager goes (it would delete only its own).
    m_overflow->setCookieJar(new QNetworkCookieJar(m_overflow));
    if (m_inUse && m_inUse == m_overflow)
        m_retiredOverflow = m_overflow;
    else
        m_overflow->deleteLater();
    m_overflow = nullptr;
}

} // namespace QtSse
