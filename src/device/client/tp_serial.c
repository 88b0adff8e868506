/*
 * Serial transport: mcumgr's console framing. A packet travels as
 * base64(len16_be(packet + 2) || packet || crc16_xmodem_be(packet)) cut into
 * lines of at most 127 bytes: the first starts with 06 09, continuations with
 * 04 14, each ends with '\n'. Non-SMP console output between frames is
 * skipped.
 */
#include "fotakit/client.h"
#include "fotakit/err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 8192 /* largest packet accepted back (bytes, decoded) */

uint16_t fk_client_crc16(const uint8_t *data, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= in[i + 2];
        }
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    return o;
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* Decode; returns length or -1 on a malformed input. */
static long b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad) {
                    return -1;
                }
                v[k] = b64_val(in[i + k]);
                if (v[k] < 0) {
                    return -1;
                }
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        uint8_t b[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
        for (int k = 0; k < 3 - pad; k++) {
            if (o >= cap) {
                return -1;
            }
            out[o++] = b[k];
        }
    }
    return (long)o;
}

int fk_client_serial_encode(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
    if (len > 0xfffd) {
        return FK_EINVAL;
    }
    size_t raw_len = len + 4;
    uint8_t *raw = malloc(raw_len);
    char *enc = malloc((raw_len + 2) / 3 * 4 + 1);
    if (!raw || !enc) {
        free(raw);
        free(enc);
        return FK_ENOMEM;
    }
    raw[0] = (uint8_t)((len + 2) >> 8);
    raw[1] = (uint8_t)(len + 2);
    memcpy(raw + 2, pkt, len);
    uint16_t crc = fk_client_crc16(pkt, len);
    raw[2 + len] = (uint8_t)(crc >> 8);
    raw[3 + len] = (uint8_t)crc;
    size_t elen = b64_encode(raw, raw_len, enc);
    free(raw);
    size_t o = 0, i = 0;
    int rc = 0;
    bool first = true;
    while (i < elen) {
        size_t take = elen - i;
        /* 2 marker bytes + data + '\n' <= 127; keep whole base64 quads per line */
        size_t room = (FK_CL_SERIAL_LINE_MAX - 3) / 4 * 4;
        if (take > room) {
            take = room;
        }
        if (o + take + 3 > cap) {
            rc = FK_ENOMEM;
            break;
        }
        out[o++] = first ? 0x06 : 0x04;
        out[o++] = first ? 0x09 : 0x14;
        memcpy(out + o, enc + i, take);
        o += take;
        out[o++] = '\n';
        i += take;
        first = false;
    }
    free(enc);
    return rc ? rc : (int)o;
}

struct tp_serial {
    struct fk_client_tp tp;
    int fd;
    struct fk_client_serial_dec dec;
    /* bytes read but not yet consumed */
    uint8_t rx[512];
    size_t rx_len, rx_pos;
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                struct pollfd pf = {.fd = fd, .events = POLLOUT};
                if (poll(&pf, 1, 1000) <= 0) {
                    return FK_ETIMEDOUT;
                }
                continue;
            }
            return FK_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int ser_send(struct fk_client_tp *tp, const uint8_t *pkt, size_t len)
{
    struct tp_serial *s = (struct tp_serial *)tp;
    size_t cap = (len + 4) / 3 * 4 + 8 + ((len + 4) / 3 * 4 / 120 + 2) * 3;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        return FK_ENOMEM;
    }
    int n = fk_client_serial_encode(pkt, len, buf, cap);
    if (n < 0) {
        free(buf);
        return n;
    }
    int rc = write_all(s->fd, buf, (size_t)n);
    free(buf);
    if (rc == 0) {
        tp->tx_wire += (uint64_t)n;
        tp->tx_packets++;
    }
    return rc;
}

/* A complete line (without '\n') arrived: returns packet length if it
 * completes a frame, 0 otherwise. */
static int dec_line(struct fk_client_serial_dec *s, uint8_t *buf, size_t cap)
{
    const char *l = s->line;
    size_t n = s->line_len;
    if (n >= 2 && (uint8_t)l[0] == 0x06 && l[1] == 0x09) {
        s->in_frame = true;
        s->b64_len = 0;
    } else if (n >= 2 && (uint8_t)l[0] == 0x04 && l[1] == 0x14 && s->in_frame) {
        /* continuation */
    } else {
        return 0; /* console text, or a continuation without a start */
    }
    if (s->line_overflow || s->b64_len + (n - 2) > FRAME_MAX * 2) {
        s->in_frame = false;
        s->dropped++;
        return 0;
    }
    memcpy(s->b64 + s->b64_len, l + 2, n - 2);
    s->b64_len += n - 2;
    /* Try to decode what we have: complete when the length prefix says so. */
    if (s->b64_len % 4) {
        return 0;
    }
    uint8_t *raw = malloc(FRAME_MAX + 4);
    if (!raw) {
        return FK_ENOMEM;
    }
    long r = b64_decode(s->b64, s->b64_len, raw, FRAME_MAX + 4);
    int out = 0;
    if (r < 0) {
        s->in_frame = false;
        s->dropped++;
    } else if (r >= 2) {
        size_t want = (size_t)raw[0] << 8 | raw[1];
        if ((size_t)r - 2 >= want) {
            s->in_frame = false;
            if (want < 2 || (size_t)r - 2 != want || want - 2 > cap ||
                fk_client_crc16(raw + 2, want - 2) !=
                    (uint16_t)(raw[want] << 8 | raw[want + 1])) {
                s->dropped++;
            } else {
                memcpy(buf, raw + 2, want - 2);
                out = (int)(want - 2);
            }
        }
    }
    free(raw);
    return out;
}

int fk_client_serial_dec_init(struct fk_client_serial_dec *d)
{
    memset(d, 0, sizeof *d);
    d->b64 = malloc(FRAME_MAX * 2 + 256);
    return d->b64 ? 0 : FK_ENOMEM;
}

void fk_client_serial_dec_free(struct fk_client_serial_dec *d)
{
    free(d->b64);
    d->b64 = NULL;
}

int fk_client_serial_dec_feed(struct fk_client_serial_dec *d, uint8_t byte, uint8_t *buf, size_t cap)
{
    if (byte == '\n') {
        int got = dec_line(d, buf, cap);
        d->line_len = 0;
        d->line_overflow = false;
        return got;
    }
    if (d->line_len < sizeof d->line) {
        d->line[d->line_len++] = (char)byte;
    } else {
        d->line_overflow = true;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Consume buffered bytes; returns a packet length, 0 (need more), or <0. */
static int ser_consume(struct tp_serial *s, uint8_t *buf, size_t cap)
{
    while (s->rx_pos < s->rx_len) {
        uint64_t before = s->dec.dropped;
        int got = fk_client_serial_dec_feed(&s->dec, s->rx[s->rx_pos++], buf, cap);
        s->tp.dropped += s->dec.dropped - before;
        if (got != 0) {
            return got;
        }
    }
    return 0;
}

static int ser_recv(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct tp_serial *s = (struct tp_serial *)tp;
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int got = ser_consume(s, buf, cap);
        if (got != 0) {
            if (got > 0) {
                tp->rx_packets++;
            }
            return got;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            return 0;
        }
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return FK_EIO;
        }
        if (r == 0) {
            return 0;
        }
        if ((p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN)) {
            /* pty with the other side closed (device resetting): wait a bit */
            struct timespec ts = {0, 10 * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        ssize_t n = read(s->fd, s->rx, sizeof s->rx);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EIO) {
                struct timespec ts = {0, 5 * 1000000};
                nanosleep(&ts, NULL);
                continue;
            }
            return FK_EIO;
        }
        s->rx_pos = 0;
        s->rx_len = (size_t)n;
        tp->rx_wire += (uint64_t)n;
    }
}

static void ser_close(struct fk_client_tp *tp)
{
    struct tp_serial *s = (struct tp_serial *)tp;
    close(s->fd);
    fk_client_serial_dec_free(&s->dec);
    free(s);
}

int fk_client_tp_serial_from_fd(int fd, struct fk_client_tp **out)
{
    struct tp_serial *s = calloc(1, sizeof *s);
    if (!s) {
        return FK_ENOMEM;
    }
    if (fk_client_serial_dec_init(&s->dec)) {
        free(s);
        return FK_ENOMEM;
    }
    s->fd = fd;
    s->tp.send = ser_send;
    s->tp.recv = ser_recv;
    s->tp.close = ser_close;
    s->tp.kind = "serial";
    *out = &s->tp;
    return 0;
}

static speed_t baud_const(unsigned baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    case 1000000: return B1000000;
    default: return 0;
    }
}

int fk_client_tp_open_serial(const char *dev, unsigned baud, struct fk_client_tp **out, char *err,
                             size_t errlen)
{
    speed_t sp = baud_const(baud);
    if (!sp) {
        snprintf(err, errlen,
                 "serial: unsupported baud rate %u; use 9600, 19200, 38400, 57600, 115200, "
                 "230400, 460800, 921600 or 1000000",
                 baud);
        return FK_EINVAL;
    }
    int fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "serial: cannot open %s: %s", dev, strerror(errno));
        return FK_EIO;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, sp);
        cfsetospeed(&t, sp);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 0;
        if (tcsetattr(fd, TCSANOW, &t) != 0) {
            snprintf(err, errlen, "serial: cannot configure %s: %s", dev, strerror(errno));
            close(fd);
            return FK_EIO;
        }
    } else {
        snprintf(err, errlen, "serial: %s is not a terminal device: %s", dev, strerror(errno));
        close(fd);
        return FK_EINVAL;
    }
    int rc = fk_client_tp_serial_from_fd(fd, out);
    if (rc) {
        close(fd);
    }
    return rc;
}
