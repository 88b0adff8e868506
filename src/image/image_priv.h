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

/* Streaming image digest over the hash TLV's algorithm (hash.c). */
struct fk_img_hash {
    uint16_t type; /* FK_TLV_SHA256/384/512 */
    union {
        struct fk_sha256 s256; /* BearSSL's, or the port's (FOTAKIT_SHA256_PORT) */
#ifdef FK_IMAGE_SHA512
        br_sha512_context s512; /* SHA-384 uses the same context */
#endif
    } u;
};
/* FK_OK or FK_EIMG_HASH_UNSUP (this build cannot compute that hash). */
int fk_img_hash_init(struct fk_img_hash *h, uint16_t tlv_type);
void fk_img_hash_update(struct fk_img_hash *h, const void *data, size_t len);
void fk_img_hash_out(struct fk_img_hash *h, uint8_t *out);
/* The image's plaintext as the verifier reads it: the stored bytes, with the
 * payload [pay_start, pay_end) (image offsets) decrypted when cipher is set. */
struct fk_image_cipher;
struct fk_img_src {
    const struct fk_flash_area *fa;
    uint32_t off; /* image start in fa */
    const struct fk_image_cipher *cipher;
    uint32_t pay_start, pay_end;
};
/* Read plaintext image bytes [pos, pos + n) (pos from the image start). */
int fk_img_read(const struct fk_img_src *s, uint32_t pos, uint8_t *buf, size_t n);
/* Feed the plaintext [0, len) into h, read in FK_IMAGE_CHUNK pieces. */
int fk_img_hash_stream(struct fk_img_hash *h, const struct fk_img_src *s, uint32_t len);
/* Digest of the plaintext [0, len). */
int fk_img_hash_src(const struct fk_img_src *s, uint32_t len, uint16_t tlv_type, uint8_t *out);

/* Parsed views of a key ring entry: pointers into the key's DER bytes. */
struct fk_key_view {
    enum fk_key_type type;
    const uint8_t *q;   /* ECDSA: uncompressed point (65 B P-256, 97 B P-384); Ed25519: 32 B */
    size_t qlen;
    const uint8_t *n;   /* RSA modulus, big endian, no leading zero */
    size_t nlen;
    const uint8_t *e;   /* RSA public exponent, big endian */
    size_t elen;
};

/* DER helpers (keys.c): one TLV header with `tag` at *p, bounded by end
 * (definite lengths up to 2 bytes), *p advanced to the content; a positive
 * INTEGER with its sign byte stripped. */
bool fk_der_hdr(const uint8_t **p, const uint8_t *end, uint8_t tag, size_t *len);
bool fk_der_uint(const uint8_t **p, const uint8_t *end, const uint8_t **v, size_t *vlen);

/* Parse a key as `imgtool getpub -e raw` prints it. FK_OK or FK_EIMG_KEY. */
int fk_key_parse(const struct fk_image_key *key, struct fk_key_view *out);

/* Signature checks. Each returns FK_OK, FK_EIMG_SIG (does not verify),
 * FK_EIMG_SIG_LEN or FK_EIMG_SIG_UNSUP (not built in). */
/* ECDSA over P-256 or P-384 (by k->type) of a digest of hlen bytes. */
int fk_sig_ecdsa(const struct fk_key_view *k, const uint8_t *hash, size_t hlen, const uint8_t *sig,
                 size_t siglen);
int fk_sig_ed25519(const struct fk_key_view *k, const uint8_t *msg, size_t msglen,
                   const uint8_t *sig, size_t siglen);
/* RSASSA-PSS verification, EMSA-PSS with SHA-256, MGF1-SHA256, salt 32
 * bytes, modulus of exactly 2048 bits (RFC 8017 9.1.2). */
int fk_sig_rsa2048_pss(const struct fk_key_view *k, const uint8_t hash[32], const uint8_t *sig,
                       size_t siglen);

/* Pure Ed25519 over a flash range (SIG_PURE): the signed message is the hash
 * region, streamed from flash. Accepts exactly what libsodium's
 * crypto_sign_ed25519_verify_detached accepts for the same message. */
int fk_sig_ed25519_pure(const struct fk_key_view *k, const struct fk_img_src *src, uint32_t len,
                        const uint8_t *sig, size_t siglen);

/* The checks of RFC 8032 verification that come before hashing, exactly as
 * libsodium 1.0.18 makes them: S < L, R not a small-order encoding, A
 * canonical, not small order and decodable. FK_OK or FK_EIMG_SIG. */
int fk_ed25519_precheck(const uint8_t pk[32], const uint8_t sig[64]);
/* With h = SHA-512(R || A || M) reduced mod L: whether encode([S]B - [h]A)
 * equals R. FK_OK or FK_EIMG_SIG. */
int fk_ed25519_finish(const uint8_t pk[32], const uint8_t sig[64], const uint8_t hred[32]);

/* The checks of RFC 8032 verification that come before hashing, exactly as
 * libsodium 1.0.18 makes them: S < L, R not a small-order encoding, A
 * canonical, not small order and decodable. FK_OK or FK_EIMG_SIG. */
int fk_ed25519_precheck(const uint8_t pk[32], const uint8_t sig[64]);
/* With h = SHA-512(R || A || M) reduced mod L: whether encode([S]B - [h]A)
 * equals R. FK_OK or FK_EIMG_SIG. */
int fk_ed25519_finish(const uint8_t pk[32], const uint8_t sig[64], const uint8_t hred[32]);


#endif
