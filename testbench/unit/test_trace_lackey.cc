/* SPDX-License-Identifier: Apache-2.0 */
// valgrind lackey reader (workloads/trace_lackey.c): the four record letters,
// M as a read then a write, icount from I lines, banner lines skipped, and
// malformed or truncated lines named by line number.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "trace.h"
#include "trace_testutil.h"

using namespace trace_test;

namespace {

const char kLackey[] = "==12345== Lackey, an example Valgrind tool\n"
                       "==12345== Command: ./a.out\n"
                       "==12345== \n"
                       "I  04010a53,3\n"
                       " S 1ffefffd20,8\n"
                       "I  04010a56,5\n"
                       " L 1ffefffd28,8\n"
                       " M 0402e3c8,4\n"
                       "I  04010a5b,2\n"
                       "==12345== \n"
                       "==12345== Counted 1 call to main()\n";

std::vector<mmu_trec_t> lackey_want()
{
    return {
        acc(0, 0x04010a53, MMU_ACC_FETCH, 3, 3),   acc(1, 0x1ffefffd20, MMU_ACC_WRITE, 3, 8),
        acc(1, 0x04010a56, MMU_ACC_FETCH, 3, 5),   acc(2, 0x1ffefffd28, MMU_ACC_READ, 3, 8),
        acc(2, 0x0402e3c8, MMU_ACC_READ, 3, 4),    acc(2, 0x0402e3c8, MMU_ACC_WRITE, 3, 4),
        acc(2, 0x04010a5b, MMU_ACC_FETCH, 3, 2),
    };
}

TEST(TraceLackey, GoodInputWithBannerAndModify)
{
    std::string p = scratch("good.lackey");
    put_file(p, kLackey);
    ReadAll got = read_all(p);
    EXPECT_EQ(got.format, "lackey");
    ASSERT_EQ(got.rc, 0) << got.err << got.open_err;
    EXPECT_SAME_RECS(lackey_want(), got.recs);
}

TEST(TraceLackey, DetectedWithoutBannerAndCompressed)
{
    std::string p = scratch("det.lackey");
    std::string body = "I  04010a53,3\n S 1ffefffd20,8\n";
    put_file(p, body);
    EXPECT_EQ(read_all(p).format, "lackey");
    put_file(p, " L 1ffefffd28,8\n");
    EXPECT_EQ(read_all(p).format, "lackey");
    for (const Bytes &b : {gzip(text_bytes(kLackey)), xz(text_bytes(kLackey))}) {
        put_file(p, b);
        ReadAll got = read_all(p);
        EXPECT_EQ(got.format, "lackey");
        EXPECT_EQ(got.rc, 0) << got.err;
        EXPECT_SAME_RECS(lackey_want(), got.recs);
    }
}

TEST(TraceLackey, TruncatedLastLine)
{
    std::string p = scratch("trunc.lackey");
    put_file(p, "I  04010a53,3\n L 1ffefffd2");
    ReadAll got = read_all(p);
    EXPECT_EQ(got.recs.size(), 1u);
    EXPECT_EQ(got.rc, -1);
    EXPECT_EQ(got.err, p + ":2: truncated last line ' L 1ffefffd2'");
    // A complete last line without its newline is fine.
    put_file(p, "I  04010a53,3\n L 1ffefffd28,8");
    got = read_all(p);
    EXPECT_EQ(got.rc, 0) << got.err;
    EXPECT_EQ(got.recs.size(), 2u);
}

TEST(TraceLackey, CorruptLinesSayLineAndWhat)
{
    const struct {
        const char *line;
        const char *what;
    } cases[] = {
        {" X 1000,8", "expected 'I', 'L', 'S' or 'M' in ' X 1000,8'"},
        {" L zz,8", "bad address in ' L zz,8'"},
        {" L 1000", "expected ',SIZE' after the address in ' L 1000'"},
        {" L 1000,", "bad size in ' L 1000,'"},
        {" L 1000,8x", "bad size in ' L 1000,8x'"},
        {" L 11112222333344445,8", "bad address in ' L 11112222333344445,8'"},
        {" L1000,8", "expected a blank after the record letter in ' L1000,8'"},
    };
    std::string p = scratch("bad.lackey");
    for (const auto &c : cases) {
        put_file(p, std::string("==1== banner\nI  0400,3\n") + c.line + "\nI  0403,3\n");
        ReadAll got = read_all(p);
        EXPECT_EQ(got.recs.size(), 1u) << c.line;
        EXPECT_EQ(got.rc, -1);
        EXPECT_EQ(got.err, p + ":3: " + c.what);
    }
}

TEST(TraceLackey, ExplicitFormatOverridesDetection)
{
    std::string p = scratch("explicit.lackey");
    put_file(p, "r 0x10 3\n"); // looks like the text form
    ReadAll got = read_all(p, "lackey");
    EXPECT_EQ(got.format, "lackey");
    EXPECT_EQ(got.err, p + ":1: expected 'I', 'L', 'S' or 'M' in 'r 0x10 3'");
}

} // namespace
