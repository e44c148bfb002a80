// SPDX-License-Identifier: MIT
// linescan_check [FILE...]: the parser's line-end search (src/linescan_p.h) on this machine's
// vector path (SSE2, NEON, or none) against the scalar loop, at every alignment: one or two line
// ends at every position of short buffers, pseudo-random buffers of every CR/LF density, and the
// bytes of each FILE (the parse vectors, fuzz seeds) walked line end by line end from 64 start
// offsets. Prints the comparisons made; exits 1 at the first disagreement. Free of Qt, so that
// scripts/arm64.sh builds it with a cross compiler and runs it under qemu-user.
#include "linescan_p.h"
#include "xorshift64.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using QtSse::LineScan::findLineEnd;
using QtSse::LineScan::findLineEndScalar;

std::uint64_t comparisons = 0;

// Every line end of [begin, end) found by both, in turn.
bool walk(const char *begin, const char *end, const char *what)
{
    const char *p = begin;
    for (;;) {
        const char *vector = findLineEnd(p, end);
        const char *scalar = findLineEndScalar(p, end);
        ++comparisons;
        if (vector != scalar) {
            std::fprintf(stderr,
                         "MISMATCH (%s): from offset %td of %td bytes: vector %td, scalar %td\n",
                         what, p - begin, end - begin, vector ? vector - begin : -1,
                         scalar ? scalar - begin : -1);
            return false;
        }
        if (!scalar)
            return true;
        p = scalar + 1;
    }
}

} // namespace

int main(int argc, char **argv)
{
    // 64 bytes of slack on both sides: every start alignment, and reads stay in the buffer.
    std::vector<char> buffer(64 + 512 + 64);
    const char fillers[] = { 'a', '\0', '\x7f', '\x80', '\xff', '\x0b', '\x0e' };
    const char ends[] = { '\r', '\n' };

    // One line end (or none, pos == len) at every position of every length up to 160, from 17
    // start alignments, over bytes next to CR and LF in value.
    for (const char filler : fillers) {
        for (int offset = 0; offset < 17; ++offset) {
            char *const base = buffer.data() + 64 + offset;
            for (int len = 0; len <= 160; ++len) {
                for (int pos = 0; pos <= len; ++pos) {
                    for (const char end : ends) {
                        std::fill(buffer.begin(), buffer.end(), filler);
                        if (pos < len)
                            base[pos] = end;
                        if (!walk(base, base + len, "one line end"))
                            return 1;
                    }
                }
            }
        }
    }
    // Two line ends at every pair of positions in 130 bytes: the first one is found.
    for (int first = 0; first < 130; ++first) {
        for (int second = first; second < 130; ++second) {
            std::fill(buffer.begin(), buffer.end(), 'x');
            char *const base = buffer.data() + 64 + 3;
            base[first] = '\n';
            base[second] = '\r';
            if (!walk(base, base + 130, "two line ends"))
                return 1;
        }
    }
    // Pseudo-random buffers: lengths up to 512, line ends from one in 2 to one in 4096 bytes.
    QtSseTest::XorShift64 random;
    for (int round = 0; round < 200000; ++round) {
        const int len = int(random.next() % 513);
        const int offset = int(random.next() % 64);
        const std::uint64_t density = std::uint64_t(1) << (1 + random.next() % 12);
        char *const base = buffer.data() + 64 + offset;
        for (int i = 0; i < len; ++i) {
            const std::uint64_t r = random.next();
            base[i] = r % density == 0 ? ends[(r >> 32) & 1] : char(r >> 40);
            if ((base[i] == '\r' || base[i] == '\n') && r % density != 0)
                base[i] = 'y';
        }
        if (!walk(base, base + len, "random"))
            return 1;
    }
    // The files: from 64 start offsets each.
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot read %s\n", argv[i]);
            return 2;
        }
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        for (std::size_t offset = 0; offset < 64 && offset <= bytes.size(); ++offset) {
            if (!walk(bytes.data() + offset, bytes.data() + bytes.size(), argv[i]))
                return 1;
        }
        ++files;
    }
    std::printf("linescan_check: vector path %s, %llu comparisons with the scalar loop (%d "
                "files), 0 mismatches\n",
                QtSse::LineScan::VectorPath, static_cast<unsigned long long>(comparisons), files);
    return 0;
}
