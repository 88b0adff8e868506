/*
 * Upgrade strategies: which ones a layout supports and the largest image
 * each can carry. The numbers are the bootloaders' own: fk_layout_geometry()
 * hands the two slots (on stand-in devices with the board's geometry) to
 * fk_boot_geometry() (src/boot/trailer.c, docs/boot.md) and only adds the
 * sentence saying why a geometry is refused; the stock MCUboot rows come from
 * the one table of modes, fk_bl_space() (src/boot/mcuboot_mode.c).
 * Formulas: docs/layout.md, docs/smp.md.
 */
#include <stdio.h>
#include <string.h>

#include "fotakit/boot.h"
#include "layout_priv.h"

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
    enum fk_bl b;
    if (!strncmp(s, "mcuboot:", 8) && fk_bl_parse(s, &b) == FK_OK) {
        return (int)b;
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

/* A device that carries only the geometry fk_boot_geometry() reads (no ops:
 * the geometry never touches flash). */
static void stand_in(struct fk_flash_dev *d, const struct fk_board_dev *bd)
{
    memset(d, 0, sizeof *d);
    d->name = bd->name;
    d->size = bd->size;
    d->erase_size = bd->erase_size;
    d->write_size = bd->write_size;
    d->erased_val = 0xff;
}

/* Why fk_boot_geometry() refused slots that are both on the board: the
 * first of its conditions (trailer.c) that these slots break. bg holds what
 * it filled in before refusing (see fotakit/boot.h). */
static void explain(const struct fk_layout_part *P, const struct fk_layout_part *S,
                    const struct fk_board_dev *pd, const struct fk_board_dev *sd, uint32_t unit,
                    const struct fk_boot_geometry *bg, int rc, char *why, size_t whylen)
{
    if (pd->erase_size == 0 || sd->erase_size == 0) {
        snprintf(why, whylen, "device %s has no erase size",
                 pd->erase_size == 0 ? pd->name : sd->name);
        return;
    }
    const struct fk_board_dev *wide = pd->write_size > sd->write_size ? pd : sd;
    if (pd->write_size > FK_BOOT_MAX_ALIGN || sd->write_size > FK_BOOT_MAX_ALIGN) {
        snprintf(why, whylen,
                 "write size %u of %s exceeds 8 (MCUboot's BOOT_MAX_ALIGN): trailer fields "
                 "could not be written one by one",
                 wide->write_size, wide->name);
        return;
    }
    if ((pd->write_size && FK_BOOT_MAX_ALIGN % pd->write_size) ||
        (sd->write_size && FK_BOOT_MAX_ALIGN % sd->write_size)) {
        const struct fk_board_dev *odd =
            pd->write_size && FK_BOOT_MAX_ALIGN % pd->write_size ? pd : sd;
        snprintf(why, whylen,
                 "write size %u of %s does not divide 8 (MCUboot's BOOT_MAX_ALIGN): trailer "
                 "fields could not be written one by one",
                 odd->write_size, odd->name);
        return;
    }
    if (unit % pd->erase_size || unit % sd->erase_size) {
        snprintf(why, whylen,
                 "erase sizes 0x%x (%s) and 0x%x (%s): the larger is not a multiple of the "
                 "smaller, so no swap unit covers whole sectors of both slots",
                 pd->erase_size, pd->name, sd->erase_size, sd->name);
        return;
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
        return;
    }
    if (rc == FK_EINVAL && bg->unit != 0 && bg->sec_units < bg->sec_trailer_units + 2) {
        snprintf(why, whylen,
                 "mcuboot_secondary has %u unit(s); it needs its spare unit, %u trailer unit(s) "
                 "and at least one for the image",
                 bg->sec_units, bg->sec_trailer_units);
        return;
    }
    if (rc == FK_EINVAL && bg->unit != 0) {
        snprintf(why, whylen,
                 "mcuboot_primary (%u units) is too small for an image and its trailer",
                 bg->pri_units);
        return;
    }
    snprintf(why, whylen, "the bootloader's slot geometry refuses these slots (%s)",
             fk_err_name(rc));
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
    /* The two slots as the bootloader's map has them (ids 1 and 2). */
    struct fk_flash_dev devs[2];
    stand_in(&devs[0], pd);
    stand_in(&devs[1], sd);
    struct fk_flash_area areas[2] = {
        {FK_AREA_ID_PRIMARY, P->name, &devs[0], P->address, P->size},
        {FK_AREA_ID_SECONDARY, S->name, s.sd == s.pd ? &devs[0] : &devs[1], S->address, S->size},
    };
    struct fk_flash_map map = {areas, 2};
    struct fk_boot_geometry bg;
    int rc = fk_boot_geometry(&map, &bg);
    g->unit = s.sector;
    if (rc != FK_OK) {
        if (why != NULL && whylen > 0) {
            explain(P, S, pd, sd, s.sector, &bg, rc, why, whylen);
        }
        return rc;
    }
    g->unit = bg.unit;
    g->pri_units = bg.pri_units;
    g->sec_units = bg.sec_units;
    g->pri_trailer_units = bg.pri_trailer_units;
    g->sec_trailer_units = bg.sec_trailer_units;
    g->max_units = bg.max_units;
    g->sec_image_off = bg.sec_image_off;
    g->max_image = bg.max_image;
    g->trailer_bytes = bg.trailer_bytes;
    return FK_OK;
}
/* A stock MCUboot row: the slots (and scratch) on stand-in devices, measured
 * by fk_bl_space() with BOOT_MAX_IMG_SECTORS automatic (MCUboot's Zephyr
 * default). */
static void stock_row(const struct fk_layout *l, const struct fk_board *b, enum fk_bl mode,
                      struct fk_layout_strategy_row *row)
{
    const struct fk_bl_mode *m = fk_bl_mode(mode);
    static char names[FK_BL_COUNT][40];
    snprintf(names[mode], sizeof names[mode], "mcuboot:%s", m->name);
    row->name = names[mode];
    struct fk_slots s;
    fk_layout_slots(l, b, &s);
    if (s.p < 0 || s.s < 0 || s.pd < 0 || s.sd < 0) {
        snprintf(row->reason, sizeof row->reason, "the layout lacks %s on a board device",
                 s.p < 0 || s.pd < 0 ? "mcuboot_primary" : "mcuboot_secondary");
        return;
    }
    int scd = s.sc >= 0 ? fk_layout_part_dev(l, b, (unsigned)s.sc) : -1;
    struct fk_flash_dev devs[3];
    memset(devs, 0, sizeof devs);
    stand_in(&devs[0], &b->dev[s.pd]);
    stand_in(&devs[1], &b->dev[s.sd]);
    if (scd >= 0) {
        stand_in(&devs[2], &b->dev[scd]);
    }
    const struct fk_layout_part *P = &l->part[s.p], *S = &l->part[s.s];
    struct fk_flash_area areas[3] = {
        {FK_AREA_ID_PRIMARY, P->name, &devs[0], P->address, P->size},
        {FK_AREA_ID_SECONDARY, S->name, &devs[1], S->address, S->size},
        {FK_AREA_ID_SCRATCH, "mcuboot_scratch", &devs[2], 0, 0},
    };
    if (scd >= 0) {
        areas[2].off = l->part[s.sc].address;
        areas[2].size = l->part[s.sc].size;
    }
    struct fk_flash_map map = {areas, scd >= 0 ? 3u : 2u};
    struct fk_bl_space sp;
    char why[256];
    if (fk_bl_space(mode, &map, 0, &sp, why, sizeof why) != FK_OK) {
        snprintf(row->reason, sizeof row->reason, "%s", why);
        return;
    }
    row->supported = true;
    row->trailer = sp.reserved_bytes;
    row->max_image = sp.max_image;
    snprintf(row->reason, sizeof row->reason,
             "%s; MCUboot trailer %u B (swap status %u B for BOOT_MAX_IMG_SECTORS %u, auto); "
             "uploads at 0x%x; limited by the %s; MCUboot %s%s%s, app %s",
             m->space_rule, sp.trailer_bytes, sp.status_bytes, sp.max_sectors, sp.upload_off,
             sp.limited_by == FK_AREA_ID_PRIMARY ? "primary" : "secondary", m->boot_kconfig,
             m->boot_kconfig2 ? " + " : "", m->boot_kconfig2 ? m->boot_kconfig2 : "",
             m->app_kconfig);
}

void fk_layout_strategies(const struct fk_layout *l, const struct fk_board *b,
                          struct fk_layout_report *r)
{
    for (int k = FK_STRATEGY_MCUBOOT; k < FK_STRATEGY_COUNT; k++) {
        memset(&r->strat[k], 0, sizeof r->strat[k]);
        stock_row(l, b, (enum fk_bl)k, &r->strat[k]);
    }
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
