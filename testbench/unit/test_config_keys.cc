/* SPDX-License-Identifier: Apache-2.0 */
// The config-file vocabulary in the core (model/config_keys.c, presets.c):
// mmu_config_set, the mmu_config_keys_* sets a loader feeds, the printer, the
// presets' own line splitter, and what each entry point does with bad use.
// The INI loader on top of it: test_config_file.cc.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "config.h"
#include "mmu/mmu.h"

namespace {

mmu_config_t Defaults()
{
    mmu_config_t c;
    mmu_config_init(&c);
    return c;
}

TEST(ConfigKeys, SetOneKeyAsAOneLineFileWould)
{
    mmu_config_t c = Defaults();
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_config_set(&c, "mmu", "walkers", "4", &err)) << err.msg;
    EXPECT_EQ(4u, c.walkers);
    ASSERT_EQ(0, mmu_config_set(&c, "l2.4k2m", "repl", "fifo", &err)) << err.msg;
    EXPECT_EQ(unsigned(MMU_REPL_FIFO), c.l2.arr[0].repl);
    ASSERT_EQ(0, mmu_config_set(&c, "l1i", "arrays", "none", &err)) << err.msg;
    EXPECT_EQ(0u, c.l1i.arr[0].entries);
    ASSERT_EQ(0, mmu_config_set(&c, "memlat", "line", "0x80", &err)) << err.msg;
    EXPECT_EQ(128u, c.memlat_line);
}

TEST(ConfigKeys, SetRefusesWithoutALocationAndKeepsTheConfig)
{
    const struct {
        const char *sec, *key, *val, *msg;
    } cases[] = {
        {"mmu", "walkers", "0", "[mmu] walkers=0: must be >= 1"},
        {"mmu", "walkers", "100", "[mmu] walkers=100: must be 1..64"}, // found by validate
        {"l1d", "latncy", "1", "[l1d] unknown key 'latncy' (known: latency, arrays)"},
        {"l3", "latency", "1",
         "unknown section [l3] (known: mmu, l1i, l1d, l2, <level>.<page sizes> such as l1d.4k, "
         "psc.pde, psc.pdpte, psc.pml4e, psc.pml5e, memlat, memlat.l1, memlat.l2, memlat.llc)"},
        {"l2.4k2m", "entries", "1000", "[l2.4k2m] entries=1000 not divisible by ways=12"},
        {"", "walkers", "2", "key 'walkers' before any [section]"},
        {"mmu", "preset", "zen9",
         "[mmu] preset=zen9: unknown preset (known: skylake, icelake, tigerlake, goldencove, "
         "zen2, zen3, tiny)"},
        {nullptr, "walkers", "2", "section: NULL"},
        {"mmu", nullptr, "2", "key: NULL"},
        {"mmu", "walkers", nullptr, "value: NULL"},
    };
    for (const auto &k : cases) {
        mmu_config_t c = Defaults(), before = c;
        mmu_err_t err{};
        EXPECT_EQ(MMU_EINVAL, mmu_config_set(&c, k.sec, k.key, k.val, &err)) << k.msg;
        EXPECT_EQ(MMU_EINVAL, err.code);
        EXPECT_STREQ(k.msg, err.msg);
        EXPECT_EQ(0, memcmp(&before, &c, sizeof c)) << k.msg;
        // err is optional.
        EXPECT_EQ(MMU_EINVAL, mmu_config_set(&c, k.sec, k.key, k.val, nullptr)) << k.msg;
    }
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_set(nullptr, "mmu", "walkers", "2", &err));
    EXPECT_STREQ("mmu_config_set: cfg is NULL", err.msg);
}

TEST(ConfigKeys, KeySetsAreFilesWithoutText)
{
    mmu_config_t c = Defaults();
    mmu_config_keys_t *k = nullptr;
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_config_keys_begin(&c, "host.cfg", &k, &err));
    // A new array needs entries and ways: together they are fine, whatever
    // the order, and a key may come without its section header first.
    EXPECT_EQ(0, mmu_config_keys_set(k, 1, "l1d", "arrays", "4k2m1g", &err)) << err.msg;
    EXPECT_EQ(0, mmu_config_keys_set(k, 2, "l1d.4k2m1g", "ways", "16", &err)) << err.msg;
    EXPECT_EQ(0, mmu_config_keys_set(k, 3, "l1d.4k2m1g", "entries", "64", &err)) << err.msg;
    mmu_config_t out = Defaults();
    EXPECT_EQ(0, mmu_config_keys_end(k, &out, &err)) << err.msg;
    mmu_config_keys_free(k);
    EXPECT_EQ(MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G, out.l1d.arr[0].sizes);
    EXPECT_EQ(64u, out.l1d.arr[0].entries);
    EXPECT_EQ(16u, out.l1d.arr[0].ways);
    EXPECT_EQ(0u, out.l1d.arr[1].entries);
    // ... while one of them alone is refused.
    mmu_config_t one = Defaults();
    EXPECT_EQ(MMU_EINVAL, mmu_config_set(&one, "l1d.4k2m1g", "entries", "64", &err));
}

TEST(ConfigKeys, KeySetErrorsCarryNameAndLineAndStick)
{
    mmu_config_t c = Defaults();
    mmu_config_keys_t *k = nullptr;
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_config_keys_begin(&c, "host.cfg", &k, &err));
    EXPECT_EQ(0, mmu_config_keys_section(k, 3, "l2.4k2m", &err));
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_set(k, 4, "l2.4k2m", "repl", "mru", &err));
    EXPECT_STREQ("host.cfg:4: [l2.4k2m] repl=mru: must be lru, plru, fifo or random", err.msg);
    // Later calls, good or bad, give the first error again.
    mmu_err_t again{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_set(k, 5, "mmu", "walkers", "2", &again));
    EXPECT_STREQ(err.msg, again.msg);
    mmu_config_t out = Defaults(), before = out;
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_end(k, &out, &again));
    EXPECT_STREQ(err.msg, again.msg);
    EXPECT_EQ(0, memcmp(&before, &out, sizeof out));
    mmu_config_keys_free(k);

    // A check that needs the whole set is reported at the latest line involved.
    ASSERT_EQ(0, mmu_config_keys_begin(&c, "host.cfg", &k, &err));
    EXPECT_EQ(0, mmu_config_keys_set(k, 7, "l2.4k2m", "entries", "1000", &err));
    EXPECT_EQ(0, mmu_config_keys_set(k, 8, "l2.1g", "ways", "0", &err));
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_end(k, &out, &err));
    EXPECT_STREQ("host.cfg:7: [l2.4k2m] entries=1000 not divisible by ways=12", err.msg);
    mmu_config_keys_free(k);
    // An unknown section is reported at its header, before any key.
    ASSERT_EQ(0, mmu_config_keys_begin(&c, "host.cfg", &k, &err));
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_section(k, 9, "psc.pte", &err));
    EXPECT_STREQ("host.cfg:9: unknown section [psc.pte] (paging-structure caches: psc.pde, "
                 "psc.pdpte, psc.pml4e, psc.pml5e)",
                 err.msg);
    mmu_config_keys_free(k);
}

TEST(ConfigKeys, KeySetEntryPointsRefuseNull)
{
    mmu_config_t c = Defaults();
    mmu_config_keys_t *k = nullptr;
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_begin(&c, "x", nullptr, &err));
    EXPECT_STREQ("mmu_config_keys_begin: out is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_begin(nullptr, "x", &k, &err));
    EXPECT_STREQ("mmu_config_keys_begin: base is NULL", err.msg);
    EXPECT_EQ(nullptr, k);
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_section(nullptr, 1, "mmu", &err));
    EXPECT_STREQ("mmu_config_keys_section: keys is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_set(nullptr, 1, "mmu", "walkers", "2", &err));
    EXPECT_STREQ("mmu_config_keys_set: keys is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_end(nullptr, &c, &err));
    EXPECT_STREQ("mmu_config_keys_end: keys is NULL", err.msg);
    ASSERT_EQ(0, mmu_config_keys_begin(&c, nullptr, &k, &err));
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_end(k, nullptr, &err));
    EXPECT_STREQ("mmu_config_keys_end: cfg is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_keys_section(k, 1, nullptr, &err));
    EXPECT_STREQ("section: NULL", err.msg);
    mmu_config_keys_free(k);
    mmu_config_keys_free(nullptr);
}

TEST(ConfigKeys, PresetEntryPointsRefuseBadUse)
{
    mmu_config_t c = Defaults(), before = c;
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset(nullptr, "skylake", &err));
    EXPECT_STREQ("mmu_config_preset: cfg is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset(&c, nullptr, &err));
    EXPECT_STREQ("mmu_config_preset: name is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset(&c, "nehalem", nullptr));
    EXPECT_EQ(0, memcmp(&before, &c, sizeof c));
    EXPECT_EQ(nullptr, mmu_config_preset_text("nehalem"));
    EXPECT_EQ(nullptr, mmu_config_preset_text(nullptr));
    char buf[8] = "x";
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset_describe("nehalem", buf, sizeof buf));
    EXPECT_STREQ("", buf);
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset_describe("tiny", nullptr, 8));
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset_describe("tiny", buf, 0));
    EXPECT_EQ(0, mmu_config_preset_describe("tiny", buf, sizeof buf));
    EXPECT_STREQ("Teachin", buf); // truncated to fit
}

TEST(ConfigKeys, PresetKeepsTheHostsCallbacks)
{
    mmu_config_t c = Defaults();
    int ctx = 0;
    c.walk_cb = [](void *, const mmu_walk_job *, mmu_walk_out *) { return 0; };
    c.walk_ctx = &ctx;
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_config_preset(&c, "skylake", &err)) << err.msg;
    EXPECT_NE(nullptr, c.walk_cb);
    EXPECT_EQ(&ctx, c.walk_ctx);
    EXPECT_EQ(39u, c.maxphyaddr);
}

TEST(ConfigKeys, PrintRefusesBadUse)
{
    mmu_config_t c = Defaults();
    EXPECT_EQ(MMU_EINVAL, mmu_config_print(nullptr, &c));
    FILE *f = tmpfile();
    ASSERT_NE(nullptr, f);
    EXPECT_EQ(MMU_EINVAL, mmu_config_print(f, nullptr));
    c.l1d.arr[0].sizes = 0; // no section name stands for it
    EXPECT_EQ(MMU_EINVAL, mmu_config_print(f, &c));
    fclose(f);
    // A stream that cannot be written.
    FILE *ro = fopen("/dev/null", "r");
    ASSERT_NE(nullptr, ro);
    c = Defaults();
    EXPECT_EQ(MMU_EIO, mmu_config_print(ro, &c));
    fclose(ro);
}

// The presets' line splitter (trusted text, but still checked).
TEST(ConfigKeys, LibraryTextSplitter)
{
    mmu_config_t c = Defaults();
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_apply_text(&c,
                                       "# c\n; c\n\n  [mmu]  \nwalkers = 3   ; note\r\n"
                                       "seed=0x10\n[l1d]\nlatency = 2",
                                       "p.ini", 0, &err))
        << err.msg;
    EXPECT_EQ(3u, c.walkers);
    EXPECT_EQ(16u, c.seed);
    EXPECT_EQ(2u, c.l1d.latency);
    const std::string longline = "[mmu]\nseed = " + std::string(300, '1') + "\n";
    const struct {
        const char *text, *msg;
    } bad[] = {
        {"[mmu]\nwalkers\n", "p.ini:2: expected 'key = value' or '[section]'"},
        {"[mmu\n", "p.ini:1: expected '[section]'"},
        {"[mmu]\nwalkers = 2 # x\n",
         "p.ini:2: [mmu] walkers=2 # x: not a number (a comment after a value starts with ';')"},
        {longline.c_str(),
         "p.ini:2: line too long (at most 255 characters)"},
    };
    for (const auto &b : bad) {
        mmu_config_t d = Defaults(), before = d;
        EXPECT_EQ(MMU_EINVAL, mmu_config_apply_text(&d, b.text, "p.ini", 0, &err));
        EXPECT_STREQ(b.msg, err.msg);
        EXPECT_EQ(0, memcmp(&before, &d, sizeof d));
    }
}

} // namespace
