/* NVMC driver against the internal-flash model: word program, page erase,
 * nWRITE, alignment, timing, and the violations the model reports. */
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
    struct fk_sim_nvmc_chip chip;
    struct fk_nvmc_port port;
    struct fk_nvmc nvmc;
};

static struct rig *rig_new(uint8_t erase_by_write)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->stats.sector_size = 0x1000;
    r->stats.n_sectors = 256;
    r->stats.sector_erases = calloc(256, sizeof(uint32_t));
    assert_int_equal(fk_sim_nvmc_chip_init(&r->chip, 0x100000, 0x1000, &r->clock, &r->power,
                                           &r->stats),
                     FK_OK);
    fk_sim_nvmc_chip_port(&r->chip, &r->port);
    struct fk_nvmc_cfg cfg = {.size = 0x100000, .page_size = 0x1000, .write_size = 4,
                              .ready_polls = 100, .erase_by_write = erase_by_write};
    assert_int_equal(fk_nvmc_init(&r->nvmc, &r->port, &cfg), FK_OK);
    return r;
}

static void rig_free(struct rig *r)
{
    fk_sim_nvmc_chip_free(&r->chip);
    free(r->stats.sector_erases);
    free(r);
}

static struct fk_flash_dev *dev(struct rig *r)
{
    return &r->nvmc.dev;
}

static void test_program_erase_timing(void **s)
{
    (void)s;
    for (uint8_t ebw = 0; ebw <= 1; ebw++) {
        struct rig *r = rig_new(ebw);
        assert_int_equal(dev(r)->state, FK_DEV_READY);
        assert_int_equal(dev(r)->erased_val, 0xff);
        uint8_t data[64], back[64];
        for (int i = 0; i < 64; i++) {
            data[i] = (uint8_t)(i + 1);
        }
        assert_int_equal(dev(r)->ops->prog(dev(r), 0x2000, data, sizeof data), FK_OK);
        assert_int_equal(dev(r)->ops->read(dev(r), 0x2000, back, sizeof back), FK_OK);
        assert_memory_equal(back, data, sizeof back);
        /* 16 words x 41 us, CPU halted: now and sum move together. */
        assert_true(r->clock.sum_us > 16 * 41 - 0.01 && r->clock.sum_us < 16 * 41 + 0.01);
        assert_true(r->clock.now_us == r->clock.sum_us);
        assert_int_equal(r->stats.words_programmed, 16);
        assert_int_equal(dev(r)->ops->erase(dev(r), 0x2000, 0x2000), FK_OK);
        assert_int_equal(r->chip.mem.data[0x2000], 0xff);
        assert_int_equal(r->stats.pages_erased, 2);
        assert_int_equal(r->stats.sector_erases[2], 1);
        assert_int_equal(r->stats.sector_erases[3], 1);
        assert_true(r->clock.sum_us > 16 * 41 + 2 * 85000 - 0.01);
        /* Driver leaves the NVMC in read mode. */
        assert_int_equal(r->chip.config, FK_NVMC_CONFIG_REN);
        assert_int_equal(r->stats.violations, 0);
        rig_free(r);
    }
}

static void test_unaligned_refused(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    uint8_t d[8] = {0};
    assert_int_equal(dev(r)->ops->prog(dev(r), 2, d, 4), FK_EALIGN);
    assert_int_equal(dev(r)->ops->prog(dev(r), 4, d, 6), FK_EALIGN);
    assert_int_equal(dev(r)->ops->erase(dev(r), 0x800, 0x1000), FK_EALIGN);
    /* The model itself refuses an unaligned store. */
    assert_int_equal(r->port.reg_write(r->port.ctx, FK_NVMC_CONFIG, FK_NVMC_CONFIG_WEN), FK_OK);
    assert_int_equal(r->port.word_write(r->port.ctx, 6, 0), FK_EALIGN);
    assert_int_equal(r->stats.last_violation, FK_EALIGN);
    assert_int_equal(r->chip.mem.data[6], 0xff);
    rig_free(r);
}

static void test_nwrite_limit(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    uint32_t w1 = 0xfffffff0u, w2 = 0xffffff00u, w3 = 0xffff0000u;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x100, &w1, 4), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x100, &w2, 4), FK_OK); /* nWRITE = 2 */
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x100, &w3, 4), FK_EWEAR);
    uint32_t now;
    memcpy(&now, r->chip.mem.data + 0x100, 4);
    assert_int_equal(now, w2);
    /* An erase resets the budget. */
    assert_int_equal(dev(r)->ops->erase(dev(r), 0, 0x1000), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x100, &w1, 4), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x100, &w3, 4), FK_OK);
    /* All-ones words are skipped by the driver: they cost no budget. */
    uint32_t ones = 0xffffffffu;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x200, &ones, 4), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x200, &w1, 4), FK_OK);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x200, &w2, 4), FK_OK);
    rig_free(r);
}

static void test_model_violations(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    /* Store without WEN: silicon ignores it, the model reports it. */
    assert_int_equal(r->port.word_write(r->port.ctx, 0, 0), FK_EIO);
    assert_int_equal(r->chip.mem.data[0], 0xff);
    /* ERASEPAGE without EEN. */
    memset(r->chip.mem.data, 0, 16);
    assert_int_equal(r->port.reg_write(r->port.ctx, FK_NVMC_ERASEPAGE, 0), FK_EIO);
    assert_int_equal(r->chip.mem.data[0], 0);
    /* 0 -> 1 */
    uint32_t v = 0x0000ffffu;
    memset(r->chip.mem.data + 0x40, 0xff, 4);
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x40, &v, 4), FK_OK);
    v = 0xffff0000u;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x40, &v, 4), FK_ENOTERASED);
    /* Lenient: AND, counted. */
    r->chip.lenient = 1;
    uint64_t before = r->stats.violations;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0x40, &v, 4), FK_OK);
    uint32_t now;
    memcpy(&now, r->chip.mem.data + 0x40, 4);
    assert_int_equal(now, 0);
    assert_int_equal(r->stats.violations, before + 1);
    rig_free(r);
}

static void test_ready_timeout(void **s)
{
    (void)s;
    struct rig *r = rig_new(0);
    r->chip.stuck = 1;
    uint32_t v = 0;
    assert_int_equal(dev(r)->ops->prog(dev(r), 0, &v, 4), FK_ETIMEDOUT);
    assert_int_equal(dev(r)->ops->sync(dev(r)), FK_ETIMEDOUT);
    rig_free(r);
}

static void test_init_checks(void **s)
{
    (void)s;
    struct fk_nvmc n;
    assert_int_equal(fk_nvmc_init(&n, NULL, NULL), FK_EINVAL);
    assert_int_equal(n.dev.state, FK_DEV_ABSENT);
    assert_non_null(strstr(n.dev.why, "no NVMC port"));
    struct rig *r = rig_new(0);
    struct fk_nvmc_cfg bad = {.page_size = 0x1800};
    assert_int_equal(fk_nvmc_init(&n, &r->port, &bad), FK_EINVAL);
    assert_int_equal(n.dev.state, FK_DEV_FAILED);
    struct fk_nvmc_cfg bad2 = {.write_size = 6};
    assert_int_equal(fk_nvmc_init(&n, &r->port, &bad2), FK_EINVAL);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_erase_timing),
        cmocka_unit_test(test_unaligned_refused),
        cmocka_unit_test(test_nwrite_limit),
        cmocka_unit_test(test_model_violations),
        cmocka_unit_test(test_ready_timeout),
        cmocka_unit_test(test_init_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
