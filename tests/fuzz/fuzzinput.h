// SPDX-License-Identifier: MIT
// The input layout both fuzz targets share (fuzz_parser.cpp, fuzz_http.cpp; make_seeds.cpp
// writes it, seed_runner.cpp keeps its head when it mutates a seed): one control byte, then
// 2 * k bytes of split offsets, then the bytes under test.
//   control & 0x1F = k, the number of split offsets (little-endian 16-bit, taken modulo the
//                    size of the bytes + 1; repeated offsets make zero-length reads);
//   the control byte's three high bits are the target's own.
#ifndef QTSSE_FUZZINPUT_H
#define QTSSE_FUZZINPUT_H

#include <QtCore/qbytearray.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace QtSseFuzz {

struct Input
{
    unsigned control = 0; // the whole control byte
    size_t splitCount = 0; // k
    QByteArray bytes; // a copy of the bytes under test
    std::vector<qsizetype> cuts; // sorted
};

// std::nullopt where the data is too short for its own control byte.
inline std::optional<Input> decodeInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return std::nullopt;
    Input input;
    input.control = data[0];
    input.splitCount = input.control & 0x1F;
    const size_t head = 1 + 2 * input.splitCount;
    if (size < head)
        return std::nullopt;
    input.bytes = QByteArray(reinterpret_cast<const char *>(data + head), qsizetype(size - head));
    input.cuts.reserve(input.splitCount);
    for (size_t i = 0; i < input.splitCount; ++i) {
        const unsigned offset = unsigned(data[1 + 2 * i]) | (unsigned(data[2 + 2 * i]) << 8);
        input.cuts.push_back(qsizetype(offset % (size_t(input.bytes.size()) + 1)));
    }
    std::sort(input.cuts.begin(), input.cuts.end());
    return input;
}

// The offsets that feed BYTES one byte at a time.
inline std::vector<qsizetype> everyByte(const QByteArray &bytes)
{
    std::vector<qsizetype> cuts;
    for (qsizetype i = 1; i < bytes.size(); ++i)
        cuts.push_back(i);
    return cuts;
}

} // namespace QtSseFuzz

#endif // QTSSE_FUZZINPUT_H
