/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim convert [--format F] [--to native|text] [--prepend FILE] IN OUT`:
 * reads a trace in any format (detected unless --format says) and writes it as
 * a native binary or text trace, streaming, in constant memory; with
 * --prepend, the records of FILE (any format, detected) go first (e.g. the
 * MAP records of a program's mappings before its lackey trace). A malformed
 * input record stops the conversion with its position; the records before it
 * are written. OUT is written to a temporary file renamed on success, and OUT
 * may not be IN or FILE: the input is never truncated, whatever path, hard
 * link or symbolic link names it. */
#include "convert.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_opt.h"
#include "cli_out.h"
#include "trace.h"

static const char *const FORMATS[] = {"native", "text", "lackey", "champsim"};

int convert_main(int argc, char **argv)
{
    unsigned format = 4, to = 0; /* 4: detect */
    const char *pre = NULL;
    const cli_opt_t opts[] = {
        {"format", CLI_CHOICE, &format, "F", "IN's format (default: detected)", .choices =
         "native|text|lackey|champsim"},
        {"to", CLI_CHOICE, &to, "F", "OUT's format: native (default) or text", .choices =
         "native|text"},
        {"prepend", CLI_STR, &pre, "FILE",
         "FILE's records (any format, detected) first, then IN's", 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, NULL, NULL, 0, 0, NULL},
    };
    static const char *const POS[] = {"IN", "OUT"};
    const cli_cmd_t cmd = {
        .name = "convert",
        .synopsis = "[--format F] [--to native|text] [--prepend FILE] IN OUT",
        .about = "Converts a trace (native, text, valgrind lackey or ChampSim) to a native or\n"
        "text trace, streaming in constant memory.\n",
        .notes = "IN may be .xz/.gz compressed (detected); '-' is stdin (IN) or stdout (OUT).\n"
        "OUT is written to a temporary file beside it and renamed when complete; OUT\n"
        "may not be IN (same file by any path). Exit 0, or 2 on bad input (the records\n"
        "before the bad one are written).\n",
        .opts = opts,
        .pos_names = POS,
        .npos = 2,
        .min_pos = 2};
    const char *pos[2];
    int rc = cli_parse(&cmd, argc, argv, pos);
    if (rc)
        return rc == 1 ? 0 : 2;
    const char *in = pos[0], *out = pos[1];
    if (cli_same_file(in, out) || (pre && cli_same_file(pre, out))) {
        cli_error("convert", "%s and %s are the same file; writing one would destroy the other",
                  pre && cli_same_file(pre, out) ? pre : in, out);
        return 2;
    }
    char msg[512];
    mmu_trace_reader_t *r = NULL;
    mmu_trace_writer_t *w = NULL;
    cli_out_t of;
    if (mmu_trace_open(in, format < 4 ? FORMATS[format] : NULL, &r, msg, sizeof msg)) {
        cli_error("convert", "%s", msg);
        return 2;
    }
    if (cli_out_open(&of, out, msg, sizeof msg) ||
        mmu_trace_writer_fopen(of.f, out, FORMATS[to], &w, msg, sizeof msg)) {
        cli_error("convert", "%s", msg);
        cli_out_abort(&of);
        mmu_trace_close(r);
        return 2;
    }
    mmu_trec_t rec;
    int n = 0;
    bool bad_in = false, bad_out = false;
    uint64_t pre_records = 0;
    if (pre) {
        mmu_trace_reader_t *pr = NULL;
        if (mmu_trace_open(pre, NULL, &pr, msg, sizeof msg)) {
            cli_error("convert", "%s", msg);
            bad_in = true;
        }
        while (!bad_in && !bad_out && (n = mmu_trace_next(pr, &rec)) > 0)
            if (mmu_trace_write(w, &rec)) {
                cli_error("convert", "%s (record %" PRIu64 " of %s)", mmu_trace_writer_error(w),
                          mmu_trace_records(pr), pre);
                bad_out = true;
            }
        if (!bad_in && !bad_out && n < 0) {
            cli_error("convert", "%s", mmu_trace_error(pr));
            bad_in = true;
        }
        pre_records = pr ? mmu_trace_records(pr) : 0;
        mmu_trace_close(pr);
    }
    while (!bad_in && !bad_out && (n = mmu_trace_next(r, &rec)) > 0) {
        if (mmu_trace_write(w, &rec)) {
            cli_error("convert", "%s (input record %" PRIu64 ")", mmu_trace_writer_error(w),
                      mmu_trace_records(r));
            bad_out = true;
            break;
        }
    }
    if (!bad_in && !bad_out && n < 0) {
        cli_error("convert", "%s", mmu_trace_error(r));
        bad_in = true;
    }
    const uint64_t records = mmu_trace_records(r);
    if (mmu_trace_writer_close(w, msg, sizeof msg)) {
        cli_error("convert", "%s", msg);
        bad_out = true;
    }
    /* A bad input record still leaves the records before it in OUT, as
     * promised; a failed write leaves OUT as it was. */
    if (bad_out)
        cli_out_abort(&of);
    else if (cli_out_commit(&of, msg, sizeof msg)) {
        cli_error("convert", "%s", msg);
        bad_out = true;
    }
    if (!bad_out && pre)
        fprintf(stderr, "convert: %" PRIu64 " records from %s, then", pre_records, pre);
    if (!bad_out)
        fprintf(stderr, "%s%" PRIu64 " records from %s (%s) to %s (%s)\n", pre ? " " : "convert: ",
                records, in, mmu_trace_format(r), out, FORMATS[to]);
    mmu_trace_close(r);
    return bad_in || bad_out ? 2 : 0;
}
