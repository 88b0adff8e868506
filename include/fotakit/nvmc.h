/*
 * Internal flash driver for a Nordic NVMC-like controller (nRF52/nRF53):
 * memory-mapped read, 32-bit word program (word aligned), page erase, a
 * limit of nWRITE programs per word between erases. Gives a fk_flash_dev.
 *
 * Register access sits behind struct fk_nvmc_port, so the same driver runs on
 * a real SoC (a port of a few lines with volatile pointers) and on the host
 * model (fotakit/sim.h). Device code: no heap, no OS calls.
 *
 * On nRF52/53 the CPU halts while the NVMC erases or programs (code runs from
 * flash), so prog/erase are synchronous.
 */
#ifndef FOTAKIT_NVMC_H
#define FOTAKIT_NVMC_H

#include <stddef.h>
#include <stdint.h>

#include "fotakit/flash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NVMC register offsets (nRF52840 / nRF5340 secure NVMC) and values. */
#define FK_NVMC_READY 0x400u
#define FK_NVMC_CONFIG 0x504u
#define FK_NVMC_ERASEPAGE 0x508u
#define FK_NVMC_CONFIG_REN 0u
#define FK_NVMC_CONFIG_WEN 1u
#define FK_NVMC_CONFIG_EEN 2u

struct fk_nvmc_port {
    /* NVMC register access (offset from the NVMC base). Return 0 or a
     * negative fotakit code (the host model reports physics violations and
     * here; a real port always returns 0). */
    int (*reg_write)(void *ctx, uint32_t reg, uint32_t val);
    uint32_t (*reg_read)(void *ctx, uint32_t reg);
    /* Store one word at flash offset `addr` (a real port:
     * *(volatile uint32_t *)(FLASH_BASE + addr) = val). */
    int (*word_write)(void *ctx, uint32_t addr, uint32_t val);
    /* Memory-mapped read (a real port: memcpy from FLASH_BASE + addr). */
    int (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
    void *ctx;
};

struct fk_nvmc_cfg {
    uint32_t size;        /* [0x100000] */
    uint32_t page_size;   /* [0x1000] */
    uint32_t write_size;  /* alignment advertised, multiple of 4 [4] */
    uint32_t ready_polls; /* READY polls before FK_ETIMEDOUT [1000000] */
    uint8_t erase_by_write; /* 1: erase by writing 0xffffffff to the page with
                               CONFIG=EEN (nRF5340); 0: ERASEPAGE register (nRF52) */
    const char *name;     /* e.g. "flash_primary" */
    const char *desc;     /* e.g. "internal NVMC" */
};

struct fk_nvmc {
    struct fk_flash_dev dev; /* dev.ctx == this */
    const struct fk_nvmc_port *port;
    struct fk_nvmc_cfg cfg;
};

/* Fill nvmc->dev; FK_DEV_READY unless the configuration is invalid. */
int fk_nvmc_init(struct fk_nvmc *nvmc, const struct fk_nvmc_port *port,
                 const struct fk_nvmc_cfg *cfg);

#ifdef __cplusplus
}
#endif
#endif
