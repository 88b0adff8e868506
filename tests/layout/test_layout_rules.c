/*
 * Each check rule on a small synthetic layout: the rule fires, names the
 * partition(s) and the fix, and the clean variant does not fire.
 */
#include "lt_util.h"

static struct fk_layout lay;
static struct fk_board brd;
static struct fk_layout_report rep;
static char err[768];

static const char *BOARD =
    "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
    "external_flash: {kind: spi-nor, bus: spi4, chosen: nordic_pm_ext_flash, size: 0x200000,"
    " erase-size: 0x1000, write-size: 1}\n";

/* A clean layout; tests append/override partitions through printf args. */
#define BASE_BOOT "mcuboot: {address: 0x0, size: 0xc000, end_address: 0xc000}\n"
#define BASE_PRI                                                                                   \
    "mcuboot_pad: {address: 0xc000, size: 0x200}\n"                                               \
    "app: {address: 0xc200, size: 0x73e00}\n"                                                     \
    "mcuboot_primary: {address: 0xc000, size: 0x74000, span: [mcuboot_pad, app]}\n"
#define BASE_SEC                                                                                   \
    "mcuboot_secondary: {address: 0x0, size: 0x74000, region: external_flash,"                     \
    " device: DT_CHOSEN(nordic_pm_ext_flash)}\n"

static int run_board(const char *layout, const char *board, int strategy)
{
    int rc = fk_layout_load_mem("t.yml", layout, strlen(layout), &lay, err, sizeof err);
    if (rc) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    rc = fk_board_load_mem("b.yml", board, strlen(board), &brd, err, sizeof err);
    if (rc) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    return fk_layout_check(&lay, &brd, "b.yml", strategy, &rep);
}

static int run(const char *layout)
{
    return run_board(layout, BOARD, -1);
}

static void base_is_clean(void **state)
{
    (void)state;
    int e = run(BASE_BOOT BASE_PRI BASE_SEC);
    if (e) {
        lt_dump(&rep);
    }
    assert_int_equal(e, 0);
    assert_int_equal(rep.warnings, 0);
    /* with fotakit_counters, no note about downgrade protection */
    e = run(BASE_BOOT BASE_PRI BASE_SEC "fotakit_counters: {address: 0x80000, size: 0x2000}\n");
    assert_int_equal(e, 0);
    assert_null(lt_find(&rep, FK_RULE_COUNTERS, NULL));
    assert_int_equal(fk_layout_area_id(&lay, (unsigned)fk_layout_find(&lay, "fotakit_counters")),
                     FK_AREA_ID_COUNTERS);
    /* one sector is too small for the two-sector counter store */
    e = run(BASE_BOOT BASE_PRI BASE_SEC "fotakit_counters: {address: 0x80000, size: 0x1000}\n");
    assert_int_equal(e, 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_COUNTERS, "fotakit_counters");
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_ERROR);
    assert_has(f->msg, "fix: make it 0x2000 bytes");
}

static void end_address(void **state)
{
    (void)state;
    assert_int_equal(run(BASE_PRI BASE_SEC "mcuboot: {address: 0x0, size: 0xc000, end_address: 0xb000}\n"), 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_END_ADDRESS, "mcuboot");
    assert_non_null(f);
    assert_has(f->msg, "end_address 0xb000 disagrees with address 0x0 + size 0xc000 = 0xc000");
    assert_has(f->msg, "fix: set end_address to 0xc000");
}

static void erase_alignment(void **state)
{
    (void)state;
    /* settings at 0x80800: a top-level partition off the 4 KB boundary */
    assert_int_equal(run(BASE_BOOT BASE_PRI BASE_SEC "settings_storage: {address: 0x80800, size: 0x2000}\n"), 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_ERASE_ALIGN, "settings_storage");
    assert_non_null(f);
    assert_has(f->msg, "[0x80800-0x82800)");
    assert_has(f->msg, "fix: move it to 0x80000 or 0x81000");
    /* the slot's members sit at the header offset by design: exempt, and the
     * primary slot itself ending off-boundary is not */
    int e = run(BASE_BOOT BASE_SEC
                "mcuboot_pad: {address: 0xc000, size: 0x200}\n"
                "app: {address: 0xc200, size: 0x73f00}\n"
                "mcuboot_primary: {address: 0xc000, size: 0x74100, span: [mcuboot_pad, app]}\n");
    if (e != 1) {
        lt_dump(&rep);
    }
    assert_int_equal(e, 1);
    assert_non_null(lt_find(&rep, FK_RULE_ERASE_ALIGN, "mcuboot_primary"));
    assert_null(lt_find(&rep, FK_RULE_ERASE_ALIGN, "app"));
    assert_null(lt_find(&rep, FK_RULE_ERASE_ALIGN, "mcuboot_pad"));
}

static void overlap_and_device_end(void **state)
{
    (void)state;
    int e = run(BASE_BOOT BASE_PRI BASE_SEC
                "storage: {address: 0x7f000, size: 0x2000}\n"
                "big: {address: 0x1ff000, size: 0x2000, region: external_flash}\n");
    assert_int_equal(e, 2);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_OVERLAP, "storage");
    assert_non_null(f);
    assert_string_equal(f->part, "app");
    assert_has(f->msg, "overlap by 0x1000 bytes at [0x7f000-0x80000) on flash_primary");
    f = lt_find(&rep, FK_RULE_BEYOND_DEVICE, "big");
    assert_non_null(f);
    assert_has(f->msg, "ends 0x1000 bytes past the end of device external_flash (size 0x200000)");
    /* containers never count as overlapping their members */
    assert_null(lt_find(&rep, FK_RULE_OVERLAP, "mcuboot_primary"));
}

static void region_overflow(void **state)
{
    (void)state;
    /* overlapping leaves whose sizes add up to more than the device */
    int e = run(BASE_BOOT BASE_PRI BASE_SEC "a: {address: 0x0, size: 0x100000}\n");
    assert_true(e >= 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_REGION_OVERFLOW, NULL);
    assert_non_null(f);
    assert_has(f->msg, "region flash_primary");
    assert_has(f->msg, "device flash_primary has 0x100000");
}

static void spans(void **state)
{
    (void)state;
    /* a member that does not exist */
    int e = run(BASE_BOOT BASE_SEC "mcuboot_pad: {address: 0xc000, size: 0x200}\n"
                "app: {address: 0xc200, size: 0x73e00}\n"
                "mcuboot_primary: {address: 0xc000, size: 0x74000, span: [mcuboot_pad, app, tfm]}\n");
    assert_int_equal(e, 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_SPAN_MISSING, "tfm");
    assert_non_null(f);
    assert_string_equal(f->part, "mcuboot_primary");
    assert_has(f->msg, "its span names 'tfm', which is not a partition");
    /* members with a gap */
    e = run(BASE_BOOT BASE_SEC "mcuboot_pad: {address: 0xc000, size: 0x200}\n"
            "app: {address: 0xc400, size: 0x73c00}\n"
            "mcuboot_primary: {address: 0xc000, size: 0x74000, span: [mcuboot_pad, app]}\n");
    assert_int_equal(e, 1);
    f = lt_find(&rep, FK_RULE_SPAN_GAP, "app");
    assert_non_null(f);
    assert_has(f->msg, "mcuboot_pad ends at 0xc200 but the next, app, starts at 0xc400");
    /* a container larger than its members */
    e = run(BASE_BOOT BASE_SEC "mcuboot_pad: {address: 0xc000, size: 0x200}\n"
            "app: {address: 0xc200, size: 0x72e00}\n"
            "mcuboot_primary: {address: 0xc000, size: 0x74000, span: [mcuboot_pad, app]}\n");
    f = lt_find(&rep, FK_RULE_SPAN_COVER, "mcuboot_primary");
    assert_non_null(f);
    assert_has(f->msg, "they occupy [0xc000-0x7f000)");
    assert_has(f->msg, "fix: set address 0xc000 and size 0x73000");
}

static void bootloader_and_primary_placement(void **state)
{
    (void)state;
    int e = run(BASE_PRI BASE_SEC "mcuboot: {address: 0x1000, size: 0xb000}\n");
    assert_int_equal(e, 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_BOOTLOADER_START, "mcuboot");
    assert_non_null(f);
    assert_has(f->msg, "fix: place mcuboot at 0x0 of flash_primary");
    /* missing partitions */
    e = run(BASE_PRI "settings_storage: {address: 0x80000, size: 0x2000}\n");
    assert_int_equal(e, 2);
    assert_non_null(lt_find(&rep, FK_RULE_MISSING_PART, "mcuboot"));
    assert_non_null(lt_find(&rep, FK_RULE_MISSING_PART, "mcuboot_secondary"));
    /* primary on the NOR chip */
    e = run(BASE_BOOT "mcuboot_primary: {address: 0x0, size: 0x74000, region: external_flash}\n"
            "mcuboot_secondary: {address: 0x80000, size: 0x74000}\n");
    assert_int_equal(e, 1);
    assert_non_null(lt_find(&rep, FK_RULE_PRIMARY_INTERNAL, "mcuboot_primary"));
}

static void slot_sizes_and_share_size(void **state)
{
    (void)state;
    /* exactly one sector smaller: a note */
    int e = run(BASE_BOOT BASE_PRI
                "mcuboot_secondary: {address: 0x0, size: 0x73000, region: external_flash}\n");
    assert_int_equal(e, 0);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_SLOT_SIZE, "mcuboot_secondary");
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_NOTE);
    /* two sectors smaller: an error with the largest image */
    e = run(BASE_BOOT BASE_PRI
            "mcuboot_secondary: {address: 0x0, size: 0x72000, region: external_flash}\n");
    assert_int_equal(e, 1);
    f = lt_find(&rep, FK_RULE_SLOT_SIZE, "mcuboot_secondary");
    assert_int_equal(f->sev, FK_LAYOUT_ERROR);
    assert_has(f->msg, "largest image an update can carry is 0x70000"); /* 0x72 - 2 units */
    /* share_size with a missing partition / a different size */
    e = run(BASE_BOOT BASE_PRI
            "mcuboot_secondary: {address: 0x0, size: 0x74000, region: external_flash,"
            " share_size: [mcuboot_primary, nothere]}\n"
            "scratchy: {address: 0x80000, size: 0x1000, share_size: mcuboot_primary}\n");
    assert_int_equal(e, 2);
    assert_non_null(lt_find(&rep, FK_RULE_SHARE_SIZE, "nothere"));
    f = lt_find(&rep, FK_RULE_SHARE_SIZE, "scratchy");
    assert_non_null(f);
    assert_has(f->msg, "fix: make scratchy 0x74000 bytes");
}

static void device_mismatch_and_board_warnings(void **state)
{
    (void)state;
    /* the board has external_flash but under another chosen node */
    const char *board2 =
        "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
        "external_flash: {kind: spi-nor, chosen: other_flash, size: 0x200000,"
        " erase-size: 0x1000, write-size: 1}\n";
    int e = run_board(BASE_BOOT BASE_PRI BASE_SEC, board2, -1);
    assert_int_equal(e, 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_NO_DEVICE, "mcuboot_secondary");
    assert_non_null(f);
    assert_has(f->msg, "chosen 'other_flash'");
    assert_has(f->msg, "-19");
    /* and a NOR without bus is a warning */
    f = lt_find(&rep, FK_RULE_BOARD, NULL);
    assert_non_null(f);
    assert_int_equal(f->sev, FK_LAYOUT_WARNING);
    assert_has(f->msg, "names no bus");
    /* DT_NODELABEL matches a label; a plain label too */
    const char *board3 =
        "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
        "external_flash: {kind: qspi-nor, bus: qspi, label: mx25r64, size: 0x800000,"
        " erase-size: 0x1000, write-size: 1}\n";
    e = run_board(BASE_BOOT BASE_PRI
                  "mcuboot_secondary: {address: 0x0, size: 0x74000, region: external_flash,"
                  " device: DT_NODELABEL(mx25r64)}\n", board3, -1);
    assert_int_equal(e, 0);
    e = run_board(BASE_BOOT BASE_PRI
                  "mcuboot_secondary: {address: 0x0, size: 0x74000, region: external_flash,"
                  " device: mx25r64}\n", board3, -1);
    assert_int_equal(e, 0);
}

static void strategy_unsupported(void **state)
{
    (void)state;
    /* a 64 KB-sector NOR: the swap unit is 64 KB, and the primary at 0xc000
     * is not made of whole units */
    const char *board =
        "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
        "external_flash: {kind: spi-nor, bus: spi1, chosen: nordic_pm_ext_flash, size: 0x200000,"
        " erase-size: 0x10000, write-size: 1}\n";
    int e = run_board(BASE_BOOT BASE_PRI
                      "mcuboot_secondary: {address: 0x0, size: 0x80000, region: external_flash}\n",
                      board, -1);
    assert_int_equal(e, 0); /* information only */
    assert_false(rep.strat[FK_STRATEGY_SWAP].supported);
    assert_has(rep.strat[FK_STRATEGY_SWAP].reason, "unequal erase sizes");
    assert_has(rep.strat[FK_STRATEGY_SWAP].reason, "0x10000-byte units");
    e = run_board(BASE_BOOT BASE_PRI
                  "mcuboot_secondary: {address: 0x0, size: 0x80000, region: external_flash}\n",
                  board, FK_STRATEGY_SWAP);
    assert_int_equal(e, 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_STRATEGY, NULL);
    assert_non_null(f);
    assert_has(f->msg, "--strategy swap: this layout cannot run it");
    assert_int_equal(fk_layout_strategy_parse("overwrite-only"), FK_STRATEGY_OVERWRITE);
    assert_int_equal(fk_layout_strategy_parse("swap"), FK_STRATEGY_SWAP);
    assert_int_equal(fk_layout_strategy_parse("scratch"), -1);
}

static void every_rule_has_a_name(void **state)
{
    (void)state;
    for (int r = 0; r < FK_RULE_COUNT; r++) {
        assert_string_not_equal(fk_layout_rule_name((enum fk_layout_rule)r), "?");
    }
    assert_string_equal(fk_layout_rule_name(FK_RULE_COUNT), "?");
}

static void many_findings_are_counted(void **state)
{
    (void)state;
    /* 60 one-byte-off partitions: more findings than stored, none lost from the counts */
    char *buf = malloc(64 * 64);
    assert_non_null(buf);
    size_t o = 0;
    for (int i = 0; i < 60; i++) {
        o += (size_t)sprintf(buf + o, "p%02d: {address: 0x%x, size: 0x1001, end_address: 0x0}\n", i,
                             0x100 + i);
    }
    int e = run(buf);
    free(buf);
    assert_true(e > FK_LAYOUT_MAX_FINDINGS);
    assert_int_equal(rep.count, FK_LAYOUT_MAX_FINDINGS);
    assert_int_equal(rep.errors + rep.warnings + rep.notes, rep.count + rep.dropped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_is_clean),
        cmocka_unit_test(end_address),
        cmocka_unit_test(erase_alignment),
        cmocka_unit_test(overlap_and_device_end),
        cmocka_unit_test(region_overflow),
        cmocka_unit_test(spans),
        cmocka_unit_test(bootloader_and_primary_placement),
        cmocka_unit_test(slot_sizes_and_share_size),
        cmocka_unit_test(device_mismatch_and_board_warnings),
        cmocka_unit_test(strategy_unsupported),
        cmocka_unit_test(every_rule_has_a_name),
        cmocka_unit_test(many_findings_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
