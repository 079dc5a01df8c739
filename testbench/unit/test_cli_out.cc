// SPDX-License-Identifier: Apache-2.0
// Result files of the CLI (model/cli/cli_out.c): a file is replaced whole or
// not at all, its mode and symbolic links survive, nothing is left behind, and
// "the same file" is told by device and inode whatever the path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_out.h"

namespace {

class CliOut : public testing::Test {
  protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/mmusim_cli_out_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }

    std::string Path(const std::string &name) const { return dir + "/" + name; }
    static void Write(const std::string &p, const std::string &text)
    {
        std::ofstream(p, std::ios::binary) << text;
    }
    static std::string Read(const std::string &p)
    {
        std::ifstream f(p, std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }
    // Names in the directory, sorted, space-separated.
    std::string Listing() const
    {
        std::string names;
        DIR *d = opendir(dir.c_str());
        std::vector<std::string> v;
        while (dirent *e = readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
                v.push_back(e->d_name);
        closedir(d);
        std::sort(v.begin(), v.end());
        for (auto &n : v)
            names += (names.empty() ? "" : " ") + n;
        return names;
    }
    std::string dir;
    char msg[4200];
};

TEST_F(CliOut, ReplacesTheFileOnlyOnCommit)
{
    const std::string p = Path("out.json");
    Write(p, "old\n");
    cli_out_t o;
    ASSERT_EQ(cli_out_open(&o, p.c_str(), msg, sizeof msg), 0) << msg;
    fputs("new\n", o.f);
    fflush(o.f);
    EXPECT_EQ(Read(p), "old\n"); // a reader still sees the whole old file
    EXPECT_NE(Listing(), "out.json"); // the temporary file is beside it
    ASSERT_EQ(cli_out_commit(&o, msg, sizeof msg), 0) << msg;
    EXPECT_EQ(Read(p), "new\n");
    EXPECT_EQ(Listing(), "out.json");
}

TEST_F(CliOut, AbortKeepsTheOldFileAndLeavesNothing)
{
    const std::string p = Path("out.csv");
    Write(p, "old\n");
    cli_out_t o;
    ASSERT_EQ(cli_out_open(&o, p.c_str(), msg, sizeof msg), 0) << msg;
    fputs("half a fi", o.f);
    cli_out_abort(&o);
    cli_out_abort(&o); // twice is harmless
    EXPECT_EQ(Read(p), "old\n");
    EXPECT_EQ(Listing(), "out.csv");
}

TEST_F(CliOut, KeepsTheModeOfTheFileItReplaces)
{
    const std::string p = Path("m");
    Write(p, "x");
    chmod(p.c_str(), 0640);
    cli_out_t o;
    ASSERT_EQ(cli_out_open(&o, p.c_str(), msg, sizeof msg), 0) << msg;
    ASSERT_EQ(cli_out_commit(&o, msg, sizeof msg), 0) << msg;
    struct stat st;
    ASSERT_EQ(stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    // A new file gets 0666 less the umask, as fopen would give it.
    const mode_t mask = umask(022);
    const std::string q = Path("new");
    ASSERT_EQ(cli_out_open(&o, q.c_str(), msg, sizeof msg), 0) << msg;
    ASSERT_EQ(cli_out_commit(&o, msg, sizeof msg), 0) << msg;
    umask(mask);
    ASSERT_EQ(stat(q.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(CliOut, WritesThroughASymbolicLinkAndKeepsIt)
{
    const std::string target = Path("target"), link = Path("link");
    Write(target, "old");
    ASSERT_EQ(symlink("target", link.c_str()), 0);
    cli_out_t o;
    ASSERT_EQ(cli_out_open(&o, link.c_str(), msg, sizeof msg), 0) << msg;
    fputs("new", o.f);
    ASSERT_EQ(cli_out_commit(&o, msg, sizeof msg), 0) << msg;
    struct stat st;
    ASSERT_EQ(lstat(link.c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(Read(target), "new");
}

TEST_F(CliOut, RefusesWhatCannotBeWritten)
{
    cli_out_t o;
    EXPECT_EQ(cli_out_open(&o, dir.c_str(), msg, sizeof msg), -1);
    EXPECT_EQ(std::string(msg), dir + ": is a directory");
    const std::string missing = Path("no/such/dir/out");
    EXPECT_EQ(cli_out_open(&o, missing.c_str(), msg, sizeof msg), -1);
    EXPECT_EQ(std::string(msg),
              missing + ": cannot create a file in its directory: No such file or directory");
    if (geteuid() != 0) { // root may write anything
        const std::string ro = Path("ro");
        Write(ro, "keep");
        chmod(ro.c_str(), 0444);
        EXPECT_EQ(cli_out_open(&o, ro.c_str(), msg, sizeof msg), -1);
        EXPECT_EQ(Read(ro), "keep");
    }
    const std::string dangling = Path("dangling");
    ASSERT_EQ(symlink("no/such/target", dangling.c_str()), 0);
    EXPECT_EQ(cli_out_open(&o, dangling.c_str(), msg, sizeof msg), -1);
    EXPECT_NE(std::string(msg).find("symbolic link"), std::string::npos) << msg;
}

TEST_F(CliOut, DevicesAreWrittenInPlace)
{
    cli_out_t o;
    ASSERT_EQ(cli_out_open(&o, "/dev/null", msg, sizeof msg), 0) << msg;
    fputs("gone", o.f);
    EXPECT_EQ(cli_out_commit(&o, msg, sizeof msg), 0) << msg;
    struct stat st;
    ASSERT_EQ(stat("/dev/null", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)); // not replaced by a file
    // A device that fails the write: the error reaches the caller.
    ASSERT_EQ(cli_out_open(&o, "/dev/full", msg, sizeof msg), 0) << msg;
    fputs("x", o.f);
    EXPECT_EQ(cli_out_commit(&o, msg, sizeof msg), -1);
    EXPECT_EQ(std::string(msg), "/dev/full: write error: No space left on device");
}

TEST_F(CliOut, SameFileByAnyPath)
{
    const std::string a = Path("a"), b = Path("b");
    Write(a, "A");
    Write(b, "B");
    EXPECT_TRUE(cli_same_file(a.c_str(), a.c_str()));
    EXPECT_TRUE(cli_same_file(a.c_str(), (dir + "/./../" + dir.substr(5) + "/a").c_str()));
    ASSERT_EQ(link(a.c_str(), Path("hard").c_str()), 0);
    EXPECT_TRUE(cli_same_file(a.c_str(), Path("hard").c_str()));
    ASSERT_EQ(symlink("a", Path("soft").c_str()), 0);
    EXPECT_TRUE(cli_same_file(Path("soft").c_str(), a.c_str()));
    EXPECT_FALSE(cli_same_file(a.c_str(), b.c_str()));
    EXPECT_FALSE(cli_same_file(a.c_str(), Path("absent").c_str()));
    EXPECT_FALSE(cli_same_file(Path("absent").c_str(), a.c_str()));
}

} // namespace
