/* SPDX-License-Identifier: Apache-2.0 */
/* Result files that are whole or absent: every file a command writes (convert
 * output, run --json, compare's tables) is written to a temporary file beside
 * it and renamed onto its name only once it is complete, so an error, a full
 * disk or Ctrl-C never leaves a torn file nor destroys the previous one. */
#ifndef MMU_CLI_OUT_H
#define MMU_CLI_OUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cli_out {
    FILE *f;               /* write here */
    const char *shown;     /* the path as the user gave it, for messages */
    char dest[PATH_MAX];   /* where it goes (a symbolic link's target) */
    char tmp[PATH_MAX];    /* the temporary file; "" when writing in place */
    int slot;              /* 1 + its index in the Ctrl-C clean-up list; 0 none */
} cli_out_t;

/* Start writing `path`: a new temporary file in its directory, with the mode
 * the file has (or 0666 minus the umask). "-" is stdout; a path that exists
 * and is not a regular file (/dev/null, a FIFO) is written in place.
 * Returns 0, or -1 with "path: why" in msg. */
int cli_out_open(cli_out_t *o, const char *path, char *msg, size_t len);

/* Flush, sync and close the temporary file and rename it onto the path.
 * Returns 0, or -1 with "path: why" in msg (the temporary file is removed and
 * the path keeps what it held). */
int cli_out_commit(cli_out_t *o, char *msg, size_t len);

/* Give up: close and remove the temporary file. Accepts a zeroed, failed or
 * committed o. */
void cli_out_abort(cli_out_t *o);

/* True when a and b name one file: same device and inode, whatever the path,
 * hard link or symbolic link; "-" is stdin for a, stdout for b. False when
 * either does not exist. */
bool cli_same_file(const char *in, const char *out);

#ifdef __cplusplus
}
#endif

#endif
