/*
 * fk_image_verify: the device verifier. Streams the image from a flash area
 * in FK_IMAGE_CHUNK-byte pieces; no heap; bounded stack (the largest buffer
 * is one RSA signature, 256 bytes).
 *
 * Encrypted images (flag ENCRYPTED_AES128/256) are hashed and their pure
 * Ed25519 signature checked over the plaintext: the image key is unwrapped
 * with keys->enc and the payload decrypted chunk by chunk as it is read
 * (never written anywhere), unless keys->enc_plaintext says the bytes here
 * are already plaintext.
 *
 * Order of checks (each failure returns its own reason code):
 *  1. structure (fk_image_scan): header, TLV areas and every TLV's bounds,
 *     lengths of interpreted TLVs, exactly one hash TLV (SHA256, SHA384 or
 *     SHA512; one this build cannot compute is FK_EIMG_HASH_UNSUP);
 *  2. the digest of the hash region equals the hash TLV (a signature is
 *     never accepted on its own: it signs the digest, not the flash);
 *  3. signatures, in TLV order. A KEYHASH or PUBKEY TLV selects the key for
 *     the signature TLV that follows it. Signatures whose key is not in the
 *     ring are skipped (they cannot be checked). Every signature whose key IS
 *     in the ring must verify: an invalid one rejects the image even when
 *     another signature is valid (stricter than MCUboot, which accepts on
 *     any valid one).
 *  4. policy: at least one valid signature by a ring key, unless the ring
 *     allows hash-only images;
 *  5. a compressed image (LZMA flags) is refused with FK_EIMG_COMPRESSED after
 *     all of the above, so `info` says whether it was otherwise valid.
 * KEYHASH is the image's hash algorithm over the key (imgtool's rule), so its
 * length equals the hash TLV's. Signature and hash must agree: ECDSA P-256
 * with SHA-256 (or SHA-512, as imgtool's verify allows), P-384 with SHA-384,
 * RSA with SHA-256, Ed25519 with SHA-256 or SHA-512, pure Ed25519 with
 * SHA-512 only (imgtool forces it).
 */
#include <string.h>

#include "fotakit/image_enc.h"
#include "image_priv.h"

#define KEY_NONE (-1)    /* no KEYHASH/PUBKEY seen since the last signature */
#define KEY_UNKNOWN (-2) /* a key TLV named a key that is not in the ring */

bool fk_image_sig_supported(uint16_t tlv_type)
{
    switch (tlv_type) {
    case FK_TLV_ECDSA_SIG:
        return true;
    case FK_TLV_ED25519:
#ifdef FK_IMAGE_ED25519
        return true;
#else
        return false;
#endif
    case FK_TLV_SIG_PURE:
#ifdef FK_IMAGE_ED25519_PURE
        return true;
#else
        return false;
#endif
    case FK_TLV_RSA2048_PSS:
#ifdef FK_IMAGE_RSA
        return true;
#else
        return false;
#endif
    default:
        return false;
    }
}

static bool is_sig_tlv(uint16_t type)
{
    return type == FK_TLV_ECDSA_SIG || type == FK_TLV_ED25519 || type == FK_TLV_RSA2048_PSS ||
           type == 0x21 /* ECDSA224 */ || type == 0x23 /* RSA3072 */;
}

/* Index of the ring key whose digest (the image's hash algorithm) equals the
 * KEYHASH value, or KEY_UNKNOWN. */
static int find_keyhash(const struct fk_image_keyring *ring, uint16_t hash_type, const uint8_t *want,
                        size_t len)
{
    uint8_t h[FK_IMAGE_HASH_MAX];
    struct fk_img_hash c;
    for (size_t i = 0; ring != NULL && i < ring->count; i++) {
        if (ring->keys[i].der == NULL || fk_img_hash_init(&c, hash_type) != FK_OK) {
            continue;
        }
        fk_img_hash_update(&c, ring->keys[i].der, ring->keys[i].der_len);
        fk_img_hash_out(&c, h);
        if (memcmp(h, want, len) == 0) {
            return (int)i;
        }
    }
    return KEY_UNKNOWN;
}

/* Index of the ring key whose bytes equal the PUBKEY TLV value (streamed
 * compare, chunk by chunk), or KEY_UNKNOWN; <-2 values are I/O errors. */
static int find_pubkey(const struct fk_image_keyring *ring, const struct fk_flash_area *fa,
                       uint32_t off, uint16_t len, int *err)
{
    uint8_t buf[FK_IMAGE_CHUNK];
    *err = FK_OK;
    for (size_t i = 0; ring != NULL && i < ring->count; i++) {
        bool same = ring->keys[i].der != NULL && ring->keys[i].der_len == len;
        for (uint32_t done = 0; same && done < len;) {
            uint32_t n = len - done < sizeof buf ? len - done : (uint32_t)sizeof buf;
            int rc = fk_flash_read(fa, off + done, buf, n);
            if (rc != FK_OK) {
                *err = rc;
                return KEY_UNKNOWN;
            }
            same = memcmp(buf, ring->keys[i].der + done, n) == 0;
            done += n;
        }
        if (same) {
            return (int)i;
        }
    }
    return KEY_UNKNOWN;
}

/* Whether a signature TLV of `type` by a key of `kt` over a digest of
 * `hash_type` (pure: over the hash region) is a combination MCUboot has. */
static bool sig_matches(uint16_t type, enum fk_key_type kt, uint16_t hash_type, bool pure)
{
    if (pure) {
        return type == FK_TLV_ED25519 && kt == FK_KEY_ED25519 && hash_type == FK_TLV_SHA512;
    }
    switch (type) {
    case FK_TLV_ECDSA_SIG:
        return (kt == FK_KEY_ECDSA_P256 && (hash_type == FK_TLV_SHA256 || hash_type == FK_TLV_SHA512)) ||
               (kt == FK_KEY_ECDSA_P384 && hash_type == FK_TLV_SHA384);
    case FK_TLV_ED25519:
        return kt == FK_KEY_ED25519 && (hash_type == FK_TLV_SHA256 || hash_type == FK_TLV_SHA512);
    case FK_TLV_RSA2048_PSS:
        return kt == FK_KEY_RSA2048 && hash_type == FK_TLV_SHA256;
    default:
        return false;
    }
}

int fk_image_verify(const struct fk_flash_area *fa, uint32_t off, const struct fk_image_keyring *keys,
                    struct fk_image_info *info)
{
    struct fk_image_info tmp;
    struct fk_image_tlv_iter it;
    struct fk_image_tlv t;
    uint8_t digest[FK_IMAGE_HASH_MAX];
    uint8_t sig[256];
    struct fk_img_src src = {0};
    struct fk_image_cipher cipher;
    uint32_t hashed_len;
    int key = KEY_NONE;
    bool pure = false, saw_sig = false;
    int rc;

    if (fa == NULL) {
        return FK_EINVAL;
    }
    if (info == NULL) {
        info = &tmp;
    }
    rc = fk_image_scan(fa, off, info);
    if (rc != FK_OK) {
        return rc;
    }
    if (!fk_image_hash_supported(info->hash_type)) {
        info->bad_off = info->hash_tlv_off;
        return FK_EIMG_HASH_UNSUP;
    }
    src.fa = fa;
    src.off = off;
    src.pay_start = info->hdr.hdr_size;
    src.pay_end = info->hdr.hdr_size + info->hdr.img_size; /* no overflow: checked by scan */
    if (info->encrypted && !(keys != NULL && keys->enc_plaintext)) {
        uint8_t ik[32];
        size_t iklen;
        rc = fk_image_enc_unwrap(fa, off, &info->hdr, keys != NULL ? keys->enc : NULL, ik, &iklen);
        if (rc != FK_OK) {
            return rc;
        }
        fk_image_cipher_init(&cipher, ik, iklen);
        memset(ik, 0, sizeof ik);
        src.cipher = &cipher;
        info->decrypted = true;
    }
    /* 2. hash region = [0, start of the unprotected TLV area), in plaintext */
    hashed_len = info->tlv_off;
    rc = fk_img_hash_src(&src, hashed_len, info->hash_type, digest);
    if (rc != FK_OK) {
        return rc;
    }
    if (memcmp(digest, info->hash_full, info->hash_len) != 0) {
        return FK_EIMG_HASH;
    }
    info->hash_ok = true;

    /* SIG_PURE may sit in either area; it changes what the Ed25519 signature
     * signs, so find it before looking at signatures. */
    rc = fk_image_tlv_begin(&it, fa, off, &info->hdr);
    while (rc == FK_OK && (rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (t.type == FK_TLV_SIG_PURE) {
            uint8_t v;
            rc = fk_flash_read(fa, off + t.off, &v, 1);
            if (rc != FK_OK) {
                return rc;
            }
            if (v != 0x01) {
                info->bad_off = t.off - 4;
                return FK_EIMG_TLV_LEN;
            }
            pure = true;
        }
        rc = FK_OK;
    }
    if (rc < 0) {
        return rc;
    }

    /* 3. signatures */
    rc = fk_image_tlv_begin(&it, fa, off, &info->hdr);
    if (rc != FK_OK) {
        return rc;
    }
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (t.type == FK_TLV_KEYHASH) {
            uint8_t kh[FK_IMAGE_HASH_MAX];
            if (t.len != info->hash_len) {
                info->bad_off = t.off - 4;
                return FK_EIMG_TLV_LEN; /* KEYHASH uses the image's hash algorithm */
            }
            rc = fk_flash_read(fa, off + t.off, kh, t.len);
            if (rc != FK_OK) {
                return rc;
            }
            key = find_keyhash(keys, info->hash_type, kh, t.len);
            continue;
        }
        if (t.type == FK_TLV_PUBKEY) {
            int err;
            key = find_pubkey(keys, fa, off + t.off, t.len, &err);
            if (err != FK_OK) {
                return err;
            }
            continue;
        }
        if (!is_sig_tlv(t.type)) {
            continue;
        }
        saw_sig = true;
        if (key < 0) {
            key = KEY_NONE;
            continue; /* not by a ring key: cannot be checked, does not count */
        }
        {
            const struct fk_image_key *k = &keys->keys[key];
            struct fk_key_view kv;
            info->bad_off = t.off - 4;
            if (!sig_matches(t.type, k->type, info->hash_type, pure)) {
                return FK_EIMG_SIG_TYPE;
            }
            if (!fk_image_sig_supported(t.type) || (pure && !fk_image_sig_supported(FK_TLV_SIG_PURE))) {
                return FK_EIMG_SIG_UNSUP;
            }
            if (t.len > sizeof sig) {
                return FK_EIMG_SIG_LEN;
            }
            rc = fk_key_parse(k, &kv);
            if (rc != FK_OK) {
                return rc;
            }
            rc = fk_flash_read(fa, off + t.off, sig, t.len);
            if (rc != FK_OK) {
                return rc;
            }
            switch (t.type) {
            case FK_TLV_ECDSA_SIG:
                rc = fk_sig_ecdsa(&kv, digest, info->hash_len, sig, t.len);
                break;
            case FK_TLV_ED25519:
                rc = pure ? fk_sig_ed25519_pure(&kv, &src, hashed_len, sig, t.len)
                          : fk_sig_ed25519(&kv, digest, info->hash_len, sig, t.len);
                break;
            default: /* FK_TLV_RSA2048_PSS */
                rc = fk_sig_rsa2048_pss(&kv, digest, sig, t.len);
                break;
            }
            if (rc != FK_OK) {
                return rc; /* an invalid signature by a trusted key rejects */
            }
            info->bad_off = 0;
            if (info->key_index < 0) {
                info->key_index = key;
                info->sig_type = (uint8_t)t.type;
                info->sig_pure = pure;
            }
            key = KEY_NONE;
        }
    }
    if (rc < 0) {
        return rc;
    }
    /* 4. policy */
    if (info->key_index < 0 && !(keys != NULL && keys->allow_hash_only)) {
        return saw_sig ? FK_EIMG_NO_KEY : FK_EIMG_NO_SIG;
    }
    /* 5. authentic, but this verifier cannot decompress it */
    if (info->hdr.flags & FK_IMAGE_F_COMPRESSED) {
        return FK_EIMG_COMPRESSED;
    }
    return FK_OK;
}
