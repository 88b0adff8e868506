/*
 * The SPI-bus interface the SPI NOR driver talks to: one transceive call that
 * asserts chip select, runs a list of transfers, and releases chip select.
 * A real port is a few lines over the SoC's SPI(M) driver; the simulation
 * (fotakit/sim.h) puts a chip model behind it.
 */
#ifndef FOTAKIT_SPI_H
#define FOTAKIT_SPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One transfer within a chip-select assertion. tx NULL: clock out 0xff
 * (dummy bytes). rx NULL: discard what comes in. */
struct fk_spi_xfer {
    const void *tx;
    void *rx;
    size_t len;
};

struct fk_spi_bus {
    /* CS low, xfers[0..n) in order (full duplex), CS high. Returns 0 or a
     * negative fotakit code (a real bus: FK_EIO; the simulation also reports
     * physics violations through it). */
    int (*transceive)(void *ctx, const struct fk_spi_xfer *xfers, size_t n);
    /* Wait at least `us` microseconds (busy-wait or sleep). */
    void (*delay_us)(void *ctx, uint32_t us);
    void *ctx;
};

#ifdef __cplusplus
}
#endif
#endif
