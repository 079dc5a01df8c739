/* SPDX-License-Identifier: Apache-2.0 */
/* Reader for valgrind lackey `--trace-mem=yes` output:
 *   "I  04010a53,3"   instruction fetch      " L 1ffefffd28,8"  load
 *   " S 1ffefffd20,8" store                  " M 0402e3c8,4"    modify = load + store
 * Lines starting "==" (valgrind's banner and summary, "==PID== ...") or "--"
 * are skipped. Every record is CPL 3 and its icount is the number of I lines
 * before it. A size above 255 (a few vector and xsave forms) is kept as 0,
 * "unknown", since mmu_trec_t holds one byte. */
#include <string.h>

#include "mmu/mmu.h"
#include "trace_impl.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum { LK_SKIP = 0, LK_I, LK_L, LK_S, LK_M };

/* Parse one NUL-terminated line. Returns LK_* (>= 0) or -1 with *why set. */
static int lackey_parse(const char *s, uint64_t *la, unsigned *size, const char **why)
{
    if (s[0] == '=' && s[1] == '=')
        return LK_SKIP;
    if (s[0] == '-' && s[1] == '-')
        return LK_SKIP;
    while (*s == ' ')
        s++;
    if (!*s)
        return LK_SKIP;
    int kind;
    switch (*s) {
    case 'I': kind = LK_I; break;
    case 'L': kind = LK_L; break;
    case 'S': kind = LK_S; break;
    case 'M': kind = LK_M; break;
    default:
        *why = "expected 'I', 'L', 'S' or 'M'";
        return -1;
    }
    s++;
    if (*s != ' ') {
        *why = "expected a blank after the record letter";
        return -1;
    }
    while (*s == ' ')
        s++;
    uint64_t a = 0;
    int nd = 0, d;
    for (; (d = hexval(*s)) >= 0; s++, nd++)
        a = a << 4 | (uint64_t)d;
    if (nd == 0 || nd > 16) {
        *why = "bad address";
        return -1;
    }
    if (*s != ',') {
        *why = "expected ',SIZE' after the address";
        return -1;
    }
    s++;
    unsigned long n = 0;
    nd = 0;
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        if (n < 100000000ul)
            n = n * 10 + (unsigned long)(*s - '0');
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (nd == 0 || *s) {
        *why = "bad size";
        return -1;
    }
    *la = a;
    *size = n > 255 ? 0 : (unsigned)n;
    return kind;
}

int mmu_trace_lackey_sniff(const uint8_t *p, size_t n)
{
    char line[128];
    size_t k = 0;
    while (k < n && k < sizeof line - 1 && p[k] != '\n' && p[k] != '\r') {
        line[k] = (char)p[k];
        k++;
    }
    line[k] = '\0';
    if (line[0] == '=' && line[1] == '=')
        return 1;
    uint64_t la;
    unsigned size;
    const char *why;
    int kind = lackey_parse(line, &la, &size, &why);
    /* Lackey's own spacing: "I  addr" or " L addr". */
    return kind > 0 && (kind == LK_I ? line[0] == 'I' : line[0] == ' ');
}

int mmu_trace_lackey_next(mmu_trace_reader_t *r, mmu_trec_t *rec)
{
    if (r->ipend < r->npend) {
        *rec = r->pend[r->ipend++];
        return 1;
    }
    for (;;) {
        char *line;
        size_t len;
        int complete;
        int rc = mmu_trace_getline(r, &line, &len, &complete);
        if (rc <= 0)
            return rc;
        uint64_t la;
        unsigned size;
        const char *why = "";
        int kind = lackey_parse(line, &la, &size, &why);
        if (kind < 0) {
            if (!complete)
                return mmu_trace_fail_line(r, "truncated last line '%.60s'", line);
            return mmu_trace_fail_line(r, "%s in '%.60s'", why, line);
        }
        if (kind == LK_SKIP)
            continue;
        mmu_trec_t o = {.icount = r->icount,
                        .la = la,
                        .kind = MMU_TREC_ACCESS,
                        .cpl = 3,
                        .size = (uint8_t)size};
        switch (kind) {
        case LK_I:
            o.type = MMU_ACC_FETCH;
            r->icount++;
            break;
        case LK_S:
            o.type = MMU_ACC_WRITE;
            break;
        case LK_M:
            o.type = MMU_ACC_READ;
            r->pend[0] = o;
            r->pend[0].type = MMU_ACC_WRITE;
            r->npend = 1;
            r->ipend = 0;
            break;
        default:
            o.type = MMU_ACC_READ;
            break;
        }
        *rec = o;
        r->rec_at = r->line;
        return 1;
    }
}
