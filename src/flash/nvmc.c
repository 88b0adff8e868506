/*
 * Internal flash driver for an NVMC-like controller (nRF52/nRF53). All
 * register and memory access goes through the port, so this file runs
 * unchanged on the SoC and on the host model.
 */
#include "fotakit/nvmc.h"

#include <string.h>

#include "fotakit/str_buf.h"

static void set_why(struct fk_nvmc *n, const char *why)
{
    struct fk_sb sb;
    fk_sb_init(&sb, n->dev.why, sizeof n->dev.why);
    fk_sb_puts(&sb, why);
}

static int nvmc_wait_ready(struct fk_nvmc *n)
{
    /* On nRF52/53 the CPU is halted while the NVMC works, so READY is
     * normally already 1; the bound only guards against a broken port. */
    for (uint32_t i = 0; i < n->cfg.ready_polls; i++) {
        if (n->port->reg_read(n->port->ctx, FK_NVMC_READY) & 1u) {
            return FK_OK;
        }
    }
    return FK_ETIMEDOUT;
}

static int nvmc_config(struct fk_nvmc *n, uint32_t mode)
{
    int rc = n->port->reg_write(n->port->ctx, FK_NVMC_CONFIG, mode);
    if (rc != FK_OK) {
        return rc;
    }
    return nvmc_wait_ready(n);
}

static int nvmc_read(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    struct fk_nvmc *n = dev->ctx;
    return n->port->read(n->port->ctx, off, buf, len);
}

static int nvmc_prog(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len)
{
    struct fk_nvmc *n = dev->ctx;
    const uint8_t *p = buf;
    if (off % 4u != 0 || len % 4u != 0) {
        return FK_EALIGN;
    }
    int rc = nvmc_config(n, FK_NVMC_CONFIG_WEN);
    for (size_t i = 0; rc == FK_OK && i < len; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4); /* buf need not be word aligned */
        /* An all-ones word changes nothing: skip it and keep its nWRITE
         * budget for a later real write. */
        if (w == 0xffffffffu) {
            continue;
        }
        rc = n->port->word_write(n->port->ctx, off + (uint32_t)i, w);
        if (rc == FK_OK) {
            rc = nvmc_wait_ready(n);
        }
    }
    int rc2 = nvmc_config(n, FK_NVMC_CONFIG_REN);
    return rc != FK_OK ? rc : rc2;
}

static int nvmc_erase(struct fk_flash_dev *dev, uint32_t off, size_t len)
{
    struct fk_nvmc *n = dev->ctx;
    uint32_t ps = n->cfg.page_size;
    if (off % ps != 0 || len % ps != 0) {
        return FK_EALIGN;
    }
    int rc = nvmc_config(n, FK_NVMC_CONFIG_EEN);
    for (size_t i = 0; rc == FK_OK && i < len; i += ps) {
        uint32_t a = off + (uint32_t)i;
        if (n->cfg.erase_by_write) {
            rc = n->port->word_write(n->port->ctx, a, 0xffffffffu);
        } else {
            rc = n->port->reg_write(n->port->ctx, FK_NVMC_ERASEPAGE, a);
        }
        if (rc == FK_OK) {
            rc = nvmc_wait_ready(n);
        }
    }
    int rc2 = nvmc_config(n, FK_NVMC_CONFIG_REN);
    return rc != FK_OK ? rc : rc2;
}

static int nvmc_sync(struct fk_flash_dev *dev)
{
    return nvmc_wait_ready(dev->ctx);
}

static const struct fk_flash_ops nvmc_ops = {
    .read = nvmc_read,
    .prog = nvmc_prog,
    .erase = nvmc_erase,
    .sync = nvmc_sync,
};

int fk_nvmc_init(struct fk_nvmc *n, const struct fk_nvmc_port *port, const struct fk_nvmc_cfg *cfg)
{
    if (n == NULL) {
        return FK_EINVAL;
    }
    memset(n, 0, sizeof *n);
    if (cfg != NULL) {
        n->cfg = *cfg;
    }
    if (n->cfg.size == 0) {
        n->cfg.size = 0x100000;
    }
    if (n->cfg.page_size == 0) {
        n->cfg.page_size = 0x1000;
    }
    if (n->cfg.write_size == 0) {
        n->cfg.write_size = 4;
    }
    if (n->cfg.ready_polls == 0) {
        n->cfg.ready_polls = 1000000;
    }
    n->port = port;
    n->dev.name = n->cfg.name ? n->cfg.name : "flash_primary";
    n->dev.desc = n->cfg.desc ? n->cfg.desc : "internal NVMC";
    n->dev.size = n->cfg.size;
    n->dev.erase_size = n->cfg.page_size;
    n->dev.write_size = n->cfg.write_size;
    n->dev.erased_val = 0xff;
    n->dev.ops = &nvmc_ops;
    n->dev.ctx = n;
    if (port == NULL || port->reg_write == NULL || port->reg_read == NULL ||
        port->word_write == NULL || port->read == NULL) {
        n->dev.state = FK_DEV_ABSENT;
        set_why(n, "no NVMC port was given to the driver");
        return FK_EINVAL;
    }
    uint32_t ps = n->cfg.page_size;
    if ((ps & (ps - 1)) != 0 || n->cfg.write_size % 4 != 0 || n->cfg.size % ps != 0) {
        n->dev.state = FK_DEV_FAILED;
        set_why(n, "invalid geometry (page size not a power of two, or write size not a "
                   "multiple of 4)");
        return FK_EINVAL;
    }
    n->dev.state = FK_DEV_READY;
    return FK_OK;
}
