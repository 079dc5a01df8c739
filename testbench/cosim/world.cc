/* SPDX-License-Identifier: Apache-2.0 */
/* Random worlds for the co-simulation (see world.h). */
#include "world.h"

#include "mmu/mmu_mem.h"

namespace cosim {

uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t mask(unsigned hi, unsigned lo)
{
    const uint64_t upto = hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1;
    return upto & ~((1ull << lo) - 1);
}

static uint64_t sign_extend(uint64_t la, unsigned levels)
{
    const unsigned top = levels == 5 ? 56 : 47;
    return ((la >> top) & 1) ? la | mask(63, top) : la & mask(top, 0);
}

static bool canonical(uint64_t la, unsigned width)
{
    const uint64_t hi = la >> (width - 1);
    return hi == 0 || hi == (~0ull >> (width - 1));
}

/* Table frames come from a few regions spread over the whole physical space
 * (so high address bits are exercised) and are distinct, so no entry is
 * reached twice in one walk. */
static uint64_t alloc_table(world &w, rng &r)
{
    for (;;) {
        const uint64_t region = w.regions[r.range(0, w.regions.size() - 1)];
        const uint64_t f = (region >> 12) + r.range(0, (1u << (kRegionShift - 12)) - 1);
        if (f && w.frames.insert(f).second)
            return f << 12;
    }
}

static void put(world &w, uint64_t pa, uint64_t v)
{
    w.words[pa] = v;
    w.entries.push_back(pa);
}

static uint64_t random_flag_bits(world &w, rng &r, bool leaf)
{
    /* Most worlds give tables the permissive rights an OS gives them, so the
     * leaf decides; the others are hostile at every level. */
    const bool lax = !leaf && w.lax_tables;
    uint64_t v = 0;
    if (r.chance(lax ? 95 : w.p_rw))
        v |= MMU_PTE_RW;
    if (r.chance(lax ? 92 : w.p_us))
        v |= MMU_PTE_US;
    if (r.chance(20))
        v |= MMU_PTE_PWT;
    if (r.chance(20))
        v |= MMU_PTE_PCD;
    if (r.chance(50))
        v |= MMU_PTE_A;
    if (r.chance(50))
        v |= MMU_PTE_D;
    if (r.chance(30))
        v |= MMU_PTE_G;
    v |= (r.u64() & 7) << 9;                 /* ignored */
    if (r.chance(30))
        v |= (r.u64() & 0x7f) << 52;         /* ignored (62:59: the key) */
    v |= (r.u64() & 0xf) << 59;
    if (r.chance(lax ? w.p_xd / 3 : w.p_xd))
        v |= MMU_PTE_XD;
    return v;
}

/* Maybe one reserved bit that fits the entry (SDM tables 4-15..4-20). */
static uint64_t maybe_reserved(world &w, rng &r, unsigned level, bool leaf)
{
    if (!r.chance_per_mille(w.p_reserved_pm))
        return 0;
    uint64_t choice[4];
    unsigned n = 0;
    if (w.maxphyaddr < 52)
        choice[n++] = 1ull << r.range(w.maxphyaddr, 51);
    if (level >= 4)
        choice[n++] = MMU_PTE_PS;
    if (leaf && level == 3)
        choice[n++] = 1ull << r.range(13, 29);
    if (leaf && level == 2)
        choice[n++] = 1ull << r.range(13, 20);
    if (!(w.ctrl.efer & MMU_EFER_NXE))
        choice[n++] = MMU_PTE_XD;
    return n ? choice[r.range(0, n - 1)] : 0;
}

static void map_target(world &w, rng &r, uint64_t la)
{
    uint64_t table = w.root;
    const uint64_t frames = 1ull << (w.maxphyaddr - 12);
    for (unsigned level = w.levels; level >= 1; --level) {
        const uint64_t epa = table | (((la >> (12 + 9 * (level - 1))) & 0x1ff) << 3);
        auto it = w.child_table.find(epa);
        if (it != w.child_table.end()) {
            table = it->second;
            continue;
        }
        if (w.words.count(epa))
            return; /* a leaf or junk is already there */
        const bool leaf = level == 1 || (level == 3 && r.chance(w.p_1g)) ||
                          (level == 2 && r.chance(w.p_2m));
        uint64_t v = random_flag_bits(w, r, leaf);
        if (!r.chance(w.p_present)) {
            /* Not present: every other bit is software's (SDM 4.5: ignored). */
            put(w, epa, r.u64() & ~MMU_PTE_P);
            return;
        }
        v |= MMU_PTE_P;
        if (leaf) {
            if (level == 1) {
                v |= r.range(0, frames - 1) << 12;
                /* Neighbours in the same page table, so that accesses to
                 * nearby pages miss the TLBs and walk from a PDE-cache hit. */
                const unsigned extra = r.chance(70) ? static_cast<unsigned>(r.range(1, 24)) : 0;
                for (unsigned k = 0; k < extra; k++) {
                    const uint64_t idx = r.range(0, 511);
                    const uint64_t npa = table | (idx << 3);
                    if (npa == epa || w.words.count(npa))
                        continue;
                    w.targets.push_back((la & ~mask(20, 12)) | (idx << 12));
                    uint64_t nv = random_flag_bits(w, r, true) | (r.range(0, frames - 1) << 12);
                    nv |= r.chance(w.p_present) ? MMU_PTE_P : 0;
                    put(w, npa, nv | maybe_reserved(w, r, 1, true));
                }
            } else {
                const unsigned shift = level == 2 ? 21 : 30;
                v |= MMU_PTE_PS | (r.range(0, (frames >> (shift - 12)) - 1) << shift);
                if (r.chance(50))
                    v |= 1ull << 12; /* PAT */
            }
            v |= maybe_reserved(w, r, level, true);
            put(w, epa, v);
            return;
        }
        /* PS is 0 in a non-leaf PDPTE/PDE, reserved in a PML4E/PML5E. */
        const uint64_t child = alloc_table(w, r);
        v |= child | maybe_reserved(w, r, level, false);
        put(w, epa, v);
        w.child_table[epa] = child;
        table = child;
    }
}

world make_world(rng &r, unsigned levels, unsigned maxphyaddr)
{
    world w;
    w.levels = levels;
    w.maxphyaddr = maxphyaddr;
    const uint64_t nregions = 1ull << (maxphyaddr - kRegionShift);
    const unsigned want = static_cast<unsigned>(r.range(1, 4));
    for (unsigned i = 0; i < want; i++)
        w.regions.push_back((r.chance(30) ? r.range(0, 3) : r.range(0, nregions - 1)) << kRegionShift);

    mmu_ctrl_t &c = w.ctrl;
    c.cr0 = (1ull << 31) | 1ull | (r.chance(60) ? MMU_CR0_WP : 0);
    c.cr4 = 1ull << 5;
    if (levels == 5)
        c.cr4 |= MMU_CR4_LA57;
    if (r.chance(50))
        c.cr4 |= MMU_CR4_PGE;
    if (r.chance(40))
        c.cr4 |= MMU_CR4_PCIDE;
    if (r.chance(40))
        c.cr4 |= MMU_CR4_SMEP;
    if (r.chance(50))
        c.cr4 |= MMU_CR4_SMAP;
    if (r.chance(50))
        c.cr4 |= MMU_CR4_PKE;
    if (r.chance(40))
        c.cr4 |= MMU_CR4_PKS;
    c.efer = (1ull << 8) | (1ull << 10) | (r.chance(70) ? MMU_EFER_NXE : 0);
    c.rflags = 0x2 | (r.chance(50) ? MMU_RFLAGS_AC : 0);
    c.pkru = random_key_register(r);
    c.pkrs = random_key_register(r);

    w.lax_tables = r.chance(75);
    w.p_present = static_cast<unsigned>(r.range(92, 99));
    w.p_rw = static_cast<unsigned>(r.range(60, 95));
    w.p_us = static_cast<unsigned>(r.range(50, 95));
    w.p_xd = (c.efer & MMU_EFER_NXE) ? 15 : 1;
    w.p_reserved_pm = r.chance(30) ? 0 : 30;
    w.p_1g = r.chance(50) ? 25 : 0;
    w.p_2m = r.chance(60) ? 30 : 0;

    w.root = alloc_table(w, r);
    c.cr3 = w.root;
    if (c.cr4 & MMU_CR4_PCIDE) {
        c.cr3 |= r.range(0, 0xfff);
    } else {
        if (r.chance(30))
            c.cr3 |= MMU_CR3_PWT;
        if (r.chance(30))
            c.cr3 |= MMU_CR3_PCD;
    }

    const unsigned top = levels == 5 ? 56 : 47;
    const unsigned ntargets = static_cast<unsigned>(r.range(3, 24));
    for (unsigned i = 0; i < ntargets; i++) {
        uint64_t la;
        const uint64_t pick = r.range(0, 9);
        if (pick < 2 || w.targets.empty()) {
            la = sign_extend(r.u64(), levels);
        } else if (pick == 2) {
            la = r.chance(50) ? (mask(top - 1, 0) & ~0xfffull) : mask(63, top);
        } else {
            /* Share the levels above keep_from with an earlier target. */
            const uint64_t base = w.targets[r.range(0, w.targets.size() - 1)];
            const unsigned keep_from = static_cast<unsigned>(r.range(1, levels - 1));
            const uint64_t low = mask(12 + 9 * keep_from - 1, 12);
            la = sign_extend((base & ~low) | (r.u64() & low), levels);
        }
        la &= ~0xfffull;
        w.targets.push_back(la);
        map_target(w, r, la);
    }
    return w;
}

mmu_req_t make_request(world &w, rng &r)
{
    mmu_req_t q = MMU_REQ_INIT;
    const unsigned top = w.levels == 5 ? 56 : 47;
    const uint64_t pick = r.range(0, 99);
    if (pick < 15 && w.last_la) {
        /* The same page again: TLB hits, faults from cached rights, and
         * writes through entries cached with D = 0 (D-assists). */
        q.la = (w.last_la & ~0xfffull) | (r.u64() & 0xff8);
    } else if (pick < 84) {
        const uint64_t t = w.targets[r.range(0, w.targets.size() - 1)];
        const uint64_t p2 = r.range(0, 99);
        const uint64_t low = p2 < 80 ? mask(11, 0) : p2 < 94 ? mask(20, 0) : mask(29, 0);
        q.la = (t & ~low) | (r.u64() & low);
    } else if (pick < 89) {
        if (r.chance(50)) {
            const uint64_t t = w.targets[r.range(0, w.targets.size() - 1)];
            q.la = t ^ (1ull << r.range(top, 63));
        } else {
            do
                q.la = r.u64();
            while (canonical(q.la, top + 1));
        }
    } else if (pick < 94) {
        static const int64_t kDelta[] = {-8, -1, 0, 1, 8};
        const uint64_t d = static_cast<uint64_t>(kDelta[r.range(0, 4)]);
        uint64_t edge;
        switch (r.range(0, 3)) {
        case 0: edge = 1ull << top; break;
        case 1: edge = mask(63, top); break;
        case 2: edge = 1ull << 47; break;
        default: edge = mask(63, 56); break;
        }
        q.la = edge + d;
    } else {
        q.la = sign_extend(r.u64(), w.levels);
    }
    w.last_la = q.la;
    q.type = static_cast<uint8_t>(r.range(0, 2));
    const uint64_t c = r.range(0, 99);
    q.cpl = static_cast<uint8_t>(c < 40 ? 0 : c < 50 ? r.range(1, 2) : 3);
    q.flags = r.chance(12) ? MMU_REQ_IMPLICIT : 0;
    return q;
}

uint32_t random_key_register(rng &r)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 16; i++) {
        if (r.chance(20))
            v |= 1u << (2 * i);
        if (r.chance(30))
            v |= 1u << (2 * i + 1);
    }
    return v;
}

static mmu_array_cfg_t arr(rng &r, unsigned entries, unsigned sizes)
{
    mmu_array_cfg_t a{};
    a.entries = entries;
    if (!entries)
        return a;
    /* ways: a power of two dividing entries (1 .. fully associative) */
    unsigned ways = 1u << r.range(0, 4);
    while (ways > entries)
        ways >>= 1;
    a.ways = ways;
    a.sizes = sizes;
    a.repl = static_cast<unsigned>(r.range(0, 3));
    a.index = r.chance(25) ? MMU_INDEX_XOR : MMU_INDEX_LOW;
    a.index_bits = 0;
    return a;
}

mmu_config_t make_config(rng &r, unsigned maxphyaddr, unsigned page_1g, unsigned ad_on_fault,
                         unsigned retry_limit, unsigned level_latency, mmu_memlat_fn cb, void *cb_ctx)
{
    mmu_config_t c;
    mmu_config_init(&c);
    c.maxphyaddr = maxphyaddr;
    c.page_1g = page_1g;
    c.ad_on_fault = ad_on_fault;
    c.ad_retry_limit = retry_limit;
    c.walk_level_latency = level_latency;
    c.seed = r.u64();
    /* Small TLBs: with dozens of pages per world they miss by capacity, and
     * those misses walk from paging-structure-cache hits. */
    static const unsigned kSmall[] = {2, 4, 8, 16};
    auto pick = [&](const unsigned *v, unsigned n) { return v[r.range(0, n - 1)]; };
    for (mmu_tlb_cfg_t *t : {&c.l1i, &c.l1d}) {
        *t = mmu_tlb_cfg_t{};
        if (r.chance(25)) { /* one array for every size (AMD style) */
            t->arr[0] = arr(r, pick(kSmall, 4), MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G);
        } else {
            t->arr[0] = arr(r, pick(kSmall, 4), MMU_SIZE_4K);
            t->arr[1] = arr(r, r.chance(70) ? pick(kSmall, 3) : 0, MMU_SIZE_2M);
            t->arr[2] = arr(r, r.chance(50) ? 4 : 0, MMU_SIZE_1G);
        }
        t->latency = static_cast<unsigned>(r.range(1, 2));
    }
    c.l2 = mmu_tlb_cfg_t{};
    if (r.chance(65)) {
        static const unsigned kL2[] = {8, 16, 32, 64};
        c.l2.arr[0] = arr(r, pick(kL2, 4), MMU_SIZE_4K | MMU_SIZE_2M);
        c.l2.arr[1] = arr(r, r.chance(60) ? 8 : 0, MMU_SIZE_1G);
        c.l2.latency = static_cast<unsigned>(r.range(1, 9));
    }
    c.l2_inclusive = r.chance(30);
    static const unsigned kPsc[] = {0, 2, 4, 8, 16};
    for (unsigned l = 2; l <= 5; l++) {
        c.psc[l].arr = arr(r, r.chance(15) ? 0 : pick(kPsc, 5), 0);
        c.psc[l].latency = static_cast<unsigned>(r.range(1, 2));
    }
    c.walkers = static_cast<unsigned>(r.range(1, 2));
    c.fault_rewalk = r.chance(25);
    /* Page-table fetch latency: mostly short (the RTL runs edge by edge, and
     * short latencies stress its handshakes most), sometimes DRAM-like. */
    c.memlat_line = 8u << r.range(0, 4);
    c.memlat[0] = {8u << r.range(0, 3), 1u << r.range(0, 2), static_cast<unsigned>(r.range(2, 5)), 0, 0};
    c.memlat[1] = r.chance(60) ? mmu_memlat_level_cfg_t{64, 4, static_cast<unsigned>(r.range(6, 14)), 0, 0}
                               : mmu_memlat_level_cfg_t{0, 0, 0, 0, 0};
    c.memlat[2] = r.chance(40) ? mmu_memlat_level_cfg_t{256, 8, static_cast<unsigned>(r.range(15, 40)), 0, 0}
                               : mmu_memlat_level_cfg_t{0, 0, 0, 0, 0};
    c.dram_latency = r.chance(10) ? static_cast<unsigned>(r.range(100, 250))
                                  : static_cast<unsigned>(r.range(2, 60));
    c.rmw_latency = static_cast<unsigned>(r.range(0, 20));
    if (cb && r.chance(20)) {
        c.memlat_cb = cb;
        c.memlat_ctx = cb_ctx;
    }
    return c;
}

} // namespace cosim
