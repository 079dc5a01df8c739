/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to workloads/os/: the few helpers its modules (frames, swap, the
 * address-space driver) share, kept in one place so a message format or the
 * placement hash cannot drift between them. Not an API. */
#ifndef MMU_WORKLOADS_OS_UTIL_H
#define MMU_WORKLOADS_OS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mmu/mmu.h>

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

/* Formats the message into msg (when the caller gave room) and returns code,
 * so an error path is one `return fail(...)`. */
static inline int fail(char *msg, size_t len, int code, const char *fmt, ...)
{
    if (msg && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Seeded placement (frame choice, ASLR-like offsets): deterministic from the
 * seed, well mixed for consecutive inputs. */
static inline uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t page_bytes(mmu_page_size_t ps)
{
    return ps == MMU_PAGE_1G ? SZ_1G : ps == MMU_PAGE_2M ? SZ_2M : SZ_4K;
}

#endif
