/*
 * The SMP server on the console UART, for both programs: the application's
 * transport and the bootloader's serial recovery. Polls the port's UART,
 * feeds the bytes to fk_smp_console_feed (decoder -> server -> framed
 * answers), sleeps in fk_port_idle() when nothing is waiting. An OS reset
 * request runs cfg->reset once its answer went out.
 */
#include "fotakit/err.h"
#include "fotakit/port.h"
#include "fotakit/smp.h"
#include "fw.h"

static int uart_put(void *arg, const uint8_t *line, size_t n)
{
    (void)arg;
    fk_port_uart_write(line, n);
    return FK_OK;
}

_Noreturn void fk_fw_serve_smp(const struct fk_smp_config *cfg, const char *tag)
{
    static struct fk_smp_server srv;
    static struct fk_smp_console con;
    static uint8_t rx[FK_FW_SMP_BUF + 4]; /* length + packet + CRC of one frame */
    static uint8_t tx[FK_FW_SMP_BUF];

    int rc = fk_smp_init(&srv, cfg);
    if (rc != FK_OK) {
        fk_fw_log(tag, "SMP server init failed: ", fk_err_name(rc));
    }
    fk_smp_console_init(&con, &srv, rx, sizeof rx, tx, sizeof tx, uart_put, NULL);
    for (;;) {
        fk_port_watchdog_kick();
        int c = fk_port_uart_getc();
        if (c < 0) {
            fk_port_idle();
            continue;
        }
        uint8_t b = (uint8_t)c;
        (void)fk_smp_console_feed(&con, &b, 1);
    }
}
