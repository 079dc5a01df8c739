/* SPDX-License-Identifier: Apache-2.0 */
// Synthetic address streams (workloads/synth.c): spec parsing and its error
// messages, canonical formatting, and the statistical shape of each stream
// (seq/stride exact, random uniform, zipf rank-frequency, chase one cycle).
// Every statistical check uses a fixed seed, so it is deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "synth.h"

namespace {

constexpr uint64_t kBase = 0x10000000000ull;

mmu_synth_cfg_t parse(const std::string &spec)
{
    mmu_synth_cfg_t c;
    char msg[256] = "";
    EXPECT_EQ(0, mmu_synth_parse(spec.c_str(), &c, msg, sizeof msg)) << spec << ": " << msg;
    return c;
}

struct Access {
    uint64_t la;
    mmu_access_t type;
    bool operator==(const Access &o) const { return la == o.la && type == o.type; }
};

std::vector<Access> run(const std::string &spec)
{
    mmu_synth_cfg_t c = parse(spec);
    mmu_synth_t g;
    mmu_synth_init(&g, &c);
    std::vector<Access> v;
    Access a;
    while (mmu_synth_next(&g, &a.la, &a.type))
        v.push_back(a);
    return v;
}

std::vector<uint64_t> addrs(const std::string &spec)
{
    std::vector<uint64_t> v;
    for (const Access &a : run(spec))
        v.push_back(a.la);
    return v;
}

std::string parse_error(const std::string &spec)
{
    mmu_synth_cfg_t c;
    char msg[256] = "";
    EXPECT_EQ(MMU_EINVAL, mmu_synth_parse(spec.c_str(), &c, msg, sizeof msg)) << spec;
    return msg;
}

// Generalised harmonic number H(n, s) = sum_{k=1..n} k^-s.
double harmonic(unsigned n, double s)
{
    double h = 0;
    for (unsigned k = n; k >= 1; k--)
        h += std::pow(double(k), -s);
    return h;
}

// ---- parsing ------------------------------------------------------------------

TEST(Synth, KindAloneGivesItsDefaults)
{
    mmu_synth_cfg_t c = parse("random");
    EXPECT_EQ(MMU_SYNTH_RANDOM, c.kind);
    EXPECT_EQ(1ull << 30, c.ws);
    EXPECT_EQ(1000000u, c.n);
    EXPECT_EQ(1u, c.seed);
    EXPECT_EQ(kBase, c.base);
    EXPECT_EQ(unsigned(MMU_PAGE_4K), c.page_size);
    EXPECT_EQ(30u, c.write_pct);
    EXPECT_EQ(0u, c.fetch_pct);
    EXPECT_EQ(0u, c.stride);
    EXPECT_EQ(0u, c.elem);
    EXPECT_EQ(0.0, c.zipf_s);
    EXPECT_EQ(64u, parse("seq").stride);
    EXPECT_EQ(4096u, parse("stride").stride);
    EXPECT_EQ(64u, parse("chase").elem);
    EXPECT_EQ(1.0, parse("zipf").zipf_s);
}

TEST(Synth, SizesAreBinaryAndCountsDecimal)
{
    mmu_synth_cfg_t c = parse("chase:ws=64g,n=10m,elem=4k,seed=0x2a,base=0x7f0000000000");
    EXPECT_EQ(64ull << 30, c.ws);
    EXPECT_EQ(10000000u, c.n);
    EXPECT_EQ(4096u, c.elem);
    EXPECT_EQ(42u, c.seed);
    EXPECT_EQ(0x7f0000000000ull, c.base);
    EXPECT_EQ(3ull << 40, parse("random:ws=3T").ws);
    EXPECT_EQ(2000u, parse("random:n=2k").n);
    EXPECT_EQ(3000000000u, parse("random:n=3G").n);
    EXPECT_EQ(1ull << 46, parse("random:ws=64t").ws);
}

// A set smaller than a page, or not a multiple of one, stays what it is: the
// stream covers ws, and the run command maps it up to whole pages.
static uint64_t mapped(const char *spec)
{
    const mmu_synth_cfg_t c = parse(spec);
    return mmu_synth_mapped(&c);
}

TEST(Synth, WorkingSetIsKeptAndMappedUpToWholePages)
{
    EXPECT_EQ(5000u, parse("random:ws=5000").ws);
    EXPECT_EQ(8192u, mapped("random:ws=5000"));
    EXPECT_EQ(8u, parse("random:ws=1").ws); // whole 8-byte words
    EXPECT_EQ(4096u, mapped("random:ws=1"));
    EXPECT_EQ(8192u, parse("zipf:ws=5000").ws); // zipf draws whole 4 KiB pages
    EXPECT_EQ(1ull << 20, parse("random:ws=1m,page=2m").ws);
    EXPECT_EQ(2ull << 20, mapped("random:ws=1m,page=2m"));
    EXPECT_EQ(4096u, parse("random:ws=4k,page=1g").ws);
    EXPECT_EQ(1ull << 30, mapped("random:ws=4k,page=1g"));
    EXPECT_EQ(unsigned(MMU_PAGE_1G), parse("random:page=1G").page_size);
    EXPECT_EQ(1ull << 20, parse("stride:ws=1m,page=2m,stride=1m").stride);
}

TEST(Synth, SubPageSetsStayInsideTheirBytes)
{
    for (const char *spec : {"random:ws=512k,page=2m,n=50000", "chase:ws=64k,page=2m,n=5000",
                             "seq:ws=3000,page=1g,n=1000"}) {
        const mmu_synth_cfg_t c = parse(spec);
        uint64_t top = 0;
        for (uint64_t la : addrs(spec)) {
            ASSERT_GE(la, c.base) << spec;
            ASSERT_LT(la, c.base + c.ws) << spec;
            top = la > top ? la : top;
        }
        // ... and fill them: the highest address is near the end of ws.
        EXPECT_GE(top, c.base + c.ws - c.ws / 16) << spec;
    }
}

// chains, lockstep and pretouch say how the run command issues and maps the
// stream; the addresses do not depend on them.
TEST(Synth, IssueKeysLeaveTheAddressesAlone)
{
    const auto plain = addrs("random:ws=1m,n=2000");
    EXPECT_EQ(plain, addrs("random:ws=1m,n=2000,chains=2"));
    EXPECT_EQ(plain, addrs("random:ws=1m,n=2000,chains=3,lockstep=1,pretouch=1,scatter=1"));
    const mmu_synth_cfg_t c = parse("chase:chains=2,lockstep=1,pretouch=1");
    EXPECT_EQ(2u, c.chains);
    EXPECT_EQ(1u, c.lockstep);
    EXPECT_EQ(1u, c.pretouch);
    const mmu_synth_cfg_t d = parse("chase");
    EXPECT_EQ(1u, d.chains);
    EXPECT_EQ(0u, d.lockstep);
    EXPECT_EQ(0u, d.pretouch);
}

TEST(Synth, ParseErrorsNameTheKeyAndTheProblem)
{
    struct {
        const char *spec, *msg;
    } cases[] = {
        {"", "workload '': kind: unknown '' (seq, stride, random, zipf, chase, gups, pagerank, spmv, hashjoin, hashprobe and btree)"},
        {"rand:ws=1m", "workload 'rand:ws=1m': kind: unknown 'rand' (seq, stride, random, zipf, chase, gups, pagerank, spmv, hashjoin, hashprobe and btree)"},
        {"random:", "workload 'random:': empty key=value item"},
        {"random:ws=1m,", "workload 'random:ws=1m,': empty key=value item"},
        {"random:ws", "workload 'random:ws': ws: expected key=value"},
        {"random:size=1m",
         "workload 'random:size=1m': size: unknown key (random takes ws, n, seed, page, base, writes, fetch, chains, lockstep, pretouch, scatter)"},
        {"zipf:x=1", "workload 'zipf:x=1': x: unknown key (zipf takes ws, n, seed, page, base, writes, fetch, s, chains, lockstep, pretouch, scatter)"},
        {"random:s=1", "workload 'random:s=1': s: only for zipf"},
        {"chase:stride=64", "workload 'chase:stride=64': stride: only for seq and stride"},
        {"seq:elem=64", "workload 'seq:elem=64': elem: only for chase"},
        {"random:ws=1m,ws=2m", "workload 'random:ws=1m,ws=2m': ws: given twice"},
        {"random:ws=", "workload 'random:ws=': ws: missing value"},
        {"random:ws=12x", "workload 'random:ws=12x': ws: bad number '12x'"},
        {"random:ws=1kk", "workload 'random:ws=1kk': ws: bad number '1kk'"},
        {"random:ws=-1", "workload 'random:ws=-1': ws: bad number '-1'"},
        {"random:ws=0", "workload 'random:ws=0': ws: must be > 0"},
        {"random:ws=65t", "workload 'random:ws=65t': ws: must be at most 64t (2^46 bytes)"},
        {"random:ws=99999999999999999999", "workload 'random:ws=99999999999999999999': ws: '99999999999999999999' is too large"},
        {"random:ws=20000000t", "workload 'random:ws=20000000t': ws: '20000000t' is too large"},
        {"random:n=1t", "workload 'random:n=1t': n: bad number '1t'"},
        {"random:n=0", "workload 'random:n=0': n: must be >= 1"},
        {"random:seed=1k", "workload 'random:seed=1k': seed: bad number '1k'"},
        {"random:page=8k", "workload 'random:page=8k': page: must be 4k, 2m or 1g"},
        {"random:base=0x800000000000", "workload 'random:base=0x800000000000': base: 0x800000000000 is not canonical (48-bit)"},
        {"random:base=0x1800", "workload 'random:base=0x1800': base: must be a multiple of the page size (4k)"},
        {"random:base=0x1000,page=2m", "workload 'random:base=0x1000,page=2m': base: must be a multiple of the page size (2m)"},
        {"random:base=0x7fffffe00000,ws=4m", "workload 'random:base=0x7fffffe00000,ws=4m': base: base+ws runs past the end of the canonical lower half"},
        {"random:base=0xfffffffffff00000,ws=2m", "workload 'random:base=0xfffffffffff00000,ws=2m': base: base+ws runs past the end of the canonical upper half"},
        {"random:writes=101", "workload 'random:writes=101': writes: must be 0..100"},
        {"random:fetch=200", "workload 'random:fetch=200': fetch: must be 0..100"},
        {"random:writes=60,fetch=50", "workload 'random:writes=60,fetch=50': fetch: writes+fetch must be <= 100"},
        {"stride:stride=0", "workload 'stride:stride=0': stride: must be > 0"},
        {"stride:stride=12", "workload 'stride:stride=12': stride: must be a multiple of 8"},
        {"stride:ws=4k,stride=8k", "workload 'stride:ws=4k,stride=8k': stride: must be <= ws (4096 bytes)"},
        {"chase:elem=4", "workload 'chase:elem=4': elem: must be a multiple of 8"},
        {"chase:ws=4k,elem=1m", "workload 'chase:ws=4k,elem=1m': elem: must be <= ws (4096 bytes)"},
        {"zipf:s=0", "workload 'zipf:s=0': s: must be > 0"},
        {"zipf:s=-1", "workload 'zipf:s=-1': s: must be > 0"},
        {"zipf:s=-0.5", "workload 'zipf:s=-0.5': s: must be > 0"},
        {"zipf:s=1.0x", "workload 'zipf:s=1.0x': s: bad number '1.0x'"},
        {"zipf:s=inf", "workload 'zipf:s=inf': s: bad number 'inf'"},
        {"zipf:s=0x1p1", "workload 'zipf:s=0x1p1': s: bad number '0x1p1'"},
        {"zipf:s=-nan", "workload 'zipf:s=-nan': s: bad number '-nan'"},
        {"zipf:s=1 ", "workload 'zipf:s=1 ': s: bad number '1 '"},
        {"zipf:s= 1", "workload 'zipf:s= 1': s: bad number ' 1'"},
        {"random:seed= 1", "workload 'random:seed= 1': seed: bad number ' 1'"},
        {"random:n=\v1", "workload 'random:n=\v1': n: bad number '\v1'"},
        {"random:base=+0x1000", "workload 'random:base=+0x1000': base: bad number '+0x1000'"},
        {"zipf:s=1e999", "workload 'zipf:s=1e999': s: '1e999' is too large"},
        {"random:chains=0", "workload 'random:chains=0': chains: must be 1..16"},
        {"random:chains=17", "workload 'random:chains=17': chains: must be 1..16"},
        {"random:lockstep=1", "workload 'random:lockstep=1': lockstep: needs chains >= 2"},
        {"random:chains=2,lockstep=2", "workload 'random:chains=2,lockstep=2': lockstep: must be 0 or 1"},
        {"random:pretouch=yes", "workload 'random:pretouch=yes': pretouch: bad number 'yes'"},
        {"random:pretouch=3", "workload 'random:pretouch=3': pretouch: must be 0 or 1"},
        {"random:scatter=2", "workload 'random:scatter=2': scatter: must be 0 or 1"},
        {"random:ws=1m,ws=2m", "workload 'random:ws=1m,ws=2m': ws: given twice"},
    };
    for (const auto &k : cases)
        EXPECT_EQ(std::string(k.msg), parse_error(k.spec));
}

TEST(Synth, ParseErrorMessageIsTruncatedToTheBuffer)
{
    mmu_synth_cfg_t c;
    char msg[12];
    EXPECT_EQ(MMU_EINVAL, mmu_synth_parse("random:ws=0", &c, msg, sizeof msg));
    EXPECT_STREQ("workload 'r", msg);
    EXPECT_EQ(MMU_EINVAL, mmu_synth_parse("random:ws=0", &c, nullptr, 0));
    EXPECT_EQ(MMU_EINVAL, mmu_synth_parse(nullptr, &c, nullptr, 0));
}

TEST(Synth, ValidateNamesTheBadFieldOfAHandBuiltConfig)
{
    struct {
        void (*edit)(mmu_synth_cfg_t *);
        const char *msg;
    } cases[] = {
        {[](mmu_synth_cfg_t *c) { c->ws = 4097; }, "ws: must be a multiple of 8"},
        {[](mmu_synth_cfg_t *c) { c->chains = 0; }, "chains: must be 1..16"},
        {[](mmu_synth_cfg_t *c) { c->chains = 17; }, "chains: must be 1..16"},
        {[](mmu_synth_cfg_t *c) { c->lockstep = 1; }, "lockstep: needs chains >= 2"},
        {[](mmu_synth_cfg_t *c) { c->pretouch = 2; }, "pretouch: must be 0 or 1"},
        {[](mmu_synth_cfg_t *c) { c->page_size = 3; }, "page: must be 4k, 2m or 1g"},
        {[](mmu_synth_cfg_t *c) { c->kind = mmu_synth_kind_t(99); }, "kind: unknown kind 99"},
        {[](mmu_synth_cfg_t *c) { c->stride = 64; }, "stride: only for seq and stride"},
        {[](mmu_synth_cfg_t *c) { c->elem = 64; }, "elem: only for chase"},
        {[](mmu_synth_cfg_t *c) { c->zipf_s = NAN; }, "s: only for zipf"},
    };
    for (const auto &k : cases) {
        mmu_synth_cfg_t c;
        mmu_synth_defaults(&c, MMU_SYNTH_RANDOM);
        char msg[128] = "";
        ASSERT_EQ(0, mmu_synth_validate(&c, msg, sizeof msg)) << msg;
        k.edit(&c);
        EXPECT_EQ(MMU_EINVAL, mmu_synth_validate(&c, msg, sizeof msg));
        EXPECT_STREQ(k.msg, msg);
    }
    mmu_synth_cfg_t z;
    mmu_synth_defaults(&z, MMU_SYNTH_ZIPF);
    z.zipf_s = NAN;
    char msg[128];
    EXPECT_EQ(MMU_EINVAL, mmu_synth_validate(&z, msg, sizeof msg));
    EXPECT_STREQ("s: must be > 0", msg);
}

// ---- formatting -----------------------------------------------------------------

bool same(const mmu_synth_cfg_t &a, const mmu_synth_cfg_t &b)
{
    return a.kind == b.kind && a.ws == b.ws && a.n == b.n && a.seed == b.seed &&
           a.base == b.base && a.stride == b.stride && a.elem == b.elem &&
           a.zipf_s == b.zipf_s && a.page_size == b.page_size && a.write_pct == b.write_pct &&
           a.fetch_pct == b.fetch_pct;
}

std::string format(const mmu_synth_cfg_t &c)
{
    char buf[MMU_SYNTH_SPEC_MAX];
    int len = mmu_synth_format(&c, buf, sizeof buf);
    EXPECT_GT(len, 0);
    EXPECT_LT(len, int(sizeof buf));
    return buf;
}

TEST(Synth, FormatIsCanonical)
{
    EXPECT_EQ("zipf:ws=1g,n=10m,seed=1,page=4k,base=0x10000000000,writes=30,fetch=0,s=0.8",
              format(parse("zipf:s=0.8,n=10000000")));
    EXPECT_EQ("seq:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,writes=30,fetch=0,stride=64",
              format(parse("seq")));
    EXPECT_EQ("chase:ws=9000,n=1001,seed=7,page=4k,base=0x10000000000,writes=0,fetch=5,elem=24",
              format(parse("chase:ws=9000,elem=24,n=1001,seed=7,writes=0,fetch=5")));
    EXPECT_EQ("stride:ws=5m,n=1m,seed=1,page=2m,base=0xffff800000000000,writes=30,fetch=0,stride=12k",
              format(parse("stride:ws=5m,page=2m,stride=12288,base=0xffff800000000000")));
    // The issue keys only when set, after the kind's own key.
    EXPECT_EQ("random:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,writes=30,fetch=0,chains=2,"
              "lockstep=1,pretouch=1",
              format(parse("random:pretouch=1,lockstep=1,chains=2")));
    EXPECT_EQ("chase:ws=1g,n=1m,seed=1,page=4k,base=0x10000000000,writes=30,fetch=0,elem=64,"
              "chains=16",
              format(parse("chase:chains=16")));
    // Like snprintf: the full length, and a truncated but terminated buffer.
    mmu_synth_cfg_t c = parse("random");
    char small[8];
    EXPECT_EQ(int(format(c).size()), mmu_synth_format(&c, small, sizeof small));
    EXPECT_STREQ("random:", small);
    c.page_size = 5;
    EXPECT_EQ(MMU_EINVAL, mmu_synth_format(&c, small, sizeof small));
}

TEST(Synth, FormatParsesBackToTheSameConfig)
{
    const char *specs[] = {
        "seq", "stride", "random", "zipf", "chase",
        "zipf:s=0.1,ws=100m,n=123457,seed=18446744073709551615",
        "zipf:s=1.2345678901234567", "zipf:s=1e-7", "zipf:s=3e300",
        "random:ws=64t,page=1g,base=0x0,writes=100,fetch=0",
        "chase:elem=8,ws=4k,page=4k,n=1g", "stride:stride=4104,ws=1000000,n=999",
        "seq:stride=8,fetch=100,writes=0",
        "random:ws=512k,page=2m,chains=2,lockstep=1,pretouch=1", "chase:chains=5,ws=3000",
        "random:scatter=1", "seq:pretouch=1,scatter=1",
    };
    for (const char *s : specs) {
        mmu_synth_cfg_t a = parse(s);
        std::string f = format(a);
        mmu_synth_cfg_t b = parse(f);
        EXPECT_TRUE(same(a, b)) << s << " -> " << f;
        EXPECT_EQ(f, format(b));
    }
}

// ---- streams ---------------------------------------------------------------------

TEST(Synth, EveryAddressLiesInTheWorkingSet)
{
    for (const char *kind : {"seq", "stride", "random", "zipf", "chase"}) {
        for (const char *ws : {"ws=100k", "ws=4k", "ws=3m,page=2m"}) {
            std::string spec = std::string(kind) + ":" + ws + ",n=20000";
            if (std::string(kind) == "stride")
                spec += ",stride=4088"; // not a divisor of the set
            mmu_synth_cfg_t c = parse(spec);
            for (uint64_t la : addrs(spec)) {
                ASSERT_GE(la, c.base) << spec;
                ASSERT_LT(la, c.base + c.ws) << spec;
                ASSERT_EQ(0u, la % 8) << spec;
            }
        }
    }
}

TEST(Synth, LargestWorkingSetStaysInRange)
{
    for (const char *spec : {"random:ws=64t,n=10000", "zipf:ws=64t,n=10000,s=0.5",
                             "chase:ws=64t,elem=8,n=10000",
                             "random:ws=64t,base=0xffff800000000000,n=1000"}) {
        mmu_synth_cfg_t c = parse(spec);
        for (uint64_t la : addrs(spec)) {
            ASSERT_GE(la, c.base) << spec;
            ASSERT_LE(la - c.base, c.ws - 8) << spec;
        }
    }
}

TEST(Synth, SeqVisitsEveryLineInOrderAndWraps)
{
    std::vector<uint64_t> v = addrs("seq:ws=8k,n=300");
    ASSERT_EQ(300u, v.size());
    for (size_t i = 0; i < v.size(); i++)
        EXPECT_EQ(kBase + (i * 64) % 8192, v[i]) << i;
}

TEST(Synth, StrideSkipsThePartialLastStride)
{
    // 20 KiB with an 8 KiB stride: offsets 0, 8k, 16k, then back to 0.
    std::vector<uint64_t> v = addrs("stride:ws=20k,stride=8k,n=7,base=0x200000");
    std::vector<uint64_t> want;
    for (uint64_t off : {0, 8192, 16384, 0, 8192, 16384, 0})
        want.push_back(0x200000 + off);
    EXPECT_EQ(want, v);
    std::vector<uint64_t> d = addrs("stride:ws=16k,n=5");
    EXPECT_EQ((std::vector<uint64_t>{kBase, kBase + 4096, kBase + 8192, kBase + 12288, kBase}), d);
}

TEST(Synth, RandomIsUniformOverPagesAndWords)
{
    // 16 pages, 10,000 expected per page: chi-square with 15 degrees of freedom
    // is below 37.7 with probability 0.999.
    std::vector<uint64_t> v = addrs("random:ws=64k,n=160000,seed=3");
    std::vector<double> pages(16), words(512);
    for (uint64_t la : v) {
        pages[(la - kBase) >> 12]++;
        words[((la - kBase) & 4095) >> 3]++;
    }
    double chi = 0;
    for (double c : pages)
        chi += (c - 10000) * (c - 10000) / 10000;
    EXPECT_LT(chi, 37.7);
    // Offsets within a page are uniform too: 511 dof, 99.9% bound 617.
    double chiw = 0, e = 160000.0 / 512;
    for (double c : words)
        chiw += (c - e) * (c - e) / e;
    EXPECT_LT(chiw, 617.0);
    EXPECT_GT(chiw, 400.0); // and not suspiciously flat
}

// Rank-frequency of a zipf stream over 1024 pages, ranks recovered by sorting.
void check_zipf_shape(double s)
{
    const unsigned N = 1024, n = 200000;
    std::vector<uint64_t> v = addrs("zipf:ws=4m,n=200000,seed=5,s=" + std::to_string(s));
    std::vector<double> freq(N);
    for (uint64_t la : v)
        freq[(la - kBase) >> 12]++;
    std::sort(freq.begin(), freq.end(), std::greater<double>());
    double top = freq[0] / n, want = 1.0 / harmonic(N, s);
    EXPECT_NEAR(top, want, 0.03 * want) << "s=" << s;
    // Least-squares slope of log(frequency) on log(rank) over ranks 1..64.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const unsigned R = 64;
    for (unsigned r = 1; r <= R; r++) {
        double x = std::log(double(r)), y = std::log(freq[r - 1]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    double slope = (R * sxy - sx * sy) / (R * sxx - sx * sx);
    EXPECT_NEAR(-s, slope, 0.05) << "s=" << s;
}

TEST(Synth, ZipfTopPageAndSlopeMatchExponentOne) { check_zipf_shape(1.0); }
TEST(Synth, ZipfTopPageAndSlopeMatchExponentPointEight) { check_zipf_shape(0.8); }

TEST(Synth, ZipfMatchesTheExactDistributionPerRank)
{
    // 16 pages; the generator's own permutation maps each page back to its
    // rank. Chi-square with 15 dof, 99.9% bound 37.7. s = 2 exercises the
    // rejection step most, s = 0.3 the squeeze.
    for (double s : {0.3, 1.0, 2.0}) {
        mmu_synth_cfg_t c = parse("zipf:ws=64k,n=100000,seed=9,s=" + std::to_string(s));
        mmu_synth_t g;
        mmu_synth_init(&g, &c);
        std::vector<unsigned> rank_of(16);
        for (unsigned r = 0; r < 16; r++)
            rank_of[mmu_synth_perm_apply(&g.perm, r)] = r;
        std::vector<double> count(16);
        uint64_t la;
        mmu_access_t t;
        while (mmu_synth_next(&g, &la, &t))
            count[rank_of[(la - kBase) >> 12]]++;
        double h = harmonic(16, s), chi = 0;
        for (unsigned r = 0; r < 16; r++) {
            double e = 100000 * std::pow(r + 1.0, -s) / h;
            chi += (count[r] - e) * (count[r] - e) / e;
        }
        EXPECT_LT(chi, 37.7) << "s=" << s;
    }
}

// The pages of a stream, hottest first.
std::vector<uint64_t> pages_by_heat(const std::string &spec, uint64_t pages)
{
    std::vector<std::pair<int64_t, uint64_t>> count(pages); // (-count, page)
    for (uint64_t p = 0; p < pages; p++)
        count[p].second = p;
    for (uint64_t la : addrs(spec))
        count[(la - kBase) >> 12].first--;
    std::sort(count.begin(), count.end());
    std::vector<uint64_t> v;
    for (const auto &c : count)
        v.push_back(c.second);
    return v;
}

TEST(Synth, ZipfHotPagesAreScatteredOverTheSet)
{
    // The 8 hottest of 4096 pages: clustered at the start they would all be
    // below page 8; scattered, they spread over most of the set.
    std::vector<uint64_t> hot = pages_by_heat("zipf:ws=16m,n=50000", 4096);
    hot.resize(8);
    uint64_t lo = *std::min_element(hot.begin(), hot.end());
    uint64_t hi = *std::max_element(hot.begin(), hot.end());
    EXPECT_LE(std::count_if(hot.begin(), hot.end(), [](uint64_t p) { return p < 64; }), 1);
    EXPECT_GT(hi - lo, 4096u / 2);
    // And another seed puts the hottest page elsewhere.
    EXPECT_NE(hot[0], pages_by_heat("zipf:ws=16m,n=50000,seed=2", 4096)[0]);
}

TEST(Synth, ZipfExtremeExponentsStayInRange)
{
    // Tiny s is nearly uniform, huge s is all on the hottest page.
    for (const char *s : {"1e-9", "50", "1e300"}) {
        std::string spec = std::string("zipf:ws=1m,n=5000,s=") + s;
        mmu_synth_cfg_t c = parse(spec);
        std::vector<uint64_t> v = addrs(spec);
        ASSERT_EQ(5000u, v.size());
        unsigned on_top = 0;
        uint64_t top = v[0] >> 12;
        for (uint64_t la : v) {
            ASSERT_GE(la, c.base);
            ASSERT_LT(la, c.base + c.ws);
            on_top += (la >> 12) == top;
        }
        if (std::string(s) == "1e-9")
            EXPECT_LT(on_top, 100u);
        else
            EXPECT_EQ(5000u, on_top);
    }
}

// One lap of a chase over `elems` elements: each exactly once; the next lap
// repeats the cycle; successive elements are rarely neighbours.
void check_chase(const std::string &spec, uint64_t elems, uint64_t elem)
{
    mmu_synth_cfg_t c = parse(spec + ",n=" + std::to_string(2 * elems));
    ASSERT_EQ(elem, c.elem);
    ASSERT_EQ(elems, c.ws / c.elem) << spec;
    std::vector<uint64_t> v = addrs(spec + ",n=" + std::to_string(2 * elems));
    ASSERT_EQ(2 * elems, v.size());
    std::vector<bool> seen(elems);
    uint64_t neighbours = 0;
    for (uint64_t i = 0; i < elems; i++) {
        uint64_t off = v[i] - c.base;
        ASSERT_EQ(0u, off % elem);
        ASSERT_LT(off / elem, elems);
        EXPECT_FALSE(seen[off / elem]) << spec << " element " << off / elem << " twice";
        seen[off / elem] = true;
        EXPECT_EQ(v[i], v[i + elems]) << "lap 2 differs at " << i;
        if (i > 0) {
            uint64_t d = v[i] > v[i - 1] ? v[i] - v[i - 1] : v[i - 1] - v[i];
            neighbours += d == elem;
        }
    }
    EXPECT_LE(neighbours, elems / 50 + 5) << spec; // a sequential walk has elems-1
}

TEST(Synth, ChaseVisitsEveryElementOncePerLapPowerOfTwo)
{
    check_chase("chase:ws=64k", 1024, 64);
    check_chase("chase:ws=4m,elem=4k", 1024, 4096);
}

TEST(Synth, ChaseVisitsEveryElementOncePerLapOtherCounts)
{
    check_chase("chase:ws=100k", 1600, 64);
    check_chase("chase:ws=4k,elem=24", 170, 24);
    check_chase("chase:ws=1m,elem=1032", 1016, 1032);
    check_chase("chase:ws=4k,elem=4k", 1, 4096);
}

TEST(Synth, PermutationIsABijectionForEveryDomainSize)
{
    // The keys of a real generator, on every domain size up to 300 (odd and
    // even widths, powers of two and the cycle-walked sizes between them).
    mmu_synth_cfg_t c = parse("chase");
    mmu_synth_t g;
    mmu_synth_init(&g, &c);
    for (uint64_t n = 1; n <= 300; n++) {
        mmu_synth_perm_t p = g.perm;
        p.n = n;
        for (p.bits = 0; (1ull << p.bits) < n; p.bits++) {
        }
        std::vector<bool> hit(n);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t y = mmu_synth_perm_apply(&p, i);
            ASSERT_LT(y, n);
            ASSERT_FALSE(hit[y]) << "n=" << n;
            hit[y] = true;
        }
    }
}

TEST(Synth, SameSeedSameStreamOtherSeedOtherStream)
{
    for (const char *kind : {"seq", "stride", "random", "zipf", "chase"}) {
        std::string a = std::string(kind) + ":ws=1m,n=2000,seed=11";
        std::string b = std::string(kind) + ":ws=1m,n=2000,seed=12";
        EXPECT_EQ(run(a), run(a)) << kind;
        EXPECT_NE(run(a), run(b)) << kind;
    }
    // Random kinds differ in the addresses themselves, not just the types.
    for (const char *kind : {"random", "zipf", "chase"}) {
        std::string a = std::string(kind) + ":ws=1m,n=2000,seed=11";
        std::string b = std::string(kind) + ":ws=1m,n=2000,seed=12";
        EXPECT_NE(addrs(a), addrs(b)) << kind;
    }
}

TEST(Synth, AddressesDoNotDependOnTypesPageSizeOrLength)
{
    for (const char *kind : {"random", "zipf", "chase"}) {
        std::string k = std::string(kind) + ":ws=4m,seed=4,n=3000";
        std::vector<uint64_t> plain = addrs(k);
        EXPECT_EQ(plain, addrs(k + ",writes=0,fetch=0")) << kind;
        EXPECT_EQ(plain, addrs(k + ",writes=50,fetch=20")) << kind;
        EXPECT_EQ(plain, addrs(k + ",page=2m")) << kind;
        std::vector<uint64_t> shorter = addrs(std::string(kind) + ":ws=4m,seed=4,n=1000");
        EXPECT_TRUE(std::equal(shorter.begin(), shorter.end(), plain.begin())) << kind;
        std::vector<uint64_t> moved = addrs(k + ",base=0x40000000");
        for (size_t i = 0; i < plain.size(); i++)
            ASSERT_EQ(plain[i] - kBase, moved[i] - 0x40000000) << kind;
    }
}

TEST(Synth, WriteAndFetchPercentages)
{
    struct {
        const char *spec;
        double writes, fetches;
    } cases[] = {
        {"random:n=100000", 0.30, 0.0},
        {"zipf:n=100000,writes=10,fetch=25", 0.10, 0.25},
        {"seq:n=100000,writes=0,fetch=0", 0.0, 0.0},
        {"chase:ws=1m,n=100000,writes=100", 1.0, 0.0},
        {"stride:n=100000,writes=0,fetch=100", 0.0, 1.0},
    };
    for (const auto &k : cases) {
        std::vector<Access> v = run(k.spec);
        ASSERT_EQ(100000u, v.size());
        double w = 0, f = 0;
        for (const Access &a : v) {
            w += a.type == MMU_ACC_WRITE;
            f += a.type == MMU_ACC_FETCH;
        }
        EXPECT_NEAR(k.writes, w / v.size(), 0.006) << k.spec;
        EXPECT_NEAR(k.fetches, f / v.size(), 0.006) << k.spec;
    }
}

TEST(Synth, StopsAfterNAccesses)
{
    mmu_synth_cfg_t c = parse("random:n=1234");
    mmu_synth_t g;
    mmu_synth_init(&g, &c);
    uint64_t la = 77;
    mmu_access_t t = MMU_ACC_WRITE;
    unsigned count = 0;
    while (mmu_synth_next(&g, &la, &t))
        count++;
    EXPECT_EQ(1234u, count);
    la = 77;
    t = MMU_ACC_FETCH;
    EXPECT_FALSE(mmu_synth_next(&g, &la, &t));
    EXPECT_EQ(77u, la); // untouched once the stream is over
    EXPECT_EQ(MMU_ACC_FETCH, t);
    EXPECT_EQ(1u, run("chase:n=1").size());
}

} // namespace
