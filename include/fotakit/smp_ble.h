/*
 * fotakit SMP over Bluetooth LE: the GATT transport of the SMP server.
 *
 * Device code (part of library fotakit_smp): no heap, no OS calls, no BLE
 * stack of its own. The application's BLE stack owns the SMP characteristic
 * and forwards three events to it; the transport reassembles requests,
 * runs them through fk_smp_handle() and sends the answers back as
 * notifications through a small adapter (struct fk_smp_ble_ops):
 *
 *     static uint8_t bufs[4 * 1024], rsp[1024];
 *     static struct fk_smp_ble ble;
 *     struct fk_smp_ble_cfg bc = {
 *         .srv = &srv, .bufs = bufs, .buf_size = 1024, .buf_count = 4,
 *         .rsp = rsp, .rsp_cap = sizeof rsp,
 *         .ops = {.notify = my_notify, .mtu = my_mtu, .ctx = me},
 *     };
 *     fk_smp_ble_init(&ble, &bc);
 *     // characteristic write callback (write command or write request):
 *     fk_smp_ble_write(&ble, conn, data, len);
 *     // the stack reports a notification sent / a connection gone:
 *     fk_smp_ble_sent(&ble, conn);
 *     fk_smp_ble_disconnected(&ble, conn);
 *     // main loop or work item (runs the SMP request, i.e. the flash work):
 *     while (fk_smp_ble_process(&ble) > 0) {}
 *
 * GATT (the UUIDs mcumgr clients look for): service
 * 8D53DC1D-1DB7-4CD3-868B-8A527460AA84, one characteristic
 * DA2E7828-FBCE-4E01-AE9E-261174997C48 with write without response, write
 * and notify (plus its CCC descriptor).
 *
 * Packets ("SMP reassembly", as nRF Connect Device Manager and smpclient do
 * it): a request longer than ATT_MTU - 3 arrives split over several writes;
 * its 8-byte SMP header says how long it is (8 + header length), and the
 * writes are concatenated until that many bytes have arrived. Each write
 * must carry bytes of one packet only. Answers leave as notifications of at
 * most ATT_MTU - 3 bytes each, ATT_MTU read when an answer starts (so an
 * MTU exchange between packets is honoured).
 *
 * Flow: buf_count receive buffers of buf_size bytes (what mcumgr_params
 * reports: set the server's fk_smp_config buf_size/buf_count to the same
 * values) hold complete or assembling requests while process() runs an
 * earlier one. A notification the stack cannot queue (ops.notify returns
 * FK_EBUSY) is retried at the next sent() or process() call, never dropped.
 *
 * Bad input never corrupts memory and never wedges the transport:
 *   - a packet whose header announces more than buf_size bytes is answered
 *     with MGMT_ERR_EMSGSIZE and its remaining bytes are skipped;
 *   - a write carrying bytes past the end its header announced is answered
 *     with MGMT_ERR_EINVAL and the packet discarded;
 *   - a write longer than ATT_MTU - 3 (no conforming stack delivers one) is
 *     refused (FK_EINVAL; the packet being assembled is discarded) and, if
 *     ops.disconnect is set, the peer is disconnected;
 *   - a packet starting while every buffer is taken (the client exceeded
 *     buf_count) is ignored whole (counted in stats.no_buf);
 *   - writes from a second connection while another one owns the transport
 *     are refused (FK_EBUSY: answer a write request with an ATT error).
 * A disconnect discards the packet being assembled, the queued requests and
 * the rest of the answer being sent; the SMP server's upload session stays,
 * so the client resumes the upload on its next connection (image upload
 * answers the offset it expects).
 *
 * Concurrency: no entry point is reentrant. If the stack's callbacks run in
 * another thread or an interrupt than process(), give ops.lock/unlock (a
 * mutex, or interrupt masking): the transport holds the lock only around its
 * own bookkeeping, never while the SMP request (flash work) runs.
 * docs/ble.md shows how Zephyr's Bluetooth host and Apache NimBLE plug in.
 */
#ifndef FOTAKIT_SMP_BLE_H
#define FOTAKIT_SMP_BLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/smp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_SMP_BLE_SVC_UUID_STR "8D53DC1D-1DB7-4CD3-868B-8A527460AA84"
#define FK_SMP_BLE_CHR_UUID_STR "DA2E7828-FBCE-4E01-AE9E-261174997C48"
/* The same as the 16 bytes BLE stacks take (least significant byte first,
 * e.g. Zephyr's BT_UUID_128_ENCODE order, NimBLE's BLE_UUID128_INIT). */
#define FK_SMP_BLE_SVC_UUID_LE                                                                   \
    {0x84, 0xaa, 0x60, 0x74, 0x52, 0x8a, 0x8b, 0x86, 0xd3, 0x4c, 0xb7, 0x1d, 0x1d, 0xdc, 0x53, 0x8d}
#define FK_SMP_BLE_CHR_UUID_LE                                                                   \
    {0x48, 0x7c, 0x99, 0x74, 0x11, 0x26, 0x9e, 0xae, 0x01, 0x4e, 0xce, 0xfb, 0x28, 0x78, 0x2e, 0xda}

#define FK_SMP_BLE_ATT_MTU_MIN 23u  /* the ATT default, before any exchange */
#define FK_SMP_BLE_ATT_MTU_MAX 517u /* largest ATT_MTU (512-byte attribute + 5) */
#define FK_SMP_BLE_MAX_BUFS 16u     /* most receive buffers one transport tracks */

/* The adapter: what the transport needs from the BLE stack. */
struct fk_smp_ble_ops {
    /* Queue one notification of len (1 .. ATT_MTU - 3) bytes on the SMP
     * characteristic of connection conn. Returns FK_OK when queued, FK_EBUSY
     * when the stack has no room now (the transport retries at the next
     * fk_smp_ble_sent() / process()), any other negative code when it can
     * never be sent (peer gone, not subscribed): the rest of that answer
     * is dropped. Required. */
    int (*notify)(void *ctx, uint16_t conn, const uint8_t *data, size_t len);
    /* The connection's current ATT_MTU (23 .. 517; other values are clamped
     * into that range). Required. */
    uint16_t (*mtu)(void *ctx, uint16_t conn);
    /* Optional: drop connection conn (called when the peer wrote more than
     * ATT_MTU - 3 bytes in one write: it does not follow ATT). */
    void (*disconnect)(void *ctx, uint16_t conn);
    /* Optional: mutual exclusion between the stack's callbacks and process(). */
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);
    void *ctx;
};

struct fk_smp_ble_cfg {
    struct fk_smp_server *srv; /* initialised SMP server */
    /* buf_count receive buffers of buf_size bytes each, laid out back to back
     * (buf_count * buf_size bytes). buf_size >= 64 (and <= 65535 + 8: the
     * SMP header's length field); 1 <= buf_count <= FK_SMP_BLE_MAX_BUFS.
     * Must equal the server's fk_smp_config buf_size/buf_count when those
     * are set (mcumgr_params tells clients these numbers). */
    uint8_t *bufs;
    size_t buf_size;
    unsigned buf_count;
    /* One answer being sent; >= 512 holds every answer fotakit_smp makes. */
    uint8_t *rsp;
    size_t rsp_cap;
    struct fk_smp_ble_ops ops;
};

struct fk_smp_ble_stats {
    uint32_t writes;        /* writes accepted */
    uint32_t packets;       /* complete requests reassembled */
    uint32_t answered;      /* answers fully handed to the stack */
    uint32_t notifications; /* notifications queued */
    uint32_t notify_busy;   /* notify() returned FK_EBUSY (retried later) */
    uint32_t no_buf;        /* packets ignored: every buffer taken */
    uint32_t too_big;       /* header announced more than buf_size */
    uint32_t overrun;       /* a write ran past the end its header announced */
    uint32_t oversize_writes; /* writes longer than ATT_MTU - 3 */
    uint32_t foreign;       /* writes from a second connection */
    uint32_t discarded;     /* requests/answers dropped by disconnects or notify errors */
};

/* Private state; read `stats` only. */
struct fk_smp_ble_buf {
    uint8_t state;    /* FREE / FILLING / READY / ERROR / BUSY (ble_transport.c) */
    uint8_t err;      /* ERROR: the MGMT_ERR to answer with */
    uint32_t len;     /* bytes held */
    uint32_t need;    /* 8 + header length once the header is in, else 0 */
    uint32_t order;   /* completion order: READY buffers run oldest first */
};

struct fk_smp_ble {
    struct fk_smp_ble_cfg cfg;
    struct fk_smp_ble_buf buf[FK_SMP_BLE_MAX_BUFS];
    bool owned;        /* a connection owns the transport */
    uint16_t conn;     /* that connection */
    uint32_t gen;      /* bumped at each disconnect (handles get reused) */
    int filling;       /* buffer being assembled, -1: none */
    uint32_t skip;     /* bytes of an ignored packet still to skip */
    uint32_t order;    /* next completion order number */
    /* the answer being sent */
    size_t rsp_len, rsp_off, frag;
    bool rsp_active;
    bool rsp_reset;    /* the answer was to an OS reset: fk_smp_sent() after it */
    bool in_handle;    /* process() is running a request (without the lock) */
    struct fk_smp_ble_stats stats;
};

/* FK_OK, or FK_EINVAL naming nothing: NULL pointers, buffer sizes out of
 * range, missing notify/mtu, or buf_size/buf_count different from the
 * server's configured ones. */
int fk_smp_ble_init(struct fk_smp_ble *t, const struct fk_smp_ble_cfg *cfg);

/*
 * One ATT write (command or request) to the SMP characteristic. Returns
 * FK_OK (taken: part of a packet, a whole one, or bytes of an ignored
 * packet being skipped), FK_EBUSY (another connection owns the transport),
 * FK_EINVAL (len 0 or > ATT_MTU - 3), FK_ENOMEM (every buffer is taken: the
 * packet is ignored). A write request's ATT response may be sent for FK_OK.
 */
int fk_smp_ble_write(struct fk_smp_ble *t, uint16_t conn, const uint8_t *data, size_t len);

/* The stack has room again (a notification left, Zephyr's bt_gatt_notify
 * callback, NimBLE's BLE_GAP_EVENT_NOTIFY_TX): push the pending answer. */
void fk_smp_ble_sent(struct fk_smp_ble *t, uint16_t conn);

/* conn is gone: if it owned the transport, drop its partial and queued
 * requests and its unsent answer. The server's upload session is kept. */
void fk_smp_ble_disconnected(struct fk_smp_ble *t, uint16_t conn);

/*
 * Push the pending answer; if none is pending, run the oldest complete
 * request through the SMP server and start sending its answer. Returns 1
 * if a request was run, 0 if there was nothing to do (or the previous
 * answer still waits for the stack), negative on a NULL argument. After
 * an answer to an OS reset has been queued whole, calls fk_smp_sent() so
 * the server's reset callback runs.
 */
int fk_smp_ble_process(struct fk_smp_ble *t);

/* True when nothing is assembling, queued or being sent. */
bool fk_smp_ble_idle(const struct fk_smp_ble *t);

#ifdef __cplusplus
}
#endif
#endif
