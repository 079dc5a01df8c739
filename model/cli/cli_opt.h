/* SPDX-License-Identifier: Apache-2.0 */
/* The command line of every `mmusim` subcommand: one table of options per
 * command, parsed by getopt_long, so `--opt=value` and `--opt value`, -h and
 * --help, and the wording of every error are the same everywhere. Adding an
 * option is one table entry: its name, kind, destination, range and help line.
 * Numbers are decimal digits only, range-checked, and every message names the
 * command and the option ("mmusim run: --gap 'x': not a number ..."). */
#ifndef MMU_CLI_OPT_H
#define MMU_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cli_kind {
    CLI_FLAG,    /* no value: *(bool *)dst = true */
    CLI_STR,     /* any non-empty text: *(const char **)dst (points into argv) */
    CLI_U64,     /* decimal digits in [min, max]: *(uint64_t *)dst */
    CLI_UINT,    /* decimal digits in [min, max]: *(unsigned *)dst */
    CLI_COUNT,   /* decimal digits, optionally with k, m or g (x 1000, 1e6, 1e9),
                    in [min, max]: *(uint64_t *)dst */
    CLI_CHOICE,  /* one of the '|'-separated words of `choices`: *(unsigned *)dst
                    = its index */
    CLI_SECONDS, /* digits with an optional fraction (2, 0.5), > 0 and <= max:
                    *(double *)dst */
} cli_kind_t;

typedef struct cli_opt {
    const char *name;    /* long name without "--"; NULL ends a table */
    cli_kind_t kind;
    void *dst;
    const char *arg;     /* the value's name in the help ("NAME", "CYCLES") */
    const char *help;    /* one line; "\n" starts a continuation line */
    uint64_t min, max;   /* numbers; max 0: the type's largest value */
    const char *choices; /* CLI_CHOICE: "4k|thp|1g|mixed" */
} cli_opt_t;

typedef struct cli_cmd {
    const char *name;     /* "run": every message starts "mmusim run: " */
    const char *synopsis; /* the usage line after "usage: mmusim NAME " */
    const char *about;    /* what the command does, before the options; may be NULL */
    const char *notes;    /* after the options (formats, exit status); may be NULL */
    const cli_opt_t *opts;
    const char *const *pos_names; /* positional arguments, in order ("IN", "OUT") */
    unsigned npos;        /* how many there may be */
    unsigned min_pos;     /* how many there must be */
    bool *seen;           /* NULL, or one flag per option: set when it was given */
} cli_cmd_t;

/* Parse argv[1..argc-1] (argv[0] is the command's name) against cmd's table:
 * each option stores its value through its dst, positional arguments go to
 * pos[0..npos-1] (NULL when absent; "-" is a positional, "--" ends the
 * options). An option may be given once; abbreviations are refused (an option
 * added later must not change what an old command line means).
 * Returns 0; 1 when -h/--help printed the usage on stdout (exit 0); 2 when an
 * error was printed on stderr (exit 2). */
int cli_parse(const cli_cmd_t *cmd, int argc, char **argv, const char **pos);

/* Whether option `name` (without "--") was given; needs cmd->seen. */
bool cli_given(const cli_cmd_t *cmd, const char *name);

/* Print cmd's usage: synopsis, about, one line per option, notes. */
void cli_usage(const cli_cmd_t *cmd, FILE *f);

/* "mmusim NAME: " + the formatted message + newline, on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decimal digits only (no sign, space or 0x), at most UINT64_MAX.
 * Returns 0, -1 when s is not digits, -2 when it is too large. */
int cli_u64(const char *s, uint64_t *v);

/* Digits with an optional binary suffix k, m, g or t (x 2^10 .. 2^40), either
 * case. Returns 0, -1 (not that form) or -2 (too large). */
int cli_size(const char *s, uint64_t *v);

/* Digits with an optional decimal suffix k, m or g (x 10^3 .. 10^9), either
 * case. Returns 0, -1 or -2 as cli_u64. */
int cli_count(const char *s, uint64_t *v);

#ifdef __cplusplus
}
#endif

#endif
