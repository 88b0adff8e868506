/*
 * The encrypted swap's keys (MCUboot's encrypted images, docs/boot.md
 * "Encrypted swap"). The secondary (an external chip) only ever holds
 * ciphertext: every unit moved secondary -> primary is decrypted on the
 * way, every unit moved primary -> secondary encrypted with the key of the
 * image it belongs to, at its byte offset in that image (AES-CTR, so one
 * XOR does both, on any byte range).
 *
 * The two image keys are unwrapped once, when the swap starts (both
 * images are still whole and in place), and kept in plaintext in the
 * primary's trailer (internal flash, which holds the plaintext image
 * anyway; never on the secondary) - MCUboot's default, without
 * MCUBOOT_SWAP_SAVE_ENCTLV. A resume after a power cut reads them there:
 * by then the images' ENC TLVs may be half moved. The records are
 * written after the trailer erase and before the magic, so a swap that can
 * be resumed always has them.
 *
 * Record (64 bytes, at the start of the primary's trailer units, [0]
 * then [1]): tag "FKEK" (u32 LE), swap id, key length (0: image not
 * encrypted), 3 zero bytes, payload start, payload end, key[32], 8 zero
 * bytes, CRC-32 of bytes 0..59.
 */
#include <string.h>

#include "boot_priv.h"

#define ENC_TAG 0x4b454b46u /* "FKEK" */

#ifdef FK_IMAGE_ENC
void fk_move_xform(const struct fk_swap *s, const struct fk_mv *m, uint32_t o, uint8_t *data, uint32_t len)
{
    const struct fk_swap_enc *e = m->enc;
    /* within one slot the bytes keep their form (plain in P, cipher in S) */
    if (e == NULL || !e->on || (m->src == s->pri) == (m->dst == s->pri)) {
        return;
    }
    uint32_t a = m->ioff + o, b = a + len;
    uint32_t lo = a > e->pay_start ? a : e->pay_start, hi = b < e->pay_end ? b : e->pay_end;
    if (lo < hi) {
        fk_image_cipher_run(&e->c, lo - e->pay_start, data + (lo - a), hi - lo);
    }
}
#else
void fk_move_xform(const struct fk_swap *s, const struct fk_mv *m, uint32_t o, uint8_t *data, uint32_t len)
{
    (void)s, (void)m, (void)o, (void)data, (void)len; /* no key is ever loaded */
}
#endif

static uint32_t rec_base(const struct fk_swap *s)
{
    return s->pri->size - s->g.pri_trailer_units * s->g.unit;
}

/* The records must stay clear of the markers growing down from the start record. */
static bool rec_fits(const struct fk_swap *s)
{
    uint32_t markers = FK_BOOT_OFF_REC + 8u * (2u * s->units + 2u);
    return s->g.pri_trailer_units * s->g.unit >= markers + 2u * FK_SWAP_ENC_REC_LEN;
}

#ifdef FK_IMAGE_ENC
static int load_one(struct fk_swap *s, struct fk_swap_enc *e, const struct fk_flash_area *fa, uint32_t off)
{
    struct fk_image_header h;
    memset(e, 0, sizeof *e);
    int rc = fk_image_read_header(fa, off, &h);
    if (rc != FK_OK) {
        /* no image header (an image error, -60..-99): nothing to protect;
         * a flash error: fail closed */
        return rc <= -60 && rc >= -99 ? FK_OK : rc;
    }
    if ((h.flags & (FK_IMAGE_F_ENCRYPTED_AES128 | FK_IMAGE_F_ENCRYPTED_AES256)) == 0) {
        return FK_OK;
    }
    const struct fk_image_keyring *k = s->cfg->keys;
    size_t klen = 0;
    rc = fk_image_enc_unwrap(fa, off, &h, k != NULL ? k->enc : NULL, e->key, &klen);
    if (rc != FK_OK) {
        memset(e, 0, sizeof *e);
        return rc;
    }
    fk_image_cipher_init(&e->c, e->key, klen);
    e->on = true;
    e->keylen = (uint8_t)klen;
    e->pay_start = h.hdr_size;
    e->pay_end = h.hdr_size + h.img_size;
    return FK_OK;
}

int fk_swap_enc_load(struct fk_swap *s, uint32_t sec_off, bool pri)
{
    int rc = pri ? load_one(s, &s->enc[0], s->pri, 0) : FK_OK;
    if (rc == FK_OK) {
        rc = load_one(s, &s->enc[1], s->sec, sec_off);
    }
    if (rc == FK_OK && pri && (s->enc[0].on || s->enc[1].on) && !rec_fits(s)) {
        rc = FK_EBOOT_TOOBIG; /* no room for the keys beside this many markers */
    }
    return rc;
}

int fk_swap_enc_write(struct fk_swap *s)
{
    if (!s->enc[0].on && !s->enc[1].on) {
        return FK_OK;
    }
    for (uint32_t i = 0; i < 2; i++) {
        const struct fk_swap_enc *e = &s->enc[i];
        uint8_t b[FK_SWAP_ENC_REC_LEN];
        memset(b, 0, sizeof b);
        fk_put_le32(b, ENC_TAG);
        fk_put_le32(b + 4, s->rec.id);
        b[8] = e->on ? e->keylen : 0;
        fk_put_le32(b + 12, e->pay_start);
        fk_put_le32(b + 16, e->pay_end);
        memcpy(b + 20, e->key, sizeof e->key);
        fk_put_le32(b + 60, fk_boot_crc32(0, b, 60));
        int rc = fk_flash_write(s->pri, rec_base(s) + i * FK_SWAP_ENC_REC_LEN, b, sizeof b);
        memset(b, 0, sizeof b);
        if (rc != FK_OK) {
            return rc;
        }
        s->st->status_progs++;
    }
    return fk_flash_sync(s->pri);
}

int fk_swap_enc_read(struct fk_swap *s, uint32_t id)
{
    memset(s->enc, 0, sizeof s->enc);
    if (!rec_fits(s)) {
        return FK_OK; /* never written for this swap size */
    }
    for (uint32_t i = 0; i < 2; i++) {
        struct fk_swap_enc *e = &s->enc[i];
        uint8_t b[FK_SWAP_ENC_REC_LEN];
        int rc = fk_flash_read(s->pri, rec_base(s) + i * FK_SWAP_ENC_REC_LEN, b, sizeof b);
        if (rc != FK_OK) {
            return rc;
        }
        if (fk_buf_erased(b, sizeof b, fk_flash_erased_val(s->pri))) {
            if (i == 1) {
                return FK_ECORRUPT; /* written as a pair */
            }
            return FK_OK; /* a swap of clear images */
        }
        if (fk_le32(b) != ENC_TAG || fk_le32(b + 60) != fk_boot_crc32(0, b, 60) ||
            fk_le32(b + 4) != id || (b[8] != 0 && b[8] != 16 && b[8] != 32)) {
            memset(b, 0, sizeof b);
            return FK_ECORRUPT; /* fail closed: never copy plaintext out */
        }
        if (b[8] != 0) {
            e->on = true;
            e->keylen = b[8];
            e->pay_start = fk_le32(b + 12);
            e->pay_end = fk_le32(b + 16);
            memcpy(e->key, b + 20, sizeof e->key);
            fk_image_cipher_init(&e->c, e->key, e->keylen);
        }
        memset(b, 0, sizeof b);
    }
    return FK_OK;
}
#else /* !FK_IMAGE_ENC: a bootloader without decryption swaps clear images only */
int fk_swap_enc_load(struct fk_swap *s, uint32_t sec_off, bool pri)
{
    (void)sec_off;
    (void)pri;
    memset(s->enc, 0, sizeof s->enc);
    return FK_OK;
}

int fk_swap_enc_write(struct fk_swap *s)
{
    (void)s;
    return FK_OK;
}

int fk_swap_enc_read(struct fk_swap *s, uint32_t id)
{
    (void)id;
    (void)rec_fits;
    (void)rec_base;
    memset(s->enc, 0, sizeof s->enc);
    return FK_OK;
}
#endif
