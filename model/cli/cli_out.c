/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic result files (cli_out.h): mkstemp beside the destination, fsync,
 * rename. A rename within one directory replaces the old file in one step on
 * POSIX file systems, so a reader sees the old file or the new one, never a
 * mix. Temporary files still open when SIGINT, SIGTERM or SIGHUP arrives are
 * removed before the process dies of that signal. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli_out.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary files to remove on a fatal signal. CLI state, not the library's:
 * a signal handler can reach nothing else. */
#define OUT_SLOTS 8
static char out_tmp[OUT_SLOTS][PATH_MAX];
static volatile sig_atomic_t out_used[OUT_SLOTS];

static void on_signal(int sig)
{
    for (int i = 0; i < OUT_SLOTS; i++)
        if (out_used[i])
            unlink(out_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int slot_take(const char *tmp)
{
    static bool handlers;
    if (!handlers) {
        static const int SIGS[] = {SIGINT, SIGTERM, SIGHUP};
        for (size_t i = 0; i < sizeof SIGS / sizeof SIGS[0]; i++) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            struct sigaction old;
            /* Leave alone a signal the caller chose to ignore (nohup). */
            if (sigaction(SIGS[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
                sigaction(SIGS[i], &sa, NULL);
        }
        handlers = true;
    }
    for (int i = 0; i < OUT_SLOTS; i++)
        if (!out_used[i]) {
            snprintf(out_tmp[i], sizeof out_tmp[i], "%s", tmp);
            out_used[i] = 1;
            return i + 1;
        }
    return 0; /* still atomic; only Ctrl-C would leave it behind */
}

static void slot_free(cli_out_t *o)
{
    if (o->slot > 0)
        out_used[o->slot - 1] = 0;
    o->slot = 0;
}

static int fail(cli_out_t *o, char *msg, size_t len, const char *what, int e)
{
    snprintf(msg, len, "%s: %s%s%s", o->shown, what, e ? ": " : "", e ? strerror(e) : "");
    return -1;
}

int cli_out_open(cli_out_t *o, const char *path, char *msg, size_t len)
{
    memset(o, 0, sizeof *o);
    o->shown = path;
    if (!strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    if (strlen(path) >= sizeof o->dest - 32)
        return fail(o, msg, len, "path too long", 0);
    snprintf(o->dest, sizeof o->dest, "%s", path);
    struct stat st;
    mode_t mode;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* Write the file the link points to, and keep the link. */
        if (!realpath(path, o->dest))
            return fail(o, msg, len, "a symbolic link whose target cannot be resolved", errno);
    }
    if (stat(o->dest, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return fail(o, msg, len, "is a directory", 0);
        if (!S_ISREG(st.st_mode)) {
            /* A device or FIFO cannot be replaced; write it in place. */
            if (!(o->f = fopen(o->dest, "w")))
                return fail(o, msg, len, "cannot open", errno);
            return 0;
        }
        /* Replacing a file one could not open for writing would be a surprise. */
        if (access(o->dest, W_OK) != 0)
            return fail(o, msg, len, "cannot open", errno);
        mode = st.st_mode & 07777;
    } else {
        const mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    /* DIR/.NAME.tmp-XXXXXX: hidden, and beside the file so rename stays in
     * one file system. */
    const char *slash = strrchr(o->dest, '/');
    const char *base = slash ? slash + 1 : o->dest;
    const size_t dl = (size_t)(base - o->dest), bl = strlen(base);
    static const char SUFFIX[] = ".tmp-XXXXXX";
    if (dl + 1 + bl + sizeof SUFFIX > sizeof o->tmp)
        return fail(o, msg, len, "path too long", 0);
    memcpy(o->tmp, o->dest, dl);
    o->tmp[dl] = '.';
    memcpy(o->tmp + dl + 1, base, bl);
    memcpy(o->tmp + dl + 1 + bl, SUFFIX, sizeof SUFFIX);
    const int fd = mkstemp(o->tmp);
    if (fd < 0) {
        const int e = errno;
        o->tmp[0] = '\0';
        return fail(o, msg, len, "cannot create a file in its directory", e);
    }
    o->slot = slot_take(o->tmp);
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "w"))) {
        const int e = errno;
        close(fd);
        cli_out_abort(o);
        return fail(o, msg, len, "cannot open", e);
    }
    return 0;
}

int cli_out_commit(cli_out_t *o, char *msg, size_t len)
{
    if (o->f == stdout) {
        o->f = NULL;
        return fflush(stdout) || ferror(stdout) ? fail(o, msg, len, "write error", errno) : 0;
    }
    if (!o->f)
        return fail(o, msg, len, "not open", 0);
    FILE *f = o->f;
    o->f = NULL;
    int e = 0;
    if (fflush(f) != 0 || ferror(f))
        e = errno ? errno : EIO;
    if (!e && o->tmp[0] && fsync(fileno(f)) != 0 && errno != EINVAL)
        e = errno;
    if (fclose(f) != 0 && !e)
        e = errno ? errno : EIO;
    if (!e && o->tmp[0] && rename(o->tmp, o->dest) != 0)
        e = errno;
    if (e) {
        cli_out_abort(o);
        return fail(o, msg, len, "write error", e);
    }
    o->tmp[0] = '\0';
    slot_free(o);
    return 0;
}

void cli_out_abort(cli_out_t *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0])
        unlink(o->tmp);
    o->tmp[0] = '\0';
    slot_free(o);
}

bool cli_same_file(const char *in, const char *out)
{
    struct stat a, b;
    if ((!strcmp(in, "-") ? fstat(0, &a) : stat(in, &a)) != 0)
        return false;
    if ((!strcmp(out, "-") ? fstat(1, &b) : stat(out, &b)) != 0)
        return false;
    /* One terminal on stdin and stdout is no input to destroy. */
    return S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
