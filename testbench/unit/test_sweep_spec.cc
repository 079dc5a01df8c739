/* SPDX-License-Identifier: Apache-2.0 */
/* Sweep specs (model/cli/sweep_spec.c): alternatives and ranges, the point
 * order, a point's configuration through the config loader (impossible points
 * named at the spec's line), and the single-value check of the key table. */
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "sweep_spec.h"
}

namespace {

std::vector<std::string> expand(const char *v, std::string *why = nullptr)
{
    char **alt = nullptr;
    unsigned n = 0;
    char w[300] = "";
    std::vector<std::string> out;
    if (sw_expand(v, &alt, &n, w, sizeof w)) {
        if (why)
            *why = w;
        return out;
    }
    for (unsigned i = 0; i < n; i++)
        out.emplace_back(alt[i]);
    sw_free_alts(alt, n);
    return out;
}

using V = std::vector<std::string>;

TEST(SweepSpec, Ranges)
{
    EXPECT_EQ(expand("256..8192*2"), (V{"256", "512", "1024", "2048", "4096", "8192"}));
    EXPECT_EQ(expand("1..4"), (V{"1", "2", "3", "4"}));
    EXPECT_EQ(expand("1..10+4"), (V{"1", "5", "9"}));   /* stops at or below HI */
    EXPECT_EQ(expand("3..3"), (V{"3"}));
    EXPECT_EQ(expand("0 | 16..64*2"), (V{"0", "16", "32", "64"}));
}

TEST(SweepSpec, Alternatives)
{
    EXPECT_EQ(expand("lru|plru | fifo"), (V{"lru", "plru", "fifo"}));
    /* commas stay inside a value: `|` separates alternatives */
    EXPECT_EQ(expand("4k, 2m | 4k2m"), (V{"4k, 2m", "4k2m"}));
    EXPECT_EQ(expand("12"), (V{"12"}));
}

TEST(SweepSpec, BadValues)
{
    std::string why;
    EXPECT_TRUE(expand("8..2", &why).empty());
    EXPECT_NE(why.find("8 is above 2"), std::string::npos) << why;
    EXPECT_TRUE(expand("1..4*1", &why).empty());
    EXPECT_NE(why.find("factor >= 2"), std::string::npos) << why;
    EXPECT_TRUE(expand("0..8*2", &why).empty()); /* x2 from 0 never moves */
    EXPECT_TRUE(expand("1..4+0", &why).empty());
    EXPECT_TRUE(expand("x..4", &why).empty());
    EXPECT_TRUE(expand("1..", &why).empty());
    EXPECT_TRUE(expand("1||2", &why).empty());
    EXPECT_NE(why.find("alternative 2"), std::string::npos) << why;
    EXPECT_TRUE(expand("4|1..4", &why).empty());
    EXPECT_NE(why.find("'4' is given twice"), std::string::npos) << why;
    EXPECT_TRUE(expand("1..100000", &why).empty()); /* more than SW_MAX_ALTS */
}

TEST(SweepSpec, CheckKeyAlone)
{
    char why[600];
    EXPECT_EQ(sw_check_key("l2.4k2m", "entries", "1536", why, sizeof why), 0);
    EXPECT_EQ(sw_check_key("l2.4k2m", "repl", "plru", why, sizeof why), 0);
    EXPECT_EQ(sw_check_key("psc.pde", nullptr, nullptr, why, sizeof why), 0);
    /* entries=100 with the default ways is impossible, but not wrong alone */
    EXPECT_EQ(sw_check_key("l2.4k2m", "entries", "100", why, sizeof why), 0);
    EXPECT_NE(sw_check_key("l2.4k2m", "entries", "many", why, sizeof why), 0);
    EXPECT_NE(sw_check_key("l2.4k2m", "wayz", "4", why, sizeof why), 0);
    EXPECT_NE(std::string(why).find("unknown key 'wayz'"), std::string::npos) << why;
    EXPECT_NE(sw_check_key("l2.4k2m", "repl", "mru", why, sizeof why), 0);
    EXPECT_NE(sw_check_key("l3", nullptr, nullptr, why, sizeof why), 0);
    EXPECT_NE(std::string(why).find("unknown section [l3]"), std::string::npos) << why;
}

struct TmpSpec {
    std::string path;
    explicit TmpSpec(const std::string &text)
    {
        char p[] = "/tmp/test_sweep_specXXXXXX";
        int fd = mkstemp(p);
        path = p;
        FILE *f = fdopen(fd, "w");
        fputs(text.c_str(), f);
        fclose(f);
    }
    ~TmpSpec() { unlink(path.c_str()); }
};

TEST(SweepSpec, PointsAndTheirConfigs)
{
    TmpSpec t("[sweep]\n"
              "presets = skylake | zen2\n"
              "workloads = random:ws=16m\n"
              "\n"
              "[l2.4k2m]\n"
              "entries = 64..256*2\n"
              "ways = 4 | 12\n");
    sw_spec_t s;
    char msg[1024];
    ASSERT_EQ(sw_spec_load(t.path.c_str(), ".", &s, msg, sizeof msg), 0) << msg;
    EXPECT_EQ(s.npoints, 2u * 3u * 2u);
    EXPECT_EQ(s.nkeys, 2u);
    /* preset slowest, the last key fastest */
    unsigned preset, choice[2];
    sw_point_choice(&s, 7, &preset, choice);
    EXPECT_EQ(preset, 1u);
    EXPECT_EQ(choice[0], 0u);
    EXPECT_EQ(choice[1], 1u);
    mmu_config_t cfg;
    char why[1024];
    /* point 2: skylake, 128 entries, 4 ways */
    ASSERT_EQ(sw_point_config(&s, 2, &cfg, why, sizeof why), 0) << why;
    EXPECT_EQ(cfg.l2.arr[0].entries, 128u);
    EXPECT_EQ(cfg.l2.arr[0].ways, 4u);
    EXPECT_EQ(cfg.maxphyaddr, 39u); /* skylake's */
    /* point 1: 64 entries, 12 ways: impossible, named at the spec's line 7 */
    EXPECT_NE(sw_point_config(&s, 1, &cfg, why, sizeof why), 0);
    EXPECT_NE(std::string(why).find(t.path + ":7: [l2.4k2m] entries=64 not divisible by ways=12"),
              std::string::npos)
        << why;
    sw_spec_free(&s);
}

TEST(SweepSpec, SyntheticPolicies)
{
    TmpSpec t("[sweep]\nworkloads = random:ws=3m\nwarmup = 10\naccesses = 90\nseed = 5\n");
    sw_spec_t s;
    char msg[1024];
    ASSERT_EQ(sw_spec_load(t.path.c_str(), ".", &s, msg, sizeof msg), 0) << msg;
    mmu_synth_cfg_t c;
    ASSERT_EQ(sw_synth_cfg(&s, &s.wl[0], 1, &c, msg, sizeof msg), 0) << msg;
    EXPECT_EQ(c.page_size, (unsigned)MMU_PAGE_2M);
    EXPECT_EQ(c.ws, 3ull << 20);
    EXPECT_EQ(mmu_synth_mapped(&c), 4ull << 20); /* whole pages, as `run` maps it */
    EXPECT_EQ(c.n, 100u);
    EXPECT_EQ(c.seed, 5u);
    EXPECT_NE(sw_synth_cfg(&s, &s.wl[0], 3, &c, msg, sizeof msg), 0); /* mixed */
    EXPECT_NE(std::string(msg).find("needs demand paging"), std::string::npos) << msg;
    sw_spec_free(&s);
}

} // namespace
