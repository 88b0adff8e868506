/*
 * fotakit image decryption for the device (MCUboot's encrypted images):
 * unwrap the image key with the bootloader's built-in private key, and
 * AES-CTR over any byte range of the payload (a swap copies it in pieces).
 * BearSSL only, no heap. Built when FK_IMAGE_ENC is defined (host always,
 * device option FOTAKIT_DEVICE_ENC); without it the functions return
 * FK_EIMG_ENC_UNSUP. Format: docs/image.md "Encrypted images".
 */
#ifndef FOTAKIT_IMAGE_ENC_H
#define FOTAKIT_IMAGE_ENC_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "fotakit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* AES-CTR state for one image key: the key schedule, kept for a whole copy. */
struct fk_image_cipher {
    br_aes_ct_ctr_keys k;
};

/* key: 16 or 32 bytes. */
void fk_image_cipher_init(struct fk_image_cipher *c, const uint8_t *key, size_t keylen);
/* XOR the keystream for payload bytes [pos, pos + len) into data (encrypts
 * and decrypts). pos counts from the first payload byte (image offset
 * hdr_size); any alignment. MCUboot's counter: the 16-byte big-endian block
 * number pos / 16, starting at 0. */
void fk_image_cipher_run(const struct fk_image_cipher *c, uint32_t pos, uint8_t *data, size_t len);

/* Find the image's ENC_* TLV and recover its AES key with `key` (the
 * keyring's decryption key). key_out: 32 bytes; *keylen = 16 (flag
 * ENCRYPTED_AES128) or 32 (ENCRYPTED_AES256). Returns FK_OK,
 * FK_EIMG_ENCRYPTED (key is NULL), FK_EIMG_ENC_KEY (no ENC TLV of the key's
 * type, several, or the key does not open it: HMAC, OAEP or unwrap check),
 * FK_EIMG_TLV_LEN (an ENC TLV of the wrong size), FK_EIMG_KEY (the private
 * key is malformed), FK_EIMG_ENC_UNSUP, or an I/O error. */
int fk_image_enc_unwrap(const struct fk_flash_area *fa, uint32_t off, const struct fk_image_header *hdr,
                        const struct fk_image_enc_key *key, uint8_t key_out[32], size_t *keylen);

/* RFC 3394 AES key unwrap (written here over BearSSL's AES block cipher:
 * BearSSL has no key wrap). in: n*8 + 8 bytes (n >= 2); out: n*8 bytes.
 * FK_OK or FK_EIMG_ENC_KEY when the integrity check (A6A6...) fails. */
int fk_aes_key_unwrap(const uint8_t *kek, size_t keklen, const uint8_t *in, size_t inlen, uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif
