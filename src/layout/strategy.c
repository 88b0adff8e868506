/*
 * Upgrade strategies: which ones a layout supports and the largest image
 * each can carry. The arithmetic is fotakit's bootloader's
 * (fk_boot_geometry() in src/boot/trailer.c, docs/boot.md); it is repeated
 * here because the layout tool is host-only and must not need the boot
 * library, and tests/layout cross-checks the two when both are built.
 * Formulas: docs/layout.md.
 */
#include <stdio.h>
#include <string.h>

#include "layout_priv.h"

/* fotakit bootloader constants (fotakit/boot.h): MCUboot's BOOT_MAX_ALIGN,
 * the trailer's MCUboot fields + start record (64 B), the secondary's
 * begin records (8 x 16 B), 2 x 8 B status markers per swapped unit. */
#define BOOT_MAX_ALIGN 8u
#define BOOT_OFF_REC 64u
#define BOOT_REC_LEN 16u
#define BOOT_BEGIN_SLOTS 8u
#define BOOT_MARKERS_PER_UNIT 16u

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

int fk_layout_geometry(const struct fk_layout *l, const struct fk_board *b,
                       struct fk_layout_geometry *g, char *why, size_t whylen)
{
    struct fk_slots s;
    fk_layout_slots(l, b, &s);
    memset(g, 0, sizeof *g);
    if (why != NULL && whylen > 0) {
        why[0] = '\0';
    }
    if (s.p < 0 || s.s < 0) {
        snprintf(why, whylen, "the layout lacks %s",
                 s.p < 0 ? "mcuboot_primary" : "mcuboot_secondary");
        return FK_ENOENT;
    }
    if (s.pd < 0 || s.sd < 0) {
        snprintf(why, whylen, "%s is on a device the board does not define",
                 s.pd < 0 ? "mcuboot_primary" : "mcuboot_secondary");
        return FK_ENODEV;
    }
    const struct fk_layout_part *P = &l->part[s.p], *S = &l->part[s.s];
    const struct fk_board_dev *pd = &b->dev[s.pd], *sd = &b->dev[s.sd];
    /* The swap unit: the larger erase size (both are powers of two, so it is
     * a multiple of the smaller). */
    uint32_t unit = s.sector;
    g->unit = unit;
    if (pd->write_size > BOOT_MAX_ALIGN || sd->write_size > BOOT_MAX_ALIGN) {
        snprintf(why, whylen,
                 "write size %u of %s exceeds 8 (MCUboot's BOOT_MAX_ALIGN): trailer fields "
                 "could not be written one by one",
                 pd->write_size > sd->write_size ? pd->write_size : sd->write_size,
                 pd->write_size > sd->write_size ? pd->name : sd->name);
        return FK_EINVAL;
    }
    const struct fk_layout_part *bad = P->address % unit || P->size % unit ? P
                                       : S->address % unit || S->size % unit ? S
                                                                             : NULL;
    if (bad != NULL) {
        snprintf(why, whylen,
                 "%s [0x%x-0x%llx) is not made of whole 0x%x-byte units (the larger erase "
                 "size of the two slots%s%s%s)",
                 bad->name, bad->address, (unsigned long long)bad->address + bad->size, unit,
                 pd->erase_size != sd->erase_size ? ": unequal erase sizes, primary " : "",
                 pd->erase_size != sd->erase_size ? pd->name : "",
                 pd->erase_size != sd->erase_size ? " vs secondary device" : "");
        return FK_EINVAL;
    }
    g->pri_units = P->size / unit;
    g->sec_units = S->size / unit;
    g->sec_trailer_units = (BOOT_OFF_REC + BOOT_REC_LEN * BOOT_BEGIN_SLOTS + unit - 1) / unit;
    if (g->sec_units < g->sec_trailer_units + 2) {
        snprintf(why, whylen,
                 "mcuboot_secondary has %u unit(s); it needs its spare unit, %u trailer unit(s) "
                 "and at least one for the image",
                 g->sec_units, g->sec_trailer_units);
        return FK_EINVAL;
    }
    /* Primary trailer: MCUboot fields + start record + 2 markers per swapped
     * unit; grow it until the markers of the largest swap fit. */
    for (uint32_t t = 1; t < g->pri_units; t++) {
        uint32_t k_p = g->pri_units - t;
        uint32_t k_s = g->sec_units - g->sec_trailer_units - 1; /* one unit is the spare */
        uint32_t k = k_p < k_s ? k_p : k_s;
        uint32_t bytes = BOOT_OFF_REC + BOOT_MARKERS_PER_UNIT * k;
        if (bytes <= t * unit) {
            g->pri_trailer_units = t;
            g->max_units = k;
            g->trailer_bytes = bytes;
            g->sec_image_off = unit;
            g->max_image = k * unit;
            return FK_OK;
        }
    }
    snprintf(why, whylen, "mcuboot_primary (%u units) is too small for an image and its trailer",
             g->pri_units);
    return FK_EINVAL;
}

void fk_layout_strategies(const struct fk_layout *l, const struct fk_board *b,
                          struct fk_layout_report *r)
{
    struct fk_layout_strategy_row *sw = &r->strat[FK_STRATEGY_SWAP];
    struct fk_layout_strategy_row *ow = &r->strat[FK_STRATEGY_OVERWRITE];
    memset(sw, 0, sizeof *sw);
    memset(ow, 0, sizeof *ow);
    sw->name = "swap";
    ow->name = "overwrite";
    struct fk_layout_geometry g;
    char why[256];
    if (fk_layout_geometry(l, b, &g, why, sizeof why) != FK_OK) {
        snprintf(sw->reason, sizeof sw->reason, "%s", why);
        snprintf(ow->reason, sizeof ow->reason, "%s", why);
        return;
    }
    uint32_t trailer = g.pri_trailer_units * g.unit;
    const char *lim = g.pri_units - g.pri_trailer_units <= g.sec_units - g.sec_trailer_units - 1
                          ? "the primary"
                          : "the secondary";
    sw->supported = ow->supported = true;
    sw->trailer = ow->trailer = trailer;
    sw->max_image = ow->max_image = g.max_image;
    snprintf(sw->reason, sizeof sw->reason,
             "unit 0x%x: min(primary %u - %u trailer, secondary %u - 1 spare - %u trailer) = "
             "%u units = 0x%x, limited by %s slot; uploads go to 0x%x in the secondary; "
             "reverts unless confirmed",
             g.unit, g.pri_units, g.pri_trailer_units, g.sec_units, g.sec_trailer_units,
             g.max_units, g.max_image, lim, g.sec_image_off);
    snprintf(ow->reason, sizeof ow->reason,
             "same slot geometry as swap (%u units; uploads at 0x%x, or at 0x0 as MCUboot "
             "overwrite-only apps write); copies only the units the image covers; no revert",
             g.max_units, g.sec_image_off);
}
