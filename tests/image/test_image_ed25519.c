/*
 * The streamed pure Ed25519 verifier (src/image/sig_ed25519.c) against
 * RFC 8032's test vectors and against libsodium's own verifier
 * (crypto_sign_verify_detached), which it must match exactly: on random
 * inputs, single-bit mutations of valid signatures, non-canonical S, every
 * small-order R and A encoding (with and without the sign bit), A with
 * y >= p, undecodable A, and mixed-order keys A' + T (T of order 2, 4 and
 * 8) for which libsodium accepts exactly when [h]T is the identity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sodium.h>

#include "../../src/image/image_priv.h"
#include "test_util.h"

static unsigned compared, accepted_both;

/* ours (the streaming verifier over a RAM flash area) vs libsodium */
static int ours(const uint8_t pk[32], const uint8_t sig[64], const uint8_t *m, size_t mlen)
{
    uint8_t der[44] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    struct fk_image_key key = {FK_KEY_ED25519, der, sizeof der};
    struct fk_key_view kv;
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    static const uint8_t one = 0;
    memcpy(der + 12, pk, 32);
    assert_int_equal(fk_key_parse(&key, &kv), FK_OK);
    fk_ram_flash_init(&dev, &fa, mlen ? m : &one, (uint32_t)mlen);
    struct fk_img_src src = {.fa = &fa};
    return fk_sig_ed25519_pure(&kv, &src, (uint32_t)mlen, sig, 64);
}

static void same(const uint8_t pk[32], const uint8_t sig[64], const uint8_t *m, size_t mlen, const char *what)
{
    int a = ours(pk, sig, m, mlen);
    int b = crypto_sign_verify_detached(sig, m, mlen, pk);
    if ((a == FK_OK) != (b == 0)) {
        fail_msg("%s: ours %d, libsodium %d", what, a, b);
    }
    if (a != FK_OK) {
        assert_int_equal(a, FK_EIMG_SIG);
    } else {
        accepted_both++;
    }
    compared++;
}

/* RFC 8032 section 7.1, TEST 1..3 */
static void test_rfc8032(void **state)
{
    (void)state;
    static const struct {
        const char *pk, *msg, *sig;
    } v[] = {
        {"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t pk[32], sig[64], msg[2];
        size_t mlen = strlen(v[i].msg) / 2;
        unhex(v[i].pk, pk, 32);
        unhex(v[i].sig, sig, 64);
        unhex(v[i].msg, msg, mlen);
        assert_int_equal(ours(pk, sig, msg, mlen), FK_OK);
        sig[0] ^= 1;
        assert_int_equal(ours(pk, sig, msg, mlen), FK_EIMG_SIG);
        sig[0] ^= 1;
        if (mlen) {
            msg[0] ^= 0x80;
            assert_int_equal(ours(pk, sig, msg, mlen), FK_EIMG_SIG);
        }
    }
}

/* Random keys and messages, valid signatures and single-bit mutations. */
static void test_random_and_mutations(void **state)
{
    (void)state;
    for (int round = 0; round < 24; round++) {
        uint8_t pk[32], sk[64], sig[64], m[700];
        size_t mlen = randombytes_uniform(sizeof m);
        crypto_sign_keypair(pk, sk);
        randombytes_buf(m, sizeof m);
        crypto_sign_detached(sig, NULL, m, mlen, sk);
        same(pk, sig, m, mlen, "valid");
        for (int k = 0; k < 6; k++) {
            uint8_t s2[64], p2[32];
            memcpy(s2, sig, 64);
            memcpy(p2, pk, 32);
            if (k < 3) s2[randombytes_uniform(64)] ^= (uint8_t)(1u << randombytes_uniform(8));
            else if (k < 5) p2[randombytes_uniform(32)] ^= (uint8_t)(1u << randombytes_uniform(8));
            else randombytes_buf(s2, 64);
            same(p2, s2, m, mlen, "mutated");
        }
        /* wholly random public keys: mostly undecodable or wrong */
        uint8_t rp[32];
        randombytes_buf(rp, 32);
        same(rp, sig, m, mlen, "random key");
    }
}

/* L = 2^252 + 27742317777372353535851937790883648493, little endian */
static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                              0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

/* Encodings whose y is that of a small-order point: 0, 1, p-1, p, p+1, and
 * y8 and p - y8 of the order-8 points. */
static void small_order_encodings(uint8_t out[7][32])
{
    memset(out, 0, 7 * 32);
    out[1][0] = 1;
    for (int i = 2; i < 5; i++) {
        memset(out[i], 0xff, 32);
        out[i][31] = 0x7f;
        out[i][0] = (uint8_t)(0xec + (i - 2)); /* p-1, p, p+1 */
    }
    /* y8: the y of an order-8 point, the root of d*y^4 + 2*y^2 - 1 = 0 mod p
     * (doubling it gives y = 0, a point of order 4); checked below */
    static const uint8_t y8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                                   0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                                   0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
    memcpy(out[5], y8, 32);
    /* p - y8 */
    int borrow = 0;
    for (int i = 0; i < 32; i++) {
        int pv = i == 0 ? 0xed : i == 31 ? 0x7f : 0xff;
        int d = pv - y8[i] - borrow;
        borrow = d < 0;
        out[6][i] = (uint8_t)d;
    }
    /* both are order 8: 8 additions return to the identity, 4 do not */
    for (int k = 5; k < 7; k++) {
        uint8_t acc[32] = {1}, x4[32];
        for (int i = 0; i < 8; i++) {
            assert_int_equal(crypto_core_ed25519_add(acc, acc, out[k]), 0);
            if (i == 3) memcpy(x4, acc, 32);
        }
        uint8_t id[32] = {1};
        assert_memory_equal(acc, id, 32);
        assert_memory_not_equal(x4, id, 32);
    }
}

static void test_crafted(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], sig[64], m[40] = "fotakit pure ed25519 crafted input";
    uint8_t so[7][32];
    crypto_sign_keypair(pk, sk);
    crypto_sign_detached(sig, NULL, m, sizeof m, sk);
    same(pk, sig, m, sizeof m, "valid");
    small_order_encodings(so);

    /* non-canonical S: S + L (still < 2^256 since S < L < 2^253) */
    {
        uint8_t s2[64];
        int c = 0;
        memcpy(s2, sig, 64);
        for (int i = 0; i < 32; i++) {
            int v = s2[32 + i] + L[i] + c;
            s2[32 + i] = (uint8_t)v;
            c = v >> 8;
        }
        same(pk, s2, m, sizeof m, "S + L");
        assert_int_equal(ours(pk, s2, m, sizeof m), FK_EIMG_SIG);
        memcpy(s2 + 32, L, 32);
        same(pk, s2, m, sizeof m, "S = L");
        memset(s2 + 32, 0, 32);
        same(pk, s2, m, sizeof m, "S = 0");
    }
    /* small-order R and A, sign bit clear and set */
    for (int k = 0; k < 7; k++) {
        for (int sb = 0; sb < 2; sb++) {
            uint8_t s2[64], p2[32];
            memcpy(s2, sig, 64);
            memcpy(s2, so[k], 32);
            s2[31] |= (uint8_t)(sb << 7);
            same(pk, s2, m, sizeof m, "small-order R");
            assert_int_equal(ours(pk, s2, m, sizeof m), FK_EIMG_SIG);
            memcpy(p2, so[k], 32);
            p2[31] |= (uint8_t)(sb << 7);
            same(p2, sig, m, sizeof m, "small-order A");
            assert_int_equal(ours(p2, sig, m, sizeof m), FK_EIMG_SIG);
        }
    }
    /* A with y >= p: p + 2 .. p + 18 (y = 2 .. 18 reduced) */
    for (int d = 2; d < 19; d++) {
        uint8_t p2[32];
        memset(p2, 0xff, 32);
        p2[31] = 0x7f;
        p2[0] = (uint8_t)(0xed + d);
        same(p2, sig, m, sizeof m, "non-canonical A");
    }
    /* R with y >= p never matches the canonical encoding libsodium makes */
    {
        uint8_t s2[64];
        memcpy(s2, sig, 64);
        memset(s2, 0xff, 32);
        s2[31] = 0x7f;
        s2[0] = 0xf0;
        same(pk, s2, m, sizeof m, "non-canonical R");
    }
}

/* A = A' + T with T of order 2, 4 or 8, signed with A's subgroup secret:
 * valid for libsodium exactly when [h]T is the identity. Both outcomes
 * occur over the rounds. */
static void test_mixed_order(void **state)
{
    (void)state;
    uint8_t so[7][32];
    small_order_encodings(so);
    /* T of order 2: y = p - 1 (x = 0); order 4: y = 0; order 8: y8 */
    const uint8_t *ts[3] = {so[2], so[0], so[5]};
    unsigned acc = 0, rej = 0;
    for (int t = 0; t < 3; t++) {
        for (int round = 0; round < 24; round++) {
            uint8_t a[32], ap[32], A[32], r[32], R[32], h[64], hr[32], ha[32], S[32], sig[64];
            uint8_t m[64];
            crypto_hash_sha512_state st;
            crypto_core_ed25519_scalar_random(a);
            assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(ap, a), 0);
            assert_int_equal(crypto_core_ed25519_add(A, ap, ts[t]), 0);
            randombytes_buf(m, sizeof m);
            crypto_core_ed25519_scalar_random(r);
            assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(R, r), 0);
            crypto_hash_sha512_init(&st);
            crypto_hash_sha512_update(&st, R, 32);
            crypto_hash_sha512_update(&st, A, 32);
            crypto_hash_sha512_update(&st, m, sizeof m);
            crypto_hash_sha512_final(&st, h);
            crypto_core_ed25519_scalar_reduce(hr, h);
            crypto_core_ed25519_scalar_mul(ha, hr, a);
            crypto_core_ed25519_scalar_add(S, r, ha);
            memcpy(sig, R, 32);
            memcpy(sig + 32, S, 32);
            int b = crypto_sign_verify_detached(sig, m, sizeof m, A);
            same(A, sig, m, sizeof m, "mixed-order A");
            if (b == 0) acc++;
            else rej++;
        }
    }
    /* h is even about half the time: both verdicts must have been seen */
    assert_true(acc > 0);
    assert_true(rej > 0);
}

static void test_summary(void **state)
{
    (void)state;
    printf("pure Ed25519: %u inputs compared with libsodium, %u accepted by both\n", compared, accepted_both);
    assert_true(compared > 300);
}

int main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_random_and_mutations),
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_mixed_order),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
