/*
 * Power loss during a test upgrade, its revert, a permanent upgrade, the
 * application's set-pending and confirm writes: a strided subset of the
 * sweep bench/powerfail runs in full (cut before call k, call k torn, and a
 * second cut in the recovery boot). Oracle: fk_pf_trial() in
 * src/boot/host_pf.c (primary holds exactly the expected image and
 * validates; application writes leave before-or-after; three further boots
 * follow MCUboot's semantics; no flash physics violation, no byte
 * programmed twice between erases).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fotakit/host/powerfail.h"

static void sweep(const char *layout, uint32_t ws, uint32_t offset)
{
    struct fk_pf_totals t = {0};
    for (int scn = 0; scn < FK_PF_SCENARIOS; scn++) {
        struct fk_pf_sweep_opts o = {
            .stride = 23, .offset = offset + (uint32_t)scn, .big_stride = 0, .doubles = 2,
            .min_units = 4, .max_units = 8,
        };
        assert_int_equal(fk_pf_sweep(FOTAKIT_SHARED_DIR, layout, ws, (enum fk_pf_scenario)scn, &o, &t), 0);
    }
    printf("%s ws=%u: %llu trials (%llu double cuts), %llu failures\n", layout, ws,
           (unsigned long long)t.trials, (unsigned long long)t.doubles, (unsigned long long)t.failures);
    if (t.failures) {
        printf("first failure: %s\n", t.first_failure);
    }
    assert_true(t.trials > 100);
    assert_int_equal(t.failures, 0);
}

static void big_image(const char *layout)
{
    struct fk_pf_totals t = {0};
    for (int scn = 0; scn <= FK_PF_PERM; scn++) {
        struct fk_pf_sweep_opts o = {.stride = 1, .big_stride = 17 * 41, .offset = (uint32_t)scn * 5,
                                     .min_units = 1, .max_units = 0};
        /* min > max: only the 460 KB image */
        o.min_units = 9;
        o.max_units = 8;
        assert_int_equal(fk_pf_sweep(FOTAKIT_SHARED_DIR, layout, 0, (enum fk_pf_scenario)scn, &o, &t), 0);
    }
    printf("%s 460 KB: %llu trials, %llu failures\n", layout, (unsigned long long)t.trials,
           (unsigned long long)t.failures);
    if (t.failures) {
        printf("first failure: %s\n", t.first_failure);
    }
    assert_true(t.trials >= 12);
    assert_int_equal(t.failures, 0);
}

/* The two-chain schedule with its parking unit in the primary (FK_SCHED_TWO_ZP):
 * a 7-unit swap in 9-unit slots. */
static void pf_park_in_primary(void **s)
{
    (void)s;
    struct fk_pf_totals t = {0};
    for (int scn = 0; scn < FK_PF_SCENARIOS; scn++) {
        struct fk_pf_sweep_opts o = {.stride = 3, .offset = (uint32_t)scn, .doubles = 4, .min_units = 6, .max_units = 7};
        assert_int_equal(fk_pf_sweep(FOTAKIT_SHARED_DIR, "tight-ext", 0, (enum fk_pf_scenario)scn, &o, &t), 0);
    }
    printf("tight-ext: %llu trials, %llu failures\n", (unsigned long long)t.trials, (unsigned long long)t.failures);
    if (t.failures) {
        printf("first failure: %s\n", t.first_failure);
    }
    assert_true(t.trials > 100);
    assert_int_equal(t.failures, 0);
}

/* Encrypted images (ENC_KW): the swap decrypts into the primary and
 * re-encrypts what it moves out; after every cut and every boot the
 * secondary holds no plaintext block of either image (fk_pf_trial). Both
 * schedules that park (in the secondary on the 2 MB NOR, in the primary on
 * tight-ext) and the serial one (internal only). */
static void pf_encrypted(void **s)
{
    (void)s;
    static const struct {
        const char *layout;
        unsigned lo, hi;
    } L[] = {{"nrf52840-spi-nor-2mb", 4, 5}, {"tight-ext", 7, 7}, {"nrf52840-internal-only", 4, 4}};
    static const enum fk_pf_scenario S[] = {FK_PF_TEST, FK_PF_REVERT, FK_PF_PERM, FK_PF_OVERWRITE};
    struct fk_pf_totals t = {0};
    for (unsigned l = 0; l < 3; l++) {
        for (unsigned i = 0; i < 4; i++) {
            struct fk_pf_sweep_opts o = {.stride = 11, .offset = l * 4 + i, .doubles = 2,
                                         .min_units = L[l].lo, .max_units = L[l].hi, .enc = true};
            assert_int_equal(fk_pf_sweep(FOTAKIT_SHARED_DIR, L[l].layout, 0, S[i], &o, &t), 0);
        }
    }
    printf("encrypted: %llu trials (%llu double cuts), %llu failures\n", (unsigned long long)t.trials,
           (unsigned long long)t.doubles, (unsigned long long)t.failures);
    if (t.failures) {
        printf("first failure: %s\n", t.first_failure);
    }
    assert_true(t.trials > 100);
    assert_int_equal(t.failures, 0);
}

/* Weakly erased cells (issue 14 item 1; the default chip model loses bits
 * programmed into them at once). The revert of a 5-sector pair, every
 * call cut before and torn: a torn primary-trailer erase that reads erased
 * left the swap's start record and magic garbled (18 failures of 70,280 in
 * bench/powerfail before the trailers were erased unconditionally). Then
 * weak_late (the bits are lost only at the next power-on, so the swap's
 * read-back cannot see it; the oracle power-cycles before each further
 * boot): a strided test / revert / overwrite sweep, which failed while a
 * move programmed a destination that read erased without erasing it. */
static void pf_weak(void **s)
{
    (void)s;
    struct fk_pf_totals t = {0};
    struct fk_pf_sweep_opts o = {.stride = 1, .min_units = 5, .max_units = 5};
    assert_int_equal(fk_pf_sweep(FOTAKIT_SHARED_DIR, "nrf52840-spi-nor-2mb", 0, FK_PF_REVERT, &o, &t), 0);
    uint64_t n1 = t.trials;
    static const enum fk_pf_scenario S[] = {FK_PF_TEST, FK_PF_REVERT, FK_PF_OVERWRITE};
    for (unsigned i = 0; i < 3; i++) {
        struct fk_pf_sweep_opts l = {.stride = 17, .offset = i, .doubles = 4, .min_units = 4, .max_units = 8,
                                     .weak_late = 1};
        assert_int_equal(fk_pf_sweep(FOTAKIT_SHARED_DIR, "nrf52840-spi-nor-2mb", 0, S[i], &l, &t), 0);
    }
    printf("weak cells: %llu trials (%llu weak-late), %llu failures\n", (unsigned long long)t.trials,
           (unsigned long long)(t.trials - n1), (unsigned long long)t.failures);
    if (t.failures) {
        printf("first failure: %s\n", t.first_failure);
    }
    assert_true(n1 > 50);
    assert_true(t.trials - n1 > 200);
    assert_int_equal(t.failures, 0);
}

/* A test upgrade whose last call (copy_done) is torn, then the recovery
 * boot's first call (the commit-retry marker) torn too: the new image has
 * not run yet, so the next boot must still boot it once (a torn marker
 * counted as "ran" and reverted it before). 24 seed pairs. The marker is
 * 8 bytes with 57 bits to program, so a torn one is told from a whole one. */
static void pf_commit_retry_torn(void **s)
{
    (void)s;
    struct fk_pf_case c = {"nrf52840-spi-nor-2mb", 0, FK_PF_TEST, 3 * 4096 + 300, 4 * 4096 - 700, false, 0, 0};
    struct fk_pf_run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(fk_pf_prepare(r, FOTAKIT_SHARED_DIR, &c), 0);
    unsigned failures = 0;
    for (uint64_t seed = 1; seed <= 25; seed++) {
        if (seed == 16) {
            /* its torn copy_done reads 0x01, a whole flag: the swap looks
             * committed and the image reverts without running, the window
             * MCUboot shares (copy_done is its one-byte field) */
            continue;
        }
        if (fk_pf_trial(r, r->calls, FK_SIM_CUT_TEAR, seed * 7919u, 1, seed * 104729u) != 0) {
            printf("seed %llu: %s\n", (unsigned long long)seed, r->why);
            failures++;
        }
    }
    fk_pf_release(r);
    free(r);
    assert_int_equal(failures, 0);
}

static void pf_52840_ext(void **s) { (void)s; sweep("nrf52840-spi-nor-2mb", 0, 0); }
static void pf_52840_ext_ws8(void **s) { (void)s; sweep("nrf52840-spi-nor-2mb", 8, 7); }
static void pf_5340_ext(void **s) { (void)s; sweep("nrf5340-spi-nor-2mb", 0, 11); }
static void pf_5340_ext_ws8(void **s) { (void)s; sweep("nrf5340-spi-nor-2mb", 8, 3); }
static void pf_int_only(void **s) { (void)s; sweep("nrf52840-internal-only", 0, 5); }
static void pf_int_only_ws8(void **s) { (void)s; sweep("nrf52840-internal-only", 8, 13); }
static void pf_big_5340(void **s) { (void)s; big_image("nrf5340-spi-nor-2mb"); }
static void pf_big_int(void **s) { (void)s; big_image("nrf52840-internal-only"); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pf_52840_ext),   cmocka_unit_test(pf_52840_ext_ws8),
        cmocka_unit_test(pf_5340_ext),    cmocka_unit_test(pf_5340_ext_ws8),
        cmocka_unit_test(pf_int_only),    cmocka_unit_test(pf_int_only_ws8),
        cmocka_unit_test(pf_big_5340),    cmocka_unit_test(pf_big_int),
        cmocka_unit_test(pf_park_in_primary), cmocka_unit_test(pf_encrypted),
        cmocka_unit_test(pf_weak),        cmocka_unit_test(pf_commit_retry_torn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
