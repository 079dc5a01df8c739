/* SPDX-License-Identifier: Apache-2.0 */
/* Trace byte source: a file (or stdin) read through a large buffer, with
 * transparent decompression. The compression is told by the first bytes, never
 * by the file name: 1f 8b = gzip (zlib inflate, concatenated members allowed),
 * fd 37 7a 58 5a 00 = xz (liblzma stream decoder, concatenated streams and
 * stream padding allowed, 1 GiB decoder memory limit); anything else is read
 * as it is. Internal to the trace readers. */
#ifndef MMU_WORKLOADS_TRACE_SRC_H
#define MMU_WORKLOADS_TRACE_SRC_H

#include <stddef.h>
#include <stdint.h>

typedef struct mmu_tsrc mmu_tsrc_t;

/* Open path ("-" = stdin) and look at its first bytes. Returns 0, or -1 with
 * "path: what" in msg. */
int mmu_tsrc_open(const char *path, mmu_tsrc_t **out, char *msg, size_t msglen);
/* The same for the bytes data[0..len), shown as name: read through a FILE
 * (fmemopen) so every byte takes the path a file's would. */
int mmu_tsrc_open_mem(const char *name, const void *data, size_t len, mmu_tsrc_t **out,
                      char *msg, size_t msglen);
/* Up to n decompressed bytes into dst: returns the count (> 0), 0 at the end
 * of the data, -1 on a read error or bad compressed data (mmu_tsrc_error):
 * "path: compressed byte N: xz: corrupt compressed data (after M bytes of
 * data)". Bytes after the last gzip member or xz stream (xz stream padding
 * aside) are corrupt data; a member or stream cut short is "unexpected end". */
long mmu_tsrc_read(mmu_tsrc_t *s, uint8_t *dst, size_t n);
/* 1 if the source failed after a complete gzip member or xz stream (trailing
 * garbage, bad padding, a next one cut inside its magic): every byte before
 * the failure is then the whole data, not a prefix cut by damage. */
int mmu_tsrc_failed_after_end(const mmu_tsrc_t *s);
/* "path: what" of the last failure, "" if none. */
const char *mmu_tsrc_error(const mmu_tsrc_t *s);
/* "none", "gzip" or "xz". */
const char *mmu_tsrc_compression(const mmu_tsrc_t *s);
/* Close. Accepts NULL. */
void mmu_tsrc_close(mmu_tsrc_t *s);

#endif /* MMU_WORKLOADS_TRACE_SRC_H */
