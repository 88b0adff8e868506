/*
 * SMP request/response: header, sequence numbers, bounded retransmission,
 * and decoding of the two error forms ({rc, rsn} and v2's {err: {group, rc}}).
 */
#include "client_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fk_client_init(struct fk_client *c, struct fk_client_tp *tp)
{
    memset(c, 0, sizeof *c);
    c->tp = tp;
    c->version = 2;
    c->timeout_ms = 1000;
    c->retries = 3;
}

void fk_client_close(struct fk_client *c)
{
    if (c->tp) {
        c->tp->close(c->tp);
        c->tp = NULL;
    }
}

size_t fk_cl_hdr(uint8_t *p, int version, int op, uint16_t len, uint16_t group, uint8_t seq,
                 uint8_t cmd)
{
    p[0] = (uint8_t)(((version == 2 ? 1 : 0) << 3) | (op & 7));
    p[1] = 0;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    p[4] = (uint8_t)(group >> 8);
    p[5] = (uint8_t)group;
    p[6] = seq;
    p[7] = cmd;
    return FK_CL_HDR_SIZE;
}

static void dump(const char *dir, const uint8_t *p, size_t n)
{
    fprintf(stderr, "%s", dir);
    for (size_t i = 0; i < n && i < 64; i++) {
        fprintf(stderr, " %02x", p[i]);
    }
    fprintf(stderr, n > 64 ? " ... (%zu bytes)\n" : "\n", n);
}

int fk_cl_send(struct fk_client *c, int op, uint16_t group, uint8_t seq, uint8_t cmd,
               const uint8_t *req, size_t req_len)
{
    static const uint8_t empty_map = 0xa0;
    if (!req) {
        req = &empty_map;
        req_len = 1;
    }
    if (req_len > 0xffff) {
        return FK_EINVAL;
    }
    uint8_t *pkt = malloc(FK_CL_HDR_SIZE + req_len);
    if (!pkt) {
        return FK_ENOMEM;
    }
    fk_cl_hdr(pkt, c->version, op, (uint16_t)req_len, group, seq, cmd);
    memcpy(pkt + FK_CL_HDR_SIZE, req, req_len);
    if (c->verbose) {
        dump(">", pkt, FK_CL_HDR_SIZE + req_len);
    }
    int rc = c->tp->send(c->tp, pkt, FK_CL_HDR_SIZE + req_len);
    free(pkt);
    return rc;
}

int fk_cl_recv(struct fk_client *c, struct fk_cl_pkt *out, int timeout_ms)
{
    int n = c->tp->recv(c->tp, out->buf, sizeof out->buf, timeout_ms);
    if (n <= 0) {
        return n;
    }
    if (c->verbose) {
        dump("<", out->buf, (size_t)n);
    }
    if (n < FK_CL_HDR_SIZE) {
        return FK_ECORRUPT;
    }
    const uint8_t *p = out->buf;
    out->version = (p[0] >> 3) & 3;
    out->op = p[0] & 7;
    out->len = (uint16_t)(p[2] << 8 | p[3]);
    out->group = (uint16_t)(p[4] << 8 | p[5]);
    out->seq = p[6];
    out->cmd = p[7];
    if ((size_t)n - FK_CL_HDR_SIZE < out->len) {
        return FK_ECORRUPT;
    }
    out->payload = out->buf + FK_CL_HDR_SIZE;
    return n;
}

void fk_cl_status(cbor_item_t *root, struct fk_client_status *st)
{
    memset(st, 0, sizeof *st);
    st->group = -1;
    if (!root || !cbor_isa_map(root)) {
        return;
    }
    int64_t v;
    if (fk_cl_map_int(root, "rc", &v)) {
        st->rc = (int)v;
    }
    cbor_item_t *err = fk_cl_map_get(root, "err");
    if (err && cbor_isa_map(err)) {
        if (fk_cl_map_int(err, "group", &v)) {
            st->group = (int)v;
        }
        if (fk_cl_map_int(err, "rc", &v)) {
            st->group_rc = (int)v;
        }
        if (st->group < 0) {
            st->group = 0;
        }
    }
    fk_cl_map_str(root, "rsn", st->rsn, sizeof st->rsn);
}

int fk_client_call(struct fk_client *c, int op, uint16_t group, uint8_t cmd, const uint8_t *req,
                   size_t req_len, uint8_t **rsp, size_t *rsp_len, struct fk_client_status *st)
{
    uint8_t seq = c->seq++;
    struct fk_cl_pkt *pk = malloc(sizeof *pk);
    if (!pk) {
        return FK_ENOMEM;
    }
    int want_op = op == FK_CL_OP_READ ? FK_CL_OP_READ_RSP : FK_CL_OP_WRITE_RSP;
    int rc = FK_ETIMEDOUT;
    for (int attempt = 0; attempt <= c->retries; attempt++) {
        int s = fk_cl_send(c, op, group, seq, cmd, req, req_len);
        if (s < 0) {
            rc = s;
            break;
        }
        /* Wait for the matching answer; stale answers (other seq) are skipped. */
        long long deadline = fk_cl_now_ms() + c->timeout_ms;
        int got = 0;
        for (;;) {
            long long left = deadline - fk_cl_now_ms();
            if (left <= 0) {
                break;
            }
            int n = fk_cl_recv(c, pk, (int)left);
            if (n == 0) {
                break;
            }
            if (n == FK_ECORRUPT) {
                continue; /* garbage on the link */
            }
            if (n < 0) {
                rc = n;
                got = -1;
                break;
            }
            if (pk->seq == seq && pk->group == group && pk->cmd == cmd && pk->op == want_op) {
                got = 1;
                break;
            }
        }
        if (got < 0) {
            break;
        }
        if (got > 0) {
            struct cbor_load_result lr;
            cbor_item_t *root = pk->len ? cbor_load(pk->payload, pk->len, &lr) : NULL;
            if (pk->len && !root) {
                rc = FK_ECORRUPT;
                break;
            }
            fk_cl_status(root, st);
            if (root) {
                cbor_decref(&root);
            }
            if (rsp) {
                *rsp = malloc(pk->len ? pk->len : 1);
                if (!*rsp) {
                    rc = FK_ENOMEM;
                    break;
                }
                memcpy(*rsp, pk->payload, pk->len);
                *rsp_len = pk->len;
            }
            rc = 0;
            break;
        }
    }
    free(pk);
    if (rc == 0 && st->rc == 13 /* MGMT_ERR_UNSUPPORTED_TOO_NEW */ && c->version == 2) {
        /* An SMP v1-only device: talk v1 from now on (as smpclient does). */
        if (rsp) {
            free(*rsp);
            *rsp = NULL;
        }
        c->version = 1;
        return fk_client_call(c, op, group, cmd, req, req_len, rsp, rsp_len, st);
    }
    return rc;
}

/* ---- CBOR helpers -------------------------------------------------------- */

static bool key_is(cbor_item_t *k, const char *name)
{
    if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) {
        return false;
    }
    size_t n = strlen(name);
    return cbor_string_length(k) == n && !memcmp(cbor_string_handle(k), name, n);
}

cbor_item_t *fk_cl_map_get(cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map)) {
        return NULL;
    }
    size_t n = cbor_map_size(map);
    struct cbor_pair *p = cbor_map_handle(map);
    for (size_t i = 0; i < n; i++) {
        if (key_is(p[i].key, key)) {
            return p[i].value;
        }
    }
    return NULL;
}

bool fk_cl_int(cbor_item_t *it, int64_t *out)
{
    if (!it) {
        return false;
    }
    if (cbor_isa_uint(it)) {
        *out = (int64_t)cbor_get_int(it);
        return true;
    }
    if (cbor_isa_negint(it)) {
        *out = -1 - (int64_t)cbor_get_int(it);
        return true;
    }
    return false;
}

bool fk_cl_map_int(cbor_item_t *map, const char *key, int64_t *out)
{
    return fk_cl_int(fk_cl_map_get(map, key), out);
}

bool fk_cl_map_bool(cbor_item_t *map, const char *key, bool *out)
{
    cbor_item_t *it = fk_cl_map_get(map, key);
    if (!it || !cbor_is_bool(it)) {
        return false;
    }
    *out = cbor_get_bool(it);
    return true;
}

/* Copy a (definite or indefinite) text/byte string; returns its length or -1. */
long fk_cl_str(cbor_item_t *it, void *out, size_t cap)
{
    if (!it || !(cbor_isa_string(it) || cbor_isa_bytestring(it))) {
        return -1;
    }
    bool text = cbor_isa_string(it);
    size_t o = 0;
    if (text ? cbor_string_is_definite(it) : cbor_bytestring_is_definite(it)) {
        size_t n = text ? cbor_string_length(it) : cbor_bytestring_length(it);
        const uint8_t *h = text ? cbor_string_handle(it) : cbor_bytestring_handle(it);
        if (n > cap) {
            n = cap;
        }
        memcpy(out, h, n);
        o = n;
    } else {
        size_t cnt = text ? cbor_string_chunk_count(it) : cbor_bytestring_chunk_count(it);
        cbor_item_t **ch = text ? cbor_string_chunks_handle(it) : cbor_bytestring_chunks_handle(it);
        for (size_t i = 0; i < cnt; i++) {
            long r = fk_cl_str(ch[i], (uint8_t *)out + o, cap - o);
            if (r < 0) {
                return -1;
            }
            o += (size_t)r;
        }
    }
    return (long)o;
}

bool fk_cl_map_str(cbor_item_t *map, const char *key, char *out, size_t cap)
{
    if (!cap) {
        return false;
    }
    long n = fk_cl_str(fk_cl_map_get(map, key), out, cap - 1);
    if (n < 0) {
        out[0] = 0;
        return false;
    }
    out[n] = 0;
    return true;
}

void fk_cl_put(cbor_item_t *map, const char *key, cbor_item_t *val)
{
    cbor_map_add(map, (struct cbor_pair){.key = cbor_move(cbor_build_string(key)),
                                         .value = cbor_move(val)});
}

cbor_item_t *fk_cl_uint(uint64_t v)
{
    return cbor_build_uint64(v);
}

int fk_cl_encode(cbor_item_t *item, uint8_t **out, size_t *len)
{
    size_t cap = 0;
    *out = NULL;
    *len = cbor_serialize_alloc(item, out, &cap);
    return *len ? 0 : FK_ENOMEM;
}

/* ---- misc --------------------------------------------------------------- */

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
    snprintf(err, errlen, "--conn '%s': unknown connection; use udp:HOST[:PORT] or serial:DEV[,baud=N]",
             conn);
    return FK_EINVAL;
}
