/* SPDX-License-Identifier: Apache-2.0 */
/* Sweep specs (`mmusim sweep`): a config file in which any value may be a set
 * of alternatives, `a|b|c`, or a range, `256..8192*2` (x2 steps) or `1..4`
 * (+1 steps; `+k` and `*k` give other steps), plus a [sweep] section for what
 * is not a config key (presets, workloads, policies, accesses, warmup, seed,
 * batch, traces). Every config value is checked by the core's own key table
 * (sw_check_key, on mmu_config_keys_*), and a point's configuration is the
 * spec text with each key's chosen alternative, loaded by the config-file
 * library itself (mmu_config_load_string): nothing here knows a key, and
 * messages point at the spec's own lines. */
#ifndef MMU_CLI_SWEEP_SPEC_H
#define MMU_CLI_SWEEP_SPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu_config.h"
#include "synth.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_MAX_KEYS 256      /* keys of a spec */
#define SW_MAX_ALTS 4096     /* alternatives of one key */
#define SW_MAX_POINTS 1000000 /* presets x the product of the alternatives */

/* One key of a config section and its alternatives (one when not varied). */
typedef struct sw_key {
    char sec[48], key[48];
    int line;
    unsigned nalt;
    char **alt;
} sw_key_t;

typedef struct sw_wl {
    char label[160]; /* as the spec gives it */
    int line;
    bool trace;
    char path[PATH_MAX]; /* traces: the file */
} sw_wl_t;

typedef struct sw_spec {
    char path[PATH_MAX];
    char **lines; /* the spec's lines, without their line ends */
    unsigned nlines;
    int *keyof;    /* per line: index into keys, -1 (kept as is), -2 (blanked: [sweep]) */
    sw_key_t *keys;
    unsigned nkeys;
    char **presets;
    unsigned npresets;
    sw_wl_t *wl;
    unsigned nwl;
    unsigned pol[4], npol; /* mmu_policy_t values, in the spec's order */
    uint64_t accesses;     /* measured accesses per run; 0: the workload's own */
    uint64_t warmup;
    uint64_t seed;
    bool has_seed;
    unsigned batch;        /* points per batch */
    bool stack;            /* stack_distance = yes: one stack-distance pass (sweep_stack.h) */
    int stack_line;
    uint64_t npoints;
    uint64_t hash;         /* FNV-1a of the spec text and each trace's size */
} sw_spec_t;

/* Split a value into its alternatives: `|`-separated items, each a value or a
 * range LO..HI (+1 steps), LO..HI+S or LO..HI*F. Returns 0, or -1 with why. */
/* Check one value alone, as its line is read: the section and key exist and
 * the value has the key's type and range (nothing that depends on other keys:
 * those are checked when a point's whole configuration loads). key NULL checks
 * the section only. Returns 0, or -1 with "[section] key=value: what is wrong"
 * (or "unknown section/key ...") in why. Every alternative of a spec goes
 * through it before anything runs. */
int sw_check_key(const char *section, const char *key, const char *value, char *why, size_t len);

int sw_expand(const char *v, char ***alt, unsigned *n, char *why, size_t len);
void sw_free_alts(char **alt, unsigned n);

/* Read and check a spec: every section, key, alternative, preset and workload
 * (traces are opened). traces_dir is where bare trace names are looked up.
 * Returns 0, or 2 with "path:line: what is wrong" in msg. */
int sw_spec_load(const char *path, const char *traces_dir, sw_spec_t *s, char *msg, size_t len);
void sw_spec_free(sw_spec_t *s);

/* Point p (0 <= p < npoints): its preset index and the alternative of each key
 * (choice[nkeys]); preset varies slowest, the last key fastest. */
void sw_point_choice(const sw_spec_t *s, uint64_t p, unsigned *preset, unsigned *choice);

/* The configuration of point p: the preset, then the spec's text with each
 * key's chosen alternative, through the config loader. Returns 0, or -1 with
 * the loader's "path:line: ..." message (the point is impossible). */
int sw_point_config(const sw_spec_t *s, uint64_t p, mmu_config_t *cfg, char *why, size_t len);

/* "l2.4k2m.entries": the column of key k. */
void sw_key_column(const sw_key_t *k, char *buf, size_t len);

/* The synthetic stream of workload w under policy pol (4k, thp, 1g: its page
 * size), with [sweep] accesses, warmup and seed applied. Returns 0, or -1 with
 * why (mixed, which needs demand paging; a bad spec). */
int sw_synth_cfg(const sw_spec_t *s, const sw_wl_t *w, unsigned pol, mmu_synth_cfg_t *cfg,
                 char *why, size_t len);

extern const char *const SW_POLICY_NAME[4];

#ifdef __cplusplus
}
#endif

#endif
