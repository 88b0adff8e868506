/*
 * Finding the images of a build folder (child-image or sysbuild layout) and
 * the project files a fix should name.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor_priv.h"

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *base(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') {
        n--;
    }
    const char *s = p + n;
    while (s > p && s[-1] != '/') {
        s--;
    }
    return s;
}

/* Sorted sub-folder names of dir (caller frees). */
static size_t subdirs(const char *dir, char ***out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    size_t n = 0, cap = 0;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char p[FK_DOC_PATH_LEN * 2];
        doc_fmt(p, sizeof p, "%s/%s", dir, e->d_name);
        if (!is_dir(p)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                break;
            }
            v = nv;
        }
        v[n] = strdup(e->d_name);
        if (v[n]) {
            n++;
        }
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) {
        for (size_t k = i; k > 0 && strcmp(v[k], v[k - 1]) < 0; k--) {
            char *t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    }
    *out = v;
    return n;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* The folder holding partitions.yml: `build` itself, or the one folder one
 * or two levels below it. */
static int locate_build(struct doc_ctx *c, const char *build, char *err, size_t errlen)
{
    char p[FK_DOC_PATH_LEN * 2];
    doc_fmt(p, sizeof p, "%s/partitions.yml", build);
    if (is_file(p)) {
        doc_fmt(c->build, sizeof c->build, "%s", build);
        return FK_OK;
    }
    if (!is_dir(build)) {
        doc_fmt(err, errlen, "%s: no such folder; give the build folder (the one holding "
                              "partitions.yml, e.g. build/)", build);
        return FK_EIO;
    }
    /* One image's folder of a sysbuild or child-image build (build/<app>,
     * build/mcuboot): the build is the folder above it. */
    char up[FK_DOC_PATH_LEN * 2];
    doc_fmt(p, sizeof p, "%s/zephyr/.config", build);
    doc_fmt(up, sizeof up, "%s/../partitions.yml", build);
    if (is_file(p) && is_file(up)) {
        const char *slash = strrchr(build, '/');
        if (slash && slash != build) {
            doc_fmt(c->build, sizeof c->build, "%.*s", (int)(slash - build), build);
        } else if (!slash) {
            doc_fmt(c->build, sizeof c->build, "..");
        } else {
            doc_fmt(c->build, sizeof c->build, "/");
        }
        return FK_OK;
    }
    char found[3][FK_DOC_PATH_LEN];
    unsigned nf = 0;
    char **l1;
    size_t n1 = subdirs(build, &l1);
    for (size_t i = 0; i < n1; i++) {
        char d1[FK_DOC_PATH_LEN * 2];
        doc_fmt(d1, sizeof d1, "%s/%s", build, l1[i]);
        doc_fmt(p, sizeof p, "%s/partitions.yml", d1);
        if (is_file(p)) {
            if (nf < 3) {
                doc_fmt(found[nf], sizeof found[nf], "%s", d1);
            }
            nf++;
            continue;
        }
        char **l2;
        size_t n2 = subdirs(d1, &l2);
        for (size_t k = 0; k < n2; k++) {
            doc_fmt(p, sizeof p, "%s/%s/partitions.yml", d1, l2[k]);
            if (is_file(p)) {
                if (nf < 3) {
                    doc_fmt(found[nf], sizeof found[nf], "%s/%s", d1, l2[k]);
                }
                nf++;
            }
        }
        free_list(l2, n2);
    }
    free_list(l1, n1);
    if (nf == 1) {
        doc_fmt(c->build, sizeof c->build, "%s", found[0]);
        if (!c->source[0]) {
            doc_fmt(c->source, sizeof c->source, "%s", build);
        }
        return FK_OK;
    }
    doc_fmt(p, sizeof p, "%s/zephyr/.config", build);
    if (nf == 0 && is_file(p)) {
        doc_fmt(err, errlen,
                 "%s: a Zephyr build without the nRF Connect SDK Partition Manager (no "
                 "partitions.yml): fotakit doctor reads NCS builds that use MCUboot; for a "
                 "plain Zephyr build use 'fotakit layout check'",
                 build);
    } else if (nf == 0) {
        doc_fmt(err, errlen,
                 "%s: not an nRF Connect SDK build folder: no partitions.yml in it or in the "
                 "folders below it; give the folder 'west build' wrote (e.g. build/)",
                 build);
    } else {
        doc_fmt(err, errlen, "%s: %u build folders below it (%s, %s%s); give one of them",
                 build, nf, found[0], found[1], nf > 2 ? ", ..." : "");
    }
    return FK_EINVAL;
}

static void disp(const struct doc_ctx *c, char *out, size_t len, const char *rel)
{
    doc_fmt(out, len, "%s/%s", c->bdisp, rel);
}

static int load_img(struct doc_ctx *c, struct doc_img *im, const char *rel, bool want_dts,
                    char *err, size_t errlen)
{
    char p[FK_DOC_PATH_LEN * 2], r2[FK_DOC_PATH_LEN];
    doc_fmt(im->dir, sizeof im->dir, "%s%s%s", c->build, rel[0] ? "/" : "", rel);
    doc_fmt(r2, sizeof r2, "%s%szephyr/.config", rel, rel[0] ? "/" : "");
    disp(c, im->cfg_disp, sizeof im->cfg_disp, r2);
    doc_fmt(p, sizeof p, "%s/zephyr/.config", im->dir);
    char e[FK_DOC_ERR_LEN];
    int rc = fk_doctor_kconfig_load(p, &im->kc, e, sizeof e);
    if (rc < 0) {
        doc_fmt(err, errlen, "%s", e);
        return rc;
    }
    doc_fmt(im->kc.path, sizeof im->kc.path, "%s", im->cfg_disp);
    doc_fmt(r2, sizeof r2, "%s%szephyr/zephyr.dts", rel, rel[0] ? "/" : "");
    disp(c, im->dts_disp, sizeof im->dts_disp, r2);
    doc_fmt(p, sizeof p, "%s/zephyr/zephyr.dts", im->dir);
    if (want_dts && is_file(p)) {
        rc = fk_doctor_dts_load(p, &im->dts, err, errlen);
        if (rc < 0) {
            return rc;
        }
        im->have_dts = true;
    }
    return FK_OK;
}

static enum doc_role role_of(const struct doc_img *im, const char *folder)
{
    const struct fk_kc_sym *b = fk_kconfig_get(&im->kc, "BOARD");
    if (fk_kconfig_y(&im->kc, "MCUBOOT")) {
        return ROLE_MCUBOOT;
    }
    if (fk_kconfig_y(&im->kc, "SOC_NRF5340_CPUNET") ||
        fk_kconfig_y(&im->kc, "SOC_NRF5340_CPUNET_QKAA") ||
        (b && b->type == FK_KC_STRING && strstr(b->value, "cpunet"))) {
        return ROLE_NETCORE;
    }
    if (fk_kconfig_y(&im->kc, "BOOTLOADER_MCUBOOT") && strcmp(folder, "s1_image") != 0) {
        return ROLE_APP;
    }
    return ROLE_OTHER;
}

int doc_find(struct doc_ctx *c, const char *build_arg, const char *source, char *err,
             size_t errlen)
{
    c->app = c->mcuboot = c->sb = -1;
    /* "dir/" and "dir" name the same folder; keep messages free of "//" */
    char build[FK_DOC_PATH_LEN];
    doc_fmt(build, sizeof build, "%s", build_arg);
    for (size_t n = strlen(build); n > 1 && build[n - 1] == '/'; n--) {
        build[n - 1] = '\0';
    }
    if (source) {
        doc_fmt(c->source, sizeof c->source, "%s", source);
    }
    int rc = locate_build(c, build, err, errlen);
    if (rc < 0) {
        return rc;
    }
    /* evidence names files from the build folder's own name ("build/...") */
    char *real = realpath(c->build, NULL);
    doc_fmt(c->bdisp, sizeof c->bdisp, "%s", base(real ? real : c->build));
    free(real);
    char p[FK_DOC_PATH_LEN * 2];
    doc_fmt(p, sizeof p, "%s/zephyr/.config", c->build);
    if (!is_file(p)) {
        doc_fmt(err, errlen,
                 "%s: has partitions.yml but no zephyr/.config: not a complete NCS build folder "
                 "(run west build again)",
                 c->build);
        return FK_EINVAL;
    }
    /* the top image: the application (child-image layout) or sysbuild */
    struct doc_img *top = &c->img[c->nimg];
    rc = load_img(c, top, "", true, err, errlen);
    if (rc < 0) {
        return rc;
    }
    c->nimg++;
    c->sysbuild = top->kc.sysbuild;
    if (c->sysbuild) {
        top->role = ROLE_SYSBUILD;
        doc_fmt(top->name, sizeof top->name, "sysbuild");
        c->sb = 0;
        fk_doctor_dts_free(&top->dts);
        top->have_dts = false;
    } else {
        top->role = ROLE_APP;
        doc_fmt(top->name, sizeof top->name, "app");
        c->app = 0;
    }
    char **l;
    size_t n = subdirs(c->build, &l);
    for (size_t i = 0; i < n && c->nimg < FK_DOC_MAX_IMAGES; i++) {
        if (!strcmp(l[i], "zephyr")) {
            continue;
        }
        doc_fmt(p, sizeof p, "%s/%s/zephyr/.config", c->build, l[i]);
        if (!is_file(p)) {
            continue;
        }
        struct doc_img *im = &c->img[c->nimg];
        /* Kconfig first (cheap), devicetree only for the images checked. */
        rc = load_img(c, im, l[i], false, err, errlen);
        if (rc < 0) {
            free_list(l, n);
            return rc;
        }
        im->role = role_of(im, l[i]);
        if (im->role == ROLE_APP && c->app >= 0) {
            im->role = ROLE_OTHER;
        }
        if (im->role == ROLE_MCUBOOT && c->mcuboot >= 0) {
            im->role = ROLE_OTHER; /* e.g. s1_image, MCUboot's second copy */
        }
        doc_fmt(im->name, sizeof im->name, "%s",
                 im->role == ROLE_APP       ? "app"
                 : im->role == ROLE_MCUBOOT ? "mcuboot"
                 : im->role == ROLE_NETCORE ? "netcore"
                                            : l[i]);
        if (im->role == ROLE_APP || im->role == ROLE_MCUBOOT) {
            fk_doctor_kconfig_free(&im->kc);
            rc = load_img(c, im, l[i], true, err, errlen);
            if (rc < 0) {
                free_list(l, n);
                return rc;
            }
            if (im->role == ROLE_APP) {
                c->app = (int)c->nimg;
            } else {
                c->mcuboot = (int)c->nimg;
            }
        }
        c->nimg++;
    }
    free_list(l, n);
    if (c->mcuboot < 0) {
        doc_fmt(err, errlen,
                 "%s: no MCUboot image in this build (no folder with a zephyr/.config that has "
                 "CONFIG_MCUBOOT=y): fotakit doctor checks MCUboot-based updates; enable MCUboot "
                 "(%s) and build again",
                 c->build,
                 c->sysbuild ? "SB_CONFIG_BOOTLOADER_MCUBOOT=y in sysbuild.conf"
                             : "CONFIG_BOOTLOADER_MCUBOOT=y in prj.conf");
        return FK_EINVAL;
    }
    if (c->app < 0) {
        doc_fmt(err, errlen,
                 "%s: found MCUboot but no application image (no zephyr/.config with "
                 "CONFIG_BOOTLOADER_MCUBOOT=y): is this the build folder of the application?",
                 c->build);
        return FK_EINVAL;
    }
    return FK_OK;
}

/* ---- project sources -------------------------------------------------------- */

static void frag_load(struct doc_ctx *c, struct doc_frag *fr, const char *rel)
{
    char p[FK_DOC_PATH_LEN * 2];
    doc_fmt(p, sizeof p, "%s/%s", c->source, rel);
    if (!is_file(p)) {
        return;
    }
    size_t len;
    if (fk_doc_read_file(p, &fr->text, &len, NULL, 0) == FK_OK) {
        doc_fmt(fr->path, sizeof fr->path, "%s", p);
        doc_fmt(fr->disp, sizeof fr->disp, "%s", rel);
    }
}

/* First existing file among candidates (relative to the source folder),
 * else search up to two folders down for a file with one of the names. */
static void frag_pick(struct doc_ctx *c, struct doc_frag *fr, const char *const *cands)
{
    for (size_t i = 0; cands[i]; i++) {
        frag_load(c, fr, cands[i]);
        if (fr->text) {
            return;
        }
    }
    char **l;
    size_t n = subdirs(c->source, &l);
    for (size_t i = 0; i < n && !fr->text; i++) {
        if (!strcmp(l[i], base(c->build))) {
            continue;
        }
        for (size_t k = 0; cands[k] && !fr->text; k++) {
            char rel[FK_DOC_PATH_LEN];
            doc_fmt(rel, sizeof rel, "%s/%s", l[i], cands[k]);
            frag_load(c, fr, rel);
        }
        /* configuration/<board>/... (nRF Desktop style) */
        char **l2;
        char d[FK_DOC_PATH_LEN * 2];
        doc_fmt(d, sizeof d, "%s/%s", c->source, l[i]);
        size_t n2 = subdirs(d, &l2);
        for (size_t j = 0; j < n2 && !fr->text; j++) {
            for (size_t k = 0; cands[k] && !fr->text; k++) {
                char rel[FK_DOC_PATH_LEN];
                doc_fmt(rel, sizeof rel, "%s/%s/%s", l[i], l2[j], cands[k]);
                frag_load(c, fr, rel);
            }
        }
        free_list(l2, n2);
    }
    free_list(l, n);
}

static void pm_static_pick(struct doc_ctx *c)
{
    static const char *const names[] = {"pm_static.yml", NULL};
    struct doc_frag fr;
    memset(&fr, 0, sizeof fr);
    frag_pick(c, &fr, names);
    if (!fr.text) {
        /* pm_static_<anything>.yml as projects name them per build type */
        char **l;
        size_t n = subdirs(c->source, &l);
        const char *dirs[FK_DOC_MAX_IMAGES + 64];
        size_t nd = 0;
        dirs[nd++] = "";
        for (size_t i = 0; i < n && nd < 60; i++) {
            dirs[nd++] = l[i];
        }
        for (size_t i = 0; i < nd && !fr.text; i++) {
            char d[FK_DOC_PATH_LEN * 2];
            doc_fmt(d, sizeof d, "%s%s%s", c->source, dirs[i][0] ? "/" : "", dirs[i]);
            char **l2;
            size_t n2 = subdirs(d, &l2);
            for (size_t j = 0; j <= n2 && !fr.text; j++) {
                char dd[FK_DOC_PATH_LEN * 3];
                doc_fmt(dd, sizeof dd, "%s%s%s", d, j < n2 ? "/" : "", j < n2 ? l2[j] : "");
                DIR *dp = opendir(dd);
                struct dirent *e;
                while (dp && (e = readdir(dp)) != NULL) {
                    size_t el = strlen(e->d_name);
                    if (strncmp(e->d_name, "pm_static", 9) == 0 && el > 4 &&
                        strcmp(e->d_name + el - 4, ".yml") == 0) {
                        char rel[FK_DOC_PATH_LEN];
                        doc_fmt(rel, sizeof rel, "%s%s%s%s%s", dirs[i], dirs[i][0] ? "/" : "",
                                 j < n2 ? l2[j] : "", j < n2 ? "/" : "", e->d_name);
                        frag_load(c, &fr, rel);
                        break;
                    }
                }
                if (dp) {
                    closedir(dp);
                }
            }
            free_list(l2, n2);
        }
        free_list(l, n);
    }
    if (fr.text) {
        doc_fmt(c->pm_static, sizeof c->pm_static, "%s", fr.path);
        doc_fmt(c->pm_static_disp, sizeof c->pm_static_disp, "%s", fr.disp);
        free(fr.text);
    }
}

/* The board's file name stem: HWMv1 "nrf52840dk_nrf52840"; HWMv2
 * "nrf5340dk" + qualifiers "nrf5340/cpuapp" -> "nrf5340dk_nrf5340_cpuapp". */
static bool board_name(const struct doc_img *im, char *out, size_t len)
{
    const struct fk_kc_sym *b = fk_kconfig_get(&im->kc, "BOARD");
    const struct fk_kc_sym *q = fk_kconfig_get(&im->kc, "BOARD_QUALIFIERS");
    if (!b || b->type != FK_KC_STRING || !b->value[0]) {
        return false;
    }
    doc_fmt(out, len, "%s%s%s", b->value, q && q->type == FK_KC_STRING && q->value[0] ? "_" : "",
            q && q->type == FK_KC_STRING ? q->value : "");
    for (char *s = out; *s; s++) {
        if (*s == '/') {
            *s = '_';
        }
    }
    return true;
}

void doc_find_sources(struct doc_ctx *c)
{
    /* Where fixes go when the project has no such file yet (NCS names). */
    doc_fmt(c->app_conf.disp, sizeof c->app_conf.disp, "prj.conf");
    doc_fmt(c->boot_conf.disp, sizeof c->boot_conf.disp, "%s",
             c->sysbuild ? "sysbuild/mcuboot.conf" : "child_image/mcuboot.conf");
    doc_fmt(c->sb_conf.disp, sizeof c->sb_conf.disp, "sysbuild.conf");
    doc_fmt(c->pm_static_disp, sizeof c->pm_static_disp, "pm_static.yml");
    doc_fmt(c->app_overlay, sizeof c->app_overlay, "app.overlay");
    doc_fmt(c->boot_overlay, sizeof c->boot_overlay, "%s",
             c->sysbuild ? "sysbuild/mcuboot.overlay" : "child_image/mcuboot.overlay");
    if (!c->source[0] || !is_dir(c->source)) {
        return;
    }
    static const char *const app[] = {"prj.conf", NULL};
    static const char *const boot_sb[] = {"sysbuild/mcuboot/prj.conf", "sysbuild/mcuboot.conf",
                                          "sysbuild/mcuboot/mcuboot.conf", NULL};
    static const char *const boot_ci[] = {"child_image/mcuboot.conf",
                                          "child_image/mcuboot/prj.conf",
                                          "child_image/mcuboot/prj_mcuboot_smp.conf",
                                          "mcuboot/mcuboot.conf", NULL};
    static const char *const sb[] = {"sysbuild.conf", NULL};
    frag_pick(c, &c->app_conf, app);
    frag_pick(c, &c->boot_conf, c->sysbuild ? boot_sb : boot_ci);
    /* the other MCUboot fragments in the standard places: is each one read? */
    const char *const *bc = c->sysbuild ? boot_sb : boot_ci;
    unsigned nm = 0;
    for (size_t i = 0; bc[i] && nm < 2; i++) {
        if (c->boot_conf.text && strcmp(bc[i], c->boot_conf.disp) != 0) {
            frag_load(c, &c->boot_more[nm], bc[i]);
            nm += c->boot_more[nm].text != NULL;
        }
    }
    if (c->sysbuild) {
        frag_pick(c, &c->sb_conf, sb);
    }
    if (!c->app_conf.text) {
        doc_fmt(c->app_conf.disp, sizeof c->app_conf.disp, "prj.conf");
    }
    if (!c->boot_conf.text) {
        doc_fmt(c->boot_conf.disp, sizeof c->boot_conf.disp, "%s",
                 c->sysbuild ? "sysbuild/mcuboot.conf" : "child_image/mcuboot.conf");
    }
    if (!c->sb_conf.text) {
        doc_fmt(c->sb_conf.disp, sizeof c->sb_conf.disp, "sysbuild.conf");
    }
    /* Zephyr takes boards/<board>.overlay instead of app.overlay when it
     * exists (beside prj.conf); sysbuild/mcuboot/ is MCUboot's own
     * configuration folder. */
    char board[96], p[FK_DOC_PATH_LEN * 2], app_dir[FK_DOC_PATH_LEN] = "";
    const char *slash = c->app_conf.text ? strrchr(c->app_conf.disp, '/') : NULL;
    if (slash) {
        doc_fmt(app_dir, sizeof app_dir, "%.*s/", (int)(slash - c->app_conf.disp),
                c->app_conf.disp);
    }
    doc_fmt(c->app_overlay, sizeof c->app_overlay, "%sapp.overlay", app_dir);
    if (board_name(&c->img[c->app], board, sizeof board)) {
        doc_fmt(p, sizeof p, "%s/%sboards/%s.overlay", c->source, app_dir, board);
        if (is_file(p)) {
            doc_fmt(c->app_overlay, sizeof c->app_overlay, "%sboards/%s.overlay", app_dir,
                    board);
        }
    }
    doc_fmt(p, sizeof p, "%s/sysbuild/mcuboot", c->source);
    if (c->sysbuild && is_dir(p)) {
        doc_fmt(c->boot_overlay, sizeof c->boot_overlay, "sysbuild/mcuboot/app.overlay");
        if (board_name(&c->img[c->mcuboot], board, sizeof board)) {
            doc_fmt(p, sizeof p, "%s/sysbuild/mcuboot/boards/%s.overlay", c->source, board);
            if (is_file(p)) {
                doc_fmt(c->boot_overlay, sizeof c->boot_overlay,
                        "sysbuild/mcuboot/boards/%s.overlay", board);
            }
        }
    }
    pm_static_pick(c);
}
