/*
 * Ed25519 with libsodium (FK_IMAGE_ED25519: always on the host, a build
 * option on the device; the pure form also needs FK_IMAGE_ED25519_PURE, a
 * second device option, because it uses more of libsodium: crypto_core_ed25519
 * and crypto_scalarmult_ed25519). Two forms, as MCUboot has them:
 *  - TLV 0x24 alone: the message is the image digest (32 or 64 bytes);
 *  - with SIG_PURE (0x25): the message is the whole hash region. The verifier
 *    never holds the image in RAM, so this is RFC 8032 verification spelt
 *    out with a streamed SHA-512 (libsodium has no streaming verify; the
 *    SHA-512 is BearSSL's, which the SHA-512 image hash uses too).
 *
 * The spelt-out form accepts exactly what crypto_sign_ed25519_verify_detached
 * (libsodium 1.0.18, Debian 12) accepts; tests/image compares the two on
 * random and crafted inputs. libsodium's rules:
 *   reject S >= L; reject R or A whose encoding (sign bit ignored) is one of
 *   the 7 small-order encodings; reject A with y >= p (non-canonical) or not
 *   decodable; then accept iff encode([S]B - [h]A) == R byte for byte, with
 *   h = SHA-512(R || A || M) mod L. A may have a small-order component
 *   (mixed order): libsodium multiplies the whole point.
 * libsodium's public scalar multiplication refuses points outside the
 * prime-order subgroup, so [h]A is computed as [h]A' + [h mod 8]T with
 * A = A' + T, A' = [8^-1 mod L]([8]A) in the subgroup and T of order <= 8:
 * the same point libsodium computes directly.
 */
#include <string.h>

#include "image_priv.h"

#ifdef FK_IMAGE_ED25519
#include <sodium.h>

int fk_sig_ed25519(const struct fk_key_view *k, const uint8_t *msg, size_t msglen,
                   const uint8_t *sig, size_t siglen)
{
    if (siglen != 64) {
        return FK_EIMG_SIG_LEN;
    }
    return crypto_sign_ed25519_verify_detached(sig, msg, msglen, k->q) == 0 ? FK_OK : FK_EIMG_SIG;
}

#ifdef FK_IMAGE_ED25519_PURE
/* S < L = 2^252 + 27742317777372353535851937790883648493, little endian. */
static bool scalar_canonical(const uint8_t s[32])
{
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
    for (int i = 31; i >= 0; i--) {
        if (s[i] != L[i]) {
            return s[i] < L[i];
        }
    }
    return false; /* == L */
}

/* y-coordinate of an order-8 point (the other is p - y8), little endian. */
static const uint8_t y8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                               0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                               0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};

/* p + c as 32 little-endian bytes with the top bit clear: p = 2^255 - 19. */
static void p_plus(int c, uint8_t out[32])
{
    memset(out, 0xff, 32);
    out[31] = 0x7f;
    out[0] = (uint8_t)(0xed + c);
}

/* The encoding's y (sign bit ignored) is that of a point of order 1, 2, 4
 * or 8: 0, 1, y8, p - y8, p - 1, p, p + 1 (the latter three are the
 * non-reduced spellings libsodium also lists). */
static bool small_order(const uint8_t s[32])
{
    uint8_t cand[7][32];
    memset(cand, 0, sizeof cand);
    cand[1][0] = 1;
    memcpy(cand[2], y8, 32);
    /* p - y8 */
    {
        uint8_t pp[32];
        int borrow = 0;
        p_plus(0, pp);
        for (int i = 0; i < 32; i++) {
            int v = pp[i] - y8[i] - borrow;
            borrow = v < 0;
            cand[3][i] = (uint8_t)v;
        }
    }
    p_plus(-1, cand[4]);
    p_plus(0, cand[5]);
    p_plus(1, cand[6]);
    for (int j = 0; j < 7; j++) {
        if (memcmp(s, cand[j], 31) == 0 && (s[31] & 0x7f) == cand[j][31]) {
            return true;
        }
    }
    return false;
}

/* y < p (sign bit ignored). */
static bool point_canonical(const uint8_t s[32])
{
    if ((s[31] & 0x7f) != 0x7f) {
        return true;
    }
    for (int i = 30; i > 0; i--) {
        if (s[i] != 0xff) {
            return true;
        }
    }
    return s[0] < 0xed;
}

static const uint8_t identity[32] = {1};

int fk_ed25519_precheck(const uint8_t pk[32], const uint8_t sig[64])
{
    uint8_t tmp[32];
    if (!scalar_canonical(sig + 32) || small_order(sig)) {
        return FK_EIMG_SIG;
    }
    if (!point_canonical(pk) || small_order(pk)) {
        return FK_EIMG_SIG;
    }
    /* decodable: crypto_core_ed25519_add decodes both operands as libsodium's
     * verifier decodes A (same square-root test) */
    if (crypto_core_ed25519_add(tmp, pk, identity) != 0) {
        return FK_EIMG_SIG;
    }
    return FK_OK;
}

/* out = [n]P for P in the prime-order subgroup; the identity where
 * libsodium's scalar multiplication refuses an identity result. */
static void mul_subgroup(uint8_t out[32], const uint8_t n[32], const uint8_t p[32])
{
    if (crypto_scalarmult_ed25519_noclamp(out, n, p) != 0) {
        memcpy(out, identity, 32);
    }
}

int fk_ed25519_finish(const uint8_t pk[32], const uint8_t sig[64], const uint8_t hred[32])
{
    uint8_t ha[32], sb[32], r2[32];

    if (crypto_core_ed25519_is_valid_point(pk) == 1) {
        mul_subgroup(ha, hred, pk); /* the common case: A in the subgroup */
    } else {
        /* mixed order: A = A' + T (see the file comment) */
        static const uint8_t eight[32] = {8};
        uint8_t a8[32], inv8[32], ap[32], t[32], ht[32];
        if (crypto_core_ed25519_add(a8, pk, pk) != 0 || crypto_core_ed25519_add(a8, a8, a8) != 0 ||
            crypto_core_ed25519_add(a8, a8, a8) != 0 ||
            crypto_core_ed25519_scalar_invert(inv8, eight) != 0) {
            return FK_EIMG_SIG;
        }
        mul_subgroup(ap, inv8, a8);
        if (crypto_core_ed25519_sub(t, pk, ap) != 0) {
            return FK_EIMG_SIG;
        }
        mul_subgroup(ha, hred, ap);
        memcpy(ht, identity, 32);
        for (int i = 0; i < (hred[0] & 7); i++) { /* [h mod 8]T: T has order <= 8 */
            if (crypto_core_ed25519_add(ht, ht, t) != 0) {
                return FK_EIMG_SIG;
            }
        }
        if (crypto_core_ed25519_add(ha, ha, ht) != 0) {
            return FK_EIMG_SIG;
        }
    }
    /* [S]B; S = 0 gives the identity (libsodium refuses to return it) */
    if (crypto_scalarmult_ed25519_base_noclamp(sb, sig + 32) != 0) {
        memcpy(sb, identity, 32);
    }
    if (crypto_core_ed25519_sub(r2, sb, ha) != 0) {
        return FK_EIMG_SIG;
    }
    return sodium_memcmp(r2, sig, 32) == 0 ? FK_OK : FK_EIMG_SIG;
}

int fk_sig_ed25519_pure(const struct fk_key_view *k, const struct fk_img_src *src, uint32_t len,
                        const uint8_t *sig, size_t siglen)
{
    struct fk_img_hash st;
    uint8_t h[64], hred[32];
    int rc;

    if (siglen != 64) {
        return FK_EIMG_SIG_LEN;
    }
    rc = fk_ed25519_precheck(k->q, sig);
    if (rc != FK_OK) {
        return rc;
    }
    /* SHA-512(R || A || M), M streamed (BearSSL's SHA-512, as the image hash) */
    rc = fk_img_hash_init(&st, FK_TLV_SHA512);
    if (rc != FK_OK) {
        return rc;
    }
    fk_img_hash_update(&st, sig, 32);
    fk_img_hash_update(&st, k->q, 32);
    rc = fk_img_hash_stream(&st, src, len);
    if (rc != FK_OK) {
        return rc;
    }
    fk_img_hash_out(&st, h);
    crypto_core_ed25519_scalar_reduce(hred, h);
    return fk_ed25519_finish(k->q, sig, hred);
}
#endif /* FK_IMAGE_ED25519_PURE */

#else

int fk_sig_ed25519(const struct fk_key_view *k, const uint8_t *msg, size_t msglen,
                   const uint8_t *sig, size_t siglen)
{
    (void)k;
    (void)msg;
    (void)msglen;
    (void)sig;
    (void)siglen;
    return FK_EIMG_SIG_UNSUP;
}
#endif /* FK_IMAGE_ED25519 */

#ifndef FK_IMAGE_ED25519_PURE

int fk_sig_ed25519_pure(const struct fk_key_view *k, const struct fk_img_src *src, uint32_t len,
                        const uint8_t *sig, size_t siglen)
{
    (void)k;
    (void)src;
    (void)len;
    (void)sig;
    (void)siglen;
    return FK_EIMG_SIG_UNSUP;
}

#endif
