/*
 * Encrypted images, host side (OpenSSL), as imgtool makes them and MCUboot
 * reads them (docs/image.md, "Encrypted images"):
 *   the payload [hdr_size, hdr_size + img_size) is AES-CTR encrypted with a
 *   random 128- or 256-bit image key, counter block = 16-byte big-endian
 *   block index from 0 (nonce 0); header and TLVs stay clear;
 *   the image key travels in one unprotected TLV:
 *     ENC_EC256 (0x32):  ephemeral P-256 point (65) || HMAC (32) || key'
 *     ENC_X25519 (0x33): ephemeral X25519 key (32) || HMAC (32) || key'
 *     ENC_X25519_SHA512 (0x34): as 0x33 with HKDF/HMAC-SHA512 (HMAC 64)
 *       where shared = ECDH(ephemeral, device key),
 *       okm = HKDF(SHA-256, salt none, info "MCUBoot_ECIES_v1", shared,
 *                  keylen + hmac length), key' = AES-CTR(okm[0:keylen], 0)(key),
 *       HMAC = HMAC(okm[keylen:], key')
 *     ENC_RSA2048 (0x30): RSA-OAEP(SHA-256, MGF1-SHA256, no label)(key)
 *     ENC_KW (0x31):     RFC 3394 AES key wrap of key with a shared KEK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fotakit/host/image.h"
#include "host_priv.h"

static const char ecies_info[] = "MCUBoot_ECIES_v1";

const char *fk_enc_kind_name(enum fk_enc_kind kind)
{
    switch (kind) {
    case FK_ENC_EC256: return "ECIES-P256";
    case FK_ENC_X25519: return "ECIES-X25519";
    case FK_ENC_RSA2048: return "RSA-2048-OAEP";
    case FK_ENC_KW: return "AES-KW";
    default: return "none";
    }
}

enum fk_enc_kind fk_enc_kind_of_tlv(uint16_t tlv_type)
{
    switch (tlv_type) {
    case FK_TLV_ENC_EC256: return FK_ENC_EC256;
    case FK_TLV_ENC_X25519:
    case FK_TLV_ENC_X25519_SHA512: return FK_ENC_X25519;
    case FK_TLV_ENC_RSA2048: return FK_ENC_RSA2048;
    case FK_TLV_ENC_KW: return FK_ENC_KW;
    default: return FK_ENC_NONE;
    }
}

int fk_enc_key_load(const char *path, struct fk_enc_key *k, char *err, size_t errlen)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    int rc;

    memset(k, 0, sizeof *k);
    rc = fk_file_read(path, &raw, &len, err, errlen);
    if (rc != FK_OK) {
        return rc;
    }
    if (len >= 10 && memcmp(raw, "-----BEGIN", 10) == 0) {
        free(raw);
        rc = fk_host_key_load(path, &k->key, err, errlen);
        if (rc != FK_OK) {
            return rc;
        }
        k->is_private = k->key.is_private;
        switch (k->key.type) {
        case FK_KEY_ECDSA_P256: k->kind = FK_ENC_EC256; return FK_OK;
        case FK_KEY_X25519: k->kind = FK_ENC_X25519; return FK_OK;
        case FK_KEY_RSA2048: k->kind = FK_ENC_RSA2048; return FK_OK;
        default:
            fk_seterr(err, errlen, "%s: a %s key cannot encrypt MCUboot images; use an EC P-256, X25519 or "
                                   "RSA-2048 key (or a 16/32-byte AES key file for key wrap)",
                      path, fk_key_type_name(k->key.type));
            fk_host_key_free(&k->key);
            return FK_ENOTSUP;
        }
    }
    if (len != 16 && len != 32) {
        fk_seterr(err, errlen, "%s: neither a PEM key nor a raw AES key-encryption key (16 or 32 bytes; "
                               "this file has %zu)", path, len);
        free(raw);
        return FK_EINVAL;
    }
    memcpy(k->kek, raw, len);
    k->kek_len = len;
    k->kind = FK_ENC_KW;
    k->is_private = true; /* symmetric: the same key wraps and unwraps */
    free(raw);
    return FK_OK;
}

void fk_enc_key_free(struct fk_enc_key *k)
{
    if (k != NULL && k->kind != FK_ENC_KW && k->kind != FK_ENC_NONE) {
        fk_host_key_free(&k->key);
    }
}

int fk_aes_ctr(const uint8_t *key, size_t keylen, uint64_t off, uint8_t *data, size_t len)
{
    uint8_t iv[16] = {0}, skip[16];
    uint64_t blk = off / 16;
    int outl = 0, ok;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    for (int i = 0; i < 8; i++) {
        iv[15 - i] = (uint8_t)(blk >> (8 * i));
    }
    ok = c != NULL &&
         EVP_EncryptInit_ex(c, keylen == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(), NULL, key, iv) == 1;
    /* a start inside a block: run the keystream over the bytes before it */
    if (ok && off % 16) {
        ok = EVP_EncryptUpdate(c, skip, &outl, skip, (int)(off % 16)) == 1;
    }
    for (size_t done = 0; ok && done < len;) {
        int n = len - done > (1u << 30) ? (1 << 30) : (int)(len - done);
        ok = EVP_EncryptUpdate(c, data + done, &outl, data + done, n) == 1;
        done += (size_t)n;
    }
    EVP_CIPHER_CTX_free(c);
    return ok ? FK_OK : FK_EIO;
}

/* okm = HKDF(md, no salt, info "MCUBoot_ECIES_v1", shared) */
static int hkdf(const EVP_MD *md, const uint8_t *shared, size_t slen, uint8_t *okm, size_t olen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[4];
    int ok;
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)shared, slen);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)ecies_info, sizeof ecies_info - 1);
    p[3] = OSSL_PARAM_construct_end();
    ok = kc != NULL && EVP_KDF_derive(kc, okm, olen, p) == 1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return ok ? FK_OK : FK_EIO;
}

static int hmac(const EVP_MD *md, const uint8_t *key, size_t klen, const uint8_t *d, size_t dlen,
                uint8_t *out)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM p[2];
    size_t ol = 0;
    int ok;
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
    p[1] = OSSL_PARAM_construct_end();
    ok = mc != NULL && EVP_MAC_init(mc, key, klen, p) == 1 && EVP_MAC_update(mc, d, dlen) == 1 &&
         EVP_MAC_final(mc, out, &ol, 64) == 1;
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(mac);
    return ok ? FK_OK : FK_EIO;
}

/* ECDH shared secret between `priv` and `peer` (P-256: x coordinate; X25519). */
static int derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out, size_t *olen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(priv, NULL);
    int ok = c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
             EVP_PKEY_derive(c, out, olen) == 1;
    EVP_PKEY_CTX_free(c);
    return ok ? FK_OK : FK_EIO;
}

/* Public key object from raw bytes: P-256 uncompressed point or X25519. */
static EVP_PKEY *pub_from_raw(enum fk_enc_kind kind, const uint8_t *b, size_t n)
{
    if (kind == FK_ENC_X25519) {
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, b, n);
    }
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM p[3];
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)b, n);
    p[2] = OSSL_PARAM_construct_end();
    if (c == NULL || EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) != 1) {
        pk = NULL;
    }
    EVP_PKEY_CTX_free(c);
    return pk;
}

static int aes_kw(bool wrap, const uint8_t *kek, size_t keklen, const uint8_t *in, size_t inlen,
                  uint8_t *out, size_t *outlen)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *ci = keklen == 32 ? EVP_aes_256_wrap() : EVP_aes_128_wrap();
    int l1 = 0, l2 = 0, ok;
    if (c == NULL) {
        return FK_ENOMEM;
    }
    EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    ok = EVP_CipherInit_ex(c, ci, NULL, kek, NULL, wrap ? 1 : 0) == 1 &&
         EVP_CipherUpdate(c, out, &l1, in, (int)inlen) == 1 && EVP_CipherFinal_ex(c, out + l1, &l2) == 1;
    EVP_CIPHER_CTX_free(c);
    *outlen = (size_t)(l1 + l2);
    return ok ? FK_OK : FK_EIMG_ENC_KEY;
}

int fk_enc_wrap(const struct fk_enc_key *k, const uint8_t *plainkey, size_t keylen, unsigned hmac_sha,
                uint16_t *tlv_type, uint8_t *tlv, size_t cap, size_t *tlv_len, char *err, size_t errlen)
{
    int rc = FK_EIO;
    *tlv_len = 0;
    if (keylen != 16 && keylen != 32) {
        return FK_EINVAL;
    }
    if (hmac_sha == 512 && k->kind != FK_ENC_X25519) {
        fk_seterr(err, errlen, "--hmac-sha 512 is for ECIES-X25519 only (as in imgtool)");
        return FK_EINVAL;
    }
    if (k->kind == FK_ENC_RSA2048) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new((EVP_PKEY *)k->key.pkey, NULL);
        size_t ol = cap;
        int ok = c != NULL && EVP_PKEY_encrypt_init(c) == 1 &&
                 EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
                 EVP_PKEY_encrypt(c, tlv, &ol, plainkey, keylen) == 1;
        EVP_PKEY_CTX_free(c);
        if (!ok) {
            fk_seterr(err, errlen, "RSA-OAEP encryption of the image key failed");
            return FK_EIO;
        }
        *tlv_type = FK_TLV_ENC_RSA2048;
        *tlv_len = ol;
        return FK_OK;
    }
    if (k->kind == FK_ENC_KW) {
        if (cap < keylen + 8) {
            return FK_ENOMEM;
        }
        rc = aes_kw(true, k->kek, k->kek_len, plainkey, keylen, tlv, tlv_len);
        *tlv_type = FK_TLV_ENC_KW;
        if (rc != FK_OK) {
            fk_seterr(err, errlen, "AES key wrap of the image key failed");
        }
        return rc;
    }
    /* ECIES */
    {
        const EVP_MD *md = hmac_sha == 512 ? EVP_sha512() : EVP_sha256();
        size_t maclen = (size_t)EVP_MD_get_size(md);
        size_t publen = k->kind == FK_ENC_EC256 ? 65 : 32;
        EVP_PKEY *eph = k->kind == FK_ENC_EC256 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                                : EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
        uint8_t shared[32], okm[32 + 64], ck[32];
        size_t sl = sizeof shared, pl = 0;
        if (eph == NULL || cap < publen + maclen + keylen) {
            EVP_PKEY_free(eph);
            return FK_EIO;
        }
        rc = derive(eph, (EVP_PKEY *)k->key.pkey, shared, &sl);
        if (rc == FK_OK) {
            rc = hkdf(md, shared, sl, okm, keylen + maclen);
        }
        if (rc == FK_OK) {
            memcpy(ck, plainkey, keylen);
            rc = fk_aes_ctr(okm, keylen, 0, ck, keylen);
        }
        if (rc == FK_OK) {
            rc = hmac(md, okm + keylen, maclen, ck, keylen, tlv + publen);
        }
        if (rc == FK_OK) {
            if (k->kind == FK_ENC_EC256) {
                rc = EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, tlv, publen, &pl) == 1 &&
                             pl == publen ? FK_OK : FK_EIO;
            } else {
                pl = publen;
                rc = EVP_PKEY_get_raw_public_key(eph, tlv, &pl) == 1 ? FK_OK : FK_EIO;
            }
        }
        EVP_PKEY_free(eph);
        if (rc != FK_OK) {
            fk_seterr(err, errlen, "ECIES wrapping of the image key failed");
            return rc;
        }
        memcpy(tlv + publen + maclen, ck, keylen);
        *tlv_type = k->kind == FK_ENC_EC256 ? FK_TLV_ENC_EC256
                  : hmac_sha == 512         ? FK_TLV_ENC_X25519_SHA512
                                            : FK_TLV_ENC_X25519;
        *tlv_len = publen + maclen + keylen;
        return FK_OK;
    }
}

int fk_enc_unwrap(const struct fk_enc_key *k, uint16_t tlv_type, const uint8_t *tlv, size_t tlv_len,
                  size_t keylen, uint8_t *plainkey, char *err, size_t errlen)
{
    enum fk_enc_kind kind = fk_enc_kind_of_tlv(tlv_type);
    if (kind != k->kind) {
        fk_seterr(err, errlen, "the image's key TLV is %s (%s) but the given key is for %s",
                  fk_image_tlv_name(tlv_type), fk_enc_kind_name(kind), fk_enc_kind_name(k->kind));
        return FK_EIMG_ENC_KEY;
    }
    if (!k->is_private) {
        fk_seterr(err, errlen, "decrypting needs the private key; this is a public key");
        return FK_EINVAL;
    }
    if (kind == FK_ENC_RSA2048) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new((EVP_PKEY *)k->key.pkey, NULL);
        uint8_t out[256];
        size_t ol = sizeof out;
        int ok = c != NULL && EVP_PKEY_decrypt_init(c) == 1 &&
                 EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
                 EVP_PKEY_decrypt(c, out, &ol, tlv, tlv_len) == 1 && ol == keylen;
        EVP_PKEY_CTX_free(c);
        ERR_clear_error();
        if (!ok) {
            fk_seterr(err, errlen, "ENC_RSA2048: RSA-OAEP decryption failed: the image key was not "
                                   "encrypted for this key");
            return FK_EIMG_ENC_KEY;
        }
        memcpy(plainkey, out, keylen);
        return FK_OK;
    }
    if (kind == FK_ENC_KW) {
        uint8_t out[40];
        size_t ol = 0;
        if (tlv_len != keylen + 8 || aes_kw(false, k->kek, k->kek_len, tlv, tlv_len, out, &ol) != FK_OK ||
            ol != keylen) {
            ERR_clear_error();
            fk_seterr(err, errlen, "ENC_KW: the key unwrap's integrity check failed: wrong key-encryption key");
            return FK_EIMG_ENC_KEY;
        }
        memcpy(plainkey, out, keylen);
        return FK_OK;
    }
    {
        const EVP_MD *md = tlv_type == FK_TLV_ENC_X25519_SHA512 ? EVP_sha512() : EVP_sha256();
        size_t maclen = (size_t)EVP_MD_get_size(md);
        size_t publen = kind == FK_ENC_EC256 ? 65 : 32;
        uint8_t shared[32], okm[32 + 64], mac[64];
        size_t sl = sizeof shared;
        EVP_PKEY *eph;
        int rc;
        if (tlv_len != publen + maclen + keylen) {
            fk_seterr(err, errlen, "%s TLV is %zu bytes; expected %zu for a %zu-bit image key",
                      fk_image_tlv_name(tlv_type), tlv_len, publen + maclen + keylen, keylen * 8);
            return FK_EIMG_TLV_LEN;
        }
        eph = pub_from_raw(kind, tlv, publen);
        if (eph == NULL) {
            ERR_clear_error();
            fk_seterr(err, errlen, "%s: the ephemeral public key is not a valid point", fk_image_tlv_name(tlv_type));
            return FK_EIMG_ENC_KEY;
        }
        rc = derive((EVP_PKEY *)k->key.pkey, eph, shared, &sl);
        EVP_PKEY_free(eph);
        if (rc == FK_OK) {
            rc = hkdf(md, shared, sl, okm, keylen + maclen);
        }
        if (rc == FK_OK) {
            rc = hmac(md, okm + keylen, maclen, tlv + publen + maclen, keylen, mac);
        }
        if (rc != FK_OK) {
            ERR_clear_error();
            fk_seterr(err, errlen, "%s: key agreement failed", fk_image_tlv_name(tlv_type));
            return FK_EIMG_ENC_KEY;
        }
        if (CRYPTO_memcmp(mac, tlv + publen, maclen) != 0) {
            fk_seterr(err, errlen, "%s: HMAC mismatch: the image key was not encrypted for this key",
                      fk_image_tlv_name(tlv_type));
            return FK_EIMG_ENC_KEY;
        }
        memcpy(plainkey, tlv + publen + maclen, keylen);
        return fk_aes_ctr(okm, keylen, 0, plainkey, keylen);
    }
}

int fk_image_decrypt_buf(const uint8_t *img, size_t len, const struct fk_enc_key *k, uint8_t **out,
                         char *err, size_t errlen)
{
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    struct fk_image_info info;
    struct fk_image_tlv_iter it;
    struct fk_image_tlv t;
    uint16_t enc_type = 0;
    uint32_t enc_off = 0, enc_len = 0;
    uint8_t key[32];
    size_t keylen;
    int rc;

    *out = NULL;
    if (len > UINT32_MAX) {
        return FK_EINVAL;
    }
    fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
    rc = fk_image_inspect(&fa, 0, &info);
    if (rc == FK_OK || rc == FK_EIMG_HASH_UNSUP) {
        rc = fk_image_tlv_begin(&it, &fa, 0, &info.hdr);
    }
    if (rc != FK_OK) {
        fk_seterr(err, errlen, "not a well-formed image: %s", fk_err_str(rc));
        return rc;
    }
    if (!(info.hdr.flags & (FK_IMAGE_F_ENCRYPTED_AES128 | FK_IMAGE_F_ENCRYPTED_AES256))) {
        fk_seterr(err, errlen, "the image is not encrypted (no ENCRYPTED_AES128/256 flag)");
        return FK_EINVAL;
    }
    keylen = (info.hdr.flags & FK_IMAGE_F_ENCRYPTED_AES256) ? 32 : 16;
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (fk_enc_kind_of_tlv(t.type) != FK_ENC_NONE) {
            if (enc_type != 0) {
                fk_seterr(err, errlen, "the image has more than one encryption key TLV");
                return FK_EIMG_ENC_KEY;
            }
            enc_type = t.type;
            enc_off = t.off;
            enc_len = t.len;
        }
    }
    if (rc < 0) {
        return rc;
    }
    if (enc_type == 0) {
        fk_seterr(err, errlen, "the image is flagged encrypted but has no ENC_* key TLV");
        return FK_EIMG_ENC_KEY;
    }
    rc = fk_enc_unwrap(k, enc_type, img + enc_off, enc_len, keylen, key, err, errlen);
    if (rc != FK_OK) {
        return rc;
    }
    *out = malloc(len ? len : 1);
    if (*out == NULL) {
        return FK_ENOMEM;
    }
    memcpy(*out, img, len);
    rc = fk_aes_ctr(key, keylen, 0, *out + info.hdr.hdr_size, info.hdr.img_size);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != FK_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}
