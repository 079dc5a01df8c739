/* SPDX-License-Identifier: Apache-2.0 */
/* Block devices behind swap and files: a service time per request and a
 * transfer bandwidth, with one FIFO queue, so a request waits for those ahead
 * of it and thrashing costs more than the sum of fixed latencies. zswap is
 * CPU work (compression on swap-out, decompression on swap-in) done by the
 * thread that asks for it, so it has no queue. Times are in nanoseconds and
 * become cycles through the core frequency. Not modelled hardware: the OS
 * side's estimate of I/O time; the MMU model never sees it. */
#ifndef MMU_WORKLOADS_OS_BLKDEV_H
#define MMU_WORKLOADS_OS_BLKDEV_H

#include <stdint.h>

#include "mmu/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mmu_blkdev_kind {
    MMU_BLKDEV_NVME = 0,  /* 10 us per request, 3000 MB/s */
    MMU_BLKDEV_SSD = 1,   /* SATA SSD: 100 us, 500 MB/s */
    MMU_BLKDEV_HDD = 2,   /* 8 ms (seek + rotation), 150 MB/s */
    MMU_BLKDEV_ZSWAP = 3, /* compressed RAM: decompress 2 us, compress 6 us, no queue */
    MMU_BLKDEV_KINDS = 4,
} mmu_blkdev_kind_t;

typedef struct mmu_blkdev_cfg {
    uint64_t read_ns, write_ns; /* service time of one request */
    uint64_t mb_per_s;          /* transfer rate (10^6 bytes/s); 0 = no transfer term */
    unsigned queued;            /* 1: one FIFO queue; 0: CPU work of the caller (zswap) */
} mmu_blkdev_cfg_t;

/* The parameters of a kind; MMU_EINVAL for an unknown kind. */
int mmu_blkdev_preset(unsigned kind, mmu_blkdev_cfg_t *cfg);
/* "nvme", "ssd", "hdd", "zswap"; NULL past the end. */
const char *mmu_blkdev_name(unsigned kind);
/* The kind called `name`, or -1. */
int mmu_blkdev_lookup(const char *name);

typedef struct mmu_blkdev {
    mmu_blkdev_cfg_t cfg;
    unsigned freq_mhz;
    mmu_cycle_t busy_until;      /* end of the last queued request */
    uint64_t reads, writes;      /* requests */
    uint64_t pages_read, pages_written;
    uint64_t queue_cycles;       /* cycles requests waited behind others */
    uint64_t busy_cycles;        /* cycles the device spent serving */
} mmu_blkdev_t;

/* A device of configuration cfg at freq_mhz (> 0), idle, counters zero. */
void mmu_blkdev_init(mmu_blkdev_t *d, const mmu_blkdev_cfg_t *cfg, unsigned freq_mhz);
/* Submit one request of `pages` 4 KiB pages at cycle `now`; returns the cycle
 * it completes: start (now, or the end of the request ahead of it) + service
 * time + pages * 4096 / bandwidth. */
mmu_cycle_t mmu_blkdev_submit(mmu_blkdev_t *d, mmu_cycle_t now, uint64_t pages, int write);
/* ns -> cycles at freq_mhz, rounded up. */
mmu_cycle_t mmu_ns_to_cycles(uint64_t ns, unsigned freq_mhz);

#ifdef __cplusplus
}
#endif

#endif /* MMU_WORKLOADS_OS_BLKDEV_H */
