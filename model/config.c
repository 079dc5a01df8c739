/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration defaults and the one place every field is validated. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tlb.h"

int mmu_err_set(mmu_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

static mmu_array_cfg_t arr(unsigned entries, unsigned ways, unsigned sizes)
{
    mmu_array_cfg_t a = {entries, ways, sizes, MMU_REPL_LRU, MMU_INDEX_LOW, 0};
    return a;
}

/* The first layout of mmu_config_t under this SONAME (libmmusim.so.2: the
 * fields of issue 14's fidelity work went in mid-struct, so .so.1 hosts keep
 * .so.1) ends with walk_ctx; later fields are appended after it and take their
 * defaults for callers that predate them. */
#define CONFIG_SIZE_V1 (offsetof(mmu_config_t, walk_ctx) + sizeof(void *))
#define CONFIG_SIZE_MAX 4096u

static void config_defaults(mmu_config_t *cfg)
{
    *cfg = (mmu_config_t){0};
    cfg->size = sizeof *cfg;
    /* 46 bits is what current Intel server parts report; 1G pages are
     * universal on x86-64 parts with 4-level paging today. */
    cfg->maxphyaddr = 46;
    cfg->page_1g = 1;
    cfg->ad_on_fault = MMU_AD_ON_FAULT_NONE;
    cfg->ad_retry_limit = 16;
    cfg->splinter = 1;
    /* A generic recent Intel-like core. The named, sourced CPU configurations
     * are the presets (model/presets/); these defaults only make a fresh
     * config usable. */
    cfg->l1i.arr[0] = arr(128, 8, MMU_SIZE_4K);
    cfg->l1i.arr[1] = arr(8, 8, MMU_SIZE_2M);
    cfg->l1i.latency = 1;
    cfg->l1d.arr[0] = arr(64, 4, MMU_SIZE_4K);
    cfg->l1d.arr[1] = arr(32, 4, MMU_SIZE_2M);
    cfg->l1d.arr[2] = arr(4, 4, MMU_SIZE_1G);
    cfg->l1d.latency = 1;
    cfg->l2.arr[0] = arr(1536, 12, MMU_SIZE_4K | MMU_SIZE_2M);
    cfg->l2.arr[1] = arr(16, 4, MMU_SIZE_1G);
    cfg->l2.latency = 8;
    cfg->psc[2] = (mmu_psc_cfg_t){arr(32, 4, 0), 1};
    cfg->psc[3] = (mmu_psc_cfg_t){arr(4, 4, 0), 1};
    cfg->psc[4] = (mmu_psc_cfg_t){arr(2, 2, 0), 1};
    cfg->psc[5] = (mmu_psc_cfg_t){arr(2, 2, 0), 1};
    cfg->walkers = 2;
    cfg->walk_level_latency = 1;
    cfg->memlat[0] = (mmu_memlat_level_cfg_t){64, 8, 5, 0, 0};     /* 32 KiB */
    cfg->memlat[1] = (mmu_memlat_level_cfg_t){1024, 4, 14, 0, 0};  /* 256 KiB */
    cfg->memlat[2] = (mmu_memlat_level_cfg_t){2048, 16, 42, 0, 0}; /* 2 MiB slice */
    cfg->memlat_line = 64;
    cfg->dram_latency = 200;
    cfg->rmw_latency = 20;
    cfg->seed = 1;
}

static int validate_level(const mmu_tlb_cfg_t *t, const char *lvl, mmu_err_t *err)
{
    unsigned held = 0, present = 0;
    for (int i = 0; i < MMU_TLB_ARRAYS; i++) {
        const mmu_array_cfg_t *a = &t->arr[i];
        char name[32];
        snprintf(name, sizeof name, "%s[%d]", lvl, i);
        int rc = mmu_array_cfg_validate(a, name, err);
        if (rc)
            return rc;
        if (!a->entries)
            continue;
        present++;
        if (!a->sizes || (a->sizes & ~(MMU_SIZE_4K | MMU_SIZE_2M | MMU_SIZE_1G)))
            return mmu_err_set(err, MMU_EINVAL, "%s: sizes=0x%x: must be a non-empty set of 4k, 2m, 1g",
                               name, a->sizes);
        if (held & a->sizes)
            return mmu_err_set(err, MMU_EINVAL,
                               "%s: sizes=0x%x: a page size is already held by another %s array",
                               name, a->sizes, lvl);
        held |= a->sizes;
    }
    if (present && t->latency < 1)
        return mmu_err_set(err, MMU_EINVAL, "%s.latency=0: must be >= 1", lvl);
    return 0;
}

void mmu_config_init_size(mmu_config_t *cfg, size_t size)
{
    if (!cfg || size < CONFIG_SIZE_V1 || size > CONFIG_SIZE_MAX)
        return;
    mmu_config_t full;
    config_defaults(&full);
    full.size = (uint32_t)size; /* what the caller has, even beyond this library's part */
    if (size > sizeof full) { /* newer headers: zero what this library does not know */
        memset((char *)cfg + sizeof full, 0, size - sizeof full);
        size = sizeof full;
    }
    memcpy(cfg, &full, size);
}

int mmu_config_import(mmu_config_t *out, const mmu_config_t *in, mmu_err_t *err)
{
    if (!in)
        return mmu_err_set(err, MMU_EINVAL, "config: NULL");
    /* A size below the first layout or far beyond any plausible later one is
     * an mmu_config_t that was never initialized (and must not be read). */
    if (in->size < CONFIG_SIZE_V1 || in->size > CONFIG_SIZE_MAX)
        return mmu_err_set(err, MMU_EINVAL,
                           "size=%u: not an initialized mmu_config_t (use mmu_config_init())",
                           (unsigned)in->size);
    /* Headers newer than this library: fine while the fields it does not know
     * keep their zero default. */
    for (size_t i = sizeof *out; i < in->size; i++)
        if (((const unsigned char *)in)[i])
            return mmu_err_set(err, MMU_EINVAL,
                               "size=%u: sets fields this libmmusim (%s, %zu-byte config) does "
                               "not know; it needs a newer one",
                               (unsigned)in->size, MMU_VERSION_STRING, sizeof *out);
    config_defaults(out);
    memcpy(out, in, in->size < sizeof *out ? in->size : sizeof *out);
    out->size = sizeof *out;
    return 0;
}

void mmu_config_export(mmu_config_t *dst, const mmu_config_t *full)
{
    const uint32_t size = dst->size;
    memcpy(dst, full, size < sizeof *full ? size : sizeof *full);
    dst->size = size;
}

int mmu_config_validate(const mmu_config_t *in, mmu_err_t *err)
{
    mmu_config_t full;
    int rc = mmu_config_import(&full, in, err);
    if (rc)
        return rc;
    const mmu_config_t *cfg = &full;
    /* SDM: MAXPHYADDR is at most 52; 36 is the smallest any 64-bit part has. */
    if (cfg->maxphyaddr < 36 || cfg->maxphyaddr > 52)
        return mmu_err_set(err, MMU_EINVAL, "maxphyaddr=%u: must be 36..52",
                           cfg->maxphyaddr);
    if (cfg->page_1g > 1)
        return mmu_err_set(err, MMU_EINVAL, "page_1g=%u: must be 0 or 1", cfg->page_1g);
    if (cfg->ad_on_fault > MMU_AD_ON_FAULT_USED)
        return mmu_err_set(err, MMU_EINVAL, "ad_on_fault=%u: must be 0 (none) or 1 (used)",
                           cfg->ad_on_fault);
    if (cfg->ad_retry_limit < 1)
        return mmu_err_set(err, MMU_EINVAL, "ad_retry_limit=%u: must be >= 1",
                           cfg->ad_retry_limit);
    if ((rc = validate_level(&cfg->l1i, "l1i", err)) || (rc = validate_level(&cfg->l1d, "l1d", err)) ||
        (rc = validate_level(&cfg->l2, "l2", err)))
        return rc;
    if (cfg->l2_inclusive > 1)
        return mmu_err_set(err, MMU_EINVAL, "l2_inclusive=%u: must be 0 or 1", cfg->l2_inclusive);
    if (cfg->splinter > 1)
        return mmu_err_set(err, MMU_EINVAL, "splinter=%u: must be 0 or 1", cfg->splinter);
    static const char *const PSC[6] = {"", "", "psc.pde", "psc.pdpte", "psc.pml4e", "psc.pml5e"};
    for (int l = 2; l <= 5; l++) {
        if ((rc = mmu_array_cfg_validate(&cfg->psc[l].arr, PSC[l], err)) != 0)
            return rc;
        if (cfg->psc[l].arr.entries && cfg->psc[l].latency < 1)
            return mmu_err_set(err, MMU_EINVAL, "%s.latency=0: must be >= 1", PSC[l]);
    }
    if (cfg->walkers < 1 || cfg->walkers > 64)
        return mmu_err_set(err, MMU_EINVAL, "walkers=%u: must be 1..64", cfg->walkers);
    static const char *const ML[MMU_MEMLAT_LEVELS] = {"memlat.l1", "memlat.l2", "memlat.llc"};
    for (int i = 0; i < MMU_MEMLAT_LEVELS; i++) {
        const mmu_memlat_level_cfg_t *m = &cfg->memlat[i];
        if (!m->sets)
            continue;
        if (m->sets & (m->sets - 1))
            return mmu_err_set(err, MMU_EINVAL, "%s.sets=%u: must be a power of two", ML[i], m->sets);
        if (m->sets > MMU_MEMLAT_MAX_SETS)
            return mmu_err_set(err, MMU_EINVAL, "%s.sets=%u: must be <= %u", ML[i], m->sets,
                               MMU_MEMLAT_MAX_SETS);
        if (m->ways < 1)
            return mmu_err_set(err, MMU_EINVAL, "%s.ways=0: must be >= 1", ML[i]);
        if (m->ways > MMU_MEMLAT_MAX_WAYS)
            return mmu_err_set(err, MMU_EINVAL, "%s.ways=%u: must be <= %u", ML[i], m->ways,
                               MMU_MEMLAT_MAX_WAYS);
        /* One pseudo-LRU tree per group of g ways; the set's trees share 64 bits. */
        const unsigned g = cfg->memlat_plru[i];
        if (g && (g < 2 || (g & (g - 1)) || g > m->ways || m->ways % g))
            return mmu_err_set(err, MMU_EINVAL,
                               "memlat.%s_plru=%u: must be 0 (LRU) or a power of two, 2..%u, "
                               "that divides %s.ways",
                               ML[i] + 7, g, m->ways, ML[i]);
        /* Host memory: 12 bytes per line. */
        if ((uint64_t)m->sets * m->ways > MMU_MEMLAT_MAX_LINES)
            return mmu_err_set(err, MMU_EINVAL,
                               "%s.ways=%u: sets x ways = %llu lines: must be <= %u", ML[i],
                               m->ways, (unsigned long long)m->sets * m->ways,
                               MMU_MEMLAT_MAX_LINES);
        if (m->latency < 1)
            return mmu_err_set(err, MMU_EINVAL, "%s.latency=0: must be >= 1", ML[i]);
        if (m->victim > 1)
            return mmu_err_set(err, MMU_EINVAL, "%s.victim=%u: must be 0 or 1", ML[i], m->victim);
        if (m->pair > 1)
            return mmu_err_set(err, MMU_EINVAL, "%s.pair=%u: must be 0 or 1", ML[i], m->pair);
        /* A victim level is filled from the level above it. */
        bool above = false;
        for (int j = 0; j < i; j++)
            above |= cfg->memlat[j].sets != 0;
        if (m->victim && !above)
            return mmu_err_set(err, MMU_EINVAL,
                               "%s.victim=1: needs a cache level above it to take victims from",
                               ML[i]);
    }
    if (cfg->memlat_line < 8 || cfg->memlat_line > MMU_MEMLAT_MAX_LINE ||
        (cfg->memlat_line & (cfg->memlat_line - 1)))
        return mmu_err_set(err, MMU_EINVAL, "memlat.line=%u: must be a power of two, 8..%u",
                           cfg->memlat_line, MMU_MEMLAT_MAX_LINE);
    if (!cfg->memlat_cb && cfg->dram_latency < 1)
        return mmu_err_set(err, MMU_EINVAL, "memlat.dram_latency=0: must be >= 1");
    if (cfg->fault_rewalk > 1)
        return mmu_err_set(err, MMU_EINVAL, "fault_rewalk=%u: must be 0 or 1", cfg->fault_rewalk);
    /* 100 GHz: a bound that keeps cycle <-> ns arithmetic far from overflow,
     * not a statement about hardware. */
    if (cfg->frequency_mhz > 100000)
        return mmu_err_set(err, MMU_EINVAL, "frequency_mhz=%u: must be 0 (not set) or 1..100000",
                           cfg->frequency_mhz);
    if (cfg->walk_skip_l1 > 1)
        return mmu_err_set(err, MMU_EINVAL, "memlat.walk_skip_l1=%u: must be 0 or 1",
                           cfg->walk_skip_l1);
    if (cfg->data_lines > 1)
        return mmu_err_set(err, MMU_EINVAL, "memlat.data_lines=%u: must be 0 or 1", cfg->data_lines);
    /* A group is read from one 64-byte line of 8 PTEs. */
    if (cfg->coalesce > 8 || (cfg->coalesce & (cfg->coalesce - 1)))
        return mmu_err_set(err, MMU_EINVAL, "coalesce=%u: must be 0, 1, 2, 4 or 8", cfg->coalesce);
    return 0;
}
