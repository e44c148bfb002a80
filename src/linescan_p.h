// SPDX-License-Identifier: MIT
#ifndef QTSSE_LINESCAN_P_H
#define QTSSE_LINESCAN_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QtSse API. It exists for the convenience of the QtSse
// implementation. It may change from version to version without notice, or even be removed.
//

// The parser's search for the next line end (CR or LF), with a vector path on every x86-64
// compiler (SSE2: GCC, Clang, clang-cl and MSVC, which defines no __SSE2__) and on ARM64 (NEON),
// and the scalar loop every path must agree with. Header-only and free of Qt, so that the
// cross-check (tests/auto/eventstreamparser/linescan_check.cpp) builds for another architecture
// with nothing but a cross compiler and runs under qemu-user (scripts/arm64.sh); the
// parser tests and the fuzzer compare the paths too.

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#  define QTSSE_LINESCAN_SSE2 1
#  include <emmintrin.h>
#elif (defined(__aarch64__) || defined(_M_ARM64)) && !defined(__ARM_BIG_ENDIAN)
#  define QTSSE_LINESCAN_NEON 1
#  include <arm_neon.h>
#endif
#if defined(_MSC_VER) && !defined(__clang__)
#  include <intrin.h>
#endif

namespace QtSse {
namespace LineScan {

// The vector path this build compiled: "sse2", "neon" or "none".
#if defined(QTSSE_LINESCAN_SSE2)
constexpr const char VectorPath[] = "sse2";
#elif defined(QTSSE_LINESCAN_NEON)
constexpr const char VectorPath[] = "neon";
#else
constexpr const char VectorPath[] = "none";
#endif

// The first CR or LF in [p, end), or nullptr: one byte at a time.
inline const char *findLineEndScalar(const char *p, const char *const end)
{
    for (; p < end; ++p) {
        if (*p == '\n' || *p == '\r')
            return p;
    }
    return nullptr;
}

// The index of the lowest set bit of a non-zero value.
inline int lowestSetBit(std::uint64_t value)
{
#if defined(_MSC_VER) && !defined(__clang__)
    unsigned long index;
#  if defined(_M_X64) || defined(_M_ARM64)
    _BitScanForward64(&index, value);
#  else
    if (!_BitScanForward(&index, static_cast<unsigned long>(value))) {
        _BitScanForward(&index, static_cast<unsigned long>(value >> 32));
        index += 32;
    }
#  endif
    return static_cast<int>(index);
#else
    return __builtin_ctzll(value);
#endif
}

// The first CR or LF in [p, end), or nullptr: both line ends are looked for in one pass, so
// each byte is read once however the lines end (P-06 to P-08). Short lines end within the first
// thirty-two bytes, looked at sixteen at a time; long ones go 64 bytes per step; the last bytes
// go one at a time.
inline const char *findLineEnd(const char *p, const char *const end)
{
#if defined(QTSSE_LINESCAN_SSE2)
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    const auto lineEnds = [&](const char *at) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
        return _mm_or_si128(_mm_cmpeq_epi8(bytes, cr), _mm_cmpeq_epi8(bytes, lf));
    };
    const auto mask = [](__m128i hits) {
        return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(hits)));
    };
    const int bytesPerBit = 1;
#elif defined(QTSSE_LINESCAN_NEON)
    const uint8x16_t cr = vdupq_n_u8('\r');
    const uint8x16_t lf = vdupq_n_u8('\n');
    const auto lineEnds = [&](const char *at) {
        const uint8x16_t bytes = vld1q_u8(reinterpret_cast<const std::uint8_t *>(at));
        return vorrq_u8(vceqq_u8(bytes, cr), vceqq_u8(bytes, lf));
    };
    // NEON has no movemask: narrowing each 16-bit lane by 4 leaves 4 bits per byte, in order.
    const auto mask = [](uint8x16_t hits) {
        const uint8x8_t nibbles = vshrn_n_u16(vreinterpretq_u16_u8(hits), 4);
        return vget_lane_u64(vreinterpret_u64_u8(nibbles), 0);
    };
    const int bytesPerBit = 4;
#endif
#if defined(QTSSE_LINESCAN_SSE2) || defined(QTSSE_LINESCAN_NEON)
    for (int step = 0; step < 2 && end - p >= 16; ++step) {
        if (const std::uint64_t hits = mask(lineEnds(p)))
            return p + lowestSetBit(hits) / bytesPerBit;
        p += 16;
    }
    while (end - p >= 64) {
#  if defined(QTSSE_LINESCAN_SSE2)
        const __m128i any = _mm_or_si128(_mm_or_si128(lineEnds(p), lineEnds(p + 16)),
                                         _mm_or_si128(lineEnds(p + 32), lineEnds(p + 48)));
        if (mask(any))
            break; // the hit is found sixteen bytes at a time below
#  else
        const uint8x16_t any = vorrq_u8(vorrq_u8(lineEnds(p), lineEnds(p + 16)),
                                        vorrq_u8(lineEnds(p + 32), lineEnds(p + 48)));
        if (vmaxvq_u8(any))
            break; // the hit is found sixteen bytes at a time below
#  endif
        p += 64;
    }
    while (end - p >= 16) {
        if (const std::uint64_t hits = mask(lineEnds(p)))
            return p + lowestSetBit(hits) / bytesPerBit;
        p += 16;
    }
#endif
    return findLineEndScalar(p, end);
}

} // namespace LineScan
} // namespace QtSse

#endif // QTSSE_LINESCAN_P_H
