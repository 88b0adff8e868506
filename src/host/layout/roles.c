/* Partition roles and containment. */
#include <stdio.h>
#include <string.h>

#include "layout_priv.h"

static int is_member(const struct fk_layout *l, unsigned i)
{
    for (unsigned c = 0; c < l->count; c++) {
        for (unsigned k = 0; k < l->part[c].span_count; k++) {
            if (c != i && strcmp(l->part[c].span[k], l->part[i].name) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

int fk_layout_inside_container(const struct fk_layout *l, unsigned i)
{
    if (is_member(l, i)) {
        return 1;
    }
    const struct fk_layout_part *p = &l->part[i];
    uint64_t pe = (uint64_t)p->address + p->size;
    for (unsigned c = 0; c < l->count; c++) {
        const struct fk_layout_part *q = &l->part[c];
        if (c == i || q->span_count == 0 || strcmp(q->region, p->region) != 0) {
            continue;
        }
        uint64_t qe = (uint64_t)q->address + q->size;
        /* strictly larger container, or an equal range whose container is a
         * slot (mcuboot_primary_app inside mcuboot_primary). */
        if (q->address <= p->address && pe <= qe &&
            (q->size > p->size || strncmp(q->name, "mcuboot_", 8) == 0)) {
            if (q->size == p->size && strcmp(p->name, "mcuboot_primary") == 0) {
                continue;
            }
            return 1;
        }
    }
    return 0;
}

enum fk_layout_role fk_layout_part_role(const struct fk_layout *l, unsigned i)
{
    const char *n = l->part[i].name;
    if (strcmp(n, "mcuboot") == 0) {
        return FK_ROLE_BOOTLOADER;
    }
    if (strcmp(n, "mcuboot_primary") == 0) {
        return FK_ROLE_PRIMARY;
    }
    if (strcmp(n, "mcuboot_secondary") == 0) {
        return FK_ROLE_SECONDARY;
    }
    if (strcmp(n, "mcuboot_primary_1") == 0) {
        return FK_ROLE_PRIMARY_1;
    }
    if (strcmp(n, "mcuboot_secondary_1") == 0) {
        return FK_ROLE_SECONDARY_1;
    }
    if (strcmp(n, "mcuboot_scratch") == 0) {
        return FK_ROLE_SCRATCH;
    }
    if (strcmp(n, "fotakit_counters") == 0) {
        return FK_ROLE_COUNTERS;
    }
    if (strstr(n, "settings") != NULL || strstr(n, "storage") != NULL ||
        strstr(n, "nvs") != NULL || strstr(n, "littlefs") != NULL) {
        return FK_ROLE_SETTINGS;
    }
    /* Anything inside the primary slot (mcuboot_pad, app, mcuboot_primary_app). */
    int pi = fk_layout_find(l, "mcuboot_primary");
    if (pi >= 0) {
        const struct fk_layout_part *p = &l->part[pi], *q = &l->part[i];
        if (strcmp(p->region, q->region) == 0 && q->address >= p->address &&
            (uint64_t)q->address + q->size <= (uint64_t)p->address + p->size) {
            return FK_ROLE_PRIMARY;
        }
    }
    return FK_ROLE_OTHER;
}

const char *fk_layout_role_name(enum fk_layout_role r)
{
    static const char *const names[FK_ROLE_COUNT] = {
        "bootloader", "primary", "secondary", "scratch",     "counters",
        "settings",   "other",   "primary_1", "secondary_1",
    };
    return (unsigned)r < FK_ROLE_COUNT ? names[r] : "?";
}

const char *fk_layout_fmt_size(char *buf, size_t len, uint64_t size)
{
    if (size % 1024 == 0) {
        snprintf(buf, len, "0x%llx (%llu KiB)", (unsigned long long)size,
                 (unsigned long long)(size / 1024));
    } else {
        snprintf(buf, len, "0x%llx (%.2f KiB)", (unsigned long long)size, (double)size / 1024.0);
    }
    return buf;
}
