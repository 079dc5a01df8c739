/* SPDX-License-Identifier: Apache-2.0 */
/* Sweep specs (sweep_spec.h). The spec's own lines are kept so that a point's
 * configuration is the same text with one alternative per key: the config
 * loader then reports any impossibility at the spec's line numbers. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep_spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_opt.h"
#include "mmu/mmu.h"
#include "mmu/mmu_config_file.h"
#include "trace.h"

const char *const SW_POLICY_NAME[4] = {"4k", "thp", "1g", "mixed"};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int sw_check_key(const char *section, const char *key, const char *value, char *why, size_t len)
{
    /* A set of keys on the defaults, never ended: end's checks need every key
     * of the file, which one alternative alone does not have. No name, so the
     * message is the bare "[section] key=value: ..." the caller places. */
    mmu_config_t base;
    mmu_config_init(&base);
    mmu_config_keys_t *k = NULL;
    mmu_err_t e = {0};
    int rc = mmu_config_keys_begin(&base, NULL, &k, &e);
    if (!rc)
        rc = mmu_config_keys_section(k, 1, section, &e);
    if (!rc && key)
        rc = mmu_config_keys_set(k, 1, section, key, value, &e);
    mmu_config_keys_free(k);
    if (rc)
        snprintf(why, len, "%s", e.msg);
    return rc ? -1 : 0;
}

void sw_free_alts(char **alt, unsigned n)
{
    for (unsigned i = 0; alt && i < n; i++)
        free(alt[i]);
    free(alt);
}

static int push(char ***alt, unsigned *n, const char *v, size_t vl, char *why, size_t len)
{
    if (*n == SW_MAX_ALTS) {
        snprintf(why, len, "more than %d alternatives", SW_MAX_ALTS);
        return -1;
    }
    if (!(*n & (*n - 1)) || !*n) {
        char **a = realloc(*alt, sizeof **alt * (*n ? 2 * *n : 4));
        if (!a) {
            snprintf(why, len, "out of memory");
            return -1;
        }
        *alt = a;
    }
    char *c = malloc(vl + 1);
    if (!c) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    memcpy(c, v, vl);
    c[vl] = '\0';
    (*alt)[(*n)++] = c;
    return 0;
}

/* LO..HI[+S|*F]: digits only, LO <= HI, S >= 1, F >= 2. Returns 1 when item
 * is a range (appended), 0 when it is not one, -1 on a bad range. */
static int range(const char *item, char ***alt, unsigned *n, char *why, size_t len)
{
    const char *dots = strstr(item, "..");
    if (!dots)
        return 0;
    char lo_s[32], hi_s[32], st_s[32] = "1";
    char op = '+';
    const size_t ll = (size_t)(dots - item);
    const char *rest = dots + 2;
    const size_t hl = strcspn(rest, "+*");
    if (rest[hl]) {
        op = rest[hl];
        snprintf(st_s, sizeof st_s, "%s", rest + hl + 1);
    }
    if (ll >= sizeof lo_s || hl >= sizeof hi_s) {
        snprintf(why, len, "range '%s': numbers too long", item);
        return -1;
    }
    memcpy(lo_s, item, ll);
    lo_s[ll] = '\0';
    memcpy(hi_s, rest, hl);
    hi_s[hl] = '\0';
    uint64_t lo, hi, st;
    if (cli_u64(lo_s, &lo) || cli_u64(hi_s, &hi) || cli_u64(st_s, &st)) {
        snprintf(why, len,
                 "range '%s': expected LO..HI (steps of 1), LO..HI+STEP or LO..HI*FACTOR with "
                 "decimal numbers",
                 item);
        return -1;
    }
    if (lo > hi) {
        snprintf(why, len, "range '%s': %" PRIu64 " is above %" PRIu64, item, lo, hi);
        return -1;
    }
    if ((op == '+' && st < 1) || (op == '*' && (st < 2 || lo == 0))) {
        snprintf(why, len, "range '%s': %s", item,
                 op == '+' ? "the step must be >= 1"
                           : "a factor range needs a factor >= 2 and a start >= 1");
        return -1;
    }
    for (uint64_t v = lo;;) {
        char b[32];
        const int bl = snprintf(b, sizeof b, "%" PRIu64, v);
        if (push(alt, n, b, (size_t)bl, why, len))
            return -1;
        const uint64_t next = op == '+' ? v + st : v * st;
        if ((op == '+' && next < v) || (op == '*' && v > UINT64_MAX / st) || next > hi)
            break;
        v = next;
    }
    return 1;
}

int sw_expand(const char *v, char ***alt, unsigned *n, char *why, size_t len)
{
    *alt = NULL;
    *n = 0;
    char *copy = strdup(v);
    if (!copy) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    int rc = 0;
    unsigned k = 1;
    for (char *t = copy;; k++) {
        char *bar = strchr(t, '|');
        if (bar)
            *bar = '\0';
        char *item = trim(t);
        if (!*item) {
            snprintf(why, len, "alternative %u of '%s' is empty", k, v);
            rc = -1;
            break;
        }
        const int r = range(item, alt, n, why, len);
        if (r < 0 || (r == 0 && push(alt, n, item, strlen(item), why, len))) {
            rc = -1;
            break;
        }
        if (!bar)
            break;
        t = bar + 1;
    }
    free(copy);
    for (unsigned i = 0; !rc && i < *n; i++)
        for (unsigned j = 0; j < i; j++)
            if (!strcmp((*alt)[i], (*alt)[j])) {
                snprintf(why, len, "'%s' is given twice", (*alt)[i]);
                rc = -1;
                break;
            }
    if (rc) {
        sw_free_alts(*alt, *n);
        *alt = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- loading ------------------------------------------------------------------- */

typedef struct ld {
    sw_spec_t *s;
    char *msg;
    size_t len;
    int line;
    char spec_dir[PATH_MAX];
    const char *traces_dir;
    int seen[8]; /* [sweep] keys: line first set */
} ld_t;

static int err(ld_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int err(ld_t *l, const char *fmt, ...)
{
    char b[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    snprintf(l->msg, l->len, "%s:%d: %s", l->s->path, l->line, b);
    return 2;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static int add_workload(ld_t *l, const char *tok)
{
    sw_spec_t *s = l->s;
    for (unsigned i = 0; i < s->nwl; i++)
        if (!strcmp(s->wl[i].label, tok))
            return err(l, "[sweep] workloads: '%s' given twice", tok);
    sw_wl_t *w = &s->wl[s->nwl];
    memset(w, 0, sizeof *w);
    if (strlen(tok) >= sizeof w->label)
        return err(l, "[sweep] workloads: '%.40s...' is too long", tok);
    snprintf(w->label, sizeof w->label, "%s", tok);
    w->line = l->line;
    char path[PATH_MAX] = "";
    if (!strchr(tok, '/') && !strchr(tok, ':')) {
        static const char *const EXT[] = {".mtr.xz", ".mtr.gz", ".mtr"};
        for (int i = 0; i < 3 && !path[0]; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s%s", l->traces_dir, tok, EXT[i]);
            if (is_file(p))
                snprintf(path, sizeof path, "%s", p);
        }
    }
    if (!path[0] && (strchr(tok, '/') || strstr(tok, ".mtr") || strstr(tok, ".xz") ||
                     strstr(tok, ".gz") || strstr(tok, ".txt") || strstr(tok, ".trace"))) {
        /* A path: as given, else beside the spec. */
        if (tok[0] != '/' && !is_file(tok)) {
            if (snprintf(path, sizeof path, "%s/%s", l->spec_dir, tok) >= (int)sizeof path)
                return err(l, "[sweep] workloads: '%s': path too long", tok);
        } else
            snprintf(path, sizeof path, "%s", tok);
    }
    if (path[0]) {
        char m[600];
        mmu_trace_reader_t *tr = NULL;
        if (mmu_trace_open(path, NULL, &tr, m, sizeof m))
            return err(l, "[sweep] workloads: %s", m);
        mmu_trace_close(tr);
        char *abs = realpath(path, NULL);
        snprintf(w->path, sizeof w->path, "%s", abs ? abs : path);
        free(abs);
        struct stat st;
        if (stat(w->path, &st) == 0)
            s->hash = fnv(s->hash, &st.st_size, sizeof st.st_size);
        w->trace = true;
        s->nwl++;
        return 0;
    }
    if (strstr(tok, "page="))
        return err(l, "[sweep] workloads: '%s': page= is chosen by [sweep] policies "
                          "(4k, thp: 2M, 1g)", tok);
    mmu_synth_cfg_t c;
    char m[400];
    if (mmu_synth_parse(tok, &c, m, sizeof m))
        return err(l, "[sweep] workloads: %s (nor is it a trace in %s or a trace file)", m,
                   l->traces_dir);
    s->nwl++;
    return 0;
}

static int sweep_key(ld_t *l, const char *key, const char *val)
{
    static const char *const KEYS[] = {"presets", "workloads", "policies",       "accesses",
                                       "warmup",  "seed",      "batch", "stack_distance",
                                       NULL};
    sw_spec_t *s = l->s;
    int k = 0;
    while (KEYS[k] && strcmp(KEYS[k], key))
        k++;
    if (!KEYS[k])
        return err(l, "[sweep] unknown key '%s' (known: presets, workloads, policies, accesses, "
                      "warmup, seed, batch, stack_distance)",
                   key);
    if (l->seen[k])
        return err(l, "[sweep] %s: set twice (first on line %d)", key, l->seen[k]);
    l->seen[k] = l->line;
    char why[300];
    char **alt = NULL;
    unsigned n = 0;
    uint64_t v;
    int rc = 0;
    switch (k) {
    case 0: /* presets */
    case 1: /* workloads */
    case 2: /* policies */
        if (sw_expand(val, &alt, &n, why, sizeof why))
            return err(l, "[sweep] %s: %s", key, why);
        if (k == 0) {
            s->presets = alt;
            s->npresets = n;
            for (unsigned i = 0; i < n; i++) {
                mmu_config_t c;
                mmu_err_t e;
                mmu_config_init(&c);
                if (mmu_config_preset(&c, alt[i], &e))
                    return err(l, "[sweep] presets: %s", e.msg);
            }
            return 0;
        }
        if (k == 1) {
            s->wl = calloc(n, sizeof *s->wl);
            if (!s->wl)
                rc = err(l, "out of memory");
            for (unsigned i = 0; !rc && i < n; i++)
                rc = add_workload(l, alt[i]);
        } else {
            for (unsigned i = 0; !rc && i < n; i++) {
                unsigned p = 0;
                while (p < 4 && strcmp(SW_POLICY_NAME[p], alt[i]))
                    p++;
                if (p == 4 || n > 4)
                    rc = err(l, "[sweep] policies: '%s' is not a policy (4k, thp, 1g, mixed)",
                             alt[i]);
                else
                    s->pol[s->npol++] = p;
            }
        }
        sw_free_alts(alt, n);
        return rc;
    case 3: /* accesses */
    case 4: /* warmup */
        if (cli_count(val, &v) || v > 1000000000000000ull || (k == 3 && !v))
            return err(l, "[sweep] %s '%s': expected a count%s (digits, optional k, m, g: "
                          "x1000)",
                       key, val, k == 3 ? " >= 1" : "");
        *(k == 3 ? &s->accesses : &s->warmup) = v;
        return 0;
    case 5: /* seed */
        if (cli_u64(val, &s->seed))
            return err(l, "[sweep] seed '%s': expected decimal digits", val);
        s->has_seed = true;
        return 0;
    case 7: /* stack_distance */
        if (strcmp(val, "yes") && strcmp(val, "no"))
            return err(l, "[sweep] stack_distance '%s': expected yes or no", val);
        s->stack = !strcmp(val, "yes");
        s->stack_line = l->line;
        return 0;
    default: /* batch */
        if (cli_u64(val, &v) || v < 1 || v > 1024)
            return err(l, "[sweep] batch '%s': expected points per batch, 1..1024", val);
        s->batch = (unsigned)v;
        return 0;
    }
}

static int spec_load(const char *path, const char *traces_dir, sw_spec_t *s, char *msg,
                     size_t len)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->batch = 16;
    s->hash = 0xcbf29ce484222325ull;
    ld_t l = {.s = s, .msg = msg, .len = len, .traces_dir = traces_dir};
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(l.spec_dir, sizeof l.spec_dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(l.spec_dir, sizeof l.spec_dir, ".");
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, len, "%s: cannot open: %s", path, strerror(errno));
        return 2;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned lcap = 0;
    int rc = 0, in_sweep = 0, sweep_line = 0;
    char sec[128] = "";
    while (!rc && (got = getline(&buf, &cap, f)) >= 0) {
        l.line++;
        s->hash = fnv(s->hash, buf, (size_t)got);
        if (memchr(buf, '\0', (size_t)got)) {
            rc = err(&l, "a NUL byte: not a text file");
            break;
        }
        while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
            buf[--got] = '\0';
        if (s->nlines == lcap) {
            lcap = lcap ? 2 * lcap : 64;
            char **nl = realloc(s->lines, lcap * sizeof *nl);
            int *nk = realloc(s->keyof, lcap * sizeof *nk);
            if (nl)
                s->lines = nl;
            if (nk)
                s->keyof = nk;
            if (!nl || !nk) {
                rc = err(&l, "out of memory");
                break;
            }
        }
        s->lines[s->nlines] = strdup(buf);
        s->keyof[s->nlines] = -1;
        if (!s->lines[s->nlines]) {
            rc = err(&l, "out of memory");
            break;
        }
        s->nlines++;
        char *t = trim(buf);
        if (!*t || *t == '#' || *t == ';') {
            if (in_sweep)
                s->keyof[s->nlines - 1] = -2;
            continue;
        }
        if (*t == '[') {
            char *end = strchr(t, ']');
            if (!end) {
                rc = err(&l, "section header without ']'");
                break;
            }
            const char *after = end + 1 + strspn(end + 1, " \t");
            if (*after && *after != ';' && *after != '#') {
                rc = err(&l, "text after the section header: '%s'", after);
                break;
            }
            snprintf(sec, sizeof sec, "%.*s", (int)(end - t - 1), t + 1);
            in_sweep = !strcmp(sec, "sweep");
            if (in_sweep) {
                if (sweep_line) {
                    rc = err(&l, "[sweep] given twice (first on line %d)", sweep_line);
                    break;
                }
                sweep_line = l.line;
                s->keyof[s->nlines - 1] = -2;
                continue;
            }
            char why[600];
            if (sw_check_key(sec, NULL, NULL, why, sizeof why))
                rc = err(&l, "%s (or [sweep])", why);
            continue;
        }
        /* An inline comment starts with ';' after a blank, as in config files. */
        for (char *p = t + 1; *p; p++)
            if (*p == ';' && (p[-1] == ' ' || p[-1] == '\t')) {
                *p = '\0';
                break;
            }
        char *eq = strpbrk(t, "=:");
        if (!eq) {
            rc = err(&l, "expected 'key = value' or '[section]'");
            break;
        }
        *eq = '\0';
        char *key = trim(t), *val = trim(eq + 1);
        if (!sec[0]) {
            rc = err(&l, "key '%s' before any [section]", key);
            break;
        }
        if (in_sweep) {
            s->keyof[s->nlines - 1] = -2;
            rc = sweep_key(&l, key, val);
            continue;
        }
        if (!strcmp(sec, "mmu") && !strcmp(key, "preset")) {
            rc = err(&l, "[mmu] preset: a sweep names its presets in [sweep] presets = A|B");
            break;
        }
        for (unsigned k = 0; k < s->nkeys; k++)
            if (!strcmp(s->keys[k].sec, sec) && !strcmp(s->keys[k].key, key)) {
                rc = err(&l, "[%s] %s: set twice (first on line %d)", sec, key, s->keys[k].line);
                break;
            }
        if (rc)
            break;
        if (strlen(sec) >= sizeof s->keys->sec || strlen(key) >= sizeof s->keys->key) {
            rc = err(&l, "[%.40s] %.40s: unknown key", sec, key);
            break;
        }
        if (s->nkeys == SW_MAX_KEYS) {
            rc = err(&l, "more than %d keys", SW_MAX_KEYS);
            break;
        }
        sw_key_t *nk = realloc(s->keys, (s->nkeys + 1) * sizeof *nk);
        if (!nk) {
            rc = err(&l, "out of memory");
            break;
        }
        s->keys = nk;
        sw_key_t *k = &s->keys[s->nkeys];
        memset(k, 0, sizeof *k);
        memcpy(k->sec, sec, strlen(sec) + 1); /* both fit: checked above */
        memcpy(k->key, key, strlen(key) + 1);
        k->line = l.line;
        char why[600];
        if (sw_expand(val, &k->alt, &k->nalt, why, sizeof why)) {
            rc = err(&l, "[%s] %s: %s", sec, key, why);
            break;
        }
        s->keyof[s->nlines - 1] = (int)s->nkeys++;
        for (unsigned a = 0; a < k->nalt; a++)
            if (sw_check_key(sec, key, k->alt[a], why, sizeof why)) {
                rc = err(&l, "%s", why);
                break;
            }
    }
    if (!rc && ferror(f))
        rc = err(&l, "read error: %s", strerror(errno));
    free(buf);
    fclose(f);
    if (rc)
        return rc;
    l.line = sweep_line ? sweep_line : 1;
    if (!s->npresets) {
        if (sw_expand("skylake", &s->presets, &s->npresets, msg, len))
            return 2;
    }
    if (!s->nwl)
        return err(&l, "[sweep] workloads: not set (synthetic specs, kernels or traces, "
                       "separated by '|')");
    if (!s->npol) {
        s->pol[0] = 0;
        s->npol = 1;
    }
    uint64_t n = s->npresets;
    for (unsigned k = 0; k < s->nkeys; k++) {
        n *= s->keys[k].nalt;
        if (n > SW_MAX_POINTS) {
            l.line = s->keys[k].line;
            return err(&l, "more than %d points (presets x alternatives); split the sweep",
                       SW_MAX_POINTS);
        }
    }
    s->npoints = n;
    return 0;
}

int sw_spec_load(const char *path, const char *traces_dir, sw_spec_t *s, char *msg, size_t len)
{
    const int rc = spec_load(path, traces_dir, s, msg, len);
    if (rc) /* a bad spec: nothing of it is kept */
        sw_spec_free(s);
    return rc;
}

void sw_spec_free(sw_spec_t *s)
{
    for (unsigned i = 0; i < s->nlines; i++)
        free(s->lines[i]);
    free(s->lines);
    free(s->keyof);
    for (unsigned k = 0; k < s->nkeys; k++)
        sw_free_alts(s->keys[k].alt, s->keys[k].nalt);
    free(s->keys);
    sw_free_alts(s->presets, s->npresets);
    free(s->wl);
    memset(s, 0, sizeof *s);
}

void sw_point_choice(const sw_spec_t *s, uint64_t p, unsigned *preset, unsigned *choice)
{
    for (unsigned k = s->nkeys; k-- > 0;) {
        choice[k] = (unsigned)(p % s->keys[k].nalt);
        p /= s->keys[k].nalt;
    }
    *preset = (unsigned)p;
}

int sw_point_config(const sw_spec_t *s, uint64_t p, mmu_config_t *cfg, char *why, size_t len)
{
    unsigned preset, *choice = calloc(s->nkeys + 1, sizeof *choice);
    mmu_err_t e;
    size_t cap = 256, used = 0;
    char *text = malloc(cap);
    int rc = -1;
    if (!choice || !text) {
        snprintf(why, len, "out of memory");
        goto out;
    }
    sw_point_choice(s, p, &preset, choice);
    mmu_config_init(cfg);
    if (mmu_config_preset(cfg, s->presets[preset], &e)) {
        snprintf(why, len, "%s", e.msg);
        goto out;
    }
    for (unsigned i = 0; i < s->nlines; i++) {
        char lb[600];
        const int k = s->keyof[i];
        const char *line = lb;
        if (k == -2)
            lb[0] = '\0';
        else if (k >= 0)
            snprintf(lb, sizeof lb, "%s = %s", s->keys[k].key, s->keys[k].alt[choice[k]]);
        else
            line = s->lines[i];
        const size_t need = strlen(line) + 2;
        if (used + need >= cap) {
            while (used + need >= cap)
                cap *= 2;
            char *nt = realloc(text, cap);
            if (!nt) {
                snprintf(why, len, "out of memory");
                goto out;
            }
            text = nt;
        }
        used += (size_t)sprintf(text + used, "%s\n", line);
    }
    if (mmu_config_load_string(text, s->path, cfg, &e)) {
        snprintf(why, len, "%s", e.msg);
        goto out;
    }
    rc = 0;
out:
    free(choice);
    free(text);
    return rc;
}

void sw_key_column(const sw_key_t *k, char *buf, size_t len)
{
    snprintf(buf, len, "%s.%s", k->sec, k->key);
}

int sw_synth_cfg(const sw_spec_t *s, const sw_wl_t *w, unsigned pol, mmu_synth_cfg_t *cfg,
                 char *why, size_t len)
{
    static const char *const PAGE[3] = {"4k", "2m", "1g"};
    if (pol > 2) {
        snprintf(why, len,
                 "synthetic streams are mapped up front with one page size; policy %s needs "
                 "demand paging (traces)",
                 SW_POLICY_NAME[pol]);
        return -1;
    }
    char spec[400];
    int n = snprintf(spec, sizeof spec, "%s%spage=%s", w->label, strchr(w->label, ':') ? "," : ":",
                     PAGE[pol]);
    if (n < 0 || (size_t)n >= sizeof spec || mmu_synth_parse(spec, cfg, why, len)) {
        if (n < 0 || (size_t)n >= sizeof spec)
            snprintf(why, len, "workload spec too long");
        return -1;
    }
    if (s->has_seed)
        cfg->seed = s->seed;
    if (s->accesses)
        cfg->n = s->warmup + s->accesses;
    if (s->warmup >= cfg->n) {
        snprintf(why, len,
                 "warmup %" PRIu64 " is not below the workload's %" PRIu64
                 " accesses: nothing would be measured",
                 s->warmup, cfg->n);
        return -1;
    }
    return mmu_synth_validate(cfg, why, len) ? -1 : 0;
}
