/*
 * Two swap images updated for test in one boot, power cut between (and
 * during) their swaps. Image 1 v2 needs image 0 >= 2.0.0. The application
 * runs only after a boot that completes, so until one does, no image has
 * run its new version and none may be reverted; and a completed boot never
 * starts image 1 v2 beside image 0 v1 (docs/boot.md "Two images").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/boot_multi.h"
#include "fotakit/host/image.h"
#include "smp_test_util.h"

#define K64 (64u * 1024u)
#define VEC FOTAKIT_SHARED_DIR "/vectors/imgtool/"

struct img {
    uint8_t *b;
    size_t len;
};

static struct img g_v1[2], g_v2[2];
static uint8_t *g_der;
static size_t g_der_len;

static void sign(int major, size_t len, const struct fk_dependency *dep, struct img *out)
{
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    o.key_path = VEC "ecdsa-p256.pem";
    o.version.major = (uint8_t)major;
    o.header_size = 0x200;
    o.pad_header = true;
    o.align = 4;
    o.deps = dep;
    o.ndeps = dep ? 1 : 0;
    uint8_t *p = malloc(len);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(i * 7u + (size_t)major * 31u + len);
    }
    struct fk_sign_result r;
    char err[256];
    assert_int_equal(fk_image_sign_ex(&o, p, len, &out->b, &out->len, &r, err, sizeof err), 0);
    free(p);
}

static int setup(void **state)
{
    (void)state;
    const struct fk_dependency need0 = {.image_id = 0, .min_ver = {.major = 2}};
    sign(1, 18000, NULL, &g_v1[0]);
    sign(2, 21000, NULL, &g_v2[0]);
    sign(1, 9000, NULL, &g_v1[1]);
    sign(2, 11000, &need0, &g_v2[1]);
    FILE *f = fopen(VEC "ecdsa-p256.pub.der", "rb");
    assert_non_null(f);
    g_der = malloc(256);
    g_der_len = fread(g_der, 1, 256, f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        free(g_v1[i].b);
        free(g_v2[i].b);
    }
    free(g_der);
    return 0;
}

/* Every program / erase on any device counts against one budget; once it
 * is spent nothing more is written (the MCU is off). */
static long g_budget = -1, g_ops, g_ops_at_image0;
static bool g_cut;  /* an operation was refused: that boot never completed */
static bool g_torn; /* the first refused operation is done in part (torn) */
static const struct fk_flash_ops *g_inner;
static struct fk_flash_ops g_cut_ops;

static int cut_prog(struct fk_flash_dev *d, uint32_t off, const void *b, size_t n)
{
    if (g_budget >= 0 && g_ops >= g_budget) {
        if (g_torn && !g_cut) {
            /* torn: only the high nibble of each byte programmed */
            uint8_t *t = malloc(n);
            for (size_t i = 0; i < n; i++) {
                t[i] = (uint8_t)(((const uint8_t *)b)[i] | 0x0f);
            }
            (void)g_inner->prog(d, off, t, n);
            free(t);
        }
        g_cut = true;
        return FK_EIO;
    }
    g_ops++;
    return g_inner->prog(d, off, b, n);
}

static int cut_erase(struct fk_flash_dev *d, uint32_t off, size_t n)
{
    if (g_budget >= 0 && g_ops >= g_budget) {
        if (g_torn && !g_cut) {
            (void)g_inner->erase(d, off, n / 2); /* torn: the first half erased */
        }
        g_cut = true;
        return FK_EIO;
    }
    g_ops++;
    return g_inner->erase(d, off, n);
}

struct mb {
    struct ramflash dev[4]; /* pri0, sec0, pri1, sec1 */
    struct fk_flash_area areas[2][2];
    struct fk_flash_map map[2];
    struct fk_image_key key;
    struct fk_image_keyring ring;
    struct fk_boot_config cfg[2];
};

/* image 0's log line: its fk_boot_go is done (the swap, if any, complete) */
static void log0(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
    if (g_ops_at_image0 < 0) {
        g_ops_at_image0 = g_ops;
    }
}

/* Both images at v1, both v2 staged for test. */
static struct mb *mb_new(void)
{
    struct mb *m = calloc(1, sizeof *m);
    static const char *const names[4] = {"internal", "external", "internal1", "external1"};
    for (int d = 0; d < 4; d++) {
        ramflash_init(&m->dev[d], names[d], K64, 4096, 4);
    }
    m->key = (struct fk_image_key){FK_KEY_ECDSA_P256, g_der, g_der_len};
    m->ring = (struct fk_image_keyring){.keys = &m->key, .count = 1};
    for (int i = 0; i < 2; i++) {
        m->areas[i][0] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, fk_slot_name((unsigned)i, 0),
                                                &m->dev[2 * i].dev, 0, K64};
        m->areas[i][1] = (struct fk_flash_area){FK_AREA_ID_SECONDARY, fk_slot_name((unsigned)i, 1),
                                                &m->dev[2 * i + 1].dev, 0, K64};
        m->map[i] = (struct fk_flash_map){m->areas[i], 2};
        m->cfg[i] = (struct fk_boot_config){.map = &m->map[i], .keys = &m->ring,
                                            .strategy = FK_BOOT_STRATEGY_SWAP};
        memcpy(m->dev[2 * i].mem, g_v1[i].b, g_v1[i].len);
        memcpy(m->dev[2 * i + 1].mem + fk_boot_secondary_image_off(&m->map[i]), g_v2[i].b, g_v2[i].len);
        assert_int_equal(fk_boot_set_pending(&m->map[i], false), FK_OK);
    }
    m->cfg[0].log = log0;
    g_inner = m->dev[0].dev.ops;
    g_cut_ops = (struct fk_flash_ops){g_inner->read, cut_prog, cut_erase, g_inner->sync};
    for (int d = 0; d < 4; d++) {
        m->dev[d].dev.ops = &g_cut_ops;
    }
    g_ops = 0;
    g_ops_at_image0 = -1;
    return m;
}

static void mb_free(struct mb *m)
{
    for (int d = 0; d < 4; d++) {
        ramflash_free(&m->dev[d]);
    }
    free(m);
}

static int go(struct mb *m, struct fk_boot_rsp rsp[2])
{
    const struct fk_boot_config *c[2] = {&m->cfg[0], &m->cfg[1]};
    struct fk_boot_dep_fail f;
    bool held;
    return fk_boot_go_multi(c, 2, rsp, &f, &held);
}

/* A boot that completed (the application starts): NULL when both images
 * run their new version in test state, neither was reverted, and the
 * pair meets image 1's dependency; else what is wrong. */
static const char *check_new_pair(struct mb *m, int rc, const struct fk_boot_rsp rsp[2])
{
    static char why[512];
    unsigned v0 = rsp[0].hdr.ver.major, v1 = rsp[1].hdr.ver.major;
    why[0] = '\0';
    if (rc != FK_OK || rsp[1].err != FK_OK) {
        snprintf(why, sizeof why, "boot failed (%d / %d)", rc, rsp[1].err);
    } else if (v1 == 2 && v0 < 2) {
        snprintf(why, sizeof why, "image 1 v2 started beside image 0 v%u (needs >= 2)", v0);
    } else if (rsp[0].reason == FK_BOOT_R_REVERTED || rsp[1].reason == FK_BOOT_R_REVERTED) {
        snprintf(why, sizeof why, "an image that never ran was reverted");
    } else if (v0 != 2 || v1 != 2) {
        snprintf(why, sizeof why, "running v%u + v%u, want v2 + v2", v0, v1);
    } else {
        for (int i = 0; i < 2; i++) {
            struct fk_boot_slot_state st;
            if (fk_boot_read_slot_state(&m->map[i], FK_AREA_ID_PRIMARY, &st) != FK_OK ||
                st.image_ok == FK_BOOT_FLAG_SET) {
                /* (the revert at the next reset is check_revert's; after a
                 * torn copy_done fk_boot_swap_type reads none, as before) */
                snprintf(why, sizeof why, "image %d confirmed, want test state", i);
            }
        }
    }
    if (why[0] == '\0') {
        return NULL;
    }
    size_t l = strlen(why);
    snprintf(why + l, sizeof why - l, ": image 0 \"%s\", image 1 \"%s\"", rsp[0].why, rsp[1].why);
    return why;
}

/* The application ran both test images and reset without confirming:
 * both revert, and v1 + v1 is what starts. */
static const char *check_revert(struct mb *m)
{
    static char why[512];
    struct fk_boot_rsp rsp[2];
    int rc = go(m, rsp);
    if (rc != FK_OK || rsp[0].reason != FK_BOOT_R_REVERTED || rsp[1].reason != FK_BOOT_R_REVERTED ||
        rsp[0].hdr.ver.major != 1 || rsp[1].hdr.ver.major != 1) {
        snprintf(why, sizeof why, "after the run: rc %d, image 0 \"%s\", image 1 \"%s\"", rc, rsp[0].why,
                 rsp[1].why);
        return why;
    }
    return NULL;
}

/* The case: image 0's test swap complete, the power cut during
 * image 1's swap. The next boot must finish image 1 and boot image 0's new
 * version (it never ran), not revert it. */
static void cut_in_image1_swap_keeps_image0_new(void **state)
{
    (void)state;
    struct fk_boot_rsp rsp[2];
    struct mb *m = mb_new();
    assert_int_equal(go(m, rsp), FK_OK); /* uncut: where image 0's part ends */
    long at0 = g_ops_at_image0, total = g_ops;
    assert_true(at0 > 10 && total > at0 + 10);
    mb_free(m);
    m = mb_new();
    g_budget = at0 + 5; /* inside image 1's swap */
    (void)go(m, rsp);
    g_budget = -1;
    int rc = go(m, rsp);
    const char *bad = check_new_pair(m, rc, rsp);
    if (bad != NULL) {
        fail_msg("cut after %ld of %ld operations (image 0 done at %ld): %s", at0 + 5, total, at0, bad);
    }
    assert_int_equal(rsp[1].resumed, true);
    bad = check_revert(m);
    if (bad != NULL) {
        fail_msg("%s", bad);
    }
    mb_free(m);
}

/* Every single cut of the two-image test update, and double cuts (the
 * recovery boot cut again) at every 13th first cut, and torn cuts (the
 * operation the power hits done in part) at every 3rd and at the commits:
 * after each boot that
 * completes, both run v2 in test state; one more reset reverts both. */
static void cut_sweep_two_test_swaps(void **state)
{
    (void)state;
    struct fk_boot_rsp rsp[2];
    struct mb *m = mb_new();
    g_budget = -1;
    assert_int_equal(go(m, rsp), FK_OK);
    long total = g_ops;
    mb_free(m);
    /* pass 0: a cut between operations after each of them; 1..4: then the
     * recovery boot cut after again[a] operations; 5: the cut operation
     * torn (half a program, half an erase), at every 3rd */
    static const long again[] = {0, 1, 3, 17, 60, 0};
    const unsigned passes = sizeof again / sizeof again[0];
    unsigned trials = 0;
    for (unsigned a = 0; a < passes; a++) {
        for (long k = 0; k < total; k += a == 0 || k >= total - 4 ? 1 : a == passes - 1 ? 3 : 13) {
            m = mb_new();
            g_budget = k;
            g_cut = false;
            g_torn = a == passes - 1;
            (void)go(m, rsp);
            g_torn = false;
            int rc;
            if (again[a] > 0) {
                g_ops = 0;
                g_cut = false;
                g_budget = again[a];
                rc = go(m, rsp);
                g_budget = -1;
                if (!g_cut) {
                    /* the recovery finished within the budget: the check
                     * below sees the boot after the application's run */
                    const char *bad = check_new_pair(m, rc, rsp);
                    if (bad == NULL) {
                        bad = check_revert(m);
                    }
                    if (bad != NULL) {
                        fail_msg("cut after %ld of %ld operations, recovery uncut: %s", k, total, bad);
                    }
                    trials++;
                    mb_free(m);
                    continue;
                }
            }
            g_budget = -1;
            rc = go(m, rsp);
            const char *bad = check_new_pair(m, rc, rsp);
            if (bad == NULL) {
                bad = check_revert(m);
            }
            if (bad != NULL) {
                fail_msg("cut%s after %ld of %ld operations, then after %ld: %s", a == passes - 1 ? " (torn)" : "",
                         k, total, again[a], bad);
            }
            trials++;
            mb_free(m);
        }
    }
    print_message("two test swaps: %u cut trials (every single cut, doubles at every 13th, torn at every 3rd and the last 4), "
                  "0 failures\n", trials);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cut_in_image1_swap_keeps_image0_new),
        cmocka_unit_test(cut_sweep_two_test_swaps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
