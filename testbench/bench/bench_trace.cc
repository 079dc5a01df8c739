/* SPDX-License-Identifier: Apache-2.0 */
// Trace read rates (Google Benchmark): records/s through mmu_trace_next() for
// each reader, on a typical access mix written once to /tmp/mmu_bench_*. Nothing here asserts a speed; results/perf.md records them.
//   Native:        10M records of the native binary format (plain).
//   NativeXz:      the same file xz-compressed (decompression included).
//   Lackey:        2M records of valgrind lackey text.
//   Champsim(Xz):  1M ChampSim instructions (about 2M records), plain and .xz.
#include <benchmark/benchmark.h>
#include <lzma.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "trace.h"

namespace {

// A typical mix: one fetch per instruction walking code sequentially with
// jumps, about 0.6 data accesses per instruction, mostly stack-local and some
// scattered over a 1 GiB heap, a third of them writes.
struct Mix {
    uint64_t x = 0x9e3779b97f4a7c15ull, ip = 0x400000, icount = 0;
    uint64_t next() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; }
    // Fills recs for one instruction; returns how many.
    int instr(mmu_trec_t *recs, uint64_t *dsrc, uint64_t *ddst)
    {
        uint64_t r = next();
        ip = (r & 31) == 0 ? 0x400000 + (r >> 40) % 0x100000 : ip + 1 + (r >> 8) % 7;
        int n = 0;
        recs[n++] = mmu_trec_t{icount, ip, 0, 0, 0, MMU_TREC_ACCESS, MMU_ACC_FETCH, 3, 0, 0, 0, 0};
        *dsrc = *ddst = 0;
        if ((r >> 16) % 10 < 6) {
            uint64_t la = (r >> 20) % 4 ? 0x7ffff000 + ((r >> 24) & 0xff8)
                                        : 0x10000000000ull + ((r >> 24) & 0x3ffffff8);
            uint8_t t = (r >> 12) % 3 == 0 ? MMU_ACC_WRITE : MMU_ACC_READ;
            recs[n++] = mmu_trec_t{icount, la, 0, 0, 0, MMU_TREC_ACCESS, t, 3, 8, 0, 0, 0};
            (t == MMU_ACC_WRITE ? *ddst : *dsrc) = la;
        }
        icount++;
        return n;
    }
};

std::string tmp(const char *name) { return std::string("/tmp/mmu_bench_") + name; }

void xz_file(const std::string &in, const std::string &out)
{
    FILE *fi = fopen(in.c_str(), "rb"), *fo = fopen(out.c_str(), "wb");
    lzma_stream s = LZMA_STREAM_INIT;
    if (!fi || !fo || lzma_easy_encoder(&s, 1, LZMA_CHECK_CRC64) != LZMA_OK)
        abort();
    std::vector<uint8_t> ib(1 << 20), ob(1 << 20);
    lzma_action act = LZMA_RUN;
    for (;;) {
        if (s.avail_in == 0 && act == LZMA_RUN) {
            s.next_in = ib.data();
            s.avail_in = fread(ib.data(), 1, ib.size(), fi);
            if (s.avail_in == 0)
                act = LZMA_FINISH;
        }
        s.next_out = ob.data();
        s.avail_out = ob.size();
        lzma_ret rc = lzma_code(&s, act);
        fwrite(ob.data(), 1, ob.size() - s.avail_out, fo);
        if (rc == LZMA_STREAM_END)
            break;
        if (rc != LZMA_OK)
            abort();
    }
    lzma_end(&s);
    fclose(fi);
    fclose(fo);
}

struct Files {
    Files()
    {
        char msg[512];
        mmu_trace_writer_t *w = nullptr;
        if (mmu_trace_writer_open(tmp("native.mtr").c_str(), "native", &w, msg, sizeof msg))
            abort();
        Mix m;
        mmu_trec_t recs[2];
        uint64_t s, d;
        for (uint64_t n = 0; n < 10000000;) {
            int k = m.instr(recs, &s, &d);
            for (int i = 0; i < k && n < 10000000; i++, n++)
                mmu_trace_write(w, &recs[i]);
        }
        if (mmu_trace_writer_close(w, msg, sizeof msg))
            abort();
        xz_file(tmp("native.mtr"), tmp("native.mtr.xz"));

        FILE *f = fopen(tmp("trace.lackey").c_str(), "w");
        Mix l;
        fputs("==1== Lackey, an example Valgrind tool\n", f);
        for (uint64_t n = 0; n < 2000000;) {
            int k = l.instr(recs, &s, &d);
            for (int i = 0; i < k; i++, n++)
                fprintf(f, recs[i].type == MMU_ACC_FETCH ? "I  %08llx,%u\n"
                           : recs[i].type == MMU_ACC_WRITE ? " S %08llx,%u\n"
                                                           : " L %08llx,%u\n",
                        (unsigned long long)recs[i].la, recs[i].type == MMU_ACC_FETCH ? 3 : 8);
        }
        fclose(f);

        f = fopen(tmp("champsim.trace").c_str(), "wb");
        Mix c;
        for (int i = 0; i < 1000000; i++) {
            uint64_t rec[8] = {0};
            c.instr(recs, &s, &d);
            rec[0] = recs[0].la;
            rec[2] = d; // destination_memory[0] at byte 16
            rec[4] = s; // source_memory[0] at byte 32
            fwrite(rec, 1, 64, f);
        }
        fclose(f);
        xz_file(tmp("champsim.trace"), tmp("champsim.trace.xz"));
    }
};

const Files &files()
{
    static Files f;
    return f;
}

void read_rate(benchmark::State &state, const std::string &path)
{
    files();
    uint64_t total = 0;
    for (auto _ : state) {
        mmu_trace_reader_t *r = nullptr;
        char msg[512];
        if (mmu_trace_open(path.c_str(), nullptr, &r, msg, sizeof msg)) {
            state.SkipWithError(msg);
            return;
        }
        mmu_trec_t rec;
        uint64_t sum = 0;
        int rc;
        while ((rc = mmu_trace_next(r, &rec)) == 1)
            sum += rec.la;
        if (rc < 0) {
            state.SkipWithError(mmu_trace_error(r));
            mmu_trace_close(r);
            return;
        }
        benchmark::DoNotOptimize(sum);
        total += mmu_trace_records(r);
        mmu_trace_close(r);
    }
    state.SetItemsProcessed(static_cast<int64_t>(total));
}

void Native(benchmark::State &s) { read_rate(s, tmp("native.mtr")); }
void NativeXz(benchmark::State &s) { read_rate(s, tmp("native.mtr.xz")); }
void Lackey(benchmark::State &s) { read_rate(s, tmp("trace.lackey")); }
void Champsim(benchmark::State &s) { read_rate(s, tmp("champsim.trace")); }
void ChampsimXz(benchmark::State &s) { read_rate(s, tmp("champsim.trace.xz")); }

BENCHMARK(Native)->Unit(benchmark::kMillisecond);
BENCHMARK(NativeXz)->Unit(benchmark::kMillisecond);
BENCHMARK(Lackey)->Unit(benchmark::kMillisecond);
BENCHMARK(Champsim)->Unit(benchmark::kMillisecond);
BENCHMARK(ChampsimXz)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
