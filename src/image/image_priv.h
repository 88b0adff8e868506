/*
 * Internal interfaces of the image verifier (device code: no heap, no stdio).
 * Tests include this header to exercise the crypto glue directly.
 */
#ifndef FOTAKIT_IMAGE_PRIV_H
#define FOTAKIT_IMAGE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "fotakit/image.h"
#include "fotakit/le.h" /* fk_le16/fk_le32 */

/* Structural pass (header, TLV areas, bounds, lengths, stored hash, SEC_CNT,
 * end_off); shared by fk_image_inspect and fk_image_verify. */
int fk_image_scan(const struct fk_flash_area *fa, uint32_t off, struct fk_image_info *info);

/* Parsed views of a key ring entry: pointers into the key's DER bytes. */
struct fk_key_view {
    enum fk_key_type type;
    const uint8_t *q;   /* ECDSA: uncompressed point (65 B); Ed25519: 32-byte key */
    size_t qlen;
    const uint8_t *n;   /* RSA modulus, big endian, no leading zero */
    size_t nlen;
    const uint8_t *e;   /* RSA public exponent, big endian */
    size_t elen;
};

/* Parse a key as `imgtool getpub -e raw` prints it. FK_OK or FK_EIMG_KEY. */
int fk_key_parse(const struct fk_image_key *key, struct fk_key_view *out);

/* Signature checks. Each returns FK_OK, FK_EIMG_SIG (does not verify),
 * FK_EIMG_SIG_LEN or FK_EIMG_SIG_UNSUP (not built in). */
int fk_sig_ecdsa_p256(const struct fk_key_view *k, const uint8_t hash[32], const uint8_t *sig,
                      size_t siglen);
int fk_sig_ed25519(const struct fk_key_view *k, const uint8_t *msg, size_t msglen,
                   const uint8_t *sig, size_t siglen);
/* RSASSA-PSS verification, EMSA-PSS with SHA-256, MGF1-SHA256, salt 32
 * bytes, modulus of exactly 2048 bits (RFC 8017 9.1.2). */
int fk_sig_rsa2048_pss(const struct fk_key_view *k, const uint8_t hash[32], const uint8_t *sig,
                       size_t siglen);

/* Pure Ed25519 over a flash range (SIG_PURE): the signed message is the hash
 * region, streamed from flash. */
int fk_sig_ed25519_pure(const struct fk_key_view *k, const struct fk_flash_area *fa, uint32_t off,
                        uint32_t len, const uint8_t *sig, size_t siglen);

/* The verifier's SHA-256 (sha256.c): BearSSL's, or, built with
 * FK_IMAGE_SHA256_PORT (CMake FOTAKIT_SHA256_PORT, device builds), the
 * port's compression function fk_port_sha256_compress (fotakit/port.h)
 * under fotakit's own buffering and padding. */
struct fk_sha256 {
#ifdef FK_IMAGE_SHA256_PORT
    uint32_t h[8];
    uint8_t buf[64];
    uint64_t len; /* bytes hashed so far */
#else
    br_sha256_context br;
#endif
};
void fk_sha256_init(struct fk_sha256 *s);
void fk_sha256_update(struct fk_sha256 *s, const void *data, size_t len);
void fk_sha256_out(struct fk_sha256 *s, uint8_t out[32]);

#endif
