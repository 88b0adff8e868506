/* Flash map: open by id/name, bounds and alignment checks, sectors, and an
 * explanation for every error code. Uses a small RAM device of its own that
 * records what reached it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fotakit/flash.h"

static uint8_t ram[0x10000];
static int calls;

static int r_read(struct fk_flash_dev *d, uint32_t off, void *buf, size_t len)
{
    (void)d;
    calls++;
    memcpy(buf, ram + off, len);
    return FK_OK;
}
static int r_prog(struct fk_flash_dev *d, uint32_t off, const void *buf, size_t len)
{
    (void)d;
    calls++;
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        ram[off + i] &= p[i];
    }
    return FK_OK;
}
static int r_erase(struct fk_flash_dev *d, uint32_t off, size_t len)
{
    (void)d;
    calls++;
    memset(ram + off, 0xff, len);
    return FK_OK;
}
static const struct fk_flash_ops ops = {r_read, r_prog, r_erase, NULL};

static struct fk_flash_dev mkdev(void)
{
    struct fk_flash_dev d = {.name = "flash_primary", .desc = "internal NVMC", .size = sizeof ram,
                             .erase_size = 0x1000, .write_size = 8, .erased_val = 0xff,
                             .ops = &ops, .state = FK_DEV_READY};
    return d;
}

static void test_open(void **s)
{
    (void)s;
    struct fk_flash_dev d = mkdev();
    struct fk_flash_dev off = mkdev();
    off.state = FK_DEV_UNINIT;
    struct fk_flash_area areas[] = {
        {.id = 1, .name = "mcuboot_primary", .dev = &d, .off = 0x1000, .size = 0x4000},
        {.id = 2, .name = "mcuboot_secondary", .dev = &off, .off = 0x5000, .size = 0x4000},
        {.id = 3, .name = "too_big", .dev = &d, .off = 0xf000, .size = 0x2000},
        {.id = 4, .name = "nodev", .dev = NULL, .off = 0, .size = 0x1000},
    };
    struct fk_flash_map map = {areas, 4};
    const struct fk_flash_area *fa = (const void *)1;
    assert_int_equal(fk_flash_open(&map, 1, &fa), FK_OK);
    assert_ptr_equal(fa, &areas[0]);
    assert_int_equal(fk_flash_open_name(&map, "mcuboot_primary", &fa), FK_OK);
    assert_ptr_equal(fa, &areas[0]);
    assert_int_equal(fk_flash_open(&map, 9, &fa), FK_ENOENT);
    assert_null(fa);
    assert_int_equal(fk_flash_open_name(&map, "nope", &fa), FK_ENOENT);
    assert_null(fa);
    assert_int_equal(fk_flash_open(&map, 2, &fa), FK_ENODEV);
    assert_ptr_equal(fa, &areas[1]); /* set so the caller can explain */
    assert_int_equal(fk_flash_open(&map, 3, &fa), FK_ERANGE);
    assert_int_equal(fk_flash_open(&map, 4, &fa), FK_ENODEV);
    assert_int_equal(fk_flash_open(NULL, 1, &fa), FK_EINVAL);
    assert_int_equal(fk_flash_open(&map, 1, NULL), FK_EINVAL);
    /* I/O on a not-ready area never reaches a device. */
    calls = 0;
    uint8_t b[8];
    assert_int_equal(fk_flash_read(&areas[1], 0, b, 8), FK_ENODEV);
    assert_int_equal(fk_flash_read(&areas[3], 0, b, 8), FK_ENODEV);
    assert_int_equal(calls, 0);
}

static void test_bounds_and_alignment(void **s)
{
    (void)s;
    struct fk_flash_dev d = mkdev();
    struct fk_flash_area a = {.id = 1, .name = "mcuboot_primary", .dev = &d, .off = 0x1000,
                              .size = 0x4000};
    uint8_t b[0x100];
    memset(ram, 0xff, sizeof ram);
    calls = 0;
    /* read: any alignment, within the area */
    assert_int_equal(fk_flash_read(&a, 3, b, 5), FK_OK);
    assert_int_equal(fk_flash_read(&a, 0x3ff0, b, 0x10), FK_OK);
    assert_int_equal(fk_flash_read(&a, 0x3ff0, b, 0x11), FK_ERANGE);
    assert_int_equal(fk_flash_read(&a, 0x4001, b, 0), FK_ERANGE);
    assert_int_equal(fk_flash_read(&a, 0xfffffff0u, b, 0x20), FK_ERANGE); /* no wraparound */
    assert_int_equal(fk_flash_read(&a, 0, NULL, 1), FK_EINVAL);
    assert_int_equal(calls, 2);
    /* write: multiples of write_size (8), relative to the device */
    memset(b, 0x11, sizeof b);
    assert_int_equal(fk_flash_write(&a, 8, b, 16), FK_OK);
    assert_int_equal(ram[0x1008], 0x11);
    assert_int_equal(ram[0x1007], 0xff);
    assert_int_equal(ram[0x1018], 0xff);
    assert_int_equal(fk_flash_write(&a, 4, b, 8), FK_EALIGN);
    assert_int_equal(fk_flash_write(&a, 8, b, 12), FK_EALIGN);
    assert_int_equal(fk_flash_write(&a, 0x3ff8, b, 16), FK_ERANGE);
    /* an area that starts off the write grid: offsets are absolute */
    struct fk_flash_area odd = a;
    odd.off = 0x1004;
    assert_int_equal(fk_flash_write(&odd, 0, b, 8), FK_EALIGN);
    assert_int_equal(fk_flash_write(&odd, 4, b, 8), FK_OK);
    /* erase: sector multiples */
    assert_int_equal(fk_flash_erase(&a, 0x1000, 0x1000), FK_OK);
    assert_int_equal(fk_flash_erase(&a, 0x800, 0x1000), FK_EALIGN);
    assert_int_equal(fk_flash_erase(&a, 0x1000, 0x800), FK_EALIGN);
    assert_int_equal(fk_flash_erase(&a, 0x3000, 0x2000), FK_ERANGE);
    assert_int_equal(fk_flash_erase(&a, 0, 0x4000), FK_OK);
    assert_int_equal(ram[0x1008], 0xff);
    assert_int_equal(fk_flash_align(&a), 8);
    assert_int_equal(fk_flash_erased_val(&a), 0xff);
    assert_int_equal(fk_flash_sync(&a), FK_OK); /* no sync callback: nothing to wait for */
}

static void test_sectors(void **s)
{
    (void)s;
    struct fk_flash_dev d = mkdev();
    struct fk_flash_area a = {.id = 1, .name = "p", .dev = &d, .off = 0x2000, .size = 0x3000};
    struct fk_flash_sector sec[3];
    size_t n = 2;
    assert_int_equal(fk_flash_get_sectors(&a, sec, &n), FK_ENOMEM);
    assert_int_equal(n, 3);
    assert_int_equal(fk_flash_get_sectors(&a, sec, &n), FK_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sec[2].off, 0x2000);
    assert_int_equal(sec[2].size, 0x1000);
    a.off = 0x2100;
    assert_int_equal(fk_flash_get_sectors(&a, sec, &n), FK_EALIGN);
}

static void test_explain_every_code(void **s)
{
    (void)s;
    struct fk_flash_dev d = mkdev();
    struct fk_flash_area a = {.id = 1, .name = "mcuboot_primary", .dev = &d, .off = 0x1000,
                              .size = 0x4000};
    struct fk_flash_map map = {&a, 1};
    char buf[400];
    struct {
        int code;
        const char *word; /* what the sentence must mention */
    } cases[] = {
        {FK_OK, "no error"},
        {FK_EINVAL, "invalid"},
        {FK_ENOENT, "no such"},
        {FK_EIO, "I/O error"},
        {FK_ETIMEDOUT, "timeout"},
        {FK_ERANGE, "outside the area"},
        {FK_EALIGN, "multiples of 8 bytes"},
        {FK_EPROTECT, "block-protect"},
        {FK_ENOSPC, "does not fit"},
        {FK_EBUSY, "busy"},
        {FK_ENOTSUP, "does not support"},
        {FK_ENOTERASED, "from 0 to 1"},
        {FK_EWEAR, "nWRITE"},
        {FK_EOVERFLOW, "overflows"},
        {FK_ECORRUPT, "integrity"},
        {FK_EID, "different chip"},
        {FK_ENOMEM, "too small"},
        {-999, "FK_E?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fk_flash_explain(&map, 1, cases[i].code, buf, sizeof buf);
        assert_true(strncmp(buf, "mcuboot_primary: ", 17) == 0);
        if (strstr(buf, cases[i].word) == NULL) {
            fail_msg("code %d: \"%s\" lacks \"%s\"", cases[i].code, buf, cases[i].word);
        }
        if (cases[i].code != FK_OK && cases[i].code != FK_ENOENT && cases[i].code != FK_ECORRUPT &&
            cases[i].code != FK_ENOSPC && cases[i].code != FK_ENOMEM) {
            assert_non_null(strstr(buf, "flash_primary"));
        }
    }
    /* not ready: each state has its own observation */
    d.state = FK_DEV_UNINIT;
    fk_flash_explain(&map, 1, FK_ENODEV, buf, sizeof buf);
    assert_string_equal(buf, "mcuboot_primary: device flash_primary (internal NVMC) is not ready: "
                             "its driver was never initialised; call the driver's init before "
                             "opening the area");
    d.state = FK_DEV_ABSENT;
    fk_flash_explain(&map, 1, FK_ENODEV, buf, sizeof buf);
    assert_non_null(strstr(buf, "no driver"));
    d.state = FK_DEV_FAILED;
    strcpy(d.why, "JEDEC ID read 00 00 00, expected c2 28 15");
    d.hint = "check the SPI4 pins";
    fk_flash_explain(&map, 1, FK_ENODEV, buf, sizeof buf);
    assert_string_equal(buf, "mcuboot_primary: device flash_primary (internal NVMC) is not ready: "
                             "JEDEC ID read 00 00 00, expected c2 28 15; check the SPI4 pins");
    /* area beyond its device */
    d.state = FK_DEV_READY;
    a.size = 0x20000;
    fk_flash_explain(&map, 1, FK_ERANGE, buf, sizeof buf);
    assert_non_null(strstr(buf, "beyond the end of device flash_primary"));
    /* no device at all */
    a.dev = NULL;
    fk_flash_explain(&map, 1, FK_ENODEV, buf, sizeof buf);
    assert_non_null(strstr(buf, "no flash device"));
    /* unknown id: lists what exists */
    a.dev = &d;
    fk_flash_explain(&map, 7, FK_ENOENT, buf, sizeof buf);
    assert_string_equal(buf, "flash area id 7: no such area in the flash map (it has ids 1 "
                             "mcuboot_primary); does the layout (pm_static.yml) define this "
                             "partition?");
    /* always NUL-terminated, even when cut short */
    char tiny[10];
    fk_flash_explain(&map, 1, FK_EIO, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 9);
    assert_string_equal(fk_flash_explain_area(&a, FK_OK, buf, sizeof buf), buf);
}

/* Each image's view: its slots under ids 1/2, the shared areas, nothing of
 * the other image (image 1 also drops unshared extras such as "app"). */
static void test_image_view(void **s)
{
    (void)s;
    static const struct fk_flash_area all[] = {
        {.id = 0, .name = "mcuboot"},           {.id = 1, .name = "mcuboot_primary"},
        {.id = 2, .name = "mcuboot_secondary"}, {.id = 3, .name = "mcuboot_scratch"},
        {.id = 7, .name = "mcuboot_primary_1", .off = 0x7000},
        {.id = 8, .name = "mcuboot_secondary_1", .off = 0x8000},
        {.id = 9, .name = "app"},
    };
    const struct fk_flash_map map = {.areas = all, .count = 7};
    struct fk_flash_area a[8];
    struct fk_flash_map v;
    assert_int_equal(fk_flash_map_image(&map, 0, a, 8, &v), FK_OK);
    assert_int_equal(v.count, 5);
    static const uint8_t ids0[] = {0, 1, 2, 3, 9};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(v.areas[i].id, ids0[i]);
    }
    assert_int_equal(fk_flash_map_image(&map, 1, a, 8, &v), FK_OK);
    assert_int_equal(v.count, 4);
    assert_string_equal(v.areas[2].name, "mcuboot_primary_1");
    assert_int_equal(v.areas[2].id, FK_AREA_ID_PRIMARY);
    assert_int_equal(v.areas[2].off, 0x7000);
    assert_string_equal(v.areas[3].name, "mcuboot_secondary_1");
    assert_int_equal(v.areas[3].id, FK_AREA_ID_SECONDARY);
    assert_int_equal(v.areas[1].id, FK_AREA_ID_SCRATCH);
    assert_int_equal(fk_flash_map_image(&map, 1, a, 3, &v), FK_ENOMEM);
    assert_int_equal(v.count, 3);
    assert_int_equal(fk_flash_map_image(&map, FK_IMAGE_MAX, a, 8, &v), FK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_bounds_and_alignment),
        cmocka_unit_test(test_sectors),
        cmocka_unit_test(test_explain_every_code),
        cmocka_unit_test(test_image_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
