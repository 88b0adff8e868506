/*
 * The virtual device's run loop: SMP over UDP (one packet per datagram) or
 * over a serial line (a real tty, or a pseudo-terminal whose slave name is
 * printed and optionally symlinked), with reset re-entering the bootloader.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* posix_openpt, ptsname */
#endif
#include "device_priv.h"

#include "fotakit/smp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 50 /* how often the loop looks at *stop */

static int udp_bind(const char *spec, unsigned *port_out, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon) {
        snprintf(err, errlen, "--udp %s: expected HOST:PORT, e.g. 127.0.0.1:1337", spec);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port > 65535) {
        snprintf(err, errlen, "--udp %s: port '%s' is not a number in 0..65535", spec, colon + 1);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai;
    int g = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
    if (g) {
        snprintf(err, errlen, "--udp %s: %s", spec, gai_strerror(g));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            continue;
        }
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0) {
            break;
        }
        snprintf(err, errlen, "--udp %s: cannot bind: %s (is another device using the port?)", spec,
                 strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char ps[16];
    getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, ps, sizeof ps, NI_NUMERICSERV);
    *port_out = (unsigned)atoi(ps);
    return fd;
}

/* True when the device rebooted (then what arrived meanwhile is dropped). */
static bool after_request(struct fk_device *d, struct fk_device_run *run, int *resets, bool *done)
{
    if (!fk_device_reset_pending(d)) {
        return false;
    }
    (*resets)++;
    struct fk_device_boot_report rep;
    fk_device_boot(d, &rep);
    if (run->booted) {
        run->booted(run->booted_arg, &rep);
    }
    if (run->max_resets && *resets >= run->max_resets) {
        fk_dev_log(d, "stopping after %d reset(s) (--exit-after-resets)", *resets);
        *done = true;
    }
    return true;
}

static int serve_udp(struct fk_device *d, struct fk_device_run *run, int fd)
{
    uint8_t *req = malloc(FK_DEV_PKT_MAX), *rsp = malloc(FK_DEV_PKT_MAX);
    int resets = 0;
    bool done = false;
    int rc = 0;
    while (req && rsp && !done && !(run->stop && *run->stop)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, POLL_MS);
        if (r <= 0) {
            if (r < 0 && errno != EINTR) {
                rc = FK_EIO;
                break;
            }
            fk_dev_idle(d);
            continue;
        }
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, req, FK_DEV_PKT_MAX, MSG_TRUNC, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            continue;
        }
        size_t len = (size_t)n > FK_DEV_PKT_MAX ? FK_DEV_PKT_MAX : (size_t)n;
        size_t out = fk_device_handle(d, req, len, rsp, FK_DEV_PKT_MAX);
        fk_dev_realtime_sleep(d); /* --realtime: the flash work precedes the answer */
        if (out) {
            sendto(fd, rsp, out, 0, (struct sockaddr *)&from, fl);
        }
        if (after_request(d, run, &resets, &done)) {
            /* As a device: its radio was off while it reset; what the
             * client sent meanwhile is lost (it retransmits). */
            unsigned lost = 0;
            while (recv(fd, req, FK_DEV_PKT_MAX, MSG_DONTWAIT) >= 0) {
                lost++;
            }
            if (lost) {
                fk_dev_log(d, "udp: %u request(s) arrived while the device was resetting: lost, as "
                              "on a device",
                           lost);
            }
        }
    }
    free(req);
    free(rsp);
    return rc;
}

/*
 * --realtime on a pseudo-terminal: the line's pace (a pty has no baud rate).
 * Bytes from the client arrive at baud/10 bytes per second (8N1), so a
 * request is handled no earlier than its last byte would have arrived;
 * answers are queued and written when their last byte would have left. Both
 * directions run at once, as on a full-duplex UART.
 */
#define LINE_QMAX 64

struct line {
    double byte_s;  /* seconds per byte; 0: no pacing */
    double rx_free; /* when the receive direction is next idle */
    double tx_free;
    struct {
        uint8_t *buf;
        size_t len;
        double due;
    } q[LINE_QMAX];
    unsigned qh, qn;
    int fd;
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void line_flush(struct line *l, bool all)
{
    double now = mono_s();
    while (l->qn && (all || l->q[l->qh].due <= now)) {
        if (all && l->q[l->qh].due > now) {
            double w = l->q[l->qh].due - now;
            struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
            nanosleep(&ts, NULL);
            now = mono_s();
        }
        fk_client_write_all(l->fd, l->q[l->qh].buf, l->q[l->qh].len);
        free(l->q[l->qh].buf);
        l->qh = (l->qh + 1) % LINE_QMAX;
        l->qn--;
    }
}

/* Sleep until monotonic time t, writing queued answers as they fall due. */
static void line_wait(struct line *l, double t)
{
    for (;;) {
        line_flush(l, false);
        double now = mono_s();
        if (now >= t) {
            return;
        }
        double until = l->qn && l->q[l->qh].due < t ? l->q[l->qh].due : t;
        double w = until - now;
        struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void line_send(struct line *l, const uint8_t *p, size_t n)
{
    if (l->byte_s <= 0 || l->qn == LINE_QMAX) {
        line_flush(l, true);
        fk_client_write_all(l->fd, p, n);
        return;
    }
    double now = mono_s();
    double start = l->tx_free > now ? l->tx_free : now;
    l->tx_free = start + (double)n * l->byte_s;
    uint8_t *copy = malloc(n);
    if (!copy) {
        line_flush(l, true);
        fk_client_write_all(l->fd, p, n);
        return;
    }
    memcpy(copy, p, n);
    unsigned i = (l->qh + l->qn++) % LINE_QMAX;
    l->q[i].buf = copy;
    l->q[i].len = n;
    l->q[i].due = l->tx_free;
}

static int serve_serial(struct fk_device *d, struct fk_device_run *run, int fd, bool pace)
{
    /* Framing: the SMP server's codec (fotakit/smp.h), as firmware uses it. */
    struct fk_smp_serial_dec dec;
    uint8_t *dbuf = malloc(FK_DEV_PKT_MAX + 4), *rsp = malloc(FK_DEV_PKT_MAX);
    size_t lines_cap = fk_smp_serial_frame_size(FK_DEV_PKT_MAX);
    uint8_t *lines = malloc(lines_cap);
    struct line line = {.fd = fd};
    if (pace && d->cfg.realtime) {
        line.byte_s = 10.0 / (run->baud ? run->baud : 115200); /* logged with the pty line */
    }
    int resets = 0;
    bool done = false;
    int rc = 0;
    if (dbuf) {
        fk_smp_serial_dec_init(&dec, dbuf, FK_DEV_PKT_MAX + 4);
    }
    while (dbuf && rsp && lines && !done && !(run->stop && *run->stop)) {
        int timeout = POLL_MS;
        if (line.qn) {
            double w = line.q[line.qh].due - mono_s();
            timeout = w <= 0 ? 0 : w * 1000 < POLL_MS ? (int)(w * 1000) + 1 : POLL_MS;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout);
        line_flush(&line, false);
        if (r <= 0) {
            if (r < 0 && errno != EINTR) {
                rc = FK_EIO;
                break;
            }
            continue;
        }
        uint8_t buf[512];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && errno == EIO) {
                usleep(POLL_MS * 1000); /* pty: the other side is closed */
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                rc = FK_EIO;
                break;
            }
            continue;
        }
        /* when this read's bytes arrive on a paced line */
        double now = mono_s();
        double rx_start = line.rx_free > now ? line.rx_free : now;
        line.rx_free = rx_start + (double)n * line.byte_s;
        size_t pos = 0;
        while (pos < (size_t)n && !done) {
            size_t used = 0;
            const uint8_t *pkt = NULL;
            int plen = fk_smp_serial_dec_feed(&dec, buf + pos, (size_t)n - pos, &used, &pkt);
            pos += used;
            if (plen < 0) {
                fk_dev_log(d, "serial: frame dropped: %s (%s)", fk_err_str(plen), fk_err_name(plen));
                continue;
            }
            if (plen == 0) {
                if (!used) {
                    break;
                }
                continue;
            }
            if (line.byte_s > 0) {
                line_wait(&line, rx_start + (double)pos * line.byte_s); /* its last byte is in */
            }
            size_t out = fk_device_handle(d, pkt, (size_t)plen, rsp, FK_DEV_PKT_MAX);
            double flash_s = fk_dev_realtime_take(d); /* --realtime: flash work precedes the answer */
            if (flash_s > 0) {
                line_wait(&line, mono_s() + flash_s);
            }
            if (out) {
                size_t ln = 0;
                if (fk_smp_serial_encode(rsp, out, lines, lines_cap, &ln) == FK_OK) {
                    line_send(&line, lines, ln);
                }
            }
            if (fk_device_reset_pending(d)) {
                line_flush(&line, true); /* the answer leaves before the reset */
            }
            if (after_request(d, run, &resets, &done)) {
                /* As a device: the UART restarts with the CPU; bytes that came
                 * in meanwhile (and the rest of this read) are lost. */
                size_t lost = (size_t)n - pos;
                ssize_t k;
                while ((k = read(fd, buf, sizeof buf)) > 0) {
                    lost += (size_t)k;
                }
                fk_smp_serial_dec_init(&dec, dbuf, FK_DEV_PKT_MAX + 4);
                if (lost) {
                    fk_dev_log(d, "serial: %zu byte(s) arrived while the device was resetting: lost, "
                                  "as on a device",
                               lost);
                }
                break;
            }
        }
    }
    line_flush(&line, true);
    free(dbuf);
    free(rsp);
    free(lines);
    return rc;
}

/* Open PATH if it is a terminal device; otherwise make a pty and link PATH
 * (when given) to its slave. *keep receives the slave fd kept open so the
 * master never sees a hang-up while no client is attached. */
static int serial_open(struct fk_device *d, struct fk_device_run *run, int *keep, char *err, size_t errlen)
{
    struct stat st;
    *keep = -1;
    if (run->serial && run->serial[0] && stat(run->serial, &st) == 0 && S_ISCHR(st.st_mode) &&
        !fk_dev_is_our_link(run->serial)) {
        int fd = open(run->serial, O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
            snprintf(err, errlen, "--serial %s: cannot open: %s", run->serial, strerror(errno));
            return -1;
        }
        struct termios t;
        if (tcgetattr(fd, &t) == 0) {
            cfmakeraw(&t);
            cfsetispeed(&t, B115200);
            cfsetospeed(&t, B115200);
            tcsetattr(fd, TCSANOW, &t);
        }
        snprintf(run->serial_path, sizeof run->serial_path, "%s", run->serial);
        return fd;
    }
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) || unlockpt(m)) {
        snprintf(err, errlen, "--serial: cannot create a pseudo-terminal: %s", strerror(errno));
        if (m >= 0) {
            close(m);
        }
        return -1;
    }
    const char *sl = ptsname(m);
    snprintf(run->serial_path, sizeof run->serial_path, "%s", sl ? sl : "?");
    int s = open(run->serial_path, O_RDWR | O_NOCTTY);
    if (s >= 0) {
        struct termios t;
        if (tcgetattr(s, &t) == 0) {
            cfmakeraw(&t);
            cfsetispeed(&t, B115200);
            cfsetospeed(&t, B115200);
            tcsetattr(s, TCSANOW, &t);
        }
        *keep = s;
    }
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    if (run->serial && run->serial[0]) {
        struct stat ls;
        if (lstat(run->serial, &ls) == 0) {
            if (!S_ISLNK(ls.st_mode)) {
                snprintf(err, errlen,
                         "--serial %s: exists and is not a terminal device or a link; give a new path "
                         "(a link to the pseudo-terminal is made there) or a tty",
                         run->serial);
                close(m);
                if (*keep >= 0) {
                    close(*keep);
                }
                return -1;
            }
            unlink(run->serial); /* a stale link, e.g. from an earlier run */
        }
        if (symlink(run->serial_path, run->serial) != 0) {
            snprintf(err, errlen, "--serial %s: cannot create the link to %s: %s", run->serial,
                     run->serial_path, strerror(errno));
            close(m);
            if (*keep >= 0) {
                close(*keep);
            }
            return -1;
        }
        fk_dev_log(d, "serial: pseudo-terminal %s, linked at %s; try: fotakit smp --conn serial:%s image list",
                   run->serial_path, run->serial, run->serial);
    } else {
        fk_dev_log(d, "serial: pseudo-terminal %s; try: fotakit smp --conn serial:%s image list",
                   run->serial_path, run->serial_path);
    }
    return m;
}

int fk_device_serve(struct fk_device *d, struct fk_device_run *run)
{
    char err[320];
    int fd, keep = -1;
    if (run->ble) {
        return fk_dev_serve_ble(d, run);
    }
    if (run->udp) {
        fd = udp_bind(run->udp, &run->udp_port, err, sizeof err);
        if (fd >= 0) {
            char host[256];
            snprintf(host, sizeof host, "%.*s", (int)(strrchr(run->udp, ':') - run->udp), run->udp);
            fk_dev_log(d, "udp: listening on %s port %u; try: fotakit smp --conn udp:%s:%u image list",
                       host[0] ? host : "*", run->udp_port, host[0] ? host : "127.0.0.1", run->udp_port);
        }
    } else {
        fd = serial_open(d, run, &keep, err, sizeof err);
        if (fd >= 0 && keep >= 0 && d->cfg.realtime) {
            fk_dev_log(d, "serial: --realtime paces the pseudo-terminal at %u baud (10 bits a byte)",
                       run->baud ? run->baud : 115200);
        }
    }
    if (fd < 0) {
        fprintf(stderr, "fotakit device: %s\n", err);
        return FK_EIO;
    }
    struct fk_device_boot_report rep;
    fk_device_boot(d, &rep);
    if (run->booted) {
        run->booted(run->booted_arg, &rep);
    }
    if (run->ready) {
        run->ready(run->ready_arg, run);
    }
    int rc = run->udp ? serve_udp(d, run, fd) : serve_serial(d, run, fd, keep >= 0 /* a pty */);
    if (keep >= 0) {
        /* Let the client read the last answer before the pty goes away (a
         * closed master discards what the slave has not read yet). */
        for (int i = 0; i < 100; i++) {
            int pending = 0;
            if (ioctl(keep, FIONREAD, &pending) != 0 || pending == 0) {
                break;
            }
            usleep(10000);
        }
    }
    close(fd);
    if (keep >= 0) {
        close(keep);
    }
    if (!run->udp && run->serial && run->serial[0] && fk_dev_is_our_link(run->serial)) {
        unlink(run->serial);
    }
    return rc;
}
