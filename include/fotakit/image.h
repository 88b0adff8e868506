/*
 * fotakit image: the MCUboot image format (header, TLVs, trailer) and the
 * heap-free streaming verifier used by the bootloader, the SMP server and the
 * host tool. Format facts: ../shared/vectors/imgtool/README.md, docs/image.md.
 *
 * This header is a contract between components: extend it, but keep these
 * declarations' meaning (boot, smp and device code call them).
 */
#ifndef FOTAKIT_IMAGE_H
#define FOTAKIT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/flash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_IMAGE_MAGIC 0x96f3b83du
#define FK_IMAGE_MAGIC_V1 0x96f3b83cu
#define FK_IMAGE_HEADER_SIZE 32u
#define FK_IMAGE_TLV_INFO_MAGIC 0x6907u
#define FK_IMAGE_TLV_PROT_INFO_MAGIC 0x6908u

/* Header flags */
#define FK_IMAGE_F_RAM_LOAD 0x00000020u
#define FK_IMAGE_F_ROM_FIXED 0x00000100u

/* TLV types */
#define FK_TLV_KEYHASH 0x01
#define FK_TLV_PUBKEY 0x02
#define FK_TLV_SHA256 0x10
#define FK_TLV_RSA2048_PSS 0x20
#define FK_TLV_ECDSA_SIG 0x22
#define FK_TLV_ED25519 0x24
#define FK_TLV_SIG_PURE 0x25
#define FK_TLV_DEPENDENCY 0x40
#define FK_TLV_SEC_CNT 0x50

struct fk_image_version {
    uint8_t major;
    uint8_t minor;
    uint16_t revision;
    uint32_t build;
};

/* The 32-byte header, decoded (host byte order). */
struct fk_image_header {
    uint32_t magic;
    uint32_t load_addr;
    uint16_t hdr_size;
    uint16_t protect_tlv_size;
    uint32_t img_size;
    uint32_t flags;
    struct fk_image_version ver;
};

enum fk_key_type {
    FK_KEY_ECDSA_P256 = 1,
    FK_KEY_ED25519 = 2,
    FK_KEY_RSA2048 = 3,
};

/* A trusted public key, as MCUboot embeds it in bootutil_keys[]: the bytes
 * `imgtool getpub -e raw` prints (SPKI DER for ECDSA/Ed25519, PKCS#1
 * RSAPublicKey DER for RSA). KEYHASH = SHA-256 of exactly these bytes. */
struct fk_image_key {
    enum fk_key_type type;
    const uint8_t *der;
    size_t der_len;
};

struct fk_image_keyring {
    const struct fk_image_key *keys;
    size_t count;
    /* Development option: accept images that carry only a SHA256 TLV. Off in
     * production: then a signature by one of `keys` is required. */
    bool allow_hash_only;
};

/* What the verifier learned. Valid fields depend on how far it got. */
struct fk_image_info {
    struct fk_image_header hdr;
    uint32_t end_off;       /* hdr_size + img_size + protect_tlv_size + unprotected TLV total:
                               the bytes an update must move (MCUboot's swap size) */
    uint8_t hash[32];       /* value of the SHA256 TLV (as `mcumgr image list` shows it) */
    bool has_sec_cnt;
    uint32_t sec_cnt;       /* SEC_CNT TLV value */
    int key_index;          /* which keyring entry signed it, -1 if none (hash-only) */
};

/* Decode and sanity-check the header at `off` in `fa` (magic, sizes that fit
 * the area without overflow). Returns FK_OK or a specific FK_E... code. */
int fk_image_read_header(const struct fk_flash_area *fa, uint32_t off, struct fk_image_header *out);

/* Verify the image at `off` in `fa`: header, TLV bounds, hash, signature by a
 * key in `keys`. Streams from flash in small chunks; uses no heap. Fills
 * `info` as far as it got. Returns FK_OK or the specific reason code. */
int fk_image_verify(const struct fk_flash_area *fa, uint32_t off, const struct fk_image_keyring *keys,
                    struct fk_image_info *info);

#ifdef __cplusplus
}
#endif
#endif
