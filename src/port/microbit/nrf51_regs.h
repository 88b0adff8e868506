/*
 * nRF51822 (BBC micro:bit, QEMU machine `microbit`): every address and field
 * the NVMC test firmware uses, with the section of the nRF51 Series
 * Reference Manual v3.0 (RM) or nRF51822 Product Specification v3.3 (PS)
 * each comes from. The NVMC block has the nRF52840's layout (READY 0x400,
 * CONFIG 0x504, ERASEPAGE 0x508), which is why the shared Nordic NVMC port
 * (src/port/nrf/nrf_nvmc_port.c) can be exercised here.
 */
#ifndef FOTAKIT_PORT_NRF51_REGS_H
#define FOTAKIT_PORT_NRF51_REGS_H

#include <stdint.h>

#define NRF_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- memory (PS §8 "Memory"; micro:bit: nRF51822-QFAA, 256 KB / 16 KB) ---- */
#define NRF_FLASH_BASE 0x00000000u
#define NRF_FLASH_SIZE 0x40000u     /* 256 KB */
#define NRF_FLASH_PAGE_SIZE 0x400u  /* 1 KB code page (RM §6 "NVMC") */
#define NRF_RAM_BASE 0x20000000u
#define NRF_RAM_SIZE 0x4000u        /* 16 KB */

/* ---- NVMC (RM §6.3 "Register overview"), base from PS §8 table 10 -------- */
#define NRF_NVMC_BASE 0x4001E000u
#define NRF_NVMC_READY 0x400u       /* bit 0: 1 = ready */
#define NRF_NVMC_READY_READY 1u
#define NRF_NVMC_CONFIG 0x504u      /* WEN [1:0] */
#define NRF_NVMC_CONFIG_REN 0u
#define NRF_NVMC_CONFIG_WEN 1u
#define NRF_NVMC_CONFIG_EEN 2u
#define NRF_NVMC_ERASEPAGE 0x508u   /* write a page's address (ERASEPCR1) */
#define NRF_NVMC_ERASEALL 0x50Cu
#define NRF_NVMC_ERASEPCR0 0x510u

/* ---- UART0 (RM §29 "UART", base from PS §8 table 10) ---------------------- */
#define NRF_UART0_BASE 0x40002000u
#define NRF_UART_TASKS_STARTTX (NRF_UART0_BASE + 0x008u)
#define NRF_UART_EVENTS_TXDRDY (NRF_UART0_BASE + 0x11Cu)
#define NRF_UART_ENABLE (NRF_UART0_BASE + 0x500u)
#define NRF_UART_ENABLE_ENABLED 4u
#define NRF_UART_TXD (NRF_UART0_BASE + 0x51Cu)

#endif
