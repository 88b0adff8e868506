/*
 * Layout -> struct fk_flash_map (MCUboot area ids), and partition -> board
 * device resolution.
 */
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/layout.h"

static const struct {
    const char *name;
    int id;
} fixed_ids[] = {
    {"mcuboot", FK_AREA_ID_BOOTLOADER},   {"mcuboot_primary", FK_AREA_ID_PRIMARY},
    {"mcuboot_secondary", FK_AREA_ID_SECONDARY}, {"mcuboot_scratch", FK_AREA_ID_SCRATCH},
    {"fotakit_counters", FK_AREA_ID_COUNTERS},
};

static int fixed_id(const char *name)
{
    for (size_t i = 0; i < sizeof fixed_ids / sizeof fixed_ids[0]; i++) {
        if (strcmp(name, fixed_ids[i].name) == 0) {
            return fixed_ids[i].id;
        }
    }
    return -1;
}

/* Leaves that are not fixed-id partitions get ids in name order. */
static int is_free_leaf(const struct fk_layout_part *p)
{
    return p->span_count == 0 && fixed_id(p->name) < 0;
}

int fk_layout_area_id(const struct fk_layout *l, unsigned part)
{
    if (part >= l->count) {
        return -1;
    }
    const struct fk_layout_part *p = &l->part[part];
    int id = fixed_id(p->name);
    if (id >= 0) {
        return id;
    }
    if (!is_free_leaf(p)) {
        return -1;
    }
    int rank = 0;
    for (unsigned i = 0; i < l->count; i++) {
        if (i != part && is_free_leaf(&l->part[i]) && strcmp(l->part[i].name, p->name) < 0) {
            rank++;
        }
    }
    return FK_LAYOUT_FIRST_FREE_ID + rank;
}

size_t fk_layout_area_count(const struct fk_layout *l)
{
    size_t n = 0;
    for (unsigned i = 0; i < l->count; i++) {
        if (fk_layout_area_id(l, i) >= 0) {
            n++;
        }
    }
    return n;
}

int fk_layout_flash_map(const struct fk_layout *l, struct fk_flash_dev *const *devs,
                        size_t ndevs, struct fk_flash_area *areas, size_t max_areas,
                        struct fk_flash_map *out)
{
    if (l == NULL || out == NULL || (devs == NULL && ndevs != 0) ||
        (areas == NULL && max_areas != 0)) {
        return FK_EINVAL;
    }
    out->areas = areas;
    out->count = 0;
    size_t need = fk_layout_area_count(l);
    if (need > max_areas) {
        return FK_ENOMEM;
    }
    /* Fill in id order: ids are unique (fixed names are unique partition
     * names; free leaves are ranked by distinct names). */
    for (int id = 0; out->count < need; id++) {
        if (id > 255) {
            return FK_ERANGE;
        }
        for (unsigned i = 0; i < l->count; i++) {
            if (fk_layout_area_id(l, i) != id) {
                continue;
            }
            const struct fk_layout_part *p = &l->part[i];
            struct fk_flash_area *a = &areas[out->count++];
            a->id = (uint8_t)id;
            a->name = p->name;
            a->off = p->address;
            a->size = p->size;
            a->dev = NULL;
            for (size_t d = 0; d < ndevs; d++) {
                if (devs[d] != NULL && devs[d]->name != NULL &&
                    strcmp(devs[d]->name, p->region) == 0) {
                    a->dev = devs[d];
                    break;
                }
            }
        }
    }
    return FK_OK;
}

/* "DT_CHOSEN(x)" -> x in chosen; "DT_NODELABEL(x)"/"DT_LABEL(x)"/"x" -> x in
 * label (a bare name may also be the chosen node). */
static int device_matches(const char *device, const struct fk_board_dev *d)
{
    size_t n = strlen(device);
    if (n == 0) {
        return 1;
    }
    static const char *const fns[] = {"DT_CHOSEN(", "DT_NODELABEL(", "DT_LABEL(", "DT_ALIAS("};
    for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
        size_t fl = strlen(fns[f]);
        if (n > fl + 1 && strncmp(device, fns[f], fl) == 0 && device[n - 1] == ')') {
            const char *arg = device + fl;
            size_t al = n - fl - 1;
            const char *want = f == 0 ? d->chosen : d->label;
            return strlen(want) == al && strncmp(arg, want, al) == 0;
        }
    }
    return strcmp(device, d->label) == 0 || strcmp(device, d->chosen) == 0 ||
           strcmp(device, d->name) == 0;
}

int fk_layout_part_dev(const struct fk_layout *l, const struct fk_board *b, unsigned part)
{
    if (part >= l->count) {
        return -1;
    }
    const struct fk_layout_part *p = &l->part[part];
    int d = fk_board_find(b, p->region);
    if (d < 0) {
        return -1;
    }
    return device_matches(p->device, &b->dev[d]) ? d : -1;
}
