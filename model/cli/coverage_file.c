/* SPDX-License-Identifier: Apache-2.0 */
/* Functional-coverage files: see coverage_file.h. */
#include "coverage_file.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_out.h"

#define COVFILE_FORMAT "mmusim-coverage"
#define COVFILE_VERSION 1

static int fail(char *msg, size_t len, const char *path, const char *what)
{
    snprintf(msg, len, "%s: %s", path, what);
    return -1;
}

int covfile_write(const mmu_cov_t *cov, const char *path, char *msg, size_t len)
{
    char id[20], name[MMU_COV_NAME_MAX];
    snprintf(id, sizeof id, "%016" PRIx64, mmu_cov_list_id());
    json_t *doc = json_object(), *counts = json_object();
    json_object_set_new(doc, "format", json_string(COVFILE_FORMAT));
    json_object_set_new(doc, "version", json_integer(COVFILE_VERSION));
    json_object_set_new(doc, "bin_list", json_string(id));
    json_object_set_new(doc, "bins", json_integer(mmu_cov_bins()));
    for (unsigned i = 0; i < mmu_cov_bins(); i++) {
        const uint64_t n = mmu_cov_count(cov, i);
        if (!n)
            continue;
        mmu_cov_bin_name(i, name, sizeof name);
        /* Counts past 2^63 (never in practice) saturate rather than turn
         * into an inexact real. */
        json_object_set_new(counts, name, json_integer(n > INT64_MAX ? INT64_MAX : (json_int_t)n));
    }
    json_object_set_new(doc, "counts", counts);
    cli_out_t o;
    if (cli_out_open(&o, path, msg, len)) {
        json_decref(doc);
        return -1;
    }
    /* One bin per line: files diff and grep well. */
    const int rc = json_dumpf(doc, o.f, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc || fputc('\n', o.f) == EOF) {
        cli_out_abort(&o);
        return fail(msg, len, path, "write error");
    }
    return cli_out_commit(&o, msg, len);
}

int covfile_add(mmu_cov_t *cov, const char *path, char *msg, size_t len)
{
    json_error_t e;
    json_t *doc = !strcmp(path, "-") ? json_loadf(stdin, 0, &e) : json_load_file(path, 0, &e);
    char what[512];
    if (!doc) {
        if (e.line > 0)
            snprintf(msg, len, "%s:%d: not valid JSON: %s", path, e.line, e.text);
        else
            snprintf(msg, len, "%s: %s", path, e.text);
        return -1;
    }
    int rc = -1;
    const json_t *fmt = json_object_get(doc, "format"), *ver = json_object_get(doc, "version"),
                 *id = json_object_get(doc, "bin_list"), *bins = json_object_get(doc, "bins"),
                 *counts = json_object_get(doc, "counts");
    char want[20];
    snprintf(want, sizeof want, "%016" PRIx64, mmu_cov_list_id());
    if (!json_is_object(doc) || !json_is_string(fmt) || strcmp(json_string_value(fmt), COVFILE_FORMAT)) {
        fail(msg, len, path, "not a coverage file (no \"format\": \"" COVFILE_FORMAT "\")");
    } else if (!json_is_integer(ver) || json_integer_value(ver) != COVFILE_VERSION) {
        fail(msg, len, path, "unsupported coverage file version (this mmusim reads version 1)");
    } else if (!json_is_string(id) || !json_is_integer(bins) || !json_is_object(counts)) {
        fail(msg, len, path, "coverage file without \"bin_list\", \"bins\" or \"counts\"");
    } else if (strcmp(json_string_value(id), want) ||
               json_integer_value(bins) != (json_int_t)mmu_cov_bins()) {
        snprintf(what, sizeof what,
                 "made from a different bin list (bin_list %.20s, %" JSON_INTEGER_FORMAT
                 " bins; this mmusim has %s, %u bins)",
                 json_string_value(id), json_integer_value(bins), want, mmu_cov_bins());
        fail(msg, len, path, what);
    } else {
        /* Check every entry before adding any, so a bad file changes nothing. */
        const char *key;
        const json_t *v;
        rc = 0;
        json_object_foreach((json_t *)counts, key, v)
        {
            if (mmu_cov_bin_find(key) < 0) {
                snprintf(what, sizeof what, "counts: unknown bin \"%.80s\"", key);
                rc = fail(msg, len, path, what);
                break;
            }
            if (!json_is_integer(v) || json_integer_value(v) < 0) {
                snprintf(what, sizeof what, "counts: \"%.80s\": not a count (an integer >= 0)", key);
                rc = fail(msg, len, path, what);
                break;
            }
        }
        if (!rc)
            json_object_foreach((json_t *)counts, key, v)
            {
                const unsigned i = (unsigned)mmu_cov_bin_find(key);
                const uint64_t a = mmu_cov_count(cov, i), b = (uint64_t)json_integer_value(v);
                mmu_cov_set_count(cov, i, a + b < a ? UINT64_MAX : a + b);
            }
    }
    json_decref(doc);
    return rc;
}

int covfile_start(mmu_t *mmu, const char *path, mmu_cov_t **cov, char *msg, size_t len)
{
    mmu_err_t err = {0, ""};
    *cov = NULL;
    if (!path)
        return 0;
    if (mmu_cov_create(cov, &err) || mmu_cov_attach(mmu, *cov, &err)) {
        snprintf(msg, len, "--coverage: %s", err.msg);
        mmu_cov_destroy(*cov);
        *cov = NULL;
        return -1;
    }
    return 0;
}

int covfile_finish(mmu_t *mmu, mmu_cov_t *cov, const char *path, char *msg, size_t len)
{
    if (!cov)
        return 0;
    if (mmu)
        mmu_cov_attach(mmu, NULL, NULL);
    const int rc = covfile_write(cov, path, msg, len);
    mmu_cov_destroy(cov);
    return rc;
}
