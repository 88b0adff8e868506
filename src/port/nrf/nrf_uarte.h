/*
 * The console UART of a Nordic chip: UARTE0 (EasyDMA), 115200 8N1 with
 * RTS/CTS flow control, polled. Receive: a one-byte EasyDMA buffer restarted
 * after each byte; with flow control the UARTE holds RTS off while its FIFO
 * is full, so no byte is lost while the application is busy (e.g. writing
 * flash). Send: through a 64-byte RAM buffer (EasyDMA reaches RAM only),
 * each chunk's wait bounded (a host that never raises CTS loses output, the
 * firmware does not hang).
 */
#ifndef FOTAKIT_PORT_NRF_UARTE_H
#define FOTAKIT_PORT_NRF_UARTE_H

#include <stddef.h>
#include <stdint.h>

struct fk_nrf_uarte_pins {
    uint8_t txd, rxd, rts, cts; /* port * 32 + number */
};

void fk_nrf_uarte_init(const struct fk_nrf_uarte_pins *pins);
int fk_nrf_uarte_getc(void);                        /* byte or -1 */
void fk_nrf_uarte_write(const void *buf, size_t len);

#endif
