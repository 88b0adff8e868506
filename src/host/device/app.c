/*
 * Boot → application: fotakit's bootloader (fk_boot_go) on the simulated
 * chips, then the "application": fotakit's SMP server on what was booted.
 * Application RAM (the server's state) is rebuilt at every boot, as a reset
 * clears it; only what the chips hold survives.
 */
#include "device_priv.h"

#include "fotakit/boot.h"
#include "fotakit/boot_multi.h"
#include "fotakit/mcuboot_mode.h"
#include "fotakit/smp.h"

#include <stdlib.h>
#include <string.h>

struct fk_dev_app {
    uint8_t *swap_buf; /* one swap sector of RAM: lets the swap overlap the two chips */
    uint32_t swap_buf_size;
    struct fk_smp_config cfg;
    struct fk_smp_server srv;
    char platform[64];
    char decision[256];
};

static uint8_t slot_area(int slot)
{
    return slot ? FK_AREA_ID_SECONDARY : FK_AREA_ID_PRIMARY;
}

static void on_reset(void *ctx)
{
    struct fk_device *d = ctx;
    d->reset_pending = true;
}

/* OS reset "boot_mode": kept in the device's retained RAM for the next
 * boot, as Zephyr's retention boot mode; only a bootloader with serial
 * recovery reads it. */
static int on_boot_mode(void *ctx, uint8_t mode)
{
    struct fk_device *d = ctx;
    if (mode > FK_SMP_BOOT_MODE_RECOVERY) {
        return FK_ENOTSUP;
    }
    d->boot_mode = mode;
    return FK_OK;
}

static void on_smp_log(void *ctx, const char *line)
{
    struct fk_device *d = ctx;
    fk_dev_log(d, "smp: %s", line);
}

static void on_boot_log(void *ctx, const char *line)
{
    struct fk_device *d = ctx;
    fk_dev_log(d, "boot: %s", line);
}

static void on_boot_log1(void *ctx, const char *line)
{
    struct fk_device *d = ctx;
    /* the network core: its RAM primary is empty at every boot, which the
     * bootloader reports as "not bootable"; the boot's image-1 line says
     * what happened instead */
    if (!d->net.pcd) {
        fk_dev_log(d, "boot[image 1]: %s", line);
    }
}

int fk_dev_app_init(struct fk_device *d)
{
    d->app = calloc(1, sizeof *d->app);
    if (!d->app) {
        return FK_ENOMEM;
    }
    struct fk_dev_app *a = d->app;
    const char *b = strrchr(d->cfg.board, '/');
    snprintf(a->platform, sizeof a->platform, "%s", b ? b + 1 : d->cfg.board);
    char *dot = strstr(a->platform, ".board.yml");
    if (dot) {
        *dot = 0;
    }
    a->cfg.map = &d->map;
    a->cfg.keys = &d->ring;
    a->cfg.buf_size = d->cfg.buf_size ? d->cfg.buf_size : FK_DEV_BUF_SIZE;
    a->cfg.buf_count = FK_DEV_BUF_COUNT;
    a->cfg.node_name = "fotakit-virtual-device";
    a->cfg.machine = "cortex-m33 (simulated)";
    a->cfg.platform = a->platform;
    if (d->cfg.fast_erase) {
        a->cfg.flags |= FK_SMP_F_FAST_ERASE;
    }
    a->cfg.reset = on_reset;
    if (d->cfg.serial_recovery || d->cfg.recovery_button) {
        a->cfg.set_boot_mode = on_boot_mode;
    }
    a->cfg.log = on_smp_log;
    a->cfg.ctx = d;
    if (d->cfg.smp_no_header_check) {
        a->cfg.flags |= FK_SMP_F_NO_HEADER_CHECK;
    }
    if (d->cfg.smp_rsn_v2) {
        a->cfg.flags |= FK_SMP_F_RSN_V2;
    }
    /* the application side runs for the same bootloader the device models */
    a->cfg.bootloader = d->cfg.bootloader;
    a->cfg.max_img_sectors = d->cfg.max_img_sectors;
    /* Two images under fotakit's bootloader: image 1 is served too, with
     * its own row (overwrite-only for the network core, as NCS does it).
     * The stock-MCUboot models are image 0 only. */
    const struct fk_bl_mode *row = fk_bl_mode(d->cfg.bootloader);
    if (d->images == 2 && row != NULL && (row->flags & FK_BL_F_FOTAKIT)) {
        a->cfg.image_count = 2;
        a->cfg.bootloader_1 = d->net.pcd ? FK_BL_FOTAKIT_OVERWRITE : d->cfg.bootloader;
    }
    struct fk_boot_geometry g;
    if (fk_boot_geometry(&d->map, &g) == FK_OK && g.unit) {
        a->swap_buf = malloc(g.unit);
        a->swap_buf_size = a->swap_buf ? g.unit : 0;
    }
    return 0;
}

void fk_dev_app_free(struct fk_device *d)
{
    if (d->app) {
        free(d->app->swap_buf);
    }
    free(d->app);
    d->app = NULL;
}

static void dev_stats(struct fk_device *d, uint64_t erases[4])
{
    for (unsigned i = 0; i < 4; i++) {
        erases[i] = i < d->sb.count ? d->sb.dev[i]->stats.erase_calls : 0;
    }
}

/* Device code called through fk_sim_board_run (a power cut unwinds to the
 * caller instead of returning into it). */
struct dev_call {
    const struct fk_boot_config *bc;
    const struct fk_boot_config *bc1; /* image 1 (two images), else NULL */
    struct fk_boot_rsp *rsp1;
    bool held;
    struct fk_boot_rsp *rsp;
    const struct fk_flash_map *map;
    const struct fk_bl_mode *bl;
    int slot;
    struct fk_smp_server *srv;
    const uint8_t *req;
    size_t len;
    uint8_t *out;
    size_t cap;
    size_t *out_len;
};

static int call_boot(void *ctx)
{
    struct dev_call *c = ctx;
    if (c->bc1 == NULL) {
        return fk_boot_go(c->bc, c->rsp);
    }
    /* both images: the dependency check, then image 0, then image 1 (whose
     * overwrite hands the network core's image over through PCD) */
    const struct fk_boot_config *cfg[2] = {c->bc, c->bc1};
    struct fk_boot_rsp rsp[2];
    memset(rsp, 0, sizeof rsp);
    int rc = fk_boot_go_multi(cfg, 2, rsp, NULL, &c->held);
    *c->rsp = rsp[0];
    *c->rsp1 = rsp[1];
    return rc;
}

static int call_confirm(void *ctx)
{
    struct dev_call *c = ctx;
    return c->bl != NULL ? fk_bl_mark(c->bl->id, c->map, FK_BL_OP_CONFIRM, slot_area(c->slot))
                         : fk_boot_confirm(c->map);
}

static int call_handle(void *ctx)
{
    struct dev_call *c = ctx;
    return fk_smp_handle(c->srv, c->req, c->len, c->out, c->cap, c->out_len);
}

static void arm_pending_cut(struct fk_device *d);

int fk_device_boot(struct fk_device *d, struct fk_device_boot_report *rep_out)
{
    struct fk_dev_app *a = d->app;
    struct fk_device_boot_report rep = {0};
    d->reset_pending = false;
    d->boots++;
    rep.boot_no = d->boots;
    if (d->power_was_cut || fk_sim_power_is_off(&d->sb)) {
        fk_sim_power_restore(&d->sb); /* power returns: chips reset, contents kept */
        d->power_was_cut = false;
        rep.after_power_cut = true;
        fk_dev_log(d, "power: back on");
    }
    /* Power-on: chips come out of any operation; the clock keeps running. */
    fk_sim_board_sync(&d->sb);
    fk_dev_net_power_on(d); /* RAM: the bootloader's flash simulator starts erased */
    arm_pending_cut(d);
    uint32_t ops0 = fk_dev_flash_ops(d);
    d->net.copy_first = d->net.copy_ops = 0;
    d->net.refused = false;
    double sum0 = d->sb.clock.sum_us, ov0 = fk_sim_board_overlap_us(&d->sb);
    uint64_t e0[4], e1[4];
    dev_stats(d, e0);

    struct fk_boot_config bc = {
        .map = &d->map,
        .keys = &d->ring,
        .strategy = d->cfg.bootloader == FK_BL_FOTAKIT_OVERWRITE ? FK_BOOT_STRATEGY_OVERWRITE
                                                                 : FK_BOOT_STRATEGY_SWAP,
        .log = on_boot_log,
        .ctx = d,
        .buf = a->swap_buf,
        .buf_size = a->swap_buf_size,
    };
    struct fk_boot_rsp rsp, rsp1;
    memset(&rsp, 0, sizeof rsp);
    memset(&rsp1, 0, sizeof rsp1);
    /* image 1: its own view of the map; overwrite-only with the PCD
     * hand-over for the network core, else image 0's strategy */
    struct fk_boot_config bc1 = bc;
    bc1.map = &d->net.img1_map;
    bc1.buf = NULL; /* image 0's swap buffer: image 1 runs serially */
    bc1.buf_size = 0;
    bc1.log = on_boot_log1;
    if (d->net.pcd) {
        bc1.strategy = FK_BOOT_STRATEGY_OVERWRITE;
        bc1.copied = fk_dev_net_copied;
    }
    const struct fk_bl_mode *bl = fk_bl_mode(d->cfg.bootloader);
    bool stock = bl != NULL && !(bl->flags & FK_BL_F_FOTAKIT);
    fk_dev_log(d, "power on: boot %u, bootloader starts%s%s%s", d->boots,
               stock ? " (a model of MCUboot " : "", stock ? bl->title : "", stock ? ")" : "");
    if (d->boots == 1 && d->images == 2 && a->cfg.image_count != 2) {
        fk_dev_log(d, "two images in the layout, image 0 only here: the MCUboot models boot and "
                      "serve image 0 (image 1%s is left as it is)",
                   d->net.pcd ? ", the network core," : "");
    }
    if (d->boots == 1 && a->cfg.image_count == 2) {
        fk_dev_log(d, "two images: image 1 %s", d->net.pcd
                   ? "is the nRF5340 network core: overwrite-only, mcuboot_primary_1 in RAM, handed "
                     "over through PCD to its bootloader (b0n), which writes the network core's flash"
                   : "has its own slots and image 0's strategy");
    }
    if (!d->ring.count && !d->ring.allow_hash_only && d->boots == 1) {
        fk_dev_log(d, "no --key given: the bootloader trusts no key, so no signed image will boot");
    }
    int rc;
    int slot = 0;
    /* the button is held at the first power-on only; the retained boot
     * mode is read once and cleared (a power cut loses it) */
    bool retained = d->boot_mode == FK_SMP_BOOT_MODE_RECOVERY && !rep.after_power_cut;
    d->boot_mode = FK_SMP_BOOT_MODE_NORMAL;
    bool button = (d->cfg.recovery_button && d->boots == 1) || retained;
    if (button) {
        rc = FK_OK; /* nothing checked, nothing swapped: MCUboot reads the pin first */
        snprintf(rsp.why, sizeof rsp.why, "%s",
                 retained ? "recovery requested by the application (boot mode 1)"
                          : "recovery button held at reset");
    } else if (stock) {
        /* a model of stock MCUboot in that mode (mcuboot_model.c) */
        uint32_t off = 0;
        int reason = FK_BOOT_R_NONE;
        rc = fk_dev_mcuboot_boot(d, bl->id, &slot, &off, &reason, rsp.why, sizeof rsp.why);
        rsp.reason = (enum fk_boot_reason)reason;
        if (rc == FK_OK && fk_flash_open(&d->map, slot_area(slot), &rsp.area) == FK_OK &&
            fk_image_read_header(rsp.area, off, &rsp.hdr) == FK_OK) {
            rsp.off = off;
        } else {
            rsp.area = NULL;
        }
    } else {
        /* The bootloader runs as device code: a power cut in its work
         * unwinds back here (a reset); power returns and the bootloader
         * starts over (it resumes an interrupted swap). */
        struct dev_call bcall = {.bc = &bc, .rsp = &rsp, .rsp1 = &rsp1,
                                 .bc1 = a->cfg.image_count == 2 ? &bc1 : NULL};
        rc = FK_EIO;
        bool second_armed = false;
        int cut = fk_sim_board_run(&d->sb, call_boot, &bcall, &rc);
        for (int again = 0; again < 3 && cut; again++) {
            rep.cuts++;
            fk_dev_log(d, "power: cut while the bootloader worked; back on, bootloader starts again");
            fk_sim_power_restore(&d->sb);
            fk_dev_net_power_on(d); /* RAM lost: the partition, the PCD command */
            pthread_mutex_lock(&d->lock);
            uint32_t j = d->cut_again;
            d->cut_again = 0;
            pthread_mutex_unlock(&d->lock);
            if (j != 0) {
                fk_sim_power_arm(&d->sb, j, FK_SIM_CUT_TEAR, 0x5eed8000u + j);
                second_armed = true;
                fk_dev_log(d, "power: armed to cut the restart during its flash operation %u", j);
            }
            rep.after_power_cut = true;
            memset(&rsp, 0, sizeof rsp);
            memset(&rsp1, 0, sizeof rsp1);
            rc = FK_EIO;
            cut = fk_sim_board_run(&d->sb, call_boot, &bcall, &rc);
        }
        rep.held = bcall.held;
        if (second_armed && !cut) {
            fk_sim_power_arm(&d->sb, 0, FK_SIM_CUT_NONE, 0); /* not reached: disarm */
        }
    }
    rep.images = a->cfg.image_count == 2 ? 2 : 1;
    if (rep.images == 2) {
        rep.rc1 = rsp1.err;
        rep.reason1 = (int)rsp1.reason;
        if (d->net.pcd && rsp1.reason == FK_BOOT_R_NO_IMAGE) {
            /* NCS's hook reports primary_1 as an empty slot: not an error */
            snprintf(rep.decision1, sizeof rep.decision1, "nothing to hand over [%s]",
                     fk_boot_reason_name(rsp1.reason));
        } else {
            snprintf(rep.decision1, sizeof rep.decision1, "%s [%s]",
                     rsp1.why[0] ? rsp1.why : "(no reason given)", fk_boot_reason_name(rsp1.reason));
        }
        rep.net_handover = d->net.pcd && rsp1.reason == FK_BOOT_R_OVERWRITTEN && !d->net.refused;
        if (d->net.pcd && d->net.refused && rsp1.reason == FK_BOOT_R_OVERWRITTEN) {
            snprintf(rep.decision1, sizeof rep.decision1,
                     "the network core refused the image (larger than its application area); "
                     "request dropped [%s]", fk_boot_reason_name(rsp1.reason));
        }
        /* the application's RAM: the partition reads erased once it runs */
        fk_dev_net_power_on(d);
    }
    rep.net = d->net.pcd;
    rep.flash_ops = fk_dev_flash_ops(d) - ops0;
    if (d->net.copy_first != 0) {
        rep.net_copy_first = d->net.copy_first - ops0;
        rep.net_copy_ops = d->net.copy_ops;
    }
    fk_dev_net_boot(d, &rep);
    if (rep.images == 2) {
        char nv[128] = "";
        if (rep.net) {
            snprintf(nv, sizeof nv, "; network core: %s%s%s",
                     rep.net_running ? "b0n starts v" : "no intact image, b0n starts nothing",
                     rep.net_version, rep.net_handover ? " (just handed over)" : "");
        }
        fk_dev_log(d, "boot %u: image 1: %s%s", rep.boot_no, rep.decision1, nv);
    }
    rep.slot = slot;
    a->cfg.active_slot = (uint8_t)slot;
    fk_sim_board_sync(&d->sb);
    rep.rc = rc;
    rep.modeled_sum_s = (d->sb.clock.sum_us - sum0) / 1e6;
    rep.modeled_overlap_s = (fk_sim_board_overlap_us(&d->sb) - ov0) / 1e6;
    dev_stats(d, e1);
    for (unsigned i = 0; i < 4; i++) {
        rep.erases[i] = e1[i] - e0[i];
    }
    for (unsigned i = 0; i < d->sb.count; i++) {
        if (d->sb.dev[i]->kind == FK_KIND_INTERNAL &&
            d->sb.dev[i]->stats.max_sector_erases > rep.max_page_erases) {
            rep.max_page_erases = d->sb.dev[i]->stats.max_sector_erases;
        }
    }
    snprintf(rep.decision, sizeof rep.decision, "%s [%s]", rsp.why[0] ? rsp.why : "(no reason given)",
             fk_boot_reason_name(rsp.reason));
    rep.reason = (int)rsp.reason;
    rep.recovery = button || (rc != FK_OK && (d->cfg.serial_recovery || d->cfg.recovery_button));
    if (rep.recovery) {
        fk_dev_log(d, "boot %u: serial recovery (%s): the bootloader serves SMP, uploads go "
                      "straight into the primary slot; reset to boot",
                   rep.boot_no, button ? rsp.why : rep.decision);
    } else if (rc == FK_OK && rsp.area) {
        struct fk_image_info info;
        memset(&info, 0, sizeof info);
        const struct fk_image_version *v = &rsp.hdr.ver;
        snprintf(rep.version, sizeof rep.version, "%u.%u.%u+%u", v->major, v->minor, v->revision,
                 (unsigned)v->build);
        /* The application knows its own hash (the SHA256 TLV): read it. */
        if (fk_image_verify(rsp.area, rsp.off, &d->ring, &info) == FK_OK || info.has_hash) {
            memcpy(rep.hash, info.hash, 32);
        }
        rep.running = true;
        char hex[65];
        fk_client_hex(rep.hash, 32, hex);
        char work[96] = "";
        if (rep.modeled_sum_s >= 0.0005) { /* said only when the boot did flash work */
            snprintf(work, sizeof work, "; flash work during boot %.3f s modeled (%.3f s with the "
                                        "NOR chip overlapped)",
                     rep.modeled_sum_s, rep.modeled_overlap_s);
        }
        fk_dev_log(d, "boot %u [%s]: application v%s starts%s, hash %s%s", rep.boot_no,
                   fk_boot_reason_name(rsp.reason), rep.version, slot ? " from slot 1" : "", hex,
                   work);
        if (d->cfg.confirm_on_boot) {
            /* the running slot's confirm, as the bootloader row says */
            struct dev_call cc = {.map = &d->map, .bl = bl, .slot = slot};
            int crc = FK_EIO;
            if (fk_sim_board_run(&d->sb, call_confirm, &cc, &crc)) {
                d->power_was_cut = true; /* the next boot starts after power returns */
            }
            fk_dev_log(d, "application: confirmed itself (--confirm-on-boot): %s", fk_err_name(crc));
        }
    } else {
        fk_dev_log(d, "boot %u: nothing bootable: %s (%s); the SMP server runs anyway so an image "
                      "can be uploaded",
                   rep.boot_no, rep.decision, fk_err_name(rc));
    }
    /* Application RAM starts from zero; in recovery the bootloader's own
     * server answers (fotakit-boot-recovery's configuration). */
    a->cfg.flags = rep.recovery ? a->cfg.flags | FK_SMP_F_RECOVERY : a->cfg.flags & ~FK_SMP_F_RECOVERY;
    a->cfg.node_name = rep.recovery ? "fotakit-boot-recovery" : "fotakit-virtual-device";
    memset(&a->srv, 0, sizeof a->srv);
    int irc = fk_smp_init(&a->srv, &a->cfg);
    if (irc) {
        fk_dev_log(d, "smp: init failed: %s", fk_err_name(irc));
    }
    fk_dev_realtime_sleep(d); /* --realtime: the boot took its modeled time */
    pthread_mutex_lock(&d->lock);
    d->last = rep;
    pthread_mutex_unlock(&d->lock);
    if (rep_out) {
        *rep_out = rep;
    }
    return rc;
}

/* fk_device_power_cut_after: arm the injector now (at a request or a boot). */
static void arm_pending_cut(struct fk_device *d)
{
    pthread_mutex_lock(&d->lock);
    if (d->cut_pending) {
        d->cut_pending = false;
        fk_sim_power_arm(&d->sb, d->cut_request, d->cut_request ? FK_SIM_CUT_TEAR : FK_SIM_CUT_NONE,
                         0x5eed0000u + d->cut_request);
        if (d->cut_request) {
            fk_dev_log(d, "power: armed to cut during flash operation %u from now", d->cut_request);
        }
    }
    pthread_mutex_unlock(&d->lock);
}

size_t fk_device_handle(struct fk_device *d, const uint8_t *req, size_t len, uint8_t *rsp, size_t cap)
{
    arm_pending_cut(d);
    size_t out = 0;
    double t0 = d->sb.clock.sum_us;
    struct dev_call hc = {.srv = &d->app->srv, .req = req, .len = len, .out = rsp, .cap = cap,
                          .out_len = &out};
    int rc = FK_EIO;
    int cut = fk_sim_board_run(&d->sb, call_handle, &hc, &rc);
    if (rc != FK_OK || cut) {
        out = 0;
    }
    if (d->cfg.verbose) {
        fk_dev_log_request(d, req, len, rsp, out, (d->sb.clock.sum_us - t0) / 1000.0);
    }
    if (cut) {
        /* The device died mid-request: no answer; it restarts when power returns. */
        fk_dev_log(d, "power: cut during a flash operation; no answer, the device restarts");
        d->power_was_cut = true;
        d->reset_pending = true;
        return 0;
    }
    /* The reset callback only raises a flag; the loop reboots after sending. */
    fk_smp_sent(&d->app->srv);
    return out;
}

struct fk_smp_server *fk_dev_app_server(struct fk_device *d)
{
    return d->app ? &d->app->srv : NULL;
}

void fk_dev_idle(struct fk_device *d)
{
    if (d->app && fk_smp_idle(&d->app->srv) > 0) {
        fk_dev_realtime_sleep(d); /* --realtime: the block erase takes its time */
    }
}

bool fk_device_slot1_pre_erased(struct fk_device *d)
{
    /* a one-byte state the serving thread writes: a snapshot is enough */
    return d->app && __atomic_load_n(&d->app->srv.bg.state, __ATOMIC_RELAXED) == FK_SMP_BG_DONE;
}
