// SPDX-License-Identifier: Apache-2.0
// OPT is the lower bound on every shipped trace (workloads/traces/*.mtr.xz):
// a prefix of each (kept short for CI), under pure demand paging with a fixed
// number of frames, every policy takes at least OPT's faults. The full study
// is `mmusim vm-study` (results/os/).
#include <gtest/gtest.h>

#include <dirent.h>

#include <string>
#include <vector>

#include "os_testutil.h"
#include "trace.h"

#ifndef MMU_TRACES_DIR
#define MMU_TRACES_DIR "workloads/traces"
#endif

using namespace ostest;

namespace {

constexpr uint64_t kPrefix = 150000;

std::vector<std::string> ShippedTraces()
{
    std::vector<std::string> v;
    DIR *d = opendir(MMU_TRACES_DIR);
    if (!d)
        return v;
    while (dirent *e = readdir(d)) {
        std::string n = e->d_name;
        if (n.size() > 7 && n.substr(n.size() - 7) == ".mtr.xz")
            v.push_back(std::string(MMU_TRACES_DIR) + "/" + n);
    }
    closedir(d);
    return v;
}

std::vector<mmu_trec_t> Prefix(const std::string &path)
{
    std::vector<mmu_trec_t> recs;
    mmu_trace_reader_t *tr = nullptr;
    char msg[512];
    EXPECT_EQ(mmu_trace_open(path.c_str(), nullptr, &tr, msg, sizeof msg), 0) << msg;
    if (!tr)
        return recs;
    mmu_trec_t r;
    uint64_t n = 0;
    while (n < kPrefix && mmu_trace_next(tr, &r) > 0) {
        recs.push_back(r);
        n += r.kind == MMU_TREC_ACCESS;
    }
    mmu_trace_close(tr);
    return recs;
}

TEST(OsTraces, OptIsTheLowerBoundOnEveryShippedTrace)
{
    auto traces = ShippedTraces();
    ASSERT_GE(traces.size(), 3u) << "no shipped traces in " << MMU_TRACES_DIR;
    for (const auto &path : traces) {
        SCOPED_TRACE(path);
        auto recs = Prefix(path);
        mmu_repl_future_t *fut = nullptr;
        ASSERT_EQ(mmu_repl_future_create(&fut), 0);
        for (const auto &r : recs) {
            if (r.kind == MMU_TREC_ACCESS) {
                ASSERT_EQ(mmu_repl_future_add(fut, r.la >> 12), 0);
            }
        }
        uint64_t ws = mmu_repl_future_pages(fut);
        ASSERT_GT(ws, 50u);
        for (unsigned share : {20u, 50u}) {
            unsigned frames = unsigned(ws * share / 100);
            std::vector<uint64_t> faults;
            for (unsigned k = 0; mmu_repl_get(k); k++) {
                mmu_aspace_cfg_t c = PureCfg(frames, mmu_repl_get(k)->name, fut);
                c.flush_young = 0;  // as x86 Linux: the bound holds either way
                c.implicit_vma = 2; // records outside MAP records are anonymous
                c.maps_anon = 1;    // one frame per virtual page, as OPT's keys
                Os os(c);
                ASSERT_EQ(os.create_rc, 0) << os.msg;
                for (const auto &r : recs)
                    ASSERT_GE(os.Feed(r), 0) << os.msg;
                faults.push_back(os.Faults());
            }
            const unsigned opt = 7;
            ASSERT_STREQ(mmu_repl_get(opt)->name, "opt");
            for (unsigned k = 0; k < faults.size(); k++)
                EXPECT_LE(faults[opt], faults[k])
                    << mmu_repl_get(k)->name << " at " << frames << " frames (" << share << "%)";
            EXPECT_GE(faults[opt], ws); // every page's first touch
        }
        mmu_repl_future_destroy(fut);
    }
}

} // namespace
