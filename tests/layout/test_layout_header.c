/*
 * The generated header, compiled: this file is built against a
 * fotakit_layout.h that `fotakit layout header` generated at build time
 * (LT_LAYOUT + LT_BOARD), and checks every value in it against the layout
 * and board read at run time. It also regenerates the header in memory
 * (byte-identical) and runs the host compiler on it to prove the driver
 * check turns a missing driver into a build error.
 */
#include <sys/wait.h>

#include "lt_util.h"

/* The image being built: this test plays the bootloader and has every
 * driver, so the header's driver check must let it through. */
#define FK_LAYOUT_CHECK_DRIVERS 1
#define FK_LAYOUT_IMAGE_BOOTLOADER 1
#define FK_HAVE_DRIVER_INTERNAL 1
#define FK_HAVE_DRIVER_SPI_NOR 1
#define FK_HAVE_DRIVER_QSPI_NOR 1
#include "fotakit_layout.h"

static struct fk_layout *l;
static struct fk_board *b;

static int setup(void **state)
{
    (void)state;
    char err[768];
    l = calloc(1, sizeof *l);
    b = calloc(1, sizeof *b);
    if (l == NULL || b == NULL || fk_layout_load(LT_LAYOUT, l, err, sizeof err) != 0 ||
        fk_board_load(LT_BOARD, b, err, sizeof err) != 0) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(l);
    free(b);
    return 0;
}

static void devices_match(void **state)
{
    (void)state;
    assert_int_equal(FK_LAYOUT_DEV_COUNT, b->count);
    unsigned seen = 0;
#define DEV(i_, name_, kind_, size_, es_, ws_, ps_)                                               \
    do {                                                                                          \
        int d = fk_board_find(b, #name_);                                                         \
        assert_int_equal(d, i_);                                                                  \
        assert_int_equal((int)b->dev[d].kind, kind_);                                             \
        assert_int_equal(b->dev[d].size, size_);                                                  \
        assert_int_equal(b->dev[d].erase_size, es_);                                              \
        assert_int_equal(b->dev[d].write_size, ws_);                                              \
        assert_int_equal(b->dev[d].page_size, ps_);                                               \
        seen++;                                                                                   \
    } while (0);
    FK_LAYOUT_DEVICES(DEV)
    assert_int_equal(seen, b->count);
    /* the named macros agree with the table */
    assert_int_equal(FK_LAYOUT_DEV_FLASH_PRIMARY_SIZE, b->dev[FK_LAYOUT_DEV_FLASH_PRIMARY].size);
    assert_string_equal(FK_LAYOUT_DEV_FLASH_PRIMARY_NAME, "flash_primary");
    assert_int_equal(FK_LAYOUT_DEV_FLASH_PRIMARY_KIND, FK_LAYOUT_KIND_INTERNAL);
#ifdef FK_LAYOUT_DEV_EXTERNAL_FLASH
    const struct fk_board_dev *x = &b->dev[FK_LAYOUT_DEV_EXTERNAL_FLASH];
    assert_int_equal(FK_LAYOUT_DEV_EXTERNAL_FLASH_KIND, (int)x->kind);
    assert_int_equal(FK_LAYOUT_DEV_EXTERNAL_FLASH_ERASE_SIZE, x->erase_size);
    assert_string_equal(FK_LAYOUT_DEV_EXTERNAL_FLASH_BUS, x->bus);
    assert_string_equal(FK_LAYOUT_DEV_EXTERNAL_FLASH_CHOSEN, x->chosen);
    assert_int_equal(FK_LAYOUT_DEV_EXTERNAL_FLASH_JEDEC_ID,
                     (uint32_t)x->jedec_id[0] << 16 | (uint32_t)x->jedec_id[1] << 8 | x->jedec_id[2]);
    assert_int_equal(FK_LAYOUT_DEV_EXTERNAL_FLASH_SPI_HZ, x->spi_hz);
#endif
}

static void areas_match(void **state)
{
    (void)state;
    assert_int_equal(FK_LAYOUT_AREA_COUNT, fk_layout_area_count(l));
    unsigned seen = 0;
    int last = -1;
#define AREA(id_, name_, dev_, off_, size_)                                                       \
    do {                                                                                          \
        int p = fk_layout_find(l, #name_);                                                        \
        assert_true(p >= 0);                                                                      \
        assert_int_equal(fk_layout_area_id(l, (unsigned)p), id_);                                 \
        assert_int_equal(fk_layout_part_dev(l, b, (unsigned)p), dev_);                            \
        assert_int_equal(l->part[p].address, off_);                                               \
        assert_int_equal(l->part[p].size, size_);                                                 \
        assert_true((id_) > last); /* id order */                                                 \
        last = (id_);                                                                             \
        seen++;                                                                                   \
    } while (0);
    FK_LAYOUT_AREAS(AREA)
    assert_int_equal(seen, fk_layout_area_count(l));

    /* roles and their named macros */
    assert_int_equal(FK_LAYOUT_BOOTLOADER_ID, FK_AREA_ID_BOOTLOADER);
    assert_int_equal(FK_LAYOUT_PRIMARY_ID, FK_AREA_ID_PRIMARY);
    assert_int_equal(FK_LAYOUT_SECONDARY_ID, FK_AREA_ID_SECONDARY);
    assert_int_equal(FK_LAYOUT_SCRATCH_ID, fk_layout_find(l, "mcuboot_scratch") >= 0 ? 3 : -1);
    assert_int_equal(FK_LAYOUT_COUNTERS_ID, fk_layout_find(l, "fotakit_counters") >= 0 ? 4 : -1);
    int p = fk_layout_find(l, "mcuboot_primary"), s = fk_layout_find(l, "mcuboot_secondary");
    assert_int_equal(FK_LAYOUT_AREA_MCUBOOT_PRIMARY_OFFSET, l->part[p].address);
    assert_int_equal(FK_LAYOUT_AREA_MCUBOOT_PRIMARY_SIZE, l->part[p].size);
    assert_int_equal(FK_LAYOUT_AREA_MCUBOOT_SECONDARY_OFFSET, l->part[s].address);
    assert_int_equal(FK_LAYOUT_AREA_MCUBOOT_SECONDARY_SIZE, l->part[s].size);
    assert_int_equal(FK_LAYOUT_AREA_MCUBOOT_SECONDARY_DEV, fk_layout_part_dev(l, b, (unsigned)s));
    assert_string_equal(FK_LAYOUT_AREA_MCUBOOT_SECONDARY_NAME, "mcuboot_secondary");
    assert_int_equal(FK_LAYOUT_AREA_MCUBOOT_SECONDARY_ID, 2);
}

static void geometry_and_drivers_match(void **state)
{
    (void)state;
    struct fk_layout_geometry g;
    assert_int_equal(fk_layout_geometry(l, b, &g, NULL, 0), FK_OK);
    assert_int_equal(FK_LAYOUT_SWAP_UNIT, g.unit);
    assert_int_equal(FK_LAYOUT_MAX_IMAGE, g.max_image);
    assert_int_equal(FK_LAYOUT_SEC_IMAGE_OFF, g.sec_image_off);
    assert_int_equal(FK_LAYOUT_PRI_TRAILER_UNITS, g.pri_trailer_units);
    assert_int_equal(FK_LAYOUT_SEC_TRAILER_UNITS, g.sec_trailer_units);
    assert_int_equal(FK_LAYOUT_SWAP_SUPPORTED, 1);
    assert_int_equal(FK_LAYOUT_SWAP_MAX_IMAGE, g.max_image);
    assert_int_equal(FK_LAYOUT_OVERWRITE_MAX_IMAGE, g.max_image);
    /* drivers: the secondary's device kind is needed by both images */
    int s = fk_layout_find(l, "mcuboot_secondary");
    enum fk_dev_kind k = b->dev[fk_layout_part_dev(l, b, (unsigned)s)].kind;
    assert_int_equal(FK_LAYOUT_BOOTLOADER_NEEDS_INTERNAL, 1);
    assert_int_equal(FK_LAYOUT_APP_NEEDS_INTERNAL, 1);
    assert_int_equal(FK_LAYOUT_BOOTLOADER_NEEDS_SPI_NOR, k == FK_KIND_SPI_NOR);
    assert_int_equal(FK_LAYOUT_APP_NEEDS_SPI_NOR, k == FK_KIND_SPI_NOR);
    assert_int_equal(FK_LAYOUT_BOOTLOADER_NEEDS_QSPI_NOR, 0);
    assert_int_equal(FK_LAYOUT_BOOTLOADER_NEEDS_DEV_FLASH_PRIMARY, 1);
}

static void regenerates_byte_identical(void **state)
{
    (void)state;
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    assert_non_null(f);
    const char *ln = strrchr(LT_LAYOUT, '/') + 1, *bn = strrchr(LT_BOARD, '/') + 1;
    assert_int_equal(fk_layout_write_header(f, l, b, ln, bn), FK_OK);
    fclose(f);
    FILE *g = fopen(LT_HEADER, "rb");
    assert_non_null(g);
    char *disk = malloc(len + 2);
    assert_non_null(disk);
    size_t n = fread(disk, 1, len + 1, g);
    fclose(g);
    assert_int_equal(n, len);
    assert_memory_equal(disk, mem, len);
    free(disk);
    free(mem);
}

/* Run the host compiler on the generated header with some drivers. */
static int compile(const char *defs, char *errbuf, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' -fsyntax-only -Werror -DFK_LAYOUT_CHECK_DRIVERS %s -x c '%s' 2>'%s.err'",
             LT_CC, defs, LT_HEADER, LT_HEADER);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    char path[600];
    snprintf(path, sizeof path, "%s.err", LT_HEADER);
    FILE *f = fopen(path, "rb");
    errbuf[0] = '\0';
    if (f) {
        size_t n = fread(errbuf, 1, cap - 1, f);
        errbuf[n] = '\0';
        fclose(f);
        remove(path);
    }
    return WEXITSTATUS(st);
}

static void missing_driver_is_a_build_error(void **state)
{
    (void)state;
    char e[4096];
    /* with all drivers it compiles, for both images */
    assert_int_equal(compile("-DFK_LAYOUT_IMAGE_APP -DFK_HAVE_DRIVER_INTERNAL -DFK_HAVE_DRIVER_SPI_NOR", e, sizeof e), 0);
    assert_int_equal(compile("-DFK_LAYOUT_IMAGE_BOOTLOADER -DFK_HAVE_DRIVER_INTERNAL -DFK_HAVE_DRIVER_SPI_NOR", e, sizeof e), 0);
    int s = fk_layout_find(l, "mcuboot_secondary");
    if (b->dev[fk_layout_part_dev(l, b, (unsigned)s)].kind == FK_KIND_SPI_NOR) {
        /* the application without the NOR driver: the -19 class, at build time */
        assert_int_not_equal(compile("-DFK_LAYOUT_IMAGE_APP -DFK_HAVE_DRIVER_INTERNAL", e, sizeof e), 0);
        assert_has(e, "needs the spi-nor driver in the application");
        assert_int_not_equal(compile("-DFK_LAYOUT_IMAGE_BOOTLOADER -DFK_HAVE_DRIVER_INTERNAL", e, sizeof e), 0);
        assert_has(e, "needs the spi-nor driver in the bootloader");
    } else {
        /* internal-only layout: the NOR driver is not needed */
        assert_int_equal(compile("-DFK_LAYOUT_IMAGE_APP -DFK_HAVE_DRIVER_INTERNAL", e, sizeof e), 0);
    }
    assert_int_not_equal(compile("-DFK_LAYOUT_IMAGE_APP", e, sizeof e), 0);
    assert_has(e, "needs the internal driver in the application");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(devices_match),
        cmocka_unit_test(areas_match),
        cmocka_unit_test(geometry_and_drivers_match),
        cmocka_unit_test(regenerates_byte_identical),
        cmocka_unit_test(missing_driver_is_a_build_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
