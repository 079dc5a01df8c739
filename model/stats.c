/* Statistics enumeration, difference and printers. Nothing here runs on the
 * translate path: the MMU only increments fields. */
#include <inttypes.h>
#include <string.h>

#include "mmu/mmu_stats.h"

static const char *const NAMES[] = {
#define MMU__STATS_NAME(name) #name,
    MMU_STATS_MAP(MMU__STATS_NAME)
#undef MMU__STATS_NAME
};

#define NSTATS (sizeof NAMES / sizeof NAMES[0])

/* mmu_stats_t is nothing but uint64_t fields in list order. */
_Static_assert(sizeof(mmu_stats_t) == NSTATS * sizeof(uint64_t), "stats struct has padding");

unsigned mmu_stats_count(void)
{
    return (unsigned)NSTATS;
}

const char *mmu_stats_name(unsigned i)
{
    return i < NSTATS ? NAMES[i] : NULL;
}

/* The caller's struct is `size` bytes (its headers' sizeof): counters are
 * appended to the list, so it holds counters 0 .. size/8 - 1 of this one. */
uint64_t mmu_stats_get_size(const mmu_stats_t *s, size_t size, unsigned i)
{
    uint64_t v = 0;
    if (s && i < NSTATS && (i + 1) * sizeof v <= size)
        memcpy(&v, (const char *)s + i * sizeof v, sizeof v);
    return v;
}

static uint64_t get(const mmu_stats_t *s, unsigned i)
{
    return mmu_stats_get_size(s, sizeof *s, i);
}

/* A caller's struct as this library's: zeros for the counters it lacks. */
static void widen(mmu_stats_t *full, const mmu_stats_t *s, size_t size)
{
    memset(full, 0, sizeof *full);
    memcpy(full, s, size < sizeof *full ? size : sizeof *full);
}

void mmu_stats_diff_size(mmu_stats_t *out, const mmu_stats_t *after, const mmu_stats_t *before,
                         size_t size)
{
    if (!out || !after || !before)
        return;
    for (unsigned i = 0; i < NSTATS && (i + 1) * sizeof(uint64_t) <= size; i++) {
        uint64_t v = get(after, i) - get(before, i);
        memcpy((char *)out + i * sizeof v, &v, sizeof v);
    }
}

static void print_json(FILE *f, const mmu_stats_t *s)
{
    fputs("{", f);
    for (unsigned i = 0; i < NSTATS; i++)
        fprintf(f, "%s\n  \"%s\": %" PRIu64, i ? "," : "", NAMES[i], get(s, i));
    fputs("\n}\n", f);
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void print_tlb(FILE *f, const char *lvl, const uint64_t *c)
{
    static const char *const SZ[] = {"4K", "2M", "1G"};
    for (int s = 0; s < 3; s++) {
        const uint64_t *k = c + 5 * s;
        if (!k[0] && !k[3])
            continue;
        fprintf(f, "  %-4s %-3s %14" PRIu64 " %14" PRIu64 " %7.2f%% %12" PRIu64 " %12" PRIu64
                   " %12" PRIu64 "\n",
                lvl, SZ[s], k[0], k[1], pct(k[1], k[0]), k[2], k[3], k[4]);
    }
}

static void print_tables(FILE *f, const mmu_stats_t *s)
{
    const uint64_t n = s->translations;
    fprintf(f, "translations %" PRIu64 ": L1 hits %" PRIu64 " (%.2f%%), L2 hits %" PRIu64
               " (%.2f%%), walks %" PRIu64 " (%.2f%%)\n",
            n, s->l1_hits, pct(s->l1_hits, n), s->l2_hits, pct(s->l2_hits, n), s->walks,
            pct(s->walks, n));
    fputs("  TLB  size       accesses           hits  hit rate       misses        fills"
          "    evictions\n",
          f);
    print_tlb(f, "L1I", &s->l1i_4k_accesses);
    print_tlb(f, "L1D", &s->l1d_4k_accesses);
    print_tlb(f, "L2", &s->l2_4k_accesses);
    fprintf(f, "paging-structure caches (walks %" PRIu64 ", started at the root %" PRIu64 ")\n",
            s->walks, s->psc_misses);
    const struct {
        const char *name;
        const uint64_t *c;
    } psc[] = {{"PML5E", &s->psc_pml5e_hits},
               {"PML4E", &s->psc_pml4e_hits},
               {"PDPTE", &s->psc_pdpte_hits},
               {"PDE", &s->psc_pde_hits}};
    for (int i = 0; i < 4; i++)
        fprintf(f, "  %-6s hits %12" PRIu64 " (%.2f%% of walks)  fills %12" PRIu64
                   "  evictions %12" PRIu64 "\n",
                psc[i].name, psc[i].c[0], pct(psc[i].c[0], s->walks), psc[i].c[1], psc[i].c[2]);
    fprintf(f, "walks: mean latency %.1f cycles, mean memory refs %.2f (reads %" PRIu64
               ", A/D updates %" PRIu64 "), waited for a walker %" PRIu64 " cycles, "
               "hits on in-flight walks %" PRIu64 ", D-assists %" PRIu64 "\n",
            s->walks ? (double)s->walk_cycles / (double)s->walks : 0.0,
            s->walks ? (double)s->walk_mem_refs / (double)s->walks : 0.0, s->walk_reads,
            s->walk_ad_updates, s->walk_wait_cycles, s->inflight_hits, s->d_assists);
    fputs("  walk latency (cycles):", f);
    const uint64_t *h = &s->walk_lat_0;
    for (int i = 0; i < MMU_WALK_HIST_BUCKETS; i++)
        if (h[i])
            fprintf(f, " [%llu,%llu):%" PRIu64, i ? 1ull << i : 0ull, 1ull << (i + 1), h[i]);
    fputs("\n  memory refs per walk:", f);
    const uint64_t *r = &s->walk_refs_1;
    for (int i = 0; i < 8; i++)
        if (r[i])
            fprintf(f, " %d%s:%" PRIu64, i + 1, i == 7 ? "+" : "", r[i]);
    fprintf(f, "\n  page-table fetches served by L1 %" PRIu64 ", L2 %" PRIu64 ", LLC %" PRIu64
               ", DRAM %" PRIu64 "\n",
            s->memlat_l1_hits, s->memlat_l2_hits, s->memlat_llc_hits, s->memlat_dram);
    fprintf(f, "faults: #GP %" PRIu64 ", #PF not present %" PRIu64 ", reserved bit %" PRIu64
               ", protection %" PRIu64 " (protection key %" PRIu64 ", decided on a TLB entry %"
               PRIu64 ")\n",
            s->faults_gp, s->faults_pf_not_present, s->faults_pf_rsvd, s->faults_pf_prot,
            s->faults_pf_pk, s->faults_from_tlb);
    fprintf(f, "invalidations: MOV CR3 %" PRIu64 " (no-flush %" PRIu64 "), MOV CR4 %" PRIu64
               ", INVLPG %" PRIu64 ", INVPCID %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
               " (types 0-3), by #PF %" PRIu64 ", full flushes %" PRIu64
               "; entries removed %" PRIu64 "\n",
            s->inv_cr3, s->inv_cr3_noflush, s->inv_cr4, s->inv_invlpg, s->inv_invpcid0,
            s->inv_invpcid1, s->inv_invpcid2, s->inv_invpcid3, s->inv_pf, s->inv_flush_all,
            s->inv_entries);
}

void mmu_stats_print_size(FILE *f, const mmu_stats_t *s, size_t size)
{
    if (!f || !s)
        return;
    mmu_stats_t full;
    widen(&full, s, size);
    print_tables(f, &full);
}

void mmu_stats_print_json_size(FILE *f, const mmu_stats_t *s, size_t size)
{
    if (!f || !s)
        return;
    mmu_stats_t full;
    widen(&full, s, size);
    print_json(f, &full);
}
