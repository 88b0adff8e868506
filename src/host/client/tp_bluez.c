/*
 * BLE transport through BlueZ over D-Bus (sd-bus): `--conn ble:ADDR|NAME`.
 *
 * Connects the device (org.bluez.Device1.Connect) unless connected, waits
 * for ServicesResolved, finds the SMP characteristic
 * (DA2E7828-FBCE-4E01-AE9E-261174997C48) under it, then writes requests as
 * writes without response of ATT_MTU-3 bytes (SMP reassembly on the device)
 * and reassembles answers from notifications by their SMP header length.
 * Where BlueZ offers them it uses AcquireWrite / AcquireNotify (a socket per
 * direction, one ATT value per packet); else WriteValue (type "command") and
 * StartNotify with the Value's PropertiesChanged signals.
 *
 * Tested against python3-dbusmock with BlueZ's GATT objects added by the
 * test (tests/client/bluez_dbusmock.py); never against a real adapter.
 */
#include "client_priv.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define SMP_CHR_UUID "da2e7828-fbce-4e01-ae9e-261174997c48"
#define NOTE_Q 64

struct tp_bluez {
    struct fk_client_tp tp;
    sd_bus *bus;
    char dev[256], chr[320], who[128];
    unsigned mtu;
    int wfd, nfd;         /* AcquireWrite / AcquireNotify sockets, -1: not acquired */
    bool disconnected, told;
    /* notifications from PropertiesChanged, when no notify socket */
    uint8_t *q[NOTE_Q];
    size_t qlen[NOTE_Q];
    unsigned qh, qn;
    sd_bus_slot *sig_chr, *sig_dev;
    struct fk_cl_reasm ra; /* answer being reassembled */
};

/* ---- GetManagedObjects -------------------------------------------------- */

struct found {
    unsigned adapters, devices;
    char dev[256];
    bool dev_connected;
    char chr[320];
    bool chr_notify, chr_wnr;
};

/* Read a variant's string / bool into out, or skip it. */
static int var_str(sd_bus_message *m, char *out, size_t cap)
{
    char type;
    const char *contents;
    int r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0) {
        return r;
    }
    if (contents && !strcmp(contents, "s")) {
        const char *s;
        r = sd_bus_message_read(m, "v", "s", &s);
        if (r >= 0 && out) {
            snprintf(out, cap, "%s", s);
        }
        return r;
    }
    return sd_bus_message_skip(m, "v");
}

static int var_bool(sd_bus_message *m, bool *out)
{
    char type;
    const char *contents;
    int r = sd_bus_message_peek_type(m, &type, &contents);
    if (r >= 0 && contents && !strcmp(contents, "b")) {
        int b;
        r = sd_bus_message_read(m, "v", "b", &b);
        *out = b;
        return r;
    }
    return r < 0 ? r : sd_bus_message_skip(m, "v");
}

/* Flags (as): notify / write-without-response present. */
static int var_flags(sd_bus_message *m, bool *notify, bool *wnr)
{
    int r = sd_bus_message_enter_container(m, 'v', "as");
    if (r < 0) {
        return sd_bus_message_skip(m, "v");
    }
    char **v = NULL;
    r = sd_bus_message_read_strv(m, &v);
    for (char **p = v; r >= 0 && p && *p; p++) {
        *notify |= !strcmp(*p, "notify");
        *wnr |= !strcmp(*p, "write-without-response");
    }
    for (char **p = v; p && *p; p++) {
        free(*p);
    }
    free(v);
    return r < 0 ? r : sd_bus_message_exit_container(m);
}

static bool addr_like(const char *s)
{
    if (strlen(s) != 17) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* One pass over BlueZ's objects: count adapters, find the device `who`
 * (address, or name/alias), and (when dev_path is known) the SMP
 * characteristic under it. */
static int scan(sd_bus *bus, const char *who, const char *dev_path, struct found *f, sd_bus_error *e)
{
    sd_bus_message *reply = NULL;
    memset(f, 0, sizeof *f);
    int r = sd_bus_call_method(bus, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", e,
                               &reply, "");
    if (r < 0) {
        return r;
    }
    r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
    while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
        const char *path;
        sd_bus_message_read(reply, "o", &path);
        sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
        while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
            const char *iface;
            sd_bus_message_read(reply, "s", &iface);
            int kind = !strcmp(iface, "org.bluez.Adapter1")               ? 1
                       : !strcmp(iface, "org.bluez.Device1")              ? 2
                       : !strcmp(iface, "org.bluez.GattCharacteristic1") ? 3
                                                                          : 0;
            char addr[64] = "", name[256] = "", alias[256] = "", uuid[64] = "";
            bool connected = false, notify = false, wnr = false;
            sd_bus_message_enter_container(reply, 'a', "{sv}");
            while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                const char *prop;
                sd_bus_message_read(reply, "s", &prop);
                if (kind == 2 && !strcmp(prop, "Address")) {
                    var_str(reply, addr, sizeof addr);
                } else if (kind == 2 && !strcmp(prop, "Name")) {
                    var_str(reply, name, sizeof name);
                } else if (kind == 2 && !strcmp(prop, "Alias")) {
                    var_str(reply, alias, sizeof alias);
                } else if (kind == 2 && !strcmp(prop, "Connected")) {
                    var_bool(reply, &connected);
                } else if (kind == 3 && !strcmp(prop, "UUID")) {
                    var_str(reply, uuid, sizeof uuid);
                } else if (kind == 3 && !strcmp(prop, "Flags")) {
                    var_flags(reply, &notify, &wnr);
                } else {
                    sd_bus_message_skip(reply, "v");
                }
                sd_bus_message_exit_container(reply);
            }
            sd_bus_message_exit_container(reply);
            if (kind == 1) {
                f->adapters++;
            } else if (kind == 2) {
                f->devices++;
                bool match = addr_like(who) ? !strcasecmp(addr, who) : (!strcmp(name, who) || !strcmp(alias, who));
                if (match && !f->dev[0]) {
                    snprintf(f->dev, sizeof f->dev, "%s", path);
                    f->dev_connected = connected;
                }
            } else if (kind == 3 && dev_path && !strncmp(path, dev_path, strlen(dev_path)) &&
                       path[strlen(dev_path)] == '/' && !strcasecmp(uuid, SMP_CHR_UUID) && !f->chr[0]) {
                snprintf(f->chr, sizeof f->chr, "%s", path);
                f->chr_notify = notify;
                f->chr_wnr = wnr;
            }
            sd_bus_message_exit_container(reply);
        }
        sd_bus_message_exit_container(reply);
        sd_bus_message_exit_container(reply);
    }
    sd_bus_message_unref(reply);
    return r < 0 ? r : 0;
}

/* ---- notifications and disconnects ---------------------------------------- */

static void note_push(struct tp_bluez *b, const uint8_t *d, size_t n)
{
    if (b->qn == NOTE_Q || !n) {
        b->tp.dropped++;
        return;
    }
    uint8_t *c = malloc(n);
    if (!c) {
        return;
    }
    memcpy(c, d, n);
    unsigned i = (b->qh + b->qn++) % NOTE_Q;
    b->q[i] = c;
    b->qlen[i] = n;
}

/* PropertiesChanged (s a{sv} as) on the characteristic (Value) or the
 * device (Connected). */
static int on_props(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
    (void)e;
    struct tp_bluez *b = userdata;
    const char *iface;
    if (sd_bus_message_read(m, "s", &iface) < 0) {
        return 0;
    }
    bool chr = !strcmp(iface, "org.bluez.GattCharacteristic1"), dev = !strcmp(iface, "org.bluez.Device1");
    if (!chr && !dev) {
        return 0;
    }
    sd_bus_message_enter_container(m, 'a', "{sv}");
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        const char *prop;
        sd_bus_message_read(m, "s", &prop);
        if (chr && !strcmp(prop, "Value") && sd_bus_message_enter_container(m, 'v', "ay") > 0) {
            const void *p;
            size_t n;
            if (sd_bus_message_read_array(m, 'y', &p, &n) >= 0) {
                note_push(b, p, n);
            }
            sd_bus_message_exit_container(m);
        } else if (dev && !strcmp(prop, "Connected")) {
            bool c = true;
            var_bool(m, &c);
            if (!c) {
                b->disconnected = true;
            }
        } else {
            sd_bus_message_skip(m, "v");
        }
        sd_bus_message_exit_container(m);
    }
    return 0;
}

static int lost(struct tp_bluez *b)
{
    b->disconnected = true;
    if (!b->told) {
        b->told = true;
        fprintf(stderr,
                "fotakit smp: ble:%s: the device disconnected; run the same command again to reconnect "
                "(an image upload resumes at the offset the device reached)\n",
                b->who);
    }
    return FK_EIO;
}

/* ---- the transport --------------------------------------------------------- */

static int bz_send(struct fk_client_tp *tp, const uint8_t *pkt, size_t len)
{
    struct tp_bluez *b = (struct tp_bluez *)tp;
    if (b->disconnected) {
        return lost(b);
    }
    size_t w = b->mtu - 3;
    for (size_t off = 0; off < len; off += w) {
        size_t n = len - off < w ? len - off : w;
        if (b->wfd >= 0) {
            if (send(b->wfd, pkt + off, n, MSG_NOSIGNAL) != (ssize_t)n) {
                return lost(b);
            }
        } else {
            sd_bus_message *m = NULL;
            sd_bus_error e = SD_BUS_ERROR_NULL;
            int r = sd_bus_message_new_method_call(b->bus, &m, "org.bluez", b->chr,
                                                   "org.bluez.GattCharacteristic1", "WriteValue");
            if (r >= 0) {
                r = sd_bus_message_append_array(m, 'y', pkt + off, n);
            }
            if (r >= 0) {
                r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", "command");
            }
            if (r >= 0) {
                r = sd_bus_call(b->bus, m, 5000000, &e, NULL);
            }
            sd_bus_message_unref(m);
            if (r < 0) {
                fprintf(stderr, "fotakit smp: ble:%s: WriteValue failed: %s\n", b->who,
                        e.message ? e.message : strerror(-r));
                sd_bus_error_free(&e);
                return lost(b);
            }
        }
        tp->tx_wire += n;
    }
    tp->tx_packets++;
    return 0;
}

/* One notification's value into buf; 1, 0 on timeout, FK_EIO when gone. */
static int next_note(struct tp_bluez *b, uint8_t *buf, size_t cap, size_t *n, long long end)
{
    for (;;) {
        if (b->qn) {
            size_t l = b->qlen[b->qh] < cap ? b->qlen[b->qh] : cap;
            memcpy(buf, b->q[b->qh], l);
            free(b->q[b->qh]);
            b->qh = (b->qh + 1) % NOTE_Q;
            b->qn--;
            *n = l;
            return 1;
        }
        /* D-Bus traffic (notifications as signals, disconnects) first */
        int r;
        while ((r = sd_bus_process(b->bus, NULL)) > 0) {
        }
        if (r < 0) {
            return lost(b);
        }
        if (b->qn) {
            continue;
        }
        if (b->disconnected) {
            return lost(b);
        }
        long long left = end - fk_cl_now_ms();
        if (left <= 0) {
            return 0;
        }
        struct pollfd p[2] = {{.fd = sd_bus_get_fd(b->bus), .events = (short)sd_bus_get_events(b->bus)},
                              {.fd = b->nfd, .events = POLLIN}};
        r = poll(p, b->nfd >= 0 ? 2 : 1, left > 100 ? 100 : (int)left);
        if (r < 0 && errno != EINTR) {
            return lost(b);
        }
        if (b->nfd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t k = recv(b->nfd, buf, cap, 0);
            if (k <= 0) {
                return lost(b); /* BlueZ closes the socket when the link drops */
            }
            *n = (size_t)k;
            return 1;
        }
    }
}

static int bz_recv(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct tp_bluez *b = (struct tp_bluez *)tp;
    long long end = fk_cl_now_ms() + timeout_ms;
    uint8_t v[520];
    for (;;) {
        size_t n = 0;
        int r = next_note(b, v, sizeof v, &n, end);
        if (r <= 0) {
            return r;
        }
        int len = fk_cl_reasm_feed(&b->ra, tp, v, n, buf, cap);
        if (len > 0) {
            return len;
        }
    }
}

static void bz_close(struct fk_client_tp *tp)
{
    struct tp_bluez *b = (struct tp_bluez *)tp;
    if (b->wfd >= 0) {
        close(b->wfd);
    }
    if (b->nfd >= 0) {
        close(b->nfd);
    } else if (b->chr[0] && !b->disconnected) {
        sd_bus_call_method(b->bus, "org.bluez", b->chr, "org.bluez.GattCharacteristic1", "StopNotify", NULL, NULL,
                           "");
    }
    while (b->qn) {
        free(b->q[b->qh]);
        b->qh = (b->qh + 1) % NOTE_Q;
        b->qn--;
    }
    sd_bus_slot_unref(b->sig_chr);
    sd_bus_slot_unref(b->sig_dev);
    sd_bus_flush_close_unref(b->bus);
    free(b);
}

/* Acquire{Write,Notify}: a dup of the fd and the MTU; -1 when not offered. */
static int acquire(struct tp_bluez *b, const char *method, unsigned *mtu)
{
    sd_bus_message *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = sd_bus_call_method(b->bus, "org.bluez", b->chr, "org.bluez.GattCharacteristic1", method, &e, &reply,
                               "a{sv}", 0);
    sd_bus_error_free(&e);
    if (r < 0) {
        return -1;
    }
    int fd;
    uint16_t m;
    int fdup = -1;
    if (sd_bus_message_read(reply, "hq", &fd, &m) >= 0) {
        fdup = dup(fd);
        *mtu = m;
    }
    sd_bus_message_unref(reply);
    return fdup;
}

static int fail(struct tp_bluez *b, int code, char *err, size_t errlen, const char *fmt, const char *a,
                const char *c)
{
    snprintf(err, errlen, fmt, a, c);
    bz_close(&b->tp);
    return code;
}

int fk_client_tp_open_bluez(const char *who, struct fk_client_tp **out, char *err, size_t errlen)
{
    struct tp_bluez *b = calloc(1, sizeof *b);
    if (!b) {
        return FK_ENOMEM;
    }
    b->wfd = b->nfd = -1;
    b->mtu = 23;
    snprintf(b->who, sizeof b->who, "%s", who);
    int r = sd_bus_open_system(&b->bus);
    if (r < 0) {
        return fail(b, FK_EIO, err, errlen, "ble:%s: cannot reach the system D-Bus (%s); is dbus running?", who,
                    strerror(-r));
    }
    sd_bus_error e = SD_BUS_ERROR_NULL;
    struct found f;
    r = scan(b->bus, who, NULL, &f, &e);
    if (r < 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", e.message ? e.message : strerror(-r));
        sd_bus_error_free(&e);
        return fail(b, FK_EIO, err, errlen,
                    "ble:%s: cannot ask BlueZ for its objects (%s); is bluetoothd running?", who, msg);
    }
    if (!f.adapters) {
        return fail(b, FK_ENODEV, err, errlen,
                    "ble:%s: no Bluetooth adapter%s; plug one in or power it on (bluetoothctl list, "
                    "bluetoothctl power on)", who, "");
    }
    if (!f.dev[0]) {
        char n[16];
        snprintf(n, sizeof n, "%u", f.devices);
        return fail(b, FK_ENOENT, err, errlen,
                    "ble:%s: device not found among the %s devices BlueZ knows; is it advertising? scan first "
                    "(bluetoothctl scan le) and use its address or advertised name",
                    who, n);
    }
    snprintf(b->dev, sizeof b->dev, "%s", f.dev);
    if (!f.dev_connected) {
        r = sd_bus_call_method(b->bus, "org.bluez", b->dev, "org.bluez.Device1", "Connect", &e, NULL, "");
        if (r < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s: %s", e.name ? e.name : "error", e.message ? e.message : strerror(-r));
            sd_bus_error_free(&e);
            return fail(b, FK_EIO, err, errlen,
                        "ble:%s: cannot connect (%s); the device is not connectable, out of range, or "
                        "connected to another central", who, msg);
        }
    }
    /* wait until BlueZ has discovered the GATT database */
    long long end = fk_cl_now_ms() + 15000;
    for (;;) {
        int resolved = 0;
        r = sd_bus_get_property_trivial(b->bus, "org.bluez", b->dev, "org.bluez.Device1", "ServicesResolved", &e,
                                        'b', &resolved);
        sd_bus_error_free(&e);
        if (r >= 0 && resolved) {
            break;
        }
        if (fk_cl_now_ms() > end) {
            return fail(b, FK_ETIMEDOUT, err, errlen,
                        "ble:%s: connected, but BlueZ did not resolve its services within 15 s%s", who, "");
        }
        usleep(50000);
    }
    r = scan(b->bus, who, b->dev, &f, &e);
    sd_bus_error_free(&e);
    if (r < 0 || !f.chr[0]) {
        return fail(b, FK_ENOENT, err, errlen,
                    "ble:%s: the device has no SMP characteristic (" SMP_CHR_UUID "); is mcumgr's Bluetooth "
                    "transport (CONFIG_MCUMGR_TRANSPORT_BT) in its firmware?%s", who, "");
    }
    if (!f.chr_notify) {
        return fail(b, FK_ENOTSUP, err, errlen,
                    "ble:%s: the SMP characteristic %s does not offer notifications", who, f.chr);
    }
    snprintf(b->chr, sizeof b->chr, "%s", f.chr);
    /* disconnects (and, without AcquireNotify, notifications) arrive as signals */
    sd_bus_match_signal(b->bus, &b->sig_dev, "org.bluez", b->dev, "org.freedesktop.DBus.Properties",
                        "PropertiesChanged", on_props, b);
    unsigned mtu = 0;
    b->nfd = acquire(b, "AcquireNotify", &mtu);
    if (b->nfd < 0) {
        sd_bus_match_signal(b->bus, &b->sig_chr, "org.bluez", b->chr, "org.freedesktop.DBus.Properties",
                            "PropertiesChanged", on_props, b);
        r = sd_bus_call_method(b->bus, "org.bluez", b->chr, "org.bluez.GattCharacteristic1", "StartNotify", &e,
                               NULL, "");
        if (r < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s", e.message ? e.message : strerror(-r));
            sd_bus_error_free(&e);
            return fail(b, FK_EIO, err, errlen, "ble:%s: cannot enable notifications: %s", who, msg);
        }
    }
    unsigned wmtu = 0;
    if (f.chr_wnr) {
        b->wfd = acquire(b, "AcquireWrite", &wmtu);
    }
    if (wmtu > mtu) {
        mtu = wmtu;
    }
    if (!mtu) {
        uint16_t m = 0;
        if (sd_bus_get_property_trivial(b->bus, "org.bluez", b->chr, "org.bluez.GattCharacteristic1", "MTU", &e, 'q',
                                        &m) >= 0) {
            mtu = m;
        }
        sd_bus_error_free(&e);
    }
    b->mtu = mtu >= 23 && mtu <= 517 ? mtu : 23;
    b->tp.send = bz_send;
    b->tp.recv = bz_recv;
    b->tp.close = bz_close;
    b->tp.kind = "ble";
    *out = &b->tp;
    return 0;
}
