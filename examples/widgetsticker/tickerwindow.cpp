// SPDX-License-Identifier: MIT
#include "tickerwindow.h"

#include <QtCore/qdatetime.h>
#include <QtCore/qidentityproxymodel.h>
#include <QtCore/qjsonobject.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtWidgets/qboxlayout.h>
#include <QtWidgets/qheaderview.h>
#include <QtWidgets/qlabel.h>
#include <QtWidgets/qpushbutton.h>
#include <QtWidgets/qtableview.h>

using namespace Qt::StringLiterals;
using QtSse::EventModel;
using QtSse::EventSource;

namespace {

// EventModel is a list: one row per event, one role per field. A table wants one column per
// field, so this proxy turns roles into columns.
class RolesAsColumns : public QIdentityProxyModel
{
public:
    struct Column
    {
        QString title;
        int role;
    };
    explicit RolesAsColumns(QList<Column> columns, QObject *parent = nullptr)
        : QIdentityProxyModel(parent), m_columns(std::move(columns))
    {
    }
    int columnCount(const QModelIndex &parent = QModelIndex()) const override
    {
        return parent.isValid() ? 0 : int(m_columns.size());
    }
    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override
    {
        return hasIndex(row, column, parent) ? createIndex(row, column) : QModelIndex();
    }
    QModelIndex mapToSource(const QModelIndex &proxy) const override
    {
        return proxy.isValid() ? sourceModel()->index(proxy.row(), 0) : QModelIndex();
    }
    QModelIndex mapFromSource(const QModelIndex &source) const override
    {
        return source.isValid() ? createIndex(source.row(), 0) : QModelIndex();
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || role != Qt::DisplayRole)
            return {};
        const QVariant value = mapToSource(index).data(m_columns.at(index.column()).role);
        if (value.metaType() == QMetaType::fromType<QDateTime>())
            return value.toDateTime().toString(u"HH:mm:ss.zzz"_s);
        return value;
    }
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section < m_columns.size())
            return m_columns.at(section).title;
        return QIdentityProxyModel::headerData(section, orientation, role);
    }

private:
    QList<Column> m_columns;
};

} // namespace

TickerWindow::TickerWindow(const QUrl &url, QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("QtSse ticker (Widgets)"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_price = new QLabel(tr("waiting for the first tick"), central);
    m_price->setStyleSheet(u"font-size: 28pt; font-weight: bold;"_s);
    m_status = new QLabel(central);
    // It shows errorString(), which quotes the server's error body: as plain text, so that a
    // server cannot style it or make it load remote images (Qt::AutoText renders rich text).
    m_status->setTextFormat(Qt::PlainText);
    auto *drop = new QPushButton(tr("Drop connections on the server"), central);
    m_table = new QTableView(central);
    auto *columns = new RolesAsColumns({ { tr("Received"), EventModel::ReceivedAtRole },
                                         { tr("Type"), EventModel::TypeRole },
                                         { tr("ID"), EventModel::LastEventIdRole },
                                         { tr("Data"), EventModel::DataRole } },
                                       this);
    columns->setSourceModel(&m_model);
    m_table->setModel(columns);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    layout->addWidget(m_price);
    layout->addWidget(m_status);
    layout->addWidget(drop);
    layout->addWidget(m_table);
    setCentralWidget(central);
    resize(720, 480);

    // The model keeps the newest 200 events of every type, newest on top.
    m_model.setMaximumCount(200);
    m_model.setNewestFirst(true);
    m_model.setSource(&m_source);

    // One named event type, straight into a member function: no string comparison here.
    m_source.addEventListener(u"tick"_s, this, &TickerWindow::onTick);
    connect(&m_source, &EventSource::eventReceived, this, [this] { ++m_received; });
    connect(&m_source, &EventSource::readyStateChanged, this, &TickerWindow::updateStatus);
    // The countdown: from when the source schedules a reconnect, for as long as it waits.
    connect(&m_source, &EventSource::reconnectDelayChanged, this, [this](int delay) {
        m_reconnectAt = delay >= 0 ? QDateTime::currentMSecsSinceEpoch() + delay : 0;
        updateStatus();
    });
    connect(&m_source, &EventSource::errorChanged, this, &TickerWindow::updateStatus);
    connect(&m_countdown, &QTimer::timeout, this, &TickerWindow::updateStatus);
    m_countdown.start(200);

    m_control = new QNetworkAccessManager(this);
    connect(drop, &QPushButton::clicked, this, &TickerWindow::dropConnections);

    m_source.setUrl(url);
    m_source.open();
    updateStatus();
}

void TickerWindow::onTick(const QtSse::MessageEvent &event)
{
    const double price = event.json().toObject().value(u"price"_s).toDouble();
    const QString arrow = price > m_lastPrice ? u"\u25B2"_s
            : price < m_lastPrice             ? u"\u25BC"_s
                                              : QString();
    m_lastPrice = price;
    m_price->setText(u"QT  %1 %2"_s.arg(price, 0, 'f', 2).arg(arrow));
}

void TickerWindow::updateStatus()
{
    QString text;
    switch (m_source.readyState()) {
    case EventSource::Connecting:
        text = m_reconnectAt > 0
                ? tr("Reconnecting in %1 s (%2)")
                          .arg(qMax<qint64>(0, m_reconnectAt - QDateTime::currentMSecsSinceEpoch())
                                       / 1000.0,
                               0, 'f', 1)
                          .arg(m_source.errorString())
                : tr("Connecting to %1").arg(m_source.url().toDisplayString());
        break;
    case EventSource::Open:
        text = tr("Open: %1 (last event ID %2)")
                       .arg(m_source.url().toDisplayString(), m_source.lastEventId());
        break;
    case EventSource::Closed:
        text = tr("Closed: %1").arg(m_source.errorString());
        break;
    }
    m_status->setText(text);
}

void TickerWindow::dropConnections()
{
    QUrl control = m_source.url();
    control.setPath(u"/control/drop"_s);
    QNetworkReply *reply = m_control->post(QNetworkRequest(control), QByteArray());
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
}
