/* SPDX-License-Identifier: Apache-2.0 */
/* MMU top (SDM 4.10): the order of a translation — canonical check, L1 TLB,
 * L2 TLB, paging-structure caches, page walk — the fills after a walk, the
 * invalidations of SDM 4.10.4.1, and the timing that ties them together.
 *
 * Timing is loosely timed: every request carries the cycle it is issued and
 * gets the cycle it completes. Shared resources keep a busy-until stamp (each
 * page walker) or a ready-at stamp (each TLB / PSC entry filled by a walk), so
 * nothing ticks per cycle. A request that hits an entry whose walk is still in
 * flight (ready_at in its future) waits for that walk instead of starting one.
 * Functionally, entries are usable as soon as the walk that fills them is
 * modelled, so results never depend on timing. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "config.h"
#include "coverage.h"
#include "fault.h"
#include "l2obs.h"
#include "memlat.h"
#include "mmu/mmu.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_walk.h"
#include "tlb.h"
#include "walker.h"
#include "xlat_run.h"

#define MAX_WALKERS 64
/* Layout hints for the hit path (GCC/Clang; harmless elsewhere). */
#if defined(__GNUC__)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
/* A value the compiler must keep as computed: GCC otherwise recomputes the
 * hit path's kind pointer from its index at every use, at three instructions
 * a time, instead of keeping it in a register. */
#define KEEP(p) __asm__("" : "+r"(p))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#define KEEP(p) ((void)0)
#endif

enum { SIDE_I = 0, SIDE_D = 1 };
enum { CNT_HITS, CNT_FILLS, CNT_EVICTIONS };

/* Why a walk is made (the walks_* counters; see mmu_stats.h). */
typedef enum walk_kind { WALK_MISS, WALK_RETRY, WALK_D_ASSIST, WALK_REWALK } walk_kind_t;

/* Counters the translate path indexes by level and size; copied into the named
 * fields of mmu_stats_t by mmu_get_stats(). The hot path counts only hits (by
 * entry size) and misses (by level): each level's hits and lookups
 * (= hits + misses) are derived there, so they agree by construction. */
typedef struct mmu_counters {
    uint64_t tlb[3][3][3];  /* [l1i, l1d, l2][entry 4k, 2m, 1g][CNT_*] */
    uint64_t misses[3];     /* [l1i, l1d, l2] */
    uint64_t splinters[3];  /* [l1i, l1d, l2] */
    uint64_t walk_kind[4];  /* [walk_kind_t] */
    uint64_t walk_size[3];  /* successful walks by page size */
    uint64_t psc[4][3];     /* [pde, pdpte, pml4e, pml5e][hits, fills, evictions] */
    uint64_t walk_lat[MMU_WALK_HIST_BUCKETS];
    uint64_t walk_refs[8];
} mmu_counters_t;

/* mmu_get_stats copies each level's counters by position: lookups, hits,
 * misses, splinters, then {hits, fills, evictions} for 4K, 2M and 1G entries. */
_Static_assert(offsetof(mmu_stats_t, l1i_4k_hits) - offsetof(mmu_stats_t, l1i_lookups) ==
                   4 * sizeof(uint64_t) &&
               offsetof(mmu_stats_t, l1i_1g_evictions) - offsetof(mmu_stats_t, l1i_lookups) ==
                   12 * sizeof(uint64_t) &&
               offsetof(mmu_stats_t, l1d_lookups) - offsetof(mmu_stats_t, l1i_lookups) ==
                   13 * sizeof(uint64_t) &&
               offsetof(mmu_stats_t, l2_lookups) - offsetof(mmu_stats_t, l1d_lookups) ==
                   13 * sizeof(uint64_t),
               "TLB level counters are not laid out as mmu_get_stats copies them");

/* What the L1 hit fast path reads for one kind of request, by FAST_KIND(type,
 * cpl, implicit), in one place (two cache lines, the first holding all a hit
 * reads but the rights): array 0 of the side when it can be probed by the
 * short loop (one granule, 4 KiB, LRU, low-bits index), else mmu->never, a
 * one-way set no address matches (so the probe needs no test of its own for
 * it), as for type 3, which translate_slow refuses. Each kind has its own copy of the
 * side's array fields, so a hit follows no pointer to reach them. */
typedef struct fast_kind {
    mmu_tlb_entry_t *e;
    uint32_t *stamp;
    uint32_t *clock;
    uint64_t lat_word; /* bytes 40..47 of a hit's mmu_result_t: served L1, lat_l1 */
    uint32_t set_mask;
    uint32_t row_bytes; /* ways * sizeof(mmu_tlb_entry_t): one set */
    uint32_t lat;
    uint16_t pcid;      /* mmu->pcid, refreshed by derive_mode */
    bool data_lines;    /* mmu->data_lines */
    uint8_t write;      /* 1 for writes: an entry with D=0 needs a walk (a D assist) */
    /* By perms: the protection keys that allow the access from a cached
     * entry, mmu_pte_check's verdict tabled whenever the control bits change. */
    uint16_t allow[8];
    /* Second line: written by a hit, or read off the hit path. */
    /* L1 hits of this kind taken by the fast path: 4K hits of the side's L1
     * and translations, added in by mmu_get_stats (one count, not two), and
     * kept across set_fast_path. */
    uint64_t hits;
    struct mmu *mmu;    /* the owner, for the slow path (no register kept for it) */
    uint8_t side;       /* SIDE_I or SIDE_D */
    char pad[128 - 64 - 8 - 8 - 1];
} fast_kind_t;
_Static_assert(sizeof(fast_kind_t) == 128 && offsetof(fast_kind_t, hits) == 64,
               "a hit reads the first 64 bytes of its fast_kind_t");

/* How fill_level puts an entry of one granule into one TLB level: when
 * `direct`, the entry goes as it is (no splinter, no 4 KiB piece of a
 * coalesced group) into arrays arr[0..n); else fill_level_general decides. */
typedef struct fill_plan {
    bool direct;
    uint8_t n;
    uint8_t arr[MMU_TLB_ARRAYS];
    uint64_t *fills; /* the level's fill counter for the entry's size */
} fill_plan_t;

#define FAST_KIND(type, cpl, implicit) \
    ((unsigned)(type) * 4 + (unsigned)(cpl) + (unsigned)(implicit) * 16)

struct mmu {
    /* Hot: read on every translation. */
    fast_kind_t kind[4 * 4 * 2]; /* [FAST_KIND(type, cpl, implicit)] */
    /* What kinds without a fast path probe: vpn ~0 is no linear address's
     * (la >> 12 leaves the top 12 bits clear), so it always misses. */
    mmu_tlb_entry_t never;
    mmu_tlb_t l1[2][MMU_TLB_ARRAYS]; /* [SIDE_I / SIDE_D] */
    mmu_tlb_t l2[MMU_TLB_ARRAYS];
    unsigned l1_lat[2], l2_lat;
    mmu_l2_obs_fn l2_obs; /* NULL (off) unless mmu_l2_observe set it */
    void *l2_obs_ctx;
    uint16_t pcid;
    bool pge;
    mmu_cov_t *cov; /* functional coverage: NULL (off) unless attached */
    bool data_lines; /* cfg.data_lines with the built-in stand-ins */
    uint8_t gshift[MMU_GRANULES];   /* page-number shift of a TLB granule */
    uint8_t cnt_size[MMU_GRANULES]; /* the size a granule's hits count under */
    unsigned coalesce;              /* pages per coalesced group, 0 = off */
    mmu_walk_mode_t mode;
    mmu_stats_t st;
    mmu_counters_t cnt;
    bool allow_init; /* kind[].allow has been derived once */
    /* Walk side. */
    /* Derived at create (the arrays' shapes are fixed then): how an entry of
     * each granule goes into each TLB level, and which arrays of a level and
     * which paging-structure caches exist, so that the miss path probes and
     * fills without asking every array whether it is there. */
    fill_plan_t plan[3][MMU_GRANULES]; /* [l1i, l1d, l2][granule of the entry] */
    mmu_tlb_t *probe[3][MMU_TLB_ARRAYS]; /* [l1i, l1d, l2]: arrays with entries, in order */
    uint8_t nprobe[3];
    uint8_t psc_probe[4];              /* levels with a PSC, deepest (PDE) first */
    uint8_t npsc;
    uint8_t npsc_at[6];                /* [levels]: psc_probe entries <= levels */
    mmu_tlb_t psc[6]; /* [2] PDE .. [5] PML5E */
    unsigned psc_lat;
    mmu_walker_t walker;
    /* walk() may take the walker's plain walk inline (mmu_walker_plain_ok,
     * and no external walker): kept by set_walk_plain. */
    bool walk_plain;
    mmu_memlat_t lat;
    mmu_cycle_t busy_until[MAX_WALKERS];
    /* Cold. */
    mmu_config_t cfg;
    mmu_ctrl_t ctrl;
    mmu_cov_track_t cov_track; /* entries kept across a no-flush MOV to CR3 */
    char last_err[256]; /* mmu_last_error() */
};

/* Record why a call without an mmu_err_t failed (mmu_last_error); returns rc.
 * Only on error paths: never on a translation that succeeds. */
static int set_last(mmu_t *mmu, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_last(mmu_t *mmu, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mmu->last_err, sizeof mmu->last_err, fmt, ap);
    va_end(ap);
    return rc;
}

const char *mmu_last_error(const mmu_t *mmu)
{
    return mmu ? mmu->last_err : "mmu_last_error: mmu is NULL";
}

/* Coverage hooks (bottom of this file); called only when mmu->cov is set. */
static void cov_xlat(mmu_t *mmu, const mmu_req_t *req, unsigned kind, unsigned size,
                     unsigned served, unsigned level, unsigned cause);
static void cov_tlb_hit(mmu_t *mmu, const mmu_req_t *req, const mmu_tlb_entry_t *e,
                        unsigned lvl, mmu_pte_verdict_t v, const mmu_result_t *res);
static __attribute__((noinline, cold)) void cov_psc_hit(mmu_t *mmu, unsigned level,
                                                        const mmu_tlb_entry_t *e, mmu_cycle_t t);
static __attribute__((noinline, cold)) void cov_walk_start(mmu_t *mmu, unsigned wi, mmu_cycle_t t,
                                                           mmu_cycle_t begin);
static void cov_arrays(mmu_t *mmu, mmu_tlb_t *arrays[MMU_COV_TRACKED]);
static __attribute__((noinline, cold)) void cov_walk(mmu_t *mmu, const mmu_req_t *req,
                                                     const mmu_walk_trace_t *tr,
                                                     const mmu_result_t *res, int rc);
static void cov_filled(mmu_t *mmu, unsigned tracked, const mmu_tlb_t *arr);
static void cov_inv(mmu_t *mmu, unsigned kind, unsigned removed);
static void plan_walk_side(mmu_t *mmu);

/* ---- configuration ----------------------------------------------------------- */

/* Arm mmu_translate's L1 hit fast path where it applies (kind[].e set), or
 * leave it off (e NULL: every request takes translate_slow). The hits the
 * fast path has counted stay. */
static void set_fast_path(mmu_t *mmu)
{
    for (unsigned type = 0; type < 4; type++)
        for (unsigned cpl = 0; cpl < 4; cpl++)
            for (unsigned impl = 0; impl < 2; impl++) {
                const unsigned side = type == MMU_ACC_FETCH ? SIDE_I : SIDE_D;
                const mmu_tlb_t *a = &mmu->l1[side][0];
                fast_kind_t *k = &mmu->kind[FAST_KIND(type, cpl, impl)];
                mmu->never = (mmu_tlb_entry_t){.vpn = ~0ull};
                k->e = &mmu->never;
                k->set_mask = 0;
                k->row_bytes = sizeof(mmu_tlb_entry_t);
                k->stamp = NULL;
                k->clock = NULL;
                k->mmu = mmu;
                k->side = (uint8_t)side;
                k->write = type == MMU_ACC_WRITE;
                /* Not with coalescing: array 0 then holds groups too, probed
                 * after 4 KiB entries, and the short loop does not tell them
                 * apart. Not while a coverage object is attached: the fast
                 * path has no hook (so it costs nothing when coverage is
                 * off), and translate_slow counts the same hit through
                 * cov_tlb_hit and cov_xlat. */
                if (type > MMU_ACC_FETCH || !a->sets || a->granules != 1u << MMU_PAGE_4K ||
                    a->repl != MMU_REPL_LRU || a->xor_index || MMU_COV_ON(mmu->cov))
                    continue;
                /* A hit's bytes 40..47 as translate_slow leaves them: served
                 * MMU_SERVED_L1 (0), psc_level and d_assist 0, lat_l1. */
                mmu_result_t tmpl;
                memset(&tmpl, 0, sizeof tmpl);
                tmpl.served = MMU_SERVED_L1;
                tmpl.lat_l1 = mmu->l1_lat[side];
                memcpy(&k->lat_word, (const char *)&tmpl + 40, 8);
                k->e = a->e;
                k->stamp = a->stamp;
                k->clock = (uint32_t *)&a->clock;
                k->set_mask = a->set_mask;
                k->row_bytes = (uint32_t)(a->ways * sizeof(mmu_tlb_entry_t));
                k->lat = mmu->l1_lat[side];
                k->pcid = mmu->pcid;
                k->data_lines = mmu->data_lines;
            }
}

/* The fast path's hits of one side (mmu_get_stats). */
static uint64_t fast_hits(const mmu_t *mmu, unsigned side)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < sizeof mmu->kind / sizeof mmu->kind[0]; i++)
        if (mmu->kind[i].side == side)
            n += mmu->kind[i].hits;
    return n;
}

static void derive_allow(mmu_t *mmu)
{
    const mmu_pte_ctl_t *c = &mmu->mode.ctl;
    for (unsigned type = 0; type <= MMU_ACC_FETCH; type++)
        for (unsigned cpl = 0; cpl < 4; cpl++)
            for (unsigned impl = 0; impl < 2; impl++)
                for (unsigned perms = 0; perms < 8; perms++) {
                    const bool user_access = cpl == 3 && !impl;
                    /* Keys matter only where PKRU/PKRS are consulted. */
                    const bool keyed = type != MMU_ACC_FETCH &&
                                       ((perms & MMU_PERM_U) ? c->pke : c->pks);
                    uint16_t mask = 0;
                    for (unsigned k = 0; k < 16; k++) {
                        if (k && !keyed) {
                            mask = (mask & 1) ? 0xffff : 0;
                            break;
                        }
                        if (mmu_pte_check(c, perms, k, (mmu_access_t)type, user_access, impl)
                                .allowed)
                            mask |= (uint16_t)(1u << k);
                    }
                    mmu->kind[FAST_KIND(type, cpl, impl)].allow[perms] = mask;
                }
}

static void derive_mode(mmu_t *mmu)
{
    const mmu_ctrl_t *c = &mmu->ctrl;
    mmu_walk_mode_t *m = &mmu->mode;
    const mmu_pte_ctl_t old_ctl = m->ctl;
    m->levels = (c->cr4 & MMU_CR4_LA57) ? 5 : 4;
    m->la_width = m->levels == 5 ? 57 : 48;
    m->root = c->cr3 & mmu->walker.frame_mask;
    m->ctl.wp = c->cr0 & MMU_CR0_WP;
    m->ctl.smep = c->cr4 & MMU_CR4_SMEP;
    m->ctl.smap = c->cr4 & MMU_CR4_SMAP;
    m->ctl.pke = c->cr4 & MMU_CR4_PKE;
    m->ctl.pks = c->cr4 & MMU_CR4_PKS;
    m->ctl.nxe = c->efer & MMU_EFER_NXE;
    m->ctl.ac = c->rflags & MMU_RFLAGS_AC;
    m->ctl.pkru = c->pkru;
    m->ctl.pkrs = c->pkrs;
    mmu_pte_rsvd_init(&m->rsvd, mmu->cfg.maxphyaddr, m->ctl.nxe, mmu->cfg.page_1g);
    /* SDM 4.10.1: the current PCID is CR3[11:0] with CR4.PCIDE=1, else 0. */
    mmu->pcid = (c->cr4 & MMU_CR4_PCIDE) ? (uint16_t)(c->cr3 & MMU_CR3_PCID_MASK) : 0;
    mmu->pge = c->cr4 & MMU_CR4_PGE;
    if (memcmp(&old_ctl, &m->ctl, sizeof old_ctl) || !mmu->allow_init) {
        derive_allow(mmu);
        mmu->allow_init = true;
    }
    for (unsigned i = 0; i < sizeof mmu->kind / sizeof mmu->kind[0]; i++)
        mmu->kind[i].pcid = mmu->pcid;
}

/* Whether walk() may take the plain walk inline (see mmu_t.walk_plain). */
static void set_walk_plain(mmu_t *mmu)
{
    mmu->walk_plain = mmu_walker_plain_ok(&mmu->walker) && !mmu->cfg.walk_cb;
}

static void free_arrays(mmu_t *mmu)
{
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < MMU_TLB_ARRAYS; i++)
            mmu_tlb_free(&mmu->l1[s][i]);
    for (int i = 0; i < MMU_TLB_ARRAYS; i++)
        mmu_tlb_free(&mmu->l2[i]);
    for (int l = 2; l <= 5; l++)
        mmu_tlb_free(&mmu->psc[l]);
    mmu_memlat_free(&mmu->lat);
}

static int init_level(mmu_tlb_t *arr, const mmu_tlb_cfg_t *c, const char *lvl, uint64_t seed,
                      mmu_err_t *err)
{
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s[%d]", lvl, i);
        int rc = mmu_tlb_init(&arr[i], &c->arr[i], c->arr[i].sizes, seed + (uint64_t)i, name, err);
        if (rc)
            return rc;
    }
    return 0;
}

int mmu_create(const mmu_config_t *cfg_in, const mmu_mem_ops_t *mem, mmu_t **out, mmu_err_t *err)
{
    if (!out)
        return mmu_err_set(err, MMU_EINVAL, "mmu_create: out is NULL");
    *out = NULL;
    mmu_config_t full;
    mmu_mem_ops_t ops;
    int rc = mmu_config_validate(cfg_in, err);
    if (rc || (rc = mmu_config_import(&full, cfg_in, err)) != 0 ||
        (rc = mmu_mem_ops_import(&ops, mem, err)) != 0)
        return rc;
    const mmu_config_t *cfg = &full;
    mmu_t *mmu = calloc(1, sizeof *mmu);
    if (!mmu)
        return mmu_err_set(err, MMU_ENOMEM, "mmu_create: out of memory");
    mmu->cfg = *cfg;
    mmu_walker_init(&mmu->walker, cfg, &ops, &mmu->lat);
    mmu->l1_lat[SIDE_I] = cfg->l1i.latency;
    mmu->l1_lat[SIDE_D] = cfg->l1d.latency;
    mmu->l2_lat = cfg->l2.latency;
    mmu->data_lines = cfg->data_lines && !cfg->memlat_cb;
    mmu->coalesce = cfg->coalesce >= 2 ? cfg->coalesce : 0;
    for (unsigned g = 0; g < MMU_GRANULES; g++) {
        mmu->gshift[g] = (uint8_t)(12 + 9 * g);
        mmu->cnt_size[g] = (uint8_t)(g < 3 ? g : 0);
    }
    /* A coalesced group spans log2(pages) bits more than 4 KiB; it is a
     * 4 KiB translation, so its hits count as 4K hits (cnt_size). */
    mmu->gshift[MMU_GRANULE_COALESCED] = 12;
    for (unsigned n = mmu->coalesce; n > 1; n >>= 1)
        mmu->gshift[MMU_GRANULE_COALESCED]++;
    if ((rc = init_level(mmu->l1[SIDE_I], &cfg->l1i, "l1i", cfg->seed, err)) != 0 ||
        (rc = init_level(mmu->l1[SIDE_D], &cfg->l1d, "l1d", cfg->seed + 8, err)) != 0 ||
        (rc = init_level(mmu->l2, &cfg->l2, "l2", cfg->seed + 16, err)) != 0)
        goto fail;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        mmu_tlb_set_coalesce(&mmu->l1[SIDE_I][i], mmu->coalesce);
        mmu_tlb_set_coalesce(&mmu->l1[SIDE_D][i], mmu->coalesce);
        mmu_tlb_set_coalesce(&mmu->l2[i], mmu->coalesce);
    }
    set_fast_path(mmu);
    static const char *const PSC_NAME[6] = {"", "", "psc.pde", "psc.pdpte", "psc.pml4e",
                                            "psc.pml5e"};
    for (unsigned l = 2; l <= 5; l++) {
        /* A PSC for level l holds entries tagged like pages of granule l-1. */
        rc = mmu_tlb_init(&mmu->psc[l], &cfg->psc[l].arr, 1u << (l - 1), cfg->seed + 24 + l,
                          PSC_NAME[l], err);
        if (rc)
            goto fail;
        /* All PSCs are probed in parallel; the walker waits for the slowest. */
        if (cfg->psc[l].arr.entries && cfg->psc[l].latency > mmu->psc_lat)
            mmu->psc_lat = cfg->psc[l].latency;
    }
    plan_walk_side(mmu);
    if ((rc = mmu_memlat_init(&mmu->lat, cfg)) != 0) {
        mmu_err_set(err, rc, "mmu_create: out of memory");
        goto fail;
    }
    derive_mode(mmu);
    set_walk_plain(mmu);
    *out = mmu;
    return 0;
fail:
    free_arrays(mmu);
    free(mmu);
    return rc;
}

void mmu_destroy(mmu_t *mmu)
{
    if (!mmu)
        return;
    mmu_cov_track_free(&mmu->cov_track);
    free_arrays(mmu);
    free(mmu);
}

const mmu_ctrl_t *mmu_get_ctrl(const mmu_t *mmu)
{
    return mmu ? &mmu->ctrl : NULL;
}

/* ---- invalidation --------------------------------------------------------------- */

/* Both return how many entries went and OR into *rm what they were (the
 * coverage's MMU_COV_RM_* mask). */
static uint64_t inv_tlbs(mmu_t *mmu, const mmu_tlb_inv_t *q, unsigned *rm)
{
    unsigned n = 0;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        n += mmu_tlb_invalidate_ex(&mmu->l1[SIDE_I][i], q, rm);
        n += mmu_tlb_invalidate_ex(&mmu->l1[SIDE_D][i], q, rm);
        n += mmu_tlb_invalidate_ex(&mmu->l2[i], q, rm);
    }
    return n;
}

static uint64_t inv_pscs(mmu_t *mmu, const mmu_tlb_inv_t *q, unsigned *rm)
{
    unsigned n = 0;
    for (unsigned l = 2; l <= 5; l++) {
        const unsigned k = mmu_tlb_invalidate(&mmu->psc[l], q);
        if (k)
            *rm |= MMU_COV_RM_PSC(l);
        n += k;
    }
    return n;
}

/* Non-global TLB entries and all PSC entries of one PCID (MOV to CR3,
 * INVPCID type 1). kind: the coverage's mmu_cov_inv_t. */
static void inv_pcid(mmu_t *mmu, uint16_t pcid, bool globals_too, unsigned kind)
{
    mmu_tlb_inv_t q = {.pcid = pcid, .nonglobal = true, .global = globals_too};
    unsigned rm = 0;
    mmu->st.inv_entries += inv_tlbs(mmu, &q, &rm) + inv_pscs(mmu, &q, &rm);
    cov_inv(mmu, kind, rm);
}

static void inv_everything(mmu_t *mmu, bool globals_too, unsigned kind)
{
    mmu_tlb_inv_t q = {.all_pcids = true, .nonglobal = true, .global = globals_too};
    unsigned rm = 0;
    mmu->st.inv_entries += inv_tlbs(mmu, &q, &rm) + inv_pscs(mmu, &q, &rm);
    cov_inv(mmu, kind, rm);
}

static void flush_all(mmu_t *mmu, unsigned kind)
{
    mmu->st.inv_flush_all++;
    inv_everything(mmu, true, kind);
}

void mmu_flush_all(mmu_t *mmu)
{
    if (!mmu)
        return;
    flush_all(mmu, MMU_COV_INV_FLUSH_ALL);
}

/* SDM 4.10.4.1: a #PF invalidates the TLB entries for the page number of the
 * faulting address and the PSC entries that would be used for it, so that a
 * fault caused only by stale cached entries does not recur. */
static void inv_after_pf(mmu_t *mmu, uint64_t la)
{
    mmu_tlb_inv_t q = {.by_addr = true, .la = la, .pcid = mmu->pcid, .nonglobal = true,
                       .global = true};
    unsigned rm = 0;
    uint64_t n = inv_tlbs(mmu, &q, &rm) + inv_pscs(mmu, &q, &rm);
    mmu->st.inv_pf++;
    mmu->st.inv_entries += n;
    cov_inv(mmu, MMU_COV_INV_PF, rm);
}

void mmu_invlpg(mmu_t *mmu, uint64_t la)
{
    /* In 64-bit mode INVLPG of a non-canonical address is a no-op. */
    if (!mmu || !mmu_la_canonical(la, mmu->mode.la_width))
        return;
    mmu->st.inv_invlpg++;
    /* The current PCID's entries for the page, and global ones whatever PCID. */
    mmu_tlb_inv_t q = {.by_addr = true, .la = la, .pcid = mmu->pcid, .nonglobal = true,
                       .global = true};
    unsigned rm = 0;
    mmu->st.inv_entries += inv_tlbs(mmu, &q, &rm);
    /* ...and every PSC entry of the current PCID, whatever its address. */
    mmu_tlb_inv_t p = {.pcid = mmu->pcid, .nonglobal = true};
    mmu->st.inv_entries += inv_pscs(mmu, &p, &rm);
    cov_inv(mmu, MMU_COV_INV_INVLPG, rm);
}

int mmu_invpcid(mmu_t *mmu, unsigned type, uint16_t pcid, uint64_t la, mmu_err_t *err)
{
    if (!mmu)
        return mmu_err_set(err, MMU_EINVAL, "mmu_invpcid: mmu is NULL");
    if (type > 3)
        return mmu_err_set(err, MMU_EINVAL, "invpcid: type %u: must be 0..3", type);
    if (pcid > 0xfff)
        return mmu_err_set(err, MMU_EINVAL, "invpcid: pcid 0x%x: must be <= 0xfff", pcid);
    if (type <= 1 && pcid && !(mmu->ctrl.cr4 & MMU_CR4_PCIDE))
        return mmu_err_set(err, MMU_EINVAL,
                           "invpcid: type %u with pcid 0x%x needs CR4.PCIDE=1 (#GP)", type, pcid);
    if (type == 0 && !mmu_la_canonical(la, mmu->mode.la_width))
        return mmu_err_set(err, MMU_EINVAL, "invpcid: type 0: address 0x%llx is not canonical (#GP)",
                           (unsigned long long)la);
    switch (type) {
    case 0: {
        /* Individual address: that PCID's non-global mappings for la. The PSC
         * entries of the PCID go too (they are mappings used for la). */
        mmu->st.inv_invpcid0++;
        mmu_tlb_inv_t q = {.by_addr = true, .la = la, .pcid = pcid, .nonglobal = true};
        mmu_tlb_inv_t p = {.pcid = pcid, .nonglobal = true};
        unsigned rm = 0;
        mmu->st.inv_entries += inv_tlbs(mmu, &q, &rm) + inv_pscs(mmu, &p, &rm);
        cov_inv(mmu, MMU_COV_INV_INVPCID0, rm);
        break;
    }
    case 1:
        mmu->st.inv_invpcid1++;
        inv_pcid(mmu, pcid, false, MMU_COV_INV_INVPCID1);
        break;
    case 2:
        mmu->st.inv_invpcid2++;
        inv_everything(mmu, true, MMU_COV_INV_INVPCID2);
        break;
    default:
        mmu->st.inv_invpcid3++;
        inv_everything(mmu, false, MMU_COV_INV_INVPCID3);
        break;
    }
    return 0;
}

/* ---- control registers ------------------------------------------------------------ */

static int check_cr3(const mmu_t *mmu, uint64_t cr3, uint64_t cr4, mmu_err_t *err)
{
    if ((cr4 & MMU_CR4_PCIDE) && (cr3 & MMU_CR3_NOFLUSH))
        cr3 &= ~MMU_CR3_NOFLUSH;
    /* MOV to CR3 raises #GP for bits at or above MAXPHYADDR. */
    if (cr3 & ~((1ull << mmu->cfg.maxphyaddr) - 1))
        return mmu_err_set(err, MMU_EINVAL,
                           "cr3=0x%llx: bits at or above MAXPHYADDR (%u) must be 0",
                           (unsigned long long)cr3, mmu->cfg.maxphyaddr);
    return 0;
}

int mmu_set_ctrl(mmu_t *mmu, const mmu_ctrl_t *ctrl, mmu_err_t *err)
{
    if (!mmu || !ctrl)
        return mmu_err_set(err, MMU_EINVAL, "mmu_set_ctrl: %s is NULL", mmu ? "ctrl" : "mmu");
    int rc = check_cr3(mmu, ctrl->cr3, ctrl->cr4, err);
    if (rc)
        return rc;
    mmu->ctrl = *ctrl;
    /* SDM 4.10.4.1: with CR4.PCIDE=1 bit 63 only says whether to flush; it is
     * not stored. */
    if (ctrl->cr4 & MMU_CR4_PCIDE)
        mmu->ctrl.cr3 &= ~MMU_CR3_NOFLUSH;
    derive_mode(mmu);
    flush_all(mmu, MMU_COV_INV_SET_CTRL);
    return 0;
}

int mmu_write_cr(mmu_t *mmu, unsigned n, uint64_t value, mmu_err_t *err)
{
    if (!mmu)
        return mmu_err_set(err, MMU_EINVAL, "mmu_write_cr: mmu is NULL");
    const mmu_ctrl_t old = mmu->ctrl;
    int rc;
    switch (n) {
    case 0:
        /* CR0.PG stays 1 in this model; WP takes effect on the next check, and
         * cached entries hold rights, not verdicts, so nothing is invalidated. */
        mmu->ctrl.cr0 = value;
        break;
    case 3: {
        if ((rc = check_cr3(mmu, value, old.cr4, err)) != 0)
            return rc;
        const bool pcide = old.cr4 & MMU_CR4_PCIDE;
        const bool noflush = pcide && (value & MMU_CR3_NOFLUSH);
        mmu->ctrl.cr3 = pcide ? value & ~MMU_CR3_NOFLUSH : value;
        derive_mode(mmu);
        if (noflush) {
            mmu->st.inv_cr3_noflush++;
            if (MMU_COV_ON(mmu->cov)) {
                mmu_tlb_t *arrays[MMU_COV_TRACKED];
                cov_arrays(mmu, arrays);
                mmu_cov_track_switch(&mmu->cov_track, arrays, mmu->pcid);
                cov_inv(mmu, MMU_COV_INV_CR3_NOFLUSH, 0);
            }
        } else {
            /* PCIDE=0: PCID 000H; PCIDE=1: the new PCID. Globals survive. */
            mmu->st.inv_cr3++;
            inv_pcid(mmu, mmu->pcid, false, MMU_COV_INV_CR3);
        }
        return 0;
    }
    case 4: {
        const uint64_t changed = old.cr4 ^ value;
        /* MOV to CR4 faults on LA57 changes in IA-32e mode and on setting PCIDE
         * while CR3[11:0] is not 0. */
        if (changed & MMU_CR4_LA57)
            return mmu_err_set(err, MMU_EINVAL, "cr4: LA57 cannot change with paging on (#GP)");
        if ((value & MMU_CR4_PCIDE) && !(old.cr4 & MMU_CR4_PCIDE) && (old.cr3 & 0xfff))
            return mmu_err_set(err, MMU_EINVAL,
                               "cr4: setting PCIDE needs CR3[11:0] = 0, CR3 is 0x%llx (#GP)",
                               (unsigned long long)old.cr3);
        mmu->ctrl.cr4 = value;
        derive_mode(mmu);
        if ((changed & MMU_CR4_PGE) || ((changed & MMU_CR4_PCIDE) && !(value & MMU_CR4_PCIDE))) {
            mmu->st.inv_cr4++;
            inv_everything(mmu, true,
                           !(changed & MMU_CR4_PGE) ? MMU_COV_INV_CR4_PCIDE_OFF
                           : (value & MMU_CR4_PGE)  ? MMU_COV_INV_CR4_PGE_ON
                                                    : MMU_COV_INV_CR4_PGE_OFF);
        } else if ((changed & MMU_CR4_SMEP) && (value & MMU_CR4_SMEP)) {
            /* "all TLB entries ... for the current PCID": globals are usable
             * under it, so they go as well (more invalidation is always legal). */
            mmu->st.inv_cr4++;
            inv_pcid(mmu, mmu->pcid, true, MMU_COV_INV_CR4_SMEP_ON);
        } else {
            cov_inv(mmu, MMU_COV_INV_CR4_OTHER, 0);
        }
        return 0;
    }
    default:
        return mmu_err_set(err, MMU_EINVAL, "mmu_write_cr: CR%u is not modelled", n);
    }
    derive_mode(mmu);
    return 0;
}

int mmu_write_reg(mmu_t *mmu, unsigned reg, uint64_t value, mmu_err_t *err)
{
    if (!mmu)
        return mmu_err_set(err, MMU_EINVAL, "mmu_write_reg: mmu is NULL");
    switch (reg) {
    case MMU_REG_EFER: {
        const bool nxe_changed = (mmu->ctrl.efer ^ value) & MMU_EFER_NXE;
        mmu->ctrl.efer = value;
        derive_mode(mmu);
        if (nxe_changed)
            flush_all(mmu, MMU_COV_INV_EFER_NXE);
        return 0;
    }
    case MMU_REG_RFLAGS:
        mmu->ctrl.rflags = value;
        break;
    case MMU_REG_PKRU:
    case MMU_REG_PKRS:
        if (value > UINT32_MAX)
            return mmu_err_set(err, MMU_EINVAL, "%s=0x%llx: must fit in 32 bits",
                               reg == MMU_REG_PKRU ? "pkru" : "pkrs", (unsigned long long)value);
        if (reg == MMU_REG_PKRU)
            mmu->ctrl.pkru = (uint32_t)value;
        else
            mmu->ctrl.pkrs = (uint32_t)value;
        break;
    default:
        return mmu_err_set(err, MMU_EINVAL, "mmu_write_reg: unknown register %u", reg);
    }
    derive_mode(mmu);
    return 0;
}

/* ---- translation ------------------------------------------------------------------ */

/* The first hit among the arrays of TLB level lvl (l1i, l1d, l2), in
 * array order. */
static inline mmu_tlb_entry_t *lookup_level(mmu_t *mmu, unsigned lvl, uint64_t la)
{
    for (unsigned k = 0; k < mmu->nprobe[lvl]; k++) {
        mmu_tlb_entry_t *e = mmu_tlb_probe(mmu->probe[lvl][k], la, mmu->pcid);
        if (e)
            return e;
    }
    return NULL;
}

/* The largest granule <= g that some array of the level holds, or -1. */
static int level_granule(const mmu_tlb_t *arr, unsigned g)
{
    unsigned held = 0;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++)
        held |= arr[i].granules;
    for (int k = (int)g; k >= 0; k--)
        if (held & (1u << k))
            return k;
    return -1;
}

/* A coalesced group that no array of the level holds goes in as its 4 KiB
 * page alone (fill_level_general). */
static bool group_unheld(const mmu_tlb_t *arr, unsigned g)
{
    return g == MMU_GRANULE_COALESCED && !(arr[0].granules & (1u << g)) &&
           !(arr[1].granules & (1u << g)) && !(arr[2].granules & (1u << g));
}

/* The per-level tables of the miss path (mmu_t.plan, probe, psc_probe),
 * from the arrays as mmu_create set them up. */
static void plan_walk_side(mmu_t *mmu)
{
    for (unsigned lvl = 0; lvl < 3; lvl++) {
        mmu_tlb_t *arr = lvl == 2 ? mmu->l2 : mmu->l1[lvl];
        mmu->nprobe[lvl] = 0;
        for (unsigned i = 0; i < MMU_TLB_ARRAYS; i++)
            if (arr[i].sets)
                mmu->probe[lvl][mmu->nprobe[lvl]++] = &arr[i];
        for (unsigned g = 0; g < MMU_GRANULES; g++) {
            fill_plan_t *p = &mmu->plan[lvl][g];
            /* (A group no array holds has a smaller level_granule.) */
            *p = (fill_plan_t){.direct = level_granule(arr, g) == (int)g,
                               .fills = &mmu->cnt.tlb[lvl][mmu->cnt_size[g]][CNT_FILLS]};
            for (unsigned i = 0; i < MMU_TLB_ARRAYS; i++)
                if (arr[i].sets && (arr[i].granules & (1u << g)))
                    p->arr[p->n++] = (uint8_t)i;
        }
    }
    mmu->npsc = 0;
    for (unsigned l = 2; l <= 5; l++) {
        if (mmu->psc[l].sets)
            mmu->psc_probe[mmu->npsc++] = (uint8_t)l;
        mmu->npsc_at[l] = mmu->npsc;
    }
}

/* Inclusive L2: what leaves the L2 leaves the L1s too. */
static __attribute__((noinline)) void back_invalidate(mmu_t *mmu, const mmu_tlb_entry_t *victim)
{
    mmu_tlb_inv_t q = {.by_addr = true,
                       .la = victim->vpn << mmu->gshift[victim->granule],
                       .pcid = victim->pcid,
                       .nonglobal = !victim->global,
                       .global = victim->global};
    unsigned n[2] = {0, 0};
    for (int j = 0; j < MMU_TLB_ARRAYS; j++) {
        n[SIDE_I] += mmu_tlb_invalidate(&mmu->l1[SIDE_I][j], &q);
        n[SIDE_D] += mmu_tlb_invalidate(&mmu->l1[SIDE_D][j], &q);
    }
    if (MMU_COV_ON(mmu->cov)) {
        if (n[SIDE_I])
            mmu_cov_inc(mmu->cov, MMU_COVB_BACK_INV + 0);
        if (n[SIDE_D])
            mmu_cov_inc(mmu->cov, MMU_COVB_BACK_INV + 1);
        if (!n[SIDE_I] && !n[SIDE_D])
            mmu_cov_inc(mmu->cov, MMU_COVB_BACK_INV + 2);
    }
}

/* A fill of TLB level lvl evicted *victim: count it (in a full TLB, nearly
 * every fill), and with an inclusive L2 remove it from the L1s. */
static inline void evicted_from(mmu_t *mmu, unsigned lvl, const mmu_tlb_entry_t *victim)
{
    mmu->cnt.tlb[lvl][mmu->cnt_size[victim->granule]][CNT_EVICTIONS]++;
    if (lvl == 2 && mmu->cfg.l2_inclusive)
        back_invalidate(mmu, victim);
}

/* Fill every array of a level that holds entries of this size. A page whose
 * size the level has no array for is cached splintered (cfg.splinter): as an
 * entry of the largest smaller size the level holds, for the part of the page
 * around la. The SDM allows it ("some processors may choose to cache multiple
 * smaller-page TLB entries for a translation specified by the paging structures
 * to use a page larger than 4 KBytes"; INVLPG and #PF then invalidate all of
 * them, which mmu_tlb_invalidate does), and a core whose structure has no
 * entries of a size must do it to cache such a page there at all. */
static __attribute__((noinline)) void fill_level_general(mmu_t *mmu, mmu_tlb_t *arr, unsigned lvl,
                                                         uint64_t la, const mmu_tlb_entry_t *in)
{
    mmu_tlb_entry_t split;
    const mmu_tlb_entry_t *val = in;
    if (group_unheld(arr, in->granule)) {
        /* A level without 4K arrays cannot hold the group: it gets the page
         * alone, as 4 KiB (and splintering decides from there). */
        split = *in;
        split.granule = MMU_PAGE_4K;
        split.frame = in->frame | (la & ((1ull << mmu->gshift[in->granule]) - 1) & ~0xfffull);
        in = &split;
        val = in;
    }
    const int g = level_granule(arr, in->granule);
    if (g != (int)in->granule) {
        if (g < 0 || !mmu->cfg.splinter)
            return;
        split = *in;
        split.granule = (uint8_t)g;
        /* The frame of the smaller piece around la within the page. */
        const uint64_t page_mask = (1ull << (12 + 9 * in->granule)) - 1;
        const uint64_t piece_mask = (1ull << (12 + 9 * (unsigned)g)) - 1;
        split.frame = in->frame | (la & page_mask & ~piece_mask);
        val = &split;
        mmu->cnt.splinters[lvl]++;
        if (MMU_COV_ON(mmu->cov))
            mmu_cov_inc(mmu->cov, MMU_COVB_SPLINTER + lvl);
    }
    if (lvl == 2 && UNLIKELY(mmu->l2_obs)) {
        const mmu_l2_ref_t r = {.la = la, .pcid = val->pcid, .kind = MMU_L2_FILL,
                                .granule = val->granule, .global = val->global,
                                .dirty = val->dirty};
        mmu->l2_obs(mmu->l2_obs_ctx, &r);
    }
    uint64_t *c = mmu->cnt.tlb[lvl][mmu->cnt_size[val->granule]];
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        if (!arr[i].sets || !(arr[i].granules & (1u << val->granule)))
            continue;
        mmu_tlb_entry_t victim;
        c[CNT_FILLS]++;
        const int evicted = mmu_tlb_fill(&arr[i], la, val, &victim);
        if (MMU_COV_ON(mmu->cov)) {
            cov_filled(mmu, lvl * MMU_TLB_ARRAYS + (unsigned)i, &arr[i]);
            if (evicted)
                mmu_cov_inc(mmu->cov, MMU_COVB_EVICT + lvl * 3 + (unsigned)i);
        }
        if (evicted)
            evicted_from(mmu, lvl, &victim);
    }
}

/* fill_level_general where the plan says the entry goes in as it is and
 * nothing observes the fill (no L2 observer, no coverage): the same fills
 * in the same order, the fill counter added once. */
static inline void fill_level(mmu_t *mmu, mmu_tlb_t *arr, unsigned lvl, uint64_t la,
                              const mmu_tlb_entry_t *in)
{
    const fill_plan_t *p = &mmu->plan[lvl][in->granule];
    if (UNLIKELY(!p->direct || (lvl == 2 && mmu->l2_obs) || MMU_COV_ON(mmu->cov))) {
        fill_level_general(mmu, arr, lvl, la, in);
        return;
    }
    const unsigned n = p->n;
    *p->fills += n;
    mmu_tlb_entry_t victim;
    if (LIKELY(n == 1)) { /* one array of the level holds the granule: no loop */
        if (mmu_tlb_fill(&arr[p->arr[0]], la, in, &victim))
            evicted_from(mmu, lvl, &victim);
        return;
    }
    for (unsigned k = 0; k < n; k++)
        if (mmu_tlb_fill(&arr[p->arr[k]], la, in, &victim))
            evicted_from(mmu, lvl, &victim);
}

/* SDM 4.10.3.1: only entries that reference a table, are present, have no
 * reserved bit set and have A=1 (the walk set it) are cached; leaves never.
 * Entry i of the trace is at level top - i; every one but the last (the
 * leaf) references a table, so is at level 2 or above. */
static void fill_pscs(mmu_t *mmu, uint64_t la, unsigned top, const mmu_walk_trace_t *tr,
                      mmu_cycle_t ready)
{
    mmu_tlb_entry_t e = {.ready_at = ready, .pcid = mmu->pcid};
    for (unsigned i = 0; i + 1 < tr->n; i++) {
        const unsigned l = top - i;
        if (!mmu->psc[l].sets)
            continue;
        e.frame = tr->entry[i] & mmu->walker.frame_mask;
        e.granule = (uint8_t)(l - 1);
        e.perms = tr->perms[i];
        mmu->cnt.psc[l - 2][1]++;
        /* Known absent: walk() probed this PSC for la under mmu->pcid and it
         * missed (the probe stops at the first hit, deepest first, and the
         * walk starts below it), PSC entries are never global, and nothing
         * fills a PSC during the walk (callbacks must not re-enter). */
        const int evicted = mmu_tlb_fill_new(&mmu->psc[l], la, &e, NULL);
        if (evicted)
            mmu->cnt.psc[l - 2][2]++;
        if (MMU_COV_ON(mmu->cov)) {
            cov_filled(mmu, 9 + (l - 2), &mmu->psc[l]);
            if (evicted)
                mmu_cov_inc(mmu->cov, MMU_COVB_EVICT_PSC + (l - 2));
        }
    }
}

/* floor(log2(v)), 0 for v <= 1, at most the last bucket. */
static unsigned log2_bucket(uint64_t v)
{
    unsigned b = 0;
#if defined(__GNUC__)
    if (v > 1)
        b = 63u - (unsigned)__builtin_clzll(v);
#else
    for (uint64_t x = v; x > 1; x >>= 1)
        b++;
#endif
    return b < MMU_WALK_HIST_BUCKETS - 1 ? b : MMU_WALK_HIST_BUCKETS - 1;
}

static void count_fault(mmu_t *mmu, const mmu_fault_t *f)
{
    if (f->error_code & MMU_PF_RSVD)
        mmu->st.faults_pf_rsvd++;
    else if (f->error_code & MMU_PF_P)
        mmu->st.faults_pf_prot++;
    else
        mmu->st.faults_pf_not_present++;
    if (f->error_code & MMU_PF_PK)
        mmu->st.faults_pf_pk++;
}

/* ---- the walker as a replaceable block (mmu_walk.h) ------------------------- */

static void job_from(const mmu_t *mmu, const mmu_req_t *req, const mmu_walk_start_t *start,
                     mmu_cycle_t t0, mmu_walk_job_t *j)
{
    const mmu_pte_ctl_t *c = &mmu->mode.ctl;
    *j = (mmu_walk_job_t){.la = req->la,
                          .type = req->type,
                          .cpl = req->cpl,
                          .flags = req->flags,
                          .levels = (uint8_t)mmu->mode.levels,
                          .start_level = (uint8_t)start->level,
                          .start_perms = (uint8_t)start->perms,
                          .pcid = mmu->pcid,
                          .start_table = start->table,
                          .wp = c->wp,
                          .smep = c->smep,
                          .smap = c->smap,
                          .ac = c->ac,
                          .nxe = c->nxe,
                          .pke = c->pke,
                          .pks = c->pks,
                          .pkru = c->pkru,
                          .pkrs = c->pkrs,
                          .t0 = t0};
}

/* Why a walk failed, for mmu_last_error(). Cold: only on errors. */
static __attribute__((noinline, cold)) int walk_failed(mmu_t *mmu, const char *fn, uint64_t la,
                                                       const mmu_walk_trace_t *tr, int rc)
{
    if (rc == MMU_ERETRY)
        return set_last(mmu, rc,
                        "%s: la 0x%" PRIx64 ": a paging-structure entry kept changing during "
                        "the A/D update (%u attempts, ad_retry_limit)",
                        fn, la, mmu->cfg.ad_retry_limit);
    return set_last(mmu, rc, "%s: la 0x%" PRIx64 ": %s of the entry at pa 0x%" PRIx64 " failed: %s",
                    fn, la, tr->err_locked ? "cmpxchg64" : "read64", tr->err_pa, mmu_err_name(rc));
}

/* A walk by cfg.walk_cb, turned into what the built-in walker returns (out
 * of line: inlined, its job and answer would take the common walk's stack
 * and registers). */
static __attribute__((noinline)) int external_walk(mmu_t *mmu, const mmu_req_t *req,
                                                   const mmu_walk_start_t *start, mmu_cycle_t t0,
                                                   mmu_walk_trace_t *tr, mmu_result_t *res)
{
    mmu_walk_job_t j;
    mmu_walk_out_t o;
    job_from(mmu, req, start, t0, &j);
    memset(&o, 0, sizeof o);
    int rc = mmu->cfg.walk_cb(mmu->cfg.walk_ctx, &j, &o);
    if (rc)
        return set_last(mmu, rc < 0 ? rc : MMU_EMEM,
                        "mmu_translate: la 0x%" PRIx64 ": walk_cb failed: %d (%s)", req->la, rc,
                        mmu_err_name(rc));
    if (o.n > 5 || (o.fault.kind == MMU_FAULT_NONE && (o.n == 0 || o.n > start->level)))
        return set_last(mmu, MMU_EINVAL,
                        "mmu_translate: la 0x%" PRIx64 ": walk_cb broke its contract: n=%u "
                        "entries for a walk from level %u (fault kind %u)",
                        req->la, o.n, start->level, o.fault.kind);
    res->fault = o.fault;
    res->mem_refs = o.reads + o.updates;
    if (o.fault.kind == MMU_FAULT_NONE) {
        res->pa = o.pa;
        res->page_size = o.page_size;
        res->perms = o.perms;
        res->pkey = o.pkey;
        res->global = o.global;
    }
    tr->n = o.fault.kind == MMU_FAULT_NONE ? o.n : 0;
    for (unsigned i = 0; i < tr->n; i++) {
        tr->entry[i] = o.entry[i];
        tr->perms[i] = o.entry_perms[i];
    }
    tr->reads = o.reads;
    tr->updates = o.updates;
    tr->cycles = o.cycles;
    /* What stopped a faulting walk stays inside the external walker. */
    tr->fault_level = tr->fault_perms = tr->fault_pkey = 0;
    tr->fault_entry = 0;
    return 0;
}

int mmu_walk_c(mmu_t *mmu, const mmu_walk_job_t *j, mmu_walk_out_t *o)
{
    if (!mmu)
        return MMU_EINVAL;
    if (!j || !o)
        return set_last(mmu, MMU_EINVAL, "mmu_walk_c: %s is NULL", j ? "out" : "job");
    if (j->levels != 4 && j->levels != 5)
        return set_last(mmu, MMU_EINVAL, "mmu_walk_c: job->levels=%u: must be 4 or 5", j->levels);
    if (j->start_level < 1 || j->start_level > j->levels)
        return set_last(mmu, MMU_EINVAL, "mmu_walk_c: job->start_level=%u: must be 1..%u",
                        j->start_level, j->levels);
    if (j->type > MMU_ACC_FETCH || j->cpl > 3 || j->start_perms > 7)
        return set_last(mmu, MMU_EINVAL,
                        "mmu_walk_c: job->type=%u, cpl=%u, start_perms=%u: must be <= 2, 3, 7",
                        j->type, j->cpl, j->start_perms);
    mmu_walk_mode_t m = {.levels = j->levels,
                         .la_width = j->levels == 5 ? 57 : 48,
                         .root = j->start_table,
                         .ctl = {.wp = j->wp,
                                 .smep = j->smep,
                                 .smap = j->smap,
                                 .ac = j->ac,
                                 .nxe = j->nxe,
                                 .pke = j->pke,
                                 .pks = j->pks,
                                 .pkru = j->pkru,
                                 .pkrs = j->pkrs}};
    mmu_pte_rsvd_init(&m.rsvd, mmu->cfg.maxphyaddr, m.ctl.nxe, mmu->cfg.page_1g);
    const mmu_req_t req = {.version = MMU_REQ_VERSION, .la = j->la, .type = j->type,
                           .cpl = j->cpl, .flags = j->flags};
    const mmu_walk_start_t start = {j->start_level, j->start_table & mmu->walker.frame_mask,
                                    j->start_perms, NULL};
    mmu_walk_trace_t tr;
    mmu_result_t res;
    memset(&res, 0, sizeof res);
    memset(o, 0, sizeof *o);
    int rc = mmu_walker_walk(&mmu->walker, &m, &req, &start, j->t0, &tr, &res);
    if (rc)
        return walk_failed(mmu, "mmu_walk_c", j->la, &tr, rc);
    o->fault = res.fault;
    o->reads = tr.reads;
    o->updates = tr.updates;
    o->cycles = tr.cycles;
    if (res.fault.kind == MMU_FAULT_NONE) {
        o->pa = res.pa;
        o->page_size = res.page_size;
        o->perms = res.perms;
        o->pkey = res.pkey;
        o->global = res.global;
        o->n = (uint8_t)tr.n;
        for (unsigned i = 0; i < tr.n; i++) {
            o->entry[i] = tr.entry[i];
            o->entry_perms[i] = tr.perms[i];
        }
    }
    return 0;
}

unsigned mmu_walk_latency(mmu_t *mmu, uint64_t pa, int locked_rmw, mmu_cycle_t now)
{
    return mmu ? mmu_memlat_access(&mmu->lat, pa, locked_rmw != 0, now) : 0;
}

unsigned mmu_data_access(mmu_t *mmu, uint64_t pa, mmu_cycle_t now)
{
    (void)now; /* the stand-ins have no queues: the latency does not depend on it */
    if (!mmu)
        return 0; /* bad use: no MMU, no cycles (see mmu.h) */
    return mmu_memlat_data(&mmu->lat, pa);
}

/* PTE coalescing (cfg.coalesce, AMD Zen): the walk that ended in the 4 KiB
 * leaf at `la` also has the PTEs of its naturally aligned group of
 * mmu->coalesce pages (one 64-byte line holds 8 PTEs, so they come with the
 * leaf's line at no further cost). When every PTE of the group is present,
 * free of reserved bits, has A=1, maps the next 4 KiB of one physically
 * contiguous block aligned to the group, and carries the same attributes as
 * the leaf (R/W, U/S, PWT, PCD, PAT, G, XD, protection key), *e becomes one
 * entry for the whole group (granule MMU_GRANULE_COALESCED), dirty only if
 * every PTE has D=1. Else *e stays the leaf's 4 KiB entry. A=1 is required
 * because a translation is cached only for a page whose A flag is set; the
 * group is not formed from pages never accessed. Functional only: the
 * neighbours are read through mem->read64 and nothing is written. */
static __attribute__((noinline)) void coalesce(mmu_t *mmu, uint64_t la,
                                               const mmu_walk_start_t *start,
                                               const mmu_walk_trace_t *tr, mmu_tlb_entry_t *e)
{
    const uint64_t fm = mmu->walker.frame_mask;
    /* The page table holding the leaf: the one the PDE names, or the table
     * the walk started in when a PDE-cache hit skipped to it. */
    const uint64_t table = tr->n >= 2 ? tr->entry[tr->n - 2] & fm : start->table;
    const uint64_t leaf = tr->entry[tr->n - 1];
    const uint64_t n = mmu->coalesce, pos = (la >> 12) & (n - 1);
    const uint64_t first = ((la >> 12) & 511) & ~(n - 1);
    const uint64_t block = (leaf & fm) - (pos << 12);
    if ((block >> 12) & (n - 1))
        return; /* the physical block is not aligned to the group */
    /* Everything but the frame, A, D and the bits software may use. */
    const uint64_t same = MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_PWT | MMU_PTE_PCD |
                          (1ull << 7) /* PAT */ | MMU_PTE_G | MMU_PTE_XD | (0xfull << 59);
    bool dirty = true;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v;
        if (mmu->walker.mem.read64(mmu->walker.mem.ctx, table + 8 * (first + i), &v))
            return;
        if (!(v & MMU_PTE_P) || !(v & MMU_PTE_A) || (v & mmu->mode.rsvd.leaf[1]) ||
            (v & same) != (leaf & same) || (v & fm) != block + (i << 12))
            return;
        dirty &= (v & MMU_PTE_D) != 0;
    }
    e->granule = MMU_GRANULE_COALESCED;
    e->frame = block;
    e->dirty = dirty;
}

/* The statistics of a walk made (successful or faulting), from its trace. */
static inline void count_walk(mmu_t *mmu, walk_kind_t kind, const mmu_walk_trace_t *tr)
{
    const uint32_t refs = tr->reads + tr->updates;
    mmu->cnt.walk_kind[kind]++;
    mmu->st.walk_cycles += tr->cycles;
    mmu->st.walk_reads += tr->reads;
    mmu->st.walk_ad_updates += tr->updates;
    mmu->st.walk_mem_refs += refs;
    mmu->cnt.walk_lat[log2_bucket(tr->cycles)]++;
    mmu->cnt.walk_refs[refs >= 8 ? 7 : refs - 1]++;
}

/* What every walk that reached an answer (a translation or a #PF) records:
 * its walker busy until it ends, the result's walk latency, its counts. */
static inline mmu_cycle_t walk_done(mmu_t *mmu, unsigned wi, mmu_cycle_t begin, walk_kind_t kind,
                                    const mmu_walk_trace_t *tr, mmu_result_t *res)
{
    const mmu_cycle_t end = begin + tr->cycles;
    mmu->busy_until[wi] = end;
    res->lat_walk = (uint32_t)tr->cycles;
    res->done_at = end;
    res->served = MMU_SERVED_WALK;
    count_walk(mmu, kind, tr);
    return end;
}

/* Inline in translate_slow, its one caller (one frame for a miss, not two);
 * mmu_translate's L1 hits never reach either. */
static ALWAYS_INLINE int walk(mmu_t *mmu, const mmu_req_t *req, mmu_cycle_t t, unsigned side,
                             walk_kind_t kind, mmu_result_t *res)
{
    const uint64_t la = req->la;
    /* The rights table of the request's kind: translate_slow has refused
     * any type or CPL out of range. */
    const unsigned fk = FAST_KIND(req->type, req->cpl, (req->flags & MMU_REQ_IMPLICIT) != 0);
    mmu_walk_start_t start = {mmu->mode.levels, mmu->mode.root, MMU_PERM_W | MMU_PERM_U,
                              mmu->kind[fk].allow};
    mmu_cycle_t ready = t;

    /* SDM 4.10.3.2: the deepest PSC hit gives the table to start from. */
    res->lat_psc = mmu->psc_lat;
    t += mmu->psc_lat;
    unsigned psc_level = 0;
    for (unsigned k = 0, n = mmu->npsc_at[mmu->mode.levels]; k < n; k++) {
        const unsigned l = mmu->psc_probe[k];
        mmu_tlb_entry_t *e = mmu_tlb_probe(&mmu->psc[l], la, mmu->pcid);
        if (e) {
            start.level = l - 1;
            start.table = e->frame;
            start.perms = e->perms;
            psc_level = l;
            ready = e->ready_at;
            mmu->cnt.psc[l - 2][0]++;
            if (MMU_COV_ON(mmu->cov))
                cov_psc_hit(mmu, l, e, t);
            break;
        }
    }
    res->psc_level = (uint8_t)psc_level;
    if (!psc_level)
        mmu->st.psc_misses++;

    /* The earliest free walker takes the miss; it also waits for a PSC entry
     * whose own walk is still in flight. */
    unsigned wi = 0;
    mmu_cycle_t free_at = mmu->busy_until[0];
    for (unsigned i = 1; i < mmu->cfg.walkers; i++)
        if (mmu->busy_until[i] < free_at) {
            wi = i;
            free_at = mmu->busy_until[i];
        }
    mmu_cycle_t begin = t;
    if (free_at > begin)
        begin = free_at;
    if (ready > begin)
        begin = ready;
    res->lat_wait += (uint32_t)(begin - t);
    mmu->st.walk_wait_cycles += begin - t;
    if (MMU_COV_ON(mmu->cov))
        cov_walk_start(mmu, wi, t, begin);

    mmu_walk_trace_t tr;
    uint64_t pa, leaf;
    unsigned page, perms;
    if (LIKELY(mmu->walk_plain)) {
        /* The plain walk inline (walker.h); anything else, the walker's
         * general code, from the same start: the plain walk changed nothing. */
        uint64_t ent_pa[5];
        bool update;
        const uint64_t need = req->type == MMU_ACC_WRITE ? MMU_PTE_A | MMU_PTE_D : MMU_PTE_A;
        const unsigned level = mmu_walker_plain(&mmu->walker, &mmu->mode, la, &start, need, &tr,
                                                ent_pa, &leaf, &update);
        if (LIKELY(level)) {
            mmu_walker_plain_end(&mmu->walker, ent_pa, need, update, begin, &tr);
            if (update)
                leaf = tr.entry[tr.n - 1];
            page = level - 1;
            perms = tr.perms[tr.n - 1];
            const uint64_t off = (1ull << (12 + 9 * page)) - 1;
            pa = (leaf & mmu->walker.frame_mask & ~off) | (la & off);
            res->pa = pa;
            res->page_size = (uint8_t)page;
            res->perms = (uint8_t)perms;
            res->pkey = (uint8_t)((leaf >> MMU_PTE_PKEY_SHIFT) & 0xf);
            res->global = (leaf & MMU_PTE_G) != 0;
            res->mem_refs = tr.reads + tr.updates;
            goto walked;
        }
    }
    int rc = mmu->cfg.walk_cb ? external_walk(mmu, req, &start, begin, &tr, res)
                              : mmu_walker_walk(&mmu->walker, &mmu->mode, req, &start, begin, &tr, res);
    if (MMU_COV_ON(mmu->cov))
        cov_walk(mmu, req, &tr, res, rc);
    if (rc) /* external_walk has said why */
        return mmu->cfg.walk_cb ? rc : walk_failed(mmu, "mmu_translate", la, &tr, rc);
    if (res->fault.kind != MMU_FAULT_NONE) {
        walk_done(mmu, wi, begin, kind, &tr, res);
        mmu->st.walks_fault++;
        count_fault(mmu, &res->fault);
        inv_after_pf(mmu, la);
        return 0;
    }
    pa = res->pa;
    page = res->page_size;
    perms = res->perms;
    leaf = tr.entry[tr.n - 1];
walked:;
    const mmu_cycle_t end = walk_done(mmu, wi, begin, kind, &tr, res);
    mmu->cnt.walk_size[page]++;
    fill_pscs(mmu, la, start.level, &tr, end);
    if (mmu->data_lines)
        res->lat_data = mmu_memlat_data(&mmu->lat, pa);
    mmu_tlb_entry_t e = {.frame = pa & ~((1ull << (12 + 9 * page)) - 1),
                         .ready_at = end,
                         .pcid = mmu->pcid,
                         .page = (uint8_t)page,
                         .granule = (uint8_t)page,
                         .global = mmu->pge && (leaf & MMU_PTE_G),
                         .perms = (uint8_t)perms,
                         .dirty = (leaf & MMU_PTE_D) != 0,
                         .pkey = (uint8_t)((leaf >> MMU_PTE_PKEY_SHIFT) & 0xf)};
    if (mmu->coalesce && page == MMU_PAGE_4K)
        coalesce(mmu, la, &start, &tr, &e);
    fill_level(mmu, mmu->l2, 2, la, &e);
    fill_level(mmu, mmu->l1[side], side, la, &e);
    return 0;
}

/* A protection fault decided on the cached rights (SDM 4.6 allows it). */
static __attribute__((noinline)) int fault_from_tlb(mmu_t *mmu, const mmu_req_t *req,
                                                    mmu_cycle_t t, unsigned lvl, bool pk,
                                                    mmu_result_t *res)
{
    const bool user_access = req->cpl == 3 && !(req->flags & MMU_REQ_IMPLICIT);
    mmu_fault_pf(&res->fault, req->la, MMU_PF_CAUSE_PROT, (mmu_access_t)req->type, user_access,
                 pk, mmu->mode.ctl.smep, mmu->mode.ctl.nxe);
    res->done_at = t;
    res->served = lvl == 2 ? MMU_SERVED_L2 : MMU_SERVED_L1;
    mmu->st.faults_from_tlb++;
    count_fault(mmu, &res->fault);
    inv_after_pf(mmu, req->la);
    return 0;
}

/* mmu_translate's answer to bad use, with the field named (cold). */
static __attribute__((noinline, cold)) int bad_request(mmu_t *mmu, const mmu_req_t *req,
                                                       const mmu_result_t *res)
{
    if (!mmu)
        return MMU_EINVAL;
    if (!req || !res)
        return set_last(mmu, MMU_EINVAL, "mmu_translate: %s is NULL", req ? "res" : "req");
    if (req->version != MMU_REQ_VERSION)
        return set_last(mmu, MMU_EINVAL,
                        "mmu_translate: req->version=%u: this libmmusim (%s) knows version %u "
                        "(MMU_REQ_INIT sets it)",
                        req->version, MMU_VERSION_STRING, MMU_REQ_VERSION);
    if (req->type > MMU_ACC_FETCH)
        return set_last(mmu, MMU_EINVAL,
                        "mmu_translate: req->type=%u: must be 0 (read), 1 (write) or 2 (fetch)",
                        req->type);
    return set_last(mmu, MMU_EINVAL, "mmu_translate: req->cpl=%u: must be 0..3", req->cpl);
}

/* mmu_l2_observe's lookup event (out of line: it runs only when observed). */
static __attribute__((noinline, cold)) void l2_observed(mmu_t *mmu, const mmu_req_t *req,
                                                        const mmu_tlb_entry_t *e)
{
    mmu_l2_ref_t r = {.la = req->la, .pcid = mmu->pcid, .kind = MMU_L2_MISS,
                      .write = req->type == MMU_ACC_WRITE};
    if (e) {
        r.kind = MMU_L2_HIT;
        r.pcid = e->pcid;
        r.granule = e->granule;
        r.global = e->global;
        r.dirty = e->dirty;
    }
    mmu->l2_obs(mmu->l2_obs_ctx, &r);
}

void mmu_l2_observe(mmu_t *mmu, mmu_l2_obs_fn fn, void *ctx)
{
    if (!mmu)
        return;
    mmu->l2_obs = fn;
    mmu->l2_obs_ctx = ctx;
}

/* Everything but the common L1 hit. mmu, req and res are not NULL and
 * req->version is known (mmu_translate has checked them, run_slow builds
 * its request). */
static __attribute__((noinline)) int translate_slow(mmu_t *mmu, const mmu_req_t *req,
                                                    mmu_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->done_at = req->now;
    res->served = MMU_SERVED_NONE;
    if (UNLIKELY(req->type > MMU_ACC_FETCH || req->cpl > 3))
        return bad_request(mmu, req, res);
    mmu->st.translations++;
    /* SDM 4.5: a non-canonical linear address is a #GP(0), before any lookup. */
    if (UNLIKELY(!mmu_la_canonical(req->la, mmu->mode.la_width))) {
        mmu_fault_gp(&res->fault);
        mmu->st.faults_gp++;
        if (MMU_COV_ON(mmu->cov))
            cov_xlat(mmu, req, MMU_COV_GP, MMU_COV_NOSIZE, MMU_COV_NONE, 0, 0);
        return 0;
    }
    const mmu_access_t type = (mmu_access_t)req->type;
    const unsigned side = type == MMU_ACC_FETCH ? SIDE_I : SIDE_D;

    mmu_cycle_t t = req->now + mmu->l1_lat[side];
    res->lat_l1 = mmu->l1_lat[side];
    unsigned lvl = side;
    mmu_tlb_entry_t *e = lookup_level(mmu, side, req->la);
    if (UNLIKELY(!e)) {
        mmu->cnt.misses[side]++;
        t += mmu->l2_lat;
        res->lat_l2 = mmu->l2_lat;
        lvl = 2;
        e = lookup_level(mmu, 2, req->la);
        if (!e)
            mmu->cnt.misses[2]++;
        if (UNLIKELY(mmu->l2_obs))
            l2_observed(mmu, req, e);
    }
    walk_kind_t kind = (req->flags & MMU_REQ_RETRY) ? WALK_RETRY : WALK_MISS;
    if (e) {
        const unsigned g = e->granule;
        mmu->cnt.tlb[lvl][mmu->cnt_size[g]][CNT_HITS]++;
        if (UNLIKELY(e->ready_at > t)) { /* the walk that fills it is still in flight */
            res->lat_wait = (uint32_t)(e->ready_at - t);
            t = e->ready_at;
            mmu->st.inflight_hits++;
        }
        /* SDM 4.6: rights may come from the TLB; the checks are redone on every
         * access because they depend on CPL and the control registers. (Read
         * here, not before the probes: a miss would keep them on the stack.) */
        const bool implicit = req->flags & MMU_REQ_IMPLICIT;
        const bool user_access = req->cpl == 3 && !implicit;
        const mmu_pte_verdict_t v =
            mmu_pte_check(&mmu->mode.ctl, e->perms, e->pkey, type, user_access, implicit);
        if (MMU_COV_ON(mmu->cov))
            cov_tlb_hit(mmu, req, e, lvl, v, res);
        if (v.allowed && (type != MMU_ACC_WRITE || e->dirty)) {
            const uint64_t off_mask = (1ull << mmu->gshift[g]) - 1;
            res->pa = e->frame | (req->la & off_mask);
            res->page_size = e->page;
            res->perms = e->perms;
            res->pkey = e->pkey;
            res->global = e->global;
            res->done_at = t;
            /* The data line after the translation (cfg.data_lines). */
            if (UNLIKELY(mmu->data_lines))
                res->lat_data = mmu_memlat_data(&mmu->lat, res->pa);
            if (lvl == 2) {
                mmu_tlb_entry_t copy = *e; /* fill may move things; copy first */
                res->served = MMU_SERVED_L2;
                fill_level(mmu, mmu->l1[side], side, req->la, &copy);
            } else {
                res->served = MMU_SERVED_L1;
            }
            return 0;
        }
        if (!v.allowed && !mmu->cfg.fault_rewalk)
            return fault_from_tlb(mmu, req, t, lvl, v.pk, res);
        /* A hit that still walks: a write through an entry cached with D=0
         * (the TLB cannot set D, so the walker goes to memory: a "dirty-bit
         * assist"), or a denied hit re-walked before faulting. */
        res->d_assist = v.allowed;
        kind = v.allowed ? WALK_D_ASSIST : WALK_REWALK;
    }
    return walk(mmu, req, t, side, kind, res);
}

/* The common case first: an L1 hit in the side's first array that the rights
 * allow, whose fill is complete. It is exactly what the general path does for
 * such a hit (lookup_level probes array 0 first, and array 0 holds only
 * 4 KiB entries), minus the work that cannot apply; anything else, a non-canonical
 * address included (it can match no entry), goes to translate_slow, which
 * probes again from the start: nothing here has changed any state by then.
 * It calls nothing but in tail position, so it needs no stack frame, and
 * writes the result as nine 8-byte words (the compiler merges the zeros). */
_Static_assert(offsetof(mmu_result_t, perms) == offsetof(mmu_result_t, page_size) + 1 &&
                   offsetof(mmu_result_t, pkey) == offsetof(mmu_result_t, page_size) + 2 &&
                   offsetof(mmu_result_t, global) == offsetof(mmu_result_t, page_size) + 3 &&
                   offsetof(mmu_tlb_entry_t, perms) == offsetof(mmu_tlb_entry_t, page) + 1 &&
                   offsetof(mmu_tlb_entry_t, pkey) == offsetof(mmu_tlb_entry_t, page) + 2 &&
                   offsetof(mmu_tlb_entry_t, global) == offsetof(mmu_tlb_entry_t, page) + 3,
               "a hit copies page, perms, pkey and global as one word");
_Static_assert(sizeof(mmu_result_t) == 72 && offsetof(mmu_result_t, pa) == 16 &&
                   offsetof(mmu_result_t, page_size) == 24 &&
                   offsetof(mmu_result_t, mem_refs) == 28 &&
                   offsetof(mmu_result_t, done_at) == 32 && offsetof(mmu_result_t, served) == 40 &&
                   offsetof(mmu_result_t, lat_l1) == 44 && offsetof(mmu_result_t, lat_l2) == 48,
               "the hit path writes mmu_result_t as these nine words");

/* The data line of an L1 hit (cfg.data_lines, which a host callback turns
 * off: no callback check). Out of line, so the hit path stays short; the
 * memo's answer without a frame, the lookup in a function of its own. */
static __attribute__((noinline)) int fast_data_lookup(mmu_t *mmu, mmu_result_t *res)
{
    res->lat_data = mmu_memlat_data_lookup(&mmu->lat, res->pa);
    return 0;
}

static __attribute__((noinline)) int fast_data_line(mmu_t *mmu, mmu_result_t *res)
{
    mmu_memlat_t *m = &mmu->lat;
    const uint64_t line = res->pa >> m->line_shift;
    if (UNLIKELY(m->memo[line & m->memo_mask].key != (line << 1) + 1))
        return fast_data_lookup(mmu, res);
    m->data_hits[0]++; /* a data line's memo is an L1D hit (memlat.h) */
    res->lat_data = m->lvl[0].latency;
    return 0;
}

static inline void put64(mmu_result_t *res, size_t off, uint64_t v)
{
    memcpy((char *)res + off, &v, 8);
}

/* The kind of a request, FAST_KIND(type, cpl, implicit), or -1 for a type or
 * CPL out of range. Byte by byte: callers store these fields one at a time,
 * and one wider load over them would wait for those stores to retire (a
 * failed store-to-load forward: 15 ns a hit instead of 4 when measured). */
static inline int fast_kind_of(const mmu_req_t *req)
{
    const unsigned type = req->type, cpl = req->cpl;
    if ((type | cpl) > 3)
        return -1;
    return (int)FAST_KIND(type, cpl, req->flags & MMU_REQ_IMPLICIT);
}

/* The fast path's probe of kind k's array for vpn: the first entry of its
 * set that matches (the one lookup_level would find), or NULL. */
static ALWAYS_INLINE const mmu_tlb_entry_t *fast_find(const fast_kind_t *k, uint64_t vpn)
{
    const size_t row = (size_t)(vpn & k->set_mask) * k->row_bytes;
    const mmu_tlb_entry_t *x = (const mmu_tlb_entry_t *)((const char *)k->e + row);
    const mmu_tlb_entry_t *const end = (const mmu_tlb_entry_t *)((const char *)x + k->row_bytes);
    /* SDM 4.10.2.4: a global entry matches under any PCID. */
    while (x->vpn != vpn || (x->pcid != k->pcid && !x->global))
        if (++x == end)
            return NULL;
    return x;
}

/* Whether the entry x found for an access of kind k whose translation would
 * complete at `done` serves it on the fast path; if so the LRU stamp and the
 * hit are counted. False, with nothing changed, for what
 * translate_slow must answer: a denied access, a write through an entry with
 * D=0 (a D assist), a fill still in flight, the LRU clock about to wrap. */
static ALWAYS_INLINE bool fast_take(fast_kind_t *k, const mmu_tlb_entry_t *x, mmu_cycle_t done)
{
    /* (As a shift: GCC then branches on bt instead of materialising it.) */
    if (UNLIKELY(!((k->allow[x->perms] >> x->pkey) & 1u)))
        return false;
    if (UNLIKELY(x->dirty < k->write))
        return false;
    if (UNLIKELY(x->ready_at > done))
        return false;
    const uint32_t clock = *k->clock + 1;
    if (UNLIKELY(clock == 0))
        return false;
    *k->clock = clock;
    k->stamp[x - k->e] = clock;
    k->hits++;
    return true;
}

/* fast_find and fast_take in one: the entry that serves an access of kind k
 * to la for req on the fast path (stamp and hit counted, *done_out the cycle
 * it completes), or NULL with nothing changed. Its own copy of the two, in
 * this shape (req->now read where it is needed): GCC gives mmu_translate a
 * stack frame and 5 more instructions a hit when it is composed of them.
 * MmuRun's tests compare the two paths. */
static ALWAYS_INLINE const mmu_tlb_entry_t *fast_hit(fast_kind_t *k, const mmu_req_t *req,
                                                     uint64_t la, mmu_cycle_t *done_out)
{
    const uint64_t vpn = la >> 12;
    const size_t row = (size_t)(vpn & k->set_mask) * k->row_bytes;
    const mmu_tlb_entry_t *x = (const mmu_tlb_entry_t *)((const char *)k->e + row);
    const mmu_tlb_entry_t *const end = (const mmu_tlb_entry_t *)((const char *)x + k->row_bytes);
    /* SDM 4.10.2.4: a global entry matches under any PCID. */
    while (x->vpn != vpn || (x->pcid != k->pcid && !x->global))
        if (++x == end)
            return NULL;
    /* Denied, or a write through an entry with D=0 (a D assist): the long way. */
    if (UNLIKELY(!(k->allow[x->perms] & (1u << x->pkey))))
        return NULL;
    if (UNLIKELY(x->dirty < k->write))
        return NULL;
    const mmu_cycle_t done = req->now + k->lat;
    if (UNLIKELY(x->ready_at > done))
        return NULL; /* its fill is still in flight */
    *done_out = done;
    const uint32_t clock = *k->clock + 1;
    if (UNLIKELY(clock == 0))
        return NULL; /* the LRU clock must be renumbered */
    *k->clock = clock;
    k->stamp[x - k->e] = clock;
    k->hits++;
    return x;
}

int mmu_translate(mmu_t *mmu, const mmu_req_t *req, mmu_result_t *res)
{
    if (UNLIKELY(!mmu))
        return MMU_EINVAL;
    if (UNLIKELY(!req))
        return bad_request(mmu, req, res);
    if (UNLIKELY(!res))
        return bad_request(mmu, req, res);
    if (UNLIKELY(req->version != MMU_REQ_VERSION))
        return bad_request(mmu, req, res);
    const int kind = fast_kind_of(req);
    if (UNLIKELY(kind < 0))
        return translate_slow(mmu, req, res);
    fast_kind_t *k = &mmu->kind[kind];
    KEEP(k);
    const uint64_t la = req->la;
    mmu_cycle_t done;
    const mmu_tlb_entry_t *x = fast_hit(k, req, la, &done);
    if (!x)
        return translate_slow(k->mmu, req, res);
    uint32_t info;
    memcpy(&info, &x->page, 4);
    put64(res, 0, 0); /* fault: none */
    put64(res, 8, 0);
    put64(res, 16, x->frame | (la & 0xfff));
    put64(res, 24, info); /* page_size, perms, pkey, global; mem_refs 0 */
    put64(res, 32, done);
    put64(res, 40, k->lat_word);
    put64(res, 48, 0);
    put64(res, 56, 0);
    put64(res, 64, 0);
    if (UNLIKELY(k->data_lines))
        return fast_data_line(k->mmu, res);
    return 0;
}

_Static_assert(sizeof(mmu_run_res_t) == 24 && offsetof(mmu_run_res_t, lat_data) == 8 &&
                   offsetof(mmu_run_res_t, lat_walk) == 12 &&
                   offsetof(mmu_run_res_t, served) == 16 && offsetof(mmu_run_res_t, fault) == 17,
               "a run's hit writes served and fault as one word of zeros");

/* A run's access that the fast path does not take, as mmu_translate takes it
 * (out of line: the loop keeps no request in registers). */
static __attribute__((noinline)) int run_slow(mmu_t *mmu, const mmu_run_acc_t *a,
                                              mmu_cycle_t now, mmu_result_t *last)
{
    const mmu_req_t req = {
        .version = MMU_REQ_VERSION, .type = a->type, .cpl = a->cpl, .la = a->la, .now = now};
    if (UNLIKELY(!last))
        return bad_request(mmu, &req, last);
    return translate_slow(mmu, &req, last);
}

/* mmu_translate in a loop, with its fast path inline: a hit writes the words
 * a run reports (issue; done_at; lat_data with lat_walk 0; served L1 and no
 * fault), not a whole result.
 *
 * A hit first compares the page with one entry: the one the last fast-path
 * hit of the same access type found (most accesses stay on the page of the
 * one before). When the pages are equal it is the entry fast_find would
 * return, PCID and all: fast_find found it as the first match in its set,
 * and while the run goes on only translate_slow fills, removes or changes
 * entries or the PCID, so the hints are dropped whenever translate_slow
 * runs (fast_take and the data line change stamps and caches, not tags).
 * By type, not by side: type 3 (refused) has no array, so its hint never
 * matches. */
size_t mmu_translate_run(mmu_t *mmu, const mmu_run_acc_t *acc, size_t n, mmu_cycle_t *now_io,
                         mmu_cycle_t clock_max, mmu_cycle_t *issue, mmu_run_res_t *out,
                         mmu_result_t *last, int *status)
{
    const mmu_tlb_entry_t *const none = &mmu->never;
    const mmu_tlb_entry_t *hint[4] = {none, none, none, none};
    mmu_cycle_t now = *now_io;
    size_t i = 0;
    int st = 0;
    for (; i < n && now < clock_max; i++) {
        const uint64_t la = acc[i].la, vpn = la >> 12;
        const unsigned type = acc[i].type, cpl = acc[i].cpl;
        issue[i] = now;
        if (LIKELY((type | cpl) <= 3)) {
            fast_kind_t *k = &mmu->kind[FAST_KIND(type, cpl, 0)];
            KEEP(k);
            const mmu_tlb_entry_t *x = hint[type];
            if (x->vpn != vpn) {
                x = fast_find(k, vpn);
                if (!x)
                    goto slow;
                hint[type] = x;
            }
            const mmu_cycle_t done = now + k->lat;
            if (LIKELY(fast_take(k, x, done))) {
                /* What fast_data_line does for mmu_translate's hit, inline
                 * (MmuRun.EqualsALoopOfTranslateWithDataLines compares the
                 * two): the call and its frame cost a lane 14 instructions.
                 * data_lines is off with a host callback: no callback check. */
                const uint32_t lat_data =
                    k->data_lines ? mmu_memlat_data_own(&mmu->lat, x->frame | (la & 0xfff)) : 0;
                mmu_run_res_t *const o = &out[i];
                o->done_at = done;
                o->lat_data = lat_data;
                o->lat_walk = 0;
                /* served L1 (0), fault none (0) and the padding: one word. */
                memset((char *)o + 16, 0, 8);
                now = done;
                continue;
            }
        }
    slow:;
        hint[0] = hint[1] = hint[2] = none;
        const int rc = run_slow(mmu, &acc[i], now, last);
        if (UNLIKELY(rc)) {
            st = rc;
            break;
        }
        if (last->fault.kind != MMU_FAULT_NONE) {
            st = 1;
            break;
        }
        mmu_run_res_of(&out[i], last);
        now = last->done_at;
    }
    *now_io = now;
    *status = st;
    return i;
}

void mmu_batch_view(const mmu_t *mmu, mmu_batch_view_t *v)
{
    *v = (mmu_batch_view_t){.l1 = {mmu->l1[SIDE_I], mmu->l1[SIDE_D]},
                            .l2 = mmu->l2,
                            .psc = mmu->psc,
                            .mode = &mmu->mode,
                            .walker = &mmu->walker,
                            .lat = &mmu->lat,
                            .pcid = mmu->pcid,
                            .host_cb = mmu->cfg.memlat_cb || mmu->cfg.walk_cb};
}

/* ---- statistics -------------------------------------------------------------------- */

static void get_stats(const mmu_t *mmu, mmu_stats_t *out);

void mmu_get_stats_size(const mmu_t *mmu, mmu_stats_t *dst, size_t size)
{
    if (!dst)
        return;
    mmu_stats_t full;
    memset(&full, 0, sizeof full);
    if (mmu)
        get_stats(mmu, &full);
    /* Counters are appended to the list, so an older host's struct is a prefix
     * of this one, and a newer host's has zeros for what this library lacks. */
    if (size > sizeof full) {
        memset((char *)dst + sizeof full, 0, size - sizeof full);
        size = sizeof full;
    }
    memcpy(dst, &full, size);
}

static void get_stats(const mmu_t *mmu, mmu_stats_t *out)
{
    *out = mmu->st;
    const mmu_counters_t *c = &mmu->cnt;
    const uint64_t fast[2] = {fast_hits(mmu, SIDE_I), fast_hits(mmu, SIDE_D)};
    out->translations += fast[SIDE_I] + fast[SIDE_D];
    uint64_t *const lvl[3] = {&out->l1i_lookups, &out->l1d_lookups, &out->l2_lookups};
    for (int l = 0; l < 3; l++) {
        /* lookups, hits, misses, splinters, then {hits, fills, evictions} per size */
        uint64_t *f = lvl[l];
        uint64_t hits = 0;
        for (int g = 0; g < 3; g++) {
            for (int k = 0; k < 3; k++)
                f[4 + 3 * g + k] = c->tlb[l][g][k];
            if (l < 2 && g == MMU_PAGE_4K)
                f[4 + CNT_HITS] += fast[l];
            hits += f[4 + 3 * g + CNT_HITS];
        }
        f[0] = hits + c->misses[l];
        f[1] = hits;
        f[2] = c->misses[l];
        f[3] = c->splinters[l];
    }
    out->walks_miss = c->walk_kind[WALK_MISS];
    out->walks_retry = c->walk_kind[WALK_RETRY];
    out->d_assists = c->walk_kind[WALK_D_ASSIST];
    out->walks_rewalk = c->walk_kind[WALK_REWALK];
    out->walks = out->walks_miss + out->walks_retry + out->d_assists + out->walks_rewalk;
    out->walks_4k = c->walk_size[0];
    out->walks_2m = c->walk_size[1];
    out->walks_1g = c->walk_size[2];
    char *base = (char *)out;
    memcpy(base + offsetof(mmu_stats_t, psc_pde_hits), c->psc, sizeof c->psc);
    memcpy(base + offsetof(mmu_stats_t, walk_lat_0), c->walk_lat, sizeof c->walk_lat);
    memcpy(base + offsetof(mmu_stats_t, walk_refs_1), c->walk_refs, sizeof c->walk_refs);
    /* By configured level: with an absent L2, the LLC's hits are the LLC's. */
    uint64_t lat[8] = {0, 0, 0, mmu->lat.dram, 0, 0, 0, mmu->lat.data_dram};
    for (unsigned i = 0; i < mmu->lat.nlevels; i++) {
        lat[mmu->lat.lvl[i].level] = mmu->lat.hits[i];
        lat[4 + mmu->lat.lvl[i].level] = mmu->lat.data_hits[i];
    }
    memcpy(base + offsetof(mmu_stats_t, memlat_l1_hits), lat, 4 * sizeof lat[0]);
    memcpy(base + offsetof(mmu_stats_t, data_l1_hits), lat + 4, 4 * sizeof lat[0]);
}

void mmu_reset_stats(mmu_t *mmu)
{
    if (!mmu)
        return;
    memset(&mmu->st, 0, sizeof mmu->st);
    memset(&mmu->cnt, 0, sizeof mmu->cnt);
    for (unsigned i = 0; i < sizeof mmu->kind / sizeof mmu->kind[0]; i++)
        mmu->kind[i].hits = 0;
    memset(mmu->lat.hits, 0, sizeof mmu->lat.hits);
    mmu->lat.dram = 0;
    memset(mmu->lat.data_hits, 0, sizeof mmu->lat.data_hits);
    mmu->lat.data_dram = 0;
}

/* ---- functional coverage (coverage.h) ------------------------------------------------ */

int mmu_cov_attach(mmu_t *mmu, mmu_cov_t *cov, mmu_err_t *err)
{
    if (!mmu)
        return mmu_err_set(err, MMU_EINVAL, "mmu_cov_attach: mmu is NULL");
    if (!MMU_COVERAGE)
        return mmu_err_set(err, MMU_EINVAL,
                           "mmu_cov_attach: this library was built with MMU_COVERAGE=OFF");
    if (cov && !mmu->cov) {
        mmu_tlb_t *arrays[MMU_COV_TRACKED];
        cov_arrays(mmu, arrays);
        if (mmu_cov_track_init(&mmu->cov_track, arrays))
            return mmu_err_set(err, MMU_ENOMEM, "mmu_cov_attach: out of memory");
    } else if (!cov) {
        mmu_cov_track_free(&mmu->cov_track);
    }
    mmu->cov = cov;
    mmu->walker.cov = cov;
    set_fast_path(mmu); /* off while attached, back on when detached */
    set_walk_plain(mmu);
    return 0;
}

mmu_cov_t *mmu_cov_attached(const mmu_t *mmu)
{
    return mmu ? mmu->cov : NULL;
}

/* The arrays whose entries are tracked, in mmu_cov_track_t's order. */
static void cov_arrays(mmu_t *mmu, mmu_tlb_t *arrays[MMU_COV_TRACKED])
{
    for (unsigned i = 0; i < MMU_TLB_ARRAYS; i++) {
        arrays[i] = &mmu->l1[SIDE_I][i];
        arrays[3 + i] = &mmu->l1[SIDE_D][i];
        arrays[6 + i] = &mmu->l2[i];
    }
    for (unsigned l = 2; l <= 5; l++)
        arrays[9 + l - 2] = &mmu->psc[l];
}

static void cov_xlat(mmu_t *mmu, const mmu_req_t *req, unsigned kind, unsigned size,
                     unsigned served, unsigned level, unsigned cause)
{
    const mmu_cov_xlat_t x = {.levels = mmu->mode.levels,
                              .acc = mmu_cov_acc_of(req),
                              .user = mmu_cov_user_of(req),
                              .size = size,
                              .served = served,
                              .kind = kind,
                              .level = level,
                              .cause = cause};
    mmu_cov_count_xlat(mmu->cov, &x);
}

/* A new fill of the array's last_fill slot holds nothing kept across a switch. */
static void cov_filled(mmu_t *mmu, unsigned tracked, const mmu_tlb_t *arr)
{
    uint8_t *k = mmu->cov_track.kept[tracked];
    if (k)
        k[arr->last_fill] = 0;
}

/* Was entry e of tracked array i kept across a no-flush MOV to CR3? */
static bool cov_kept(const mmu_t *mmu, unsigned i, const mmu_tlb_t *arr,
                     const mmu_tlb_entry_t *e)
{
    const uint8_t *k = mmu->cov_track.kept[i];
    return k && arr->e && e >= arr->e && e < arr->e + (size_t)arr->sets * arr->ways &&
           k[e - arr->e];
}

static void cov_tlb_hit(mmu_t *mmu, const mmu_req_t *req, const mmu_tlb_entry_t *e,
                        unsigned lvl, mmu_pte_verdict_t v, const mmu_result_t *res)
{
    mmu_cov_t *c = mmu->cov;
    const unsigned tl = lvl == 2; /* 0 L1, 1 L2 */
    const unsigned size = e->page;
    const bool write = req->type == MMU_ACC_WRITE;
    if (res->lat_wait)
        mmu_cov_inc(c, MMU_COVB_MERGED + tl);
    if (!e->dirty && !write)
        mmu_cov_inc(c, MMU_COVB_READ_D0 + tl * 3 + size);
    if (e->global && e->pcid != mmu->pcid)
        mmu_cov_inc(c, MMU_COVB_GLOBAL_OTHER + tl);
    if (!e->global) {
        mmu_tlb_t *base = lvl == 2 ? mmu->l2 : mmu->l1[lvl];
        for (unsigned i = 0; i < MMU_TLB_ARRAYS; i++)
            if (cov_kept(mmu, lvl * MMU_TLB_ARRAYS + i, &base[i], e)) {
                mmu_cov_inc(c, MMU_COVB_KEPT + tl);
                break;
            }
    }
    const unsigned served = tl ? MMU_COV_L2 : MMU_COV_L1;
    if (v.allowed) {
        if (write && !e->dirty)
            mmu_cov_inc(c, MMU_COVB_D_ASSIST + tl * 3 + size); /* the walk bins the outcome */
        else
            cov_xlat(mmu, req, MMU_COV_OK, size, served, 0, 0);
    } else if (!mmu->cfg.fault_rewalk) {
        cov_xlat(mmu, req, MMU_COV_PROT, size, served, 0,
                 mmu_cov_prot_cause(&mmu->ctrl, req, e->perms, e->pkey));
    }
}

static __attribute__((noinline, cold)) void cov_psc_hit(mmu_t *mmu, unsigned level,
                                                        const mmu_tlb_entry_t *e, mmu_cycle_t t)
{
    if (e->ready_at > t)
        mmu_cov_inc(mmu->cov, MMU_COVB_PSC_IN_FLIGHT + level - 2);
    if (cov_kept(mmu, 9 + level - 2, &mmu->psc[level], e))
        mmu_cov_inc(mmu->cov, MMU_COVB_KEPT + 2);
}

static __attribute__((noinline, cold)) void cov_walk_start(mmu_t *mmu, unsigned wi, mmu_cycle_t t,
                                                           mmu_cycle_t begin)
{
    unsigned busy = 0;
    for (unsigned i = 0; i < mmu->cfg.walkers; i++)
        busy += i != wi && mmu->busy_until[i] > begin;
    mmu_cov_inc(mmu->cov, MMU_COVB_IN_FLIGHT + (busy < 8 ? busy : 8));
    /* wi is the walker free earliest: busy at t means all of them were. */
    if (mmu->busy_until[wi] > t)
        mmu_cov_inc(mmu->cov, MMU_COVB_SATURATED);
}

static __attribute__((noinline, cold)) void cov_walk(mmu_t *mmu, const mmu_req_t *req,
                                                     const mmu_walk_trace_t *tr,
                                                     const mmu_result_t *res, int rc)
{
    if (rc) {
        if (rc == MMU_ERETRY)
            mmu_cov_inc(mmu->cov, MMU_COVB_RETRY_LIMIT);
        return;
    }
    /* psc_level 0 (root), 2 PDE .. 5 PML5E */
    static const uint8_t SERVED_BY[6] = {MMU_COV_WALK_ROOT, 0, MMU_COV_WALK_PDE,
                                         MMU_COV_WALK_PDPTE, MMU_COV_WALK_PML4E,
                                         MMU_COV_WALK_PML5E};
    const unsigned served = SERVED_BY[res->psc_level];
    if (res->fault.kind == MMU_FAULT_NONE) {
        cov_xlat(mmu, req, MMU_COV_OK, res->page_size, served, 0, 0);
        return;
    }
    const unsigned l = tr->fault_level;
    if (!l)
        return; /* an external walker's fault: where it stopped is not known */
    const uint32_t ec = res->fault.error_code;
    if (!(ec & MMU_PF_P)) {
        cov_xlat(mmu, req, MMU_COV_NP, MMU_COV_NOSIZE, served, l, 0);
    } else if (ec & MMU_PF_RSVD) {
        cov_xlat(mmu, req, MMU_COV_RSVD, MMU_COV_NOSIZE, served, l,
                 mmu_cov_rsvd_cause(tr->fault_entry, l, mmu->cfg.maxphyaddr,
                                    mmu->mode.ctl.nxe, mmu->cfg.page_1g));
    } else {
        cov_xlat(mmu, req, MMU_COV_PROT, l - 1, served, 0,
                 mmu_cov_prot_cause(&mmu->ctrl, req, tr->fault_perms, tr->fault_pkey));
    }
}

static void cov_inv(mmu_t *mmu, unsigned kind, unsigned removed)
{
    if (MMU_COV_ON(mmu->cov))
        mmu_cov_count_inv(mmu->cov, kind, removed);
}
