/* SPDX-License-Identifier: Apache-2.0 */
/* Scoreboard of the co-simulation: compares what the two MMUs (C walker and
 * RTL walker) answered for one access, field by field, and the writes each
 * memory saw; prints both answers and a minimal `mmusim check` scenario that
 * reproduces the access. */
#ifndef MMU_COSIM_SCOREBOARD_H
#define MMU_COSIM_SCOREBOARD_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "sc_memory.h"

namespace cosim {

/* One MMU's answer to one access. */
struct answer {
    int rc = 0;
    mmu_result_t res{};
    std::vector<sc_memory::write_rec> writes;
    /* The request completed in simulated time later than res.done_at (its
     * TLM annotation could not add up): the walker took longer than the
     * cycles it reported, so this differs from the C side's answer. */
    bool late = false;
};

/* Names of the fields that differ ("" when the answers agree). The result
 * fields are compared only when both calls returned 0 (the result is
 * undefined otherwise); the writes always. */
std::string differences(const answer &c, const answer &rtl);

/* Both answers, one field per line, differing ones marked. */
void print_answers(FILE *f, const answer &c, const answer &rtl);

/* A scenario for `mmusim check` that replays `req` from a cold start: the
 * control state, the entries on the path of req.la as they were before the
 * access (read through `read`, a function of the physical address), and the
 * access. `note` becomes comment lines at the top. */
std::string make_repro(const mmu_ctrl_t &ctrl, unsigned maxphyaddr, const mmu_req_t &req,
                       uint64_t (*read)(void *ctx, uint64_t pa), void *ctx, const std::string &note);

/* One-line description of a request and of a result. */
std::string describe_req(const mmu_req_t &req);
std::string describe_result(int rc, const mmu_result_t &res);

} // namespace cosim

#endif
