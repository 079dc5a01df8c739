/* SPDX-License-Identifier: Apache-2.0 */
/* Native trace formats: the compact binary encoding (reader, encoder, streaming
 * writer) and the line-per-record text form used for hand-written cases. Both
 * carry every mmu_trec_t kind; workloads/README.md ("Trace formats") is the
 * byte-level specification, and the two must change together.
 *
 * The binary reader decodes in place from the 1 MiB input window: it refills
 * only when fewer than MMU_TRACE_NATIVE_MAX_RECORD bytes are left, so the
 * common case is a tag byte and two short varints with no call and no copy. */
#include "trace_native.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "trace_impl.h"

/* ---- encoding ------------------------------------------------------------- */

/* Access tag: 1 c c t t s s s  (cpl, type, size class). Event tag: 0 0 0 0 k k k k. */
#define TAG_ACCESS 0x80u
/* Size classes 0..6 stand for these sizes; class 7 = an explicit size byte. */
static const uint8_t size_of_class[7] = {0, 1, 2, 4, 8, 16, 32};

static unsigned class_of_size(uint8_t size)
{
    switch (size) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 4: return 3;
    case 8: return 4;
    case 16: return 5;
    case 32: return 6;
    default: return 7;
    }
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint64_t zigzag(uint64_t d) { return (d << 1) ^ (uint64_t)(-(int64_t)(d >> 63)); }
static inline uint64_t unzigzag(uint64_t z) { return (z >> 1) ^ (uint64_t)(-(int64_t)(z & 1)); }

void mmu_trace_native_header(uint8_t out[MMU_TRACE_NATIVE_HEADER_BYTES])
{
    memset(out, 0, MMU_TRACE_NATIVE_HEADER_BYTES);
    memcpy(out, MMU_TRACE_NATIVE_MAGIC, 8);
    out[8] = MMU_TRACE_NATIVE_VERSION & 0xff;
    out[9] = MMU_TRACE_NATIVE_VERSION >> 8;
    out[10] = MMU_TRACE_NATIVE_HEADER_BYTES & 0xff;
    out[11] = MMU_TRACE_NATIVE_HEADER_BYTES >> 8;
    /* 12..15 flags = 0, 16..23 reserved = 0 */
}

size_t mmu_trace_native_encode(mmu_trace_enc_t *enc, const mmu_trec_t *rec, uint8_t *out,
                               char *why, size_t whylen)
{
    char buf[128];
    if (mmu_trace_check(rec, buf, sizeof buf)) {
        if (why && whylen)
            snprintf(why, whylen, "%s", buf);
        return 0;
    }
    uint8_t *p = out;
    uint64_t dic = rec->icount - enc->icount;
    enc->icount = rec->icount;
    if (rec->kind == MMU_TREC_ACCESS) {
        unsigned sc = class_of_size(rec->size);
        unsigned s = rec->type == MMU_ACC_FETCH;
        *p++ = (uint8_t)(TAG_ACCESS | (unsigned)rec->cpl << 5 | (unsigned)rec->type << 3 | sc);
        p = put_varint(p, dic);
        p = put_varint(p, zigzag(rec->la - enc->prev_la[s]));
        enc->prev_la[s] = rec->la;
        if (sc == 7)
            *p++ = rec->size;
        return (size_t)(p - out);
    }
    *p++ = rec->kind;
    p = put_varint(p, dic);
    switch (rec->kind) {
    case MMU_TREC_CR3:
        p = put_varint(p, rec->value);
        break;
    case MMU_TREC_INVLPG:
        p = put_varint(p, rec->la);
        break;
    case MMU_TREC_INVPCID:
        p = put_varint(p, rec->value);
        p = put_varint(p, rec->pcid);
        p = put_varint(p, rec->la);
        break;
    case MMU_TREC_MAP:
        p = put_varint(p, rec->la);
        p = put_varint(p, rec->len);
        p = put_varint(p, rec->value);
        *p++ = rec->size;
        *p++ = rec->map; /* version 2 */
        if (rec->map != MMU_MAP_ANON) {
            p = put_varint(p, rec->file);
            p = put_varint(p, rec->off);
        }
        break;
    case MMU_TREC_UNMAP:
        p = put_varint(p, rec->la);
        p = put_varint(p, rec->len);
        break;
    case MMU_TREC_PROTECT:
        p = put_varint(p, rec->la);
        p = put_varint(p, rec->len);
        p = put_varint(p, rec->value);
        break;
    default: /* SYSCALL_ENTER / EXIT: no fields */
        break;
    }
    return (size_t)(p - out);
}

/* ---- binary reader ---------------------------------------------------------- */

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

int mmu_trace_native_start(mmu_trace_reader_t *r)
{
    long n = mmu_trace_fill(r, MMU_TRACE_NATIVE_HEADER_BYTES);
    if (n < 0)
        return -1;
    const uint8_t *h = r->buf + r->pos;
    if ((size_t)n < 8 && r->src_failed == 1)
        return mmu_trace_fail_src(r);
    if (n < 8 || memcmp(h, MMU_TRACE_NATIVE_MAGIC, 8) != 0)
        return mmu_trace_fail_at(r, 0, "bad magic (not an mmusim native trace)");
    if (n < MMU_TRACE_NATIVE_HEADER_BYTES)
        return mmu_trace_fail_short(r, 0, "truncated header");
    if (le16(h + 8) < MMU_TRACE_NATIVE_VERSION_MIN || le16(h + 8) > MMU_TRACE_NATIVE_VERSION)
        return mmu_trace_fail_at(r, 8, "unsupported version %u (this reader knows %d to %d)",
                                 le16(h + 8), MMU_TRACE_NATIVE_VERSION_MIN,
                                 MMU_TRACE_NATIVE_VERSION);
    r->version = le16(h + 8);
    uint32_t hsize = le16(h + 10);
    if (hsize < MMU_TRACE_NATIVE_HEADER_BYTES)
        return mmu_trace_fail_at(r, 10, "header size %u < %d", hsize,
                                 MMU_TRACE_NATIVE_HEADER_BYTES);
    if (le32(h + 12) != 0)
        return mmu_trace_fail_at(r, 12, "unknown flags 0x%x", le32(h + 12));
    /* A larger header (up to 64 KiB) is skipped a window at a time. */
    for (size_t left = hsize; left > 0;) {
        n = mmu_trace_fill(r, left < r->window ? left : r->window);
        if (n < 0)
            return -1;
        if (n == 0)
            return mmu_trace_fail_short(r, 0, "truncated header");
        const size_t take = (size_t)n < left ? (size_t)n : left;
        r->pos += take;
        left -= take;
    }
    return 0;
}

enum { DEC_OK, DEC_SHORT, DEC_LONG };

/* LEB128, at most 10 bytes with the 10th < 2. */
#define GET_VARINT(dst)                                                \
    do {                                                               \
        uint64_t v_ = 0;                                               \
        unsigned sh_ = 0;                                              \
        for (;;) {                                                     \
            if (p == end) {                                            \
                st = DEC_SHORT;                                        \
                goto bad;                                              \
            }                                                          \
            uint8_t b_ = *p++;                                         \
            if (sh_ == 63 && b_ > 1) {                                 \
                st = DEC_LONG;                                         \
                goto bad;                                              \
            }                                                          \
            v_ |= (uint64_t)(b_ & 0x7f) << sh_;                        \
            if (!(b_ & 0x80))                                          \
                break;                                                 \
            sh_ += 7;                                                  \
        }                                                              \
        (dst) = v_;                                                    \
    } while (0)

int mmu_trace_native_next(mmu_trace_reader_t *r, mmu_trec_t *rec)
{
    size_t avail = r->end - r->pos;
    if (avail < MMU_TRACE_NATIVE_MAX_RECORD && !r->eof) {
        long n = mmu_trace_fill(r, MMU_TRACE_NATIVE_MAX_RECORD);
        if (n < 0)
            return -1;
        avail = (size_t)n;
    }
    if (avail == 0)
        return 0;
    const uint8_t *p0 = r->buf + r->pos, *p = p0, *end = p0 + avail;
    int st = DEC_OK;
    uint64_t dic, a, b, c;
    uint8_t tag = *p++;
    if (tag & TAG_ACCESS) {
        unsigned type = (tag >> 3) & 3, sc = tag & 7;
        if (type > MMU_ACC_FETCH)
            goto bad_tag;
        GET_VARINT(dic);
        GET_VARINT(a);
        uint8_t size;
        if (sc < 7) {
            size = size_of_class[sc];
        } else {
            if (p == end) {
                st = DEC_SHORT;
                goto bad;
            }
            size = *p++;
        }
        unsigned s = type == MMU_ACC_FETCH;
        uint64_t la = r->prev_la[s] + unzigzag(a);
        r->prev_la[s] = la;
        r->icount += dic;
        *rec = (mmu_trec_t){.icount = r->icount,
                            .la = la,
                            .kind = MMU_TREC_ACCESS,
                            .type = (uint8_t)type,
                            .cpl = (uint8_t)(tag >> 5 & 3),
                            .size = size};
        r->rec_at = r->base + r->pos;
        r->pos += (size_t)(p - p0);
        return 1;
    }
    unsigned kind = tag;
    if (kind == MMU_TREC_ACCESS || kind >= MMU_TREC_KINDS)
        goto bad_tag;
    GET_VARINT(dic);
    mmu_trec_t t = {.kind = (uint8_t)kind};
    switch (kind) {
    case MMU_TREC_CR3:
        GET_VARINT(t.value);
        break;
    case MMU_TREC_INVLPG:
        GET_VARINT(t.la);
        break;
    case MMU_TREC_INVPCID:
        GET_VARINT(t.value);
        GET_VARINT(b);
        GET_VARINT(t.la);
        if (b > 0xfff)
            return mmu_trace_fail_at(r, r->base + r->pos, "INVPCID pcid %llu > 4095",
                                     (unsigned long long)b);
        t.pcid = (uint16_t)b;
        break;
    case MMU_TREC_MAP:
    case MMU_TREC_UNMAP:
    case MMU_TREC_PROTECT:
        GET_VARINT(t.la);
        GET_VARINT(t.len);
        if (kind != MMU_TREC_UNMAP)
            GET_VARINT(t.value);
        if (kind == MMU_TREC_MAP) {
            if (p == end) {
                st = DEC_SHORT;
                goto bad;
            }
            c = *p++;
            if (c > MMU_PAGE_1G)
                return mmu_trace_fail_at(r, r->base + r->pos, "MAP page size %u > 2",
                                         (unsigned)c);
            t.size = (uint8_t)c;
            if (r->version >= 2) { /* the mapping's kind; version 1: anonymous */
                if (p == end) {
                    st = DEC_SHORT;
                    goto bad;
                }
                c = *p++;
                if (c > MMU_MAP_FILE_SHARED)
                    return mmu_trace_fail_at(r, r->base + r->pos, "MAP kind %u > 2", (unsigned)c);
                t.map = (uint8_t)c;
                if (c != MMU_MAP_ANON) {
                    GET_VARINT(t.file);
                    GET_VARINT(t.off);
                }
            }
        }
        break;
    default:
        break;
    }
    char why[128];
    if (mmu_trace_check(&t, why, sizeof why))
        return mmu_trace_fail_at(r, r->base + r->pos, "%s", why);
    r->icount += dic;
    t.icount = r->icount;
    *rec = t;
    r->rec_at = r->base + r->pos;
    r->pos += (size_t)(p - p0);
    return 1;

bad_tag:
    return mmu_trace_fail_at(r, r->base + r->pos, "unknown tag 0x%02x", tag);
bad:
    if (st == DEC_SHORT)
        return mmu_trace_fail_short(r, r->base + r->pos, "truncated record");
    return mmu_trace_fail_at(r, r->base + r->pos, "varint too long");
}

/* ---- text form -------------------------------------------------------------- */

static const char *const text_keywords[] = {"r",      "w",      "x",       "cr3",
                                            "syscall", "sysret", "invlpg", "invpcid",
                                            "map",    "unmap",  "protect", NULL};

/* Decimal or 0x-hex digits s[0..n), nothing else (no blank, no sign), and no
 * overflow. */
static int parse_u64n(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    uint64_t base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (n == 0)
        return -1;
    for (const char *e = s + n; s < e; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    return parse_u64n(s, strlen(s), out);
}

/* PTE flags: a number, or names joined by '|' (P|RW|US|XD), or a mix. Read in
 * place, whatever the token's length: nothing is copied or cut. */
static int parse_flags(const char *flags, uint64_t *out)
{
    static const struct {
        const char *name;
        uint64_t bit;
    } names[] = {{"P", MMU_PTE_P},   {"RW", MMU_PTE_RW}, {"US", MMU_PTE_US},
                 {"PWT", MMU_PTE_PWT}, {"PCD", MMU_PTE_PCD}, {"A", MMU_PTE_A},
                 {"D", MMU_PTE_D},   {"PS", MMU_PTE_PS}, {"G", MMU_PTE_G},
                 {"XD", MMU_PTE_XD}};
    uint64_t v = 0;
    for (const char *tok = flags;;) {
        const size_t n = strcspn(tok, "|");
        uint64_t x;
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && memcmp(tok, names[i].name, n) == 0)
                break;
        if (i < sizeof names / sizeof names[0])
            v |= names[i].bit;
        else if (parse_u64n(tok, n, &x) == 0)
            v |= x;
        else
            return -1;
        if (!tok[n])
            break;
        tok += n + 1;
    }
    *out = v;
    return 0;
}

/* Split at blanks, dropping a '#' comment. Returns the token count (max 8;
 * 9 means "too many"). */
static int split(char *line, char *tok[11])
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return n;
        if (n == 11)
            return 11;
        tok[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

static int keyword_index(const char *s, size_t n)
{
    for (int i = 0; text_keywords[i]; i++)
        if (strlen(text_keywords[i]) == n && memcmp(s, text_keywords[i], n) == 0)
            return i;
    return -1;
}

int mmu_trace_text_sniff(const uint8_t *p, size_t n)
{
    static const char banner[] = "# mmusim text trace";
    if (n >= sizeof banner - 1 && memcmp(p, banner, sizeof banner - 1) == 0)
        return 1;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && p[e] != '\n')
            e++;
        size_t a = i;
        while (a < e && (p[a] == ' ' || p[a] == '\t' || p[a] == '\r'))
            a++;
        if (a < e && p[a] != '#') {
            if (p[a] == '@') { /* skip the icount token */
                while (a < e && p[a] != ' ' && p[a] != '\t')
                    a++;
                while (a < e && (p[a] == ' ' || p[a] == '\t'))
                    a++;
            }
            size_t b = a;
            while (b < e && p[b] != ' ' && p[b] != '\t' && p[b] != '\r' && p[b] != '#')
                b++;
            return keyword_index((const char *)p + a, b - a) >= 0;
        }
        i = e + 1;
    }
    return 0;
}

static int text_num(mmu_trace_reader_t *r, const char *tok, const char *what, uint64_t *v)
{
    if (parse_u64(tok, v) < 0)
        return mmu_trace_fail_line(r, "bad %s '%s'", what, tok);
    return 0;
}

int mmu_trace_text_next(mmu_trace_reader_t *r, mmu_trec_t *rec)
{
    for (;;) {
        char *line;
        size_t len;
        int complete;
        int rc = mmu_trace_getline(r, &line, &len, &complete);
        if (rc <= 0)
            return rc;
        char *tok[11];
        int n = split(line, tok);
        if (n == 0)
            continue;
        if (n > 10)
            return mmu_trace_fail_line(r, "too many fields");
        char **t = tok;
        if (t[0][0] == '@') {
            if (text_num(r, t[0] + 1, "icount", &r->icount) < 0)
                return -1;
            t++;
            n--;
            if (n == 0)
                return mmu_trace_fail_line(r, "'@ICOUNT' without a record");
        }
        int k = keyword_index(t[0], strlen(t[0]));
        if (k < 0)
            return mmu_trace_fail_line(r, "unknown record '%s'", t[0]);
        static const int min_args[] = {2, 2, 2, 1, 0, 0, 1, 3, 4, 2, 3};
        static const int max_args[] = {3, 3, 3, 1, 0, 0, 1, 3, 8, 2, 3};
        static const char *const usage[] = {
            "r ADDR CPL [SIZE]", "w ADDR CPL [SIZE]", "x ADDR CPL [SIZE]", "cr3 VALUE",
            "syscall",           "sysret",            "invlpg ADDR",        "invpcid TYPE PCID ADDR",
            "map ADDR LEN FLAGS 4k|2m|1g [file ID OFFSET private|shared]", "unmap ADDR LEN",
            "protect ADDR LEN FLAGS"};
        if (n - 1 < min_args[k] || n - 1 > max_args[k] || (k == 8 && n - 1 != 4 && n - 1 != 8))
            return mmu_trace_fail_line(r, "expected '%s'", usage[k]);
        mmu_trec_t o = {.icount = r->icount};
        uint64_t v;
        switch (k) {
        case 0:
        case 1:
        case 2:
            o.kind = MMU_TREC_ACCESS;
            o.type = k == 0 ? MMU_ACC_READ : k == 1 ? MMU_ACC_WRITE : MMU_ACC_FETCH;
            if (text_num(r, t[1], "address", &o.la) < 0 || text_num(r, t[2], "cpl", &v) < 0)
                return -1;
            if (v > 3)
                return mmu_trace_fail_line(r, "cpl %s > 3", t[2]);
            o.cpl = (uint8_t)v;
            if (n == 4) {
                if (text_num(r, t[3], "size", &v) < 0)
                    return -1;
                if (v > 255)
                    return mmu_trace_fail_line(r, "size %s > 255", t[3]);
                o.size = (uint8_t)v;
            }
            break;
        case 3:
            o.kind = MMU_TREC_CR3;
            if (text_num(r, t[1], "CR3 value", &o.value) < 0)
                return -1;
            break;
        case 4:
            o.kind = MMU_TREC_SYSCALL_ENTER;
            break;
        case 5:
            o.kind = MMU_TREC_SYSCALL_EXIT;
            break;
        case 6:
            o.kind = MMU_TREC_INVLPG;
            if (text_num(r, t[1], "address", &o.la) < 0)
                return -1;
            break;
        case 7:
            o.kind = MMU_TREC_INVPCID;
            if (text_num(r, t[1], "INVPCID type", &o.value) < 0 ||
                text_num(r, t[2], "pcid", &v) < 0 || text_num(r, t[3], "address", &o.la) < 0)
                return -1;
            if (v > 0xfff)
                return mmu_trace_fail_line(r, "INVPCID pcid %s > 4095", t[2]);
            o.pcid = (uint16_t)v;
            break;
        default: /* map, unmap, protect */
            o.kind = k == 8 ? MMU_TREC_MAP : k == 9 ? MMU_TREC_UNMAP : MMU_TREC_PROTECT;
            if (text_num(r, t[1], "address", &o.la) < 0 || text_num(r, t[2], "length", &o.len) < 0)
                return -1;
            if (k != 9 && parse_flags(t[3], &o.value) < 0)
                return mmu_trace_fail_line(r, "bad flags '%s'", t[3]);
            if (k == 8) {
                if (strcmp(t[4], "4k") == 0)
                    o.size = MMU_PAGE_4K;
                else if (strcmp(t[4], "2m") == 0)
                    o.size = MMU_PAGE_2M;
                else if (strcmp(t[4], "1g") == 0)
                    o.size = MMU_PAGE_1G;
                else
                    return mmu_trace_fail_line(r, "bad page size '%s' (4k, 2m or 1g)", t[4]);
                if (n - 1 == 8) {
                    if (strcmp(t[5], "file") != 0)
                        return mmu_trace_fail_line(
                            r, "expected 'file ID OFFSET private|shared' after the page size");
                    if (text_num(r, t[6], "file id", &o.file) < 0 ||
                        text_num(r, t[7], "file offset", &o.off) < 0)
                        return -1;
                    if (strcmp(t[8], "private") == 0)
                        o.map = MMU_MAP_FILE_PRIVATE;
                    else if (strcmp(t[8], "shared") == 0)
                        o.map = MMU_MAP_FILE_SHARED;
                    else
                        return mmu_trace_fail_line(r, "bad sharing '%s' (private or shared)", t[8]);
                }
            }
            break;
        }
        char why[128];
        if (mmu_trace_check(&o, why, sizeof why))
            return mmu_trace_fail_line(r, "%s", why);
        *rec = o;
        r->rec_at = r->line;
        return 1;
    }
}

/* ---- writer ------------------------------------------------------------------ */

#ifndef MMU_TRACE_WRITER_BYTES
#define MMU_TRACE_WRITER_BYTES (1u << 20)
#endif
#define WRITER_BUF_BYTES MMU_TRACE_WRITER_BYTES

struct mmu_trace_writer {
    FILE *f;
    int own;
    int text;
    int failed;
    uint8_t *buf;
    size_t n;
    mmu_trace_enc_t enc;
    uint64_t nrec;
    char path[160];
    char err[420];
};

static int writer_flush(mmu_trace_writer_t *w)
{
    if (w->n && fwrite(w->buf, 1, w->n, w->f) != w->n) {
        snprintf(w->err, sizeof w->err, "%s: write: %s", w->path, strerror(errno));
        w->failed = 1;
        return -1;
    }
    w->n = 0;
    return 0;
}

static int writer_start(FILE *f, int own, const char *path, const char *format,
                        mmu_trace_writer_t **out, char *msg, size_t msglen)
{
    int text;
    if (!format || strcmp(format, "native") == 0)
        text = 0;
    else if (strcmp(format, "text") == 0)
        text = 1;
    else {
        snprintf(msg, msglen, "%s: cannot write format '%s' (native, text)", path, format);
        return -1;
    }
    mmu_trace_writer_t *w = calloc(1, sizeof *w);
    uint8_t *buf = text ? NULL : malloc(WRITER_BUF_BYTES);
    if (!w || (!text && !buf)) {
        free(w);
        free(buf);
        snprintf(msg, msglen, "%s: out of memory", path);
        return -1;
    }
    w->buf = buf;
    w->text = text;
    snprintf(w->path, sizeof w->path, "%s", path);
    w->f = f;
    w->own = own;
    if (text) {
        fputs("# mmusim text trace\n", w->f);
    } else {
        mmu_trace_native_header(w->buf);
        w->n = MMU_TRACE_NATIVE_HEADER_BYTES;
    }
    *out = w;
    return 0;
}

int mmu_trace_writer_open(const char *path, const char *format, mmu_trace_writer_t **out,
                          char *msg, size_t msglen)
{
    *out = NULL;
    if (format && strcmp(format, "native") != 0 && strcmp(format, "text") != 0) {
        snprintf(msg, msglen, "%s: cannot write format '%s' (native, text)", path, format);
        return -1; /* before fopen, which would truncate the file */
    }
    FILE *f = stdout;
    if (strcmp(path, "-") != 0 && !(f = fopen(path, "wb"))) {
        snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        return -1;
    }
    const int rc = writer_start(f, f != stdout, path, format, out, msg, msglen);
    if (rc && f != stdout)
        fclose(f);
    return rc;
}

int mmu_trace_writer_fopen(FILE *f, const char *name, const char *format,
                           mmu_trace_writer_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    return writer_start(f, 0, name, format, out, msg, msglen);
}

static int write_text(mmu_trace_writer_t *w, const mmu_trec_t *rec)
{
    FILE *f = w->f;
    if (rec->icount != w->enc.icount) {
        fprintf(f, "@%llu ", (unsigned long long)rec->icount);
        w->enc.icount = rec->icount;
    }
    unsigned long long la = rec->la, len = rec->len, val = rec->value;
    switch (rec->kind) {
    case MMU_TREC_ACCESS:
        fprintf(f, "%c 0x%llx %u", "rwx"[rec->type], la, rec->cpl);
        if (rec->size)
            fprintf(f, " %u", rec->size);
        fputc('\n', f);
        break;
    case MMU_TREC_CR3: fprintf(f, "cr3 0x%llx\n", val); break;
    case MMU_TREC_SYSCALL_ENTER: fputs("syscall\n", f); break;
    case MMU_TREC_SYSCALL_EXIT: fputs("sysret\n", f); break;
    case MMU_TREC_INVLPG: fprintf(f, "invlpg 0x%llx\n", la); break;
    case MMU_TREC_INVPCID:
        fprintf(f, "invpcid %llu %u 0x%llx\n", val, rec->pcid, la);
        break;
    case MMU_TREC_MAP:
        fprintf(f, "map 0x%llx 0x%llx 0x%llx %s", la, len, val,
                rec->size == MMU_PAGE_4K ? "4k" : rec->size == MMU_PAGE_2M ? "2m" : "1g");
        if (rec->map != MMU_MAP_ANON)
            fprintf(f, " file %llu 0x%llx %s", (unsigned long long)rec->file,
                    (unsigned long long)rec->off,
                    rec->map == MMU_MAP_FILE_SHARED ? "shared" : "private");
        fputc('\n', f);
        break;
    case MMU_TREC_UNMAP: fprintf(f, "unmap 0x%llx 0x%llx\n", la, len); break;
    default: fprintf(f, "protect 0x%llx 0x%llx 0x%llx\n", la, len, val); break;
    }
    if (ferror(f)) {
        snprintf(w->err, sizeof w->err, "%s: write: %s", w->path, strerror(errno));
        w->failed = 1;
        return -1;
    }
    return 0;
}

int mmu_trace_write(mmu_trace_writer_t *w, const mmu_trec_t *rec)
{
    if (w->failed)
        return -1;
    char why[128];
    if (mmu_trace_check(rec, why, sizeof why)) {
        snprintf(w->err, sizeof w->err, "%s: record %llu: %s", w->path,
                 (unsigned long long)w->nrec, why);
        w->failed = 1;
        return -1;
    }
    if (w->text) {
        if (write_text(w, rec) < 0)
            return -1;
    } else {
        if (w->n > WRITER_BUF_BYTES - MMU_TRACE_NATIVE_MAX_RECORD && writer_flush(w) < 0)
            return -1;
        w->n += mmu_trace_native_encode(&w->enc, rec, w->buf + w->n, NULL, 0);
    }
    w->nrec++;
    return 0;
}

const char *mmu_trace_writer_error(const mmu_trace_writer_t *w) { return w->err; }

int mmu_trace_writer_close(mmu_trace_writer_t *w, char *msg, size_t msglen)
{
    if (!w)
        return 0;
    if (!w->failed && !w->text)
        writer_flush(w);
    if (!w->failed && fflush(w->f) != 0) {
        snprintf(w->err, sizeof w->err, "%s: write: %s", w->path, strerror(errno));
        w->failed = 1;
    }
    if (w->own && fclose(w->f) != 0 && !w->failed) {
        snprintf(w->err, sizeof w->err, "%s: close: %s", w->path, strerror(errno));
        w->failed = 1;
    }
    int rc = w->failed ? -1 : 0;
    if (msg && msglen)
        snprintf(msg, msglen, "%s", w->err);
    free(w->buf);
    free(w);
    return rc;
}
