/* SPDX-License-Identifier: Apache-2.0 */
// The reader front end shared by every format (workloads/trace.c) and the
// byte source under it (trace_src.c): the text line reader's limits and NUL
// bytes, mmu_trace_where, the name-plus-bytes entry point, and what follows
// the end of a compressed stream.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mmu/mmu_mem.h"
#include "trace.h"
#include "trace_impl.h"
#include "trace_native.h"
#include "trace_testutil.h"

using namespace trace_test;

namespace {

// Every record and the final status of reading `b` as `format` from memory
// with a window of `window` bytes.
ReadAll read_mem(const Bytes &b, const char *format, size_t window = MMU_TRACE_BUF_BYTES,
                 const char *name = "m.trace")
{
    ReadAll out;
    mmu_trace_reader_t *r = nullptr;
    char msg[512] = "";
    if (mmu_trace_open_window(name, b.data(), b.size(), format, window, &r, msg, sizeof msg)) {
        out.open_err = msg;
        out.rc = -1;
        return out;
    }
    out.format = mmu_trace_format(r);
    mmu_trec_t rec;
    while ((out.rc = mmu_trace_next(r, &rec)) == 1)
        out.recs.push_back(rec);
    out.err = mmu_trace_error(r);
    mmu_trace_close(r);
    return out;
}

// A text-form line of exactly n bytes (n >= 12) that reads as `r ADDR 3`.
std::string padded_read(uint64_t la, size_t n)
{
    char head[40];
    snprintf(head, sizeof head, "r 0x%llx 3 #", static_cast<unsigned long long>(la));
    std::string s = head;
    s.resize(n, 'x');
    return s;
}

// A text trace of `lines` short records, then `special`, then one more record.
std::string text_with(size_t lines, const std::string &special)
{
    std::string s = "# mmusim text trace\n";
    for (size_t i = 0; i < lines; i++)
        s += "r 0x" + std::to_string(1000 + i) + " 3\n";
    return s + special + "\nr 0x1 3\n";
}

} // namespace

TEST(Trace, LineOfTheLimitIsReadAndOneByteMoreIsRefusedWhereverItFalls)
{
    // Before the fix a 10 KB line passed at the start of a file (the window
    // held it whole) and failed once the window's end cut it. The verdict must
    // not depend on where the line falls: from line 2 to past the 1 MiB mark,
    // and with an 8 KiB window as well as the default 1 MiB one.
    for (size_t before : {size_t{0}, size_t{100}, size_t{1000}, size_t{74000}, size_t{95000}}) {
        for (size_t window : {size_t{MMU_TRACE_BUF_BYTES}, size_t{MMU_TRACE_MIN_WINDOW}}) {
            const std::string at = std::to_string(before + 2);
            ReadAll ok = read_mem(text_bytes(text_with(before, padded_read(0x5000, 4096))),
                                  "text", window);
            EXPECT_EQ(ok.rc, 0) << before << " " << window << ": " << ok.err;
            ASSERT_EQ(ok.recs.size(), before + 2);
            EXPECT_EQ(ok.recs[before].la, 0x5000u);
            // "\r\n" is the line's end, not part of its length.
            ReadAll crlf = read_mem(text_bytes(text_with(before, padded_read(0x5000, 4096) + "\r")),
                                    "text", window);
            EXPECT_EQ(crlf.rc, 0) << crlf.err;
            EXPECT_EQ(crlf.recs.size(), before + 2);
            for (const std::string &longer :
                 {padded_read(0x5000, 4097), padded_read(0x5000, 4097) + "\r",
                  padded_read(0x5000, 10000)}) {
                ReadAll bad = read_mem(text_bytes(text_with(before, longer)), "text", window);
                EXPECT_EQ(bad.rc, -1);
                EXPECT_EQ(bad.err, "m.trace:" + at + ": line longer than 4096 bytes")
                    << before << " " << window;
                EXPECT_EQ(bad.recs.size(), before) << "records before it are kept";
            }
            // The last line, without its "\n".
            std::string last = text_with(before, "r 0x7 3");
            last += padded_read(0x6000, 4097);
            ReadAll cut = read_mem(text_bytes(last), "text", window);
            EXPECT_EQ(cut.err, "m.trace:" + std::to_string(before + 4) +
                                   ": line longer than 4096 bytes");
        }
    }
}

TEST(Trace, LongFlagsAreNeverCutAndUsed)
{
    // Before the fix flags of 4097+ characters kept their first 4096.
    std::string flags = "P";
    while (flags.size() < 4060)
        flags += "|P";
    std::string line = "map 0x10000000000 4096 " + flags + " 4k";
    ASSERT_LT(line.size(), 4097u);
    ReadAll ok = read_mem(text_bytes(text_with(0, line)), "text");
    EXPECT_EQ(ok.rc, 0) << ok.err;
    ASSERT_EQ(ok.recs.size(), 2u);
    EXPECT_EQ(ok.recs[0].value, static_cast<uint64_t>(MMU_PTE_P));
    line = "map 0x10000000000 4096 " + flags + "|RW|RW|RW|RW|RW|RW|0x2000 4k";
    ASSERT_GT(line.size(), 4096u);
    ReadAll bad = read_mem(text_bytes(text_with(0, line)), "text");
    EXPECT_EQ(bad.err, "m.trace:2: line longer than 4096 bytes");
}

TEST(Trace, NulByteIsAnErrorAtItsLineInEveryTextFormat)
{
    const std::string cases[][2] = {
        {"text", "# mmusim text trace\nr 0x1000 3\nr 0x2000 3"},
        {"lackey", "I  04010a53,3\n L 1ffefffd28,8"},
    };
    for (const auto &c : cases) {
        for (size_t col : {size_t{0}, size_t{3}}) {
            Bytes b = text_bytes(c[1]);
            const size_t at = c[1].rfind('\n') + 1 + col; // in the last line
            b.insert(b.begin() + static_cast<long>(at), 0);
            b.push_back('\n');
            ReadAll got = read_mem(b, c[0].c_str());
            EXPECT_EQ(got.rc, -1) << c[0];
            const std::string line = c[0] == "text" ? "3" : "2";
            EXPECT_EQ(got.err, "m.trace:" + line + ": NUL byte in column " +
                                   std::to_string(col + 1) + " (binary data in a text trace)");
            EXPECT_EQ(got.recs.size(), 1u) << "the record before it is kept";
            // Detected, not forced: a NUL in the first 4 KiB makes it binary
            // (ChampSim); past them, the text format is found and the NUL is
            // an error at its line.
            std::string lines;
            for (int i = 0; i < 1000; i++)
                lines += c[0] == "text" ? "r 0x1 3\n" : " L 10,8\n";
            const Bytes pre = text_bytes(c[0] == "text" ? "# mmusim text trace\n" + lines : lines);
            Bytes late = pre;
            late.insert(late.end(), b.begin() + (c[0] == "text" ? 20 : 0), b.end());
            ReadAll det = read_mem(late, nullptr);
            EXPECT_EQ(det.format, c[0]);
            EXPECT_EQ(det.err, "m.trace:" + std::to_string(std::stoi(line) + 1000) +
                                   ": NUL byte in column " + std::to_string(col + 1) +
                                   " (binary data in a text trace)");
        }
    }
}

TEST(Trace, BinaryForcedAsATextFormatIsAnErrorNotAnEmptyTrace)
{
    // A ChampSim record forced through --format lackey used to give 0 records
    // and success: its first line starts at a NUL.
    Bytes champ(128, 0);
    champ[0] = 0x34, champ[1] = 0x12, champ[8] = 1;
    for (const char *fmt : {"lackey", "text"}) {
        ReadAll got = read_mem(champ, fmt);
        EXPECT_EQ(got.rc, -1) << fmt;
        EXPECT_EQ(got.recs.size(), 0u);
        EXPECT_NE(got.err.find("m.trace:1: NUL byte in column"), std::string::npos) << got.err;
    }
    ReadAll zeros = read_mem(Bytes(10, 0), "lackey");
    EXPECT_EQ(zeros.err, "m.trace:1: NUL byte in column 1 (binary data in a text trace)");
}

TEST(Trace, WhereNamesTheLineOrByteOfTheLastRecord)
{
    char at[200];
    // Text: the line; both records of a lackey M line share it.
    const std::string lk = "==1== banner\nI  04010a53,3\n\n M 1ffefffd28,8\n L 10,4\n";
    mmu_trace_reader_t *r = nullptr;
    char msg[300];
    ASSERT_EQ(0, mmu_trace_open_mem("t.lackey", lk.data(), lk.size(), nullptr, &r, msg,
                                    sizeof msg))
        << msg;
    EXPECT_STREQ(mmu_trace_where(r, at, sizeof at), "t.lackey");
    mmu_trec_t rec;
    const char *want[] = {"t.lackey:2", "t.lackey:4", "t.lackey:4", "t.lackey:5"};
    for (const char *w : want) {
        ASSERT_EQ(mmu_trace_next(r, &rec), 1);
        EXPECT_STREQ(mmu_trace_where(r, at, sizeof at), w);
    }
    mmu_trace_close(r);

    // Native: the offset of each record's first byte.
    FILE *f = tmpfile();
    ASSERT_NE(f, nullptr);
    mmu_trace_writer_t *w = nullptr;
    ASSERT_EQ(0, mmu_trace_writer_fopen(f, "t.mtr", "native", &w, msg, sizeof msg));
    std::vector<mmu_trec_t> recs = {acc(0, 0x1000, MMU_ACC_READ, 3, 8),
                                    acc(1, 0x1008, MMU_ACC_WRITE, 3, 8)};
    mmu_trec_t cr3{};
    cr3.kind = MMU_TREC_CR3;
    cr3.value = 0x1000;
    cr3.icount = 2;
    recs.push_back(cr3);
    for (const auto &x : recs)
        ASSERT_EQ(0, mmu_trace_write(w, &x));
    ASSERT_EQ(0, mmu_trace_writer_close(w, msg, sizeof msg)) << msg;
    Bytes b(static_cast<size_t>(ftell(f)));
    rewind(f);
    ASSERT_EQ(fread(b.data(), 1, b.size(), f), b.size());
    fclose(f);
    ASSERT_EQ(0, mmu_trace_open_mem("t.mtr", b.data(), b.size(), nullptr, &r, msg, sizeof msg));
    // 24-byte header; records of 4 (e4 00 80 40), 3 and 4 bytes.
    for (const char *x : {"t.mtr: byte 24", "t.mtr: byte 28", "t.mtr: byte 31"}) {
        ASSERT_EQ(mmu_trace_next(r, &rec), 1);
        EXPECT_STREQ(mmu_trace_where(r, at, sizeof at), x);
    }
    mmu_trace_close(r);

    // ChampSim: every record of an instruction names its 64-byte record.
    Bytes cs(128, 0);
    cs[0] = 1, cs[32] = 8, cs[64] = 2, cs[72] = 0; // ip 1 + a read; ip 2
    ASSERT_EQ(0, mmu_trace_open_mem("t.cs", cs.data(), cs.size(), "champsim", &r, msg,
                                    sizeof msg));
    for (const char *x : {"t.cs: byte 0", "t.cs: byte 0", "t.cs: byte 64"}) {
        ASSERT_EQ(mmu_trace_next(r, &rec), 1);
        EXPECT_STREQ(mmu_trace_where(r, at, sizeof at), x);
    }
    mmu_trace_close(r);
}

TEST(Trace, MemoryEntryPointReadsExactlyAsAFile)
{
    const std::string txt = text_with(3, "invpcid 9 1 0");
    for (int z = 0; z < 3; z++) {
        Bytes b = text_bytes(txt);
        if (z == 1)
            b = gzip(b);
        if (z == 2)
            b = xz(b);
        const std::string p = scratch("mem_vs_file");
        put_file(p, b);
        ReadAll file = read_all(p);
        ReadAll mem = read_mem(b, nullptr, MMU_TRACE_BUF_BYTES, p.c_str());
        EXPECT_EQ(file.format, mem.format);
        EXPECT_EQ(file.err, mem.err);
        EXPECT_EQ(file.err, p + ":5: INVPCID type 9 > 3");
        EXPECT_SAME_RECS(file.recs, mem.recs);
    }
    mmu_trace_reader_t *r = nullptr;
    char msg[200];
    EXPECT_EQ(-1, mmu_trace_open_mem("none", nullptr, 0, nullptr, &r, msg, sizeof msg));
    EXPECT_STREQ(msg, "none: empty file: cannot tell the trace format");
}

// ---- after the end of a compressed stream ---------------------------------------

namespace {

Bytes cat(Bytes a, const Bytes &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Lackey text of n fetches, and what it reads as.
Bytes lackey_lines(size_t n, std::vector<mmu_trec_t> *want)
{
    std::string s;
    for (size_t i = 0; i < n; i++) {
        char l[40];
        snprintf(l, sizeof l, "I  %08zx,4\n", 0x400000 + 4 * i);
        s += l;
        want->push_back(acc(i, 0x400000 + 4 * i, MMU_ACC_FETCH, 3, 4));
    }
    return text_bytes(s);
}

} // namespace

TEST(TraceSrc, TrailingGarbageIsCorruptDataAfterEveryRecord)
{
    std::vector<mmu_trec_t> want;
    const Bytes plain = lackey_lines(3000, &want);
    for (int xzed = 0; xzed < 2; xzed++) {
        const Bytes z = xzed ? xz(plain) : gzip(plain);
        const std::string fmt = xzed ? "xz" : "gzip";
        const std::string tail = xzed ? "last stream" : "last member";
        // Before the fix a short tail after an xz stream read as "unexpected end".
        for (const Bytes &junk : {text_bytes("\n"), text_bytes("junk"), Bytes(13, 0x41),
                                  text_bytes("PK\3\4 a zip file, say")}) {
            ReadAll got = read_mem(cat(z, junk), nullptr);
            EXPECT_EQ(got.rc, -1);
            EXPECT_EQ(got.err, "m.trace: compressed byte " + std::to_string(z.size()) + ": " +
                                   fmt + ": corrupt compressed data (trailing garbage after the " +
                                   tail + ") (after " + std::to_string(plain.size()) +
                                   " bytes of data)");
            EXPECT_SAME_RECS(want, got.recs);
        }
        // A cut stream stays "unexpected end", after what it decoded.
        Bytes cut(z.begin(), z.begin() + static_cast<long>(z.size() - 7));
        ReadAll got = read_mem(cut, nullptr);
        EXPECT_NE(got.err.find(fmt + ": unexpected end of compressed data"), std::string::npos)
            << got.err;
        EXPECT_LE(got.recs.size(), want.size());
        // A second member / stream that is cut right after its magic: unexpected end.
        const Bytes magic = xzed ? Bytes{0xfd, 0x37, 0x7a} : Bytes{0x1f};
        got = read_mem(cat(z, magic), nullptr);
        EXPECT_NE(got.err.find(fmt + ": unexpected end of compressed data"), std::string::npos)
            << got.err;
        EXPECT_SAME_RECS(want, got.recs);
        // Two members / streams are one trace.
        got = read_mem(cat(z, z), nullptr);
        EXPECT_EQ(got.rc, 0) << got.err;
        EXPECT_EQ(got.recs.size(), 2 * want.size());
    }
}

TEST(TraceSrc, XzStreamPaddingIsAllowedInFoursOnly)
{
    std::vector<mmu_trec_t> want;
    const Bytes z = xz(lackey_lines(10, &want));
    ReadAll got = read_mem(cat(z, Bytes(8, 0)), nullptr);
    EXPECT_EQ(got.rc, 0) << got.err;
    EXPECT_SAME_RECS(want, got.recs);
    got = read_mem(cat(cat(z, Bytes(4, 0)), z), nullptr);
    EXPECT_EQ(got.rc, 0) << got.err;
    EXPECT_EQ(got.recs.size(), 20u);
    got = read_mem(cat(z, Bytes(6, 0)), nullptr);
    EXPECT_EQ(got.rc, -1) << got.open_err;
    EXPECT_EQ(got.open_err, "");
    EXPECT_NE(got.err.find("xz: corrupt compressed data (stream padding of 6 bytes, not a "
                           "multiple of 4)"),
              std::string::npos)
        << got.err;
    EXPECT_SAME_RECS(want, got.recs);
    // gzip has no padding: zeros after a member are garbage.
    const Bytes g = gzip(lackey_lines(10, &want));
    got = read_mem(cat(g, Bytes(8, 0)), nullptr);
    EXPECT_NE(got.err.find("gzip: corrupt compressed data (trailing garbage"), std::string::npos)
        << got.err;
}
