/* Nordic UARTE0 console (see nrf_uarte.h). */
#include "nrf_uarte.h"

#include <string.h>

#include "nrf_gpio.h"

#define UARTE(r) NRF_REG(NRF_UARTE_BASE + (r))
#define TX_CHUNK 64u
/* 64 bytes at 115200 baud take 5.6 ms = 360k cycles at 64 MHz; a poll costs
 * several cycles. Past this a chunk is abandoned. */
#define TX_POLLS 2000000u

static uint8_t rx_byte;
static uint8_t tx_buf[TX_CHUNK];

static void start_rx(void)
{
    UARTE(NRF_UARTE_RXD_PTR) = (uint32_t)(uintptr_t)&rx_byte;
    UARTE(NRF_UARTE_RXD_MAXCNT) = 1;
    UARTE(NRF_UARTE_TASKS_STARTRX) = 1;
}

void fk_nrf_uarte_init(const struct fk_nrf_uarte_pins *pins)
{
    fk_nrf_gpio_output(pins->txd, 1, 0);
    fk_nrf_gpio_output(pins->rts, 1, 0);
    fk_nrf_gpio_input(pins->rxd, 0);
    fk_nrf_gpio_input(pins->cts, 0);
    UARTE(NRF_UARTE_ENABLE) = 0;
    UARTE(NRF_UARTE_PSEL_TXD) = NRF_PSEL(pins->txd);
    UARTE(NRF_UARTE_PSEL_RXD) = NRF_PSEL(pins->rxd);
    UARTE(NRF_UARTE_PSEL_RTS) = NRF_PSEL(pins->rts);
    UARTE(NRF_UARTE_PSEL_CTS) = NRF_PSEL(pins->cts);
    UARTE(NRF_UARTE_BAUDRATE) = NRF_UARTE_BAUDRATE_115200;
    UARTE(NRF_UARTE_CONFIG) = NRF_UARTE_CONFIG_HWFC;
    UARTE(NRF_UARTE_ENABLE) = NRF_UARTE_ENABLE_ENABLED;
    UARTE(NRF_UARTE_EVENTS_ENDRX) = 0;
    start_rx();
}

int fk_nrf_uarte_getc(void)
{
    if (UARTE(NRF_UARTE_EVENTS_ERROR)) {
        /* Framing/overrun: clear the sources (write 1s) and go on. */
        UARTE(NRF_UARTE_ERRORSRC) = UARTE(NRF_UARTE_ERRORSRC);
        UARTE(NRF_UARTE_EVENTS_ERROR) = 0;
    }
    if (!UARTE(NRF_UARTE_EVENTS_ENDRX)) {
        return -1;
    }
    UARTE(NRF_UARTE_EVENTS_ENDRX) = 0;
    int c = rx_byte;
    start_rx();
    return c;
}

void fk_nrf_uarte_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        size_t n = len < TX_CHUNK ? len : TX_CHUNK;
        memcpy(tx_buf, p, n);
        UARTE(NRF_UARTE_TXD_PTR) = (uint32_t)(uintptr_t)tx_buf;
        UARTE(NRF_UARTE_TXD_MAXCNT) = (uint32_t)n;
        UARTE(NRF_UARTE_EVENTS_ENDTX) = 0;
        UARTE(NRF_UARTE_TASKS_STARTTX) = 1;
        uint32_t i = 0;
        while (!UARTE(NRF_UARTE_EVENTS_ENDTX) && ++i < TX_POLLS) {
        }
        if (i == TX_POLLS) {
            UARTE(NRF_UARTE_TASKS_STOPTX) = 1;
        }
        p += n;
        len -= n;
    }
}
