/*
 * fotakit port contract: what a board port gives the firmware programs
 * (the bootloader `fotakit-boot` and the application `fotakit-app`).
 *
 * In the spirit of wolfBoot's HAL: a handful of plain C functions, no
 * callbacks to register, one implementation per board in src/port/<board>/.
 * Generic Cortex-M pieces (startup, vector table, SysTick tick, the jump,
 * SYSRESETREQ) live once in src/port/cortex-m/ (cortex_m.h) and a
 * board port calls or re-exports them.
 *
 * Rules for every port (device code): no heap, no OS calls, no stdio; every
 * wait is bounded or documented as blocking; all registers are named in one
 * header per chip with the specification section they come from.
 *
 * Order of calls in both programs: startup (copies .data, zeroes .bss, never
 * touches .noinit) -> fk_port_init() -> anything else. The bootloader ends
 * with fk_port_protect() -> fk_port_jump(); the application may call
 * fk_port_reset() at any time.
 */
#ifndef FOTAKIT_PORT_H
#define FOTAKIT_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/boot.h"
#include "fotakit/flash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Board name, e.g. "qemu-mps2-an386", "nrf52840dk" (SMP info 'i', logs). */
extern const char fk_port_board_name[];

/*
 * Board init: clocks, pins, the UART (ready to send when this returns), the
 * millisecond tick, the watchdog (if the board starts one) and every flash
 * device's driver. A flash device whose probe failed is still returned by
 * fk_port_flash() with state FK_DEV_FAILED and `why` filled in, so the
 * bootloader can explain it: that is not an init failure. Returns FK_OK, or
 * a negative fotakit code when the board cannot run at all (then nothing
 * else in this header may be called except fk_port_reset()).
 */
int fk_port_init(void);

/*
 * The flash device behind layout device index `dev` (FK_LAYOUT_DEV_<NAME>
 * of the generated fotakit_layout.h, i.e. the board file's order). Its
 * geometry (size, erase_size, write_size) equals the board file's, which
 * the generated header also states (the port checks this at build time).
 * NULL if `dev` is out of range. Valid after fk_port_init().
 */
struct fk_flash_dev *fk_port_flash(unsigned dev);

/*
 * CPU address at which byte 0 of layout device `dev` can be executed in
 * place (memory-mapped internal flash), or FK_PORT_NO_XIP when it cannot
 * (SPI NOR, or `dev` out of range). 0 is a real answer: nRF internal flash
 * starts at address 0. The bootloader starts the primary image at
 * fk_port_flash_xip(primary device) + primary offset + header size.
 */
#define FK_PORT_NO_XIP ((uintptr_t)-1)
uintptr_t fk_port_flash_xip(unsigned dev);

/* ---- console UART (SMP serial transport and the boot log) ----------------- */

/* The next received byte (0..255), or -1 when none is waiting. Never
 * blocks. Bytes arriving faster than they are polled are kept up to the
 * hardware's FIFO; beyond that they may be lost (SMP clients retry). */
int fk_port_uart_getc(void);

/* Send len bytes; blocks until every byte has been handed to the hardware
 * (bounded by the line rate: the UART never refuses bytes forever). */
void fk_port_uart_write(const void *buf, size_t len);

/* Sleep until something may have happened (a received byte, a tick, any
 * interrupt); may return at once. The application's main loop calls it when
 * fk_port_uart_getc() has nothing. The generic default (cortex_m.c, weak)
 * returns at once; a port with a UART receive interrupt sleeps in WFI (under
 * QEMU this frees the emulator to deliver the next byte). */
void fk_port_idle(void);

/* ---- serial recovery (bootloaders built with FOTAKIT_BOOT_RECOVERY) --------- */

/* Read once by the bootloader right after fk_port_init(): true when the user
 * asks for serial recovery at this reset (a button held, a strap pin, or a
 * flag the application left in retained RAM before resetting); the
 * bootloader then serves SMP on the UART instead of booting
 * (docs/recovery.md). The generic default (cortex_m.c, weak) returns false:
 * recovery then starts only when no valid image exists. */
bool fk_port_recovery_requested(void);

/* The application's side of that flag (an SMP reset with "boot_mode"):
 * keep `mode` for the bootloader's next fk_port_recovery_requested() (1 =
 * recovery, 0 = normal) in RAM that survives a reset, not a power cycle.
 * FK_OK, or FK_ENOTSUP where the port keeps no such flag (the generic
 * default, cortex_m.c, weak). */
int fk_port_set_boot_mode(uint8_t mode);

/* ---- time and watchdog ------------------------------------------------------ */

/* Milliseconds since fk_port_init(); wraps at 2^32. Monotonic; resolution
 * 1 ms (the Cortex-M SysTick interrupt on every port so far). */
uint32_t fk_port_ms(void);

/* Kick the watchdog; a no-op on boards that do not run one. The bootloader
 * calls it between swap sectors (fk_boot_config.watchdog), the application
 * from its main loop. */
void fk_port_watchdog_kick(void);

/* ---- leaving the program ----------------------------------------------------- */

/* Reset the whole chip through AIRCR.SYSRESETREQ (waits for the UART to
 * drain first). Never returns. */
_Noreturn void fk_port_reset(void);

/*
 * Called by the bootloader right before fk_port_jump(): make the
 * bootloader's own flash (and whatever else the chip can lock until the
 * next reset) unwritable, e.g. nRF52840 ACL/BPROT, nRF5340 SPU flash
 * regions. Returns FK_OK, or FK_ENOTSUP where the chip has no such lock
 * (the bootloader logs that and jumps anyway).
 */
int fk_port_protect(void);

/*
 * Start the image whose vector table is at CPU address `vtor` (aligned as
 * VTOR requires: 128 bytes at least, more for chips with many IRQs):
 * disable interrupts, stop SysTick, disable and clear every pending NVIC
 * interrupt, set SCB->VTOR = vtor, load MSP from vtor[0], re-enable
 * interrupts at the CPU (PRIMASK) and branch to vtor[1]. Never returns.
 * The generic version is fk_cm_jump() (src/port/cortex-m/cortex_m.h).
 */
_Noreturn void fk_port_jump(uintptr_t vtor);

/*
 * The retained record in .noinit RAM: the bootloader fills it with
 * fk_boot_retained_store() right before the jump; the application validates
 * it with fk_boot_retained_check() (magic + CRC) and reads why the
 * bootloader booted what it did. Both programs place .noinit first in RAM
 * with the same linker-script fragment (src/port/cortex-m/sections.ld), so
 * the address agrees. Not cleared by startup; garbage after power-on (the
 * CRC tells).
 */
extern struct fk_boot_retained fk_boot_retained;

/*
 * Optional SHA-256 compression hook. A port that defines
 * FK_PORT_HAVE_SHA256_COMPRESS provides this: process `nblocks` 64-byte
 * blocks at `blocks` (any alignment) into the eight working words `state`
 * (FIPS 180-4 H0..H7, host order). fk_image_verify() then hashes through it
 * instead of BearSSL's compression function (padding and length stay in
 * fotakit's code). Must give the same digests: the image tests and the QEMU
 * run check that.
 */
void fk_port_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

#ifdef __cplusplus
}
#endif
#endif
