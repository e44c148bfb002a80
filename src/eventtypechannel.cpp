// SPDX-License-Identifier: MIT
#include "eventsource.h"

namespace QtSse {

/*!
    \class QtSse::EventTypeChannel
    \inmodule QtSse
    \inheaderfile QtSse/EventSource
    \since QtSse 0.1
    \brief Emits the events of one type from an EventSource.

    EventSource::eventChannel() returns the channel of a type; connect to its received() signal
    to get exactly the events of that type, without comparing strings in every slot.
    EventSource::addEventListener() does that in one call. Channels are owned by their source.
*/

/*!
    \internal
    Constructs a channel for events of \a type, owned by \a parent. Only
    EventSource::eventChannel() creates channels.
*/
EventTypeChannel::EventTypeChannel(const QString &type, QObject *parent)
    : QObject(parent), m_type(type)
{
}

/*!
    \fn QString QtSse::EventTypeChannel::type() const
    Returns the event type this channel emits.
*/

/*!
    \fn void QtSse::EventTypeChannel::received(const QtSse::MessageEvent &event)
    Emitted for every dispatched \a event of type type().
*/

} // namespace QtSse
