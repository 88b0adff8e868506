/*
 * Every file in ../shared/layouts with its board, as the README table says:
 * good layouts pass, each broken one fails naming the right partition and
 * rule, the seed layout on a board without the external flash gives the -19
 * explanation. Plus the flash map built from them.
 */
#include "lt_util.h"

#include "fotakit/flash.h"

static struct fk_layout_report rep;

static int check(const char *layout, const char *board, int strategy)
{
    struct fk_layout *l = lt_layout(layout);
    struct fk_board *b = lt_board(board);
    int e = fk_layout_check(l, b, board, strategy, &rep);
    assert_int_equal(e, (int)rep.errors);
    free(l);
    free(b);
    return e;
}

static void clean_layouts(void **state)
{
    (void)state;
    static const char *const good[][2] = {
        {"nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml"},
        {"nrf52840-spi-nor-2mb.pm_static.yml", "nrf52840-spi-nor-2mb.board.yml"},
        {"nrf52840-internal-only.pm_static.yml", "nrf52840.board.yml"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int e = check(good[i][0], good[i][1], -1);
        if (e != 0) {
            lt_dump(&rep);
        }
        assert_int_equal(e, 0);
        assert_int_equal(rep.warnings, 0);
        /* both strategies work on them, and asking for either is no error */
        assert_true(rep.strat[FK_STRATEGY_SWAP].supported);
        assert_true(rep.strat[FK_STRATEGY_OVERWRITE].supported);
        assert_int_equal(check(good[i][0], good[i][1], FK_STRATEGY_SWAP), 0);
        assert_int_equal(check(good[i][0], good[i][1], FK_STRATEGY_OVERWRITE), 0);
        /* none of them has fotakit_counters: the note says protection is off */
        const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_COUNTERS, NULL);
        assert_non_null(f);
        assert_int_equal(f->sev, FK_LAYOUT_NOTE);
        assert_has(f->msg, "downgrade protection by security counter is off");
    }
}

static void seed_numbers(void **state)
{
    (void)state;
    assert_int_equal(check("nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml", -1), 0);
    /* equal 0xe8000 slots, 4 KB units: secondary 232 - 1 spare - 1 trailer = 230 */
    assert_int_equal(rep.strat[FK_STRATEGY_SWAP].max_image, 230 * 0x1000);
    assert_int_equal(rep.strat[FK_STRATEGY_SWAP].trailer, 0x1000);
    /* nRF52840 + NOR: primary 0x76000 (118 units) - 1 trailer = 117 limits */
    assert_int_equal(check("nrf52840-spi-nor-2mb.pm_static.yml", "nrf52840-spi-nor-2mb.board.yml", -1), 0);
    assert_int_equal(rep.strat[FK_STRATEGY_SWAP].max_image, 117 * 0x1000);
    /* internal only: secondary 117 units - 2 = 115; and the one-page
     * difference is a note naming both slots */
    assert_int_equal(check("nrf52840-internal-only.pm_static.yml", "nrf52840.board.yml", -1), 0);
    assert_int_equal(rep.strat[FK_STRATEGY_SWAP].max_image, 115 * 0x1000);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_SLOT_SIZE, "mcuboot_secondary");
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_NOTE);
    assert_string_equal(f->part2, "mcuboot_primary");
}

static void no_ext_flash_is_the_19_class(void **state)
{
    (void)state;
    int e = check("nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-no-ext-flash.board.yml", -1);
    assert_int_equal(e, 2);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_NO_DEVICE, "mcuboot_secondary"), 1);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_NO_DEVICE, "external_flash"), 1);
    /* the slot comes first and says it in those words */
    assert_int_equal(rep.f[0].rule, FK_RULE_NO_DEVICE);
    assert_string_equal(rep.f[0].part, "mcuboot_secondary");
    const char *m = rep.f[0].msg;
    assert_has(m, "mcuboot_secondary");
    assert_has(m, "DT_CHOSEN(nordic_pm_ext_flash)");
    assert_has(m, "region external_flash");
    assert_has(m, "which board nrf5340-no-ext-flash.board.yml does not define");
    assert_has(m, "cannot open this flash area");
    assert_has(m, "Failed to open flash area ... -19");
    assert_has(m, "chosen: nordic_pm_ext_flash");
    assert_has(m, "in both the bootloader and the application");
    /* and no strategy works: the secondary is unreachable */
    assert_false(rep.strat[FK_STRATEGY_SWAP].supported);
    assert_has(rep.strat[FK_STRATEGY_SWAP].reason, "does not define");
    /* --strategy swap adds the strategy error */
    assert_int_equal(check("nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-no-ext-flash.board.yml",
                           FK_STRATEGY_SWAP), 3);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_STRATEGY, NULL), 1);
}

static void unaligned_secondary(void **state)
{
    (void)state;
    int e = check("nrf5340-spi-nor-2mb.broken-secondary-unaligned.pm_static.yml",
                  "nrf5340-spi-nor-2mb.board.yml", -1);
    if (e != 2) {
        lt_dump(&rep);
    }
    assert_int_equal(e, 2);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_ERASE_ALIGN, "mcuboot_secondary");
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_ERROR);
    assert_has(f->msg, "[0x100-0xe8100)");
    assert_has(f->msg, "starts 0x100");
    assert_has(f->msg, "0x1000-byte erase sector");
    assert_has(f->msg, "fix: move it to 0x0");
    f = lt_find(&rep, FK_RULE_OVERLAP, "mcuboot_secondary");
    assert_non_null(f);
    assert_string_equal(f->part, "mcuboot_secondary");
    assert_string_equal(f->part2, "external_flash");
    assert_has(f->msg, "overlap by 0x100 bytes at [0xe8000-0xe8100)");
}

static void half_secondary(void **state)
{
    (void)state;
    int e = check("nrf5340-spi-nor-2mb.broken-secondary-half.pm_static.yml",
                  "nrf5340-spi-nor-2mb.board.yml", -1);
    if (e != 2) {
        lt_dump(&rep);
    }
    assert_int_equal(e, 2);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_SLOT_SIZE, "mcuboot_secondary");
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_ERROR);
    assert_string_equal(f->part, "mcuboot_secondary");
    assert_string_equal(f->part2, "mcuboot_primary");
    assert_has(f->msg, "mcuboot_secondary (0x74000 bytes)");
    assert_has(f->msg, "mcuboot_primary (0xe8000)");
    /* the largest image an update can carry: 0x74000/4K = 116 - 2 = 114 units */
    assert_has(f->msg, "largest image an update can carry is 0x72000");
    assert_int_equal(rep.strat[FK_STRATEGY_SWAP].max_image, 0x72000);
    f = lt_find(&rep, FK_RULE_SHARE_SIZE, "mcuboot_secondary");
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_ERROR);
    assert_has(f->msg, "share_size with mcuboot_primary");
    /* nothing else is wrong with it */
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_ERASE_ALIGN, NULL), 0);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_OVERLAP, NULL), 0);
}

/* ---- flash map ---------------------------------------------------------- */

static int d_read(struct fk_flash_dev *d, uint32_t off, void *buf, size_t len)
{
    (void)d;
    (void)off;
    memset(buf, 0xff, len);
    return 0;
}
static int d_prog(struct fk_flash_dev *d, uint32_t off, const void *buf, size_t len)
{
    (void)d, (void)off, (void)buf, (void)len;
    return 0;
}
static int d_erase(struct fk_flash_dev *d, uint32_t off, size_t len)
{
    (void)d, (void)off, (void)len;
    return 0;
}
static const struct fk_flash_ops dops = {d_read, d_prog, d_erase, NULL};

static void fake_dev(struct fk_flash_dev *d, const struct fk_board_dev *bd)
{
    memset(d, 0, sizeof *d);
    d->name = bd->name;
    d->desc = fk_board_kind_name(bd->kind);
    d->size = bd->size;
    d->erase_size = bd->erase_size;
    d->write_size = bd->write_size;
    d->erased_val = 0xff;
    d->ops = &dops;
    d->state = FK_DEV_READY;
}

static void flash_map_ids(void **state)
{
    (void)state;
    struct fk_layout *l = lt_layout("nrf5340-spi-nor-2mb.pm_static.yml");
    struct fk_board *b = lt_board("nrf5340-spi-nor-2mb.board.yml");
    struct fk_flash_dev devs[2];
    struct fk_flash_dev *dp[2] = {&devs[0], &devs[1]};
    fake_dev(&devs[0], &b->dev[0]);
    fake_dev(&devs[1], &b->dev[1]);
    struct fk_flash_area areas[16];
    struct fk_flash_map map;
    /* leaves app, external_flash, mcuboot_pad, settings_storage + 3 fixed */
    assert_int_equal(fk_layout_area_count(l), 7);
    assert_int_equal(fk_layout_flash_map(l, dp, 2, areas, 6, &map), FK_ENOMEM);
    assert_int_equal(fk_layout_flash_map(l, dp, 2, areas, 16, &map), FK_OK);
    assert_int_equal(map.count, 7);
    static const struct {
        uint8_t id;
        const char *name;
        int dev;
        uint32_t off, size;
    } want[] = {
        {0, "mcuboot", 0, 0x0, 0xc000},
        {1, "mcuboot_primary", 0, 0xc000, 0xe8000},
        {2, "mcuboot_secondary", 1, 0x0, 0xe8000},
        {5, "app", 0, 0xc200, 0xe7e00},
        {6, "external_flash", 1, 0xe8000, 0x118000},
        {7, "mcuboot_pad", 0, 0xc000, 0x200},
        {8, "settings_storage", 0, 0xf4000, 0xc000},
    };
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(map.areas[i].id, want[i].id);
        assert_string_equal(map.areas[i].name, want[i].name);
        assert_ptr_equal(map.areas[i].dev, &devs[want[i].dev]);
        assert_int_equal(map.areas[i].off, want[i].off);
        assert_int_equal(map.areas[i].size, want[i].size);
    }
    const struct fk_flash_area *fa;
    assert_int_equal(fk_flash_open(&map, FK_AREA_ID_SECONDARY, &fa), FK_OK);
    assert_string_equal(fa->dev->name, "external_flash");
    assert_int_equal(fk_flash_open(&map, FK_AREA_ID_SCRATCH, &fa), FK_ENOENT);

    /* The same layout on the board without the external chip: the map still
     * has the secondary, with no device, and opening it fails as -19 does. */
    assert_int_equal(fk_layout_flash_map(l, dp, 1, areas, 16, &map), FK_OK);
    assert_int_equal(fk_flash_open(&map, FK_AREA_ID_SECONDARY, &fa), FK_ENODEV);
    assert_non_null(fa);
    assert_null(fa->dev);
    assert_int_equal(fk_flash_open(&map, FK_AREA_ID_PRIMARY, &fa), FK_OK);
    free(l);
    free(b);
}

#ifdef FK_TEST_HAVE_BOOT
#include "fotakit/boot.h"
/* The strategy table's geometry is the bootloader's: same numbers from the
 * same map, for every shared layout and for resized secondaries. */
static void geometry_matches_bootloader(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml"},
        {"nrf5340-spi-nor-2mb.broken-secondary-half.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml"},
        {"nrf52840-spi-nor-2mb.pm_static.yml", "nrf52840-spi-nor-2mb.board.yml"},
        {"nrf52840-internal-only.pm_static.yml", "nrf52840.board.yml"},
    };
    unsigned compared = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct fk_layout *l = lt_layout(pairs[i][0]);
        struct fk_board *b = lt_board(pairs[i][1]);
        int si = fk_layout_find(l, "mcuboot_secondary");
        assert_true(si >= 0);
        for (uint32_t units = 2; units <= 260; units += 7) {
            l->part[si].size = units * 0x1000;
            struct fk_flash_dev devs[FK_BOARD_MAX_DEVS];
            struct fk_flash_dev *dp[FK_BOARD_MAX_DEVS];
            for (unsigned d = 0; d < b->count; d++) {
                fake_dev(&devs[d], &b->dev[d]);
                dp[d] = &devs[d];
            }
            struct fk_flash_area areas[32];
            struct fk_flash_map map;
            assert_int_equal(fk_layout_flash_map(l, dp, b->count, areas, 32, &map), FK_OK);
            struct fk_boot_geometry bg;
            struct fk_layout_geometry lg;
            int brc = fk_boot_geometry(&map, &bg);
            int lrc = fk_layout_geometry(l, b, &lg, NULL, 0);
            assert_int_equal(brc == FK_OK, lrc == FK_OK);
            if (brc == FK_OK) {
                assert_int_equal(lg.unit, bg.unit);
                assert_int_equal(lg.max_image, bg.max_image);
                assert_int_equal(lg.sec_image_off, bg.sec_image_off);
                assert_int_equal(lg.pri_trailer_units, bg.pri_trailer_units);
                assert_int_equal(lg.sec_trailer_units, bg.sec_trailer_units);
                assert_int_equal(fk_boot_max_image_size(&map), lg.max_image);
                compared++;
            }
        }
        free(l);
        free(b);
    }
    assert_true(compared > 100);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_layouts),
        cmocka_unit_test(seed_numbers),
        cmocka_unit_test(no_ext_flash_is_the_19_class),
        cmocka_unit_test(unaligned_secondary),
        cmocka_unit_test(half_secondary),
        cmocka_unit_test(flash_map_ids),
#ifdef FK_TEST_HAVE_BOOT
        cmocka_unit_test(geometry_matches_bootloader),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
