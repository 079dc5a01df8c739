/* SPDX-License-Identifier: Apache-2.0 */
/* The OS side of `mmusim run --trace` and `mmusim vm-study`: the command-line
 * options of memory pressure (--mem, --swap, --reclaim, ...) into an
 * mmu_aspace_cfg_t, OPT's offline pass over a trace, and the report of the OS
 * counters (table, JSON, series CSV). CLI code: the OS model itself is
 * workloads/os/. */
#ifndef MMU_CLI_OSRUN_H
#define MMU_CLI_OSRUN_H

#include <stdint.h>
#include <stdio.h>

#include "aspace.h"
#include "repl.h"

typedef struct osrun_opts {
    int mem_set;            /* --mem given */
    int pressure_opts;      /* options that need --mem, seen (for the message) */
    const char *first_pressure_opt;
    const char *series_csv; /* --series-csv FILE */
    int series_set;
    int outside_set;
    unsigned freq_from_cfg; /* the configuration's core frequency (0: none) */
} osrun_opts_t;

/* Defaults of the OS options into *ac (mmu_aspace_cfg_init already done). */
void osrun_defaults(mmu_aspace_cfg_t *ac);
/* If argv[*i] is an OS option, consume it (and its value) and return 1; 0
 * when it is not one; 2 after printing "CMD: what is wrong" on stderr. */
int osrun_parse(const char *cmd, int argc, char **argv, int *i, osrun_opts_t *o,
                mmu_aspace_cfg_t *ac);
/* After parsing: checks that need every option (exit 2 after a message), and
 * the core frequency (the configuration's when it has one, else 4000 MHz). */
int osrun_finish(const char *cmd, osrun_opts_t *o, mmu_aspace_cfg_t *ac, unsigned cfg_freq_mhz);
/* Usage lines of the OS options. */
void osrun_usage(FILE *f);

/* OPT's offline pass: the page of every ACCESS record of the trace (the first
 * max ones; 0 = all). Returns 0, or 2 with the message in msg. */
int osrun_future(const char *trace, const char *format, uint64_t max, mmu_repl_future_t **out,
                 char *msg, size_t len);

/* The OS part of the report. st: the OS counters of the measured part (warm-up
 * subtracted), counted: the accesses in it. */
void osrun_report(FILE *f, const mmu_aspace_t *as, const mmu_aspace_cfg_t *ac,
                  const osrun_opts_t *o, const mmu_aspace_stats_t *st, uint64_t counted,
                  uint64_t cycles);
/* The same as JSON members ("memory": {...}, "processes": [...], "events":
 * [...], "series": [...]), each followed by ",\n". */
void osrun_json(FILE *f, const mmu_aspace_t *as, const mmu_aspace_cfg_t *ac,
                const osrun_opts_t *o);
/* The series as CSV into path (written to a temporary file, then renamed).
 * Returns 0 or 2 after a message. */
int osrun_series_csv(const char *cmd, const char *path, const mmu_aspace_t *as);

/* "4 KiB"-style byte counts and sizes with binary suffixes (k m g t, optional
 * "iB"/"B"): 0 or -1. */
int osrun_size(const char *s, uint64_t *v);

#endif
