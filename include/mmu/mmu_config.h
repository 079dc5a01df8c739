/* SPDX-License-Identifier: Apache-2.0 */
/* mmusim configuration: a plain struct the caller fills, validated in one
 * place (mmu_config_validate) when an MMU is created. */
#ifndef MMU_MMU_CONFIG_H
#define MMU_MMU_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu_version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mmu_err;

/* What a walk that ends in a #PF leaves behind in memory. The SDM leaves this
 * to the implementation (only successful translations are required to set A
 * and D).
 *  NONE: nothing. The walker checks the whole translation first and writes A/D
 *        only when the access is allowed. This is the default: a faulting
 *        access has no memory side effect, so a fault handler that fixes the
 *        entry and retries sees exactly one set of A/D writes.
 *  USED: A is set in every non-leaf entry the walk consumed before it
 *        stopped (present and free of reserved bits), as a walker that sets A
 *        on its way down would. The leaf and D are never written on a fault. */
typedef enum mmu_ad_on_fault {
    MMU_AD_ON_FAULT_NONE = 0,
    MMU_AD_ON_FAULT_USED = 1,
} mmu_ad_on_fault_t;

/* ---- translation caches ---------------------------------------------------- */

typedef enum mmu_repl {
    MMU_REPL_LRU = 0,    /* true least-recently-used */
    MMU_REPL_PLRU = 1,   /* tree pseudo-LRU (ways must be a power of two) */
    MMU_REPL_FIFO = 2,   /* round robin in fill order */
    MMU_REPL_RANDOM = 3, /* seeded xorshift; reproducible with cfg.seed */
} mmu_repl_t;

typedef enum mmu_index {
    MMU_INDEX_LOW = 0, /* set = low bits of the page number */
    MMU_INDEX_XOR = 1, /* set = XOR fold of index_bits page-number bits (Skylake STLB) */
} mmu_index_t;

/* Page sizes an array holds, as a mask: 1 << mmu_page_size_t. */
#define MMU_SIZE_4K 0x1u
#define MMU_SIZE_2M 0x2u
#define MMU_SIZE_1G 0x4u

/* One set-associative array. entries = 0: the array is absent. */
typedef struct mmu_array_cfg {
    unsigned entries;
    unsigned ways;       /* entries / ways sets, a power of two; ways = entries: fully associative */
    unsigned sizes;      /* MMU_SIZE_* (TLB arrays only) */
    unsigned repl;       /* mmu_repl_t */
    unsigned index;      /* mmu_index_t */
    unsigned index_bits; /* MMU_INDEX_XOR: page-number bits folded; 0 = 2 * log2(sets) */
} mmu_array_cfg_t;

#define MMU_TLB_ARRAYS 3

/* Size limits mmu_config_validate() enforces on every TLB and PSC array. Not
 * architectural: they keep a configuration's memory and lookup time sane (an
 * entry costs 36 bytes of host memory, and a lookup scans a set's ways), far
 * above any real TLB (the largest STLBs hold a few thousand entries). */
#define MMU_ARRAY_MAX_ENTRIES (1u << 20) /* entries per array */
#define MMU_ARRAY_MAX_WAYS 64u           /* ways of a set-associative array ... */
#define MMU_ARRAY_MAX_FA 4096u           /* ... or entries of a fully-associative one */

/* A TLB level: up to three arrays probed in parallel (Intel: one per page size;
 * AMD: one array for all sizes). A hit in any of them is a hit. */
typedef struct mmu_tlb_cfg {
    mmu_array_cfg_t arr[MMU_TLB_ARRAYS];
    unsigned latency; /* lookup cycles, hit or miss */
} mmu_tlb_cfg_t;

/* A paging-structure cache (SDM 4.10.3) for one level. */
typedef struct mmu_psc_cfg {
    mmu_array_cfg_t arr; /* sizes is ignored */
    unsigned latency;    /* probe cycles */
} mmu_psc_cfg_t;

/* Latency of one page-table access, supplied by a host simulator that wants its
 * own caches to serve the walker: pa of the 8-byte entry, whether it is the
 * locked read-modify-write of an A/D update, and the cycle it is issued.
 * Returns the cycles it takes. */
typedef unsigned (*mmu_memlat_fn)(void *ctx, uint64_t pa, int locked_rmw, uint64_t now);

/* An external page walker (see mmu_walk.h): called for every TLB and
 * paging-structure-cache miss instead of the built-in C walker. Returns 0 with
 * *out filled, or a negative mmu error code that mmu_translate passes on. */
struct mmu_walk_job;
struct mmu_walk_out;
typedef int (*mmu_walk_fn)(void *ctx, const struct mmu_walk_job *job, struct mmu_walk_out *out);

/* One level of the built-in cache model for page-table lines. */
typedef struct mmu_memlat_level_cfg {
    unsigned sets, ways; /* sets = 0: level absent */
    unsigned latency;    /* hit latency in cycles */
    unsigned victim;     /* 0: filled on every miss (inclusive of the levels above);
                            1: filled only with the lines the level above it
                            displaces, and keeps lines that hit in it (a
                            non-inclusive or victim L3: Tiger Lake, Zen) */
    unsigned pair;       /* 1: a line that misses here also brings the other line
                            of its 128-byte pair into this level and the ones
                            below (Intel's L2 "spatial prefetcher") */
} mmu_memlat_level_cfg_t;

#define MMU_MEMLAT_LEVELS 3 /* stand-ins for L1D, L2, LLC */

/* Limits on each cache-model level (12 bytes of host memory per line, and a
 * lookup scans the ways): up to 4 M lines, 256 MiB of cache with 64-byte lines. */
#define MMU_MEMLAT_MAX_SETS (1u << 20)
#define MMU_MEMLAT_MAX_WAYS 64u
#define MMU_MEMLAT_MAX_LINES (1u << 22) /* sets x ways */
#define MMU_MEMLAT_MAX_LINE 4096u       /* bytes per line, at most a page */

typedef struct mmu_config {
    uint32_t size;           /* sizeof(mmu_config_t) of the caller's headers, set by
                                mmu_config_init(); new fields are appended, and a
                                library reads and writes only this many bytes */
    unsigned maxphyaddr;     /* physical-address width, 36..52 */
    unsigned page_1g;        /* 1: 1-GByte pages supported (PDPTE.PS usable);
                                0: PDPTE.PS is a reserved bit */
    unsigned ad_on_fault;    /* mmu_ad_on_fault_t */
    unsigned ad_retry_limit; /* walks restarted because an entry changed between
                                the read and the locked A/D update, before
                                mmu_translate gives up with MMU_ERETRY; >= 1 */

    /* TLB hierarchy: split L1 for fetches and data, unified L2 (STLB). */
    mmu_tlb_cfg_t l1i, l1d, l2;
    unsigned l2_inclusive;   /* 1: an L2 eviction also removes the page from L1;
                                0 (default): non-inclusive */
    /* A page whose size no array of a TLB level holds: 1 (default) the level
     * caches it as an entry of the largest smaller size it holds, covering the
     * part of the page around the access ("splintering", SDM 4.10.2.3); 0 the
     * level does not cache it at all. */
    unsigned splinter;
    /* Paging-structure caches, indexed by the level of the entry they hold:
     * psc[2] PDE cache, psc[3] PDPTE, psc[4] PML4E, psc[5] PML5E; [0], [1] unused. */
    mmu_psc_cfg_t psc[6];
    unsigned walkers;        /* concurrent page walks, >= 1 */
    unsigned walk_level_latency; /* walker cycles per level besides the memory access */
    /* Page-table fetch latency: the callback if set, else the cache model. */
    mmu_memlat_fn memlat_cb;
    void *memlat_ctx;
    mmu_memlat_level_cfg_t memlat[MMU_MEMLAT_LEVELS];
    unsigned memlat_line;    /* bytes per cached line, power of two, 8..4096 */
    unsigned dram_latency;   /* cycles when every level misses */
    unsigned walk_skip_l1;   /* 1: the walker's page-table accesses look up (and
                                fill) the levels below the L1D stand-in only;
                                0 (default): they start at the L1D, as data */
    unsigned rmw_latency;    /* extra cycles of a locked A/D read-modify-write */
    /* On a TLB hit whose rights deny the access: 0 (default) fault from the TLB
     * entry (SDM 4.6: rights may come from the TLB); 1 re-walk memory first. */
    unsigned fault_rewalk;
    /* Core clock in MHz, 0 = not set. The model counts cycles only; tools use
     * this to print nanoseconds next to them (and an OS model to turn its
     * microseconds into cycles). */
    unsigned frequency_mhz;
    /* 1: after each successful translation the data line it maps is charged
     * into the same L1D/L2/LLC stand-ins the page-table lines use (see
     * mmu_data_access), so data competes with page-table lines for them as on
     * a real core. 0 (default): only page-table lines enter them, for host
     * simulators that model their own caches (they see every walker access
     * through memlat_cb). Ignored when memlat_cb is set: the host's caches
     * then hold the data, and the model has no stand-ins to charge. */
    unsigned data_lines;
    /* PTE coalescing (AMD Zen): 0 or 1 = off; 2, 4 or 8 = a walk that ends in
     * a 4 KiB page also reads the other PTEs of the naturally aligned group of
     * that many pages (they share its 64-byte line) and, when the whole group
     * maps one aligned, physically contiguous block with identical attributes
     * and A=1, fills ONE entry covering the group into every TLB array that
     * holds 4 KiB pages; otherwise the usual 4 KiB entry. Pages keep their
     * architectural size (4 KiB) in results and statistics. */
    unsigned coalesce;
    uint64_t seed;           /* random replacement */
    /* The walker behind the caches: NULL (default) for the built-in one. */
    mmu_walk_fn walk_cb;
    void *walk_ctx;
    /* Replacement in each cache-model level (memlat[i]): 0 (default) true
     * LRU; G (a power of two, 2..ways, dividing ways) tree pseudo-LRU over
     * groups of G ways, the groups ordered by LRU: a miss replaces the way
     * that the tree of the least recently used group points to. Intel's L1Ds
     * are PLRU (G = ways: Skylake's 8-way) or three 4-way trees ordered by
     * LRU (G = 4: Ice Lake's and Tiger Lake's 12-way), as nanoBench measured
     * them (uops.info/cache.html). */
    unsigned memlat_plru[MMU_MEMLAT_LEVELS];
} mmu_config_t;

/* mmu_config_init() with the caller's sizeof(mmu_config_t). Does nothing for
 * a NULL cfg or a size smaller than the first released layout. */
MMU_API void mmu_config_init_size(mmu_config_t *cfg, size_t size);

/* Fill *cfg with defaults: MAXPHYADDR 46, 1G pages on, no A/D on faults,
 * 16 retries, and a small generic hierarchy (see config.c); cfg->size = the
 * caller's sizeof(mmu_config_t). Every function below that takes a
 * configuration needs one initialized this way first. */
static inline void mmu_config_init(mmu_config_t *cfg)
{
    mmu_config_init_size(cfg, sizeof *cfg);
}

/* Check every field. Returns 0 or MMU_EINVAL; if err is non-NULL its msg names
 * the field and what is wrong ("maxphyaddr=60: must be 36..52", "size=12: ...
 * use mmu_config_init()"). */
MMU_API int mmu_config_validate(const mmu_config_t *cfg, struct mmu_err *err);

/* ---- built-in presets ----------------------------------------------------------
 * Named CPU configurations (skylake, goldencove, zen2, tiny, ...): the
 * commented INI files of model/presets/, compiled into the library as data, so
 * a host gets exactly the configurations `mmusim` runs. Nothing is read from
 * disk. */

/* Replace *cfg with the preset `name`: mmu_config_init(), then the preset's
 * keys. The host's callbacks already in *cfg (memlat_cb/ctx, walk_cb/ctx) are
 * kept: a preset describes a CPU, not the host's plumbing. Returns 0, or
 * MMU_EINVAL with err->msg "unknown preset 'x' (known: skylake, ...)" (or
 * naming the NULL argument); *cfg is unchanged on error. */
MMU_API int mmu_config_preset(mmu_config_t *cfg, const char *name, struct mmu_err *err);

/* How many presets there are, and the name of preset i in listing order (NULL
 * for i >= mmu_config_preset_count()). */
MMU_API unsigned mmu_config_preset_count(void);
MMU_API const char *mmu_config_preset_name(unsigned i);

/* The preset's INI text, with its comments and sources (NUL-terminated,
 * static), or NULL for an unknown name. */
MMU_API const char *mmu_config_preset_text(const char *name);

/* The preset's one-line description (the first line of its file, without the
 * '#') into buf. Returns 0, or MMU_EINVAL for an unknown name, a NULL buf or
 * len 0 (buf then holds "" when it can). */
MMU_API int mmu_config_preset_describe(const char *name, char *buf, size_t len);

/* ---- keys: the config-file vocabulary, without a file ----------------------------
 * Sections and keys are those of a config file (README.md "Config files"):
 * section "mmu", "l1i", "l1d", "l2", "l1d.4k2m" (a TLB array, named by the page
 * sizes it holds), "psc.pde" .. "psc.pml5e", "memlat", "memlat.l1" .. "llc";
 * values as text ("64", "0x40", "lru", "yes", "4k, 2m"). */

/* Apply one key on top of *cfg, exactly as a config file holding only that
 * line would: the value is parsed and range-checked, then the whole
 * configuration is checked (mmu_config_validate). Returns 0, or MMU_EINVAL
 * with err->msg "[section] key=value: what is wrong"; *cfg is unchanged on
 * error. To change several keys that only make sense together (entries and
 * ways of a new array), use mmu_config_keys_*. */
MMU_API int mmu_config_set(mmu_config_t *cfg, const char *section, const char *key,
                           const char *value, struct mmu_err *err);

/* A set of keys applied as one file: in any order, each key once, checked as a
 * whole at the end. A loader for another syntax feeds its lines here; the INI
 * loader (mmu_config_file.h) and the presets do.
 *   begin:   start from a copy of *base; `name` (copied; may be NULL) prefixes
 *            messages as "name:line: ...".
 *   section: a section header at `line` (so that an empty or unknown section is
 *            reported too); optional before keys.
 *   set:     one `key = value` of `section` at `line` (lines count from 1).
 *   end:     the checks that need every key, then mmu_config_validate(); on
 *            success *cfg = the result. Call once.
 *   free:    release the set (accepts NULL).
 * section/set/end return 0, or MMU_EINVAL with err->msg naming file, line,
 * section and key ("t.ini:4: [l2.4k2m] ways=0: must be >= 1"); after the first
 * error every later call returns that same error. begin returns MMU_EINVAL for
 * NULL arguments or MMU_ENOMEM. */
typedef struct mmu_config_keys mmu_config_keys_t;
MMU_API int mmu_config_keys_begin(const mmu_config_t *base, const char *name,
                                  mmu_config_keys_t **out, struct mmu_err *err);
MMU_API int mmu_config_keys_section(mmu_config_keys_t *keys, unsigned line, const char *section,
                                    struct mmu_err *err);
MMU_API int mmu_config_keys_set(mmu_config_keys_t *keys, unsigned line, const char *section,
                                const char *key, const char *value, struct mmu_err *err);
MMU_API int mmu_config_keys_end(mmu_config_keys_t *keys, mmu_config_t *cfg, struct mmu_err *err);
MMU_API void mmu_config_keys_free(mmu_config_keys_t *keys);

/* Print *cfg as a complete config file: every key, so loading it on top of any
 * configuration gives *cfg back (absent TLB arrays come back zeroed; the
 * callbacks are not part of a file). Returns 0, MMU_EINVAL for NULL arguments
 * or a TLB array whose sizes no section name stands for, or MMU_EIO if the
 * stream reports an error. */
MMU_API int mmu_config_print(FILE *f, const mmu_config_t *cfg);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_CONFIG_H */
