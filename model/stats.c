/* SPDX-License-Identifier: Apache-2.0 */
/* Statistics enumeration, difference and printers. Nothing here runs on the
 * translate path: the MMU only increments fields. */
#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "mmu/mmu_config.h"
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

/* One row of the TLB table. */
static void tlb_row(FILE *f, const char *lvl, const char *arr, uint64_t lookups, uint64_t hits,
                    uint64_t fills, uint64_t evictions)
{
    fprintf(f, "  %-4s %-7s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 " %8.2f%% %12" PRIu64
               " %12" PRIu64 "\n",
            lvl, arr, lookups, hits, lookups - hits, pct(hits, lookups), fills, evictions);
}

/* "4k2m" for an array holding 4K and 2M entries. */
static const char *sizes_name(unsigned sizes, char *buf)
{
    static const char *const SZ[] = {"4k", "2m", "1g"};
    buf[0] = '\0';
    for (int g = 0; g < 3; g++)
        if (sizes & (1u << g))
            strcat(buf, SZ[g]);
    return buf;
}

/* A level: its total, then one row per array (with cfg) or per entry size. */
static void print_level(FILE *f, const char *lvl, const uint64_t *c, const mmu_tlb_cfg_t *t)
{
    /* c: lookups, hits, misses, splinters, {hits, fills, evictions} x 4K/2M/1G */
    uint64_t fills = 0, evictions = 0;
    for (int g = 0; g < 3; g++) {
        fills += c[4 + 3 * g + 1];
        evictions += c[4 + 3 * g + 2];
    }
    if (!c[0] && !fills)
        return;
    tlb_row(f, lvl, "all", c[0], c[1], fills, evictions);
    static const char *const SZ[] = {"4K", "2M", "1G"};
    if (t) {
        for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
            const mmu_array_cfg_t *a = &t->arr[i];
            if (!a->entries)
                continue;
            uint64_t h = 0, fl = 0, ev = 0;
            for (int g = 0; g < 3; g++)
                if (a->sizes & (1u << g)) {
                    h += c[4 + 3 * g];
                    fl += c[4 + 3 * g + 1];
                    ev += c[4 + 3 * g + 2];
                }
            char name[8];
            tlb_row(f, "", sizes_name(a->sizes, name), c[0], h, fl, ev);
        }
    } else {
        for (int g = 0; g < 3; g++)
            if (c[4 + 3 * g] || c[4 + 3 * g + 1])
                fprintf(f, "  %-4s %-7s %14s %14" PRIu64 " %14s %9s %12" PRIu64 " %12" PRIu64 "\n",
                        "", SZ[g], "", c[4 + 3 * g], "", "", c[4 + 3 * g + 1], c[4 + 3 * g + 2]);
    }
}

static void print_tables(FILE *f, const mmu_stats_t *s, const mmu_config_t *cfg)
{
    fprintf(f, "translations %" PRIu64 " (#GP %" PRIu64 "): L1 hits %" PRIu64
               ", L2 hits %" PRIu64 ", walks %" PRIu64 "\n",
            s->translations, s->faults_gp, s->l1i_hits + s->l1d_hits, s->l2_hits, s->walks);
    fputs("  TLB  array          lookups           hits         misses  hit rate        fills"
          "    evictions\n",
          f);
    print_level(f, "L1I", &s->l1i_lookups, cfg ? &cfg->l1i : NULL);
    print_level(f, "L1D", &s->l1d_lookups, cfg ? &cfg->l1d : NULL);
    print_level(f, "L2", &s->l2_lookups, cfg ? &cfg->l2 : NULL);
    if (s->l1i_splinters || s->l1d_splinters || s->l2_splinters)
        fprintf(f, "  splintered fills (a page cached as smaller entries: no array of its size): "
                   "L1I %" PRIu64 ", L1D %" PRIu64 ", L2 %" PRIu64 "\n",
                s->l1i_splinters, s->l1d_splinters, s->l2_splinters);
    fprintf(f, "walks %" PRIu64 " = miss %" PRIu64 " + fault-retry %" PRIu64 " + D-assist %" PRIu64
               " + rights re-walk %" PRIu64 "; ended in #PF %" PRIu64 ", in a 4K page %" PRIu64
               ", 2M %" PRIu64 ", 1G %" PRIu64 "\n",
            s->walks, s->walks_miss, s->walks_retry, s->d_assists, s->walks_rewalk, s->walks_fault,
            s->walks_4k, s->walks_2m, s->walks_1g);
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
    fprintf(f, "walk cost: mean latency %.1f cycles, mean memory refs %.2f (reads %" PRIu64
               ", A/D updates %" PRIu64 "), waited for a walker %" PRIu64 " cycles, "
               "hits on in-flight walks %" PRIu64 "\n",
            s->walks ? (double)s->walk_cycles / (double)s->walks : 0.0,
            s->walks ? (double)s->walk_mem_refs / (double)s->walks : 0.0, s->walk_reads,
            s->walk_ad_updates, s->walk_wait_cycles, s->inflight_hits);
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
    if (s->data_l1_hits | s->data_l2_hits | s->data_llc_hits | s->data_dram)
        fprintf(f, "  data lines served by L1 %" PRIu64 ", L2 %" PRIu64 ", LLC %" PRIu64
                   ", DRAM %" PRIu64 "\n",
                s->data_l1_hits, s->data_l2_hits, s->data_llc_hits, s->data_dram);
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

void mmu_stats_print_size(FILE *f, const mmu_stats_t *s, size_t size, const mmu_config_t *cfg)
{
    if (!f || !s)
        return;
    mmu_stats_t full;
    widen(&full, s, size);
    /* The caller's configuration, as this library's (or none if it is not one). */
    mmu_config_t c;
    print_tables(f, &full, cfg && !mmu_config_import(&c, cfg, NULL) ? &c : NULL);
}

void mmu_stats_print_json_size(FILE *f, const mmu_stats_t *s, size_t size)
{
    if (!f || !s)
        return;
    mmu_stats_t full;
    widen(&full, s, size);
    print_json(f, &full);
}
