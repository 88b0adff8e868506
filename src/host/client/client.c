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
    c->slow_timeout_ms = 40000;
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

void fk_cl_fetch_reason(struct fk_client *c, uint16_t group, uint8_t cmd,
                        struct fk_client_status *st)
{
    if (c->version != 2 || st->group < 0 || st->group_rc == 0 || st->rsn[0] ||
        group == FK_CL_GROUP_FOTAKIT) {
        return;
    }
    uint8_t *rsp = NULL;
    size_t len = 0;
    struct fk_client_status st2;
    if (fk_client_call(c, FK_CL_OP_READ, FK_CL_GROUP_FOTAKIT, 0, NULL, 0, &rsp, &len, &st2) != 0) {
        return;
    }
    struct cbor_load_result lr;
    cbor_item_t *root = len ? cbor_load(rsp, len, &lr) : NULL;
    int64_t g, id, grc;
    /* The same group and command (in a pipelined upload the last refused
     * chunk may be a later one than the first refusal seen here). */
    if (root && fk_cl_map_int(root, "group", &g) && g == group && fk_cl_map_int(root, "id", &id) &&
        id == cmd && fk_cl_map_int(root, "code", &grc) && grc == st->group_rc) {
        fk_cl_map_str(root, "rsn", st->rsn, sizeof st->rsn);
    }
    if (root) {
        cbor_decref(&root);
    }
    free(rsp);
}

int fk_cl_slow_timeout(const struct fk_client *c)
{
    return c->slow_timeout_ms > c->timeout_ms ? c->slow_timeout_ms : c->timeout_ms;
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
    if (rc == 0) {
        fk_cl_fetch_reason(c, group, cmd, st);
    }
    return rc;
}
