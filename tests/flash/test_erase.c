/* fk_flash_prepare (src/flash/erase.c), the one "erase before program"
 * helper, on the seed board's simulated chips (SPI NOR and NVMC), whose
 * torn erases leave weakly erased cells that read 0xff (fotakit/host/sim.h):
 * unproven ranges are erased whatever they read, proven ones only where
 * they read dirty, and the argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fotakit/host/sim.h"

struct rig {
    struct fk_board b;
    struct fk_sim_board sb;
    struct fk_flash_area fa; /* 64 KB at 128 KB into the device */
    struct fk_sim_dev *sd;
};

static struct rig *rig_new(const char *dev)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(fk_sim_board_preset(&r->b, "nrf5340-spi-nor-2mb"), FK_OK);
    assert_int_equal(fk_sim_board_build(&r->sb, &r->b, NULL), FK_OK);
    struct fk_flash_dev *d = fk_sim_board_dev(&r->sb, dev);
    assert_non_null(d);
    r->sd = fk_sim_dev_of(d);
    r->fa = (struct fk_flash_area){.id = 1, .name = "test", .dev = d, .off = 0x20000, .size = 0x10000};
    return r;
}

static void rig_free(struct rig *r)
{
    assert_int_equal(r->sd->stats.violations, 0);
    fk_sim_board_free(&r->sb);
    free(r);
}

static uint32_t es(const struct rig *r)
{
    return r->fa.dev->erase_size;
}

/* Erases of the area's sector i so far. */
static uint32_t erases_of(const struct rig *r, uint32_t i)
{
    return r->sd->stats.sector_erases[(r->fa.off + i * es(r)) / r->sd->stats.sector_size];
}

/* Program a pattern over [off, off+len) and read it back through the driver
 * after the chips settled (weak cells would have lost bits). */
static void assert_holds_pattern(struct rig *r, uint32_t off, uint32_t len)
{
    uint8_t *p = malloc(len), *got = malloc(len);
    for (uint32_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(i * 7 + 3);
    }
    assert_int_equal(fk_flash_write(&r->fa, off, p, len), FK_OK);
    assert_int_equal(fk_flash_sync(&r->fa), FK_OK);
    fk_sim_board_settle(&r->sb);
    assert_int_equal(fk_flash_read(&r->fa, off, got, len), FK_OK);
    assert_memory_equal(got, p, len);
    free(p);
    free(got);
}

/* Unproven: sectors that read erased (fresh, or weakly erased by a torn
 * erase) are erased too, in one call; afterwards nothing is weak and a
 * pattern programmed there holds. */
static void unproven_erases_what_reads_erased(struct rig *r)
{
    uint32_t e = es(r), n = 0;
    assert_int_equal(fk_sim_dev_weaken(r->fa.dev, r->fa.off + 2 * e, 3 * e), FK_OK);
    assert_true(fk_flash_reads_erased(&r->fa, 0, r->fa.size, NULL));
    uint64_t calls = r->sd->stats.erase_calls;
    assert_int_equal(fk_flash_prepare(&r->fa, 0, 8 * e, FK_ERASE_UNPROVEN, &n), FK_OK);
    assert_int_equal(n, 8);
    assert_int_equal(r->sd->stats.erase_calls - calls, 1);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(erases_of(r, i), 1);
    }
    assert_int_equal(erases_of(r, 8), 0);
    assert_int_equal(fk_flash_sync(&r->fa), FK_OK);
    assert_int_equal(fk_sim_dev_weak_bytes(r->fa.dev, r->fa.off, r->fa.size), 0);
    assert_holds_pattern(r, 0, 8 * e);
    assert_int_equal(r->sd->stats.weak_lost_bits, 0);
}

static void test_unproven_nor(void **state)
{
    (void)state;
    struct rig *r = rig_new("external_flash");
    unproven_erases_what_reads_erased(r);
    rig_free(r);
}

static void test_unproven_nvmc(void **state)
{
    (void)state;
    struct rig *r = rig_new("flash_primary");
    assert_int_equal(r->sd->kind, FK_KIND_INTERNAL);
    unproven_erases_what_reads_erased(r);
    rig_free(r);
}

/* Proven: only sectors that read dirty are erased, one call each; the
 * count says how many. (Passing it for a range that merely reads erased is
 * the caller's lie: the weak sector stays weak, which is why only a record
 * may earn it.) */
static void test_proven_erases_dirty_only(void **state)
{
    (void)state;
    struct rig *r = rig_new("external_flash");
    uint32_t e = es(r), n = 0;
    uint8_t w[4] = {0, 1, 2, 3};
    assert_int_equal(fk_flash_write(&r->fa, 1 * e + 100, w, sizeof w), FK_OK);
    assert_int_equal(fk_flash_write(&r->fa, 4 * e + e - 4, w, sizeof w), FK_OK);
    assert_int_equal(fk_sim_dev_weaken(r->fa.dev, r->fa.off + 6 * e, e), FK_OK);
    uint64_t calls = r->sd->stats.erase_calls;
    assert_int_equal(fk_flash_prepare(&r->fa, 0, 8 * e, FK_ERASE_PROVEN, &n), FK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r->sd->stats.erase_calls - calls, 2);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(erases_of(r, i), i == 1 || i == 4 ? 1 : 0);
    }
    assert_int_equal(fk_flash_sync(&r->fa), FK_OK);
    assert_true(fk_flash_reads_erased(&r->fa, 0, 8 * e, NULL));
    assert_int_equal(fk_sim_dev_weak_bytes(r->fa.dev, r->fa.off + 6 * e, e), e);
    fk_sim_board_heal(&r->sb);
    rig_free(r);
}

/* Argument checks and errors: nothing erased, the count 0. */
static void test_errors(void **state)
{
    (void)state;
    struct rig *r = rig_new("external_flash");
    uint32_t e = es(r), n = 99;
    assert_int_equal(fk_flash_prepare(NULL, 0, e, FK_ERASE_UNPROVEN, &n), FK_EINVAL);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(fk_flash_prepare(&r->fa, 1, e, FK_ERASE_UNPROVEN, &n), FK_EALIGN);
    assert_int_equal(n, 0);
    assert_int_equal(fk_flash_prepare(&r->fa, 0, e + 1, FK_ERASE_PROVEN, &n), FK_EALIGN);
    assert_int_equal(fk_flash_prepare(&r->fa, 0, 0, FK_ERASE_UNPROVEN, &n), FK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fk_flash_prepare(&r->fa, 0, r->fa.size + e, FK_ERASE_UNPROVEN, &n), FK_ERANGE);
    assert_int_equal(n, 0);
    assert_int_equal(r->sd->stats.erase_calls, 0);
    /* a device that fails the erase (power gone): its code, count 0 */
    fk_sim_power_arm(&r->sb, 1, FK_SIM_CUT_BEFORE, 1);
    n = 99;
    assert_int_equal(fk_flash_prepare(&r->fa, 0, 2 * e, FK_ERASE_UNPROVEN, &n), FK_EIO);
    assert_int_equal(n, 0);
    assert_int_equal(fk_sim_power_restore(&r->sb), FK_OK);
    assert_int_equal(fk_flash_write(&r->fa, 0, "x\0\0\0", 4), FK_OK);
    fk_sim_power_arm(&r->sb, 1, FK_SIM_CUT_BEFORE, 1);
    assert_int_equal(fk_flash_prepare(&r->fa, 0, 2 * e, FK_ERASE_PROVEN, &n), FK_EIO);
    assert_int_equal(n, 0);
    assert_int_equal(fk_sim_power_restore(&r->sb), FK_OK);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unproven_nor),
        cmocka_unit_test(test_unproven_nvmc),
        cmocka_unit_test(test_proven_erases_dirty_only),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
