/* SPDX-License-Identifier: Apache-2.0 */
/* Block devices (blkdev.h): one server, first come first served. The presets
 * are round numbers for the device classes the issue names, not measurements
 * of a particular device; set the fields for your own. */
#include "blkdev.h"

#include <string.h>

static const char *const NAMES[MMU_BLKDEV_KINDS] = {"nvme", "ssd", "hdd", "zswap"};

int mmu_blkdev_preset(unsigned kind, mmu_blkdev_cfg_t *cfg)
{
    static const mmu_blkdev_cfg_t P[MMU_BLKDEV_KINDS] = {
        {10000, 10000, 3000, 1},
        {100000, 100000, 500, 1},
        {8000000, 8000000, 150, 1},
        {2000, 6000, 0, 0},
    };
    if (kind >= MMU_BLKDEV_KINDS)
        return MMU_EINVAL;
    *cfg = P[kind];
    return 0;
}

const char *mmu_blkdev_name(unsigned kind)
{
    return kind < MMU_BLKDEV_KINDS ? NAMES[kind] : NULL;
}

int mmu_blkdev_lookup(const char *name)
{
    for (int i = 0; i < MMU_BLKDEV_KINDS; i++)
        if (!strcmp(name, NAMES[i]))
            return i;
    return -1;
}

mmu_cycle_t mmu_ns_to_cycles(uint64_t ns, unsigned freq_mhz)
{
    return (ns * freq_mhz + 999) / 1000;
}

void mmu_blkdev_init(mmu_blkdev_t *d, const mmu_blkdev_cfg_t *cfg, unsigned freq_mhz)
{
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->freq_mhz = freq_mhz;
}

mmu_cycle_t mmu_blkdev_submit(mmu_blkdev_t *d, mmu_cycle_t now, uint64_t pages, int write)
{
    uint64_t ns = write ? d->cfg.write_ns : d->cfg.read_ns;
    if (d->cfg.mb_per_s)
        ns += pages * 4096 * 1000 / d->cfg.mb_per_s;
    mmu_cycle_t service = mmu_ns_to_cycles(ns, d->freq_mhz);
    mmu_cycle_t start = now;
    if (d->cfg.queued && d->busy_until > now) {
        start = d->busy_until;
        d->queue_cycles += start - now;
    }
    mmu_cycle_t done = start + service;
    if (d->cfg.queued)
        d->busy_until = done;
    d->busy_cycles += service;
    if (write) {
        d->writes++;
        d->pages_written += pages;
    } else {
        d->reads++;
        d->pages_read += pages;
    }
    return done;
}
