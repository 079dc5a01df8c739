/* SPDX-License-Identifier: Apache-2.0 */
/* Random page-table worlds for the co-simulation: page tables with mixed
 * 4K/2M/1G pages and random flags (P, R/W, U/S, XD, PS, A, D, G, protection
 * keys, PWT/PCD/PAT, ignored bits, reserved bits), random control state and
 * random accesses (type, CPL 0-3, implicit, non-canonical, canonical edges).
 * The same generator idea as testbench/unit/test_random.cc, with MAXPHYADDR,
 * 1G support and A/D-on-fault fixed to what the RTL walker was built with, and
 * a random MMU configuration per world (TLB, PSC and latency sizes) so that
 * walks start from the root and from below every kind of PSC hit. */
#ifndef MMU_COSIM_WORLD_H
#define MMU_COSIM_WORLD_H

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_config.h"

namespace cosim {

class rng {
  public:
    explicit rng(uint64_t seed) : gen_(seed) {}
    uint64_t u64() { return gen_(); }
    uint64_t range(uint64_t lo, uint64_t hi) /* [lo, hi] */
    {
        return lo + (hi > lo ? gen_() % (hi - lo + 1) : 0);
    }
    bool chance(unsigned pct) { return gen_() % 100 < pct; }
    bool chance_per_mille(unsigned pm) { return gen_() % 1000 < pm; }

  private:
    std::mt19937_64 gen_;
};

uint64_t mix(uint64_t x); /* splitmix64 */

/* Page tables of a world come from 1 to 4 regions of 2^kRegionShift bytes at
 * random places in the physical address space: high address bits are used,
 * and the sparse memory needs only a few nodes per world. */
constexpr unsigned kRegionShift = 25;

struct world {
    unsigned levels = 4;
    unsigned maxphyaddr = 52;
    mmu_ctrl_t ctrl{};
    uint64_t root = 0;
    std::map<uint64_t, uint64_t> words;       /* pa -> value: the initial memory */
    std::map<uint64_t, uint64_t> child_table; /* entry pa -> table it references */
    std::vector<uint64_t> targets;            /* linear addresses that were mapped */
    std::vector<uint64_t> entries;            /* every entry written (for later edits) */
    std::set<uint64_t> frames;
    std::vector<uint64_t> regions;
    uint64_t last_la = 0;            /* 1 GiB physical regions tables come from */
    /* shape */
    bool lax_tables;
    unsigned p_present, p_rw, p_us, p_xd, p_reserved_pm, p_1g, p_2m;
};

/* A world for `levels` (4 or 5) with tables below 2^maxphyaddr. */
world make_world(rng &r, unsigned levels, unsigned maxphyaddr);
/* A request against the world (la, type, cpl, flags; now left 0). */
mmu_req_t make_request(world &w, rng &r);
uint32_t random_key_register(rng &r);
/* A random valid configuration with the given walker parameters; latencies
 * of page-table accesses are >= 2 (the RTL memory port's minimum). If
 * memlat_cb is chosen, it is set to `cb` with ctx `cb_ctx`. */
mmu_config_t make_config(rng &r, unsigned maxphyaddr, unsigned page_1g, unsigned ad_on_fault,
                         unsigned retry_limit, unsigned level_latency, mmu_memlat_fn cb,
                         void *cb_ctx);

} // namespace cosim

#endif
