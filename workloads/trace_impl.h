/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the trace readers (trace.c and trace_<fmt>.c): the
 * reader object, its input window over the decompressed byte stream, and one
 * entry point per format. Not for use outside workloads/. */
#ifndef MMU_WORKLOADS_TRACE_IMPL_H
#define MMU_WORKLOADS_TRACE_IMPL_H

#include <stdint.h>

#include "trace.h"
#include "trace_src.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Input window: a record is decoded in place from buf[pos..end). Large, so a
 * refill (memmove of a partial record + one read) is rare. The fuzz build
 * makes it (and the raw and writer buffers) small: more refills to exercise,
 * and no large allocation per input. */
#ifndef MMU_TRACE_BUF_BYTES
#define MMU_TRACE_BUF_BYTES (1u << 20)
#endif
/* The longest text line a reader accepts, in bytes, not counting its end
 * ("\n" or "\r\n"); longer is an error at that line wherever it falls. */
#define MMU_TRACE_LINE_MAX 4096
/* The smallest window mmu_trace_open_window() takes: format detection looks at
 * the first 4 KiB, and a whole line of MMU_TRACE_LINE_MAX bytes plus "\r\n"
 * must fit. */
#define MMU_TRACE_MIN_WINDOW 8192u

typedef int (*mmu_trace_next_fn)(mmu_trace_reader_t *r, mmu_trec_t *rec);

struct mmu_trace_reader {
    mmu_tsrc_t *src;
    uint8_t *buf;
    size_t window;    /* bytes buf holds (plus one spare for a NUL) */
    size_t pos, end;  /* unread bytes are buf[pos..end) */
    uint64_t base;    /* stream offset of buf[0] */
    int eof;          /* the source has no more bytes */
    int src_failed;   /* ... because it failed: 1 = the data may be cut there
                         (damage, a read error), 2 = the data is whole and
                         bytes after it are bad. Reaching the end reports it */
    int failed;       /* an error was reported; next() keeps returning -1 */
    uint64_t nrec;
    uint64_t nin;     /* input-format records (see mmu_trace_input_records) */
    uint64_t line;    /* text formats: number of the line last read */
    /* Where the record last returned came from: its line (text formats) or the
     * stream offset of its first byte (binary), for mmu_trace_where(). */
    uint64_t rec_at;
    int text;         /* the format is line-based */
    const char *format;
    mmu_trace_next_fn next;
    /* Format state. */
    uint64_t icount;
    uint64_t prev_la[2];   /* native: previous data / fetch address */
    unsigned version;      /* native: the file's format version */
    mmu_trec_t pend[8];    /* champsim: records of the current instruction */
    unsigned npend, ipend;
    char path[160];
    char err[420];
};

/* mmu_trace_open() / mmu_trace_open_mem() with a window of `window` bytes
 * (>= MMU_TRACE_MIN_WINDOW) instead of MMU_TRACE_BUF_BYTES: what a reader
 * returns must not depend on it, which the fuzzers check by reading every
 * input with both. data == NULL: open path; else read data[0..len) and show
 * path in messages. */
int mmu_trace_open_window(const char *path, const void *data, size_t len, const char *format,
                          size_t window, mmu_trace_reader_t **out, char *msg, size_t msglen);

/* Make at least `need` (<= window) bytes available at buf+pos (fewer only at
 * the end of the data, or where the source failed: then src_failed is set and
 * the bytes before the failure are still returned). Returns the number
 * available (never -1 today; callers still check). */
long mmu_trace_fill(mmu_trace_reader_t *r, size_t need);
/* Next line of a text format, NUL-terminated in place, without its "\n" (and
 * "\r"). Returns 1 (line, len set; *complete = 0 if the data ended before its
 * "\n"), 0 at the end, -1 on error (err set): a line longer than
 * MMU_TRACE_LINE_MAX or holding a NUL byte is an error at that line. */
int mmu_trace_getline(mmu_trace_reader_t *r, char **line, size_t *len, int *complete);
/* Record an error "path: byte N: what" and return -1. */
int mmu_trace_fail_at(mmu_trace_reader_t *r, uint64_t byte, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The data ended inside a record: the source's error if it failed there,
 * else "path: byte N: what". Returns -1. */
int mmu_trace_fail_short(mmu_trace_reader_t *r, uint64_t byte, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report the source's failure as the reader's error; returns -1. */
int mmu_trace_fail_src(mmu_trace_reader_t *r);
/* Record an error "path:LINE: what" (the current line) and return -1. */
int mmu_trace_fail_line(mmu_trace_reader_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int mmu_trace_native_start(mmu_trace_reader_t *r); /* checks the header */
int mmu_trace_native_next(mmu_trace_reader_t *r, mmu_trec_t *rec);
int mmu_trace_text_next(mmu_trace_reader_t *r, mmu_trec_t *rec);
int mmu_trace_lackey_next(mmu_trace_reader_t *r, mmu_trec_t *rec);
int mmu_trace_champsim_next(mmu_trace_reader_t *r, mmu_trec_t *rec);
/* Content sniffing for detection (first line / first bytes). */
int mmu_trace_text_sniff(const uint8_t *p, size_t n);
int mmu_trace_lackey_sniff(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_TRACE_IMPL_H */
