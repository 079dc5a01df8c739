/* SPDX-License-Identifier: Apache-2.0 */
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
    MMU_TREC_MAP = 6,         /* la, len, value = PTE flags (MMU_PTE_*), page size in size,
                                 map = mmu_map_kind_t, file + off for file mappings */
    MMU_TREC_UNMAP = 7,       /* la, len */
    MMU_TREC_PROTECT = 8,     /* la, len, value = new PTE flags */
} mmu_trec_kind_t;

#define MMU_TREC_KINDS 9

/* What a MAP record maps: anonymous memory, or a file (id + offset) mapped
 * privately (writes copy the page: MAP_PRIVATE) or shared (writes go back to
 * the file: MAP_SHARED). */
typedef enum mmu_map_kind {
    MMU_MAP_ANON = 0,
    MMU_MAP_FILE_PRIVATE = 1,
    MMU_MAP_FILE_SHARED = 2,
} mmu_map_kind_t;

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
    uint8_t map;     /* MAP: mmu_map_kind_t */
    uint64_t file;   /* MAP of a file: its id (any number naming the file) */
    uint64_t off;    /* MAP of a file: byte offset in the file of la (4 KiB aligned) */
} mmu_trec_t;

typedef struct mmu_trace_reader mmu_trace_reader_t;

/* Open `path` ("-" = stdin) as `format`: "native", "text", "lackey",
 * "champsim", or NULL to detect it from the content (magic bytes, compression,
 * first line). .xz and .gz are decompressed (liblzma, zlib) whatever the
 * format. Returns 0, or -1 with a message "path: what" in msg. */
int mmu_trace_open(const char *path, const char *format, mmu_trace_reader_t **out, char *msg,
                   size_t msglen);
/* The same for the bytes data[0..len) (the caller keeps them alive until
 * mmu_trace_close), shown as `name` in every message: exactly the code a file
 * goes through, decompression and format detection included. */
int mmu_trace_open_mem(const char *name, const void *data, size_t len, const char *format,
                       mmu_trace_reader_t **out, char *msg, size_t msglen);
/* Next record: 1 = *rec filled, 0 = end of trace, -1 = malformed input (see
 * mmu_trace_error; later calls keep returning -1). Allocates nothing per call. */
int mmu_trace_next(mmu_trace_reader_t *r, mmu_trec_t *rec);
/* "path: byte N: what" (binary) or "path:LINE: what" (text); "" if no error. */
const char *mmu_trace_error(const mmu_trace_reader_t *r);
/* Name of the format being read ("native", "lackey", ...). */
const char *mmu_trace_format(const mmu_trace_reader_t *r);
/* Records (mmu_trec_t) returned so far. */
uint64_t mmu_trace_records(const mmu_trace_reader_t *r);
/* Where the record last returned came from, for a message about it (an OS
 * model refusing it, say): "path:LINE" for text formats (the line it was read
 * from; both records of a lackey 'M' line share it) and "path: byte N" for
 * binary ones (the stream offset, after decompression, of its first byte; a
 * ChampSim instruction's records share the offset of its 64-byte record).
 * Just "path" before the first record. Writes into buf and returns it. */
const char *mmu_trace_where(const mmu_trace_reader_t *r, char *buf, size_t len);
/* Records of the input format read so far: a native record, a lackey line with
 * an access, a ChampSim instruction. One may expand into several mmu_trec_t (a
 * lackey M line into a read and a write, a ChampSim instruction into its fetch,
 * loads and stores); counted when its first mmu_trec_t is returned. */
uint64_t mmu_trace_input_records(const mmu_trace_reader_t *r);
/* Close. Accepts NULL. */
void mmu_trace_close(mmu_trace_reader_t *r);

/* What every reader refuses and the writer will not write, whatever the
 * format: NULL if rec is a valid record, else why not ("INVPCID type 9 > 3").
 * Kind 0..8; ACCESS: type 0..2, CPL 0..3; INVPCID: type 0..3, PCID 0..4095
 * (the descriptor's 12 bits); MAP: page size 0..2; MAP / PROTECT: flags
 * without bits 13..51 (those hold the frame address in an entry, not flags).
 * why must hold 64 bytes. */
const char *mmu_trace_check(const mmu_trec_t *rec, char *why, size_t len);

/* ---- writing (trace_native.c) ------------------------------------------ */

typedef struct mmu_trace_writer mmu_trace_writer_t;

/* Create (truncate) `path` ("-" = stdout) and write a trace to it as `format`:
 * "native" (or NULL) for the binary form, "text" for the text form (both in
 * workloads/README.md). Output is not compressed. Memory stays constant
 * however many records are written. Returns 0, or -1 with "path: what" in msg. */
int mmu_trace_writer_open(const char *path, const char *format, mmu_trace_writer_t **out,
                          char *msg, size_t msglen);
/* The same on a stream the caller opened (and closes after
 * mmu_trace_writer_close, which flushes it); messages call it `name`. */
int mmu_trace_writer_fopen(FILE *f, const char *name, const char *format,
                           mmu_trace_writer_t **out, char *msg, size_t msglen);
/* Append one record. Only the fields of rec->kind are written (the rest read
 * back as 0). Returns 0, or -1 on a record no reader would return (see
 * mmu_trace_check) or a write error; see mmu_trace_writer_error. After an
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
