/* Nordic NVMC port (see nrf_nvmc_port.h). */
#include "nrf_nvmc_port.h"

#include <stdint.h>
#include <string.h>

#include "fotakit/err.h"
#include FK_NRF_REGS

/* The driver's register offsets are the chip's (product specification). */
_Static_assert(NRF_NVMC_READY == FK_NVMC_READY, "NVMC READY offset");
_Static_assert(NRF_NVMC_CONFIG == FK_NVMC_CONFIG, "NVMC CONFIG offset");
_Static_assert(NRF_NVMC_CONFIG_WEN == FK_NVMC_CONFIG_WEN, "NVMC CONFIG.WEN value");
_Static_assert(NRF_NVMC_CONFIG_EEN == FK_NVMC_CONFIG_EEN, "NVMC CONFIG.EEN value");
#ifdef NRF_NVMC_ERASEPAGE
_Static_assert(NRF_NVMC_ERASEPAGE == FK_NVMC_ERASEPAGE, "NVMC ERASEPAGE offset");
#endif

static int reg_write(void *ctx, uint32_t reg, uint32_t val)
{
    (void)ctx;
    NRF_REG(NRF_NVMC_BASE + reg) = val;
    return FK_OK;
}

static uint32_t reg_read(void *ctx, uint32_t reg)
{
    (void)ctx;
    return NRF_REG(NRF_NVMC_BASE + reg);
}

/* One aligned 32-bit store: the NVMC programs whole words (the driver only
 * passes word-aligned offsets). */
static int word_write(void *ctx, uint32_t addr, uint32_t val)
{
    (void)ctx;
    NRF_REG(NRF_FLASH_BASE + addr) = val;
    __asm__ volatile("dsb" ::: "memory");
    return FK_OK;
}

static int mem_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    (void)ctx;
    memcpy(buf, (const void *)(uintptr_t)(NRF_FLASH_BASE + addr), len);
    return FK_OK;
}

const struct fk_nvmc_port fk_nrf_nvmc_port = {
    .reg_write = reg_write,
    .reg_read = reg_read,
    .word_write = word_write,
    .read = mem_read,
};
