#include "smp_test_util.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/le.h"

static bool power_ok(struct ramflash *f)
{
    if (f->cut_after < 0) {
        return true;
    }
    return (long)(f->prog_calls + f->erase_calls) < f->cut_after;
}

static int rf_read(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    struct ramflash *f = dev->ctx;
    memcpy(buf, f->mem + off, len);
    return FK_OK;
}

static int rf_prog(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len)
{
    struct ramflash *f = dev->ctx;
    if (!power_ok(f)) {
        return FK_EIO; /* a dead chip: after the cut nothing is done */
    }
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        if ((f->mem[off + i] & b[i]) != b[i]) {
            return FK_ENOTERASED;
        }
    }
    for (size_t i = 0; i < len; i++) {
        f->mem[off + i] &= b[i];
    }
    f->prog_calls++;
    f->prog_bytes += (uint32_t)len;
    return FK_OK;
}

static int rf_erase(struct fk_flash_dev *dev, uint32_t off, size_t len)
{
    struct ramflash *f = dev->ctx;
    if (!power_ok(f)) {
        return FK_EIO; /* a dead chip: after the cut nothing is done */
    }
    memset(f->mem + off, 0xff, len);
    for (size_t o = off; o < off + len; o += dev->erase_size) {
        f->sector_erases[o / dev->erase_size]++;
    }
    f->erase_calls++;
    return FK_OK;
}

static const struct fk_flash_ops rf_ops = {rf_read, rf_prog, rf_erase, NULL};

void ramflash_init(struct ramflash *f, const char *name, uint32_t size, uint32_t erase_size,
                   uint32_t write_size)
{
    memset(f, 0, sizeof *f);
    f->mem = malloc(size);
    memset(f->mem, 0xff, size);
    f->sector_erases = calloc(size / erase_size, sizeof *f->sector_erases);
    f->cut_after = -1;
    f->dev.name = name;
    f->dev.desc = "RAM NOR (test)";
    f->dev.size = size;
    f->dev.erase_size = erase_size;
    f->dev.write_size = write_size;
    f->dev.erased_val = 0xff;
    f->dev.ops = &rf_ops;
    f->dev.ctx = f;
    f->dev.state = FK_DEV_READY;
}

void ramflash_free(struct ramflash *f)
{
    free(f->mem);
    free(f->sector_erases);
}

void testdev_init(struct testdev *t)
{
    memset(t, 0, sizeof *t);
    ramflash_init(&t->in, "internal", 64 * 1024, 4096, 4);
    ramflash_init(&t->ext, "external", 64 * 1024, 4096, 4);
    t->areas[0] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, "mcuboot_primary", &t->in.dev, 0,
                                         64 * 1024};
    t->areas[1] = (struct fk_flash_area){FK_AREA_ID_SECONDARY, "mcuboot_secondary", &t->ext.dev,
                                         0, 64 * 1024};
    t->map.areas = t->areas;
    t->map.count = 2;
}

void testdev_free(struct testdev *t)
{
    ramflash_free(&t->in);
    ramflash_free(&t->ext);
}

const uint8_t *testdev_primary(const struct testdev *t)
{
    return t->in.mem;
}

void sha256(const uint8_t *d, size_t n, uint8_t out[32])
{
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, d, n);
    br_sha256_out(&h, out);
}

uint8_t *make_image(uint8_t major, uint8_t minor, uint16_t rev, uint32_t payload_len,
                    uint32_t seed, size_t *len, uint8_t hash[32])
{
    size_t n = 32 + payload_len + 4 + 4 + 32;
    uint8_t *b = malloc(n);
    memset(b, 0, 32);
    fk_put_le32(b, 0x96f3b83du);
    fk_put_le16(b + 8, 32);
    fk_put_le32(b + 12, payload_len);
    b[20] = major;
    b[21] = minor;
    fk_put_le16(b + 22, rev);
    uint32_t x = seed * 2654435761u + 1;
    for (uint32_t i = 0; i < payload_len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[32 + i] = (uint8_t)x;
    }
    uint8_t *t = b + 32 + payload_len;
    fk_put_le16(t, 0x6907);
    fk_put_le16(t + 2, 4 + 4 + 32);
    t[4] = 0x10;
    t[5] = 0;
    fk_put_le16(t + 6, 32);
    sha256(b, 32 + payload_len, t + 8);
    memcpy(hash, t + 8, 32);
    *len = n;
    return b;
}

void testdev_flash_primary(struct testdev *t, const uint8_t *img, size_t len)
{
    memcpy(t->in.mem, img, len);
}

size_t read_hex_lines(const char *path, uint8_t **pkts, size_t *lens, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0 && n < max) {
        size_t l = (size_t)got;
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' ')) {
            line[--l] = '\0';
        }
        if (!l) {
            continue;
        }
        pkts[n] = malloc(l / 2 + 1);
        for (size_t i = 0; i + 1 < l; i += 2) {
            unsigned v;
            sscanf(line + i, "%2x", &v);
            pkts[n][i / 2] = (uint8_t)v;
        }
        lens[n] = l / 2;
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

void free_pkts(uint8_t **pkts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(pkts[i]);
    }
}

size_t make_req(uint8_t *out, int version, int op, uint16_t group, uint8_t seq, uint8_t id,
                const uint8_t *payload, size_t plen)
{
    struct fk_smp_hdr h = {.op = (uint8_t)op, .version = (uint8_t)version, .len = (uint16_t)plen,
                           .group = group, .seq = seq, .id = id};
    fk_smp_hdr_encode(&h, out);
    if (plen) {
        memcpy(out + 8, payload, plen);
    }
    return 8 + plen;
}

bool rsp_parse(struct rsp *r, const uint8_t *buf, size_t len)
{
    memset(r, 0, sizeof *r);
    if (fk_smp_hdr_decode(buf, len, &r->hdr) != FK_OK || r->hdr.len != len - 8) {
        return false;
    }
    struct cbor_load_result lr;
    r->root = cbor_load(buf + 8, len - 8, &lr);
    return r->root != NULL && lr.read == len - 8;
}

void rsp_free(struct rsp *r)
{
    if (r->root) {
        cbor_decref(&r->root);
    }
}

cbor_item_t *map_get(cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map)) {
        return NULL;
    }
    size_t n = cbor_map_size(map), kl = strlen(key);
    struct cbor_pair *p = cbor_map_handle(map);
    for (size_t i = 0; i < n; i++) {
        if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
            cbor_string_length(p[i].key) == kl &&
            !memcmp(cbor_string_handle(p[i].key), key, kl)) {
            return p[i].value;
        }
    }
    return NULL;
}

bool map_int(cbor_item_t *map, const char *key, int64_t *out)
{
    cbor_item_t *v = map_get(map, key);
    if (!v) {
        return false;
    }
    if (cbor_isa_uint(v)) {
        *out = (int64_t)cbor_get_int(v);
        return true;
    }
    if (cbor_isa_negint(v)) {
        *out = -1 - (int64_t)cbor_get_int(v);
        return true;
    }
    return false;
}

bool map_bool(cbor_item_t *map, const char *key, bool *out)
{
    cbor_item_t *v = map_get(map, key);
    if (!v || !cbor_is_bool(v)) {
        return false;
    }
    *out = cbor_get_bool(v);
    return true;
}

bool map_str(cbor_item_t *map, const char *key, char *out, size_t cap)
{
    cbor_item_t *v = map_get(map, key);
    if (!v || !cbor_isa_string(v) || !cbor_string_is_definite(v)) {
        return false;
    }
    size_t n = cbor_string_length(v);
    if (n + 1 > cap) {
        n = cap - 1;
    }
    memcpy(out, cbor_string_handle(v), n);
    out[n] = '\0';
    return true;
}

void rsp_err(const struct rsp *r, int *rc, int *group, int *group_rc)
{
    int64_t v;
    *rc = 0;
    *group = -1;
    *group_rc = 0;
    if (map_int(r->root, "rc", &v)) {
        *rc = (int)v;
    }
    cbor_item_t *e = map_get(r->root, "err");
    if (e) {
        if (map_int(e, "group", &v)) {
            *group = (int)v;
        }
        if (map_int(e, "rc", &v)) {
            *group_rc = (int)v;
        }
    }
}
