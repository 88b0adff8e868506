/*
 * Upgrade strategies: which ones a layout supports and the largest image
 * each can carry (formulas in docs/layout.md).
 */
#include <stdio.h>
#include <string.h>

#include "layout_priv.h"

#define BOOT_MAX_ALIGN 8u
#define BOOT_MAGIC_SZ 16u

uint32_t fk_layout_trailer_size(enum fk_layout_strategy s, uint32_t sectors, uint32_t align)
{
    uint32_t magic = (BOOT_MAGIC_SZ + BOOT_MAX_ALIGN - 1) / BOOT_MAX_ALIGN * BOOT_MAX_ALIGN;
    if (s == FK_STRATEGY_OVERWRITE) {
        /* image_ok + copy_done (one BOOT_MAX_ALIGN field each) + magic */
        return 2 * BOOT_MAX_ALIGN + magic;
    }
    /* swap status: 3 state bytes (each write-aligned) per sector, then
     * swap_size, swap_info, copy_done, image_ok fields, then magic. */
    uint64_t t = (uint64_t)sectors * 3u * align + 4u * BOOT_MAX_ALIGN + magic;
    return t > 0xffffffffu ? 0xffffffffu : (uint32_t)t;
}

int fk_layout_strategy_parse(const char *s)
{
    if (s == NULL) {
        return -1;
    }
    if (!strcmp(s, "swap") || !strcmp(s, "swap-revertible") || !strcmp(s, "revertible-swap")) {
        return FK_STRATEGY_SWAP;
    }
    if (!strcmp(s, "overwrite") || !strcmp(s, "overwrite-only")) {
        return FK_STRATEGY_OVERWRITE;
    }
    return -1;
}

void fk_layout_slots(const struct fk_layout *l, const struct fk_board *b, struct fk_slots *s)
{
    memset(s, 0, sizeof *s);
    s->p = fk_layout_find(l, "mcuboot_primary");
    s->s = fk_layout_find(l, "mcuboot_secondary");
    s->sc = fk_layout_find(l, "mcuboot_scratch");
    s->pd = s->p >= 0 ? fk_layout_part_dev(l, b, (unsigned)s->p) : -1;
    s->sd = s->s >= 0 ? fk_layout_part_dev(l, b, (unsigned)s->s) : -1;
    for (int k = 0; k < 2; k++) {
        int d = k ? s->sd : s->pd;
        if (d >= 0) {
            if (b->dev[d].erase_size > s->sector) {
                s->sector = b->dev[d].erase_size;
            }
            if (b->dev[d].write_size > s->align) {
                s->align = b->dev[d].write_size;
            }
        }
    }
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t m = a < b ? a : b;
    return m < c ? m : c;
}

void fk_layout_strategies(const struct fk_layout *l, const struct fk_board *b,
                          struct fk_layout_report *r)
{
    struct fk_slots s;
    fk_layout_slots(l, b, &s);
    struct fk_layout_strategy_row *sw = &r->strat[FK_STRATEGY_SWAP];
    struct fk_layout_strategy_row *ow = &r->strat[FK_STRATEGY_OVERWRITE];
    memset(sw, 0, sizeof *sw);
    memset(ow, 0, sizeof *ow);
    sw->name = "swap";
    ow->name = "overwrite";
    if (s.p < 0 || s.s < 0) {
        snprintf(sw->reason, sizeof sw->reason, "the layout lacks %s",
                 s.p < 0 ? "mcuboot_primary" : "mcuboot_secondary");
        snprintf(ow->reason, sizeof ow->reason, "%s", sw->reason);
        return;
    }
    if (s.pd < 0 || s.sd < 0) {
        snprintf(sw->reason, sizeof sw->reason, "%s is on a device the board does not define",
                 s.pd < 0 ? "mcuboot_primary" : "mcuboot_secondary");
        snprintf(ow->reason, sizeof ow->reason, "%s", sw->reason);
        return;
    }
    uint32_t P = l->part[s.p].size, S = l->part[s.s].size;
    const struct fk_board_dev *pd = &b->dev[s.pd], *sd = &b->dev[s.sd];

    /* overwrite-only: copy secondary over primary; no status, tiny trailer. */
    ow->trailer = fk_layout_trailer_size(FK_STRATEGY_OVERWRITE, 0, s.align);
    uint32_t m = P < S ? P : S;
    if (m > ow->trailer) {
        ow->supported = true;
        ow->max_image = m - ow->trailer;
        snprintf(ow->reason, sizeof ow->reason,
                 "min(primary 0x%x, secondary 0x%x) - trailer 0x%x; no revert: a bad image "
                 "cannot be rolled back",
                 P, S, ow->trailer);
    } else {
        snprintf(ow->reason, sizeof ow->reason, "the smaller slot (0x%x) cannot hold the trailer",
                 m);
    }

    /* revertible swap: exchanges the slots sector by sector. */
    uint32_t es = s.sector;
    uint32_t big = P > S ? P : S;
    uint32_t sectors = (big + es - 1) / es;
    sw->trailer = fk_layout_trailer_size(FK_STRATEGY_SWAP, sectors, s.align);
    if (pd->erase_size != sd->erase_size) {
        snprintf(sw->reason, sizeof sw->reason,
                 "unequal erase sizes between the slots (primary 0x%x on %s, secondary 0x%x on "
                 "%s): the swap exchanges one sector at a time; use overwrite-only or a "
                 "secondary device with 0x%x-byte sectors",
                 pd->erase_size, pd->name, sd->erase_size, sd->name, pd->erase_size);
        return;
    }
    /* One spare sector: in the larger slot if the slots differ by a sector,
     * else taken from the image. */
    uint32_t room = min3(P, S, big - es);
    if (room <= sw->trailer) {
        snprintf(sw->reason, sizeof sw->reason,
                 "no room: min(primary, secondary, larger - one sector) = 0x%x does not exceed "
                 "the trailer 0x%x",
                 room, sw->trailer);
        return;
    }
    sw->supported = true;
    sw->max_image = room - sw->trailer;
    const char *how = P == S   ? "equal slots: the spare sector the swap needs comes out of the image"
                      : P > S ? "primary larger: the spare sector is the primary's extra space"
                               : "secondary larger: the spare sector is the secondary's extra space";
    snprintf(sw->reason, sizeof sw->reason,
             "min(0x%x, 0x%x, 0x%x - sector 0x%x) - trailer 0x%x (%u sectors x 3 x align %u + "
             "48); %s",
             P, S, big, es, sw->trailer, sectors, s.align, how);
}
