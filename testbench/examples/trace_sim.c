/* SPDX-License-Identifier: Apache-2.0 */
/* The C example for trace-driven simulators (README "The 30 lines a simulator
 * author writes"): the host owns the memory, the page tables and the clock;
 * mmusim answers one translation per access of its trace, with the cycle it
 * completes. Built against the installed package (pkg-config mmusim) by the
 * test suite, which also checks what it prints.
 *
 * The host here is deliberately small: a sparse memory holds the page tables
 * an OS would have built (a 2 MiB heap in 4K pages, a 2M code page), and the
 * "core" issues one access per instruction, stalling until each translation
 * completes. A real host passes its own memory (read64 / cmpxchg64 over its
 * physical memory model) instead. */
#include <inttypes.h>
#include <stdio.h>

#include "mmu/mmu.h"
#include "mmu/mmu_mem.h"
#include "mmu/mmu_stats.h"

#define HEAP 0x00007f0000000000ull /* va of the heap: 512 x 4K at pa 0x40000000 */
#define CODE 0x0000000000400000ull /* va of the code: one 2M page at pa 0x80000000 */

struct access { uint64_t la; uint8_t type; };

/* What the OS set up: the pa every access must get. */
static uint64_t expected_pa(uint64_t la)
{
    return la >= HEAP ? 0x40000000 + (la - HEAP) : 0x80000000 + (la - CODE);
}

int main(void)
{
    /* --- the host's memory and page tables (what an OS model provides) --- */
    mmu_sparse_mem_t *mem;
    mmu_ptb_t *pt;
    if (mmu_sparse_mem_create(39, &mem))
        return 2;
    mmu_mem_ops_t ops = mmu_sparse_mem_ops(mem);
    if (mmu_ptb_create(&ops, 4, 0x100000, 1 << 20, &pt) ||
        mmu_ptb_map(pt, HEAP, 0x40000000, 2 << 20, MMU_PAGE_4K, MMU_PTE_RW | MMU_PTE_US) ||
        mmu_ptb_map(pt, CODE, 0x80000000, 2 << 20, MMU_PAGE_2M, MMU_PTE_US))
        return 2;

    /* --- the 30 lines: create, load control state, translate, read stats --- */
    mmu_config_t cfg;
    mmu_config_init(&cfg);
    mmu_err_t err;
    mmu_t *mmu;
    if (mmu_config_preset(&cfg, "skylake", &err) || mmu_create(&cfg, &ops, &mmu, &err)) {
        fprintf(stderr, "trace_sim: %s\n", err.msg);
        return 2;
    }
    mmu_ctrl_t ctrl = {.cr0 = MMU_CR0_WP, .cr3 = mmu_ptb_root(pt),
                       .cr4 = MMU_CR4_SMEP | MMU_CR4_SMAP, .efer = MMU_EFER_NXE};
    if (mmu_set_ctrl(mmu, &ctrl, &err))
        return 2;

    uint64_t now = 0, stall = 0, bad = 0; /* the host's clock, in MMU cycles */
    for (unsigned i = 0; i < 20000; i++) {
        /* The trace: fetches from the code page alternate with loads and
         * stores that sweep 512 KiB of the heap 40 bytes at a time, twice:
         * more pages than the L1 DTLB holds, fewer than the L2. */
        struct access a = {CODE + (i * 4ull) % (2 << 20), MMU_ACC_FETCH};
        if (i % 2)
            a = (struct access){HEAP + (i * 40ull) % (512 << 10),
                                i % 3 ? MMU_ACC_READ : MMU_ACC_WRITE};
        mmu_req_t req = MMU_REQ_INIT;
        req.la = a.la, req.type = a.type, req.cpl = 3, req.now = now;
        mmu_result_t res;
        if (mmu_translate(mmu, &req, &res)) {
            fprintf(stderr, "trace_sim: %s\n", mmu_last_error(mmu));
            return 2;
        }
        if (res.fault.kind != MMU_FAULT_NONE || res.pa != expected_pa(a.la))
            bad++;
        stall += res.done_at - now;
        now = res.done_at + 1; /* the core resumes one cycle after the translation */
    }
    mmu_stats_t st;
    mmu_get_stats(mmu, &st);
    printf("trace_sim: %" PRIu64 " translations in %" PRIu64 " cycles (%" PRIu64
           " waiting for translations): L1 hits %" PRIu64 ", L2 hits %" PRIu64 ", walks %" PRIu64
           ", wrong %" PRIu64 "\n",
           st.translations, now, stall, st.l1i_hits + st.l1d_hits, st.l2_hits, st.walks, bad);
    mmu_destroy(mmu);
    mmu_ptb_destroy(pt);
    mmu_sparse_mem_destroy(mem);
    /* Every access translated to what the OS mapped, and the cycles add up. */
    return bad || st.translations != 20000 || now != stall + 20000 ? 1 : 0;
}
