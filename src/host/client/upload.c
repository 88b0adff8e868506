/*
 * Pipelined, resumable image upload (image group, command 1).
 *
 * The first chunk (off 0, with len and sha) travels alone: the device checks
 * the header and size and, when it holds an interrupted upload with the same
 * sha, answers with the offset it has, and the upload continues from there.
 * After that up to `window` chunks are in flight. Every answer carries the
 * offset the device expects next; an answer that does not match the end of
 * the chunk it acknowledges (a lost, duplicate or reordered chunk) rewinds
 * the sender to that offset and forgets the chunks in flight (their answers,
 * recognised by sequence number, are ignored). A timeout rewinds to the last
 * acknowledged offset; consecutive timeouts are bounded by c->retries.
 */
#include "client_priv.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WINDOW 32

struct flight {
    uint8_t seq;
    uint32_t off, len;
};

static int build_chunk(struct fk_client *c, const struct fk_client_upload_opts *o, const uint8_t *data,
                       uint32_t total, const uint8_t sha[32], uint32_t off, uint32_t len,
                       uint8_t **enc, size_t *enc_len)
{
    (void)c;
    cbor_item_t *m = cbor_new_definite_map(off == 0 ? 6 : 3);
    fk_cl_put(m, "image", fk_cl_uint(o->image));
    if (off == 0) {
        fk_cl_put(m, "len", fk_cl_uint(total));
    }
    fk_cl_put(m, "off", fk_cl_uint(off));
    if (off == 0) {
        fk_cl_put(m, "sha", cbor_build_bytestring(sha, 32));
        fk_cl_put(m, "upgrade", cbor_build_bool(o->upgrade));
    }
    fk_cl_put(m, "data", cbor_build_bytestring(data + off, len));
    int rc = fk_cl_encode(m, enc, enc_len);
    cbor_decref(&m);
    return rc;
}

/* Data bytes per request so that header + CBOR fit the device's buffer. */
static unsigned pick_chunk(struct fk_client *c, const struct fk_client_upload_opts *o, uint32_t total,
                           const uint8_t *data, const uint8_t sha[32])
{
    if (o->chunk) {
        return o->chunk;
    }
    uint32_t buf = c->buf_size ? c->buf_size : 512;
    uint8_t *enc;
    size_t enc_len;
    /* first-chunk overhead with an empty data field */
    if (build_chunk(c, o, data, total, sha, 0, 0, &enc, &enc_len)) {
        return 128;
    }
    free(enc);
    size_t overhead = FK_CL_HDR_SIZE + enc_len + 4; /* bstr length grows by up to 4 bytes */
    unsigned chunk = buf > overhead + 32 ? (unsigned)(buf - overhead) : 32;
    return chunk & ~3u;
}

int fk_client_upload(struct fk_client *c, const uint8_t *data, size_t len,
                     const struct fk_client_upload_opts *opts, struct fk_client_upload_stats *stats,
                     struct fk_client_status *st)
{
    struct fk_client_upload_opts o = *opts;
    memset(stats, 0, sizeof *stats);
    memset(st, 0, sizeof *st);
    st->group = -1;
    stats->match = -1;
    if (len == 0 || len > 0xffffffffu) {
        return FK_EINVAL;
    }
    uint32_t total = (uint32_t)len;
    stats->total = total;
    if (!o.chunk && !c->buf_size) {
        struct fk_client_status pst;
        int prc = fk_client_params(c, &pst); /* best effort: older devices lack it */
        if (prc == FK_ETIMEDOUT || prc == FK_EIO) {
            return prc;
        }
    }
    if (!o.window) {
        o.window = 4;
        if (c->buf_count && c->buf_count < o.window) {
            o.window = c->buf_count;
        }
    }
    if (o.window > MAX_WINDOW) {
        o.window = MAX_WINDOW;
    }
    uint8_t sha[32];
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, data, len);
    br_sha256_out(&h, sha);

    unsigned chunk = pick_chunk(c, &o, total, data, sha);
    stats->chunk = chunk;
    struct fk_cl_pkt *pk = malloc(sizeof *pk);
    if (!pk) {
        return FK_ENOMEM;
    }
    uint64_t tx0 = c->tp->tx_wire, rx0 = c->tp->rx_wire;
    double t0 = fk_cl_now_s();

    struct flight fl[MAX_WINDOW];
    unsigned nfl = 0;
    uint32_t acked = 0, next = 0;
    bool first_done = false;
    int timeouts = 0;
    int rc = 0;
    while (acked < total) {
        /* Fill the window (the first chunk goes alone). */
        unsigned win = first_done ? o.window : 1;
        while (nfl < win && next < total) {
            uint32_t n = total - next < chunk ? total - next : chunk;
            uint8_t *enc;
            size_t enc_len;
            rc = build_chunk(c, &o, data, total, sha, next, n, &enc, &enc_len);
            if (rc) {
                goto out;
            }
            uint8_t seq = c->seq++;
            rc = fk_cl_send(c, FK_CL_OP_WRITE, FK_CL_GROUP_IMAGE, seq, 1, enc, enc_len);
            free(enc);
            if (rc) {
                goto out;
            }
            fl[nfl++] = (struct flight){.seq = seq, .off = next, .len = n};
            stats->requests++;
            stats->sent += n;
            next += n;
        }
        /* the first chunk's answer may follow the device's erase */
        int n = fk_cl_recv(c, pk, first_done ? c->timeout_ms : fk_cl_slow_timeout(c));
        if (n == FK_ECORRUPT) {
            continue;
        }
        if (n < 0) {
            rc = n;
            goto out;
        }
        if (n == 0) {
            if (++timeouts > c->retries) {
                rc = FK_ETIMEDOUT;
                goto out;
            }
            stats->retransmits += nfl;
            nfl = 0;
            next = acked;
            continue;
        }
        unsigned i;
        for (i = 0; i < nfl; i++) {
            if (fl[i].seq == pk->seq) {
                break;
            }
        }
        if (i == nfl || pk->group != FK_CL_GROUP_IMAGE || pk->cmd != 1 || pk->op != FK_CL_OP_WRITE_RSP) {
            continue; /* a stale answer to a chunk we already gave up on */
        }
        timeouts = 0;
        struct flight f = fl[i];
        memmove(&fl[i], &fl[i + 1], (nfl - i - 1) * sizeof fl[0]);
        nfl--;
        struct cbor_load_result lr;
        cbor_item_t *root = cbor_load(pk->payload, pk->len, &lr);
        if (!root) {
            rc = FK_ECORRUPT;
            goto out;
        }
        fk_cl_status(root, st);
        int64_t off = -1;
        bool match;
        if (fk_cl_map_bool(root, "match", &match)) {
            stats->match = match;
        }
        bool have_off = fk_cl_map_int(root, "off", &off);
        cbor_decref(&root);
        if (fk_client_status_failed(st)) {
            fk_cl_fetch_reason(c, FK_CL_GROUP_IMAGE, 1, st);
            goto out; /* the device refused: rc 0, status says why */
        }
        if (!have_off || off < 0 || off > total) {
            rc = FK_ECORRUPT;
            goto out;
        }
        if (!first_done) {
            first_done = true;
            if ((uint32_t)off > f.len) {
                stats->resumed_at = (uint32_t)off;
            }
        }
        acked = (uint32_t)off;
        if ((uint32_t)off != f.off + f.len) {
            /* The device wants another offset: resend from there. */
            if (nfl || next != (uint32_t)off) {
                stats->rewinds++;
            }
            nfl = 0;
            next = (uint32_t)off;
        }
        if (o.progress) {
            o.progress(o.arg, acked, total);
        }
        if (o.stop_after && acked >= o.stop_after && acked < total) {
            break;
        }
        if (o.cancel && *o.cancel) {
            break;
        }
    }
out:
    stats->done = acked;
    stats->seconds = fk_cl_now_s() - t0;
    stats->tx_wire = c->tp->tx_wire - tx0;
    stats->rx_wire = c->tp->rx_wire - rx0;
    free(pk);
    return rc;
}
