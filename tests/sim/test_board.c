/* The simulated board: build from presets, I/O through the flash map,
 * timing/overlap figures, file backing, forced write size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fotakit/host/sim.h"

static void build(struct fk_sim_board *sb, const char *preset, const struct fk_sim_opts *o)
{
    struct fk_board b;
    assert_int_equal(fk_sim_board_preset(&b, preset), FK_OK);
    assert_int_equal(fk_sim_board_build(sb, &b, o), FK_OK);
}

static void test_build_seed_board(void **state)
{
    (void)state;
    struct fk_sim_board sb;
    build(&sb, "nrf5340-spi-nor-2mb", NULL);
    assert_int_equal(sb.count, 2);
    struct fk_flash_dev *in = fk_sim_board_dev(&sb, "flash_primary");
    struct fk_flash_dev *ex = fk_sim_board_dev(&sb, "external_flash");
    assert_non_null(in);
    assert_non_null(ex);
    assert_null(fk_sim_board_dev(&sb, "nope"));
    assert_int_equal(in->state, FK_DEV_READY);
    assert_int_equal(ex->state, FK_DEV_READY);
    assert_int_equal(in->size, 0x100000);
    assert_int_equal(in->write_size, 4);
    assert_int_equal(ex->size, 0x200000);
    assert_int_equal(ex->erase_size, 0x1000);
    assert_int_equal(ex->write_size, 1);
    assert_string_equal(ex->desc, "spi-nor on spi4");
    assert_true(sb.clock.now_us == 0 && sb.clock.sum_us == 0);
    fk_sim_board_free(&sb);
}

static void test_roundtrip_and_timing(void **state)
{
    (void)state;
    struct fk_sim_board sb;
    build(&sb, "nrf52840-spi-nor-2mb", NULL);
    struct fk_flash_area areas[] = {
        {.id = 1, .name = "mcuboot_primary", .dev = fk_sim_board_dev(&sb, "flash_primary"),
         .off = 0xc000, .size = 0x10000},
        {.id = 2, .name = "mcuboot_secondary", .dev = fk_sim_board_dev(&sb, "external_flash"),
         .off = 0, .size = 0x10000},
    };
    struct fk_flash_map map = {areas, 2};
    const struct fk_flash_area *p, *s;
    assert_int_equal(fk_flash_open(&map, 1, &p), FK_OK);
    assert_int_equal(fk_flash_open(&map, 2, &s), FK_OK);
    uint8_t buf[4096], back[4096];
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)(i * 7 + 3);
    }
    assert_int_equal(fk_flash_erase(p, 0, 4096), FK_OK);
    assert_int_equal(fk_flash_write(p, 0, buf, sizeof buf), FK_OK);
    assert_int_equal(fk_flash_read(p, 0, back, sizeof back), FK_OK);
    assert_memory_equal(buf, back, sizeof buf);
    /* internal: 85 ms + 1024 words x 41 us, CPU halted: sum == now */
    double want = 85000.0 + 1024 * 41.0;
    assert_true(sb.clock.sum_us > want - 1 && sb.clock.sum_us < want + 1);
    assert_true(sb.clock.now_us > want - 1 && sb.clock.now_us < want + 1);

    fk_sim_board_reset_stats(&sb);
    assert_int_equal(fk_flash_erase(s, 0, 4096), FK_OK);
    /* The NOR erase runs on its own: the CPU only paid the command transfer. */
    assert_true(sb.clock.now_us < 100);
    assert_true(fk_sim_board_overlap_us(&sb) > 40000);
    /* Meanwhile an internal erase: overlapped total ~85 ms, plain sum ~125 ms. */
    assert_int_equal(fk_flash_erase(p, 4096, 4096), FK_OK);
    assert_int_equal(fk_flash_sync(s), FK_OK);
    double ovl = fk_sim_board_overlap_us(&sb);
    assert_true(ovl > 85000 && ovl < 86000);
    assert_true(sb.clock.sum_us > 125000 && sb.clock.sum_us < 125100);
    assert_int_equal(fk_flash_write(s, 0, buf, sizeof buf), FK_OK);
    assert_int_equal(fk_flash_read(s, 0, back, sizeof back), FK_OK);
    assert_memory_equal(buf, back, sizeof buf);
    struct fk_sim_dev *sd = fk_sim_dev_of(s->dev);
    assert_int_equal(sd->stats.cmd_pp, 16);
    assert_int_equal(sd->stats.cmd_se, 1);
    assert_int_equal(sd->stats.sector_erases[0], 1);
    assert_int_equal(sd->stats.violations, 0);
    fk_sim_board_free(&sb);
}

static void test_forced_write_size(void **state)
{
    (void)state;
    struct fk_sim_board sb;
    struct fk_sim_opts o = {.force_write_size = 8};
    build(&sb, "nrf5340-spi-nor-2mb", &o);
    struct fk_flash_area a = {.id = 1, .name = "a", .dev = fk_sim_board_dev(&sb, "external_flash"),
                              .off = 0, .size = 0x2000};
    assert_int_equal(a.dev->write_size, 8);
    uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(fk_flash_write(&a, 4, b, 8), FK_EALIGN);
    assert_int_equal(fk_flash_write(&a, 8, b, 4), FK_EALIGN);
    assert_int_equal(fk_flash_write(&a, 8, b, 8), FK_OK);
    assert_int_equal(fk_flash_align(&a), 8);
    a.dev = fk_sim_board_dev(&sb, "flash_primary");
    assert_int_equal(a.dev->write_size, 8);
    assert_int_equal(fk_flash_write(&a, 4, b, 8), FK_EALIGN);
    assert_int_equal(fk_flash_write(&a, 16, b, 8), FK_OK);
    fk_sim_board_free(&sb);
}

static void test_file_backing_persists(void **state)
{
    (void)state;
    char dir[] = "/tmp/fk_flash_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct fk_sim_opts o = {.state_dir = dir};
    struct fk_sim_board sb;
    build(&sb, "nrf5340-spi-nor-2mb", &o);
    struct fk_flash_area a = {.id = 2, .name = "s", .dev = fk_sim_board_dev(&sb, "external_flash"),
                              .off = 0x1000, .size = 0x1000};
    uint8_t msg[16] = "persist me 1234";
    assert_int_equal(fk_flash_write(&a, 0x100, msg, sizeof msg), FK_OK);
    fk_sim_board_free(&sb); /* finishes the pending page program */

    build(&sb, "nrf5340-spi-nor-2mb", &o);
    a.dev = fk_sim_board_dev(&sb, "external_flash");
    uint8_t back[16];
    assert_int_equal(fk_flash_read(&a, 0x100, back, sizeof back), FK_OK);
    assert_memory_equal(back, msg, sizeof msg);
    fk_sim_board_free(&sb);

    char path[600];
    snprintf(path, sizeof path, "%s/external_flash.bin", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0x1100, SEEK_SET);
    assert_int_equal(fread(back, 1, sizeof back, f), sizeof back);
    fclose(f);
    assert_memory_equal(back, msg, sizeof msg);
    unlink(path);
    snprintf(path, sizeof path, "%s/flash_primary.bin", dir);
    unlink(path);
    rmdir(dir);
}

static void test_geometry_from_sfdp_and_build_errors(void **state)
{
    (void)state;
    struct fk_board b;
    assert_int_equal(fk_sim_board_preset(&b, "nrf52840-spi-nor-2mb"), FK_OK);
    /* A board file without NOR geometry: the driver learns it from SFDP. */
    b.dev[1].size = 0;
    b.dev[1].erase_size = 0;
    b.dev[1].page_size = 0;
    b.dev[1].kind = FK_KIND_QSPI_NOR;
    snprintf(b.dev[1].bus, sizeof b.dev[1].bus, "qspi");
    struct fk_sim_board sb;
    assert_int_equal(fk_sim_board_build(&sb, &b, NULL), FK_OK);
    struct fk_flash_dev *ex = fk_sim_board_dev(&sb, "external_flash");
    assert_int_equal(ex->state, FK_DEV_READY);
    assert_int_equal(ex->size, 0x200000);
    assert_int_equal(ex->erase_size, 0x1000);
    assert_true(fk_sim_dev_of(ex)->nor.sfdp_ok);
    assert_string_equal(ex->desc, "qspi-nor on qspi");
    struct fk_flash_dev *devs[FK_BOARD_MAX_DEVS];
    assert_int_equal(fk_sim_board_devs(&sb, devs), 2);
    assert_ptr_equal(devs[1], ex);
    fk_sim_board_free(&sb);

    /* Unnamed device; write size the NVMC cannot do; forced size that is not
     * a multiple of the device's own. */
    assert_int_equal(fk_sim_board_preset(&b, "nrf52840"), FK_OK);
    b.dev[0].name[0] = '\0';
    assert_int_equal(fk_sim_board_build(&sb, &b, NULL), FK_EINVAL);
    assert_int_equal(fk_sim_board_preset(&b, "nrf52840"), FK_OK);
    b.dev[0].write_size = 2;
    assert_int_equal(fk_sim_board_build(&sb, &b, NULL), FK_EINVAL);
    assert_int_equal(fk_sim_board_preset(&b, "nrf52840"), FK_OK);
    struct fk_sim_opts o = {.force_write_size = 6};
    assert_int_equal(fk_sim_board_build(&sb, &b, &o), FK_EINVAL);
    assert_int_equal(fk_sim_board_preset(&b, "no-such-board"), FK_ENOENT);

    /* A state file of the wrong size is refused, not silently reused. */
    char dir[] = "/tmp/fk_flash_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof path, "%s/flash_primary.bin", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("short", f);
    fclose(f);
    assert_int_equal(fk_sim_board_preset(&b, "nrf52840"), FK_OK);
    struct fk_sim_opts fo = {.state_dir = dir};
    assert_int_equal(fk_sim_board_build(&sb, &b, &fo), FK_EIO);
    unlink(path);
    rmdir(dir);
}

static void test_reset_stats_and_wear(void **state)
{
    (void)state;
    struct fk_sim_board sb;
    build(&sb, "nrf52840-spi-nor-2mb", NULL);
    struct fk_flash_dev *in = fk_sim_board_dev(&sb, "flash_primary");
    struct fk_sim_dev *sd = fk_sim_dev_of(in);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(in->ops->erase(in, 0x2000, 0x2000), FK_OK);
    }
    assert_int_equal(sd->stats.sector_erases[2], 3);
    assert_int_equal(sd->stats.sector_erases[3], 3);
    assert_int_equal(sd->stats.max_sector_erases, 3);
    assert_int_equal(sd->stats.erase_calls, 3);
    assert_int_equal(sd->stats.erase_bytes, 3 * 0x2000);
    assert_int_equal(sd->stats.sectors_erased, 6);
    fk_sim_board_reset_stats(&sb);
    assert_int_equal(sd->stats.sector_erases[2], 0);
    assert_int_equal(sd->stats.erase_calls, 0);
    assert_true(sb.clock.sum_us == 0 && sb.clock.now_us == 0);
    assert_null(fk_sim_dev_of(NULL));
    fk_sim_board_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_seed_board),
        cmocka_unit_test(test_roundtrip_and_timing),
        cmocka_unit_test(test_forced_write_size),
        cmocka_unit_test(test_file_backing_persists),
        cmocka_unit_test(test_geometry_from_sfdp_and_build_errors),
        cmocka_unit_test(test_reset_stats_and_wear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
