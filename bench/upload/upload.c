/*
 * bench/upload: what an SMP image upload costs on the wire and how fast it
 * goes, through fotakit's client and the virtual device (seed layout), for
 * serial at 115200 baud and for UDP, over several chunk sizes and windows.
 *
 * Serial runs over a pseudo-terminal, which has no baud rate, so the line
 * time is modeled from the bytes that crossed it: 10 bits per byte (8N1) at
 * 115200 baud, in each direction. The device's flash time comes from the
 * simulation's clock (NOR sector erases + page programs, overlapped model).
 *   window 1:  every chunk waits for its answer:  t = tx + rx + flash
 *   window >1: request, answer and flash work overlap: t = max(tx, rx, flash)
 * UDP on loopback: wall-clock throughput, and the flash-bound model
 * (payload / flash time), since loopback itself is nearly free.
 * Reference: mcumgr over a 115200 serial line is reported at ~3 kB/s.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/err.h"
#include "fotakit/host/image.h"
#include "ble_bench.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEED FOTAKIT_SHARED_DIR "/layouts/nrf5340-spi-nor-2mb"
#define KEY FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem"
#define BAUD 115200.0
#define MCUMGR_REF_BPS 3000.0

static bool json;

struct row {
    const char *transport;
    unsigned chunk, window;
    uint32_t payload;
    uint64_t tx, rx;
    unsigned requests, retransmits;
    double wall_s, flash_s, line_tx_s, line_rx_s, model_s;
};

static void print_row(const struct row *r)
{
    double wpp = (double)r->tx / r->payload;
    double model_bps = r->payload / r->model_s;
    if (json) {
        printf("{\"transport\": \"%s\", \"baud\": %s, \"chunk\": %u, \"window\": %u, \"payload_bytes\": %u, "
               "\"wire_bytes_tx\": %llu, \"wire_bytes_rx\": %llu, \"wire_per_payload\": %.4f, "
               "\"requests\": %u, \"retransmits\": %u, \"flash_s\": %.4f, \"line_s\": %.4f, "
               "\"modeled_s\": %.4f, \"payload_Bps\": %.1f, \"wall_s\": %.4f, \"wall_Bps\": %.1f, "
               "\"vs_mcumgr_3kBps\": %.2f}\n",
               r->transport, !strncmp(r->transport, "serial", 6) ? "115200" : "null", r->chunk, r->window,
               r->payload, (unsigned long long)r->tx, (unsigned long long)r->rx, wpp, r->requests,
               r->retransmits, r->flash_s, r->line_tx_s + r->line_rx_s, r->model_s, model_bps, r->wall_s,
               r->payload / r->wall_s, model_bps / MCUMGR_REF_BPS);
    } else if (!strcmp(r->transport, "serial-rt")) {
        printf("%-9s %6u %6u %9u %10llu %9.2f %8.1f %10.2f %9.1f\n", r->transport, r->chunk, r->window, r->payload,
               (unsigned long long)r->tx, r->model_s, model_bps / 1000, r->wall_s, r->payload / r->wall_s / 1000);
    } else {
        printf("%-7s %6u %6u %9u %10llu %8llu %7.3f %8.3f %8.3f %9.2f %10.1f %6.1fx\n", r->transport, r->chunk,
               r->window, r->payload, (unsigned long long)r->tx, (unsigned long long)r->rx, wpp, r->flash_s,
               r->line_tx_s + r->line_rx_s, r->model_s, model_bps / 1000, model_bps / MCUMGR_REF_BPS);
    }
    fflush(stdout);
}

static int one(struct fk_device *d, struct fk_client *c, const char *transport, const uint8_t *img, size_t len,
               unsigned chunk, unsigned window)
{
    struct fk_client_status st;
    /* start from an erased secondary so nothing resumes */
    int rc = fk_client_image_erase(c, -1, &st);
    if (rc || fk_client_status_failed(&st)) {
        fprintf(stderr, "upload bench: image erase failed\n");
        return 1;
    }
    struct fk_device_flash_stats f0, f1;
    fk_device_flash_stats(d, &f0);
    struct fk_client_upload_opts o = {.window = window, .chunk = chunk};
    struct fk_client_upload_stats s;
    rc = fk_client_upload(c, img, len, &o, &s, &st);
    fk_device_flash_stats(d, &f1);
    if (rc || fk_client_status_failed(&st) || s.done != len) {
        char buf[256];
        fprintf(stderr, "upload bench: %s chunk %u window %u failed: %s\n", transport, chunk, window,
                rc ? fk_err_str(rc) : fk_client_status_str(&st, buf, sizeof buf));
        return 1;
    }
    struct row r = {.transport = transport, .chunk = s.chunk, .window = window, .payload = s.done,
                    .tx = s.tx_wire, .rx = s.rx_wire, .requests = s.requests, .retransmits = s.retransmits,
                    .wall_s = s.seconds, .flash_s = f1.overlap_s - f0.overlap_s};
    if (!strncmp(transport, "serial", 6)) {
        r.line_tx_s = (double)s.tx_wire * 10 / BAUD;
        r.line_rx_s = (double)s.rx_wire * 10 / BAUD;
        if (window <= 1) {
            r.model_s = r.line_tx_s + r.line_rx_s + r.flash_s;
        } else {
            r.model_s = r.line_tx_s > r.line_rx_s ? r.line_tx_s : r.line_rx_s;
            if (r.flash_s > r.model_s) {
                r.model_s = r.flash_s;
            }
        }
    } else {
        r.model_s = r.flash_s > 0 ? r.flash_s : s.seconds;
    }
    print_row(&r);
    return 0;
}

/* Start a device on `transport` ("serial": a pty, "udp": loopback), connect
 * to it and run `one` for every window x chunk (chunk 0 = the device's
 * largest). Returns 2 if the device or the link cannot be set up. */
static int sweep(struct fk_device *d, const char *transport, const unsigned *chunks, size_t nchunks,
                 const unsigned *windows, size_t nwindows, const uint8_t *img, size_t len, int *fails)
{
    bool serial = !strcmp(transport, "serial");
    struct fk_device_run run = {.udp = serial ? NULL : "127.0.0.1:0"};
    struct fk_device_thread *th;
    if (fk_device_spawn(d, &run, &th)) {
        fprintf(stderr, "upload bench: cannot start the %s device\n", serial ? "serial" : "UDP");
        return 2;
    }
    char conn[300], err[512];
    if (serial) {
        snprintf(conn, sizeof conn, "serial:%s", run.serial_path);
    } else {
        snprintf(conn, sizeof conn, "udp:127.0.0.1:%u", run.udp_port);
    }
    struct fk_client_tp *tp;
    if (fk_client_tp_open(conn, &tp, err, sizeof err)) {
        fprintf(stderr, "upload bench: %s\n", err);
        return 2;
    }
    struct fk_client c;
    fk_client_init(&c, tp);
    c.timeout_ms = 5000;
    for (size_t w = 0; w < nwindows; w++) {
        for (size_t k = 0; k < nchunks; k++) {
            *fails += one(d, &c, transport, img, len, chunks[k], windows[w]);
        }
    }
    fk_client_close(&c);
    fk_device_join(th);
    return 0;
}

static void rm_dir(const char *dir)
{
    DIR *dd = opendir(dir);
    struct dirent *e;
    char p[600];
    while (dd && (e = readdir(dd))) {
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    if (dd) {
        closedir(dd);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    size_t image_kb = 64;
    bool realtime = false, ble = false;
    const char *board = FOTAKIT_SOURCE_DIR "/boards/nrf5340-spi-nor-2mb.board.yml";
    signal(SIGPIPE, SIG_IGN); /* `upload --json | head` must still clean up */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--realtime")) {
            realtime = true;
        } else if (!strcmp(argv[i], "--ble")) {
            ble = true;
        } else if (!strcmp(argv[i], "--board") && i + 1 < argc) {
            board = argv[++i];
        } else if (!strcmp(argv[i], "--kb") && i + 1 < argc) {
            image_kb = (size_t)atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: upload [--json] [--kb N (image payload, default 64)] [--realtime]\n"
                            "       upload --ble [--json] [--board FILE]\n"
                            "  --ble: the BLE link model: calibration rows against reported mcumgr rates,\n"
                            "  then fotakit on the seed board's SPI NOR (timings from --board, default\n"
                            "  boards/nrf5340-spi-nor-2mb.board.yml); computation only, about 1 s;\n"
                            "  with --realtime also measured through the paced blesim link (~40 s)\n"
                            "  --realtime: also run serial uploads against a device that takes the\n"
                            "  modeled time (flash, and a 115200-baud paced pty) and print the measured\n"
                            "  wall-clock rate beside the model (~10 s more; 16 KiB image)\n");
            return 2;
        }
    }
    if (ble) {
        return ble_bench(json, board, realtime);
    }
    char dir[] = "/tmp/fotakit-bench-upload-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    size_t plen = image_kb * 1024;
    uint8_t *p = malloc(plen);
    for (size_t i = 0; i < plen; i++) {
        p[i] = (uint8_t)(i * 31 + (i >> 9));
    }
    struct fk_sign_opts so;
    fk_sign_opts_init(&so);
    so.key_path = KEY;
    so.version.major = 2;
    so.header_size = 0x200;
    so.pad_header = true;
    so.align = 4;
    so.slot_size = 0xe8000;
    so.max_sectors = 0xe8000 / 0x1000; /* the seed slot's real trailer */
    uint8_t *img;
    size_t len;
    char err[512];
    if (fk_image_sign(&so, p, plen, &img, &len, err, sizeof err)) {
        fprintf(stderr, "upload bench: sign: %s\n", err);
        return 2;
    }
    free(p);
    struct fk_device_cfg cfg = {.layout = SEED ".pm_static.yml", .board = SEED ".board.yml", .state_dir = dir,
                                .nkeys = 1, .quiet = true};
    cfg.keys[0] = KEY;
    struct fk_device *d;
    if (fk_device_open(&d, &cfg, err, sizeof err)) {
        fprintf(stderr, "upload bench: device: %s\n", err);
        return 2;
    }
    if (!json) {
        printf("SMP image upload of a %zu-byte image to the virtual device (%s)\n", len,
               "nrf5340-spi-nor-2mb, secondary slot on SPI NOR");
        printf("serial: 115200 baud 8N1 modeled from wire bytes; UDP: loopback. "
               "Reference: mcumgr over 115200 serial ~3 kB/s.\n\n");
        printf("%-7s %6s %6s %9s %10s %8s %7s %8s %8s %9s %10s %7s\n", "link", "chunk", "window", "payload",
               "wire_tx", "wire_rx", "tx/B", "flash_s", "line_s", "model_s", "kB/s", "vs3kB");
    }
    int fails = 0;
    static const unsigned ser_chunks[] = {128, 256, 512, 1024, 0}, ser_windows[] = {1, 4};
    static const unsigned udp_chunks[] = {256, 1024, 0}, udp_windows[] = {1, 4, 8};
    int rc = sweep(d, "serial", ser_chunks, 5, ser_windows, 2, img, len, &fails);
    if (rc == 0) {
        rc = sweep(d, "udp", udp_chunks, 3, udp_windows, 3, img, len, &fails);
    }
    if (rc) {
        return rc;
    }
    if (realtime) {
        /* The same uploads against a device that takes the modeled time: the
         * measured rate checks the model above. */
        fk_device_close(d);
        rm_dir(dir);
        if (!mkdtemp(strcpy(dir, "/tmp/fotakit-bench-upload-XXXXXX"))) {
            return 2;
        }
        cfg.realtime = true;
        if (fk_device_open(&d, &cfg, err, sizeof err)) {
            fprintf(stderr, "upload bench: device: %s\n", err);
            return 2;
        }
        /* a 16 KiB image keeps this part short */
        uint8_t *simg;
        size_t slen;
        uint8_t *sp = calloc(1, 16 * 1024);
        if (!sp || fk_image_sign(&so, sp, 16 * 1024, &simg, &slen, err, sizeof err)) {
            return 2;
        }
        free(sp);
        if (!json) {
            printf("\nmeasured with --realtime (a %zu-byte image; the device sleeps its flash time and\n"
                   "paces the pty at 115200 baud):\n%-9s %6s %6s %9s %10s %9s %8s %10s %9s\n",
                   slen, "link", "chunk", "window", "payload", "wire_tx", "model_s", "model kB/s", "wall_s",
                   "wall kB/s");
        }
        struct fk_device_run run = {0};
        struct fk_device_thread *th;
        if (fk_device_spawn(d, &run, &th)) {
            return 2;
        }
        struct fk_client_tp *tp;
        char conn[300];
        snprintf(conn, sizeof conn, "serial:%s", run.serial_path);
        if (fk_client_tp_open(conn, &tp, err, sizeof err)) {
            fprintf(stderr, "upload bench: %s\n", err);
            return 2;
        }
        struct fk_client c;
        fk_client_init(&c, tp);
        c.timeout_ms = 10000;
        static const unsigned chunks[] = {256, 0};
        static const unsigned windows[] = {1, 4};
        for (size_t w = 0; w < 2; w++) {
            for (size_t k = 0; k < 2; k++) {
                fails += one(d, &c, "serial-rt", simg, slen, chunks[k], windows[w]);
            }
        }
        free(simg);
        fk_client_close(&c);
        fk_device_join(th);
    }
    if (!json) {
        printf("\nThe largest chunk of each link is what fits the device's buf_size (mcumgr_params).\n"
               "tx/B = wire bytes sent per image byte. model_s: serial = the line time in each direction\n"
               "(+ flash time, summed, at window 1; the largest of the three at window > 1); UDP = the\n"
               "device's flash time (loopback itself is nearly free). vs3kB: modeled rate / 3 kB/s.\n");
    }
    fk_device_close(d);
    free(img);
    rm_dir(dir);
    return fails ? 1 : 0;
}
