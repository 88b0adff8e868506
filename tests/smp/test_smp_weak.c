/* The SMP server against weakly erased cells (issue 14 item 1) on the seed
 * layout's simulated chips (fotakit/host/sim.h "Weakly erased cells"): a
 * torn erase leaves sectors that read 0xff yet lose bits programmed there
 * until they are erased again. Reading erased proves nothing, so the slot
 * erase and the upload erase whatever they program into unless the
 * background erase's done-record proves it erased. Every test ends with
 * the exact image bytes read back through the driver and no bit lost in a
 * weak cell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/boot.h"
#include "fotakit/cbor.h"
#include "smp_sim_fx.h"

/* Each test runs twice: bits programmed into weak cells lost at once (the
 * models' default; state NULL) and only at the next settle (state points
 * to true: power.weak_late, a read-back right after programming passes). */
static bool late_on = true;

static struct simfx *wfx_new(void **state)
{
    struct simfx *f = simfx_new();
    f->sb.power.weak_late = *state != NULL;
    return f;
}

static struct fk_sim_dev *nor_of(struct simfx *f)
{
    struct fk_sim_dev *d = fk_sim_dev_of(simfx_sec(f)->dev);
    assert_non_null(d);
    return d;
}

/* The slot holds exactly img at the upload offset (read through the
 * driver), and no byte of it sits in a weak cell. */
static void assert_slot_holds(struct simfx *f, const uint8_t *img, size_t len)
{
    const struct fk_flash_area *sec = simfx_sec(f);
    uint32_t base = fk_boot_secondary_image_off(&f->map);
    fk_sim_board_settle(&f->sb); /* weak_late: what was lost shows now */
    uint8_t *got = malloc(len);
    assert_int_equal(fk_flash_read(sec, base, got, len), FK_OK);
    assert_memory_equal(got, img, len);
    free(got);
    assert_int_equal(fk_sim_dev_weak_bytes(sec->dev, sec->off + base, (uint32_t)len), 0);
}

static void state_write(struct simfx *f, const uint8_t *hash, bool confirm)
{
    uint8_t pay[128];
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, pay, sizeof pay);
    fk_cbor_map(&e, hash ? 2 : 1);
    if (hash) {
        fk_cbor_tstr(&e, "hash");
        fk_cbor_bstr(&e, hash, 32);
    }
    fk_cbor_tstr(&e, "confirm");
    fk_cbor_bool(&e, confirm);
    struct rsp r;
    simfx_req(f, FK_SMP_OP_WRITE, FK_SMP_IMG_STATE, pay, e.len, &r);
    int rc, g, grc;
    rsp_err(&r, &rc, &g, &grc);
    assert_int_equal(rc, 0);
    assert_int_equal(g, -1);
    rsp_free(&r);
}

/* "pending" of image 0 slot 1 in the state read (false when not listed). */
static bool slot1_pending(struct simfx *f)
{
    struct rsp r;
    simfx_req(f, FK_SMP_OP_READ, FK_SMP_IMG_STATE, NULL, 0, &r);
    cbor_item_t *imgs = map_get(r.root, "images");
    assert_non_null(imgs);
    bool pending = false;
    for (size_t i = 0; i < cbor_array_size(imgs); i++) {
        cbor_item_t *it = cbor_array_get(imgs, i);
        int64_t slot;
        bool p;
        if (map_int(it, "slot", &slot) && slot == 1 && map_bool(it, "pending", &p)) {
            pending = p;
        }
        cbor_decref(&it);
    }
    rsp_free(&r);
    return pending;
}

/* The image erase command; returns the group rc (0: ok). */
static int erase_cmd(struct simfx *f)
{
    struct rsp r;
    simfx_req(f, FK_SMP_OP_WRITE, FK_SMP_IMG_ERASE, NULL, 0, &r);
    int rc, g, grc;
    rsp_err(&r, &rc, &g, &grc);
    rsp_free(&r);
    return g >= 0 ? grc : rc;
}

/* A power cut restores the chips; the application starts afresh. */
static void power_back(struct simfx *f)
{
    assert_int_equal(fk_sim_power_restore(&f->sb), FK_OK);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
}

/* The same after a cut that was the only source of weak cells (a sound
 * board before it): under weak_late, whatever the restore's settle counts
 * as lost is the torn erase's own leftover old bytes, not data. */
static void power_back_torn(struct simfx *f)
{
    uint64_t before = lost_bits(f);
    assert_int_equal(fk_sim_power_restore(&f->sb), FK_OK);
    f->lost_base += lost_bits(f) - before;
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
}

/* Slot 1 reads erased but every cell of it is weak (what an erase of the
 * whole slot cut late by a power loss leaves). An upload is cut half way
 * and resumed after the reset, then the image is marked for test: the
 * resume record and the trailer are programmed only after a real erase, so
 * the upload resumes where it stopped, the bytes are exact, and the test
 * mark reads back (pending). While "reads erased" was trusted, the record
 * header and the trailer's magic went into weak cells: no resume, no
 * pending. */
static void test_upload_into_weak_slot(void **state)
{
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 120000, 41, &len, hash);
    struct simfx *f = wfx_new(state);
    const struct fk_flash_area *sec = simfx_sec(f);
    assert_int_equal(fk_sim_dev_weaken(sec->dev, sec->off, sec->size), FK_OK);
    assert_int_equal(fk_sim_dev_weak_bytes(sec->dev, sec->off, sec->size), sec->size);
    fk_sim_power_arm(&f->sb, 40, FK_SIM_CUT_BEFORE, 7); /* about half the upload */
    assert_int_equal(upload(f, img, len, NULL), -1000);
    power_back(f);
    uint32_t at = 0;
    assert_int_equal(upload(f, img, len, &at), 1);
    assert_true(at > 0); /* resumed from the record, not from 0 */
    assert_slot_holds(f, img, len);
    state_write(f, hash, false);
    assert_true(slot1_pending(f));
    /* the trailer's cells are sound: the mark survives a reset */
    fk_sim_board_settle(&f->sb);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    assert_true(slot1_pending(f));
    assert_int_equal(lost_bits(f), 0);
    simfx_free(f);
    free(img);
}

/* Upgrade v1 -> v2 (upload, test, swap, confirm): slot 1 then holds v1 and
 * the swap's records in its trailer. */
static void upgrade(struct simfx *f, const uint8_t *img, size_t len, const uint8_t hash[32])
{
    assert_int_equal(upload(f, img, len, NULL), 1);
    state_write(f, hash, false);
    static const struct fk_image_keyring ring = {.allow_hash_only = true};
    struct fk_boot_config bc = {.map = &f->map, .keys = &ring, .strategy = FK_BOOT_STRATEGY_SWAP};
    struct fk_boot_rsp rsp;
    assert_int_equal(fk_boot_go(&bc, &rsp), FK_OK);
    assert_int_equal(rsp.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    state_write(f, NULL, true);
    memcpy(f->pri_copy, f->pri_mem, f->pri->size); /* from here on untouched */
}

/* After an upgrade (slot 1: v1 and a dirty trailer), the next upload is
 * cut at each of the first calls of its first chunk (the record sector's
 * erase, the trailer's erase, the record header, the first data sector's
 * erase and programs), torn or before the call, at several seeds. After
 * the reset the client starts over: the image is exact, and the test mark
 * written after it survives a settle (pending). While the upload start
 * skipped sectors that read erased, a torn trailer erase that read 0xff
 * stayed weak and ate the new magic. */
static void test_upload_start_cuts(void **state)
{
    size_t len2, len3;
    uint8_t h2[32], h3[32];
    uint8_t *v2 = make_image(2, 0, 0, 30000, 48, &len2, h2);
    uint8_t *v3 = make_image(3, 0, 0, 30000, 49, &len3, h3);
    struct simfx *f = wfx_new(state);
    struct fk_sim_dev *nor = nor_of(f);
    const struct fk_flash_area *sec = simfx_sec(f);
    upgrade(f, v2, len2, h2);
    size_t nsz;
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &nsz);
    uint8_t *snap = malloc(nsz);
    memcpy(snap, mem, nsz);
    unsigned weak_cuts = 0;
    for (uint32_t k = 1; k <= 6; k++) {
        for (uint32_t mode = 0; mode < 4; mode++) {
            memcpy(mem, snap, nsz);
            fk_sim_board_heal(&f->sb);
            assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
            uint64_t w0 = nor->stats.weak_erases;
            fk_sim_power_arm(&f->sb, k, mode ? FK_SIM_CUT_TEAR : FK_SIM_CUT_BEFORE, k * 4 + mode);
            assert_int_equal(upload(f, v3, len3, NULL), -1000);
            power_back_torn(f);
            weak_cuts += nor->stats.weak_erases > w0;
            assert_int_equal(upload(f, v3, len3, NULL), 1);
            assert_slot_holds(f, v3, len3);
            state_write(f, h3, false);
            fk_sim_board_settle(&f->sb);
            assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
            assert_true(slot1_pending(f));
            assert_int_equal(lost_bits(f), 0);
        }
    }
    assert_true(weak_cuts >= 6);
    free(snap);
    simfx_free(f);
    free(v2);
    free(v3);
}

/* The image erase command after an earlier erase was cut: a sector that
 * reads erased is erased again, so afterwards no cell of the slot is weak
 * and the next image holds. Two ways in: sectors weakened directly (an
 * erase cut late: they read 0xff), and a real torn cut of the erase
 * command at several seeds. */
static void test_erase_command_after_torn_erase(void **state)
{
    size_t len2, len3;
    uint8_t h2[32], h3[32];
    uint8_t *v2 = make_image(2, 0, 0, 60000, 42, &len2, h2);
    uint8_t *v3 = make_image(3, 0, 0, 60000, 43, &len3, h3);

    struct simfx *f = wfx_new(state);
    const struct fk_flash_area *sec = simfx_sec(f);
    uint32_t es = sec->dev->erase_size;
    assert_int_equal(upload(f, v2, len2, NULL), 1);
    assert_int_equal(fk_sim_dev_weaken(sec->dev, sec->off + 3 * es, 4 * es), FK_OK);
    assert_int_equal(erase_cmd(f), 0);
    assert_int_equal(fk_sim_dev_weak_bytes(sec->dev, sec->off, sec->size), 0);
    assert_int_equal(upload(f, v3, len3, NULL), 1);
    assert_slot_holds(f, v3, len3);
    assert_int_equal(lost_bits(f), 0);
    simfx_free(f);

    unsigned weak_seen = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        f = wfx_new(state);
        sec = simfx_sec(f);
        assert_int_equal(upload(f, v2, len2, NULL), 1);
        fk_sim_power_arm(&f->sb, 1, FK_SIM_CUT_TEAR, seed);
        assert_int_equal(erase_cmd(f), FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED);
        power_back_torn(f);
        weak_seen += fk_sim_dev_weak_bytes(sec->dev, sec->off, sec->size) > 0;
        assert_int_equal(erase_cmd(f), 0); /* the client tries again */
        assert_int_equal(fk_sim_dev_weak_bytes(sec->dev, sec->off, sec->size), 0);
        assert_int_equal(upload(f, v3, len3, NULL), 1);
        assert_slot_holds(f, v3, len3);
        assert_int_equal(lost_bits(f), 0);
        simfx_free(f);
    }
    assert_int_equal(weak_seen, 4); /* every cut did leave weak cells */
    free(v2);
    free(v3);
}

/* FK_SMP_F_FAST_ERASE: the image erase command vouches for its erase with
 * the background erase's done-record, written only after the whole-slot
 * erase completed. Then a second erase only checks, and the next upload
 * erases no data sector (only the record sector, at its start and end).
 * Cuts during the erase or while the record is written (torn, seeds 1-4):
 * whatever the record then says is true, and the next upload's image
 * holds. */
static void test_erase_command_vouches(void **state)
{
    size_t len2, len3;
    uint8_t h2[32], h3[32];
    uint8_t *v2 = make_image(2, 0, 0, 60000, 44, &len2, h2);
    uint8_t *v3 = make_image(3, 0, 0, 60000, 45, &len3, h3);

    struct simfx *f = wfx_new(state);
    f->cfg.flags |= FK_SMP_F_FAST_ERASE;
    const struct fk_flash_area *sec = simfx_sec(f);
    struct fk_sim_dev *nor = nor_of(f);
    uint32_t es = sec->dev->erase_size;
    assert_int_equal(upload(f, v2, len2, NULL), 1);
    assert_int_equal(fk_sim_dev_weaken(sec->dev, sec->off + 5 * es, 2 * es), FK_OK);
    assert_false(fk_smp_slot_pre_erased(&f->srv));
    assert_int_equal(erase_cmd(f), 0);
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    assert_int_equal(fk_sim_dev_weak_bytes(sec->dev, sec->off, sec->size), 0);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK); /* a reset */
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    uint64_t e0 = nor->stats.erase_calls;
    assert_int_equal(erase_cmd(f), 0); /* proven: nothing to erase */
    assert_int_equal(nor->stats.erase_calls - e0, 0);
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    e0 = nor->stats.erase_calls;
    assert_int_equal(upload(f, v3, len3, NULL), 1);
    assert_int_equal(nor->stats.erase_calls - e0, 2);
    assert_slot_holds(f, v3, len3);
    assert_int_equal(lost_bits(f), 0);
    simfx_free(f);

    unsigned proven = 0;
    for (uint32_t k = 1; k <= 4; k++) {
        f = wfx_new(state);
        f->cfg.flags |= FK_SMP_F_FAST_ERASE;
        sec = simfx_sec(f);
        nor = nor_of(f);
        assert_int_equal(upload(f, v2, len2, NULL), 1);
        /* calls: 1 the slot erase, 2 the record header, 3 the units */
        fk_sim_power_arm(&f->sb, k, FK_SIM_CUT_TEAR, k);
        int rc = erase_cmd(f);
        assert_int_equal(rc, k == 1 ? FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED : 0);
        power_back_torn(f);
        while (fk_smp_idle(&f->srv) == 1) {
            /* a record torn in its units resumes the background walk */
        }
        proven += fk_smp_slot_pre_erased(&f->srv);
        assert_int_equal(upload(f, v3, len3, NULL), 1);
        assert_slot_holds(f, v3, len3);
        assert_int_equal(lost_bits(f), 0);
        simfx_free(f);
    }
    assert_int_equal(proven, 2); /* k = 3 (resumed walk) and 4 (no cut: 3 calls) */
    free(v2);
    free(v3);
}

/* The background erase after a confirm (FK_SMP_F_FAST_ERASE), cut at
 * spread-out calls (torn or before the call, seeded): after the reset the
 * walk finishes, the done-record appears only after every step's erase
 * completed, and the next upload, which only programs, holds its image
 * exactly with no bit lost in a weak cell. */
static void test_bg_erase_cuts(void **state)
{
    size_t len2, len3;
    uint8_t h2[32], h3[32];
    uint8_t *v2 = make_image(2, 0, 0, 50000, 46, &len2, h2);
    uint8_t *v3 = make_image(3, 0, 0, 120000, 47, &len3, h3);
    struct simfx *f = wfx_new(state);
    f->cfg.flags |= FK_SMP_F_FAST_ERASE;
    const struct fk_flash_area *sec = simfx_sec(f);
    struct fk_sim_dev *nor = nor_of(f);
    upgrade(f, v2, len2, h2); /* confirm: slot 1's v1 is unused now */
    assert_int_equal(f->srv.bg.state, FK_SMP_BG_RUNNING);

    /* the state to come back to, and the number of calls of a whole walk */
    size_t nsz;
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &nsz);
    uint8_t *snap = malloc(nsz);
    memcpy(snap, mem, nsz);
    fk_sim_power_arm(&f->sb, 0, FK_SIM_CUT_NONE, 0);
    unsigned steps = 0;
    while (fk_smp_idle(&f->srv) == 1 && steps < 1000) {
        steps++;
    }
    assert_int_equal(steps, f->srv.bg.steps + 1);
    uint32_t calls = fk_sim_power_count(&f->sb);
    assert_int_equal(calls, 2 * f->srv.bg.steps + 1); /* erase + unit per step, the done unit */

    unsigned weak_cuts = 0;
    for (uint32_t k = 1; k <= calls; k += 3) {
        memcpy(mem, snap, nsz);
        fk_sim_board_heal(&f->sb);
        assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
        uint64_t w0 = nor->stats.weak_erases;
        fk_sim_power_arm(&f->sb, k, k % 2 ? FK_SIM_CUT_TEAR : FK_SIM_CUT_BEFORE, k);
        int rc = 1;
        for (unsigned n = 0; rc == 1 && n < 1000; n++) {
            rc = fk_smp_idle(&f->srv);
        }
        assert_true(rc < 0); /* the cut stopped it */
        power_back_torn(f);
        weak_cuts += nor->stats.weak_erases > w0;
        assert_false(fk_smp_slot_pre_erased(&f->srv) && k < calls); /* never "done" early */
        for (unsigned n = 0; fk_smp_idle(&f->srv) == 1 && n < 1000; n++) {
        }
        assert_true(fk_smp_slot_pre_erased(&f->srv));
        uint64_t e0 = nor->stats.erase_calls;
        assert_int_equal(upload(f, v3, len3, NULL), 1);
        assert_int_equal(nor->stats.erase_calls - e0, 2); /* the record sector only */
        assert_slot_holds(f, v3, len3);
        assert_int_equal(lost_bits(f), 0);
    }
    assert_true(weak_cuts >= 5);
    free(snap);
    simfx_free(f);
    free(v2);
    free(v3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_upload_into_weak_slot, NULL),
        cmocka_unit_test_prestate(test_upload_into_weak_slot, &late_on),
        cmocka_unit_test_prestate(test_upload_start_cuts, NULL),
        cmocka_unit_test_prestate(test_upload_start_cuts, &late_on),
        cmocka_unit_test_prestate(test_erase_command_after_torn_erase, NULL),
        cmocka_unit_test_prestate(test_erase_command_after_torn_erase, &late_on),
        cmocka_unit_test_prestate(test_erase_command_vouches, NULL),
        cmocka_unit_test_prestate(test_erase_command_vouches, &late_on),
        cmocka_unit_test_prestate(test_bg_erase_cuts, NULL),
        cmocka_unit_test_prestate(test_bg_erase_cuts, &late_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
