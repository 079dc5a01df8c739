/* SPDX-License-Identifier: Apache-2.0 */
/* Parser of the scenario format (see README "mmusim check"). Strict: every
 * token is checked, and the first problem is reported with file and line. */
#include "scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOK 32

typedef struct parser {
    const char *path;
    int line;
    char *msg;
    size_t msglen;
} parser_t;

__attribute__((format(printf, 2, 3))) static int fail(parser_t *p, const char *fmt, ...)
{
    /* Line 0: about the whole (empty) file, not a line of it. */
    int n = p->line ? snprintf(p->msg, p->msglen, "%s:%d: ", p->path, p->line)
                    : snprintf(p->msg, p->msglen, "%s: ", p->path);
    if (n >= 0 && (size_t)n < p->msglen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->msg + n, p->msglen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int scn_tokenize(char *line, char **tok, int max)
{
    /* '#' starts a comment; so does a word starting with '(' (the notation used
     * for remarks in the format's own description). */
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    int n = 0;
    for (char *s = strtok(line, " \t\r\n"); s; s = strtok(NULL, " \t\r\n")) {
        if (s[0] == '(')
            break;
        if (n == max)
            return -1;
        tok[n++] = s;
    }
    return n;
}

int scn_u64(const char *s, uint64_t *v)
{
    /* Digits only: strtoull would skip leading blanks (\v, \f too) and take a
     * sign, turning "\v-1" into 2^64 - 1. */
    uint64_t base = 10, x = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (x > (UINT64_MAX - d) / base)
            return -1;
        x = x * base + d;
    }
    *v = x;
    return 0;
}

int scn_getline(FILE *in, char *buf, const char *path, int lineno, char *msg, size_t msglen)
{
    size_t n = 0;
    int c, any = 0;
    while ((c = getc_unlocked(in)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        /* SCN_LINE_MAX bytes and a '\r' fit; one more byte is too many. */
        if (n == SCN_LINE_MAX + 1) {
            snprintf(msg, msglen, "%s:%d: line longer than %d bytes", path, lineno,
                     SCN_LINE_MAX);
            return -1;
        }
        buf[n++] = (char)c;
    }
    if (ferror(in)) {
        snprintf(msg, msglen, "%s:%d: read error: %s", path, lineno, strerror(errno));
        return -1;
    }
    if (!any)
        return 0;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n > SCN_LINE_MAX) {
        snprintf(msg, msglen, "%s:%d: line longer than %d bytes", path, lineno, SCN_LINE_MAX);
        return -1;
    }
    const char *nul = memchr(buf, '\0', n);
    if (nul) {
        snprintf(msg, msglen, "%s:%d: NUL byte in column %zu (binary data in a text file)", path,
                 lineno, (size_t)(nul - buf) + 1);
        return -1;
    }
    buf[n] = '\0';
    return 1;
}

int scn_i64(const char *s, int64_t *v)
{
    if (*s == '-') {
        uint64_t u;
        if (scn_u64(s + 1, &u) || u > (uint64_t)INT64_MAX + 1)
            return -1;
        *v = (int64_t)(0 - u);
        return 0;
    }
    uint64_t u;
    if (scn_u64(s, &u) || u > (uint64_t)INT64_MAX)
        return -1;
    *v = (int64_t)u;
    return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ctl keys: the control bit each one sets (or a 32-bit register). */
typedef struct ctl_key {
    const char *name;
    int reg; /* 0 cr0, 1 cr4, 2 efer, 3 rflags, 4 pkru, 5 pkrs */
    uint64_t bit;
} ctl_key_t;

static const ctl_key_t CTL_KEYS[] = {
    {"wp", 0, MMU_CR0_WP},      {"smep", 1, MMU_CR4_SMEP}, {"smap", 1, MMU_CR4_SMAP},
    {"pke", 1, MMU_CR4_PKE},    {"pks", 1, MMU_CR4_PKS},   {"pcide", 1, MMU_CR4_PCIDE},
    {"pge", 1, MMU_CR4_PGE},    {"nxe", 2, MMU_EFER_NXE},  {"ac", 3, MMU_RFLAGS_AC},
    {"pkru", 4, 0},             {"pkrs", 5, 0},
};

static int parse_ctl(parser_t *p, char **tok, int n, mmu_ctrl_t *c)
{
    if (n < 2)
        return fail(p, "ctl: expected KEY=VALUE ...");
    for (int i = 1; i < n; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq)
            return fail(p, "ctl: '%s': expected KEY=VALUE", tok[i]);
        *eq = '\0';
        const char *key = tok[i], *val = eq + 1;
        const ctl_key_t *k = NULL;
        for (size_t j = 0; j < sizeof CTL_KEYS / sizeof CTL_KEYS[0]; j++)
            if (!strcmp(CTL_KEYS[j].name, key))
                k = &CTL_KEYS[j];
        if (!k)
            return fail(p, "ctl: unknown key '%s' (known: wp smep smap pke pks nxe "
                           "pkru pkrs ac pcide pge)", key);
        uint64_t v;
        if (scn_u64(val, &v))
            return fail(p, "ctl: %s: '%s' is not a number", key, val);
        if (k->reg >= 4) {
            if (v > UINT32_MAX)
                return fail(p, "ctl: %s=%s: must fit in 32 bits", key, val);
            if (k->reg == 4)
                c->pkru = (uint32_t)v;
            else
                c->pkrs = (uint32_t)v;
            continue;
        }
        if (v > 1)
            return fail(p, "ctl: %s=%s: must be 0 or 1", key, val);
        uint64_t *r = k->reg == 0 ? &c->cr0 : k->reg == 1 ? &c->cr4 : k->reg == 2 ? &c->efer
                                                                                : &c->rflags;
        *r = v ? (*r | k->bit) : (*r & ~k->bit);
    }
    return 0;
}

static int add_op(parser_t *p, scenario_t *s, scn_op_t *op)
{
    if (grow((void **)&s->ops, &s->capops, s->nops, sizeof *op))
        return fail(p, "out of memory");
    op->line = p->line;
    s->ops[s->nops++] = *op;
    return 0;
}

static bool has_ctrl(scn_op_kind_t k)
{
    return k == SCN_CTRL || k == SCN_CR3;
}

/* The current control state: that of the last ctl/cr3 op, or the initial one. */
static mmu_ctrl_t *cur_ctrl(scenario_t *s)
{
    for (size_t i = s->nops; i-- > 0;)
        if (has_ctrl(s->ops[i].kind))
            return &s->ops[i].ctrl;
    return &s->ctrl0;
}

static int parse_line(parser_t *p, scn_file_t *f, scenario_t **cur, char **tok, int n)
{
    const char *kw = tok[0];
    scenario_t *s = *cur;

    if (!strcmp(kw, "scenario")) {
        if (s)
            return fail(p, "scenario '%s' starts before scenario '%s' (line %d) has its 'end'",
                        n > 1 ? tok[1] : "", s->name, s->line);
        if (n != 2)
            return fail(p, "scenario: expected exactly one NAME");
        if (grow((void **)&f->s, &f->cap, f->n, sizeof *f->s))
            return fail(p, "out of memory");
        s = &f->s[f->n++];
        memset(s, 0, sizeof *s);
        s->name = strdup(tok[1]);
        s->line = p->line;
        s->levels = 4;
        s->maxphyaddr = 52;
        *cur = s;
        return s->name ? 0 : fail(p, "out of memory");
    }
    if (!s)
        return fail(p, "'%s' outside a scenario (missing 'scenario NAME')", kw);

    if (!strcmp(kw, "end")) {
        if (n != 1)
            return fail(p, "end: unexpected '%s'", tok[1]);
        *cur = NULL;
        return 0;
    }
    if (!strcmp(kw, "levels") || !strcmp(kw, "maxphyaddr")) {
        bool lv = kw[0] == 'l';
        uint64_t v;
        if (n != 2)
            return fail(p, "%s: expected one value", kw);
        if (s->naccess)
            return fail(p, "%s: must come before the first access", kw);
        if ((lv ? s->levels_line : s->maxphyaddr_line) != 0)
            return fail(p, "%s: given twice (first on line %d)", kw,
                        lv ? s->levels_line : s->maxphyaddr_line);
        if (scn_u64(tok[1], &v))
            return fail(p, "%s: '%s' is not a number", kw, tok[1]);
        if (lv) {
            if (v != 4 && v != 5)
                return fail(p, "levels: %s: must be 4 or 5", tok[1]);
            s->levels = (unsigned)v;
            s->levels_line = p->line;
        } else {
            if (v < 36 || v > 52)
                return fail(p, "maxphyaddr: %s: must be 36..52", tok[1]);
            s->maxphyaddr = (unsigned)v;
            s->maxphyaddr_line = p->line;
        }
        return 0;
    }
    if (!strcmp(kw, "mem") || !strcmp(kw, "write")) {
        uint64_t pa, val;
        if (n != 3)
            return fail(p, "%s: expected PA VALUE", kw);
        if (scn_u64(tok[1], &pa))
            return fail(p, "%s: address '%s' is not a number", kw, tok[1]);
        if (scn_u64(tok[2], &val))
            return fail(p, "%s: value '%s' is not a 64-bit number", kw, tok[2]);
        if (pa & 7)
            return fail(p, "%s: address 0x%" PRIx64 " is not 8-byte aligned", kw, pa);
        if (kw[0] == 'm') {
            if (s->naccess)
                return fail(p, "mem: initial memory must come before the first access "
                               "(use 'write' to change memory between accesses)");
            if (grow((void **)&s->mem, &s->capmem, s->nmem, sizeof *s->mem))
                return fail(p, "out of memory");
            s->mem[s->nmem++] = (scn_word_t){pa, val, p->line};
            return 0;
        }
        scn_op_t op = {.kind = SCN_WRITE, .pa = pa, .val = val};
        return add_op(p, s, &op);
    }
    if (!strcmp(kw, "ctl") || !strcmp(kw, "cr3")) {
        scn_op_t op = {.kind = kw[1] == 't' ? SCN_CTRL : SCN_CR3};
        op.ctrl = *cur_ctrl(s);
        if (kw[1] == 't') {
            if (parse_ctl(p, tok, n, &op.ctrl))
                return -1;
        } else {
            if (n != 2)
                return fail(p, "cr3: expected one value");
            if (scn_u64(tok[1], &op.ctrl.cr3))
                return fail(p, "cr3: '%s' is not a 64-bit number", tok[1]);
            op.val = op.ctrl.cr3;
        }
        if (!s->nops && !s->naccess) { /* still setting up: no op needed */
            s->ctrl0 = op.ctrl;
            if (kw[1] == 'r')
                s->cr3_line = p->line;
            return 0;
        }
        return add_op(p, s, &op);
    }
    if (!strcmp(kw, "invlpg")) {
        scn_op_t op = {.kind = SCN_INVLPG};
        if (n != 2)
            return fail(p, "invlpg: expected one linear address");
        if (scn_u64(tok[1], &op.req.la))
            return fail(p, "invlpg: address '%s' is not a 64-bit number", tok[1]);
        return add_op(p, s, &op);
    }
    if (!strcmp(kw, "invpcid")) {
        scn_op_t op = {.kind = SCN_INVPCID};
        uint64_t pcid;
        if (n != 4)
            return fail(p, "invpcid: expected TYPE PCID ADDRESS");
        if (scn_u64(tok[1], &op.val) || op.val > 3)
            return fail(p, "invpcid: type '%s': must be 0..3", tok[1]);
        if (scn_u64(tok[2], &pcid) || pcid > 0xfff)
            return fail(p, "invpcid: pcid '%s': must be 0..0xfff", tok[2]);
        if (scn_u64(tok[3], &op.req.la))
            return fail(p, "invpcid: address '%s' is not a 64-bit number", tok[3]);
        op.pcid = (uint16_t)pcid;
        return add_op(p, s, &op);
    }
    if (!strcmp(kw, "access")) {
        scn_op_t op = {.kind = SCN_ACCESS};
        uint64_t cpl;
        if (n < 5)
            return fail(p, "access: expected ID ADDRESS r|w|x CPL [implicit]");
        if (n > 6)
            return fail(p, "access %s: unexpected '%s' after '%s'", tok[1], tok[6], tok[5]);
        if (scn_i64(tok[1], &op.id))
            return fail(p, "access: id '%s' is not an integer", tok[1]);
        if (scn_u64(tok[2], &op.req.la))
            return fail(p, "access %s: address '%s' is not a 64-bit number", tok[1], tok[2]);
        if (!strcmp(tok[3], "r"))
            op.req.type = MMU_ACC_READ;
        else if (!strcmp(tok[3], "w"))
            op.req.type = MMU_ACC_WRITE;
        else if (!strcmp(tok[3], "x"))
            op.req.type = MMU_ACC_FETCH;
        else
            return fail(p, "access %s: type '%s': must be r, w or x", tok[1], tok[3]);
        if (scn_u64(tok[4], &cpl) || cpl > 3)
            return fail(p, "access %s: CPL '%s': must be 0..3", tok[1], tok[4]);
        op.req.cpl = (uint8_t)cpl;
        if (n == 6) {
            if (strcmp(tok[5], "implicit"))
                return fail(p, "access %s: unexpected '%s' (only 'implicit' may follow the CPL)",
                            tok[1], tok[5]);
            op.req.flags |= MMU_REQ_IMPLICIT;
        }
        s->naccess++;
        return add_op(p, s, &op);
    }
    return fail(p, "unknown statement '%s' (expected scenario, levels, maxphyaddr, ctl, cr3, "
                   "mem, write, invlpg, invpcid, access or end)", kw);
}

/* Checks that need the whole scenario (MAXPHYADDR may come after a mem line). */
static int check_scenario(parser_t *p, scenario_t *s)
{
    const uint64_t limit = 1ull << s->maxphyaddr;
    for (size_t i = 0; i < s->nmem; i++) {
        if (s->mem[i].pa >= limit) {
            p->line = s->mem[i].line;
            return fail(p, "mem: address 0x%" PRIx64 " is beyond MAXPHYADDR (%u bits)",
                        s->mem[i].pa, s->maxphyaddr);
        }
    }
    for (size_t i = 0; i <= s->nops; i++) {
        const mmu_ctrl_t *c = i < s->nops ? &s->ops[i].ctrl : &s->ctrl0;
        if (i < s->nops && s->ops[i].kind == SCN_WRITE && s->ops[i].pa >= limit) {
            p->line = s->ops[i].line;
            return fail(p, "write: address 0x%" PRIx64 " is beyond MAXPHYADDR (%u bits)",
                        s->ops[i].pa, s->maxphyaddr);
        }
        if (i < s->nops && !has_ctrl(s->ops[i].kind))
            continue;
        uint64_t cr3 = c->cr3;
        if (c->cr4 & MMU_CR4_PCIDE)
            cr3 &= ~MMU_CR3_NOFLUSH; /* the no-flush hint, not part of CR3 */
        if (cr3 >= limit) {
            /* The line of the cr3 value: the op's own line, or the set-up. */
            p->line = i < s->nops ? s->ops[i].line : s->cr3_line;
            return fail(p, "cr3: 0x%" PRIx64 " has bits at or above MAXPHYADDR (%u)%s", c->cr3,
                        s->maxphyaddr,
                        (c->cr3 >> 63) ? " (bit 63, no-flush, needs pcide=1)" : "");
        }
    }
    if (s->levels == 5)
        for (size_t i = 0; i < s->nops; i++)
            s->ops[i].ctrl.cr4 |= MMU_CR4_LA57;
    if (s->levels == 5)
        s->ctrl0.cr4 |= MMU_CR4_LA57;
    return 0;
}

static void scn_free_one(scenario_t *s)
{
    free(s->name);
    free(s->mem);
    free(s->ops);
}

/* With fn, each scenario is handed over once checked and then freed, so out
 * holds one scenario at a time; without, out collects them all. */
static int parse(FILE *in, const char *path, scn_file_t *out, int (*fn)(void *, scenario_t *),
                 void *ctx, char *msg, size_t msglen)
{
    parser_t p = {path, 0, msg, msglen};
    scenario_t *cur = NULL;
    char *line = malloc(SCN_LINE_MAX + 2);
    int rc = 0, got = 0;
    size_t seen = 0;
    memset(out, 0, sizeof *out);
    if (!line)
        return fail(&p, "out of memory");
    while ((got = scn_getline(in, line, path, p.line + 1, msg, msglen)) > 0) {
        char *tok[MAX_TOK];
        p.line++;
        int n = scn_tokenize(line, tok, MAX_TOK);
        if (n < 0) {
            rc = fail(&p, "too many words on one line");
            break;
        }
        if (n == 0)
            continue;
        if ((rc = parse_line(&p, out, &cur, tok, n)) != 0)
            break;
        if (!cur && !strcmp(tok[0], "end")) {
            if ((rc = check_scenario(&p, &out->s[out->n - 1])) != 0)
                break;
            seen++;
            if (fn) {
                rc = fn(ctx, &out->s[0]);
                scn_free_one(&out->s[0]);
                out->n = 0;
                if (rc)
                    break;
            }
        }
    }
    free(line);
    if (rc) {
        /* a parse error (-1, msg filled) or what fn returned */
    } else if (got < 0) {
        rc = -1; /* msg says where: a long line, a NUL byte, a read error */
    } else if (cur) {
        rc = fail(&p, "end of file inside scenario '%s' (line %d): missing 'end'", cur->name,
                  cur->line);
    } else if (seen == 0) {
        rc = fail(&p, "no scenario in file");
    }
    if (rc || fn)
        scn_free(out);
    return rc;
}

int scn_parse(FILE *in, const char *path, scn_file_t *out, char *msg, size_t msglen)
{
    return parse(in, path, out, NULL, NULL, msg, msglen);
}

int scn_parse_each(FILE *in, const char *path, int (*fn)(void *ctx, scenario_t *s), void *ctx,
                   char *msg, size_t msglen)
{
    scn_file_t f;
    return parse(in, path, &f, fn, ctx, msg, msglen);
}

void scn_free(scn_file_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        scn_free_one(&f->s[i]);
    free(f->s);
    memset(f, 0, sizeof *f);
}
