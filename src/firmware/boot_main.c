/*
 * fotakit-boot: the bootloader. fk_port_init(), then fk_boot_run() over the
 * layout's flash map with the embedded keys: finish an interrupted swap,
 * perform a pending test/permanent upgrade or a revert, verify, and jump to
 * the primary image. One UART line per decision ("boot: ..."); the decision
 * also goes to the application in the .noinit retained record.
 */
#include <string.h>

#include "fotakit/boot.h"
#include "fotakit/err.h"
#include "fotakit/port.h"
#include "fw.h"

#define TAG "boot"

static void boot_log(void *ctx, const char *line)
{
    (void)ctx;
    fk_fw_log(TAG, line, NULL);
}

static void boot_kick(void *ctx)
{
    (void)ctx;
    fk_port_watchdog_kick();
}

static void boot_progress(void *ctx, uint32_t done, uint32_t total)
{
    (void)ctx;
    fk_fw_swap_step("", done, total);
}

static void boot_jump(const struct fk_boot_rsp *rsp)
{
    char ver[48], at[11];
    int dev = fk_fw_dev_index(rsp->area->dev);
    uintptr_t base = dev < 0 ? FK_PORT_NO_XIP : fk_port_flash_xip((unsigned)dev);
    if (base == FK_PORT_NO_XIP) { /* 0 is a real address: nRF flash starts there */
        fk_fw_log(TAG, "primary slot is not executable in place on this board", NULL);
        return;
    }
    uintptr_t vtor = base + rsp->area->off + rsp->off + rsp->hdr.hdr_size;
    fk_boot_retained_store(&fk_boot_retained, rsp);
    if (fk_port_protect() != FK_OK) {
        fk_fw_log(TAG, "flash self-protection not available on this board", NULL);
    }
    fk_fw_ver(&rsp->hdr.ver, ver);
    fk_fw_log(TAG, "starting image ", ver);
    fk_fw_log(TAG, "vector table at ", fk_fw_hex32((uint32_t)vtor, at));
    fk_port_jump(vtor);
}

#if FK_FW_IMAGES < 2
int fk_fw_boot_images(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp)
{
    return fk_boot_go(cfg, rsp);
}
#endif

int main(void)
{
    static struct fk_boot_rsp rsp;
    if (fk_port_init() != FK_OK) {
        fk_port_reset();
    }
    fk_fw_log(TAG, "fotakit-boot on ", fk_port_board_name);
    const struct fk_boot_config cfg = {
        .map = fk_fw_map(),
        .keys = fk_fw_boot_keyring(),
        .strategy = FK_BOOT_STRATEGY_SWAP,
        .log = boot_log,
        .watchdog = boot_kick,
        .progress = boot_progress,
    };
#ifdef FK_BOOT_RECOVERY
    /* asked for at reset (button, retained flag): before any swap, as MCUboot */
    if (fk_port_recovery_requested()) {
        fk_fw_recovery("requested at reset");
    }
#endif
    int rc = fk_fw_boot_images(&cfg, &rsp);
    if (rc == FK_OK) {
        boot_jump(&rsp); /* returns only if the image cannot be started */
    }
    /* Only here when nothing could be started: say so, keep the record for
     * a debugger, and stay (the watchdog, if any, is kicked) or, with
     * serial recovery, wait for an image over the UART. */
    fk_boot_retained_store(&fk_boot_retained, &rsp);
    fk_fw_log(TAG, "nothing bootable: ", fk_err_name(rc));
#ifdef FK_BOOT_RECOVERY
    fk_fw_recovery("no valid image");
#endif
    for (;;) {
        fk_port_watchdog_kick();
        __asm volatile("wfi");
    }
}
