/* SPDX-License-Identifier: Apache-2.0 */
// The cache stand-ins of model/memlat.c, through the public API
// (mmu_walk_latency, mmu_data_access): every access's latency and the level
// counters must equal those of a plain reference model of the same caches,
// written the obvious way below (every level's set scanned to find the line,
// scanned again to fill it, every use stamped). The model's faster scans and
// its shortcut for lines looked up again (memlat.h, memo) must not change a
// single replacement decision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_walk.h"

namespace {

struct RefLevel {
    unsigned sets = 0, ways = 0, latency = 0, plru = 0;
    bool victim = false, pair = false;
    std::vector<uint64_t> tag, stamp, tree;
    std::vector<unsigned> nvalid;
};

// The caches as cfg describes them: inclusive fills of every ordinary level
// that misses, victim levels filled with what the level above displaces,
// the pair line of the first pair level that missed, LRU or tree PLRU over
// groups ordered by LRU.
struct RefCaches {
    std::vector<RefLevel> lvl;
    std::vector<unsigned> level; // cfg index of each present level
    unsigned shift = 0, dram = 0, rmw = 0, walk_first = 0;
    uint64_t clock = 0;
    uint64_t hits[3] = {}, dram_n = 0, data_hits[3] = {}, data_dram = 0;

    explicit RefCaches(const mmu_config_t &cfg)
    {
        for (unsigned s = cfg.memlat_line; s > 1; s >>= 1)
            shift++;
        dram = cfg.dram_latency, rmw = cfg.rmw_latency;
        for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
            const mmu_memlat_level_cfg_t &c = cfg.memlat[i];
            if (!c.sets)
                continue;
            RefLevel l;
            l.sets = c.sets, l.ways = c.ways, l.latency = c.latency;
            l.victim = c.victim != 0, l.pair = c.pair != 0;
            l.plru = cfg.memlat_plru[i] > 1 ? cfg.memlat_plru[i] : 0;
            l.tag.assign(size_t(c.sets) * c.ways, 0);
            l.stamp.assign(size_t(c.sets) * c.ways, 0);
            l.tree.assign(c.sets, 0);
            l.nvalid.assign(c.sets, 0);
            if (i == 0 && cfg.walk_skip_l1)
                walk_first = 1;
            lvl.push_back(l);
            level.push_back(i);
        }
    }
    static void plru_use(RefLevel &l, size_t set, unsigned way)
    {
        const unsigned g = l.plru, w = way % g, sh = way / g * (g - 1);
        unsigned node = 1;
        for (unsigned half = g >> 1; half; half >>= 1) {
            const unsigned right = (w & half) != 0;
            const uint64_t bit = 1ull << (sh + node - 1);
            l.tree[set] = right ? l.tree[set] & ~bit : l.tree[set] | bit;
            node = 2 * node + right;
        }
    }
    static unsigned plru_victim(const RefLevel &l, size_t set)
    {
        const unsigned g = l.plru;
        unsigned grp = 0;
        uint64_t oldest = UINT64_MAX;
        for (unsigned k = 0; k < l.ways / g; k++) {
            uint64_t last = 0;
            for (unsigned w = k * g; w < (k + 1) * g; w++)
                last = std::max(last, l.stamp[set * l.ways + w]);
            if (last < oldest)
                oldest = last, grp = k;
        }
        const uint64_t bits = l.tree[set] >> (grp * (g - 1));
        unsigned node = 1;
        while (node < g)
            node = 2 * node + unsigned((bits >> (node - 1)) & 1);
        return grp * g + node - g;
    }
    static bool touch(RefLevel &l, uint64_t line, uint64_t now)
    {
        const size_t set = line & (l.sets - 1), base = set * l.ways;
        for (size_t w = base; w < base + l.nvalid[set]; w++)
            if (l.tag[w] == line + 1) {
                l.stamp[w] = now;
                if (l.plru)
                    plru_use(l, set, unsigned(w - base));
                return true;
            }
        return false;
    }
    static uint64_t insert(RefLevel &l, uint64_t line, uint64_t now)
    {
        const size_t set = line & (l.sets - 1), base = set * l.ways;
        size_t victim = base;
        uint64_t out = 0;
        if (l.nvalid[set] < l.ways) {
            victim = base + l.nvalid[set]++;
        } else if (l.plru) {
            victim = base + plru_victim(l, set);
            out = l.tag[victim];
        } else {
            for (size_t w = base; w < base + l.ways; w++)
                if (l.stamp[w] < l.stamp[victim])
                    victim = w;
            out = l.tag[victim];
        }
        l.tag[victim] = line + 1;
        l.stamp[victim] = now;
        if (l.plru)
            plru_use(l, set, unsigned(victim - base));
        return out;
    }
    void fill(uint64_t line, unsigned from, const bool *held, uint64_t t)
    {
        for (unsigned i = from; i < lvl.size(); i++) {
            RefLevel &l = lvl[i];
            if ((held && held[i]) || l.victim || (!held && touch(l, line, t)))
                continue;
            const uint64_t out = insert(l, line, t);
            if (out && i + 1 < lvl.size() && lvl[i + 1].victim && !touch(lvl[i + 1], out - 1, t))
                insert(lvl[i + 1], out - 1, t);
        }
    }
    unsigned lookup(uint64_t pa, unsigned first)
    {
        const uint64_t line = pa >> shift, t = ++clock;
        unsigned served = unsigned(lvl.size());
        bool hit[3] = {false, false, false};
        for (unsigned i = first; i < lvl.size(); i++) {
            hit[i] = touch(lvl[i], line, t);
            if (hit[i] && served == lvl.size())
                served = i;
        }
        fill(line, first, hit, t);
        for (unsigned i = first; i < lvl.size(); i++)
            if (lvl[i].pair && !hit[i]) {
                fill(line ^ 1, i, nullptr, t);
                break;
            }
        return served;
    }
    unsigned walk(uint64_t pa, bool locked)
    {
        const unsigned s = lookup(pa, walk_first);
        unsigned lat = dram;
        if (s < lvl.size())
            lat = lvl[s].latency, hits[level[s]]++;
        else
            dram_n++;
        return lat + (locked ? rmw : 0);
    }
    unsigned data(uint64_t pa)
    {
        const unsigned s = lookup(pa, 0);
        if (s < lvl.size()) {
            data_hits[level[s]]++;
            return lvl[s].latency;
        }
        data_dram++;
        return dram;
    }
};

unsigned pick(std::mt19937_64 &rng, std::initializer_list<unsigned> v)
{
    return *(v.begin() + rng() % v.size());
}

// A random cache configuration that mmu_create accepts: 1-3 levels, small
// sets and ways (so sets fill, evict and tie), victim and pair levels, LRU
// and PLRU with one or more trees per set. With fast_only, what memlat.c's
// fast path takes: true LRU levels of 1-16 ways, no victim or pair level;
// *cap (when given) gets the largest level's lines.
mmu_config_t random_config(std::mt19937_64 &rng, bool fast_only = false, unsigned *cap = nullptr)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.memlat_line = pick(rng, {8, 64, 128});
    cfg.dram_latency = 200;
    cfg.rmw_latency = 7;
    cfg.walk_skip_l1 = unsigned(rng() % 4 == 0);
    const unsigned lat[3] = {3, 11, 40};
    bool any = false;
    for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        mmu_memlat_level_cfg_t &c = cfg.memlat[i];
        c = {0, 0, 0, 0, 0};
        cfg.memlat_plru[i] = 0;
        if (rng() % 5 == 0 && !(i == 2 && !any))
            continue;
        if (fast_only) {
            c.sets = pick(rng, {1, 2, 4, 16, 64});
            c.ways = 1 + unsigned(rng() % 16);
            c.latency = lat[i];
            if (cap)
                *cap = std::max(*cap, c.sets * c.ways);
            any = true;
            continue;
        }
        c.sets = pick(rng, {1, 2, 4, 16});
        c.ways = pick(rng, {1, 2, 3, 4, 8, 12, 16});
        c.latency = lat[i];
        c.victim = unsigned(any && rng() % 3 == 0);
        c.pair = unsigned(rng() % 3 == 0);
        // A one-set victim level under a larger level: what a pair line's
        // fill displaces lands in every line's set there.
        if (c.victim && rng() % 2)
            c.sets = 1;
        if (rng() % 2) {
            std::vector<unsigned> g;
            for (unsigned k = 2; k <= c.ways; k *= 2)
                if (c.ways % k == 0)
                    g.push_back(k);
            if (!g.empty())
                cfg.memlat_plru[i] = g[rng() % g.size()];
        }
        any = true;
    }
    if (cfg.walk_skip_l1 && !cfg.memlat[0].sets)
        cfg.walk_skip_l1 = 0;
    return cfg;
}

// Runs n accesses of a random stream through an MMU with cfg and through the
// reference, comparing every latency and, at the end, every counter. Lines
// come from a pool of `pool` lines, with runs of the same line (data and walks
// interleaved, as in a translation that charges its data line), pair
// neighbours and returns to lines 2-5 accesses back. Counts the repeats; says
// whether the caches evicted.
// With `lines`, the pool is those line numbers (pool = lines->size()).
void check_stream(const mmu_config_t &cfg, std::mt19937_64 &rng, uint64_t pool, int n,
                  unsigned *repeats, bool *evicted, const std::vector<uint64_t> *lines = nullptr)
{
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
    const mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    mmu_t *mmu = nullptr;
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu, &err)) << err.msg;
    RefCaches ref(cfg);
    uint64_t pa = 0, back[5] = {0, 0, 0, 0, 0};
    for (int k = 0; k < n; k++) {
        const unsigned r = unsigned(rng() % 10);
        const uint64_t prev = pa;
        if (r < 2)
            ++*repeats;
        else if (r < 4)
            pa ^= cfg.memlat_line;
        else if (r < 5)
            pa = back[1 + rng() % 4]; // 2-5 lines back: interleaved streams
        else
            pa = (lines ? (*lines)[rng() % pool] : rng() % pool) * cfg.memlat_line +
                 rng() % cfg.memlat_line;
        if (pa != prev) {
            for (int b = 4; b > 0; b--)
                back[b] = back[b - 1];
            back[0] = prev;
        }
        const unsigned op = unsigned(rng() % 3);
        unsigned got, want;
        if (op == 0) {
            got = mmu_data_access(mmu, pa, 0);
            want = ref.data(pa);
        } else {
            got = mmu_walk_latency(mmu, pa, op == 2, 0);
            want = ref.walk(pa, op == 2);
        }
        ASSERT_EQ(want, got) << "access " << k << " pa 0x" << std::hex << pa << " op " << op;
    }
    mmu_stats_t s;
    mmu_get_stats(mmu, &s);
    EXPECT_EQ(ref.hits[0], s.memlat_l1_hits);
    EXPECT_EQ(ref.hits[1], s.memlat_l2_hits);
    EXPECT_EQ(ref.hits[2], s.memlat_llc_hits);
    EXPECT_EQ(ref.dram_n, s.memlat_dram);
    EXPECT_EQ(ref.data_hits[0], s.data_l1_hits);
    EXPECT_EQ(ref.data_hits[1], s.data_l2_hits);
    EXPECT_EQ(ref.data_hits[2], s.data_llc_hits);
    EXPECT_EQ(ref.data_dram, s.data_dram);
    *evicted = ref.dram_n + ref.data_dram > pool;
    mmu_destroy(mmu);
    mmu_sparse_mem_destroy(mem);
}

TEST(Memlat, EveryAccessMatchesAReferenceModelOfTheCaches)
{
    std::mt19937_64 rng(0x6d656d6c6174ull);
    unsigned configs = 0, repeats = 0, evicting = 0;
    for (int round = 0; round < 1000; round++) {
        const mmu_config_t cfg = random_config(rng);
        SCOPED_TRACE(testing::Message() << "round " << round);
        configs++;
        // A pool a few times larger than the caches.
        const uint64_t pool = 8 + rng() % 200;
        bool evicted = false;
        check_stream(cfg, rng, pool, 3000, &repeats, &evicted);
        if (HasFatalFailure())
            return;
        evicting += evicted;
    }
    // The streams did what they are for: repeats and evictions in most rounds.
    EXPECT_GT(repeats, 1000u * 3000 / 5 * 2 / 3);
    EXPECT_GT(evicting, configs / 2);
}

// The memo (memlat.h) after a lookup that filled: a line is answered from it
// only when no other line's fill touched one of its sets, and a victim level
// with pair that lacks it blocks it (a repeat would fill the pair line again).
// Tiny caches and pools, where those cases are frequent: a one-set victim
// level under pair fills from two levels up, and a victim level with pair
// over an ordinary level.
TEST(Memlat, LinesFilledNextToOtherLinesAreNotAnsweredFromTheMemo)
{
    std::mt19937_64 rng(0x6d656d6f);
    unsigned repeats = 0;
    for (int round = 0; round < 400; round++) {
        mmu_config_t cfg;
        mmu_config_init(&cfg);
        cfg.memlat_line = 64;
        cfg.dram_latency = 200;
        cfg.walk_skip_l1 = 0;
        const bool victim_pair = round % 2;
        const unsigned ways = pick(rng, {1, 2});
        if (!victim_pair) {
            cfg.memlat[0] = {2, ways, 3, 0, 1};
            cfg.memlat[1] = {2, pick(rng, {1, 2}), 11, 0, 0};
            cfg.memlat[2] = {1, pick(rng, {2, 4}), 40, 1, 0};
        } else {
            cfg.memlat[0] = {2, ways, 3, 0, 0};
            cfg.memlat[1] = {pick(rng, {1, 2}), pick(rng, {1, 2}), 11, 1, 1};
            cfg.memlat[2] = {2, pick(rng, {2, 4}), 40, 0, 0};
        }
        for (unsigned i = 0; i < MMU_MEMLAT_LEVELS; i++)
            cfg.memlat_plru[i] = cfg.memlat[i].ways > 1 && rng() % 2 ? 2 : 0;
        SCOPED_TRACE(testing::Message() << "round " << round);
        bool evicted = false;
        check_stream(cfg, rng, 3 + rng() % 8, 2000, &repeats, &evicted);
        if (HasFatalFailure())
            return;
    }
    EXPECT_GT(repeats, 400u * 2000 / 5 * 2 / 3);
}

// A translation's data line (cfg.data_lines; on an L1 TLB hit it is charged
// by mmu.c's fast path, fast_data_line) costs what a load of that line after
// the same translation without data lines costs (mmu_data_access): every
// access's latency, and every counter at the end, on random caches.
TEST(Memlat, TranslationsChargeTheirDataLinesAsALoadAfterThemDoes)
{
    std::mt19937_64 rng(0x64617461);
    mmu_sparse_mem_t *mem = nullptr;
    ASSERT_EQ(0, mmu_sparse_mem_create(46, &mem));
    const mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    mmu_ptb_t *pt = nullptr;
    ASSERT_EQ(0, mmu_ptb_create(&ops, 4, 0x100000, 0x400000, &pt));
    // A and D already set: the two MMUs share the tables, and neither's walks
    // may change what the other's find.
    mmu_ptb_set_table_flags(pt, MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A);
    const uint64_t va = 0x0000100000000000ull, pages = 48;
    ASSERT_EQ(0, mmu_ptb_map(pt, va, 0x10000000, (pages - 8) * 4096, MMU_PAGE_4K,
                             MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
    // The last pages read the page tables themselves: data lines that are
    // also the walks' page-table lines (which may skip the L1D).
    ASSERT_EQ(0, mmu_ptb_map(pt, va + (pages - 8) * 4096, 0x100000, 8 * 4096, MMU_PAGE_4K,
                             MMU_PTE_RW | MMU_PTE_US | MMU_PTE_A | MMU_PTE_D));
    uint64_t fast = 0;
    for (int round = 0; round < 60; round++) {
        SCOPED_TRACE(testing::Message() << "round " << round);
        mmu_config_t cfg = random_config(rng);
        mmu_t *mmu[2] = {nullptr, nullptr};
        for (int k = 0; k < 2; k++) {
            cfg.data_lines = unsigned(k == 0);
            mmu_err_t err{};
            ASSERT_EQ(0, mmu_create(&cfg, &ops, &mmu[k], &err)) << err.msg;
            mmu_ctrl_t c{};
            c.cr3 = mmu_ptb_root(pt);
            ASSERT_EQ(0, mmu_set_ctrl(mmu[k], &c, &err)) << err.msg;
        }
        uint64_t la = va;
        for (int k = 0; k < 4000; k++) {
            const unsigned r = unsigned(rng() % 10);
            if (r < 4)
                la = (la & ~63ull) + rng() % 64; // same line
            else if (r < 7)
                la = (la & ~4095ull) + rng() % 4096; // same page
            else
                la = va + (rng() % pages) * 4096 + rng() % 4096;
            if (rng() % 5 == 0) {
                // A walk's load of the line first (from the L2 with
                // walk_skip_l1): the data line must not take its answer.
                const uint64_t off = la - va, split = (pages - 8) * 4096;
                const uint64_t pa = off < split ? 0x10000000 + off : 0x100000 + off - split;
                ASSERT_EQ(mmu_walk_latency(mmu[1], pa, 0, 0), mmu_walk_latency(mmu[0], pa, 0, 0));
            }
            mmu_req_t q = MMU_REQ_INIT;
            q.la = la;
            q.type = uint8_t(rng() % 2 ? MMU_ACC_READ : MMU_ACC_WRITE);
            q.now = uint64_t(k) * 1000;
            mmu_result_t a{}, b{};
            ASSERT_EQ(0, mmu_translate(mmu[0], &q, &a));
            ASSERT_EQ(0, mmu_translate(mmu[1], &q, &b));
            ASSERT_EQ(MMU_FAULT_NONE, a.fault.kind);
            ASSERT_EQ(b.pa, a.pa);
            ASSERT_EQ(b.done_at, a.done_at);
            ASSERT_EQ(mmu_data_access(mmu[1], b.pa, b.done_at), a.lat_data) << "access " << k;
            fast += a.served == MMU_SERVED_L1;
        }
        mmu_stats_t s[2];
        mmu_get_stats(mmu[0], &s[0]);
        mmu_get_stats(mmu[1], &s[1]);
        EXPECT_EQ(s[1].memlat_l1_hits, s[0].memlat_l1_hits);
        EXPECT_EQ(s[1].memlat_l2_hits, s[0].memlat_l2_hits);
        EXPECT_EQ(s[1].memlat_llc_hits, s[0].memlat_llc_hits);
        EXPECT_EQ(s[1].memlat_dram, s[0].memlat_dram);
        EXPECT_EQ(s[1].data_l1_hits, s[0].data_l1_hits);
        EXPECT_EQ(s[1].data_l2_hits, s[0].data_l2_hits);
        EXPECT_EQ(s[1].data_llc_hits, s[0].data_llc_hits);
        EXPECT_EQ(s[1].data_dram, s[0].data_dram);
        mmu_destroy(mmu[0]);
        mmu_destroy(mmu[1]);
    }
    mmu_ptb_destroy(pt);
    mmu_sparse_mem_destroy(mem);
    // Most translations hit the L1 TLB: the fast path's data lines were tested.
    EXPECT_GT(fast, 60u * 4000 / 2);
}

// The default caches take memlat.c's fast path: every level true LRU of at
// most 16 ways, no victim or pair level (a recency order per set instead of
// stamps, a filter byte per way in front of the tags). Random such
// configurations (any number of ways 1-16, so orders of every length and the
// 16-way one that fills its 64 bits), line pools from a few lines to twice
// the largest level, drawn from 24-bit line numbers so that lines of a set
// share filter bytes (1 in 128 a pair) and a matching byte must not be taken
// for a hit.
TEST(Memlat, TheFastPathMatchesTheReferenceModel)
{
    std::mt19937_64 rng(0x66617374ull);
    unsigned repeats = 0, evicting = 0, rounds = 300;
    for (unsigned round = 0; round < rounds; round++) {
        SCOPED_TRACE(testing::Message() << "round " << round);
        unsigned cap = 0;
        const mmu_config_t cfg = random_config(rng, true, &cap);
        std::vector<uint64_t> lines(4 + rng() % (2 * cap + 8));
        for (uint64_t &l : lines)
            l = rng() & 0xffffff;
        bool evicted = false;
        check_stream(cfg, rng, lines.size(), 4000, &repeats, &evicted, &lines);
        if (HasFatalFailure())
            return;
        evicting += evicted;
    }
    EXPECT_GT(repeats, rounds * 4000 / 5 * 2 / 3);
    EXPECT_GT(evicting, rounds / 2);
}

} // namespace

// White-box tests of model/memlat.c's paths (memlat.h, mmu_memlat_t.kind).
#include "memlat.h"

namespace {

mmu_memlat_kind_t kind_of(const mmu_config_t &cfg)
{
    mmu_memlat_t m;
    EXPECT_EQ(0, mmu_memlat_init(&m, &cfg));
    const auto k = mmu_memlat_kind_t(m.kind);
    mmu_memlat_free(&m);
    return k;
}

// The unrolled lookup (MMU_MEMLAT_FAST3) is for three fast levels whose
// walker accesses start at the L1D; the rest keep the level loop, or the
// general path, or the host's callback.
TEST(Memlat, InitChoosesTheUnrolledPathForThreeFastLevelsFromTheL1D)
{
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    EXPECT_EQ(MMU_MEMLAT_FAST3, kind_of(cfg));
    cfg.walk_skip_l1 = 1;
    EXPECT_EQ(MMU_MEMLAT_FAST, kind_of(cfg));
    cfg.walk_skip_l1 = 0;
    cfg.memlat[2] = {0, 0, 0, 0, 0};
    EXPECT_EQ(MMU_MEMLAT_FAST, kind_of(cfg));
    mmu_config_init(&cfg);
    cfg.memlat_plru[0] = 8;
    EXPECT_EQ(MMU_MEMLAT_GENERAL, kind_of(cfg));
    mmu_config_init(&cfg);
    cfg.memlat[1].pair = 1;
    EXPECT_EQ(MMU_MEMLAT_GENERAL, kind_of(cfg));
    mmu_config_init(&cfg);
    cfg.memlat[2].ways = 20;
    EXPECT_EQ(MMU_MEMLAT_GENERAL, kind_of(cfg));
    mmu_config_init(&cfg);
    cfg.memlat_cb = [](void *, uint64_t, int, mmu_cycle_t) -> unsigned { return 9; };
    EXPECT_EQ(MMU_MEMLAT_CALLBACK, kind_of(cfg));
}

// The built-in default caches (64 x 8, 1024 x 4, 2048 x 16: the unrolled
// path) against the reference on long streams, over pools that fit the L1D,
// the L2, the LLC, and twice the LLC, so that every level hits, fills its
// empty ways in order and evicts.
TEST(Memlat, TheDefaultCachesMatchTheReferenceModel)
{
    std::mt19937_64 rng(0x64656661ull);
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    ASSERT_EQ(MMU_MEMLAT_FAST3, kind_of(cfg));
    unsigned repeats = 0, evicting = 0;
    for (const uint64_t pool : {300u, 3000u, 24000u, 65536u}) {
        SCOPED_TRACE(testing::Message() << "pool " << pool);
        bool evicted = false;
        check_stream(cfg, rng, pool, pool < 30000 ? 100000 : 400000, &repeats, &evicted);
        if (HasFatalFailure())
            return;
        evicting += evicted;
    }
    // More misses than lines: the pool twice the LLC's size evicted there.
    EXPECT_GE(evicting, 1u);
}

// Random fast configurations, half of them three levels from the L1D: both
// fast paths (the unrolled one and the level loop) meet the reference.
TEST(Memlat, BothFastPathsMatchTheReferenceModel)
{
    std::mt19937_64 rng(0x66617333ull);
    unsigned repeats = 0, kinds[4] = {0, 0, 0, 0};
    for (unsigned round = 0; round < 200; round++) {
        SCOPED_TRACE(testing::Message() << "round " << round);
        unsigned cap = 0;
        mmu_config_t cfg = random_config(rng, true, &cap);
        if (round % 2 && cfg.memlat[0].sets && cfg.memlat[1].sets && cfg.memlat[2].sets)
            cfg.walk_skip_l1 = 0;
        kinds[kind_of(cfg)]++;
        std::vector<uint64_t> lines(4 + rng() % (2 * cap + 8));
        for (uint64_t &l : lines)
            l = rng() & 0xffffff;
        bool evicted = false;
        check_stream(cfg, rng, lines.size(), 3000, &repeats, &evicted, &lines);
        if (HasFatalFailure())
            return;
    }
    EXPECT_GT(kinds[MMU_MEMLAT_FAST3], 40u);
    EXPECT_GT(kinds[MMU_MEMLAT_FAST], 40u);
    EXPECT_EQ(0u, kinds[MMU_MEMLAT_GENERAL] + kinds[MMU_MEMLAT_CALLBACK]);
}

// mmu_memlat_flush empties the caches, and they then fill as new ones do (on
// the fast paths, the empty ways again in order from way 0): every latency
// after a flush equals that of a new reference model, on every path.
TEST(Memlat, AFlushLeavesTheCachesAsNew)
{
    std::mt19937_64 rng(0x666c7573ull);
    unsigned kinds[4] = {0, 0, 0, 0};
    for (unsigned round = 0; round < 60; round++) {
        SCOPED_TRACE(testing::Message() << "round " << round);
        mmu_config_t cfg = round < 10 ? mmu_config_t{} : random_config(rng, round % 2 != 0);
        if (round < 10) {
            mmu_config_init(&cfg);
            cfg.walk_skip_l1 = round % 2;
        }
        mmu_memlat_t m;
        ASSERT_EQ(0, mmu_memlat_init(&m, &cfg));
        kinds[m.kind]++;
        const uint64_t pool = 8 + rng() % 300;
        for (int pass = 0; pass < 3; pass++) {
            RefCaches ref(cfg);
            for (int k = 0; k < 2000; k++) {
                const uint64_t pa = (rng() % pool) * cfg.memlat_line;
                if (rng() % 3 == 0)
                    ASSERT_EQ(ref.data(pa), mmu_memlat_data(&m, pa)) << "pass " << pass << " " << k;
                else
                    ASSERT_EQ(ref.walk(pa, false), mmu_memlat_access(&m, pa, false, 0))
                        << "pass " << pass << " access " << k;
            }
            mmu_memlat_flush(&m);
        }
        mmu_memlat_free(&m);
    }
    EXPECT_GT(kinds[MMU_MEMLAT_FAST3], 5u);
    EXPECT_GT(kinds[MMU_MEMLAT_FAST], 5u);
    EXPECT_GT(kinds[MMU_MEMLAT_GENERAL], 5u);
}

} // namespace
