/*
 * The table of bootloader modes (fotakit/mcuboot_mode.h) against imgtool:
 * trailer offsets and trailer bytes compared with imgtool's padded images
 * (../shared/vectors/imgtool: --pad --test, --pad --confirm,
 * --pad --overwrite-only; slot 0x74000, --align 4, 128 sectors), the image
 * end read from their dumpinfo files, the largest image per mode worked out
 * by hand from design.md's formulas, and the marks each mode writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fotakit/boot.h"
#include "fotakit/host/image.h"
#include "fotakit/mcuboot_mode.h"

#define VEC FOTAKIT_SHARED_DIR "/vectors/imgtool/"
#define SLOT 0x74000u /* imgtool --slot-size of the padded vectors */

/* ---- RAM flash: primary, secondary, scratch ------------------------------ */

#define RAM_SIZE 0x200000u
static uint8_t ram[RAM_SIZE];

static int r_read(struct fk_flash_dev *d, uint32_t off, void *buf, size_t len)
{
    (void)d;
    memcpy(buf, ram + off, len);
    return FK_OK;
}

/* Program calls recorded in order (offset from the end of the area that
 * contains them), to check the order of trailer writes. */
static uint32_t prog_log[16];
static unsigned prog_n;

static int r_prog(struct fk_flash_dev *d, uint32_t off, const void *buf, size_t len)
{
    (void)d;
    if (prog_n < 16) {
        prog_log[prog_n++] = off;
    }
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        if ((ram[off + i] & b[i]) != b[i]) {
            return FK_ENOTERASED;
        }
        ram[off + i] &= b[i];
    }
    return FK_OK;
}

static int r_erase(struct fk_flash_dev *d, uint32_t off, size_t len)
{
    (void)d;
    memset(ram + off, 0xff, len);
    return FK_OK;
}

static const struct fk_flash_ops r_ops = {r_read, r_prog, r_erase, NULL};
static struct fk_flash_dev devp, devs;
static struct fk_flash_area areas[3];
static struct fk_flash_map map;

#define P_OFF 0x0u
#define S_OFF 0x80000u
#define SC_OFF 0x100000u

static void mkdev(struct fk_flash_dev *d, uint32_t erase, uint32_t write)
{
    memset(d, 0, sizeof *d);
    d->name = "ram";
    d->size = RAM_SIZE;
    d->erase_size = erase;
    d->write_size = write;
    d->erased_val = 0xff;
    d->ops = &r_ops;
    d->state = FK_DEV_READY;
}

/* Two slots (sizes p, s; erase sizes ep, es; one write size) and an
 * optional scratch of sc bytes. */
static void mkmap(uint32_t p, uint32_t s, uint32_t ep, uint32_t es, uint32_t w, uint32_t sc)
{
    memset(ram, 0xff, sizeof ram);
    mkdev(&devp, ep, w);
    mkdev(&devs, es, w);
    areas[0] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, "mcuboot_primary", &devp, P_OFF, p};
    areas[1] = (struct fk_flash_area){FK_AREA_ID_SECONDARY, "mcuboot_secondary", &devs, S_OFF, s};
    areas[2] = (struct fk_flash_area){FK_AREA_ID_SCRATCH, "mcuboot_scratch", &devp, SC_OFF, sc};
    map.areas = areas;
    map.count = sc ? 3 : 2;
}

/* A whole file (the test fails if it cannot be read). Caller frees. */
static uint8_t *load(const char *name, size_t *len)
{
    uint8_t *b = NULL;
    char err[300];
    if (fk_file_read(name, &b, len, err, sizeof err) != FK_OK) {
        fail_msg("%s", err);
    }
    return b;
}

/* End of the image (header + payload + TLVs) from imgtool dumpinfo's
 * "TLV area (offset: X)" and "area size: Y". */
static uint32_t dumpinfo_end(const char *bin)
{
    char path[512];
    snprintf(path, sizeof path, "%s.dumpinfo.txt", bin);
    size_t n;
    uint8_t *raw = load(path, &n);
    char *t = calloc(1, n + 1); /* as a C string */
    assert_non_null(t);
    memcpy(t, raw, n);
    free(raw);
    const char *a = strstr(t, "TLV area (offset: ");
    assert_non_null(a);
    unsigned off = 0, size = 0;
    assert_int_equal(sscanf(a, "TLV area (offset: %x)", &off), 1);
    const char *z = strstr(a, "area size: ");
    assert_non_null(z);
    assert_int_equal(sscanf(z, "area size: %x", &size), 1);
    free(t);
    return off + size;
}

/* ---- the table -------------------------------------------------------------- */

static void test_table_rows(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum fk_bl b;
        int mode;
    } want[] = {
        {"fotakit", FK_BL_FOTAKIT, 9},
        {"fotakit-overwrite", FK_BL_FOTAKIT_OVERWRITE, 2},
        {"mcuboot:overwrite-only", FK_BL_MCUBOOT_OVERWRITE_ONLY, 2},
        {"mcuboot:swap-scratch", FK_BL_MCUBOOT_SWAP_SCRATCH, 1},
        {"mcuboot:swap-move", FK_BL_MCUBOOT_SWAP_MOVE, 3},
        {"mcuboot:swap-offset", FK_BL_MCUBOOT_SWAP_OFFSET, 9},
        {"mcuboot:direct-xip", FK_BL_MCUBOOT_DIRECT_XIP, 4},
        {"mcuboot:direct-xip-revert", FK_BL_MCUBOOT_DIRECT_XIP_REVERT, 5},
        {"mcuboot:ram-load", FK_BL_MCUBOOT_RAM_LOAD, 6},
        {"swap-without-scratch", FK_BL_MCUBOOT_SWAP_MOVE, 3},
        {"mcuboot:upgrade-only", FK_BL_MCUBOOT_OVERWRITE_ONLY, 2},
        {"direct-xip-with-revert", FK_BL_MCUBOOT_DIRECT_XIP_REVERT, 5},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        enum fk_bl b = FK_BL_COUNT;
        assert_int_equal(fk_bl_parse(want[i].name, &b), FK_OK);
        assert_int_equal(b, want[i].b);
        assert_int_equal(fk_bl_mode(b)->mcuboot_mode, want[i].mode);
    }
    enum fk_bl b = FK_BL_MCUBOOT_RAM_LOAD;
    assert_int_equal(fk_bl_parse("mcuboot:fotakit", &b), FK_EINVAL);
    assert_int_equal(fk_bl_parse("swap-sideways", &b), FK_EINVAL);
    assert_int_equal(b, FK_BL_MCUBOOT_RAM_LOAD); /* untouched */
    assert_null(fk_bl_mode(FK_BL_COUNT));
    assert_int_equal(fk_bl_from_mcuboot_mode(3), FK_BL_MCUBOOT_SWAP_MOVE);
    assert_int_equal(fk_bl_from_mcuboot_mode(9), FK_BL_MCUBOOT_SWAP_OFFSET);
    assert_int_equal(fk_bl_from_mcuboot_mode(7), FK_BL_COUNT);
    /* every stock row names its Kconfig symbols and its design.md section */
    for (int i = FK_BL_MCUBOOT_OVERWRITE_ONLY; i < FK_BL_COUNT; i++) {
        const struct fk_bl_mode *m = fk_bl_mode((enum fk_bl)i);
        assert_int_equal(m->id, i);
        assert_non_null(m->boot_kconfig);
        assert_true(strncmp(m->app_kconfig, "CONFIG_MCUBOOT_BOOTLOADER_MODE_", 31) == 0);
        assert_true(strncmp(m->sysbuild_kconfig, "SB_CONFIG_MCUBOOT_MODE_", 23) == 0);
        assert_true(strncmp(m->section, "design.md: ", 11) == 0);
    }
    assert_string_equal(fk_bl_mode(FK_BL_MCUBOOT_SWAP_MOVE)->boot_kconfig,
                        "CONFIG_BOOT_SWAP_USING_MOVE");
    assert_string_equal(fk_bl_mode(FK_BL_MCUBOOT_DIRECT_XIP_REVERT)->boot_kconfig2,
                        "CONFIG_BOOT_DIRECT_XIP_REVERT");
    /* where uploads go and which slot test/confirm write */
    assert_int_equal(fk_bl_mode(FK_BL_MCUBOOT_SWAP_OFFSET)->upload_sectors, 1);
    assert_int_equal(fk_bl_mode(FK_BL_MCUBOOT_SWAP_MOVE)->upload_sectors, 0);
    assert_int_equal(fk_bl_step(FK_BL_MCUBOOT_SWAP_MOVE, FK_BL_OP_TEST)->target, FK_BL_T_SECONDARY);
    assert_int_equal(fk_bl_step(FK_BL_MCUBOOT_DIRECT_XIP_REVERT, FK_BL_OP_TEST)->target,
                     FK_BL_T_OTHER);
    assert_int_equal(fk_bl_step(FK_BL_MCUBOOT_DIRECT_XIP, FK_BL_OP_TEST)->target, FK_BL_T_NONE);
    assert_true(fk_bl_mode(FK_BL_MCUBOOT_SWAP_SCRATCH)->flags & FK_BL_F_SCRATCH);
    assert_false(fk_bl_mode(FK_BL_MCUBOOT_SWAP_MOVE)->flags & FK_BL_F_SCRATCH);
}

/* Trailer offsets for imgtool's slot (0x74000, align 4, 128 sectors):
 * README "Trailer arithmetic": trailer 1584 B (0x739D0) for scratch and
 * move, 1080 B for offset; fields at 0x73FF0 / E8 / E0 / D8 / D0. */
static void test_trailer_offsets(void **state)
{
    (void)state;
    const enum fk_bl three[] = {FK_BL_MCUBOOT_SWAP_SCRATCH, FK_BL_MCUBOOT_SWAP_MOVE};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(fk_bl_trailer_size(three[i], 4, 128), 1584);
        assert_int_equal(fk_bl_field_off(three[i], SLOT, 4, 128, FK_BL_FIELD_STATUS), 0x739d0);
        assert_int_equal(fk_bl_field_off(three[i], SLOT, 4, 128, FK_BL_FIELD_SWAP_SIZE), 0x73fd0);
    }
    enum fk_bl o = FK_BL_MCUBOOT_SWAP_OFFSET;
    assert_int_equal(fk_bl_trailer_size(o, 4, 128), 1080);
    assert_int_equal(fk_bl_field_off(o, SLOT, 4, 128, FK_BL_FIELD_STATUS), SLOT - 1080);
    assert_int_equal(fk_bl_field_off(o, SLOT, 4, 128, FK_BL_FIELD_TLV_SIZES), 0x73fd0);
    assert_int_equal(fk_bl_field_off(o, SLOT, 4, 128, FK_BL_FIELD_SWAP_SIZE), 0x73fc8);
    for (int b = 0; b < FK_BL_COUNT; b++) {
        assert_int_equal(fk_bl_field_off((enum fk_bl)b, SLOT, 4, 128, FK_BL_FIELD_MAGIC), 0x73ff0);
        assert_int_equal(fk_bl_field_off((enum fk_bl)b, SLOT, 4, 128, FK_BL_FIELD_IMAGE_OK),
                         0x73fe8);
        assert_int_equal(fk_bl_field_off((enum fk_bl)b, SLOT, 4, 128, FK_BL_FIELD_COPY_DONE),
                         0x73fe0);
        assert_int_equal(fk_bl_field_off((enum fk_bl)b, SLOT, 4, 128, FK_BL_FIELD_SWAP_INFO),
                         0x73fd8);
    }
    /* write size 8 doubles the status area: 128 * 3 * 8 + 48 */
    assert_int_equal(fk_bl_trailer_size(FK_BL_MCUBOOT_SWAP_MOVE, 8, 128), 3120);
    assert_int_equal(fk_bl_trailer_size(FK_BL_MCUBOOT_SWAP_MOVE, 4, 0), 1584); /* 0 = 128 */
}

/* The padded vectors carry their fields where the table says, and the
 * image (end read from dumpinfo) ends before every mode's limit. */
static void test_imgtool_pads_match_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint8_t image_ok;
        uint32_t end; /* TLV area 0x5020 + its size (DER signature 71 or 72 B) */
    } v[] = {
        {VEC "img-ecdsa-p256-pad-test.bin", 0xff, 0x5020 + 0x97},
        {VEC "img-ecdsa-p256-pad-confirm.bin", 0x01, 0x5020 + 0x98},
        {VEC "img-ecdsa-p256-overwrite-only-pad.bin", 0xff, 0x5020 + 0x98},
    };
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *f = load(v[i].file, &n);
        assert_int_equal(n, SLOT);
        uint32_t end = dumpinfo_end(v[i].file);
        assert_int_equal(end, v[i].end);
        enum fk_bl b = i == 2 ? FK_BL_MCUBOOT_OVERWRITE_ONLY : FK_BL_MCUBOOT_SWAP_MOVE;
        uint32_t mo = fk_bl_field_off(b, SLOT, 4, 128, FK_BL_FIELD_MAGIC);
        uint32_t ok = fk_bl_field_off(b, SLOT, 4, 128, FK_BL_FIELD_IMAGE_OK);
        assert_memory_equal(f + mo, fk_boot_magic, 16);
        assert_int_equal(f[ok], v[i].image_ok);
        for (uint32_t at = end; at < SLOT; at++) {
            if (at >= mo || (at == ok && v[i].image_ok != 0xff)) {
                continue;
            }
            if (f[at] != 0xff) {
                fail_msg("%s: byte 0x%x is 0x%02x, expected erased", v[i].file, at, f[at]);
            }
        }
        free(f);
    }
}

/* ---- space ------------------------------------------------------------------ */

static void space(enum fk_bl b, uint32_t max_sectors, int want_rc, uint32_t want_max,
                  uint8_t want_limit, uint32_t want_upload)
{
    struct fk_bl_space sp;
    char why[256];
    int rc = fk_bl_space(b, &map, max_sectors, &sp, why, sizeof why);
    if (rc != want_rc) {
        fail_msg("%s: rc %d (%s), expected %d", fk_bl_mode(b)->name, rc, why, want_rc);
    }
    if (rc == FK_OK) {
        assert_int_equal(sp.max_image, want_max);
        assert_int_equal(sp.limited_by, want_limit);
        assert_int_equal(sp.upload_off, want_upload);
    }
}

static void test_space_equal_slots(void **state)
{
    (void)state;
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0x1000);
    /* move: (116 - 1) sectors - 1 trailer sector (1584 B) = 0x72000, primary binds */
    space(FK_BL_MCUBOOT_SWAP_MOVE, 128, FK_OK, 0x72000, FK_AREA_ID_PRIMARY, 0);
    /* offset: secondary 116 - 1 spare - 1 trailer = 0x72000, upload one sector in */
    space(FK_BL_MCUBOOT_SWAP_OFFSET, 128, FK_OK, 0x72000, FK_AREA_ID_SECONDARY, 0x1000);
    /* scratch: slot - trailer = 0x739d0 (the trailer's 1584 B in its first
     * sector already hold the 60-byte scratch trailer: no padding) */
    space(FK_BL_MCUBOOT_SWAP_SCRATCH, 128, FK_OK, 0x739d0, FK_AREA_ID_PRIMARY, 0);
    /* overwrite-only, direct-xip, RAM load: up to swap_info (size - 40) */
    space(FK_BL_MCUBOOT_OVERWRITE_ONLY, 128, FK_OK, 0x73fd8, FK_AREA_ID_PRIMARY, 0);
    space(FK_BL_MCUBOOT_DIRECT_XIP, 128, FK_OK, 0x73fd8, FK_AREA_ID_PRIMARY, 0);
    space(FK_BL_MCUBOOT_DIRECT_XIP_REVERT, 0, FK_OK, 0x73fd8, FK_AREA_ID_PRIMARY, 0);
    space(FK_BL_MCUBOOT_RAM_LOAD, 0, FK_OK, 0x73fd8, FK_AREA_ID_PRIMARY, 0);
    /* every padded vector's image fits every mode on this slot */
    struct fk_bl_space sp;
    assert_int_equal(fk_bl_space(FK_BL_MCUBOOT_SWAP_MOVE, &map, 0, &sp, NULL, 0), FK_OK);
    assert_int_equal(sp.max_sectors, 116); /* auto = the slot's sector count */
    assert_int_equal(sp.trailer_bytes, 116 * 3 * 4 + 48);
    assert_int_equal(sp.trailer_sector_bytes, 0x1000);
    assert_int_equal(sp.reserved_bytes, 0x1000);
    assert_int_equal(fk_bl_space(FK_BL_MCUBOOT_DIRECT_XIP, &map, 0, &sp, NULL, 0), FK_OK);
    assert_int_equal(sp.reserved_bytes, 40);
}

static void test_space_unequal_and_errors(void **state)
{
    (void)state;
    /* NCS-style: primary one sector larger than the secondary (move): both
     * slots leave 0x73000; a tie names the primary */
    mkmap(SLOT + 0x1000, SLOT, 0x1000, 0x1000, 4, 0);
    space(FK_BL_MCUBOOT_SWAP_MOVE, 128, FK_OK, 0x73000, FK_AREA_ID_PRIMARY, 0);
    /* ... secondary one larger (offset) */
    mkmap(SLOT, SLOT + 0x1000, 0x1000, 0x1000, 4, 0);
    space(FK_BL_MCUBOOT_SWAP_OFFSET, 128, FK_OK, 0x73000, FK_AREA_ID_PRIMARY, 0x1000);
    /* scratch without a scratch partition */
    space(FK_BL_MCUBOOT_SWAP_SCRATCH, 128, FK_ENOENT, 0, 0, 0);
    /* scratch smaller than a sector */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0x800);
    space(FK_BL_MCUBOOT_SWAP_SCRATCH, 128, FK_ENOSPC, 0, 0, 0);
    /* scratch padding: align 1, 1352 sectors: trailer 1352*3+48 = 4104 B
     * = 0x1008, so only 8 B of it share the sector with image data; the
     * scratch trailer (3 + 48 B) needs 43 more: 0x74000 - 0x1008 - 43 */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 1, 0x1000);
    space(FK_BL_MCUBOOT_SWAP_SCRATCH, 1352, FK_OK, 0x72fcd, FK_AREA_ID_PRIMARY, 0);
    /* more sectors than BOOT_MAX_IMG_SECTORS */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    char why[256];
    struct fk_bl_space sp;
    assert_int_equal(fk_bl_space(FK_BL_MCUBOOT_SWAP_MOVE, &map, 64, &sp, why, sizeof why),
                     FK_ENOSPC);
    assert_non_null(strstr(why, "116 sectors"));
    assert_non_null(strstr(why, "BOOT_MAX_IMG_SECTORS=64"));
    /* direct-xip has no swap status: the sector count does not matter */
    space(FK_BL_MCUBOOT_DIRECT_XIP, 64, FK_OK, 0x73fd8, FK_AREA_ID_PRIMARY, 0);
    /* move and offset need one sector size; scratch takes multiples */
    mkmap(0x80000, 0x80000, 0x1000, 0x10000, 4, 0x10000);
    assert_int_equal(fk_bl_space(FK_BL_MCUBOOT_SWAP_MOVE, &map, 0, &sp, why, sizeof why),
                     FK_EINVAL);
    assert_non_null(strstr(why, "one sector size"));
    space(FK_BL_MCUBOOT_SWAP_SCRATCH, 0, FK_OK, 0x80000 - (128 * 3 * 4 + 48), FK_AREA_ID_PRIMARY,
          0);
    /* write size 16: another magic (BOOT_MAX_ALIGN) */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 16, 0);
    assert_int_equal(fk_bl_space(FK_BL_MCUBOOT_SWAP_MOVE, &map, 0, &sp, why, sizeof why),
                     FK_EALIGN);
    assert_non_null(strstr(why, "BOOT_MAX_ALIGN"));
    /* fotakit's rows: the bootloader's own geometry */
    mkmap(SLOT, SLOT + 0x1000, 0x1000, 0x1000, 4, 0);
    struct fk_boot_geometry g;
    assert_int_equal(fk_boot_geometry(&map, &g), FK_OK);
    assert_int_equal(fk_bl_space(FK_BL_FOTAKIT, &map, 0, &sp, NULL, 0), FK_OK);
    assert_int_equal(sp.max_image, g.max_image);
    assert_int_equal(sp.upload_off, g.sec_image_off);
    assert_int_equal(sp.upload_off, 0x1000);
}

/* ---- marks: the bytes test / confirm leave, against imgtool ------------------ */

/* Put the image part of a padded vector into the slot at `at`. */
static uint32_t put_image(const uint8_t *pad, uint32_t end, uint32_t area_off, uint32_t at)
{
    memcpy(ram + area_off + at, pad, end);
    return end;
}

/* Compare the slot with a padded vector: image at `at`, trailer fields at
 * the end; swap_info (which imgtool leaves erased and MCUboot's
 * boot_set_next() writes) must read want_swap_info, padded with 0xff. */
static void compare_slot(uint32_t area_off, const uint8_t *pad, uint32_t end, uint32_t at,
                         uint8_t want_swap_info, uint8_t want_copy_done)
{
    const uint8_t *s = ram + area_off;
    assert_memory_equal(s + at, pad, end);
    for (uint32_t i = 0; i < SLOT; i++) {
        uint8_t want;
        if (i >= at && i < at + end) {
            continue;
        }
        if (i >= SLOT - 48) {
            want = pad[i]; /* magic, image_ok, copy_done, swap_info, swap_size */
            if (i == SLOT - 40) {
                want = want_swap_info;
            }
            if (i == SLOT - 32) {
                want = want_copy_done;
            }
        } else {
            want = 0xff;
        }
        if (s[i] != want) {
            fail_msg("slot byte 0x%x is 0x%02x, expected 0x%02x", i, s[i], want);
        }
    }
}

static void test_marks_match_imgtool(void **state)
{
    (void)state;
    size_t n;
    uint8_t *test = load(VEC "img-ecdsa-p256-pad-test.bin", &n);
    uint8_t *conf = load(VEC "img-ecdsa-p256-pad-confirm.bin", &n);
    uint32_t te = dumpinfo_end(VEC "img-ecdsa-p256-pad-test.bin");
    uint32_t ce = dumpinfo_end(VEC "img-ecdsa-p256-pad-confirm.bin");
    const enum fk_bl swaps[] = {FK_BL_MCUBOOT_OVERWRITE_ONLY, FK_BL_MCUBOOT_SWAP_SCRATCH,
                                FK_BL_MCUBOOT_SWAP_MOVE, FK_BL_MCUBOOT_SWAP_OFFSET};
    for (size_t k = 0; k < 4; k++) {
        enum fk_bl b = swaps[k];
        uint32_t at = b == FK_BL_MCUBOOT_SWAP_OFFSET ? 0x1000 : 0;
        mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0x1000);
        put_image(test, te, S_OFF, at);
        assert_int_equal(fk_bl_mark(b, &map, FK_BL_OP_TEST, FK_AREA_ID_SECONDARY), FK_OK);
        compare_slot(S_OFF, test, te, at, 0x02, 0xff);
        assert_int_equal(fk_bl_swap_type(b, &map), FK_SWAP_TEST);
        /* a second test changes nothing (boot_set_next: already scheduled) */
        assert_int_equal(fk_bl_mark(b, &map, FK_BL_OP_PERM, FK_AREA_ID_SECONDARY), FK_OK);
        compare_slot(S_OFF, test, te, at, 0x02, 0xff);

        mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0x1000);
        put_image(conf, ce, S_OFF, at);
        assert_int_equal(fk_bl_mark(b, &map, FK_BL_OP_PERM, FK_AREA_ID_SECONDARY), FK_OK);
        compare_slot(S_OFF, conf, ce, at, 0x03, 0xff);
        assert_int_equal(fk_bl_swap_type(b, &map), FK_SWAP_PERM);
        /* nothing in the primary trailer changed */
        for (uint32_t i = SLOT - 48; i < SLOT; i++) {
            assert_int_equal(ram[P_OFF + i], 0xff);
        }
    }
    /* direct-xip with revert: a test writes only the magic in the other
     * slot: byte for byte imgtool's --pad --test image */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    put_image(test, te, S_OFF, 0);
    assert_int_equal(
        fk_bl_mark(FK_BL_MCUBOOT_DIRECT_XIP_REVERT, &map, FK_BL_OP_TEST, FK_AREA_ID_SECONDARY),
        FK_OK);
    assert_memory_equal(ram + S_OFF, test, SLOT);
    /* ... a permanent mark adds copy_done and image_ok (pad-confirm + copy_done) */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    put_image(conf, ce, S_OFF, 0);
    assert_int_equal(
        fk_bl_mark(FK_BL_MCUBOOT_DIRECT_XIP_REVERT, &map, FK_BL_OP_PERM, FK_AREA_ID_SECONDARY),
        FK_OK);
    compare_slot(S_OFF, conf, ce, 0, 0xff, 0x01);
    /* plain direct-xip and RAM load write nothing */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    put_image(test, te, S_OFF, 0);
    assert_int_equal(fk_bl_mark(FK_BL_MCUBOOT_DIRECT_XIP, &map, FK_BL_OP_PERM, FK_AREA_ID_SECONDARY),
                     FK_OK);
    assert_int_equal(fk_bl_mark(FK_BL_MCUBOOT_RAM_LOAD, &map, FK_BL_OP_TEST, FK_AREA_ID_SECONDARY),
                     FK_OK);
    for (uint32_t i = te; i < SLOT; i++) {
        assert_int_equal(ram[S_OFF + i], 0xff);
    }
    free(test);
    free(conf);
}

static void test_confirm_and_state_i(void **state)
{
    (void)state;
    const struct fk_flash_area *pa = &areas[0], *sa = &areas[1];
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    /* stock confirm: nothing when the primary has no magic (never swapped) */
    assert_int_equal(fk_bl_mark(FK_BL_MCUBOOT_SWAP_MOVE, &map, FK_BL_OP_CONFIRM, FK_AREA_ID_PRIMARY),
                     FK_OK);
    for (uint32_t i = 0; i < SLOT; i++) {
        assert_int_equal(ram[P_OFF + i], 0xff);
    }
    /* after a test swap (design.md "Image swapping" step 3: primary magic,
     * copy_done = 1): REVERT until image_ok is written */
    memcpy(ram + P_OFF + pa->size - 16, fk_boot_magic, 16);
    ram[P_OFF + pa->size - 32] = 0x01;
    assert_int_equal(fk_bl_swap_type(FK_BL_MCUBOOT_SWAP_MOVE, &map), FK_SWAP_REVERT);
    assert_int_equal(fk_bl_mark(FK_BL_MCUBOOT_SWAP_MOVE, &map, FK_BL_OP_CONFIRM, FK_AREA_ID_PRIMARY),
                     FK_OK);
    assert_int_equal(ram[P_OFF + pa->size - 24], 0x01);
    assert_int_equal(ram[P_OFF + pa->size - 23], 0xff); /* write size 4: 01 ff ff ff */
    assert_int_equal(fk_bl_swap_type(FK_BL_MCUBOOT_SWAP_MOVE, &map), FK_SWAP_NONE);
    /* State I: secondary magic good, image_ok unset, copy_done set: REVERT in
     * swap-offset only; the other modes read it as a test request */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    memcpy(ram + S_OFF + sa->size - 16, fk_boot_magic, 16);
    ram[S_OFF + sa->size - 32] = 0x01;
    assert_int_equal(fk_bl_swap_type(FK_BL_MCUBOOT_SWAP_OFFSET, &map), FK_SWAP_REVERT);
    assert_int_equal(fk_bl_swap_type(FK_BL_MCUBOOT_SWAP_MOVE, &map), FK_SWAP_TEST);
    /* a corrupt magic is refused */
    ram[S_OFF + sa->size - 16] ^= 0x10;
    assert_int_equal(fk_bl_mark(FK_BL_MCUBOOT_SWAP_MOVE, &map, FK_BL_OP_TEST, FK_AREA_ID_SECONDARY),
                     FK_EBOOT_TRAILER);
    /* direct-xip revert confirm of the running slot: magic, copy_done, image_ok */
    mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
    assert_int_equal(
        fk_bl_mark(FK_BL_MCUBOOT_DIRECT_XIP_REVERT, &map, FK_BL_OP_CONFIRM, FK_AREA_ID_SECONDARY),
        FK_OK);
    assert_memory_equal(ram + S_OFF + sa->size - 16, fk_boot_magic, 16);
    assert_int_equal(ram[S_OFF + sa->size - 24], 0x01);
    assert_int_equal(ram[S_OFF + sa->size - 32], 0x01);
    assert_int_equal(ram[S_OFF + sa->size - 40], 0xff);
}

/* The order of the writes: MCUboot's boot_set_next() writes magic, image_ok,
 * swap_info; fotakit's own set_pending image_ok, swap_info, magic last. */
static void test_write_order(void **state)
{
    (void)state;
    static const struct {
        enum fk_bl b;
        enum fk_bl_op op;
        uint32_t back[4]; /* bytes before the slot end, in write order */
        unsigned n;
    } w[] = {
        {FK_BL_MCUBOOT_SWAP_MOVE, FK_BL_OP_PERM, {16, 24, 40}, 3},
        {FK_BL_MCUBOOT_SWAP_OFFSET, FK_BL_OP_TEST, {16, 40}, 2},
        {FK_BL_MCUBOOT_OVERWRITE_ONLY, FK_BL_OP_PERM, {16, 24, 40}, 3},
        {FK_BL_MCUBOOT_DIRECT_XIP_REVERT, FK_BL_OP_PERM, {16, 32, 24}, 3},
        {FK_BL_FOTAKIT, FK_BL_OP_PERM, {24, 40, 16}, 3},
        {FK_BL_FOTAKIT, FK_BL_OP_TEST, {40, 16}, 2},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        mkmap(SLOT, SLOT, 0x1000, 0x1000, 4, 0);
        prog_n = 0;
        assert_int_equal(fk_bl_mark(w[i].b, &map, w[i].op, FK_AREA_ID_SECONDARY), FK_OK);
        if (prog_n != w[i].n) {
            fail_msg("%s: %u program calls, expected %u", fk_bl_mode(w[i].b)->name, prog_n,
                     w[i].n);
        }
        for (unsigned k = 0; k < prog_n; k++) {
            assert_int_equal(S_OFF + SLOT - prog_log[k], w[i].back[k]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_trailer_offsets),
        cmocka_unit_test(test_imgtool_pads_match_offsets),
        cmocka_unit_test(test_space_equal_slots),
        cmocka_unit_test(test_space_unequal_and_errors),
        cmocka_unit_test(test_marks_match_imgtool),
        cmocka_unit_test(test_confirm_and_state_i),
        cmocka_unit_test(test_write_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
