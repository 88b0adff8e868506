/*
 * struct fk_spi_bus over the SmartFusion2 MSS SPI controller (SPI_0, master,
 * Motorola mode 0, 8-bit frames, polled).
 *
 * Chip select: the controller drives SS[0] itself. With SPS set it keeps SS
 * asserted for exactly FRAMECNT frames, so one transceive() (all its xfers)
 * is one frame burst of the summed length: at most 65535 bytes (FK_EINVAL
 * beyond; the NOR driver's largest command is a 4 KB read plus 5 bytes).
 */
#ifndef FOTAKIT_PORT_MSS_SPI_H
#define FOTAKIT_PORT_MSS_SPI_H

#include "fotakit/spi.h"

/* Reset and configure SPI_0; fill *bus (ctx unused). delay_us busy-waits
 * about `us` microseconds at the M2S010's 142 MHz. */
void sf2_spi_init(struct fk_spi_bus *bus);

#endif
