/* SPDX-License-Identifier: Apache-2.0 */
/* SystemC memory model: the physical memory that page tables live in, as a
 * TLM-2.0 target over the C core's sparse memory (include/mmu/mmu_mem.h).
 *
 * It serves both walkers the same way: 8-byte reads, 8-byte writes, and the
 * locked compare-exchange of an accessed/dirty update (a write carrying an
 * mmu_sc_cmpxchg_ext). Every write that changes memory through the socket is
 * logged (order, address, old and new value) so a scoreboard can compare two
 * memories write by write. Backdoor writes (write64(), used to build page
 * tables) are not logged. Latency is not modelled here: the walker takes it
 * from the C core's latency model (mmu_walk_latency), so the delay argument
 * of b_transport is left alone. */
#ifndef MMU_SC_SC_MEMORY_H
#define MMU_SC_SC_MEMORY_H

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "mmu/mmu_mem.h"

/* Turns a TLM write into a locked compare-exchange: the 8 data bytes are the
 * desired value; the write happens iff the word equals `expected`; `old`
 * returns the word found. `rc` carries the mmu error code (0, MMU_EALIGN,
 * MMU_ERANGE, MMU_ENOMEM) of any access that had the extension attached, so an
 * initiator can pass the exact code back to the C core. */
struct mmu_sc_mem_ext : tlm::tlm_extension<mmu_sc_mem_ext> {
    bool cmpxchg = false;
    uint64_t expected = 0;
    uint64_t old = 0;
    int rc = 0;

    tlm::tlm_extension_base *clone() const override { return new mmu_sc_mem_ext(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        *this = static_cast<const mmu_sc_mem_ext &>(e);
    }
};

class sc_memory : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<sc_memory> socket;

    /* One logged write: `seq` counts every logged write since construction. */
    struct write_rec {
        uint64_t seq;
        uint64_t pa;
        uint64_t old_val;
        uint64_t new_val;
        bool locked; /* from a compare-exchange (else a plain write) */
    };

    /* A memory of 2^maxphyaddr bytes (36..52). Throws std::bad_alloc when the
     * sparse memory cannot be created. */
    sc_memory(sc_core::sc_module_name name, unsigned maxphyaddr);
    ~sc_memory() override;
    sc_memory(const sc_memory &) = delete;
    sc_memory &operator=(const sc_memory &) = delete;

    /* Backdoor, for building page tables: no log, no TLM. Return mmu codes. */
    int read64(uint64_t pa, uint64_t *val) const { return mmu_sparse_mem_read64(mem_, pa, val); }
    int write64(uint64_t pa, uint64_t val) { return mmu_sparse_mem_write64(mem_, pa, val); }
    /* Forget every word (the log is kept; clear it separately). */
    void clear() { mmu_sparse_mem_clear(mem_); }
    /* The sparse memory itself (e.g. for mmu_aspace_create); owned here. */
    mmu_sparse_mem_t *sparse() { return mem_; }
    /* mmu_mem_ops_t straight onto the sparse memory (backdoor, unlogged), for
     * the page-table builder. */
    mmu_mem_ops_t backdoor_ops() { return mmu_sparse_mem_ops(mem_); }
    unsigned maxphyaddr() const { return maxphyaddr_; }

    /* Writes through the socket, in order. */
    const std::vector<write_rec> &log() const { return log_; }
    void clear_log() { log_.clear(); }
    /* Socket accesses served: reads, plain writes, compare-exchanges. */
    uint64_t reads() const { return reads_; }
    uint64_t writes() const { return writes_; }
    uint64_t cmpxchgs() const { return cmpxchgs_; }

  private:
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);

    mmu_sparse_mem_t *mem_ = nullptr;
    unsigned maxphyaddr_;
    std::vector<write_rec> log_;
    uint64_t seq_ = 0, reads_ = 0, writes_ = 0, cmpxchgs_ = 0;
};

#endif /* MMU_SC_SC_MEMORY_H */
