/*
 * nRF5340 DK (PCA10095) wiring the port uses (application core), from the
 * nRF5340 DK user guide: the interface MCU's virtual COM port on
 * P0.19-P0.22 (the application core's console on the DK) and the
 * on-board 64 Mbit Macronix MX25R6435F on the QSPI pins, driven here by
 * SPIM4 as plain SPI (8 MHz on these pins; 32 MHz needs SPIM4's dedicated
 * pins P0.08..P0.11). Pin = port * 32 + number. See src/port/nrf/nrf_port.h.
 */
#ifndef FOTAKIT_PORT_NRF5340_BOARD_H
#define FOTAKIT_PORT_NRF5340_BOARD_H

#define NRF_BOARD_NAME "nrf5340dk"

#define NRF_BOARD_UART_TXD 20 /* P0.20 */
#define NRF_BOARD_UART_RXD 22 /* P0.22 */
#define NRF_BOARD_UART_RTS 19 /* P0.19 */
#define NRF_BOARD_UART_CTS 21 /* P0.21 */

#define NRF_BOARD_NOR_SCK 17  /* P0.17 QSPI_CLK */
#define NRF_BOARD_NOR_CSN 18  /* P0.18 QSPI_CS */
#define NRF_BOARD_NOR_MOSI 13 /* P0.13 QSPI_IO0 (SI) */
#define NRF_BOARD_NOR_MISO 14 /* P0.14 QSPI_IO1 (SO) */
#define NRF_BOARD_NOR_WP 15   /* P0.15 QSPI_IO2 (WP#) */
#define NRF_BOARD_NOR_HOLD 16 /* P0.16 QSPI_IO3 (HOLD#) */

#endif
