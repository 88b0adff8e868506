/*
 * Image upload (image group, command 1) with progressive erase and a resume
 * record that survives a device reset.
 *
 * Where things go (offsets relative to the image start in the secondary
 * slot, base = fk_boot_secondary_image_off()):
 *   [0, len)            the image, written in order through a write_size
 *                       buffer; the sector ahead of each write is erased just
 *                       before it (the first chunk waits for one sector, not
 *                       for the slot)
 *   rec = align_down(max_image_size, es) - es
 *                       one sector holding the resume record, used only when
 *                       the image ends at or before it (align_up(len, es) <=
 *                       rec); larger images resume within one power cycle only
 *   [align_down(base + max_image_size, es), slot end)
 *                       the trailer sectors, erased at upload start (unless
 *                       already erased) so a stale MCUboot magic can never make
 *                       a half-uploaded image pending
 *
 * Record (at rec): header {magic "FKUP", version, sha_len, image, len, unit,
 * sha[32], crc32} written once at upload start, then one write_size marker
 * per `unit` bytes of image flushed to flash (unit = a whole number of
 * sectors). Resume point after a reset = markers * unit: everything before
 * it was synced to flash before its marker was written; the sector at the
 * resume point is erased again before it is rewritten. Every new upload
 * erases the record sector first, so a record can never describe data that
 * a later upload overwrote; a finished upload erases it too.
 */
#include <string.h>

#include <bearssl.h>

#include "smp_priv.h"
#include "fotakit/le.h"

#define REC_MAGIC 0x50554b46u /* "FKUP" little endian */
#define REC_VERSION 1u
#define REC_RAW 52u           /* header bytes before padding to write_size */
#define REC_HDR_MAX 64u       /* REC_RAW rounded up to the largest write_size */

struct geom {
    const struct fk_flash_area *fa;
    uint32_t base;    /* image start in the area */
    uint32_t es, ws;  /* erase and write size */
    uint32_t max;     /* fk_boot_max_image_size */
    bool has_rec;     /* the slot has room for a record sector */
    uint32_t rec;     /* record sector, relative to base */
    uint32_t rec_hdr; /* record header bytes (padded to ws) */
    uint8_t ev;
};

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

static int geom_get(struct fk_smp_server *s, struct geom *g)
{
    memset(g, 0, sizeof *g);
    int rc = fk_flash_open(s->cfg->map, FK_AREA_ID_SECONDARY, &g->fa);
    if (rc) {
        return rc;
    }
    g->base = fk_boot_secondary_image_off(s->cfg->map);
    g->es = g->fa->dev->erase_size;
    g->ws = fk_flash_align(g->fa);
    g->max = fk_boot_max_image_size(s->cfg->map);
    g->ev = fk_flash_erased_val(g->fa);
    if (!g->es || !g->ws || g->ws > FK_SMP_WBUF_MAX || g->base % g->es ||
        g->base > g->fa->size || g->max > g->fa->size - g->base) {
        return FK_ENOTSUP;
    }
    g->rec_hdr = align_up(REC_RAW, g->ws);
    uint32_t top = g->max / g->es * g->es;
    if (top >= 2 * g->es && g->rec_hdr + g->ws <= g->es) {
        g->has_rec = true;
        g->rec = top - g->es;
    }
    return FK_OK;
}

static uint32_t max_markers(const struct geom *g)
{
    return (g->es - g->rec_hdr) / g->ws;
}

/* Erase [off, off+len) (area-relative, sector aligned) unless already erased. */
static int erase_if_needed(struct fk_smp_server *s, const struct geom *g, uint32_t off, uint32_t len)
{
    return fk_smp_erase_dirty(s, g->fa, off, off + len);
}

/* ---- record ------------------------------------------------------------ */

static void rec_encode(const struct fk_smp_upload *up, const struct geom *g, uint8_t *out)
{
    memset(out, g->ev, g->rec_hdr);
    fk_put_le32(out, REC_MAGIC);
    out[4] = REC_VERSION;
    out[5] = up->sha_len;
    out[6] = up->image;
    out[7] = 0;
    fk_put_le32(out + 8, up->len);
    fk_put_le32(out + 12, up->marker_unit);
    memset(out + 16, 0, 32);
    memcpy(out + 16, up->sha, up->sha_len);
    fk_put_le32(out + 48, fk_boot_crc32(0, out, 48)); /* the bootloader's CRC-32 (IEEE) */
}

/* Load the record; FK_OK and *up filled when it is intact and matches. */
static int rec_load(struct fk_smp_server *s, const struct geom *g, uint32_t len, const uint8_t *sha,
                    uint8_t sha_len, struct fk_smp_upload *up)
{
    if (!g->has_rec || align_up(len, g->es) > g->rec) {
        return FK_ENOENT;
    }
    uint8_t h[REC_HDR_MAX];
    uint32_t at = g->base + g->rec;
    int rc = fk_flash_read(g->fa, at, h, REC_RAW);
    if (rc) {
        return rc;
    }
    if (fk_le32(h) != REC_MAGIC || h[4] != REC_VERSION || fk_le32(h + 48) != fk_boot_crc32(0, h, 48)) {
        return FK_ENOENT;
    }
    uint32_t unit = fk_le32(h + 12);
    if (fk_le32(h + 8) != len || h[5] != sha_len || memcmp(h + 16, sha, sha_len) != 0 ||
        h[6] != 0 || unit == 0 || unit % g->es) {
        return FK_ENOENT;
    }
    /* count markers: written in order, the first erased one ends the run */
    uint32_t n = 0, want = len / unit;
    uint8_t m[FK_SMP_WBUF_MAX];
    while (n < want && n < max_markers(g)) {
        rc = fk_flash_read(g->fa, at + g->rec_hdr + n * g->ws, m, g->ws);
        if (rc) {
            return rc;
        }
        bool written = true;
        for (uint32_t i = 0; i < g->ws; i++) {
            if (m[i] == g->ev) {
                written = false; /* torn or never written: not trusted */
            }
        }
        if (!written) {
            break;
        }
        n++;
    }
    memset(up, 0, sizeof *up);
    up->active = true;
    up->len = len;
    up->sha_len = sha_len;
    memcpy(up->sha, sha, sha_len);
    up->persisted = true;
    up->rec_off = g->rec;
    up->marker_unit = unit;
    up->markers = n;
    up->off = up->flushed = up->erased_to = n * unit;
    (void)s;
    return FK_OK;
}

/* Write markers for every unit now fully flushed (synced first: a marker
 * must never be on flash before the data it vouches for). */
static int markers_update(struct fk_smp_server *s, const struct geom *g)
{
    struct fk_smp_upload *up = &s->up;
    if (!up->persisted) {
        return FK_OK;
    }
    uint32_t due = up->flushed / up->marker_unit;
    if (due > max_markers(g)) {
        due = max_markers(g);
    }
    if (due <= up->markers) {
        return FK_OK;
    }
    int rc = fk_flash_sync(g->fa);
    if (rc) {
        return rc;
    }
    uint8_t m[FK_SMP_WBUF_MAX];
    memset(m, (uint8_t)~g->ev, g->ws);
    while (up->markers < due) {
        rc = fk_flash_write(g->fa, g->base + up->rec_off + g->rec_hdr + up->markers * g->ws, m,
                            g->ws);
        if (rc) {
            return rc;
        }
        up->markers++;
    }
    return FK_OK;
}

void fk_smp_upload_abort(struct fk_smp_server *s)
{
    memset(&s->up, 0, sizeof s->up);
}

/* ---- data path ------------------------------------------------------------ */

/* Program `n` (multiple of ws) bytes at image offset `flushed`, erasing the
 * sectors they reach first. */
static int flush_bytes(struct fk_smp_server *s, const struct geom *g, const uint8_t *p, uint32_t n)
{
    struct fk_smp_upload *up = &s->up;
    while (up->erased_to < up->flushed + n) {
        int rc = fk_smp_erase_range(s, g->fa, g->base + up->erased_to,
                                    g->base + up->erased_to + g->es);
        if (rc) {
            return rc;
        }
        up->erased_to += g->es;
    }
    int rc = fk_flash_write(g->fa, g->base + up->flushed, p, n);
    if (rc) {
        return rc;
    }
    up->flushed += n;
    return markers_update(s, g);
}

static int append(struct fk_smp_server *s, const struct geom *g, const uint8_t *p, size_t n)
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
static int final_flush(struct fk_smp_server *s, const struct geom *g)
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

static int sha_match(const struct geom *g, uint32_t len, const uint8_t want[32], bool *match)
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

/* Checks of the first chunk (Zephyr's order: header, length, hash, slot,
 * size, version). Returns FK_SMP_R_OK or an error answer. */
static int first_chunk_checks(struct fk_smp_req *r, const struct geom *g, uint64_t len,
                              const struct fk_cbor_item *data, bool upgrade)
{
    struct fk_smp_server *s = r->s;
    bool check = !(s->cfg->flags & FK_SMP_F_NO_HEADER_CHECK);
    struct fk_image_header hdr;
    memset(&hdr, 0, sizeof hdr);
    if (check) {
        uint8_t h[FK_IMAGE_HEADER_SIZE];
        size_t hl = 0;
        if (data->len < FK_IMAGE_HEADER_SIZE) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
                                     "first chunk has %u data bytes; the 32-byte image header "
                                     "must come whole",
                                     (unsigned)data->len);
        }
        /* gather the header from the (possibly chunked) data string */
        struct fk_cbor_chunks c;
        const uint8_t *p;
        size_t n;
        fk_cbor_chunks_begin(&c, data);
        while (hl < sizeof h && fk_cbor_chunks_next(&c, &p, &n) == 1) {
            size_t k = n < sizeof h - hl ? n : sizeof h - hl;
            memcpy(h + hl, p, k);
            hl += k;
        }
        hdr.magic = fk_le32(h);
        hdr.hdr_size = (uint16_t)(h[8] | (h[9] << 8));
        hdr.protect_tlv_size = (uint16_t)(h[10] | (h[11] << 8));
        hdr.img_size = fk_le32(h + 12);
        hdr.flags = fk_le32(h + 16);
        hdr.ver.major = h[20];
        hdr.ver.minor = h[21];
        hdr.ver.revision = (uint16_t)(h[22] | (h[23] << 8));
        hdr.ver.build = fk_le32(h + 24);
        if (hdr.magic != FK_IMAGE_MAGIC) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC,
                                     "not an MCUboot image: header magic is 0x%x, expected "
                                     "0x96f3b83d (sign it with imgtool / fotakit image sign)",
                                     (unsigned)hdr.magic);
        }
    }
    if (len == 0 || len > 0xffffffffu) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_LENGTH,
                                 "image length must be 1 .. 4294967295 bytes");
    }
    if (check) {
        uint64_t need = (uint64_t)hdr.hdr_size + hdr.img_size + hdr.protect_tlv_size;
        if (hdr.hdr_size < FK_IMAGE_HEADER_SIZE || need > len) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
                                     "header is inconsistent: header %u + payload %u + protected "
                                     "TLVs %u bytes against an upload of %u bytes",
                                     (unsigned)hdr.hdr_size, (unsigned)hdr.img_size,
                                     (unsigned)hdr.protect_tlv_size, (unsigned)len);
        }
        if (hdr.flags & (FK_IMAGE_F_ENCRYPTED_AES128 | FK_IMAGE_F_ENCRYPTED_AES256)) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
                                     "encrypted images are not supported by fotakit");
        }
    }
    if (data->len > len) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN,
                                 "first chunk has %u bytes, more than the image length %u",
                                 (unsigned)data->len, (unsigned)len);
    }
    struct fk_smp_slot_info si;
    fk_smp_read_slot(s, 1, &si);
    unsigned fl = fk_smp_slot_flags(s, 1);
    if (si.valid && (fl & (FK_SMP_F_PENDING | FK_SMP_F_CONFIRMED))) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_NO_FREE_SLOT,
                                 (fl & FK_SMP_F_PENDING)
                                     ? "slot 1 holds an image pending for the next reset; erase "
                                       "it first"
                                     : "slot 1 holds the previous image a revert restores; "
                                       "confirm the running image first");
    }
    if (len > g->max) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE,
                                 "image of %u bytes does not fit: the largest this slot takes "
                                 "is %u",
                                 (unsigned)len, (unsigned)g->max);
    }
    if (upgrade && check) {
        struct fk_smp_slot_info run;
        fk_smp_read_slot(s, 0, &run);
        if (!run.valid && run.img_rc != FK_IMG_MGMT_ERR_HASH_NOT_FOUND) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_VERSION_GET_FAILED,
                                     "cannot read the running image's version");
        }
        const struct fk_image_version *a = &run.info.hdr.ver, *b = &hdr.ver;
        /* semver order; the build number is not compared (as Zephyr) */
        int cmp = a->major != b->major       ? (a->major < b->major ? -1 : 1)
                  : a->minor != b->minor     ? (a->minor < b->minor ? -1 : 1)
                  : a->revision != b->revision ? (a->revision < b->revision ? -1 : 1)
                                               : 0;
        if (cmp >= 0) {
            char va[32], vb[32];
            fk_smp_ver_str(a, va, sizeof va);
            fk_smp_ver_str(b, vb, sizeof vb);
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER,
                                     "upgrade only: running %s, uploaded %s", va, vb);
        }
    }
    return FK_SMP_R_OK;
}

/* Start a new session: kill any stale record, clear the trailer, write the
 * new record. */
static int session_start(struct fk_smp_req *r, const struct geom *g, uint32_t len,
                         const uint8_t *sha, uint8_t sha_len)
{
    struct fk_smp_server *s = r->s;
    struct fk_smp_upload *up = &s->up;
    fk_smp_upload_abort(s);
    int rc;
    if (g->has_rec) {
        rc = erase_if_needed(s, g, g->base + g->rec, g->es);
        if (rc) {
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED, "erasing the resume record", rc);
        }
    }
    uint32_t tstart = (g->base + g->max) / g->es * g->es;
    rc = erase_if_needed(s, g, tstart, g->fa->size - tstart);
    if (rc) {
        return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED, "erasing the slot 1 trailer", rc);
    }
    up->active = true;
    up->len = len;
    up->sha_len = sha_len;
    memcpy(up->sha, sha, sha_len);
    if (g->has_rec && align_up(len, g->es) <= g->rec) {
        uint32_t sectors = align_up(len, g->es) / g->es;
        uint32_t per = (sectors + max_markers(g) - 1) / max_markers(g);
        up->marker_unit = (per ? per : 1) * g->es;
        up->rec_off = g->rec;
        uint8_t h[REC_HDR_MAX];
        rec_encode(up, g, h);
        rc = fk_flash_write(g->fa, g->base + g->rec, h, g->rec_hdr);
        if (rc) {
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED, "writing the resume record",
                              rc);
        }
        up->persisted = true;
    }
    fk_smp_log(s, "upload: new image of %u bytes%s", (unsigned)len,
               up->persisted ? " (resumable across resets)" : "");
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
    if (f[F_IMAGE].found && f[F_IMAGE].item.u != 0) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_SLOT,
                                 "image %u does not exist: this device has image 0 only",
                                 (unsigned)(f[F_IMAGE].item.u > 0xffffu ? 0xffffu : f[F_IMAGE].item.u));
    }
    struct fk_cbor_item empty = {.type = FK_CBOR_BSTR};
    const struct fk_cbor_item *data = f[F_DATA].found ? &f[F_DATA].item : &empty;
    uint64_t off = f[F_OFF].item.u;
    struct geom g;
    rc = geom_get(s, &g);
    if (rc == FK_ENOTSUP) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL,
                                 "slot 1 geometry unusable for uploads (write size above %u "
                                 "bytes, or slot/offset not sector aligned)",
                                 (unsigned)FK_SMP_WBUF_MAX);
    }
    if (rc) {
        /* e.g. "mcuboot_secondary: device external_flash (spi-nor on spi4)
         * is not ready: JEDEC ID read ff ff ff, ..." */
        char why[FK_SMP_RSN_LEN];
        fk_flash_explain(s->cfg->map, FK_AREA_ID_SECONDARY, rc, why, sizeof why);
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
                if (rec_load(s, &g, (uint32_t)len, sha, (uint8_t)sha_len, &ld) == FK_OK) {
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
                                              "hashing slot 1", FK_EIO);
                        }
                        (void)erase_if_needed(s, &g, g.base + up->rec_off, g.es);
                        uint32_t done = up->len;
                        fk_smp_upload_abort(s);
                        return answer_off(r, done, sha_len == 32 ? m : -1);
                    }
                }
            }
        }
        if (!resume) {
            rc = first_chunk_checks(r, &g, len, data,
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
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED, "writing slot 1", rc);
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
        return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED, "writing slot 1", rc);
    }
    int match = -1;
    if (up->sha_len == 32) {
        bool m;
        rc = sha_match(&g, up->len, up->sha, &m);
        if (rc) {
            return flash_fail(r, FK_IMG_MGMT_ERR_FLASH_READ_FAILED, "hashing slot 1", rc);
        }
        match = m;
    }
    if (up->persisted) {
        /* the record has served its purpose; a stale one must never remain */
        rc = fk_smp_erase_range(s, g.fa, g.base + up->rec_off, g.base + up->rec_off + g.es);
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
