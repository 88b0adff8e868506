/*
 * qemu-mps2-an386: every address and register field the port uses, with
 * where it comes from.
 *
 * Memory map: ARM Application Note AN386 (MPS2 Cortex-M4 FPGA image), as
 * QEMU 7.2 models it in hw/arm/mps2.c (checked with `info mtree`):
 *   0x00000000 ssram1 4 MB   - QEMU loads -kernel here at every reset: the
 *                              bootloader runs from it as if from ROM
 *   0x20000000 ssram23 4 MB  - RAM of both programs
 *   0x21000000 PSRAM 16 MB   - the machine RAM, file-backed with
 *                              -M mps2-an386,memory-backend=m: the port's
 *                              two emulated flash devices live here
 *   0x40004000 UART0         - CMSDK APB UART (QEMU's -serial 0)
 * System clock 25 MHz (mps2.c SYSCLK_FRQ; also the UART's PCLK).
 */
#ifndef FOTAKIT_PORT_MPS2_AN386_H
#define FOTAKIT_PORT_MPS2_AN386_H

#define MPS2_SYSCLK_HZ 25000000u

/* The file-backed PSRAM and the two emulated flash devices in it. The
 * backing file's offset of a device = its CPU address - MPS2_PSRAM_BASE. */
#define MPS2_PSRAM_BASE 0x21000000u
#define MPS2_PSRAM_SIZE 0x01000000u
#define MPS2_FLASH_PRIMARY_BASE 0x21000000u   /* file offset 0 */
#define MPS2_FLASH_SECONDARY_BASE 0x21800000u /* file offset 0x800000 */

/* CMSDK APB UART (ARM Cortex-M System Design Kit TRM, DDI 0479C, 4.3) */
#define MPS2_UART0_BASE 0x40004000u
#define CMSDK_UART_DATA 0x000u
#define CMSDK_UART_STATE 0x004u
#define CMSDK_UART_STATE_TXFULL (1u << 0)
#define CMSDK_UART_STATE_RXFULL (1u << 1)
#define CMSDK_UART_CTRL 0x008u
#define CMSDK_UART_CTRL_TXEN (1u << 0)
#define CMSDK_UART_CTRL_RXEN (1u << 1)
#define CMSDK_UART_CTRL_RXINTEN (1u << 3)
#define CMSDK_UART_INTCLEAR 0x00Cu /* write 1 to clear: bit 0 TX, bit 1 RX */
#define CMSDK_UART_INT_RX (1u << 1)
/* UART0 receive interrupt line (hw/arm/mps2.c: uartirq[] = {0, 2, 4, 18, 20},
 * RX; TX is one greater). */
#define MPS2_UART0_RX_IRQ 0u
#define CMSDK_UART_BAUDDIV 0x010u /* PCLK / baud, at least 16 */

#endif
