/* CBOR encoder (RFC 8949 preferred serialization: shortest heads). */
#include <string.h>

#include "fotakit/cbor.h"

void fk_cbor_enc_init(struct fk_cbor_enc *e, uint8_t *buf, size_t cap)
{
    e->buf = buf;
    e->cap = buf ? cap : 0;
    e->len = 0;
    e->overflow = false;
}

static void put(struct fk_cbor_enc *e, const void *p, size_t n)
{
    if (e->overflow || n > e->cap - e->len) {
        e->overflow = true;
        return;
    }
    if (n) {
        memcpy(e->buf + e->len, p, n);
    }
    e->len += n;
}

/* Major type + argument, shortest form. */
static void head(struct fk_cbor_enc *e, uint8_t major, uint64_t v)
{
    uint8_t h[9];
    size_t n;
    major = (uint8_t)(major << 5);
    if (v < 24) {
        h[0] = (uint8_t)(major | v);
        n = 1;
    } else if (v <= 0xff) {
        h[0] = major | 24;
        h[1] = (uint8_t)v;
        n = 2;
    } else if (v <= 0xffff) {
        h[0] = major | 25;
        h[1] = (uint8_t)(v >> 8);
        h[2] = (uint8_t)v;
        n = 3;
    } else if (v <= 0xffffffffu) {
        h[0] = major | 26;
        for (int i = 0; i < 4; i++) {
            h[1 + i] = (uint8_t)(v >> (24 - 8 * i));
        }
        n = 5;
    } else {
        h[0] = major | 27;
        for (int i = 0; i < 8; i++) {
            h[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        }
        n = 9;
    }
    put(e, h, n);
}

void fk_cbor_uint(struct fk_cbor_enc *e, uint64_t v)
{
    head(e, 0, v);
}

void fk_cbor_int(struct fk_cbor_enc *e, int64_t v)
{
    if (v >= 0) {
        head(e, 0, (uint64_t)v);
    } else {
        /* -1 - v without overflow for INT64_MIN */
        head(e, 1, (uint64_t)(-(v + 1)));
    }
}

void fk_cbor_bool(struct fk_cbor_enc *e, bool v)
{
    uint8_t b = v ? 0xf5 : 0xf4;
    put(e, &b, 1);
}

void fk_cbor_null(struct fk_cbor_enc *e)
{
    uint8_t b = 0xf6;
    put(e, &b, 1);
}

void fk_cbor_tstrn(struct fk_cbor_enc *e, const char *s, size_t n)
{
    head(e, 3, n);
    put(e, s, n);
}

void fk_cbor_tstr(struct fk_cbor_enc *e, const char *s)
{
    fk_cbor_tstrn(e, s, s ? strlen(s) : 0);
}

void fk_cbor_bstr(struct fk_cbor_enc *e, const uint8_t *b, size_t n)
{
    head(e, 2, n);
    put(e, b, n);
}

void fk_cbor_tstr_head(struct fk_cbor_enc *e, size_t n)
{
    head(e, 3, n);
}

void fk_cbor_bstr_head(struct fk_cbor_enc *e, size_t n)
{
    head(e, 2, n);
}

void fk_cbor_map(struct fk_cbor_enc *e, size_t pairs)
{
    head(e, 5, pairs);
}

void fk_cbor_array(struct fk_cbor_enc *e, size_t items)
{
    head(e, 4, items);
}

void fk_cbor_map_indef(struct fk_cbor_enc *e)
{
    uint8_t b = 0xbf;
    put(e, &b, 1);
}

void fk_cbor_array_indef(struct fk_cbor_enc *e)
{
    uint8_t b = 0x9f;
    put(e, &b, 1);
}

void fk_cbor_break(struct fk_cbor_enc *e)
{
    uint8_t b = 0xff;
    put(e, &b, 1);
}

void fk_cbor_raw(struct fk_cbor_enc *e, const uint8_t *b, size_t n)
{
    put(e, b, n);
}

int fk_cbor_enc_done(const struct fk_cbor_enc *e, size_t *len)
{
    if (e->overflow) {
        return FK_ENOMEM;
    }
    if (len) {
        *len = e->len;
    }
    return FK_OK;
}
