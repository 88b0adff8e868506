/*
 * Serial recovery of fotakit-boot (built into fotakit-boot-recovery when
 * FOTAKIT_BOOT_RECOVERY is on; docs/recovery.md). When the port says the user
 * asked for it at reset (fk_port_recovery_requested()) or nothing valid can
 * be booted, the bootloader serves SMP on the UART itself, as MCUboot's
 * serial recovery: echo, OS info, image list, image upload (straight into
 * the primary slot, FK_SMP_F_RECOVERY), reset. The reset runs the normal
 * boot path, which verifies the uploaded image before it starts it.
 */
#include "fotakit/err.h"
#include "fotakit/port.h"
#include "fotakit/smp.h"
#include "fw.h"

#define TAG "boot"

#ifndef FK_FW_CPU
#define FK_FW_CPU "cortex-m"
#endif

static void rec_log(void *ctx, const char *line)
{
    (void)ctx;
    fk_fw_log(TAG, line, NULL);
}

static void rec_reset(void *ctx)
{
    (void)ctx;
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
