/* JEDEC SPI NOR driver against the chip model: every command path, and the
 * NOR physics the model enforces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fotakit/host/sim.h"

struct rig {
    struct fk_sim_clock clock;
    struct fk_sim_power power;
    struct fk_sim_stats stats;
    struct fk_sim_nor_chip chip;
    struct fk_spi_bus bus;
    struct fk_nor nor;
    struct fk_nor_cfg cfg;
};

static const uint8_t MX[3] = {0xc2, 0x28, 0x15};

static struct rig *rig_new(uint32_t size)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->stats.sector_size = 0x1000;
    r->stats.n_sectors = (size ? size : 0x200000) / 0x1000;
    r->stats.sector_erases = calloc(r->stats.n_sectors, sizeof(uint32_t));
    assert_int_equal(fk_sim_nor_chip_init(&r->chip, size, NULL, &r->clock, &r->power, &r->stats),
                     FK_OK);
    fk_sim_nor_chip_bus(&r->chip, &r->bus);
    memcpy(r->cfg.jedec_id, MX, 3);
    r->cfg.check_id = 1;
    r->cfg.name = "external_flash";
    r->cfg.desc = "spi-nor on spi4";
    return r;
}

static int rig_init(struct rig *r)
{
    return fk_nor_init(&r->nor, &r->bus, &r->cfg);
}

static void rig_free(struct rig *r)
{
    fk_sim_nor_chip_free(&r->chip);
    free(r->stats.sector_erases);
    free(r);
}

static struct fk_flash_dev *dev(struct rig *r)
{
    return &r->nor.dev;
}

/* Raw bus access: one command under one chip select. */
static int raw(struct rig *r, const uint8_t *tx, uint8_t *rx, size_t n)
{
    struct fk_spi_xfer x = {.tx = tx, .rx = rx, .len = n};
    return r->bus.transceive(r->bus.ctx, &x, 1);
}

static uint8_t raw_sr(struct rig *r)
{
    uint8_t tx[2] = {FK_NOR_OP_RDSR, 0xff}, rx[2];
    assert_int_equal(raw(r, tx, rx, 2), FK_OK);
    return rx[1];
}

static void test_probe_sfdp_geometry(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK); /* no size/erase size: from SFDP */
    assert_int_equal(dev(r)->state, FK_DEV_READY);
    assert_memory_equal(r->nor.id, MX, 3);
    assert_true(r->nor.sfdp_ok);
    assert_int_equal(dev(r)->size, 0x200000);
    assert_int_equal(dev(r)->erase_size, 0x1000);
    assert_int_equal(r->nor.page_size, 256);
    assert_int_equal(r->nor.erase[0].size, 0x1000);
    assert_int_equal(r->nor.erase[0].opcode, 0x20);
    assert_int_equal(r->nor.erase[1].size, 0x8000);
    assert_int_equal(r->nor.erase[1].opcode, 0x52);
    assert_int_equal(r->nor.erase[2].size, 0x10000);
    assert_int_equal(r->nor.erase[2].opcode, 0xd8);
    rig_free(r);

    /* A 4 MB chip: the density comes from its SFDP, not a default. */
    r = rig_new(0x400000);
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(dev(r)->size, 0x400000);
    rig_free(r);

    /* Board-given geometry: SFDP is still read (soft reset, addressing),
     * but the board's size wins. */
    r = rig_new(0);
    r->cfg.size = 0x100000; /* smaller than the chip: the board wins */
    r->cfg.erase_size = 0x1000;
    assert_int_equal(rig_init(r), FK_OK);
    assert_true(r->nor.sfdp_ok);
    assert_int_equal(dev(r)->size, 0x100000);
    rig_free(r);
}

static void test_sfdp_parse_tables(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    uint32_t size, ps;
    struct fk_nor_erase_type et[FK_NOR_MAX_ERASE_TYPES];
    uint8_t t[128];
    memcpy(t, r->chip.sfdp, sizeof t);
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_OK);
    assert_int_equal(size, 0x200000);
    assert_int_equal(ps, 256);

    /* Density in the 2^N form (bit 31 set): 2^27 bits = 16 MB. */
    t[0x30 + 4] = 27;
    t[0x30 + 5] = 0;
    t[0x30 + 6] = 0;
    t[0x30 + 7] = 0x80;
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_OK);
    assert_int_equal(size, 0x1000000);

    /* Erase types come back sorted whatever their order in the table. */
    memcpy(t, r->chip.sfdp, sizeof t);
    t[0x30 + 28] = 0x10; /* type1 64K/D8 */
    t[0x30 + 29] = 0xd8;
    t[0x30 + 32] = 0x0c; /* type3 4K/20 */
    t[0x30 + 33] = 0x20;
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_OK);
    assert_int_equal(et[0].size, 0x1000);
    assert_int_equal(et[0].opcode, 0x20);
    assert_int_equal(et[2].size, 0x10000);

    /* Page size from dword 11 (2^9 = 512). */
    memcpy(t, r->chip.sfdp, sizeof t);
    t[0x30 + 40] = 0x91;
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_OK);
    assert_int_equal(ps, 512);

    /* Bad signature, no BFPT header, table pointer outside what was read. */
    memcpy(t, r->chip.sfdp, sizeof t);
    t[0] = 'X';
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_ECORRUPT);
    memcpy(t, r->chip.sfdp, sizeof t);
    t[8] = 0x84; /* some other table's id */
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_ECORRUPT);
    memcpy(t, r->chip.sfdp, sizeof t);
    t[12] = 0x70;
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_ECORRUPT);
    /* No erase types at all. */
    memcpy(t, r->chip.sfdp, sizeof t);
    memset(t + 0x30 + 28, 0, 8);
    assert_int_equal(fk_nor_sfdp_parse(t, sizeof t, &size, et, &ps), FK_ECORRUPT);

    /* A chip whose SFDP is garbage cannot be probed without board geometry. */
    r->chip.sfdp[1] = 0;
    assert_int_equal(rig_init(r), FK_ECORRUPT);
    assert_int_equal(dev(r)->state, FK_DEV_FAILED);
    assert_non_null(strstr(dev(r)->why, "SFDP table unreadable"));
    rig_free(r);
}

static void test_wrong_and_absent_jedec_id(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    static const uint8_t winbond[3] = {0xef, 0x40, 0x16};
    memcpy(r->cfg.jedec_id, winbond, 3);
    assert_int_equal(rig_init(r), FK_EID);
    assert_int_equal(dev(r)->state, FK_DEV_FAILED);
    assert_string_equal(dev(r)->why, "JEDEC ID read c2 28 15, expected ef 40 16");
    rig_free(r);

    r = rig_new(0);
    r->chip.absent = 1;
    assert_int_equal(rig_init(r), FK_EID);
    assert_string_equal(dev(r)->why, "JEDEC ID read ff ff ff, expected c2 28 15");

    /* The flash map refuses the area and explains it in one sentence. */
    struct fk_flash_area a = {.id = 2, .name = "mcuboot_secondary", .dev = dev(r), .off = 0,
                              .size = 0x100000};
    struct fk_flash_map map = {&a, 1};
    const struct fk_flash_area *fa;
    int rc = fk_flash_open(&map, 2, &fa);
    assert_int_equal(rc, FK_ENODEV);
    assert_ptr_equal(fa, &a);
    char buf[256];
    assert_string_equal(fk_flash_explain(&map, 2, rc, buf, sizeof buf),
                        "mcuboot_secondary: device external_flash (spi-nor on spi4) is not ready: "
                        "JEDEC ID read ff ff ff, expected c2 28 15; is the chip powered and its "
                        "bus driver built into this image?");
    rig_free(r);

    /* Without an expected ID, an all-ones answer still means no chip. */
    r = rig_new(0);
    r->chip.absent = 1;
    r->cfg.check_id = 0;
    assert_int_equal(rig_init(r), FK_EID);
    assert_non_null(strstr(dev(r)->why, "no chip answers"));
    rig_free(r);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)((i * 131 + seed * 17 + (i >> 8)) & 0xff);
    }
}

static void test_read_fast_read_and_page_split(void **s)
{
    (void)s;
    for (int fast = 0; fast <= 1; fast++) {
        struct rig *r = rig_new(0);
        r->cfg.use_fast_read = (uint8_t)fast;
        assert_int_equal(rig_init(r), FK_OK);
        uint8_t data[600], back[600];
        fill(data, sizeof data, 3);
        uint64_t pp0 = r->stats.cmd_pp;
        /* 200..800 spans pages as 56 + 256 + 256 + 32 bytes. */
        assert_int_equal(dev(r)->ops->prog(dev(r), 200, data, sizeof data), FK_OK);
        assert_int_equal(r->stats.cmd_pp - pp0, 4);
        assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
        assert_memory_equal(r->chip.mem.data + 200, data, sizeof data);
        assert_int_equal(r->chip.mem.data[199], 0xff);
        assert_int_equal(r->chip.mem.data[800], 0xff);
        uint64_t rd0 = r->stats.cmd_read;
        memset(back, 0, sizeof back);
        assert_int_equal(dev(r)->ops->read(dev(r), 200, back, sizeof back), FK_OK);
        assert_memory_equal(back, data, sizeof back);
        assert_true(r->stats.cmd_read > rd0);
        /* A read longer than the driver's chunk, crossing into the next sector. */
        uint8_t *big = malloc(10000);
        assert_int_equal(dev(r)->ops->read(dev(r), 0, big, 10000), FK_OK);
        assert_memory_equal(big + 200, data, sizeof data);
        assert_int_equal(big[9999], 0xff);
        free(big);
        assert_int_equal(r->stats.violations, 0);
        rig_free(r);
    }
}

static void test_model_page_program_wraps(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    uint8_t wren = FK_NOR_OP_WREN;
    assert_int_equal(raw(r, &wren, NULL, 1), FK_OK);
    uint8_t tx[4 + 32] = {FK_NOR_OP_PP, 0x00, 0x01, 0xf0};
    for (int i = 0; i < 32; i++) {
        tx[4 + i] = (uint8_t)i;
    }
    assert_int_equal(raw(r, tx, NULL, sizeof tx), FK_OK);
    r->clock.now_us += 10000; /* let it finish */
    assert_int_equal(raw_sr(r) & (FK_NOR_SR_WIP | FK_NOR_SR_WEL), 0); /* WEL cleared */
    uint8_t *m = r->chip.mem.data;
    assert_int_equal(m[0x1f0], 0);
    assert_int_equal(m[0x1ff], 15);
    assert_int_equal(m[0x100], 16); /* wrapped to the start of the same page */
    assert_int_equal(m[0x10f], 31);
    assert_int_equal(m[0x200], 0xff); /* never into the next page */
    assert_int_equal(m[0x110], 0xff);
    rig_free(r);
}

static void test_erase_command_choice(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    memset(r->chip.mem.data, 0, r->chip.mem.size);
    /* 4K..128K: 7 sectors to reach 32K, one 32K block, one 64K block. */
    assert_int_equal(fk_nor_erase_cmds(&r->nor, 0x1000, 0x1f000), 9);
    assert_int_equal(dev(r)->ops->erase(dev(r), 0x1000, 0x1f000), FK_OK);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_int_equal(r->stats.cmd_se, 7);
    assert_int_equal(r->stats.cmd_be32, 1);
    assert_int_equal(r->stats.cmd_be64, 1);
    uint8_t *m = r->chip.mem.data;
    assert_int_equal(m[0xfff], 0);
    assert_int_equal(m[0x1000], 0xff);
    assert_int_equal(m[0x1ffff], 0xff);
    assert_int_equal(m[0x20000], 0);
    assert_int_equal(r->stats.sector_erases[0], 0);
    assert_int_equal(r->stats.sector_erases[1], 1);
    assert_int_equal(r->stats.sector_erases[31], 1);
    assert_int_equal(r->stats.sector_erases[32], 0);
    /* Unaligned request: refused. */
    assert_int_equal(dev(r)->ops->erase(dev(r), 0x800, 0x1000), FK_EALIGN);
    /* Whole chip: one chip erase. */
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x200000), FK_OK);
    assert_int_equal(r->stats.cmd_ce, 1);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_int_equal(m[0x20000], 0xff);
    assert_int_equal(m[0x1fffff], 0xff);
    rig_free(r);

    /* Block erase disabled: sectors only. */
    r = rig_new(0);
    r->cfg.no_block_erase = 1;
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(fk_nor_erase_cmds(&r->nor, 0, 0x10000), 16);
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x10000), FK_OK);
    assert_int_equal(r->stats.cmd_se, 16);
    assert_int_equal(r->stats.cmd_be64, 0);
    rig_free(r);
}

static void test_no_wait_then_wait(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    double t0 = r->clock.now_us;
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_OK);
    /* Returned right after the command: the chip is still erasing. */
    assert_true(r->clock.now_us - t0 < 100);
    assert_int_equal(r->chip.pending, FK_SIM_NOR_ERASE);
    assert_true(r->nor.maybe_busy);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_true(r->clock.now_us - t0 >= 40000);
    assert_false(r->nor.maybe_busy);
    rig_free(r);
}

static void test_busy_timeout(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    r->cfg.timeout_sector_us = 50000;
    assert_int_equal(rig_init(r), FK_OK);
    r->chip.stuck_busy = 1;
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_OK);
    double t0 = r->clock.now_us;
    uint8_t b[4];
    assert_int_equal(dev(r)->ops->read(dev(r), 0, b, sizeof b), FK_ETIMEDOUT);
    assert_true(r->clock.now_us - t0 >= 50000);
    assert_non_null(strstr(dev(r)->why, "write-in-progress still set"));
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_ETIMEDOUT);
    /* A reset abandons the hung operation. */
    r->chip.stuck_busy = 0;
    assert_int_equal(fk_nor_reset(&r->nor), FK_OK);
    assert_int_equal(dev(r)->ops->read(dev(r), 0, b, sizeof b), FK_OK);
    rig_free(r);
}

static void test_model_ignores_commands_while_busy(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    memset(r->chip.mem.data, 0x5a, 0x2000);
    uint8_t wren = FK_NOR_OP_WREN;
    uint8_t se[4] = {FK_NOR_OP_SE, 0, 0, 0};
    assert_int_equal(raw(r, &wren, NULL, 1), FK_OK);
    assert_int_equal(raw(r, se, NULL, 4), FK_OK);
    assert_int_equal(raw_sr(r) & (FK_NOR_SR_WIP | FK_NOR_SR_WEL), FK_NOR_SR_WIP | FK_NOR_SR_WEL);
    /* READ while busy: not answered (strict model also reports it). */
    uint8_t rd[8] = {FK_NOR_OP_READ, 0, 0x10, 0}, rx[8];
    assert_int_equal(raw(r, rd, rx, 8), FK_EBUSY);
    assert_int_equal(rx[4], 0xff);
    assert_int_equal(r->stats.violations, 1);
    /* A second erase while busy is ignored: sector 1 keeps its data. */
    r->chip.lenient = 1;
    uint8_t se1[4] = {FK_NOR_OP_SE, 0, 0x10, 0};
    assert_int_equal(raw(r, &wren, NULL, 1), FK_OK);
    assert_int_equal(raw(r, se1, NULL, 4), FK_OK);
    r->clock.now_us += 100000;
    assert_int_equal(raw_sr(r), 0);
    assert_int_equal(r->chip.mem.data[0], 0xff);
    assert_int_equal(r->chip.mem.data[0x1000], 0x5a);
    rig_free(r);
}

static void test_model_wel_and_zero_to_one(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    /* PP without WREN: ignored. */
    uint8_t pp[5] = {FK_NOR_OP_PP, 0, 0, 0, 0x00};
    assert_int_equal(raw(r, pp, NULL, 5), FK_EIO);
    assert_int_equal(r->chip.mem.data[0], 0xff);
    /* Program 0x0f, then try 0xf0 on top: bits 0->1 refused (strict). */
    uint8_t a = 0x0f, b = 0xf0;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, &a, 1), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, &b, 1), FK_ENOTERASED);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_int_equal(r->chip.mem.data[0], 0x0f);
    assert_int_equal(r->stats.last_violation, FK_ENOTERASED);
    /* Lenient: what silicon does, AND. */
    r->chip.lenient = 1;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, &b, 1), FK_OK);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_int_equal(r->chip.mem.data[0], 0x00);
    /* Programming only clears bits: 0x3c over 0x00 is refused in strict mode,
     * 0x00 over 0x00 is fine. */
    r->chip.lenient = 0;
    uint8_t z = 0;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, &z, 1), FK_OK);
    rig_free(r);
}

/* Regression (4c20d32): the model used to check the whole page of a page
 * program, 0xff filler included, so a sub-page program into a page that
 * already held programmed bytes failed with FK_ENOTERASED. Only the bytes
 * sent may be checked; a real 0->1 change must still be refused. */
static void test_sub_page_program_into_partly_programmed_page(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(r->nor.page_size, 256);
    const uint32_t page = 0x300;
    uint8_t head[8], mid[16], tail[4], expect[256], back[256];
    fill(head, sizeof head, 1);
    fill(mid, sizeof mid, 2);
    fill(tail, sizeof tail, 3);
    head[0] = 0x00; /* every earlier byte has 0 bits the filler would "raise" */
    memset(expect, 0xff, sizeof expect);
    memcpy(expect, head, sizeof head);
    memcpy(expect + 100, mid, sizeof mid);
    memcpy(expect + 252, tail, sizeof tail);

    uint64_t pp0 = r->stats.cmd_pp;
    assert_int_equal(dev(r)->ops->prog(dev(r), page, head, sizeof head), FK_OK);
    /* Still-erased bytes later in the SAME page: must succeed. */
    assert_int_equal(dev(r)->ops->prog(dev(r), page + 100, mid, sizeof mid), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), page + 252, tail, sizeof tail), FK_OK);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_int_equal(r->stats.cmd_pp - pp0, 3); /* one page program each */
    assert_int_equal(r->stats.violations, 0);
    assert_memory_equal(r->chip.mem.data + page, expect, sizeof expect);
    memset(back, 0, sizeof back);
    assert_int_equal(dev(r)->ops->read(dev(r), page, back, sizeof back), FK_OK);
    assert_memory_equal(back, expect, sizeof back);
    /* Neighbouring pages untouched. */
    assert_int_equal(r->chip.mem.data[page - 1], 0xff);
    assert_int_equal(r->chip.mem.data[page + 256], 0xff);

    /* Over programmed bytes: a 0->1 change is still refused (strict), even
     * when the rest of the write covers erased bytes (8, 9), and the chip is
     * left unchanged. */
    uint8_t over[4] = {0xff, 0xff, 0x00, 0x00}; /* offsets 6..9; 6, 7 hold 0-bits */
    assert_true((head[6] & head[7]) != 0xff);
    assert_int_equal(dev(r)->ops->prog(dev(r), page + 6, over, sizeof over), FK_ENOTERASED);
    assert_int_equal(r->stats.last_violation, FK_ENOTERASED);
    assert_int_equal(r->stats.violations, 1);
    uint8_t up = 0xff; /* head[0] is 0x00: any set bit is a 0->1 change */
    assert_int_equal(dev(r)->ops->prog(dev(r), page, &up, 1), FK_ENOTERASED);
    assert_int_equal(r->stats.violations, 2);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
    assert_memory_equal(r->chip.mem.data + page, expect, sizeof expect);
    rig_free(r);
}

static void test_block_protect(void **s)
{
    (void)s;
    /* BP3..0 = 1111: whole chip protected. Detected and reported. */
    struct rig *r = rig_new(0);
    r->chip.sr = FK_NOR_SR_BP_MASK;
    assert_int_equal(rig_init(r), FK_EPROTECT);
    assert_int_equal(dev(r)->state, FK_DEV_READY); /* reads still work */
    assert_non_null(strstr(dev(r)->why, "block-protect bits set"));
    uint8_t b[16], z[16];
    memset(z, 0, sizeof z);
    assert_int_equal(dev(r)->ops->read(dev(r), 0, b, sizeof b), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, z, sizeof z), FK_EPROTECT);
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_EPROTECT);
    /* The explanation names the cause. */
    struct fk_flash_area a = {.id = 2, .name = "mcuboot_secondary", .dev = dev(r), .size = 0x1000};
    struct fk_flash_map map = {&a, 1};
    char buf[300];
    fk_flash_explain(&map, 2, FK_EPROTECT, buf, sizeof buf);
    assert_non_null(strstr(buf, "block-protect"));
    assert_non_null(strstr(buf, "status register 0x3c"));
    rig_free(r);

    /* The model rejects writes to a protected block by itself. BP=1: the
     * top 64 KB. */
    r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    r->chip.sr = 1u << 2;
    uint8_t wren = FK_NOR_OP_WREN;
    uint8_t pp_top[5] = {FK_NOR_OP_PP, 0x1f, 0xff, 0x00, 0x00};
    uint8_t pp_low[5] = {FK_NOR_OP_PP, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(raw(r, &wren, NULL, 1), FK_OK);
    assert_int_equal(raw(r, pp_top, NULL, 5), FK_EPROTECT);
    assert_int_equal(r->chip.mem.data[0x1fff00], 0xff);
    assert_int_equal(raw_sr(r) & FK_NOR_SR_WEL, 0);
    assert_int_equal(raw(r, &wren, NULL, 1), FK_OK);
    assert_int_equal(raw(r, pp_low, NULL, 5), FK_OK);
    r->clock.now_us += 10000;
    assert_int_equal(raw_sr(r) & FK_NOR_SR_WIP, 0);
    assert_int_equal(r->chip.mem.data[0], 0x00);
    rig_free(r);

    /* Configured to clear them: init writes the status register. */
    r = rig_new(0);
    r->chip.sr = FK_NOR_SR_BP_MASK;
    r->cfg.clear_protect = 1;
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(r->chip.sr & FK_NOR_SR_BP_MASK, 0);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, z, sizeof z), FK_OK);
    rig_free(r);
}

static void test_deep_power_down(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    uint8_t d = 0xa5;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x40, &d, 1), FK_OK);
    assert_int_equal(fk_nor_deep_power_down(&r->nor), FK_OK);
    assert_true(r->chip.asleep);
    /* Asleep: RDID is not heard. */
    uint8_t rdid[4] = {FK_NOR_OP_RDID}, id[4];
    assert_int_equal(raw(r, rdid, id, 4), FK_OK);
    assert_int_equal(id[1], 0xff);
    assert_true(r->chip.asleep);
    /* The driver wakes it (0xAB + tRES1) before the next command. */
    double t0 = r->clock.now_us;
    uint8_t back = 0;
    assert_int_equal(dev(r)->ops->read(dev(r), 0x40, &back, 1), FK_OK);
    assert_int_equal(back, 0xa5);
    assert_false(r->chip.asleep);
    assert_true(r->clock.now_us - t0 >= 35);
    /* Model: a command inside tRES1 after 0xAB is lost. */
    assert_int_equal(fk_nor_deep_power_down(&r->nor), FK_OK);
    uint8_t res = FK_NOR_OP_RES;
    assert_int_equal(raw(r, &res, NULL, 1), FK_OK);
    assert_int_equal(raw(r, rdid, id, 4), FK_EBUSY);
    r->clock.now_us += 40;
    assert_int_equal(raw(r, rdid, id, 4), FK_OK);
    assert_memory_equal(id + 1, MX, 3);
    /* Init of a chip left asleep works (init releases first). */
    assert_int_equal(fk_nor_deep_power_down(&r->nor), FK_OK);
    assert_int_equal(rig_init(r), FK_OK);
    rig_free(r);
}

static void test_reset_aborts_operation(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    memset(r->chip.mem.data, 0, 0x1000);
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_OK);
    assert_int_equal(fk_nor_reset(&r->nor), FK_OK);
    /* The erase was cut short: not fully erased (weak: it may read all
     * 0xff or old/0xff runs, fotakit/host/sim.h "Weakly erased cells"). */
    int ff = 0, zero = 0;
    for (int i = 0; i < 0x1000; i++) {
        ff += r->chip.mem.data[i] == 0xff;
        zero += r->chip.mem.data[i] == 0;
    }
    assert_int_equal(ff + zero, 0x1000);
    assert_true(ff > 0);
    assert_int_equal(r->chip.weak.n_weak_sec, 1);
    assert_int_equal(r->chip.weak.sec[0], 1);
    assert_int_equal(raw_sr(r), 0);
    /* Reset needs 0x66 first: 0x99 alone does nothing. */
    assert_int_equal(dev(r)->ops->erase(dev(r), 0x1000, 0x1000), FK_OK);
    uint8_t rst = FK_NOR_OP_RST;
    assert_int_equal(raw(r, &rst, NULL, 1), FK_OK);
    assert_int_equal(raw_sr(r) & FK_NOR_SR_WIP, FK_NOR_SR_WIP);
    rig_free(r);
}

static void test_read_id_and_sr_calls(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    uint8_t id[3], sr;
    assert_int_equal(fk_nor_read_id(&r->nor, id), FK_OK);
    assert_memory_equal(id, MX, 3);
    assert_int_equal(fk_nor_read_sr(&r->nor, &sr), FK_OK);
    assert_int_equal(sr, 0);
    assert_int_equal(fk_nor_write_sr(&r->nor, 0x04), FK_OK);
    assert_int_equal(r->chip.sr & FK_NOR_SR_BP_MASK, 0x04);
    uint8_t sf[8];
    assert_int_equal(fk_nor_read_sfdp(&r->nor, 0, sf, sizeof sf), FK_OK);
    assert_memory_equal(sf, "SFDP", 4);
    rig_free(r);
}

/* The plain sum counts command/data transfers and chip busy time, not the
 * status polls made while waiting: it does not depend on the poll interval,
 * and for one device alone it equals the timeline. */
static void test_sum_independent_of_polling(void **s)
{
    (void)s;
    double sums[2], nows[2];
    uint32_t polls[2] = {5, 400};
    for (int i = 0; i < 2; i++) {
        struct rig *r = rig_new(0);
        r->cfg.poll_us = polls[i];
        assert_int_equal(rig_init(r), FK_OK);
        r->clock.now_us = r->clock.sum_us = 0;
        uint8_t data[1024];
        fill(data, sizeof data, 1);
        assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_OK);
        assert_int_equal(dev(r)->ops->prog(dev(r), 0, data, sizeof data), FK_OK);
        assert_int_equal(dev(r)->ops->sync(dev(r)), FK_OK);
        sums[i] = r->clock.sum_us;
        nows[i] = r->clock.now_us;
        /* 40 ms + 4 x 0.85 ms + transfers (4 x 260 bytes at 8 MHz, ...) */
        assert_true(sums[i] > 40000 + 3400 + 1040 && sums[i] < 40000 + 3400 + 1200);
        rig_free(r);
    }
    assert_true(sums[0] > sums[1] - 0.001 && sums[0] < sums[1] + 0.001);
    /* A coarse poll interval never overshoots: the model's wait ends when
     * the chip goes idle (fine-grained polling). */
    assert_true(nows[1] < sums[1] + 0.001);
    assert_true(nows[0] < sums[0] + 0.001);
}

/* An MCU reset in the middle of an erase: the chip is still busy when the
 * driver starts, and a busy chip answers RDID with garbage. The driver waits
 * for WIP to clear before identifying, and nothing it sends is misuse. */
static void test_start_while_busy(void **s)
{
    (void)s;
    static const uint32_t lens[2] = {0x1000, 0x200000}; /* a sector, the whole chip */
    for (int k = 0; k < 2; k++) {
        struct rig *r = rig_new(0);
        assert_int_equal(rig_init(r), FK_OK);
        memset(r->chip.mem.data, 0, 0x2000);
        assert_int_equal(dev(r)->ops->erase(dev(r), 0, lens[k]), FK_OK); /* returns while busy */
        assert_int_equal(raw_sr(r) & FK_NOR_SR_WIP, FK_NOR_SR_WIP);
        uint32_t v0 = r->stats.violations;
        /* the MCU resets: a new driver instance on the same, busy, chip */
        memset(&r->nor, 0, sizeof r->nor);
        assert_int_equal(rig_init(r), FK_OK);
        assert_int_equal(dev(r)->state, FK_DEV_READY);
        assert_memory_equal(r->nor.id, MX, 3);
        assert_int_equal(r->stats.violations, v0);
        assert_int_equal(raw_sr(r) & FK_NOR_SR_WIP, 0);
        /* the erase ran to its end: nothing torn */
        for (uint32_t i = 0; i < 0x1000; i++) {
            assert_int_equal(r->chip.mem.data[i], 0xff);
        }
        assert_int_equal(r->chip.mem.data[0x1000], k == 0 ? 0x00 : 0xff);
        rig_free(r);
    }
    /* The model: RDID while busy is garbage (the status register), not an error. */
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_OK);
    uint8_t tx[4] = {FK_NOR_OP_RDID, 0xff, 0xff, 0xff}, rx[4];
    assert_int_equal(raw(r, tx, rx, 4), FK_OK);
    assert_int_equal(rx[1], FK_NOR_SR_WIP | FK_NOR_SR_WEL);
    assert_int_equal(rx[2], FK_NOR_SR_WIP | FK_NOR_SR_WEL);
    assert_int_equal(rx[3], FK_NOR_SR_WIP | FK_NOR_SR_WEL);
    assert_int_equal(r->stats.violations, 1);
    rig_free(r);
}

/* The SFDP of the model says it has 66h/99h: the driver resets the chip
 * before trusting its ID; with no_sfdp it cannot know and does not. */
static void test_soft_reset_at_start(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    r->chip.addr4 = 1; /* a mode the reset clears (stands for any odd mode) */
    r->chip.mem.size = 0x200000;
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(r->nor.soft_reset, 1);
    assert_int_equal(r->chip.addr4, 0);
    rig_free(r);
    r = rig_new(0);
    r->cfg.no_sfdp = 1;
    r->cfg.size = 0x200000;
    r->cfg.erase_size = 0x1000;
    r->chip.addr4 = 1;
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(r->nor.soft_reset, 0);
    assert_int_equal(r->chip.addr4, 1);
    rig_free(r);
}

/* WRSR that the chip ignores (SRWD set, WP# low) is an error, and why says so. */
static void test_write_sr_reads_back(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(fk_nor_write_sr(&r->nor, FK_NOR_SR_SRWD | 0x04), FK_OK);
    assert_int_equal(r->chip.sr, FK_NOR_SR_SRWD | 0x04);
    r->chip.wp_low = 1;
    assert_int_equal(fk_nor_write_sr(&r->nor, 0x00), FK_EIO);
    assert_string_equal(dev(r)->why, "status register write did not take: wrote 0x00, read back "
                                     "0x84 (SRWD set and the WP# pin low?)");
    assert_int_equal(r->chip.sr, FK_NOR_SR_SRWD | 0x04);
    /* at init, clear_protect on such a chip: still protected, and said why */
    r->cfg.clear_protect = 1;
    memset(&r->nor, 0, sizeof r->nor);
    assert_int_equal(rig_init(r), FK_EPROTECT);
    assert_int_equal(dev(r)->state, FK_DEV_READY);
    assert_string_equal(dev(r)->why, "status register write did not take: wrote 0x00, read back "
                                     "0x84 (SRWD set and the WP# pin low?)");
    r->chip.wp_low = 0;
    assert_int_equal(fk_nor_write_sr(&r->nor, 0x00), FK_OK);
    assert_int_equal(r->chip.sr, 0);
    rig_free(r);
}

/* Write a pattern above 16 MiB, read it back, and check the byte 16 MiB
 * lower (where a 3-byte address would land) is untouched. */
static void check_above_16m(struct rig *r)
{
    uint8_t w[300], b[300];
    for (unsigned i = 0; i < sizeof w; i++) {
        w[i] = (uint8_t)(i * 7 + 1);
    }
    const uint32_t at = 0x1801f80; /* 24 MiB + 0x1f80: crosses a page */
    assert_int_equal(dev(r)->ops->erase(dev(r), 0x1801000, 0x1000), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), at, w, sizeof w), FK_OK);
    assert_int_equal(dev(r)->ops->read(dev(r), at, b, sizeof b), FK_OK);
    assert_memory_equal(b, w, sizeof w);
    assert_memory_equal(r->chip.mem.data + at, w, sizeof w);
    assert_int_equal(r->chip.mem.data[at - 0x1000000], 0xff);
    assert_int_equal(r->stats.violations, 0);
}

/* A 32 MiB chip: 4-byte opcodes from its 4BAIT; B7h when there is no 4BAIT;
 * refused (and said why) when SFDP offers neither. */
static void test_4byte_addressing(void **s)
{
    (void)s;
    struct rig *r = rig_new(0x2000000);
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(dev(r)->size, 0x2000000);
    assert_int_equal(r->nor.addr_mode, FK_NOR_ADDR_4_OPCODES);
    assert_int_equal(r->nor.addr_len, 4);
    assert_int_equal(r->nor.op_read, 0x13);
    assert_int_equal(r->nor.op_pp, 0x12);
    assert_int_equal(r->nor.erase[0].opcode, 0x21);
    assert_int_equal(r->nor.erase[1].opcode, 0x5c);
    assert_int_equal(r->nor.erase[2].opcode, 0xdc);
    assert_int_equal(r->chip.addr4, 0); /* no mode entered */
    check_above_16m(r);
    r->cfg.use_fast_read = 1;
    memset(&r->nor, 0, sizeof r->nor);
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(r->nor.op_fast_read, 0x0c);
    uint8_t b[4];
    assert_int_equal(dev(r)->ops->read(dev(r), 0x1801f80, b, 4), FK_OK);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 8);
    rig_free(r);

    /* no 4BAIT (one parameter header): B7h, and again after a reset */
    r = rig_new(0x2000000);
    r->chip.sfdp[6] = 0;
    assert_int_equal(rig_init(r), FK_OK);
    assert_int_equal(r->nor.addr_mode, FK_NOR_ADDR_4_MODE);
    assert_int_equal(r->nor.op_read, FK_NOR_OP_READ);
    assert_int_equal(r->nor.erase[0].opcode, FK_NOR_OP_SE);
    assert_int_equal(r->chip.addr4, 1);
    check_above_16m(r);
    assert_int_equal(fk_nor_reset(&r->nor), FK_OK);
    assert_int_equal(r->chip.addr4, 1);
    rig_free(r);

    /* neither: refused with the reason */
    r = rig_new(0x2000000);
    r->chip.sfdp[6] = 0;
    r->chip.sfdp[0x30 + 63] = 0x00; /* dword 16 bits 31:24: no way into 4-byte mode */
    assert_int_equal(rig_init(r), FK_ENOTSUP);
    assert_int_equal(dev(r)->state, FK_DEV_FAILED);
    assert_string_equal(dev(r)->why, "0x2000000 bytes need 4-byte addresses; SFDP has no 4-byte "
                                     "opcodes, no B7h");
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_sfdp_geometry),
        cmocka_unit_test(test_sfdp_parse_tables),
        cmocka_unit_test(test_wrong_and_absent_jedec_id),
        cmocka_unit_test(test_read_fast_read_and_page_split),
        cmocka_unit_test(test_model_page_program_wraps),
        cmocka_unit_test(test_erase_command_choice),
        cmocka_unit_test(test_no_wait_then_wait),
        cmocka_unit_test(test_busy_timeout),
        cmocka_unit_test(test_model_ignores_commands_while_busy),
        cmocka_unit_test(test_model_wel_and_zero_to_one),
        cmocka_unit_test(test_sub_page_program_into_partly_programmed_page),
        cmocka_unit_test(test_block_protect),
        cmocka_unit_test(test_deep_power_down),
        cmocka_unit_test(test_reset_aborts_operation),
        cmocka_unit_test(test_read_id_and_sr_calls),
        cmocka_unit_test(test_sum_independent_of_polling),
        cmocka_unit_test(test_start_while_busy),
        cmocka_unit_test(test_soft_reset_at_start),
        cmocka_unit_test(test_write_sr_reads_back),
        cmocka_unit_test(test_4byte_addressing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
