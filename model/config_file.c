/* SPDX-License-Identifier: Apache-2.0 */
/* Config files: INI text -> mmu_config_t, through the inih library. The
 * loader library (libmmusim-config): it reads lines and hands sections and
 * keys to the core's key table (mmu_config_keys_*, model/config_keys.c), which
 * knows what every key means and checks it; the library core never reads
 * files (STYLE 3). Every error names file, line, section and key.
 *
 * Format (inih): `[section]` headers, `key = value` lines, comments are lines
 * starting with '#' or ';', or ` ; text` after a value. Leading blanks are
 * ignored. The keys: README.md "Config files" and config_keys.c. */
#define _POSIX_C_SOURCE 200809L /* fmemopen, getc_unlocked */

#include "mmu/mmu_config_file.h"

#include <errno.h>
#include <stdint.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LINE_BUF = 4096 };

typedef struct ctx {
    const char *name;
    mmu_config_keys_t *keys;

    /* input */
    const char *str;
    FILE *fp;
    char buf[LINE_BUF];
    int line; /* physical line last handed to inih */

    /* first error: the loader's own (err_line > 0, text in err) or the key
     * table's (message already located, in kerr) */
    bool failed;
    int err_line;
    char err[512];
    mmu_err_t kerr;
    int syn_line; /* first line that inih will reject, and why */
    const char *syn_msg;
} ctx_t;

static void fail(ctx_t *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(ctx_t *c, int line, const char *fmt, ...)
{
    if (c->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char what[400];
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, sizeof c->err, "%s:%d: %s", c->name, line, what);
    c->failed = true;
    c->err_line = line;
}

/* The key table refused something at the current line. */
static void key_failed(ctx_t *c)
{
    if (c->failed)
        return;
    snprintf(c->err, sizeof c->err, "%s", c->kerr.msg);
    c->failed = true;
    c->err_line = c->line;
}

static void section_seen(ctx_t *c, const char *name)
{
    if (mmu_config_keys_section(c->keys, (unsigned)c->line, name, &c->kerr))
        key_failed(c);
}

/* err is optional, as everywhere in the API. */
static int set_err(mmu_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_err(mmu_err_t *err, int code, const char *fmt, ...)
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

/* Read one physical line for inih. Leading blanks are dropped, so an indented
 * key is a key and never an inih continuation line. A line is checked whole
 * before inih sees it: longer than inih's buffer allows (num - 3 bytes of
 * text, besides "\r\n" and the NUL) or holding a NUL byte, which inih would
 * take for the end of the line, is an error at that line. */
static char *reader(char *str, int num, void *stream)
{
    ctx_t *c = stream;
    if (c->failed)
        return NULL;
    bool toolong = false;
    size_t len = 0; /* bytes of the line in c->buf, its "\n" included */
    if (c->str) {
        if (!*c->str)
            return NULL;
        len = strcspn(c->str, "\n");
        if (c->str[len] == '\n')
            len++;
        const size_t n = len < sizeof c->buf - 1 ? len : sizeof c->buf - 1;
        toolong = n < len;
        memcpy(c->buf, c->str, n);
        c->str += len;
        len = n;
    } else {
        int ch;
        bool any = false;
        while ((ch = getc_unlocked(c->fp)) != EOF) {
            any = true;
            if (len == sizeof c->buf - 1) {
                toolong = true;
                break;
            }
            c->buf[len++] = (char)ch;
            if (ch == '\n')
                break;
        }
        if (!any)
            return NULL;
    }
    c->buf[len] = '\0';
    c->line++;
    size_t text = len;
    if (text && c->buf[text - 1] == '\n')
        text--;
    if (text && c->buf[text - 1] == '\r')
        text--;
    if (toolong || num < 4 || text > (size_t)num - 3) {
        fail(c, c->line, "line longer than %d bytes", num < 4 ? 0 : num - 3);
        return NULL;
    }
    const char *nul = memchr(c->buf, '\0', text);
    if (nul) {
        fail(c, c->line, "NUL byte in column %zu (binary data in a text file)",
             (size_t)(nul - c->buf) + 1);
        return NULL;
    }
    char *s = c->buf;
    while (*s == ' ' || *s == '\t')
        s++;
    len -= (size_t)(s - c->buf);
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end) {
            if (!c->syn_line) {
                c->syn_line = c->line;
                c->syn_msg = "section header without ']'";
            }
        } else {
            const char *rest = end + 1 + strspn(end + 1, " \t\r\n");
            if (*rest && *rest != ';' && *rest != '#') {
                fail(c, c->line, "text after the section header: '%.*s'",
                     (int)strcspn(rest, "\r\n"), rest);
                return NULL;
            }
            char name[128];
            size_t n = (size_t)(end - s - 1);
            if (n >= sizeof name)
                n = sizeof name - 1;
            memcpy(name, s + 1, n);
            name[n] = '\0';
            section_seen(c, name);
            if (c->failed)
                return NULL;
        }
    } else if (*s && *s != '#' && *s != ';' && *s != '\r' && *s != '\n' && !strpbrk(s, "=:")) {
        if (!c->syn_line) {
            c->syn_line = c->line;
            c->syn_msg = "expected 'key = value' or '[section]'";
        }
    }
    memcpy(str, s, len + 1);
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    ctx_t *c = user;
    if (c->failed)
        return 0;
    if (mmu_config_keys_set(c->keys, (unsigned)c->line, section, name, value, &c->kerr)) {
        key_failed(c);
        return 0;
    }
    return 1;
}

static int load(ctx_t *c, const char *text, FILE *fp, const char *name, mmu_config_t *cfg,
                mmu_err_t *err)
{
    c->name = name;
    c->str = text;
    c->fp = fp;
    int rc = mmu_config_keys_begin(cfg, name, &c->keys, err);
    if (rc)
        return rc;
    int r = ini_parse_stream(reader, c, handler, c);
    if (r == -2)
        rc = set_err(err, MMU_ENOMEM, "%s: out of memory", name);
    else if (r > 0 && (!c->failed || r < c->err_line))
        rc = set_err(err, MMU_EINVAL, "%s:%d: %s", name, r,
                                r == c->syn_line
                                    ? c->syn_msg
                                    : "syntax error (expected '[section]' or 'key = value')");
    else if (!c->failed && fp && ferror(fp))
        rc = set_err(err, MMU_EIO, "%s: read error: %s", name, strerror(errno));
    else if (c->failed)
        rc = set_err(err, MMU_EINVAL, "%s", c->err);
    else
        rc = mmu_config_keys_end(c->keys, cfg, err);
    mmu_config_keys_free(c->keys);
    return rc;
}

int mmu_config_load_string(const char *text, const char *name, mmu_config_t *cfg, mmu_err_t *err)
{
    if (!cfg)
        return set_err(err, MMU_EINVAL, "mmu_config_load_string: cfg is NULL");
    if (!name)
        name = "(string)";
    ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return set_err(err, MMU_ENOMEM, "%s: out of memory", name);
    int rc = load(c, text ? text : "", NULL, name, cfg, err);
    free(c);
    return rc;
}

int mmu_config_load_file(FILE *f, const char *name, mmu_config_t *cfg, mmu_err_t *err)
{
    if (!f)
        return set_err(err, MMU_EINVAL, "mmu_config_load_file: f is NULL");
    if (!cfg)
        return set_err(err, MMU_EINVAL, "mmu_config_load_file: cfg is NULL");
    if (!name)
        name = "(stream)";
    ctx_t *c = calloc(1, sizeof *c);
    int rc;
    if (c)
        rc = load(c, NULL, f, name, cfg, err);
    else
        rc = set_err(err, MMU_ENOMEM, "%s: out of memory", name);
    free(c);
    return rc;
}

int mmu_config_load(const char *path, mmu_config_t *cfg, mmu_err_t *err)
{
    if (!path)
        return set_err(err, MMU_EINVAL, "mmu_config_load: path is NULL");
    if (!cfg)
        return set_err(err, MMU_EINVAL, "mmu_config_load: cfg is NULL");
    FILE *f = fopen(path, "r");
    if (!f)
        return set_err(err, MMU_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = mmu_config_load_file(f, path, cfg, err);
    fclose(f);
    return rc;
}

int mmu_config_load_mem(const void *data, size_t len, const char *name, mmu_config_t *cfg,
                        mmu_err_t *err)
{
    if (!cfg)
        return set_err(err, MMU_EINVAL, "mmu_config_load_mem: cfg is NULL");
    if (!data && len)
        return set_err(err, MMU_EINVAL, "mmu_config_load_mem: data is NULL, len %zu", len);
    if (!name)
        name = "(memory)";
    static const char none[1];
    /* Read mode never writes to the buffer; a FILE keeps one code path. */
    FILE *f = fmemopen((void *)(uintptr_t)(data ? data : none), data ? len : 0, "r");
    if (!f)
        return set_err(err, MMU_EIO, "%s: %s", name, strerror(errno));
    int rc = mmu_config_load_file(f, name, cfg, err);
    fclose(f);
    return rc;
}
