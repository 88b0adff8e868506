/*
 * RSA-2048 PSS (TLV 0x20) as MCUboot checks it: s^e mod n with BearSSL's
 * public operation, then EMSA-PSS-VERIFY (RFC 8017 9.1.2) written here
 * because BearSSL 0.6 has no PSS: SHA-256, MGF1-SHA256, salt length 32,
 * emBits = 2047 so emLen = 256. Built when FK_IMAGE_RSA is defined.
 */
#include <string.h>

#include "image_priv.h"

#ifdef FK_IMAGE_RSA
#include <bearssl.h>

#define EM_LEN 256u
#define H_LEN 32u
#define S_LEN 32u
#define DB_LEN (EM_LEN - H_LEN - 1u) /* 223 */

/* XOR MGF1-SHA256(seed) into db[0..len). */
static void mgf1_xor(uint8_t *db, size_t len, const uint8_t seed[H_LEN])
{
    br_sha256_context c;
    uint8_t mask[H_LEN];
    uint8_t ctr[4] = {0, 0, 0, 0};
    for (size_t done = 0; done < len; done += H_LEN) {
        br_sha256_init(&c);
        br_sha256_update(&c, seed, H_LEN);
        br_sha256_update(&c, ctr, 4);
        br_sha256_out(&c, mask);
        for (size_t i = 0; i < H_LEN && done + i < len; i++) {
            db[done + i] ^= mask[i];
        }
        ctr[3]++; /* len <= 223: at most 7 blocks, one counter byte suffices */
    }
}

int fk_sig_rsa2048_pss(const struct fk_key_view *k, const uint8_t hash[32], const uint8_t *sig,
                       size_t siglen)
{
    uint8_t em[EM_LEN];
    br_rsa_public_key pk;
    br_sha256_context c;
    uint8_t h2[H_LEN];
    static const uint8_t zeros[8] = {0};
    uint8_t diff = 0;

    if (siglen != EM_LEN || k->nlen != EM_LEN) {
        return FK_EIMG_SIG_LEN;
    }
    memcpy(em, sig, EM_LEN);
    pk.n = (unsigned char *)(uintptr_t)k->n;
    pk.nlen = k->nlen;
    pk.e = (unsigned char *)(uintptr_t)k->e;
    pk.elen = k->elen;
    /* Fails if the signature, as an integer, is not below n. */
    if (br_rsa_i31_public(em, EM_LEN, &pk) != 1) {
        return FK_EIMG_SIG;
    }
    /* emBits = 2047: the encoded message is 256 bytes whose top bit is 0.
     * (The RSA output is 256 bytes; its first byte carries bit 2047.) */
    if (em[EM_LEN - 1] != 0xbc || (em[0] & 0x80) != 0) {
        return FK_EIMG_SIG;
    }
    /* maskedDB = em[0..223), H = em[223..255) */
    mgf1_xor(em, DB_LEN, em + DB_LEN);
    em[0] &= 0x7f;
    /* DB = PS (zeros) || 0x01 || salt: PS is DB_LEN - S_LEN - 1 = 190 bytes */
    for (size_t i = 0; i < DB_LEN - S_LEN - 1; i++) {
        diff |= em[i];
    }
    diff |= (uint8_t)(em[DB_LEN - S_LEN - 1] ^ 0x01);
    if (diff != 0) {
        return FK_EIMG_SIG;
    }
    /* H' = SHA-256(8 zero bytes || mHash || salt) */
    br_sha256_init(&c);
    br_sha256_update(&c, zeros, sizeof zeros);
    br_sha256_update(&c, hash, H_LEN);
    br_sha256_update(&c, em + DB_LEN - S_LEN, S_LEN);
    br_sha256_out(&c, h2);
    for (size_t i = 0; i < H_LEN; i++) {
        diff |= (uint8_t)(h2[i] ^ em[DB_LEN + i]);
    }
    return diff == 0 ? FK_OK : FK_EIMG_SIG;
}

#else

int fk_sig_rsa2048_pss(const struct fk_key_view *k, const uint8_t hash[32], const uint8_t *sig,
                       size_t siglen)
{
    (void)k;
    (void)hash;
    (void)sig;
    (void)siglen;
    return FK_EIMG_SIG_UNSUP;
}

#endif
