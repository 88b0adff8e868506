/*
 * Image 1 as the nRF5340 network core, the way NCS updates it (docs/device.md
 * "The network core"): overwrite-only, its mcuboot_primary_1 a RAM partition
 * (board device with `volatile: true`) through which the application core's
 * bootloader hands the image to the network core (PCD), whose own bootloader
 * (b0n) writes the network core's flash (board device with `core: network`).
 *
 * Read from sdk-nrf (subsys/pcd/src/pcd.c, include/dfu/pcd.h,
 * modules/mcuboot/hooks/nrf53_hooks.c, samples/nrf5340/netboot) and MCUboot's
 * loader.c (boot_copy_image): MCUboot copies mcuboot_secondary_1 into the RAM
 * partition, then its boot_copy_region_post_hook writes the PCD command
 * (magic COPY, data = the image after its header, len = ih_img_size, offset =
 * the b0n container's size) into shared SRAM, releases the network core and
 * polls the command's magic every second; b0n copies the data into its
 * flash, checks it and writes DONE (or FAIL). Only after the hook returns
 * does MCUboot erase the secondary's header and trailer, so a power cut
 * during the network core's copy leaves mcuboot_secondary_1 pending and the
 * next boot copies and hands over again. fotakit does the same through
 * cfg->copied (fotakit/boot.h), called before its overwrite drops the
 * request.
 *
 * Modeled: the RAM partition erased at every boot, the command lost with
 * it, the network core's flash as a simulated chip (its erases and programs
 * take their time, count for the power-cut injector and tear), the app
 * core's one-second polling, b0n's SHA-256 compare of what it wrote against
 * the hash in the command (the netboot README: "the configuration includes
 * an update instruction and both the SHA and the data of the image"), and
 * at every boot b0n's refusal to start a network-core image that is not
 * intact. Not modeled: the IPC itself (the command is a struct, not shared
 * SRAM; no SPU/RESET registers), b0n's own signature check of the firmware
 * (NSIB validation metadata, fw_info: replaced by a record this model writes
 * after the copy), b0n's ACL flash locking, and the network core's
 * application (nothing runs there).
 */
#include "device_priv.h"

#include "fotakit/boot.h"
#include "fotakit/le.h"
#include "fotakit/mcuboot_mode.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* PCD command magics (sdk-nrf include/dfu/pcd.h values) */
#define PCD_MAGIC_COPY 0xb5b4b3b6u
#define PCD_MAGIC_FAIL 0x25bafc15u
#define PCD_MAGIC_DONE 0xf103ce5du
/* Where b0n writes the network core's application: after the b0n container
 * (b0n + provision), 0x8800 in NCS 2.x network-core partitions
 * (PM_CPUNET_B0N_CONTAINER_SIZE). */
#define NET_APP_OFF 0x8800u
/* The model's stand-in for NSIB's validation metadata: {magic, len,
 * version (8 bytes as the MCUboot header has it), SHA-256 of the data}, at
 * the start of the network flash's last page, written after the data. */
#define NET_REC_MAGIC 0x424e4b46u /* "FKNB" */
#define NET_REC_LEN 48u
/* The app core's status poll interval (pcd.c: k_busy_wait(1 s)). */
#define PCD_POLL_US 1e6

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned ol = 32;
    EVP_Digest(p, n, out, &ol, EVP_sha256(), NULL);
}

uint32_t fk_dev_flash_ops(const struct fk_device *d)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < d->sb.count; i++) {
        n += d->sb.dev[i]->stats.prog_calls + d->sb.dev[i]->stats.erase_calls;
    }
    return (uint32_t)n;
}

static struct fk_sim_dev *simdev(struct fk_device *d, int i)
{
    return i >= 0 ? d->sb.dev[i] : NULL;
}

int fk_dev_net_init(struct fk_device *d, char *err, size_t errlen)
{
    struct fk_dev_net *n = &d->net;
    memset(n, 0, sizeof *n);
    n->ram_dev = n->net_dev = -1;
    d->images = fk_layout_image_count(&d->layout);
    for (unsigned i = 0; i < d->board.count; i++) {
        if (d->board.dev[i].netcore && n->net_dev < 0) {
            n->net_dev = (int)i;
        }
    }
    if (d->images < 2) {
        return FK_OK;
    }
    /* image 1's view: its slots under image 0's ids, as fk_boot_go reads
     * them, with the shared areas (the same view the SMP server uses) */
    int rc = fk_flash_map_image(&d->map, 1, n->img1_areas, FK_DEV_VIEW_AREAS, &n->img1_map);
    if (rc == FK_OK) {
        rc = fk_flash_open(&n->img1_map, FK_AREA_ID_PRIMARY, &n->ram);
    }
    if (rc != FK_OK || n->ram == NULL) {
        snprintf(err, errlen, "%s: image 1's view of the flash map: %s", d->cfg.layout,
                 fk_err_str(rc));
        return rc != FK_OK ? rc : FK_ENOENT;
    }
    for (unsigned i = 0; i < d->sb.count; i++) {
        if (&d->sb.dev[i]->dev == n->ram->dev && d->board.dev[i].is_volatile) {
            n->ram_dev = (int)i;
        }
    }
    n->pcd = n->ram_dev >= 0 && n->net_dev >= 0;
    if (n->pcd) {
        struct fk_sim_dev *nd = simdev(d, n->net_dev);
        uint32_t page = nd->dev.erase_size;
        if (nd->dev.size < NET_APP_OFF + 2 * page) {
            snprintf(err, errlen, "%s: the network core's flash %s (0x%x bytes) has no room for "
                                  "an application after b0n's 0x%x-byte container and a record page",
                     d->cfg.board, nd->name, nd->dev.size, NET_APP_OFF);
            return FK_ENOSPC;
        }
        n->app = (struct fk_flash_area){0xfe, "cpunet_app", &nd->dev, NET_APP_OFF,
                                        nd->dev.size - page - NET_APP_OFF};
        n->rec = (struct fk_flash_area){0xfd, "cpunet_b0n_record", &nd->dev, nd->dev.size - page,
                                        page};
        /* b0n's and the app core's working copy: owned here, since a power
         * cut unwinds out of device code without freeing (fotakit/host/sim.h) */
        n->buf_size = n->ram->size > n->app.size ? n->ram->size : n->app.size;
        n->buf = malloc(n->buf_size + 4);
        if (n->buf == NULL) {
            snprintf(err, errlen, "out of memory");
            return FK_ENOMEM;
        }
    }
    return FK_OK;
}

void fk_dev_net_free(struct fk_device *d)
{
    free(d->net.buf);
    d->net.buf = NULL;
}

void fk_dev_net_power_on(struct fk_device *d)
{
    /* RAM: the flash simulator starts erased; the PCD command is gone. RAM
     * has no weakly erased cells either (a torn "erase" there was a cut
     * memset): the chip model's weak state and write counts start over. */
    for (unsigned i = 0; i < d->sb.count; i++) {
        struct fk_sim_dev *sd = d->sb.dev[i];
        if (d->board.dev[i].is_volatile && sd->kind == FK_KIND_INTERNAL) {
            struct fk_sim_nvmc_chip *c = &sd->ichip;
            memset(c->mem.data, 0xff, c->mem.size);
            memset(c->writes, 0, c->mem.size / 4);
            if (c->weak.n_weak_sec != 0 && c->weak.mask != NULL && c->weak.sec != NULL) {
                memset(c->weak.mask, 0, (size_t)c->weak.n_sec * c->weak.sector);
                memset(c->weak.sec, 0, c->weak.n_sec);
                c->weak.n_weak_sec = 0;
            }
        }
    }
    memset(&d->net.cmd, 0, sizeof d->net.cmd);
}

/* b0n: the command says COPY: erase, copy from the RAM partition, compare
 * the SHA-256, write the record, answer DONE or FAIL. Runs as device code
 * (its flash operations can be cut). */
static int b0n_copy(struct fk_device *d)
{
    struct fk_dev_net *n = &d->net;
    struct fk_pcd_cmd *c = &n->cmd;
    if (c->magic != PCD_MAGIC_COPY) {
        return FK_OK;
    }
    if (c->len == 0 || c->len > n->app.size) {
        c->magic = PCD_MAGIC_FAIL;
        return FK_ERANGE;
    }
    uint32_t page = n->app.dev->erase_size;
    /* the record first (a cut from here on leaves no intact image), then
     * the pages the data covers */
    int rc = fk_flash_erase(&n->rec, 0, page);
    uint32_t span = (c->len + page - 1) / page * page;
    if (rc == FK_OK) {
        rc = fk_flash_erase(&n->app, 0, span);
    }
    uint8_t *buf = n->buf; /* c->len <= app.size <= buf_size */
    if (rc == FK_OK) {
        rc = fk_flash_read(n->ram, c->src, buf, c->len);
    }
    uint32_t padded = (c->len + 3) / 4 * 4;
    memset(buf + c->len, 0xff, padded - c->len);
    for (uint32_t o = 0; rc == FK_OK && o < padded; o += page) {
        uint32_t k = padded - o < page ? padded - o : page; /* stream_flash: a page at a time */
        rc = fk_flash_write(&n->app, o, buf + o, k);
    }
    uint8_t got[32];
    if (rc == FK_OK) {
        rc = fk_flash_read(&n->app, 0, buf, c->len);
    }
    if (rc == FK_OK) {
        sha256(buf, c->len, got);
    }
    if (rc != FK_OK || memcmp(got, c->sha, 32) != 0) {
        c->magic = PCD_MAGIC_FAIL;
        return rc != FK_OK ? rc : FK_ECORRUPT;
    }
    uint8_t rec[NET_REC_LEN];
    fk_put_le32(rec, NET_REC_MAGIC);
    fk_put_le32(rec + 4, c->len);
    memcpy(rec + 8, c->ver, 8);
    memcpy(rec + 16, c->sha, 32);
    rc = fk_flash_write(&n->rec, 0, rec, sizeof rec);
    c->magic = rc == FK_OK ? PCD_MAGIC_DONE : PCD_MAGIC_FAIL;
    return rc;
}

/* The app core's side: the image sits in the RAM partition (primary_1):
 * write the command, release the network core, poll until it answers. */
static int pcd_update(struct fk_device *d, bool factory)
{
    struct fk_dev_net *n = &d->net;
    struct fk_image_header h;
    int rc = fk_image_read_header(n->ram, 0, &h);
    if (rc != FK_OK) {
        return rc; /* NCS: "No IMAGE_MAGIC no valid image" (-ENODATA) */
    }
    if ((uint64_t)h.hdr_size + h.img_size > n->ram->size) {
        return FK_ERANGE;
    }
    uint8_t *p = n->buf; /* hdr_size + img_size <= the RAM partition <= buf_size */
    rc = fk_flash_read(n->ram, h.hdr_size, p, h.img_size);
    struct fk_pcd_cmd *c = &n->cmd;
    memset(c, 0, sizeof *c);
    if (rc == FK_OK) {
        sha256(p, h.img_size, c->sha);
    }
    if (rc != FK_OK) {
        return rc;
    }
    c->src = h.hdr_size;
    c->len = h.img_size;
    c->ver[0] = h.ver.major;
    c->ver[1] = h.ver.minor;
    fk_put_le16(c->ver + 2, h.ver.revision);
    fk_put_le32(c->ver + 4, h.ver.build);
    c->magic = PCD_MAGIC_COPY;
    double t0 = d->sb.clock.sum_us;
    n->handovers += factory ? 0 : 1;
    n->copy_first = fk_dev_flash_ops(d) + 1;
    n->copy_ops = 0;
    rc = b0n_copy(d); /* the network core, released, runs b0n */
    n->copy_ops = fk_dev_flash_ops(d) + 1 - n->copy_first;
    double busy = d->sb.clock.sum_us - t0;
    if (!factory) {
        /* the app core sees the answer at its next one-second poll */
        double polls = busy / PCD_POLL_US;
        double whole = (double)(long)polls + 1.0;
        fk_sim_clock_cpu(&d->sb.clock, whole * PCD_POLL_US - busy);
        n->last_handover_s = whole * PCD_POLL_US / 1e6;
    }
    if (c->magic != PCD_MAGIC_DONE) {
        return rc != FK_OK ? rc : FK_EIO;
    }
    return FK_OK;
}

int fk_dev_net_copied(void *ctx, const struct fk_flash_area *pri, uint32_t len)
{
    (void)pri;
    (void)len;
    struct fk_device *d = ctx;
    d->net.refused = false;
    int rc = pcd_update(d, false);
    if (rc == FK_ERANGE) {
        /* Chosen: b0n answered FAIL before touching its flash because the
         * image cannot fit its application area. Retrying can never help
         * and the pending slot cannot be erased over SMP, so the request
         * is dropped (FK_OK to the bootloader) and the network core keeps
         * the image it has. Any other failure (a SHA-256 mismatch after
         * b0n erased its flash) keeps the request: the next boot retries. */
        d->net.refused = true;
        fk_dev_log(d, "pcd: the network core refused the image: %u bytes do not fit its "
                      "application area (0x%x bytes after b0n's container); request dropped, it "
                      "keeps the image it has",
                   d->net.cmd.len, d->net.app.size);
        return FK_OK;
    }
    fk_dev_log(d, "pcd: network core %s (%.0f s of polling, modeled)",
               rc == FK_OK ? "wrote its flash and answered DONE" : "update failed",
               d->net.last_handover_s);
    return rc;
}

void fk_dev_net_boot(struct fk_device *d, struct fk_device_boot_report *rep)
{
    struct fk_dev_net *n = &d->net;
    if (!n->pcd) {
        return;
    }
    rep->net_running = false;
    rep->net_version[0] = 0;
    uint8_t rec[NET_REC_LEN];
    if (fk_flash_read(&n->rec, 0, rec, sizeof rec) != FK_OK || fk_le32(rec) != NET_REC_MAGIC ||
        fk_le32(rec + 4) == 0 || fk_le32(rec + 4) > n->app.size) {
        return;
    }
    uint32_t len = fk_le32(rec + 4);
    uint8_t got[32];
    if (fk_flash_read(&n->app, 0, n->buf, len) != FK_OK) {
        return;
    }
    sha256(n->buf, len, got);
    if (memcmp(got, rec + 16, 32) != 0) {
        return;
    }
    rep->net_running = true;
    memcpy(rep->net_hash, got, 32);
    snprintf(rep->net_version, sizeof rep->net_version, "%u.%u.%u+%u", rec[8], rec[9],
             (unsigned)fk_le16(rec + 10), (unsigned)fk_le32(rec + 12));
}

static int call_factory(void *ctx)
{
    return pcd_update(ctx, true);
}

int fk_device_flash_netcore(struct fk_device *d, const uint8_t *img, size_t len, char *err,
                            size_t errlen)
{
    struct fk_dev_net *n = &d->net;
    if (!n->pcd) {
        snprintf(err, errlen, "this device has no network core (the layout needs "
                              "mcuboot_primary_1 on a `volatile: true` board device and the board "
                              "a `core: network` device)");
        return FK_ENOENT;
    }
    const struct fk_flash_area *ram = n->ram;
    if (len > ram->size) {
        snprintf(err, errlen, "the image (%zu bytes) does not fit %s (%u bytes)", len, ram->name,
                 ram->size);
        return FK_ENOSPC;
    }
    /* factory programming writes the network core's flash directly; the
     * model does it as b0n would, from the RAM partition */
    uint32_t es = ram->dev->erase_size;
    size_t padded = (len + 3) / 4 * 4;
    uint8_t *buf = calloc(1, padded);
    int rc = buf ? fk_flash_erase(ram, 0, (len + es - 1) / es * es) : FK_ENOMEM;
    if (rc == FK_OK) {
        memset(buf, 0xff, padded);
        memcpy(buf, img, len);
        rc = fk_flash_write(ram, 0, buf, padded);
    }
    free(buf);
    if (rc == FK_OK && fk_sim_board_run(&d->sb, call_factory, d, &rc)) {
        rc = FK_EIO;
    }
    fk_dev_net_power_on(d);
    if (rc != FK_OK) {
        snprintf(err, errlen, "programming the network core failed: %s (%s)%s", fk_err_str(rc),
                 fk_err_name(rc), rc == FK_EIMG_MAGIC ? ": not an MCUboot image" : "");
    }
    return rc;
}

int fk_device_stage(struct fk_device *d, unsigned image, const uint8_t *img, size_t len,
                    bool permanent, char *err, size_t errlen)
{
    const struct fk_bl_mode *row = fk_bl_mode(d->cfg.bootloader);
    if (row == NULL || !(row->flags & FK_BL_F_FOTAKIT)) {
        snprintf(err, errlen, "staging an update needs fotakit's own bootloader");
        return FK_ENOTSUP;
    }
    if (image >= d->images) {
        snprintf(err, errlen, "image %u: the layout has %u image(s)", image, d->images);
        return FK_EINVAL;
    }
    const struct fk_flash_map *map = image ? &d->net.img1_map : &d->map;
    const struct fk_flash_area *sec;
    int rc = fk_flash_open(map, FK_AREA_ID_SECONDARY, &sec);
    if (rc != FK_OK) {
        snprintf(err, errlen, "image %u: no secondary slot: %s", image, fk_err_str(rc));
        return rc;
    }
    uint32_t off = fk_boot_secondary_image_off(map), es = sec->dev->erase_size;
    uint32_t ws = fk_flash_align(sec);
    size_t padded = (len + ws - 1) / ws * ws;
    if (off + padded + 2u * es > sec->size) {
        snprintf(err, errlen, "the image (%zu bytes) does not fit %s", len, sec->name);
        return FK_ENOSPC;
    }
    uint8_t *buf = malloc(padded);
    if (buf == NULL) {
        return FK_ENOMEM;
    }
    memset(buf, fk_flash_erased_val(sec), padded);
    memcpy(buf, img, len);
    rc = fk_flash_erase(sec, 0, (off + padded + es - 1) / es * es);
    if (rc == FK_OK) {
        rc = fk_flash_erase(sec, sec->size - es, es); /* an old trailer */
    }
    if (rc == FK_OK) {
        rc = fk_flash_write(sec, off, buf, padded);
    }
    free(buf);
    if (rc == FK_OK) {
        rc = fk_boot_set_pending(map, permanent);
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(sec);
    }
    if (rc != FK_OK) {
        snprintf(err, errlen, "staging image %u in %s failed: %s (%s)", image, sec->name,
                 fk_err_str(rc), fk_err_name(rc));
    }
    return rc;
}
