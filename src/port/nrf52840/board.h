/*
 * nRF52840 DK (PCA10056) wiring the port uses, from the nRF52840 DK user
 * guide: the interface MCU's virtual COM port and the on-board 64 Mbit
 * Macronix MX25R6435F on the QSPI pins, driven here by SPIM2 as plain SPI.
 * Pin = port * 32 + number. See src/port/nrf/nrf_port.h.
 */
#ifndef FOTAKIT_PORT_NRF52840_BOARD_H
#define FOTAKIT_PORT_NRF52840_BOARD_H

#define NRF_BOARD_NAME "nrf52840dk"

#define NRF_BOARD_UART_TXD 6  /* P0.06 */
#define NRF_BOARD_UART_RXD 8  /* P0.08 */
#define NRF_BOARD_UART_RTS 5  /* P0.05 */
#define NRF_BOARD_UART_CTS 7  /* P0.07 */

#define NRF_BOARD_NOR_CSN 17  /* P0.17 QSPI_CS */
#define NRF_BOARD_NOR_SCK 19  /* P0.19 QSPI_CLK */
#define NRF_BOARD_NOR_MOSI 20 /* P0.20 QSPI_IO0 (SI) */
#define NRF_BOARD_NOR_MISO 21 /* P0.21 QSPI_IO1 (SO) */
#define NRF_BOARD_NOR_WP 22   /* P0.22 QSPI_IO2 (WP#) */
#define NRF_BOARD_NOR_HOLD 23 /* P0.23 QSPI_IO3 (HOLD#) */

#endif
