/*
 * mcumgr serial console framing: CRC16-XMODEM, base64, line encoder and a
 * streaming decoder that needs no line buffer (base64 is decoded as it
 * arrives, four characters at a time).
 */
#include <string.h>

#include "fotakit/smp.h"

uint16_t fk_smp_crc16(uint16_t crc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 characters per line: 127 - 2 marker bytes - '\n', a multiple of 4 */
#define B64_PER_LINE (((FK_SMP_SERIAL_LINE_MAX - 3u) / 4u) * 4u)
#define MAX_PKT 65533u

static size_t b64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

size_t fk_smp_serial_frame_size(size_t pkt_len)
{
    size_t b = b64_len(pkt_len + 4);
    size_t lines = (b + B64_PER_LINE - 1) / B64_PER_LINE;
    return b + 3 * lines;
}

/* Byte i of the frame body: BE16 length, packet, BE16 CRC. */
struct body {
    const uint8_t *pkt;
    size_t len;
    uint8_t pre[2], post[2];
};

static uint8_t body_at(const struct body *b, size_t i)
{
    if (i < 2) {
        return b->pre[i];
    }
    i -= 2;
    if (i < b->len) {
        return b->pkt[i];
    }
    return b->post[i - b->len];
}

int fk_smp_serial_encode_cb(const uint8_t *pkt, size_t len,
                            int (*put)(void *arg, const uint8_t *line, size_t n), void *arg)
{
    if ((!pkt && len) || !put) {
        return FK_EINVAL;
    }
    if (len > MAX_PKT) {
        return FK_EINVAL;
    }
    struct body b = {.pkt = pkt, .len = len};
    uint16_t total = (uint16_t)(len + 2);
    uint16_t crc = fk_smp_crc16(0, pkt, len);
    b.pre[0] = (uint8_t)(total >> 8);
    b.pre[1] = (uint8_t)total;
    b.post[0] = (uint8_t)(crc >> 8);
    b.post[1] = (uint8_t)crc;
    size_t blen = len + 4;
    uint8_t line[FK_SMP_SERIAL_LINE_MAX];
    size_t ll = 0;
    bool first = true;
    for (size_t i = 0; i < blen; i += 3) {
        if (ll == 0) {
            line[0] = first ? FK_SMP_SERIAL_START0 : FK_SMP_SERIAL_CONT0;
            line[1] = first ? FK_SMP_SERIAL_START1 : FK_SMP_SERIAL_CONT1;
            ll = 2;
            first = false;
        }
        size_t n = blen - i < 3 ? blen - i : 3;
        uint32_t v = (uint32_t)body_at(&b, i) << 16;
        if (n > 1) {
            v |= (uint32_t)body_at(&b, i + 1) << 8;
        }
        if (n > 2) {
            v |= body_at(&b, i + 2);
        }
        line[ll++] = (uint8_t)b64chars[(v >> 18) & 63];
        line[ll++] = (uint8_t)b64chars[(v >> 12) & 63];
        line[ll++] = n > 1 ? (uint8_t)b64chars[(v >> 6) & 63] : '=';
        line[ll++] = n > 2 ? (uint8_t)b64chars[v & 63] : '=';
        if (ll - 2 == B64_PER_LINE || i + 3 >= blen) {
            line[ll++] = '\n';
            int rc = put(arg, line, ll);
            if (rc) {
                return rc;
            }
            ll = 0;
        }
    }
    return FK_OK;
}

struct outbuf {
    uint8_t *out;
    size_t cap, len;
};

static int put_buf(void *arg, const uint8_t *line, size_t n)
{
    struct outbuf *o = arg;
    if (n > o->cap - o->len) {
        return FK_ENOMEM;
    }
    memcpy(o->out + o->len, line, n);
    o->len += n;
    return FK_OK;
}

int fk_smp_serial_encode(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    if (!out || !out_len) {
        return FK_EINVAL;
    }
    if (len <= MAX_PKT && fk_smp_serial_frame_size(len) > cap) {
        return FK_ENOMEM;
    }
    struct outbuf o = {out, cap, 0};
    int rc = fk_smp_serial_encode_cb(pkt, len, put_buf, &o);
    if (rc == FK_OK) {
        *out_len = o.len;
    }
    return rc;
}

/* ---- decoder ------------------------------------------------------------ */

enum {
    ST_LINE = 0, /* at the start of a line */
    ST_START1,   /* saw 0x06 */
    ST_CONT1,    /* saw 0x04 */
    ST_B64,      /* inside a frame line */
    ST_SKIP,     /* console text or a dropped line: skip to '\n' */
};

void fk_smp_serial_dec_init(struct fk_smp_serial_dec *d, uint8_t *buf, size_t cap)
{
    memset(d, 0, sizeof *d);
    d->buf = buf;
    d->cap = buf ? cap : 0;
    d->state = ST_LINE;
}

/* Frame bookkeeping lives in got/need/nquad/pad_seen; `open` = a frame has
 * started and not yet completed or been dropped. A dropped frame leaves
 * `discard` set so its remaining continuation lines are skipped quietly. */
#define F_OPEN 0x80u
#define F_DISCARD 0x40u
#define ST_MASK 0x0fu

static void frame_reset(struct fk_smp_serial_dec *d)
{
    d->got = 0;
    d->need = 0;
    d->nquad = 0;
    d->pad_seen = false;
}

static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/* Drop the open frame with `err`, skip the rest of this line (unless the
 * error happened at its end) and its continuation lines. */
static int drop(struct fk_smp_serial_dec *d, int err, uint8_t next_state)
{
    frame_reset(d);
    d->state = (uint8_t)(next_state | F_DISCARD);
    d->errors++;
    return err;
}

/* Append one decoded byte. */
static int put_byte(struct fk_smp_serial_dec *d, uint8_t v)
{
    if (d->need && d->got >= d->need) {
        return FK_ESMP_FRAME_LEN; /* more data than the length field says */
    }
    if (d->got < 2) {
        if (d->cap < 2) {
            return FK_ESMP_TOO_BIG;
        }
        d->buf[d->got++] = v;
        if (d->got == 2) {
            size_t l = ((size_t)d->buf[0] << 8) | d->buf[1];
            if (l < 3) {
                return FK_ESMP_FRAME_LEN; /* no room for a packet and its CRC */
            }
            if (2 + l > d->cap) {
                return FK_ESMP_TOO_BIG;
            }
            d->need = 2 + l;
        }
        return FK_OK;
    }
    d->buf[d->got++] = v;
    return FK_OK;
}

static int quad_done(struct fk_smp_serial_dec *d)
{
    int v[4];
    int pads = 0;
    for (int i = 0; i < 4; i++) {
        if (d->quad[i] == '=') {
            v[i] = 0;
            pads++;
        } else {
            if (pads) {
                return FK_ESMP_BASE64; /* data after padding */
            }
            v[i] = b64_val(d->quad[i]);
        }
    }
    if (pads > 2) {
        return FK_ESMP_BASE64;
    }
    uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) |
                 (uint32_t)v[3];
    uint8_t bytes[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
    d->nquad = 0;
    if (pads) {
        d->pad_seen = true;
    }
    for (int i = 0; i < 3 - pads; i++) {
        int rc = put_byte(d, bytes[i]);
        if (rc) {
            return rc;
        }
    }
    return FK_OK;
}

int fk_smp_serial_dec_feed(struct fk_smp_serial_dec *d, const uint8_t *in, size_t len,
                           size_t *used, const uint8_t **pkt)
{
    size_t i = 0;
    int ret = 0;
    while (i < len && ret == 0) {
        uint8_t c = in[i++];
        uint8_t st = d->state & ST_MASK;
        uint8_t fl = d->state & (uint8_t)~ST_MASK;
        switch (st) {
        case ST_LINE:
            if (c == FK_SMP_SERIAL_START0) {
                d->state = (uint8_t)(ST_START1 | fl);
            } else if (c == FK_SMP_SERIAL_CONT0) {
                d->state = (uint8_t)(ST_CONT1 | fl);
            } else if (c != '\n' && c != '\r') {
                d->state = (uint8_t)(ST_SKIP | fl);
            }
            break;
        case ST_START1:
            if (c == FK_SMP_SERIAL_START1) {
                bool was_open = fl & F_OPEN;
                frame_reset(d);
                d->state = ST_B64 | F_OPEN;
                if (was_open) {
                    /* the previous frame never reached its length */
                    d->errors++;
                    ret = FK_ESMP_FRAME_LEN;
                }
            } else if (c == FK_SMP_SERIAL_START0) {
                /* 06 06 09: the first 06 was noise */
            } else {
                d->state = (uint8_t)((c == '\n' ? ST_LINE : ST_SKIP) | fl);
            }
            break;
        case ST_CONT1:
            if (c == FK_SMP_SERIAL_CONT1) {
                if (fl & F_OPEN) {
                    d->state = ST_B64 | F_OPEN;
                } else if (fl & F_DISCARD) {
                    d->state = ST_SKIP | F_DISCARD;
                } else {
                    d->state = ST_SKIP;
                    d->errors++;
                    ret = FK_ESMP_FRAME;
                }
            } else if (c == FK_SMP_SERIAL_START0) {
                d->state = (uint8_t)(ST_START1 | fl);
            } else {
                d->state = (uint8_t)((c == '\n' ? ST_LINE : ST_SKIP) | fl);
            }
            break;
        case ST_B64:
            if (c == '\r') {
                break;
            }
            if (c == '\n') {
                if (d->nquad) {
                    ret = drop(d, FK_ESMP_BASE64, ST_LINE); /* base64 stops mid-group */
                    break;
                }
                if (d->need && d->got == d->need) {
                    size_t plen = d->need - 4;
                    uint16_t want = (uint16_t)((d->buf[d->need - 2] << 8) | d->buf[d->need - 1]);
                    uint16_t crc = fk_smp_crc16(0, d->buf + 2, plen);
                    frame_reset(d);
                    d->state = ST_LINE;
                    if (crc != want) {
                        d->errors++;
                        ret = FK_ESMP_CRC;
                    } else {
                        d->frames++;
                        *pkt = d->buf + 2;
                        ret = (int)plen;
                    }
                    break;
                }
                if (d->pad_seen) {
                    ret = drop(d, FK_ESMP_FRAME_LEN, ST_LINE); /* ended short */
                    break;
                }
                d->state = ST_LINE | F_OPEN; /* wait for a continuation line */
                break;
            }
            if (c == FK_SMP_SERIAL_START0) {
                /* 0x06 is not base64: a start marker in mid-line means the
                 * line was cut (lost bytes, a newline among them); resync on
                 * the new frame instead of losing it too */
                ret = drop(d, FK_ESMP_FRAME_LEN, ST_START1);
                d->state = ST_START1;
                break;
            }
            if (c != '=' && b64_val(c) < 0) {
                ret = drop(d, FK_ESMP_BASE64, ST_SKIP);
                break;
            }
            if (d->pad_seen) {
                ret = drop(d, FK_ESMP_BASE64, ST_SKIP); /* data after the final padding */
                break;
            }
            d->quad[d->nquad++] = c;
            if (d->nquad == 4) {
                int rc = quad_done(d);
                if (rc) {
                    ret = drop(d, rc, ST_SKIP);
                }
            }
            break;
        default: /* ST_SKIP */
            if (c == '\n') {
                d->state = (uint8_t)(ST_LINE | fl);
            } else if (c == FK_SMP_SERIAL_START0) {
                /* a frame start after console text without a newline */
                d->state = (uint8_t)(ST_START1 | fl);
            }
            break;
        }
    }
    if (used) {
        *used = i;
    }
    return ret;
}
