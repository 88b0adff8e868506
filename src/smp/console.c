/*
 * The SMP server on a byte stream (serial console framing): received bytes
 * in, framed answers out through the caller's put(). The one loop body the
 * application's UART transport and the bootloader's serial recovery share.
 */
#include "fotakit/smp.h"

void fk_smp_console_init(struct fk_smp_console *c, struct fk_smp_server *srv, uint8_t *rx,
                         size_t rx_cap, uint8_t *tx, size_t tx_cap,
                         int (*put)(void *arg, const uint8_t *line, size_t n), void *arg)
{
    c->srv = srv;
    c->tx = tx;
    c->tx_cap = tx_cap;
    c->put = put;
    c->arg = arg;
    c->answered = 0;
    fk_smp_serial_dec_init(&c->dec, rx, rx_cap);
}

int fk_smp_console_feed(struct fk_smp_console *c, const uint8_t *in, size_t len)
{
    int answered = 0;
    size_t off = 0;
    /* A dropped frame (< 0) may leave bytes unconsumed: the decoder has
     * resynchronised, so the rest is fed again. Every call consumes at least
     * one byte or reports an event, so this ends. */
    while (off < len) {
        size_t used = 0;
        const uint8_t *pkt;
        int n = fk_smp_serial_dec_feed(&c->dec, in + off, len - off, &used, &pkt);
        off += used;
        if (n == 0) {
            break;
        }
        if (n < 0) {
            continue;
        }
        size_t rsp_len = 0;
        if (fk_smp_handle(c->srv, pkt, (size_t)n, c->tx, c->tx_cap, &rsp_len) == FK_OK &&
            rsp_len > 0) {
            (void)fk_smp_serial_encode_cb(c->tx, rsp_len, c->put, c->arg);
            answered++;
            c->answered++;
        }
        fk_smp_sent(c->srv); /* may run cfg.reset (an OS reset was answered) */
    }
    return answered;
}
