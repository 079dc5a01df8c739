/* SPDX-License-Identifier: Apache-2.0 */
/* The shared option parser (cli_opt.h) on glibc's getopt_long. getopt_long
 * runs with "-:" so that positional arguments come back in order (code 1) and
 * a missing value is told apart from an unknown option; its own messages are
 * off (opterr = 0) so every error reads the same in every command. */
#include "cli_opt.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CLI_MAX_OPTS 64
#define HELP_COLUMN 24 /* where an option's help text starts */

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mmusim %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_u64(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        const unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -2;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* Digits, then at most one suffix letter from `suffixes` (either case), the
 * i-th multiplying by mult[i]. */
static int suffixed(const char *s, const char *suffixes, const uint64_t *mult, uint64_t *v)
{
    char digits[32];
    size_t n = strlen(s);
    uint64_t m = 1;
    if (n && (s[n - 1] < '0' || s[n - 1] > '9')) {
        const char *at = strchr(suffixes, s[n - 1] | 0x20);
        if (!at || !(s[n - 1] | 0x20))
            return -1;
        m = mult[at - suffixes];
        n--;
    }
    if (!n || n >= sizeof digits)
        return n ? -2 : -1;
    memcpy(digits, s, n);
    digits[n] = '\0';
    uint64_t x;
    const int rc = cli_u64(digits, &x);
    if (rc)
        return rc;
    if (x > UINT64_MAX / m)
        return -2;
    *v = x * m;
    return 0;
}

int cli_size(const char *s, uint64_t *v)
{
    static const uint64_t M[] = {1ull << 10, 1ull << 20, 1ull << 30, 1ull << 40};
    return suffixed(s, "kmgt", M, v);
}

int cli_count(const char *s, uint64_t *v)
{
    static const uint64_t M[] = {1000ull, 1000000ull, 1000000000ull};
    return suffixed(s, "kmg", M, v);
}

static bool takes_value(const cli_opt_t *o) { return o->kind != CLI_FLAG; }

static unsigned count_opts(const cli_opt_t *opts)
{
    unsigned n = 0;
    while (opts && opts[n].name)
        n++;
    return n;
}

void cli_usage(const cli_cmd_t *cmd, FILE *f)
{
    fprintf(f, "usage: mmusim %s %s\n", cmd->name, cmd->synopsis);
    if (cmd->about)
        fputs(cmd->about, f);
    fputs("options:\n", f);
    const unsigned n = count_opts(cmd->opts);
    for (unsigned i = 0; i <= n; i++) {
        const cli_opt_t *o = i < n ? &cmd->opts[i] : NULL;
        char head[64];
        int w;
        if (o)
            w = snprintf(head, sizeof head, "  --%s%s%s", o->name, o->arg ? " " : "",
                         o->arg ? o->arg : "");
        else
            w = snprintf(head, sizeof head, "  -h, --help");
        fputs(head, f);
        const char *help = o ? (o->help ? o->help : "") : "print this help and exit";
        if (w >= HELP_COLUMN - 1) {
            fputc('\n', f);
            w = 0;
        }
        /* Continuation lines ("\n" in the help) line up under the first. */
        for (const char *line = help; line;) {
            const char *nl = strchr(line, '\n');
            const int len = nl ? (int)(nl - line) : (int)strlen(line);
            fprintf(f, "%*s%.*s\n", HELP_COLUMN - w, "", len, line);
            w = 0;
            line = nl ? nl + 1 : NULL;
        }
    }
    if (cmd->notes)
        fputs(cmd->notes, f);
}

static uint64_t type_max(const cli_opt_t *o)
{
    if (o->max)
        return o->max;
    return o->kind == CLI_UINT ? UINT_MAX : UINT64_MAX;
}

/* "must be 4 or 5", "must be 1..2047", "must be >= 1". */
static void range_text(const cli_opt_t *o, char *buf, size_t len)
{
    const uint64_t lo = o->min, hi = type_max(o);
    const bool typemax = hi == (o->kind == CLI_UINT ? UINT_MAX : UINT64_MAX);
    if (lo == hi)
        snprintf(buf, len, "must be %llu", (unsigned long long)lo);
    else if (hi == lo + 1)
        snprintf(buf, len, "must be %llu or %llu", (unsigned long long)lo,
                 (unsigned long long)hi);
    else if (lo == 0)
        snprintf(buf, len, "must be at most %llu", (unsigned long long)hi);
    else if (typemax)
        snprintf(buf, len, "must be >= %llu", (unsigned long long)lo);
    else
        snprintf(buf, len, "must be %llu..%llu", (unsigned long long)lo,
                 (unsigned long long)hi);
}

/* "4k, thp, 1g or mixed" */
static void choices_text(const char *choices, char *buf, size_t len)
{
    size_t used = 0, k = 0, nwords = 1;
    for (const char *p = choices; *p; p++)
        nwords += *p == '|';
    buf[0] = '\0';
    for (const char *p = choices; *p && used + 8 < len; k++) {
        const size_t wl = strcspn(p, "|");
        const char *sep = k == 0 ? "" : k + 1 == nwords ? " or " : ", ";
        used += (size_t)snprintf(buf + used, len - used, "%s%.*s", sep, (int)wl, p);
        p += wl + (p[wl] == '|');
    }
}

/* Store one option's value; prints the error and returns 2 if it is bad. */
static int store(const cli_cmd_t *cmd, const cli_opt_t *o, const char *val)
{
    char why[160];
    uint64_t v = 0;
    int rc;
    if (o->kind == CLI_FLAG) {
        *(bool *)o->dst = true;
        return 0;
    }
    if (!*val) {
        cli_error(cmd->name, "--%s: empty value", o->name);
        return 2;
    }
    switch (o->kind) {
    case CLI_STR:
        *(const char **)o->dst = val;
        return 0;
    case CLI_CHOICE: {
        unsigned k = 0;
        for (const char *p = o->choices; *p; k++) {
            const size_t wl = strcspn(p, "|");
            if (strlen(val) == wl && !strncmp(p, val, wl)) {
                *(unsigned *)o->dst = k;
                return 0;
            }
            p += wl + (p[wl] == '|');
        }
        choices_text(o->choices, why, sizeof why);
        cli_error(cmd->name, "--%s '%s': must be %s", o->name, val, why);
        return 2;
    }
    case CLI_SECONDS: {
        /* digits[.digits]: no sign, exponent, hex, inf or nan */
        const size_t d1 = strspn(val, "0123456789");
        const size_t d2 = val[d1] == '.' ? strspn(val + d1 + 1, "0123456789") : 0;
        const bool form = d1 && (!val[d1] || (val[d1] == '.' && d2 && !val[d1 + 1 + d2]));
        const double s = form ? strtod(val, NULL) : 0;
        if (!form || !(s > 0) || s > (double)type_max(o)) {
            cli_error(cmd->name, "--%s '%s': must be a number of seconds > 0 and <= %llu",
                      o->name, val, (unsigned long long)type_max(o));
            return 2;
        }
        *(double *)o->dst = s;
        return 0;
    }
    default:
        break;
    }
    rc = o->kind == CLI_COUNT ? cli_count(val, &v) : cli_u64(val, &v);
    if (rc == -1) {
        cli_error(cmd->name, "--%s '%s': not a number (decimal digits%s)", o->name, val,
                  o->kind == CLI_COUNT ? ", optionally with k, m or g" : " only");
        return 2;
    }
    if (rc == -2 || v < o->min || v > type_max(o)) {
        if (rc == -2 && !o->max) /* beyond 64 bits: say the real limit */
            snprintf(why, sizeof why, "must be at most %llu", (unsigned long long)type_max(o));
        else
            range_text(o, why, sizeof why);
        cli_error(cmd->name, "--%s %s: %s", o->name, val, why);
        return 2;
    }
    if (o->kind == CLI_UINT)
        *(unsigned *)o->dst = (unsigned)v;
    else
        *(uint64_t *)o->dst = v;
    return 0;
}

/* An unknown option token: say so, or which known options it abbreviates. */
static void unknown(const cli_cmd_t *cmd, const char *tok)
{
    const unsigned n = count_opts(cmd->opts);
    if (strncmp(tok, "--", 2) != 0) {
        cli_error(cmd->name, "unknown option '%s' (see 'mmusim %s --help')", tok, cmd->name);
        return;
    }
    const char *name = tok + 2;
    const size_t len = strcspn(name, "=");
    for (unsigned i = 0; i < n; i++)
        if (strlen(cmd->opts[i].name) == len && !strncmp(cmd->opts[i].name, name, len) &&
            !takes_value(&cmd->opts[i])) {
            cli_error(cmd->name, "--%s takes no value", cmd->opts[i].name);
            return;
        }
    char cand[256];
    size_t used = 0;
    cand[0] = '\0';
    for (unsigned i = 0; i < n && len; i++)
        if (!strncmp(cmd->opts[i].name, name, len) && used + 40 < sizeof cand)
            used += (size_t)snprintf(cand + used, sizeof cand - used, "%s--%s",
                                     used ? ", " : "", cmd->opts[i].name);
    if (used)
        cli_error(cmd->name, "unknown option '%.*s' (did you mean %s?)", (int)(len + 2), tok,
                  cand);
    else
        cli_error(cmd->name, "unknown option '%.*s' (see 'mmusim %s --help')", (int)(len + 2),
                  tok, cmd->name);
}

bool cli_given(const cli_cmd_t *cmd, const char *name)
{
    for (unsigned i = 0; cmd->seen && cmd->opts[i].name; i++)
        if (!strcmp(cmd->opts[i].name, name))
            return cmd->seen[i];
    return false;
}

int cli_parse(const cli_cmd_t *cmd, int argc, char **argv, const char **pos)
{
    const unsigned n = count_opts(cmd->opts);
    struct option lo[CLI_MAX_OPTS + 2];
    bool seen[CLI_MAX_OPTS] = {false};
    unsigned npos = 0;
    if (n > CLI_MAX_OPTS) {
        cli_error(cmd->name, "internal error: more than %d options", CLI_MAX_OPTS);
        return 2;
    }
    for (unsigned i = 0; i < n; i++)
        lo[i] = (struct option){cmd->opts[i].name,
                                takes_value(&cmd->opts[i]) ? required_argument : no_argument,
                                NULL, 256 + (int)i};
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    for (unsigned i = 0; i < cmd->npos; i++)
        pos[i] = NULL;
    for (unsigned i = 0; cmd->seen && i < n; i++)
        cmd->seen[i] = false;
    opterr = 0;
    optind = 0; /* glibc: a full re-initialisation */
    for (;;) {
        const int at = optind ? optind : 1;
        const int c = getopt_long(argc, argv, "-:h", lo, NULL);
        if (c == -1)
            break;
        const char *tok = at < argc ? argv[at] : "";
        if (c == 1) {
            if (npos == cmd->npos) {
                cli_error(cmd->name, "unexpected argument '%s'", optarg);
                return 2;
            }
            pos[npos++] = optarg;
            continue;
        }
        if (c == 'h') {
            cli_usage(cmd, stdout);
            return 1;
        }
        if (c == ':') {
            if (optopt >= 256 && optopt < 256 + (int)n)
                cli_error(cmd->name, "--%s needs a value (%s)", cmd->opts[optopt - 256].name,
                          cmd->opts[optopt - 256].arg ? cmd->opts[optopt - 256].arg : "VALUE");
            else
                cli_error(cmd->name, "option '%s' needs a value", tok);
            return 2;
        }
        if (c == '?') {
            unknown(cmd, tok);
            return 2;
        }
        const unsigned k = (unsigned)(c - 256);
        const cli_opt_t *o = &cmd->opts[k];
        const size_t len = strlen(o->name);
        /* getopt_long takes any unambiguous prefix; only whole names count. */
        if (strncmp(tok, "--", 2) || strncmp(tok + 2, o->name, len) ||
            (tok[2 + len] != '\0' && tok[2 + len] != '=')) {
            unknown(cmd, tok);
            return 2;
        }
        if (seen[k]) {
            cli_error(cmd->name, "--%s given twice", o->name);
            return 2;
        }
        seen[k] = true;
        if (cmd->seen)
            cmd->seen[k] = true;
        /* `--preset --config x`: the value was forgotten, not "--config". */
        if (optarg && optarg == argv[optind - 1] && !strncmp(optarg, "--", 2) && optarg[2]) {
            cli_error(cmd->name, "--%s needs a value (%s), not the option '%s'", o->name,
                      o->arg ? o->arg : "VALUE", optarg);
            return 2;
        }
        if (store(cmd, o, optarg))
            return 2;
    }
    for (; optind < argc; optind++) { /* after "--" */
        if (npos == cmd->npos) {
            cli_error(cmd->name, "unexpected argument '%s'", argv[optind]);
            return 2;
        }
        pos[npos++] = argv[optind];
    }
    if (npos < cmd->min_pos) {
        char need[128];
        size_t used = 0;
        need[0] = '\0';
        for (unsigned i = npos; i < cmd->min_pos && used + 32 < sizeof need; i++)
            used += (size_t)snprintf(need + used, sizeof need - used, "%s%s", used ? " " : "",
                                     cmd->pos_names[i]);
        cli_error(cmd->name, "missing %s (usage: mmusim %s %s)", need, cmd->name,
                  cmd->synopsis);
        return 2;
    }
    return 0;
}
