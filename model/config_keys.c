/* SPDX-License-Identifier: Apache-2.0 */
/* The keys of a config file and what they do to an mmu_config_t: the one
 * table of sections and keys, value parsing, the checks, and the printer.
 * Pure: no file is read here (STYLE 3). The INI loader (config_file.c, with
 * inih) and the built-in presets (presets.c, compiled-in text) both feed their
 * keys through mmu_config_keys_*, so a preset, a user's file and a host's
 * mmu_config_set() call mean exactly the same thing. Every error names the
 * file (when there is one), line, section and key.
 *
 * A set of keys is applied as one file: ON TOP of the configuration it starts
 * from (what it does not mention is kept), each key at most once. Values:
 * numbers are decimal or 0x-hex; booleans 0/1 (also false/true, no/yes,
 * off/on).
 *
 * [mmu]
 *   preset             NAME: first replace everything with a built-in preset
 *                      (`mmusim presets`); only as the first key of the file
 *   maxphyaddr         physical-address width, 36..52
 *   page_1g            1: 1-GByte pages supported; 0: PDPTE.PS is reserved
 *   ad_on_fault        none | used: A bits left by a walk that faults
 *   ad_retry_limit     walk restarts on an A/D race before MMU_ERETRY, >= 1
 *   walkers            concurrent page walks, >= 1
 *   walk_level_latency walker cycles per level besides the memory access
 *   l2_inclusive       1: an L2 TLB eviction also removes the page from L1
 *   splinter           1: a level with no array for a page's size caches it as
 *                      an entry of the largest smaller size it holds
 *   fault_rewalk       1: a TLB hit whose rights deny the access re-walks first
 *   seed               seed of random replacement (64-bit)
 *   frequency_mhz      core clock, 0 = not set (ns are then not printed)
 *   coalesce           PTE coalescing: 0/1 off, 2, 4, 8 = up to that many 4K
 *                      pages in one TLB entry (AMD)
 *
 * [l1i] [l1d] [l2]     a TLB level: up to 3 arrays probed in parallel
 *   latency            lookup cycles, >= 1 when the level has an array
 *   arrays             the level's arrays, exactly, in order: `4k, 2m, 1g`,
 *                      `4k2m1g`, or `none`. Without this key the level keeps
 *                      its arrays and gains the ones the file has sections for.
 *
 * [<level>.<sizes>]    one array, named by the page sizes it holds: 4k, 2m, 1g
 *                      or a combination in that order (4k2m, 2m1g, 4k2m1g, ...).
 *                      Two arrays of a level may not hold the same size.
 *   entries            entries, <= 1048576; 0 removes the array
 *   ways               ways; entries / ways sets, a power of two; ways <= 64,
 *                      or ways = entries (fully associative) up to 4096
 *   repl               lru | plru | fifo | random
 *   index              low | xor (XOR-folded page-number bits, Skylake STLB)
 *   index_bits         xor: page-number bits folded; 0 = 2 * log2(sets)
 *
 * [psc.pde] [psc.pdpte] [psc.pml4e] [psc.pml5e]   paging-structure caches
 *   entries, ways, repl, index, index_bits   as for a TLB array (entries = 0: none)
 *   latency            probe cycles, >= 1 when entries > 0
 *
 * [memlat]             cache model for page-table fetches
 *   line               bytes per line, a power of two, 8..4096
 *   dram_latency       cycles when every level misses, >= 1
 *   rmw_latency        extra cycles of the locked read-modify-write of an A/D update
 *   data_lines         1: each translated access's data line is charged into
 *                      the same stand-ins after the translation
 *   walk_skip_l1       1: page-table accesses start at the level below the L1D
 *   l1_plru, l2_plru, llc_plru   replacement in [memlat.l1] ..: 0 true LRU;
 *                      G tree pseudo-LRU over groups of G ways (a power of
 *                      two dividing ways), the groups ordered by LRU
 * [memlat.l1] [memlat.l2] [memlat.llc]
 *   sets               sets, a power of two <= 1048576; 0: level absent
 *   ways               ways, 1..64 when the level exists; sets x ways <= 4 M
 *   latency            hit cycles, >= 1 when the level exists
 *   victim             1: filled only with what the level above displaces
 *                      (a non-inclusive or victim cache); keeps lines that hit
 *   pair               1: a miss here also fills the other line of its 128-byte
 *                      pair (Intel's L2 spatial prefetcher)
 *
 * Checks happen in three places: a value alone (number, name, range) as its
 * line is read; what depends on several keys (entries / ways, latency of a
 * structure that exists, overlapping arrays) once the file is read, reported
 * at the latest line involved; the rest by mmu_config_validate(), reported at
 * the line of the key its message names if this file set it, else as
 * "file: <message>". */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mmu/mmu.h"
#include "presets.h"
#include "tlb.h"

/* MAXKEYS: the most keys a section kind has (checked below, at each table). */
enum { NLEVELS = 3, NMASKS = 8, MAXKEYS = 16 };

static const char *const LEVEL_NAME[NLEVELS] = {"l1i", "l1d", "l2"};
static const char *const PSC_NAME[6] = {NULL, NULL, "pde", "pdpte", "pml4e", "pml5e"};
static const char *const MEMLAT_NAME[MMU_MEMLAT_LEVELS] = {"l1", "l2", "llc"};
/* Indexed by size mask (MMU_SIZE_*): the section names of TLB arrays. */
static const char *const MASK_NAME[NMASKS] = {NULL,   "4k",   "2m",   "4k2m",
                                              "1g",   "4k1g", "2m1g", "4k2m1g"};
static const char *const REPL_NAME[] = {"lru", "plru", "fifo", "random"};
static const char *const INDEX_NAME[] = {"low", "xor"};
static const char *const ADF_NAME[] = {"none", "used"};

/* ---- key tables: one per section kind, shared by the parser and the writer -- */

typedef enum ktype {
    T_U32,    /* lo..hi */
    T_U64,
    T_BOOL,
    T_REPL,
    T_INDEX,
    T_ADF,
    T_LINE,   /* power of two >= 8 */
    T_ARRAYS, /* [level] arrays: handled apart */
    T_PRESET, /* [mmu] preset: handled apart */
} ktype_t;

typedef struct cfgkey {
    const char *name;
    ktype_t type;
    unsigned lo, hi;
    size_t off; /* from the section's base struct */
} cfgkey_t;

#define K(name, type, lo, hi, st, field) {name, type, lo, hi, offsetof(st, field)}

static const cfgkey_t MMU_KEYS[] = {
    {"preset", T_PRESET, 0, 0, 0},
    K("maxphyaddr", T_U32, 36, 52, mmu_config_t, maxphyaddr),
    K("page_1g", T_BOOL, 0, 1, mmu_config_t, page_1g),
    K("ad_on_fault", T_ADF, 0, 1, mmu_config_t, ad_on_fault),
    K("ad_retry_limit", T_U32, 1, UINT_MAX, mmu_config_t, ad_retry_limit),
    K("walkers", T_U32, 1, UINT_MAX, mmu_config_t, walkers),
    K("walk_level_latency", T_U32, 0, UINT_MAX, mmu_config_t, walk_level_latency),
    K("l2_inclusive", T_BOOL, 0, 1, mmu_config_t, l2_inclusive),
    K("splinter", T_BOOL, 0, 1, mmu_config_t, splinter),
    K("fault_rewalk", T_BOOL, 0, 1, mmu_config_t, fault_rewalk),
    K("seed", T_U64, 0, 0, mmu_config_t, seed),
    K("frequency_mhz", T_U32, 0, 100000, mmu_config_t, frequency_mhz),
    K("coalesce", T_U32, 0, 8, mmu_config_t, coalesce),
};

static const cfgkey_t LEVEL_KEYS[] = {
    K("latency", T_U32, 0, UINT_MAX, mmu_tlb_cfg_t, latency),
    {"arrays", T_ARRAYS, 0, 0, 0},
};

enum { AK_ENTRIES, AK_WAYS, AK_REPL, AK_INDEX, AK_INDEX_BITS, AK_N };
static const cfgkey_t ARRAY_KEYS[] = {
    K("entries", T_U32, 0, MMU_ARRAY_MAX_ENTRIES, mmu_array_cfg_t, entries),
    K("ways", T_U32, 0, UINT_MAX, mmu_array_cfg_t, ways),
    K("repl", T_REPL, 0, 3, mmu_array_cfg_t, repl),
    K("index", T_INDEX, 0, 1, mmu_array_cfg_t, index),
    K("index_bits", T_U32, 0, UINT_MAX, mmu_array_cfg_t, index_bits),
};

/* The array keys first, in ARRAY_KEYS order (validate_array relies on it). */
static const cfgkey_t PSC_KEYS[] = {
    K("entries", T_U32, 0, MMU_ARRAY_MAX_ENTRIES, mmu_psc_cfg_t, arr.entries),
    K("ways", T_U32, 0, UINT_MAX, mmu_psc_cfg_t, arr.ways),
    K("repl", T_REPL, 0, 3, mmu_psc_cfg_t, arr.repl),
    K("index", T_INDEX, 0, 1, mmu_psc_cfg_t, arr.index),
    K("index_bits", T_U32, 0, UINT_MAX, mmu_psc_cfg_t, arr.index_bits),
    K("latency", T_U32, 0, UINT_MAX, mmu_psc_cfg_t, latency),
};
enum { PK_LATENCY = 5 };

static const cfgkey_t MEMLAT_KEYS[] = {
    K("line", T_LINE, 8, MMU_MEMLAT_MAX_LINE, mmu_config_t, memlat_line),
    K("dram_latency", T_U32, 0, UINT_MAX, mmu_config_t, dram_latency),
    K("rmw_latency", T_U32, 0, UINT_MAX, mmu_config_t, rmw_latency),
    K("data_lines", T_BOOL, 0, 1, mmu_config_t, data_lines),
    K("walk_skip_l1", T_BOOL, 0, 1, mmu_config_t, walk_skip_l1),
    K("l1_plru", T_U32, 0, MMU_MEMLAT_MAX_WAYS, mmu_config_t, memlat_plru[0]),
    K("l2_plru", T_U32, 0, MMU_MEMLAT_MAX_WAYS, mmu_config_t, memlat_plru[1]),
    K("llc_plru", T_U32, 0, MMU_MEMLAT_MAX_WAYS, mmu_config_t, memlat_plru[2]),
};
enum { MK_DRAM = 1 };

static const cfgkey_t MLEVEL_KEYS[] = {
    K("sets", T_U32, 0, MMU_MEMLAT_MAX_SETS, mmu_memlat_level_cfg_t, sets),
    K("ways", T_U32, 0, MMU_MEMLAT_MAX_WAYS, mmu_memlat_level_cfg_t, ways),
    K("latency", T_U32, 0, UINT_MAX, mmu_memlat_level_cfg_t, latency),
    K("victim", T_BOOL, 0, 1, mmu_memlat_level_cfg_t, victim),
    K("pair", T_BOOL, 0, 1, mmu_memlat_level_cfg_t, pair),
};
enum { LK_SETS, LK_WAYS, LK_LATENCY };

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))
/* lines_t keeps one line number per key: a table with more keys than MAXKEYS
 * would write past it (the [mmu] table outgrew 10 when `splinter` came). */
_Static_assert(NKEYS(MMU_KEYS) <= MAXKEYS, "MAXKEYS < [mmu] keys");
_Static_assert(NKEYS(LEVEL_KEYS) <= MAXKEYS, "MAXKEYS < level keys");
_Static_assert(NKEYS(ARRAY_KEYS) <= MAXKEYS, "MAXKEYS < array keys");
_Static_assert(NKEYS(PSC_KEYS) <= MAXKEYS, "MAXKEYS < psc keys");
_Static_assert(NKEYS(MEMLAT_KEYS) <= MAXKEYS, "MAXKEYS < memlat keys");
_Static_assert(NKEYS(MLEVEL_KEYS) <= MAXKEYS, "MAXKEYS < memlat level keys");

/* ---- sections ---------------------------------------------------------------- */

typedef enum skind { S_MMU, S_LEVEL, S_ARRAY, S_PSC, S_MEMLAT, S_MLEVEL } skind_t;

typedef struct sec {
    skind_t kind;
    int a; /* level, psc level (2..5) or memlat level */
    int b; /* size mask of an array */
} sec_t;

/* Page-size name of an array (sizes in the order 4k, 2m, 1g) -> mask, or 0. */
static unsigned parse_mask(const char *s, size_t n)
{
    for (unsigned m = 1; m < NMASKS; m++)
        if (strlen(MASK_NAME[m]) == n && !strncmp(MASK_NAME[m], s, n))
            return m;
    return 0;
}

/* Classify a section name; on failure write why into why (without location). */
static bool classify(const char *name, sec_t *s, char *why, size_t wlen)
{
    if (!strcmp(name, "mmu")) {
        *s = (sec_t){S_MMU, 0, 0};
        return true;
    }
    if (!strcmp(name, "memlat")) {
        *s = (sec_t){S_MEMLAT, 0, 0};
        return true;
    }
    const char *dot = strchr(name, '.');
    size_t head = dot ? (size_t)(dot - name) : strlen(name);
    for (int l = 0; l < NLEVELS; l++) {
        if (strlen(LEVEL_NAME[l]) != head || strncmp(name, LEVEL_NAME[l], head))
            continue;
        if (!dot) {
            *s = (sec_t){S_LEVEL, l, 0};
            return true;
        }
        unsigned m = parse_mask(dot + 1, strlen(dot + 1));
        if (m) {
            *s = (sec_t){S_ARRAY, l, (int)m};
            return true;
        }
        snprintf(why, wlen,
                 "unknown section [%s]: an array is named by the page sizes it holds, in the "
                 "order 4k, 2m, 1g (%s.4k, %s.2m, %s.1g, %s.4k2m, ..., %s.4k2m1g)",
                 name, LEVEL_NAME[l], LEVEL_NAME[l], LEVEL_NAME[l], LEVEL_NAME[l], LEVEL_NAME[l]);
        return false;
    }
    if (dot && head == 3 && !strncmp(name, "psc", 3)) {
        for (int k = 2; k <= 5; k++)
            if (!strcmp(dot + 1, PSC_NAME[k])) {
                *s = (sec_t){S_PSC, k, 0};
                return true;
            }
        snprintf(why, wlen,
                 "unknown section [%s] (paging-structure caches: psc.pde, psc.pdpte, psc.pml4e, "
                 "psc.pml5e)",
                 name);
        return false;
    }
    if (dot && head == 6 && !strncmp(name, "memlat", 6)) {
        for (int i = 0; i < MMU_MEMLAT_LEVELS; i++)
            if (!strcmp(dot + 1, MEMLAT_NAME[i])) {
                *s = (sec_t){S_MLEVEL, i, 0};
                return true;
            }
        snprintf(why, wlen, "unknown section [%s] (cache levels: memlat.l1, memlat.l2, memlat.llc)",
                 name);
        return false;
    }
    snprintf(why, wlen,
             "unknown section [%s] (known: mmu, l1i, l1d, l2, <level>.<page sizes> such as "
             "l1d.4k, psc.pde, psc.pdpte, psc.pml4e, psc.pml5e, memlat, memlat.l1, memlat.l2, "
             "memlat.llc)",
             name);
    return false;
}

static void sec_name(const sec_t *s, char *buf, size_t len)
{
    switch (s->kind) {
    case S_MMU: snprintf(buf, len, "mmu"); break;
    case S_LEVEL: snprintf(buf, len, "%s", LEVEL_NAME[s->a]); break;
    case S_ARRAY: snprintf(buf, len, "%s.%s", LEVEL_NAME[s->a], MASK_NAME[s->b]); break;
    case S_PSC: snprintf(buf, len, "psc.%s", PSC_NAME[s->a]); break;
    case S_MEMLAT: snprintf(buf, len, "memlat"); break;
    case S_MLEVEL: snprintf(buf, len, "memlat.%s", MEMLAT_NAME[s->a]); break;
    }
}

/* ---- parser state -------------------------------------------------------------- */

/* Where each key of one section was set in this file (0: not set). */
typedef struct lines {
    int sec; /* first header line */
    int key[MAXKEYS];
} lines_t;

/* TLB arrays are kept by size mask while the file is read, so that a level can
 * gain, lose and reorder arrays in any order of sections; they are written
 * back into the level's three slots once the file is complete. */
typedef struct stage_arr {
    mmu_array_cfg_t a;
    bool present; /* in the configuration the file is applied to */
    int slot;     /* its slot there */
    int mention;  /* order of first mention in the file (1-based), 0: none */
} stage_arr_t;

typedef struct stage_level {
    stage_arr_t s[NMASKS];
    bool touched;       /* any [level] or [level.*] header */
    bool bad;           /* an input array no section name covers ... */
    unsigned bad_sizes; /* ... and its sizes */
    bool has_list;      /* `arrays =` given */
    unsigned list[MMU_TLB_ARRAYS];
    int nlist;
    int mentions;
} stage_level_t;

/* One set of keys being applied (mmu_config_keys_t). */
typedef struct mmu_config_keys {
    char *name; /* for messages; NULL: no location in them */
    int depth;  /* 1 inside a preset named by `preset =` */
    mmu_config_t cfg;
    stage_level_t lv[NLEVELS];
    lines_t mmu_l, level_l[NLEVELS], arr_l[NLEVELS][NMASKS], psc_l[6], memlat_l,
        mlevel_l[MMU_MEMLAT_LEVELS];

    int line;  /* line of the call being handled */
    int nkeys; /* keys handled so far */
    bool ended;

    /* first error */
    bool failed;
    int err_line;
    char err[512];
} ctx_t;

/* Record an error at line; the earliest line wins (checks after the file is
 * read are not in line order). */
static void fail(ctx_t *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(ctx_t *c, int line, const char *fmt, ...)
{
    if (c->failed && c->err_line <= line)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->failed = true;
    c->err_line = line;
}

static lines_t *sec_lines(ctx_t *c, const sec_t *s)
{
    switch (s->kind) {
    case S_MMU: return &c->mmu_l;
    case S_LEVEL: return &c->level_l[s->a];
    case S_ARRAY: return &c->arr_l[s->a][s->b];
    case S_PSC: return &c->psc_l[s->a];
    case S_MEMLAT: return &c->memlat_l;
    case S_MLEVEL: return &c->mlevel_l[s->a];
    }
    return NULL;
}

/* (Re)build the TLB staging from c->cfg: at the start, and after `preset =`.
 * What the file mentioned so far (headers) is kept. */
static void stage_from_cfg(ctx_t *c)
{
    const mmu_tlb_cfg_t *lvls[NLEVELS] = {&c->cfg.l1i, &c->cfg.l1d, &c->cfg.l2};
    for (int l = 0; l < NLEVELS; l++) {
        stage_level_t *lv = &c->lv[l];
        lv->bad = false;
        for (unsigned m = 1; m < NMASKS; m++) {
            lv->s[m].a = (mmu_array_cfg_t){0};
            lv->s[m].a.sizes = m;
            lv->s[m].present = false;
            lv->s[m].slot = 0;
        }
        for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
            const mmu_array_cfg_t *a = &lvls[l]->arr[i];
            if (!a->entries)
                continue;
            if (a->sizes == 0 || a->sizes >= NMASKS || lv->s[a->sizes].present) {
                lv->bad = true;
                lv->bad_sizes = a->sizes;
                continue;
            }
            lv->s[a->sizes].a = *a;
            lv->s[a->sizes].present = true;
            lv->s[a->sizes].slot = i;
        }
    }
}

/* A header line: check the name now (so an empty unknown section is caught
 * too) and remember where the section first appears. */
static void section_seen(ctx_t *c, const char *name)
{
    if (!name) {
        fail(c, c->line, "section: NULL");
        return;
    }
    sec_t s;
    char why[400];
    if (!classify(name, &s, why, sizeof why)) {
        fail(c, c->line, "%s", why);
        return;
    }
    lines_t *ln = sec_lines(c, &s);
    if (!ln->sec)
        ln->sec = c->line;
    if (s.kind == S_LEVEL || s.kind == S_ARRAY)
        c->lv[s.a].touched = true;
    if (s.kind == S_ARRAY && !c->lv[s.a].s[s.b].mention)
        c->lv[s.a].s[s.b].mention = ++c->lv[s.a].mentions;
}

/* ---- values ---------------------------------------------------------------------- */

/* Decimal or 0x-hex; 0, or -1 not a number, -2 above 2^64 - 1. */
static int parse_u64(const char *v, uint64_t *out)
{
    int base = 10;
    const char *p = v;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return -1;
    uint64_t x = 0;
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return -1;
        if (x > (UINT64_MAX - d) / (unsigned)base)
            return -2;
        x = x * (unsigned)base + d;
    }
    *out = x;
    return 0;
}

static int find_name(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i]))
            return i;
    return -1;
}

/* inih takes only ';' as a comment after a value; "4 # note" is a value. */
static const char *hash_hint(const char *v)
{
    return strstr(v, " #") || strstr(v, "\t#") ? " (a comment after a value starts with ';')"
                                                : "";
}

/* Parse and range-check one value; on error fail() with "[sec] key=value: ...". */
static bool parse_value(ctx_t *c, const char *sec, const cfgkey_t *k, const char *v, void *base)
{
    unsigned *u = (unsigned *)((char *)base + k->off);
    uint64_t x;
    int rc, i;
    switch (k->type) {
    case T_U64:
        rc = parse_u64(v, &x);
        if (rc == -1)
            fail(c, c->line, "[%s] %s=%s: not a number%s", sec, k->name, v, hash_hint(v));
        else if (rc == -2)
            fail(c, c->line, "[%s] %s=%s: too large (at most %" PRIu64 ")", sec, k->name, v,
                 UINT64_MAX);
        else
            *(uint64_t *)((char *)base + k->off) = x;
        return rc == 0;
    case T_U32:
    case T_LINE:
        rc = parse_u64(v, &x);
        if (rc == -1) {
            fail(c, c->line, "[%s] %s=%s: not a number%s", sec, k->name, v, hash_hint(v));
            return false;
        }
        if (rc == -2 || x > UINT_MAX) {
            fail(c, c->line, "[%s] %s=%s: too large (at most %u)", sec, k->name, v, UINT_MAX);
            return false;
        }
        if (k->type == T_LINE && (x < k->lo || x > k->hi || (x & (x - 1)))) {
            fail(c, c->line, "[%s] %s=%s: must be a power of two, %u..%u", sec, k->name, v, k->lo,
                 k->hi);
            return false;
        }
        if (x < k->lo || x > k->hi) {
            if (k->hi == UINT_MAX)
                fail(c, c->line, "[%s] %s=%s: must be >= %u", sec, k->name, v, k->lo);
            else
                fail(c, c->line, "[%s] %s=%s: must be %u..%u", sec, k->name, v, k->lo, k->hi);
            return false;
        }
        *u = (unsigned)x;
        return true;
    case T_BOOL: {
        static const char *const T[] = {"1", "true", "yes", "on"};
        static const char *const F[] = {"0", "false", "no", "off"};
        if (find_name(v, T, 4) >= 0)
            *u = 1;
        else if (find_name(v, F, 4) >= 0)
            *u = 0;
        else {
            fail(c, c->line, "[%s] %s=%s: must be 0 or 1%s", sec, k->name, v, hash_hint(v));
            return false;
        }
        return true;
    }
    case T_REPL:
        if ((i = find_name(v, REPL_NAME, 4)) < 0) {
            fail(c, c->line, "[%s] %s=%s: must be lru, plru, fifo or random%s", sec, k->name,
                 v, hash_hint(v));
            return false;
        }
        *u = (unsigned)i;
        return true;
    case T_INDEX:
        if ((i = find_name(v, INDEX_NAME, 2)) < 0) {
            fail(c, c->line, "[%s] %s=%s: must be low or xor%s", sec, k->name, v, hash_hint(v));
            return false;
        }
        *u = (unsigned)i;
        return true;
    case T_ADF:
        if ((i = find_name(v, ADF_NAME, 2)) < 0) {
            fail(c, c->line, "[%s] %s=%s: must be none or used%s", sec, k->name, v, hash_hint(v));
            return false;
        }
        *u = (unsigned)i;
        return true;
    case T_ARRAYS:
    case T_PRESET:
        break;
    }
    return false;
}

/* [level] arrays = 4k, 2m, 1g | none */
static void parse_arrays(ctx_t *c, int l, const char *v)
{
    stage_level_t *lv = &c->lv[l];
    const char *lname = LEVEL_NAME[l];
    lv->has_list = true;
    lv->nlist = 0;
    if (!strcmp(v, "none"))
        return;
    const char *p = v;
    for (;;) {
        p += strspn(p, " \t,");
        if (!*p)
            break;
        size_t n = strcspn(p, " \t,");
        unsigned m = parse_mask(p, n);
        if (!m) {
            fail(c, c->line,
                 "[%s] arrays=%s: '%.*s' is not an array name (page sizes in the order 4k, 2m, "
                 "1g, such as 4k, 4k2m, 4k2m1g; or none)",
                 lname, v, (int)n, p);
            return;
        }
        for (int i = 0; i < lv->nlist; i++)
            if (lv->list[i] == m) {
                fail(c, c->line, "[%s] arrays=%s: '%s' is listed twice", lname, v, MASK_NAME[m]);
                return;
            }
        if (lv->nlist == MMU_TLB_ARRAYS) {
            fail(c, c->line, "[%s] arrays=%s: a TLB level holds at most %d arrays", lname, v,
                 MMU_TLB_ARRAYS);
            return;
        }
        lv->list[lv->nlist++] = m;
        p += n;
    }
    if (!lv->nlist)
        fail(c, c->line, "[%s] arrays=%s: list the arrays, or write 'none'", lname, v);
}

static void set_preset(ctx_t *c, const char *v)
{
    if (c->depth > 0) {
        fail(c, c->line, "[mmu] preset=%s: a preset cannot name another preset", v);
        return;
    }
    if (c->nkeys > 0) {
        fail(c, c->line,
             "[mmu] preset=%s: must be the first key of the file (it replaces everything set "
             "before it)",
             v);
        return;
    }
    const mmu_preset_t *p = mmu_preset_find(v);
    if (!p) {
        char names[256];
        mmu_preset_names(names, sizeof names);
        fail(c, c->line, "[mmu] preset=%s: unknown preset (known: %s)", v, names);
        return;
    }
    mmu_err_t sub;
    mmu_config_t tmp = c->cfg;
    if (mmu_preset_apply(&tmp, p, c->depth + 1, &sub)) {
        fail(c, c->line, "[mmu] preset=%s: %s", v, sub.msg);
        return;
    }
    c->cfg = tmp;
    stage_from_cfg(c);
}

static void *sec_base(ctx_t *c, const sec_t *s)
{
    mmu_tlb_cfg_t *lvls[NLEVELS] = {&c->cfg.l1i, &c->cfg.l1d, &c->cfg.l2};
    switch (s->kind) {
    case S_MMU: return &c->cfg;
    case S_LEVEL: return lvls[s->a];
    case S_ARRAY: return &c->lv[s->a].s[s->b].a;
    case S_PSC: return &c->cfg.psc[s->a];
    case S_MEMLAT: return &c->cfg;
    case S_MLEVEL: return &c->cfg.memlat[s->a];
    }
    return NULL;
}

static const cfgkey_t *sec_keys(skind_t kind, size_t *n)
{
    switch (kind) {
    case S_MMU: *n = NKEYS(MMU_KEYS); return MMU_KEYS;
    case S_LEVEL: *n = NKEYS(LEVEL_KEYS); return LEVEL_KEYS;
    case S_ARRAY: *n = NKEYS(ARRAY_KEYS); return ARRAY_KEYS;
    case S_PSC: *n = NKEYS(PSC_KEYS); return PSC_KEYS;
    case S_MEMLAT: *n = NKEYS(MEMLAT_KEYS); return MEMLAT_KEYS;
    case S_MLEVEL: *n = NKEYS(MLEVEL_KEYS); return MLEVEL_KEYS;
    }
    *n = 0;
    return NULL;
}

static void handle_key(ctx_t *c, const char *section, const char *name, const char *value)
{
    sec_t s;
    char why[400], sname[32];
    if (!section || !name || !value) {
        fail(c, c->line, "%s: NULL", !section ? "section" : !name ? "key" : "value");
        return;
    }
    if (!*section) {
        fail(c, c->line, "key '%s' before any [section]", name);
        return;
    }
    if (!classify(section, &s, why, sizeof why)) {
        fail(c, c->line, "%s", why);
        return;
    }
    if (!sec_lines(c, &s)->sec) /* a key without its header before it */
        section_seen(c, section);
    sec_name(&s, sname, sizeof sname);
    size_t n;
    const cfgkey_t *keys = sec_keys(s.kind, &n);
    size_t k = 0;
    while (k < n && strcmp(keys[k].name, name))
        k++;
    if (k == n) {
        char known[200] = "";
        size_t used = 0;
        for (size_t i = 0; i < n; i++) {
            int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             keys[i].name);
            if (w > 0 && (size_t)w < sizeof known - used)
                used += (size_t)w;
        }
        fail(c, c->line, "[%s] unknown key '%s' (known: %s)", sname, name, known);
        return;
    }
    lines_t *ln = sec_lines(c, &s);
    if (ln->key[k]) {
        fail(c, c->line, "[%s] %s: set twice (first on line %d)", sname, name, ln->key[k]);
        return;
    }
    ln->key[k] = c->line;
    if (keys[k].type == T_PRESET)
        set_preset(c, value);
    else if (keys[k].type == T_ARRAYS)
        parse_arrays(c, s.a, value);
    else
        parse_value(c, sname, &keys[k], value, sec_base(c, &s));
    c->nkeys++;
}

/* ---- checks once the file is read -------------------------------------------------- */

static int max_line(int a, int b)
{
    return a > b ? a : b;
}

/* Does msg mention `key=` (as a whole key name)? */
static bool mentions(const char *msg, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = strstr(msg, key); p; p = strstr(p + 1, key)) {
        bool start = p == msg || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
        if (start && p[n] == '=')
            return true;
    }
    return false;
}

/* One array's geometry, replacement and index fields, by the library's own
 * check (tlb.h). Its message names the fields ("entries=60 not divisible by
 * ways=8"); the error is reported at the latest line that set one of them. */
static void validate_array(ctx_t *c, const char *sname, const mmu_array_cfg_t *a, const lines_t *ln)
{
    mmu_err_t e = {0};
    if (!mmu_array_cfg_validate(a, "@", &e))
        return;
    const char *m = e.msg;
    if (!strncmp(m, "@: ", 3))
        m += 3;
    int line = 0, any = 0;
    for (int k = 0; k < AK_N; k++) {
        if (mentions(m, ARRAY_KEYS[k].name))
            line = max_line(line, ln->key[k]);
        any = max_line(any, ln->key[k]);
    }
    if (mentions(m, "sets"))
        line = max_line(line, max_line(ln->key[AK_ENTRIES], ln->key[AK_WAYS]));
    /* Else the field named was inherited; blame the array's last change. */
    fail(c, line ? line : any ? any : ln->sec, "[%s] %s", sname, m);
}

static int level_first_line(const ctx_t *c, int l)
{
    int line = c->level_l[l].sec;
    for (unsigned m = 1; m < NMASKS; m++) {
        int s = c->arr_l[l][m].sec;
        if (s && (!line || s < line))
            line = s;
    }
    return line;
}

static void finish_level(ctx_t *c, int l)
{
    stage_level_t *lv = &c->lv[l];
    const char *lname = LEVEL_NAME[l];
    const lines_t *lvl = &c->level_l[l];
    const int arrays_line = lvl->key[1];
    mmu_tlb_cfg_t *t = l == 0 ? &c->cfg.l1i : l == 1 ? &c->cfg.l1d : &c->cfg.l2;
    char sname[32];

    if (lv->bad) {
        fail(c, level_first_line(c, l),
             "[%s] the configuration this file changes has an array with sizes=0x%x, which no "
             "section name can stand for",
             lname, lv->bad_sizes);
        return;
    }
    unsigned fin[NMASKS];
    int nfin = 0;
    if (lv->has_list) {
        for (unsigned m = 1; m < NMASKS; m++) {
            bool listed = false;
            for (int i = 0; i < lv->nlist; i++)
                listed |= lv->list[i] == m;
            if (c->arr_l[l][m].sec && !listed)
                fail(c, c->arr_l[l][m].sec, "[%s.%s] is not listed in 'arrays' of [%s] (line %d)",
                     lname, MASK_NAME[m], lname, arrays_line);
        }
        for (int i = 0; i < lv->nlist; i++) {
            unsigned m = lv->list[i];
            const stage_arr_t *st = &lv->s[m];
            const lines_t *al = &c->arr_l[l][m];
            if (!st->present && !al->sec)
                fail(c, arrays_line, "[%s] arrays: there is no array %s: add a [%s.%s] section",
                     lname, MASK_NAME[m], lname, MASK_NAME[m]);
            else if (!st->a.entries && al->key[AK_ENTRIES])
                fail(c, al->key[AK_ENTRIES],
                     "[%s.%s] entries=0: an array listed in 'arrays' needs entries >= 1", lname,
                     MASK_NAME[m]);
            else if (!st->a.entries)
                fail(c, al->sec, "[%s.%s] entries: not set (a new array needs entries and ways)",
                     lname, MASK_NAME[m]);
            fin[nfin++] = m;
        }
    } else {
        /* Arrays the configuration had, in slot order, then new ones in the
         * order the file names them. An array whose entries end at 0 is gone. */
        for (int pass = 0; pass < 2; pass++) {
            for (int rank = 0; rank < (pass ? lv->mentions + 1 : MMU_TLB_ARRAYS); rank++)
                for (unsigned m = 1; m < NMASKS; m++) {
                    const stage_arr_t *st = &lv->s[m];
                    bool pick = pass ? (!st->present && st->mention == rank && rank)
                                     : (st->present && st->slot == rank);
                    if (!pick)
                        continue;
                    const lines_t *al = &c->arr_l[l][m];
                    if (st->a.entries)
                        fin[nfin++] = m;
                    else if (!st->present && !al->key[AK_ENTRIES])
                        fail(c, al->sec,
                             "[%s.%s] entries: not set (a new array needs entries and ways)",
                             lname, MASK_NAME[m]);
                }
        }
    }
    if (c->failed)
        return;
    if (nfin > MMU_TLB_ARRAYS) {
        char all[64] = "";
        for (int i = 0; i < nfin; i++) {
            strcat(all, i ? ", " : "");
            strcat(all, MASK_NAME[fin[i]]);
        }
        unsigned m = fin[MMU_TLB_ARRAYS];
        fail(c, c->arr_l[l][m].sec,
             "[%s.%s] a TLB level holds at most %d arrays, and %s would have %d (%s); set "
             "entries = 0 in one, or list the arrays with 'arrays ='",
             lname, MASK_NAME[m], MMU_TLB_ARRAYS, lname, nfin, all);
        return;
    }
    for (int i = 0; i < nfin; i++)
        for (int j = i + 1; j < nfin; j++) {
            unsigned both = fin[i] & fin[j];
            if (!both)
                continue;
            unsigned mi = fin[i], mj = fin[j];
            int li = c->arr_l[l][mi].sec, lj = c->arr_l[l][mj].sec;
            if (li > lj) { /* report at the array named later */
                unsigned tm = mi;
                mi = mj;
                mj = tm;
                int tl = li;
                li = lj;
                lj = tl;
            }
            char where[40] = "";
            if (li)
                snprintf(where, sizeof where, " (line %d)", li);
            else
                snprintf(where, sizeof where, ", which the configuration already has");
            fail(c, lj ? lj : arrays_line ? arrays_line : level_first_line(c, l),
                 "[%s.%s] holds %s pages, as does [%s.%s]%s; two arrays of a level may not hold "
                 "the same page size",
                 lname, MASK_NAME[mj], MASK_NAME[both & (~both + 1u)], lname, MASK_NAME[mi], where);
            return;
        }
    for (int i = 0; i < nfin; i++) {
        const lines_t *al = &c->arr_l[l][fin[i]];
        if (!al->sec)
            continue; /* not this file's doing */
        snprintf(sname, sizeof sname, "%s.%s", lname, MASK_NAME[fin[i]]);
        validate_array(c, sname, &lv->s[fin[i]].a, al);
    }
    if (nfin && !t->latency)
        fail(c, lvl->key[0] ? lvl->key[0] : level_first_line(c, l),
             "[%s] latency=0: must be >= 1 when the level has arrays", lname);
    if (c->failed)
        return;
    memset(t->arr, 0, sizeof t->arr);
    for (int i = 0; i < nfin; i++) {
        t->arr[i] = lv->s[fin[i]].a;
        t->arr[i].sizes = fin[i];
    }
}

static void finish(ctx_t *c)
{
    char sname[32];
    for (int l = 0; l < NLEVELS; l++)
        if (c->lv[l].touched)
            finish_level(c, l);
    for (int k = 2; k <= 5; k++) {
        const lines_t *ln = &c->psc_l[k];
        const mmu_psc_cfg_t *p = &c->cfg.psc[k];
        if (!ln->sec || !p->arr.entries)
            continue;
        snprintf(sname, sizeof sname, "psc.%s", PSC_NAME[k]);
        validate_array(c, sname, &p->arr, ln);
        if (!p->latency)
            fail(c, ln->key[PK_LATENCY] ? ln->key[PK_LATENCY] : ln->sec,
                 "[%s] latency=0: must be >= 1 when the cache exists (entries > 0)", sname);
    }
    for (int i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        const lines_t *ln = &c->mlevel_l[i];
        const mmu_memlat_level_cfg_t *m = &c->cfg.memlat[i];
        if (!ln->sec || !m->sets)
            continue;
        snprintf(sname, sizeof sname, "memlat.%s", MEMLAT_NAME[i]);
        if (m->sets & (m->sets - 1))
            fail(c, ln->key[LK_SETS] ? ln->key[LK_SETS] : ln->sec,
                 "[%s] sets=%u: must be a power of two", sname, m->sets);
        if (!m->ways)
            fail(c, ln->key[LK_WAYS] ? ln->key[LK_WAYS] : ln->sec,
                 "[%s] ways=0: must be >= 1 when the level exists (sets > 0)", sname);
        if (!m->latency)
            fail(c, ln->key[LK_LATENCY] ? ln->key[LK_LATENCY] : ln->sec,
                 "[%s] latency=0: must be >= 1 when the level exists (sets > 0)", sname);
        const int geo = max_line(ln->key[LK_SETS], ln->key[LK_WAYS]);
        if ((uint64_t)m->sets * m->ways > MMU_MEMLAT_MAX_LINES)
            fail(c, geo ? geo : ln->sec, "[%s] sets x ways = %u x %u: at most %u lines", sname, m->sets, m->ways,
                 MMU_MEMLAT_MAX_LINES);
    }
    if (c->memlat_l.key[MK_DRAM] && !c->cfg.dram_latency && !c->cfg.memlat_cb)
        fail(c, c->memlat_l.key[MK_DRAM], "[memlat] dram_latency=0: must be >= 1");
}

/* The line of this file that set key (kl bytes) of section s, or 0. */
static int key_line(ctx_t *c, const sec_t *s, const char *key, size_t kl)
{
    size_t nk;
    const cfgkey_t *keys = sec_keys(s->kind, &nk);
    for (size_t k = 0; k < nk; k++)
        if (strlen(keys[k].name) == kl && !strncmp(keys[k].name, key, kl))
            return sec_lines(c, s)->key[k];
    return 0;
}

/* mmu_config_validate() names the field first: "walkers=100: ...",
 * "memlat.dram_latency=0: ...", "psc.pde.latency=0: ...". If that field is a
 * key this file set, return its line, the section's name, and (in *key) the
 * message from the key name on; else 0 and the message stays as it is. */
static int validate_line(ctx_t *c, const char *msg, char *sname, size_t slen, const char **key)
{
    size_t n = strcspn(msg, "=: ");
    const char *dot = NULL;
    char secbuf[32];
    size_t sl;
    if (msg[n] == ':' && msg[n + 1] == ' ' && msg[n + 2 + strcspn(msg + n + 2, "=: ")] == '=') {
        /* An array's own check (tlb.c) names the array first: "psc.pml5e: ways=0: ..." */
        sl = n;
        if (sl >= sizeof secbuf)
            return 0;
        memcpy(secbuf, msg, sl);
        secbuf[sl] = '\0';
        *key = msg + n + 2;
        n = strcspn(*key, "=: ");
        msg = *key; /* the key runs from *key for n bytes */
    } else {
        if (msg[n] != '=')
            return 0;
        for (const char *p = msg; p < msg + n; p++)
            if (*p == '.')
                dot = p;
        sl = dot ? (size_t)(dot - msg) : 3;
        if (sl >= sizeof secbuf)
            return 0;
        memcpy(secbuf, dot ? msg : "mmu", sl);
        secbuf[sl] = '\0';
        *key = dot ? dot + 1 : msg;
    }
    const size_t kl = (size_t)(msg + n - *key);
    sec_t s;
    char why[400];
    if (!classify(secbuf, &s, why, sizeof why) || s.kind == S_ARRAY)
        return 0;
    int line = key_line(c, &s, *key, kl);
    /* A check across fields ("memlat.l1_plru=8: ... that divides
     * memlat.l1.ways") names first a field the base may have set: then the
     * line to blame is that of another field it names which this file set. */
    for (const char *p = msg + n; !line && *p; p++) {
        if (p[-1] != ' ' || !(*p >= 'a' && *p <= 'z'))
            continue;
        const size_t tl = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_.");
        const char *d = NULL;
        for (const char *q = p; q < p + tl; q++)
            if (*q == '.')
                d = q;
        sec_t o;
        if (!d || d == p || (size_t)(d - p) >= sizeof secbuf || d + 1 == p + tl)
            continue;
        memcpy(secbuf, p, (size_t)(d - p));
        secbuf[d - p] = '\0';
        if (classify(secbuf, &o, why, sizeof why) && o.kind != S_ARRAY)
            line = key_line(c, &o, d + 1, (size_t)(p + tl - d - 1));
    }
    if (line)
        sec_name(&s, sname, slen);
    return line;
}

/* ---- entry points ---------------------------------------------------------------------- */

/* base must have passed mmu_config_import. */
static ctx_t *keys_new(const mmu_config_t *base, const char *name, int depth)
{
    ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (name) {
        size_t n = strlen(name) + 1;
        c->name = malloc(n);
        if (!c->name) {
            free(c);
            return NULL;
        }
        memcpy(c->name, name, n);
    }
    c->depth = depth;
    mmu_config_import(&c->cfg, base, NULL);
    stage_from_cfg(c);
    return c;
}

/* The first error, with the location: "name:line: what", "name: what" when no
 * line is to blame, or just "what" for keys that come from no file. */
static int report(const ctx_t *c, mmu_err_t *err)
{
    if (!c->name)
        return mmu_err_set(err, MMU_EINVAL, "%s", c->err);
    if (c->err_line > 0)
        return mmu_err_set(err, MMU_EINVAL, "%s:%d: %s", c->name, c->err_line, c->err);
    return mmu_err_set(err, MMU_EINVAL, "%s: %s", c->name, c->err);
}

static void set_line(ctx_t *c, unsigned line)
{
    c->line = line > INT_MAX ? INT_MAX : (int)line;
}

/* The checks that need the whole set of keys, then mmu_config_validate(). */
static void end_keys(ctx_t *c)
{
    if (c->ended)
        return;
    c->ended = true;
    if (!c->failed)
        finish(c);
    if (c->failed)
        return;
    mmu_err_t e = {0};
    if (mmu_config_validate(&c->cfg, &e)) {
        char sname[32];
        const char *key;
        int line = validate_line(c, e.msg, sname, sizeof sname, &key);
        if (line)
            fail(c, line, "[%s] %s", sname, key);
        else
            fail(c, 0, "%s", e.msg);
    }
}

int mmu_config_keys_begin(const mmu_config_t *base, const char *name, mmu_config_keys_t **out,
                          mmu_err_t *err)
{
    if (!out)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_keys_begin: out is NULL");
    *out = NULL;
    if (!base)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_keys_begin: base is NULL");
    mmu_config_t full;
    int rc = mmu_config_import(&full, base, err);
    if (rc)
        return rc;
    ctx_t *c = keys_new(&full, name, 0);
    if (!c)
        return mmu_err_set(err, MMU_ENOMEM, "mmu_config_keys_begin: out of memory");
    *out = c;
    return 0;
}

int mmu_config_keys_section(mmu_config_keys_t *k, unsigned line, const char *section,
                            mmu_err_t *err)
{
    if (!k)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_keys_section: keys is NULL");
    if (!k->failed && !k->ended) {
        set_line(k, line);
        section_seen(k, section);
    }
    return k->failed ? report(k, err) : 0;
}

int mmu_config_keys_set(mmu_config_keys_t *k, unsigned line, const char *section, const char *key,
                        const char *value, mmu_err_t *err)
{
    if (!k)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_keys_set: keys is NULL");
    if (!k->failed && !k->ended) {
        set_line(k, line);
        handle_key(k, section, key, value);
    }
    return k->failed ? report(k, err) : 0;
}

int mmu_config_keys_end(mmu_config_keys_t *k, mmu_config_t *cfg, mmu_err_t *err)
{
    if (!k)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_keys_end: keys is NULL");
    if (!cfg)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_keys_end: cfg is NULL");
    mmu_config_t old;
    int rc = mmu_config_import(&old, cfg, err);
    if (rc)
        return rc;
    end_keys(k);
    if (k->failed)
        return report(k, err);
    mmu_config_export(cfg, &k->cfg);
    return 0;
}

void mmu_config_keys_free(mmu_config_keys_t *k)
{
    if (!k)
        return;
    free(k->name);
    free(k);
}

int mmu_config_set(mmu_config_t *cfg, const char *section, const char *key, const char *value,
                   mmu_err_t *err)
{
    if (!cfg)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_set: cfg is NULL");
    mmu_config_t full;
    int rc = mmu_config_import(&full, cfg, err);
    if (rc)
        return rc;
    ctx_t *c = keys_new(&full, NULL, 0);
    if (!c)
        return mmu_err_set(err, MMU_ENOMEM, "mmu_config_set: out of memory");
    rc = mmu_config_keys_set(c, 1, section, key, value, err);
    if (!rc)
        rc = mmu_config_keys_end(c, cfg, err);
    mmu_config_keys_free(c);
    return rc;
}

/* Config text that is part of the library (the presets): trusted, so a minimal
 * line splitter does, with the syntax of the INI loader: `[section]`,
 * `key = value`, comment lines starting with '#' or ';', and ` ; comment`
 * after a value. Anything else is still reported, at its line. */
int mmu_config_apply_text(mmu_config_t *cfg, const char *text, const char *name, int depth,
                          mmu_err_t *err)
{
    ctx_t *c = keys_new(cfg, name, depth);
    if (!c)
        return mmu_err_set(err, MMU_ENOMEM, "%s: out of memory", name);
    char section[128] = "", buf[256];
    const char *p = text;
    for (int line = 1; *p && !c->failed; line++) {
        size_t len = strcspn(p, "\n");
        c->line = line;
        if (len >= sizeof buf) {
            fail(c, line, "line too long (at most %zu characters)", sizeof buf - 1);
            break;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (p[len] == '\n');
        char *s = buf + strspn(buf, " \t");
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            s[--n] = '\0';
        if (!*s || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1] || (size_t)(end - s - 1) >= sizeof section) {
                fail(c, line, "expected '[section]'");
                break;
            }
            *end = '\0';
            strcpy(section, s + 1);
            section_seen(c, section);
        } else if (eq) {
            for (char *q = eq + 1; *q; q++)
                if (*q == ';' && (q[-1] == ' ' || q[-1] == '\t')) {
                    *q = '\0';
                    break;
                }
            char *key = s, *value = eq + 1 + strspn(eq + 1, " \t");
            char *kend = eq;
            while (kend > key && (kend[-1] == ' ' || kend[-1] == '\t'))
                kend--;
            *kend = '\0';
            size_t vn = strlen(value);
            while (vn && (value[vn - 1] == ' ' || value[vn - 1] == '\t'))
                value[--vn] = '\0';
            handle_key(c, section, key, value);
        } else {
            fail(c, line, "expected 'key = value' or '[section]'");
        }
    }
    end_keys(c);
    int rc = c->failed ? report(c, err) : 0;
    if (!rc)
        *cfg = c->cfg;
    mmu_config_keys_free(c);
    return rc;
}

/* ---- writer ------------------------------------------------------------------------------- */

static void write_keys(FILE *f, const cfgkey_t *keys, size_t n, const void *base)
{
    for (size_t i = 0; i < n; i++) {
        const cfgkey_t *k = &keys[i];
        const unsigned u = *(const unsigned *)((const char *)base + k->off);
        switch (k->type) {
        case T_U32:
        case T_LINE:
        case T_BOOL: fprintf(f, "%s = %u\n", k->name, u); break;
        case T_U64:
            fprintf(f, "%s = %" PRIu64 "\n", k->name,
                    *(const uint64_t *)((const char *)base + k->off));
            break;
        case T_REPL:
            if (u < 4)
                fprintf(f, "%s = %s\n", k->name, REPL_NAME[u]);
            else
                fprintf(f, "%s = %u ; invalid\n", k->name, u);
            break;
        case T_INDEX:
            if (u < 2)
                fprintf(f, "%s = %s\n", k->name, INDEX_NAME[u]);
            else
                fprintf(f, "%s = %u ; invalid\n", k->name, u);
            break;
        case T_ADF:
            if (u < 2)
                fprintf(f, "%s = %s\n", k->name, ADF_NAME[u]);
            else
                fprintf(f, "%s = %u ; invalid\n", k->name, u);
            break;
        case T_ARRAYS:
        case T_PRESET: break;
        }
    }
}

int mmu_config_print(FILE *f, const mmu_config_t *in)
{
    mmu_config_t full;
    if (!f || mmu_config_import(&full, in, NULL))
        return MMU_EINVAL;
    const mmu_config_t *cfg = &full;
    int rc = 0;
    fputs("# mmusim configuration: every key, as `mmusim config` writes it.\n"
          "# Key reference: README.md, \"Config files\".\n\n[mmu]\n",
          f);
    write_keys(f, MMU_KEYS, NKEYS(MMU_KEYS), cfg);
    const mmu_tlb_cfg_t *lvls[NLEVELS] = {&cfg->l1i, &cfg->l1d, &cfg->l2};
    for (int l = 0; l < NLEVELS; l++) {
        const mmu_tlb_cfg_t *t = lvls[l];
        fprintf(f, "\n[%s]\n", LEVEL_NAME[l]);
        write_keys(f, LEVEL_KEYS, NKEYS(LEVEL_KEYS), t);
        fputs("arrays =", f);
        int n = 0;
        for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
            unsigned m = t->arr[i].sizes;
            if (!t->arr[i].entries)
                continue;
            if (m == 0 || m >= NMASKS) {
                rc = MMU_EINVAL;
                continue;
            }
            fprintf(f, "%s %s", n++ ? "," : "", MASK_NAME[m]);
        }
        fputs(n ? "\n" : " none\n", f);
        for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
            unsigned m = t->arr[i].sizes;
            if (!t->arr[i].entries || m == 0 || m >= NMASKS)
                continue;
            fprintf(f, "\n[%s.%s]\n", LEVEL_NAME[l], MASK_NAME[m]);
            write_keys(f, ARRAY_KEYS, NKEYS(ARRAY_KEYS), &t->arr[i]);
        }
    }
    for (int k = 2; k <= 5; k++) {
        fprintf(f, "\n[psc.%s]\n", PSC_NAME[k]);
        write_keys(f, PSC_KEYS, NKEYS(PSC_KEYS), &cfg->psc[k]);
    }
    fputs("\n[memlat]\n", f);
    write_keys(f, MEMLAT_KEYS, NKEYS(MEMLAT_KEYS), cfg);
    for (int i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        fprintf(f, "\n[memlat.%s]\n", MEMLAT_NAME[i]);
        write_keys(f, MLEVEL_KEYS, NKEYS(MLEVEL_KEYS), &cfg->memlat[i]);
    }
    if (ferror(f))
        rc = MMU_EIO;
    return rc;
}

