/*
 * nRF52840: every register address and field the fotakit port uses, and the
 * section of the nRF52840 Product Specification v1.7 (PS) each comes from.
 * Written from the specification, no vendor SDK; never run on silicon here
 * (docs/firmware.md). The Cortex-M4 core registers (SCB, SysTick, NVIC) are
 * in src/port/cortex-m/cortex_m.h (ARMv7-M ARM).
 *
 * The shared Nordic port code (src/port/nrf/) includes this header through
 * FK_NRF_REGS and uses the NRF_* names, which nrf5340_regs.h defines too.
 */
#ifndef FOTAKIT_PORT_NRF52840_REGS_H
#define FOTAKIT_PORT_NRF52840_REGS_H

#include <stdint.h>

/* A host test of the port code defines its own NRF_REG (tests/port). */
#ifndef NRF_REG
#define NRF_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#endif
#define NRF_CHIP_NAME "nrf52840"

/* ---- PS "Memory": code flash and Data RAM ------------------------------ */
#define NRF_FLASH_BASE 0x00000000u
#define NRF_FLASH_SIZE 0x100000u      /* 1 MB */
#define NRF_FLASH_PAGE_SIZE 0x1000u   /* PS "NVMC": 4 KB pages */
#define NRF_RAM_BASE 0x20000000u      /* Data RAM: the only memory EasyDMA reaches */
#define NRF_RAM_SIZE 0x40000u         /* 256 KB (PS "EasyDMA": RAM only) */
#define NRF_CPU_HZ 64000000u          /* PS "CPU": 64 MHz */
#define NRF_IRQ_COUNT 48              /* PS "Instantiation": IDs 0..47 */

/* ---- PS "NVMC — Non-volatile memory controller" (base: "Instantiation") -------- */
#define NRF_NVMC_BASE 0x4001E000u
#define NRF_NVMC_READY 0x400u         /* READY: bit 0, 1 = ready */
#define NRF_NVMC_READYNEXT 0x408u
#define NRF_NVMC_CONFIG 0x504u        /* CONFIG.WEN [1:0] */
#define NRF_NVMC_CONFIG_REN 0u
#define NRF_NVMC_CONFIG_WEN 1u
#define NRF_NVMC_CONFIG_EEN 2u
#define NRF_NVMC_ERASEPAGE 0x508u     /* write the page's address to erase it */
#define NRF_NVMC_ERASEALL 0x50Cu
#define NRF_NVMC_ERASE_BY_WRITE 0     /* nRF52840 erases with ERASEPAGE */

/* ---- PS "ACL — Access control lists" (shares ID 30 with NVMC) --------- */
#define NRF_ACL_BASE 0x4001E000u
#define NRF_ACL_COUNT 8u
#define NRF_ACL_ADDR(n) (NRF_ACL_BASE + 0x800u + 0x10u * (n)) /* page aligned */
#define NRF_ACL_SIZE(n) (NRF_ACL_BASE + 0x804u + 0x10u * (n)) /* multiple of a page */
#define NRF_ACL_PERM(n) (NRF_ACL_BASE + 0x808u + 0x10u * (n))
#define NRF_ACL_PERM_WRITE_DISABLE (1u << 1)
#define NRF_ACL_PERM_READ_DISABLE (1u << 2)
/* ADDR/SIZE/PERM of a region can be written once per reset (PS "ACL"). */

/* ---- PS "CLOCK — Clock control" ----------------------------------------- */
#define NRF_CLOCK_BASE 0x40000000u
#define NRF_CLOCK_TASKS_HFCLKSTART (NRF_CLOCK_BASE + 0x000u)
#define NRF_CLOCK_EVENTS_HFCLKSTARTED (NRF_CLOCK_BASE + 0x100u)

/* ---- PS "WDT — Watchdog timer" ----------------------------------------- */
#define NRF_WDT_BASE 0x40010000u
#define NRF_WDT_RUNSTATUS (NRF_WDT_BASE + 0x400u) /* bit 0: running */
#define NRF_WDT_RREN (NRF_WDT_BASE + 0x508u)      /* bit n: RR[n] enabled */
#define NRF_WDT_RR(n) (NRF_WDT_BASE + 0x600u + 4u * (n))
#define NRF_WDT_RR_RELOAD 0x6E524635u
#define NRF_WDT_RR_COUNT 8u

/* ---- PS "GPIO — General purpose input/output" ------------------------- */
/* Port base as the PS lists it (P0 0x50000000, P1 0x50000300); registers at
 * 0x504.. from it. pin = port * 32 + number. */
#define NRF_GPIO_PORT_BASE(port) (0x50000000u + 0x300u * (port))
#define NRF_GPIO_OUTSET(port) (NRF_GPIO_PORT_BASE(port) + 0x508u)
#define NRF_GPIO_OUTCLR(port) (NRF_GPIO_PORT_BASE(port) + 0x50Cu)
#define NRF_GPIO_IN(port) (NRF_GPIO_PORT_BASE(port) + 0x510u)
#define NRF_GPIO_PIN_CNF(port, n) (NRF_GPIO_PORT_BASE(port) + 0x700u + 4u * (n))
#define NRF_GPIO_PIN_CNF_DIR_OUTPUT (1u << 0)
#define NRF_GPIO_PIN_CNF_INPUT_DISCONNECT (1u << 1) /* 0: input buffer connected */
#define NRF_GPIO_PIN_CNF_PULLUP (3u << 2)
#define NRF_GPIO_PIN_CNF_DRIVE_H0H1 (3u << 8)       /* high drive '0' and '1' */

/* ---- PS "SPIM — Serial peripheral interface master with EasyDMA" ----- */
/* SPIM2 (ID 35): no anomaly-58 one-byte issue (nRF52832 only) and none of
 * SPIM3's anomaly 198; up to 8 MHz. */
#define NRF_SPIM_BASE 0x40023000u
#define NRF_SPIM_TASKS_START 0x010u
#define NRF_SPIM_TASKS_STOP 0x014u
#define NRF_SPIM_EVENTS_STOPPED 0x104u
#define NRF_SPIM_EVENTS_END 0x118u    /* both RX and TX finished */
#define NRF_SPIM_ENABLE 0x500u
#define NRF_SPIM_ENABLE_ENABLED 7u
#define NRF_SPIM_PSEL_SCK 0x508u
#define NRF_SPIM_PSEL_MOSI 0x50Cu
#define NRF_SPIM_PSEL_MISO 0x510u
#define NRF_SPIM_FREQUENCY 0x524u
#define NRF_SPIM_FREQUENCY_M1 0x10000000u
#define NRF_SPIM_FREQUENCY_M2 0x20000000u
#define NRF_SPIM_FREQUENCY_M4 0x40000000u
#define NRF_SPIM_FREQUENCY_M8 0x80000000u
#define NRF_SPIM_MAX_HZ 8000000u      /* SPIM0..2; SPIM3 reaches 32 MHz */
#define NRF_SPIM_RXD_PTR 0x534u
#define NRF_SPIM_RXD_MAXCNT 0x538u
#define NRF_SPIM_TXD_PTR 0x544u
#define NRF_SPIM_TXD_MAXCNT 0x548u
#define NRF_SPIM_MAXCNT_MAX 0xFFFFu   /* MAXCNT is 16 bits on the nRF52840 */
#define NRF_SPIM_CONFIG 0x554u        /* ORDER bit 0, CPHA bit 1, CPOL bit 2: 0 = mode 0, MSB first */
#define NRF_SPIM_ORC 0x5C0u           /* byte clocked out once TXD.MAXCNT is used up */

/* ---- PS "UARTE — Universal asynchronous receiver/transmitter with EasyDMA" */
#define NRF_UARTE_BASE 0x40002000u    /* UARTE0 */
#define NRF_UARTE_TASKS_STARTRX 0x000u
#define NRF_UARTE_TASKS_STOPRX 0x004u
#define NRF_UARTE_TASKS_STARTTX 0x008u
#define NRF_UARTE_TASKS_STOPTX 0x00Cu
#define NRF_UARTE_EVENTS_ENDRX 0x110u
#define NRF_UARTE_EVENTS_ENDTX 0x120u
#define NRF_UARTE_EVENTS_ERROR 0x124u
#define NRF_UARTE_EVENTS_TXSTOPPED 0x158u
#define NRF_UARTE_ERRORSRC 0x480u     /* write 1s to clear */
#define NRF_UARTE_ENABLE 0x500u
#define NRF_UARTE_ENABLE_ENABLED 8u
#define NRF_UARTE_PSEL_RTS 0x508u
#define NRF_UARTE_PSEL_TXD 0x50Cu
#define NRF_UARTE_PSEL_CTS 0x510u
#define NRF_UARTE_PSEL_RXD 0x514u
#define NRF_UARTE_BAUDRATE 0x524u
#define NRF_UARTE_BAUDRATE_115200 0x01D60000u
#define NRF_UARTE_RXD_PTR 0x534u
#define NRF_UARTE_RXD_MAXCNT 0x538u
#define NRF_UARTE_TXD_PTR 0x544u
#define NRF_UARTE_TXD_MAXCNT 0x548u
#define NRF_UARTE_CONFIG 0x56Cu
#define NRF_UARTE_CONFIG_HWFC (1u << 0) /* RTS/CTS flow control */

/* PSEL.* (SPIM and UARTE): PIN [4:0], PORT bit 5, CONNECT bit 31 (1 = disconnected). */
#define NRF_PSEL(pin) ((uint32_t)(pin) & 0x3Fu)
#define NRF_PSEL_DISCONNECTED 0x80000000u

#endif
