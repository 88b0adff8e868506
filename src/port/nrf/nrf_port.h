/*
 * What a Nordic chip folder (src/port/nrf52840, src/port/nrf5340) gives the
 * shared Nordic port (nrf_port.c), next to its register header:
 *   - a board header (FK_NRF_BOARD, e.g. "../nrf52840/board.h") with the
 *     DK's wiring: NRF_BOARD_NAME, the UART pins NRF_BOARD_UART_{TXD,RXD,
 *     RTS,CTS}, the NOR chip's pins NRF_BOARD_NOR_{SCK,MOSI,MISO,CSN} and
 *     the pins held high for it NRF_BOARD_NOR_WP, NRF_BOARD_NOR_HOLD;
 *   - fk_nrf_protect_boot(), the chip's own way to lock the bootloader's
 *     flash until the next reset (fk_port_protect()).
 */
#ifndef FOTAKIT_PORT_NRF_PORT_H
#define FOTAKIT_PORT_NRF_PORT_H

#include <stdint.h>

/* Make [off, off + size) of the internal flash unwritable until the next
 * reset. FK_OK when the hardware reads back locked, FK_EALIGN when the range
 * is not in the lock's granularity, FK_EIO when the lock did not take. */
int fk_nrf_protect_boot(uint32_t off, uint32_t size);

#endif
