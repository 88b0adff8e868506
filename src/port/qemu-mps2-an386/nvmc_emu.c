/* Emulated NVMC over memory (nvmc_emu.h). */
#include <string.h>

#include "fotakit/err.h"
#include "nvmc_emu.h"

static volatile uint32_t *word_at(const struct fk_nvmc_emu *e, uint32_t off)
{
    return (volatile uint32_t *)(e->base + off);
}

/* Word by word, in eighths paced like a real erase: a power cut (SIGKILL of
 * QEMU) can leave a page partly erased. */
static void erase_page(struct fk_nvmc_emu *e, uint32_t page_off)
{
    uint32_t eighth = e->page / 8u;
    for (uint32_t o = 0; o < e->page; o += 4) {
        if (e->erase_pace != NULL && o % eighth == 0) {
            e->erase_pace();
        }
        *word_at(e, page_off + o) = 0xFFFFFFFFu;
    }
}

static int emu_reg_write(void *ctx, uint32_t reg, uint32_t val)
{
    struct fk_nvmc_emu *e = ctx;
    if (reg == FK_NVMC_CONFIG) {
        e->config = val & 3u;
        return FK_OK;
    }
    if (reg == FK_NVMC_ERASEPAGE) {
        if (e->config != FK_NVMC_CONFIG_EEN) {
            return FK_EPROTECT; /* erase without CONFIG = EEN */
        }
        if (val % e->page != 0 || val >= e->size) {
            return val >= e->size ? FK_ERANGE : FK_EALIGN;
        }
        erase_page(e, val);
        return FK_OK;
    }
    return FK_EINVAL; /* a register this emulation does not have */
}

static uint32_t emu_reg_read(void *ctx, uint32_t reg)
{
    struct fk_nvmc_emu *e = ctx;
    if (reg == FK_NVMC_READY) {
        return 1u; /* operations complete before the store returns */
    }
    return reg == FK_NVMC_CONFIG ? e->config : 0u;
}

static int emu_word_write(void *ctx, uint32_t addr, uint32_t val)
{
    struct fk_nvmc_emu *e = ctx;
    if (addr % 4u != 0) {
        return FK_EALIGN;
    }
    if (addr > e->size - 4u) {
        return FK_ERANGE;
    }
    if (e->config == FK_NVMC_CONFIG_EEN && val == 0xFFFFFFFFu) {
        /* nRF5340 style: a 0xffffffff word written with CONFIG = EEN erases
         * its page. */
        erase_page(e, addr - addr % e->page);
        return FK_OK;
    }
    if (e->config != FK_NVMC_CONFIG_WEN) {
        return FK_EPROTECT; /* program without CONFIG = WEN */
    }
    volatile uint32_t *w = word_at(e, addr);
    *w = *w & val; /* NOR: bits only go from 1 to 0 */
    return FK_OK;
}

static int emu_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct fk_nvmc_emu *e = ctx;
    if (addr > e->size || len > e->size - addr) {
        return FK_ERANGE;
    }
    memcpy(buf, (const void *)(e->base + addr), len);
    return FK_OK;
}

void fk_nvmc_emu_port(struct fk_nvmc_emu *emu, struct fk_nvmc_port *port)
{
    port->reg_write = emu_reg_write;
    port->reg_read = emu_reg_read;
    port->word_write = emu_word_write;
    port->read = emu_read;
    port->ctx = emu;
}
