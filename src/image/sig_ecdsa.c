/*
 * ECDSA over the image digest, DER signature (TLV 0x22), with BearSSL: no
 * heap, no RNG.
 *  - P-256 (SHA-256): br_ec_p256_m31 by default (fast on Cortex-M3/M4 with
 *    a 32x32->64 multiplier). CMake FOTAKIT_P256 chooses: m31 (default),
 *    m15 (-DFK_IMAGE_ECDSA_I15: i15/m15 code for cores without a 32x32->64
 *    multiplier) or i31 (-DFK_IMAGE_ECDSA_GENERIC: BearSSL's generic
 *    br_ec_prime_i31, the smallest and slowest);
 *  - P-384 (SHA-384): br_ec_prime_i31, built when FK_IMAGE_P384 is defined
 *    (host always, device option FOTAKIT_DEVICE_P384).
 */
#include <bearssl.h>

#include "image_priv.h"

int fk_sig_ecdsa(const struct fk_key_view *k, const uint8_t *hash, size_t hlen, const uint8_t *sig,
                 size_t siglen)
{
    br_ec_public_key pk;
    uint32_t ok;
    size_t maxlen = k->type == FK_KEY_ECDSA_P384 ? 104 : 72;

    if (siglen < 8 || siglen > maxlen) {
        return FK_EIMG_SIG_LEN;
    }
    /* imgtool --pad-sig pads the DER to 72 (P-256) / 103 (P-384) bytes with
     * zeros: verify the DER SEQUENCE itself (BearSSL wants its exact length). */
    if (sig[0] == 0x30 && sig[1] < 0x80 && (size_t)sig[1] + 2 < siglen) {
        for (size_t i = (size_t)sig[1] + 2; i < siglen; i++) {
            if (sig[i] != 0) {
                return FK_EIMG_SIG;
            }
        }
        siglen = (size_t)sig[1] + 2;
    }
    pk.q = (unsigned char *)(uintptr_t)k->q; /* BearSSL does not write it */
    pk.qlen = k->qlen;
    if (k->type == FK_KEY_ECDSA_P384) {
#ifdef FK_IMAGE_P384
        pk.curve = BR_EC_secp384r1;
        ok = br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, hash, hlen, &pk, sig, siglen);
        return ok == 1 ? FK_OK : FK_EIMG_SIG;
#else
        (void)hash;
        (void)hlen;
        return FK_EIMG_SIG_UNSUP;
#endif
    }
    pk.curve = BR_EC_secp256r1;
#if defined(FK_IMAGE_ECDSA_I15)
    ok = br_ecdsa_i15_vrfy_asn1(&br_ec_p256_m15, hash, hlen, &pk, sig, siglen);
#elif defined(FK_IMAGE_ECDSA_GENERIC)
    ok = br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, hash, hlen, &pk, sig, siglen);
#else
    ok = br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, hash, hlen, &pk, sig, siglen);
#endif
    return ok == 1 ? FK_OK : FK_EIMG_SIG;
}
