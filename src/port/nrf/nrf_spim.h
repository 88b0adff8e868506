/*
 * struct fk_spi_bus over a Nordic SPIM (EasyDMA) with chip select on a GPIO:
 * SPIM2 on the nRF52840, SPIM4 on the nRF5340 (NRF_SPIM_BASE of the chip
 * header). SPI mode 0, MSB first.
 *
 * EasyDMA reaches Data RAM only: bytes to send from flash (e.g. a swap
 * copying the primary slot) go through a 64-byte RAM buffer; receive buffers
 * must be in RAM (FK_EINVAL otherwise). A transaction of at most 64 bytes
 * (every NOR command but data reads and page programs) is gathered into one
 * DMA transfer. Each DMA transfer is bounded (FK_EIO if END never comes).
 */
#ifndef FOTAKIT_PORT_NRF_SPIM_H
#define FOTAKIT_PORT_NRF_SPIM_H

#include <stdint.h>

#include "fotakit/spi.h"

struct fk_nrf_spim_pins {
    uint8_t sck, mosi, miso, csn; /* port * 32 + number */
};

/* Configure the pins (CSN high, SCK/MOSI driven, MISO input), the SPIM at
 * the highest frequency not above `hz`, and fill *bus. */
void fk_nrf_spim_init(struct fk_spi_bus *bus, const struct fk_nrf_spim_pins *pins, uint32_t hz);

#endif
