/* SPDX-License-Identifier: Apache-2.0 */
// libFuzzer harness of the trace readers (workloads/trace*.c), built once per
// format and once per compression layer:
//   -DFUZZ_FORMAT="native" | "text" | "lackey" | "champsim": the input is read
//     as that format, through mmu_trace_open_mem (the code a file goes through).
//   -DFUZZ_LAYER=1 (gzip) | 2 (xz): an input that starts with the layer's magic
//     is read as it is (format detected); any other input is compressed here,
//     then read whole, cut short and with a byte of garbage appended.
// Besides not crashing, leaking or tripping a sanitizer, every read must hold:
//   - every error names the input and a line ("name:N: ") or a byte
//     ("name: byte N: ", "name: compressed byte N: "), N inside the input;
//   - every record returned obeys mmu_trace_check, and mmu_trace_where names
//     a line or byte inside the input, never going backwards;
//   - the window size changes nothing: an 8 KiB window gives the same records
//     and error as the 1 MiB one (line limits, refills, detection);
//   - what the writers write reads back equal (native and text form);
//   - compressed, the same bytes give the same records and error; cut, a
//     prefix of them and "unexpected end"; with garbage after the stream, all
//     of them and "corrupt compressed data".
#include <lzma.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "trace.h"
#include "trace_impl.h"

namespace {

const char *const kName = "fuzz.trace";

struct Read {
    bool opened = false;
    std::string format;
    std::vector<mmu_trec_t> recs;
    std::vector<std::string> where;
    int rc = 0;
    std::string err; // open error or reader error
};

Read read(const uint8_t *d, size_t n, const char *format, size_t window)
{
    Read out;
    mmu_trace_reader_t *r = nullptr;
    char msg[512] = "";
    if (mmu_trace_open_window(kName, d, n, format, window, &r, msg, sizeof msg)) {
        out.err = msg;
        out.rc = -1;
        return out;
    }
    out.opened = true;
    out.format = mmu_trace_format(r);
    mmu_trec_t rec;
    char at[256];
    while ((out.rc = mmu_trace_next(r, &rec)) == 1) {
        out.recs.push_back(rec);
        out.where.push_back(mmu_trace_where(r, at, sizeof at));
    }
    out.err = mmu_trace_error(r);
    FUZZ_CHECK(mmu_trace_records(r) == out.recs.size(), "record count");
    if (out.rc < 0)
        FUZZ_CHECK(mmu_trace_next(r, &rec) == -1, "errors are sticky");
    else
        FUZZ_CHECK(out.err.empty(), "an error message after a clean end: " + out.err);
    mmu_trace_close(r);
    return out;
}

bool same(const mmu_trec_t &a, const mmu_trec_t &b)
{
    return a.icount == b.icount && a.la == b.la && a.len == b.len && a.value == b.value &&
           a.pcid == b.pcid && a.kind == b.kind && a.type == b.type && a.cpl == b.cpl &&
           a.size == b.size;
}

std::string show(const mmu_trec_t &t)
{
    char b[200];
    snprintf(b, sizeof b, "{icount=%llu kind=%u la=%#llx len=%#llx value=%#llx pcid=%u type=%u "
                          "cpl=%u size=%u}",
             (unsigned long long)t.icount, t.kind, (unsigned long long)t.la,
             (unsigned long long)t.len, (unsigned long long)t.value, t.pcid, t.type, t.cpl, t.size);
    return b;
}

void same_recs(const std::vector<mmu_trec_t> &a, const std::vector<mmu_trec_t> &b, size_t n,
               const std::string &what)
{
    FUZZ_CHECK(a.size() >= n && b.size() >= n, what + ": record counts");
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(same(a[i], b[i]), what + ": record " + std::to_string(i) + ": " + show(a[i]) +
                                         " vs " + show(b[i]));
}

bool is_text(const std::string &f) { return f == "text" || f == "lackey"; }

// Every message names the input and where, inside it.
void check_error(const Read &r, const uint8_t *d, size_t n, uint64_t plain_bytes,
                 uint64_t max_lines)
{
    (void)d;
    if (r.rc >= 0)
        return;
    const std::string &e = r.err;
    const std::string name = kName;
    const bool ok =
        (is_text(r.format) && fuzz::at_line(e, name, max_lines)) ||
        fuzz::at_byte(e, name, "byte", plain_bytes) ||
        fuzz::at_byte(e, name, "compressed byte", n) ||
        e == name + ": empty file: cannot tell the trace format" ||
        e == name + ": text that is neither a lackey nor an mmusim text trace: give the format "
                    "explicitly";
    FUZZ_CHECK(ok, "error does not name the input and a line or byte inside it: '" + e + "'");
}

void check_records(const Read &r, const uint8_t *d, size_t n, size_t plain_bytes)
{
    char why[128];
    uint64_t prev = 0;
    const uint64_t lines = fuzz::count_lines(d, n);
    for (size_t i = 0; i < r.recs.size(); i++) {
        FUZZ_CHECK(!mmu_trace_check(&r.recs[i], why, sizeof why),
                   "reader returned a record the format forbids: " + std::string(why));
        const std::string &w = r.where[i];
        uint64_t at = 0;
        if (is_text(r.format)) {
            FUZZ_CHECK(fuzz::at_line(w + ": ", kName, lines), "where: " + w);
            fuzz::digits(w, strlen(kName) + 1, &at);
        } else {
            FUZZ_CHECK(fuzz::at_byte(w + ": ", kName, "byte", plain_bytes), "where: " + w);
            fuzz::digits(w, strlen(kName) + 7, &at);
        }
        FUZZ_CHECK(at >= prev, "where goes backwards: " + w);
        prev = at;
    }
}

// Write recs with the writer as `format` into memory and read them back.
void round_trip(const std::vector<mmu_trec_t> &recs, const char *format)
{
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f, "open_memstream");
    mmu_trace_writer_t *w = nullptr;
    char msg[512];
    FUZZ_CHECK(!mmu_trace_writer_fopen(f, "rt", format, &w, msg, sizeof msg), msg);
    for (const auto &rec : recs)
        FUZZ_CHECK(!mmu_trace_write(w, &rec), mmu_trace_writer_error(w));
    FUZZ_CHECK(!mmu_trace_writer_close(w, msg, sizeof msg), msg);
    fclose(f);
    Read back = read(reinterpret_cast<const uint8_t *>(buf), len, format, MMU_TRACE_BUF_BYTES);
    FUZZ_CHECK(back.rc == 0, std::string(format) + " round trip: " + back.err);
    FUZZ_CHECK(back.recs.size() == recs.size(), std::string(format) + " round trip: count");
    same_recs(recs, back.recs, recs.size(), std::string(format) + " round trip");
    free(buf);
}

// The same input with the smallest window: the same answer.
void window_independent(const Read &a, const uint8_t *d, size_t n, const char *format)
{
    Read b = read(d, n, format, MMU_TRACE_MIN_WINDOW);
    FUZZ_CHECK(a.rc == b.rc && a.err == b.err && a.format == b.format,
               "window changes the outcome: '" + a.err + "' vs '" + b.err + "'");
    FUZZ_CHECK(a.recs.size() == b.recs.size(), "window changes the record count");
    same_recs(a.recs, b.recs, a.recs.size(), "window");
    FUZZ_CHECK(a.where == b.where, "window changes where");
}

std::vector<uint8_t> compress(int layer, const uint8_t *d, size_t n)
{
    std::vector<uint8_t> out;
    if (layer == 1) {
        z_stream z{};
        FUZZ_CHECK(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, "zlib");
        out.resize(deflateBound(&z, n) + 64);
        z.next_in = const_cast<uint8_t *>(d);
        z.avail_in = static_cast<uInt>(n);
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
        out.resize(z.total_out);
        deflateEnd(&z);
    } else {
        // The smallest dictionary: an .xz file like any other, but without
        // megabytes of encoder state; and one encoder for the whole run
        // (liblzma reuses its memory when a stream is set up again).
        static lzma_stream enc = LZMA_STREAM_INIT;
        lzma_options_lzma opt;
        FUZZ_CHECK(!lzma_lzma_preset(&opt, 0), "lzma preset");
        opt.dict_size = LZMA_DICT_SIZE_MIN;
        lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, nullptr}};
        FUZZ_CHECK(lzma_stream_encoder(&enc, filters, LZMA_CHECK_CRC32) == LZMA_OK, "lzma init");
        out.resize(lzma_stream_buffer_bound(n));
        enc.next_in = d;
        enc.avail_in = n;
        enc.next_out = out.data();
        enc.avail_out = out.size();
        lzma_ret rc;
        while ((rc = lzma_code(&enc, LZMA_FINISH)) == LZMA_OK)
            ;
        FUZZ_CHECK(rc == LZMA_STREAM_END, "lzma encode");
        out.resize(out.size() - enc.avail_out);
    }
    return out;
}

// The input behind about 8 KiB of records the format reads without effect on
// the rest (comment lines, valgrind lines, CR3 records after a native header,
// empty ChampSim instructions), so that its bytes straddle the small
// window's end at an offset the input chooses: libFuzzer's inputs grow slowly
// and would seldom reach it on their own.
std::vector<uint8_t> shifted(const uint8_t *d, size_t n, const std::string &format)
{
    const size_t want = MMU_TRACE_MIN_WINDOW - 128 + (n ? d[n - 1] : 0) % 256;
    std::vector<uint8_t> x;
    if (format == "native") {
        const size_t head = n < 24 ? n : 24;
        x.assign(d, d + head);
        // CR3 records (Δicount 0, value 2^64 - 1: a 10-byte varint), 12 bytes
        // each: few records for the bytes.
        static const uint8_t cr3[12] = {0x01, 0x00, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
        while (x.size() < want)
            x.insert(x.end(), cr3, cr3 + sizeof cr3);
        x.insert(x.end(), d + head, d + n);
        return x;
    }
    if (format == "champsim") {
        while (x.size() + 64 <= want) {
            uint8_t rec[64] = {0x00, 0x10};
            x.insert(x.end(), rec, rec + 64);
        }
    } else {
        const std::string line = format == "text" ? "# pad\n" : "==1== pad\n";
        while (x.size() < want)
            x.insert(x.end(), line.begin(), line.end());
    }
    x.insert(x.end(), d, d + n);
    return x;
}

[[maybe_unused]] void one_format(const uint8_t *d, size_t n, const char *format)
{
    Read a = read(d, n, format, MMU_TRACE_BUF_BYTES);
    check_error(a, d, n, n, fuzz::count_lines(d, n));
    check_records(a, d, n, n);
    window_independent(a, d, n, format);
    round_trip(a.recs, "native");
    round_trip(a.recs, "text");
    const std::vector<uint8_t> x = shifted(d, n, format);
    Read b = read(x.data(), x.size(), format, MMU_TRACE_BUF_BYTES);
    check_error(b, x.data(), x.size(), x.size(), fuzz::count_lines(x.data(), x.size()));
    check_records(b, x.data(), x.size(), x.size());
    window_independent(b, x.data(), x.size(), format);
}

[[maybe_unused]] void one_layer(const uint8_t *d, size_t n, int layer)
{
    static const uint8_t gz[] = {0x1f, 0x8b}, xz[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
    const uint8_t *magic = layer == 1 ? gz : xz;
    const size_t mlen = layer == 1 ? sizeof gz : sizeof xz;
    // Compressed bytes as they come (either layer: only one is undone, so
    // compressing them again would not read the same): the decoders' error
    // paths.
    if ((n >= sizeof gz && memcmp(d, gz, sizeof gz) == 0) ||
        (n >= sizeof xz && memcmp(d, xz, sizeof xz) == 0)) {
        Read a = read(d, n, nullptr, MMU_TRACE_BUF_BYTES);
        check_error(a, d, n, UINT64_MAX, UINT64_MAX);
        Read b = read(d, n, nullptr, MMU_TRACE_MIN_WINDOW);
        FUZZ_CHECK(a.rc == b.rc && a.err == b.err && a.recs.size() == b.recs.size(),
                   "window changes a compressed read: '" + a.err + "' vs '" + b.err + "'");
        round_trip(a.recs, "native");
        return;
    }
    const Read plain = read(d, n, nullptr, MMU_TRACE_BUF_BYTES);
    std::vector<uint8_t> z = compress(layer, d, n);
    const Read whole = read(z.data(), z.size(), nullptr, MMU_TRACE_BUF_BYTES);
    FUZZ_CHECK(plain.rc == whole.rc && plain.err == whole.err && plain.format == whole.format,
               "compressed reads differently: '" + plain.err + "' vs '" + whole.err + "'");
    FUZZ_CHECK(plain.recs.size() == whole.recs.size(), "compressed: record count");
    same_recs(plain.recs, whole.recs, plain.recs.size(), "compressed");
    if (!plain.opened)
        return;
    const char *fmt = plain.format.c_str();
    const Read full = read(d, n, fmt, MMU_TRACE_BUF_BYTES);
    // Cut short at a place the input chooses: a prefix of the records, and an
    // unexpected end unless the trace itself went wrong before the cut.
    // (Shorter than the magic, the bytes are not compressed data at all.)
    const size_t cut = mlen + (d[n / 2] * 131u + n) % (z.size() - mlen);
    const Read c = read(z.data(), cut, fmt, MMU_TRACE_BUF_BYTES);
    FUZZ_CHECK(c.rc == -1, "a cut stream must fail");
    FUZZ_CHECK(c.recs.size() <= full.recs.size(), "a cut stream gave more records");
    same_recs(full.recs, c.recs, c.recs.size(), "cut");
    FUZZ_CHECK(c.err == full.err || c.err.find("unexpected end of compressed data") != std::string::npos,
               "cut stream: '" + c.err + "' (whole: '" + full.err + "')");
    // Garbage after the stream: every record, then corrupt data.
    z.push_back(static_cast<uint8_t>(d[0] == magic[0] ? 0x42 : d[0]));
    const Read g = read(z.data(), z.size(), fmt, MMU_TRACE_BUF_BYTES);
    if (full.rc == 0) {
        FUZZ_CHECK(g.rc == -1 && g.err.find("corrupt compressed data") != std::string::npos,
                   "garbage after the stream: '" + g.err + "'");
        FUZZ_CHECK(g.recs.size() == full.recs.size(), "garbage after the stream: record count");
    } else {
        FUZZ_CHECK(g.err == full.err, "garbage after a bad trace: '" + g.err + "' vs '" +
                                          full.err + "'");
    }
    same_recs(full.recs, g.recs, full.recs.size(), "garbage");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if defined(FUZZ_FORMAT)
    one_format(data, size, FUZZ_FORMAT);
#elif defined(FUZZ_LAYER)
    one_layer(data, size, FUZZ_LAYER);
#else
#error "define FUZZ_FORMAT or FUZZ_LAYER"
#endif
    return 0;
}
