/* SPDX-License-Identifier: Apache-2.0 */
// ChampSim trace reader (workloads/trace_champsim.c): 64-byte input_instr
// records become a fetch, reads for source_memory, writes for
// destination_memory; compressed inputs; truncated records and corrupt or cut
// compressed streams.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "trace.h"
#include "trace_testutil.h"

using namespace trace_test;

namespace {

struct Instr {
    uint64_t ip;
    uint64_t dst[2];
    uint64_t src[4];
};

void put64(Bytes &b, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// The input_instr layout: ip @0, is_branch @8, branch_taken @9, dst regs @10,
// src regs @12, destination_memory @16, source_memory @32; 64 bytes.
Bytes encode(const std::vector<Instr> &v)
{
    Bytes b(64 * v.size(), 0);
    for (size_t i = 0; i < v.size(); i++) {
        size_t o = 64 * i;
        put64(b, o, v[i].ip);
        b[o + 8] = 1;    // branch fields and registers are ignored by the reader
        b[o + 10] = 25;
        b[o + 12] = 6;
        for (int k = 0; k < 2; k++)
            put64(b, o + 16 + 8 * k, v[i].dst[k]);
        for (int k = 0; k < 4; k++)
            put64(b, o + 32 + 8 * k, v[i].src[k]);
    }
    return b;
}

std::vector<mmu_trec_t> expand(const std::vector<Instr> &v)
{
    std::vector<mmu_trec_t> out;
    for (size_t i = 0; i < v.size(); i++) {
        out.push_back(acc(i, v[i].ip, MMU_ACC_FETCH));
        for (uint64_t a : v[i].src)
            if (a)
                out.push_back(acc(i, a, MMU_ACC_READ));
        for (uint64_t a : v[i].dst)
            if (a)
                out.push_back(acc(i, a, MMU_ACC_WRITE));
    }
    return out;
}

std::vector<Instr> sample(size_t n)
{
    std::vector<Instr> v;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        Instr in{};
        in.ip = 0x400000 + 4 * i;
        if (x & 1)
            in.src[0] = 0x7fff0000 + (x >> 40);
        if (x & 2)
            in.src[3] = 0x10000000000ull + (x >> 20);
        if (x & 4)
            in.dst[1] = 0x7fff8000 + (x >> 44);
        if (i == 0) { // every operand at once, and the extremes
            in.src[0] = 1, in.src[1] = ~0ull, in.src[2] = 2, in.src[3] = 3;
            in.dst[0] = ~0ull, in.dst[1] = 4;
        }
        v.push_back(in);
    }
    return v;
}

TEST(TraceChampsim, PlainGzipAndXzGiveTheSameRecords)
{
    std::vector<Instr> v = sample(3000);
    Bytes raw = encode(v);
    std::string p = scratch("cs.trace");
    for (const Bytes &b : {raw, gzip(raw), xz(raw)}) {
        put_file(p, b);
        ReadAll got = read_all(p);
        EXPECT_EQ(got.format, "champsim");
        ASSERT_EQ(got.rc, 0) << got.err << got.open_err;
        EXPECT_SAME_RECS(expand(v), got.recs);
    }
}

TEST(TraceChampsim, SizeNotAMultipleOf64IsATruncatedRecord)
{
    std::vector<Instr> v = sample(5);
    Bytes raw = encode(v);
    std::string p = scratch("cs_trunc.trace");
    for (size_t cut : {64u * 4 + 1, 64u * 4 + 63, 64u * 2 + 8}) {
        Bytes b(raw.begin(), raw.begin() + static_cast<long>(cut));
        put_file(p, xz(b));
        ReadAll got = read_all(p, "champsim");
        size_t whole = cut / 64;
        EXPECT_SAME_RECS(expand(std::vector<Instr>(v.begin(), v.begin() + static_cast<long>(whole))),
                         got.recs);
        EXPECT_EQ(got.rc, -1);
        EXPECT_EQ(got.err, p + ": byte " + std::to_string(whole * 64) + ": truncated record (" +
                               std::to_string(cut % 64) + " of 64 bytes)");
    }
}

TEST(TraceChampsim, CutCompressedStreamKeepsEarlierRecords)
{
    std::vector<Instr> v = sample(4000);
    Bytes raw = encode(v);
    std::string p = scratch("cs_cut.trace");
    for (int xzed = 0; xzed < 2; xzed++) {
        Bytes z = xzed ? xz(raw) : gzip(raw);
        z.resize(z.size() / 2);
        put_file(p, z);
        ReadAll got = read_all(p);
        ASSERT_EQ(got.open_err, "");
        EXPECT_EQ(got.rc, -1);
        EXPECT_NE(got.err.find(xzed ? "xz: unexpected end of compressed data"
                                    : "gzip: unexpected end of compressed data"),
                  std::string::npos)
            << got.err;
        // Whatever came out before the cut is exactly the start of the trace.
        std::vector<mmu_trec_t> all = expand(v);
        ASSERT_GT(got.recs.size(), 100u);
        ASSERT_LT(got.recs.size(), all.size());
        all.resize(got.recs.size());
        EXPECT_SAME_RECS(all, got.recs);
    }
}

TEST(TraceChampsim, CorruptCompressedStreamIsAnError)
{
    std::vector<Instr> v = sample(4000);
    Bytes raw = encode(v);
    std::string p = scratch("cs_bad.trace");
    for (int xzed = 0; xzed < 2; xzed++) {
        Bytes z = xzed ? xz(raw) : gzip(raw);
        for (size_t i = z.size() / 2; i < z.size() / 2 + 16; i++)
            z[i] ^= 0x5a;
        put_file(p, z);
        ReadAll got = read_all(p);
        ASSERT_EQ(got.open_err, "");
        EXPECT_EQ(got.rc, -1);
        // zlib finds the damage where it is; LZMA2 may decode garbage until the
        // block's check fails, and a record check of that garbage can come first.
        const bool layer = got.err.rfind(p + ": compressed byte ", 0) == 0 &&
                           got.err.find(xzed ? ": xz: corrupt compressed data"
                                             : ": gzip: corrupt compressed data") != std::string::npos;
        const bool record = xzed && got.err.rfind(p + ": byte ", 0) == 0;
        EXPECT_TRUE(layer || record) << got.err;
        // Data decoded before the damaged bytes is handed out first and is intact.
        std::vector<mmu_trec_t> all = expand(v);
        ASSERT_GT(got.recs.size(), 100u);
        EXPECT_LT(got.recs.size(), all.size());
        all.resize(100);
        got.recs.resize(100);
        EXPECT_SAME_RECS(all, got.recs);
    }
}

TEST(TraceChampsim, BinaryThatIsNotNativeIsDetectedAsChampsim)
{
    std::string p = scratch("cs_det.trace");
    Bytes raw = encode(sample(2));
    raw[0] = 'M'; // text-looking start, but binary further on
    put_file(p, raw);
    EXPECT_EQ(read_all(p).format, "champsim");
}

} // namespace

// A ChampSim record is one instruction; its fetch, loads and stores are several
// mmu_trec_t. The reader counts both, each as what it is.
TEST(TraceChampsim, InputRecordsCountInstructionsNotAccesses)
{
    std::vector<Instr> v = sample(500);
    std::string p = scratch("cs_count.trace");
    put_file(p, encode(v));
    mmu_trace_reader_t *r = nullptr;
    char msg[256];
    ASSERT_EQ(0, mmu_trace_open(p.c_str(), nullptr, &r, msg, sizeof msg)) << msg;
    mmu_trec_t rec;
    uint64_t n = 0;
    while (mmu_trace_next(r, &rec) > 0) {
        n++;
        // Counted when the instruction's first record (its fetch) comes out.
        EXPECT_EQ(rec.icount + 1, mmu_trace_input_records(r));
    }
    EXPECT_EQ(500u, mmu_trace_input_records(r));
    EXPECT_EQ(expand(v).size(), n);
    EXPECT_EQ(n, mmu_trace_records(r));
    EXPECT_GT(n, 500u);
    mmu_trace_close(r);
}
