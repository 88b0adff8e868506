/*
 * Key ring entries as MCUboot embeds them (`imgtool getpub -e raw`):
 *   ECDSA P-256: 91-byte SubjectPublicKeyInfo, uncompressed point at the end
 *   ECDSA P-384: 120-byte SubjectPublicKeyInfo, uncompressed point at the end
 *   Ed25519:     44-byte SubjectPublicKeyInfo, 32-byte key at the end
 *   RSA-2048:    PKCS#1 RSAPublicKey SEQUENCE { INTEGER n, INTEGER e }
 * Parsing only points into the caller's bytes; nothing is copied.
 */
#include <string.h>

#include "image_priv.h"

/* SPKI prefixes up to and including the BIT STRING header (unused bits 0). */
static const uint8_t spki_p256[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
static const uint8_t spki_p384[] = {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
                                    0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};
static const uint8_t spki_ed25519[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                       0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* One DER TLV header at *p (bounded by end): tag must match; returns the
 * content length in *len and advances *p to the content. Definite lengths of
 * up to two bytes only (enough for 4096-bit keys). */
bool fk_der_hdr(const uint8_t **p, const uint8_t *end, uint8_t tag, size_t *len)
{
    const uint8_t *q = *p;
    size_t l;
    if (end - q < 2 || q[0] != tag) {
        return false;
    }
    l = q[1];
    q += 2;
    if (l & 0x80) {
        size_t n = l & 0x7f;
        if (n == 0 || n > 2 || (size_t)(end - q) < n) {
            return false;
        }
        l = 0;
        for (size_t i = 0; i < n; i++) {
            l = (l << 8) | *q++;
        }
    }
    if ((size_t)(end - q) < l) {
        return false;
    }
    *p = q;
    *len = l;
    return true;
}

/* A positive INTEGER; strips the sign byte. */
bool fk_der_uint(const uint8_t **p, const uint8_t *end, const uint8_t **v, size_t *vlen)
{
    size_t l;
    if (!fk_der_hdr(p, end, 0x02, &l) || l == 0 || ((*p)[0] & 0x80)) {
        return false;
    }
    *v = *p;
    *vlen = l;
    *p += l;
    while (*vlen > 1 && (*v)[0] == 0) {
        (*v)++;
        (*vlen)--;
    }
    return true;
}

/* An SPKI of fixed layout: prefix then the key (qlen bytes; an uncompressed
 * point starts with 0x04). */
static int spki(const struct fk_image_key *key, const uint8_t *prefix, size_t plen, size_t qlen, bool point,
                struct fk_key_view *out)
{
    if (key->der_len != plen + qlen || memcmp(key->der, prefix, plen) != 0 ||
        (point && key->der[plen] != 0x04)) {
        return FK_EIMG_KEY;
    }
    out->q = key->der + plen;
    out->qlen = qlen;
    return FK_OK;
}

int fk_key_parse(const struct fk_image_key *key, struct fk_key_view *out)
{
    memset(out, 0, sizeof *out);
    if (key == NULL || key->der == NULL) {
        return FK_EIMG_KEY;
    }
    out->type = key->type;
    switch (key->type) {
    case FK_KEY_ECDSA_P256:
        return spki(key, spki_p256, sizeof spki_p256, 65, true, out);
    case FK_KEY_ECDSA_P384:
        return spki(key, spki_p384, sizeof spki_p384, 97, true, out);
    case FK_KEY_ED25519:
        return spki(key, spki_ed25519, sizeof spki_ed25519, 32, false, out);
    case FK_KEY_RSA2048: {
        const uint8_t *p = key->der, *end = key->der + key->der_len;
        size_t l;
        if (!fk_der_hdr(&p, end, 0x30, &l) || p + l != end || !fk_der_uint(&p, end, &out->n, &out->nlen) ||
            !fk_der_uint(&p, end, &out->e, &out->elen) || p != end) {
            return FK_EIMG_KEY;
        }
        /* exactly 2048 bits */
        if (out->nlen != 256 || !(out->n[0] & 0x80) || out->elen > 4) {
            return FK_EIMG_KEY;
        }
        return FK_OK;
    }
    default:
        return FK_EIMG_KEY;
    }
}
