/*
 * The upload's resume record: lets an upload interrupted by a reset continue
 * where its data was last known to be on flash.
 *
 * Where (offsets relative to the image start in the secondary slot):
 *   rec = align_down(max_image_size, es) - es
 *       one sector holding the record, used only when the image ends at or
 *       before it (align_up(len, es) <= rec); larger images resume within
 *       one power cycle only.
 *
 * Record: header {magic "FKUP", version, sha_len, image, len, unit, sha[32],
 * crc32} written once at upload start, then one write_size marker per `unit`
 * bytes of image flushed to flash (unit = a whole number of sectors). Resume
 * point after a reset = markers * unit: everything before it was synced to
 * flash before its marker was written; the sector at the resume point is
 * erased again before it is rewritten. Every new upload erases the record
 * sector first, so a record can never describe data that a later upload
 * overwrote; a finished upload erases it too.
 */
#include <string.h>

#include "upload_priv.h"
#include "fotakit/le.h"

#define REC_MAGIC 0x50554b46u /* "FKUP" little endian */
#define REC_VERSION 1u
#define REC_RAW 52u           /* header bytes before padding to write_size */
#define REC_HDR_MAX 64u       /* REC_RAW rounded up to the largest write_size */

uint32_t fk_upl_align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

int fk_upl_geom_get(struct fk_smp_server *s, struct fk_upl_geom *g)
{
    memset(g, 0, sizeof *g);
    g->slot = fk_smp_upload_slot(s);
    g->image = s->img;
    int rc = fk_flash_open(fk_smp_map(s), fk_smp_slot_area(g->slot), &g->fa);
    if (rc) {
        return rc;
    }
    /* placement and size limit: the bootloader row (fotakit/mcuboot_mode.h) */
    rc = fk_smp_space(s, &g->sp, NULL, 0);
    g->base = fk_smp_recovery(s) ? 0 : g->sp.upload_off; /* recovery: the primary, at 0 */
    g->es = g->fa->dev->erase_size;
    g->ws = fk_flash_align(g->fa);
    g->max = rc == FK_OK ? g->sp.max_image : 0;
    g->ev = fk_flash_erased_val(g->fa);
    if (!g->es || !g->ws || g->ws > FK_SMP_WBUF_MAX || g->base % g->es ||
        g->base > g->fa->size || g->max > g->fa->size - g->base) {
        return FK_ENOTSUP;
    }
    g->rec_hdr = fk_upl_align_up(REC_RAW, g->ws);
    uint32_t top = g->max / g->es * g->es;
    if (top >= 2 * g->es && g->rec_hdr + g->ws <= g->es) {
        g->has_rec = true;
        g->rec = top - g->es;
    }
    return FK_OK;
}

static uint32_t max_markers(const struct fk_upl_geom *g)
{
    return (g->es - g->rec_hdr) / g->ws;
}

static void rec_encode(const struct fk_smp_upload *up, const struct fk_upl_geom *g, uint8_t *out)
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

int fk_upl_rec_begin(struct fk_smp_server *s, const struct fk_upl_geom *g)
{
    struct fk_smp_upload *up = &s->up;
    if (!g->has_rec || fk_upl_align_up(up->len, g->es) > g->rec) {
        return FK_OK;
    }
    uint32_t sectors = fk_upl_align_up(up->len, g->es) / g->es;
    uint32_t per = (sectors + max_markers(g) - 1) / max_markers(g);
    up->marker_unit = (per ? per : 1) * g->es;
    up->rec_off = g->rec;
    uint8_t h[REC_HDR_MAX];
    rec_encode(up, g, h);
    int rc = fk_flash_write(g->fa, g->base + g->rec, h, g->rec_hdr);
    if (rc) {
        return rc;
    }
    up->persisted = true;
    return FK_OK;
}

int fk_upl_rec_load(const struct fk_upl_geom *g, uint32_t len, const uint8_t *sha,
                    uint8_t sha_len, struct fk_smp_upload *up)
{
    if (!g->has_rec || fk_upl_align_up(len, g->es) > g->rec) {
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
        h[6] != g->image || unit == 0 || unit % g->es) {
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
    up->image = g->image;
    up->len = len;
    up->sha_len = sha_len;
    memcpy(up->sha, sha, sha_len);
    up->persisted = true;
    up->rec_off = g->rec;
    up->marker_unit = unit;
    up->markers = n;
    up->off = up->flushed = up->erased_to = n * unit;
    return FK_OK;
}

/* A marker must never be on flash before the data it vouches for: the data
 * is synced first. */
int fk_upl_markers_update(struct fk_smp_server *s, const struct fk_upl_geom *g)
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
