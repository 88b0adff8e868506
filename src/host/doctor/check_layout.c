/*
 * Check 4: partition alignment, overlap, spans, end of device: fotakit's
 * layout rules (fk_layout_check), run on partitions.yml against a board
 * built from the images' devicetrees. Only the rules that apply to any
 * MCUboot layout are kept (not fotakit's own: counters, strategy,
 * bootloader at 0 -- NSIB builds put MCUboot in s0 -- or "missing
 * partition", which the other checks say in NCS terms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_priv.h"

static bool flash_region(const char *r)
{
    return !strcmp(r, "flash_primary") || !strcmp(r, "external_flash");
}

static bool known_region(const char *r)
{
    return flash_region(r) || !strcmp(r, "ram_flash") || !strncmp(r, "sram", 4) ||
           !strcmp(r, "otp") || !strcmp(r, "bootconf");
}

static bool kept_rule(enum fk_layout_rule rule)
{
    switch (rule) {
    case FK_RULE_ERASE_ALIGN:
    case FK_RULE_END_ADDRESS:
    case FK_RULE_OVERLAP:
    case FK_RULE_SPAN_COVER:
    case FK_RULE_SPAN_MISSING:
    case FK_RULE_SPAN_GAP:
    case FK_RULE_BEYOND_DEVICE:
    case FK_RULE_REGION_OVERFLOW:
    case FK_RULE_SHARE_SIZE:
    case FK_RULE_PRIMARY_INTERNAL:
        return true;
    default:
        return false;
    }
}

/* The SoC flash of the first image that has one in its devicetree. */
static bool soc_flash(struct doc_ctx *c, struct fk_dts_flash *out, const struct doc_img **from)
{
    int order[2] = {c->app, c->mcuboot};
    for (int i = 0; i < 2; i++) {
        const struct doc_img *im = &c->img[order[i]];
        char path[160];
        if (im->have_dts && fk_dts_chosen(&im->dts, "zephyr,flash", path, sizeof path)[0] &&
            fk_dts_flash_at(&im->dts, path, out) == FK_OK && out->size) {
            *from = im;
            return true;
        }
    }
    return false;
}

/* The project's static file against the result: a partition whose place
 * differs was not applied as written (another file won, or the Partition
 * Manager changed it). Layout findings also quote the static file's line. */
static void check_static(struct doc_ctx *c, struct fk_layout *st)
{
    char e[FK_DOC_ERR_LEN];
    if (fk_layout_load(c->pm_static, st, e, sizeof e) < 0) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 7, "pm-static-unreadable", "build",
            "the project's %s cannot be read as a partition file, so its lines are not quoted: "
            "%s",
            c->pm_static_disp, e);
        (void)f;
        st->count = 0;
        return;
    }
    for (unsigned i = 0; i < st->count; i++) {
        const struct fk_layout_part *s = &st->part[i];
        const struct fk_layout_part *p = doc_part(c, s->name);
        if (p && (p->address != s->address || p->size != s->size)) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_NOTE, 7, "pm-static-differs", "build",
                "%s says %s is at 0x%x, 0x%x bytes, but the build placed it at 0x%x, 0x%x "
                "bytes: the static file was not applied as written (another pm_static file, "
                "or the Partition Manager adjusted it)",
                c->pm_static_disp, s->name, s->address, s->size, p->address, p->size);
            doc_evid(f, "%s:%u: %s", c->pm_static_disp, s->line, s->name);
            doc_evid_part(f, c, s->name);
        }
    }
}

/* "pm_static.yml:40: mcuboot_secondary: address 0x43800, size 0x3a800" */
static void evid_static(struct doc_ctx *c, struct fk_doc_finding *f, const struct fk_layout *st,
                        const char *part)
{
    int i = fk_layout_find(st, part);
    if (i >= 0) {
        doc_evid(f, "%s:%u: %s: address 0x%x, size 0x%x", c->pm_static_disp, st->part[i].line,
                 part, st->part[i].address, st->part[i].size);
    }
}

void doc_check_layout(struct doc_ctx *c)
{
    struct fk_layout *l = malloc(sizeof *l);
    struct fk_layout_report *rep = malloc(sizeof *rep);
    struct fk_board b;
    if (!l || !rep) {
        free(l);
        free(rep);
        return;
    }
    memset(l, 0, sizeof *l);
    memset(&b, 0, sizeof b);
    struct fk_layout *st = calloc(1, sizeof *st);
    if (st && c->pm_static[0]) {
        check_static(c, st);
    }
    doc_fmt(l->path, sizeof l->path, "%s", c->pm_disp);
    bool has_ext = false;
    for (unsigned i = 0; i < c->pm.count; i++) {
        const struct fk_layout_part *p = &c->pm.part[i];
        if (!known_region(p->region)) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_WARNING, 7, "unknown-region", "build",
                "partition %s is in region '%s', which fotakit doctor does not know: its "
                "placement is not checked",
                p->name, p->region);
            doc_evid_part(f, c, p->name);
        }
        if (!flash_region(p->region)) {
            continue;
        }
        has_ext = has_ext || !strcmp(p->region, "external_flash");
        l->part[l->count] = *p;
        l->part[l->count].device[0] = '\0'; /* the doctor resolves devices itself */
        l->count++;
    }
    /* Board: the SoC flash, and the external flash as the devicetree says. */
    struct fk_dts_flash soc;
    const struct doc_img *from = NULL;
    const char *how = "";
    struct fk_board_dev *d = &b.dev[b.count++];
    doc_fmt(d->name, sizeof d->name, "flash_primary");
    d->kind = FK_KIND_INTERNAL;
    d->write_size = 4;
    d->erase_size = doc_soc_erase(&c->img[c->app], &how);
    if (soc_flash(c, &soc, &from)) {
        d->size = (uint32_t)soc.size;
    } else {
        d->size = 0xffffffffu; /* unknown: nothing is "past the end" */
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 7, "no-soc-flash", "build",
            "no image's devicetree names the SoC flash (chosen zephyr,flash with a reg): "
            "partitions past the end of internal flash are not checked");
        (void)f;
    }
    bool ext_sized = false;
    if (has_ext) {
        struct fk_board_dev *e = &b.dev[b.count++];
        doc_fmt(e->name, sizeof e->name, "external_flash");
        e->kind = FK_KIND_SPI_NOR;
        e->write_size = 1;
        e->erase_size = 4096; /* NOR 4 KiB sectors */
        e->size = 0xffffffffu;
        int order[2] = {c->app, c->mcuboot};
        for (int i = 0; i < 2; i++) {
            char node[160];
            const char *h;
            struct fk_dts_flash fl;
            doc_ext_flash_node(c, &c->img[order[i]], node, sizeof node, &h);
            if (node[0] && fk_dts_flash_at(&c->img[order[i]].dts, node, &fl) == FK_OK) {
                e->kind = fl.kind == FK_DTS_FLASH_QSPI_NOR ? FK_KIND_QSPI_NOR : FK_KIND_SPI_NOR;
                if (fl.erase_size) {
                    e->erase_size = fl.erase_size;
                }
                if (fl.size && fl.size <= 0xffffffffu) {
                    e->size = (uint32_t)fl.size;
                    ext_sized = true;
                }
                break;
            }
        }
    }
    fk_layout_check(l, &b, "the devicetree", -1, rep);
    for (unsigned i = 0; i < rep->count; i++) {
        const struct fk_layout_finding *lf = &rep->f[i];
        if (!kept_rule(lf->rule)) {
            continue;
        }
        /* check 3 reports the external flash's size with its evidence */
        if ((lf->rule == FK_RULE_BEYOND_DEVICE || lf->rule == FK_RULE_REGION_OVERFLOW) &&
            ext_sized &&
            ((lf->part[0] && doc_part(c, lf->part) &&
              !strcmp(doc_part(c, lf->part)->region, "external_flash")) ||
             strstr(lf->msg, "region external_flash"))) {
            continue;
        }
        enum fk_doc_sev sev = lf->sev == FK_LAYOUT_ERROR     ? FK_DOC_ERROR
                              : lf->sev == FK_LAYOUT_WARNING ? FK_DOC_WARNING
                                                             : FK_DOC_NOTE;
        struct fk_doc_finding *f =
            doc_add(c, sev, 4, fk_layout_rule_name(lf->rule), "build", "%s", lf->msg);
        if (lf->part[0]) {
            doc_evid_part(f, c, lf->part);
        }
        if (lf->part2[0] && strcmp(lf->part2, lf->part) != 0) {
            doc_evid_part(f, c, lf->part2);
        }
        if (st && lf->part[0]) {
            evid_static(c, f, st, lf->part);
        }
        if (lf->rule == FK_RULE_ERASE_ALIGN || lf->rule == FK_RULE_BEYOND_DEVICE) {
            const struct fk_layout_part *p = lf->part[0] ? doc_part(c, lf->part) : NULL;
            bool ext = p && !strcmp(p->region, "external_flash");
            if (!ext && from) {
                doc_evid_dts(f, from, soc.path, lf->rule == FK_RULE_ERASE_ALIGN
                                                     ? "erase-block-size"
                                                     : "reg",
                             "%s: size 0x%llx, erase-block-size 0x%x", soc.path,
                             (unsigned long long)soc.size, b.dev[0].erase_size);
            } else if (!ext) {
                doc_evid(f, "erase page 0x%x: %s", b.dev[0].erase_size, how);
            }
        }
        const struct fk_layout_part *p = lf->part[0] ? doc_part(c, lf->part) : NULL;
        int di = p && !strcmp(p->region, "external_flash") ? 1 : 0;
        uint32_t es = di < (int)b.count ? b.dev[di].erase_size : 0;
        if (lf->rule == FK_RULE_ERASE_ALIGN && p && es) {
            /* the largest whole-sector range inside the old one: no neighbour moves */
            uint64_t lo = ((uint64_t)p->address + es - 1) / es * es;
            uint64_t hi = ((uint64_t)p->address + p->size) / es * es;
            doc_fix(f, c->pm_static_disp,
                    "%s: { address: 0x%llx, end_address: 0x%llx, size: 0x%llx }  # whole "
                    "0x%x-byte sectors",
                    p->name, (unsigned long long)lo, (unsigned long long)hi,
                    (unsigned long long)(hi > lo ? hi - lo : 0), es);
        } else {
            const char *fix = strstr(lf->msg, "fix: ");
            doc_fix(f, c->pm_static_disp, "%s%s%s", lf->part[0] ? lf->part : "",
                    lf->part[0] ? ":  # " : "# ", fix ? fix + 5 : "correct the partition");
        }
        if (lf->rule == FK_RULE_REGION_OVERFLOW && from) {
            doc_evid_dts(f, from, soc.path, "reg", "%s: size 0x%llx", soc.path,
                         (unsigned long long)soc.size);
        }
    }
    free(l);
    free(rep);
    free(st);
}
