/* SPDX-License-Identifier: Apache-2.0 */
/* Sparse matrix-vector multiply, y = A x with A square in CSR form, repeated
 * (as an iterative solver does). Matrix, layout and stream:
 * workloads/README.md, "spmv". */
#ifndef MMU_WORKLOADS_KERN_SPMV_H
#define MMU_WORKLOADS_KERN_SPMV_H

#include <stddef.h>
#include <stdint.h>

#include "kern.h"
#include "kern_csr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Column indices are 32-bit. */
#define MMU_KERN_SPMV_ROWS_MAX (1ull << 32)

typedef struct mmu_kern_spmv {
    uint64_t rows, nnz;
    uint64_t band;               /* 0: columns over the whole row; else a window of band columns */
    mmu_kern_cascade_t rowlen;   /* row pointers */
    uint64_t colkey;
    /* Byte offsets of the arrays from the base. */
    uint64_t at_rp;   /* int64 row_ptr[rows+1] */
    uint64_t at_col;  /* uint32 col[nnz] */
    uint64_t at_val;  /* double val[nnz] */
    uint64_t at_x;    /* double x[rows] */
    uint64_t at_y;    /* double y[rows] */
    uint64_t footprint;
    /* Stream position. */
    unsigned phase;
    uint64_t i, j, jend;
    uint64_t wlo, q, rem, len, frac, a; /* the row's strata, walked incrementally */
} mmu_kern_spmv_t;

/* Build the matrix for ws bytes: the most rows whose arrays fit, deg
 * (1..1000) non-zeros per row on average, row lengths from a cascade with
 * skew_pct (50..99), band 0 or the width of the column window. Returns 0, or
 * MMU_EINVAL with "ws: ..." in msg. */
int mmu_kern_spmv_setup(mmu_kern_spmv_t *k, uint64_t ws, unsigned deg, unsigned skew_pct,
                        uint64_t band, uint64_t seed, char *msg, size_t len);

/* Start the stream pct percent (0..99) into the first multiply, counted in
 * rows. */
void mmu_kern_spmv_seek(mmu_kern_spmv_t *k, unsigned pct);

/* row_ptr[i] (i <= rows) and col[j] of row i (row_ptr[i] <= j < row_ptr[i+1]). */
uint64_t mmu_kern_spmv_row_ptr(const mmu_kern_spmv_t *k, uint64_t i);
uint64_t mmu_kern_spmv_col(const mmu_kern_spmv_t *k, uint64_t i, uint64_t j);

/* Emit the next accesses into buf (at most MMU_KERN_STEP_MAX); returns how
 * many (>= 1). */
unsigned mmu_kern_spmv_step(mmu_kern_spmv_t *k, uint64_t *buf);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_KERN_SPMV_H */
