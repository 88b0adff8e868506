/*
 * Multi-image boot with imgtool's DEPENDENCY vectors (../shared/vectors/
 * imgtool-ext): image 0 v1.1.0 needs image 1 >= 2.0.0. Image 0 swaps
 * (fotakit swap), image 1 is overwrite-only (the nRF5340 network core as NCS
 * updates it). An update whose dependency cannot be met is held: every
 * byte of every slot stays as it was; one that can be met runs for both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/boot_multi.h"
#include "smp_test_util.h"

#define K64 (64u * 1024u)
#define EXT FOTAKIT_SHARED_DIR "/vectors/imgtool-ext/"
#define IMG FOTAKIT_SHARED_DIR "/vectors/imgtool/"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

struct vec {
    uint8_t *b;
    size_t len;
};

struct mb {
    struct ramflash dev[4]; /* pri0, sec0, pri1 (network core), sec1 */
    struct fk_flash_area areas[2][2];
    struct fk_flash_map map[2];
    struct fk_image_key key;
    struct fk_image_keyring ring;
    struct fk_boot_config cfg[2];
    struct vec img0_dep, img1_v2, img1_v19, old0;
    uint8_t *before[4];
};

static uint8_t *g_der;

static struct mb *mb_new(void)
{
    struct mb *m = calloc(1, sizeof *m);
    static const char *const names[4] = {"internal", "external", "net_flash", "external1"};
    for (int d = 0; d < 4; d++) {
        ramflash_init(&m->dev[d], names[d], K64, 4096, 4);
    }
    for (int i = 0; i < 2; i++) {
        m->areas[i][0] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, fk_slot_name((unsigned)i, 0),
                                                &m->dev[2 * i].dev, 0, K64};
        m->areas[i][1] = (struct fk_flash_area){FK_AREA_ID_SECONDARY,
                                                fk_slot_name((unsigned)i, 1),
                                                &m->dev[2 * i + 1].dev, 0, K64};
        m->map[i] = (struct fk_flash_map){m->areas[i], 2};
    }
    size_t dl;
    g_der = slurp(IMG "ecdsa-p256.pub.der", &dl);
    m->key = (struct fk_image_key){FK_KEY_ECDSA_P256, g_der, dl};
    m->ring = (struct fk_image_keyring){.keys = &m->key, .count = 1};
    for (int i = 0; i < 2; i++) {
        m->cfg[i] = (struct fk_boot_config){.map = &m->map[i], .keys = &m->ring,
                                            .strategy = i ? FK_BOOT_STRATEGY_OVERWRITE
                                                          : FK_BOOT_STRATEGY_SWAP};
    }
    m->img0_dep.b = slurp(EXT "img0-ecdsa-p256-v1.1.0-dep-img1-2.0.0.bin", &m->img0_dep.len);
    m->img1_v2.b = slurp(EXT "img1-ecdsa-p256-v2.0.0.bin", &m->img1_v2.len);
    m->img1_v19.b = slurp(EXT "img1-ecdsa-p256-v1.9.0.bin", &m->img1_v19.len);
    m->old0.b = slurp(IMG "img-ecdsa-p256-v1.2.3+4.bin", &m->old0.len);
    return m;
}

static void mb_free(struct mb *m)
{
    for (int d = 0; d < 4; d++) {
        ramflash_free(&m->dev[d]);
        free(m->before[d]);
    }
    free(m->img0_dep.b);
    free(m->img1_v2.b);
    free(m->img1_v19.b);
    free(m->old0.b);
    free(g_der);
    free(m);
}

static void put_primary(struct mb *m, int image, const struct vec *v)
{
    memcpy(m->dev[2 * image].mem, v->b, v->len);
}

/* An upload into image `image`'s secondary, marked for test. */
static void put_pending(struct mb *m, int image, const struct vec *v)
{
    memcpy(m->dev[2 * image + 1].mem + fk_boot_secondary_image_off(&m->map[image]), v->b, v->len);
    assert_int_equal(fk_boot_set_pending(&m->map[image], false), FK_OK);
}

static void snapshot(struct mb *m)
{
    for (int d = 0; d < 4; d++) {
        free(m->before[d]);
        m->before[d] = malloc(K64);
        memcpy(m->before[d], m->dev[d].mem, K64);
    }
}

static void assert_untouched(const struct mb *m)
{
    for (int d = 0; d < 4; d++) {
        assert_memory_equal(m->dev[d].mem, m->before[d], K64);
    }
}

static int go(struct mb *m, struct fk_boot_rsp rsp[2], struct fk_boot_dep_fail *f, bool *held)
{
    const struct fk_boot_config *c[2] = {&m->cfg[0], &m->cfg[1]};
    return fk_boot_go_multi(c, 2, rsp, f, held);
}

static void deps_read_from_the_vector(void **state)
{
    (void)state;
    struct mb *m = mb_new();
    put_primary(m, 0, &m->img0_dep);
    struct fk_image_dep d[2];
    unsigned n;
    assert_int_equal(fk_image_deps_read(&m->areas[0][0], 0, d, 2, &n), FK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(d[0].image_id, 1);
    assert_int_equal(d[0].min.major, 2);
    assert_int_equal(d[0].min.minor, 0);
    assert_int_equal(d[0].min.revision, 0);
    assert_int_equal(d[0].min.build, 0);
    put_primary(m, 1, &m->img1_v2);
    assert_int_equal(fk_image_deps_read(&m->areas[1][0], 0, d, 2, &n), FK_OK);
    assert_int_equal(n, 0);
    mb_free(m);
}

/* Image 0's update needs image 1 >= 2.0.0; image 1 stays at 1.9.0: held. */
static void unmet_dependency_holds_the_update(void **state)
{
    (void)state;
    struct mb *m = mb_new();
    put_primary(m, 0, &m->old0);
    put_primary(m, 1, &m->img1_v19);
    put_pending(m, 0, &m->img0_dep);
    snapshot(m);
    struct fk_boot_rsp rsp[2];
    struct fk_boot_dep_fail f;
    bool held;
    assert_int_equal(go(m, rsp, &f, &held), FK_OK);
    assert_true(held);
    assert_int_equal(f.image, 0);
    assert_true(f.from_secondary);
    assert_int_equal(f.dep.image_id, 1);
    assert_int_equal(f.dep.min.major, 2);
    assert_true(f.have);
    assert_int_equal(f.got.major, 1);
    assert_int_equal(f.got.minor, 9);
    assert_int_equal(rsp[0].reason, FK_BOOT_R_HELD);
    assert_int_equal(rsp[1].reason, FK_BOOT_R_NONE);
    assert_int_equal(rsp[0].hdr.ver.major, 1); /* the old image 0 (1.2.3) boots */
    assert_int_equal(rsp[0].hdr.ver.minor, 2);
    assert_string_equal(fk_boot_reason_name(rsp[0].reason), "held");
    assert_non_null(strstr(rsp[0].why, "dependency is not met"));
    assert_untouched(m); /* both images, all four slots, trailers included */
    /* still pending: the check runs again at the next boot, with the same result */
    assert_int_equal(fk_boot_swap_type(&m->map[0]), FK_SWAP_TEST);
    assert_int_equal(go(m, rsp, &f, &held), FK_OK);
    assert_true(held);
    assert_untouched(m);
    mb_free(m);
}

/* Both updates pending: image 1 becomes 2.0.0, so image 0's dependency holds. */
static void met_dependency_updates_both(void **state)
{
    (void)state;
    struct mb *m = mb_new();
    put_primary(m, 0, &m->old0);
    put_primary(m, 1, &m->img1_v19);
    put_pending(m, 0, &m->img0_dep);
    put_pending(m, 1, &m->img1_v2);
    struct fk_boot_rsp rsp[2];
    struct fk_boot_dep_fail f;
    bool held;
    assert_int_equal(go(m, rsp, &f, &held), FK_OK);
    assert_false(held);
    assert_int_equal(rsp[0].reason, FK_BOOT_R_UPGRADED_TEST);
    assert_int_equal(rsp[1].reason, FK_BOOT_R_OVERWRITTEN);
    assert_int_equal(rsp[1].err, FK_OK);
    assert_memory_equal(m->dev[0].mem, m->img0_dep.b, m->img0_dep.len);
    assert_memory_equal(m->dev[2].mem, m->img1_v2.b, m->img1_v2.len);
    /* next boot: image 0 runs its test image, nothing held (image 1 is 2.0.0 now) */
    assert_int_equal(go(m, rsp, &f, &held), FK_OK);
    assert_false(held);
    mb_free(m);
}

/* Image 1 would go down to 1.9.0 under an image 0 that needs 2.0.0: held. */
static void downgrade_of_a_dependency_is_held(void **state)
{
    (void)state;
    struct mb *m = mb_new();
    put_primary(m, 0, &m->img0_dep);
    put_primary(m, 1, &m->img1_v2);
    put_pending(m, 1, &m->img1_v19);
    snapshot(m);
    struct fk_boot_rsp rsp[2];
    struct fk_boot_dep_fail f;
    bool held;
    assert_int_equal(go(m, rsp, &f, &held), FK_OK);
    assert_true(held);
    assert_int_equal(f.image, 0);
    assert_false(f.from_secondary);
    assert_int_equal(f.got.minor, 9);
    assert_int_equal(rsp[1].reason, FK_BOOT_R_HELD);
    assert_int_equal(rsp[1].hdr.ver.major, 2);
    assert_untouched(m);
    mb_free(m);
}

/* Without image 1 (one image built), a dependency on it is never met. */
static void dependency_on_a_missing_image(void **state)
{
    (void)state;
    struct mb *m = mb_new();
    put_primary(m, 0, &m->old0);
    put_pending(m, 0, &m->img0_dep);
    snapshot(m);
    const struct fk_flash_map *maps[1] = {&m->map[0]};
    struct fk_boot_dep_fail f;
    unsigned pending;
    assert_int_equal(fk_boot_deps_check(maps, 1, &pending, &f), FK_EBOOT_DEPENDENCY);
    /* its own number and name (it once shared -107 with FK_EBOOT_VERIFY) */
    assert_int_not_equal(FK_EBOOT_DEPENDENCY, FK_EBOOT_VERIFY);
    assert_string_equal(fk_err_name(FK_EBOOT_DEPENDENCY), "FK_EBOOT_DEPENDENCY");
    assert_int_equal(pending, 1);
    assert_false(f.have);
    assert_int_equal(f.dep.image_id, 1);
    struct fk_boot_rsp rsp[1];
    bool held;
    const struct fk_boot_config *c[1] = {&m->cfg[0]};
    assert_int_equal(fk_boot_go_multi(c, 1, rsp, &f, &held), FK_OK);
    assert_true(held);
    assert_untouched(m);
    mb_free(m);
}

/* ---- power cuts over a two-image update -------------------------------- */

/* Every program / erase on any of the four devices counts against one
 * budget; once it is spent nothing more is written (the MCU is off). A cut
 * lands between two operations: torn operations are the single-image
 * harness's job (src/host/powerfail), not repeated here. */
static long g_budget = -1, g_ops;
static const struct fk_flash_ops *g_inner;

static int cut_prog(struct fk_flash_dev *d, uint32_t off, const void *b, size_t n)
{
    if (g_budget >= 0 && g_ops >= g_budget) {
        return FK_EIO;
    }
    g_ops++;
    return g_inner->prog(d, off, b, n);
}

static int cut_erase(struct fk_flash_dev *d, uint32_t off, size_t n)
{
    if (g_budget >= 0 && g_ops >= g_budget) {
        return FK_EIO;
    }
    g_ops++;
    return g_inner->erase(d, off, n);
}

static struct fk_flash_ops g_cut_ops;

/* Both images pending (permanent), image 0 needing image 1 >= 2.0.0. */
static struct mb *cut_setup(void)
{
    struct mb *m = mb_new();
    put_primary(m, 0, &m->old0);
    put_primary(m, 1, &m->img1_v19);
    memcpy(m->dev[1].mem + fk_boot_secondary_image_off(&m->map[0]), m->img0_dep.b,
           m->img0_dep.len);
    memcpy(m->dev[3].mem + fk_boot_secondary_image_off(&m->map[1]), m->img1_v2.b,
           m->img1_v2.len);
    assert_int_equal(fk_boot_set_pending(&m->map[0], true), FK_OK);
    assert_int_equal(fk_boot_set_pending(&m->map[1], true), FK_OK);
    g_inner = m->dev[0].dev.ops;
    g_cut_ops = (struct fk_flash_ops){g_inner->read, cut_prog, cut_erase, g_inner->sync};
    for (int d = 0; d < 4; d++) {
        m->dev[d].dev.ops = &g_cut_ops;
    }
    g_ops = 0;
    return m;
}

static void power_cut_sweep_two_images(void **state)
{
    (void)state;
    struct fk_boot_rsp rsp[2];
    struct fk_boot_dep_fail f;
    bool held;
    /* the uncut run: how many operations the two-image update takes */
    struct mb *m = cut_setup();
    g_budget = -1;
    assert_int_equal(go(m, rsp, &f, &held), FK_OK);
    long total = g_ops;
    assert_true(total > 10);
    mb_free(m);
    unsigned trials = 0;
    for (long k = 0; k < total; k++) {
        m = cut_setup();
        g_budget = k;
        (void)go(m, rsp, &f, &held); /* cut after k operations */
        g_budget = -1;
        /* power back: one boot finishes whatever the cut left */
        int rc = go(m, rsp, &f, &held);
        if (rc != FK_OK || memcmp(m->dev[0].mem, m->img0_dep.b, m->img0_dep.len) != 0 ||
            memcmp(m->dev[2].mem, m->img1_v2.b, m->img1_v2.len) != 0) {
            fail_msg("cut after %ld of %ld operations: rc %d, image 0 %s, image 1 %s", k, total,
                     rc, rsp[0].why, rsp[1].why);
        }
        assert_false(held); /* image 1 pending at 2.0.0 or done: never held */
        assert_int_equal(fk_boot_swap_type(&m->map[0]), FK_SWAP_NONE);
        assert_int_equal(fk_boot_swap_type(&m->map[1]), FK_SWAP_NONE);
        trials++;
        mb_free(m);
    }
    assert_int_equal(trials, (unsigned)total);
    print_message("two-image power-cut sweep: %u cut points, 0 failures\n", trials);
}

/* cfg->copied (MCUboot's boot_copy_region_post_hook, the PCD hand-over):
 * called after the overwrite copy, before the request is dropped. A failed
 * hand-over keeps the request, so the next boot copies and hands over
 * again; a successful one drops it. */
struct copied_log {
    unsigned calls;
    uint32_t len;
    int ret;
    uint8_t first[4];
};

static int on_copied(void *ctx, const struct fk_flash_area *pri, uint32_t len)
{
    struct copied_log *l = ctx;
    l->calls++;
    l->len = len;
    assert_int_equal(fk_flash_read(pri, 0, l->first, 4), FK_OK);
    return l->ret;
}

static void copied_hook_keeps_the_request_until_it_succeeds(void **state)
{
    (void)state;
    struct mb *m = mb_new();
    struct copied_log log = {.ret = FK_EIO};
    m->cfg[1].copied = on_copied;
    m->cfg[1].ctx = &log;
    put_pending(m, 1, &m->img1_v2);
    struct fk_boot_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&m->cfg[1], &rsp), FK_EIO);
    assert_int_equal(log.calls, 1);
    /* whole 4 KB units covering the image; the image is in the primary */
    assert_int_equal(log.len, (uint32_t)((m->img1_v2.len + 4095) / 4096 * 4096));
    assert_memory_equal(log.first, "\x3d\xb8\xf3\x96", 4); /* MCUboot image magic, LE */
    assert_int_equal(fk_boot_swap_type(&m->map[1]), FK_SWAP_TEST); /* request kept */
    log.ret = FK_OK;
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&m->cfg[1], &rsp), FK_OK);
    assert_int_equal(log.calls, 2);
    assert_int_equal(rsp.reason, FK_BOOT_R_OVERWRITTEN);
    assert_int_equal(fk_boot_swap_type(&m->map[1]), FK_SWAP_NONE);
    assert_memory_equal(m->dev[2].mem, m->img1_v2.b, m->img1_v2.len);
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&m->cfg[1], &rsp), FK_OK); /* nothing pending: no call */
    assert_int_equal(log.calls, 2);
    mb_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deps_read_from_the_vector),
        cmocka_unit_test(unmet_dependency_holds_the_update),
        cmocka_unit_test(met_dependency_updates_both),
        cmocka_unit_test(downgrade_of_a_dependency_is_held),
        cmocka_unit_test(dependency_on_a_missing_image),
        cmocka_unit_test(power_cut_sweep_two_images),
        cmocka_unit_test(copied_hook_keeps_the_request_until_it_succeeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
