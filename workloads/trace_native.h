/* SPDX-License-Identifier: Apache-2.0 */
/* The native trace encoding (workloads/README.md, "Trace formats"): constants
 * and the one-record encoder shared by the writer and the benchmarks. The
 * reader is mmu_trace_native_next (trace_impl.h); the writer API is in trace.h. */
#ifndef MMU_WORKLOADS_TRACE_NATIVE_H
#define MMU_WORKLOADS_TRACE_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_TRACE_NATIVE_MAGIC "MMUTRACE"
/* Version 2 adds the mapping's kind to MAP records (anonymous, or a file id
 * and offset, private or shared); version 1 files are still read (their MAP
 * records are anonymous). Writers write version 2. */
#define MMU_TRACE_NATIVE_VERSION 2
#define MMU_TRACE_NATIVE_VERSION_MIN 1
#define MMU_TRACE_NATIVE_HEADER_BYTES 24
/* Longest record: a MAP: tag + icount delta + three 10-byte varints + page
 * size + kind + two 10-byte varints (file, offset). */
#define MMU_TRACE_NATIVE_MAX_RECORD 63

/* Encoder state: the previous record's icount and the previous data / fetch
 * address, from which deltas are taken. Zero-initialise before the first record. */
typedef struct mmu_trace_enc {
    uint64_t icount;
    uint64_t prev_la[2]; /* [0] reads and writes, [1] fetches */
} mmu_trace_enc_t;

/* Encode rec into out (at least MMU_TRACE_NATIVE_MAX_RECORD bytes); returns the
 * byte count, or 0 if rec is invalid (mmu_trace_check; then why, if not NULL,
 * says what and enc is unchanged). */
size_t mmu_trace_native_encode(mmu_trace_enc_t *enc, const mmu_trec_t *rec, uint8_t *out,
                               char *why, size_t whylen);
/* The 24-byte file header (version MMU_TRACE_NATIVE_VERSION). */
void mmu_trace_native_header(uint8_t out[MMU_TRACE_NATIVE_HEADER_BYTES]);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_TRACE_NATIVE_H */
