/* SPDX-License-Identifier: Apache-2.0 */
/* rtl_walker_cc: the C core's walker slot (cfg.walk_cb, include/mmu/mmu_walk.h)
 * served by the Verilated SystemVerilog walker (rtl/walker.sv, verilated with
 * --cc), clocked directly from C++: no SystemC, no simulated time. A host
 * simulator or a co-simulation campaign links it (library mmu_rtl_bridge) and
 * sets cfg.walk_cb = rtl_walker_cc::walk_cb, cfg.walk_ctx = the bridge; the
 * SystemC bridge (rtl_walker.h) uses it for its `direct` engine.
 *
 * One walk, inside the walk_cb call:
 *  1. The job goes on req_*, and one clock edge takes it: that edge is
 *     cycle job.t0 (t0). Edges are numbered in MMU cycles; nothing but the
 *     walks themselves costs host time.
 *  2. Memory: mem_req_ready is held at 1, so a request raised at edge P is
 *     taken at the next edge. The bridge reads or compare-exchanges the word
 *     through the MMU's mmu_mem_ops_t and asks the C core's latency model for
 *     lat = mmu_walk_latency(mmu, addr, locked, P), in the order the walker
 *     issues them. With skipping on (the default) it answers at that very
 *     next edge with mem_rsp_skip = lat - 1, so the edge stands for cycle
 *     P + lat and the cycles of the wait cost no edges (walker.sv, cycle
 *     contract); with skipping off the clock runs through the wait and the
 *     response is sampled at edge P + lat. Either way any latency >= 1 works.
 *  3. Result: res_valid rises at the edge R of the last response; the walk
 *     returns res_* as mmu_walk_out_t with cycles = R - t0, after checking the
 *     walker's own count (res_cycles), its read and update counts against
 *     the traffic served, and that it took each response at its cycle. The
 *     walker then waits in DONE with res_ready high, so the next job's edge
 *     hands the result over.
 * Protocol violations end the walk with MMU_EINVAL and a message in error();
 * the model is reset before the next walk. */
#ifndef MMU_SC_RTL_WALKER_CC_H
#define MMU_SC_RTL_WALKER_CC_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mmu/mmu.h"
#include "mmu/mmu_walk.h"

class rtl_walker_cc {
  public:
    /* Parameters of a Verilated variant of the walker (rtl/rtl.cmake,
     * MMU_RTL_VARIANTS). */
    struct params {
        const char *name; /* the Verilated class */
        unsigned maxphyaddr, page_1g, ad_on_fault, retry_limit, level_latency;
    };
    /* The variants this build has, the default first. */
    static size_t variant_count();
    static const params &variant(size_t i);
    /* The variant whose parameters equal cfg's maxphyaddr, page_1g,
     * ad_on_fault, ad_retry_limit and walk_level_latency, or nullptr. */
    static const params *find(const mmu_config_t &cfg);
    /* 0 if find(cfg) has one; else MMU_EINVAL naming the first field that
     * differs from the default variant and listing the variants built. */
    static int check_config(const mmu_config_t &cfg, mmu_err_t *err);

    /* The variant find(cfg) gives (the default if none). */
    explicit rtl_walker_cc(const mmu_config_t &cfg);
    ~rtl_walker_cc();
    rtl_walker_cc(const rtl_walker_cc &) = delete;
    rtl_walker_cc &operator=(const rtl_walker_cc &) = delete;

    const params &parameters() const;
    bool fits(const mmu_config_t &cfg) const;

    /* The MMU whose latency model times the walks and whose memory they use.
     * Call before the first walk and whenever the MMU is re-created. */
    void attach(mmu_t *mmu, const mmu_mem_ops_t &mem);

    /* mmu_walk_fn: ctx is the rtl_walker_cc. */
    static int walk_cb(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out);
    int walk(const mmu_walk_job_t &job, mmu_walk_out_t &out);

    /* Leave out the idle edges of memory waits (default on). Off, the clock
     * makes one edge per cycle of every wait, as the SystemC bridge without
     * skipping does; results and cycles are the same. */
    void set_skip(bool on);
    bool skip() const;

    struct counters {
        uint64_t walks;    /* walks completed */
        uint64_t cycles;   /* walker cycles from t0 to the result, summed */
        uint64_t edges;    /* rising clock edges made, the reset's included */
        uint64_t skipped;  /* cycles of memory waits that had no edge */
        uint64_t reads, cmpxchgs;
    };
    const counters &stats() const;
    /* The last protocol error ("" if none). */
    const std::string &error() const;

    /* Waveforms. Only a build with MMU_RTL_TRACE (mmu_rtl_bridge_trace, in
     * mmusim-cosim-trace) can write them; elsewhere trace_open fails. */
    static bool trace_available();
    /* Open an FST file (written to path.tmp, renamed by trace_close) and dump
     * every signal of walks first..last (counted from 1, in walk_cb calls);
     * time is MMU cycles (1 ns each): the job is presented half a cycle
     * before t0, and a left-out wait shows as a long clock phase. A walk
     * whose t0 is not after the last dumped time is shifted later. 0, or -1
     * with msg. */
    int trace_open(const char *path, uint64_t first, uint64_t last, std::string *msg);
    /* Finish the file; 0, or -1 with msg. Also done by the destructor
     * (without a message). */
    int trace_close(std::string *msg);
    /* Whether any walk was dumped. */
    bool traced() const;

    struct impl;

  private:
    std::unique_ptr<impl> p_;
};

#endif /* MMU_SC_RTL_WALKER_CC_H */
