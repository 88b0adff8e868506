/*
 * Background erase of the unused secondary slot (FK_SMP_F_FAST_ERASE,
 * docs/ble.md "Background erase"): once a tested image is confirmed, the
 * secondary holds the old image nobody needs; the device erases it while
 * idle, one block per fk_smp_idle() call, so the next upload only programs.
 *
 * The record lives in the upload's resume-record sector (upload_rec.c:
 * rec, relative to the image start), which every upload erases first, so
 * an upload always wipes it:
 *   header  {magic "FKBE", version 1, steps u16, slot size u32, crc32}
 *           padded to write_size, written once the record sector is erased
 *   unit i  (i < steps) write_size bytes of ~erased value: erase step i done
 *   unit steps           : every step done (written after the last erase
 *                          completed; only this says "erased")
 * Steps walk the slot from its start, skipping the record sector, each the
 * largest of 64 KB / 32 KB / one sector that is aligned on the device and
 * fits (the NOR driver turns an aligned 64 KB erase into one block erase).
 * After a reset the walk continues at the first step without its unit; a
 * step whose unit is missing is erased again, never skipped because it
 * reads erased (a torn erase can leave weakly erased cells that read
 * erased: include/fotakit/flash.h, fk_erase_proof).
 *
 * The image erase command (fk_smp_erase_slot) writes the same record, all
 * units at once, after its whole-slot erase has completed: a slot erased
 * by command is as proven as one erased in the background. The record is
 * the only proof the upload's fast path (programs only) accepts.
 */
#include <string.h>

#include "fotakit/le.h"
#include "upload_priv.h"

#define BE_MAGIC 0x45424b46u /* "FKBE" little endian */
#define BE_VERSION 1u
#define BE_RAW 16u
#define BE_HDR_MAX 32u /* BE_RAW rounded up to FK_SMP_WBUF_MAX */

uint32_t fk_smp_block_len(const struct fk_flash_area *fa, uint32_t off, uint32_t end)
{
    static const uint32_t blocks[] = {0x10000, 0x8000};
    uint32_t es = fa->dev->erase_size;
    for (unsigned i = 0; i < 2; i++) {
        uint32_t b = blocks[i];
        if (b > es && (fa->off + off) % b == 0 && end - off >= b) {
            return b;
        }
    }
    return es;
}

/* Step i's range, area-relative: FK_OK, or FK_ENOENT past the last step
 * (*count receives the number of steps when counting). */
static int step_range(const struct fk_upl_geom *g, uint32_t i, uint32_t *off, uint32_t *len,
                      uint32_t *count)
{
    uint32_t rec = g->base + g->rec, n = 0;
    uint32_t o = 0;
    while (o < g->fa->size) {
        if (o == rec) {
            o += g->es;
            continue;
        }
        uint32_t end = o < rec ? rec : g->fa->size;
        uint32_t l = fk_smp_block_len(g->fa, o, end);
        if (n == i && off) {
            *off = o;
            *len = l;
            return FK_OK;
        }
        n++;
        o += l;
    }
    if (count) {
        *count = n;
    }
    return FK_ENOENT;
}

static uint32_t hdr_len(const struct fk_upl_geom *g)
{
    return fk_upl_align_up(BE_RAW, g->ws);
}

static void hdr_encode(const struct fk_upl_geom *g, uint32_t steps, uint8_t *out)
{
    memset(out, g->ev, BE_HDR_MAX);
    fk_put_le32(out, BE_MAGIC);
    fk_put_le16(out + 4, BE_VERSION);
    fk_put_le16(out + 6, (uint16_t)steps);
    fk_put_le32(out + 8, g->fa->size);
    fk_put_le32(out + 12, fk_boot_crc32(0, out, 12));
}

/* Read the record: FK_OK with *steps and *done_units (units written), or
 * FK_ENOENT when the sector holds no background-erase record. */
static int rec_read(const struct fk_upl_geom *g, uint32_t *steps, uint32_t *units)
{
    uint8_t h[BE_HDR_MAX];
    uint32_t at = g->base + g->rec;
    int rc = fk_flash_read(g->fa, at, h, BE_RAW);
    if (rc) {
        return rc;
    }
    if (fk_le32(h) != BE_MAGIC || fk_le16(h + 4) != BE_VERSION ||
        fk_le32(h + 8) != g->fa->size || fk_le32(h + 12) != fk_boot_crc32(0, h, 12)) {
        return FK_ENOENT;
    }
    *steps = fk_le16(h + 6);
    uint32_t max = (g->es - hdr_len(g)) / g->ws;
    if (*steps + 1 > max) {
        return FK_ENOENT;
    }
    /* units are written in order: count until the first still-erased one */
    uint32_t n = 0;
    uint8_t u[FK_SMP_WBUF_MAX];
    for (; n <= *steps; n++) {
        rc = fk_flash_read(g->fa, at + hdr_len(g) + n * g->ws, u, g->ws);
        if (rc) {
            return rc;
        }
        bool erased = true;
        for (uint32_t k = 0; k < g->ws; k++) {
            erased &= u[k] == g->ev;
        }
        if (erased) {
            break;
        }
    }
    *units = n;
    return FK_OK;
}

/* Units [i, i + n): each says "step done". */
static int units_write(const struct fk_upl_geom *g, uint32_t i, uint32_t n)
{
    uint8_t u[FK_SMP_WBUF_MAX];
    memset(u, (uint8_t)~g->ev, sizeof u);
    uint32_t per = FK_SMP_WBUF_MAX / g->ws; /* units per write */
    while (n > 0) {
        uint32_t k = n < per ? n : per;
        int rc = fk_flash_write(g->fa, g->base + g->rec + hdr_len(g) + i * g->ws, u, k * g->ws);
        if (rc) {
            return rc;
        }
        i += k;
        n -= k;
    }
    return FK_OK;
}

static int unit_write(const struct fk_upl_geom *g, uint32_t i)
{
    return units_write(g, i, 1);
}

static int hdr_write(const struct fk_upl_geom *g, uint32_t steps)
{
    uint8_t h[BE_HDR_MAX];
    hdr_encode(g, steps, h);
    return fk_flash_write(g->fa, g->base + g->rec, h, hdr_len(g));
}

/* The background erase can run on this slot (it has a record sector with
 * room for a unit per step). */
static bool usable(struct fk_smp_server *s, struct fk_upl_geom *g, uint32_t *steps)
{
    if (!(s->cfg->flags & FK_SMP_F_FAST_ERASE) || fk_upl_geom_get(s, g) != FK_OK || !g->has_rec) {
        return false;
    }
    step_range(g, UINT32_MAX, NULL, NULL, steps);
    return *steps + 1 <= (g->es - hdr_len(g)) / g->ws;
}

int fk_smp_bg_erase_begin(struct fk_smp_server *s)
{
    struct fk_upl_geom g;
    uint32_t steps;
    if (!usable(s, &g, &steps)) {
        return FK_ENOTSUP;
    }
    /* the record sector first: it then holds nothing but this record */
    int rc = fk_flash_erase(g.fa, g.base + g.rec, g.es);
    if (rc) {
        return rc;
    }
    s->stats.erases++;
    rc = hdr_write(&g, steps);
    if (rc) {
        return rc;
    }
    s->bg.state = FK_SMP_BG_RUNNING;
    s->bg.step = 0;
    s->bg.steps = steps;
    fk_smp_log(s, "background erase of slot 1: %u steps, one per idle call", (unsigned)steps);
    return FK_OK;
}

/* Load the record once (after init/reset). It is image 0's, whatever
 * image the last request was about. */
static void bg_load(struct fk_smp_server *s)
{
    struct fk_upl_geom g;
    uint32_t steps, want, units;
    uint8_t img = s->img;
    s->img = 0;
    bool ok = usable(s, &g, &want);
    s->img = img;
    s->bg.state = FK_SMP_BG_NONE;
    if (!ok || rec_read(&g, &steps, &units) != FK_OK || steps != want) {
        return;
    }
    s->bg.steps = steps;
    s->bg.step = units;
    s->bg.state = units > steps ? FK_SMP_BG_DONE : FK_SMP_BG_RUNNING;
    if (s->bg.state == FK_SMP_BG_RUNNING) {
        fk_smp_log(s, "background erase of slot 1 resumes at step %u of %u", (unsigned)units,
                   (unsigned)steps);
    }
}

int fk_smp_idle(struct fk_smp_server *s)
{
    if (!s || !(s->cfg->flags & FK_SMP_F_FAST_ERASE)) {
        return 0;
    }
    s->img = 0; /* the background erase serves image 0's secondary */
    if (s->bg.state == FK_SMP_BG_UNKNOWN) {
        bg_load(s);
    }
    if (s->bg.state != FK_SMP_BG_RUNNING || s->up.active) {
        return 0; /* an upload owns the chip (and wipes the record when it starts) */
    }
    struct fk_upl_geom g;
    if (fk_upl_geom_get(s, &g) != FK_OK) {
        return 0;
    }
    int rc;
    if (s->bg.step < s->bg.steps) {
        uint32_t off = 0, len = 0;
        rc = step_range(&g, s->bg.step, &off, &len, NULL);
        if (rc == FK_OK) {
            rc = fk_flash_erase(g.fa, off, len);
        }
        if (rc == FK_OK) {
            s->stats.erases++;
            /* the unit vouches for the erase: only once it has completed */
            rc = fk_flash_sync(g.fa);
        }
        if (rc == FK_OK) {
            rc = unit_write(&g, s->bg.step);
        }
    } else {
        rc = unit_write(&g, s->bg.steps); /* the "done" unit, after the last erase */
    }
    if (rc) {
        fk_smp_log(s, "background erase of slot 1 stopped at step %u: %s", (unsigned)s->bg.step,
                   fk_err_name(rc));
        s->bg.state = FK_SMP_BG_NONE;
        return rc;
    }
    if (++s->bg.step > s->bg.steps) {
        s->bg.state = FK_SMP_BG_DONE;
        fk_smp_log(s, "background erase of slot 1 done: the next upload only programs");
    }
    return 1;
}

bool fk_smp_slot_pre_erased(struct fk_smp_server *s)
{
    if (!s || !(s->cfg->flags & FK_SMP_F_FAST_ERASE)) {
        return false;
    }
    if (s->bg.state == FK_SMP_BG_UNKNOWN) {
        bg_load(s);
    }
    return s->bg.state == FK_SMP_BG_DONE;
}

int fk_smp_erase_slot(struct fk_smp_server *s, const struct fk_flash_area *fa)
{
    struct fk_upl_geom g;
    uint32_t steps = 0;
    bool served = s->img == 0 && usable(s, &g, &steps) && g.fa == fa;
    int rc;
    if (served && fk_smp_slot_pre_erased(s)) {
        /* the record proves the slot erased: erase only what was programmed
         * since (normally nothing), around the record, which stays */
        uint32_t rec = g.base + g.rec;
        rc = fk_smp_erase(s, fa, 0, rec, FK_ERASE_PROVEN);
        if (!rc) {
            rc = fk_smp_erase(s, fa, rec + g.es, fa->size, FK_ERASE_PROVEN);
        }
        return rc ? rc : fk_flash_sync(fa);
    }
    /* the whole slot, whatever it reads: a sector that reads erased may be
     * what a power cut left of an earlier erase */
    rc = fk_smp_erase(s, fa, 0, fa->size, FK_ERASE_UNPROVEN);
    if (!rc) {
        rc = fk_flash_sync(fa); /* answer "erased" (and vouch) only once it is */
    }
    if (rc || !served) {
        return rc; /* (a background erase of this slot: its record is read again) */
    }
    /* vouch: header, then every step's unit and the "done" unit */
    rc = hdr_write(&g, steps);
    if (!rc) {
        rc = units_write(&g, 0, steps + 1);
    }
    if (rc) {
        /* the slot is erased; only the next upload's fast path is lost */
        fk_smp_log(s, "image erase: slot %d erased, its record not written (%s)", g.slot,
                   fk_err_name(rc));
        s->bg.state = FK_SMP_BG_UNKNOWN;
        return FK_OK;
    }
    s->bg.state = FK_SMP_BG_DONE;
    s->bg.steps = steps;
    s->bg.step = steps + 1;
    return FK_OK;
}
