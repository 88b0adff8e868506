/* Weakly erased cells (fotakit/host/sim.h "Weakly erased cells"): a torn
 * erase leaves its range weak on both chips (reads 0xff or old/0xff runs,
 * loses programmed bits until a complete erase), deterministically from the
 * seed; the NVMC keeps its write counts; a NOR reset during an erase and a
 * cut while a NOR erase runs weaken too; weak_late defers the loss to the
 * settle; kind_erase gives the old model back; fk_sim_dev_weaken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fotakit/host/sim.h"

struct run {
    struct fk_sim_board sb;
    struct fk_flash_dev *in, *ex;
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

static void setup_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++) {
        pattern[i] = (uint8_t)(i * 29 + 7) & 0x7f; /* never 0xff words */
    }
}

static int all_ff(const uint8_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i] != 0xff) {
            return 0;
        }
    }
    return 1;
}

/* Program the pattern into [off, off+0x1000) of dev (synced); count the
 * bytes that differ from it and check that every difference is a 0 bit
 * read as 1 (weak cells only lose programmed bits). */
static int prog_and_diff(struct fk_flash_dev *d, uint32_t off)
{
    assert_int_equal(d->ops->prog(d, off, pattern, 0x1000), FK_OK);
    assert_int_equal(d->ops->sync(d), FK_OK);
    uint8_t back[0x1000];
    assert_int_equal(d->ops->read(d, off, back, sizeof back), FK_OK);
    int n = 0;
    for (size_t i = 0; i < sizeof back; i++) {
        assert_int_equal(back[i] & pattern[i], pattern[i]);
        n += back[i] != pattern[i];
    }
    return n;
}

/* Tear an erase of sector `off` of dev (old contents 0x00) with `seed`;
 * returns 1 when the torn sector reads all 0xff. */
static int torn_erase(struct run *r, struct fk_flash_dev *d, uint32_t off, uint64_t seed)
{
    uint8_t *m = fk_sim_dev_mem(d, NULL);
    memset(m + off, 0x00, 0x1000);
    fk_sim_power_arm(&r->sb, 1, FK_SIM_CUT_TEAR, seed);
    assert_int_equal(d->ops->erase(d, off, 0x1000), FK_EIO);
    assert_int_equal(fk_sim_power_restore(&r->sb), FK_OK);
    fk_sim_power_arm(&r->sb, 0, FK_SIM_CUT_NONE, 0);
    return all_ff(m + off, 0x1000);
}

/* Both chips: a torn erase leaves the sector weak, sometimes reading all
 * 0xff, sometimes old/0xff runs; what is programmed there loses bits until
 * a complete erase; the same seed gives the same bytes. */
static void test_torn_erase_weak(void **s)
{
    (void)s;
    setup_pattern();
    for (int dev = 0; dev < 2; dev++) {
        int reads_ff = 0, mixed = 0;
        for (uint64_t seed = 1; seed <= 16; seed++) {
            struct run r;
            run_init(&r);
            struct fk_flash_dev *d = dev ? r.ex : r.in;
            int ff = torn_erase(&r, d, 0x2000, seed);
            reads_ff += ff;
            mixed += !ff;
            assert_int_equal(fk_sim_dev_weak_bytes(d, 0x2000, 0x1000), 0x1000);
            assert_int_equal(fk_sim_dev_weak_bytes(d, 0x1000, 0x1000), 0); /* neighbours sound */
            assert_int_equal(fk_sim_dev_weak_bytes(d, 0x3000, 0x1000), 0);
            assert_int_equal(fk_sim_dev_of(d)->stats.weak_erases, 1);
            if (ff) {
                /* reads erased, is not: about half the programmed 0 bits leak */
                int lost = prog_and_diff(d, 0x2000);
                assert_true(lost > 0x1000 / 2);
                assert_true(fk_sim_dev_of(d)->stats.weak_lost_bits > 0);
                /* same seed, same state */
                uint8_t copy[0x1000];
                memcpy(copy, fk_sim_dev_mem(d, NULL) + 0x2000, sizeof copy);
                struct run r2;
                run_init(&r2);
                struct fk_flash_dev *d2 = dev ? r2.ex : r2.in;
                assert_int_equal(torn_erase(&r2, d2, 0x2000, seed), 1);
                assert_int_equal(prog_and_diff(d2, 0x2000), lost);
                assert_memory_equal(copy, fk_sim_dev_mem(d2, NULL) + 0x2000, sizeof copy);
                fk_sim_board_free(&r2.sb);
            }
            /* a complete erase heals the sector */
            assert_int_equal(d->ops->erase(d, 0x2000, 0x1000), FK_OK);
            assert_int_equal(d->ops->sync(d), FK_OK);
            assert_int_equal(fk_sim_dev_weak_bytes(d, 0x2000, 0x1000), 0);
            assert_int_equal(prog_and_diff(d, 0x2000), 0);
            fk_sim_board_free(&r.sb);
        }
        assert_true(reads_ff > 0 && mixed > 0);
    }
}

/* The NVMC keeps counting writes per word across a torn erase: two
 * programs of a word, a torn erase that reads 0xff, a third program is
 * over nWRITE. The kind model reset the counts. */
static void test_nvmc_counts_survive_torn_erase(void **s)
{
    (void)s;
    for (int kind = 0; kind < 2; kind++) {
        uint64_t seed = 1;
        for (;; seed++) {
            assert_true(seed < 64);
            struct run r;
            run_init(&r);
            r.sb.power.kind_erase = (uint8_t)kind;
            uint32_t w1 = 0xfffffff0u, w2 = 0xffffff00u, w3 = 0x12345678u;
            assert_int_equal(r.in->ops->prog(r.in, 0x3000, &w1, 4), FK_OK);
            assert_int_equal(r.in->ops->prog(r.in, 0x3000, &w2, 4), FK_OK);
            fk_sim_power_arm(&r.sb, 1, FK_SIM_CUT_TEAR, seed);
            assert_int_equal(r.in->ops->erase(r.in, 0x3000, 0x1000), FK_EIO);
            assert_int_equal(fk_sim_power_restore(&r.sb), FK_OK);
            fk_sim_power_arm(&r.sb, 0, FK_SIM_CUT_NONE, 0);
            if (!all_ff(fk_sim_dev_mem(r.in, NULL) + 0x3000, 0x1000)) {
                fk_sim_board_free(&r.sb);
                continue;
            }
            assert_int_equal(r.in->ops->prog(r.in, 0x3000, &w3, 4), kind ? FK_OK : FK_EWEAR);
            assert_int_equal(fk_sim_dev_weak_bytes(r.in, 0x3000, 0x1000), kind ? 0 : 0x1000);
            fk_sim_board_free(&r.sb);
            break;
        }
    }
}

/* A NOR software reset (66h 99h) during a sector erase leaves it weak. */
static void test_nor_reset_during_erase(void **s)
{
    (void)s;
    struct run r;
    run_init(&r);
    struct fk_sim_dev *sd = fk_sim_dev_of(r.ex);
    struct fk_spi_bus *bus = &sd->bus;
    memset(fk_sim_dev_mem(r.ex, NULL) + 0x5000, 0, 0x1000);
    uint8_t wren = FK_NOR_OP_WREN, se[4] = {FK_NOR_OP_SE, 0x00, 0x50, 0x00};
    uint8_t rsten = FK_NOR_OP_RSTEN, rst = FK_NOR_OP_RST;
    struct fk_spi_xfer x;
    x = (struct fk_spi_xfer){.tx = &wren, .len = 1};
    assert_int_equal(bus->transceive(bus->ctx, &x, 1), FK_OK);
    x = (struct fk_spi_xfer){.tx = se, .len = 4};
    assert_int_equal(bus->transceive(bus->ctx, &x, 1), FK_OK);
    x = (struct fk_spi_xfer){.tx = &rsten, .len = 1};
    assert_int_equal(bus->transceive(bus->ctx, &x, 1), FK_OK);
    x = (struct fk_spi_xfer){.tx = &rst, .len = 1};
    assert_int_equal(bus->transceive(bus->ctx, &x, 1), FK_OK);
    assert_int_equal(fk_sim_dev_weak_bytes(r.ex, 0x5000, 0x1000), 0x1000);
    assert_int_equal(sd->stats.weak_erases, 1);
    fk_sim_board_free(&r.sb);
}

/* A cut while a NOR erase is still running (not synced) weakens it. */
static void test_cut_during_running_nor_erase(void **s)
{
    (void)s;
    setup_pattern();
    struct run r;
    run_init(&r);
    fk_sim_power_arm(&r.sb, 2, FK_SIM_CUT_BEFORE, 3);
    assert_int_equal(r.ex->ops->erase(r.ex, 0x10000, 0x1000), FK_OK);
    assert_int_equal(r.in->ops->prog(r.in, 0, pattern, 4), FK_EIO);
    assert_int_equal(fk_sim_power_restore(&r.sb), FK_OK);
    assert_int_equal(fk_sim_dev_weak_bytes(r.ex, 0x10000, 0x1000), 0x1000);
    fk_sim_board_free(&r.sb);
}

/* fk_sim_dev_weaken: reads 0xff, loses programmed bits; weak_late defers
 * the loss to the settle (a read-back right after the program passes). */
static void test_weaken_and_late(void **s)
{
    (void)s;
    setup_pattern();
    for (int dev = 0; dev < 2; dev++) {
        struct run r;
        run_init(&r);
        struct fk_flash_dev *d = dev ? r.ex : r.in;
        uint8_t *m = fk_sim_dev_mem(d, NULL);
        memset(m + 0x4000, 0x00, 0x3000);
        assert_int_equal(fk_sim_dev_weaken(d, 0x5000, 0x1000), FK_OK);
        assert_int_equal(all_ff(m + 0x5000, 0x1000), 1);
        assert_int_equal(m[0x4fff], 0x00); /* outside: untouched */
        assert_int_equal(m[0x6000], 0x00);
        assert_int_equal(fk_sim_dev_weak_bytes(d, 0x4000, 0x3000), 0x1000);
        assert_int_equal(fk_sim_dev_weaken(d, (uint32_t)d->size - 4, 8), FK_ERANGE);
        assert_true(prog_and_diff(d, 0x5000) > 0x1000 / 2);

        /* late: the program reads back right, the settle loses the bits */
        assert_int_equal(d->ops->erase(d, 0x5000, 0x1000), FK_OK);
        assert_int_equal(d->ops->sync(d), FK_OK);
        assert_int_equal(fk_sim_dev_weaken(d, 0x5000, 0x1000), FK_OK);
        r.sb.power.weak_late = 1;
        assert_int_equal(prog_and_diff(d, 0x5000), 0);
        fk_sim_board_settle(&r.sb);
        int lost = 0;
        for (int i = 0; i < 0x1000; i++) {
            assert_int_equal(m[0x5000 + i] & pattern[i], pattern[i]);
            lost += m[0x5000 + i] != pattern[i];
        }
        assert_true(lost > 0x1000 / 2);
        /* the power restore settles too */
        assert_int_equal(d->ops->erase(d, 0x5000, 0x1000), FK_OK);
        assert_int_equal(d->ops->sync(d), FK_OK);
        assert_int_equal(fk_sim_dev_weaken(d, 0x5000, 0x1000), FK_OK);
        assert_int_equal(prog_and_diff(d, 0x5000), 0);
        fk_sim_power_cut(&r.sb);
        assert_int_equal(fk_sim_power_restore(&r.sb), FK_OK);
        assert_memory_not_equal(m + 0x5000, pattern, 0x1000);
        /* heal: sound again */
        fk_sim_board_heal(&r.sb);
        assert_int_equal(fk_sim_dev_weak_bytes(d, 0, (uint32_t)d->size), 0);
        fk_sim_board_free(&r.sb);
    }
}

/* kind_erase: a torn erase leaves nothing weak and later programs hold. */
static void test_kind_model(void **s)
{
    (void)s;
    setup_pattern();
    for (uint64_t seed = 1; seed <= 8; seed++) {
        struct run r;
        run_init(&r);
        r.sb.power.kind_erase = 1;
        int ff = torn_erase(&r, r.ex, 0x2000, seed);
        assert_int_equal(ff, 0); /* old/0xff runs */
        assert_int_equal(fk_sim_dev_weak_bytes(r.ex, 0, 0x10000), 0);
        fk_sim_board_free(&r.sb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torn_erase_weak),
        cmocka_unit_test(test_nvmc_counts_survive_torn_erase),
        cmocka_unit_test(test_nor_reset_during_erase),
        cmocka_unit_test(test_cut_during_running_nor_erase),
        cmocka_unit_test(test_weaken_and_late),
        cmocka_unit_test(test_kind_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
