/*
 * The virtual device: simulated chips from a board file with their contents
 * in <state_dir>/<device>.bin, the flash map from pm_static.yml, trusted
 * keys, and the boot → application cycle.
 */
#include "device_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void fk_dev_log(struct fk_device *d, const char *fmt, ...)
{
    if (d->cfg.quiet) {
        return;
    }
    FILE *f = d->cfg.log ? d->cfg.log : stderr;
    va_list ap;
    va_start(ap, fmt);
    fprintf(f, "[device] ");
    vfprintf(f, fmt, ap);
    fprintf(f, "\n");
    fflush(f);
    va_end(ap);
}

bool fk_dev_is_our_link(const char *path)
{
    struct stat st;
    char tgt[256];
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        return false;
    }
    ssize_t n = readlink(path, tgt, sizeof tgt - 1);
    if (n <= 0) {
        return false;
    }
    tgt[n] = 0;
    return !strncmp(tgt, "/dev/pts/", 9);
}

double fk_dev_realtime_take(struct fk_device *d)
{
    double now = fk_sim_board_overlap_us(&d->sb);
    double delta = now - d->rt_last_us;
    d->rt_last_us = now;
    return d->cfg.realtime && delta > 0 ? delta / 1e6 : 0;
}

void fk_dev_realtime_sleep(struct fk_device *d)
{
    double s = fk_dev_realtime_take(d);
    if (s <= 0) {
        return;
    }
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int mkdir_p(const char *dir)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int fk_device_open(struct fk_device **out, const struct fk_device_cfg *cfg, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg->layout || !cfg->board || !cfg->state_dir) {
        snprintf(err, errlen, "the device needs --layout, --board and --state");
        return FK_EINVAL;
    }
    struct fk_device *d = calloc(1, sizeof *d);
    if (!d) {
        return FK_ENOMEM;
    }
    d->cfg = *cfg;
    pthread_mutex_init(&d->lock, NULL);
    int rc = fk_layout_load(cfg->layout, &d->layout, err, errlen);
    if (rc) {
        goto fail;
    }
    rc = fk_board_load(cfg->board, &d->board, err, errlen);
    if (rc) {
        goto fail;
    }
    struct fk_layout_report *rep = calloc(1, sizeof *rep);
    if (!rep) {
        rc = FK_ENOMEM;
        goto fail;
    }
    if (fk_layout_check(&d->layout, &d->board, cfg->board, -1, rep) > 0) {
        for (unsigned i = 0; i < rep->count; i++) {
            if (rep->f[i].sev == FK_LAYOUT_ERROR) {
                snprintf(err, errlen, "%s does not fit %s: %s (run `fotakit layout check`)", cfg->layout,
                         cfg->board, rep->f[i].msg);
                break;
            }
        }
        free(rep);
        rc = FK_EINVAL;
        goto fail;
    }
    free(rep);
    if (mkdir_p(cfg->state_dir) != 0) {
        snprintf(err, errlen, "--state %s: cannot create the directory: %s", cfg->state_dir, strerror(errno));
        rc = FK_EIO;
        goto fail;
    }
    struct fk_sim_opts so = {.state_dir = cfg->state_dir};
    if (cfg->dead) {
        int i = fk_board_find(&d->board, cfg->dead);
        if (i < 0) {
            snprintf(err, errlen, "--dead %s: board %s has no such device", cfg->dead, cfg->board);
            rc = FK_EINVAL;
            goto fail;
        }
        so.absent_mask = 1u << i; /* the chip does not answer: its probe fails */
    }
    rc = fk_sim_board_build(&d->sb, &d->board, &so);
    if (rc) {
        snprintf(err, errlen, "--state %s: cannot build the simulated chips: %s (%s)", cfg->state_dir,
                 fk_err_str(rc), fk_err_name(rc));
        goto fail;
    }
    d->sb_built = true;
    for (unsigned i = 0; i < d->sb.count; i++) {
        d->devs[i] = &d->sb.dev[i]->dev;
    }
    d->nareas = fk_layout_area_count(&d->layout);
    d->areas = calloc(d->nareas ? d->nareas : 1, sizeof *d->areas);
    if (!d->areas) {
        rc = FK_ENOMEM;
        goto fail;
    }
    rc = fk_layout_flash_map(&d->layout, d->devs, d->sb.count, d->areas, d->nareas, &d->map);
    if (rc) {
        snprintf(err, errlen, "%s: cannot build the flash map: %s", cfg->layout, fk_err_str(rc));
        goto fail;
    }
    rc = fk_dev_net_init(d, err, errlen);
    if (rc) {
        goto fail;
    }
    rc = fk_dev_keys_load(d, err, errlen);
    if (rc) {
        goto fail;
    }
    d->rt_last_us = fk_sim_board_overlap_us(&d->sb);
    rc = fk_dev_app_init(d);
    if (rc) {
        snprintf(err, errlen, "cannot start the SMP server: %s", fk_err_str(rc));
        goto fail;
    }
    *out = d;
    return 0;
fail:
    fk_device_close(d);
    return rc;
}

void fk_device_close(struct fk_device *d)
{
    if (!d) {
        return;
    }
    fk_dev_keys_free(d);
    fk_dev_app_free(d);
    fk_dev_net_free(d);
    if (d->sb_built) {
        fk_sim_board_free(&d->sb);
    }
    free(d->areas);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

int fk_device_flash_image(struct fk_device *d, const uint8_t *img, size_t len, char *err, size_t errlen)
{
    const struct fk_flash_area *fa;
    int rc = fk_flash_open(&d->map, FK_AREA_ID_PRIMARY, &fa);
    if (rc) {
        char buf[320];
        snprintf(err, errlen, "%s", fk_flash_explain(&d->map, FK_AREA_ID_PRIMARY, rc, buf, sizeof buf));
        return rc;
    }
    if (len > fa->size) {
        snprintf(err, errlen, "the image (%zu bytes) does not fit the primary slot %s (%u bytes)", len,
                 fa->name, fa->size);
        return FK_ENOSPC;
    }
    uint32_t es = fa->dev->erase_size, ws = fk_flash_align(fa);
    /* Erase the sectors the image covers plus the trailer's last sector, so
     * an older image's trailer (image_ok etc.) does not survive. */
    uint32_t er = (uint32_t)((len + es - 1) / es * es);
    rc = fk_flash_erase(fa, 0, er);
    if (!rc && er < fa->size) {
        rc = fk_flash_erase(fa, fa->size - es, es);
    }
    size_t padded = (len + ws - 1) / ws * ws;
    uint8_t *buf = malloc(padded);
    if (!rc && !buf) {
        rc = FK_ENOMEM;
    }
    if (!rc) {
        memset(buf, fk_flash_erased_val(fa), padded);
        memcpy(buf, img, len);
        rc = fk_flash_write(fa, 0, buf, padded);
    }
    free(buf);
    if (!rc) {
        rc = fk_flash_sync(fa);
    }
    const struct fk_bl_mode *bl = fk_bl_mode(d->cfg.bootloader);
    if (!rc && bl != NULL && bl->kind == FK_BL_KIND_EQUAL && (bl->flags & FK_BL_F_REVERT)) {
        /* direct-xip with revert erases a slot without trailer magic
         * (design.md: Revert mechanism in direct-xip and ram-load mode):
         * a factory image is programmed confirmed, as imgtool --pad
         * --confirm makes it (a padded image brings its own trailer) */
        rc = fk_bl_mark(bl->id, &d->map, FK_BL_OP_CONFIRM, FK_AREA_ID_PRIMARY);
        fk_dev_log(d, "flash: %s: primary trailer marked confirmed (magic, copy_done, image_ok)",
                   bl->title);
    }
    if (rc) {
        snprintf(err, errlen, "programming %s failed: %s (%s)", fa->name, fk_err_str(rc), fk_err_name(rc));
    }
    return rc;
}

void fk_device_power_cut_again(struct fk_device *d, uint32_t j)
{
    pthread_mutex_lock(&d->lock);
    d->cut_again = j;
    pthread_mutex_unlock(&d->lock);
}

void fk_device_power_cut_after(struct fk_device *d, uint32_t k)
{
    pthread_mutex_lock(&d->lock);
    d->cut_request = k;
    d->cut_pending = true;
    pthread_mutex_unlock(&d->lock);
}

bool fk_device_reset_pending(const struct fk_device *d)
{
    return d->reset_pending;
}

void fk_device_last_boot(struct fk_device *d, struct fk_device_boot_report *rep)
{
    pthread_mutex_lock(&d->lock);
    *rep = d->last;
    pthread_mutex_unlock(&d->lock);
}

void fk_device_flash_stats(struct fk_device *d, struct fk_device_flash_stats *st)
{
    memset(st, 0, sizeof *st);
    st->sum_s = d->sb.clock.sum_us / 1e6;
    st->overlap_s = fk_sim_board_overlap_us(&d->sb) / 1e6;
    for (unsigned i = 0; i < d->sb.count && i < 4; i++) {
        struct fk_sim_dev *sd = d->sb.dev[i];
        snprintf(st->name[i], sizeof st->name[i], "%s", sd->name);
        st->erase_calls[i] = sd->stats.erase_calls;
        st->prog_bytes[i] = sd->stats.prog_bytes;
        st->max_sector_erases[i] = sd->stats.max_sector_erases;
        st->sector_size[i] = sd->stats.sector_size;
        st->ndevs = i + 1;
    }
}

const char *fk_device_shared_dir(void)
{
    /* The build-time path, made canonical when it exists ("../shared"). */
    static char buf[4096];
    if (!buf[0]) {
        if (!realpath(FOTAKIT_SHARED_DIR, buf)) {
            snprintf(buf, sizeof buf, "%s", FOTAKIT_SHARED_DIR);
        }
    }
    return buf;
}
