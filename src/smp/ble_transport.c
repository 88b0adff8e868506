/*
 * SMP over a BLE GATT characteristic: reassembly of requests split across
 * ATT writes, a queue of buf_count receive buffers, fragmentation of answers
 * into notifications of ATT_MTU - 3 bytes with retry when the stack is full
 * (contract in fotakit/smp_ble.h, background in docs/ble.md).
 */
#include <string.h>

#include "fotakit/smp_ble.h"

/* Buffer states. FILLING: the connection's current packet; READY: complete,
 * waiting for process(); ERROR: its header is kept and it is answered with
 * buf.err instead of being run; BUSY: process() is running it. */
enum { B_FREE = 0, B_FILLING, B_READY, B_ERROR, B_BUSY };

static void lock(struct fk_smp_ble *t)
{
    if (t->cfg.ops.lock) {
        t->cfg.ops.lock(t->cfg.ops.ctx);
    }
}

static void unlock(struct fk_smp_ble *t)
{
    if (t->cfg.ops.unlock) {
        t->cfg.ops.unlock(t->cfg.ops.ctx);
    }
}

static uint8_t *buf_mem(struct fk_smp_ble *t, unsigned i)
{
    return t->cfg.bufs + (size_t)i * t->cfg.buf_size;
}

static size_t payload_max(struct fk_smp_ble *t, uint16_t conn)
{
    uint16_t m = t->cfg.ops.mtu(t->cfg.ops.ctx, conn);
    if (m < FK_SMP_BLE_ATT_MTU_MIN) {
        m = FK_SMP_BLE_ATT_MTU_MIN;
    } else if (m > FK_SMP_BLE_ATT_MTU_MAX) {
        m = FK_SMP_BLE_ATT_MTU_MAX;
    }
    return (size_t)m - 3u;
}

int fk_smp_ble_init(struct fk_smp_ble *t, const struct fk_smp_ble_cfg *cfg)
{
    if (!t || !cfg || !cfg->srv || !cfg->srv->cfg || !cfg->bufs || !cfg->rsp ||
        !cfg->ops.notify || !cfg->ops.mtu || cfg->buf_size < 64 ||
        cfg->buf_size > 0xffffu + FK_SMP_HDR_SIZE || cfg->buf_count < 1 ||
        cfg->buf_count > FK_SMP_BLE_MAX_BUFS || cfg->rsp_cap < 64 ||
        !cfg->ops.lock != !cfg->ops.unlock) {
        return FK_EINVAL;
    }
    const struct fk_smp_config *sc = cfg->srv->cfg;
    if ((sc->buf_size && sc->buf_size != cfg->buf_size) ||
        (sc->buf_count && sc->buf_count != cfg->buf_count)) {
        return FK_EINVAL; /* mcumgr_params would tell clients the wrong numbers */
    }
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    t->filling = -1;
    return FK_OK;
}

static int free_buf(struct fk_smp_ble *t)
{
    for (unsigned i = 0; i < t->cfg.buf_count; i++) {
        if (t->buf[i].state == B_FREE) {
            return (int)i;
        }
    }
    return -1;
}

/* The packet being assembled is complete (or refused with err): queue it. */
static void finish(struct fk_smp_ble *t, int mgmt_err)
{
    struct fk_smp_ble_buf *b = &t->buf[t->filling];
    b->state = mgmt_err ? B_ERROR : B_READY;
    b->err = (uint8_t)mgmt_err;
    b->order = t->order++;
    t->filling = -1;
    if (!mgmt_err) {
        t->stats.packets++;
    }
}

/* Append bytes to the packet being assembled (they belong to it: the caller
 * checked the header's announced length). */
static void take(struct fk_smp_ble *t, const uint8_t *p, size_t n)
{
    struct fk_smp_ble_buf *b = &t->buf[t->filling];
    memcpy(buf_mem(t, (unsigned)t->filling) + b->len, p, n);
    b->len += (uint32_t)n;
}

static int write_locked(struct fk_smp_ble *t, uint16_t conn, const uint8_t *data, size_t len)
{
    if (t->owned && t->conn != conn) {
        t->stats.foreign++;
        return FK_EBUSY;
    }
    if (len > payload_max(t, conn)) {
        /* not ATT: drop what this peer was sending, maybe the peer itself */
        t->stats.oversize_writes++;
        if (t->filling >= 0) {
            t->buf[t->filling].state = B_FREE;
            t->filling = -1;
        }
        t->skip = 0;
        return FK_EINVAL;
    }
    t->owned = true;
    t->conn = conn;
    t->stats.writes++;
    if (t->skip) {
        /* the rest of an ignored packet; a write running past its end
         * cannot be trusted to start a new one at the right byte */
        if (len > t->skip) {
            t->stats.overrun++;
            t->skip = 0;
            return FK_OK;
        }
        t->skip -= (uint32_t)len;
        return FK_OK;
    }
    if (t->filling < 0) {
        int i = free_buf(t);
        if (i < 0) {
            /* the client has more than buf_count packets in flight: ignore
             * this packet whole (skip its bytes once the length is known) */
            t->stats.no_buf++;
            if (len >= FK_SMP_HDR_SIZE) {
                uint32_t need = FK_SMP_HDR_SIZE + ((uint32_t)data[2] << 8 | data[3]);
                t->skip = need > len ? need - (uint32_t)len : 0;
            }
            return FK_ENOMEM;
        }
        t->filling = i;
        t->buf[i].state = B_FILLING;
        t->buf[i].len = 0;
        t->buf[i].need = 0;
    }
    struct fk_smp_ble_buf *b = &t->buf[t->filling];
    size_t pos = 0;
    if (!b->need) {
        /* header bytes (normally all 8 come in the first write) */
        size_t h = FK_SMP_HDR_SIZE - b->len;
        if (h > len) {
            h = len;
        }
        take(t, data, h);
        pos = h;
        if (b->len < FK_SMP_HDR_SIZE) {
            return FK_OK;
        }
        const uint8_t *m = buf_mem(t, (unsigned)t->filling);
        b->need = FK_SMP_HDR_SIZE + ((uint32_t)m[2] << 8 | m[3]);
        if (b->need > t->cfg.buf_size) {
            /* keep the header to answer from; skip the rest of the packet */
            uint32_t rest = b->need - FK_SMP_HDR_SIZE;
            size_t here = len - pos;
            t->stats.too_big++;
            finish(t, FK_MGMT_ERR_EMSGSIZE);
            if (here > rest) {
                t->stats.overrun++;
            } else {
                t->skip = rest - (uint32_t)here;
            }
            return FK_OK;
        }
    }
    size_t more = len - pos;
    if (b->len + more > b->need) {
        /* this write runs past the packet's announced end: the header lies
         * or the client puts two packets in one write; answer, discard */
        t->stats.overrun++;
        b->len = FK_SMP_HDR_SIZE;
        finish(t, FK_MGMT_ERR_EINVAL);
        return FK_OK;
    }
    take(t, data + pos, more);
    if (b->len == b->need) {
        finish(t, 0);
    }
    return FK_OK;
}

int fk_smp_ble_write(struct fk_smp_ble *t, uint16_t conn, const uint8_t *data, size_t len)
{
    if (!t || (!data && len)) {
        return FK_EINVAL;
    }
    if (!len) {
        return FK_EINVAL;
    }
    lock(t);
    int rc = write_locked(t, conn, data, len);
    unlock(t);
    if (rc == FK_EINVAL && t->cfg.ops.disconnect) {
        t->cfg.ops.disconnect(t->cfg.ops.ctx, conn);
    }
    return rc;
}

/* Queue notifications of the pending answer until it is all queued or the
 * stack is full. Called with the lock held. Returns true when the answer
 * has just been completed (queued whole or dropped). */
static bool push_locked(struct fk_smp_ble *t)
{
    while (t->rsp_active && t->rsp_off < t->rsp_len) {
        size_t n = t->rsp_len - t->rsp_off;
        if (n > t->frag) {
            n = t->frag;
        }
        int rc = t->cfg.ops.notify(t->cfg.ops.ctx, t->conn, t->cfg.rsp + t->rsp_off, n);
        if (rc == FK_EBUSY) {
            t->stats.notify_busy++;
            return false;
        }
        if (rc != FK_OK) {
            t->stats.discarded++;
            t->rsp_active = false;
            return true;
        }
        t->stats.notifications++;
        t->rsp_off += n;
    }
    if (t->rsp_active) {
        t->rsp_active = false;
        t->stats.answered++;
        return true;
    }
    return false;
}

/* After an answer is done (queued whole, or dropped): the server's reset
 * hook if it answered an OS reset. Outside the lock. */
static void answer_done(struct fk_smp_ble *t, bool done)
{
    bool reset = false;
    if (done) {
        lock(t);
        reset = t->rsp_reset;
        t->rsp_reset = false;
        unlock(t);
    }
    if (reset) {
        fk_smp_sent(t->cfg.srv);
    }
}

void fk_smp_ble_sent(struct fk_smp_ble *t, uint16_t conn)
{
    if (!t) {
        return;
    }
    lock(t);
    bool done = t->owned && t->conn == conn && push_locked(t);
    unlock(t);
    answer_done(t, done);
}

void fk_smp_ble_disconnected(struct fk_smp_ble *t, uint16_t conn)
{
    if (!t) {
        return;
    }
    bool reset = false;
    lock(t);
    if (t->owned && t->conn == conn) {
        for (unsigned i = 0; i < t->cfg.buf_count; i++) {
            /* a BUSY buffer belongs to process(); it frees it */
            if (t->buf[i].state != B_FREE && t->buf[i].state != B_BUSY) {
                t->buf[i].state = B_FREE;
                t->stats.discarded++;
            }
        }
        if (t->rsp_active) {
            t->rsp_active = false;
            t->stats.discarded++;
            reset = t->rsp_reset; /* its answer cannot leave now: reset anyway */
            t->rsp_reset = false;
        }
        t->filling = -1;
        t->skip = 0;
        t->owned = false;
        t->gen++;
    }
    unlock(t);
    if (reset) {
        fk_smp_sent(t->cfg.srv);
    }
}

/* Answer a refused packet from its kept header: {"rc": err}. */
static size_t error_answer(struct fk_smp_ble *t, const uint8_t *req_hdr, int err)
{
    struct fk_smp_hdr h;
    fk_smp_hdr_decode(req_hdr, FK_SMP_HDR_SIZE, &h);
    if (h.op != FK_SMP_OP_READ && h.op != FK_SMP_OP_WRITE) {
        return 0; /* never answer an answer */
    }
    if (h.version > FK_SMP_V2) {
        h.version = FK_SMP_V2;
    }
    h.op = (uint8_t)(h.op + 1);
    h.flags = 0;
    h.len = 5;
    fk_smp_hdr_encode(&h, t->cfg.rsp);
    static const uint8_t rc_key[] = {0xa1, 0x62, 'r', 'c'}; /* map(1), "rc" */
    memcpy(t->cfg.rsp + FK_SMP_HDR_SIZE, rc_key, sizeof rc_key);
    t->cfg.rsp[FK_SMP_HDR_SIZE + 4] = (uint8_t)err; /* < 24: one-byte CBOR uint */
    return FK_SMP_HDR_SIZE + 5;
}

int fk_smp_ble_process(struct fk_smp_ble *t)
{
    if (!t) {
        return FK_EINVAL;
    }
    lock(t);
    bool done = push_locked(t);
    int pick = -1;
    if (!t->rsp_active) {
        for (unsigned i = 0; i < t->cfg.buf_count; i++) {
            uint8_t s = t->buf[i].state;
            if ((s == B_READY || s == B_ERROR) &&
                (pick < 0 || (int32_t)(t->buf[i].order - t->buf[pick].order) < 0)) {
                pick = (int)i;
            }
        }
    }
    uint8_t kind = 0;
    uint16_t conn = t->conn;
    uint32_t gen = t->gen;
    if (pick >= 0) {
        kind = t->buf[pick].state;
        t->buf[pick].state = B_BUSY;
        t->in_handle = true;
    }
    unlock(t);
    answer_done(t, done);
    if (pick < 0) {
        return 0;
    }

    /* the request runs without the lock: writes keep filling other buffers */
    const uint8_t *req = buf_mem(t, (unsigned)pick);
    size_t out = 0;
    if (kind == B_ERROR) {
        out = error_answer(t, req, t->buf[pick].err);
    } else if (fk_smp_handle(t->cfg.srv, req, t->buf[pick].len, t->cfg.rsp, t->cfg.rsp_cap, &out) !=
               FK_OK) {
        out = 0;
    }
    bool reset = fk_smp_reset_pending(t->cfg.srv);

    lock(t);
    t->buf[pick].state = B_FREE;
    t->in_handle = false;
    bool call_sent = reset;
    if (out && t->owned && t->conn == conn && t->gen == gen) {
        t->rsp_len = out;
        t->rsp_off = 0;
        t->frag = payload_max(t, conn);
        t->rsp_active = true;
        t->rsp_reset = reset;
        call_sent = push_locked(t) && reset;
        if (call_sent) {
            t->rsp_reset = false;
        }
    } else if (out) {
        t->stats.discarded++; /* its connection is gone: reset anyway */
    }
    unlock(t);
    if (call_sent) {
        fk_smp_sent(t->cfg.srv);
    }
    return 1;
}

bool fk_smp_ble_idle(const struct fk_smp_ble *t)
{
    if (!t || t->rsp_active || t->in_handle) {
        return false;
    }
    for (unsigned i = 0; i < t->cfg.buf_count; i++) {
        if (t->buf[i].state != B_FREE) {
            return false;
        }
    }
    return true;
}
