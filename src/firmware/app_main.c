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

static int uart_put(void *arg, const uint8_t *line, size_t n)
{
    (void)arg;
    fk_port_uart_write(line, n);
    return FK_OK;
}

int main(void)
{
    static struct fk_smp_server srv;
    static struct fk_smp_serial_dec dec;
    static uint8_t rx[1024 + 4]; /* length + packet + CRC of one frame */
    static uint8_t tx[1024];

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
        .buf_size = 1024,
        .buf_count = 4,
        .node_name = node,
        .machine = FK_FW_CPU, /* the build's -mcpu, e.g. cortex-m33 on the nRF5340 */
        .platform = fk_port_board_name,
        .reset = app_reset,
        .log = app_log,
    };
    int rc = fk_smp_init(&srv, &cfg);
    if (rc != FK_OK) {
        fk_fw_log(TAG, "SMP server init failed: ", fk_err_name(rc));
    }
    fk_smp_serial_dec_init(&dec, rx, sizeof rx);
    for (;;) {
        fk_port_watchdog_kick();
        int c = fk_port_uart_getc();
        if (c < 0) {
            fk_port_idle();
            continue;
        }
        uint8_t b = (uint8_t)c;
        size_t off = 0;
        /* A dropped frame (< 0) may leave the byte unconsumed: the decoder
         * has resynchronised, feed it again (at most twice more). */
        for (int tries = 0; off < 1 && tries < 3; tries++) {
            size_t used = 0;
            const uint8_t *pkt;
            int n = fk_smp_serial_dec_feed(&dec, &b + off, 1 - off, &used, &pkt);
            off += used;
            if (n == 0) {
                break;
            }
            if (n < 0) {
                continue;
            }
            size_t rsp_len = 0;
            if (fk_smp_handle(&srv, pkt, (size_t)n, tx, sizeof tx, &rsp_len) == FK_OK &&
                rsp_len > 0) {
                (void)fk_smp_serial_encode_cb(tx, rsp_len, uart_put, NULL);
            }
            fk_smp_sent(&srv);
        }
    }
}
