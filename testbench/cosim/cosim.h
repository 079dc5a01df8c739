/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim-cosim: the C walker against the RTL walker, each behind its own
 * mmu_sc (same C core TLBs and PSCs in front) over its own sc_memory.
 *
 *   random: random page-table worlds, control state and accesses (world.h);
 *   walks:  the workloads `mmusim run` takes (synthetic spec or trace);
 *   check:  `mmusim check` scenarios (a mismatch's reproduction).
 *
 * Every access goes to both MMUs through their TLM sockets at the same cycle;
 * the scoreboard compares every field of the answers and the writes each
 * memory saw, in order. */
#ifndef MMU_COSIM_COSIM_H
#define MMU_COSIM_COSIM_H

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "mmu_sc.h"
#include "sc_memory.h"
#include "scoreboard.h"

namespace cosim {

/* Which walker the "RTL" side uses: the Verilated RTL through the direct
 * engine (the --cc model clocked from C++, rtl_walker_cc.h) or the SystemC
 * engine (the --sc model on a SystemC clock), or (to test this program
 * itself) the C walker through the walk_cb interface. */
enum class dut_kind { rtl, rtl_sc, c_callback };

struct dut_opts {
    dut_kind kind = dut_kind::rtl;
    /* Leave out the idle edges of memory waits (rtl_walker::set_skip). */
    bool skip = true;
};

/* Parse the value of --dut (rtl, rtl-sc or c); false if unknown. */
bool parse_dut(const char *v, dut_kind *k);
/* "RTL (direct)", "RTL (SystemC)", "walk_cb (C)": for reports. */
const char *dut_name(const dut_opts &d);
/* The wrapper options that put d's walker behind the RTL side's caches: the
 * C walker through walk_cb, or the RTL bridge in the walker slot
 * (rtl_walker::slot(); mmusim-cosim always links libmmusim-rtl-sc). */
mmu_sc_opts dut_opts_for(const dut_opts &d);

/* Between an MMU and its memory: plays another agent that writes page
 * tables while the walker works, and a memory that fails in a region. Both
 * sides get the same settings, and since the decisions depend only on the
 * order of operations, identical walkers see identical interference.
 *  - interfere_pm: per mille of locked A/D updates before which the entry is
 *    changed (ignored bit 10 flipped), so the compare-exchange fails and the
 *    walk starts over (MMU_ERETRY when that happens ad_retry_limit times);
 *  - [bad_lo, bad_hi): accesses there answer TLM_ADDRESS_ERROR (MMU_ERANGE). */
struct meddler : sc_core::sc_module {
    tlm_utils::simple_target_socket<meddler> in;
    tlm_utils::simple_initiator_socket<meddler> out;
    sc_memory *mem = nullptr;
    unsigned interfere_pm = 0;
    uint64_t key = 0, count = 0;
    uint64_t bad_lo = 0, bad_hi = 0;
    uint64_t interfered = 0, errors = 0;

    meddler(sc_core::sc_module_name n, sc_memory *m);
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &d);
};

/* Two MMUs, two memories and the thread that drives them. */
class bench : public sc_core::sc_module {
  public:
    enum side { C = 0, RTL = 1 };

    tlm_utils::simple_initiator_socket<bench> sock_c, sock_rtl;
    std::unique_ptr<sc_memory> mem[2];
    std::unique_ptr<mmu_sc> mmu[2];
    std::unique_ptr<meddler> med[2];
    std::function<void(bench &)> body;
    /* Host time inside each side's translate calls. Summed over tens of
     * millions of calls, most of them TLB hits: a steady_clock read (a vDSO
     * clock_gettime, ~90 ns on this kind of VM) cost more than the hit and
     * was 40% of a trace run, so calls are timed with the time-stamp counter
     * and converted against steady_clock over the whole run. */
    static uint64_t ticks_now();
    void add_ticks(side s, uint64_t from) { ticks_[s] += ticks_now() - from; }
    double seconds(side s) const;
    uint64_t late_annotations = 0; /* TLM delays that did not add up to done_at - now */

    /* nullptr (err filled) if either MMU refuses cfg. */
    static std::unique_ptr<bench> create(const mmu_config_t &cfg, const dut_opts &dut, mmu_err_t *err);
    /* Reconfigure both MMUs (a new core each; the RTL bridge keeps its
     * engine). 0, or the error of the side that refused. */
    int reconfigure(const mmu_config_t &cfg, mmu_err_t *err);
    ~bench() override;

    /* Translate req on one side through its TLM socket, issued at req.now
     * (>= the current simulated cycle), and time it. The memory's write log
     * is cleared first and moved into the answer. */
    answer translate(side s, const mmu_req_t &req);
    /* Apply the same operation to both sides; true if both return the same. */
    bool both(const std::function<int(mmu_sc &)> &op, int *rc = nullptr);
    mmu_cycle_t cycle() const; /* the current simulated cycle */

  private:
    bench(sc_core::sc_module_name name);
    void run();
    uint64_t ticks_[2] = {0, 0};
    uint64_t ticks_t0_ = ticks_now();
    std::chrono::steady_clock::time_point steady_t0_ = std::chrono::steady_clock::now();
    tlm::tlm_generic_payload gp_[2];
    mmu_sc_req_ext ext_[2];
    unsigned char buf_[2][8];
};

/* Entry points of the subcommands; argv[0] is the subcommand. */
int random_main(int argc, char **argv);
int walks_main(int argc, char **argv);
int check_main(int argc, char **argv);

/* The host latency callback (cfg.memlat_cb) of some `random` worlds: a fixed
 * function of its arguments and of ctx (the world's key), so both MMUs get
 * the same answers for the same calls. */
unsigned hashed_latency(void *ctx, uint64_t pa, int locked, uint64_t now);

/* Parse an unsigned number (decimal or 0x hex); false if malformed. */
bool parse_u64(const char *s, uint64_t *v);

} // namespace cosim

#endif
