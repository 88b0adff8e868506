/* Power-cut injector: counting, cut before call k (a reset: device code
 * run through fk_sim_board_run does not go on), torn program/erase on
 * both chips, tearing of a NOR operation still running, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fotakit/host/sim.h"

struct run {
    struct fk_sim_board sb;
    struct fk_flash_dev *in, *ex;
    int step; /* the scenario's step in progress */
};

static void run_init(struct run *r)
{
    struct fk_board b;
    assert_int_equal(fk_sim_board_preset(&b, "nrf5340-spi-nor-2mb"), FK_OK);
    assert_int_equal(fk_sim_board_build(&r->sb, &b, NULL), FK_OK);
    r->in = fk_sim_board_dev(&r->sb, "flash_primary");
    r->ex = fk_sim_board_dev(&r->sb, "external_flash");
}

static uint8_t pattern[4096];

/* A small "scenario": 6 program/erase calls over both devices. */
static int scenario(struct run *r, int *failed_at)
{
    int rc;
    int i = 0;
#define STEP(call)                                                                                 \
    do {                                                                                           \
        r->step = ++i;                                                                             \
        rc = (call);                                                                               \
        if (rc != FK_OK) {                                                                         \
            *failed_at = i;                                                                        \
            return rc;                                                                             \
        }                                                                                          \
    } while (0)
    STEP(r->ex->ops->erase(r->ex, 0, 0x1000));
    STEP(r->in->ops->erase(r->in, 0, 0x1000));
    STEP(r->in->ops->prog(r->in, 0, pattern, 0x1000));
    STEP(r->ex->ops->prog(r->ex, 0, pattern, 0x1000));
    STEP(r->ex->ops->sync(r->ex));
    STEP(r->in->ops->erase(r->in, 0x1000, 0x1000));
    STEP(r->in->ops->prog(r->in, 0x1000, pattern, 8));
#undef STEP
    *failed_at = 0;
    return FK_OK;
}

static int scenario_fn(void *ctx)
{
    int at;
    return scenario(ctx, &at);
}

/* The scenario as device code: -1 when a power cut reset it (it does not
 * go on past the cut: r->step is the step that was cut), else its result. */
static int run_scenario(struct run *r)
{
    int rc = FK_EINVAL;
    r->step = 0;
    return fk_sim_board_run(&r->sb, scenario_fn, r, &rc) ? -1 : rc;
}

static void setup_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++) {
        pattern[i] = (uint8_t)(i * 29 + 7) & 0x7f; /* never 0xff words */
    }
}

static void test_count_then_cut_before_each(void **s)
{
    (void)s;
    setup_pattern();
    struct run r;
    run_init(&r);
    fk_sim_power_arm(&r.sb, 0, FK_SIM_CUT_NONE, 0);
    int at;
    assert_int_equal(scenario(&r, &at), FK_OK);
    uint32_t n = fk_sim_power_count(&r.sb);
    assert_int_equal(n, 6); /* sync is not a program/erase call */
    fk_sim_board_free(&r.sb);

    for (uint32_t k = 1; k <= n; k++) {
        run_init(&r);
        uint8_t *in = fk_sim_dev_mem(r.in, NULL);
        memset(in, 0, 0x2000); /* old contents, to see what was erased */
        fk_sim_power_arm(&r.sb, k, FK_SIM_CUT_BEFORE, 1);
        assert_int_equal(run_scenario(&r), -1);
        assert_int_equal(r.step, k <= 4 ? (int)k : (int)k + 1); /* (step 5 is a sync) */
        assert_true(fk_sim_power_is_off(&r.sb));
        /* Outside a run, no device answers now. */
        uint8_t b[4];
        assert_int_equal(r.in->ops->read(r.in, 0, b, 4), FK_EIO);
        assert_int_equal(r.ex->ops->read(r.ex, 0, b, 4), FK_EIO);
        assert_int_equal(r.ex->ops->sync(r.ex), FK_EIO);
        assert_int_equal(fk_sim_power_count(&r.sb), k);
        /* Call k (the k-th program/erase) did not touch its target. */
        if (k == 2) {
            assert_int_equal(in[0], 0x00);
        }
        if (k == 3) {
            assert_int_equal(in[0], 0xff); /* erased by call 2, program never ran */
            assert_int_equal(in[0xfff], 0xff);
        }
        if (k == 5) {
            assert_int_equal(in[0x1000], 0x00); /* erase 5 never ran */
        }
        if (k == 6) {
            assert_int_equal(in[0x1000], 0xff); /* erased by call 5, not programmed */
            assert_int_equal(in[0x1001], 0xff);
        }
        assert_int_equal(fk_sim_power_restore(&r.sb), FK_OK);
        assert_false(fk_sim_power_is_off(&r.sb));
        assert_int_equal(r.in->ops->read(r.in, 0, b, 4), FK_OK);
        assert_int_equal(r.ex->ops->read(r.ex, 0, b, 4), FK_OK);
        fk_sim_board_free(&r.sb);
    }
}

/* Every k, torn: the scenario stops exactly at call k, power is off, and a
 * restored board works again. */
static void test_tear_sweep(void **s)
{
    (void)s;
    setup_pattern();
    for (uint32_t k = 1; k <= 6; k++) {
        struct run r;
        run_init(&r);
        fk_sim_power_arm(&r.sb, k, FK_SIM_CUT_TEAR, 1000 + k);
        assert_int_equal(run_scenario(&r), -1);
        assert_int_equal(r.step, k <= 4 ? (int)k : (int)k + 1);
        assert_int_equal(fk_sim_power_count(&r.sb), k);
        assert_int_equal(r.sb.power.cuts, 1);
        assert_true(fk_sim_power_is_off(&r.sb));
        assert_int_equal(fk_sim_power_restore(&r.sb), FK_OK);
        fk_sim_power_arm(&r.sb, 0, FK_SIM_CUT_NONE, 0);
        assert_int_equal(r.in->ops->erase(r.in, 0, 0x1000), FK_OK);
        assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 0x1000), FK_OK);
        assert_int_equal(r.ex->ops->erase(r.ex, 0, 0x1000), FK_OK);
        assert_int_equal(r.ex->ops->prog(r.ex, 0, pattern, 0x1000), FK_OK);
        assert_int_equal(r.ex->ops->sync(r.ex), FK_OK);
        assert_memory_equal(fk_sim_dev_mem(r.in, NULL), pattern, 0x1000);
        assert_memory_equal(fk_sim_dev_mem(r.ex, NULL), pattern, 0x1000);
        fk_sim_board_free(&r.sb);
    }
}

/* words[0..j) fully programmed, word j partial or either, words after j erased */
static void check_torn_prog(const uint8_t *mem, const uint8_t *want, size_t len, size_t unit,
                            size_t *torn_at)
{
    size_t j = 0;
    while (j < len && memcmp(mem + j, want + j, unit) == 0) {
        j += unit;
    }
    *torn_at = j;
    for (size_t i = j + unit; i < len; i++) {
        assert_int_equal(mem[i], 0xff);
    }
    if (j < len) {
        for (size_t i = j; i < j + unit; i++) {
            /* only bits the program would clear may be cleared */
            assert_int_equal(mem[i] & want[i], want[i]);
        }
    }
}

static void test_torn_program_internal(void **s)
{
    (void)s;
    setup_pattern();
    size_t first = 0;
    int varied = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        struct run r;
        run_init(&r);
        fk_sim_power_arm(&r.sb, 1, FK_SIM_CUT_TEAR, seed);
        assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 0x1000), FK_EIO);
        assert_true(fk_sim_power_is_off(&r.sb));
        size_t at;
        check_torn_prog(fk_sim_dev_mem(r.in, NULL), pattern, 0x1000, 4, &at);
        assert_true(at < 0x1000);
        if (seed == 1) {
            first = at;
        } else {
            varied |= at != first;
        }
        /* Same seed, same tear. */
        uint8_t copy[0x1000];
        memcpy(copy, fk_sim_dev_mem(r.in, NULL), sizeof copy);
        fk_sim_board_free(&r.sb);
        run_init(&r);
        fk_sim_power_arm(&r.sb, 1, FK_SIM_CUT_TEAR, seed);
        assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 0x1000), FK_EIO);
        assert_memory_equal(copy, fk_sim_dev_mem(r.in, NULL), sizeof copy);
        fk_sim_board_free(&r.sb);
    }
    assert_true(varied); /* different seeds tear at different places */
}

static void test_torn_program_nor(void **s)
{
    (void)s;
    setup_pattern();
    struct run r;
    run_init(&r);
    fk_sim_power_arm(&r.sb, 1, FK_SIM_CUT_TEAR, 42);
    assert_int_equal(r.ex->ops->prog(r.ex, 0, pattern, 0x1000), FK_EIO);
    const uint8_t *m = fk_sim_dev_mem(r.ex, NULL);
    size_t at;
    /* page granularity: whole pages before, one torn page, erased after */
    check_torn_prog(m, pattern, 0x1000, 256, &at);
    assert_true(at < 0x1000);
    int partial = 0;
    for (size_t i = at; i < at + 256; i++) {
        partial |= m[i] != pattern[i] && m[i] != 0xff;
    }
    assert_true(partial); /* some, not all, bits of the torn page made it */
    fk_sim_board_free(&r.sb);
}

static void count_mix(const uint8_t *m, size_t len, uint8_t old, int *n_old, int *n_ff)
{
    *n_old = *n_ff = 0;
    for (size_t i = 0; i < len; i++) {
        *n_old += m[i] == old;
        *n_ff += m[i] == 0xff;
    }
}

static void test_torn_erase_both(void **s)
{
    (void)s;
    struct run r;
    run_init(&r);
    uint8_t *in = fk_sim_dev_mem(r.in, NULL);
    uint8_t *ex = fk_sim_dev_mem(r.ex, NULL);
    memset(in, 0x00, 0x4000);
    memset(ex, 0x00, 0x4000);
    int n_old, n_ff;
    r.sb.power.kind_erase = 1; /* the kind model's runs (test_weak.c: the honest one) */
    fk_sim_power_arm(&r.sb, 1, FK_SIM_CUT_TEAR, 7);
    assert_int_equal(r.in->ops->erase(r.in, 0, 0x4000), FK_EIO);
    /* pages before the torn one erased, the torn one mixed, after: old */
    int pages_ff = 0, torn = 0, pages_old = 0;
    for (int p = 0; p < 4; p++) {
        count_mix(in + p * 0x1000, 0x1000, 0, &n_old, &n_ff);
        pages_ff += n_ff == 0x1000;
        pages_old += n_old == 0x1000;
        torn += n_old > 0 && n_ff > 0;
    }
    assert_int_equal(torn, 1);
    assert_int_equal(pages_ff + pages_old + torn, 4);
    assert_int_equal(fk_sim_power_restore(&r.sb), FK_OK);

    fk_sim_power_arm(&r.sb, 1, FK_SIM_CUT_TEAR, 8);
    assert_int_equal(r.ex->ops->erase(r.ex, 0, 0x1000), FK_EIO);
    count_mix(ex, 0x1000, 0, &n_old, &n_ff);
    assert_true(n_old > 0 && n_ff > 0 && n_old + n_ff == 0x1000);
    fk_sim_board_free(&r.sb);
}

static void test_cut_tears_running_nor_operation(void **s)
{
    (void)s;
    setup_pattern();
    struct run r;
    int n_old, n_ff;
    /* The NOR erase is still running when call 2 starts: the cut tears it. */
    run_init(&r);
    r.sb.power.kind_erase = 1; /* the kind model's runs (test_weak.c: the honest one) */
    uint8_t *ex = fk_sim_dev_mem(r.ex, NULL);
    memset(ex, 0, 0x1000);
    fk_sim_power_arm(&r.sb, 2, FK_SIM_CUT_BEFORE, 3);
    assert_int_equal(r.ex->ops->erase(r.ex, 0, 0x1000), FK_OK);
    assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 4), FK_EIO);
    count_mix(ex, 0x1000, 0, &n_old, &n_ff);
    assert_true(n_old > 0 && n_ff > 0);
    fk_sim_board_free(&r.sb);

    /* Synced first: the erase completed before the cut. */
    run_init(&r);
    ex = fk_sim_dev_mem(r.ex, NULL);
    memset(ex, 0, 0x1000);
    fk_sim_power_arm(&r.sb, 2, FK_SIM_CUT_BEFORE, 3);
    assert_int_equal(r.ex->ops->erase(r.ex, 0, 0x1000), FK_OK);
    assert_int_equal(r.ex->ops->sync(r.ex), FK_OK);
    assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 4), FK_EIO);
    count_mix(ex, 0x1000, 0, &n_old, &n_ff);
    assert_int_equal(n_ff, 0x1000);
    fk_sim_board_free(&r.sb);

    /* Enough internal work in between: the erase finished on its own. */
    run_init(&r);
    ex = fk_sim_dev_mem(r.ex, NULL);
    memset(ex, 0, 0x1000);
    fk_sim_power_arm(&r.sb, 3, FK_SIM_CUT_BEFORE, 3);
    assert_int_equal(r.ex->ops->erase(r.ex, 0, 0x1000), FK_OK);
    assert_int_equal(r.in->ops->erase(r.in, 0, 0x1000), FK_OK); /* 87.5 ms > 40 ms */
    assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 4), FK_EIO);
    count_mix(ex, 0x1000, 0, &n_old, &n_ff);
    assert_int_equal(n_ff, 0x1000);
    fk_sim_board_free(&r.sb);
}

static void test_explicit_cut_and_absent_chip(void **s)
{
    (void)s;
    struct run r;
    run_init(&r);
    fk_sim_power_cut(&r.sb);
    uint8_t b[4] = {0};
    assert_int_equal(r.in->ops->prog(r.in, 0, b, 4), FK_EIO);
    fk_sim_board_free(&r.sb);
    char buf[300];

    /* absent_mask: the NOR chip does not answer; the board still builds. */
    struct fk_board bd;
    assert_int_equal(fk_sim_board_preset(&bd, "nrf5340-spi-nor-2mb"), FK_OK);
    struct fk_sim_opts o = {.absent_mask = 1u << 1};
    assert_int_equal(fk_sim_board_build(&r.sb, &bd, &o), FK_OK);
    struct fk_flash_dev *ex = fk_sim_board_dev(&r.sb, "external_flash");
    assert_int_equal(ex->state, FK_DEV_FAILED);
    struct fk_flash_area sec = {.id = 2, .name = "mcuboot_secondary", .dev = ex, .size = 0xe8000};
    struct fk_flash_map m2 = {&sec, 1};
    const struct fk_flash_area *fa;
    int rc = fk_flash_open(&m2, 2, &fa);
    assert_int_equal(rc, FK_ENODEV);
    assert_string_equal(fk_flash_explain(&m2, 2, rc, buf, sizeof buf),
                        "mcuboot_secondary: device external_flash (spi-nor on spi4) is not ready: "
                        "JEDEC ID read ff ff ff, expected c2 28 15; is the chip powered and its "
                        "bus driver built into this image?");
    fk_sim_board_free(&r.sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_then_cut_before_each),
        cmocka_unit_test(test_tear_sweep),
        cmocka_unit_test(test_torn_program_internal),
        cmocka_unit_test(test_torn_program_nor),
        cmocka_unit_test(test_torn_erase_both),
        cmocka_unit_test(test_cut_tears_running_nor_operation),
        cmocka_unit_test(test_explicit_cut_and_absent_chip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
