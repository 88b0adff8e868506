/*
 * JEDEC SPI NOR driver over struct fk_spi_bus (see fotakit/nor.h).
 *
 * Invariant: `maybe_busy` is set after every command that starts an internal
 * operation (PP, SE, BE, CE, WRSR) and cleared only once RDSR showed WIP
 * clear. Every command except RDSR is preceded by nor_prep(), which wakes
 * the chip from deep power-down and waits for WIP; so prog/erase can return
 * while the chip is still busy and the caller's other work overlaps it.
 */
#include "fotakit/nor.h"

#include <string.h>

#include "fotakit/str_buf.h"

#define NOR_READ_CHUNK 4096u /* SPIM EasyDMA transfers are bounded; keep each read modest */

static const struct fk_flash_ops nor_ops;

static void why_reset(struct fk_nor *nor, struct fk_sb *sb)
{
    fk_sb_init(sb, nor->dev.why, sizeof nor->dev.why);
}

static void put_id(struct fk_sb *sb, const uint8_t id[3])
{
    for (int i = 0; i < 3; i++) {
        if (i) {
            fk_sb_putc(sb, ' ');
        }
        fk_sb_hex(sb, id[i], 2);
    }
}

static int nor_xfer(struct fk_nor *nor, const uint8_t *hdr, size_t hlen, const void *tx, void *rx,
                    size_t len)
{
    struct fk_spi_xfer x[2] = {
        {.tx = hdr, .rx = NULL, .len = hlen},
        {.tx = tx, .rx = rx, .len = len},
    };
    return nor->bus->transceive(nor->bus->ctx, x, len ? 2 : 1);
}

static int nor_cmd(struct fk_nor *nor, uint8_t op)
{
    return nor_xfer(nor, &op, 1, NULL, NULL, 0);
}

/* Opcode and address as the chip's addressing wants them; the length. */
static size_t addr_hdr(const struct fk_nor *nor, uint8_t *h, uint8_t op, uint32_t addr)
{
    size_t i = 0;
    h[i++] = op;
    if (nor->addr_len == 4) {
        h[i++] = (uint8_t)(addr >> 24);
    }
    h[i++] = (uint8_t)(addr >> 16);
    h[i++] = (uint8_t)(addr >> 8);
    h[i++] = (uint8_t)addr;
    return i;
}

int fk_nor_read_sr(struct fk_nor *nor, uint8_t *sr)
{
    uint8_t op = FK_NOR_OP_RDSR;
    int rc = nor_xfer(nor, &op, 1, NULL, sr, 1);
    if (rc == FK_OK) {
        nor->sr = *sr;
    }
    return rc;
}

int fk_nor_wait(struct fk_nor *nor)
{
    if (!nor->maybe_busy) {
        return FK_OK;
    }
    uint32_t waited = 0;
    uint32_t poll = nor->busy_poll_us ? nor->busy_poll_us : 10;
    for (;;) {
        uint8_t sr;
        int rc = fk_nor_read_sr(nor, &sr);
        if (rc != FK_OK) {
            return rc;
        }
        if (!(sr & FK_NOR_SR_WIP)) {
            nor->maybe_busy = 0;
            return FK_OK;
        }
        if (waited >= nor->busy_timeout_us) {
            struct fk_sb sb;
            why_reset(nor, &sb);
            fk_sb_puts(&sb, "write-in-progress still set after ");
            fk_sb_dec(&sb, waited);
            fk_sb_puts(&sb, " us (status register 0x");
            fk_sb_hex(&sb, sr, 2);
            fk_sb_puts(&sb, ")");
            return FK_ETIMEDOUT;
        }
        nor->bus->delay_us(nor->bus->ctx, poll);
        waited += poll;
    }
}

int fk_nor_release(struct fk_nor *nor)
{
    int rc = nor_cmd(nor, FK_NOR_OP_RES);
    if (rc != FK_OK) {
        return rc;
    }
    nor->bus->delay_us(nor->bus->ctx, nor->cfg.wake_us);
    nor->asleep = 0;
    return FK_OK;
}

/* Before any command but RDSR: awake and idle. */
static int nor_prep(struct fk_nor *nor)
{
    if (nor->asleep) {
        int rc = fk_nor_release(nor);
        if (rc != FK_OK) {
            return rc;
        }
    }
    return fk_nor_wait(nor);
}

static int nor_wren(struct fk_nor *nor)
{
    int rc = nor_cmd(nor, FK_NOR_OP_WREN);
    if (rc != FK_OK) {
        return rc;
    }
    uint8_t sr;
    rc = fk_nor_read_sr(nor, &sr);
    if (rc != FK_OK) {
        return rc;
    }
    if (!(sr & FK_NOR_SR_WEL)) {
        struct fk_sb sb;
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "write-enable latch did not set after WREN (status register 0x");
        fk_sb_hex(&sb, sr, 2);
        fk_sb_puts(&sb, ")");
        return FK_EIO;
    }
    return FK_OK;
}

static void set_busy(struct fk_nor *nor, uint32_t timeout_us, uint32_t poll_us)
{
    nor->maybe_busy = 1;
    nor->busy_timeout_us = timeout_us;
    nor->busy_poll_us = nor->cfg.poll_us ? nor->cfg.poll_us : poll_us;
}

static int nor_protected(struct fk_nor *nor)
{
    if (nor->sr & FK_NOR_SR_BP_MASK) {
        struct fk_sb sb;
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "block-protect bits set (status register 0x");
        fk_sb_hex(&sb, nor->sr, 2);
        fk_sb_puts(&sb, ")");
        return 1;
    }
    return 0;
}

int fk_nor_write_sr(struct fk_nor *nor, uint8_t sr)
{
    int rc = nor_prep(nor);
    if (rc == FK_OK) {
        rc = nor_wren(nor);
    }
    if (rc == FK_OK) {
        uint8_t h[2] = {FK_NOR_OP_WRSR, sr};
        rc = nor_xfer(nor, h, 2, NULL, NULL, 0);
    }
    if (rc == FK_OK) {
        set_busy(nor, nor->cfg.timeout_sector_us, 100);
        rc = fk_nor_wait(nor);
    }
    uint8_t now;
    if (rc == FK_OK) {
        rc = fk_nor_read_sr(nor, &now);
    }
    /* The chip ignores WRSR silently (SRWD with WP# low, a locked register):
     * only reading back tells. WIP and WEL are the chip's, not ours. */
    uint8_t mask = (uint8_t) ~(FK_NOR_SR_WIP | FK_NOR_SR_WEL);
    if (rc == FK_OK && (now & mask) != (sr & mask)) {
        struct fk_sb sb;
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "status register write did not take: wrote 0x");
        fk_sb_hex(&sb, sr, 2);
        fk_sb_puts(&sb, ", read back 0x");
        fk_sb_hex(&sb, now, 2);
        fk_sb_puts(&sb, " (SRWD set and the WP# pin low?)");
        rc = FK_EIO;
    }
    return rc;
}

int fk_nor_read_id(struct fk_nor *nor, uint8_t id[3])
{
    int rc = nor_prep(nor);
    if (rc != FK_OK) {
        return rc;
    }
    uint8_t op = FK_NOR_OP_RDID;
    return nor_xfer(nor, &op, 1, NULL, id, 3);
}

int fk_nor_read_sfdp(struct fk_nor *nor, uint32_t addr, void *buf, size_t len)
{
    int rc = nor_prep(nor);
    if (rc != FK_OK) {
        return rc;
    }
    /* SFDP is read with 3-byte addresses (JESD216), whatever the mode. */
    uint8_t h[5] = {FK_NOR_OP_RDSFDP, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr,
                    0xff /* one dummy byte */};
    return nor_xfer(nor, h, 5, NULL, buf, len);
}

int fk_nor_deep_power_down(struct fk_nor *nor)
{
    int rc = nor_prep(nor);
    if (rc != FK_OK) {
        return rc;
    }
    rc = nor_cmd(nor, FK_NOR_OP_DP);
    if (rc == FK_OK) {
        nor->asleep = 1;
    }
    return rc;
}

static int nor_enter4(struct fk_nor *nor)
{
    int rc = FK_OK;
    if (nor->enter4_wren) {
        rc = nor_wren(nor);
    }
    return rc == FK_OK ? nor_cmd(nor, FK_NOR_OP_EN4B) : rc;
}

int fk_nor_reset(struct fk_nor *nor)
{
    /* No wait: a reset is also how a hung operation is abandoned. */
    int rc = nor_cmd(nor, FK_NOR_OP_RSTEN);
    if (rc == FK_OK) {
        rc = nor_cmd(nor, FK_NOR_OP_RST);
    }
    if (rc == FK_OK) {
        nor->bus->delay_us(nor->bus->ctx, nor->cfg.reset_us);
        nor->maybe_busy = 0;
        nor->asleep = 0;
        /* the reset put the chip back in 3-byte mode */
        if (nor->addr_mode == FK_NOR_ADDR_4_MODE) {
            rc = nor_enter4(nor);
        }
    }
    return rc;
}

int fk_nor_chip_erase(struct fk_nor *nor)
{
    if (nor_protected(nor)) {
        return FK_EPROTECT;
    }
    int rc = nor_prep(nor);
    if (rc == FK_OK) {
        rc = nor_wren(nor);
    }
    if (rc == FK_OK) {
        rc = nor_cmd(nor, FK_NOR_OP_CE);
    }
    if (rc == FK_OK) {
        set_busy(nor, nor->cfg.timeout_chip_us, 10000);
    }
    return rc;
}

/* ---- fk_flash_dev callbacks -------------------------------------------- */

static int nor_read(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    struct fk_nor *nor = dev->ctx;
    if (nor->dev.state != FK_DEV_READY) {
        return FK_ENODEV;
    }
    uint8_t *p = buf;
    while (len > 0) {
        size_t n = len < NOR_READ_CHUNK ? len : NOR_READ_CHUNK;
        int rc = nor_prep(nor);
        if (rc != FK_OK) {
            return rc;
        }
        uint8_t h[6];
        if (nor->cfg.use_fast_read) {
            size_t hl = addr_hdr(nor, h, nor->op_fast_read, off);
            h[hl++] = 0xff; /* one dummy byte */
            rc = nor_xfer(nor, h, hl, NULL, p, n);
        } else {
            rc = nor_xfer(nor, h, addr_hdr(nor, h, nor->op_read, off), NULL, p, n);
        }
        if (rc != FK_OK) {
            return rc;
        }
        off += (uint32_t)n;
        p += n;
        len -= n;
    }
    return FK_OK;
}

static int nor_prog(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len)
{
    struct fk_nor *nor = dev->ctx;
    const uint8_t *p = buf;
    if (nor->dev.state != FK_DEV_READY) {
        return FK_ENODEV;
    }
    if (nor_protected(nor)) {
        return FK_EPROTECT;
    }
    while (len > 0) {
        /* A page program wraps within its page: never cross a boundary. */
        size_t room = nor->page_size - off % nor->page_size;
        size_t n = len < room ? len : room;
        int rc = nor_prep(nor);
        if (rc == FK_OK) {
            rc = nor_wren(nor);
        }
        if (rc == FK_OK) {
            uint8_t h[5];
            rc = nor_xfer(nor, h, addr_hdr(nor, h, nor->op_pp, off), p, NULL, n);
        }
        if (rc != FK_OK) {
            return rc;
        }
        set_busy(nor, nor->cfg.timeout_page_us, 20);
        off += (uint32_t)n;
        p += n;
        len -= n;
    }
    return FK_OK;
}

/* The erase command for [off, off+len): the largest erase type aligned at
 * off that fits in len (only the smallest when block erase is disabled). */
static const struct fk_nor_erase_type *nor_pick_erase(const struct fk_nor *nor, uint32_t off,
                                                      size_t len)
{
    const struct fk_nor_erase_type *best = NULL;
    for (unsigned i = 0; i < FK_NOR_MAX_ERASE_TYPES; i++) {
        const struct fk_nor_erase_type *t = &nor->erase[i];
        if (t->size == 0 || t->size < nor->dev.erase_size || off % t->size != 0 || len < t->size) {
            continue;
        }
        if (best != NULL && nor->cfg.no_block_erase) {
            continue;
        }
        if (best == NULL || t->size > best->size) {
            best = t;
        }
    }
    return best;
}

static int nor_whole_chip(const struct fk_nor *nor, uint32_t off, size_t len)
{
    return off == 0 && len == nor->dev.size && !nor->cfg.no_block_erase;
}

uint32_t fk_nor_erase_cmds(const struct fk_nor *nor, uint32_t off, size_t len)
{
    if (nor_whole_chip(nor, off, len)) {
        return 1;
    }
    uint32_t n = 0;
    while (len > 0) {
        const struct fk_nor_erase_type *t = nor_pick_erase(nor, off, len);
        if (t == NULL) {
            return 0;
        }
        off += t->size;
        len -= t->size;
        n++;
    }
    return n;
}

static int nor_erase(struct fk_flash_dev *dev, uint32_t off, size_t len)
{
    struct fk_nor *nor = dev->ctx;
    if (nor->dev.state != FK_DEV_READY) {
        return FK_ENODEV;
    }
    if (nor_protected(nor)) {
        return FK_EPROTECT;
    }
    if (nor_whole_chip(nor, off, len)) {
        return fk_nor_chip_erase(nor);
    }
    while (len > 0) {
        const struct fk_nor_erase_type *t = nor_pick_erase(nor, off, len);
        if (t == NULL) {
            return FK_EALIGN;
        }
        int rc = nor_prep(nor);
        if (rc == FK_OK) {
            rc = nor_wren(nor);
        }
        if (rc == FK_OK) {
            uint8_t h[5];
            rc = nor_xfer(nor, h, addr_hdr(nor, h, t->opcode, off), NULL, NULL, 0);
        }
        if (rc != FK_OK) {
            return rc;
        }
        if (t->size == nor->dev.erase_size) {
            set_busy(nor, nor->cfg.timeout_sector_us, 1000);
        } else {
            set_busy(nor, nor->cfg.timeout_block_us, 2000);
        }
        off += t->size;
        len -= t->size;
    }
    return FK_OK;
}

static int nor_sync(struct fk_flash_dev *dev)
{
    struct fk_nor *nor = dev->ctx;
    return fk_nor_wait(nor);
}

static const struct fk_flash_ops nor_ops = {
    .read = nor_read,
    .prog = nor_prog,
    .erase = nor_erase,
    .sync = nor_sync,
};

/* ---- probe --------------------------------------------------------------- */

static int nor_fail(struct fk_nor *nor, int rc)
{
    nor->dev.state = FK_DEV_FAILED;
    return rc;
}

/* Geometry: from the configuration, else from SFDP (sf, NULL when not read
 * or unreadable; sfdp_rc why). */
static int nor_geometry(struct fk_nor *nor, const struct fk_nor_sfdp *sf, int sfdp_rc,
                        const uint8_t sig[4])
{
    struct fk_sb sb;
    uint32_t size = nor->cfg.size;
    uint32_t es = nor->cfg.erase_size;
    uint32_t ps = nor->cfg.page_size;
    if (size == 0 || es == 0) {
        if (nor->cfg.no_sfdp) {
            why_reset(nor, &sb);
            fk_sb_puts(&sb, "no size or erase size configured and SFDP reading disabled");
            return FK_ENOTSUP;
        }
        if (sf == NULL) {
            why_reset(nor, &sb);
            fk_sb_puts(&sb, "SFDP table unreadable (read ");
            for (int i = 0; i < 4; i++) {
                fk_sb_hex(&sb, sig[i], 2);
                fk_sb_putc(&sb, ' ');
            }
            fk_sb_puts(&sb, "where \"SFDP\" and a Basic Flash Parameter Table were expected)");
            return sfdp_rc;
        }
        memcpy(nor->erase, sf->erase, sizeof nor->erase);
        if (size == 0) {
            size = sf->size;
        }
        if (es == 0) {
            es = nor->erase[0].size;
        }
        if (ps == 0) {
            ps = sf->page_size;
        }
    } else {
        /* Geometry given: the erase types every JEDEC SPI NOR chip has. */
        static const struct fk_nor_erase_type std[3] = {
            {0x1000, FK_NOR_OP_SE}, {0x8000, FK_NOR_OP_BE32}, {0x10000, FK_NOR_OP_BE64}};
        unsigned n = 0;
        for (unsigned i = 0; i < 3; i++) {
            if (std[i].size >= es) {
                nor->erase[n++] = std[i];
            }
        }
        if (n == 0 || nor->erase[0].size != es) {
            why_reset(&*nor, &sb);
            fk_sb_puts(&sb, "erase size 0x");
            fk_sb_hex(&sb, es, 0);
            fk_sb_puts(&sb, " is not a JEDEC erase type (4 KB, 32 KB, 64 KB)");
            return FK_EINVAL;
        }
    }
    if (ps == 0) {
        ps = 256;
    }
    int have_es = 0;
    for (unsigned i = 0; i < FK_NOR_MAX_ERASE_TYPES; i++) {
        have_es |= nor->erase[i].size == es;
    }
    if (!have_es || (es & (es - 1)) != 0 || (ps & (ps - 1)) != 0 || size % es != 0) {
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "unsupported geometry: size 0x");
        fk_sb_hex(&sb, size, 0);
        fk_sb_puts(&sb, ", erase size 0x");
        fk_sb_hex(&sb, es, 0);
        fk_sb_puts(&sb, ", page 0x");
        fk_sb_hex(&sb, ps, 0);
        fk_sb_puts(&sb, " (power-of-two units)");
        return FK_EINVAL;
    }
    nor->dev.size = size;
    nor->dev.erase_size = es;
    nor->page_size = ps;
    return FK_OK;
}

/* Above 16 MiB (or on a 4-byte-only chip): 4-byte opcodes from the 4BAIT,
 * else B7h; nothing else is known to the driver. */
static int nor_addressing(struct fk_nor *nor, const struct fk_nor_sfdp *sf)
{
    struct fk_sb sb;
    nor->addr_mode = FK_NOR_ADDR_3;
    nor->addr_len = 3;
    nor->op_read = FK_NOR_OP_READ;
    nor->op_fast_read = FK_NOR_OP_FAST_READ;
    nor->op_pp = FK_NOR_OP_PP;
    if (nor->dev.size <= 0x1000000u && !(sf != NULL && sf->addr_bytes == 2)) {
        return FK_OK;
    }
    int opcodes = sf != NULL && sf->op4_pp &&
                  (nor->cfg.use_fast_read ? sf->op4_fast_read : sf->op4_read);
    /* every erase type the driver keeps needs its 4-byte opcode; the
     * smallest (dev.erase_size) must have one */
    struct fk_nor_erase_type e4[FK_NOR_MAX_ERASE_TYPES];
    unsigned n4 = 0;
    memset(e4, 0, sizeof e4);
    for (unsigned i = 0; opcodes && i < FK_NOR_MAX_ERASE_TYPES; i++) {
        for (unsigned k = 0; k < FK_NOR_MAX_ERASE_TYPES; k++) {
            if (nor->erase[i].size != 0 && sf->erase[k].size == nor->erase[i].size &&
                sf->op4_erase[k] != 0) {
                e4[n4].size = nor->erase[i].size;
                e4[n4++].opcode = sf->op4_erase[k];
                break;
            }
        }
    }
    if (opcodes && n4 > 0 && e4[0].size == nor->dev.erase_size) {
        nor->addr_mode = FK_NOR_ADDR_4_OPCODES;
        nor->addr_len = 4;
        nor->op_read = FK_NOR_OP_READ4;
        nor->op_fast_read = FK_NOR_OP_FAST_READ4;
        nor->op_pp = FK_NOR_OP_PP4;
        memcpy(nor->erase, e4, sizeof e4);
        return FK_OK;
    }
    if (sf != NULL && (sf->enter4 & (FK_NOR_ENTER4_B7 | FK_NOR_ENTER4_WREN_B7))) {
        nor->addr_mode = FK_NOR_ADDR_4_MODE;
        nor->addr_len = 4;
        nor->enter4_wren = !(sf->enter4 & FK_NOR_ENTER4_B7);
        return nor_enter4(nor);
    }
    why_reset(nor, &sb);
    fk_sb_puts(&sb, "0x");
    fk_sb_hex(&sb, nor->dev.size, 0);
    fk_sb_puts(&sb, " bytes need 4-byte addresses; ");
    fk_sb_puts(&sb, sf == NULL ? "how is in SFDP (not read)" : "SFDP has no 4-byte opcodes, no B7h");
    return FK_ENOTSUP;
}

/* After an MCU reset the chip may still be erasing or programming: then
 * only RDSR is heard (RDID answers garbage). Wait for that to end, then
 * wake it from deep power-down. 0xff from RDSR is a chip asleep or absent
 * (MISO high), never busy: no wait then. */
static int nor_settle(struct fk_nor *nor)
{
    uint8_t sr;
    int rc = fk_nor_read_sr(nor, &sr);
    if (rc == FK_OK && sr != 0xff && (sr & FK_NOR_SR_WIP)) {
        set_busy(nor, nor->cfg.timeout_chip_us, 10000);
        rc = fk_nor_wait(nor);
        if (rc != FK_OK) {
            return rc; /* dev.why: still busy after ... */
        }
    }
    return rc == FK_OK ? fk_nor_release(nor) : rc;
}

int fk_nor_init(struct fk_nor *nor, const struct fk_spi_bus *bus, const struct fk_nor_cfg *cfg)
{
    struct fk_sb sb;
    if (nor == NULL) {
        return FK_EINVAL;
    }
    memset(nor, 0, sizeof *nor);
    if (cfg != NULL) {
        nor->cfg = *cfg;
    }
    struct fk_nor_cfg *c = &nor->cfg;
    if (c->timeout_page_us == 0) {
        c->timeout_page_us = 10000;
    }
    if (c->timeout_sector_us == 0) {
        c->timeout_sector_us = 400000;
    }
    if (c->timeout_block_us == 0) {
        c->timeout_block_us = 4000000;
    }
    if (c->timeout_chip_us == 0) {
        c->timeout_chip_us = 240000000;
    }
    if (c->wake_us == 0) {
        c->wake_us = 35;
    }
    if (c->reset_us == 0) {
        c->reset_us = 50;
    }
    nor->bus = bus;
    nor->dev.name = c->name ? c->name : "external_flash";
    nor->dev.desc = c->desc ? c->desc : "spi-nor";
    nor->dev.hint = c->hint;
    nor->dev.write_size = c->write_size ? c->write_size : 1;
    nor->dev.erased_val = 0xff;
    nor->dev.ops = &nor_ops;
    nor->dev.ctx = nor;
    nor->dev.state = FK_DEV_UNINIT;
    if (bus == NULL || bus->transceive == NULL || bus->delay_us == NULL) {
        nor->dev.state = FK_DEV_ABSENT;
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "no SPI bus was given to the driver");
        return FK_EINVAL;
    }

    int rc = nor_settle(nor);
    if (rc == FK_ETIMEDOUT) {
        return nor_fail(nor, rc);
    }
    /* SFDP: geometry when not configured, soft reset, 4-byte addressing. */
    uint8_t sfdp[256];
    struct fk_nor_sfdp sf;
    int sfdp_rc = FK_ENOTSUP;
    memset(sfdp, 0xff, sizeof sfdp);
    if (rc == FK_OK && !c->no_sfdp) {
        rc = fk_nor_read_sfdp(nor, 0, sfdp, sizeof sfdp);
        sfdp_rc = rc == FK_OK ? fk_nor_sfdp_parse_ex(sfdp, sizeof sfdp, &sf) : rc;
    }
    nor->sfdp_ok = sfdp_rc == FK_OK;
    /* A known state (3-byte addresses, no continuous-read mode) before the
     * ID is trusted: the chip's own reset, where it has one. */
    if (rc == FK_OK && nor->sfdp_ok && sf.soft_reset_66_99) {
        nor->soft_reset = 1;
        rc = fk_nor_reset(nor);
    }
    if (rc == FK_OK) {
        rc = fk_nor_read_id(nor, nor->id);
    }
    if (rc != FK_OK) {
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "SPI transfer failed (");
        fk_sb_puts(&sb, fk_err_name(rc));
        fk_sb_puts(&sb, ")");
        return nor_fail(nor, rc);
    }
    int blank = (nor->id[0] == 0xff && nor->id[1] == 0xff && nor->id[2] == 0xff) ||
                (nor->id[0] == 0 && nor->id[1] == 0 && nor->id[2] == 0);
    if ((c->check_id && memcmp(nor->id, c->jedec_id, 3) != 0) || blank) {
        why_reset(nor, &sb);
        fk_sb_puts(&sb, "JEDEC ID read ");
        put_id(&sb, nor->id);
        if (c->check_id) {
            fk_sb_puts(&sb, ", expected ");
            put_id(&sb, c->jedec_id);
        } else {
            fk_sb_puts(&sb, " (no chip answers)");
        }
        return nor_fail(nor, FK_EID);
    }

    rc = nor_geometry(nor, nor->sfdp_ok ? &sf : NULL, sfdp_rc, sfdp);
    if (rc == FK_OK) {
        rc = nor_addressing(nor, nor->sfdp_ok ? &sf : NULL);
    }
    if (rc != FK_OK) {
        return nor_fail(nor, rc);
    }

    /* A chip reset mid-operation may still be busy (e.g. a chip erase). */
    uint8_t sr;
    rc = fk_nor_read_sr(nor, &sr);
    if (rc == FK_OK && (sr & FK_NOR_SR_WIP)) {
        set_busy(nor, c->timeout_chip_us, 10000);
        rc = fk_nor_wait(nor);
    }
    if (rc != FK_OK) {
        return nor_fail(nor, rc);
    }
    if (sr & FK_NOR_SR_BP_MASK) {
        int ignored = 0;
        if (c->clear_protect) {
            rc = fk_nor_write_sr(nor, (uint8_t)(sr & ~(FK_NOR_SR_BP_MASK | FK_NOR_SR_SRWD)));
            /* FK_EIO with the register read back: the chip ignored the
             * write; still protected, and why says what was read back */
            ignored = rc == FK_EIO && !(nor->sr & FK_NOR_SR_WIP);
            if (rc == FK_OK || ignored) {
                rc = fk_nor_read_sr(nor, &sr);
            }
            if (rc != FK_OK) {
                return nor_fail(nor, rc);
            }
        }
        if (sr & FK_NOR_SR_BP_MASK) {
            /* Reads work; writes and erases are refused with FK_EPROTECT. */
            if (!ignored) {
                nor_protected(nor);
            }
            nor->dev.state = FK_DEV_READY;
            return FK_EPROTECT;
        }
    }
    nor->dev.state = FK_DEV_READY;
    return FK_OK;
}
