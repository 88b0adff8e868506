/*
 * Internal flash model: an nRF52840/nRF5340-like NVMC behind struct
 * fk_nvmc_port. CONFIG selects read / write-enable / erase-enable; a word
 * store with WEN programs (only clears bits); ERASEPAGE (or, nRF53 style, a
 * 0xffffffff store with EEN) erases a page. The CPU halts while it works, so
 * each operation advances the CPU timeline by its full duration.
 *
 * Violations silicon would not report (store without WEN, unaligned store,
 * more than nWRITE stores to a word between erases, 0->1 bits) are reported
 * through the port's return value, unless lenient.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

int fk_sim_nvmc_chip_init(struct fk_sim_nvmc_chip *c, uint32_t size, uint32_t page_size,
                          struct fk_sim_clock *clock, struct fk_sim_power *power,
                          struct fk_sim_stats *stats)
{
    memset(c, 0, sizeof *c);
    if (size == 0) {
        size = 0x100000;
    }
    if (page_size == 0) {
        page_size = 0x1000;
    }
    if ((page_size & (page_size - 1)) != 0 || page_size < 4 || size % page_size != 0) {
        return FK_EINVAL;
    }
    int rc = fk_sim_mem_open(&c->mem, size, NULL);
    if (rc != FK_OK) {
        return rc;
    }
    c->writes = calloc(size / 4, 1);
    if (c->writes == NULL || fk_sim_weak_init(&c->weak, size, page_size) != FK_OK) {
        free(c->writes);
        c->writes = NULL;
        fk_sim_mem_close(&c->mem);
        return FK_ENOMEM;
    }
    c->page_size = page_size;
    c->nwrite = 2;
    c->erase_us = FK_SIM_INT_ERASE_MS * 1000.0;
    c->word_us = FK_SIM_INT_WORD_US;
    c->clock = clock;
    c->power = power;
    c->stats = stats;
    return FK_OK;
}

void fk_sim_nvmc_chip_free(struct fk_sim_nvmc_chip *c)
{
    fk_sim_mem_close(&c->mem);
    free(c->writes);
    c->writes = NULL;
    fk_sim_weak_free(&c->weak);
}

int fk_sim_nvmc_chip_weaken(struct fk_sim_nvmc_chip *c, uint32_t off, uint32_t len)
{
    return fk_sim_weaken(c->power, &c->weak, &c->mem, off, len);
}

static int erase_page(struct fk_sim_nvmc_chip *c, uint32_t addr)
{
    if (addr >= c->mem.size) {
        return fk_sim_violation(c->stats, 0, FK_ERANGE);
    }
    if (addr % c->page_size != 0) {
        int rc = fk_sim_violation(c->stats, c->lenient, FK_EALIGN);
        if (rc != FK_OK) {
            return rc;
        }
    }
    uint32_t base = addr - addr % c->page_size;
    int t = fk_sim_phys_begin(c->power);
    if (t < 0) {
        return t;
    }
    uint8_t *m = c->mem.data + base;
    if (t == 1) {
        fk_sim_torn_erase(c->power, &c->weak, c->mem.data, base, c->page_size, c->stats);
        if (c->power->kind_erase) {
            memset(c->writes + base / 4, 0, c->page_size / 4); /* the old, kind model */
        }
        /* else the page was not erased: nWRITE still counts from the last
         * complete erase */
        fk_sim_count_erase(c->stats, base, c->page_size);
        fk_sim_charge(c->clock, c->stats, c->erase_us / 2, c->erase_us / 2);
        fk_sim_cut_now(c->power);
        return FK_EIO; /* reached only outside fk_sim_power_run */
    }
    memset(m, 0xff, c->page_size);
    memset(c->writes + base / 4, 0, c->page_size / 4);
    fk_sim_weak_heal(&c->weak, base, c->page_size);
    fk_sim_count_erase(c->stats, base, c->page_size);
    if (c->stats) {
        c->stats->pages_erased++;
    }
    fk_sim_charge(c->clock, c->stats, c->erase_us, c->erase_us);
    return FK_OK;
}

static int port_reg_write(void *ctx, uint32_t reg, uint32_t val)
{
    struct fk_sim_nvmc_chip *c = ctx;
    if (c->power != NULL && c->power->off) {
        return fk_sim_no_power(c->power);
    }
    switch (reg) {
    case FK_NVMC_CONFIG:
        c->config = val & 3u;
        return FK_OK;
    case FK_NVMC_ERASEPAGE:
        if (c->config != FK_NVMC_CONFIG_EEN) {
            return fk_sim_violation(c->stats, c->lenient, FK_EIO); /* ignored by silicon */
        }
        return erase_page(c, val);
    default:
        return FK_OK;
    }
}

static uint32_t port_reg_read(void *ctx, uint32_t reg)
{
    struct fk_sim_nvmc_chip *c = ctx;
    if (reg == FK_NVMC_READY) {
        return c->stuck ? 0u : 1u;
    }
    if (reg == FK_NVMC_CONFIG) {
        return c->config;
    }
    return 0;
}

static int port_word_write(void *ctx, uint32_t addr, uint32_t val)
{
    struct fk_sim_nvmc_chip *c = ctx;
    int rc;
    if (c->power != NULL && c->power->off) {
        return fk_sim_no_power(c->power);
    }
    if (addr > c->mem.size - 4) {
        return fk_sim_violation(c->stats, 0, FK_ERANGE);
    }
    if (c->config == FK_NVMC_CONFIG_EEN && val == 0xffffffffu) {
        return erase_page(c, addr - addr % c->page_size); /* nRF53-style page erase */
    }
    if (c->config != FK_NVMC_CONFIG_WEN) {
        return fk_sim_violation(c->stats, c->lenient, FK_EIO);
    }
    if (addr % 4 != 0) {
        /* The NVMC only takes whole aligned words. */
        return fk_sim_violation(c->stats, c->lenient, FK_EALIGN);
    }
    uint8_t *m = c->mem.data + addr;
    uint32_t old;
    memcpy(&old, m, 4);
    uint8_t *cnt = &c->writes[addr / 4];
    if (*cnt >= c->nwrite) {
        rc = fk_sim_violation(c->stats, c->lenient, FK_EWEAR);
        if (rc != FK_OK) {
            return rc;
        }
    }
    if ((val & ~old) != 0) {
        rc = fk_sim_violation(c->stats, c->lenient, FK_ENOTERASED);
        if (rc != FK_OK) {
            return rc;
        }
    }
    int t = fk_sim_phys_begin(c->power);
    if (t < 0) {
        return t;
    }
    uint32_t clear = old & ~val; /* bits to program */
    if (t == 1) {
        clear &= (uint32_t)fk_sim_rand(&c->power->rng);
    }
    for (unsigned b = 0; b < 4; b++) {
        /* weakly erased cells lose some of the bits (fotakit/host/sim.h) */
        uint8_t keep = fk_sim_weak_keep(&c->weak, addr + b, (uint8_t)(clear >> (8 * b)), c->power,
                                        c->stats);
        clear = (clear & ~(0xffu << (8 * b))) | (uint32_t)keep << (8 * b);
    }
    uint32_t nv = old & ~clear;
    memcpy(m, &nv, 4);
    if (*cnt < 255) {
        (*cnt)++;
    }
    if (t == 1) {
        fk_sim_charge(c->clock, c->stats, c->word_us / 2, c->word_us / 2);
        fk_sim_cut_now(c->power);
        return FK_EIO; /* reached only outside fk_sim_power_run */
    }
    if (c->stats) {
        c->stats->words_programmed++;
    }
    fk_sim_charge(c->clock, c->stats, c->word_us, c->word_us);
    return FK_OK;
}

static int port_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct fk_sim_nvmc_chip *c = ctx;
    if (c->power != NULL && c->power->off) {
        return fk_sim_no_power(c->power);
    }
    if (addr > c->mem.size || len > c->mem.size - addr) {
        return FK_ERANGE;
    }
    memcpy(buf, c->mem.data + addr, len); /* memory-mapped: no modeled time */
    return FK_OK;
}

void fk_sim_nvmc_chip_port(struct fk_sim_nvmc_chip *c, struct fk_nvmc_port *port)
{
    port->reg_write = port_reg_write;
    port->reg_read = port_reg_read;
    port->word_write = port_word_write;
    port->read = port_read;
    port->ctx = c;
}
