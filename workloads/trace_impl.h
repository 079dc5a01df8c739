/* Internals shared by the trace readers (trace.c and trace_<fmt>.c): the
 * reader object, its input window over the decompressed byte stream, and one
 * entry point per format. Not for use outside workloads/. */
#ifndef MMU_WORKLOADS_TRACE_IMPL_H
#define MMU_WORKLOADS_TRACE_IMPL_H

#include <stdint.h>

#include "trace.h"
#include "trace_src.h"

/* Input window: a record is decoded in place from buf[pos..end). Large, so a
 * refill (memmove of a partial record + one read) is rare. */
#define MMU_TRACE_BUF_BYTES (1u << 20)
/* The longest text line a reader accepts. */
#define MMU_TRACE_LINE_MAX 4096

typedef int (*mmu_trace_next_fn)(mmu_trace_reader_t *r, mmu_trec_t *rec);

struct mmu_trace_reader {
    mmu_tsrc_t *src;
    uint8_t *buf;
    size_t pos, end;  /* unread bytes are buf[pos..end) */
    uint64_t base;    /* stream offset of buf[0] */
    int eof;          /* the source has no more bytes */
    int failed;       /* an error was reported; next() keeps returning -1 */
    uint64_t nrec;
    uint64_t nin;     /* input-format records (see mmu_trace_input_records) */
    uint64_t line;    /* text formats: number of the line last read */
    const char *format;
    mmu_trace_next_fn next;
    /* Format state. */
    uint64_t icount;
    uint64_t prev_la[2];   /* native: previous data / fetch address */
    mmu_trec_t pend[8];    /* champsim: records of the current instruction */
    unsigned npend, ipend;
    char path[160];
    char err[420];
};

/* Make at least `need` bytes available at buf+pos (fewer only at the end of
 * the data). Returns the number available, or -1 after a source error (err set). */
long mmu_trace_fill(mmu_trace_reader_t *r, size_t need);
/* Next line of a text format, NUL-terminated in place, without its "\n" (and
 * "\r"). Returns 1 (line, len set; *complete = 0 if the data ended before its
 * "\n"), 0 at the end, -1 on error (err set). */
int mmu_trace_getline(mmu_trace_reader_t *r, char **line, size_t *len, int *complete);
/* Record an error "path: byte N: what" and return -1. */
int mmu_trace_fail_at(mmu_trace_reader_t *r, uint64_t byte, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
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

#endif /* MMU_WORKLOADS_TRACE_IMPL_H */
