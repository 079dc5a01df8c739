/* SPDX-License-Identifier: Apache-2.0 */
// Helpers for the trace reader tests (test_trace_*.cc): scratch files,
// in-memory gzip / xz compression, and reading a whole trace.
#ifndef MMU_TESTBENCH_TRACE_TESTUTIL_H
#define MMU_TESTBENCH_TRACE_TESTUTIL_H

#include <gtest/gtest.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "trace.h"

namespace trace_test {

using Bytes = std::vector<uint8_t>;

// A file under the test temp dir, unique per process and name.
inline std::string scratch(const std::string &name)
{
    return ::testing::TempDir() + "mmu_trace_" + std::to_string(getpid()) + "_" + name;
}

inline void put_file(const std::string &path, const Bytes &b)
{
    FILE *f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    if (!b.empty()) {
        ASSERT_EQ(fwrite(b.data(), 1, b.size(), f), b.size());
    }
    fclose(f);
}

inline void put_file(const std::string &path, const std::string &s)
{
    put_file(path, Bytes(s.begin(), s.end()));
}

inline Bytes get_file(const std::string &path)
{
    Bytes b;
    FILE *f = fopen(path.c_str(), "rb");
    if (!f)
        return b;
    int c;
    while ((c = fgetc(f)) != EOF)
        b.push_back(static_cast<uint8_t>(c));
    fclose(f);
    return b;
}

inline Bytes gzip(const Bytes &in)
{
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    Bytes out(deflateBound(&z, in.size()) + 64);
    z.next_in = const_cast<Bytes::value_type *>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

inline Bytes xz(const Bytes &in)
{
    Bytes out(lzma_stream_buffer_bound(in.size()));
    size_t pos = 0;
    EXPECT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr, in.data(), in.size(),
                                      out.data(), &pos, out.size()),
              LZMA_OK);
    out.resize(pos);
    return out;
}

inline Bytes text_bytes(const std::string &s) { return Bytes(s.begin(), s.end()); }

// Everything a reader returns: the records, the last return code and the error.
struct ReadAll {
    std::vector<mmu_trec_t> recs;
    int rc = 0;
    std::string err;
    std::string format;
    std::string open_err; // non-empty: open failed
};

inline ReadAll read_all(const std::string &path, const char *format = nullptr)
{
    ReadAll out;
    mmu_trace_reader_t *r = nullptr;
    char msg[512] = "";
    if (mmu_trace_open(path.c_str(), format, &r, msg, sizeof msg) != 0) {
        out.open_err = msg;
        out.rc = -1;
        return out;
    }
    out.format = mmu_trace_format(r);
    mmu_trec_t rec;
    while ((out.rc = mmu_trace_next(r, &rec)) == 1)
        out.recs.push_back(rec);
    out.err = mmu_trace_error(r);
    EXPECT_EQ(mmu_trace_records(r), out.recs.size());
    if (out.rc < 0) { // errors are sticky
        EXPECT_EQ(mmu_trace_next(r, &rec), -1);
    }
    mmu_trace_close(r);
    return out;
}

inline mmu_trec_t acc(uint64_t icount, uint64_t la, mmu_access_t type, uint8_t cpl = 3,
                      uint8_t size = 0)
{
    mmu_trec_t t{};
    t.icount = icount;
    t.la = la;
    t.kind = MMU_TREC_ACCESS;
    t.type = static_cast<uint8_t>(type);
    t.cpl = cpl;
    t.size = size;
    return t;
}

inline bool same(const mmu_trec_t &a, const mmu_trec_t &b)
{
    return a.icount == b.icount && a.la == b.la && a.len == b.len && a.value == b.value &&
           a.pcid == b.pcid && a.kind == b.kind && a.type == b.type && a.cpl == b.cpl &&
           a.size == b.size && a.map == b.map && a.file == b.file && a.off == b.off;
}

inline std::string show(const mmu_trec_t &t)
{
    char b[260];
    snprintf(b, sizeof b,
             "{icount=%llu kind=%u la=%#llx len=%#llx value=%#llx pcid=%u type=%u cpl=%u size=%u "
             "map=%u file=%llu off=%#llx}",
             (unsigned long long)t.icount, t.kind, (unsigned long long)t.la,
             (unsigned long long)t.len, (unsigned long long)t.value, t.pcid, t.type, t.cpl,
             t.size, t.map, (unsigned long long)t.file, (unsigned long long)t.off);
    return b;
}

#define EXPECT_SAME_RECS(expected, actual)                                              \
    do {                                                                                \
        const auto &e_ = (expected);                                                    \
        const auto &a_ = (actual);                                                      \
        ASSERT_EQ(e_.size(), a_.size());                                                \
        for (size_t i_ = 0; i_ < e_.size(); i_++)                                       \
            EXPECT_TRUE(trace_test::same(e_[i_], a_[i_]))                               \
                << "record " << i_ << ": expected " << trace_test::show(e_[i_])         \
                << " got " << trace_test::show(a_[i_]);                                 \
    } while (0)

} // namespace trace_test

#endif
