/* SPDX-License-Identifier: MIT */
/* Segment rules shared by every algorithm: which of two canonical segments
 * ranks first, and how a mixed segment ("{}.{}", "v{}") splits one path
 * segment into its parameters. Nothing here knows about trees. */
#include "segment.h"

#include <string.h>

#include "pattern.h" /* rtm__seg_kind */

/* A mixed segment's static pieces: piece i is shape[off[i] .. off[i]+len[i]).
 * piece 0 is the text before the first "{}" (maybe empty), piece k the text
 * after param k (the last one maybe empty). */
typedef struct pieces {
    unsigned nparams;
    size_t off[RTM_MAX_PARAMS + 1];
    size_t len[RTM_MAX_PARAMS + 1];
} pieces;

static void split_pieces(const char *shape, size_t n, pieces *pc)
{
    size_t start = 0;
    pc->nparams = 0;
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == '{') { /* always "{}" in a mixed segment */
            pc->off[pc->nparams] = start;
            pc->len[pc->nparams] = i - start;
            pc->nparams++;
            i++;
            start = i + 1;
        }
    }
    pc->off[pc->nparams] = start;
    pc->len[pc->nparams] = n - start;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

static int rank_mixed(const char *a, size_t alen, const char *b, size_t blen)
{
    pieces pa, pb;
    split_pieces(a, alen, &pa);
    split_pieces(b, blen, &pb);
    size_t sa = alen - 2 * pa.nparams, sb = blen - 2 * pb.nparams;
    if (sa != sb)
        return sa > sb ? -1 : 1; /* more static bytes wins */
    if (pa.nparams != pb.nparams)
        return pa.nparams < pb.nparams ? -1 : 1; /* fewer params wins */
    if (pa.len[0] != pb.len[0])
        return pa.len[0] > pb.len[0] ? -1 : 1; /* longer leading static wins */
    /* Static pieces one by one from the left, empty ones skipped. */
    unsigned i = 0, j = 0;
    for (;;) {
        while (i <= pa.nparams && pa.len[i] == 0)
            i++;
        while (j <= pb.nparams && pb.len[j] == 0)
            j++;
        if (i > pa.nparams || j > pb.nparams)
            return (i <= pa.nparams) - (j <= pb.nparams);
        int c = cmp_bytes(a + pa.off[i], pa.len[i], b + pb.off[j], pb.len[j]);
        if (c != 0)
            return c;
        i++;
        j++;
    }
}

int rtm__seg_rank(unsigned akind, const char *a, size_t alen, unsigned bkind, const char *b,
                  size_t blen)
{
    if (akind != bkind)
        return akind < bkind ? -1 : 1;
    switch (akind) {
    case RTM__SEG_STATIC:
        return cmp_bytes(a, alen, b, blen);
    case RTM__SEG_MIXED:
        return rank_mixed(a, alen, b, blen);
    default:
        return 0;
    }
}

bool rtm__mixed_match(const char *shape, size_t shape_len, const char *s, size_t n, size_t *caps)
{
    pieces pc;
    split_pieces(shape, shape_len, &pc);
    unsigned k = pc.nparams;
    /* The trailing piece is a suffix. */
    size_t tail = pc.len[k];
    if (n < tail || memcmp(s + n - tail, shape + pc.off[k], tail) != 0)
        return false;
    size_t limit = n - tail; /* end of param k */
    /* Right to left: each inner piece at its rightmost place leaving >= 1 byte
     * for the param after it. The latest feasible placement of every piece
     * is the greedy-from-the-left split (see segment.h). */
    for (unsigned i = k - 1; i >= 1; i--) {
        size_t plen = pc.len[i];
        const char *piece = shape + pc.off[i];
        if (limit < plen + 1)
            return false;
        size_t q = limit - 1 - plen;
        for (;;) {
            if (s[q] == piece[0] && memcmp(s + q, piece, plen) == 0)
                break;
            if (q == 0)
                return false;
            q--;
        }
        caps[2 * i] = q + plen;
        caps[2 * i + 1] = limit - (q + plen);
        limit = q;
    }
    size_t head = pc.len[0];
    if (limit < head + 1 || memcmp(s, shape + pc.off[0], head) != 0)
        return false;
    caps[0] = head;
    caps[1] = limit - head;
    return true;
}
