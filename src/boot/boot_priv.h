/*
 * Bootloader internals shared by the files of src/boot (device code: no
 * heap, no stdio, no OS calls).
 */
#ifndef FOTAKIT_BOOT_PRIV_H
#define FOTAKIT_BOOT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/boot.h"
#include "fotakit/image_enc.h"
#include "fotakit/le.h"
#include "fotakit/str_buf.h"

/* Chunk used to stream sector contents (stack buffers of this size). */
#define FK_BOOT_CHUNK 256u

/* One slot's trailer, decoded. */
struct fk_trailer {
    enum fk_boot_magic_state magic;
    enum fk_boot_flag_state image_ok, copy_done;
    uint8_t image_ok_raw, copy_done_raw, swap_info_raw;
    uint32_t swap_size; /* 0xffffffff when unset */
};

/* fotakit's swap record (16 bytes): the primary's "start" record and the
 * secondary's "begin" records share it. The CRC covers bytes 0..11 with a
 * tag-specific seed, so a begin record never passes as a start record. */
struct fk_swap_rec {
    uint32_t id;        /* swap number: differs from any record the primary held before */
    uint32_t swap_size; /* bytes the swap moves (max of both images) */
    uint8_t type;       /* FK_SWAP_TEST / PERM / REVERT */
    uint8_t sched;      /* FK_SCHED_*: move order (fixed for the whole swap) */
};

/* Move schedules. SERIAL: the single chain. TWO_*: the chain split in two
 * halves that run side by side (one moving into the NOR chip while the
 * other moves into internal flash); the unit where they meet is parked
 * first in a free unit Z (Z = secondary unit k+1, or primary unit k). */
#define FK_SCHED_SERIAL 0
#define FK_SCHED_TWO_ZS 1
#define FK_SCHED_TWO_ZP 2

#define FK_REC_TAG_START 0x53574b46u /* "FKWS" */
#define FK_REC_TAG_BEGIN 0x42574b46u /* "FKWB" */

/* Slot-level helpers (trailer.c). */
int fk_trailer_read(const struct fk_flash_area *fa, struct fk_trailer *t);
/* fk_flash_open() + fk_trailer_read() of area id. */
int fk_trailer_open_read(const struct fk_flash_map *map, uint8_t id,
                         const struct fk_flash_area **fa, struct fk_trailer *t);
/* Both slots' trailers (primary into *tp, secondary into *ts). */
int fk_trailers_read(const struct fk_flash_map *map, struct fk_trailer *tp, struct fk_trailer *ts);
/* Write one MCUboot flag field (image_ok / copy_done / swap_info) at
 * size - off_from_end: `align` bytes, first = val, rest erased. */
int fk_trailer_write_flag(const struct fk_flash_area *fa, uint32_t off_from_end, uint8_t val);
int fk_trailer_write_swap_size(const struct fk_flash_area *fa, uint32_t size);
int fk_trailer_write_magic(const struct fk_flash_area *fa);
void fk_rec_encode(uint8_t out[FK_BOOT_REC_LEN], uint32_t tag, const struct fk_swap_rec *r);
bool fk_rec_decode(const uint8_t in[FK_BOOT_REC_LEN], uint32_t tag, struct fk_swap_rec *r);
/* The text goes through fotakit_flash's string builder (fotakit/str_buf.h:
 * fk_sb_init/puts/dec); these add what only the bootloader prints. */
void fk_bsb_hex(struct fk_sb *sb, uint32_t v); /* "0x" + lower-case hex */
void fk_bsb_ver(struct fk_sb *sb, const struct fk_image_version *v); /* vM.m.r+b */
void fk_bsb_err(struct fk_sb *sb, int err); /* NAME: sentence */

/* One image's AES-CTR key for a swap (enc_swap.c): the image's payload
 * bytes [pay_start, pay_end) (offsets from the image header) are ciphertext
 * on the secondary and plaintext on the primary. */
struct fk_swap_enc {
    bool on; /* the image is encrypted and its key is loaded */
    uint8_t keylen; /* 16 or 32 */
    uint32_t pay_start, pay_end;
#ifdef FK_IMAGE_ENC /* a build without decryption never turns `on` */
    uint8_t key[32];
    struct fk_image_cipher c;
#endif
};

/* Swap engine (swap.c). */
struct fk_swap {
    const struct fk_boot_config *cfg;
    const struct fk_flash_area *pri, *sec;
    struct fk_boot_geometry g;
    struct fk_boot_stats *st;
    uint32_t units;  /* sectors this swap covers (k) */
    uint32_t done;   /* progress: moves completed */
    uint8_t type, sched;
    struct fk_swap_rec rec; /* the swap's record (start = begin = canary) */
    uint32_t half;   /* two-chain schedules: steps in the first chain (m) */
    const struct fk_flash_area *zfa; /* parking unit */
    uint32_t zoff;
    /* Encrypted images: [0] the image the primary held when the swap
     * started, [1] the secondary's. Loaded by fk_swap_enc_load (fresh
     * start) or fk_swap_enc_read (resume, from the primary trailer). */
    struct fk_swap_enc enc[2];
    /* A unit this boot erased completely and has not written since (the
     * swap start's early erase of the first move's destination): that move
     * programs it without a second erase. NULL: none. Anything that only
     * reads erased is erased again (move.c). */
    const struct fk_flash_area *erased_fa;
    uint32_t erased_off;
};
/* Which schedule a fresh swap of `swap_size` bytes uses on these slots. */
uint8_t fk_swap_pick_sched(const struct fk_swap *s, uint32_t swap_size);
/* Begin a swap from scratch (nothing moved yet): S begin record (if `fresh`),
 * P trailer erase, P start record + MCUboot fields, S trailer erase, moves,
 * copy_done. `rec` carries id/type/size. */
int fk_swap_start(struct fk_swap *s, const struct fk_swap_rec *rec, bool fresh);
/* Finish a swap whose primary start record is in place. */
int fk_swap_resume(struct fk_swap *s, const struct fk_swap_rec *rec);
/* copy_done torn (reads neither set nor erased): the swap completed but
 * the cut came before the new image ever ran. The first time this is seen,
 * marker 2k is written and *first = true (boot the new image once); later
 * *first = false (treat copy_done as set). With cfg->defer_commit the
 * marker is not written (*first as if it were): fk_boot_commit() does. */
int fk_swap_commit_retry(struct fk_swap *s, const struct fk_swap_rec *rec, bool *first);
/* Write the copy_done that cfg->defer_commit left undone, after checking
 * that every move's marker is written (FK_ECORRUPT if not). */
int fk_swap_commit(struct fk_swap *s, const struct fk_swap_rec *rec);
/* Index of the first begin slot that is erased in the secondary, or -1. */
int fk_swap_free_begin_slot(const struct fk_flash_area *sec);
/* Latest valid begin record in the secondary trailer. */
bool fk_swap_read_begin(const struct fk_flash_area *sec, struct fk_swap_rec *r, int *err);
/* The primary's start record. */
bool fk_swap_read_start(const struct fk_flash_area *pri, struct fk_swap_rec *r, int *err);
/* Prepare a trailer range of fa for programming (fk_flash_prepare, unproven),
 * kicking the watchdog first; counts one trailer erase if anything was
 * erased. */
int fk_swap_erase_trailer(struct fk_swap *s, const struct fk_flash_area *fa, uint32_t off,
                          uint32_t len);

/* Overwrite-only copy (overwrite.c) of `units` units from secondary offset
 * `src_off` to the primary, then the request is dropped. */
int fk_overwrite_run(struct fk_swap *s, uint32_t src_off, uint32_t units);

/* Unit copy (move.c), shared by the swap engine and the overwrite copy. */
struct fk_mv { /* one unit move: dst[doff..+unit) := src[soff..+unit) */
    const struct fk_flash_area *src, *dst;
    uint32_t soff, doff;
    /* The unit's content: bytes [ioff, ioff + unit) of the image whose key
     * is `enc` (NULL: not encrypted). A move between the two slots runs
     * AES-CTR over the payload part (decrypts into the primary, encrypts
     * into the secondary); a move within one slot copies as is. */
    const struct fk_swap_enc *enc;
    uint32_t ioff;
};
/* What a move takes: nothing (dst already equals src), or an erase and
 * programs. There is no "program only" case: a destination that merely
 * reads erased is not proven erased (move.c). */
enum fk_move_need { FK_NEED_NOTHING = 0, FK_NEED_ERASE = 2 };
/* Kick the watchdog (cfg->watchdog) / report progress (cfg->progress). */
void fk_swap_tick(struct fk_swap *s);
void fk_swap_progress(struct fk_swap *s);
/* All n bytes of b equal ev. */
bool fk_buf_erased(const uint8_t *b, uint32_t n, uint8_t ev);
/* What it takes to make m's destination equal its source (flash, or `buf`
 * when not NULL). */
int fk_move_classify(struct fk_swap *s, const struct fk_mv *m, const uint8_t *buf,
                     enum fk_move_need *need);
/* Count one data-unit erase of `dst` in the stats. */
void fk_move_count_erase(struct fk_swap *s, const struct fk_flash_area *dst);
/* Writes of one unit before a swap gives up on it (read back after each). */
#define FK_BOOT_VERIFY_TRIES 3
/* Copy one unit; afterwards dst equals src, read back (FK_EBOOT_VERIFY when
 * it never does), and dst's device is idle. */
int fk_move_unit(struct fk_swap *s, const struct fk_mv *m);
/* Two independent moves side by side: `n` into the secondary, `i` into the
 * primary (needs cfg->buf of a unit); both synced on return. */
int fk_move_pair(struct fk_swap *s, const struct fk_mv *n, const struct fk_mv *i);

/* Encrypted swap (enc_swap.c). */
/* Unwrap the keys of the primary's image (at 0, when `pri`) and the
 * secondary's (at sec_off) into s->enc[] (an image without an ENCRYPTED
 * flag: off). FK_EIMG_* when an encrypted image's key cannot be recovered:
 * the swap must not start (the image would leave the primary in clear);
 * FK_EBOOT_TOOBIG when the primary trailer has no room for the keys. */
int fk_swap_enc_load(struct fk_swap *s, uint32_t sec_off, bool pri);
/* Store s->enc[] in the primary trailer (its first 2 * 64 bytes, erased),
 * for a resume after a power cut: nothing is written when neither image is
 * encrypted. */
int fk_swap_enc_write(struct fk_swap *s);
/* Read them back for swap `id` (none stored: both off). FK_ECORRUPT for a
 * damaged record (fail closed: the swap stops rather than copy plaintext out). */
int fk_swap_enc_read(struct fk_swap *s, uint32_t id);
/* Bytes of the primary trailer the key records take at its start. */
#define FK_SWAP_ENC_REC_LEN 64u
/* Run m's cipher (if any) over data = bytes [o, o + len) of the unit. */
void fk_move_xform(const struct fk_swap *s, const struct fk_mv *m, uint32_t o, uint8_t *data, uint32_t len);

#endif
