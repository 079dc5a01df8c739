/* SPDX-License-Identifier: Apache-2.0 */
/* Built-in presets: lookup, listing, and loading one (its text goes through
 * the same key table as any config file, config_keys.c). The table itself is
 * generated from the INI files of model/presets/. */
#include "presets.h"

#include <stdio.h>
#include <string.h>

#include "config.h"

const mmu_preset_t *mmu_preset_find(const char *name)
{
    for (size_t i = 0; name && i < mmu_preset_count; i++)
        if (!strcmp(mmu_presets[i].name, name))
            return &mmu_presets[i];
    return NULL;
}

void mmu_preset_names(char *buf, size_t len)
{
    size_t used = 0;
    if (!len)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < mmu_preset_count; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", mmu_presets[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

int mmu_preset_apply(mmu_config_t *cfg, const mmu_preset_t *p, int depth, mmu_err_t *err)
{
    char fname[80];
    snprintf(fname, sizeof fname, "%s.ini", p->name);
    mmu_config_t old, tmp;
    int rc = mmu_config_import(&old, cfg, err);
    if (rc)
        return rc;
    /* A preset describes a CPU; the callbacks are the host's plumbing. */
    mmu_config_init(&tmp);
    tmp.memlat_cb = old.memlat_cb;
    tmp.memlat_ctx = old.memlat_ctx;
    tmp.walk_cb = old.walk_cb;
    tmp.walk_ctx = old.walk_ctx;
    rc = mmu_config_apply_text(&tmp, p->text, fname, depth, err);
    if (!rc)
        mmu_config_export(cfg, &tmp);
    return rc;
}

int mmu_config_preset(mmu_config_t *cfg, const char *name, mmu_err_t *err)
{
    if (!cfg)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_preset: cfg is NULL");
    if (!name)
        return mmu_err_set(err, MMU_EINVAL, "mmu_config_preset: name is NULL");
    const mmu_preset_t *p = mmu_preset_find(name);
    if (!p) {
        char names[256];
        mmu_preset_names(names, sizeof names);
        return mmu_err_set(err, MMU_EINVAL, "unknown preset '%s' (known: %s)", name, names);
    }
    return mmu_preset_apply(cfg, p, 0, err);
}

unsigned mmu_config_preset_count(void)
{
    return (unsigned)mmu_preset_count;
}

const char *mmu_config_preset_name(unsigned i)
{
    return i < mmu_preset_count ? mmu_presets[i].name : NULL;
}

const char *mmu_config_preset_text(const char *name)
{
    const mmu_preset_t *p = mmu_preset_find(name);
    return p ? p->text : NULL;
}

int mmu_config_preset_describe(const char *name, char *buf, size_t len)
{
    const mmu_preset_t *p = mmu_preset_find(name);
    if (!buf || !len)
        return MMU_EINVAL;
    buf[0] = '\0';
    if (!p)
        return MMU_EINVAL;
    /* The first line of each preset file is its one-line description. */
    const char *s = p->text;
    if (*s != '#' && *s != ';')
        return 0;
    s++;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strcspn(s, "\r\n");
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 0;
}
