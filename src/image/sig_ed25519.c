/*
 * Ed25519 with libsodium (FK_IMAGE_ED25519: always on the host, a build
 * option on the device; the pure form also needs FK_IMAGE_ED25519_PURE, a
 * second device option, because it uses more of libsodium: crypto_core_ed25519
 * and crypto_scalarmult_ed25519). Two forms, as MCUboot has them:
 *  - TLV 0x24 alone: the message is the 32-byte SHA-256 digest;
 *  - with SIG_PURE (0x25): the message is the whole hash region. The verifier
 *    never holds the image in RAM, so this is RFC 8032 verification spelt
 *    out with a streamed SHA-512: k = SHA-512(R || A || M) mod L, accept iff
 *    S < L and encode([S]B - [k]A) == R (the same equation and the same
 *    canonical-encoding check as crypto_sign_verify_detached).
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

int fk_sig_ed25519_pure(const struct fk_key_view *k, const struct fk_flash_area *fa, uint32_t off,
                        uint32_t len, const uint8_t *sig, size_t siglen)
{
    crypto_hash_sha512_state st;
    uint8_t buf[FK_IMAGE_CHUNK];
    uint8_t h[64], kred[32], sb[32], ka[32], r2[32];
    int rc;

    if (siglen != 64) {
        return FK_EIMG_SIG_LEN;
    }
    if (!scalar_canonical(sig + 32) || crypto_core_ed25519_is_valid_point(k->q) != 1) {
        return FK_EIMG_SIG;
    }
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig, 32);
    crypto_hash_sha512_update(&st, k->q, 32);
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < sizeof buf ? len - done : (uint32_t)sizeof buf;
        rc = fk_flash_read(fa, off + done, buf, n);
        if (rc != FK_OK) {
            return rc;
        }
        crypto_hash_sha512_update(&st, buf, n);
        done += n;
    }
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(kred, h);
    /* [S]B and [k]A; both calls refuse the identity as a result */
    if (crypto_scalarmult_ed25519_base_noclamp(sb, sig + 32) != 0 ||
        crypto_scalarmult_ed25519_noclamp(ka, kred, k->q) != 0 ||
        crypto_core_ed25519_sub(r2, sb, ka) != 0) {
        return FK_EIMG_SIG;
    }
    return sodium_memcmp(r2, sig, 32) == 0 ? FK_OK : FK_EIMG_SIG;
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

int fk_sig_ed25519_pure(const struct fk_key_view *k, const struct fk_flash_area *fa, uint32_t off,
                        uint32_t len, const uint8_t *sig, size_t siglen)
{
    (void)k;
    (void)fa;
    (void)off;
    (void)len;
    (void)sig;
    (void)siglen;
    return FK_EIMG_SIG_UNSUP;
}

#endif
