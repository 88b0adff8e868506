/*
 * The virtual device's BLE link: the SMP characteristic over the blesim
 * socket (fotakit/host/blesim.h), served by fotakit_smp's own BLE GATT
 * transport (fotakit/smp_ble.h) exactly as firmware would run it, with this
 * file as the "BLE stack". With --realtime each write is handed to the
 * transport when the link model (fotakit/host/ble_link.h) says its last
 * LL PDU arrived, the flash work takes its modeled time, and each
 * notification leaves when the model says it has been received.
 */
#include "device_priv.h"

#include "fotakit/host/ble_link.h"
#include "fotakit/host/blesim.h"
#include "fotakit/smp_ble.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 50
#define DEV_MTU 498 /* the device's ATT receive MTU (Zephyr's BT_L2CAP_TX_MTU 498 default for SMP) */
#define QMAX 256    /* ATT operations on the air at once (paced link) */

/* An ATT value on the modeled air: due = when its last LL PDU arrives. */
struct airq {
    struct {
        uint8_t data[FK_BLESIM_MSG_MAX];
        size_t n;
        double due;
    } e[QMAX];
    unsigned h, n;
};

struct blelink {
    struct fk_device *d;
    int fd;             /* connected client, -1: none */
    uint16_t conn;      /* connection number (bumped per client) */
    uint16_t mtu;
    bool pace;
    struct fk_ble_link link;
    struct fk_ble_sched *sched;
    double t0;          /* monotonic time of the connection's first event */
    struct fk_smp_ble t;
    uint8_t *bufs, *rsp;
    /* --realtime: writes on their way to the device, notifications on their
     * way to the client; both directions move while the device works */
    struct airq *rx, *tx;
};

static bool q_push(struct airq *q, const uint8_t *d, size_t n, double due)
{
    if (q->n == QMAX || n > FK_BLESIM_MSG_MAX) {
        return false;
    }
    unsigned i = (q->h + q->n++) % QMAX;
    memcpy(q->e[i].data, d, n);
    q->e[i].n = n;
    q->e[i].due = due;
    return true;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int st_notify(void *ctx, uint16_t conn, const uint8_t *data, size_t len)
{
    struct blelink *b = ctx;
    if (b->fd < 0 || conn != b->conn) {
        return FK_EIO;
    }
    uint8_t msg[FK_BLESIM_MSG_MAX];
    msg[0] = FK_BLESIM_NOTIFY;
    memcpy(msg + 1, data, len);
    if (b->pace) {
        if (b->tx->n == QMAX) {
            return FK_EBUSY; /* the controller's queue is full: sent() retries */
        }
        q_push(b->tx, msg, len + 1, b->t0 + fk_ble_sched_p2c(b->sched, mono_s() - b->t0, 3 + len));
        return FK_OK;
    }
    if (send(b->fd, msg, len + 1, MSG_NOSIGNAL) != (ssize_t)(len + 1)) {
        return FK_EIO;
    }
    return FK_OK;
}

static uint16_t st_mtu(void *ctx, uint16_t conn)
{
    (void)conn;
    return ((struct blelink *)ctx)->mtu;
}

static void st_disconnect(void *ctx, uint16_t conn)
{
    struct blelink *b = ctx;
    if (b->fd >= 0 && conn == b->conn) {
        fk_dev_log(b->d, "ble: peer wrote past ATT_MTU-3; disconnecting it");
        shutdown(b->fd, SHUT_RDWR);
    }
}

/* Move the modeled air: deliver the writes that have arrived, send the
 * notifications that have been received. Returns the next due time (0:
 * nothing queued). */
static void drop_client(struct blelink *b);
static void on_msg(struct blelink *b, const uint8_t *m, size_t n, bool queued);

static double air_move(struct blelink *b)
{
    double now = mono_s(), next = 0;
    while (b->rx->n && b->rx->e[b->rx->h].due <= now) {
        on_msg(b, b->rx->e[b->rx->h].data, b->rx->e[b->rx->h].n, true);
        b->rx->h = (b->rx->h + 1) % QMAX;
        b->rx->n--;
    }
    bool sent = false;
    while (b->tx->n && b->tx->e[b->tx->h].due <= now) {
        if (b->fd >= 0) {
            send(b->fd, b->tx->e[b->tx->h].data, b->tx->e[b->tx->h].n, MSG_NOSIGNAL);
        }
        b->tx->h = (b->tx->h + 1) % QMAX;
        b->tx->n--;
        sent = true;
    }
    if (sent) {
        fk_smp_ble_sent(&b->t, b->conn); /* the controller has room again */
    }
    if (b->rx->n) {
        next = b->rx->e[b->rx->h].due;
    }
    if (b->tx->n && (!next || b->tx->e[b->tx->h].due < next)) {
        next = b->tx->e[b->tx->h].due;
    }
    return next;
}

/* Read every message the client has sent so far (each stamped now). */
static void drain(struct blelink *b, uint8_t *msg)
{
    while (b->fd >= 0) {
        ssize_t n = recv(b->fd, msg, FK_BLESIM_MSG_MAX, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        }
        if (n <= 0) {
            drop_client(b);
            return;
        }
        on_msg(b, msg, (size_t)n, false);
    }
}

/* The device CPU is busy until t (flash work, --realtime); the link keeps
 * receiving and the controller keeps sending meanwhile. */
static void busy_until(struct blelink *b, uint8_t *msg, double t)
{
    for (;;) {
        double now = mono_s();
        if (now >= t) {
            return;
        }
        double next = air_move(b);
        double until = next > 0 && next < t ? next : t;
        int ms = (int)((until - now) * 1000) + 1;
        struct pollfd p = {.fd = b->fd, .events = POLLIN};
        if (poll(&p, b->fd >= 0 ? 1 : 0, ms) > 0) {
            drain(b, msg);
        }
    }
}

/* (Re)start the transport on the server of the current boot. */
static int transport_init(struct blelink *b)
{
    struct fk_smp_server *srv = fk_dev_app_server(b->d);
    struct fk_smp_ble_cfg bc = {
        .srv = srv, .bufs = b->bufs, .buf_size = srv->cfg->buf_size, .buf_count = srv->cfg->buf_count,
        .rsp = b->rsp, .rsp_cap = FK_DEV_PKT_MAX,
        .ops = {.notify = st_notify, .mtu = st_mtu, .disconnect = st_disconnect, .ctx = b},
    };
    return fk_smp_ble_init(&b->t, &bc);
}

static void drop_client(struct blelink *b)
{
    b->rx->n = b->tx->n = 0; /* what was on the air is lost with the link */
    if (b->fd >= 0) {
        fk_smp_ble_disconnected(&b->t, b->conn);
        close(b->fd);
        b->fd = -1;
        fk_dev_log(b->d, "ble: client disconnected");
    }
}

static void on_msg(struct blelink *b, const uint8_t *m, size_t n, bool queued)
{
    if (n < 1) {
        return;
    }
    if (m[0] == FK_BLESIM_MTU_REQ && n == 3) {
        uint16_t want = (uint16_t)(m[1] | m[2] << 8);
        b->mtu = want < DEV_MTU ? want : DEV_MTU;
        if (b->mtu < 23) {
            b->mtu = 23;
        }
        uint8_t r[3] = {FK_BLESIM_MTU_RSP, DEV_MTU & 0xff, DEV_MTU >> 8};
        send(b->fd, r, sizeof r, MSG_NOSIGNAL);
        fk_dev_log(b->d, "ble: ATT_MTU %u", b->mtu);
        return;
    }
    if ((m[0] == FK_BLESIM_WRITE_CMD || m[0] == FK_BLESIM_WRITE_REQ) && n > 1) {
        if (b->pace && !queued &&
            q_push(b->rx, m, n, b->t0 + fk_ble_sched_c2p(b->sched, mono_s() - b->t0, 3 + n - 1))) {
            return; /* handed to the transport when it has arrived */
        }
        int rc = fk_smp_ble_write(&b->t, b->conn, m + 1, n - 1);
        if (m[0] == FK_BLESIM_WRITE_REQ) {
            uint8_t r[2] = {FK_BLESIM_WRITE_RSP,
                            rc == FK_OK || rc == FK_ENOMEM ? 0
                            : rc == FK_EBUSY               ? FK_BLESIM_ATT_ERR_BUSY
                                                           : FK_BLESIM_ATT_ERR_LEN};
            send(b->fd, r, sizeof r, MSG_NOSIGNAL);
        }
        return;
    }
    fk_dev_log(b->d, "ble: ignored a message of type 0x%02x, %zu bytes", m[0], n);
}

static int listen_at(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(err, errlen, "--ble %s: path longer than %zu bytes", path, sizeof a.sun_path - 1);
        return -1;
    }
    strcpy(a.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "--ble %s: exists and is not a socket; give a new path", path);
            return -1;
        }
        unlink(path); /* a stale socket of an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 2) != 0) {
        snprintf(err, errlen, "--ble %s: cannot listen: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

int fk_dev_serve_ble(struct fk_device *d, struct fk_device_run *run)
{
    char err[320];
    struct blelink b = {.d = d, .fd = -1, .mtu = 23, .pace = d->cfg.realtime};
    const char *prof = run->ble_profile ? run->ble_profile : "phone";
    if (fk_ble_link_profile(prof, &b.link) != 0) {
        fprintf(stderr, "fotakit device: --ble-profile %s: unknown (profiles: phone, phone-current, nrf5340dk)\n", prof);
        return FK_EINVAL;
    }
    int lfd = listen_at(run->ble, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "fotakit device: %s\n", err);
        return FK_EIO;
    }
    b.sched = malloc(sizeof *b.sched);
    b.bufs = malloc((size_t)FK_DEV_PKT_MAX * FK_SMP_BLE_MAX_BUFS);
    b.rsp = malloc(FK_DEV_PKT_MAX);
    b.rx = calloc(1, sizeof *b.rx);
    b.tx = calloc(1, sizeof *b.tx);
    uint8_t *msg = malloc(FK_BLESIM_MSG_MAX);
    int rc = 0;
    struct fk_device_boot_report rep;
    fk_device_boot(d, &rep);
    if (run->booted) {
        run->booted(run->booted_arg, &rep);
    }
    if (!b.sched || !b.bufs || !b.rsp || !b.rx || !b.tx || !msg || transport_init(&b) != FK_OK) {
        fprintf(stderr, "fotakit device: --ble: cannot set up the BLE transport\n");
        rc = FK_ENOMEM;
        goto out;
    }
    fk_dev_log(d, "ble: SMP characteristic on %s (blesim, %s link%s); try: fotakit smp --conn blesim:%s image list",
               run->ble, prof, b.pace ? ", paced" : "", run->ble);
    if (run->ready) {
        run->ready(run->ready_arg, run);
    }
    int resets = 0;
    while (!(run->stop && *run->stop)) {
        double next = air_move(&b);
        int timeout = POLL_MS;
        if (next > 0) {
            double w = (next - mono_s()) * 1000;
            timeout = w <= 0 ? 0 : w < POLL_MS ? (int)w + 1 : POLL_MS;
        }
        struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = b.fd, .events = POLLIN}};
        int r = poll(p, b.fd >= 0 ? 2 : 1, timeout);
        if (r < 0 && errno != EINTR) {
            rc = FK_EIO;
            break;
        }
        if (r == 0 && next == 0 && fk_smp_ble_idle(&b.t)) {
            fk_dev_idle(d); /* nothing on the link: background erase */
        }
        if (r > 0 && (p[0].revents & POLLIN)) {
            int c = accept(lfd, NULL, NULL);
            if (c >= 0 && b.fd >= 0) {
                close(c); /* one central at a time */
                fk_dev_log(d, "ble: refused a second client");
            } else if (c >= 0) {
                b.fd = c;
                b.conn++;
                b.mtu = 23;
                b.t0 = mono_s();
                fk_ble_sched_init(b.sched, &b.link);
                fk_dev_log(d, "ble: client connected");
            }
        }
        if (b.fd >= 0 && r > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            drain(&b, msg);
        }
        air_move(&b);
        /* run what is complete; with --realtime the device is busy for the
         * flash work's modeled time while the air keeps moving */
        while (fk_smp_ble_process(&b.t) > 0) {
            double busy = fk_dev_realtime_take(d);
            if (busy > 0) {
                busy_until(&b, msg, mono_s() + busy);
            }
        }
        if (fk_device_reset_pending(d)) {
            /* the answer leaves before the reset (it may be on the air) */
            for (int i = 0; i < 1000 && b.tx->n; i++) {
                busy_until(&b, msg, b.tx->e[b.tx->h].due);
                air_move(&b);
            }
            d->reset_pending = false;
            resets++;
            fk_device_boot(d, &rep);
            if (run->booted) {
                run->booted(run->booted_arg, &rep);
            }
            transport_init(&b); /* RAM is gone: the link stays, as a BLE reconnect would */
            if (run->max_resets && resets >= run->max_resets) {
                fk_dev_log(d, "stopping after %d reset(s) (--exit-after-resets)", resets);
                break;
            }
        }
    }
out:
    drop_client(&b);
    close(lfd);
    unlink(run->ble);
    free(b.sched);
    free(b.bufs);
    free(b.rsp);
    free(b.rx);
    free(b.tx);
    free(msg);
    return rc;
}
