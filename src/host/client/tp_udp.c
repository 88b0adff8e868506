/* UDP transport: one SMP packet per datagram (mcumgr's UDP transport). */
#include "fotakit/host/client.h"
#include "fotakit/err.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tp_udp {
    struct fk_client_tp tp;
    int fd;
};

static int udp_send(struct fk_client_tp *tp, const uint8_t *pkt, size_t len)
{
    struct tp_udp *u = (struct tp_udp *)tp;
    ssize_t n = send(u->fd, pkt, len, 0);
    if (n < 0 || (size_t)n != len) {
        return FK_EIO;
    }
    tp->tx_wire += len;
    tp->tx_packets++;
    return 0;
}

static int udp_recv(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct tp_udp *u = (struct tp_udp *)tp;
    for (;;) {
        struct pollfd p = {.fd = u->fd, .events = POLLIN};
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return FK_EIO;
        }
        if (r == 0) {
            return 0;
        }
        ssize_t n = recv(u->fd, buf, cap, MSG_TRUNC);
        if (n < 0) {
            /* ECONNREFUSED: nobody listens (yet, e.g. the device is
             * restarting); treat like a lost packet, but count it so the
             * caller can say "refused" rather than "timed out". */
            if (errno == ECONNREFUSED) {
                tp->refused++;
                return 0;
            }
            if (errno == EINTR) {
                continue;
            }
            return FK_EIO;
        }
        tp->rx_wire += (uint64_t)n;
        if ((size_t)n > cap) {
            tp->dropped++;
            continue;
        }
        tp->rx_packets++;
        return (int)n;
    }
}

static void udp_close(struct fk_client_tp *tp)
{
    struct tp_udp *u = (struct tp_udp *)tp;
    close(u->fd);
    free(u);
}

int fk_client_tp_open_udp(const char *host, unsigned port, struct fk_client_tp **out, char *err,
                          size_t errlen)
{
    char ports[16];
    snprintf(ports, sizeof ports, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
    struct addrinfo *ai = NULL;
    int g = getaddrinfo(host, ports, &hints, &ai);
    if (g != 0) {
        snprintf(err, errlen, "udp: cannot resolve host '%s': %s", host, gai_strerror(g));
        return FK_EINVAL;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, errlen, "udp: cannot open a socket to %s:%u: %s", host, port, strerror(errno));
        return FK_EIO;
    }
    struct tp_udp *u = calloc(1, sizeof *u);
    if (!u) {
        close(fd);
        return FK_ENOMEM;
    }
    u->fd = fd;
    u->tp.send = udp_send;
    u->tp.recv = udp_recv;
    u->tp.close = udp_close;
    u->tp.kind = "udp";
    *out = &u->tp;
    return 0;
}
