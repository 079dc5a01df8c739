// SPDX-License-Identifier: Apache-2.0
// Workload kernels (workloads/kern_*.c). The central check, per kernel: run
// the REAL algorithm, written out here, on a materialised instance of the
// structure (arrays really allocated, filled from the generator's own
// functions, or built by the real build step), log every load and store it
// makes as an address on the kernel's layout, and require the generator's
// stream to be identical, access by access, type included. Then the
// structures' own properties (the graph's degrees are consistent, the hash
// chains have the lengths of a real table, the B+-tree is what a bulk load
// builds), determinism from the seed, spec parsing and its errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "synth.h"

namespace {

struct Acc {
    uint64_t la;
    mmu_access_t type;
    bool operator==(const Acc &o) const { return la == o.la && type == o.type; }
};

std::string show(const Acc &a)
{
    char b[64];
    snprintf(b, sizeof b, "%c 0x%" PRIx64, a.type == MMU_ACC_WRITE ? 'W' : 'R', a.la);
    return b;
}

mmu_synth_cfg_t parse(const std::string &spec)
{
    mmu_synth_cfg_t c;
    char msg[256] = "";
    EXPECT_EQ(0, mmu_synth_parse(spec.c_str(), &c, msg, sizeof msg)) << spec << ": " << msg;
    return c;
}

std::string parse_error(const std::string &spec)
{
    mmu_synth_cfg_t c;
    char msg[256] = "";
    EXPECT_EQ(MMU_EINVAL, mmu_synth_parse(spec.c_str(), &c, msg, sizeof msg)) << spec;
    return msg;
}

std::string format(const mmu_synth_cfg_t &c)
{
    char buf[MMU_SYNTH_SPEC_MAX];
    const int len = mmu_synth_format(&c, buf, sizeof buf);
    EXPECT_GT(len, 0);
    EXPECT_LT(len, int(sizeof buf));
    return buf;
}

// The generator (its structure is read through g->kern by the tests).
std::unique_ptr<mmu_synth_t> start(const mmu_synth_cfg_t &c)
{
    auto g = std::make_unique<mmu_synth_t>();
    mmu_synth_init(g.get(), &c);
    return g;
}

std::vector<Acc> stream(const mmu_synth_cfg_t &c)
{
    auto g = start(c);
    std::vector<Acc> v;
    Acc a;
    while (mmu_synth_next(g.get(), &a.la, &a.type))
        v.push_back(a);
    return v;
}

// The real algorithm's log: stops it (by throwing Full) once it holds n.
struct Full {};
struct Log {
    uint64_t base = 0;
    size_t limit = 0;
    bool on = true;
    std::vector<Acc> v;
    void note(uint64_t off, mmu_access_t t)
    {
        if (!on)
            return;
        if (v.size() == limit)
            throw Full();
        v.push_back({base + off, t});
    }
};

// A real array of T at byte offset `at` of the layout.
template <class T> struct Array {
    Log *log;
    uint64_t at;
    std::vector<T> data;
    Array(Log *l, uint64_t a, uint64_t n) : log(l), at(a), data(n) {}
    T ld(uint64_t i)
    {
        EXPECT_LT(i, data.size());
        log->note(at + i * sizeof(T), MMU_ACC_READ);
        return data.at(i);
    }
    void st(uint64_t i, T x)
    {
        EXPECT_LT(i, data.size());
        log->note(at + i * sizeof(T), MMU_ACC_WRITE);
        data.at(i) = x;
    }
};

// A real array of structs: field loads and stores at their own offsets.
template <class S> struct Structs {
    Log *log;
    uint64_t at;
    std::vector<S> data;
    Structs(Log *l, uint64_t a, uint64_t n) : log(l), at(a), data(n) {}
    template <class F> F ld(uint64_t i, F S::*f)
    {
        log->note(at + i * sizeof(S) + offset(f), MMU_ACC_READ);
        return data.at(i).*f;
    }
    template <class F> void st(uint64_t i, F S::*f, F x)
    {
        log->note(at + i * sizeof(S) + offset(f), MMU_ACC_WRITE);
        data.at(i).*f = x;
    }
    template <class F> static uint64_t offset(F S::*f)
    {
        S s{};
        return uint64_t(reinterpret_cast<const char *>(&(s.*f)) - reinterpret_cast<const char *>(&s));
    }
};

// Run `algo` until it has made n accesses; the log.
template <class F> std::vector<Acc> real(uint64_t base, size_t n, F algo)
{
    Log log;
    log.base = base;
    log.limit = n;
    try {
        algo(log);
    } catch (const Full &) {
    }
    return log.v;
}

// The first difference, or "" when equal.
::testing::AssertionResult same_stream(const std::vector<Acc> &gen, const std::vector<Acc> &ref)
{
    const size_t n = std::min(gen.size(), ref.size());
    for (size_t i = 0; i < n; i++)
        if (!(gen[i] == ref[i]))
            return ::testing::AssertionFailure()
                   << "access " << i << ": generator " << show(gen[i]) << ", real algorithm "
                   << show(ref[i]);
    if (gen.size() != ref.size())
        return ::testing::AssertionFailure()
               << "lengths differ: generator " << gen.size() << ", real " << ref.size();
    return ::testing::AssertionSuccess();
}

// ---- building blocks ------------------------------------------------------------

TEST(Kern, MixIsInvertedByUnmix)
{
    uint64_t x = 1;
    for (int i = 0; i < 10000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        EXPECT_EQ(x, mmu_kern_unmix(mmu_kern_mix(x)));
        EXPECT_EQ(x, mmu_kern_mix(mmu_kern_unmix(x)));
    }
}

TEST(Kern, PermIsABijectionAndInvInvertsIt)
{
    for (uint64_t n : {1ull, 2ull, 3ull, 4ull, 5ull, 17ull, 1000ull, 4096ull, 65537ull}) {
        mmu_kern_perm_t p;
        mmu_kern_perm_init(&p, n, 0x1234 + n);
        std::vector<bool> seen(n);
        for (uint64_t i = 0; i < n; i++) {
            const uint64_t x = mmu_kern_perm_fwd(&p, i);
            ASSERT_LT(x, n);
            EXPECT_FALSE(seen[x]) << "n " << n << " value " << x << " twice";
            seen[x] = true;
            EXPECT_EQ(i, mmu_kern_perm_inv(&p, x));
        }
    }
    // Not the identity, and a different key gives a different order.
    mmu_kern_perm_t a, b;
    mmu_kern_perm_init(&a, 1000, 1);
    mmu_kern_perm_init(&b, 1000, 2);
    int fixed = 0, equal = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        fixed += mmu_kern_perm_fwd(&a, i) == i;
        equal += mmu_kern_perm_fwd(&a, i) == mmu_kern_perm_fwd(&b, i);
    }
    EXPECT_LT(fixed, 10);
    EXPECT_LT(equal, 10);
}

// Row pointers are the prefix sums of the per-row counts, the owner of a
// slot is the row whose range holds it, and the total is exact.
TEST(Kern, CascadeRowPointersAndOwnersAgree)
{
    for (uint64_t rows : {1ull, 2ull, 3ull, 7ull, 100ull, 1024ull, 1500ull}) {
        for (unsigned skew : {50u, 76u, 99u}) {
            mmu_kern_cascade_t c;
            const uint64_t total = rows * 5 + 3;
            mmu_kern_cascade_init(&c, rows, total, skew, 42 + rows);
            EXPECT_EQ(0u, mmu_kern_cascade_start(&c, 0));
            EXPECT_EQ(total, mmu_kern_cascade_start(&c, rows));
            uint64_t prev = 0;
            for (uint64_t r = 1; r <= rows; r++) {
                const uint64_t s = mmu_kern_cascade_start(&c, r);
                ASSERT_GE(s, prev);
                for (uint64_t t = prev; t < s; t++)
                    ASSERT_EQ(r - 1, mmu_kern_cascade_row(&c, t)) << rows << " " << skew;
                prev = s;
            }
        }
    }
}

// p = 0.5 is even, also when the row count is not a power of two (the cut
// nodes weigh their children by rows); p = 0.76 is heavy-tailed.
TEST(Kern, CascadeSkewFiftyIsEvenAndSeventySixIsHeavyTailed)
{
    for (uint64_t rows : {4096ull, 3000ull, 1025ull}) {
        mmu_kern_cascade_t c;
        mmu_kern_cascade_init(&c, rows, rows * 16, 50, 7);
        for (uint64_t r = 0; r < rows; r++) {
            const uint64_t d = mmu_kern_cascade_start(&c, r + 1) - mmu_kern_cascade_start(&c, r);
            ASSERT_GE(d, 15u) << rows << " row " << r;
            ASSERT_LE(d, 17u) << rows << " row " << r;
        }
    }
    mmu_kern_cascade_t c;
    const uint64_t rows = 1 << 16;
    mmu_kern_cascade_init(&c, rows, rows * 16, 76, 7);
    uint64_t maxd = 0, zero = 0;
    for (uint64_t r = 0; r < rows; r++) {
        const uint64_t d = mmu_kern_cascade_start(&c, r + 1) - mmu_kern_cascade_start(&c, r);
        maxd = std::max(maxd, d);
        zero += d == 0;
    }
    // R-MAT's expected top degree is 16 * 2^16 * 0.76^16 = 12,840.
    EXPECT_GT(maxd, 5000u);
    EXPECT_LT(maxd, 40000u);
    EXPECT_GT(zero, rows / 4);
}

// ---- GUPS ---------------------------------------------------------------------------

TEST(Kernels, GupsLfsrIsHpccsPolynomial)
{
    // Each step multiplies by x modulo x^64 + x^2 + x + 1 (POLY = 7): from
    // 1, 63 steps give x^63 (the top bit), the 64th x^2 + x + 1.
    uint64_t r = 1;
    for (int i = 0; i < 63; i++)
        r = mmu_kern_gups_next(r);
    EXPECT_EQ(1ull << 63, r);
    EXPECT_EQ(7u, mmu_kern_gups_next(r));
    EXPECT_EQ(0xeu, mmu_kern_gups_next(7));
}

TEST(Kernels, GupsStreamIsRandomAccessUpdatesOfARealTable)
{
    for (const char *spec : {"gups:ws=64k,n=20000,seed=3", "gups:ws=40k,n=20001,seed=9"}) {
        const mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_gups_t k = start(c)->kern.gups;
        EXPECT_EQ(c.ws, k.footprint);
        const bool pow2 = (k.words & (k.words - 1)) == 0;
        const auto ref = real(c.base, c.n, [&](Log &log) {
            Array<uint64_t> table(&log, 0, c.ws / 8);
            uint64_t ran = k.start;
            for (;;) {
                ran = (ran << 1) ^ (int64_t(ran) < 0 ? 7 : 0);
                const uint64_t i = pow2 ? ran & (table.data.size() - 1) : ran % table.data.size();
                table.st(i, table.ld(i) ^ ran);
            }
        });
        EXPECT_TRUE(same_stream(stream(c), ref)) << spec;
    }
}

// ---- PageRank --------------------------------------------------------------------------

struct Graph {
    std::vector<int32_t> out_deg;
    std::vector<int64_t> in_off;
    std::vector<int32_t> in_neigh;
};

Graph materialise(const mmu_kern_pagerank_t &k)
{
    Graph g;
    for (uint64_t u = 0; u < k.v; u++)
        g.out_deg.push_back(int32_t(mmu_kern_pagerank_out_deg(&k, u)));
    for (uint64_t u = 0; u <= k.v; u++)
        g.in_off.push_back(int64_t(mmu_kern_pagerank_in_off(&k, u)));
    for (uint64_t j = 0; j < k.e; j++)
        g.in_neigh.push_back(int32_t(mmu_kern_pagerank_in_neigh(&k, j)));
    return g;
}

// GAP's PageRankPull loop on real arrays laid out as the kernel says.
std::vector<Acc> pagerank_real(const mmu_synth_cfg_t &c, const mmu_kern_pagerank_t &k,
                               const Graph &g, size_t n)
{
    return real(c.base, n, [&](Log &log) {
        Array<int32_t> out_deg(&log, k.at_out_deg, k.v);
        Array<int64_t> in_off(&log, k.at_in_off, k.v + 1);
        Array<int32_t> in_neigh(&log, k.at_in_neigh, k.e);
        Array<float> score(&log, k.at_score, k.v), contrib(&log, k.at_contrib, k.v);
        out_deg.data = g.out_deg;
        in_off.data = g.in_off;
        in_neigh.data = g.in_neigh;
        std::fill(score.data.begin(), score.data.end(), 1.0f / float(k.v));
        const float base = 0.15f / float(k.v);
        for (;;) {
            for (uint64_t v = 0; v < k.v; v++) {
                const float s = score.ld(v);
                const int32_t d = out_deg.ld(v);
                contrib.st(v, d ? s / float(d) : 0.0f);
            }
            double error = 0;
            for (uint64_t u = 0; u < k.v; u++) {
                float sum = 0;
                const int64_t begin = in_off.ld(u);
                const int64_t end = in_off.ld(u + 1);
                for (int64_t j = begin; j < end; j++)
                    sum += contrib.ld(uint64_t(in_neigh.ld(uint64_t(j))));
                const float old = score.ld(u);
                score.st(u, base + 0.85f * sum);
                error += std::abs(double(score.data[u]) - old);
            }
            (void)error;
        }
    });
}

TEST(Kernels, PagerankStreamIsGapPullOnTheMaterialisedGraph)
{
    for (const char *spec : {"pagerank:ws=512k,deg=4,seed=5", "pagerank:ws=300k,deg=8,skew=50",
                             "pagerank:ws=1m,deg=16,skew=90,seed=77"}) {
        mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_pagerank_t k = start(c)->kern.pagerank;
        const Graph g = materialise(k);
        const uint64_t iteration = 3 * k.v + 4 * k.v + 2 * k.e;
        c.n = 2 * iteration + 1000;
        EXPECT_TRUE(same_stream(stream(c), pagerank_real(c, k, g, c.n))) << spec;
    }
}

TEST(Kernels, PagerankGraphIsAConsistentConfigurationModel)
{
    for (const char *spec : {"pagerank:ws=4m,deg=16", "pagerank:ws=1m,deg=3,skew=60,seed=2"}) {
        const mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_pagerank_t k = start(c)->kern.pagerank;
        const Graph g = materialise(k);
        EXPECT_EQ(k.e, k.v * c.deg);
        EXPECT_EQ(0, g.in_off[0]);
        EXPECT_EQ(int64_t(k.e), g.in_off[k.v]);
        std::vector<int64_t> seen(k.v);
        for (int32_t w : g.in_neigh) {
            ASSERT_GE(w, 0);
            ASSERT_LT(uint64_t(w), k.v);
            seen[uint64_t(w)]++;
        }
        int64_t total = 0;
        for (uint64_t v = 0; v < k.v; v++) {
            ASSERT_LE(g.in_off[v], g.in_off[v + 1]);
            // The out-degree array is the true out-degree of in_neigh's graph.
            ASSERT_EQ(int64_t(g.out_deg[v]), seen[v]) << spec << " vertex " << v;
            total += g.out_deg[v];
        }
        EXPECT_EQ(int64_t(k.e), total);
    }
}

TEST(Kernels, PagerankDegreesAreHeavyTailedAndScatteredOverIds)
{
    const mmu_synth_cfg_t c = parse("pagerank:ws=8m");
    const mmu_kern_pagerank_t k = start(c)->kern.pagerank;
    const Graph g = materialise(k);
    std::vector<int64_t> in(k.v), out(g.out_deg.begin(), g.out_deg.end());
    for (uint64_t u = 0; u < k.v; u++)
        in[u] = g.in_off[u + 1] - g.in_off[u];
    for (auto *d : {&in, &out}) {
        const int64_t maxd = *std::max_element(d->begin(), d->end());
        const int64_t zero = std::count(d->begin(), d->end(), 0);
        EXPECT_GT(maxd, 100 * int64_t(c.deg)) << "max degree";
        EXPECT_GT(zero, int64_t(k.v) / 5) << "isolated vertices, as R-MAT has";
        // The top 1% of vertices by degree hold a large part of the edges.
        std::vector<int64_t> s(*d);
        std::sort(s.rbegin(), s.rend());
        int64_t top = 0;
        for (uint64_t i = 0; i < k.v / 100; i++)
            top += s[i];
        EXPECT_GT(top, int64_t(k.e) / 4);
    }
    // Heavy out-vertices are not bunched at low ids: the heaviest 1% are
    // spread over every tenth of the id range.
    std::vector<std::pair<int64_t, uint64_t>> byd;
    for (uint64_t v = 0; v < k.v; v++)
        byd.push_back({out[v], v});
    std::sort(byd.rbegin(), byd.rend());
    std::set<uint64_t> tenths;
    for (uint64_t i = 0; i < k.v / 100; i++)
        tenths.insert(byd[i].second * 10 / k.v);
    EXPECT_EQ(10u, tenths.size());
}

TEST(Kernels, PagerankStartBeginsPartWayThroughTheFirstIteration)
{
    mmu_synth_cfg_t c = parse("pagerank:ws=256k,deg=5,seed=4");
    const mmu_kern_pagerank_t k = start(c)->kern.pagerank;
    const Graph g = materialise(k);
    c.n = 3 * k.v + 4 * k.v + 2 * k.e; // one iteration
    const auto whole = pagerank_real(c, k, g, c.n);
    // start=50: the pull loop from vertex 0, after the 3 accesses per vertex
    // of the contribution loop.
    mmu_synth_cfg_t h = c;
    h.start_pct = 50;
    h.n = c.n - 3 * k.v;
    EXPECT_TRUE(same_stream(stream(h), std::vector<Acc>(whole.begin() + long(3 * k.v), whole.end())));
    // start=30: the contribution loop at vertex floor(2v * 0.3).
    h.start_pct = 30;
    const uint64_t u = 2 * k.v * 30 / 100;
    h.n = c.n - 3 * u;
    EXPECT_TRUE(same_stream(stream(h), std::vector<Acc>(whole.begin() + long(3 * u), whole.end())));
    // start=75: the pull loop at vertex floor(2v * 0.75) - v.
    h.start_pct = 75;
    const uint64_t w = 2 * k.v * 75 / 100 - k.v;
    const uint64_t skip = 3 * k.v + 4 * w + 2 * uint64_t(g.in_off[w]);
    h.n = c.n - skip;
    EXPECT_TRUE(same_stream(stream(h), std::vector<Acc>(whole.begin() + long(skip), whole.end())));
}

// ---- SpMV ---------------------------------------------------------------------------------

struct Matrix {
    std::vector<int64_t> rp;
    std::vector<uint32_t> col;
};

Matrix materialise(const mmu_kern_spmv_t &k)
{
    Matrix m;
    for (uint64_t i = 0; i <= k.rows; i++)
        m.rp.push_back(int64_t(mmu_kern_spmv_row_ptr(&k, i)));
    for (uint64_t i = 0; i < k.rows; i++)
        for (int64_t j = m.rp[i]; j < m.rp[i + 1]; j++)
            m.col.push_back(uint32_t(mmu_kern_spmv_col(&k, i, uint64_t(j))));
    return m;
}

TEST(Kernels, SpmvStreamIsTheCsrMultiplyOnTheMaterialisedMatrix)
{
    for (const char *spec : {"spmv:ws=256k,deg=5", "spmv:ws=300k,deg=7,skew=80,seed=3",
                             "spmv:ws=256k,deg=6,band=33", "spmv:ws=128k,deg=9,band=4",
                             "spmv:ws=64k,deg=3,band=1g"}) {
        mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_spmv_t k = start(c)->kern.spmv;
        const Matrix m = materialise(k);
        c.n = 2 * (3 * k.rows + 3 * k.nnz) + 500;
        const auto ref = real(c.base, c.n, [&](Log &log) {
            Array<int64_t> rp(&log, k.at_rp, k.rows + 1);
            Array<uint32_t> col(&log, k.at_col, k.nnz);
            Array<double> val(&log, k.at_val, k.nnz), x(&log, k.at_x, k.rows), y(&log, k.at_y, k.rows);
            rp.data = m.rp;
            col.data = m.col;
            std::fill(val.data.begin(), val.data.end(), 0.5);
            std::fill(x.data.begin(), x.data.end(), 1.0);
            for (;;)
                for (uint64_t i = 0; i < k.rows; i++) {
                    double sum = 0;
                    const int64_t begin = rp.ld(i), end = rp.ld(i + 1);
                    for (int64_t j = begin; j < end; j++) {
                        const uint32_t cc = col.ld(uint64_t(j));
                        const double v = val.ld(uint64_t(j));
                        sum += v * x.ld(cc);
                    }
                    y.st(i, sum);
                }
        });
        EXPECT_TRUE(same_stream(stream(c), ref)) << spec;
    }
}

TEST(Kernels, SpmvColumnsAreSortedDistinctAndInTheBand)
{
    for (const char *spec : {"spmv:ws=1m", "spmv:ws=1m,band=100,deg=20", "spmv:ws=512k,skew=90"}) {
        const mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_spmv_t k = start(c)->kern.spmv;
        const Matrix m = materialise(k);
        EXPECT_EQ(int64_t(k.nnz), m.rp[k.rows]);
        uint64_t minlen = UINT64_MAX, maxlen = 0;
        for (uint64_t i = 0; i < k.rows; i++) {
            const uint64_t len = uint64_t(m.rp[i + 1] - m.rp[i]);
            minlen = std::min(minlen, len);
            maxlen = std::max(maxlen, len);
            for (int64_t j = m.rp[i]; j < m.rp[i + 1]; j++) {
                const uint64_t col = m.col[uint64_t(j)];
                ASSERT_LT(col, k.rows);
                // Distinct while the row fits its window; then repeats.
                if (j > m.rp[i] && len <= (c.band ? std::min(c.band, k.rows) : k.rows)) {
                    ASSERT_LT(m.col[uint64_t(j) - 1], col) << spec << " row " << i;
                } else if (j > m.rp[i]) {
                    ASSERT_LE(m.col[uint64_t(j) - 1], col) << spec << " row " << i;
                }
                if (c.band) {
                    ASSERT_LE(col > i ? col - i : i - col, c.band) << spec << " row " << i;
                }
            }
        }
        if (c.skew == 50) { // even rows: deg +- 1
            EXPECT_GE(minlen, c.deg - 1u) << spec;
            EXPECT_LE(maxlen, c.deg + 1u) << spec;
        } else {
            EXPECT_GT(maxlen, 20u * c.deg) << spec;
        }
    }
    // Without a band the columns cover the whole width evenly.
    const mmu_synth_cfg_t c = parse("spmv:ws=2m,deg=8");
    const mmu_kern_spmv_t k = start(c)->kern.spmv;
    const Matrix m = materialise(k);
    std::vector<uint64_t> tenth(10);
    for (uint32_t col : m.col)
        tenth[col * 10 / k.rows]++;
    for (uint64_t t : tenth)
        EXPECT_NEAR(double(t), double(k.nnz) / 10, double(k.nnz) / 100);
}

// ---- hash join / hash probe -------------------------------------------------------------

struct Tuple {
    uint64_t key, payload;
};
struct Node {
    uint64_t key, payload, next;
};
static_assert(sizeof(Tuple) == MMU_KERN_HASH_TUPLE, "tuple layout");
static_assert(sizeof(Node) == MMU_KERN_HASH_NODE, "node layout");
constexpr uint64_t kNull = 0; // node indices are stored +1, so a zeroed head is NULL

// The real no-partitioning join: build a chained table from R with the real
// hash function, then probe it with S. For hashprobe the build is not logged.
std::vector<Acc> hash_real(const mmu_synth_cfg_t &c, const mmu_kern_hash_t &k, size_t n,
                           std::vector<uint64_t> *chain_len = nullptr, uint64_t *hits = nullptr)
{
    return real(c.base, n, [&](Log &log) {
        Structs<Tuple> r(&log, k.at_r, k.nr), s(&log, k.at_s, k.ns);
        Array<uint64_t> head(&log, k.at_head, k.buckets);
        Structs<Node> pool(&log, k.at_pool, k.nr);
        for (uint64_t i = 0; i < k.nr; i++)
            r.data[i] = {mmu_kern_hash_r_key(&k, i), i * 3 + 1};
        for (uint64_t j = 0; j < k.ns; j++)
            s.data[j] = {mmu_kern_hash_s_key(&k, j), j};
        log.on = k.join;
        for (uint64_t i = 0; i < k.nr; i++) {
            const uint64_t key = r.ld(i, &Tuple::key), payload = r.ld(i, &Tuple::payload);
            const uint64_t b = mmu_kern_hash_bucket(&k, key);
            pool.st(i, &Node::key, key);
            pool.st(i, &Node::payload, payload);
            pool.st(i, &Node::next, head.ld(b));
            head.st(b, i + 1);
        }
        log.on = true;
        if (chain_len)
            for (uint64_t b = 0; b < k.buckets; b++) {
                uint64_t len = 0;
                for (uint64_t x = head.data[b]; x != kNull; x = pool.data[x - 1].next)
                    len++;
                chain_len->push_back(len);
            }
        uint64_t sum = 0;
        for (;;) {
            for (uint64_t j = 0; j < k.ns; j++) {
                const uint64_t key = s.ld(j, &Tuple::key);
                for (uint64_t x = head.ld(mmu_kern_hash_bucket(&k, key)); x != kNull;) {
                    if (pool.ld(x - 1, &Node::key) == key) {
                        sum += pool.ld(x - 1, &Node::payload);
                        if (hits)
                            ++*hits;
                        break;
                    }
                    x = pool.ld(x - 1, &Node::next);
                }
            }
            hits = nullptr; // count one pass
        }
    });
}

TEST(Kernels, HashJoinStreamIsBuildThenProbeOnARealChainedTable)
{
    for (const char *spec : {"hashjoin:ws=256k", "hashjoin:ws=300k,load=3,ratio=2,hit=70,seed=8",
                             "hashprobe:ws=256k,load=8,hit=50", "hashprobe:ws=200k,hit=0",
                             "hashjoin:ws=128k,load=5,ratio=1,hit=100,seed=99"}) {
        mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_hash_t k = start(c)->kern.hash;
        // The build (if any), then the probe pass one and a half times.
        c.n = (k.join ? 7 * k.nr : 0) + 2 * k.ns * (3 + 2 * c.load) + 100;
        EXPECT_TRUE(same_stream(stream(c), hash_real(c, k, c.n))) << spec;
    }
}

TEST(Kernels, HashTableHasTheChainsOfAUniformHashAndTheAskedHitRate)
{
    for (unsigned load : {1u, 4u}) {
        mmu_synth_cfg_t c = parse("hashprobe:ws=16m,hit=80,load=" + std::to_string(load));
        const mmu_kern_hash_t k = start(c)->kern.hash;
        std::vector<uint64_t> len;
        uint64_t hits = 0;
        hash_real(c, k, 1, &len);
        ASSERT_EQ(k.buckets, len.size());
        // Bucket sizes: Binomial(64 load, 1/64) per bucket (the group's total
        // is fixed): P(empty) = (63/64)^(64 load), mean = load.
        uint64_t empty = 0, total = 0;
        for (uint64_t l : len) {
            empty += l == 0;
            total += l;
        }
        EXPECT_EQ(k.nr, total);
        EXPECT_NEAR(std::pow(63.0 / 64, 64.0 * load), double(empty) / double(k.buckets), 0.01);
        // Distinct R keys; the S keys hit 80% of the time, each on one tuple.
        std::vector<uint64_t> keys;
        for (uint64_t i = 0; i < k.nr; i++)
            keys.push_back(mmu_kern_hash_r_key(&k, i));
        std::sort(keys.begin(), keys.end());
        EXPECT_EQ(keys.end(), std::adjacent_find(keys.begin(), keys.end()));
        for (uint64_t j = 0; j < k.ns; j++)
            hits += std::binary_search(keys.begin(), keys.end(), mmu_kern_hash_s_key(&k, j));
        EXPECT_NEAR(0.8, double(hits) / double(k.ns), 0.01);
    }
}

TEST(Kernels, HashjoinStartSkipsIntoTheProbes)
{
    mmu_synth_cfg_t c = parse("hashjoin:ws=128k,ratio=1");
    const mmu_kern_hash_t k = start(c)->kern.hash;
    c.n = 7 * k.nr + 3000;
    const auto whole = hash_real(c, k, c.n);
    mmu_synth_cfg_t h = c;
    h.start_pct = 50; // |R| = |S|: the first probe
    h.n = 3000;
    EXPECT_TRUE(same_stream(stream(h), std::vector<Acc>(whole.begin() + long(7 * k.nr), whole.end())));
    h.start_pct = 20; // an insert 40% into R
    const uint64_t i = (k.nr + k.ns) * 20 / 100;
    h.n = c.n - 7 * i;
    EXPECT_TRUE(same_stream(stream(h), std::vector<Acc>(whole.begin() + long(7 * i), whole.end())));
}

// ---- B+-tree -------------------------------------------------------------------------------

// A real bottom-up bulk load of keys 1, 3, ..., 2N-1 into nodes of 2F words
// (count, F-1 keys, F pointers), allocated leaves first, root last.
struct Tree {
    uint64_t f, root = 0, height = 0;
    std::vector<std::vector<uint64_t>> nodes;
};

Tree bulk_load(uint64_t nkeys, uint64_t f)
{
    Tree t;
    t.f = f;
    std::vector<uint64_t> level, mins; // node ids of the level being built, their smallest keys
    for (uint64_t i = 0; i < nkeys;) {
        std::vector<uint64_t> leaf(2 * f);
        uint64_t c = 0;
        for (; c < f - 1 && i < nkeys; c++, i++) {
            leaf[1 + c] = 2 * i + 1;
            leaf[f + c] = 1000 + i; // the value
        }
        leaf[0] = c;
        if (!t.nodes.empty() && !level.empty())
            t.nodes[level.back()][2 * f - 1] = t.nodes.size(); // next-leaf link
        mins.push_back(leaf[1]);
        level.push_back(t.nodes.size());
        t.nodes.push_back(leaf);
    }
    t.height = 1;
    while (level.size() > 1) {
        std::vector<uint64_t> up, upmins;
        for (size_t x = 0; x < level.size(); x += f) {
            std::vector<uint64_t> node(2 * f);
            const size_t c = std::min<size_t>(f, level.size() - x);
            node[0] = c;
            for (size_t j = 0; j < c; j++) {
                node[f + j] = level[x + j];
                if (j > 0)
                    node[j] = mins[x + j]; // separator j-1 is at word j
            }
            upmins.push_back(mins[x]);
            up.push_back(t.nodes.size());
            t.nodes.push_back(node);
        }
        level = up;
        mins = upmins;
        t.height++;
    }
    t.root = level[0];
    return t;
}

TEST(Kernels, BtreeStreamIsLookupsInARealBulkLoadedTree)
{
    for (const char *spec : {"btree:ws=64k", "btree:ws=100k,fanout=3,hit=50,seed=6",
                             "btree:ws=1m,fanout=64,hit=0", "btree:ws=4k,fanout=16",
                             "btree:ws=300k,fanout=7,hit=90", "btree:ws=64k,fanout=1024"}) {
        mmu_synth_cfg_t c = parse(spec);
        const mmu_kern_btree_t k = start(c)->kern.btree;
        const Tree t = bulk_load(k.keys, c.fanout);
        EXPECT_EQ(t.height, k.height) << spec;
        EXPECT_EQ(t.nodes.size() * 16 * c.fanout, k.footprint) << spec;
        EXPECT_LE(k.footprint, c.ws);
        // The most keys: one more would need more room than ws.
        EXPECT_GT(bulk_load(k.keys + 1, c.fanout).nodes.size() * 16 * c.fanout, c.ws) << spec;
        c.n = 50000;
        uint64_t found = 0, asked = 0;
        const auto ref = real(c.base, c.n, [&](Log &log) {
            const uint64_t f = c.fanout, nb = 16 * f;
            auto word = [&](uint64_t node, uint64_t w) {
                log.note(node * nb + 8 * w, MMU_ACC_READ);
                return t.nodes[node][w];
            };
            for (uint64_t q = 0;; q++) {
                const uint64_t x = mmu_kern_btree_query(&k, q);
                uint64_t node = t.root;
                for (uint64_t l = 1; l < t.height; l++) {
                    const uint64_t cnt = word(node, 0);
                    uint64_t lo = 0, hi = cnt - 1;
                    while (lo < hi) {
                        const uint64_t mid = (lo + hi) / 2;
                        if (word(node, 1 + mid) <= x)
                            lo = mid + 1;
                        else
                            hi = mid;
                    }
                    node = word(node, f + lo);
                }
                const uint64_t cnt = word(node, 0);
                uint64_t lo = 0, hi = cnt;
                while (lo < hi) {
                    const uint64_t mid = (lo + hi) / 2;
                    if (word(node, 1 + mid) < x)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                asked++;
                if (lo < cnt && word(node, 1 + lo) == x) {
                    EXPECT_EQ(1000 + (x - 1) / 2, word(node, f + lo));
                    found++;
                }
            }
        });
        EXPECT_TRUE(same_stream(stream(c), ref)) << spec;
        if (c.hit_pct == 100) {
            EXPECT_EQ(asked, found) << spec;
        }
        if (c.hit_pct == 0) {
            EXPECT_EQ(0u, found) << spec;
        }
    }
}

// ---- every kernel ----------------------------------------------------------------------------

const char *const kAll[] = {"gups", "pagerank", "spmv", "hashjoin", "hashprobe", "btree"};

TEST(Kernels, SameSeedSameStreamOtherSeedOtherStream)
{
    for (const char *kind : kAll) {
        // pagerank from its pull loop: the contribution loop is the same for
        // every graph.
        const std::string spec =
            std::string(kind) + ":ws=8m" + (strcmp(kind, "pagerank") ? "" : ",start=50");
        const auto a = stream(parse(spec + ",n=30000,seed=11"));
        const auto b = stream(parse(spec + ",n=30000,seed=11"));
        const auto d = stream(parse(spec + ",n=30000,seed=12"));
        EXPECT_TRUE(same_stream(a, b)) << kind;
        EXPECT_FALSE(same_stream(a, d)) << kind;
        // A shorter stream is a prefix; the page size does not move addresses.
        const auto p = stream(parse(spec + ",n=777,seed=11"));
        EXPECT_TRUE(same_stream(p, std::vector<Acc>(a.begin(), a.begin() + 777))) << kind;
        EXPECT_TRUE(same_stream(a, stream(parse(spec + ",n=30000,seed=11,page=2m")))) << kind;
    }
}

TEST(Kernels, StreamsStayInTheFootprintAndArraysDoNotOverlap)
{
    for (const char *kind : kAll)
        for (const char *ws : {"64k", "3m", "100m"}) {
            const mmu_synth_cfg_t c = parse(std::string(kind) + ":n=200000,ws=" + ws);
            const uint64_t fp = mmu_synth_footprint(&c);
            EXPECT_LE(fp, c.ws);
            EXPECT_GT(fp, c.ws / 2) << kind << " uses too little of ws=" << ws;
            uint64_t lo = UINT64_MAX, hi = 0, writes = 0;
            for (const Acc &a : stream(c)) {
                ASSERT_GE(a.la, c.base) << kind;
                ASSERT_LT(a.la, c.base + fp) << kind;
                lo = std::min(lo, a.la);
                hi = std::max(hi, a.la);
                writes += a.type == MMU_ACC_WRITE;
                ASSERT_NE(MMU_ACC_FETCH, a.type);
            }
            // Lookups and probes only read.
            if (!strcmp(kind, "btree") || !strcmp(kind, "hashprobe"))
                EXPECT_EQ(0u, writes) << kind;
            else
                EXPECT_GT(writes, 0u) << kind;
        }
    // Each kernel's arrays: in order, 4 KiB-aligned, not overlapping.
    auto ordered = [](std::vector<std::pair<uint64_t, uint64_t>> arr, uint64_t fp) {
        for (size_t i = 0; i < arr.size(); i++) {
            EXPECT_EQ(0u, arr[i].first % 4096);
            const uint64_t end = arr[i].first + arr[i].second;
            EXPECT_LE(end, i + 1 < arr.size() ? arr[i + 1].first : fp);
        }
        EXPECT_EQ(arr.back().first + arr.back().second, fp);
    };
    const mmu_kern_pagerank_t p = start(parse("pagerank:ws=10m"))->kern.pagerank;
    ordered({{p.at_out_deg, 4 * p.v}, {p.at_in_off, 8 * (p.v + 1)}, {p.at_in_neigh, 4 * p.e},
             {p.at_score, 4 * p.v}, {p.at_contrib, 4 * p.v}},
            p.footprint);
    const mmu_kern_spmv_t s = start(parse("spmv:ws=10m"))->kern.spmv;
    ordered({{s.at_rp, 8 * (s.rows + 1)}, {s.at_col, 4 * s.nnz}, {s.at_val, 8 * s.nnz},
             {s.at_x, 8 * s.rows}, {s.at_y, 8 * s.rows}},
            s.footprint);
    const mmu_kern_hash_t h = start(parse("hashjoin:ws=10m,ratio=3"))->kern.hash;
    ordered({{h.at_r, 16 * h.nr}, {h.at_s, 16 * h.ns}, {h.at_head, 8 * h.buckets},
             {h.at_pool, 24 * h.nr}},
            h.footprint);
    const mmu_kern_hash_t q = start(parse("hashprobe:ws=10m"))->kern.hash;
    ordered({{q.at_s, 16 * q.ns}, {q.at_head, 8 * q.buckets}, {q.at_pool, 24 * q.nr}}, q.footprint);
}

// Tens of GiB (and more) simulated in a few KiB of host state, at once.
TEST(Kernels, LargeFootprintsNeedNoHostMemory)
{
    EXPECT_LT(sizeof(mmu_synth_t), 16384u);
    for (const char *spec : {"gups:ws=64g", "pagerank:ws=48g", "spmv:ws=64g,skew=76",
                             "hashjoin:ws=64g,start=60", "hashprobe:ws=1t", "btree:ws=4t"}) {
        mmu_synth_cfg_t c = parse(spec);
        c.n = 100000;
        const uint64_t fp = mmu_synth_footprint(&c);
        EXPECT_GT(fp, c.ws - c.ws / 8) << spec;
        std::set<uint64_t> pages;
        for (const Acc &a : stream(c)) {
            ASSERT_LT(a.la - c.base, fp) << spec;
            pages.insert(a.la >> 30);
        }
        EXPECT_GT(pages.size(), 1u) << spec << " touches more than one GiB";
    }
}

TEST(Kernels, DescribeSaysWhatWasBuilt)
{
    char buf[160];
    mmu_synth_cfg_t c = parse("btree:ws=64k");
    mmu_synth_describe(&c, buf, sizeof buf);
    EXPECT_STREQ("3600 keys, 256 nodes of 256 bytes, 3 levels", buf);
    c = parse("gups:ws=1m");
    mmu_synth_describe(&c, buf, sizeof buf);
    EXPECT_STREQ("table of 131072 8-byte words", buf);
    c = parse("random");
    EXPECT_EQ(0, mmu_synth_describe(&c, buf, sizeof buf));
    EXPECT_EQ(c.ws, mmu_synth_footprint(&c));
}

// ---- specs -------------------------------------------------------------------------------------

TEST(Kernels, KindAloneGivesItsDefaults)
{
    mmu_synth_cfg_t c = parse("pagerank");
    EXPECT_EQ(MMU_SYNTH_PAGERANK, c.kind);
    EXPECT_EQ(16u, c.deg);
    EXPECT_EQ(76u, c.skew);
    EXPECT_EQ(0u, c.write_pct);
    EXPECT_EQ(0u, c.fetch_pct);
    EXPECT_EQ(0u, c.start_pct);
    c = parse("spmv");
    EXPECT_EQ(16u, c.deg);
    EXPECT_EQ(50u, c.skew);
    EXPECT_EQ(0u, c.band);
    c = parse("hashjoin");
    EXPECT_EQ(1u, c.load);
    EXPECT_EQ(1u, c.ratio);
    EXPECT_EQ(100u, c.hit_pct);
    c = parse("btree");
    EXPECT_EQ(16u, c.fanout);
    EXPECT_EQ(100u, c.hit_pct);
    EXPECT_EQ(MMU_SYNTH_GUPS, parse("gups").kind);
    EXPECT_EQ(MMU_SYNTH_HASHPROBE, parse("hashprobe").kind);
}

TEST(Kernels, FormatIsCanonicalAndParsesBack)
{
    EXPECT_EQ("gups:ws=16g,n=1m,seed=1,page=4k,base=0x10000000000", format(parse("gups:ws=16g")));
    EXPECT_EQ("pagerank:ws=1g,n=10m,seed=1,page=2m,base=0x10000000000,deg=8,skew=76,start=50",
              format(parse("pagerank:n=10m,deg=8,start=50,page=2m")));
    EXPECT_EQ("spmv:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,deg=16,skew=50,band=1k,start=0",
              format(parse("spmv:band=1000")));
    EXPECT_EQ("hashjoin:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,load=2,ratio=4,hit=90,start=0",
              format(parse("hashjoin:hit=90,ratio=4,load=2")));
    EXPECT_EQ("hashprobe:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,load=1,ratio=1,hit=100",
              format(parse("hashprobe")));
    EXPECT_EQ("btree:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,hit=0,fanout=3",
              format(parse("btree:fanout=3,hit=0")));
    for (const char *s : {"gups:ws=3g,seed=0xffffffffffffffff", "pagerank:deg=1000,skew=99,ws=200g",
                          "spmv:band=18446744073709551615,deg=1,skew=50", "hashjoin:load=8,ratio=1000",
                          "hashprobe:hit=0,ws=5m,base=0xffff800000000000", "btree:fanout=1024,ws=64t",
                          "pagerank:start=99", "spmv:start=1", "hashjoin:start=0"}) {
        const mmu_synth_cfg_t a = parse(s);
        const std::string f = format(a);
        const mmu_synth_cfg_t b = parse(f);
        EXPECT_EQ(f, format(b)) << s;
        EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a)) << s << " -> " << f;
    }
}

TEST(Kernels, BadSpecsNameTheKeyAndTheProblem)
{
    struct {
        const char *spec, *msg;
    } cases[] = {
        {"bfs", "workload 'bfs': kind: unknown 'bfs' (seq, stride, random, zipf, chase, gups, "
                "pagerank, spmv, hashjoin, hashprobe and btree)"},
        {"gups:writes=10", "workload 'gups:writes=10': writes: only for seq, stride, random, zipf and chase"},
        {"btree:fetch=1", "workload 'btree:fetch=1': fetch: only for seq, stride, random, zipf and chase"},
        {"gups:deg=4", "workload 'gups:deg=4': deg: only for pagerank and spmv"},
        {"random:hit=4", "workload 'random:hit=4': hit: only for hashjoin, hashprobe and btree"},
        {"hashprobe:start=10", "workload 'hashprobe:start=10': start: only for pagerank, spmv and hashjoin"},
        {"pagerank:band=4", "workload 'pagerank:band=4': band: only for spmv"},
        {"pagerank:deg=0", "workload 'pagerank:deg=0': deg: must be 1..1000"},
        {"spmv:deg=1001", "workload 'spmv:deg=1001': deg: must be 1..1000"},
        {"pagerank:skew=100", "workload 'pagerank:skew=100': skew: must be 50..99"},
        {"spmv:skew=49", "workload 'spmv:skew=49': skew: must be 50..99"},
        {"hashjoin:load=9", "workload 'hashjoin:load=9': load: must be 1..8"},
        {"hashjoin:load=0", "workload 'hashjoin:load=0': load: must be 1..8"},
        {"hashprobe:ratio=1001", "workload 'hashprobe:ratio=1001': ratio: must be 1..1000"},
        {"btree:hit=101", "workload 'btree:hit=101': hit: must be 0..100"},
        {"btree:fanout=2", "workload 'btree:fanout=2': fanout: must be 3..1024"},
        {"pagerank:start=100", "workload 'pagerank:start=100': start: must be 0..99"},
        {"spmv:band=1x", "workload 'spmv:band=1x': band: bad number '1x'"},
        {"pagerank:deg=1k", "workload 'pagerank:deg=1k': deg: bad number '1k'"},
        {"btree:fanout=", "workload 'btree:fanout=': fanout: missing value"},
        {"pagerank:ws=16k", "workload 'pagerank:ws=16k': ws: must be at least 16388 bytes for one vertex"},
        {"pagerank:ws=200g",
         "workload 'pagerank:ws=200g': ws: must be at most 180388642816 bytes with deg=16 (2^31 vertices)"},
        {"spmv:ws=4k", "workload 'spmv:ws=4k': ws: must be at least 16392 bytes for one row"},
        {"hashjoin:ws=8k,ratio=4", "workload 'hashjoin:ws=8k,ratio=4': ws: must be at least 13824 "
                                   "bytes for one group of 64 buckets (load=1, ratio=4)"},
        {"btree:ws=8k,fanout=1024",
         "workload 'btree:ws=8k,fanout=1024': ws: must be at least 16384 bytes for one node (fanout=1024)"},
        {"gups:sz=1", "workload 'gups:sz=1': sz: unknown key (gups takes ws, n, seed, page, base, chains, lockstep, pretouch, scatter)"},
        {"btree:x=1", "workload 'btree:x=1': x: unknown key (btree takes ws, n, seed, page, base, chains, lockstep, pretouch, scatter, hit, fanout)"},
    };
    for (const auto &k : cases)
        EXPECT_EQ(std::string(k.msg), parse_error(k.spec));
}

TEST(Kernels, ValidateNamesTheBadFieldOfAHandBuiltConfig)
{
    struct {
        mmu_synth_kind_t kind;
        void (*edit)(mmu_synth_cfg_t *);
        const char *msg;
    } cases[] = {
        {MMU_SYNTH_GUPS, [](mmu_synth_cfg_t *c) { c->write_pct = 30; },
         "writes: only for seq, stride, random, zipf and chase"},
        {MMU_SYNTH_PAGERANK, [](mmu_synth_cfg_t *c) { c->fanout = 4; }, "fanout: only for btree"},
        {MMU_SYNTH_PAGERANK, [](mmu_synth_cfg_t *c) { c->deg = 0; }, "deg: must be 1..1000"},
        {MMU_SYNTH_SPMV, [](mmu_synth_cfg_t *c) { c->skew = 100; }, "skew: must be 50..99"},
        {MMU_SYNTH_HASHJOIN, [](mmu_synth_cfg_t *c) { c->load = 0; }, "load: must be 1..8"},
        {MMU_SYNTH_BTREE, [](mmu_synth_cfg_t *c) { c->hit_pct = 200; }, "hit: must be 0..100"},
        {MMU_SYNTH_RANDOM, [](mmu_synth_cfg_t *c) { c->start_pct = 5; },
         "start: only for pagerank, spmv and hashjoin"},
        {MMU_SYNTH_BTREE, [](mmu_synth_cfg_t *c) { c->ws = 4096, c->fanout = 1024; },
         "ws: must be at least 16384 bytes for one node (fanout=1024)"},
    };
    for (const auto &k : cases) {
        mmu_synth_cfg_t c;
        mmu_synth_defaults(&c, k.kind);
        char msg[160] = "";
        ASSERT_EQ(0, mmu_synth_validate(&c, msg, sizeof msg)) << msg;
        k.edit(&c);
        EXPECT_EQ(MMU_EINVAL, mmu_synth_validate(&c, msg, sizeof msg)) << k.msg;
        EXPECT_STREQ(k.msg, msg);
    }
}

} // namespace
