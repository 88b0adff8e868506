/*
 * Two images (multi-image, NCS slot names): image 1's upload, `image list`,
 * test marking, erase and slot info, against the real server on RAM flash.
 * Image 0 runs fotakit's swap; image 1 MCUboot overwrite-only (the nRF5340
 * network core's mode in NCS), so its uploads start at offset 0 of
 * mcuboot_secondary_1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/cbor.h"
#include "fotakit/smp.h"
#include "smp_test_util.h"

#define K64 (64u * 1024u)

struct mfx {
    struct ramflash in, ext, net; /* primary | secondary + secondary_1 | primary_1 */
    struct fk_flash_area areas[4];
    struct fk_flash_map map;
    struct fk_smp_config cfg;
    struct fk_smp_server srv;
    uint8_t *img0, *img1;
    size_t len0, len1;
    uint8_t hash0[32], hash1[32];
};

static struct mfx *mfx_new(uint8_t image_count)
{
    struct mfx *f = calloc(1, sizeof *f);
    ramflash_init(&f->in, "internal", K64, 4096, 4);
    ramflash_init(&f->ext, "external", 2 * K64, 4096, 4);
    ramflash_init(&f->net, "ram_flash", K64, 4096, 4);
    f->areas[0] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, "mcuboot_primary", &f->in.dev, 0, K64};
    f->areas[1] =
        (struct fk_flash_area){FK_AREA_ID_SECONDARY, "mcuboot_secondary", &f->ext.dev, 0, K64};
    f->areas[2] = (struct fk_flash_area){5, "mcuboot_primary_1", &f->net.dev, 0, K64};
    f->areas[3] = (struct fk_flash_area){6, "mcuboot_secondary_1", &f->ext.dev, K64, K64};
    f->map = (struct fk_flash_map){f->areas, 4};
    f->img0 = make_image(1, 0, 0, 5000, 1, &f->len0, f->hash0);
    f->img1 = make_image(2, 0, 0, 3000, 2, &f->len1, f->hash1);
    memcpy(f->in.mem, f->img0, f->len0);
    memcpy(f->net.mem, f->img1, f->len1);
    f->cfg = (struct fk_smp_config){.map = &f->map, .buf_size = 2048, .buf_count = 4,
                                    .image_count = image_count,
                                    .bootloader_1 = FK_BL_MCUBOOT_OVERWRITE_ONLY};
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    return f;
}

static void mfx_free(struct mfx *f)
{
    free(f->img0);
    free(f->img1);
    ramflash_free(&f->in);
    ramflash_free(&f->ext);
    ramflash_free(&f->net);
    free(f);
}

static void call(struct mfx *f, uint8_t op, uint8_t id, const struct fk_cbor_enc *e,
                 struct rsp *r)
{
    static uint8_t req[4096], out[2048];
    static uint8_t seq;
    size_t n = make_req(req, 1, op, FK_SMP_GROUP_IMAGE, seq++, id, e ? e->buf : NULL,
                        e ? e->len : 0);
    size_t ol;
    assert_int_equal(fk_smp_handle(&f->srv, req, n, out, sizeof out, &ol), FK_OK);
    assert_true(rsp_parse(r, out, ol));
}

static int group_rc(const struct rsp *r)
{
    int rc, g, grc;
    rsp_err(r, &rc, &g, &grc);
    assert_int_equal(rc, 0);
    return g < 0 ? 0 : grc;
}

/* Upload `img` to `image` in 1 KB chunks; returns the first error's group rc, else 0. */
static int upload(struct mfx *f, int image, const uint8_t *img, size_t len)
{
    static uint8_t buf[4096];
    uint8_t sha[32];
    sha256(img, len, sha);
    for (uint32_t off = 0; off < len;) {
        uint32_t n = len - off < 1024 ? (uint32_t)(len - off) : 1024;
        struct fk_cbor_enc e;
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, off == 0 ? 5 : 2);
        if (off == 0) {
            fk_cbor_tstr(&e, "image");
            fk_cbor_uint(&e, (uint64_t)image);
            fk_cbor_tstr(&e, "len");
            fk_cbor_uint(&e, len);
            fk_cbor_tstr(&e, "sha");
            fk_cbor_bstr(&e, sha, 32);
        }
        fk_cbor_tstr(&e, "off");
        fk_cbor_uint(&e, off);
        fk_cbor_tstr(&e, "data");
        fk_cbor_bstr(&e, img + off, n);
        struct rsp r;
        call(f, FK_SMP_OP_WRITE, FK_SMP_IMG_UPLOAD, &e, &r);
        int grc = group_rc(&r);
        int64_t got = -1;
        if (grc == 0) {
            assert_true(map_int(r.root, "off", &got));
        }
        rsp_free(&r);
        if (grc) {
            return grc;
        }
        assert_int_equal(got, off + n);
        off = (uint32_t)got;
    }
    return 0;
}

/* One `image list` entry, by image and slot. */
struct entry {
    bool found;
    char ver[32];
    uint8_t hash[32];
    bool pending, confirmed, active, permanent;
};

static unsigned list(struct mfx *f, struct entry out[2][2])
{
    memset(out, 0, sizeof(struct entry) * 4);
    struct rsp r;
    call(f, FK_SMP_OP_READ, FK_SMP_IMG_STATE, NULL, &r);
    cbor_item_t *imgs = map_get(r.root, "images");
    assert_non_null(imgs);
    unsigned n = (unsigned)cbor_array_size(imgs);
    int last = -1;
    for (unsigned i = 0; i < n; i++) {
        cbor_item_t *m = cbor_array_get(imgs, i);
        int64_t im, sl;
        assert_true(map_int(m, "image", &im));
        assert_true(map_int(m, "slot", &sl));
        assert_true(im >= 0 && im < 2 && sl >= 0 && sl < 2);
        assert_true(im * 2 + sl > last); /* image by image, slot by slot */
        last = (int)(im * 2 + sl);
        struct entry *e = &out[im][sl];
        e->found = true;
        assert_true(map_str(m, "version", e->ver, sizeof e->ver));
        cbor_item_t *h = map_get(m, "hash");
        assert_int_equal(cbor_bytestring_length(h), 32);
        memcpy(e->hash, cbor_bytestring_handle(h), 32);
        assert_true(map_bool(m, "pending", &e->pending));
        assert_true(map_bool(m, "confirmed", &e->confirmed));
        assert_true(map_bool(m, "active", &e->active));
        assert_true(map_bool(m, "permanent", &e->permanent));
        cbor_decref(&m);
    }
    rsp_free(&r);
    return n;
}

static void expect_entry(const struct entry *e, const char *ver, const uint8_t *hash, bool pending,
                         bool confirmed, bool active, bool permanent)
{
    assert_true(e->found);
    assert_string_equal(e->ver, ver);
    assert_memory_equal(e->hash, hash, 32);
    assert_int_equal(e->pending, pending);
    assert_int_equal(e->confirmed, confirmed);
    assert_int_equal(e->active, active);
    assert_int_equal(e->permanent, permanent);
}

static int erase(struct mfx *f, int slot)
{
    uint8_t buf[32];
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "slot");
    fk_cbor_uint(&e, (uint64_t)slot);
    struct rsp r;
    call(f, FK_SMP_OP_WRITE, FK_SMP_IMG_ERASE, &e, &r);
    int grc = group_rc(&r);
    rsp_free(&r);
    return grc;
}

static int mark_test(struct mfx *f, const uint8_t *hash)
{
    uint8_t buf[64];
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 2);
    fk_cbor_tstr(&e, "hash");
    fk_cbor_bstr(&e, hash, 32);
    fk_cbor_tstr(&e, "confirm");
    fk_cbor_bool(&e, false);
    struct rsp r;
    call(f, FK_SMP_OP_WRITE, FK_SMP_IMG_STATE, &e, &r);
    int grc = group_rc(&r);
    rsp_free(&r);
    return grc;
}

static bool all_erased(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xff) {
            return false;
        }
    }
    return true;
}

static void list_shows_both_images(void **state)
{
    (void)state;
    struct mfx *f = mfx_new(2);
    struct entry e[2][2];
    assert_int_equal(list(f, e), 2);
    expect_entry(&e[0][0], "1.0.0", f->hash0, false, true, true, false);
    expect_entry(&e[1][0], "2.0.0", f->hash1, false, true, true, false);
    assert_false(e[0][1].found);
    assert_false(e[1][1].found);
    mfx_free(f);
}

static void image1_upload_test_and_erase(void **state)
{
    (void)state;
    struct mfx *f = mfx_new(2);
    size_t len;
    uint8_t hash[32];
    uint8_t *up = make_image(2, 1, 0, 6000, 3, &len, hash);
    assert_int_equal(upload(f, 1, up, len), 0);
    /* overwrite-only: at offset 0 of mcuboot_secondary_1; image 0's slots untouched */
    assert_memory_equal(f->ext.mem + K64, up, len);
    assert_true(all_erased(f->ext.mem, K64));
    assert_memory_equal(f->net.mem, f->img1, f->len1);
    struct entry e[2][2];
    assert_int_equal(list(f, e), 3);
    expect_entry(&e[1][1], "2.1.0", hash, false, false, false, false);

    /* test image 1's new image by hash: image 1's slot 1 pending, image 0 as it was */
    assert_int_equal(mark_test(f, hash), 0);
    assert_int_equal(list(f, e), 3);
    expect_entry(&e[1][1], "2.1.0", hash, true, false, false, false);
    expect_entry(&e[1][0], "2.0.0", f->hash1, false, true, true, false);
    expect_entry(&e[0][0], "1.0.0", f->hash0, false, true, true, false);
    struct fk_boot_slot_state st;
    assert_int_equal(fk_boot_read_slot_state(&f->srv.img1_map, FK_AREA_ID_SECONDARY, &st), FK_OK);
    assert_true(st.magic_good);
    assert_true(all_erased(f->ext.mem, K64)); /* image 0's secondary has no trailer */

    /* erase: slot 3 is image 1's secondary, pending now: refused; slot 2 runs */
    assert_int_equal(erase(f, 3), FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    assert_int_equal(erase(f, 2), FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    assert_int_equal(erase(f, 4), FK_IMG_MGMT_ERR_INVALID_SLOT);
    assert_memory_equal(f->ext.mem + K64, up, len);
    free(up);
    mfx_free(f);
}

static void image1_erase_then_image0_upload(void **state)
{
    (void)state;
    struct mfx *f = mfx_new(2);
    size_t len;
    uint8_t hash[32];
    uint8_t *up = make_image(2, 2, 0, 4000, 4, &len, hash);
    assert_int_equal(upload(f, 1, up, len), 0);
    assert_int_equal(erase(f, 3), 0);
    assert_true(all_erased(f->ext.mem + K64, K64));
    /* image 0's upload still goes to mcuboot_secondary (one sector in: fotakit swap) */
    uint8_t *up0 = make_image(1, 1, 0, 5000, 5, &len, hash);
    assert_int_equal(upload(f, 0, up0, len), 0);
    assert_memory_equal(f->ext.mem + fk_boot_secondary_image_off(&f->map), up0, len);
    assert_true(all_erased(f->ext.mem + K64, K64));
    struct entry e[2][2];
    assert_int_equal(list(f, e), 3);
    expect_entry(&e[0][1], "1.1.0", hash, false, false, false, false);
    free(up);
    free(up0);
    mfx_free(f);
}

/* FK_SMP_F_FAST_ERASE: the erase of image 0's slot vouches for itself with
 * the background erase's done-record (in image 0's slot); erasing image 1's
 * slot neither writes such a record there nor forgets image 0's, also when
 * the record is first read while image 1 is the current image; image 0's
 * next upload then erases no data sector. */
static void fast_erase_record_is_image0s(void **state)
{
    (void)state;
    struct mfx *f = mfx_new(2);
    f->cfg.flags |= FK_SMP_F_FAST_ERASE;
    assert_int_equal(erase(f, 1), 0);
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    assert_int_equal(erase(f, 3), 0);
    assert_true(all_erased(f->ext.mem + K64, K64)); /* no record in image 1's slot */
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK); /* a reset */
    assert_int_equal(erase(f, 3), 0); /* image 1 current when the record is read */
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    size_t len;
    uint8_t hash[32];
    uint8_t *up0 = make_image(1, 1, 0, 20000, 6, &len, hash);
    uint32_t before[16];
    memcpy(before, f->ext.sector_erases, sizeof before);
    assert_int_equal(upload(f, 0, up0, len), 0);
    uint32_t base = fk_boot_secondary_image_off(&f->map);
    assert_memory_equal(f->ext.mem + base, up0, len);
    for (uint32_t i = base / 4096; i < (base + (uint32_t)len + 4095) / 4096; i++) {
        assert_int_equal(f->ext.sector_erases[i], before[i]); /* only programmed */
    }
    free(up0);
    mfx_free(f);
}

static void slot_info_lists_both_images(void **state)
{
    (void)state;
    struct mfx *f = mfx_new(2);
    struct rsp r;
    call(f, FK_SMP_OP_READ, FK_SMP_IMG_SLOT_INFO, NULL, &r);
    cbor_item_t *imgs = map_get(r.root, "images");
    assert_int_equal(cbor_array_size(imgs), 2);
    for (unsigned im = 0; im < 2; im++) {
        cbor_item_t *m = cbor_array_get(imgs, im);
        int64_t v;
        assert_true(map_int(m, "image", &v));
        assert_int_equal(v, im);
        cbor_item_t *slots = map_get(m, "slots");
        assert_int_equal(cbor_array_size(slots), 2);
        cbor_item_t *s1 = cbor_array_get(slots, 1);
        assert_true(map_int(s1, "size", &v));
        assert_int_equal(v, K64);
        assert_true(map_int(s1, "upload_image_id", &v));
        assert_int_equal(v, im);
        cbor_decref(&s1);
        assert_true(map_int(m, "max_image_size", &v));
        assert_true(v > 0 && v < K64);
        cbor_decref(&m);
    }
    rsp_free(&r);
    mfx_free(f);
}

static void single_image_server_refuses_image1(void **state)
{
    (void)state;
    struct mfx *f = mfx_new(1);
    assert_int_equal(upload(f, 1, f->img1, f->len1), FK_IMG_MGMT_ERR_INVALID_SLOT);
    assert_int_equal(erase(f, 3), FK_IMG_MGMT_ERR_INVALID_SLOT);
    struct entry e[2][2];
    assert_int_equal(list(f, e), 1);
    assert_true(all_erased(f->ext.mem, 2 * K64));
    mfx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_shows_both_images),
        cmocka_unit_test(image1_upload_test_and_erase),
        cmocka_unit_test(image1_erase_then_image0_upload),
        cmocka_unit_test(fast_erase_record_is_image0s),
        cmocka_unit_test(slot_info_lists_both_images),
        cmocka_unit_test(single_image_server_refuses_image1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
