/* SPDX-License-Identifier: Apache-2.0 */
/* Trace reader front end: opens the byte source, tells the format from the
 * content (never the file name) and dispatches to trace_<fmt>.c. Holds the
 * input window every format decodes from and the error formatting, so all
 * readers say "path: byte N: what" or "path:LINE: what" the same way. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "trace_impl.h"

/* Bits 13..51 of an entry hold the frame address (bit 12 is PAT in a 2M / 1G
 * leaf), so flags carrying them would be dropped without a word. */
#define FLAGS_FRAME_BITS 0x000fffffffffe000ull

const char *mmu_trace_check(const mmu_trec_t *rec, char *why, size_t len)
{
    switch (rec->kind) {
    case MMU_TREC_ACCESS:
        if (rec->type > MMU_ACC_FETCH)
            snprintf(why, len, "access type %u > 2", rec->type);
        else if (rec->cpl > 3)
            snprintf(why, len, "cpl %u > 3", rec->cpl);
        else
            return NULL;
        return why;
    case MMU_TREC_INVPCID:
        if (rec->value > 3)
            snprintf(why, len, "INVPCID type %llu > 3", (unsigned long long)rec->value);
        else if (rec->pcid > 0xfff)
            snprintf(why, len, "INVPCID pcid %u > 4095", rec->pcid);
        else
            return NULL;
        return why;
    case MMU_TREC_MAP:
    case MMU_TREC_PROTECT: {
        const char *k = rec->kind == MMU_TREC_MAP ? "MAP" : "PROTECT";
        if (rec->kind == MMU_TREC_MAP && rec->size > MMU_PAGE_1G)
            snprintf(why, len, "MAP page size %u > 2", rec->size);
        else if (rec->kind == MMU_TREC_MAP && rec->map > MMU_MAP_FILE_SHARED)
            snprintf(why, len, "MAP kind %u > 2", rec->map);
        else if (rec->value & FLAGS_FRAME_BITS)
            snprintf(why, len, "%s flags 0x%llx: bits 13..51 are the frame address, not flags", k,
                     (unsigned long long)rec->value);
        else
            return NULL;
        return why;
    }
    default:
        if (rec->kind >= MMU_TREC_KINDS) {
            snprintf(why, len, "unknown record kind %u", rec->kind);
            return why;
        }
        return NULL;
    }
}

int mmu_trace_fail_src(mmu_trace_reader_t *r)
{
    snprintf(r->err, sizeof r->err, "%s", mmu_tsrc_error(r->src));
    r->failed = 1;
    return -1;
}

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
        long got = mmu_tsrc_read(r->src, r->buf + r->end, r->window - r->end);
        if (got < 0) {
            /* The bytes before the damage are real data: they are decoded
             * first, and whoever needs more reports the damage. */
            r->src_failed = mmu_tsrc_failed_after_end(r->src) ? 2 : 1;
            r->eof = 1;
            break;
        }
        if (got == 0)
            r->eof = 1;
        r->end += (size_t)got;
    }
    return (long)(r->end - r->pos);
}

/* A line is judged by its length first and its bytes second, so that the
 * verdict does not depend on how much of it the window holds: a line longer
 * than the limit is refused as soon as limit + 2 bytes without a "\n" are in
 * (it cannot be a "\r\n" line of the limit then), and a line within the limit
 * is always whole in the window when its bytes are checked. */
int mmu_trace_getline(mmu_trace_reader_t *r, char **line, size_t *len, int *complete)
{
    size_t scanned = 0; /* bytes of this line already searched for "\n" */
    for (;;) {
        char *p = (char *)r->buf + r->pos;
        size_t avail = r->end - r->pos;
        char *nl = memchr(p + scanned, '\n', avail - scanned);
        if (nl || (r->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - p) : avail;
            r->line++;
            size_t text = n;
            if (text > 0 && p[text - 1] == '\r')
                text--;
            if (text > MMU_TRACE_LINE_MAX)
                return mmu_trace_fail_line(r, "line longer than %d bytes", MMU_TRACE_LINE_MAX);
            if (!nl && r->src_failed == 1) /* cut by damaged data, not the real last line */
                return mmu_trace_fail_src(r);
            const char *nul = memchr(p, '\0', text);
            if (nul)
                return mmu_trace_fail_line(r, "NUL byte in column %zu (binary data in a text trace)",
                                           (size_t)(nul - p) + 1);
            r->pos += nl ? n + 1 : n;
            *complete = nl != NULL;
            p[text] = '\0'; /* buf has one spare byte past its end for this */
            *line = p;
            *len = text;
            return 1;
        }
        if (r->eof)
            return r->src_failed ? mmu_trace_fail_src(r) : 0;
        if (avail > MMU_TRACE_LINE_MAX + 1) {
            r->line++;
            return mmu_trace_fail_line(r, "line longer than %d bytes", MMU_TRACE_LINE_MAX);
        }
        scanned = avail;
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

int mmu_trace_fail_short(mmu_trace_reader_t *r, uint64_t byte, const char *fmt, ...)
{
    if (r->src_failed == 1)
        return mmu_trace_fail_src(r);
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mmu_trace_fail_at(r, byte, "%s", what);
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

/* How much of the content format detection looks at. */
#define DETECT_BYTES 4096u

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
        int text;
    } formats[] = {
        {"native", mmu_trace_native_next, 0},
        {"text", mmu_trace_text_next, 1},
        {"lackey", mmu_trace_lackey_next, 1},
        {"champsim", mmu_trace_champsim_next, 0},
    };
    const char *name = format;
    if (!name) {
        long n = mmu_trace_fill(r, DETECT_BYTES);
        if (n < 0) {
            snprintf(msg, msglen, "%s", r->err);
            return -1;
        }
        const uint8_t *p = r->buf + r->pos;
        /* Exactly the first 4 KiB, however much the window already holds. */
        size_t k = (size_t)n < DETECT_BYTES ? (size_t)n : DETECT_BYTES;
        if (k == 0 && r->src_failed) {
            snprintf(msg, msglen, "%s", mmu_tsrc_error(r->src));
            return -1;
        }
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
            r->text = formats[i].text;
            return 0;
        }
    }
    snprintf(msg, msglen, "%s: unknown trace format '%s' (native, text, lackey, champsim)",
             r->path, name);
    return -1;
}

int mmu_trace_open_window(const char *path, const void *data, size_t len, const char *format,
                          size_t window, mmu_trace_reader_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (msglen)
        msg[0] = '\0';
    if (window < MMU_TRACE_MIN_WINDOW)
        window = MMU_TRACE_MIN_WINDOW;
    mmu_trace_reader_t *r = calloc(1, sizeof *r);
    uint8_t *buf = malloc(window + 1);
    if (!r || !buf) {
        free(r);
        free(buf);
        snprintf(msg, msglen, "%s: out of memory", path);
        return -1;
    }
    r->buf = buf;
    r->window = window;
    snprintf(r->path, sizeof r->path, "%s", path);
    const int src = data ? mmu_tsrc_open_mem(path, data, len, &r->src, msg, msglen)
                         : mmu_tsrc_open(path, &r->src, msg, msglen);
    if (src < 0 || pick_format(r, format, msg, msglen) < 0 ||
        (r->next == mmu_trace_native_next && mmu_trace_native_start(r) < 0)) {
        if (r->failed)
            snprintf(msg, msglen, "%s", r->err);
        mmu_trace_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int mmu_trace_open(const char *path, const char *format, mmu_trace_reader_t **out, char *msg,
                   size_t msglen)
{
    return mmu_trace_open_window(path, NULL, 0, format, MMU_TRACE_BUF_BYTES, out, msg, msglen);
}

int mmu_trace_open_mem(const char *name, const void *data, size_t len, const char *format,
                       mmu_trace_reader_t **out, char *msg, size_t msglen)
{
    static const uint8_t none[1];
    return mmu_trace_open_window(name, data ? data : none, data ? len : 0, format,
                                 MMU_TRACE_BUF_BYTES, out, msg, msglen);
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
    } else if (rc == 0 && r->src_failed) { /* the data ended at the damage */
        return mmu_trace_fail_src(r);
    }
    return rc;
}

const char *mmu_trace_error(const mmu_trace_reader_t *r) { return r->err; }
const char *mmu_trace_format(const mmu_trace_reader_t *r) { return r->format; }
uint64_t mmu_trace_records(const mmu_trace_reader_t *r) { return r->nrec; }
uint64_t mmu_trace_input_records(const mmu_trace_reader_t *r) { return r->nin; }

const char *mmu_trace_where(const mmu_trace_reader_t *r, char *buf, size_t len)
{
    if (!r->nrec)
        snprintf(buf, len, "%s", r->path);
    else if (r->text)
        snprintf(buf, len, "%s:%llu", r->path, (unsigned long long)r->rec_at);
    else
        snprintf(buf, len, "%s: byte %llu", r->path, (unsigned long long)r->rec_at);
    return buf;
}

void mmu_trace_close(mmu_trace_reader_t *r)
{
    if (!r)
        return;
    mmu_tsrc_close(r->src);
    free(r->buf);
    free(r);
}
