// SPDX-License-Identifier: MIT
#ifndef TICKERWINDOW_H
#define TICKERWINDOW_H

#include <QtSse/EventModel>
#include <QtSse/EventSource>

#include <QtCore/qtimer.h>
#include <QtWidgets/qmainwindow.h>

QT_BEGIN_NAMESPACE
class QLabel;
class QNetworkAccessManager;
class QTableView;
QT_END_NAMESPACE

// A Qt Widgets client: QtSse::EventSource with signals and slots, one named event type through
// addEventListener(), and QtSse::EventModel shown in a QTableView.
class TickerWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit TickerWindow(const QUrl &url, QWidget *parent = nullptr);
    int eventsReceived() const { return m_received; }

private:
    void onTick(const QtSse::MessageEvent &event);
    void updateStatus();
    void dropConnections();

    QtSse::EventSource m_source;
    QtSse::EventModel m_model;
    QLabel *m_price = nullptr;
    QLabel *m_status = nullptr;
    QTableView *m_table = nullptr;
    QNetworkAccessManager *m_control = nullptr;
    QTimer m_countdown;
    qint64 m_reconnectAt = 0;
    double m_lastPrice = 0;
    int m_received = 0;
};

#endif // TICKERWINDOW_H
