/*
 * SFDP of real chips (the .hex files in tests/flash/sfdp, each naming its source; and
 * the MX25R6435F / P25Q16H Basic Flash Parameter Tables as Zephyr builds in
 * ../shared/ncs-builds carry them in zephyr.dts, `sfdp-bfp`), parsed with
 * exact expected values: what Linux's spi-nor read from the same chips
 * (their debugfs `params` in the commit messages) or the datasheet figures.
 * Then the driver on a model chip that answers with a real chip's SFDP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/sim.h"
#include "fotakit/nor.h"

#define DUMPS FOTAKIT_SOURCE_DIR "/tests/flash/sfdp/"
#define NCS FOTAKIT_SHARED_DIR "/ncs-builds/"

/* A dump file: '#' lines are comments, the rest hex digits. */
static size_t load_hex(const char *path, uint8_t *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') {
            continue;
        }
        for (char *p = line; p[0] && p[1] && p[0] != '\n'; p += 2) {
            unsigned v;
            assert_int_equal(sscanf(p, "%2x", &v), 1);
            assert_true(n < cap);
            out[n++] = (uint8_t)v;
        }
    }
    fclose(f);
    return n;
}

/* The `sfdp-bfp = [ .. ];` bytes of the first node that has one. */
static size_t load_dts_bfp(const char *path, uint8_t *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = 0;
    fclose(f);
    const char *p = strstr(text, "sfdp-bfp = [");
    assert_non_null(p);
    p += strlen("sfdp-bfp = [");
    size_t n = 0;
    unsigned v;
    int used;
    while (sscanf(p, " %2x%n", &v, &used) == 1) {
        assert_true(n < cap);
        out[n++] = (uint8_t)v;
        p += used;
    }
    assert_int_equal(*strchr(p, ']'), ']');
    return n;
}

static void erase_is(const struct fk_nor_sfdp *s, unsigned i, uint32_t size, uint8_t op,
                     uint8_t type, uint8_t op4)
{
    assert_int_equal(s->erase[i].size, size);
    assert_int_equal(s->erase[i].opcode, op);
    assert_int_equal(s->erase_type[i], type);
    assert_int_equal(s->op4_erase[i], op4);
}

/* Winbond W25Q02NW: BFPT at 0x80, 4BAIT at 0xd0, a third header beyond NPH.
 * Linux: 256 MiB, page 256, 4-byte opcodes, erase 21h 4 KiB and DCh 64 KiB
 * (no 4-byte 32 KiB erase), SOFT_RESET. */
static void test_w25q02nw(void **st)
{
    (void)st;
    uint8_t b[512];
    size_t n = load_hex(DUMPS "w25q02nw.hex", b, sizeof b);
    assert_int_equal(n, 216);
    struct fk_nor_sfdp s;
    assert_int_equal(fk_nor_sfdp_parse_ex(b, n, &s), FK_OK);
    assert_int_equal(s.major, 1);
    assert_int_equal(s.minor, 6);
    assert_int_equal(s.nph, 2);
    assert_int_equal(s.bfpt_dwords, 16);
    assert_int_equal(s.size, 0x10000000);
    assert_int_equal(s.page_size, 256);
    erase_is(&s, 0, 0x1000, 0x20, 0, 0x21);
    erase_is(&s, 1, 0x8000, 0x52, 1, 0x00);
    erase_is(&s, 2, 0x10000, 0xd8, 2, 0xdc);
    erase_is(&s, 3, 0, 0, 0, 0);
    assert_int_equal(s.addr_bytes, 1);
    assert_int_equal(s.enter4, 0xa1); /* B7h, 4-byte opcodes, bit 31 */
    assert_int_equal(s.soft_reset_66_99, 1);
    assert_int_equal(s.has_4bait, 1);
    assert_int_equal(s.op4_read, 0x13);
    assert_int_equal(s.op4_fast_read, 0x0c);
    assert_int_equal(s.op4_pp, 0x12);
}

/* GigaDevice GD25LB512ME: BFPT at 0x30, a vendor table, 4BAIT at 0xc0.
 * Linux: 64 MiB, page 256, 4-byte opcodes 13h/12h, erase 21h/5Ch/DCh. */
static void test_gd25lb512me(void **st)
{
    (void)st;
    uint8_t b[512];
    size_t n = load_hex(DUMPS "gd25lb512me.hex", b, sizeof b);
    assert_int_equal(n, 200);
    struct fk_nor_sfdp s;
    assert_int_equal(fk_nor_sfdp_parse_ex(b, n, &s), FK_OK);
    assert_int_equal(s.nph, 3);
    assert_int_equal(s.size, 0x4000000);
    assert_int_equal(s.page_size, 256);
    erase_is(&s, 0, 0x1000, 0x20, 0, 0x21);
    erase_is(&s, 1, 0x8000, 0x52, 1, 0x5c);
    erase_is(&s, 2, 0x10000, 0xd8, 2, 0xdc);
    assert_int_equal(s.addr_bytes, 1);
    assert_int_equal(s.enter4, 0x01); /* B7h */
    assert_int_equal(s.soft_reset_66_99, 1);
    assert_int_equal(s.has_4bait, 1);
    assert_int_equal(s.op4_read, 0x13);
    assert_int_equal(s.op4_pp, 0x12);
}

/* Macronix MX25L12835F: JESD216 rev 1.0, a 9-dword BFPT (no page size, no
 * dword 16) and a Macronix table: 16 MiB, 3-byte, no soft-reset field. */
static void test_mx25l12835f(void **st)
{
    (void)st;
    uint8_t b[512];
    size_t n = load_hex(DUMPS "mx25l12835f.hex", b, sizeof b);
    assert_int_equal(n, 112);
    struct fk_nor_sfdp s;
    assert_int_equal(fk_nor_sfdp_parse_ex(b, n, &s), FK_OK);
    assert_int_equal(s.major, 1);
    assert_int_equal(s.minor, 0);
    assert_int_equal(s.nph, 2);
    assert_int_equal(s.bfpt_dwords, 9);
    assert_int_equal(s.size, 0x1000000);
    assert_int_equal(s.page_size, 256);
    erase_is(&s, 0, 0x1000, 0x20, 0, 0);
    erase_is(&s, 1, 0x8000, 0x52, 1, 0);
    erase_is(&s, 2, 0x10000, 0xd8, 2, 0);
    assert_int_equal(s.addr_bytes, 0);
    assert_int_equal(s.enter4, 0);
    assert_int_equal(s.soft_reset_66_99, 0);
    assert_int_equal(s.has_4bait, 0);
    /* the older API gives the same geometry */
    uint32_t size, ps;
    struct fk_nor_erase_type et[FK_NOR_MAX_ERASE_TYPES];
    assert_int_equal(fk_nor_sfdp_parse(b, n, &size, et, &ps), FK_OK);
    assert_int_equal(size, 0x1000000);
    assert_int_equal(et[2].opcode, 0xd8);
    /* cut short: the BFPT no longer fits what was read */
    assert_int_equal(fk_nor_sfdp_parse_ex(b, 0x30 + 35, &s), FK_ECORRUPT);
}

/* MX25R6435F (the nRF52840 DK's chip, c2 28 17) as the NCS devicetree
 * carries its BFPT: 8 MiB, page 256, 3-byte, 66h/99h. */
static void test_mx25r6435f_dts(void **st)
{
    (void)st;
    uint8_t b[128];
    size_t n = load_dts_bfp(NCS "justanotherkendrik__matter-sensor-example/build/zephyr/zephyr.dts", b,
                            sizeof b);
    assert_int_equal(n, 64);
    struct fk_nor_sfdp s;
    assert_int_equal(fk_nor_bfpt_parse(b, (uint32_t)(n / 4), &s), FK_OK);
    assert_int_equal(s.size, 0x800000);
    assert_int_equal(s.page_size, 256);
    erase_is(&s, 0, 0x1000, 0x20, 0, 0);
    erase_is(&s, 1, 0x8000, 0x52, 1, 0);
    erase_is(&s, 2, 0x10000, 0xd8, 2, 0);
    erase_is(&s, 3, 0, 0, 0, 0);
    assert_int_equal(s.addr_bytes, 0);
    assert_int_equal(s.soft_reset_66_99, 1);
    assert_int_equal(s.enter4, 0xff);
    assert_int_equal(fk_nor_bfpt_parse(b, 8, &s), FK_ECORRUPT);
}

/* Puya P25Q16H (85 60 15) from another NCS build: 9 dwords, 2 MiB, and a
 * fourth erase type of 256 bytes (81h page erase) that sorts first. */
static void test_p25q16h_dts(void **st)
{
    (void)st;
    uint8_t b[128];
    size_t n = load_dts_bfp(NCS "apcave__zephyr-xiao-nRF52840/build/mcuboot/zephyr/zephyr.dts", b,
                            sizeof b);
    assert_int_equal(n, 36);
    struct fk_nor_sfdp s;
    assert_int_equal(fk_nor_bfpt_parse(b, (uint32_t)(n / 4), &s), FK_OK);
    assert_int_equal(s.size, 0x200000);
    assert_int_equal(s.page_size, 256);
    erase_is(&s, 0, 0x100, 0x81, 3, 0);
    erase_is(&s, 1, 0x1000, 0x20, 0, 0);
    erase_is(&s, 2, 0x8000, 0x52, 1, 0);
    erase_is(&s, 3, 0x10000, 0xd8, 2, 0);
    assert_int_equal(s.soft_reset_66_99, 0);
}

/* The driver on a 64 MiB model chip that answers RDSFDP with the
 * GD25LB512ME's tables: the real 4BAIT picks the 4-byte opcodes. */
static void test_driver_on_gd25lb512me_sfdp(void **st)
{
    (void)st;
    struct fk_sim_clock clock = {0};
    struct fk_sim_power power = {0};
    struct fk_sim_stats stats = {0};
    struct fk_sim_nor_chip chip;
    static const uint8_t gd[3] = {0xc8, 0x67, 0x1a};
    assert_int_equal(fk_sim_nor_chip_init(&chip, 0x4000000, gd, &clock, &power, &stats), FK_OK);
    memset(chip.sfdp, 0xff, sizeof chip.sfdp);
    assert_int_equal(load_hex(DUMPS "gd25lb512me.hex", chip.sfdp, sizeof chip.sfdp), 200);
    struct fk_spi_bus bus;
    fk_sim_nor_chip_bus(&chip, &bus);
    struct fk_nor_cfg cfg = {.check_id = 1, .jedec_id = {0xc8, 0x67, 0x1a}};
    static struct fk_nor nor;
    assert_int_equal(fk_nor_init(&nor, &bus, &cfg), FK_OK);
    assert_int_equal(nor.dev.size, 0x4000000);
    assert_int_equal(nor.dev.erase_size, 0x1000);
    assert_int_equal(nor.addr_mode, FK_NOR_ADDR_4_OPCODES);
    assert_int_equal(nor.soft_reset, 1);
    assert_int_equal(nor.erase[1].opcode, 0x5c);
    uint8_t w[16] = "above 16 MiB....", r[16];
    assert_int_equal(nor.dev.ops->erase(&nor.dev, 0x3fff000, 0x1000), FK_OK);
    assert_int_equal(nor.dev.ops->prog(&nor.dev, 0x3fff010, w, sizeof w), FK_OK);
    assert_int_equal(nor.dev.ops->read(&nor.dev, 0x3fff010, r, sizeof r), FK_OK);
    assert_memory_equal(r, w, sizeof w);
    assert_memory_equal(chip.mem.data + 0x3fff010, w, sizeof w);
    assert_int_equal(stats.violations, 0);
    fk_sim_nor_chip_free(&chip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_w25q02nw),       cmocka_unit_test(test_gd25lb512me),
        cmocka_unit_test(test_mx25l12835f),    cmocka_unit_test(test_mx25r6435f_dts),
        cmocka_unit_test(test_p25q16h_dts),    cmocka_unit_test(test_driver_on_gd25lb512me_sfdp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
