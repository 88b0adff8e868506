/*
 * The verifier as the default device build has it (no SHA-384/512, no P-384,
 * no Ed25519, no RSA, no decryption: tests/image/CMakeLists.txt compiles
 * src/image again without the FK_IMAGE_* options). Images it cannot check
 * are reported for what they are, never as TLV length errors or "valid":
 * SHA-384/512 images FK_EIMG_HASH_UNSUP, encrypted ones FK_EIMG_ENC_UNSUP,
 * compressed ones FK_EIMG_COMPRESSED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fotakit/image_enc.h"
#include "test_util.h"

#define EXT FOTAKIT_SHARED_DIR "/vectors/imgtool-ext/"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*len);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static int check(const char *file, const struct fk_image_keyring *ring, struct fk_image_info *info)
{
    size_t len;
    uint8_t *img = slurp(file, &len);
    struct ram_area ra;
    ram_area_init(&ra, img, (uint32_t)len);
    int rc = fk_image_verify(&ra.fa, 0, ring, info);
    free(img);
    return rc;
}

static void test_unsupported_reported(void **state)
{
    (void)state;
    struct fk_image_info info;
    static const struct fk_image_keyring hash_only = {.allow_hash_only = true};
    assert_false(fk_image_hash_supported(FK_TLV_SHA384));
    assert_false(fk_image_hash_supported(FK_TLV_SHA512));

    assert_int_equal(check(EXT "img-hashonly-sha384-v1.0.0.bin", &hash_only, &info), FK_EIMG_HASH_UNSUP);
    assert_int_equal(info.hash_type, FK_TLV_SHA384);
    assert_int_equal(info.hash_len, 48);
    assert_int_equal(info.bad_off, info.hash_tlv_off);
    assert_int_equal(check(EXT "img-hashonly-sha512-v1.0.0.bin", &hash_only, &info), FK_EIMG_HASH_UNSUP);
    assert_int_equal(info.hash_type, FK_TLV_SHA512);
    /* a P-384 image: its SHA-384 is what cannot be checked first */
    assert_int_equal(check(EXT "img-ecdsa-p384-v1.0.0.bin", &hash_only, &info), FK_EIMG_HASH_UNSUP);

    /* inspection (SMP image list, swap size) still works */
    {
        size_t len;
        uint8_t *img = slurp(EXT "img-hashonly-sha512-v1.0.0.bin", &len);
        struct ram_area ra;
        ram_area_init(&ra, img, (uint32_t)len);
        assert_int_equal(fk_image_inspect(&ra.fa, 0, &info), FK_OK);
        assert_int_equal(info.hash_len, 64);
        free(img);
    }

    /* encrypted: with a key this build cannot use it */
    static const uint8_t kek[16];
    static const struct fk_image_enc_key ek = {FK_TLV_ENC_EC256, kek, sizeof kek};
    static const struct fk_image_keyring with_enc = {.allow_hash_only = true, .enc = &ek};
    assert_int_equal(check(EXT "enc-ec256-aes128-ed25519-v2.0.0.bin", &with_enc, &info), FK_EIMG_ENC_UNSUP);
    assert_int_equal(check(EXT "enc-ec256-aes128-ed25519-v2.0.0.bin", &hash_only, &info), FK_EIMG_ENCRYPTED);

    /* compressed: authentic as signed, refused with its reason */
    assert_int_equal(check(EXT "img-ecdsa-p256-lzma2-v1.0.0.bin", &hash_only, &info), FK_EIMG_COMPRESSED);
    assert_true(info.hash_ok);
    assert_true(info.compressed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsupported_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
