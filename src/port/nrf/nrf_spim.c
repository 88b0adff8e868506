/* Nordic SPIM as a fotakit SPI bus (see nrf_spim.h). */
#include "nrf_spim.h"

#include <string.h>

#include "fotakit/err.h"
#include "nrf_gpio.h"

#define SPIM(r) NRF_REG(NRF_SPIM_BASE + (r))
#define BOUNCE 64u

static struct fk_nrf_spim_pins pins_;
static uint8_t tx_buf[BOUNCE]; /* RAM copies of flash-resident bytes */
static uint8_t rx_buf[BOUNCE]; /* gathered small transactions */

static int in_ram(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return n <= NRF_RAM_SIZE && a >= NRF_RAM_BASE && a - NRF_RAM_BASE <= NRF_RAM_SIZE - n;
}

/* One EasyDMA transfer of n bytes (1..MAXCNT): tx NULL sends ORC (0xFF),
 * rx NULL discards. Both pointers already in RAM. */
static int dma(const uint8_t *tx, uint8_t *rx, size_t n)
{
    SPIM(NRF_SPIM_TXD_PTR) = (uint32_t)(uintptr_t)tx;
    SPIM(NRF_SPIM_TXD_MAXCNT) = tx ? (uint32_t)n : 0u;
    SPIM(NRF_SPIM_RXD_PTR) = (uint32_t)(uintptr_t)rx;
    SPIM(NRF_SPIM_RXD_MAXCNT) = rx ? (uint32_t)n : 0u;
    SPIM(NRF_SPIM_EVENTS_END) = 0;
    SPIM(NRF_SPIM_TASKS_START) = 1;
    /* At 1 MHz or faster a byte takes at most 8 us = 512 CPU cycles; a poll
     * costs several cycles, so this bound is above any real transfer. */
    for (uint32_t i = 0, lim = 1000u + (uint32_t)n * 512u; i < lim; i++) {
        if (SPIM(NRF_SPIM_EVENTS_END)) {
            SPIM(NRF_SPIM_EVENTS_END) = 0;
            return FK_OK;
        }
    }
    SPIM(NRF_SPIM_TASKS_STOP) = 1;
    return FK_EIO;
}

/* One xfer of any length: chunks of MAXCNT, bounced through RAM when the
 * bytes to send are not in RAM. */
static int xfer(const uint8_t *tx, uint8_t *rx, size_t len)
{
    if (rx != NULL && !in_ram(rx, len)) {
        return FK_EINVAL;
    }
    int bounce = tx != NULL && !in_ram(tx, len);
    while (len > 0) {
        size_t n = len < NRF_SPIM_MAXCNT_MAX ? len : NRF_SPIM_MAXCNT_MAX;
        const uint8_t *t = tx;
        if (bounce) {
            n = n < BOUNCE ? n : BOUNCE;
            memcpy(tx_buf, tx, n);
            t = tx_buf;
        }
        int rc = dma(t, rx, n);
        if (rc != FK_OK) {
            return rc;
        }
        tx = tx ? tx + n : NULL;
        rx = rx ? rx + n : NULL;
        len -= n;
    }
    return FK_OK;
}

static int spim_transceive(void *ctx, const struct fk_spi_xfer *x, size_t n)
{
    (void)ctx;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += x[i].len;
    }
    int rc = FK_OK;
    fk_nrf_gpio_write(pins_.csn, 0);
    if (total <= BOUNCE) {
        /* Gather: one DMA transfer for the whole transaction. */
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            if (x[i].tx) {
                memcpy(tx_buf + at, x[i].tx, x[i].len);
            } else {
                memset(tx_buf + at, 0xff, x[i].len);
            }
            at += x[i].len;
        }
        rc = total ? dma(tx_buf, rx_buf, total) : FK_OK;
        at = 0;
        for (size_t i = 0; i < n && rc == FK_OK; i++) {
            if (x[i].rx) {
                memcpy(x[i].rx, rx_buf + at, x[i].len);
            }
            at += x[i].len;
        }
    } else {
        for (size_t i = 0; i < n && rc == FK_OK; i++) {
            rc = xfer(x[i].tx, x[i].rx, x[i].len);
        }
    }
    fk_nrf_gpio_write(pins_.csn, 1);
    return rc;
}

/* Busy-wait: at least `us` microseconds at NRF_CPU_HZ (a loop iteration
 * takes at least 4 cycles). */
static void spim_delay_us(void *ctx, uint32_t us)
{
    (void)ctx;
    for (volatile uint32_t i = 0; i < us * (NRF_CPU_HZ / 4000000u); i++) {
    }
}

static uint32_t frequency(uint32_t hz)
{
#ifdef NRF_SPIM_FREQUENCY_M32
    if (hz >= 32000000u) {
        return NRF_SPIM_FREQUENCY_M32;
    }
    if (hz >= 16000000u) {
        return NRF_SPIM_FREQUENCY_M16;
    }
#endif
    if (hz >= 8000000u) {
        return NRF_SPIM_FREQUENCY_M8;
    }
    if (hz >= 4000000u) {
        return NRF_SPIM_FREQUENCY_M4;
    }
    if (hz >= 2000000u) {
        return NRF_SPIM_FREQUENCY_M2;
    }
    return NRF_SPIM_FREQUENCY_M1;
}

void fk_nrf_spim_init(struct fk_spi_bus *bus, const struct fk_nrf_spim_pins *pins, uint32_t hz)
{
    pins_ = *pins;
    fk_nrf_gpio_output(pins->csn, 1, 0);
    fk_nrf_gpio_output(pins->sck, 0, NRF_GPIO_PIN_CNF_DRIVE_H0H1);
    fk_nrf_gpio_output(pins->mosi, 0, NRF_GPIO_PIN_CNF_DRIVE_H0H1);
    fk_nrf_gpio_input(pins->miso, 0);
    SPIM(NRF_SPIM_ENABLE) = 0;
    SPIM(NRF_SPIM_PSEL_SCK) = NRF_PSEL(pins->sck);
    SPIM(NRF_SPIM_PSEL_MOSI) = NRF_PSEL(pins->mosi);
    SPIM(NRF_SPIM_PSEL_MISO) = NRF_PSEL(pins->miso);
    SPIM(NRF_SPIM_FREQUENCY) = frequency(hz < NRF_SPIM_MAX_HZ ? hz : NRF_SPIM_MAX_HZ);
    SPIM(NRF_SPIM_CONFIG) = 0;
    SPIM(NRF_SPIM_ORC) = 0xFFu;
    SPIM(NRF_SPIM_ENABLE) = NRF_SPIM_ENABLE_ENABLED;
    bus->transceive = spim_transceive;
    bus->delay_us = spim_delay_us;
    bus->ctx = NULL;
}
