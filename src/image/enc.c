/*
 * Device decryption of MCUboot encrypted images, BearSSL only, no heap
 * (FK_IMAGE_ENC). The scheme (docs/image.md, "Encrypted images"):
 *   ENC_EC256 / ENC_X25519: TLV = ephemeral public key || HMAC || key';
 *     shared = ECDH(device key, ephemeral) (P-256: x coordinate; X25519),
 *     okm = HKDF(SHA-256 (SHA-512 for ENC_X25519_SHA512), no salt,
 *                "MCUBoot_ECIES_v1", shared), keylen + hash length bytes;
 *     check HMAC(okm[keylen:], key') in constant time, then
 *     key = AES-CTR(okm[:keylen], counter 0)(key');
 *   ENC_RSA2048: key = RSA-OAEP-SHA256 decryption (BearSSL i31);
 *   ENC_KW: key = RFC 3394 unwrap with the built-in KEK (written here: BearSSL
 *     0.6 has AES but no key wrap).
 * The payload is AES-CTR with the 16-byte big-endian block number as the
 * counter block; BearSSL's CTR takes a 12-byte IV and a 32-bit block
 * counter, which is the same for payloads below 64 GiB (IV all zero).
 */
#include <string.h>

#include "fotakit/image_enc.h"
#include "image_priv.h"

void fk_image_cipher_init(struct fk_image_cipher *c, const uint8_t *key, size_t keylen)
{
    br_aes_ct_ctr_init(&c->k, key, keylen);
}

void fk_image_cipher_run(const struct fk_image_cipher *c, uint32_t pos, uint8_t *data, size_t len)
{
    static const uint8_t iv[12] = {0};
    uint32_t skip = pos % 16;
    if (len == 0) {
        return;
    }
    if (skip != 0) {
        /* a start inside a block: make that block's keystream on the side */
        uint8_t blk[16] = {0};
        size_t n = 16 - skip < len ? 16 - skip : len;
        memcpy(blk + skip, data, n);
        br_aes_ct_ctr_run(&c->k, iv, pos / 16, blk, 16);
        memcpy(data, blk + skip, n);
        data += n;
        len -= n;
        pos += (uint32_t)n;
    }
    if (len != 0) {
        br_aes_ct_ctr_run(&c->k, iv, pos / 16, data, len);
    }
}

/* One AES block decryption: CBC decryption of one block with a zero IV. */
static void aes_block_dec(const br_aes_ct_cbcdec_keys *k, uint8_t b[16])
{
    uint8_t iv[16] = {0};
    br_aes_ct_cbcdec_run(k, iv, b, 16);
}

int fk_aes_key_unwrap(const uint8_t *kek, size_t keklen, const uint8_t *in, size_t inlen, uint8_t *out)
{
    br_aes_ct_cbcdec_keys k;
    uint8_t a[8], b[16];
    size_t n;
    uint8_t diff = 0;

    if (inlen % 8 != 0 || inlen < 24 || (keklen != 16 && keklen != 24 && keklen != 32)) {
        return FK_EIMG_ENC_KEY;
    }
    n = inlen / 8 - 1;
    br_aes_ct_cbcdec_init(&k, kek, keklen);
    memcpy(a, in, 8);
    memmove(out, in + 8, n * 8);
    for (int j = 5; j >= 0; j--) {
        for (size_t i = n; i >= 1; i--) {
            uint64_t t = (uint64_t)n * (uint64_t)j + i;
            for (int x = 0; x < 8; x++) {
                a[7 - x] ^= (uint8_t)(t >> (8 * x));
            }
            memcpy(b, a, 8);
            memcpy(b + 8, out + (i - 1) * 8, 8);
            aes_block_dec(&k, b);
            memcpy(a, b, 8);
            memcpy(out + (i - 1) * 8, b + 8, 8);
        }
    }
    for (int x = 0; x < 8; x++) {
        diff |= (uint8_t)(a[x] ^ 0xa6);
    }
    memset(b, 0, sizeof b);
    if (diff != 0) {
        memset(out, 0, n * 8);
        return FK_EIMG_ENC_KEY;
    }
    return FK_OK;
}

#ifdef FK_IMAGE_ENC

/* The 32-byte private scalar of an EC P-256 key: PKCS#8 PrivateKeyInfo
 * wrapping an ECPrivateKey, or a bare ECPrivateKey (RFC 5915). */
static bool ec_priv(const uint8_t *der, size_t len, const uint8_t **x)
{
    const uint8_t *p = der, *end = der + len, *v;
    size_t l, vl;
    if (!fk_der_hdr(&p, end, 0x30, &l)) {
        return false;
    }
    end = p + l;
    if (!fk_der_uint(&p, end, &v, &vl)) {
        return false;
    }
    if (vl == 1 && v[0] == 0) { /* PKCS#8: version 0, AlgorithmIdentifier, OCTET STRING */
        if (!fk_der_hdr(&p, end, 0x30, &l)) {
            return false;
        }
        p += l;
        if (!fk_der_hdr(&p, end, 0x04, &l) || !fk_der_hdr(&p, p + l, 0x30, &l) ||
            !fk_der_uint(&p, p + l, &v, &vl)) {
            return false;
        }
    }
    if (vl != 1 || v[0] != 1 || !fk_der_hdr(&p, end, 0x04, &l) || l != 32) { /* ECPrivateKey v1 */
        return false;
    }
    *x = p;
    return true;
}

/* X25519 PKCS#8: SEQ { 0, SEQ { 1.3.101.110 }, OCTET STRING { OCTET STRING (32) } } */
static bool x25519_priv(const uint8_t *der, size_t len, const uint8_t **x)
{
    static const uint8_t prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                       0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20};
    if (len != 48 || memcmp(der, prefix, sizeof prefix) != 0) {
        return false;
    }
    *x = der + 16;
    return true;
}

/* PKCS#1 RSAPrivateKey: version, n, e, d, p, q, dp, dq, qinv. */
static bool rsa_priv(const uint8_t *der, size_t len, br_rsa_private_key *sk)
{
    const uint8_t *p = der, *end = der + len, *v[9];
    size_t l, vl[9];
    if (!fk_der_hdr(&p, end, 0x30, &l) || p + l != end) {
        return false;
    }
    for (int i = 0; i < 9; i++) {
        if (!fk_der_uint(&p, end, &v[i], &vl[i])) {
            return false;
        }
    }
    if (vl[0] != 1 || v[0][0] != 0 || vl[1] != 256 || !(v[1][0] & 0x80)) {
        return false; /* two-prime RSA-2048 */
    }
    sk->n_bitlen = 2048;
    sk->p = (unsigned char *)(uintptr_t)v[4];
    sk->plen = vl[4];
    sk->q = (unsigned char *)(uintptr_t)v[5];
    sk->qlen = vl[5];
    sk->dp = (unsigned char *)(uintptr_t)v[6];
    sk->dplen = vl[6];
    sk->dq = (unsigned char *)(uintptr_t)v[7];
    sk->dqlen = vl[7];
    sk->iq = (unsigned char *)(uintptr_t)v[8];
    sk->iqlen = vl[8];
    return true;
}

static const char ecies_info[] = "MCUBoot_ECIES_v1";

/* ECIES: tlv = pub (publen) || mac (maclen) || key' (keylen). */
static int ecies_unwrap(const struct fk_image_enc_key *key, bool sha512, uint8_t *tlv, size_t tlvlen,
                        size_t keylen, uint8_t *out)
{
    const br_hash_class *h = &br_sha256_vtable;
    size_t publen = key->tlv_type == FK_TLV_ENC_EC256 ? 65 : 32;
    size_t maclen = 32;
    uint8_t okm[32 + 64], mac[64];
    const uint8_t *x;
    br_hkdf_context hk;
    br_hmac_key_context hkc;
    br_hmac_context hc;
    struct fk_image_cipher c;
    uint8_t diff = 0;
    uint32_t ok;

#ifdef FK_IMAGE_SHA512
    if (sha512) {
        h = &br_sha512_vtable;
        maclen = 64;
    }
#else
    if (sha512) {
        return FK_EIMG_ENC_UNSUP;
    }
#endif
    if (tlvlen != publen + maclen + keylen) {
        return FK_EIMG_TLV_LEN;
    }
    /* shared secret, computed in place over the ephemeral public key:
     * P-256 leaves the point (its x coordinate at byte 1), X25519 the u */
    if (key->tlv_type == FK_TLV_ENC_EC256) {
        if (!ec_priv(key->der, key->der_len, &x)) {
            return FK_EIMG_KEY;
        }
        ok = br_ec_p256_m31.mul(tlv, 65, x, 32, BR_EC_secp256r1);
    } else {
        if (!x25519_priv(key->der, key->der_len, &x)) {
            return FK_EIMG_KEY;
        }
        ok = br_ec_c25519_m31.mul(tlv, 32, x, 32, BR_EC_curve25519);
    }
    if (ok != 1) {
        return FK_EIMG_ENC_KEY;
    }
    br_hkdf_init(&hk, h, BR_HKDF_NO_SALT, 0);
    br_hkdf_inject(&hk, key->tlv_type == FK_TLV_ENC_EC256 ? tlv + 1 : tlv, 32);
    br_hkdf_flip(&hk);
    br_hkdf_produce(&hk, ecies_info, sizeof ecies_info - 1, okm, keylen + maclen);
    br_hmac_key_init(&hkc, h, okm + keylen, maclen);
    br_hmac_init(&hc, &hkc, 0);
    br_hmac_update(&hc, tlv + publen + maclen, keylen);
    br_hmac_out(&hc, mac);
    for (size_t i = 0; i < maclen; i++) {
        diff |= (uint8_t)(mac[i] ^ tlv[publen + i]);
    }
    if (diff != 0) {
        memset(okm, 0, sizeof okm);
        return FK_EIMG_ENC_KEY;
    }
    memcpy(out, tlv + publen + maclen, keylen);
    fk_image_cipher_init(&c, okm, keylen);
    fk_image_cipher_run(&c, 0, out, keylen);
    memset(okm, 0, sizeof okm);
    memset(&c, 0, sizeof c);
    return FK_OK;
}

static int unwrap_tlv(const struct fk_image_enc_key *key, uint16_t type, uint8_t *tlv, size_t len,
                      size_t keylen, uint8_t *out)
{
    switch (type) {
    case FK_TLV_ENC_EC256:
    case FK_TLV_ENC_X25519:
    case FK_TLV_ENC_X25519_SHA512:
        return ecies_unwrap(key, type == FK_TLV_ENC_X25519_SHA512, tlv, len, keylen, out);
    case FK_TLV_ENC_RSA2048: {
        br_rsa_private_key sk;
        size_t l = len;
        if (!rsa_priv(key->der, key->der_len, &sk)) {
            return FK_EIMG_KEY;
        }
        if (len != 256) {
            return FK_EIMG_TLV_LEN;
        }
        if (br_rsa_i31_oaep_decrypt(&br_sha256_vtable, NULL, 0, &sk, tlv, &l) != 1 || l != keylen) {
            return FK_EIMG_ENC_KEY;
        }
        memcpy(out, tlv, keylen);
        return FK_OK;
    }
    case FK_TLV_ENC_KW:
        if (key->der_len != 16 && key->der_len != 32) {
            return FK_EIMG_KEY;
        }
        if (len != keylen + 8) {
            return FK_EIMG_TLV_LEN;
        }
        return fk_aes_key_unwrap(key->der, key->der_len, tlv, len, out);
    default:
        return FK_EIMG_ENC_KEY;
    }
}

/* Whether an ENC TLV of `type` is for a key of `key_type`. */
static bool opens(uint16_t key_type, uint16_t type)
{
    if (key_type == FK_TLV_ENC_X25519) {
        return type == FK_TLV_ENC_X25519 || type == FK_TLV_ENC_X25519_SHA512;
    }
    return key_type == type;
}

int fk_image_enc_unwrap(const struct fk_flash_area *fa, uint32_t off, const struct fk_image_header *hdr,
                        const struct fk_image_enc_key *key, uint8_t key_out[32], size_t *keylen)
{
    struct fk_image_tlv_iter it;
    struct fk_image_tlv t, found = {0};
    uint8_t tlv[256];
    int rc, n = 0;

    if (key == NULL) {
        return FK_EIMG_ENCRYPTED;
    }
    *keylen = (hdr->flags & FK_IMAGE_F_ENCRYPTED_AES256) ? 32 : 16;
    rc = fk_image_tlv_begin(&it, fa, off, hdr);
    if (rc != FK_OK) {
        return rc;
    }
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (!t.prot && opens(key->tlv_type, t.type)) {
            found = t;
            n++;
        }
    }
    if (rc < 0) {
        return rc;
    }
    if (n != 1) {
        return FK_EIMG_ENC_KEY; /* none for this key's kind, or ambiguous */
    }
    if (found.len > sizeof tlv) {
        return FK_EIMG_TLV_LEN;
    }
    rc = fk_flash_read(fa, off + found.off, tlv, found.len);
    if (rc != FK_OK) {
        return rc;
    }
    rc = unwrap_tlv(key, found.type, tlv, found.len, *keylen, key_out);
    memset(tlv, 0, sizeof tlv);
    return rc;
}

#else /* !FK_IMAGE_ENC */

int fk_image_enc_unwrap(const struct fk_flash_area *fa, uint32_t off, const struct fk_image_header *hdr,
                        const struct fk_image_enc_key *key, uint8_t key_out[32], size_t *keylen)
{
    (void)fa;
    (void)off;
    (void)hdr;
    (void)key_out;
    *keylen = 0;
    return key == NULL ? FK_EIMG_ENCRYPTED : FK_EIMG_ENC_UNSUP;
}

#endif
