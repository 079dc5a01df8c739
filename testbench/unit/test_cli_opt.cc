// SPDX-License-Identifier: Apache-2.0
// The shared option parser of the mmusim commands (model/cli/cli_opt.c): both
// value forms, help, positional arguments, and the exact message of every
// kind of bad command line, which every command shares.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cli_opt.h"

namespace {

struct Opts {
    const char *preset = nullptr;
    bool kpti = false;
    uint64_t gap = 0, warmup = 0;
    unsigned levels = 4, procs = 1, policy = 1;
    double timeout = 600;
};

// A command like `run`: every kind of option, up to two positionals.
struct Cmd {
    Opts o;
    std::vector<cli_opt_t> table;
    bool seen[9];
    const char *pos[2];
    const char *names[2] = {"IN", "OUT"};
    cli_cmd_t cmd{};
    std::vector<std::string> args; // argv's strings, alive while pos points into them

    explicit Cmd(unsigned min_pos = 0)
    {
        table = {
            {"preset", CLI_STR, &o.preset, "NAME", "a preset", 0, 0, nullptr},
            {"kpti", CLI_FLAG, &o.kpti, nullptr, "KPTI", 0, 0, nullptr},
            {"gap", CLI_U64, &o.gap, "CYCLES", "gap", 0, 1000, nullptr},
            {"warmup", CLI_COUNT, &o.warmup, "N", "warm-up", 0, 0, nullptr},
            {"levels", CLI_UINT, &o.levels, "4|5", "levels", 4, 5, nullptr},
            {"procs", CLI_UINT, &o.procs, "N", "processes", 1, 2047, nullptr},
            {"policy", CLI_CHOICE, &o.policy, "P", "policy", 0, 0, "4k|thp|1g|mixed"},
            {"timeout", CLI_SECONDS, &o.timeout, "S", "seconds", 0, 3600, nullptr},
            {nullptr, CLI_FLAG, nullptr, nullptr, nullptr, 0, 0, nullptr},
        };
        cmd.name = "t";
        cmd.synopsis = "[OPTIONS] [IN [OUT]]";
        cmd.about = "A test command.\n";
        cmd.notes = "Notes.\n";
        cmd.opts = table.data();
        cmd.pos_names = names;
        cmd.npos = 2;
        cmd.min_pos = min_pos;
        cmd.seen = seen;
    }

    // Parse `a` (without the command name); the code, stderr and stdout.
    int Parse(std::vector<std::string> a, std::string *err = nullptr, std::string *out = nullptr)
    {
        args = {"t"};
        args.insert(args.end(), a.begin(), a.end());
        std::vector<char *> argv;
        for (auto &s : args)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        testing::internal::CaptureStderr();
        testing::internal::CaptureStdout();
        const int rc = cli_parse(&cmd, (int)args.size(), argv.data(), pos);
        const std::string o_ = testing::internal::GetCapturedStdout();
        const std::string e_ = testing::internal::GetCapturedStderr();
        if (err)
            *err = e_;
        if (out)
            *out = o_;
        return rc;
    }
};

std::string Err(Cmd &c, std::vector<std::string> args)
{
    std::string e;
    EXPECT_EQ(c.Parse(args, &e), 2) << "args: " << (args.empty() ? "" : args[0]);
    return e;
}

TEST(CliNumber, DigitsOnly)
{
    uint64_t v = 7;
    EXPECT_EQ(cli_u64("0", &v), 0);
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(cli_u64("18446744073709551615", &v), 0);
    EXPECT_EQ(v, UINT64_MAX);
    EXPECT_EQ(cli_u64("18446744073709551616", &v), -2);
    EXPECT_EQ(cli_u64("99999999999999999999999", &v), -2);
    for (const char *bad : {"", "-1", "+1", " 1", "1 ", "\v1", "\f1", "0x10", "1e3", "1.0", "1k"})
        EXPECT_EQ(cli_u64(bad, &v), -1) << "'" << bad << "'";
}

TEST(CliNumber, SizesHaveBinarySuffixes)
{
    uint64_t v;
    EXPECT_EQ(cli_size("4k", &v), 0);
    EXPECT_EQ(v, 4096u);
    EXPECT_EQ(cli_size("3M", &v), 0);
    EXPECT_EQ(v, 3u << 20);
    EXPECT_EQ(cli_size("64t", &v), 0);
    EXPECT_EQ(v, 64ull << 40);
    EXPECT_EQ(cli_size("12", &v), 0);
    EXPECT_EQ(v, 12u);
    EXPECT_EQ(cli_size("16777216t", &v), -2); // 2^64
    for (const char *bad : {"k", "1kb", "1x", "0x1k", "-1k", "1 k", "1p", ""})
        EXPECT_EQ(cli_size(bad, &v), -1) << "'" << bad << "'";
}

TEST(CliNumber, CountsHaveDecimalSuffixes)
{
    uint64_t v;
    EXPECT_EQ(cli_count("1m", &v), 0);
    EXPECT_EQ(v, 1000000u);
    EXPECT_EQ(cli_count("100K", &v), 0);
    EXPECT_EQ(v, 100000u);
    EXPECT_EQ(cli_count("2g", &v), 0);
    EXPECT_EQ(v, 2000000000u);
    EXPECT_EQ(cli_count("18446744073709552g", &v), -2);
    EXPECT_EQ(cli_count("1t", &v), -1); // t is binary sizes only
    EXPECT_EQ(cli_count("1e6", &v), -1);
}

TEST(CliParse, BothValueFormsGiveTheSameResult)
{
    Cmd a, b;
    ASSERT_EQ(a.Parse({"--preset", "tiny", "--gap", "12", "--warmup", "100k", "--kpti"}), 0);
    ASSERT_EQ(b.Parse({"--preset=tiny", "--gap=12", "--warmup=100k", "--kpti"}), 0);
    for (Cmd *c : {&a, &b}) {
        EXPECT_STREQ(c->o.preset, "tiny");
        EXPECT_EQ(c->o.gap, 12u);
        EXPECT_EQ(c->o.warmup, 100000u);
        EXPECT_TRUE(c->o.kpti);
    }
    EXPECT_TRUE(cli_given(&a.cmd, "gap"));
    EXPECT_FALSE(cli_given(&a.cmd, "levels"));
}

TEST(CliParse, ChoicesSecondsAndRanges)
{
    Cmd c;
    ASSERT_EQ(c.Parse({"--policy", "mixed", "--levels=5", "--procs", "2047", "--timeout", "0.5"}), 0);
    EXPECT_EQ(c.o.policy, 3u);
    EXPECT_EQ(c.o.levels, 5u);
    EXPECT_EQ(c.o.procs, 2047u);
    EXPECT_DOUBLE_EQ(c.o.timeout, 0.5);
}

TEST(CliParse, HelpPrintsTheUsageOnStdout)
{
    for (const char *h : {"-h", "--help"}) {
        Cmd c;
        std::string out, err;
        EXPECT_EQ(c.Parse({"--gap", "1", h}, &err, &out), 1);
        EXPECT_EQ(err, "");
        EXPECT_EQ(out.rfind("usage: mmusim t [OPTIONS] [IN [OUT]]\nA test command.\noptions:\n", 0),
                  0u)
            << out;
        EXPECT_NE(out.find("  --preset NAME         a preset\n"), std::string::npos) << out;
        EXPECT_NE(out.find("  -h, --help            print this help and exit\nNotes.\n"),
                  std::string::npos)
            << out;
    }
}

TEST(CliParse, PositionalsInOrderAnywhere)
{
    Cmd c;
    ASSERT_EQ(c.Parse({"in.mtr", "--gap", "3", "-"}), 0);
    EXPECT_STREQ(c.pos[0], "in.mtr");
    EXPECT_STREQ(c.pos[1], "-");
    EXPECT_EQ(c.o.gap, 3u);
    Cmd d;
    ASSERT_EQ(d.Parse({"--", "--kpti", "-x"}), 0); // after "--", names only
    EXPECT_STREQ(d.pos[0], "--kpti");
    EXPECT_STREQ(d.pos[1], "-x");
    EXPECT_FALSE(d.o.kpti);
}

TEST(CliParse, EachMistakeHasItsMessage)
{
    struct Case {
        std::vector<std::string> args;
        const char *want;
    } cases[] = {
        {{"--nope"}, "mmusim t: unknown option '--nope' (see 'mmusim t --help')\n"},
        {{"--nope=3"}, "mmusim t: unknown option '--nope' (see 'mmusim t --help')\n"},
        {{"-x"}, "mmusim t: unknown option '-x' (see 'mmusim t --help')\n"},
        {{"--p", "tiny"}, "mmusim t: unknown option '--p' (did you mean --preset, --procs, --policy?)\n"},
        {{"--pre", "tiny"}, "mmusim t: unknown option '--pre' (did you mean --preset?)\n"},
        {{"--presets", "tiny"}, "mmusim t: unknown option '--presets' (see 'mmusim t --help')\n"},
        {{"--preset"}, "mmusim t: --preset needs a value (NAME)\n"},
        {{"--preset", "--kpti"}, "mmusim t: --preset needs a value (NAME), not the option '--kpti'\n"},
        {{"--preset="}, "mmusim t: --preset: empty value\n"},
        {{"--kpti=1"}, "mmusim t: --kpti takes no value\n"},
        {{"--gap", "1", "--gap=2"}, "mmusim t: --gap given twice\n"},
        {{"--gap", "x"}, "mmusim t: --gap 'x': not a number (decimal digits only)\n"},
        {{"--gap", "-1"}, "mmusim t: --gap '-1': not a number (decimal digits only)\n"},
        {{"--gap", "0x10"}, "mmusim t: --gap '0x10': not a number (decimal digits only)\n"},
        {{"--gap", "1001"}, "mmusim t: --gap 1001: must be at most 1000\n"},
        {{"--gap", "99999999999999999999"}, "mmusim t: --gap 99999999999999999999: must be at most 1000\n"},
        {{"--warmup", "1e6"}, "mmusim t: --warmup '1e6': not a number (decimal digits, optionally with k, m or g)\n"},
        {{"--warmup", "18446744073709552k"}, "mmusim t: --warmup 18446744073709552k: must be at most 18446744073709551615\n"},
        {{"--levels", "3"}, "mmusim t: --levels 3: must be 4 or 5\n"},
        {{"--procs", "0"}, "mmusim t: --procs 0: must be 1..2047\n"},
        {{"--policy", "2m"}, "mmusim t: --policy '2m': must be 4k, thp, 1g or mixed\n"},
        {{"--timeout", "0"}, "mmusim t: --timeout '0': must be a number of seconds > 0 and <= 3600\n"},
        {{"--timeout", "1e3"}, "mmusim t: --timeout '1e3': must be a number of seconds > 0 and <= 3600\n"},
        {{"--timeout", "nan"}, "mmusim t: --timeout 'nan': must be a number of seconds > 0 and <= 3600\n"},
        {{"a", "b", "c"}, "mmusim t: unexpected argument 'c'\n"},
        {{"a", "b", "--", "c"}, "mmusim t: unexpected argument 'c'\n"},
    };
    for (auto &k : cases) {
        Cmd c;
        EXPECT_EQ(Err(c, k.args), k.want) << k.args[0];
    }
}

TEST(CliParse, MissingPositionalsAreNamed)
{
    Cmd c(2);
    EXPECT_EQ(Err(c, {"in"}), "mmusim t: missing OUT (usage: mmusim t [OPTIONS] [IN [OUT]])\n");
    Cmd d(2);
    EXPECT_EQ(Err(d, {}), "mmusim t: missing IN OUT (usage: mmusim t [OPTIONS] [IN [OUT]])\n");
}

} // namespace
