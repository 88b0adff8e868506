/*
 * Internal interfaces of the image upload (device code), one file per job:
 *   img_upload.c    the upload command: sessions, the data path, the end
 *   upload_rec.c    the resume record that survives a reset (format below)
 *   upload_check.c  the first chunk's checks (header, size, slot, version)
 */
#ifndef FOTAKIT_SMP_UPLOAD_PRIV_H
#define FOTAKIT_SMP_UPLOAD_PRIV_H

#include "smp_priv.h"

/* Where an upload goes: the slot the bootloader row names (the secondary,
 * or in direct-xip / RAM load the slot not running). */
struct fk_upl_geom {
    int slot;         /* 0 or 1 */
    uint8_t image;    /* the image (0 or 1) whose slot this is */
    const struct fk_flash_area *fa;
    struct fk_bl_space sp; /* the mode's space on this map (fk_bl_space) */
    uint32_t base;    /* image start in the area (sp.upload_off) */
    uint32_t es, ws;  /* erase and write size, bytes */
    uint32_t max;     /* largest image, bytes (sp.max_image; 0 if the mode cannot run here) */
    bool has_rec;     /* the slot has room for a record sector */
    uint32_t rec;     /* record sector, relative to base */
    uint32_t rec_hdr; /* record header bytes (padded to ws) */
    uint8_t ev;       /* erased value */
};

uint32_t fk_upl_align_up(uint32_t v, uint32_t a);

/* Open the upload slot and fill *g. An error of fk_flash_open, or
 * FK_ENOTSUP when the geometry cannot take uploads (write size above
 * FK_SMP_WBUF_MAX, image start or slot not sector aligned). */
int fk_upl_geom_get(struct fk_smp_server *s, struct fk_upl_geom *g);

/* Start the resume record for the new session in s->up (len and sha set):
 * picks the marker unit and writes the record header. When the image is too
 * large to leave the record sector free, writes nothing and leaves
 * up->persisted false. Returns the flash error of the write. The record
 * sector must have been erased. */
int fk_upl_rec_begin(struct fk_smp_server *s, const struct fk_upl_geom *g);

/* Load the record of an upload of `len` bytes with this sha: FK_OK and *up
 * filled (offsets at the resume point) when it is intact and matches;
 * FK_ENOENT when there is none or it is another upload's; a read error. */
int fk_upl_rec_load(const struct fk_upl_geom *g, uint32_t len, const uint8_t *sha,
                    uint8_t sha_len, struct fk_smp_upload *up);

/* Write the markers of every unit now fully flushed (syncing the data
 * first). FK_OK when the session has no record. */
int fk_upl_markers_update(struct fk_smp_server *s, const struct fk_upl_geom *g);

/* The checks of the first chunk (Zephyr's order: header, length, hash,
 * slot, size, version). Returns FK_SMP_R_OK or an error answer. */
int fk_upl_first_chunk_checks(struct fk_smp_req *r, const struct fk_upl_geom *g, uint64_t len,
                              const struct fk_cbor_item *data, bool upgrade);

/* Background erase (bg_erase.c): start it (the slot's old image is no
 * longer needed): erases the record sector and writes the record header.
 * FK_ENOTSUP when FK_SMP_F_FAST_ERASE is off or the slot has no record
 * sector; else a flash error. */
int fk_smp_bg_erase_begin(struct fk_smp_server *s);
/* The image erase command's work on `fa`, the upload slot of image s->img
 * (FK_OK once the slot is erased, else a flash error). With
 * FK_SMP_F_FAST_ERASE on the slot the background erase serves (image 0,
 * with a record sector), the erase is vouched for with a finished
 * background-erase record (the next upload only programs), and a slot such
 * a record already proves erased is only checked: sectors programmed since
 * are erased, the record stays. Otherwise the whole slot is erased. */
int fk_smp_erase_slot(struct fk_smp_server *s, const struct fk_flash_area *fa);
/* The largest erase (64 KB, 32 KB, else one sector) starting at area
 * offset off that is aligned on the device and ends at or before end. */
uint32_t fk_smp_block_len(const struct fk_flash_area *fa, uint32_t off, uint32_t end);

#endif
