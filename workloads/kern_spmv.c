/* SPDX-License-Identifier: Apache-2.0 */
/* SpMV over a generated CSR matrix. Row lengths come from a cascade
 * (kern_csr.h); the columns of a row of length len are stratified: the
 * row's window [wlo, wlo + w) (the whole row, or band columns centred on the
 * diagonal) is cut into len strata, entry t draws one column uniformly from
 * stratum t = [wlo + floor(t w / len), wlo + floor((t+1) w / len)). Columns
 * are therefore sorted and distinct, as in a real CSR matrix, unless a row is
 * longer than its window (then empty strata repeat their first column). */
#include "kern_spmv.h"

#include <inttypes.h>
#include <stdio.h>

#include "mmu/mmu.h"

#define SALT_ROWS 0x73706d76726f7773ull
#define SALT_COLS 0x73706d76636f6c73ull

enum { SP_HEAD, SP_NNZ, SP_TAIL };

static uint64_t layout(mmu_kern_spmv_t *k, uint64_t rows, uint64_t nnz)
{
    k->at_rp = 0;
    k->at_col = mmu_kern_align(k->at_rp + 8 * (rows + 1));
    k->at_val = mmu_kern_align(k->at_col + 4 * nnz);
    k->at_x = mmu_kern_align(k->at_val + 8 * nnz);
    k->at_y = mmu_kern_align(k->at_x + 8 * rows);
    return k->at_y + 8 * rows;
}

static uint64_t layout_fn(void *k, uint64_t rows, uint64_t nnz)
{
    return layout(k, rows, nnz);
}

int mmu_kern_spmv_setup(mmu_kern_spmv_t *k, uint64_t ws, unsigned deg, unsigned skew_pct,
                        uint64_t band, uint64_t seed, char *msg, size_t len)
{
    uint64_t rows;
    const int rc = mmu_kern_fit(k, layout_fn, ws, deg, ws / (24 + 12ull * deg) + 1,
                                MMU_KERN_SPMV_ROWS_MAX, "one row", "2^32 rows", &rows, msg, len);
    if (rc)
        return rc;
    k->rows = rows;
    k->nnz = rows * deg;
    k->band = band;
    k->footprint = layout(k, k->rows, k->nnz);
    mmu_kern_cascade_init(&k->rowlen, k->rows, k->nnz, skew_pct, mmu_kern_mix(seed ^ SALT_ROWS));
    k->colkey = mmu_kern_mix(seed ^ SALT_COLS);
    k->phase = SP_HEAD;
    k->i = k->j = k->jend = 0;
    return 0;
}

void mmu_kern_spmv_seek(mmu_kern_spmv_t *k, unsigned pct)
{
    k->phase = SP_HEAD;
    k->i = k->rows * pct / 100;
    k->jend = mmu_kern_cascade_start(&k->rowlen, k->i);
}

uint64_t mmu_kern_spmv_row_ptr(const mmu_kern_spmv_t *k, uint64_t i)
{
    return mmu_kern_cascade_start(&k->rowlen, i);
}

/* Row i's column window: [*wlo, *wlo + return value). */
static uint64_t window(const mmu_kern_spmv_t *k, uint64_t i, uint64_t *wlo)
{
    if (k->band == 0 || k->band >= k->rows) {
        *wlo = 0;
        return k->rows;
    }
    const uint64_t w = k->band, half = w / 2;
    uint64_t lo = i > half ? i - half : 0;
    if (lo > k->rows - w)
        lo = k->rows - w;
    *wlo = lo;
    return w;
}

/* The column of entry j in stratum [a, b) of its row's window. */
static inline uint64_t draw(const mmu_kern_spmv_t *k, uint64_t j, uint64_t a, uint64_t b)
{
    return b > a ? a + mmu_kern_mulhi(mmu_kern_mix(j ^ k->colkey), b - a) : a;
}

uint64_t mmu_kern_spmv_col(const mmu_kern_spmv_t *k, uint64_t i, uint64_t j)
{
    __extension__ typedef unsigned __int128 u128;
    const uint64_t start = mmu_kern_spmv_row_ptr(k, i);
    const uint64_t len = mmu_kern_spmv_row_ptr(k, i + 1) - start, t = j - start;
    uint64_t wlo;
    const uint64_t w = window(k, i, &wlo);
    const uint64_t a = (uint64_t)((u128)t * w / len), b = (uint64_t)((u128)(t + 1) * w / len);
    return wlo + draw(k, j, a, b);
}

/* One multiply (the usual CSR loop):
 *   for i: sum = 0; for j in row_ptr[i] .. row_ptr[i+1]-1: sum += val[j] * x[col[j]]
 *          y[i] = sum
 * and again, for as long as the stream runs. Stratum bounds floor(t w / len)
 * are stepped like a Bresenham line: q = w / len and a carried remainder. */
unsigned mmu_kern_spmv_step(mmu_kern_spmv_t *k, uint64_t *buf)
{
    unsigned n = 0;
    while (n + 3 <= MMU_KERN_STEP_MAX) {
        switch (k->phase) {
        case SP_HEAD: {
            const uint64_t i = k->i;
            buf[n++] = MMU_KERN_RD(k->at_rp + 8 * i);
            buf[n++] = MMU_KERN_RD(k->at_rp + 8 * (i + 1));
            k->j = k->jend;
            k->jend = mmu_kern_cascade_start(&k->rowlen, i + 1);
            k->len = k->jend - k->j;
            if (k->len) {
                const uint64_t w = window(k, i, &k->wlo);
                k->q = w / k->len;
                k->rem = w % k->len;
                k->frac = 0;
                k->a = 0;
            }
            k->phase = k->len ? SP_NNZ : SP_TAIL;
            break;
        }
        case SP_NNZ: {
            uint64_t j = k->j, a = k->a, frac = k->frac;
            const uint64_t stop = j + (MMU_KERN_STEP_MAX - n) / 3;
            const uint64_t end = stop < k->jend ? stop : k->jend;
            for (; j < end; j++) {
                uint64_t b = a + k->q;
                frac += k->rem;
                if (frac >= k->len) {
                    frac -= k->len;
                    b++;
                }
                const uint64_t col = k->wlo + draw(k, j, a, b);
                buf[n++] = MMU_KERN_RD(k->at_col + 4 * j);
                buf[n++] = MMU_KERN_RD(k->at_val + 8 * j);
                buf[n++] = MMU_KERN_RD(k->at_x + 8 * col);
                a = b;
            }
            k->j = j;
            k->a = a;
            k->frac = frac;
            if (j == k->jend)
                k->phase = SP_TAIL;
            break;
        }
        case SP_TAIL:
            buf[n++] = MMU_KERN_WR(k->at_y + 8 * k->i);
            if (++k->i == k->rows) {
                k->i = 0;
                k->jend = 0;
            }
            k->phase = SP_HEAD;
            break;
        }
    }
    return n;
}
