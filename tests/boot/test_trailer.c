/*
 * Trailer and swap-type decisions on a tiny RAM flash (no simulation):
 * MCUboot's swap-type table over every combination of magic / image_ok /
 * copy_done states, built from raw bytes including corrupted values; the
 * bytes set_pending / confirm write (MCUboot offsets and values, compared
 * with imgtool's padded vectors); records; CRC; geometry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fotakit/boot.h"

/* ---- RAM flash ---------------------------------------------------------- */

#define RAM_SIZE 0x100000u
static uint8_t ram[RAM_SIZE];
static unsigned ram_progs, ram_erases;

static int r_read(struct fk_flash_dev *d, uint32_t off, void *buf, size_t len)
{
    (void)d;
    memcpy(buf, ram + off, len);
    return FK_OK;
}

static int r_prog(struct fk_flash_dev *d, uint32_t off, const void *buf, size_t len)
{
    (void)d;
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        if ((ram[off + i] & b[i]) != b[i]) {
            return FK_ENOTERASED;
        }
        ram[off + i] &= b[i];
    }
    ram_progs++;
    return FK_OK;
}

static int r_erase(struct fk_flash_dev *d, uint32_t off, size_t len)
{
    (void)d;
    memset(ram + off, 0xff, len);
    ram_erases++;
    return FK_OK;
}

static const struct fk_flash_ops r_ops = {r_read, r_prog, r_erase, NULL};
static struct fk_flash_dev dev;
static struct fk_flash_area areas[2];
static struct fk_flash_map map;

/* primary 0x76000 at 0x10000, secondary 0x77000 at 0x86000 (swap-offset sizes) */
#define P_OFF 0x10000u
#define P_SIZE 0x76000u
#define S_OFF 0x86000u
#define S_SIZE 0x77000u

static int setup(void **state)
{
    (void)state;
    memset(ram, 0xff, sizeof ram);
    memset(&dev, 0, sizeof dev);
    dev.name = "ram";
    dev.size = RAM_SIZE;
    dev.erase_size = 0x1000;
    dev.write_size = 4;
    dev.erased_val = 0xff;
    dev.ops = &r_ops;
    dev.state = FK_DEV_READY;
    areas[0] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, "mcuboot_primary", &dev, P_OFF, P_SIZE};
    areas[1] = (struct fk_flash_area){FK_AREA_ID_SECONDARY, "mcuboot_secondary", &dev, S_OFF, S_SIZE};
    map.areas = areas;
    map.count = 2;
    ram_progs = ram_erases = 0;
    return 0;
}

/* ---- raw trailer states -------------------------------------------------- */

enum mag { MG_GOOD, MG_UNSET, MG_FLIP, MG_ZERO, MG_N };
/* flag raw values: set, unset, and corrupt ones */
static const uint8_t flag_vals[] = {0x01, 0xff, 0x00, 0x02, 0x80, 0xfe};
#define NFLAG (sizeof flag_vals)

static void put_magic(uint32_t slot_end, enum mag m)
{
    uint8_t *p = ram + slot_end - 16;
    switch (m) {
    case MG_GOOD: memcpy(p, fk_boot_magic, 16); break;
    case MG_UNSET: memset(p, 0xff, 16); break;
    case MG_FLIP: memcpy(p, fk_boot_magic, 16); p[7] ^= 0x10; break;
    default: memset(p, 0, 16); break;
    }
}

static int is_good(enum mag m) { return m == MG_GOOD; }
static int is_unset_m(enum mag m) { return m == MG_UNSET; }

/* Expected result, written from MCUboot's boot_swap_tables rows:
 * TEST:   secondary magic good, secondary image_ok unset
 * PERM:   secondary magic good, secondary image_ok 0x01
 * REVERT: primary magic good, secondary magic unset, primary image_ok unset,
 *         primary copy_done 0x01
 * otherwise NONE (corrupt values match no row). */
static int expect(enum mag mp, enum mag ms, uint8_t okp, uint8_t oks, uint8_t cdp)
{
    if (is_good(ms) && oks == 0xff) {
        return FK_SWAP_TEST;
    }
    if (is_good(ms) && oks == 0x01) {
        return FK_SWAP_PERM;
    }
    if (is_good(mp) && is_unset_m(ms) && okp == 0xff && cdp == 0x01) {
        return FK_SWAP_REVERT;
    }
    return FK_SWAP_NONE;
}

static void swap_table_all_states(void **state)
{
    (void)state;
    unsigned n = 0, counts[6] = {0};
    for (int mp = 0; mp < MG_N; mp++)
        for (int ms = 0; ms < MG_N; ms++)
            for (unsigned a = 0; a < NFLAG; a++)
                for (unsigned b = 0; b < NFLAG; b++)
                    for (unsigned c = 0; c < NFLAG; c++) {
                        uint32_t pe = P_OFF + P_SIZE, se = S_OFF + S_SIZE;
                        put_magic(pe, (enum mag)mp);
                        put_magic(se, (enum mag)ms);
                        ram[pe - 24] = flag_vals[a];
                        ram[se - 24] = flag_vals[b];
                        ram[pe - 32] = flag_vals[c];
                        ram[se - 32] = flag_vals[(a + b) % NFLAG]; /* secondary copy_done: ignored */
                        int want = expect((enum mag)mp, (enum mag)ms, flag_vals[a], flag_vals[b], flag_vals[c]);
                        int got = fk_boot_swap_type(&map);
                        if (got != want) {
                            fail_msg("magic p%d s%d image_ok p%02x s%02x copy_done p%02x: got %d want %d", mp, ms,
                                     flag_vals[a], flag_vals[b], flag_vals[c], got, want);
                        }
                        counts[got]++;
                        n++;
                    }
    assert_int_equal(n, MG_N * MG_N * NFLAG * NFLAG * NFLAG);
    /* every outcome is reached */
    assert_true(counts[FK_SWAP_NONE] > 0 && counts[FK_SWAP_TEST] > 0 && counts[FK_SWAP_PERM] > 0 &&
                counts[FK_SWAP_REVERT] > 0);
    /* exact counts of the table rows (each row's free fields x their values) */
    assert_int_equal(counts[FK_SWAP_TEST], MG_N * NFLAG * NFLAG);
    assert_int_equal(counts[FK_SWAP_PERM], MG_N * NFLAG * NFLAG);
    assert_int_equal(counts[FK_SWAP_REVERT], NFLAG);
}

static void decode_helpers(void **state)
{
    (void)state;
    uint8_t m[16];
    memcpy(m, fk_boot_magic, 16);
    assert_int_equal(fk_boot_magic_decode(m, 0xff), FK_MAGIC_GOOD);
    m[15] ^= 1;
    assert_int_equal(fk_boot_magic_decode(m, 0xff), FK_MAGIC_BAD);
    memset(m, 0xff, 16);
    assert_int_equal(fk_boot_magic_decode(m, 0xff), FK_MAGIC_UNSET);
    m[3] = 0xfe;
    assert_int_equal(fk_boot_magic_decode(m, 0xff), FK_MAGIC_BAD);
    assert_int_equal(fk_boot_flag_decode(0x01, 0xff), FK_FLAG_SET);
    assert_int_equal(fk_boot_flag_decode(0xff, 0xff), FK_FLAG_UNSET);
    assert_int_equal(fk_boot_flag_decode(0x03, 0xff), FK_FLAG_BAD);
    assert_int_equal(fk_boot_flag_decode(0x00, 0xff), FK_FLAG_BAD);
    /* the pure table: corrupt secondary image_ok is neither TEST nor PERM */
    assert_int_equal(fk_boot_swap_type_decide(FK_MAGIC_GOOD, FK_MAGIC_GOOD, FK_FLAG_SET, FK_FLAG_BAD, FK_FLAG_SET),
                     FK_SWAP_NONE);
    assert_int_equal(fk_boot_swap_type_decide(FK_MAGIC_BAD, FK_MAGIC_GOOD, FK_FLAG_BAD, FK_FLAG_UNSET, FK_FLAG_BAD),
                     FK_SWAP_TEST);
    assert_int_equal(fk_boot_swap_type_decide(FK_MAGIC_GOOD, FK_MAGIC_BAD, FK_FLAG_UNSET, FK_FLAG_UNSET, FK_FLAG_SET),
                     FK_SWAP_NONE);
    assert_int_equal(fk_boot_swap_type_decide(FK_MAGIC_GOOD, FK_MAGIC_UNSET, FK_FLAG_UNSET, FK_FLAG_BAD, FK_FLAG_SET),
                     FK_SWAP_REVERT);
}

static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/vectors/imgtool/%s", FOTAKIT_SHARED_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* set_pending writes what imgtool --pad --confirm / --test put in the trailer
 * (plus swap_info, as MCUboot's boot_set_next does), at the same offsets. */
static void set_pending_matches_imgtool(void **state)
{
    (void)state;
    static const char *files[2] = {"img-ecdsa-p256-pad-test.bin", "img-ecdsa-p256-pad-confirm.bin"};
    for (int perm = 0; perm < 2; perm++) {
        setup(NULL);
        size_t len;
        uint8_t *v = load(files[perm], &len);
        assert_int_equal(len, 0x74000);
        assert_int_equal(fk_boot_swap_type(&map), FK_SWAP_NONE);
        assert_int_equal(fk_boot_set_pending(&map, perm), FK_OK);
        assert_int_equal(fk_boot_swap_type(&map), perm ? FK_SWAP_PERM : FK_SWAP_TEST);
        const uint8_t *mine = ram + S_OFF + S_SIZE - 48, *theirs = v + len - 48;
        /* magic, image_ok, copy_done identical; swap_info = 2 / 3 (imgtool leaves it 0xff) */
        assert_memory_equal(mine + 32, theirs + 32, 16);
        assert_memory_equal(mine + 24, theirs + 24, 8);
        assert_memory_equal(mine + 16, theirs + 16, 8);
        assert_int_equal(mine[8], perm ? 3 : 2);
        assert_int_equal(theirs[8], 0xff);
        struct fk_boot_slot_state st;
        assert_int_equal(fk_boot_read_slot_state(&map, FK_AREA_ID_SECONDARY, &st), FK_OK);
        assert_true(st.magic_good);
        assert_int_equal(st.image_ok, perm ? 0x01 : 0xff);
        assert_int_equal(st.swap_type, perm ? 3 : 2);
        /* idempotent: a second call changes nothing */
        unsigned p = ram_progs;
        assert_int_equal(fk_boot_set_pending(&map, perm), FK_OK);
        assert_int_equal(ram_progs, p);
        free(v);
    }
}

static void set_pending_repairs_torn_trailer(void **state)
{
    (void)state;
    uint32_t se = S_OFF + S_SIZE;
    /* a torn earlier permanent request: image_ok half-programmed, no magic */
    ram[se - 24] = 0x41;
    assert_int_equal(fk_boot_swap_type(&map), FK_SWAP_NONE);
    assert_int_equal(fk_boot_set_pending(&map, true), FK_OK);
    assert_int_equal(ram_erases, 1); /* the trailer sector only */
    assert_int_equal(fk_boot_swap_type(&map), FK_SWAP_PERM);
    /* corrupt magic: erased and rewritten (MCUboot would erase the slot) */
    setup(NULL);
    memcpy(ram + se - 16, fk_boot_magic, 16);
    ram[se - 1] = 0;
    assert_int_equal(fk_boot_set_pending(&map, false), FK_OK);
    assert_int_equal(fk_boot_swap_type(&map), FK_SWAP_TEST);
    /* image data below the trailer sector is untouched */
    ram[S_OFF + 0x1000] = 0x5a;
    setup(NULL);
}

static void confirm_semantics(void **state)
{
    (void)state;
    uint32_t pe = P_OFF + P_SIZE;
    /* magic unset: already confirmed, nothing written */
    assert_int_equal(fk_boot_confirm(&map), FK_OK);
    assert_int_equal(ram_progs, 0);
    /* after a test swap: magic good, copy_done set, image_ok unset -> REVERT */
    memcpy(ram + pe - 16, fk_boot_magic, 16);
    ram[pe - 32] = 0x01;
    ram[pe - 40] = 0x02;
    assert_int_equal(fk_boot_swap_type(&map), FK_SWAP_REVERT);
    assert_int_equal(fk_boot_confirm(&map), FK_OK);
    assert_int_equal(ram[pe - 24], 0x01);
    assert_int_equal(ram[pe - 23], 0xff); /* write-size padding stays erased */
    assert_int_equal(fk_boot_swap_type(&map), FK_SWAP_NONE);
    unsigned p = ram_progs;
    assert_int_equal(fk_boot_confirm(&map), FK_OK); /* idempotent */
    assert_int_equal(ram_progs, p);
    /* corrupt magic: refused */
    ram[pe - 5] ^= 0xff;
    assert_int_equal(fk_boot_confirm(&map), FK_EBOOT_TRAILER);
}

static void records_and_crc(void **state)
{
    (void)state;
    /* CRC-32/IEEE check value */
    assert_int_equal(fk_boot_crc32(0, "123456789", 9), 0xcbf43926u);
    struct fk_boot_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    rsp.reason = FK_BOOT_R_SEC_DEAD;
    rsp.secondary_err = FK_ENODEV;
    strcpy(rsp.why, "secondary unusable");
    struct fk_boot_retained r;
    fk_boot_retained_store(&r, &rsp);
    assert_int_equal(fk_boot_retained_check(&r), FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_SEC_DEAD);
    r.why[0] ^= 1;
    assert_int_equal(fk_boot_retained_check(&r), FK_ECORRUPT);
    assert_string_equal(fk_boot_reason_name(FK_BOOT_R_REVERTED), "reverted");
}

static void geometry_swap_offset(void **state)
{
    (void)state;
    struct fk_boot_geometry g;
    assert_int_equal(fk_boot_geometry(&map, &g), FK_OK);
    assert_int_equal(g.unit, 0x1000);
    assert_int_equal(g.sec_image_off, 0x1000);
    /* 0x76000 primary (118 units, 1 trailer), 0x77000 secondary (119: 1 trailer, 1 spare) */
    assert_int_equal(g.max_units, 117);
    assert_int_equal(fk_boot_max_image_size(&map), 117 * 0x1000);
    assert_int_equal(fk_boot_secondary_image_off(&map), 0x1000);
    /* equal slots lose one unit to the spare */
    areas[1].size = P_SIZE;
    assert_int_equal(fk_boot_max_image_size(&map), 116 * 0x1000);
    /* write size 16 cannot hold MCUboot's 8-byte fields */
    dev.write_size = 16;
    assert_int_equal(fk_boot_geometry(&map, &g), FK_EINVAL);
    dev.write_size = 4;
    /* unaligned slot */
    areas[1].off = S_OFF + 0x100;
    assert_int_equal(fk_boot_geometry(&map, &g), FK_EINVAL);
    areas[1].off = S_OFF;
    areas[1].size = S_SIZE;
}

static void counter_store(void **state)
{
    (void)state;
    struct fk_flash_area cnt = {FK_AREA_ID_COUNTERS, "fotakit_counters", &dev, 0xf0000, 0x2000};
    uint32_t v = 0;
    assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_ENOENT);
    assert_int_equal(fk_boot_counter_write(&cnt, 5), FK_OK);
    assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_OK);
    assert_int_equal(v, 5);
    assert_int_equal(fk_boot_counter_write(&cnt, 3), FK_OK); /* never decreases */
    assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_OK);
    assert_int_equal(v, 5);
    /* fill past one sector: alternates, keeps the latest */
    unsigned erases = ram_erases;
    for (uint32_t i = 6; i < 6 + 600; i++) {
        assert_int_equal(fk_boot_counter_write(&cnt, i), FK_OK);
    }
    assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_OK);
    assert_int_equal(v, 605);
    assert_true(ram_erases > erases);
    /* a torn (garbage) record after the latest is ignored and skipped */
    uint32_t probe;
    for (probe = 0; probe < 0x2000; probe += 16) {
        int erased = 1;
        for (int i = 0; i < 16; i++) {
            erased &= ram[0xf0000 + probe + i] == 0xff;
        }
        if (erased) {
            break;
        }
    }
    if (probe < 0x2000) {
        ram[0xf0000 + probe] = 0x12;
        assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_OK);
        assert_int_equal(v, 605);
        assert_int_equal(fk_boot_counter_write(&cnt, 606), FK_OK);
        assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_OK);
        assert_int_equal(v, 606);
    }
    /* one sector is not enough */
    cnt.size = 0x1000;
    assert_int_equal(fk_boot_counter_read(&cnt, &v), FK_ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(swap_table_all_states, setup),
        cmocka_unit_test_setup(decode_helpers, setup),
        cmocka_unit_test_setup(set_pending_matches_imgtool, setup),
        cmocka_unit_test_setup(set_pending_repairs_torn_trailer, setup),
        cmocka_unit_test_setup(confirm_semantics, setup),
        cmocka_unit_test_setup(records_and_crc, setup),
        cmocka_unit_test_setup(geometry_swap_offset, setup),
        cmocka_unit_test_setup(counter_store, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
