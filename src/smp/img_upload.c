/*
 * Image upload (image group, command 1) with progressive erase and a resume
 * record that survives a device reset (upload_rec.c); the first chunk's
 * checks are in upload_check.c.
 *
 * Where things go (offsets relative to the image start in the secondary
 * slot, base = fk_boot_secondary_image_off()):
 *   [0, len)            the image, written in order through a write_size
 *                       buffer; the sector ahead of each write is erased just
 *                       before it (the first chunk waits for one sector, not
 *                       for the slot)
 *   rec                 the resume record's sector (upload_rec.c)
 *   [align_down(base + max_image_size, es), slot end)
 *                       the trailer sectors, erased at upload start (unless
 *                       the background erase's done-record proves them
 *                       erased) so a stale MCUboot magic can never make a
 *                       half-uploaded image pending
 */
#include <string.h>

#include <bearssl.h>

#include "upload_priv.h"

void fk_smp_upload_abort(struct fk_smp_server *s)
{
    memset(&s->up, 0, sizeof s->up);
    if (s->bg.state != FK_SMP_BG_NONE) {
        s->bg.state = FK_SMP_BG_UNKNOWN; /* slot 1 may have been erased: read the record again */
    }
}

/* ---- data path ------------------------------------------------------------ */

/* Program `n` (multiple of ws) bytes at image offset `flushed`, erasing the
 * sectors they reach first. */
static int flush_bytes(struct fk_smp_server *s, const struct fk_upl_geom *g, const uint8_t *p, uint32_t n)
{
    struct fk_smp_upload *up = &s->up;
    while (up->erased_to < up->flushed + n) {
        uint32_t from = g->base + up->erased_to, len = g->es;
        if (s->cfg->flags & FK_SMP_F_FAST_ERASE) {
            /* erase ahead in the largest block, never into the record
             * sector or the trailer */
            uint32_t lim = up->persisted ? g->base + up->rec_off : (g->base + g->max) / g->es * g->es;
            if (from < lim) {
                len = fk_smp_block_len(g->fa, from, lim);
            }
        }
        /* (a block is one erase command: the driver picks the largest) */
        int rc = fk_smp_erase(s, g->fa, from, from + len, FK_ERASE_UNPROVEN);
        if (rc) {
            return rc;
        }
        up->erased_to += len;
    }
    int rc = fk_flash_write(g->fa, g->base + up->flushed, p, n);
    if (rc) {
        return rc;
    }
    up->flushed += n;
    return fk_upl_markers_update(s, g);
}

static int append(struct fk_smp_server *s, const struct fk_upl_geom *g, const uint8_t *p, size_t n)
{
    struct fk_smp_upload *up = &s->up;
    while (n) {
        if (up->wlen == 0 && n >= g->ws) {
            uint32_t k = (uint32_t)(n / g->ws * g->ws);
            int rc = flush_bytes(s, g, p, k);
            if (rc) {
                return rc;
            }
            p += k;
            n -= k;
            continue;
        }
        uint32_t k = g->ws - up->wlen;
        if (k > n) {
            k = (uint32_t)n;
        }
        memcpy(up->wbuf + up->wlen, p, k);
        up->wlen += k;
        p += k;
        n -= k;
        if (up->wlen == g->ws) {
            int rc = flush_bytes(s, g, up->wbuf, g->ws);
            if (rc) {
                return rc;
            }
            up->wlen = 0;
        }
    }
    return FK_OK;
}

/* Pad the last partial write unit with the erased value and program it. */
static int final_flush(struct fk_smp_server *s, const struct fk_upl_geom *g)
{
    struct fk_smp_upload *up = &s->up;
    if (!up->wlen) {
        return FK_OK;
    }
    memset(up->wbuf + up->wlen, g->ev, g->ws - up->wlen);
    int rc = flush_bytes(s, g, up->wbuf, g->ws);
    up->wlen = 0;
    return rc;
}

static int sha_match(const struct fk_upl_geom *g, uint32_t len, const uint8_t want[32], bool *match)
{
    br_sha256_context h;
    uint8_t buf[128], out[32];
    br_sha256_init(&h);
    for (uint32_t o = 0; o < len;) {
        uint32_t n = len - o < sizeof buf ? len - o : (uint32_t)sizeof buf;
        int rc = fk_flash_read(g->fa, g->base + o, buf, n);
        if (rc) {
            return rc;
        }
        br_sha256_update(&h, buf, n);
        o += n;
    }
    br_sha256_out(&h, out);
    *match = memcmp(out, want, 32) == 0;
    return FK_OK;
}

static int answer_off(struct fk_smp_req *r, uint32_t off, int match)
{
    fk_cbor_map(&r->enc, match >= 0 ? 2 : 1);
    fk_cbor_tstr(&r->enc, "off");
    fk_cbor_uint(&r->enc, off);
    if (match >= 0) {
        fk_cbor_tstr(&r->enc, "match");
        fk_cbor_bool(&r->enc, match != 0);
    }
    return FK_SMP_R_OK;
}

static int flash_fail(struct fk_smp_req *r, int img_rc, const char *what, int err)
{
    fk_smp_log(r->s, "upload: %s failed (%s); upload stopped", what, fk_err_name(err));
    fk_smp_upload_abort(r->s);
    return fk_smp_group_fail(r, img_rc, "%s failed: %s", what, fk_err_name(err));
}

/* Serial recovery under fotakit's own bootloader: the recovered primary
 * must be what the next boot starts. fotakit's swap keeps its state in both
 * trailers (a pending magic, swap begin records in the secondary; the
 * primary's start record went with the primary trailer above), and a begin
 * record without its start record means "start the swap over", which would
 * swap the recovered image out. So the secondary's trailer sectors are
 * erased too; the image data in the secondary stays. A secondary that does
 * not answer (the chip may be why recovery runs) is logged, not fatal: the
 * boot ignores a secondary it cannot read. */
static void recovery_forget_secondary(struct fk_smp_server *s)
{
    const struct fk_flash_area *sec;
    struct fk_boot_geometry bg;
    if (!(fk_smp_bl(s)->flags & FK_BL_F_FOTAKIT) || fk_boot_geometry(fk_smp_map(s), &bg) != FK_OK) {
        return;
    }
    int rc = fk_flash_open(fk_smp_map(s), FK_AREA_ID_SECONDARY, &sec);
    if (rc == FK_OK) {
        uint32_t t = bg.sec_trailer_units * bg.unit;
        rc = fk_smp_erase(s, sec, sec->size - t, sec->size, FK_ERASE_UNPROVEN);
    }
    fk_smp_log(s, "recovery: secondary trailer %s (%s)", rc ? "NOT cleared" : "cleared",
               fk_err_name(rc));
}

/* Start a new session: kill any stale record, clear the trailer, write the
 * new record. */
static int session_start(struct fk_smp_req *r, const struct fk_upl_geom *g, uint32_t len,
                         const uint8_t *sha, uint8_t sha_len)
{
    struct fk_smp_server *s = r->s;
    struct fk_smp_upload *up = &s->up;
    /* a finished background erase: the data area needs no erase (the
     * record sector, erased below, ends its record) */
    bool pre_erased = s->img == 0 && fk_smp_slot_pre_erased(s); /* image 0's only */
    s->bg.state = FK_SMP_BG_NONE;
    fk_smp_upload_abort(s);
    int rc;
    if (g->has_rec) {
        rc = fk_smp_erase(s, g->fa, g->base + g->rec, g->base + g->rec + g->es, FK_ERASE_UNPROVEN);
        if (rc) {
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED, "erasing the resume record", rc);
        }
    }
    uint32_t tstart = (g->base + g->max) / g->es * g->es;
    /* the background erase's done-record proves the trailer erased too */
    rc = fk_smp_erase(s, g->fa, tstart, g->fa->size,
                      pre_erased ? FK_ERASE_PROVEN : FK_ERASE_UNPROVEN);
    if (rc) {
        return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED, "erasing the slot trailer", rc);
    }
    if (fk_smp_recovery(s)) {
        recovery_forget_secondary(s);
    }
    up->active = true;
    up->image = s->img;
    up->len = len;
    up->sha_len = sha_len;
    memcpy(up->sha, sha, sha_len);
    rc = fk_upl_rec_begin(s, g);
    if (rc) {
        return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED, "writing the resume record", rc);
    }
    if (pre_erased && g->has_rec) {
        up->erased_to = g->rec; /* everything before the record sector */
    }
    fk_smp_log(s, "upload: new image of %u bytes%s%s", (unsigned)len,
               up->persisted ? " (resumable across resets)" : "",
               pre_erased ? " into the pre-erased slot" : "");
    return FK_SMP_R_OK;
}

int fk_smp_img_upload(struct fk_smp_req *r)
{
    struct fk_cbor_field f[] = {
        {.key = "image", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        {.key = "data", .accept = FK_CBOR_ACCEPT(FK_CBOR_BSTR)},
        {.key = "len", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        {.key = "off", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        {.key = "sha", .accept = FK_CBOR_ACCEPT(FK_CBOR_BSTR)},
        {.key = "upgrade", .accept = FK_CBOR_ACCEPT(FK_CBOR_TRUE) | FK_CBOR_ACCEPT(FK_CBOR_FALSE)},
    };
    enum { F_IMAGE, F_DATA, F_LEN, F_OFF, F_SHA, F_UPGRADE };
    const char *bad;
    int rc = fk_cbor_map_fields(r->payload, r->plen, f, 6, &bad);
    if (rc) {
        return fk_smp_payload_fail(r, rc, bad);
    }
    struct fk_smp_server *s = r->s;
    struct fk_smp_upload *up = &s->up;
    s->stats.upload_chunks++;
    if (!f[F_OFF].found) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_OFFSET, "upload chunk without \"off\"");
    }
    /* The image: "image" of the first chunk (Zephyr reads it there only),
     * else the running session's. */
    if (f[F_IMAGE].found && f[F_IMAGE].item.u >= fk_smp_images(s)) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_SLOT,
                                 "image %u does not exist: this device has %s",
                                 (unsigned)(f[F_IMAGE].item.u > 0xffffu ? 0xffffu : f[F_IMAGE].item.u),
                                 fk_smp_images(s) > 1 ? "images 0 and 1" : "image 0 only");
    }
    if (f[F_OFF].item.u == 0) {
        uint8_t want = f[F_IMAGE].found ? (uint8_t)f[F_IMAGE].item.u : 0;
        if (up->active && up->image != want) {
            fk_smp_upload_abort(s); /* a new upload to the other image ends this one */
        }
        s->img = want;
    } else {
        s->img = up->active ? up->image : 0;
    }
    struct fk_cbor_item empty = {.type = FK_CBOR_BSTR};
    const struct fk_cbor_item *data = f[F_DATA].found ? &f[F_DATA].item : &empty;
    uint64_t off = f[F_OFF].item.u;
    struct fk_upl_geom g;
    rc = fk_upl_geom_get(s, &g);
    if (rc == FK_ENOTSUP) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL,
                                 "slot %u geometry unusable for uploads (write size above %u "
                                 "bytes, or slot/offset not sector aligned)",
                                 (unsigned)g.slot, (unsigned)FK_SMP_WBUF_MAX);
    }
    if (rc) {
        /* e.g. "mcuboot_secondary: device external_flash (spi-nor on spi4)
         * is not ready: JEDEC ID read ff ff ff, ..." */
        char why[FK_SMP_RSN_LEN];
        fk_flash_explain(fk_smp_map(s), fk_smp_slot_area(g.slot), rc, why, sizeof why);
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED, "%s", why);
    }

    if (off == 0) {
        if (!f[F_LEN].found) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_LENGTH,
                                     "first chunk (off 0) without \"len\"");
        }
        uint64_t len = f[F_LEN].item.u;
        uint8_t sha[32];
        size_t sha_len = 0;
        if (f[F_SHA].found) {
            if (fk_cbor_str_copy(&f[F_SHA].item, sha, sizeof sha, &sha_len)) {
                return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_HASH,
                                         "sha has %u bytes, at most 32", (unsigned)f[F_SHA].item.len);
            }
        }
        /* Resume: the same sha (and len) as the session in RAM, or as the
         * record in flash after a reset. A session still at offset 0 just
         * takes this chunk as its first (answering "0" would loop). */
        bool resume = false;
        if (sha_len && len <= 0xffffffffu) {
            if (up->active && up->len == len && up->sha_len == sha_len &&
                memcmp(up->sha, sha, sha_len) == 0) {
                resume = true;
                if (up->off > 0) {
                    s->stats.upload_resumes++;
                    fk_smp_log(s, "upload: resuming at %u of %u", (unsigned)up->off,
                               (unsigned)up->len);
                    return answer_off(r, up->off, -1);
                }
            }
            if (!resume && !up->active && len <= g.max) {
                struct fk_smp_upload ld;
                if (fk_upl_rec_load(&g, (uint32_t)len, sha, (uint8_t)sha_len, &ld) == FK_OK) {
                    *up = ld;
                    resume = true;
                    fk_smp_log(s, "upload: resuming after reset at %u of %u", (unsigned)up->off,
                               (unsigned)up->len);
                    if (up->off == 0) {
                        /* nothing kept yet: this chunk starts the data */
                    } else if (up->off < up->len) {
                        s->stats.upload_resumes++;
                        return answer_off(r, up->off, -1);
                    } else {
                        /* all data was there (the end was cut before the
                         * record was cleared): finish as a last chunk would */
                        bool m = false;
                        if (sha_len == 32 && sha_match(&g, up->len, up->sha, &m)) {
                            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_READ_FAILED,
                                              "hashing the slot", FK_EIO);
                        }
                        (void)fk_smp_erase(s, g.fa, g.base + up->rec_off, g.base + up->rec_off + g.es,
                                           FK_ERASE_UNPROVEN);
                        uint32_t done = up->len;
                        fk_smp_upload_abort(s);
                        return answer_off(r, done, sha_len == 32 ? m : -1);
                    }
                }
            }
        }
        if (!resume) {
            rc = fk_upl_first_chunk_checks(r, &g, len, data,
                                    f[F_UPGRADE].found && f[F_UPGRADE].item.type == FK_CBOR_TRUE);
            if (rc != FK_SMP_R_OK) {
                return rc; /* the dispatcher logs the reason */
            }
            rc = session_start(r, &g, (uint32_t)len, sha, (uint8_t)sha_len);
            if (rc != FK_SMP_R_OK) {
                return rc;
            }
        }
    } else if (!up->active) {
        /* no session (e.g. after a reset): ask for the start, as Zephyr */
        s->stats.upload_rewinds++;
        return answer_off(r, 0, -1);
    } else if (off != up->off) {
        /* lost, duplicated, reordered or overlapping chunk: say where we are */
        s->stats.upload_rewinds++;
        return answer_off(r, up->off, -1);
    }

    if (data->len > up->len - up->off) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN,
                                 "chunk at %u carries %u bytes, past the image end %u",
                                 (unsigned)up->off, (unsigned)data->len, (unsigned)up->len);
    }
    struct fk_cbor_chunks c;
    const uint8_t *p;
    size_t n;
    fk_cbor_chunks_begin(&c, data);
    while (fk_cbor_chunks_next(&c, &p, &n) == 1) {
        rc = append(s, &g, p, n);
        if (rc) {
            /* (an erase-ahead failure is reported as a write failure too:
             * the chunk could not be written) */
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED, "writing the slot", rc);
        }
        up->off += (uint32_t)n;
    }
    if (up->off < up->len) {
        return answer_off(r, up->off, -1);
    }
    /* last chunk */
    rc = final_flush(s, &g);
    if (!rc) {
        rc = fk_flash_sync(g.fa);
    }
    if (rc) {
        return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED, "writing the slot", rc);
    }
    int match = -1;
    if (up->sha_len == 32) {
        bool m;
        rc = sha_match(&g, up->len, up->sha, &m);
        if (rc) {
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_READ_FAILED, "hashing the slot", rc);
        }
        match = m;
    }
    if (up->persisted) {
        /* the record has served its purpose; a stale one must never remain */
        rc = fk_smp_erase(s, g.fa, g.base + up->rec_off, g.base + up->rec_off + g.es,
                          FK_ERASE_UNPROVEN);
        if (rc) {
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED, "clearing the resume record",
                              rc);
        }
    }
    uint32_t done = up->len;
    fk_smp_log(s, "upload: complete, %u bytes%s", (unsigned)done,
               match < 0 ? "" : match ? ", sha matches" : ", SHA MISMATCH");
    fk_smp_upload_abort(s);
    return answer_off(r, done, match);
}
