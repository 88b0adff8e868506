/*
 * Every imgtool vector in ../shared/vectors/imgtool verifies as its README
 * says, through the device verifier reading a RAM flash area; the manifest's
 * per-image facts (expected verdict, end offset, SHA256 TLV) are read from
 * manifest.json itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_util.h"

struct keyring3 {
    struct test_key ecdsa, other, ed, rsa;
};
static struct keyring3 K;

static int setup(void **state)
{
    (void)state;
    test_key_load(&K.ecdsa, "ecdsa-p256", FK_KEY_ECDSA_P256);
    test_key_load(&K.other, "ecdsa-p256-other", FK_KEY_ECDSA_P256);
    test_key_load(&K.ed, "ed25519", FK_KEY_ED25519);
    test_key_load(&K.rsa, "rsa-2048", FK_KEY_RSA2048);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(K.ecdsa.der);
    free(K.other.der);
    free(K.ed.der);
    free(K.rsa.der);
    return 0;
}

static int verify_file(const char *file, const struct fk_image_key *keys, size_t nkeys, bool hash_only,
                       struct fk_image_info *info)
{
    size_t len;
    uint8_t *img = vec_read(file, &len);
    struct ram_area r;
    struct fk_image_keyring ring = {.keys = keys, .count = nkeys, .allow_hash_only = hash_only};
    ram_area_init(&r, img, (uint32_t)len);
    int rc = fk_image_verify(&r.fa, 0, &ring, info);
    free(img);
    return rc;
}

/* The README's table, row by row. */
struct row {
    const char *file;
    const char *key; /* "ecdsa", "other", "ed", "rsa" or NULL */
    bool hash_only;
    int want;
};

static const struct fk_image_key *pick(const char *k)
{
    if (k == NULL) return NULL;
    if (!strcmp(k, "ecdsa")) return &K.ecdsa.key;
    if (!strcmp(k, "other")) return &K.other.key;
    if (!strcmp(k, "ed")) return &K.ed.key;
    return &K.rsa.key;
}

static void test_readme_table(void **state)
{
    (void)state;
    static const struct row rows[] = {
        {"img-hashonly-v1.0.0.bin", NULL, true, FK_OK},
        {"img-hashonly-v1.0.0.bin", "ecdsa", false, FK_EIMG_NO_SIG}, /* a signature is required */
        {"img-hashonly-100k-v1.0.0.bin", NULL, true, FK_OK},
        {"img-hashonly-romfixed.bin", NULL, true, FK_OK},
        {"img-ecdsa-p256-v1.2.3+4.bin", "ecdsa", false, FK_OK},
        {"img-ecdsa-p256-v1.2.3+4.bin", "other", false, FK_EIMG_NO_KEY},
        {"img-ecdsa-p256-v1.2.3+4.bin", "ed", false, FK_EIMG_NO_KEY},
        {"img-ecdsa-p256-100k-v1.2.3+4.bin", "ecdsa", false, FK_OK},
        {"img-ed25519-v2.0.0.bin", "ed", false, FK_OK},
        {"img-rsa2048-v1.0.1.bin", "rsa", false, FK_OK},
        {"img-ecdsa-p256-pubkey-hash.bin", "ecdsa", false, FK_OK},
        {"img-ecdsa-p256-pubkey-full.bin", "ecdsa", false, FK_OK}, /* PUBKEY equals a ring key */
        {"img-ecdsa-p256-pubkey-full.bin", "other", false, FK_EIMG_NO_KEY},
        {"img-ecdsa-p256-prot-tlvs.bin", "ecdsa", false, FK_OK},
        {"img-ecdsa-p256-pad-confirm.bin", "ecdsa", false, FK_OK},
        {"img-ecdsa-p256-pad-test.bin", "ecdsa", false, FK_OK},
        {"img-ecdsa-p256-overwrite-only-pad.bin", "ecdsa", false, FK_OK},
        {"img-ecdsa-p256-v1.2.3+4-BAD-payload-flip.bin", "ecdsa", false, FK_EIMG_HASH},
        {"img-ecdsa-p256-v1.2.3+4-BAD-sig-corrupt.bin", "ecdsa", false, FK_EIMG_SIG},
        {"img-ed25519-v2.0.0-BAD-sig-corrupt.bin", "ed", false, FK_EIMG_SIG},
        {"img-ecdsa-p256-v1.2.3+4-BAD-hash-tlv.bin", "ecdsa", false, FK_EIMG_HASH},
        {"img-ecdsa-p256-v1.2.3+4-BAD-hdr-magic.bin", "ecdsa", false, FK_EIMG_MAGIC},
        /* hash-only acceptance never rescues a broken image */
        {"img-ecdsa-p256-v1.2.3+4-BAD-payload-flip.bin", NULL, true, FK_EIMG_HASH},
        {"img-ecdsa-p256-v1.2.3+4-BAD-hash-tlv.bin", NULL, true, FK_EIMG_HASH},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fk_image_info info;
        const struct fk_image_key *k = pick(rows[i].key);
        int rc = verify_file(rows[i].file, k, k ? 1 : 0, rows[i].hash_only, &info);
        if (rc != rows[i].want) {
            fail_msg("%s (key %s): got %d %s, want %d %s", rows[i].file, rows[i].key ? rows[i].key : "-", rc,
                     fk_err_name(rc), rows[i].want, fk_err_name(rows[i].want));
        }
        if (rc == FK_OK && k != NULL) {
            assert_int_equal(info.key_index, 0);
        }
    }
}

/* A ring with several keys: the right one is found by KEYHASH. */
static void test_ring_lookup(void **state)
{
    (void)state;
    struct fk_image_key ring[4] = {K.other.key, K.rsa.key, K.ed.key, K.ecdsa.key};
    struct fk_image_info info;
    assert_int_equal(verify_file("img-ecdsa-p256-v1.2.3+4.bin", ring, 4, false, &info), FK_OK);
    assert_int_equal(info.key_index, 3);
    assert_int_equal(info.sig_type, FK_TLV_ECDSA_SIG);
    assert_int_equal(verify_file("img-rsa2048-v1.0.1.bin", ring, 4, false, &info), FK_OK);
    assert_int_equal(info.key_index, 1);
    assert_int_equal(verify_file("img-ed25519-v2.0.0.bin", ring, 4, false, &info), FK_OK);
    assert_int_equal(info.key_index, 2);
    assert_int_equal(verify_file("img-ecdsa-p256-pubkey-full.bin", ring, 4, false, &info), FK_OK);
    assert_int_equal(info.key_index, 3);
}

static void test_header_fields(void **state)
{
    (void)state;
    struct fk_image_info info;
    assert_int_equal(verify_file("img-ecdsa-p256-v1.2.3+4.bin", &K.ecdsa.key, 1, false, &info), FK_OK);
    assert_int_equal(info.hdr.hdr_size, 0x200);
    assert_int_equal(info.hdr.img_size, 20000);
    assert_int_equal(info.hdr.ver.major, 1);
    assert_int_equal(info.hdr.ver.minor, 2);
    assert_int_equal(info.hdr.ver.revision, 3);
    assert_int_equal(info.hdr.ver.build, 4);
    assert_false(info.has_sec_cnt);
    assert_int_equal(verify_file("img-hashonly-romfixed.bin", NULL, 0, true, &info), FK_OK);
    assert_int_equal(info.hdr.load_addr, 0x08020000);
    assert_int_equal(info.hdr.flags, FK_IMAGE_F_ROM_FIXED);
    assert_int_equal(info.key_index, -1);
    assert_int_equal(verify_file("img-ecdsa-p256-prot-tlvs.bin", &K.ecdsa.key, 1, false, &info), FK_OK);
    assert_true(info.has_sec_cnt);
    assert_int_equal(info.sec_cnt, 0x01020003);
    assert_int_equal(info.hdr.protect_tlv_size, 40);
    assert_int_equal(info.prot_tlv_off, 20512);
    assert_int_equal(info.tlv_off, 20552);
}

/* ---- manifest.json: just enough reading for the fields we check ---- */

static char *manifest;

/* The object text of image `file` (from its "file" key to the next image's). */
static const char *image_obj(const char *file, size_t *len)
{
    char key[256];
    snprintf(key, sizeof key, "\"file\": \"%s\"", file);
    const char *p = strstr(manifest, key);
    if (p == NULL) return NULL;
    const char *q = strstr(p + 1, "\"file\": \"img-");
    *len = q ? (size_t)(q - p) : strlen(p);
    return p;
}

static bool obj_str(const char *obj, size_t olen, const char *k, char *out, size_t outlen)
{
    char key[128];
    snprintf(key, sizeof key, "\"%s\": \"", k);
    const char *p = strstr(obj, key);
    if (p == NULL || p >= obj + olen) return false;
    p += strlen(key);
    size_t n = strcspn(p, "\"");
    if (n >= outlen) return false;
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}

static bool obj_num(const char *obj, size_t olen, const char *k, long *out)
{
    char key[128];
    snprintf(key, sizeof key, "\"%s\": ", k);
    const char *p = strstr(obj, key);
    if (p == NULL || p >= obj + olen) return false;
    *out = strtol(p + strlen(key), NULL, 10);
    return true;
}

static void hex32(const uint8_t *h, char *out)
{
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_manifest(void **state)
{
    (void)state;
    size_t mlen;
    uint8_t *m = vec_read("manifest.json", &mlen);
    manifest = realloc(m, mlen + 1);
    manifest[mlen] = 0;
    int checked = 0;
    for (const char *p = manifest; (p = strstr(p, "\"file\": \"img-")) != NULL; p++) {
        char file[200], want[16], key[64] = "", sha[80];
        size_t olen = 0;
        long end, prot;
        sscanf(p, "\"file\": \"%199[^\"]\"", file);
        const char *obj = image_obj(file, &olen);
        assert_non_null(obj);
        assert_true(obj_str(obj, olen, "expected_verify", want, sizeof want));
        assert_true(obj_num(obj, olen, "image_end_offset", &end));
        assert_true(obj_num(obj, olen, "ih_protect_tlv_size", &prot));
        obj_str(obj, olen, "signing_key", key, sizeof key); /* null for hash-only */
        /* the first SHA256 TLV value in the object */
        const char *s = strstr(obj, "\"name\": \"SHA256\"");
        assert_true(s != NULL && s < obj + olen);
        const char *v = strstr(s, "\"value_hex\": \"");
        assert_non_null(v);
        sscanf(v, "\"value_hex\": \"%64[0-9a-f]\"", sha);

        const struct fk_image_key *k = NULL;
        if (!strcmp(key, "ecdsa-p256.pem")) k = &K.ecdsa.key;
        else if (!strcmp(key, "ed25519.pem")) k = &K.ed.key;
        else if (!strcmp(key, "rsa-2048.pem")) k = &K.rsa.key;
        struct fk_image_info info;
        int rc = verify_file(file, k, k ? 1 : 0, k == NULL, &info);
        if ((rc == FK_OK) != (strcmp(want, "OK") == 0)) {
            fail_msg("%s: verifier says %s, manifest expects %s", file, fk_err_name(rc), want);
        }
        /* inspection (no crypto) agrees with the manifest's decode */
        size_t len;
        uint8_t *img = vec_read(file, &len);
        struct ram_area r;
        ram_area_init(&r, img, (uint32_t)len);
        int irc = fk_image_inspect(&r.fa, 0, &info);
        if (strstr(file, "BAD-hdr-magic")) {
            assert_int_equal(irc, FK_EIMG_MAGIC);
        } else {
            char got[65];
            assert_int_equal(irc, FK_OK);
            assert_int_equal(info.end_off, end);
            assert_int_equal(info.hdr.protect_tlv_size, prot);
            hex32(info.hash, got);
            assert_string_equal(got, sha);
        }
        free(img);
        checked++;
    }
    assert_int_equal(checked, 18); /* every image in the manifest */
    free(manifest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_table),
        cmocka_unit_test(test_ring_lookup),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_manifest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
