/* SPDX-License-Identifier: Apache-2.0 */
/* The `mmusim check` scenario format: parsed whole before anything runs, so
 * malformed input is reported (file:line: what) with nothing half-run. */
#ifndef MMU_CLI_SCENARIO_H
#define MMU_CLI_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu.h"

typedef enum scn_op_kind {
    SCN_ACCESS,  /* translate */
    SCN_CTRL,    /* a ctl line: write the registers whose value it changes */
    SCN_CR3,     /* a cr3 line: MOV to CR3 (val, bit 63 = no-flush with PCIDE) */
    SCN_WRITE,   /* software stores a word between accesses, invalidating nothing */
    SCN_INVLPG,  /* INVLPG la */
    SCN_INVPCID, /* INVPCID type (val), pcid, la */
} scn_op_kind_t;

typedef struct scn_op {
    scn_op_kind_t kind;
    int line;
    int64_t id;     /* SCN_ACCESS */
    mmu_req_t req;  /* SCN_ACCESS */
    mmu_ctrl_t ctrl; /* SCN_CTRL, SCN_CR3: the whole state after this line */
    uint64_t pa, val; /* SCN_WRITE; val also SCN_CR3 and SCN_INVPCID (type) */
    uint16_t pcid;    /* SCN_INVPCID */
} scn_op_t;

typedef struct scn_word {
    uint64_t pa, val;
    int line;
} scn_word_t;

typedef struct scenario {
    char *name;
    int line;
    unsigned levels, maxphyaddr;
    int levels_line, maxphyaddr_line;
    mmu_ctrl_t ctrl0; /* state before the first op */
    int cr3_line;     /* line that set ctrl0.cr3 */
    scn_word_t *mem;
    size_t nmem, capmem;
    scn_op_t *ops;
    size_t nops, capops;
    size_t naccess;
} scenario_t;

typedef struct scn_file {
    scenario_t *s;
    size_t n, cap;
} scn_file_t;

/* Parse `path` ("-" = stdin, shown as <stdin>). On error returns -1 and writes
 * "path:line: what" into msg. */
int scn_parse(FILE *in, const char *path, scn_file_t *out, char *msg, size_t msglen);
void scn_free(scn_file_t *f);

/* The same, streaming: each scenario, once parsed and checked, is handed to
 * fn and freed when fn returns, so only one is in memory. fn returns 0 to go
 * on; anything else stops the parse and is returned. A malformed line stops
 * it with -1 and "path:line: what" in msg, after the scenarios before it were
 * handed over. */
int scn_parse_each(FILE *in, const char *path, int (*fn)(void *ctx, scenario_t *s), void *ctx,
                   char *msg, size_t msglen);

/* The longest line a scenario (or golden) file may hold, in bytes, not
 * counting its end ("\n" or "\r\n"). */
#define SCN_LINE_MAX 4096

/* Shared by the golden-file reader. */
/* Read line `lineno` of in into buf (SCN_LINE_MAX + 2 bytes), without its end,
 * NUL-terminated. Returns 1, 0 at the end of the file, or -1 with
 * "path:lineno: what" in msg: a line longer than SCN_LINE_MAX (judged before
 * its bytes, whatever they are), a NUL byte (binary data), a read error. */
int scn_getline(FILE *in, char *buf, const char *path, int lineno, char *msg, size_t msglen);
int scn_tokenize(char *line, char **tok, int max);
/* Decimal or 0x-hex digits and nothing else (no blank, no sign), < 2^64:
 * 0, or -1 if s is not such a number. */
int scn_u64(const char *s, uint64_t *v);
/* An optional '-' and then scn_u64 digits, within int64_t. */
int scn_i64(const char *s, int64_t *v);

#endif
