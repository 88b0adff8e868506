/* Helpers shared by the image tests: files, a RAM flash area, vector keys. */
#ifndef FK_TEST_IMAGE_UTIL_H
#define FK_TEST_IMAGE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/image.h"
#include "fotakit/host/image.h"

#define VEC_DIR FOTAKIT_SHARED_DIR "/vectors/imgtool/"

/* Read a vector file (aborts the test if missing). Caller frees. */
static inline uint8_t *vec_read(const char *name, size_t *len)
{
    char path[512];
    uint8_t *d = NULL;
    char err[256];
    snprintf(path, sizeof path, "%s%s", VEC_DIR, name);
    if (fk_file_read(path, &d, len, err, sizeof err) != FK_OK) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return d;
}

/* A RAM-backed flash device in this test (no dependency on the simulator):
 * exactly `len` bytes, so ASan catches any read past the image. */
struct ram_area {
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    uint8_t *mem;
    uint32_t reads;
};

static inline int ram_read(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    struct ram_area *r = dev->ctx;
    r->reads++;
    memcpy(buf, r->mem + off, len);
    return FK_OK;
}
static inline int ram_prog(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len)
{
    struct ram_area *r = dev->ctx;
    memcpy(r->mem + off, buf, len);
    return FK_OK;
}
static inline int ram_erase(struct fk_flash_dev *dev, uint32_t off, size_t len)
{
    struct ram_area *r = dev->ctx;
    memset(r->mem + off, 0xff, len);
    return FK_OK;
}
static const struct fk_flash_ops ram_ops = {ram_read, ram_prog, ram_erase, NULL};

/* Takes ownership of `mem` (malloc'ed, `len` bytes). */
static inline void ram_area_init(struct ram_area *r, uint8_t *mem, uint32_t len)
{
    memset(r, 0, sizeof *r);
    r->mem = mem;
    r->dev.name = "ram";
    r->dev.desc = "test RAM";
    r->dev.size = len;
    r->dev.erase_size = 1;
    r->dev.write_size = 1;
    r->dev.erased_val = 0xff;
    r->dev.ops = &ram_ops;
    r->dev.ctx = r;
    r->dev.state = FK_DEV_READY;
    r->fa.id = FK_AREA_ID_SECONDARY;
    r->fa.name = "ram_slot";
    r->fa.dev = &r->dev;
    r->fa.size = len;
}

/* n bytes from 2n hex digits (aborts on a bad digit). */
static inline void unhex(const char *h, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1) {
            abort();
        }
        out[i] = (uint8_t)v;
    }
}

/* A key ring entry from a vector's .pub.der. */
struct test_key {
    struct fk_image_key key;
    uint8_t *der;
};

static inline void test_key_load(struct test_key *k, const char *stem, enum fk_key_type type)
{
    char name[128];
    size_t len;
    snprintf(name, sizeof name, "%s.pub.der", stem);
    k->der = vec_read(name, &len);
    k->key.type = type;
    k->key.der = k->der;
    k->key.der_len = len;
}

#endif
