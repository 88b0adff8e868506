/*
 * fotakit smp: talk to a device over SMP (mcumgr), UDP or serial.
 */
#include "cli_smp.h"

#include "fotakit/host/client.h"
#include "fotakit/err.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit smp --conn CONN [options] COMMAND [args]\n"
            "       (or set FOTAKIT_CONN=CONN in the environment)\n"
            "\n"
            "CONN:\n"
            "  udp:HOST[:PORT]          SMP over UDP (default port 1337)\n"
            "  serial:DEV[,baud=N]      SMP over a serial console (default 115200 baud)\n"
            "  ble:ADDR|NAME            SMP over Bluetooth LE through BlueZ (D-Bus): the device's\n"
            "                           address (C0:FF:EE:00:00:01) or advertised name\n"
            "  blesim:SOCKET            SMP over the virtual device's BLE link (fotakit device\n"
            "                           run --ble SOCKET): ATT writes + notifications, MTU 498\n"
            "\n"
            "commands:\n"
            "  echo TEXT                the device echoes TEXT\n"
            "  params                   the device's SMP buffer size and count\n"
            "  info [FORMAT]            OS info (uname-like; FORMAT letters s n r v b m p i o, a = all;\n"
            "                           default a)\n"
            "  bootloader [QUERY]       bootloader info; QUERY \"mode\" gives the MCUboot mode number\n"
            "  image list               slots: version, hash, bootable/pending/confirmed/active/permanent\n"
            "  image upload FILE        upload a signed image to the secondary slot; pipelined,\n"
            "      [--window N]         requests in flight (default 4, at most the device's buf_count)\n"
            "      [--chunk N]          data bytes per request (default: fit the device's buf_size)\n"
            "      [--upgrade]          ask the device to refuse an image older than the running one\n"
            "      [--image N]          the image to update (default 0; 1: e.g. the nRF5340 network core)\n"
            "                           an interrupted upload resumes when run again with the same file\n"
            "  image test HASH          mark the image with this hash for a test boot at next reset\n"
            "  image confirm [HASH]     confirm the running image (or the one with HASH)\n"
            "  image erase [--slot N]   erase the secondary slot (image N's slots are 2N and 2N+1)\n"
            "  reset [--recovery]       reset the device (the bootloader runs); --recovery:\n"
            "                           boot_mode 1, serial recovery at that reset\n"
            "\n"
            "options:\n"
            "  --timeout MS             wait per attempt (default 1000)\n"
            "  --erase-timeout MS       wait per attempt for answers that follow a flash erase:\n"
            "                           image erase, an upload's first chunk (default 40000)\n"
            "  --retries N              retransmissions after a timeout (default 3)\n"
            "  --smp-v1                 send SMP version 1 requests (default version 2)\n"
            "  -v, --verbose            print the packets (hex) on stderr\n"
            "\n"
            "Device errors are printed with their name and meaning. Exit: 0 ok, 1 the device\n"
            "refused or did not answer, 2 bad usage or unreadable input.\n");
}

static int device_failed(const char *what, const struct fk_client_status *st)
{
    char buf[512];
    fprintf(stderr, "fotakit smp: %s: the device refused: %s\n", what,
            fk_client_status_str(st, buf, sizeof buf));
    return 1;
}

/* The open link, for link_failed() to tell "refused" from "timed out". */
static const struct fk_client_tp *g_link;

static int link_failed(const char *what, int rc, const char *conn)
{
    if (rc == FK_ETIMEDOUT && g_link != NULL && g_link->refused > 0 && g_link->rx_packets == 0) {
        fprintf(stderr,
                "fotakit smp: %s: connection refused by %s: nothing listens on that port; is the "
                "device (fotakit device run) running, and is the port in --conn right?\n",
                what, conn);
    } else if (rc == FK_ETIMEDOUT) {
        fprintf(stderr,
                "fotakit smp: %s: no answer from %s (timed out after the retries); is the device "
                "running and is --conn right?\n",
                what, conn);
    } else {
        fprintf(stderr, "fotakit smp: %s: %s (%s)\n", what, fk_err_str(rc), fk_err_name(rc));
    }
    return 1;
}

static int parse_uint(const char *opt, const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (!*s || *end || v > max) {
        fprintf(stderr, "fotakit smp: %s '%s' is not a number in 0..%lu\n", opt, s, max);
        return -1;
    }
    *out = v;
    return 0;
}

void fk_cli_print_images(const struct fk_client_image_list *l)
{
    printf("Images:\n");
    for (unsigned i = 0; i < l->count; i++) {
        const struct fk_client_slot *s = &l->slot[i];
        char hex[65] = "(none)";
        if (s->has_hash) {
            fk_client_hex(s->hash, 32, hex);
        }
        printf(" image=%d slot=%d\n    version: %s\n    bootable: %s\n    flags:%s%s%s%s\n    hash: %s\n",
               s->image, s->slot, s->version, s->bootable ? "true" : "false", s->active ? " active" : "",
               s->confirmed ? " confirmed" : "", s->pending ? " pending" : "",
               s->permanent ? " permanent" : "", hex);
    }
    printf("Split status: N/A (%d)\n", l->split_status);
}

static volatile int upload_cancel;

static void on_sigint(int sig)
{
    (void)sig;
    upload_cancel = 1;
}

static int cmd_upload(struct fk_client *c, const char *conn, int argc, char **argv)
{
    struct fk_client_upload_opts o = {0};
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        unsigned long v;
        if (!strcmp(argv[i], "--window") && i + 1 < argc) {
            if (parse_uint("--window", argv[++i], 32, &v)) {
                return 2;
            }
            if (v == 0) {
                fprintf(stderr, "fotakit smp: --window takes 1..32\n");
                return 2;
            }
            o.window = (unsigned)v;
        } else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) {
            if (parse_uint("--chunk", argv[++i], 8192, &v)) {
                return 2;
            }
            if (v < 16) {
                fprintf(stderr, "fotakit smp: --chunk takes 16..8192 bytes\n");
                return 2;
            }
            o.chunk = (unsigned)v;
        } else if (!strcmp(argv[i], "--upgrade")) {
            o.upgrade = true;
        } else if (!strcmp(argv[i], "--image") && i + 1 < argc) {
            if (parse_uint("--image", argv[++i], 255, &v)) {
                return 2;
            }
            o.image = (unsigned)v; /* the device answers for an image it lacks */
        } else if (argv[i][0] == '-' || file) {
            fprintf(stderr, "fotakit smp: image upload: unexpected '%s'\n", argv[i]);
            return 2;
        } else {
            file = argv[i];
        }
    }
    if (!file) {
        fprintf(stderr, "fotakit smp: image upload needs FILE (a signed image)\n");
        return 2;
    }
    size_t len;
    uint8_t *data = fk_cli_read_file(file, &len);
    if (!data) {
        return 2;
    }
    uint8_t hash[32];
    char hex[65];
    if (fk_client_image_file_hash(data, len, hash) == 0) {
        fk_client_hex(hash, 32, hex);
        printf("image %s: %zu bytes, SHA256 TLV (the hash `image list` shows): %s\n", file, len, hex);
    } else {
        printf("image %s: %zu bytes; not an MCUboot image with a SHA256 TLV (the device will likely "
               "refuse it)\n",
               file, len);
    }
    struct fk_cli_progress pr;
    fk_cli_progress_init(&pr, isatty(STDOUT_FILENO));
    o.progress = fk_cli_progress_cb;
    o.arg = &pr;
    o.cancel = &upload_cancel;
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old);
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    int rc = fk_client_upload(c, data, len, &o, &s, &st);
    sigaction(SIGINT, &old, NULL);
    fk_cli_progress_end(&pr);
    if (!rc && !fk_client_status_failed(&st) && s.done < s.total) {
        free(data);
        fprintf(stderr, "fotakit smp: image upload: interrupted at offset %u of %u; run the same command "
                        "again to resume\n",
                s.done, s.total);
        return 1;
    }
    free(data);
    if (rc) {
        fprintf(stderr, "fotakit smp: image upload: stopped at offset %u of %u\n", s.done, s.total);
        return link_failed("image upload", rc, conn);
    }
    if (fk_client_status_failed(&st)) {
        fprintf(stderr, "fotakit smp: image upload: stopped at offset %u of %u\n", s.done, s.total);
        return device_failed("image upload", &st);
    }
    if (s.resumed_at) {
        printf("resumed an interrupted upload at offset %u\n", s.resumed_at);
    }
    double rate = s.seconds > 0 ? (s.done - s.resumed_at) / s.seconds : 0;
    printf("uploaded %u bytes in %.2f s (%.1f kB/s), chunk %u, %u requests, %u retransmitted, "
           "%llu bytes on the wire out, %llu in%s\n",
           s.done, s.seconds, rate / 1000.0, s.chunk, s.requests, s.retransmits,
           (unsigned long long)s.tx_wire, (unsigned long long)s.rx_wire,
           s.match == 1 ? "; device: sha matches" : s.match == 0 ? "; device: sha MISMATCH" : "");
    if (s.match == 0) {
        return 1;
    }
    return 0;
}

int fk_cli_smp(int argc, char **argv)
{
    const char *conn = getenv("FOTAKIT_CONN");
    struct fk_client cl;
    fk_client_init(&cl, NULL);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        unsigned long v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--conn") && i + 1 < argc) {
            conn = argv[++i];
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (parse_uint("--timeout", argv[++i], 600000, &v)) {
                return 2;
            }
            if (v == 0) {
                fprintf(stderr, "fotakit smp: --timeout takes 1..600000 ms\n");
                return 2;
            }
            cl.timeout_ms = (int)v;
        } else if (!strcmp(argv[i], "--erase-timeout") && i + 1 < argc) {
            if (parse_uint("--erase-timeout", argv[++i], 600000, &v)) {
                return 2;
            }
            cl.slow_timeout_ms = (int)v;
        } else if (!strcmp(argv[i], "--retries") && i + 1 < argc) {
            if (parse_uint("--retries", argv[++i], 100, &v)) {
                return 2;
            }
            cl.retries = (int)v;
        } else if (!strcmp(argv[i], "--smp-v1")) {
            cl.version = 1;
        } else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
            cl.verbose = true;
        } else {
            fprintf(stderr, "fotakit smp: unknown option '%s' (fotakit smp --help)\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    if (!conn) {
        fprintf(stderr, "fotakit smp: say where the device is: --conn udp:127.0.0.1:1337 or "
                        "--conn serial:/dev/ttyACM0\n");
        return 2;
    }
    /* Validate the command before opening the link. */
    const char *cmd = argv[i];
    const char *sub = i + 1 < argc ? argv[i + 1] : "";
    bool known = !strcmp(cmd, "echo") || !strcmp(cmd, "params") || !strcmp(cmd, "reset") ||
                 !strcmp(cmd, "info") || !strcmp(cmd, "bootloader") ||
                 (!strcmp(cmd, "image") && (!strcmp(sub, "list") || !strcmp(sub, "upload") ||
                                            !strcmp(sub, "test") || !strcmp(sub, "confirm") ||
                                            !strcmp(sub, "erase")));
    if (!known && !strcmp(cmd, "image") && !sub[0]) {
        fprintf(stderr, "fotakit smp: image needs a command: list, upload, test, confirm or erase\n");
        return 2;
    }
    if (!known) {
        fprintf(stderr, "fotakit smp: unknown command '%s%s%s' (fotakit smp --help)\n", cmd,
                !strcmp(cmd, "image") ? " " : "", !strcmp(cmd, "image") ? sub : "");
        return 2;
    }
    char err[512];
    struct fk_client_tp *tp;
    int rc = fk_client_tp_open(conn, &tp, err, sizeof err);
    if (rc) {
        fprintf(stderr, "fotakit smp: %s\n", err);
        return 2;
    }
    cl.tp = tp;
    g_link = tp;
    struct fk_client_status st;
    int ret = 0;
    if (!strcmp(cmd, "echo")) {
        if (i + 2 != argc) {
            fprintf(stderr, "fotakit smp: echo takes one TEXT argument\n");
            ret = 2;
        } else {
            char out[1024];
            rc = fk_client_echo(&cl, argv[i + 1], out, sizeof out, &st);
            ret = rc ? link_failed("echo", rc, conn)
                     : fk_client_status_failed(&st) ? device_failed("echo", &st) : (printf("%s\n", out), 0);
        }
    } else if (!strcmp(cmd, "params")) {
        rc = fk_client_params(&cl, &st);
        ret = rc ? link_failed("params", rc, conn)
                 : fk_client_status_failed(&st)
                     ? device_failed("params", &st)
                     : (printf("buf_size: %u\nbuf_count: %u\n", cl.buf_size, cl.buf_count), 0);
    } else if (!strcmp(cmd, "info") || !strcmp(cmd, "bootloader")) {
        bool info = !strcmp(cmd, "info");
        if (i + 2 < argc) {
            fprintf(stderr, "fotakit smp: %s takes at most one argument\n", cmd);
            ret = 2;
        } else {
            char out[2048];
            const char *arg = i + 1 < argc ? argv[i + 1] : (info ? "a" : NULL);
            rc = fk_client_simple(&cl, FK_CL_OP_READ, FK_CL_GROUP_OS, info ? 7 : 8,
                                  arg ? (info ? "format" : "query") : NULL, arg, out, sizeof out, &st);
            ret = rc ? link_failed(cmd, rc, conn)
                     : fk_client_status_failed(&st) ? device_failed(cmd, &st) : (printf("%s", out), 0);
        }
    } else if (!strcmp(cmd, "reset")) {
        int mode = -1;
        if (i + 1 < argc && !strcmp(argv[i + 1], "--recovery")) {
            mode = 1; /* boot_mode 1: the bootloader's serial recovery (docs/recovery.md) */
        } else if (i + 1 < argc) {
            fprintf(stderr, "fotakit smp reset: unknown argument '%s' (only --recovery)\n", argv[i + 1]);
            fk_client_close(&cl);
            return 2;
        }
        rc = fk_client_reset_mode(&cl, mode, &st);
        ret = rc ? link_failed("reset", rc, conn)
                 : fk_client_status_failed(&st) ? device_failed("reset", &st) : (printf("reset\n"), 0);
    } else if (!strcmp(sub, "list")) {
        struct fk_client_image_list l;
        rc = fk_client_image_list(&cl, &l, &st);
        ret = rc ? link_failed("image list", rc, conn)
                 : fk_client_status_failed(&st) ? device_failed("image list", &st)
                                                : (fk_cli_print_images(&l), 0);
    } else if (!strcmp(sub, "upload")) {
        ret = cmd_upload(&cl, conn, argc - i - 2, argv + i + 2);
    } else if (!strcmp(sub, "test") || !strcmp(sub, "confirm")) {
        bool confirm = !strcmp(sub, "confirm");
        uint8_t hash[32];
        bool have = i + 2 < argc;
        if ((!confirm && i + 3 != argc) || (confirm && i + 3 < argc)) {
            fprintf(stderr, "fotakit smp: image %s takes %s\n", sub, confirm ? "at most one HASH" : "one HASH");
            ret = 2;
        } else if (have && fk_client_unhex(argv[i + 2], hash, 32) != 32) {
            fprintf(stderr, "fotakit smp: image %s: '%s' is not a 64-digit hex hash (see `image list`)\n",
                    sub, argv[i + 2]);
            ret = 2;
        } else {
            struct fk_client_image_list l;
            rc = fk_client_image_state(&cl, have ? hash : NULL, confirm, &l, &st);
            ret = rc ? link_failed(confirm ? "image confirm" : "image test", rc, conn)
                     : fk_client_status_failed(&st) ? device_failed(confirm ? "image confirm" : "image test", &st)
                                                    : (fk_cli_print_images(&l), 0);
            if (ret == 0) {
                printf("%s\n", confirm ? "confirmed: this image stays across resets"
                                        : "marked for test: the next reset installs it; in a swap mode confirm it "
                                          "once it runs (image confirm), or the reset after that reverts it (an "
                                          "overwrite-only image, e.g. the nRF5340 network core, cannot revert)");
            }
        }
    } else if (!strcmp(sub, "erase")) {
        int slot = -1;
        unsigned long v;
        if (i + 4 == argc && !strcmp(argv[i + 2], "--slot")) {
            if (parse_uint("--slot", argv[i + 3], 1, &v)) {
                ret = 2;
            }
            slot = (int)v;
        } else if (i + 2 != argc) {
            fprintf(stderr, "fotakit smp: image erase takes only --slot N\n");
            ret = 2;
        }
        if (!ret) {
            rc = fk_client_image_erase(&cl, slot, &st);
            ret = rc ? link_failed("image erase", rc, conn)
                     : fk_client_status_failed(&st) ? device_failed("image erase", &st) : (printf("erased\n"), 0);
        }
    }
    fk_client_close(&cl);
    return ret;
}
