/*
 * An NVMC register block emulated in software over memory, so the real
 * fk_nvmc driver runs on a machine without one (QEMU mps2-an386's
 * file-backed PSRAM). It keeps NOR rules: programming ANDs a 32-bit word
 * into what is there (bits only go 1 -> 0), only at word-aligned offsets,
 * only with CONFIG = WEN; erasing sets a whole page to 0xff, only with
 * CONFIG = EEN, in eighths paced by `erase_pace`. A violation returns an error code (silicon would ignore the
 * write or fault), so a driver bug shows up in the QEMU run.
 */
#ifndef FOTAKIT_PORT_NVMC_EMU_H
#define FOTAKIT_PORT_NVMC_EMU_H

#include <stdint.h>

#include "fotakit/nvmc.h"

struct fk_nvmc_emu {
    uintptr_t base; /* CPU address of byte 0 */
    uint32_t size;  /* bytes */
    uint32_t page;  /* erase page, bytes */
    uint32_t config; /* emulated CONFIG register */
    /* Called between the eighths of a page erase (NULL: erase at once).
     * The port waits one SysTick (<= 1 ms) there, so an erase takes a few
     * ms, as on silicon (nRF52840: 85 ms), and a power cut can land inside
     * one and leave the page partly erased. */
    void (*erase_pace)(void);
};

/* Fill `port` with the callbacks over `emu` (port->ctx = emu). */
void fk_nvmc_emu_port(struct fk_nvmc_emu *emu, struct fk_nvmc_port *port);

#endif
