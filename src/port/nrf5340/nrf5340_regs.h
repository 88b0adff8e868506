/*
 * nRF5340 application core, secure view: every register address and field
 * the fotakit port uses, and the section of the nRF5340 Product
 * Specification (PS, v1.3 and later) each comes from, by title (section
 * numbers shift between PS revisions). Written from the specification, no
 * vendor SDK; never run on silicon here (docs/firmware.md). The bootloader
 * and the application both run secure (no TF-M), so peripherals are used at
 * their secure addresses (0x5xxxxxxx; non-secure aliases are 0x4xxxxxxx).
 * The Cortex-M33 core registers (SCB, SysTick, NVIC) are in
 * src/port/cortex-m/cortex_m.h.
 *
 * The shared Nordic port code (src/port/nrf/) includes this header through
 * FK_NRF_REGS and uses the NRF_* names, which nrf52840_regs.h defines too.
 */
#ifndef FOTAKIT_PORT_NRF5340_REGS_H
#define FOTAKIT_PORT_NRF5340_REGS_H

#include <stdint.h>

/* A host test of the port code defines its own NRF_REG (tests/port). */
#ifndef NRF_REG
#define NRF_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#endif
#define NRF_CHIP_NAME "nrf5340"

/* ---- PS "Memory" (application core): flash and RAM ------------------------- */
#define NRF_FLASH_BASE 0x00000000u
#define NRF_FLASH_SIZE 0x100000u     /* 1 MB */
#define NRF_FLASH_PAGE_SIZE 0x1000u  /* PS "NVMC": 4 KB pages */
#define NRF_RAM_BASE 0x20000000u     /* EasyDMA reaches RAM only (PS "EasyDMA") */
#define NRF_RAM_SIZE 0x80000u        /* 512 KB */
#define NRF_CPU_HZ 64000000u         /* PS "CLOCK": HFCLKCTRL resets to Div2, 64 MHz */
#define NRF_IRQ_COUNT 69             /* PS "Instantiation" (application core): IDs 0..68 */

/* ---- PS "NVMC — Non-volatile memory controller", secure instance ----------- */
#define NRF_NVMC_BASE 0x50039000u
#define NRF_NVMC_READY 0x400u        /* bit 0: 1 = ready */
#define NRF_NVMC_READYNEXT 0x408u
#define NRF_NVMC_CONFIG 0x504u       /* CONFIG.WEN [2:0] */
#define NRF_NVMC_CONFIG_REN 0u
#define NRF_NVMC_CONFIG_WEN 1u
#define NRF_NVMC_CONFIG_EEN 2u
#define NRF_NVMC_ERASEALL 0x50Cu
#define NRF_NVMC_CONFIGNS 0x584u
/* No ERASEPAGE register: with CONFIG=EEN, writing 0xFFFFFFFF to a word of a
 * page erases that page (PS "NVMC", "Erasing a page"). fk_nvmc does this with
 * fk_nvmc_cfg.erase_by_write = 1. */
#define NRF_NVMC_ERASE_BY_WRITE 1

/* ---- PS "SPU — System protection unit" --------------------------------------- */
#define NRF_SPU_BASE 0x50003000u
#define NRF_SPU_FLASHREGION_COUNT 64u
#define NRF_SPU_FLASHREGION_SIZE 0x4000u /* 16 KB per region */
#define NRF_SPU_FLASHREGION_PERM(n) (NRF_SPU_BASE + 0x600u + 4u * (n))
#define NRF_SPU_PERM_EXECUTE (1u << 0)
#define NRF_SPU_PERM_WRITE (1u << 1)
#define NRF_SPU_PERM_READ (1u << 2)
#define NRF_SPU_PERM_SECATTR (1u << 4) /* 1: secure region */
#define NRF_SPU_PERM_LOCK (1u << 8)    /* no change until the next reset */

/* ---- PS "CLOCK — Clock control" (secure instance) -------------------------- */
#define NRF_CLOCK_BASE 0x50005000u
#define NRF_CLOCK_TASKS_HFCLKSTART (NRF_CLOCK_BASE + 0x000u)
#define NRF_CLOCK_EVENTS_HFCLKSTARTED (NRF_CLOCK_BASE + 0x100u)

/* ---- PS "WDT — Watchdog timer": WDT0 (secure instance) ----------------------- */
#define NRF_WDT_BASE 0x50018000u
#define NRF_WDT_RUNSTATUS (NRF_WDT_BASE + 0x400u)
#define NRF_WDT_RREN (NRF_WDT_BASE + 0x508u)
#define NRF_WDT_RR(n) (NRF_WDT_BASE + 0x600u + 4u * (n))
#define NRF_WDT_RR_RELOAD 0x6E524635u
#define NRF_WDT_RR_COUNT 8u

/* ---- PS "GPIO — General purpose input/output" (secure P0 0x50842500, P1
 * 0x50842800); registers at 0x004.. from the port base. pin = port*32 + n. */
#define NRF_GPIO_PORT_BASE(port) (0x50842500u + 0x300u * (port))
#define NRF_GPIO_OUTSET(port) (NRF_GPIO_PORT_BASE(port) + 0x008u)
#define NRF_GPIO_OUTCLR(port) (NRF_GPIO_PORT_BASE(port) + 0x00Cu)
#define NRF_GPIO_IN(port) (NRF_GPIO_PORT_BASE(port) + 0x010u)
#define NRF_GPIO_PIN_CNF(port, n) (NRF_GPIO_PORT_BASE(port) + 0x200u + 4u * (n))
#define NRF_GPIO_PIN_CNF_DIR_OUTPUT (1u << 0)
#define NRF_GPIO_PIN_CNF_INPUT_DISCONNECT (1u << 1)
#define NRF_GPIO_PIN_CNF_PULLUP (3u << 2)
#define NRF_GPIO_PIN_CNF_DRIVE_H0H1 (3u << 8)
/* MCUSEL [30:28] = 0: the pin belongs to the application core (reset value). */

/* ---- PS "SPIM — Serial peripheral interface master with EasyDMA": SPIM4 ----- */
/* SPIM4 runs at up to 32 MHz on its dedicated pins (P0.08 SCK, P0.09 MOSI,
 * P0.10 MISO, P0.11 CSN); on other pins, as on the DK's flash pins, 8 MHz.
 * Not done here: above 8 MHz the PS asks for IFTIMING.RXDELAY to be tuned;
 * this port leaves it at reset (it only runs the seed's 8 MHz). */
#define NRF_SPIM_BASE 0x5000A000u
#define NRF_SPIM_TASKS_START 0x010u
#define NRF_SPIM_TASKS_STOP 0x014u
#define NRF_SPIM_EVENTS_STOPPED 0x104u
#define NRF_SPIM_EVENTS_END 0x118u
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
#define NRF_SPIM_FREQUENCY_M16 0x0A000000u /* SPIM4 only */
#define NRF_SPIM_FREQUENCY_M32 0x14000000u /* SPIM4 only, dedicated pins */
#define NRF_SPIM_MAX_HZ 32000000u
#define NRF_SPIM_RXD_PTR 0x534u
#define NRF_SPIM_RXD_MAXCNT 0x538u
#define NRF_SPIM_TXD_PTR 0x544u
#define NRF_SPIM_TXD_MAXCNT 0x548u
#define NRF_SPIM_MAXCNT_MAX 0xFFFFu
#define NRF_SPIM_CONFIG 0x554u       /* 0: mode 0, MSB first */
#define NRF_SPIM_ORC 0x5C0u

/* ---- PS "UARTE — Universal asynchronous receiver/transmitter with EasyDMA":
 * UARTE0, secure instance ------------------------------------------------------ */
#define NRF_UARTE_BASE 0x50008000u
#define NRF_UARTE_TASKS_STARTRX 0x000u
#define NRF_UARTE_TASKS_STOPRX 0x004u
#define NRF_UARTE_TASKS_STARTTX 0x008u
#define NRF_UARTE_TASKS_STOPTX 0x00Cu
#define NRF_UARTE_EVENTS_ENDRX 0x110u
#define NRF_UARTE_EVENTS_ENDTX 0x120u
#define NRF_UARTE_EVENTS_ERROR 0x124u
#define NRF_UARTE_EVENTS_TXSTOPPED 0x158u
#define NRF_UARTE_ERRORSRC 0x480u
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
#define NRF_UARTE_CONFIG_HWFC (1u << 0)

/* PSEL.*: PIN [4:0], PORT bit 5, CONNECT bit 31 (1 = disconnected). */
#define NRF_PSEL(pin) ((uint32_t)(pin) & 0x3Fu)
#define NRF_PSEL_DISCONNECTED 0x80000000u

#endif
