/* Trace records and readers: one record type for every trace format mmusim
 * reads (native binary and text, valgrind lackey, ChampSim), read as a stream
 * so a 10^9-record trace runs in constant memory.
 *
 * A reader never stops silently: mmu_trace_next() returns -1 on a malformed
 * record and mmu_trace_error() says where ("t.mtr: byte 4096: truncated
 * record", "t.lackey:12: bad address 'xyz'"); every record before it was
 * already returned, so a caller can still report what it computed. */
#ifndef MMU_WORKLOADS_TRACE_H
#define MMU_WORKLOADS_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mmu_trec_kind {
    MMU_TREC_ACCESS = 0,      /* la, type (mmu_access_t), cpl, size */
    MMU_TREC_CR3 = 1,         /* MOV to CR3: value = new CR3 (PCID in 11:0, bit 63 no-flush) */
    MMU_TREC_SYSCALL_ENTER = 2,
    MMU_TREC_SYSCALL_EXIT = 3,
    MMU_TREC_INVLPG = 4,      /* la */
    MMU_TREC_INVPCID = 5,     /* la, value = type, pcid */
    MMU_TREC_MAP = 6,         /* la, len, value = PTE flags (MMU_PTE_*), page size in size */
    MMU_TREC_UNMAP = 7,       /* la, len */
    MMU_TREC_PROTECT = 8,     /* la, len, value = new PTE flags */
} mmu_trec_kind_t;

#define MMU_TREC_KINDS 9

typedef struct mmu_trec {
    uint64_t icount; /* instructions retired before this record (0 if unknown) */
    uint64_t la;
    uint64_t len;    /* MAP / UNMAP / PROTECT: bytes */
    uint64_t value;  /* CR3 value, INVPCID type, MAP / PROTECT flags */
    uint16_t pcid;   /* INVPCID */
    uint8_t kind;    /* mmu_trec_kind_t */
    uint8_t type;    /* ACCESS: mmu_access_t */
    uint8_t cpl;     /* ACCESS: 0..3 */
    uint8_t size;    /* ACCESS: bytes accessed (0 = unknown); MAP: mmu_page_size_t */
} mmu_trec_t;

typedef struct mmu_trace_reader mmu_trace_reader_t;

/* Open `path` ("-" = stdin) as `format`: "native", "text", "lackey",
 * "champsim", or NULL to detect it from the content (magic bytes, compression,
 * first line). .xz and .gz are decompressed (liblzma, zlib) whatever the
 * format. Returns 0, or -1 with a message "path: what" in msg. */
int mmu_trace_open(const char *path, const char *format, mmu_trace_reader_t **out, char *msg,
                   size_t msglen);
/* Next record: 1 = *rec filled, 0 = end of trace, -1 = malformed input (see
 * mmu_trace_error; later calls keep returning -1). Allocates nothing per call. */
int mmu_trace_next(mmu_trace_reader_t *r, mmu_trec_t *rec);
/* "path: byte N: what" (binary) or "path:LINE: what" (text); "" if no error. */
const char *mmu_trace_error(const mmu_trace_reader_t *r);
/* Name of the format being read ("native", "lackey", ...). */
const char *mmu_trace_format(const mmu_trace_reader_t *r);
/* Records (mmu_trec_t) returned so far. */
uint64_t mmu_trace_records(const mmu_trace_reader_t *r);
/* Records of the input format read so far: a native record, a lackey line with
 * an access, a ChampSim instruction. One may expand into several mmu_trec_t (a
 * lackey M line into a read and a write, a ChampSim instruction into its fetch,
 * loads and stores); counted when its first mmu_trec_t is returned. */
uint64_t mmu_trace_input_records(const mmu_trace_reader_t *r);
/* Close. Accepts NULL. */
void mmu_trace_close(mmu_trace_reader_t *r);

/* ---- writing (trace_native.c) ------------------------------------------ */

typedef struct mmu_trace_writer mmu_trace_writer_t;

/* Create (truncate) `path` ("-" = stdout) and write a trace to it as `format`:
 * "native" (or NULL) for the binary form, "text" for the text form (both in
 * workloads/README.md). Output is not compressed. Memory stays constant
 * however many records are written. Returns 0, or -1 with "path: what" in msg. */
int mmu_trace_writer_open(const char *path, const char *format, mmu_trace_writer_t **out,
                          char *msg, size_t msglen);
/* Append one record. Only the fields of rec->kind are written (the rest read
 * back as 0). Returns 0, or -1 on an invalid record (kind, type > 2, cpl > 3,
 * MAP page size > 2) or a write error; see mmu_trace_writer_error. After an
 * error every later call returns -1. */
int mmu_trace_write(mmu_trace_writer_t *w, const mmu_trec_t *rec);
/* "path: record N: what" or "path: what"; "" if no error. */
const char *mmu_trace_writer_error(const mmu_trace_writer_t *w);
/* Flush and close; frees w. Returns 0, or -1 (an earlier or final write
 * failed) with the message in msg. Accepts NULL (returns 0). */
int mmu_trace_writer_close(mmu_trace_writer_t *w, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_TRACE_H */
