/* SPDX-License-Identifier: Apache-2.0 */
/* Reader for ChampSim binary traces: a sequence of fixed 64-byte input_instr
 * records (ChampSim inc/trace_instruction.h), little-endian:
 *   0 ip u64 | 8 is_branch u8 | 9 branch_taken u8 | 10 destination_registers[2]
 *   | 12 source_registers[4] | 16 destination_memory[2] u64 | 32 source_memory[4] u64
 * Each instruction becomes a fetch of ip, a read for each non-zero
 * source_memory, then a write for each non-zero destination_memory; CPL 3,
 * size unknown (0), icount = the instruction's index. Registers and branch
 * fields are not used (the MMU sees only addresses), but is_branch and
 * branch_taken are C++ bools that ChampSim's tracers write as 0 or 1: any
 * other value means the file is not a ChampSim trace (or is misaligned), so
 * it is refused rather than read as addresses. */
#include "mmu/mmu.h"
#include "trace_impl.h"

#define CHAMPSIM_RECORD 64

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int mmu_trace_champsim_next(mmu_trace_reader_t *r, mmu_trec_t *rec)
{
    if (r->ipend < r->npend) {
        *rec = r->pend[r->ipend++];
        return 1;
    }
    long n = mmu_trace_fill(r, CHAMPSIM_RECORD);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    if (n < CHAMPSIM_RECORD)
        return mmu_trace_fail_short(r, r->base + r->pos, "truncated record (%ld of %d bytes)", n,
                                    CHAMPSIM_RECORD);
    const uint8_t *p = r->buf + r->pos;
    for (int i = 8; i <= 9; i++)
        if (p[i] > 1)
            return mmu_trace_fail_at(r, r->base + r->pos,
                                     "%s = %u: must be 0 or 1 (not a ChampSim trace?)",
                                     i == 8 ? "is_branch" : "branch_taken", p[i]);
    r->rec_at = r->base + r->pos;
    r->pos += CHAMPSIM_RECORD;
    mmu_trec_t o = {.icount = r->icount++, .kind = MMU_TREC_ACCESS, .cpl = 3};
    unsigned k = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t a = le64(p + 32 + 8 * i);
        if (a) {
            r->pend[k] = o;
            r->pend[k].la = a;
            r->pend[k++].type = MMU_ACC_READ;
        }
    }
    for (int i = 0; i < 2; i++) {
        uint64_t a = le64(p + 16 + 8 * i);
        if (a) {
            r->pend[k] = o;
            r->pend[k].la = a;
            r->pend[k++].type = MMU_ACC_WRITE;
        }
    }
    r->npend = k;
    r->ipend = 0;
    o.la = le64(p);
    o.type = MMU_ACC_FETCH;
    *rec = o;
    return 1;
}
