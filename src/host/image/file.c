/*
 * Host file helpers: whole-file read/write, Intel HEX, and a read-only RAM
 * flash device so the device verifier can check a file's bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fotakit/host/image.h"
#include "host_priv.h"

void fk_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int fk_file_read(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    struct stat st;
    if (f == NULL) {
        fk_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return FK_ENOENT;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        fk_seterr(err, errlen, "%s: is a directory; give the image file", path);
        return FK_EINVAL;
    }
    for (;;) {
        if (n == cap) {
            if (cap > FK_FILE_MAX) {
                free(buf);
                fclose(f);
                fk_seterr(err, errlen,
                          "%s: longer than %u MiB, the largest slot a board can have (a whole "
                          "2 Gbit NOR); stopped reading: is this the right file?",
                          path, FK_FILE_MAX >> 20);
                return FK_EOVERFLOW;
            }
            /* grow to at most FK_FILE_MAX + 1 bytes: one more says "too long" */
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > (size_t)FK_FILE_MAX + 1) {
                ncap = (size_t)FK_FILE_MAX + 1;
            }
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                fk_seterr(err, errlen, "%s: out of memory", path);
                return FK_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        fk_seterr(err, errlen, "%s: read error: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return FK_EIO;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return FK_OK;
}

int fk_file_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fk_seterr(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return FK_EIO;
    }
    if (len && fwrite(data, 1, len, f) != len) {
        fk_seterr(err, errlen, "%s: write error: %s", path, strerror(errno));
        fclose(f);
        return FK_EIO;
    }
    if (fclose(f) != 0) {
        fk_seterr(err, errlen, "%s: write error: %s", path, strerror(errno));
        return FK_EIO;
    }
    return FK_OK;
}

bool fk_path_is_hex(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".hex") == 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Max image we accept from a HEX file (address span). */
#define HEX_MAX_SPAN (64u * 1024u * 1024u)

struct hex_rec {
    uint32_t addr;
    uint8_t len;
    uint8_t data[255];
};

int fk_hex_read(const char *path, uint8_t fill, uint8_t **data, size_t *len, uint32_t *base,
                char *err, size_t errlen)
{
    uint8_t *txt;
    size_t tlen;
    int rc = fk_file_read(path, &txt, &tlen, err, errlen);
    uint32_t lo = UINT32_MAX, hi = 0;
    uint8_t *out = NULL;
    if (rc != FK_OK) {
        return rc;
    }
    /* Two passes over the text: extent, then fill. */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t upper = 0;
        size_t i = 0;
        unsigned line = 0;
        bool eof = false;
        while (i < tlen && !eof) {
            uint8_t rec[5 + 255];
            size_t nb = 0;
            line++;
            while (i < tlen && (txt[i] == '\r' || txt[i] == '\n' || txt[i] == ' ' || txt[i] == '\t')) {
                if (txt[i] == '\n') line++;
                i++;
            }
            if (i >= tlen) break;
            if (txt[i] != ':') {
                fk_seterr(err, errlen, "%s: line %u: Intel HEX record does not start with ':'", path, line);
                rc = FK_EINVAL;
                goto out;
            }
            i++;
            while (i + 1 < tlen && hexval(txt[i]) >= 0 && hexval(txt[i + 1]) >= 0 && nb < sizeof rec) {
                rec[nb++] = (uint8_t)(hexval(txt[i]) * 16 + hexval(txt[i + 1]));
                i += 2;
            }
            if (nb < 5 || nb != (size_t)rec[0] + 5) {
                fk_seterr(err, errlen, "%s: line %u: malformed Intel HEX record (length)", path, line);
                rc = FK_EINVAL;
                goto out;
            }
            uint8_t sum = 0;
            for (size_t k = 0; k < nb; k++) sum = (uint8_t)(sum + rec[k]);
            if (sum != 0) {
                fk_seterr(err, errlen, "%s: line %u: Intel HEX checksum mismatch", path, line);
                rc = FK_ECORRUPT;
                goto out;
            }
            uint32_t a16 = (uint32_t)(rec[1] << 8 | rec[2]);
            switch (rec[3]) {
            case 0x00: {
                uint32_t a = upper + a16;
                if (rec[0] == 0) break;
                if (a > UINT32_MAX - rec[0]) {
                    fk_seterr(err, errlen, "%s: line %u: data past 4 GiB", path, line);
                    rc = FK_EOVERFLOW;
                    goto out;
                }
                if (pass == 0) {
                    if (a < lo) lo = a;
                    if (a + rec[0] > hi) hi = a + rec[0];
                } else {
                    memcpy(out + (a - lo), rec + 4, rec[0]);
                }
                break;
            }
            case 0x01: eof = true; break;
            case 0x02:
                if (rec[0] != 2) goto badrec;
                upper = (uint32_t)(rec[4] << 8 | rec[5]) << 4;
                break;
            case 0x04:
                if (rec[0] != 2) goto badrec;
                upper = (uint32_t)(rec[4] << 8 | rec[5]) << 16;
                break;
            case 0x03: case 0x05: break; /* start address: not image data */
            default:
            badrec:
                fk_seterr(err, errlen, "%s: line %u: unsupported Intel HEX record type %02x", path, line, rec[3]);
                rc = FK_EINVAL;
                goto out;
            }
        }
        if (pass == 0) {
            if (lo == UINT32_MAX) {
                fk_seterr(err, errlen, "%s: Intel HEX file holds no data", path);
                rc = FK_EINVAL;
                goto out;
            }
            if (hi - lo > HEX_MAX_SPAN) {
                fk_seterr(err, errlen, "%s: Intel HEX data spans 0x%x..0x%x, more than %u MiB", path, lo, hi,
                          HEX_MAX_SPAN >> 20);
                rc = FK_ENOSPC;
                goto out;
            }
            out = malloc(hi - lo);
            if (out == NULL) {
                rc = FK_ENOMEM;
                goto out;
            }
            memset(out, fill, hi - lo);
        }
    }
    *data = out;
    out = NULL;
    *len = hi - lo;
    *base = lo;
    rc = FK_OK;
out:
    free(out);
    free(txt);
    return rc;
}

static void hex_line(FILE *f, uint8_t type, uint16_t addr, const uint8_t *d, size_t n)
{
    uint8_t sum = (uint8_t)(n + (addr >> 8) + (addr & 0xff) + type);
    fprintf(f, ":%02X%04X%02X", (unsigned)n, addr, type);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02X", d[i]);
        sum = (uint8_t)(sum + d[i]);
    }
    fprintf(f, "%02X\n", (uint8_t)(0x100 - sum) & 0xff);
}

int fk_hex_write(const char *path, const struct fk_hex_seg *segs, size_t nsegs, char *err,
                 size_t errlen)
{
    FILE *f = fopen(path, "w");
    uint32_t upper = 0xffffffffu;
    if (f == NULL) {
        fk_seterr(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return FK_EIO;
    }
    for (size_t s = 0; s < nsegs; s++) {
        if (segs[s].len > 0 && (uint64_t)segs[s].addr + segs[s].len > 0x100000000ull) {
            fclose(f);
            fk_seterr(err, errlen, "%s: segment at 0x%x runs past 4 GiB", path, segs[s].addr);
            return FK_EOVERFLOW;
        }
        for (size_t i = 0; i < segs[s].len;) {
            uint32_t a = segs[s].addr + (uint32_t)i;
            size_t n = segs[s].len - i < 16 ? segs[s].len - i : 16;
            /* do not cross a 64 KiB boundary within one record */
            if ((a & 0xffff) + n > 0x10000) {
                n = 0x10000 - (a & 0xffff);
            }
            if ((a >> 16) != upper) {
                uint8_t u[2] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16)};
                upper = a >> 16;
                hex_line(f, 0x04, 0, u, 2);
            }
            hex_line(f, 0x00, (uint16_t)(a & 0xffff), segs[s].data + i, n);
            i += n;
        }
    }
    hex_line(f, 0x01, 0, NULL, 0);
    if (fclose(f) != 0) {
        fk_seterr(err, errlen, "%s: write error", path);
        return FK_EIO;
    }
    return FK_OK;
}

/* ---- RAM flash (read-only) ---- */

static int ram_read(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    memcpy(buf, (const uint8_t *)dev->ctx + off, len);
    return FK_OK;
}

static int ram_ro(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len)
{
    (void)dev;
    (void)off;
    (void)buf;
    (void)len;
    return FK_ENOTSUP;
}

static int ram_erase(struct fk_flash_dev *dev, uint32_t off, size_t len)
{
    (void)dev;
    (void)off;
    (void)len;
    return FK_ENOTSUP;
}

static const struct fk_flash_ops ram_ops = {ram_read, ram_ro, ram_erase, NULL};

void fk_ram_flash_init(struct fk_flash_dev *dev, struct fk_flash_area *area, const uint8_t *buf,
                       uint32_t size)
{
    memset(dev, 0, sizeof *dev);
    dev->name = "file";
    dev->desc = "image file in RAM";
    dev->size = size;
    dev->erase_size = 4096;
    dev->write_size = 1;
    dev->erased_val = 0xff;
    dev->ops = &ram_ops;
    dev->ctx = (void *)(uintptr_t)buf;
    dev->state = FK_DEV_READY;
    memset(area, 0, sizeof *area);
    area->id = FK_AREA_ID_SECONDARY;
    area->name = "file";
    area->dev = dev;
    area->off = 0;
    area->size = size;
}

int fk_image_buf_tlv(const uint8_t *img, size_t len, uint16_t type, uint8_t *val, size_t cap,
                     size_t *vlen, uint8_t hash[32])
{
    if (img == NULL || val == NULL || vlen == NULL || len > UINT32_MAX) {
        return FK_EINVAL;
    }
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    struct fk_image_info info;
    struct fk_image_tlv_iter it;
    struct fk_image_tlv t;
    fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
    int rc = fk_image_inspect(&fa, 0, &info);
    if (rc == FK_OK) {
        rc = fk_image_tlv_begin(&it, &fa, 0, &info.hdr);
    }
    if (rc != FK_OK) {
        return rc;
    }
    if (hash != NULL) {
        memcpy(hash, info.hash, 32);
    }
    bool found = false;
    *vlen = 0;
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (t.type == type) {
            found = true;
            *vlen = t.len; /* inside the image: the iterator checked the bounds */
        }
        if (t.type == type && t.len <= cap) {
            memcpy(val, img + t.off, t.len);
        }
    }
    if (rc < 0) {
        return rc;
    }
    if (!found) {
        return FK_ENOENT;
    }
    return *vlen <= cap ? FK_OK : FK_ENOMEM;
}
