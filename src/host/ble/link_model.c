/*
 * The BLE link model (fotakit/host/ble_link.h): PDU air times, connection
 * events shared by both directions, and an SMP upload over them.
 */
#include "fotakit/host/ble_link.h"

#include "fotakit/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Profiles. The sources of each number are in docs/ble.md; in short:
 * phone: Android's CONNECTION_PRIORITY_HIGH asks for 11.25-15 ms, iOS
 *   settles at 15 ms; 6 LL data PDUs per event each way (the buffer count
 *   phones' controllers commonly use; the 71 kB/s Pixel 7 report used 6);
 *   the app's next write leaves two events after it saw the answer
 *   (notification callback, app thread, write queued for the next-but-one
 *   event). These four numbers reproduce the calibration rows
 *   (bench/upload --ble); the fotakit rows raise only packets per event.
 * nrf5340dk: Zephyr's host as central on the nRF5340 DK with the
 *   SoftDevice Controller: 7.5 ms interval and the event length it is
 *   configured for (CONFIG_BT_CTLR_SDC_MAX_CONN_EVENT_LEN_DEFAULT, 7.5 ms),
 *   packets limited only by the event's time and its buffer count (10).
 */
static const struct fk_ble_link profiles[] = {
    {.name = "phone", .phy = FK_BLE_PHY_2M, .ll_payload = 251, .att_mtu = 498, .interval_ms = 15,
     .central_pkts = 6, .periph_pkts = 6, .event_ms = 15, .turnaround_ms = 30, .encrypted = false},
    /* the same phone with a current controller: as many PDU pairs as a
     * 15 ms event holds at 2M with 251-byte PDUs (10 x 1.41 ms) */
    {.name = "phone-current", .phy = FK_BLE_PHY_2M, .ll_payload = 251, .att_mtu = 498, .interval_ms = 15,
     .central_pkts = 10, .periph_pkts = 10, .event_ms = 15, .turnaround_ms = 30, .encrypted = false},
    {.name = "nrf5340dk", .phy = FK_BLE_PHY_2M, .ll_payload = 251, .att_mtu = 498, .interval_ms = 7.5,
     .central_pkts = 10, .periph_pkts = 10, .event_ms = 7.5, .turnaround_ms = 0.5, .encrypted = false},
};
const char *const fk_ble_link_profiles[] = {"phone", "phone-current", "nrf5340dk", NULL};

int fk_ble_link_profile(const char *name, struct fk_ble_link *out)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        if (name && !strcmp(name, profiles[i].name)) {
            *out = profiles[i];
            return 0;
        }
    }
    return FK_ENOENT;
}

const char *fk_ble_phy_name(int phy)
{
    return phy == FK_BLE_PHY_1M ? "1M" : phy == FK_BLE_PHY_2M ? "2M" : phy == FK_BLE_PHY_CODED ? "coded" : "?";
}

int fk_ble_phy_parse(const char *s, int *phy)
{
    if (!strcmp(s, "1M") || !strcmp(s, "1m")) {
        *phy = FK_BLE_PHY_1M;
    } else if (!strcmp(s, "2M") || !strcmp(s, "2m")) {
        *phy = FK_BLE_PHY_2M;
    } else if (!strcmp(s, "coded") || !strcmp(s, "s8") || !strcmp(s, "S8")) {
        *phy = FK_BLE_PHY_CODED;
    } else {
        return FK_EINVAL;
    }
    return 0;
}

int fk_ble_link_check(const struct fk_ble_link *l, char *err, size_t errlen)
{
    const char *bad = NULL;
    if (l->phy < FK_BLE_PHY_1M || l->phy > FK_BLE_PHY_CODED) {
        bad = "phy must be 1M, 2M or coded";
    } else if (l->ll_payload < 27 || l->ll_payload > 251) {
        bad = "LL payload (DLE) must be 27..251 bytes";
    } else if (l->att_mtu < 23 || l->att_mtu > 517) {
        bad = "ATT MTU must be 23..517 bytes";
    } else if (!(l->interval_ms >= 7.5 && l->interval_ms <= 4000)) {
        bad = "connection interval must be 7.5..4000 ms";
    } else if (l->central_pkts < 1 || l->central_pkts > 64 || l->periph_pkts < 1 || l->periph_pkts > 64) {
        bad = "packets per event must be 1..64 for central and peripheral";
    } else if (!(l->event_ms > 0 && l->event_ms <= l->interval_ms)) {
        bad = "event length must be > 0 and at most the connection interval";
    } else if (!(l->turnaround_ms >= 0 && l->turnaround_ms < 10000)) {
        bad = "client turnaround must be 0..10000 ms";
    }
    if (bad) {
        if (err && errlen) {
            snprintf(err, errlen, "BLE link%s%s: %s", l->name ? " " : "", l->name ? l->name : "", bad);
        }
        return FK_EINVAL;
    }
    return 0;
}

double fk_ble_pdu_us(int phy, unsigned payload, bool encrypted)
{
    double n = (double)payload + (encrypted && payload ? 4 : 0);
    switch (phy) {
    case FK_BLE_PHY_2M:
        return (11.0 + n) * 4.0;
    case FK_BLE_PHY_CODED:
        return 400.0 + (5.0 + n) * 64.0;
    default:
        return (10.0 + n) * 8.0;
    }
}

unsigned fk_ble_ll_pdus(const struct fk_ble_link *l, size_t att_len)
{
    size_t sdu = att_len + 4; /* L2CAP basic header */
    return (unsigned)((sdu + l->ll_payload - 1) / l->ll_payload);
}

/* ---- the event timeline -------------------------------------------------- */

void fk_ble_sched_init(struct fk_ble_sched *s, const struct fk_ble_link *l)
{
    memset(s, 0, sizeof *s);
    s->l = *l;
    s->empty_us = fk_ble_pdu_us(l->phy, 0, false);
}

static struct fk_ble_event *ev_at(struct fk_ble_sched *s, uint64_t k)
{
    while (k >= s->base + FK_BLE_SCHED_EVENTS) {
        memset(&s->ev[s->base % FK_BLE_SCHED_EVENTS], 0, sizeof s->ev[0]);
        s->base++;
    }
    if (k < s->base) {
        k = s->base; /* older than anything tracked: never happens in order */
    }
    return &s->ev[k % FK_BLE_SCHED_EVENTS];
}

/* Place one LL PDU of `payload` bytes from one side, ready at t (s), no
 * earlier than event *last. Returns the time it has arrived. */
static double place(struct fk_ble_sched *s, bool central, double t, unsigned payload, uint64_t *last)
{
    const struct fk_ble_link *l = &s->l;
    double ci = l->interval_ms / 1000.0;
    double pdu = fk_ble_pdu_us(l->phy, payload, l->encrypted);
    double pair_new = pdu + s->empty_us + 2 * FK_BLE_T_IFS_US;
    double fill = pdu - s->empty_us;
    unsigned cap = central ? l->central_pkts : l->periph_pkts;
    uint64_t k = (uint64_t)floor(t / ci);
    if (k < s->base) {
        k = s->base;
    }
    if (k < *last) {
        k = *last;
    }
    for (;; k++) {
        struct fk_ble_event *e = ev_at(s, k);
        double start = (double)k * ci;
        unsigned *mine = central ? &e->c_data : &e->p_data;
        unsigned other = central ? e->p_data : e->c_data;
        if (*mine >= cap) {
            continue;
        }
        bool future = start >= t; /* the whole event lies after t */
        /* a running event still takes data while its pairs last (MD) */
        bool running = !future && start + e->used_us / 1e6 >= t - 1e-9;
        if (!future && !running) {
            continue;
        }
        double cost;
        bool new_pair;
        if (future && *mine < other) {
            cost = fill; /* this side's slot in a pair the other side opened */
            new_pair = false;
        } else {
            cost = pair_new;
            new_pair = true;
        }
        if (e->used_us > 0 && e->used_us + cost > l->event_ms * 1000.0) {
            continue;
        }
        e->used_us += cost;
        if (new_pair) {
            e->pairs++;
        }
        if (!e->c_data && !e->p_data) {
            s->events_used++;
        }
        (*mine)++;
        s->radio_s += cost / 1e6;
        *last = k;
        return start + e->used_us / 1e6;
    }
}

static double send_sdu(struct fk_ble_sched *s, bool central, double t, size_t att_len)
{
    size_t left = att_len + 4;
    double arrived = t;
    uint64_t *last = central ? &s->c_last : &s->p_last;
    double *last_end = central ? &s->c_last_end : &s->p_last_end;
    if (t < *last_end) {
        t = *last_end; /* behind this direction's previous PDU */
    }
    while (left) {
        unsigned n = left > s->l.ll_payload ? s->l.ll_payload : (unsigned)left;
        arrived = place(s, central, t, n, last);
        left -= n;
        if (central) {
            s->c_pdus++;
            s->c_bytes += n;
        } else {
            s->p_pdus++;
            s->p_bytes += n;
        }
    }
    *last_end = arrived;
    return arrived;
}

double fk_ble_sched_c2p(struct fk_ble_sched *s, double t, size_t att_len)
{
    return send_sdu(s, true, t, att_len);
}

double fk_ble_sched_p2c(struct fk_ble_sched *s, double t, size_t att_len)
{
    return send_sdu(s, false, t, att_len);
}

/* ---- an upload ------------------------------------------------------------ */

int fk_ble_upload_model(const struct fk_ble_upload_cfg *cfg, struct fk_ble_upload_result *res)
{
    memset(res, 0, sizeof *res);
    if (fk_ble_link_check(&cfg->link, NULL, 0) || !cfg->window || !cfg->chunk || !cfg->image_len) {
        return FK_EINVAL;
    }
    unsigned ovh = cfg->req_overhead ? cfg->req_overhead : 40;
    unsigned rsp = cfg->rsp_len ? cfg->rsp_len : 20;
    unsigned wmax = cfg->link.att_mtu - 3;
    unsigned chunk = cfg->chunk;
    if (!cfg->reassembly) {
        if (wmax <= ovh) {
            return FK_EINVAL; /* not even the request's keys fit one write */
        }
        if (chunk > wmax - ovh) {
            chunk = wmax - ovh;
        }
    }
    struct fk_ble_sched *s = malloc(sizeof *s);
    double *ans = calloc(cfg->window, sizeof *ans);
    if (!s || !ans) {
        free(s);
        free(ans);
        return FK_ENOMEM;
    }
    fk_ble_sched_init(s, &cfg->link);
    double turn = cfg->link.turnaround_ms / 1000.0;
    double dev_free = 0, ready_prev = 0, last_ans = 0;
    unsigned i = 0;
    for (uint32_t off = 0; off < cfg->image_len; off += chunk, i++) {
        uint32_t n = cfg->image_len - off < chunk ? cfg->image_len - off : chunk;
        double ready = i < cfg->window ? 0 : ans[i % cfg->window] + turn;
        if (ready < ready_prev) {
            ready = ready_prev;
        }
        ready_prev = ready;
        size_t len = ovh + n;
        double t_arr = ready;
        for (size_t w = 0; w < len; w += wmax) {
            size_t piece = len - w < wmax ? len - w : wmax;
            t_arr = fk_ble_sched_c2p(s, ready, 3 + piece);
            res->writes++;
        }
        double start = t_arr > dev_free ? t_arr : dev_free;
        res->device_wait_s += start - t_arr;
        double d = cfg->device_s ? cfg->device_s(cfg->arg, start, off, n) : 0;
        res->device_s += d;
        dev_free = start + d;
        double a = fk_ble_sched_p2c(s, dev_free, 3 + rsp);
        ans[i % cfg->window] = a;
        if (a > last_ans) {
            last_ans = a;
        }
    }
    res->requests = i;
    res->chunk = chunk;
    res->seconds = last_ans;
    res->kBps = last_ans > 0 ? cfg->image_len / last_ans / 1000.0 : 0;
    res->radio_s = s->radio_s;
    res->events = s->events_used;
    free(s);
    free(ans);
    return 0;
}
