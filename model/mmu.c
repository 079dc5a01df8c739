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
#include "fault.h"
#include "memlat.h"
#include "mmu/mmu.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_walk.h"
#include "tlb.h"
#include "walker.h"

#define MAX_WALKERS 64
/* Layout hints for the hit path (GCC/Clang; harmless elsewhere). */
#if defined(__GNUC__)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
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
    /* L1 hits taken by mmu_translate's fast path, per side: 4K hits of that
     * L1 and translations, added in by mmu_get_stats (one count, not two). */
    uint64_t fast_hits[2];
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

/* What the L1 hit fast path reads, per side, in one place: array 0 of the
 * side when it can be probed by the short loop (one granule, 4 KiB, LRU,
 * low-bits index), else e == NULL. */
typedef struct l1_fast {
    mmu_tlb_entry_t *e;
    uint32_t *stamp;
    uint32_t *clock;
    uint64_t *hits; /* cnt.fast_hits[side] */
    uint32_t set_mask, ways, lat;
} l1_fast_t;

struct mmu {
    /* Hot: read on every translation. */
    l1_fast_t fast[2];
    mmu_tlb_t l1[2][MMU_TLB_ARRAYS]; /* [SIDE_I / SIDE_D] */
    mmu_tlb_t l2[MMU_TLB_ARRAYS];
    unsigned l1_lat[2], l2_lat;
    uint16_t pcid;
    bool pge;
    bool data_lines; /* cfg.data_lines with the built-in stand-ins */
    uint8_t gshift[MMU_GRANULES];   /* page-number shift of a TLB granule */
    uint8_t cnt_size[MMU_GRANULES]; /* the size a granule's hits count under */
    unsigned coalesce;              /* pages per coalesced group, 0 = off */
    mmu_walk_mode_t mode;
    mmu_stats_t st;
    mmu_counters_t cnt;
    /* For the L1 hit fast path (mmu_translate): which protection keys each
     * access may use, by ALLOW_IDX(type, cpl == 3,
     * implicit, perms): mmu_pte_check's verdict tabled whenever the control
     * bits change, so a hit reads one word instead of running the rules. */
    uint16_t allow[3 * 2 * 2 * 8];
    bool allow_init;
    /* Walk side. */
    mmu_tlb_t psc[6]; /* [2] PDE .. [5] PML5E */
    unsigned psc_lat;
    mmu_walker_t walker;
    mmu_memlat_t lat;
    mmu_cycle_t busy_until[MAX_WALKERS];
    /* Cold. */
    mmu_config_t cfg;
    mmu_ctrl_t ctrl;
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

/* ---- configuration ----------------------------------------------------------- */

#define ALLOW_IDX(type, cpl3, implicit, perms) \
    ((((unsigned)(type) * 2 + (unsigned)(cpl3)) * 2 + (unsigned)(implicit)) * 8 + (unsigned)(perms))

static void derive_allow(mmu_t *mmu)
{
    const mmu_pte_ctl_t *c = &mmu->mode.ctl;
    for (unsigned type = 0; type <= MMU_ACC_FETCH; type++)
        for (unsigned cpl3 = 0; cpl3 < 2; cpl3++)
            for (unsigned impl = 0; impl < 2; impl++)
                for (unsigned perms = 0; perms < 8; perms++) {
                    const bool user_access = cpl3 && !impl;
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
                    mmu->allow[ALLOW_IDX(type, cpl3, impl, perms)] = mask;
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
    mmu->walker.mem = ops;
    mmu->walker.frame_mask = ((1ull << cfg->maxphyaddr) - 1) & ~0xfffull;
    mmu->walker.page_1g = cfg->page_1g;
    mmu->walker.ad_on_fault = cfg->ad_on_fault;
    mmu->walker.retry_limit = cfg->ad_retry_limit;
    mmu->walker.level_latency = cfg->walk_level_latency;
    mmu->walker.lat = &mmu->lat;
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
    for (int side = 0; side < 2; side++) {
        mmu_tlb_t *a = &mmu->l1[side][0];
        /* Not with coalescing: array 0 then holds groups too, probed after
         * 4 KiB entries, and the short loop does not tell them apart. */
        if (a->sets && a->granules == 1u << MMU_PAGE_4K && a->repl == MMU_REPL_LRU &&
            !a->xor_index)
            mmu->fast[side] = (l1_fast_t){.e = a->e,
                                          .stamp = a->stamp,
                                          .clock = &a->clock,
                                          .hits = &mmu->cnt.fast_hits[side],
                                          .set_mask = a->set_mask,
                                          .ways = a->ways,
                                          .lat = mmu->l1_lat[side]};
    }
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
    if ((rc = mmu_memlat_init(&mmu->lat, cfg)) != 0) {
        mmu_err_set(err, rc, "mmu_create: out of memory");
        goto fail;
    }
    derive_mode(mmu);
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
    free_arrays(mmu);
    free(mmu);
}

const mmu_ctrl_t *mmu_get_ctrl(const mmu_t *mmu)
{
    return mmu ? &mmu->ctrl : NULL;
}

/* ---- invalidation --------------------------------------------------------------- */

static uint64_t inv_tlbs(mmu_t *mmu, const mmu_tlb_inv_t *q)
{
    unsigned n = 0;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        n += mmu_tlb_invalidate(&mmu->l1[SIDE_I][i], q);
        n += mmu_tlb_invalidate(&mmu->l1[SIDE_D][i], q);
        n += mmu_tlb_invalidate(&mmu->l2[i], q);
    }
    return n;
}

static uint64_t inv_pscs(mmu_t *mmu, const mmu_tlb_inv_t *q)
{
    unsigned n = 0;
    for (int l = 2; l <= 5; l++)
        n += mmu_tlb_invalidate(&mmu->psc[l], q);
    return n;
}

/* Non-global TLB entries and all PSC entries of one PCID (MOV to CR3,
 * INVPCID type 1). */
static void inv_pcid(mmu_t *mmu, uint16_t pcid, bool globals_too)
{
    mmu_tlb_inv_t q = {.pcid = pcid, .nonglobal = true, .global = globals_too};
    mmu->st.inv_entries += inv_tlbs(mmu, &q) + inv_pscs(mmu, &q);
}

static void inv_everything(mmu_t *mmu, bool globals_too)
{
    mmu_tlb_inv_t q = {.all_pcids = true, .nonglobal = true, .global = globals_too};
    mmu->st.inv_entries += inv_tlbs(mmu, &q) + inv_pscs(mmu, &q);
}

void mmu_flush_all(mmu_t *mmu)
{
    if (!mmu)
        return;
    mmu->st.inv_flush_all++;
    inv_everything(mmu, true);
}

/* SDM 4.10.4.1: a #PF invalidates the TLB entries for the page number of the
 * faulting address and the PSC entries that would be used for it, so that a
 * fault caused only by stale cached entries does not recur. */
static void inv_after_pf(mmu_t *mmu, uint64_t la)
{
    mmu_tlb_inv_t q = {.by_addr = true, .la = la, .pcid = mmu->pcid, .nonglobal = true,
                       .global = true};
    uint64_t n = inv_tlbs(mmu, &q) + inv_pscs(mmu, &q);
    mmu->st.inv_pf++;
    mmu->st.inv_entries += n;
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
    mmu->st.inv_entries += inv_tlbs(mmu, &q);
    /* ...and every PSC entry of the current PCID, whatever its address. */
    mmu_tlb_inv_t p = {.pcid = mmu->pcid, .nonglobal = true};
    mmu->st.inv_entries += inv_pscs(mmu, &p);
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
        mmu->st.inv_entries += inv_tlbs(mmu, &q) + inv_pscs(mmu, &p);
        break;
    }
    case 1:
        mmu->st.inv_invpcid1++;
        inv_pcid(mmu, pcid, false);
        break;
    case 2:
        mmu->st.inv_invpcid2++;
        inv_everything(mmu, true);
        break;
    default:
        mmu->st.inv_invpcid3++;
        inv_everything(mmu, false);
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
    mmu_flush_all(mmu);
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
        } else {
            /* PCIDE=0: PCID 000H; PCIDE=1: the new PCID. Globals survive. */
            mmu->st.inv_cr3++;
            inv_pcid(mmu, mmu->pcid, false);
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
            inv_everything(mmu, true);
        } else if ((changed & MMU_CR4_SMEP) && (value & MMU_CR4_SMEP)) {
            /* "all TLB entries ... for the current PCID": globals are usable
             * under it, so they go as well (more invalidation is always legal). */
            mmu->st.inv_cr4++;
            inv_pcid(mmu, mmu->pcid, true);
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
            mmu_flush_all(mmu);
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

static inline mmu_tlb_entry_t *lookup_level(mmu_tlb_t *arr, uint64_t la, uint16_t pcid)
{
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        if (!arr[i].sets)
            continue;
        mmu_tlb_entry_t *e = mmu_tlb_probe(&arr[i], la, pcid);
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

/* Fill every array of a level that holds entries of this size. A page whose
 * size the level has no array for is cached splintered (cfg.splinter): as an
 * entry of the largest smaller size the level holds, for the part of the page
 * around la. The SDM allows it ("some processors may choose to cache multiple
 * smaller-page TLB entries for a translation specified by the paging structures
 * to use a page larger than 4 KBytes"; INVLPG and #PF then invalidate all of
 * them, which mmu_tlb_invalidate does), and a core whose structure has no
 * entries of a size must do it to cache such a page there at all. */
static void fill_level(mmu_t *mmu, mmu_tlb_t *arr, unsigned lvl, uint64_t la,
                       const mmu_tlb_entry_t *in)
{
    mmu_tlb_entry_t split;
    const mmu_tlb_entry_t *val = in;
    if (in->granule == MMU_GRANULE_COALESCED && !(arr[0].granules & (1u << in->granule)) &&
        !(arr[1].granules & (1u << in->granule)) && !(arr[2].granules & (1u << in->granule))) {
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
    }
    uint64_t *c = mmu->cnt.tlb[lvl][mmu->cnt_size[val->granule]];
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        if (!arr[i].sets || !(arr[i].granules & (1u << val->granule)))
            continue;
        mmu_tlb_entry_t victim;
        c[CNT_FILLS]++;
        if (mmu_tlb_fill(&arr[i], la, val, &victim)) {
            mmu->cnt.tlb[lvl][mmu->cnt_size[victim.granule]][CNT_EVICTIONS]++;
            /* Inclusive L2: what leaves the L2 leaves the L1s too. */
            if (lvl == 2 && mmu->cfg.l2_inclusive) {
                mmu_tlb_inv_t q = {.by_addr = true,
                                   .la = victim.vpn << mmu->gshift[victim.granule],
                                   .pcid = victim.pcid,
                                   .nonglobal = !victim.global,
                                   .global = victim.global};
                for (int j = 0; j < MMU_TLB_ARRAYS; j++) {
                    mmu_tlb_invalidate(&mmu->l1[SIDE_I][j], &q);
                    mmu_tlb_invalidate(&mmu->l1[SIDE_D][j], &q);
                }
            }
        }
    }
}

static void fill_pscs(mmu_t *mmu, uint64_t la, const mmu_walk_trace_t *tr, mmu_cycle_t ready)
{
    /* SDM 4.10.3.1: only entries that reference a table, are present, have no
     * reserved bit set and have A=1 (the walk set it) are cached; leaves never. */
    for (unsigned i = 0; i + 1 < tr->n; i++) {
        const unsigned l = tr->level[i];
        if (l < 2 || !mmu->psc[l].sets)
            continue;
        mmu_tlb_entry_t e = {.frame = tr->entry[i] & mmu->walker.frame_mask,
                             .ready_at = ready,
                             .pcid = mmu->pcid,
                             .granule = (uint8_t)(l - 1),
                             .perms = tr->perms[i]};
        mmu->cnt.psc[l - 2][1]++;
        if (mmu_tlb_fill(&mmu->psc[l], la, &e, NULL))
            mmu->cnt.psc[l - 2][2]++;
    }
}

static unsigned log2_bucket(uint64_t v)
{
    unsigned b = 0;
    while (v > 1 && b + 1 < MMU_WALK_HIST_BUCKETS) {
        v >>= 1;
        b++;
    }
    return b;
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

/* A walk by cfg.walk_cb, turned into what the built-in walker returns. */
static int external_walk(mmu_t *mmu, const mmu_req_t *req, const mmu_walk_start_t *start,
                         mmu_cycle_t t0, mmu_walk_trace_t *tr, mmu_result_t *res)
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
        tr->level[i] = (uint8_t)(start->level - i);
        tr->entry[i] = o.entry[i];
        tr->perms[i] = o.entry_perms[i];
    }
    tr->reads = o.reads;
    tr->updates = o.updates;
    tr->cycles = o.cycles;
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
                                    j->start_perms};
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
static void coalesce(mmu_t *mmu, uint64_t la, const mmu_walk_start_t *start,
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

/* Out of line on purpose: inlined, its frame and saved registers would be paid
 * by every L1 hit, the simulator's common case. */
static __attribute__((noinline)) int walk(mmu_t *mmu, const mmu_req_t *req, mmu_cycle_t t,
                                          unsigned side, walk_kind_t kind, mmu_result_t *res)
{
    const uint64_t la = req->la;
    mmu_walk_start_t start = {mmu->mode.levels, mmu->mode.root, MMU_PERM_W | MMU_PERM_U};
    mmu_cycle_t ready = t;

    /* SDM 4.10.3.2: the deepest PSC hit gives the table to start from. */
    res->lat_psc = mmu->psc_lat;
    t += mmu->psc_lat;
    res->psc_level = 0;
    for (unsigned l = 2; l <= mmu->mode.levels; l++) {
        if (!mmu->psc[l].sets)
            continue;
        mmu_tlb_entry_t *e = mmu_tlb_lookup(&mmu->psc[l], la, mmu->pcid);
        if (e) {
            start.level = l - 1;
            start.table = e->frame;
            start.perms = e->perms;
            res->psc_level = (uint8_t)l;
            ready = e->ready_at;
            mmu->cnt.psc[l - 2][0]++;
            break;
        }
    }
    if (!res->psc_level)
        mmu->st.psc_misses++;

    /* The earliest free walker takes the miss; it also waits for a PSC entry
     * whose own walk is still in flight. */
    unsigned wi = 0;
    for (unsigned i = 1; i < mmu->cfg.walkers; i++)
        if (mmu->busy_until[i] < mmu->busy_until[wi])
            wi = i;
    mmu_cycle_t begin = t;
    if (mmu->busy_until[wi] > begin)
        begin = mmu->busy_until[wi];
    if (ready > begin)
        begin = ready;
    res->lat_wait += (uint32_t)(begin - t);
    mmu->st.walk_wait_cycles += begin - t;

    mmu_walk_trace_t tr;
    int rc = mmu->cfg.walk_cb ? external_walk(mmu, req, &start, begin, &tr, res)
                              : mmu_walker_walk(&mmu->walker, &mmu->mode, req, &start, begin, &tr, res);
    if (rc) /* external_walk has said why */
        return mmu->cfg.walk_cb ? rc : walk_failed(mmu, "mmu_translate", la, &tr, rc);
    const mmu_cycle_t end = begin + tr.cycles;
    mmu->busy_until[wi] = end;
    res->lat_walk = (uint32_t)tr.cycles;
    res->done_at = end;
    res->served = MMU_SERVED_WALK;

    mmu->cnt.walk_kind[kind]++;
    mmu->st.walk_cycles += tr.cycles;
    mmu->st.walk_reads += tr.reads;
    mmu->st.walk_ad_updates += tr.updates;
    mmu->st.walk_mem_refs += tr.reads + tr.updates;
    mmu->cnt.walk_lat[log2_bucket(tr.cycles)]++;
    mmu->cnt.walk_refs[tr.reads + tr.updates >= 8 ? 7 : (tr.reads + tr.updates) - 1]++;

    if (res->fault.kind != MMU_FAULT_NONE) {
        mmu->st.walks_fault++;
        count_fault(mmu, &res->fault);
        inv_after_pf(mmu, la);
        return 0;
    }
    mmu->cnt.walk_size[res->page_size]++;
    fill_pscs(mmu, la, &tr, end);
    if (mmu->data_lines)
        res->lat_data = mmu_memlat_data(&mmu->lat, res->pa);
    const uint64_t leaf = tr.entry[tr.n - 1];
    mmu_tlb_entry_t e = {.frame = res->pa & ~((1ull << (12 + 9 * res->page_size)) - 1),
                         .ready_at = end,
                         .pcid = mmu->pcid,
                         .page = res->page_size,
                         .granule = res->page_size,
                         .global = mmu->pge && (leaf & MMU_PTE_G),
                         .perms = res->perms,
                         .dirty = (leaf & MMU_PTE_D) != 0,
                         .pkey = res->pkey};
    if (mmu->coalesce && res->page_size == MMU_PAGE_4K)
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

/* Everything but the common L1 hit. */
static __attribute__((noinline)) int translate_slow(mmu_t *mmu, const mmu_req_t *req,
                                                    mmu_result_t *res)
{
    if (UNLIKELY(!mmu || !req || !res || req->version != MMU_REQ_VERSION))
        return bad_request(mmu, req, res);
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
        return 0;
    }
    const mmu_access_t type = (mmu_access_t)req->type;
    const unsigned side = type == MMU_ACC_FETCH ? SIDE_I : SIDE_D;
    const bool implicit = req->flags & MMU_REQ_IMPLICIT;
    const bool user_access = req->cpl == 3 && !implicit;

    mmu_cycle_t t = req->now + mmu->l1_lat[side];
    res->lat_l1 = mmu->l1_lat[side];
    unsigned lvl = side;
    mmu_tlb_entry_t *e = lookup_level(mmu->l1[side], req->la, mmu->pcid);
    if (UNLIKELY(!e)) {
        mmu->cnt.misses[side]++;
        t += mmu->l2_lat;
        res->lat_l2 = mmu->l2_lat;
        lvl = 2;
        e = lookup_level(mmu->l2, req->la, mmu->pcid);
        if (!e)
            mmu->cnt.misses[2]++;
    }
    if (e) {
        const unsigned g = e->granule;
        mmu->cnt.tlb[lvl][mmu->cnt_size[g]][CNT_HITS]++;
        if (UNLIKELY(e->ready_at > t)) { /* the walk that fills it is still in flight */
            res->lat_wait = (uint32_t)(e->ready_at - t);
            t = e->ready_at;
            mmu->st.inflight_hits++;
        }
        /* SDM 4.6: rights may come from the TLB; the checks are redone on every
         * access because they depend on CPL and the control registers. */
        const mmu_pte_verdict_t v =
            mmu_pte_check(&mmu->mode.ctl, e->perms, e->pkey, type, user_access, implicit);
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
        return walk(mmu, req, t, side, v.allowed ? WALK_D_ASSIST : WALK_REWALK, res);
    }
    return walk(mmu, req, t, side, (req->flags & MMU_REQ_RETRY) ? WALK_RETRY : WALK_MISS, res);
}

/* The common case first: an L1 hit in the side's first array that the rights
 * allow, whose fill is complete. It is exactly what the general path does for
 * such a hit (lookup_level probes array 0 first, and array 0 holds only
 * 4 KiB entries), minus the work that cannot apply; anything else, a non-canonical
 * address included (it can match no entry), goes to translate_slow, which
 * probes again from the start: nothing here has changed any state by then. */
_Static_assert(offsetof(mmu_result_t, perms) == offsetof(mmu_result_t, page_size) + 1 &&
                   offsetof(mmu_result_t, pkey) == offsetof(mmu_result_t, page_size) + 2 &&
                   offsetof(mmu_result_t, global) == offsetof(mmu_result_t, page_size) + 3 &&
                   offsetof(mmu_tlb_entry_t, perms) == offsetof(mmu_tlb_entry_t, page) + 1 &&
                   offsetof(mmu_tlb_entry_t, pkey) == offsetof(mmu_tlb_entry_t, page) + 2 &&
                   offsetof(mmu_tlb_entry_t, global) == offsetof(mmu_tlb_entry_t, page) + 3,
               "a hit copies page, perms, pkey and global as one word");

int mmu_translate(mmu_t *mmu, const mmu_req_t *req, mmu_result_t *res)
{
    if (UNLIKELY(!mmu || !req || !res || req->version != MMU_REQ_VERSION))
        return bad_request(mmu, req, res);
    const unsigned type = req->type, cpl = req->cpl;
    const l1_fast_t *f = &mmu->fast[type == MMU_ACC_FETCH ? SIDE_I : SIDE_D];
    mmu_tlb_entry_t *const e = f->e;
    if (UNLIKELY(!e || type > MMU_ACC_FETCH || cpl > 3))
        return translate_slow(mmu, req, res);
    const uint64_t la = req->la, vpn = la >> 12;
    const unsigned ways = f->ways;
    const size_t base = (size_t)((unsigned)vpn & f->set_mask) * ways;
    const uint16_t pcid = mmu->pcid;
    for (unsigned w = 0; w < ways; w++) {
        const mmu_tlb_entry_t *x = &e[base + w];
        if (x->vpn != vpn || !(x->global | (x->pcid == pcid)))
            continue;
        const uint32_t lat = f->lat;
        const mmu_cycle_t done = req->now + lat;
        const unsigned idx = ALLOW_IDX(type, cpl == 3, req->flags & MMU_REQ_IMPLICIT, x->perms);
        uint32_t *const clock = f->clock;
        if (UNLIKELY(x->ready_at > done || !((mmu->allow[idx] >> x->pkey) & 1) ||
                     (type == MMU_ACC_WRITE && !x->dirty) || *clock == UINT32_MAX))
            break; /* in flight, denied, a D assist or a clock wrap: the long way */
        f->stamp[base + w] = ++*clock;
        ++*f->hits;
        const uint64_t pa = x->frame | (la & 0xfff);
        uint32_t info;
        memcpy(&info, &x->page, 4);
        memset(res, 0, sizeof *res);
        res->pa = pa;
        memcpy(&res->page_size, &info, 4);
        res->done_at = done;
        res->lat_l1 = lat;
        if (UNLIKELY(mmu->data_lines)) /* the data line after the translation */
            res->lat_data = mmu_memlat_data(&mmu->lat, pa);
        _Static_assert(MMU_SERVED_L1 == 0, "served is left as memset wrote it");
        return 0;
    }
    return translate_slow(mmu, req, res);
}

void mmu_batch_view(const mmu_t *mmu, mmu_batch_view_t *v)
{
    *v = (mmu_batch_view_t){.l1 = {mmu->l1[SIDE_I], mmu->l1[SIDE_D]},
                            .l2 = mmu->l2,
                            .psc = mmu->psc,
                            .mode = &mmu->mode,
                            .walker = &mmu->walker,
                            .lat = &mmu->lat,
                            .pcid = mmu->pcid};
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
    out->translations += c->fast_hits[SIDE_I] + c->fast_hits[SIDE_D];
    uint64_t *const lvl[3] = {&out->l1i_lookups, &out->l1d_lookups, &out->l2_lookups};
    for (int l = 0; l < 3; l++) {
        /* lookups, hits, misses, splinters, then {hits, fills, evictions} per size */
        uint64_t *f = lvl[l];
        uint64_t hits = 0;
        for (int g = 0; g < 3; g++) {
            for (int k = 0; k < 3; k++)
                f[4 + 3 * g + k] = c->tlb[l][g][k];
            if (l < 2 && g == MMU_PAGE_4K)
                f[4 + CNT_HITS] += c->fast_hits[l];
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
    memset(mmu->lat.hits, 0, sizeof mmu->lat.hits);
    mmu->lat.dram = 0;
    memset(mmu->lat.data_hits, 0, sizeof mmu->lat.data_hits);
    mmu->lat.data_dram = 0;
}
