/* blesim transport: SMP over the virtual device's BLE link (a unix
 * SOCK_SEQPACKET socket carrying ATT operations, fotakit/host/blesim.h):
 * MTU exchange, requests as writes without response of ATT_MTU-3 bytes
 * (SMP reassembly on the device), answers reassembled from notifications by
 * their SMP header length. */
#include "fotakit/host/blesim.h"
#include "client_priv.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_MTU 498 /* what a current phone offers (the device may answer less) */

struct tp_blesim {
    struct fk_client_tp tp;
    int fd;
    unsigned mtu;
    struct fk_cl_reasm ra; /* answer being reassembled */
};

static int bs_send(struct fk_client_tp *tp, const uint8_t *pkt, size_t len)
{
    struct tp_blesim *b = (struct tp_blesim *)tp;
    uint8_t msg[FK_BLESIM_MSG_MAX];
    size_t w = b->mtu - 3;
    for (size_t off = 0; off < len; off += w) {
        size_t n = len - off < w ? len - off : w;
        msg[0] = FK_BLESIM_WRITE_CMD;
        memcpy(msg + 1, pkt + off, n);
        if (send(b->fd, msg, n + 1, MSG_NOSIGNAL) != (ssize_t)(n + 1)) {
            return FK_EIO; /* the device is gone: a disconnect */
        }
        tp->tx_wire += n;
    }
    tp->tx_packets++;
    return 0;
}

static int bs_recv(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct tp_blesim *b = (struct tp_blesim *)tp;
    long long end = fk_cl_now_ms() + timeout_ms;
    uint8_t msg[FK_BLESIM_MSG_MAX];
    for (;;) {
        long long left = end - fk_cl_now_ms();
        struct pollfd p = {.fd = b->fd, .events = POLLIN};
        int r = poll(&p, 1, left > 0 ? (int)left : 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return FK_EIO;
        }
        if (r == 0) {
            return 0;
        }
        ssize_t n = recv(b->fd, msg, sizeof msg, 0);
        if (n <= 0) {
            return FK_EIO; /* disconnected */
        }
        if (msg[0] != FK_BLESIM_NOTIFY || n < 2) {
            continue; /* write responses, stray MTU answers */
        }
        int len = fk_cl_reasm_feed(&b->ra, tp, msg + 1, (size_t)n - 1, buf, cap);
        if (len > 0) {
            return len;
        }
    }
}

static void bs_close(struct fk_client_tp *tp)
{
    struct tp_blesim *b = (struct tp_blesim *)tp;
    close(b->fd);
    free(b);
}

int fk_client_tp_open_blesim(const char *path, struct fk_client_tp **out, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(err, errlen, "blesim:%s: path too long for a socket", path);
        return FK_EINVAL;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(err, errlen,
                 "blesim:%s: cannot connect: %s; is `fotakit device run ... --ble %s` running?", path,
                 strerror(errno), path);
        if (fd >= 0) {
            close(fd);
        }
        return FK_EIO;
    }
    struct tp_blesim *b = calloc(1, sizeof *b);
    if (!b) {
        close(fd);
        return FK_ENOMEM;
    }
    b->fd = fd;
    b->mtu = 23;
    /* the MTU exchange; a device that refuses the connection closes it */
    uint8_t req[3] = {FK_BLESIM_MTU_REQ, CLIENT_MTU & 0xff, CLIENT_MTU >> 8}, rsp[FK_BLESIM_MSG_MAX];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t n = -1;
    bool closed = send(fd, req, sizeof req, MSG_NOSIGNAL) != 3;
    if (!closed && poll(&p, 1, 3000) == 1) {
        n = recv(fd, rsp, sizeof rsp, 0);
        closed = n <= 0;
    }
    if (n != 3 || rsp[0] != FK_BLESIM_MTU_RSP) {
        snprintf(err, errlen, "blesim:%s: the device did not answer the MTU exchange (%s)", path,
                 closed ? "it closed the link: another client is connected" : "no answer in 3 s");
        close(fd);
        free(b);
        return FK_EIO;
    }
    unsigned dev = rsp[1] | rsp[2] << 8;
    b->mtu = dev < CLIENT_MTU ? dev : CLIENT_MTU;
    if (b->mtu < 23) {
        b->mtu = 23;
    }
    b->tp.send = bs_send;
    b->tp.recv = bs_recv;
    b->tp.close = bs_close;
    b->tp.kind = "blesim";
    *out = &b->tp;
    return 0;
}
