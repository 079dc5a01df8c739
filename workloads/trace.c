/* Trace reader front end: opens the byte source, tells the format from the
 * content (never the file name) and dispatches to trace_<fmt>.c. Holds the
 * input window every format decodes from and the error formatting, so all
 * readers say "path: byte N: what" or "path:LINE: what" the same way. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_impl.h"

long mmu_trace_fill(mmu_trace_reader_t *r, size_t need)
{
    size_t avail = r->end - r->pos;
    if (avail >= need || r->eof)
        return (long)avail;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, avail);
        r->base += r->pos;
        r->pos = 0;
        r->end = avail;
    }
    while (r->end < need && !r->eof) {
        long got = mmu_tsrc_read(r->src, r->buf + r->end, MMU_TRACE_BUF_BYTES - r->end);
        if (got < 0) {
            r->failed = 1;
            snprintf(r->err, sizeof r->err, "%s", mmu_tsrc_error(r->src));
            return -1;
        }
        if (got == 0)
            r->eof = 1;
        r->end += (size_t)got;
    }
    return (long)(r->end - r->pos);
}

int mmu_trace_getline(mmu_trace_reader_t *r, char **line, size_t *len, int *complete)
{
    for (;;) {
        char *p = (char *)r->buf + r->pos;
        size_t avail = r->end - r->pos;
        char *nl = memchr(p, '\n', avail);
        if (nl || (r->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - p) : avail;
            r->pos += nl ? n + 1 : n;
            r->line++;
            *complete = nl != NULL;
            if (n > 0 && p[n - 1] == '\r')
                n--;
            p[n] = '\0'; /* buf has one spare byte past its end for this */
            *line = p;
            *len = n;
            return 1;
        }
        if (r->eof)
            return 0;
        if (avail > MMU_TRACE_LINE_MAX) {
            r->line++;
            return mmu_trace_fail_line(r, "line longer than %d bytes", MMU_TRACE_LINE_MAX);
        }
        if (mmu_trace_fill(r, avail + 1) < 0)
            return -1;
    }
}

int mmu_trace_fail_at(mmu_trace_reader_t *r, uint64_t byte, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof r->err, "%s: byte %llu: %s", r->path, (unsigned long long)byte, what);
    r->failed = 1;
    return -1;
}

int mmu_trace_fail_line(mmu_trace_reader_t *r, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof r->err, "%s:%llu: %s", r->path, (unsigned long long)r->line, what);
    r->failed = 1;
    return -1;
}

/* Text if no control byte other than whitespace appears: ChampSim records
 * always hold zero bytes (register numbers, unused memory operands). */
static int looks_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') ||
            c == 0x7f)
            return 0;
    }
    return 1;
}

static int pick_format(mmu_trace_reader_t *r, const char *format, char *msg, size_t msglen)
{
    static const struct {
        const char *name;
        mmu_trace_next_fn next;
    } formats[] = {
        {"native", mmu_trace_native_next},
        {"text", mmu_trace_text_next},
        {"lackey", mmu_trace_lackey_next},
        {"champsim", mmu_trace_champsim_next},
    };
    const char *name = format;
    if (!name) {
        long n = mmu_trace_fill(r, 4096);
        if (n < 0) {
            snprintf(msg, msglen, "%s", r->err);
            return -1;
        }
        const uint8_t *p = r->buf + r->pos;
        size_t k = (size_t)n;
        if (k == 0) {
            snprintf(msg, msglen, "%s: empty file: cannot tell the trace format", r->path);
            return -1;
        }
        if (k >= 8 && memcmp(p, "MMUTRACE", 8) == 0)
            name = "native";
        else if (!looks_text(p, k))
            name = "champsim";
        else if (mmu_trace_lackey_sniff(p, k))
            name = "lackey";
        else if (mmu_trace_text_sniff(p, k))
            name = "text";
        else {
            snprintf(msg, msglen,
                     "%s: text that is neither a lackey nor an mmusim text trace: give the "
                     "format explicitly",
                     r->path);
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(name, formats[i].name) == 0) {
            r->format = formats[i].name;
            r->next = formats[i].next;
            return 0;
        }
    }
    snprintf(msg, msglen, "%s: unknown trace format '%s' (native, text, lackey, champsim)",
             r->path, name);
    return -1;
}

int mmu_trace_open(const char *path, const char *format, mmu_trace_reader_t **out, char *msg,
                   size_t msglen)
{
    *out = NULL;
    if (msglen)
        msg[0] = '\0';
    mmu_trace_reader_t *r = calloc(1, sizeof *r);
    uint8_t *buf = malloc(MMU_TRACE_BUF_BYTES + 1);
    if (!r || !buf) {
        free(r);
        free(buf);
        snprintf(msg, msglen, "%s: out of memory", path);
        return -1;
    }
    r->buf = buf;
    snprintf(r->path, sizeof r->path, "%s", path);
    if (mmu_tsrc_open(path, &r->src, msg, msglen) < 0 || pick_format(r, format, msg, msglen) < 0 ||
        (r->next == mmu_trace_native_next && mmu_trace_native_start(r) < 0)) {
        if (r->failed)
            snprintf(msg, msglen, "%s", r->err);
        mmu_trace_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int mmu_trace_next(mmu_trace_reader_t *r, mmu_trec_t *rec)
{
    if (r->failed)
        return -1;
    /* Records still pending belong to the input record already counted. */
    const int cont = r->ipend < r->npend;
    int rc = r->next(r, rec);
    if (rc > 0) {
        r->nrec++;
        r->nin += !cont;
    }
    return rc;
}

const char *mmu_trace_error(const mmu_trace_reader_t *r) { return r->err; }
const char *mmu_trace_format(const mmu_trace_reader_t *r) { return r->format; }
uint64_t mmu_trace_records(const mmu_trace_reader_t *r) { return r->nrec; }
uint64_t mmu_trace_input_records(const mmu_trace_reader_t *r) { return r->nin; }

void mmu_trace_close(mmu_trace_reader_t *r)
{
    if (!r)
        return;
    mmu_tsrc_close(r->src);
    free(r->buf);
    free(r);
}
