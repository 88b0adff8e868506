/*
 * Serial recovery of fotakit-boot (built into fotakit-boot-recovery when
 * FOTAKIT_BOOT_RECOVERY is on; docs/recovery.md). When the port says the user
 * asked for it at reset (fk_port_recovery_requested()) or nothing valid can
 * be booted, the bootloader serves SMP on the UART itself, as MCUboot's
 * serial recovery: echo, OS info, image list, image upload (straight into
 * the primary slot, FK_SMP_F_RECOVERY), reset. The reset runs the normal
 * boot path, which verifies the uploaded image before it starts it.
 */
#include <string.h>

#include "fotakit/err.h"
#include "fotakit/port.h"
#include "fotakit/smp.h"
#include "fw.h"
#ifdef FK_IMAGE_ENC
#include "fotakit/image_enc.h"
#endif

#define TAG "boot"

#ifndef FK_FW_CPU
#define FK_FW_CPU "cortex-m"
#endif

static void rec_log(void *ctx, const char *line)
{
    (void)ctx;
    fk_fw_log(TAG, line, NULL);
}

#ifdef FK_IMAGE_ENC
/* Recovery writes uploads straight into the primary, so an encrypted image
 * lands there as ciphertext, while the boot verifies the primary as
 * plaintext. As MCUboot's serial recovery does, it is decrypted in place
 * before the reset, sector by sector - only when it verifies (hash and
 * signature over the plaintext) with the built-in key. A cut midway leaves
 * an image that fails verification: the next boot finds nothing valid and
 * is in recovery again, for a new upload. */
static void decrypt_primary(void)
{
    static uint8_t buf[4096];
    static struct fk_image_cipher c;
    const struct fk_flash_area *fa;
    struct fk_image_info info;
    uint8_t key[32];
    size_t klen;
    const struct fk_image_keyring *k = fk_fw_boot_keyring();
    if (fk_flash_open(fk_fw_map(), FK_AREA_ID_PRIMARY, &fa) != FK_OK ||
        fk_image_verify(fa, 0, k, &info) != FK_OK || !info.decrypted) {
        return; /* not encrypted, or not an image this bootloader would boot */
    }
    uint32_t es = fa->dev->erase_size, start = info.hdr.hdr_size;
    uint32_t end = start + info.hdr.img_size;
    int rc = es <= sizeof buf ? fk_image_enc_unwrap(fa, 0, &info.hdr, k->enc, key, &klen)
                              : FK_ENOTSUP;
    if (rc == FK_OK) {
        fk_image_cipher_init(&c, key, klen);
    }
    memset(key, 0, sizeof key);
    for (uint32_t off = 0; rc == FK_OK && off < end; off += es) {
        fk_port_watchdog_kick();
        uint32_t lo = off > start ? off : start, hi = off + es < end ? off + es : end;
        rc = fk_flash_read(fa, off, buf, es);
        if (rc == FK_OK && lo < hi) {
            fk_image_cipher_run(&c, lo - start, buf + (lo - off), hi - lo);
        }
        if (rc == FK_OK) {
            rc = fk_flash_erase(fa, off, es);
        }
        if (rc == FK_OK) {
            rc = fk_flash_write(fa, off, buf, es);
        }
    }
    memset(&c, 0, sizeof c);
    fk_fw_log(TAG, "serial recovery: decrypted the uploaded image in place: ", fk_err_name(rc));
}
#endif

static void rec_reset(void *ctx)
{
    (void)ctx;
#ifdef FK_IMAGE_ENC
    decrypt_primary();
#endif
    fk_fw_log(TAG, "serial recovery: reset", NULL);
    fk_port_reset();
}

_Noreturn void fk_fw_recovery(const char *why)
{
    fk_fw_log(TAG, "serial recovery: ", why);
    static const struct fk_smp_config cfg_init = {
        .buf_size = FK_FW_SMP_BUF,
        .buf_count = 1, /* one request at a time: the loop answers before reading on */
        .node_name = "fotakit-boot-recovery",
        .machine = FK_FW_CPU,
        .bootloader = FK_BL_FOTAKIT,
        .flags = FK_SMP_F_RECOVERY,
        .reset = rec_reset,
        .log = rec_log,
    };
    static struct fk_smp_config cfg;
    cfg = cfg_init;
    cfg.map = fk_fw_map();
    cfg.keys = &fk_fw_keyring;
    cfg.platform = fk_port_board_name;
    fk_fw_serve_smp(&cfg, TAG);
}
