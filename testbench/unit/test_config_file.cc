/* SPDX-License-Identifier: Apache-2.0 */
// Config files and presets (model/config_file.c, config_keys.c, presets.c): every preset
// loads and validates, write -> load round-trips, files apply on top of what
// is there, and each kind of bad input gives its exact "file:line:" message.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

#include "mmu/mmu.h"
#include "mmu/mmu_config_file.h"
#include "mmu/mmu_mem.h"

namespace {

// Every field a config file can set; the memlat callback and its context, the
// unused psc[0..1] and the ignored psc sizes are not part of a file.
void ExpectSameConfig(const mmu_config_t &a, const mmu_config_t &b, const std::string &what)
{
#define SAME(f) EXPECT_EQ(a.f, b.f) << what << ": " #f
    SAME(maxphyaddr);
    SAME(page_1g);
    SAME(ad_on_fault);
    SAME(ad_retry_limit);
    const mmu_tlb_cfg_t *la[] = {&a.l1i, &a.l1d, &a.l2}, *lb[] = {&b.l1i, &b.l1d, &b.l2};
    for (int l = 0; l < 3; l++) {
        const std::string lv = what + ": level " + std::to_string(l);
        EXPECT_EQ(la[l]->latency, lb[l]->latency) << lv << " latency";
        for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
            const mmu_array_cfg_t &x = la[l]->arr[i], &y = lb[l]->arr[i];
            const std::string ar = lv + " arr[" + std::to_string(i) + "]";
            EXPECT_EQ(x.entries, y.entries) << ar << " entries";
            EXPECT_EQ(x.ways, y.ways) << ar << " ways";
            EXPECT_EQ(x.sizes, y.sizes) << ar << " sizes";
            EXPECT_EQ(x.repl, y.repl) << ar << " repl";
            EXPECT_EQ(x.index, y.index) << ar << " index";
            EXPECT_EQ(x.index_bits, y.index_bits) << ar << " index_bits";
        }
    }
    SAME(l2_inclusive);
    for (int k = 2; k <= 5; k++) {
        const std::string ps = what + ": psc[" + std::to_string(k) + "]";
        EXPECT_EQ(a.psc[k].arr.entries, b.psc[k].arr.entries) << ps << " entries";
        EXPECT_EQ(a.psc[k].arr.ways, b.psc[k].arr.ways) << ps << " ways";
        EXPECT_EQ(a.psc[k].arr.repl, b.psc[k].arr.repl) << ps << " repl";
        EXPECT_EQ(a.psc[k].arr.index, b.psc[k].arr.index) << ps << " index";
        EXPECT_EQ(a.psc[k].arr.index_bits, b.psc[k].arr.index_bits) << ps << " index_bits";
        EXPECT_EQ(a.psc[k].latency, b.psc[k].latency) << ps << " latency";
    }
    SAME(walkers);
    SAME(walk_level_latency);
    for (int i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        const std::string ml = what + ": memlat[" + std::to_string(i) + "]";
        EXPECT_EQ(a.memlat[i].sets, b.memlat[i].sets) << ml << " sets";
        EXPECT_EQ(a.memlat[i].ways, b.memlat[i].ways) << ml << " ways";
        EXPECT_EQ(a.memlat[i].latency, b.memlat[i].latency) << ml << " latency";
        EXPECT_EQ(a.memlat_plru[i], b.memlat_plru[i]) << ml << " plru";
    }
    SAME(memlat_line);
    SAME(dram_latency);
    SAME(rmw_latency);
    SAME(fault_rewalk);
    SAME(seed);
#undef SAME
}

std::string Write(const mmu_config_t &c)
{
    FILE *f = tmpfile();
    EXPECT_NE(nullptr, f);
    if (!f)
        return "";
    EXPECT_EQ(0, mmu_config_print(f, &c));
    rewind(f);
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        s.append(buf, n);
    fclose(f);
    return s;
}

mmu_config_t Preset(const char *name)
{
    mmu_config_t c;
    mmu_config_init(&c);
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_preset(&c, name, &err)) << err.msg;
    return c;
}

// Load text on top of base; returns the message ("" on success). The bytes
// go through the file path too (mmu_config_load_mem), which must agree.
std::string Load(const std::string &text, mmu_config_t *base)
{
    mmu_err_t err{}, ferr{};
    mmu_config_t viafile = *base;
    int frc = mmu_config_load_mem(text.data(), text.size(), "t.ini", &viafile, &ferr);
    int rc = mmu_config_load_string(text.c_str(), "t.ini", base, &err);
    EXPECT_EQ(rc ? MMU_EINVAL : 0, rc);
    EXPECT_EQ(rc, err.code);
    EXPECT_EQ(rc, frc) << text;
    EXPECT_STREQ(err.msg, ferr.msg) << text;
    ExpectSameConfig(*base, viafile, "string vs file: " + text);
    return rc ? std::string(err.msg) : std::string();
}

// Load bytes (which may hold NULs) through the file path.
std::string LoadBytes(const std::string &bytes, mmu_config_t *base)
{
    mmu_err_t err{};
    int rc = mmu_config_load_mem(bytes.data(), bytes.size(), "t.ini", base, &err);
    return rc ? std::string(err.msg) : std::string();
}

TEST(ConfigFile, SevenPresetsAreBuiltIn)
{
    const char *want[] = {"skylake", "icelake", "tigerlake", "goldencove", "zen2", "zen3", "tiny"};
    ASSERT_EQ(7u, mmu_config_preset_count());
    for (unsigned i = 0; i < 7; i++)
        EXPECT_STREQ(want[i], mmu_config_preset_name(i));
    EXPECT_EQ(nullptr, mmu_config_preset_name(7));
    mmu_config_t c;
    mmu_config_init(&c);
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_preset(&c, "nehalem", &err));
    EXPECT_STREQ("unknown preset 'nehalem' (known: skylake, icelake, tigerlake, goldencove, zen2, "
                 "zen3, tiny)",
                 err.msg);
}

TEST(ConfigFile, EveryPresetLoadsValidatesAndDescribesItself)
{
    for (unsigned i = 0; i < mmu_config_preset_count(); i++) {
        const char *name = mmu_config_preset_name(i);
        mmu_config_t c = Preset(name);
        mmu_err_t err{};
        EXPECT_EQ(0, mmu_config_validate(&c, &err)) << name << ": " << err.msg;
        char desc[256];
        EXPECT_EQ(0, mmu_config_preset_describe(name, desc, sizeof desc));
        EXPECT_GT(strlen(desc), 20u) << name;
        // An MMU can be built from it.
        mmu_sparse_mem_t *mem = nullptr;
        ASSERT_EQ(0, mmu_sparse_mem_create(c.maxphyaddr, &mem));
        mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
        mmu_t *mmu = nullptr;
        EXPECT_EQ(0, mmu_create(&c, &ops, &mmu, &err)) << name << ": " << err.msg;
        mmu_destroy(mmu);
        mmu_sparse_mem_destroy(mem);
    }
}

TEST(ConfigFile, PresetContents)
{
    mmu_config_t s = Preset("skylake");
    EXPECT_EQ(2u, s.walkers);
    EXPECT_EQ(128u, s.l1i.arr[0].entries);
    EXPECT_EQ(8u, s.l1i.arr[0].ways);
    EXPECT_EQ(MMU_SIZE_4K, s.l1d.arr[0].sizes);
    EXPECT_EQ(64u, s.l1d.arr[0].entries);
    EXPECT_EQ(4u, s.l1d.arr[0].ways);
    EXPECT_EQ(32u, s.l1d.arr[1].entries);
    EXPECT_EQ(4u, s.l1d.arr[2].entries);
    EXPECT_EQ(MMU_SIZE_4K | MMU_SIZE_2M, s.l2.arr[0].sizes);
    EXPECT_EQ(1536u, s.l2.arr[0].entries);
    EXPECT_EQ(12u, s.l2.arr[0].ways);
    EXPECT_EQ(unsigned(MMU_INDEX_XOR), s.l2.arr[0].index);
    EXPECT_EQ(16u, s.l2.arr[1].entries);
    mmu_config_t z = Preset("zen2");
    EXPECT_EQ(MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G, z.l1d.arr[0].sizes);
    EXPECT_EQ(64u, z.l1d.arr[0].ways); // fully associative
    EXPECT_EQ(0u, z.l1d.arr[1].entries);
    EXPECT_EQ(2048u, z.l2.arr[0].entries);
    mmu_config_t g = Preset("goldencove");
    EXPECT_EQ(4u, g.walkers);
    EXPECT_EQ(96u, g.l1d.arr[0].entries);
    mmu_config_t t = Preset("tiny");
    EXPECT_EQ(8u, t.l1d.arr[0].entries);
    EXPECT_EQ(32u, t.l2.arr[0].entries);
    EXPECT_EQ(2u, t.psc[2].arr.entries);
}

// A preset gives the same configuration whatever it is loaded on top of.
TEST(ConfigFile, PresetFilesAreComplete)
{
    const unsigned n = mmu_config_preset_count();
    for (unsigned i = 0; i < n; i++) {
        const char *name = mmu_config_preset_name(i);
        const char *text = mmu_config_preset_text(name);
        ASSERT_NE(nullptr, text) << name;
        mmu_config_t a;
        mmu_config_init(&a);
        EXPECT_EQ("", Load(text, &a)) << name;
        mmu_config_t b = Preset(mmu_config_preset_name((i + 1) % n));
        EXPECT_EQ("", Load(text, &b)) << name;
        ExpectSameConfig(a, b, name);
        // The library's own line splitter and the INI loader read it alike.
        ExpectSameConfig(a, Preset(name), name);
    }
}

TEST(ConfigFile, WriteThenLoadRoundTrips)
{
    const unsigned n = mmu_config_preset_count();
    for (unsigned i = 0; i < n; i++) {
        const char *name = mmu_config_preset_name(i);
        const mmu_config_t want = Preset(name);
        const std::string text = Write(want);
        // On top of a different preset, so every field must come from the text.
        mmu_config_t got = Preset(mmu_config_preset_name((i + 2) % n));
        EXPECT_EQ("", Load(text, &got)) << name;
        ExpectSameConfig(want, got, name);
        EXPECT_EQ(text, Write(got)) << name;
    }
    mmu_config_t def, got = Preset("tiny");
    mmu_config_init(&def);
    def.seed = 0xfedcba9876543210ull; // all 64 bits survive
    EXPECT_EQ("", Load(Write(def), &got));
    ExpectSameConfig(def, got, "defaults");
}

TEST(ConfigFile, KeysApplyOnTopOfWhatIsThere)
{
    mmu_config_t c = Preset("skylake"), want = c;
    EXPECT_EQ("", Load("[l2.4k2m]\nways = 6\n[mmu]\nwalkers = 3\n", &c));
    want.l2.arr[0].ways = 6;
    want.walkers = 3;
    ExpectSameConfig(want, c, "on top");
}

TEST(ConfigFile, PresetKeyStartsFromThePreset)
{
    mmu_config_t c = Preset("tiny");
    EXPECT_EQ("", Load("[mmu]\npreset = skylake\nwalkers = 7\n", &c));
    mmu_config_t want = Preset("skylake");
    want.walkers = 7;
    ExpectSameConfig(want, c, "preset key");
}

TEST(ConfigFile, PresetLoadKeepsTheMemlatCallback)
{
    mmu_config_t c;
    mmu_config_init(&c);
    int ctx = 0;
    c.memlat_cb = [](void *, uint64_t, int, uint64_t) -> unsigned { return 1; };
    c.memlat_ctx = &ctx;
    mmu_err_t err{};
    ASSERT_EQ(0, mmu_config_preset(&c, "zen2", &err)) << err.msg;
    EXPECT_NE(nullptr, c.memlat_cb);
    EXPECT_EQ(&ctx, c.memlat_ctx);
}

TEST(ConfigFile, ArraysKeyGivesTheLevelExactly)
{
    mmu_config_t c = Preset("skylake");
    EXPECT_EQ("", Load("[l1d]\narrays = 4k2m1g\n[l1d.4k2m1g]\nentries = 64\nways = 64\n", &c));
    EXPECT_EQ(MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G, c.l1d.arr[0].sizes);
    EXPECT_EQ(64u, c.l1d.arr[0].entries);
    EXPECT_EQ(0u, c.l1d.arr[1].entries);
    EXPECT_EQ(0u, c.l1d.arr[2].entries);
    // Order follows the list.
    c = Preset("skylake");
    EXPECT_EQ("", Load("[l2]\narrays = 1g, 4k2m\n", &c));
    EXPECT_EQ(MMU_SIZE_1G, c.l2.arr[0].sizes);
    EXPECT_EQ(1536u, c.l2.arr[1].entries);
    c = Preset("skylake");
    EXPECT_EQ("", Load("[l1i]\narrays = none\n", &c));
    EXPECT_EQ(0u, c.l1i.arr[0].entries);
}

TEST(ConfigFile, EntriesZeroRemovesAnArrayAndANewSectionAddsOne)
{
    mmu_config_t c = Preset("skylake");
    EXPECT_EQ("", Load("[l2.1g]\nentries = 0\n[l1i.1g]\nentries = 4\nways = 4\n", &c));
    EXPECT_EQ(1536u, c.l2.arr[0].entries);
    EXPECT_EQ(0u, c.l2.arr[1].entries);
    EXPECT_EQ(0u, c.l2.arr[1].sizes);
    EXPECT_EQ(MMU_SIZE_1G, c.l1i.arr[2].sizes);
    EXPECT_EQ(4u, c.l1i.arr[2].entries);
}

TEST(ConfigFile, SyntaxDetails)
{
    mmu_config_t c = Preset("skylake");
    EXPECT_EQ("", Load("# comment\n; comment\n[mmu]\n  seed = 0x10 ; hex, indented\n"
                       "l2_inclusive = yes\n\tfault_rewalk = off\nad_on_fault = used\n\n",
                       &c));
    EXPECT_EQ(16u, c.seed);
    EXPECT_EQ(1u, c.l2_inclusive);
    EXPECT_EQ(0u, c.fault_rewalk);
    EXPECT_EQ(unsigned(MMU_AD_ON_FAULT_USED), c.ad_on_fault);
    EXPECT_EQ("", Load("", &c)); // an empty file changes nothing
}

TEST(ConfigFile, EachBadInputGivesItsMessage)
{
    const std::string sky = "[mmu]\npreset = skylake\n";
    const struct {
        std::string text, msg;
    } cases[] = {
        {"[l1d]\nlatncy = 3\n", "t.ini:2: [l1d] unknown key 'latncy' (known: latency, arrays)"},
        {sky + "[l2.4k2m]\nways = 0\n", "t.ini:4: [l2.4k2m] ways=0: must be >= 1"},
        {"[l1d.4k]\nentries = abc\n", "t.ini:2: [l1d.4k] entries=abc: not a number"},
        {"[l1d.4k]\nentries = -4\n", "t.ini:2: [l1d.4k] entries=-4: not a number"},
        {"[l1d.4k]\nentries = 64 # note\n",
         "t.ini:2: [l1d.4k] entries=64 # note: not a number (a comment after a value starts "
         "with ';')"},
        {"[mmu]\nwalkers = 99999999999\n",
         "t.ini:2: [mmu] walkers=99999999999: too large (at most 4294967295)"},
        {"[mmu]\nseed = 0x10000000000000000\n",
         "t.ini:2: [mmu] seed=0x10000000000000000: too large (at most 18446744073709551615)"},
        {"[mmu]\nmaxphyaddr = 60\n", "t.ini:2: [mmu] maxphyaddr=60: must be 36..52"},
        {"[mmu]\nad_retry_limit = 0\n", "t.ini:2: [mmu] ad_retry_limit=0: must be >= 1"},
        {"[mmu]\npage_1g = 2\n", "t.ini:2: [mmu] page_1g=2: must be 0 or 1"},
        {"[mmu]\nad_on_fault = all\n", "t.ini:2: [mmu] ad_on_fault=all: must be none or used"},
        {"[l2.4k2m]\nrepl = mru\n",
         "t.ini:2: [l2.4k2m] repl=mru: must be lru, plru, fifo or random"},
        {"[l2.4k2m]\nindex = hash\n", "t.ini:2: [l2.4k2m] index=hash: must be low or xor"},
        {"[memlat]\nline = 48\n", "t.ini:2: [memlat] line=48: must be a power of two, 8..4096"},
        {"[mmu]\n[l3]\nwalkers = 2\n",
         "t.ini:2: unknown section [l3] (known: mmu, l1i, l1d, l2, <level>.<page sizes> such as "
         "l1d.4k, psc.pde, psc.pdpte, psc.pml4e, psc.pml5e, memlat, memlat.l1, memlat.l2, "
         "memlat.llc)"},
        {"[psc.pte]\n",
         "t.ini:1: unknown section [psc.pte] (paging-structure caches: psc.pde, psc.pdpte, "
         "psc.pml4e, psc.pml5e)"},
        {"[memlat.l3]\n",
         "t.ini:1: unknown section [memlat.l3] (cache levels: memlat.l1, memlat.l2, memlat.llc)"},
        {"[l1d.4kb]\nentries = 4\n",
         "t.ini:1: unknown section [l1d.4kb]: an array is named by the page sizes it holds, in "
         "the order 4k, 2m, 1g (l1d.4k, l1d.2m, l1d.1g, l1d.4k2m, ..., l1d.4k2m1g)"},
        {"[l1d]\nlatency = 1\n[l2]\n[l1d]\nlatency = 2\n",
         "t.ini:5: [l1d] latency: set twice (first on line 2)"},
        {"walkers = 2\n", "t.ini:1: key 'walkers' before any [section]"},
        {"[mmu]\nwalkers\n", "t.ini:2: expected 'key = value' or '[section]'"},
        {"[mmu\nwalkers = 2\n", "t.ini:1: section header without ']'"},
        {"[mmu] walkers = 2\n", "t.ini:1: text after the section header: 'walkers = 2'"},
        {"[mmu]\nseed = " + std::string(200, '1') + "\n",
         "t.ini:2: line longer than 197 bytes"},
        {"[mmu]\nwalkers = 2\npreset = zen2\n",
         "t.ini:3: [mmu] preset=zen2: must be the first key of the file (it replaces everything "
         "set before it)"},
        {"[mmu]\npreset = zen9\n",
         "t.ini:2: [mmu] preset=zen9: unknown preset (known: skylake, icelake, tigerlake, goldencove, zen2, zen3, tiny)"},
        // Checks that need the whole file: at the latest line involved.
        {sky + "[l2.4k2m]\nentries = 1000\n",
         "t.ini:4: [l2.4k2m] entries=1000 not divisible by ways=12"},
        {sky + "[l2.4k2m]\nrepl = plru\n", "t.ini:4: [l2.4k2m] ways=12: plru needs a power of two"},
        {sky + "[l1d]\nlatency = 0\n",
         "t.ini:4: [l1d] latency=0: must be >= 1 when the level has arrays"},
        {sky + "[psc.pde]\nlatency = 0\n",
         "t.ini:4: [psc.pde] latency=0: must be >= 1 when the cache exists (entries > 0)"},
        {sky + "[memlat.l1]\nlatency = 0\n",
         "t.ini:4: [memlat.l1] latency=0: must be >= 1 when the level exists (sets > 0)"},
        {sky + "[memlat.l2]\nsets = 100\n",
         "t.ini:4: [memlat.l2] sets=100: must be a power of two"},
        {"[memlat]\ndram_latency = 0\n", "t.ini:2: [memlat] dram_latency=0: must be >= 1"},
        {sky + "[l2.2m]\nentries = 32\nways = 4\n",
         "t.ini:3: [l2.2m] holds 2m pages, as does [l2.4k2m], which the configuration already "
         "has; two arrays of a level may not hold the same page size"},
        {"[l1i]\narrays = 4k2m, 2m\n[l1i.4k2m]\nentries = 8\nways = 8\n[l1i.2m]\nentries = 8\n"
         "ways = 8\n",
         "t.ini:6: [l1i.2m] holds 2m pages, as does [l1i.4k2m] (line 3); two arrays of a level "
         "may not hold the same page size"},
        {sky + "[l1d.4k2m1g]\nentries = 64\nways = 64\n",
         "t.ini:3: [l1d.4k2m1g] a TLB level holds at most 3 arrays, and l1d would have 4 (4k, 2m, "
         "1g, 4k2m1g); set entries = 0 in one, or list the arrays with 'arrays ='"},
        {"[l1d]\narrays = 4k, 2m, 1g, 4k2m\n",
         "t.ini:2: [l1d] arrays=4k, 2m, 1g, 4k2m: a TLB level holds at most 3 arrays"},
        {"[l1d]\narrays = 4k, 4k\n", "t.ini:2: [l1d] arrays=4k, 4k: '4k' is listed twice"},
        {sky + "[l1d]\narrays = 4k\n[l1d.2m]\nentries = 8\n",
         "t.ini:5: [l1d.2m] is not listed in 'arrays' of [l1d] (line 4)"},
        {sky + "[l1i]\narrays = 4k, 1g\n",
         "t.ini:4: [l1i] arrays: there is no array 1g: add a [l1i.1g] section"},
        {sky + "[l1i.4k2m]\nways = 4\n",
         "t.ini:3: [l1i.4k2m] entries: not set (a new array needs entries and ways)"},
        // Found by mmu_config_validate(): at the key's line when this file set it.
        {"[mmu]\nwalkers = 100\n", "t.ini:2: [mmu] walkers=100: must be 1..64"},
    };
    for (const auto &k : cases) {
        mmu_config_t c = Preset("tiny"), before = c;
        EXPECT_EQ(k.msg, Load(k.text, &c)) << k.text;
        ExpectSameConfig(before, c, "unchanged after: " + k.msg);
    }
}

TEST(ConfigFile, LinesAreCheckedWholeBeforeInihSeesThem)
{
    // 197 bytes is the longest line (inih's 200-byte buffer less "\r\n" and
    // its NUL), wherever the bytes are: indentation and comments count.
    const std::string pad197 = "seed = 7 ;" + std::string(187, 'x');
    ASSERT_EQ(pad197.size(), 197u);
    for (const std::string eol : {"\n", "\r\n", ""}) {
        mmu_config_t c = Preset("tiny");
        EXPECT_EQ("", Load("[mmu]\n" + pad197 + eol, &c));
        EXPECT_EQ(7u, c.seed);
        EXPECT_EQ("t.ini:2: line longer than 197 bytes", Load("[mmu]\n" + pad197 + "x" + eol, &c));
        EXPECT_EQ("t.ini:2: line longer than 197 bytes",
                  Load("[mmu]\n  " + pad197.substr(0, 196) + eol, &c));
    }
    mmu_config_t c = Preset("tiny");
    EXPECT_EQ("t.ini:3: line longer than 197 bytes",
              Load("[mmu]\nseed = 1\n" + std::string(100000, ';') + "\n", &c));
}

TEST(ConfigFile, NulByteIsAnErrorAtItsLine)
{
    // inih reads a NUL as the end of the line: "walkers = 2\0junk" would be
    // walkers = 2, and a line starting with NUL a blank one.
    const struct {
        std::string bytes, msg;
    } cases[] = {
        {std::string("[mmu]\nwalkers = 2\0junk\n", 24),
         "t.ini:2: NUL byte in column 12 (binary data in a text file)"},
        {std::string("[mmu]\n\0walkers = 9\n", 19),
         "t.ini:2: NUL byte in column 1 (binary data in a text file)"},
        {std::string("\0\0\0\0", 4), "t.ini:1: NUL byte in column 1 (binary data in a text file)"},
    };
    for (const auto &k : cases) {
        mmu_config_t c = Preset("tiny"), before = c;
        EXPECT_EQ(k.msg, LoadBytes(k.bytes, &c));
        ExpectSameConfig(before, c, "unchanged after: " + k.msg);
    }
    mmu_config_t c = Preset("tiny");
    EXPECT_EQ("", LoadBytes(std::string(), &c)) << "an empty file changes nothing";
}

TEST(ConfigFile, SizeLimitsAreReportedAtTheirLine)
{
    const struct {
        std::string text, msg;
    } cases[] = {
        {"[l2.4k2m]\nentries = 67108864\nways = 16\n",
         "t.ini:2: [l2.4k2m] entries=67108864: must be 0..1048576"},
        {"[l1d.4k]\nentries = 2147483648\n",
         "t.ini:2: [l1d.4k] entries=2147483648: must be 0..1048576"},
        {"[psc.pde]\nentries = 2097152\n", "t.ini:2: [psc.pde] entries=2097152: must be 0..1048576"},
        {"[l2.1g]\nentries = 8192\nways = 8192\n",
         "t.ini:3: [l2.1g] entries=8192, ways=8192: a fully-associative array holds at most 4096 "
         "entries"},
        {"[l2.4k2m]\nways = 128\nentries = 2048\n",
         "t.ini:3: [l2.4k2m] ways=128: must be <= 64, or equal to entries=2048 (fully "
         "associative, up to 4096 entries)"},
        {"[memlat.l2]\nways = 65\n", "t.ini:2: [memlat.l2] ways=65: must be 0..64"},
        {"[memlat.llc]\nsets = 2097152\n", "t.ini:2: [memlat.llc] sets=2097152: must be 0..1048576"},
        {"[memlat.llc]\nways = 8\nsets = 1048576\n",
         "t.ini:3: [memlat.llc] sets x ways = 1048576 x 8: at most 4194304 lines"},
        {"[memlat]\nline = 8192\n", "t.ini:2: [memlat] line=8192: must be a power of two, 8..4096"},
    };
    for (const auto &k : cases) {
        mmu_config_t c = Preset("skylake"), before = c;
        EXPECT_EQ(k.msg, Load(k.text, &c)) << k.text;
        ExpectSameConfig(before, c, "unchanged after: " + k.msg);
    }
    // At the limits: accepted.
    mmu_config_t c = Preset("skylake");
    EXPECT_EQ("", Load("[l2.4k2m]\nentries = 1048576\nways = 64\n[l2.1g]\nentries = 4096\n"
                       "ways = 4096\n[memlat.llc]\nsets = 65536\nways = 64\n[memlat]\nline = 4096\n",
                       &c));
    EXPECT_EQ(1048576u, c.l2.arr[0].entries);
}

TEST(ConfigFile, ValidateMessageWithoutALineNamesTheFile)
{
    mmu_config_t c = Preset("tiny");
    c.walkers = 0; // wrong before the file, which does not touch it
    EXPECT_EQ("t.ini: walkers=0: must be 1..64", Load("[mmu]\nseed = 3\n", &c));
}

TEST(ConfigFile, FilesOnDiskAndMissingFiles)
{
    char path[] = "/tmp/mmusim_cfgXXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    FILE *f = fdopen(fd, "w");
    ASSERT_NE(nullptr, f);
    const mmu_config_t want = Preset("goldencove");
    ASSERT_EQ(0, mmu_config_print(f, &want));
    fclose(f);
    mmu_config_t got = Preset("tiny");
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_load(path, &got, &err)) << err.msg;
    ExpectSameConfig(want, got, "file");
    remove(path);
    EXPECT_EQ(MMU_EIO, mmu_config_load(path, &got, &err));
    EXPECT_EQ(std::string(path) + ": cannot open: No such file or directory", err.msg);
}

TEST(ConfigFile, LoaderEntryPointsRefuseBadUse)
{
    mmu_config_t c;
    mmu_config_init(&c);
    mmu_err_t err{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_load(nullptr, &c, &err));
    EXPECT_STREQ("mmu_config_load: path is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load("x.ini", nullptr, &err));
    EXPECT_STREQ("mmu_config_load: cfg is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_string("", "x.ini", nullptr, &err));
    EXPECT_STREQ("mmu_config_load_string: cfg is NULL", err.msg);
    // A configuration that was never initialized is refused, not overwritten.
    mmu_config_t raw{};
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_string("[mmu]\nwalkers = 2\n", "x.ini", &raw, &err));
    EXPECT_STREQ("size=0: not an initialized mmu_config_t (use mmu_config_init())", err.msg);
    EXPECT_EQ(0u, raw.walkers);
    // NULL text is an empty file, a NULL name is "(string)"; err is optional.
    EXPECT_EQ(0, mmu_config_load_string(nullptr, "x.ini", &c, &err)) << err.msg;
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_string("[mmu]\nwalkers = 0\n", nullptr, &c, &err));
    EXPECT_STREQ("(string):2: [mmu] walkers=0: must be >= 1", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_string("[mmu]\nwalkers = 0\n", nullptr, &c, nullptr));
    // The stream and memory entry points.
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_file(nullptr, "x.ini", &c, &err));
    EXPECT_STREQ("mmu_config_load_file: f is NULL", err.msg);
    FILE *f = tmpfile();
    ASSERT_NE(nullptr, f);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_file(f, "x.ini", nullptr, &err));
    EXPECT_STREQ("mmu_config_load_file: cfg is NULL", err.msg);
    fputs("[mmu]\nwalkers = 0\n", f);
    rewind(f);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_file(f, nullptr, &c, &err));
    EXPECT_STREQ("(stream):2: [mmu] walkers=0: must be >= 1", err.msg);
    fclose(f);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_mem("", 0, "x.ini", nullptr, &err));
    EXPECT_STREQ("mmu_config_load_mem: cfg is NULL", err.msg);
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_mem(nullptr, 5, "x.ini", &c, &err));
    EXPECT_STREQ("mmu_config_load_mem: data is NULL, len 5", err.msg);
    EXPECT_EQ(0, mmu_config_load_mem(nullptr, 0, "x.ini", &c, &err)) << err.msg; // empty
    const char text[] = "[mmu]\nwalkers = 0\n";
    EXPECT_EQ(MMU_EINVAL, mmu_config_load_mem(text, sizeof text - 1, nullptr, &c, &err));
    EXPECT_STREQ("(memory):2: [mmu] walkers=0: must be >= 1", err.msg);
}

// [memlat] l1_plru / l2_plru / llc_plru: the Intel presets carry the L1D
// policy nanoBench measured; a value the level's ways do not allow is an
// error at its line.
TEST(ConfigFile, MemlatPlruKeysAndPresetValues)
{
    EXPECT_EQ(8u, Preset("skylake").memlat_plru[0]);
    EXPECT_EQ(4u, Preset("icelake").memlat_plru[0]);
    EXPECT_EQ(4u, Preset("tigerlake").memlat_plru[0]);
    for (const char *p : {"skylake", "icelake", "tigerlake", "goldencove", "zen2", "zen3", "tiny"})
        for (unsigned i = 1; i < MMU_MEMLAT_LEVELS; i++)
            EXPECT_EQ(0u, Preset(p).memlat_plru[i]) << p << " level " << i;
    mmu_config_t c = Preset("tigerlake");
    EXPECT_EQ("", Load("[memlat]\nl1_plru = 0\nl2_plru = 4\n", &c));
    EXPECT_EQ(0u, c.memlat_plru[0]);
    EXPECT_EQ(4u, c.memlat_plru[1]);
    c = Preset("tigerlake");
    EXPECT_EQ("t.ini:3: [memlat] l1_plru=8: must be 0 (LRU) or a power of two, 2..12, that "
              "divides memlat.l1.ways",
              Load("[memlat]\n\nl1_plru = 8\n", &c));
}

} // namespace
