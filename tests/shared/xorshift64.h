// SPDX-License-Identifier: MIT
#ifndef QTSSE_XORSHIFT64_H
#define QTSSE_XORSHIFT64_H

// The tests' seeded pseudo-random numbers: xorshift64 (Marsaglia, shifts 13, 7, 17), the same
// sequence on every machine and compiler, so that a failure found with it is found again. Used
// by the trees that cannot share a library: fuzz_parser_seeds (tests/fuzz, its own CMake project)
// and tst_linescan (tests/auto/eventstreamparser, cross-built alone for ARM64 by scripts/arm64.sh).
// Free of Qt, as tst_linescan is.

#include <cstdint>

namespace QtSseTest {

struct XorShift64
{
    std::uint64_t state = 0x9e3779b97f4a7c15u; // never 0, which xorshift would keep forever

    std::uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    // In [0, n), or 0 when n <= 0.
    std::int64_t below(std::int64_t n)
    {
        return n > 0 ? std::int64_t(next() % std::uint64_t(n)) : 0;
    }
};

} // namespace QtSseTest

#endif // QTSSE_XORSHIFT64_H
