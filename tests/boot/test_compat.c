/*
 * MCUboot compatibility with imgtool's padded vectors: on an internal-flash
 * layout whose secondary (0x75000 bytes, file at offset 0x1000) ends where
 * the padded file ends, with a v1.0.0 image signed by fotakit with
 * ecdsa-p256.pem in the primary and ecdsa-p256.pub.der trusted:
 * img-ecdsa-p256-pad-test.bin boots as v1.2.3+4 and reverts to v1.0.0 at the
 * next reset; img-ecdsa-p256-pad-confirm.bin boots as v1.2.3+4 and stays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fotakit/host/image.h"
#include "fotakit/host/powerfail.h"

static struct fk_env E;

static uint8_t *load(const char *name, size_t *len)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/vectors/imgtool/%s", FOTAKIT_SHARED_DIR, name);
    uint8_t *b = NULL;
    assert_int_equal(fk_file_read(path, &b, len, err, sizeof err), FK_OK);
    return b;
}

static void prepare(const char *vector)
{
    char err[256], path[512];
    assert_int_equal(fk_env_open(&E, FOTAKIT_SHARED_DIR, "compat-internal", 0, err, sizeof err), FK_OK);
    snprintf(path, sizeof path, "%s/vectors/imgtool/ecdsa-p256.pub.der", FOTAKIT_SHARED_DIR);
    assert_int_equal(fk_env_trust_key(&E, path), FK_OK);
    /* v1.0.0 signed by fotakit with the same key */
    size_t plen;
    uint8_t *payload = load("payload-100000.bin", &plen);
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    snprintf(path, sizeof path, "%s/vectors/imgtool/ecdsa-p256.pem", FOTAKIT_SHARED_DIR);
    o.key_path = path;
    o.header_size = 0x200;
    o.pad_header = true;
    o.align = 4;
    o.version.major = 1;
    uint8_t *img = NULL;
    size_t ilen = 0;
    assert_int_equal(fk_image_sign(&o, payload, plen, &img, &ilen, err, sizeof err), FK_OK);
    assert_int_equal(fk_env_write(&E, FK_AREA_ID_PRIMARY, 0, img, ilen), FK_OK);
    free(img);
    free(payload);
    /* the padded file, trailer included, one sector into the secondary */
    size_t vlen;
    uint8_t *v = load(vector, &vlen);
    assert_int_equal(vlen, 0x74000);
    assert_int_equal(fk_boot_secondary_image_off(&E.map), 0x1000);
    assert_int_equal(fk_env_write(&E, FK_AREA_ID_SECONDARY, 0x1000, v, vlen), FK_OK);
    free(v);
}

static struct fk_boot_rsp boot(void)
{
    struct fk_boot_rsp r;
    int rc = fk_boot_go(&E.cfg, &r);
    if (rc != FK_OK) {
        fail_msg("boot: %s: %s", fk_err_name(rc), r.why);
    }
    return r;
}

static void ver_is(const struct fk_boot_rsp *r, int maj, int min, int rev, int build)
{
    assert_int_equal(r->hdr.ver.major, maj);
    assert_int_equal(r->hdr.ver.minor, min);
    assert_int_equal(r->hdr.ver.revision, rev);
    assert_int_equal(r->hdr.ver.build, build);
}

static void pad_test_reverts(void **s)
{
    (void)s;
    prepare("img-ecdsa-p256-pad-test.bin");
    assert_int_equal(fk_boot_swap_type(&E.map), FK_SWAP_TEST);
    struct fk_boot_rsp r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    ver_is(&r, 1, 2, 3, 4);
    /* what an MCUboot application reads now: REVERT pending unless confirmed */
    assert_int_equal(fk_boot_swap_type(&E.map), FK_SWAP_REVERT);
    r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    ver_is(&r, 1, 0, 0, 0);
    r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_NONE);
    ver_is(&r, 1, 0, 0, 0);
    fk_env_close(&E);
}

static void pad_confirm_stays(void **s)
{
    (void)s;
    prepare("img-ecdsa-p256-pad-confirm.bin");
    assert_int_equal(fk_boot_swap_type(&E.map), FK_SWAP_PERM);
    struct fk_boot_rsp r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_PERM);
    ver_is(&r, 1, 2, 3, 4);
    for (int i = 0; i < 2; i++) {
        r = boot();
        assert_int_equal(r.reason, FK_BOOT_R_NONE);
        ver_is(&r, 1, 2, 3, 4);
    }
    fk_env_close(&E);
}

static void pad_test_confirmed_by_app_stays(void **s)
{
    (void)s;
    prepare("img-ecdsa-p256-pad-test.bin");
    struct fk_boot_rsp r = boot();
    ver_is(&r, 1, 2, 3, 4);
    assert_int_equal(fk_boot_confirm(&E.map), FK_OK);
    r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_NONE);
    ver_is(&r, 1, 2, 3, 4);
    fk_env_close(&E);
}

static void untrusted_signer_refused(void **s)
{
    (void)s;
    prepare("img-ecdsa-p256-pad-test.bin");
    /* trust only the other key: the primary no longer verifies either, so
     * check the decision on the secondary with the primary check off */
    char path[512];
    snprintf(path, sizeof path, "%s/vectors/imgtool/ecdsa-p256-other.pub.der", FOTAKIT_SHARED_DIR);
    assert_int_equal(fk_env_trust_key(&E, path), FK_OK);
    E.cfg.skip_primary_verify = true;
    struct fk_boot_rsp r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_INVALID);
    ver_is(&r, 1, 0, 0, 0);
    assert_int_equal(fk_boot_swap_type(&E.map), FK_SWAP_NONE);
    fk_env_close(&E);
}

/* An encrypted image (ECIES-P256, signed ECDSA P-256, --confirm): without
 * a decryption key refused as encrypted; with one it verifies and the swap
 * decrypts it into the primary (permanent upgrade, plaintext payload). */
static void encrypted_installed(void **s)
{
    (void)s;
    prepare("img-ecdsa-p256-pad-test.bin");
    char err[256], path[512], pub[512];
    size_t plen;
    uint8_t *payload = load("payload-20000.bin", &plen);
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    snprintf(path, sizeof path, "%s/vectors/imgtool/ecdsa-p256.pem", FOTAKIT_SHARED_DIR);
    snprintf(pub, sizeof pub, "%s/vectors/imgtool-ext/enc-ec256-pub.pem", FOTAKIT_SHARED_DIR);
    o.key_path = path;
    o.enc_key_path = pub;
    o.header_size = 0x200;
    o.pad_header = true;
    o.align = 4;
    o.slot_size = 0x74000;
    o.confirm = true;
    o.version.major = 3;
    uint8_t *img = NULL;
    size_t ilen = 0;
    assert_int_equal(fk_image_sign(&o, payload, plen, &img, &ilen, err, sizeof err), FK_OK);
    assert_int_equal(fk_env_write(&E, FK_AREA_ID_SECONDARY, 0x1000, img, ilen), FK_OK);
    free(img);
    free(payload);
    struct fk_boot_rsp r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_INVALID);
    assert_int_equal(r.secondary_err, FK_EIMG_ENCRYPTED);
    ver_is(&r, 1, 0, 0, 0);
    fk_env_close(&E);

    /* with the decryption key (PKCS#8 DER of enc-ec256-priv.pem) */
    prepare("img-ecdsa-p256-pad-test.bin");
    struct fk_host_key hk;
    uint8_t *der;
    size_t dlen;
    snprintf(path, sizeof path, "%s/vectors/imgtool-ext/enc-ec256-priv.pem", FOTAKIT_SHARED_DIR);
    assert_int_equal(fk_host_key_load(path, &hk, err, sizeof err), FK_OK);
    assert_int_equal(fk_host_priv_der(&hk, NULL, false, &der, &dlen, err, sizeof err), FK_OK);
    struct fk_image_enc_key ek = {FK_TLV_ENC_EC256, der, dlen};
    E.keys.enc = &ek;
    payload = load("payload-20000.bin", &plen);
    snprintf(path, sizeof path, "%s/vectors/imgtool/ecdsa-p256.pem", FOTAKIT_SHARED_DIR);
    assert_int_equal(fk_image_sign(&o, payload, plen, &img, &ilen, err, sizeof err), FK_OK);
    assert_int_equal(fk_env_write(&E, FK_AREA_ID_SECONDARY, 0x1000, img, ilen), FK_OK);
    r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_PERM);
    assert_int_equal(r.secondary_err, FK_OK);
    ver_is(&r, 3, 0, 0, 0);
    uint8_t *got = malloc(plen);
    assert_non_null(got);
    assert_int_equal(fk_flash_read(fk_env_area(&E, FK_AREA_ID_PRIMARY), 0x200, got, plen), FK_OK);
    assert_memory_equal(got, payload, plen); /* decrypted on the way in */
    r = boot();
    assert_int_equal(r.reason, FK_BOOT_R_NONE); /* the primary verifies as plaintext */
    ver_is(&r, 3, 0, 0, 0);
    free(got);
    free(img);
    free(payload);
    free(der);
    fk_host_key_free(&hk);
    fk_env_close(&E);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pad_test_reverts),
        cmocka_unit_test(pad_confirm_stays),
        cmocka_unit_test(pad_test_confirmed_by_app_stays),
        cmocka_unit_test(untrusted_signer_refused),
        cmocka_unit_test(encrypted_installed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
