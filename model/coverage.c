/* SPDX-License-Identifier: Apache-2.0 */
/* Functional coverage: the bin list (names, groups), the rules that declare
 * bins unreachable with their reasons, the classification of outcomes into
 * causes (SDM 4.5 reserved bits, 4.6 access rights), and the counters.
 * The hooks that feed the counters sit in mmu.c and walker.c. */
#include "coverage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mmu/mmu_mem.h"

_Static_assert(MMU_COV_OUT_PROT + MMU_COV_PROT_PKS_WD == MMU_COV_OUT_GP - 1,
               "protection causes and the #GP outcome overlap");

/* ---- names ----------------------------------------------------------------------- */

static const char *const GROUP[MMU_COV_GROUPS] = {"xlat", "ad", "dirty", "inv",
                                                  "pcid", "walker", "repl"};
static const char *const ACC[MMU_COV_ACCS] = {"read", "write", "fetch", "iread", "iwrite"};
static const char *const SIZE[MMU_COV_SIZES] = {"4k", "2m", "1g", "nosize"};
static const char *const SERVED[MMU_COV_SERVED] = {"l1",        "l2",       "walk_pml5e",
                                                   "walk_pml4e", "walk_pdpte", "walk_pde",
                                                   "walk_root", "none"};
/* Entry names by level (index 5 - level). */
static const char *const ENTRY[5] = {"pml5e", "pml4e", "pdpte", "pde", "pte"};
static const char *const PROT[11] = {"",        "us",      "smap",    "smep",   "xd",    "rw",
                                     "wp",      "pkru_ad", "pkru_wd", "pks_ad", "pks_wd"};
static const char *const INV_KIND[MMU_COV_INV_KINDS] = {
    "invlpg",       "invpcid0",     "invpcid1",      "invpcid2",    "invpcid3",  "cr3",
    "cr3_noflush",  "cr4_pge_on",   "cr4_pge_off",   "cr4_pcide_off", "cr4_smep_on",
    "cr4_other",    "efer_nxe",     "set_ctrl",      "flush_all",   "pf"};
static const char *const INV_WHAT[MMU_COV_WHAT] = {"nothing", "tlb_4k",    "tlb_2m",
                                                   "tlb_1g",  "global",    "psc_pde",
                                                   "psc_pdpte", "psc_pml4e", "psc_pml5e"};
static const char *const TLB_LEVEL[3] = {"l1i", "l1d", "l2"};

/* Outcome o of the xlat cross: its name, and for faults the kind, level, cause. */
typedef struct outcome {
    unsigned kind;  /* mmu_cov_kind_t */
    unsigned level; /* NP, RSVD */
    unsigned cause; /* RSVD: mmu_cov_rsvd_t; PROT: mmu_cov_prot_t */
} outcome_t;

static outcome_t outcome_of(unsigned o)
{
    outcome_t r = {MMU_COV_OK, 0, 0};
    if (o == MMU_COV_OUT_OK)
        return r;
    if (o == MMU_COV_OUT_GP) {
        r.kind = MMU_COV_GP;
    } else if (o < MMU_COV_OUT_MAXPHY) {
        r.kind = MMU_COV_NP;
        r.level = 5 - (o - MMU_COV_OUT_NP);
    } else if (o < MMU_COV_OUT_XD_RSVD) {
        r = (outcome_t){MMU_COV_RSVD, 5 - (o - MMU_COV_OUT_MAXPHY), MMU_COV_RSVD_MAXPHY};
    } else if (o < MMU_COV_OUT_PS) {
        r = (outcome_t){MMU_COV_RSVD, 5 - (o - MMU_COV_OUT_XD_RSVD), MMU_COV_RSVD_XD};
    } else if (o < MMU_COV_OUT_LARGE) {
        r = (outcome_t){MMU_COV_RSVD, 5 - (o - MMU_COV_OUT_PS), MMU_COV_RSVD_PS};
    } else if (o < MMU_COV_OUT_PROT + 1) {
        r = (outcome_t){MMU_COV_RSVD, 3 - (o - MMU_COV_OUT_LARGE), MMU_COV_RSVD_LARGE};
    } else {
        r.kind = MMU_COV_PROT;
        r.cause = o - MMU_COV_OUT_PROT;
    }
    return r;
}

static size_t outcome_name(unsigned o, char *b, size_t len)
{
    const outcome_t r = outcome_of(o);
    switch (r.kind) {
    case MMU_COV_OK:
        return (size_t)snprintf(b, len, "ok");
    case MMU_COV_GP:
        return (size_t)snprintf(b, len, "gp");
    case MMU_COV_NP:
        return (size_t)snprintf(b, len, "np_%s", ENTRY[5 - r.level]);
    case MMU_COV_RSVD: {
        static const char *const C[] = {"", "ps", "large", "maxphy", "xd"};
        return (size_t)snprintf(b, len, "rsvd_%s_%s", C[r.cause], ENTRY[5 - r.level]);
    }
    default:
        return (size_t)snprintf(b, len, "prot_%s", PROT[r.cause]);
    }
}

/* The dimensions of an xlat bin. */
typedef struct xdims {
    unsigned levels, acc, user, size, served, out;
} xdims_t;

static xdims_t xlat_dims(unsigned i)
{
    xdims_t d;
    d.out = i % MMU_COV_OUTS;
    i /= MMU_COV_OUTS;
    d.served = i % MMU_COV_SERVED;
    i /= MMU_COV_SERVED;
    d.size = i % MMU_COV_SIZES;
    i /= MMU_COV_SIZES;
    d.user = i % 2;
    i /= 2;
    d.acc = i % MMU_COV_ACCS;
    d.levels = i / MMU_COV_ACCS ? 5 : 4;
    return d;
}

size_t mmu_cov_bin_name(unsigned i, char *buf, size_t len)
{
    char tmp[MMU_COV_NAME_MAX], o[32];
    size_t n;
    if (i >= MMU_COV_NBINS) {
        if (len)
            buf[0] = 0;
        return 0;
    }
    if (i < MMU_COV_XLAT_BINS) {
        const xdims_t d = xlat_dims(i);
        outcome_name(d.out, o, sizeof o);
        n = (size_t)snprintf(tmp, sizeof tmp, "xlat.l%u.%s.%s.%s.%s.%s", d.levels, ACC[d.acc],
                             d.user ? "cpl3" : "cpl012", SIZE[d.size], SERVED[d.served], o);
    } else if (i < MMU_COVB_DIRTY) {
        const unsigned k = i - MMU_COVB_AD;
        if (k < 5)
            n = (size_t)snprintf(tmp, sizeof tmp, "ad.a_walk.%s", ENTRY[k]);
        else if (k < 10)
            n = (size_t)snprintf(tmp, sizeof tmp, "ad.a_fault.%s", ENTRY[k - 5]);
        else if (k < 13)
            n = (size_t)snprintf(tmp, sizeof tmp, "ad.d_only.%s", SIZE[k - 10]);
        else if (k < 16)
            n = (size_t)snprintf(tmp, sizeof tmp, "ad.a_d_one_rmw.%s", SIZE[k - 13]);
        else if (k < 21)
            n = (size_t)snprintf(tmp, sizeof tmp, "ad.cmpxchg_lost.%s", ENTRY[k - 16]);
        else
            n = (size_t)snprintf(tmp, sizeof tmp, "ad.retry_limit");
    } else if (i < MMU_COVB_INV) {
        const unsigned k = i - MMU_COVB_DIRTY;
        n = (size_t)snprintf(tmp, sizeof tmp, "dirty.%s.%s.%s", k < 6 ? "d_assist" : "read_hit_d0",
                             (k % 6) / 3 ? "l2" : "l1", SIZE[k % 3]);
    } else if (i < MMU_COVB_PCID) {
        const unsigned k = i - MMU_COVB_INV;
        n = (size_t)snprintf(tmp, sizeof tmp, "inv.%s.%s", INV_KIND[k / MMU_COV_WHAT],
                             INV_WHAT[k % MMU_COV_WHAT]);
    } else if (i < MMU_COVB_WALKER) {
        static const char *const P[5] = {"kept_hit.l1", "kept_hit.l2", "kept_hit.psc",
                                         "global_other_pcid_hit.l1",
                                         "global_other_pcid_hit.l2"};
        n = (size_t)snprintf(tmp, sizeof tmp, "pcid.%s", P[i - MMU_COVB_PCID]);
    } else if (i < MMU_COVB_REPL) {
        const unsigned k = i - MMU_COVB_WALKER;
        if (k < 8)
            n = (size_t)snprintf(tmp, sizeof tmp, "walker.in_flight.%u", k);
        else if (k == 8)
            n = (size_t)snprintf(tmp, sizeof tmp, "walker.in_flight.8plus");
        else if (k < 11)
            n = (size_t)snprintf(tmp, sizeof tmp, "walker.merged.%s", k == 9 ? "l1" : "l2");
        else if (k < 15)
            n = (size_t)snprintf(tmp, sizeof tmp, "walker.psc_in_flight.%s", ENTRY[3 - (k - 11)]);
        else
            n = (size_t)snprintf(tmp, sizeof tmp, "walker.saturated");
    } else {
        const unsigned k = i - MMU_COVB_REPL;
        if (k < 9)
            n = (size_t)snprintf(tmp, sizeof tmp, "repl.evict.%s.arr%u", TLB_LEVEL[k / 3], k % 3);
        else if (k < 13)
            n = (size_t)snprintf(tmp, sizeof tmp, "repl.evict.psc_%s", ENTRY[3 - (k - 9)]);
        else if (k < 16)
            n = (size_t)snprintf(tmp, sizeof tmp, "repl.back_inv.%s",
                                 k == 13 ? "l1i" : k == 14 ? "l1d" : "nothing");
        else
            n = (size_t)snprintf(tmp, sizeof tmp, "repl.splinter.%s", TLB_LEVEL[k - 16]);
    }
    if (len) {
        const size_t c = n < len ? n : len - 1;
        memcpy(buf, tmp, c);
        buf[c] = 0;
    }
    return n;
}

unsigned mmu_cov_bins(void)
{
    return MMU_COV_NBINS;
}

unsigned mmu_cov_bin_group(unsigned i)
{
    if (i < MMU_COVB_AD)
        return MMU_COV_G_XLAT;
    if (i < MMU_COVB_DIRTY)
        return MMU_COV_G_AD;
    if (i < MMU_COVB_INV)
        return MMU_COV_G_DIRTY;
    if (i < MMU_COVB_PCID)
        return MMU_COV_G_INV;
    if (i < MMU_COVB_WALKER)
        return MMU_COV_G_PCID;
    if (i < MMU_COVB_REPL)
        return MMU_COV_G_WALKER;
    return MMU_COV_G_REPL;
}

const char *mmu_cov_group_name(unsigned g)
{
    return g < MMU_COV_GROUPS ? GROUP[g] : "";
}

long mmu_cov_bin_find(const char *name)
{
    /* Names are built from short tables; a search over 20k bins is fast
     * enough for loading a file once, and needs no index that could drift. */
    char b[MMU_COV_NAME_MAX];
    if (!name)
        return -1;
    if (!strncmp(name, "xlat.", 5)) {
        /* Parse the dimensions rather than scan: files name thousands of bins. */
        char f[6][24];
        const char *p = name + 5;
        for (int k = 0; k < 6; k++) {
            const char *e = k < 5 ? strchr(p, '.') : p + strlen(p);
            if (!e || (size_t)(e - p) >= sizeof f[k])
                return -1;
            memcpy(f[k], p, (size_t)(e - p));
            f[k][e - p] = 0;
            p = e + (k < 5);
        }
        unsigned v[6] = {0, 0, 0, 0, 0, 0};
        if (!strcmp(f[0], "l4") || !strcmp(f[0], "l5"))
            v[0] = f[0][1] == '5';
        else
            return -1;
        const char *const *tab[5] = {ACC, NULL, SIZE, SERVED, NULL};
        const unsigned cnt[5] = {MMU_COV_ACCS, 2, MMU_COV_SIZES, MMU_COV_SERVED, MMU_COV_OUTS};
        for (int k = 1; k <= 5; k++) {
            unsigned j;
            for (j = 0; j < cnt[k - 1]; j++) {
                const char *s;
                if (k == 2)
                    s = j ? "cpl3" : "cpl012";
                else if (k == 5)
                    s = (outcome_name(j, b, sizeof b), b);
                else
                    s = tab[k - 1][j];
                if (!strcmp(s, f[k]))
                    break;
            }
            if (j == cnt[k - 1])
                return -1;
            v[k] = j;
        }
        const long i = (long)((((((v[0] * MMU_COV_ACCS + v[1]) * 2 + v[2]) * MMU_COV_SIZES + v[3]) *
                                    MMU_COV_SERVED +
                                v[4]) *
                                   MMU_COV_OUTS +
                               v[5]));
        mmu_cov_bin_name((unsigned)i, b, sizeof b);
        return strcmp(b, name) ? -1 : i;
    }
    for (unsigned i = MMU_COVB_AD; i < MMU_COV_NBINS; i++) {
        mmu_cov_bin_name(i, b, sizeof b);
        if (!strcmp(b, name))
            return (long)i;
    }
    return -1;
}

/* ---- reachability ------------------------------------------------------------------ */

/* Each rule: a predicate over one bin and the reason it cannot be hit. The
 * first rule that matches names the reason; mmu_cov_bin_rule() returns its
 * number (1-based). Rules over the xlat cross see its dimensions. */
typedef struct rule {
    bool (*xlat)(const xdims_t *d, const outcome_t *o);
    bool (*other)(unsigned bin);
    const char *why;
} rule_t;

static bool is_fault_with_entry(const outcome_t *o)
{
    return o->kind == MMU_COV_NP || o->kind == MMU_COV_RSVD;
}

/* Level of the first entry a walk served this way reads (0: no walk). */
static unsigned start_level(unsigned served, unsigned levels)
{
    switch (served) {
    case MMU_COV_WALK_ROOT:
        return levels;
    case MMU_COV_WALK_PML5E:
        return 4;
    case MMU_COV_WALK_PML4E:
        return 3;
    case MMU_COV_WALK_PDPTE:
        return 2;
    case MMU_COV_WALK_PDE:
        return 1;
    default:
        return 0;
    }
}

static bool r_gp(const xdims_t *d, const outcome_t *o)
{
    return o->kind == MMU_COV_GP && (d->served != MMU_COV_NONE || d->size != MMU_COV_NOSIZE);
}
static bool r_none(const xdims_t *d, const outcome_t *o)
{
    return d->served == MMU_COV_NONE && o->kind != MMU_COV_GP;
}
static bool r_size(const xdims_t *d, const outcome_t *o)
{
    const bool leaf = o->kind == MMU_COV_OK || o->kind == MMU_COV_PROT;
    return leaf == (d->size == MMU_COV_NOSIZE) && o->kind != MMU_COV_GP;
}
static bool r_tlb_fault(const xdims_t *d, const outcome_t *o)
{
    return (d->served == MMU_COV_L1 || d->served == MMU_COV_L2) && is_fault_with_entry(o);
}
static bool r_pml5(const xdims_t *d, const outcome_t *o)
{
    return d->levels == 4 &&
           (d->served == MMU_COV_WALK_PML5E || (is_fault_with_entry(o) && o->level == 5));
}
static bool r_below_psc(const xdims_t *d, const outcome_t *o)
{
    const unsigned s = start_level(d->served, d->levels);
    return s && is_fault_with_entry(o) && o->level > s;
}
static bool r_size_below_psc(const xdims_t *d, const outcome_t *o)
{
    (void)o;
    const unsigned s = start_level(d->served, d->levels);
    return s && d->size != MMU_COV_NOSIZE && d->size + 1 > s;
}
static bool prot_is(const outcome_t *o, unsigned a, unsigned b, unsigned c, unsigned e)
{
    return o->kind == MMU_COV_PROT &&
           (o->cause == a || o->cause == b || o->cause == c || o->cause == e);
}
static bool r_pk_fetch(const xdims_t *d, const outcome_t *o)
{
    return d->acc == MMU_COV_ACC_FETCH &&
           prot_is(o, MMU_COV_PROT_PKRU_AD, MMU_COV_PROT_PKRU_WD, MMU_COV_PROT_PKS_AD,
                   MMU_COV_PROT_PKS_WD);
}
static bool r_write_only(const xdims_t *d, const outcome_t *o)
{
    return d->acc != MMU_COV_ACC_WRITE && d->acc != MMU_COV_ACC_IWRITE &&
           prot_is(o, MMU_COV_PROT_RW, MMU_COV_PROT_WP, MMU_COV_PROT_PKRU_WD, MMU_COV_PROT_PKS_WD);
}
static bool r_fetch_only(const xdims_t *d, const outcome_t *o)
{
    return d->acc != MMU_COV_ACC_FETCH &&
           prot_is(o, MMU_COV_PROT_XD, MMU_COV_PROT_SMEP, MMU_COV_PROT_SMEP, MMU_COV_PROT_SMEP);
}
static bool r_data_only(const xdims_t *d, const outcome_t *o)
{
    return d->acc == MMU_COV_ACC_FETCH &&
           prot_is(o, MMU_COV_PROT_SMAP, MMU_COV_PROT_SMAP, MMU_COV_PROT_SMAP, MMU_COV_PROT_SMAP);
}
/* A user-mode access (SDM 4.6): CPL 3 and not implicit. */
static bool user_mode(const xdims_t *d)
{
    return d->user && (d->acc == MMU_COV_ACC_READ || d->acc == MMU_COV_ACC_WRITE ||
                       d->acc == MMU_COV_ACC_FETCH);
}
static bool r_user_causes(const xdims_t *d, const outcome_t *o)
{
    return !user_mode(d) && prot_is(o, MMU_COV_PROT_US, MMU_COV_PROT_RW, MMU_COV_PROT_RW,
                                    MMU_COV_PROT_RW);
}
static bool r_sup_causes(const xdims_t *d, const outcome_t *o)
{
    return user_mode(d) &&
           prot_is(o, MMU_COV_PROT_SMAP, MMU_COV_PROT_SMEP, MMU_COV_PROT_WP, MMU_COV_PROT_WP);
}
static bool r_pks_user(const xdims_t *d, const outcome_t *o)
{
    return user_mode(d) &&
           prot_is(o, MMU_COV_PROT_PKS_AD, MMU_COV_PROT_PKS_WD, MMU_COV_PROT_PKS_WD,
                   MMU_COV_PROT_PKS_WD);
}
static bool r_xd_l1(const xdims_t *d, const outcome_t *o)
{
    return d->served == MMU_COV_L1 &&
           prot_is(o, MMU_COV_PROT_XD, MMU_COV_PROT_XD, MMU_COV_PROT_XD, MMU_COV_PROT_XD);
}

/* Rules over the other groups. */
static bool r_a_fault_pte(unsigned b)
{
    return b == MMU_COVB_A_FAULT + 4;
}
static bool inv_is(unsigned b, unsigned kind, unsigned *what)
{
    if (b < MMU_COVB_INV || b >= MMU_COVB_PCID || (b - MMU_COVB_INV) / MMU_COV_WHAT != kind)
        return false;
    *what = (b - MMU_COVB_INV) % MMU_COV_WHAT;
    return true;
}
static bool r_inv_noflush(unsigned b)
{
    unsigned w;
    return inv_is(b, MMU_COV_INV_CR3_NOFLUSH, &w) && w != 0;
}
static bool r_inv_cr4_other(unsigned b)
{
    unsigned w;
    return inv_is(b, MMU_COV_INV_CR4_OTHER, &w) && w != 0;
}
static bool r_inv_keeps_globals(unsigned b)
{
    unsigned w;
    static const unsigned K[] = {MMU_COV_INV_CR3, MMU_COV_INV_INVPCID0, MMU_COV_INV_INVPCID1,
                                 MMU_COV_INV_INVPCID3};
    for (unsigned i = 0; i < 4; i++)
        if (inv_is(b, K[i], &w) && w == 4)
            return true;
    return false;
}
static bool r_inv_pge_on(unsigned b)
{
    unsigned w;
    return inv_is(b, MMU_COV_INV_CR4_PGE_ON, &w) && w == 4;
}

static const rule_t RULES[] = {
    {r_gp, NULL,
     "#GP(0) for a non-canonical address is decided before any lookup (SDM 4.5): no TLB, no "
     "walk, no page size"},
    {r_none, NULL, "only a non-canonical address is served by nothing: every other request "
                   "looks up the L1 TLB"},
    {r_size, NULL,
     "a page size exists only for a walk that reached its leaf: ok and protection faults have "
     "one, not-present and reserved-bit faults do not"},
    {r_tlb_fault, NULL,
     "TLBs cache only translations that were present and free of reserved bits (SDM 4.10.2), "
     "so a TLB hit ends ok or in a protection fault"},
    {r_pml5, NULL, "4-level paging has no PML5 table: no PML5E read, no PML5E-cache hit"},
    {r_below_psc, NULL,
     "a walk below a paging-structure-cache hit reads only the levels below the cached entry "
     "(SDM 4.10.3.2)"},
    {r_size_below_psc, NULL,
     "a walk below a PSC hit ends in a page no larger than its first level maps: below a PDE "
     "hit only 4K, below a PDPTE hit 4K or 2M"},
    {r_pk_fetch, NULL, "instruction fetches are not subject to protection keys (SDM 4.6.2)"},
    {r_write_only, NULL, "R/W, CR0.WP and the write-disable key bits restrict writes only (SDM "
                         "4.6.1, 4.6.2)"},
    {r_fetch_only, NULL, "XD and SMEP restrict instruction fetches only (SDM 4.6.1)"},
    {r_data_only, NULL, "SMAP restricts data accesses only (SDM 4.6.1)"},
    {r_user_causes, NULL,
     "U/S and R/W (as opposed to WP) faults are user-mode accesses: CPL 3 and not implicit "
     "(SDM 4.6.1)"},
    {r_sup_causes, NULL,
     "SMAP, SMEP and CR0.WP faults are supervisor-mode accesses: CPL 0-2 or implicit (SDM 4.6.1)"},
    {r_pks_user, NULL,
     "a user-mode access to a supervisor-mode address is a U/S fault first (causes are "
     "attributed in order), so IA32_PKRS never decides one"},
    {r_xd_l1, NULL,
     "the L1 ITLB caches only translations a fetch was allowed to use, never one with XD (and "
     "an EFER.NXE change flushes every TLB)"},
    {NULL, r_a_fault_pte,
     "a faulting walk never writes the leaf (ad_on_fault = used sets A in the tables above "
     "it), and a PTE is always a leaf"},
    {NULL, r_inv_noflush, "MOV to CR3 with bit 63 set (CR4.PCIDE = 1) invalidates nothing (SDM "
                          "4.10.4.1)"},
    {NULL, r_inv_cr4_other,
     "a MOV to CR4 that changes neither PGE, nor PCIDE to 0, nor SMEP to 1 invalidates "
     "nothing (SDM 4.10.4.1)"},
    {NULL, r_inv_keeps_globals,
     "MOV to CR3 and INVPCID types 0, 1 and 3 keep global translations (SDM 4.10.4.1)"},
    {NULL, r_inv_pge_on,
     "no entry is cached as global while CR4.PGE = 0, and clearing PGE flushed them all, so "
     "setting PGE finds no global entry"},
};
#define NRULES (sizeof RULES / sizeof RULES[0])

unsigned mmu_cov_rules(void)
{
    return NRULES;
}

const char *mmu_cov_rule_text(unsigned rule)
{
    return rule >= 1 && rule <= NRULES ? RULES[rule - 1].why : "";
}

unsigned mmu_cov_bin_rule(unsigned i)
{
    if (i >= MMU_COV_NBINS)
        return 0;
    if (i < MMU_COV_XLAT_BINS) {
        const xdims_t d = xlat_dims(i);
        const outcome_t o = outcome_of(d.out);
        for (unsigned r = 0; r < NRULES; r++)
            if (RULES[r].xlat && RULES[r].xlat(&d, &o))
                return r + 1;
        return 0;
    }
    for (unsigned r = 0; r < NRULES; r++)
        if (RULES[r].other && RULES[r].other(i))
            return r + 1;
    return 0;
}

uint64_t mmu_cov_list_id(void)
{
    /* FNV-1a over "name:rule\n" of every bin. */
    uint64_t h = 0xcbf29ce484222325ull;
    char b[MMU_COV_NAME_MAX + 16];
    for (unsigned i = 0; i < MMU_COV_NBINS; i++) {
        size_t n = mmu_cov_bin_name(i, b, MMU_COV_NAME_MAX);
        n += (size_t)snprintf(b + n, sizeof b - n, ":%u\n", mmu_cov_bin_rule(i) ? 1u : 0u);
        for (size_t k = 0; k < n; k++) {
            h ^= (unsigned char)b[k];
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

/* ---- classification --------------------------------------------------------------- */

unsigned mmu_cov_acc_of(const mmu_req_t *req)
{
    const bool implicit = req->flags & MMU_REQ_IMPLICIT;
    if (req->type == MMU_ACC_FETCH)
        return MMU_COV_ACC_FETCH;
    if (req->type == MMU_ACC_WRITE)
        return implicit ? MMU_COV_ACC_IWRITE : MMU_COV_ACC_WRITE;
    return implicit ? MMU_COV_ACC_IREAD : MMU_COV_ACC_READ;
}

unsigned mmu_cov_user_of(const mmu_req_t *req)
{
    /* An implicit fetch is no architectural access; the model treats it as a
     * supervisor-mode fetch, and so does the binning. */
    return req->cpl == 3 && !(req->type == MMU_ACC_FETCH && (req->flags & MMU_REQ_IMPLICIT));
}

#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

unsigned mmu_cov_rsvd_cause(uint64_t e, unsigned level, unsigned maxphyaddr, int nxe, int page_1g)
{
    const bool ps = e & MMU_PTE_PS;
    const bool leaf = level == 1 || ((level == 2 || (level == 3 && page_1g)) && ps);
    if (!leaf && ps && (level >= 4 || (level == 3 && !page_1g)))
        return MMU_COV_RSVD_PS;
    if (leaf && level == 3 && (e & BITS(29, 13)))
        return MMU_COV_RSVD_LARGE;
    if (leaf && level == 2 && (e & BITS(20, 13)))
        return MMU_COV_RSVD_LARGE;
    if (maxphyaddr < 52 && (e & BITS(51, maxphyaddr)))
        return MMU_COV_RSVD_MAXPHY;
    if (!nxe && (e & MMU_PTE_XD))
        return MMU_COV_RSVD_XD;
    return MMU_COV_RSVD_NONE;
}

/* SDM 4.6.2: does the key register deny this data access? */
static unsigned key_cause(uint32_t reg, unsigned key, bool write, bool user_access, bool wp,
                          unsigned ad, unsigned wd)
{
    if ((reg >> (2 * key)) & 1)
        return ad;
    if (write && ((reg >> (2 * key + 1)) & 1) && (user_access || wp))
        return wd;
    return MMU_COV_PROT_NONE;
}

unsigned mmu_cov_prot_cause(const mmu_ctrl_t *c, const mmu_req_t *req, unsigned perms,
                            unsigned pkey)
{
    const bool implicit = req->flags & MMU_REQ_IMPLICIT;
    const bool user_access = req->cpl == 3 && !implicit;
    const bool user_addr = perms & MMU_PERM_U;
    const bool writable = perms & MMU_PERM_W;
    const bool write = req->type == MMU_ACC_WRITE;
    if (user_access && !user_addr)
        return MMU_COV_PROT_US;
    if (req->type == MMU_ACC_FETCH) {
        if (!user_access && user_addr && (c->cr4 & MMU_CR4_SMEP))
            return MMU_COV_PROT_SMEP;
        if ((perms & MMU_PERM_XD) && (c->efer & MMU_EFER_NXE))
            return MMU_COV_PROT_XD;
        return MMU_COV_PROT_NONE;
    }
    if (!user_access && user_addr && (c->cr4 & MMU_CR4_SMAP) &&
        (implicit || !(c->rflags & MMU_RFLAGS_AC)))
        return MMU_COV_PROT_SMAP;
    const bool wp = c->cr0 & MMU_CR0_WP;
    if (write && !writable && user_access)
        return MMU_COV_PROT_RW;
    if (write && !writable && wp)
        return MMU_COV_PROT_WP;
    if (user_addr && (c->cr4 & MMU_CR4_PKE))
        return key_cause(c->pkru, pkey & 15, write, user_access, wp, MMU_COV_PROT_PKRU_AD,
                         MMU_COV_PROT_PKRU_WD);
    if (!user_addr && (c->cr4 & MMU_CR4_PKS))
        return key_cause(c->pkrs, pkey & 15, write, user_access, wp, MMU_COV_PROT_PKS_AD,
                         MMU_COV_PROT_PKS_WD);
    return MMU_COV_PROT_NONE;
}

long mmu_cov_xlat_bin(const mmu_cov_xlat_t *x)
{
    if ((x->levels != 4 && x->levels != 5) || x->acc >= MMU_COV_ACCS || x->user > 1 ||
        x->size >= MMU_COV_SIZES || x->served >= MMU_COV_SERVED)
        return -1;
    unsigned out;
    switch (x->kind) {
    case MMU_COV_OK:
        out = MMU_COV_OUT_OK;
        break;
    case MMU_COV_GP:
        out = MMU_COV_OUT_GP;
        break;
    case MMU_COV_NP:
        if (x->level < 1 || x->level > 5)
            return -1;
        out = MMU_COV_OUT_NP + 5 - x->level;
        break;
    case MMU_COV_RSVD:
        if (x->level < 1 || x->level > 5)
            return -1;
        switch (x->cause) {
        case MMU_COV_RSVD_MAXPHY:
            out = MMU_COV_OUT_MAXPHY + 5 - x->level;
            break;
        case MMU_COV_RSVD_XD:
            out = MMU_COV_OUT_XD_RSVD + 5 - x->level;
            break;
        case MMU_COV_RSVD_PS:
            if (x->level < 3)
                return -1;
            out = MMU_COV_OUT_PS + 5 - x->level;
            break;
        case MMU_COV_RSVD_LARGE:
            if (x->level != 2 && x->level != 3)
                return -1;
            out = MMU_COV_OUT_LARGE + 3 - x->level;
            break;
        default:
            return -1;
        }
        break;
    case MMU_COV_PROT:
        if (x->cause < MMU_COV_PROT_US || x->cause > MMU_COV_PROT_PKS_WD)
            return -1;
        out = MMU_COV_OUT_PROT + x->cause;
        break;
    default:
        return -1;
    }
    return (long)(((((((x->levels == 5) * MMU_COV_ACCS + x->acc) * 2 + x->user) * MMU_COV_SIZES +
                     x->size) *
                        MMU_COV_SERVED +
                    x->served) *
                       MMU_COV_OUTS +
                   out));
}

/* ---- counters ---------------------------------------------------------------------- */

int mmu_cov_create(mmu_cov_t **out, mmu_err_t *err)
{
    if (!out)
        return mmu_err_set(err, MMU_EINVAL, "mmu_cov_create: out is NULL");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return mmu_err_set(err, MMU_ENOMEM, "mmu_cov_create: out of memory");
    return 0;
}

void mmu_cov_destroy(mmu_cov_t *cov)
{
    free(cov);
}

void mmu_cov_reset(mmu_cov_t *cov)
{
    memset(cov->n, 0, sizeof cov->n);
}

void mmu_cov_merge(mmu_cov_t *dst, const mmu_cov_t *src)
{
    for (unsigned i = 0; i < MMU_COV_NBINS; i++)
        dst->n[i] = dst->n[i] > UINT64_MAX - src->n[i] ? UINT64_MAX : dst->n[i] + src->n[i];
}

uint64_t mmu_cov_count(const mmu_cov_t *cov, unsigned i)
{
    return i < MMU_COV_NBINS ? cov->n[i] : 0;
}

void mmu_cov_set_count(mmu_cov_t *cov, unsigned i, uint64_t n)
{
    if (i < MMU_COV_NBINS)
        cov->n[i] = n;
}

int mmu_cov_compiled_in(void)
{
    return MMU_COVERAGE;
}

void mmu_cov_count_xlat(mmu_cov_t *c, const mmu_cov_xlat_t *x)
{
    const long b = mmu_cov_xlat_bin(x);
    if (b >= 0)
        c->n[b]++;
}

void mmu_cov_count_ad(mmu_cov_t *c, unsigned level, int leaf_size, bool on_fault, uint64_t seen,
                      uint64_t bits, bool lost)
{
    if (level < 1 || level > 5)
        return;
    if (lost) {
        c->n[MMU_COVB_LOST + 5 - level]++;
        return;
    }
    const uint64_t set = bits & ~seen;
    if (set & MMU_PTE_A)
        c->n[(on_fault ? MMU_COVB_A_FAULT : MMU_COVB_A_WALK) + 5 - level]++;
    if (leaf_size >= 0 && leaf_size < 3 && (set & MMU_PTE_D))
        c->n[((set & MMU_PTE_A) ? MMU_COVB_AD_RMW : MMU_COVB_D_ONLY) + (unsigned)leaf_size]++;
}

void mmu_cov_count_inv(mmu_cov_t *c, unsigned kind, unsigned removed)
{
    const unsigned b = MMU_COVB_INV + kind * MMU_COV_WHAT;
    if (!removed) {
        c->n[b]++;
        return;
    }
    /* A coalesced entry (AMD PTE coalescing) holds 4 KiB pages. */
    if (removed & ((1u << MMU_PAGE_4K) | (1u << MMU_GRANULE_COALESCED)))
        c->n[b + 1]++;
    for (unsigned g = 1; g < 3; g++)
        if (removed & (1u << g))
            c->n[b + 1 + g]++;
    if (removed & MMU_COV_RM_GLOBAL)
        c->n[b + 4]++;
    for (unsigned l = 2; l <= 5; l++)
        if (removed & MMU_COV_RM_PSC(l))
            c->n[b + 5 + (l - 2)]++;
}

/* ---- entries kept across a no-flush MOV to CR3 --------------------------------------- */

int mmu_cov_track_init(mmu_cov_track_t *k, mmu_tlb_t *const arrays[MMU_COV_TRACKED])
{
    memset(k, 0, sizeof *k);
    for (unsigned i = 0; i < MMU_COV_TRACKED; i++) {
        const size_t n = (size_t)arrays[i]->sets * arrays[i]->ways;
        if (!n)
            continue;
        k->kept[i] = calloc(n, 1);
        if (!k->kept[i]) {
            mmu_cov_track_free(k);
            return MMU_ENOMEM;
        }
    }
    return 0;
}

void mmu_cov_track_free(mmu_cov_track_t *k)
{
    for (unsigned i = 0; i < MMU_COV_TRACKED; i++) {
        free(k->kept[i]);
        k->kept[i] = NULL;
    }
}

void mmu_cov_track_switch(mmu_cov_track_t *k, mmu_tlb_t *const arrays[MMU_COV_TRACKED],
                          uint16_t pcid)
{
    for (unsigned i = 0; i < MMU_COV_TRACKED; i++) {
        if (!k->kept[i])
            continue;
        const mmu_tlb_t *t = arrays[i];
        const size_t n = (size_t)t->sets * t->ways;
        for (size_t s = 0; s < n; s++) {
            const mmu_tlb_entry_t *e = &t->e[s];
            k->kept[i][s] = MMU_TLB_VALID(e) && !e->global && e->pcid == pcid;
        }
    }
}
