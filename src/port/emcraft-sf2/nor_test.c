/*
 * The JEDEC SPI NOR driver (src/flash/nor.c) run as firmware on QEMU's
 * emcraft-sf2 machine against QEMU's own m25p80 model (an s25sl12801:
 * JEDEC 01 20 18, 16 MiB, 64 KB sectors, 256-byte pages, no SFDP) on MSS
 * SPI_0. Results go to MMUART_0, one line per check (src/port/testfw/
 * fw_test.h); scripts/qemu-nor-test starts QEMU, reads the lines, stops QEMU
 * with SIGTERM and checks the backing file.
 *
 * Flash plan (offsets in the chip; the host script uses the same numbers):
 *   0x100000  64 KB   pattern(SEED_PRE) written by the host: read tests
 *   0x200000  slot    erased, pattern(SEED_SLOT) programmed, read back
 *   0x020000  sector  page-program tests (the spy checks the page splits)
 *   0x030000  sector  erased between marked neighbours 0x020000/0x040000
 *   0xFF0000  sector  top sector: block-protect tests
 *
 * Checks are of two kinds: `ok/FAIL` lines assert what the driver must do
 * (and what every JEDEC chip does); `info model_*` lines report where the
 * model departs from a real chip, without failing.
 */
#include <stdint.h>
#include <string.h>

#include "../testfw/fw_test.h"
#include "fotakit/err.h"
#include "fotakit/flash.h"
#include "fotakit/nor.h"
#include "mss_spi.h"
#include "nor_test_plan.h"
#include "sf2_regs.h"

/* ---- console ------------------------------------------------------------- */
static void uart_putc(char c)
{
    for (uint32_t i = 0; i < 100000u && !(SF2_REG(SF2_UART_LSR) & SF2_UART_LSR_THRE); i++) {
    }
    SF2_REG(SF2_UART_THR) = (uint8_t)c;
}

static struct fk_fwt T = {.putc = uart_putc};

/* ---- spy bus: records what the driver sends ------------------------------- */
#define SPY_MAX 128
struct spy_cmd {
    uint8_t op;
    uint32_t addr; /* bytes 1..3 of the first xfer when it has them */
    uint32_t len;  /* bytes after the header (sum of the later xfers) */
};
static struct fk_spi_bus hw;
static struct spy_cmd spy[SPY_MAX];
static uint32_t spy_n;

static int spy_transceive(void *ctx, const struct fk_spi_xfer *x, size_t n)
{
    (void)ctx;
    if (n > 0 && x[0].tx != NULL && x[0].len > 0 && spy_n < SPY_MAX) {
        const uint8_t *h = x[0].tx;
        struct spy_cmd *c = &spy[spy_n++];
        c->op = h[0];
        c->addr = x[0].len >= 4 ? ((uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3]) : 0;
        c->len = 0;
        for (size_t i = 1; i < n; i++) {
            c->len += (uint32_t)x[i].len;
        }
    }
    return hw.transceive(hw.ctx, x, n);
}

static void spy_delay(void *ctx, uint32_t us)
{
    (void)ctx;
    hw.delay_us(hw.ctx, us);
}

static const struct fk_spi_bus bus = {.transceive = spy_transceive, .delay_us = spy_delay};

/* Commands with opcode `op` seen since the last spy_n = 0, copied to out. */
static uint32_t spy_find(uint8_t op, struct spy_cmd *out, uint32_t max)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < spy_n; i++) {
        if (spy[i].op == op) {
            if (k < max) {
                out[k] = spy[i];
            }
            k++;
        }
    }
    return k;
}

/* ---- raw commands (to look at the chip, not through the driver) ---------- */
static void raw(const uint8_t *cmd, size_t clen, uint8_t *rx, size_t rlen)
{
    struct fk_spi_xfer x[2] = {{.tx = cmd, .len = clen}, {.rx = rx, .len = rlen}};
    (void)hw.transceive(hw.ctx, x, rlen ? 2 : 1);
}

static uint8_t raw_rdsr(void)
{
    uint8_t op = FK_NOR_OP_RDSR, sr = 0;
    raw(&op, 1, &sr, 1);
    return sr;
}

static void raw_op(uint8_t op)
{
    raw(&op, 1, NULL, 0);
}

static uint32_t raw_rdid(void)
{
    uint8_t op = FK_NOR_OP_RDID, id[3] = {0};
    raw(&op, 1, id, 3);
    return (uint32_t)id[0] << 16 | (uint32_t)id[1] << 8 | id[2];
}

/* WREN + WRSR with the two data bytes a Spansion WRR takes (SR1, CR1). */
static void raw_wrsr2(uint8_t sr)
{
    uint8_t cmd[3] = {FK_NOR_OP_WRSR, sr, 0x00};
    raw_op(FK_NOR_OP_WREN);
    raw(cmd, sizeof cmd, NULL, 0);
}

static void raw_pp(uint32_t addr, const uint8_t *data, size_t n)
{
    uint8_t cmd[4 + 16];
    cmd[0] = FK_NOR_OP_PP;
    cmd[1] = (uint8_t)(addr >> 16);
    cmd[2] = (uint8_t)(addr >> 8);
    cmd[3] = (uint8_t)addr;
    memcpy(cmd + 4, data, n);
    raw_op(FK_NOR_OP_WREN);
    raw(cmd, 4 + n, NULL, 0);
}

static void raw_read(uint32_t addr, uint8_t *buf, size_t n)
{
    uint8_t cmd[4] = {FK_NOR_OP_READ, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
    raw(cmd, 4, buf, n);
}

/* ---- the driver under test ------------------------------------------------ */
static const struct fk_nor_cfg cfg_ok = {
    .jedec_id = {0x01, 0x20, 0x18},
    .check_id = 1,
    .size = NT_CHIP_SIZE,
    .erase_size = NT_SECTOR,
    .no_sfdp = 1,
    .name = "external_flash",
    .desc = "s25sl12801 on mss spi0",
};

static struct fk_nor nor;
static const struct fk_flash_area areas[] = {
    {.id = 1, .name = "chip", .dev = &nor.dev, .off = 0, .size = NT_CHIP_SIZE},
    {.id = FK_AREA_ID_SECONDARY, .name = "mcuboot_secondary", .dev = &nor.dev,
     .off = NT_SLOT_OFF, .size = NT_SLOT_SIZE},
};
static const struct fk_flash_map map = {.areas = areas, .count = 2};

static uint8_t buf[4096];
static uint8_t want[4096];

static void fill_pattern(uint8_t *p, uint32_t seed, uint32_t addr, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = nt_pattern(seed, addr + (uint32_t)i);
    }
}

/* Read [addr, addr+len) through `fa` and compare with pattern(seed) (or the
 * erased value when erased); one ok/FAIL line for the whole range. */
static void check_range(const char *name, const struct fk_flash_area *fa, uint32_t off, uint32_t len,
                        uint32_t seed, int erased)
{
    for (uint32_t done = 0; done < len; done += sizeof buf) {
        uint32_t n = len - done < sizeof buf ? len - done : sizeof buf;
        int rc = fk_flash_read(fa, off + done, buf, n);
        if (rc != FK_OK) {
            fk_fwt_rc(&T, name, rc, FK_OK);
            return;
        }
        if (erased) {
            memset(want, 0xff, n);
        } else {
            fill_pattern(want, seed, fa->off + off + done, n);
        }
        if (memcmp(buf, want, n) != 0) {
            fk_fwt_mem(&T, name, buf, want, n);
            fk_fwt_info(&T, name, "mismatch is in the 4 KB block above");
            return;
        }
    }
    fk_fwt_eq(&T, name, 0, 0);
}

static const struct fk_flash_area *chip(void)
{
    return &areas[0];
}

static void test_probe(void)
{
    struct fk_nor other;
    struct fk_nor_cfg c = cfg_ok;
    uint8_t id[3];

    fk_fwt_rc(&T, "init", fk_nor_init(&nor, &bus, &cfg_ok), FK_OK);
    fk_fwt_eq(&T, "init.size", nor.dev.size, NT_CHIP_SIZE);
    fk_fwt_eq(&T, "init.erase_size", nor.dev.erase_size, NT_SECTOR);
    fk_fwt_rc(&T, "rdid", fk_nor_read_id(&nor, id), FK_OK);
    fk_fwt_eq(&T, "rdid.value", (uint32_t)id[0] << 16 | (uint32_t)id[1] << 8 | id[2], 0x012018);

    c.jedec_id[0] = 0xc2, c.jedec_id[1] = 0x28, c.jedec_id[2] = 0x15;
    fk_fwt_rc(&T, "wrong_id", fk_nor_init(&other, &bus, &c), FK_EID);
    fk_fwt_eq(&T, "wrong_id.why",
              (uint32_t)strcmp(other.dev.why, "JEDEC ID read 01 20 18, expected c2 28 15"), 0);

    /* No geometry given: the driver must read SFDP and, since this chip has
     * none, refuse with an explained error rather than guess. */
    c = cfg_ok;
    c.size = 0, c.erase_size = 0, c.no_sfdp = 0;
    fk_fwt_rc(&T, "no_sfdp", fk_nor_init(&other, &bus, &c), FK_ECORRUPT);
    fk_fwt_eq(&T, "no_sfdp.why", (uint32_t)strncmp(other.dev.why, "SFDP table unreadable", 21), 0);
    fk_fwt_info(&T, "model_sfdp", other.dev.why);
}

static void test_status(void)
{
    uint8_t sr = 0xee;
    fk_fwt_rc(&T, "rdsr", fk_nor_read_sr(&nor, &sr), FK_OK);
    fk_fwt_eq(&T, "rdsr.idle", sr & (FK_NOR_SR_WIP | FK_NOR_SR_WEL), 0);
    raw_op(FK_NOR_OP_WREN);
    fk_fwt_eq(&T, "wren.wel", raw_rdsr() & (FK_NOR_SR_WIP | FK_NOR_SR_WEL), FK_NOR_SR_WEL);
    raw_op(FK_NOR_OP_WRDI);
    fk_fwt_eq(&T, "wrdi.wel", raw_rdsr() & FK_NOR_SR_WEL, 0);
    /* RSTEN + RST clears the write-enable latch on every JEDEC chip. */
    raw_op(FK_NOR_OP_WREN);
    fk_fwt_rc(&T, "reset", fk_nor_reset(&nor), FK_OK);
    fk_fwt_eq(&T, "reset.wel", raw_rdsr() & FK_NOR_SR_WEL, 0);
}

static void test_read(void)
{
    struct fk_nor fast;
    struct fk_nor_cfg c = cfg_ok;
    check_range("read", chip(), NT_PRE_OFF, NT_PRE_SIZE, NT_SEED_PRE, 0);

    /* One request longer than the driver's 4 KB read chunk, at an odd offset. */
    spy_n = 0;
    static uint8_t big[5000];
    int rc = fk_flash_read(chip(), NT_PRE_OFF + 3, big, sizeof big);
    struct spy_cmd r[4];
    uint32_t k = spy_find(FK_NOR_OP_READ, r, 4);
    fk_fwt_rc(&T, "read.chunked", rc, FK_OK);
    fk_fwt_eq(&T, "read.chunked.cmds", k, 2);
    fk_fwt_eq(&T, "read.chunked.addr1", r[1].addr, NT_PRE_OFF + 3 + 4096);
    fill_pattern(want, NT_SEED_PRE, NT_PRE_OFF + 3 + 4096, sizeof big - 4096);
    fk_fwt_mem(&T, "read.chunked.data", big + 4096, want, sizeof big - 4096);

    c.use_fast_read = 1;
    fk_fwt_rc(&T, "fast_read.init", fk_nor_init(&fast, &bus, &c), FK_OK);
    spy_n = 0;
    fk_fwt_rc(&T, "fast_read", fast.dev.ops->read(&fast.dev, NT_PRE_OFF + 100, buf, 256), FK_OK);
    fk_fwt_eq(&T, "fast_read.op", spy_find(FK_NOR_OP_FAST_READ, r, 1), 1);
    fill_pattern(want, NT_SEED_PRE, NT_PRE_OFF + 100, 256);
    fk_fwt_mem(&T, "fast_read.data", buf, want, 256);
}

static void test_program(void)
{
    struct spy_cmd pp[4];
    /* 300 bytes starting 16 bytes before a page end: PP at 0x..f0 (16),
     * 0x..100 (256), 0x..200 (28). A chip wraps a PP inside its page, so a
     * driver that does not split corrupts the page start. */
    const uint32_t at = NT_PP_SECTOR + 0x10f0;
    fk_fwt_rc(&T, "pp.erase", fk_flash_erase(chip(), NT_PP_SECTOR, NT_SECTOR), FK_OK);
    fill_pattern(want, NT_SEED_PP, at, 300);
    spy_n = 0;
    fk_fwt_rc(&T, "pp.write", fk_flash_write(chip(), at, want, 300), FK_OK);
    fk_fwt_eq(&T, "pp.split.cmds", spy_find(FK_NOR_OP_PP, pp, 4), 3);
    fk_fwt_eq(&T, "pp.split.addr0", pp[0].addr, at);
    fk_fwt_eq(&T, "pp.split.len0", pp[0].len, 16);
    fk_fwt_eq(&T, "pp.split.addr1", pp[1].addr, at + 16);
    fk_fwt_eq(&T, "pp.split.len1", pp[1].len, 256);
    fk_fwt_eq(&T, "pp.split.addr2", pp[2].addr, at + 272);
    fk_fwt_eq(&T, "pp.split.len2", pp[2].len, 28);
    fk_fwt_eq(&T, "pp.wren_each", spy_find(FK_NOR_OP_WREN, pp, 4), 3);
    fk_fwt_rc(&T, "pp.sync", fk_flash_sync(chip()), FK_OK);
    fk_fwt_rc(&T, "pp.readback.rc", fk_flash_read(chip(), at - 16, buf, 332), FK_OK);
    fk_fwt_fill(&T, "pp.before", buf, 0xff, 16);
    fk_fwt_mem(&T, "pp.readback", buf + 16, want, 300);
    fk_fwt_fill(&T, "pp.after", buf + 316, 0xff, 16);

    /* NOR physics: programming only clears bits. */
    uint8_t a = 0x0f, b = 0xf0, got = 0;
    (void)fk_flash_write(chip(), NT_PP_SECTOR + 0x8000, &a, 1);
    (void)fk_flash_write(chip(), NT_PP_SECTOR + 0x8000, &b, 1);
    (void)fk_flash_read(chip(), NT_PP_SECTOR + 0x8000, &got, 1);
    fk_fwt_eq(&T, "pp.and", got, 0x00);

    /* The model's own page-program wrap: a raw 16-byte PP 8 bytes before a
     * page end. A real chip puts the last 8 bytes at the start of the page. */
    uint8_t d[16];
    for (unsigned i = 0; i < sizeof d; i++) {
        d[i] = (uint8_t)(0xa0 + i);
    }
    raw_pp(NT_PP_SECTOR + 0x30f8, d, sizeof d);
    raw_read(NT_PP_SECTOR + 0x3000, buf, 1);
    raw_read(NT_PP_SECTOR + 0x3100, buf + 1, 1);
    fk_fwt_info(&T, "model_pp_wrap",
                buf[0] == 0xa8 ? "wraps within the page (as a real chip)"
                : buf[1] == 0xa8 ? "no wrap: PP runs on into the next page (a real chip wraps)"
                                 : "neither wrapped nor linear");
    raw_op(FK_NOR_OP_WRDI);

    /* Real chips clear WEL when a program completes. */
    (void)fk_flash_write(chip(), NT_PP_SECTOR + 0x9000, d, 4);
    (void)fk_flash_sync(chip());
    fk_fwt_info(&T, "model_wel_after_pp",
                raw_rdsr() & FK_NOR_SR_WEL ? "WEL stays set after PP (a real chip clears it)"
                                           : "WEL cleared after PP");
    raw_op(FK_NOR_OP_WRDI);
}

static void test_erase(void)
{
    struct spy_cmd e[2];
    static const uint8_t mark[4] = {0x5a, 0xa5, 0x3c, 0xc3};
    /* Marks at the last bytes below and the first bytes above the sector. */
    fk_fwt_rc(&T, "se.prep", fk_flash_erase(chip(), NT_SE_SECTOR + NT_SECTOR, NT_SECTOR), FK_OK);
    (void)fk_flash_write(chip(), NT_SE_SECTOR - 4, mark, 4);
    (void)fk_flash_write(chip(), NT_SE_SECTOR + NT_SECTOR, mark, 4);
    for (uint32_t o = 0; o < NT_SECTOR; o += 0x4000) {
        (void)fk_flash_write(chip(), NT_SE_SECTOR + o, mark, 4);
    }
    spy_n = 0;
    fk_fwt_rc(&T, "se", fk_flash_erase(chip(), NT_SE_SECTOR, NT_SECTOR), FK_OK);
    fk_fwt_eq(&T, "se.cmds", spy_find(FK_NOR_OP_BE64, e, 2), 1);
    fk_fwt_eq(&T, "se.addr", e[0].addr, NT_SE_SECTOR);
    check_range("se.blank", chip(), NT_SE_SECTOR, NT_SECTOR, 0, 1);
    (void)fk_flash_read(chip(), NT_SE_SECTOR - 4, buf, 4);
    (void)fk_flash_read(chip(), NT_SE_SECTOR + NT_SECTOR, buf + 4, 4);
    fk_fwt_mem(&T, "se.below", buf, mark, 4);
    fk_fwt_mem(&T, "se.above", buf + 4, mark, 4);
    /* The model: is WIP ever seen set right after an erase command? */
    uint8_t be[4] = {FK_NOR_OP_BE64, (uint8_t)(NT_SE_SECTOR >> 16), 0, 0};
    raw_op(FK_NOR_OP_WREN);
    raw(be, 4, NULL, 0);
    fk_fwt_info(&T, "model_wip", raw_rdsr() & FK_NOR_SR_WIP
                                     ? "WIP set after a sector erase"
                                     : "WIP clear right after a sector erase: erases are instant");
    raw_op(FK_NOR_OP_WRDI);
    fk_fwt_rc(&T, "se.unaligned", fk_flash_erase(chip(), NT_SE_SECTOR + 0x1000, NT_SECTOR),
              FK_EALIGN);
}

static void test_slot(void)
{
    const struct fk_flash_area *fa = NULL;
    fk_fwt_rc(&T, "slot.open", fk_flash_open(&map, FK_AREA_ID_SECONDARY, &fa), FK_OK);
    if (fa == NULL) {
        return;
    }
    spy_n = 0;
    fk_fwt_rc(&T, "slot.erase", fk_flash_erase(fa, 0, NT_SLOT_SIZE), FK_OK);
    struct spy_cmd e[1];
    fk_fwt_eq(&T, "slot.erase.cmds", spy_find(FK_NOR_OP_BE64, e, 1), NT_SLOT_SIZE / NT_SECTOR);
    fk_fwt_eq(&T, "slot.erase.first", e[0].addr, NT_SLOT_OFF);
    check_range("slot.blank", fa, 0, NT_SLOT_SIZE, 0, 1);
    int rc = FK_OK;
    for (uint32_t o = 0; o < NT_SLOT_SIZE && rc == FK_OK; o += sizeof want) {
        fill_pattern(want, NT_SEED_SLOT, NT_SLOT_OFF + o, sizeof want);
        rc = fk_flash_write(fa, o, want, sizeof want);
    }
    fk_fwt_rc(&T, "slot.write", rc, FK_OK);
    fk_fwt_rc(&T, "slot.sync", fk_flash_sync(fa), FK_OK);
    check_range("slot.readback", fa, 0, NT_SLOT_SIZE, NT_SEED_SLOT, 0);
}

static void test_protect(void)
{
    struct fk_nor p;
    struct fk_nor_cfg c = cfg_ok;
    static const uint8_t mark[4] = {0x11, 0x22, 0x33, 0x44};
    uint8_t d[4] = {0, 0, 0, 0};

    /* Top sector: a mark before protection (the model protects the top
     * sector with BP0 set, BP2..BP0 = 001). */
    fk_fwt_rc(&T, "bp.prep", fk_flash_erase(chip(), NT_TOP_SECTOR, NT_SECTOR), FK_OK);
    (void)fk_flash_write(chip(), NT_TOP_SECTOR, mark, 4);
    (void)fk_flash_sync(chip());
    raw_wrsr2(0x04);
    fk_fwt_eq(&T, "bp.sr", raw_rdsr() & 0x9c, 0x04);

    /* The driver sees the bits at init: reads work, writes are refused. */
    fk_fwt_rc(&T, "bp.init", fk_nor_init(&p, &bus, &c), FK_EPROTECT);
    fk_fwt_eq(&T, "bp.init.ready", p.dev.state, FK_DEV_READY);
    fk_fwt_eq(&T, "bp.init.why",
              (uint32_t)strcmp(p.dev.why, "block-protect bits set (status register 0x04)"), 0);
    fk_fwt_rc(&T, "bp.prog", p.dev.ops->prog(&p.dev, NT_TOP_SECTOR + 16, d, 4), FK_EPROTECT);
    fk_fwt_rc(&T, "bp.erase", p.dev.ops->erase(&p.dev, NT_TOP_SECTOR, NT_SECTOR), FK_EPROTECT);
    fk_fwt_rc(&T, "bp.read", p.dev.ops->read(&p.dev, NT_TOP_SECTOR, buf, 4), FK_OK);
    fk_fwt_mem(&T, "bp.read.data", buf, mark, 4);

    /* The model: a raw PP into the protected sector. */
    raw_pp(NT_TOP_SECTOR + 16, d, 4);
    raw_read(NT_TOP_SECTOR + 16, buf, 4);
    fk_fwt_info(&T, "model_bp_program", buf[0] == 0xff ? "PP into a protected sector is ignored"
                                                       : "PP into a protected sector programs");

    /* clear_protect: the driver writes SR1 with one data byte, as the JEDEC
     * WRSR and Spansion WRR allow, and reads it back. If the bits do not
     * clear, the driver must say so (FK_EPROTECT, or FK_EIO with the
     * read-back in `why`), never claim a writable chip. */
    c.clear_protect = 1;
    int rc = fk_nor_init(&p, &bus, &c);
    uint8_t sr = raw_rdsr();
    fk_fwt_eq(&T, "bp.clear.consistent",
              (uint32_t)(rc == FK_OK ? (sr & FK_NOR_SR_BP_MASK) == 0
                                     : (rc == FK_EPROTECT || rc == FK_EIO) && p.dev.why[0] != 0),
              1);
    fk_fwt_info(&T, "model_wrsr_1byte",
                rc == FK_OK ? "one-byte WRSR clears BP"
                            : "one-byte WRSR ignored (the model's Spansion WRR waits for SR1+CR1)");
    if (rc != FK_OK) {
        fk_fwt_info(&T, "bp.clear.why", p.dev.why);
    }

    /* The model: an erase of the protected sector. */
    uint8_t be[4] = {FK_NOR_OP_BE64, (uint8_t)(NT_TOP_SECTOR >> 16), 0, 0};
    if (sr & FK_NOR_SR_BP_MASK) {
        raw_op(FK_NOR_OP_WREN);
        raw(be, 4, NULL, 0);
        raw_read(NT_TOP_SECTOR, buf, 4);
        fk_fwt_info(&T, "model_bp_erase", buf[0] == 0xff
                                              ? "erase of a protected sector erases (a real chip refuses)"
                                              : "erase of a protected sector is refused");
    }
    raw_wrsr2(0x00);
    fk_fwt_eq(&T, "bp.cleared", raw_rdsr() & FK_NOR_SR_BP_MASK, 0);
    fk_fwt_rc(&T, "bp.reinit", fk_nor_init(&p, &bus, &cfg_ok), FK_OK);
}

static void test_power_down(void)
{
    struct spy_cmd r[2];
    fk_fwt_rc(&T, "dp", fk_nor_deep_power_down(&nor), FK_OK);
    uint32_t id = raw_rdid();
    fk_fwt_info(&T, "model_dp", id == 0x012018
                                    ? "no deep power-down: RDID still answers after 0xB9"
                                    : "deep power-down: RDID silent after 0xB9");
    /* The next driver command must wake the chip first (RES 0xAB). */
    spy_n = 0;
    fk_fwt_rc(&T, "dp.read", fk_flash_read(chip(), NT_PRE_OFF, buf, 16), FK_OK);
    fk_fwt_eq(&T, "dp.wake.first", spy_n > 0 ? spy[0].op : 0, FK_NOR_OP_RES);
    fk_fwt_eq(&T, "dp.wake.then_read", spy_find(FK_NOR_OP_READ, r, 2), 1);
    fill_pattern(want, NT_SEED_PRE, NT_PRE_OFF, 16);
    fk_fwt_mem(&T, "dp.read.data", buf, want, 16);
}

int main(void)
{
    sf2_spi_init(&hw);
    fk_fwt_info(&T, "target", "emcraft-sf2 m25p80 s25sl12801 on MSS SPI0");
    test_probe();
    if (nor.dev.state == FK_DEV_READY) {
        test_status();
        test_read();
        test_program();
        test_erase();
        test_slot();
        test_protect();
        test_power_down();
    }
    (void)fk_fwt_end(&T);
    for (;;) {
        __asm__ volatile("wfi");
    }
}
