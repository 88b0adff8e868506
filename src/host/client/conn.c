/* Connection strings (udp:HOST[:PORT], serial:DEV[,baud=N]), clocks, hex. */
#include "client_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long fk_cl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double fk_cl_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fk_client_hex(const uint8_t *b, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[b[i] >> 4];
        out[2 * i + 1] = h[b[i] & 15];
    }
    out[2 * n] = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int fk_client_unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap) {
        return FK_EINVAL;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
        if (a < 0 || b < 0) {
            return FK_EINVAL;
        }
        out[i] = (uint8_t)(a << 4 | b);
    }
    return (int)(n / 2);
}

int fk_client_tp_open(const char *conn, struct fk_client_tp **out, char *err, size_t errlen)
{
    if (!strncmp(conn, "udp:", 4)) {
        char host[256];
        const char *h = conn + 4;
        unsigned port = FK_CL_UDP_PORT;
        const char *colon = strrchr(h, ':');
        if (h[0] == '[') { /* [v6addr]:port */
            const char *e = strchr(h, ']');
            if (!e) {
                snprintf(err, errlen, "--conn %s: missing ']' after the IPv6 address", conn);
                return FK_EINVAL;
            }
            snprintf(host, sizeof host, "%.*s", (int)(e - h - 1), h + 1);
            colon = e[1] == ':' ? e + 1 : NULL;
        } else {
            snprintf(host, sizeof host, "%.*s", (int)(colon ? colon - h : (long)strlen(h)), h);
        }
        if (colon) {
            char *end;
            unsigned long p = strtoul(colon + 1, &end, 10);
            if (*end || p == 0 || p > 65535) {
                snprintf(err, errlen, "--conn %s: port '%s' is not a number in 1..65535", conn, colon + 1);
                return FK_EINVAL;
            }
            port = (unsigned)p;
        }
        if (!host[0]) {
            snprintf(err, errlen, "--conn %s: no host; use udp:HOST[:PORT], e.g. udp:127.0.0.1:1337", conn);
            return FK_EINVAL;
        }
        return fk_client_tp_open_udp(host, port, out, err, errlen);
    }
    if (!strncmp(conn, "serial:", 7)) {
        char dev[512];
        unsigned baud = 115200;
        const char *d = conn + 7;
        const char *comma = strchr(d, ',');
        snprintf(dev, sizeof dev, "%.*s", (int)(comma ? comma - d : (long)strlen(d)), d);
        if (comma) {
            if (strncmp(comma + 1, "baud=", 5)) {
                snprintf(err, errlen, "--conn %s: unknown option '%s'; the only option is baud=N", conn,
                         comma + 1);
                return FK_EINVAL;
            }
            char *end;
            baud = (unsigned)strtoul(comma + 6, &end, 10);
            if (*end) {
                snprintf(err, errlen, "--conn %s: baud '%s' is not a number", conn, comma + 6);
                return FK_EINVAL;
            }
        }
        if (!dev[0]) {
            snprintf(err, errlen, "--conn %s: no device; use serial:/dev/ttyACM0[,baud=115200]", conn);
            return FK_EINVAL;
        }
        return fk_client_tp_open_serial(dev, baud, out, err, errlen);
    }
    if (!strncmp(conn, "ble:", 4)) {
        if (!conn[4]) {
            snprintf(err, errlen, "--conn %s: no device; use ble:ADDRESS (e.g. ble:C0:FF:EE:00:00:01) or ble:NAME",
                     conn);
            return FK_EINVAL;
        }
#ifdef FK_HAVE_BLUEZ
        return fk_client_tp_open_bluez(conn + 4, out, err, errlen);
#else
        snprintf(err, errlen, "--conn %s: this fotakit was built without BlueZ support (libsystemd-dev)", conn);
        return FK_ENOTSUP;
#endif
    }
    if (!strncmp(conn, "blesim:", 7)) {
        if (!conn[7]) {
            snprintf(err, errlen, "--conn %s: no socket; use blesim:PATH (the --ble PATH of fotakit device run)",
                     conn);
            return FK_EINVAL;
        }
        return fk_client_tp_open_blesim(conn + 7, out, err, errlen);
    }
    snprintf(err, errlen,
             "--conn '%s': unknown connection; use udp:HOST[:PORT], serial:DEV[,baud=N], ble:ADDR|NAME or "
             "blesim:PATH",
             conn);
    return FK_EINVAL;
}
