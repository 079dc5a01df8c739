/* Trace byte source with transparent gzip / xz decompression (trace_src.h).
 *
 * gzip goes through zlib's inflate() rather than the gz* file API so that both
 * decoders share one raw input buffer: the magic bytes are read once and stdin
 * works the same as a file. Decompressed bytes are written straight into the
 * caller's buffer; nothing is allocated after open. */
#include "trace_src.h"

#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { SRC_PLAIN, SRC_GZIP, SRC_XZ };
#define SRC_RAW_BYTES (256u * 1024u)

struct mmu_tsrc {
    FILE *f;
    int own;          /* f is ours to fclose (not stdin) */
    int kind;         /* SRC_* */
    int done;         /* compressed stream ended cleanly */
    int failed;
    uint8_t *raw;     /* compressed input (and, for plain, the bytes peeked at open) */
    size_t raw_pos, raw_len;
    int raw_eof;
    uint64_t out_total; /* decompressed bytes handed out */
    z_stream z;
    lzma_stream x;
    char path[160];
    char err[420];
};

static void src_fail(mmu_tsrc_t *s, const char *what)
{
    s->failed = 1;
    snprintf(s->err, sizeof s->err, "%s: %s (after %llu bytes of data)", s->path, what,
             (unsigned long long)s->out_total);
}

/* A decoder failed after producing `got` bytes in this call: hand those out
 * first (they precede the damage); the next call reports the error. */
static long fail_after(mmu_tsrc_t *s, size_t got, const char *what)
{
    s->out_total += got;
    src_fail(s, what);
    return got ? (long)got : -1;
}

/* Refill raw[] when it is used up. Returns 0 or -1 (read error). */
static int raw_refill(mmu_tsrc_t *s)
{
    if (s->raw_pos < s->raw_len || s->raw_eof)
        return 0;
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

int mmu_tsrc_open(const char *path, mmu_tsrc_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    mmu_tsrc_t *s = calloc(1, sizeof *s);
    uint8_t *raw = malloc(SRC_RAW_BYTES);
    if (!s || !raw) {
        free(s);
        free(raw);
        snprintf(msg, msglen, "%s: out of memory", path);
        return -1;
    }
    s->raw = raw;
    snprintf(s->path, sizeof s->path, "%s", path);
    if (strcmp(path, "-") == 0) {
        s->f = stdin;
    } else {
        s->f = fopen(path, "rb");
        s->own = 1;
        if (!s->f) {
            snprintf(msg, msglen, "%s: %s", path, strerror(errno));
            mmu_tsrc_close(s);
            return -1;
        }
    }
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
    static const uint8_t xz_magic[6] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
    if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
        s->kind = SRC_GZIP;
        /* 15 + 16: gzip wrapper only, largest window. */
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
            snprintf(msg, msglen, "%s: zlib: cannot initialise", path);
            mmu_tsrc_close(s);
            return -1;
        }
    } else if (s->raw_len >= 6 && memcmp(s->raw, xz_magic, 6) == 0) {
        s->kind = SRC_XZ;
        lzma_stream init = LZMA_STREAM_INIT;
        s->x = init;
        if (lzma_stream_decoder(&s->x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
            snprintf(msg, msglen, "%s: liblzma: cannot initialise", path);
            s->kind = SRC_PLAIN;
            mmu_tsrc_close(s);
            return -1;
        }
    }
    *out = s;
    return 0;
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
            /* A member ended: more input is another member (gzip -c a b > c). */
            if (raw_refill(s) < 0)
                return -1;
            if (s->raw_pos == s->raw_len)
                return 0;
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
            return fail_after(s, n - s->z.avail_out, "gzip: unexpected end of compressed data");
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
            return fail_after(s, n - s->z.avail_out, what);
        }
    }
    long got = (long)(n - s->z.avail_out);
    s->out_total += (uint64_t)got;
    return got;
}

static long read_xz(mmu_tsrc_t *s, uint8_t *dst, size_t n)
{
    if (s->done)
        return 0;
    s->x.next_out = dst;
    s->x.avail_out = n;
    while (s->x.avail_out == n) {
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
            break;
        }
        if (rc != LZMA_OK) {
            const char *what = rc == LZMA_BUF_ERROR    ? "xz: unexpected end of compressed data"
                               : rc == LZMA_DATA_ERROR ? "xz: corrupt compressed data"
                               : rc == LZMA_FORMAT_ERROR ? "xz: not in .xz format"
                               : rc == LZMA_OPTIONS_ERROR ? "xz: unsupported options"
                               : rc == LZMA_MEM_ERROR     ? "xz: out of memory"
                                                          : "xz: decoder error";
            return fail_after(s, n - s->x.avail_out, what);
        }
    }
    long got = (long)(n - s->x.avail_out);
    s->out_total += (uint64_t)got;
    return got;
}

long mmu_tsrc_read(mmu_tsrc_t *s, uint8_t *dst, size_t n)
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

const char *mmu_tsrc_error(const mmu_tsrc_t *s) { return s->err; }

const char *mmu_tsrc_compression(const mmu_tsrc_t *s)
{
    return s->kind == SRC_GZIP ? "gzip" : s->kind == SRC_XZ ? "xz" : "none";
}

void mmu_tsrc_close(mmu_tsrc_t *s)
{
    if (!s)
        return;
    if (s->kind == SRC_GZIP)
        inflateEnd(&s->z);
    else if (s->kind == SRC_XZ)
        lzma_end(&s->x);
    if (s->own && s->f)
        fclose(s->f);
    free(s->raw);
    free(s);
}
