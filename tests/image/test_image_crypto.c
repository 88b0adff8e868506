/*
 * The verifier's crypto glue on its own: the hand-written EMSA-PSS decoding
 * (every RSA vector, every single-bit flip of signature and digest, OpenSSL
 * signatures with other salt lengths), ECDSA DER handling and key parsing.
 * The pure Ed25519 verifier has its own test (test_image_ed25519.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "../../src/image/image_priv.h"
#include "test_util.h"

static struct test_key rsa, ecdsa, ed;
static struct fk_key_view rsa_v, ecdsa_v, ed_v;

static int setup(void **state)
{
    (void)state;
    test_key_load(&rsa, "rsa-2048", FK_KEY_RSA2048);
    test_key_load(&ecdsa, "ecdsa-p256", FK_KEY_ECDSA_P256);
    test_key_load(&ed, "ed25519", FK_KEY_ED25519);
    assert_int_equal(fk_key_parse(&rsa.key, &rsa_v), FK_OK);
    assert_int_equal(fk_key_parse(&ecdsa.key, &ecdsa_v), FK_OK);
    assert_int_equal(fk_key_parse(&ed.key, &ed_v), FK_OK);
    return sodium_init() < 0;
}

static int teardown(void **state)
{
    (void)state;
    free(rsa.der);
    free(ecdsa.der);
    free(ed.der);
    return 0;
}

/* Signature and digest of an image's last signature TLV (fk_image_buf_tlv). */
static void image_sig(const char *file, uint16_t type, uint8_t *sig, size_t cap, size_t *siglen,
                      uint8_t digest[32])
{
    size_t len;
    uint8_t *img = vec_read(file, &len);
    assert_int_equal(fk_image_buf_tlv(img, len, type, sig, cap, siglen, digest), FK_OK);
    assert_true(*siglen > 0);
    /* a type the image lacks, and a buffer one byte short, are refused */
    size_t n;
    assert_int_equal(fk_image_buf_tlv(img, len, FK_TLV_DEPENDENCY, sig, cap, &n, NULL), FK_ENOENT);
    assert_int_equal(fk_image_buf_tlv(img, len, type, sig, *siglen - 1, &n, NULL), FK_ENOMEM);
    assert_int_equal(n, *siglen);
    free(img);
}

static void test_rsa_pss_vectors_and_flips(void **state)
{
    (void)state;
    static const char *rsa_vectors[] = {"img-rsa2048-v1.0.1.bin"};
    for (size_t v = 0; v < sizeof rsa_vectors / sizeof rsa_vectors[0]; v++) {
        uint8_t sig[256], d[32];
        size_t sl;
        image_sig(rsa_vectors[v], FK_TLV_RSA2048_PSS, sig, sizeof sig, &sl, d);
        assert_int_equal(sl, 256);
        assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, sl), FK_OK);
        for (int bit = 0; bit < 256 * 8; bit++) {
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (fk_sig_rsa2048_pss(&rsa_v, d, sig, sl) != FK_EIMG_SIG) fail_msg("sig bit %d flipped: accepted", bit);
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        for (int bit = 0; bit < 256; bit++) {
            d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (fk_sig_rsa2048_pss(&rsa_v, d, sig, sl) != FK_EIMG_SIG) fail_msg("digest bit %d flipped: accepted", bit);
            d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, 255), FK_EIMG_SIG_LEN);
        /* s >= n is refused by the public operation */
        memset(sig, 0xff, sizeof sig);
        assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, 256), FK_EIMG_SIG);
        memset(sig, 0, sizeof sig);
        assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, 256), FK_EIMG_SIG);
    }
}

static size_t openssl_pss(EVP_PKEY *pk, const uint8_t d[32], int salt, uint8_t sig[256])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    size_t sl = 256;
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &sl, d, 32), 1);
    EVP_PKEY_CTX_free(c);
    return sl;
}

/* Fresh OpenSSL PSS signatures (random salts) verify; other salt lengths and
 * PKCS#1 v1.5 do not. */
static void test_rsa_pss_openssl(void **state)
{
    (void)state;
    FILE *f = fopen(VEC_DIR "rsa-2048.pem", "r");
    assert_non_null(f);
    EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(pk);
    uint8_t d[32], sig[256];
    for (int i = 0; i < 24; i++) {
        randombytes_buf(d, sizeof d);
        assert_int_equal(openssl_pss(pk, d, 32, sig), 256);
        assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, 256), FK_OK);
    }
    static const int other_salts[] = {0, 20, 31, 33, 64};
    for (size_t i = 0; i < sizeof other_salts / sizeof other_salts[0]; i++) {
        openssl_pss(pk, d, other_salts[i], sig);
        assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, 256), FK_EIMG_SIG);
    }
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    size_t sl = 256;
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &sl, d, 32), 1);
    assert_int_equal(fk_sig_rsa2048_pss(&rsa_v, d, sig, 256), FK_EIMG_SIG);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
}

static void test_ecdsa_der(void **state)
{
    (void)state;
    uint8_t sig[80], d[32];
    size_t sl;
    image_sig("img-ecdsa-p256-v1.2.3+4.bin", FK_TLV_ECDSA_SIG, sig, sizeof sig, &sl, d);
    assert_int_equal(fk_sig_ecdsa(&ecdsa_v, d, 32, sig, sl), FK_OK);
    /* imgtool --pad-sig: zero padding to 72 bytes is accepted, non-zero is not */
    uint8_t padded[72];
    memset(padded, 0, sizeof padded);
    memcpy(padded, sig, sl);
    assert_int_equal(fk_sig_ecdsa(&ecdsa_v, d, 32, padded, 72), FK_OK);
    padded[71] = 1;
    assert_int_equal(fk_sig_ecdsa(&ecdsa_v, d, 32, padded, 72), FK_EIMG_SIG);
    /* truncated DER, and every bit flip of the signature */
    assert_int_equal(fk_sig_ecdsa(&ecdsa_v, d, 32, sig, sl - 1), FK_EIMG_SIG);
    for (size_t bit = 0; bit < sl * 8; bit++) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (fk_sig_ecdsa(&ecdsa_v, d, 32, sig, sl) == FK_OK) fail_msg("bit %zu flipped: accepted", bit);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(fk_sig_ecdsa(&ecdsa_v, d, 32, sig, 73), FK_EIMG_SIG_LEN);
}

static void test_key_parse(void **state)
{
    (void)state;
    struct fk_key_view v;
    uint8_t buf[300];
    struct fk_image_key k;
    /* wrong type for the bytes */
    k = (struct fk_image_key){FK_KEY_ED25519, ecdsa.key.der, ecdsa.key.der_len};
    assert_int_equal(fk_key_parse(&k, &v), FK_EIMG_KEY);
    k = (struct fk_image_key){FK_KEY_RSA2048, ecdsa.key.der, ecdsa.key.der_len};
    assert_int_equal(fk_key_parse(&k, &v), FK_EIMG_KEY);
    /* truncated RSA DER at every length */
    for (size_t n = 0; n < rsa.key.der_len; n++) {
        memcpy(buf, rsa.key.der, n);
        k = (struct fk_image_key){FK_KEY_RSA2048, buf, n};
        assert_int_equal(fk_key_parse(&k, &v), FK_EIMG_KEY);
    }
    /* compressed point */
    memcpy(buf, ecdsa.key.der, ecdsa.key.der_len);
    buf[26] = 0x02;
    k = (struct fk_image_key){FK_KEY_ECDSA_P256, buf, ecdsa.key.der_len};
    assert_int_equal(fk_key_parse(&k, &v), FK_EIMG_KEY);
    k = (struct fk_image_key){(enum fk_key_type)9, ecdsa.key.der, ecdsa.key.der_len};
    assert_int_equal(fk_key_parse(&k, &v), FK_EIMG_KEY);
    assert_int_equal(rsa_v.nlen, 256);
    assert_int_equal(rsa_v.elen, 3); /* 65537 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_pss_vectors_and_flips),
        cmocka_unit_test(test_rsa_pss_openssl),
        cmocka_unit_test(test_ecdsa_der),
        cmocka_unit_test(test_key_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
