/*
 * Serial transport: mcumgr's console framing, encoded and decoded by
 * fotakit_smp's codec (fk_smp_serial_*, see smp.h). Non-SMP console output
 * between frames is skipped.
 */
#include "fotakit/host/client.h"
#include "fotakit/err.h"
#include "fotakit/smp.h"

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

struct tp_serial {
    struct fk_client_tp tp;
    int fd;
    /* fotakit_smp's streaming decoder (the server's codec); frame holds the
     * frame being decoded: length + packet + CRC */
    struct fk_smp_serial_dec dec;
    uint8_t frame[FRAME_MAX + 4];
    /* bytes read but not yet consumed */
    uint8_t rx[512];
    size_t rx_len, rx_pos;
};

int fk_client_write_all(int fd, const uint8_t *p, size_t n)
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
                    return FK_ETIMEDOUT; /* nobody reads the other end */
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
    /* one buffer, one write: the whole frame leaves in a single call */
    size_t cap = fk_smp_serial_frame_size(len), n;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf) {
        return FK_ENOMEM;
    }
    int rc = fk_smp_serial_encode(pkt, len, buf, cap, &n);
    if (rc == 0) {
        rc = fk_client_write_all(s->fd, buf, n);
    }
    free(buf);
    if (rc == 0) {
        tp->tx_wire += (uint64_t)n;
        tp->tx_packets++;
    }
    return rc;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Consume buffered bytes; returns a packet length, 0 (need more), or <0.
 * Broken frames (and packets larger than cap) are dropped and counted; the
 * decoder has resynchronised by then, so decoding just goes on. */
static int ser_consume(struct tp_serial *s, uint8_t *buf, size_t cap)
{
    while (s->rx_pos < s->rx_len) {
        size_t used = 0;
        const uint8_t *pkt = NULL;
        int got = fk_smp_serial_dec_feed(&s->dec, s->rx + s->rx_pos, s->rx_len - s->rx_pos, &used, &pkt);
        s->rx_pos += used;
        if (got < 0 || (size_t)got > cap) {
            s->tp.dropped++;
        } else if (got > 0) {
            memcpy(buf, pkt, (size_t)got);
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
    free(s);
}

int fk_client_tp_serial_from_fd(int fd, struct fk_client_tp **out)
{
    struct tp_serial *s = calloc(1, sizeof *s);
    if (!s) {
        return FK_ENOMEM;
    }
    fk_smp_serial_dec_init(&s->dec, s->frame, sizeof s->frame);
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
