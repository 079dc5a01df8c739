/* SPDX-License-Identifier: Apache-2.0 */
/* Reclaim (Linux mm/vmscan.c and the allocator's slow path, simplified):
 * allocation against the min / low / high watermarks, kswapd, direct reclaim,
 * taking one page back (swap-out, dropping, write-back), the write-back
 * completions that free pages, and the OOM killer.
 *
 * Time: direct reclaim runs in the faulting access's context and its cost
 * (pages looked at, PTEs unmapped, 2M splits, zswap compression) is added to
 * the stream's clock, as are waits for a write-back to free a frame. kswapd
 * runs on another core with a clock of its own: it is woken when free memory
 * drops below low and, whenever the stream's clock is past its own, reclaims
 * rounds of reclaim_batch pages until free memory (with the pages being
 * written) reaches high, or a round frees nothing. Its work is counted, not
 * charged to the stream; its invalidations of the stream's TLB are
 * shootdowns. Writes go to the device queue when submitted; a page being
 * written is freed when the write completes (as end_page_writeback lets
 * reclaim free it), unless something mapped it again meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os_impl.h"

int os_split_thp(mmu_aspace_t *as, uint32_t id, int who);
void os_tick(mmu_aspace_t *as);

static uint64_t isqrt(uint64_t x)
{
    uint64_t r = 0, b = 1ull << 62;
    while (b > x)
        b >>= 2;
    while (b) {
        if (x >= r + b) {
            x -= r + b;
            r = (r >> 1) + b;
        } else {
            r >>= 1;
        }
        b >>= 2;
    }
    return r;
}

void mmu_aspace_watermarks(const mmu_aspace_cfg_t *cfg, uint64_t *min, uint64_t *low,
                           uint64_t *high)
{
    uint64_t frames = cfg->mem_bytes >> 12;
    *min = *low = *high = 0;
    if (!frames || cfg->wmark_mode == MMU_WMARK_NONE)
        return;
    if (cfg->wmark_mode == MMU_WMARK_SET) {
        *min = cfg->wmark_min;
        *low = cfg->wmark_low;
        *high = cfg->wmark_high;
        return;
    }
    /* Linux: min_free_kbytes = sqrt(16 * KiB of memory), within [128, 262144];
     * low and high are min plus one and two steps of max(min / 4, memory *
     * watermark_scale_factor (10) / 10000). */
    uint64_t kb = isqrt((cfg->mem_bytes >> 10) * 16);
    kb = kb < 128 ? 128 : kb > 262144 ? 262144 : kb;
    uint64_t m = kb >> 2, step = m / 4 > frames * 10 / 10000 ? m / 4 : frames * 10 / 10000;
    /* A very small memory would be mostly reserve under the 128 KiB floor:
     * there, min is 1/16 of memory instead. */
    if (4 * (m + 2 * step) > frames) {
        m = frames / 16;
        step = m / 4 ? m / 4 : 1;
    }
    *min = m;
    *low = m + step;
    *high = m + 2 * step;
}

/* ---- the policy and the reverse map ---- */

static unsigned young_cb(void *ctx, uint32_t id, int clear);



void os_lru_add(mmu_aspace_t *as, uint32_t id, unsigned flags)
{
    os_page_t *g = &as->pages[id];
    if (g->flags & PGF_LRU)
        return;
    if (g->state == PG_FILE)
        flags |= MMU_REPL_FILE;
    if (g->flags & PGF_EXEC)
        flags |= MMU_REPL_EXEC;
    g->flags |= PGF_LRU;
    as->lru_pages++;
    as->repl->insert(as->repl_state, id, flags);
}

void os_lru_del(mmu_aspace_t *as, uint32_t id)
{
    os_page_t *g = &as->pages[id];
    if (!(g->flags & PGF_LRU))
        return;
    as->repl->remove(as->repl_state, id);
    g->flags &= (uint8_t)~PGF_LRU;
    as->lru_pages--;
}

int os_rmap_add(mmu_aspace_t *as, uint32_t id, unsigned q, uint64_t va, uint64_t ptepa)
{
    os_page_t *g = &as->pages[id];
    if (!g->ptepa) {
        g->proc = (uint16_t)q;
        g->va = va;
        g->ptepa = ptepa;
        return 0;
    }
    if (as->rmap_free == NIL32) {
        uint32_t cap = as->caprmap ? 2 * as->caprmap : 64;
        os_rmap_t *r = realloc(as->rmap, cap * sizeof *r);
        if (!r)
            return MMU_ENOMEM;
        as->rmap = r;
        for (uint32_t i = as->caprmap; i < cap; i++)
            r[i].next = i + 1 < cap ? i + 1 : NIL32;
        as->rmap_free = as->caprmap;
        as->caprmap = cap;
    }
    uint32_t n = as->rmap_free;
    as->rmap_free = as->rmap[n].next;
    as->rmap[n] = (os_rmap_t){va, ptepa, g->more, (uint16_t)q};
    g->more = n;
    return 0;
}

int os_rmap_del(mmu_aspace_t *as, uint32_t id, unsigned q, uint64_t va)
{
    os_page_t *g = &as->pages[id];
    if (g->ptepa && g->proc == q && g->va == va) {
        if (g->more != NIL32) {
            uint32_t n = g->more;
            g->proc = as->rmap[n].proc;
            g->va = as->rmap[n].va;
            g->ptepa = as->rmap[n].ptepa;
            g->more = as->rmap[n].next;
            as->rmap[n].next = as->rmap_free;
            as->rmap_free = n;
        } else {
            g->ptepa = 0;
        }
        return 1;
    }
    for (uint32_t *at = &g->more; *at != NIL32; at = &as->rmap[*at].next) {
        os_rmap_t *r = &as->rmap[*at];
        if (r->proc == q && r->va == va) {
            uint32_t n = *at;
            *at = r->next;
            as->rmap[n].next = as->rmap_free;
            as->rmap_free = n;
            return 1;
        }
    }
    return 0;
}

unsigned os_mapcount(const mmu_aspace_t *as, uint32_t id)
{
    const os_page_t *g = &as->pages[id];
    unsigned n = g->ptepa ? 1 : 0;
    for (uint32_t m = g->more; m != NIL32; m = as->rmap[m].next)
        n++;
    return n;
}

int os_refault_active(mmu_aspace_t *as, uint64_t shadow)
{
    /* mm/workingset.c: a page refaulting after fewer evictions and
     * activations than it competes with would have stayed with that much
     * more memory: it starts hot. It competes here with every page in the
     * policy (Linux: the active lists). */
    return shadow && as->age - shadow <= as->lru_pages;
}

/* ---- allocation ---- */

static void wb_push(mmu_aspace_t *as, uint32_t id, mmu_cycle_t done)
{
    if (as->nwb == as->capwb) {
        uint32_t cap = as->capwb ? 2 * as->capwb : 256;
        os_wb_t *w = realloc(as->wb, cap * sizeof *w);
        if (!w) {
            /* No room to remember it: the write is taken as done now. */
            as->pages[id].flags &= (uint8_t)~PGF_WB;
            return;
        }
        as->wb = w;
        as->capwb = cap;
    }
    uint32_t i = as->nwb++;
    while (i > 0 && as->wb[(i - 1) / 2].done > done) {
        as->wb[i] = as->wb[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    as->wb[i] = (os_wb_t){done, id};
}

static os_wb_t wb_pop(mmu_aspace_t *as)
{
    os_wb_t top = as->wb[0], last = as->wb[--as->nwb];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= as->nwb)
            break;
        if (c + 1 < as->nwb && as->wb[c + 1].done < as->wb[c].done)
            c++;
        if (as->wb[c].done >= last.done)
            break;
        as->wb[i] = as->wb[c];
        i = c;
    }
    if (as->nwb)
        as->wb[i] = last;
    return top;
}

static void wb_complete(mmu_aspace_t *as, mmu_cycle_t t)
{
    while (as->nwb && as->wb[0].done <= t) {
        os_wb_t w = wb_pop(as);
        as->pages[w.page].flags &= (uint8_t)~PGF_WB;
        os_page_maybe_free(as, w.page);
    }
}

void os_free(mmu_aspace_t *as, mmu_page_size_t ps, uint32_t id)
{
    uint32_t n = ps == MMU_PAGE_2M ? 512 : 1;
    if (as->pages[id].state == PG_ANON || as->pages[id].state == PG_FILE)
        as->data_frames -= n;
    for (uint32_t i = 0; i < n; i++)
        as->pages[id + i].state = PG_FREE;
    as->pages[id].flags = 0;
    mmu_physmem_free(as->pm, ps, id);
}

void os_page_maybe_free(mmu_aspace_t *as, uint32_t id)
{
    os_page_t *g = &as->pages[id];
    if ((g->flags & (PGF_LRU | PGF_WB)) || os_mapcount(as, id))
        return;
    if (g->state == PG_ANON) {
        if (g->slot != MMU_SWP_NONE) {
            mmu_swap_cache_del(as->swap, g->slot);
            as->swapcache_pages--;
        }
        g->slot = MMU_SWP_NONE;
        if (g->flags & PGF_LARGE) {
            if (g->deposit != NIL32) {
                os_free(as, MMU_PAGE_4K, g->deposit);
                as->table_frames--;
                as->procs[g->proc].tables--;
            }
            os_free(as, MMU_PAGE_2M, id);
        } else {
            os_free(as, MMU_PAGE_4K, id);
        }
    } else if (g->state == PG_FILE) {
        mmu_filemap_entry_t *e = mmu_filemap_find(as->fm, g->file, g->pgoff);
        if (e && e->page == id) {
            e->page = MMU_FILEMAP_NOPAGE;
            mmu_filemap_note(as->fm, -1);
        }
        os_free(as, MMU_PAGE_4K, id);
    }
}

/* ---- taking pages back ---- */

static mmu_cycle_t *clock_of(mmu_aspace_t *as, int who)
{
    return who == WHO_DIRECT ? &as->now : &as->kclock;
}

static void spend(mmu_aspace_t *as, int who, uint64_t ns)
{
    mmu_cycle_t c = os_cycles(as, ns);
    *clock_of(as, who) += c;
    if (who == WHO_DIRECT)
        as->st.reclaim_cycles += c;
    else
        as->st.kswapd_cycles += c;
}



typedef struct scan_ctx {
    mmu_aspace_t *as;
    int who;
} scan_ctx_t;

/* The A bits of every PTE mapping the page, read (and cleared) in the page
 * tables the MMU walks. Clearing does not invalidate the TLB entry unless
 * flush_young is set: as x86 Linux's ptep_clear_flush_young, a stale entry
 * only delays the next A = 1. */
static unsigned young_cb(void *ctx, uint32_t id, int clear)
{
    scan_ctx_t *c = ctx;
    mmu_aspace_t *as = c->as;
    os_page_t *g = &as->pages[id];
    unsigned n = 0;
    uint32_t m = NIL32;
    uint64_t ptepa = g->ptepa, va = g->va;
    unsigned q = g->proc;
    while (ptepa) {
        uint64_t e;
        if (mmu_sparse_mem_read64(as->mem, ptepa, &e) == 0 && (e & MMU_PTE_P) && (e & MMU_PTE_A)) {
            n++;
            if (clear) {
                mmu_sparse_mem_write64(as->mem, ptepa, e & ~MMU_PTE_A);
                if (as->cfg.flush_young) {
                    os_inval(as, q, va, c->who);
                    as->st.young_flushes++;
                }
            }
        }
        m = m == NIL32 ? g->more : as->rmap[m].next;
        if (m == NIL32)
            break;
        ptepa = as->rmap[m].ptepa, va = as->rmap[m].va, q = as->rmap[m].proc;
    }
    return n;
}

static int mappers_dirty(mmu_aspace_t *as, uint32_t id)
{
    os_page_t *g = &as->pages[id];
    uint64_t e;
    if (g->ptepa && mmu_sparse_mem_read64(as->mem, g->ptepa, &e) == 0 && (e & MMU_PTE_D))
        return 1;
    for (uint32_t m = g->more; m != NIL32; m = as->rmap[m].next)
        if (mmu_sparse_mem_read64(as->mem, as->rmap[m].ptepa, &e) == 0 && (e & MMU_PTE_D))
            return 1;
    return 0;
}

/* Unmap every PTE of the page, writing `pte` in its place (a swap entry or
 * 0), each with the invalidation it needs. Returns how many. */
static unsigned unmap_all(mmu_aspace_t *as, uint32_t id, uint64_t pte, int who)
{
    os_page_t *g = &as->pages[id];
    unsigned n = 0;
    while (g->ptepa) {
        unsigned q = g->proc;
        uint64_t va = g->va;
        mmu_sparse_mem_write64(as->mem, g->ptepa, pte);
        os_rmap_del(as, id, q, va);
        proc_t *p = &as->procs[q];
        p->rss--;
        if (pte) {
            mmu_swap_dup(as->swap, mmu_pte_to_swp(pte));
            p->swapents++;
        }
        os_inval(as, q, va, who);
        n++;
    }
    return n;
}

/* Take page id back: 1 when it is freed or being written, 0 when it cannot be
 * (no swap slot for an anonymous page, or a write still running). */
static int reclaim_one(mmu_aspace_t *as, uint32_t id, int who)
{
    os_page_t *g = &as->pages[id];
    if (g->flags & PGF_WB)
        return 0;
    int dirty = (g->flags & PGF_DIRTY) || mappers_dirty(as, id);
    mmu_cycle_t *clk = clock_of(as, who);
    unsigned unmapped;
    if (g->state == PG_ANON) {
        if (g->slot == MMU_SWP_NONE) {
            mmu_swp_t e;
            if (!as->swap || mmu_swap_alloc(as->swap, id, &e))
                return 0;
            g->slot = e;
            as->swapcache_pages++;
            dirty = 1;
        }
        mmu_swp_t e = g->slot;
        unmapped = unmap_all(as, id, mmu_swp_to_pte(e), who);
        spend(as, who, unmapped * as->cfg.unmap_ns);
        mmu_swap_set_shadow(as->swap, e, ++as->age);
        mmu_swap_set_stamp(as->swap, e, g->win);
        if (dirty) {
            mmu_blkdev_t *d = mmu_swap_dev(as->swap, e);
            mmu_swap_set_token(as->swap, e, g->token);
            mmu_cycle_t done = mmu_blkdev_submit(d, *clk, 1, 1);
            if (!d->cfg.queued)
                spend(as, who, d->cfg.write_ns); /* zswap: the reclaimer compresses */
            g->flags = (uint8_t)((g->flags | PGF_WB) & ~PGF_DIRTY);
            g->wb_done = done;
            wb_push(as, id, done);
            as->st.swap_outs++;
        } else {
            as->st.clean_drops++;
        }
    } else {
        unmapped = unmap_all(as, id, 0, who);
        spend(as, who, unmapped * as->cfg.unmap_ns);
        mmu_filemap_entry_t *e = mmu_filemap_find(as->fm, g->file, g->pgoff);
        if (e) {
            e->shadow = ++as->age;
            e->stamp = g->win;
        }
        if (dirty && (g->flags & PGF_SHARED)) {
            if (e)
                e->token = g->token;
            mmu_cycle_t done = mmu_blkdev_submit(&as->filedev, *clk, 1, 1);
            g->flags = (uint8_t)((g->flags | PGF_WB) & ~PGF_DIRTY);
            g->wb_done = done;
            wb_push(as, id, done);
            as->st.writebacks++;
        } else {
            as->st.file_drops++;
        }
    }
    os_page_maybe_free(as, id);
    return 1;
}

/* One reclaim round: up to nr pages, chosen by the policy. */
static uint64_t shrink(mmu_aspace_t *as, uint64_t nr, int who)
{
    scan_ctx_t ctx = {as, who};
    mmu_repl_scan_t sc;
    memset(&sc, 0, sizeof sc);
    sc.ctx = &ctx;
    sc.young = young_cb;
    sc.anon_ok = as->swap && mmu_swap_used(as->swap) < mmu_swap_total(as->swap);
    sc.file_tiny = sc.anon_ok &&
                   mmu_filemap_resident(as->fm) + mmu_physmem_free_frames(as->pm) <= as->whigh;
    sc.now = as->access_idx;
    uint64_t reclaimed = 0, fails = 0, scanned = 0;
    while (reclaimed < nr) {
        uint32_t id;
        uint64_t before = sc.scanned + sc.aged;
        if (as->repl->evict(as->repl_state, &sc, &id))
            break;
        scanned = sc.scanned + sc.aged;
        spend(as, who, (scanned - before) * as->cfg.scan_ns);
        os_page_t *g = &as->pages[id];
        g->flags &= (uint8_t)~PGF_LRU;
        as->lru_pages--;
        if (g->flags & PGF_LARGE) {
            /* 2M pages are split first; their pieces go back to the policy,
             * to be looked at next. */
            if (os_split_thp(as, id, who) == 0) {
                spend(as, who, as->cfg.split_ns);
                continue;
            }
            os_lru_add(as, id, MMU_REPL_ROTATE);
            break;
        }
        if (reclaim_one(as, id, who)) {
            reclaimed++;
            continue;
        }
        os_lru_add(as, id, MMU_REPL_ROTATE);
        /* Every page picked so far was one reclaim cannot take: stop before
         * going round the policy forever. */
        if (++fails > as->lru_pages + 1)
            break;
    }
    as->age += sc.activated;
    as->st.activations += sc.activated;
    as->st.deactivations += sc.deactivated;
    as->st.aging_checks += sc.aged;
    if (who == WHO_DIRECT) {
        as->st.direct_scanned += sc.scanned;
        as->st.direct_reclaimed += reclaimed;
    } else {
        as->st.kswapd_scanned += sc.scanned;
        as->st.kswapd_reclaimed += reclaimed;
    }
    return reclaimed;
}

void os_tick(mmu_aspace_t *as)
{
    /* Periodic aging is background work (a kernel thread), not the stream's. */
    scan_ctx_t ctx = {as, WHO_KSWAPD};
    mmu_repl_scan_t sc;
    memset(&sc, 0, sizeof sc);
    sc.ctx = &ctx;
    sc.young = young_cb;
    sc.now = as->access_idx;
    as->repl->tick(as->repl_state, &sc);
    as->st.aging_checks += sc.aged;
    as->st.activations += sc.activated;
    as->age += sc.activated;
}

static void kswapd_run(mmu_aspace_t *as)
{
    while (as->kswapd_awake && as->kclock <= as->now) {
        if (mmu_physmem_free_frames(as->pm) + as->nwb >= as->whigh) {
            as->kswapd_awake = 0;
            break;
        }
        uint64_t n = shrink(as, as->cfg.reclaim_batch, WHO_KSWAPD);
        wb_complete(as, as->now);
        if (!n) {
            as->kswapd_awake = 0;
            break;
        }
    }
}

void os_catch_up(mmu_aspace_t *as)
{
    wb_complete(as, as->now);
    kswapd_run(as);
}

/* The OOM killer's choice (oom_badness): the live process with the most
 * resident pages + swap entries + page-table frames; the lowest number among
 * equals. NIL32 when no process holds anything. */
static unsigned oom_pick(const mmu_aspace_t *as)
{
    unsigned best = NIL32;
    uint64_t pts = 0;
    for (unsigned i = 0; i < as->cfg.nproc; i++) {
        const proc_t *p = &as->procs[i];
        uint64_t v = p->rss + p->swapents + p->tables;
        if (!p->killed && v > pts) {
            pts = v;
            best = i;
        }
    }
    return best;
}

static void init_page(mmu_aspace_t *as, uint32_t id, uint8_t state, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        os_page_t *g = &as->pages[id + i];
        memset(g, 0, sizeof *g);
        g->state = state;
        g->head = id + i;
        g->more = NIL32;
        g->deposit = NIL32;
        g->win = NIL32;
        g->slot = MMU_SWP_NONE;
    }
    if (state == PG_ANON || state == PG_FILE)
        as->data_frames += n;
}

int os_alloc(mmu_aspace_t *as, mmu_page_size_t ps, uint8_t state, int may_reclaim, uint32_t *id)
{
    uint64_t need = ps == MMU_PAGE_2M ? 512 : 1;
    os_catch_up(as);
    int below_min = 0;
    for (;;) {
        uint64_t fr = mmu_physmem_free_frames(as->pm);
        if (as->cfg.kswapd && fr < need + as->wlow && !as->kswapd_awake) {
            as->kswapd_awake = 1;
            if (as->kclock < as->now)
                as->kclock = as->now;
            as->st.kswapd_wakeups++;
        }
        if (fr >= need + as->wmin || (below_min && fr >= need)) {
            uint32_t f;
            if (mmu_physmem_alloc(as->pm, ps, &f))
                return MMU_ENOSPC;
            init_page(as, f, state, (uint32_t)need);
            *id = f;
            return 0;
        }
        if (ps != MMU_PAGE_4K || !may_reclaim)
            return MMU_ENOSPC;
        as->st.direct_reclaims++;
        uint64_t n = shrink(as, as->cfg.reclaim_batch, WHO_DIRECT);
        wb_complete(as, as->now);
        fr = mmu_physmem_free_frames(as->pm);
        if (fr >= need + as->wmin)
            continue;
        if (as->nwb) {
            /* Wait for the first write to finish (it frees a frame). */
            mmu_cycle_t t = as->wb[0].done;
            if (t > as->now) {
                as->st.reclaim_cycles += t - as->now;
                as->now = t;
            }
            as->st.writeback_waits++;
            wb_complete(as, as->now);
            continue;
        }
        if (n)
            continue;
        if (fr >= need) {
            /* Nothing more to reclaim: the reserve below min is the last
             * resort before the OOM killer. */
            below_min = 1;
            continue;
        }
        unsigned v = oom_pick(as);
        if (v == NIL32)
            return MMU_ENOSPC;
        const proc_t *p = &as->procs[v];
        mmu_aspace_event_t ev = {MMU_EV_OOM, (uint16_t)v, 0, as->access_idx ? as->access_idx - 1 : 0,
                                 0, p->rss, p->swapents, p->tables};
        if (as->nev_kind[MMU_EV_OOM] < MMU_ASPACE_MAX_EVENTS) {
            as->nev_kind[MMU_EV_OOM]++;
            as->events[as->nevents++] = ev;
        }
        as->st.oom_kills++;
        int was_current = v == as->cur;
        if (os_kill(as, v))
            return MMU_ENOSPC;
        if (was_current)
            return OS_KILLED;
    }
}

/* ---- set-up ---- */

int os_reclaim_init(mmu_aspace_t *as, char *msg, size_t len)
{
    mmu_aspace_watermarks(&as->cfg, &as->wmin, &as->wlow, &as->whigh);
    as->repl = mmu_repl_get(as->cfg.repl);
    as->env.npages = as->npages;
    as->env.swappiness = as->cfg.swappiness;
    as->env.tick = as->cfg.tick;
    as->env.ws_tau = as->cfg.ws_tau;
    as->env.lfu_decay = as->cfg.lfu_decay;
    as->env.future = as->cfg.future;
    int rc = as->repl->create(&as->env, &as->repl_state);
    if (rc && msg && len)
        snprintf(msg, len, "reclaim %s: %s", as->repl->name, mmu_strerror(rc));
    return rc;
}

void os_reclaim_fini(mmu_aspace_t *as)
{
    if (as->repl && as->repl_state)
        as->repl->destroy(as->repl_state);
    as->repl_state = NULL;
    free(as->wb);
    as->wb = NULL;
}
