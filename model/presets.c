/* Lookup and listing of the built-in presets (the table is generated). */
#include "presets.h"

#include <stdio.h>
#include <string.h>

const cli_preset_t *preset_find(const char *name)
{
    for (size_t i = 0; name && i < cli_preset_count; i++)
        if (!strcmp(cli_presets[i].name, name))
            return &cli_presets[i];
    return NULL;
}

void preset_describe(const cli_preset_t *p, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = '\0';
    const char *s = p->text;
    if (*s != '#' && *s != ';')
        return;
    s++;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strcspn(s, "\r\n");
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

void preset_names(char *buf, size_t len)
{
    size_t used = 0;
    if (!len)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < cli_preset_count; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", cli_presets[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}
