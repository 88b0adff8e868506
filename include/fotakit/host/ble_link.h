/*
 * fotakit BLE link model (host only; library fotakit_host_ble): how long
 * ATT writes and notifications take on a Bluetooth LE connection, from the
 * link's parameters. Pure computation, no I/O: the virtual device's --ble
 * link paces itself with it, and bench/upload --ble models uploads with it.
 *
 * The model (docs/ble.md "Link model"):
 *   - connection events every interval_ms; in each, the central and the
 *     peripheral exchange PDU pairs (central PDU, T_IFS 150 us, peripheral
 *     PDU, T_IFS): a pair carries data one way or both; a side with nothing
 *     to send sends an empty PDU;
 *   - an event carries at most central_pkts data PDUs from the central and
 *     periph_pkts from the peripheral (what the stacks allow per event),
 *     and at most event_ms of radio time; it goes on while either side has
 *     data queued (MD), so data queued while the event runs still goes;
 *   - an ATT PDU (opcode + handle + value: 3 + value bytes) plus the 4-byte
 *     L2CAP header is cut into LL PDUs of at most ll_payload bytes (DLE);
 *     each LL PDU carries a 4-byte MIC when the link is encrypted;
 *   - air time per PDU: 1M: (10 + payload [+4]) * 8 us; 2M: (11 + payload
 *     [+4]) * 4 us; Coded S=8: 400 us + (5 + payload [+4]) * 64 us (80 us
 *     preamble, 256 us access address, 16 us CI, 2 x 24 us TERM; header,
 *     payload, MIC, CRC at 8 us per bit).
 * Each direction's PDUs go out in order. Nothing is lost or retransmitted
 * (a clean link).
 */
#ifndef FOTAKIT_HOST_BLE_LINK_H
#define FOTAKIT_HOST_BLE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fk_ble_phy { FK_BLE_PHY_1M = 0, FK_BLE_PHY_2M = 1, FK_BLE_PHY_CODED = 2 };

#define FK_BLE_T_IFS_US 150.0

struct fk_ble_link {
    const char *name;      /* profile name, for reports */
    int phy;               /* enum fk_ble_phy */
    unsigned ll_payload;   /* LL data payload both ways (DLE): 27 .. 251 bytes */
    unsigned att_mtu;      /* negotiated ATT_MTU: 23 .. 517 bytes */
    double interval_ms;    /* connection interval: 7.5 .. 4000 ms */
    unsigned central_pkts; /* data PDUs the central sends per event: 1 .. 64 */
    unsigned periph_pkts;  /* data PDUs the peripheral sends per event: 1 .. 64 */
    double event_ms;       /* radio time per event: > 0, <= interval_ms */
    double turnaround_ms;  /* central app: an answer received -> its next write queued */
    bool encrypted;        /* 4-byte MIC on every non-empty PDU */
};

/* Profiles: "phone" (a typical phone as central: the calibration profile),
 * "phone-current" (the same with 10 PDUs per event) and "nrf5340dk" (an
 * nRF5340 DK running Zephyr's host as central). Each field's source is
 * in docs/ble.md. FK_ENOENT for an unknown name. */
int fk_ble_link_profile(const char *name, struct fk_ble_link *out);
/* Names of the profiles, NULL-terminated. */
extern const char *const fk_ble_link_profiles[];

/* 0, or FK_EINVAL with a sentence naming the field and its range in err. */
int fk_ble_link_check(const struct fk_ble_link *l, char *err, size_t errlen);
/* "1M", "2M", "coded"; parse: 0 or FK_EINVAL. */
const char *fk_ble_phy_name(int phy);
int fk_ble_phy_parse(const char *s, int *phy);

/* Air time of one LL PDU with `payload` bytes (0: an empty PDU), us. */
double fk_ble_pdu_us(int phy, unsigned payload, bool encrypted);
/* LL PDUs an ATT PDU of att_len bytes (opcode included) takes. */
unsigned fk_ble_ll_pdus(const struct fk_ble_link *l, size_t att_len);

/*
 * The connection's timeline. Times are seconds from the first connection
 * event (t = 0). fk_ble_sched_c2p() queues an ATT PDU of att_len bytes from
 * the central at time t (ready to send) and returns when its last LL PDU
 * has arrived at the peripheral; fk_ble_sched_p2c() the same the other way.
 * Calls for one direction must come in the order the PDUs are queued; the
 * two directions may interleave in any order (they share events).
 */
#define FK_BLE_SCHED_EVENTS 4096 /* events tracked ahead of the oldest live one */
struct fk_ble_event {
    unsigned c_data, p_data; /* data PDUs placed */
    unsigned pairs;          /* PDU pairs (exchanges) */
    double used_us;          /* radio time used */
};
struct fk_ble_sched {
    struct fk_ble_link l;
    double empty_us;              /* an empty PDU's air time */
    uint64_t base;                /* event number of ev[0] */
    struct fk_ble_event ev[FK_BLE_SCHED_EVENTS];
    uint64_t c_last, p_last;      /* event each direction last used */
    double c_last_end, p_last_end;/* end (s) of each direction's last PDU */
    /* totals */
    uint64_t c_pdus, p_pdus, c_bytes, p_bytes;
    double radio_s;               /* radio time used by data-carrying pairs */
    uint64_t events_used;
};
void fk_ble_sched_init(struct fk_ble_sched *s, const struct fk_ble_link *l);
double fk_ble_sched_c2p(struct fk_ble_sched *s, double t, size_t att_len);
double fk_ble_sched_p2c(struct fk_ble_sched *s, double t, size_t att_len);

/*
 * An SMP image upload over the link, as mcumgr clients run it: `window`
 * requests in flight; each request carries `chunk` image bytes plus
 * req_overhead bytes (SMP header + CBOR keys); with reassembly the request
 * goes as ceil(len / (MTU-3)) writes without response, without it the
 * chunk is cut so that the whole request fits one write of MTU-3. The
 * device runs requests one at a time, each taking device_s(...) seconds
 * after its last byte arrived (and after the previous one finished), then
 * answers with an rsp_len-byte notification; the client queues the next
 * request turnaround_ms after an answer arrives.
 */
struct fk_ble_upload_cfg {
    struct fk_ble_link link;
    uint32_t image_len;
    unsigned chunk;        /* image bytes per request (before the no-reassembly cut) */
    unsigned window;       /* requests in flight, >= 1 */
    bool reassembly;
    unsigned req_overhead; /* request bytes besides the data (0: 40) */
    unsigned rsp_len;      /* answer bytes (0: 20) */
    /* Device time (s) for the request carrying [off, off + len), starting
     * at `start` (s, the timeline's clock; NULL: 0). Called in request
     * order, once per request. */
    double (*device_s)(void *arg, double start, uint32_t off, uint32_t len);
    void *arg;
};
struct fk_ble_upload_result {
    double seconds;        /* first write queued -> last answer at the client */
    double kBps;           /* image bytes / seconds / 1000 */
    unsigned chunk;        /* image bytes per request, as used */
    unsigned requests, writes;
    double radio_s;        /* radio time of data-carrying PDU pairs */
    double device_s;       /* sum of device times */
    double device_wait_s;  /* time requests waited for the device */
    uint64_t events;       /* connection events that carried data */
};
/* 0, or FK_EINVAL (bad link or window 0 or chunk 0). */
int fk_ble_upload_model(const struct fk_ble_upload_cfg *cfg, struct fk_ble_upload_result *res);

#ifdef __cplusplus
}
#endif
#endif
