/*
 * The bootloader never trusts "reads erased" to mean "is erased" (issue 14
 * item 1, docs/boot.md "Weakly erased cells"): on simulated chips whose
 * cells are weakly erased (fk_sim_dev_weaken: they read 0xff but lose what
 * is programmed there until a complete erase), a swap, set-pending and the
 * security-counter store still leave exactly what they wrote. Each test
 * failed before its fix: the swap programmed destinations that read erased
 * without erasing them (move.c), erased the primary trailer only when it
 * did not read erased (swap.c), kept a secondary trailer whose canary it
 * had not written after an erase (swap.c ensure_canary), set-pending and
 * the counter store prepared their sectors with fk_flash_erase_dirty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fotakit/host/powerfail.h"

#define U 0x1000u

static struct fk_env E;
static uint8_t *old_img, *new_img;
static uint32_t old_len, new_len;

static void open_env(uint32_t olen, uint32_t nlen)
{
    memset(&E, 0, sizeof E);
    char err[256];
    assert_int_equal(fk_env_open(&E, FOTAKIT_SHARED_DIR, "nrf52840-spi-nor-2mb", 0, err, sizeof err), FK_OK);
    old_len = olen;
    new_len = nlen;
    old_img = fk_test_image(olen, 1, 11, 0);
    new_img = fk_test_image(nlen, 2, 22, 0);
    assert_non_null(old_img);
    assert_non_null(new_img);
    assert_int_equal(fk_env_write(&E, FK_AREA_ID_PRIMARY, 0, old_img, olen), FK_OK);
    assert_int_equal(fk_env_write(&E, FK_AREA_ID_SECONDARY, fk_boot_secondary_image_off(&E.map), new_img, nlen),
                     FK_OK);
}

static int teardown(void **s)
{
    (void)s;
    fk_env_close(&E);
    free(old_img);
    free(new_img);
    old_img = new_img = NULL;
    return 0;
}

static struct fk_flash_dev *sim_of(const struct fk_flash_area *fa)
{
    return ((struct fk_chk_dev *)fa->dev)->inner;
}

/* [off, off+len) of area `id` reads 0xff and is weakly erased. */
static void weaken(uint8_t id, uint32_t off, uint32_t len)
{
    const struct fk_flash_area *fa = fk_env_area(&E, id);
    assert_int_equal(fk_sim_dev_weaken(sim_of(fa), fa->off + off, len), FK_OK);
    fk_env_resync(&E);
}

static uint32_t weak_bytes(uint8_t id, uint32_t off, uint32_t len)
{
    const struct fk_flash_area *fa = fk_env_area(&E, id);
    return fk_sim_dev_weak_bytes(sim_of(fa), fa->off + off, len);
}

/* Every unit of area `id` below its trailer that reads erased becomes weak;
 * returns how many. */
static unsigned weaken_erased_units(uint8_t id)
{
    const struct fk_flash_area *fa = fk_env_area(&E, id);
    struct fk_boot_geometry g;
    assert_int_equal(fk_boot_geometry(&E.map, &g), FK_OK);
    uint32_t tl = (id == FK_AREA_ID_PRIMARY ? g.pri_trailer_units : g.sec_trailer_units) * g.unit;
    unsigned n = 0;
    for (uint32_t o = 0; o + g.unit <= fa->size - tl; o += g.unit) {
        if (fk_flash_reads_erased(fa, o, g.unit, NULL)) {
            weaken(id, o, g.unit);
            n++;
        }
    }
    return n;
}

static int holds(uint8_t id, uint32_t off, const uint8_t *img, uint32_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    assert_int_equal(fk_flash_read(fk_env_area(&E, id), off, b, len), FK_OK);
    int same = memcmp(b, img, len) == 0;
    free(b);
    return same;
}

static int boot_fn(void *ctx)
{
    (void)ctx;
    struct fk_boot_rsp r;
    return fk_boot_go(&E.cfg, &r);
}

static struct fk_boot_rsp boot(int want_rc)
{
    struct fk_boot_rsp rsp;
    int rc = fk_boot_go(&E.cfg, &rsp);
    if (rc != want_rc) {
        fail_msg("boot: %s, wanted %s: %s", fk_err_name(rc), fk_err_name(want_rc), rsp.why);
    }
    return rsp;
}

/* A swap's destinations that read erased (the spare S[0], the parking
 * unit, the primary past the old image) are weak; bits lost at the next
 * power-on (weak_late), so the swap's read-back cannot see it. After the
 * upgrade and a power cycle both images must still be whole: the new one
 * boots, the old one reverts. */
static void swap_destinations_weak(void **s)
{
    (void)s;
    open_env(3 * U + 100, 6 * U - 300); /* the new image is larger: P[4], P[5] read erased */
    assert_int_equal(fk_boot_set_pending(&E.map, false), FK_OK);
    unsigned np = weaken_erased_units(FK_AREA_ID_PRIMARY);
    unsigned ns = weaken_erased_units(FK_AREA_ID_SECONDARY);
    assert_true(np >= 2);
    assert_true(ns >= 2); /* S[0] and the parking unit at least */
    E.sb.power.weak_late = 1;
    struct fk_boot_rsp r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_int_equal(r.stats.verify_retries, 0);
    fk_sim_power_cut(&E.sb); /* power cycle: what did not hold is lost now */
    assert_int_equal(fk_sim_power_restore(&E.sb), FK_OK);
    fk_env_resync(&E);
    assert_true(holds(FK_AREA_ID_PRIMARY, 0, new_img, new_len));
    assert_true(holds(FK_AREA_ID_SECONDARY, 0, old_img, old_len));
    r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(holds(FK_AREA_ID_PRIMARY, 0, old_img, old_len));
    assert_int_equal(fk_env_reprogs(&E), 0);
}

/* The primary trailer reads erased (never swapped) but is weak: the swap's
 * start record, fields and magic must hold, so the next boot reverts the
 * unconfirmed test image instead of finding a garbled trailer. */
static void primary_trailer_weak(void **s)
{
    (void)s;
    open_env(4 * U + 100, 4 * U - 300);
    assert_int_equal(fk_boot_set_pending(&E.map, false), FK_OK);
    struct fk_boot_geometry g;
    assert_int_equal(fk_boot_geometry(&E.map, &g), FK_OK);
    const struct fk_flash_area *p = fk_env_area(&E, FK_AREA_ID_PRIMARY);
    uint32_t tl = g.pri_trailer_units * g.unit;
    assert_true(fk_flash_reads_erased(p, p->size - tl, tl, NULL));
    weaken(FK_AREA_ID_PRIMARY, p->size - tl, tl);
    struct fk_boot_rsp r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    struct fk_boot_slot_state st;
    assert_int_equal(fk_boot_read_slot_state(&E.map, FK_AREA_ID_PRIMARY, &st), FK_OK);
    assert_true(st.magic_good);
    assert_int_equal(st.copy_done, FK_BOOT_FLAG_SET);
    assert_int_equal(st.image_ok, 0xff);
    assert_int_equal(fk_boot_swap_type(&E.map), FK_SWAP_REVERT);
    r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(holds(FK_AREA_ID_PRIMARY, 0, old_img, old_len));
    assert_int_equal(weak_bytes(FK_AREA_ID_PRIMARY, p->size - tl, tl), 0);
}

/* set-pending into a secondary trailer that reads erased but is weak: the
 * request must hold (magic good, swap type TEST). */
static void set_pending_trailer_weak(void **s)
{
    (void)s;
    open_env(4 * U, 4 * U);
    struct fk_boot_geometry g;
    assert_int_equal(fk_boot_geometry(&E.map, &g), FK_OK);
    const struct fk_flash_area *sa = fk_env_area(&E, FK_AREA_ID_SECONDARY);
    uint32_t tl = g.sec_trailer_units * g.unit;
    weaken(FK_AREA_ID_SECONDARY, sa->size - tl, tl);
    assert_int_equal(fk_boot_set_pending(&E.map, true), FK_OK);
    assert_int_equal(fk_boot_swap_type(&E.map), FK_SWAP_PERM);
    struct fk_boot_slot_state st;
    assert_int_equal(fk_boot_read_slot_state(&E.map, FK_AREA_ID_SECONDARY, &st), FK_OK);
    assert_true(st.magic_good);
    assert_int_equal(st.image_ok, FK_BOOT_FLAG_SET);
    struct fk_boot_rsp r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_PERM);
    assert_true(holds(FK_AREA_ID_PRIMARY, 0, new_img, new_len));
}

/* The default security-counter store starting in a sector that reads
 * erased but is weak: the value written must read back. */
static void counter_store_weak(void **s)
{
    (void)s;
    open_env(4 * U, 4 * U);
    struct fk_flash_area *a = &E.areas[E.map.count];
    *a = *fk_env_area(&E, FK_AREA_ID_PRIMARY);
    a->id = FK_AREA_ID_COUNTERS;
    a->name = "fotakit_counters";
    a->off = 0xf8000;
    a->size = 0x2000;
    E.map.count++;
    weaken(FK_AREA_ID_COUNTERS, 0, 0x1000);
    assert_int_equal(fk_boot_counter_write(a, 7), FK_OK);
    uint32_t v = 0;
    assert_int_equal(fk_boot_counter_read(a, &v), FK_OK);
    assert_int_equal(v, 7);
    assert_int_equal(weak_bytes(FK_AREA_ID_COUNTERS, 0, 0x1000), 0);
}

/* A swap resumed before its first move (start record in place, marker 0
 * not written) whose secondary trailer kept the begin record in slot 0 but
 * otherwise reads erased, weakly (a cut erase): the swap must erase it and
 * write its canary after that erase, not take the begin record for a canary
 * (the trailer would stay weak for the revert's records). */
static void canary_before_first_move(void **s)
{
    (void)s;
    open_env(4 * U + 100, 4 * U - 300);
    assert_int_equal(fk_boot_set_pending(&E.map, false), FK_OK);
    struct fk_boot_geometry g;
    assert_int_equal(fk_boot_geometry(&E.map, &g), FK_OK);
    const struct fk_flash_area *sa = fk_env_area(&E, FK_AREA_ID_SECONDARY);
    uint32_t tl = g.sec_trailer_units * g.unit, base = sa->size - tl;
    uint32_t coff = sa->size - FK_BOOT_OFF_REC; /* begin slot 0 */
    /* Cut the upgrade before the first program/erase call after the
     * primary's magic is written: the secondary trailer erase, before any
     * move. */
    struct fk_snap snap;
    assert_int_equal(fk_snap_take(&E, &snap), FK_OK);
    for (uint32_t k = 1;; k++) {
        assert_true(k < 64);
        fk_snap_restore(&E, &snap);
        fk_sim_power_arm(&E.sb, k, FK_SIM_CUT_BEFORE, 1);
        int rc = FK_OK;
        assert_int_equal(fk_sim_board_run(&E.sb, boot_fn, NULL, &rc), 1);
        assert_int_equal(fk_sim_power_restore(&E.sb), FK_OK);
        fk_sim_power_arm(&E.sb, 0, FK_SIM_CUT_NONE, 0);
        fk_env_resync(&E);
        struct fk_boot_slot_state ps;
        assert_int_equal(fk_boot_read_slot_state(&E.map, FK_AREA_ID_PRIMARY, &ps), FK_OK);
        if (ps.magic_good) {
            break;
        }
    }
    fk_snap_free(&snap);
    struct fk_boot_slot_state ss;
    assert_int_equal(fk_boot_read_slot_state(&E.map, FK_AREA_ID_SECONDARY, &ss), FK_OK);
    assert_true(ss.magic_good); /* not erased yet */
    /* a cut erase of it kept only begin slot 0 */
    weaken(FK_AREA_ID_SECONDARY, base, coff - base);
    weaken(FK_AREA_ID_SECONDARY, coff + FK_BOOT_REC_LEN, sa->size - coff - FK_BOOT_REC_LEN);
    struct fk_boot_rsp r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(r.resumed);
    assert_true(holds(FK_AREA_ID_PRIMARY, 0, new_img, new_len));
    assert_int_equal(weak_bytes(FK_AREA_ID_SECONDARY, base, tl), 0);
    r = boot(FK_OK);
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(holds(FK_AREA_ID_PRIMARY, 0, old_img, old_len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(swap_destinations_weak, teardown),
        cmocka_unit_test_teardown(primary_trailer_weak, teardown),
        cmocka_unit_test_teardown(set_pending_trailer_weak, teardown),
        cmocka_unit_test_teardown(counter_store_weak, teardown),
        cmocka_unit_test_teardown(canary_before_first_move, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
