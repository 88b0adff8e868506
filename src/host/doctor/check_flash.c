/*
 * Checks 1-3: every partition an image must open is on a device whose
 * driver that image has; drivers for disabled or absent nodes and two
 * drivers claiming the external flash; the external flash is the same
 * device in every image and covers its partitions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_priv.h"

const struct fk_layout_part *doc_part(const struct doc_ctx *c, const char *name)
{
    int i = fk_layout_find(&c->pm, name);
    return i >= 0 ? &c->pm.part[i] : NULL;
}

/* Documented erase-page size of the SoC families' flash (the devicetree's
 * erase-block-size wins when present). */
static const struct {
    const char *series;
    uint32_t page;
} soc_pages[] = {
    {"SOC_SERIES_NRF51X", 1024}, {"SOC_SERIES_NRF52X", 4096}, {"SOC_SERIES_NRF53X", 4096},
    {"SOC_SERIES_NRF91X", 4096}, {"SOC_SERIES_NRF54LX", 4096},
};

uint32_t doc_soc_erase(const struct doc_img *im, const char **how)
{
    if (im->have_dts) {
        char path[160];
        struct fk_dts_flash f;
        if (fk_dts_chosen(&im->dts, "zephyr,flash", path, sizeof path)[0] &&
            fk_dts_flash_at(&im->dts, path, &f) == FK_OK && f.erase_size) {
            *how = "erase-block-size in the devicetree";
            return f.erase_size;
        }
    }
    for (size_t i = 0; i < sizeof soc_pages / sizeof soc_pages[0]; i++) {
        if (fk_kconfig_y(&im->kc, soc_pages[i].series)) {
            *how = "the SoC family's documented page size";
            return soc_pages[i].page;
        }
    }
    *how = "assumed (unknown SoC family)";
    return 4096;
}

const char *doc_ext_flash_node(const struct doc_ctx *c, const struct doc_img *im, char *buf,
                               size_t len, const char **how)
{
    buf[0] = '\0';
    *how = "";
    if (!im->have_dts) {
        return buf;
    }
    if (fk_dts_chosen(&im->dts, "nordic,pm-ext-flash", buf, len)[0]) {
        *how = "chosen nordic,pm-ext-flash";
        return buf;
    }
    /* Older NCS: PM names the device by its label (partitions.yml `device:`,
     * CONFIG_PM_EXTERNAL_FLASH_DEV_NAME). */
    const struct fk_layout_part *s = doc_part(c, "mcuboot_secondary");
    const char *names[3] = {NULL, NULL, NULL};
    if (s && s->device[0] && strncmp(s->device, "DT_", 3) != 0) {
        names[0] = s->device;
    }
    const struct fk_kc_sym *k = fk_kconfig_get(&im->kc, "PM_EXTERNAL_FLASH_DEV_NAME");
    if (k && k->type == FK_KC_STRING && k->value[0]) {
        names[1] = k->value;
    }
    for (int i = 0; i < 2; i++) {
        if (!names[i]) {
            continue;
        }
        if (fk_dts_find_label(&im->dts, names[i], buf, len)[0]) {
            *how = i == 0 ? "partitions.yml device label" : "CONFIG_PM_EXTERNAL_FLASH_DEV_NAME";
            return buf;
        }
        char low[64];
        size_t n = 0;
        for (; names[i][n] && n + 1 < sizeof low; n++) {
            low[n] = (char)tolower((unsigned char)names[i][n]);
        }
        low[n] = '\0';
        if (fk_dts_find_label(&im->dts, low, buf, len)[0]) {
            *how = "partitions.yml device name as a node label";
            return buf;
        }
    }
    return buf;
}

static const char *kind_text(enum fk_dts_flash_kind k)
{
    return k == FK_DTS_FLASH_SPI_NOR    ? "SPI NOR (jedec,spi-nor)"
           : k == FK_DTS_FLASH_QSPI_NOR ? "QSPI NOR (nordic,qspi-nor)"
           : k == FK_DTS_FLASH_SOC      ? "SoC flash"
                                        : "flash";
}

static const char *img_conf(const struct doc_ctx *c, const struct doc_img *im)
{
    return im->role == ROLE_MCUBOOT ? c->boot_conf.disp : c->app_conf.disp;
}

static const char *img_overlay(const struct doc_ctx *c, const struct doc_img *im)
{
    return im->role == ROLE_MCUBOOT ? c->boot_overlay : c->app_overlay;
}

static const char *img_who(const struct doc_img *im)
{
    return im->role == ROLE_MCUBOOT ? "MCUboot" : "the application";
}

/* Does the application write the secondary slot(s)? (mcumgr image upload,
 * or any other DFU target through the image manager.) */
static bool app_writes(const struct doc_img *app)
{
    return fk_kconfig_y(&app->kc, "IMG_MANAGER") || doc_sym_y(app, SYM_GRP_IMG) ||
           fk_kconfig_y(&app->kc, "DFU_TARGET_MCUBOOT");
}

static int updateable_images(const struct doc_img *boot)
{
    const struct fk_kc_sym *k = fk_kconfig_get(&boot->kc, "UPDATEABLE_IMAGE_NUMBER");
    return k && k->type == FK_KC_INT && k->num >= 1 && k->num <= 4 ? (int)k->num : 1;
}

/* The symbols an image needs for a flash device of this kind. */
static size_t needed_syms(enum fk_dts_flash_kind kind, const char **out)
{
    size_t n = 0;
    if (kind == FK_DTS_FLASH_SPI_NOR) {
        out[n++] = "SPI";
        out[n++] = "SPI_NOR";
    } else if (kind == FK_DTS_FLASH_QSPI_NOR) {
        out[n++] = "NORDIC_QSPI_NOR";
    }
    out[n++] = "FLASH";
    return n;
}

/* Source evidence: where (if anywhere) the user's fragment sets sym. */
static void evid_frag(struct fk_doc_finding *f, const struct doc_frag *fr, const char *sym)
{
    char v[64];
    unsigned line = doc_frag_line(fr, sym, v, sizeof v);
    if (line) {
        doc_evid(f, "%s:%u: CONFIG_%s=%s", fr->disp, line, sym, v);
    } else if (fr->text) {
        doc_evid(f, "%s: no CONFIG_%s line", fr->disp, sym);
    }
}

/* Check 1 for one image and one external partition. Returns true when a
 * finding was made (one per image and device). */
static bool check_ext_part(struct doc_ctx *c, struct doc_img *im, const char *part,
                           const char *why)
{
    const struct fk_layout_part *p = doc_part(c, part);
    char node[160];
    const char *how;
    if (!im->have_dts) {
        struct fk_doc_finding *f =
            doc_add(c, FK_DOC_WARNING, 7, "no-devicetree", im->name,
                    "%s is on external flash, but %s has no zephyr.dts in the build folder: "
                    "cannot tell whether %s can open it",
                    part, img_who(im), img_who(im));
        doc_evid(f, "%s: missing", im->dts_disp);
        return true;
    }
    doc_ext_flash_node(c, im, node, sizeof node, &how);
    if (!node[0]) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 1, "no-ext-flash-node", im->name,
            "%s (%s) is on the external flash, but %s's devicetree has no external flash "
            "for the Partition Manager (no chosen nordic,pm-ext-flash, no node labelled '%s'): "
            "%s cannot open %s, the run-time 'Failed to open flash area' (-19)",
            part, why, img_who(im), p && p->device[0] ? p->device : "?", img_who(im), part);
        doc_evid_part(f, c, part);
        doc_evid(f, "%s: no nordic,pm-ext-flash in /chosen", im->dts_disp);
        doc_fix(f, img_overlay(c, im), "/ { chosen { nordic,pm-ext-flash = &<flash node>; }; };");
        return true;
    }
    struct fk_dts_flash fl;
    if (fk_dts_flash_at(&im->dts, node, &fl) != FK_OK) {
        return false;
    }
    if (fl.kind == FK_DTS_FLASH_OTHER) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 7, "unknown-flash", im->name,
            "%s is on %s (compatible \"%s\"), a flash fotakit doctor does not know the driver "
            "of: whether %s can open it is not checked",
            part, fl.path, fl.compatible, img_who(im));
        doc_evid_dts(f, im, fl.path, "compatible", "compatible = \"%s\"", fl.compatible);
        return true;
    }
    const char *need[4];
    size_t nn = needed_syms(fl.kind, need);
    const char *missing[4];
    size_t nm = 0;
    for (size_t i = 0; i < nn; i++) {
        if (!fk_kconfig_y(&im->kc, need[i])) {
            missing[nm++] = need[i];
        }
    }
    bool node_off = !fl.okay || (fl.bus_path[0] && !fl.bus_okay);
    if (nm == 0 && !node_off) {
        return false;
    }
    /* Who else has the driver: the "only MCUboot knows" pattern. */
    const struct doc_img *other = NULL;
    if (im->role == ROLE_APP && c->mcuboot >= 0) {
        other = &c->img[c->mcuboot];
    } else if (im->role == ROLE_MCUBOOT && c->app >= 0) {
        other = &c->img[c->app];
    }
    bool other_has = other != NULL && nm > 0;
    for (size_t i = 0; other && i < nm; i++) {
        other_has = other_has && fk_kconfig_y(&other->kc, missing[i]);
    }
    char list[160] = "", fixl[200] = "";
    for (size_t i = 0; i < nm; i++) {
        size_t ll = strlen(list), fl2 = strlen(fixl);
        doc_fmt(list + ll, sizeof list - ll, "%sCONFIG_%s", i ? ", " : "", missing[i]);
        doc_fmt(fixl + fl2, sizeof fixl - fl2, "%sCONFIG_%s=y", i ? "\n" : "", missing[i]);
    }
    char where[200];
    doc_fmt(where, sizeof where, "%s%s%s%s", fl.label[0] ? fl.label : fl.path,
             fl.bus_path[0] ? " on " : "", fl.bus_label[0] ? fl.bus_label : fl.bus_path, "");
    struct fk_doc_finding *f;
    if (nm) {
        f = doc_add(c, FK_DOC_ERROR, 1, "driver-missing", im->name,
                    "%s is on the external %s %s, but %s is built without its driver (%s "
                    "off)%s: %s cannot open %s (%s) and fails with -19 'Failed to open flash "
                    "area'",
                    part, kind_text(fl.kind), where, img_who(im), list,
                    other_has ? (im->role == ROLE_APP ? "; only MCUboot knows the chip"
                                                      : "; only the application knows the chip")
                              : "",
                    img_who(im), part, why);
        for (size_t i = 0; i < nm; i++) {
            doc_evid_sym(f, im, missing[i]);
        }
        evid_frag(f, im->role == ROLE_MCUBOOT ? &c->boot_conf : &c->app_conf, missing[0]);
        if (other_has) {
            doc_evid_sym(f, other, missing[0]);
        }
        doc_evid_dts(f, im, fl.path, NULL, "%s: compatible \"%s\"%s%s", fl.path, fl.compatible,
                     fl.bus_path[0] ? " under " : "", fl.bus_path);
        doc_evid_part(f, c, part);
        doc_fix(f, img_conf(c, im), "%s", fixl);
    }
    if (node_off) {
        const char *off = !fl.okay ? fl.path : fl.bus_path;
        f = doc_add(c, FK_DOC_ERROR, 1, "flash-node-disabled", im->name,
                    "%s is on %s, but in %s's devicetree %s is disabled: the driver does not "
                    "create the device, so %s cannot open %s (-19)",
                    part, where, img_who(im), off, img_who(im), part);
        doc_evid_dts(f, im, off, "status", "%s: status = \"disabled\"", off);
        doc_evid_part(f, c, part);
        doc_fix(f, img_overlay(c, im), "&%s { status = \"okay\"; };",
                !fl.okay ? (fl.label[0] ? fl.label : fl.path)
                         : (fl.bus_label[0] ? fl.bus_label : fl.bus_path));
    }
    return true;
}

/* Check 1 over the partitions each image must open. */
static void check_needed(struct doc_ctx *c)
{
    struct doc_img *boot = &c->img[c->mcuboot];
    struct doc_img *app = &c->img[c->app];
    int nimg = updateable_images(boot);
    for (int who = 0; who < 2; who++) {
        struct doc_img *im = who == 0 ? app : boot;
        if (who == 0 && !app_writes(app)) {
            continue;
        }
        /* one finding per image: the slots of images 0 and 1 share a device */
        bool done = false;
        for (int n = 0; n < nimg && !done; n++) {
            for (int slot = 0; slot < 2; slot++) {
                if (who == 0 && slot == 0) {
                    continue; /* the application only writes the secondary */
                }
                char name[48];
                doc_fmt(name, sizeof name, "mcuboot_%s", slot ? "secondary" : "primary");
                if (n > 0) {
                    doc_fmt(name + strlen(name), sizeof name - strlen(name), "_%d", n);
                }
                const struct fk_layout_part *p = doc_part(c, name);
                if (!p || strcmp(p->region, "external_flash") != 0) {
                    continue;
                }
                const char *why = who == 0 ? "mcumgr/DFU uploads are written there"
                                           : "MCUboot reads and swaps both slots";
                if (check_ext_part(c, im, name, why)) {
                    done = true;
                    break;
                }
            }
        }
    }
    const struct fk_layout_part *p1 = doc_part(c, "mcuboot_primary_1");
    if (nimg >= 2 && p1 && !strcmp(p1->region, "ram_flash")) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_NOTE, 7, "netcore-ram-flash", "mcuboot",
            "mcuboot_primary_1 is in ram_flash: the nRF5340 network core is updated through "
            "RAM and the PCD handshake, which fotakit doctor does not check");
        doc_evid_part(f, c, "mcuboot_primary_1");
    }
    if (nimg >= 2 && !doc_part(c, "mcuboot_secondary_1")) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 5, "image-count", "mcuboot",
            "MCUboot is built for %d updateable images but partitions.yml has no "
            "mcuboot_secondary_1: image 1 cannot be updated, and MCUboot looks for slots that "
            "do not exist",
            nimg);
        doc_evid_sym(f, boot, "UPDATEABLE_IMAGE_NUMBER");
        doc_evid(f, "%s: no mcuboot_secondary_1", c->pm_disp);
        doc_fix(f, c->boot_conf.disp, "CONFIG_UPDATEABLE_IMAGE_NUMBER=1");
    }
}

/* Check 2: drivers enabled for nodes that are disabled or absent; two
 * drivers for the external flash. */
static void check_extra_drivers(struct doc_ctx *c, struct doc_img *im)
{
    if (!im->have_dts) {
        return;
    }
    char ext[160];
    const char *how;
    doc_ext_flash_node(c, im, ext, sizeof ext, &how);
    struct fk_dts_flash extf = {0};
    if (ext[0]) {
        fk_dts_flash_at(&im->dts, ext, &extf);
    }
    /* What this image opens on the external flash: MCUboot its slots; the
     * application any partition there but the Partition Manager's
     * 'external_flash' remainder. */
    bool ext_used = false;
    for (unsigned i = 0; i < c->pm.count; i++) {
        const struct fk_layout_part *p = &c->pm.part[i];
        if (strcmp(p->region, "external_flash") != 0) {
            continue;
        }
        ext_used = ext_used || (im->role == ROLE_MCUBOOT ? !strncmp(p->name, "mcuboot_", 8)
                                                         : strcmp(p->name, "external_flash") != 0);
    }
    struct fk_dts_flash q[4];
    size_t nq = fk_dts_flash_all(&im->dts, FK_DTS_FLASH_QSPI_NOR, q, 4);
    size_t qok = 0;
    for (size_t i = 0; i < nq; i++) {
        qok += q[i].okay && (!q[i].bus_path[0] || q[i].bus_okay);
    }
    if (fk_kconfig_y(&im->kc, "NORDIC_QSPI_NOR")) {
        bool ext_is_other = ext[0] && extf.kind != FK_DTS_FLASH_QSPI_NOR;
        /* Likely cause (the Kconfig tree is not in a build folder; inferred). */
        char cause[300];
        char v[32];
        unsigned fl = doc_frag_line(im->role == ROLE_MCUBOOT ? &c->boot_conf : &c->app_conf,
                                    "NORDIC_QSPI_NOR", v, sizeof v);
        const struct fk_kc_sym *ota = fk_kconfig_get(&im->kc, "NCS_SAMPLE_MCUMGR_BT_OTA_DFU");
        if (fl) {
            doc_fmt(cause, sizeof cause, "set in %s:%u",
                     im->role == ROLE_MCUBOOT ? c->boot_conf.disp : c->app_conf.disp, fl);
        } else if (ota && ota->type == FK_KC_BOOL) {
            doc_fmt(cause, sizeof cause,
                     "inferred: CONFIG_NCS_SAMPLE_MCUMGR_BT_OTA_DFU=y (%s:%u) pulls in flash "
                     "support (it implies CONFIG_FLASH), and Zephyr turns "
                     "CONFIG_NORDIC_QSPI_NOR on by default for a nordic,qspi-nor node; nothing "
                     "in the project says n",
                     im->cfg_disp, ota->line);
        } else {
            doc_fmt(cause, sizeof cause,
                     "inferred: Zephyr's default y for an enabled nordic,qspi-nor node (board "
                     "devicetree); nothing in the project says n");
        }
        struct fk_doc_finding *f = NULL;
        if (qok == 0) {
            f = doc_add(c, ext_is_other ? FK_DOC_ERROR : FK_DOC_WARNING, 2, "driver-no-node",
                        im->name,
                        "CONFIG_NORDIC_QSPI_NOR=y in %s, but %s: the QSPI driver has no device "
                        "to drive%s (%s)",
                        img_who(im),
                        nq ? "the qspi flash node or its controller is disabled"
                           : "the devicetree has no nordic,qspi-nor node",
                        ext_is_other ? " while the Partition Manager's external flash is another "
                                       "device; two drivers claim the external flash and the "
                                       "QSPI one owns the pins and power"
                                     : "",
                        cause);
            if (nq) {
                const char *off = !q[0].okay ? q[0].path : q[0].bus_path;
                doc_evid_dts(f, im, off, "status", "%s: status = \"disabled\"", off);
            }
        } else if (ext_is_other) {
            f = doc_add(c, FK_DOC_ERROR, 2, "two-drivers", im->name,
                        "CONFIG_NORDIC_QSPI_NOR=y and the QSPI flash %s is enabled, but the "
                        "Partition Manager's external flash is %s (%s): two drivers claim the "
                        "external flash (%s)",
                        q[0].label[0] ? q[0].label : q[0].path, extf.label[0] ? extf.label : ext,
                        kind_text(extf.kind), cause);
            doc_evid_dts(f, im, q[0].path, NULL, "%s: compatible \"nordic,qspi-nor\"", q[0].path);
        } else if (!ext_used || !ext[0]) {
            f = doc_add(c, FK_DOC_NOTE, 2, "driver-unused", im->name,
                        "CONFIG_NORDIC_QSPI_NOR=y in %s but no partition %s uses is on external "
                        "flash: the driver costs flash, RAM and power for nothing here (%s)",
                        img_who(im), img_who(im), cause);
        }
        if (f) {
            doc_evid_sym(f, im, "NORDIC_QSPI_NOR");
            if (ota && ota->type == FK_KC_BOOL && !fl) {
                doc_evid_sym(f, im, "NCS_SAMPLE_MCUMGR_BT_OTA_DFU");
            }
            if (ext[0] && f->sev == FK_DOC_ERROR) {
                doc_evid_dts(f, im, "/chosen", "nordic,pm-ext-flash",
                             "nordic,pm-ext-flash = %s (%s)", ext, kind_text(extf.kind));
            }
            doc_fix(f, img_conf(c, im), "CONFIG_NORDIC_QSPI_NOR=n");
        }
    }
    if (fk_kconfig_y(&im->kc, "SPI_NOR")) {
        struct fk_dts_flash s[4];
        size_t ns = fk_dts_flash_all(&im->dts, FK_DTS_FLASH_SPI_NOR, s, 4);
        size_t sok = 0;
        for (size_t i = 0; i < ns; i++) {
            sok += s[i].okay && (!s[i].bus_path[0] || s[i].bus_okay);
        }
        if (sok == 0) {
            struct fk_doc_finding *f =
                doc_add(c, FK_DOC_WARNING, 2, "driver-no-node", im->name,
                        "CONFIG_SPI_NOR=y in %s, but no enabled jedec,spi-nor node (with an "
                        "enabled SPI controller) is in its devicetree: the driver has no device",
                        img_who(im));
            doc_evid_sym(f, im, "SPI_NOR");
            doc_fix(f, img_conf(c, im), "CONFIG_SPI_NOR=n");
        }
    }
}

static const char *leaf(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Check 3: the external flash PM used is the same device in every image
 * and covers the partitions on it. */
static void check_ext_same(struct doc_ctx *c)
{
    uint64_t end = 0;
    const struct fk_layout_part *last = NULL;
    for (unsigned i = 0; i < c->pm.count; i++) {
        const struct fk_layout_part *p = &c->pm.part[i];
        if (!strcmp(p->region, "external_flash") && p->size &&
            (uint64_t)p->address + p->size > end) {
            end = (uint64_t)p->address + p->size;
            last = p;
        }
    }
    if (!last) {
        return;
    }
    struct doc_img *ims[2] = {&c->img[c->app], &c->img[c->mcuboot]};
    struct fk_dts_flash fl[2];
    bool have[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        char node[160];
        const char *how;
        doc_ext_flash_node(c, ims[i], node, sizeof node, &how);
        have[i] = node[0] && fk_dts_flash_at(&ims[i]->dts, node, &fl[i]) == FK_OK;
    }
    if (have[0] && have[1]) {
        const char *what = NULL;
        char a[80], b[80];
        /* Paths differ between secure and non-secure images (peripheral@50000000
         * vs @40000000): compare the node's and its bus's own names. */
        if (strcmp(leaf(fl[0].path), leaf(fl[1].path)) != 0 ||
            strcmp(leaf(fl[0].bus_path), leaf(fl[1].bus_path)) != 0) {
            what = "node";
            doc_fmt(a, sizeof a, "%s", fl[0].path);
            doc_fmt(b, sizeof b, "%s", fl[1].path);
        } else if (fl[0].kind != fl[1].kind) {
            what = "compatible";
            doc_fmt(a, sizeof a, "%s", fl[0].compatible);
            doc_fmt(b, sizeof b, "%s", fl[1].compatible);
        } else if (fl[0].size != fl[1].size) {
            what = "size";
            doc_fmt(a, sizeof a, "0x%llx", (unsigned long long)fl[0].size);
            doc_fmt(b, sizeof b, "0x%llx", (unsigned long long)fl[1].size);
        } else if (fl[0].has_jedec_id != fl[1].has_jedec_id ||
                   memcmp(fl[0].jedec_id, fl[1].jedec_id, 3) != 0) {
            what = "jedec-id";
            doc_fmt(a, sizeof a, "%02x %02x %02x", fl[0].jedec_id[0], fl[0].jedec_id[1],
                     fl[0].jedec_id[2]);
            doc_fmt(b, sizeof b, "%02x %02x %02x", fl[1].jedec_id[0], fl[1].jedec_id[1],
                     fl[1].jedec_id[2]);
        }
        if (what) {
            struct fk_doc_finding *f =
                doc_add(c, FK_DOC_ERROR, 3, "ext-flash-differs", "build",
                        "the external flash differs between the images (%s: application %s, "
                        "MCUboot %s): the two images do not agree where the slots are",
                        what, a, b);
            const char *prop = !strcmp(what, "size")       ? "size"
                               : !strcmp(what, "jedec-id")   ? "jedec-id"
                               : !strcmp(what, "compatible") ? "compatible"
                                                             : NULL;
            doc_evid_dts(f, ims[0], fl[0].path, prop, "%s%s%s", fl[0].path, prop ? ": " : "",
                         prop ? a : "");
            doc_evid_dts(f, ims[1], fl[1].path, prop, "%s%s%s", fl[1].path, prop ? ": " : "",
                         prop ? b : "");
            const char *lab = fl[0].label[0] ? fl[0].label : "<flash node>";
            if (prop && !strcmp(prop, "size")) {
                doc_fix(f, c->boot_overlay, "&%s { size = <0x%llx>; };", lab,
                        (unsigned long long)fl[0].size * 8);
            } else if (prop && !strcmp(prop, "jedec-id")) {
                doc_fix(f, c->boot_overlay, "&%s { jedec-id = [%02x %02x %02x]; };", lab,
                        fl[0].jedec_id[0], fl[0].jedec_id[1], fl[0].jedec_id[2]);
            } else {
                doc_fix(f, c->boot_overlay, "/ { chosen { nordic,pm-ext-flash = &%s; }; };", lab);
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!have[i] || fl[i].size == 0 || end <= fl[i].size) {
            continue;
        }
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 3, "ext-flash-size", "build",
            "the partitions on external_flash reach 0x%llx (%s ends there), but %s is 0x%llx "
            "bytes (%llu KiB; the devicetree's size is in bits): 0x%llx bytes of partitions do "
            "not exist; every access past 0x%llx fails",
            (unsigned long long)end, last->name, fl[i].label[0] ? fl[i].label : fl[i].path,
            (unsigned long long)fl[i].size, (unsigned long long)(fl[i].size / 1024),
            (unsigned long long)(end - fl[i].size), (unsigned long long)fl[i].size);
        doc_evid_part(f, c, last->name);
        doc_evid_dts(f, ims[i], fl[i].path, "size", "%s: size = <0x%llx> (bits)", fl[i].path,
                     (unsigned long long)fl[i].size * 8);
        doc_fix(f, c->pm_static_disp, "%s: { address: 0x%x, size: 0x%llx }", last->name,
                last->address,
                fl[i].size > last->address ? (unsigned long long)(fl[i].size - last->address)
                                           : 0ULL);
        break;
    }
    /* The slot was put on external flash by a static file, not the Kconfig. */
    const struct fk_layout_part *s = doc_part(c, "mcuboot_secondary");
    const struct fk_kc_sym *k = fk_kconfig_get(&ims[0]->kc, "PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY");
    if (s && !strcmp(s->region, "external_flash") && k && k->type == FK_KC_NOT_SET) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 3, "ext-secondary-kconfig", "app",
            "mcuboot_secondary is on external flash (from a static partition file) while "
            "CONFIG_PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY is off: the build does not know the slot "
            "is external, so nothing makes sure both images get the flash driver");
        doc_evid_part(f, c, "mcuboot_secondary");
        doc_evid_sym(f, ims[0], "PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY");
        doc_fix(f, c->sysbuild ? c->sb_conf.disp : c->app_conf.disp, "%s",
                c->sysbuild ? "SB_CONFIG_PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY=y"
                            : "CONFIG_PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY=y");
    }
}

void doc_check_flash(struct doc_ctx *c)
{
    check_needed(c);
    check_extra_drivers(c, &c->img[c->app]);
    check_extra_drivers(c, &c->img[c->mcuboot]);
    check_ext_same(c);
}
