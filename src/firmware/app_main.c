/*
 * fotakit-app: the application. Reads the bootloader's retained record,
 * then serves SMP (OS + image groups, serial framing) on the UART through
 * the fotakit_smp server: upload, test, confirm, reset (SYSRESETREQ).
 * FK_APP_VERSION (compile definition) is the version the build signed it
 * with; it is reported as the OS info node name "fotakit-app-<version>", so
 * a test can tell which program really runs.
 */
#include <string.h>

#include "fotakit/boot.h"
#include "fotakit/err.h"
#include "fotakit/port.h"
#include "fotakit/smp.h"
#include "fw.h"

#define TAG "app"

#ifndef FK_APP_VERSION
#error "FK_APP_VERSION: the build passes the version the image is signed with"
#endif

static void app_log(void *ctx, const char *line)
{
    (void)ctx;
    fk_fw_log(TAG, line, NULL);
}

static void app_reset(void *ctx)
{
    (void)ctx;
    fk_fw_log(TAG, "reset", NULL);
    fk_port_reset();
}

/* OS reset "boot_mode" (1: the bootloader's serial recovery at that reset):
 * kept by the port in retained RAM. */
static int app_boot_mode(void *ctx, uint8_t mode)
{
    (void)ctx;
    return fk_port_set_boot_mode(mode);
}

int main(void)
{
    (void)fk_port_init();
    fk_fw_log(TAG, "fotakit-app " FK_APP_VERSION " on ", fk_port_board_name);
    if (fk_boot_retained_check(&fk_boot_retained) == FK_OK) {
        fk_fw_log(TAG, "bootloader: ", fk_boot_retained.why);
    } else {
        fk_fw_log(TAG, "no retained record from the bootloader", NULL);
    }

    static const char node[] = "fotakit-app-" FK_APP_VERSION;
    const struct fk_smp_config cfg = {
        .map = fk_fw_map(),
        .keys = &fk_fw_keyring,
        .buf_size = FK_FW_SMP_BUF,
        .buf_count = 4,
        .node_name = node,
        .machine = FK_FW_CPU, /* the build's -mcpu, e.g. cortex-m33 on the nRF5340 */
        .platform = fk_port_board_name,
        .reset = app_reset,
        .set_boot_mode = app_boot_mode,
        .image_count = FK_FW_IMAGES, /* 2: image 1's slots too (FOTAKIT_FW_IMAGES) */
        .log = app_log,
    };
    fk_fw_serve_smp(&cfg, TAG);
}
