/* SPDX-License-Identifier: Apache-2.0 */
/* rtl_walker: the bridge between the C core's walker slot (cfg.walk_cb,
 * include/mmu/mmu_walk.h) and the Verilated SystemVerilog walker (rtl/,
 * module `walker`), with two engines:
 *  - systemc (the default): the walker verilated with --sc (V<name>_sc),
 *    clocked by a SystemC signal, described below;
 *  - direct: the walker verilated with --cc, clocked from C++ inside the
 *    walk_cb call (rtl_walker_cc.h); no simulated time passes during a walk,
 *    the TLM annotation of mmu_sc carries its cycles. Several times faster;
 *    what campaigns use.
 * Both check the same things and give the same answers and cycles.
 *
 * SystemC engine. mmu_translate calls walk_cb synchronously on every TLB and
 * paging-structure cache miss; the bridge then runs the RTL clock edge by
 * clock edge, so it must be called from an SC_THREAD (it wait()s; from
 * anywhere else it fails with MMU_EINVAL). One walk:
 *  1. Time. The bridge owns the walker's clock: rising edge k is at
 *     k * period, i.e. edge k is MMU cycle k. The clock is gated: it runs
 *     from the moment a job is presented until one edge after its result,
 *     so simulated time between walks costs no host time. The bridge waits
 *     until half a cycle before edge job.t0 and presents the job on req_*,
 *     so the walker samples req_valid && req_ready at edge job.t0 (t0). If
 *     the call comes too late
 *     for that (simulated time already past), the job is presented at once and
 *     the walk is counted as late; cycle numbers handed to the latency model
 *     are then job.t0 + (edge - t0), so results never depend on it.
 *  2. Memory. mem_req_ready is held at 1: a request raised at edge P is
 *     accepted at P+1. The bridge then asks the C core's latency model for
 *     lat = mmu_walk_latency(mmu, addr, locked, cycle of P), performs the read
 *     or compare-exchange through the MMU's mmu_mem_ops_t (the wrapper's TLM
 *     initiator socket, so the same memory model serves both walkers), raises
 *     mem_rsp_valid at edge P + lat - 1 and checks the walker samples it at
 *     P + lat. Latencies below 2 cannot be served this way and are an error.
 *     With skipping on (the default, set_skip) the clock makes no edges
 *     between P + 1 and P + lat: the response goes out right after P + 1 with
 *     mem_rsp_skip = lat - 2, the cycles the walker must count without an
 *     edge (walker.sv, cycle contract), and the next edge is P + lat.
 *     Simulated time and every edge's time stay the same.
 *  3. Result. res_valid rises at the edge R the last response is sampled; the
 *     bridge looks at it one delta cycle after that edge (once the model has
 *     evaluated it), returns res_* as mmu_walk_out_t with cycles = R - t0
 *     measured in edges, and the call returns at simulated time R * period,
 *     the cycle the walk completes. res_ready is held at 1.
 * Delta-cycle discipline: walker inputs are written only in the evaluation
 * that follows a rising edge (woken by the clock's posedge event, or later in
 * the same clock phase), so the model samples them at the next edge, as it
 * would a register; walker outputs are sampled in the delta of the edge
 * itself, i.e. their values before the edge. Protocol violations (a request
 * while one is outstanding, a response not taken at its cycle, counts that do
 * not match the traffic served, a stall) end the walk with MMU_EINVAL and a
 * message in error(). */
#ifndef MMU_SC_RTL_WALKER_H
#define MMU_SC_RTL_WALKER_H

#include <cstdint>
#include <memory>
#include <string>

#include <systemc>

#include "mmu/mmu.h"
#include "mmu/mmu_walk.h"
#include "mmu_sc.h"

class rtl_walker_cc;

class rtl_walker : public mmu_sc_ext_walker {
  public:
    /* What mmu_sc_opts::external takes to put this walker in the wrapper's
     * slot (module name "rtl"):
     *   mmu_sc_opts o;
     *   o.walker = mmu_sc_walker::external;
     *   o.external = rtl_walker::slot(); */
    static mmu_sc_walker_slot slot();
    /* The bridge in a wrapper built with slot(), or nullptr. */
    static rtl_walker *of(mmu_sc &mmu);

    /* Parameters of a Verilated variant of the walker. */
    struct params {
        unsigned maxphyaddr, page_1g, ad_on_fault, retry_limit, level_latency;
    };
    /* Those of the default variant (rtl/rtl.cmake's MMU_RTL_VARIANTS). */
    static params built();
    /* 0 if a variant in this build matches cfg's maxphyaddr, page_1g,
     * ad_on_fault, ad_retry_limit and walk_level_latency and its page-table
     * latencies are >= 2 (what the SystemC engine needs); else MMU_EINVAL
     * naming the field. */
    static int check_config(const mmu_config_t &cfg, mmu_err_t *err);

    /* The variant is chosen by cfg (check_config must accept it); the clock's
     * rising edge k is at k * period. */
    rtl_walker(sc_core::sc_module_name name, sc_core::sc_time period, const mmu_config_t &cfg);
    ~rtl_walker() override;
    /* Whether cfg runs on the variant this bridge was built with. */
    bool fits(const mmu_config_t &cfg) const;
    /* fits(), as the slot asks it: MMU_EINVAL naming the parameters. */
    int check(const mmu_config_t &cfg, mmu_err_t *err) const override;
    params parameters() const;

    /* The MMU whose latency model times the walks and whose memory they use.
     * Call before the first walk and whenever the MMU is re-created. */
    void attach(mmu_t *mmu, const mmu_mem_ops_t &mem) override;

    /* mmu_walk_fn: ctx is the rtl_walker. */
    static int walk_cb(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out);
    int walk(const mmu_walk_job_t &job, mmu_walk_out_t &out) override;

    enum class engine { systemc, direct };
    /* Between walks. The direct engine is built on first use, for the
     * variant chosen at construction. */
    void set_engine(engine e);
    engine get_engine() const;
    /* Leave out the idle edges of memory waits (both engines; default on). */
    void set_skip(bool on);
    bool skip() const;
    /* The direct engine (nullptr before set_engine(engine::direct)), e.g.
     * for its waveform calls. */
    rtl_walker_cc *direct();

    /* Of the current engine. */
    struct counters {
        uint64_t walks;      /* walks completed */
        uint64_t edges;      /* cycles from t0 to the result, summed */
        uint64_t late;       /* walks whose t0 came after job.t0 (SystemC engine) */
        uint64_t late_edges; /* by how many edges, summed */
        uint64_t reads, cmpxchgs;
        uint64_t clock_edges; /* rising edges the clock made, reset included */
        uint64_t skipped;     /* cycles of memory waits left without an edge */
    };
    counters stats() const;
    /* The last protocol error ("" if none). */
    const std::string &error() const;
    /* The walker's clock (rising edge k at k * period; gated: it runs only
     * during a walk and for one edge after it). */
    const sc_core::sc_signal<bool> &clock() const;

    struct impl; /* public for the variant table in rtl_walker.cc */

  private:
    static int latency_check(const mmu_config_t &cfg, mmu_err_t *err);
    void reset();
    void clock_step();
    std::unique_ptr<impl> p_;
};

#endif /* MMU_SC_RTL_WALKER_H */
