/* SPDX-License-Identifier: Apache-2.0 */
// Native trace formats (workloads/trace_native.c): binary write -> read
// round-trip, the exact encoding, every truncation point, corrupt input, and
// the text form's good and bad lines. Detection of each format is tested with
// the format's own suite.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "trace.h"
#include "trace_native.h"
#include "trace_testutil.h"

using namespace trace_test;

namespace {

constexpr uint64_t kMax = ~0ull;

mmu_trec_t ev(mmu_trec_kind_t kind, uint64_t icount, uint64_t la = 0, uint64_t len = 0,
              uint64_t value = 0, uint16_t pcid = 0, uint8_t size = 0)
{
    mmu_trec_t t{};
    t.kind = static_cast<uint8_t>(kind);
    t.icount = icount;
    t.la = la;
    t.len = len;
    t.value = value;
    t.pcid = pcid;
    t.size = size;
    return t;
}

mmu_trec_t file_map(uint64_t icount, uint64_t la, uint64_t len, uint8_t kind, uint64_t file,
                    uint64_t off)
{
    mmu_trec_t t = ev(MMU_TREC_MAP, icount, la, len, MMU_PTE_P | MMU_PTE_US);
    t.map = kind;
    t.file = file;
    t.off = off;
    return t;
}

// Every kind, extreme addresses, big and negative deltas, icount jumps both ways.
std::vector<mmu_trec_t> every_kind()
{
    return {
        acc(0, 0, MMU_ACC_READ, 0, 0),
        acc(0, kMax, MMU_ACC_WRITE, 3, 8),
        acc(1, 0, MMU_ACC_READ, 1, 255),                    // max negative-ish delta
        acc(1ull << 63, 0x00007fffffffffffull, MMU_ACC_FETCH, 2, 64),
        acc(5, 0xffff800000000000ull, MMU_ACC_FETCH, 3, 3), // icount goes back
        acc(kMax, 0x8000000000000000ull, MMU_ACC_WRITE, 0, 16),
        acc(kMax, 0x7fffffffffffffffull, MMU_ACC_READ, 3, 32),
        ev(MMU_TREC_CR3, 0, 0, 0, kMax),
        ev(MMU_TREC_CR3, 7, 0, 0, MMU_CR3_NOFLUSH | 0x123456000ull | 0xabc),
        ev(MMU_TREC_SYSCALL_ENTER, 8),
        ev(MMU_TREC_SYSCALL_EXIT, 8),
        ev(MMU_TREC_INVLPG, 9, kMax),
        ev(MMU_TREC_INVPCID, 10, kMax, 0, 3, 0xfff), // the largest type and PCID
        ev(MMU_TREC_INVPCID, 10, 0, 0, 0, 0),
        ev(MMU_TREC_MAP, 11, 0x10000000000ull, 1ull << 30,
           MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_XD | MMU_PTE_PKEY(15), 0, MMU_PAGE_1G),
        ev(MMU_TREC_MAP, 11, kMax, kMax, ~0x000fffffffffe000ull, 0, MMU_PAGE_2M), // every flag bit
        file_map(11, 0x7f0000000000ull, 0x21000, MMU_MAP_FILE_PRIVATE, 3, 0x1c000),
        file_map(11, 0x1000, 4096, MMU_MAP_FILE_SHARED, kMax, kMax),
        ev(MMU_TREC_UNMAP, 12, kMax, kMax),
        ev(MMU_TREC_PROTECT, 13, 0, kMax, MMU_PTE_P),
        acc(13, 0x1000, MMU_ACC_READ, 3, 4),
    };
}

void write_trace(const std::string &path, const std::vector<mmu_trec_t> &recs,
                 const char *format = "native")
{
    mmu_trace_writer_t *w = nullptr;
    char msg[512] = "";
    ASSERT_EQ(0, mmu_trace_writer_open(path.c_str(), format, &w, msg, sizeof msg)) << msg;
    for (const auto &r : recs)
        ASSERT_EQ(0, mmu_trace_write(w, &r)) << mmu_trace_writer_error(w);
    ASSERT_EQ(0, mmu_trace_writer_close(w, msg, sizeof msg)) << msg;
}

Bytes header() { Bytes h(MMU_TRACE_NATIVE_HEADER_BYTES); mmu_trace_native_header(h.data()); return h; }

TEST(TraceNative, RoundTripEveryKindWithExtremeValues)
{
    std::string p = scratch("rt.mtr");
    write_trace(p, every_kind());
    ReadAll got = read_all(p);
    EXPECT_EQ(got.rc, 0) << got.err << got.open_err;
    EXPECT_EQ(got.format, "native");
    EXPECT_SAME_RECS(every_kind(), got.recs);
}

TEST(TraceNative, TextFormRoundTripsEveryKind)
{
    std::string p = scratch("rt.txt");
    write_trace(p, every_kind(), "text");
    ReadAll got = read_all(p);
    EXPECT_EQ(got.rc, 0) << got.err << got.open_err;
    EXPECT_EQ(got.format, "text");
    EXPECT_SAME_RECS(every_kind(), got.recs);
}

TEST(TraceNative, WriterKeepsOnlyTheFieldsOfTheKind)
{
    mmu_trec_t noisy = acc(2, 0x5000, MMU_ACC_WRITE, 3, 8);
    noisy.len = 99;
    noisy.value = 42;
    noisy.pcid = 7;
    std::string p = scratch("noisy.mtr");
    write_trace(p, {noisy});
    ReadAll got = read_all(p);
    EXPECT_SAME_RECS(std::vector<mmu_trec_t>{acc(2, 0x5000, MMU_ACC_WRITE, 3, 8)}, got.recs);
}

// The README's worked example: these bytes follow from the encoding alone.
TEST(TraceNative, SmallTraceHasTheDocumentedBytes)
{
    std::string p = scratch("exact.mtr");
    write_trace(p, {
                       acc(0, 0x1000, MMU_ACC_READ, 3, 8),     // e4 00 80 40
                       acc(1, 0x1008, MMU_ACC_WRITE, 3, 8),    // ec 01 10
                       acc(1, 0x400000, MMU_ACC_FETCH, 3, 0),  // f0 00 80 80 80 04
                       ev(MMU_TREC_CR3, 2, 0, 0, 0x1000),      // 01 01 80 20
                       ev(MMU_TREC_SYSCALL_ENTER, 2),          // 02 00
                       acc(2, 0x1000, MMU_ACC_READ, 3, 64),    // e7 00 0f 40
                   });
    Bytes want = header();
    Bytes recs = {0xe4, 0x00, 0x80, 0x40, 0xec, 0x01, 0x10, 0xf0, 0x00, 0x80, 0x80, 0x80, 0x04,
                  0x01, 0x01, 0x80, 0x20, 0x02, 0x00, 0xe7, 0x00, 0x0f, 0x40};
    want.insert(want.end(), recs.begin(), recs.end());
    Bytes have = get_file(p);
    EXPECT_EQ(have.size(), 24u + 23u);
    EXPECT_EQ(have, want);
    // The header itself: magic, version 2, header size 24, flags 0, reserved 0.
    Bytes h = {'M', 'M', 'U', 'T', 'R', 'A', 'C', 'E', 2, 0, 24, 0, 0, 0, 0, 0,
               0,   0,   0,   0,   0,   0,   0,   0};
    EXPECT_EQ(header(), h);
}

// Cut a small file at every length: complete records before the cut come back,
// a cut inside a record names that record's first byte.
TEST(TraceNative, EveryTruncationPointReportsTheRecordAndKeepsEarlierOnes)
{
    std::vector<mmu_trec_t> recs = every_kind();
    std::string full_path = scratch("full.mtr");
    write_trace(full_path, recs);
    Bytes full = get_file(full_path);
    // Record boundaries, from encoding each record alone.
    std::vector<size_t> start;
    mmu_trace_enc_t enc{};
    size_t off = MMU_TRACE_NATIVE_HEADER_BYTES;
    for (const auto &r : recs) {
        start.push_back(off);
        uint8_t tmp[MMU_TRACE_NATIVE_MAX_RECORD];
        off += mmu_trace_native_encode(&enc, &r, tmp, nullptr, 0);
    }
    ASSERT_EQ(off, full.size());
    std::string p = scratch("cut.mtr");
    for (size_t cut = 0; cut < full.size(); cut++) {
        put_file(p, Bytes(full.begin(), full.begin() + static_cast<long>(cut)));
        ReadAll got = read_all(p, "native");
        SCOPED_TRACE("cut at " + std::to_string(cut));
        if (cut < 8) {
            EXPECT_EQ(got.open_err, p + ": byte 0: bad magic (not an mmusim native trace)");
            continue;
        }
        if (cut < MMU_TRACE_NATIVE_HEADER_BYTES) {
            EXPECT_EQ(got.open_err, p + ": byte 0: truncated header");
            continue;
        }
        size_t whole = 0;
        while (whole < recs.size() && (whole + 1 < start.size() ? start[whole + 1] : full.size()) <= cut)
            whole++;
        std::vector<mmu_trec_t> want(recs.begin(), recs.begin() + static_cast<long>(whole));
        EXPECT_SAME_RECS(want, got.recs);
        if (whole < recs.size() && start[whole] == cut) {
            EXPECT_EQ(got.rc, 0) << got.err; // a cut between records is a shorter trace
        } else {
            EXPECT_EQ(got.rc, -1);
            EXPECT_EQ(got.err, p + ": byte " + std::to_string(start[whole]) + ": truncated record");
        }
    }
}

Bytes with_records(std::initializer_list<uint8_t> recs)
{
    Bytes b = header();
    b.insert(b.end(), recs);
    return b;
}

TEST(TraceNative, UnknownTagNamesItsByteAndKeepsEarlierRecords)
{
    const uint8_t bad_tags[] = {0x00, 0x09, 0x0f, 0x12, 0x70, 0x98, 0xf8};
    std::string p = scratch("tag.mtr");
    for (uint8_t tag : bad_tags) {
        put_file(p, with_records({0xe4, 0x00, 0x80, 0x40, 0x02, 0x00, tag, 0x00, 0x00, 0x00}));
        ReadAll got = read_all(p);
        EXPECT_EQ(got.recs.size(), 2u);
        EXPECT_EQ(got.rc, -1);
        char want[64];
        snprintf(want, sizeof want, ": byte 30: unknown tag 0x%02x", tag);
        EXPECT_EQ(got.err, p + want);
    }
}

TEST(TraceNative, VarintLongerThanTenBytesIsAnError)
{
    std::string p = scratch("varint.mtr");
    // Ten bytes whose last one is > 1 overflows 64 bits.
    put_file(p, with_records({0x02, 0x00, 0x84, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0x02}));
    ReadAll got = read_all(p);
    EXPECT_EQ(got.recs.size(), 1u);
    EXPECT_EQ(got.err, p + ": byte 26: varint too long");
    // The same with the largest legal 10th byte reads back 2^64-1.
    put_file(p, with_records({0x02, 0x00, 0x84, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0x01}));
    got = read_all(p);
    ASSERT_EQ(got.rc, 0) << got.err;
    ASSERT_EQ(got.recs.size(), 2u);
    EXPECT_EQ(got.recs[1].la, 0x8000000000000000ull); // unzigzag(2^64-1)
}

TEST(TraceNative, BadMagicAndBadVersionAreRefused)
{
    std::string p = scratch("hdr.mtr");
    Bytes b = with_records({0x02, 0x00});
    b[0] = 'X';
    put_file(p, b);
    EXPECT_EQ(read_all(p, "native").open_err,
              p + ": byte 0: bad magic (not an mmusim native trace)");
    b = with_records({0x02, 0x00});
    b[8] = 3;
    put_file(p, b);
    EXPECT_EQ(read_all(p).open_err, p + ": byte 8: unsupported version 3 (this reader knows 1 to 2)");
    b[8] = 0;
    put_file(p, b);
    EXPECT_EQ(read_all(p).open_err, p + ": byte 8: unsupported version 0 (this reader knows 1 to 2)");
    b = with_records({0x02, 0x00});
    b[12] = 1;
    put_file(p, b);
    EXPECT_EQ(read_all(p).open_err, p + ": byte 12: unknown flags 0x1");
}

// Version 2 MAP records carry the mapping's kind: a file's id and offset.
TEST(TraceNative, MapRecordsCarryTheMappingKind)
{
    std::string p = scratch("maps.mtr");
    write_trace(p, {file_map(0, 0x7f0000000000ull, 0x3000, MMU_MAP_FILE_PRIVATE, 2, 0x1000)});
    // map: tag 06, icount 0, la, len 0x3000 (80 60), flags 0x5 (05), page size 0,
    // kind 1, file 2, offset 0x1000 (80 20).
    Bytes want = header();
    Bytes rec = {0x06, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0xe0, 0x1f, 0x80, 0x60, 0x05,
                 0x00, 0x01, 0x02, 0x80, 0x20};
    want.insert(want.end(), rec.begin(), rec.end());
    EXPECT_EQ(get_file(p), want);
    ReadAll got = read_all(p);
    ASSERT_EQ(got.recs.size(), 1u);
    EXPECT_EQ(got.recs[0].map, MMU_MAP_FILE_PRIVATE);
    EXPECT_EQ(got.recs[0].file, 2u);
    EXPECT_EQ(got.recs[0].off, 0x1000u);
    // A kind no reader knows is refused, with its place.
    Bytes bad = header();
    Bytes brec = {0x06, 0x00, 0x00, 0x01, 0x05, 0x00, 0x03};
    bad.insert(bad.end(), brec.begin(), brec.end());
    put_file(p, bad);
    EXPECT_EQ(read_all(p).err, p + ": byte 24: MAP kind 3 > 2");
}

// A version 1 file (no kind in MAP records) is still read: its mappings are
// anonymous.
TEST(TraceNative, Version1FilesAreStillReadWithAnonymousMaps)
{
    std::string p = scratch("v1.mtr");
    Bytes b = header();
    b[8] = 1;
    // map la 0x1000 len 0x2000 flags 0x7 page size 2M, then a read of 0x1000.
    Bytes recs = {0x06, 0x00, 0x80, 0x20, 0x80, 0x40, 0x07, 0x01, 0xe4, 0x00, 0x80, 0x40};
    b.insert(b.end(), recs.begin(), recs.end());
    put_file(p, b);
    ReadAll got = read_all(p);
    EXPECT_EQ(got.err, "");
    ASSERT_EQ(got.recs.size(), 2u);
    EXPECT_EQ(got.recs[0].kind, MMU_TREC_MAP);
    EXPECT_EQ(got.recs[0].la, 0x1000u);
    EXPECT_EQ(got.recs[0].len, 0x2000u);
    EXPECT_EQ(got.recs[0].value, 7u);
    EXPECT_EQ(got.recs[0].size, MMU_PAGE_2M);
    EXPECT_EQ(got.recs[0].map, MMU_MAP_ANON);
    EXPECT_EQ(got.recs[1].la, 0x1000u);
}

TEST(TraceNative, LargerHeaderSizeIsSkipped)
{
    std::string p = scratch("hdr32.mtr");
    Bytes b = header();
    b[10] = 32;
    b.insert(b.end(), 8, 0xee); // a future header field
    b.insert(b.end(), {0x02, 0x05});
    put_file(p, b);
    ReadAll got = read_all(p);
    ASSERT_EQ(got.rc, 0) << got.err << got.open_err;
    EXPECT_SAME_RECS(std::vector<mmu_trec_t>{ev(MMU_TREC_SYSCALL_ENTER, 5)}, got.recs);
}

TEST(TraceNative, WriterRefusesRecordsNoReaderCouldReturn)
{
    std::string p = scratch("refuse.mtr");
    mmu_trace_writer_t *w = nullptr;
    char msg[512];
    ASSERT_EQ(0, mmu_trace_writer_open(p.c_str(), nullptr, &w, msg, sizeof msg));
    mmu_trec_t ok = acc(0, 0x1000, MMU_ACC_READ);
    mmu_trec_t bad = acc(0, 0x1000, static_cast<mmu_access_t>(3));
    EXPECT_EQ(0, mmu_trace_write(w, &ok));
    EXPECT_EQ(-1, mmu_trace_write(w, &bad));
    EXPECT_EQ(std::string(mmu_trace_writer_error(w)), p + ": record 1: access type 3 > 2");
    EXPECT_EQ(-1, mmu_trace_write(w, &ok)); // sticky
    EXPECT_EQ(-1, mmu_trace_writer_close(w, msg, sizeof msg));
    EXPECT_EQ(std::string(msg), p + ": record 1: access type 3 > 2");
}

TEST(TraceNative, DetectedPlainGzipAndXz)
{
    std::string p = scratch("det.mtr");
    write_trace(p, every_kind());
    Bytes raw = get_file(p);
    for (const Bytes &b : {raw, gzip(raw), xz(raw)}) {
        put_file(p, b);
        ReadAll got = read_all(p);
        EXPECT_EQ(got.format, "native");
        EXPECT_EQ(got.rc, 0) << got.err << got.open_err;
        EXPECT_SAME_RECS(every_kind(), got.recs);
    }
}

// ---- text form ----

TEST(TraceNative, TextGoodLines)
{
    std::string p = scratch("good.txt");
    put_file(p, "# a hand-written case\n"
                "\n"
                "r 0x7f001234 3\n"
                "w 4096 0 8   # a comment after a record\n"
                "@100 x 0x400000 3\n"
                "  cr3 0x8000000000001001\r\n"
                "syscall\n"
                "@102 sysret\n"
                "invlpg 0x7f001000\n"
                "invpcid 1 5 0\n"
                "map 0x10000000000 0x200000 P|RW|US|XD 2m\n"
                "protect 0x10000000000 4096 0x1\n"
                "unmap 0x10000000000 0x200000");
    ReadAll got = read_all(p);
    EXPECT_EQ(got.format, "text");
    ASSERT_EQ(got.rc, 0) << got.err << got.open_err;
    std::vector<mmu_trec_t> want = {
        acc(0, 0x7f001234, MMU_ACC_READ, 3),
        acc(0, 4096, MMU_ACC_WRITE, 0, 8),
        acc(100, 0x400000, MMU_ACC_FETCH, 3),
        ev(MMU_TREC_CR3, 100, 0, 0, 0x8000000000001001ull),
        ev(MMU_TREC_SYSCALL_ENTER, 100),
        ev(MMU_TREC_SYSCALL_EXIT, 102),
        ev(MMU_TREC_INVLPG, 102, 0x7f001000),
        ev(MMU_TREC_INVPCID, 102, 0, 0, 1, 5),
        ev(MMU_TREC_MAP, 102, 0x10000000000ull, 0x200000,
           MMU_PTE_P | MMU_PTE_RW | MMU_PTE_US | MMU_PTE_XD, 0, MMU_PAGE_2M),
        ev(MMU_TREC_PROTECT, 102, 0x10000000000ull, 4096, 1),
        ev(MMU_TREC_UNMAP, 102, 0x10000000000ull, 0x200000),
    };
    EXPECT_SAME_RECS(want, got.recs);
}

TEST(TraceNative, TextBadLinesSayLineAndWhat)
{
    const struct {
        const char *line;
        const char *what;
    } cases[] = {
        {"q 0x10 3", "unknown record 'q'"},
        {"r 0x10", "expected 'r ADDR CPL [SIZE]'"},
        {"r 0x10 3 8 9", "expected 'r ADDR CPL [SIZE]'"},
        {"r 0xzz 3", "bad address '0xzz'"},
        {"r 18446744073709551616 3", "bad address '18446744073709551616'"},
        {"w 0x10 4", "cpl 4 > 3"},
        {"x 0x10 3 256", "size 256 > 255"},
        {"cr3", "expected 'cr3 VALUE'"},
        {"syscall 1", "expected 'syscall'"},
        {"invpcid 0 4096 0", "INVPCID pcid 4096 > 4095"},
        {"invpcid 4 1 0", "INVPCID type 4 > 3"},
        {"invpcid 9 1 0", "INVPCID type 9 > 3"},
        {"map 0 4096 0x1000 4k", ""}, // bit 12 is PAT in a large leaf: allowed
        {"map 0 4096 0x2003 4k",
         "MAP flags 0x2003: bits 13..51 are the frame address, not flags"},
        {"protect 0 4096 P|0x8000000000000", "PROTECT flags 0x8000000000001: bits 13..51 are the "
                                            "frame address, not flags"},
        {"r -1 3", "bad address '-1'"},
        {"r +1 3", "bad address '+1'"},
        {"r \v1 3", "bad address '\v1'"},
        {"r 0x 3", "bad address '0x'"},
        {"r 0x-1 3", "bad address '0x-1'"},
        {"map 0 4096 P 3m", "bad page size '3m' (4k, 2m or 1g)"},
        {"map 0 4096 P|QQ 4k", "bad flags 'P|QQ'"},
        {"map 0 4096 P 4k file 3", "expected 'map ADDR LEN FLAGS 4k|2m|1g [file ID OFFSET private|shared]'"},
        {"map 0 4096 P 4k anon 3 0 private", "expected 'file ID OFFSET private|shared' after the page size"},
        {"map 0 4096 P 4k file 3 0 public", "bad sharing 'public' (private or shared)"},
        {"map 0 4096 P 4k file x 0 shared", "bad file id 'x'"},
        {"@12", "'@ICOUNT' without a record"},
        {"@x r 0 3", "bad icount 'x'"},
    };
    std::string p = scratch("bad.txt");
    for (const auto &c : cases) {
        put_file(p, std::string("# mmusim text trace\nr 0x1000 3\n") + c.line + "\nr 0x2000 3\n");
        ReadAll got = read_all(p);
        if (!*c.what) { // the allowed neighbour of a refused case
            EXPECT_EQ(got.rc, 0) << c.line << ": " << got.err;
            EXPECT_EQ(got.recs.size(), 3u) << c.line;
            continue;
        }
        EXPECT_EQ(got.recs.size(), 1u) << c.line;
        EXPECT_EQ(got.rc, -1) << c.line;
        EXPECT_EQ(got.err, p + ":3: " + c.what) << c.line;
    }
}

TEST(TraceNative, TextDetectedByKeywordAfterCommentsOrByBanner)
{
    std::string p = scratch("det.txt");
    put_file(p, "# no banner\n\n# still a comment\n@5 invlpg 0x1000\n");
    ReadAll got = read_all(p);
    EXPECT_EQ(got.format, "text");
    EXPECT_EQ(got.recs.size(), 1u);
    put_file(p, "# mmusim text trace\n");
    got = read_all(p);
    EXPECT_EQ(got.format, "text");
    EXPECT_EQ(got.rc, 0);
    EXPECT_EQ(got.recs.size(), 0u);
    put_file(p, "hello world\n");
    got = read_all(p);
    EXPECT_NE(got.open_err.find("give the format explicitly"), std::string::npos) << got.open_err;
    put_file(p, Bytes{});
    EXPECT_EQ(read_all(p).open_err, p + ": empty file: cannot tell the trace format");
    EXPECT_EQ(read_all(p, "nope").open_err,
              p + ": unknown trace format 'nope' (native, text, lackey, champsim)");
    // Compressed text.
    for (const Bytes &b : {gzip(text_bytes("r 0x10 3\n")), xz(text_bytes("r 0x10 3\n"))}) {
        put_file(p, b);
        got = read_all(p);
        EXPECT_EQ(got.format, "text");
        EXPECT_SAME_RECS(std::vector<mmu_trec_t>{acc(0, 0x10, MMU_ACC_READ, 3)}, got.recs);
    }
}

} // namespace
