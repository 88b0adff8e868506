/*
 * Multi-image layouts: image 1's slots named as NCS's Partition Manager names
 * them (mcuboot_primary_1 / mcuboot_secondary_1) get their roles, their
 * checks and their macros in the generated header.
 */
#include "lt_util.h"

#include "fotakit/flash.h"

static struct fk_layout lay;
static struct fk_board brd;
static struct fk_layout_report rep;
static char err[768];

/* The seed board plus the nRF5340 network core's hand-over region: NCS puts
 * mcuboot_primary_1 in a RAM-backed "ram_flash" region (PCD, docs/multi-image.md). */
static const char *BOARD =
    "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
    "external_flash: {kind: spi-nor, bus: spi4, chosen: nordic_pm_ext_flash, size: 0x200000,"
    " erase-size: 0x1000, write-size: 1}\n"
    "ram_flash: {kind: internal, size: 0x40000, erase-size: 0x1000, write-size: 4}\n";

#define IMG0                                                                                       \
    "mcuboot: {address: 0x0, size: 0x10000}\n"                                                    \
    "mcuboot_primary: {address: 0x10000, size: 0x70000}\n"                                        \
    "mcuboot_secondary: {address: 0x0, size: 0x70000, region: external_flash,"                     \
    " device: DT_CHOSEN(nordic_pm_ext_flash)}\n"
#define PRI1 "mcuboot_primary_1: {address: 0x0, size: 0x40000, region: ram_flash}\n"
#define SEC1(size)                                                                                 \
    "mcuboot_secondary_1: {address: 0x70000, size: " size ", region: external_flash,"              \
    " device: DT_CHOSEN(nordic_pm_ext_flash)}\n"

static int run(const char *layout)
{
    int rc = fk_layout_load_mem("t.yml", layout, strlen(layout), &lay, err, sizeof err);
    if (rc) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    rc = fk_board_load_mem("b.yml", BOARD, strlen(BOARD), &brd, err, sizeof err);
    assert_int_equal(rc, 0);
    return fk_layout_check(&lay, &brd, "b.yml", -1, &rep);
}

static unsigned part(const char *name)
{
    int i = fk_layout_find(&lay, name);
    assert_true(i >= 0);
    return (unsigned)i;
}

static void two_images_are_clean_with_roles_and_ids(void **state)
{
    (void)state;
    int e = run(IMG0 PRI1 SEC1("0x40000"));
    if (e) {
        lt_dump(&rep);
    }
    assert_int_equal(e, 0);
    assert_int_equal(rep.warnings, 0);
    assert_int_equal(rep.notes, 1); /* only the counters note */
    assert_int_equal(fk_layout_image_count(&lay), 2);
    assert_int_equal(fk_layout_part_role(&lay, part("mcuboot_primary_1")), FK_ROLE_PRIMARY_1);
    assert_int_equal(fk_layout_part_role(&lay, part("mcuboot_secondary_1")), FK_ROLE_SECONDARY_1);
    assert_string_equal(fk_layout_role_name(FK_ROLE_PRIMARY_1), "primary_1");
    assert_string_equal(fk_layout_role_name(FK_ROLE_SECONDARY_1), "secondary_1");
    /* free ids in strcmp order after the fixed ones */
    assert_int_equal(fk_layout_area_id(&lay, part("mcuboot_primary_1")), 5);
    assert_int_equal(fk_layout_area_id(&lay, part("mcuboot_secondary_1")), 6);
    assert_int_equal(run(IMG0), 0);
    assert_int_equal(fk_layout_image_count(&lay), 1);
}

static void image1_needs_both_slots(void **state)
{
    (void)state;
    assert_int_equal(run(IMG0 PRI1), 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_MISSING_PART, "mcuboot_secondary_1");
    assert_non_null(f);
    assert_string_equal(f->part, "mcuboot_secondary_1");
    assert_string_equal(f->part2, "mcuboot_primary_1");
    assert_non_null(strstr(f->msg, "fix: add mcuboot_secondary_1"));
    assert_int_equal(run(IMG0 SEC1("0x40000")), 1);
    f = lt_find(&rep, FK_RULE_MISSING_PART, "mcuboot_primary_1");
    assert_non_null(f);
    assert_string_equal(f->part, "mcuboot_primary_1");
    assert_int_equal(fk_layout_image_count(&lay), 2);
}

static void smaller_secondary_1_limits_image_1(void **state)
{
    (void)state;
    assert_int_equal(run(IMG0 PRI1 SEC1("0x30000")), 0);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_NOTE, FK_RULE_SLOT_SIZE, "mcuboot_secondary_1"), 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_SLOT_SIZE, "mcuboot_secondary_1");
    assert_non_null(strstr(f->msg, "0x10000 bytes smaller"));
    assert_non_null(strstr(f->msg, "at most 0x30000 bytes"));
    /* a slot of size 0 */
    assert_int_equal(run(IMG0 PRI1 SEC1("0x0")), 1);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_MISSING_PART, "mcuboot_secondary_1"),
                     1);
}

static void image1_slot_overlap_and_device_are_checked(void **state)
{
    (void)state;
    /* secondary_1 on top of the secondary: the overlap rule names the slots */
    int e = run(IMG0 PRI1
                "mcuboot_secondary_1: {address: 0x60000, size: 0x40000, region: external_flash,"
                " device: DT_CHOSEN(nordic_pm_ext_flash)}\n");
    assert_int_equal(e, 1);
    assert_int_equal(lt_count(&rep, FK_LAYOUT_ERROR, FK_RULE_OVERLAP, "mcuboot_secondary_1"), 1);
    /* primary_1 in a region the board lacks: the -19 class, as a flash area */
    e = run(IMG0 "mcuboot_primary_1: {address: 0x0, size: 0x40000, region: pcd_ram}\n"
                 SEC1("0x40000"));
    assert_int_equal(e, 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_NO_DEVICE, "mcuboot_primary_1");
    assert_non_null(f);
    assert_non_null(strstr(f->msg, "cannot open this flash area"));
}

/* The network core's own flash (core: network) holds no partition of an
 * application-core layout: mcuboot_primary_1 there is refused, in RAM it is
 * clean (boards/nrf5340-spi-nor-2mb.*). */
static void image1_primary_on_the_network_core_is_refused(void **state)
{
    (void)state;
    static const char *B2 =
        "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
        "external_flash: {kind: spi-nor, bus: spi4, chosen: nordic_pm_ext_flash, size: 0x200000,"
        " erase-size: 0x1000, write-size: 1}\n"
        "ram_flash: {kind: internal, volatile: true, size: 0x40000, erase-size: 0x1000,"
        " write-size: 4}\n"
        "cpunet_flash: {kind: internal, core: network, size: 0x40000, erase-size: 0x800,"
        " write-size: 4}\n";
    assert_int_equal(fk_board_load_mem("b2.yml", B2, strlen(B2), &brd, err, sizeof err), 0);
    assert_int_equal(brd.dev[2].is_volatile, 1);
    assert_int_equal(brd.dev[3].netcore, 1);
    assert_int_equal(brd.dev[0].is_volatile + brd.dev[0].netcore, 0);
    const char *L = IMG0 "mcuboot_primary_1: {address: 0x0, size: 0x40000, region: cpunet_flash}\n"
        SEC1("0x40000");
    assert_int_equal(fk_layout_load_mem("t.yml", L, strlen(L), &lay, err, sizeof err), 0);
    assert_int_equal(fk_layout_check(&lay, &brd, "b2.yml", -1, &rep), 1);
    const struct fk_layout_finding *f = lt_find(&rep, FK_RULE_NO_DEVICE, "mcuboot_primary_1");
    assert_non_null(f);
    assert_non_null(strstr(f->msg, "lives on cpunet_flash, the network core's own flash"));
    L = IMG0 PRI1 SEC1("0x40000");
    assert_int_equal(fk_layout_load_mem("t.yml", L, strlen(L), &lay, err, sizeof err), 0);
    assert_int_equal(fk_layout_check(&lay, &brd, "b2.yml", -1, &rep), 0);
    /* the keys are for internal devices only, and take their words only */
    static const char *bad[] = {
        "x: {kind: spi-nor, volatile: true, size: 0x1000, erase-size: 0x1000, write-size: 1}\n",
        "x: {kind: internal, volatile: yes, size: 0x1000, erase-size: 0x1000, write-size: 4}\n",
        "x: {kind: internal, core: radio, size: 0x1000, erase-size: 0x1000, write-size: 4}\n",
    };
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(fk_board_load_mem("bad.yml", bad[i], strlen(bad[i]), &brd, err, sizeof err),
                         FK_ELAYOUT_SYNTAX);
    }
    assert_non_null(strstr(err, "key 'core': expected application or network, found 'radio'"));
}

static void header_names_image_1(void **state)
{
    (void)state;
    assert_int_equal(run(IMG0 PRI1 SEC1("0x40000")), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fk_layout_write_header(f, &lay, &brd, "t.yml", "b.yml"), FK_OK);
    fclose(f);
    assert_non_null(strstr(buf, "#define FK_LAYOUT_IMAGE_COUNT 2 "));
    assert_non_null(strstr(buf, "#define FK_LAYOUT_PRIMARY_1_ID (5) "));
    assert_non_null(strstr(buf, "#define FK_LAYOUT_SECONDARY_1_ID (6)\n"));
    /* the bootloader drives ram_flash (image 1's primary) */
    assert_non_null(strstr(buf, "#define FK_LAYOUT_BOOTLOADER_NEEDS_DEV_RAM_FLASH 1\n"));
    free(buf);
    assert_int_equal(run(IMG0), 0);
    f = open_memstream(&buf, &len);
    assert_int_equal(fk_layout_write_header(f, &lay, &brd, "t.yml", "b.yml"), FK_OK);
    fclose(f);
    assert_non_null(strstr(buf, "#define FK_LAYOUT_IMAGE_COUNT 1 "));
    assert_non_null(strstr(buf, "#define FK_LAYOUT_PRIMARY_1_ID (-1) "));
    assert_non_null(strstr(buf, "#define FK_LAYOUT_BOOTLOADER_NEEDS_DEV_RAM_FLASH 0\n"));
    free(buf);
}

static void slot_names_as_ncs(void **state)
{
    (void)state;
    assert_string_equal(fk_slot_name(0, 0), "mcuboot_primary");
    assert_string_equal(fk_slot_name(0, 1), "mcuboot_secondary");
    assert_string_equal(fk_slot_name(1, 0), "mcuboot_primary_1");
    assert_string_equal(fk_slot_name(1, 1), "mcuboot_secondary_1");
    assert_null(fk_slot_name(2, 0));
    assert_null(fk_slot_name(0, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_images_are_clean_with_roles_and_ids),
        cmocka_unit_test(image1_needs_both_slots),
        cmocka_unit_test(smaller_secondary_1_limits_image_1),
        cmocka_unit_test(image1_slot_overlap_and_device_are_checked),
        cmocka_unit_test(image1_primary_on_the_network_core_is_refused),
        cmocka_unit_test(header_names_image_1),
        cmocka_unit_test(slot_names_as_ncs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
