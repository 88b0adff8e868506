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

#include "fotakit/boot.h"
/* The strategy table's geometry is the bootloader's (fk_layout_geometry()
 * calls fk_boot_geometry()): the largest images docs/boot.md lists for the
 * shared layouts, the rows of the table, and the same number from the
 * bootloader on the flash map the layout builds. */
static void largest_images(void **state)
{
    (void)state;
    static const struct {
        const char *layout, *board;
        uint32_t max_image, pri_tr, sec_tr;
        const char *limit;
    } want[] = {
        {"nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml", 0xe6000, 1, 1,
         "limited by the secondary slot"},
        {"nrf52840-spi-nor-2mb.pm_static.yml", "nrf52840-spi-nor-2mb.board.yml", 0x75000, 1, 1,
         "limited by the primary slot"},
        {"nrf52840-internal-only.pm_static.yml", "nrf52840.board.yml", 0x73000, 1, 1,
         "limited by the secondary slot"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(check(want[i].layout, want[i].board, -1), 0);
        const struct fk_layout_strategy_row *sw = &rep.strat[FK_STRATEGY_SWAP];
        const struct fk_layout_strategy_row *ow = &rep.strat[FK_STRATEGY_OVERWRITE];
        assert_string_equal(sw->name, "swap");
        assert_string_equal(ow->name, "overwrite");
        assert_true(sw->supported);
        assert_true(ow->supported);
        assert_int_equal(sw->max_image, want[i].max_image);
        assert_int_equal(ow->max_image, want[i].max_image);
        assert_int_equal(sw->trailer, want[i].pri_tr * 0x1000);
        assert_int_equal(ow->trailer, want[i].pri_tr * 0x1000);
        char units[64];
        snprintf(units, sizeof units, "= %u units = 0x%x", want[i].max_image / 0x1000,
                 want[i].max_image);
        assert_has(sw->reason, units);
        assert_has(sw->reason, want[i].limit);
        assert_has(sw->reason, "uploads go to 0x1000 in the secondary");
        assert_has(sw->reason, "reverts unless confirmed");
        snprintf(units, sizeof units, "same slot geometry as swap (%u units; uploads at 0x1000",
                 want[i].max_image / 0x1000);
        assert_has(ow->reason, units);
        assert_has(ow->reason, "no revert");

        struct fk_layout *l = lt_layout(want[i].layout);
        struct fk_board *b = lt_board(want[i].board);
        struct fk_layout_geometry g;
        assert_int_equal(fk_layout_geometry(l, b, &g, NULL, 0), FK_OK);
        assert_int_equal(g.unit, 0x1000);
        assert_int_equal(g.max_image, want[i].max_image);
        assert_int_equal(g.max_units * g.unit, want[i].max_image);
        assert_int_equal(g.pri_trailer_units, want[i].pri_tr);
        assert_int_equal(g.sec_trailer_units, want[i].sec_tr);
        assert_int_equal(g.sec_image_off, 0x1000);
        /* primary trailer bytes: 64 + 16 per swapped unit + 16 (docs/boot.md) */
        assert_int_equal(g.trailer_bytes, 64 + 16 * g.max_units + 16);
        /* the device side sees the same on the map the layout builds */
        struct fk_flash_dev devs[FK_BOARD_MAX_DEVS];
        struct fk_flash_dev *dp[FK_BOARD_MAX_DEVS];
        for (unsigned d = 0; d < b->count; d++) {
            fake_dev(&devs[d], &b->dev[d]);
            dp[d] = &devs[d];
        }
        struct fk_flash_area areas[32];
        struct fk_flash_map map;
        assert_int_equal(fk_layout_flash_map(l, dp, b->count, areas, 32, &map), FK_OK);
        assert_int_equal(fk_boot_max_image_size(&map), want[i].max_image);
        assert_int_equal(fk_boot_secondary_image_off(&map), 0x1000);
        free(l);
        free(b);
    }
}

/* Where the primary trailer's last 16 bytes (parking move + commit-retry
 * marker) push it into a second unit: 253-unit primary, 254-unit secondary.
 * 64 + 16*252 + 16 = 4112 > 4096, so the trailer takes 2 units and the
 * largest image is 251 units (64 + 16*k alone would have allowed 252). */
static void trailer_grows_at_the_boundary(void **state)
{
    (void)state;
    struct fk_layout *l = lt_layout("nrf5340-spi-nor-2mb.pm_static.yml");
    struct fk_board *b = lt_board("nrf5340-spi-nor-2mb.board.yml");
    int pi = fk_layout_find(l, "mcuboot_primary");
    int si = fk_layout_find(l, "mcuboot_secondary");
    assert_true(pi >= 0 && si >= 0);
    l->part[pi].size = 253 * 0x1000; /* the geometry ignores the device bounds */
    l->part[si].size = 254 * 0x1000;
    struct fk_layout_geometry g;
    assert_int_equal(fk_layout_geometry(l, b, &g, NULL, 0), FK_OK);
    assert_int_equal(g.pri_trailer_units, 2);
    assert_int_equal(g.max_units, 251);
    assert_int_equal(g.max_image, 251 * 0x1000);
    assert_int_equal(g.trailer_bytes, 64 + 16 * 251 + 16);
    /* one unit less in the primary: the trailer fits one unit again */
    l->part[pi].size = 252 * 0x1000;
    assert_int_equal(fk_layout_geometry(l, b, &g, NULL, 0), FK_OK);
    assert_int_equal(g.pri_trailer_units, 1);
    assert_int_equal(g.max_units, 251);
    assert_int_equal(g.trailer_bytes, 64 + 16 * 251 + 16);
    /* a secondary too small for spare + trailer + one image unit says so */
    l->part[si].size = 2 * 0x1000;
    char why[256];
    assert_int_equal(fk_layout_geometry(l, b, &g, why, sizeof why), FK_EINVAL);
    assert_has(why, "mcuboot_secondary has 2 unit(s)");
    assert_has(why, "1 trailer unit(s)");
    free(l);
    free(b);
}

/* The stock MCUboot rows come from the one table of modes (fk_bl_space). */
static void seed_mcuboot_rows(void **state)
{
    (void)state;
    assert_int_equal(check("nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml", -1), 0);
    const struct fk_layout_strategy_row *mv = &rep.strat[FK_BL_MCUBOOT_SWAP_MOVE];
    const struct fk_layout_strategy_row *of = &rep.strat[FK_BL_MCUBOOT_SWAP_OFFSET];
    /* 232 sectors of 4 KB, write size 4: move trailer 232*3*4+48 = 2832 B (one
     * sector); (232 - 1) - 1 = 230 sectors in the primary */
    assert_string_equal(mv->name, "mcuboot:swap-move");
    assert_true(mv->supported);
    assert_int_equal(mv->max_image, 230 * 0x1000);
    assert_int_equal(mv->trailer, 0x1000);
    assert_has(mv->reason, "CONFIG_BOOT_SWAP_USING_MOVE");
    /* offset: 232*2*4+56 = 1912 B; the secondary gives its first sector */
    assert_int_equal(of->max_image, 230 * 0x1000);
    assert_has(of->reason, "uploads at 0x1000");
    /* overwrite-only: up to swap_info, slot - 40 */
    assert_int_equal(rep.strat[FK_BL_MCUBOOT_OVERWRITE_ONLY].max_image, 0xe8000 - 40);
    /* no mcuboot_scratch partition */
    assert_false(rep.strat[FK_BL_MCUBOOT_SWAP_SCRATCH].supported);
    assert_has(rep.strat[FK_BL_MCUBOOT_SWAP_SCRATCH].reason, "mcuboot_scratch");
    /* --strategy takes the stock names; asking for scratch here is an error */
    assert_int_equal(fk_layout_strategy_parse("mcuboot:swap-move"), FK_BL_MCUBOOT_SWAP_MOVE);
    assert_int_equal(fk_layout_strategy_parse("mcuboot:fotakit"), -1);
    assert_int_equal(check("nrf5340-spi-nor-2mb.pm_static.yml", "nrf5340-spi-nor-2mb.board.yml",
                           FK_BL_MCUBOOT_SWAP_SCRATCH),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_layouts),
        cmocka_unit_test(seed_numbers),
        cmocka_unit_test(seed_mcuboot_rows),
        cmocka_unit_test(no_ext_flash_is_the_19_class),
        cmocka_unit_test(unaligned_secondary),
        cmocka_unit_test(half_secondary),
        cmocka_unit_test(flash_map_ids),
        cmocka_unit_test(largest_images),
        cmocka_unit_test(trailer_grows_at_the_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
