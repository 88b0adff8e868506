/*
 * Encrypted images: the device decryption (src/image/enc.c, BearSSL) and the
 * host encryption (src/host/image/enc.c, OpenSSL) against each other and
 * against imgtool's vectors.
 *  - RFC 3394 section 4.1 and 4.6 vectors: the device unwrap, the host wrap;
 *    a flipped bit fails the integrity check;
 *  - AES-CTR over any byte range at any offset equals the one-shot stream;
 *  - imgtool's encrypted vectors verify with the device verifier, its key
 *    built from the `imgtool getpriv` C arrays shipped with the vectors (what
 *    MCUboot builds in), and fail with the wrong key;
 *  - fotakit sign -E for every scheme and key length verifies the same way,
 *    and a flipped ciphertext byte is a hash mismatch.
 * The independent OpenSSL-command-line check is in check_ext.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <unistd.h>

#include <openssl/rand.h>

#include "fotakit/image_enc.h"
#include "test_util.h"

#define EXT FOTAKIT_SHARED_DIR "/vectors/imgtool-ext/"
#define VEC FOTAKIT_SHARED_DIR "/vectors/imgtool/"

static void test_rfc3394(void **state)
{
    (void)state;
    static const struct {
        const char *kek, *key, *wrapped;
    } v[] = {
        {"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
         "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
        {"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
         "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
         "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
    };
    for (size_t i = 0; i < 2; i++) {
        size_t kl = strlen(v[i].kek) / 2, n = strlen(v[i].key) / 2;
        uint8_t kek[32], key[32], w[40], out[32], tlv[64];
        size_t tl = 0;
        uint16_t type = 0;
        char err[128];
        unhex(v[i].kek, kek, kl);
        unhex(v[i].key, key, n);
        unhex(v[i].wrapped, w, n + 8);
        /* device unwrap */
        assert_int_equal(fk_aes_key_unwrap(kek, kl, w, n + 8, out), FK_OK);
        assert_memory_equal(out, key, n);
        /* host wrap (OpenSSL) */
        struct fk_enc_key ek = {.kind = FK_ENC_KW, .is_private = true, .kek_len = kl};
        memcpy(ek.kek, kek, kl);
        assert_int_equal(fk_enc_wrap(&ek, key, n, 0, &type, tlv, sizeof tlv, &tl, err, sizeof err), FK_OK);
        assert_int_equal(type, FK_TLV_ENC_KW);
        assert_int_equal(tl, n + 8);
        assert_memory_equal(tlv, w, n + 8);
        /* any flipped bit fails the integrity check */
        for (size_t bit = 0; bit < (n + 8) * 8; bit += 13) {
            w[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(fk_aes_key_unwrap(kek, kl, w, n + 8, out), FK_EIMG_ENC_KEY);
            w[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        kek[0] ^= 1;
        assert_int_equal(fk_aes_key_unwrap(kek, kl, w, n + 8, out), FK_EIMG_ENC_KEY);
    }
}

/* The device's CTR over random pieces at random offsets equals OpenSSL's
 * one-shot CTR over the whole range. */
static void test_ctr_ranges(void **state)
{
    (void)state;
    for (int kl = 16; kl <= 32; kl += 16) {
        uint8_t key[32], ref[1000], got[1000];
        struct fk_image_cipher c;
        RAND_bytes(key, kl);
        RAND_bytes(ref, sizeof ref);
        memcpy(got, ref, sizeof got);
        assert_int_equal(fk_aes_ctr(key, (size_t)kl, 0, ref, sizeof ref), FK_OK);
        fk_image_cipher_init(&c, key, (size_t)kl);
        for (size_t pos = 0; pos < sizeof got;) {
            size_t n = 1 + (size_t)(rand() % 53);
            if (n > sizeof got - pos) n = sizeof got - pos;
            fk_image_cipher_run(&c, (uint32_t)pos, got + pos, n);
            pos += n;
        }
        assert_memory_equal(got, ref, sizeof ref);
        /* and OpenSSL started mid-stream agrees too */
        uint8_t part[100];
        memcpy(part, got + 333, 100);
        assert_int_equal(fk_aes_ctr(key, (size_t)kl, 333, part, 100), FK_OK);
        fk_image_cipher_run(&c, 333, part, 100);
        fk_image_cipher_run(&c, 333, part, 100);
        assert_int_equal(fk_aes_ctr(key, (size_t)kl, 333, part, 100), FK_OK);
        assert_memory_equal(part, got + 333, 100);
    }
}

/* DER bytes from an `imgtool getpriv` C array. */
static size_t lang_c(const char *path, uint8_t *out, size_t cap)
{
    uint8_t *t;
    size_t len, n = 0;
    char err[256];
    assert_int_equal(fk_file_read(path, &t, &len, err, sizeof err), FK_OK);
    t = realloc(t, len + 1);
    t[len] = 0;
    const char *p = strchr((char *)t, '{');
    assert_non_null(p);
    while ((p = strstr(p, "0x")) != NULL && n < cap) {
        unsigned v;
        assert_int_equal(sscanf(p, "0x%2x", &v), 1);
        out[n++] = (uint8_t)v;
        p += 4;
    }
    free(t);
    return n;
}

static int verify_file(const char *path, const struct fk_image_key *k, const struct fk_image_enc_key *ek,
                       struct fk_image_info *info)
{
    uint8_t *img;
    size_t len;
    char err[256];
    assert_int_equal(fk_file_read(path, &img, &len, err, sizeof err), FK_OK);
    struct ram_area ra;
    ram_area_init(&ra, img, (uint32_t)len);
    struct fk_image_keyring ring = {.keys = k, .count = 1, .enc = ek};
    int rc = fk_image_verify(&ra.fa, 0, &ring, info);
    free(img);
    return rc;
}

static void test_imgtool_vectors_on_device(void **state)
{
    (void)state;
    static const struct {
        const char *file, *priv, *signer;
        uint16_t tlv;
    } v[] = {
        {"enc-ec256-aes128-ed25519-v2.0.0.bin", "enc-ec256", "ed25519", FK_TLV_ENC_EC256},
        {"enc-ec256-aes256-ed25519-v2.0.0.bin", "enc-ec256", "ed25519", FK_TLV_ENC_EC256},
        {"enc-x25519-aes128-ed25519-v2.0.0.bin", "enc-x25519", "ed25519", FK_TLV_ENC_X25519},
        {"enc-rsa2048-aes128-ed25519-v2.0.0.bin", "enc-rsa2048", "ed25519", FK_TLV_ENC_RSA2048},
        {"enc-ec256-aes128-ecdsa-p256-v2.0.0-pad-confirm.bin", "enc-ec256", "ecdsa-p256", FK_TLV_ENC_EC256},
    };
    uint8_t *plain;
    size_t plain_len;
    char perr[256];
    assert_int_equal(fk_file_read(EXT "plain-ed25519-v2.0.0.bin", &plain, &plain_len, perr, sizeof perr), FK_OK);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char path[512];
        uint8_t der[1400];
        struct test_key sk;
        struct fk_image_info info;
        snprintf(path, sizeof path, EXT "%s-priv.lang-c.txt", v[i].priv);
        struct fk_image_enc_key ek = {v[i].tlv, der, lang_c(path, der, sizeof der)};
        test_key_load(&sk, v[i].signer, !strcmp(v[i].signer, "ed25519") ? FK_KEY_ED25519 : FK_KEY_ECDSA_P256);
        snprintf(path, sizeof path, EXT "%s", v[i].file);
        assert_int_equal(verify_file(path, &sk.key, &ek, &info), FK_OK);
        assert_true(info.decrypted);
        assert_int_equal(info.key_index, 0);
        /* the device primitives give back the plaintext of plain-ed25519-v2.0.0.bin */
        {
            uint8_t *img, key[32];
            size_t len, kl;
            struct fk_image_cipher c;
            assert_int_equal(fk_file_read(path, &img, &len, perr, sizeof perr), FK_OK);
            struct ram_area ra;
            ram_area_init(&ra, img, (uint32_t)len);
            assert_int_equal(fk_image_enc_unwrap(&ra.fa, 0, &info.hdr, &ek, key, &kl), FK_OK);
            assert_int_equal(kl, i == 1 ? 32 : 16);
            fk_image_cipher_init(&c, key, kl);
            fk_image_cipher_run(&c, 0, img + 0x200, 20000);
            assert_memory_equal(img + 0x200, plain + 0x200, 20000);
            free(img);
        }
        /* without a decryption key: refused as encrypted */
        assert_int_equal(verify_file(path, &sk.key, NULL, &info), FK_EIMG_ENCRYPTED);
        /* the wrong private key of the same kind does not open it */
        if (v[i].tlv == FK_TLV_ENC_EC256) {
            der[40] ^= 0x5a; /* inside the 32-byte scalar */
            assert_int_equal(verify_file(path, &sk.key, &ek, &info), FK_EIMG_ENC_KEY);
        }
        /* a key of another kind finds no TLV it opens */
        struct fk_image_enc_key other = {v[i].tlv == FK_TLV_ENC_KW ? FK_TLV_ENC_EC256 : FK_TLV_ENC_KW,
                                         der, 16};
        assert_int_equal(verify_file(path, &sk.key, &other, &info), FK_EIMG_ENC_KEY);
        free(sk.der);
    }
    free(plain);
}

/* fotakit's own encrypted images, every scheme and key length. */
static void test_sign_roundtrip(void **state)
{
    (void)state;
    static const struct {
        const char *pub, *priv_c; /* priv_c: getpriv C array, or NULL for KW */
        uint16_t tlv;
    } v[] = {
        {EXT "enc-ec256-pub.pem", EXT "enc-ec256-priv.lang-c.txt", FK_TLV_ENC_EC256},
        {EXT "enc-x25519-pub.pem", EXT "enc-x25519-priv.lang-c.txt", FK_TLV_ENC_X25519},
        {EXT "enc-rsa2048-pub.pem", EXT "enc-rsa2048-priv.lang-c.txt", FK_TLV_ENC_RSA2048},
        {NULL, NULL, FK_TLV_ENC_KW},
    };
    char kwpath[512];
    uint8_t kek[32];
    RAND_bytes(kek, sizeof kek);
    snprintf(kwpath, sizeof kwpath, FOTAKIT_BINARY_DIR "/tests/image/enc-kw-%d.bin", (int)getpid());
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (unsigned kl = 128; kl <= 256; kl += 128) {
            struct fk_sign_opts o;
            struct test_key ed;
            uint8_t payload[3001], *img, der[1400];
            size_t len;
            char err[256];
            struct fk_image_enc_key ek = {v[i].tlv, der, 0};
            if (v[i].pub == NULL) {
                assert_int_equal(fk_file_write(kwpath, kek, kl / 8, err, sizeof err), FK_OK);
                memcpy(der, kek, kl / 8);
                ek.der_len = kl / 8;
            } else {
                ek.der_len = lang_c(v[i].priv_c, der, sizeof der);
            }
            RAND_bytes(payload, sizeof payload);
            fk_sign_opts_init(&o);
            o.key_path = VEC "ed25519.pem";
            o.header_size = 0x200;
            o.pad_header = true;
            o.enc_key_path = v[i].pub ? v[i].pub : kwpath;
            o.encrypt_keylen = kl;
            assert_int_equal(fk_image_sign(&o, payload, sizeof payload, &img, &len, err, sizeof err), FK_OK);
            test_key_load(&ed, "ed25519", FK_KEY_ED25519);
            struct ram_area ra;
            ram_area_init(&ra, img, (uint32_t)len);
            struct fk_image_keyring ring = {.keys = &ed.key, .count = 1, .enc = &ek};
            struct fk_image_info info;
            assert_int_equal(fk_image_verify(&ra.fa, 0, &ring, &info), FK_OK);
            assert_true(info.decrypted);
            assert_int_equal(info.hdr.flags, kl == 256 ? FK_IMAGE_F_ENCRYPTED_AES256 : FK_IMAGE_F_ENCRYPTED_AES128);
            assert_int_equal(info.hdr.img_size % 16, 0); /* imgtool pads to a whole block */
            /* the stored payload is not the plaintext */
            assert_memory_not_equal(img + 0x200, payload, 64);
            /* a flipped ciphertext byte: the plaintext hash no longer matches */
            img[0x200 + 1000] ^= 0x10;
            assert_int_equal(fk_image_verify(&ra.fa, 0, &ring, &info), FK_EIMG_HASH);
            img[0x200 + 1000] ^= 0x10;
            /* the host decryption gives back the payload, zero-padded */
            struct fk_enc_key hk;
            uint8_t *plain;
            if (v[i].pub == NULL) {
                assert_int_equal(fk_enc_key_load(kwpath, &hk, err, sizeof err), FK_OK);
            } else {
                char pp[512];
                snprintf(pp, sizeof pp, "%.*s-priv.pem", (int)(strlen(v[i].pub) - 8), v[i].pub);
                assert_int_equal(fk_enc_key_load(pp, &hk, err, sizeof err), FK_OK);
            }
            assert_int_equal(fk_image_decrypt_buf(img, len, &hk, &plain, err, sizeof err), FK_OK);
            assert_memory_equal(plain + 0x200, payload, sizeof payload);
            for (size_t k = sizeof payload; k < info.hdr.img_size; k++) {
                assert_int_equal(plain[0x200 + k], 0);
            }
            fk_enc_key_free(&hk);
            free(plain);
            free(img);
            free(ed.der);
        }
    }
    remove(kwpath);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3394),
        cmocka_unit_test(test_ctr_ranges),
        cmocka_unit_test(test_imgtool_vectors_on_device),
        cmocka_unit_test(test_sign_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
