/* SPDX-License-Identifier: Apache-2.0 */
/* Trace byte source with transparent gzip / xz decompression (trace_src.h).
 *
 * gzip goes through zlib's inflate() rather than the gz* file API so that both
 * decoders share one raw input buffer: the magic bytes are read once and stdin
 * works the same as a file. Decompressed bytes are written straight into the
 * caller's buffer; nothing is allocated after open.
 *
 * Compressed input is decoded by a thread of its own into a ring of chunks
 * while the caller parses and simulates what came before, so decoding and
 * simulation use two cores. The bytes, the errors and where they are said to
 * be are those of decoding inline: the thread runs the same decoder, and the
 * reader sees its failure only after every byte decoded before it. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */

#include "trace_src.h"

#include <errno.h>
#include <lzma.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { SRC_PLAIN, SRC_GZIP, SRC_XZ };
#ifndef MMU_TRACE_RAW_BYTES
#define MMU_TRACE_RAW_BYTES (256u * 1024u)
#endif
#define SRC_RAW_BYTES MMU_TRACE_RAW_BYTES
/* liblzma's decoder memory limit. xz -9 needs 65 MiB to decompress; a header
 * asking for more than this is refused instead of allocated. */
#define SRC_XZ_MEMLIMIT (1024ull << 20)

/* The decoder thread's ring: RING_SLOTS chunks of RING_BYTES. */
#define RING_SLOTS 4
#define RING_BYTES (1u << 20)

static const uint8_t xz_magic[6] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
static const uint8_t gz_magic[2] = {0x1f, 0x8b};

struct mmu_tsrc {
    FILE *f;
    int own;          /* f is ours to fclose (not stdin) */
    int kind;         /* SRC_* */
    int done;         /* compressed stream ended cleanly */
    int failed;
    int after_end;    /* the failure came after a complete member / stream */
    uint8_t *raw;     /* compressed input (and, for plain, the bytes peeked at open) */
    size_t raw_pos, raw_len;
    uint64_t raw_base; /* file offset of raw[0] */
    int raw_eof;
    uint64_t out_total; /* decompressed bytes handed out */
    z_stream z;
    lzma_stream x;
    char path[160];
    char err[420];
    /* The decoder thread (compressed input). The thread owns everything
     * above once started; the reader reads failed, after_end and err only
     * under mu after the thread has published its end (fin). */
    int threaded;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *slot[RING_SLOTS];
    size_t slot_len[RING_SLOTS];
    uint64_t filled, taken; /* chunks published / consumed, ever */
    size_t pos;             /* read position in the chunk at `taken` */
    int fin;                /* the thread stopped: fin_rc 0 at the end, -1 failed */
    long fin_rc;
    int stop;               /* the reader closes: the thread must stop */
};

static long decode(mmu_tsrc_t *s, uint8_t *dst, size_t n);
static void *decoder_main(void *arg);

static void src_fail(mmu_tsrc_t *s, const char *what)
{
    s->failed = 1;
    snprintf(s->err, sizeof s->err, "%s: %s (after %llu bytes of data)", s->path, what,
             (unsigned long long)s->out_total);
}

/* A decoder failed after producing `got` bytes in this call: hand those out
 * first (they precede the damage); the next call reports the error, with the
 * offset in the compressed file where it was found. */
static long fail_after(mmu_tsrc_t *s, size_t got, uint64_t at, const char *what)
{
    char w[200];
    snprintf(w, sizeof w, "compressed byte %llu: %s", (unsigned long long)at, what);
    s->out_total += got;
    src_fail(s, w);
    return got ? (long)got : -1;
}

/* File offset of the next compressed byte a decoder has not consumed, given
 * how many of the bytes handed to it are still unread. */
static uint64_t raw_at(const mmu_tsrc_t *s, size_t unread)
{
    return s->raw_base + s->raw_pos - unread;
}

/* Refill raw[] when it is used up. Returns 0 or -1 (read error). */
static int raw_refill(mmu_tsrc_t *s)
{
    if (s->raw_pos < s->raw_len || s->raw_eof)
        return 0;
    s->raw_base += s->raw_len;
    s->raw_pos = 0;
    s->raw_len = fread(s->raw, 1, SRC_RAW_BYTES, s->f);
    if (s->raw_len == 0) {
        if (ferror(s->f)) {
            src_fail(s, strerror(errno));
            return -1;
        }
        s->raw_eof = 1;
    }
    return 0;
}

/* Make n (<= SRC_RAW_BYTES) unread compressed bytes contiguous at raw_pos, or
 * as many as the file still has. Returns the number available, or -1. */
static long raw_peek(mmu_tsrc_t *s, size_t n)
{
    while (s->raw_len - s->raw_pos < n && !s->raw_eof) {
        const size_t keep = s->raw_len - s->raw_pos;
        memmove(s->raw, s->raw + s->raw_pos, keep);
        s->raw_base += s->raw_pos;
        s->raw_pos = 0;
        s->raw_len = keep;
        const size_t got = fread(s->raw + keep, 1, SRC_RAW_BYTES - keep, s->f);
        if (got == 0) {
            if (ferror(s->f)) {
                src_fail(s, strerror(errno));
                return -1;
            }
            s->raw_eof = 1;
        }
        s->raw_len += got;
    }
    return (long)(s->raw_len - s->raw_pos);
}

/* After a gzip member or an xz stream has ended (and every byte it decoded
 * was handed out): is there another one? 1 = yes (its magic is at raw_pos),
 * 0 = the file ends here, -1 = what follows is not one (err set; the caller
 * returns *ret). xz allows stream padding, NUL bytes in multiples of four,
 * between and after streams; gzip allows nothing but members. */
static int next_member(mmu_tsrc_t *s, const uint8_t *magic, size_t mlen, const char *fmt,
                       long *ret)
{
    uint64_t pad = 0;
    s->after_end = 1; /* whatever fails here, the data before is whole */
    if (magic == xz_magic) {
        for (;;) {
            long k = raw_peek(s, 1);
            if (k < 0) {
                *ret = -1;
                return -1;
            }
            if (k == 0 || s->raw[s->raw_pos] != 0)
                break;
            s->raw_pos++;
            pad++;
        }
    }
    long k = raw_peek(s, mlen);
    if (k < 0) {
        *ret = -1;
        return -1;
    }
    char what[160];
    if (pad % 4) {
        snprintf(what, sizeof what,
                 "%s: corrupt compressed data (stream padding of %llu bytes, not a multiple of 4)",
                 fmt, (unsigned long long)pad);
        *ret = fail_after(s, 0, raw_at(s, 0), what);
        return -1;
    }
    if (k == 0)
        return 0;
    const size_t have = (size_t)k < mlen ? (size_t)k : mlen;
    if (memcmp(s->raw + s->raw_pos, magic, have) != 0) {
        snprintf(what, sizeof what, "%s: corrupt compressed data (trailing garbage after the %s)",
                 fmt, magic == xz_magic ? "last stream" : "last member");
        *ret = fail_after(s, 0, raw_at(s, 0), what);
        return -1;
    }
    if (have < mlen) { /* the start of another one, cut short */
        snprintf(what, sizeof what, "%s: unexpected end of compressed data", fmt);
        *ret = fail_after(s, 0, raw_at(s, 0) + have, what);
        return -1;
    }
    s->after_end = 0;
    return 1;
}

/* Take over f (own: fclose it at the end) and look at its first bytes. */
static int src_start(FILE *f, int own, const char *path, mmu_tsrc_t **out, char *msg,
                     size_t msglen)
{
    *out = NULL;
    mmu_tsrc_t *s = calloc(1, sizeof *s);
    uint8_t *raw = malloc(SRC_RAW_BYTES);
    if (!s || !raw) {
        free(s);
        free(raw);
        if (own)
            fclose(f);
        snprintf(msg, msglen, "%s: out of memory", path);
        return -1;
    }
    s->raw = raw;
    s->f = f;
    s->own = own;
    snprintf(s->path, sizeof s->path, "%s", path);
    /* Peek: read until 6 bytes are in or the input ends (a pipe may deliver less). */
    while (s->raw_len < 6) {
        size_t n = fread(s->raw + s->raw_len, 1, SRC_RAW_BYTES - s->raw_len, s->f);
        if (n == 0) {
            if (ferror(s->f)) {
                snprintf(msg, msglen, "%s: %s", path, strerror(errno));
                mmu_tsrc_close(s);
                return -1;
            }
            s->raw_eof = 1;
            break;
        }
        s->raw_len += n;
    }
    if (s->raw_len >= 2 && memcmp(s->raw, gz_magic, 2) == 0) {
        s->kind = SRC_GZIP;
        /* 15 + 16: gzip wrapper only, largest window. */
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
            snprintf(msg, msglen, "%s: zlib: cannot initialise", path);
            s->kind = SRC_PLAIN;
            mmu_tsrc_close(s);
            return -1;
        }
    } else if (s->raw_len >= 6 && memcmp(s->raw, xz_magic, 6) == 0) {
        s->kind = SRC_XZ;
        lzma_stream init = LZMA_STREAM_INIT;
        s->x = init;
        /* One stream at a time (no LZMA_CONCATENATED): what follows a stream
         * is checked here, so trailing garbage is told from a cut stream. */
        if (lzma_stream_decoder(&s->x, SRC_XZ_MEMLIMIT, 0) != LZMA_OK) {
            snprintf(msg, msglen, "%s: liblzma: cannot initialise", path);
            s->kind = SRC_PLAIN;
            mmu_tsrc_close(s);
            return -1;
        }
    }
    if (s->kind != SRC_PLAIN) {
        int ok = 1;
        for (unsigned i = 0; i < RING_SLOTS && ok; i++)
            ok = (s->slot[i] = malloc(RING_BYTES)) != NULL;
        if (ok && pthread_mutex_init(&s->mu, NULL) == 0) {
            if (pthread_cond_init(&s->cv, NULL) == 0) {
                if (pthread_create(&s->th, NULL, decoder_main, s) == 0)
                    s->threaded = 1;
                else
                    pthread_cond_destroy(&s->cv);
            }
            if (!s->threaded)
                pthread_mutex_destroy(&s->mu);
        }
        /* Without a thread (or its memory) the decoder runs inline. */
    }
    *out = s;
    return 0;
}

int mmu_tsrc_open(const char *path, mmu_tsrc_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return src_start(stdin, 0, path, out, msg, msglen);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return src_start(f, 1, path, out, msg, msglen);
}

int mmu_tsrc_open_mem(const char *name, const void *data, size_t len, mmu_tsrc_t **out,
                      char *msg, size_t msglen)
{
    *out = NULL;
    /* Read mode never writes to the buffer; a FILE keeps one code path. */
    FILE *f = fmemopen((void *)(uintptr_t)data, len, "rb");
    if (!f) {
        snprintf(msg, msglen, "%s: %s", name, strerror(errno));
        return -1;
    }
    return src_start(f, 1, name, out, msg, msglen);
}

static long read_plain(mmu_tsrc_t *s, uint8_t *dst, size_t n)
{
    if (s->raw_pos < s->raw_len) { /* bytes peeked at open */
        size_t k = s->raw_len - s->raw_pos;
        if (k > n)
            k = n;
        memcpy(dst, s->raw + s->raw_pos, k);
        s->raw_pos += k;
        return (long)k;
    }
    if (s->raw_eof)
        return 0;
    size_t k = fread(dst, 1, n, s->f);
    if (k == 0) {
        if (ferror(s->f)) {
            src_fail(s, strerror(errno));
            return -1;
        }
        s->raw_eof = 1;
    }
    return (long)k;
}

static long read_gzip(mmu_tsrc_t *s, uint8_t *dst, size_t n)
{
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    s->z.next_out = dst;
    s->z.avail_out = (uInt)n;
    while (s->z.avail_out == n) {
        if (s->done) {
            /* A member ended: more input must be another member (gzip -c a b > c). */
            long ret;
            int more = next_member(s, gz_magic, 2, "gzip", &ret);
            if (more <= 0)
                return more == 0 ? 0 : ret;
            if (inflateReset(&s->z) != Z_OK) {
                src_fail(s, "gzip: cannot reset");
                return -1;
            }
            s->done = 0;
        }
        if (s->z.avail_in == 0) {
            if (raw_refill(s) < 0)
                return -1;
            s->z.next_in = s->raw + s->raw_pos;
            s->z.avail_in = (uInt)(s->raw_len - s->raw_pos);
            s->raw_pos = s->raw_len;
        }
        int rc = inflate(&s->z, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && s->z.avail_in == 0 && s->raw_eof) {
            /* No progress and no more input: the member was cut short. */
            return fail_after(s, n - s->z.avail_out, raw_at(s, 0),
                              "gzip: unexpected end of compressed data");
        }
        if (rc == Z_STREAM_END) {
            s->done = 1;
            /* Hand unread input back so the next member starts there. */
            s->raw_pos = s->raw_len - s->z.avail_in;
            s->z.avail_in = 0;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            char what[128];
            snprintf(what, sizeof what, "gzip: corrupt compressed data (%s)",
                     s->z.msg ? s->z.msg : zError(rc));
            return fail_after(s, n - s->z.avail_out, raw_at(s, s->z.avail_in), what);
        }
    }
    long got = (long)(n - s->z.avail_out);
    s->out_total += (uint64_t)got;
    return got;
}

static long read_xz(mmu_tsrc_t *s, uint8_t *dst, size_t n)
{
    s->x.next_out = dst;
    s->x.avail_out = n;
    while (s->x.avail_out == n) {
        if (s->done) {
            long ret;
            int more = next_member(s, xz_magic, 6, "xz", &ret);
            if (more <= 0)
                return more == 0 ? 0 : ret;
            lzma_end(&s->x);
            lzma_stream init = LZMA_STREAM_INIT;
            s->x = init;
            if (lzma_stream_decoder(&s->x, SRC_XZ_MEMLIMIT, 0) != LZMA_OK) {
                src_fail(s, "xz: liblzma: cannot initialise");
                return -1;
            }
            s->x.next_out = dst;
            s->x.avail_out = n;
            s->done = 0;
        }
        if (s->x.avail_in == 0) {
            if (raw_refill(s) < 0)
                return -1;
            s->x.next_in = s->raw + s->raw_pos;
            s->x.avail_in = s->raw_len - s->raw_pos;
            s->raw_pos = s->raw_len;
        }
        lzma_ret rc = lzma_code(&s->x, s->raw_eof ? LZMA_FINISH : LZMA_RUN);
        if (rc == LZMA_STREAM_END) {
            s->done = 1;
            s->raw_pos = s->raw_len - s->x.avail_in;
            s->x.avail_in = 0;
            continue;
        }
        if (rc != LZMA_OK) {
            const char *what = rc == LZMA_BUF_ERROR    ? "xz: unexpected end of compressed data"
                               : rc == LZMA_DATA_ERROR ? "xz: corrupt compressed data"
                               : rc == LZMA_FORMAT_ERROR ? "xz: corrupt compressed data (not in .xz format)"
                               : rc == LZMA_OPTIONS_ERROR ? "xz: unsupported options"
                               : rc == LZMA_MEMLIMIT_ERROR
                                   ? "xz: needs more than the 1 GiB decoder memory limit"
                               : rc == LZMA_MEM_ERROR ? "xz: out of memory"
                                                      : "xz: decoder error";
            return fail_after(s, n - s->x.avail_out, raw_at(s, s->x.avail_in), what);
        }
    }
    long got = (long)(n - s->x.avail_out);
    s->out_total += (uint64_t)got;
    return got;
}

static long decode(mmu_tsrc_t *s, uint8_t *dst, size_t n)
{
    if (s->failed)
        return -1;
    if (n == 0)
        return 0;
    switch (s->kind) {
    case SRC_GZIP:
        return read_gzip(s, dst, n);
    case SRC_XZ:
        return read_xz(s, dst, n);
    default:
        return read_plain(s, dst, n);
    }
}

/* Fill free chunks until the data ends, it fails, or the reader closes. */
static void *decoder_main(void *arg)
{
    mmu_tsrc_t *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->filled - s->taken == RING_SLOTS && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        const int stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            return NULL;
        uint8_t *buf = s->slot[s->filled % RING_SLOTS];
        size_t got = 0;
        long rc = 1;
        while (got < RING_BYTES && (rc = decode(s, buf + got, RING_BYTES - got)) > 0)
            got += (size_t)rc;
        pthread_mutex_lock(&s->mu);
        if (got) {
            s->slot_len[s->filled % RING_SLOTS] = got;
            s->filled++;
        }
        if (rc <= 0) {
            s->fin = 1;
            s->fin_rc = rc;
        }
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (rc <= 0)
            return NULL;
    }
}

long mmu_tsrc_read(mmu_tsrc_t *s, uint8_t *dst, size_t n)
{
    if (!s->threaded)
        return decode(s, dst, n);
    if (n == 0)
        return 0;
    pthread_mutex_lock(&s->mu);
    while (s->taken == s->filled && !s->fin)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->taken == s->filled) {
        const long rc = s->fin_rc;
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    pthread_mutex_unlock(&s->mu);
    /* The chunk at `taken` is the reader's until it moves on. */
    const unsigned i = (unsigned)(s->taken % RING_SLOTS);
    size_t k = s->slot_len[i] - s->pos;
    if (k > n)
        k = n;
    memcpy(dst, s->slot[i] + s->pos, k);
    s->pos += k;
    if (s->pos == s->slot_len[i]) {
        s->pos = 0;
        pthread_mutex_lock(&s->mu);
        s->taken++;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return (long)k;
}

/* With a decoder thread, the failure fields are read once it has ended. */
const char *mmu_tsrc_error(const mmu_tsrc_t *s)
{
    if (!s->threaded)
        return s->err;
    mmu_tsrc_t *m = (mmu_tsrc_t *)(uintptr_t)s; /* the lock only */
    pthread_mutex_lock(&m->mu);
    const char *e = s->fin ? s->err : "";
    pthread_mutex_unlock(&m->mu);
    return e;
}

int mmu_tsrc_failed_after_end(const mmu_tsrc_t *s)
{
    if (!s->threaded)
        return s->failed && s->after_end;
    mmu_tsrc_t *m = (mmu_tsrc_t *)(uintptr_t)s;
    pthread_mutex_lock(&m->mu);
    const int r = s->fin && s->failed && s->after_end;
    pthread_mutex_unlock(&m->mu);
    return r;
}

const char *mmu_tsrc_compression(const mmu_tsrc_t *s)
{
    return s->kind == SRC_GZIP ? "gzip" : s->kind == SRC_XZ ? "xz" : "none";
}

void mmu_tsrc_close(mmu_tsrc_t *s)
{
    if (!s)
        return;
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    for (unsigned i = 0; i < RING_SLOTS; i++)
        free(s->slot[i]);
    if (s->kind == SRC_GZIP)
        inflateEnd(&s->z);
    else if (s->kind == SRC_XZ)
        lzma_end(&s->x);
    if (s->own && s->f)
        fclose(s->f);
    free(s->raw);
    free(s);
}
