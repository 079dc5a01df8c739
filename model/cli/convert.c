/* `mmusim convert [--format F] [--to native|text] [--prepend FILE] IN OUT`:
 * reads a trace in any format (detected unless --format says) and writes it as
 * a native binary or text trace, streaming, in constant memory; with
 * --prepend, the records of FILE (any format, detected) go first (e.g. the
 * MAP records of a program's mappings before its lackey trace). A malformed
 * input record stops the conversion with its position; the records before it
 * are written. */
#include "convert.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"

static void usage(FILE *f)
{
    fputs("usage: mmusim convert [--format native|text|lackey|champsim] [--to native|text]\n"
          "                      [--prepend FILE] IN OUT\n"
          "  IN may be .xz/.gz compressed (detected); '-' is stdin/stdout.\n"
          "  --prepend FILE: FILE's records (any format, detected) first, then IN's.\n"
          "  Exit 0, or 2 on bad input (the records before the bad one are written).\n",
          f);
}

int convert_main(int argc, char **argv)
{
    const char *format = NULL, *to = "native", *in = NULL, *out = NULL, *pre = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--format") && i + 1 < argc) {
            format = argv[++i];
        } else if (!strcmp(a, "--prepend") && i + 1 < argc) {
            pre = argv[++i];
        } else if (!strcmp(a, "--to") && i + 1 < argc) {
            to = argv[++i];
            if (strcmp(to, "native") && strcmp(to, "text")) {
                fprintf(stderr, "mmusim convert: --to %s: must be native or text\n", to);
                return 2;
            }
        } else if ((a[0] != '-' || !strcmp(a, "-")) && !in) {
            in = a;
        } else if ((a[0] != '-' || !strcmp(a, "-")) && !out) {
            out = a;
        } else {
            fprintf(stderr, "mmusim convert: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!in || !out) {
        usage(stderr);
        return 2;
    }
    char msg[512];
    mmu_trace_reader_t *r = NULL;
    mmu_trace_writer_t *w = NULL;
    if (mmu_trace_open(in, format, &r, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    if (mmu_trace_writer_open(out, to, &w, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        mmu_trace_close(r);
        return 2;
    }
    mmu_trec_t rec;
    int n, rc = 0;
    uint64_t pre_records = 0;
    if (pre) {
        mmu_trace_reader_t *pr = NULL;
        if (mmu_trace_open(pre, NULL, &pr, msg, sizeof msg)) {
            fprintf(stderr, "%s\n", msg);
            rc = 2;
        }
        while (!rc && (n = mmu_trace_next(pr, &rec)) > 0)
            if (mmu_trace_write(w, &rec)) {
                fprintf(stderr, "%s: record %" PRIu64 " of %s: %s\n", out, mmu_trace_records(pr),
                        pre, mmu_trace_writer_error(w));
                rc = 2;
            }
        if (!rc && n < 0) {
            fprintf(stderr, "%s\n", mmu_trace_error(pr));
            rc = 2;
        }
        pre_records = pr ? mmu_trace_records(pr) : 0;
        mmu_trace_close(pr);
    }
    while (!rc && (n = mmu_trace_next(r, &rec)) > 0) {
        if (mmu_trace_write(w, &rec)) {
            fprintf(stderr, "%s: record %" PRIu64 ": %s\n", out, mmu_trace_records(r),
                    mmu_trace_writer_error(w));
            rc = 2;
            break;
        }
    }
    if (!rc && n < 0) {
        fprintf(stderr, "%s\n", mmu_trace_error(r));
        rc = 2;
    }
    const uint64_t records = mmu_trace_records(r);
    if (mmu_trace_writer_close(w, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        rc = 2;
    }
    if (pre)
        fprintf(stderr, "convert: %" PRIu64 " records from %s, then", pre_records, pre);
    fprintf(stderr, "%s%" PRIu64 " records from %s (%s) to %s (%s)\n", pre ? " " : "convert: ",
            records, in, mmu_trace_format(r), out, to);
    mmu_trace_close(r);
    return rc;
}
