/* SPDX-License-Identifier: MIT */
/* Word-at-a-time byte search ("SIMD within a register"), shared by the
 * pattern parser and the matchers' segment scans. On little-endian targets
 * (RTM__SWAR 1) the first byte in memory is the lowest of a loaded word. A
 * match mask has the high bit set in each byte that matches; only its
 * lowest set bit is exact (a borrow can flag a byte above a real match,
 * never below one), and that is the only bit callers may use. */
#ifndef RTM_LIB_SWAR_H
#define RTM_LIB_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RTM__SWAR 1
#else
#define RTM__SWAR 0
#endif

#define RTM__ONES  UINT64_C(0x0101010101010101)
#define RTM__HIGHS (RTM__ONES * 0x80)

/* 8 bytes from p, unaligned, in memory order (one load). */
static inline uint64_t rtm__load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Mask of the bytes of x equal to b. */
static inline uint64_t rtm__bytes_eq(uint64_t x, unsigned char b)
{
    uint64_t y = x ^ (RTM__ONES * b);
    return (y - RTM__ONES) & ~y & RTM__HIGHS;
}

/* Mask of the bytes of x below b (b <= 0x80). */
static inline uint64_t rtm__bytes_below(uint64_t x, unsigned char b)
{
    return (x - RTM__ONES * b) & ~x & RTM__HIGHS;
}

/* Index of the first byte flagged in a non-zero mask (little-endian). */
static inline size_t rtm__first_byte(uint64_t m)
{
    return (size_t)__builtin_ctzll(m) >> 3;
}

#endif
