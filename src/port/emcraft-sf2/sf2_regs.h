/*
 * SmartFusion2 (M2S010 on the Emcraft SOM, QEMU machine `emcraft-sf2`):
 * every address and register field the fotakit test firmware uses.
 *
 * Sources: Microsemi UG0331 "SmartFusion2 Microcontroller Subsystem User
 * Guide" (MSS SPI chapter: register map and CONTROL/STATUS bits; MSS MMUART
 * chapter: 16550-compatible registers at a 4-byte stride), and the QEMU 7.2
 * models the test runs against: hw/arm/msf2-soc.c (memory map), hw/ssi/
 * mss-spi.c (SPI), hw/char/serial.c via serial_mm_init(regshift 2) (UART).
 * Where QEMU models less than the chip, the comment says so.
 */
#ifndef FOTAKIT_PORT_SF2_REGS_H
#define FOTAKIT_PORT_SF2_REGS_H

#include <stdint.h>

#define SF2_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- memory map (UG0331 "Memory map"; msf2-soc.c) -------------------------
 * eNVM (256 KB on M2S010) at 0x60000000, aliased at 0: QEMU maps it as ROM,
 * so the guest cannot program it. eSRAM: 64 KB at 0x20000000. */
#define SF2_ENVM_BASE 0x60000000u
#define SF2_ESRAM_BASE 0x20000000u
#define SF2_ESRAM_SIZE 0x10000u

/* ---- MMUART_0 (UG0331 MMUART; 16550 registers, 4-byte stride) ------------ */
#define SF2_UART0_BASE 0x40000000u
#define SF2_UART_THR (SF2_UART0_BASE + 0x00u) /* transmit holding (write) */
#define SF2_UART_LSR (SF2_UART0_BASE + 0x14u) /* line status, register 5 */
#define SF2_UART_LSR_THRE (1u << 5)           /* transmit holding register empty */

/* ---- MSS SPI_0 (UG0331 MSS SPI "Register map") ---------------------------- */
#define SF2_SPI0_BASE 0x40001000u
#define SF2_SPI_CONTROL (SF2_SPI0_BASE + 0x00u)
#define SF2_SPI_TXRXDF_SIZE (SF2_SPI0_BASE + 0x04u) /* frame size in bits, 1..32 */
#define SF2_SPI_STATUS (SF2_SPI0_BASE + 0x08u)
#define SF2_SPI_INT_CLEAR (SF2_SPI0_BASE + 0x0Cu)
#define SF2_SPI_RX_DATA (SF2_SPI0_BASE + 0x10u)
#define SF2_SPI_TX_DATA (SF2_SPI0_BASE + 0x14u)
#define SF2_SPI_CLK_GEN (SF2_SPI0_BASE + 0x18u)
#define SF2_SPI_SLAVE_SELECT (SF2_SPI0_BASE + 0x1Cu) /* SS[0]: the flash */

/* CONTROL fields */
#define SF2_SPI_CTRL_ENABLE (1u << 0)
#define SF2_SPI_CTRL_MASTER (1u << 1)
#define SF2_SPI_CTRL_FRAMECNT_SHIFT 8u     /* [23:8] frames per transfer */
#define SF2_SPI_CTRL_FRAMECNT_MAX 0xFFFFu
#define SF2_SPI_CTRL_SPS (1u << 26)        /* keep SS asserted for FRAMECNT frames */
#define SF2_SPI_CTRL_BIGFIFO (1u << 29)
#define SF2_SPI_CTRL_RESET (1u << 31)      /* writing 1 resets the block */

/* STATUS fields */
#define SF2_SPI_STAT_TXDONE (1u << 0)
#define SF2_SPI_STAT_RXDATRCV (1u << 1)
#define SF2_SPI_STAT_RXOVERFLOW (1u << 2)
#define SF2_SPI_STAT_RXFIFOEMP (1u << 6)
#define SF2_SPI_STAT_TXFIFOFUL (1u << 8)

/* INT_CLEAR fields (write 1 to clear) */
#define SF2_SPI_INT_TXDONE (1u << 0)
#define SF2_SPI_INT_RXRDY (1u << 1)
#define SF2_SPI_INT_RXOVERFLOW (1u << 2)

/* ---- Cortex-M3 System Control Block (ARMv7-M ARM B3.2.6) ------------------ */
#define SF2_SCB_AIRCR 0xE000ED0Cu
#define SF2_SCB_AIRCR_SYSRESETREQ 0x05FA0004u /* VECTKEY | SYSRESETREQ */

#endif
