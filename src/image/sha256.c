/*
 * The verifier's SHA-256 (image_priv.h): BearSSL's by default; with
 * FK_IMAGE_SHA256_PORT the port's compression function with the FIPS 180-4
 * 5.1.1 padding done here (0x80, zeros, the bit length big-endian).
 */
#include <string.h>

#include "image_priv.h"

#ifdef FK_IMAGE_SHA256_PORT
#include "fotakit/port.h"

void fk_sha256_init(struct fk_sha256 *s)
{
    /* FIPS 180-4 5.3.3 */
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
}

void fk_sha256_update(struct fk_sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t have = (size_t)(s->len % 64u);
    s->len += len;
    if (have != 0) {
        size_t n = 64u - have < len ? 64u - have : len;
        memcpy(s->buf + have, p, n);
        p += n;
        len -= n;
        if (have + n < 64u) {
            return;
        }
        fk_port_sha256_compress(s->h, s->buf, 1);
    }
    if (len >= 64u) {
        fk_port_sha256_compress(s->h, p, len / 64u);
        p += len - len % 64u;
        len %= 64u;
    }
    memcpy(s->buf, p, len);
}

void fk_sha256_out(struct fk_sha256 *s, uint8_t out[32])
{
    size_t have = (size_t)(s->len % 64u);
    uint64_t bits = s->len * 8u;
    s->buf[have++] = 0x80;
    if (have > 56u) {
        memset(s->buf + have, 0, 64u - have);
        fk_port_sha256_compress(s->h, s->buf, 1);
        have = 0;
    }
    memset(s->buf + have, 0, 56u - have);
    for (int i = 0; i < 8; i++) {
        s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    }
    fk_port_sha256_compress(s->h, s->buf, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

#else

void fk_sha256_init(struct fk_sha256 *s)
{
    br_sha256_init(&s->br);
}

void fk_sha256_update(struct fk_sha256 *s, const void *data, size_t len)
{
    br_sha256_update(&s->br, data, len);
}

void fk_sha256_out(struct fk_sha256 *s, uint8_t out[32])
{
    br_sha256_out(&s->br, out);
}

#endif
