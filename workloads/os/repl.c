/* SPDX-License-Identifier: Apache-2.0 */
/* The table of replacement policies (repl.h): a new policy is a file and a
 * line here. */
#include <stdio.h>
#include <string.h>

#include "repl_impl.h"

static const mmu_repl_ops_t *const TABLE[] = {
    &mmu_repl_fifo, &mmu_repl_clock, &mmu_repl_lru, &mmu_repl_twolist,
    &mmu_repl_mglru, &mmu_repl_lfu, &mmu_repl_ws, &mmu_repl_opt,
};

const mmu_repl_ops_t *mmu_repl_get(unsigned i)
{
    return i < sizeof TABLE / sizeof TABLE[0] ? TABLE[i] : NULL;
}

const mmu_repl_ops_t *mmu_repl_find(const char *name)
{
    for (unsigned i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (!strcmp(TABLE[i]->name, name))
            return TABLE[i];
    return NULL;
}

const char *mmu_repl_names(char *buf, size_t len)
{
    size_t at = 0;
    if (len)
        buf[0] = '\0';
    for (unsigned i = 0; i < sizeof TABLE / sizeof TABLE[0] && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", TABLE[i]->name);
    return buf;
}
