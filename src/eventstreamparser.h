// SPDX-License-Identifier: MIT
#ifndef QTSSE_EVENTSTREAMPARSER_H
#define QTSSE_EVENTSTREAMPARSER_H

#include "qtsse_global.h"
#include "messageevent.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qbytearrayview.h>
#include <QtCore/qstring.h>

namespace QtSse {

class QTSSE_EXPORT EventStreamParser
{
public:
    class QTSSE_EXPORT Handler
    {
    public:
        virtual ~Handler();
        virtual bool handleEvent(const MessageEvent &event) = 0;
        virtual bool handleRetry(qint64 milliseconds);
        virtual bool handleComment(const QString &text);
        virtual bool handleSkippedEvent(const QString &type, qint64 size);
    };

    enum class Status {
        Ok,
        Stopped,
        EventTooLarge,
    };

    static constexpr qint64 DefaultMaximumEventSize = qint64(16) * 1024 * 1024;

    explicit EventStreamParser(Handler *handler = nullptr);
    ~EventStreamParser();
    EventStreamParser(const EventStreamParser &) = delete;
    EventStreamParser &operator=(const EventStreamParser &) = delete;

    Handler *handler() const { return m_handler; }
    void setHandler(Handler *handler) { m_handler = handler; }

    qint64 maximumEventSize() const { return m_maximumEventSize; }
    void setMaximumEventSize(qint64 bytes);

    bool skipOversizedEvents() const { return m_skipOversized; }
    void setSkipOversizedEvents(bool skip) { m_skipOversized = skip; }

    QString origin() const { return m_origin; }
    void setOrigin(const QString &origin) { m_origin = origin; }

    void startBody();
    void startBody(const QString &lastEventId);

    Status feed(QByteArrayView bytes);
    Status flush();
    void finishBody();

    Status status() const { return m_status; }
    QString lastEventId() const { return m_event.lastEventId(); }
    quint64 lastEventIdChanges() const { return m_lastEventIdChanges; }
    void setLastEventId(const QString &id);
    qint64 bufferedSize() const;

    static QString decodeUtf8(QByteArrayView bytes);

private:
    Status processBytes(const char *begin, const char *end);
    Status processLines(const char *p, const char *end);
    bool processLine(const char *line, qsizetype length, bool inChunk);
    bool dispatch();
    void flushChunkReferences();
    Status dropTooLargeEvent();
    bool startSkipping(qint64 pending);
    bool dispatchSkipped();
    bool overCap(qint64 pending) const;
    // Bytes of the id the current block would commit (referred to in the chunk or copied).
    qint64 pendingIdSize() const
    {
        return !m_idPending ? 0 : m_idRef ? m_idRefLength : m_pendingId.size();
    }
    void startStreaming(const char *line, const char *end);
    const char *streamLine(const char *p, const char *end);
    const char *pastLineEnd(const char *eol, const char *end);
    void finishStreamedLine();
    void appendText(const char *p, const char *end, bool complete);
    const char *decodeHeld(const char *p, const char *end, bool complete);
    void hold(const char *p, const char *end);
    void endText(bool keepBuffer = false);

    Handler *m_handler = nullptr;
    qint64 m_maximumEventSize = DefaultMaximumEventSize;
    Status m_status = Status::Ok;

    QByteArray m_line; // unfinished line carried over from an earlier chunk
    QByteArray m_data; // raw data buffer: values, each followed by LF
    QByteArray m_eventType; // raw event-type buffer
    QByteArray m_pendingId; // raw last-event-ID buffer (valid when m_idPending)
    // While one chunk is parsed, a block's first data value and its id value are referred to
    // in the chunk itself instead of being copied into m_data and m_pendingId; whatever is
    // still referred to when the chunk ends is copied then (flushChunkReferences()).
    const char *m_dataRef = nullptr; // m_data is empty while set: the data is this value + LF
    qsizetype m_dataRefLength = 0;
    const char *m_idRef = nullptr; // the pending id, in place of m_pendingId
    qsizetype m_idRefLength = 0;
    // A block's first data line, when a chunk leaves it unfinished, is decoded as it arrives
    // instead of being gathered in m_line ("streaming"): the block's data is then text, in
    // m_text, and later data lines of the block are decoded into it too. m_textBytes and m_streamLineBytes count
    // what m_data and m_line would hold, so limits apply exactly as to bytes.
    QString m_text; // the block's data values so far, decoded, joined by LF (while m_textMode)
    qint64 m_textBytes = 0; // bytes of those values, each with its LF
    qint64 m_streamLineBytes = 0; // bytes of the streamed line so far, its field name included
    qsizetype m_streamValueOffset = 0; // where the streamed line's value starts: 5 or 6
    char m_held[4] = {}; // the streamed value's last bytes, perhaps an unfinished character
    int m_heldCount = 0;
    bool m_textMode = false;
    bool m_streaming = false;
    QByteArray m_cachedTypeBytes;
    QString m_cachedType; // decoded m_cachedTypeBytes, reused while a stream repeats it
    QString m_origin;
    MessageEvent m_event; // the event handed to the handler, refilled for each dispatch;
            // its lastEventId is the committed last event ID
    QString m_spareId; // the committed id before the current one, for its buffer
    quint64 m_lastEventIdChanges = 0;
    qsizetype m_windowPeak = 0; // largest line, data buffer or text of the current retain window
    int m_windowEvents = 0;
    int m_bomMatched = 0; // bytes of a leading BOM seen so far
    bool m_atBodyStart = true;
    bool m_skipLf = false; // the previous chunk ended in CR: drop one LF if it comes next
    bool m_idPending = false; // an id field was seen in the current block
    bool m_skipOversized = false; // an event over the limit is skipped, not the end of parsing
    bool m_skipping = false; // the current block outgrew the limit: its data is counted, not kept
    bool m_skipLine = false; // the rest of the current line is dropped unparsed
    qint64 m_skippedSize = 0; // bytes of the skipped block's lines seen so far
};

} // namespace QtSse

#endif // QTSSE_EVENTSTREAMPARSER_H
