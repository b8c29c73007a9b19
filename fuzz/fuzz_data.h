/* SPDX-License-Identifier: MIT */
/* The data producer shared by the fuzz targets: it carves typed values
 * (integers, choices, byte strings) out of the fuzz input, and on top of that
 * builds the things routing needs: route patterns biased to overlap (shared
 * prefixes, static and param siblings, params with static text, catch-alls,
 * trailing slashes, legacy :p and *p), method sets, and request paths derived
 * from patterns (so that most requests hit or nearly hit a route).
 *
 * Every function is total: when the input runs out, values read as 0 and the
 * generators produce small, valid output. Nothing here allocates. */
#ifndef RTM_FUZZ_FUZZ_DATA_H
#define RTM_FUZZ_FUZZ_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Byte cursor ---- */

typedef struct fuzz_data {
    const uint8_t *data;
    size_t size;
    size_t pos; /* next unread byte */
} fuzz_data;

void fuzz_data_init(fuzz_data *fd, const uint8_t *data, size_t size);
size_t fuzz_data_left(const fuzz_data *fd);
uint8_t fuzz_u8(fuzz_data *fd);
uint16_t fuzz_u16(fuzz_data *fd);
uint32_t fuzz_u32(fuzz_data *fd);
/* A value in [lo, hi] (inclusive); one byte when the range fits in one. */
unsigned fuzz_range(fuzz_data *fd, unsigned lo, unsigned hi);
/* True with probability about in256 / 256. */
bool fuzz_chance(fuzz_data *fd, unsigned in256);

/* ---- Bounded output buffer ---- */

/* Appends never write past cap; `overflow` records that something was cut. */
typedef struct fuzz_buf {
    char *p;
    size_t len, cap;
    bool overflow;
} fuzz_buf;

void fuzz_buf_init(fuzz_buf *b, char *storage, size_t cap);
void fuzz_buf_put(fuzz_buf *b, const void *s, size_t n);
void fuzz_buf_putc(fuzz_buf *b, char c);
void fuzz_buf_puts(fuzz_buf *b, const char *s);

/* ---- Deterministic PRNG (for shuffles chosen by a fuzz seed) ---- */

typedef struct fuzz_rng {
    uint64_t s;
} fuzz_rng;

void fuzz_rng_seed(fuzz_rng *g, uint64_t seed);
uint64_t fuzz_rng_next(fuzz_rng *g);
/* Shuffle idx[0..n) in place (Fisher-Yates). */
void fuzz_rng_shuffle(fuzz_rng *g, unsigned *idx, size_t n);

/* ---- Routing generators ---- */

/* A method set for rtm_add/rtm_remove: mostly one named method or ANY, at
 * times several, rarely an invalid set (0 or unknown bits). */
unsigned fuzz_gen_methods(fuzz_data *fd);
/* A request method (rtm_method value 0..9, GET most often). */
unsigned fuzz_gen_request_method(fuzz_data *fd);

/* A pattern drawn from every SPEC form. `prev`/`prev_len` are earlier
 * patterns (may be n = 0): with good odds the new one copies a prefix of one
 * of them. Rarely the result is malformed on purpose, or raw input bytes.
 * Returns the length written to out (at most cap). */
size_t fuzz_gen_pattern(fuzz_data *fd, const char *const *prev, const size_t *prev_len, size_t n,
                        char *out, size_t cap);

/* A request path: mostly derived from one of the patterns (params filled
 * with values that stress greedy splits, catch-alls with several segments),
 * then maybe mutated (trailing '/' toggled, a segment dropped or added, a
 * byte changed); otherwise raw bytes, "/", or the empty path. */
size_t fuzz_gen_path(fuzz_data *fd, const char *const *pats, const size_t *pat_len, size_t n,
                     char *out, size_t cap);

/* Render a canonical shape ("/a/{}.{}/{*}") as a pattern with fresh
 * parameter names `prefix`0, `prefix`1, ... With `legacy`, a segment that is
 * exactly "{}" is written ":name" and a last segment "{*}" is written
 * "*name". Returns the length (out is cut at cap: check against cap). */
size_t fuzz_render_shape(const char *shape, size_t len, const char *prefix, bool legacy, char *out,
                         size_t cap);

/* Write bytes for a human: printable ASCII as is, the rest as \xHH. */
void fuzz_print_bytes(const char *label, const char *s, size_t n);

#endif
