/*
 * MCUboot-compatible slot trailer: magic, flags, swap size; the swap-type
 * table; fotakit's swap records; slot geometry. Device code.
 */
#include <string.h>

#include "boot_priv.h"

const uint8_t fk_boot_magic[FK_BOOT_MAGIC_LEN] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                                  0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};

uint32_t fk_boot_crc32(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int i = 0; i < 8; i++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

enum fk_boot_magic_state fk_boot_magic_decode(const uint8_t magic[FK_BOOT_MAGIC_LEN], uint8_t ev)
{
    if (memcmp(magic, fk_boot_magic, FK_BOOT_MAGIC_LEN) == 0) {
        return FK_MAGIC_GOOD;
    }
    for (unsigned i = 0; i < FK_BOOT_MAGIC_LEN; i++) {
        if (magic[i] != ev) {
            return FK_MAGIC_BAD;
        }
    }
    return FK_MAGIC_UNSET;
}

enum fk_boot_flag_state fk_boot_flag_decode(uint8_t raw, uint8_t ev)
{
    if (raw == ev) {
        return FK_FLAG_UNSET;
    }
    return raw == FK_BOOT_FLAG_SET ? FK_FLAG_SET : FK_FLAG_BAD;
}

/*
 * MCUboot's boot_swap_tables, evaluated in order. ANY matches everything;
 * a BAD value never equals SET/UNSET/GOOD, so corrupted trailers fall
 * through to NONE, as in MCUboot.
 */
#define M_ANY 0
#define F_ANY 0
static const struct {
    uint8_t magic_pri, magic_sec, ok_pri, ok_sec, cd_pri, type;
} swap_table[] = {
    {M_ANY, FK_MAGIC_GOOD, F_ANY, FK_FLAG_UNSET, F_ANY, FK_SWAP_TEST},
    {M_ANY, FK_MAGIC_GOOD, F_ANY, FK_FLAG_SET, F_ANY, FK_SWAP_PERM},
    {FK_MAGIC_GOOD, FK_MAGIC_UNSET, FK_FLAG_UNSET, F_ANY, FK_FLAG_SET, FK_SWAP_REVERT},
};

int fk_boot_swap_type_decide(enum fk_boot_magic_state magic_pri, enum fk_boot_magic_state magic_sec,
                             enum fk_boot_flag_state ok_pri, enum fk_boot_flag_state ok_sec,
                             enum fk_boot_flag_state copy_done_pri)
{
    for (size_t i = 0; i < sizeof swap_table / sizeof swap_table[0]; i++) {
        if ((swap_table[i].magic_pri == M_ANY || swap_table[i].magic_pri == magic_pri) &&
            (swap_table[i].magic_sec == M_ANY || swap_table[i].magic_sec == magic_sec) &&
            (swap_table[i].ok_pri == F_ANY || swap_table[i].ok_pri == ok_pri) &&
            (swap_table[i].ok_sec == F_ANY || swap_table[i].ok_sec == ok_sec) &&
            (swap_table[i].cd_pri == F_ANY || swap_table[i].cd_pri == copy_done_pri)) {
            return swap_table[i].type;
        }
    }
    return FK_SWAP_NONE;
}

int fk_trailer_read(const struct fk_flash_area *fa, struct fk_trailer *t)
{
    uint8_t buf[FK_BOOT_OFF_SWAP_SIZE];
    /* The 48 bytes from swap_size to the end hold every MCUboot field. */
    int rc = fk_flash_read(fa, fa->size - FK_BOOT_OFF_SWAP_SIZE, buf, sizeof buf);
    if (rc != FK_OK) {
        return rc;
    }
    uint8_t ev = fk_flash_erased_val(fa);
    const uint8_t *end = buf + sizeof buf;
    t->magic = fk_boot_magic_decode(end - FK_BOOT_OFF_MAGIC, ev);
    t->image_ok_raw = *(end - FK_BOOT_OFF_IMAGE_OK);
    t->copy_done_raw = *(end - FK_BOOT_OFF_COPY_DONE);
    t->swap_info_raw = *(end - FK_BOOT_OFF_SWAP_INFO);
    t->image_ok = fk_boot_flag_decode(t->image_ok_raw, ev);
    t->copy_done = fk_boot_flag_decode(t->copy_done_raw, ev);
    t->swap_size = fk_le32(end - FK_BOOT_OFF_SWAP_SIZE);
    return FK_OK;
}

int fk_trailer_write_flag(const struct fk_flash_area *fa, uint32_t off_from_end, uint8_t val)
{
    uint8_t buf[FK_BOOT_MAX_ALIGN];
    uint32_t align = fk_flash_align(fa);
    if (align > FK_BOOT_MAX_ALIGN) {
        return FK_EALIGN;
    }
    memset(buf, fk_flash_erased_val(fa), sizeof buf);
    buf[0] = val;
    return fk_flash_write(fa, fa->size - off_from_end, buf, align);
}

int fk_trailer_write_swap_size(const struct fk_flash_area *fa, uint32_t size)
{
    uint8_t buf[FK_BOOT_MAX_ALIGN];
    uint32_t align = fk_flash_align(fa);
    if (align > FK_BOOT_MAX_ALIGN) {
        return FK_EALIGN;
    }
    memset(buf, fk_flash_erased_val(fa), sizeof buf);
    fk_put_le32(buf, size);
    uint32_t len = align < 4 ? 4 : align;
    return fk_flash_write(fa, fa->size - FK_BOOT_OFF_SWAP_SIZE, buf, len);
}

int fk_trailer_write_magic(const struct fk_flash_area *fa)
{
    return fk_flash_write(fa, fa->size - FK_BOOT_OFF_MAGIC, fk_boot_magic, FK_BOOT_MAGIC_LEN);
}

void fk_rec_encode(uint8_t out[FK_BOOT_REC_LEN], uint32_t tag, const struct fk_swap_rec *r)
{
    fk_put_le32(out, r->id);
    fk_put_le32(out + 4, r->swap_size);
    out[8] = r->type;
    out[9] = r->sched;
    out[10] = 0;
    out[11] = 0;
    fk_put_le32(out + 12, fk_boot_crc32(tag, out, 12));
}

bool fk_rec_decode(const uint8_t in[FK_BOOT_REC_LEN], uint32_t tag, struct fk_swap_rec *r)
{
    if (fk_le32(in + 12) != fk_boot_crc32(tag, in, 12)) {
        return false;
    }
    if (in[8] != FK_SWAP_TEST && in[8] != FK_SWAP_PERM && in[8] != FK_SWAP_REVERT) {
        return false;
    }
    if (in[9] > FK_SCHED_TWO_ZP) {
        return false;
    }
    r->sched = in[9];
    r->id = fk_le32(in);
    r->swap_size = fk_le32(in + 4);
    r->type = in[8];
    return true;
}

/* ---- geometry ---------------------------------------------------------- */

static uint32_t dev_erase(const struct fk_flash_area *fa)
{
    return (fa != NULL && fa->dev != NULL) ? fa->dev->erase_size : 0;
}

static uint32_t dev_write(const struct fk_flash_area *fa)
{
    return (fa != NULL && fa->dev != NULL) ? (fa->dev->write_size ? fa->dev->write_size : 1) : 0;
}

static const struct fk_flash_area *find_area(const struct fk_flash_map *map, uint8_t id)
{
    const struct fk_flash_area *fa = NULL;
    int rc = fk_flash_open(map, id, &fa);
    (void)rc; /* fa is set whenever the area exists, ready or not */
    return fa;
}

int fk_boot_geometry(const struct fk_flash_map *map, struct fk_boot_geometry *g)
{
    if (map == NULL || g == NULL) {
        return FK_EINVAL;
    }
    memset(g, 0, sizeof *g);
    const struct fk_flash_area *p = find_area(map, FK_AREA_ID_PRIMARY);
    const struct fk_flash_area *s = find_area(map, FK_AREA_ID_SECONDARY);
    if (p == NULL || s == NULL) {
        return FK_ENOENT;
    }
    uint32_t ep = dev_erase(p), es = dev_erase(s);
    if (ep == 0 || es == 0) {
        return FK_ENODEV;
    }
    uint32_t unit = ep > es ? ep : es;
    uint32_t wp = dev_write(p), ws = dev_write(s);
    /* Both erase sizes are powers of two, so the larger is a multiple of the
     * smaller; every trailer field is 8-byte aligned (BOOT_MAX_ALIGN). */
    if (unit % ep || unit % es || wp > FK_BOOT_MAX_ALIGN || ws > FK_BOOT_MAX_ALIGN ||
        FK_BOOT_MAX_ALIGN % wp || FK_BOOT_MAX_ALIGN % ws || p->off % unit || s->off % unit ||
        p->size % unit || s->size % unit) {
        return FK_EINVAL;
    }
    g->unit = unit;
    g->pri_units = p->size / unit;
    g->sec_units = s->size / unit;
    g->sec_trailer_units = (FK_BOOT_OFF_REC + FK_BOOT_REC_LEN * FK_BOOT_BEGIN_SLOTS + unit - 1) / unit;
    /* Primary trailer: MCUboot fields, start record, 2 markers (8 B) per unit.
     * Grow it until the markers for the largest swap fit. */
    for (uint32_t t = 1; t < g->pri_units; t++) {
        if (g->sec_units < g->sec_trailer_units + 2) {
            return FK_EINVAL;
        }
        uint32_t k_p = g->pri_units - t;
        uint32_t k_s = g->sec_units - g->sec_trailer_units - 1; /* one unit is the spare */
        uint32_t k = k_p < k_s ? k_p : k_s;
        /* 2 markers per unit, + the parking move, + the commit-retry marker */
        uint32_t bytes = FK_BOOT_OFF_REC + 16u * k + 16u;
        if (bytes <= t * unit) {
            g->pri_trailer_units = t;
            g->max_units = k;
            g->trailer_bytes = bytes;
            g->sec_image_off = unit;
            g->max_image = k * unit;
            return k > 0 ? FK_OK : FK_EINVAL;
        }
    }
    return FK_EINVAL;
}

uint32_t fk_boot_secondary_image_off(const struct fk_flash_map *map)
{
    struct fk_boot_geometry g;
    if (fk_boot_geometry(map, &g) != FK_OK) {
        return 0;
    }
    return g.sec_image_off;
}

uint32_t fk_boot_max_image_size(const struct fk_flash_map *map)
{
    struct fk_boot_geometry g;
    if (fk_boot_geometry(map, &g) != FK_OK) {
        return 0;
    }
    return g.max_image;
}

/* ---- application side ---------------------------------------------------- */

int fk_boot_read_slot_state(const struct fk_flash_map *map, uint8_t area_id,
                            struct fk_boot_slot_state *out)
{
    if (map == NULL || out == NULL ||
        (area_id != FK_AREA_ID_PRIMARY && area_id != FK_AREA_ID_SECONDARY)) {
        return FK_EINVAL;
    }
    const struct fk_flash_area *fa;
    int rc = fk_flash_open(map, area_id, &fa);
    if (rc != FK_OK) {
        return rc;
    }
    struct fk_trailer t;
    rc = fk_trailer_read(fa, &t);
    if (rc != FK_OK) {
        return rc;
    }
    out->magic_good = t.magic == FK_MAGIC_GOOD;
    out->image_ok = t.image_ok_raw;
    out->copy_done = t.copy_done_raw;
    out->swap_type = t.swap_info_raw & 0x0f;
    return FK_OK;
}

int fk_trailer_open_read(const struct fk_flash_map *map, uint8_t id,
                         const struct fk_flash_area **fa, struct fk_trailer *t)
{
    int rc = fk_flash_open(map, id, fa);
    return rc != FK_OK ? rc : fk_trailer_read(*fa, t);
}

int fk_trailers_read(const struct fk_flash_map *map, struct fk_trailer *tp, struct fk_trailer *ts)
{
    const struct fk_flash_area *p, *s;
    int rc = fk_flash_open(map, FK_AREA_ID_PRIMARY, &p);
    if (rc == FK_OK) {
        rc = fk_trailer_read(p, tp);
    }
    if (rc == FK_OK) {
        rc = fk_flash_open(map, FK_AREA_ID_SECONDARY, &s);
    }
    if (rc == FK_OK) {
        rc = fk_trailer_read(s, ts);
    }
    return rc;
}

int fk_boot_swap_type(const struct fk_flash_map *map)
{
    struct fk_trailer tp, ts;
    int rc = fk_trailers_read(map, &tp, &ts);
    if (rc != FK_OK) {
        return rc;
    }
    return fk_boot_swap_type_decide(tp.magic, ts.magic, tp.image_ok, ts.image_ok, tp.copy_done);
}

/*
 * set_pending: the secondary's MCUboot fields, magic written LAST, so a cut
 * leaves either no request (magic unset or torn = BAD: MCUboot's table then
 * says NONE) or the complete request. MCUboot writes magic first; with a cut
 * before image_ok a permanent request would turn into a test one.
 */
int fk_boot_set_pending(const struct fk_flash_map *map, bool permanent)
{
    struct fk_boot_geometry g;
    const struct fk_flash_area *s;
    int rc = fk_flash_open(map, FK_AREA_ID_SECONDARY, &s);
    if (rc != FK_OK) {
        return rc;
    }
    rc = fk_boot_geometry(map, &g);
    if (rc != FK_OK) {
        return rc;
    }
    struct fk_trailer t;
    rc = fk_trailer_read(s, &t);
    if (rc != FK_OK) {
        return rc;
    }
    if (t.magic == FK_MAGIC_GOOD) {
        return FK_OK; /* already scheduled (MCUboot: no change) */
    }
    uint32_t toff = s->size - g.sec_trailer_units * g.unit;
    /* A torn earlier attempt or stale fields: the trailer unit holds no
     * image data (images end before it), so clear it and start over. Erased
     * also when it reads erased (fk_flash_prepare, unproven); the magic
     * written after this erase then proves it to the swap, which writes
     * its begin record into a slot here that reads erased. */
    rc = fk_flash_prepare(s, toff, g.sec_trailer_units * g.unit, FK_ERASE_UNPROVEN, NULL);
    if (rc != FK_OK) {
        return rc;
    }
    if (permanent) {
        rc = fk_trailer_write_flag(s, FK_BOOT_OFF_IMAGE_OK, FK_BOOT_FLAG_SET);
    }
    if (rc == FK_OK) {
        rc = fk_trailer_write_flag(s, FK_BOOT_OFF_SWAP_INFO,
                                   (uint8_t)(permanent ? FK_SWAP_PERM : FK_SWAP_TEST));
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(s);
    }
    if (rc == FK_OK) {
        rc = fk_trailer_write_magic(s);
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(s);
    }
    return rc;
}

int fk_boot_confirm(const struct fk_flash_map *map)
{
    const struct fk_flash_area *p;
    struct fk_trailer t;
    int rc = fk_trailer_open_read(map, FK_AREA_ID_PRIMARY, &p, &t);
    if (rc != FK_OK) {
        return rc;
    }
    if (t.magic == FK_MAGIC_UNSET) {
        return FK_OK; /* MCUboot: already confirmed */
    }
    if (t.magic == FK_MAGIC_BAD) {
        return FK_EBOOT_TRAILER;
    }
    if (t.image_ok != FK_FLAG_UNSET) {
        return FK_OK; /* already confirmed (a torn earlier write counts, as in MCUboot) */
    }
    rc = fk_trailer_write_flag(p, FK_BOOT_OFF_IMAGE_OK, FK_BOOT_FLAG_SET);
    if (rc == FK_OK) {
        rc = fk_flash_sync(p);
    }
    return rc;
}

/* ---- retained record ------------------------------------------------------ */

void fk_boot_retained_store(struct fk_boot_retained *r, const struct fk_boot_rsp *rsp)
{
    memset(r, 0, sizeof *r);
    r->magic = FK_BOOT_RETAINED_MAGIC;
    r->reason = (uint32_t)rsp->reason;
    r->swap_type = rsp->swap_type;
    r->secondary_err = rsp->secondary_err;
    r->counter_err = rsp->counter_err;
    memcpy(r->why, rsp->why, sizeof r->why);
    r->why[sizeof r->why - 1] = '\0';
    r->crc = fk_boot_crc32(0, r, offsetof(struct fk_boot_retained, crc));
}

int fk_boot_retained_check(const struct fk_boot_retained *r)
{
    if (r == NULL || r->magic != FK_BOOT_RETAINED_MAGIC ||
        r->crc != fk_boot_crc32(0, r, offsetof(struct fk_boot_retained, crc))) {
        return FK_ECORRUPT;
    }
    return FK_OK;
}

int fk_boot_secondary_find(const struct fk_flash_map *map, uint32_t *off)
{
    const struct fk_flash_area *s;
    int rc = fk_flash_open(map, FK_AREA_ID_SECONDARY, &s);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t cand[2] = {fk_boot_secondary_image_off(map), 0};
    for (int i = 0; i < 2; i++) {
        struct fk_image_header h;
        if (fk_image_read_header(s, cand[i], &h) == FK_OK) {
            *off = cand[i];
            return FK_OK;
        }
    }
    return FK_ENOENT;
}
