/*
 * Flash map: areas on devices, with bounds/alignment checks and explained
 * errors. Device code: no heap, no stdio (explanations are built with the
 * small string builder in fotakit/str_buf.h).
 */
#include "fotakit/flash.h"

#include <string.h>

#include "fotakit/str_buf.h"

static int dev_ready(const struct fk_flash_dev *dev)
{
    return dev != NULL && dev->state == FK_DEV_READY && dev->ops != NULL;
}

/* off + len within [0, size]; no overflow. */
static int in_bounds(uint32_t size, uint32_t off, size_t len)
{
    return off <= size && len <= (size_t)(size - off);
}

static int area_fits_dev(const struct fk_flash_area *fa)
{
    return in_bounds(fa->dev->size, fa->off, fa->size);
}

static int open_check(const struct fk_flash_area *fa)
{
    if (!dev_ready(fa->dev)) {
        return FK_ENODEV;
    }
    if (!area_fits_dev(fa)) {
        return FK_ERANGE;
    }
    return FK_OK;
}

int fk_flash_open(const struct fk_flash_map *map, uint8_t id, const struct fk_flash_area **out)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (map == NULL || out == NULL || (map->areas == NULL && map->count != 0)) {
        return FK_EINVAL;
    }
    for (size_t i = 0; i < map->count; i++) {
        if (map->areas[i].id == id) {
            *out = &map->areas[i];
            return open_check(*out);
        }
    }
    return FK_ENOENT;
}

int fk_flash_open_name(const struct fk_flash_map *map, const char *name,
                       const struct fk_flash_area **out)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (map == NULL || out == NULL || name == NULL || (map->areas == NULL && map->count != 0)) {
        return FK_EINVAL;
    }
    for (size_t i = 0; i < map->count; i++) {
        if (map->areas[i].name != NULL && strcmp(map->areas[i].name, name) == 0) {
            *out = &map->areas[i];
            return open_check(*out);
        }
    }
    return FK_ENOENT;
}

const char *fk_slot_name(unsigned image, unsigned slot)
{
    static const char *const names[FK_IMAGE_MAX][2] = {
        {"mcuboot_primary", "mcuboot_secondary"},
        {"mcuboot_primary_1", "mcuboot_secondary_1"},
    };
    return image < FK_IMAGE_MAX && slot < 2 ? names[image][slot] : NULL;
}

int fk_flash_open_slot(const struct fk_flash_map *map, unsigned image, unsigned slot,
                       const struct fk_flash_area **out)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (image >= FK_IMAGE_COUNT || slot > 1) {
        return FK_EINVAL;
    }
    /* Image 0 by its fixed ids (maps built by hand may name areas freely). */
    if (image == 0) {
        return fk_flash_open(map, slot ? FK_AREA_ID_SECONDARY : FK_AREA_ID_PRIMARY, out);
    }
    return fk_flash_open_name(map, fk_slot_name(image, slot), out);
}

/* Which image's slot area `a` is (by fixed id for image 0, by name for the
 * others): *slot 0 or 1, returns the image, or -1 for a shared area. */
static int area_image(const struct fk_flash_area *a, unsigned *slot)
{
    if (a->id == FK_AREA_ID_PRIMARY || a->id == FK_AREA_ID_SECONDARY) {
        *slot = a->id == FK_AREA_ID_SECONDARY;
        return 0;
    }
    for (unsigned i = 1; i < FK_IMAGE_MAX && a->name != NULL; i++) {
        for (unsigned s = 0; s < 2; s++) {
            if (strcmp(a->name, fk_slot_name(i, s)) == 0) {
                *slot = s;
                return (int)i;
            }
        }
    }
    return -1;
}

int fk_flash_map_image(const struct fk_flash_map *map, unsigned image, struct fk_flash_area *areas,
                       size_t cap, struct fk_flash_map *out)
{
    if (map == NULL || out == NULL || image >= FK_IMAGE_MAX) {
        return FK_EINVAL;
    }
    size_t n = 0;
    bool more = false;
    for (size_t i = 0; i < map->count; i++) {
        struct fk_flash_area a = map->areas[i];
        unsigned slot = 0;
        int img = area_image(&a, &slot);
        if (img >= 0 && (unsigned)img != image) {
            continue; /* another image's slot */
        }
        if (img < 0 && image > 0 && a.id > FK_AREA_ID_COUNTERS) {
            continue; /* image 1..: only the shared areas beside its slots */
        }
        if (img >= 0) {
            a.id = slot ? FK_AREA_ID_SECONDARY : FK_AREA_ID_PRIMARY;
        }
        if (n < cap) {
            areas[n++] = a;
        } else {
            more = true;
        }
    }
    out->areas = areas;
    out->count = n;
    return more ? FK_ENOMEM : FK_OK;
}

/* Common checks for read/write/erase: area usable and [off, off+len) inside it. */
static int io_check(const struct fk_flash_area *fa, uint32_t off, size_t len)
{
    if (fa == NULL) {
        return FK_EINVAL;
    }
    int rc = open_check(fa);
    if (rc != FK_OK) {
        return rc;
    }
    if (!in_bounds(fa->size, off, len)) {
        return FK_ERANGE;
    }
    return FK_OK;
}

int fk_flash_read(const struct fk_flash_area *fa, uint32_t off, void *buf, size_t len)
{
    int rc = io_check(fa, off, len);
    if (rc != FK_OK) {
        return rc;
    }
    if (len == 0) {
        return FK_OK;
    }
    if (buf == NULL || fa->dev->ops->read == NULL) {
        return buf == NULL ? FK_EINVAL : FK_ENOTSUP;
    }
    return fa->dev->ops->read(fa->dev, fa->off + off, buf, len);
}

int fk_flash_write(const struct fk_flash_area *fa, uint32_t off, const void *buf, size_t len)
{
    int rc = io_check(fa, off, len);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t ws = fa->dev->write_size ? fa->dev->write_size : 1;
    /* Alignment is relative to the device: an area may start anywhere the
     * layout put it, the device only cares about absolute offsets. */
    if ((fa->off + off) % ws != 0 || len % ws != 0) {
        return FK_EALIGN;
    }
    if (len == 0) {
        return FK_OK;
    }
    if (buf == NULL) {
        return FK_EINVAL;
    }
    if (fa->dev->ops->prog == NULL) {
        return FK_ENOTSUP;
    }
    return fa->dev->ops->prog(fa->dev, fa->off + off, buf, len);
}

int fk_flash_erase(const struct fk_flash_area *fa, uint32_t off, size_t len)
{
    int rc = io_check(fa, off, len);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t es = fa->dev->erase_size;
    if (es == 0) {
        return FK_EINVAL;
    }
    if ((fa->off + off) % es != 0 || len % es != 0) {
        return FK_EALIGN;
    }
    if (len == 0) {
        return FK_OK;
    }
    if (fa->dev->ops->erase == NULL) {
        return FK_ENOTSUP;
    }
    return fa->dev->ops->erase(fa->dev, fa->off + off, len);
}

int fk_flash_sync(const struct fk_flash_area *fa)
{
    if (fa == NULL) {
        return FK_EINVAL;
    }
    if (!dev_ready(fa->dev)) {
        return FK_ENODEV;
    }
    if (fa->dev->ops->sync == NULL) {
        return FK_OK;
    }
    return fa->dev->ops->sync(fa->dev);
}

int fk_flash_get_sectors(const struct fk_flash_area *fa, struct fk_flash_sector *out,
                         size_t *count)
{
    if (fa == NULL || count == NULL) {
        return FK_EINVAL;
    }
    int rc = open_check(fa);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t es = fa->dev->erase_size;
    if (es == 0) {
        return FK_EINVAL;
    }
    if (fa->off % es != 0 || fa->size % es != 0) {
        return FK_EALIGN;
    }
    size_t need = fa->size / es;
    if (out == NULL || *count < need) {
        *count = need;
        return FK_ENOMEM;
    }
    for (size_t i = 0; i < need; i++) {
        out[i].off = (uint32_t)(i * es);
        out[i].size = es;
    }
    *count = need;
    return FK_OK;
}

uint32_t fk_flash_align(const struct fk_flash_area *fa)
{
    if (fa == NULL || fa->dev == NULL || fa->dev->write_size == 0) {
        return 1;
    }
    return fa->dev->write_size;
}

uint8_t fk_flash_erased_val(const struct fk_flash_area *fa)
{
    if (fa == NULL || fa->dev == NULL) {
        return 0xff;
    }
    return fa->dev->erased_val;
}

/* ---- explanations ---------------------------------------------------- */

#ifdef FK_TERSE
/* Terse build (CMake FOTAKIT_TERSE, device builds; about 3 KB less):
 * "<area>: <FK_NAME> on <device>[: <what the driver observed>]". */
static void explain_area(struct fk_sb *sb, const struct fk_flash_area *fa, int err)
{
    fk_sb_puts(sb, fa->name ? fa->name : "(unnamed area)");
    fk_sb_puts(sb, ": ");
    fk_sb_puts(sb, fk_err_name(err));
    if (fa->dev != NULL) {
        fk_sb_puts(sb, " on ");
        fk_sb_puts(sb, fa->dev->name ? fa->dev->name : "(unnamed)");
        if (fa->dev->state != FK_DEV_READY && fa->dev->why[0] != '\0') {
            fk_sb_puts(sb, ": ");
            fk_sb_puts(sb, fa->dev->why);
        }
    }
}
#else
/* "device external_flash (spi-nor on spi4)" */
static void put_dev(struct fk_sb *sb, const struct fk_flash_dev *dev)
{
    fk_sb_puts(sb, "device ");
    fk_sb_puts(sb, dev->name ? dev->name : "(unnamed)");
    if (dev->desc != NULL && dev->desc[0] != '\0') {
        fk_sb_puts(sb, " (");
        fk_sb_puts(sb, dev->desc);
        fk_sb_puts(sb, ")");
    }
}

static void put_geometry(struct fk_sb *sb, const struct fk_flash_area *fa)
{
    fk_sb_puts(sb, "the area spans 0x");
    fk_sb_hex(sb, fa->off, 0);
    fk_sb_puts(sb, "..0x");
    fk_sb_hex(sb, fa->off + fa->size, 0);
    fk_sb_puts(sb, " (0x");
    fk_sb_hex(sb, fa->size, 0);
    fk_sb_puts(sb, " bytes) of ");
    put_dev(sb, fa->dev);
}

static void explain_not_ready(struct fk_sb *sb, const struct fk_flash_area *fa)
{
    const struct fk_flash_dev *dev = fa->dev;
    if (dev == NULL) {
        fk_sb_puts(sb, "no flash device is attached to this area; "
                       "does the board define the device the layout puts it on?");
        return;
    }
    put_dev(sb, dev);
    fk_sb_puts(sb, " is not ready: ");
    const char *hint = dev->hint;
    switch (dev->state) {
    case FK_DEV_UNINIT:
        fk_sb_puts(sb, dev->why[0] ? dev->why : "its driver was never initialised");
        if (hint == NULL) {
            hint = "call the driver's init before opening the area";
        }
        break;
    case FK_DEV_ABSENT:
        fk_sb_puts(sb, dev->why[0] ? dev->why : "this build has no driver for it");
        if (hint == NULL) {
            hint = "is its driver enabled in this image's configuration?";
        }
        break;
    case FK_DEV_FAILED:
        fk_sb_puts(sb, dev->why[0] ? dev->why : "its probe failed");
        if (hint == NULL) {
            hint = "is the chip powered and its bus driver built into this image?";
        }
        break;
    case FK_DEV_READY:
    default:
        fk_sb_puts(sb, dev->ops == NULL ? "it has no driver callbacks"
                                        : "its state is not valid");
        if (hint == NULL) {
            hint = "was the device struct filled in by its driver?";
        }
        break;
    }
    fk_sb_puts(sb, "; ");
    fk_sb_puts(sb, hint);
}

static void explain_area(struct fk_sb *sb, const struct fk_flash_area *fa, int err)
{
    const struct fk_flash_dev *dev = fa->dev;
    fk_sb_puts(sb, fa->name ? fa->name : "(unnamed area)");
    fk_sb_puts(sb, ": ");
    if (err == FK_ENODEV || dev == NULL) {
        explain_not_ready(sb, fa);
        return;
    }
    uint32_t ws = dev->write_size ? dev->write_size : 1;
    switch (err) {
    case FK_OK:
        fk_sb_puts(sb, "no error; ");
        put_geometry(sb, fa);
        break;
    case FK_EINVAL:
        fk_sb_puts(sb, "an argument is invalid (NULL buffer, or a device with no erase size); "
                       "check the call's arguments and ");
        put_dev(sb, dev);
        fk_sb_puts(sb, "'s geometry");
        break;
    case FK_ENOENT:
        fk_sb_puts(sb, "no such area or item; check the layout's partition names and ids");
        break;
    case FK_ERANGE:
        if (!area_fits_dev(fa)) {
            fk_sb_puts(sb, "the area ends at 0x");
            fk_sb_hex(sb, fa->off + fa->size, 0);
            fk_sb_puts(sb, ", beyond the end of ");
            put_dev(sb, dev);
            fk_sb_puts(sb, " (0x");
            fk_sb_hex(sb, dev->size, 0);
            fk_sb_puts(sb, " bytes); fix the partition's address or size in the layout");
        } else {
            fk_sb_puts(sb, "the offset or length lies outside the area; ");
            put_geometry(sb, fa);
            fk_sb_puts(sb, ", so keep offset + length within 0x");
            fk_sb_hex(sb, fa->size, 0);
        }
        break;
    case FK_EALIGN:
        fk_sb_puts(sb, "the offset or length is not aligned: ");
        put_dev(sb, dev);
        fk_sb_puts(sb, " programs in multiples of ");
        fk_sb_dec(sb, ws);
        fk_sb_puts(sb, " bytes and erases in sectors of 0x");
        fk_sb_hex(sb, dev->erase_size, 0);
        fk_sb_puts(sb, " bytes");
        if (dev->erase_size && (fa->off % dev->erase_size || fa->size % dev->erase_size)) {
            fk_sb_puts(sb, ", and the area itself (0x");
            fk_sb_hex(sb, fa->off, 0);
            fk_sb_puts(sb, " + 0x");
            fk_sb_hex(sb, fa->size, 0);
            fk_sb_puts(sb, ") is not sector aligned; fix the layout");
        } else {
            fk_sb_puts(sb, "; round the request to those units");
        }
        break;
    case FK_EIO:
        put_dev(sb, dev);
        fk_sb_puts(sb, " reported an I/O error");
        if (dev->why[0]) {
            fk_sb_puts(sb, " (");
            fk_sb_puts(sb, dev->why);
            fk_sb_puts(sb, ")");
        }
        fk_sb_puts(sb, "; check the bus wiring, clock rate and the chip's supply");
        break;
    case FK_ETIMEDOUT:
        put_dev(sb, dev);
        fk_sb_puts(sb, " stayed busy past its timeout (write-in-progress never cleared)");
        fk_sb_puts(sb, "; check the chip's supply and the timeout figures in the board file");
        break;
    case FK_EPROTECT:
        put_dev(sb, dev);
        fk_sb_puts(sb, " refused the write or erase: block-protect bits are set in its status "
                       "register");
        if (dev->why[0]) {
            fk_sb_puts(sb, " (");
            fk_sb_puts(sb, dev->why);
            fk_sb_puts(sb, ")");
        }
        fk_sb_puts(sb, "; clear them (the SPI NOR driver does so when configured with "
                       "clear_protect) or check the write-protect pin");
        break;
    case FK_ENOSPC:
        fk_sb_puts(sb, "the data does not fit in the area (0x");
        fk_sb_hex(sb, fa->size, 0);
        fk_sb_puts(sb, " bytes); use a smaller image or enlarge the partition in the layout");
        break;
    case FK_EBUSY:
        put_dev(sb, dev);
        fk_sb_puts(sb, " is busy; wait for its current operation (fk_flash_sync) and retry");
        break;
    case FK_ENOTSUP:
        put_dev(sb, dev);
        fk_sb_puts(sb, " does not support this operation in this build; check the driver's "
                       "callbacks and configuration");
        break;
    case FK_ENOTERASED:
        fk_sb_puts(sb, "programming would have to set bits from 0 to 1 on ");
        put_dev(sb, dev);
        fk_sb_puts(sb, ", which flash cannot do; erase the sector (0x");
        fk_sb_hex(sb, dev->erase_size, 0);
        fk_sb_puts(sb, " bytes) before writing it again");
        break;
    case FK_EWEAR:
        fk_sb_puts(sb, "a word of ");
        put_dev(sb, dev);
        fk_sb_puts(sb, " was written more often than the chip allows between erases (nWRITE); "
                       "write each word once per erase, or erase the page first");
        break;
    case FK_EOVERFLOW:
        fk_sb_puts(sb, "an offset or size overflows; ");
        put_geometry(sb, fa);
        break;
    case FK_ECORRUPT:
        fk_sb_puts(sb, "data stored in the area fails its integrity check; it may have been "
                       "torn by a power cut or written by something else: erase and rewrite it");
        break;
    case FK_EID:
        put_dev(sb, dev);
        fk_sb_puts(sb, " identified as a different chip");
        if (dev->why[0]) {
            fk_sb_puts(sb, " (");
            fk_sb_puts(sb, dev->why);
            fk_sb_puts(sb, ")");
        }
        fk_sb_puts(sb, "; fix the expected JEDEC ID in the board file or fit the right chip");
        break;
    case FK_ENOMEM:
        fk_sb_puts(sb, "a buffer supplied by the caller is too small (the area has ");
        fk_sb_dec(sb, dev->erase_size ? fa->size / dev->erase_size : 0);
        fk_sb_puts(sb, " sectors); pass a larger one");
        break;
    default:
        fk_sb_puts(sb, fk_err_name(err));
        fk_sb_puts(sb, " (");
        fk_sb_dec_signed(sb, err);
        fk_sb_puts(sb, "): ");
        fk_sb_puts(sb, fk_err_str(err));
        fk_sb_puts(sb, "; on ");
        put_dev(sb, dev);
        break;
    }
}
#endif /* FK_TERSE */

const char *fk_flash_explain_area(const struct fk_flash_area *fa, int err, char *buf,
                                  size_t buflen)
{
    struct fk_sb sb;
    if (buf == NULL || buflen == 0) {
        return "";
    }
    fk_sb_init(&sb, buf, buflen);
    if (fa == NULL) {
        fk_sb_puts(&sb, "(no area): ");
        fk_sb_puts(&sb, fk_err_str(err));
    } else {
        explain_area(&sb, fa, err);
    }
    return buf;
}

const char *fk_flash_explain(const struct fk_flash_map *map, uint8_t id, int err, char *buf,
                             size_t buflen)
{
    struct fk_sb sb;
    if (buf == NULL || buflen == 0) {
        return "";
    }
    fk_sb_init(&sb, buf, buflen);
    const struct fk_flash_area *fa = NULL;
    if (map != NULL && (map->areas != NULL || map->count == 0)) {
        for (size_t i = 0; i < map->count; i++) {
            if (map->areas[i].id == id) {
                fa = &map->areas[i];
                break;
            }
        }
    }
    if (fa == NULL) {
        fk_sb_puts(&sb, "flash area id ");
        fk_sb_dec(&sb, id);
#ifdef FK_TERSE
        fk_sb_puts(&sb, ": ");
        fk_sb_puts(&sb, fk_err_name(FK_ENOENT));
        return buf;
#endif
        fk_sb_puts(&sb, ": no such area in the flash map");
        if (map != NULL && map->count > 0) {
            fk_sb_puts(&sb, " (it has ids");
            for (size_t i = 0; i < map->count; i++) {
                fk_sb_puts(&sb, i ? ", " : " ");
                fk_sb_dec(&sb, map->areas[i].id);
                if (map->areas[i].name) {
                    fk_sb_puts(&sb, " ");
                    fk_sb_puts(&sb, map->areas[i].name);
                }
            }
            fk_sb_puts(&sb, ")");
        }
        if (err != FK_ENOENT) {
            fk_sb_puts(&sb, " [");
            fk_sb_puts(&sb, fk_err_name(err));
            fk_sb_puts(&sb, "]");
        }
        fk_sb_puts(&sb, "; does the layout (pm_static.yml) define this partition?");
        return buf;
    }
    explain_area(&sb, fa, err);
    return buf;
}
