/*
 * The SMP server under every bootloader row (fotakit/mcuboot_mode.h), end to
 * end on the virtual device: fotakit's client uploads imgtool's signed image
 * through fotakit's server (in process: the transport calls
 * fk_device_handle), then `image test`, a reset (the device's model of that
 * MCUboot mode swaps / overwrites / picks a slot), `image confirm`, a reset.
 *
 * Checked for every mode:
 *   - after the upload and the test, the upload slot is byte for byte what
 *     MCUboot expects: imgtool's `--pad --test` image (slot 0x74000, write
 *     size 4) at the mode's offset, its trailer fields at imgtool's offsets;
 *     the one difference is swap_info, which imgtool leaves erased and the
 *     server writes as MCUboot's boot_set_pending() does (0x02 = test);
 *   - `image list` after test, after the modeled boot and after confirm:
 *     the flags Zephyr's img_mgmt reports in that mode (expectations written
 *     out by hand below from img_mgmt_state.c's rules);
 *   - an image one byte larger than the mode's largest is refused at the
 *     first chunk, with the numbers.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fotakit/boot.h"
#include "fotakit/err.h"
#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/host/image.h"
#include "fotakit/mcuboot_mode.h"
#include "fotakit/smp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VEC FOTAKIT_SHARED_DIR "/vectors/imgtool/"
#define BOARD FOTAKIT_SHARED_DIR "/layouts/nrf52840.board.yml"
#define OUT FOTAKIT_BINARY_DIR "/tests/device/modes-out"
#define SLOT 0x74000u
#define PRI_OFF 0xc000u  /* mcuboot_primary in flash_primary */
#define SEC_OFF 0x80000u /* mcuboot_secondary */

/* ---- in-process transport: send = the device handles it now ------------- */

#define QMAX 16
struct loop_tp {
    struct fk_client_tp tp;
    struct fk_device *d;
    uint8_t q[QMAX][FK_SMP_HDR_SIZE + 2048];
    size_t qlen[QMAX];
    unsigned head, n;
};

static int lt_send(struct fk_client_tp *tp, const uint8_t *pkt, size_t len)
{
    struct loop_tp *l = (struct loop_tp *)tp;
    uint8_t rsp[FK_SMP_HDR_SIZE + 2048];
    size_t n = fk_device_handle(l->d, pkt, len, rsp, sizeof rsp);
    if (n && l->n < QMAX) {
        unsigned at = (l->head + l->n) % QMAX;
        memcpy(l->q[at], rsp, n);
        l->qlen[at] = n;
        l->n++;
    }
    if (fk_device_reset_pending(l->d)) {
        fk_device_boot(l->d, NULL);
    }
    return 0;
}

static int lt_recv(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
    (void)timeout_ms;
    struct loop_tp *l = (struct loop_tp *)tp;
    if (l->n == 0) {
        return 0;
    }
    size_t n = l->qlen[l->head];
    if (n > cap) {
        n = cap;
    }
    memcpy(buf, l->q[l->head], n);
    l->head = (l->head + 1) % QMAX;
    l->n--;
    return (int)n;
}

static void lt_close(struct fk_client_tp *tp)
{
    (void)tp;
}

/* ---- fixture ---------------------------------------------------------------- */

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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

struct fx {
    struct fk_device *d;
    struct loop_tp lt;
    struct fk_client c;
    char state[256];
};

static void fx_open(struct fx *f, enum fk_bl b, const uint8_t *factory, size_t flen)
{
    memset(f, 0, sizeof *f);
    mkdir(OUT, 0777);
    /* two 0x74000 slots (imgtool's --slot-size) on the nRF52840's flash,
     * 4 KB pages, write size 4, and a scratch page for swap-scratch */
    write_file(OUT "/modes.pm_static.yml",
               "mcuboot: {address: 0x0, size: 0xc000}\n"
               "mcuboot_primary: {address: 0xc000, size: 0x74000}\n"
               "mcuboot_secondary: {address: 0x80000, size: 0x74000}\n"
               "mcuboot_scratch: {address: 0xf4000, size: 0x1000}\n");
    snprintf(f->state, sizeof f->state, OUT "/state-%s", fk_bl_mode(b)->name);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->state);
    assert_int_equal(system(cmd), 0);
    struct fk_device_cfg cfg = {
        .layout = OUT "/modes.pm_static.yml",
        .board = BOARD,
        .state_dir = f->state,
        .allow_hash_only = true, /* the factory image is hash-only v1.0.0 */
        .quiet = true,
        .bootloader = b,
    };
    cfg.keys[0] = VEC "ecdsa-p256.pem";
    cfg.nkeys = 1;
    char err[512];
    int rc = fk_device_open(&f->d, &cfg, err, sizeof err);
    if (rc) {
        fail_msg("device open: %s", err);
    }
    assert_int_equal(fk_device_flash_image(f->d, factory, flen, err, sizeof err), 0);
    struct fk_device_boot_report rep;
    assert_int_equal(fk_device_boot(f->d, &rep), FK_OK);
    assert_string_equal(rep.version, "1.0.0+0");
    f->lt.tp.send = lt_send;
    f->lt.tp.recv = lt_recv;
    f->lt.tp.close = lt_close;
    f->lt.tp.kind = "loop";
    f->lt.d = f->d;
    fk_client_init(&f->c, &f->lt.tp);
    f->c.timeout_ms = 10;
    f->c.retries = 0;
}

static void fx_close(struct fx *f)
{
    fk_device_close(f->d);
}

/* The raw chip: the simulated internal flash's file. */
static uint8_t *chip(struct fx *f, size_t *len)
{
    char p[320];
    snprintf(p, sizeof p, "%s/flash_primary.bin", f->state);
    return load(p, len);
}

/* ---- expectations ------------------------------------------------------------ */

/* One `image list` entry: slot, version, flags (P pending, C confirmed,
 * A active, M permanent) */
struct want {
    int slot;
    const char *ver;
    const char *flags;
};

static void check_list(struct fx *f, const char *when, const struct want *w, unsigned n)
{
    struct fk_client_image_list l;
    struct fk_client_status st;
    assert_int_equal(fk_client_image_list(&f->c, &l, &st), 0);
    char got[256] = "", exp[256] = "";
    for (unsigned i = 0; i < l.count; i++) {
        const struct fk_client_slot *s = &l.slot[i];
        size_t k = strlen(got);
        snprintf(got + k, sizeof got - k, "[%d %s %s%s%s%s] ", s->slot, s->version,
                 s->pending ? "P" : "", s->confirmed ? "C" : "", s->active ? "A" : "",
                 s->permanent ? "M" : "");
    }
    for (unsigned i = 0; i < n; i++) {
        size_t k = strlen(exp);
        snprintf(exp + k, sizeof exp - k, "[%d %s %s] ", w[i].slot, w[i].ver, w[i].flags);
    }
    if (strcmp(got, exp) != 0) {
        fail_msg("%s: image list %s, expected %s", when, got, exp);
    }
}

struct mode_case {
    enum fk_bl b;
    uint32_t upload_slot_off; /* flash offset of the upload slot */
    uint32_t image_off;       /* where the image starts in it */
    int swap_info;            /* byte at slot end - 40 after `image test` */
    uint32_t max_image;       /* worked out by hand (see test_mcuboot_mode.c) */
    /* image list after test, after the reset, after confirm */
    struct want after_test[2], after_boot[2], after_confirm[2];
    unsigned n_test, n_boot, n_confirm;
    const char *ver_after_2nd_boot;
};

#define V1 "1.0.0"
#define V2 "1.2.3.4"

static const struct mode_case cases[] = {
    /* fotakit's own swap: uploads one sector in; test = swap_info + magic */
    {FK_BL_FOTAKIT, SEC_OFF, 0x1000, 0x02, 114 * 0x1000,
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V2, "A"}, {1, V1, "C"}}, {{0, V2, "CA"}, {1, V1, ""}},
     2, 2, 2, "1.2.3+4"},
    /* fotakit's overwrite strategy: same placement and marks; the image is
     * copied into the primary (the copy in slot 1 stays, unmarked), no revert */
    {FK_BL_FOTAKIT_OVERWRITE, SEC_OFF, 0x1000, 0x02, 114 * 0x1000,
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V2, "CA"}, {1, V2, ""}}, {{0, V2, "CA"}, {1, V2, ""}},
     2, 2, 2, "1.2.3+4"},
    /* stock swap modes: State II after test; design.md "Image swapping"
     * step 3 leaves primary magic + copy_done: State IV (revert) until
     * confirmed */
    {FK_BL_MCUBOOT_SWAP_SCRATCH, SEC_OFF, 0, 0x02, 0x74000 - (116 * 3 * 4 + 48),
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V2, "A"}, {1, V1, "C"}}, {{0, V2, "CA"}, {1, V1, ""}},
     2, 2, 2, "1.2.3+4"},
    {FK_BL_MCUBOOT_SWAP_MOVE, SEC_OFF, 0, 0x02, 114 * 0x1000,
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V2, "A"}, {1, V1, "C"}}, {{0, V2, "CA"}, {1, V1, ""}},
     2, 2, 2, "1.2.3+4"},
    /* swap-offset: one sector in; after the swap the previous image sits at
     * 0 and Zephyr reads it there only while a revert is due, so once
     * confirmed slot 1 shows nothing (it looks one sector in again) */
    {FK_BL_MCUBOOT_SWAP_OFFSET, SEC_OFF, 0x1000, 0x02, 114 * 0x1000,
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V2, "A"}, {1, V1, "C"}}, {{0, V2, "CA"}},
     2, 2, 1, "1.2.3+4"},
    /* overwrite-only: the secondary is copied over the primary (trailer
     * included) and erased: no revert, slot 1 empty */
    {FK_BL_MCUBOOT_OVERWRITE_ONLY, SEC_OFF, 0, 0x02, 0x74000 - 40,
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V2, "CA"}}, {{0, V2, "CA"}}, 2, 1, 1, "1.2.3+4"},
    /* direct-xip: no trailer writes; the newer slot is "pending permanent"
     * from the moment it is there; after the boot slot 1 runs */
    {FK_BL_MCUBOOT_DIRECT_XIP, SEC_OFF, 0, 0xff, 0x74000 - 40,
     {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V1, ""}, {1, V2, "CA"}}, {{0, V1, ""}, {1, V2, "CA"}},
     2, 2, 2, "1.2.3+4"},
    /* direct-xip with revert: test = magic in slot 1 (boot once); the model
     * sets copy_done when it boots it; unconfirmed = revert due (slot 0
     * confirmed); confirm = image_ok */
    {FK_BL_MCUBOOT_DIRECT_XIP_REVERT, SEC_OFF, 0, 0xff, 0x74000 - 40,
     {{0, V1, "CA"}, {1, V2, "P"}}, {{0, V1, "C"}, {1, V2, "A"}}, {{0, V1, ""}, {1, V2, "CA"}},
     2, 2, 2, "1.2.3+4"},
    /* RAM load: the newest version is loaded, as in direct-xip */
    {FK_BL_MCUBOOT_RAM_LOAD, SEC_OFF, 0, 0xff, 0x74000 - 40,
     {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V1, ""}, {1, V2, "CA"}}, {{0, V1, ""}, {1, V2, "CA"}},
     2, 2, 2, "1.2.3+4"},
};

/* The upload slot after upload + test against imgtool's --pad --test file. */
static void check_slot_bytes(struct fx *f, const struct mode_case *mc, const uint8_t *pad,
                             uint32_t end)
{
    size_t n;
    uint8_t *c = chip(f, &n);
    const uint8_t *s = c + mc->upload_slot_off;
    const struct fk_bl_mode *m = fk_bl_mode(mc->b);
    assert_memory_equal(s + mc->image_off, pad, end);
    for (uint32_t i = 0; i < SLOT; i++) {
        if (i >= mc->image_off && i < mc->image_off + end) {
            continue;
        }
        uint8_t want = i >= SLOT - 48 ? pad[i] : 0xff; /* magic (and erased fields) */
        if (i == SLOT - 40) {
            want = (uint8_t)mc->swap_info;
        }
        if (m->test.target == FK_BL_T_NONE && i >= SLOT - 16) {
            want = 0xff; /* direct-xip / RAM load: no magic written */
        }
        if (s[i] != want) {
            fail_msg("%s: upload slot byte 0x%x is 0x%02x, expected 0x%02x", m->name, i, s[i], want);
        }
    }
    free(c);
}

static void run_mode(const struct mode_case *mc)
{
    size_t flen, plen;
    uint8_t *factory = load(VEC "img-hashonly-v1.0.0.bin", &flen);
    uint8_t *pad = load(VEC "img-ecdsa-p256-pad-test.bin", &plen);
    const uint32_t end = 0x5020 + 0x97; /* its dumpinfo: TLV area 0x5020, size 0x97 */
    uint8_t hash[32];
    assert_int_equal(fk_client_image_file_hash(pad, end, hash), 0);
    const struct fk_bl_mode *m = fk_bl_mode(mc->b);
    struct fx f;
    fx_open(&f, mc->b, factory, flen);
    struct fk_client_status st;

    /* too large by one byte: refused at the first chunk, with the numbers */
    {
        struct fk_client_upload_opts o = {.window = 1, .chunk = 512};
        struct fk_client_upload_stats us;
        size_t big = (size_t)mc->max_image + 1;
        uint8_t *img = calloc(1, big);
        assert_non_null(img);
        memcpy(img, pad, end);
        f.c.version = 1; /* SMP v1 answers carry the reason ("rsn") */
        assert_int_equal(fk_client_upload(&f.c, img, big, &o, &us, &st), 0);
        f.c.version = 2;
        free(img);
        char want[96];
        snprintf(want, sizeof want, "%u B > %u B, the most %s leaves (slot 0x74000, sector 0x1000",
                 (unsigned)big, (unsigned)mc->max_image, m->name);
        if (getenv("FK_SHOW_RSN")) {
            printf("%s\n", st.rsn);
        }
        if (!strstr(st.rsn, "IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE") || !strstr(st.rsn, want)) {
            fail_msg("%s: too-large answer \"%s\", expected it to say \"%s\"", m->name, st.rsn,
                     want);
        }
        assert_int_equal(us.done, 0);
    }
    /* the real upload */
    struct fk_client_upload_opts o = {.window = 4, .chunk = 1024};
    struct fk_client_upload_stats us;
    assert_int_equal(fk_client_upload(&f.c, pad, end, &o, &us, &st), 0);
    if (fk_client_status_failed(&st)) {
        char b[400];
        fail_msg("%s: upload refused: %s", m->name, fk_client_status_str(&st, b, sizeof b));
    }
    assert_int_equal(us.done, end);
    assert_int_equal(us.match, 1);
    /* test */
    struct fk_client_image_list l;
    assert_int_equal(fk_client_image_state(&f.c, hash, false, &l, &st), 0);
    assert_false(fk_client_status_failed(&st));
    check_slot_bytes(&f, mc, pad, end);
    check_list(&f, "after test", mc->after_test, mc->n_test);
    /* uploading again over the marked image: refused (it is due at the
     * next boot), except in direct-xip / RAM load without revert, where
     * Zephyr's img_mgmt_slot_in_use() only protects the running slot */
    {
        struct fk_client_upload_stats us2;
        assert_int_equal(fk_client_upload(&f.c, pad, end, &o, &us2, &st), 0);
        bool free_slot = m->kind == FK_BL_KIND_EQUAL && !(m->flags & FK_BL_F_REVERT);
        assert_int_equal(st.group_rc, free_slot ? 0 : FK_IMG_MGMT_ERR_NO_FREE_SLOT);
        assert_int_equal(us2.done, free_slot ? end : 0);
        check_slot_bytes(&f, mc, pad, end);
    }
    /* reset: the bootloader (model) acts */
    assert_int_equal(fk_client_reset(&f.c, &st), 0);
    struct fk_device_boot_report rep;
    fk_device_last_boot(f.d, &rep);
    assert_true(rep.running);
    assert_string_equal(rep.version, "1.2.3+4");
    check_list(&f, "after the boot", mc->after_boot, mc->n_boot);
    /* confirm the running image */
    assert_int_equal(fk_client_image_state(&f.c, NULL, true, &l, &st), 0);
    assert_false(fk_client_status_failed(&st));
    check_list(&f, "after confirm", mc->after_confirm, mc->n_confirm);
    /* another reset: the confirmed image stays */
    assert_int_equal(fk_client_reset(&f.c, &st), 0);
    fk_device_last_boot(f.d, &rep);
    assert_string_equal(rep.version, mc->ver_after_2nd_boot);
    if (m->kind == FK_BL_KIND_EQUAL) {
        /* running from slot 1 now: the next upload goes to slot 0, at 0 */
        assert_int_equal(rep.slot, 1);
        assert_int_equal(fk_client_upload(&f.c, factory, flen, &o, &us, &st), 0);
        assert_false(fk_client_status_failed(&st));
        assert_int_equal(us.done, flen);
        size_t cn;
        uint8_t *c = chip(&f, &cn);
        assert_memory_equal(c + PRI_OFF, factory, flen);
        assert_memory_equal(c + SEC_OFF, pad, end); /* the running image untouched */
        free(c);
    }
    fx_close(&f);
    free(factory);
    free(pad);
}

static void test_each_mode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_mode(&cases[i]);
    }
}

/* Revert: test, reset (the new image runs once), reset again without a
 * confirm: each revertible mode is back on the old image. */
static void test_revert(void **state)
{
    (void)state;
    static const struct {
        enum fk_bl b;
        struct want after[2];
        unsigned n;
    } w[] = {
        /* swaps: the test image went back to slot 1, unmarked */
        {FK_BL_FOTAKIT, {{0, V1, "CA"}, {1, V2, ""}}, 2},
        {FK_BL_MCUBOOT_SWAP_SCRATCH, {{0, V1, "CA"}, {1, V2, ""}}, 2},
        {FK_BL_MCUBOOT_SWAP_MOVE, {{0, V1, "CA"}, {1, V2, ""}}, 2},
        /* swap-offset's revert puts it back one sector in, where Zephyr looks */
        {FK_BL_MCUBOOT_SWAP_OFFSET, {{0, V1, "CA"}, {1, V2, ""}}, 2},
        /* direct-xip with revert erases the image that ran once unconfirmed */
        {FK_BL_MCUBOOT_DIRECT_XIP_REVERT, {{0, V1, "CA"}}, 1},
    };
    size_t flen, plen;
    uint8_t *factory = load(VEC "img-hashonly-v1.0.0.bin", &flen);
    uint8_t *pad = load(VEC "img-ecdsa-p256-pad-test.bin", &plen);
    const uint32_t end = 0x5020 + 0x97;
    uint8_t hash[32];
    assert_int_equal(fk_client_image_file_hash(pad, end, hash), 0);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        struct fx f;
        fx_open(&f, w[i].b, factory, flen);
        struct fk_client_status st;
        struct fk_client_upload_opts o = {.window = 4, .chunk = 1024};
        struct fk_client_upload_stats us;
        assert_int_equal(fk_client_upload(&f.c, pad, end, &o, &us, &st), 0);
        assert_int_equal(us.done, end);
        struct fk_client_image_list l;
        assert_int_equal(fk_client_image_state(&f.c, hash, false, &l, &st), 0);
        assert_false(fk_client_status_failed(&st));
        struct fk_device_boot_report rep;
        assert_int_equal(fk_client_reset(&f.c, &st), 0);
        fk_device_last_boot(f.d, &rep);
        assert_string_equal(rep.version, "1.2.3+4");
        assert_int_equal(fk_client_reset(&f.c, &st), 0);
        fk_device_last_boot(f.d, &rep);
        assert_string_equal(rep.version, "1.0.0+0");
        assert_int_equal(rep.slot, 0);
        check_list(&f, fk_bl_mode(w[i].b)->name, w[i].after, w[i].n);
        fx_close(&f);
    }
    free(factory);
    free(pad);
}

/* Permanent: `image test --confirm` (test + confirm in one request); the
 * next boot keeps the new image without a confirm. */
static void test_permanent(void **state)
{
    (void)state;
    static const struct {
        enum fk_bl b;
        struct want marked[2], booted[2];
        unsigned nm, nb;
    } w[] = {
        /* State III: pending + permanent; after the swap image_ok is set in
         * the primary (design.md "Image swapping" step 3): nothing due */
        {FK_BL_MCUBOOT_SWAP_MOVE, {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V2, "CA"}, {1, V1, ""}}, 2, 2},
        {FK_BL_MCUBOOT_SWAP_OFFSET, {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V2, "CA"}}, 2, 1},
        {FK_BL_MCUBOOT_OVERWRITE_ONLY, {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V2, "CA"}}, 2, 1},
        {FK_BL_FOTAKIT, {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V2, "CA"}, {1, V1, ""}}, 2, 2},
        /* direct-xip revert: magic + copy_done + image_ok = boot forever */
        {FK_BL_MCUBOOT_DIRECT_XIP_REVERT, {{0, V1, "CA"}, {1, V2, "PM"}}, {{0, V1, ""}, {1, V2, "CA"}},
         2, 2},
    };
    size_t flen, plen;
    uint8_t *factory = load(VEC "img-hashonly-v1.0.0.bin", &flen);
    uint8_t *pad = load(VEC "img-ecdsa-p256-pad-test.bin", &plen);
    const uint32_t end = 0x5020 + 0x97;
    uint8_t hash[32];
    assert_int_equal(fk_client_image_file_hash(pad, end, hash), 0);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        struct fx f;
        fx_open(&f, w[i].b, factory, flen);
        struct fk_client_status st;
        struct fk_client_upload_opts o = {.window = 4, .chunk = 1024};
        struct fk_client_upload_stats us;
        assert_int_equal(fk_client_upload(&f.c, pad, end, &o, &us, &st), 0);
        assert_int_equal(us.done, end);
        struct fk_client_image_list l;
        assert_int_equal(fk_client_image_state(&f.c, hash, true, &l, &st), 0);
        assert_false(fk_client_status_failed(&st));
        check_list(&f, fk_bl_mode(w[i].b)->name, w[i].marked, w[i].nm);
        struct fk_device_boot_report rep;
        assert_int_equal(fk_client_reset(&f.c, &st), 0);
        check_list(&f, fk_bl_mode(w[i].b)->name, w[i].booted, w[i].nb);
        assert_int_equal(fk_client_reset(&f.c, &st), 0);
        fk_device_last_boot(f.d, &rep);
        assert_string_equal(rep.version, "1.2.3+4");
        fx_close(&f);
    }
    free(factory);
    free(pad);
}

/* Bootloader info reports the row's MCUboot mode. */
static void test_bootloader_info(void **state)
{
    (void)state;
    size_t flen;
    uint8_t *factory = load(VEC "img-hashonly-v1.0.0.bin", &flen);
    static const struct {
        enum fk_bl b;
        const char *mode;
        bool no_downgrade;
    } w[] = {{FK_BL_FOTAKIT, "mode: 9", false},
             {FK_BL_MCUBOOT_SWAP_MOVE, "mode: 3", false},
             {FK_BL_MCUBOOT_DIRECT_XIP_REVERT, "mode: 5", true}};
    for (size_t i = 0; i < 3; i++) {
        struct fx f;
        fx_open(&f, w[i].b, factory, flen);
        char out[256];
        struct fk_client_status st;
        assert_int_equal(fk_client_simple(&f.c, FK_SMP_OP_READ, FK_SMP_GROUP_OS,
                                          FK_SMP_OS_BOOTLOADER_INFO, "query", "mode", out,
                                          sizeof out, &st),
                         0);
        if (!strstr(out, w[i].mode)) {
            fail_msg("bootloader info: %s, expected %s", out, w[i].mode);
        }
        /* direct-xip never boots an older image: Zephyr reports no-downgrade */
        assert_int_equal(strstr(out, "no-downgrade") != NULL, w[i].no_downgrade);
        fx_close(&f);
    }
    free(factory);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_mode),
        cmocka_unit_test(test_revert),
        cmocka_unit_test(test_permanent),
        cmocka_unit_test(test_bootloader_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
