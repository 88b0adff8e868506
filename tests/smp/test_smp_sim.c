/* The SMP server on the seed layout (nrf5340-spi-nor-2mb) over the simulated
 * chips: NVMC-model internal flash for the primary, a SPI NOR chip model for
 * the secondary. Checks what the RAM tests cannot: chip physics (no program
 * over unerased bits, nWRITE), the modeled time of the first chunk against a
 * whole-slot erase, and resumption after torn power cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/boot.h"
#include "fotakit/cbor.h"
#include "smp_sim_fx.h"

static void test_seed_layout_upload(void **state)
{
    (void)state;
    struct simfx *f = simfx_new();
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 300000, 32, &len, hash);
    sha256(img, len, sha);
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    struct fk_sim_dev *nor = fk_sim_dev_of(sec->dev);
    assert_non_null(nor);

    /* first chunk: three erase calls (the resume record's sector, the
     * trailer sectors, the first data sector: erased although the chips
     * start erased, since reading erased proves nothing), modeled time far
     * below what erasing the whole slot would take */
    fk_sim_board_reset_stats(&f->sb);
    int grc, match;
    assert_int_equal(chunk(f, img, len, sha, 0, 1900, &grc, &match), 1900);
    fk_sim_board_sync(&f->sb);
    double first_us = f->sb.clock.sum_us;
    assert_int_equal(nor->stats.erase_calls, 3);
    double slot_erase_us = (double)(sec->size / sec->dev->erase_size) * FK_SIM_NOR_SE_MS * 1000.0;
    assert_true(first_us * 20 < slot_erase_us);

    /* the rest */
    uint32_t off = 1900;
    while (off < len) {
        uint32_t n = len - off < 1900 ? (uint32_t)(len - off) : 1900;
        off = (uint32_t)chunk(f, img, len, sha, off, n, &grc, &match);
    }
    assert_int_equal(match, 1);
    size_t msz;
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
    assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
    /* each sector the image covers erased once, plus the resume record's
     * sector at the start and at the end, plus the trailer at the start */
    uint32_t es = sec->dev->erase_size;
    assert_int_equal(nor->stats.erase_calls, (len + es - 1) / es + 3);
    free(img);
    simfx_free(f);
}

/* FK_SMP_F_FAST_ERASE on the seed's NOR: an upload into a dirty slot erases
 * ahead with 32/64 KB block erases (docs/ble.md), not sector by sector. */
static void test_seed_layout_fast_erase(void **state)
{
    (void)state;
    struct simfx *f = simfx_new();
    f->cfg.flags |= FK_SMP_F_FAST_ERASE;
    size_t len, msz;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 300000, 33, &len, hash);
    sha256(img, len, sha);
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    struct fk_sim_dev *nor = fk_sim_dev_of(sec->dev);
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
    memset(mem + sec->off, 0x00, sec->size); /* a dirty slot */
    fk_sim_board_reset_stats(&f->sb);
    int grc, match = -1;
    uint32_t off = 0;
    while (off < len) {
        uint32_t n = len - off < 1900 ? (uint32_t)(len - off) : 1900;
        off = (uint32_t)chunk(f, img, len, sha, off, n, &grc, &match);
    }
    assert_int_equal(match, 1);
    assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
    /* the image's 74 sectors: 7 sectors up to the first 32 KB boundary, one
     * 32 KB block, then 64 KB blocks */
    uint32_t es = sec->dev->erase_size;
    assert_int_equal(sec->off % 0x10000, 0);
    uint32_t end = fk_boot_secondary_image_off(&f->map) + (uint32_t)len;
    assert_int_equal(nor->stats.cmd_be32, 1);
    assert_int_equal(nor->stats.cmd_be64, (end - 0x10000 + 0xffff) / 0x10000);
    assert_true(nor->stats.erase_calls < (len + es - 1) / es);
    free(img);
    simfx_free(f);
}

/* Torn power cuts at spread-out points of an upload: after power returns, a
 * new server (application RAM is lost) resumes and the image ends intact,
 * with no physics violation (nothing programmed over unerased bits). */
static void test_seed_layout_power_cuts(void **state)
{
    (void)state;
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 120000, 33, &len, hash);
    struct simfx *f = simfx_new();
    fk_sim_power_arm(&f->sb, 0, FK_SIM_CUT_NONE, 0);
    assert_int_equal(upload(f, img, len, NULL), 1);
    uint32_t calls = fk_sim_power_count(&f->sb);
    simfx_free(f);
    assert_true(calls > 50);
    unsigned resumed = 0;
    for (uint32_t k = 1; k <= calls; k += calls / 23 + 1) {
        f = simfx_new();
        fk_sim_power_arm(&f->sb, k, k & 1 ? FK_SIM_CUT_TEAR : FK_SIM_CUT_BEFORE, k);
        assert_int_equal(upload(f, img, len, NULL), -1000);
        assert_int_equal(fk_sim_power_restore(&f->sb), FK_OK);
        assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
        uint32_t at = 0;
        assert_int_equal(upload(f, img, len, &at), 1);
        resumed += at > 0;
        const struct fk_flash_area *sec;
        assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
        size_t msz;
        uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
        assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
        simfx_free(f);
    }
    assert_true(resumed >= 10);
    free(img);
}

/* The same on an internal-only layout: the secondary is NVMC-like internal
 * flash (word writes, nWRITE limit, the CPU halts during erases). */
static void test_internal_only_layout(void **state)
{
    (void)state;
    g_layout = LAYOUTS "nrf52840-internal-only.pm_static.yml";
    g_board = LAYOUTS "nrf52840.board.yml";
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 150001, 34, &len, hash);
    struct simfx *f = simfx_new();
    assert_int_equal(upload(f, img, len, NULL), 1);
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    assert_int_equal(fk_sim_dev_of(sec->dev)->kind, FK_KIND_INTERNAL);
    size_t msz;
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
    assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
    simfx_free(f);
    /* a cut in the middle, then resume */
    f = simfx_new();
    fk_sim_power_arm(&f->sb, 20, FK_SIM_CUT_TEAR, 5);
    assert_int_equal(upload(f, img, len, NULL), -1000);
    assert_int_equal(fk_sim_power_restore(&f->sb), FK_OK);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    uint32_t at = 0;
    assert_int_equal(upload(f, img, len, &at), 1);
    assert_true(at > 0);
    simfx_free(f);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_layout_upload),
        cmocka_unit_test(test_seed_layout_fast_erase),
        cmocka_unit_test(test_seed_layout_power_cuts),
        cmocka_unit_test(test_internal_only_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
