/*
 * Check 5: MCUboot's own limits and its agreement with the application:
 * the swap mode on both sides, the scratch partition, BOOT_MAX_IMG_SECTORS
 * against the slots, slot sizes, and the signature type and key.
 *
 * Modes, their Kconfig symbols, scratch needs and sector/space rules all
 * come from the one table of MCUboot modes (fotakit/mcuboot_mode.h); the
 * doctor adds only the older spelling of renamed symbols (its era table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_priv.h"
#include "fotakit/mcuboot_mode.h"

/* Kconfig name without its CONFIG_ / SB_CONFIG_ prefix. */
static const char *bare(const char *k)
{
    if (!k) {
        return NULL;
    }
    if (!strncmp(k, "SB_CONFIG_", 10)) {
        return k + 10;
    }
    if (!strncmp(k, "CONFIG_", 7)) {
        return k + 7;
    }
    return k;
}

/* The spelling before Zephyr 4.1 / NCS 3.0 renamed swap-move's symbols. */
static bool older_y(const struct fk_kconfig *kc, const char *name, char *used, size_t len)
{
    static const char from[] = "SWAP_USING_MOVE";
    const char *p = strstr(name, from);
    if (!p || strncmp(name, "BOOT_", 5) == 0) {
        return false;
    }
    char old[96];
    doc_fmt(old, sizeof old, "%.*sSWAP_WITHOUT_SCRATCH%s", (int)(p - name), name,
             p + sizeof from - 1);
    if (fk_kconfig_y(kc, old)) {
        doc_fmt(used, len, "%s", old);
        return true;
    }
    return false;
}

enum side { SIDE_BOOT, SIDE_APP, SIDE_SB };

static const char *row_sym(const struct fk_bl_mode *m, enum side s)
{
    return bare(s == SIDE_BOOT ? m->boot_kconfig : s == SIDE_APP ? m->app_kconfig
                                                                  : m->sysbuild_kconfig);
}

/* Mode a Kconfig selects (FK_BL_COUNT: none of the table's symbols is y);
 * `used` gets the symbol found. */
static enum fk_bl mode_of(const struct fk_kconfig *kc, enum side s, char *used, size_t len)
{
    enum fk_bl best = FK_BL_COUNT;
    used[0] = '\0';
    for (unsigned i = 0; i < FK_BL_COUNT; i++) {
        const struct fk_bl_mode *m = fk_bl_mode((enum fk_bl)i);
        const char *sym = row_sym(m, s);
        if (!m || (m->flags & FK_BL_F_FOTAKIT) || !sym) {
            continue;
        }
        bool y = fk_kconfig_y(kc, sym);
        char u[96];
        doc_fmt(u, sizeof u, "%s", sym);
        if (!y) {
            y = older_y(kc, sym, u, sizeof u);
        }
        if (!y) {
            continue;
        }
        /* direct-xip with revert needs its second symbol; prefer the row
         * that matches more symbols */
        if (s == SIDE_BOOT && m->boot_kconfig2) {
            if (!fk_kconfig_y(kc, bare(m->boot_kconfig2))) {
                continue;
            }
        } else if (best != FK_BL_COUNT) {
            continue;
        }
        best = m->id;
        doc_fmt(used, len, "%s", u);
    }
    return best;
}

/* Does this .config know any of the side's mode symbols (set or not)? */
static bool knows_modes(const struct fk_kconfig *kc, enum side s)
{
    for (unsigned i = 0; i < FK_BL_COUNT; i++) {
        const struct fk_bl_mode *m = fk_bl_mode((enum fk_bl)i);
        const char *sym = m ? row_sym(m, s) : NULL;
        if (sym && fk_kconfig_get(kc, sym)) {
            return true;
        }
        char u[96];
        if (sym && older_y(kc, sym, u, sizeof u)) {
            return true;
        }
    }
    if (s == SIDE_APP) {
        return fk_kconfig_get(kc, "MCUBOOT_BOOTLOADER_MODE_SWAP_WITHOUT_SCRATCH") != NULL;
    }
    return false;
}

/* The symbol the fix should write for mode b on a side, in the spelling
 * this build's Kconfig uses. */
static void fix_sym(const struct fk_kconfig *kc, enum fk_bl b, enum side s, char *out, size_t len)
{
    const char *sym = row_sym(fk_bl_mode(b), s);
    const char *p = sym ? strstr(sym, "SWAP_USING_MOVE") : NULL;
    bool old = s != SIDE_BOOT &&
               (fk_kconfig_get(kc, s == SIDE_APP ? "MCUBOOT_BOOTLOADER_MODE_SWAP_WITHOUT_SCRATCH"
                                                 : "MCUBOOT_MODE_SWAP_WITHOUT_SCRATCH") != NULL);
    if (p && old) {
        doc_fmt(out, len, "%.*sSWAP_WITHOUT_SCRATCH", (int)(p - sym), sym);
    } else {
        doc_fmt(out, len, "%s", sym ? sym : "?");
    }
}

static void check_modes(struct doc_ctx *c, enum fk_bl *boot_mode)
{
    struct doc_img *boot = &c->img[c->mcuboot], *app = &c->img[c->app];
    char bu[96], au[96], su[96];
    enum fk_bl bm = mode_of(&boot->kc, SIDE_BOOT, bu, sizeof bu);
    if (bm == FK_BL_COUNT) {
        /* Before MCUboot had BOOT_SWAP_USING_SCRATCH, scratch was what one
         * got with neither BOOT_SWAP_USING_MOVE nor BOOT_UPGRADE_ONLY. */
        if (!fk_kconfig_get(&boot->kc, "BOOT_SWAP_USING_SCRATCH") &&
            fk_kconfig_get(&boot->kc, "BOOT_UPGRADE_ONLY")) {
            bm = FK_BL_MCUBOOT_SWAP_SCRATCH;
            doc_fmt(bu, sizeof bu, "BOOT_UPGRADE_ONLY");
        } else {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_WARNING, 7, "unknown-mode", "mcuboot",
                "MCUboot's upgrade mode is none fotakit knows (no BOOT_SWAP_USING_MOVE, "
                "_SCRATCH, _OFFSET, BOOT_UPGRADE_ONLY, BOOT_DIRECT_XIP or BOOT_RAM_LOAD set): "
                "mode, scratch and sector limits are not checked");
            doc_evid_sym(f, boot, "BOOT_SWAP_USING_MOVE");
            *boot_mode = FK_BL_COUNT;
            return;
        }
    }
    *boot_mode = bm;
    const struct fk_bl_mode *M = fk_bl_mode(bm);
    enum fk_bl am = mode_of(&app->kc, SIDE_APP, au, sizeof au);
    if (am == FK_BL_COUNT && !knows_modes(&app->kc, SIDE_APP)) {
        const char *why;
        int era = doc_era(app, &why);
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_NOTE, 5, "mode-era", "app",
            "the application's Kconfig has no CONFIG_MCUBOOT_BOOTLOADER_MODE_* choice (%s): "
            "that symbol is from NCS 2.3 on, so the application side of the mode cannot be "
            "compared; MCUboot runs %s",
            era == 1 ? "this build uses NCS <= 2.2 names" : "it predates the symbol",
            M->title);
        doc_evid_sym(f, boot, bu);
    } else if (am != bm) {
        const struct fk_bl_mode *A = am == FK_BL_COUNT ? NULL : fk_bl_mode(am);
        char want[96];
        fix_sym(&app->kc, bm, SIDE_APP, want, sizeof want);
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 5, "mode-mismatch", "app",
            "bootloader-mode mismatch: MCUboot runs %s (%s) but the application is built for "
            "%s: the application's image management (test/confirm/revert, the slot it marks) "
            "and its image size follow the wrong rules%s",
            M->title, M->section, A ? A->title : "no mode fotakit knows",
            M->kind == FK_BL_KIND_OVERWRITE
                ? "; under overwrite-only a test upload is copied for good and never reverted"
                : "");
        doc_evid_sym(f, boot, bu);
        if (au[0]) {
            doc_evid_sym(f, app, au);
        }
        doc_fix(f, c->sysbuild ? c->sb_conf.disp : c->app_conf.disp, "%s%s=y",
                c->sysbuild ? "SB_CONFIG_" : "CONFIG_",
                c->sysbuild ? bare(M->sysbuild_kconfig) : want);
        if (c->sysbuild) {
            /* sysbuild sets both images from SB_CONFIG_MCUBOOT_MODE_* */
        }
    }
    if (c->sb >= 0) {
        struct doc_img *sb = &c->img[c->sb];
        enum fk_bl sm = mode_of(&sb->kc, SIDE_SB, su, sizeof su);
        if (sm != FK_BL_COUNT && sm != bm) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_ERROR, 5, "mode-mismatch", "sysbuild",
                "sysbuild selects %s but the built MCUboot runs %s: an image configuration "
                "overrides sysbuild's mode for MCUboot only",
                fk_bl_mode(sm)->title, M->title);
            doc_evid_sym(f, sb, su);
            doc_evid_sym(f, boot, bu);
            doc_fix(f, c->boot_conf.disp, "# remove the BOOT_* mode line; sysbuild.conf: %s=y",
                    M->sysbuild_kconfig);
        }
    }
}

/* A flash device as MCUboot sees a slot's region. */
static void slot_dev(struct doc_ctx *c, const struct fk_layout_part *p, struct fk_flash_dev *d)
{
    struct doc_img *boot = &c->img[c->mcuboot];
    memset(d, 0, sizeof *d);
    d->name = p->region;
    d->size = 0xffffffffu;
    d->erased_val = 0xff;
    if (!strcmp(p->region, "external_flash")) {
        /* MCUboot sees the NOR through the driver's flash page layout. */
        const struct fk_kc_sym *k = fk_kconfig_get(&boot->kc, "NORDIC_QSPI_NOR_FLASH_LAYOUT_PAGE_SIZE");
        if (!k || k->type != FK_KC_INT) {
            k = fk_kconfig_get(&boot->kc, "SPI_NOR_FLASH_LAYOUT_PAGE_SIZE");
        }
        d->erase_size = k && k->type == FK_KC_INT && k->num > 0 ? (uint32_t)k->num : 4096;
        d->write_size = fk_kconfig_y(&boot->kc, "NORDIC_QSPI_NOR") ? 4 : 1;
    } else {
        const char *how;
        d->erase_size = doc_soc_erase(boot, &how);
        d->write_size = 4;
    }
}

/* A finding with this id was already made (check 4 found the cause). */
static bool reported(const struct doc_ctx *c, const char *id)
{
    for (unsigned i = 0; i < c->r->count; i++) {
        if (!strcmp(c->r->f[i].id, id)) {
            return true;
        }
    }
    return false;
}

static void check_space(struct doc_ctx *c, enum fk_bl bm)
{
    struct doc_img *boot = &c->img[c->mcuboot];
    const struct fk_layout_part *P = doc_part(c, "mcuboot_primary");
    const struct fk_layout_part *S = doc_part(c, "mcuboot_secondary");
    const struct fk_layout_part *X = doc_part(c, "mcuboot_scratch");
    if (!P || !S) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 5, "missing-slot", "build",
            "partitions.yml has no %s: MCUboot has nowhere to %s",
            !P ? "mcuboot_primary" : "mcuboot_secondary",
            !P ? "run the application from" : "receive an update in");
        doc_evid(f, "%s: no %s", c->pm_disp, !P ? "mcuboot_primary" : "mcuboot_secondary");
        return;
    }
    if (S->size == 0) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 4, "slot-size", "build",
            "mcuboot_secondary is 0 bytes (mcuboot_primary is 0x%x): no update fits; the "
            "Partition Manager could not place the slot",
            P->size);
        doc_evid_part(f, c, "mcuboot_secondary");
        doc_evid_part(f, c, "mcuboot_primary");
        doc_fix(f, c->pm_static_disp, "mcuboot_secondary: { size: 0x%x }  # equal to mcuboot_primary",
                P->size);
        return;
    }
    if (bm == FK_BL_COUNT) {
        return;
    }
    const struct fk_bl_mode *M = fk_bl_mode(bm);
    if ((M->flags & FK_BL_F_SCRATCH) && !X) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 5, "no-scratch", "mcuboot",
            "MCUboot runs %s, which needs a mcuboot_scratch partition (%s), and partitions.yml "
            "has none: MCUboot cannot swap",
            M->title, M->section);
        doc_evid(f, "%s: no mcuboot_scratch", c->pm_disp);
        doc_fix(f, c->boot_conf.disp, "CONFIG_BOOT_SWAP_USING_MOVE=y");
        return; /* the sector count needs the scratch too */
    }
    struct fk_flash_dev dp, ds, dx;
    slot_dev(c, P, &dp);
    slot_dev(c, S, &ds);
    struct fk_flash_area areas[3] = {
        {.id = FK_AREA_ID_PRIMARY, .name = "mcuboot_primary", .dev = &dp, .off = P->address, .size = P->size},
        {.id = FK_AREA_ID_SECONDARY, .name = "mcuboot_secondary", .dev = &ds, .off = S->address, .size = S->size},
    };
    size_t na = 2;
    if (X) {
        slot_dev(c, X, &dx);
        areas[na++] = (struct fk_flash_area){.id = FK_AREA_ID_SCRATCH, .name = "mcuboot_scratch",
                                             .dev = &dx, .off = X->address, .size = X->size};
    }
    struct fk_flash_map map = {.areas = areas, .count = na};
    const struct fk_kc_sym *ms = fk_kconfig_get(&boot->kc, "BOOT_MAX_IMG_SECTORS");
    uint32_t maxs = ms && ms->type == FK_KC_INT && ms->num > 0 ? (uint32_t)ms->num : 0;
    struct fk_bl_space sp;
    char why[400];
    int rc = fk_bl_space(bm, &map, maxs, &sp, why, sizeof why);
    if (rc == FK_ENOSPC) {
        uint32_t most = sp.pri_sectors > sp.sec_sectors ? sp.pri_sectors : sp.sec_sectors;
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 5, "max-img-sectors", "mcuboot",
            "not enough sectors: %s; MCUboot stops at boot with 'not enough sectors' / fails "
            "the swap, which shows only on the device",
            why);
        doc_evid_sym(f, boot, "BOOT_MAX_IMG_SECTORS");
        doc_evid_part(f, c, most == sp.pri_sectors ? "mcuboot_primary" : "mcuboot_secondary");
        doc_fix(f, c->boot_conf.disp, "CONFIG_BOOT_MAX_IMG_SECTORS=%u", most);
    } else if (rc < 0 && !reported(c, "erase-align")) {
        struct fk_doc_finding *f = doc_add(c, FK_DOC_ERROR, 5, "slot-geometry", "mcuboot",
                                           "MCUboot (%s) cannot use these slots: %s", M->title,
                                           why);
        doc_evid_part(f, c, "mcuboot_primary");
        doc_evid_part(f, c, "mcuboot_secondary");
    } else if (maxs && maxs - (sp.pri_sectors > sp.sec_sectors ? sp.pri_sectors : sp.sec_sectors) < 8 &&
               M->kind != FK_BL_KIND_EQUAL) {
        uint32_t most = sp.pri_sectors > sp.sec_sectors ? sp.pri_sectors : sp.sec_sectors;
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_NOTE, 5, "max-img-sectors", "mcuboot",
            "BOOT_MAX_IMG_SECTORS=%u leaves %u spare over the %u sectors of the larger slot: "
            "growing a slot by more than that needs a larger value",
            maxs, maxs - most, most);
        doc_evid_sym(f, boot, "BOOT_MAX_IMG_SECTORS");
    }
    if (rc == FK_OK && S->size < P->size && M->kind != FK_BL_KIND_EQUAL) {
        struct fk_doc_finding *f = doc_add(
            c, S->size + sp.sector < P->size ? FK_DOC_WARNING : FK_DOC_NOTE, 4, "slot-size",
            "build",
            "mcuboot_secondary (0x%x) is smaller than mcuboot_primary (0x%x): under %s the "
            "largest image is 0x%x bytes (%s)",
            S->size, P->size, M->title, sp.max_image, M->space_rule);
        doc_evid_part(f, c, "mcuboot_secondary");
        doc_evid_part(f, c, "mcuboot_primary");
        doc_fix(f, c->pm_static_disp, "mcuboot_secondary: { size: 0x%x }", P->size);
    }
}

/* ---- signature -------------------------------------------------------------- */

static const char *const sig_types[] = {"RSA", "ECDSA_P256", "ED25519", "NONE", NULL};

static const char *sig_of(const struct fk_kconfig *kc, const char *prefix)
{
    char n[64];
    for (int i = 0; sig_types[i]; i++) {
        doc_fmt(n, sizeof n, "%s%s", prefix, sig_types[i]);
        if (fk_kconfig_y(kc, n)) {
            return sig_types[i];
        }
    }
    return NULL;
}

/* Signature type a key file's MCUboot default name implies, or NULL. */
static const char *key_type(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    if (strstr(b, "rsa")) {
        return "RSA";
    }
    if (strstr(b, "ec-p256") || strstr(b, "ecdsa")) {
        return "ECDSA_P256";
    }
    if (strstr(b, "ed25519")) {
        return "ED25519";
    }
    return NULL;
}

static bool dev_key(const char *path)
{
    static const char *const keys[] = {"root-rsa-2048.pem", "root-rsa-3072.pem",
                                       "root-ec-p256.pem", "root-ec-p384.pem",
                                       "root-ed25519.pem", NULL};
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    for (int i = 0; keys[i]; i++) {
        if (!strcmp(b, keys[i])) {
            return true;
        }
    }
    return false;
}

static void check_signature(struct doc_ctx *c)
{
    struct doc_img *boot = &c->img[c->mcuboot], *app = &c->img[c->app];
    const char *bt = sig_of(&boot->kc, "BOOT_SIGNATURE_TYPE_");
    const struct fk_kc_sym *bk = fk_kconfig_get(&boot->kc, "BOOT_SIGNATURE_KEY_FILE");
    const struct fk_kc_sym *ak = fk_kconfig_get(&app->kc, "MCUBOOT_SIGNATURE_KEY_FILE");
    if (bk && bk->type == FK_KC_STRING && bk->value[0]) {
        const char *kt = key_type(bk->value);
        if (bt && kt && strcmp(bt, kt) != 0) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_ERROR, 5, "sig-type", "mcuboot",
                "MCUboot verifies %s signatures but its key file '%s' is named for %s: the "
                "build signs or embeds the wrong kind of key",
                bt, bk->value, kt);
            doc_evid_sym(f, boot, "BOOT_SIGNATURE_KEY_FILE");
            doc_fix(f, c->boot_conf.disp, "CONFIG_BOOT_SIGNATURE_TYPE_%s=y", kt);
        }
        if (dev_key(bk->value)) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_WARNING, 5, "dev-key", "mcuboot",
                "MCUboot trusts '%s', MCUboot's public development key: anyone can sign an "
                "image this device accepts; use your own key for products",
                bk->value);
            doc_evid_sym(f, boot, "BOOT_SIGNATURE_KEY_FILE");
            doc_fix(f, c->sysbuild ? c->sb_conf.disp : c->boot_conf.disp,
                    "%sBOOT_SIGNATURE_KEY_FILE=\"<path to your private key .pem>\"",
                    c->sysbuild ? "SB_CONFIG_" : "CONFIG_");
        }
    }
    if (ak && ak->type == FK_KC_STRING && ak->value[0] && bk && bk->type == FK_KC_STRING &&
        bk->value[0] && strcmp(ak->value, bk->value) != 0) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_ERROR, 5, "sig-key", "app",
            "the application is signed with '%s' but MCUboot verifies with '%s': MCUboot "
            "rejects every update this build produces",
            ak->value, bk->value);
        doc_evid_sym(f, app, "MCUBOOT_SIGNATURE_KEY_FILE");
        doc_evid_sym(f, boot, "BOOT_SIGNATURE_KEY_FILE");
        doc_fix(f, c->app_conf.disp, "CONFIG_MCUBOOT_SIGNATURE_KEY_FILE=\"%s\"", bk->value);
    }
    if (c->sb >= 0 && bt) {
        const char *st = sig_of(&c->img[c->sb].kc, "BOOT_SIGNATURE_TYPE_");
        if (st && strcmp(st, bt) != 0) {
            struct fk_doc_finding *f = doc_add(
                c, FK_DOC_ERROR, 5, "sig-type", "sysbuild",
                "sysbuild signs with %s but the built MCUboot verifies %s: updates are rejected",
                st, bt);
            char n[64];
            doc_fmt(n, sizeof n, "BOOT_SIGNATURE_TYPE_%s", st);
            doc_evid_sym(f, &c->img[c->sb], n);
            doc_fmt(n, sizeof n, "BOOT_SIGNATURE_TYPE_%s", bt);
            doc_evid_sym(f, boot, n);
        }
    }
    /* A setting in the project's MCUboot fragment that the build did not take. */
    if (bt && c->boot_conf.text) {
        for (int i = 0; sig_types[i]; i++) {
            char n[64], v[16];
            doc_fmt(n, sizeof n, "BOOT_SIGNATURE_TYPE_%s", sig_types[i]);
            unsigned line = doc_frag_line(&c->boot_conf, n, v, sizeof v);
            if (line && !strcmp(v, "y") && strcmp(sig_types[i], bt) != 0) {
                struct fk_doc_finding *f = doc_add(
                    c, FK_DOC_WARNING, 5, "setting-ignored", "mcuboot",
                    "%s asks for CONFIG_%s but the built MCUboot has "
                    "CONFIG_BOOT_SIGNATURE_TYPE_%s: the line is overridden%s",
                    c->boot_conf.disp, n, bt,
                    c->sysbuild ? " by sysbuild's SB_CONFIG_BOOT_SIGNATURE_TYPE_*" : "");
                doc_evid(f, "%s:%u: CONFIG_%s=y", c->boot_conf.disp, line, n);
                doc_fmt(n, sizeof n, "BOOT_SIGNATURE_TYPE_%s", bt);
                doc_evid_sym(f, boot, n);
                if (c->sysbuild) {
                    doc_fix(f, c->sb_conf.disp, "SB_CONFIG_BOOT_SIGNATURE_TYPE_%s=y", sig_types[i]);
                }
            }
        }
    }
}

/* The same value, as Kconfig writes it: y/n, "string", numbers in any base. */
static bool same_value(const struct fk_kc_sym *k, const char *v)
{
    if (!strcmp(v, "n")) {
        return k->type == FK_KC_NOT_SET;
    }
    if (k->type == FK_KC_BOOL || k->type == FK_KC_NOT_SET) {
        return k->type == FK_KC_BOOL && !strcmp(v, "y");
    }
    if (k->type == FK_KC_STRING) {
        size_t n = strlen(v);
        return n >= 2 && v[0] == '"' && v[n - 1] == '"' && strlen(k->value) == n - 2 &&
               !strncmp(k->value, v + 1, n - 2);
    }
    char *end;
    long long x = strtoll(v, &end, 0);
    return *end == '\0' && x == k->num;
}

/* Every CONFIG_X=v line of a project fragment against the built .config:
 * a line the build did not take (a dependency is off, something selects
 * otherwise, a later fragment wins, or the file is not read at all). */
void doc_check_fragment(struct doc_ctx *c, const struct doc_frag *fr, const struct doc_img *im)
{
    if (!fr->text) {
        return;
    }
    unsigned line = 0, shown = 0, more = 0;
    struct fk_doc_finding *f = NULL;
    for (const char *l = fr->text; *l;) {
        line++;
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        char buf[256];
        doc_fmt(buf, sizeof buf, "%.*s", (int)(n < sizeof buf ? n : sizeof buf - 1), l);
        l = e ? e + 1 : l + n;
        char *p = buf;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        char *eq = strchr(p, '=');
        if (strncmp(p, "CONFIG_", 7) != 0 || !eq) {
            continue;
        }
        *eq = '\0';
        char *name = p + 7, *v = eq + 1;
        /* a comment after the value; a string ends at its closing quote */
        char *hash = strchr(v, '#');
        if (v[0] == '"') {
            hash = NULL;
            for (char *q = v + 1; *q; q++) {
                if (*q == '\\' && q[1]) {
                    q++;
                } else if (*q == '"') {
                    q[1] = '\0';
                    break;
                }
            }
        }
        if (hash) {
            *hash = '\0';
        }
        for (size_t k = strlen(name); k && (name[k - 1] == ' ' || name[k - 1] == '\t'); k--) {
            name[k - 1] = '\0';
        }
        while (*v == ' ') {
            v++;
        }
        for (size_t k = strlen(v); k && (v[k - 1] == ' ' || v[k - 1] == '\r' || v[k - 1] == '\t');
             k--) {
            v[k - 1] = '\0';
        }
        if (!strncmp(name, "BOOT_SIGNATURE_TYPE_", 20)) {
            continue; /* said with its own fix (check 5) */
        }
        const struct fk_kc_sym *k = fk_kconfig_get(&im->kc, name);
        if (k && same_value(k, v)) {
            continue;
        }
        if (!k && !strcmp(v, "n")) {
            continue; /* off, and not even visible: the same result */
        }
        if (!f) {
            f = doc_add(c, FK_DOC_WARNING, 7, "setting-not-applied", im->name,
                        "%s sets symbols the built %s does not have as written: a dependency "
                        "is off, something selects another value, a later fragment wins, or "
                        "the build does not read this file; what was meant did not happen",
                        fr->disp, im->role == ROLE_MCUBOOT ? "MCUboot" : "application");
        }
        if (shown < FK_DOC_MAX_EVID / 2) {
            doc_evid(f, "%s:%u: CONFIG_%s=%s", fr->disp, line, name, v);
            doc_evid_sym(f, im, name);
            shown++;
        } else {
            more++;
        }
    }
    if (f && more) {
        doc_fmt(f->msg + strlen(f->msg), sizeof f->msg - strlen(f->msg),
                " (%u more line%s not shown)", more, more == 1 ? "" : "s");
    }
}

void doc_check_boot(struct doc_ctx *c)
{
    enum fk_bl bm;
    check_modes(c, &bm);
    check_space(c, bm);
    check_signature(c);
}
