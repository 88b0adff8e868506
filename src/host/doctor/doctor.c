/*
 * fotakit doctor: find the images, read them, run checks 1-7.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_priv.h"

int fk_doctor_partitions_parse(const char *name, const void *buf, size_t len,
                               struct fk_layout *out, char *err, size_t errlen)
{
    name = name ? name : "<partitions.yml>";
    if (len == 0) {
        memset(out, 0, sizeof *out);
        doc_fmt(err, errlen,
                 "%s: the file is empty: the Partition Manager writes every partition there; "
                 "rebuild to regenerate it",
                 name);
        return FK_EINVAL;
    }
    /* The Partition Manager ends its file with a newline; a file that does
     * not was cut short (a cut between two partitions would still load). */
    if (((const char *)buf)[len - 1] != '\n') {
        memset(out, 0, sizeof *out);
        unsigned lines = 1;
        for (size_t i = 0; i < len; i++) {
            lines += ((const char *)buf)[i] == '\n';
        }
        snprintf(err, errlen,
                 "%s:%u: the file ends in the middle of a line: it is truncated; rebuild to "
                 "regenerate it",
                 name, lines);
        return FK_EINVAL;
    }
    return fk_layout_load_mem(name, buf, len, out, err, errlen);
}

static int load_pm(struct doc_ctx *c, char *err, size_t errlen)
{
    char p[FK_DOC_PATH_LEN * 2];
    doc_fmt(p, sizeof p, "%s/partitions.yml", c->build);
    doc_fmt(c->pm_disp, sizeof c->pm_disp, "%s/partitions.yml", c->bdisp);
    char *buf;
    size_t len;
    int rc = fk_doc_read_file(p, &buf, &len, err, errlen);
    if (rc < 0) {
        return rc;
    }
    rc = fk_doctor_partitions_parse(c->pm_disp, buf, len, &c->pm, err, errlen);
    free(buf);
    return rc;
}

static void free_ctx(struct doc_ctx *c)
{
    for (unsigned i = 0; i < FK_DOC_MAX_IMAGES; i++) {
        fk_doctor_kconfig_free(&c->img[i].kc);
        fk_doctor_dts_free(&c->img[i].dts);
    }
    free(c->app_conf.text);
    free(c->boot_conf.text);
    free(c->sb_conf.text);
    free(c->boot_more[0].text);
    free(c->boot_more[1].text);
}

/* Images found but not examined, and images without a devicetree. */
static void note_images(struct doc_ctx *c)
{
    for (unsigned i = 0; i < c->nimg; i++) {
        struct doc_img *im = &c->img[i];
        if (im->role == ROLE_OTHER || im->role == ROLE_NETCORE) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_NOTE, 7, "image-skipped", im->name,
                "image '%s' (%s) was read but not examined: fotakit doctor checks the "
                "application and MCUboot",
                im->name, im->dir);
            doc_evid(f, "%s: %zu symbols", im->cfg_disp, im->kc.count);
        }
        if ((im->role == ROLE_APP || im->role == ROLE_MCUBOOT) && !im->have_dts) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_WARNING, 7, "no-devicetree", im->name,
                "%s has no zephyr/zephyr.dts: its flash devices and drivers are not checked",
                im->name);
            doc_evid(f, "%s: missing", im->dts_disp);
        }
    }
    const char *why;
    int era = doc_era(&c->img[c->app], &why);
    doc_fmt(c->r->era, sizeof c->r->era, "%s", era == 2   ? "NCS >= 2.3 names"
                                                : era == 1 ? "NCS <= 2.2 names"
                                                           : "unknown");
}

int fk_doctor_run(const char *build, const char *source, struct fk_doc_report *r, char *err,
                  size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct doc_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        doc_fmt(err, errlen, "out of memory");
        return FK_ENOMEM;
    }
    c->r = r;
    int rc = doc_find(c, build, source, err, errlen);
    if (rc == FK_OK) {
        rc = load_pm(c, err, errlen);
    }
    if (rc == FK_OK) {
        doc_fmt(r->build, sizeof r->build, "%s", c->build);
        doc_fmt(r->source, sizeof r->source, "%s", c->source);
        doc_fmt(r->layout_kind, sizeof r->layout_kind, "%s",
                 c->sysbuild ? "sysbuild" : "child-image");
        for (unsigned i = 0; i < c->nimg; i++) {
            doc_fmt(r->img[i].name, sizeof r->img[i].name, "%s", c->img[i].name);
            doc_fmt(r->img[i].dir, sizeof r->img[i].dir, "%s", c->img[i].dir);
            r->img[i].has_dts = c->img[i].have_dts;
        }
        r->nimg = c->nimg;
        doc_find_sources(c);
        note_images(c);
        doc_check_flash(c);
        doc_check_layout(c);
        doc_check_boot(c);
        doc_check_update(c);
        doc_check_fragment(c, &c->app_conf, &c->img[c->app]);
        doc_check_fragment(c, &c->boot_conf, &c->img[c->mcuboot]);
        doc_check_fragment(c, &c->boot_more[0], &c->img[c->mcuboot]);
        doc_check_fragment(c, &c->boot_more[1], &c->img[c->mcuboot]);
        doc_sort(r);
    }
    free_ctx(c);
    free(c);
    return rc;
}
