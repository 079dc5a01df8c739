/* SPDX-License-Identifier: Apache-2.0 */
/* mmu_sc: the SystemC/TLM-2.0 wrapper of the C core (mmu_t).
 *
 * Why this lives in model/sc/ and not in testbench/: it is part of what users
 * link (a virtual platform puts the MMU between a CPU model and its memory
 * through these sockets), so it sits beside the core it wraps. The C files of
 * model/ stay plain C11; everything SystemC is here.
 *
 * The module forwards; all behaviour, timing included, stays in the C core:
 *  - socket (target): translation requests. b_transport takes the generic
 *    payload's address as the linear address, READ/WRITE as the access type
 *    and an optional mmu_sc_req_ext for fetches, CPL and MMU_REQ_* flags; the
 *    extension receives the whole mmu_result_t. The request is issued at cycle
 *    (sc_time_stamp() + delay) / period, and completes done_at - now cycles
 *    later: the annotated delay is advanced by exactly that (minus any
 *    simulated time the call itself consumed, see "RTL walker" below).
 *  - mem_socket (initiator): the core's page-table memory. mmu_mem_ops_t's
 *    read64 becomes an 8-byte TLM read, cmpxchg64 an 8-byte TLM write carrying
 *    an mmu_sc_mem_ext (see sc_memory.h), so any TLM memory can sit behind it.
 *  - control registers and invalidations are plain method calls (set_ctrl,
 *    write_cr, write_reg, invlpg, invpcid, flush_all), as are the statistics.
 *
 * The walker is chosen at construction; the TLBs and paging-structure caches
 * of the C core are in front of it either way:
 *  - mmu_sc_walker::c: the built-in C walker;
 *  - mmu_sc_walker::c_callback: the same C walker reached through cfg.walk_cb
 *    (mmu_walk_c), the reference the RTL bridge is measured against;
 *  - mmu_sc_walker::external: a walker plugged into the slot (cfg.walk_cb) by
 *    opts.external. The RTL bridge (libmmusim-rtl-sc, rtl_walker.h:
 *    rtl_walker::slot()) plugs in the Verilated SystemVerilog walker
 *    (rtl/walker.sv); this library itself never links a Verilated model. The
 *    RTL is clocked: a walk runs clock edge by clock edge, so
 *    translate()/b_transport must then be called from an SC_THREAD, and they
 *    return when the RTL has answered (at the cycle the walk completes, so the
 *    TLM timing stays exact; see rtl_walker.h). The configuration must match
 *    the parameters the RTL was built with; create() refuses one that does
 *    not, saying which field differs.
 *
 * Threads: as the C core, one wrapper is driven from one SystemC simulation
 * (SystemC processes run one at a time); nothing here is shared between
 * wrappers. */
#ifndef MMU_SC_MMU_SC_H
#define MMU_SC_MMU_SC_H

#include <cstdint>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "mmu/mmu.h"
#include "mmu/mmu_config.h"
#include "mmu/mmu_stats.h"
#include "mmu/mmu_walk.h"
#include "sc_memory.h"

/* A walker for the wrapper's walker slot (the C core's cfg.walk_cb, see
 * mmu/mmu_walk.h). The wrapper builds it during its own construction, so it is
 * a child module, and owns it. */
class mmu_sc_ext_walker : public sc_core::sc_module {
  public:
    using sc_core::sc_module::sc_module;
    /* 0 if cfg can run on this walker as built (an RTL walker has fixed
     * parameters), else MMU_EINVAL with err naming the field. */
    virtual int check(const mmu_config_t &cfg, mmu_err_t *err) const = 0;
    /* The MMU whose latency model times the walks and whose memory they use;
     * called after every (re)build of the core. */
    virtual void attach(mmu_t *mmu, const mmu_mem_ops_t &mem) = 0;
    /* One walk, with mmu_walk_fn's contract (mmu/mmu_walk.h). */
    virtual int walk(const mmu_walk_job_t &job, mmu_walk_out_t &out) = 0;
};

/* How to make an external walker: what a walker library hands to
 * mmu_sc_opts::external (rtl_walker::slot() for the RTL bridge). */
struct mmu_sc_walker_slot {
    const char *name = "walker"; /* its module name, under the wrapper */
    /* 0 if a walker can be built for cfg, else MMU_EINVAL naming the field. */
    int (*check)(const mmu_config_t &cfg, mmu_err_t *err) = nullptr;
    /* Build one (called inside the wrapper's constructor, after check). */
    std::unique_ptr<mmu_sc_ext_walker> (*make)(const char *name, sc_core::sc_time period,
                                               const mmu_config_t &cfg) = nullptr;
};

/* Attached to a translation request. In: fetch (with a READ command), cpl,
 * flags. Out: rc (0 or the negative MMU_E* code mmu_translate returned), res
 * (valid when rc == 0), now (the cycle the request was issued at). Without it
 * a request is a CPL 0 data access with no flags. */
struct mmu_sc_req_ext : tlm::tlm_extension<mmu_sc_req_ext> {
    bool fetch = false;
    uint8_t cpl = 0;
    uint8_t flags = 0; /* MMU_REQ_* */
    int rc = 0;
    mmu_result_t res{};
    mmu_cycle_t now = 0;

    tlm::tlm_extension_base *clone() const override { return new mmu_sc_req_ext(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        *this = static_cast<const mmu_sc_req_ext &>(e);
    }
};

enum class mmu_sc_walker { c, c_callback, external };

struct mmu_sc_opts {
    mmu_sc_walker walker = mmu_sc_walker::c;
    /* One MMU cycle. With the RTL walker also the period of its clock, whose
     * rising edge k is at k * period (so edge k is MMU cycle k). */
    sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS);
    /* walker == external: the walker to plug into the slot. */
    mmu_sc_walker_slot external;
};

class mmu_sc : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<mmu_sc> socket;
    tlm_utils::simple_initiator_socket<mmu_sc> mem_socket;

    /* Build the wrapper, or return nullptr with err filled (a NULL name, a
     * configuration mmu_config_validate refuses, one the external walker
     * cannot run, a zero period, an external walker without a slot). Call
     * during elaboration. */
    static std::unique_ptr<mmu_sc> create(const char *name, const mmu_config_t &cfg,
                                          const mmu_sc_opts &opts, mmu_err_t *err);
    /* The checks create() makes, without building anything. */
    static int check_config(const mmu_config_t &cfg, const mmu_sc_opts &opts, mmu_err_t *err);

    ~mmu_sc() override;
    mmu_sc(const mmu_sc &) = delete;
    mmu_sc &operator=(const mmu_sc &) = delete;

    /* mmu_translate on the core; req.now is taken as given. In RTL mode only
     * from an SC_THREAD (a walk waits on clock edges). */
    int translate(const mmu_req_t &req, mmu_result_t &res);

    /* The core's control-register and invalidation calls (mmu.h). */
    int set_ctrl(const mmu_ctrl_t &ctrl, mmu_err_t *err = nullptr);
    int write_cr(unsigned n, uint64_t value, mmu_err_t *err = nullptr);
    int write_reg(unsigned reg, uint64_t value, mmu_err_t *err = nullptr);
    void invlpg(uint64_t la);
    int invpcid(unsigned type, uint16_t pcid, uint64_t la, mmu_err_t *err = nullptr);
    void flush_all();
    const mmu_ctrl_t &ctrl() const;
    mmu_stats_t stats() const;
    void reset_stats();

    /* Replace the core by a new one built from cfg (same checks as create();
     * on error the old core stays). Every cache starts empty and the control
     * registers start at zero, as after mmu_create. Not during a walk. */
    int reconfigure(const mmu_config_t &cfg, mmu_err_t *err = nullptr);

    mmu_t *core() { return mmu_; }
    const mmu_config_t &config() const { return cfg_; }
    mmu_sc_walker walker() const { return opts_.walker; }
    sc_core::sc_time period() const { return opts_.period; }
    /* The walker in the slot (nullptr unless the walker is external). */
    mmu_sc_ext_walker *external_walker() { return ext_.get(); }
    /* Requests whose call consumed more simulated time than their annotated
     * latency (an RTL walk that could not start at its cycle); their delay
     * came back as zero. */
    uint64_t late_requests() const { return late_; }

  private:
    mmu_sc(sc_core::sc_module_name name, const mmu_config_t &cfg, const mmu_sc_opts &opts);
    int build_core(const mmu_config_t &cfg, mmu_err_t *err);
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    int mem_access(uint64_t pa, bool cmpxchg, uint64_t expected, uint64_t *val);
    static int mem_read64(void *ctx, uint64_t pa, uint64_t *val);
    static int mem_cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired,
                             uint64_t *old);
    static int walk_c_callback(void *ctx, const struct mmu_walk_job *job,
                               struct mmu_walk_out *out);
    static int walk_external(void *ctx, const struct mmu_walk_job *job, struct mmu_walk_out *out);

    mmu_config_t cfg_;
    mmu_sc_opts opts_;
    mmu_t *mmu_ = nullptr;
    std::unique_ptr<mmu_sc_ext_walker> ext_;
    tlm::tlm_generic_payload mem_gp_;
    mmu_sc_mem_ext mem_ext_;
    uint64_t late_ = 0;
};

#endif /* MMU_SC_MMU_SC_H */
